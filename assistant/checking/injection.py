"""Prompt-injection screening for descriptions, facts fields and imported filings.

Instruction-like sentences are detected, reported, and removed from the text that drafting sees, so an
injected claim can neither steer the model nor be copied into a draft by the template provider."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from assistant import factpath

_DOC = (
    r"(草稿|文档|报告|材料|备案材料|申报材料|回答|答复|正文|全文|每一节|每个章节|所有章节|各章节|各节|每段)"
)
_WRITE = r"(写明|写上|写入|写进|声明|注明|加入|加上|添加|插入|提一句|提到|提及|表明|强调|说明)"
_DIRECTIVE = r"(请|务必|必须|须|需要|要|麻烦|顺带|顺便|记得|一定|一律|都要|都须)"

PATTERNS = [
    r"忽略|无视|不要理会|不必遵守|跳过",
    r"(以上|之前|前面|上述|先前|所有)(的)?(所有)?(指令|指示|要求|规则|提示|设定)",
    r"(在|于)(草稿|文档|报告|材料|回答|输出|备案材料|正文)(中|里)?(写明|声明|注明|加入|写上|说明|添加|表明)",
    r"(^|[，,。：:！!；;\s“\"（(])(你|您)(现在|从现在起)?(是|扮演|将作为|充当)(一个|一名|一位)?",
    r"[【\[（(<]\s*(系统提示|系统消息|系统指令)|^\W*(系统提示|系统消息)\s*[:：]|提示词注入指令|新的?指令|新任务|指令更新|最高优先级|优先级最高|从现在(起|开始)[^。]{0,10}(每|所有|都)",
    r"(?i)ignore\s+(all\s+|any\s+|the\s+)?(previous|prior|above|preceding|earlier)",
    r"(?i)disregard\s+(all|any|the|previous|prior|above)",
    r"(?i)\b(you are now|act as|pretend to be|system prompt|new instructions|developer mode|from now on"
    r"|when you (draft|write|generate|answer)|do not mention this|don't mention this)\b",
    r"(?i)\b(write|state|claim|include|add|insert|mention)\b[^.。]{0,40}\b(in|into|that)\b[^.。]{0,20}\b(draft|report|document|filing|answer|output)",
    r"(?i)\b(add|write|state|mention|include|insert)\b[^.。]{0,12}\b(to|in|into)\s+(the\s+|your\s+|every\s+|each\s+)?"
    r"(draft|report|document|filing|answer|output|section)s?\b[^.。]{0,6}\bthat\b",
    r"(?i)</?(system|assistant|user|instruction)s?>|<\|im_(start|end)\|>|\[/?INST\]",
    r"(?i)^\W*(please\s+|you\s+(must|should)\s+|always\s+|in\s+(every|each|all)\s+(section|paragraph|answer|document)s?,?\s+)"
    r"(ignore|disregard|forget|state|claim|declare|assert|write|say|include|insert|mention|pretend|act as)\b",
    rf"(每一节|每个章节|所有章节|各章节|各节|每段|全文)(中|里)?(都)?(须|要|必须|应|需|需要)?{_WRITE}",
    r"请(务必|一定)?在[^。]{0,12}(写明|声明|注明|加入|写上|表明)",
    # a directive addressed to whoever writes the filing: "撰写材料时顺带提一句……" / "请在草稿中写入……"
    rf"{_DOC}[^。\n]{{0,8}}(时|中|里)[^。\n]{{0,8}}{_DIRECTIVE}[^。\n]{{0,6}}{_WRITE}",
    rf"{_DIRECTIVE}[^。\n]{{0,12}}{_WRITE}(到|进|入)?(草稿|文档|报告|备案材料|正文|每一节|每个章节|所有章节)",
    # an encoded payload with an instruction to decode it
    r"(?i)(解码|decode|base64)[^。\n]{0,40}[A-Za-z0-9+/]{16,}={0,2}",
]
_COMPILED = [re.compile(p) for p in PATTERNS]
# Any one of these alone marks an injection; the first two (a bare "忽略" or "以上的要求") only in combination.
_STRONG = _COMPILED[2:]
# zero-width and other invisible format characters used to break up trigger words
_INVISIBLE_RE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def normalise(text: str) -> str:
    """The form the screening reads: NFKC (full-width letters → ASCII), invisible characters removed."""
    return _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text))


@dataclass
class InjectionHit:
    path: str
    sentence: str


_QUOTED_RE = re.compile(r"[“\"「『]([^”\"」』]{1,300})[”\"」』]")
# words that make a quoted passage the object of the sentence: a prompt it configures, an attack it refuses
_MENTION_FRAME_RE = re.compile(r"提示词|提示语|指令|越狱|攻击|注入|话术|样本|语料|例如|比如|诸如|等")
# quoted words that speak of the filing itself are an instruction to its writer, quoted or not
_ABOUT_FILING_RE = re.compile(
    r"(?i)备案|草稿|报告|材料|章节|每一节|各节|正文|全文|审核通过|filing|draft|report"
)


def _instruction_like(sentence: str) -> bool:
    hits = sum(1 for pattern in _COMPILED if pattern.search(sentence))
    return hits >= 2 or any(p.search(sentence) for p in _STRONG)


def _mentions_instruction(sentence: str) -> bool:
    """A sentence that quotes instruction-like words as its object describes them (a generative product's
    system prompt, the jailbreak phrases it refuses): it is not itself an instruction unless the words
    outside the quotes instruct or the quoted words speak of the filing."""
    quotes = _QUOTED_RE.findall(sentence)
    if not quotes:
        return False
    outside = _QUOTED_RE.sub("", sentence)
    return (
        bool(_MENTION_FRAME_RE.search(outside))
        and not _instruction_like(outside)
        and not any(_ABOUT_FILING_RE.search(q) for q in quotes)
    )


def is_injection(sentence: str) -> bool:
    sentence = normalise(sentence)
    return _instruction_like(sentence) and not _mentions_instruction(sentence)


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[。！？!?；;\n])|(?<=\.\s)", text)
    return [p for p in parts if p]


def clean_text(text: str) -> tuple[str, list[str]]:
    kept, removed = [], []
    for sentence in _sentences(text):
        (removed if is_injection(sentence) else kept).append(sentence)
    return "".join(kept).strip() if removed else text, removed


def clean_data(data: Any, path: str = "") -> tuple[Any, list[InjectionHit]]:
    """Remove injection sentences from every string in a facts mapping; the hits name each string's path."""
    hits: list[InjectionHit] = []

    def clean(leaf_path: str, leaf: Any) -> Any:
        if not isinstance(leaf, str):
            return leaf
        text, removed = clean_text(leaf)
        hits.extend(InjectionHit(leaf_path, s.strip()) for s in removed)
        return text

    return factpath.map_leaves(data, clean, path), hits
