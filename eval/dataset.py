"""Evaluation items: the golden JSONL format, or a CSV with question/answer/context columns."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval import alqac
from rag.errors import InvalidInputError

EXPECTED = {"unanswerable": "not_in_documents", "medical-advice": "medical_advice", "emergency": "emergency"}


@dataclass
class Item:
    id: str
    category: str
    question: str
    reference: str = ""
    key_facts: list[list[str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    span: str = ""
    history: list[dict[str, str]] = field(default_factory=list)
    expected_reason: str = "answered"
    context: str = ""  # CSV datasets: the passage the question was written from
    legal_basis: list[dict[str, str]] = field(default_factory=list)  # acceptable {"article", "clause"?, "point"?}

    @property
    def answerable(self) -> bool:
        return self.expected_reason == "answered"


@dataclass
class Dataset:
    path: Path
    items: list[Item]
    sha256: str
    corpus: list[str] = field(default_factory=list)  # CSV datasets index their own contexts
    # Files a JSONL dataset brings (its items' sources, relative to its folder): indexed on their own.
    corpus_files: list[Path] = field(default_factory=list)

    @property
    def own_corpus(self) -> bool:
        return bool(self.corpus or self.corpus_files)


def _item(raw: dict[str, Any], line: int) -> Item:
    try:
        category = str(raw["category"])
        question = str(raw["question"])
    except KeyError as exc:
        raise InvalidInputError(f"line {line}: missing field {exc}") from exc
    # Accept spelling variants (no_diacritics, Medical-Advice); an unknown category counts as answerable.
    category = category.strip().lower().replace("_", "-").replace(" ", "-")
    facts = raw.get("key_facts") or []
    facts = [[f] if isinstance(f, str) else list(f) for f in facts]
    expected = raw.get("expected_reason") or EXPECTED.get(category, "answered")
    return Item(id=str(raw.get("id") or f"row{line}"), category=category, question=question,
                reference=str(raw.get("reference") or ""), key_facts=facts, sources=list(raw.get("sources") or []),
                span=str(raw.get("span") or ""), history=list(raw.get("history") or []), expected_reason=expected,
                legal_basis=[{k: str(v) for k, v in b.items()} for b in raw.get("legal_basis") or []])


def load(path: Path, limit: int | None = None, work_dir: Path | None = None) -> Dataset:
    """A dataset from JSONL, CSV, or the ALQAC folder (converted into ``work_dir`` first)."""
    if not path.exists():
        raise InvalidInputError(f"Dataset {path} does not exist.")
    if alqac.is_alqac(path):
        if work_dir is None:
            raise InvalidInputError("An ALQAC dataset needs a folder to be converted into.")
        path = alqac.converted(path, work_dir)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        if rows and not {"question", "context"} <= set(rows[0]):
            raise InvalidInputError(f"{path}: a CSV needs question and context columns (and answer, if any).")
        items = [Item(id=r.get("idx") or r.get("id") or f"row{i}", category="health-domain", question=r["question"],
                      reference=r.get("answer") or "", span=r.get("answer") or "", context=r["context"])
                 for i, r in enumerate(rows, 1) if r["question"].strip()]
        items = items[:limit] if limit else items
        corpus = list(dict.fromkeys(r["context"] for r in rows if r["context"].strip()))
        if limit:
            wanted = {it.context for it in items}
            corpus = [c for c in corpus if c in wanted]
        return Dataset(path, items, digest, corpus)
    items = []
    for n, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(_item(json.loads(line), n))
            except json.JSONDecodeError as exc:
                raise InvalidInputError(f"{path}:{n}: not JSON ({exc.msg})") from exc
    items = items[:limit] if limit else items
    return Dataset(path, items, digest, corpus_files=_own_files(path, items))


def _own_files(path: Path, items: list[Item]) -> list[Path]:
    """Sources that name files beside the dataset (not the project's own documents) make the dataset's own
    corpus. Items then name them as the index does."""
    from rag.documents.loaders import SUPPORTED
    from rag.index.sources import source_name

    own = {s: path.parent / s for it in items for s in it.sources if (path.parent / s).is_file()}
    if not own:
        return []
    # The folders holding them are the corpus, every document in them: the others are what a right
    # answer must be told apart from (ALQAC's 17 laws, of which a question names one).
    folders = {p.parent for p in own.values()}
    corpus = sorted({f for d in folders for f in d.iterdir() if f.is_file() and f.suffix.lower() in SUPPORTED})
    for it in items:
        it.sources = [source_name(own[s]) if s in own else s for s in it.sources]
        for basis in it.legal_basis:
            if basis.get("source") in own:
                basis["source"] = source_name(own[basis["source"]])
    return corpus
