"""The risk register: quotes verified against the corpus, risks chosen by the product, and the analytic
sections written from them (研判 per risk, 防控 per risk, 结论 never 可控 while a control is missing)."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.checking.matching import markers
from assistant.config import get_settings
from assistant.corpus.citations import build_registry, verify_text
from assistant.drafting.risks import applicable_risks, load_register
from assistant.drafting.template_drafter import draft_all, draft_section
from assistant.numerals import cn_to_int
from assistant.textnorm import normalize
from tests.helpers import as_push, facts_with


@pytest.fixture(scope="module")
def registry():  # noqa: ANN201
    return build_registry(get_settings().regulations_dir)


def test_every_register_quote_is_in_its_article(registry) -> None:  # noqa: ANN001
    for risk in load_register().risks:
        ref = risk.article
        article = registry.get(ref.title, cn_to_int(ref.article[1:-1]))
        assert article is not None, f"{risk.id}: {ref.citation} 不在语料库中"
        assert normalize(ref.quote) in normalize(article.text), f"{risk.id}: 引文与{ref.citation}不符"


def test_register_categories_are_the_eight_template_types() -> None:
    register = load_register()
    assert len(register.categories) == 8 and register.categories[-1] == "其他违法违规风险"
    assert {r.category for r in register.risks} == set(register.categories)


# --- products constructed here (not the gold set) ---------------------------------------------------


def _product(
    algorithm_type: str, name: str, field: str, scenarios: list[str], summary: str, **extra: Any
) -> Any:
    def mutate(data: dict[str, Any]) -> None:
        data["filing"]["algorithm_type"] = algorithm_type
        data["product"].update(
            name=name, application_field=field, scenarios=scenarios, features=extra.pop("features", [])
        )
        data["algorithm"]["summary"] = summary
        for key, value in extra.items():
            root, _, leaf = key.partition("__")
            if leaf:
                data.setdefault(root, {})[leaf] = value
            else:
                data[root] = value
        if algorithm_type == "个性化推送类":
            as_push(data)

    return facts_with(mutate)


def _names(facts: Any) -> set[str]:
    return {r.id for r in applicable_risks(facts)}


LEGAL_QA = {
    "args": (
        "生成合成类",
        "律答",
        "法律咨询",
        ["劳动纠纷法律问答", "合同条款解释"],
        "根据用户描述的法律问题生成解答",
    ),
    "expect": {"professional_advice", "unlicensed_practice"},
}
FACE_SWAP = {
    "args": (
        "生成合成类",
        "趣换脸",
        "娱乐",
        ["照片换脸", "表情包制作"],
        "将用户上传照片中的人脸替换到模板视频中",
    ),
    "kwargs": {"biometric": {"separate_consent": "上传他人照片前须确认已取得本人单独同意"}},
    "expect": {"likeness_abuse", "deepfake_fraud", "nonconsensual_imagery", "sensitive_pi"},
}
DELIVERY = {
    "args": (
        "调度决策类",
        "快送外卖",
        "即时配送",
        ["外卖订单派单"],
        "根据骑手位置和订单位置向骑手派单并计算预计送达时间",
    ),
    "kwargs": {"dispatch": {"order_allocation": "按距离派单"}},
    "expect": {"worker_pay_rest", "worker_safety", "algorithmic_penalty", "price_discrimination"},
}
NEWS_FEED = {
    "args": (
        "个性化推送类",
        "今日快讯",
        "新闻资讯",
        ["新闻资讯推荐", "热点榜单"],
        "根据用户兴趣推荐新闻资讯",
    ),
    "expect": {"filter_bubble", "tag_misuse", "hotlist_manipulation", "news_licence"},
}
EDU_MINORS = {
    "args": ("生成合成类", "学伴", "教育", ["中小学作业辅导"], "为中小学生讲解题目"),
    "kwargs": {"product__minors_allowed": True},
    "expect": {"minors_addiction", "minors_content", "sensitive_pi"},
}
MARKETING = {
    "args": ("生成合成类", "妙笔", "营销", ["电商商品文案"], "根据商品信息生成营销文案"),
    "expect": {"false_advertising"},
}


@pytest.mark.parametrize(
    "case",
    [LEGAL_QA, FACE_SWAP, DELIVERY, NEWS_FEED, EDU_MINORS, MARKETING],
    ids=["legal", "faceswap", "delivery", "news", "minors", "marketing"],
)
def test_product_specific_risks_are_found(case: dict[str, Any]) -> None:
    facts = _product(*case["args"], **case.get("kwargs", {}))
    found = _names(facts)
    assert case["expect"] <= found
    text = draft_section(facts, "risk_assessment")
    for risk in applicable_risks(facts):
        assert risk.name in text and risk.article.citation in text


def test_unrelated_products_do_not_get_each_others_risks() -> None:
    legal = _names(_product(*LEGAL_QA["args"]))
    delivery = _names(_product(*DELIVERY["args"], **DELIVERY["kwargs"]))
    assert not {"worker_pay_rest", "likeness_abuse", "filter_bubble"} & legal
    assert not {"professional_advice", "false_advertising", "unlabelled_output"} & delivery


def test_a_word_inside_another_word_does_not_trigger_a_risk() -> None:
    """排行 in 已排行程 (a worker's booked schedule) is no ranking list."""
    args = (*DELIVERY["args"][:4], "结合保洁师的位置和已排行程计算匹配分并派单")
    assert "hotlist_manipulation" not in _names(_product(*args, **DELIVERY["kwargs"]))


def test_risk_text_quotes_the_pipeline_step_where_it_arises() -> None:
    facts = facts_with()
    text = draft_section(facts, "risk_assessment")
    assert "调用第三方大模型接口生成文本" in text  # the third-party model risk arises at this step


def test_controls_answer_each_risk_with_verified_duty(registry) -> None:  # noqa: ANN001
    facts = facts_with()
    text = draft_section(facts, "risk_controls")
    for risk in applicable_risks(facts):
        assert risk.name in text
    results = verify_text(text, registry)
    assert results and all(r.ok for r in results)


def test_conclusion_is_not_controllable_while_a_control_is_missing() -> None:
    complete = draft_section(facts_with(), "conclusion")
    assert "风险可控" in complete and "不能认定为可控" not in complete

    def remove(data: dict[str, Any]) -> None:
        data["safety"].pop("output_review")

    partial = facts_with(remove)
    text = draft_section(partial, "conclusion")
    assert "评估结论为风险可控" not in text and "不作出风险可控的结论" in text
    assert any(m.endswith("（safety.output_review）") for m in markers(text))


def test_missing_type_specific_control_becomes_a_marker_in_controls() -> None:
    def push_without_diversity(data: dict[str, Any]) -> None:
        as_push(data)
        data["personalization"].pop("diversity")

    drafts = draft_all(facts_with(push_without_diversity))
    assert any("personalization.diversity" in m for m in markers(drafts["risk_controls"]))
    assert "不作出风险可控的结论" in drafts["conclusion"]


def test_risks_citing_type_scoped_regulations_apply_only_to_those_types() -> None:
    from assistant.corpus.citations import alias_data

    scoped = alias_data().get("scoped", {})
    for risk in load_register().risks:
        types = scoped.get(risk.article.title)
        if not types:
            continue
        assert risk.when, f"{risk.id} cites {risk.article.citation} but applies to every type"
        for condition in risk.when:
            assert condition.types and set(condition.types) <= set(types), risk.id


@pytest.mark.parametrize("as_type", [None, as_push], ids=["generation", "push"])
def test_systems_watch_and_handle_this_products_risks_only(as_type) -> None:  # noqa: ANN001
    facts = facts_with(as_type)
    text = draft_section(facts, "systems")
    risks = applicable_risks(facts)
    fields = ("monitor", "incident", "violation")
    own = {p for r in risks for field in fields for p in r.clauses(field, facts)}
    for risk in risks:
        assert risk.clauses("monitor", facts) and all(p in text for p in risk.clauses("monitor", facts))
        assert all(p in text for p in risk.clauses("incident", facts) + risk.clauses("violation", facts))
    for risk in load_register().risks:
        for phrase in [p for field in fields for p in risk.phrasings(field)]:
            if phrase not in own:
                assert phrase not in text, f"{risk.id}: “{phrase}” does not apply but is in 制度建设"


def _with_pipeline(steps: list[str]) -> Any:
    return facts_with(lambda data: data["algorithm"].update(pipeline=steps))


def test_a_risk_is_written_from_how_this_product_works() -> None:
    """The same register risk reads differently for products that work differently: a clause is said only
    when its condition holds for this product's facts, and the generic clause only when no specific one does."""
    base = ["用户输入写作主题", "调用第三方大模型接口生成文本", "展示给用户"]
    plain = _with_pipeline(base)
    retrieval = _with_pipeline([*base[:1], "从自有知识库检索相关资料", *base[1:]])
    risk = next(r for r in load_register().risks if r.id == "vuln_text")
    kb = "检索到的知识库条目过时或不相关时，回答会把错误信息说得像有出处一样"
    assert kb in risk.clauses("arises", retrieval) and kb not in risk.clauses("arises", plain)
    assert kb in draft_section(retrieval, "risk_assessment")
    assert kb not in draft_section(plain, "risk_assessment")
    generic, specific = "失实回答集中出现或被转载引发误解", "知识库条目错误导致同一问题的回答成批出错"
    assert risk.clauses("incident", plain) == [generic]
    assert risk.clauses("incident", retrieval) == [specific]


def test_risk_assessment_has_no_fixed_lead_in() -> None:
    text = draft_section(facts_with(), "risk_assessment")
    assert text.startswith("（一）")


def test_conclusion_names_this_products_measures_and_features() -> None:
    facts = facts_with()
    text = draft_section(facts, "conclusion")
    for feature in facts.product.features or []:
        assert f"“{feature.name}”" in text
    assert "变更之日起十个工作日内" in text
    assert facts.safety.output_review.split("，")[0] in text  # the measure in the product's own words


def test_self_assessment_system_states_the_assessment_date_from_the_facts() -> None:
    dated = facts_with(lambda data: data["filing"].update(assessment_date="2025-06-30"))
    assert "本次自评估于2025-06-30完成" in draft_section(dated, "systems")
    assert "本次自评估于" not in draft_section(facts_with(), "systems")
