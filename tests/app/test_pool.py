"""Answer worker processes give the same answers as the server process, on every core."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from app.bench import serve_in_thread
from app.server import create_app
from rag.answer.assistant import Assistant
from rag.settings import Settings
from tests.app.conftest import TOKEN, small_index
from tests.fakes import free_port


def test_worker_processes_answer_like_the_server_process(app_settings: Settings, assistant: Assistant) -> None:
    s = app_settings.model_copy(deep=True)
    s.server.workers = 2
    app = create_app(s, with_ui=False)
    pool = app.state.service.pool
    assert pool is not None and pool.workers == 2 and pool.wait_ready(180)
    port = free_port()
    server: Any = serve_in_thread(app, port)
    try:
        questions = ["Số điện thoại của CDC Hà Nội là gì?", "Giai đoạn vươn mình là những năm nào?",
                     "Chi phí nạo phá thai có được bảo hiểm y tế chi trả hay không?"]
        for q in questions:
            got = httpx.post(f"http://127.0.0.1:{port}/api/ask", json={"question": q}, timeout=120).json()
            want = assistant.ask(q).as_json()
            assert (got["reason"], got["answer"], got["citations"]) == (want["reason"], want["answer"], want["citations"])
        usage = app.state.service.usage.summary()
        assert usage["total"] >= len(questions)  # recorded by the server process, not lost in a worker
    finally:
        server.should_exit = True
        pool.close()


def test_worker_processes_see_uploads_and_deletes_on_embedded_chroma(tmp_path: Path, cache_dir: Path) -> None:
    """The server process writes; the answer workers (other processes, embedded Chroma) must see it."""
    s = small_index(tmp_path, cache_dir)
    s.server.workers = 2
    app = create_app(s, with_ui=False)
    pool = app.state.service.pool
    assert pool is not None and pool.wait_ready(180)
    port = free_port()
    server: Any = serve_in_thread(app, port)
    url, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {TOKEN}"}
    question = "Trạm Y tế xã Minh Châu khám bệnh vào những ngày nào?"
    fact = "Lịch khám của Trạm Y tế xã Minh Châu\n\nTrạm Y tế xã Minh Châu khám bệnh vào thứ Ba và thứ Sáu hằng tuần.\n"

    def cites() -> bool:
        reply = httpx.post(f"{url}/api/ask", json={"question": question}, timeout=60).json()
        return any("minh-chau" in c["source"] for c in reply["citations"]) and "thứ Ba" in reply["answer"]

    try:
        with ThreadPoolExecutor(max_workers=4) as ex:  # every worker has Chroma open before the upload
            assert not any(ex.map(lambda _: cites(), range(6)))
        up = httpx.post(f"{url}/api/admin/documents", headers=auth, files={"file": ("minh-chau.txt", fact.encode())},
                        timeout=120)
        assert up.status_code == 201
        # Every worker must answer from it (more questions than workers, all at once).
        with ThreadPoolExecutor(max_workers=4) as ex:
            assert all(ex.map(lambda _: cites(), range(6)))
        assert httpx.delete(f"{url}/api/admin/documents/{up.json()['id']}", headers=auth).status_code == 200
        with ThreadPoolExecutor(max_workers=4) as ex:
            assert not any(ex.map(lambda _: cites(), range(6)))
    finally:
        server.should_exit = True
        pool.close()
