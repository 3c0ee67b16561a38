"""The admin console (/admin) and its JSON API (/api/admin/*), behind HOIDAP_ADMIN__TOKEN.

The API takes ``Authorization: Bearer <token>`` only (no cookie), so another site cannot make a
logged-in browser call it: there is nothing ambient for a cross-site request to ride on.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import UploadFile

from app.api_errors import ApiError
from app.jobs import Job, JobRunner
from app.service import STATIC, Service
from rag.documents.loaders import SUPPORTED, SkipFile, load
from rag.errors import WriterBusyError
from rag.index.ingest import ingest_paths, remove_sources
from rag.index.sources import source_name
from rag.settings import PROJECT_ROOT

router = APIRouter()
_UNSAFE_NAME_RE = re.compile(r"[^\w.\-]+", re.UNICODE)
_WAIT_S = 60.0


def _svc(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


def document_id(source: str) -> str:
    return hashlib.sha1(source.encode()).hexdigest()[:16]


def require_admin(request: Request) -> Service:
    svc = _svc(request)
    token = svc.settings.admin.token
    if token is None or not token.get_secret_value():
        raise ApiError(503, "admin_disabled")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiError(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode()):
        raise ApiError(403, "forbidden")
    return svc


def _jobs(request: Request) -> JobRunner:
    runner: JobRunner | None = getattr(request.app.state, "jobs", None)
    if runner is None:
        runner = request.app.state.jobs = JobRunner()
    return runner


def uploads_dir(svc: Service) -> Path:
    return svc.settings.admin.uploads_dir or svc.settings.paths.data_dir / "uploads"


@router.get("/admin", response_class=HTMLResponse)
def console(request: Request) -> HTMLResponse:
    svc = _svc(request)
    texts = svc.prompts.ui()["admin"]
    page = (STATIC / "admin.html").read_text(encoding="utf-8")
    enabled = bool(svc.settings.admin.token and svc.settings.admin.token.get_secret_value())
    page = page.replace("__ADMIN_TEXTS__", json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c"))
    page = page.replace("__DISABLED__", "" if enabled else html.escape(svc.prompts.error("admin_disabled"), quote=True))
    return HTMLResponse(page, status_code=200 if enabled else 503, headers={"Cache-Control": "no-store"})


@router.get("/admin.js")
def console_js() -> Response:
    return Response((STATIC / "admin.js").read_bytes(), media_type="application/javascript; charset=utf-8",
                    headers={"Cache-Control": "no-cache"})


@router.get("/api/admin/documents")
def list_documents(request: Request, svc: Service = Depends(require_admin)) -> JSONResponse:  # noqa: B008
    """Every indexed document (``status`` "indexed", ``validity`` for legal texts), then uploads still indexing."""
    docs = []
    for d in svc.documents():
        validity = d.pop("status", None)
        page = d.pop("id", None)
        docs.append({"id": document_id(d["source"]), "page_id": page, "number": None, "type": None, **d,
                     "status": "indexed", "validity": validity})
    known = {d["source"] for d in docs}
    titles = {d["source"]: d.get("title") or Path(d["source"]).name for d in docs}
    for c in svc.copies():
        # A copy of an indexed document: listed with the document kept in its place and why.
        docs.append({"id": document_id(c["source"]), "source": c["source"], "title": Path(c["source"]).name,
                     "number": c.get("number") or None, "type": None, "date": None, "chunks": 0, "indexed_at": None,
                     "status": "copy", "validity": None, "copy_of": c["kept"], "copy_reason": c["reason"],
                     "copy_of_title": titles.get(c["kept"], Path(c["kept"]).name)})
    for job in _jobs(request).pending():
        if job.kind == "upload" and job.target not in known:
            docs.append({"id": document_id(job.target), "source": job.target, "title": Path(job.target).name,
                         "number": None, "type": None, "date": None, "chunks": 0, "indexed_at": None,
                         "status": "indexing", "validity": None, "job": job.id, "progress": job.progress})
    return JSONResponse({"documents": docs})


def _safe_name(name: str) -> str:
    stem = _UNSAFE_NAME_RE.sub("-", Path(name).name).strip("-.") or "document"
    return stem[:120]


@router.post("/api/admin/documents")
async def upload_document(request: Request, svc: Service = Depends(require_admin)) -> JSONResponse:  # noqa: B008
    cap = svc.settings.admin.upload_max_bytes
    form = await request.form(max_files=1, max_fields=10, max_part_size=cap + 1)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ApiError(422, "upload_missing")
    name = _safe_name(upload.filename)
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise ApiError(415, "upload_unsupported", suffix=suffix or "?")
    data = await upload.read(cap + 1)
    if len(data) > cap:
        raise ApiError(413, "upload_too_large", limit=round(cap / 1_000_000, 1))
    try:
        load(Path(name), data, ocr_lang=None)
    except SkipFile as exc:
        if "scanned image" not in str(exc):  # scanned PDFs are read (OCR) by the ingest job
            raise ApiError(422, "upload_rejected", name=name, reason=str(exc)) from None
    folder = uploads_dir(svc)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    # Written beside the target and renamed: an ingest never reads half a file.
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".upload-", delete=False) as tmp:
        tmp.write(data)
    Path(tmp.name).replace(target)
    source = source_name(target)

    def work(job: Job) -> dict[str, Any]:
        def progress(done: int, total: int) -> None:
            job.progress = {"done": done, "total": total}

        report = ingest_paths(svc.settings, [target], prune=False, progress=False, on_progress=progress,
                              embedder=svc.assistant.embedder)
        skipped = dict(report.skipped)
        if source in skipped:
            raise RuntimeError(skipped[source])
        copy = next((c for c in report.copies if c.source == source), None)
        return {"summary": report.summary(), "document": next(
            (d for d in svc.documents() if d["source"] == source), None),
                # The file holds a document already indexed: it is kept as a copy, not indexed twice.
                "copy_of": copy.kept if copy else None, "copy_reason": copy.reason if copy else None}

    runner = _jobs(request)
    job = runner.submit("upload", source, work)
    wait = request.query_params.get("wait", "1") not in {"0", "false", "no"}
    if wait and runner.wait(job, _WAIT_S):
        if job.status == "failed":
            raise ApiError(422, "upload_rejected", name=name, reason=job.error)
        return JSONResponse({"id": document_id(source), "job": job.as_json(), **job.result}, status_code=201)
    return JSONResponse({"id": document_id(source), "job": job.as_json()}, status_code=202,
                        headers={"Location": f"/api/admin/jobs/{job.id}"})


@router.get("/api/admin/jobs/{job_id}")
def job_status(job_id: str, request: Request, svc: Service = Depends(require_admin)) -> JSONResponse:  # noqa: B008
    job = _jobs(request).get(job_id)
    if job is None:
        raise ApiError(404, "job_not_found")
    return JSONResponse(job.as_json())


@router.post("/api/admin/reindex")
def reindex(request: Request, svc: Service = Depends(require_admin)) -> JSONResponse:  # noqa: B008
    roots = [p for p in (svc.settings.paths.seeds_dir, uploads_dir(svc)) if p.is_dir()]

    def work(job: Job) -> dict[str, Any]:
        def progress(done: int, total: int) -> None:
            job.progress = {"done": done, "total": total}

        report = ingest_paths(svc.settings, roots, progress=False, on_progress=progress, embedder=svc.assistant.embedder)
        return {"summary": report.summary(), "skipped": [{"source": s, "reason": r} for s, r in report.skipped]}

    job = _jobs(request).submit("reindex", ", ".join(source_name(p) for p in roots), work)
    return JSONResponse({"job": job.as_json()}, status_code=202, headers={"Location": f"/api/admin/jobs/{job.id}"})


@router.delete("/api/admin/documents/{doc_id}")
def delete_document(doc_id: str, svc: Service = Depends(require_admin)) -> JSONResponse:  # noqa: B008
    source = next((d["source"] for d in svc.documents() if document_id(d["source"]) == doc_id), None)
    if source is None:
        raise ApiError(404, "document_not_found")
    # A delete answers within the request: it waits briefly for another machine's update, then says so (409).
    quick = svc.settings.model_copy(deep=True)
    quick.index.writer_wait_seconds = min(quick.index.writer_wait_seconds, 10.0)
    try:
        report = remove_sources(quick, [source], embedder=svc.assistant.embedder)
    except WriterBusyError:
        raise ApiError(409, "writer_busy") from None
    path = Path(source) if Path(source).is_absolute() else PROJECT_ROOT / source
    if path.resolve().parent == uploads_dir(svc).resolve() and path.exists():
        path.unlink()  # an uploaded file goes with its document; files under seeds/ are the operator's
        sidecar = path.with_name(path.name + ".meta.toml")
        if sidecar.exists():
            sidecar.unlink()
    return JSONResponse({"id": doc_id, "source": source, "removed": report.removed, "documents": report.documents})


@router.get("/api/admin/feedback")
def feedback(request: Request, svc: Service = Depends(require_admin)) -> JSONResponse:  # noqa: B008
    value = {"-1": -1, "1": 1, "down": -1, "up": 1}.get(request.query_params.get("rating", ""))
    limit = request.query_params.get("limit", "500")
    return JSONResponse({"feedback": svc.feedback.rows(rating=value, limit=min(int(limit), 5000) if limit.isdigit() else 500)})


@router.get("/api/admin/feedback/export")
def feedback_export(svc: Service = Depends(require_admin)) -> Response:  # noqa: B008
    lines = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in svc.feedback.cases())
    return Response(lines, media_type="application/x-ndjson; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="feedback-cases.jsonl"'})


@router.get("/api/admin/usage")
def usage(request: Request, svc: Service = Depends(require_admin)) -> JSONResponse:  # noqa: B008
    days = request.query_params.get("days", "30")
    return JSONResponse(svc.usage.summary(days=min(int(days), 3650) if days.isdigit() else 30))
