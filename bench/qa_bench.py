"""Question-answering benchmark (issue 20): key-point coverage, citations and seconds per answer on the
question set eval/qa/questions.yaml (practice, rule and out-of-scope questions).

    python bench/qa_bench.py                                # extractive (no model), every question
    python bench/qa_bench.py --provider local --limit 5     # the embedded model on the first 5 questions
    python bench/qa_bench.py --provider openai              # the configured OpenAI-compatible endpoint
    python bench/qa_bench.py --provider openai --model 1.5b # openai client → tests/openai_server.py → 1.5B
    python bench/qa_bench.py --data-dir /tmp/beian-qa       # reuse (or build once) the index there
    python bench/qa_bench.py --questions eval/qa/heldout.yaml   # the held-out questions
    python bench/qa_bench.py --provider local --ids qa01,qa15   # chosen questions
    python bench/qa_bench.py --provider floor               # the grounded path with a model that writes nothing

Scores per answered question: key-point coverage = share of its key points the answer contains (a key point
is a list of interchangeable phrases, compared after normalising punctuation and spaces); "cites" = the
answer carries at least one citation (an article or a practice note); invalid = citations in the answer
that do not verify against corpus/regulations (or name no existing practice note). Out-of-scope questions
(kind: decline) score 1 when the assistant declines. Seconds per answer include retrieval and the model.
`floor` runs the model path with a stand-in model that answers with nothing, so every selected point is
restored: what the grounded path delivers whatever the model writes (a model that paraphrases a point with
its citation but loses its key words can still score below it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.config import Settings  # noqa: E402
from assistant.corpus.citations import verify_text  # noqa: E402
from assistant.corpus.index import ingest  # noqa: E402
from assistant.drafting.answer_points import RESTORED  # noqa: E402
from assistant.drafting.chat import Answer, ask  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402
from assistant.textnorm import normalize  # noqa: E402

QUESTIONS = ROOT / "eval" / "qa" / "questions.yaml"


@dataclass
class Scored:
    id: str
    kind: str
    coverage: float
    cites: bool
    invalid: int
    declined: bool
    seconds: float
    missed: list[str]
    restored: int = 0  # points the model dropped, restored under 依据要点 (model modes)


def load_questions(path: Path) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def covered(text: str, point: list[str]) -> bool:
    body = normalize(text)
    return any(normalize(phrase) in body for phrase in point)


def invalid_citations(answer: Answer, rt: Runtime) -> int:
    bad = [r for r in verify_text(answer.text, rt.registry) if not r.ok]
    notes = {p.stem for p in rt.settings.practice_dir.glob("*.md")}
    bad_notes = [c for c in answer.citations if c.get("source") == "practice" and c.get("note") not in notes]
    return len(bad) + len(bad_notes) + len(answer.invalid)


def score(question: dict[str, Any], answer: Answer, seconds: float, rt: Runtime) -> Scored:
    points = question.get("key_points") or []
    hits = [covered(answer.text, p) for p in points]
    if question["kind"] == "decline":
        coverage = 1.0 if not answer.answered else 0.0
    else:
        coverage = sum(hits) / len(points) if points and answer.answered else 0.0
    return Scored(
        question["id"],
        question["kind"],
        coverage,
        bool(answer.citations),
        invalid_citations(answer, rt),
        not answer.answered,
        seconds,
        [p[0] for p, hit in zip(points, hits, strict=True) if not hit],
        restored_points(answer.text),
    )


def restored_points(text: str) -> int:
    """How many points the grounded answer had to restore (numbered lines after the 依据要点 heading)."""
    if RESTORED not in text:
        return 0
    return len(re.findall(r"^\d+\. 【", text.split(RESTORED, 1)[1], flags=re.M))


def run(rt: Runtime, questions: list[dict[str, Any]], llm: Any, show: bool = False) -> list[Scored]:
    results = []
    for question in questions:
        started = time.perf_counter()
        answer = ask(rt, question["question"], llm=llm)
        results.append(score(question, answer, time.perf_counter() - started, rt))
        if show:
            print(f"--- {question['id']} {question['question']}\n{answer.text}\n---", flush=True)
        last = results[-1]
        print(
            f"  {last.id}: {last.seconds:.1f} s, 覆盖 {last.coverage:.2f}, 引用 {'有' if last.cites else '无'}, "
            f"无效 {last.invalid}, 补回要点 {last.restored}",
            flush=True,
        )
    return results


def report(results: list[Scored], provider: str) -> None:
    print("| 题型 | 题数 | 要点覆盖率 | 有引用 | 无效引用 | 正确拒答 | 秒/题 (p50) |")
    print("|---|---|---|---|---|---|---|")
    groups = {kind: [r for r in results if r.kind == kind] for kind in ("practice", "rule", "decline")}
    groups["全部（不含拒答题）"] = [r for r in results if r.kind != "decline"]
    for name, rows in groups.items():
        if not rows:
            continue
        answerable = name != "decline"
        coverage = statistics.mean(r.coverage for r in rows) if answerable else float("nan")
        cites = sum(r.cites for r in rows) if answerable else 0
        declined = sum(r.declined for r in rows)
        print(
            f"| {name} | {len(rows)} | {coverage:.3f} | {cites}/{len(rows) if answerable else 0} | "
            f"{sum(r.invalid for r in rows)} | {declined if not answerable else '—'} | "
            f"{statistics.median(r.seconds for r in rows):.2f} |"
        )
    print(f"\n提供方：{provider}；共 {len(results)} 题；补回要点共 {sum(r.restored for r in results)} 条")
    for r in results:
        if r.missed or (r.kind == "decline" and not r.declined):
            print(f"  {r.id}（{r.kind}）未覆盖：{'、'.join(r.missed) or '未拒答'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="问答基准：要点覆盖率、引用有效性、每题用时")
    parser.add_argument("--provider", choices=["template", "local", "openai", "floor"], default="template")
    parser.add_argument("--limit", type=int, help="只跑前 N 题")
    parser.add_argument("--ids", help="只跑这些题（逗号分隔的 id，如 qa01,qa15）")
    parser.add_argument("--data-dir", type=Path, help="使用（或建立）此目录下的索引")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--show", action="store_true", help="打印每个回答的全文")
    parser.add_argument(
        "--model",
        choices=["1.5b", "0.5b"],
        help="本地模型；与 --provider openai 同用时，经本地 OpenAI 协议测试服务器由该模型作答",
    )
    args = parser.parse_args(argv)

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="beian-qa-"))
    settings = Settings(data_dir=data_dir, corpus_dir=ROOT / "corpus")
    if args.model:
        settings = settings.model_copy(update={"local_model": args.model})
    ingest(settings)
    rt = Runtime(settings)
    questions = load_questions(args.questions)
    if args.ids:
        wanted = args.ids.split(",")
        questions = [q for q in questions if q["id"] in wanted]
    questions = questions[: args.limit]
    ask(rt, "预热", llm=None)  # loads the index and the embedding model outside the timings
    with _llm(args.provider, settings, behind_server=bool(args.model)) as (llm, label):
        report(run(rt, questions, llm, args.show), label)
    return 0


@contextlib.contextmanager
def _llm(provider: str, settings: Settings, behind_server: bool) -> Iterator[tuple[Any, str]]:
    """The model client and its label; `openai` with a chosen model goes through the test server."""
    from assistant.drafting.llm import get_llm

    if provider == "openai" and behind_server:
        from bench.model_server import openai_llm

        with openai_llm(settings) as llm:
            yield llm, f"openai → 测试服务器 → local {settings.local_model}"
        return
    if provider == "floor":
        yield SilentModel(), "floor（模型什么都不写，只看选出并补回的要点）"
        return
    label = f"local {settings.local_model}" if provider == "local" else provider
    yield (get_llm(provider, settings) if provider != "template" else None), label


class SilentModel:
    """A model that answers with nothing: the grounded path's floor."""

    name = model = "floor"

    def complete(self, messages: Any, **kwargs: Any) -> str:
        return ""


if __name__ == "__main__":
    raise SystemExit(main())
