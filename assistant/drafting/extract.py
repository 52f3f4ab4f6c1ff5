"""Free-text product description → facts file, in two layers.

1. Rules (`extraction/rules.py`): identifiers and formatted facts with their spans, placed by context;
   enumerations by keyword rules. Always runs; alone it is the `template` provider.
2. The model (`extraction/modelfill.py`), group by group under each group's JSON schema. By default it
   only chooses (`extraction/choice.py`): a sentence number for each long free-text field among the
   sentences carrying that field's cues, a value for each enumeration; one more call checks what each
   chosen sentence is about and drops the choices it puts under another field. Written values (`write`)
   are kept only when grounded in a sentence of the description. Values the rules found win, and a model
   value that disagrees is reported as a conflict.

Injected instructions are masked before either layer reads the description and reported. Each value carries
its source sentence and a status (found / uncertain); required facts neither layer found are listed as not
found. Findings about the description (name variants, several products, a contradicted type) come along."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant import factpath
from assistant.checking.injection import InjectionHit, clean_data, is_injection
from assistant.drafting.extraction import findings as fnd
from assistant.drafting.extraction import placement
from assistant.drafting.extraction.choice import REJECTED, Chosen, accepted, answer_for
from assistant.drafting.extraction.grounding import ground
from assistant.drafting.extraction.modelfill import Progress, run_groups, verify_picks
from assistant.drafting.extraction.record import Found, set_path
from assistant.drafting.extraction.rules import RuleResult, extract_rules
from assistant.drafting.extraction.schemas import ENUMS, Group, applicable_groups, filled_paths
from assistant.drafting.extraction.text import (
    MAX_DESCRIPTION_CHARS,
    MAX_LOCAL_DESCRIPTION_CHARS,
    MIN_DESCRIPTION_CHARS,
    DescriptionError,
    Sentence,
    screen,
    sentences,
)
from assistant.drafting.llm import LLM, CallSink
from assistant.facts import Facts, FactsError, fact_hints, fact_labels, label_for, parse_facts
from assistant.spec import SpecBook, missing_paths
from assistant.textnorm import normalize

__all__ = [
    "MAX_DESCRIPTION_CHARS",
    "MAX_LOCAL_DESCRIPTION_CHARS",
    "MIN_DESCRIPTION_CHARS",
    "Extraction",
    "ExtractionError",
    "extract_facts",
    "validate_description",
]
EMPTY_WORDS = {
    "无",
    "暂无",
    "未知",
    "不详",
    "未提及",
    "没有",
    "null",
    "none",
    "n/a",
    "-",
    "—",
    "待补充",
    "未说明",
}
VERIFY_STEP = "核对模型选出的句子"
CLAIMED = "这句话规则已读作“{}”，模型又把它选作本字段，请核对"
_PLACEHOLDER_RE = re.compile(r"YYYY|MM-DD|【待补充|\||\"\s*[:,]|[{}]|\\\"")  # help text, or JSON debris


class ExtractionError(ValueError):
    pass


@dataclass
class Extraction:
    facts: Facts
    missing: list[str]  # required key paths neither layer found ("描述中没有找到")
    dropped: list[str] = field(default_factory=list)  # model values the description does not support
    injections: list[InjectionHit] = field(default_factory=list)
    attempts: int = 1
    sources: dict[str, Found] = field(default_factory=dict)  # key path → value with its sentence
    findings: list[fnd.Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # group titles the model filled
    group_errors: list[str] = field(default_factory=list)
    provider: str = "template"

    @property
    def uncertain(self) -> list[str]:
        return sorted(p for p, f in self.sources.items() if f.uncertain)

    @property
    def blocking(self) -> list[fnd.Finding]:
        return [f for f in self.findings if f.blocking]

    def missing_report(self) -> list[str]:
        return [f"{label_for(p)}（{p}）" for p in self.missing]

    def as_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "facts": self.facts.as_dict(),
            "sources": {p: f.as_source() | {"value": f.value} for p, f in sorted(self.sources.items())},
            "uncertain": self.uncertain,
            "not_found": self.missing,
            "dropped": self.dropped,
            "findings": [f.as_dict() for f in self.findings],
            "notes": self.notes,
            "groups": self.groups,
            "group_errors": self.group_errors,
        }


def validate_description(text: str, limit: int = MAX_DESCRIPTION_CHARS) -> str:
    try:
        return screen(text, limit)[0]
    except DescriptionError as exc:
        raise ExtractionError(str(exc)) from exc


def description_limit(provider: str) -> int:
    return MAX_LOCAL_DESCRIPTION_CHARS if provider == "local" else MAX_DESCRIPTION_CHARS


def _mask_injections(text: str, items: list[Sentence]) -> tuple[str, list[InjectionHit]]:
    """Blank out instruction-like sentences (same length, so every offset still points into the original)."""
    hits, masked = [], text
    for sentence in items:
        if is_injection(sentence.text):
            hits.append(InjectionHit("description", sentence.text))
            masked = masked[: sentence.start] + " " * (sentence.end - sentence.start) + masked[sentence.end :]
    return masked, hits


def extract_facts(
    description: str,
    llm: LLM | None,
    spec: SpecBook,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    sink: CallSink | None = None,
    choose: bool = True,
    verify: bool = True,
    write: bool = False,
) -> Extraction:
    """Rules always; the model too when `llm` is given (each call to `sink`): it chooses sentences for the
    long free-text fields (`choose`, each choice verified when `verify`) and the enumerations; it writes
    the other fields only when `write` (measured: the small model's written values cost more precision than
    they add recall). Raises
    ExtractionError for unusable input."""
    limit = description_limit(llm.name if llm is not None else "template")
    try:
        text, notes = screen(description, limit)
    except DescriptionError as exc:
        raise ExtractionError(str(exc)) from exc
    masked, injections = _mask_injections(text, sentences(text))
    items = [s for s in sentences(masked)]
    rules = extract_rules(masked)
    sources: dict[str, Found] = {f.path: f for f in rules.found}
    findings = fnd.name_findings(masked, items, rules)
    if (contradiction := fnd.type_finding(masked, items)) is not None:
        findings.append(contradiction)
    findings += _injection_findings(text, injections) + _unplaced_findings(rules)
    findings += [fnd.Finding(fnd.INPUT_NOTE, note) for note in notes]
    dropped: list[str] = []
    merge = _Merge(masked, items, sources, dropped, findings)
    groups_done: list[str] = []
    group_errors: list[str] = []
    if llm is not None:
        role = _value(sources, "filing.role")
        kind = _value(sources, "filing.algorithm_type")
        groups = applicable_groups(role, kind, masked)
        filled = filled_paths(rules.found)
        picks: list[Chosen] = []
        offered: dict[str, list[int]] = {}
        for reply in run_groups(
            masked,
            llm,
            groups,
            on_progress,
            sink,
            filled,
            items if choose else None,
            write or not choose,
            VERIFY_STEP if choose and verify else "",
        ):
            if reply.error:
                group_errors.append(f"{reply.group.title}：{reply.error}")
                continue
            groups_done.append(reply.group.title)
            _merge_group(reply.group, reply.data, merge)
            picks += reply.picks
            offered |= reply.offered
        answers = (
            verify_picks(llm, items, picks, offered, _read_by_rules(rules, items), sink) if verify else {}
        )
        if on_progress and choose and verify and groups_done:
            on_progress(Progress(1, 1, "完成", 0.0, 0.0))
        for pick in picks:
            _accept_pick(pick, answers, merge)
        placement.mark_reuse(sources)
    data: dict[str, Any] = {}
    for path, found in sorted(sources.items(), key=lambda kv: _path_order(kv[0])):
        set_path(data, path, found.value)
    data, late_hits = clean_data(data)
    injections += late_hits
    facts = _parse(data, sources)
    return Extraction(
        facts,
        required_missing(facts, spec),
        dropped,
        injections,
        1,
        sources,
        findings,
        notes,
        groups_done,
        group_errors,
        llm.name if llm is not None else "template",
    )


def _value(sources: dict[str, Found], path: str) -> Any:
    found = sources.get(path)
    return found.value if found else None


def _path_order(path: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.findall(r"[^.\[\]]+", path)]


def _parse(data: dict[str, Any], sources: dict[str, Found]) -> Facts:
    try:
        return parse_facts(data, "抽取结果")
    except FactsError:
        # a value of the wrong shape (should not happen under the schemas): drop model values and retry
        for path in [p for p, f in sources.items() if f.origin == "model"]:
            sources.pop(path)
        clean: dict[str, Any] = {}
        for path, found in sources.items():
            set_path(clean, path, found.value)
        return parse_facts(clean, "抽取结果")


def _injection_findings(text: str, hits: list[InjectionHit]) -> list[fnd.Finding]:
    out = []
    for hit in hits:
        start = text.find(hit.sentence)
        out.append(
            fnd.Finding(
                fnd.INJECTION,
                "描述中有一句像是写给模型或撰写人的指令，已忽略，不会进入任何事实：" + hit.sentence[:80],
                occurrences=[fnd.Occurrence(hit.sentence, start, start + len(hit.sentence), hit.sentence)],
            )
        )
    return out


def _unplaced_findings(rules: RuleResult) -> list[fnd.Finding]:
    return [
        fnd.Finding(
            fnd.UNPLACED,
            f"识别到{u.path}“{u.value}”，但无法从上下文判断它属于哪个字段，未写入事实，请人工填写",
            occurrences=[fnd.Occurrence(str(u.value), u.start, u.end, u.sentence)],
        )
        for u in rules.unassigned
    ]


# --- merging the model's group replies ----------------------------------------------------------------


def _help_texts() -> set[str]:
    return {normalize(t) for t in (*fact_labels().values(), *fact_hints().values())}


def _leaves(value: Any, path: str) -> list[tuple[str, Any]]:
    """Scalars and lists of scalars by key path; lists of objects are expanded item by item."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, f"{path}.{k}")]
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        items = [v for v in value if isinstance(v, dict)]
        return [leaf for i, v in enumerate(items) for leaf in _leaves(v, f"{path}[{i}]")]
    return [(path, value)]


@dataclass
class _Merge:
    """What merging the model's values works on: the (masked) description and its sentences, the values found
    so far by path, the values dropped and the findings."""

    text: str
    items: list[Sentence]
    sources: dict[str, Found]
    dropped: list[str]
    findings: list[fnd.Finding]


def _merge_group(group: Group, data: Any, merge: _Merge) -> None:
    for root in group.roots:
        value = factpath.get(data, root) if isinstance(data, dict) else None
        if group.many(root):
            entries = [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []
            for entry in entries:
                index = _align(root, entry, merge.sources)
                for path, leaf in _leaves(entry, f"{root}[{index}]"):
                    _accept(path, leaf, merge)
        elif isinstance(value, dict):
            for path, leaf in _leaves(value, root):
                _accept(path, leaf, merge)


def _align(root: str, entry: dict[str, Any], sources: dict[str, Found]) -> int:
    """The index of the list item the model's entry describes: a model the rules already named keeps its
    index; anything else is appended."""
    name = str(entry.get("name") or "")
    taken = sorted({int(m.group(1)) for p in sources if (m := re.match(re.escape(root) + r"\[(\d+)\]", p))})
    for index in taken:
        known = str(
            _value(sources, f"{root}[{index}].name") or _value(sources, f"{root}[{index}].base_model") or ""
        )
        if name and known and (normalize(name) in normalize(known) or normalize(known) in normalize(name)):
            return index
    return max(taken) + 1 if taken else 0


def _accept(path: str, value: Any, merge: _Merge) -> None:
    if value is None or value == [] or value == "":
        return
    plain = re.sub(r"\[\d+\]", "", path)
    if isinstance(value, list):
        _accept_list(path, plain, value, merge)
        return
    if isinstance(value, bool) or plain in ENUMS:
        if not isinstance(value, bool) and str(value) not in ENUMS[plain]:
            merge.dropped.append(f"{path}：{str(value)[:40]}（不是该字段的可选值）")
            return
        evidence = _enum_evidence(merge.text, merge.items, str(value))
        candidate = Found(
            path, value, *evidence, "model", uncertain=True, note="模型判断，描述中没有直接写明"
        )
        _place(candidate, merge.sources, merge.findings)
        return
    value = str(value).strip()
    if normalize(value).lower() in EMPTY_WORDS:
        return
    if not placement.has_form(path, value):
        merge.dropped.append(f"{path}：{value[:40]}（不符合该字段的格式）")
        return
    if _PLACEHOLDER_RE.search(value) or normalize(value) in _help_texts():
        merge.dropped.append(f"{path}：{value[:40]}（模板或说明文字）")
        return
    grounding = ground(merge.text, merge.items, value)
    if grounding.strength == "none" or grounding.sentence is None:
        merge.dropped.append(f"{path}：{value[:40]}")
        return
    verdict = placement.check(path, value, grounding.sentence.text)
    weak = grounding.strength == "weak"
    candidate = Found(
        path,
        value,
        grounding.start,
        grounding.end,
        grounding.sentence.text,
        "model",
        uncertain=weak or verdict.status != placement.FOUND,
        note="描述中只有部分依据，请核对" if weak else verdict.note,
    )
    _place(candidate, merge.sources, merge.findings)


def _read_by_rules(rules: RuleResult, items: list[Sentence]) -> dict[str, int]:
    """The sentence number each long free-text value of the rules was read from."""
    out = {}
    for found in rules.found:
        number = next((i for i, s in enumerate(items, 1) if s.start <= found.start < s.end), None)
        if number is not None and isinstance(found.value, str):
            out[found.path] = number
    return out


def _accept_pick(pick: Chosen, answers: dict[str, str], merge: _Merge) -> None:
    """A sentence the model chose for a free-text field: the value is the description's own words, so it is
    grounded exactly. It is not kept when the verification put the sentence under another field."""
    sentence = next(s for s in merge.items if s.start <= pick.start < s.end)
    verdict = placement.check(pick.path, pick.text, sentence.text)
    if not accepted(pick, answers):
        verdict = placement.Verdict(placement.DROP, REJECTED.format(answer_for(pick, answers)))
    if verdict.status == placement.DROP:
        merge.dropped.append(f"{pick.path}：{pick.text[:40]}（{verdict.note}）")
        return
    claimed = _claimed_by_rules(pick, sentence, merge.sources)
    if claimed and verdict.status == placement.FOUND:
        verdict = placement.Verdict(
            placement.UNCERTAIN, CLAIMED.format("、".join(map(label_for, claimed[:3])))
        )
    candidate = Found(
        pick.path,
        pick.text,
        pick.start,
        pick.end,
        sentence.text,
        "model",
        uncertain=verdict.status != placement.FOUND,
        note=verdict.note,
    )
    _place(candidate, merge.sources, merge.findings)


def _claimed_by_rules(pick: Chosen, sentence: Sentence, sources: dict[str, Found]) -> list[str]:
    """Fields outside the pick's block that the rules read from the chosen sentence: a sentence the rules
    already placed elsewhere is, for the model's extra field, only a weak choice. The top-level safety and
    organization nodes are bags of unrelated measures, not blocks: a sentence the rules read as the
    account measures is a weak choice for the emergency response too."""
    return [
        path
        for path, found in sources.items()
        if found.origin == "rule"
        and sentence.start <= found.start < sentence.end
        and (factpath.parent(path) != factpath.parent(pick.path) or factpath.parent(path) in _BAGS)
        and path != pick.path
    ]


_BAGS = {"safety", "organization"}


def _accept_list(path: str, plain: str, value: list[Any], merge: _Merge) -> None:
    """A list of scalars: each item grounded and of the field's form (an enumeration's items among its
    choices); found only when every kept item's sentence is about the field."""
    kept, groundings = [], []
    for item in value:
        if item is None or str(item).strip() == "":
            continue
        if plain in ENUMS:
            if str(item) in ENUMS[plain]:
                kept.append(item)
            else:
                merge.dropped.append(f"{path}：{str(item)[:40]}（不是该字段的可选值）")
            continue
        grounding = ground(merge.text, merge.items, str(item))
        if grounding.strength == "none" or grounding.sentence is None:
            merge.dropped.append(f"{path}：{str(item)[:40]}")
        elif not placement.has_form(path, str(item)):
            merge.dropped.append(f"{path}：{str(item)[:40]}（不符合该字段的格式）")
        else:
            kept.append(item)
            groundings.append(grounding)
    if not kept:
        return
    first = groundings[0] if groundings else ground(merge.text, merge.items, str(kept[0]))
    weak = any(g.strength == "weak" for g in groundings)
    misplaced = any(g.sentence and not placement.about_field(path, g.sentence.text) for g in groundings)
    note = (
        "描述中只有部分依据，请核对"
        if weak
        else placement.MISPLACED.format(label_for(path))
        if misplaced
        else ""
    )
    candidate = Found(
        path,
        kept,
        first.start,
        first.end,
        first.sentence.text if first.sentence else "",
        "model",
        uncertain=plain in ENUMS or weak or misplaced,
        note=note,
    )
    _place(candidate, merge.sources, merge.findings)


def _enum_evidence(text: str, items: list[Sentence], value: str) -> tuple[int, int, str]:
    position = text.find(value)
    if position >= 0:
        sentence = next((s for s in items if s.start <= position < s.end), None)
        return position, position + len(value), sentence.text if sentence else ""
    return 0, 0, ""


def _place(candidate: Found, sources: dict[str, Found], findings: list[fnd.Finding]) -> None:
    """Rules win; a differing model value is reported. Otherwise the model's value is taken."""
    existing = sources.get(candidate.path)
    if existing is None:
        sources[candidate.path] = candidate
        return
    if existing.origin == "rule" and not _same(existing.value, candidate.value):
        findings.append(
            fnd.Finding(
                fnd.CONFLICT,
                f"{label_for(candidate.path)}（{candidate.path}）：规则识别为“{_show(existing.value)}”，"
                f"模型给出“{_show(candidate.value)}”，已采用规则识别的值，请核对",
                data={"path": candidate.path, "rule": existing.value, "model": candidate.value},
            )
        )
    elif existing.origin == "rule" and existing.uncertain and not candidate.uncertain:
        existing.uncertain = False  # both layers agree: no longer uncertain
        existing.note = ""


def _show(value: Any) -> str:
    return "、".join(map(str, value)) if isinstance(value, list) else str(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        left = {normalize(str(x)) for x in (a if isinstance(a, list) else [a])}
        right = {normalize(str(x)) for x in (b if isinstance(b, list) else [b])}
        return left == right or left <= right or right <= left
    left, right = normalize(str(a)).lower(), normalize(str(b)).lower()
    return left == right or left in right or right in left


def required_missing(facts: Facts, spec: SpecBook) -> list[str]:
    """Key paths the applicable sections need that the facts do not hold."""
    data = facts.as_dict()
    paths = {
        p
        for s in spec.applicable_sections(facts)
        for e in s.applicable_elements(facts)
        for spec_path in e.facts
        for p in missing_paths(data, spec_path)
    }
    for basic in (
        "filing.role",
        "filing.algorithm_type",
        "filing.algorithm_name",
        "entity.name",
        "product.name",
    ):
        if not facts.get(basic):
            paths.add(basic)
    return sorted(paths)
