"""Scanned PDFs: an image-only PDF built here from known Vietnamese text, read back through Tesseract."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.documents import ocr
from rag.documents.loaders import SkipFile, load

TEXT = [
    "Điều 23. Các trường hợp không được hưởng bảo hiểm y tế",
    "1. Khám sức khỏe.",
    "2. Sử dụng dịch vụ thẩm mỹ.",
    "3. Điều trị lác và tật khúc xạ của mắt đối với người từ đủ 18 tuổi trở lên.",
    "4. Khám bệnh, chữa bệnh, phục hồi chức năng trong trường hợp thảm họa.",
]
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _scanned_pdf(path: Path, blur: float = 0.0) -> Path:
    """An A4-ish page at 200 dpi whose only content is a picture of the text: no text layer. ``blur``: a bad
    scan (Gaussian blur radius in pixels)."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    if not FONT.exists():
        pytest.skip("DejaVu Sans is not installed (Debian fonts-dejavu-core) to draw the page")
    page = Image.new("L", (1654, 1000), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONT), 34)
    for i, line in enumerate(TEXT):
        draw.text((90, 90 + i * 70), line, fill=0, font=font)
    if blur:
        page = page.filter(ImageFilter.GaussianBlur(blur))
    page.save(path, "PDF", resolution=200)
    return path


def _cer(reference: str, hypothesis: str) -> float:
    from rapidfuzz.distance import Levenshtein

    ref = " ".join(reference.split())
    return Levenshtein.distance(ref, " ".join(hypothesis.split())) / len(ref)


def test_a_scanned_pdf_is_read_with_vietnamese_ocr(tmp_path: Path) -> None:
    if not ocr.available("vie"):
        pytest.skip("Tesseract with its Vietnamese model is not installed (apt-get install tesseract-ocr tesseract-ocr-vie)")
    pdf = _scanned_pdf(tmp_path / "scan.pdf")
    from pypdf import PdfReader

    assert not (PdfReader(str(pdf)).pages[0].extract_text() or "").strip()  # truly image-only
    loaded = load(pdf)
    cer = _cer("\n".join(TEXT), loaded.text)
    print(f"OCR character error rate: {cer:.3f}")
    assert cer < 0.05, loaded.text
    assert "thẩm mỹ" in loaded.text and "Điều 23" in loaded.text
    assert loaded.ocr_confidence is not None and loaded.ocr_confidence >= 80


def test_a_bad_scan_reports_a_low_confidence(tmp_path: Path) -> None:
    if not ocr.available("vie"):
        pytest.skip("Tesseract with its Vietnamese model is not installed (apt-get install tesseract-ocr tesseract-ocr-vie)")
    loaded = load(_scanned_pdf(tmp_path / "blurred.pdf", blur=5.5))
    print(f"confidence of a blurred scan: {loaded.ocr_confidence}")
    assert loaded.ocr_confidence is not None and loaded.ocr_confidence < 60


def test_without_tesseract_a_scanned_pdf_is_skipped_naming_the_package(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = _scanned_pdf(tmp_path / "scan.pdf")
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract binary on this PATH
    ocr.installed_languages.cache_clear()
    try:
        with pytest.raises(SkipFile, match="tesseract-ocr-vie"):
            load(pdf)
    finally:
        ocr.installed_languages.cache_clear()
