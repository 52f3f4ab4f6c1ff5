"""Fabricated-fact detector: numbers, identifiers, dates and organisation names in a draft that appear in
neither the facts file nor the corpus."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.checking.matching import MARKER_RE
from assistant.textnorm import normalize

DATE_RE = re.compile(r"(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?")
FILING_NO_RE = re.compile(r"网信算备\s*\d+\s*号")
URL_RE = re.compile(
    r"(?:https?://)?(?:[a-z0-9-]+\.)+(?:com|cn|net|org|io|ai|top|xyz)(?:/[^\s，。；、）)」]*)?", re.I
)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE_RE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|400-?\d{3}-?\d{4})(?!\d)")
ORG_RE = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9（）()]{2,30}?(?:股份有限公司|有限责任公司|有限公司)")
NUMBER_RE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?%?")
FIGURE_RE = re.compile(r"[图表附件]\s*\d+")
LIST_NUMBER_RE = re.compile(r"(?m)^\s*(?:[#>*-]+\s*)?[（(]?\d{1,2}[)）.、]\s*")


@dataclass(frozen=True)
class Fabrication:
    kind: str
    value: str
    context: str

    def describe(self) -> str:
        return f"{self.kind}“{self.value}”（上下文：…{self.context}…）"


def _context(text: str, start: int, end: int) -> str:
    return text[max(0, start - 12) : end + 12].replace("\n", " ")


def _dates(text: str) -> set[str]:
    return {f"{int(y):04d}-{int(m):02d}-{int(d):02d}" for y, m, d in DATE_RE.findall(text)}


@dataclass(frozen=True)
class Allowance:
    """What a text makes available to drafts: its normalised form, numbers, dates and organisation names."""

    norm: str
    numbers: frozenset[str]
    dates: frozenset[str]
    orgs: frozenset[str]


@lru_cache(maxsize=8)
def allowance(text: str) -> Allowance:
    # Line by line: normalize() drops newlines, which would fuse the end of one fact value with the start of
    # the next ("…号-2" + "2023-03-15" → "22023").
    lines = [normalize(line) for line in text.splitlines()]
    return Allowance(
        "\n".join(lines).lower(),
        frozenset(n for line in lines for n in NUMBER_RE.findall(line)),
        frozenset(_dates(text)),
        frozenset(m.group(0) for m in ORG_RE.finditer(text)),
    )


class FabricationDetector:
    """Built from the allowed text (facts + corpus; the corpus part is cached); `scan(draft)` lists what is
    not supported."""

    def __init__(self, facts_text: str, corpus_text: str = ""):
        parts = [allowance(facts_text), allowance(corpus_text)]
        self._norms = [p.norm for p in parts]
        self._numbers = parts[0].numbers | parts[1].numbers
        self._dates = parts[0].dates | parts[1].dates
        self._orgs = parts[0].orgs | parts[1].orgs

    def _supported(self, value: str) -> bool:
        folded = normalize(value).lower()
        return any(folded in norm for norm in self._norms)

    def scan(self, draft: str) -> list[Fabrication]:
        text = MARKER_RE.sub(" ", draft)
        found: list[Fabrication] = []
        consumed: list[tuple[int, int]] = []

        def add(kind: str, match: re.Match[str], supported: bool) -> None:
            consumed.append(match.span())
            if not supported:
                found.append(Fabrication(kind, match.group(0), _context(text, *match.span())))

        for match in FILING_NO_RE.finditer(text):
            add("备案编号", match, self._supported(match.group(0)))
        for match in EMAIL_RE.finditer(text):
            add("电子邮箱", match, self._supported(match.group(0)))
        for match in URL_RE.finditer(text):
            if not any(s <= match.start() < e for s, e in consumed):
                add("网址", match, self._supported(match.group(0).rstrip("/")))
        for match in PHONE_RE.finditer(text):
            add("电话", match, self._supported(match.group(0)))
        for match in DATE_RE.finditer(text):
            y, m, d = match.groups()
            add("日期", match, f"{int(y):04d}-{int(m):02d}-{int(d):02d}" in self._dates)
        for match in ORG_RE.finditer(text):
            name = match.group(0)
            add("机构名称", match, any(name.endswith(org) or org.endswith(name) for org in self._orgs))
        list_spans = [m.span() for r in (LIST_NUMBER_RE, FIGURE_RE) for m in r.finditer(text)]
        for match in NUMBER_RE.finditer(text):
            if any(s <= match.start() < e for s, e in consumed + list_spans):
                continue
            value = match.group(0).rstrip("%")
            add("数字", match, value in self._numbers or match.group(0) in self._numbers)
        return found
