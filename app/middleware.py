"""ASGI middleware: request body caps, security headers, and the chat page's own language and metadata.

Pure ASGI rather than ``BaseHTTPMiddleware`` so streamed answers (SSE) pass through untouched.
Starlette's ``RequestBodyLimitMiddleware`` answers in English plain text; ours answers in the API's
JSON error shape.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Callable
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SCRIPT_RE = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
_SOCIAL_META_RE = re.compile(r'\s*<meta\s+(?:property="og:[^"]*"|name="twitter:[^"]*")[^>]*/?>', re.S)
_HTML_LANG_RE = re.compile(r"(<html\b[^>]*?)\s+lang=\"[^\"]*\"", re.S)


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over a limit with 413, before the route parses them."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str, str], int | None],
                 refuse: Callable[[int], Any]) -> None:
        self.app, self.limit_for, self.refuse = app, limit_for, refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit_for(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self.refuse(limit)(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            if started:
                raise
            await self.refuse(limit)(scope, receive, send)


def script_hashes(page: str) -> list[str]:
    """CSP hashes of a page's inline scripts: the page may run exactly these and nothing injected."""
    out = []
    for m in _SCRIPT_RE.finditer(page):
        if "src=" in m.group("attrs"):
            continue
        digest = hashlib.sha256(m.group("body").encode()).digest()
        out.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(set(out))


def content_security_policy(page: str, frame_ancestors: list[str], scripts: list[str], connect: list[str]) -> str:
    script_src = " ".join(["'self'", *scripts, *script_hashes(page)])
    connect_src = " ".join(["'self'", *connect])
    return "; ".join([
        "default-src 'self'", f"script-src {script_src}", f"connect-src {connect_src}",
        # Gradio and the widget set styles from script (Svelte, Shadow DOM <style>); no inline *script* runs.
        "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:", "font-src 'self' data:",
        "media-src 'self' blob:", "worker-src 'self' blob:", "object-src 'none'", "base-uri 'self'",
        "form-action 'self'", "frame-ancestors " + " ".join(["'self'", *frame_ancestors]),
    ])


def localize_page(page: str, lang: str, title: str, description: str) -> str:
    """Gradio's page says lang="en" and og:title "Gradio": make it the product's own page."""
    page = _HTML_LANG_RE.sub(lambda m: f"{m.group(1)} lang=\"{lang}\"", page, count=1)
    page = _SOCIAL_META_RE.sub("", page)
    t, d = html.escape(title, quote=True), html.escape(description, quote=True)
    meta = (f'<meta name="description" content="{d}" /><meta property="og:type" content="website" />'
            f'<meta property="og:title" content="{t}" /><meta property="og:description" content="{d}" />'
            f'<meta name="twitter:card" content="summary" /><meta name="twitter:title" content="{t}" />'
            f'<meta name="twitter:description" content="{d}" />')
    # Gradio's runtime sets <html lang> to its UI locale (English here): the content stays Vietnamese,
    # so screen readers must keep reading it as such. This inline script is hashed into the CSP.
    keep_lang = ("<script>(function(){var d=document.documentElement;new MutationObserver(function(){"
                 f"if(d.lang!=='{lang}')d.lang='{lang}';}}).observe(d,{{attributes:true,attributeFilter:['lang']}});}})();"
                 "</script>")
    return page.replace("<head>", "<head>" + meta + keep_lang, 1)


class SecurityHeaders:
    """nosniff and a referrer policy on every response; on HTML pages a CSP that hashes their inline scripts."""

    def __init__(self, app: ASGIApp, policy: Callable[[str, str], str], rewrite: Callable[[str, str], str]) -> None:
        self.app, self.policy, self.rewrite = app, policy, rewrite

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "HEAD":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        start: Message | None = None
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                if not headers.get("content-type", "").startswith("text/html"):
                    await send(message)
                    return
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            page = self.rewrite(path, b"".join(chunks).decode("utf-8", "replace"))
            body = page.encode()
            headers = MutableHeaders(scope=start)
            headers["Content-Length"] = str(len(body))
            headers["Content-Security-Policy"] = self.policy(path, page)
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, wrapped)


def json_refusal(body: dict[str, Any], status: int) -> Callable[[Scope, Receive, Send], Any]:
    data = json.dumps(body, ensure_ascii=False).encode()

    async def respond(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": data})

    return respond
