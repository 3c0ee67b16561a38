"""How well a passage covers a question: word coverage weighted by rarity.

Used to decide whether the documents hold an answer at all, to rank evidence
sentences, and to check that a generated sentence is supported by its source.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from rag.index.keyword import KeywordIndex
from rag.search.focus import CONTEXT_WEIGHT, split_at
from rag.text import lexicon
from rag.text.abbrev import substitute_abbreviations
from rag.text.normalize import canonical, fold
from rag.text.numbers import doc_refs
from rag.text.tokens import FOLD_PREFIX, WORD_PREFIX, doc_terms, is_word_term, syllables, term_syllables, words


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    return frozenset(p.replace(" ", "_") for p in lexicon.phrases("query_stopwords"))


@lru_cache(maxsize=1)
def _interrogatives() -> frozenset[str]:
    return frozenset(canonical(p).lower().replace(" ", "_") for p in lexicon.raw_lines("interrogatives"))


@lru_cache(maxsize=2048)
def term_set(text: str) -> frozenset[str]:
    return frozenset(doc_terms(text))


@lru_cache(maxsize=4096)
def covered_terms(text: str) -> frozenset[str]:
    """The text's terms, its abbreviations also written out: the question's words are compared written out
    ("CDC" reads "trung tâm kiểm soát bệnh tật"), so "Giám đốc CDC Hà Nội" must say them too."""
    full = substitute_abbreviations(text)
    return term_set(text) if full == text else term_set(text) | term_set(full)


def syllable_set(text: str) -> frozenset[str]:
    """The text's accented syllables, without its word and folded terms."""
    return frozenset(t for t in term_set(text) if not t.startswith(FOLD_PREFIX) and not is_word_term(t))


@dataclass(frozen=True)
class QuestionWords:
    words: tuple[str, ...]  # folded-prefixed or accented word terms
    weights: tuple[float, ...]
    # Whole terms the question names (folded, " "-joined syllables) and the indices of the words they span.
    wholes: tuple[tuple[str, frozenset[int]], ...] = ()


@lru_cache(maxsize=1)
def _whole_terms() -> tuple[str, ...]:
    return lexicon.phrases("whole_terms")


@lru_cache(maxsize=2048)
def folded_syllables(text: str) -> str:
    """" a b c ": the text's syllables folded, space-padded for whole-phrase tests."""
    return " " + " ".join(fold(s) for s in syllables(text)) + " "


# A word no indexed document uses, even syllable by syllable ("mổ", "mũi"), is the asker's own detail: no
# passage can cover it, so it weighs a quarter of a rare word's weight. Weighed in full it refused questions the
# law answers in its own words ("Mổ thẩm mỹ nâng mũi …" by "dịch vụ thẩm mỹ"). At 0.25 no labelled set moved
# (ALQAC included); at 0 an out-of-scope golden question was answered.
_ABSENT = 0.25


def question_words(text: str, index: KeywordIndex, plain: bool,
                   asking: tuple[int, int] | None = None) -> QuestionWords:
    """Content words of a question (segmented), each weighted by its IDF in the index. Of a question whose
    asking sentence stands alone (rag.search.focus), the other sentences' words weigh CONTEXT_WEIGHT: they
    still rank the passage that also says them ("Bố tôi là cựu chiến binh. …"), but no longer decide whether
    the documents hold an answer."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []  # syllable offsets of each kept word
    where: list[int] = []  # the sentence of each kept word
    pos = 0
    parts = split_at(text, asking) or [text]
    for k, sentence in enumerate(parts):
        for syl in words(sentence):
            start, pos = pos, pos + len(syl)
            term = "_".join(syl)
            if fold(term) in _stop() or term in _interrogatives():
                continue
            # A one-syllable word counts wherever the syllable occurs, so its rarity is the syllable's.
            term = term if len(syl) == 1 else WORD_PREFIX + term
            out.append(FOLD_PREFIX + fold(term) if plain else term)
            spans.append((start, pos))
            where.append(k)
    n = max(len(index), 1)
    weights = []
    for term in out:
        df = index.term_df(term)
        if df:
            weights.append(math.log1p((n - df + 0.5) / (df + 0.5)))
        else:
            # A compound the segmenter joined ("nạo phá") whose syllables the documents have is still theirs:
            # it is covered by its syllables, and weighs as the rarest word.
            unknown = any(not index.term_df(s) for s in term_syllables(term))
            weights.append((_ABSENT if unknown else 1.0) * math.log1p(n + 0.5))
    if asking is not None and len(parts) > 1:
        weights = [w if k == asking[0] else w * CONTEXT_WEIGHT for w, k in zip(weights, where)]
    return QuestionWords(tuple(out), tuple(weights), _wholes_in(text, spans))


def _wholes_in(text: str, spans: list[tuple[int, int]]) -> tuple[tuple[str, frozenset[int]], ...]:
    sylls = folded_syllables(text).split()
    out = []
    for phrase in _whole_terms():
        parts = phrase.split()
        for i in range(len(sylls) - len(parts) + 1):
            if sylls[i:i + len(parts)] == parts:
                inside = frozenset(k for k, (a, b) in enumerate(spans) if a < i + len(parts) and b > i)
                if inside:
                    out.append((phrase, inside))
                break
    return tuple(out)


def missing_wholes(q: QuestionWords, text: str) -> frozenset[int]:
    """Indices of the question's words that belong to a whole term the text does not name whole."""
    if not q.wholes:
        return frozenset()
    found = folded_syllables(text)
    return frozenset(k for phrase, inside in q.wholes if f" {phrase} " not in found for k in inside)


def coverage(q: QuestionWords, text: str) -> float:
    """IDF-weighted share of the question's words found in the text (0..1). The words of a whole
    term ("bảo hiểm thất nghiệp") count only where the text names that term whole."""
    if not q.words:
        return 0.0
    terms = covered_terms(text)
    missing = missing_wholes(q, text)
    got = sum(w for k, (t, w) in enumerate(zip(q.words, q.weights))
              if k not in missing and term_present(t, terms))
    return got / (sum(q.weights) or 1.0)


def term_present(term: str, terms: frozenset[str]) -> bool:
    """Whether a question word is among a text's covered terms, whole or by its syllables."""
    return term in terms or _parts_in(term, terms)


def _parts_in(term: str, terms: frozenset[str]) -> bool:
    # A word still counts when its syllables are there, segmented otherwise.
    return all(p in terms for p in term_syllables(term))


_ANSWER_SHAPES = {
    "contact": re.compile(r"\d{8,}|\d{3,4}[ .]\d{3}[ .]\d{3,4}|@"),
    # A recurring window ("trong 15 ngày đầu của mỗi quý") answers "khi nào" as a date does.
    "date": re.compile(r"\b\d{1,2}/\d{1,2}(/\d{2,4})?\b|\b\d{4}-\d{2}-\d{2}\b|\bngày\s+\d|\bnăm\s+\d{4}|"
                       r"\b(?:đến|từ|kể từ|trước|sau)\s+(?:ngày|tháng|khi|thời điểm)\b|\b(?:ngày|tháng) (?:cuối cùng|đầu tiên)\b|"
                       r"\b(?:cuối|đầu) (?:tháng|năm|quý)\b|\bngày (?:đầu|cuối) (?:của )?(?:mỗi |các )?(?:tháng|năm|quý)\b|"
                       r"\btháng\s+\d|\b(19|20)\d{2}\s*[-–]\s*(19|20)\d{2}\b", re.IGNORECASE),
    "percent": re.compile(r"\d\s*%|phần trăm"),
    "price": re.compile(r"\d[\d.,]*\s*(?:đồng|triệu|nghìn|ngàn|tỷ|VNĐ|VND|đ)\b|\bmiễn phí\b", re.IGNORECASE),
    # An amount is money, a share, or a quantity that prices it ("0,2 lít xăng/km" of a transport's cost).
    "amount": re.compile(r"\d\s*%|\d[\d.,]*\s*(?:đồng|triệu|nghìn|ngàn|tỷ)\b|\d+\s*lần|\bphần (?:ba|hai|tư|năm|trăm)\b|"
                         r"\d[\d.,]*\s*(?:lít|km|kg)\b|\bmức tham chiếu\b|\bmiễn phí\b", re.IGNORECASE),
    "duration": re.compile(r"\d+\s*(?:ngày|tháng|năm|tuần|giờ)|\b(?:một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)\s+"
                           r"(?:ngày|tháng|năm|tuần)\b", re.IGNORECASE),
    "count": re.compile(r"\d|\b(một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|trăm|nghìn|triệu)\b", re.IGNORECASE),
    "who": re.compile(r"\b(Bộ trưởng|Thứ trưởng|Giám đốc|Tiến sĩ|Phó Thủ tướng|Thủ tướng|đồng chí|Tổng Bí thư|"
                      r"Cục trưởng|Bí thư|Chủ tịch|ông|bà)\b"),
    "list": re.compile(r":|;|\b(thứ nhất|một là|hai là|gồm|bao gồm)\b", re.IGNORECASE),
    "where": re.compile(r"\b(tại|ở|số \d+|phường|quận|thành phố|tỉnh|địa chỉ)\b", re.IGNORECASE),
}
# An address answers "ở đâu?" outright; "tại", "ở" or a city's name only say that a place is mentioned
# ("… tổ chức hội nghị tại Hà Nội" is news from the city, not where the office is).
_ADDRESS_RE = re.compile(r"\b(?:[Ss]ố \d+[A-Za-z]?(?:/\d+)?,? [A-ZĐ]|(?i:phường|quận|huyện|xã|thị trấn|đường|ngõ|ngách|tầng|"
                         r"tòa nhà|địa chỉ|trụ sở)\b)")


# "Luật Thuế thu nhập cá nhân", "Bộ luật Lao động": a capitalised name after "Luật", up to a
# punctuation mark or a word that starts the rest of the sentence.
_LAW_NAME_RE = re.compile(
    r"\b(?:Bộ\s+)?[Ll]uật\s+(?P<first>[^\W\d_]+)"
    r"(?:\s+(?!(?:của|để|và|năm|số|thì|được|đã|về|theo|với|nhằm|trong|tại|này|do|cho|khi|là|hoặc|quy|có)\b)"
    r"[^\W\d_A-ZĐ]+){0,8}")


def mask_law_names(text: str) -> str:
    return _LAW_NAME_RE.sub(lambda m: " " if m.group("first")[0].isupper() else m.group(0), text)


def about_text(text: str, question: str) -> str:
    """The text as evidence for the question: a law's name is not its subject ("Luật Thuế thu nhập
    cá nhân" in a list of laws to amend says nothing about how that tax is computed), unless the
    question asks about a law."""
    return text if "luat" in fold(question) else mask_law_names(text)


def ref_agreement(question_refs: frozenset[str], sentence: str) -> float:
    """+1 when the sentence names a document the question asks about, -1 when it names only others."""
    if not question_refs:
        return 0.0
    refs = doc_refs(sentence)
    if refs & question_refs:
        return 1.0
    return -1.0 if refs else 0.0


_YEAR_RE = re.compile(r"\b(?:19|20)\d{2}\b(?!/)")


def year_agreement(question: str, text: str) -> float:
    """-1 when the text (sentence with its section) names only years other than those the
    question asks about. Naming the asked year earns nothing: years are common in deadlines."""
    asked = set(_YEAR_RE.findall(question))
    found = set(_YEAR_RE.findall(text))
    return -1.0 if asked and found and not found & asked else 0.0


_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


def shape_bonus(qtype: str | None, sentence: str, question: str) -> float:
    """1.0 when the sentence has the shape the question asks for (a date, a number, a name…)."""
    if qtype is None:
        return 0.0
    if qtype == "define":
        return _defines(sentence, question)
    if qtype == "document":
        # The document asked for is one the question does not name already.
        return 1.0 if doc_refs(sentence) - set(doc_refs(question)) else 0.0
    if qtype in {"count", "percent", "amount", "price"}:
        # The number asked for is a new one: not the question's own year, not a document's number.
        from rag.text.numbers import DOC_NUMBER_RE

        asked = set(_NUMBER_RE.findall(question))
        sentence = DOC_NUMBER_RE.sub(" ", sentence)
        sentence = _NUMBER_RE.sub(lambda m: " " if m.group(0) in asked else m.group(0), sentence)
    if qtype == "where" and not _ADDRESS_RE.search(sentence):
        return 0.5 if _ANSWER_SHAPES[qtype].search(sentence) else 0.0
    return 1.0 if _ANSWER_SHAPES[qtype].search(sentence) else 0.0


_LEAD_NUMBER_RE = re.compile(r"^\s*(?:\d{1,2}\.|[a-zđ]\))\s*")


def _defines(sentence: str, question: str) -> float:
    """1.0 when the sentence reads "X là …" with X made only of the question's words
    ("Bảo hiểm y tế là …" for "Bảo hiểm y tế là gì?", not "Bảo hiểm y tế toàn dân là …")."""
    head, sep, _ = fold(_LEAD_NUMBER_RE.sub("", sentence)).partition(" la ")
    # "Trong đó, chuyển đổi số được xác định là …" defines as well: the connective and the copula's
    # verb ("được xác định", "được coi", "chính") are not part of what is defined.
    head = _COPULA_RE.sub("", _CONNECTIVE_RE.sub("", head))
    if not sep or not head.strip() or len(head.split()) > 12:
        return 0.0
    asked = set(re.findall(r"\w+", fold(question)))
    return 1.0 if set(re.findall(r"\w+", head)) <= asked else 0.0


_CONNECTIVE_RE = re.compile(r"^\s*(?:trong do|theo do|nhu vay|do do|vi vay|ngoai ra|dong thoi)\s*,?\s*")
_COPULA_RE = re.compile(r"\s+(?:(?:duoc|da duoc) (?:xac dinh|coi|xem|hieu|danh gia|khang dinh)|chinh|deu)\s*$")
