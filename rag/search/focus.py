"""The sentence of a question that asks.

Citizens open with their story ("Chào anh chị, tôi năm nay 45 tuổi, làm nghề tự do ở quê, có chuyện này chưa
rõ nên muốn hỏi. Chi phí nạo phá thai có được BHYT chi trả không?"). Those words are no provision's: weighed like
the asked ones they pull search towards whatever shares them and make the documents look as if they did not hold
the answer. Over the 261 labelled legal questions given that opening, 148 were answered from the right article
(234 without it), most of the rest refused.

When the asking sentence names a topic of its own, it leads: search repeats its terms, its embedding joins the
whole question's, and the other sentences' words weigh less in coverage. An asking sentence that leans on the
story ("Vậy bố tôi có được miễn phí không?") leaves the question as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.text import lexicon
from rag.text.normalize import diacritic_ratio, fold, nfc

# A standalone asking sentence says this much (summed idf of its distinct syllables, question words left out):
# about two rare words. "Vậy có được hỗ trợ không?" says 4.4, "Chi phí nạo phá thai có được BHYT chi trả
# không?" 19; a tenth of the labelled one-sentence questions say less than 10.
ASKING_STANDALONE = 8.0
ASKING_REPEAT = 3  # search counts the asking sentence's terms this many times
CONTEXT_WEIGHT = 0.1  # coverage weight of the other sentences' words, relative to the asked ones

_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s+|\s*\n+\s*")


def sentences(text: str) -> list[str]:
    """The text's sentences, as typed (an empty piece is kept, so texts derived from one another align)."""
    return _SENTENCE_END_RE.split(text.strip())


# Typed without a question mark, the asking sentence still has a question word ("… có được không", "bao nhiêu").
_ASKS_RE = re.compile(r"\b(?:khong|gi|nao|bao nhieu|bao lau|sao|ai|dau|chua|hay|hoi)\b")


def asking(parts: list[str]) -> int:
    """Index of the sentence that asks: the last with a question mark, else the last with a question word,
    else the last with words."""
    for test in (lambda s: "?" in s, lambda s: bool(_ASKS_RE.search(fold(s))), lambda s: bool(re.search(r"\w", s))):
        found = [i for i, s in enumerate(parts) if test(s)]
        if found:
            return found[-1]
    return len(parts) - 1


def points_back(sentence: str) -> bool:
    """Whether the sentence refers to what was told before it ("trường hợp này", "ông ấy"). Typed without
    diacritics, one-syllable pointers are not read: "ba" is also "ba" (three) and "bà". (Not cut_phrases: that
    keeps a sentence the phrases would empty, and "Đúng hay sai?" is all pointer.)"""
    plain = diacritic_ratio(sentence) < 0.15
    hay = fold(sentence) if plain else nfc(sentence).lower()
    for phrase in lexicon.raw_lines("story_pointers") + lexicon.raw_lines("followup_pronouns"):
        if plain and " " not in phrase:
            continue
        key = fold(phrase) if plain else nfc(phrase).lower()
        if re.search(rf"(?<!\w){re.escape(key)}(?!\w)", hay):
            return True
    return False


def asking_sentence(text: str, weight: Callable[[str], float], standalone: float) -> tuple[int, int] | None:
    """(index of the asking sentence, number of sentences) of ``sentences(text)`` when the question has others
    and the asking one names a topic of its own (``weight`` of its words at least ``standalone``); else None."""
    parts = sentences(text)
    if sum(1 for s in parts if re.search(r"\w", s)) < 2:
        return None
    k = asking(parts)
    return (k, len(parts)) if weight(parts[k]) >= standalone and not points_back(parts[k]) else None


def split_at(text: str, asking: tuple[int, int] | None) -> list[str] | None:
    """The sentences of a text derived from the question (restored, written out, stop words cut) when they
    align with the question's (the same number); None otherwise."""
    if asking is None:
        return None
    parts = sentences(text)
    return parts if len(parts) == asking[1] else None


def part(text: str, asking: tuple[int, int] | None) -> str | None:
    """The asking sentence of a text derived from the question, or None."""
    parts = split_at(text, asking)
    return parts[asking[0]] if parts and asking and re.search(r"\w", parts[asking[0]]) else None
