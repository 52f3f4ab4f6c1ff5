"""Draft records and the draft directory format: `<section_id>.md` plus `<section_id>.json` per section."""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.spec import load_spec


class DraftRecord(BaseModel):
    section: str
    title: str
    text: str
    provider: str
    model: str = ""
    prompt_hash: str = ""
    sources: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    needs_review: bool = False
    repair_rounds: int = 0
    filled_from_template: list[str] = []
    discarded_text: str = ""  # a model draft that was replaced by the template text, kept for review
    # who wrote the text: "model", "template" (the template drafter, or its text in place of a failed model
    # draft) or "mixed" (model text with paragraphs filled from the template); "" in records from before
    provenance: str = ""
    paragraphs: list[str] = []  # "model" / "template" per paragraph of `text` (paragraphs_of)
    tokens: dict[str, int] = {}  # prompt, completion and calls, summed over the section's model calls
    timings: dict[str, float] = {}
    error: str | None = None
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


MODEL, TEMPLATE, MIXED = "model", "template", "mixed"
TEMPLATE_FALLBACK = "全文（模型草稿不可用或未通过检查，已改用模板文本）"  # in filled_from_template
MARKER_LINE_RE = re.compile(r"^(【待补充：[^】]*】\s*)+$")
HEADING_RE = re.compile(r"^(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、)[^。；]{1,40}$")


def paragraphs_of(text: str) -> list[str]:
    """The non-empty lines of a draft, stripped: the unit of per-paragraph provenance."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def paragraph_provenance(text: str, model_text: str, template: str) -> list[str]:
    """Per paragraph of `text`: "model" when the model wrote it — a paragraph of the template's text is
    "template" even when the model copied it unchanged, and so are the template paragraphs and marker lines
    filled in afterwards. An empty `model_text` means the model's text was discarded."""
    if not model_text.strip():
        return [TEMPLATE] * len(paragraphs_of(text))
    from_template = set(paragraphs_of(template))
    return [
        TEMPLATE if paragraph in from_template or MARKER_LINE_RE.match(paragraph) else MODEL
        for paragraph in paragraphs_of(text)
    ]


def section_provenance(text: str, paragraphs: list[str]) -> str:
    """ "model" when the model wrote every paragraph except headings it kept, "template" when it wrote none,
    else "mixed"."""
    kinds = {
        label
        for line, label in zip(paragraphs_of(text), paragraphs, strict=False)
        if not HEADING_RE.match(line)
    } or set(paragraphs)
    if kinds == {MODEL}:
        return MODEL
    return MIXED if MODEL in kinds else TEMPLATE


def record_provenance(record: DraftRecord) -> str:
    """A record's provenance, also for records written before it was stored."""
    if record.provenance:
        return record.provenance
    if record.provider == "template" or TEMPLATE_FALLBACK in record.filled_from_template:
        return TEMPLATE
    return MIXED if record.filled_from_template else MODEL


def atomic_write(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_draft(directory: Path, record: DraftRecord) -> None:
    atomic_write(directory / f"{record.section}.md", record.text)
    atomic_write(directory / f"{record.section}.json", record.model_dump_json(indent=2))


def read_drafts(directory: Path) -> dict[str, str]:
    """Section id → Markdown text, for every `*.md` named by a section id or Chinese title."""
    spec = load_spec()
    drafts: dict[str, str] = {}
    for path in sorted(directory.glob("*.md")):
        try:
            section = spec.section(path.stem)
        except KeyError:
            continue
        drafts[section.id] = path.read_text(encoding="utf-8")
    return drafts


def read_records(directory: Path) -> dict[str, DraftRecord]:
    records = {}
    for path in sorted(directory.glob("*.json")):
        try:
            record = DraftRecord.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, OSError):
            continue
        records[record.section] = record
    return records
