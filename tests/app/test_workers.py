"""Two app processes on one `chroma run` server, no shared folder: what one indexes, the other answers."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.app.conftest import TOKEN
from tests.conftest import cli_env, make_settings
from tests.fakes import chroma_server, free_port, stop_all

pytestmark = pytest.mark.server
FACT = ("Lịch tiêm chủng tại Trạm Y tế đặc khu Cô Tô\n\n"
        "Trạm Y tế đặc khu Cô Tô tổ chức tiêm chủng mở rộng vào ngày 25 hằng tháng, từ 7 giờ 30 phút đến 11 giờ.\n")
QUESTION = "Trạm Y tế đặc khu Cô Tô tiêm chủng mở rộng vào ngày nào hằng tháng?"


def _wait_http(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).json().get("status") == "ok":
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} not ready in {seconds} s")


@pytest.fixture
def chroma_port(tmp_path: Path) -> Iterator[int]:
    with chroma_server(tmp_path / "chroma-server") as port:
        yield port


def test_a_document_uploaded_to_one_worker_is_answered_by_the_other(tmp_path: Path, cache_dir: Path,
                                                                     chroma_port: int) -> None:
    docs = tmp_path / "seeds"
    docs.mkdir()
    (docs / "intro.txt").write_text("Tin y tế\n\nĐơn thuốc điện tử được triển khai tại các bệnh viện trong tỉnh "
                                    "từ năm 2025 theo hướng dẫn của Bộ Y tế.\n", encoding="utf-8")
    common = {"HOIDAP_INDEX__CHROMA_HOST": "127.0.0.1", "HOIDAP_INDEX__CHROMA_PORT": str(chroma_port),
              "HOIDAP_PATHS__SEEDS_DIR": str(docs), "HOIDAP_ADMIN__TOKEN": TOKEN, "HOIDAP_INDEX__REFRESH_SECONDS": "1",
              "HOIDAP_SERVER__IP_RATE_PER_MINUTE": "1000"}
    envs, urls, procs = [], [], []
    for name, workers in (("a", "1"), ("b", "2")):
        settings = make_settings(tmp_path / f"data-{name}", cache_dir)
        port = free_port()
        envs.append(cli_env(settings, HOIDAP_SERVER__PORT=str(port), HOIDAP_SERVER__WORKERS=workers, **common))
        urls.append(f"http://127.0.0.1:{port}")
    built = subprocess.run([sys.executable, "-m", "rag", "ingest", str(docs)], env=envs[0], capture_output=True,
                           text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    try:
        for env in envs:
            procs.append(subprocess.Popen([sys.executable, "-m", "app"], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        for url in urls:
            _wait_http(f"{url}/api/health", 120)
        a, b = urls
        up = httpx.post(f"{a}/api/admin/documents", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120,
                        files={"file": ("lich-tiem-co-to.txt", FACT.encode(), "text/plain")})
        assert up.status_code == 201, up.text
        doc_id = up.json()["id"]
        uploaded = time.monotonic()

        def b_cites_it() -> Any:
            reply = httpx.post(f"{b}/api/ask", json={"question": QUESTION}, timeout=60).json()
            return reply if any("co-to" in c["source"] for c in reply["citations"]) else None

        reply = None
        while reply is None and time.monotonic() - uploaded < 15:
            reply = b_cites_it()
            time.sleep(0.5)
        assert reply is not None, "the other worker never saw the upload"
        assert "ngày 25" in reply["answer"]
        seen_after = time.monotonic() - uploaded
        assert seen_after < 10

        gone = httpx.delete(f"{a}/api/admin/documents/{doc_id}", headers={"Authorization": f"Bearer {TOKEN}"})
        assert gone.status_code == 200
        deleted = time.monotonic()
        while b_cites_it() is not None and time.monotonic() - deleted < 15:
            time.sleep(0.5)
        assert b_cites_it() is None
        listed = httpx.get(f"{b}/api/admin/documents", headers={"Authorization": f"Bearer {TOKEN}"}).json()
        assert [d["source"] for d in listed["documents"]] == [f"{docs}/intro.txt"]
        # No shared folder: the second worker keeps only its local cache, never the vectors or the uploads.
        assert not (tmp_path / "data-b" / "chroma").exists() and not (tmp_path / "data-b" / "uploads").exists()
    finally:
        stop_all(procs)
