"""Past-filings benchmark: (a) exemplar retrieval latency, (b) template-likeness within the library.

    python bench/filings_bench.py [--calls 200] [--seed 7] [--data-dir DIR]

(a) builds an index over corpus/ in a temporary data directory (or reuses --data-dir / BEIAN_DATA_DIR;
the ingest is incremental) and times `Retriever.exemplars` for random section ids, algorithm types and
modalities, with the query-embedding cache emptied before each call. Goal: p50 < 50 ms.
(b) scores every section of every library filing against the library without that filing
(`FilingLibrary.template_likeness`, share of 6-gram overlap with the most similar past section) and prints
the distribution; the library's own texts should be mutually dissimilar.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings  # noqa: E402
from assistant.corpus.filings import FilingLibrary  # noqa: E402
from assistant.corpus.importer import MODALITIES  # noqa: E402
from assistant.corpus.index import get_collection, ingest  # noqa: E402
from assistant.corpus.retrieve import Retriever  # noqa: E402
from assistant.facts import ALGORITHM_TYPES  # noqa: E402
from assistant.spec import load_spec  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def bench_exemplars(settings: Settings, library: FilingLibrary, calls: int, seed: int) -> None:
    started = time.perf_counter()
    collection = get_collection(settings)
    report = ingest(settings, collection=collection)
    print(
        f"index: {collection.count()} chunks ({len(report.added) + len(report.updated)} files embedded, "
        f"{len(report.unchanged)} unchanged) in {time.perf_counter() - started:.1f} s"
    )
    retriever = Retriever(settings, collection=collection)
    spec = load_spec()
    section_ids = sorted({sid for doc in library.docs for sid in doc.sections})
    rng = random.Random(seed)
    retriever.exemplars(section_ids[0], ALGORITHM_TYPES[0], ["文本"], "预热")  # model load, not timed
    timings: list[float] = []
    wrong_section = empty = 0
    for _ in range(calls):
        section_id = rng.choice(section_ids)
        algorithm_type = rng.choice(ALGORITHM_TYPES)
        modalities = rng.sample(MODALITIES, rng.randint(1, 2))
        exclude = {rng.choice(library.docs).id}
        query = f"{spec.section(section_id).title} {algorithm_type} {'、'.join(modalities)}"
        retriever.clear_query_cache()  # every call embeds its query, as a new product description would
        t0 = time.perf_counter()
        hits = retriever.exemplars(section_id, algorithm_type, modalities, query, exclude=exclude, k=2)
        timings.append((time.perf_counter() - t0) * 1000)
        empty += not hits
        wrong_section += sum(
            h.metadata.get("section_id") != section_id or h.metadata.get("filing_id") in exclude for h in hits
        )
    print(
        f"\n(a) Retriever.exemplars, {calls} calls (k=2, random section/type/modalities, one filing excluded)\n"
    )
    print(
        "| p50 ms | p95 ms | mean ms | max ms | calls with no hit | hits of another section or excluded filing |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {percentile(timings, 0.5):.1f} | {percentile(timings, 0.95):.1f} | {statistics.mean(timings):.1f} "
        f"| {max(timings):.1f} | {empty} | {wrong_section} |"
    )
    verdict = "met" if percentile(timings, 0.5) < 50 else "NOT met"
    print(f"\ngoal p50 < 50 ms: {verdict}")


def bench_likeness(library: FilingLibrary) -> None:
    by_section: dict[str, list[float]] = defaultdict(list)
    pairs: list[tuple[float, str, str, str]] = []
    for doc in library.docs:
        for section_id, text in doc.sections.items():
            like = library.template_likeness(text, exclude={doc.id})
            if like is None:
                continue
            by_section[section_id].append(like.score)
            pairs.append(
                (like.score, f"{doc.id}/{section_id}", f"{like.filing_id}/{like.section}", section_id)
            )
    scores = [s for values in by_section.values() for s in values]
    print(
        f"\n(b) template-likeness of library sections against the library without their own filing "
        f"({len(library.docs)} filings, {len(scores)} sections)\n"
    )
    print("| section | n | min | median | p90 | max |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = sorted(by_section.items(), key=lambda item: -percentile(item[1], 0.9))
    for section_id, values in [("all", scores), *rows]:
        print(
            f"| {section_id} | {len(values)} | {min(values):.3f} | {percentile(values, 0.5):.3f} "
            f"| {percentile(values, 0.9):.3f} | {max(values):.3f} |"
        )
    print("\nmost similar pairs:")
    for score, source, match, _ in sorted(pairs, reverse=True)[:5]:
        print(f"  {score:.3f}  {source}  ~  {match}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="keep the index here and reuse it on the next run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="filings-bench-") as tmp:
        if args.data_dir:
            settings = Settings(data_dir=args.data_dir)
        elif os.environ.get("BEIAN_DATA_DIR"):
            settings = Settings()
        else:
            settings = Settings(data_dir=Path(tmp))
        library = FilingLibrary.from_dir(settings.filings_dir)
        print(f"library: {len(library.docs)} filings in {settings.filings_dir}; data dir {settings.data_dir}")
        if len(library.docs) < 24:
            print("warning: fewer than 24 filings in the library")
        bench_exemplars(settings, library, args.calls, args.seed)
        bench_likeness(library)


if __name__ == "__main__":
    main()
