"""What an ingest reads: files as source documents (text, content hash, the operator's sidecar),
their names in the index, and the report of what was done."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rag.documents.legal_metadata import Sidecar, SidecarError, load_sidecar
from rag.documents.loaders import SIDECAR_SUFFIX, SkipFile, file_hash, load
from rag.index.copies import Copy
from rag.settings import PROJECT_ROOT, Settings


@dataclass
class SourceDoc:
    source: str
    text: str
    content_hash: str
    structured: bool = False
    title: str | None = None  # None = read from the text
    sidecar: Sidecar | None = None  # the operator's metadata override
    ocr_confidence: float | None = None  # scanned pages: Tesseract's mean word confidence (0–100)


@dataclass
class IngestReport:
    documents: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    copies: list[Copy] = field(default_factory=list)  # files not indexed: another file holds the same document
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"documents={self.documents} chunks={self.chunks} added={self.added} "
                f"updated={self.updated} removed={self.removed} unchanged={self.unchanged} "
                f"skipped={len(self.skipped)} copies={len(self.copies)} seconds={self.seconds:.1f}")


def source_name(path: Path) -> str:
    path = path.resolve()
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def file_sources(settings: Settings, files: list[Path]) -> Iterator[SourceDoc | tuple[str, str]]:
    for path in files:
        src = source_name(path)
        side_path = path.with_name(path.name + SIDECAR_SUFFIX)
        try:
            data = path.read_bytes()
            loaded = load(path, data, ocr_lang=settings.ocr.languages if settings.ocr.enabled else None)
            side_data = side_path.read_bytes() if side_path.is_file() else b""
            sidecar = load_sidecar(side_data, side_path.name) if side_data else None
        except (SkipFile, SidecarError) as exc:
            yield (src, str(exc))
            continue
        except OSError as exc:
            yield (src, f"cannot read ({exc.strerror or exc})")
            continue
        # Editing the sidecar re-indexes the document: its hash is part of the document's.
        digest = file_hash(data + b"\x00" + side_data) if side_data else file_hash(data)
        yield SourceDoc(src, loaded.text, digest, structured=loaded.kind == "markdown", sidecar=sidecar,
                        ocr_confidence=loaded.ocr_confidence)
