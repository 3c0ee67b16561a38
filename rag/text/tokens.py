"""Vietnamese tokens for keyword search.

Each text yields two fields: its syllables, and its words as underthesea segments
them (prefixed with ``=``, one term per word however many syllables it has).
Every term also appears folded without diacritics (prefixed with ``~``), so a
query typed without accents meets the same documents.

Keeping words in their own field, rather than adding compounds to the syllable
bag, stops a common multi-syllable phrase ("tác dụng phụ") from being counted
once per syllable and again per sub-phrase, which drowned out a rare one-syllable
name ("Amilavil") in the same question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rag.text.normalize import canonical, diacritic_ratio, fold, nfc

FOLD_PREFIX = "~"
WORD_PREFIX = "="
# Bumped whenever doc_terms changes: an index whose terms are older needs re-ingesting.
TERMS_VERSION = 2
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
_MAX_NGRAM = 4


@lru_cache(maxsize=1)
def _word_tokenize():  # type: ignore[no-untyped-def]
    # Imported lazily: underthesea is slow to import and only word_tokenize is
    # safe offline (its other pipelines download models).
    from underthesea import word_tokenize

    return word_tokenize


def words(text: str) -> list[list[str]]:
    """Segment into words, each a list of lower-cased canonical syllables."""
    text = canonical(text)
    out: list[list[str]] = []
    for chunk in _split_long(text):
        out.extend(list(w) for w in _segment(chunk))
    return out


@lru_cache(maxsize=20_000)
def _segment(line: str) -> tuple[tuple[str, ...], ...]:
    # Lines repeat (overlap sentences between chunks, headings, a passage seen by many questions):
    # the CRF segmenter is the slowest step of ingest and of judging a passage, so each line is done once.
    try:
        segmented = _word_tokenize()(line)
    except Exception:  # noqa: BLE001 - a segmenter failure must not lose the text
        segmented = line.split()
    out = []
    for w in segmented:
        syl = tuple(s.lower() for s in _TOKEN_RE.findall(w))
        if syl:
            out.append(syl)
    return tuple(out)


def _split_long(text: str, limit: int = 2000) -> Iterable[str]:
    # The CRF segmenter is quadratic-ish on very long lines; feed it line-sized pieces.
    for line in text.splitlines():
        line = line.strip()
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            yield line[:cut]
            line = line[cut:].strip()
        if line:
            yield line


def doc_terms(text: str) -> list[str]:
    terms: list[str] = []
    for syl in words(text):
        terms.extend(syl)
        terms.append(WORD_PREFIX + "_".join(syl))
    terms.extend([FOLD_PREFIX + fold(t) for t in terms])
    return terms


def is_word_term(term: str) -> bool:
    return term.removeprefix(FOLD_PREFIX).startswith(WORD_PREFIX)


def term_syllables(term: str) -> list[str]:
    """The syllable terms a term is made of, keeping its folded prefix."""
    prefix = FOLD_PREFIX if term.startswith(FOLD_PREFIX) else ""
    return [prefix + p for p in term.removeprefix(prefix).removeprefix(WORD_PREFIX).split("_")]


def syllables(text: str) -> list[str]:
    return [s.lower() for s in _TOKEN_RE.findall(canonical(text))]


def strip_stop_phrases(text: str) -> str:
    """Remove question words and fillers ("là gì", "bao nhiêu"…) from a question."""
    return strip_phrases(text, "query_stopwords")


def strip_asker(text: str) -> str:
    """Remove how the asker speaks of themselves and their family ("tôi", "bố tôi", "con tôi"): the
    documents never say them, so they are neither search words nor words an answer must cover."""
    return cut_phrases(text, "asker")


def cut_phrases(text: str, name: str) -> str:
    """The text without the phrases of lexicon ``name``, otherwise as written (its case and punctuation
    matter to word segmentation). Typed without diacritics, one-syllable phrases are kept: "toi" is also
    "tội" and "tới"."""
    from rag.text import lexicon

    plain = diacritic_ratio(text) < 0.15
    text = nfc(text)
    # fold() keeps an NFC text's length, so a match in the folded text marks the same span in the original.
    hay = fold(text) if plain else text.lower()
    spans = []
    for phrase in sorted(lexicon.raw_lines(name), key=len, reverse=True):
        if plain and " " not in phrase:
            continue
        key = fold(phrase) if plain else nfc(phrase).lower()
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in key.split()) + r"(?!\w)"
        spans += [m.span() for m in re.finditer(pattern, hay)]
    if not spans:
        return text
    keep = [True] * len(text)
    for a, b in spans:
        keep[a:b] = [False] * (b - a)
    out = re.sub(r"\s+", " ", "".join(c if k else " " for c, k in zip(text, keep))).strip()
    return out if re.search(r"\w", out) else text


def strip_phrases(text: str, name: str) -> str:
    """Remove the phrases of lexicon ``name`` from a text.

    Accent-aware: with diacritics typed, "là" does not remove "lá"; without them, folded
    forms are compared. Returns the text unchanged if nothing would be left.
    """
    from rag.text import lexicon

    plain = diacritic_ratio(text) < 0.15
    syl = syllables(text)
    keys = [fold(s) for s in syl] if plain else syl
    raw = lexicon.raw_lines(name)
    phrases = [fold(p).split() if plain else canonical(p).lower().split() for p in raw]
    keep = [True] * len(syl)
    for ph in sorted(phrases, key=len, reverse=True):
        n = len(ph)
        for i in range(len(keys) - n + 1):
            if keys[i:i + n] == ph and all(keep[i:i + n]):
                keep[i:i + n] = [False] * n
    out = " ".join(s for s, k in zip(syl, keep) if k)
    return out or text


def query_terms(text: str, vocabulary: set[str] | dict[str, int]) -> list[str]:
    """Terms for a query: its syllables, and its words segmented against the index.

    Words are found by longest match against the index's own word vocabulary
    (rather than trusting the segmenter on a short question), which keeps query
    and document words aligned and works for text typed without diacritics.
    """
    typed_plain = diacritic_ratio(text) < 0.15
    syl = syllables(text)
    if typed_plain:
        syl = [fold(s) for s in syl]
        prefix = FOLD_PREFIX
    else:
        prefix = ""
    terms = [prefix + s for s in syl]
    word = prefix + WORD_PREFIX
    i = 0
    while i < len(syl):
        for n in range(min(_MAX_NGRAM, len(syl) - i), 0, -1):
            cand = word + "_".join(syl[i : i + n])
            if cand in vocabulary:
                terms.append(cand)
                i += n
                break
        else:
            i += 1
    return terms
