"""A question analysed once, before search: every later step reads this value instead of
analysing the text again.

What is read from the text alone (its kind, the documents and provisions it names, whether it asks
about amendments) is computed here; what needs the index (search terms, diacritics restored from the
corpus, which indexed documents it names) is added by the retriever, which builds the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from rag.documents.citations import stated_refs
from rag.search.focus import part
from rag.search.roles import RoleAsk, asked_role
from rag.text.abbrev import substitute_abbreviations
from rag.text.normalize import diacritic_ratio, fold
from rag.text.numbers import doc_refs
from rag.text.tokens import cut_phrases, strip_asker

PLAIN_RATIO = 0.15  # below this share of accented letters a question was typed without diacritics
_QTYPES = ("contact", "define", "document", "duration", "date", "percent", "price", "amount", "count", "list", "who", "where")


@dataclass
class Question:
    """What a question is, as retrieval and answering need it.

    ``text`` is the question as asked (validated, markup removed); ``search_text`` the same without the
    words that give its date; ``dense_text`` what is embedded (abbreviations written out, diacritics
    restored when typed without); ``answer_text`` what sentences are judged against."""

    text: str
    dense_text: str
    terms: list[str]
    plain: bool
    search_text: str = ""  # the question without the words that give its date ("từ 1/7/2025")
    expansions: list[str] = field(default_factory=list)
    named: set[str] = field(default_factory=set)  # sources of indexed documents the question names by number
    vector: np.ndarray | None = None  # the query embedding, once search has computed it
    answer_text: str = ""
    coverage_text: str = ""  # answer_text with abbreviations substituted, for word coverage
    folded: str = ""
    kind: str | None = None  # "list", "duration", "amount" … (question_type)
    about_changes: bool = False  # asks about amendments or validity
    about_transition: bool = False  # asks about the transition between an old rule and a new one
    procedure: bool = False  # asks how to do something (what to file, where, how long): the whole procedure
    doc_refs: frozenset[str] = frozenset()  # leading numbers of documents it names ("57")
    stated: tuple[tuple[str | None, str | None, str], ...] = ()  # (điểm, khoản, Điều) it names
    as_of: str | None = None  # the date it asks about (ISO); None: the settings' date
    role: RoleAsk | None = None  # the rights or duties it asks of someone ("… có trách nhiệm gì?")
    role_article: tuple[str, str] | None = None  # (source, article) whose heading states them, once searched
    # Of several sentences, (index, count) of the one that asks, when it stands alone (rag.search.focus).
    asking: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        self.search_text = self.search_text or self.text
        self.answer_text = self.answer_text or (self.dense_text if self.plain else self.search_text)
        self.coverage_text = self.coverage_text or substitute_abbreviations(
            cut_phrases(strip_asker(without_attribution(self.answer_text)), "query_stopwords"))
        self.folded = fold(self.answer_text)
        # What kind of answer is wanted, and of whom, is said by the asking sentence: the story before it ("Em là
        # công nhân ở khu công nghiệp …") names actors and numbers of its own. The documents and provisions it
        # names stay the question's.
        asked = part(self.answer_text, self.asking) or self.answer_text
        self.kind = question_type(asked)
        self.about_changes = asks_about_changes(self.answer_text)
        self.about_transition = "chuyen tiep" in self.folded
        self.procedure = bool(_PROCEDURE_RE.search(fold(asked)))
        self.doc_refs = frozenset(doc_refs(self.answer_text))
        self.stated = tuple(stated_refs(self.answer_text))
        self.role = asked_role(without_attribution(asked))
        if self.role is not None and self.kind is None:
            self.kind = "list"  # "… có trách nhiệm gì?" asks for every duty the article lists


# "Theo CDC Hà Nội, …", "Căn cứ Luật Bảo hiểm y tế, …": who says it, up to the first comma.
_ATTRIBUTION_RE = re.compile(r"^\s*(?:theo|căn cứ|can cu)\s+[^,?:;]{2,60},\s*(?=\S)", re.IGNORECASE)


def without_attribution(question: str) -> str:
    """The question without the source it opens by naming ("Theo CDC Hà Nội, vai trò … là gì?"): every
    sentence of that source is by it, so its name is found by search but is not a word an answer must say."""
    return _ATTRIBUTION_RE.sub("", question, count=1)


# "… thì làm thế nào", "thủ tục", "hồ sơ gồm", "nộp ở đâu", "mất bao lâu": the steps, not one sentence of them.
_PROCEDURE_RE = re.compile(r"\b(?:lam the nao|lam gi|phai lam sao|thu tuc|trinh tu|ho so|giay to|"
                           r"o dau|tai dau|bao lau|cac buoc)\b")
_CHANGE_CUE_RE = re.compile(r"\b(sua doi|bo sung|bai bo|thay the|het hieu luc|hieu luc)\b")


# "theo Luật Bảo hiểm y tế sửa đổi (năm 2024)", "theo luật sửa đổi, bổ sung": the document the asker reads the
# rule in, named by its amendment. The question asks what that document says, not how it changed.
_AMENDED_DOC_RE = re.compile(r"\b(?:theo|cua|tai)\s+(?:quy\s+dinh\s+(?:cua|tai)\s+)?(?:luat|nghi\s+dinh|thong\s+tu|"
                             r"nghi\s+quyet)\b[^?.,;]{0,60}?\bsua\s+doi(?:\s*,?\s*bo\s+sung)?(?:\s+nam\s+\d{4})?")


def asks_about_changes(question: str) -> bool:
    """Whether a question is about amendments or validity (then amendment notes may answer it)."""
    return bool(_CHANGE_CUE_RE.search(_AMENDED_DOC_RE.sub(" ", fold(question))))


def typed_plain(text: str) -> bool:
    """Typed without diacritics ("muc dong bhyt"): then folded forms are compared."""
    return diacritic_ratio(text) < PLAIN_RATIO and bool(re.search(r"[A-Za-z]{2}", text))


@lru_cache(maxsize=1)
def _qtype_patterns() -> dict[str, re.Pattern[str]]:
    return {
        "contact": re.compile(r"\b(so dien thoai|dien thoai|email|hotline|duong day nong|lien he)\b"),
        "define": re.compile(r"\b(la gi|nghia la gi|duoc hieu la gi|duoc hieu nhu the nao)\s*\??\s*$|^the nao la\b"),
        # "… thực hiện nghị quyết nào?": a document, answered by a sentence that names another one.
        "document": re.compile(r"\b(?:nghi quyet|nghi dinh|thong tu|bo luat|luat|quyet dinh|chi thi|van ban|cong van)"
                               r" (?:\w+ ){0,2}?nao\b"),
        "duration": re.compile(r"\b(bao lau|trong bao lau|mat bao lau|thoi han bao nhieu|"
                               r"(?:may|bao nhieu) (?:ngay|thang|nam|tuan|gio))\b"),
        "date": re.compile(r"\b(khi nao|ngay nao|nam nao|thang nao|bao gio|luc nao|thoi gian nao|ngay bao nhieu|"
                           r"nhung nam nao|tu nam nao|den nam nao)\b"),
        "percent": re.compile(r"\b(phan tram|ty le|ti le|bao nhieu % ?|bao nhieu gdp)\b|%"),
        "price": re.compile(r"\b(gia|gia tien|le phi)\b(?! tri)[^?]*\bbao nhieu\b|\bhet bao nhieu tien\b"),
        "amount": re.compile(r"\b(bao nhieu tien|(?:muc|so tien) .*bao nhieu|(?:dong|huong|thanh toan|chi tra|tra) bao nhieu)\b"),
        "count": re.compile(r"\b(bao nhieu|may|so luong|ty le|ti le|phan tram)\b"),
        "who": re.compile(r"(^|\s)(ai|nguoi nao|la ai|do ai|vi nao|ong nao|ba nao)(\s|\?|$)"),
        "list": re.compile(r"\b(nhung (?:\w+ ){0,2}gi|nhung nao|gom nhung|bao gom|cac .* nao|nhung .* nao|gom)\b"),
        "where": re.compile(r"\b(o dau|tai dau|noi nao|dia chi)\b"),
    }


# Folded "gia" is also "gia" of "tham gia", "gia đình", "gia hạn": with accents typed only "giá" asks a price.
_PRICE_WORD_RE = re.compile(r"\b(?:giá|phí)\b")
_FOLDED_NOT_PRICE_RE = re.compile(r"\b(?:tham|quoc|ngoai|cong) gia\b|\bgia (?:dinh|tang|nhap|han|tri|su|canh|lai|hoa|quyen|ve)\b")


def question_type(question: str, plain: bool | None = None) -> str | None:
    """The kind of answer a question asks for, or None for an open question."""
    text = fold(question)
    for name in _QTYPES:
        if _qtype_patterns()[name].search(text):
            if name == "price" and not _asks_price(question, text, plain):
                continue
            return name
    return None


def _asks_price(question: str, folded: str, plain: bool | None) -> bool:
    if not (diacritic_ratio(question) < PLAIN_RATIO if plain is None else plain):
        return bool(_PRICE_WORD_RE.search(question.lower())) or "bao nhiêu tiền" in question.lower()
    return bool(_qtype_patterns()["price"].search(_FOLDED_NOT_PRICE_RE.sub(" ", folded)))
