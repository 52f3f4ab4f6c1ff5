"""Drafts and their check status: latest versions, saving a generated draft, the memoised check report and
the status of each section."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

from assistant.ui.services import runtime, workspace

if TYPE_CHECKING:
    from assistant.checking.checks import CheckReport
    from assistant.facts import Facts
    from assistant.spec import Section
    from assistant.store import Version, Workspace


def latest_drafts(project_id: int) -> dict[str, Version]:
    return workspace().latest_drafts(project_id)


def save_generated(ws: Workspace, project_id: int, section: str, text: str, record: dict[str, Any]) -> int:
    """A freshly generated draft is a new version on top of whatever is newest (it is not an edit).
    Takes the workspace explicitly: it is called from the drafting thread."""
    from assistant.store import StaleWrite

    for _ in range(3):
        history = ws.draft_history(project_id, section)
        base = history[-1].version if history else None
        try:
            return ws.save_draft(project_id, section, text, record, base, author="起草")
        except StaleWrite:
            continue
    raise RuntimeError(f"章节 {section} 的草稿保存失败：并发写入冲突，请重试")


def check_report(
    project_id: int, facts: Facts, drafts: dict[str, Version], facts_version: int
) -> CheckReport:
    """The whole filing's check report, memoised per facts version and draft versions."""
    from assistant.checking.checks import run_checks

    key = (project_id, facts_version, tuple(sorted((sid, v.version) for sid, v in drafts.items())))
    memo = st.session_state.setdefault("report_memo", {})
    if memo.get("key") != key:
        rt = runtime()
        memo["key"] = key
        memo["report"] = run_checks(
            facts,
            {sid: v.text for sid, v in drafts.items()},
            spec=rt.spec,
            registry=rt.registry,
            library=rt.library,
        )
    return memo["report"]


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
