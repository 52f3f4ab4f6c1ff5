"""Load benchmark: N simulated users against the embedded setup and against the server setup on loopback.

    python bench/load_bench.py                      # project corpus, N = 1, 5, 20, both backends, LLM variant
    python bench/load_bench.py --corpus fixture     # the small test corpus (quick)
    python bench/load_bench.py --data-dir DIR       # build the index once in DIR and reuse it next time
    python bench/load_bench.py --users 1,5 --iterations 3 --time-cap 60 --backends embedded

Each user (a thread, as sessions are in one Streamlit process) runs a bounded loop — `--iterations` rounds,
and no new round after the run's `--time-cap` seconds — of one operation in four steps:
  retrieve  hybrid search of a question over the regulations;
  draft     one section with the template provider;
  save      the section as a new draft version in the workspace (users of a team share a project, so a
            save may meet a newer version: StaleWrite, reload, retry — at most MAX_SAVE_TRIES times);
  check     read the section back from the workspace and run the deterministic checks on it.
Throughput is completed operations per second of wall time; latencies are per operation (and per step).
After each run the workspace is counted: saved draft versions must equal successful saves, versions must be
contiguous, and no operation may fail — otherwise the script exits 1.

Backends: `embedded` = chromadb PersistentClient + SQLite (WAL) in a temporary directory; `server` = a
`chroma run` and a PostgreSQL cluster (Debian's packages, default durability settings) that this script
starts on 127.0.0.1 and stops itself. The server index is a copy of the embedded one (same embeddings).

The LLM-serving variant drafts every applicable section with the openai provider against the loopback
OpenAI-protocol test server (tests/openai_server.py) that answers after a fixed delay, once per
BEIAN_LLM_CONCURRENCY value: the server counts requests in flight (never above the limit), and scripted
faults (HTTP 429 with Retry-After, HTTP 500, a reply slower than BEIAN_LLM_TIMEOUT) must all be retried.
All traffic goes to 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.config import PROJECT_ROOT, Settings  # noqa: E402
from assistant.corpus.index import get_collection, ingest  # noqa: E402
from assistant.drafting.draft import Drafter, prepare_facts, section_findings  # noqa: E402
from assistant.facts import Facts, load_facts  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402
from assistant.spec import Section  # noqa: E402
from assistant.store import StaleWrite, Workspace, draft_versions  # noqa: E402
from tests.openai_server import Fault, OpenAITestServer  # noqa: E402
from tests.server.servers import ChromaServer, PostgresServer, ServerUnavailable  # noqa: E402

FACTS_FILE = ROOT / "tests" / "fixtures" / "facts-example.yaml"
FIXTURE_CORPUS = ROOT / "tests" / "server" / "fixtures" / "corpus"
FIXTURE_QUESTIONS = [
    "生成的图片和视频需要添加什么标识？",
    "网络日志应当留存多长时间？",
    "用户投诉应当在多少个工作日内处理？",
    "上线有舆论属性的新功能前要做安全评估吗",
    "示例算法安全评估规定第三条",
]
TEAM_SIZE = 5  # users of one team share a project
MAX_SAVE_TRIES = 8
COPY_BATCH = 200
SLOW_REQUEST = 6  # the chat request (by arrival) that outlasts BEIAN_LLM_TIMEOUT
LLM_REPLY = (
    "本算法根据用户提交的内容和平台规则生成结果。系统在生成前后分别进行安全审核，审核通过的结果才会展示给用户，"
    "并记录日志以备核查。"
)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


# --- setups ------------------------------------------------------------------------------------


@dataclass
class Setup:
    name: str
    settings: Settings
    runtime: Runtime
    workspace: Workspace


def build_embedded_index(
    data_dir: Path, corpus_dir: Path, workspace_dir: Path
) -> tuple[Settings, float, int]:
    """Ingest (incrementally: a reused --data-dir only re-embeds changed files); the workspace database is
    always a new SQLite file in `workspace_dir`."""
    workspace_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        data_dir=data_dir,
        corpus_dir=corpus_dir,
        chroma_url=None,
        database_url=f"sqlite:///{(workspace_dir / 'workspace.db').resolve()}",
    )
    started = time.perf_counter()
    report = ingest(settings)
    if report.issues:
        print(f"语料问题：{report.issues[:3]}", file=sys.stderr)
    return settings, time.perf_counter() - started, get_collection(settings).count()


def copy_index(source: Settings, target: Settings) -> float:
    """Copy every record (with its embedding) into the target's collection: the same index, no re-embedding."""
    started = time.perf_counter()
    src, dst = get_collection(source), get_collection(target)
    data = src.get(include=["documents", "metadatas", "embeddings"])
    for start in range(0, len(data["ids"]), COPY_BATCH):
        end = start + COPY_BATCH
        dst.upsert(
            ids=data["ids"][start:end],
            documents=data["documents"][start:end],
            metadatas=data["metadatas"][start:end],
            embeddings=list(data["embeddings"][start:end]),
        )
    if dst.count() != src.count():
        raise RuntimeError(f"索引复制不完整：{dst.count()} / {src.count()}")
    return time.perf_counter() - started


def make_setup(name: str, settings: Settings) -> Setup:
    runtime = Runtime(settings.model_copy(update={"corpus_dir": PROJECT_ROOT / "corpus"}))
    # drafting and checks read the project's regulations (the section spec cites them); retrieval reads
    # the index of whichever corpus was ingested
    from assistant.corpus.citations import build_registry
    from assistant.corpus.retrieve import Retriever

    runtime.__dict__["retriever"] = Retriever(
        settings, build_registry(settings.regulations_dir), get_collection(settings)
    )
    return Setup(name, settings, runtime, Workspace(settings.workspace_url))


# --- the simulated users -----------------------------------------------------------------------


@dataclass
class RunResult:
    backend: str
    users: int
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    steps: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    saves: int = 0
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)
    stored_versions: int = 0
    contiguous: bool = True
    capped: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ops(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.ops / self.wall if self.wall else 0.0

    @property
    def lost(self) -> int:
        return self.saves - self.stored_versions

    @property
    def ok(self) -> bool:
        return not self.errors and self.lost == 0 and self.contiguous


def run_users(
    setup: Setup,
    users: int,
    iterations: int,
    time_cap: float,
    facts: Facts,
    sections: list[Section],
    questions: list[str],
    label: str,
) -> RunResult:
    result = RunResult(setup.name, users)
    context = prepare_facts(facts)
    drafter = Drafter(setup.runtime, "template")
    teams = (users + TEAM_SIZE - 1) // TEAM_SIZE
    projects = [setup.workspace.create_project(f"{label}-team{t}") for t in range(teams)]
    barrier = threading.Barrier(users)
    deadline = 0.0

    def save(project: int, section: Section, text: str, record: dict[str, Any]) -> int:
        for _ in range(MAX_SAVE_TRIES):
            latest = setup.workspace.latest_drafts(project).get(section.id)
            try:
                return setup.workspace.save_draft(
                    project,
                    section.id,
                    text,
                    record,
                    latest.version if latest else None,
                    author=f"user-{user_of()}",
                )
            except StaleWrite:
                with result.lock:
                    result.conflicts += 1
        raise RuntimeError(f"连续 {MAX_SAVE_TRIES} 次保存冲突")

    local = threading.local()

    def user_of() -> int:
        return int(getattr(local, "user", -1))

    def user(index: int) -> None:
        local.user = index
        rng = random.Random(index)
        project = projects[index // TEAM_SIZE]
        barrier.wait()
        for iteration in range(iterations):
            if time.monotonic() > deadline:
                with result.lock:
                    result.capped = True
                return
            section = sections[(index + iteration) % len(sections)]
            question = questions[rng.randrange(len(questions))]
            began = time.perf_counter()
            steps: dict[str, float] = {}
            try:
                t0 = time.perf_counter()
                hits = setup.runtime.retriever.search(question, k=5, source="regulation")
                if not hits:
                    raise RuntimeError(f"检索无结果：{question}")
                t1 = time.perf_counter()
                record = drafter.draft_one(context, section)
                t2 = time.perf_counter()
                version = save(project, section, record.text, record.model_dump())
                t3 = time.perf_counter()
                stored = setup.workspace.latest_drafts(project)[section.id]
                if stored.version < version:
                    raise RuntimeError(f"读回的版本 {stored.version} 早于刚保存的 {version}")
                section_findings(setup.runtime, context.facts, section, stored.text)
                t4 = time.perf_counter()
                steps = {"retrieve": t1 - t0, "draft": t2 - t1, "save": t3 - t2, "check": t4 - t3}
            except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                with result.lock:
                    result.errors.append(f"user {index}: {type(exc).__name__}: {exc}"[:300])
                continue
            with result.lock:
                result.saves += 1
                result.latencies.append(time.perf_counter() - began)
                for step, seconds in steps.items():
                    result.steps[step].append(seconds)

    threads = [threading.Thread(target=user, args=(i,), daemon=True, name=f"user-{i}") for i in range(users)]
    started = time.perf_counter()
    deadline = time.monotonic() + time_cap
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.monotonic()) + 60)  # one round may finish after the cap
    result.wall = time.perf_counter() - started
    if any(thread.is_alive() for thread in threads):
        result.errors.append("有用户线程在时间上限后 60 秒仍未结束")
    verify(setup.workspace, projects, result)
    return result


def verify(workspace: Workspace, projects: list[int], result: RunResult) -> None:
    """Count what the workspace holds: every successful save is one stored version, numbered 1..n."""
    from sqlalchemy import select

    with workspace.engine.connect() as conn:
        rows = conn.execute(
            select(draft_versions.c.project_id, draft_versions.c.section, draft_versions.c.version).where(
                draft_versions.c.project_id.in_(projects)
            )
        ).all()
    result.stored_versions = len(rows)
    by_key: dict[tuple[int, str], list[int]] = defaultdict(list)
    for project, section, version in rows:
        by_key[(project, section)].append(version)
    result.contiguous = all(sorted(v) == list(range(1, len(v) + 1)) for v in by_key.values())


# --- servers -----------------------------------------------------------------------------------


@contextmanager
def server_setup(embedded: Settings, data_dir: Path) -> Iterator[tuple[Settings, float, float]]:
    with ExitStack() as stack:
        started = time.perf_counter()
        chroma = stack.enter_context(ChromaServer())
        postgres = stack.enter_context(PostgresServer(durable=True))
        startup = time.perf_counter() - started
        settings = Settings(
            data_dir=data_dir,
            corpus_dir=embedded.corpus_dir,
            chroma_url=chroma.url,
            database_url=postgres.url(),
        )
        copied = copy_index(embedded, settings)
        yield settings, startup, copied


# --- the LLM-serving variant -------------------------------------------------------------------


@dataclass
class LLMResult:
    concurrency: int
    sections: int
    llm_sections: int
    wall: float
    requests: int
    max_in_flight: int
    faults: int
    failed: int
    errors: list[str]

    @property
    def ok(self) -> bool:
        return (
            self.failed == 0
            and not self.errors
            and self.max_in_flight <= self.concurrency
            and self.requests == self.llm_sections + self.faults
        )


def llm_variant(
    settings: Settings, facts: Facts, concurrency: int, delay: float, timeout: float
) -> LLMResult:
    in_flight = 0
    peak = 0
    arrivals = 0
    counter = threading.Lock()

    def responder(body: dict[str, Any]) -> str:
        """A model that takes `delay` seconds; the SLOW_REQUEST-th request takes longer than the client's
        timeout. A request counts as in flight while its client can still be waiting for it."""
        nonlocal in_flight, peak, arrivals
        with counter:
            arrivals += 1
            slow = arrivals == SLOW_REQUEST
            in_flight += 1
            peak = max(peak, in_flight)
        try:
            time.sleep(timeout if slow else delay)
        finally:
            with counter:
                in_flight -= 1
        if slow:
            time.sleep(1.5)  # the client has given up by now; it retries after its backoff
        return LLM_REPLY

    faults = [
        Fault("status", status=429, retry_after="0"),
        Fault("status", status=503, retry_after="0"),
        Fault("status", status=500),
    ]
    with OpenAITestServer() as server:
        server.httpd.handle_error = lambda request, address: None  # the abandoned slow reply: broken pipe
        server.state.responder = responder
        server.state.faults = list(faults)
        llm_settings = settings.model_copy(
            update={
                "provider": "openai",
                "openai_base_url": server.base_url,
                "openai_model": "load-test-model",
                "llm_concurrency": concurrency,
                "llm_timeout": timeout,
                "llm_max_retries": 5,
                "repair_rounds": 0,
            }
        )
        runtime = Runtime(llm_settings.model_copy(update={"corpus_dir": PROJECT_ROOT / "corpus"}))
        drafter = Drafter(runtime, "openai")
        sections = runtime.spec.applicable_sections(facts)
        started = time.perf_counter()
        records = drafter.draft(facts)
        wall = time.perf_counter() - started
        failed = [r for r in records.values() if r.error]
        chat_requests = [r for r in server.state.requests if "messages" in r]
        injected = len(faults) - len(server.state.faults) + (arrivals >= SLOW_REQUEST)
    return LLMResult(
        concurrency,
        len(sections),
        sum(1 for s in sections if s.mode == "draft"),
        wall,
        len(chat_requests),
        peak,
        injected,
        len(failed),
        [f"{r.section}: {r.error}" for r in failed][:3],
    )


# --- main --------------------------------------------------------------------------------------


def print_table(results: list[RunResult]) -> None:
    print(
        "\n| 后端 | 用户数 N | 完成操作 | 用时 s | 吞吐 ops/s | p50 ms | p95 ms | 检索 p95 ms | 保存 p95 ms "
        "| 保存冲突（已重试） | 成功保存 / 库中版本 | 错误 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        retrieve = percentile(r.steps["retrieve"], 0.95) * 1000
        save = percentile(r.steps["save"], 0.95) * 1000
        print(
            f"| {r.backend} | {r.users} | {r.ops}{'（达时间上限）' if r.capped else ''} | {r.wall:.1f} "
            f"| {r.throughput:.2f} | {percentile(r.latencies, 0.5) * 1000:.0f} "
            f"| {percentile(r.latencies, 0.95) * 1000:.0f} | {retrieve:.0f} | {save:.0f} | {r.conflicts} "
            f"| {r.saves} / {r.stored_versions}{'' if r.contiguous else '（版本不连续！）'} | {len(r.errors)} |"
        )


def print_llm_table(results: list[LLMResult], delay: float, timeout: float) -> None:
    print(
        f"\nLLM 服务变体：本机回环 OpenAI 协议测试服务器，每次生成耗时 {delay:.2f} s；注入故障 429（Retry-After: 0）、"
        f"503、500 与一次超过 BEIAN_LLM_TIMEOUT={timeout:g}s 的慢响应，均应重试成功。"
    )
    print(
        "\n| BEIAN_LLM_CONCURRENCY | 章节（其中调用模型） | 用时 s | 请求数 | 同时在途峰值 | 已注入故障 | 失败章节 | 结果 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.concurrency} | {r.sections}（{r.llm_sections}） | {r.wall:.1f} | {r.requests} | {r.max_in_flight} "
            f"| {r.faults} | {r.failed} | {'通过' if r.ok else '未通过'} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="负载基准：嵌入式与服务器两种后端下的并发用户")
    parser.add_argument("--users", default="1,5,20", help="用户数列表，逗号分隔（默认 1,5,20）")
    parser.add_argument("--iterations", type=int, default=5, help="每个用户的操作轮数上限（默认 5）")
    parser.add_argument("--time-cap", type=float, default=120.0, help="每次运行的时间上限（秒，默认 120）")
    parser.add_argument("--backends", default="embedded,server", help="embedded、server 或两者")
    parser.add_argument(
        "--corpus",
        choices=["project", "fixture"],
        default="project",
        help="project：项目语料库 corpus/（默认）；fixture：测试用小语料库",
    )
    parser.add_argument(
        "--data-dir", type=Path, help="在此目录建立（或增量更新后复用）嵌入式索引，而不是临时目录"
    )
    parser.add_argument("--llm-concurrency", default="1,4,8", help="LLM 变体的并发数列表；为空则跳过")
    parser.add_argument("--llm-delay", type=float, default=0.25, help="测试模型每次生成的耗时（秒）")
    parser.add_argument("--llm-timeout", type=float, default=2.0, help="LLM 变体的 BEIAN_LLM_TIMEOUT（秒）")
    args = parser.parse_args(argv)
    user_counts = [int(n) for n in args.users.split(",") if n.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not 1 <= args.iterations <= 100 or not 1 <= args.time_cap <= 1800 or max(user_counts) > 100:
        parser.error("每用户轮数须在 1–100，时间上限 1–1800 秒，用户数不超过 100")

    facts = load_facts(FACTS_FILE)
    corpus_dir = PROJECT_ROOT / "corpus" if args.corpus == "project" else FIXTURE_CORPUS
    if args.corpus == "project":
        rows = yaml.safe_load((ROOT / "bench" / "retrieval_questions.yaml").read_text(encoding="utf-8"))
        questions = [str(r["question"]) for r in rows]
    else:
        questions = FIXTURE_QUESTIONS
    print(
        f"负载基准：语料 {args.corpus}，用户数 {user_counts}，每用户至多 {args.iterations} 轮，"
        f"每次运行至多 {args.time_cap:g} 秒；开始时负载 {load_average()}（机器为共享环境，他人进程同时运行）"
    )

    tmp = Path(tempfile.mkdtemp(prefix="beian-load-"))
    results: list[RunResult] = []
    llm_results: list[LLMResult] = []
    try:
        embedded, ingest_seconds, chunks = build_embedded_index(
            args.data_dir or tmp / "embedded", corpus_dir, tmp / "embedded"
        )
        print(
            f"嵌入式索引：{chunks} 个分块，ingest 用时 {ingest_seconds:.1f} s"
            f"{'（复用 ' + str(args.data_dir) + '，增量）' if args.data_dir else ''}"
        )
        sections = Runtime(
            embedded.model_copy(update={"corpus_dir": PROJECT_ROOT / "corpus"})
        ).spec.applicable_sections(facts)

        def run_all(setup: Setup) -> None:
            setup.runtime.retriever.search(questions[0], k=5, source="regulation")  # warm: model, BM25
            setup.runtime.spec  # noqa: B018 - warm: spec verified against the registry
            for users in user_counts:
                label = f"load-{setup.name}-{users}-{time.time_ns()}"
                result = run_users(
                    setup, users, args.iterations, args.time_cap, facts, sections, questions, label
                )
                results.append(result)
                print(
                    f"  {setup.name} N={users}: {result.ops} 次操作，{result.throughput:.2f} ops/s，"
                    f"错误 {len(result.errors)}，负载 {load_average()}",
                    flush=True,
                )
                for error in result.errors[:3]:
                    print(f"    错误：{error}", file=sys.stderr)

        if "embedded" in backends:
            run_all(make_setup("embedded", embedded))
        if "server" in backends:
            try:
                with server_setup(embedded, tmp / "server") as (server_settings, startup, copied):
                    print(
                        f"服务器后端：chroma run {server_settings.chroma_url}，PostgreSQL 127.0.0.1；"
                        f"启动 {startup:.1f} s，索引复制 {copied:.1f} s"
                    )
                    setup = make_setup("server", server_settings)
                    try:
                        run_all(setup)
                    finally:
                        setup.workspace.engine.dispose()
            except ServerUnavailable as exc:
                print(f"跳过服务器后端：{exc}", file=sys.stderr)
        for value in [int(c) for c in args.llm_concurrency.split(",") if c.strip()]:
            llm_results.append(llm_variant(embedded, facts, value, args.llm_delay, args.llm_timeout))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print_table(results)
    if llm_results:
        print_llm_table(llm_results, args.llm_delay, args.llm_timeout)
    print(f"\n结束时负载 {load_average()}；CPU 核数 {os.cpu_count()}")
    failed = [r for r in results if not r.ok] + [r for r in llm_results if not r.ok]
    for r in llm_results:
        for error in r.errors:
            print(f"LLM 变体错误：{error}", file=sys.stderr)
    if failed:
        print(f"未通过：{len(failed)} 项运行有错误、丢失或超限", file=sys.stderr)
        return 1
    print("全部通过：没有错误，没有丢失的保存。")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
