"""What a candidate's ranking score is made of: the FEATURES, and the weights `python -m rag fit` learns for them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.documents.citations import article_heading
from rag.errors import InvalidInputError
from rag.index.keyword import KeywordIndex
from rag.text.tokens import doc_terms

# How much more of the question (by rarity) the heading of a document no longer in force must say than any in
# force for its article to stop yielding (the same margin as the answer's lexical one).
HEADING_MORE = 0.1

FEATURES = ("dense", "keyword", "named_document", "not_in_force", "aside_from_the_rule", "heading", "role_heading")


@lru_cache(maxsize=4)
def load_weights(path: str) -> np.ndarray | None:
    """Weights fitted by `python -m rag fit` (a JSON file naming its FEATURES); None: the settings' weights."""
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"Ranker weights {path} are unreadable ({exc}); refit with `python -m rag fit`.") from exc
    if tuple(data.get("features") or ()) != FEATURES:
        raise InvalidInputError(f"Ranker weights {path} are for other features; refit with `python -m rag fit`.")
    return np.asarray(data["weights"], dtype=np.float32)


@lru_cache(maxsize=20_000)
def heading_terms(section: str) -> frozenset[str]:
    """Search terms of the article heading in a chunk's path ('Chương I › Điều 3. Nguyên tắc … › khoản 1')."""
    heading = article_heading(section)
    return frozenset(doc_terms(heading)) if heading else frozenset()


def asked_weights(terms: Iterable[str], index: KeywordIndex) -> dict[str, float]:
    """Each distinct search term of a question with its rarity (idf), for the terms the index knows."""
    return {t: float(index.idf[index.vocab[t]]) for t in set(terms) if t in index.vocab}


def heading_share(asked: dict[str, float], section: str) -> float:
    """How much of the question (by rarity) the article heading in a chunk's path says, from 0 to 1."""
    total = sum(asked.values())
    if not total:
        return 0.0
    heading = heading_terms(section)
    return sum(w for t, w in asked.items() if t in heading) / total
