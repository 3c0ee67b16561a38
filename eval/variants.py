"""`python -m eval variants`: the labelled legal questions asked the ways citizens write them.

Every question with a gold article is asked four ways: as written; typed without diacritics; opened by the date
the asker means ("Từ ngày 1/7/2025, …"); opened by a greeting and a story ("Chào anh chị, tôi năm nay 45 tuổi
…"). A capability that holds answers them alike; the gap between a form and "as written" is what it costs.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path
from typing import Any

from eval.dataset import Dataset, Item, load
from eval.runner import run
from rag.search.as_of import read_as_of
from rag.search.question import typed_plain
from rag.settings import Settings
from rag.text.normalize import fold

FORMS = ("as_written", "plain", "dated", "story")
TEXTS = Path(__file__).parent / "variants.toml"


def _opened(opening: str, question: str) -> str:
    # Typed without diacritics, the opening is too; the question's first letter follows the opening's comma.
    if typed_plain(question):
        opening = fold(opening)
    first = question[:1].lower() if opening.rstrip().endswith(",") and question[1:2].islower() else question[:1]
    return opening + first + question[1:]


def asked(item: Item, form: str, k: int, texts: dict[str, list[str]], today: str) -> str | None:
    """The item's question in ``form`` (``k`` picks among the form's texts), or None when it has no such form."""
    q = item.question
    if form == "plain":
        return fold(q)
    if form == "dated":
        if read_as_of(q, today).date is not None:
            return None
        return _opened(texts["dated"][k % len(texts["dated"])], q)
    if form == "story":
        return _opened(texts["story"][k % len(texts["story"])], q)
    return q


def variants(settings: Settings, paths: list[Path], work_dir: Path) -> dict[str, Any]:
    """Right Điều, right khoản and refusals of each form over the legal questions of ``paths``."""
    texts = tomllib.loads(TEXTS.read_text(encoding="utf-8"))
    sets = [load(p, work_dir=work_dir) for p in paths]
    items = [it for d in sets for it in d.items if it.legal_basis and it.answerable]
    today = settings.answer.today()
    out: dict[str, Any] = {"datasets": [str(p) for p in paths], "questions": len(items), "forms": {}}
    for form in FORMS:
        forms = [(it, asked(it, form, k, texts, today)) for k, it in enumerate(items)]
        chosen = [dataclasses.replace(it, question=q) for it, q in forms if q is not None]
        dataset = Dataset(Path(f"variants-{form}"), chosen, form, corpus_files=sorted({f for d in sets
                                                                                        for f in d.corpus_files}))
        rows = run(settings, dataset, progress=False).report["rows"]
        n = max(len(rows), 1)
        out["forms"][form] = {
            "questions": len(rows),
            "right_article": round(sum(r["scores"].get("article_hit_at_1") or 0.0 for r in rows) / n, 3),
            "right_clause": round(sum(r["scores"].get("legal_clause_accuracy") or 0.0 for r in rows) / n, 3),
            "refused": sum(1 for r in rows if r["refused"]),
            "missed": [{"id": it.id, "question": it.question} for it, r in zip(chosen, rows)
                       if not r["scores"].get("article_hit_at_1")],
        }
    return out


def table(result: dict[str, Any]) -> str:
    lines = [f"{'form':<11} {'questions':>9} {'right Điều':>10} {'right khoản':>11} {'refused':>7}"]
    for form, f in result["forms"].items():
        lines.append(f"{form:<11} {f['questions']:>9} {f['right_article']:>10.3f} {f['right_clause']:>11.3f} "
                     f"{f['refused']:>7}")
    return "\n".join(lines)


def write(result: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "variants.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
