"""Times in the user's zone: the browser's time zone (st.context.timezone), else Asia/Shanghai. The database
stores UTC (ISO 8601); only the display converts."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

DEFAULT_ZONE = "Asia/Shanghai"


def user_zone() -> ZoneInfo:
    try:
        name = st.context.timezone
    except Exception:  # noqa: BLE001 - no browser context (bare mode, tests): the default zone
        name = None
    return zone(name)


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def local_time(stamp: str | None, where: ZoneInfo | None = None) -> str:
    """`2026-01-02T03:04:05+00:00` → `2026-01-02 11:04:05` in the user's zone; unparseable text unchanged."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(where or user_zone()).strftime("%Y-%m-%d %H:%M:%S")
