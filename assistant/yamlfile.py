"""YAML loading. The spec, check and label files go through libyaml when PyYAML has it (the pure-Python
parser spends most of a second on them at every start). YAML a user wrote (facts files, uploads, front
matter of imported filings) goes through `yaml_error_text` when it fails: the message is in Chinese and
names the line and column where the mistake is, not where the parser gave up (an unclosed quote or bracket
is reported where it was opened, not at the end of the file)."""

from __future__ import annotations

import re
from typing import Any

import yaml

_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# PyYAML's problem texts (regular expressions) → what to tell the user; the first match wins.
_PROBLEMS: list[tuple[str, str]] = [
    (
        r"mapping values are not allowed",
        "这里不能再出现“键: 值”：常见原因是冒号后缺少空格、缩进不对，或值里有未加引号的冒号",
    ),
    (r"found character '\\t'|found a tab character", "含有制表符（Tab）：YAML 只能用空格缩进"),
    (r"could not find expected ':'", "缺少冒号：每个键后面应有“: ”"),
    (r"did not find expected key", "缩进不一致：这一行与同一层的其他键没有对齐"),
    (r"did not find expected '-' indicator", "列表项缩进不一致：同一列表的“- ”应对齐"),
    (r"expected <block end>", "缩进不一致：这一行的缩进与上文不匹配"),
    (r"expected ',' or '\]'", "方括号“[”没有闭合（或列表元素之间缺少逗号）"),
    (r"expected ',' or '}'", "花括号“{”没有闭合（或元素之间缺少逗号）"),
    (r"found unexpected end of stream", "引号没有闭合"),
    (r"expected the node content", "值不完整：括号或引号没有闭合，或缺少内容"),
    (r"found unknown escape character", "双引号内有无效的转义字符（反斜杠）：改用单引号或去掉反斜杠"),
    (r"found undefined alias", "引用了未定义的锚点（*名称）"),
    (r"found character '(@|`)' that cannot start any token", "以 @ 或 ` 开头的值必须加引号"),
    (r"found character .* that cannot start any token", "这里有一个不能作为开头的字符：请给这个值加上引号"),
    (r"unacceptable character|special characters are not allowed", "含有不可见的控制字符：请删除后重新保存"),
    (r"found duplicate anchor", "锚点（&名称）重复定义"),
    (r"expected a comment or a line break", "值后面有多余的内容：请给整个值加上引号"),
    (r"expected alphabetic or numeric character", "锚点或别名（& 或 *）后面缺少名称：如果是正文，请加上引号"),
]
# problems found past the mistake: the context mark (the opening quote, bracket or key) is the place to show
_REPORT_AT_CONTEXT = ("end of stream", "<stream end>", "could not find expected ':'", "expected ',' or ")


def load_yaml(text: str) -> Any:
    """Same result as `yaml.safe_load`."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (C or Python)


def _chinese_problem(problem: str) -> str:
    for pattern, message in _PROBLEMS:
        if re.search(pattern, problem):
            return message
    return f"YAML 语法错误（{problem}）"


def yaml_error_position(exc: yaml.YAMLError, text: str) -> tuple[int, int] | None:
    """(line, column), 1-based, of the mistake behind a YAML error; None when unknown."""
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        return line, exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
    problem = str(getattr(exc, "problem", "") or "")
    mark = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    if context is not None and (mark is None or any(word in problem for word in _REPORT_AT_CONTEXT)):
        mark = context  # the quote, bracket or key that was never finished
    return (mark.line + 1, mark.column + 1) if mark is not None else None


def yaml_error_text(exc: yaml.YAMLError, text: str, source: str = "YAML 文件") -> str:
    """A Chinese message naming the line and column of the mistake and quoting that line."""
    if isinstance(exc, yaml.reader.ReaderError):
        problem = _chinese_problem(exc.reason)
    else:
        problem = _chinese_problem(str(getattr(exc, "problem", None) or exc))
    position = yaml_error_position(exc, text)
    if position is None:
        return f"{source} 不是有效的 YAML：{problem}"
    line, column = position
    lines = text.splitlines()
    quoted = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    shown = f"（该行内容：{quoted[:60]}）" if quoted else ""
    return f"{source} 第 {line} 行第 {column} 列不是有效的 YAML：{problem}{shown}"
