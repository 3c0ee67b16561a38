"""`python -m eval diacritics`: how well diacritics are put back on questions typed without them.

Every question of a set is typed without its diacritics, restored as the assistant restores a plain question,
and compared syllable by syllable with how it was written. The same is done by each syllable's most frequent
form in the index (the restorer's fallback where no neighbour says otherwise), for comparison.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from rag.index.keyword import KeywordIndex
from rag.search.retriever import Retriever
from rag.settings import Settings
from rag.text.normalize import fold
from rag.text.tokens import FOLD_PREFIX, is_word_term


def _most_frequent(index: KeywordIndex) -> dict[str, str]:
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for term, j in index.vocab.items():
        if not term.startswith(FOLD_PREFIX) and not is_word_term(term):
            forms[fold(term)][term] += int(index.term_counts[j])
    return {k: c.most_common(1)[0][0] for k, c in forms.items()}


def _share_right(questions: list[str], restore: Any) -> tuple[float, float]:
    """Share of syllables restored as written, and milliseconds per question."""
    right = total = 0
    start = time.perf_counter()
    for q in questions:
        gold = re.findall(r"\w+", q.lower())
        got = re.findall(r"\w+", restore(fold(q)).lower())
        total += len(gold)
        if len(got) == len(gold):
            right += sum(a == b for a, b in zip(gold, got, strict=True))
    return round(right / max(total, 1), 4), round((time.perf_counter() - start) * 1000 / max(len(questions), 1), 1)


def diacritics(settings: Settings, questions_file: Path) -> dict[str, Any]:
    retriever = Retriever(settings)
    index = retriever.keyword()
    index.ensure_built()
    questions = [json.loads(line)["question"] for line in questions_file.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    frequent = _most_frequent(index)
    restorer = retriever.restorer()
    restored, ms = _share_right(questions, restorer.restore)
    baseline, _ = _share_right(questions, lambda t: " ".join(frequent.get(w, w) for w in re.findall(r"\w+", t)))
    return {"questions": len(questions), "syllables_right": restored, "ms_per_question": ms,
            "most_frequent_form": baseline}
