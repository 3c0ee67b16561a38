"""The JSON API, access control and feedback, over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from app.ratelimit import RateLimiter
from app.stores import FeedbackStore, make_engine
from rag.answer.prompts import Prompts
from rag.settings import Settings

REPLY_KEYS = {"question", "answer", "refused", "reason", "citations", "contexts", "provider", "timings_ms"}


def test_ask_returns_the_cli_shape(live_server: str) -> None:
    r = httpx.post(f"{live_server}/api/ask", json={"question": "Số điện thoại của CDC Hà Nội là gì?"}, timeout=60)
    assert r.status_code == 200
    data = r.json()
    assert set(data) == REPLY_KEYS and data["reason"] == "answered" and "02438343537" in data["answer"]


def test_stream_sends_deltas_then_final(live_server: str) -> None:
    events = []
    with httpx.stream("POST", f"{live_server}/api/ask/stream", json={"question": "Giai đoạn vươn mình là những năm nào?"},
                      timeout=60) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for block in r.read().decode().split("\n\n"):
            if block.strip():
                kind = block.split("\n")[0].removeprefix("event: ")
                events.append((kind, json.loads(block.split("\n")[1].removeprefix("data: "))))
    assert events[0][0] == "delta" and events[-1][0] == "final"
    assert set(events[-1][1]["reply"]) == REPLY_KEYS


def test_health_and_documents(live_server: str) -> None:
    health = httpx.get(f"{live_server}/api/health").json()
    assert health == {"status": "ok", "documents": 9, "provider": "extractive"}
    docs = {d["source"]: d for d in httpx.get(f"{live_server}/api/documents").json()}
    assert "seeds/002_8573dfc301923219.txt" in docs
    law = docs["seeds/luat-bhyt_25-2008-QH12_vbhn-22-VBHN-VPQH_2025-02-26.md"]
    assert (law["title"], law["number"], law["type"], law["status"]) == (
        "Luật Bảo hiểm y tế", "22/VBHN-VPQH", "Luật", "in_force")
    assert law["effective"] == "2025-07-01" and law["chunks"] > 100
    decree = docs["seeds/nd146_2018-ND-CP_superseded-by-nd188-2025.md"]
    assert decree["title"].startswith("Nghị định 146/2018/NĐ-CP")
    assert (decree["status"], decree["replaced_by"]) == ("superseded", "188/2025/NĐ-CP")


def test_origins(live_server: str, other_origin_port: int, app_settings: Settings) -> None:
    origin = f"http://127.0.0.1:{other_origin_port}"
    ok = httpx.post(f"{live_server}/api/ask", json={"question": "Nghị quyết 57 ban hành ngày nào?"},
                    headers={"Origin": origin, "X-Hoidap-Site": "demo"}, timeout=60)
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == origin
    pre = httpx.options(f"{live_server}/api/ask/stream", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST", "X-Hoidap-Site": "demo"})
    assert pre.status_code == 204 and "X-Hoidap-Site" in pre.headers["access-control-allow-headers"]
    bad = httpx.post(f"{live_server}/api/ask", json={"question": "x"},
                     headers={"Origin": "http://evil.test", "X-Hoidap-Site": "demo"})
    assert bad.status_code == 403 and "access-control-allow-origin" not in bad.headers
    assert bad.json()["code"] == "origin_refused" and bad.json()["message"] == Prompts(
        app_settings.paths.prompts_dir).error("origin_refused")
    widget = httpx.get(f"{live_server}/widget.js")
    assert widget.status_code == 200 and len(widget.content) < 30_000 and "__HOIDAP_TEXTS__" not in widget.text


def test_site_limits(live_server: str, app_settings: Settings) -> None:
    long_q = "Nghị quyết " * 40
    r = httpx.post(f"{live_server}/api/ask", json={"question": long_q}, headers={"X-Hoidap-Site": "demo",
                   "Origin": app_settings.server.sites["demo"].origins[0]}, timeout=60).json()
    assert r["reason"] == "invalid_input" and "300" in r["answer"]
    headers = {"X-Hoidap-Site": "tiny", "Origin": "http://tiny.test"}
    codes = [httpx.post(f"{live_server}/api/ask", json={"question": "Nghị quyết 57?"}, headers=headers,
                        timeout=60).status_code for _ in range(3)]
    assert codes[:2] == [200, 200] and codes[2] == 429
    limited = httpx.post(f"{live_server}/api/ask", json={"question": "x"}, headers=headers)
    assert limited.json()["code"] == "rate_limited" and limited.json()["message"] == Prompts(
        app_settings.paths.prompts_dir).error("rate_limited")


def test_html_in_questions_stays_text(live_server: str) -> None:
    payload = "<img src=x onerror=alert(1)> Nghị quyết 57 ban hành ngày nào?"
    data = httpx.post(f"{live_server}/api/ask", json={"question": payload}, timeout=60).json()
    assert data["question"] == payload
    from app.render import answer_html

    assert "<img" not in answer_html(payload) and "&lt;img" in answer_html(payload)


def test_rate_limiter_window() -> None:
    rl = RateLimiter(window_s=60)
    assert rl.allow("k", 2, now=0) and rl.allow("k", 2, now=1) and not rl.allow("k", 2, now=2)
    assert rl.allow("k", 2, now=61)


def test_feedback_export_makes_evaluation_cases(tmp_path: Path) -> None:
    store = FeedbackStore(make_engine(f"sqlite:///{tmp_path / 'fb.sqlite'}"))
    reply = {"question": "Câu hỏi?", "answer": "Trả lời [1].", "citations": [{"n": 1}], "provider": "extractive"}
    store.add(reply, 1)
    row = store.add(reply, -1)
    store.comment(row, "Sai ngày")
    n = store.export_negative(tmp_path / "cases.jsonl")
    cases = [json.loads(x) for x in (tmp_path / "cases.jsonl").read_text(encoding="utf-8").splitlines()]
    assert n == 1 and cases[0]["question"] == "Câu hỏi?" and cases[0]["review"]["comment"] == "Sai ngày"
    assert {"id", "category", "question", "reference", "key_facts", "sources", "span"} <= set(cases[0])


def test_gradio_api_is_usable_from_gradio_client(live_server: str) -> None:
    from gradio_client import Client

    client = Client(live_server + "/", verbose=False)
    result = client.predict("Sở Y tế Thanh Hóa xác định mấy trụ cột?", api_name="/ask")
    assert result["reason"] == "answered" and "ba trụ cột" in result["answer"]
