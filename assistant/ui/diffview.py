"""Readable diffs of two draft versions: changed lines side by side in one column, with character-level
insertions and deletions marked (Chinese has no word boundaries, so characters are the unit)."""

from __future__ import annotations

import difflib
from html import escape

CONTEXT = 2
STYLE = """<style>
.bd {font-family: inherit; font-size: 0.92rem; line-height: 1.7; border: 1px solid #e6e6e6; border-radius: 6px;
     padding: 0.4rem 0.6rem; background: #fff;}
.bd div {white-space: pre-wrap; padding: 0 0.3rem;}
.bd .del {background: #fdecea;} .bd .ins {background: #e8f5e9;} .bd .skip {color: #888; font-style: italic;}
.bd del {background: #f5b7b1; text-decoration: line-through;} .bd ins {background: #a9dfbf; text-decoration: none;}
</style>"""


def _inline(old: str, new: str) -> tuple[str, str]:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    left, right = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            left.append(escape(old[i1:i2]))
            right.append(escape(new[j1:j2]))
        else:
            if i2 > i1:
                left.append(f"<del>{escape(old[i1:i2])}</del>")
            if j2 > j1:
                right.append(f"<ins>{escape(new[j1:j2])}</ins>")
    return "".join(left), "".join(right)


def diff_stats(old: str, new: str) -> tuple[int, int]:
    added = removed = 0
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        if line.startswith("+ "):
            added += 1
        elif line.startswith("- "):
            removed += 1
    return added, removed


def diff_html(old: str, new: str) -> str:
    """HTML (no scripts) showing `new` against `old`; unchanged runs are collapsed to a few context lines."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines = a[i1:i2]
            if len(lines) > 2 * CONTEXT + 1:
                rows += [f"<div>{escape(x)}</div>" for x in lines[:CONTEXT]]
                rows.append(f"<div class='skip'>…… 未改动 {len(lines) - 2 * CONTEXT} 行 ……</div>")
                rows += [f"<div>{escape(x)}</div>" for x in lines[-CONTEXT:]]
            else:
                rows += [f"<div>{escape(x)}</div>" for x in lines]
        elif tag == "replace":
            olds, news = a[i1:i2], b[j1:j2]
            for index in range(max(len(olds), len(news))):
                if index < len(olds) and index < len(news):
                    left, right = _inline(olds[index], news[index])
                    rows.append(f"<div class='del'>− {left}</div>")
                    rows.append(f"<div class='ins'>+ {right}</div>")
                elif index < len(olds):
                    rows.append(f"<div class='del'>− {escape(olds[index])}</div>")
                else:
                    rows.append(f"<div class='ins'>+ {escape(news[index])}</div>")
        elif tag == "delete":
            rows += [f"<div class='del'>− {escape(x)}</div>" for x in a[i1:i2]]
        else:
            rows += [f"<div class='ins'>+ {escape(x)}</div>" for x in b[j1:j2]]
    if not rows or old == new:
        return STYLE + "<div class='bd'><div class='skip'>两个版本内容相同。</div></div>"
    return STYLE + "<div class='bd'>" + "".join(rows) + "</div>"
