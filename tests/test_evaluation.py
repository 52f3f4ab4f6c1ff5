"""`beian eval` end to end with the template provider, plus the judge, comparison, leak guard and the gold
validator."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.cli import main
from assistant.config import get_settings
from assistant.drafting.draft import prepare_facts
from assistant.drafting.extract import extract_facts
from assistant.evaluation import gold, judge, metrics, reports, run, scoring
from assistant.facts import load_facts
from assistant.runtime import Runtime
from assistant.spec import load_spec
from tests.conftest import ROOT
from tests.fakes import FakeLLM

GOLD = ROOT / "eval" / "gold"
ADVERSARIAL = sorted(
    p.name
    for p in GOLD.iterdir()
    if "kind: adversarial" in (p / "annotations.yaml").read_text(encoding="utf-8")
)
INCOMPLETE = sorted(
    p.name
    for p in GOLD.iterdir()
    if "kind: incomplete" in (p / "annotations.yaml").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def template_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Two full template runs through the CLI (about 10 s each), in their own data directory."""
    base = tmp_path_factory.mktemp("eval")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BEIAN_DATA_DIR", str(base / "data"))
        mp.setenv("BEIAN_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
        mp.chdir(base)
        get_settings.cache_clear()
        outputs = []
        for name in ("a", "b"):
            code, stdout = _run_cli(["eval", str(GOLD), "--provider", "template", "-o", str(base / name)])
            assert code == 0
            outputs.append(stdout)
        code, compared = _run_cli(
            ["eval", "--compare", str(base / "a" / "report.json"), str(base / "b" / "report.json")]
        )
        assert code == 0
        runs = evaluation_runs(get_settings().workspace_url)
        get_settings.cache_clear()
    yield {
        "dirs": [base / "a", base / "b"],
        "stdout": outputs,
        "compare": compared,
        "runs": runs,
        "reports": [json.loads((base / n / "report.json").read_text(encoding="utf-8")) for n in ("a", "b")],
    }


def _run_cli(argv: list[str]) -> tuple[int, str]:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(argv)
    return code, buffer.getvalue()


def evaluation_runs(url: str) -> list[dict[str, Any]]:
    from assistant.store import Workspace

    return Workspace(url).eval_runs()


# --- end to end --------------------------------------------------------------------------------------------


def test_report_files_exist(template_runs: dict[str, Any]) -> None:
    for directory in template_runs["dirs"]:
        for name in ("report.json", "report.md", "report.html"):
            assert (directory / name).stat().st_size > 1000


def test_stdout_prints_the_metrics_table(template_runs: dict[str, Any]) -> None:
    stdout = template_runs["stdout"][0]
    for name, label in scoring.METRICS:
        assert name in stdout and label in stdout


def test_json_has_every_metric_for_every_case_and_section(template_runs: dict[str, Any]) -> None:
    report = template_runs["reports"][0]
    assert [row["name"] for row in report["summary"]] == [name for name, _ in scoring.METRICS]
    assert len(report["cases"]) == 13
    for case in report["cases"]:
        gold_sections = {p.stem for p in (GOLD / case["case"] / "sections").glob("*.md")}
        assert {s["section"] for s in case["sections"]} == gold_sections
        for section in case["sections"]:
            for key in (
                "coverage",
                "blocking",
                "fabricated",
                "citation_validity",
                "inconsistent",
                "chrf",
                "rouge_l",
                "length_ratio",
                "forbidden",
                "markers",
            ):
                assert key in section
    summary = {row["name"]: row for row in report["summary"]}
    assert summary["element_coverage"]["n"] == 151
    assert 0.3 < summary["element_coverage"]["value"] < 1.0
    assert 0.2 < summary["chrf"]["value"] < 1.0
    assert summary["facts_f1"]["value"] is None  # template: no fact extraction
    assert "未评估" in report["meta"]["facts_extraction"]


def test_two_runs_are_identical(template_runs: dict[str, Any]) -> None:
    a, b = template_runs["reports"]
    for key in ("summary", "sections", "cases"):
        assert a[key] == b[key]


def test_compare_prints_zero_deltas_for_identical_runs(template_runs: dict[str, Any]) -> None:
    compared = template_runs["compare"]
    assert "要素覆盖率" in compared and "+0.000" in compared
    rows = reports.compare(*template_runs["reports"])
    assert all(r["delta"] in (None, 0, 0.0) for r in rows)


def test_runs_are_stored_in_the_workspace(template_runs: dict[str, Any]) -> None:
    runs = template_runs["runs"]
    assert len(runs) == 2
    assert runs[0]["label"].startswith("template gold")
    assert runs[0]["report"]["summary"] == template_runs["reports"][1]["summary"]


@pytest.mark.parametrize("case", INCOMPLETE)
def test_incomplete_cases_mark_every_missing_fact(template_runs: dict[str, Any], case: str) -> None:
    scored = next(c for c in template_runs["reports"][0]["cases"] if c["case"] == case)
    assert scored["marker"]["missing"] >= 1
    assert scored["marker"]["recall"] == 1.0
    assert scored["marker"]["precision"] == 1.0


@pytest.mark.parametrize("case", ADVERSARIAL)
def test_adversarial_cases_have_no_forbidden_mentions(template_runs: dict[str, Any], case: str) -> None:
    scored = next(c for c in template_runs["reports"][0]["cases"] if c["case"] == case)
    assert scored["summary"]["must_not_mention_violations"] == 0, [s["forbidden"] for s in scored["sections"]]


def test_html_report_is_self_contained_with_svg_charts(template_runs: dict[str, Any]) -> None:
    page = (template_runs["dirs"][0] / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 4
    assert "<script" not in page and "@import" not in page and "url(" not in page
    assert not re.search(r"(src|href)\s*=", page)  # nothing loaded from anywhere: no network, no CDN
    markdown = (template_runs["dirs"][0] / "report.md").read_text(encoding="utf-8")
    assert "## 总体指标" in markdown and "| 要素覆盖率 |" in markdown


# --- evaluate() pieces ------------------------------------------------------------------------------------


def test_unknown_case_is_a_clear_error() -> None:
    with pytest.raises(gold.EvalError, match="未知的金标准案例"):
        run.evaluate(GOLD, "template", Runtime(), cases=["g99-nope"])


def test_a_case_needs_only_its_facts_and_gold_sections(tmp_path: Path) -> None:
    case_dir = tmp_path / "x01-minimal"
    shutil.copytree(GOLD / "g13-dispatch-errand", case_dir)
    (case_dir / "annotations.yaml").unlink()
    (case_dir / "description.md").unlink()
    case = gold.load_case(case_dir)
    assert (
        case.kind == "complete"
        and case.must_mention == {}
        and case.missing_facts == []
        and case.description == ""
    )
    assert case.sections and case.facts.filing.algorithm_type == "调度决策类"
    (case_dir / "annotations.yaml").write_text("sections: [\n", encoding="utf-8")
    with pytest.raises(gold.EvalError, match="x01-minimal"):
        gold.load_case(case_dir)


def test_gold_case_in_the_filings_corpus_is_refused() -> None:
    rt = Runtime()
    rt.__dict__["library"] = SimpleNamespace(by_id={"g01-gen-sp-text-travel": object(), "f01": object()})
    with pytest.raises(gold.EvalError, match="g01-gen-sp-text-travel"):
        run.evaluate(GOLD, "template", rt, cases=["g01-gen-sp-text-travel"])


def test_no_corpus_filing_has_a_gold_case_id() -> None:
    ids = set(Runtime().library.by_id)
    assert ids and not ids & {p.name for p in GOLD.iterdir()}


def test_exemplar_retrieval_excludes_the_case(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[set[str]] = []
    original = run.Drafter

    class Recording(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            seen.append(set(self.exclude_filings))

    monkeypatch.setattr(run, "Drafter", Recording)
    run.evaluate(GOLD, "template", Runtime(), cases=["g09-push-local-feed"], sections=["principle"])
    assert seen == [{"g09-push-local-feed"}]


def test_section_filter_accepts_chinese_titles() -> None:
    report = run.evaluate(
        GOLD, "template", Runtime(), cases=["g13-dispatch-errand"], sections=["算法基本原理"]
    )
    assert [s.section for s in report.cases[0].sections] == ["principle"]
    rows = {r["name"]: r for r in report.summary_rows()}
    assert rows["element_coverage"]["n"] == 1 and rows["judge_score"]["value"] is None


# --- judge ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"score": 4, "reason": "要素齐全"}', 4.0),
        ('好的：\n```json\n{"score": 3.5, "reason": "一般"}\n```', 3.5),
        ('{"score": 9}', None),
        ('{"score": "五"}', None),
        ('{"score": true}', None),
        ("评分：4 分", None),
        ('{"score": 4', None),
    ],
)
def test_parse_judge(raw: str, expected: float | None) -> None:
    assert judge.parse_judge(raw) == expected


def test_judge_retries_invalid_json_and_counts_missing() -> None:
    replies = [
        "不是 JSON",
        '{"score": 4, "reason": "好"}',  # run 1: retried, then 4
        '{"score": 5, "reason": "很好"}',  # run 2: 5
        "x",
        "y",
        "z",
    ]  # run 3: invalid three times → missing
    llm = FakeLLM(replies=replies)
    rt = Runtime()
    facts = gold.load_case(GOLD / "g13-dispatch-errand").facts
    score = judge.judge_section(llm, rt, facts, "principle", "草稿正文", runs=3)
    assert score.scores == [4.0, 5.0] and score.missing == 1
    summary = score.to_dict()
    assert summary["mean"] == 4.5 and summary["stdev"] == pytest.approx(0.7071, abs=1e-4)
    assert len(llm.calls) == 6


def test_evaluate_with_judge_reports_mean_and_spread() -> None:
    judge = FakeLLM(responder=lambda messages: '{"score": 3, "reason": "可"}')
    report = run.evaluate(
        GOLD,
        "template",
        Runtime(),
        cases=["g13-dispatch-errand"],
        sections=["principle"],
        judge=True,
        judge_runs=2,
        judge_llm=judge,
    )
    rows = {r["name"]: r for r in report.summary_rows()}
    assert (rows["judge_score"]["value"], rows["judge_stdev"]["value"], rows["judge_missing"]["value"]) == (
        3.0,
        0.0,
        0,
    )
    assert len(judge.calls) == 2


# --- fact extraction scoring ------------------------------------------------------------------------------


def test_extract_score_compares_extracted_facts_with_the_case() -> None:
    case = gold.load_case(GOLD / "g13-dispatch-errand")
    extracted = {
        "filing": {"role": "服务提供者", "algorithm_type": "调度决策类"},
        "entity": {"name": case.facts.entity.name},
    }
    score, note = scoring.extract_score(
        case, FakeLLM(responder=lambda m: json.dumps(extracted, ensure_ascii=False)), Runtime()
    )
    assert note == "" and score is not None
    expected = metrics.field_score(extract_facts(case.description, None, load_spec()).facts.as_dict(), {})
    assert score.matched >= 3 and score.predicted >= expected.predicted  # the rules' leaves and the model's
    assert score.precision is not None and score.precision > 0.5 and 0 < score.recall < 0.3


def test_extract_score_failure_counts_as_zero_recall() -> None:
    case = gold.load_case(GOLD / "g13-dispatch-errand")
    score, note = scoring.extract_score(case, FakeLLM(responder=lambda m: "不是 JSON"), Runtime())
    rules_only = scoring.extract_score(case, FakeLLM(responder=lambda m: "{}"), Runtime())[0]
    # the model failed every group: the rules' result is still scored, and the note says what failed
    assert score == rules_only and "组模型抽取失败" in note


def test_extract_score_skips_a_case_without_a_description() -> None:
    case = gold.load_case(GOLD / "g13-dispatch-errand")
    case.description = ""
    llm = FakeLLM(responder=lambda m: "{}")
    assert scoring.extract_score(case, llm, Runtime()) == (None, "无 description.md，未评估抽取")
    assert not llm.calls


# --- compare --------------------------------------------------------------------------------------------


def test_compare_deltas() -> None:
    a = {"summary": [{"name": "chrf", "value": 0.4}, {"name": "facts_f1", "value": None}]}
    b = {"summary": [{"name": "chrf", "value": 0.5}, {"name": "facts_f1", "value": 0.7}]}
    rows = reports.compare(a, b)
    assert rows[0]["metric"] == "chrf" and rows[0]["delta"] == pytest.approx(0.1)
    assert rows[1]["delta"] is None


# --- gold validator -------------------------------------------------------------------------------------


def test_gold_set_validates() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "eval" / "validate_gold.py"), str(GOLD)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "13 cases, 0 errors" in result.stdout


def test_validator_catches_broken_cases(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "eval"))
    import validate_gold

    gold = tmp_path / "gold"
    shutil.copytree(GOLD / "g13-dispatch-errand", gold / "g13-dispatch-errand")
    case = gold / "g13-dispatch-errand"
    facts = (case / "facts.yaml").read_text(encoding="utf-8")
    code = validate_gold.yaml.safe_load(facts)["entity"]["credit_code"]
    broken = code[:-1] + ("0" if code[-1] != "0" else "1")
    (case / "facts.yaml").write_text(facts.replace(code, broken), encoding="utf-8")
    principle = case / "sections" / "principle.md"
    principle.write_text(principle.read_text(encoding="utf-8") + "\n另有 98765 名骑手。\n", encoding="utf-8")
    errors, _ = validate_gold.validate(gold)
    assert any("统一社会信用代码" in e for e in errors)
    assert any("98765" in e for e in errors)


def test_a_failing_model_is_scored_not_fatal() -> None:
    from assistant.drafting.llm import LLMError

    def broken(messages: list[Any]) -> str:
        raise LLMError("模型不可用")

    report = run.evaluate(
        GOLD,
        "fake",
        Runtime(),
        cases=["g13-dispatch-errand"],
        sections=["principle"],
        llm=FakeLLM(responder=broken),
    )
    rows = {r["name"]: r for r in report.summary_rows()}
    assert rows["draft_errors"]["value"] == 1
    assert rows["element_coverage"]["value"] == 0.0 and rows["chrf"]["value"] == 0.0
    # the model's extraction failed too: counted, not skipped; the rules' result is what gets scored
    case = gold.load_gold(GOLD, ["g13-dispatch-errand"])[0]
    rules_only = extract_facts(case.description, None, Runtime().spec).facts.as_dict()
    expected = metrics.field_score(rules_only, prepare_facts(case.facts).facts.as_dict())
    assert rows["facts_recall"]["value"] == pytest.approx(expected.recall)
    assert "组模型抽取失败" in report.cases[0].facts_note


def test_model_kept_rate_tells_a_kept_model_draft_from_a_template_fallback() -> None:
    from assistant.drafting.template_drafter import draft_section

    facts = prepare_facts(load_facts(GOLD / "g13-dispatch-errand" / "facts.yaml")).facts
    passing = draft_section(facts, "principle")  # a "model" that writes a draft passing every check

    def evaluate_with(responder: Any) -> tuple[str, float | None]:
        report = run.evaluate(
            GOLD,
            "fake",
            Runtime(),
            cases=["g13-dispatch-errand"],
            sections=["principle"],
            llm=FakeLLM(responder=responder),
            extract=False,
        )
        rows = {r["name"]: r for r in report.summary_rows()}
        return report.cases[0].sections[0].origin, rows["model_kept_rate"]["value"]

    assert evaluate_with(lambda messages: passing) == ("model", 1.0)
    assert evaluate_with(lambda messages: "好的。") == ("fallback", 0.0)
