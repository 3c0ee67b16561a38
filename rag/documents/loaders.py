"""Turn files into text. Each failure is reported as a skip, never raised past ingest."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.documents.clean import is_contact

SUPPORTED = {".txt", ".md", ".html", ".htm", ".pdf", ".docx"}
# "<file>.meta.toml" beside a document: the operator's metadata for it, not a document itself.
SIDECAR_SUFFIX = ".meta.toml"


@dataclass
class Loaded:
    path: Path
    text: str
    content_hash: str
    kind: str  # "text", "markdown", "html", "pdf", "docx"
    ocr_confidence: float | None = None  # mean Tesseract word confidence of the scanned pages (None: no OCR)


class SkipFile(Exception):
    """The file cannot be indexed; the message says why (shown in the summary)."""


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def discover(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files to ingest under the given paths, plus (path, reason) for those skipped up front."""
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for root in paths:
        if not root.exists():
            skipped.append((root, "path does not exist"))
            continue
        candidates = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in candidates:
            if any(part.startswith(".") for part in p.relative_to(root.parent).parts):
                continue
            if p.name.endswith(SIDECAR_SUFFIX):
                continue
            if p.suffix.lower() not in SUPPORTED:
                skipped.append((p, f"unsupported format '{p.suffix or 'no extension'}'"))
                continue
            files.append(p)
    return files, skipped


def load(path: Path, data: bytes | None = None, ocr_lang: str | None = "vie") -> Loaded:
    """Text of a file; ``ocr_lang`` = Tesseract languages for scanned PDF pages (None = no OCR)."""
    data = path.read_bytes() if data is None else data
    if not data.strip():
        raise SkipFile("empty file")
    suffix = path.suffix.lower()
    h = file_hash(data)
    confidence = None
    if suffix in {".txt", ".md"}:
        text = _decode_text(data)
        kind = "markdown" if suffix == ".md" else "text"
    elif suffix in {".html", ".htm"}:
        text, kind = _html_to_text(_decode_text(data)), "html"
    elif suffix == ".pdf":
        (text, confidence), kind = _pdf_to_text(data, ocr_lang), "pdf"
    elif suffix == ".docx":
        text, kind = _docx_to_text(data), "docx"
    else:
        raise SkipFile(f"unsupported format '{suffix}'")
    if not text.strip():
        raise SkipFile("no text could be extracted")
    return Loaded(path, text, h, kind, confidence)


def _decode_text(data: bytes) -> str:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SkipFile("binary content in a text file")
    for enc in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        return text
    # Legacy Vietnamese pages are often cp1258; accept it only if it decodes cleanly.
    try:
        return data.decode("cp1258")
    except UnicodeDecodeError as exc:
        raise SkipFile("text is not valid UTF-8 (or UTF-16/cp1258)") from exc


_DROP_TAGS = ["script", "style", "noscript", "nav", "header", "aside", "form", "iframe", "svg", "button", "select"]
_DROP_ROLES = {"navigation", "banner", "complementary", "search"}
# Class or id words of page furniture: related-news boxes, sidebars, share bars, breadcrumbs, comments.
_FURNITURE_RE = re.compile(
    r"(?:^|[-_\s])(?:related|sidebar|side-bar|breadcrumbs?|share|social|comments?|banner|advert|ads|menu|"
    r"tin-?lien-?quan|tin-?khac|tin-?moi|lienquan|tinkhac|most-?read|popular|tags?)(?:$|[-_\s\d])", re.I)


def _is_furniture(tag: Any) -> bool:
    if tag.name in {"html", "body", "main", "article"}:
        return False
    words = " ".join([*(tag.get("class") or []), tag.get("id") or ""])
    return tag.get("role") in _DROP_ROLES or bool(words.strip() and _FURNITURE_RE.search(words))


def _html_to_text(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_furniture):
        if not tag.decomposed:
            tag.decompose()
    for tag in soup.find_all(lambda t: t.name == "footer" or t.get("role") == "contentinfo"):
        if tag.decomposed:
            continue
        # A footer is copyright, credits and links, but often also the agency's address and
        # hotline, which citizens do ask for: keep those lines only.
        lines = [ln.strip() for ln in tag.get_text("\n").splitlines()]
        tag.replace_with("\n" + "\n".join(ln for ln in lines if ln and is_contact(ln)) + "\n")
    for br in soup.find_all(["br", "p", "div", "li", "h1", "h2", "h3", "h4", "tr", "title"]):
        br.insert_after("\n")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if soup.title:
        soup.title.decompose()
    body = soup.get_text()
    lines = [ln.strip() for ln in body.splitlines()]
    text = "\n".join(ln for ln in lines if ln)
    return f"{title}\n{text}" if title and not text.startswith(title) else text


def _pdf_to_text(data: bytes, ocr_lang: str | None) -> tuple[str, float | None]:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise SkipFile("pypdf is not installed (pip install pypdf)") from exc
    from rag.documents.ocr import OcrText, OcrUnavailable, merge, ocr_page

    try:
        # pypdf logs what is wrong with a broken file before raising; rag.logs sends that to the
        # log file, and the skip reason says it once on the console.
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise SkipFile("encrypted PDF")
        pages = []
        scanned: list[OcrText] = []
        for number, page in enumerate(reader.pages, 1):
            text = page.extract_text() or ""
            if len(text.strip()) < _MIN_PAGE_CHARS and page.images:
                # A scanned page: its only content is an image.
                if ocr_lang is None:
                    raise SkipFile(f"page {number} is a scanned image and OCR is turned off (HOIDAP_OCR__ENABLED)")
                read = ocr_page(page, ocr_lang)
                scanned.append(read)
                text = read.text
            pages.append(text)
    except OcrUnavailable as exc:
        raise SkipFile(str(exc)) from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise SkipFile(f"unreadable PDF ({exc.__class__.__name__})") from exc
    return "\n\n".join(pages), merge(scanned).confidence if scanned else None


_MIN_PAGE_CHARS = 20



def _docx_to_text(data: bytes) -> str:
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise SkipFile("python-docx is not installed (pip install python-docx)") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise SkipFile(f"unreadable DOCX ({exc.__class__.__name__})") from exc
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text.strip() for cell in row.cells))
    return "\n".join(parts)
