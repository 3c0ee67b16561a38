"""How a provision is named: "điểm a khoản 1 Điều 22" built from a chunk or read from a sentence, and the
legal-basis opening ("Theo khoản 1 Điều 23 Luật …:") that names a source rather than saying something."""

from __future__ import annotations

import re

from rag.documents.legal_structure import span

_REF_RE = re.compile(r"(?:điểm\s+([a-zđ]\d?)\s*,?\s+)?(?:khoản\s+(\d{1,2}(?:\s*(?:,|và)\s*\d{1,2})*)\s*,?\s+)?"
                     r"Điều\s+(\d{1,3}[a-zđ]?)\b", re.IGNORECASE)


def stated_refs(text: str) -> list[tuple[str | None, str | None, str]]:
    """(điểm, khoản, Điều) a sentence names: 'theo khoản 1 Điều 23' → (None, '1', '23'); 'khoản 1, 2 và 3
    Điều 18' names three khoản of one article: one tuple each, in that order."""
    out: list[tuple[str | None, str | None, str]] = []
    for m in _REF_RE.finditer(text):
        clauses = re.findall(r"\d{1,2}", m.group(2)) if m.group(2) else [None]
        out += [(m.group(1), c, m.group(3).lower()) for c in clauses]
    return out


def clauses_label(article: str, clauses: list[str]) -> str:
    """'khoản 1, 2 và 3 Điều 18': several khoản of one article quoted under one basis line."""
    if len(clauses) == 1:
        return f"khoản {clauses[0]} Điều {article}"
    return f"khoản {', '.join(clauses[:-1])} và {clauses[-1]} Điều {article}"


def basis_label(article: str, clauses: list[str] | None = None, point: str | None = None) -> str:
    """'điểm a khoản 1 Điều 22', 'khoản 1–3 Điều 2', 'Điều 52'."""
    parts = []
    if point:
        parts.append(f"điểm {point}")
    if clauses:
        parts.append(f"khoản {span(clauses)}")
    parts.append(f"Điều {article}")
    return " ".join(parts)


_ARTICLE_RE = re.compile(r"^Điều\s+\d+[a-zđ]?\.?\s*")
_NOTE_MARK_RE = re.compile(r"\[\d+\]")


def article_heading(section: str) -> str:
    """'Trách nhiệm của cơ quan bảo hiểm xã hội' from a chunk's section path ('Chương VI › Điều 41. Trách nhiệm
    của cơ quan bảo hiểm xã hội[85] › khoản 3'): without its number and footnote marks; '' outside an article."""
    article = next((p for p in section.split(" › ") if p.startswith("Điều ")), "")
    return _NOTE_MARK_RE.sub("", _ARTICLE_RE.sub("", article)).strip()


def chunk_basis(meta: dict[str, object]) -> str:
    """The basis a whole chunk stands on, from its metadata ('' for a chunk outside any article)."""
    article = str(meta.get("article") or "")
    if not article or meta.get("legal_kind") != "provision":
        return ""
    clauses = [c for c in str(meta.get("clauses") or "").split(",") if c]
    points = [p for p in str(meta.get("points") or "").split(",") if p]
    point = span(points) if len(clauses) == 1 and points else None
    return basis_label(article, clauses, point)


OPENER_RE = re.compile(
    r"^\s*(?:(?:Có|Không)\.\s*)?(?:Theo|Căn cứ)\s+(?:quy định tại\s+)?"
    r"(?:(?:điểm|khoản)\s+\S+(?:\s+(?:và\s+)?\d{1,2},?)*\s+)*Điều\s+\d{1,3}[a-zđ]?\b[^:,\n]{0,200}[:,]\s*",
    re.IGNORECASE)


def strip_opener(text: str) -> str:
    """The claim without its legal-basis opening ('Theo khoản 1 Điều 23 Luật …:', after a 'Có.'/'Không.'
    that the provision settles), which names
    the source rather than saying something the source must support."""
    return OPENER_RE.sub("", text, count=1)
