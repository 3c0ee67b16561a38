"""`python -m app bench`: concurrent questions against /api/ask on loopback; prints latency figures."""

from __future__ import annotations

import json
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


def bench(settings: Settings, url: str | None, n: int, concurrency: int) -> dict[str, Any]:
    server = None
    if not url:
        from app.server import create_app

        port = _free_port()
        server = serve_in_thread(create_app(settings, with_ui=False), port)
        url = f"http://127.0.0.1:{port}"
    questions = [json.loads(ln)["question"] for ln in _DEFAULT_QUESTIONS.read_text(encoding="utf-8").splitlines()
                 if ln.strip()]
    with httpx.Client(timeout=120) as client:
        client.post(f"{url}/api/ask", json={"question": questions[0]})  # warm-up

        def one(i: int) -> tuple[int, float]:
            t0 = time.perf_counter()
            r = client.post(f"{url}/api/ask", json={"question": questions[i % len(questions)]},
                            headers={"X-Forwarded-For": f"10.0.0.{i % 250}"})
            return r.status_code, (time.perf_counter() - t0) * 1000

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            results = list(pool.map(one, range(n)))
        wall = time.perf_counter() - t0
    if server is not None:
        server.should_exit = True
    lat = sorted(ms for _, ms in results)
    codes = [c for c, _ in results]
    return {"url": url, "requests": n, "concurrency": concurrency, "wall_s": round(wall, 2),
            "p50_ms": round(statistics.median(lat), 1), "p95_ms": round(lat[max(0, int(0.95 * len(lat)) - 1)], 1),
            "non_2xx": sum(1 for c in codes if not 200 <= c < 300), "rate_limited_429": codes.count(429)}
