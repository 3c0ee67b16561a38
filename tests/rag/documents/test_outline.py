"""The outline a document page is rendered from: every Điều with its khoản and điểm, anchors, notes."""

from __future__ import annotations

import re
from typing import Any

from rag.documents.clean import clean_text
from rag.documents.outline import anchor, basis_anchor, build, page_id, page_url, walk
from rag.settings import PROJECT_ROOT

BHYT = PROJECT_ROOT / "seeds" / "luat-bhyt_25-2008-QH12_vbhn-22-VBHN-VPQH_2025-02-26.md"
_HEADING = re.compile(r"^Điều (\d{1,3}[a-zđ]?)\.")
_CLAUSE = re.compile(r"^(\d{1,2})\.(?:\[\d+\])?\s*\S")
_POINT = re.compile(r"^([a-zđ])\)\s*\S")


def _articles_in_text(text: str) -> dict[str, tuple[int, int]]:
    """Counted straight from the file, without the parser: each Điều heading before the footnotes and the
    signature block, and how many khoản and điểm lines follow it."""
    out: dict[str, tuple[int, int]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if re.match(r"^\[\d+\]\s", line) or line.startswith(("XÁC THỰC VĂN BẢN HỢP NHẤT", "Nơi nhận")):
            break
        if m := _HEADING.match(line):
            current = m.group(1)
            out[current] = (0, 0)
        elif current is not None:
            clauses, points = out[current]
            out[current] = (clauses + bool(_CLAUSE.match(line)), points + bool(_POINT.match(line)))
    return out


def test_the_bhyt_law_has_every_article_with_its_khoan_and_diem_nested() -> None:
    raw = BHYT.read_text(encoding="utf-8")
    expected = _articles_in_text(raw)
    outline = build(clean_text(raw, True), "Văn bản hợp nhất")
    articles = [u for u in walk(outline["units"]) if u["kind"] == "article"]
    assert outline["kind"] == "legal" and not outline["unreadable"]
    assert len(articles) == len(expected) == outline["articles"] == 57
    assert [a["label"] for a in articles] == [f"Điều {n}" for n in expected]
    for article in articles:
        clauses = [c for c in article["children"] if c["kind"] == "clause"]
        points = [p for c in clauses for p in c["children"] if p["kind"] == "point"]
        loose = [p for p in article["children"] if p["kind"] == "point"]  # điểm of an article without khoản
        number = article["label"].split()[-1]
        assert (len(clauses), len(points) + len(loose)) == expected[number], article["label"]
        for clause in clauses:
            assert clause["id"] == f"{article['id']}-khoan-{clause['label'].rstrip('.')}"
            assert all(p["id"].startswith(clause["id"] + "-diem-") for p in clause["children"] if p["kind"] == "point")


def test_khoan_5_of_dieu_23_and_its_diem_have_their_anchors_and_text() -> None:
    outline = build(clean_text(BHYT.read_text(encoding="utf-8"), True), "Luật")
    units = {u["id"]: u for u in walk(outline["units"]) if u.get("id")}
    assert units["dieu-23"]["heading"].startswith("Các trường hợp không được hưởng")
    assert "dieu-23-khoan-5" in units
    point = units["dieu-12-khoan-1-diem-a"]
    assert point["label"] == "a)" and not point["text"].startswith("a)")
    assert "chuong-i" in units and units["chuong-i"]["kind"] == "chapter"


def test_amended_provisions_carry_their_footnote_naming_the_amending_law() -> None:
    outline = build(clean_text(BHYT.read_text(encoding="utf-8"), True), "Luật")
    notes = [n for u in walk(outline["units"]) for n in u["notes"]]
    assert notes, "the consolidated law's footnotes become amendment notes"
    by = {n["by"] for n in notes if n["by"]}
    assert any("46/2014/QH13" in b for b in by) and any("51/2024/QH15" in b for b in by)
    assert any(n["from"] == "2025-07-01" for n in notes)


def test_a_news_text_is_paragraphs_and_a_law_without_articles_is_flagged() -> None:
    news = build("# Tin y tế\n\nĐơn thuốc điện tử được triển khai.\n\nBệnh viện tỉnh đã kết nối.", "")
    assert news["kind"] == "text" and not news["unreadable"]
    assert [u["kind"] for u in news["units"]] == ["heading", "paragraph", "paragraph"]
    assert [u["id"] for u in news["units"]] == ["doan-1", "doan-2", "doan-3"]
    scanned = build("NGHỊ ĐỊNH\nQuy định chi tiết … (trang quét, không đọc được điều khoản)", "Nghị định")
    assert scanned["unreadable"]
    resolution = build("NGHỊ QUYẾT\nVề đột phá phát triển khoa học, công nghệ", "Nghị quyết")
    assert not resolution["unreadable"]


def test_anchors_and_links() -> None:
    assert anchor("23", "5", "a") == "dieu-23-khoan-5-diem-a"
    assert anchor("12", "1", "đ") == "dieu-12-khoan-1-diem-dd"
    assert basis_anchor("điểm a khoản 5 Điều 23") == "dieu-23-khoan-5-diem-a"
    assert basis_anchor("khoản 1, 2 và 3 Điều 18") == "dieu-18"
    assert basis_anchor("khoản 1–3 Điều 2") == "dieu-2"
    assert basis_anchor("", "7a") == "dieu-7a"
    assert basis_anchor("") == ""
    pid = page_id("seeds/nd146_2018-ND-CP_superseded-by-nd188-2025.md", "146/2018/NĐ-CP", "Nghị định 146")
    assert re.fullmatch(r"146-2018-nd-cp-[0-9a-f]{6}", pid)
    assert pid == page_id("seeds/nd146_2018-ND-CP_superseded-by-nd188-2025.md", "146/2018/NĐ-CP", "x")
    assert page_id("seeds/tin.txt", "", "Sở Y tế triển khai đơn thuốc điện tử").startswith("so-y-te-trien-khai")
    url = page_url(pid, "dieu-23-khoan-5", "Người tham gia & “trích” <b>")
    assert url.startswith(f"/van-ban/{pid}?trich=") and url.endswith("#dieu-23-khoan-5")
    assert "<" not in url and " " not in url and "&" not in url.split("?", 1)[1]
    long: Any = page_url(pid, "", "chữ " * 500)
    assert len(long) < 1500
