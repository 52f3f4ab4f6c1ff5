"""Drafting speed for one facts file: seconds per section and per filing for the template provider and the
local models, and the overhead of our local drafting against raw llama-cpp-python generating the same
number of tokens from the same prompt.

    python bench/drafting_bench.py [--facts F] [--models 0.5b,1.5b] [--sections principle,risk_controls]

Local models are slow on 2 cores; the default section subset keeps a run within ~15 minutes per model.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from assistant.config import Settings, get_settings
from assistant.drafting.draft import Drafter
from assistant.drafting.llm import LocalLLM, Message, ModelCall
from assistant.facts import load_facts
from assistant.runtime import Runtime

PROVENANCE = {"model": "模型改写", "mixed": "混合", "template": "模板（模型稿被替换）"}
EXAMPLE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "facts-example.yaml"


def bench_template(rt: Runtime, facts_path: Path) -> None:
    facts = load_facts(facts_path)
    drafter = Drafter(rt, "template")
    drafter.draft(facts)  # warm-up
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        records = drafter.draft(facts)
        runs.append(time.perf_counter() - started)
    per_section = statistics.median(runs) / len(records)
    print(
        f"| template | 全部 {len(records)} 节 | {statistics.median(runs):.2f} | {per_section:.3f} | — | — | 模板 | — |"
    )


def raw_generation(llm: LocalLLM, messages: list[Message], tokens: int) -> float:
    """Seconds for llama-cpp-python alone to read the same prompt and generate `tokens` tokens."""
    llama = llm._llama()
    llama.reset()  # no prefix reuse: a cold prompt, as in our first call of a section
    started = time.perf_counter()
    for _ in llama.create_chat_completion(
        messages=[{"role": m.role, "content": m.content} for m in messages],
        max_tokens=tokens,
        temperature=0.3,
        stream=True,
    ):
        pass
    return time.perf_counter() - started


def bench_local(facts_path: Path, size: str, sections: list[str]) -> None:
    os.environ["BEIAN_LOCAL_MODEL"] = size
    get_settings.cache_clear()
    settings: Settings = get_settings()
    rt = Runtime(settings)
    facts = load_facts(facts_path)
    local = LocalLLM(settings)
    llama = local._llama()  # load (join + verify + mmap) outside the timings
    print(f"<!-- {local.model}: {llama.n_threads} llama.cpp threads -->")
    for section in sections:
        calls: list[ModelCall] = []  # the model-call log's records: prompt, reply, tokens, seconds
        started = time.perf_counter()
        record = Drafter(rt, "local", local, on_call=calls.append).draft(facts, [section])[section]
        total = time.perf_counter() - started
        messages = [Message(m["role"], m["content"]) for m in calls[0].prompt]
        first, tokens = calls[0].seconds, calls[0].completion_tokens or 1
        raw = raw_generation(local, messages, tokens)
        print(
            f"| local {size} | {record.title} | {total:.1f} | 首次生成 {first:.1f}（{tokens} tokens） | {raw:.1f} | "
            f"{first / raw:.2f}（整节 {total / raw:.2f}，修订 {record.repair_rounds} 轮，"
            f"{'模板补齐' if record.filled_from_template else '无补齐'}） | {PROVENANCE[record.provenance]}"
            f"（{record.paragraphs.count('model')}/{len(record.paragraphs)} 段） | {tokens / first:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--facts", type=Path, default=EXAMPLE)
    parser.add_argument("--models", default="0.5b,1.5b")
    parser.add_argument("--sections", default="principle,risk_controls")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print(
        "| 提供方 | 章节 | 总秒数 | 生成 | 原生 llama-cpp 秒数 | 开销比 | 来源（模型段落/全部） | 词元/秒 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    bench_template(Runtime(get_settings()), args.facts)
    for size in filter(None, args.models.split(",")):
        bench_local(args.facts, size, args.sections.split(","))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
