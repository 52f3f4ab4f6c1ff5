"""Shared app state: cached services, the current project, the session's model settings, the working copy
of the facts, drafts with their check status, and navigation between pages.

Everything a user types lives in `st.session_state` (or is saved in the workspace) so that an error, a page
switch or a rerun never loses it. The API key entered in the app stays in the session only."""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st
import yaml

from assistant import factpath
from assistant.config import PROJECT_ROOT, Settings, get_settings
from assistant.yamlfile import load_yaml

if TYPE_CHECKING:
    from assistant.checking.checks import CheckReport
    from assistant.drafting.llm import LLM
    from assistant.facts import Facts
    from assistant.runtime import Runtime
    from assistant.spec import Section
    from assistant.store import Version, Workspace

EXAMPLE_FACTS = PROJECT_ROOT / "tests" / "fixtures" / "facts-example.yaml"
EXAMPLE_PROJECT = "示例：灵犀写作助手"
UI_DIR = Path(__file__).parent


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
}

LOCAL_MODEL_LABELS = {"1.5b": "Qwen2.5 1.5B（质量更好）", "0.5b": "Qwen2.5 0.5B（更快、占用内存更少）"}


# --- cached services --------------------------------------------------------------------------------


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


# --- current project ----------------------------------------------------------------------------------


def projects() -> list[dict[str, Any]]:
    return workspace().projects()


def current_project_id() -> int | None:
    items = projects()
    if not items:
        return None
    ids = [p["id"] for p in items]
    chosen = st.session_state.get("project_id")
    if chosen not in ids:
        chosen = ids[0]
        st.session_state["project_id"] = chosen
    return chosen


def project_name(project_id: int) -> str:
    return next((p["name"] for p in projects() if p["id"] == project_id), f"项目 {project_id}")


def select_project(project_id: int) -> None:
    st.session_state["project_id"] = project_id


def _on_project_change() -> None:
    st.session_state["project_id"] = st.session_state["sidebar.project"]


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
                "当前项目", ids, format_func=project_name, key="sidebar.project", on_change=_on_project_change
            )
        cfg = provider_config()
        model = {
            "local": LOCAL_MODEL_LABELS.get(cfg["local_model"], cfg["local_model"]),
            "openai": cfg["openai_model"],
        }.get(cfg["provider"], "")
        st.caption(f"起草方式：{provider_label(cfg['provider'])}" + (f" · {model}" if model else ""))


# --- model settings for this session -------------------------------------------------------------------


def local_model_installed(key: str = "1.5b") -> bool:
    from assistant.drafting.local_model import installed

    return installed(key)


def provider_names() -> list[str]:
    """Every registered provider (the built-ins and any registered by a plug-in or the tests)."""
    from assistant.drafting.llm import provider_names

    return provider_names()


def provider_label(name: str) -> str:
    from assistant.drafting.llm import provider_label

    return provider_label(name)


def provider_uses_model(name: str) -> bool:
    from assistant.drafting.llm import LLMError, provider_profile

    try:
        return provider_profile(name).uses_model
    except LLMError:
        return False


def provider_config() -> dict[str, Any]:
    """The session's provider choice; starts from the configuration (template when the configured local
    model is not installed, so that a fresh clone works without a model or a key)."""
    if "provider_cfg" not in st.session_state:
        from assistant.drafting.llm import LLMError, provider_available

        s = settings()
        provider = s.provider
        try:
            usable = provider_available(provider, s)
        except LLMError:  # a provider name that is not registered
            usable = False
        if not usable:
            provider = "template"
        st.session_state["provider_cfg"] = {
            "provider": provider,
            "local_model": s.local_model,
            "openai_base_url": s.openai_base_url or "",
            "openai_model": s.openai_model,
        }
    return st.session_state["provider_cfg"]


def session_settings() -> Settings:
    from pydantic import SecretStr

    cfg = provider_config()
    update: dict[str, Any] = {
        "local_model": cfg["local_model"],
        "openai_model": cfg["openai_model"] or settings().openai_model,
        "openai_base_url": cfg["openai_base_url"] or None,
    }
    key = st.session_state.get("session_api_key")
    if key:
        update["openai_api_key"] = SecretStr(key)
    return settings().model_copy(update=update)


def provider() -> str:
    return provider_config()["provider"]


def make_llm() -> LLM | None:
    """The session's model, or None for the template provider. Raises LLMError with a Chinese message."""
    from assistant.drafting.llm import get_llm

    return get_llm(provider(), session_settings())


# --- facts: saved versions and the working copy ----------------------------------------------------------


def saved_facts(project_id: int) -> Version | None:
    return workspace().latest_facts(project_id)


def facts_data(text: str) -> dict[str, Any]:
    """Facts YAML → plain data (validated), for the form; a copy the caller may change. Raises FactsError."""
    return copy.deepcopy(_parsed_facts(text))


@functools.lru_cache(maxsize=16)
def _parsed_facts(text: str) -> dict[str, Any]:
    """Every rerun of a page reads the same saved versions; parsing YAML is the slow part."""
    from assistant.facts import load_facts_text

    return load_facts_text(text).as_dict()


def facts_yaml(data: dict[str, Any]) -> str:
    """Data → the YAML stored as a facts version (validated when possible, key order of the contract)."""
    from assistant.facts import FactsError, dump_facts, parse_facts

    cleaned = factpath.prune(data, strip=True)  # an emptied field is an absent fact
    try:
        return dump_facts(parse_facts(cleaned))
    except FactsError:
        return yaml.safe_dump(cleaned, allow_unicode=True, sort_keys=False, width=120)


def work(project_id: int) -> dict[str, Any]:
    """The working copy of the project's facts: {"base": saved version, "data": dict, "gen": widget generation}."""
    store = st.session_state.setdefault("facts_work", {})
    if project_id not in store:
        version = saved_facts(project_id)
        data: dict[str, Any] = {}
        if version:
            try:
                data = facts_data(version.text)
            except ValueError:
                data = load_yaml(version.text) or {}
        store[project_id] = {
            "base": version.version if version else None,
            "data": data,
            "gen": _next_gen(),
            "counts": {},
        }
    return store[project_id]


def _next_gen() -> int:
    """A new widget generation: the form's widgets get new keys and start from the working copy."""
    gen = st.session_state.get("facts_gen", 0) + 1
    st.session_state["facts_gen"] = gen
    return gen


def reset_work(project_id: int, data: dict[str, Any], base: int | None) -> None:
    entry = work(project_id)
    entry.update(base=base, data=copy.deepcopy(data), gen=_next_gen(), counts={})


def reload_work(project_id: int) -> None:
    """Discard the working copy; the next access starts from the newest saved version."""
    st.session_state.setdefault("facts_work", {}).pop(project_id, None)


def _base_data(project_id: int, base: int | None) -> dict[str, Any]:
    if base is None:
        return {}
    version = next((v for v in workspace().facts_history(project_id) if v.version == base), None)
    if version is None:
        return {}
    try:
        return facts_data(version.text)
    except ValueError:
        return load_yaml(version.text) or {}


def unsaved(project_id: int) -> bool:
    """The working copy differs from the version it was based on (edits not yet saved)."""
    entry = work(project_id)
    return factpath.prune(entry["data"], strip=True) != factpath.prune(
        _base_data(project_id, entry["base"]), strip=True
    )


def sync_work(project_id: int) -> None:
    """An untouched working copy follows the newest saved version (another session may have saved one)."""
    entry = work(project_id)
    latest = saved_facts(project_id)
    if latest is not None and entry["base"] != latest.version and not unsaved(project_id):
        with contextlib.suppress(ValueError):  # an unreadable version stays unloaded; the pages report it
            reset_work(project_id, facts_data(latest.text), latest.version)


def save_work(project_id: int, note: str = "") -> int:
    """Save the working copy as a new facts version. Raises StaleWrite (nothing overwritten)."""
    entry = work(project_id)
    version = workspace().save_facts(project_id, facts_yaml(entry["data"]), entry["base"], note=note)
    entry["base"] = version
    return version


def save_pending(project_id: int, reason: str) -> bool:
    """Save unsaved facts edits as a new version; False (error shown, edits kept) when refused."""
    from assistant.store import StaleWrite

    sync_work(project_id)
    if not unsaved(project_id):
        return True
    try:
        number = save_work(project_id, note=f"{reason}前自动保存")
    except StaleWrite as exc:
        st.error(f"事实文件未保存：{exc}")
        return False
    st.toast(f"已将未保存的事实修改保存为第 {number} 版")
    return True


def ensure_saved(project_id: int, reason: str) -> Facts | None:
    """Before any model call: save unsaved edits as a new version, then return the saved facts.
    Shows the error and returns None when saving is refused or the facts cannot be read."""
    from assistant.facts import FactsError, load_facts_text

    if not save_pending(project_id, reason):
        return None
    version = saved_facts(project_id)
    if version is None:
        st.warning("本项目还没有事实文件，请先在「项目」页填写并保存。")
        return None
    try:
        return load_facts_text(version.text, f"第 {version.version} 版事实文件")
    except FactsError as exc:
        st.error("事实文件无法读取：" + "；".join(exc.problems))
        return None


def current_facts(project_id: int) -> tuple[Version, Facts] | None:
    """The project's latest saved facts version and its facts; None, with a hint, when there is none readable."""
    from assistant.facts import FactsError, load_facts_text

    version = saved_facts(project_id)
    try:
        if version is not None:
            return version, load_facts_text(version.text)
    except FactsError:
        pass
    st.warning("本项目的事实文件尚未保存或无法读取，请先在「项目」页填写并保存。")
    return None


# --- drafts and checks ------------------------------------------------------------------------------------


def latest_drafts(project_id: int) -> dict[str, Version]:
    return workspace().latest_drafts(project_id)


def save_generated(ws: Workspace, project_id: int, section: str, text: str, record: dict[str, Any]) -> int:
    """A freshly generated draft is a new version on top of whatever is newest (it is not an edit).
    Takes the workspace explicitly: it is called from the drafting thread."""
    from assistant.store import StaleWrite

    for _ in range(3):
        history = ws.draft_history(project_id, section)
        base = history[-1].version if history else None
        try:
            return ws.save_draft(project_id, section, text, record, base, author="起草")
        except StaleWrite:
            continue
    raise RuntimeError(f"章节 {section} 的草稿保存失败：并发写入冲突，请重试")


def check_report(
    project_id: int, facts: Facts, drafts: dict[str, Version], facts_version: int
) -> CheckReport:
    """The whole filing's check report, memoised per facts version and draft versions."""
    from assistant.checking.checks import run_checks

    key = (project_id, facts_version, tuple(sorted((sid, v.version) for sid, v in drafts.items())))
    memo = st.session_state.setdefault("report_memo", {})
    if memo.get("key") != key:
        rt = runtime()
        memo["key"] = key
        memo["report"] = run_checks(
            facts,
            {sid: v.text for sid, v in drafts.items()},
            spec=rt.spec,
            registry=rt.registry,
            library=rt.library,
        )
    return memo["report"]


STATUS_COLORS = {"未起草": "gray", "需补充": "orange", "未通过检查": "red", "通过": "green"}
STATUS_ICONS = {name: f":{color}[●]" for name, color in STATUS_COLORS.items()}  # radio labels are Markdown


def section_status(section: Section, drafts: dict[str, Version], report: CheckReport) -> str:
    from assistant.checking.matching import markers

    draft = drafts.get(section.id)
    if draft is None or not draft.text.strip():
        return "未起草"
    if markers(draft.text):
        return "需补充"
    if any(f.blocking and f.check != "completeness" for f in report.for_section(section.id)):
        return "未通过检查"
    return "通过"


def status_badge(status: str) -> str:
    return f":{STATUS_COLORS.get(status, 'gray')}-badge[{status}]"


# --- navigation ---------------------------------------------------------------------------------------------


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


def project_page(title: str, flash_key: str | None = None) -> tuple[int | None, Any]:
    """A page that works on the current project: its title, the project id (None, with a hint, when there is
    no project yet) and the one-time message an action left for this page under `flash_key`."""
    st.title(title)
    project_id = current_project_id()
    if project_id is None:
        st.info("还没有项目。请先在「项目」页新建一个项目。")
        return None, None
    return project_id, st.session_state.pop(flash_key, None) if flash_key else None


def error_text(exc: BaseException) -> str:
    problems = getattr(exc, "problems", None)
    return "；".join(problems) if problems else str(exc)


# --- text the user typed survives page switches -----------------------------------------------------------


def keep(key: str, default: str = "") -> str:
    """Before rendering a text widget: restore what the user typed when the widget was last on screen."""
    kept = st.session_state.setdefault("kept", {})
    if key not in st.session_state:
        st.session_state[key] = kept.get(key, default)
    return key


def remember(key: str) -> None:
    """After rendering a text widget: remember its value beyond the page."""
    st.session_state.setdefault("kept", {})[key] = st.session_state.get(key, "")


def forget(key: str) -> None:
    st.session_state.setdefault("kept", {}).pop(key, None)
    st.session_state.pop(key, None)


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def read_upload(upload: Any, what: str) -> bytes | None:
    """The uploaded bytes, or None after showing a Chinese error when the file is over the size limit."""
    limit = settings().max_upload_bytes
    data = upload.getvalue()
    if len(data) > limit:
        st.error(
            f"{what}“{upload.name}”过大（{size_text(len(data))}），上限为 {size_text(limit)}（BEIAN_MAX_UPLOAD_BYTES）。"
            "请删去无关内容后重新上传。"
        )
        return None
    return data


def upload_limit_mb() -> int:
    return max(1, -(-settings().max_upload_bytes // (1024 * 1024)))
