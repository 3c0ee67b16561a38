"""A question that names a document by number ranks that document first."""

from __future__ import annotations

from rag.search.named_documents import named_refs
from rag.search.retriever import Retriever
from rag.settings import Settings


def test_questions_name_documents_by_number() -> None:
    assert [(r.number, r.kind) for r in named_refs("ngay ban hanh nghi quyet 57")] == [("57", "Nghị quyết")]
    assert [(r.number, r.kind) for r in named_refs("NĐ 188 quy định gì?")] == [("188", "Nghị định")]
    assert [(r.number, r.year) for r in named_refs("thông tư 13/2025 về bệnh án")] == [("13", "2025")]
    assert named_refs("khoản 1 Điều 23 nói gì?") == []


def test_a_named_document_ranks_its_own_provisions_first(seeded_settings: Settings) -> None:
    hits = Retriever(seeded_settings).search("ngay ban hanh nghi quyet 57", 5)
    assert hits[0].source.endswith("nq57_NQ-TW_2024-12-22_fulltext.md")
    assert sum(h.source.endswith("nq03_NQ-CP_2025-01-09_fulltext_with_appendices.md") for h in hits) < 5
