"""Abbreviations (NQ, BHYT, KCB, CĐS, HSSK…) and their full forms, for queries and documents alike."""

from __future__ import annotations

import re

from rag.text import lexicon
from rag.text.numbers import DOC_NUMBER_RE

_ABBR_RE = re.compile(r"[A-ZĐ]{2,6}")


def expand_abbreviations(query: str) -> tuple[str, list[str]]:
    """Append the full form of known abbreviations written in capitals (NQ, BHYT, AI…), or in lower case from
    three letters ("bhyt", "ubnd"; shorter ones such as "ai" are ordinary words), as `substitute_abbreviations`."""
    table = {k.upper(): v for k, v in lexicon.table("abbreviations")}
    found: list[str] = []
    # Letters inside a document number (57-NQ/TW) are part of the number, not words to expand.
    bare = DOC_NUMBER_RE.sub(" ", query)
    words = [m.group(0) for m in _ABBR_RE.finditer(bare)]
    words += [w for w in _WORD_RE.findall(bare) if len(w) >= 3 and not w.isupper()]
    written = query
    for word in words:
        full = table.get(word.upper())
        if full and not word.isupper():
            # Written as the abbreviation it is: the embedded model reads "bhyt" as a stray word, "BHYT" not.
            written = re.sub(rf"\b{re.escape(word)}\b", word.upper(), written)
        if full and full not in found and full.lower() not in query.lower():
            found.append(full)
    return (f"{written} ({'; '.join(found)})" if found else written), found


_WORD_RE = re.compile(r"\b\w{2,6}\b")


def substitute_abbreviations(text: str) -> str:
    """The question with its abbreviations written out ("BHYT" → "bảo hiểm y tế"), for judging which of
    its words a passage covers. Lower-case forms count from three letters ("bhyt", "kcb"): shorter ones
    ("ai", "nq") are ordinary words when not capitalised."""
    table = {k.upper(): v for k, v in lexicon.table("abbreviations")}
    numbers = [m.span() for m in DOC_NUMBER_RE.finditer(text)]

    def repl(m: re.Match[str]) -> str:
        word = m.group(0)
        if any(a <= m.start() < b for a, b in numbers):
            return word
        full = table.get(word.upper())
        if full and (word.isupper() or len(word) >= 3):
            return full
        return word

    return _WORD_RE.sub(repl, text)


_WORD_RE = re.compile(r"\w+")


def full_forms(text: str, min_letters: int = 3) -> list[str]:
    """Full forms of the abbreviations a text uses in any case ("bhyt", "Bhyt"): citizens typing without
    diacritics often type in lower case too. Two-letter ones are left out: "ai" is also "who"."""
    table = {k.lower(): v for k, v in lexicon.table("abbreviations") if len(k) >= min_letters}
    return list(dict.fromkeys(table[w] for w in _WORD_RE.findall(text.lower()) if w in table))
