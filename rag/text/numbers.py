"""How Vietnamese texts write a document's number ("57-NQ/TW", "146/2018/NĐ-CP", "22/VBHN-VPQH").

Kept with the text tools: abbreviations must not be expanded inside a number, and answers
compare the numbers a question and a sentence name.
"""

from __future__ import annotations

import re

from rag.text.normalize import fold

DOC_NUMBER_RE = re.compile(
    r"\b\d{1,4}(?:/\d{4})?[-/](?:[A-ZĐ][A-Za-zĐđ]{0,5}[-/])*[A-ZĐ][A-Za-zĐđ]{0,9}\b"
)

_NUM_REF_RE = re.compile(r"\b(?:nghi quyet|nq|quyet dinh|ke hoach|chi thi)\s*(?:so\s*)?(\d{1,4})\b")


def doc_refs(text: str) -> set[str]:
    """Leading numbers of documents named in a text: '57-NQ/TW' and 'Nghị quyết 57' both give '57'."""
    nums = {m.group(0).split("-")[0].split("/")[0].lstrip("0") for m in DOC_NUMBER_RE.finditer(text)}
    nums |= {m.group(1).lstrip("0") for m in _NUM_REF_RE.finditer(fold(text))}
    return {n for n in nums if n}
