"""Questions about the health centers' news: who, where, which document, what role. Each names its
subject as citizens do (an abbreviation, "Theo CDC Hà Nội, …"), and the answer is the sentence that
says the thing asked, not one that only repeats the subject's name."""

from __future__ import annotations

import pytest

from rag.answer.assistant import Assistant
from rag.answer.evidence import _defines, shape_bonus
from rag.documents.clean import clean_text
from rag.search.question import question_type, without_attribution


@pytest.mark.parametrize("question,fact", [
    # The passage writes "Giám đốc CDC Hà Nội": the question's "CDC" is compared written out, so must the passage's.
    ("Giám đốc CDC Hà Nội là ai?", "Bùi Văn Hào"),
    ("giam doc cdc ha noi la ai", "Bùi Văn Hào"),
    # The footer's address, not the city's name in the news or the reprint notice.
    ("CDC Hà Nội có trụ sở chính ở đâu?", "70 Nguyễn Chí Thanh"),
    # Asked which document, the answer names another one than the question does.
    ("Nghị quyết 03/NQ-CP được ban hành để thực hiện nghị quyết nào?", "57-NQ/TW"),
    # "Theo CDC Hà Nội, …" says who says it: the answer need not repeat the name.
    ("Theo CDC Hà Nội, vai trò của chuyển đổi số trong phòng chống dịch là gì?", "động lực cốt lõi"),
])
def test_a_news_question_is_answered_by_the_sentence_that_says_what_is_asked(assistant: Assistant, question: str,
                                                                            fact: str) -> None:
    reply = assistant.ask(question)
    assert reply.reason == "answered" and fact in reply.answer, reply.answer


def test_a_reprint_notice_is_page_furniture_but_the_address_beside_it_stays() -> None:
    text = clean_text("Bài viết về hội nghị.\n\nĐịa chỉ cơ quan: Số 70 Nguyễn Chí Thanh, phường Láng\n"
                      "   Ghi rõ nguồn: Trung tâm Kiểm soát bệnh tật thành phố Hà Nội khi phát hành lại thông tin\n"
                      "© 2025 Sở Y tế Hà Nội")
    assert "Số 70 Nguyễn Chí Thanh" in text
    assert "Ghi rõ nguồn" not in text and "©" not in text


def test_which_document_and_who_says_it_are_read_from_the_question() -> None:
    assert question_type("Nghị quyết 03/NQ-CP thực hiện nghị quyết nào của Bộ Chính trị?") == "document"
    assert question_type("Văn bản nào quy định mức đóng bảo hiểm y tế?") == "document"
    assert question_type("Những trường hợp nào được miễn?") == "list"
    question = "Nghị quyết 03/NQ-CP thực hiện nghị quyết nào?"
    assert shape_bonus("document", "Thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị", question) == 1.0
    assert shape_bonus("document", "(Kèm theo Nghị quyết số 03/NQ-CP ngày 09/01/2025)", question) == 0.0
    assert without_attribution("Theo CDC Hà Nội, vai trò của chuyển đổi số là gì?") == "vai trò của chuyển đổi số là gì?"
    # Without the comma "theo" is part of the question.
    assert without_attribution("Theo quy định thì ai phải đóng?") == "Theo quy định thì ai phải đóng?"


def test_a_definition_may_open_with_a_connective_and_a_verb_of_stating() -> None:
    question = "Vai trò của chuyển đổi số là gì?"
    assert _defines("Trong đó, chuyển đổi số được xác định là động lực cốt lõi.", question) == 1.0
    assert _defines("Chuyển đổi số là động lực cốt lõi.", question) == 1.0
    # What is defined must still be the question's own words.
    assert _defines("Trong đó, y tế số được xác định là động lực cốt lõi.", question) == 0.0


def test_an_address_answers_where_a_mention_of_the_city_only_half() -> None:
    question = "Trụ sở chính của CDC Hà Nội ở đâu?"
    assert shape_bonus("where", "Trụ sở chính: Số 70 Nguyễn Chí Thanh, phường Láng", question) == 1.0
    assert shape_bonus("where", "Hội nghị quán triệt Nghị quyết số 57-NQ/TW tổ chức tại Hà Nội.", question) == 0.5
