from __future__ import annotations

import re

import pytest

from assistant.facts import FactsError, credit_code_problem, date_problem, load_facts, load_facts_text
from tests.conftest import EXAMPLE_FACTS, ROOT

SHARED_EXAMPLE = ROOT.parent / "shared" / "spec" / "facts-example.yaml"


def test_example_loads_unchanged() -> None:
    facts = load_facts(EXAMPLE_FACTS)
    assert facts.filing.algorithm_name == "灵犀文本生成算法"
    assert facts.product.launch_date == "2025-06-01"
    assert facts.models[0].algorithm_filing_number == "网信算备110108000000001240001号"
    assert facts.safety.complaint.feedback_deadline == "自受理之日起 7 个工作日内"
    assert facts.organization.staff_count == "18"
    assert facts.get("algorithm.models[1].provenance") == "自研"


@pytest.mark.skipif(not SHARED_EXAMPLE.exists(), reason="shared/ not beside the checkout")
def test_fixture_is_the_shared_contract() -> None:
    assert EXAMPLE_FACTS.read_bytes() == SHARED_EXAMPLE.read_bytes()


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2025年6月1日", "2025-06-01"),
        ("2025/6/1", "2025-06-01"),
        ("2025.06.01", "2025-06-01"),
        ("未上线", "未上线"),
        ("2025年2月30日", "2025年2月30日"),
        ("2025年6月", "2025年6月"),
    ],
)
def test_launch_date_written_as_a_date_is_read_as_one(written: str, stored: str) -> None:
    facts = load_facts_text(f"product:\n  launch_date: {written}\n")
    assert facts.product.launch_date == stored
    assert (date_problem(stored) is None) == (stored in ("2025-06-01", "未上线"))


def test_partial_facts_load() -> None:
    facts = load_facts_text("filing:\n  role: 服务提供者\nproduct:\n  name: 测试产品\n")
    assert facts.product.name == "测试产品"
    assert facts.algorithm.models is None
    assert facts.models == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("product: [1, 2]", "字段 product：应为键值映射"),
        ("product:\n  forms: App\n", "字段 product.forms：应为列表"),
        (
            "filing:\n  public_opinion_attribute: maybe\n",
            "filing.public_opinion_attribute：应为 true 或 false",
        ),
        ("algorithm:\n  models:\n    - name: [a]\n", "algorithm.models[0].name：应为文本"),
        ("a: [", "第 1 行第 5 列不是有效的 YAML"),
        ("- 1\n- 2\n", "顶层应为键值映射"),
    ],
)
def test_structural_errors_name_the_key_path(text: str, expected: str) -> None:
    with pytest.raises(FactsError) as info:
        load_facts_text(text)
    assert any(expected in problem for problem in info.value.problems), info.value.problems


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91330106MA2H7K3M8A", None),
        ("91330106MA2H7K3M8B", "第 18 位校验码应为 A"),
        ("91330106MA2H7K3M8", "应为 18 位"),
        ("91330106MA2H7K3MIA", "不允许的字符"),
        ("9133A106MA2H7K3M86", "行政区划码应为 6 位数字"),  # check characters valid, a letter in the region
        ("N1330106MA2H7K3M8W", None),  # registration authority N (农业): a letter may lead
        ("Y1330106MA2H7K3M8L", None),  # Y (其他)
    ],
)
def test_credit_code_check_digit(code: str, problem: str | None) -> None:
    result = credit_code_problem(code)
    assert (result is None) if problem is None else (problem in result)


# --- the facts schema -------------------------------------------------------------------------------------


def test_every_field_of_the_model_has_a_label_and_a_known_widget() -> None:
    from assistant.facts import WIDGETS, field_specs, label_for

    specs = field_specs()
    assert {"filing.algorithm_type", "algorithm.models.provenance", "biometric.tool_assessment"} <= set(specs)
    for path, spec in specs.items():
        assert spec.label and spec.label != path, path
        assert spec.widget in (*WIDGETS, "group", "items"), path
        assert spec.choices == () or spec.widget in ("enum", "multi"), path
    # concrete paths (list positions) share the label of their list field
    assert label_for("algorithm.models[1].llm_filing_number") == "大模型备案号或上线编号"
    assert label_for("no.such.key") == "no.such.key"


def test_enumerations_come_from_the_model_and_include_the_new_types() -> None:
    from assistant.facts import ALGORITHM_TYPES, Filing

    declared = Filing.model_fields["algorithm_type"].json_schema_extra["choices"]
    assert tuple(declared) == ALGORITHM_TYPES
    assert {"信息检索类", "内容过滤类", "检索过滤类"} <= set(ALGORITHM_TYPES)


def test_new_types_get_the_obligations_of_their_umbrella() -> None:
    from assistant.facts import parse_facts, type_family
    from assistant.spec import load_spec

    assert type_family("信息检索类") == type_family("内容过滤类") == "检索过滤类"
    assert type_family("生成合成类") == "生成合成类"
    spec = load_spec()
    umbrella = parse_facts({"filing": {"role": "服务提供者", "algorithm_type": "检索过滤类"}})
    search = parse_facts({"filing": {"role": "服务提供者", "algorithm_type": "信息检索类"}})
    for section in spec.sections:
        assert section.applies(search) == section.applies(umbrella)
        assert [e.id for e in section.applicable_elements(search)] == [
            e.id for e in section.applicable_elements(umbrella)
        ]
    assert "ctl_rank_rules" in [e.id for e in spec.section("risk_controls").applicable_elements(search)]
    # a content filter shares the umbrella's duties except those about search results
    content_filter = parse_facts({"filing": {"role": "服务提供者", "algorithm_type": "内容过滤类"}})
    for section in spec.sections:
        ids = {e.id for e in section.applicable_elements(content_filter)}
        assert ids <= {e.id for e in section.applicable_elements(umbrella)}
        assert not {i for i in ids if i.startswith("ctl_rank_")}
    generative = parse_facts({"filing": {"role": "服务提供者", "algorithm_type": "生成合成类"}})
    assert "ctl_rank_rules" not in [
        e.id for e in spec.section("risk_controls").applicable_elements(generative)
    ]


def _restrict(data: object, schema: dict) -> object:
    """The part of `data` a closed group schema describes."""
    if "anyOf" in schema:
        return data if isinstance(data, str) else _restrict(data, schema["anyOf"][1])
    if schema.get("type") == "array" and isinstance(data, list):
        return [_restrict(item, schema["items"]) for item in data]
    if schema.get("type") == "object" and isinstance(data, dict):
        kept = {
            k: _restrict(v, schema["properties"][k]) for k, v in data.items() if k in schema["properties"]
        }
        return {k: v for k, v in kept.items() if v != {}}
    return data


def test_group_schemas_accept_the_example_and_enforce_enumerations() -> None:
    import jsonschema

    from assistant.facts import FACT_GROUPS, group_schema

    example = load_facts(EXAMPLE_FACTS).as_dict()
    for group in FACT_GROUPS:
        schema = group_schema(group.name)
        jsonschema.validate(_restrict(example, schema), schema)
    filing = group_schema("filing")
    assert filing["properties"]["filing"]["properties"]["algorithm_type"]["enum"][3:5] == [
        "信息检索类",
        "内容过滤类",
    ]
    assert (
        "统一社会信用代码"
        in group_schema("entity")["properties"]["entity"]["properties"]["credit_code"]["description"]
    )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"filing": {"algorithm_type": "推荐类"}}, filing)
    with pytest.raises(jsonschema.ValidationError):  # closed objects: no invented keys
        jsonschema.validate({"product": {"features": [{"price": "1"}]}}, group_schema("features"))
    models = group_schema("models")["properties"]["algorithm"]["properties"]
    assert set(models) == {"models"}  # the models group holds the models only; `algorithm` holds the rest
    assert "models" not in group_schema("algorithm")["properties"]["algorithm"]["properties"]


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("filing:\n  algorithm_name: 甲\n  role: [服务提供者\n\nproduct:\n  name: 乙\n", 3, 9, "方括号"),
        ('entity:\n  name: "某公司\n  credit_code: x\nproduct: {}\n', 2, 9, "引号没有闭合"),
        ("entity:\n  name: 某公司\n credit_code: x\n", 3, 2, "缩进"),
        ("product:\n\t- name: 乙\n", 2, 1, "制表符"),
        ("entity:\n  name: 某公司: 北京\n", 2, 12, "冒号"),
        ('entity:\n  name: "C:\\dir"\n', 2, 13, "转义"),
    ],
)
def test_yaml_syntax_errors_in_chinese_at_the_real_place(
    text: str, line: int, column: int, words: str
) -> None:
    """The mistake's own line and column (an unclosed quote or bracket where it opens), in Chinese."""
    with pytest.raises(FactsError) as info:
        load_facts_text(text, "上传的事实文件")
    (problem,) = info.value.problems
    assert problem.startswith(f"上传的事实文件 第 {line} 行第 {column} 列不是有效的 YAML："), problem
    assert words in problem and text.splitlines()[line - 1].strip() in problem
    message = problem.split("（该行内容")[0].replace("YAML", "")
    assert not re.search(r"[a-z]{4,}", message), problem  # no PyYAML English left


def test_the_facts_form_is_derived_from_the_schema() -> None:
    from assistant.facts import field_specs
    from assistant.ui import facts_form as ff

    shown: list[str] = []
    for group in ff.GROUPS:
        for item in group.fields:
            if isinstance(item, ff.ListField):
                shown += [f"{item.path}.{f.path}" for f in item.item]
            else:
                shown.append(item.path)
                assert item.kind == field_specs()[item.path].widget
    leaves = [p for p, s in field_specs().items() if s.leaf]
    assert shown == leaves  # every field of the model, once, in the model's order
    assert [g.title for g in ff.GROUPS][:6] == [
        "备案信息",
        "主体信息",
        "产品信息",
        "算法信息",
        "安全措施",
        "算法安全机构",
    ]
    ranking = next(g for g in ff.GROUPS if g.key == "ranking_rules")
    assert ranking.applies is not None
    cases = (
        ("信息检索类", True),
        ("检索过滤类", True),
        ("排序精选类", True),
        ("内容过滤类", False),
        ("生成合成类", False),
    )
    for algorithm_type, shown_for in cases:
        assert ranking.applies({"filing": {"algorithm_type": algorithm_type}}) is shown_for
    # other groups not validating yet do not hide an applicable block
    assert ranking.applies({"filing": {"algorithm_type": "信息检索类"}, "product": {"name": ["甲", "乙"]}})
    systems = next(i for g in ff.GROUPS for i in g.fields if getattr(i, "path", "") == "organization.systems")
    assert isinstance(systems, ff.ListField) and systems.strings
