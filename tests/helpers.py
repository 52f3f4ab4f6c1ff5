"""Shared test helpers: the example facts as data, mutated copies, template drafts."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from assistant.facts import Facts, parse_facts
from tests.conftest import EXAMPLE_FACTS


def example_data() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE_FACTS.read_text(encoding="utf-8"))


def facts_with(mutate: Callable[[dict[str, Any]], Any] | None = None) -> Facts:
    data = copy.deepcopy(example_data())
    if mutate:
        mutate(data)
    return parse_facts(data)


def as_push(data: dict[str, Any]) -> None:
    data["filing"]["algorithm_type"] = "个性化推送类"
    # a push algorithm described as one (the registry_type check compares the type with the description)
    data["filing"]["algorithm_name"] = "灵犀范文个性化推荐算法"
    data["algorithm"]["summary"] = (
        "应用于范文推荐场景，根据用户的阅读、点击和收藏记录构建兴趣画像，从范文库中召回并排序，为用户推荐可能感兴趣的写作范文"
    )
    data["personalization"] = {
        "opt_out": "「设置—隐私—个性化推荐」开关，关闭后立即停止基于个人特征的推荐",
        "tag_management": "「我的—兴趣标签」页面可查看、选择和删除标签",
        "tag_rules": "仅依据用户主动关注和阅读时长记入兴趣点；违法和不良信息关键词不作为标签",
        "diversity": "同一主题内容在一屏内不超过两条，每屏插入非兴趣领域内容",
        "negative_feedback": "每条推荐提供「不感兴趣」按钮，点击后同类内容降权",
    }


def as_technical_supporter(data: dict[str, Any]) -> None:
    data["filing"]["role"] = "服务技术支持者"
    data["technical_service"] = {
        "delivery": ["API", "SDK"],
        "customers": "面向企业客户提供文本生成接口，签约企业客户约 40 家",
        "onboarding": "客户须提交营业执照和用途说明，经合规审核后开通接口",
        "contractual_duties": "服务协议要求客户落实内容审核、生成内容标识和投诉举报机制",
        "label_support": "接口返回结果附带显式标识文字和隐式标识元数据字段",
    }


def drafted_without(directory: Path, *path: str) -> tuple[Path, Path]:
    """The example facts without the fact at `path` written to `directory`/facts.yaml, and drafted there by
    `beian draft --provider template` into `directory`/drafts. Returns (facts file, drafts directory)."""
    from assistant.cli import main

    data = example_data()
    node = data
    for key in path[:-1]:
        node = node[key]
    node.pop(path[-1])
    facts = directory / "facts.yaml"
    facts.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = directory / "drafts"
    main(["draft", str(facts), "--provider", "template", "-o", str(out)])
    return facts, out


def example_registry_warnings() -> int:
    """Warnings the published lists give on the contract example: its third-party model's filing number is
    invented, so the lists cannot know it (issue 19: "not found" is a warning naming the newest batch)."""
    from assistant.checking.checks import run_checks

    report = run_checks(facts_with(), {})
    assert not any(f.check.startswith("registry_") for f in report.blocking)
    return sum(1 for f in report.warnings if f.check.startswith("registry_"))
