"""从产品描述提取: run the extraction (rules, plus the model group by group with progress), then review the
result field by field beside its highlighted source sentence — accept or edit each value, uncertain ones
marked and not accepted until the user ticks them. Nothing is saved until the user confirms."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from assistant.ui import state

Save = Callable[[dict[str, Any], str], None]
Merge = Callable[[Any, Any], Any]
_LIST_SPLIT = re.compile(r"[、,，;；\n]+")
STATUS = {"found": ":green-badge[找到]", "uncertain": ":orange-badge[存疑]"}


def _pending_key(project_id: int) -> str:
    return f"extraction.{project_id}"


def render(project_id: int, save: Save, merge_blanks: Merge) -> None:
    from assistant.drafting.extract import description_limit

    limit = description_limit(state.provider())
    mode = "只用规则识别（未选择大模型）" if state.provider() == "template" else "规则识别 + 大模型分组抽取"
    st.markdown(
        "粘贴或上传产品的文字描述。编号、电话、日期等由规则识别，其余由大模型按组抽取；每个值都附原文出处，"
        "逐项确认后才会保存为新版本。"
    )
    text_key = state.keep(f"extract.text.{project_id}")
    st.text_area(
        "产品描述", key=text_key, height=220, placeholder="例如：我们是一家……公司，产品……，使用……模型……"
    )
    state.remember(text_key)
    description = st.session_state.get(text_key, "")
    st.caption(f"描述上限 {limit} 字，当前 {len(description.strip())} 字 · 当前方式：{mode}")
    upload = st.file_uploader(
        "或上传描述文件（.md / .txt）",
        type=["md", "txt"],
        key=f"extract.upload.{project_id}",
        max_upload_size=state.upload_limit_mb(),
    )
    if upload is not None:
        raw = state.read_upload(upload, "描述文件")
        if raw is not None:
            try:
                description = raw.decode("utf-8-sig")
                st.caption(f"将使用上传的文件“{upload.name}”（{len(description)} 字）。")
            except UnicodeDecodeError:
                st.error(f"描述文件“{upload.name}”不是 UTF-8 编码的文本（可能是二进制文件）。")
                return
    if st.button("提取事实", type="primary", key="extract.run", icon=":material/auto_awesome:"):
        _run(project_id, description, limit)
    pending = st.session_state.get(_pending_key(project_id))
    if pending:
        _review(project_id, pending, save, merge_blanks)


def _run(project_id: int, description: str, limit: int) -> None:
    from assistant.drafting.extract import ExtractionError, extract_facts, validate_description
    from assistant.drafting.llm import LLMError

    try:
        validate_description(description, limit)  # refused before anything waits for a model
    except ExtractionError as exc:
        st.error(str(exc))
        return
    if not state.save_pending(project_id, "提取"):
        return
    bar = st.progress(0.0, text="正在识别编号、日期、联系方式等……")

    def progress(p: Any) -> None:
        left = f"，预计还需约 {p.estimate:.0f} 秒" if p.estimate else ""
        text = f"第 {p.index}/{p.total} 组：{p.title}（已用 {p.elapsed:.0f} 秒{left}）"
        bar.progress(min(1.0, (p.index - 1) / max(1, p.total)) if p.title != "完成" else 1.0, text=text)

    try:
        llm = state.make_llm()
        ws = state.workspace()
        result = extract_facts(
            description,
            llm,
            state.runtime().spec,
            on_progress=progress,
            sink=lambda call: ws.log_model_call(project_id, call.model_dump()),
        )
    except (ExtractionError, LLMError) as exc:
        bar.empty()
        st.error(f"提取失败：{exc}")
        return
    bar.empty()
    for key in [k for k in st.session_state if str(k).startswith(f"extract.field.{project_id}.")]:
        del st.session_state[key]
    st.session_state[_pending_key(project_id)] = {"result": result.as_json(), "description": description}


def _group_of(path: str) -> tuple[int, str]:
    from assistant.drafting.extraction.schemas import GROUPS

    plain = re.sub(r"\[\d+\]", "", path)
    matches = [
        (len(root), i, g.title)
        for i, g in enumerate(GROUPS)
        for root in g.roots
        if plain.startswith(root + ".")
    ]
    if not matches:
        return len(GROUPS), "其他"
    _, index, title = max(matches)
    return index, title


def highlight(sentence: str, description: str, start: int, end: int) -> str:
    """The source sentence as HTML with the value's span marked."""
    span = description[start:end] if 0 <= start < end <= len(description) else ""
    at = sentence.find(span) if span else -1
    if at < 0:
        return html.escape(sentence)
    return (
        html.escape(sentence[:at])
        + f"<mark>{html.escape(span)}</mark>"
        + html.escape(sentence[at + len(span) :])
    )


def _editor(key: str, label: str, value: Any) -> None:
    if key not in st.session_state:
        st.session_state[key] = (
            "、".join(map(str, value))
            if isinstance(value, list)
            else ("是" if value else "否")
            if isinstance(value, bool)
            else str(value)
        )
    if isinstance(value, bool):
        st.selectbox(label, ["是", "否"], key=key, label_visibility="collapsed")
    else:
        st.text_input(label, key=key, label_visibility="collapsed")


def _edited(key: str, original: Any) -> Any:
    text = st.session_state.get(key, "")
    if isinstance(original, bool):
        return text == "是"
    if isinstance(original, list):
        return [item.strip() for item in _LIST_SPLIT.split(text) if item.strip()]
    return text.strip()


def _review(project_id: int, pending: dict[str, Any], save: Save, merge_blanks: Merge) -> None:
    from assistant.drafting.extraction.record import set_path
    from assistant.facts import label_for

    result, description = pending["result"], pending["description"]
    sources: dict[str, dict[str, Any]] = result["sources"]
    st.markdown("##### 提取结果（尚未保存）")
    _findings(result)
    groups: dict[tuple[int, str], list[str]] = {}
    for path in sources:
        groups.setdefault(_group_of(path), []).append(path)
    prefix = f"extract.field.{project_id}"
    accepted_total = sum(
        1 for p in sources if st.session_state.get(f"{prefix}.ok.{p}", _default_ok(sources[p]))
    )
    st.caption(
        f"共 {len(sources)} 项，已勾选 {accepted_total} 项；存疑 {len(result['uncertain'])} 项默认不勾选，"
        "核对原文后再勾选。"
    )
    for (_, title), paths in sorted(groups.items()):
        uncertain = sum(1 for p in paths if sources[p]["status"] == "uncertain")
        header = f"{title}（{len(paths)} 项" + (f"，存疑 {uncertain} 项）" if uncertain else "）")
        with st.expander(header, expanded=True):
            for path in sorted(paths):
                _field_row(prefix, path, sources[path], description, label_for(path))
    if result["not_found"]:
        with st.expander(f"描述中没有找到（{len(result['not_found'])} 项，请在事实表单中补充）"):
            st.markdown("\n".join(f"- {label_for(p)}（`{p}`）" for p in result["not_found"]))
    if result["dropped"]:
        with st.expander(f"已舍弃：模型给出但描述中找不到依据的值（{len(result['dropped'])} 项）"):
            st.markdown("\n".join(f"- {html.escape(d)}" for d in result["dropped"]))
    data: dict[str, Any] = {}
    for path, source in sources.items():
        if st.session_state.get(f"{prefix}.ok.{path}", _default_ok(source)):
            value = _edited(f"{prefix}.value.{path}", source["value"])
            if value not in ("", []):
                set_path(data, path, value)
    columns = st.columns(3)
    if columns[0].button("确认：保存为新版本（替换）", type="primary", key="extract.replace"):
        st.session_state.pop(_pending_key(project_id), None)
        save(data, "从产品描述提取（逐项确认）")
    if columns[1].button("确认：只补充空白字段", key="extract.merge"):
        st.session_state.pop(_pending_key(project_id), None)
        save(merge_blanks(state.work(project_id)["data"], data), "从产品描述补充（逐项确认）")
    if columns[2].button("放弃提取结果", key="extract.discard"):
        st.session_state.pop(_pending_key(project_id), None)
        st.rerun()


def _default_ok(source: dict[str, Any]) -> bool:
    return source["status"] == "found"


def _field_row(prefix: str, path: str, source: dict[str, Any], description: str, label: str) -> None:
    left, middle, right = st.columns([3, 5, 1])
    note = f" — {source['note']}" if source.get("note") else ""
    origin = "规则" if source["origin"] == "rule" else "模型"
    left.markdown(f"**{label}** {STATUS[source['status']]}  \n`{path}` · {origin}{note}")
    with middle:
        _editor(f"{prefix}.value.{path}", label, source["value"])
        if source["sentence"]:
            st.markdown(
                '<div class="extract-source" style="font-size:0.85em;color:#555">原文：'
                + highlight(source["sentence"], description, source["start"], source["end"])
                + "</div>",
                unsafe_allow_html=True,
            )
    ok_key = f"{prefix}.ok.{path}"
    if ok_key not in st.session_state:
        st.session_state[ok_key] = _default_ok(source)
    right.checkbox("采用", key=ok_key)


def _findings(result: dict[str, Any]) -> None:
    for finding in result["findings"]:
        places = "\n".join(f"- 原文：{html.escape(o['sentence'][:80])}" for o in finding["occurrences"][:6])
        text = f"**{finding['kind']}**：{finding['message']}" + (f"\n\n{places}" if places else "")
        if finding["blocking"]:
            st.error(text, icon=":material/block:")
        elif finding["kind"] in ("疑似指令", "多个产品", "类型与描述不符", "抽取结果冲突"):
            st.warning(text)
        else:
            st.info(text)
    for error in result.get("group_errors", []):
        st.warning(f"未完成的分组：{error}")
