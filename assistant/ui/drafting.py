"""起草: the applicable sections with their status; one-click drafting per section and 全部起草 with progress
(tokens/s and an estimate while a model streams) and streaming text; a rendered preview and an editor (saved
as a new version); who wrote the text (model, template, or both, per paragraph), the discarded model text,
model, tokens and seconds; the section's logged model calls; versions with a diff; the sources beside it.
Times are shown in the browser's time zone.

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
from assistant.ui.localtime import local_time

if TYPE_CHECKING:
    from assistant.facts import Facts
    from assistant.spec import Section
    from assistant.store import Version

MARKER_PATH_RE = re.compile(rf"（({factpath.PATH_PATTERN})）")
PROVENANCE_LABELS = {
    "model": "模型改写",
    "mixed": "模型改写，部分段落由模板补入",
    "template": "模板文本",
}
PARAGRAPH_LABELS = {"model": ":blue[模型]", "template": ":orange[模板]"}


def drafting_estimate(tokens: int, seconds: float, tokens_left: int) -> tuple[float, float | None]:
    """(tokens per second so far, seconds still needed for `tokens_left` at that rate, None before any)."""
    rate = tokens / seconds if seconds > 0 and tokens > 0 else 0.0
    return rate, (max(0, tokens_left) / rate if rate else None)


def expected_tokens(facts: Facts, sections: list[Section], max_tokens: int) -> dict[str, int]:
    """Tokens each section's model rewrite may take (the engine's own reply cap)."""
    from assistant.drafting.draft import reply_tokens
    from assistant.drafting.template_drafter import draft_section

    return {
        s.id: reply_tokens(max_tokens, s, draft_section(facts, s.id)) for s in sections if s.mode == "draft"
    }


def progress_text(tokens: int, seconds: float, tokens_left: int) -> str:
    rate, left = drafting_estimate(tokens, seconds, tokens_left)
    if not rate:
        return ""
    estimate = f"，预计还需约 {_duration(left)}" if left is not None else ""
    return f"已生成 {tokens} 个词元，{rate:.1f} 词元/秒{estimate}（修订轮次另计）"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    return f"{seconds // 60} 分 {seconds % 60} 秒" if seconds >= 60 else f"{seconds} 秒"


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
    events: queue.Queue[tuple[Any, ...]] = queue.Queue()

    def on_call(call: Any) -> None:
        try:
            ws.log_model_call(project_id, call.model_dump())
        except Exception as exc:  # noqa: BLE001 - the draft is still saved; the missing log entry is reported
            events.put(("error", call.section, f"模型调用记录未能保存：{exc}"))

    try:
        drafter = Drafter(rt, provider, llm=state.make_llm(), on_call=on_call)
    except LLMError as exc:
        st.error(f"无法使用所选模型：{exc}")
        return
    chosen = [rt.spec.section(k) for k in keys] if keys else rt.spec.applicable_sections(facts)
    total = len(chosen)
    expected = expected_tokens(facts, chosen, drafter.profile.max_tokens) if drafter.llm is not None else {}

    started_from = {sid: v.version for sid, v in ws.latest_drafts(project_id).items()}

    def on_saved(record: Any) -> None:
        try:
            version = ws.save_generated_draft(  # on the drafting thread: the workspace is passed in
                project_id, record.section, record.text, record.model_dump(), author="起草", on_top=True
            )
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
    streamed: dict[str, int] = {}  # tokens per section, failed attempts included (they took the time)
    first_token: float | None = None
    rate_line = st.empty()
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
            if event[2] != STREAM_RESET:
                first_token = first_token or time.monotonic()
                streamed[event[1]] = streamed.get(event[1], 0) + 1
            if time.monotonic() - last_paint > 0.15:
                current.markdown(f"正在起草：**{titles.get(event[1], event[1])}**")
                stream.code(buffers[event[1]][-1500:], language=None, wrap_lines=True)
                left = sum(n for sid, n in expected.items() if sid not in saved) - streamed.get(event[1], 0)
                rate_line.caption(
                    progress_text(sum(streamed.values()), time.monotonic() - (first_token or 0), left)
                )
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


def provenance_line(record: dict[str, Any]) -> str:
    """Who wrote the text, with model, tokens and seconds; a template fallback is never called a model draft."""
    from assistant.drafting.drafts import DraftRecord, record_provenance

    if record.get("edited"):
        return "来源：人工编辑"
    try:
        parsed = DraftRecord.model_validate(record)
    except ValueError:
        return f"来源：{record.get('provider', '')}"
    provenance = record_provenance(parsed)
    if not state.provider_uses_model(parsed.provider):
        return "来源：模板文本（确定性起草，未使用大模型）"
    parts = [f"来源：{PROVENANCE_LABELS.get(provenance, provenance)}"]
    if provenance == "template" and parsed.discarded_text:
        parts[0] += f"（{state.provider_label(parsed.provider)} 的草稿不可用或未通过检查，已替换为模板文本）"
    elif provenance == "template":
        parts[0] += "（模型没有改写模板文本）"
    if parsed.model:
        parts.append(f"模型：{parsed.model}")
    if parsed.tokens:
        parts.append(
            f"词元：输入 {parsed.tokens.get('prompt', 0)} / 输出 {parsed.tokens.get('completion', 0)}"
            f"（{parsed.tokens.get('calls', 0)} 次调用）"
        )
    if parsed.repair_rounds:
        parts.append(f"修订 {parsed.repair_rounds} 轮")
    if parsed.timings.get("total") is not None:
        parts.append(f"用时 {parsed.timings['total']:.1f} 秒")
    return " · ".join(parts)


def render_provenance(text: str, record: dict[str, Any]) -> None:
    from assistant.drafting.drafts import TEMPLATE, paragraphs_of

    st.caption(provenance_line(record))
    labels = record.get("paragraphs") or []
    lines = paragraphs_of(text)
    if record.get("provenance") == "mixed" and not record.get("edited") and len(labels) == len(lines):
        count = labels.count(TEMPLATE)
        with st.expander(f"逐段来源（{len(lines) - count} 段模型改写，{count} 段模板补入）"):
            for label, line in zip(labels, lines, strict=True):
                st.markdown(f"{PARAGRAPH_LABELS.get(label, label)}　{line}")
    if record.get("discarded_text"):
        with st.expander("被替换的模型草稿（未采用）"):
            st.caption("模型的这份草稿不可用或未通过检查，正文已改用模板文本；原文保留在此供核对。")
            st.code(record["discarded_text"], language=None, wrap_lines=True)
    dropped = [note for note in record.get("filled_from_template") or [] if note.startswith("删除了")]
    if dropped:
        st.caption("从模型草稿中" + "；".join(dropped) + "（无事实依据或夸大用语）")


def render_calls(project_id: int, section_id: str) -> None:
    """The section's logged model calls: round, model, tokens, seconds; the prompt and reply of one call."""
    calls = state.workspace().model_calls(project_id, section_id)
    if not calls:
        return
    with st.expander(f"模型调用记录（{len(calls)} 次）"):
        rows = [
            {
                "时间": local_time(c["started"]),
                "轮次": round_label(c["round"]),
                "提供方": state.provider_label(c["provider"]),
                "模型": c["model"],
                "输入词元": c["prompt_tokens"],
                "输出词元": c["completion_tokens"],
                "用时（秒）": c["seconds"],
                "结果": c["error"] or "成功",
            }
            for c in calls
        ]
        st.dataframe(rows, hide_index=True, width="stretch")
        index = st.selectbox(
            "查看一次调用的提示词与回复",
            list(range(len(calls))),
            index=len(calls) - 1,
            format_func=lambda i: f"{rows[i]['时间']} · {rows[i]['轮次']}",
            key=f"draft.calls.{project_id}.{section_id}",
        )
        call = calls[index]
        for message in call["prompt"]:
            st.markdown(f"**{ROLE_LABELS.get(message['role'], message['role'])}**")
            st.code(message["content"], language=None, wrap_lines=True)
        st.markdown("**模型回复**")
        st.code(call["response"] or call["error"] or "（空）", language=None, wrap_lines=True)


ROLE_LABELS = {"system": "系统提示词", "user": "用户提示词", "assistant": "助手"}


def round_label(name: str) -> str:
    """generate → 起草，repair 2 → 第 2 轮修订，extract GROUP → 抽取 GROUP，chat → 问答."""
    kind, _, rest = name.partition(" ")
    return {
        "generate": "起草（改写模板稿）",
        "repair": f"第 {rest} 轮修订",
        "extract": f"事实抽取 {rest}",
        "chat": "问答",
        "judge": "评审",
    }.get(kind, name)


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
        f"第 {old} 版（{local_time(a.created)}，{(a.record or {}).get('provider', '')}）→ 第 {new} 版"
        f"（{local_time(b.created)}，{(b.record or {}).get('provider', '')}）：新增 {added} 行，删除 {removed} 行"
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
                f"第 {draft.version} 版 · {local_time(draft.created)}"
                + (" · 需人工复核" if record.get("needs_review") else "")
            )
            render_provenance(draft.text, record)
            key = state.keep(editor_key(project_id, section.id, draft.version), draft.text)
            preview, editor = st.tabs(["预览", "编辑"])
            with editor:
                text = st.text_area("草稿（可直接修改）", key=key, height=420)
            state.remember(key)
            with preview:
                st.markdown(text)
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
        render_calls(project_id, section.id)
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
    view = state.filing_view(project_id)
    if view is None:
        return
    version, facts, sections, titles, drafts, report = view
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
