"""Indexing jobs started from the admin console: one at a time, in a background thread, so the
server keeps answering while a document is embedded. Ingest itself stays incremental and crash-safe."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

log = logging.getLogger(__name__)
_KEEP = 200


@dataclass
class Job:
    id: str
    kind: str
    target: str
    status: str = "queued"  # queued | running | done | failed
    created: float = field(default_factory=time.time)
    finished: float | None = None
    progress: dict[str, int] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class JobRunner:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._done: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._queue: list[tuple[Job, Callable[[Job], dict[str, Any]]]] = []
        self._wake = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None

    def submit(self, kind: str, target: str, work: Callable[[Job], dict[str, Any]]) -> Job:
        job = Job(uuid.uuid4().hex[:12], kind, target)
        with self._wake:
            self._jobs[job.id] = job
            self._done[job.id] = threading.Event()
            self._queue.append((job, work))
            for old in list(self._jobs)[:-_KEEP]:
                self._jobs.pop(old, None)
                self._done.pop(old, None)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="admin-jobs", daemon=True)
                self._thread.start()
            self._wake.notify()
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def pending(self) -> list[Job]:
        return [j for j in list(self._jobs.values()) if j.status in {"queued", "running"}]

    def wait(self, job: Job, seconds: float) -> bool:
        done = self._done.get(job.id)
        return done.wait(seconds) if done is not None else True

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue:
                    self._wake.wait()
                job, work = self._queue.pop(0)
            job.status = "running"
            try:
                job.result = work(job)
                job.status = "done"
            except Exception as exc:
                log.exception("admin job %s failed", job.id)
                job.status, job.error = "failed", str(exc)[:500]
            job.finished = time.time()
            done = self._done.get(job.id)
            if done is not None:
                done.set()
