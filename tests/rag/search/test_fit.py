"""Learned ranking weights: fitted from questions with gold articles, reported on held-out folds, used when set."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.errors import InvalidInputError
from rag.search.fit import FITTED, Labelled, collect, cross, fit, hits
from rag.search.ranking import FEATURES, load_weights
from rag.search.retriever import Retriever
from rag.settings import PROJECT_ROOT, Settings
from tests.conftest import cli_env

LAW_SET = PROJECT_ROOT / "eval" / "datasets" / "law_bhyt.jsonl"


def _toy(n: int, seed: int) -> list[Labelled]:
    """Questions whose gold candidate the heading feature finds best, the keyword one a little."""
    rng = np.random.default_rng(seed)
    out = []
    for q in range(n):
        x = rng.normal(size=(20, len(FEATURES))).astype(np.float32)
        gold = np.zeros(20, dtype=bool)
        gold[q % 20] = True
        x[q % 20, FEATURES.index("heading")] += 3.0
        x[q % 20, FEATURES.index("keyword")] += 0.5
        out.append(Labelled(f"law{q % 3}", x, gold, [(f"law{q % 3}", str(i)) for i in range(20)]))
    return out


def test_fit_learns_what_finds_the_gold_and_keeps_the_unfitted_weights() -> None:
    defaults = np.array([0.6, 0.4, 1.0, -1.0, -0.3, 0.0, 1.0], dtype=np.float32)
    items = _toy(60, 1)
    w = fit(items, defaults)
    assert w[FEATURES.index("heading")] > 0.5 and abs(float(w[0] + w[1]) - 1.0) < 1e-5
    for f in set(FEATURES) - set(FITTED):
        assert w[FEATURES.index(f)] == defaults[FEATURES.index(f)]
    assert hits(items, w)["hit_at_1"] > hits(items, defaults)["hit_at_1"]
    report = cross(items, True, defaults, 1.0)
    assert report["held_out"]["questions"] == 60 and report["held_out"]["hit_at_1"] > hits(items, defaults)["hit_at_1"]
    with pytest.raises(InvalidInputError):
        fit([Labelled("x", items[0].features, np.zeros(20, dtype=bool), items[0].articles)], defaults)


def test_fitting_only_the_heading_keeps_the_settings_ranking_as_its_anchor() -> None:
    from rag.search.fit import report

    defaults = np.array([0.6, 0.4, 1.0, -1.0, -0.3, 0.0, 1.0], dtype=np.float32)
    items = _toy(60, 2)
    w = fit(items, defaults, fitted=("heading",))
    assert w[FEATURES.index("heading")] > 0.5
    assert np.array_equal(np.delete(w, FEATURES.index("heading")), np.delete(defaults, FEATURES.index("heading")))
    with pytest.raises(InvalidInputError, match="Features to fit"):
        fit(items, defaults, fitted=("named_document",))
    out = report({"a": items[:30], "b": items[30:]}, defaults, 1.0, ("heading",))
    every = out["all_sets"]
    assert set(every["leave_one_set_out"]["held_out_by_set"]) == {"a", "b"}
    assert every["k_fold_by_question"]["held_out_by_set"]["a"]["questions"] == 30
    assert every["leave_one_set_out"]["held_out"]["hit_at_1"] > every["settings_weights"]["all"]["hit_at_1"]


def test_fitted_weights_are_read_and_rank_the_candidates(seeded_settings: Settings, tmp_path: Path) -> None:
    items = collect(seeded_settings, LAW_SET)
    assert len(items) >= 40 and all(it.features.shape[1] == len(FEATURES) for it in items)
    assert sum(bool(it.gold.any()) for it in items) >= 0.9 * len(items)  # the gold article is a candidate
    retriever = Retriever(seeded_settings)
    weights = fit(items, retriever.weights())
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps({"features": list(FEATURES), "weights": [float(x) for x in weights]}), encoding="utf-8")
    fitted = seeded_settings.model_copy(deep=True)
    fitted.retrieve.ranker_file = str(path)
    ranked = Retriever(fitted)
    assert np.allclose(ranked.weights(), weights)
    plan = ranked.analyse("Những trường hợp nào không được hưởng bảo hiểm y tế?")
    found = ranked.candidates(plan)
    assert found is not None
    cands, _, _, features = found
    best = cands[int(np.argmax(features @ weights))]
    assert ranked.search_question(plan, 1)[0].chunk_id == best
    path.write_text(json.dumps({"features": ["dense"], "weights": [1.0]}), encoding="utf-8")
    load_weights.cache_clear()
    with pytest.raises(InvalidInputError, match="refit"):
        load_weights(str(path))


def test_rag_fit_reports_folds_and_writes_the_weights(seeded_settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "ranker.json"
    done = subprocess.run([sys.executable, "-m", "rag", "fit", "--set", str(LAW_SET), "--out", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT, env=cli_env(seeded_settings))
    assert done.returncode == 0, done.stderr[-1500:]
    report = json.loads(done.stdout)
    figures = report["sets"]["datasets/law_bhyt.jsonl"]
    assert {"settings_weights", "k_fold_by_question"} <= set(figures)
    assert {"held_out", "training_folds"} <= set(figures["k_fold_by_question"])
    assert json.loads(out.read_text(encoding="utf-8"))["features"] == list(FEATURES)
    bad = subprocess.run([sys.executable, "-m", "rag", "fit", "--set", str(tmp_path / "none.jsonl")],
                         capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT, env=cli_env(seeded_settings))
    assert bad.returncode == 2 and "not a JSONL file" in bad.stderr
