"""A procedure is quoted whole under one basis line; a yes/no question the provision settles opens with
Có. or Không., and one it does not settle gets no verdict."""

from __future__ import annotations

import pytest

from rag.answer.assistant import Assistant

LAW = "Luật Bảo hiểm y tế (VBHN 22/VBHN-VPQH)"


@pytest.mark.parametrize("question", ["Bị mất thẻ bảo hiểm y tế thì phải làm thế nào?",
                                      "mat the bhyt thi lam the nao"])
def test_a_procedure_question_gets_every_khoan_under_one_basis_line(assistant: Assistant, question: str) -> None:
    reply = assistant.ask(question)
    assert reply.answer.startswith(f"Theo khoản 1, 2 và 3 Điều 18 {LAW}:")
    assert reply.answer.count("Theo ") == 1  # one basis line for the article
    assert "7 ngày làm việc" in reply.answer  # khoản 3: the time limit
    assert "bãi bỏ" not in reply.answer  # a repealed khoản is not quoted


@pytest.mark.parametrize("question,word,article", [
    ("Chi phí nạo phá thai có được bảo hiểm y tế chi trả không?", "Không.", "Điều 23"),
    ("Làm răng giả có được quỹ bảo hiểm y tế thanh toán không?", "Không.", "Điều 23"),
    ("Bị mất thẻ bảo hiểm y tế có được cấp lại không?", "Có.", "Điều 18"),
])
def test_a_yes_no_question_settled_by_the_provision_opens_with_the_verdict(
        assistant: Assistant, question: str, word: str, article: str) -> None:
    reply = assistant.ask(question)
    first, basis = reply.answer.split("\n")[:2]
    assert first == word and basis.startswith("Theo ") and f"{article} {LAW}:" in basis


def test_no_verdict_where_the_text_does_not_say(assistant: Assistant) -> None:
    # The khoản found is about where one may be treated, not whether one may choose: no Có./Không.
    reply = assistant.ask("Người tham gia bảo hiểm y tế có được chọn nơi khám bệnh ban đầu không?")
    assert not reply.answer.startswith(("Có.", "Không."))
    # Not a yes/no question at all.
    assert not assistant.ask("Những trường hợp nào không được hưởng bảo hiểm y tế?").answer.startswith("Không.")


def test_a_granting_lead_does_not_answer_for_an_item_about_something_else(assistant: Assistant) -> None:
    # Whatever is quoted, "Có." needs a provision that speaks of a check-up: the lead "… được quỹ bảo hiểm y tế
    # thanh toán … như sau:" grants only what its items list.
    reply = assistant.ask("Đi khám sức khỏe định kỳ để xin việc có được bảo hiểm y tế chi trả không?")
    assert not reply.answer.startswith("Có."), reply.answer


@pytest.mark.parametrize("question,point", [
    ("Học viên đào tạo sĩ quan dự bị có được nhà nước đóng bảo hiểm y tế không?", "d"),
    ("Đại biểu Hội đồng nhân dân xã đương nhiệm có thuộc đối tượng được ngân sách nhà nước đóng bảo hiểm y tế không?",
     "g"),
    ("hoc vien quan doi la nguoi nuoc ngoai co duoc dong bhyt khong", "c"),
])
def test_one_group_of_a_long_list_is_found_and_quoted_with_its_lead(assistant: Assistant, question: str,
                                                                     point: str) -> None:
    reply = assistant.ask(question)
    assert reply.answer.startswith(f"Theo điểm {point} khoản 3 Điều 12 {LAW}:")
    assert "3. Nhóm do ngân sách nhà nước đóng bao gồm:" in reply.answer  # the lead that gives it its subject
