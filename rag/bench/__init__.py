"""Benchmarks that print figures: retrieval quality and speed, ingest rate, answer latency, scale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.lazy import lazy_exports

if TYPE_CHECKING:
    from rag.bench.pipeline import bench_answers, bench_ingest, bench_retrieval
    from rag.bench.scale import bench_scale

__all__ = [
    "bench_answers", "bench_ingest", "bench_retrieval", "bench_scale"
]
__getattr__ = lazy_exports(__name__, {
    "bench_answers": "pipeline", "bench_ingest": "pipeline", "bench_retrieval": "pipeline",
    "bench_scale": "scale",
})
