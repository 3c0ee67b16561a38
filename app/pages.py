"""Document pages: /van-ban/{id} (HTML), /api/documents/{id} (JSON) and the page's stylesheet.

A page is rendered from the document's manifest entry and the outline stored at ingest (Chroma), never
from the file: the file may be on another machine, and parsing it per request is slow.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.api_errors import ApiError
from app.document_page import not_found_page, render, structure_json
from app.render import status_text
from app.service import STATIC, Service, cached_response, cors_headers
from rag.documents.outline import page_url
from rag.errors import RagError
from rag.index.keyword import DocEntry
from rag.index.manifest import read_outline
from rag.index.store import open_manifest
from rag.search.retriever import document_info

router = APIRouter()
_ID_RE = re.compile(r"^[a-z0-9-]{1,80}$")
_CACHE = 16


class Pages:
    """Which document a page id names, and its outline, cached per index generation."""

    def __init__(self, svc: Service) -> None:
        self.svc = svc
        self._lock = threading.Lock()
        # Per index copy: page id -> entry, and số hiệu -> page id (to link a replacement that is indexed).
        self._ids: tuple[int, dict[str, DocEntry], dict[str, str]] = (-1, {}, {})
        self._outlines: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()

    def _index(self) -> tuple[dict[str, DocEntry], dict[str, str]]:
        keyword = self.svc.assistant.retriever.keyword()
        with self._lock:
            if self._ids[0] != id(keyword):
                ids = {str(e.metadata.get("page_id")): e for e in keyword.docs.values() if e.metadata.get("page_id")}
                numbers = {_norm(str(e.metadata.get("doc_number") or "")): pid for pid, e in ids.items()
                           if e.metadata.get("doc_number")}
                self._ids = (id(keyword), ids, numbers)
            return self._ids[1], self._ids[2]

    def find(self, doc_id: str) -> tuple[DocEntry, dict[str, Any], str | None] | None:
        """(manifest entry, outline, page id of its replacement when indexed) or None."""
        if not self.svc.ready or not _ID_RE.match(doc_id):
            return None
        try:
            ids, numbers = self._index()
        except RagError:
            return None
        entry = ids.get(doc_id)
        if entry is None:
            return None
        outline = self._outline(entry)
        if outline is None:
            return None
        replaced = str(entry.metadata.get("replaced_by") or "")
        return entry, outline, numbers.get(_norm(replaced)) if replaced else None

    def _outline(self, entry: DocEntry) -> dict[str, Any] | None:
        key = (entry.source, entry.content_hash + str(entry.metadata.get("pipeline")))
        with self._lock:
            if key in self._outlines:
                self._outlines.move_to_end(key)
                return self._outlines[key]
        manifest = open_manifest(self.svc.settings, self.svc.assistant.embedder.identity, create=False)
        outline = read_outline(manifest, entry.source) if manifest is not None else None
        if outline is not None:
            with self._lock:
                self._outlines[key] = outline
                while len(self._outlines) > _CACHE:
                    self._outlines.popitem(last=False)
        return outline


def _norm(number: str) -> str:
    return re.sub(r"\s+", "", number).upper()


def pages(request: Request) -> Pages:
    svc: Service = request.app.state.service
    found: Pages | None = getattr(request.app.state, "pages", None)
    if found is None:
        found = request.app.state.pages = Pages(svc)
    return found


def attributes(entry: DocEntry, svc: Service) -> dict[str, Any]:
    meta = entry.metadata
    info = document_info(meta, svc.settings.answer.today())
    return {"id": meta.get("page_id"), "url": page_url(str(meta.get("page_id"))), "title": meta.get("title") or "",
            "date": meta.get("date") or None, "publisher": meta.get("publisher") or None, **info}


@router.get("/api/documents/{doc_id}")
def document_json(doc_id: str, request: Request) -> JSONResponse:
    svc: Service = request.app.state.service
    found = pages(request).find(doc_id)
    if found is None:
        raise ApiError(404, "document_not_found", headers=cors_headers(request, True))
    entry, outline, replacement = found
    body = {**attributes(entry, svc), "kind": outline.get("kind"), "articles": outline.get("articles", 0),
            "unreadable": bool(outline.get("unreadable")),
            "replaced_by_url": page_url(replacement) if replacement else None,
            "structure": structure_json(outline)}
    return JSONResponse(body, headers=cors_headers(request, True))


@router.api_route("/van-ban/{doc_id}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def document_page(doc_id: str, request: Request, trich: str = "") -> Response:
    svc: Service = request.app.state.service
    texts = svc.prompts.ui()
    found = pages(request).find(doc_id)
    if found is None:
        return HTMLResponse(not_found_page(texts["document"], texts["title"]), status_code=404)
    entry, outline, replacement = found
    doc = attributes(entry, svc)
    page = render(doc, outline, texts["document"], status=status_text(doc, texts) if doc.get("status") else "",
                  site_title=texts["title"], quote=trich[:2000],
                  replacement_url=page_url(replacement) if replacement else None)
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})


_CSS = (STATIC / "document.css").read_bytes()
_CSS_TAG = '"' + hashlib.sha256(_CSS).hexdigest()[:20] + '"'


@router.api_route("/van-ban.css", methods=["GET", "HEAD"])
def stylesheet(request: Request) -> Response:
    return cached_response(request, _CSS, _CSS_TAG, "text/css; charset=utf-8", {})
