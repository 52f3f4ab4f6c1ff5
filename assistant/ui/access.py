"""Who may use the app. By default the app listens on 127.0.0.1 only (.streamlit/config.toml) and needs no
login. To serve a team, give it an address and require a login: either Streamlit's built-in OIDC login
(an `[auth]` section in .streamlit/secrets.toml; every page then asks for a login first) or a reverse proxy
that authenticates (docs/deploy.md)."""

from __future__ import annotations

from typing import Any

import streamlit as st


def login_required() -> bool:
    """True when an `[auth]` section is configured in the app's secrets."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all, or an unreadable one: no login configured
        return False


def _user() -> Any:
    return st.user


def allowed() -> bool:
    """Whether this session may see the app; shows the login page (and returns False) when it may not."""
    if not login_required():
        return True
    user = _user()
    if user.get("is_logged_in", False):
        with st.sidebar:
            st.caption(f"已登录：{user.get('email') or user.get('name') or ''}")
            st.button("退出登录", key="access.logout", on_click=st.logout, icon=":material/logout:")
        return True
    st.title("备案助手")
    st.info("本应用已开启登录：请使用所在机构的账号登录后使用。", icon=":material/lock:")
    st.button("登录", key="access.login", type="primary", on_click=st.login, icon=":material/login:")
    return False
