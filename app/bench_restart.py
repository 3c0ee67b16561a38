"""`python -m app bench --first-start DIR`: answers over HTTP right after a first start indexes DIR, and
after a restart on the same index.

A real `python -m app` is started on a fresh data directory with DIR as its seeds: it opens its port,
indexes DIR, and says "ok" on /api/health. Questions are then asked one after another for ``seconds``
(the minutes citizens would ask in right after an operator first starts it), and their latency is
reported. The server is stopped with SIGTERM, started again on the same index, and asked the same way.
The embedding cache of the settings is shared, so indexing a corpus embedded before takes minutes, not
the embedding time; what is measured is what follows the index, not the index itself.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app.bench import _free_port
from rag.settings import PROJECT_ROOT, Settings, child_environment


def _questions(path: Path | None) -> list[str]:
    path = path or PROJECT_ROOT / "eval" / "datasets" / "golden.jsonl"
    return [json.loads(ln)["question"] for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _start(data_dir: Path, seeds: Path, cache: Path, port: int) -> subprocess.Popen[bytes]:
    env = child_environment(HOIDAP_PATHS__DATA_DIR=str(data_dir), HOIDAP_PATHS__SEEDS_DIR=str(seeds),
                            HOIDAP_PATHS__CACHE_DIR=str(cache), HOIDAP_SERVER__IP_RATE_PER_MINUTE="100000")
    return subprocess.Popen([sys.executable, "-m", "app", "--port", str(port)], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError("the server exited before it was ready (see data/logs)")
        try:
            if httpx.get(f"{url}/api/health", timeout=5).json().get("status") == "ok":
                return time.perf_counter() - t0
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server was not ready within {timeout:.0f} s")


def _ask_for(url: str, questions: list[str], seconds: float) -> dict[str, Any]:
    lat: list[float] = []
    errors = 0
    start = time.perf_counter()
    with httpx.Client(timeout=120) as client:
        i = 0
        while time.perf_counter() - start < seconds:
            t0 = time.perf_counter()
            r = client.post(f"{url}/api/ask", json={"question": questions[i % len(questions)]})
            lat.append((time.perf_counter() - t0) * 1000)
            errors += r.status_code != 200
            i += 1
    # The first pass asks each question once: none of it was answered on this machine before. Later passes
    # repeat questions, as citizens do, and meet what the first pass left in the caches.
    return {"answers": len(lat), "non_200": errors, **_figures(lat),
            "first_pass": {"answers": min(len(lat), len(questions)), **_figures(lat[:len(questions)])}}


def _figures(lat: list[float]) -> dict[str, float]:
    ordered = sorted(lat)
    if not ordered:
        return {}
    return {"p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[max(0, int(0.95 * len(ordered)) - 1)], 1), "max_ms": round(ordered[-1], 1)}


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def bench_first_start(settings: Settings, seeds: Path, seconds: float, questions: Path | None) -> dict[str, Any]:
    asked = _questions(questions)
    cache = settings.paths.cache_dir or settings.paths.data_dir / "cache"
    root = Path(tempfile.mkdtemp(prefix="hoidap-first-start-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {"seeds": str(seeds), "questions": len(asked), "seconds_each": seconds,
                           "cores": os.cpu_count()}
    proc = _start(root / "data", seeds, cache, port)
    try:
        out["first_start_ready_s"] = round(_wait_ready(url, proc, 3600), 1)
        docs = httpx.get(f"{url}/api/documents", timeout=60).json()
        out["documents"] = len(docs)
        out["chunks"] = sum(int(d.get("chunks") or 0) for d in docs)
        out["after_first_start"] = _ask_for(url, asked, seconds)
    finally:
        _stop(proc)
    proc = _start(root / "data", seeds, cache, port)
    try:
        out["restart_ready_s"] = round(_wait_ready(url, proc, 600), 1)
        out["after_restart"] = _ask_for(url, asked, seconds)
    finally:
        _stop(proc)
    out["goals"] = {"p50_ms": "< 400", "p95_ms": "< 800"}
    return out
