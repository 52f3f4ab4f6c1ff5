"""Prompt-injection screening for descriptions, facts fields and imported filings.

Instruction-like sentences are detected, reported, and removed from the text that drafting sees, so an
injected claim can neither steer the model nor be copied into a draft by the template provider."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

PATTERNS = [
    r"忽略|无视|不要理会|不必遵守|跳过",
    r"(以上|之前|前面|上述|先前|所有)(的)?(所有)?(指令|指示|要求|规则|提示|设定)",
    r"(在|于)(草稿|文档|报告|材料|回答|输出|备案材料|正文)(中|里)?(写明|声明|注明|加入|写上|说明|添加|表明)",
    r"(你|您)(现在)?(是|扮演|将作为)(一个|一名)?",
    r"系统提示|提示词注入|新的指令|最高优先级",
    r"(?i)ignore\s+(all\s+|any\s+|the\s+)?(previous|prior|above|preceding|earlier)",
    r"(?i)disregard\s+(all|any|the|previous|prior|above)",
    r"(?i)\b(you are now|act as|pretend to be|system prompt|new instructions|developer mode)\b",
    r"(?i)\b(write|state|claim|include|add|insert|mention)\b[^.。]{0,40}\b(in|into|that)\b[^.。]{0,20}\b(draft|report|document|filing|answer|output)",
    r"(?i)</?(system|assistant|user|instruction)s?>|<\|im_(start|end)\|>",
    r"(?i)^\W*(please\s+|you\s+(must|should)\s+|always\s+|in\s+(every|each|all)\s+(section|paragraph|answer|document)s?,?\s+)"
    r"(ignore|disregard|forget|state|claim|declare|assert|write|say|include|insert|mention|pretend|act as)\b",
    r"(每一节|每个章节|所有章节|每段|全文)(中|里)?(都)?(写明|声明|注明|说明|加入|写上|表明)",
    r"请(务必|一定)?在[^。]{0,12}(写明|声明|注明|加入|写上|表明)",
]
_COMPILED = [re.compile(p) for p in PATTERNS]
# Any one of these alone marks an injection; the first two (a bare "忽略" or "以上的要求") only in combination.
_STRONG = _COMPILED[2:]


@dataclass
class InjectionHit:
    path: str
    sentence: str


def is_injection(sentence: str) -> bool:
    hits = sum(1 for pattern in _COMPILED if pattern.search(sentence))
    return hits >= 2 or any(p.search(sentence) for p in _STRONG)


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[。！？!?；;\n])|(?<=\.\s)", text)
    return [p for p in parts if p]


def clean_text(text: str) -> tuple[str, list[str]]:
    kept, removed = [], []
    for sentence in _sentences(text):
        (removed if is_injection(sentence) else kept).append(sentence)
    return "".join(kept).strip() if removed else text, removed


def clean_data(data: Any, path: str = "") -> tuple[Any, list[InjectionHit]]:
    """Recursively remove injection sentences from every string in a facts mapping."""
    if isinstance(data, dict):
        hits: list[InjectionHit] = []
        cleaned = {}
        for key, value in data.items():
            cleaned[key], found = clean_data(value, f"{path}.{key}" if path else str(key))
            hits += found
        return cleaned, hits
    if isinstance(data, list):
        hits, cleaned_list = [], []
        for index, value in enumerate(data):
            item, found = clean_data(value, f"{path}[{index}]")
            cleaned_list.append(item)
            hits += found
        return cleaned_list, hits
    if isinstance(data, str):
        text, removed = clean_text(data)
        return text, [InjectionHit(path, s.strip()) for s in removed]
    return data, []
