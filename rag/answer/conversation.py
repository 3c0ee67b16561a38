"""Follow-up questions: carry the previous topic into short or pronoun-led questions."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from rag.errors import InvalidInputError
from rag.text import lexicon
from rag.text.normalize import clean_input, fold, nfc

Turn = dict[str, str]

# Document references: "Nghị quyết 57", "NQ 72", "57-NQ/TW", "Quyết định số 123"… (matched folded).
_DOC_REF_RE = re.compile(
    r"\b(?:(?:nghi quyet|nq|quyet dinh|ke hoach|chuong trinh|thong tu|nghi dinh|chi thi)\s*(?:so\s*)?"
    r"\d+(?:[-/][a-z0-9đ]+)*|\d+[-/](?:nq|qd|kh|ctr|tt|nd|ct)[-/a-z0-9]*)\b")
_AND_WHAT_RE = re.compile(r"^\s*(?:vay\s+|the\s+)?con\s+(.+?)\s*(?:thi\s+sao|the\s+nao|ra\s+sao|nua)?\s*[?.!]*\s*$")


def load_history(path: Path) -> list[Turn]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"History file {path} is not readable JSON: {exc}") from exc
    return clean_history(data)


def clean_history(data: Any, limit: int = 50, max_chars: int = 4000) -> list[Turn]:
    if not isinstance(data, list):
        raise InvalidInputError('History must be a JSON list of {"role": ..., "content": ...} objects.')
    out = []
    for item in data[-2 * limit:]:
        if isinstance(item, dict) and item.get("role") in {"user", "assistant"} and isinstance(item.get("content"), str):
            out.append({"role": item["role"], "content": clean_input(item["content"])[:max_chars]})
    return out


def _span(pattern: re.Pattern[str], text: str) -> str | None:
    """Find a pattern in the folded text and return the original-spelling span."""
    text = nfc(text)
    m = pattern.search(fold(text))
    return text[m.start():m.end()] if m else None


_YEAR_RE = re.compile(r"\b(?:nam\s+)?(?:19|20)\d{2}\b")


def topic_of(question: str) -> str:
    """The document a question is about, else its opening noun phrase."""
    ref = _span(_DOC_REF_RE, question)
    if ref:
        return ref
    text = nfc(question).strip(" ?.!")
    f = fold(text)
    cuts = [m.start() for c in lexicon.phrases("topic_cut")
            for m in re.finditer(rf"(?<!\w){re.escape(c)}(?!\w)", f) if m.start() > 0]
    return text[:min(cuts)].strip() if cuts else text


def is_followup(question: str) -> bool:
    f = fold(question)
    if _AND_WHAT_RE.match(f):
        return True
    pronouns = lexicon.phrases("followup_pronouns")
    if any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", f) for p in pronouns):
        return True
    return len(f.split()) <= 3 and not _DOC_REF_RE.search(f)


def rewrite(question: str, history: list[Turn], max_turns: int) -> str:
    """Standalone form of a follow-up, by rules (used when no LLM is configured)."""
    users = [t["content"] for t in history if t["role"] == "user"][-max_turns:] if max_turns else []
    if not users or not is_followup(question):
        return question
    previous = users[-1]
    prev_ref = _span(_DOC_REF_RE, previous)
    q = nfc(question)
    m = _AND_WHAT_RE.match(fold(q))
    if m:
        # "còn Nghị quyết 72 thì sao?" → the previous question about Nghị quyết 72.
        new_topic = q[m.start(1):m.end(1)]
        prev = nfc(previous)
        # Swap like for like: a document for a document, a year for a year.
        for kind in (_DOC_REF_RE, _YEAR_RE):
            new_span = _span(kind, new_topic)
            old_span = _span(kind, prev)
            if new_span and old_span:
                return prev.replace(old_span, new_span)
        return f"{prev.strip(' ?.!')} {new_topic}?"
    topic = prev_ref or topic_of(previous)
    f = fold(q)
    for p in sorted(lexicon.phrases("followup_pronouns"), key=len, reverse=True):
        mm = re.search(rf"(?<!\w){re.escape(p)}(?!\w)", f)
        if mm:
            return q[:mm.start()] + topic + q[mm.end():]
    return f"{q.strip(' ?.!')} ({topic})?"


def history_text(history: list[Turn], max_turns: int) -> str:
    turns = history[-2 * max_turns:] if max_turns else []
    label = {"user": "Q", "assistant": "A"}
    return "\n".join(f"{label[t['role']]}: {t['content'][:600]}" for t in turns)
