"""Questions near the documents but not answered by them: another scheme, a law only named, a duration
the text does not give. And the rules behind them, each on its own."""

from __future__ import annotations

import pytest

from rag.answer.assistant import Assistant
from rag.answer.evidence import about_text, coverage, missing_wholes, question_words
from rag.search.question import question_type


@pytest.mark.parametrize("question", [
    # The BHYT law speaks of "trợ cấp thất nghiệp" and "cơ quan bảo hiểm xã hội", never of these schemes.
    "Người tham gia bảo hiểm thất nghiệp được hưởng trợ cấp trong bao lâu?",
    "Đóng bảo hiểm xã hội tự nguyện mỗi tháng bao nhiêu tiền?",
    "Mức đóng bảo hiểm xã hội tự nguyện hằng tháng là bao nhiêu?",
    # NQ 03 names "Luật Thuế thu nhập cá nhân" among laws to amend: nothing on how the tax is computed.
    "Cách tính thuế thu nhập cá nhân như thế nào?",
    "Thuế thu nhập cá nhân được tính như thế nào?",
])
def test_a_question_on_something_the_documents_only_brush_against_is_refused(assistant: Assistant,
                                                                             question: str) -> None:
    reply = assistant.ask(question)
    assert reply.reason == "not_in_documents", reply.answer


def test_the_same_words_in_the_documents_own_sense_are_answered(assistant: Assistant) -> None:
    reply = assistant.ask("Người đang hưởng trợ cấp thất nghiệp đóng bảo hiểm y tế bao nhiêu?")
    assert reply.reason == "answered"
    assert reply.answer.startswith("Theo điểm c khoản 2 Điều 13 Luật Bảo hiểm y tế")
    assert "6% tiền trợ cấp thất nghiệp" in reply.answer


def test_whole_terms_count_only_where_the_text_names_them_whole(assistant: Assistant) -> None:
    index = assistant.retriever.keyword()
    q = question_words("Bảo hiểm thất nghiệp được hưởng bao lâu?", index, plain=False)
    assert [phrase for phrase, _ in q.wholes] == ["bao hiem that nghiep"]
    parts_only = "Người đang hưởng trợ cấp thất nghiệp được cấp thẻ bảo hiểm y tế."
    whole = "Người tham gia bảo hiểm thất nghiệp được hưởng trợ cấp."
    assert missing_wholes(q, parts_only) and not missing_wholes(q, whole)
    assert coverage(q, parts_only) < 0.5 <= coverage(q, whole)
    # Typed without diacritics, the term is still one.
    plain = question_words("bao hiem that nghiep duoc huong bao lau", index, plain=True)
    assert [phrase for phrase, _ in plain.wholes] == ["bao hiem that nghiep"]


def test_a_law_named_in_passing_is_not_the_subject_unless_the_question_asks_about_laws() -> None:
    text = "Rà soát, sửa đổi Luật Thuế thu nhập cá nhân; Bộ luật Lao động để thúc đẩy doanh nghiệp."
    masked = about_text(text, "Thuế thu nhập cá nhân tính thế nào?")
    assert "Thuế" not in masked and "Lao động" not in masked and "thúc đẩy doanh nghiệp" in masked
    assert about_text(text, "Luật Thuế thu nhập cá nhân được sửa đổi thế nào?") == text
    assert "Luật này" in about_text("theo quy định của Luật này.", "thuế là gì")


@pytest.mark.parametrize("question,kind", [
    ("Trong hộ gia đình, người thứ hai tham gia BHYT đóng bao nhiêu?", "amount"),
    ("muc dong bhyt ho gia dinh nguoi thu nhat la bao nhieu", "amount"),
    ("Gia hạn thẻ bảo hiểm y tế hết bao lâu?", "duration"),
    ("Giá một lần khám bệnh là bao nhiêu tiền?", "price"),
    ("gia kham benh bao nhieu", "price"),
    ("Lệ phí cấp lại thẻ là bao nhiêu?", "price"),
])
def test_gia_of_gia_dinh_and_tham_gia_is_not_a_price(question: str, kind: str) -> None:
    assert question_type(question) == kind


def test_how_long_is_answered_by_a_length_of_time_or_not_at_all(assistant: Assistant) -> None:
    answered = assistant.ask("Bị mất thẻ BHYT thì trong bao lâu được cấp lại thẻ?")
    assert answered.reason == "answered" and "ngày làm việc" in answered.answer
    refused = assistant.ask("Bảo hiểm thất nghiệp được hưởng tối đa bao nhiêu tháng?")
    assert refused.reason == "not_in_documents"
