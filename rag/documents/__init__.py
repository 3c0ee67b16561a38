"""From a file to chunks with metadata: loaders (and OCR of scanned pages), cleaning, metadata
read from the text, legal structure (Chương › Điều › khoản › điểm) and legal metadata (number, dates,
validity, sidecars), cross-references inside a law, and chunking.

Imports only ``rag.text`` (and settings, errors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.lazy import lazy_exports

if TYPE_CHECKING:
    from rag.documents.chunking import VietnameseChunker, split_sentences
    from rag.documents.citations import stated_refs
    from rag.documents.clean import clean_text
    from rag.documents.legal_metadata import citation_name, load_sidecar, status_as_of
    from rag.documents.legal_structure import Unit, looks_legal, parse
    from rag.documents.loaders import SUPPORTED, SkipFile, discover, load
    from rag.documents.metadata import extract, parse_date

__all__ = [
    "SUPPORTED", "SkipFile", "Unit", "VietnameseChunker", "citation_name", "clean_text", "discover", "extract", "load",
    "load_sidecar", "looks_legal", "parse", "parse_date", "split_sentences", "stated_refs", "status_as_of"
]
__getattr__ = lazy_exports(__name__, {
    "SUPPORTED": "loaders", "SkipFile": "loaders", "discover": "loaders", "load": "loaders",
    "clean_text": "clean",
    "extract": "metadata", "parse_date": "metadata",
    "Unit": "legal_structure", "looks_legal": "legal_structure", "parse": "legal_structure", "stated_refs": "citations",
    "citation_name": "legal_metadata", "load_sidecar": "legal_metadata", "status_as_of": "legal_metadata",
    "VietnameseChunker": "chunking", "split_sentences": "chunking",
})
