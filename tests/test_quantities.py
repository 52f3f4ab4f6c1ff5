"""Numbers compared like with like: user counts with user counts, by the noun and the unit the number counts."""

from __future__ import annotations

import pytest

from assistant.checking.checks import run_checks
from assistant.checking.quantities import quantities, users
from assistant.config import get_settings
from assistant.corpus.citations import build_registry
from assistant.drafting.template_drafter import draft_all
from tests.helpers import facts_with

LOGS = "平台每日产生用户行为日志约20亿条，留存六个月。"


@pytest.fixture(scope="module")
def registry():  # noqa: ANN201
    return build_registry(get_settings().regulations_dir)


def _numeric(facts, drafts, registry) -> list[str]:  # noqa: ANN001
    return [
        f.evidence[0]
        for f in run_checks(facts, drafts, registry=registry).findings
        if f.check == "numeric_consistency"
    ]


@pytest.mark.parametrize(
    ("text", "noun"),
    [
        ("用户行为日志约20亿条", "logs"),
        ("20亿条用户行为日志", "logs"),
        ("训练样本 200 万条", "samples"),
        ("关键词库 5 万条", "keywords"),
        ("日均调用 300 万次", "calls"),
        ("服务用户 35 万名", "users"),
        ("月活跃用户数达到8万", "users"),
    ],
)
def test_the_noun_a_number_counts(text: str, noun: str) -> None:
    [quantity] = quantities(text)
    assert quantity.noun == noun


def test_counts_of_other_things_are_not_user_counts(registry) -> None:  # noqa: ANN001
    facts = facts_with(lambda d: d["algorithm"].__setitem__("runtime_data", LOGS))
    drafts = draft_all(facts)
    drafts["algo_data"] += "\n" + LOGS + "日均接口调用 300 万次。"
    assert LOGS in drafts["algo_data"]
    assert _numeric(facts, drafts, registry) == []


def test_user_counts_compared_kind_by_kind(registry) -> None:  # noqa: ANN001
    facts = facts_with()  # 注册用户约 35 万，月活跃用户约 8 万
    drafts = draft_all(facts)
    drafts["service"] += "\n目前注册用户约 35 万，服务用户约35万人。"
    assert _numeric(facts, drafts, registry) == []
    drafts["service"] += "\n月活跃用户约 35 万。累计服务用户 50 万名。"
    flagged = _numeric(facts, drafts, registry)
    assert any("月活跃用户约 35 万" in e for e in flagged) and any("50 万名" in e for e in flagged)
    assert [q.kind for q in users("注册用户约 35 万，月活跃用户约 8 万")] == ["注册", "月活"]
