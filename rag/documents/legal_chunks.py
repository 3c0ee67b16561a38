"""A legal text's chunks: whole articles where they fit, else khoản by khoản with their leads, each
with its path (Chương › Điều › khoản › điểm), the khoản and điểm it holds, and its latest amendment;
the footnotes become notes of the provisions they amend."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from rag.documents.legal_structure import Article, LegalDoc, Unit, span, unit_keys
from rag.documents.metadata import parse_date

_AMENDING_RE = re.compile(
    r"(?:theo quy định tại|bởi)\s+(?:[^.;]*?\s)?(?:của|tại)?\s*"
    r"((?:Luật|Nghị định|Thông tư|Quyết định|Nghị quyết|Pháp lệnh)[^,;.]*?số\s*\d+/\d{4}/[\w-]+|"
    r"(?:Luật|Nghị định|Thông tư|Quyết định|Nghị quyết)\s+(?:số\s+)?\d+/\d{4}/[\w-]+)")
_EFFECTIVE_RE = re.compile(r"có hiệu lực(?: thi hành)? (?:kể )?từ (ngày\s+\d{1,2}(?:/\d{1,2}/\d{4}| tháng \d{1,2} năm \d{4}))")
# A source note worth indexing says the provision changed; "in force since" alone is metadata.
_CHANGE_RE = re.compile(r"sửa đổi|bổ sung|bãi bỏ|thay thế|hết hiệu lực", re.IGNORECASE)


@dataclass
class Piece:
    """One chunk of a legal text: its text, its section path and its place in the structure."""

    section: tuple[str, ...]
    text: str
    extra: dict[str, str] = field(default_factory=dict)


def _path(article: Article, clauses: list[str], points: list[str]) -> tuple[str, ...]:
    path = [p for p in (article.chapter, article.section, article.label) if p]
    if clauses:
        path.append(f"khoản {span(clauses)}")
        if points and len(set(clauses)) == 1:
            path.append(f"điểm {span(points)}")
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
                 "units": unit_keys(body), **_amended(article, units, footnotes)}
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


def item_pieces(article: Article, footnotes: dict[int, str], min_points: int) -> list[Piece]:
    """Each điểm of a list of at least ``min_points`` as a search unit of its own, read under its khoản's
    lead: one group of a long list of insured groups is found by a question about that group, where the
    chunk holding the whole list is diluted by the other groups' words."""
    if min_points <= 0:
        return []
    leads: dict[str | None, Unit] = {}
    points: dict[str | None, list[Unit]] = {}
    for unit in article.units:
        if unit.point is None:
            leads.setdefault(unit.clause, unit)
        else:
            points.setdefault(unit.clause, []).append(unit)
    out: list[Piece] = []
    for clause, items in points.items():
        if len(items) < min_points:
            continue
        lead = [leads[clause]] if clause in leads else []
        for item in items:
            body = [*lead, item]
            extra = {"article": article.number, "clauses": clause or "", "points": item.point or "",
                     "legal_kind": "provision", "item": "1", "units": unit_keys(body),
                     **_amended(article, [item], footnotes)}
            out.append(Piece(_path(article, [clause] if clause else [], [item.point or ""]),
                             "\n".join(u.text for u in body), extra))
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
