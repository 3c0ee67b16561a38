"""One writer across machines: two app machines on one `chroma run` server upload at the same moment."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag.index.embedder import make_embedder
from rag.index.manifest import read_docs, read_generation
from rag.index.store import open_manifest
from rag.index.writer_lock import ChromaLock
from tests.app.conftest import TOKEN
from tests.app.test_workers import _wait_http
from tests.conftest import cli_env, make_settings
from tests.fakes import chroma_server, free_port, stop_all

pytestmark = pytest.mark.server
DOCS = {
    "lich-tiem-co-to.txt": "Lịch tiêm chủng tại Trạm Y tế Cô Tô\n\nTrạm Y tế đặc khu Cô Tô tiêm chủng vào ngày 25 "
                           "hằng tháng, từ 7 giờ 30 phút đến 11 giờ.\n",
    "lich-kham-van-don.txt": "Lịch khám tại Trung tâm Y tế Vân Đồn\n\nTrung tâm Y tế Vân Đồn khám sức khỏe cho người "
                             "cao tuổi vào thứ Năm hằng tuần, từ 8 giờ đến 16 giờ.\n",
}


def test_two_machines_uploading_at_once_are_serialised(tmp_path: Path, cache_dir: Path) -> None:
    docs = tmp_path / "seeds"
    docs.mkdir()
    (docs / "intro.txt").write_text("Tin y tế\n\nĐơn thuốc điện tử được triển khai tại các bệnh viện trong tỉnh "
                                    "từ năm 2025 theo hướng dẫn của Bộ Y tế.\n", encoding="utf-8")
    with chroma_server(tmp_path / "chroma-server") as chroma_port:
        common = {"HOIDAP_INDEX__CHROMA_HOST": "127.0.0.1", "HOIDAP_INDEX__CHROMA_PORT": str(chroma_port),
                  "HOIDAP_PATHS__SEEDS_DIR": str(docs), "HOIDAP_ADMIN__TOKEN": TOKEN, "HOIDAP_SERVER__WORKERS": "1"}
        envs, urls, procs = [], [], []
        for name in ("a", "b"):
            settings = make_settings(tmp_path / f"data-{name}", cache_dir)
            port = free_port()
            envs.append(cli_env(settings, HOIDAP_SERVER__PORT=str(port), **common))
            urls.append(f"http://127.0.0.1:{port}")
        built = subprocess.run([sys.executable, "-m", "rag", "ingest", str(docs)], env=envs[0], capture_output=True,
                               text=True, timeout=300)
        assert built.returncode == 0, built.stderr
        s = make_settings(tmp_path / "probe", cache_dir, index__chroma_host="127.0.0.1", index__chroma_port=chroma_port)
        manifest = open_manifest(s, make_embedder(s).identity, create=False)
        before = int((read_generation(manifest) or {})["generation"])
        try:
            for env in envs:
                procs.append(subprocess.Popen([sys.executable, "-m", "app"], env=env, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))
            for url in urls:
                _wait_http(f"{url}/api/health", 120)
            results: dict[str, Any] = {}

            def upload(url: str, name: str) -> None:
                results[name] = httpx.post(f"{url}/api/admin/documents", headers={"Authorization": f"Bearer {TOKEN}"},
                                           files={"file": (name, DOCS[name].encode(), "text/plain")}, timeout=180)

            threads = [threading.Thread(target=upload, args=(url, name)) for url, name in zip(urls, DOCS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(200)
            assert {n: r.status_code for n, r in results.items()} == {n: 201 for n in DOCS}
            # Both documents indexed once, each commit on top of the other: two generations, not one written twice.
            indexed = {Path(src).name for src in read_docs(manifest)}
            assert indexed == {"intro.txt", *DOCS}
            assert int((read_generation(manifest) or {})["generation"]) == before + 2
            for url in urls:
                listed = httpx.get(f"{url}/api/admin/documents", headers={"Authorization": f"Bearer {TOKEN}"}).json()
                deadline = time.monotonic() + 15
                while len(listed["documents"]) < 3 and time.monotonic() < deadline:
                    time.sleep(0.5)
                    listed = httpx.get(f"{url}/api/admin/documents",
                                       headers={"Authorization": f"Bearer {TOKEN}"}).json()
                assert {Path(d["source"]).name for d in listed["documents"]} == {"intro.txt", *DOCS}
        finally:
            stop_all(procs)


def test_a_lock_whose_holder_died_lapses(tmp_path: Path, cache_dir: Path) -> None:
    s = make_settings(tmp_path / "data", cache_dir)
    manifest = open_manifest(s, make_embedder(s).identity, create=True)
    dead = ChromaLock(manifest, "machine-a:1234", ttl=1.0)
    assert dead.try_acquire() is None
    other = ChromaLock(manifest, "machine-b:99", ttl=60.0)
    assert other.try_acquire() == "machine-a:1234"  # held: the second writer waits
    time.sleep(1.2)  # the holder never renewed it
    assert other.try_acquire() is None
    assert dead.try_acquire() == "machine-b:99"
    other.release()
    assert other.holder() is None
