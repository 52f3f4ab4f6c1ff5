"""Reports: the comparison of two runs, text tables for the terminal, report.json / report.md / report.html
(tables and inline SVG charts)."""

from __future__ import annotations

import html
import json
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.scoring import LABELS, UNIT_METRICS, EvalReport

# --- comparison -----------------------------------------------------------------------------------------


def compare(report_a: dict[str, Any], report_b: dict[str, Any]) -> list[dict[str, Any]]:
    """Metric by metric: a, b and delta (b − a; None when either is undefined)."""
    a_rows = {r["name"]: r for r in report_a.get("summary", [])}
    b_rows = {r["name"]: r for r in report_b.get("summary", [])}
    names = [n for n in a_rows if n in b_rows] + [n for n in b_rows if n not in a_rows]
    rows = []
    for name in names:
        a, b = (a_rows.get(name) or {}).get("value"), (b_rows.get(name) or {}).get("value")
        delta = b - a if isinstance(a, int | float) and isinstance(b, int | float) else None
        rows.append({"metric": name, "label": LABELS.get(name, name), "a": a, "b": b, "delta": delta})
    return rows


# --- rendering ------------------------------------------------------------------------------------------


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide and fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    space = " " * max(0, width - display_width(text))
    return space + text if right else text + space


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: Sequence[int] = (0,)) -> str:
    """Aligned plain-text table: the `left` columns left-aligned, the others right-aligned."""
    widths = [max(display_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [pad(str(v), widths[i], right=i not in left) for i, v in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def summary_table(rows: Sequence[dict[str, Any]]) -> str:
    """Plain-text table for the terminal."""
    return text_table(
        ["指标", "值", "n", "名称"],
        [[r["label"], fmt(r["value"]), str(r["n"]), r["name"]] for r in rows],
        left=(0, 3),
    )


def compare_table(rows: Sequence[dict[str, Any]], label_a: str = "A", label_b: str = "B") -> str:
    return text_table(
        ["指标", label_a, label_b, "差值", "名称"],
        [
            [
                r["label"],
                fmt(r["a"]),
                fmt(r["b"]),
                "—" if r["delta"] is None else f"{r['delta']:+.3f}",
                r["metric"],
            ]
            for r in rows
        ],
        left=(0, 4),
    )


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


CASE_COLUMNS = [
    ("element_coverage", "要素覆盖"),
    ("blocking_pass_rate", "阻断通过"),
    ("marker_precision", "标记P"),
    ("marker_recall", "标记R"),
    ("fabricated_facts", "编造"),
    ("citation_validity", "引用有效"),
    ("consistency", "一致"),
    ("chrf", "chrF"),
    ("rouge_l", "ROUGE-L"),
    ("length_ratio", "长度比"),
    ("must_not_mention_violations", "禁止内容"),
    ("model_kept_rate", "模型原文"),
]
SECTION_COLUMNS = [
    ("element_coverage", "要素覆盖"),
    ("blocking_pass_rate", "阻断通过"),
    ("fabricated_facts", "编造"),
    ("chrf", "chrF"),
    ("rouge_l", "ROUGE-L"),
    ("length_ratio", "长度比"),
    ("judge_score", "评审分"),
    ("model_kept_rate", "模型原文"),
]


def render_markdown(data: dict[str, Any]) -> str:
    meta = data["meta"]
    parts = [
        f"# 起草质量评估报告：{meta['provider']}（{meta['model']}）",
        "",
        f"- 金标准：`{meta['gold_dir']}`，{len(meta['cases'])} 个案例"
        + (
            f"；章节：{'、'.join(meta['section_filter'])}"
            if meta.get("section_filter")
            else "；章节：全部金标准章节"
        ),
        f"- 事实抽取：{meta['facts_extraction']}",
        f"- 评审模型：{'每节 ' + str(meta['judge_runs']) + ' 次' if meta.get('judge_runs') else '未启用'}",
        f"- 范例检索排除金标准案例；往期备案语料 {meta['exemplar_exclusion']['corpus_filings']} 份，与金标准无重名",
        f"- 用时 {data['timings'].get('total', '—')} 秒",
        "",
        "## 总体指标",
        "",
        _md_table(
            ["指标", "名称", "值", "n"],
            [[r["label"], f"`{r['name']}`", r["value"], r["n"]] for r in data["summary"]],
        ),
        "",
        "## 按案例",
        "",
        _md_table(
            ["案例", "类型", "性质", *[h for _, h in CASE_COLUMNS]],
            [
                [c["case"], c["algorithm_type"], c["kind"], *[c["summary"][k] for k, _ in CASE_COLUMNS]]
                for c in data["cases"]
            ],
        ),
        "",
        "## 按章节",
        "",
        _md_table(
            ["章节", "标题", "n", *[h for _, h in SECTION_COLUMNS]],
            [
                [s["section"], s["title"], s["n"], *[s[k] for k, _ in SECTION_COLUMNS]]
                for s in data["sections"]
            ],
        ),
        "",
        "## 问题明细",
        "",
        *_md_details(data),
        "",
        "## 指标定义",
        "",
        *[f"- `{k}`（{LABELS.get(k, k)}）：{v}" for k, v in meta["definitions"].items()],
        "",
    ]
    return "\n".join(parts)


def _md_details(data: dict[str, Any]) -> list[str]:
    lines = []
    for case in data["cases"]:
        for s in case["sections"]:
            problems = [
                *(f"未写明“{p}”" for p in s["unmentioned"]),
                *(f"编造 {f}" for f in s["fabricated"]),
                *(f"禁止内容“{f}”" for f in s["forbidden"]),
                *(f"阻断：{b}" for b in s["blocking"][:3]),
            ]
            if s["error"]:
                problems.insert(0, f"起草失败：{s['error']}")
            if problems:
                lines.append(f"- {case['case']} / {s['section']}：" + "；".join(problems))
    return lines or ["- 无"]


# --- HTML with inline SVG charts ------------------------------------------------------------------------

CSS = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#222;max-width:1150px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f2f4f7;text-align:left}td.txt{text-align:left}.meta{font-size:13px;color:#555}
.charts{display:flex;flex-wrap:wrap;gap:16px}.note{font-size:12px;color:#666}svg text{font-size:12px}"""


def bar_chart(
    title: str, items: Sequence[tuple[str, float | None]], maximum: float | None = None, width: int = 555
) -> str:
    """A horizontal bar chart as inline SVG; undefined values are shown as “—” without a bar."""
    row, top = 22, 30
    label_width = 12 + 7 * max((display_width(label) for label, _ in items), default=8)
    defined = [v for _, v in items if v is not None]
    scale_max = maximum or max(defined, default=1.0) or 1.0
    bar_space = width - label_width - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{top + row * len(items) + 10}" '
        f'role="img" aria-label="{html.escape(title)}">',
        f'<text x="0" y="18" font-weight="bold" font-size="14">{html.escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        y = top + i * row
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{html.escape(label)}</text>'
        )
        parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{bar_space}" height="15" fill="#eef1f5"/>')
        if value is not None:
            length = max(0.0, min(1.0, value / scale_max)) * bar_space
            parts.append(
                f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="15" fill="#3b73b9"/>'
            )
        parts.append(f'<text x="{label_width + bar_space + 6}" y="{y + 15}">{fmt(value, 2)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _html_cell(value: Any) -> str:
    numeric = value is None or isinstance(value, int | float)
    return f'<td class="{"num" if numeric else "txt"}">{html.escape(fmt(value))}</td>'


def _html_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_html_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(data: dict[str, Any]) -> str:
    meta, summary = data["meta"], data["summary"]
    unit_rows = [(r["label"], r["value"]) for r in summary if r["name"] in UNIT_METRICS]
    cases = data["cases"]
    charts = [
        bar_chart("总体指标（0–1）", unit_rows, maximum=1.0),
        bar_chart(
            "各案例 要素覆盖率", [(c["case"], c["summary"]["element_coverage"]) for c in cases], maximum=1.0
        ),
        bar_chart("各案例 chrF", [(c["case"], c["summary"]["chrf"]) for c in cases], maximum=1.0),
        bar_chart(
            "各章节 要素覆盖率",
            [(f"{s['title']}", s["element_coverage"]) for s in data["sections"]],
            maximum=1.0,
        ),
        bar_chart(
            "各章节 长度比（草稿/金标准）", [(f"{s['title']}", s["length_ratio"]) for s in data["sections"]]
        ),
        bar_chart("各案例 编造事实数", [(c["case"], c["summary"]["fabricated_facts"]) for c in cases]),
    ]
    scope = "、".join(meta["section_filter"]) if meta.get("section_filter") else "全部金标准章节"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>起草质量评估：{html.escape(meta["provider"])}</title>
<style>{CSS}</style></head><body>
<h1>起草质量评估报告：{html.escape(meta["provider"])}（{html.escape(str(meta["model"]))}）</h1>
<p class="meta">金标准 {html.escape(meta["gold_dir"])}，{len(cases)} 个案例；章节：{html.escape(scope)}；
事实抽取：{html.escape(meta["facts_extraction"])}；用时 {fmt(data["timings"].get("total"))} 秒；生成于 {
        html.escape(meta["created"])
    }</p>
<h2>图表</h2><div class="charts">{"".join(charts)}</div>
<h2>总体指标</h2>{
        _html_table(
            ["指标", "名称", "值", "n"], [[r["label"], r["name"], r["value"], r["n"]] for r in summary]
        )
    }
<h2>按案例</h2>{
        _html_table(
            ["案例", "类型", "性质", *[h for _, h in CASE_COLUMNS]],
            [
                [c["case"], c["algorithm_type"], c["kind"], *[c["summary"][k] for k, _ in CASE_COLUMNS]]
                for c in cases
            ],
        )
    }
<h2>按章节</h2>{
        _html_table(
            ["章节", "标题", "n", *[h for _, h in SECTION_COLUMNS]],
            [
                [s["section"], s["title"], s["n"], *[s[k] for k, _ in SECTION_COLUMNS]]
                for s in data["sections"]
            ],
        )
    }
<h2>指标定义</h2><ul class="note">{
        "".join(
            f"<li><b>{html.escape(LABELS.get(k, k))}</b>（{k}）：{html.escape(v)}</li>"
            for k, v in meta["definitions"].items()
        )
    }</ul>
</body></html>
"""


def write_reports(report: EvalReport | dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """report.json (every score), report.md (tables) and report.html (tables and inline SVG charts)."""
    data = report.to_dict() if isinstance(report, EvalReport) else report
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "report.json", "md": out_dir / "report.md", "html": out_dir / "report.html"}
    paths["json"].write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    paths["md"].write_text(render_markdown(data), encoding="utf-8")
    paths["html"].write_text(render_html(data), encoding="utf-8")
    return paths
