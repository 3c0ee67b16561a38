"""The port opens at once: a small ASGI app answers while the real one imports and assembles (Gradio,
the models and the index take 10 s or more on 2 cores), then hands every request to it.

It owns the server's lifespan, and enters the real app's lifespan (Gradio's startup events, the answer
workers) in the server's own event loop once that app is built.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import threading
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

from starlette.types import Receive, Scope, Send

from app.middleware import content_security_policy

log = logging.getLogger(__name__)


_JSON_TYPES = ("application/json",)
_ASK_PATHS = ("/api/ask", "/api/ask/stream")


class Booting:
    def __init__(self, message: str, prompts: Any = None, max_body_bytes: int = 65_536) -> None:
        """``prompts``: the API's error messages (rag.answer.prompts.Prompts); ``max_body_bytes``: the
        ready app's body cap, so a request is refused the same way before and after the app is up."""
        self.message = message
        self.prompts = prompts
        self.max_body_bytes = max_body_bytes
        self.app: Any = None
        self.failed: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Event()
        self._stack: AsyncExitStack | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if self.app is not None:
            await self.app(scope, receive, send)
            return
        await self._placeholder(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._loop = asyncio.get_running_loop()
                self._started.set()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._stack is not None:
                    await self._stack.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _refusal(self, scope: Scope, receive: Receive) -> tuple[int, str] | None:
        """The ready app's 4xx for a question body it would refuse: (status, code), or None when well formed."""
        if scope.get("method") != "POST" or scope.get("path") not in _ASK_PATHS:
            return None
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            return 413, "body_too_large"
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in _JSON_TYPES and not ctype.endswith("+json"):
            return 415, "unsupported_media_type"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > self.max_body_bytes:
                return 413, "body_too_large"
            if not message.get("more_body"):
                break
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return 400, "invalid_json"
        if not isinstance(data, dict) or not isinstance(data.get("question"), str):
            return 422, "invalid_body"
        return None

    async def _placeholder(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        refused = await self._refusal(scope, receive) if path.startswith("/api/") else None
        if refused is not None:
            status, code = refused
            values = {"limit": self.max_body_bytes // 1024} if code == "body_too_large" else {}
            message = self.prompts.error(code, **values) if self.prompts is not None else code
            data = json.dumps({"code": code, "error": code, "message": message}, ensure_ascii=False).encode()
            await self._send(send, status, data, b"application/json", [])
            return
        if path.startswith("/api/"):
            if path == "/api/health":
                body: dict[str, Any] = {"status": "failed" if self.failed else "indexing",
                                        "progress": {"done": 0, "total": 0}, "documents": 0}
            else:
                body = {"question": "", "answer": self.message, "refused": True, "reason": "indexing",
                        "citations": [], "contexts": [], "provider": "", "timings_ms": {}}
            data, ctype, status = json.dumps(body, ensure_ascii=False).encode(), b"application/json", 200
        else:
            page = (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta http-equiv="refresh" '
                    f'content="5"><title>{html.escape(self.message)}</title></head><body><p>{html.escape(self.message)}'
                    "</p></body></html>")
            data, ctype, status = page.encode(), b"text/html; charset=utf-8", 503
        await self._send(send, status, data, ctype, [(b"retry-after", b"5")])

    @staticmethod
    async def _send(send: Send, status: int, data: bytes, ctype: bytes, extra: list[tuple[bytes, bytes]]) -> None:
        # The ready app's security headers (app.middleware): the same while the app is loading.
        headers = [(b"content-type", ctype), (b"content-length", str(len(data)).encode()), (b"cache-control", b"no-store"),
                   (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin"),
                   *extra]
        if ctype.startswith(b"text/html"):
            policy = content_security_policy(data.decode(), [], [], [])
            headers.append((b"content-security-policy", policy.encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    def load(self, build: Callable[[], Any], on_error: Callable[[Exception], None]) -> None:
        """Build the real app in this thread, then enter its lifespan in the server's loop and switch to it."""
        try:
            app = build()
        except Exception as exc:  # noqa: BLE001 - reported by on_error, which stops the server
            self.failed = str(exc)
            on_error(exc)
            return
        self._started.wait()

        async def enter() -> None:
            stack = AsyncExitStack()
            await stack.enter_async_context(app.router.lifespan_context(app))
            self._stack = stack
            self.app = app

        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(enter(), self._loop).result()
        log.info("the app is ready")
