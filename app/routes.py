"""Public HTTP routes: the JSON/SSE API, widget.js and the demo host page."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute

from app.admin import router as admin_router
from app.api_errors import ApiError, json_body
from app.pages import router as pages_router
from app.service import STATIC, AskBody, FeedbackBody, Service, cached_response, cors_headers, own_origin

router = APIRouter()
_WIDGET_TEXTS = ("widget_title", "widget_greeting", "widget_open", "widget_close", "placeholder", "send",
                 "thinking", "sources_heading", "no_date", "section_label", "footer", "status", "emergency_label",
                 "emergency_call", "answer_label", "question_label", "no_title")


def _svc(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


def _guard(request: Request, svc: Service, body_site: str | None) -> tuple[str, Any]:
    """The caller's site, or an ApiError (origin not allowed, rate limit hit)."""
    site_id, site = svc.site(request, body_site)
    if not svc.origin_allowed(request, site):
        raise ApiError(403, "origin_refused")
    if not svc.limit(request, site_id, site):
        raise ApiError(429, "rate_limited", headers=cors_headers(request, True))
    return site_id, site


@router.options("/api/{path:path}")
def preflight(request: Request, path: str) -> Response:
    svc = _svc(request)
    _, site = svc.site(request)
    allowed = svc.origin_allowed(request, site) or any(
        request.headers.get("origin") in s.origins for s in svc.settings.server.sites.values())
    return Response(status_code=204 if allowed else 403, headers=cors_headers(request, allowed))


@router.get("/api/health")
def health(request: Request) -> JSONResponse:
    svc = _svc(request)
    if not svc.ready:
        body: dict[str, Any] = {"status": svc.progress.get("state", "indexing"),
                                "progress": {"done": svc.progress.get("done", 0), "total": svc.progress.get("total", 0)},
                                "documents": 0}
        return JSONResponse(body, status_code=503 if body["status"] == "failed" else 200,
                            headers=cors_headers(request, True))
    # Load balancers call this every few seconds: a count from the index's manifest, not the document list.
    count = svc.document_count()
    body = {"status": "ok" if count else "no_index", "documents": count, "provider": svc.assistant.provider_name}
    return JSONResponse(body, headers=cors_headers(request, True))


@router.get("/api/documents")
def documents(request: Request) -> JSONResponse:
    svc = _svc(request)
    _, site = svc.site(request)
    return JSONResponse(svc.documents(), headers=cors_headers(request, svc.origin_allowed(request, site)))


@router.post("/api/ask")
def ask(request: Request, body: AskBody = Depends(json_body(AskBody))) -> JSONResponse:  # noqa: B008
    svc = _svc(request)
    site_id, site = _guard(request, svc, body.site)
    final: dict[str, Any] = {}
    for event in svc.ask_stream(body, site, site_id):
        if event["event"] == "final":
            final = event["reply"]
        elif event["event"] == "error":
            return JSONResponse({"code": "server_error", "error": "server_error", "message": event["message"]},
                                status_code=503, headers=cors_headers(request, True))
    return JSONResponse(final, headers=cors_headers(request, True))


@router.post("/api/ask/stream")
def ask_stream(request: Request, body: AskBody = Depends(json_body(AskBody))) -> Response:  # noqa: B008
    svc = _svc(request)
    site_id, site = _guard(request, svc, body.site)

    def sse() -> Iterator[bytes]:
        for event in svc.ask_stream(body, site, site_id):
            kind = event.pop("event")
            yield f"event: {kind}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n".encode()

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **cors_headers(request, True)}
    return StreamingResponse(sse(), media_type="text/event-stream", headers=headers)


@router.post("/api/feedback")
def feedback(request: Request, body: FeedbackBody = Depends(json_body(FeedbackBody))) -> JSONResponse:  # noqa: B008
    svc = _svc(request)
    site_id, site = svc.site(request, body.site)
    if not svc.origin_allowed(request, site):
        raise ApiError(403, "origin_refused")
    row = svc.feedback.add(body.reply, body.rating, body.comment, site_id)
    return JSONResponse({"id": row}, headers=cors_headers(request, True))


def compact_js(source: str) -> str:
    """The widget as served: without its header comment, comment lines and indentation (its size budget
    is 12 KB before texts); every code line is kept whole, so nothing can change meaning."""
    source = re.sub(r"^/\*.*?\*/\s*", "", source, count=1, flags=re.S)
    lines = (ln.strip() for ln in source.splitlines())
    return "\n".join(ln for ln in lines if ln and not ln.startswith("//"))


@lru_cache(maxsize=4)
def _widget_js(texts_json: str) -> tuple[bytes, str]:
    source = compact_js((STATIC / "widget.js").read_text(encoding="utf-8"))
    body = source.replace("__HOIDAP_TEXTS__", texts_json).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


@router.api_route("/widget.js", methods=["GET", "HEAD"])
def widget(request: Request) -> Response:
    svc = _svc(request)
    texts = svc.prompts.ui()
    data = {k: texts.get(k, "") for k in _WIDGET_TEXTS}
    data["error_generic"] = svc.prompts.raw("error_generic")
    data["indexing"] = svc.prompts.raw("indexing")
    body, etag = _widget_js(json.dumps(data, ensure_ascii=False))
    return cached_response(request, body, etag, "application/javascript; charset=utf-8", {"Access-Control-Allow-Origin": "*"})


@router.api_route("/demo", methods=["GET", "HEAD"], response_class=HTMLResponse)
def demo(request: Request) -> Response:
    settings = _svc(request).settings
    base = settings.server.public_url.rstrip("/") or own_origin(request)
    page = (STATIC / "demo.html").read_text(encoding="utf-8").replace("__WIDGET_SRC__", f"{base}/widget.js").encode()
    return cached_response(request, page, '"' + hashlib.sha256(page).hexdigest()[:20] + '"', "text/html; charset=utf-8", {})


@router.api_route("/api/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"])
def api_not_found(request: Request, path: str) -> Response:
    """Unknown /api/ paths answer in the API's error shape (not the chat page's 404)."""
    for route in [*router.routes, *admin_router.routes, *pages_router.routes]:
        if (isinstance(route, APIRoute) and route.path.startswith("/api/") and "{path:path}" not in route.path
                and route.path_regex.match(request.url.path)):
            raise ApiError(405, "method_not_allowed", method=request.method)
    raise ApiError(404, "not_found")
