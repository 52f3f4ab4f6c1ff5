"""Grounded answers (issue 20): the deterministic layer picks the points a model answer must keep, the model
only composes them, and a post-check restores what it dropped.

Points are the units of the extractive answer: sentences of the retrieved articles, the cited sentences of
the matched notes' 法规规定 sections (plain words plus 《法规》第X条), and the bullets of the notes' practice
sections; each carries its citation. The points closest in meaning to the question go to the model, grouped
under 法规规定 and 实务做法 and numbered, each ending in its citation; the model answers the question and
keeps the citations (point numbers it writes, [2], become the points' citations). Post-check: echoed prompt
lines go, a practice point labelled as a rule is relabelled, and a point survives only when one line of the
answer carries its citation and most of its content words (those the question does not already contain);
a point that does not survive is restored from the notes and articles under 依据要点, still cited. A time
limit or amount the model writes (十个工作日, 6 个月, 10 万元) that no selected point states is marked in place:
a small model readily swaps the review period for the filing deadline."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from assistant.corpus.citations import CitationStatus, verify_text
from assistant.numerals import cn_to_int
from assistant.runtime import Runtime
from assistant.textnorm import segmenter

MAX_RULES = 4
MAX_PRACTICE = 8
SECTION_SPREAD = 0.03  # how much less close than its section's best sentence a sentence counts
NOTE_BONUS = 0.02
POINT_MARGIN = 0.05  # points much further in meaning from the question than the best one are left out
SURVIVES = 0.5  # share of a point's content words an answer must contain for the point to count as kept
MIN_POINT_CHARS = 6
MARKER_RE = re.compile(r"[\[［【〔]\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*[\]］】〕]")
SENTENCE_RE = re.compile(r"[^。；\n]+[。；]?")
ITEM_RE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
LEAD_RE = re.compile(r"^以下(是|清单|为)")  # "以下是实务经验……" introduces a list, it is not a point
ECHOES = frozenset({"问题", "要点", "要点（每条末尾括号里是出处）", "法规条文", "实务笔记"})
_ECHOES = frozenset(unicodedata.normalize("NFKC", e).lower() for e in ECHOES)
RULE_LABEL_RE = re.compile(r"法规规定|法律法规|法规要求")
ARTICLE_REF_RE = re.compile(r"《[^》]+》\s*第[零一二三四五六七八九十百\d]+条")
# a time limit, period or amount: digits or Chinese numerals with their unit (not 第十条, not a date)
QUANTITY_RE = re.compile(
    r"(?<![\d零一二三四五六七八九十百千两])(?P<num>\d+(?:\.\d+)?|[零一二三四五六七八九十百千两]+)\s*"
    r"(?P<unit>个工作日|工作日|个月|小时|日|天|周|年|万元|元|%|％)"
)
_UNIT_FORMS = {"个工作日": "工作日", "个月": "月", "天": "日", "％": "%"}
UNSUPPORTED = "【该数字未见于所列依据，请以原文为准】"
RESTORED = "依据要点（回答中没有写到的要点，按原文补全；与上文不一致时以原文为准）："
_STOP_WORDS = frozenset(
    [
        "应当",
        "以及",
        "或者",
        "进行",
        "提供",
        "相关",
        "需要",
        "可以",
        "其他",
        "有关",
        "按照",
        "依法",
        "通过",
        "包括",
        "一般",
        "通常",
        "如果",
        "不得",
        "我们",
        "你们",
        "他们",
        "这个",
        "那个",
        "什么",
        "哪些",
        "怎么",
        "是否",
        "已经",
        "还是",
        "以下",
        "以上",
        "并且",
    ]
)


@dataclass
class Point:
    kind: str  # "regulation" (法规规定) or "practice" (实务做法)
    text: str
    citation: dict[str, Any]
    note: str = ""  # the practice note the point comes from (its rule sentences included)
    similarity: float = 0.0
    terms: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        c = self.citation
        return f"《{c['title']}》{c['article']}" if self.kind == "regulation" else f"〔实务：{c['title']}〕"

    @property
    def group(self) -> tuple[str, str]:
        """The section (or article) the point comes from."""
        return self.ref, str(self.citation.get("heading", ""))

    @property
    def label(self) -> str:
        return "法规规定" if self.kind == "regulation" else "实务做法"


# --- selection -------------------------------------------------------------------------------------------


def candidates(
    articles: list[dict[str, Any]], rules: list[tuple[str, str]], notes: list[dict[str, Any]], rt: Runtime
) -> list[Point]:
    """Every point the evidence offers: the notes' rule sentences (`rules`: note id and section text, each
    sentence cited by its article), article sentences and the bullets of practice-note sections."""
    points: list[Point] = []
    for note_id, text in rules:
        points += _rule_points(note_id, text, rt)
    for article in articles:
        points += [Point("regulation", s, article) for s in _sentences(article["text"])]
    for note in notes:
        points += [Point("practice", b, note, note.get("note", "")) for b in _bullets(note["text"])]
    unique: dict[tuple[str, str], Point] = {}
    for point in points:
        unique.setdefault((point.ref, point.text), point)
    return list(unique.values())


def select(question: str, points: list[Point], rt: Runtime, note: str = "") -> list[Point]:
    """The points closest in meaning to the question: at most MAX_RULES rule points and MAX_PRACTICE practice
    points, within POINT_MARGIN of the best. Points of `note` (the note the retriever ranked first for the
    question, which reads titles and topics too) count NOTE_BONUS closer. Rules before practice, each kind
    in the order the evidence gave them."""
    if not points:
        return []
    similarities = rt.retriever.similarities(question, [p.text for p in points])
    groups: dict[tuple[str, str], float] = {}
    for point, similarity in zip(points, similarities, strict=True):
        point.similarity = similarity + (NOTE_BONUS if note and point.note == note else 0.0)
        groups[point.group] = max(groups.get(point.group, 0.0), point.similarity)
    for point in points:  # a list's items stand together: a sentence is as close as its section, nearly
        point.similarity = max(point.similarity, groups[point.group] - SECTION_SPREAD)
    best = max(p.similarity for p in points)
    chosen: set[int] = set()
    for kind, limit in (("regulation", MAX_RULES), ("practice", MAX_PRACTICE)):
        ranked = sorted((p for p in points if p.kind == kind), key=lambda p: -p.similarity)
        chosen |= {id(p) for p in ranked[:limit] if p.similarity >= best - POINT_MARGIN}
    kept = [p for p in points if id(p) in chosen]
    asked = set(content_words(question))
    for point in kept:
        point.terms = [t for t in content_words(point.text) if t not in asked]
    return sorted(kept, key=lambda p: p.kind != "regulation")


def _sentences(text: str) -> list[str]:
    """An article's paragraphs (enumerated items stay with the sentence that introduces them), in sentences."""
    paragraphs: list[tuple[str, bool]] = []  # text, whether it lists items
    for line in (s.strip() for s in text.splitlines()):
        if line and paragraphs and (ITEM_RE.match(line) or paragraphs[-1][0].endswith("：")):
            paragraphs[-1] = (paragraphs[-1][0] + line, True)
        elif line:
            paragraphs.append((line, False))
    sentences = []
    for paragraph, listing in paragraphs:
        parts = [paragraph] if listing else SENTENCE_RE.findall(paragraph)
        sentences += [s.strip() for s in parts if len(s.strip()) >= MIN_POINT_CHARS]
    return sentences


def _bullets(text: str) -> list[str]:
    """The bullets of a note section (continuation lines joined); a section without bullets is one point."""
    bullets: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or LEAD_RE.match(stripped):
            continue
        if stripped.startswith(("- ", "* ")):
            bullets.append(stripped[2:].strip())
        elif bullets and line.startswith(" "):
            bullets[-1] += stripped
        else:
            bullets.append(stripped)
    return [b for b in bullets if len(b) >= MIN_POINT_CHARS]


def _rule_points(note: str, text: str, rt: Runtime) -> list[Point]:
    """A note's 法规规定 sentences, each cited by the article it names (only articles that verify)."""
    points = []
    for line in (s.strip() for s in text.splitlines()):
        for result in verify_text(line, rt.registry) if line else []:
            if result.status == CitationStatus.OK and result.resolved_title and result.citation.article:
                article = rt.registry.get(result.resolved_title, article_number(result.citation.article))
                if article:
                    citation = article_citation(article.regulation, article.label, article.text)
                    points.append(Point("regulation", line, citation, note))
                break
    return points


def article_citation(title: str, article: str, text: str) -> dict[str, Any]:
    return {"source": "regulation", "title": title, "article": article, "text": text}


def article_number(label: str) -> int:
    return cn_to_int(re.sub(r"^第|条$", "", label))


# --- prompt and post-check ----------------------------------------------------------------------------------


def points_block(points: list[Point]) -> str:
    """Numbered points for the prompt, rules and practice under their headings, each ending in its citation."""
    lines: list[str] = []
    for number, point in enumerate(points, 1):
        heading = "法规规定：" if point.kind == "regulation" else "实务做法（实务经验，不是法规条文）："
        if heading not in lines:
            lines.append(heading)
        lines.append(f"[{number}] {point.text.rstrip('。；')}（{point.ref}）")
    return "\n".join(lines)


def expand_markers(text: str, points: list[Point]) -> tuple[str, set[int]]:
    """Replace the point numbers the model wrote ([2], 【1、3】) by the points' citations (a citation the
    line already shows is not repeated); the numbers used."""
    used: set[int] = set()

    def expand(line: str) -> str:
        def replace(match: re.Match[str]) -> str:
            numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
            if not all(1 <= n <= len(points) for n in numbers):
                return match.group(0)
            used.update(numbers)
            before = line[: match.start()]
            refs = [r for r in dict.fromkeys(points[n - 1].ref for n in numbers) if r not in before]
            return "（" + "；".join(refs) + "）" if refs else ""

        return MARKER_RE.sub(replace, line)

    return "\n".join(expand(line) for line in text.split("\n")), used


def survives(point: Point, text: str) -> bool:
    """Kept: one line of the answer carries the point's citation and most of its own content words (words
    spread over other sentences do not count)."""
    for line in text.split("\n"):
        if point.ref not in line:
            continue
        body = _fold(line)
        if not point.terms or sum(_fold(t) in body for t in point.terms) / len(point.terms) >= SURVIVES:
            return True
    return False


def tidy(text: str, question: str) -> str:
    """Small models echo the prompt (问题：, 要点：, the question itself) and label a practice point 法规规定:
    echoed lines are dropped, and a line labelled as a rule whose only citations are practice notes is
    relabelled 实务做法 (a practice point must never pass for a regulation)."""
    asked = _fold(question).strip()
    lines = []
    for line in text.split("\n"):
        bare = _fold(line).strip().strip("*#： :")
        if bare in _ECHOES or (asked and bare == asked):
            continue
        if RULE_LABEL_RE.search(line) and "〔实务：" in line and not ARTICLE_REF_RE.search(line):
            line = RULE_LABEL_RE.sub("实务做法", line)
        lines.append(line)
    return "\n".join(lines).strip()


def _quantities(text: str) -> list[tuple[re.Match[str], tuple[float, str]]]:
    """Each time limit or amount in the text with its (value, unit); dates (2025年9月1日) are left out."""
    found = []
    for m in QUANTITY_RE.finditer(text):
        if text[: m.start()].rstrip().endswith(("第", "年", "月")):
            continue
        num, unit = m.group("num"), _UNIT_FORMS.get(m.group("unit"), m.group("unit"))
        try:
            value = float(num) if num[0].isdigit() else float(cn_to_int(num.replace("两", "二")))
        except ValueError:
            continue
        if not (unit == "年" and value >= 100):
            found.append((m, (value, unit)))
    return found


def mark_unsupported_quantities(text: str, points: list[Point]) -> tuple[str, list[str]]:
    """Mark, in the model's text, each time limit or amount that none of the selected points states."""
    stated = {q for p in points for _, q in _quantities(p.text)}
    unsupported = [m for m, q in _quantities(text) if q not in stated]
    for m in reversed(unsupported):
        text = text[: m.end()] + UNSUPPORTED + text[m.end() :]
    return text, [m.group(0) for m in unsupported]


def restore(text: str, points: list[Point]) -> tuple[str, list[Point]]:
    """Append the points the answer lost under 依据要点, each with its citation; the restored points."""
    lost = [p for p in points if not survives(p, text)]
    if not lost:
        return text, []
    lines = [f"{i}. 【{p.label}】{p.text.rstrip('。；')}（{p.ref}）" for i, p in enumerate(lost, 1)]
    return text.rstrip() + "\n\n" + RESTORED + "\n" + "\n".join(lines), lost


def content_words(text: str) -> list[str]:
    """Words that carry a sentence's content: two characters or more, not function words, each once."""
    words = (w.strip() for w in segmenter().lcut(_fold(text)))
    return list(dict.fromkeys(w for w in words if len(w) >= 2 and w not in _STOP_WORDS and _wordlike(w)))


def _wordlike(word: str) -> bool:
    return any(ch.isalnum() for ch in word)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()
