"""Lazy public surfaces for the ``rag`` packages.

A package's ``__init__`` names what it offers, but importing the package must stay cheap: the
server binds its port before the embedder, Chroma and LlamaIndex are imported, and the page's
boot placeholder reads prompts from ``rag.answer``. So a name is imported from its module on
first use (PEP 562), and type checkers see the same names through ``TYPE_CHECKING`` imports.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``name`` from ``package.<exports[name]>`` when first used."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{module}"), name)

    return __getattr__
