"""The structure of a legal text: Chương / Mục / Điều / khoản / điểm, footnotes and notes.

A law, decree or circular is answered provision by provision, so it is chunked by
its own structure rather than by sentences: a chunk never straddles two articles,
a long article is split at khoản and điểm boundaries, and every chunk knows its
path. Footnote markers (``[2]``, ``1.[2]``) are taken out of the text and the
footnotes after the last article become notes of the provisions they amend.

This module reads the structure; ``legal_chunks`` cuts it into chunks and ``citations`` names its provisions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ARTICLE_RE = re.compile(r"^(?:\*\*)?Điều\s+(\d{1,3}[a-zđ]?)\s*[.:](\*\*)?\s*(.*)$")
_CHAPTER_RE = re.compile(r"^(?:\*\*)?Chương\s+([IVXLC]+|\d+)\b\.?(?:\*\*)?\s*(.*)$")
_SECTION_RE = re.compile(r"^(?:\*\*)?Mục\s+(\d+|[IVXLC]+)\b\.?(?:\*\*)?\s*(.*)$")
_CLAUSE_RE = re.compile(r"^(\d{1,2})\.\s*(\S.*)$")
_POINT_RE = re.compile(r"^([a-zđ]\d?)\)\s*(\S.*)$")
MARKER_RE = re.compile(r"\[(\d{1,3})\]")
_FOOTNOTE_RE = re.compile(r"^\[(\d{1,3})\]\s*(.*)$")
# Where the articles end: the signature block, the recipients list, an appendix.
_END_RE = re.compile(
    r"^(?:\*|_)*(?:Nơi nhận|XÁC THỰC VĂN BẢN HỢP NHẤT|TM\.|KT\.|Q\.|TL\.|PHỤ LỤC|CHƯƠNG TRÌNH HÀNH ĐỘNG)\b")
# The letterhead: national motto, number and place-date lines say who and when (kept as metadata), not what.
_HEADER_RE = re.compile(
    r"^(?:CỘNG HÒA XÃ HỘI|CỘNG HOÀ XÃ HỘI|Độc lập\s*-\s*Tự do|Số\s*:|[-_=]{3,}$|[^,]{2,40},\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}"
    r"\s+năm\s+\d{4}\s*$)|.*CỘNG H[OÒ]A XÃ HỘI CHỦ NGHĨA VIỆT NAM\s*$", re.IGNORECASE)
_SOURCE_NOTE_RE = re.compile(r"^\((?:Điều|Khoản|Điểm)\s+\d.*\)$")
_MIN_ARTICLES = 2


def _plain(line: str) -> str:
    """A Markdown line as plain text: escapes and emphasis removed."""
    line = re.sub(r"\\([.\-&*_#()\[\]])", r"\1", line.strip())
    line = re.sub(r"^#{1,6}\s+", "", line)
    return re.sub(r"(?<!\*)\*(?!\*)|_{2,}", "", line).strip()


def strip_markers(text: str) -> str:
    return re.sub(r"[ \t]+([,.;:])", r"\1", MARKER_RE.sub("", text)).rstrip()


@dataclass
class Unit:
    """A khoản's lead, one of its điểm, or text of an article outside any khoản."""

    clause: str | None
    point: str | None
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Article:
    number: str
    heading: str
    chapter: str = ""
    section: str = ""
    units: list[Unit] = field(default_factory=list)
    # footnote number -> (khoản, điểm) it is attached to; (None, None) = the whole article
    markers: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"Điều {self.number}. {self.heading}".strip(" .") if self.heading else f"Điều {self.number}"


@dataclass
class LegalDoc:
    preamble: str
    articles: list[Article]
    tail: str
    footnotes: dict[int, str]


def looks_legal(text: str) -> bool:
    """True when the text is organised in articles (at least two 'Điều N.' headings)."""
    count = 0
    for line in text.splitlines():
        if ARTICLE_RE.match(_plain(line)):
            count += 1
            if count >= _MIN_ARTICLES:
                return True
    return False


def _title_line(lines: list[str], i: int) -> tuple[str, int]:
    """The heading text on a 'Chương I' line, or on the upper-case line after it."""
    j = i + 1
    while j < len(lines) and not lines[j]:
        j += 1
    if j < len(lines) and lines[j].isupper() and len(lines[j]) < 200 and not ARTICLE_RE.match(lines[j]):
        return lines[j], j + 1
    return "", i + 1


def parse(text: str) -> LegalDoc:
    raw = text.splitlines()
    lines = [_plain(ln) for ln in raw]
    preamble: list[str] = []
    tail: list[str] = []
    footnotes: dict[int, str] = {}
    articles: list[Article] = []
    chapter = section = ""
    current: Article | None = None
    state = "preamble"
    i = 0
    last_fn: int | None = None
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if state in {"articles", "tail", "footnotes"} and (m := _FOOTNOTE_RE.match(line)) and articles:
            state, last_fn = "footnotes", int(m.group(1))
            footnotes[last_fn] = m.group(2).strip()
            continue
        if state == "footnotes":
            if last_fn is not None:
                footnotes[last_fn] += "\n" + line
            continue
        if state != "tail" and (m := _CHAPTER_RE.match(line)):
            title, i = (m.group(2), i) if m.group(2) else _title_line(lines, i - 1)
            chapter = f"Chương {m.group(1)}" + (f". {strip_markers(title)}" if title else "")
            section = ""
            state = "articles"
            continue
        if state != "tail" and (m := _SECTION_RE.match(line)) and state == "articles":
            title, i = (m.group(2), i) if m.group(2) else _title_line(lines, i - 1)
            section = f"Mục {m.group(1)}" + (f". {strip_markers(title)}" if title else "")
            continue
        if state != "tail" and (m := ARTICLE_RE.match(line)):
            number, closed, rest = m.group(1), m.group(2), m.group(3).strip()
            state = "articles"
            if current is not None and current.number == number:
                continue  # a heading printed twice
            heading, body = (rest, "") if not closed and len(rest) < 200 and not rest.endswith(".") else ("", rest)
            current = Article(number, strip_markers(heading), chapter, section)
            for n in MARKER_RE.findall(heading):
                current.markers[int(n)] = (None, None)
            articles.append(current)
            if body:
                _add_line(current, body)
            continue
        if state == "articles" and _END_RE.match(line):
            state = "tail"
        if state == "preamble":
            if not _HEADER_RE.match(line):
                preamble.append(strip_markers(raw[i - 1]))
        elif state == "tail" or current is None:
            # Kept as written: what follows the articles (an appendix) is chunked as ordinary text.
            tail.append(raw[i - 1])
        elif not current.units and _SOURCE_NOTE_RE.match(line):
            current.notes.append(line.strip("() "))
        else:
            _add_line(current, line)
    return LegalDoc("\n".join(preamble), articles, "\n".join(tail), footnotes)


def _add_line(article: Article, line: str) -> None:
    last = article.units[-1] if article.units else None
    if m := _CLAUSE_RE.match(line):
        unit = Unit(m.group(1), None, [])
    elif (m := _POINT_RE.match(line)) and last is not None:
        unit = Unit(last.clause, m.group(1), [])
    elif last is None:
        unit = Unit(None, None, [])
    else:
        unit = last
    for n in MARKER_RE.findall(line):
        article.markers[int(n)] = (unit.clause, unit.point)
    if unit is not last:
        article.units.append(unit)
    unit.lines.append(strip_markers(line))


def span(values: list[str]) -> str:
    values = list(dict.fromkeys(v for v in values if v))
    if not values:
        return ""
    return values[0] if len(values) == 1 else f"{values[0]}–{values[-1]}"


def unit_keys(units: list[Unit]) -> str:
    """Where each line of a chunk stands, stored with the chunk at ingest: "|1:|1:a|1:b" is a line of the
    article's own text, then khoản 1's lead and its điểm a and b. Answers rebuild an article's khoản and
    điểm from these instead of parsing its text again."""
    return "|".join(f"{u.clause or ''}:{u.point or ''}" for u in units for _ in u.text.splitlines())


def units_from_keys(rows: list[tuple[str, str]], units: list[Unit] | None = None) -> list[Unit]:
    """(key, line) pairs, as ``unit_keys`` wrote them, back into units; consecutive lines of one key are
    one unit. ``units``: the list to extend (an article read from several chunks)."""
    out = [] if units is None else units
    for key, line in rows:
        clause, _, point = key.partition(":")
        last = out[-1] if out else None
        if last is not None and last.clause == (clause or None) and last.point == (point or None):
            last.lines.append(line)
        else:
            out.append(Unit(clause or None, point or None, [line]))
    return out


def units_from_lines(lines: list[str]) -> list[Unit]:
    """Re-read an article's lines (as chunked) into its khoản and điểm."""
    article = Article("", "")
    for line in lines:
        _add_line(article, line)
    return article.units
