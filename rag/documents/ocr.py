"""OCR of scanned PDF pages with Tesseract's Vietnamese model (Debian tesseract-ocr, tesseract-ocr-vie).

pypdf hands over a page's embedded images, so no renderer (poppler, ghostscript)
is needed: a scanned page is one image, read with pytesseract.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
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


def ocr_image(image: Any, languages: str = "vie") -> str:
    if not available(languages):
        if not installed_languages():
            raise OcrUnavailable(f"scanned PDF (no text layer) and Tesseract is not installed: {INSTALL_HINT}")
        raise OcrUnavailable(f"scanned PDF and Tesseract has no '{languages}' model: {INSTALL_HINT}")
    import pytesseract

    # Page segmentation 4: a single column of text of variable sizes, as printed documents are.
    return str(pytesseract.image_to_string(image.convert("L"), lang=languages, config="--psm 4"))


def ocr_page(page: Any, languages: str = "vie") -> str:
    """Text of a PDF page that has no text layer, from its images in order."""
    parts = [ocr_image(img.image, languages) for img in page.images if getattr(img, "image", None) is not None]
    return "\n".join(p.strip() for p in parts if p.strip())
