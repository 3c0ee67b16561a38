"""Diacritics put back on a question typed without them, chosen by the neighbouring words."""

from __future__ import annotations

from rag.index.keyword import Chunk, KeywordIndex
from rag.search.restore import Restorer
from rag.text.tokens import doc_terms

# "nghiên" (nghiên cứu) and "đóng" (đóng bảo hiểm) are far more frequent than "nghiện" and "đồng": the most
# frequent form of each syllable alone would be wrong in "cai nghien ruou" and "vung dong bao".
_TEXTS = [
    "Nghiên cứu khoa học và nghiên cứu ứng dụng; nghiên cứu cơ bản được nhà nước đầu tư.",
    "Kết quả nghiên cứu được công bố; nghiên cứu viên được hỗ trợ.",
    "Người lao động đóng bảo hiểm y tế hằng tháng; người sử dụng lao động đóng bảo hiểm.",
    "Mức đóng bảo hiểm y tế bằng 4,5% tiền lương; hộ gia đình đóng bảo hiểm y tế theo năm.",
    "Khám bệnh, chữa bệnh nghiện ma túy, nghiện rượu hoặc chất gây nghiện khác không được hưởng.",
    "Người dân tộc thiểu số đang cư trú tại vùng đồng bào dân tộc thiểu số và miền núi.",
    "Mức tiền lương tháng tối đa để tính số tiền đóng bảo hiểm y tế; mức tối thiểu; buổi tối.",
]


def _restorer() -> Restorer:
    index = KeywordIndex("test", [Chunk(str(i), "doc", t, {}, " ".join(doc_terms(t))) for i, t in enumerate(_TEXTS)])
    index.ensure_built()
    return Restorer(index)


def test_a_rare_form_wins_where_its_neighbours_say_so() -> None:
    restorer = _restorer()
    assert restorer.restore("nghien cuu") == "nghiên cứu"
    assert restorer.restore("cai nghien ruou").endswith("nghiện rượu")
    assert restorer.restore("dong bao hiem y te") == "đóng bảo hiểm y tế"
    assert "vùng đồng bào" in restorer.restore("nguoi dan toc o vung dong bao dan toc")


def test_typed_accents_and_unknown_words_are_kept() -> None:
    restorer = _restorer()
    assert restorer.restore("Đóng bhyt") == "Đóng bhyt"
    assert restorer.restore("nghien 2025") == "nghiên 2025"


def test_the_asker_is_restored_though_the_documents_never_say_it() -> None:
    # The documents say "tối" (tối đa) and never "tôi": the asker's words come from the asker lexicon, unless the
    # corpus has the syllable with its neighbour ("toi da" is "tối đa").
    restorer = _restorer()
    assert restorer.restore("toi dong bao hiem y te").startswith("tôi đóng")
    assert restorer.restore("con toi dong bao hiem y te").startswith("con tôi đóng")
    assert restorer.restore("muc luong toi da") == "mức lương tối đa"


def test_question_words_are_restored_though_a_corpus_word_shares_their_syllables() -> None:
    # "bảo hiểm" makes "bảo" the corpus's form of "bao"; "bao lau" asks how long.
    assert _restorer().restore("doi the mat bao lau").endswith("bao lâu")
