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

    def ui(self) -> dict[str, Any]:
        return self.table("ui")

    @lru_cache(maxsize=8)  # noqa: B019
    def table(self, name: str) -> dict[str, Any]:
        """A TOML file of texts (``ui``: page and widget; ``errors``: API error messages by code)."""
        path = self.directory / f"{name}.toml"
        try:
            return tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise PromptError(f"Text file {path} is missing or invalid: {exc}") from exc

    def error(self, code: str, **values: Any) -> str:
        """The Vietnamese message of an API error code, rendered strictly."""
        table = self.table("errors")
        if code not in table:
            raise PromptError(f"prompts/errors.toml has no message for '{code}'; add one.")
        try:
            return Template(str(table[code])).substitute({k: str(v) for k, v in values.items()})
        except KeyError as exc:
            raise PromptError(f"Error message '{code}' needs variable {exc}; it was not supplied.") from exc
