"""Quoting a legal provision as the answer: whole, with its legal basis first.

A khoản that introduces an enumeration ("… như sau:") is answered by the whole
enumeration, not by one stray điểm; a điểm is quoted with the lead that gives it
its subject. The article is re-read from all its chunks (with the place of each line
that ingest stored), so an enumeration split across two chunks is still quoted whole
(up to a length cap).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rag.documents import references
from rag.documents.citations import basis_label, clauses_label
from rag.documents.legal_structure import Unit, units_from_keys, units_from_lines
from rag.index.keyword import Chunk, KeywordIndex
from rag.search.retriever import Hit
from rag.search.roles import states_role


@dataclass
class Provision:
    hit: int
    article: str
    clause: str | None
    point: str | None
    lines: list[str]
    truncated: bool = False
    sentences: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)  # several khoản of the article, quoted under one basis
    parts: list[tuple[str, list[str]]] = field(default_factory=list)  # (khoản, lines) when joined from several

    @property
    def basis(self) -> str:
        if self.clauses:
            return clauses_label(self.article, self.clauses)
        return basis_label(self.article, [self.clause] if self.clause else None, self.point)

    @property
    def key(self) -> tuple[int, str, str | None, str | None]:
        return (self.hit, self.article, self.clause, self.point)


def article_units(index: KeywordIndex, source: str, article: str) -> list[Unit]:
    """An article's khoản and điểm, read from where ingest stored each chunk line's place (chunks repeat a
    khoản's lead: each line is taken once). An index from before those were stored is parsed instead."""
    units: list[Unit] = []
    seen: set[tuple[str, str]] = set()
    chunks = index.article_chunks(source, article)
    for chunk in chunks:
        lines = chunk.text.splitlines()
        keys = str(chunk.metadata.get("units") or "").split("|")
        if len(keys) != len(lines):
            return units_from_lines(_article_lines(chunks))
        rows = [(k, ln) for k, ln in zip(keys, lines) if ln.strip() and (k, ln) not in seen]
        seen.update(rows)
        units_from_keys(rows, units)
    return units


def _article_lines(chunks: list[Chunk]) -> list[str]:
    seen: set[str] = set()
    lines: list[str] = []
    for chunk in chunks:
        for line in chunk.text.splitlines():
            if line.strip() and line not in seen:
                seen.add(line)
                lines.append(line)
    return lines


def _hit_units(index: KeywordIndex, hit: Hit) -> list[Unit]:
    """The units of the hit's article, or of the hit alone when its article is not in the index."""
    return article_units(index, hit.source, hit.article) or units_from_lines(hit.text.splitlines())


def referenced_subjects(index: KeywordIndex, hit: Hit, text: str, clause: str | None = None,
                        cache: dict[tuple[str, str], list[Unit]] | None = None) -> str:
    """Who the provision's "đối tượng quy định tại …" are, read from the indexed article it names.

    ``cache``: articles already re-read, shared by the sentences of one answer (many refer to the same one)."""
    memo = {} if cache is None else cache

    def units_of(article: str) -> list[Unit]:
        key = (hit.source, article)
        if key not in memo:
            memo[key] = article_units(index, hit.source, article)
        return memo[key]

    return references.referenced_subjects(text, hit.article, clause, units_of)


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


def whole_article(hit_no: int, hit: Hit, index: KeywordIndex, cap: int, role: str | None = None) -> Provision:
    """An article whose heading is the answer ("Quyền của người tham gia bảo hiểm y tế"): all of it that
    states the rule. A khoản that only says who details it ("Chính phủ quy định chi tiết khoản 1 Điều này")
    is left out; when one khoản is left, it is the basis. ``role``: the rights or duties asked, of an article
    whose khoản state each ("1. Quyền của …", "2. Trách nhiệm của …"): the khoản stating it."""
    every = _hit_units(index, hit)
    units = _stating(_in_force(every))
    if role is not None:
        stating = [u.clause for u in units if u.point is None and u.clause is not None and states_role(u.text, role)]
        if len(stating) == 1:
            units = [u for u in units if u.clause == stating[0]]
    lines, truncated = _capped(units, cap)
    clauses = list(dict.fromkeys(u.clause for u in units))
    if len(clauses) == 1 and clauses[0] is not None:
        return Provision(hit_no, hit.article, clauses[0], None, lines, truncated)
    if len(units) < len(every) and None not in clauses and not truncated:
        # Not all of the article (a repealed or delegating khoản left out): the basis names what is quoted.
        return Provision(hit_no, hit.article, None, None, lines, False, clauses=[c for c in clauses if c])
    return Provision(hit_no, hit.article, None, None, lines, truncated)


# "Chính phủ quy định chi tiết …", "Bộ trưởng Bộ Y tế quy định …", "Ủy ban nhân dân cấp tỉnh hướng dẫn …".
_DELEGATES_RE = re.compile(
    r"^\s*(?:\d{1,2}[a-zđ]?\.\s*)?(?:Chính phủ|Thủ tướng Chính phủ|Bộ trưởng[^;:.]{0,80}?|Bộ [^;:.]{0,40}?|"
    r"Ủy ban[^;:.]{0,60}?|Hội đồng[^;:.]{0,60}?)\s+(?:quy định|hướng dẫn)\b[^:]*$", re.IGNORECASE)


def delegates(unit: Unit) -> bool:
    """A khoản that only names who details a rule: it states no rule itself."""
    return unit.point is None and bool(_DELEGATES_RE.match(" ".join(unit.lines)))


def _stating(units: list[Unit]) -> list[Unit]:
    """The units without the khoản that only delegate, unless nothing else is left."""
    kept = [u for u in units if not (u.clause is not None and delegates(u))]
    return kept if any(u.clause is not None for u in kept) else units


_REPEALED_RE = re.compile(r"^\s*(?:\d{1,2}\.|[a-zđ]\d?\))?\s*\((?:được\s+|đã\s+)?bãi\s+bỏ\)\s*\.?\s*$", re.IGNORECASE)


def _in_force(units: list[Unit]) -> list[Unit]:
    """Units without the ones a consolidated text keeps only as "4. (được bãi bỏ)"."""
    return [u for u in units if not _REPEALED_RE.match(u.text)]


def _whole_procedure(hit_no: int, hit: Hit, units: list[Unit], cap: int, sentence: str) -> Provision | None:
    """Every khoản of the article that states a step, when it fits: a procedure (who applies, where, what to
    file, how long) is the whole article, not the one khoản that shares the question's words."""
    units = _stating(_in_force(units))
    clauses = list(dict.fromkeys(u.clause for u in units if u.clause))
    lines, truncated = _capped(units, cap)
    if truncated or len(clauses) < 2:
        return None
    return Provision(hit_no, hit.article, None, None, lines, False, [sentence], clauses)


def provision_for(sentence: str, hit_no: int, hit: Hit, index: KeywordIndex, cap: int,
                  enumeration: bool = False, procedure: bool = False) -> Provision | None:
    """The provision a quoted sentence belongs to, widened to what answers on its own.

    ``enumeration``: the question asks for a list, so an item is quoted with all its siblings:
    a điểm with its khoản's whole enumeration, a khoản of an article that is only a list of
    khoản ("Điều 11. Các hành vi bị nghiêm cấm") with the whole article.
    """
    units = _hit_units(index, hit)
    needle = _squash(sentence)
    unit = next((u for u in units if needle in _squash(u.text)), None)
    if unit is None:
        return None
    if procedure and unit.clause is not None:
        whole = _whole_procedure(hit_no, hit, units, cap, sentence)
        if whole is not None:
            return whole
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


def _clause_key(clause: str | None) -> tuple[int, str]:
    digits = "".join(ch for ch in clause or "" if ch.isdigit())
    return (int(digits) if digits else 0, clause or "")


def _by_clause(item: Any) -> bool:
    return isinstance(item, Provision) and item.point is None and (item.clause is not None or bool(item.clauses))


def one_basis_per_article(items: list[Any], source_of: Callable[[int], str]) -> list[Any]:
    """Khoản of one article quoted as separate provisions become one, in the article's order, under one
    basis line ("Theo khoản 1 và 2 Điều 18 …"), where the first of them stood; ``source_of`` tells the
    document of a hit (two chunks of one article are two hits). Other items are kept."""
    out: list[Any] = []
    for item in items:
        same = next((p for p in out if _by_clause(item) and _by_clause(p) and p.article == item.article
                     and source_of(p.hit) == source_of(item.hit)), None)
        if same is None:
            out.append(item)
            continue
        same.sentences += item.sentences
        if same.clauses and not same.parts:
            continue  # the whole article is quoted already
        parts = dict(same.parts or [(same.clause or "", same.lines)])
        parts.setdefault(item.clause or "", item.lines)
        same.parts = sorted(parts.items(), key=lambda cp: _clause_key(cp[0]))
        same.clauses = [c for c, _ in same.parts]
        same.lines = [ln for _, lines in same.parts for ln in lines]
        same.clause, same.truncated = None, same.truncated or item.truncated
    return out


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
