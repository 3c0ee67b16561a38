"""Answer worker processes, so extractive answers use every core.

One request's work is mostly Python holding the GIL (segmentation, scoring, sentence choice) plus the
embedder's C engine, which already spreads one query over all cores with OpenMP. Threads in one
process therefore add almost nothing (1.1x at 50 concurrent). Each worker here is a process with a
one-thread embedder; the server process keeps HTTP, the admin console and the stores.
Generative answers stay in the server process: they wait on the LLM, and stream as it writes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from rag.settings import Settings

log = logging.getLogger(__name__)
_assistant: Any = None


def _exit_with(parent: int, every: float = 1.0) -> None:
    """End this worker when its server is gone, however it ended (SIGKILL, the OOM killer, a crash): a
    worker whose parent died is re-parented, so its parent id changes. A parent-death signal
    (PR_SET_PDEATHSIG) would fire when the *thread* that spawned the worker ends, which in a process
    pool is any thread that happened to submit first, so the parent id is watched instead."""
    def watch() -> None:
        while True:
            time.sleep(every)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-server", daemon=True).start()


def _start(settings: Settings, parent: int) -> None:
    global _assistant
    _exit_with(parent)
    from rag.answer.assistant import Assistant
    from rag.settings import apply_process_env

    apply_process_env()
    _assistant = Assistant(settings)


def _answer(question: str, history: list[dict[str, str]]) -> tuple[list[str], dict[str, Any], str]:
    """Deltas, the reply as JSON, and the nearest document's title (for the usage statistics)."""
    deltas: list[str] = []
    for event in _assistant.stream(question, history):
        if event.kind == "delta":
            deltas.append(event.text)
        elif event.reply is not None:
            reply = event.reply
            nearest = reply.contexts[0].title if reply.contexts else ""
            return deltas, reply.as_json(), nearest
    raise RuntimeError("the answer stream ended without a reply")


def _warm() -> int:
    _assistant.retriever.keyword()
    _assistant.retriever.restorer()
    _assistant.embedder.embed_queries(["warm"])
    return os.getpid()


def worker_count(settings: Settings) -> int:
    return settings.server.workers or (os.cpu_count() or 1)


class AnswerPool:
    def __init__(self, settings: Settings, workers: int) -> None:
        worker_settings = settings.model_copy(deep=True)
        worker_settings.embed.threads = 1
        # spawn, not fork: the server process has threads (uvicorn, Gradio) that a fork would copy mid-flight.
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_start, initargs=(worker_settings, os.getpid()))
        self.workers = workers
        self._ready = threading.Event()

    def warm(self) -> None:
        """Start every worker now (loading the model and the index), not on the first questions."""
        def run() -> None:
            futures = [self._pool.submit(_warm) for _ in range(self.workers * 2)]
            try:
                pids = {f.result() for f in futures}
                log.info("answer workers ready: %s", sorted(pids))
            except Exception as exc:  # noqa: BLE001 - no index yet: the workers load it with the first question
                log.warning("answer workers not warmed: %s", exc)
            self._ready.set()

        threading.Thread(target=run, name="warm-answer-workers", daemon=True).start()

    def wait_ready(self, timeout: float) -> bool:
        return self._ready.wait(timeout)

    def submit(self, question: str, history: list[dict[str, str]]) -> Future[tuple[list[str], dict[str, Any], str]]:
        return self._pool.submit(_answer, question, history)

    def close(self, seconds: float = 10.0) -> None:
        """Stop the workers: queued questions are dropped, one being answered gets ``seconds`` to finish,
        then whatever is left is terminated, so no worker outlives the server."""
        processes = list(getattr(self._pool, "_processes", {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + seconds
        for proc in processes:
            proc.join(max(0.0, deadline - time.monotonic()))
        for proc in processes:
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
            if proc.is_alive():
                proc.kill()
