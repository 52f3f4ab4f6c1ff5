"""Scores: per section (metrics of one draft against its gold text), per case, and the report's summary and
per-section tables (`EvalReport`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from assistant.checking.checks import Finding
from assistant.checking.fabrication import FabricationDetector
from assistant.checking.matching import markers, mentions
from assistant.corpus.citations import verify_text
from assistant.drafting.draft import TEMPLATE_FALLBACK, prepare_facts
from assistant.drafting.drafts import DraftRecord
from assistant.drafting.llm import LLM, LLMError
from assistant.evaluation import metrics
from assistant.evaluation.gold import GoldCase
from assistant.evaluation.judge import JudgeScore
from assistant.runtime import Runtime


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
        for sid in sorted({s.section for s in self.all_sections}, key=section_order):
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


def section_order(section_id: str) -> int:
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
    failed = (
        f"{len(extraction.group_errors)} 组模型抽取失败（只计规则识别的结果）"
        if extraction.group_errors
        else ""
    )
    return metrics.field_score(extraction.facts.as_dict(), gold), failed
