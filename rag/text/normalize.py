"""Vietnamese text normalization for search keys.

Displayed text always keeps the document's own spelling; these functions only
build the keys that indexing and matching compare.
"""

from __future__ import annotations

import re
import unicodedata

# Combining marks for the five Vietnamese tones.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
# Vowels that carry a shape mark (circumflex, breve, horn) attract the tone.
_MARKED = set("âăêôơư")
_VOWELS = set("aăâeêioôơuưy")
_WORD_RE = re.compile(r"\w+", re.UNICODE)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _split_tone(syllable: str) -> tuple[str, str]:
    """Return the syllable without its tone mark (NFC) and the tone mark ('' if none)."""
    tone = ""
    kept = []
    for ch in unicodedata.normalize("NFD", syllable):
        if ch in _TONES:
            tone = ch
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), tone


def _tone_position(base: str) -> int:
    """Index of the vowel that carries the tone, following the common (old) style:
    hòa, khỏe, thủy, but hoàng, quý, già."""
    low = base.lower()
    start = 0
    if low.startswith("qu") and len(low) > 2 and low[2] in _VOWELS:
        start = 2
    elif low.startswith("gi") and len(low) > 2 and low[2] in _VOWELS:
        start = 2
    idx = [i for i in range(start, len(low)) if low[i] in _VOWELS]
    if not idx:
        idx = [i for i in range(len(low)) if low[i] in _VOWELS]
        if not idx:
            return -1
    # Only the first contiguous vowel run is the nucleus.
    run = [idx[0]]
    for i in idx[1:]:
        if i == run[-1] + 1:
            run.append(i)
        else:
            break
    marked = [i for i in run if low[i] in _MARKED]
    if marked:
        return marked[-1]
    has_coda = run[-1] < len(low) - 1
    if len(run) == 1:
        return run[0]
    if has_coda:
        return run[-1]
    if len(run) == 2:
        return run[0]
    return run[1]


def canonical_syllable(syllable: str) -> str:
    base, tone = _split_tone(syllable)
    if not tone:
        return base
    pos = _tone_position(base)
    if pos < 0:
        return base
    decomposed = unicodedata.normalize("NFD", base[pos]) + tone
    return base[:pos] + unicodedata.normalize("NFC", decomposed) + base[pos + 1 :]


def canonical(text: str) -> str:
    """NFC text with tone marks placed one way, so hoà/hòa and thuỷ/thủy compare equal."""
    return _WORD_RE.sub(lambda m: canonical_syllable(m.group(0)), nfc(text))


def strip_diacritics(text: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch) == "Mn":
            continue
        out.append(ch)
    return "".join(out).replace("đ", "d").replace("Đ", "D")


def search_key(text: str) -> str:
    """Lower-cased canonical form used to compare text across spellings."""
    return canonical(text).lower()


def fold(text: str) -> str:
    """Lower-cased, diacritic-free form: matches queries typed without accents."""
    return strip_diacritics(nfc(text)).lower()


def diacritic_ratio(text: str) -> float:
    """Share of alphabetic words that carry any Vietnamese mark (0 when none are typed)."""
    words = [w for w in _WORD_RE.findall(nfc(text)) if w.isalpha()]
    if not words:
        return 0.0
    marked = sum(1 for w in words if strip_diacritics(w) != w)
    return marked / len(words)


# Format characters (Cf: zero-width space/joiners, BOM, bidi controls), control characters (Cc),
# private-use and unpaired surrogates. Combining marks (Mn) are kept: decomposed Vietnamese
# ("e" + U+0302 + U+0301) is still Vietnamese.
_DROP_CATEGORIES = {"Cf", "Cc", "Co", "Cs"}
_LINE_CONTROLS = {"\n", "\r", "\t", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"}


def clean_input(text: str) -> str:
    """Text a person typed, without characters that are invisible or that break matching.

    Line breaks and tabs become spaces; NUL, other control characters and zero-width
    characters are dropped; the result is NFC. Every entry point (API, page, widget, CLI)
    goes through this before anything else reads the question.
    """
    out = []
    for ch in text:
        if ch in _LINE_CONTROLS:
            out.append(" ")
        elif unicodedata.category(ch) not in _DROP_CATEGORIES:
            out.append(ch)
    return nfc("".join(out))
