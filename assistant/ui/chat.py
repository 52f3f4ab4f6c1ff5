"""问答: questions about filing, answered from regulation articles (法规规定, cited 《法规》第X条) and practice notes
(实务做法, cited with their sources); with the project open, questions about the project itself ("我们还缺什么？")
are answered from its facts, check report and filing decision. Citations expand to their text. History per
project, stored in the workspace."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.drafting.llm import STREAM_RESET
from assistant.ui import state

EXAMPLES = (
    "生成合成类算法需要怎样标识生成内容？",
    "我们调用别人的大模型 API，要补充什么材料？",
    "备案号要展示在哪里？",
    "我们还缺什么？",
    "我们要办哪些备案？",
)


def citation_label(citation: dict[str, Any]) -> str:
    kind = citation.get("source", "regulation")
    if kind == "practice":
        return f"〔实务笔记〕{citation.get('title', '')}·{citation.get('heading', '')}"
    if kind == "project":
        return f"〔本项目〕{citation.get('title', '')}"
    return f"《{citation.get('title', '')}》{citation.get('article', '')}"


def render_citations(citations: list[dict[str, Any]]) -> None:
    for citation in citations:
        with st.expander(citation_label(citation)):
            st.write(citation.get("text", ""))
            if citation.get("sources"):
                st.caption(f"来源：{citation['sources']}；可信度：{citation.get('confidence', '')}")


def project_context(project_id: int) -> Any:
    """The open project's facts, check report and filing decision; None when no readable facts are saved."""
    from assistant.checking.checks import decide_filings
    from assistant.drafting.chat import ProjectContext
    from assistant.facts import FactsError, load_facts_text

    version = state.saved_facts(project_id)
    if version is None:
        return None
    try:
        facts = load_facts_text(version.text)
    except FactsError:
        return None
    drafts = state.latest_drafts(project_id)
    report = state.check_report(project_id, facts, drafts, version.version)
    return ProjectContext(state.project_name(project_id), facts, report, decide_filings(facts))


def index_ready() -> bool:
    try:
        return state.runtime().collection.count() > 0
    except Exception:  # noqa: BLE001 - an unreadable index is reported like a missing one
        return False


def answer(project_id: int, question: str) -> None:
    from assistant.drafting.chat import ask
    from assistant.drafting.llm import LLMError

    ws = state.workspace()
    ws.add_message(project_id, "user", question)  # saved before the model is called
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        placeholder = st.empty()
        pieces: list[str] = []

        def on_token(piece: str) -> None:
            if piece == STREAM_RESET:  # the model is retrying: drop the failed attempt's text
                pieces.clear()
            pieces.append(piece)
            placeholder.markdown("".join(pieces) + "▌")

        try:
            llm = state.make_llm()
            with st.spinner("正在检索条文和实务笔记并作答……"):
                result = ask(
                    state.runtime(),
                    question,
                    llm=llm,
                    on_token=on_token if llm else None,
                    project=project_context(project_id),
                    sink=lambda call: ws.log_model_call(project_id, call.model_dump()),
                )
        except (LLMError, ValueError) as exc:
            placeholder.empty()
            st.error(f"问题未能回答：{exc}（您的问题已保存在对话记录中）")
            return
        placeholder.markdown(result.text)
        render_citations(result.citations)
    ws.add_message(project_id, "assistant", result.text, result.citations)


def render() -> None:
    project_id, _ = state.project_page("问答")
    if project_id is None:
        return
    st.caption(
        "关于算法备案的问题，从法规条文（法规规定，注明《法规》第X条）和实务笔记（实务做法，注明来源）中检索作答；"
        "问“我们还缺什么”“我们要办哪些备案”时，按本项目的事实文件、检查结果和备案判断回答。"
        f"对话记录按项目保存（当前：{state.project_name(project_id)}）。"
    )
    ready = index_ready()
    if not ready:
        st.warning("法规索引为空：请先到「设置与语料」页点击「重建索引」。")
    history = state.workspace().messages(project_id)
    if not history:
        st.markdown("可以这样问：" + "；".join(f"“{q}”" for q in EXAMPLES))
    for message in history:
        with st.chat_message(message["role"]):
            st.markdown(message["content"])
            if message["role"] == "assistant":
                render_citations(message.get("citations") or [])
    question = st.chat_input("输入关于备案规则或本项目的问题", disabled=not ready, key="chat.input")
    if question:
        answer(project_id, question)


if __name__ == "__main__":
    render()
