"""Regulation corpus: parse official texts into chapters, articles (条), paragraphs (款) and items (项).

File format (corpus/regulations/*.md): a YAML front matter between `---` lines (title, issuing_bodies,
date_in_force, status, articles, …), a `# title` line, `## 第X章 …` chapters, `### 第X节 …` sections and
articles that each start on their own line as `第X条 …`. Blocks inside an article are separated by blank
lines; a block that starts with `（一）` is an item of the paragraph before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel

from assistant.numerals import article_label, cn_to_int

_NUM = "零〇一二三四五六七八九十百千两"
ARTICLE_RE = re.compile(rf"^第([{_NUM}]+)条(?:[ 　\u3000]+|$)")
CHAPTER_RE = re.compile(rf"^##\s+(第[{_NUM}]+章.*)$")
SECTION_RE = re.compile(rf"^###\s+(第[{_NUM}]+节.*)$")
ITEM_RE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
HEADER_LINE_RE = re.compile(r"^([A-Za-z_]+)\s*:\s?(.*)$")
HEADER_COUNT_RE = re.compile(r"^\s*(\d+)")
SKIPPED_FILES = {"SOURCES.md", "README.md"}
MAX_ARTICLE = 9999  # the largest number a Chinese article label is written for


class Paragraph(BaseModel):
    """One 款; `items` holds its 项, each with its own （一） label."""

    text: str
    items: list[str] = []


class Article(BaseModel):
    regulation: str
    number: int
    label: str
    chapter: str = ""
    section: str = ""
    paragraphs: list[Paragraph]
    line: int

    @property
    def text(self) -> str:
        blocks: list[str] = []
        for para in self.paragraphs:
            blocks.append(para.text)
            blocks.extend(para.items)
        return "\n".join(blocks)

    @property
    def heading(self) -> str:
        return f"《{self.regulation}》{self.label}"


class RegulationMeta(BaseModel):
    title: str
    issuing_bodies: str = ""
    date_in_force: str = ""
    status: str = ""
    declared_articles: int | None = None
    superseded_by: str | None = None

    @property
    def historical(self) -> bool:
        return bool(self.superseded_by) or "historical" in self.status.lower() or "已废止" in self.status


class Regulation(BaseModel):
    meta: RegulationMeta
    path: str
    articles: list[Article]

    @property
    def title(self) -> str:
        return self.meta.title


@dataclass
class ParseIssue:
    path: str
    line: int
    message: str
    fatal: bool = True

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class RegulationParseError(ValueError):
    def __init__(self, issues: list[ParseIssue]):
        self.issues = issues
        super().__init__("；".join(str(issue) for issue in issues))


def _split_front_matter(lines: list[str], path: str) -> tuple[dict, int]:
    if not lines or lines[0].strip() != "---":
        raise RegulationParseError([ParseIssue(path, 1, "缺少文件头（以 --- 开始的 YAML 元数据）")])
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            meta = _header_fields(lines[1:index], path)
            if not meta.get("title"):
                raise RegulationParseError([ParseIssue(path, 2, "文件头缺少 title（法规名称）")])
            return meta, index + 1
    raise RegulationParseError([ParseIssue(path, 1, "文件头没有结束标记 ---")])


def _header_fields(lines: list[str], path: str) -> dict[str, str]:
    """Header lines are `key: value` with the value taken verbatim (values may contain colons)."""
    fields: dict[str, str] = {}
    for offset, line in enumerate(lines):
        if not line.strip():
            continue
        match = HEADER_LINE_RE.match(line)
        if not match:
            raise RegulationParseError(
                [ParseIssue(path, offset + 2, f"文件头行格式应为“键: 值”：{line[:40]}")]
            )
        fields[match.group(1)] = match.group(2).strip()
    return fields


def _meta_from_header(header: dict) -> RegulationMeta:
    declared = None
    match = HEADER_COUNT_RE.match(str(header.get("articles", "")))
    if match:
        declared = int(match.group(1))
    return RegulationMeta(
        title=str(header["title"]).strip(),
        issuing_bodies=str(header.get("issuing_bodies", "")),
        date_in_force=str(header.get("date_in_force", "")),
        status=str(header.get("status", "")),
        declared_articles=declared,
        superseded_by=header.get("superseded_by"),
    )


@dataclass
class _ArticleBuilder:
    number: int
    line: int
    chapter: str
    section: str
    blocks: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)

    def add_line(self, text: str) -> None:
        if text.strip():
            self.current.append(text.strip())
        else:
            self.flush()

    def flush(self) -> None:
        if self.current:
            self.blocks.append("".join(self.current))
            self.current = []

    def build(self, regulation: str) -> Article:
        self.flush()
        paragraphs: list[Paragraph] = []
        for block in self.blocks:
            if ITEM_RE.match(block) and paragraphs:
                paragraphs[-1].items.append(block)
            else:
                paragraphs.append(Paragraph(text=block))
        return Article(
            regulation=regulation,
            number=self.number,
            label=article_label(self.number),
            chapter=self.chapter,
            section=self.section,
            paragraphs=paragraphs,
            line=self.line,
        )


def parse_regulation_text(text: str, path: str = "<text>") -> tuple[Regulation, list[ParseIssue]]:
    """Parse one regulation file. Raises RegulationParseError on fatal problems; returns warnings."""
    lines = text.splitlines()
    if not text.strip():
        raise RegulationParseError([ParseIssue(path, 1, "文件为空")])
    header, body_start = _split_front_matter(lines, path)
    meta = _meta_from_header(header)
    issues: list[ParseIssue] = []
    chapter = section = ""
    builders: list[_ArticleBuilder] = []
    for offset, raw in enumerate(lines[body_start:]):
        line_no = body_start + offset + 1
        line = raw.rstrip()
        if chapter_match := CHAPTER_RE.match(line):
            chapter, section = chapter_match.group(1).strip(), ""
            if builders:
                builders[-1].flush()
            continue
        if section_match := SECTION_RE.match(line):
            section = section_match.group(1).strip()
            continue
        if line.startswith("#"):
            continue
        if article_match := ARTICLE_RE.match(line.strip()):
            number = cn_to_int(article_match.group(1))
            if not 1 <= number <= MAX_ARTICLE:
                issues.append(
                    ParseIssue(
                        path,
                        line_no,
                        f"条文编号无效：第{article_match.group(1)}条（应为第一条至第{MAX_ARTICLE}条）",
                    )
                )
                continue
            builder = _ArticleBuilder(number, line_no, chapter, section)
            builder.add_line(line.strip()[article_match.end() :])
            builders.append(builder)
            continue
        if builders:
            builders[-1].add_line(line)
        elif line.strip():
            issues.append(ParseIssue(path, line_no, "第一条之前的正文未归入任何条文", fatal=False))
    issues.extend(_numbering_issues(builders, meta, path, len(lines)))
    fatal = [issue for issue in issues if issue.fatal]
    if fatal:
        raise RegulationParseError(fatal)
    articles = [builder.build(meta.title) for builder in builders]
    return Regulation(meta=meta, path=path, articles=articles), issues


def _label(number: int) -> str:
    return article_label(number) if 1 <= number <= MAX_ARTICLE else f"第{number}条"


def _numbering_issues(
    builders: list[_ArticleBuilder], meta: RegulationMeta, path: str, line_count: int
) -> list[ParseIssue]:
    if not builders:
        return [ParseIssue(path, line_count, "未找到任何条文（每条应以“第X条”开头独占一行）")]
    issues: list[ParseIssue] = []
    seen: dict[int, int] = {}
    expected = 1
    for builder in builders:
        if builder.number in seen:
            issues.append(
                ParseIssue(
                    path,
                    builder.line,
                    f"条文编号重复：{_label(builder.number)}（第一次出现在第 {seen[builder.number]} 行）",
                )
            )
        elif builder.number != expected:
            issues.append(
                ParseIssue(
                    path,
                    builder.line,
                    f"条文编号不连续：应为{_label(expected)}，实为{_label(builder.number)}",
                )
            )
        seen.setdefault(builder.number, builder.line)
        expected = builder.number + 1
        if not builder.blocks and not builder.current:
            issues.append(ParseIssue(path, builder.line, f"{_label(builder.number)}没有正文"))
    if meta.declared_articles is not None and meta.declared_articles != len(builders):
        issues.append(
            ParseIssue(path, 1, f"文件头声明 {meta.declared_articles} 条，实际解析出 {len(builders)} 条")
        )
    return issues


def parse_regulation_file(path: Path) -> tuple[Regulation, list[ParseIssue]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RegulationParseError([ParseIssue(str(path), 1, f"不是 UTF-8 文本：{exc}")]) from exc
    return parse_regulation_text(text, str(path))


def regulation_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.md") if p.name not in SKIPPED_FILES)


@dataclass
class CorpusLoad:
    regulations: list[Regulation]
    issues: list[ParseIssue]


def load_regulations(directory: Path) -> CorpusLoad:
    """Parse every file; a malformed file is reported and skipped, the others still load."""
    regulations: list[Regulation] = []
    issues: list[ParseIssue] = []
    for path in regulation_files(directory):
        try:
            regulation, warnings = parse_regulation_file(path)
        except RegulationParseError as exc:
            issues.extend(exc.issues)
            continue
        regulations.append(regulation)
        issues.extend(warnings)
    return CorpusLoad(regulations, issues)


class ArticleRegistry:
    """Valid (regulation, article) pairs generated from the corpus, with short-name aliases."""

    def __init__(self, regulations: list[Regulation], aliases: dict[str, list[str]] | None = None):
        self.regulations = {reg.title: reg for reg in regulations}
        self._articles = {(a.regulation, a.number): a for reg in regulations for a in reg.articles}
        self._aliases: dict[str, str] = {}
        for reg in regulations:
            for name in _auto_aliases(reg.title) + (aliases or {}).get(reg.title, []):
                self._aliases.setdefault(name, reg.title)

    @cached_property
    def alias_pattern(self) -> re.Pattern[str]:
        names = sorted(self._aliases, key=len, reverse=True)
        return re.compile("|".join(re.escape(name) for name in names)) if names else re.compile(r"(?!x)x")

    @cached_property
    def corpus_text(self) -> str:
        """All article text, for checks that accept what the corpus states."""
        return "\n".join(a.text for a in self._articles.values())

    def resolve_title(self, name: str) -> str | None:
        name = name.strip().strip("《》")
        return self._aliases.get(name)

    def get(self, title: str, number: int) -> Article | None:
        resolved = self.resolve_title(title) or title
        return self._articles.get((resolved, number))

    def articles(self, include_historical: bool = True) -> list[Article]:
        return [
            a
            for reg in self.regulations.values()
            if include_historical or not reg.meta.historical
            for a in reg.articles
        ]

    def is_historical(self, title: str) -> bool:
        reg = self.regulations.get(title)
        return bool(reg and reg.meta.historical)


def _auto_aliases(title: str) -> list[str]:
    names = [title]
    for prefix in ("中华人民共和国", "互联网信息服务"):
        if title.startswith(prefix):
            names.append(title[len(prefix) :])
    return names
