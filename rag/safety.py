"""Health-safety routing before retrieval: emergencies and personal medical advice.

Matching is on lower-cased text without diacritics, on whole words, so
"kho tho" and "khó thở" are the same. A sign alone is not enough: the message
must be about someone's situation now, and policy questions that mention a
disease or a hospital are left to the documents.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from rag import lexicon
from rag.textnorm import fold

Route = Literal["emergency", "medical_advice"]


@lru_cache(maxsize=None)
def _pattern(name: str) -> re.Pattern[str]:
    words = sorted(lexicon.phrases(name), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


def _has(name: str, text: str) -> bool:
    return bool(_pattern(name).search(text))


def route(question: str) -> Route | None:
    text = fold(question)
    text = re.sub(r"\s+", " ", text)
    policy = _has("policy_markers", text)
    if _has("emergency_always", text):
        return "emergency"
    personal = _has("personal_markers", text)
    if _has("emergency_signs", text) and personal and not policy:
        return "emergency"
    if _has("medical_advice", text) and not policy:
        return "medical_advice"
    return None
