"""One document, one copy.

Operators upload the same law twice under other file names ("luat-bhyt.pdf", "VBHN 22.docx"). Indexed
twice, its provisions crowd the results, and the copy without the operator's sidecar could count as in
force when the sidecar says it was replaced. A document whose cleaned text is identical to an indexed
one, or which carries the same số hiệu and date of issue, is therefore indexed once. The copy that has a
sidecar wins; otherwise the one indexed first stays. Skipped copies are recorded (in the manifest, beside
the documents) so the ingest report and the admin console can say which file was kept and why.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from rag.text.normalize import fold

SAME_TEXT = "same_text"
SAME_NUMBER = "same_number"


@dataclass
class Copy:
    source: str  # the file that was not indexed
    kept: str  # the file indexed in its place
    reason: str  # SAME_TEXT or SAME_NUMBER
    number: str = ""  # the số hiệu both carry (SAME_NUMBER)

    def describe(self) -> str:
        """For operators (English): what was skipped and why."""
        why = (f"same số hiệu {self.number} and date of issue as" if self.reason == SAME_NUMBER
               else "same text as")
        return f"{self.source}: {why} {self.kept} (kept)"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def text_hash(cleaned: str) -> str:
    """A hash of a document's cleaned text, blind to white space (two exports of one text differ there)."""
    return hashlib.sha256(" ".join(cleaned.split()).encode()).hexdigest()


def identities(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """What makes two files one document: the same text, or the same number and date of issue."""
    out = [(SAME_TEXT, str(meta["text_hash"]))] if meta.get("text_hash") else []
    number, issued = meta.get("doc_number"), meta.get("issued")
    if number and issued:
        out.append((SAME_NUMBER, f"{fold(str(number)).replace(' ', '')}|{issued}"))
    return out


class Copies:
    """The indexed documents by identity, and the copies skipped so far."""

    def __init__(self, docs: dict[str, dict[str, Any]], recorded: dict[str, Copy]) -> None:
        self._owner: dict[tuple[str, str], str] = {}
        self._sidecar: dict[str, bool] = {}
        self.recorded = recorded
        for source, meta in docs.items():
            self.own(source, meta)

    def own(self, source: str, meta: dict[str, Any]) -> None:
        self.forget(source)
        for key in identities(meta):
            self._owner.setdefault(key, source)
        self._sidecar[source] = bool(meta.get("sidecar"))
        self.recorded.pop(source, None)

    def forget(self, source: str) -> None:
        self._owner = {k: s for k, s in self._owner.items() if s != source}
        self._sidecar.pop(source, None)

    def match(self, source: str, meta: dict[str, Any]) -> Copy | None:
        """The indexed document this one is a copy of, if any (``kept`` names it)."""
        for key in identities(meta):
            other = self._owner.get(key)
            if other is not None and other != source:
                return Copy(source, other, key[0], str(meta.get("doc_number") or "") if key[0] == SAME_NUMBER else "")
        return None

    def has_sidecar(self, source: str) -> bool:
        return self._sidecar.get(source, False)
