"""The export gate: export is refused while a blocking check fails, unless a person gives a reason
(≥ 10 characters). A forced export carries a red 草稿 mark in the page header and the core properties and
a note with the reason at the top of every document; an export whose blocking checks pass carries none
(open warnings are listed in the export record and shown by the CLI and the app, not stamped on the paper)."""

from __future__ import annotations

from assistant.checking.checks import CheckReport, Finding

OVERRIDE_MIN_CHARS = 10


class ExportRefused(Exception):
    """Export refused because blocking checks fail; the message names each failing check in Chinese."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        lines = [f"{i}. {f.title}：{f.message}" for i, f in enumerate(findings, 1)]
        super().__init__(
            f"导出被拒绝：{len(findings)} 项阻断性检查未通过。\n"
            + "\n".join(lines)
            + "\n请修改后重新检查，或由负责人填写理由后人工确认导出。"
        )


def validated_override(report: CheckReport, override_reason: str | None) -> str | None:
    """The override reason when blocking findings exist and a valid reason is given; raises otherwise."""
    if not report.blocking:
        return None
    if override_reason is None:
        raise ExportRefused(report.blocking)
    reason = override_reason.strip()
    if len(reason) < OVERRIDE_MIN_CHARS:
        raise ValueError(
            f"人工确认导出的理由不能少于 {OVERRIDE_MIN_CHARS} 个字（当前 {len(reason)} 个字），"
            "请写明为什么可以在阻断性检查未通过的情况下导出。"
        )
    return reason


def draft_mark(report: CheckReport, overridden: bool) -> str | None:
    """The 草稿 stamp of a forced export; None when the blocking checks pass."""
    if not overridden:
        return None
    parts = [f"{len(report.blocking)} 项阻断性检查经人工确认放行"]
    if report.warnings:
        parts.append(f"尚有 {len(report.warnings)} 项警告未处理")
    return "草稿 — " + "；".join(parts)


def override_note(report: CheckReport, reason: str) -> str:
    return f"本稿在 {len(report.blocking)} 项阻断性检查未通过的情况下经人工确认导出，理由：{reason}"
