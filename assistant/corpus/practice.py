"""Practice notes (corpus/practice/*.md): short notes, one topic each, on how filings are done in practice,
written for this project from public sources. Front matter: title, topics, sources (name, date), confidence.
Body: `## 法规规定` (what the regulations say, each claim cited 《法规》第X条：“quote”, verified against the
corpus) and `## 实务做法…` sections (practice only; the notes say so).

Each `##` section is indexed as its own chunk (source "practice"), headed by the note's title."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, BeforeValidator, Field, ValidationError

from assistant.yamlfile import load_yaml

HEADING_RE = re.compile(r"^##\s+(.+?)\s*$")
RULE_HEADING = "法规规定"


class PracticeFormatError(ValueError):
    pass


class NoteSource(BaseModel):
    name: str
    date: Annotated[str, BeforeValidator(str)]  # YAML reads 2024-06-06 as a date


class NoteMeta(BaseModel):
    title: str
    topics: list[str] = Field(min_length=1)
    sources: list[NoteSource] = Field(min_length=1)
    confidence: str


class NoteSection(BaseModel):
    heading: str
    text: str

    @property
    def regulatory(self) -> bool:
        """A section restating what the regulations say (cited articles), not practice."""
        return self.heading.startswith(RULE_HEADING)


class PracticeNote(BaseModel):
    id: str
    meta: NoteMeta
    sections: list[NoteSection]

    @property
    def source_line(self) -> str:
        """The note's sources as one line, each with its date."""
        return "；".join(f"{s.name}（{s.date}）" for s in self.meta.sources)


def parse_note(text: str, path: str = "<text>") -> PracticeNote:
    if not text.startswith("---"):
        raise PracticeFormatError(f"{path}: 缺少 YAML 文件头")
    try:
        _, header, body = text.split("---", 2)
        meta = NoteMeta.model_validate(load_yaml(header) or {})
    except (ValueError, yaml.YAMLError, ValidationError) as exc:
        raise PracticeFormatError(f"{path}: 文件头无法解析：{exc}") from exc
    sections: list[NoteSection] = []
    heading: str | None = None
    lines: list[str] = []
    for line in body.splitlines():
        if match := HEADING_RE.match(line):
            if heading and "\n".join(lines).strip():
                sections.append(NoteSection(heading=heading, text="\n".join(lines).strip()))
            heading, lines = match.group(1), []
        elif heading:
            lines.append(line)
    if heading and "\n".join(lines).strip():
        sections.append(NoteSection(heading=heading, text="\n".join(lines).strip()))
    if not sections:
        raise PracticeFormatError(f"{path}: 没有“## ”小节")
    return PracticeNote(id=Path(path).stem, meta=meta, sections=sections)


def load_notes(directory: Path) -> list[PracticeNote]:
    return [parse_note(p.read_text(encoding="utf-8"), str(p)) for p in sorted(directory.glob("*.md"))]
