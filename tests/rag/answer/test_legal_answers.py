"""Legal answers: the basis first, provisions quoted whole, amendments and validity, the checker."""

from __future__ import annotations

import re
from pathlib import Path

from rag.answer.assistant import Assistant
from rag.answer.generate import Checker
from rag.documents.citations import stated_refs
from rag.search.retriever import Hit, Retriever
from rag.settings import Settings
from tests.conftest import make_settings

LAW_NAME = "Luật Bảo hiểm y tế (VBHN 22/VBHN-VPQH)"


def test_legal_answer_opens_with_its_basis_and_quotes_the_enumeration_whole(assistant: Assistant) -> None:
    reply = assistant.ask("Thẻ bảo hiểm y tế không có giá trị sử dụng trong những trường hợp nào?")
    assert reply.answer.startswith(f"Theo khoản 4 Điều 16 {LAW_NAME}:")
    for item in ("a) Thẻ đã hết thời hạn sử dụng;", "b) Thẻ bị sửa chữa, tẩy xóa;",
                 "c) Người có tên trong thẻ không tiếp tục tham gia bảo hiểm y tế."):
        assert item in reply.answer.replace(" [1]", "")
    cit = reply.as_json()["citations"][0]
    assert cit["basis"] == "khoản 4 Điều 16" and cit["section"] == "Điều 16. Thẻ bảo hiểm y tế › khoản 4"
    assert cit["document"]["number"] == "22/VBHN-VPQH" and cit["document"]["status"] == "in_force"


def test_a_long_enumeration_is_cut_with_an_ellipsis_before_its_citation(seeded_settings: Settings) -> None:
    s = seeded_settings.model_copy(deep=True)
    s.answer.max_quote_chars = 120
    reply = Assistant(s).ask("Thẻ bảo hiểm y tế không có giá trị sử dụng trong những trường hợp nào?")
    assert re.search(r" … \[1\]", reply.answer), reply.answer
    assert "c) Người có tên trong thẻ" not in reply.answer


def test_an_amended_provision_says_so_and_an_original_one_does_not(assistant: Assistant) -> None:
    amended = assistant.ask("Người 20 tuổi điều trị tật khúc xạ của mắt có được hưởng bảo hiểm y tế không?")
    # Điều 23 lists what is not covered: the yes/no question is answered "Không." before the basis.
    assert amended.answer.startswith(f"Không.\nTheo khoản 7 Điều 23 {LAW_NAME}:")
    assert "khoản 7 Điều 23" in amended.answer.split("Lưu ý:")[1] and "51/2024/QH15" in amended.answer
    original = assistant.ask("Chi phí nạo phá thai có được bảo hiểm y tế chi trả không?")
    assert original.answer.startswith(f"Không.\nTheo khoản 5 Điều 23 {LAW_NAME}:")
    assert "nạo hút thai, phá thai" in original.answer and "sửa đổi" not in original.answer


_OLD = """Nghị định số 100/2020/NĐ-CP ngày 01/02/2020 của Chính phủ về cấp thẻ khám bệnh điện tử
Điều 1. Thời hạn cấp thẻ khám bệnh điện tử
Cơ quan bảo hiểm xã hội cấp thẻ khám bệnh điện tử trong thời hạn 10 ngày làm việc kể từ ngày nhận đủ hồ sơ.
Điều 2. Hiệu lực thi hành
Nghị định này có hiệu lực thi hành từ ngày 01 tháng 3 năm 2020.
"""


_NEW = """Nghị định số 200/2025/NĐ-CP ngày 01/07/2025 của Chính phủ về cấp thẻ khám bệnh điện tử
Điều 1. Thời hạn cấp thẻ khám bệnh điện tử
Cơ quan bảo hiểm xã hội cấp thẻ khám bệnh điện tử trong thời hạn 03 ngày làm việc kể từ ngày nhận đủ hồ sơ.
Điều 2. Hiệu lực thi hành
Nghị định này có hiệu lực thi hành từ ngày 01 tháng 8 năm 2025 và thay thế Nghị định số 100/2020/NĐ-CP.
"""


_QUESTION = "Cơ quan bảo hiểm xã hội cấp thẻ khám bệnh điện tử trong thời hạn bao lâu?"


def _decrees(tmp_path: Path, cache_dir: Path, *, with_new: bool) -> Settings:
    from rag.index.ingest import ingest_paths

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "nd100.txt").write_text(_OLD, encoding="utf-8")
    (docs / "nd100.txt.meta.toml").write_text('status = "superseded"\nreplaced_by = "200/2025/NĐ-CP"\n',
                                              encoding="utf-8")
    if with_new:
        (docs / "nd200.txt").write_text(_NEW, encoding="utf-8")
    settings = make_settings(tmp_path / "data", cache_dir)
    report = ingest_paths(settings, [docs], progress=False)
    assert not report.skipped and report.documents == (2 if with_new else 1)
    return settings


def test_the_in_force_document_ranks_above_the_one_it_replaces(tmp_path: Path, cache_dir: Path) -> None:
    settings = _decrees(tmp_path, cache_dir, with_new=True)
    hits = Retriever(settings).search(_QUESTION, 2)
    assert hits[0].source.endswith("nd200.txt") and hits[1].source.endswith("nd100.txt")
    reply = Assistant(settings).ask(_QUESTION)
    assert "03 ngày làm việc" in reply.answer and "hết hiệu lực" not in reply.answer


def test_an_answer_only_a_superseded_document_gives_says_so(tmp_path: Path, cache_dir: Path) -> None:
    settings = _decrees(tmp_path, cache_dir, with_new=False)
    reply = Assistant(settings).ask(_QUESTION)
    assert reply.reason == "answered" and "10 ngày làm việc" in reply.answer
    assert "Nghị định 100/2020/NĐ-CP đã hết hiệu lực và được thay thế bởi 200/2025/NĐ-CP" in reply.answer
    assert reply.as_json()["citations"][0]["document"]["status"] == "superseded"


def test_commentary_keeps_its_stated_basis_and_questions_are_never_quoted(tmp_path: Path, cache_dir: Path) -> None:
    from rag.index.ingest import ingest_paths

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "hoi-dap.txt").write_text(
        "Hỏi đáp chính sách bảo hiểm y tế\n"
        "Chi phí nạo phá thai có được bảo hiểm y tế chi trả hay không?\n"
        "Căn cứ khoản 5 Điều 23 Luật Bảo hiểm y tế, các trường hợp nạo hút thai, phá thai không được hưởng bảo hiểm y tế. "
        "Vì vậy, chi phí nạo phá thai không được quỹ bảo hiểm y tế chi trả, trừ trường hợp phải đình chỉ thai nghén "
        "do nguyên nhân bệnh lý của thai nhi hay của sản phụ.\n", encoding="utf-8")
    settings = make_settings(tmp_path / "data", cache_dir)
    ingest_paths(settings, [docs], progress=False)
    reply = Assistant(settings).ask("Chi phí nạo phá thai có được bảo hiểm y tế chi trả không?")
    assert reply.reason == "answered"
    assert "?" not in reply.answer
    assert "Căn cứ khoản 5 Điều 23 Luật Bảo hiểm y tế" in reply.answer


def _legal_hit(article: str, heading: str, clauses: str, text: str) -> Hit:
    meta = {"source": "law.md", "title": "Luật Bảo hiểm y tế", "article": article, "clauses": clauses,
            "legal_kind": "provision", "section": f"Điều {article}. {heading} › khoản {clauses}"}
    return Hit("c1", 1.0, 0.9, 0.5, text, meta, 1)


def test_checker_rejects_a_sentence_that_states_another_article(assistant: Assistant) -> None:
    hit = _legal_hit("23", "Các trường hợp không được hưởng bảo hiểm y tế", "5",
                     "5. Sử dụng kỹ thuật hỗ trợ sinh sản, dịch vụ kế hoạch hóa gia đình, nạo hút thai, "
                     "phá thai, trừ trường hợp phải đình chỉ thai nghén do nguyên nhân bệnh lý.")
    checker = Checker([hit], assistant.embedder, 0.6, "system")
    claim = "nạo hút thai, phá thai không được hưởng bảo hiểm y tế [1]."
    assert checker.check(f"Theo khoản 5 Điều 23 Luật Bảo hiểm y tế, {claim}") is not None
    assert checker.check(f"Theo khoản 5 Điều 22 Luật Bảo hiểm y tế, {claim}") is None
    assert checker.check(f"Theo khoản 3 Điều 23 Luật Bảo hiểm y tế, {claim}") is None
    assert stated_refs("theo điểm a khoản 1 Điều 22") == [("a", "1", "22")]


def test_a_question_in_the_subjects_own_words_meets_the_provision_that_sets_their_due(assistant: Assistant) -> None:
    reply = assistant.ask("Mức đóng bảo hiểm y tế của người đang hưởng lương hưu là bao nhiêu?")
    assert reply.answer.startswith(f"Theo điểm a khoản 2 Điều 13 {LAW_NAME}:")
    assert "6% tiền lương hưu" in reply.answer
    reply = assistant.ask("Người lao động làm việc theo hợp đồng phải đóng bao nhiêu tiền bảo hiểm y tế mỗi tháng?")
    assert reply.answer.startswith(f"Theo điểm a khoản 1 Điều 13 {LAW_NAME}:")
    assert "người lao động đóng một phần ba" in reply.answer


def test_a_case_a_provision_names_only_as_its_exception_is_not_what_it_answers(assistant: Assistant) -> None:
    # The decree's direct-payment ceilings say "(trừ trường hợp cấp cứu)": they are about every case but this one.
    reply = assistant.ask("Trong trường hợp cấp cứu, tôi được đến khám ở bệnh viện nào và được BHYT trả bao nhiêu?")
    first = reply.as_json()["citations"][0]
    assert first["basis"] == "khoản 5 Điều 22" and "luat-bhyt" in first["source"], reply.answer


def test_a_question_typed_without_diacritics_reads_the_rare_word_its_neighbours_mean(assistant: Assistant) -> None:
    # "nghien" alone reads as the frequent "nghiên" (nghiên cứu); beside "ruou" it is "nghiện".
    plain = assistant.ask("kham chua benh nghien ruou co duoc bhyt thanh toan khong")
    accented = assistant.ask("Khám chữa bệnh nghiện rượu có được BHYT thanh toán không?")
    assert plain.reason == accented.reason == "answered", plain.answer
    assert plain.as_json()["citations"][0]["basis"] == accented.as_json()["citations"][0]["basis"] == "khoản 11 Điều 23"
