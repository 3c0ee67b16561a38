"""Assembles the server: FastAPI with the JSON API, the admin console, the widget assets,
the demo page and the Gradio chat page, behind the body-limit and security-header middleware."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from app.api_errors import install as install_error_handlers
from app.middleware import BodyLimit, SecurityHeaders, content_security_policy, json_refusal, localize_page
from app.pool import AnswerPool, worker_count
from app.service import Service
from rag.answer.assistant import Assistant
from rag.answer.providers import provider_name
from rag.errors import RagError, WriterBusyError
from rag.settings import Settings, load_settings

log = logging.getLogger(__name__)


def index_is_current(settings: Settings) -> bool:
    from rag.index.embedder import make_embedder
    from rag.index.ingest import index_is_current as built_by_this_version

    embedder = make_embedder(settings)
    if not built_by_this_version(settings, embedder.identity, embedder.dim):
        log.warning("no index built by this version yet: indexing %s (a few minutes on 2 cores)",
                    settings.paths.seeds_dir)
        return False
    return True


def build_index(settings: Settings, svc: Service | None = None) -> None:
    """Index seeds_dir (first start, or an index from an older version); another worker doing it is waited for."""
    from rag.index.ingest import ingest_paths

    def progress(done: int, total: int) -> None:
        if svc is not None:
            svc.progress = {"state": "indexing", "done": done, "total": total}

    deadline = time.time() + 1800
    while True:
        try:
            report = ingest_paths(settings, [settings.paths.seeds_dir], progress=False, on_progress=progress)
            log.warning("indexed %s", report.summary())
            break
        except RagError as exc:
            if not (isinstance(exc, WriterBusyError) or "Another ingest" in str(exc)) or time.time() > deadline:
                if svc is not None:
                    svc.progress = {"state": "failed", "error": str(exc)}
                raise
            time.sleep(2)
    if svc is not None:
        svc.progress = {"state": "ready"}


def start_indexing(settings: Settings, svc: Service) -> None:
    """The port opens at once; questions asked meanwhile get the 'preparing documents' message."""
    svc.progress = {"state": "indexing", "done": 0, "total": 0}

    def run() -> None:
        try:
            build_index(settings, svc)
        except Exception:
            log.exception("indexing on start failed")
            return
        if svc.pool is not None:
            svc.pool.warm()

    threading.Thread(target=run, name="index-on-start", daemon=True).start()


def _install_middleware(api: FastAPI, settings: Settings, svc: Service) -> None:
    """Security headers (and the chat page's own language) inside, body caps, then gzip outermost."""
    texts = svc.prompts.ui()
    widget_origins = [settings.server.public_url.rstrip("/")] if settings.server.public_url else []
    ancestors = sorted({o for s in settings.server.sites.values() for o in s.origins})

    def policy(path: str, page: str) -> str:
        return content_security_policy(page, ancestors, widget_origins, widget_origins)

    def rewrite(path: str, page: str) -> str:
        if path == "/" or path.startswith("/?"):
            return localize_page(page, "vi", texts["title"], texts["description"])
        return page

    def limit_for(method: str, path: str) -> int | None:
        if not path.startswith("/api/") or method in {"GET", "HEAD", "OPTIONS"}:
            return None
        if path.startswith("/api/admin/documents"):
            return settings.admin.upload_max_bytes + 64_000  # multipart framing around the file
        return settings.server.max_body_bytes

    def refuse(limit: int) -> object:
        message = svc.prompts.error("body_too_large", limit=limit // 1024)
        return json_refusal({"code": "body_too_large", "error": "body_too_large", "message": message}, 413)

    api.add_middleware(SecurityHeaders, policy=policy, rewrite=rewrite)
    api.add_middleware(BodyLimit, limit_for=limit_for, refuse=refuse)
    api.add_middleware(GZipMiddleware, minimum_size=800)


def create_app(settings: Settings | None = None, assistant: Assistant | None = None,
               with_ui: bool = True) -> FastAPI:
    from app.admin import router as admin_router
    from app.pages import router as pages_router
    from app.routes import router

    settings = settings or load_settings()
    svc = Service(settings, assistant)
    workers = worker_count(settings)
    if assistant is None and workers > 1 and provider_name(settings) == "extractive":
        svc.pool = AnswerPool(settings, workers)
    if settings.server.index_on_start and not index_is_current(settings):
        start_indexing(settings, svc)
    elif svc.pool is not None:
        svc.pool.warm()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if svc.pool is not None:
            svc.pool.close(settings.server.shutdown_seconds)

    api = FastAPI(title="hoidap-yte", docs_url="/api/docs", openapi_url="/api/openapi.json", lifespan=lifespan)
    api.state.service = svc
    install_error_handlers(api, svc.prompts)
    api.include_router(admin_router)
    api.include_router(pages_router)
    api.include_router(router)
    if with_ui:
        import gradio as gr

        from app.ui import build_ui, theme_css

        css, theme = theme_css()
        api = gr.mount_gradio_app(api, build_ui(svc), path="/", css=css, theme=theme, footer_links=["api"])
    _install_middleware(api, settings, svc)
    return api
