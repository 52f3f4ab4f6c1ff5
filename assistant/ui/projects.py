"""项目: create and open projects; the facts form validated live; versions; YAML import/export; extraction
of facts from a product description through the LLM (confirmed by the user before it becomes a version)."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from assistant import factpath
from assistant.ui import facts_form as ff
from assistant.ui import state
from assistant.ui.localtime import local_time

PROBLEM_PATH_RE = re.compile(r"字段 ([^\s：]+)：")
TAB_KEY = "projects.tab"
FORM_TAB = "事实表单"


# --- validation --------------------------------------------------------------------------------------------


def validate(data: dict[str, Any]) -> tuple[list[ff.Message], bool]:
    """Messages for the facts on screen: structural problems (FactsError) and the facts-level checks."""
    from assistant.checking.checks import run_checks
    from assistant.facts import FactsError, parse_facts

    messages: list[ff.Message] = []
    try:
        facts = parse_facts(factpath.prune(data, keep_items=True, strip=True), "事实文件")
    except FactsError as exc:
        for problem in exc.problems:
            match = PROBLEM_PATH_RE.search(problem)
            messages.append(ff.Message(match.group(1) if match else "", problem, True))
        return messages, False
    # Facts-level checks need neither the regulation registry nor drafts: fast enough to run on every change.
    from assistant.spec import load_spec

    report = run_checks(facts, {}, spec=load_spec())
    messages += [ff.Message(f.field, f.message, f.blocking) for f in report.findings if f.field]
    return messages, True


def labelled_problem(problem: str) -> str:
    from assistant.facts import label_for

    match = PROBLEM_PATH_RE.search(problem)
    return f"【{label_for(match.group(1))}】{problem}" if match else problem


# --- callbacks -------------------------------------------------------------------------------------------------


def _form_state(project_id: int) -> ff.FormState:
    entry = state.work(project_id)
    return ff.FormState(
        project_id,
        entry["gen"],
        entry["counts"],
        show_all=bool(st.session_state.get(f"facts.show_all.{project_id}", False)),
    )


def _add_item(project_id: int, path: str) -> None:
    entry = state.work(project_id)
    entry["counts"][path] = entry["counts"].get(path, 0) + 1


def _remove_item(project_id: int, path: str, index: int) -> None:
    entry = state.work(project_id)
    data = ff.compose(_form_state(project_id), entry["data"])
    items = factpath.get(data, path)
    if isinstance(items, list) and index < len(items):
        items.pop(index)
    counts = {k: v for k, v in entry["counts"].items() if k != path}
    counts[path] = max(0, entry["counts"].get(path, 1) - 1)
    base = entry["base"]
    state.reset_work(project_id, data, base)
    state.work(project_id)["counts"] = counts


# --- sections of the page ----------------------------------------------------------------------------------


def open_project() -> None:
    items = state.projects()
    if not items:
        return
    st.markdown("##### 打开项目")
    current = state.current_project_id()
    for item in items:
        version = state.saved_facts(item["id"])
        columns = st.columns([4, 1])
        columns[0].markdown(
            f"**{item['name']}**　:gray[创建于 {local_time(item['created'])} · 事实文件"
            f"{f'第 {version.version} 版' if version else '未保存'}]"
        )
        if item["id"] == current:
            columns[1].caption("当前项目")
        elif columns[1].button("打开", key=f"projects.open.{item['id']}"):
            state.select_project(item["id"])
            state.show_tab(TAB_KEY, FORM_TAB)
            st.rerun()


def new_project() -> None:
    st.markdown("##### 新建项目")
    st.markdown("每个项目有一份事实文件（按版本保存）、各章节草稿、问答记录和导出记录。")
    name_key = state.keep("projects.new_name")
    st.text_input("项目名称", key=name_key, placeholder="例如：某某智能写作助手 首次备案")
    state.remember(name_key)
    start = st.radio(
        "初始事实文件", ["空白", "复制示例（灵犀写作助手）"], horizontal=True, key="projects.new_start"
    )
    if st.button("创建项目", type="primary", key="projects.create"):
        ws = state.workspace()
        try:
            project_id = ws.create_project(st.session_state.get(name_key, ""))
        except ValueError as exc:
            st.error(f"项目名称：{exc}")
            return
        if start.startswith("复制") and state.EXAMPLE_FACTS.exists():
            ws.save_facts(project_id, state.EXAMPLE_FACTS.read_text(encoding="utf-8"), None, note="复制示例")
        state.forget(name_key)
        state.select_project(project_id)
        state.show_tab(TAB_KEY, FORM_TAB)
        st.rerun()


def header(project_id: int, data: dict[str, Any]) -> None:
    version = state.saved_facts(project_id)
    entry = state.work(project_id)
    st.subheader(state.project_name(project_id))
    if version is None:
        st.caption("尚未保存事实文件")
    else:
        caption = f"事实文件第 {version.version} 版 · 保存于 {local_time(version.created)}" + (
            f" · {version.note}" if version.note else ""
        )
        st.caption(caption)
    if state.unsaved(project_id):
        based = f"（基于第 {entry['base']} 版）" if entry["base"] else ""
        newer = (
            f"其他会话已保存第 {version.version} 版；保存时会提示冲突。"
            if version and entry["base"] != version.version
            else ""
        )
        st.warning(
            f"有未保存的修改{based}。修改保存在本次会话中，点击「保存为新版本」后写入工作区。{newer}",
            icon=":material/edit:",
        )


def save_controls(project_id: int, structural_ok: bool, where: str) -> None:
    from assistant.store import StaleWrite

    columns = st.columns([1, 1, 3])
    if columns[0].button("保存为新版本", type="primary", key=f"facts.save.{where}", icon=":material/save:"):
        if not structural_ok:
            st.error("事实文件结构有误，无法保存；请先按字段旁的提示修改。")
        else:
            try:
                number = state.save_work(project_id, note="表单保存")
            except StaleWrite as exc:
                st.session_state[f"facts.conflict.{project_id}"] = str(exc)
            else:
                st.session_state.pop(f"facts.conflict.{project_id}", None)
                st.session_state["facts.flash"] = f"已保存为第 {number} 版。"
                st.rerun()
    if columns[1].button("放弃修改", key=f"facts.discard.{where}", disabled=not state.unsaved(project_id)):
        state.reload_work(project_id)
        st.rerun()


def conflict(project_id: int) -> None:
    message = st.session_state.get(f"facts.conflict.{project_id}")
    if not message:
        return
    st.error(message)
    entry = state.work(project_id)
    columns = st.columns(3)
    columns[0].download_button(
        "下载我的修改（YAML）",
        state.facts_yaml(entry["data"]),
        file_name="我的修改.yaml",
        mime="application/x-yaml",
        key="facts.conflict.download",
    )
    if columns[1].button("加载最新版本（放弃我的修改）", key="facts.conflict.reload"):
        st.session_state.pop(f"facts.conflict.{project_id}", None)
        state.reload_work(project_id)
        st.rerun()
    if columns[2].button(
        "以我的修改另存为最新版本",
        key="facts.conflict.force",
        help="在最新版本之上保存您的修改；他人的修改仍保留在版本历史中",
    ):
        latest = state.saved_facts(project_id)
        entry["base"] = latest.version if latest else None
        number = state.save_work(project_id, note="解决冲突后保存")
        st.session_state.pop(f"facts.conflict.{project_id}", None)
        st.success(f"已保存为第 {number} 版。")


def facts_editor(project_id: int) -> None:
    from assistant.facts import label_for

    state.sync_work(project_id)
    entry = state.work(project_id)
    form = _form_state(project_id)
    group_key = f"facts.group.{project_id}"
    focus = st.session_state.pop("nav.field", None)
    if focus and ff.group_of(focus):
        st.session_state[group_key] = ff.group_of(focus)
    visible = [g.key for g in ff.visible_groups(entry["data"], form.show_all)]
    if st.session_state.get(group_key) not in visible:
        last = st.session_state.get(f"{group_key}.last")
        st.session_state[group_key] = last if last in visible else visible[0]
    data = ff.compose(form, entry["data"], active=st.session_state[group_key])
    entry["data"] = data
    messages, structural_ok = validate(data)
    known = ff.known_paths(data, form)
    by_path: dict[str, list[ff.Message]] = {}
    general: list[ff.Message] = []
    for message in messages:
        target = ff.anchor(message.path, known) if message.path else None
        (by_path.setdefault(target, []) if target else general).append(message)

    header(project_id, data)
    save_controls(project_id, structural_ok, "top")
    conflict(project_id)

    blocking = sum(m.blocking for m in messages)
    warnings = len(messages) - blocking
    if messages:
        st.markdown(f"**实时校验**：{blocking} 项阻断性问题，{warnings} 项提示（见各字段旁）。")
    else:
        st.markdown(":green[**实时校验**：事实文件未发现问题。]")
    for message in general:
        st.markdown(f":{'red' if message.blocking else 'orange'}[{message.text}]")

    groups = ff.visible_groups(data, form.show_all)
    keys = [g.key for g in groups]
    if focus:
        group = next((g for g in groups if g.key == ff.group_of(focus)), None)
        st.info(
            f"检查报告指向字段：**{label_for(focus)}**（{focus}）"
            + (f"，位于「{group.title}」分组。" if group else "。"),
            icon=":material/arrow_forward:",
        )
    if st.session_state.get(group_key) not in keys:
        last = st.session_state.get(f"{group_key}.last")
        st.session_state[group_key] = last if last in keys else keys[0]
    counts = {g.key: sum(len(v) for k, v in by_path.items() if ff.group_of(k) == g.key) for g in groups}
    titles = {g.key: f"{g.title}（{counts[g.key]}）" if counts[g.key] else g.title for g in groups}
    # Only the chosen group's widgets are rendered (fast first paint); the others keep their values in
    # the working copy and are validated all the same.
    chosen = st.radio(
        "分组", keys, key=group_key, horizontal=True, format_func=titles.get, label_visibility="collapsed"
    )
    st.session_state[f"{group_key}.last"] = chosen
    group = next(g for g in groups if g.key == chosen)
    with st.container(border=True):
        ff.render_group(
            form,
            group,
            data,
            by_path,
            on_add=lambda p: _add_item(project_id, p),
            on_remove=lambda p, i: _remove_item(project_id, p, i),
        )
    st.checkbox(
        "显示全部可选信息（个性化推送、排序规则、调度决策、技术服务、生物识别）",
        key=f"facts.show_all.{project_id}",
    )
    save_controls(project_id, structural_ok, "bottom")


def import_export(project_id: int) -> None:
    from assistant.facts import FactsError, load_facts_text

    entry = state.work(project_id)
    st.markdown("##### 导出")
    name = (entry["data"].get("product") or {}).get("name") or state.project_name(project_id)
    st.download_button(
        "下载当前事实文件（YAML）",
        state.facts_yaml(entry["data"]),
        file_name=f"{name}-facts.yaml",
        mime="application/x-yaml",
        key="facts.download",
        icon=":material/download:",
    )
    st.markdown("##### 导入")
    upload = st.file_uploader(
        f"上传事实文件（.yaml / .yml，不超过 {state.size_text(state.settings().max_upload_bytes)}）",
        type=["yaml", "yml"],
        key=f"facts.upload.{project_id}",
        max_upload_size=state.upload_limit_mb(),
    )
    if upload is None:
        return
    raw = state.read_upload(upload, "事实文件")
    if raw is None:
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        st.error(f"事实文件“{upload.name}”不是 UTF-8 编码的文本，无法导入。")
        return
    try:
        facts = load_facts_text(text, f"上传的文件“{upload.name}”")
    except FactsError as exc:
        st.error(
            "导入失败，文件有以下问题（已保留当前事实，未做任何修改）：\n\n"
            + "\n".join(f"- {labelled_problem(p)}" for p in exc.problems)
        )
        return
    st.success(
        f"文件有效：产品“{facts.product.name or '未填写'}”，算法“{facts.filing.algorithm_name or '未填写'}”。"
    )
    if st.button("载入并保存为新版本", type="primary", key="facts.import"):
        _replace_facts(project_id, facts.as_dict(), note=f"导入 {upload.name}"[:200])


def _replace_facts(project_id: int, data: dict[str, Any], note: str) -> None:
    """Save unsaved edits first (nothing is lost), then the new facts as the next version."""
    from assistant.store import StaleWrite

    try:
        if state.unsaved(project_id):
            state.save_work(project_id, note="替换前自动保存")
        latest = state.saved_facts(project_id)
        number = state.workspace().save_facts(
            project_id, state.facts_yaml(data), latest.version if latest else None, note=note
        )
    except StaleWrite as exc:
        st.error(str(exc))
        return
    state.reset_work(project_id, state.facts_data(state.saved_facts(project_id).text), number)
    st.session_state["facts.flash"] = f"已保存为第 {number} 版（{note}）。"
    state.show_tab(TAB_KEY, FORM_TAB)
    st.rerun()


def merge_blanks(current: Any, extracted: Any) -> Any:
    """Fill only what the current facts leave blank."""
    if isinstance(current, dict) and isinstance(extracted, dict):
        merged = dict(current)
        for key, value in extracted.items():
            merged[key] = merge_blanks(current.get(key), value) if key in current else value
        return merged
    if current in (None, "", [], {}):
        return extracted
    return current


def extraction(project_id: int) -> None:
    from assistant.ui import extraction_review

    extraction_review.render(
        project_id, lambda data, note: _replace_facts(project_id, data, note), merge_blanks
    )


def history(project_id: int) -> None:
    versions = state.workspace().facts_history(project_id)
    if not versions:
        st.caption("尚无版本。")
        return
    by_number = {v.version: v for v in versions}
    numbers = [v.version for v in reversed(versions)]
    chosen = st.selectbox(
        f"查看版本（共 {len(numbers)} 个）",
        numbers,
        key=f"facts.history.{project_id}",
        format_func=lambda n: " · ".join(
            filter(None, [f"第 {n} 版", local_time(by_number[n].created), by_number[n].note])
        ),
    )
    version = by_number[chosen]
    st.code(version.text, language="yaml")
    if chosen != numbers[0] and st.button(f"以第 {chosen} 版的内容另存为新版本", key="facts.restore"):
        try:
            data = state.facts_data(version.text)
        except ValueError as exc:
            st.error(f"第 {chosen} 版无法读取：{state.error_text(exc)}")
            return
        _replace_facts(project_id, data, f"恢复第 {chosen} 版")


def render() -> None:
    st.title("项目")
    flash = st.session_state.pop("facts.flash", None)
    if flash:
        st.success(flash)
    project_id = state.current_project_id()
    if project_id is None:
        if state.show_missing_project():
            open_project()
        new_project()
        return
    if "nav.field" in st.session_state:  # a link from a check finding to a field
        state.show_tab(TAB_KEY, FORM_TAB)
    state.lazy_tabs(
        TAB_KEY,
        {
            FORM_TAB: lambda: facts_editor(project_id),
            "导入/导出 YAML": lambda: import_export(project_id),
            "从产品描述提取": lambda: extraction(project_id),
            "版本历史": lambda: history(project_id),
            "打开/新建项目": lambda: (open_project(), new_project()),
        },
    )


if __name__ == "__main__":
    render()
