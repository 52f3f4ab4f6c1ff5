"""Drafts and their check status: latest versions, the memoised check report and the status of each section
(generated drafts are saved by `Workspace.save_generated_draft`, the path the CLI uses too)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import streamlit as st

from assistant.ui.facts_work import current_facts
from assistant.ui.services import runtime, workspace

if TYPE_CHECKING:
    from assistant.checking.checks import CheckReport
    from assistant.facts import Facts
    from assistant.spec import Section
    from assistant.store import Version


def latest_drafts(project_id: int) -> dict[str, Version]:
    return workspace().latest_drafts(project_id)


def check_report(
    project_id: int, facts: Facts, drafts: dict[str, Version], facts_version: int
) -> CheckReport:
    """The whole filing's check report, memoised per facts version and draft versions."""
    from assistant.checking.checks import run_checks

    key = (project_id, facts_version, tuple(sorted((sid, v.version) for sid, v in drafts.items())))
    memo = st.session_state.setdefault("report_memo", {})
    if memo.get("key") != key:
        rt = runtime()
        texts = {sid: v.text for sid, v in drafts.items()}
        report = run_checks(facts, texts, spec=rt.spec, registry=rt.registry, library=rt.library)
        # key and report together, after the checks: a run interrupted by a rerun (a click while the
        # checks run) must not leave the new key beside the old report
        memo.update(key=key, report=report)
    return memo["report"]


class FilingView(NamedTuple):
    """What the drafting and review pages show of a project: its saved facts, the sections that apply,
    their latest drafts and the check report over them."""

    version: Version
    facts: Facts
    sections: list[Section]
    titles: dict[str, str]
    drafts: dict[str, Version]
    report: CheckReport


def filing_view(project_id: int) -> FilingView | None:
    """The project's filing as of its latest saved facts; None (with a hint shown) when they are unreadable.
    Drafts of sections that no longer apply are left out."""
    current = current_facts(project_id)
    if current is None:
        return None
    version, facts = current
    sections = runtime().spec.applicable_sections(facts)
    titles = {s.id: s.title for s in sections}
    drafts = {sid: v for sid, v in latest_drafts(project_id).items() if sid in titles}
    report = check_report(project_id, facts, drafts, version.version)
    return FilingView(version, facts, sections, titles, drafts, report)


STATUS_COLORS = {"未起草": "gray", "需补充": "orange", "未通过检查": "red", "通过": "green"}
STATUS_ICONS = {name: f":{color}[●]" for name, color in STATUS_COLORS.items()}  # radio labels are Markdown


def section_status(section: Section, drafts: dict[str, Version], report: CheckReport) -> str:
    from assistant.checking.matching import markers

    draft = drafts.get(section.id)
    if draft is None or not draft.text.strip():
        return "未起草"
    if markers(draft.text):
        return "需补充"
    if any(f.blocking and f.check != "completeness" for f in report.for_section(section.id)):
        return "未通过检查"
    return "通过"


def status_badge(status: str) -> str:
    return f":{STATUS_COLORS.get(status, 'gray')}-badge[{status}]"
