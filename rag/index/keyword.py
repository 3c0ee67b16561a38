"""BM25 keyword index, persisted beside the vectors.

The file also holds every chunk's text and metadata and the per-document
manifest, so it is the authority on what the index contains: dense hits whose
ids are not in it (left by an interrupted ingest) are ignored.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from scipy import sparse

from rag.errors import IndexCorruptError
from rag.text.tokens import FOLD_PREFIX, TERMS_VERSION, is_word_term

# 3: a header line, then per chunk one JSON line and one line of its terms joined by spaces, read line
# by line: a large index never needs the whole file in memory, and a worker that has the built BM25
# matrix (the .bm25.npz beside it) skips the terms altogether.
FORMAT_VERSION = 3
K1 = 1.2
B = 0.75


@dataclass
class Chunk:
    chunk_id: str
    doc_source: str
    text: str
    metadata: dict[str, Any]
    terms: str = ""  # the chunk's keyword terms, space-separated (one string, not thousands)


@dataclass
class DocEntry:
    source: str
    content_hash: str
    chunk_ids: list[str]
    metadata: dict[str, Any]


def matrix_path(path: Path) -> Path:
    return path.with_name(path.stem + ".bm25.npz")


class KeywordIndex:
    """Chunks, their BM25 term statistics and the document manifest."""

    def __init__(self, embedder_id: str, chunks: list[Chunk] | None = None,
                 docs: dict[str, DocEntry] | None = None, generation: int = 0,
                 terms_version: int = TERMS_VERSION) -> None:
        self.embedder_id = embedder_id
        self.generation = generation
        # Older than TERMS_VERSION: some chunks carry terms of an earlier tokenizer.
        self.terms_version = terms_version
        self.docs: dict[str, DocEntry] = docs or {}
        self._chunks: list[Chunk] = []
        self._pos: dict[str, int] = {}
        self.vocab: dict[str, int] = {}
        self._weights: sparse.csc_matrix | None = None
        self._field: np.ndarray = np.zeros(0, dtype=np.int8)
        self.idf = np.zeros(0, dtype=np.float32)
        self.term_counts = np.zeros(0, dtype=np.float64)
        self._released = False
        self._pending: sparse.csc_matrix | None = None
        self._articles: dict[tuple[str, str], list[Chunk]] | None = None
        # Where this copy came from: "file" (the local cache), "chroma" (read chunk by chunk from Chroma),
        # "chroma-snapshot" (the snapshot and matrix stored in Chroma: nothing was built) or "built".
        self.origin = "file"
        for c in chunks or []:
            self._append(c)

    # -- content -----------------------------------------------------------
    def _append(self, chunk: Chunk) -> None:
        self._pos[chunk.chunk_id] = len(self._chunks)
        self._chunks.append(chunk)
        self._weights = None
        self._articles = None

    def article_chunks(self, source: str, article: str) -> list[Chunk]:
        """The provision chunks of one article of a document, in order. Answers re-read an article (to quote
        a khoản whole) many times: the map is built once per index, not by scanning the document each time."""
        if self._articles is None:
            articles: dict[tuple[str, str], list[Chunk]] = {}
            for entry in self.docs.values():
                for cid in entry.chunk_ids:
                    pos = self._pos.get(cid)
                    if pos is None:
                        continue
                    chunk = self._chunks[pos]
                    if (chunk.metadata.get("article") and chunk.metadata.get("legal_kind") == "provision"
                            and not chunk.metadata.get("item")):  # an item repeats a line of its khoản
                        articles.setdefault((entry.source, str(chunk.metadata["article"])), []).append(chunk)
            self._articles = articles
        return self._articles.get((source, article), [])

    @property
    def chunks(self) -> list[Chunk]:
        return self._chunks

    def __len__(self) -> int:
        return len(self._chunks)

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._pos

    def get(self, chunk_id: str) -> Chunk:
        return self._chunks[self._pos[chunk_id]]

    def row(self, chunk_id: str) -> int:
        """Position of a chunk in score arrays."""
        return self._pos[chunk_id]

    def replace_document(self, entry: DocEntry, chunks: list[Chunk]) -> list[str]:
        """Put a document's new chunks in place of its old ones; returns removed ids."""
        removed = self.remove_document(entry.source)
        for c in chunks:
            self._append(c)
        self.docs[entry.source] = entry
        return removed

    def remove_document(self, source: str) -> list[str]:
        old = self.docs.pop(source, None)
        if old is None:
            return []
        gone = set(old.chunk_ids)
        self._chunks = [c for c in self._chunks if c.chunk_id not in gone]
        self._pos = {c.chunk_id: i for i, c in enumerate(self._chunks)}
        self._weights = None
        self._articles = None
        return list(gone)

    # -- scoring -----------------------------------------------------------
    def _build(self) -> sparse.csc_matrix:
        vocab: dict[str, int] = {}
        add = vocab.setdefault
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        for r, c in enumerate(self._chunks):
            terms = c.terms.split()
            ids = np.fromiter((add(t, len(vocab)) for t in terms), dtype=np.int32, count=len(terms))
            cols.append(ids)
            rows.append(np.full(len(ids), r, dtype=np.int32))
        row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
        col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int32)
        del rows, cols
        n_docs = max(len(self._chunks), 1)
        # Duplicates (a term twice in a chunk) are summed into its term frequency; int32 indices keep the
        # peak memory of a 50,000-chunk build down.
        tf = sparse.coo_matrix((np.ones(len(col), dtype=np.float32), (row, col)),
                               shape=(len(self._chunks), len(vocab)))
        del row, col
        tf.sum_duplicates()
        field = np.array([is_word_term(t) for t in vocab], dtype=np.int8)
        folded = np.array([t.startswith(FOLD_PREFIX) for t in vocab], dtype=bool)
        # One length per field: a chunk's syllable count and its word count (folded copies not counted).
        lengths = np.zeros((len(self._chunks), 2), dtype=np.float32)
        keep = ~folded[tf.col]
        np.add.at(lengths, (tf.row[keep], field[tf.col[keep]]), tf.data[keep])
        df = np.bincount(tf.col, minlength=len(vocab)).astype(np.float32)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        avg = np.maximum(lengths.mean(axis=0), 1.0) if len(lengths) else np.ones(2, dtype=np.float32)
        f = field[tf.col]
        norm = K1 * (1 - B + B * lengths[tf.row, f] / avg[f])
        w = tf.data * (K1 + 1) / (tf.data + norm) * idf[tf.col]
        self.vocab = vocab
        self.idf = idf
        self.term_counts = np.bincount(tf.col, weights=tf.data, minlength=len(vocab)).astype(np.float64)
        self._field = field
        self._weights = sparse.csc_matrix((w, (tf.row, tf.col)), shape=tf.shape)
        return self._weights

    def release_terms(self) -> None:
        """Free every chunk's term list once the matrix is built (a worker only reads): at 50,000 chunks
        they are most of the memory. Such an index can no longer be saved."""
        self.ensure_built()
        for c in self._chunks:
            c.terms = ""
        self._released = True

    def scores(self, terms: list[str], word_weight: float) -> np.ndarray:
        """Keyword score of every chunk (0..1): BM25 per field, each scaled by its best chunk.

        Scaling each field by its own maximum makes the weights mean the same
        thing for every query, however many terms the question has.
        """
        weights = self._weights if self._weights is not None else self._build()
        total = np.zeros(weights.shape[0], dtype=np.float32)
        idx = [self.vocab[t] for t in terms if t in self.vocab]
        if not idx or weights.shape[0] == 0:
            return total
        q = np.bincount(np.asarray(idx), minlength=weights.shape[1]).astype(np.float32)
        cols = np.nonzero(q)[0]
        # One slice of the matrix for all the question's terms; each field is then a product with its part of q.
        part = weights[:, cols]
        fields = self._field[cols]
        for fld, share in ((0, 1.0 - word_weight), (1, word_weight)):
            mask = fields == fld
            if share <= 0 or not mask.any():
                continue
            sub = np.asarray(part @ np.where(mask, q[cols], 0.0).astype(np.float32)).ravel()
            top = float(sub.max())
            if top > 0:
                total += share * sub / top
        return total

    def rarest(self, terms: list[str], limit: int) -> list[str]:
        """A question's indexed terms cut to its ``limit`` rarest distinct ones (highest idf), repeats kept: the
        common words of a long question cost the most (long matrix columns) and tell the least."""
        distinct = [t for t in dict.fromkeys(terms) if t in self.vocab]
        if len(distinct) <= limit:
            return terms
        if self._weights is None:
            self._build()
        # Terms the index does not hold cost nothing and say the documents may not cover the question: kept.
        drop = set(sorted(distinct, key=lambda t: -float(self.idf[self.vocab[t]]))[limit:])
        return [t for t in terms if t not in drop]

    def term_df(self, term: str) -> int:
        if self._weights is None:
            self._build()
        j = self.vocab.get(term)
        if j is None or self._weights is None:
            return 0
        return int(self._weights.indptr[j + 1] - self._weights.indptr[j])

    def rows_with(self, term: str) -> np.ndarray:
        """Rows (positions in ``chunks()``) of the chunks that hold the term."""
        self.ensure_built()
        j = self.vocab.get(term)
        if j is None or self._weights is None:
            return np.zeros(0, dtype=np.int32)
        return self._weights.indices[self._weights.indptr[j]:self._weights.indptr[j + 1]]

    def ensure_built(self) -> None:
        if self._weights is None:
            self._build()

    # -- persistence -------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write atomically: readers see the old file or the new one, never half."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".keyword-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                self.write(fh, terms=not self._released)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def write(self, fh: IO[str], terms: bool = True) -> None:
        """The keyword file's content. ``terms=False`` (a worker's copy, or the snapshot stored in Chroma):
        no terms; such a copy is loaded with the matrix beside it, and a writer reads Chroma instead."""
        header = {"format": FORMAT_VERSION, "embedder_id": self.embedder_id, "generation": self.generation,
                  "terms_version": self.terms_version, "chunks": len(self._chunks), "terms": terms,
                  "docs": {s: vars(d) for s, d in self.docs.items()}}
        fh.write(json.dumps(header, ensure_ascii=False, separators=(",", ":")) + "\n")
        for c in self._chunks:
            fh.write(json.dumps({"id": c.chunk_id, "doc": c.doc_source, "text": c.text, "meta": c.metadata},
                                ensure_ascii=False, separators=(",", ":")) + "\n")
            fh.write((c.terms.replace("\n", " ") if terms else "") + "\n")

    def snapshot_bytes(self) -> bytes:
        """The chunks and manifest without terms, compressed: with the matrix, all a new machine's worker
        needs, in two reads instead of one per chunk."""
        buf = io.StringIO()
        self.write(buf, terms=False)
        return zlib.compress(buf.getvalue().encode("utf-8"), 3)

    @classmethod
    def load(cls, path: Path, terms: bool = True) -> KeywordIndex:
        """The index in ``path``. ``terms=False`` (a worker): the BM25 matrix comes from the .bm25.npz
        beside it when that is of the same generation, and the terms are not read at all."""
        rebuild = "run `python -m rag ingest --rebuild`"
        try:
            with path.open(encoding="utf-8") as fh:
                header = json.loads(fh.readline())
                if not isinstance(header, dict) or header.get("format") != FORMAT_VERSION:
                    raise IndexCorruptError(f"Keyword index {path} has an old format; {rebuild}.")
                docs = {s: DocEntry(**d) for s, d in header["docs"].items()}
                index = cls(header["embedder_id"], [], docs, header["generation"], header.get("terms_version", 1))
                matrix = not terms and index._load_matrix(matrix_path(path))
                if header.get("terms") is False and not matrix:
                    raise IndexCorruptError(f"Keyword cache {path} holds no terms (a worker's copy); {rebuild}.")
                chunks = []
                for line in fh:
                    c = json.loads(line)
                    words = fh.readline()
                    chunks.append(Chunk(c["id"], c["doc"], c["text"], c["meta"], "" if matrix else words.rstrip("\n")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorruptError(f"Keyword index {path} is unreadable ({exc}); {rebuild}.") from exc
        if len(chunks) != header.get("chunks"):
            raise IndexCorruptError(f"Keyword index {path} is truncated; {rebuild}.")
        for chunk in chunks:
            index._append(chunk)
        if matrix:
            if index._pending is None or index._pending.shape[0] != len(chunks):
                raise IndexCorruptError(f"BM25 matrix beside {path} does not match it; {rebuild}.")
            index._weights, index._released = index._pending, True
        index._pending = None
        return index

    @property
    def released(self) -> bool:
        """True for a worker's copy: no per-chunk terms in memory, so it cannot be saved."""
        return self._released

    def matrix_bytes(self, compressed: bool = False) -> bytes:
        """The built BM25 matrix as one npz blob (vocabulary, idf and field of each term included).
        ``compressed``: for Chroma, where it travels over the network (about half the size)."""
        weights = self._weights if self._weights is not None else self._build()
        buf = io.BytesIO()
        save = np.savez_compressed if compressed else np.savez
        save(buf, generation=np.int64(self.generation), rows=np.int64(len(self._chunks)),
             data=weights.data, indices=weights.indices, indptr=weights.indptr,
             shape=np.asarray(weights.shape), field=self._field, idf=self.idf,
             term_counts=self.term_counts, vocab=np.asarray("\n".join(self.vocab)))
        return buf.getvalue()

    def save_matrix(self, path: Path) -> None:
        """The built BM25 matrix beside the keyword file, so the next worker to start need not build it."""
        data = self.matrix_bytes()
        fd, tmp = tempfile.mkstemp(prefix=".bm25-", suffix=".npz", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _load_matrix(self, path: Path) -> bool:
        try:
            return self._read_matrix(path.read_bytes())
        except OSError:
            return False

    def _read_matrix(self, data: bytes) -> bool:
        """Take a stored matrix as ``_pending`` when it is of this index's generation."""
        try:
            with np.load(io.BytesIO(data)) as z:
                if int(z["generation"]) != self.generation:
                    return False
                vocab = str(z["vocab"]).split("\n") if int(z["shape"][1]) else []
                self._pending = sparse.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
                self._field, self.idf, self.term_counts = z["field"], z["idf"], z["term_counts"]
        except (OSError, ValueError, KeyError, EOFError):
            return False
        self.vocab = {t: i for i, t in enumerate(vocab)}
        return len(self.vocab) == self._pending.shape[1]

    @property
    def outdated(self) -> bool:
        return self.terms_version < TERMS_VERSION
