"""The description as sentences with character offsets, and the screening of bad input."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import yaml

MAX_DESCRIPTION_CHARS = 8_000
MAX_LOCAL_DESCRIPTION_CHARS = (
    3_000  # the embedded model reads 4,096 tokens: description, instructions, answer
)
MIN_DESCRIPTION_CHARS = 20
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
_CLAUSE_END = re.compile(r"[，,、：:]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# A list item's marker at the start of a line: "- ", "• ", "1. ", "2、", "（3）", "①".
_LIST_MARKER = re.compile(r"(?:[-*•·]\s+|\d{1,2}[.、)）](?!\d)\s*|[（(]\d{1,2}[）)]\s*|[①-⑳]\s*)")
# A heading line: 三、规则公示 / ## 安全措施 / 第二部分 算法说明 — short, no clause or sentence punctuation.
HEADING = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}[、.．]|#{1,6}\s*|第[一二三四五六七八九十]{1,3}[章节部分]\s*)[^，。；,;：:！？]{1,24}"
)
FACTS_TOP_KEYS = {"filing", "entity", "product", "algorithm", "safety", "organization"}


class DescriptionError(ValueError):
    """The description cannot be extracted from; the message is Chinese and says what to do."""


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str

    def clause_at(self, offset: int) -> tuple[int, int]:
        """The comma-delimited clause of this sentence that holds `offset` (absolute)."""
        rel = offset - self.start
        left = max((m.end() for m in _CLAUSE_END.finditer(self.text, 0, rel)), default=0)
        right = next((m.start() for m in _CLAUSE_END.finditer(self.text, rel)), len(self.text))
        while right > left and self.text[right - 1] in "。！？!?；;\n ":
            right -= 1
        return self.start + left, self.start + right


def sentences(text: str) -> list[Sentence]:
    """Sentences (ending at 。！？；or a line break) with their offsets; blank ones are skipped."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        _add(out, text, start, match.end())
        start = match.end()
    _add(out, text, start, len(text))
    return out


def _add(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    if start == 0 or text[start - 1] == "\n":  # a list item's marker is not part of its sentence
        marker = _LIST_MARKER.match(text, start, end)
        start = marker.end() if marker else start
    stripped_end = end
    while stripped_end > start and text[stripped_end - 1] in " \t\r\n":
        stripped_end -= 1
    if stripped_end > start:
        out.append(Sentence(start, stripped_end, text[start:stripped_end]))


def sentence_at(items: list[Sentence], offset: int) -> Sentence:
    for sentence in items:
        if sentence.start <= offset < sentence.end:
            return sentence
    return min(items, key=lambda s: abs(s.start - offset))


def screen(text: str, limit: int = MAX_DESCRIPTION_CHARS) -> tuple[str, list[str]]:
    """The description ready for extraction and notes about it; DescriptionError when it cannot be used.
    Checked before any model is loaded, so the user never waits for a refusal."""
    if "\x00" in text or _control_share(text) > 0.05:
        raise DescriptionError("描述不是文本（含有二进制内容）：请粘贴或上传 UTF-8 文本、Markdown 文件")
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").strip()
    if not text:
        raise DescriptionError("产品描述为空：请粘贴产品的文字介绍（公司、产品、算法、安全措施等）")
    if len(text) < MIN_DESCRIPTION_CHARS:
        raise DescriptionError(
            f"产品描述过短（{len(text)} 字）：请至少写明公司、产品、算法和安全措施的基本情况"
        )
    if len(text) > limit:
        raise DescriptionError(
            f"产品描述过长（{len(text)} 字），上限为 {limit} 字：请删去与备案无关的内容，或按产品分开提取"
        )
    if _looks_like_facts_yaml(text):
        raise DescriptionError(
            "这段文字是事实文件（YAML），不是产品描述：请在「事实表单」页导入 YAML，"
            "或直接对它运行 beian check / beian draft"
        )
    notes = []
    cjk, latin = len(_CJK.findall(text)), len(_LATIN_WORD.findall(text))
    if cjk < 20 and latin > 20:
        notes.append(
            "描述主要是英文：目前只按中文描述抽取，已识别编号、电话、邮箱、网址等格式化信息，其余请补充中文描述"
        )
    elif latin > cjk / 4 and latin > 30:
        notes.append("描述中英文混杂：英文部分可能抽取不全，请核对")
    return text, notes


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for c in text if (unicodedata.category(c) == "Cc" and c not in "\n\r\t") or c == "\ufffd")
    return bad / len(text)


def _looks_like_facts_yaml(text: str) -> bool:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and len(FACTS_TOP_KEYS & {str(k) for k in data}) >= 2
