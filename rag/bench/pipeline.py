"""Benchmarks that print figures (run on demand, never as timed tests)."""

from __future__ import annotations

import csv
import hashlib
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import InvalidInputError
from rag.index.embedder import make_embedder
from rag.index.ingest import ingest_sources
from rag.index.sources import SourceDoc
from rag.search.retriever import Retriever
from rag.settings import PROJECT_ROOT

_K = 10


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise InvalidInputError(f"Dataset {path} does not exist.")
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    elif path.suffix.lower() in {".jsonl", ".json"}:
        rows = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    else:
        raise InvalidInputError(f"Dataset {path}: use .csv or .jsonl.")
    if rows and not {"question", "context"} <= set(rows[0]):
        raise InvalidInputError(f"Dataset {path} needs 'question' and 'context' columns; found {sorted(rows[0])}.")
    return [{k: str(v or "") for k, v in r.items()} for r in rows]


def _metrics(ranked: list[list[str]], gold: list[str]) -> dict[str, float]:
    p1 = r10 = mrr = ndcg = 0.0
    for docs, g in zip(ranked, gold):
        if g in docs[:_K]:
            r = docs.index(g)
            p1 += r == 0
            r10 += 1
            mrr += 1 / (r + 1)
            ndcg += 1 / np.log2(r + 2)
    n = max(len(gold), 1)
    return {"P@1": round(100 * p1 / n, 2), "R@10": round(100 * r10 / n, 2),
            "MRR@10": round(100 * mrr / n, 2), "nDCG@10": round(100 * ndcg / n, 2)}


def _doc_ranking(chunk_ids: list[str], retriever: Retriever) -> list[str]:
    index = retriever.keyword()
    return list(dict.fromkeys(index.get(c).doc_source for c in chunk_ids))[:_K]


def bench_retrieval(settings: Any, dataset: Path, limit: int | None) -> dict[str, Any]:
    rows = read_rows(dataset)
    if limit:
        rows = rows[:limit]
    contexts = list(dict.fromkeys(r["context"] for r in rows if r["context"].strip()))
    ident = {c: f"ctx-{i:05d}" for i, c in enumerate(contexts)}
    digest = hashlib.sha256("\x00".join(contexts).encode()).hexdigest()[:12]
    bench_settings = settings.model_copy(deep=True)
    bench_settings.paths.data_dir = settings.paths.data_dir / "bench" / digest
    bench_settings.index.chroma_host = None
    embedder = make_embedder(settings)  # shares the main embedding cache: reruns are fast

    docs = (SourceDoc(ident[c], c, hashlib.sha256(c.encode()).hexdigest(), title="") for c in contexts)
    report = ingest_sources(bench_settings, docs, progress=False, total=len(contexts), embedder=embedder)
    retriever = Retriever(bench_settings, embedder)
    index = retriever.keyword()
    ids = [c.chunk_id for c in index.chunks]

    questions = [r for r in rows if r["question"].strip()]
    gold = [ident[r["context"]] for r in questions]
    ranked: dict[str, list[list[str]]] = {"keyword": [], "dense": [], "hybrid": []}
    times: list[float] = []
    for r in questions:
        t0 = time.perf_counter()
        plan = retriever.analyse(r["question"])
        hits = retriever.search_question(plan, 3 * _K)
        times.append((time.perf_counter() - t0) * 1000)
        ranked["hybrid"].append(_doc_ranking([h.chunk_id for h in hits], retriever))
        kw = retriever.keyword_scores(plan)
        ranked["keyword"].append(_doc_ranking([ids[i] for i in np.argsort(-kw)[:3 * _K]], retriever))
        _, dense = retriever.dense(plan.dense_text, 3 * _K)
        ranked["dense"].append(_doc_ranking(sorted(dense, key=lambda c: -dense[c]), retriever))

    sample = [c.text for c in index.chunks[:64]]
    t0 = time.perf_counter()
    embedder.embed_passages(sample, use_cache=False)
    raw = len(sample) / (time.perf_counter() - t0)
    out: dict[str, Any] = {k: _metrics(v, gold) for k, v in ranked.items()}
    ingest_rate = report.embedded / report.seconds if report.embedded else None
    out["timings"] = {
        "documents": len(contexts), "chunks": len(index), "questions": len(questions),
        "index_seconds": round(report.seconds, 2), "embedded_now": report.embedded,
        "query_p50_ms": round(statistics.median(times), 1) if times else None,
        "query_p95_ms": round(float(np.percentile(times, 95)), 1) if times else None,
        "embedder_raw_chunks_per_s": round(raw, 2),
        "ingest_chunks_per_s": round(ingest_rate, 2) if ingest_rate else None,
        "ingest_vs_raw": round(ingest_rate / raw, 3) if ingest_rate else None,
    }
    return out


def bench_ingest(settings: Any, paths: list[Path]) -> dict[str, Any]:
    """Index the given documents from scratch (fresh data directory, cold embedding cache) and compare
    the ingest rate with the embedder's own rate on the same chunks."""
    import shutil
    import tempfile

    from rag.index.ingest import ingest_paths

    tmp = Path(tempfile.mkdtemp(prefix="hoidap-bench-ingest-"))
    try:
        s = settings.model_copy(deep=True)
        s.paths.data_dir, s.paths.cache_dir = tmp / "data", tmp / "cache"
        s.index.chroma_host = None
        report = ingest_paths(s, paths, progress=False)
        embedder = make_embedder(s)
        index = Retriever(s, embedder).keyword()
        # Spread over the whole corpus: chunk lengths differ between documents, and so does embedding time.
        # The text ingest embeds: title and section above the chunk.
        sample = [f"{c.metadata.get('title', '')}\n{c.metadata.get('section', '')}\n\n{c.text}"
                  for c in index.chunks[::max(1, len(index.chunks) // 96)]][:96]
        t0 = time.perf_counter()
        embedder.embed_passages(sample, use_cache=False)
        raw = len(sample) / (time.perf_counter() - t0)
        rate = report.embedded / report.seconds if report.seconds else 0.0
        return {"documents": report.documents, "chunks": report.chunks, "skipped": report.skipped,
                "seconds": round(report.seconds, 1), "ingest_chunks_per_s": round(rate, 2),
                "embedder_raw_chunks_per_s": round(raw, 2), "ingest_vs_raw": round(rate / raw, 3) if raw else None}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_answers(settings: Any, dataset: Path | None, limit: int | None) -> dict[str, Any]:
    """End-to-end answer latency on the golden questions (offline extractive by default)."""
    from rag.answer.assistant import Assistant

    path = dataset or PROJECT_ROOT / "eval" / "datasets" / "golden.jsonl"
    items = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    items = items[:limit] if limit else items
    assistant = Assistant(settings)
    assistant.ask("Nghị quyết 57-NQ/TW ban hành ngày nào?")  # warm-up: load index and model
    times, steps = [], []
    for item in items:
        t0 = time.perf_counter()
        reply = assistant.ask(item["question"], item.get("history") or [])
        times.append((time.perf_counter() - t0) * 1000)
        if "answer" in reply.timings_ms:  # the answer step after retrieval (a refusal before search has none)
            steps.append(reply.timings_ms["answer"])
    retriever = assistant.retriever
    rt = []
    for item in items:
        t0 = time.perf_counter()
        try:
            retriever.search(item["question"])
        except InvalidInputError:
            continue
        rt.append((time.perf_counter() - t0) * 1000)
    return {"questions": len(items), "provider": assistant.provider_name,
            "answer_p50_ms": round(statistics.median(times), 1),
            "answer_p95_ms": round(float(np.percentile(times, 95)), 1),
            "answer_step_p50_ms": round(statistics.median(steps), 1) if steps else None,
            "answer_step_p95_ms": round(float(np.percentile(steps, 95)), 1) if steps else None,
            "retrieve_p50_ms": round(statistics.median(rt), 1),
            "retrieve_p95_ms": round(float(np.percentile(rt, 95)), 1)}
