"""Deterministic checks. Each check has an id (assistant/spec/checks.yaml), is blocking or a warning, and
points at a section and/or a facts key path. Export is refused while a blocking check fails."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any

from rapidfuzz import fuzz

from assistant import factpath
from assistant.checking.fabrication import FabricationDetector
from assistant.checking.injection import InjectionHit, clean_data
from assistant.checking.matching import fact_strings, marker_path, markers, mentions_fact
from assistant.checking.quantities import agrees, quantities, users
from assistant.checking.rules import check_data, check_rules
from assistant.corpus.citations import CitationStatus, alias_data, verify_text
from assistant.corpus.regulations import ArticleRegistry
from assistant.facts import (
    ALGORITHM_TYPES,
    FILING_KINDS,
    PRODUCT_FORMS,
    PROVENANCES,
    ROLES,
    Facts,
    credit_code_problem,
    date_problem,
    label_for,
    parse_facts,
    type_matches,
)
from assistant.numerals import cn_to_int
from assistant.spec import Element, Section, SpecBook, load_spec, missing_paths, present_values

ICP_RE = re.compile(r"^[\u4e00-\u9fa5]ICP[备证]\d+号(-\d+A?)?$")  # -NA: an app (App备案)
MONTHS_RE = re.compile(r"(\d+|[一二三四五六七八九十]+)\s*(个月|年)")
SENTENCE_RE = re.compile(r"[^。！？；\n]+[。！？；]?")


class FindingKind(StrEnum):
    """What kind of problem a finding is; code decides from this (and the fields), never from the message."""

    MISSING_FACT = "missing_fact"  # the facts file lacks an applicable fact (paths)
    INVALID_FACT = "invalid_fact"  # a fact's value is malformed or insufficient (paths, evidence: the value)
    INJECTION = "injection"  # instruction-like text in a fact (paths, evidence: the sentence)
    NOT_DRAFTED = "not_drafted"  # a section has no draft yet
    MISSING_ELEMENT = "missing_element"  # the draft does not state an element (paths not mentioned, evidence)
    PLACEHOLDER = "placeholder"  # 【待补充】 markers or template leftovers (evidence: the leftovers)
    FABRICATED = "fabricated"  # a value in the draft that no fact supports (evidence: the values)
    TEXT_PROBLEM = "text_problem"  # puffery, boilerplate, length (evidence: the words or sentences)
    CITATION = "citation"  # a citation that does not verify (evidence: the citation)
    CONSISTENCY = "consistency"  # names or numbers that differ from the facts (paths, evidence: the variants)
    SENSITIVE = "sensitive"  # internal identifiers in a public document (evidence: the hit)


KIND_LABELS: dict[FindingKind, str] = {
    FindingKind.MISSING_FACT: "缺少事实",
    FindingKind.INVALID_FACT: "事实取值有误",
    FindingKind.INJECTION: "疑似指令注入",
    FindingKind.NOT_DRAFTED: "尚未起草",
    FindingKind.MISSING_ELEMENT: "缺少要素",
    FindingKind.PLACEHOLDER: "待补充与模板残留",
    FindingKind.FABRICATED: "无依据的事实",
    FindingKind.TEXT_PROBLEM: "文字问题",
    FindingKind.CITATION: "引用问题",
    FindingKind.CONSISTENCY: "前后不一致",
    FindingKind.SENSITIVE: "不宜公开的信息",
}
# Kinds only the facts file can resolve: redrafting the text does not fix them.
FACT_KINDS = frozenset({FindingKind.MISSING_FACT, FindingKind.INVALID_FACT, FindingKind.INJECTION})


@dataclass
class Finding:
    """One problem. `message` is for people only; `kind`, `paths` (fact key paths), `evidence` (the offending
    values, words, quotes or sentences) and `sections` (every section it affects) are for code."""

    check: str
    blocking: bool
    message: str
    section: str | None = None
    field: str | None = None  # the main fact path (= paths[0]); kept for links to the facts form
    kind: FindingKind = FindingKind.TEXT_PROBLEM
    paths: list[str] = dataclasses.field(default_factory=list)
    evidence: list[str] = dataclasses.field(default_factory=list)
    sections: list[str] = dataclasses.field(default_factory=list)
    element: str | None = None  # the section element (sections.yaml) it concerns, if any
    basis: list[str] = dataclasses.field(default_factory=list)  # the check's articles that apply to the facts

    def __post_init__(self) -> None:
        if self.field and self.field not in self.paths:
            self.paths.insert(0, self.field)
        if self.paths and not self.field:
            self.field = self.paths[0]
        if self.section and self.section not in self.sections:
            self.sections.insert(0, self.section)
        if self.sections and not self.section:
            self.section = self.sections[0]

    @property
    def title(self) -> str:
        return check_data()["checks"].get(self.check, {}).get("title", self.check)

    @property
    def fixable_in_text(self) -> bool:
        """Whether redrafting the section can fix it (not a fact only the facts file can supply)."""
        return self.kind not in FACT_KINDS and self.kind != FindingKind.NOT_DRAFTED

    def to_dict(self) -> dict[str, Any]:
        return {
            **dataclasses.asdict(self),
            "kind": str(self.kind),
            "title": self.title,
            "labels": [fact_label(p) for p in self.paths],
        }


@dataclass
class CheckReport:
    findings: list[Finding]

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.blocking]

    @property
    def passed(self) -> bool:
        return not self.blocking

    def for_section(self, section_id: str) -> list[Finding]:
        """The findings that affect the section (a missing fact affects every section that needs it)."""
        return [f for f in self.findings if section_id in f.sections]

    def for_path(self, path: str) -> list[Finding]:
        return [f for f in self.findings if path in f.paths]

    def problem_count(self) -> int:
        """Distinct problems: a missing fact counts once however many sections it affects."""
        return len(self.findings)

    def failed_checks(self) -> list[str]:
        return sorted({f.check for f in self.blocking})


@dataclass
class CheckContext:
    facts: Facts
    drafts: dict[str, str]
    spec: SpecBook
    registry: ArticleRegistry | None = None
    library: Any = None  # assistant.corpus.filings.FilingLibrary, for template-likeness
    scope: set[str] | None = None  # section ids to check; None = the whole filing
    injections: list[InjectionHit] = dataclasses.field(default_factory=list)  # removed from `facts` already

    @cached_property
    def data(self) -> dict[str, Any]:
        return self.facts.as_dict()

    @cached_property
    def values(self) -> list[str]:
        """Every fact value as text (matching.fact_strings), for checks that look drafts up against the facts."""
        return fact_strings(self.data)

    @cached_property
    def sections(self) -> list[Section]:
        applicable = self.spec.applicable_sections(self.facts)
        return [s for s in applicable if self.scope is None or s.id in self.scope]

    @property
    def whole_filing(self) -> bool:
        return self.scope is None

    def text(self, section_id: str) -> str:
        return self.drafts.get(section_id, "")

    def drafted(self) -> Iterable[tuple[Section, str]]:
        for section in self.sections:
            if self.drafts.get(section.id, "").strip():
                yield section, self.drafts[section.id]


CheckFn = Callable[[CheckContext], Iterable[Finding]]
REGISTRY: dict[str, CheckFn] = {}


def register(fn: CheckFn) -> CheckFn:
    REGISTRY[fn.__name__.removeprefix("check_")] = fn
    return fn


# --- facts-level --------------------------------------------------------------------------------


def fact_label(path: str) -> str:
    """A fact path in Chinese for people: its label, and the item number when it is inside a list
    (`algorithm.models[2].name` → `模型名称（第 3 项）`)."""
    items = [step.index + 1 for step in factpath.parse(path) if step.index is not None]
    return label_for(path) + "".join(f"（第 {i} 项）" for i in items)


def invalid_fact(check: str, message: str, path: str, value: Any, *, blocking: bool = True) -> Finding:
    """A fact whose value is malformed or insufficient: the path and the value as evidence."""
    return Finding(check, blocking, message, field=path, kind=FindingKind.INVALID_FACT, evidence=[str(value)])


def _enum_finding(path: str, value: Any, allowed: tuple[str, ...]) -> Finding | None:
    if value in (None, "") or value in allowed:
        return None
    return invalid_fact(
        "facts_valid", f"{fact_label(path)}的取值“{value}”无效，应为：{' | '.join(allowed)}", path, value
    )


@register
def check_facts_valid(ctx: CheckContext) -> Iterable[Finding]:
    f = ctx.facts
    for path, value, allowed in (
        ("filing.role", f.filing.role, ROLES),
        ("filing.algorithm_type", f.filing.algorithm_type, ALGORITHM_TYPES),
        ("filing.filing_kind", f.filing.filing_kind, FILING_KINDS),
    ):
        if finding := _enum_finding(path, value, allowed):
            yield finding
    for index, model in enumerate(f.models):
        if finding := _enum_finding(f"algorithm.models[{index}].provenance", model.provenance, PROVENANCES):
            yield finding
    for index, form in enumerate(f.product.forms or []):
        if finding := _enum_finding(f"product.forms[{index}]", form, PRODUCT_FORMS):
            yield finding
    if f.entity.credit_code and (problem := credit_code_problem(f.entity.credit_code)):
        yield invalid_fact(
            "facts_valid", f"统一社会信用代码无效：{problem}", "entity.credit_code", f.entity.credit_code
        )
    if f.product.launch_date and (problem := date_problem(f.product.launch_date)):
        yield invalid_fact("facts_valid", f"上线日期{problem}", "product.launch_date", f.product.launch_date)
    # 网信算备 numbers: decoded and looked up in the published lists by assistant/registry/checks.py
    if f.product.icp_number and not ICP_RE.match(f.product.icp_number.strip()):
        message = f"ICP 备案号“{f.product.icp_number}”格式不规范（例：浙ICP备2024012345号-1）"
        yield invalid_fact("icp", message, "product.icp_number", f.product.icp_number, blocking=False)


def _element_missing(ctx: CheckContext, element: Element) -> list[str]:
    return [p for path in element.facts for p in missing_paths(ctx.data, path)]


@register
def check_missing_facts(ctx: CheckContext) -> Iterable[Finding]:
    """One finding per applicable fact the facts file does not hold, by its key path, listing every section
    whose elements need it."""
    found: dict[str, tuple[Element, list[Section]]] = {}
    for section in ctx.sections:
        for element in section.applicable_elements(ctx.facts):
            for path in _element_missing(ctx, element):
                first, sections = found.setdefault(path, (element, []))
                if section not in sections:
                    sections.append(section)
                if element.blocking and not first.blocking:
                    found[path] = (element, sections)
    for path, (element, sections) in found.items():
        yield Finding(
            element.check if element.check != "elements" else "missing_facts",
            element.blocking,
            f"缺少事实“{fact_label(path)}”"
            + (f"（{element.name}）" if element.name != label_for(path) else ""),  # + sections, in run_checks
            field=path,
            kind=FindingKind.MISSING_FACT,
            sections=[s.id for s in sections],
            element=element.id,
        )


@register
def check_injection(ctx: CheckContext) -> Iterable[Finding]:
    """Instruction-like text in a facts value: blocking, naming the field and quoting the sentence. Drafts leave
    it out; export waits until the user removes it from the facts."""
    by_field: dict[str, list[str]] = {}
    for hit in ctx.injections:
        by_field.setdefault(hit.path, []).append(hit.sentence)
    for path, sentences in by_field.items():
        quoted = "".join(f"“{sentence[:120]}”" for sentence in sentences)
        yield Finding(
            "injection",
            True,
            f"“{fact_label(path)}”中有 {len(sentences)} 句像是给起草程序的指令，起草时已忽略，请从事实中删除：{quoted}",
            field=path,
            kind=FindingKind.INJECTION,
            evidence=sentences,
        )


@register
def check_labeling_facts(ctx: CheckContext) -> Iterable[Finding]:
    explicit = ctx.facts.safety.labeling.explicit if ctx.facts.safety.labeling else None
    if not type_matches(ctx.facts.algorithm_type, ("生成合成类",)) or not explicit:
        return
    if not re.search(r"人工智能|AI", explicit) or not re.search(r"生成|合成", explicit):
        yield Finding(
            "labeling",
            True,
            f"显式标识须同时包含“人工智能”或“AI”要素和“生成”或“合成”要素（当前：{explicit[:40]}）",
            section="labeling",
            field="safety.labeling.explicit",
            kind=FindingKind.INVALID_FACT,
            evidence=[explicit],
        )


@register
def check_logs(ctx: CheckContext) -> Iterable[Finding]:
    retention = ctx.facts.safety.log_retention
    if not retention:
        return
    months = [cn_to_int(n) * (12 if unit == "年" else 1) for n, unit in MONTHS_RE.findall(retention)]
    if not months or max(months) < 6:
        yield invalid_fact(
            "logs", f"网络日志留存期限应不少于六个月（当前：{retention}）", "safety.log_retention", retention
        )


@register
def check_responsibility_systems(ctx: CheckContext) -> Iterable[Finding]:
    section = next((s for s in ctx.sections if s.systems_required), None)
    systems = ctx.facts.organization.systems
    if section is None or not systems:
        return
    names = [s if isinstance(s, str) else (s.name or "") for s in systems]
    text = ctx.text(section.id)
    for required in section.systems_required:
        if not required.applies(ctx.facts):
            continue
        if not any(re.search(required.match, name) for name in names):
            yield Finding(
                "responsibility",
                True,
                f"管理制度缺少“{required.name}”",
                section=section.id,
                field="organization.systems",
                kind=FindingKind.MISSING_FACT,
                evidence=[required.name],
            )
        elif text and not re.search(required.match, text):
            yield Finding(
                "responsibility",
                True,
                f"《{section.title}》未写明“{required.name}”的内容和落实方式",
                section=section.id,
                kind=FindingKind.MISSING_ELEMENT,
                evidence=[required.name],
            )
    if ctx.facts.organization.staff_count and not re.search(r"\d", ctx.facts.organization.staff_count):
        staff = ctx.facts.organization.staff_count
        yield invalid_fact(
            "responsibility", "算法安全工作人员配备规模应写明人数", "organization.staff_count", staff
        )


# --- draft-level --------------------------------------------------------------------------------


@register
def check_completeness(ctx: CheckContext) -> Iterable[Finding]:
    for section in ctx.sections:
        if not ctx.text(section.id).strip():
            yield Finding(
                "completeness",
                True,
                f"章节“{section.title}”尚未起草",
                section=section.id,
                kind=FindingKind.NOT_DRAFTED,
            )


@register
def check_elements(ctx: CheckContext) -> Iterable[Finding]:
    """Every applicable element: its facts mentioned and its patterns matched in the section draft."""
    for section, text in ctx.drafted():
        for element in section.applicable_elements(ctx.facts):
            if _element_missing(ctx, element):
                continue  # reported as a missing fact; the draft carries a marker instead
            present = [pair for spec_path in element.facts for pair in present_values(ctx.data, spec_path)]
            unmentioned = [path for path, value in present if not mentions_fact(text, value)]
            # the facts the draft states answer the element too: its vocabulary may be in their wording
            stated = [s for path, value in present if path not in unmentioned for s in fact_strings(value)]
            unmatched = [
                p
                for p in element.patterns
                if not re.search(p, text) and not any(re.search(p, v) for v in stated)
            ]
            if unmatched and not unmentioned and present:
                yield _fact_lacks(section, element, present, unmatched)
            elif unmentioned or unmatched:
                detail = "；".join(
                    filter(
                        None,
                        [
                            "未写明" + "、".join(f"“{fact_label(p)}”" for p in unmentioned)
                            if unmentioned
                            else "",
                            f"缺少与“{'、'.join(unmatched)}”相关的表述" if unmatched else "",
                        ],
                    )
                )
                yield Finding(
                    element.check,
                    element.blocking,
                    f"《{section.title}》缺少要素“{element.name}”：{detail}",
                    section=section.id,
                    kind=FindingKind.MISSING_ELEMENT,
                    paths=unmentioned,
                    evidence=unmatched,
                    element=element.id,
                )


def _readable(pattern: str) -> str:
    """A pattern's words when it is a plain alternation (未成年人模式|防沉迷 → 未成年人模式、防沉迷), else ""."""
    return "、".join(pattern.split("|")) if re.fullmatch(r"[\w|]+", pattern) else ""


def _fact_lacks(
    section: Section, element: Element, present: list[tuple[str, Any]], unmatched: list[str]
) -> Finding:
    """The facts that answer an element are stated but do not say what it needs: the fact's problem."""
    path, value = present[0]
    needs = element.needs or "、".join(filter(None, map(_readable, unmatched))) or element.name
    shown = "；".join(fact_strings(value))[:60]
    return Finding(
        element.check,
        element.blocking,
        f"“{fact_label(path)}”须写明{needs}（当前：{shown}）",
        section=section.id,
        field=path,
        kind=FindingKind.INVALID_FACT,
        paths=[p for p, _ in present],
        evidence=unmatched,
        element=element.id,
    )


@register
def check_hygiene(ctx: CheckContext) -> Iterable[Finding]:
    patterns = [re.compile(p) for p in check_data()["hygiene_patterns"]]
    for section, text in ctx.drafted():
        found = [m for p in patterns for m in p.findall(text)]
        pending = markers(text)
        if pending:
            yield Finding(
                "hygiene",
                True,
                f"《{section.title}》仍有 {len(pending)} 处待补充：" + "；".join(pending[:5]),
                section=section.id,
                kind=FindingKind.PLACEHOLDER,
                paths=list(dict.fromkeys(p for m in pending if (p := marker_path(m)))),
                evidence=pending,
            )
        others = [m for m in found if not m.startswith("【待补充")]
        if others:
            yield Finding(
                "hygiene",
                True,
                f"《{section.title}》含有模板残留：{'、'.join(sorted(set(others))[:5])}",
                section=section.id,
                kind=FindingKind.PLACEHOLDER,
                evidence=sorted(set(others)),
            )


@register
def check_citations(ctx: CheckContext) -> Iterable[Finding]:
    if ctx.registry is None:
        return
    scoped = _out_of_scope_articles(ctx)
    for section, text in ctx.drafted():
        for result in verify_text(text, ctx.registry):
            if (
                result.status == CitationStatus.OK
                and result.citation.article
                and result.resolved_title in scoped
            ):
                yield Finding(
                    "citations",
                    False,
                    f"《{section.title}》引用的《{result.resolved_title}》{result.citation.article}只适用于"
                    f"{scoped[result.resolved_title]}，与本备案（{ctx.facts.algorithm_type or '类型未填'}）不符，请核实",
                    section=section.id,
                    kind=FindingKind.CITATION,
                    evidence=[text[result.citation.start : result.citation.end]],
                )
            if result.status == CitationStatus.OK or (
                result.status == CitationStatus.NOT_IN_CORPUS and not result.citation.article
            ):
                continue
            # An article of a regulation that is not in the corpus, or a title-only mention of one, cannot
            # be verified: a warning. A wrong article, a wrong quote or an unknown regulation's article blocks.
            title_only = result.status == CitationStatus.UNKNOWN_REGULATION and not result.citation.article
            blocking = result.status in (CitationStatus.UNKNOWN_ARTICLE, CitationStatus.QUOTE_MISMATCH) or (
                result.status == CitationStatus.UNKNOWN_REGULATION and not title_only
            )
            message = result.message + ("，无法核实" if title_only else "")
            yield Finding(
                "citations",
                blocking,
                f"《{section.title}》：{message}",
                section=section.id,
                kind=FindingKind.CITATION,
                evidence=[text[result.citation.start : result.citation.end]],
            )


def _out_of_scope_articles(ctx: CheckContext) -> dict[str | None, str]:
    """Regulations whose obligations apply only to algorithm types other than this filing's (regulation_aliases
    .yaml `scoped`) → the types they apply to."""
    return {
        title: "、".join(types)
        for title, types in alias_data().get("scoped", {}).items()
        if not type_matches(ctx.facts.algorithm_type, types)
    }


@register
def check_unsupported_facts(ctx: CheckContext) -> Iterable[Finding]:
    detector = fabrication_detector(ctx)
    for section, text in ctx.drafted():
        if section.mode != "draft":
            continue
        for item in detector.scan(text)[:8]:
            yield Finding(
                "unsupported_facts",
                True,
                f"《{section.title}》出现事实文件中没有的{item.describe()}",
                section=section.id,
                kind=FindingKind.FABRICATED,
                evidence=[item.value],
            )


def fabrication_detector(ctx: CheckContext) -> FabricationDetector:
    return FabricationDetector("\n".join(ctx.values), ctx.registry.corpus_text if ctx.registry else "")


@register
def check_puffery(ctx: CheckContext) -> Iterable[Finding]:
    words = check_data()["puffery"]
    for section, text in ctx.drafted():
        hits = [w for w in words if w in text]
        if hits:
            yield Finding(
                "puffery",
                True,
                f"《{section.title}》使用了无法证实的夸大用语：{'、'.join(hits)}",
                section=section.id,
                kind=FindingKind.TEXT_PROBLEM,
                evidence=hits,
            )


def _canonical_names(facts: Facts) -> list[tuple[str, str]]:
    names = [
        ("entity.name", facts.entity.name),
        ("product.name", facts.product.name),
        ("filing.algorithm_name", facts.filing.algorithm_name),
    ]
    names += [(f"algorithm.models[{i}].name", m.name) for i, m in enumerate(facts.models)]
    return [(path, name) for path, name in names if name and len(name) >= 4]


def name_variants(text: str, name: str) -> set[str]:
    """Spellings in `text` that look like `name` but differ from it (same first two characters, ≥ 75 % similar)."""
    variants: set[str] = set()
    for match in re.finditer(re.escape(name[:2]), text):
        for length in range(max(2, len(name) - 2), len(name) + 3):
            candidate = text[match.start() : match.start() + length]
            if candidate == name or name.startswith(candidate) or candidate.startswith(name):
                continue
            if (
                len(candidate) == length
                and fuzz.ratio(candidate, name) >= 75
                and candidate[-1] not in "，。；、的和与及"
            ):
                variants.add(candidate)
    return (
        {v for v in variants if not any(v != w and w in v and name not in w for w in variants)}
        if variants
        else set()
    )


@register
def check_identity(ctx: CheckContext) -> Iterable[Finding]:
    names = _canonical_names(ctx.facts)
    for section, text in ctx.drafted():
        for path, name in names:
            others = [n for _, n in names if n != name]
            # a look-alike that the facts state elsewhere (say, a model provider in the same city) is another name
            variants = {
                v
                for v in name_variants(text, name)
                if not any(v in o or o in v for o in others)
                and not any(v in f for f in ctx.values if f != name)
            }
            # keep only variants that are not a longer/shorter form of a correctly spelt occurrence
            variants = {
                v for v in variants if name not in text[max(0, text.find(v) - 2) : text.find(v) + len(v) + 2]
            }
            if variants:
                yield Finding(
                    "identity",
                    True,
                    f"《{section.title}》中“{name}”（{fact_label(path)}）被写成了：{'、'.join(sorted(variants)[:3])}",
                    section=section.id,
                    field=path,
                    kind=FindingKind.CONSISTENCY,
                    evidence=sorted(variants),
                )
        code = ctx.facts.entity.credit_code
        for other in re.findall(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{18}(?![0-9A-Z])", text):
            if code and other != code and re.search(r"\d", other):
                yield Finding(
                    "identity",
                    True,
                    f"《{section.title}》中的统一社会信用代码 {other} 与事实文件不一致",
                    section=section.id,
                    field="entity.credit_code",
                    kind=FindingKind.CONSISTENCY,
                    evidence=[other],
                )


@register
def check_risk_control(ctx: CheckContext) -> Iterable[Finding]:
    risks, controls = ctx.text("risk_assessment"), ctx.text("risk_controls") + ctx.text("intervention")
    if not risks or not controls.strip():
        return
    mapping = check_data()["risk_controls_map"]
    for category, words in mapping.items():
        if category in risks and not re.search(words, controls):
            yield Finding(
                "risk_control",
                True,
                f"风险研判列出了“{category}”风险，但风险防控情况和干预策略中没有对应的防控措施",
                section="risk_controls",
                kind=FindingKind.MISSING_ELEMENT,
                evidence=[category],
            )
    for name in re.findall(
        r"(?m)^\s*(?:#+\s*)?(?:[（(][一二三四五六七八九十\d]+[）)]|\d+[.、])\s*([^\s，。：:；]{2,16}?)风险",
        risks,
    ):
        core = re.sub(r"^(算法|模型)", "", name).strip() or name
        if not _risk_addressed(core, controls, mapping):
            yield Finding(
                "risk_control",
                True,
                f"风险“{name}风险”在风险防控情况中没有对应的防控措施",
                section="risk_controls",
                kind=FindingKind.MISSING_ELEMENT,
                evidence=[f"{name}风险"],
            )


def _risk_addressed(core: str, controls: str, mapping: dict[str, str]) -> bool:
    return core in controls or any(
        cat in core and re.search(words, controls) for cat, words in mapping.items()
    )


@register
def check_publicity(ctx: CheckContext) -> Iterable[Finding]:
    internal = re.compile(
        r"(?<!\d)(?:\d{1,3}\.){3}\d{1,3}(?!\d)"  # IPv4 address
        r"|\bsk-[A-Za-z0-9]{16,}|\b[A-Za-z0-9+/_-]{32,}={0,2}"  # key- or token-shaped strings
        r"|(?:password|passwd|secret|api[_-]?key|token|密码|口令)\s*[:：=]"  # a credential being given
        r"|[\w-]+\.(?:internal|intranet|corp|local|lan)\b|内网地址",
        re.I,
    )
    for section, text in ctx.drafted():
        if section.document != "publicity":
            continue
        if hit := internal.search(text):
            yield Finding(
                "publicity",
                True,
                f"《{section.title}》将公开发布，不得包含内部标识或敏感信息：{hit.group(0)}",
                section=section.id,
                kind=FindingKind.SENSITIVE,
                evidence=[hit.group(0)],
            )


@register
def check_boilerplate(ctx: CheckContext) -> Iterable[Finding]:
    generic = check_data()["generic_phrases"]
    anchors = [s for s in ctx.values if 2 <= len(s) <= 30]
    for section, text in ctx.drafted():
        if section.mode != "draft":
            continue
        sentences = [s for s in SENTENCE_RE.findall(text) if len(s.strip()) >= 12]
        vague = [s for s in sentences if any(g in s for g in generic) and not any(a in s for a in anchors)]
        if len(sentences) >= 4 and len(vague) / len(sentences) > 0.3:
            yield Finding(
                "boilerplate",
                False,
                f"《{section.title}》有 {len(vague)}/{len(sentences)} 句是不涉及本产品事实的套话，"
                f"例如：“{vague[0].strip()[:30]}”",
                section=section.id,
                kind=FindingKind.TEXT_PROBLEM,
                evidence=[v.strip() for v in vague],
            )
        if (
            ctx.library is not None
            and (score := ctx.library.template_likeness(text)) is not None
            and score.score >= 0.5
        ):
            yield Finding(
                "boilerplate",
                False,
                f"《{section.title}》与往期备案“{score.filing_id}”的文字重合度为 "
                f"{score.score:.0%}，疑似套用模板",
                section=section.id,
                kind=FindingKind.TEXT_PROBLEM,
                evidence=[score.filing_id],
            )


@register
def check_length(ctx: CheckContext) -> Iterable[Finding]:
    for section, text in ctx.drafted():
        size = len(re.sub(r"\s", "", text))
        if size < section.length.min:
            yield Finding(
                "length",
                False,
                f"《{section.title}》仅 {size} 字，少于建议的 {section.length.min} 字，描述可能过于简略",
                section=section.id,
                kind=FindingKind.TEXT_PROBLEM,
            )
        elif size > section.length.max:
            yield Finding(
                "length",
                False,
                f"《{section.title}》{size} 字，超过建议的 {section.length.max} 字",
                section=section.id,
                kind=FindingKind.TEXT_PROBLEM,
            )


@register
def check_numeric_consistency(ctx: CheckContext) -> Iterable[Finding]:
    """User counts in the drafts agree with product.user_scale, compared like with like: only numbers that
    count users (not logs, samples, keywords or calls), and monthly actives with monthly actives."""
    scale = ctx.facts.product.user_scale
    if not scale:
        return
    stated = [replace(q, noun="users") for q in quantities(scale) if q.noun in ("users", "")]
    for section, text in ctx.drafted():
        for count in users(text):
            if not agrees(count, stated):
                yield Finding(
                    "numeric_consistency",
                    True,
                    f"《{section.title}》中的用户规模“{count.text.strip()}”与事实文件（{scale}）不一致",
                    section=section.id,
                    field="product.user_scale",
                    kind=FindingKind.CONSISTENCY,
                    evidence=[count.text.strip()],
                )


def run_checks(
    facts: Facts,
    drafts: dict[str, str],
    *,
    spec: SpecBook | None = None,
    registry: ArticleRegistry | None = None,
    library: Any = None,
    scope: set[str] | None = None,
) -> CheckReport:
    # Instruction-like sentences in the facts are reported (check_injection); every other check sees the facts
    # without them, as drafting does.
    screened, injections = _screen(json.dumps(facts.as_dict(), ensure_ascii=False, sort_keys=True))
    if injections:
        facts = parse_facts(json.loads(screened))
    ctx = CheckContext(facts, drafts, spec or load_spec(), registry, library, scope, injections)
    findings: list[Finding] = []
    seen: set[tuple[Any, ...]] = set()
    for fn in REGISTRY.values():
        for finding in fn(ctx):
            key = (
                finding.check,
                finding.kind,
                finding.section,
                finding.element,
                tuple(finding.paths),
                tuple(finding.evidence),
            )
            if key not in seen:
                seen.add(key)
                findings.append(finding)
    findings = _fold_markers(findings)
    injected = {f.field for f in findings if f.kind == FindingKind.INJECTION}
    findings = [f for f in findings if not (f.kind == FindingKind.MISSING_FACT and f.field in injected)]
    titles = {section.id: section.title for section in ctx.spec.sections}
    for finding in findings:
        if finding.kind == FindingKind.MISSING_FACT and finding.sections:
            finding.message += "，影响：" + "、".join(f"《{titles.get(s, s)}》" for s in finding.sections)
    rules = check_rules()
    for finding in findings:
        if rule := rules.get(finding.check):
            finding.basis = [ref.citation for ref in rule.applicable_basis(facts)] + [
                f"《{name}》" for name in rule.title_only
            ]
    findings.sort(
        key=lambda f: (not f.blocking, f.kind != FindingKind.MISSING_FACT, f.section or "", f.check)
    )
    return CheckReport(findings)


@lru_cache(maxsize=8)
def _screen(data: str) -> tuple[str, list[InjectionHit]]:
    """The facts (as JSON) without instruction-like sentences, and those sentences; cached per facts text."""
    cleaned, hits = clean_data(json.loads(data))
    return json.dumps(cleaned, ensure_ascii=False), hits


def _fold_markers(findings: list[Finding]) -> list[Finding]:
    """A section's 【待补充】 markers that only stand for facts already reported missing are not a second
    problem: the section joins the missing fact's list of affected sections instead."""
    missing = {f.field: f for f in findings if f.kind == FindingKind.MISSING_FACT and f.field}
    kept = []
    for finding in findings:
        paths = [marker_path(m) for m in finding.evidence] if finding.kind == FindingKind.PLACEHOLDER else []
        if paths and all(p in missing for p in paths):
            for path in paths:
                if finding.section not in missing[path].sections:
                    missing[path].sections.append(finding.section)
                missing[path].blocking = True  # a marker left in a draft always blocks export
            continue
        kept.append(finding)
    return kept


@dataclass
class FilingDecision:
    filings: list[str] = dataclasses.field(default_factory=list)
    reasons: list[str] = dataclasses.field(default_factory=list)


def decide_filings(facts: Facts) -> FilingDecision:
    """Which filings the product needs (filing-domain.md §6)."""
    decision = FilingDecision(
        ["算法备案"], [f"{facts.algorithm_type or '算法'}（{facts.role or '角色未填'}）须办理算法备案"]
    )
    if facts.algorithm_type != "生成合成类":
        return decision
    own = [
        m.name
        for m in facts.models
        if m.provenance in ("自研", "基于开源模型微调") and _is_generative(m.purpose or "")
    ]
    third = [m.name for m in facts.models if m.provenance == "第三方API"]
    if own and facts.filing.public_opinion_attribute:
        decision.filings.append("生成式人工智能服务备案（大模型备案）")
        decision.reasons.append(
            f"自研或微调的生成模型（{'、'.join(filter(None, own))}）面向公众提供服务且具有舆论属性"
        )
    elif third and facts.filing.public_opinion_attribute:
        decision.filings.append("生成式人工智能服务登记")
        decision.reasons.append(
            f"调用已备案的第三方大模型（{'、'.join(filter(None, third))}）面向公众提供服务且具有舆论属性"
        )
    return decision


def _is_generative(purpose: str) -> bool:
    return bool(re.search(r"生成|合成|续写|改写|对话|问答|绘|配音|克隆", purpose))


# The registry checks (网信算备 numbers against the published lists, type plausibility) register themselves.
import assistant.registry.checks  # noqa: E402, F401
