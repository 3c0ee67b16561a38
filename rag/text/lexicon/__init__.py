"""Word lists used by rules (navigation blocks, widgets, safety cues, abbreviations).

They are data, kept as text files so the Python stays language-neutral.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rag.text.normalize import fold

_DIR = Path(__file__).parent


@cache
def phrases(name: str) -> tuple[str, ...]:
    """Non-comment lines of ``<name>.txt``, folded (lower case, no diacritics)."""
    lines = (_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return tuple(fold(ln.strip()) for ln in lines if ln.strip() and not ln.startswith("#"))


@cache
def raw_lines(name: str) -> tuple[str, ...]:
    """Non-comment lines of ``<name>.txt`` as written."""
    lines = (_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return tuple(ln.strip() for ln in lines if ln.strip() and not ln.startswith("#"))


@cache
def table(name: str) -> tuple[tuple[str, str], ...]:
    """Tab-separated pairs of ``<name>.tsv``."""
    rows = []
    for ln in (_DIR / f"{name}.tsv").read_text(encoding="utf-8").splitlines():
        if ln.strip() and not ln.startswith("#"):
            key, _, value = ln.partition("\t")
            rows.append((key.strip(), value.strip()))
    return tuple(rows)
