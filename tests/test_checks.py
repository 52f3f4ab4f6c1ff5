"""The filing-domain §8 checks: the example passes; each rejection reason is caught."""

from __future__ import annotations

import pytest

from assistant.checking.checks import decide_filings, run_checks
from assistant.config import get_settings
from assistant.corpus.citations import build_registry
from assistant.drafting.template_drafter import draft_all
from tests.helpers import as_push, facts_with


@pytest.fixture(scope="module")
def registry():  # noqa: ANN201
    return build_registry(get_settings().regulations_dir)


def _report(facts, registry, drafts=None):  # noqa: ANN001, ANN202
    return run_checks(facts, drafts if drafts is not None else draft_all(facts), registry=registry)


def test_example_with_template_drafts_passes_every_blocking_check(registry) -> None:  # noqa: ANN001
    facts = facts_with()
    report = _report(facts, registry)
    assert report.passed, [f.message for f in report.blocking]
    # the example's third-party number is invented: the only warning is that the published lists lack it
    others = [f.message for f in report.warnings if f.check != "registry_number"]
    assert not others, others
    assert [f.field for f in report.warnings] == ["algorithm.models[0].algorithm_filing_number"]


def test_missing_complaint_deadline(registry) -> None:  # noqa: ANN001
    facts = facts_with(lambda d: d["safety"]["complaint"].pop("feedback_deadline"))
    report = _report(facts, registry)
    complaint = [f for f in report.blocking if f.check == "complaint"]
    assert complaint and "投诉举报" in complaint[0].message and "反馈时限" in complaint[0].message
    assert complaint[0].field == "safety.complaint.feedback_deadline"


def test_complaint_deadline_absent_from_draft_text(registry) -> None:  # noqa: ANN001
    facts = facts_with()
    drafts = draft_all(facts)
    drafts["risk_controls"] = drafts["risk_controls"].replace("自受理之日起 7 个工作日内", "及时")
    report = _report(facts, registry, drafts)
    assert any(f.check == "complaint" and f.section == "risk_controls" for f in report.blocking)


@pytest.mark.parametrize("key", ["explicit", "implicit"])
def test_generative_output_without_labelling(registry, key: str) -> None:  # noqa: ANN001
    facts = facts_with(lambda d: d["safety"]["labeling"].pop(key))
    report = _report(facts, registry)
    assert any(f.check == "labeling" and f.field == f"safety.labeling.{key}" for f in report.blocking)


def test_explicit_label_without_ai_and_generation_elements(registry) -> None:  # noqa: ANN001
    facts = facts_with(lambda d: d["safety"]["labeling"].__setitem__("explicit", "结果区域显示小图标"))
    assert any(f.check == "labeling" and "人工智能" in f.message for f in _report(facts, registry).blocking)


@pytest.mark.parametrize("key", ["algorithm_filing_number", "llm_filing_number", "provider", "proof"])
def test_third_party_model_without_filing_facts(registry, key: str) -> None:  # noqa: ANN001
    facts = facts_with(lambda d: d["algorithm"]["models"][0].pop(key))
    report = _report(facts, registry)
    assert any(
        f.check == "third_party_model" and f.field == f"algorithm.models[0].{key}" for f in report.blocking
    )


def test_third_party_filing_number_format(registry) -> None:  # noqa: ANN001
    facts = facts_with(
        lambda d: d["algorithm"]["models"][0].__setitem__("algorithm_filing_number", "网信算备12345号")
    )
    # the 21-digit structure is inferred from the published lists: a number that breaks it is a warning that
    # says which digits and why (domain/registry.md), not a block
    report = _report(facts, registry)
    structure = [f for f in report.findings if f.check == "registry_number" and "结构不符" in f.message]
    assert structure and not structure[0].blocking and "共 5 位数字，应为 21 位" in structure[0].message


def test_personalised_push_without_opt_out(registry) -> None:  # noqa: ANN001
    def mutate(d):  # noqa: ANN001, ANN202
        as_push(d)
        d["personalization"].pop("opt_out")

    report = _report(facts_with(mutate), registry)
    assert any(f.check == "type_rights" and f.field == "personalization.opt_out" for f in report.blocking)
    assert _report(facts_with(as_push), registry).passed


def test_minors_allowed_without_minors_measures(registry) -> None:  # noqa: ANN001
    facts = facts_with(lambda d: d["product"].__setitem__("minors_allowed", True))
    report = _report(facts, registry)  # safety.minors still says the product excludes minors
    assert any(f.check == "minors_audience" for f in report.blocking)
    facts = facts_with(
        lambda d: (d["product"].__setitem__("minors_allowed", True), d["safety"].pop("minors"))
    )
    assert any(
        f.check == "minors_audience" and f.field == "safety.minors" for f in _report(facts, registry).blocking
    )


def test_invalid_credit_code(registry) -> None:  # noqa: ANN001
    facts = facts_with(lambda d: d["entity"].__setitem__("credit_code", "91330106MA2H7K3M8B"))
    findings = [f for f in _report(facts, registry).blocking if f.field == "entity.credit_code"]
    assert findings and "校验码" in findings[0].message


@pytest.mark.parametrize(
    ("icp", "valid"), [("鲁ICP备2022037715号-3A", True), ("鲁ICP备2022037715号-3B", False)]
)
def test_app_icp_number_with_its_a_suffix_is_well_formed(registry, icp: str, valid: bool) -> None:  # noqa: ANN001
    facts = facts_with(lambda d: d["product"].__setitem__("icp_number", icp))
    flagged = [f for f in _report(facts, registry).findings if f.field == "product.icp_number"]
    assert not flagged if valid else flagged


def test_product_name_spelt_two_ways(registry) -> None:  # noqa: ANN001
    facts = facts_with()
    drafts = draft_all(facts)
    drafts["purpose"] = drafts["purpose"].replace("灵犀写作助手", "灵犀写作助理", 1)
    report = _report(facts, registry, drafts)
    identity = [f for f in report.blocking if f.check == "identity"]
    assert identity and "灵犀写作助理" in identity[0].message and identity[0].section == "purpose"


def test_a_look_alike_company_stated_in_the_facts_is_not_a_misspelling(registry) -> None:  # noqa: ANN001
    # the filer and its model provider share city and suffix: 北京ABC智能科技有限公司 vs 北京云岫智能科技有限公司
    facts = facts_with(lambda d: d["entity"].update(name="北京ABC智能科技有限公司"))
    drafts = draft_all(facts)
    assert not [f.message for f in _report(facts, registry, drafts).blocking if f.check == "identity"]
    drafts["purpose"] += "\n\n本服务由北京ABD智能科技有限公司运营。"
    identity = [f for f in _report(facts, registry, drafts).blocking if f.check == "identity"]
    assert identity and "北京ABD智能科技有限" in identity[0].message and identity[0].section == "purpose"


def test_leftover_placeholder(registry) -> None:  # noqa: ANN001
    facts = facts_with()
    drafts = draft_all(facts)
    drafts["scenarios"] += "\n\n适用场合：【待补充：适用场合】"
    drafts["mechanism"] += "\n\n联系人：XX"
    drafts["purpose"] += (
        "\n\n合作方统一社会信用代码 91310115MA1K4QXX3B。"  # "XX" inside a code is no placeholder
    )
    report = _report(facts, registry, drafts)
    sections = {f.section for f in report.blocking if f.check == "hygiene"}
    assert sections == {"scenarios", "mechanism"}


def test_citation_of_nonexistent_article(registry) -> None:  # noqa: ANN001
    facts = facts_with()
    drafts = draft_all(facts)
    drafts["conclusion"] += "\n\n依据《互联网信息服务算法推荐管理规定》第九十九条开展评估。"
    report = _report(facts, registry, drafts)
    assert any(f.check == "citations" and "第九十九条" in f.message for f in report.blocking)
    drafts["conclusion"] = drafts["conclusion"].replace("第九十九条", "第二十四条")
    assert _report(facts, registry, drafts).passed


def test_misquoted_article(registry) -> None:  # noqa: ANN001
    facts = facts_with()
    drafts = draft_all(facts)
    drafts["conclusion"] += "\n\n《算法推荐规定》第二十四条规定“应当在变更之日起五个工作日内办理变更手续”。"
    assert any(
        f.check == "citations" and "不符" in f.message for f in _report(facts, registry, drafts).blocking
    )


def test_risk_without_control(registry) -> None:  # noqa: ANN001
    facts = facts_with()
    drafts = draft_all(facts)
    drafts["risk_assessment"] += "\n\n（六）模型幻觉风险\n\n风险描述：模型可能输出与事实不符的内容。"
    report = _report(facts, registry, drafts)
    assert any(f.check == "risk_control" and "模型幻觉" in f.message for f in report.blocking)


@pytest.mark.parametrize(
    ("measures", "addressed"),
    [
        ("数据存放于境内机房，访问分级授权", True),
        ("数据存放于境内机房", False),
    ],
)
def test_data_leak_risk_needs_a_protective_measure(registry, measures: str, addressed: bool) -> None:  # noqa: ANN001
    def change(d: dict) -> None:
        d["safety"]["data_security"] = measures
        d["algorithm"]["personal_information"] = "收集手机号用于实名注册"
        d["organization"]["tech_measures"] = "部署内容安全审核系统"

    facts = facts_with(change)
    leak = [f for f in _report(facts, registry).blocking if f.check == "risk_control" and "泄露" in f.message]
    assert (not leak) == addressed, [f.message for f in leak]


def test_puffery_and_fabricated_numbers(registry) -> None:  # noqa: ANN001
    facts = facts_with()
    drafts = draft_all(facts)
    drafts["principle"] += "\n\n本算法效果行业领先，准确率达 99.5%。"
    report = _report(facts, registry, drafts)
    checks = {f.check for f in report.blocking if f.section == "principle"}
    assert {"puffery", "unsupported_facts"} <= checks


def test_user_scale_inconsistent(registry) -> None:  # noqa: ANN001
    facts = facts_with()
    drafts = draft_all(facts)
    drafts["scenarios"] += "\n\n目前月活跃用户约 20 万。"
    assert any(f.check == "numeric_consistency" for f in _report(facts, registry, drafts).blocking)


def test_log_retention_shorter_than_six_months(registry) -> None:  # noqa: ANN001
    facts = facts_with(lambda d: d["safety"].__setitem__("log_retention", "网络日志留存 3 个月"))
    assert any(f.check == "logs" for f in _report(facts, registry).blocking)


def test_missing_section_blocks(registry) -> None:  # noqa: ANN001
    facts = facts_with()
    drafts = draft_all(facts)
    drafts.pop("labeling")
    assert any(
        f.check == "completeness" and f.section == "labeling"
        for f in _report(facts, registry, drafts).blocking
    )


def test_decision_guide() -> None:
    assert "生成式人工智能服务登记" in decide_filings(facts_with()).filings
    own = facts_with(lambda d: d["algorithm"]["models"][0].__setitem__("provenance", "基于开源模型微调"))
    assert "生成式人工智能服务备案（大模型备案）" in decide_filings(own).filings
    assert decide_filings(facts_with(as_push)).filings == ["算法备案"]
