"""制度建设 and 安全评估结论 written from THIS product: each system's and monitoring area's scope, the
reassessment triggers and each risk's residual come from clauses whose conditions the product's facts meet
(assistant/spec/systems.yaml, risks.yaml `residual`/`backstop`), never from one fixed text."""

from __future__ import annotations

import re
from typing import Any

import pytest

from assistant.checking.matching import markers
from assistant.drafting.risks import applicable_risks, load_register, load_systems, select_clauses
from assistant.drafting.template_drafter import Composer, draft_section, risk_slots
from tests.helpers import as_push, as_technical_supporter, facts_with


def _with_minors(data: dict[str, Any]) -> None:
    data["product"]["minors_allowed"] = True
    data["safety"]["minors"] = "提供青少年模式，每日使用不超过 40 分钟"


PRODUCTS = {
    "generation": facts_with(),
    "push": facts_with(as_push),
    "technical_supporter": facts_with(as_technical_supporter),
    "minors": facts_with(_with_minors),
}


def _filled(facts, texts: list[str]) -> list[str]:  # noqa: ANN001
    slots = risk_slots(Composer(facts))
    return [t.format_map(slots).rstrip("。；") for t in texts]


def _every_scope():  # noqa: ANN202
    book = load_systems()
    yield "reassessment", book.reassessment
    for key, scope in book.monitoring.items():
        yield key, scope.scope
    for scope in book.systems:
        yield scope.match, scope.scope


@pytest.mark.parametrize("name", PRODUCTS)
def test_system_scopes_say_exactly_the_clauses_whose_conditions_hold(name: str) -> None:
    facts = PRODUCTS[name]
    text = draft_section(facts, "systems")
    for where, phrasing in _every_scope():
        chosen = set(_filled(facts, select_clauses(phrasing, facts)))
        for clause in _filled(facts, [c if isinstance(c, str) else c.text for c in phrasing]):
            if clause in chosen:
                assert clause in text, f"{where}: “{clause}” holds for {name} but is not in 制度建设"
            elif not any(clause in other for other in chosen):
                assert clause not in text, f"{where}: “{clause}” does not hold for {name} but is in 制度建设"


def test_products_that_work_differently_get_different_system_text() -> None:
    """The monitoring areas and the named systems differ with the product: a push feed watches its pool and
    its users' tags, a generator what it generates; a technical supporter its customers' calls."""
    generation, push, supporter = (draft_section(PRODUCTS[k], "systems") for k in PRODUCTS if k != "minors")
    assert "进入推荐内容池的内容和实际推送给用户的结果" in push
    assert "进入推荐内容池的内容和实际推送给用户的结果" not in generation
    assert "召回、排序和打散规则以及用户标签的生成规则" in push
    assert "接入方经接口提交的请求和返回的结果" in supporter
    assert "接入方经接口提交的请求和返回的结果" not in generation
    minors = draft_section(PRODUCTS["minors"], "systems")
    assert "不满十四周岁用户的监护人同意" in minors and "不满十四周岁用户的监护人同意" not in generation


def test_reassessment_names_this_products_third_party_provider() -> None:
    facts = PRODUCTS["generation"]
    providers = [m.provider for m in facts.models if m.provenance == "第三方API" and m.provider]
    assert providers
    text = draft_section(facts, "systems")
    assert f"所调用的第三方模型（{providers[0]}）更换或升级版本" in text

    def own_models_only(data: dict[str, Any]) -> None:
        for model in data["algorithm"]["models"]:
            model["provenance"] = "自研"

    assert "所调用的第三方模型" not in draft_section(facts_with(own_models_only), "systems")


def test_system_scopes_state_no_figures() -> None:
    """systems.yaml names what a system covers; a figure (a frequency, a count) would be an invented fact."""
    for where, phrasing in _every_scope():
        for clause in phrasing:
            text = clause if isinstance(clause, str) else clause.text
            assert not re.search(r"\d", text), f"{where}: “{text}”"


def _residual_line(text: str, risk_name: str) -> str:
    return next(line for line in text.splitlines() if f"{risk_name}：" in line)


def test_residual_risk_follows_the_product_not_one_fixed_sentence() -> None:
    """The same risk leaves a different residual in products that work differently: a knowledge-base
    answerer's stale entries, a plain generator's occasional factual error."""
    risk = next(r for r in load_register().risks if r.id == "vuln_text")

    def with_pipeline(steps: list[str]):  # noqa: ANN202
        return facts_with(lambda data: data["algorithm"].update(pipeline=steps))

    plain = with_pipeline(["用户输入写作主题", "调用第三方大模型接口生成文本", "展示给用户"])
    kb = with_pipeline(["用户输入写作主题", "从自有知识库检索相关资料", "调用大模型生成文本", "展示给用户"])
    plain_line = _residual_line(draft_section(plain, "conclusion"), risk.name)
    kb_line = _residual_line(draft_section(kb, "conclusion"), risk.name)
    assert "知识库条目过时或缺漏时回答中的个别错误" in kb_line
    assert "知识库条目过时或缺漏时回答中的个别错误" not in plain_line
    assert "模型偶发的事实性错误" in plain_line


def test_residual_names_only_the_backstops_the_facts_give() -> None:
    facts = PRODUCTS["generation"]
    risk = next(r for r in applicable_risks(facts) if r.id == "vuln_text")
    assert "由显式标识方式、投诉举报处理流程兜底" in _residual_line(
        draft_section(facts, "conclusion"), risk.name
    )

    def no_complaint_process(data: dict[str, Any]) -> None:
        data["safety"]["complaint"].pop("process")

    line = _residual_line(draft_section(facts_with(no_complaint_process), "conclusion"), risk.name)
    assert "剩余风险：" in line and "投诉举报处理流程" not in line


def test_missing_control_gives_a_marker_and_no_residual() -> None:
    def no_output_review(data: dict[str, Any]) -> None:
        data["safety"].pop("output_review")

    text = draft_section(facts_with(no_output_review), "conclusion")
    risk = next(r for r in load_register().risks if r.id == "vuln_text")
    line = _residual_line(text, risk.name)
    assert "剩余风险" not in line and "不能认定为可控" in line
    assert any(m.endswith("（safety.output_review）") for m in markers(line))
    assert "评估结论为风险可控" not in text
