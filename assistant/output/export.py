"""Export a filing's documents as formatted .docx files.

One file per applicable document (`<算法名称>-<文档标题>.docx`), its applicable sections in spec order,
written on the reference template (docx_template.py: fonts, margins, heading styles, page numbers):

- Headings use Word's built-in styles (Title, Heading 1/2/3: the navigation pane and the 目录 work) with the
  Chinese numbering written into the text: parts and top-level sections are Heading 1 (一、算法情况 …),
  sections inside a part are Heading 2 (（一）算法流程 …), and `（一）…` lines in a section body become the
  next level down with their text kept. A section whose title is the document's title gets no heading.
- A document with `cover: true` in the spec (the self-assessment report) starts with a cover page (algorithm,
  title, entity, date) and a 目录; `closing` lines (主体名称（盖章）, 算法安全负责人（签名）, 日期) end it.
- 基本情况表 (the self-assessment's leading `mode: table` section) is the report's header table, without a
  heading. A Markdown table whose header row is exactly 项目 | 内容 is a key/value table.
- 拟公示内容 is written as numbered headings, so that each part can be copied into the filing system's form.
- 算法备案承诺书 is fixed text: its paragraphs, with the signature, stamp and date lines right-aligned.
- 算法流程 is followed by the pipeline flow chart (flowchart.py) and the caption 图 1 算法流程图.
- Any other section the spec assigns to a document (an 附件清单, say) is exported in its place like the rest.

The gate (gate.py): export is refused while a blocking check fails, unless a person gives a reason; a forced
export carries the 草稿 mark and a note with the reason. Everything goes into `export-record.json` and
`manifest.json` beside the documents.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from assistant.checking.checks import CheckReport
from assistant.facts import Facts
from assistant.numerals import int_to_cn
from assistant.output import flowchart
from assistant.output.docx_writer import RED, DocxWriter
from assistant.output.gate import (
    OVERRIDE_MIN_CHARS,
    ExportRefused,
    draft_mark,
    override_note,
    validated_override,
)
from assistant.output.markdown import parse_markdown, xml_safe
from assistant.spec import Document, Section, load_spec

__all__ = [  # the gate and the Markdown parser are re-exported for callers of the export
    "OVERRIDE_MIN_CHARS",
    "ExportRefused",
    "ExportResult",
    "export_filing",
    "parse_markdown",
    "safe_filename",
    "xml_safe",
]

FIGURE_SECTION = "algo_flow"
FIGURE_CAPTION = "图 1 算法流程图"
NAME_MAX_BYTES = 200  # UTF-8 bytes of the file name without ".docx"; file systems allow 255
RECORD_FILE = "export-record.json"
MANIFEST_FILE = "manifest.json"
SIGNATURE_RE = re.compile(r"^(法定代表人|负责人|单位[（(]盖章[）)]|盖章|签字|日期)")
FACT_SLOT_RE = re.compile(r"\{([A-Za-z_][\w.]*)\}")
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


@dataclass
class ExportResult:
    files: list[Path]
    draft_mark: bool
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def notices(self) -> list[str]:
        """Problems with how the documents were made (no CJK font for the flow chart …): show them loudly."""
        return list(self.record.get("notices", []))


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


# --- documents ------------------------------------------------------------------------------------


@dataclass
class _Planned:
    section: Section
    headings: list[tuple[str, int]]
    body_level: int
    header_table: bool = False


def outline(document: Document, sections: list[Section]) -> list[_Planned]:
    """The numbered headings before each section and the heading level of its body's sub-headings."""
    plan: list[_Planned] = []
    top, inner, part = 0, 0, None
    for index, section in enumerate(sections):
        header_table = section.mode == "table" and index == 0 and len(sections) > 1
        if header_table or section.title == document.title:
            plan.append(_Planned(section, [], 1, header_table))
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


def _fact_text(facts: Facts, path: str) -> str:
    value: Any = facts.as_dict()
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return str(value) if value not in (None, "", [], {}) else f"【待补充：{path}】"


def fill_closing(facts: Facts, lines: list[str]) -> list[str]:
    """Closing lines with their `{key.path}` slots filled from the facts (a missing fact stays a marker)."""
    return [FACT_SLOT_RE.sub(lambda m: _fact_text(facts, m.group(1)), line) for line in lines]


def _cover_lines(facts: Facts, today: dt.date) -> list[str]:
    lines = [f"主体名称：{facts.entity.name}"] if facts.entity.name else []
    if facts.filing.algorithm_type:
        lines.append(f"算法类型：{facts.filing.algorithm_type}")
    return [*lines, f"编制日期：{today.year}年{today.month}月{today.day}日"]


def build_document(
    facts: Facts,
    document: Document,
    sections: list[Section],
    drafts: dict[str, str],
    *,
    mark: str | None = None,
    note: str | None = None,
    figure: bytes | None = None,
    figure_notices: list[str] | None = None,
) -> DocxWriter:
    writer = DocxWriter()
    algorithm = facts.filing.algorithm_name or ""
    if document.cover:
        writer.cover(document.title, algorithm, _cover_lines(facts, dt.date.today()))
        writer.contents()
    writer.title(document.title)
    if note:
        writer.paragraph(note, bold=True, color=RED)
    for planned in outline(document, sections):
        for text, level in planned.headings:
            writer.heading(text, level)
        _write_body(writer, planned.section, drafts.get(planned.section.id, ""), planned.body_level)
        if planned.section.id == FIGURE_SECTION and figure is not None:
            writer.figure(figure, FIGURE_CAPTION)
            for notice in figure_notices or []:
                writer.paragraph(notice, bold=True, color=RED)
        if planned.header_table and document.cover:  # the official first-page table has its page
            writer.page_break()
    if document.closing:
        writer.closing(fill_closing(facts, document.closing))
    if mark:
        writer.draft_header(mark)
    writer.finish()
    writer.properties(
        title=document.title,
        author=facts.entity.name or "",
        subject=mark or f"{algorithm} 算法备案材料",
        keywords="草稿" if mark else "",
    )
    return writer


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


def _flowchart(facts: Facts) -> tuple[bytes | None, list[str]]:
    steps = [step for step in facts.algorithm.pipeline or [] if step]
    if not steps:
        return None, ["事实文件中没有 algorithm.pipeline，未生成算法流程图"]
    return flowchart.render_flowchart(steps)


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
    reason = validated_override(report, override_reason)
    spec = load_spec()
    mark = draft_mark(report, reason is not None)
    note = override_note(report, reason) if reason else None
    figure, notices = _flowchart(facts)
    out_dir.mkdir(parents=True, exist_ok=True)
    base = out_dir.resolve()
    applicable = spec.applicable_sections(facts)
    files: list[Path] = []
    for document in spec.applicable_documents(facts):
        sections = [s for s in applicable if s.document == document.id]
        writer = build_document(
            facts,
            document,
            sections,
            drafts,
            mark=mark,
            note=note,
            figure=figure,
            figure_notices=notices if figure is not None else None,
        )
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
