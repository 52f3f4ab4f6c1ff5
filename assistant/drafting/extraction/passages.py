"""Passages: the sentences a heading or a label governs, read as one value.

A description written with headings ("三、反作弊。", "## 客户准入") or labelled lines ("未成年人：…",
"青少年保护：…") says by the heading what the lines under it are about. When the heading names exactly one
field's topic (`topics` in spec/extraction.yaml), the passage under it is that field's value — all of its
sentences, not the first one that happens to carry a keyword (a minors passage often opens with a sentence
that only says the topic matters, and the measures follow). A heading that names two topics
("规则公示与防操纵") or none ("安全管理") places nothing: the keyword rules read its lines one by one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.drafting.extraction.text import HEADING, Sentence

# A label that opens a line: "未成年人：", "- 防止信息茧房：" (the list marker is already off the sentence);
# "人工干预只有三种情况：" is a sentence introducing its list, not a label.
# A table row's first cell is a label too ("| 关闭推荐 | …… |"), and so is a spoken topic ("派单这块，…").
_LABEL_RE = re.compile(
    r"\|\s*([\u4e00-\u9fffA-Za-z]{2,10})\s*\|\s*"
    r"|([\u4e00-\u9fffA-Za-z]{2,8}?)(?:这块|这一块|方面)?[：:]\s*"
    r"|([\u4e00-\u9fffA-Za-z]{2,6}?)(?:这块|这一块)[，,]\s*"
)


def _title(label: re.Match[str]) -> str:
    return next(g for g in label.groups() if g)


_NOT_LABEL_RE = re.compile(r"有|是|为|在|只|都|会|将|要")
_HEADING_MARKS = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、.．]|#{1,6}\s*|第[一二三四五六七八九十]{1,3}[章节部分]\s*)"
)
MAX_PASSAGE_CHARS = 300


@dataclass(frozen=True)
class Passage:
    title: str
    start: int  # the body's span (absolute offsets)
    end: int
    label: bool = False  # a line's label: its passage runs on only while the topic is still named


def _line_start(text: str, offset: int) -> bool:
    return (
        offset == 0
        or text[offset - 1] == "\n"
        or not text[text.rfind("\n", 0, offset) + 1 : offset].strip(" \t-*•·")
    )


def _heading_title(text: str, sentence: Sentence) -> str | None:
    """The title of a heading sentence: a short line of its own, or a numbered heading ending in 。
    ("三、反作弊。" opening its paragraph)."""
    body = sentence.text.rstrip("。：: ")
    if not _line_start(text, sentence.start) or re.search(r"[，,：:|]", body):
        return None
    if text[text.rfind("\n", 0, sentence.start) + 1 : sentence.start].strip():
        return None  # a bulleted line ("- 面向专业软件开发者") is a list item, not a heading
    own_line = text[sentence.end : sentence.end + 1] in ("\n", "")
    # a short line of its own that does not end as a sentence does (企业提交营业执照后开通。 is a sentence)
    plain = own_line and len(body) <= 14 and not re.search(r"[。；！？!?;]$", sentence.text)
    if HEADING.fullmatch(body) or plain:
        return _HEADING_MARKS.sub("", body).strip()
    return None


def is_heading(text: str, sentence: Sentence) -> bool:
    return _heading_title(text, sentence) is not None


_ANSWER_RE = re.compile(r"(?:问|答|Q|A)\s*[：:]\s*")


def label_end(text: str, sentence: Sentence) -> int:
    """Where a sentence's content starts after the label that opens its line ("劳动保护：", "答：")."""
    if not _line_start(text, sentence.start):
        return sentence.start
    label = _ANSWER_RE.match(sentence.text) or _LABEL_RE.match(sentence.text)
    if not label or label.end() >= len(sentence.text):
        return sentence.start
    if label.re is _LABEL_RE and _NOT_LABEL_RE.search(_title(label)):
        return sentence.start
    return sentence.start + label.end()


def is_question(sentence: Sentence) -> bool:
    """A question asks about a measure; it states none (问：不喜欢某首歌怎么办？)."""
    return sentence.text.rstrip().endswith(("？", "?")) or sentence.text.startswith(
        ("问：", "问:", "Q：", "Q:")
    )


def passages(text: str, sents: list[Sentence]) -> list[Passage]:
    """Every heading's or label's passage: for a heading, the sentences after it up to the next heading or
    blank line (a heading on its own line) or to the end of its line (a numbered heading inline); for a
    label, the rest of its line."""
    out: list[Passage] = []
    titles = [_heading_title(text, s) for s in sents]
    for i, sentence in enumerate(sents):
        if titles[i]:
            inline = text[sentence.end : sentence.end + 1] not in ("\n", "")
            stop = text.find("\n\n" if not inline else "\n", sentence.end + (0 if inline else 1))
            stop = len(text) if stop < 0 else stop
            end = sentence.end
            for later, title in zip(sents[i + 1 :], titles[i + 1 :], strict=True):
                if title or later.start >= stop:
                    break
                end = later.end
            if end > sentence.end:
                out.append(Passage(titles[i], sents[i + 1].start, end))
            continue
        label = _LABEL_RE.match(sentence.text) if _line_start(text, sentence.start) else None
        if label and label.end() < len(sentence.text) and not _NOT_LABEL_RE.search(_title(label)):
            stop = text.find("\n", sentence.start)
            stop = len(text) if stop < 0 else stop
            end = max([s.end for s in sents[i:] if s.start < stop] or [sentence.end])
            out.append(Passage(_title(label), sentence.start + label.end(), end, label=True))
    return out


def passage_value(
    text: str, sents: list[Sentence], passage: Passage, skip: re.Pattern[str], topic: re.Pattern[str]
) -> tuple[int, int]:
    """The span of a passage's value: its sentences from the first one that states something (a sentence
    matching `skip` — only saying the topic matters, or a plan — is left out at the start), up to
    MAX_PASSAGE_CHARS. A label's passage (a line often packs several topics after one label) runs on past
    its first sentence only while the sentences still name the `topic`."""
    inside = [s for s in sents if passage.start <= s.end and s.start < passage.end]
    start = passage.start
    for s in inside:
        if s.end <= start:
            continue
        if not skip.search(text[max(s.start, start) : s.end]):
            break
        start = s.end
    end = start
    for s in inside:
        if s.end <= start:
            continue
        if end > start and (
            s.end - start > MAX_PASSAGE_CHARS or (passage.label and not topic.search(s.text))
        ):
            break
        end = min(s.end, passage.end)
    while start < end and text[start] in " \t\n":
        start += 1
    return start, end
