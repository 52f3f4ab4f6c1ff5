"""检查与导出: the check report grouped by section (per document) and by fact, with Chinese labels, each
finding linked to the facts field or the section that fixes it and a count of distinct problems; export
to .docx (refused while a blocking check fails unless a reason of at least 10 characters is recorded);
download of each document and a zip of all."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from assistant.ui import state

if TYPE_CHECKING:
    from assistant.checking.checks import CheckReport, Finding
    from assistant.facts import Facts
    from assistant.store import Version

OVERRIDE_MIN_CHARS = 10
FACTS_GROUP = "facts"


def export_root(project_id: int) -> Path:
    return state.settings().data_dir / "exports" / f"project-{project_id}"


def latest_export(project_id: int) -> Path | None:
    root = export_root(project_id)
    if not root.exists():
        return None
    runs = sorted((p for p in root.iterdir() if p.is_dir() and any(p.glob("*.docx"))), key=lambda p: p.name)
    return runs[-1] if runs else None


def zip_bytes(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.iterdir()):
            if path.is_file() and path.suffix in (".docx", ".json"):
                archive.write(path, path.name)
    return buffer.getvalue()


def group_by_document(report: CheckReport, facts: Facts) -> dict[str, list[Finding]]:
    """Findings per document of the filing (a finding appears under each document whose sections it
    affects); findings about the facts file alone under FACTS_GROUP."""
    spec = state.runtime().spec
    document_of = {s.id: s.document for s in spec.sections}
    groups: dict[str, list[Finding]] = {d.id: [] for d in spec.applicable_documents(facts)}
    groups[FACTS_GROUP] = []
    for finding in report.findings:
        keys = dict.fromkeys(document_of.get(s, FACTS_GROUP) for s in finding.sections) or {FACTS_GROUP: None}
        for key in keys:
            groups.setdefault(key, []).append(finding)
    return groups


def group_by_fact(report: CheckReport) -> dict[str, list[Finding]]:
    """Findings per fact key path (the first path a finding names); findings about no fact are left out."""
    groups: dict[str, list[Finding]] = {}
    for finding in report.findings:
        if finding.field:
            groups.setdefault(finding.field, []).append(finding)
    return groups


def render_finding(finding: Finding, key: str, titles: dict[str, str], here: str | None = None) -> None:
    """One finding: level, check, message; where it applies in Chinese; a button to the facts field that fixes
    it and one to the section (`here`: the section this listing is under, else the finding's first)."""
    from assistant.checking.checks import fact_label

    text, actions = st.columns([5, 2])
    color = "red" if finding.blocking else "orange"
    where = []
    if finding.paths:
        where.append("字段：" + "、".join(fact_label(p) for p in finding.paths))
    affected = [titles.get(s, s) for s in finding.sections]
    if affected:
        where.append("涉及章节：" + "、".join(affected))
    if finding.basis:
        where.append("依据：" + "、".join(finding.basis[:3]))
    text.markdown(
        f":{color}[**{'阻断' if finding.blocking else '提示'}**] **{finding.title}**　{finding.message}"
        + (f"  \n:gray[{' · '.join(where)}]" if where else "")
    )
    section = here or finding.section
    with actions:
        if finding.field and st.button(
            f"修改事实：{fact_label(finding.field)}", key=f"{key}.field", icon=":material/edit:"
        ):
            state.goto_field(finding.field)
        if (
            section
            and section in titles
            and st.button(
                f"前往章节：{titles[section]}", key=f"{key}.section", icon=":material/arrow_forward:"
            )
        ):
            state.goto_section(section)


def _summary(title: str, findings: list[Finding]) -> tuple[str, str]:
    blocking = sum(f.blocking for f in findings)
    label = (
        f"{title}：{blocking} 项阻断，{len(findings) - blocking} 项提示" if findings else f"{title}：全部通过"
    )
    icon = ":material/block:" if blocking else ":material/warning:" if findings else ":material/check_circle:"
    return label, icon


def render_by_section(report: CheckReport, facts: Facts, titles: dict[str, str]) -> None:
    spec = state.runtime().spec
    document_of = {s.id: s.document for s in spec.sections}
    for doc_id, findings in group_by_document(report, facts).items():
        title = "事实文件" if doc_id == FACTS_GROUP else f"《{spec.document(doc_id).title}》"
        label, icon = _summary(title, findings)
        with st.expander(label, expanded=any(f.blocking for f in findings), icon=icon):
            if not findings:
                st.caption("没有发现问题。")
            for index, finding in enumerate(findings):
                here = next((s for s in finding.sections if document_of.get(s) == doc_id), None)
                render_finding(finding, f"review.doc.{doc_id}.{index}", titles, here)


def render_by_fact(report: CheckReport, titles: dict[str, str]) -> None:
    from assistant.checking.checks import fact_label

    groups = group_by_fact(report)
    if not groups:
        st.caption("没有与事实文件中具体字段有关的问题。")
    for group, (path, findings) in enumerate(groups.items()):
        label, icon = _summary(fact_label(path), findings)
        with st.expander(label, expanded=any(f.blocking for f in findings), icon=icon):
            for index, finding in enumerate(findings):
                render_finding(finding, f"review.fact.{group}.{index}", titles)


def render_report(report: CheckReport, facts: Facts, titles: dict[str, str]) -> None:
    state.lazy_tabs(
        "review.view",
        {
            "按章节": lambda: render_by_section(report, facts, titles),
            "按事实": lambda: render_by_fact(report, titles),
        },
    )


def do_export(
    project_id: int,
    facts: Facts,
    drafts: dict[str, Version],
    report: CheckReport,
    version: int,
    reason: str | None,
) -> None:
    from assistant.output.export import ExportRefused, export_filing

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    out_dir = export_root(project_id) / stamp
    try:
        with st.spinner("正在生成 .docx……"):
            result = export_filing(
                facts, {sid: v.text for sid, v in drafts.items()}, out_dir, report, override_reason=reason
            )
    except ExportRefused as exc:
        st.error(str(exc))
        return
    except ValueError as exc:
        st.error(f"强制导出理由：{exc}")
        return
    record = {
        **result.record,
        "dir": str(out_dir),
        "facts_version": version,
        "drafts": {sid: v.version for sid, v in drafts.items()},
    }
    state.workspace().record_export(project_id, record)
    st.session_state["review.flash"] = (
        f"已导出 {len(result.files)} 个文档" + ("（带草稿标记）" if result.draft_mark else "") + "。"
    )
    st.rerun()


def render_export(
    project_id: int, facts: Facts, drafts: dict[str, Version], report: CheckReport, version: int
) -> None:
    st.subheader("导出")
    blocking = report.blocking
    if not blocking:
        st.success(
            "所有阻断性检查均已通过。"
            + (f"另有 {len(report.warnings)} 项提示，建议处理后再导出。" if report.warnings else "")
        )
        if st.button("导出 .docx", type="primary", key="review.export", icon=":material/description:"):
            do_export(project_id, facts, drafts, report, version, None)
    else:
        st.button(
            "导出 .docx",
            type="primary",
            key="review.export",
            disabled=True,
            icon=":material/description:",
            help="存在阻断性检查未通过，不能导出",
        )
        reasons = "\n".join(f"- {f.title}：{f.message}" for f in blocking[:8])
        more = f"\n- ……另有 {len(blocking) - 8} 项" if len(blocking) > 8 else ""
        st.error(f"导出不可用：{len(blocking)} 项阻断性检查未通过。\n\n{reasons}{more}")
        with st.expander("负责人确认后强制导出"):
            st.markdown(
                "强制导出会在每份文档顶部注明理由和未通过的检查，页眉带红色「草稿」标记，并记入导出记录。"
            )
            key = state.keep(f"review.reason.{project_id}")
            reason = st.text_area(f"强制导出的理由（至少 {OVERRIDE_MIN_CHARS} 个字）", key=key, height=90)
            state.remember(key)
            size = len(reason.strip())
            if size < OVERRIDE_MIN_CHARS:
                st.caption(f"理由当前 {size} 个字，还需 {OVERRIDE_MIN_CHARS - size} 个字。")
            if st.button(
                "记录理由并强制导出",
                key="review.override",
                disabled=size < OVERRIDE_MIN_CHARS,
                icon=":material/warning:",
            ):
                do_export(project_id, facts, drafts, report, version, reason.strip())
    render_downloads(project_id)


def render_downloads(project_id: int) -> None:
    directory = latest_export(project_id)
    if directory is None:
        return
    record: dict[str, Any] = {}
    record_path = directory / "export-record.json"
    if record_path.exists():
        record = json.loads(record_path.read_text(encoding="utf-8"))
    st.markdown(f"##### 最近一次导出（{record.get('exported_at', directory.name)}）")
    if record.get("override"):
        st.warning(f"强制导出，理由：{record['override'].get('reason')}")
    for notice in record.get("notices", []):
        st.warning(notice, icon=":material/warning:")
    files = sorted(directory.glob("*.docx"))
    for index, path in enumerate(files):
        st.download_button(
            f"下载 {path.name}",
            path.read_bytes(),
            file_name=path.name,
            key=f"review.download.{index}",
            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            icon=":material/download:",
        )
    st.download_button(
        "下载全部（.zip）",
        zip_bytes(directory),
        file_name=f"备案材料-{directory.name}.zip",
        mime="application/zip",
        key="review.download.zip",
        type="primary",
        icon=":material/folder_zip:",
    )


def render() -> None:
    project_id, flash = state.project_page("检查与导出", "review.flash")
    if project_id is None:
        return
    if flash:
        st.success(flash)
    view = state.filing_view(project_id)
    if view is None:
        return
    version, facts, sections, titles, drafts, report = view
    if state.unsaved(project_id):
        st.info(f"「项目」页有未保存的事实修改；检查和导出使用已保存的第 {version.version} 版，请先保存。")
    columns = st.columns(5)
    columns[0].metric(
        "问题", report.problem_count(), help="不同问题的个数：缺少的一项事实只计一次，无论影响几个章节"
    )
    columns[1].metric("阻断", len(report.blocking))
    columns[2].metric("提示", len(report.warnings))
    columns[3].metric("已起草章节", f"{len(drafts)}/{len(sections)}")
    columns[4].metric("事实文件版本", f"第 {version.version} 版")
    render_export(project_id, facts, drafts, report, version.version)
    st.subheader("检查报告")
    render_report(report, facts, titles)


if __name__ == "__main__":
    render()
