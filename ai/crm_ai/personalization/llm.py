"""An OpenAI-compatible chat client (the official `openai` SDK, any base URL), off by default.

Only text that went through `pii.Redactor` is given to it; see `drafts.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class LLMFailed(Exception):
    """The LLM could not answer (network, HTTP error, timeout, empty answer); `reason` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChatModel(Protocol):
    name: str

    def complete(self, system: str, user: str) -> str: ...


@dataclass
class OpenAICompatible:
    base_url: str
    api_key: str | None
    model: str
    timeout_seconds: float = 20.0
    temperature: float = 0.3

    def __post_init__(self) -> None:
        from openai import OpenAI

        self.name = self.model
        # One retry: the caller falls back to the template rather than keep a user waiting.
        self._client = OpenAI(
            base_url=self.base_url,
            api_key=self.api_key or "not-needed",
            timeout=self.timeout_seconds,
            max_retries=1,
        )

    def complete(self, system: str, user: str) -> str:
        import openai

        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                temperature=self.temperature,
            )
        except openai.APIStatusError as exc:
            raise LLMFailed(f"HTTP {exc.status_code} from the LLM") from None
        except openai.APITimeoutError:
            raise LLMFailed("the LLM timed out") from None
        except openai.APIError as exc:
            raise LLMFailed(f"LLM call failed: {type(exc).__name__}") from None
        if not response.choices or not response.choices[0].message.content:
            raise LLMFailed("the LLM returned no text")
        return response.choices[0].message.content
