"""Bad input, body caps, static caching and security headers, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from rag.answer.prompts import Prompts
from rag.settings import Settings

MARKER = "ECHO-MARKER-7f3a"


@pytest.mark.parametrize("content,ctype,status,code", [
    ('{"question": "' + MARKER, "application/json", 400, "invalid_json"),
    (json.dumps([MARKER]), "application/json", 422, "invalid_body"),
    (json.dumps({"question": 57, "note": MARKER}), "application/json", 422, "invalid_body"),
    (json.dumps({"question": "Hỏi", "history": MARKER}), "application/json", 422, "invalid_body"),
    (MARKER, "text/plain", 415, "unsupported_media_type"),
    (f"question={MARKER}", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
])
def test_bad_bodies_get_one_vietnamese_error_shape(live_server: str, app_settings: Settings, content: str,
                                                    ctype: str, status: int, code: str) -> None:
    for path in ("/api/ask", "/api/ask/stream", "/api/feedback"):
        r = httpx.post(f"{live_server}{path}", content=content.encode(), headers={"Content-Type": ctype})
        assert r.status_code == status, (path, r.text)
        body = r.json()
        assert body["code"] == code and body["message"] == Prompts(app_settings.paths.prompts_dir).error(code)
        assert MARKER not in r.text


def test_unknown_paths_and_methods_use_the_same_shape(live_server: str) -> None:
    missing = httpx.get(f"{live_server}/api/nothing-here")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong = httpx.get(f"{live_server}/api/ask")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed" and "GET" in wrong.json()["message"]


def test_large_bodies_are_refused_before_parsing(live_server: str, app_settings: Settings) -> None:
    big = json.dumps({"question": MARKER + "x" * 5_000_000})
    r = httpx.post(f"{live_server}/api/ask", content=big.encode(), headers={"Content-Type": "application/json"},
                   timeout=60)
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"
    assert len(r.content) < 2000 and MARKER not in r.text
    assert str(app_settings.server.max_body_bytes // 1024) in r.json()["message"]

    def chunked() -> Iterator[bytes]:  # no Content-Length: the limit is counted while reading
        for _ in range(100):
            yield b"x" * 10_000

    r = httpx.post(f"{live_server}/api/ask", content=chunked(), headers={"Content-Type": "application/json"},
                   timeout=60)
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"


def test_history_is_capped(live_server: str) -> None:
    history = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"câu {i}"} for i in range(150)]
    r = httpx.post(f"{live_server}/api/ask", json={"question": "Số điện thoại của CDC Hà Nội là gì?",
                                                   "history": history}, timeout=60)
    assert r.status_code == 200 and "02438343537" in r.json()["answer"]
    too_many = [{"role": "user", "content": "x"}] * 300
    r = httpx.post(f"{live_server}/api/ask", json={"question": "Hỏi", "history": too_many}, timeout=60)
    assert r.status_code == 422 and r.json()["code"] == "invalid_body"


def test_invisible_characters_do_not_change_the_answer(live_server: str) -> None:
    clean = "Số điện thoại của CDC Hà Nội là gì?"
    dirty = "Số điện\u0000 thoại của\u200b CDC\ufeff Hà\u200d Nội là gì?\u0007"
    a = httpx.post(f"{live_server}/api/ask", json={"question": clean}, timeout=60).json()
    b = httpx.post(f"{live_server}/api/ask", json={"question": dirty}, timeout=60).json()
    assert b["reason"] == a["reason"] == "answered" and b["answer"] == a["answer"]
    assert b["question"] == clean


def test_static_files_answer_head_with_caching_and_compression(live_server: str) -> None:
    head = httpx.head(f"{live_server}/widget.js")
    get = httpx.get(f"{live_server}/widget.js", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"] and int(head.headers["content-length"]) == len(get.content)
    again = httpx.get(f"{live_server}/widget.js", headers={"If-None-Match": get.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    with httpx.Client() as c:
        raw = c.get(f"{live_server}/widget.js", headers={"Accept-Encoding": "gzip"})
        assert raw.headers.get("content-encoding") == "gzip" and raw.content == get.content
    assert httpx.head(f"{live_server}/demo").status_code == 200
    stream = httpx.post(f"{live_server}/api/ask/stream", json={"question": "Nghị quyết 57 ban hành ngày nào?"},
                        headers={"Accept-Encoding": "gzip"}, timeout=60)
    assert "content-encoding" not in stream.headers  # events must reach the widget as they are written
    assert stream.status_code == 200


@pytest.mark.parametrize("path", ["/", "/demo", "/admin"])
def test_pages_carry_security_headers(live_server: str, path: str) -> None:
    r = httpx.get(f"{live_server}{path}")
    csp = r.headers["content-security-policy"]
    script_src = next(p for p in csp.split("; ") if p.startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors" in csp and "object-src 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"]
    api = httpx.get(f"{live_server}/api/health")
    assert api.headers["x-content-type-options"] == "nosniff"


def test_chat_page_is_vietnamese_with_its_own_title(live_server: str, app_settings: Settings) -> None:
    page = httpx.get(f"{live_server}/").text
    texts = Prompts(app_settings.paths.prompts_dir).ui()
    assert '<html lang="vi"' in page and 'lang="en"' not in page.split("<head>")[0]
    assert f'<meta property="og:title" content="{texts["title"]}"' in page
    assert 'content="Gradio"' not in page and "Click to try out the app" not in page
    assert f'<meta name="description" content="{texts["description"]}"' in page
