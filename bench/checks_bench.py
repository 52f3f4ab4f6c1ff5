"""Time to check a whole filing: the example facts with template drafts, every check, N runs.

    python bench/checks_bench.py [--runs 30]

Two figures: "cold" empties the text caches (normalised text, numbers, keywords, fact allowances) before
each run, as when every section was just edited and the facts changed; "warm" re-checks unchanged text.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from assistant.checking.checks import run_checks
from assistant.checking.fabrication import allowance
from assistant.checking.matching import _keywords, _numbers
from assistant.config import get_settings
from assistant.drafting.template_drafter import draft_all
from assistant.facts import load_facts
from assistant.runtime import Runtime
from assistant.textnorm import normalize

TEXT_CACHES = (normalize, _numbers, _keywords, allowance)


def clear_text_caches() -> None:
    for cached in TEXT_CACHES:
        cached.cache_clear()


def percentiles(times: list[float]) -> str:
    times = sorted(times)
    return (
        f"p50 {statistics.median(times):.1f} ms  p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms  "
        f"min {times[0]:.1f} ms"
    )


EXAMPLE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "facts-example.yaml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    rt = Runtime(get_settings())
    registry, library = rt.registry, rt.library
    facts = load_facts(EXAMPLE)
    drafts = draft_all(facts)
    run_checks(facts, drafts, registry=registry, library=library)  # warm-up (jieba, regex caches)
    timings: dict[str, list[float]] = {"cold": [], "warm": []}
    for kind in ("cold", "warm"):
        for _ in range(args.runs):
            if kind == "cold":
                clear_text_caches()
            started = time.perf_counter()
            report = run_checks(facts, drafts, registry=registry, library=library)
            timings[kind].append((time.perf_counter() - started) * 1000)
    print(f"sections: {len(drafts)}  findings: {len(report.findings)}  runs: {args.runs}")
    for kind, times in timings.items():
        print(f"check whole filing ({kind}): {percentiles(times)}")


if __name__ == "__main__":
    main()
