"""Run a dataset through the assistant, score it, and apply the release gate."""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.dataset import Dataset, Item
from eval.metrics import FAITHFULNESS_NOTE, JUDGE, OFFLINE, Scorer
from rag.answer.assistant import Assistant
from rag.index.embedder import make_embedder
from rag.index.ingest import ingest_sources
from rag.index.sources import SourceDoc, file_sources
from rag.settings import PROJECT_ROOT, Settings

THRESHOLDS = Path(__file__).parent / "thresholds.toml"


@dataclass
class Outcome:
    report: dict[str, Any]
    failures: list[str] = field(default_factory=list)
    regressions: list[str] = field(default_factory=list)


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _corpus_settings(settings: Settings, dataset: Dataset) -> Settings:
    """A CSV dataset's contexts become their own index, beside (never inside) the main one."""
    if not dataset.own_corpus:
        return settings
    names = dataset.corpus or [str(p) for p in dataset.corpus_files]
    digest = hashlib.sha256("\x00".join(names).encode()).hexdigest()[:12]
    s = settings.model_copy(deep=True)
    s.paths.cache_dir = settings.paths.cache_dir or settings.paths.data_dir / "cache"
    s.paths.data_dir = settings.paths.data_dir / "eval" / digest
    s.index.chroma_host = None
    if dataset.corpus_files:
        ingest_sources(s, file_sources(s, dataset.corpus_files), progress=False, total=len(dataset.corpus_files))
        return s
    docs = (SourceDoc(f"ctx-{i:05d}", c, hashlib.sha256(c.encode()).hexdigest(), title="")
            for i, c in enumerate(dataset.corpus))
    ingest_sources(s, docs, progress=False, total=len(dataset.corpus))
    return s


def _reference_contexts(item: Item, assistant: Assistant) -> list[str]:
    """The indexed chunks that contain the item's span (what retrieval should bring back)."""
    if item.context:
        needle = item.context
    elif item.span:
        needle = item.span
    else:
        return []
    index = assistant.retriever.keyword()
    probe = " ".join(needle.split())[:120]
    found = [c.text for c in index.chunks if probe in " ".join(c.text.split())
             and (not item.sources or c.doc_source in item.sources)]
    if not found and item.context:
        found = [c.text for c in index.chunks if " ".join(c.text.split())[:120] in " ".join(needle.split())]
    return found[:3] or [needle]


def _row(item: Item, assistant: Assistant) -> dict[str, Any]:
    t0 = time.perf_counter()
    reply = assistant.ask(item.question, item.history)
    data = reply.as_json()
    data.update(id=item.id, category=item.category, expected_reason=item.expected_reason, reference=item.reference,
                key_facts=item.key_facts, sources=item.sources, span=item.span, legal_basis=item.legal_basis,
                reference_contexts=_reference_contexts(item, assistant),
                context_articles=[[h.source, h.article] for h in reply.contexts],
                latency_ms=round((time.perf_counter() - t0) * 1000, 1))
    return data


def _documents(rows: list[dict[str, Any]], assistant: Assistant) -> dict[str, str]:
    """Text of every cited source, to check that quotes are verbatim."""
    docs: dict[str, str] = {}
    index = assistant.retriever.keyword()
    for row in rows:
        for c in row.get("citations", []):
            src = c["source"]
            if src in docs:
                continue
            path = PROJECT_ROOT / src
            docs[src] = (path.read_text(encoding="utf-8") if path.is_file() else "") + "\n" + "\n".join(
                ch.text for ch in index.chunks if ch.doc_source == src)
    return docs


def _mean(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(statistics.fmean(vals), 4) if vals else None


def aggregate(rows: list[dict[str, Any]], names: tuple[str, ...]) -> dict[str, Any]:
    overall = {n: _mean([r["scores"].get(n) for r in rows]) for n in names}
    cats: dict[str, dict[str, Any]] = {}
    for cat in sorted({r["category"] for r in rows}):
        sub = [r for r in rows if r["category"] == cat]
        cats[cat] = {"n": len(sub), **{n: _mean([r["scores"].get(n) for r in sub]) for n in names}}
    return {"overall": overall, "per_category": cats}


def gate(agg: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    failures = []
    for name, minimum in thresholds.get("overall", {}).items():
        value = agg["overall"].get(name)
        if value is not None and value < minimum:
            failures.append(f"{name} = {value:.3f} < {minimum}")
    for dotted, minimum in _flatten(thresholds.get("category", {})).items():
        cat, _, name = dotted.partition(".")
        value = agg["per_category"].get(cat, {}).get(name)
        if value is not None and value < minimum:
            failures.append(f"{cat}.{name} = {value:.3f} < {minimum}")
    return failures


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = float(v)
    return out


def compare(agg: dict[str, Any], baseline: dict[str, Any], tolerance: float) -> tuple[dict[str, Any], list[str]]:
    deltas: dict[str, Any] = {}
    regressions = []
    base = baseline.get("aggregates", {}).get("overall", {})
    for name, value in agg["overall"].items():
        old = base.get(name)
        if value is None or old is None:
            continue
        delta = round(value - old, 4)
        deltas[name] = {"now": value, "before": old, "delta": delta, "regression": delta < -tolerance}
        if delta < -tolerance:
            regressions.append(f"{name}: {old:.3f} → {value:.3f} ({delta:+.3f})")
    return deltas, regressions


def run(settings: Settings, dataset: Dataset, baseline: dict[str, Any] | None = None,
        progress: bool = True, thresholds_path: Path | None = None) -> Outcome:
    from tqdm import tqdm

    started = time.time()
    thresholds = tomllib.loads((thresholds_path or THRESHOLDS).read_text(encoding="utf-8"))
    embedder = make_embedder(settings)
    run_settings = _corpus_settings(settings, dataset)
    assistant = Assistant(run_settings, embedder=embedder)
    scorer = Scorer(embedder, settings)
    rows = [_row(item, assistant) for item in tqdm(dataset.items, desc="eval", unit="q", file=sys.stderr,
                                                     disable=not progress)]
    documents = _documents(rows, assistant)

    async def score_all() -> None:
        for row in rows:
            row["scores"] = await scorer.offline(row, documents)
        if scorer.judge is not None:
            judged = await asyncio.gather(*(scorer.with_judge(r) for r in rows))
            for row, extra in zip(rows, judged):
                row["scores"].update(extra)

    asyncio.run(score_all())
    names = OFFLINE + (JUDGE if scorer.judge is not None else ())
    agg = aggregate(rows, names)
    failures = gate(agg, thresholds)
    deltas: dict[str, Any] = {}
    regressions: list[str] = []
    if baseline:
        deltas, regressions = compare(agg, baseline, float(thresholds.get("baseline", {}).get("tolerance", 0.02)))
    latencies = sorted(r["latency_ms"] for r in rows)
    report = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "seconds": round(time.time() - started, 1),
        "dataset": {"path": str(dataset.path), "sha256": dataset.sha256, "items": len(rows)},
        "git_commit": _git_commit(), "settings_fingerprint": settings.fingerprint(),
        "provider": assistant.provider_name,
        "judge": {"model": settings.judge.model, "computed": scorer.judge is not None,
                  "note": None if scorer.judge is not None else
                  "No judge configured: Faithfulness, ResponseRelevancy, LLMContextPrecisionWithReference and "
                  "LLMContextRecall were not computed.",
                  "faithfulness_note": FAITHFULNESS_NOTE},
        "thresholds": thresholds, "aggregates": agg, "gate": {"passed": not failures, "failures": failures},
        "baseline": {"deltas": deltas, "regressions": regressions} if baseline else None,
        "latency_ms": {"p50": latencies[len(latencies) // 2] if latencies else None,
                       "p95": latencies[int(len(latencies) * 0.95) - 1] if latencies else None},
        "rows": rows,
    }
    return Outcome(report, failures, regressions)
