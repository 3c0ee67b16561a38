"""Document metadata read from the text itself: title, date, publisher, numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.documents.clean import is_date_line
from rag.text import lexicon
from rag.text.normalize import fold
from rag.text.numbers import DOC_NUMBER_RE

_ISO_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DMY_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_VN_DATE_RE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_PUBLISHED_RE = re.compile(
    r"(?:ngày\s+xuất\s+bản|ngày\s+đăng|ngày\s+ban\s+hành|cập\s+nhật|đăng\s+ngày)\s*:?\s*"
    r"(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})", re.IGNORECASE)
_LEADING_DATE_RE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
_HEADING_MARKS_RE = re.compile(r"^[#\s*]+|[*\s]+$")
_AGENCY_LEAD_RE = re.compile(r"^\(([A-ZĐ][A-Za-zĐđ.&\- ]{1,20})\)\s*[-–—]")
_SOURCE_RE = re.compile(r"(?:ghi rõ nguồn|nguồn)\s*:\s*(.+?)(?:\s+khi\s+.*)?$", re.IGNORECASE)
_ON_BEHALF_RE = re.compile(r"Thay mặt\s+((?:Bộ Chính trị|Ban Bí thư|Chính phủ|Ban Chấp hành Trung ương)[^,.]*)")
_LEGAL_NUMBER_RE = re.compile(r"^\s*Số\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


@dataclass
class DocMeta:
    title: str
    date: str | None = None
    publisher: str | None = None
    doc_numbers: list[str] = field(default_factory=list)
    legal: bool = False


def _iso(y: str, m: str, d: str) -> str | None:
    yi, mi, di = int(y), int(m), int(d)
    if 1 <= mi <= 12 and 1 <= di <= 31 and 1900 < yi < 2200:
        return f"{yi:04d}-{mi:02d}-{di:02d}"
    return None


def parse_date(text: str) -> str | None:
    if m := _ISO_RE.search(text):
        return _iso(*m.groups())
    if m := _DMY_RE.search(text):
        d, mo, y = m.groups()
        return _iso(y, mo, d)
    if m := _VN_DATE_RE.search(text):
        d, mo, y = m.groups()
        return _iso(y, mo, d)
    return None


def _strip_heading(line: str) -> str:
    return _HEADING_MARKS_RE.sub("", line).replace("\\", "").strip()


def _is_header_noise(line: str) -> bool:
    low = fold(line)
    return ("cong hoa xa hoi chu nghia" in low or "doc lap - tu do" in low
            or bool(_LEGAL_NUMBER_RE.match(line)) or bool(_VN_DATE_RE.search(line))
            or is_date_line(line) or low.startswith("so:"))


def is_legal(text: str) -> bool:
    head = text[:1500]
    return bool(_LEGAL_NUMBER_RE.search(head)) or bool(
        re.match(r"^\s*#*\s*Nghị quyết số\s+\d", head, re.IGNORECASE))


def _title(lines: list[str], legal_number: str | None) -> str:
    doc_types = lexicon.phrases("doc_types")
    for i, raw in enumerate(lines[:15]):
        line = _strip_heading(_LEADING_DATE_RE.sub("", raw))
        if not line or _is_header_noise(line):
            continue
        if fold(line) in doc_types:
            # "NGHỊ QUYẾT" alone: the subject is on the next line.
            nxt = next((_strip_heading(x) for x in lines[i + 1:i + 3] if _strip_heading(x)), "")
            kind = line.capitalize()
            number = f" số {legal_number}" if legal_number else ""
            return f"{kind}{number}: {nxt}" if nxt else f"{kind}{number}"
        if len(line) <= 200 and not line.endswith("."):
            return line
        return _untitled(re.split(r"(?<=[.!?])\s", line)[0])
    return ""


_TITLE_CHARS = 160
_TITLE_WORDS = 16  # syllables: about eight Vietnamese words


def _untitled(first: str) -> str:
    """A text without a heading is titled by the document its first sentence is about
    ("Tin bài: Nghị quyết số 57-NQ/TW về đột phá …"), else by that sentence's opening words, never
    the whole sentence."""
    label = lexicon.raw_lines("untitled")[0]
    kinds = "|".join(re.escape(k) for k in sorted(lexicon.raw_lines("doc_types"), key=len, reverse=True))
    named = re.search(rf"\b((?:{kinds})\s+(?:số\s+)?\d[\w/.\-]*(?:\s+(?:của\s+[^,.;]{{2,60}}?\s+)?về\s+[^.;:!?]+)?)",
                      first, re.IGNORECASE)
    if named:
        topic = named.group(1)
    else:
        words = first.rstrip(".!?").split()
        topic = " ".join(words[:_TITLE_WORDS]) + (" …" if len(words) > _TITLE_WORDS else "")
    if len(topic) > _TITLE_CHARS:
        topic = topic[:_TITLE_CHARS - 10].rsplit(" ", 1)[0] + " …"
    return f"{label}: {topic}"


def _date(lines: list[str], text: str, legal: bool) -> str | None:
    if m := _PUBLISHED_RE.search(text):
        return parse_date(m.group(1))
    if m := _LEADING_DATE_RE.match(text):
        return parse_date(m.group(1))
    # A date line right under the title is the article's own date.
    for line in lines[:6]:
        if is_date_line(line):
            return parse_date(line)
    if legal:
        head = "\n".join(lines[:12])
        for pattern in (_VN_DATE_RE, re.compile(r"\(ngày\s+(\d{1,2}/\d{1,2}/\d{4})\)")):
            if m := pattern.search(head):
                return parse_date(m.group(0))
    return None


def _publisher(lines: list[str], text: str, raw: str = "") -> str | None:
    # A site's reprint notice ("Ghi rõ nguồn: … khi phát hành lại") names the publisher; cleaning drops it from
    # the text (it is not what the page is about), so it is read from the page as fetched.
    footer = [ln.strip() for ln in raw.splitlines() if ln.strip()][-12:]
    for line in [*reversed(lines[-12:]), *reversed(footer)]:
        if m := _SOURCE_RE.search(line):
            return m.group(1).strip(" .")
    for line in lines[:4]:
        if m := _AGENCY_LEAD_RE.match(line):
            return m.group(1).strip()
    if m := _ON_BEHALF_RE.search(text[:2000]):
        return m.group(1).strip()
    first = _strip_heading(lines[0]) if lines else ""
    if "CỘNG HÒA XÃ HỘI" in first.upper():
        agency = re.split(r"CỘNG HÒA|CỘNG HOÀ", first, flags=re.IGNORECASE)[0].strip()
        if agency:
            return agency[0] + agency[1:].lower() if agency.isupper() else agency
    return None


def doc_numbers(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for m in DOC_NUMBER_RE.finditer(text):
        token = m.group(0)
        if "/" in token and re.search(r"[A-Z]", token):
            seen.setdefault(token, None)
    return list(seen)


def extract(cleaned: str, raw: str) -> DocMeta:
    lines = [ln.strip() for ln in cleaned.splitlines() if ln.strip()]
    legal = is_legal(raw)
    num_match = _LEGAL_NUMBER_RE.search(raw[:1500])
    legal_number = num_match.group(1) if num_match else None
    title = _title(lines, legal_number) or "(không tiêu đề)"
    return DocMeta(
        title=title,
        date=_date(lines, cleaned, legal),
        publisher=_publisher(lines, cleaned, raw),
        doc_numbers=doc_numbers(cleaned),
        legal=legal,
    )
