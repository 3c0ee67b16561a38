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

log = logging.getLogger(__name__)


class Booting:
    def __init__(self, message: str) -> None:
        self.message = message
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
        await self._placeholder(scope, send)

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

    async def _placeholder(self, scope: Scope, send: Send) -> None:
        path = scope.get("path", "")
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
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(data)).encode()),
                                (b"retry-after", b"5"), (b"cache-control", b"no-store")]})
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
