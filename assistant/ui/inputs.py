"""What a user types or uploads: text kept across page switches, upload limits, error text."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.ui.services import settings


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
