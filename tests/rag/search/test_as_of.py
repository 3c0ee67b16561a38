"""A date in a question sets the day validity is judged on, and is not searched."""

from __future__ import annotations

import pytest

from rag.answer.assistant import Assistant
from rag.documents.citations import stated_refs
from rag.search.as_of import read_as_of
from rag.search.retriever import Retriever
from rag.settings import Settings

TODAY = "2026-12-02"


@pytest.mark.parametrize("question,when,rest", [
    # "từ" a past date: what applies from then on, today included.
    ("Quỹ bảo hiểm y tế được dùng vào những việc gì từ 1/7/2025?", TODAY,
     "Quỹ bảo hiểm y tế được dùng vào những việc gì?"),
    ("Từ ngày 01/7/2025 học sinh đóng bảo hiểm y tế bao nhiêu?", TODAY, "học sinh đóng bảo hiểm y tế bao nhiêu?"),
    ("tu 1/7/2025 hoc sinh dong bhyt bao nhieu", TODAY, "hoc sinh dong bhyt bao nhieu"),
    ("từ tháng 7/2025 mức hưởng thế nào", TODAY, "mức hưởng thế nào"),
    ("Kể từ năm 2024 ai được cấp thẻ?", TODAY, "ai được cấp thẻ?"),
    ("Từ ngày 1/1/2027 mức đóng là bao nhiêu?", "2027-01-01", "mức đóng là bao nhiêu?"),
    # A day or a past year: what was in force then. A bare year also says which value is asked for: it stays.
    ("Mức đóng bảo hiểm y tế năm 2025 là bao nhiêu?", "2025-12-31", "Mức đóng bảo hiểm y tế năm 2025 là bao nhiêu?"),
    ("Mức lương cơ sở năm 2024 là bao nhiêu?", "2024-12-31", "Mức lương cơ sở năm 2024 là bao nhiêu?"),
    ("Ngày 15 tháng 8 năm 2025 văn bản nào có hiệu lực?", "2025-08-15", "văn bản nào có hiệu lực?"),
    ("Vào ngày 1/9/2025 ai được hưởng?", "2025-09-01", "ai được hưởng?"),
])
def test_a_date_is_read_and_taken_out_of_the_question(question: str, when: str, rest: str) -> None:
    found = read_as_of(question, TODAY)
    assert (found.date, found.text) == (when, rest)


@pytest.mark.parametrize("question", [
    "Nghị định 146/2018/NĐ-CP hết hiệu lực khi nào?",  # a document's number is not a date
    "Thông tư 12/2025/TT-BYT quy định gì?",
    "Theo Luật Bảo hiểm y tế năm 2008 ai phải tham gia?",  # a law named by its year
    "Theo Nghị quyết 57, đến năm 2030 kinh tế số đạt bao nhiêu phần trăm GDP?",  # a target
    "Trước ngày 31/12/2025 phải làm gì?",  # a deadline is what the question asks about
    "Thời gian tham gia bảo hiểm y tế 5 năm liên tục được hưởng gì?",
])
def test_numbers_that_are_not_the_questions_date_are_left_alone(question: str) -> None:
    found = read_as_of(question, TODAY)
    assert found.date is None and found.text == question


def test_hien_nay_is_today_and_not_searched() -> None:
    found = read_as_of("Quy định hiện nay về thẻ bảo hiểm y tế?", TODAY)
    assert found.date is None and found.text == "Quy định về thẻ bảo hiểm y tế?"


def _first_article(assistant: Assistant, question: str) -> str | None:
    reply = assistant.ask(question)
    assert reply.reason == "answered", reply.answer
    refs = stated_refs(reply.citations[0].basis)
    return refs[0][2] if refs else None


@pytest.mark.parametrize("question", [
    "Quỹ bảo hiểm y tế được sử dụng vào những mục đích gì",
    "Những trường hợp nào không được hưởng bảo hiểm y tế",
    "Mức đóng bảo hiểm y tế của người đang hưởng lương hưu là bao nhiêu",
])
def test_a_date_suffixed_question_is_answered_like_its_plain_form(assistant: Assistant, question: str) -> None:
    plain = _first_article(assistant, question + "?")
    for suffix in (" từ 1/7/2025?", " từ ngày 01/07/2025?", " hiện nay?", " vào ngày 1/9/2025?"):
        assert _first_article(assistant, question + suffix) == plain, suffix
    said = "ngày mà câu hỏi nêu"  # prompts/notice_as_of.md
    dated = assistant.ask(question + " vào ngày 1/9/2025?")
    assert "01/09/2025" in dated.answer and said in dated.answer  # the answer says which date it applied
    assert said not in assistant.ask(question + " từ 1/7/2025?").answer  # judged today: nothing to say


def test_validity_is_judged_on_the_questions_date(seeded_settings: Settings) -> None:
    """Nghị định 146/2018 was in force in 2024 and replaced in 2025 (its sidecar says so)."""
    r = Retriever(seeded_settings)
    question = "Theo Nghị định 146/2018/NĐ-CP, thẻ bảo hiểm y tế có giá trị sử dụng từ khi nào"
    now = [h for h in r.search(question + "?") if "nd146" in h.source]
    then = [h for h in r.search(question + " năm 2024?") if "nd146" in h.source]
    assert now and then
    assert {h.document()["status"] for h in now} == {"superseded"}
    assert {h.document()["status"] for h in then} == {"partly_amended"}  # in force then, as amended in 2023
