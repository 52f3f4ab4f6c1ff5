"""Questions and answers over regulation articles and practice notes (issue 20): both kinds retrieved, the
answer separating 法规规定 from 实务做法, every citation with its source kind and verified, declining when
nothing covers the question, the OpenAI-compatible path through a real local HTTP server, and answers about
the user's own project from its check report and filing decision."""

from __future__ import annotations

import json
from typing import Any

import pytest

from assistant.checking.checks import decide_filings, run_checks
from assistant.cli import main
from assistant.config import Settings, get_settings
from assistant.corpus.citations import verify_text
from assistant.corpus.retrieve import Hit
from assistant.drafting.chat import (
    NO_ANSWER,
    PRACTICE_ONLY,
    Evidence,
    ProjectContext,
    _extractive,
    _note_citation,
    ask,
    project_answer,
)
from assistant.drafting.llm import get_llm
from assistant.facts import load_facts
from assistant.runtime import Runtime
from tests.conftest import EXAMPLE_FACTS
from tests.openai_server import OpenAITestServer

THIRD_PARTY = "我们的写作App调用另一家公司大模型的接口，备案时还要额外准备什么？"


@pytest.fixture
def rt(indexed_settings: Settings) -> Runtime:
    return Runtime(indexed_settings)


def _kinds(citations: list[dict[str, Any]]) -> set[str]:
    return {c["source"] for c in citations}


def test_practice_question_is_answered_from_notes_and_articles(rt: Runtime) -> None:
    answer = ask(rt, THIRD_PARTY)
    assert answer.answered
    assert "【法规规定】" in answer.text and "【实务做法】" in answer.text
    notes = [c for c in answer.citations if c["source"] == "practice"]
    assert any(c["note"] == "third-party-model" for c in notes), [c["title"] for c in notes]
    assert all(c["sources"] and c["confidence"] for c in notes)  # the note's dated sources travel with it
    # the rule side names the article behind the note's claim (lawful base models), verified in the corpus
    articles = [c for c in answer.citations if c["source"] == "regulation"]
    assert ("生成式人工智能服务管理暂行办法", "第七条") in {(c["title"], c["article"]) for c in articles}
    assert all(r.ok for r in verify_text(answer.text, rt.registry))


def test_rule_question_cites_the_article(rt: Runtime) -> None:
    answer = ask(rt, "生成式人工智能服务提供者应当建立什么样的投诉举报机制")
    assert ("生成式人工智能服务管理暂行办法", "第十五条") in {
        (c["title"], c["article"]) for c in answer.citations if c["source"] == "regulation"
    }


def test_unrelated_question_is_declined_with_a_suggestion(rt: Runtime) -> None:
    answer = ask(rt, "红烧排骨怎么做才不柴？")
    assert not answer.answered and answer.text == NO_ANSWER and "建议" in answer.text
    assert answer.citations == []


def test_a_point_only_practice_supports_is_said_to_be(rt: Runtime) -> None:
    note = next(h for h in rt.retriever.note_sections("rejection-reasons") if not h.metadata["regulatory"])
    hit = Hit(note.id, "practice", note.title, "", note.text, 0.6, note.metadata, 0.9)
    answer = _extractive("为什么会被退回？", Evidence([], [_note_citation(hit)], [hit]))
    assert PRACTICE_ONLY in answer.text and "【法规规定】" not in answer.text
    assert _kinds(answer.citations) == {"practice"}


def test_ask_json_keeps_its_shape_and_adds_the_source_kind(
    indexed_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", THIRD_PARTY, "--provider", "template", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"question", "answer", "answered", "citations", "invalid_citations", "sources"} <= set(data)
    assert {"regulation", "practice"} <= _kinds(data["citations"])
    assert all({"source", "title", "article", "text"} <= set(c) for c in data["citations"])


def test_openai_path_sees_both_kinds_and_invalid_citations_are_marked(
    indexed_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    reply = (
        "法规规定：基础模型要有合法来源（《生成式人工智能服务管理暂行办法》第七条）；"
        "另见《互联网信息服务算法推荐管理规定》第九十九条。\n"
        "实务做法：提交与模型厂商的合作协议和模型备案号〔实务：调用第三方大模型（API）时要补充的证明材料〕。"
    )
    with OpenAITestServer() as server:
        server.state.responder = lambda body: reply
        monkeypatch.setenv("BEIAN_OPENAI_BASE_URL", server.base_url)
        get_settings.cache_clear()
        settings = get_settings()
        calls: list[Any] = []
        answer = ask(Runtime(settings), THIRD_PARTY, llm=get_llm("openai", settings), sink=calls.append)
        prompt = server.last_user_message()
    assert [c.round for c in calls] == ["chat"] and calls[0].response.strip() == reply  # the audit trail
    assert "法规规定：\n[1] " in prompt and "（〔实务：" in prompt  # both kinds reach the model
    assert answer.invalid == ["《互联网信息服务算法推荐管理规定》第九十九条"]
    assert "第九十九条【引用无法核实，已标注】" in answer.text
    kinds = {(c["source"], c["title"]) for c in answer.citations}
    assert ("regulation", "生成式人工智能服务管理暂行办法") in kinds
    assert ("practice", "调用第三方大模型（API）时要补充的证明材料") in kinds


def _project() -> ProjectContext:
    facts = load_facts(EXAMPLE_FACTS)
    return ProjectContext("测试项目", facts, run_checks(facts, {}), decide_filings(facts))


def test_project_questions_are_answered_from_the_project() -> None:
    project = _project()
    missing = project_answer("我们还缺什么？", "missing", project)
    blocking = project.report.blocking
    assert blocking and f"{len(blocking)} 个阻断项" in missing.text
    assert blocking[0].message in missing.text
    assert _kinds(missing.citations) == {"project"}
    filings = project_answer("我们要办哪些备案？", "filings", project)
    assert all(name in filings.text for name in project.decision.filings)


def test_ask_routes_project_questions_only_with_a_project(rt: Runtime) -> None:
    project = _project()
    routed = ask(rt, "我们要办哪些备案？", project=project)
    assert _kinds(routed.citations) == {"project"} and project.decision.filings[0] in routed.text
    # a practice question that happens to say 我们 is not about the project
    general = ask(rt, THIRD_PARTY, project=project)
    assert "practice" in _kinds(general.citations)
