"""Drafting engine: template drafts, or LLM drafts with retrieval, the draft → check → repair loop, and a
deterministic fill of whatever the model still leaves out."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from assistant import factpath
from assistant.checking.checks import Finding, FindingKind, run_checks
from assistant.checking.injection import InjectionHit, clean_data
from assistant.checking.matching import markers, mentions_fact
from assistant.corpus.citations import find_citations
from assistant.drafting.drafts import (
    HEADING_RE,
    TEMPLATE_FALLBACK,
    DraftRecord,
    paragraph_provenance,
    paragraphs_of,
    section_provenance,
)
from assistant.drafting.llm import (
    LLM,
    CallSink,
    LLMError,
    Message,
    ModelCall,
    TokenCallback,
    call_model,
    get_llm,
    provider_profile,
)
from assistant.drafting.prompts import data_block, prompt_hash, render
from assistant.drafting.template_drafter import draft_section
from assistant.facts import Facts, label_for, parse_facts
from assistant.numerals import cn_to_int
from assistant.runtime import Runtime
from assistant.spec import Section, missing_paths, present_values

SavedCallback = Callable[[DraftRecord], None]
ARTICLE_CHARS = 320
EXEMPLAR_CHARS = 420
_PREAMBLE_RE = re.compile(r"^\s*(以下是|下面是|好的|当然)[^\n]*\n+")
_SCAFFOLD_RE = re.compile(
    r"^\s*((任务|必须写明的要素|可用的事实|相关条文|输出要求|检查发现的问题|修改要求|改写要求|草稿|底稿)[（(：:].*|</?data>)\s*$"
)
# the document and section titles (levels 1–2) are the exporter's; sub-headings (### 1.) are the section's own
_MARKDOWN_RE = re.compile(r"^\s*#{1,2}(?!#)\s*|\*\*")
ECHO_LIMIT = 0.5
REPETITION_LIMIT = 0.5
_FENCE_RE = re.compile(r"^```[a-z]*\n|\n```\s*$")


@dataclass
class SectionUsage:
    """Token counts and calls of one section, summed over its rounds."""

    prompt: int = 0
    completion: int = 0
    calls: int = 0

    def add(self, call: ModelCall) -> None:
        self.prompt += call.prompt_tokens or 0
        self.completion += call.completion_tokens or 0
        self.calls += 1

    def totals(self) -> dict[str, int]:
        return {"prompt": self.prompt, "completion": self.completion, "calls": self.calls}


@dataclass
class DraftContext:
    facts: Facts  # with injection sentences removed
    injections: list[InjectionHit] = field(default_factory=list)


def prepare_facts(facts: Facts) -> DraftContext:
    cleaned, hits = clean_data(facts.as_dict())
    return DraftContext(parse_facts(cleaned) if hits else facts, hits)


def select_sections(rt: Runtime, facts: Facts, keys: list[str] | None) -> list[Section]:
    applicable = rt.spec.applicable_sections(facts)
    if not keys:
        return applicable
    chosen = []
    for key in keys:
        section = rt.spec.section(key)  # KeyError names the valid choices
        if section not in applicable:
            raise KeyError(
                f"章节“{section.title}”不适用于本备案（{facts.role or '角色未填'}，{facts.algorithm_type or '类型未填'}）"
            )
        chosen.append(section)
    return chosen


def section_findings(rt: Runtime, facts: Facts, section: Section, text: str) -> list[Finding]:
    report = run_checks(facts, {section.id: text}, spec=rt.spec, registry=rt.registry, scope={section.id})
    return [f for f in report.findings if f.section == section.id]


def _fixable(finding: Finding) -> bool:
    """Findings the text can fix (not absent facts, which only the facts file can supply)."""
    return finding.blocking and finding.fixable_in_text


def _finding_key(finding: Finding) -> tuple[Any, ...]:
    """Identity of a finding, to tell whether a model text has the same problem as the template draft."""
    return (
        finding.check,
        finding.kind,
        finding.section,
        finding.element,
        frozenset(finding.paths),
        frozenset(finding.evidence),
    )


@dataclass
class Fixable:
    """The blocking problems a model text must not have: fixable in text, and not already in the template
    draft it rewrites (e.g. the 【待补充】 markers of absent facts, which the model must keep)."""

    baseline: set[tuple[Any, ...]]

    def __call__(self, finding: Finding) -> bool:
        return _fixable(finding) and _finding_key(finding) not in self.baseline


class Drafter:
    def __init__(
        self,
        rt: Runtime,
        provider: str,
        llm: LLM | None = None,
        exclude_filings: set[str] | None = None,
        on_call: CallSink | None = None,
    ):
        """`on_call` receives every model call (prompt, response, tokens, timings, round) for the log."""
        self.rt = rt
        self.provider = provider
        self.profile = provider_profile(provider)
        self.llm = llm if llm is not None else get_llm(provider, rt.settings)
        self.exclude_filings = exclude_filings or set()
        self.on_call = on_call

    # --- public ----------------------------------------------------------------------------------

    def draft(
        self,
        facts: Facts,
        keys: list[str] | None = None,
        on_saved: SavedCallback | None = None,
        on_token: Callable[[str, str], None] | None = None,
    ) -> dict[str, DraftRecord]:
        """Draft the requested (default: all applicable) sections. Each record is handed to `on_saved` as
        soon as it is finished; a failing section is recorded with its error and the others carry on — also
        when the failure is unexpected or `on_saved` itself raises (the record then carries that error).
        `on_token(section_id, piece)` streams the model's text; an empty piece (`STREAM_RESET`) means a
        failed attempt is being retried and the section's streamed text so far is void."""
        ctx = prepare_facts(facts)
        sections = select_sections(self.rt, ctx.facts, keys)
        records: dict[str, DraftRecord] = {}

        def run(section: Section) -> DraftRecord:
            token_cb = (lambda piece, sid=section.id: on_token(sid, piece)) if on_token else None
            try:
                record = self.draft_one(ctx, section, token_cb)
            except Exception as exc:  # noqa: BLE001 - one section's failure must not lose the others
                record = DraftRecord(
                    section=section.id,
                    title=section.title,
                    text="",
                    provider=self.provider,
                    model=getattr(self.llm, "model", ""),
                    error=f"起草时发生意外错误：{type(exc).__name__}: {str(exc)[:200]}",
                )
            if on_saved and record.error is None:
                try:
                    on_saved(record)
                except Exception as exc:  # noqa: BLE001 - reported on the record; the others carry on
                    record = record.model_copy(update={"error": f"保存失败：{exc}"})
            return record

        if self.profile.parallel and len(sections) > 1:
            with ThreadPoolExecutor(max_workers=max(1, self.rt.settings.llm_concurrency)) as pool:
                futures = {pool.submit(run, s): s.id for s in sections}
                for future in as_completed(futures):
                    records[futures[future]] = future.result()
        else:
            for section in sections:
                records[section.id] = run(section)
        return {s.id: records[s.id] for s in sections}

    def draft_one(
        self, ctx: DraftContext, section: Section, on_token: TokenCallback | None = None
    ) -> DraftRecord:
        started = time.perf_counter()
        if self.llm is None or section.mode != "draft":
            text = draft_section(ctx.facts, section.id)
            findings = section_findings(self.rt, ctx.facts, section, text)
            return DraftRecord(
                section=section.id,
                title=section.title,
                text=text,
                provider="template",
                model="deterministic",
                checks=[f.to_dict() for f in findings],
                provenance="template",
                paragraphs=["template"] * len(paragraphs_of(text)),
                timings={"total": round(time.perf_counter() - started, 3)},
            )
        usage = SectionUsage()
        try:
            return self._llm_draft(ctx, section, on_token, started, usage)
        except LLMError as exc:
            return DraftRecord(
                section=section.id,
                title=section.title,
                text="",
                provider=self.provider,
                model=self.llm.model,
                error=str(exc),
                tokens=usage.totals(),
                timings={"total": round(time.perf_counter() - started, 3)},
            )

    # --- LLM path ----------------------------------------------------------------------------------

    def _llm_draft(
        self,
        ctx: DraftContext,
        section: Section,
        on_token: TokenCallback | None,
        started: float,
        usage: SectionUsage,
    ) -> DraftRecord:
        """The model rewrites the template draft; checks and repairs follow; what the model still leaves
        out is filled from the template (those paragraphs are labelled "template"), and a model text that
        still fails is replaced by the template text and kept as `discarded_text`."""
        facts = ctx.facts
        template = draft_section(facts, section.id)
        facts_yaml = facts_block(facts, section)
        articles, article_sources = self._articles(facts, section)
        exemplars, exemplar_sources = self._exemplars(facts, section)
        system = render("system")
        parts = {
            "document": self.rt.spec.document(section.document).title,
            "title": section.title,
            "elements": elements_block(facts, section),
            "draft": data_block(template),
            "facts": data_block(facts_yaml),
            "missing": missing_block(facts, section),
            "articles": data_block(articles) or "（无）",
            "exemplars": exemplars,
            "min_chars": section.length.min,
            "max_chars": section.length.max,
        }
        user = fit_prompt(
            parts, self.profile.prompt_chars - len(system) if self.profile.prompt_chars else None
        )
        timings: dict[str, float] = {"prepare": round(time.perf_counter() - started, 3)}
        call = self._caller(system, section, template, timings, usage)
        fixable = Fixable({_finding_key(f) for f in section_findings(self.rt, facts, section, template)})
        text = call(user, "generate", on_token)
        filled: list[str] = []
        discarded = ""
        # rewriting legitimately repeats the template's sentences; only the rest of the prompt is an echo
        scaffold = user.replace(data_block(template), "")
        echoed, text = text, strip_echo(text, scaffold)
        if unusable(text, scaffold) or echo_ratio(echoed, scaffold) > ECHO_LIMIT:
            # nothing usable (empty, the prompt repeated, or degenerate repetition): the template text instead
            discarded, text, filled = text, template, [TEMPLATE_FALLBACK]
        rounds = 0
        failures = [f for f in section_findings(self.rt, facts, section, text) if fixable(f)]
        while failures and rounds < self.rt.settings.repair_rounds and not discarded:
            rounds += 1
            problems = "\n".join(f"- {f.message}" for f in failures)
            repair = render(
                "repair",
                title=section.title,
                problems=problems,
                facts=data_block(facts_yaml),
                draft=data_block(text),
            )
            repaired = call(repair, f"repair {rounds}", None)
            # a repair legitimately repeats the draft; only the rest of the prompt counts as an echo
            scaffold = repair.replace(data_block(text), "")
            if not unusable(repaired, scaffold) and echo_ratio(repaired, scaffold) <= ECHO_LIMIT:
                text = strip_echo(repaired, scaffold)
            failures = [f for f in section_findings(self.rt, facts, section, text) if fixable(f)]
        model_text = text
        if not discarded and (
            failures or _unmarked_missing(facts, section, text) or dropped_citations(template, text)
        ):
            text, more = fill_from_template(facts, section, text, failures)
            filled += more
        findings = section_findings(self.rt, facts, section, text)
        if not discarded and any(fixable(f) for f in findings):
            # repairs and the fill did not clear every blocking problem: never keep a failing model draft
            discarded, text, filled = text, template, [TEMPLATE_FALLBACK]
            findings = section_findings(self.rt, facts, section, text)
        sources = paragraph_provenance(text, "" if discarded else model_text, template)
        timings["total"] = round(time.perf_counter() - started, 3)
        return DraftRecord(
            section=section.id,
            title=section.title,
            text=text,
            provider=self.provider,
            model=self.llm.model,
            prompt_hash=prompt_hash(system, user),
            sources=article_sources + exemplar_sources,
            checks=[f.to_dict() for f in findings],
            needs_review=bool(filled) or any(_fixable(f) for f in findings),
            repair_rounds=rounds,
            filled_from_template=filled,
            discarded_text=discarded,
            provenance=section_provenance(text, sources),
            paragraphs=sources,
            tokens=usage.totals(),
            timings=timings,
        )

    def _caller(
        self, system: str, section: Section, template: str, timings: dict[str, float], usage: SectionUsage
    ) -> Callable[[str, str, TokenCallback | None], str]:
        """A function (user prompt, round, token callback) → cleaned text that logs each call."""
        max_tokens = reply_tokens(self.profile.max_tokens, section, template)

        def sink(record: ModelCall) -> None:
            usage.add(record)
            if self.on_call is not None:
                self.on_call(record)

        def call(user: str, label: str, on_token: TokenCallback | None) -> str:
            began = time.perf_counter()
            raw = call_model(
                self.llm,
                [Message("system", system), Message("user", user)],
                round=label,
                section=section.id,
                sink=sink,
                on_token=on_token,
                max_tokens=max_tokens,
            )
            timings[label] = round(time.perf_counter() - began, 3)
            return clean_output(raw, section.title)

        return call

    def _articles(self, facts: Facts, section: Section) -> tuple[str, list[dict[str, Any]]]:
        refs = [(r.title, r.article) for r in section.applicable_articles(facts)]
        texts, sources = [], []
        for title, label in refs[: self.profile.articles]:
            article = self.rt.registry.get(title, _article_number(label))
            if article:
                texts.append(f"{article.heading}：{article.text[:ARTICLE_CHARS]}")
                sources.append({"kind": "article", "title": title, "article": label, "curated": True})
        for name in section.title_only:
            texts.append(f"《{name}》（原文不在语料库中，仅可按标题引用）")
        return "\n".join(texts), sources

    def _exemplars(self, facts: Facts, section: Section) -> tuple[str, list[dict[str, Any]]]:
        try:
            hits = self.rt.retriever.exemplars(
                section.id,
                facts.algorithm_type,
                _modalities(facts),
                query=f"{section.title} {facts.algorithm.summary or ''}",
                exclude=self.exclude_filings,
                k=self.profile.exemplars,
            )
        except Exception:  # noqa: BLE001 - drafting works without an index; exemplars are optional
            hits = []
        text, sources = "", []
        if hits:
            body = "\n\n".join(hit.text[:EXEMPLAR_CHARS] for hit in hits)
            text = (
                "往期备案中同一章节的写法示例（仅供参考结构和详略，其中的产品事实与本产品无关，不得照抄）：\n<data>\n"
                f"{data_block(body)}\n</data>\n"
            )
            sources = [
                {"kind": "exemplar", "filing_id": h.metadata.get("filing_id"), "section": section.id}
                for h in hits
            ]
        if section.purpose_exemplars:
            purpose_text, purpose_sources = self._purpose_exemplars(facts, section)
            text, sources = text + purpose_text, sources + purpose_sources
        return text, sources

    def _purpose_exemplars(self, facts: Facts, section: Section) -> tuple[str, list[dict[str, Any]]]:
        """Published 主要用途 sentences of the most similar filings in the CAC lists: the style to follow
        for this section's 主要用途 sentence, never its content."""
        from assistant.registry.service import purpose_exemplars

        try:
            rows = purpose_exemplars(facts, k=3, settings=self.rt.settings)
        except Exception:  # noqa: BLE001 - drafting works without the registry; exemplars are optional
            return "", []
        if not rows:
            return "", []
        body = "\n".join(f"- {row['purpose']}" for row in rows)
        text = (
            "已公布备案清单中相近算法的“主要用途”写法（只学句式“应用于……场景，根据……，……。”，"
            f"其中的产品与本产品无关，不得照抄）：\n<data>\n{data_block(body)}\n</data>\n"
        )
        return text, [
            {"kind": "registry_purpose", "algorithm_name": row["algorithm_name"], "batch": row["batch"]}
            for row in rows
        ]


CHARS_PER_TOKEN = 1.3  # Chinese text, roughly, for the tokenizers in use


def reply_tokens(cap: int, section: Section, template: str) -> int:
    """Tokens a rewrite may take: half again the draft's length (at least the section's minimum), within
    the section's maximum and the provider's cap. A rewrite far longer than its draft only adds padding,
    and on a small local model every token costs time."""
    chars = min(section.length.max, max(section.length.min, int(len(template) * 1.5)))
    return min(cap, int(chars / CHARS_PER_TOKEN) + 64)


def fit_prompt(parts: dict[str, Any], budget: int | None) -> str:
    """The section prompt within `budget` characters: the exemplars go first, then the articles' text, then
    the facts list (the draft being rewritten already states every fact); the draft itself always stays."""
    user = render("section", **parts)
    for key, short in (("exemplars", ""), ("articles", "（略）"), ("facts", "（见底稿）")):
        if budget is None or len(user) <= budget:
            break
        parts = {**parts, key: short}
        user = render("section", **parts)
    return user


# --- prompt parts ------------------------------------------------------------------------------


def facts_block(facts: Facts, section: Section) -> str:
    """The section's facts as `- 标签：值` lines (Chinese labels read better for small models than YAML)."""
    data = facts.as_dict()
    lines: list[str] = []
    for path in section.facts:
        _fact_lines(path, factpath.get(data, path), lines)
    return "\n".join(lines)


def _fact_lines(path: str, value: Any, lines: list[str]) -> None:
    label = label_for(path)
    if value is None or value == "" or value == []:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            _fact_lines(f"{path}.{key}", child, lines)
    elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
        for index, item in enumerate(value, 1):
            parts = (
                [
                    f"{label_for(f'{path}.{k}')}：{_scalar(v)}"
                    for k, v in item.items()
                    if v not in (None, "", [])
                ]
                if isinstance(item, dict)
                else [_scalar(item)]
            )
            number = str(index) if len(value) > 1 else ""  # a lone "…1" invites small models to count on
            lines.append(f"- {label}{number}：" + "；".join(parts))
    elif isinstance(value, list):
        joined = (
            "；".join(f"{i}) {_scalar(v)}" for i, v in enumerate(value, 1))
            if path.endswith("pipeline")
            else "、".join(_scalar(v) for v in value)
        )
        lines.append(f"- {label}：{joined}")
    else:
        lines.append(f"- {label}：{_scalar(value)}")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_scalar(v) for v in value)
    return str(value).strip()


def elements_block(facts: Facts, section: Section) -> str:
    return "\n".join(f"- {e.name}" for e in section.applicable_elements(facts))


def section_missing(facts: Facts, section: Section) -> list[str]:
    data = facts.as_dict()
    return sorted(
        {
            p
            for e in section.applicable_elements(facts)
            for spec_path in e.facts
            for p in missing_paths(data, spec_path)
        }
    )


def missing_block(facts: Facts, section: Section) -> str:
    missing = section_missing(facts, section)
    if not missing:
        return ""
    lines = "\n".join(f"- 【待补充：{label_for(p)}（{p}）】" for p in missing)
    return f"\n以下事实缺失，正文中涉及时原样写出这些标记，不得自行补写：\n{lines}\n"


def clean_output(raw: str, title: str) -> str:
    """Strip code fences, chatty preambles, an echoed title and echoed prompt scaffolding."""
    text = _FENCE_RE.sub("", raw.strip())
    text = _PREAMBLE_RE.sub("", text)
    lines = [_MARKDOWN_RE.sub("", line) for line in text.splitlines() if not _SCAFFOLD_RE.match(line)]
    if lines and title in lines[0] and len(lines[0]) <= len(title) + 12:
        lines = lines[1:]
    return "\n".join(lines).strip() + "\n"


def repetition_ratio(text: str, size: int = 8) -> float:
    """Share of repeated character n-grams (digits folded, so counting loops count): near 0 for prose, high
    when a small model loops."""
    norm = re.sub(r"[一二三四五六七八九十百\d]", "0", re.sub(r"\s", "", text))
    grams = [norm[i : i + size] for i in range(max(0, len(norm) - size + 1))]
    return 1 - len(set(grams)) / len(grams) if len(grams) >= 40 else 0.0


def unusable(text: str, prompt: str) -> bool:
    return (
        not text.strip() or echo_ratio(text, prompt) > ECHO_LIMIT or repetition_ratio(text) > REPETITION_LIMIT
    )


def strip_echo(text: str, prompt: str) -> str:
    """The text without lines copied verbatim from the prompt (a small model appending the facts list)."""
    prompt_lines = _prompt_lines(prompt)
    kept = [line for line in text.splitlines() if not _echoed(line.strip(), prompt_lines)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip() + "\n"


def echo_ratio(text: str, prompt: str) -> float:
    """Share of the output's lines that are verbatim lines of the prompt (a small model repeating its input)."""
    prompt_lines = _prompt_lines(prompt)
    lines = [line.strip() for line in text.splitlines() if len(line.strip()) >= 6]
    return sum(1 for line in lines if _echoed(line, prompt_lines)) / len(lines) if lines else 1.0


def _prompt_lines(prompt: str) -> set[str]:
    return {line.strip() for line in prompt.splitlines() if len(line.strip()) >= 6}


def _echoed(line: str, prompt_lines: set[str]) -> bool:
    """A prompt line copied whole, or its beginning when the reply was cut off by the token limit."""
    return line in prompt_lines or (len(line) >= 20 and any(p.startswith(line) for p in prompt_lines))


def _unmarked_missing(facts: Facts, section: Section, text: str) -> list[str]:
    present = " ".join(markers(text))
    return [p for p in section_missing(facts, section) if p not in present]


def fill_from_template(
    facts: Facts, section: Section, text: str, failures: list[Finding]
) -> tuple[str, list[str]]:
    """Remove sentences carrying unsupported facts or puffery, then append the template's statement of each
    element still missing and a marker for each absent fact. Returns the text and what was filled."""
    filled: list[str] = []
    needles = [
        value
        for f in failures
        if f.kind == FindingKind.FABRICATED or (f.kind == FindingKind.TEXT_PROBLEM and f.check == "puffery")
        for value in f.evidence
    ]
    for needle in dict.fromkeys(needles):
        if needle in text:
            text = _drop_sentences(text, needle)
            filled.append(f"删除了含“{needle}”的句子")
    template = draft_section(facts, section.id)
    paragraphs = [p.strip() for p in template.split("\n") if p.strip()]
    additions: list[str] = []
    data = facts.as_dict()
    for element in section.applicable_elements(facts):
        values = [v for spec_path in element.facts for _, v in present_values(data, spec_path)]
        unmatched = [p for p in element.patterns if not re.search(p, text)]
        if all(mentions_fact(text, v) for v in values) and not unmatched:
            continue
        for paragraph in paragraphs:
            if paragraph not in additions and (
                any(mentions_fact(paragraph, v) for v in values if not mentions_fact(text, v))
                or any(re.search(p, paragraph) for p in unmatched)
            ):
                additions.append(paragraph)
        filled.append(element.name)
    for paragraph in paragraphs:  # the template's citations are kept: their paragraphs come back
        lost = dropped_citations(paragraph, text + "\n".join(additions))
        if lost and paragraph not in additions:
            additions.append(paragraph)
            filled.append("引用" + "、".join(lost))
    for path in _unmarked_missing(facts, section, text + "\n".join(additions)):
        additions.append(f"【待补充：{label_for(path)}（{path}）】")
        filled.append(path)
    if additions:
        text = place_paragraphs(text, paragraphs, additions)
    return text, filled


def place_paragraphs(text: str, template: list[str], additions: list[str]) -> str:
    """Put each template paragraph where the template has it: right after its template predecessor when the
    text still has that paragraph, else at the end of its heading's group when the text has the heading,
    else (and markers of absent facts) at the end."""
    lines = text.rstrip().split("\n")
    tail: list[str] = []
    for addition in additions:
        at = _position(lines, template, addition)
        if at is None:
            tail.append(addition)
        else:
            lines.insert(at, addition)
    body = "\n".join(lines)
    return body + ("\n\n" + "\n".join(tail) if tail else "") + "\n"


def _position(lines: list[str], template: list[str], paragraph: str) -> int | None:
    if paragraph not in template:
        return None
    before = template[: template.index(paragraph)]
    stripped = [line.strip() for line in lines]
    if before and before[-1] in stripped and not HEADING_RE.match(before[-1]):
        return stripped.index(before[-1]) + 1
    heading = next((p for p in reversed(before) if HEADING_RE.match(p)), None)
    if heading is None or heading not in stripped:
        return None
    end = stripped.index(heading) + 1
    for index in range(end, len(stripped)):
        if HEADING_RE.match(stripped[index]):
            break
        if stripped[index]:
            end = index + 1
    return end


def dropped_citations(template: str, text: str) -> list[str]:
    """The template's regulation citations (《法规》第X条, or a title alone) that the text no longer has."""
    kept = {c.text for c in find_citations(text)}
    return list(dict.fromkeys(c.text for c in find_citations(template) if c.text not in kept))


def _drop_sentences(text: str, needle: str) -> str:
    parts = re.split(r"(?<=[。；！？\n])", text)
    return "".join(p for p in parts if needle not in p)


def _article_number(label: str) -> int:
    return cn_to_int(label[1:-1])


def _modalities(facts: Facts) -> list[str]:
    return [p.modality for p in (facts.algorithm.outputs or []) if p.modality]
