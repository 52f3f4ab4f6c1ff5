"""Draft records and the draft directory format: `<section_id>.md` plus `<section_id>.json` per section."""

from __future__ import annotations

import json
import os
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
    timings: dict[str, float] = {}
    error: str | None = None
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


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
