"""Template provider: every applicable section for every role and type; markers name exactly the missing facts."""

from __future__ import annotations

import re

import pytest

from assistant.checking.fabrication import FabricationDetector
from assistant.checking.matching import fact_strings, markers
from assistant.config import get_settings
from assistant.corpus.citations import build_registry
from assistant.drafting.template_drafter import draft_all
from assistant.spec import load_spec
from tests.helpers import as_push, as_technical_supporter, facts_with

TYPES = ["生成合成类", "个性化推送类", "排序精选类", "检索过滤类", "调度决策类"]


def _typed(algorithm_type: str):  # noqa: ANN202
    def mutate(data):  # noqa: ANN001, ANN202
        data["filing"]["algorithm_type"] = algorithm_type
        if algorithm_type == "个性化推送类":
            as_push(data)

    return mutate


@pytest.mark.parametrize("algorithm_type", TYPES)
def test_every_applicable_section_is_drafted(algorithm_type: str) -> None:
    facts = facts_with(_typed(algorithm_type))
    drafts = draft_all(facts)
    expected = {s.id for s in load_spec().applicable_sections(facts)}
    assert set(drafts) == expected
    assert all(len(text.strip()) > 40 for text in drafts.values())
    assert ("labeling" in drafts) == (algorithm_type == "生成合成类")


def test_roles_switch_documents() -> None:
    provider = draft_all(facts_with())
    supporter = draft_all(facts_with(as_technical_supporter))
    assert "products" in provider and "service" in provider and "service_mode" not in provider
    assert {"service_mode", "tech_service_info"} <= set(supporter) and "products" not in supporter
    assert "40 家" in supporter["tech_service_info"]


def test_complete_example_has_no_markers() -> None:
    drafts = draft_all(facts_with())
    assert not [m for text in drafts.values() for m in markers(text)]


@pytest.mark.parametrize(
    "removed",
    [
        ["safety.complaint.feedback_deadline"],
        ["safety.labeling.implicit", "algorithm.models[0].llm_filing_number"],
        ["product.user_scale", "organization.staff_count", "safety.rumor_handling"],
    ],
)
def test_removed_facts_become_markers_naming_exactly_them(removed: list[str]) -> None:
    def mutate(data):  # noqa: ANN001, ANN202
        for path in removed:
            parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
            node = data
            for part in parts[:-1]:
                node = node[int(part[1:-1])] if part.startswith("[") else node[part]
            node.pop(parts[-1])

    drafts = draft_all(facts_with(mutate))
    named = {re.search(r"（([^（）]+)）$", m).group(1) for text in drafts.values() for m in markers(text)}
    assert named == set(removed)


def test_example_drafts_contain_no_fabricated_facts() -> None:
    facts = facts_with()
    registry = build_registry(get_settings().regulations_dir)
    detector = FabricationDetector(
        "\n".join(fact_strings(facts.as_dict())), "\n".join(a.text for a in registry.articles())
    )
    found = {sid: detector.scan(text) for sid, text in draft_all(facts).items()}
    assert not {k: v for k, v in found.items() if v}


def test_fabrication_detector_finds_invented_facts() -> None:
    facts = facts_with()
    detector = FabricationDetector("\n".join(fact_strings(facts.as_dict())))
    text = (
        "本产品由杭州灵犀智能科技有限公司运营，合作方上海某某数据有限公司提供数据，于 2024年3月1日 上线，"
        "算法备案号网信算备110108000000000249999号，客服电话 13800138000，官网 https://fake.example.org，"
        "月活跃用户约 8 万，准确率 97%。"
    )
    kinds = {(f.kind, f.value.strip()) for f in detector.scan(text)}
    assert ("机构名称", "合作方上海某某数据有限公司") in kinds or any(
        k == "机构名称" and "上海某某" in v for k, v in kinds
    )
    assert ("备案编号", "网信算备110108000000000249999号") in kinds
    assert ("电话", "13800138000") in kinds
    assert ("数字", "97%") in kinds
    assert any(k == "日期" for k, _ in kinds)
    assert not any("灵犀智能" in v for _, v in kinds) and ("数字", "8") not in kinds


def test_content_filter_is_drafted_as_a_filter_not_a_search() -> None:
    """内容过滤类 keeps the umbrella's shared duties but not the search-ranking ones (rules of result order,
    manipulation of results): its risks are those of a filter."""
    split = draft_all(facts_with(_typed("内容过滤类")))
    umbrella = draft_all(facts_with(_typed("检索过滤类")))
    assert set(split) == set(umbrella)
    assert "ranking_rules" in umbrella["risk_controls"] and "ranking_rules" not in split["risk_controls"]
    assert "排序规则不透明风险" not in split["risk_assessment"]
    assert "过度拦截风险" in split["risk_assessment"] and "过滤漏判风险" in split["risk_assessment"]


def test_search_type_is_drafted_like_its_umbrella() -> None:
    """信息检索类 owes every duty of 检索过滤类; the umbrella (search and/or filtering) adds only the
    filter's own risks to the risk sections."""
    split = draft_all(facts_with(_typed("信息检索类")))
    umbrella = draft_all(facts_with(_typed("检索过滤类")))
    assert set(split) == set(umbrella)
    assert "排序规则不透明风险" in split["risk_assessment"]  # a register risk of 检索过滤类
    assert "ranking_rules.published_rules" in split["risk_controls"]  # its marker: the fact is required
    assert "过度拦截风险" in umbrella["risk_assessment"] and "过度拦截风险" not in split["risk_assessment"]
    assert re.findall(r"ranking_rules\.\w+", split["risk_controls"]) == re.findall(
        r"ranking_rules\.\w+", umbrella["risk_controls"]
    )
    for section_id, text in umbrella.items():
        if "风险" not in text:  # the risk register's sections differ by the filter's own risks
            assert split[section_id] == text.replace("检索过滤类", "信息检索类"), section_id


def test_evidence_list_ties_each_item_to_its_section() -> None:
    from assistant.drafting.evidence import evidence_items

    provider = evidence_items(facts_with())
    by_name = {item.name: item.section_id for item in provider}
    assert by_name["投诉举报入口截图"] == "risk_controls"
    assert by_name["文本生成结果显式标识截图"] == "labeling"  # one per output modality
    assert by_name["与第三方模型提供方的合作协议或接口开通记录（云岫大模型）"] == "algo_model"
    assert by_name["第三方模型提供方的备案公示截图（云岫大模型）"] == "algo_model"
    assert "关闭个性化推荐开关截图" not in by_name
    push = {item.name for item in evidence_items(facts_with(as_push))}
    assert "关闭个性化推荐开关截图" in push and "文本生成结果显式标识截图" not in push
    drafts = draft_all(facts_with())
    assert "投诉举报入口截图" in drafts["other_matters"] and "•" not in "".join(drafts.values())
    assert "《辟谣机制》管理制度文本" in drafts["attachments"]
