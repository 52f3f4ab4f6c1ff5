"""One .docx document written top to bottom on the reference template (assistant/output/docx_template.py).

The writer picks styles (Title, Heading 1–3, Caption, 封面标题, 落款 …) and adds the content; fonts, sizes,
spacing, margins and page numbers come from the template, so a user restyles the export in Word. Direct
formatting is limited to what carries meaning: bold spans, the yellow highlight of a 【待补充】 marker, red
notes, shaded label cells of tables, alignment of list items."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from PIL import Image

from assistant.output import docx_template as tpl
from assistant.output.markdown import inline, xml_safe

RED = RGBColor(0xC0, 0, 0)
SHADE = "D9D9D9"
INDENT = Pt(32)  # two characters of 三号
LIST_INDENT = Pt(64)
LABEL_WIDTH = Cm(4.2)
FIGURE_MAX = (Cm(13), Cm(19))
PROPERTY_MAX = 255  # core properties are limited to 255 characters
CONTENTS_TITLE = "目　录"
CONTENTS_LEVELS = 2


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


def _update_fields_on_open(document: DocxDocument) -> None:
    """Ask Word to refresh fields (the table of contents' page numbers) when the file is opened."""
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        flag = OxmlElement("w:updateFields")
        flag.set(qn("w:val"), "true")
        settings.append(flag)


class DocxWriter:
    """One .docx document, written top to bottom."""

    def __init__(self, template: Path | None = None) -> None:
        self.doc = tpl.open_template(template)
        self.headings: list[tuple[str, int]] = []
        self.content_field: Paragraph | None = None

    # --- text ---------------------------------------------------------------------------------------

    def text(
        self, paragraph: Paragraph, text: str, *, bold: bool | None = None, color: RGBColor | None = None
    ) -> Paragraph:
        for piece, strong, pending in inline(xml_safe(text)):
            run = paragraph.add_run(piece)
            if strong or bold:
                run.bold = True
            if color is not None:
                run.font.color.rgb = color
            if pending:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        return paragraph

    def styled(self, style: str, text: str, **kwargs: Any) -> Paragraph:
        return self.text(self.doc.add_paragraph(style=style), text, **kwargs)

    def title(self, text: str) -> Paragraph:
        return self.styled("Title", text)

    def heading(self, text: str, level: int) -> Paragraph:
        level = min(max(level, 1), 3)
        self.headings.append((xml_safe(text), level))
        return self.styled(f"Heading {level}", text)

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
        if not indent:
            paragraph.paragraph_format.first_line_indent = Pt(0)
        return self.text(paragraph, text, bold=bold, color=color)

    def list_item(self, marker: str, text: str) -> Paragraph:
        """`1.` or `•` hanging at two characters; the text after a tab aligns at the list indent."""
        paragraph = self.doc.add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.left_indent = LIST_INDENT
        fmt.first_line_indent = INDENT - LIST_INDENT
        fmt.tab_stops.add_tab_stop(LIST_INDENT)
        return self.text(paragraph, f"{marker}\t{text}")

    def page_break(self) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # --- cover, contents, closing -----------------------------------------------------------------------

    def cover(self, title: str, subtitle: str, lines: list[str]) -> None:
        """A cover page (no page number on it): the algorithm's name and the document's title, then the
        entity and date lines, then a page break."""
        self.doc.sections[0].different_first_page_header_footer = True
        for _ in range(4):
            self.doc.add_paragraph(style=tpl.COVER_INFO)
        self.styled(tpl.COVER_TITLE, subtitle)
        self.styled(tpl.COVER_TITLE, title)
        for _ in range(6):
            self.doc.add_paragraph(style=tpl.COVER_INFO)
        for line in lines:
            self.styled(tpl.COVER_INFO, line)
        self.page_break()

    def contents(self) -> None:
        """目录: a TOC field over Heading 1–2. Its entries are filled in by `finish` from the headings written
        (Word refreshes them with page numbers on opening; LibreOffice shows them as written)."""
        self.styled(tpl.CONTENTS_HEADING, CONTENTS_TITLE)
        self.content_field = self.doc.add_paragraph()
        self.page_break()

    def _fill_contents(self) -> None:
        if self.content_field is None:
            return
        entries = [(text, level) for text, level in self.headings if level <= CONTENTS_LEVELS]
        anchor = self.content_field
        begin = anchor
        tpl.add_field(begin, f'TOC \\o "1-{CONTENTS_LEVELS}" \\h \\z \\u', "")
        end_runs = begin.runs[-2:]  # the placeholder result and fldChar end move to the last entry
        for run in end_runs:
            begin._p.remove(run._r)
        paragraphs = [begin]
        for index, (text, level) in enumerate(entries):
            paragraph = begin if index == 0 else self._insert_after(paragraphs[-1])
            paragraph.style = self.doc.styles[f"toc {level}"]
            paragraph.add_run(text)
            if index:
                paragraphs.append(paragraph)
        last = paragraphs[-1]
        for run in end_runs:
            last._p.append(run._r)
        _update_fields_on_open(self.doc)

    def _insert_after(self, paragraph: Paragraph) -> Paragraph:
        element = OxmlElement("w:p")
        paragraph._p.addnext(element)
        return Paragraph(element, paragraph._parent)

    def closing(self, lines: list[str]) -> None:
        """The signature and seal block (主体名称（盖章）, 负责人（签名）, 日期), right-aligned."""
        for index, line in enumerate(lines):
            paragraph = self.styled(tpl.CLOSING, line)
            if index == 0:
                paragraph.paragraph_format.space_before = Pt(56)

    # --- tables and figures ---------------------------------------------------------------------------

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

    def _column_widths(self, columns: int) -> list[int]:
        section = self.doc.sections[0]
        text_width = section.page_width - section.left_margin - section.right_margin
        if columns == 2:
            return [LABEL_WIDTH, text_width - LABEL_WIDTH]
        return [text_width // columns] * columns

    def _cell(self, cell: _Cell, text: str, width: int, *, label: bool) -> None:
        cell.width = width
        paragraph = cell.paragraphs[0]
        paragraph.style = self.doc.styles[tpl.TABLE_TEXT]
        self.text(paragraph, text, bold=label or None)
        if label:
            _shade(cell)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER

    def figure(self, png: bytes, caption: str) -> None:
        with Image.open(io.BytesIO(png)) as image:
            aspect = image.height / image.width
        width = min(FIGURE_MAX[0], int(FIGURE_MAX[1] / aspect))
        paragraph = self.doc.add_paragraph(style=tpl.FIGURE)
        paragraph.add_run().add_picture(io.BytesIO(png), width=width)
        self.styled("Caption", caption)

    # --- header and properties --------------------------------------------------------------------------

    def draft_header(self, mark: str) -> None:
        """The red 草稿 mark of a forced export, on odd, even and first pages alike."""
        section = self.doc.sections[0]
        headers = [section.header, section.even_page_header]
        if section.different_first_page_header_footer:
            headers.append(section.first_page_header)
        for header in headers:
            paragraph = header.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(mark)
            run.font.color.rgb = RED
            run.font.size = Pt(10.5)
            run.bold = True

    def properties(self, *, title: str, author: str, subject: str, keywords: str) -> None:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        props = self.doc.core_properties
        title, author, subject = (xml_safe(value)[:PROPERTY_MAX] for value in (title, author, subject))
        props.title, props.author, props.last_modified_by = title, author, author
        props.subject, props.keywords, props.category = subject, keywords, "互联网信息服务算法备案材料"
        props.comments = ""
        props.created = props.modified = now
        props.revision = 1

    def finish(self) -> None:
        self._fill_contents()
