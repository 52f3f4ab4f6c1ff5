"""LLM endpoint faults through the loopback OpenAI-protocol server: what is retried (with backoff, Retry-After
honoured), what is reported at once, the Chinese message the user sees, and that a "draft all" keeps every
section that did not fail. Sleeps are injected no-ops, so backoff costs no time."""

from __future__ import annotations

import socket
from email.utils import formatdate
from typing import Any

import pytest

from assistant.config import get_settings
from assistant.drafting.draft import Drafter
from assistant.drafting.drafts import DraftRecord
from assistant.drafting.llm import STREAM_RESET, LLMError, Message, OpenAICompatibleLLM, RetryPolicy
from assistant.drafting.template_drafter import draft_section
from assistant.runtime import Runtime
from tests.helpers import facts_with
from tests.openai_server import Fault, OpenAITestServer
from tests.robustness.support import good_model, no_sleep, section_of, serving

REPLY = "本算法以大语言模型为核心，根据用户输入的写作主题逐字预测后续内容，生成通顺的中文段落。" * 3


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    with serving(monkeypatch) as srv:
        srv.state.responder = lambda body: REPLY
        yield srv


def llm(attempts: int = 4, sleeps: list[float] | None = None) -> OpenAICompatibleLLM:
    sleep = sleeps.append if sleeps is not None else no_sleep
    return OpenAICompatibleLLM(get_settings(), RetryPolicy(attempts=attempts), sleep=sleep)


def replay(tokens: list[str]) -> str:
    """What a display that honours STREAM_RESET shows at the end."""
    shown = ""
    for piece in tokens:
        shown = "" if piece == STREAM_RESET else shown + piece
    return shown


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- connection refused, timeout -------------------------------------------------------------------


def test_connection_refused_retried_with_backoff_then_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEIAN_OPENAI_BASE_URL", f"http://127.0.0.1:{closed_port()}/v1")
    get_settings.cache_clear()
    sleeps: list[float] = []
    with pytest.raises(LLMError) as info:
        llm(attempts=3, sleeps=sleeps).complete([Message("user", "你好")])
    message = str(info.value)
    assert "无法连接模型服务" in message and "OPENAI_BASE_URL" in message and "已尝试 3 次" in message
    assert "Connection error" not in message  # no raw English client text
    assert len(sleeps) == 2 and sleeps == sorted(sleeps) and all(s > 0 for s in sleeps)


def test_timeout_is_retried_then_reported_in_chinese(
    server: OpenAITestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEIAN_LLM_TIMEOUT", "0.5")
    get_settings.cache_clear()
    server.state.faults = [Fault("sleep", seconds=1.5), Fault("sleep", seconds=1.5)]
    with pytest.raises(LLMError) as info:
        llm(attempts=2).complete([Message("user", "x")])
    assert (
        "超时" in str(info.value) and "0.5 秒" in str(info.value) and "BEIAN_LLM_TIMEOUT" in str(info.value)
    )
    server.state.faults = [Fault("sleep", seconds=1.5)]
    assert llm(attempts=2).complete([Message("user", "x")]) == REPLY


# --- status codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("retry_after", ["7", None])
def test_429_honours_retry_after(server: OpenAITestServer, retry_after: str | None) -> None:
    sleeps: list[float] = []
    server.state.faults = [Fault("status", 429, retry_after=retry_after)]
    assert llm(sleeps=sleeps).complete([Message("user", "x")]) == REPLY
    assert len(sleeps) == 1 and len(server.state.requests) == 2
    if retry_after:
        assert sleeps[0] == 7.0
    else:
        assert 0 < sleeps[0] <= 1.0  # first backoff step with jitter


def test_429_retry_after_as_http_date(server: OpenAITestServer) -> None:
    sleeps: list[float] = []
    import time

    server.state.faults = [Fault("status", 429, retry_after=formatdate(time.time() + 20, usegmt=True))]
    assert llm(sleeps=sleeps).complete([Message("user", "x")]) == REPLY
    assert 10 < sleeps[0] <= 20


def test_429_exhausted_is_reported(server: OpenAITestServer) -> None:
    server.state.faults = [Fault("status", 429, retry_after="1")] * 3
    with pytest.raises(LLMError, match="限流（HTTP 429）.*已尝试 3 次"):
        llm(attempts=3).complete([Message("user", "x")])


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_retried_then_succeeds(server: OpenAITestServer, status: int) -> None:
    server.state.faults = [Fault("status", status), Fault("status", status)]
    assert llm().complete([Message("user", "x")]) == REPLY
    assert len(server.state.requests) == 3


def test_5xx_exhausted_is_reported(server: OpenAITestServer) -> None:
    server.state.faults = [Fault("status", 500)] * 4
    with pytest.raises(LLMError) as info:
        llm(attempts=4).complete([Message("user", "x")])
    assert "模型服务内部错误（HTTP 500）" in str(info.value) and "已尝试 4 次" in str(info.value)


@pytest.mark.parametrize(("status", "expected"), [(400, "HTTP 400"), (401, "API Key"), (404, "模型名称")])
def test_client_errors_are_reported_at_once(server: OpenAITestServer, status: int, expected: str) -> None:
    server.state.faults = [Fault("status", status)]
    with pytest.raises(LLMError, match=expected) as info:
        llm().complete([Message("user", "x")])
    assert not info.value.retryable and len(server.state.requests) == 1


# --- malformed, cut, empty ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["malformed", "malformed_stream"])
def test_malformed_body_retried_then_reported(server: OpenAITestServer, kind: str) -> None:
    server.state.faults = [Fault(kind)]
    assert llm().complete([Message("user", "x")]) == REPLY
    server.state.faults = [Fault(kind)] * 2
    with pytest.raises(LLMError) as info:
        llm(attempts=2).complete([Message("user", "x")])
    assert "无法解析" in str(info.value) and "Base URL" in str(info.value)


@pytest.mark.parametrize("chunked", [False, True], ids=["close-delimited", "chunked"])
def test_cut_stream_is_not_taken_for_a_whole_reply(server: OpenAITestServer, chunked: bool) -> None:
    """Before the fix a stream cut halfway was returned as if complete: a silently truncated draft."""
    server.state.chunked = chunked
    server.state.faults = [Fault("cut_stream")]
    tokens: list[str] = []
    text = llm().complete([Message("user", "x")], on_token=tokens.append)
    assert text == REPLY and len(server.state.requests) == 2
    assert STREAM_RESET in tokens  # the display was told to drop the cut attempt's text
    assert replay(tokens) == REPLY  # and then shows exactly the reply, once
    cut = tokens.index(STREAM_RESET)
    assert 0 < len("".join(tokens[:cut])) < len(REPLY)  # the cut attempt did stream something first


def test_cut_stream_exhausted_is_reported(server: OpenAITestServer) -> None:
    server.state.faults = [Fault("cut_stream")] * 2
    tokens: list[str] = []
    with pytest.raises(LLMError, match="中途") as info:
        llm(attempts=2).complete([Message("user", "x")], on_token=tokens.append)
    assert info.value.retryable and replay(tokens) == ""


def test_empty_completion_retried_then_reported(server: OpenAITestServer) -> None:
    server.state.faults = [Fault("empty")]
    assert llm().complete([Message("user", "x")]) == REPLY
    server.state.faults = [Fault("empty")] * 2
    with pytest.raises(LLMError, match="空内容"):
        llm(attempts=2).complete([Message("user", "x")])


def test_dropped_connection_retried(server: OpenAITestServer) -> None:
    server.state.faults = [Fault("close")]
    assert llm().complete([Message("user", "x")]) == REPLY


# --- draft all --------------------------------------------------------------------------------------


def test_draft_all_keeps_every_other_section_when_one_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    facts = facts_with()
    failing = "principle"
    with serving(monkeypatch, LLM_MAX_RETRIES="2") as srv:
        srv.state.responder = good_model(facts)
        srv.state.fault_for = lambda body: (
            Fault("status", 503) if body.get("messages") and section_of(body) == failing else None
        )
        saved: list[DraftRecord] = []
        records = Drafter(Runtime(get_settings()), "openai").draft(facts, on_saved=saved.append)
    assert "模型服务内部错误（HTTP 503）" in (records[failing].error or "")
    assert "已尝试 2 次" in (records[failing].error or "")
    others = {sid for sid in records if sid != failing}
    assert len(others) >= 13
    assert {r.section for r in saved} == others  # each finished section handed over to be saved
    assert all(records[sid].error is None and records[sid].text.strip() for sid in others)


def test_draft_all_with_cut_streams_has_no_duplicated_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every section's first attempt is cut halfway; the retry's text is the draft, streamed once."""
    facts = facts_with()
    cut_once: set[str] = set()

    def fault_for(body: dict[str, Any]) -> Fault | None:
        section = section_of(body) if body.get("messages") else None
        if section and section not in cut_once:
            cut_once.add(section)
            return Fault("cut_stream")
        return None

    with serving(monkeypatch, LLM_CONCURRENCY="2") as srv:
        srv.state.responder = good_model(facts)
        srv.state.fault_for = fault_for
        tokens: dict[str, list[str]] = {}
        drafter = Drafter(
            Runtime(get_settings()), "openai", OpenAICompatibleLLM(get_settings(), sleep=no_sleep)
        )
        records = drafter.draft(
            facts,
            ["principle", "mechanism", "risk_controls"],
            on_token=lambda sid, piece: tokens.setdefault(sid, []).append(piece),
        )
    for sid, record in records.items():
        expected = draft_section(facts, sid)
        assert record.error is None and record.text.strip() == expected.strip(), sid
        assert record.text.count(expected.strip()[:30]) == 1, sid
        assert STREAM_RESET in tokens[sid] and replay(tokens[sid]).strip() == expected.strip(), sid


def test_unexpected_error_in_one_section_does_not_lose_the_others() -> None:
    """A bug or a failing save in one section is that section's error; the others are still saved."""
    from tests.fakes import FakeLLM

    facts = facts_with()
    saved: list[str] = []

    def on_saved(record: DraftRecord) -> None:
        if record.section == "mechanism":
            raise OSError("磁盘已满")
        saved.append(record.section)

    def model(messages: list[Message]) -> str:
        if "“算法基本原理”一节" in messages[-1].content:
            raise RuntimeError("模拟的程序错误")
        return "测试草稿。"

    records = Drafter(Runtime(get_settings()), "fake", FakeLLM(responder=model)).draft(
        facts, ["principle", "mechanism", "purpose"], on_saved=on_saved
    )
    assert "意外错误" in (records["principle"].error or "")
    assert "保存失败" in (records["mechanism"].error or "") and "磁盘已满" in (
        records["mechanism"].error or ""
    )
    assert saved == ["purpose"] and records["purpose"].error is None
