"""Draft-quality evaluation against the gold set (eval/gold/<case>/): draft every gold section of every
case with one provider, score the drafts with assistant.evaluation.metrics, and write report.json / .md / .html.

Scores are deterministic for a deterministic provider: nothing in `EvalReport.scores()` depends on time,
order of completion or randomness. Timings are kept apart (`timings`)."""

from __future__ import annotations

import html
import json
import math
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from assistant.checking.checks import Finding, run_checks
from assistant.checking.fabrication import FabricationDetector
from assistant.checking.matching import fact_strings, markers, mentions
from assistant.corpus.citations import verify_text
from assistant.drafting.draft import TEMPLATE_FALLBACK, Drafter, prepare_facts
from assistant.drafting.drafts import DraftRecord
from assistant.drafting.llm import LLM, LLMError, Message, get_llm, provider_profile
from assistant.drafting.prompts import data_block, render
from assistant.evaluation import metrics
from assistant.facts import Facts, FactsError, load_facts
from assistant.runtime import Runtime
from assistant.yamlfile import load_yaml

ProgressCallback = Callable[[int, int, str], None]
JUDGE_RETRIES = 2
JUDGE_SCALE = (1.0, 5.0)


class EvalError(ValueError):
    """A user-facing evaluation error (bad gold directory, unknown case, leaked gold case)."""


# --- gold set -------------------------------------------------------------------------------------


@dataclass
class GoldCase:
    id: str
    kind: str
    facts: Facts
    description: str
    sections: dict[str, str]  # section id → gold text
    must_mention: dict[str, list[str]]
    missing_facts: list[str]
    must_not_mention: list[str]


def load_case(directory: Path) -> GoldCase:
    try:
        facts = load_facts(directory / "facts.yaml")
        annotations = directory / "annotations.yaml"  # optional: without it, no must-mention or marker scores
        notes = (load_yaml(annotations.read_text(encoding="utf-8")) or {}) if annotations.is_file() else {}
    except (FactsError, OSError, yaml.YAMLError) as exc:
        raise EvalError(f"金标准案例 {directory.name} 无法读取：{exc}") from exc
    description = directory / "description.md"
    return GoldCase(
        id=directory.name,
        kind=str(notes.get("kind", "complete")),
        facts=facts,
        description=description.read_text(encoding="utf-8") if description.is_file() else "",
        sections={
            p.stem: p.read_text(encoding="utf-8") for p in sorted((directory / "sections").glob("*.md"))
        },
        must_mention={
            sid: list((spec or {}).get("must_mention") or [])
            for sid, spec in (notes.get("sections") or {}).items()
        },
        missing_facts=list(notes.get("missing_facts") or []),
        must_not_mention=list(notes.get("must_not_mention") or []),
    )


def load_gold(gold_dir: Path, cases: Sequence[str] | None = None) -> list[GoldCase]:
    if not gold_dir.is_dir():
        raise EvalError(f"金标准目录不存在：{gold_dir}")
    available = sorted(p.name for p in gold_dir.iterdir() if (p / "facts.yaml").is_file())
    unknown = [c for c in cases or [] if c not in available]
    if unknown:
        raise EvalError(f"未知的金标准案例：{'、'.join(unknown)}。可选：{'、'.join(available)}")
    return [load_case(gold_dir / name) for name in available if not cases or name in cases]


def check_no_leak(gold: Sequence[GoldCase], rt: Runtime) -> list[str]:
    """Gold cases must never be in corpus/filings (exemplar retrieval would hand the model the answer)."""
    leaked = sorted({c.id for c in gold} & set(rt.library.by_id))
    if leaked:
        raise EvalError(f"金标准案例出现在往期备案语料中：{'、'.join(leaked)}；请从 corpus/filings 中移除")
    return sorted(rt.library.by_id)


# --- scores ---------------------------------------------------------------------------------------


@dataclass
class JudgeScore:
    scores: list[float] = field(default_factory=list)
    missing: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "scores": self.scores,
            "mean": metrics.mean(self.scores),
            "stdev": metrics.stdev(self.scores),
            "missing": self.missing,
        }


@dataclass
class SectionScore:
    section: str
    title: str
    chars: int
    gold_chars: int
    coverage: float | None
    unmentioned: list[str]
    blocking: list[str]
    fabricated: list[str]
    citations_ok: int
    citations_total: int
    inconsistent: bool
    chrf: float
    rouge_l: float
    length_ratio: float | None
    forbidden: list[str]
    markers: list[str]
    needs_review: bool = False
    error: str | None = None
    origin: str = (
        "template"  # template / model / model+template / fallback (model draft replaced), see draft_origin
    )
    judge: JudgeScore | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "judge"}
        data["citation_validity"] = metrics.citation_validity(
            [True] * self.citations_ok + [False] * (self.citations_total - self.citations_ok)
        )
        if self.judge is not None:
            data["judge"] = self.judge.to_dict()
        return data


@dataclass
class CaseScore:
    case: str
    kind: str
    algorithm_type: str
    role: str
    sections: list[SectionScore]
    marker: metrics.MarkerScore
    missing_facts: list[str]
    case_blocking: list[str]  # blocking findings not tied to a section (facts-level)
    facts_score: metrics.FieldScore | None = None
    facts_note: str = ""
    exemplar_leaks: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.case_blocking and all(not s.blocking for s in self.sections)

    def to_dict(self) -> dict[str, Any]:
        facts = (
            None
            if self.facts_score is None
            else {
                "matched": self.facts_score.matched,
                "predicted": self.facts_score.predicted,
                "gold": self.facts_score.gold,
                "precision": self.facts_score.precision,
                "recall": self.facts_score.recall,
                "f1": self.facts_score.f1,
            }
        )
        return {
            "case": self.case,
            "kind": self.kind,
            "algorithm_type": self.algorithm_type,
            "role": self.role,
            "passed": self.passed,
            "case_blocking": self.case_blocking,
            "missing_facts": self.missing_facts,
            "marker": {
                "true_positives": self.marker.true_positives,
                "marked": self.marker.marked,
                "missing": self.marker.missing,
                "precision": self.marker.precision,
                "recall": self.marker.recall,
            },
            "facts_extraction": facts,
            "facts_note": self.facts_note,
            "exemplar_leaks": self.exemplar_leaks,
            "summary": case_summary(self),
            "sections": [s.to_dict() for s in self.sections],
        }


def case_summary(case: CaseScore) -> dict[str, float | int | None]:
    s = case.sections
    return {
        "element_coverage": metrics.mean(x.coverage for x in s),
        "blocking_pass_rate": metrics.blocking_pass_rate({x.section: len(x.blocking) for x in s}),
        "marker_precision": case.marker.precision,
        "marker_recall": case.marker.recall,
        "fabricated_facts": sum(len(x.fabricated) for x in s),
        "citation_validity": metrics.ratio(sum(x.citations_ok for x in s), sum(x.citations_total for x in s)),
        "consistency": metrics.ratio(sum(1 for x in s if not x.inconsistent), len(s)),
        "chrf": metrics.mean(x.chrf for x in s),
        "rouge_l": metrics.mean(x.rouge_l for x in s),
        "length_ratio": metrics.mean(x.length_ratio for x in s),
        "must_not_mention_violations": sum(len(x.forbidden) for x in s),
        "judge_score": metrics.mean(x.judge.to_dict()["mean"] for x in s if x.judge),
        "model_kept_rate": metrics.model_kept_rate(x.origin for x in s),
    }


# Summary metrics: (name, 中文名称, how it aggregates). Order is the table order.
METRICS: list[tuple[str, str]] = [
    ("element_coverage", "要素覆盖率"),
    ("blocking_pass_rate", "阻断检查通过率（章节）"),
    ("case_pass_rate", "阻断检查通过率（案例）"),
    ("marker_precision", "待补充标记精确率"),
    ("marker_recall", "待补充标记召回率"),
    ("fabricated_facts", "编造事实数"),
    ("citation_validity", "引用有效率"),
    ("consistency", "跨文档一致率"),
    ("chrf", "chrF（字符 6-gram，β=2）"),
    ("rouge_l", "ROUGE-L F1（字符级）"),
    ("length_ratio", "长度比（草稿/金标准）"),
    ("must_not_mention_violations", "禁止内容出现次数"),
    ("facts_precision", "事实抽取精确率"),
    ("facts_recall", "事实抽取召回率"),
    ("facts_f1", "事实抽取 F1"),
    ("judge_score", "评审模型评分（1–5）"),
    ("judge_stdev", "评审评分标准差（k 次）"),
    ("judge_missing", "评审无效输出次数"),
    ("draft_errors", "起草失败章节数"),
    ("model_kept_rate", "模型原文保留率"),
]
LABELS = dict(METRICS)
UNIT_METRICS = {
    "element_coverage",
    "blocking_pass_rate",
    "case_pass_rate",
    "marker_precision",
    "marker_recall",
    "citation_validity",
    "consistency",
    "chrf",
    "rouge_l",
    "facts_precision",
    "facts_recall",
    "facts_f1",
    "model_kept_rate",
}


@dataclass
class EvalReport:
    provider: str
    model: str
    gold_dir: str
    cases: list[CaseScore]
    section_filter: list[str] | None
    judge_runs: int | None
    facts_note: str
    filing_ids: list[str]
    timings: dict[str, Any] = field(default_factory=dict)
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def all_sections(self) -> list[SectionScore]:
        return [s for c in self.cases for s in c.sections]

    def summary_rows(self) -> list[dict[str, Any]]:
        """One row per metric: name, label (中文), value, n (what the value is computed over)."""
        values = self._summary_values()
        return [
            {"name": name, "label": label, "value": values[name][0], "n": values[name][1]}
            for name, label in METRICS
        ]

    def _summary_values(self) -> dict[str, tuple[float | int | None, int]]:
        secs, cases = self.all_sections, self.cases
        tp = sum(c.marker.true_positives for c in cases)
        marked, missing = sum(c.marker.marked for c in cases), sum(c.marker.missing for c in cases)
        cited, ok = sum(s.citations_total for s in secs), sum(s.citations_ok for s in secs)
        covered = [s.coverage for s in secs if s.coverage is not None]
        adversarial = [s for c in cases if c.kind == "adversarial" for s in c.sections]
        extracted = [c.facts_score for c in cases if c.facts_score is not None]
        fm = sum(f.matched for f in extracted)
        fp, fg = sum(f.predicted for f in extracted), sum(f.gold for f in extracted)
        judged = [s.judge for s in secs if s.judge is not None]
        judge_means = [j.to_dict()["mean"] for j in judged]
        judge_sd = [j.to_dict()["stdev"] for j in judged]
        return {
            "element_coverage": (metrics.mean(covered), len(covered)),
            "blocking_pass_rate": (
                metrics.blocking_pass_rate({f"{i}": len(s.blocking) for i, s in enumerate(secs)}),
                len(secs),
            ),
            "case_pass_rate": (metrics.ratio(sum(1 for c in cases if c.passed), len(cases)), len(cases)),
            "marker_precision": (metrics.ratio(tp, marked), marked),
            "marker_recall": (metrics.ratio(tp, missing), missing),
            "fabricated_facts": (sum(len(s.fabricated) for s in secs), len(secs)),
            "citation_validity": (metrics.ratio(ok, cited), cited),
            "consistency": (metrics.ratio(sum(1 for s in secs if not s.inconsistent), len(secs)), len(secs)),
            "chrf": (metrics.mean(s.chrf for s in secs), len(secs)),
            "rouge_l": (metrics.mean(s.rouge_l for s in secs), len(secs)),
            "length_ratio": (metrics.mean(s.length_ratio for s in secs), len(secs)),
            "must_not_mention_violations": (sum(len(s.forbidden) for s in adversarial), len(adversarial)),
            "facts_precision": (metrics.ratio(fm, fp), len(extracted)),
            "facts_recall": (metrics.ratio(fm, fg), len(extracted)),
            "facts_f1": (metrics.f1(metrics.ratio(fm, fp), metrics.ratio(fm, fg)), len(extracted)),
            "judge_score": (metrics.mean(judge_means), len([m for m in judge_means if m is not None])),
            "judge_stdev": (metrics.mean(judge_sd), len([s for s in judge_sd if s is not None])),
            "judge_missing": (sum(j.missing for j in judged) if judged else None, len(judged)),
            "draft_errors": (sum(1 for s in secs if s.error), len(secs)),
            "model_kept_rate": (
                metrics.model_kept_rate(s.origin for s in secs),
                sum(1 for s in secs if s.origin in metrics.LLM_ORIGINS),
            ),
        }

    def section_rows(self) -> list[dict[str, Any]]:
        """Per section id, averaged over the cases that have it."""
        rows = []
        for sid in sorted({s.section for s in self.all_sections}, key=_section_order):
            group = [s for s in self.all_sections if s.section == sid]
            rows.append(
                {
                    "section": sid,
                    "title": group[0].title,
                    "n": len(group),
                    "element_coverage": metrics.mean(s.coverage for s in group),
                    "blocking_pass_rate": metrics.blocking_pass_rate(
                        {f"{i}": len(s.blocking) for i, s in enumerate(group)}
                    ),
                    "fabricated_facts": sum(len(s.fabricated) for s in group),
                    "chrf": metrics.mean(s.chrf for s in group),
                    "rouge_l": metrics.mean(s.rouge_l for s in group),
                    "length_ratio": metrics.mean(s.length_ratio for s in group),
                    "judge_score": metrics.mean(s.judge.to_dict()["mean"] for s in group if s.judge),
                    "model_kept_rate": metrics.model_kept_rate(s.origin for s in group),
                }
            )
        return rows

    def scores(self) -> dict[str, Any]:
        """Everything that must be identical between two runs of a deterministic provider."""
        return {
            "summary": self.summary_rows(),
            "sections": self.section_rows(),
            "cases": [c.to_dict() for c in self.cases],
        }

    def to_dict(self) -> dict[str, Any]:
        meta = {
            "provider": self.provider,
            "model": self.model,
            "gold_dir": self.gold_dir,
            "cases": [c.case for c in self.cases],
            "section_filter": self.section_filter,
            "judge_runs": self.judge_runs,
            "facts_extraction": self.facts_note,
            "exemplar_exclusion": {
                "excluded_per_case": "case id",
                "corpus_filings": len(self.filing_ids),
                "gold_ids_in_corpus": [],
            },
            "definitions": DEFINITIONS,
            "created": self.created,
        }
        return {"meta": meta, **self.scores(), "timings": self.timings}


def _section_order(section_id: str) -> int:
    from assistant.spec import load_spec

    ids = [s.id for s in load_spec().sections]
    return ids.index(section_id) if section_id in ids else len(ids)


DEFINITIONS = {
    "element_coverage": "每节标注的 must_mention 短语中，草稿写明的比例（assistant.checking.matching.mentions），按章节平均",
    "blocking_pass_rate": "没有阻断项的章节比例（run_checks，范围为所评估的章节，跨章节检查照常运行）",
    "case_pass_rate": "所有评估章节与事实层面均无阻断项的案例比例",
    "marker_precision": "草稿中【待补充】标记所指键路径里，确属金标准 missing_facts 的比例（全体案例合计；列表下标归一）",
    "marker_recall": "金标准 missing_facts 中，被某个标记按键路径点名的比例（全体案例合计）",
    "fabricated_facts": "事实文件和法规语料中都没有的数字、编号、日期、机构名称等（FabricationDetector）的个数合计",
    "citation_validity": "能在语料库中核实的法规引用所占比例（全体引用合计；事实文件自身提到的《…》文件，如企业自己的规则，不算法规引用）",
    "consistency": "没有名称/数字不一致问题（identity、numeric_consistency 检查）的章节比例",
    "chrf": "字符 n-gram F 值，n=1..6，β=2，去除空白，与 sacrebleu 默认 chrF 一致，取值 0–1，按章节平均",
    "rouge_l": "字符级最长公共子序列的 F1，去除空白，按章节平均",
    "length_ratio": "草稿字数 / 金标准字数（不计空白），按章节平均",
    "must_not_mention_violations": "对抗案例中，草稿出现 must_not_mention 短语的次数（章节×短语）",
    "facts_precision": "从描述抽取的事实叶子值中与金标准 facts.yaml 同路径且取值相符者的比例（列表下标归一）",
    "facts_recall": "金标准 facts.yaml 叶子值中被正确抽取的比例",
    "facts_f1": "事实抽取精确率与召回率的调和平均",
    "judge_score": "评审模型 1–5 分，每节运行 k 次取均值后按章节平均（默认关闭）",
    "judge_stdev": "每节 k 次评分的样本标准差，按章节平均",
    "judge_missing": "评审输出重试后仍不是有效 JSON 的次数",
    "draft_errors": "起草失败（模型出错）的章节数",
    "model_kept_rate": "大模型起草的章节中，最终文本是模型所写（含用模板补齐缺失要素）而不是整节改用模板文本的比例；模板提供者无定义",
}


# --- evaluation ------------------------------------------------------------------------------------


def evaluate(
    gold_dir: Path,
    provider: str,
    rt: Runtime,
    cases: list[str] | None = None,
    sections: list[str] | None = None,
    on_progress: ProgressCallback | None = None,
    llm: LLM | None = None,
    judge: bool = False,
    judge_runs: int = 3,
    extract: bool = True,
    judge_llm: LLM | None = None,
) -> EvalReport:
    """Draft the gold sections of each case with `provider` and score them. `extract` also runs fact
    extraction from the case description (needs an LLM; skipped for the template provider)."""
    started = time.perf_counter()
    gold = load_gold(Path(gold_dir), cases)
    filing_ids = check_no_leak(gold, rt)
    wanted = [rt.spec.section(key).id for key in sections] if sections else None
    if llm is None:
        llm = get_llm(provider, rt.settings)  # None for a provider without a model (the template)
    if judge and judge_llm is None:
        judge_llm = llm or _default_judge(rt)
    facts_note = _facts_note(provider, llm, extract)
    timings: dict[str, Any] = {"cases": {}}
    scored = []
    for index, case in enumerate(gold, 1):
        if on_progress:
            on_progress(index, len(gold), case.id)
        began = time.perf_counter()

        def drafted(record: DraftRecord, case_id: str = case.id, done: int = index) -> None:
            if on_progress:
                on_progress(
                    done, len(gold), f"{case_id} / {record.section}：{record.timings.get('total', 0):.1f} 秒"
                )

        scored.append(
            evaluate_case(
                case,
                provider,
                rt,
                wanted,
                llm,
                judge_llm if judge else None,
                judge_runs,
                extract and llm is not None,
                {c.id for c in gold},
                drafted,
            )
        )
        timings["cases"][case.id] = round(time.perf_counter() - began, 2)
    timings["total"] = round(time.perf_counter() - started, 2)
    model = getattr(llm, "model", "deterministic") if llm is not None else "deterministic"
    return EvalReport(
        provider,
        str(model),
        str(gold_dir),
        scored,
        wanted,
        judge_runs if judge else None,
        facts_note,
        filing_ids,
        timings,
    )


def _default_judge(rt: Runtime) -> LLM:
    if not provider_profile(rt.settings.provider).uses_model:
        raise EvalError(
            "评审模型需要大模型：请用 --provider local 或 openai 起草，或设置 BEIAN_PROVIDER 指定评审所用的模型"
        )
    return get_llm(rt.settings.provider, rt.settings)


def _facts_note(provider: str, llm: LLM | None, extract: bool) -> str:
    if llm is None:
        return f"未评估（{provider} 提供者不使用大模型，而事实抽取需要大模型）"
    return (
        "从 description.md 抽取事实，与 facts.yaml 逐项比较"
        if extract
        else "未评估（已用 --no-extract 关闭）"
    )


def evaluate_case(
    case: GoldCase,
    provider: str,
    rt: Runtime,
    wanted: list[str] | None,
    llm: LLM | None,
    judge_llm: LLM | None,
    judge_runs: int,
    extract: bool,
    gold_ids: set[str],
    on_saved: Callable[[DraftRecord], None] | None = None,
) -> CaseScore:
    ctx_facts = prepare_facts(case.facts).facts
    applicable = {s.id for s in rt.spec.applicable_sections(ctx_facts)}
    keys = [sid for sid in case.sections if sid in applicable and (wanted is None or sid in wanted)]
    keys.sort(key=_section_order)
    drafter = Drafter(rt, provider, llm, exclude_filings={case.id})
    records = drafter.draft(case.facts, keys, on_saved=on_saved) if keys else {}
    drafts = {sid: r.text for sid, r in records.items() if not r.error}
    report = run_checks(ctx_facts, drafts, spec=rt.spec, registry=rt.registry, scope=set(keys))
    detector = FabricationDetector("\n".join(fact_strings(ctx_facts.as_dict())), _corpus_text(rt))
    facts_text = "\n".join(fact_strings(ctx_facts.as_dict()))
    scores = [score_section(case, records[sid], report.findings, detector, rt, facts_text) for sid in keys]
    if judge_llm is not None:
        for score, sid in zip(scores, keys, strict=True):
            score.judge = judge_section(judge_llm, rt, ctx_facts, sid, drafts.get(sid, ""), judge_runs)
    facts_score, facts_note = extract_score(case, llm, rt) if extract and llm is not None else (None, "")
    return CaseScore(
        case=case.id,
        kind=case.kind,
        algorithm_type=ctx_facts.algorithm_type,
        role=ctx_facts.role,
        sections=scores,
        marker=metrics.marker_score(drafts.values(), case.missing_facts),
        missing_facts=case.missing_facts,
        case_blocking=[f.message for f in report.blocking if f.section is None],
        facts_score=facts_score,
        facts_note=facts_note,
        exemplar_leaks=_leaks(records.values(), gold_ids),
    )


def _corpus_text(rt: Runtime) -> str:
    corpus = getattr(rt.registry, "corpus_text", None)
    return corpus if isinstance(corpus, str) else "\n".join(a.text for a in rt.registry.articles())


def _leaks(records: Any, gold_ids: set[str]) -> list[str]:
    return sorted(
        {
            str(src.get("filing_id"))
            for r in records
            for src in r.sources
            if src.get("kind") == "exemplar" and src.get("filing_id") in gold_ids
        }
    )


def own_document(title: str, facts_text: str) -> bool:
    """A 《…》 title the facts file itself names (the company's own rules or agreements) is not a citation of a
    regulation and is left out of citation validity."""
    return f"《{title}》" in facts_text


def score_section(
    case: GoldCase,
    record: DraftRecord,
    findings: list[Finding],
    detector: FabricationDetector,
    rt: Runtime,
    facts_text: str,
) -> SectionScore:
    text = "" if record.error else record.text
    gold = case.sections[record.section]
    phrases = case.must_mention.get(record.section, [])
    mine = [f for f in findings if f.section == record.section]
    citations = [
        v.ok for v in verify_text(text, rt.registry) if not own_document(v.citation.title, facts_text)
    ]
    return SectionScore(
        section=record.section,
        title=record.title,
        chars=len(metrics.strip_ws(text)),
        gold_chars=len(metrics.strip_ws(gold)),
        coverage=metrics.element_coverage(text, phrases),
        unmentioned=[p for p in phrases if not mentions(text, p)],
        blocking=[f.message for f in mine if f.blocking],
        fabricated=metrics.fabricated_facts(text, detector),
        citations_ok=sum(citations),
        citations_total=len(citations),
        inconsistent=metrics.consistency_rate([f.to_dict() for f in mine], [record.section]) == 0,
        chrf=metrics.chrf(text, gold),
        rouge_l=metrics.rouge_l(text, gold),
        length_ratio=metrics.length_ratio(text, gold),
        forbidden=metrics.forbidden_mentions(text, case.must_not_mention),
        markers=markers(text),
        needs_review=record.needs_review,
        error=record.error,
        origin=draft_origin(record),
    )


def draft_origin(record: DraftRecord) -> str:
    """Who wrote the final text: the template, the model, the model with template fills, or the template in
    place of a model draft that failed (fallback)."""
    if record.error:
        return "error"
    if record.provider == "template":
        return "template"
    if TEMPLATE_FALLBACK in record.filled_from_template:
        return "fallback"
    return "model+template" if record.filled_from_template else "model"


def extract_score(case: GoldCase, llm: LLM, rt: Runtime) -> tuple[metrics.FieldScore | None, str]:
    from assistant.drafting.extract import ExtractionError, extract_facts

    if not case.description.strip():
        return None, "无 description.md，未评估抽取"
    gold = prepare_facts(case.facts).facts.as_dict()
    try:
        extraction = extract_facts(case.description, llm, rt.spec)
    except (ExtractionError, LLMError) as exc:
        return metrics.FieldScore(0, 0, len(metrics.fact_leaves(gold))), f"抽取失败：{exc}"
    return metrics.field_score(extraction.facts.as_dict(), gold), ""


# --- LLM judge ----------------------------------------------------------------------------------------


def parse_judge(raw: str) -> float | None:
    """The score of a judge reply `{"score": 1–5, "reason": …}`, or None when the reply is not valid."""
    start, end = raw.find("{"), raw.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(raw[start : end + 1])
    except ValueError:
        return None
    score = data.get("score") if isinstance(data, dict) else None
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        return None
    return float(score) if JUDGE_SCALE[0] <= score <= JUDGE_SCALE[1] else None


def judge_once(llm: LLM, prompt: str, retries: int = JUDGE_RETRIES) -> float | None:
    """One judgement: retried when the output is not valid JSON; None (counted as missing) after that."""
    messages = [Message("system", render("system")), Message("user", prompt)]
    for _ in range(retries + 1):
        try:
            score = parse_judge(llm.complete(messages, max_tokens=200, json_schema={"type": "object"}))
        except LLMError:
            score = None
        if score is not None:
            return score
    return None


def judge_section(llm: LLM, rt: Runtime, facts: Facts, section_id: str, draft: str, runs: int) -> JudgeScore:
    section = rt.spec.section(section_id)
    elements = "；".join(e.name for e in section.applicable_elements(facts))
    prompt = render("judge", title=section.title, elements=elements, draft=data_block(draft))
    result = JudgeScore()
    for _ in range(max(1, runs)):
        score = judge_once(llm, prompt)
        if score is None:
            result.missing += 1
        else:
            result.scores.append(score)
    return result


# --- comparison -----------------------------------------------------------------------------------------


def compare(report_a: dict[str, Any], report_b: dict[str, Any]) -> list[dict[str, Any]]:
    """Metric by metric: a, b and delta (b − a; None when either is undefined)."""
    a_rows = {r["name"]: r for r in report_a.get("summary", [])}
    b_rows = {r["name"]: r for r in report_b.get("summary", [])}
    names = [n for n in a_rows if n in b_rows] + [n for n in b_rows if n not in a_rows]
    rows = []
    for name in names:
        a, b = (a_rows.get(name) or {}).get("value"), (b_rows.get(name) or {}).get("value")
        delta = b - a if isinstance(a, int | float) and isinstance(b, int | float) else None
        rows.append({"metric": name, "label": LABELS.get(name, name), "a": a, "b": b, "delta": delta})
    return rows


# --- rendering ------------------------------------------------------------------------------------------


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide and fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    space = " " * max(0, width - display_width(text))
    return space + text if right else text + space


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: Sequence[int] = (0,)) -> str:
    """Aligned plain-text table: the `left` columns left-aligned, the others right-aligned."""
    widths = [max(display_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [pad(str(v), widths[i], right=i not in left) for i, v in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def summary_table(rows: Sequence[dict[str, Any]]) -> str:
    """Plain-text table for the terminal."""
    return text_table(
        ["指标", "值", "n", "名称"],
        [[r["label"], fmt(r["value"]), str(r["n"]), r["name"]] for r in rows],
        left=(0, 3),
    )


def compare_table(rows: Sequence[dict[str, Any]], label_a: str = "A", label_b: str = "B") -> str:
    return text_table(
        ["指标", label_a, label_b, "差值", "名称"],
        [
            [
                r["label"],
                fmt(r["a"]),
                fmt(r["b"]),
                "—" if r["delta"] is None else f"{r['delta']:+.3f}",
                r["metric"],
            ]
            for r in rows
        ],
        left=(0, 4),
    )


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


CASE_COLUMNS = [
    ("element_coverage", "要素覆盖"),
    ("blocking_pass_rate", "阻断通过"),
    ("marker_precision", "标记P"),
    ("marker_recall", "标记R"),
    ("fabricated_facts", "编造"),
    ("citation_validity", "引用有效"),
    ("consistency", "一致"),
    ("chrf", "chrF"),
    ("rouge_l", "ROUGE-L"),
    ("length_ratio", "长度比"),
    ("must_not_mention_violations", "禁止内容"),
    ("model_kept_rate", "模型原文"),
]
SECTION_COLUMNS = [
    ("element_coverage", "要素覆盖"),
    ("blocking_pass_rate", "阻断通过"),
    ("fabricated_facts", "编造"),
    ("chrf", "chrF"),
    ("rouge_l", "ROUGE-L"),
    ("length_ratio", "长度比"),
    ("judge_score", "评审分"),
    ("model_kept_rate", "模型原文"),
]


def render_markdown(data: dict[str, Any]) -> str:
    meta = data["meta"]
    parts = [
        f"# 起草质量评估报告：{meta['provider']}（{meta['model']}）",
        "",
        f"- 金标准：`{meta['gold_dir']}`，{len(meta['cases'])} 个案例"
        + (
            f"；章节：{'、'.join(meta['section_filter'])}"
            if meta.get("section_filter")
            else "；章节：全部金标准章节"
        ),
        f"- 事实抽取：{meta['facts_extraction']}",
        f"- 评审模型：{'每节 ' + str(meta['judge_runs']) + ' 次' if meta.get('judge_runs') else '未启用'}",
        f"- 范例检索排除金标准案例；往期备案语料 {meta['exemplar_exclusion']['corpus_filings']} 份，与金标准无重名",
        f"- 用时 {data['timings'].get('total', '—')} 秒",
        "",
        "## 总体指标",
        "",
        _md_table(
            ["指标", "名称", "值", "n"],
            [[r["label"], f"`{r['name']}`", r["value"], r["n"]] for r in data["summary"]],
        ),
        "",
        "## 按案例",
        "",
        _md_table(
            ["案例", "类型", "性质", *[h for _, h in CASE_COLUMNS]],
            [
                [c["case"], c["algorithm_type"], c["kind"], *[c["summary"][k] for k, _ in CASE_COLUMNS]]
                for c in data["cases"]
            ],
        ),
        "",
        "## 按章节",
        "",
        _md_table(
            ["章节", "标题", "n", *[h for _, h in SECTION_COLUMNS]],
            [
                [s["section"], s["title"], s["n"], *[s[k] for k, _ in SECTION_COLUMNS]]
                for s in data["sections"]
            ],
        ),
        "",
        "## 问题明细",
        "",
        *_md_details(data),
        "",
        "## 指标定义",
        "",
        *[f"- `{k}`（{LABELS.get(k, k)}）：{v}" for k, v in meta["definitions"].items()],
        "",
    ]
    return "\n".join(parts)


def _md_details(data: dict[str, Any]) -> list[str]:
    lines = []
    for case in data["cases"]:
        for s in case["sections"]:
            problems = [
                *(f"未写明“{p}”" for p in s["unmentioned"]),
                *(f"编造 {f}" for f in s["fabricated"]),
                *(f"禁止内容“{f}”" for f in s["forbidden"]),
                *(f"阻断：{b}" for b in s["blocking"][:3]),
            ]
            if s["error"]:
                problems.insert(0, f"起草失败：{s['error']}")
            if problems:
                lines.append(f"- {case['case']} / {s['section']}：" + "；".join(problems))
    return lines or ["- 无"]


# --- HTML with inline SVG charts ------------------------------------------------------------------------

CSS = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#222;max-width:1150px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f2f4f7;text-align:left}td.txt{text-align:left}.meta{font-size:13px;color:#555}
.charts{display:flex;flex-wrap:wrap;gap:16px}.note{font-size:12px;color:#666}svg text{font-size:12px}"""


def bar_chart(
    title: str, items: Sequence[tuple[str, float | None]], maximum: float | None = None, width: int = 555
) -> str:
    """A horizontal bar chart as inline SVG; undefined values are shown as “—” without a bar."""
    row, top = 22, 30
    label_width = 12 + 7 * max((display_width(label) for label, _ in items), default=8)
    defined = [v for _, v in items if v is not None]
    scale_max = maximum or max(defined, default=1.0) or 1.0
    bar_space = width - label_width - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{top + row * len(items) + 10}" '
        f'role="img" aria-label="{html.escape(title)}">',
        f'<text x="0" y="18" font-weight="bold" font-size="14">{html.escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        y = top + i * row
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{html.escape(label)}</text>'
        )
        parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{bar_space}" height="15" fill="#eef1f5"/>')
        if value is not None:
            length = max(0.0, min(1.0, value / scale_max)) * bar_space
            parts.append(
                f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="15" fill="#3b73b9"/>'
            )
        parts.append(f'<text x="{label_width + bar_space + 6}" y="{y + 15}">{fmt(value, 2)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _html_cell(value: Any) -> str:
    numeric = value is None or isinstance(value, int | float)
    return f'<td class="{"num" if numeric else "txt"}">{html.escape(fmt(value))}</td>'


def _html_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_html_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(data: dict[str, Any]) -> str:
    meta, summary = data["meta"], data["summary"]
    unit_rows = [(r["label"], r["value"]) for r in summary if r["name"] in UNIT_METRICS]
    cases = data["cases"]
    charts = [
        bar_chart("总体指标（0–1）", unit_rows, maximum=1.0),
        bar_chart(
            "各案例 要素覆盖率", [(c["case"], c["summary"]["element_coverage"]) for c in cases], maximum=1.0
        ),
        bar_chart("各案例 chrF", [(c["case"], c["summary"]["chrf"]) for c in cases], maximum=1.0),
        bar_chart(
            "各章节 要素覆盖率",
            [(f"{s['title']}", s["element_coverage"]) for s in data["sections"]],
            maximum=1.0,
        ),
        bar_chart(
            "各章节 长度比（草稿/金标准）", [(f"{s['title']}", s["length_ratio"]) for s in data["sections"]]
        ),
        bar_chart("各案例 编造事实数", [(c["case"], c["summary"]["fabricated_facts"]) for c in cases]),
    ]
    scope = "、".join(meta["section_filter"]) if meta.get("section_filter") else "全部金标准章节"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>起草质量评估：{html.escape(meta["provider"])}</title>
<style>{CSS}</style></head><body>
<h1>起草质量评估报告：{html.escape(meta["provider"])}（{html.escape(str(meta["model"]))}）</h1>
<p class="meta">金标准 {html.escape(meta["gold_dir"])}，{len(cases)} 个案例；章节：{html.escape(scope)}；
事实抽取：{html.escape(meta["facts_extraction"])}；用时 {fmt(data["timings"].get("total"))} 秒；生成于 {
        html.escape(meta["created"])
    }</p>
<h2>图表</h2><div class="charts">{"".join(charts)}</div>
<h2>总体指标</h2>{
        _html_table(
            ["指标", "名称", "值", "n"], [[r["label"], r["name"], r["value"], r["n"]] for r in summary]
        )
    }
<h2>按案例</h2>{
        _html_table(
            ["案例", "类型", "性质", *[h for _, h in CASE_COLUMNS]],
            [
                [c["case"], c["algorithm_type"], c["kind"], *[c["summary"][k] for k, _ in CASE_COLUMNS]]
                for c in cases
            ],
        )
    }
<h2>按章节</h2>{
        _html_table(
            ["章节", "标题", "n", *[h for _, h in SECTION_COLUMNS]],
            [
                [s["section"], s["title"], s["n"], *[s[k] for k, _ in SECTION_COLUMNS]]
                for s in data["sections"]
            ],
        )
    }
<h2>指标定义</h2><ul class="note">{
        "".join(
            f"<li><b>{html.escape(LABELS.get(k, k))}</b>（{k}）：{html.escape(v)}</li>"
            for k, v in meta["definitions"].items()
        )
    }</ul>
</body></html>
"""


def write_reports(report: EvalReport | dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """report.json (every score), report.md (tables) and report.html (tables and inline SVG charts)."""
    data = report.to_dict() if isinstance(report, EvalReport) else report
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "report.json", "md": out_dir / "report.md", "html": out_dir / "report.html"}
    paths["json"].write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    paths["md"].write_text(render_markdown(data), encoding="utf-8")
    paths["html"].write_text(render_html(data), encoding="utf-8")
    return paths
