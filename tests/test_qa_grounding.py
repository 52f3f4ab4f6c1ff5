"""Grounded model answers (issue 20): the deterministic layer picks the points (note bullets, article
sentences, each cited), the model composes them, and points the model drops come back under 依据要点 with
their citations. The model is reached through the OpenAI client and a real local HTTP server."""

from __future__ import annotations

import re
from typing import Any

import pytest

from assistant.config import Settings, get_settings
from assistant.corpus.citations import verify_text
from assistant.drafting import answer_points as grounding
from assistant.drafting.chat import _practice_sections, _rule_texts, ask, gather
from assistant.drafting.llm import get_llm
from assistant.runtime import Runtime
from tests.openai_server import OpenAITestServer

THIRD_PARTY = "我们的写作App调用另一家公司大模型的接口，备案时还要额外准备什么？"
POINT_RE = re.compile(r"^\[(\d+)\] (.+)（(《[^》]+》第[^条]+条|〔实务：[^〕]+〕)）$", re.M)


def _points(body: dict[str, Any]) -> list[tuple[int, str, str, str]]:
    """The numbered points the server received in the prompt: number, kind, citation, text."""
    prompt = next(m["content"] for m in body["messages"] if m["role"] == "user")
    return [
        (int(n), "实务做法" if ref.startswith("〔") else "法规规定", ref, text)
        for n, text, ref in POINT_RE.findall(prompt)
    ]


def _ask_through_server(settings: Settings, responder: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    with OpenAITestServer() as server:
        server.state.responder = responder
        monkeypatch.setenv("BEIAN_OPENAI_BASE_URL", server.base_url)
        get_settings.cache_clear()
        settings = get_settings()
        answer = ask(Runtime(settings), THIRD_PARTY, llm=get_llm("openai", settings))
        received = _points(server.state.requests[-1])
    return answer, received


def test_points_the_model_drops_are_restored_with_their_citations(
    indexed_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def keeps_only_the_first(body: dict[str, Any]) -> str:
        number, _, _, text = _points(body)[0]
        return f"需要补充第三方模型的证明材料。\n1. {text} [{number}]"

    answer, points = _ask_through_server(indexed_settings, keeps_only_the_first, monkeypatch)
    assert len(points) >= 3
    kept, dropped = points[0], points[1:]
    head, restored = answer.text.split(grounding.RESTORED)
    assert (
        kept[3] in head and kept[2] in head and f"[{kept[0]}]" not in head
    )  # the number became its citation
    for _, kind, ref, text in dropped:  # every dropped point is back, with its kind and citation
        assert f"【{kind}】{text}（{ref}）" in restored
    assert kept[3] not in restored  # the point the model kept is not repeated
    assert all(r.ok for r in verify_text(answer.text, Runtime(get_settings()).registry))
    assert answer.invalid == []


def test_an_answer_that_keeps_every_point_is_left_as_written(
    indexed_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def keeps_all(body: dict[str, Any]) -> str:
        lines = [f"{i}. {text} [{n}]" for i, (n, _, _, text) in enumerate(_points(body), 1)]
        return "要准备以下材料：\n" + "\n".join(lines)

    answer, points = _ask_through_server(indexed_settings, keeps_all, monkeypatch)
    assert grounding.RESTORED not in answer.text
    assert "[1]" not in answer.text  # point numbers became citations
    for _, _, ref, _ in points:
        assert ref in answer.text
    kinds = {c["source"] for c in answer.citations}
    assert kinds == {"regulation", "practice"}


def test_points_come_from_the_best_note_whole_and_from_both_kinds(indexed_settings: Settings) -> None:
    rt = Runtime(indexed_settings)
    evidence = gather(rt, THIRD_PARTY)
    best = str(evidence.sections[0].metadata["note_id"])
    pool = grounding.candidates(evidence.articles, _rule_texts(evidence), _practice_sections(evidence), rt)
    # every practice section of the best-matching note offers its bullets, also those the retriever missed
    headings = {
        h.metadata["heading"] for h in rt.retriever.note_sections(best) if not h.metadata["regulatory"]
    }
    assert headings == {p.citation["heading"] for p in pool if p.kind == "practice" and p.note == best}
    points = grounding.select(THIRD_PARTY, pool, rt, best)
    assert {p.kind for p in points} == {"regulation", "practice"}
    assert any(p.note == best for p in points)
    assert len(points) <= grounding.MAX_RULES + grounding.MAX_PRACTICE
    assert all(r.ok for p in points if p.kind == "regulation" for r in verify_text(p.ref, rt.registry))


def test_markers_become_citations_and_survival_needs_the_content() -> None:
    citation = {"source": "practice", "title": "某笔记", "article": "", "heading": "做法"}
    point = grounding.Point("practice", "提交与模型厂商签订的合作协议和调用记录", citation)
    point.terms = grounding.content_words(point.text)
    text, used = grounding.expand_markers("要交合作协议和调用记录【1】，另见[7]。", [point])
    assert text == "要交合作协议和调用记录（〔实务：某笔记〕），另见[7]。" and used == {1}
    assert grounding.survives(point, "提交厂商合作协议、调用记录等（〔实务：某笔记〕）")
    assert not grounding.survives(point, "需要第三方佐证材料（〔实务：某笔记〕）")
    assert not grounding.survives(point, "提交与模型厂商签订的合作协议和调用记录")  # uncited
    # the words spread over other lines do not make the point kept
    assert not grounding.survives(point, "要交合作协议（〔实务：某笔记〕）\n模型厂商的调用记录也要留存")


def test_a_citation_the_line_already_shows_is_not_repeated() -> None:
    citation = {"source": "practice", "title": "某笔记", "article": "", "heading": "做法"}
    point = grounding.Point("practice", "提交合作协议", citation)
    text, used = grounding.expand_markers(
        "实务做法（〔实务：某笔记〕）：提交合作协议 [1]\n另一条 [1]", [point]
    )
    assert text == "实务做法（〔实务：某笔记〕）：提交合作协议 \n另一条 （〔实务：某笔记〕）" and used == {1}


def test_echoed_prompt_lines_go_and_practice_never_passes_for_a_rule() -> None:
    question = "调用别人的模型要交什么？"
    reply = (
        "问题：\n调用别人的模型要交什么？\n\n要点（每条末尾括号里是出处）：\n"
        "1. **法规规定**：提交合作协议（〔实务：某笔记〕）\n"
        "2. **法规规定**：基础模型要有合法来源（《生成式人工智能服务管理暂行办法》第七条）"
    )
    text = grounding.tidy(reply, question)
    assert not text.startswith("问题") and question not in text and "要点" not in text
    assert "**实务做法**：提交合作协议（〔实务：某笔记〕）" in text
    assert "**法规规定**：基础模型要有合法来源" in text  # a cited article keeps its label


def test_an_articles_enumerated_items_stay_with_their_lead_sentence() -> None:
    text = "提供者应当遵守以下规定：\n（一）使用具有合法来源的数据；\n（二）不得侵害知识产权。\n提供者应当签订服务协议。"
    assert grounding._sentences(text) == [
        "提供者应当遵守以下规定：（一）使用具有合法来源的数据；（二）不得侵害知识产权。",
        "提供者应当签订服务协议。",
    ]


def test_a_time_limit_no_point_states_is_marked_in_place() -> None:
    """The 1.5B once answered 三十个工作日 (the review period) for the filing deadline (十个工作日): a time limit
    or amount in the model's text that no selected point states is marked; one a point states is not."""
    point = grounding.Point(
        kind="regulation",
        text="具有舆论属性或者社会动员能力的算法推荐服务提供者应当在提供服务之日起十个工作日内履行备案手续",
        citation={"title": "互联网信息服务算法推荐管理规定", "article": "第二十四条"},
    )
    wrong = (
        "应当在上线后三十个工作日内备案，并保存日志 6 个月（《互联网信息服务算法推荐管理规定》第二十四条）。"
    )
    marked, flagged = grounding.mark_unsupported_quantities(wrong, [point])
    assert flagged == ["三十个工作日", "6 个月"]
    assert f"三十个工作日{grounding.UNSUPPORTED}内" in marked and f"6 个月{grounding.UNSUPPORTED}" in marked
    right = "应当自提供服务之日起 10 个工作日内备案（2022年3月1日起施行，《互联网信息服务算法推荐管理规定》第二十四条）。"
    assert grounding.mark_unsupported_quantities(right, [point]) == (right, [])
