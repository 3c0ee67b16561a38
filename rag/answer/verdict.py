"""Yes/no questions that the provision itself settles: "Khám sức khỏe định kỳ có được BHYT thanh toán
không?" is answered "Không." when the quoted khoản stands under "Các trường hợp không được hưởng bảo hiểm
y tế", and "Có." under a lead that grants ("được quỹ bảo hiểm y tế thanh toán", "có quyền"). Where
neither the article's heading, the khoản's lead nor the provision says so, no verdict is given: the
provision is quoted and the reader decides.
"""

from __future__ import annotations

import re
from functools import cache

from rag.answer.evidence import QuestionWords, covered_terms, term_present
from rag.search.question import Question
from rag.text import lexicon
from rag.text.normalize import fold

_ASKS_RE = re.compile(r"\bduoc\b.*\bkhong\s*[?.!]*\s*$")


@cache
def _cues(name: str) -> tuple[str, ...]:
    return tuple(sorted(lexicon.phrases(name), key=len, reverse=True))


def _found(text: str, name: str) -> list[str]:
    return [c for c in _cues(name) if re.search(rf"(?<!\w){re.escape(c)}(?!\w)", text)]


def _affirmed(text: str, name: str) -> list[str]:
    """Cues the text says without negating them: "chưa được cấp thẻ" does not grant a card."""
    return [c for c in _cues(name)
            if re.search(rf"(?<!\w)(?<!khong )(?<!chua )(?<!chang ){re.escape(c)}(?!\w)", text)]


def _has(text: str, name: str) -> bool:
    return bool(_found(text, name))


def asks_yes_no(q: Question) -> bool:
    """'… có được … không?': asks whether something is granted, in the affirmative."""
    if not _ASKS_RE.search(q.folded):
        return False
    # "… không được hưởng … không?" asks about a denial: a verdict would have to negate it.
    return not _has(re.sub(r"\bkhong\s*[?.!]*\s*$", "", q.folded), "denials")


def verdict(q: Question, heading: str, lines: list[str]) -> bool | None:
    """True (Có), False (Không) or None (the text does not say), from the provision's governing words:
    its article's heading, its khoản's lead, and its own first line."""
    if not asks_yes_no(q) or not lines:
        return None
    first = lines[0].rstrip()
    # A heading or a lead ("… như sau:") governs every item under it; the provision's own sentence
    # settles the question only in the question's own words ("được cấp lại" asked, "được cấp lại" said).
    governing = fold(_governing(heading, lines)[0])
    if _has(governing, "denials"):
        return False
    if _has(governing, "grants"):
        return True
    own = fold(first)
    if any(c in q.folded for c in _found(own, "denials")):
        return False
    if any(c in q.folded for c in _affirmed(own, "grants")):
        return True
    return None


_SPEAKS_SHARE = 1 / 3


def _governing(heading: str, lines: list[str]) -> tuple[str, list[str]]:
    """The words that govern a quoted provision (its article's heading, and its khoản's lead when the first line
    ends in ":"), and the lines they govern."""
    lead = lines[0].rstrip().endswith(":")
    return (f"{heading}\n{lines[0].rstrip()}" if lead else heading), (lines[1:] if lead else lines)


@cache
def _predicate_terms() -> frozenset[str]:
    """The words of what is granted or denied ("chi trả", "thanh toán", "cấp lại"): the question's predicate."""
    return covered_terms("\n".join(lexicon.raw_lines("grants") + lexicon.raw_lines("denials")))


def speaks_of(qwords: QuestionWords, heading: str, lines: list[str]) -> bool:
    """Whether the provision itself says what the question asks about, beyond the words that grant or deny
    and those of its heading and lead: a lead that grants ("… được quỹ bảo hiểm y tế thanh toán …:") says
    nothing of "khám sức khỏe định kỳ" through an item about five years' membership. A third of the rest of
    the question (by weight) must be in the provision's own words: the law names things its own way ("chẩn
    đoán thai" for "siêu âm xem thai là trai hay gái" says 0.35 of it, "tật khúc xạ của mắt … 18 tuổi" for "20
    tuổi đi mổ mắt cận thị" 0.49), and the unrelated item said 0.19."""
    if not lines:
        return False
    heading_and_lead, items = _governing(heading, lines)
    governing, own = covered_terms(heading_and_lead), covered_terms("\n".join(items))
    said = unsaid = 0.0
    for term, weight in zip(qwords.words, qwords.weights):
        if term_present(term, governing) or term_present(term, _predicate_terms()):
            continue
        if term_present(term, own):
            said += weight
        else:
            unsaid += weight
    return said >= _SPEAKS_SHARE * (said + unsaid)
