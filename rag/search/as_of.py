"""A date in a question is when to judge validity, not words to search.

Citizens write "… từ 1/7/2025?", "từ ngày 01/7/2025 theo Luật … sửa đổi", "năm 2025", "hiện nay".
Searched as words, "1", "7" and "2025" match any provision that happens to hold those numbers, and
they count as words a passage must cover. Read as a date, they say which provisions were in force:
the question is answered as ``HOIDAP_ANSWER__AS_OF`` answers every question, for that one question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rag.text.normalize import fold

# Cue words that make a number a date in a question ("từ", "kể từ", "vào", "trong" …),
# matched on the folded question so "tu 1/7/2025" typed without diacritics reads the same.
_CUE = r"(?:(?:ke\s+)?tu|bat\s+dau\s+tu|vao|tai|trong|cho)"
_DMY = r"(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>(?:19|20)\d{2})"
_WORDY = r"(?P<d2>\d{1,2})\s+thang\s+(?P<m2>\d{1,2})\s+nam\s+(?P<y2>(?:19|20)\d{2})"
_MY = r"(?P<m3>\d{1,2})\s*/\s*(?P<y3>(?:19|20)\d{2})"
_PATTERNS = (
    # "từ ngày 01/7/2025", "ngày 1-7-2025", "1/7/2025" (three parts: never a document number's "146/2018/NĐ-CP")
    re.compile(rf"(?:{_CUE}\s+)?(?:(?:ngay|hom)\s+)?(?:{_DMY}|{_WORDY})(?![\w/])"),
    # "từ tháng 7/2025", "từ 7/2025" (month and year need a cue: "12/2025" alone may be a document's number)
    re.compile(rf"(?:{_CUE}\s+(?:thang\s+)?|thang\s+){_MY}(?![\w/])"),
    # "từ năm 2025", "năm 2025", "trong năm 2026"
    re.compile(r"(?:(?P<from>(?:ke\s+)?tu|bat\s+dau\s+tu)\s+|(?:vao|trong|cho)\s+)?nam\s+(?P<y4>(?:19|20)\d{2})(?![\w/])"),
)
# "đến năm 2030", "trước ngày 31/12/2025", "hạn chót": a deadline or a target, which the question asks
# about (it is the answer's subject), not the day to judge validity on.
_DEADLINE_BEFORE = re.compile(r"\b(?:den|toi|truoc|sau|han|cham\s+nhat|muc\s+tieu)\s*(?:ngay|thang|nam)?\s*$")
_SINCE = re.compile(r"(?:ke\s+)?tu\b|bat\s+dau\s+tu\b")
# "hiện nay", "hiện hành", "bây giờ": today, said in words that are not the question's subject.
_NOW = re.compile(r"(?:(?:vao\s+)?thoi\s+diem\s+)?\b(?:hien\s+nay|hien\s+hanh|hien\s+tai|bay\s+gio|luc\s+nay)\b")


@dataclass(frozen=True)
class AsOf:
    """What a question's date says: the ISO date to judge validity on (None: the settings' date), and
    the question without the words that said it."""

    date: str | None
    text: str


def _iso(y: str, m: str, d: str) -> str | None:
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


# "Luật Bảo hiểm y tế năm 2008", "Nghị định … năm 2018": a year that names a document, not a date.
_DOC_BEFORE = re.compile(r"\b(?:luat|nghi\s+dinh|thong\s+tu|quyet\s+dinh|nghi\s+quyet|hien\s+phap|phap\s+lenh|"
                         r"van\s+ban|vbhn)\b[^?.,;]{0,60}$")


def _date_of(m: re.Match[str], today: str, before: str) -> str | None:
    g = m.groupdict()
    if _DEADLINE_BEFORE.search(before):
        return None
    if g.get("y"):
        return _iso(g["y"], g["m"], g["d"])
    if g.get("y2"):
        return _iso(g["y2"], g["m2"], g["d2"])
    if g.get("y3"):
        return _iso(g["y3"], g["m3"], "1")
    year = g["y4"]
    if (not g.get("from") and _DOC_BEFORE.search(before)) or year > today[:4]:
        return None  # a law named by its year, or a target year ("năm 2030"): the question's subject
    if g.get("from") or year != today[:4]:
        # "từ năm 2026": from its first day; "năm 2024": what was in force at its end.
        return _iso(year, "1", "1") if g.get("from") else _iso(year, "12", "31")
    return today


def read_as_of(question: str, today: str) -> AsOf:
    """The date a question asks about, and the question without it (unchanged when it names none)."""
    folded = "".join(fold(ch)[:1] or ch for ch in question)  # one folded character per character
    for pattern in _PATTERNS:
        m = pattern.search(folded)
        if m is None:
            continue
        when = _date_of(m, today, folded[:m.start()])
        if when is None:
            continue
        since = bool(_SINCE.match(folded, m.start()))
        if since and when < today:
            # "từ 1/7/2025" asks what applies from then on, today included: a decree that lapsed since
            # does not answer it, one in force throughout does. So a past "từ" date is judged today.
            when = today
        if m.groupdict().get("y4") and not since:
            # "Mức lương cơ sở năm 2025": a bare year also says which value is asked for (salaries, rates and
            # targets change by year), so it stays in the question while it sets the validity date.
            return AsOf(when, question)
        return AsOf(when, _without(question, m.start(), m.end()))
    m = _NOW.search(folded)
    if m is not None:
        return AsOf(None, _without(question, m.start(), m.end()))
    return AsOf(None, question)


def _without(text: str, start: int, end: int) -> str:
    rest = re.sub(r"\s+([?.,;:!])", r"\1", f"{text[:start]} {text[end:]}")
    rest = re.sub(r"\s{2,}", " ", rest).strip(" ,;")
    # A question that was only a date keeps its words: there is nothing else to search.
    return rest if re.search(r"\w{2,}", rest) else text
