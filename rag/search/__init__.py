"""A question in, hits out: the question analysed once (its kind, named documents, stated
references), hybrid retrieval (dense + BM25), and the named-document and validity priors.

Imports only ``rag.text``, ``rag.documents`` and ``rag.index`` (and settings, errors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.lazy import lazy_exports

if TYPE_CHECKING:
    from rag.search.question import Question, question_type
    from rag.search.retriever import Hit, Retriever, document_info, validate_query

__all__ = [
    "Hit", "Question", "Retriever", "document_info", "question_type", "validate_query"
]
__getattr__ = lazy_exports(__name__, {
    "Question": "question", "question_type": "question",
    "Hit": "retriever", "Retriever": "retriever", "document_info": "retriever",
    "validate_query": "retriever",
})
