"""Quoting a legal provision as the answer: whole, with its legal basis first.

A khoản that introduces an enumeration ("… như sau:") is answered by the whole
enumeration, not by one stray điểm; a điểm is quoted with the lead that gives it
its subject. The article is re-read from all its chunks, so an enumeration split
across two chunks is still quoted whole (up to a length cap).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag import crossref
from rag.keyword import KeywordIndex
from rag.legal import Unit, basis_label, units_from_lines
from rag.retrieve import Hit


@dataclass
class Provision:
    hit: int
    article: str
    clause: str | None
    point: str | None
    lines: list[str]
    truncated: bool = False
    sentences: list[str] = field(default_factory=list)

    @property
    def basis(self) -> str:
        return basis_label(self.article, [self.clause] if self.clause else None, self.point)

    @property
    def key(self) -> tuple[int, str, str | None, str | None]:
        return (self.hit, self.article, self.clause, self.point)


def article_lines(index: KeywordIndex, hit: Hit) -> list[str]:
    """Every line of the hit's article, in order, each once (chunks repeat a khoản's lead)."""
    return _article_lines(index, hit.source, hit.article) or hit.text.splitlines()


def _article_lines(index: KeywordIndex, source: str, article: str) -> list[str]:
    entry = index.docs.get(source)
    if entry is None:
        return []
    seen: set[str] = set()
    lines: list[str] = []
    for cid in entry.chunk_ids:
        if cid not in index:
            continue
        chunk = index.get(cid)
        if chunk.metadata.get("article") != article or chunk.metadata.get("legal_kind") != "provision":
            continue
        for line in chunk.text.splitlines():
            if line.strip() and line not in seen:
                seen.add(line)
                lines.append(line)
    return lines


def referenced_subjects(index: KeywordIndex, hit: Hit, text: str, clause: str | None = None,
                        cache: dict[tuple[str, str], list[Unit]] | None = None) -> str:
    """Who the provision's "đối tượng quy định tại …" are, read from the indexed article it names.

    ``cache``: articles already re-read, shared by the sentences of one answer (many refer to the same one)."""
    memo = {} if cache is None else cache

    def units_of(article: str) -> list[Unit]:
        key = (hit.source, article)
        if key not in memo:
            memo[key] = units_from_lines(_article_lines(index, hit.source, article))
        return memo[key]

    return crossref.referenced_subjects(text, hit.article, clause, units_of)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _introduces(unit: Unit) -> bool:
    return unit.text.rstrip().endswith(":")


def _capped(units: list[Unit], cap: int) -> tuple[list[str], bool]:
    lines: list[str] = []
    size = 0
    for u in units:
        for line in u.lines:
            if lines and size + len(line) > cap:
                return lines, True
            lines.append(line)
            size += len(line)
    return lines, False


def whole_article(hit_no: int, hit: Hit, index: KeywordIndex, cap: int) -> Provision:
    """An article whose heading is the answer ("Quyền của người tham gia bảo hiểm y tế"): all of it."""
    lines, truncated = _capped(units_from_lines(article_lines(index, hit)), cap)
    return Provision(hit_no, hit.article, None, None, lines, truncated)


def provision_for(sentence: str, hit_no: int, hit: Hit, index: KeywordIndex, cap: int,
                  enumeration: bool = False) -> Provision | None:
    """The provision a quoted sentence belongs to, widened to what answers on its own.

    ``enumeration``: the question asks for a list, so an item is quoted with all its siblings:
    a điểm with its khoản's whole enumeration, a khoản of an article that is only a list of
    khoản ("Điều 11. Các hành vi bị nghiêm cấm") with the whole article.
    """
    units = units_from_lines(article_lines(index, hit))
    needle = _squash(sentence)
    unit = next((u for u in units if needle in _squash(u.text)), None)
    if unit is None:
        return None
    if enumeration and unit.point is None and unit.clause is not None and not _introduces(unit) \
            and all(u.clause is not None for u in units):
        return whole_article(hit_no, hit, index, cap)
    if enumeration and unit.point is not None:
        lead = next((u for u in units if u.clause == unit.clause and u.point is None), None)
        if lead is not None and _introduces(lead):
            unit = lead
    if unit.point is None and unit.clause is None:
        # Text of the article itself; a lead ending in ':' introduces every khoản after it.
        chosen = [unit] + ([u for u in units if u.clause is not None] if _introduces(unit) else [])
        clause = point = None
    elif unit.point is None:
        points = [u for u in units if u.clause == unit.clause and u.point is not None]
        chosen = [unit] + (points if _introduces(unit) else [])
        clause, point = unit.clause, None
    else:
        lead = next((u for u in units if u.clause == unit.clause and u.point is None), None)
        chosen = ([lead] if lead is not None and lead.clause is not None else []) + [unit]
        clause, point = unit.clause, unit.point
    lines, truncated = _capped(chosen, cap)
    return Provision(hit_no, hit.article, clause, point, lines, truncated, [sentence])


def merge(provisions: list[Provision]) -> list[Provision]:
    """One quote per provision; a khoản quoted whole absorbs its own điểm."""
    out: list[Provision] = []
    for p in provisions:
        same = next((q for q in out if q.key == p.key), None)
        if same is not None:
            same.sentences += p.sentences
            continue
        if p.clause is None and p.point is None and any(q.article == p.article and q.hit == p.hit for q in out):
            continue  # the article's own provision was already quoted: that one answers
        whole = next((q for q in out if q.hit == p.hit and q.article == p.article
                      and q.clause in {p.clause, None} and q.point is None
                      and all(line in q.lines for line in p.lines)), None)
        if whole is not None:
            whole.sentences += p.sentences
            continue
        out.append(p)
    return out
