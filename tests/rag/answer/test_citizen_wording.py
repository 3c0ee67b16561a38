"""Questions as citizens write them: about one group of a long list, about "bố tôi", "… ở đâu theo các
tài liệu", typed without diacritics; the answer is the provision, not a refusal or a neighbour."""

from __future__ import annotations

import pytest

from rag.answer.assistant import Assistant
from rag.answer.safety import route
from rag.answer.verdict import verdict
from rag.documents.citations import stated_refs
from rag.search.question import Question
from rag.text.tokens import strip_asker


def _first_basis(assistant: Assistant, question: str) -> tuple[str | None, str | None, str]:
    reply = assistant.ask(question)
    assert reply.reason == "answered", reply.answer
    refs = stated_refs(reply.citations[0].basis)
    assert refs, reply.answer
    return refs[0]


@pytest.mark.parametrize("question,point,clause", [
    # The whole khoản 4 list is one chunk; its "Học sinh, sinh viên" item alone answers.
    ("Sinh viên đại học có được nhà nước hỗ trợ tiền mua bảo hiểm y tế không?", "b", "4"),
    ("Vợ của liệt sĩ đã tái giá, đang hưởng trợ cấp tuất hằng tháng có được nhà nước đóng bảo hiểm y tế không?",
     "k", "3"),
    ("Cán bộ xã đã nghỉ việc đang hưởng trợ cấp bảo hiểm xã hội hằng tháng thì ai đóng BHYT?", "c", "2"),
    ("nguoi thuoc ho gia dinh lam nong nghiep co muc song trung binh co duoc ho tro dong bhyt khong", "d", "4"),
])
def test_one_group_of_a_long_list_is_found_and_quoted_under_its_lead(assistant: Assistant, question: str,
                                                                      point: str, clause: str) -> None:
    assert _first_basis(assistant, question) == (point, clause, "12")
    answer = assistant.ask(question).answer
    lead = {"2": "2. Nhóm do cơ quan bảo hiểm xã hội đóng bao gồm:", "3": "3. Nhóm do ngân sách nhà nước đóng bao gồm:",
            "4": "4. Nhóm được ngân sách nhà nước hỗ trợ mức đóng bao gồm:"}[clause]
    assert lead in answer


def test_an_item_is_not_listed_again_below_the_chunk_that_holds_it(assistant: Assistant) -> None:
    items = 0
    for question in ("Đối tượng nào được ngân sách nhà nước đóng bảo hiểm y tế?", "Dân quân thường trực có được đóng BHYT?"):
        held: set[tuple[str, str, str]] = set()
        for hit in assistant.retriever.search(question, 10):
            keys = {(hit.source, hit.article, k) for k in str(hit.metadata.get("units") or "").split("|")
                    if k and not k.endswith(":")}
            if hit.metadata.get("item"):
                items += 1
                assert not keys <= held, hit.section
            held |= keys
    assert items  # the items compete: the check above ran


def test_how_the_asker_speaks_of_their_family_is_neither_searched_nor_required(assistant: Assistant) -> None:
    assert strip_asker("Bố tôi là cựu chiến binh thì ai đóng bảo hiểm y tế cho bố tôi?") == \
        "là cựu chiến binh thì ai đóng bảo hiểm y tế cho ?"
    # Typed without diacritics "toi" is also "tội": only the family phrase goes.
    assert strip_asker("toi pham gian lan bhyt") == "toi pham gian lan bhyt"
    plain = _first_basis(assistant, "Cựu chiến binh thì ai đóng bảo hiểm y tế?")
    assert plain == ("e", "3", "12")
    assert _first_basis(assistant, "Bố tôi là cựu chiến binh thì ai đóng bảo hiểm y tế cho bố tôi?") == plain


def test_question_words_and_fillers_are_not_words_an_answer_must_cover() -> None:
    q = Question("Bệnh án điện tử được triển khai ở đâu theo các tài liệu?",
                 "Bệnh án điện tử được triển khai ở đâu theo các tài liệu?", [], False)
    assert "ở đâu" not in q.coverage_text and "tài liệu" not in q.coverage_text
    assert "Bệnh án điện tử" in q.coverage_text


def test_a_question_the_news_answers_with_where_is_answered(assistant: Assistant) -> None:
    reply = assistant.ask("Bệnh án điện tử được triển khai ở đâu theo các tài liệu?")
    assert reply.reason == "answered" and "bệnh án điện tử" in reply.answer


def test_a_plain_question_about_the_poor_is_not_taken_for_cough_syrup() -> None:
    # "thuoc ho" is "thuốc ho" (cough syrup) and "thuộc hộ" (belongs to a household); "bhyt" says which.
    assert route("nguoi dan toc thieu so thuoc ho can ngheo co duoc cap the bhyt mien phi khong") is None
    assert route("toi bi ho nen uong thuoc ho gi") == "medical_advice"


def test_a_negated_grant_settles_nothing() -> None:
    q = Question("Trẻ em có được cấp thẻ bảo hiểm y tế không?", "Trẻ em có được cấp thẻ bảo hiểm y tế không?", [], False)
    said = "trẻ em dưới 6 tuổi chưa được cấp thẻ bảo hiểm y tế thì xuất trình giấy tờ hợp pháp khác."
    assert verdict(q, "Thủ tục khám bệnh, chữa bệnh bảo hiểm y tế", [said]) is None
    assert verdict(q, "Thủ tục khám bệnh", ["Trẻ em được cấp thẻ bảo hiểm y tế miễn phí."]) is True


def test_a_khoan_that_only_delegates_is_not_quoted_beside_the_rule(assistant: Assistant) -> None:
    # Điều 30: khoản 1 lists the payment methods, khoản 2 says the Government details khoản 1.
    reply = assistant.ask("Có những phương thức thanh toán chi phí khám chữa bệnh bảo hiểm y tế nào?")
    assert reply.citations[0].basis == "khoản 1 Điều 30", reply.answer
    assert "Thanh toán theo định suất" in reply.answer
    assert "Chính phủ quy định chi tiết khoản 1" not in reply.answer


@pytest.mark.parametrize("text,expected", [
    ("2. Chính phủ quy định chi tiết khoản 1 Điều này và quy định việc áp dụng phương thức thanh toán.", True),
    ("3. Bộ trưởng Bộ Y tế quy định chi tiết khoản 1 và khoản 2 Điều này.", True),
    ("1. Việc thanh toán chi phí được thực hiện theo các phương thức sau đây:", False),
    ("4. Chính phủ quy định các trường hợp sau đây:", False),  # it introduces a list: the rule follows
    ("2. Người lao động quy định tại khoản 1 được hưởng trợ cấp.", False),
])
def test_a_delegating_khoan_is_told_from_a_rule(text: str, expected: bool) -> None:
    from rag.answer.provisions import delegates
    from rag.documents.legal_structure import Unit

    assert delegates(Unit(text[0], None, [text])) is expected


def test_a_repealed_decree_that_says_more_than_the_law_answers_with_its_notice(assistant: Assistant) -> None:
    # Nghị định 146 (replaced by Nghị định 188, not indexed) lists the papers for direct payment; the law does not.
    reply = assistant.ask("Tôi muốn đề nghị thanh toán trực tiếp chi phí khám chữa bệnh BHYT thì cần những giấy tờ gì?")
    assert reply.answer.startswith("Theo Điều 28 Nghị định 146/2018/NĐ-CP:"), reply.answer
    assert "Giấy ra viện" in reply.answer and "đã hết hiệu lực" in reply.answer
    # Where the law in force says as much, it answers first.
    reply = assistant.ask("Người 20 tuổi điều trị tật khúc xạ của mắt có được hưởng bảo hiểm y tế không?")
    assert "Luật Bảo hiểm y tế" in reply.answer.split("\n")[1]
