"""Text tools every later stage shares: Unicode and diacritics (normalize), search terms and
Vietnamese word segmentation (tokens), abbreviations, document numbers, and the word lists (lexicon).

Imports nothing of ``rag`` but settings and errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.lazy import lazy_exports

if TYPE_CHECKING:
    from rag.text.abbrev import expand_abbreviations, substitute_abbreviations
    from rag.text.normalize import canonical, clean_input, diacritic_ratio, fold, nfc
    from rag.text.numbers import DOC_NUMBER_RE
    from rag.text.tokens import doc_terms, query_terms, syllables, words

__all__ = [
    "DOC_NUMBER_RE", "canonical", "clean_input", "diacritic_ratio", "doc_terms", "expand_abbreviations", "fold", "nfc",
    "query_terms", "substitute_abbreviations", "syllables", "words"
]
__getattr__ = lazy_exports(__name__, {
    "canonical": "normalize", "clean_input": "normalize", "diacritic_ratio": "normalize", "fold": "normalize", "nfc": "normalize",
    "doc_terms": "tokens", "query_terms": "tokens", "syllables": "tokens", "words": "tokens",
    "expand_abbreviations": "abbrev", "substitute_abbreviations": "abbrev",
    "DOC_NUMBER_RE": "numbers",
})
