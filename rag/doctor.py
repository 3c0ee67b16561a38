"""`python -m rag doctor`: what is active, and whether it answers."""

from __future__ import annotations

from typing import Any

from rag.answer.providers import make_llm, provider_name
from rag.errors import RagError
from rag.index.embedder import make_embedder
from rag.index.ingest import load_current
from rag.index.store import IndexLocation, open_collection
from rag.settings import Settings


def doctor(settings: Settings) -> dict[str, Any]:
    """What is active and whether each configured part answers; ``down`` lists the parts that do not."""
    out: dict[str, Any] = {}
    down: list[str] = []
    embedder = make_embedder(settings)
    out["embedder"] = f"{embedder.identity} ({embedder.model_name}, dim {embedder.dim})"
    location = IndexLocation(settings, embedder.identity)
    out["index"] = location.describe()
    try:
        collection = open_collection(settings, embedder.identity, embedder.dim, create=False)
        keyword = load_current(settings, embedder.identity, embedder.dim)
        out["documents"] = len(keyword.docs)
        out["chunks"] = len(keyword)
        out["vectors"] = collection.count()
    except RagError as exc:
        out["documents"] = f"unavailable: {exc}"
        down.append("index")
    name = provider_name(settings)
    out["provider"] = name
    if name == "extractive":
        out["llm"] = "none configured (offline extractive answers)"
        out["down"] = down
        return out
    llm = settings.llm
    out["llm"] = f"{llm.model} at {llm.base_url or 'api.openai.com'}"
    try:
        model = make_llm(settings)
        reply = model.complete("ping") if model is not None else None
        out["llm_status"] = "answers" if reply is not None else "not configured"
    except Exception as exc:  # noqa: BLE001 - report any failure of the endpoint as text
        out["llm_status"] = f"not answering: {exc.__class__.__name__}: {str(exc)[:200]}"
    if out.get("llm_status") != "answers":
        down.append("llm")
    out["down"] = down
    return out
