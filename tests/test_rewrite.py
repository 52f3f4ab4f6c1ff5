"""Query rewriting (issue 17.6): a model restates a colloquial question in the regulations' terms, the
retriever reads those words beside the question's, repeated questions come from the on-disk cache, and a
failed, garbage or cut-off rewrite falls back to the plain ranking. The openai path runs against the real
local protocol server."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import Settings, get_settings
from assistant.corpus.citations import build_registry
from assistant.corpus.retrieve import Retriever
from assistant.corpus.rewrite import CACHE_NAME, SYSTEM, clean, restate, rewrite_query
from assistant.drafting.chat import ask
from assistant.drafting.llm import ModelCall
from assistant.runtime import Runtime
from tests.fakes import FakeLLM
from tests.openai_server import Fault, OpenAITestServer

# Self-written: "海外总部" shares no word with 向境外提供 (个人信息保护法第三十八–四十条).
ABROAD = "我们打算把App里的用户资料同步给海外总部，要注意什么？"
ABROAD_RESTATED = "个人信息处理者向境外提供个人信息的，应当通过安全评估"
ABROAD_ARTICLES = {("中华人民共和国个人信息保护法", a) for a in ("第三十八条", "第三十九条", "第四十条")}


def _is_rewrite_call(body: dict) -> bool:
    return any(m.get("role") == "system" and m.get("content") == SYSTEM for m in body.get("messages", []))


def test_clean_drops_guessed_regulation_names_article_numbers_and_later_paragraphs() -> None:
    text = "根据《中华人民共和国网络安全法》第二十一条，**网络运营者应当**留存日志。\n\n1. 其他说明"
    assert clean(text) == "根据，网络运营者应当留存日志。"


def test_restate_caches_per_model_and_question(tmp_path: Path) -> None:
    cache = tmp_path / CACHE_NAME
    llm = FakeLLM(responder=lambda messages: ABROAD_RESTATED)
    first = restate(ABROAD, llm, cache)
    again = restate(ABROAD, llm, cache)
    assert first is not None and first.text == ABROAD_RESTATED and not first.cached
    assert again is not None and again.text == ABROAD_RESTATED and again.cached
    assert len(llm.calls) == 1
    assert llm.calls[0][0].content == SYSTEM and llm.calls[0][-1].content == ABROAD
    other = FakeLLM(responder=lambda messages: ABROAD_RESTATED, model="another")
    assert restate(ABROAD, other, cache) is not None and len(other.calls) == 1  # another model, another key


def test_failed_or_garbage_rewrites_give_nothing_and_are_not_cached(tmp_path: Path) -> None:
    cache = tmp_path / CACHE_NAME

    def broken(messages: list) -> str:
        raise RuntimeError("model crashed")

    assert restate(ABROAD, FakeLLM(responder=broken), cache) is None
    assert restate(ABROAD, FakeLLM(responder=lambda m: "OK."), cache) is None
    assert restate(ABROAD, None, cache) is None
    assert not cache.exists()


def test_a_call_past_the_deadline_keeps_what_arrived_and_is_not_cached(tmp_path: Path) -> None:
    release = threading.Event()

    class Slow(FakeLLM):
        def complete(self, messages, *, on_token=None, **kwargs):  # noqa: ANN001, ANN003, ANN201
            on_token("个人信息处理者向境外提供个人信息")
            release.wait(30)  # the model stalls until the test has its answer
            on_token("的，应当通过安全评估")
            return "unused"

    cache = tmp_path / CACHE_NAME
    try:
        rewrite = restate(ABROAD, Slow(), cache, deadline=0.2)
    finally:
        release.set()
    assert rewrite is not None and rewrite.cut
    assert rewrite.text == "个人信息处理者向境外提供个人信息"
    assert not cache.exists()


def test_the_restatement_bridges_a_question_that_shares_no_word_with_the_article(
    indexed_settings: Settings,
) -> None:
    retriever = Retriever(indexed_settings, build_registry(indexed_settings.regulations_dir))
    plain = retriever.search(ABROAD, k=5, source="regulation")
    rewritten = retriever.search(ABROAD, k=5, source="regulation", rewrite=ABROAD_RESTATED)
    assert (plain[0].title, plain[0].article) not in ABROAD_ARTICLES
    assert (rewritten[0].title, rewritten[0].article) in ABROAD_ARTICLES


def test_rewrite_query_is_off_with_the_setting_and_without_a_model(
    indexed_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm = FakeLLM(responder=lambda messages: ABROAD_RESTATED)
    assert rewrite_query(ABROAD, indexed_settings, llm) is None  # tests run with BEIAN_QUERY_REWRITE=0
    monkeypatch.setenv("BEIAN_QUERY_REWRITE", "1")
    get_settings.cache_clear()
    settings = get_settings()
    assert rewrite_query(ABROAD, settings, None) is None  # template provider: no model
    assert rewrite_query(ABROAD, settings, llm) == ABROAD_RESTATED
    assert (settings.data_dir / CACHE_NAME).exists()


def test_ask_reads_the_restatement_and_logs_the_call(
    indexed_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEIAN_QUERY_REWRITE", "1")
    get_settings.cache_clear()
    rt = Runtime(get_settings())
    calls: list[ModelCall] = []
    llm = FakeLLM(responder=lambda m: ABROAD_RESTATED if m[0].content == SYSTEM else "回答。")
    answer = ask(rt, ABROAD, llm, sink=calls.append)
    assert [c.round for c in calls][:1] == ["rewrite"] and calls[0].response == ABROAD_RESTATED
    assert any((h.title, h.article) in ABROAD_ARTICLES for h in answer.hits)
    calls.clear()
    answer = ask(rt, ABROAD, llm, sink=calls.append, rewrite=False)
    assert "rewrite" not in [c.round for c in calls]


def _retrieve(capsys: pytest.CaptureFixture[str], *extra: str) -> list[tuple[str, str]]:
    assert main(["retrieve", ABROAD, "-k", "5", "--json", "--provider", "openai", *extra]) == 0
    return [(h["title"], h["article"]) for h in json.loads(capsys.readouterr().out)]


def test_beian_retrieve_rewrites_through_the_openai_protocol_server(
    indexed_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BEIAN_QUERY_REWRITE", "1")
    with OpenAITestServer() as server:
        server.state.responder = lambda body: ABROAD_RESTATED if _is_rewrite_call(body) else "?"
        monkeypatch.setenv("BEIAN_OPENAI_BASE_URL", server.base_url)
        get_settings.cache_clear()
        plain = _retrieve(capsys, "--no-rewrite")
        assert not server.state.requests
        rewritten = _retrieve(capsys)
        assert len(server.state.requests) == 1 and _is_rewrite_call(server.state.requests[0])
        assert rewritten[0] in ABROAD_ARTICLES and plain[0] not in ABROAD_ARTICLES
        assert _retrieve(capsys) == rewritten  # the second time from the cache, no request
        assert len(server.state.requests) == 1


def test_beian_retrieve_falls_back_to_the_plain_ranking_when_the_server_fails(
    indexed_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BEIAN_QUERY_REWRITE", "1")
    monkeypatch.setenv("BEIAN_LLM_MAX_RETRIES", "1")
    with OpenAITestServer() as server:
        server.state.fault_for = lambda body: Fault("status", status=500)
        monkeypatch.setenv("BEIAN_OPENAI_BASE_URL", server.base_url)
        get_settings.cache_clear()
        failed = _retrieve(capsys)
        assert server.state.requests  # the rewrite was attempted
        assert failed == _retrieve(capsys, "--no-rewrite")
