"""Shared by the benchmarks: the OpenAI-protocol path with a real model behind it. tests/openai_server.py
serves /v1/chat/completions on a loopback port and its replies come from the embedded model (llama.cpp)
answering the request it received (messages, max_tokens and any JSON schema) — the real client, protocol and
parsing, with real model output instead of scripted replies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import SecretStr

from assistant.config import Settings
from assistant.drafting.llm import LLM, LocalLLM, Message, get_llm


class ModelBehindServer:
    """The OpenAI test server's responder: the embedded model answering the request it received."""

    def __init__(self, settings: Settings):
        self.local = LocalLLM(settings)

    def __call__(self, body: dict[str, Any]) -> str:
        messages = [Message(m["role"], m["content"]) for m in body["messages"]]
        fmt = body.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema") if fmt.get("type") == "json_schema" else None
        return self.local.complete(
            messages, max_tokens=body.get("max_tokens") or 600, temperature=0.0, json_schema=schema
        )


@contextmanager
def openai_llm(settings: Settings) -> Iterator[LLM]:
    """The `openai` provider's client pointed at the test server backed by `settings.local_model`."""
    from tests.openai_server import OpenAITestServer

    with OpenAITestServer() as server:
        server.state.responder = ModelBehindServer(settings)
        update = {"openai_base_url": server.base_url, "openai_api_key": SecretStr("not-needed")}
        llm = get_llm("openai", settings.model_copy(update=update))
        assert llm is not None
        yield llm
