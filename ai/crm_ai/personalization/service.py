"""Personalization: next-best actions and e-mail drafts (template, or LLM with PII redacted)."""

from __future__ import annotations

from crm_ai.core.config import LLMDriver, Settings
from crm_ai.personalization.llm import ChatModel, OpenAICompatible


class Personalization:
    def __init__(self, llm: ChatModel | None) -> None:
        self.llm = llm


def build_personalization(settings: Settings) -> Personalization:
    if settings.llm_driver is LLMDriver.off:
        return Personalization(None)
    assert settings.llm_base_url is not None
    assert settings.llm_model is not None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return Personalization(
        OpenAICompatible(settings.llm_base_url, key, settings.llm_model, settings.llm_timeout_seconds)
    )
