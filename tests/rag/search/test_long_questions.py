"""Long questions, as citizens write them: bounded search work, and still the right provisions."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import sparse

from rag.search.retriever import Retriever
from rag.settings import PROJECT_ROOT, Settings

LONG = [json.loads(line)["question"] for line in
        (PROJECT_ROOT / "eval" / "datasets" / "long_questions.jsonl").read_text(encoding="utf-8").splitlines()]


def test_the_long_question_set_is_long() -> None:
    words = [len(q.split()) for q in LONG]
    assert len(LONG) >= 12 and min(words) >= 40 and max(words) <= 120


def test_a_long_question_keeps_only_its_rarest_terms(seeded_settings: Settings) -> None:
    retriever = Retriever(seeded_settings)
    unbounded = seeded_settings.model_copy(deep=True)
    unbounded.retrieve.max_query_terms = 100_000
    everything = Retriever(unbounded)
    index = retriever.keyword()
    limit = seeded_settings.retrieve.max_query_terms
    idf = lambda t: float(index.idf[index.vocab[t]])  # noqa: E731
    for question in LONG:
        kept = set(retriever.analyse(question).terms)
        full = set(everything.analyse(question).terms)
        indexed = {t for t in kept if t in index.vocab}
        assert len(indexed) == limit < len(full) and kept <= full
        assert kept - indexed == full - set(index.vocab)  # terms the documents lack are all kept
        assert min(map(idf, indexed)) >= max(map(idf, full - kept))  # nothing rarer was dropped
    short = "Thẻ bảo hiểm y tế bị mất thì làm thế nào?"
    assert retriever.analyse(short).terms == everything.analyse(short).terms


def test_the_rarest_terms_are_those_with_the_highest_idf(seeded_settings: Settings) -> None:
    index = Retriever(seeded_settings).keyword()
    terms = [t for t in list(index.vocab)[:400]]
    kept = set(index.rarest(terms + terms[:5], 20))
    assert len(kept) == 20
    low = min(float(index.idf[index.vocab[t]]) for t in kept)
    assert all(float(index.idf[index.vocab[t]]) <= low for t in set(terms) - kept)


def test_the_embedder_reads_at_most_its_token_cap_keeping_the_question(seeded_settings: Settings) -> None:
    embedder = Retriever(seeded_settings).embedder
    cap = seeded_settings.embed.query_max_tokens
    engine = embedder._engine()
    for question in LONG:
        fitted = embedder.fit_query(question)
        assert engine.token_count(fitted, True) <= cap
        assert question.endswith(fitted)  # what is asked comes last
    short = "Người từ đủ 80 tuổi có được cấp thẻ bảo hiểm y tế không?"
    assert embedder.fit_query(short) == short
    huge = "bảo hiểm " * 800
    assert engine.token_count(embedder.fit_query(huge), True) <= cap


def test_one_slice_scores_like_one_pass_per_field(seeded_settings: Settings) -> None:
    index = Retriever(seeded_settings).keyword()
    plan = Retriever(seeded_settings).analyse(LONG[0])
    weights = index._weights
    assert isinstance(weights, sparse.csc_matrix)
    idx = [index.vocab[t] for t in plan.terms if t in index.vocab]
    q = np.bincount(np.asarray(idx), minlength=weights.shape[1]).astype(np.float32)
    expected = np.zeros(weights.shape[0], dtype=np.float32)
    for fld, share in ((0, 0.7), (1, 0.3)):
        cols = np.nonzero((q > 0) & (index._field == fld))[0]
        sub = np.asarray(weights[:, cols] @ q[cols]).ravel()
        expected += share * sub / sub.max()
    assert np.allclose(index.scores(plan.terms, 0.3), expected, atol=1e-6)


@pytest.mark.parametrize("question,article", [
    (LONG[8], {"18", "19"}),  # a torn card, a lost one before: the procedure to renew or re-issue
    (LONG[2], {"48a", "49"}),  # an employer behind on payments: its duty, and where to complain
])
def test_a_long_question_still_finds_its_provisions(seeded_settings: Settings, question: str,
                                                    article: set[str]) -> None:
    hits = Retriever(seeded_settings).search(question, 5)
    assert {h.article for h in hits if h.legal} & article, [(h.article, h.title) for h in hits]
