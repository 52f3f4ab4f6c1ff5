"""The model chooses, it does not write: for a free-text field the model is shown the description as numbered
sentences and answers with the number of the sentence that states the field (or null), restricted by the
JSON schema to the candidate sentences — those carrying the field's placement cues (spec/extraction.yaml
`placement`). The value is then the description's own words (the cue-bearing clauses of that sentence), so
grounding is exact, the answer is a few tokens, and the small model only classifies.

One verification call per run then asks the model, for each chosen sentence, what the sentence is mainly
about, among the field it was chosen for, the other fields it was a candidate of or that the rules read
from it (not those of the same block: one sentence may state several of those), and 其他. A choice the
model then puts under another field or 其他 is not kept: a closed question with rivals, not a yes/no one
(which a small model answers 是 to almost always)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant import facts as fm
from assistant.drafting.extraction import placement, rules
from assistant.drafting.extraction.schemas import RULE_ONLY
from assistant.drafting.extraction.text import Sentence

MAX_CANDIDATES = 12  # a field whose cues match more sentences than this keeps the first ones
OTHER = "其他"
REJECTED = "模型复核认为这句话写的是“{}”，不是该字段"


@dataclass(frozen=True)
class Chosen:
    """A sentence the model chose for a field, and the part of it that is the value."""

    path: str  # concrete key path the value fills
    number: int  # 1-based sentence number
    start: int  # absolute span of the value
    end: int
    text: str
    key: str  # the field as offered (schema path, or a list's root)


def numbered(items: list[Sentence]) -> str:
    """The description as numbered sentences, one a line: `[3] 句子`."""
    return "\n".join(f"[{i}] {s.text}" for i, s in enumerate(items, 1))


def free_text_paths(group_key: str) -> list[str]:
    """The group's scalar long free-text fields (the facts model's `long` widget: not a name, number or date;
    not inside a list; no declared form): those the model answers by choosing a sentence. Short fields (names,
    addresses) are left to the rules, or written by the model only in the write mode (`extract_facts(write=True)`)."""
    specs = fm.field_specs()
    out = []
    for path in _leaf_paths(fm.group_schema(group_key)):
        spec = specs.get(path)
        if spec is None or spec.widget != "long" or spec.choices or path in RULE_ONLY:
            continue
        if placement.format_of(path) is None:
            out.append(path)
    return out + [root for root in list_roots(group_key) if root not in out]


def list_roots(group_key: str) -> list[str]:
    """Lists of the group whose items are one long text keyed by a closed-vocabulary form, not by a name
    (algorithm.inputs: a modality and the input's description): a chosen sentence becomes the list's one
    item. Lists of named things (features, models, systems) are not chosen: a sentence is no name."""
    specs = fm.field_specs()
    out = []
    for root in _list_paths(fm.group_schema(group_key)):
        spec = specs.get(root)
        subs = [q for q in specs if q.startswith(root + ".") and q.count(".") == root.count(".") + 1]
        key = f"{root}.{spec.name_key}" if spec is not None else ""
        if spec is None or spec.model is None or key in subs and placement.format_of(key) is None:
            continue
        if len([q for q in subs if specs[q].widget == "long"]) == 1:
            out.append(root)
    return out


def item_field(root: str) -> str:
    """The concrete path a chosen sentence fills for a list root (its first item's long field)."""
    specs = fm.field_specs()
    long = next(q for q in specs if q.startswith(root + ".") and specs[q].widget == "long")
    return f"{root}[0].{long.rsplit('.', 1)[1]}"


def _list_paths(schema: dict[str, Any], path: str = "") -> list[str]:
    if schema.get("type") == "object":
        return [
            p
            for key, sub in schema.get("properties", {}).items()
            for p in _list_paths(sub, f"{path}.{key}" if path else key)
        ]
    return [path] if schema.get("type") == "array" else []


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
    """Candidate sentence numbers per field still to fill; a field without candidates is not asked, nor one
    made redundant by a field already found (`unless` in spec/extraction.yaml: the dispatch block's own
    pricing fairness makes the general one redundant)."""
    clauses = rules.keyword_rules()["clauses"]
    return {
        path: candidates(path, items)
        for path in paths
        if path not in filled and clauses.get(path, {}).get("unless") not in filled
    }


LEAD_END = re.compile(r"[：:]")  # 安全方面：… — a lead-in before a colon is a clause of its own


def _clauses(sentence: Sentence) -> list[tuple[int, int]]:
    """The rules' comma-delimited segments of a sentence, split again at colons, end punctuation and spaces
    left out (absolute spans)."""
    text, base = sentence.text, sentence.start
    pieces = []
    for a, b in rules.segments(sentence):
        cuts = [m.start() + base for m in LEAD_END.finditer(text, a - base, b - base)]
        starts = [a, *(c + 1 for c in cuts)]
        pieces += list(zip(starts, [*cuts, b], strict=True))
    out = []
    for a, b in pieces:
        while b > a and text[b - 1 - base] in "。！？!?；; \n":
            b -= 1
        while a < b and text[a - base].isspace():
            a += 1
        if b > a:
            out.append((a, b))
    return out


def value_span(path: str, sentence: Sentence) -> tuple[int, int]:
    """The part of the sentence that is the field's value: from the first to the last clause carrying the
    field's cues (the whole sentence when no single clause carries them)."""
    offset, clauses = sentence.start, _clauses(sentence)
    hits = [(a, b) for a, b in clauses if placement.about_field(path, sentence.text[a - offset : b - offset])]
    spans = hits or clauses
    return spans[0][0], spans[-1][1]


def snippet(path: str, sentence: Sentence, limit: int = 60) -> str:
    """The words of the sentence that would be the field's value, shortened for the prompt."""
    start, end = value_span(path, sentence)
    text = sentence.text[start - sentence.start : end - sentence.start]
    return text if len(text) <= limit else text[:limit] + "…"


def chosen(path: str, number: Any, items: list[Sentence], allowed: list[int]) -> Chosen | None:
    """The model's answer for a field as a value from the description; None for null or a number that was
    not offered (a server that ignored the schema)."""
    if isinstance(number, bool) or not isinstance(number, int) or number not in allowed:
        return None
    sentence = items[number - 1]
    key = path
    if path in fm.field_specs() and fm.field_specs()[path].many:
        path = item_field(path)
    start, end = value_span(path, sentence)
    text = sentence.text[start - sentence.start : end - sentence.start]
    return Chosen(path, number, start, end, text, key)


def _related(a: str, b: str) -> bool:
    """Fields of one block (safety.complaint.*, organization.monitoring.*, one list) may share a sentence."""
    return a.rsplit(".", 1)[0] == b.rsplit(".", 1)[0] and a.count(".") > 1


def sentence_key(number: int) -> str:
    return f"句子{number}"


def options(
    picks: list[Chosen], offered: dict[str, list[int]], read_by_rules: dict[str, int]
) -> dict[str, list[str]]:
    """The verification's question per chosen sentence (keyed by the sentence, never by the field, so the
    key gives no answer away): the labels of the fields chosen for it, of the other fields it was offered to
    and of those the rules read from it, in a fixed order (no position favours the chosen field), then 其他."""
    out: dict[str, list[str]] = {}
    for pick in picks:
        rivals = [k for k, numbers in offered.items() if pick.number in numbers]
        rivals += [p for p, number in read_by_rules.items() if number == pick.number]
        labels = {fm.label_for(placement.schema_path(k)) for k in [pick.key, *rivals]}
        key = sentence_key(pick.number)
        out[key] = sorted(labels | set(out.get(key, [])) - {OTHER}) + [OTHER]
    return out


def verify_schema(offers: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {k: {"enum": labels} for k, labels in offers.items()},
        "required": list(offers),
        "additionalProperties": False,
    }


def verify_lines(offers: dict[str, list[str]]) -> str:
    """One question a line: what is this sentence mainly about?"""
    return "\n".join(f"- {key}：这句话主要写的是：{' / '.join(labels)}" for key, labels in offers.items())


def accepted(pick: Chosen, answers: dict[str, str]) -> bool:
    """Whether the verification keeps the choice: the sentence was put under the field, or under another
    field of the same block (one sentence may state both). No answer (the call failed) rejects nothing."""
    answer = answers.get(sentence_key(pick.number))
    if answer is None or answer == fm.label_for(pick.key):
        return True
    same_block = [k for k in fm.field_specs() if fm.label_for(k) == answer and _related(k, pick.key)]
    return bool(same_block)


def answer_for(pick: Chosen, answers: dict[str, str]) -> str:
    return answers.get(sentence_key(pick.number), "")
