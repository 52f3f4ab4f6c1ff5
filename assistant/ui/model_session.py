"""The session's model settings: provider choice, local model, OpenAI-compatible endpoint and the API key
(entered in the app, kept in this session only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

from assistant.config import Settings
from assistant.ui.services import settings

if TYPE_CHECKING:
    from assistant.drafting.llm import LLM

LOCAL_MODEL_LABELS = {"1.5b": "Qwen2.5 1.5B（质量更好）", "0.5b": "Qwen2.5 0.5B（更快、占用内存更少）"}


def local_model_installed(key: str = "1.5b") -> bool:
    from assistant.drafting.local_model import installed

    return installed(key)


def provider_names() -> list[str]:
    """Every registered provider (the built-ins and any registered by a plug-in or the tests)."""
    from assistant.drafting.llm import provider_names

    return provider_names()


def provider_label(name: str) -> str:
    from assistant.drafting.llm import provider_label

    return provider_label(name)


def provider_uses_model(name: str) -> bool:
    from assistant.drafting.llm import LLMError, provider_profile

    try:
        return provider_profile(name).uses_model
    except LLMError:
        return False


def provider_config() -> dict[str, Any]:
    """The session's provider choice; starts from the configuration (template when the configured local
    model is not installed, so that a fresh clone works without a model or a key)."""
    if "provider_cfg" not in st.session_state:
        from assistant.drafting.llm import LLMError, provider_available

        s = settings()
        provider = s.provider
        try:
            usable = provider_available(provider, s)
        except LLMError:  # a provider name that is not registered
            usable = False
        if not usable:
            provider = "template"
        st.session_state["provider_cfg"] = {
            "provider": provider,
            "local_model": s.local_model,
            "openai_base_url": s.openai_base_url or "",
            "openai_model": s.openai_model,
        }
    return st.session_state["provider_cfg"]


def session_settings() -> Settings:
    from pydantic import SecretStr

    cfg = provider_config()
    update: dict[str, Any] = {
        "local_model": cfg["local_model"],
        "openai_model": cfg["openai_model"] or settings().openai_model,
        "openai_base_url": cfg["openai_base_url"] or None,
    }
    key = st.session_state.get("session_api_key")
    if key:
        update["openai_api_key"] = SecretStr(key)
    return settings().model_copy(update=update)


def provider() -> str:
    return provider_config()["provider"]


def make_llm() -> LLM | None:
    """The session's model, or None for the template provider. Raises LLMError with a Chinese message."""
    from assistant.drafting.llm import get_llm

    return get_llm(provider(), session_settings())
