"""Retrieval defaults and the everyday-words thesaurus (issue 17 item 6), and the Chroma connection settings
(issue 15 item 6)."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main
from assistant.config import Settings
from assistant.corpus import thesaurus as thesaurus_module
from assistant.corpus.citations import build_registry
from assistant.corpus.retrieve import Retriever, default_source
from assistant.corpus.thesaurus import asks_for_examples, project_intent, regulation_terms, thesaurus


def test_thesaurus_maps_everyday_words_to_regulation_terms() -> None:
    assert thesaurus().terms, "assistant/spec/thesaurus.yaml is empty"
    assert {"终止服务", "注销备案"} <= set(regulation_terms("App 不做了要去销号吗"))
    assert regulation_terms("完全无关的句子") == []
    tokens = Retriever._query_tokens("推荐App不干了")
    assert "注销" in tokens or "注销备案" in tokens  # the lexical side reads the regulation's words


@pytest.mark.parametrize(
    ("word", "question", "title", "article"),
    [
        ("公开算法", "监管要求我们公开算法吗？公开到什么程度", "互联网信息服务算法推荐管理规定", "第十六条"),
        ("暗水印", "AI生成的图片里要不要加暗水印", "人工智能生成合成内容标识办法", "第五条"),
        ("爬虫", "我们想写个爬虫去采集竞品网站的数据，合规吗", "网络数据安全管理条例", "第十八条"),
    ],
)
def test_entries_from_the_regulations_vocabulary_change_the_top_article(
    indexed_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    word: str,
    question: str,
    title: str,
    article: str,
) -> None:
    """An everyday word mapped to the regulation's own term (公开算法 → 公示…基本原理, 暗水印 → 隐式标识,
    爬虫 → 自动化工具) puts the
    article that uses that term first; without the entry another article ranks first."""
    retriever = Retriever(indexed_settings, build_registry(indexed_settings.regulations_dir))
    top = retriever.search(question, k=5, source="regulation")[0]
    assert (top.title, top.article) == (title, article)
    full = thesaurus()
    reduced = full.model_copy(update={"terms": {w: t for w, t in full.terms.items() if w != word}})
    monkeypatch.setattr(thesaurus_module, "thesaurus", lambda: reduced)
    retriever.clear_query_cache()
    top = retriever.search(question, k=5, source="regulation")[0]
    assert (top.title, top.article) != (title, article)


def test_examples_and_project_questions_are_recognised() -> None:
    assert asks_for_examples("算法基本原理有没有参考写法") and default_source("给个范例") == "all"
    assert not asks_for_examples("注销备案的期限") and default_source("注销备案的期限") == "regulation"
    assert project_intent("我们还缺什么？") == "missing"
    assert project_intent("我们要办哪些备案？") == "filings"
    assert project_intent("还缺什么材料") is None  # not about the user's own project
    assert project_intent("我们调用别人的大模型 API，要补什么材料？") is None


def test_retrieve_defaults_to_regulation_articles(
    indexed_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    question = "推荐算法的运行机制怎么写"
    assert main(["retrieve", question, "-k", "5", "--json"]) == 0
    assert {h["source"] for h in json.loads(capsys.readouterr().out)} == {"regulation"}
    assert main(["retrieve", question, "-k", "5", "--json", "--source", "filing"]) == 0
    assert {h["source"] for h in json.loads(capsys.readouterr().out)} == {"filing"}
    assert main(["retrieve", question + "，给个往期备案的范例", "-k", "10", "--json"]) == 0
    assert "filing" in {h["source"] for h in json.loads(capsys.readouterr().out)}
    assert main(["retrieve", "备案号放在哪", "--json", "--source", "practice"]) == 0
    assert {h["source"] for h in json.loads(capsys.readouterr().out)} == {"practice"}


def test_chroma_server_headers_from_settings() -> None:
    settings = Settings(
        chroma_url="http://127.0.0.1:9",
        chroma_token="tok",
        chroma_headers={"X-Api-Key": "k"},
        chroma_tenant="t1",
        chroma_database="d1",
    )
    assert settings.chroma_request_headers() == {"X-Api-Key": "k", "Authorization": "Bearer tok"}
    raw = settings.model_copy(update={"chroma_auth_header": "X-Chroma-Token"})
    assert raw.chroma_request_headers()["X-Chroma-Token"] == "tok"
    assert Settings().chroma_request_headers() == {}


def test_chroma_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEIAN_CHROMA_HEADERS", '{"X-Gateway": "g"}')
    monkeypatch.setenv("BEIAN_CHROMA_TOKEN", "secret")
    monkeypatch.setenv("BEIAN_CHROMA_DATABASE", "beian")
    settings = Settings()
    assert settings.chroma_database == "beian" and settings.chroma_tenant == "default_tenant"
    assert settings.chroma_request_headers() == {"X-Gateway": "g", "Authorization": "Bearer secret"}
    assert "secret" not in repr(settings)
