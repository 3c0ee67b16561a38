"""'… có trách nhiệm gì?': the article whose heading states that role of that actor, though the asker names
the actor otherwise ("bệnh viện", "công ty", "người có thẻ")."""

from __future__ import annotations

import pytest

from rag.answer.assistant import Assistant
from rag.documents.citations import stated_refs
from rag.search.retriever import Retriever
from rag.search.roles import RoleAsk, asked_role, states_role
from rag.settings import Settings

LAW = "seeds/luat-bhyt_25-2008-QH12_vbhn-22-VBHN-VPQH_2025-02-26.md"
DECREE = "seeds/nd146_2018-ND-CP_superseded-by-nd188-2025.md"


def test_the_role_and_the_actor_are_read_from_how_citizens_ask() -> None:
    assert asked_role("Bệnh viện có trách nhiệm gì đối với người bệnh có thẻ BHYT?") == RoleAsk("duties", "Bệnh viện")
    assert asked_role("Người có thẻ bảo hiểm y tế có những quyền lợi gì?") == \
        RoleAsk("rights", "Người có thẻ bảo hiểm y tế")
    assert asked_role("Cho hỏi UBND xã có trách nhiệm gì về BHYT?") == RoleAsk("duties", "ủy ban nhân dân xã")
    assert asked_role("Nghĩa vụ của người tham gia bảo hiểm y tế là gì?") == \
        RoleAsk("duties", "người tham gia bảo hiểm y tế")
    assert asked_role("Tôi có được đổi thẻ bảo hiểm y tế không?") is None


@pytest.mark.parametrize("question,article", [
    ("Bệnh viện có trách nhiệm gì đối với người bệnh có thẻ bảo hiểm y tế?", "43"),
    ("Công ty đóng bảo hiểm y tế cho nhân viên thì có trách nhiệm gì?", "39"),
    ("Người có thẻ bảo hiểm y tế có những quyền lợi gì theo luật?", "36"),
    ("Cơ quan bảo hiểm xã hội có trách nhiệm gì đối với người tham gia bảo hiểm y tế?", "41"),
])
def test_the_article_that_states_the_role_answers_it_whole(seeded_settings: Settings, assistant: Assistant,
                                                          question: str, article: str) -> None:
    retriever = Retriever(seeded_settings)
    assert retriever.role_article(retriever.analyse(question)) == (LAW, article)
    reply = assistant.ask(question)
    assert reply.reason == "answered"
    assert stated_refs(reply.citations[0].basis)[0] == (None, None, article), reply.answer
    assert reply.answer.startswith(f"Theo Điều {article} ")  # every duty or right, not one khoản of them


def test_an_actor_no_heading_names_clearly_gets_no_article(seeded_settings: Settings) -> None:
    retriever = Retriever(seeded_settings)
    # The model puts "bác sĩ" about as near the duties of the insured, of hospitals and of the ministry.
    assert retriever.role_article(retriever.analyse("Bác sĩ có trách nhiệm gì?")) is None
    # The decree's "cơ sở khám bệnh, chữa bệnh" is the same actor as the law's; the law is in force.
    plan = retriever.analyse("Cơ sở khám bệnh, chữa bệnh có trách nhiệm gì?")
    assert retriever.role_article(plan) == (LAW, "43")


@pytest.mark.parametrize("question,article", [
    ("Cơ quan bảo hiểm xã hội có trách nhiệm gì khi thực hiện hợp đồng khám chữa bệnh bảo hiểm y tế với bệnh viện?",
     "20"),
    ("Cơ sở khám chữa bệnh có quyền gì khi thực hiện hợp đồng khám chữa bệnh BHYT?", "21"),
])
def test_a_heading_whose_occasion_the_question_states_answers(seeded_settings: Settings, question: str,
                                                              article: str) -> None:
    # The decree's "Quyền và trách nhiệm của cơ quan bảo hiểm xã hội trong thực hiện hợp đồng …" says the
    # occasion the question names; the law's "Trách nhiệm của cơ quan bảo hiểm xã hội" does not. Asked without
    # the occasion, the law in force answers (above).
    retriever = Retriever(seeded_settings)
    assert retriever.role_article(retriever.analyse(question)) == (DECREE, article)


def test_the_khoan_that_states_the_asked_role_is_found() -> None:
    # "Quyền và trách nhiệm của …" articles state each role in a khoản of its own; asked one, that khoản answers.
    assert states_role("1. Quyền của cơ sở khám bệnh, chữa bệnh:", "rights")
    assert states_role("2. Trách nhiệm của cơ quan bảo hiểm xã hội:", "duties")
    assert states_role("3. Nghĩa vụ của người bệnh:", "duties")
    assert not states_role("2. Trách nhiệm của cơ quan bảo hiểm xã hội:", "rights")
    assert not states_role("1. Quyền và trách nhiệm của các bên:", "rights")  # both roles: not one khoản's
    assert not states_role("1. Người tham gia bảo hiểm y tế:", "rights")
