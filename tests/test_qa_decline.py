"""Declining (issue 20): closeness in meaning is not enough; the question must share a filing-domain word
with a passage it would be answered from."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.corpus.thesaurus import domain_terms
from assistant.drafting.chat import NO_ANSWER, ask, gather
from assistant.runtime import Runtime


@pytest.fixture
def rt(indexed_settings: Settings) -> Runtime:
    return Runtime(indexed_settings)


def test_an_off_domain_question_close_in_meaning_is_declined(rt: Runtime) -> None:
    question = "员工加班费按什么标准支付？"  # labour law: close in meaning to articles on workers' pay
    evidence = gather(rt, question)
    assert evidence.articles or evidence.notes  # similarity alone would have answered it
    assert domain_terms(question) == []
    answer = ask(rt, question)
    assert not answer.answered and answer.text == NO_ANSWER and answer.citations == []


def test_everyday_words_the_thesaurus_maps_are_not_domain_words() -> None:
    assert (
        domain_terms("营业执照地址变了多久内要去改？") == []
    )  # 多久 maps to 工作日内, yet any field says it
    assert "算法备案" in domain_terms("App 不做了，算法备案要怎么销号？")


def test_a_colloquial_filing_question_is_answered(rt: Runtime) -> None:
    answer = ask(rt, "App 不做了，算法备案要怎么销号，有时间要求吗？")
    assert answer.answered and answer.citations
    assert any(c["source"] == "regulation" and c["article"] == "第二十四条" for c in answer.citations)


def test_an_explicit_article_reference_is_always_on_topic(rt: Runtime) -> None:
    answer = ask(rt, "深度合成规定第十七条讲了什么")
    assert answer.answered
    assert ("互联网信息服务深度合成管理规定", "第十七条") in {
        (c["title"], c["article"]) for c in answer.citations
    }
