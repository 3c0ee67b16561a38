"""What the assistant returns: the reply, its citations, the streamed events, and the composer that
numbers citations by first use and writes their markers into the answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from rag.answer.extractive import with_marker
from rag.documents.citations import chunk_basis
from rag.documents.outline import basis_anchor, page_url
from rag.search.retriever import Hit

Reason = Literal["answered", "not_in_documents", "medical_advice", "emergency", "invalid_input"]


@dataclass
class Citation:
    n: int
    hit: Hit
    quotes: list[str] = field(default_factory=list)
    basis: str = ""  # "khoản 5 Điều 23" for a legal provision

    @property
    def section(self) -> str | None:
        """The article and khoản quoted: 'Điều 23. Các trường hợp … › khoản 5'."""
        if not self.basis or not self.hit.section:
            return self.hit.section
        article = next((p for p in self.hit.section.split(" › ") if p.startswith("Điều ")), "")
        detail = self.basis.rsplit(" Điều ", 1)[0] if " Điều " in self.basis else ""
        return " › ".join(x for x in (article, detail) if x) or self.hit.section

    @property
    def url(self) -> str | None:
        """The document page at the quoted provision, the quoted words marked (None: an index without pages)."""
        doc_id = self.hit.metadata.get("page_id")
        if not doc_id:
            return None
        fragment = basis_anchor(self.basis or chunk_basis(self.hit.metadata), self.hit.article if self.hit.legal else "")
        # Outside a provision the page gives the first marked paragraph the anchor "trich".
        return page_url(str(doc_id), fragment or "trich", " … ".join(self.quotes))

    def as_json(self) -> dict[str, Any]:
        return {"n": self.n, "source": self.hit.source, "title": self.hit.title, "date": self.hit.date,
                "section": self.section, "basis": self.basis or None, "document": self.hit.document(),
                "quote": " … ".join(self.quotes), "url": self.url}


@dataclass
class Reply:
    question: str
    answer: str
    reason: Reason
    provider: str
    citations: list[Citation] = field(default_factory=list)
    contexts: list[Hit] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str | None = None
    standalone: str | None = None
    evidence: float | None = None
    top_sentence: float | None = None

    @property
    def refused(self) -> bool:
        return self.reason != "answered"

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question, "answer": self.answer, "refused": self.refused, "reason": self.reason,
            "citations": [] if self.refused else [c.as_json() for c in self.citations],
            "contexts": [{"source": h.source, "text": h.text, "score": round(h.score, 4)} for h in self.contexts],
            "provider": self.provider, "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }

    def render_text(self) -> str:
        lines = [self.answer]
        if self.citations and not self.refused:
            lines.append("")
            for c in self.citations:
                doc = c.hit.document()
                where = ", ".join(x for x in (doc.get("number"), c.hit.date, c.section, doc.get("status")) if x)
                lines.append(f"[{c.n}] {c.hit.title} ({c.hit.source}{'; ' + where if where else ''})")
                for q in c.quotes:
                    lines.append(f"    “{q}”")
        return "\n".join(lines)


@dataclass
class Event:
    """A streamed piece: kind 'delta' carries text; the last event is 'final' with the Reply."""

    kind: Literal["delta", "final"]
    text: str = ""
    reply: Reply | None = None


class Composer:
    """Numbers citations by first use and writes markers into the answer."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.citations: dict[int, Citation] = {}
        self.parts: list[str] = []
        self._text = ""

    def add(self, sentence: str, hit: int, quote: str | list[str], basis: str = "") -> str:
        """Add a cited sentence (or quoted provision); returns the text to stream, separator first."""
        cit = self.citations.get(hit)
        if cit is None:
            cit = self.citations[hit] = Citation(len(self.citations) + 1, self.hits[hit], basis=basis)
        for q in [quote] if isinstance(quote, str) else quote:
            if q not in cit.quotes:
                cit.quotes.append(q)
        piece = with_marker(sentence, cit.n)
        # A quoted provision keeps its own lines; plain sentences run on.
        sep = "" if not self.parts else "\n" if "\n" in piece or "\n" in self.parts[-1] else " "
        self.parts.append(piece)
        self._text += sep + piece
        return sep + piece

    @property
    def answer(self) -> str:
        return self._text
