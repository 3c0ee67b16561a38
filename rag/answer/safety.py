"""Health-safety routing before retrieval: emergencies and personal medical advice.

Matching is on lower-cased text without diacritics, on whole words, so
"kho tho" and "khó thở" are the same. A sign alone is not enough: the message
must be about someone's situation now, and policy questions that mention a
disease or a hospital are left to the documents.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

from rag.text import lexicon
from rag.text.abbrev import full_forms
from rag.text.normalize import diacritic_ratio, fold, search_key

Route = Literal["emergency", "medical_advice"]


@cache
def _pattern(name: str, plain: bool) -> re.Pattern[str]:
    # With diacritics typed, compare accented forms ("liều" must not match "nguyên liệu");
    # without them, compare folded forms.
    words = lexicon.phrases(name) if plain else tuple(search_key(w) for w in lexicon.raw_lines(name))
    words = tuple(sorted(set(words), key=len, reverse=True))
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


def route(question: str, plain: bool | None = None) -> Route | None:
    """Emergency or personal medical advice: a fixed message instead of an answer. ``plain``: typed
    without diacritics, when the caller already knows."""
    plain = diacritic_ratio(question) < 0.15 if plain is None else plain
    # "bhyt" in lower case is a policy word too: its full form counts ("thuoc ho can ngheo" is not cough syrup).
    question = " ; ".join([question, *full_forms(question)])
    text = re.sub(r"\s+", " ", fold(question) if plain else search_key(question))

    def has(name: str) -> bool:
        return bool(_pattern(name, plain).search(text))

    policy = has("policy_markers")
    if has("emergency_always"):
        return "emergency"
    if has("emergency_signs") and has("personal_markers") and not policy:
        return "emergency"
    if has("medical_advice") and not policy:
        return "medical_advice"
    return None


_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")


def strip_injection(question: str) -> str:
    """Drop sentences that try to change the rules; the rest is the real question (may be empty).

    The rules themselves never change either way; this only keeps such words out of the search.
    """
    cues = lexicon.phrases("injection_cues")
    kept = []
    for sentence in _SENTENCE_RE.findall(question):
        low = fold(sentence)
        if any(re.search(rf"(?<!\w){re.escape(c)}(?!\w)", low) for c in cues):
            continue
        kept.append(sentence.strip())
    return " ".join(kept).strip()
