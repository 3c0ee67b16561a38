"""Documents a question names by number: "nghị quyết 57", "NĐ 188", "thông tư 13/2025", "146/2018/NĐ-CP".

Such a question is about that document's own provisions, not about the many
documents that merely mention it, so retrieval ranks its chunks first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from rag.documents.legal_metadata import NUMBER_RE, kind_name, leading_number, type_from_number
from rag.text import lexicon
from rag.text.normalize import fold


@dataclass(frozen=True)
class Ref:
    number: str  # leading number without zeros: "57"
    kind: str | None  # "Nghị quyết", or None when only the number is given
    year: str | None


@cache
def _typed_re() -> re.Pattern[str]:
    words = sorted({fold(k) for k, _ in lexicon.table("doc_kinds")}, key=len, reverse=True)
    alt = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![\w/])({alt})\s*(?:so\s*)?0*(\d{{1,4}})(?:\s*/\s*((?:19|20)\d\d))?(?![\w/-]*\d)")


def named_refs(question: str) -> list[Ref]:
    refs: list[Ref] = []
    for m in NUMBER_RE.finditer(question):
        token = m.group(0)
        if not re.search(r"[A-ZĐ]", token):
            continue
        year = re.search(r"/((?:19|20)\d\d)/", token)
        refs.append(Ref(leading_number(token), type_from_number(token), year.group(1) if year else None))
    for m in _typed_re().finditer(fold(question)):
        refs.append(Ref(m.group(2).lstrip("0") or "0", kind_name(m.group(1)), m.group(3)))
    return list(dict.fromkeys(refs))


class NamedDocs:
    """The index's documents by number, type and year."""

    def __init__(self, docs: dict[str, dict[str, Any]]) -> None:
        self.entries: list[tuple[str, str, set[str], str]] = []
        for source, meta in docs.items():
            kinds = {str(meta.get("doc_type") or "")}
            for number in (str(meta.get("doc_number") or ""), str(meta.get("base_number") or "")):
                if number:
                    kinds.add(type_from_number(number) or "")
                    self.entries.append((source, leading_number(number), {k for k in kinds if k}, number))

    def match(self, refs: list[Ref]) -> set[str]:
        found: set[str] = set()
        for ref in refs:
            for source, lead, kinds, number in self.entries:
                if lead != ref.number:
                    continue
                if ref.kind and kinds and ref.kind not in kinds:
                    continue
                if ref.year and ref.year not in number:
                    continue
                found.add(source)
        return found
