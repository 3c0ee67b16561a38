"""While the app loads, the boot page answers with the app's headers and refuses bad bodies the same way."""

from __future__ import annotations

import asyncio
import json

import httpx

from app.boot import Booting
from rag.answer.prompts import Prompts
from rag.settings import PROJECT_ROOT

_URL = "http://boot.test"


def _request(method: str, path: str, **kwargs: object) -> httpx.Response:
    booting = Booting("Đang chuẩn bị tài liệu… (0/?)", Prompts(PROJECT_ROOT / "prompts"), 65_536)

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=booting), base_url=_URL) as client:
            return await client.request(method, path, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(go())


def test_bad_bodies_get_the_uniform_4xx() -> None:
    cases = [
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "invalid_json"),
        ({"content": b"question=x", "headers": {"content-type": "application/x-www-form-urlencoded"}}, 415,
         "unsupported_media_type"),
        ({"content": json.dumps({"q": "x"}).encode(), "headers": {"content-type": "application/json"}}, 422,
         "invalid_body"),
        ({"content": b"x" * (5 * 1024 * 1024), "headers": {"content-type": "application/json"}}, 413,
         "body_too_large"),
    ]
    for kwargs, status, code in cases:
        for path in ("/api/ask", "/api/ask/stream"):
            r = _request("POST", path, **kwargs)
            assert r.status_code == status, (path, code)
            body = r.json()
            assert body["code"] == code and body["message"] and "not json" not in body["message"]
            assert r.headers["x-content-type-options"] == "nosniff"


def test_a_well_formed_question_gets_the_preparing_reply() -> None:
    r = _request("POST", "/api/ask", json={"question": "Nghị quyết 57 ban hành ngày nào?"})
    assert r.status_code == 200 and r.json()["reason"] == "indexing"
    assert r.json()["answer"].startswith("Đang chuẩn bị")


def test_the_page_carries_the_apps_security_headers() -> None:
    r = _request("GET", "/")
    assert r.status_code == 503 and "Đang chuẩn bị" in r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    policy = r.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'self'" in policy
    health = _request("GET", "/api/health")
    assert health.json()["status"] == "indexing" and health.headers["x-content-type-options"] == "nosniff"
