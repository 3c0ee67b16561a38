"""The one answer-provider factory."""

from __future__ import annotations

from typing import Any

from rag.errors import ConfigError, ProviderError
from rag.settings import Settings

_INSTALL = "pip install llama-index-llms-openai llama-index-llms-openai-like 'openai<3'"


def provider_name(settings: Settings) -> str:
    llm = settings.llm
    if llm.provider != "auto":
        return llm.provider
    if llm.base_url:
        return "openai_like"
    if llm.api_key:
        return "openai"
    return "extractive"


def make_llm(settings: Settings) -> Any | None:
    """A LlamaIndex LLM, or None for the offline extractive mode. Never touches global Settings."""
    llm = settings.llm
    key = llm.api_key.get_secret_value() if llm.api_key else None
    match provider_name(settings):
        case "extractive":
            return None
        case "openai":
            if not key:
                raise ConfigError("LLM provider 'openai' needs OPENAI_API_KEY (or HOIDAP_LLM__API_KEY).")
            try:
                from llama_index.llms.openai import OpenAI
            except ImportError as exc:
                raise ProviderError(f"OpenAI support is not installed: {_INSTALL}") from exc
            return OpenAI(model=llm.model, api_key=key, api_base=llm.base_url, timeout=llm.timeout_s,
                          max_retries=llm.max_retries, temperature=llm.temperature, max_tokens=llm.max_tokens)
        case "openai_like":
            if not llm.base_url:
                raise ConfigError("LLM provider 'openai_like' needs OPENAI_BASE_URL (or HOIDAP_LLM__BASE_URL).")
            try:
                from llama_index.llms.openai_like import OpenAILike
            except ImportError as exc:
                raise ProviderError(f"OpenAI-compatible support is not installed: {_INSTALL}") from exc
            return OpenAILike(model=llm.model, api_base=llm.base_url, api_key=key or "not-needed",
                              is_chat_model=True, context_window=llm.context_window, timeout=llm.timeout_s,
                              max_retries=llm.max_retries, temperature=llm.temperature,
                              max_tokens=llm.max_tokens)
        case other:
            raise ConfigError(f"Unknown LLM provider '{other}': use auto, extractive, openai or openai_like.")
