"""问答: questions about the rules, answered from retrieved articles; every answer cites 《法规》第X条 with the
article text expandable. History per project, stored in the workspace."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.drafting.llm import STREAM_RESET
from assistant.ui import state

EXAMPLES = (
    "生成合成类算法需要怎样标识生成内容？",
    "投诉举报的反馈时限有什么要求？",
    "算法推荐服务提供者应当在多长时间内履行备案手续？",
)


def render_citations(citations: list[dict[str, Any]]) -> None:
    for citation in citations:
        with st.expander(f"《{citation.get('title', '')}》{citation.get('article', '')}"):
            st.write(citation.get("text", ""))


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
            with st.spinner("正在检索条文并作答……"):
                result = ask(state.runtime(), question, llm=llm, on_token=on_token if llm else None)
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
        "关于算法备案规则的问题，从法规条文中检索作答；每个回答都注明《法规》第X条，可展开查看条文原文。"
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
    question = st.chat_input("输入关于备案规则的问题", disabled=not ready, key="chat.input")
    if question:
        answer(project_id, question)


if __name__ == "__main__":
    render()
