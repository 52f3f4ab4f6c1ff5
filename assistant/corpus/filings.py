"""Past filings library (corpus/filings/*.md): parsing into sections, and template-likeness scoring."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from assistant.spec import SpecBook, load_spec
from assistant.textnorm import normalize
from assistant.yamlfile import load_yaml, yaml_error_text

HEADING_RE = re.compile(r"^##\s+(.+?)\s*$")
NGRAM = 6


class FilingFormatError(ValueError):
    pass


@dataclass
class FilingDoc:
    id: str
    meta: dict[str, Any]
    sections: dict[str, str]
    path: str = ""

    @property
    def modalities(self) -> list[str]:
        value = self.meta.get("modalities") or []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def section_id_for_title(title: str, spec: SpecBook | None = None) -> str | None:
    """Map a heading (exact title or id, optionally numbered like `一、` / `（一）` / `1.`) to a section id."""
    spec = spec or load_spec()
    cleaned = re.sub(
        r"^(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+(\.\d+)*[、.．]?)\s*",
        "",
        title.strip(),
    ).strip()
    for section in spec.sections:
        if cleaned in (section.id, section.title):
            return section.id
    return None


def parse_filing_text(text: str, path: str = "<text>") -> FilingDoc:
    if not text.startswith("---"):
        raise FilingFormatError(f"{path}: 缺少 YAML 文件头")
    try:
        _, header, body = text.split("---", 2)
    except ValueError as exc:
        raise FilingFormatError(f"{path}: 文件头没有以 --- 结束") from exc
    try:
        meta = load_yaml(header) or {}
    except yaml.YAMLError as exc:  # the header text starts right after the opening ---: same line numbers
        raise FilingFormatError(f"{path}: {yaml_error_text(exc, header, '文件头')}") from exc
    if not isinstance(meta, dict) or not meta.get("id"):
        raise FilingFormatError(f"{path}: 文件头缺少 id")
    sections: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line_no, line in enumerate(body.splitlines(), 1):
        if match := HEADING_RE.match(line):
            if current:
                sections[current] = "\n".join(lines).strip()
            current = section_id_for_title(match.group(1))
            if current is None:
                raise FilingFormatError(f"{path}: 第 {line_no} 行的章节标题“{match.group(1)}”不是已知章节")
            lines = []
        elif current:
            lines.append(line)
    if current:
        sections[current] = "\n".join(lines).strip()
    return FilingDoc(str(meta["id"]), meta, {k: v for k, v in sections.items() if v}, path)


def load_library(directory: Path) -> list[FilingDoc]:
    return [parse_filing_text(p.read_text(encoding="utf-8"), str(p)) for p in sorted(directory.glob("*.md"))]


def _ngrams(text: str) -> set[str]:
    norm = re.sub(r"[^\w]", "", normalize(text))
    return {norm[i : i + NGRAM] for i in range(len(norm) - NGRAM + 1)}


@dataclass
class Likeness:
    score: float
    filing_id: str
    section: str


@dataclass
class FilingLibrary:
    """Character n-gram index over the library; `template_likeness` = share of a text's n-grams found
    in the single most similar past section."""

    docs: list[FilingDoc]
    _keys: list[tuple[str, str, int]] = field(default_factory=list)  # (filing id, section id, n-gram count)
    _postings: dict[str, list[int]] = field(default_factory=dict)  # n-gram → indices into _keys

    def __post_init__(self) -> None:
        for d in self.docs:
            for sid, text in d.sections.items():
                grams = _ngrams(text)
                for gram in grams:
                    self._postings.setdefault(gram, []).append(len(self._keys))
                self._keys.append((d.id, sid, len(grams)))

    @classmethod
    def from_dirs(cls, directories: list[Path]) -> FilingLibrary:
        """Filings of several directories (shipped and imported); a later one's file wins on the same name."""
        files = {p.name: p for d in directories if d.exists() for p in sorted(d.glob("*.md"))}
        return cls([parse_filing_text(p.read_text(encoding="utf-8"), str(p)) for p in files.values()])

    @cached_property
    def by_id(self) -> dict[str, FilingDoc]:
        return {d.id: d for d in self.docs}

    def template_likeness(self, text: str, exclude: set[str] | None = None) -> Likeness | None:
        grams = _ngrams(text)
        if len(grams) < 20 or not self._keys:
            return None
        shared = Counter(i for gram in grams for i in self._postings.get(gram, ()))
        best = max(
            (
                (count / len(grams), self._keys[i][0], self._keys[i][1])
                for i, count in shared.items()
                if not exclude or self._keys[i][0] not in exclude
            ),
            default=None,
        )
        return Likeness(*best) if best else Likeness(0.0, "", "")
