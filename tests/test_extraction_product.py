"""The rules layer reads the product, the officer and the models without taking a question, a companion app
or a duty for a name or a title (issue 16, session 4, after the unseen descriptions h08–h11). Each mechanism is
tested on two phrasings that come from no benchmark description, and with a look-alike it must not read
(precision first)."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.drafting.extract import extract_facts
from assistant.spec import load_spec

COMPANY = "宁波海曙启明数据科技有限公司（统一社会信用代码91330203MA2H7K5R3X）。\n"


def facts_of(text: str) -> dict[str, Any]:
    return extract_facts(COMPANY + text, None, load_spec()).facts.as_dict()


def _get(facts: dict[str, Any], path: str) -> Any:
    value: Any = facts
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


@pytest.mark.parametrize(
    "text",
    [
        "问：这个产品叫什么，谁在用？\n答：“票小秘”是我们面向小微企业的报销助手App，2023年3月上线。\n",
        "Q：用的是什么大模型？A：我们调用第三方的“知远大模型”，通过API接入。产品叫“票小秘”App。\n",
    ],
)
def test_a_question_word_is_never_a_name(text: str) -> None:
    facts = facts_of(text)
    assert _get(facts, "product.name") == "票小秘"
    models = [m.get("name") or "" for m in _get(facts, "algorithm.models") or []]
    assert not any("什么" in m for m in models)


def test_a_name_that_only_looks_like_a_question_is_kept() -> None:
    facts = facts_of("“问学”是我们面向中学老师的备课助手App，2022年上线。\n")
    assert _get(facts, "product.name") == "问学"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("- 快达跑腿：下单用户App + 微信小程序“快达跑腿”；骑手端为“快达骑士”App\n", "快达跑腿"),
        ("顾客在微信小程序“邻家洗衣”下单，商家端：“邻家洗衣商户版”App 接单。\n", "邻家洗衣"),
    ],
)
def test_the_companion_app_of_the_other_side_is_not_the_product(text: str, name: str) -> None:
    assert _get(facts_of(text), "product.name") == name


def test_a_product_named_after_a_side_word_elsewhere_is_still_read() -> None:
    text = "“快达跑腿”是一款同城跑腿App，骑手端与用户端共用一个账号体系。\n"
    assert _get(facts_of(text), "product.name") == "快达跑腿"


def test_only_a_companion_named_leaves_the_name_empty() -> None:
    assert _get(facts_of("司机端为“快达司机”App，用于接单。\n"), "product.name") is None


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("算法安全负责人为副总经理周某（分管风控与客服），电话0574-87654321。\n", "副总经理"),
        ("- 算法安全负责人：周某，技术副总裁，电话0574-87654321\n", "技术副总裁"),
        ("算法安全负责人：周某，首席合规官，邮箱 zhou@qiming.example.com\n", "首席合规官"),
    ],
)
def test_the_officer_title_is_a_title_not_a_duty(text: str, title: str) -> None:
    facts = facts_of(text)
    assert _get(facts, "entity.security_officer.name") == "周某"
    assert _get(facts, "entity.security_officer.title") == title


def test_a_duty_after_the_name_is_no_title() -> None:
    facts = facts_of("- 算法安全负责人：周某，负责算法备案与评估，电话0574-87654321\n")
    assert _get(facts, "entity.security_officer.name") == "周某"
    assert "备案" not in (_get(facts, "entity.security_officer.title") or "")


@pytest.mark.parametrize(
    "text",
    [
        "未成年人可以使用错题整理功能，但不能使用付费答疑。\n",
        "未成年人乘车须由监护人陪同下单。\n",
    ],
)
def test_minors_admitted_when_the_text_says_so(text: str) -> None:
    assert _get(facts_of(text), "product.minors_allowed") is True


def test_minors_both_admitted_and_denied_leave_the_field_empty() -> None:
    text = "用户须年满18周岁方可注册；未成年人乘车须由监护人代叫并同行。\n"
    assert _get(facts_of(text), "product.minors_allowed") is None


def test_not_addressing_minors_is_no_admission() -> None:
    assert _get(facts_of("本产品不面向未成年人提供服务。\n"), "product.minors_allowed") is False
