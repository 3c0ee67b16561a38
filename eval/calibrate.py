"""`python -m eval calibrate`: how the two answer thresholds separate the golden questions.

- refusal: the extractive gate, mean of passage evidence and best-sentence score, on answerable vs
  out-of-scope questions;
- support: the check on generated sentences, on reference claims against the passage that holds them
  (should pass) vs claims from another document (should fail).
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from eval.dataset import Dataset
from rag.answer.assistant import Assistant
from rag.answer.generate import Checker
from rag.search.retriever import Hit
from rag.settings import Settings


def _rates(pos: np.ndarray, neg: np.ndarray, threshold: float) -> dict[str, Any]:
    return {"threshold": threshold, "positives_pass": round(float((pos >= threshold).mean()), 3),
            "negatives_fail": round(float((neg < threshold).mean()), 3)}


def refusal(settings: Settings, dataset: Dataset, assistant: Assistant) -> dict[str, Any]:
    pos: list[float] = []
    neg: list[float] = []
    for item in dataset.items:
        if item.expected_reason not in {"answered", "not_in_documents"}:
            continue
        reply = assistant.ask(item.question, item.history)
        if reply.evidence is None:
            score = 0.0  # refused before any evidence was weighed (no searchable text left)
        else:
            score = (reply.evidence + (reply.top_sentence if reply.top_sentence is not None else 0.0)) / 2
        (pos if item.expected_reason == "answered" else neg).append(score)
    p, n = np.array(pos), np.array(neg)
    t = settings.answer.sentence_threshold
    return {"answerable": len(p), "out_of_scope": len(n), **_rates(p, n, t),
            "answerable_min": round(float(p.min()), 3), "out_of_scope_max": round(float(n.max()), 3)}


def support(settings: Settings, dataset: Dataset, assistant: Assistant) -> dict[str, Any]:
    index = assistant.retriever.keyword()
    pairs = []
    for item in dataset.items:
        if not (item.span and item.sources):
            continue
        probe = " ".join(item.span.split())[:80]
        chunk = next((c for c in index.chunks if probe in " ".join(c.text.split()) and c.doc_source in item.sources),
                     None)
        if chunk is not None:
            pairs.append((item.reference or item.span, chunk))
    rng = random.Random(0)
    pos, neg = [], []
    for claim, chunk in pairs:
        checker = Checker([Hit(chunk.chunk_id, 1, 1, 1, chunk.text, chunk.metadata)], assistant.embedder, 0.0, "")
        pos.append(checker.support(claim, 0)[0])
        others = [c for c, ch in pairs if ch.doc_source != chunk.doc_source]
        neg.append(checker.support(rng.choice(others), 0)[0])
    p, n = np.array(pos), np.array(neg)
    best = max((_rates(p, n, t / 100) for t in range(30, 81, 5)),
               key=lambda r: r["positives_pass"] + r["negatives_fail"])
    return {"claims": len(p), "current": _rates(p, n, settings.answer.support_threshold), "best": best}


def calibrate(settings: Settings, dataset: Dataset) -> dict[str, Any]:
    assistant = Assistant(settings)
    return {"refusal_gate": refusal(settings, dataset, assistant), "support_check": support(settings, dataset, assistant)}
