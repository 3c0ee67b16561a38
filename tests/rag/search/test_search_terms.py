"""Keyword fields and the answer-shape check."""

from __future__ import annotations

from rag.answer.evidence import shape_bonus
from rag.index.keyword import Chunk, KeywordIndex
from rag.search.question import question_type
from rag.text.tokens import doc_terms, query_terms, strip_stop_phrases

_TEXTS = {
    "amilavil": "Thận trọng khi dùng thuốc Amilavil ở người có tiền sử động kinh, bí tiểu, suy gan hoặc tăng nhãn áp.",
    "artrodar": "Tác dụng phụ thường gặp của thuốc Artrodar là đau bụng và tiêu chảy. Tác dụng phụ trên gan hiếm gặp.",
    "vaccine": "Vaccine có thể gây tác dụng phụ nhẹ như sốt và đau tại chỗ tiêm.",
    "report": "Người bệnh cần báo bác sĩ khi gặp tác dụng phụ kéo dài.",
    "storage": "Bảo quản thuốc nơi khô ráo, tránh ánh nắng trực tiếp.",
    "meal": "Uống thuốc sau bữa ăn để giảm kích ứng dạ dày.",
}


def _index() -> KeywordIndex:
    index = KeywordIndex("test", [Chunk(k, k, t, {}, " ".join(doc_terms(t))) for k, t in _TEXTS.items()])
    index.ensure_built()
    return index


def _ranking(index: KeywordIndex, question: str) -> list[str]:
    scores = index.scores(query_terms(strip_stop_phrases(question), index.vocab), 0.3)
    return [c.chunk_id for _, c in sorted(zip(scores, index.chunks), key=lambda p: -p[0])]


def test_rare_name_outweighs_a_common_phrase_counted_once_per_field() -> None:
    # Counting "tác dụng phụ" per syllable and again per sub-phrase used to bury the drug's name.
    assert _ranking(_index(), "Tác dụng phụ nào có thể xảy ra khi dùng thuốc Amilavil?")[0] == "amilavil"


def test_plain_query_meets_the_same_fields() -> None:
    index = _index()
    assert _ranking(index, "tac dung phu nao co the xay ra khi dung thuoc Amilavil")[0] == "amilavil"
    assert _ranking(index, "bao quan thuoc noi kho rao")[0] == "storage"


def test_scores_are_zero_without_a_match_and_one_at_the_best() -> None:
    index = _index()
    scores = index.scores(query_terms("Artrodar", index.vocab), 0.3)
    assert scores.max() == 1.0
    assert (scores > 0).sum() == 1


def test_count_questions_want_a_new_number() -> None:
    question = "Mức lương cơ sở năm 2025 là bao nhiêu?"
    qtype = question_type(question)
    assert qtype == "amount"  # a level ("mức") asks for an amount, which is a number too
    # Only the asked year and a decree's number: not an answer to "how much".
    assert shape_bonus(qtype, "Xây dựng Nghị định thay thế Nghị định số 87/2021/NĐ-CP; hoàn thành: 2025.",
                       question) == 0.0
    assert shape_bonus(qtype, "Từ năm 2025, mức lương cơ sở là 2.340.000 đồng/tháng.", question) == 1.0


def test_a_question_that_names_the_amended_law_asks_what_it_says_not_how_it_changed() -> None:
    from rag.search.question import asks_about_changes

    assert not asks_about_changes("Cơ quan bảo hiểm xã hội có trách nhiệm gì theo Luật Bảo hiểm y tế sửa đổi năm 2024?")
    assert not asks_about_changes("Từ 1/7/2025 theo luật BHYT sửa đổi, bổ sung thì mức hưởng là bao nhiêu?")
    assert asks_about_changes("Luật Bảo hiểm y tế sửa đổi những điểm nào?")
    assert asks_about_changes("Điều 22 đã được sửa đổi như thế nào?")


def test_a_month_that_starts_or_ends_a_period_answers_a_when_question() -> None:
    question = "Người hưởng trợ cấp thất nghiệp thì thẻ BHYT có giá trị từ lúc nào?"
    assert question_type(question) == "date"
    assert shape_bonus("date", "Thẻ có giá trị sử dụng từ tháng đầu tiên hưởng trợ cấp thất nghiệp.", question) == 1.0
    assert shape_bonus("date", "Thẻ có giá trị sử dụng theo quyết định của cơ quan có thẩm quyền.", question) == 0.0
