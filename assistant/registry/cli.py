"""`beian registry …`: import a published list, look a filing up, decode a number, suggest a type."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.registry.data import SERIES


def add_parser(sub: Any) -> None:
    p = sub.add_parser("registry", help="已公布的算法备案清单：导入、查询、备案编号解读、类型建议")
    actions = p.add_subparsers(dest="registry_command", required=True)

    q = actions.add_parser("import", help="导入新公布的备案清单（.docx，可多个）；重复导入不会产生重复行")
    q.add_argument("files", nargs="+")
    q.add_argument("--series", choices=SERIES, help="清单系列（无法从表头或标题判断时指定）")
    q.add_argument("--batch", help="批次 YYYY-MM（标题和文件名中都没有“YYYY年M月”时指定）")
    q.add_argument("--no-embed", action="store_true", help="不为新行计算向量（类型建议只用 BM25 检索这些行）")
    q.add_argument("--json", action="store_true")

    q = actions.add_parser("lookup", help="按备案编号（精确）或主体、算法、产品名称（模糊）查询")
    q.add_argument("query")
    q.add_argument("--limit", type=int, default=20)
    q.add_argument("--json", action="store_true")

    q = actions.add_parser("decode", help="逐位解读备案编号（地区、主体、类别、年份）")
    q.add_argument("number")
    q.add_argument("--json", action="store_true")

    q = actions.add_parser("classify", help="根据算法名称和主要用途建议算法类型，附最相近的已公布备案")
    q.add_argument("--name", default="")
    q.add_argument("--purpose", default="")
    q.add_argument("--batch", dest="batch_file", metavar="IN.jsonl", help='每行一个 {"name","purpose"}')
    q.add_argument("--json", action="store_true")

    q = actions.add_parser("lists", help="已加载的清单（系列、批次、行数、来源）")
    q.add_argument("--json", action="store_true")


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


class RegistryCliError(Exception):
    """A user-facing error (exit status 2)."""


def run(args: argparse.Namespace, settings: Settings) -> int:
    handler = {
        "import": _import,
        "lookup": _lookup,
        "decode": _decode,
        "classify": _classify,
        "lists": _lists,
    }[args.registry_command]
    return handler(args, settings)


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.registry.db import import_files, load_rows
    from assistant.registry.index import workspace_for
    from assistant.registry.vectors import embed_missing

    if args.batch and not _valid_batch(args.batch):
        raise RegistryCliError(f"批次“{args.batch}”格式不对，应为 YYYY-MM，例如 2026-01")
    ws = workspace_for(settings.workspace_url)
    reports = import_files(ws, [Path(f) for f in args.files], series=args.series, batch=args.batch)
    embedded = 0
    if not args.no_embed and any(r.ok and r.added + r.changed for r in reports):
        embedded = embed_missing(settings, load_rows(ws.engine), _progress(args.json))
    if args.json:
        _print_json({"files": [r.to_dict() for r in reports], "embedded": embedded})
    else:
        for report in reports:
            print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
        if embedded:
            print(f"已为 {embedded} 行计算向量（供类型建议使用）")
    return 0 if all(r.ok for r in reports) else 1


def _valid_batch(batch: str) -> bool:
    year, _, month = batch.partition("-")
    return len(year) == 4 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12


def _progress(quiet: bool) -> Any:
    if quiet:
        return None
    from tqdm import tqdm

    bar: list[Any] = []

    def update(done: int, total: int) -> None:
        if not bar:
            bar.append(tqdm(total=total, unit="行", desc="计算向量", file=sys.stderr))
        bar[0].update(done - bar[0].n)
        if done >= total:
            bar[0].close()

    return update


def _lookup(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.registry.index import get_index
    from assistant.registry.numbers import decode_number, looks_like_number

    index = get_index(settings)
    hits = index.lookup(args.query, limit=args.limit)
    if args.json:
        _print_json([hit.to_dict() for hit in hits])
        return 0 if hits else 1
    if not hits:
        extra = ""
        if looks_like_number(args.query):
            decoded = decode_number(args.query)
            extra = "；" + ("；".join(decoded.problems) if decoded.problems else "编号结构正常，可能尚未公布")
        print(f"未在已公布清单（截至{_batch_label(index.newest_batch)}）中找到“{args.query}”{extra}")
        return 1
    for hit in hits:
        row = hit.row
        print(
            f"{row.display_number}｜{row.algorithm_name}｜{row.category}｜{row.entity}｜{row.products or '—'}｜"
            f"{_batch_label(row.batch)}" + (f"｜备注：{row.remark}" if row.remark else "")
        )
        if row.purpose:
            print(f"    主要用途：{row.purpose}")
    return 0


def _decode(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.registry.numbers import decode_number

    decoded = decode_number(args.number)
    if args.json:
        _print_json(decoded.to_dict())
        return 0 if decoded.well_formed else 1
    d = decoded
    print(f"备案编号：{d.display}")
    print(f"  第 1–6 位 地区代码：{d.region_code or '—'}（{d.province or '未知省份'}）")
    print(f"  第 7–13 位 主体代码：{d.filer_code or '—'}")
    print(f"  第 14–15 位 类别代码：{d.class_code or '—'}（{d.class_type or '未知类别'}）")
    print(f"  第 16–17 位 年份：{d.year or '—'}")
    print(f"  第 18–21 位 顺序号：{d.sequence or '—'}")
    for problem in d.problems:
        print(f"  问题：{problem}")
    return 0 if d.well_formed else 1


def _classify(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.registry.service import get_classifier

    if args.batch_file:
        return _classify_batch(Path(args.batch_file), settings)
    if not (args.name.strip() or args.purpose.strip()):
        raise RegistryCliError(
            "请用 --name 和/或 --purpose 给出算法名称和主要用途，或用 --batch 指定 JSONL 文件"
        )
    suggestion = get_classifier(settings).classify(args.name, args.purpose)
    if args.json:
        _print_json({"name": args.name, "purpose": args.purpose, **suggestion.to_dict()})
        return 0
    shares = "，".join(
        f"{c} {s:.0%}" for c, s in sorted(suggestion.shares.items(), key=lambda kv: -kv[1]) if s >= 0.01
    )
    print(f"建议类型：{suggestion.cls}（{shares}）")
    print("最相近的已公布备案：")
    for e in suggestion.evidence:
        print(
            f"  {e.row.algorithm_name}｜{e.row.type}｜{e.row.entity}｜{_batch_label(e.row.batch)}｜{e.row.purpose}"
        )
    return 0


def _classify_batch(path: Path, settings: Settings) -> int:
    from assistant.registry.service import get_classifier

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryCliError(f"无法读取 {path}：{exc}") from exc
    classifier = get_classifier(settings)
    failed = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("应为 JSON 对象")
            name, purpose = str(item.get("name") or ""), str(item.get("purpose") or "")
            if not (name.strip() or purpose.strip()):
                raise ValueError("缺少 name 和 purpose")
        except ValueError as exc:
            failed += 1
            print(json.dumps({"line": number, "error": f"第 {number} 行无法读取：{exc}"}, ensure_ascii=False))
            continue
        suggestion = classifier.classify(name, purpose)
        print(
            json.dumps(
                {"line": number, "name": name, "purpose": purpose, **suggestion.to_dict()}, ensure_ascii=False
            )
        )
    return 1 if failed else 0


def _lists(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.registry.db import list_summaries
    from assistant.registry.index import get_index, workspace_for

    summaries = list_summaries(workspace_for(settings.workspace_url).engine)
    if args.json:
        _print_json(summaries)
        return 0
    if not summaries:
        index = get_index(settings)
        print(
            f"数据库中尚无清单；随附清单 {len(index.batches)} 个批次、{len(index.rows)} 行（运行 beian ingest 载入）"
        )
        return 0
    for item in summaries:
        print(
            f"{item['batch']}｜{item['series']}｜{item['rows']} 行｜{item['source']}｜导入于 {item['imported']}"
        )
    return 0


def _batch_label(batch: str) -> str:
    from assistant.registry.checks import batch_label

    return batch_label(batch)
