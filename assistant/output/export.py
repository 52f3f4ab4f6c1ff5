"""Export a filing's documents as formatted .docx files.

One file per applicable document (`<算法名称>-<文档标题>.docx`), its applicable sections in spec order.
Layout:

- Fonts: 宋体 小四 for body text, 黑体 for the title and headings; the East Asian font is set on the styles
  and on every run (`w:eastAsia`), and theme fonts are removed so that Word does not substitute its own.
- Headings use Word's built-in styles (Title, Heading 1/2/3: the navigation pane works) with the Chinese
  numbering written into the text: parts and top-level sections are Heading 1 (一、算法情况, 二、服务情况 …),
  sections inside a part are Heading 2 (（一）算法流程 …), and `（一）…` lines in a section body become the
  next level down with their text kept. A section whose title is the document's title gets no heading.
- 基本情况表 (the self-assessment's leading `mode: table` section) is the report's header table, without a
  heading. A Markdown table whose header row is exactly 项目 | 内容 is a key/value table: the header row is
  dropped and the label column is shaded and bold; other tables keep their header row, shaded and bold.
- 拟公示内容 is written as numbered headings (一、算法基本原理 … 四、算法目的意图), not as the table layout,
  so that each part can be copied into the filing system's form field by field.
- 算法备案承诺书 is fixed text: its paragraphs, with the signature, stamp and date lines right-aligned.
- 算法流程 is followed by the pipeline flow chart (PNG drawn with Pillow) and the caption 图 1 算法流程图.
- A4, margins 2.54 cm (top/bottom) and 3.17 cm (left/right), page number field in the footer.

Export is refused while a blocking check fails, unless a person gives a reason (≥ 10 characters); the reason,
the time and the overridden findings then go into `export-record.json` and a note at the top of every
document. Warnings or an override put a red 草稿 mark in the page header and the core properties.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from PIL import Image, ImageDraw, ImageFont

from assistant.checking.checks import CheckReport, Finding
from assistant.checking.matching import MARKER_RE
from assistant.facts import Facts
from assistant.numerals import int_to_cn
from assistant.spec import Document, Section, load_spec

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(12)  # 小四
STYLE_SIZES = {
    "Title": Pt(22),
    "Heading 1": Pt(16),
    "Heading 2": Pt(14),
    "Heading 3": Pt(12),
    "Caption": Pt(10.5),
}
BLACK = RGBColor(0, 0, 0)
RED = RGBColor(0xC0, 0, 0)
SHADE = "D9D9D9"
INDENT = Pt(24)  # two characters of 小四
LIST_INDENT = Pt(48)
PAGE_WIDTH, PAGE_HEIGHT = Cm(21.0), Cm(29.7)
MARGIN_TB, MARGIN_LR = Cm(2.54), Cm(3.17)
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_LR
LABEL_WIDTH = Cm(4.2)
FIGURE_SECTION = "algo_flow"
FIGURE_CAPTION = "图 1 算法流程图"
FIGURE_MAX = (Cm(13), Cm(19))
OVERRIDE_MIN_CHARS = 10
NAME_MAX_BYTES = 200  # UTF-8 bytes of the file name without ".docx"; file systems allow 255
PROPERTY_MAX = 255  # core properties are limited to 255 characters
RECORD_FILE = "export-record.json"
MANIFEST_FILE = "manifest.json"

SUBHEADING_RE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]\s*\S")
MD_HEADING_RE = re.compile(r"^#{1,6}\s+(.+)$")
NUMBERED_RE = re.compile(r"^(\d{1,3})[.．、]\s*(.+)$")
BULLET_RE = re.compile(r"^[-*•·]\s+(.+)$")
SEPARATOR_CELL_RE = re.compile(r"^:?-{3,}:?$")
INLINE_RE = re.compile(r"\*\*(.+?)\*\*|(" + MARKER_RE.pattern + ")")
SIGNATURE_RE = re.compile(r"^(法定代表人|负责人|单位[（(]盖章[）)]|盖章|签字|日期)")
HEADING_END_CHARS = "。；;：:，,"
ILLEGAL_NAME_RE = re.compile(r'[<>:"/\\|?*／＼∕⧵⁄﹨]+')  # and look-alike slashes
WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "CONIN$",
    "CONOUT$",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
    "COM¹",
    "COM²",
    "COM³",
    "LPT¹",
    "LPT²",
    "LPT³",
}
XML_ILLEGAL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class ExportRefused(Exception):
    """Export refused because blocking checks fail; the message names each failing check in Chinese."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        lines = [f"{i}. {f.title}：{f.message}" for i, f in enumerate(findings, 1)]
        super().__init__(
            f"导出被拒绝：{len(findings)} 项阻断性检查未通过。\n"
            + "\n".join(lines)
            + "\n请修改后重新检查，或由负责人填写理由后人工确认导出。"
        )


@dataclass
class ExportResult:
    files: list[Path]
    draft_mark: bool
    record: dict[str, Any] = field(default_factory=dict)


# --- Markdown subset ------------------------------------------------------------------------------


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


def _inline(text: str) -> Iterable[tuple[str, bool, bool]]:
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


# --- file names -----------------------------------------------------------------------------------


def safe_filename(name: str, fallback: str = "未命名") -> str:
    """A file name without directories, `..`, control or Windows-illegal characters, capped in length."""
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = ILLEGAL_NAME_RE.sub("_", name)
    while ".." in name:
        name = name.replace("..", ".")
    name = _truncate_bytes(name.strip(" ._"), NAME_MAX_BYTES).rstrip(" .")
    if name.split(".", 1)[0].strip().upper() in WINDOWS_RESERVED:
        name = f"_{name}"  # CON, NUL, COM1 … cannot be file names on Windows, with any extension
    return name or fallback


def _truncate_bytes(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    return text if len(encoded) <= limit else encoded[:limit].decode("utf-8", errors="ignore")


def document_filename(facts: Facts, document: Document) -> str:
    algorithm = safe_filename(facts.filing.algorithm_name or "", "未命名算法")
    return safe_filename(f"{_truncate_bytes(algorithm, 120)}-{document.title}") + ".docx"


def _target_path(base: Path, filename: str) -> Path:
    path = (base / filename).resolve()
    if path.parent != base:
        raise ValueError(f"导出文件名不安全，已拒绝写入：{filename}")
    return path


# --- the gate -------------------------------------------------------------------------------------


def _validated_override(report: CheckReport, override_reason: str | None) -> str | None:
    """The override reason when blocking findings exist and a valid reason is given; raises otherwise."""
    if not report.blocking:
        return None
    if override_reason is None:
        raise ExportRefused(report.blocking)
    reason = override_reason.strip()
    if len(reason) < OVERRIDE_MIN_CHARS:
        raise ValueError(
            f"人工确认导出的理由不能少于 {OVERRIDE_MIN_CHARS} 个字（当前 {len(reason)} 个字），"
            "请写明为什么可以在阻断性检查未通过的情况下导出。"
        )
    return reason


def _draft_mark(report: CheckReport, overridden: bool) -> str | None:
    parts = []
    if report.warnings:
        parts.append(f"尚有 {len(report.warnings)} 项警告未处理")
    if overridden:
        parts.append(f"{len(report.blocking)} 项阻断性检查经人工确认放行")
    return "草稿 — " + "；".join(parts) if parts else None


def override_note(report: CheckReport, reason: str) -> str:
    return f"本稿在 {len(report.blocking)} 项阻断性检查未通过的情况下经人工确认导出，理由：{reason}"


# --- docx building blocks -------------------------------------------------------------------------


def _set_fonts(element: Any, east_asian: str) -> None:
    """Explicit Latin and East Asian fonts on an rPr owner; theme fonts would override them, so drop those."""
    rfonts = element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme), None)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)
    rfonts.set(qn("w:eastAsia"), east_asian)


def _font_run(run: Run, east_asian: str = BODY_FONT) -> Run:
    _set_fonts(run._element, east_asian)
    return run


def _style(document: DocxDocument, name: str, east_asian: str, *, bold: bool) -> ParagraphStyle:
    style = document.styles[name]
    _set_fonts(style.element, east_asian)
    style.font.size = STYLE_SIZES.get(name, BODY_SIZE)
    style.font.bold = bold
    style.font.color.rgb = BLACK
    return style


def _setup_styles(document: DocxDocument) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    for theme in ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme), None)
    rfonts.set(qn("w:eastAsia"), BODY_FONT)
    rpr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    normal = _style(document, "Normal", BODY_FONT, bold=False)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.5
    title = _style(document, "Title", HEADING_FONT, bold=False)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(12)
    title.paragraph_format.space_after = Pt(18)
    border = title.element.pPr.find(qn("w:pBdr"))
    if border is not None:
        title.element.pPr.remove(border)
    title.font.color.rgb = BLACK
    for level in (1, 2, 3):
        heading = _style(document, f"Heading {level}", HEADING_FONT, bold=False)
        heading.paragraph_format.space_before = Pt(12 if level == 1 else 6)
        heading.paragraph_format.space_after = Pt(6 if level == 1 else 3)
    caption = _style(document, "Caption", BODY_FONT, bold=False)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.space_after = Pt(6)


def _setup_page(document: DocxDocument) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin = section.bottom_margin = MARGIN_TB
    section.left_margin = section.right_margin = MARGIN_LR


def _add_field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A Word field (PAGE, NUMPAGES …): fldChar begin, instrText, fldChar separate, result, fldChar end."""

    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        _font_run(paragraph.add_run())._element.append(element)

    char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    _font_run(paragraph.add_run())._element.append(instr)
    char("separate")
    _font_run(paragraph.add_run(placeholder))
    char("end")


def _page_number_footer(document: DocxDocument) -> None:
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font_run(paragraph.add_run("第 "))
    _add_field(paragraph, "PAGE", "1")
    _font_run(paragraph.add_run(" 页，共 "))
    _add_field(paragraph, "NUMPAGES", "1")
    _font_run(paragraph.add_run(" 页"))


def _draft_header(document: DocxDocument, mark: str) -> None:
    paragraph = document.sections[0].header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = _font_run(paragraph.add_run(mark), HEADING_FONT)
    run.font.color.rgb = RED
    run.font.size = Pt(10.5)


def _shade(cell: _Cell, fill: str = SHADE) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _mark_header_row(row: Any) -> None:
    """Repeat the table's header row on every page."""
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


class DocxWriter:
    """One .docx document, written top to bottom."""

    def __init__(self) -> None:
        self.doc = new_document()
        _setup_styles(self.doc)
        _setup_page(self.doc)
        _page_number_footer(self.doc)

    def text(
        self,
        paragraph: Paragraph,
        text: str,
        east_asian: str = BODY_FONT,
        *,
        bold: bool | None = None,
        color: RGBColor | None = None,
    ) -> Paragraph:
        for piece, strong, pending in _inline(xml_safe(text)):
            run = _font_run(paragraph.add_run(piece), east_asian)
            if strong or bold:
                run.bold = True
            if color is not None:
                run.font.color.rgb = color
            if pending:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        return paragraph

    def title(self, text: str) -> Paragraph:
        return self.text(self.doc.add_paragraph(style="Title"), text, HEADING_FONT)

    def heading(self, text: str, level: int) -> Paragraph:
        return self.text(self.doc.add_paragraph(style=f"Heading {min(max(level, 1), 3)}"), text, HEADING_FONT)

    def paragraph(
        self,
        text: str,
        *,
        align: WD_ALIGN_PARAGRAPH | None = None,
        indent: bool = True,
        bold: bool | None = None,
        color: RGBColor | None = None,
    ) -> Paragraph:
        paragraph = self.doc.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        if indent:
            paragraph.paragraph_format.first_line_indent = INDENT
        return self.text(paragraph, text, bold=bold, color=color)

    def list_item(self, marker: str, text: str) -> Paragraph:
        """`1.` or `•` hanging at two characters; the text after a tab aligns at the list indent."""
        paragraph = self.doc.add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.left_indent = LIST_INDENT
        fmt.first_line_indent = INDENT - LIST_INDENT
        fmt.tab_stops.add_tab_stop(LIST_INDENT)
        return self.text(paragraph, f"{marker}\t{text}")

    def table(self, rows: list[list[str]]) -> None:
        key_value = rows[0] == ["项目", "内容"] and len(rows) > 1
        body = rows[1:] if key_value else rows
        columns = max(len(row) for row in body)
        table = self.doc.add_table(rows=len(body), cols=columns)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        widths = self._column_widths(columns)
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width  # the grid: LibreOffice and WPS lay the table out from it
        for r, row in enumerate(body):
            for c in range(columns):
                label = (key_value and c == 0) or (not key_value and r == 0)
                self._cell(table.cell(r, c), row[c] if c < len(row) else "", widths[c], label=label)
        if not key_value:
            _mark_header_row(table.rows[0])
        self.doc.add_paragraph()  # keeps the next block off the table's bottom border

    @staticmethod
    def _column_widths(columns: int) -> list[int]:
        if columns == 2:
            return [LABEL_WIDTH, TEXT_WIDTH - LABEL_WIDTH]
        return [TEXT_WIDTH // columns] * columns

    def _cell(self, cell: _Cell, text: str, width: int, *, label: bool) -> None:
        cell.width = width
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.line_spacing = 1.15
        paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(2)
        self.text(paragraph, text, bold=label or None)
        if label:
            _shade(cell)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER

    def figure(self, png: bytes, caption: str) -> None:
        with Image.open(io.BytesIO(png)) as image:
            aspect = image.height / image.width
        width = min(FIGURE_MAX[0], int(FIGURE_MAX[1] / aspect))
        self.doc.add_picture(io.BytesIO(png), width=width)
        picture = self.doc.paragraphs[-1]
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.paragraph_format.keep_with_next = True
        picture.paragraph_format.line_spacing = 1.0
        for run in picture.runs:
            _font_run(run)
        self.text(self.doc.add_paragraph(style="Caption"), caption)

    def properties(self, *, title: str, author: str, subject: str, keywords: str) -> None:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        props = self.doc.core_properties
        title, author, subject = (xml_safe(value)[:PROPERTY_MAX] for value in (title, author, subject))
        props.title, props.author, props.last_modified_by = title, author, author
        props.subject, props.keywords, props.category = subject, keywords, "互联网信息服务算法备案材料"
        props.comments = ""
        props.created = props.modified = now
        props.revision = 1


# --- documents ------------------------------------------------------------------------------------


@dataclass
class _Planned:
    section: Section
    headings: list[tuple[str, int]]
    body_level: int


def outline(document: Document, sections: list[Section]) -> list[_Planned]:
    """The numbered headings before each section and the heading level of its body's sub-headings."""
    plan: list[_Planned] = []
    top, inner, part = 0, 0, None
    for index, section in enumerate(sections):
        header_table = section.mode == "table" and index == 0 and len(sections) > 1
        if header_table or section.title == document.title:
            plan.append(_Planned(section, [], 1))
            part = None
            continue
        headings: list[tuple[str, int]] = []
        if section.part and section.part != part:
            top, inner, part = top + 1, 0, section.part
            headings.append((f"{int_to_cn(top)}、{section.part}", 1))
        if section.part:
            inner += 1
            headings.append((f"（{int_to_cn(inner)}）{section.title}", 2))
            plan.append(_Planned(section, headings, 3))
        else:
            top, part = top + 1, None
            headings.append((f"{int_to_cn(top)}、{section.title}", 1))
            plan.append(_Planned(section, headings, 2))
    return plan


def _write_body(writer: DocxWriter, section: Section, text: str, level: int) -> None:
    if not text.strip():
        writer.paragraph(f"【本章节“{section.title}”尚未起草】", color=RED)
        return
    signed = False
    for block in parse_markdown(text):
        if block.kind == "heading":
            if block.text != section.title:
                writer.heading(block.text, level)
        elif block.kind == "table":
            writer.table(block.rows)
        elif block.kind == "numbered":
            writer.list_item(block.number, block.text)
        elif block.kind == "bullet":
            writer.list_item("•", block.text)
        elif section.mode == "fixed" and SIGNATURE_RE.match(block.text):
            line = writer.paragraph(block.text, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
            if not signed:  # room above the signature block
                line.paragraph_format.space_before = Pt(36)
            signed = True
        else:
            writer.paragraph(block.text)


def build_document(
    facts: Facts,
    document: Document,
    sections: list[Section],
    drafts: dict[str, str],
    *,
    mark: str | None = None,
    note: str | None = None,
    figure: bytes | None = None,
) -> DocxWriter:
    writer = DocxWriter()
    writer.title(document.title)
    if note:
        writer.paragraph(note, bold=True, color=RED)
    for planned in outline(document, sections):
        for text, level in planned.headings:
            writer.heading(text, level)
        _write_body(writer, planned.section, drafts.get(planned.section.id, ""), planned.body_level)
        if planned.section.id == FIGURE_SECTION and figure is not None:
            writer.figure(figure, FIGURE_CAPTION)
    if mark:
        _draft_header(writer.doc, mark)
    algorithm = facts.filing.algorithm_name or ""
    writer.properties(
        title=document.title,
        author=facts.entity.name or "",
        subject=mark or f"{algorithm} 算法备案材料",
        keywords="草稿" if mark else "",
    )
    return writer


# --- flow chart -----------------------------------------------------------------------------------

CHART_WIDTH, BOX_WIDTH, FONT_PX, PADDING, GAP, MARGIN = 1000, 820, 30, 22, 64, 30
_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
_NO_LINE_START = "，。；：、！？）」』”’》】,.;:!?)"


@lru_cache(maxsize=1)
def find_cjk_font() -> tuple[str, int] | None:
    """(font file, face index) of a font with Chinese glyphs, preferring a Simplified-Chinese sans face."""
    candidates: list[tuple[tuple[int, ...], str, int]] = []
    if shutil.which("fc-list"):
        try:
            listing = subprocess.run(
                ["fc-list", "-f", "%{file}\t%{index}\t%{family}\t%{style}\n", ":lang=zh"],
                capture_output=True,
                text=True,
                timeout=20,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            listing = ""
        for line in listing.splitlines():
            path, index, family, style = (line.split("\t") + ["", "", "", ""])[:4]
            if not path.lower().endswith((".ttf", ".ttc", ".otf", ".otc")):
                continue
            rank = (
                "SC" in family or "CN" in family or "GB" in family,
                "Mono" not in family,
                "Sans" in family or "Hei" in family,
                "Regular" in style or "Book" in style,
            )
            candidates.append((tuple(int(x) for x in rank), path, int(index or 0)))
    if candidates:
        _, path, index = max(candidates, key=lambda c: c[0])
        return path, index
    return next(((path, 0) for path in _FONT_PATHS if Path(path).is_file()), None)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy wrapping by measured width; Latin words stay whole, closing punctuation never starts a line."""
    lines, current = [], ""
    for token in re.findall(r"[A-Za-z0-9_.@/-]+|.", text):
        if current and font.getlength(current + token) > width and token[0] not in _NO_LINE_START:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current += token
    return [*lines, current.rstrip()] if current.strip() else lines


def _cjk_font() -> ImageFont.FreeTypeFont | None:
    located = find_cjk_font()
    if located is None:
        return None
    try:
        return ImageFont.truetype(located[0], FONT_PX, index=located[1])
    except OSError:
        return None


def render_flowchart(steps: list[str]) -> tuple[bytes, list[str]]:
    """A vertical flow chart PNG (numbered boxes joined by arrows) and any notices about how it was drawn.

    Without a CJK font the boxes carry only their step numbers (Pillow's built-in font has no Chinese)."""
    notices: list[str] = []
    font = _cjk_font()
    if font is not None:
        wrapped = [_wrap(f"{i}. {step}", font, BOX_WIDTH - 2 * PADDING) for i, step in enumerate(steps, 1)]
    else:
        notices.append(
            "未找到可用的中文字体（如 Debian 软件包 fonts-noto-cjk），流程图只绘制了方框和步骤序号，未写入步骤文字"
        )
        font = ImageFont.load_default(size=FONT_PX)
        wrapped = [[str(i)] for i in range(1, len(steps) + 1)]
    line_height = int(FONT_PX * 1.45)
    heights = [max(len(lines), 1) * line_height + 2 * PADDING for lines in wrapped]
    total = 2 * MARGIN + sum(heights) + GAP * (len(steps) - 1)
    image = Image.new("RGB", (CHART_WIDTH, total), "white")
    draw = ImageDraw.Draw(image)
    left, top = (CHART_WIDTH - BOX_WIDTH) // 2, MARGIN
    for index, (lines, height) in enumerate(zip(wrapped, heights, strict=True)):
        draw.rounded_rectangle(
            (left, top, left + BOX_WIDTH, top + height), radius=14, fill="#EEF3F8", outline="#2F4F6F", width=3
        )
        for n, line in enumerate(lines):
            y = top + PADDING + n * line_height + (line_height - FONT_PX) // 2
            draw.text((left + PADDING, y), line, font=font, fill="#111111")
        top += height
        if index < len(steps) - 1:
            _arrow(draw, CHART_WIDTH // 2, top, top + GAP)
            top += GAP
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(200, 200))
    return buffer.getvalue(), notices


def _arrow(draw: ImageDraw.ImageDraw, x: int, start: int, end: int) -> None:
    head = 16
    draw.line((x, start + 4, x, end - head), fill="#2F4F6F", width=4)
    draw.polygon(
        [(x - head * 0.7, end - head - 2), (x + head * 0.7, end - head - 2), (x, end - 2)], fill="#2F4F6F"
    )


# --- export ---------------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def facts_hash(facts: Facts) -> str:
    return _sha256(json.dumps(facts.as_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8"))


def _check_summary(report: CheckReport) -> dict[str, Any]:
    return {
        "passed": report.passed,
        "blocking": len(report.blocking),
        "warnings": len(report.warnings),
        "failed_checks": report.failed_checks(),
        "warning_checks": sorted({f.check for f in report.warnings}),
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def export_filing(
    facts: Facts,
    drafts: dict[str, str],
    out_dir: Path,
    report: CheckReport,
    override_reason: str | None = None,
) -> ExportResult:
    """Write the filing's .docx documents, `export-record.json` and `manifest.json` into out_dir.

    Raises ExportRefused (nothing written) while `report` has blocking findings and no override reason is
    given, and ValueError when the reason is shorter than 10 characters.
    """
    reason = _validated_override(report, override_reason)
    spec = load_spec()
    mark = _draft_mark(report, reason is not None)
    note = override_note(report, reason) if reason else None
    figure, notices = None, []
    if facts.algorithm.pipeline:
        figure, notices = render_flowchart([step for step in facts.algorithm.pipeline if step])
    else:
        notices.append("事实文件中没有 algorithm.pipeline，未生成算法流程图")
    out_dir.mkdir(parents=True, exist_ok=True)
    base = out_dir.resolve()
    applicable = spec.applicable_sections(facts)
    files: list[Path] = []
    for document in spec.applicable_documents(facts):
        sections = [s for s in applicable if s.document == document.id]
        writer = build_document(facts, document, sections, drafts, mark=mark, note=note, figure=figure)
        path = _target_path(base, document_filename(facts, document))
        writer.doc.save(str(path))
        files.append(path)
    now = dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")
    record: dict[str, Any] = {
        "exported_at": now,
        "draft_mark": mark,
        "override": {"reason": reason, "time": now, "findings": [f.to_dict() for f in report.blocking]}
        if reason
        else None,
        "warnings": [f.to_dict() for f in report.warnings],
        "notices": notices,
        "files": [p.name for p in files],
    }
    _write_json(base / RECORD_FILE, record)
    _write_json(
        base / MANIFEST_FILE,
        {
            "generated_at": now,
            "algorithm_name": facts.filing.algorithm_name,
            "facts_sha256": facts_hash(facts),
            "files": [
                {"name": p.name, "sha256": _sha256(p.read_bytes()), "bytes": p.stat().st_size} for p in files
            ],
            "checks": _check_summary(report),
            "draft": mark is not None,
            "override": reason is not None,
        },
    )
    return ExportResult(files, mark is not None, record)
