"""Legal documents: structure, footnotes, metadata and sidecars, validity, legal basis, checker."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.answer import Assistant
from rag.chunking import VietnameseChunker
from rag.clean import clean_text
from rag.generate import Checker
from rag.legal import ARTICLE_RE, MARKER_RE, parse, stated_refs
from rag.legal_meta import SidecarError, apply_sidecar, load_sidecar, read, readable_title, status_as_of
from rag.named import named_refs
from rag.retrieve import Hit, Retriever
from rag.settings import PROJECT_ROOT, Settings
from tests.conftest import make_settings

LAW = PROJECT_ROOT / "seeds" / "luat-bhyt_25-2008-QH12_vbhn-22-VBHN-VPQH_2025-02-26.md"
ND146 = PROJECT_ROOT / "seeds" / "nd146_2018-ND-CP_superseded-by-nd188-2025.md"
LAW_NAME = "Luật Bảo hiểm y tế (VBHN 22/VBHN-VPQH)"


def _pieces(path: Path) -> list:  # type: ignore[type-arg]
    return VietnameseChunker().legal_pieces(clean_text(path.read_text(encoding="utf-8"), True), True)


def test_law_articles_are_read_once_each_and_footnotes_are_not_articles() -> None:
    doc = parse(clean_text(LAW.read_text(encoding="utf-8"), True))
    numbers = [a.number for a in doc.articles]
    assert len(numbers) == 57 and len(set(numbers)) == 57
    assert {"7a", "7b", "7c", "48a", "48b"} <= set(numbers)
    # The footnotes quote amending laws' "Điều 24. Quy định chuyển tiếp": not a second Điều 24.
    assert [a.heading for a in doc.articles if a.number == "24"] == ["Cơ sở khám bệnh, chữa bệnh bảo hiểm y tế"]
    assert len(doc.footnotes) >= 100
    assert doc.articles[1].chapter.startswith("Chương I. NHỮNG QUY ĐỊNH CHUNG")


def test_no_chunk_straddles_two_articles_and_markers_never_reach_the_text() -> None:
    pieces = _pieces(LAW)
    provisions = [p for p in pieces if p.extra.get("legal_kind") == "provision"]
    assert len(provisions) > 100
    for p in provisions:
        assert not any(ARTICLE_RE.match(line) for line in p.text.splitlines()), p.text[:80]
        assert p.extra["article"] and any(s.startswith(f"Điều {p.extra['article']}.") for s in p.section)
    for p in pieces:
        assert not MARKER_RE.search(p.text), p.text[:80]
    # "1.[2] Bảo hiểm y tế là …" keeps its numbering, loses its marker.
    first = next(p for p in provisions if p.extra["article"] == "2")
    assert "1. Bảo hiểm y tế là hình thức bảo hiểm bắt buộc" in first.text


def test_long_articles_split_at_khoan_and_diem_with_the_lead_repeated() -> None:
    pieces = [p for p in _pieces(LAW) if p.extra.get("article") == "12" and p.extra["legal_kind"] == "provision"]
    assert len(pieces) > 2
    for p in pieces:
        # A chunk never opens with a bare điểm: a split enumeration repeats its khoản's lead.
        assert not re.match(r"^[a-zđ]\) ", p.text), p.text[:80]
    sections = [" › ".join(p.section) for p in pieces]
    assert any("khoản 3 › điểm" in s for s in sections)


def test_footnotes_become_notes_of_the_articles_they_amend() -> None:
    notes = [p for p in _pieces(LAW) if p.extra.get("legal_kind") == "note"]
    article2 = [p for p in notes if p.extra["article"] == "2"]
    assert article2 and "khoản 1 Điều 2: Khoản này được sửa đổi, bổ sung" in article2[0].text
    assert article2[0].section[-1] == "ghi chú"
    chunk = next(p for p in _pieces(LAW) if p.extra.get("article") == "23" and "7" in p.extra.get("clauses", ""))
    assert "51/2024/QH15" in chunk.extra["provision_amended_by"] and chunk.extra["provision_amended_from"] == "2025-07-01"
    assert "7" in chunk.extra["amended_clauses"].split(",") and "11" not in chunk.extra["amended_clauses"].split(",")


def test_metadata_is_read_from_the_text() -> None:
    law = read(clean_text(LAW.read_text(encoding="utf-8"), True))
    assert (law.number, law.doc_type, law.consolidated, law.base_number) == ("22/VBHN-VPQH", "Luật", True, "25/2008/QH12")
    assert law.issued == "2025-02-26" and law.effective == "2025-07-01" and law.subject == "Bảo hiểm y tế"
    assert "51/2024/QH15" in law.amended_by
    decree_text = ND146.read_text(encoding="utf-8")
    decree = read(clean_text(decree_text, True), decree_text.splitlines()[0].strip("# "))
    assert (decree.number, decree.doc_type, decree.issuer) == ("146/2018/NĐ-CP", "Nghị định", "Chính phủ")
    assert decree.issued == "2018-10-17" and decree.effective == "2018-12-01"


def test_a_document_without_a_heading_is_titled_by_its_type_and_number() -> None:
    text = ("BỘ Y TẾ\nSố: 13/2025/TT-BYT\nHà Nội, ngày 06 tháng 6 năm 2025\n"
            "Điều 1. Phạm vi điều chỉnh\nThông tư này quy định về hồ sơ bệnh án điện tử.\n"
            "Điều 2. Hiệu lực thi hành\nThông tư này có hiệu lực thi hành kể từ ngày 01 tháng 7 năm 2025.\n")
    info = read(text)
    assert (info.number, info.doc_type, info.issuer, info.effective) == ("13/2025/TT-BYT", "Thông tư", "Bộ y tế",
                                                                          "2025-07-01")
    assert readable_title(info.as_metadata(), "Thông tư này quy định về hồ sơ bệnh án điện tử.") == "Thông tư 13/2025/TT-BYT"


def test_sidecar_overrides_the_text_and_bad_sidecars_are_refused() -> None:
    side = load_sidecar(b'status = "superseded"\nreplaced_by = "188/2025/N\xc4\x90-CP"\neffective_until = 2025-08-15\n',
                        "x.meta.toml")
    info = apply_sidecar(read("Nghị định số 146/2018/NĐ-CP\nĐiều 1. A\nB.\nĐiều 2. C\nD.\n"), side)
    meta = info.as_metadata()
    assert meta["replaced_by"] == "188/2025/NĐ-CP" and meta["status"] == "superseded"
    assert status_as_of(meta, "2026-01-01") == "superseded"
    assert status_as_of(meta, "2025-01-01") != "superseded"  # it was still in force then
    with pytest.raises(SidecarError, match="invalid fields"):
        load_sidecar(b'status = "gone"\n', "bad.meta.toml")
    with pytest.raises(SidecarError, match="not valid TOML"):
        load_sidecar(b"status = \n", "bad.meta.toml")


def test_questions_name_documents_by_number() -> None:
    assert [(r.number, r.kind) for r in named_refs("ngay ban hanh nghi quyet 57")] == [("57", "Nghị quyết")]
    assert [(r.number, r.kind) for r in named_refs("NĐ 188 quy định gì?")] == [("188", "Nghị định")]
    assert [(r.number, r.year) for r in named_refs("thông tư 13/2025 về bệnh án")] == [("13", "2025")]
    assert named_refs("khoản 1 Điều 23 nói gì?") == []


def test_a_named_document_ranks_its_own_provisions_first(seeded_settings: Settings) -> None:
    hits = Retriever(seeded_settings).search("ngay ban hanh nghi quyet 57", 5)
    assert hits[0].source.endswith("nq57_NQ-TW_2024-12-22_fulltext.md")
    assert sum(h.source.endswith("nq03_NQ-CP_2025-01-09_fulltext_with_appendices.md") for h in hits) < 5


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
    assert amended.answer.startswith(f"Theo khoản 7 Điều 23 {LAW_NAME}:")
    assert "khoản 7 Điều 23" in amended.answer.split("Lưu ý:")[1] and "51/2024/QH15" in amended.answer
    original = assistant.ask("Chi phí nạo phá thai có được bảo hiểm y tế chi trả không?")
    assert original.answer.startswith(f"Theo khoản 5 Điều 23 {LAW_NAME}:")
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
    from rag.ingest import ingest_paths

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
    from rag.ingest import ingest_paths

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


def test_a_provision_that_names_its_subject_by_reference_carries_that_subject() -> None:
    from rag.crossref import referenced_subjects
    from rag.legal import Unit

    pieces = {(p.extra.get("article"), p.extra.get("clauses"), p.extra.get("points")): p for p in _pieces(LAW)}
    pension = pieces[("13", "2", "a,b")].extra["subjects"]
    assert pension.startswith("Người đang hưởng lương hưu, trợ cấp mất sức lao động")
    workers = pieces[("13", "1", "a")].extra["subjects"]
    assert "Người lao động làm việc theo hợp đồng lao động" in workers and "Cán bộ, công chức, viên chức" in workers
    assert "Người quản lý doanh nghiệp" not in workers  # điểm b is not among "các điểm a, c, d và e"
    assert "subjects" not in pieces[("13", "6", "a,b,c")].extra  # "Thành viên hộ gia đình" is named in place
    # One reference across three khoản: "điểm a khoản 2, điểm k khoản 3, điểm a và điểm g khoản 4 Điều 12".
    rate95 = next(p for p in _pieces(LAW) if p.extra.get("article") == "22" and "95%" in p.text).extra["subjects"]
    assert "Người đang hưởng lương hưu" in rate95 and "Người thuộc hộ gia đình cận nghèo" in rate95
    assert "Thân nhân của người có công với cách mạng" in rate95 and "Học sinh" not in rate95
    # Eleven of twenty điểm: found by keyword, kept out of the chunk's meaning.
    rate100 = pieces[("22", "1", "a")].extra
    assert "subjects" not in rate100 and "Trẻ em dưới 6 tuổi" in rate100["broad_subjects"]
    units = {"2": [Unit("1", None, ["1. Nhóm gồm:"]), Unit("1", "a", ["a) Người lao động;"]),
                   Unit("1", "b", ["b) Học sinh, sinh viên."])]}
    def units_of(n: str) -> list[Unit]:
        return units.get(n, [])
    assert referenced_subjects("đối tượng quy định tại điểm b khoản 1 Điều 2", "9", None, units_of) == "Học sinh, sinh viên."
    assert referenced_subjects("đối tượng quy định tại điểm a khoản này", "2", "1", units_of) == "Người lao động"
    # Another document's text may not be indexed: its references are left alone.
    assert referenced_subjects("đối tượng quy định tại điểm b khoản 1 Điều 2 của Nghị định số 146/2018/NĐ-CP",
                               "9", None, units_of) == ""


def test_a_question_in_the_subjects_own_words_meets_the_provision_that_sets_their_due(assistant: Assistant) -> None:
    reply = assistant.ask("Mức đóng bảo hiểm y tế của người đang hưởng lương hưu là bao nhiêu?")
    assert reply.answer.startswith(f"Theo điểm a khoản 2 Điều 13 {LAW_NAME}:")
    assert "6% tiền lương hưu" in reply.answer
    reply = assistant.ask("Người lao động làm việc theo hợp đồng phải đóng bao nhiêu tiền bảo hiểm y tế mỗi tháng?")
    assert reply.answer.startswith(f"Theo điểm a khoản 1 Điều 13 {LAW_NAME}:")
    assert "người lao động đóng một phần ba" in reply.answer
