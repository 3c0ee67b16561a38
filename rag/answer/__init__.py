"""Hits in, a checked reply out: the assistant (safety → follow-up rewrite → search → answer),
extractive answers that quote provisions whole with their legal basis, evidence and refusal, generation
with an OpenAI-compatible LLM and its support check, prompts and providers.

Imports every package before it; nothing imports it but ``rag.cli``, ``rag.doctor``, ``rag.bench``,
``app`` and ``eval``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.lazy import lazy_exports

if TYPE_CHECKING:
    from rag.answer.assistant import Assistant
    from rag.answer.conversation import Turn
    from rag.answer.prompts import Prompts
    from rag.answer.reply import Citation, Event, Reply

__all__ = [
    "Assistant", "Citation", "Event", "Prompts", "Reply", "Turn"
]
__getattr__ = lazy_exports(__name__, {
    "Assistant": "assistant", "Citation": "reply", "Event": "reply", "Reply": "reply",
    "Turn": "conversation",
    "Prompts": "prompts",
})
