"""Structured findings: kind, fact paths, evidence and affected sections are fields that code reads; the
message is for people. One finding per missing fact; Chinese labels in the text report, key paths in JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from assistant.checking.checks import Finding, FindingKind, run_checks
from assistant.cli import main
from assistant.config import get_settings
from assistant.corpus.citations import build_registry
from assistant.drafting.draft import fill_from_template
from assistant.drafting.template_drafter import draft_all
from assistant.spec import load_spec
from tests.helpers import drafted_without, facts_with


@pytest.fixture(scope="module")
def registry():  # noqa: ANN201
    return build_registry(get_settings().regulations_dir)


def test_fabricated_value_and_puffery_are_evidence(registry) -> None:  # noqa: ANN001
    facts = facts_with()
    drafts = draft_all(facts)
    drafts["principle"] += "\n本算法性能行业领先，客服热线 13912345678。"
    report = run_checks(facts, drafts, registry=registry)
    fabricated = [f for f in report.blocking if f.kind == FindingKind.FABRICATED]
    assert any("13912345678" in f.evidence for f in fabricated)
    puffery = [f for f in report.blocking if f.check == "puffery"]
    assert puffery and puffery[0].kind == FindingKind.TEXT_PROBLEM and puffery[0].evidence == ["行业领先"]
    assert all(f.section == "principle" and f.sections == ["principle"] for f in fabricated + puffery)


def test_one_finding_per_missing_fact_listing_every_section(registry) -> None:  # noqa: ANN001
    facts = facts_with(lambda d: d["product"].pop("launch_date"))
    report = run_checks(facts, draft_all(facts), registry=registry)
    about = report.for_path("product.launch_date")
    assert len(about) == 1, [f.message for f in about]
    finding = about[0]
    assert finding.kind == FindingKind.MISSING_FACT and finding.blocking
    assert {"sa_header", "service"} <= set(finding.sections)
    # the drafts' 【待补充】 markers for it are not reported a second time per section
    assert not [f for f in report.findings if f.kind == FindingKind.PLACEHOLDER]
    assert "上线" in finding.message and "product.launch_date" not in finding.message
    assert report.problem_count() == len(report.findings)


def test_repair_fill_reads_evidence_not_message() -> None:
    facts = facts_with()
    section = load_spec().section("principle")
    text = draft_all(facts)["principle"] + "\n另设备用热线 4001234567，欢迎来电。"
    failure = Finding(
        "unsupported_facts",
        True,
        "任意措辞的说明，不含被引用的值",
        section="principle",
        kind=FindingKind.FABRICATED,
        evidence=["4001234567"],
    )
    repaired, filled = fill_from_template(facts, section, text, [failure])
    assert "4001234567" not in repaired and "欢迎来电" not in repaired
    assert any("4001234567" in item for item in filled)


def test_only_text_fixable_findings_go_to_repair() -> None:
    assert not Finding(
        "complaint", True, "…", field="safety.x", kind=FindingKind.MISSING_FACT
    ).fixable_in_text
    assert not Finding("injection", True, "…", field="safety.x", kind=FindingKind.INJECTION).fixable_in_text
    assert Finding("puffery", True, "…", section="principle", kind=FindingKind.TEXT_PROBLEM).fixable_in_text


def test_check_report_text_in_chinese_json_with_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    facts, out = drafted_without(tmp_path, "safety", "complaint", "feedback_deadline")
    capsys.readouterr()
    assert main(["check", str(facts), str(out)]) == 1
    text = capsys.readouterr().out
    assert "投诉举报反馈时限" in text and "safety.complaint" not in text
    # the complaint deadline, and the example's invented third-party number missing from the published lists
    assert "共 2 个问题" in text and "未在已公布清单" in text
    assert main(["check", str(facts), str(out), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    [finding] = [f for f in report["findings"] if "safety.complaint.feedback_deadline" in f["paths"]]
    assert finding["kind"] == "missing_fact" and finding["labels"] == ["投诉举报反馈时限"]
    assert "risk_controls" in finding["sections"]


def _complete_cases() -> list[tuple[str, Path]]:
    gold = Path(__file__).resolve().parents[1] / "eval" / "gold"
    cases = [("fixture", Path(__file__).parent / "fixtures" / "facts-example.yaml")]
    for case in sorted(p for p in gold.iterdir() if (p / "annotations.yaml").exists()):
        if yaml.safe_load((case / "annotations.yaml").read_text(encoding="utf-8")).get("kind") == "complete":
            cases.append((case.name, case / "facts.yaml"))
    return cases


@pytest.mark.parametrize(("name", "path"), _complete_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_complete_filing_drafted_by_the_template_shows_no_warnings(name: str, path: Path) -> None:
    from assistant.checking.checks import FACT_KINDS
    from assistant.facts import load_facts
    from assistant.runtime import Runtime

    rt = Runtime()
    facts = load_facts(path)
    report = run_checks(facts, draft_all(facts), spec=rt.spec, registry=rt.registry, library=rt.library)
    # the cases' filing numbers are invented: the published lists cannot know them (registry_* warnings)
    warnings = [f.message for f in report.warnings if not f.check.startswith("registry_")]
    assert not warnings, warnings
    # what still blocks is in the facts (a system the company has not listed), never in the drafted text
    assert all(f.kind in FACT_KINDS for f in report.blocking), [f.message for f in report.blocking]
