"""Counted quantities in text: a number with its magnitude (万/亿), its measure word (名, 条, 次 …) and the noun it
counts, so that numbers are compared like with like (users with users, never logs, samples, keywords or calls).
The nouns and measure words are data: spec/checks.yaml `quantities`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.checking.rules import check_data

AFTER_QUALIFIER = 3  # characters allowed before the noun after a measure word (注册, 月活跃)
MAGNITUDES = {"千": 1_000, "万": 10_000, "亿": 100_000_000}
_FILLER_TAIL = re.compile(
    r"(?:[ \t\u3000:：]|数量|规模|总量|总数|数|量|约|大约|达到|达|为|超过|逾|近|共|累计|已|超|合计|在)*$"
)
_WORDS_TAIL = re.compile(r"[\u4e00-\u9fa5A-Za-z]{0,12}$")
_WORDS_HEAD = re.compile(r"[\u4e00-\u9fa5A-Za-z]{0,6}")
_LOOKBACK = 32


@dataclass(frozen=True)
class Quantity:
    noun: str  # the class of what is counted (users, logs, …), "" when unknown
    kind: str  # the users' subclass (月活, 日活, 注册) or "" for any
    value: float  # the number times its magnitude
    text: str  # as written

    def same_as(self, other: Quantity) -> bool:
        return abs(self.value - other.value) < 1e-6 * max(1.0, self.value)


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, Any]:
    return check_data()["quantities"]


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    units = "|".join(sorted(_vocabulary()["units"], key=len, reverse=True))
    return re.compile(rf"(?<![\d.])(?P<num>\d+(?:\.\d+)?)[ \t]*(?P<mag>[千万亿])?[ \t]*(?P<unit>{units})?")


@lru_cache(maxsize=1)
def _noun_patterns() -> list[tuple[str, re.Pattern[str]]]:
    # lookahead, so that matches overlap: 关键词库 holds 关键词 and 词库
    return [(noun, re.compile(f"(?=({words}))")) for noun, words in _vocabulary()["nouns"].items()]


def _head_noun(phrase: str, *, ends: bool) -> str:
    """The class of the noun a phrase names, its head being the keyword that ends last ("用户行为日志" → logs).
    Before a number the phrase must end with it ("用户输入与生成结果保存 6 个月" → none); after a measure word
    the noun phrase must start within a short qualifier ("注册用户", "月活跃用户")."""
    if not phrase:
        return ""
    matches = [
        (match.end(1), match.start(1), noun)
        for noun, pattern in _noun_patterns()
        for match in pattern.finditer(phrase)
    ]
    if not matches or (ends and max(matches)[0] != len(phrase)):
        return ""
    if not ends and min(start for _, start, _ in matches) > AFTER_QUALIFIER:
        return ""
    return max(matches)[2]


def _user_kind(phrase: str) -> str:
    return next((kind for kind, words in _vocabulary()["user_kinds"].items() if re.search(words, phrase)), "")


def quantities(text: str) -> list[Quantity]:
    found = []
    for match in _pattern().finditer(text):
        unit, mag = match.group("unit") or "", match.group("mag")
        window = text[max(0, match.start() - _LOOKBACK) : match.start()]
        head = window[: _FILLER_TAIL.search(window).start()]  # "月活跃用户数达到" → "月活跃用户"
        before = _WORDS_TAIL.search(head).group(0)
        after = _WORDS_HEAD.match(text, match.end()).group(0)
        # "20亿条日志", "35万名用户": the noun after the measure word; "日志约20亿条": the noun before the number
        after_noun, before_noun = _head_noun(after, ends=False), _head_noun(before, ends=True)
        noun, phrase = (
            (after_noun, after) if after_noun and (unit or not before_noun) else (before_noun, before)
        )
        if noun == "users" and (unit not in _vocabulary()["user_units"] if unit else not mag):
            noun = ""  # 条, 次, 小时 … never count users; nor does a bare number (a list number, a year)
        value = float(match.group("num")) * MAGNITUDES.get(mag or "", 1)
        start = match.start() - (len(window) - len(head)) - len(before)
        written = text[start : match.end() + (len(after) if phrase is after else 0)]
        found.append(Quantity(noun, _user_kind(phrase) if noun == "users" else "", value, written))
    return found


def users(text: str) -> list[Quantity]:
    return [q for q in quantities(text) if q.noun == "users"]


def agrees(stated: Quantity, facts: list[Quantity]) -> bool:
    """A stated user count agrees when the facts hold the same number for the same kind of users (a count
    without a kind, "用户约 35 万", may be any of them)."""
    return any(
        stated.same_as(fact) and (not stated.kind or not fact.kind or stated.kind == fact.kind)
        for fact in facts
    )
