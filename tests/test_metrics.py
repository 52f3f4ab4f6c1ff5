"""Each metric of assistant.evaluation.metrics against values computed by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import pytest

from assistant.checking.fabrication import FabricationDetector
from assistant.evaluation import metrics
from tests.conftest import ROOT

GOLD = ROOT / "eval" / "gold"


def approx(value: float) -> object:
    return pytest.approx(value, abs=1e-9)


# --- element coverage ------------------------------------------------------------------------------------


def test_element_coverage_counts_phrases_stated() -> None:
    draft = "本产品调用星衡大模型生成行程，输出经人工复核后发布。"
    # 星衡大模型 ✓, 人工复核 ✓, 目的地知识库 ✗ → 2/3
    assert metrics.element_coverage(draft, ["星衡大模型", "人工复核", "目的地知识库"]) == approx(2 / 3)


def test_element_coverage_tolerates_paraphrase_but_not_a_wrong_number() -> None:
    phrase = "脱敏后的历史订单数据约 30 万条"  # long phrase: numbers exact, ≥ 60 % of content words
    assert metrics.element_coverage("使用约 30 万条脱敏后的历史订单数据训练。", [phrase]) == 1.0
    assert metrics.element_coverage("使用约 31 万条脱敏后的历史订单数据训练。", [phrase]) == 0.0


def test_element_coverage_undefined_without_phrases() -> None:
    assert metrics.element_coverage("任意文本", []) is None


# --- blocking checks ----------------------------------------------------------------------------------


def test_blocking_pass_rate() -> None:
    # a and c have no blocking finding → 2 of 4
    assert metrics.blocking_pass_rate({"a": 0, "b": 2, "c": 0, "d": 1}) == 0.5
    assert metrics.blocking_pass_rate({}) is None


def test_model_kept_rate_counts_llm_sections_only() -> None:
    # 4 LLM sections: 2 model, 1 model+template, 1 fallback → 3/4; template and error sections are not counted
    origins = ["model", "fallback", "template", "model+template", "error", "model"]
    assert metrics.model_kept_rate(origins) == 0.75
    assert metrics.model_kept_rate(["fallback", "fallback"]) == 0.0
    assert metrics.model_kept_rate(["template", "template"]) is None


# --- markers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("algorithm.models[0].proof", "algorithm.models[].proof"),
        ("algorithm.models.1.proof", "algorithm.models[].proof"),
        ("algorithm.models[*].proof", "algorithm.models[].proof"),
        (" safety.complaint.feedback_deadline ", "safety.complaint.feedback_deadline"),
    ],
)
def test_normalize_path_drops_list_indices(raw: str, expected: str) -> None:
    assert metrics.normalize_path(raw) == expected


def test_marker_paths_reads_the_path_in_parentheses() -> None:
    text = "甲【待补充：第三方模型使用证明（algorithm.models[0].proof）】乙【待补充：说明】丙【待补充: 时限 (safety.x)】"
    assert metrics.marker_paths(text) == ["algorithm.models[].proof", "", "safety.x"]


def test_marker_score_precision_and_recall() -> None:
    texts = [
        "【待补充：甲（safety.a）】【待补充：乙（safety.b）】",
        "【待补充：没有路径】【待补充：甲（safety.a）】",
    ]
    score = metrics.marker_score(texts, ["safety.a", "safety.c"])
    # named {safety.a, safety.b} + 1 nameless = 3 marked; safety.a is the one true positive; 2 really missing
    assert (score.true_positives, score.marked, score.missing) == (1, 3, 2)
    assert score.precision == approx(1 / 3)
    assert score.recall == 0.5


def test_marker_score_normalises_list_indices() -> None:
    score = metrics.marker_score(
        ["【待补充：证明（algorithm.models[1].proof）】"], ["algorithm.models[0].proof"]
    )
    assert (score.precision, score.recall) == (1.0, 1.0)


def test_marker_score_undefined_parts() -> None:
    score = metrics.marker_score(["没有标记"], [])
    assert score.precision is None and score.recall is None


# --- fabricated facts -----------------------------------------------------------------------------------


def test_fabricated_facts_lists_unsupported_numbers_and_dates() -> None:
    detector = FabricationDetector("用户规模约 50 万，客服电话 400-8812-667", "")
    draft = "用户规模约 50 万，另有 120 名审核员，电话 400-8812-667，于 2024年3月6日上线。"
    # 50 and the phone number are in the facts; the date and 120 are not
    assert metrics.fabricated_facts(draft, detector) == ["日期：2024年3月6日", "数字：120"]


def test_numbers_of_adjacent_fact_values_stay_apart() -> None:
    # one fact value ends in a digit, the next starts with one: "-2" must stay a 2, not become "22023"
    detector = FabricationDetector("\n".join(["沪ICP备2023098765号-2", "2023-03-15"]))
    assert metrics.fabricated_facts("备案号为沪ICP备2023098765号-2，2023年3月15日上线。", detector) == []
    assert metrics.fabricated_facts("共 22023 条。", detector) == ["数字：22023"]


def test_fabricated_facts_none_for_a_faithful_draft() -> None:
    detector = FabricationDetector("用户规模约 50 万", "《规定》第十条 网络日志留存不少于六个月")
    assert metrics.fabricated_facts("用户规模约 50 万。", detector) == []


# --- citations ------------------------------------------------------------------------------------------


def test_citation_validity() -> None:
    assert metrics.citation_validity([True, False, True, True]) == 0.75
    assert metrics.citation_validity([]) is None


def test_citation_validity_of_verified_citations() -> None:
    from assistant.corpus.citations import verify_text
    from assistant.runtime import Runtime

    registry = Runtime().registry
    text = "依据《互联网信息服务算法推荐管理规定》第二十四条办理备案；另见《互联网信息服务算法推荐管理规定》第九十九条。"
    results = [v.ok for v in verify_text(text, registry)]
    assert results == [True, False]  # the regulation has 35 articles
    assert metrics.citation_validity(results) == 0.5


# --- consistency ----------------------------------------------------------------------------------------


def test_consistency_rate_counts_sections_with_identity_or_numeric_findings() -> None:
    findings = [
        {"check": "identity", "section": "a"},
        {"check": "hygiene", "section": "b"},
        {"check": "numeric_consistency", "section": "c"},
        {"check": "identity", "section": "c"},
    ]
    # a and c are inconsistent; b (a hygiene finding only) and d are not → 2/4
    assert metrics.consistency_rate(findings, ["a", "b", "c", "d"]) == 0.5
    assert metrics.consistency_rate([], []) is None


# --- chrF -----------------------------------------------------------------------------------------------


def test_chrf_hand_computed() -> None:
    # n=1: {a,b,c} vs {a,b,d}: 2 matches → P=R=2/3; n=2: {ab,bc} vs {ab,bd}: P=R=1/2; n=3: 0;
    # n≥4: no n-grams, skipped. P̄=R̄=(2/3+1/2+0)/3=7/18; with P̄=R̄ the F-score is 7/18.
    assert metrics.chrf("abc", "abd") == approx(7 / 18)


def test_chrf_weights_recall_with_beta_2() -> None:
    # n=1: P=2/2, R=2/4; n=2: P=1/1, R=1/3; n=3..6 skipped (hyp too short).
    # P̄=1, R̄=(1/2+1/3)/2=5/12; F2 = 5·P̄·R̄/(4·P̄+R̄) = (25/12)/(53/12) = 25/53
    assert metrics.chrf("ab", "abcd") == approx(25 / 53)
    # the same pair reversed: P̄=5/12, R̄=1 → F2 = (25/12)/(5/3+1) = 25/32 — recall counts more
    assert metrics.chrf("abcd", "ab") == approx(25 / 32)


def test_chrf_bounds_and_whitespace() -> None:
    assert metrics.chrf("算法 备案", "算法备案") == 1.0
    assert metrics.chrf("甲乙丙", "丁戊己") == 0.0
    assert metrics.chrf("", "算法") == 0.0


# --- ROUGE-L --------------------------------------------------------------------------------------------


def test_lcs_length() -> None:
    assert metrics.lcs_length("ABCBDAB", "BDCABA") == 4  # the textbook example (BCBA)
    assert metrics.lcs_length("", "abc") == 0
    assert metrics.lcs_length("算法备案", "算法备案") == 4


def test_lcs_matches_dynamic_programming() -> None:
    import random

    def dp(a: str, b: str) -> int:
        rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
        for i, x in enumerate(a):
            for j, y in enumerate(b):
                rows[i + 1][j + 1] = rows[i][j] + 1 if x == y else max(rows[i][j + 1], rows[i + 1][j])
        return rows[-1][-1]

    rng = random.Random(8)
    for _ in range(200):
        a = "".join(rng.choice("ab算法") for _ in range(rng.randint(0, 25)))
        b = "".join(rng.choice("ab算法") for _ in range(rng.randint(0, 25)))
        assert metrics.lcs_length(a, b) == dp(a, b)


def test_rouge_l_is_unchanged_on_the_gold_texts() -> None:
    """rapidfuzz's LCSseq gives the same ROUGE-L as the project's former bit-parallel LCS (Hyyrö 2004) on
    real section texts: every pair of gold sections with the same id."""

    def former_lcs(a: str, b: str) -> int:
        if not a or not b:
            return 0
        masks: dict[str, int] = {}
        for i, ch in enumerate(a):
            masks[ch] = masks.get(ch, 0) | (1 << i)
        full = (1 << len(a)) - 1
        v = full
        for ch in b:
            u = v & masks.get(ch, 0)
            v = ((v + u) | (v - u)) & full
        return len(a) - v.bit_count()

    texts: dict[str, list[str]] = {}
    for path in sorted(GOLD.glob("*/sections/*.md")):
        texts.setdefault(path.stem, []).append(path.read_text(encoding="utf-8"))
    pairs = [(a, b) for group in texts.values() for a, b in zip(group, group[1:], strict=False)]
    assert len(pairs) > 20
    for a, b in pairs:
        hyp, ref = metrics.strip_ws(a), metrics.strip_ws(b)
        lcs = former_lcs(hyp, ref)
        assert metrics.lcs_length(hyp, ref) == lcs
        assert metrics.rouge_l(a, b) == metrics.f1(lcs / len(hyp), lcs / len(ref))


def test_rouge_l_hand_computed() -> None:
    assert metrics.rouge_l("abcd", "abed") == approx(0.75)  # LCS abd = 3; P = R = 3/4
    # LCS 备案助手 = 4; P = 4/6, R = 4/6
    assert metrics.rouge_l("算法备案助手", "备案助手工具") == approx(2 / 3)
    # LCS 3; P = 3/3, R = 3/6 → F1 = 2·1·0.5/1.5 = 2/3
    assert metrics.rouge_l("甲乙丙", "甲 乙 丙丁戊己") == approx(2 / 3)
    assert metrics.rouge_l("", "甲") == 0.0


# --- length ratio ---------------------------------------------------------------------------------------


def test_length_ratio() -> None:
    assert metrics.length_ratio("一二三 四", "一二三四五六七八") == 0.5  # 4 / 8, whitespace not counted
    assert metrics.length_ratio("一二", "") is None


# --- must_not_mention -----------------------------------------------------------------------------------


def test_forbidden_mentions_case_and_width_insensitive() -> None:
    draft = "本产品已通过ISO/IEC ４２００１认证。"
    assert metrics.forbidden_mentions(draft, ["iso/iec 42001", "国家级可信", "42001"]) == [
        "iso/iec 42001",
        "42001",
    ]
    assert metrics.forbidden_mentions("正常文本", ["国家级可信"]) == []


# --- extracted facts ------------------------------------------------------------------------------------


def test_fact_leaves_normalise_paths_and_booleans() -> None:
    data = {
        "product": {"scenarios": ["甲", "乙"], "minors_allowed": False, "urls": []},
        "filing": {"role": None},
    }
    assert metrics.fact_leaves(data) == [
        ("product.scenarios[]", "甲"),
        ("product.scenarios[]", "乙"),
        ("product.minors_allowed", "false"),
    ]


def test_field_score_hand_computed() -> None:
    gold = {
        "entity": {"name": "上海星衡人工智能有限公司", "credit_code": "91310115MA1K4A7B2X"},
        "product": {"scenarios": ["行程规划", "旅行问答"], "minors_allowed": False},
    }
    predicted = {
        "entity": {"name": "上海星衡人工智能有限公司"},
        "product": {"scenarios": ["旅行问答", "游记生成"], "minors_allowed": True},
    }
    score = metrics.field_score(predicted, gold)
    # gold leaves 5; predicted 4; matched: name, 旅行问答 → 2 (游记生成 absent, minors_allowed wrong)
    assert (score.matched, score.predicted, score.gold) == (2, 4, 5)
    assert score.precision == 0.5
    assert score.recall == 0.4
    assert score.f1 == approx(2 * 0.5 * 0.4 / 0.9)


def test_field_score_value_tolerance() -> None:
    gold = {"algorithm": {"training_data": "脱敏后的历史订单数据约 30 万条"}}
    assert (
        metrics.field_score({"algorithm": {"training_data": "约 30 万条脱敏后的历史订单数据"}}, gold).matched
        == 1
    )
    assert (
        metrics.field_score({"algorithm": {"training_data": "约 31 万条脱敏后的历史订单数据"}}, gold).matched
        == 0
    )
    # a value under another key path does not count
    assert (
        metrics.field_score({"algorithm": {"runtime_data": "脱敏后的历史订单数据约 30 万条"}}, gold).matched
        == 0
    )


def test_field_score_each_gold_leaf_matches_once() -> None:
    gold = {"product": {"scenarios": ["旅行问答"]}}
    score = metrics.field_score({"product": {"scenarios": ["旅行问答", "旅行问答"]}}, gold)
    assert (score.matched, score.precision, score.recall) == (1, 0.5, 1.0)


# --- helpers --------------------------------------------------------------------------------------------


def test_mean_stdev_f1() -> None:
    assert metrics.mean([1.0, None, 3.0]) == 2.0
    assert metrics.mean([None]) is None
    assert metrics.stdev([3.0, 4.0, 5.0]) == 1.0
    assert metrics.stdev([4.0]) == 0.0
    assert metrics.stdev([]) is None
    assert metrics.f1(0.5, 0.4) == approx(0.4 / 0.9)
    assert metrics.f1(None, 1.0) is None
    assert metrics.f1(0.0, 0.0) == 0.0
