"""The Markdown subset the drafts are written in: paragraphs, `（一）…` / `#` sub-headings, `1.` and `-` list
items, pipe tables, `**bold**` and 【待补充：…】 markers. One block per line; nothing here knows about .docx."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from assistant.checking.matching import MARKER_RE

SUBHEADING_RE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]\s*\S")
MD_HEADING_RE = re.compile(r"^#{1,6}\s+(.+)$")
NUMBERED_RE = re.compile(r"^(\d{1,3})[.．、]\s*(.+)$")
BULLET_RE = re.compile(r"^[-*•·]\s+(.+)$")
SEPARATOR_CELL_RE = re.compile(r"^:?-{3,}:?$")
INLINE_RE = re.compile(r"\*\*(.+?)\*\*|(" + MARKER_RE.pattern + ")")
HEADING_END_CHARS = "。；;：:，,"
XML_ILLEGAL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Block:
    kind: Literal["heading", "paragraph", "numbered", "bullet", "table"]
    text: str = ""
    number: str = ""
    rows: list[list[str]] = field(default_factory=list)


def parse_markdown(text: str) -> list[Block]:
    """Paragraphs, `（一）…` / `#` sub-headings, `1.` and `-` list items and pipe tables, one block per line."""
    blocks: list[Block] = []
    table: Block | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("|"):
            row = _table_row(line)
            if table is None:
                table = Block("table")
                blocks.append(table)
            if row is not None:
                table.rows.append(row)
            continue
        table = None
        if line:
            blocks.append(_line_block(line))
    return [b for b in blocks if b.kind != "table" or b.rows]


def _table_row(line: str) -> list[str] | None:
    """Cells of a pipe-table row; None for the `| --- |` separator row."""
    cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
    return None if all(SEPARATOR_CELL_RE.match(cell) for cell in cells) else cells


def _line_block(line: str) -> Block:
    if match := MD_HEADING_RE.match(line):
        return Block("heading", match.group(1).strip())
    if SUBHEADING_RE.match(line) and len(line) <= 30 and line[-1] not in HEADING_END_CHARS:
        return Block("heading", line)
    if match := NUMBERED_RE.match(line):
        return Block("numbered", match.group(2), number=f"{match.group(1)}.")
    if match := BULLET_RE.match(line):
        return Block("bullet", match.group(1))
    return Block("paragraph", line)


def xml_safe(text: str) -> str:
    """Drop the control characters XML cannot carry (they would make the .docx unwritable)."""
    return XML_ILLEGAL_RE.sub("", text)


def inline(text: str) -> Iterable[tuple[str, bool, bool]]:
    """(text, bold, pending-marker) pieces of one line."""
    position = 0
    for match in INLINE_RE.finditer(text):
        if match.start() > position:
            yield text[position : match.start()], False, False
        if match.group(1) is not None:
            yield match.group(1), True, False
        else:
            yield match.group(0), False, True
        position = match.end()
    if position < len(text):
        yield text[position:], False, False
