"""No answer worker outlives its server: not after SIGTERM (systemd, Docker), not after SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import cli_env, make_settings
from tests.fakes import free_port

DOC = ("Lịch tiêm chủng tại Trạm Y tế đặc khu Cô Tô\n\n"
       "Trạm Y tế đặc khu Cô Tô tổ chức tiêm chủng mở rộng vào ngày 25 hằng tháng, từ 7 giờ 30 phút đến 11 giờ.\n")
QUESTION = "Trạm Y tế đặc khu Cô Tô tiêm chủng mở rộng vào ngày nào hằng tháng?"


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (read from /proc: children, their children …)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def alive(pids: set[int]) -> set[int]:
    out = set()
    for pid in pids:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.add(pid)
    return out


@pytest.fixture
def server(tmp_path: Path, cache_dir: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    docs = tmp_path / "seeds"
    docs.mkdir()
    (docs / "lich-tiem.txt").write_text(DOC, encoding="utf-8")
    settings = make_settings(tmp_path / "data", cache_dir)
    port = free_port()
    env = cli_env(settings, HOIDAP_PATHS__SEEDS_DIR=str(docs), HOIDAP_SERVER__PORT=str(port),
                  HOIDAP_SERVER__WORKERS="2", HOIDAP_SERVER__SHUTDOWN_SECONDS="5")
    built = subprocess.run([sys.executable, "-m", "rag", "ingest", str(docs)], env=env, capture_output=True,
                           timeout=300)
    assert built.returncode == 0, built.stderr
    proc = subprocess.Popen([sys.executable, "-m", "app"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/health", timeout=2).json().get("status") == "ok" \
                        and len(descendants(proc.pid)) >= 2:
                    break
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)
        else:
            raise AssertionError("the server did not start its workers")
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)


def _gone_within(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.5)
    return alive(pids)


def test_sigterm_during_an_answer_ends_it_cleanly_and_leaves_no_child(
        server: tuple[subprocess.Popen[bytes], str]) -> None:
    proc, url = server
    httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60)  # the workers are busy-ready
    children = descendants(proc.pid)
    assert children
    events: list[str] = []
    failures: list[BaseException] = []

    def stream() -> None:
        try:
            with httpx.stream("POST", f"{url}/api/ask/stream", json={"question": QUESTION}, timeout=60) as r:
                events.extend(line for line in r.iter_lines() if line.startswith("event:"))
        except httpx.HTTPError as exc:  # a connection refused after shutdown began is a clean end too
            failures.append(exc)

    reader = threading.Thread(target=stream)
    reader.start()
    time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    reader.join(60)
    assert not reader.is_alive()
    if not failures:
        assert events and events[-1] == "event: final"  # the answer in flight completed
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status says what ended it.
    assert proc.wait(30) in (0, -signal.SIGTERM)
    assert _gone_within(children, 10) == set()


def test_sigkill_of_the_server_leaves_no_worker(server: tuple[subprocess.Popen[bytes], str]) -> None:
    proc, url = server
    reply = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert "ngày 25" in reply["answer"], json.dumps(reply, ensure_ascii=False)
    children = descendants(proc.pid)
    assert len(children) >= 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert _gone_within(children, 10) == set()
