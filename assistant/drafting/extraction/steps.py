"""Reading an algorithm's working steps (algorithm.pipeline) and its stated principle (algorithm.summary)
from the structure of the text rather than from its words: a pipeline is a sequence — numbered lines under
an intro about how the algorithm works, explicit step markers (第一步…第二步, ①②③, 首先…然后…最后) in one
paragraph, an arrow chain (A → B → C), or the adverbs 先…再…最后 in one sentence. The vocabulary that tells an
algorithm's sequence from a complaint procedure or a feature list is data (`extraction.yaml`, `steps`).
Precision first: a sequence whose intro or steps are about review, complaints or features is not read."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from assistant import SPEC_DIR

# A numbered line: 1. / 2、 / （3） / ① / 第一步 / 步骤一 — at a line's start.
_LINE_MARKER = re.compile(
    r"[ \t]*(?:\d{1,2}[.、)）](?!\d)|[（(]\d{1,2}[）)]|[①-⑳]|第[一二三四五六七八九十\d]{1,2}步|步骤[一二三四五六七八九十\d]{1,2})"
    r"[ \t，,：:]*"
)
# Markers that number steps inside a paragraph.
_STEP_MARKERS = (
    re.compile(r"第[一二三四五六七八九十\d]{1,2}步[，,：:]?"),
    re.compile(r"[①-⑳]\s*"),
    re.compile(r"(?:首先|其次|然后|接着|随后|最后|最终)[，,]?"),
)
# 先 as "first" (not 优先, 预先, 事先, 原先, 先进, 先后, 领先)
_FIRST = re.compile(r"(?<![优预事原领率抢首争])先(?!进(?!行)|[后锋行导例生])")
_THEN = re.compile(r"(?:再|然后|接着|随后|之后|最后|最终)(?!次|度|说)")
_ARROW = re.compile(r"\s*(?:→|->|⟶|➔|➜|=>|＞|⇒)\s*")
_CLAUSE = re.compile(r"[，,]")
_LEAD = re.compile(r"^(?:首先|其次|然后|接着|随后|之后|最后|最终|再|先)[，,]?\s*")
_PREPOSITION = re.compile(r"^(?:根据|依据|按照|按|结合|基于|针对|对于|通过|利用)")
_SUBORDINATE = re.compile(r"(?:之后|以后|后|时|前)$")
_PRINCIPLE = re.compile(
    r"(?:基本|核心|工作|技术|算法)?原理(?:是|为|在于|：|:)\s*|(?:核心|基本)思路(?:是|为|：|:)\s*"
)


@dataclass(frozen=True)
class Steps:
    steps: list[str]
    start: int
    end: int


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, re.Pattern[str]]:
    data: dict[str, Any] = yaml.safe_load((SPEC_DIR / "extraction.yaml").read_text(encoding="utf-8"))["steps"]
    return {key: re.compile(value) for key, value in data.items()}


def _strip(step: str) -> str:
    step = _LEAD.sub("", step.strip()).strip()
    return step.rstrip("；;。.，, ").strip()


def _about_algorithm(steps: list[str], intro: str, *, need_intro: bool = False) -> bool:
    """A sequence is the algorithm's when its intro says how something works (and is not a feature list or a
    safety procedure) and a step does algorithm work, or — where the form alone makes it a sequence (arrows,
    先…再…) — when most steps do algorithm work. A sequence with a complaint step, or most of whose steps
    review, is a safety procedure either way (half or more of them: a review chain). Numbered lines need the intro: a numbered list of what users
    can do is no pipeline."""
    words = _vocabulary()
    if words["not_intro"].search(intro) or any(words["procedure"].search(s) for s in steps):
        return False
    if sum(bool(words["review"].search(s)) for s in steps) * 2 >= len(steps):
        return False
    working = sum(bool(words["work"].search(s)) for s in steps)
    if words["intro"].search(intro):
        return working >= 1
    return not need_intro and working * 2 > len(steps)


def _numbered_lines(text: str) -> list[Steps]:
    """Runs of consecutive numbered lines; their intro is the line just before the run."""
    out: list[Steps] = []
    lines = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]+", text) if m.group(0).strip()]
    run: list[tuple[int, str, int]] = []  # (line start, step text, line end)
    previous = ""
    for at, line in [*lines, (len(text), "")]:
        marker = _LINE_MARKER.match(line) if line else None
        if marker and line[marker.end() :].strip():
            run.append((at, line[marker.end() :], at + len(line)))
            continue
        if len(run) >= 2:
            steps = [_strip(s) for _, s, _ in run]
            if _about_algorithm(steps, previous, need_intro=True):
                out.append(Steps(steps, run[0][0], run[-1][2]))
        run, previous = [], line
    return out


def _marked_paragraphs(text: str) -> list[Steps]:
    """Step markers of one kind inside one paragraph (第一步…第二步…, ①…②…, 首先…然后…最后): each step runs to
    the next marker; the last one to the end of its sentence."""
    out: list[Steps] = []
    for para in re.finditer(r"[^\n]+", text):
        body = para.group(0)
        for marker in _STEP_MARKERS:
            hits = [m for m in marker.finditer(body) if not _inside_quotes(body, m.start())]
            if len(hits) < 2:
                continue
            last_end = body.find("。", hits[-1].end())
            stops = [m.start() for m in hits[1:]] + [last_end if last_end >= 0 else len(body)]
            steps = [_strip(body[m.end() : stop]) for m, stop in zip(hits, stops, strict=True)]
            if any(len(s) < 2 for s in steps):
                continue
            if marker is _STEP_MARKERS[2] and not hits[0].group(0).startswith("首先"):
                continue  # 然后 … 最后 without 首先 is narration, not a numbered sequence
            intro = body[: hits[0].start()][-60:]
            if _about_algorithm(steps, intro):
                out.append(Steps(steps, para.start() + hits[0].start(), para.start() + stops[-1]))
            break
    return out


def _inside_quotes(text: str, at: int) -> bool:
    before = text[:at]
    return any(before.count(a) > before.count(b) for a, b in ("“”", "「」", "《》", "（）", "()"))


def _arrow_chains(text: str) -> list[Steps]:
    """A → B → C (three items at least, outside quotes and brackets: a UI path 「我的→设置」 is no pipeline)."""
    out: list[Steps] = []
    for line in re.finditer(r"[^\n。；;]+", text):
        body = line.group(0)
        arrows = [m for m in _ARROW.finditer(body) if not _inside_quotes(body, m.start())]
        if len(arrows) < 2:
            continue
        first = arrows[0].start()
        label = max(body.rfind("：", 0, first), body.rfind(":", 0, first), body.rfind("，", 0, first))
        chain = body[label + 1 : _chain_end(body, arrows[-1].end())]
        steps = [_strip(s) for s in _ARROW.split(chain)]
        if len(steps) >= 3 and all(len(s) >= 2 for s in steps) and _about_algorithm(steps, body[: label + 1]):
            start = line.start() + label + 1
            out.append(Steps(steps, start, start + len(chain)))
    return out


def _chain_end(body: str, after_last: int) -> int:
    stop = _CLAUSE.search(body, after_last)
    return stop.start() if stop else len(body)


def _adverb_sequences(text: str) -> list[Steps]:
    """先 … 再/然后/最后 … in one sentence: each marker opens a step at a clause boundary; inside a step, each
    comma clause is a step of its own unless it only sets up the next (…后，…; 根据…，…)."""
    out: list[Steps] = []
    for sentence in re.finditer(r"[^。！？!?\n]+", text):
        body = sentence.group(0)
        first = next((m for m in _FIRST.finditer(body) if not _inside_quotes(body, m.start())), None)
        if not first:
            continue
        thens = [m for m in _THEN.finditer(body, first.end()) if _at_clause_start(body, m.start())]
        if not thens:
            continue
        bounds = [first.end()] + [m.start() for m in thens] + [len(body)]
        steps: list[str] = []
        for a, b in zip(bounds, bounds[1:], strict=False):
            steps += _clause_steps(body[a:b])
        if len(steps) >= 2 and _about_algorithm(steps, body[: first.start()]):
            out.append(Steps(steps, sentence.start() + first.start(), sentence.end()))
    return out


def _at_clause_start(body: str, at: int) -> bool:
    """A marker after a comma, or after a short subject right after a comma (，系统再…, ，再由…)."""
    comma = max(body.rfind("，", 0, at), body.rfind(",", 0, at))
    return comma >= 0 and at - comma <= 5


def _clause_steps(span: str) -> list[str]:
    steps: list[str] = []
    pending = ""
    for clause in _split_clauses(span):
        core = _strip(clause)
        if pending:
            core, pending = f"{pending}，{core}", ""
        if _SUBORDINATE.search(core) or (_PREPOSITION.match(core) and "，" not in core):
            pending = core  # it only sets up the next clause
        elif len(core) >= 2:
            steps.append(core)
    if pending:
        steps.append(pending)
    return steps


def _split_clauses(span: str) -> list[str]:
    """Comma clauses; a comma inside brackets or quotes does not end one."""
    out, start = [], 0
    for m in _CLAUSE.finditer(span):
        if not _inside_quotes(span, m.start()):
            out.append(span[start : m.start()])
            start = m.end()
    out.append(span[start:])
    return [c for c in out if c.strip()]


_READERS: tuple[Callable[[str], list[Steps]], ...] = (_numbered_lines, _marked_paragraphs, _arrow_chains)


def pipeline(text: str) -> Steps | None:
    """The algorithm's steps: the earliest explicit sequence (numbered lines, marked steps, arrows); failing
    that, the earliest 先…再… sentence."""
    explicit = sorted((s for reader in _READERS for s in reader(text)), key=lambda s: s.start)
    if explicit:
        return explicit[0]
    implicit = _adverb_sequences(text)
    return implicit[0] if implicit else None


def principle(text: str) -> tuple[str, int, int] | None:
    """A stated principle (该算法的基本原理是…, 核心思路：…): the rest of its sentence."""
    for m in _PRINCIPLE.finditer(text):
        end = next((e.start() for e in re.finditer(r"[。！？!?\n]", text[m.end() :])), len(text) - m.end())
        value = text[m.end() : m.end() + end].strip()
        if len(value) >= 8:
            return value, m.end(), m.end() + end
    return None
