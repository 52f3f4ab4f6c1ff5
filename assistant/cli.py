"""The `beian` command line."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.config import get_settings
from assistant.facts import ALGORITHM_TYPES, ROLES
from assistant.runtime import Runtime

Command = Callable[[argparse.Namespace, Runtime], int]
COMMANDS: dict[str, Command] = {}


class CliError(Exception):
    """A user-facing error: printed without a traceback, exit status 2."""


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        COMMANDS[name] = fn
        return fn

    return register


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# --- ingest / retrieve ------------------------------------------------------------------------


@command("ingest")
def _ingest(args: argparse.Namespace, rt: Runtime) -> int:
    import time

    from tqdm import tqdm

    from assistant.corpus.index import ingest

    started = time.perf_counter()
    bar: tqdm | None = None

    def progress(done: int, total: int, title: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="块", desc="写入索引", file=sys.stderr, disable=args.quiet)
        bar.update(done - bar.n)
        bar.set_postfix_str(title[:20])

    report = ingest(rt.settings, progress, rt.collection)
    if bar is not None:
        bar.close()
    from assistant.registry.service import load_bundled_lists

    for line in load_bundled_lists(rt.settings):
        print(line)
    elapsed = time.perf_counter() - started
    for issue in report.issues:
        print(f"问题：{issue}", file=sys.stderr)
    print(
        f"新增 {len(report.added)} 个文件，更新 {len(report.updated)} 个，未变 {len(report.unchanged)} 个，"
        f"删除 {len(report.removed)} 个；写入 {report.chunks_written} 个片段；用时 {elapsed:.1f} 秒"
    )
    return 1 if any(getattr(i, "fatal", True) for i in report.issues) else 0


@command("retrieve")
def _retrieve(args: argparse.Namespace, rt: Runtime) -> int:
    from assistant.corpus.retrieve import default_source

    source = args.source or default_source(args.query)
    rewrite = None
    if args.rewrite and args.mode != "dense":
        from assistant.corpus.rewrite import rewrite_query

        provider = args.provider or rt.settings.provider
        rewrite = rewrite_query(args.query, rt.settings, _llm_for(provider, rt), CallLog(rt, None))
    hits = rt.retriever.search(
        args.query,
        k=args.k,
        source=None if source == "all" else source,
        regulation=args.regulation,
        include_historical=args.historical,
        mode=args.mode,
        rewrite=rewrite,
    )
    if args.json:
        _print_json([hit.to_dict() for hit in hits])
        return 0
    if rewrite:
        print(f"改写（模型）：{rewrite}")
    if not hits:
        print("没有检索到相关内容。索引为空时请先运行 beian ingest。")
    for rank, hit in enumerate(hits, 1):
        label = {
            "regulation": f"《{hit.title}》{hit.article}",
            "practice": f"[实务笔记] {hit.title}·{hit.metadata.get('heading', '')}",
        }.get(hit.source, f"[往期备案 {hit.metadata.get('filing_id')}] {hit.title}")
        print(f"{rank}. {label}  (score {hit.score:.3f})\n   {hit.text[:160].replace(chr(10), ' ')}")
        if hit.sentence:
            print(f"   最贴近的句子：{hit.sentence}")
    return 0


# --- check ------------------------------------------------------------------------------------


def load_facts_arg(path: str) -> Any:
    from assistant.facts import FactsError, load_facts

    try:
        return load_facts(Path(path))
    except FactsError as exc:
        raise CliError("事实文件有误：\n  " + "\n  ".join(exc.problems)) from exc


def load_drafts_arg(path: str) -> dict[str, str]:
    from assistant.drafting.drafts import read_drafts

    directory = Path(path)
    if not directory.is_dir():
        raise CliError(f"草稿目录不存在：{directory}")
    return read_drafts(directory)


@command("check")
def _check(args: argparse.Namespace, rt: Runtime) -> int:
    from assistant.checking.checks import decide_filings, run_checks

    facts = load_facts_arg(args.facts)
    drafts = load_drafts_arg(args.draft_dir)
    report = run_checks(facts, drafts, spec=rt.spec, registry=rt.registry, library=rt.library)
    decision = decide_filings(facts)
    if args.json:
        _print_json(
            {
                "passed": report.passed,
                "blocking": len(report.blocking),
                "warnings": len(report.warnings),
                "findings": [f.to_dict() for f in report.findings],
                "filings_needed": decision.filings,
                "reasons": decision.reasons,
            }
        )
    else:
        print("需要办理：" + "、".join(decision.filings) + "（" + "；".join(decision.reasons) + "）")
        print(f"共 {report.problem_count()} 个问题：")
        titles = {s.id: s.title for s in rt.spec.sections}
        for finding in report.findings:
            level = "阻断" if finding.blocking else "警告"
            print(f"[{level}] {finding.title}｜{finding.message}" + _where(finding, titles))
        print(
            f"结论：{'通过' if report.passed else '未通过'}（阻断 {len(report.blocking)} 项，警告 {len(report.warnings)} 项）"
        )
    return 0 if report.passed else 1


def _where(finding: Any, titles: dict[str, str]) -> str:
    """Where a finding applies, in Chinese: the facts fields (labels) and the sections (titles)."""
    from assistant.checking.checks import fact_label

    if finding.kind == "missing_fact":  # its message names the fact and the sections it affects
        return ""
    parts = ["、".join(fact_label(p) for p in finding.paths)] if finding.paths else []
    if finding.sections:
        parts.append("、".join(f"《{titles.get(s, s)}》" for s in finding.sections))
    return f"  （{'；'.join(parts)}）" if parts else ""


# --- draft / export / facts / ask -----------------------------------------------------------------


def _llm_for(provider: str, rt: Runtime) -> Any:
    from assistant.drafting.llm import LLMError, get_llm

    try:
        return get_llm(provider, rt.settings)
    except LLMError as exc:
        raise CliError(str(exc)) from exc


def _profile_for(provider: str) -> Any:
    from assistant.drafting.llm import LLMError, provider_profile

    try:
        return provider_profile(provider)
    except LLMError as exc:
        raise CliError(str(exc)) from exc


class ProjectSink:
    """`beian draft --project NAME`: the facts are saved first (a new facts version when they differ from the
    project's latest), then each section as it finishes — into the same workspace database the app uses.
    A section is not saved when the project's facts changed since this run saved or read them, or when
    someone saved that section meanwhile (StaleWrite); the problem is reported and the file output is kept."""

    def __init__(self, url: str, name: str, facts_text: str, facts: Any):
        from assistant.facts import FactsError, load_facts_text
        from assistant.store import StaleWrite, Workspace

        self.ws = Workspace(url)
        self.name = name.strip()
        try:
            self.project_id = self.ws.project_id(self.name) or self.ws.create_project(self.name)
        except ValueError as exc:
            existing = self.ws.project_id(self.name)  # created by a concurrent run, or an invalid name
            if existing is None:
                raise CliError(str(exc)) from exc
            self.project_id = existing
        latest = self.ws.latest_facts(self.project_id)
        try:
            same = latest is not None and load_facts_text(latest.text).as_dict() == facts.as_dict()
        except FactsError:
            same = False
        if latest is not None and same:
            self.facts_version, self.facts_saved = latest.version, False
        else:
            try:
                self.facts_version = self.ws.save_facts(
                    self.project_id,
                    facts_text,
                    latest.version if latest else None,
                    note="beian draft 命令行保存",
                    author="命令行",
                )
            except StaleWrite as exc:
                raise CliError(f"事实文件未存入项目“{self.name}”：{exc}") from exc
            self.facts_saved = True
        self.draft_bases = {sid: v.version for sid, v in self.ws.latest_drafts(self.project_id).items()}
        self.problems: list[str] = []
        self._lock = threading.Lock()

    def save(self, record: Any) -> None:
        from assistant.store import StaleWrite

        try:
            version = self.ws.save_generated_draft(
                self.project_id,
                record.section,
                record.text,
                dict(record.model_dump(), facts_version=self.facts_version),
                author="命令行起草",
                facts_version=self.facts_version,
                base=self.draft_bases.get(record.section),
            )
        except StaleWrite as exc:
            with self._lock:
                self.problems.append(f"章节“{record.title}”的草稿未存入项目（文件已写出）：{exc}")
            return
        with self._lock:
            self.draft_bases[record.section] = version


class CallLog:
    """Every model call of a command into the workspace's model-call log (the project's, or no project);
    the database is opened on the first call, so runs without a model never create one."""

    def __init__(self, rt: Runtime, project_id: int | None):
        self.rt, self.project_id = rt, project_id
        self._ws: Any = None
        self._lock = threading.Lock()

    def __call__(self, call: Any) -> None:
        from assistant.store import Workspace

        with self._lock:
            if self._ws is None:
                self._ws = Workspace(self.rt.settings.workspace_url)
            self._ws.log_model_call(self.project_id, call.model_dump())


@command("draft")
def _draft(args: argparse.Namespace, rt: Runtime) -> int:
    from assistant.drafting.draft import Drafter
    from assistant.drafting.drafts import write_draft

    facts = load_facts_arg(args.facts)
    provider = args.provider or rt.settings.provider
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sink = (
        ProjectSink(
            rt.settings.workspace_url, args.project, Path(args.facts).read_text(encoding="utf-8"), facts
        )
        if args.project is not None
        else None
    )
    if sink is not None:
        state = "已存为" if sink.facts_saved else "与最新版相同，沿用"
        print(
            f"事实文件{state}项目“{sink.name}”的第 {sink.facts_version} 版；每节完成后即存入项目", flush=True
        )

    drafter = Drafter(
        rt, provider, _llm_for(provider, rt), on_call=CallLog(rt, sink.project_id if sink else None)
    )

    def on_saved(record: Any) -> None:
        write_draft(out, record)
        if sink is not None:
            sink.save(record)

    try:
        records = drafter.draft(facts, args.section or None, on_saved=on_saved)
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from exc
    failed = 0
    for record in records.values():
        if record.error:
            failed += 1
            print(f"[失败] {record.title}：{record.error}")
            continue
        blocking = sum(1 for c in record.checks if c["blocking"])
        flag = "（需人工复核）" if record.needs_review else ""
        print(
            f"[完成] {record.title}{flag}：{len(record.text)} 字，阻断项 {blocking}，用时 {record.timings.get('total', 0):.1f} 秒"
        )
    print(f"草稿已写入 {out}/（每节一个 .md 和一个 .json 记录）")
    if sink is not None:
        for problem in sink.problems:
            print(f"[未存入项目] {problem}", file=sys.stderr)
        saved = sum(1 for r in records.values() if not r.error) - len(sink.problems)
        print(f"已存入项目“{sink.name}”：{saved} 节")
    return 1 if failed or (sink is not None and sink.problems) else 0


@command("export")
def _export(args: argparse.Namespace, rt: Runtime) -> int:
    from assistant.checking.checks import run_checks
    from assistant.output.export import ExportRefused, export_filing

    facts = load_facts_arg(args.facts)
    drafts = load_drafts_arg(args.draft_dir)
    report = run_checks(facts, drafts, spec=rt.spec, registry=rt.registry, library=rt.library)
    try:
        result = export_filing(facts, drafts, Path(args.out), report, override_reason=args.override_reason)
    except ExportRefused as exc:
        print(f"拒绝导出：{exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    for path in result.files:
        print(f"已导出：{path}")
    if result.draft_mark:
        print("注意：本次为人工确认的强制导出，文档已标注“草稿”。", file=sys.stderr)
    if report.warnings:
        print(f"提示：尚有 {len(report.warnings)} 项警告未处理（见 export-record.json）。")
    for notice in result.notices:
        print(f"!!! {notice}", file=sys.stderr)
    return 0


@command("facts")
def _facts(args: argparse.Namespace, rt: Runtime) -> int:
    from assistant.drafting.drafts import atomic_write
    from assistant.drafting.extract import ExtractionError, description_limit, extract_facts
    from assistant.drafting.llm import LLMError
    from assistant.facts import dump_facts

    provider = args.provider or rt.settings.provider
    path, out = Path(args.description), Path(args.out)
    if not path.is_file():
        raise CliError(f"找不到描述文件：{path}")
    if out.exists() and not args.force:
        raise CliError(f"{out} 已存在：为免覆盖已保存的事实文件，请换一个输出路径，或加 --force")
    if path.stat().st_size > rt.settings.max_upload_bytes:
        raise CliError(
            f"描述文件过大（{path.stat().st_size} 字节），上限 {rt.settings.max_upload_bytes} 字节；"
            f"描述本身上限 {description_limit(provider)} 字"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"描述文件不是 UTF-8 文本（可能是二进制文件）：{path}") from exc

    def progress(p: Any) -> None:
        if p.title != "完成":
            left = f"，预计还需约 {p.estimate:.0f} 秒" if p.estimate is not None else ""
            print(
                f"[{p.index}/{p.total}] 正在抽取：{p.title}（已用 {p.elapsed:.0f} 秒{left}）", file=sys.stderr
            )

    try:
        extraction = extract_facts(
            text, _llm_for(provider, rt), rt.spec, on_progress=progress, sink=CallLog(rt, None)
        )
    except (ExtractionError, LLMError) as exc:
        raise CliError(str(exc)) from exc
    atomic_write(out, dump_facts(extraction.facts))
    if args.json:
        print(json.dumps(extraction.as_json(), ensure_ascii=False, indent=2))
        return 0
    _print_extraction(extraction, out)
    return 0


def _print_extraction(extraction: Any, out: Path) -> None:
    from assistant.facts import label_for

    print(
        f"事实文件已写入 {out}（{'仅规则识别' if extraction.provider == 'template' else '规则识别 + 模型抽取'}）"
    )
    print(f"{'状态':<6}{'字段':<28}值")
    for path, found in sorted(extraction.sources.items()):
        status = "存疑" if found.uncertain else "找到"
        value = "、".join(map(str, found.value)) if isinstance(found.value, list) else str(found.value)
        print(f"{status:<6}{label_for(path)[:14]:<16}{path:<44}{value[:40]}")
    for finding in extraction.findings:
        mark = "【阻断】" if finding.blocking else "【提示】"
        print(f"{mark}{finding.kind}：{finding.message}")
        for place in finding.occurrences[:6]:
            print(f"    第 {place.start} 字起：{place.sentence[:60]}")
    if extraction.dropped:
        print("以下模型抽取结果在描述中找不到依据，已舍弃：\n  " + "\n  ".join(extraction.dropped))
    for error in extraction.group_errors:
        print(f"未完成的分组：{error}")
    print(f"描述中没有找到（{len(extraction.missing)} 项）：")
    for item in extraction.missing_report():
        print(f"  - {item}")


@command("ask")
def _ask(args: argparse.Namespace, rt: Runtime) -> int:
    from assistant.drafting.chat import ask
    from assistant.drafting.llm import LLMError

    provider = args.provider or rt.settings.provider
    try:
        answer = ask(rt, args.question, _llm_for(provider, rt), sink=CallLog(rt, None), rewrite=args.rewrite)
    except (ValueError, LLMError) as exc:
        raise CliError(str(exc)) from exc
    if args.json:
        _print_json(answer.to_dict())
        return 0
    print(answer.text)
    articles = [c for c in answer.citations if c.get("source") == "regulation"]
    notes = [c for c in answer.citations if c.get("source") == "practice"]
    if articles:
        print("\n引用条文：")
        for c in articles:
            print(f"- 《{c['title']}》{c['article']}")
    if notes:
        print("\n实务笔记：")
        for c in notes:
            print(f"- {c['title']}·{c['heading']}（来源：{c['sources']}）")
    return 0


# --- eval -------------------------------------------------------------------------------------------


@command("eval")
def _eval(args: argparse.Namespace, rt: Runtime) -> int:
    from assistant.drafting.llm import LLMError
    from assistant.evaluation.gold import EvalError
    from assistant.evaluation.reports import compare, compare_table, summary_table, write_reports
    from assistant.evaluation.run import evaluate
    from assistant.store import Workspace

    if args.compare:
        reports = [_read_report(path) for path in args.compare]
        names = [Path(p).parent.name or p for p in args.compare]
        print(compare_table(compare(*reports), *(f"{n[:10]}" for n in names)))
        return 0
    if not args.gold_dir or not args.out:
        raise CliError(
            "用法：beian eval GOLD_DIR -o REPORT_DIR，或 beian eval --compare A/report.json B/report.json"
        )
    provider = args.provider or rt.settings.provider

    def progress(done: int, total: int, case: str) -> None:
        print(f"[{done}/{total}] {case}", file=sys.stderr, flush=True)

    try:
        report = evaluate(
            Path(args.gold_dir),
            provider,
            rt,
            cases=args.case,
            sections=args.section,
            on_progress=progress,
            llm=_llm_for(provider, rt),
            judge=args.judge,
            judge_runs=args.judge_runs,
            extract=not args.no_extract,
        )
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from exc
    except (EvalError, LLMError) as exc:
        raise CliError(str(exc)) from exc
    paths = write_reports(report, Path(args.out))
    data = report.to_dict()
    run_id = Workspace(rt.settings.workspace_url).save_eval(
        f"{provider} {Path(args.gold_dir).name} {report.created}", data
    )
    print(summary_table(report.summary_rows()))
    print(
        f"用时 {report.timings['total']} 秒；报告已写入 {', '.join(str(p) for p in paths.values())}（评估记录 #{run_id}）"
    )
    return 0


def _read_report(path: str) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CliError(f"无法读取评估报告 {path}：{exc}") from exc


@command("import-filing")
def _import_filing(args: argparse.Namespace, rt: Runtime) -> int:
    from assistant.corpus.importer import FilingImportError, import_filing

    meta = {k: v for k, v in {"algorithm_type": args.type, "role": args.role}.items() if v}
    try:
        report = import_filing(
            Path(args.file),
            rt.settings,
            meta=meta or None,
            known_names=args.known_name,
            collection=rt.collection,
        )
    except FilingImportError as exc:
        print(f"导入失败：{exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


@command("registry")
def _registry(args: argparse.Namespace, rt: Runtime) -> int:
    from assistant.registry.cli import RegistryCliError, run

    try:
        return run(args, rt.settings)
    except RegistryCliError as exc:
        raise CliError(str(exc)) from exc


def _add_rewrite_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-rewrite",
        dest="rewrite",
        action="store_false",
        help="检索前不让模型把问题改写成法规用语（默认改写：提供方使用模型且 BEIAN_QUERY_REWRITE 未关闭时）",
    )


def build_parser() -> argparse.ArgumentParser:
    from assistant.drafting.llm import PROVIDERS

    parser = argparse.ArgumentParser(
        prog="beian", description="备案助手：算法备案材料的检索、起草、检查与导出"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="根据 corpus/ 建立或更新索引（增量）")
    p.add_argument("--quiet", action="store_true", help="不显示进度条")

    p = sub.add_parser("retrieve", help="检索法规条文和往期备案")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--source",
        choices=["regulation", "filing", "practice", "all"],
        help="默认只检索法规条文（问题要范例、参考写法时检索全部）；filing 往期备案，practice 实务笔记，all 全部",
    )
    p.add_argument("--regulation", help="只检索某部法规（名称或简称）")
    p.add_argument("--historical", action="store_true", help="包括已被取代的历史文本")
    p.add_argument("--mode", choices=["hybrid", "bm25", "dense"], default="hybrid")
    p.add_argument(
        "--provider", choices=list(PROVIDERS), help="改写问题所用的模型提供方（默认同设置；template 不改写）"
    )
    _add_rewrite_flag(p)

    p = sub.add_parser("check", help="对草稿运行确定性检查；有阻断项时退出码为 1")
    p.add_argument("facts")
    p.add_argument("draft_dir")
    p.add_argument("--json", action="store_true")

    providers = list(PROVIDERS)
    p = sub.add_parser("draft", help="起草章节（默认全部适用章节），每节输出 Markdown 和 JSON 记录")
    p.add_argument("facts")
    p.add_argument("--section", action="append", help="章节编号或中文标题，可重复")
    p.add_argument("--provider", choices=providers)
    p.add_argument("-o", "--out", required=True)
    p.add_argument(
        "--project",
        help="同时存入工作区项目（与应用共用）：先保存事实文件（有变化时新建版本），每节完成即保存；项目不存在时创建",
    )

    p = sub.add_parser("export", help="导出 .docx；有阻断项时拒绝导出")
    p.add_argument("facts")
    p.add_argument("draft_dir")
    p.add_argument("-o", "--out", required=True)
    p.add_argument("--override-reason", help="在阻断项未解决时强制导出的书面理由（会记录在导出记录中）")

    p = sub.add_parser(
        "facts",
        help="从产品描述提取事实文件（描述上限：内置模型 3000 字，其他 8000 字）；template 只用规则识别",
    )
    p.add_argument("description")
    p.add_argument("-o", "--out", required=True)
    p.add_argument("--provider", choices=providers)
    p.add_argument(
        "--json", action="store_true", help="输出事实、出处、存疑与未找到的字段、发现的问题（JSON）"
    )
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")

    p = sub.add_parser(
        "import-filing", help="导入往期备案（.docx/.md/.txt/.pdf）：分章节、匿名化、残留扫描后入库"
    )
    p.add_argument("file")
    p.add_argument("--type", choices=ALGORITHM_TYPES)
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--known-name", action="append", default=[], help="须匿名化的公司或品牌名称，可重复")

    p = sub.add_parser(
        "ask", help="就备案规则和实务提问，回答分“法规规定”（附条文引用）和“实务做法”（附笔记来源）"
    )
    p.add_argument("question")
    p.add_argument("--json", action="store_true")
    p.add_argument("--provider", choices=providers)
    _add_rewrite_flag(p)

    p = sub.add_parser("eval", help="用金标准集评估起草质量；输出指标表和 report.json/.md/.html")
    p.add_argument("gold_dir", nargs="?", help="金标准目录，例如 eval/gold")
    p.add_argument("--provider", choices=providers)
    p.add_argument("--case", action="append", help="只评估某个案例，可重复")
    p.add_argument("--section", action="append", help="只评估某个章节（编号或中文标题），可重复")
    p.add_argument("--judge", action="store_true", help="启用评审模型打分（默认关闭）")
    p.add_argument("--judge-runs", type=int, default=3, help="评审模型每节运行次数（默认 3）")
    p.add_argument("--no-extract", action="store_true", help="不评估从描述抽取事实")
    p.add_argument("-o", "--out", help="报告目录")
    p.add_argument("--compare", nargs=2, metavar=("A_JSON", "B_JSON"), help="比较两份 report.json")

    from assistant.registry.cli import add_parser as add_registry_parser

    add_registry_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args, Runtime(get_settings()))
    except CliError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
