"""Does a draft mention a fact? Tolerant of paraphrase, strict about numbers and names."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from assistant import factpath
from assistant.textnorm import normalize, segmenter

NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
MARKER_RE = re.compile(r"【待补充[:：]?([^】]*)】")
_STOP = {
    "的",
    "和",
    "与",
    "及",
    "或",
    "等",
    "对",
    "在",
    "为",
    "将",
    "并",
    "由",
    "以",
    "于",
    "中",
    "后",
    "前",
    "进行",
    "通过",
    "采用",
    "基于",
    "用户",
    "系统",
    "内容",
    "服务",
    "相关",
    "其",
    "该",
    "一",
    "个",
    "不",
}
SHORT_VALUE = 14


def fact_strings(value: Any) -> list[str]:
    """Flatten a fact value (scalar, list or mapping) into its text pieces."""
    return [
        text
        for _, leaf in factpath.walk(value)
        if leaf is not None and not isinstance(leaf, bool) and (text := str(leaf).strip())
    ]


@lru_cache(maxsize=4096)
def _keywords(text: str) -> tuple[str, ...]:
    words = {
        w for w in segmenter().lcut(normalize(text)) if len(w) >= 2 and w not in _STOP and not w.isdigit()
    }
    return tuple(sorted(words))


@lru_cache(maxsize=256)
def _numbers(norm_text: str) -> frozenset[str]:
    return frozenset(NUMBER_RE.findall(norm_text))


def mentions(draft: str, value: str, threshold: float = 0.6) -> bool:
    """True when `draft` states `value`: verbatim, or (for longer values) with every number of the value
    and at least `threshold` of its content words."""
    norm_draft, norm_value = normalize(draft), normalize(value)
    if not norm_value or norm_value in norm_draft:
        return True
    if len(norm_value) <= SHORT_VALUE and not NUMBER_RE.search(norm_value):
        return False
    numbers = set(NUMBER_RE.findall(norm_value))
    if any(number not in _numbers(norm_draft) for number in numbers):
        return False
    words = _keywords(value)
    if not words:
        return bool(numbers)
    found = sum(1 for w in words if w in norm_draft)
    return found / len(words) >= threshold


def mentions_fact(draft: str, value: Any) -> bool:
    return all(mentions(draft, piece) for piece in fact_strings(value))


def markers(text: str) -> list[str]:
    return [m.strip() for m in MARKER_RE.findall(text)]


def marker(description: str, path: str) -> str:
    return f"【待补充：{description}（{path}）】"


_MARKER_PATH_RE = re.compile(r"[（(]([A-Za-z_][\w.\[\]=*-]*)[）)]\s*$")


def marker_path(content: str) -> str | None:
    """The fact key path a marker's content names (`标签（key.path）` → `key.path`), if any."""
    match = _MARKER_PATH_RE.search(content.strip())
    return match.group(1) if match else None
