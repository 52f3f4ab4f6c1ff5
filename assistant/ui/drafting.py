"""起草: the applicable sections with their status; one-click drafting per section and 全部起草 with progress
and streaming text; edit in place (saved as a new version); versions with a diff; the sources beside the draft.

Facts (and unsaved editor text) are saved before any model call, and each section is saved the moment it is
finished, from the drafting thread, so a refresh or a crash loses nothing."""

from __future__ import annotations

import queue
import re
import threading
import time
from typing import TYPE_CHECKING, Any

import streamlit as st

from assistant import factpath
from assistant.drafting.llm import STREAM_RESET
from assistant.ui import state
from assistant.ui.diffview import diff_html, diff_stats

if TYPE_CHECKING:
    from assistant.facts import Facts
    from assistant.spec import Section
    from assistant.store import Version

MARKER_PATH_RE = re.compile(rf"（({factpath.PATH_PATTERN})）")


def editor_key(project_id: int, section_id: str, version: int) -> str:
    return f"draft.edit.{project_id}.{section_id}.{version}"


def save_pending_edits(project_id: int, section_ids: list[str], drafts: dict[str, Version]) -> None:
    """Unsaved editor text of the sections about to be redrafted becomes a version first."""
    from assistant.store import StaleWrite

    kept = st.session_state.get("kept", {})
    ws = state.workspace()
    for sid in section_ids:
        draft = drafts.get(sid)
        if draft is None:
            continue
        key = editor_key(project_id, sid, draft.version)
        text = st.session_state.get(key, kept.get(key))
        if text is not None and text != draft.text and text.strip():
            record = dict(draft.record or {}, provider="人工编辑", edited=True)
            try:
                ws.save_draft(
                    project_id, sid, text, record, draft.version, author="人工编辑（起草前自动保存）"
                )
            except StaleWrite as exc:
                st.warning(f"章节 {sid} 的未保存修改未能保存：{exc}")
            state.forget(key)


def run_drafting(project_id: int, facts: Facts, keys: list[str] | None, titles: dict[str, str]) -> None:
    """Draft in a worker thread; this (script) thread shows progress and the streamed text."""
    from assistant.drafting.draft import Drafter
    from assistant.drafting.llm import LLMError

    rt = state.runtime()
    ws = state.workspace()
    provider = state.provider()
    try:
        drafter = Drafter(rt, provider, llm=state.make_llm())
    except LLMError as exc:
        st.error(f"无法使用所选模型：{exc}")
        return
    total = len(keys) if keys else len(rt.spec.applicable_sections(facts))
    events: queue.Queue[tuple[Any, ...]] = queue.Queue()

    started_from = {sid: v.version for sid, v in ws.latest_drafts(project_id).items()}

    def on_saved(record: Any) -> None:
        try:
            version = state.save_generated(ws, project_id, record.section, record.text, record.model_dump())
            events.put(("saved", record.section, version, record.text))
            if version - 1 != started_from.get(record.section, 0):
                events.put(
                    (
                        "error",
                        record.section,
                        f"该章节在起草期间被其他会话修改过，新草稿已另存为第 {version} 版；"
                        "之前的修改保留在版本历史中，请在“版本与差异”中核对",
                    )
                )
        except Exception as exc:  # noqa: BLE001 - reported to the user, drafting carries on
            events.put(("error", record.section, f"保存失败：{exc}"))

    def on_token(section_id: str, piece: str) -> None:
        events.put(("token", section_id, piece))

    def work() -> None:
        try:
            records = drafter.draft(facts, keys, on_saved=on_saved, on_token=on_token)
            for record in records.values():
                if record.error:
                    events.put(("error", record.section, record.error))
            events.put(("done",))
        except Exception as exc:  # noqa: BLE001 - shown in Chinese below
            events.put(("failed", exc))

    progress = st.progress(0.0, text=f"准备起草 {total} 个章节……")
    current = st.empty()
    stream = st.empty()
    worker = threading.Thread(target=work, name="beian-drafting", daemon=True)
    worker.start()
    done, saved, errors = False, [], []
    buffers: dict[str, str] = {}
    last_paint = 0.0
    while not done:
        try:
            event = events.get(timeout=0.1)
        except queue.Empty:
            if not worker.is_alive() and events.empty():
                errors.append("起草线程意外结束")
                break
            continue
        kind = event[0]
        if kind == "token":
            # STREAM_RESET (an empty piece) means the model is retrying: drop the failed attempt's text
            buffers[event[1]] = buffers.get(event[1], "") + event[2] if event[2] != STREAM_RESET else ""
            if time.monotonic() - last_paint > 0.15:
                current.markdown(f"正在起草：**{titles.get(event[1], event[1])}**")
                stream.code(buffers[event[1]][-1500:], language=None, wrap_lines=True)
                last_paint = time.monotonic()
        elif kind == "saved":
            saved.append(event[1])
            progress.progress(
                min(1.0, len(saved) / max(total, 1)),
                text=f"已完成 {len(saved)}/{total}：{titles.get(event[1], event[1])}（第 {event[2]} 版已保存）",
            )
            current.markdown(f"已完成：**{titles.get(event[1], event[1])}**")
            stream.code(event[3][:1500], language=None, wrap_lines=True)
        elif kind == "error":
            errors.append(f"{titles.get(event[1], event[1])}：{event[2]}")
        elif kind == "failed":
            errors.append(state.error_text(event[1]))
            done = True
        elif kind == "done":
            done = True
    worker.join(timeout=5)
    summary = f"已起草并保存 {len(saved)} 个章节。" if saved else "没有章节被保存。"
    st.session_state["drafting.flash"] = (summary, errors)
    st.rerun()


def render_sources(section: Section, facts: Facts, record: dict[str, Any]) -> None:
    from assistant.numerals import cn_to_int

    rt = state.runtime()
    st.markdown("##### 依据与范例")
    sources = record.get("sources") or []
    articles = [(s["title"], s["article"]) for s in sources if s.get("kind") == "article"]
    if not articles:
        articles = [(a.title, a.article) for a in section.applicable_articles(facts)]
        if articles:
            st.caption("本章节规范所依据的条文：")
    else:
        st.caption("起草时提供给模型的条文：")
    for title, label in articles:
        article = rt.registry.get(title, cn_to_int(label[1:-1]))
        with st.expander(f"《{title}》{label}"):
            st.write(article.text if article else "（语料库中没有该条文的原文）")
    for name in section.title_only:
        st.caption(f"《{name}》：原文不在语料库中，仅按标题引用，无法在语料库中核实。")
    exemplar_ids = [s.get("filing_id") for s in sources if s.get("kind") == "exemplar" and s.get("filing_id")]
    docs = [rt.library.by_id[i] for i in exemplar_ids if i in rt.library.by_id]
    if not docs:
        candidates = [d for d in rt.library.docs if section.id in d.sections]
        same_type = [d for d in candidates if d.meta.get("algorithm_type") == facts.algorithm_type]
        docs = (same_type or candidates)[:2]
        if docs:
            st.caption("往期备案中同一章节的写法（已匿名化，仅供参考结构，不得照抄事实）：")
    else:
        st.caption("起草时参考的往期备案范例：")
    for doc in docs:
        with st.expander(f"范例：{doc.id}（{doc.meta.get('algorithm_type', '')}）"):
            st.write(doc.sections.get(section.id, ""))
    if not articles and not docs:
        st.caption("本章节没有对应的条文或范例。")


def render_versions(project_id: int, section: Section) -> None:
    history = state.workspace().draft_history(project_id, section.id)
    if len(history) < 2:
        st.caption("只有一个版本，暂无可比较的差异。" if history else "尚无版本。")
        return
    numbers = [v.version for v in history]
    columns = st.columns(2)
    old = columns[0].selectbox(
        "旧版本",
        numbers,
        index=len(numbers) - 2,
        format_func=lambda n: f"第 {n} 版",
        key=f"diff.old.{project_id}.{section.id}",
    )
    new = columns[1].selectbox(
        "新版本",
        numbers,
        index=len(numbers) - 1,
        format_func=lambda n: f"第 {n} 版",
        key=f"diff.new.{project_id}.{section.id}",
    )
    by_number = {v.version: v for v in history}
    a, b = by_number[old], by_number[new]
    added, removed = diff_stats(a.text, b.text)
    st.caption(
        f"第 {old} 版（{a.created}，{(a.record or {}).get('provider', '')}）→ 第 {new} 版（{b.created}，"
        f"{(b.record or {}).get('provider', '')}）：新增 {added} 行，删除 {removed} 行"
    )
    st.html(diff_html(a.text, b.text))


def render_section(
    project_id: int,
    section: Section,
    facts: Facts,
    drafts: dict[str, Version],
    status: str,
    findings: list[Any],
    titles: dict[str, str],
) -> None:
    from assistant.checking.matching import markers
    from assistant.facts import label_for
    from assistant.store import StaleWrite

    rt = state.runtime()
    document = rt.spec.document(section.document).title
    st.subheader(section.title)
    st.markdown(
        f"{state.status_badge(status)}　所属文档：《{document}》"
        + (f" · {section.part}" if section.part else "")
    )
    draft = drafts.get(section.id)
    main, side = st.columns([2.2, 1])
    with main:
        label = "重新起草本章节" if draft else "起草本章节"
        if st.button(label, type="primary", key=f"draft.one.{section.id}", icon=":material/bolt:"):
            save_pending_edits(project_id, [section.id], drafts)
            saved_facts = state.ensure_saved(project_id, "起草")
            if saved_facts is not None:
                run_drafting(project_id, saved_facts, [section.id], titles)
        if draft is None:
            st.info("本章节尚未起草。点击「起草本章节」，或在上方「全部起草」。")
        else:
            record = draft.record or {}
            st.caption(
                f"第 {draft.version} 版 · {draft.created} · 起草方式：{record.get('provider', '')}"
                + (f" · {record['model']}" if record.get("model") else "")
                + (" · 需人工复核" if record.get("needs_review") else "")
            )
            key = state.keep(editor_key(project_id, section.id, draft.version), draft.text)
            text = st.text_area("草稿（可直接修改）", key=key, height=420)
            state.remember(key)
            changed = text != draft.text
            columns = st.columns([2, 1.3, 2])
            if columns[0].button(
                "保存修改为新版本",
                key=f"draft.save.{section.id}",
                disabled=not changed,
                icon=":material/save:",
            ):
                record = dict(record, provider="人工编辑", edited=True)
                try:
                    number = state.workspace().save_draft(
                        project_id, section.id, text, record, draft.version, author="人工编辑"
                    )
                except StaleWrite as exc:
                    st.error(str(exc) + " 您的修改仍保留在编辑框中。")
                else:
                    state.forget(key)
                    st.session_state["drafting.flash"] = (f"「{section.title}」已保存为第 {number} 版。", [])
                    st.rerun()
            if changed and columns[1].button("撤销修改", key=f"draft.revert.{section.id}"):
                state.forget(key)
                st.rerun()
            if changed:
                columns[2].caption(":material/edit: 有未保存的修改")
            pending = markers(draft.text)
            if pending:
                st.markdown(f"**待补充 {len(pending)} 处**（在事实文件中补充后重新起草）：")
                for index, marker in enumerate(dict.fromkeys(pending)):
                    match = MARKER_PATH_RE.search(marker)
                    if match and st.button(
                        f"补充：{label_for(match.group(1))}", key=f"marker.{section.id}.{index}"
                    ):
                        state.goto_field(match.group(1))
                    elif not match:
                        st.markdown(f"- {marker}")
            if findings:
                st.markdown("**本章节的检查结果**")
                for finding in findings:
                    color = "red" if finding.blocking else "orange"
                    icon = "阻断" if finding.blocking else "提示"
                    st.markdown(f":{color}[**{icon}** {finding.title}：{finding.message}]")
            with st.expander("版本与差异"):
                render_versions(project_id, section)
    with side:
        render_sources(section, facts, (draft.record or {}) if draft else {})


def render() -> None:
    project_id, flash = state.project_page("起草", "drafting.flash")
    if project_id is None:
        return
    if flash:
        st.success(flash[0])
        for error in flash[1]:
            st.error(f"起草失败：{error}")
    current = state.current_facts(project_id)
    if current is None:
        return
    version, facts = current
    rt = state.runtime()
    sections = rt.spec.applicable_sections(facts)
    titles = {s.id: s.title for s in sections}
    drafts = state.latest_drafts(project_id)
    report = state.check_report(project_id, facts, drafts, version.version)
    statuses = {s.id: state.section_status(s, drafts, report) for s in sections}
    counts = {name: sum(1 for v in statuses.values() if v == name) for name in state.STATUS_ICONS}
    st.caption(
        f"{state.project_name(project_id)} · 事实文件第 {version.version} 版 · {facts.role} · {facts.algorithm_type} · "
        f"适用 {len(sections)} 个章节：" + "，".join(f"{name} {n}" for name, n in counts.items())
    )
    if state.unsaved(project_id):
        st.info("「项目」页有未保存的事实修改；起草前会先自动保存为新版本。")

    top = st.columns([1, 1, 3])
    if top[0].button("全部起草", type="primary", key="draft.all", icon=":material/auto_awesome:"):
        save_pending_edits(project_id, list(titles), drafts)
        saved_facts = state.ensure_saved(project_id, "起草")
        if saved_facts is not None:
            run_drafting(project_id, saved_facts, None, titles)
    todo = [sid for sid, status in statuses.items() if status != "通过"]
    if top[1].button(f"起草未通过的章节（{len(todo)}）", key="draft.todo", disabled=not todo):
        save_pending_edits(project_id, todo, drafts)
        saved_facts = state.ensure_saved(project_id, "起草")
        if saved_facts is not None:
            run_drafting(project_id, saved_facts, todo, titles)

    nav = st.session_state.pop("nav.section", None) or state.url_section()
    if nav in titles and nav != st.session_state.get("draft.section.last"):
        st.session_state["draft.section"] = nav
    if st.session_state.get("draft.section") not in titles:
        last = st.session_state.get("draft.section.last")
        st.session_state["draft.section"] = last if last in titles else sections[0].id
    left, right = st.columns([1, 3.2])
    with left:
        chosen = st.radio(
            "章节",
            list(titles),
            key="draft.section",
            format_func=lambda sid: f"{state.STATUS_ICONS[statuses[sid]]} {titles[sid]} · {statuses[sid]}",
        )
    st.session_state["draft.section.last"] = chosen
    state.set_url_section(chosen)  # a refresh or a bookmark opens the same section
    with right:
        section = next(s for s in sections if s.id == chosen)
        findings = [f for f in report.for_section(section.id) if f.check != "completeness"]
        render_section(project_id, section, facts, drafts, statuses[section.id], findings, titles)


if __name__ == "__main__":
    render()
