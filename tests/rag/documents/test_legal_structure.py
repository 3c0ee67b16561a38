"""Legal documents read into structure: articles, khoản and điểm, footnotes, metadata, sidecars, cross-references."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.documents.chunking import VietnameseChunker
from rag.documents.clean import clean_text
from rag.documents.legal_metadata import SidecarError, apply_sidecar, load_sidecar, read, readable_title, status_as_of
from rag.documents.legal_structure import ARTICLE_RE, MARKER_RE, parse
from rag.settings import PROJECT_ROOT

LAW = PROJECT_ROOT / "seeds" / "luat-bhyt_25-2008-QH12_vbhn-22-VBHN-VPQH_2025-02-26.md"


ND146 = PROJECT_ROOT / "seeds" / "nd146_2018-ND-CP_superseded-by-nd188-2025.md"


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


def test_a_provision_that_names_its_subject_by_reference_carries_that_subject() -> None:
    from rag.documents.legal_structure import Unit
    from rag.documents.references import referenced_subjects

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
    # A whole article named ("lập danh sách đối tượng quy định tại Điều 2"): every group it lists.
    assert referenced_subjects("lập danh sách đối tượng quy định tại Điều 2", "11", None, units_of) == \
        "Nhóm gồm; Người lao động; Học sinh, sinh viên."


def test_every_item_of_a_list_is_a_search_unit_under_its_lead() -> None:
    items = [p for p in _pieces(LAW) if p.extra.get("article") == "12" and p.extra.get("item")]
    # Điều 12 lists 9 + 4 + 20 + 9 + 4 + 2 groups in its khoản 1–5 and 7.
    assert len(items) == 48
    dan_quan = next(p for p in items if "Dân quân thường trực" in p.text)
    assert dan_quan.text.splitlines() == ["3. Nhóm do ngân sách nhà nước đóng bao gồm:", "đ) Dân quân thường trực;"]
    assert (dan_quan.extra["clauses"], dan_quan.extra["points"], dan_quan.extra["units"]) == ("3", "đ", "3:|3:đ")
    assert dan_quan.section[-2:] == ("khoản 3", "điểm đ")
    # Items are extra units: the article is still chunked whole, each line once.
    whole = [p for p in _pieces(LAW) if p.extra.get("article") == "12" and not p.extra.get("item")
             and p.extra.get("legal_kind") == "provision"]
    assert sum("Dân quân thường trực" in p.text for p in whole) == 1
    chunker = VietnameseChunker(item_min_points=0)
    assert not [p for p in chunker.legal_pieces(clean_text(LAW.read_text(encoding="utf-8"), True), True)
                if p.extra.get("item")]
