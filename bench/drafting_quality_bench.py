"""Drafting quality of the template provider on the gold set: how much of the analytic text is the same
across unrelated products once each product's own facts are masked, plus the evaluation's figures.

    python bench/drafting_quality_bench.py [--gold eval/gold | --facts-dir eval/unseen]
                                           [--sections risk_assessment,conclusion,systems]

Overlap: every section is drafted for every gold product; each fact string of that product (fact_strings of
its facts file, longest first) and each regulation citation (《…》第X条 with its quoted article text, shared
by every filing the same article binds) is replaced by one mask character, whitespace is dropped, and the text is cut
into character 5-grams. For each pair of products the overlap is |A ∩ B| / min(|A|, |B|) over their 5-gram
sets (1.0 = the shorter text is entirely phrases the other also has); the figure is the mean over all pairs.
A second column computes the same on the body text without the headings the official templates mandate
(heading lines such as （一）算法滥用风险 or 1. 批量生成不当文本风险, and the monitoring areas' labels such as
信息安全监测：), to show how much of the overlap those headings alone account for.
Also printed: citations per filing and their validity (all applicable sections), warnings and blocking
findings on the complete cases (all applicable sections checked together), and the evaluation's summary
(element coverage = required mentions found, fabricated facts).

`--facts-dir DIR` measures a directory of facts files (*.yaml, each a complete product, no gold texts) instead
of the gold set: the overlap, citations, warnings, blocking findings and fabricated facts (numbers,
identifiers, dates and organisations in the drafts that neither the facts nor the corpus hold) are printed;
the evaluation's summary needs gold sections and is left out.
"""

from __future__ import annotations

import argparse
import itertools
import re
import statistics
from pathlib import Path

from assistant.checking.checks import run_checks
from assistant.checking.fabrication import FabricationDetector
from assistant.checking.matching import fact_strings
from assistant.config import get_settings
from assistant.corpus.citations import CITATION_RE, build_registry, verify_text
from assistant.drafting.draft import prepare_facts
from assistant.drafting.template_drafter import draft_all, draft_section
from assistant.evaluation.gold import GoldCase, load_gold
from assistant.evaluation.metrics import fabricated_facts
from assistant.evaluation.run import evaluate
from assistant.facts import load_facts
from assistant.runtime import Runtime
from assistant.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
MASK = "□"
SUMMARY_KEYS = (
    "element_coverage",
    "blocking_pass_rate",
    "case_pass_rate",
    "fabricated_facts",
    "citation_validity",
)


def masked(text: str, facts_strings: list[str]) -> str:
    """The text with the product's facts and the citations (《…》第X条 and a quoted article text) masked:
    what is left is the wording the drafter itself chose."""
    for value in sorted({v for v in facts_strings if len(v) >= 2}, key=len, reverse=True):
        text = text.replace(value, MASK)
    text = CITATION_RE.sub(MASK, text)
    return re.sub(r"\s", "", text)


# A heading line (markdown, （一）title, 1. title: no sentence in it) and a numbered item's leading label.
HEADING_LINE = re.compile(r"^\s*(#+\s.*|（[一二三四五六七八九十]+）[^。：；，]*|\d+\.\s*[^。：；，]*)\s*$")
ITEM_LABEL = re.compile(r"^(\s*\d+\.\s*)[^：。，；《“]{2,12}：")


def body_only(text: str) -> str:
    """The text without its heading lines and the labels that open numbered items (信息安全监测：...)."""
    lines = [line for line in text.splitlines() if not HEADING_LINE.match(line)]
    return "\n".join(ITEM_LABEL.sub(r"\1", line) for line in lines)


def grams(text: str, n: int = 5) -> set[str]:
    return {text[i : i + n] for i in range(len(text) - n + 1)}


def pairwise_overlap(texts: list[str]) -> float:
    sets = [grams(t) for t in texts if len(t) >= 5]
    pairs = [len(a & b) / min(len(a), len(b)) for a, b in itertools.combinations(sets, 2)]
    return statistics.fmean(pairs) if pairs else 0.0


def facts_cases(directory: Path) -> list[GoldCase]:
    """Each facts file of `directory` as a complete case without gold texts or annotations."""
    return [
        GoldCase(path.stem, "complete", load_facts(path), "", {}, {}, [], [])
        for path in sorted(directory.glob("*.yaml"))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--gold", type=Path, default=ROOT / "eval" / "gold")
    source.add_argument("--facts-dir", type=Path, default=None, help="a directory of facts files (*.yaml)")
    parser.add_argument("--sections", default="risk_assessment,conclusion,systems")
    args = parser.parse_args()
    cases = facts_cases(args.facts_dir) if args.facts_dir else load_gold(args.gold)
    spec = load_spec()
    print(f"{'事实文件' if args.facts_dir else '金标准案例'} {len(cases)} 个")

    print("\n章节                 去事实后 5-gram 两两重合度（均值）  去掉模板标题后")
    for section_id in args.sections.split(","):
        drafted = [
            (draft_section(case.facts, section_id), fact_strings(case.facts.as_dict()))
            for case in cases
            if spec.section(section_id).applies(case.facts)
        ]
        whole = pairwise_overlap([masked(text, values) for text, values in drafted])
        body = pairwise_overlap([masked(body_only(text), values) for text, values in drafted])
        print(f"{section_id:<20} {whole:.3f}                            {body:.3f}  (n={len(drafted)})")

    registry = build_registry(get_settings().regulations_dir)
    counts, valid, total = [], 0, 0
    warnings, blocking, fabricated = [], [], []
    for case in cases:
        prepared = prepare_facts(case.facts).facts  # what drafting reads: injected text already left out
        drafts = draft_all(prepared, spec)
        allowed = fact_strings(prepared.as_dict())  # as the evaluation scans drafts
        detector = FabricationDetector("\n".join(allowed), registry.corpus_text)
        fabricated += [
            (case.id, item) for text in drafts.values() for item in fabricated_facts(text, detector)
        ]
        results = [v for text in drafts.values() for v in verify_text(text, registry)]
        counts.append(len(results))
        valid += sum(v.ok for v in results)
        total += len(results)
        if case.kind == "complete":
            report = run_checks(case.facts, drafts, spec=spec, registry=registry)
            warnings.append((case.id, [f.message for f in report.warnings]))
            blocking.append((case.id, [f.message for f in report.blocking]))
    print(
        f"\n每份备案的法规引用数：均值 {statistics.fmean(counts):.1f}，最少 {min(counts)}，最多 {max(counts)}"
    )
    print(f"引用有效率：{valid}/{total} = {valid / total if total else 0:.3f}")
    print(f"完整案例的警告数：{sum(len(w) for _, w in warnings)}（{len(warnings)} 个案例）")
    for case_id, items in warnings:
        for message in items:
            print(f"  警告 {case_id}: {message}")
    print(f"完整案例的阻断项数：{sum(len(b) for _, b in blocking)}")
    for case_id, items in blocking:
        for message in items:
            print(f"  阻断 {case_id}: {message}")
    print(f"编造事实数（全部适用章节）：{len(fabricated)}")
    for case_id, item in fabricated:
        print(f"  编造 {case_id}: {item}")
    if args.facts_dir:
        return  # the evaluation's summary scores drafts against gold sections, which a facts directory lacks

    report = evaluate(args.gold, "template", Runtime(get_settings()), extract=False)
    print("\n评估（python -m assistant eval eval/gold --provider template）")
    for row in report.summary_rows():
        if row["name"] in SUMMARY_KEYS:
            value = "—" if row["value"] is None else f"{row['value']:.3f}"
            print(f"  {row['label']:<16} {value}  (n={row['n']})")


if __name__ == "__main__":
    main()
