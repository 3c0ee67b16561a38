"""A named document answers, or the question is refused with the reason; transitional articles answer
only questions about the transition."""

from __future__ import annotations

from rag.answer.assistant import Assistant
from rag.documents.citations import stated_refs


def _articles(reply) -> list[str]:  # type: ignore[no-untyped-def]
    return [refs[0][2] for c in reply.citations if (refs := stated_refs(c.basis))]


def test_a_named_document_that_does_not_hold_the_answer_is_refused_with_the_reason(assistant: Assistant) -> None:
    question = "mức đóng bảo hiểm y tế của học sinh, sinh viên là bao nhiêu?"
    unnamed = assistant.ask(question[0].upper() + question[1:])
    assert unnamed.reason == "answered"  # the law answers it …
    named = assistant.ask("Nghị quyết 57 quy định " + question)
    assert named.reason == "not_in_documents"  # … but the resolution the question names does not
    assert "Nghị quyết 57-NQ/TW không có quy định về nội dung này" in named.answer


def test_a_named_document_that_holds_the_answer_answers_it(assistant: Assistant) -> None:
    reply = assistant.ask("Theo Nghị quyết 57, đến năm 2030 quy mô kinh tế số đạt bao nhiêu phần trăm GDP?")
    assert reply.reason == "answered" and "30%" in reply.answer
    assert all("nq57" in c.hit.source or "57" in c.hit.text for c in reply.citations)


def test_a_transitional_article_does_not_answer_a_question_about_the_rule(assistant: Assistant) -> None:
    # Điều 50 (Điều khoản chuyển tiếp) repeats these words for cards issued before 2009.
    rule = assistant.ask("Phạm vi quyền lợi của người có thẻ bảo hiểm y tế gồm những gì?")
    assert rule.reason == "answered" and "50" not in _articles(rule)
    transition = assistant.ask("Quy định chuyển tiếp về thẻ bảo hiểm y tế của trẻ em dưới 6 tuổi cấp trước khi Luật có "
                               "hiệu lực?")
    assert _articles(transition)[:1] == ["50"]
