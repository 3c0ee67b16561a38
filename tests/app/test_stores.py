"""Feedback and usage stores on SQLite and on a real PostgreSQL that the test starts itself."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from app.stores import Stores
from rag.settings import Settings
from tests.conftest import make_settings
from tests.fakes import free_port


def _as_postgres(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    bindir = Path(bins[-1]).parent
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: cannot start PostgreSQL as its own user")
    root = Path(tempfile.mkdtemp(prefix="hoidap-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    port = free_port()
    init = subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
                          capture_output=True, text=True, timeout=120)
    if init.returncode != 0:
        pytest.skip(f"initdb failed: {init.stderr.strip()[-300:]}")
    start = subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"),
                                         "-o", f"-p {port} -k {sock} -c listen_addresses=127.0.0.1", "start"]),
                           capture_output=True, text=True, timeout=120)
    if start.returncode != 0:
        pytest.skip(f"PostgreSQL did not start: {start.stderr.strip()[-300:]}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                       capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


def _exercise(settings: Settings) -> None:
    stores = Stores(settings)
    reply = {"question": "Gọi 0912345678 hỏi BHYT?", "answer": "Trả lời [1].", "citations": [{"n": 1, "source": "a"}],
             "provider": "extractive"}
    up = stores.feedback.add(reply, 1)
    down = stores.feedback.add(reply, -1, "Sai", "vandon")
    stores.feedback.comment(down, "Sai ngày, gọi 0987 654 321")
    rows = stores.feedback.rows()
    assert [r["id"] for r in rows] == [up, down] and rows[1]["citations"] == [{"n": 1, "source": "a"}]
    assert "0912345678" not in rows[0]["question"] and "654 321" not in rows[1]["comment"]
    assert [c["id"] for c in stores.feedback.cases()] == [f"feedback-{down}"]
    now = time.time()
    stores.usage.add("Mức đóng BHYT là bao nhiêu?", "answered", "vandon", "Luật Bảo hiểm y tế", now=now)
    stores.usage.add("Giá vé tàu ra đảo?", "not_in_documents", "", "Tin y tế", now=now)
    stores.usage.add("gia ve tau ra dao", "not_in_documents", "", "Tin y tế", now=now)
    stores.usage.add("Câu hỏi cũ", "not_in_documents", "", "", now=now - 400 * 86400)
    summary = stores.usage.summary()
    assert summary["total"] == 3 and summary["reasons"]["not_in_documents"]["count"] == 2
    assert summary["unanswered"] == [{"question": "gia ve tau ra dao", "count": 2, "nearest": "Tin y tế"}]
    assert stores.usage.purge(now) == 1  # older than the retention period
    # A second worker on the same database sees the same rows.
    assert len(Stores(settings).feedback.rows()) == 2


def test_sqlite_store(tmp_path: Path, cache_dir: Path) -> None:
    _exercise(make_settings(tmp_path / "data", cache_dir))
    assert (tmp_path / "data" / "feedback.sqlite").exists()


def test_postgresql_store(tmp_path: Path, cache_dir: Path, postgres_url: str) -> None:
    settings = make_settings(tmp_path / "data", cache_dir)
    settings.store.url = SecretStr(postgres_url)
    _exercise(settings)
    assert not (tmp_path / "data" / "feedback.sqlite").exists()


def test_the_writer_lock_on_postgresql_is_held_by_one_session_and_freed_with_it(postgres_url: str) -> None:
    from rag.index.writer_lock import PostgresLock

    first, second = PostgresLock(postgres_url, "hoidap_index"), PostgresLock(postgres_url, "hoidap_index")
    assert first.try_acquire() is None
    assert second.try_acquire() is not None  # another machine holds it: wait
    # The holder's session ends (its process died): the database frees the lock.
    first.conn.close()
    first.engine.dispose()
    assert second.try_acquire() is None
    second.release()
    other = PostgresLock(postgres_url, "another_index")  # one lock per index
    assert other.try_acquire() is None
    other.release()
