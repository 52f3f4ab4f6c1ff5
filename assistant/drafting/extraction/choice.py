"""The model chooses, it does not write: for a free-text field the model is shown the description as numbered
sentences and answers with the number of the sentence that states the field (or null), restricted by the
JSON schema to the candidate sentences — those carrying the field's placement cues (spec/extraction.yaml
`placement`). The value is then the description's own words (the cue-bearing clauses of that sentence), so
grounding is exact, the answer is a few tokens, and the small model only classifies.

A verification call per group asks the model, for each chosen sentence, whether it really states the
field (是/否); a 否 keeps the value but marks it 存疑 (shown for review, not pre-accepted)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant import facts as fm
from assistant.drafting.extraction import placement
from assistant.drafting.extraction.schemas import RULE_ONLY
from assistant.drafting.extraction.text import Sentence

CLAUSE_END = re.compile(r"[，,：:]")
MAX_CANDIDATES = 12  # a field whose cues match more sentences than this keeps the first ones
YES, NO = "是", "否"
DOUBTED = "模型复核认为这句话没有写明“{}”，请核对"


@dataclass(frozen=True)
class Chosen:
    """A sentence the model chose for a field, and the part of it that is the value."""

    path: str
    number: int  # 1-based sentence number
    start: int  # absolute span of the value
    end: int
    text: str


def numbered(items: list[Sentence]) -> str:
    """The description as numbered sentences, one a line: `[3] 句子`."""
    return "\n".join(f"[{i}] {s.text}" for i, s in enumerate(items, 1))


def free_text_paths(group_key: str) -> list[str]:
    """The group's scalar long free-text fields (the facts model's `long` widget: not a name, number or date;
    not inside a list; no declared form): those the model answers by choosing a sentence. Short fields (names,
    addresses) are still written by the model, under the same grounding and placement checks."""
    specs = fm.field_specs()
    out = []
    for path in _leaf_paths(fm.group_schema(group_key)):
        spec = specs.get(path)
        if spec is None or spec.widget != "long" or spec.choices or path in RULE_ONLY:
            continue
        if placement.format_of(path) is None:
            out.append(path)
    return out


def _leaf_paths(schema: dict[str, Any], path: str = "") -> list[str]:
    """Scalar leaves outside lists (key paths), in schema order."""
    if "anyOf" in schema:
        return list(dict.fromkeys(p for option in schema["anyOf"] for p in _leaf_paths(option, path)))
    if schema.get("type") == "object":
        return [
            p
            for key, sub in schema.get("properties", {}).items()
            for p in _leaf_paths(sub, f"{path}.{key}" if path else key)
        ]
    if schema.get("type") == "array":
        return []
    return [path]


def candidates(path: str, items: list[Sentence]) -> list[int]:
    """1-based numbers of the sentences about the field (its placement cues)."""
    return [i for i, s in enumerate(items, 1) if placement.about_field(path, s.text)][:MAX_CANDIDATES]


def choices_for(paths: list[str], items: list[Sentence], filled: frozenset[str]) -> dict[str, list[int]]:
    """Candidate sentence numbers per field still to fill; a field without candidates is not asked."""
    return {path: candidates(path, items) for path in paths if path not in filled}


def _clauses(sentence: Sentence) -> list[tuple[int, int]]:
    """Comma-level clauses of a sentence as absolute spans, trailing punctuation left out."""
    spans, left = [], 0
    for match in CLAUSE_END.finditer(sentence.text):
        spans.append((left, match.start()))
        left = match.end()
    spans.append((left, len(sentence.text)))
    out = []
    for a, b in spans:
        while b > a and sentence.text[b - 1] in "。！？!?；; \n":
            b -= 1
        while a < b and sentence.text[a].isspace():
            a += 1
        if b > a:
            out.append((sentence.start + a, sentence.start + b))
    return out


def value_span(path: str, sentence: Sentence) -> tuple[int, int]:
    """The part of the sentence that is the field's value: from the first to the last clause carrying the
    field's cues (the whole sentence when no single clause carries them)."""
    offset = sentence.start
    hits = [
        (a, b)
        for a, b in _clauses(sentence)
        if placement.about_field(path, sentence.text[a - offset : b - offset])
    ]
    if not hits:
        a, b = _clauses(sentence)[0][0], _clauses(sentence)[-1][1]
        return a, b
    return hits[0][0], hits[-1][1]


def chosen(path: str, number: Any, items: list[Sentence], allowed: list[int]) -> Chosen | None:
    """The model's answer for a field as a value from the description; None for null or a number that was
    not offered (a server that ignored the schema)."""
    if isinstance(number, bool) or not isinstance(number, int) or number not in allowed:
        return None
    sentence = items[number - 1]
    start, end = value_span(path, sentence)
    text = sentence.text[start - sentence.start : end - sentence.start]
    return Chosen(path, number, start, end, text)


def verify_schema(paths: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {p: {"enum": [YES, NO]} for p in paths},
        "required": paths,
        "additionalProperties": False,
    }


def verify_lines(picks: list[Chosen]) -> str:
    """One question a line: does sentence N state the field?"""
    return "\n".join(f"- {c.path}：句子 [{c.number}] 是否写明了“{fm.label_for(c.path)}”？" for c in picks)
