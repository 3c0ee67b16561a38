"""What the routes and the page share: the assistant, stores, access control and the request bodies."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from app.pool import AnswerPool
from app.ratelimit import RateLimiter
from app.stores import Stores
from rag.answer.assistant import Assistant
from rag.answer.prompts import Prompts
from rag.answer.reply import Reply
from rag.documents.outline import page_url
from rag.errors import IndexMissingError, RagError
from rag.index.manifest import read_copies
from rag.index.store import open_manifest
from rag.search.retriever import document_info
from rag.settings import Settings, SiteSettings
from rag.text.normalize import clean_input

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
SITE_HEADER = "X-Hoidap-Site"


class Turn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class AskBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    question: str = Field(default="", max_length=100_000)
    history: list[Turn] | None = Field(default=None, max_length=200)
    site: str | None = Field(default=None, max_length=100)


class FeedbackBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    reply: dict[str, Any]
    rating: int
    comment: str = Field(default="", max_length=4000)
    site: str | None = Field(default=None, max_length=100)


class Service:
    """State a worker keeps: the assistant (loaded lazily), the feedback and usage stores, rate limits."""

    def __init__(self, settings: Settings, assistant: Assistant | None = None) -> None:
        self.settings = settings
        self.prompts = Prompts(settings.paths.prompts_dir)
        self._assistant = assistant
        self._assistant_lock = threading.Lock()
        self.stores = Stores(settings)
        self.feedback = self.stores.feedback
        self.usage = self.stores.usage
        self.limiter = RateLimiter()
        self.progress: dict[str, Any] = {"state": "ready"}
        self.pool: AnswerPool | None = None

    @property
    def ready(self) -> bool:
        return self.progress.get("state") == "ready"

    @property
    def assistant(self) -> Assistant:
        # Locked: concurrent first requests would each build an assistant and open Chroma at once.
        with self._assistant_lock:
            if self._assistant is None:
                self._assistant = Assistant(self.settings)
            return self._assistant

    def documents(self) -> list[dict[str, Any]]:
        if not self.ready:
            return []
        try:
            index = self.assistant.retriever.keyword()
        except RagError:
            return []
        as_of = self.settings.answer.today()
        docs = [{"id": d.metadata.get("page_id"), "url": page_url(str(d.metadata["page_id"])) if d.metadata.get("page_id")
                 else None,
                 "source": d.source, "title": d.metadata.get("title", ""), "date": d.metadata.get("date") or None,
                 "chunks": len(d.chunk_ids), "indexed_at": d.metadata.get("indexed_at"),
                 "unreadable": bool(d.metadata.get("unreadable")),
                 **document_info(d.metadata, as_of)}
                for d in index.docs.values()]
        return sorted(docs, key=lambda d: (d["date"] or "", d["title"]), reverse=True)

    def document_count(self) -> int:
        """How many documents the current index holds (no list is built)."""
        if not self.ready:
            return 0
        try:
            return len(self.assistant.retriever.keyword().docs)
        except RagError:
            return 0

    def copies(self) -> list[dict[str, Any]]:
        """Files skipped because another file holds the same document ({"source", "kept", "reason", …})."""
        if not self.ready:
            return []
        try:
            manifest = open_manifest(self.settings, self.assistant.embedder.identity, create=False)
        except RagError:
            return []
        return read_copies(manifest) if manifest is not None else []

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

    def max_chars(self, site: SiteSettings | None) -> int:
        limit = self.settings.retrieve.max_query_chars
        return min(limit, site.max_question_chars) if site else limit

    def history(self, body: AskBody) -> list[dict[str, str]]:
        """The last turns of the conversation, each cut to a bounded length."""
        s = self.settings.server
        turns = (body.history or [])[-s.max_history_messages:] if s.max_history_messages else []
        return [{"role": t.role, "content": clean_input(t.content)[:s.max_history_chars]} for t in turns]

    def ask_stream(self, body: AskBody, site: SiteSettings | None, site_id: str = "") -> Iterator[dict[str, Any]]:
        question = clean_input(body.question or "")
        if not self.ready:
            yield {"event": "final", "reply": self.preparing_reply(question)}
            return
        limit = self.max_chars(site)
        if len(question.strip()) > limit:
            msg = self.prompts.render("invalid_too_long", length=len(question.strip()), limit=limit)
            yield {"event": "final", "reply": Reply(question, msg, "invalid_input", self.assistant.provider_name).as_json()}
            return
        try:
            if self.pool is not None:
                deltas, reply, nearest = self.pool.submit(question, self.history(body)).result()
                for text in deltas:
                    yield {"event": "delta", "text": text}
                self.record(reply["question"], reply["reason"], site_id, nearest)
                yield {"event": "final", "reply": reply}
                return
            for event in self.assistant.stream(question, self.history(body)):
                if event.kind == "delta":
                    yield {"event": "delta", "text": event.text}
                elif event.reply is not None:
                    r = event.reply
                    self.record(r.question, r.reason, site_id, r.contexts[0].title if r.contexts else "")
                    yield {"event": "final", "reply": r.as_json()}
        except IndexMissingError:
            yield {"event": "error", "message": self.prompts.raw("index_missing")}
        except Exception:
            log.exception("answering failed")
            yield {"event": "error", "message": self.prompts.raw("error_generic")}

    def preparing_reply(self, question: str) -> dict[str, Any]:
        text = self.prompts.render("indexing", done=self.progress.get("done", 0), total=self.progress.get("total", "?"))
        return {"question": question, "answer": text, "refused": True, "reason": "indexing", "citations": [],
                "contexts": [], "provider": "", "timings_ms": {}}

    def record(self, question: str, reason: str, site_id: str, nearest: str) -> None:
        try:
            self.usage.add(question, reason, site_id, nearest)
        except Exception:
            log.exception("could not record usage")


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', '')}"


def cors_headers(request: Request, allowed: bool) -> dict[str, str]:
    origin = request.headers.get("origin")
    if not origin or not allowed:
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": f"Content-Type, {SITE_HEADER}", "Access-Control-Max-Age": "600"}


def cached_response(request: Request, body: bytes, etag: str, media_type: str, headers: dict[str, str]) -> Response:
    """A static body with an ETag: a matching If-None-Match gets 304, HEAD gets the headers only."""
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300, must-revalidate", **headers}
    if etag in re.split(r"\s*,\s*", request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        return Response(status_code=200, media_type=media_type, headers={**headers, "Content-Length": str(len(body))})
    return Response(body, media_type=media_type, headers=headers)
