"""Citizens add their own details and words the documents never use ("nâng mũi", "xe của bệnh viện",
"doanh nghiệp" for "tổ chức đóng bảo hiểm y tế"): the provision that answers is still quoted, not refused."""

from __future__ import annotations

from rag.answer.assistant import Assistant
from rag.answer.evidence import shape_bonus
from rag.documents.citations import stated_refs

_DECREE = "seeds/nd146_2018-ND-CP_superseded-by-nd188-2025.md"


def _basis(assistant: Assistant, question: str) -> tuple[str, tuple[str | None, str | None, str]]:
    reply = assistant.ask(question)
    assert reply.reason == "answered", reply.answer
    return reply.citations[0].hit.source, stated_refs(reply.citations[0].basis)[0]


def test_a_detail_no_document_names_does_not_refuse_what_the_law_says(assistant: Assistant) -> None:
    # "nâng mũi" is in no document; "dịch vụ thẩm mỹ" is in the list of what the insurance does not pay.
    reply = assistant.ask("Mổ thẩm mỹ nâng mũi có được bảo hiểm y tế thanh toán không?")
    assert reply.reason == "answered", reply.answer
    assert stated_refs(reply.citations[0].basis)[0][1:] == ("6", "23")
    assert reply.answer.startswith("Không.")


def test_the_actor_named_the_askers_way_gets_the_rights_article(assistant: Assistant) -> None:
    # The heading says "tổ chức, cá nhân đóng bảo hiểm y tế"; the question's other words ("nhân viên",
    # "đóng bhyt") pull towards the list of insured groups.
    source, ref = _basis(assistant, "Doanh nghiệp đóng bhyt cho nhân viên thì doanh nghiệp có quyền gì?")
    assert ref[2] == "38" and "luat-bhyt" in source


def test_a_cost_priced_in_fuel_answers_how_much(assistant: Assistant) -> None:
    assert shape_bonus("amount", "theo mức bằng 0,2 lít xăng/km tính theo khoảng cách thực tế", "chi bao nhiêu tiền") == 1.0
    source, ref = _basis(assistant, "Quỹ bảo hiểm y tế chi bao nhiêu tiền vận chuyển khi chuyển viện cấp cứu bằng "
                                    "xe của bệnh viện?")
    assert (source, ref[2]) == (_DECREE, "26")


def test_when_is_answered_by_a_recurring_window(assistant: Assistant) -> None:
    # "trong 15 ngày đầu của mỗi quý" (Điều 26) answers when one may change; "Thay đổi nơi đăng ký …" (Điều 19,
    # a reason to exchange the card) only repeats the question.
    assert shape_bonus("date", "có quyền thay đổi … trong 15 ngày đầu của mỗi quý", "khi nào") == 1.0
    source, ref = _basis(assistant, "Muốn thay đổi nơi đăng ký khám bệnh ban đầu thì được thay đổi khi nào?")
    assert ref[1:] == ("1", "26") and "luat-bhyt" in source


def test_a_repealed_decrees_article_whose_heading_is_the_topic_answers(assistant: Assistant) -> None:
    # The law in force speaks of "quỹ dự phòng" in passing (Điều 35, the BHYT fund); the decree it superseded,
    # whose replacement is not indexed, has "Quản lý và sử dụng quỹ dự phòng". Its heading says more of the
    # question than any heading in force, so it is not ranked below the law for being no longer in force.
    reply = assistant.ask("Quỹ dự phòng khám chữa bệnh bảo hiểm y tế được dùng vào việc gì?")
    assert reply.reason == "answered", reply.answer
    assert reply.citations[0].hit.source == _DECREE
    assert stated_refs(reply.citations[0].basis)[0][1:] == ("2", "35")
    assert reply.as_json()["citations"][0]["document"]["status"] == "superseded"


def test_a_group_named_by_a_whole_article_reference_is_found(assistant: Assistant) -> None:
    # "Ủy ban nhân dân xã … lập danh sách đối tượng quy định tại Điều 2" names the unemployed only through
    # Điều 2's list ("6. Người đang hưởng trợ cấp thất nghiệp"); that khoản answers, not a refusal.
    source, ref = _basis(assistant, "Người hưởng trợ cấp thất nghiệp thì ai lập danh sách cấp thẻ bhyt?")
    assert (source, ref[1], ref[2]) == (_DECREE, "5", "11")


def test_pieces_of_one_long_provision_do_not_crowd_out_the_answer(assistant: Assistant) -> None:
    # Điểm b khoản 2 Điều 32 (a long "giám định … thanh toán" deadline) is indexed whole as a list item and in
    # pieces; the pieces repeat the item and used to take the places of "13. Giám định y khoa …" (Điều 23).
    hits = assistant.retriever.search("Giám định y khoa có được BHYT thanh toán không?")
    texts = [h.text for h in hits]
    for i, text in enumerate(texts):
        lines = [line for line in text.splitlines() if line.strip()]
        assert not all(any(line in above for above in texts[:i]) for line in lines), text
    reply = assistant.ask("Giám định y khoa có được BHYT thanh toán không?")
    assert reply.answer.startswith("Không.")
    assert stated_refs(reply.citations[0].basis)[0][1:] == ("13", "23")


def test_a_question_typed_plain_with_a_lower_case_abbreviation_is_read_like_its_written_form(
        assistant: Assistant) -> None:
    # "bhyt" is "BHYT" (bảo hiểm y tế) for search as for coverage; the words typed without diacritics stay
    # typed words ("co duoc … khong" is not searched as if spelled).
    plan = assistant.retriever.analyse("giam dinh y khoa co duoc bhyt thanh toan khong")
    assert "bảo hiểm y tế" in plan.dense_text and "co" not in plan.terms and "~giam" in plan.terms
    source, ref = _basis(assistant, "giam dinh y khoa co duoc bhyt thanh toan khong")
    assert ref[1:] == ("13", "23") and "luat-bhyt" in source


def test_a_story_before_the_question_is_answered_like_the_question(assistant: Assistant) -> None:
    # The opening sentence's words ("chào", "45 tuổi", "nghề tự do", "muốn hỏi") are in no provision about abortion
    # costs; weighed like the asked ones they refused this question. The asking sentence stands alone, so it leads.
    plain = "Chi phí nạo phá thai có được bảo hiểm y tế chi trả không?"
    story = "Chào anh chị, tôi năm nay 45 tuổi, làm nghề tự do ở quê, có chuyện này chưa rõ nên muốn hỏi. " + plain
    for question in (plain, story):
        reply = assistant.ask(question)
        assert reply.reason == "answered", reply.answer
        assert reply.answer.startswith("Không.")
        assert (None, "5", "23") in stated_refs(reply.citations[0].basis)
