"""The first start opens the port at once and says it is preparing the documents."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from rag.settings import PROJECT_ROOT
from tests.conftest import cli_env, make_settings
from tests.fakes import free_port


def test_port_answers_at_once_while_the_first_index_builds(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in ("luat-bhyt_25-2008-QH12_vbhn-22-VBHN-VPQH_2025-02-26.md", "nq57_NQ-TW_2024-12-22_fulltext.md"):
        shutil.copy(PROJECT_ROOT / "seeds" / name, seeds / name)
    # A cold embedding cache: indexing takes a minute or more, far longer than the port may stay closed.
    settings = make_settings(tmp_path / "data", tmp_path / "cache")
    port = free_port()
    env = cli_env(settings, HOIDAP_PATHS__SEEDS_DIR=str(seeds), HOIDAP_EMBED__CACHE="false",
                  HOIDAP_SERVER__PORT=str(port))
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "app"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        health = None
        while time.monotonic() - started < 10:
            try:
                health = httpx.get(f"{url}/api/health", timeout=2).json()
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert health is not None, "the port stayed closed for 10 s"
        assert health["status"] == "indexing"
        early = httpx.post(f"{url}/api/ask", json={"question": "Nghị quyết 57 ban hành ngày nào?"}, timeout=10).json()
        assert early["reason"] == "indexing" and early["answer"].startswith("Đang chuẩn bị tài liệu")
        while health["progress"]["total"] == 0 and time.monotonic() - started < 120:
            time.sleep(0.5)  # the app itself is still loading (Gradio, the models)
            health = httpx.get(f"{url}/api/health", timeout=5).json()
        assert health["status"] == "indexing" and health["progress"]["total"] == 2
        assert 0 <= health["progress"]["done"] < 2
        reply = httpx.post(f"{url}/api/ask", json={"question": "Người lao động đóng bao nhiêu tiền BHYT?"},
                           timeout=10)
        assert reply.status_code == 200
        body = reply.json()
        assert body["reason"] == "indexing" and body["refused"] and body["answer"].startswith("Đang chuẩn bị tài liệu")
        assert "/2)" in body["answer"]
        page = httpx.get(f"{url}/", timeout=10)
        assert page.status_code == 200
        widget = httpx.get(f"{url}/widget.js", timeout=10)
        assert widget.status_code == 200
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
