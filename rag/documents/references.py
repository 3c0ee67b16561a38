"""Cross-references inside one legal text: who "đối tượng quy định tại điểm a khoản 2 Điều 12" is.

A provision often names its subject only by where that subject is defined ("Mức đóng hằng tháng của
đối tượng quy định tại điểm a khoản 2 Điều 12 … 6% tiền lương hưu"). A citizen asks in the subject's
own words ("người đang hưởng lương hưu"), so the words of the referenced điểm are read along with the
provision: into its search terms and embedding at ingest, and into its sentences' evidence when answering.
References to another document are left alone: its text may not be indexed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rag.documents.legal_structure import Unit, strip_markers

_START_RE = re.compile(r"đối tượng quy định tại\s+", re.IGNORECASE)
_TOKEN_RE = re.compile(r"\w+|,")
_LETTER_RE = re.compile(r"^[a-zđ]\d?$")
_NUMBER_RE = re.compile(r"^\d{1,3}[a-zđ]?$")
_DOC_KINDS = {"luật", "bộ", "nghị", "thông", "pháp", "quyết", "văn", "hiến"}
_LEAD_RE = re.compile(r"^\s*(?:\d{1,2}\.|[a-zđ]\d?\))\s*")
SUBJECT_WORDS = 12
SUBJECT_CHARS = 1200
CHUNK_MAX_SUBJECTS = 4

UnitsOf = Callable[[str], list[Unit]]


@dataclass
class Reference:
    article: str | None  # None: the article the text stands in
    parts: list[tuple[list[str], str | None]] = field(default_factory=list)  # (điểm, khoản); khoản None = "này"
    other_document: bool = False


def _parse(tokens: Iterator[str]) -> Reference:
    """"các điểm a, c và e khoản 1, khoản 3 Điều 12 của Luật này" → points and khoản, then the article."""
    ref = Reference(None)
    points: list[str] = []
    mode = ""
    for tok in tokens:
        low = tok.lower()
        if low in {"các", ",", "và", "hoặc"}:
            continue
        if low in {"điểm", "khoản"}:
            mode = low
        elif mode == "điểm" and _LETTER_RE.match(low):
            points.append(low)
        elif mode == "khoản" and (_NUMBER_RE.match(low) or low == "này"):
            ref.parts.append((points, None if low == "này" else low))
            points = []
        elif low == "điều":
            nxt = next(tokens, "").lower()
            ref.article = None if nxt == "này" else nxt
            after = [next(tokens, "").lower(), next(tokens, "").lower()]
            kind = after[1] if after[0] == "của" else after[0]
            ref.other_document = kind in _DOC_KINDS and next(tokens, "").lower() != "này"
            break
        else:
            break
    return ref


def _lead_words(text: str, n: int) -> str:
    words = _LEAD_RE.sub("", strip_markers(text)).split()
    return " ".join(words[:n]).rstrip(",;:")


def _subjects(text: str, article: str, clause: str | None, units_of: UnitsOf,
              whole_articles: bool = False) -> Iterator[list[str]]:
    """For each reference in the text, the opening words of each điểm (or khoản) it names; with
    ``whole_articles``, of every điểm and khoản of an article named whole ("đối tượng quy định tại Điều 2")."""
    for m in _START_RE.finditer(text):
        ref = _parse(t.group(0) for t in _TOKEN_RE.finditer(text, m.end()))
        if ref.other_document:
            continue
        units = units_of(ref.article or article)
        found = []
        for points, ref_clause in ref.parts:
            ref_clause = ref_clause or clause
            found += [_lead_words(u.text, SUBJECT_WORDS) for u in units
                      if u.clause == ref_clause and (u.point in points if points else True)]
        if whole_articles and not ref.parts and ref.article and ref.article != article:
            found += [_lead_words(u.text, SUBJECT_WORDS) for u in units if u.clause]
        yield [t for t in found if t]


def _joined(parts: list[str]) -> str:
    return "; ".join(dict.fromkeys(parts))[:SUBJECT_CHARS]


def referenced_subjects(text: str, article: str, clause: str | None, units_of: UnitsOf) -> str:
    """Who the text's "đối tượng quy định tại …" are, "; "-joined.

    ``article``/``clause``: where the text itself stands ("khoản này", "Điều này");
    ``units_of``: an article number's khoản and điểm, from the parsed text or the index."""
    return _joined([t for found in _subjects(text, article, clause, units_of, whole_articles=True) for t in found])


def chunk_subjects(text: str, article: str, units_of: UnitsOf) -> tuple[str, str]:
    """The subjects a chunk of one article refers to, each line read within its own khoản:
    (specific, broad). A broad reference ("các điểm a, b, c, d, đ, e, h, i, o, r và s khoản 3") names
    most of the people there are: it helps find the chunk by a word, but would blur its meaning."""
    specific: list[str] = []
    broad: list[str] = []
    clause: str | None = None
    for line in text.splitlines():
        numbered = re.match(r"^(\d{1,2})\.", line)
        clause = numbered.group(1) if numbered else clause
        for found in _subjects(line, article, clause, units_of):
            (specific if len(found) <= CHUNK_MAX_SUBJECTS else broad).extend(found)
    return _joined(specific), _joined(broad)
