"""Applicability, not word lists: an element is answered by the facts that speak to it whatever their wording;
facts that cannot apply to the product are not required."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.checking.checks import FindingKind, run_checks
from assistant.config import get_settings
from assistant.corpus.citations import build_registry
from assistant.drafting.template_drafter import draft_all
from tests.helpers import as_push, facts_with

TEEN_MODE = "开启青少年模式后每日使用不超过40分钟，22点至次日6点无法使用，家长可设置可用功能"


@pytest.fixture(scope="module")
def registry():  # noqa: ANN201
    return build_registry(get_settings().regulations_dir)


def _report(facts, registry, drafts=None):  # noqa: ANN001, ANN202
    return run_checks(facts, drafts if drafts is not None else draft_all(facts), registry=registry)


def _minors(data: dict[str, Any], measures: str) -> None:
    data["product"]["minors_allowed"] = True
    data["safety"]["minors"] = measures


def test_minors_measures_answered_by_the_fact_whatever_its_wording(registry) -> None:  # noqa: ANN001
    facts = facts_with(lambda d: _minors(d, TEEN_MODE))
    drafts = draft_all(facts)
    # the section states the fact in its own words and nothing else about minors
    drafts["risk_controls"] = drafts["risk_controls"].replace("未成年人", "用户")
    assert TEEN_MODE in drafts["risk_controls"]
    report = _report(facts, registry, drafts)
    assert not [f for f in report.findings if f.check == "minors_audience"], [
        f.message for f in report.findings
    ]


def test_minors_fact_that_does_not_speak_to_minors_still_blocks(registry) -> None:  # noqa: ANN001
    facts = facts_with(lambda d: _minors(d, "注册时进行实名认证，违规账号予以封禁"))
    drafts = draft_all(facts)
    drafts["risk_controls"] = drafts["risk_controls"].replace("未成年人", "用户")
    assert any(f.check == "minors_audience" for f in _report(facts, registry, drafts).blocking)


def test_no_user_scale_before_launch(registry) -> None:  # noqa: ANN001
    def unlaunched(data: dict[str, Any]) -> None:
        data["product"]["launch_date"] = "未上线"
        data["product"].pop("user_scale")

    facts = facts_with(unlaunched)
    drafts = draft_all(facts)
    report = _report(facts, registry, drafts)
    assert report.passed, [f.message for f in report.blocking]
    assert "尚未上线" in drafts["service"] and "【待补充" not in drafts["service"]
    # once launched, the scale is required again
    launched = facts_with(lambda d: d["product"].pop("user_scale"))
    assert report_paths(_report(launched, registry)) >= {"product.user_scale"}


def report_paths(report) -> set[str]:  # noqa: ANN001
    return {p for f in report.findings if f.kind == FindingKind.MISSING_FACT for p in f.paths}


def test_no_labelling_facts_for_non_generative_types(registry) -> None:  # noqa: ANN001
    facts = facts_with(lambda d: (as_push(d), d["safety"].pop("labeling")))
    report = _report(facts, registry)
    assert not [f for f in report.findings if f.check == "labeling" or "labeling" in " ".join(f.paths)]
    assert "labeling" not in {s for f in report.findings for s in f.sections}


def test_no_third_party_fields_for_self_developed_models(registry) -> None:  # noqa: ANN001
    def self_developed(data: dict[str, Any]) -> None:
        for model in data["algorithm"]["models"]:
            model["provenance"] = "自研"
            for key in ("provider", "algorithm_filing_number", "llm_filing_number", "proof"):
                model.pop(key, None)

    facts = facts_with(self_developed)
    report = _report(facts, registry)
    assert not [f for f in report.findings if f.check == "third_party_model"], [
        f.message for f in report.findings
    ]
    assert not any(p.endswith(("provider", "filing_number", "proof")) for p in report_paths(report))
