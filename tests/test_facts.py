from __future__ import annotations

import pytest

from assistant.facts import FactsError, credit_code_problem, date_problem, load_facts, load_facts_text
from tests.conftest import EXAMPLE_FACTS, ROOT

SHARED_EXAMPLE = ROOT.parent / "shared" / "spec" / "facts-example.yaml"


def test_example_loads_unchanged() -> None:
    facts = load_facts(EXAMPLE_FACTS)
    assert facts.filing.algorithm_name == "灵犀文本生成算法"
    assert facts.product.launch_date == "2025-06-01"
    assert facts.models[0].algorithm_filing_number == "网信算备110108000000000240001号"
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
        ("a: [", "不是有效的 YAML 第 1 行"),
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
    ],
)
def test_credit_code_check_digit(code: str, problem: str | None) -> None:
    result = credit_code_problem(code)
    assert (result is None) if problem is None else (problem in result)
