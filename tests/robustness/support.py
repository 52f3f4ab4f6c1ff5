"""Shared pieces of the robustness suite: the loopback OpenAI-protocol server wired into the settings, a
no-op sleep, a responder that drafts like a good model, and SQLite inspection."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from assistant.config import get_settings
from assistant.drafting.template_drafter import draft_section
from assistant.facts import Facts
from assistant.spec import load_spec
from tests.openai_server import OpenAITestServer

SECTION_RE = re.compile(r"“(.+?)”一节")


@contextmanager
def serving(monkeypatch: pytest.MonkeyPatch, **settings: str) -> Iterator[OpenAITestServer]:
    """A test server on loopback, and the settings pointing at it (plus any BEIAN_* overrides given)."""
    with OpenAITestServer() as server:
        monkeypatch.setenv("BEIAN_OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("BEIAN_OPENAI_MODEL", "test-model")
        for name, value in {"LLM_TIMEOUT": "20", **settings}.items():
            monkeypatch.setenv(f"BEIAN_{name}", value)
        get_settings.cache_clear()
        yield server
    get_settings.cache_clear()


def no_sleep(_: float) -> None:
    return None


def section_of(body: dict[str, Any]) -> str | None:
    """The section id a drafting request is for (None for repair or other prompts)."""
    prompt = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
    match = SECTION_RE.search(prompt)
    return load_spec().section(match.group(1)).id if match else None


def good_model(facts: Facts):  # noqa: ANN201 - a Responder
    """A well-behaved model: the template text of the section asked for."""

    def respond(body: dict[str, Any]) -> str:
        section = section_of(body)
        return draft_section(facts, section) if section else "已按要求修改。"

    return respond


def sqlite_state(path: Path) -> tuple[str, str]:
    """(PRAGMA integrity_check, journal_mode) of a database file, read with the plain sqlite3 module."""
    connection = sqlite3.connect(path)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        connection.close()
    return integrity, mode
