"""Shared app state, one module per job; this module gathers them under one name for the pages
(`state.workspace()`, `state.work(project_id)` …):

- services: cached settings, runtime and workspace, the example project;
- current_project: the open project, kept in the URL (`?project=…&section=…`), the sidebar;
- model_session: the session's provider, model and API key;
- facts_work: saved facts versions and the session's working copy;
- draft_status: drafts, the memoised check report, each section's status;
- navigation: the page table, links to a section or a field, lazy tabs;
- inputs: text kept across page switches, uploads and their limits, error text.

Everything a user types lives in `st.session_state` (or is saved in the workspace) so that an error, a page
switch or a rerun never loses it. The API key entered in the app stays in the session only."""

from __future__ import annotations

from assistant.ui.current_project import (
    current_project_id,
    missing_project,
    project_name,
    project_page,
    projects,
    select_project,
    set_url_section,
    show_missing_project,
    sidebar,
    url_section,
)
from assistant.ui.draft_status import (
    STATUS_COLORS,
    STATUS_ICONS,
    FilingView,
    check_report,
    filing_view,
    latest_drafts,
    section_status,
    status_badge,
)
from assistant.ui.facts_work import (
    ensure_saved,
    facts_data,
    facts_yaml,
    reload_work,
    reset_work,
    save_pending,
    save_work,
    saved_facts,
    sync_work,
    unsaved,
    work,
)
from assistant.ui.inputs import error_text, forget, keep, read_upload, remember, size_text, upload_limit_mb
from assistant.ui.model_session import (
    LOCAL_MODEL_LABELS,
    local_model_installed,
    make_llm,
    provider,
    provider_config,
    provider_label,
    provider_names,
    provider_uses_model,
    session_settings,
)
from assistant.ui.navigation import PAGES, PageInfo, goto_field, goto_section, lazy_tabs, page_path, show_tab
from assistant.ui.services import (
    EXAMPLE_FACTS,
    EXAMPLE_PROJECT,
    ensure_example_project,
    runtime,
    settings,
    workspace,
)

__all__ = [
    "EXAMPLE_FACTS",
    "EXAMPLE_PROJECT",
    "FilingView",
    "LOCAL_MODEL_LABELS",
    "PAGES",
    "STATUS_COLORS",
    "STATUS_ICONS",
    "PageInfo",
    "check_report",
    "current_project_id",
    "ensure_example_project",
    "ensure_saved",
    "error_text",
    "facts_data",
    "filing_view",
    "facts_yaml",
    "forget",
    "goto_field",
    "goto_section",
    "keep",
    "latest_drafts",
    "lazy_tabs",
    "local_model_installed",
    "make_llm",
    "missing_project",
    "page_path",
    "project_name",
    "project_page",
    "projects",
    "provider",
    "provider_config",
    "provider_label",
    "provider_names",
    "provider_uses_model",
    "read_upload",
    "reload_work",
    "remember",
    "reset_work",
    "runtime",
    "save_pending",
    "save_work",
    "saved_facts",
    "section_status",
    "select_project",
    "session_settings",
    "set_url_section",
    "settings",
    "show_missing_project",
    "show_tab",
    "sidebar",
    "size_text",
    "status_badge",
    "sync_work",
    "unsaved",
    "upload_limit_mb",
    "url_section",
    "work",
    "workspace",
]
