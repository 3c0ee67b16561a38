"""Prompt and fixed-message files from prompts/, rendered strictly.

Templates use ``${name}`` placeholders; a missing variable is an error, never an
empty string silently sent to a model or a user.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

from rag.errors import PromptError


class Prompts:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @lru_cache(maxsize=64)  # noqa: B019 - one Prompts per process; files do not change at run time
    def raw(self, name: str) -> str:
        path = self.directory / f"{name}.md"
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise PromptError(f"Prompt file {path} is missing; restore it from the repository.") from exc

    def render(self, name: str, **values: Any) -> str:
        try:
            return Template(self.raw(name)).substitute({k: str(v) for k, v in values.items()})
        except KeyError as exc:
            raise PromptError(f"Prompt '{name}' needs variable {exc}; it was not supplied.") from exc
        except ValueError as exc:
            raise PromptError(f"Prompt '{name}' has a malformed placeholder: {exc}") from exc

    @lru_cache(maxsize=1)  # noqa: B019
    def ui(self) -> dict[str, Any]:
        path = self.directory / "ui.toml"
        try:
            return tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise PromptError(f"UI text file {path} is missing or invalid: {exc}") from exc
