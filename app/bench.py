"""`python -m app bench`: concurrent questions against /api/ask on loopback; prints latency figures."""

from __future__ import annotations

import json
import os
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from rag.settings import Settings

_DEFAULT_QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "datasets" / "golden.jsonl"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_in_thread(app: Any, port: int) -> Any:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    return server


def _level(client: httpx.Client, url: str, questions: list[str], n: int, concurrency: int) -> dict[str, Any]:
    def one(i: int) -> tuple[int, float]:
        t0 = time.perf_counter()
        r = client.post(f"{url}/api/ask", json={"question": questions[i % len(questions)]},
                        headers={"X-Forwarded-For": f"10.0.{i // 250 % 250}.{i % 250}"})
        return r.status_code, (time.perf_counter() - t0) * 1000

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, range(n)))
    wall = time.perf_counter() - t0
    lat = sorted(ms for _, ms in results)
    codes = [c for c, _ in results]
    return {"concurrency": concurrency, "requests": n, "wall_s": round(wall, 2),
            "throughput_qps": round(n / wall, 2), "p50_ms": round(statistics.median(lat), 1),
            "p95_ms": round(lat[max(0, int(0.95 * len(lat)) - 1)], 1),
            "non_2xx": sum(1 for c in codes if not 200 <= c < 300), "rate_limited_429": codes.count(429)}


def health(client: httpx.Client, url: str, n: int) -> dict[str, Any]:
    """GET /api/health n times in a row, as a load balancer does: its latency, and the documents it counts."""
    lat = []
    body: dict[str, Any] = {}
    for _ in range(max(n, 20)):
        t0 = time.perf_counter()
        r = client.get(f"{url}/api/health")
        lat.append((time.perf_counter() - t0) * 1000)
        body = r.json()
    lat.sort()
    return {"requests": len(lat), "documents": body.get("documents"), "status": body.get("status"),
            "p50_ms": round(statistics.median(lat), 2), "p95_ms": round(lat[int(0.95 * len(lat)) - 1], 2)}


def _timed(client: httpx.Client, url: str, n: int) -> dict[str, Any]:
    lat, size = [], 0
    for _ in range(max(n, 20)):
        t0 = time.perf_counter()
        r = client.get(url)
        lat.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
        size = len(r.content)
    first = lat[0]
    lat.sort()
    return {"requests": len(lat), "bytes": size, "first_ms": round(first, 1), "p50_ms": round(statistics.median(lat), 1),
            "p95_ms": round(lat[int(0.95 * len(lat)) - 1], 1)}


def page_load(client: httpx.Client, url: str, n: int) -> dict[str, Any]:
    """The document page of the legal text with the most articles (the BHYT law in the seeds), opened as a
    citation opens it (a quote to mark), and its /api/documents/{id}: latency over n loads each."""
    docs = client.get(f"{url}/api/documents").json()
    best: dict[str, Any] | None = None
    for d in docs:
        info = client.get(f"{url}/api/documents/{d['id']}").json()
        if best is None or info.get("articles", 0) > best.get("articles", 0):
            best = info
    if best is None:
        return {"error": "no documents indexed"}
    quote = next((u["text"] for u in best["structure"] if u.get("text")), "")[:200]
    page = f"{url}{best['url']}?{httpx.QueryParams({'trich': quote})}"
    return {"document": best.get("number") or best.get("title"), "articles": best.get("articles"),
            "page": _timed(client, page, n), "api": _timed(client, f"{url}/api/documents/{best['id']}", n)}


def bench(settings: Settings, url: str | None, n: int, levels: list[int], only_health: bool = False,
          only_page: bool = False) -> dict[str, Any]:
    """Throughput and latency at each concurrency level, on warm caches (every question asked once first)."""
    server = None
    workers: Any = "in-process"
    if not url:
        from app.server import create_app

        port = _free_port()
        app = create_app(settings, with_ui=False)
        pool = app.state.service.pool
        if pool is not None:
            pool.wait_ready(300)
            workers = pool.workers
        server = serve_in_thread(app, port)
        url = f"http://127.0.0.1:{port}"
    questions = [json.loads(ln)["question"] for ln in _DEFAULT_QUESTIONS.read_text(encoding="utf-8").splitlines()
                 if ln.strip()]
    if only_health or only_page:
        with httpx.Client(timeout=60) as client:
            client.post(f"{url}/api/ask", json={"question": questions[0]})  # the index is loaded
            out = {"url": url, **({"health": health(client, url, n)} if only_health else {}),
                   **({"document_page": page_load(client, url, n)} if only_page else {})}
        if server is not None:
            server.should_exit = True
        return out
    with httpx.Client(timeout=300, limits=httpx.Limits(max_connections=max(levels) + 10)) as client:
        # Steady state: every worker has seen every question (caches of terms and embeddings are warm).
        _level(client, url, questions, len(questions) * 2, 4)
        curve = [_level(client, url, questions, max(n, 2 * c), c) for c in levels]
    if server is not None:
        server.should_exit = True
    base = curve[0]["throughput_qps"] if curve and curve[0]["concurrency"] == 1 else None
    for row in curve:
        row["vs_sequential"] = round(row["throughput_qps"] / base, 2) if base else None
    return {"url": url, "answer_workers": workers, "cores": os.cpu_count(), "curve": curve}
