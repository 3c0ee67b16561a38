"""The structure of a legal text: Chương / Mục / Điều / khoản / điểm, footnotes and notes.

A law, decree or circular is answered provision by provision, so it is chunked by
its own structure rather than by sentences: a chunk never straddles two articles,
a long article is split at khoản and điểm boundaries, and every chunk knows its
path. Footnote markers (``[2]``, ``1.[2]``) are taken out of the text and the
footnotes after the last article become notes of the provisions they amend.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from rag.metadata import parse_date

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
_AMENDING_RE = re.compile(
    r"(?:theo quy định tại|bởi)\s+(?:[^.;]*?\s)?(?:của|tại)?\s*"
    r"((?:Luật|Nghị định|Thông tư|Quyết định|Nghị quyết|Pháp lệnh)[^,;.]*?số\s*\d+/\d{4}/[\w-]+|"
    r"(?:Luật|Nghị định|Thông tư|Quyết định|Nghị quyết)\s+(?:số\s+)?\d+/\d{4}/[\w-]+)")
_EFFECTIVE_RE = re.compile(r"có hiệu lực(?: thi hành)? (?:kể )?từ (ngày\s+\d{1,2}(?:/\d{1,2}/\d{4}| tháng \d{1,2} năm \d{4}))")
# A source note worth indexing says the provision changed; "in force since" alone is metadata.
_CHANGE_RE = re.compile(r"sửa đổi|bổ sung|bãi bỏ|thay thế|hết hiệu lực", re.IGNORECASE)
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


# -- chunks -------------------------------------------------------------------
@dataclass
class Piece:
    """One chunk of a legal text: its text, its section path and its place in the structure."""

    section: tuple[str, ...]
    text: str
    extra: dict[str, str] = field(default_factory=dict)


def _span(values: list[str]) -> str:
    values = list(dict.fromkeys(v for v in values if v))
    if not values:
        return ""
    return values[0] if len(values) == 1 else f"{values[0]}–{values[-1]}"


def _path(article: Article, clauses: list[str], points: list[str]) -> tuple[str, ...]:
    path = [p for p in (article.chapter, article.section, article.label) if p]
    if clauses:
        path.append(f"khoản {_span(clauses)}")
        if points and len(set(clauses)) == 1:
            path.append(f"điểm {_span(points)}")
    return tuple(path)


def amendment(footnote: str) -> tuple[str, str]:
    """(amending document, ISO date it took effect) named by a footnote; the latest one wins."""
    docs = [re.sub(r"\s+", " ", m.group(1)) for m in _AMENDING_RE.finditer(footnote)]
    dates = [d for d in (parse_date(m.group(1)) for m in _EFFECTIVE_RE.finditer(footnote)) if d]
    return (docs[-1] if docs else "", max(dates) if dates else "")


def _amended(article: Article, units: list[Unit], footnotes: dict[int, str]) -> dict[str, str]:
    """The latest amendment of the provisions in a chunk, and which khoản it concerns
    ('*' = the whole article), so an answer names it only for the provision it quotes."""
    keys = {(u.clause, u.point) for u in units} | {(u.clause, None) for u in units}
    found: list[tuple[str, str, str]] = []
    for n, where in article.markers.items():
        if where == (None, None) or where in keys:
            doc, date = amendment(footnotes.get(n, ""))
            found.append((doc, date, where[0] or "*"))
    found += [(*amendment(note), "*") for note in article.notes]
    found = [f for f in found if f[0]]
    if not found:
        return {}
    doc, date, _ = max(found, key=lambda f: f[1])
    return {"provision_amended_by": doc, "provision_amended_from": date,
            "amended_clauses": ",".join(dict.fromkeys(f[2] for f in found))}


TokenCount = Callable[[str], int]
Splitter = Callable[[str], list[str]]


def article_pieces(article: Article, footnotes: dict[int, str], count: TokenCount, cap: int,
                   split: Splitter) -> list[Piece]:
    """Chunks of one article: whole when it fits, else packed khoản by khoản, a long khoản
    split between its điểm with its lead repeated so each chunk still reads as a provision."""
    groups: list[list[Unit]] = []
    for unit in article.units:
        if groups and groups[-1][0].clause == unit.clause and unit.point is not None:
            groups[-1].append(unit)
        elif groups and unit.clause is None and groups[-1][0].clause is None:
            groups[-1].append(unit)
        else:
            groups.append([unit])
    intro = groups[0] if groups and groups[0][0].clause is None else []
    intro_text = "\n".join(u.text for u in intro)
    # An article's own lead ("... thực hiện nhiệm vụ sau đây:") gives every chunk its subject.
    repeat_intro = bool(intro) and intro_text.rstrip().endswith(":") and count(intro_text) <= 80
    out: list[Piece] = []
    batch: list[Unit] = []

    def emit(units: list[Unit], lead: list[Unit] | None = None) -> None:
        if not units:
            return
        head = list(lead or [])
        if repeat_intro and units[0] not in intro and not (head and head[0] in intro):
            head = intro + head
        body = head + [u for u in units if u not in head]
        clauses = [u.clause for u in units if u.clause]
        points = [u.point for u in units if u.point]
        extra = {"article": article.number, "clauses": ",".join(dict.fromkeys(c for c in clauses if c)),
                 "points": ",".join(dict.fromkeys(p for p in points if p)), "legal_kind": "provision",
                 **_amended(article, units, footnotes)}
        out.append(Piece(_path(article, clauses, points), "\n".join(u.text for u in body), extra))

    size = 0
    for group in groups:
        n = count("\n".join(u.text for u in group))
        if batch and size + n > cap:
            emit(batch)
            batch, size = [], 0
        if n <= cap:
            batch += group
            size += n
            continue
        lead, rest = (group[:1], group[1:]) if group[0].point is None else ([], group)
        lead_size = count("\n".join(u.text for u in lead))
        part: list[Unit] = []
        part_size = lead_size
        for unit in rest or lead:
            un = count(unit.text)
            if part and part_size + un > cap:
                emit(part, lead)
                part, part_size = [], lead_size
            if lead_size + un > cap:
                # One điểm longer than a chunk: its sentences, in order.
                emit(part, lead)
                part, part_size = [], lead_size
                for chunk_text in split(unit.text):
                    emit([Unit(unit.clause, unit.point, [chunk_text])], lead if unit.point else None)
                continue
            part.append(unit)
            part_size += un
        emit(part, lead if rest else None)
    emit(batch)
    if not out:
        out.append(Piece(_path(article, [], []), article.label, {"article": article.number, "legal_kind": "heading"}))
    return out


def note_lines(doc: LegalDoc) -> dict[str, list[str]]:
    """Footnotes grouped by the article they annotate (key '' = the document as a whole)."""
    out: dict[str, list[str]] = {}
    placed: set[int] = set()
    for article in doc.articles:
        for n, (clause, point) in sorted(article.markers.items()):
            text = doc.footnotes.get(n)
            if not text:
                continue
            where = " ".join(x for x in (f"điểm {point}" if point else "", f"khoản {clause}" if clause else "",
                                         f"Điều {article.number}") if x)
            out.setdefault(article.number, []).append(f"{where}: {_flat(text)}")
            placed.add(n)
        out.setdefault(article.number, []).extend(
            f"Điều {article.number}: {_flat(n)}" for n in article.notes if _CHANGE_RE.search(n))
    for n, text in sorted(doc.footnotes.items()):
        if n not in placed:
            out.setdefault("", []).append(_flat(text))
    return {k: v for k, v in out.items() if v}


def _flat(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text).strip()


def units_from_lines(lines: list[str]) -> list[Unit]:
    """Re-read an article's lines (as chunked) into its khoản and điểm."""
    article = Article("", "")
    for line in lines:
        _add_line(article, line)
    return article.units


_REF_RE = re.compile(r"(?:điểm\s+([a-zđ]\d?)\s*,?\s+)?(?:khoản\s+(\d{1,2})\s*,?\s+)?Điều\s+(\d{1,3}[a-zđ]?)\b", re.IGNORECASE)


def stated_refs(text: str) -> list[tuple[str | None, str | None, str]]:
    """(điểm, khoản, Điều) a sentence names: 'theo khoản 1 Điều 23' → (None, '1', '23')."""
    return [(m.group(1), m.group(2), m.group(3).lower()) for m in _REF_RE.finditer(text)]


def basis_label(article: str, clauses: list[str] | None = None, point: str | None = None) -> str:
    """'điểm a khoản 1 Điều 22', 'khoản 1–3 Điều 2', 'Điều 52'."""
    parts = []
    if point:
        parts.append(f"điểm {point}")
    if clauses:
        parts.append(f"khoản {_span(clauses)}")
    parts.append(f"Điều {article}")
    return " ".join(parts)


def chunk_basis(meta: dict[str, object]) -> str:
    """The basis a whole chunk stands on, from its metadata ('' for a chunk outside any article)."""
    article = str(meta.get("article") or "")
    if not article or meta.get("legal_kind") != "provision":
        return ""
    clauses = [c for c in str(meta.get("clauses") or "").split(",") if c]
    points = [p for p in str(meta.get("points") or "").split(",") if p]
    point = _span(points) if len(clauses) == 1 and points else None
    return basis_label(article, clauses, point)


OPENER_RE = re.compile(
    r"^\s*(?:Theo|Căn cứ)\s+(?:quy định tại\s+)?(?:(?:điểm|khoản)\s+\S+\s+)*Điều\s+\d{1,3}[a-zđ]?\b[^:,\n]{0,200}[:,]\s*",
    re.IGNORECASE)


def strip_opener(text: str) -> str:
    """The claim without its legal-basis opening ('Theo khoản 1 Điều 23 Luật …:'), which names
    the source rather than saying something the source must support."""
    return OPENER_RE.sub("", text, count=1)


_CHANGE_CUE_RE = re.compile(r"\b(sua doi|bo sung|bai bo|thay the|het hieu luc|hieu luc)\b")


def asks_about_changes(question: str) -> bool:
    """Whether a question is about amendments or validity (then amendment notes may answer it)."""
    from rag.textnorm import fold

    return bool(_CHANGE_CUE_RE.search(fold(question)))
