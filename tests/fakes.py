"""The `fake` provider: a deterministic stand-in for a model, registered for the tests only (conftest)."""

from __future__ import annotations

import re
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


def reworded(text: str) -> str:
    """A stand-in for a model's rewrite: every body paragraph reworded (a connective in front), headings and
    marker-only lines kept, every fact, marker and citation kept."""
    from assistant.drafting.drafts import HEADING_RE, MARKER_LINE_RE

    connectives = ["具体而言，", "同时，", "此外，", "另外，"]
    lines, index = [], 0
    for line in text.splitlines():
        body = line.strip()
        if body and not HEADING_RE.match(body) and not MARKER_LINE_RE.match(body):
            number = re.match(r"^(\d+\.\s*|（\d+）|[-•]\s*)?", body).group(0)  # list numbering stays in front
            line = number + connectives[index % len(connectives)] + body[len(number) :]
            index += 1
        lines.append(line)
    return "\n".join(lines) + "\n"
