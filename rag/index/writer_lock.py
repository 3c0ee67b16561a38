"""One writer across machines.

Several app machines share one Chroma server. An ingest reads the committed index, adds its documents and
commits a new generation; two at once would each commit "generation N+1" over an index that lacks the
other's documents, and one's clean-up of stray vectors could delete the other's uncommitted ones. So
uploads, deletes and re-indexing take a lock every machine sees:

- with ``HOIDAP_STORE__URL`` on PostgreSQL, a session advisory lock: released by the database when the
  holder's connection ends, however the holder ended;
- otherwise a lock record in the manifest collection, beside the generation stamp, with its owner and an
  expiry that the holder keeps moving while it works: a writer that dies releases it by expiry.

A second writer waits up to ``HOIDAP_INDEX__WRITER_WAIT_SECONDS``, then gets ``WriterBusyError``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rag.errors import WriterBusyError
from rag.index.manifest import writer_id
from rag.settings import Settings

LOCK_ID = "__writer_lock__"
_NO_VECTOR = [1.0]
# Two writers that find the lock free in the same instant both write it; the later write wins. Reading
# again after this pause tells each which one it was.
_SETTLE_SECONDS = 0.3


class ChromaLock:
    """The lock as a record in the manifest collection: {"owner", "expires"} (seconds since the epoch)."""

    def __init__(self, manifest: Any, owner: str, ttl: float) -> None:
        self.manifest, self.owner, self.ttl = manifest, owner, ttl

    def holder(self) -> tuple[str, float] | None:
        got = self.manifest.get(ids=[LOCK_ID], include=["metadatas"])
        metas = got.get("metadatas") or []
        if not metas or not metas[0]:
            return None
        return str(metas[0].get("owner", "")), float(metas[0].get("expires", 0.0))

    def _write(self) -> None:
        self.manifest.upsert(ids=[LOCK_ID], documents=[""], embeddings=[_NO_VECTOR],
                             metadatas=[{"kind": "lock", "owner": self.owner, "expires": time.time() + self.ttl}])

    def try_acquire(self) -> str | None:
        """None when acquired, else the owner who holds it."""
        held = self.holder()
        if held is not None and held[0] != self.owner and held[1] > time.time():
            return held[0]
        self._write()
        time.sleep(_SETTLE_SECONDS)
        held = self.holder()
        return None if held is not None and held[0] == self.owner else (held[0] if held else "?")

    def refresh(self) -> None:
        held = self.holder()
        if held is not None and held[0] == self.owner:
            self._write()

    def release(self) -> None:
        held = self.holder()
        if held is not None and held[0] == self.owner:
            self.manifest.delete(ids=[LOCK_ID])


class PostgresLock:
    """A session advisory lock on the feedback database: the server frees it when the session ends."""

    def __init__(self, url: str, name: str) -> None:
        from sqlalchemy import create_engine

        url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
        self.engine = create_engine(url, pool_pre_ping=True)
        self.key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        self.conn: Any = None

    def try_acquire(self) -> str | None:
        from sqlalchemy import text

        if self.conn is None:
            self.conn = self.engine.connect()
        got = self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        self.conn.commit()
        return None if got else "another app machine"

    def refresh(self) -> None:
        pass  # held as long as the session lives

    def release(self) -> None:
        from sqlalchemy import text

        if self.conn is not None:
            self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self.conn.commit()
            self.conn.close()
            self.conn = None
        self.engine.dispose()


def _lock_for(settings: Settings, manifest: Any, name: str) -> ChromaLock | PostgresLock:
    url = settings.store.url.get_secret_value() if settings.store.url else ""
    if url.startswith(("postgresql", "postgres:")):
        return PostgresLock(url, name)
    return ChromaLock(manifest, writer_id(), settings.index.writer_lock_seconds)


@contextmanager
def writer_lock(settings: Settings, manifest: Any, name: str) -> Iterator[None]:
    """Hold the index's one writer lock while the block runs (``name``: the collection it guards)."""
    lock = _lock_for(settings, manifest, name)
    deadline = time.monotonic() + settings.index.writer_wait_seconds
    while (owner := lock.try_acquire()) is not None:
        if time.monotonic() >= deadline:
            raise WriterBusyError(f"Another writer ({owner}) is updating the index; try again when it has finished.")
        time.sleep(1.0)
    stop = threading.Event()

    def keep() -> None:
        # The expiry moves while this writer works: only a writer that died lets it lapse.
        while not stop.wait(settings.index.writer_lock_seconds / 3):
            lock.refresh()

    keeper = threading.Thread(target=keep, name="writer-lock", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        stop.set()
        keeper.join(5)
        lock.release()
