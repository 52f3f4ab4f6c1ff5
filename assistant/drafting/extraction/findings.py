"""Findings about the description itself: drifting names, several products, injected instructions, a
declared algorithm type the description contradicts, conflicts between the two layers."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.drafting.extraction.rules import (
    FORM_WORDS,
    QUOTED_RE,
    RuleResult,
    _is_product_name,
    brand_overlap,
    stated_type,
    suggest_type,
    type_scores,
)
from assistant.drafting.extraction.text import Sentence, sentence_at
from assistant.facts import type_family

NAME_MISMATCH = "名称不一致"
SEVERAL_PRODUCTS = "多个产品"
INJECTION = "疑似指令"
TYPE_CONTRADICTED = "类型与描述不符"
CONFLICT = "抽取结果冲突"
UNPLACED = "未能归属的信息"
INPUT_NOTE = "描述提示"
ALGORITHM_NAME_RE = re.compile(r"算法名称\s*(?:为|是|：|:)?\s*[“\"「《]?([^”\"」》，。；\s]{2,30})")
SEVERAL_PRODUCTS_RE = re.compile(
    r"两款产品|两个产品|另一款产品|另一个产品|另外一款|还有一款|第二款产品|两款(App|应用)"
)


@dataclass
class Occurrence:
    text: str
    start: int
    end: int
    sentence: str


@dataclass
class Finding:
    kind: str
    message: str
    blocking: bool = False
    occurrences: list[Occurrence] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # machine-readable detail (e.g. for the type check)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _occurrences(text: str, items: list[Sentence], name: str) -> list[Occurrence]:
    out = []
    for m in re.finditer(re.escape(name), text):
        out.append(Occurrence(name, m.start(), m.end(), sentence_at(items, m.start()).text))
    return out


def _strip_form(name: str) -> str:
    for word in FORM_WORDS:
        if name.endswith(word) and len(name) - len(word) >= 2:
            return name[: -len(word)].strip()
    return name


def _variant_groups(names: list[str]) -> list[list[str]]:
    """Names linked by a shared distinctive piece, each group with more than one distinct name."""
    groups: list[list[str]] = []
    for name in dict.fromkeys(names):
        home = next((g for g in groups if any(brand_overlap(name, other) for other in g)), None)
        if home is None:
            groups.append([name])
        else:
            home.append(name)
    return [g for g in groups if len(g) > 1]


def name_findings(text: str, items: list[Sentence], rules: RuleResult) -> list[Finding]:
    findings: list[Finding] = []
    companies = [c[0] for c in rules.companies]
    models = {m.name for m in rules.models}
    company_set = set(companies)
    products = [p[0] for p in rules.product_names]
    primary = products[0] if products else None
    if primary:
        for m in QUOTED_RE.finditer(text):
            name = m.group(1).strip()
            if _is_product_name(name, models, company_set) and brand_overlap(_strip_form(name), primary):
                products.append(name)
    product_forms = list(dict.fromkeys(_strip_form(p) for p in products))
    for label, names in (("公司名称", companies), ("产品名称", product_forms)):
        for group in _variant_groups(names):
            places = [o for name in group for o in _occurrences(text, items, name)]
            findings.append(
                Finding(
                    NAME_MISMATCH,
                    f"描述中的{label}有 {len(group)} 种写法：{'、'.join(group)}。备案材料中名称前后不一致会被退回，"
                    "请确定唯一的正式名称",
                    blocking=True,
                    occurrences=places,
                    data={"field": label, "variants": group},
                )
            )
    algorithm_names = list(dict.fromkeys(m.group(1) for m in ALGORITHM_NAME_RE.finditer(text)))
    if len(algorithm_names) > 1:
        findings.append(
            Finding(
                NAME_MISMATCH,
                f"描述中的算法名称有 {len(algorithm_names)} 种写法：{'、'.join(algorithm_names)}，请确定唯一的算法名称",
                blocking=True,
                occurrences=[o for n in algorithm_names for o in _occurrences(text, items, n)],
                data={"field": "算法名称", "variants": algorithm_names},
            )
        )
    distinct = [p for p in dict.fromkeys(_strip_form(p) for p, *_ in rules.product_names)]
    unrelated = [p for p in distinct if not any(brand_overlap(p, q) for q in distinct if q != p)]
    marker = SEVERAL_PRODUCTS_RE.search(text)
    if marker or len(unrelated) > 1:
        names = "、".join(unrelated) if len(unrelated) > 1 else "（未能区分名称）"
        occurrences = (
            [
                Occurrence(
                    marker.group(0), marker.start(), marker.end(), sentence_at(items, marker.start()).text
                )
            ]
            if marker
            else []
        )
        findings.append(
            Finding(
                SEVERAL_PRODUCTS,
                f"描述似乎包含多个产品：{names}。一份事实文件只对应一个产品，本次结果以第一个产品为准，"
                "其他产品的内容可能混入，请按产品分开描述后分别提取",
                occurrences=occurrences + [o for n in unrelated[1:] for o in _occurrences(text, items, n)],
                data={"products": unrelated},
            )
        )
    return findings


def type_finding(text: str, items: list[Sentence]) -> Finding | None:
    """A stated algorithm type that the description's own wording points away from, for the type check.
    A member of the stated type's family (信息检索类 under 检索过滤类) does not contradict it."""
    stated = stated_type(text)
    if not stated:
        return None
    declared, at = stated
    masked = text[: at.start()] + " " * (at.end() - at.start()) + text[at.end() :]
    scores = type_scores(masked)
    best, score, _ = suggest_type(scores)
    declared_score = sum(v for k, v in scores.items() if type_family(k) == type_family(declared))
    if type_family(best) == type_family(declared) or score < 4 or score < 2 * max(declared_score, 1):
        return None
    return Finding(
        TYPE_CONTRADICTED,
        f"描述写明算法类型为“{declared}”，但描述的内容更像“{best}”（关键词 {score} 处，"
        f"“{declared}” {declared_score} 处）：请核对备案类型，类型检查会复核",
        occurrences=[Occurrence(at.group(0), at.start(), at.end(), sentence_at(items, at.start()).text)],
        data={"declared": declared, "suggested": best, "scores": scores},
    )
