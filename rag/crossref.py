"""Cross-references inside one legal text: who "đối tượng quy định tại điểm a khoản 2 Điều 12" is.

A provision often names its subject only by where that subject is defined ("Mức đóng hằng tháng của
đối tượng quy định tại điểm a khoản 2 Điều 12 … 6% tiền lương hưu"). A citizen asks in the subject's
own words ("người đang hưởng lương hưu"), so the words of the referenced điểm are read along with the
provision: into its search terms and embedding at ingest, and into its sentences' evidence when answering.
References to another document are left alone: its text may not be indexed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.legal import Unit, strip_markers

_LETTER = r"[a-zđ]\d?"
_SUBJECT_REF_RE = re.compile(
    rf"đối tượng quy định tại\s+(?:các\s+)?(?:điểm\s+(?P<points>{_LETTER}(?:\s*(?:,|và|hoặc)\s*(?:điểm\s+)?{_LETTER})*)\s+)?"
    r"khoản\s+(?P<clause>\d{1,2}|này)(?:\s+(?:Điều\s+(?P<article>\d{1,3}[a-zđ]?)|Điều này))?"
    r"(?P<other>\s+(?:của\s+)?(?:Luật|Bộ luật|Nghị định|Thông tư|Pháp lệnh|Quyết định)\s+(?!này))?",
    re.IGNORECASE)
_LEAD_RE = re.compile(r"^\s*(?:\d{1,2}\.|[a-zđ]\d?\))\s*")
SUBJECT_WORDS = 16
SUBJECT_CHARS = 400

UnitsOf = Callable[[str], list[Unit]]


def _lead_words(text: str, n: int) -> str:
    words = _LEAD_RE.sub("", strip_markers(text)).split()
    return " ".join(words[:n]).rstrip(",;:")


def referenced_subjects(text: str, article: str, clause: str | None, units_of: UnitsOf) -> str:
    """The opening words of each điểm (or khoản) the text refers its subject to, "; "-joined.

    ``article``/``clause``: where the text itself stands ("khoản này", "Điều này");
    ``units_of``: an article number's khoản and điểm, from the parsed text or the index."""
    out: list[str] = []
    for m in _SUBJECT_REF_RE.finditer(text):
        if m.group("other"):
            continue
        target = m.group("article") or article
        ref_clause = clause if m.group("clause").lower() == "này" else m.group("clause")
        if not target or not ref_clause:
            continue
        points = set(re.findall(_LETTER, re.sub(r"điểm|và|hoặc", " ", m.group("points") or "")))
        for u in units_of(target):
            if u.clause == ref_clause and (not points or u.point in points):
                out.append(_lead_words(u.text, SUBJECT_WORDS))
    return "; ".join(dict.fromkeys(t for t in out if t))[:SUBJECT_CHARS]


def chunk_subjects(text: str, article: str, units_of: UnitsOf) -> str:
    """Every subject a chunk of one article refers to, each line read within its own khoản."""
    out: list[str] = []
    clause: str | None = None
    for line in text.splitlines():
        numbered = re.match(r"^(\d{1,2})\.", line)
        clause = numbered.group(1) if numbered else clause
        found = referenced_subjects(line, article, clause, units_of)
        if found:
            out.append(found)
    return "; ".join(dict.fromkeys(out))[:SUBJECT_CHARS]
