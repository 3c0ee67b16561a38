"""The ALQAC 2023 legal-QA set as documents and an evaluation dataset.

`python -m eval run --dataset ../shared/bench/alqac2023` converts it on the fly: it writes the 17
laws of ``law.json`` as legal texts (``DIR/laws/<n>.md``, each article as "Điều N. heading") and the questions of
``train.json`` as ``DIR/questions.jsonl`` in the golden format, with each question's
gold articles as its ``legal_basis`` and the law's file as its source. The laws are
then indexed, beside the main index, like any other document.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

from rag.errors import InvalidInputError

FORMAT = 2  # bump when the converted files change: an older conversion is then written anew


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFD", name.lower().replace("đ", "d"))
    return re.sub(r"[^a-z0-9]+", "-", "".join(c for c in plain if not unicodedata.combining(c))).strip("-")


def law_text(law: dict[str, Any]) -> str:
    """A law as its text reads: its name, then each article with its number and heading."""
    parts = [f"# {law['id']}", ""]
    for art in law["articles"]:
        heading, _, body = str(art["text"]).strip().partition("\n")
        parts.append(f"Điều {art['id']}. {heading.strip()}")
        parts += [ln.strip() for ln in body.splitlines() if ln.strip()]
        parts.append("")
    return "\n".join(parts)


def question_text(q: dict[str, Any]) -> str:
    """The question as asked; a multiple-choice question with its choices."""
    text = str(q["text"]).strip()
    choices = q.get("choices") or {}
    if choices:
        text += " " + " ".join(f"{k}. {v}" for k, v in sorted(choices.items()))
    return text


def convert(source: Path, out: Path) -> dict[str, int]:
    law_file, train_file = source / "law.json", source / "train.json"
    if not law_file.exists() or not train_file.exists():
        raise InvalidInputError(f"{source} has no law.json and train.json (the ALQAC 2023 training data).")
    laws = json.loads(law_file.read_text(encoding="utf-8"))
    questions = json.loads(train_file.read_text(encoding="utf-8"))
    (out / "laws").mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for law in laws:
        path = out / "laws" / f"{_slug(law['id'])}.md"
        path.write_text(law_text(law), encoding="utf-8")
        files[law["id"]] = path.name
    rows = []
    for q in questions:
        gold = q.get("relevant_articles") or []
        rows.append({
            "id": q["question_id"], "category": "legal", "question": question_text(q),
            # The competition's answers are labels ("Đúng", "Sai", "A"), not texts to compare an answer
            # with: kept as "label", so text-overlap metrics are not computed against them.
            "label": str(q.get("answer") or ""), "question_type": q.get("question_type"),
            "law": gold[0]["law_id"] if gold else "",
            "sources": list(dict.fromkeys(f"laws/{files[g['law_id']]}" for g in gold if g["law_id"] in files)),
            "legal_basis": [{"article": str(g["article_id"]), "source": f"laws/{files[g['law_id']]}"}
                            for g in gold if g["law_id"] in files],
        })
    with (out / "questions.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {"laws": len(laws), "articles": sum(len(law["articles"]) for law in laws), "questions": len(rows)}


def is_alqac(path: Path) -> bool:
    """The ALQAC folder, or its train.json."""
    folder = path if path.is_dir() else path.parent
    return (folder / "law.json").is_file() and (folder / "train.json").is_file() and (
        path.is_dir() or path.name == "train.json")


def converted(path: Path, work_dir: Path) -> Path:
    """questions.jsonl of the ALQAC set at ``path``, converted once into ``work_dir``."""
    folder = path if path.is_dir() else path.parent
    out = work_dir / f"alqac-v{FORMAT}"
    target = out / "questions.jsonl"
    newest = max((folder / n).stat().st_mtime for n in ("law.json", "train.json"))
    if not target.is_file() or target.stat().st_mtime < newest:
        convert(folder, out)
    return target
