"""One server: FastAPI with the JSON API, the widget assets, the demo page and the Gradio chat page."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.feedback import FeedbackStore
from app.ratelimit import RateLimiter
from rag.answer import Assistant, Reply
from rag.errors import IndexMissingError, RagError
from rag.prompts import Prompts
from rag.retrieve import document_info
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
        as_of = self.settings.answer.today()
        docs = [{"source": d.source, "title": d.metadata.get("title", ""), "date": d.metadata.get("date") or None,
                 "chunks": len(d.chunk_ids), "indexed_at": d.metadata.get("indexed_at"),
                 **document_info(d.metadata, as_of)}
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
        if self.settings.server.allow_same_origin and origin == own_origin(request):
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

    def refuse(self, request: Request, status: int, prompt: str) -> JSONResponse:
        return JSONResponse({"error": prompt, "message": self.prompts.raw(prompt)}, status_code=status,
                            headers=cors_headers(request, status == 429))

    def guard(self, request: Request, body_site: str | None) -> tuple[SiteSettings | None, JSONResponse | None]:
        """The caller's site settings, or the refusal to send (origin not allowed, rate limit hit)."""
        site_id, site = self.site(request, body_site)
        if not self.origin_allowed(request, site):
            return site, self.refuse(request, 403, "origin_refused")
        if not self.limit(request, site_id, site):
            return site, self.refuse(request, 429, "rate_limited")
        return site, None

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


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', '')}"


def cors_headers(request: Request, allowed: bool) -> dict[str, str]:
    origin = request.headers.get("origin")
    if not origin or not allowed:
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": f"Content-Type, {SITE_HEADER}", "Access-Control-Max-Age": "600"}


def frame_ancestors(settings: Settings) -> str:
    origins = sorted({o for s in settings.server.sites.values() for o in s.origins})
    return "frame-ancestors " + " ".join(["'self'", *origins])


def ensure_index(settings: Settings) -> None:
    """Index seeds_dir on first start; another worker doing it is waited for."""
    from rag.embed import make_embedder
    from rag.ingest import ingest_paths
    from rag.store import IndexLocation

    location = IndexLocation(settings, make_embedder(settings).identity)
    if location.keyword_path.exists():
        if not location.load_keyword().outdated:
            return
        log.warning("the index was built by an older version: re-indexing %s", settings.paths.seeds_dir)
    else:
        log.warning("no index yet: indexing %s on first start (a few minutes on 2 cores)", settings.paths.seeds_dir)
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
    from app.routes import router

    settings = settings or load_settings()
    if settings.server.index_on_start:
        ensure_index(settings)
    svc = Service(settings, assistant)
    api = FastAPI(title="hoidap-yte", docs_url="/api/docs", openapi_url="/api/openapi.json")
    api.state.service = svc
    api.include_router(router)

    @api.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", frame_ancestors(settings))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    if with_ui:
        import gradio as gr

        from app.ui import build_ui, theme_css

        css, theme = theme_css()
        api = gr.mount_gradio_app(api, build_ui(svc), path="/", css=css, theme=theme, footer_links=["api"])
    return api
