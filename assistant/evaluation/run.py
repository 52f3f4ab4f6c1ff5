"""Draft-quality evaluation against the gold set (eval/gold/<case>/): draft every gold section of every
case with one provider, score the drafts with assistant.evaluation.metrics (scoring), optionally judge them
(judge), and report (reports).

Scores are deterministic for a deterministic provider: nothing in `EvalReport.scores()` depends on time,
order of completion or randomness. Timings are kept apart (`timings`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.checking.checks import run_checks
from assistant.checking.fabrication import FabricationDetector
from assistant.checking.matching import fact_strings
from assistant.drafting.draft import Drafter, prepare_facts
from assistant.drafting.drafts import DraftRecord
from assistant.drafting.llm import LLM, get_llm
from assistant.evaluation import metrics
from assistant.evaluation.gold import GoldCase, check_no_leak, load_gold
from assistant.evaluation.judge import default_judge, judge_section
from assistant.evaluation.scoring import CaseScore, EvalReport, extract_score, score_section, section_order
from assistant.runtime import Runtime

ProgressCallback = Callable[[int, int, str], None]


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
        judge_llm = llm or default_judge(rt)
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
    keys.sort(key=section_order)
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
