"""Chroma as the one source of truth: the document manifest and a generation stamp live in a second
collection beside the vectors, and every chunk carries its keyword terms in its Chroma metadata.

A worker on any machine can therefore rebuild the keyword index from the Chroma server alone; the
keyword file under data_dir is only a local cache of one generation. The ingest writes chunks first,
then the manifest records of the documents it changed, then the generation: a crash in between
leaves each document either at its old chunks or its new ones, and orphaned chunks are removed by
the next ingest (``Ingestor.reconcile``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import socket
from typing import Any

from rag.index.keyword import Chunk, DocEntry, KeywordIndex

log = logging.getLogger(__name__)
GENERATION_ID = "__generation__"
TERMS_KEY = "hoidap_terms"
_DOC_PREFIX = "doc:"
_COPY_PREFIX = "copy:"
_OUTLINE_PREFIX = "outline:"
MATRIX = "bm25"
SNAPSHOT = "snapshot"
# Blobs are stored base64 in parts of this many characters (a multiple of 4, so each part decodes alone):
# one Chroma request per part stays small.
_BLOB_PART = 4_000_000
_PAGE = 2000
# Chroma needs a vector per record; manifest records are looked up by id only.
_NO_VECTOR = [1.0]


def manifest_name(collection_name: str) -> str:
    return f"{collection_name}-manifest"[:200]


def writer_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def read_generation(manifest: Any) -> dict[str, Any] | None:
    """{"generation", "terms_version", "writer"} of the last committed ingest, or None (no manifest yet)."""
    got = manifest.get(ids=[GENERATION_ID], include=["metadatas"])
    metas = got.get("metadatas") or []
    return dict(metas[0]) if metas and metas[0] else None


def write_docs(manifest: Any, entries: list[DocEntry], removed: list[str]) -> None:
    for start in range(0, len(entries), _PAGE):
        page = entries[start:start + _PAGE]
        manifest.upsert(ids=[_DOC_PREFIX + e.source for e in page],
                        documents=[json.dumps(vars(e), ensure_ascii=False) for e in page],
                        embeddings=[_NO_VECTOR] * len(page), metadatas=[{"kind": "doc"} for _ in page])
    ids = [_DOC_PREFIX + s for s in removed]
    for start in range(0, len(ids), _PAGE):
        manifest.delete(ids=ids[start:start + _PAGE])


def write_generation(manifest: Any, generation: int, terms_version: int) -> None:
    manifest.upsert(ids=[GENERATION_ID], documents=[""], embeddings=[_NO_VECTOR],
                    metadatas=[{"kind": "generation", "generation": generation, "terms_version": terms_version,
                                "writer": writer_id()}])


def write_copies(manifest: Any, copies: list[dict[str, Any]], removed: list[str]) -> None:
    """Records of files skipped as copies of an indexed document ({"source", "kept", "reason", …})."""
    if copies:
        manifest.upsert(ids=[_COPY_PREFIX + c["source"] for c in copies],
                        documents=[json.dumps(c, ensure_ascii=False) for c in copies],
                        embeddings=[_NO_VECTOR] * len(copies), metadatas=[{"kind": "copy"} for _ in copies])
    if removed:
        manifest.delete(ids=[_COPY_PREFIX + s for s in removed])


def write_outlines(manifest: Any, outlines: dict[str, str], removed: list[str]) -> None:
    """Each document's outline (JSON, rag.documents.outline), what its page is rendered from."""
    items = sorted(outlines.items())
    for start in range(0, len(items), 200):
        page = items[start:start + 200]
        manifest.upsert(ids=[_OUTLINE_PREFIX + s for s, _ in page], documents=[o for _, o in page],
                        embeddings=[_NO_VECTOR] * len(page), metadatas=[{"kind": "outline"} for _ in page])
    ids = [_OUTLINE_PREFIX + s for s in removed]
    for start in range(0, len(ids), _PAGE):
        manifest.delete(ids=ids[start:start + _PAGE])


def read_outline(manifest: Any, source: str) -> dict[str, Any] | None:
    got = manifest.get(ids=[_OUTLINE_PREFIX + source], include=["documents"])
    docs = got.get("documents") or []
    return json.loads(docs[0]) if docs and docs[0] else None


def write_blob(manifest: Any, kind: str, generation: int, data: bytes) -> None:
    """A blob built from one generation ("bm25": the matrix; "snapshot": the chunks without terms), so a
    worker on a new machine loads it instead of reading every chunk and building the matrix. Its parts carry
    the generation and the blob's hash: a reader uses them only when both match."""
    text = base64.b64encode(data).decode("ascii")
    parts = [text[i:i + _BLOB_PART] for i in range(0, len(text), _BLOB_PART)] or [""]
    digest = hashlib.sha256(data).hexdigest()
    for i, part in enumerate(parts):
        manifest.upsert(ids=[f"{kind}:{i}"], documents=[part], embeddings=[_NO_VECTOR],
                        metadatas=[{"kind": kind, "generation": generation, "part": i, "parts": len(parts),
                                    "sha256": digest}])
    stale = manifest.get(where={"kind": kind}, include=["metadatas"])
    extra = [i for i, m in zip(stale.get("ids") or [], stale.get("metadatas") or [], strict=True)
             if int((m or {}).get("part", 0)) >= len(parts)]
    if extra:
        manifest.delete(ids=extra)


def read_blob(manifest: Any, kind: str, generation: int) -> bytes | None:
    """The stored blob of ``generation``, or None when it is missing, of another generation or incomplete.
    Read part by part, each decoded as it comes: the base64 text is never held whole."""
    head = manifest.get(ids=[f"{kind}:0"], include=["metadatas"])
    metas = head.get("metadatas") or []
    if not metas or not metas[0] or int(metas[0].get("generation", -1)) != generation:
        return None
    digest = metas[0]["sha256"]
    data = bytearray()
    for i in range(int(metas[0]["parts"])):
        got = manifest.get(ids=[f"{kind}:{i}"], include=["documents", "metadatas"])
        docs, parts = got.get("documents") or [], got.get("metadatas") or []
        if not docs or not parts or (parts[0] or {}).get("sha256") != digest:
            return None  # a part missing, or of another build (a writer between our reads): not used
        data += base64.b64decode(docs[0] or "")
    return bytes(data) if hashlib.sha256(data).hexdigest() == digest else None


def publish_index(manifest: Any, index: KeywordIndex) -> bool:
    """Store a built index's matrix and snapshot in Chroma when it is still the committed generation.
    A failure only costs the next new machine a slower start, so it is logged, not raised."""
    if manifest is None:
        return False
    try:
        stamp = read_generation(manifest)
        if stamp is None or int(stamp["generation"]) != index.generation:
            return False
        write_blob(manifest, MATRIX, index.generation, index.matrix_bytes(compressed=True))
        write_blob(manifest, SNAPSHOT, index.generation, index.snapshot_bytes())
        return True
    except Exception as exc:  # noqa: BLE001 - Chroma client errors have no common base class
        log.warning("could not store the keyword index in Chroma (%s): a new machine will rebuild it", exc)
        return False


def read_copies(manifest: Any) -> list[dict[str, Any]]:
    got = manifest.get(where={"kind": "copy"}, include=["documents"])
    return sorted((json.loads(raw) for raw in got.get("documents") or []), key=lambda c: c["source"])


def read_docs(manifest: Any) -> dict[str, DocEntry]:
    """Every committed document's manifest entry (small: no chunk text)."""
    docs: dict[str, DocEntry] = {}
    offset = 0
    while True:
        got = manifest.get(where={"kind": "doc"}, include=["documents"], limit=_PAGE, offset=offset)
        for raw in got.get("documents") or []:
            entry = DocEntry(**json.loads(raw))
            docs[entry.source] = entry
        if len(got.get("ids") or []) < _PAGE:
            break
        offset += _PAGE
    return docs


def load_index(collection: Any, manifest: Any, embedder_id: str) -> KeywordIndex | None:
    """The keyword index of the committed generation, read from Chroma (None if there is no manifest)."""
    stamp = read_generation(manifest)
    if stamp is None:
        return None
    docs = read_docs(manifest)
    wanted = [(cid, source) for source in sorted(docs) for cid in docs[source].chunk_ids]
    chunks: list[Chunk] = []
    for start in range(0, len(wanted), _PAGE):
        page = wanted[start:start + _PAGE]
        got = collection.get(ids=[cid for cid, _ in page], include=["metadatas", "documents"])
        by_id = {i: (m, d) for i, m, d in zip(got["ids"], got["metadatas"], got["documents"], strict=True)}
        for cid, source in page:
            if cid not in by_id:
                continue  # a chunk deleted after this manifest was read; the next generation drops it
            meta, text = by_id[cid]
            # LlamaIndex keeps the node's own metadata (unflattened) in _node_content, its text as the document.
            metadata = dict(json.loads(str(meta["_node_content"])).get("metadata") or {})
            chunks.append(Chunk(cid, source, text or "", metadata, str(metadata.pop(TERMS_KEY, "") or "")))
    docs = {source: docs[source] for source in sorted(docs)}
    return KeywordIndex(embedder_id, chunks, docs, int(stamp["generation"]), int(stamp.get("terms_version", 1)))
