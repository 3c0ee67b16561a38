"""OCR of scanned PDF pages with Tesseract's Vietnamese model (Debian tesseract-ocr, tesseract-ocr-vie).

pypdf hands over a page's embedded images, so no renderer (poppler, ghostscript)
is needed: a scanned page is one image, read with pytesseract.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

INSTALL_HINT = "install the Debian packages tesseract-ocr and tesseract-ocr-vie (apt-get install tesseract-ocr tesseract-ocr-vie)"


class OcrUnavailable(Exception):
    """Tesseract, or the language model a page needs, is not installed."""


@cache
def installed_languages() -> frozenset[str]:
    exe = shutil.which("tesseract")
    if exe is None:
        return frozenset()
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(ln.strip() for ln in (out.stdout + out.stderr).splitlines()[1:] if ln.strip())


def available(languages: str = "vie") -> bool:
    have = installed_languages()
    return bool(have) and all(lang in have for lang in languages.split("+"))


@dataclass
class OcrText:
    """What Tesseract read, and how sure it was: its mean word confidence (0–100), weighted by word length
    (None: no word found)."""

    text: str
    confidence: float | None
    weight: int = 0


def ocr_image(image: Any, languages: str = "vie") -> OcrText:
    if not available(languages):
        if not installed_languages():
            raise OcrUnavailable(f"scanned PDF (no text layer) and Tesseract is not installed: {INSTALL_HINT}")
        raise OcrUnavailable(f"scanned PDF and Tesseract has no '{languages}' model: {INSTALL_HINT}")
    from pytesseract import pytesseract as tess

    # One Tesseract run writes the text and the per-word table (confidences): "tsv" is a config that adds
    # that output. Page segmentation 4: a single column of text of variable sizes, as printed documents are.
    with tess.save(image.convert("L")) as (base, filename):
        tess.run_tesseract(filename, base, extension="txt", lang=languages, config="--psm 4 tsv")
        text = Path(base + ".txt").read_text(encoding="utf-8", errors="replace")
        table = Path(base + ".tsv").read_text(encoding="utf-8", errors="replace")
    return OcrText(text, *_confidence(table))


def _confidence(tsv: str) -> tuple[float | None, int]:
    total = weight = 0.0
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or not cols[11].strip():
            continue
        try:
            conf = float(cols[10])
        except ValueError:
            continue
        if conf >= 0:
            total += conf * len(cols[11].strip())
            weight += len(cols[11].strip())
    return (round(total / weight, 1) if weight else None), int(weight)


def ocr_page(page: Any, languages: str = "vie") -> OcrText:
    """Text of a PDF page that has no text layer, from its images in order."""
    parts = [ocr_image(img.image, languages) for img in page.images if getattr(img, "image", None) is not None]
    return merge([p for p in parts if p.text.strip()])


def merge(parts: list[OcrText], sep: str = "\n") -> OcrText:
    weight = sum(p.weight for p in parts)
    conf = sum((p.confidence or 0) * p.weight for p in parts) / weight if weight else None
    return OcrText(sep.join(p.text.strip() for p in parts), round(conf, 1) if conf is not None else None, weight)
