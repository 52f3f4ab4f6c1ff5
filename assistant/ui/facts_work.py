"""Facts: the saved versions of a project and the session's working copy (edits not yet saved), saved
before any model call so that nothing a user typed is lost."""

from __future__ import annotations

import contextlib
import copy
import functools
from typing import TYPE_CHECKING, Any

import streamlit as st
import yaml

from assistant import factpath
from assistant.ui.services import workspace
from assistant.yamlfile import load_yaml

if TYPE_CHECKING:
    from assistant.facts import Facts
    from assistant.store import Version


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
