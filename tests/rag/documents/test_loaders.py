from pathlib import Path

import docx
import pytest

from rag.documents.loaders import SkipFile, discover, load


def _pdf(text: str) -> bytes:
    """A minimal one-page PDF with a text object (no external tools)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def test_formats_are_read(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("<html><head><title>Tin y tế</title><script>alert(1)</script></head>"
                                     "<body><p>Bệnh án điện tử được triển khai.</p></body></html>", encoding="utf-8")
    d = docx.Document()
    d.add_paragraph("Đơn thuốc điện tử áp dụng toàn quốc.")
    d.save(str(tmp_path / "b.docx"))
    (tmp_path / "c.pdf").write_bytes(_pdf("Nghi quyet 57 ve chuyen doi so"))
    html = load(tmp_path / "a.html")
    assert "Bệnh án điện tử" in html.text and "alert" not in html.text and html.text.startswith("Tin y tế")
    assert "Đơn thuốc điện tử" in load(tmp_path / "b.docx").text
    assert "Nghi quyet 57" in load(tmp_path / "c.pdf").text


@pytest.mark.parametrize("name,data,reason", [
    ("empty.txt", b"   \n", "empty"),
    ("bin.txt", b"\x00\x01\x02binary\x00", "binary"),
    ("bad.pdf", b"%PDF-1.4 garbage", "PDF"),
    ("bad.docx", b"not a zip", "DOCX"),
])
def test_bad_files_are_skipped_with_a_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(SkipFile, match=reason):
        load(tmp_path / name)


def test_discover_reports_unsupported(tmp_path: Path) -> None:
    (tmp_path / "x.xlsx").write_bytes(b"PK")
    (tmp_path / "ok.md").write_text("# Tiêu đề\n\nNội dung.", encoding="utf-8")
    files, skipped = discover([tmp_path, tmp_path / "missing"])
    assert [f.name for f in files] == ["ok.md"]
    assert {p.name for p, _ in skipped} == {"x.xlsx", "missing"}


def test_saved_article_page_keeps_the_article_and_the_contact_only() -> None:
    """A page shaped like a provincial health department's article: menus, related news, sidebar, footer."""
    from rag.documents.clean import clean_text

    page = Path(__file__).parent / "fixtures" / "so-y-te-article.html"
    text = clean_text(load(page).text)
    assert "100% bệnh viện tuyến tỉnh" in text and "Cổng tiếp nhận dữ liệu" in text
    for furniture in ("Tin liên quan", "hội nghị tổng kết", "Tin mới nhất", "tiêm chủng mở rộng", "Lượt truy cập",
                      "Bản quyền", "Thiết kế web", "Ghi rõ nguồn", "Chia sẻ Facebook", "Trang chủ", "Từ khóa"):
        assert furniture not in text, furniture
    assert "Địa chỉ: 101 Nguyễn Trãi" in text and "0237.3852.499" in text


def test_broken_pdf_is_one_skip_line_on_the_console_and_details_in_the_log(tmp_path: Path, cache_dir: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import cli_env, make_settings

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "x.pdf").write_bytes(b"not a pdf\n")
    (docs / "y.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")
    settings = make_settings(tmp_path / "data", cache_dir)
    done = subprocess.run([sys.executable, "-m", "rag", "ingest", str(docs)], env=cli_env(settings),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 2 and all(ln.startswith("skipped: ") and "unreadable PDF" in ln for ln in lines), done.stderr
    log = (tmp_path / "data" / "logs" / "hoidap.log").read_text(encoding="utf-8")
    assert "EOF marker not found" in log or "invalid pdf header" in log
