"""HTTP routes: the JSON/SSE API, widget.js and the demo host page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from app.server import STATIC, AskBody, FeedbackBody, Service, cors_headers, frame_ancestors, own_origin

router = APIRouter()
_WIDGET_TEXTS = ("widget_title", "widget_greeting", "widget_open", "widget_close", "placeholder", "send",
                 "thinking", "sources_heading", "no_date", "section_label", "footer", "status")


def _svc(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


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
    docs = svc.documents()
    body = {"status": "ok" if docs else "no_index", "documents": len(docs), "provider": svc.assistant.provider_name}
    return JSONResponse(body, headers=cors_headers(request, True))


@router.get("/api/documents")
def documents(request: Request) -> JSONResponse:
    svc = _svc(request)
    _, site = svc.site(request)
    return JSONResponse(svc.documents(), headers=cors_headers(request, svc.origin_allowed(request, site)))


@router.post("/api/ask")
def ask(body: AskBody, request: Request) -> JSONResponse:
    svc = _svc(request)
    site, denied = svc.guard(request, body.site)
    if denied:
        return denied
    final: dict[str, Any] = {}
    for event in svc.ask_stream(body, site):
        if event["event"] == "final":
            final = event["reply"]
        elif event["event"] == "error":
            return JSONResponse({"error": "server_error", "message": event["message"]}, status_code=503,
                                headers=cors_headers(request, True))
    return JSONResponse(final, headers=cors_headers(request, True))


@router.post("/api/ask/stream")
def ask_stream(body: AskBody, request: Request) -> Response:
    svc = _svc(request)
    site, denied = svc.guard(request, body.site)
    if denied:
        return denied

    def sse() -> Iterator[bytes]:
        for event in svc.ask_stream(body, site):
            kind = event.pop("event")
            yield f"event: {kind}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n".encode()

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **cors_headers(request, True)}
    return StreamingResponse(sse(), media_type="text/event-stream", headers=headers)


@router.post("/api/feedback")
def feedback(body: FeedbackBody, request: Request) -> JSONResponse:
    svc = _svc(request)
    site_id, site = svc.site(request, body.site)
    if not svc.origin_allowed(request, site):
        return svc.refuse(request, 403, "origin_refused")
    row = svc.feedback.add(body.reply, body.rating, body.comment, site_id)
    return JSONResponse({"id": row}, headers=cors_headers(request, True))


@lru_cache(maxsize=4)
def _widget_js(texts_json: str) -> str:
    return (STATIC / "widget.js").read_text(encoding="utf-8").replace("__HOIDAP_TEXTS__", texts_json)


@router.get("/widget.js")
def widget(request: Request) -> Response:
    svc = _svc(request)
    texts = svc.prompts.ui()
    data = {k: texts.get(k, "") for k in _WIDGET_TEXTS}
    data["error_generic"] = svc.prompts.raw("error_generic")
    return Response(_widget_js(json.dumps(data, ensure_ascii=False)),
                    media_type="application/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"})


@router.get("/demo", response_class=HTMLResponse)
def demo(request: Request) -> HTMLResponse:
    settings = _svc(request).settings
    base = settings.server.public_url.rstrip("/") or own_origin(request)
    page = (STATIC / "demo.html").read_text(encoding="utf-8").replace("__WIDGET_SRC__", f"{base}/widget.js")
    return HTMLResponse(page, headers={"Content-Security-Policy": frame_ancestors(settings)})
