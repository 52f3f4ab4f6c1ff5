"""The reference document every exported .docx starts from: `assistant/output/template.docx`.

The look of the documents lives in that file's styles, page setup and footer, not in the writer: open it in
Word or WPS, change a style (正文, 标题 1 …, 封面标题, 落款, 页码) or the margins, save, and the next export
uses it (`BEIAN_DOCX_TEMPLATE` names another file). The writer only chooses styles; it sets no fonts, sizes or
margins on the text itself.

`build_template()` writes the project's default, following the habits of Chinese official documents
(GB/T 9704-2012): A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm; 标题 2号宋体加粗 (小标宋 where installed),
一级标题 3号黑体, 二级标题 3号楷体, 三级标题 3号仿宋加粗, 正文 3号仿宋 at a fixed 28 pt line pitch (22 lines of
28 characters a page), page numbers “— 1 —” in 4号宋体 on the outer side (odd pages right, even pages left).
Regenerate the file with `python scripts/build_docx_template.py` after changing this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

TEMPLATE_PATH = Path(__file__).with_name("template.docx")
TEMPLATE_ENV = "BEIAN_DOCX_TEMPLATE"
LATIN_FONT = "Times New Roman"
BLACK = RGBColor(0, 0, 0)
PAGE_WIDTH, PAGE_HEIGHT = Cm(21.0), Cm(29.7)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)
LINE_PITCH = Pt(28)
SIZE_2, SIZE_3, SIZE_4, SIZE_XIAO4, SIZE_5 = Pt(22), Pt(16), Pt(14), Pt(12), Pt(10.5)

# custom style names (Chinese, as a user sees them in Word's style pane)
COVER_TITLE = "封面标题"
COVER_INFO = "封面信息"
CLOSING = "落款"
PAGE_NUMBER = "页码"
FIGURE = "图片"
TABLE_TEXT = "表格文字"
CONTENTS_HEADING = "TOC Heading"


@dataclass(frozen=True)
class StyleSpec:
    """One paragraph style of the template."""

    east_asian: str
    size: Any
    bold: bool = False
    align: WD_ALIGN_PARAGRAPH | None = None
    before: Any = Pt(0)
    after: Any = Pt(0)
    pitch: Any = LINE_PITCH  # exact line pitch; None = single spacing (pictures must not be clipped)
    first_indent: Any = None
    keep_with_next: bool = False
    base: str | None = None


STYLES: dict[str, StyleSpec] = {
    "Normal": StyleSpec("仿宋", SIZE_3, first_indent=Pt(32), align=WD_ALIGN_PARAGRAPH.JUSTIFY),
    "Title": StyleSpec(
        "宋体", SIZE_2, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=Pt(28), pitch=Pt(36)
    ),
    "Heading 1": StyleSpec("黑体", SIZE_3, keep_with_next=True, first_indent=Pt(32)),
    "Heading 2": StyleSpec("楷体", SIZE_3, keep_with_next=True, first_indent=Pt(32)),
    "Heading 3": StyleSpec("仿宋", SIZE_3, bold=True, keep_with_next=True, first_indent=Pt(32)),
    "Caption": StyleSpec("黑体", SIZE_4, align=WD_ALIGN_PARAGRAPH.CENTER, after=Pt(14)),
    CONTENTS_HEADING: StyleSpec("黑体", SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, after=Pt(28), pitch=Pt(36)),
    "toc 1": StyleSpec("仿宋", SIZE_3),
    "toc 2": StyleSpec("仿宋", SIZE_3, first_indent=Pt(32)),
    COVER_TITLE: StyleSpec("宋体", Pt(26), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, pitch=Pt(44)),
    COVER_INFO: StyleSpec("仿宋", SIZE_3, align=WD_ALIGN_PARAGRAPH.CENTER, pitch=Pt(36)),
    CLOSING: StyleSpec("仿宋", SIZE_3, align=WD_ALIGN_PARAGRAPH.RIGHT),
    PAGE_NUMBER: StyleSpec("宋体", SIZE_4, pitch=None),
    FIGURE: StyleSpec("仿宋", SIZE_3, align=WD_ALIGN_PARAGRAPH.CENTER, pitch=None, keep_with_next=True),
    TABLE_TEXT: StyleSpec("仿宋", SIZE_XIAO4, pitch=None, before=Pt(2), after=Pt(2)),
}
_THEME_ATTRS = ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme")


def set_fonts(element: Any, east_asian: str) -> None:
    """Explicit Latin and East Asian fonts on an rPr owner; theme fonts would override them, so drop those."""
    rfonts = element.get_or_add_rPr().get_or_add_rFonts()
    for theme in _THEME_ATTRS:
        rfonts.attrib.pop(qn(theme), None)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)
    rfonts.set(qn("w:eastAsia"), east_asian)


def _doc_defaults(document: DocxDocument) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    for theme in _THEME_ATTRS:
        rfonts.attrib.pop(qn(theme), None)
    rfonts.set(qn("w:eastAsia"), STYLES["Normal"].east_asian)
    rpr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")


def _apply_style(document: DocxDocument, name: str, spec: StyleSpec) -> None:
    try:
        style = document.styles[name]
    except KeyError:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Normal"]
        style.quick_style = True
    set_fonts(style.element, spec.east_asian)
    style.font.size = spec.size
    style.font.bold = spec.bold
    style.font.italic = False
    style.font.color.rgb = BLACK
    fmt = style.paragraph_format
    fmt.alignment = spec.align if spec.align is not None else WD_ALIGN_PARAGRAPH.LEFT
    fmt.space_before, fmt.space_after = spec.before, spec.after
    if spec.pitch is None:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        fmt.line_spacing, fmt.line_spacing_rule = spec.pitch, WD_LINE_SPACING.EXACTLY
    fmt.first_line_indent = spec.first_indent if spec.first_indent is not None else Pt(0)
    fmt.keep_with_next = spec.keep_with_next
    border = style.element.pPr.find(qn("w:pBdr")) if style.element.pPr is not None else None
    if border is not None:
        style.element.pPr.remove(border)


def _page(document: DocxDocument) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance, section.footer_distance = Cm(1.5), Cm(2.8)
    document.settings.odd_and_even_pages_header_footer = True


def add_field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A Word field (PAGE, TOC …): fldChar begin, instrText, fldChar separate, result, fldChar end."""

    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._element.append(element)

    char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._element.append(instr)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def _page_number(document: DocxDocument, paragraph: Paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    paragraph.style = document.styles[PAGE_NUMBER]
    paragraph.alignment = align
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = Pt(14)
    paragraph.add_run("— ")
    add_field(paragraph, "PAGE", "1")
    paragraph.add_run(" —")


def _footers(document: DocxDocument) -> None:
    section = document.sections[0]
    _page_number(document, section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(document, section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


SAMPLE = [
    (COVER_TITLE, "导出样式模板"),
    (
        "Normal",
        "本文件是备案助手导出 .docx 时使用的样式模板。在 Word 或 WPS 中修改样式（正文、标题、标题 1–3、",
    ),
    (
        "Normal",
        "题注、封面标题、封面信息、落款、页码、表格文字、目录）或页面设置后保存，下次导出即采用新的样式；",
    ),
    ("Normal", "本页的示例文字在导出时会被删除。"),
    ("Title", "文档标题（标题）"),
    ("Heading 1", "一、一级标题（标题 1）"),
    ("Heading 2", "（一）二级标题（标题 2）"),
    ("Heading 3", "1. 三级标题（标题 3）"),
    ("Normal", "正文段落（正文）：三号仿宋，固定行距 28 磅，首行缩进两字。"),
    ("Caption", "图 1 题注（题注）"),
    (CLOSING, "落款（落款）"),
]


def build_template() -> DocxDocument:
    """The project's default reference document (see the module docstring)."""
    document = new_document()
    _doc_defaults(document)
    for name, spec in STYLES.items():
        _apply_style(document, name, spec)
    _page(document)
    _footers(document)
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    for style, text in SAMPLE:
        document.add_paragraph(text, style=style)
    core = document.core_properties
    core.title, core.author, core.last_modified_by, core.comments = "备案助手导出样式模板", "", "", ""
    return document


def template_path() -> Path:
    """The reference document: `BEIAN_DOCX_TEMPLATE` when it names a file, else the packaged template.docx."""
    import os

    configured = os.environ.get(TEMPLATE_ENV, "").strip()
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"{TEMPLATE_ENV} 指定的样式模板不存在：{path}")
        return path
    return TEMPLATE_PATH


def open_template(path: Path | None = None) -> DocxDocument:
    """A new document with the template's styles, page setup, headers and footers and an empty body."""
    document = new_document(str(path or template_path()))
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return document
