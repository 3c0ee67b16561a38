"""One server: FastAPI with the JSON API, the widget assets, the demo page and the Gradio chat page."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from app.feedback import FeedbackStore
from app.ratelimit import RateLimiter
from rag.answer import Assistant, Reply
from rag.errors import IndexMissingError, RagError
from rag.prompts import Prompts
from rag.settings import Settings, SiteSettings, load_settings

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
SITE_HEADER = "X-Hoidap-Site"


class AskBody(BaseModel):
    question: str = Field(default="", max_length=100_000)
    history: list[dict[str, Any]] | None = None
    site: str | None = None


class FeedbackBody(BaseModel):
    reply: dict[str, Any]
    rating: int
    comment: str = ""
    site: str | None = None


class Service:
    """What the routes share. Stateless apart from the feedback store."""

    def __init__(self, settings: Settings, assistant: Assistant | None = None) -> None:
        self.settings = settings
        self.prompts = Prompts(settings.paths.prompts_dir)
        self._assistant = assistant
        self.feedback = FeedbackStore(settings.paths.data_dir / "feedback.sqlite")
        self.limiter = RateLimiter()

    @property
    def assistant(self) -> Assistant:
        if self._assistant is None:
            self._assistant = Assistant(self.settings)
        return self._assistant

    def documents(self) -> list[dict[str, Any]]:
        try:
            index = self.assistant.retriever.keyword()
        except RagError:
            return []
        docs = [{"source": d.source, "title": d.metadata.get("title", ""), "date": d.metadata.get("date") or None}
                for d in index.docs.values()]
        return sorted(docs, key=lambda d: (d["date"] or "", d["title"]), reverse=True)

    # -- access control ----------------------------------------------------
    def site(self, request: Request, body_site: str | None = None) -> tuple[str, SiteSettings | None]:
        site_id = request.headers.get(SITE_HEADER) or body_site or request.query_params.get("site") or ""
        return site_id, self.settings.server.sites.get(site_id)

    def origin_allowed(self, request: Request, site: SiteSettings | None) -> bool:
        origin = request.headers.get("origin")
        if not origin:
            return True  # not a browser cross-origin call (curl, server-to-server)
        if self.settings.server.allow_same_origin and origin == _own_origin(request):
            return True
        return site is not None and origin in site.origins

    def client_ip(self, request: Request) -> str:
        if self.settings.server.trust_forwarded_for:
            fwd = request.headers.get("x-forwarded-for")
            if fwd:
                return fwd.split(",")[0].strip()
        return request.client.host if request.client else "unknown"

    def limit(self, request: Request, site_id: str, site: SiteSettings | None) -> bool:
        ok = self.limiter.allow(f"ip:{self.client_ip(request)}", self.settings.server.ip_rate_per_minute)
        if ok and site is not None:
            ok = self.limiter.allow(f"site:{site_id}", site.rate_per_minute)
        return ok

    def max_chars(self, site: SiteSettings | None) -> int:
        limit = self.settings.retrieve.max_query_chars
        return min(limit, site.max_question_chars) if site else limit

    def ask_stream(self, body: AskBody, site: SiteSettings | None) -> Iterator[dict[str, Any]]:
        question = body.question or ""
        limit = self.max_chars(site)
        if len(question.strip()) > limit:
            msg = self.prompts.render("invalid_too_long", length=len(question.strip()), limit=limit)
            yield {"event": "final", "reply": Reply(question, msg, "invalid_input", self.assistant.provider_name).as_json()}
            return
        try:
            for event in self.assistant.stream(question, body.history or []):
                if event.kind == "delta":
                    yield {"event": "delta", "text": event.text}
                elif event.reply is not None:
                    yield {"event": "final", "reply": event.reply.as_json()}
        except IndexMissingError:
            yield {"event": "error", "message": self.prompts.raw("index_missing")}
        except Exception:
            log.exception("answering failed")
            yield {"event": "error", "message": self.prompts.raw("error_generic")}


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', '')}"


def _cors_headers(request: Request, allowed: bool) -> dict[str, str]:
    origin = request.headers.get("origin")
    if not origin or not allowed:
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": f"Content-Type, {SITE_HEADER}", "Access-Control-Max-Age": "600"}


def _frame_ancestors(settings: Settings) -> str:
    origins = sorted({o for s in settings.server.sites.values() for o in s.origins})
    return "frame-ancestors " + " ".join(["'self'", *origins])


@lru_cache(maxsize=4)
def _widget_js(texts_json: str) -> str:
    return (STATIC / "widget.js").read_text(encoding="utf-8").replace("__HOIDAP_TEXTS__", texts_json)


def ensure_index(settings: Settings) -> None:
    """Index seeds_dir on first start; another worker doing it is waited for."""
    from rag.embed import make_embedder
    from rag.ingest import ingest_paths
    from rag.store import IndexLocation

    location = IndexLocation(settings, make_embedder(settings).identity)
    if location.keyword_path.exists():
        return
    deadline = time.time() + 1800
    while True:
        try:
            report = ingest_paths(settings, [settings.paths.seeds_dir], progress=False)
            log.warning("indexed %s", report.summary())
            return
        except RagError as exc:
            if "Another ingest" not in str(exc) or time.time() > deadline:
                raise
            time.sleep(2)


def create_app(settings: Settings | None = None, assistant: Assistant | None = None,
               with_ui: bool = True) -> FastAPI:
    settings = settings or load_settings()
    if settings.server.index_on_start:
        ensure_index(settings)
    svc = Service(settings, assistant)
    api = FastAPI(title="hoidap-yte", docs_url="/api/docs", openapi_url="/api/openapi.json")
    api.state.service = svc

    def refuse(request: Request, status: int, prompt: str) -> JSONResponse:
        return JSONResponse({"error": prompt, "message": svc.prompts.raw(prompt)}, status_code=status,
                            headers=_cors_headers(request, status == 429))

    def guard(request: Request, body_site: str | None) -> tuple[SiteSettings | None, JSONResponse | None]:
        site_id, site = svc.site(request, body_site)
        if not svc.origin_allowed(request, site):
            return site, refuse(request, 403, "origin_refused")
        if not svc.limit(request, site_id, site):
            return site, refuse(request, 429, "rate_limited")
        return site, None

    @api.options("/api/{path:path}")
    def preflight(request: Request, path: str) -> Response:
        _, site = svc.site(request)
        allowed = svc.origin_allowed(request, site) or any(
            request.headers.get("origin") in s.origins for s in settings.server.sites.values())
        return Response(status_code=204 if allowed else 403, headers=_cors_headers(request, allowed))

    @api.get("/api/health")
    def health(request: Request) -> JSONResponse:
        docs = svc.documents()
        body = {"status": "ok" if docs else "no_index", "documents": len(docs),
                "provider": svc.assistant.provider_name}
        return JSONResponse(body, headers=_cors_headers(request, True))

    @api.get("/api/documents")
    def documents(request: Request) -> JSONResponse:
        _, site = svc.site(request)
        return JSONResponse(svc.documents(), headers=_cors_headers(request, svc.origin_allowed(request, site)))

    @api.post("/api/ask")
    def ask(body: AskBody, request: Request) -> JSONResponse:
        site, denied = guard(request, body.site)
        if denied:
            return denied
        final: dict[str, Any] = {}
        for event in svc.ask_stream(body, site):
            if event["event"] == "final":
                final = event["reply"]
            elif event["event"] == "error":
                return JSONResponse({"error": "server_error", "message": event["message"]}, status_code=503,
                                    headers=_cors_headers(request, True))
        return JSONResponse(final, headers=_cors_headers(request, True))

    @api.post("/api/ask/stream")
    def ask_stream(body: AskBody, request: Request) -> Response:
        site, denied = guard(request, body.site)
        if denied:
            return denied

        def sse() -> Iterator[bytes]:
            for event in svc.ask_stream(body, site):
                kind = event.pop("event")
                yield f"event: {kind}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n".encode()

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **_cors_headers(request, True)}
        return StreamingResponse(sse(), media_type="text/event-stream", headers=headers)

    @api.post("/api/feedback")
    def feedback(body: FeedbackBody, request: Request) -> JSONResponse:
        site_id, site = svc.site(request, body.site)
        if not svc.origin_allowed(request, site):
            return refuse(request, 403, "origin_refused")
        row = svc.feedback.add(body.reply, body.rating, body.comment, site_id)
        return JSONResponse({"id": row}, headers=_cors_headers(request, True))

    @api.get("/widget.js")
    def widget(request: Request) -> Response:
        texts = svc.prompts.ui()
        keys = ("widget_title", "widget_greeting", "widget_open", "widget_close", "placeholder", "send",
                "thinking", "sources_heading", "no_date", "section_label", "error_generic", "footer")
        data = {k: texts.get(k, "") for k in keys}
        data["error_generic"] = svc.prompts.raw("error_generic")
        body = _widget_js(json.dumps(data, ensure_ascii=False))
        return Response(body, media_type="application/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"})

    @api.get("/demo", response_class=HTMLResponse)
    def demo(request: Request) -> HTMLResponse:
        base = settings.server.public_url.rstrip("/") or _own_origin(request)
        page = (STATIC / "demo.html").read_text(encoding="utf-8").replace("__WIDGET_SRC__", f"{base}/widget.js")
        return HTMLResponse(page, headers={"Content-Security-Policy": _frame_ancestors(settings)})

    @api.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", _frame_ancestors(settings))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    if with_ui:
        import gradio as gr

        from app.ui import build_ui, theme_css

        blocks = build_ui(svc)
        css, theme = theme_css()
        api = gr.mount_gradio_app(api, blocks, path="/", css=css, theme=theme, footer_links=["api"])
    return api
