"""The app's pages and moving between them: page table, links to a section or a field, lazy tabs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class PageInfo:
    file: str  # relative to app.py
    title: str
    icon: str
    url_path: str


PAGES: dict[str, PageInfo] = {
    "projects": PageInfo("assistant/ui/projects.py", "项目", ":material/folder_open:", "projects"),
    "drafting": PageInfo("assistant/ui/drafting.py", "起草", ":material/edit_note:", "drafting"),
    "review": PageInfo("assistant/ui/review.py", "检查与导出", ":material/fact_check:", "review"),
    "chat": PageInfo("assistant/ui/chat.py", "问答", ":material/forum:", "chat"),
    "evaluation": PageInfo("assistant/ui/evaluation.py", "评估", ":material/monitoring:", "evaluation"),
    "settings": PageInfo("assistant/ui/corpus_settings.py", "设置与语料", ":material/settings:", "settings"),
    "registry": PageInfo("assistant/ui/registry.py", "备案清单", ":material/list_alt:", "registry"),
}


def page_path(key: str) -> str:
    return PAGES[key].file


def goto_section(section_id: str) -> None:
    st.session_state["nav.section"] = section_id
    st.switch_page(page_path("drafting"))


def lazy_tabs(key: str, bodies: dict[str, Callable[[], None]]) -> None:
    """Tabs that run only the open one (st.tabs with on_change="rerun"): a page's other tabs cost nothing until
    chosen. `show_tab` chooses the tab for the next run."""
    chosen = st.session_state.pop(f"{key}.next", None)
    if chosen in bodies:
        st.session_state[key] = chosen
    for tab, body in zip(st.tabs(list(bodies), key=key, on_change="rerun"), bodies.values(), strict=True):
        if tab.open:
            with tab:
                body()


def show_tab(key: str, name: str) -> None:
    st.session_state[f"{key}.next"] = name


def goto_field(path: str) -> None:
    st.session_state["nav.field"] = path
    st.switch_page(page_path("projects"))
