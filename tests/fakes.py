"""The `fake` provider: a deterministic stand-in for a model, registered for the tests only (conftest)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.config import Settings
from assistant.drafting.llm import LLM, Message, ProviderProfile, TokenCallback, Usage, register_provider


@dataclass
class FakeLLM:
    """Scripted replies in order, or a function of the messages. Token counts are characters."""

    replies: list[str] = field(default_factory=list)
    responder: Callable[[list[Message]], str] | None = None
    name: str = "fake"
    model: str = "fake"
    calls: list[list[Message]] = field(default_factory=list)

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        on_token: TokenCallback | None = None,
        json_schema: dict[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> str:
        self.calls.append(messages)
        if self.responder is not None:
            text = self.responder(messages)
        elif self.replies:
            text = self.replies.pop(0)
        else:
            text = "测试草稿。"
        if on_token:
            on_token(text)
        if usage is not None:
            usage.prompt_tokens = sum(len(m.content) for m in messages)
            usage.completion_tokens = len(text)
        return text


FAKE_PROFILE = ProviderProfile(label="测试用假模型", max_tokens=3000, articles=5, exemplars=2, parallel=False)


@register_provider("fake", FAKE_PROFILE)
def _fake(settings: Settings) -> LLM:
    return FakeLLM()
