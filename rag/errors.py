"""Error hierarchy. Messages are for operators (English) and say what to do;
user-facing layers map each class to a Vietnamese message from prompts/."""

from __future__ import annotations


class RagError(Exception):
    """Base class of every error this package raises on purpose."""

    reason = "error"


class ConfigError(RagError):
    """Settings are missing or inconsistent."""


class ProviderError(RagError):
    """An embedder or LLM provider failed or is not installed."""


class IndexMissingError(RagError):
    """No index yet: the user must run ingest."""


class IndexMismatchError(RagError):
    """The index was built with another embedder."""


class IndexCorruptError(RagError):
    """An index file cannot be read."""


class InvalidInputError(RagError):
    """A question or file the user gave cannot be used."""

    reason = "invalid_input"


class PromptError(RagError):
    """A prompt file is missing or a template variable was not supplied."""


class WriterBusyError(RagError):
    """Another machine holds the index's writer lock (an upload, a delete or a re-index is running)."""
