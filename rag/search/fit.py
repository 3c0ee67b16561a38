"""`python -m rag fit`: the ranking weights, learned from questions with gold articles, and proved on folds
they were not fitted on.

Each labelled question is retrieved as it would be answered; every candidate chunk becomes a row of
``FEATURES`` (rag.search.ranking), labelled 1 when its article is one of the question's gold articles. A
logistic regression (scikit-learn) fits the weights; a candidate's score is its row times them, as the
settings' hand-set weights do. Figures are article hit@1 and hit@5 of the ranking, for the settings' weights
and for fitted ones, on the folds fitted on and on held-out folds: k-fold by question, and leave-one-law-out
where questions name their law (ALQAC).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import InvalidInputError
from rag.search.ranking import FEATURES
from rag.search.retriever import Retriever
from rag.settings import Settings


@dataclass
class Labelled:
    """One question's candidates: their features, whether each is a gold article, and their article keys."""

    group: str  # the law (leave-one-law-out) or the dataset
    features: np.ndarray
    gold: np.ndarray
    articles: list[tuple[str, str]]


def _article_key(source: str, article: str) -> tuple[str, str]:
    return Path(source).name, str(article).lower()


def collect(settings: Settings, questions: Path, group_field: str = "law") -> list[Labelled]:
    """Candidates and labels of every question of a JSONL set (``question``, ``legal_basis``) on the index of
    ``settings``."""
    retriever = Retriever(settings)
    retriever.count_headings = True
    index = retriever.keyword()
    out = []
    for n, line in enumerate(questions.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        default = (row.get("sources") or [""])[0]  # the golden format names the law once, in "sources"
        gold = {_article_key(b.get("source") or default, b["article"]) for b in row.get("legal_basis") or []}
        if not gold:
            continue
        found = retriever.candidates(retriever.analyse(row["question"]))
        if found is None:
            continue
        cands, _, _, features = found
        keys = [_article_key(index.get(c).doc_source, str(index.get(c).metadata.get("article") or "")) for c in cands]
        out.append(Labelled(str(row.get(group_field) or questions.stem), features,
                            np.array([k in gold for k in keys], dtype=bool), keys))
        if n % 25 == 0:
            print(f"  {questions.name}: {n} questions", file=sys.stderr, flush=True)
    return out


def hits(items: list[Labelled], weights: np.ndarray) -> dict[str, float]:
    """Article hit@1 and hit@5 of the ranking the weights give."""
    at1 = at5 = 0
    for it in items:
        order = np.argsort(-(it.features @ weights), kind="stable")
        seen: list[tuple[str, str]] = []
        for i in order:
            if it.articles[i] not in seen:
                seen.append(it.articles[i])
            if len(seen) == 5:
                break
        golden = {it.articles[i] for i in np.nonzero(it.gold)[0]}
        at1 += bool(seen and seen[0] in golden)
        at5 += bool(set(seen) & golden)
    n = max(len(items), 1)
    return {"questions": len(items), "hit_at_1": round(at1 / n, 3), "hit_at_5": round(at5 / n, 3)}


# Fitted from the labelled questions. The others keep the settings' weights: no labelled question names its
# document or asks about amendments, so the data cannot say what those are worth. Rights and duties questions
# ("… có trách nhiệm gì?") are few but labelled (the law and citizen sets).
FITTED = ("dense", "keyword", "not_in_force", "heading", "role_heading")


def fit(items: list[Labelled], defaults: np.ndarray, c: float = 1.0, fitted: tuple[str, ...] = FITTED) -> np.ndarray:
    """Weights of a logistic regression on every candidate row (balanced classes) for the ``fitted`` features.

    With the dense and keyword scores among them, the weights are scaled so those two add up to 1 as the
    settings' do (a ranking does not change with the scale), and the other features keep ``defaults``. Without
    them, the settings' weights of every feature not fitted make one anchor feature: its learned weight sets the
    scale, and only what the fitted features add on top of the settings' ranking is learned."""
    from sklearn.linear_model import LogisticRegression

    unknown = set(fitted) - set(FITTED)
    if unknown or not fitted:
        raise InvalidInputError(f"Features to fit must be among {', '.join(FITTED)}; got {', '.join(fitted) or 'none'}.")
    rows = np.vstack([it.features for it in items])
    cols = [FEATURES.index(f) for f in fitted]
    fusion = {"dense", "keyword"} <= set(fitted)
    fixed = [i for i in range(len(FEATURES)) if i not in cols]
    x = rows[:, cols] if fusion else np.column_stack([rows[:, fixed] @ defaults[fixed], rows[:, cols]])
    y = np.concatenate([it.gold for it in items])
    if y.all() or not y.any():
        raise InvalidInputError("The labelled questions give no positive or no negative candidate to learn from.")
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit(x, y)
    learned = model.coef_[0].astype(np.float32)
    out = defaults.astype(np.float32).copy()
    if fusion:
        pair = [fitted.index("dense"), fitted.index("keyword")]
        scale = float(learned[pair].sum())
        out[cols] = learned / scale if scale > 0 else learned
    else:
        scale = float(learned[0])
        out[cols] = learned[1:] / scale if scale > 0 else learned[1:]
    return out


def folds(items: list[Labelled], by_group: bool, k: int = 5) -> list[tuple[str, list[int], list[int]]]:
    """(name, train, test) index lists: leave one group out, or k folds by question (a fixed interleave)."""
    if by_group:
        groups = sorted({it.group for it in items})
        return [(g, [i for i, it in enumerate(items) if it.group != g], [i for i, it in enumerate(items)
                                                                          if it.group == g]) for g in groups]
    return [(f"fold{f}", [i for i in range(len(items)) if i % k != f], [i for i in range(len(items)) if i % k == f])
            for f in range(k)]


def _scored(pairs: list[tuple[np.ndarray, Labelled]]) -> dict[str, float]:
    """Article hit@1/@5 of questions, each ranked by the weights of the fit that held it out."""
    each = [hits([it], w) for w, it in pairs]
    n = max(len(each), 1)
    return {"questions": len(each), "hit_at_1": round(sum(e["hit_at_1"] for e in each) / n, 3),
            "hit_at_5": round(sum(e["hit_at_5"] for e in each) / n, 3)}


def cross(items: list[Labelled], by_group: bool, defaults: np.ndarray, c: float,
          fitted: tuple[str, ...] = FITTED, sets: dict[str, list[Labelled]] | None = None) -> dict[str, Any]:
    """Fitted on the training folds, scored on them and on the held-out fold; summed over the folds. ``sets``:
    also report the held-out figures of each set's questions."""
    trained: list[dict[str, float]] = []
    scored_held: list[tuple[np.ndarray, Labelled]] = []
    for _, train, test in folds(items, by_group):
        if not train or not test:
            continue
        w = fit([items[i] for i in train], defaults, c, fitted)
        trained.append(hits([items[i] for i in train], w))
        scored_held += [(w, items[i]) for i in test]
    # Each set's questions as scored when held out of a fit on all sets' other folds.
    by_set = {}
    for name, members in (sets or {}).items():
        ids = {id(m) for m in members}
        by_set[name] = _scored([(w, it) for w, it in scored_held if id(it) in ids])
    return {"held_out": _scored(scored_held),
            "training_folds": {"hit_at_1": round(float(np.mean([t["hit_at_1"] for t in trained])), 3),
                               "hit_at_5": round(float(np.mean([t["hit_at_5"] for t in trained])), 3)},
            **({"held_out_by_set": by_set} if by_set else {})}


def report(sets: dict[str, list[Labelled]], defaults: np.ndarray, c: float,
           fitted: tuple[str, ...] = FITTED) -> dict[str, Any]:
    everything = [it for items in sets.values() for it in items]
    out: dict[str, Any] = {"features": list(FEATURES), "fitted": list(fitted), "c": c, "sets": {}}
    for name, items in sets.items():
        by_law = len({it.group for it in items}) > 1
        out["sets"][name] = {"settings_weights": hits(items, defaults),
                             "k_fold_by_question": cross(items, False, defaults, c, fitted),
                             **({"leave_one_law_out": cross(items, True, defaults, c, fitted)} if by_law else {})}
    # Leave one set out: a kind of question (the decree's, the competition's) that no fitted question was like.
    as_groups = {name: [Labelled(name, it.features, it.gold, it.articles) for it in items]
                 for name, items in sets.items()}
    out["all_sets"] = {"settings_weights": {name: hits(items, defaults) for name, items in sets.items()}
                       | {"all": hits(everything, defaults)},
                       "k_fold_by_question": cross(everything, False, defaults, c, fitted, sets),
                       **({"leave_one_set_out": cross([it for items in as_groups.values() for it in items], True,
                                                      defaults, c, fitted, as_groups)} if len(sets) > 1 else {})}
    return out
