"""Cached services shared by every session: settings, the runtime (spec, index, registry) and the workspace
database, which on first start gets the example project."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from assistant.config import Settings, example_facts_path, get_settings

if TYPE_CHECKING:
    from assistant.runtime import Runtime
    from assistant.store import Workspace

EXAMPLE_FACTS = example_facts_path()
EXAMPLE_PROJECT = "示例：灵犀写作助手"


def settings() -> Settings:
    return get_settings()


@st.cache_resource(show_spinner=False)
def _runtime(data_dir: str, corpus_dir: str) -> Runtime:  # arguments are the cache key
    from assistant.runtime import Runtime

    return Runtime(get_settings())


@st.cache_resource(show_spinner=False)
def _workspace(url: str) -> Workspace:
    from assistant.store import Workspace

    ws = Workspace(url)
    ensure_example_project(ws)
    return ws


def runtime() -> Runtime:
    s = settings()
    return _runtime(str(s.data_dir.resolve()), str(s.corpus_dir.resolve()))


def workspace() -> Workspace:
    return _workspace(settings().workspace_url)


def ensure_example_project(ws: Workspace) -> int | None:
    """On first start (no projects at all) create the example project from the facts contract example."""
    if ws.projects() or not EXAMPLE_FACTS.exists():
        return None
    try:
        project_id = ws.create_project(EXAMPLE_PROJECT)
    except ValueError:  # another session created it a moment ago
        return ws.project_id(EXAMPLE_PROJECT)
    ws.save_facts(project_id, EXAMPLE_FACTS.read_text(encoding="utf-8"), None, note="示例事实文件")
    return project_id
