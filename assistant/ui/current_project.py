"""The current project, kept in the URL (`?project=3`): a refresh or a bookmark opens the same project, the
drafting page adds `&section=…`. A link to a project that does not exist (a mistyped or deleted one) gets a
clear message and no project, never a silent switch to another one. Without any choice (a first visit
without a parameter) the first project is opened and written into the URL. Within a session the session's
choice rules and is mirrored into the URL (page links drop query parameters; they are written back)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.ui.model_session import make_llm, provider_config, provider_label
from assistant.ui.services import workspace

PROJECT_PARAM = "project"
SECTION_PARAM = "section"
MISSING_KEY = "project.missing"


def projects() -> list[dict[str, Any]]:
    return workspace().projects()


def _requested() -> tuple[int | str | None, bool]:
    """The project asked for and whether the URL named it: this session's choice once it made one (it is
    written to the URL), else the URL's (a refresh or a bookmark starts a new session)."""
    chosen = st.session_state.get("project_id")
    if chosen is not None:
        return chosen, False
    raw = st.query_params.get(PROJECT_PARAM)
    if raw is not None:
        return (int(raw) if raw.strip().isdigit() else raw), True
    return None, False


def current_project_id() -> int | None:
    """The open project; None when there are no projects, or when the one asked for does not exist (then
    `missing_project()` says which)."""
    items = projects()
    if not items:
        return None
    ids = [p["id"] for p in items]
    chosen, from_url = _requested()
    if chosen is None:
        chosen = ids[0]
    if chosen not in ids:
        where = "链接中的" if from_url else "之前打开的"
        st.session_state[MISSING_KEY] = (
            f"{where}项目（编号 {chosen}）不存在或已被删除，未打开任何项目。请在侧栏或「项目」页选择一个项目。"
        )
        st.session_state.pop("project_id", None)
        return None
    st.session_state.pop(MISSING_KEY, None)
    st.session_state["project_id"] = chosen
    if st.query_params.get(PROJECT_PARAM) != str(chosen):
        st.query_params[PROJECT_PARAM] = str(chosen)
    return chosen


def missing_project() -> str | None:
    """The message about a requested project that does not exist, if that is why no project is open."""
    return st.session_state.get(MISSING_KEY)


def project_name(project_id: int) -> str:
    return next((p["name"] for p in projects() if p["id"] == project_id), f"项目 {project_id}")


def select_project(project_id: int) -> None:
    st.session_state["project_id"] = project_id
    st.session_state.pop(MISSING_KEY, None)
    st.query_params[PROJECT_PARAM] = str(project_id)
    st.query_params.pop(SECTION_PARAM, None)


def url_section() -> str | None:
    return st.query_params.get(SECTION_PARAM)


def set_url_section(section_id: str) -> None:
    if st.query_params.get(SECTION_PARAM) != section_id:
        st.query_params[SECTION_PARAM] = section_id


def _on_project_change() -> None:
    chosen = st.session_state["sidebar.project"]
    if chosen is not None:
        select_project(chosen)


def sidebar() -> None:
    """Project selector and the session's model, on every page."""
    items = projects()
    with st.sidebar:
        if items:
            ids = [p["id"] for p in items]
            current = current_project_id()
            if st.session_state.get("sidebar.project") != current:
                st.session_state["sidebar.project"] = current
            st.selectbox(
                "当前项目",
                ids,
                format_func=project_name,
                key="sidebar.project",
                on_change=_on_project_change,
                index=None if current is None else ids.index(current),
                placeholder="请选择项目",
            )
        cfg = provider_config()
        model = session_model_name()
        st.caption(f"起草方式：{provider_label(cfg['provider'])}" + (f" · {model}" if model else ""))


def session_model_name() -> str:
    """The session's model as its provider names it; empty for a provider without a model."""
    from assistant.drafting.llm import LLMError

    try:
        llm = make_llm()  # constructing a client loads nothing and calls nothing
    except LLMError:
        return ""
    return llm.model if llm is not None else ""


def show_missing_project() -> bool:
    """Show the missing-project message, if any; True when it was shown."""
    message = missing_project()
    if message:
        st.error(message, icon=":material/error:")
    return bool(message)


def project_page(title: str, flash_key: str | None = None) -> tuple[int | None, Any]:
    """A page that works on the current project: its title, the project id (None, with a message, when there
    is no project yet or the one asked for does not exist) and the one-time message an action left for this
    page under `flash_key`."""
    st.title(title)
    project_id = current_project_id()
    if project_id is None:
        if not show_missing_project():
            st.info("还没有项目。请先在「项目」页新建一个项目。")
        return None, None
    return project_id, st.session_state.pop(flash_key, None) if flash_key else None
