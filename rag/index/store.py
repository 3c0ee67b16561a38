"""Where the index lives: the Chroma collection, its manifest (rag.index.manifest), and the local cache of the
keyword index built from them."""

from __future__ import annotations

import os
import re
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, ProviderError
from rag.index.keyword import KeywordIndex, matrix_path
from rag.index.manifest import MATRIX, SNAPSHOT, load_index, manifest_name, read_blob, read_generation
from rag.settings import Settings

_GENERATION_RE = re.compile(rb'"generation":\s*(\d+)')


def collection_name(prefix: str, embedder_id: str) -> str:
    """Chroma collection for one embedder: vectors of two embedders never mix."""
    name = re.sub(r"[^A-Za-z0-9._-]", "-", f"{prefix}_{embedder_id}")
    return name.strip("-._")[:200]


@dataclass
class IndexLocation:
    settings: Settings
    embedder_id: str

    @property
    def name(self) -> str:
        return collection_name(self.settings.index.collection_prefix, self.embedder_id)

    @property
    def root(self) -> Path:
        return self.settings.paths.data_dir / "index" / self.name

    @property
    def keyword_path(self) -> Path:
        return self.root / "keyword.json"

    @property
    def lock_path(self) -> Path:
        return self.settings.paths.data_dir / "ingest.lock"

    def describe(self) -> str:
        idx = self.settings.index
        if idx.chroma_host:
            scheme = "https" if idx.chroma_ssl else "http"
            return f"Chroma server {scheme}://{idx.chroma_host}:{idx.chroma_port}, collection {self.name}"
        return f"embedded Chroma at {self.settings.paths.data_dir / 'chroma'}, collection {self.name}"

    def other_indexes(self) -> list[str]:
        base = self.settings.paths.data_dir / "index"
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if (p / "keyword.json").exists() and p.name != self.name)

    def load_keyword(self, terms: bool = True) -> KeywordIndex:
        if not self.keyword_path.exists():
            others = self.other_indexes()
            if others:
                raise IndexMismatchError(
                    f"The index in {self.settings.paths.data_dir} was built with another embedder "
                    f"({', '.join(others)}); the active one is {self.embedder_id}. "
                    "Run `python -m rag ingest` to index the documents for it.")
            raise IndexMissingError(
                f"No index at {self.root}. Run `python -m rag ingest` first (it indexes seeds/ by default).")
        index = KeywordIndex.load(self.keyword_path, terms=terms)
        if index.embedder_id != self.embedder_id:
            raise IndexMismatchError(
                f"Index built with {index.embedder_id}, active embedder is {self.embedder_id}: "
                "run `python -m rag ingest --rebuild`.")
        return index

    def cached_generation(self) -> int | None:
        """Generation of the local keyword file, read from its first bytes (no full parse)."""
        try:
            with self.keyword_path.open("rb") as fh:
                head = fh.read(400)
        except OSError:
            return None
        m = _GENERATION_RE.search(head)
        return int(m.group(1)) if m else None

    def load_committed(self, collection: Any, manifest: Any, terms: bool = True) -> KeywordIndex:
        """The index Chroma's manifest says is committed: the local file when it holds that generation,
        else rebuilt from Chroma (and the file refreshed). An index from before manifests: the file."""
        stamp = read_generation(manifest) if manifest is not None else None
        if stamp is None:
            return self.load_keyword(terms)
        if self.cached_generation() == int(stamp["generation"]):
            try:
                index = self.load_keyword(terms)
                if index.generation == int(stamp["generation"]):
                    return index
            except IndexCorruptError:
                pass  # a cache in an older format or cut short: Chroma has it all
        generation = int(stamp["generation"])
        if not terms:
            stored = self._from_snapshot(manifest, generation)
            if stored is not None:
                return stored
        loaded = load_index(collection, manifest, self.embedder_id)
        if loaded is None:
            return self.load_keyword(terms)
        loaded.origin = "chroma"
        try:
            loaded.save(self.keyword_path)
        except OSError:
            pass  # a read-only data directory: the index still works from memory
        return loaded

    def _from_snapshot(self, manifest: Any, generation: int) -> KeywordIndex | None:
        """A worker's index from the snapshot and matrix stored in Chroma for ``generation``: two reads and no
        build, instead of one read per chunk. They become the local cache, then are loaded from it."""
        matrix = read_blob(manifest, MATRIX, generation)
        snapshot = read_blob(manifest, SNAPSHOT, generation) if matrix is not None else None
        if matrix is None or snapshot is None:
            return None
        path = self.keyword_path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(matrix_path(path), [matrix])
            del matrix
            _write_atomic(path, _inflate(snapshot))
            del snapshot
            index = KeywordIndex.load(path, terms=False)
        except (OSError, zlib.error, IndexCorruptError):
            return None
        if index.generation != generation or not index.released:
            return None
        index.origin = "chroma-snapshot"
        return index


def _inflate(data: bytes, step: int = 1 << 22) -> Iterator[bytes]:
    """A zlib blob decompressed piece by piece (the whole text is never in memory)."""
    unzip = zlib.decompressobj()
    for start in range(0, len(data), step):
        yield unzip.decompress(data[start:start + step])
    yield unzip.flush()


def _write_atomic(path: Path, pieces: Iterable[bytes]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".cache-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            for piece in pieces:
                fh.write(piece)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def chroma_client(settings: Settings) -> Any:
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
    except ImportError as exc:
        raise ProviderError("chromadb is not installed: pip install 'chromadb>=1.5'") from exc
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    idx = settings.index
    if idx.chroma_host:
        try:
            return chromadb.HttpClient(host=idx.chroma_host, port=idx.chroma_port, ssl=idx.chroma_ssl,
                                       settings=chroma_settings)
        except Exception as exc:
            raise ProviderError(
                f"Cannot reach the Chroma server at {idx.chroma_host}:{idx.chroma_port} ({exc}). "
                "Start it with `chroma run --path DIR --port PORT` or unset HOIDAP_INDEX__CHROMA_HOST.") from exc
    path = settings.paths.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def open_collection(settings: Settings, embedder_id: str, dim: int, create: bool) -> Any:
    """The embedder's collection (cosine space). Our own vectors are always passed in,
    so Chroma's default embedding function (which downloads a model) is never used."""
    client = chroma_client(settings)
    name = collection_name(settings.index.collection_prefix, embedder_id)
    meta = {"hnsw:space": "cosine", "embedder": embedder_id, "dim": dim}
    try:
        if create:
            col = client.get_or_create_collection(name, metadata=meta, embedding_function=None)
        else:
            col = client.get_collection(name, embedding_function=None)
    except Exception as exc:
        if create:
            raise ProviderError(f"Chroma refused collection {name}: {exc}") from exc
        raise IndexMissingError(
            f"Chroma has no collection {name}. Run `python -m rag ingest` to build it.") from exc
    found = (col.metadata or {}).get("embedder")
    if found and found != embedder_id:
        raise IndexMismatchError(f"Collection {name} holds {found} vectors; run `python -m rag ingest --rebuild`.")
    return col


def open_manifest(settings: Settings, embedder_id: str, create: bool) -> Any | None:
    """The manifest collection beside the vectors (None when it does not exist and create is False)."""
    client = chroma_client(settings)
    name = manifest_name(collection_name(settings.index.collection_prefix, embedder_id))
    try:
        if create:
            return client.get_or_create_collection(name, metadata={"embedder": embedder_id, "role": "manifest"},
                                                   embedding_function=None)
        return client.get_collection(name, embedding_function=None)
    except Exception as exc:
        if create:
            raise ProviderError(f"Chroma refused collection {name}: {exc}") from exc
        return None


def reset_embedded_clients() -> None:
    """Forget this process's embedded Chroma clients: another process changed the vectors, and an open
    local client keeps serving its in-memory copy of the vector index until it is opened again."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def vector_store(collection: Any) -> Any:
    from llama_index.vector_stores.chroma import ChromaVectorStore

    return ChromaVectorStore(chroma_collection=collection)
