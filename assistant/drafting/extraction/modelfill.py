"""The model layer: one call per group, each constrained to that group's small JSON schema, all sharing the
same prompt prefix (system text and description) so llama.cpp reuses the evaluated description.

Given the description's sentences (`items`), the model chooses instead of writing for the long free-text
fields (extraction/choice.py): the description is shown as numbered sentences, those fields are answered by a
sentence number among their candidates, and one more call per run (`verify_picks`) checks the choices."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from assistant import factpath
from assistant.drafting.extraction import choice
from assistant.drafting.extraction.schemas import ENUMS, Group, group_schema, schema_keys, token_budget
from assistant.drafting.extraction.text import Sentence
from assistant.drafting.llm import LLM, CallSink, LLMError, Message, call_model
from assistant.drafting.prompts import data_block, render
from assistant.facts import label_for


@dataclass
class Progress:
    index: int  # 1-based group being worked on
    total: int
    title: str
    elapsed: float
    estimate: float | None  # seconds left, from the groups done so far


ProgressCallback = Callable[[Progress], None]


@dataclass
class GroupReply:
    group: Group
    data: Any  # the model's answer, nested from the top of the facts ({"product": {"features": [...]}})
    error: str = ""
    seconds: float = 0.0
    picks: list[choice.Chosen] = field(default_factory=list)  # sentences chosen for free-text fields
    offered: dict[str, list[int]] = field(default_factory=dict)  # candidate sentence numbers per field


def full_path(key: str) -> str:
    """A schema key (product.features[].name) as a facts key path without indices."""
    return re.sub(r"\[\]", "", key)


def _fields(
    schema: dict[str, Any],
    choices: dict[str, list[int]] | None = None,
    items: list[Sentence] | None = None,
) -> str:
    """One line per key: its label (from the facts labels) and, for an enumeration, its allowed values; a
    field answered by a sentence number is followed by its candidates, each as the words that would be
    its value."""
    lines = []
    for key in schema_keys(schema):
        path = full_path(key)
        enum = ENUMS.get(path)
        numbers = (choices or {}).get(path)
        if numbers and items is not None:
            lines.append(f"- {key}：{label_for(path)}。填下列句子中写明了它的那一句的编号：")
            lines += [f"    [{n}] {choice.snippet(path, items[n - 1])}" for n in numbers]
            continue
        extra = f"（只能是：{'、'.join(enum)}）" if enum else ""
        lines.append(f"- {key}：{label_for(path)}{extra}")
    return "\n".join(lines)


def messages_for(description: str, group: Group, schema: dict[str, Any] | None = None) -> list[Message]:
    """The group's prompt; the description comes first, so every group shares the same prefix."""
    fields = _fields(schema if schema is not None else group_schema(group))
    prompt = render("facts", description=data_block(description), group=group.title, fields=fields)
    return [Message("system", render("facts_system")), Message("user", prompt)]


def choose_messages(items: list[Sentence], task: str) -> list[Message]:
    """Numbered description first (shared by every call of a run), then the task."""
    prompt = render("facts_choose", description=data_block(choice.numbered(items)), task=task)
    return [Message("system", render("facts_system")), Message("user", prompt)]


def json_object(raw: str) -> Any:
    start, end = raw.find("{"), raw.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("输出中没有 JSON 对象")
    return json.loads(raw[start : end + 1])


def run_groups(
    description: str,
    llm: LLM,
    groups: list[Group],
    on_progress: ProgressCallback | None = None,
    sink: CallSink | None = None,
    filled: frozenset[str] = frozenset(),
    items: list[Sentence] | None = None,
    write: bool = True,
    then: str = "",
) -> Iterator[GroupReply]:
    """Ask the model for each group in turn, only for the fields not in `filled` (a group left with none is
    not asked); a group whose reply is not valid JSON is retried once, then reported and skipped (the other
    groups still run). With `items` (the description's sentences) the long free-text fields are chosen,
    not written (see `verify_picks` for checking the choices); without `write` nothing is written at all.
    Every call goes to `sink` (round `extract <group>`). `then` names one more step the caller runs
    afterwards (the verification): it is counted in the progress and announced after the last group."""
    choices = {
        g.key: choice.choices_for(choice.free_text_paths(g.key), items, filled) if items is not None else None
        for g in groups
    }
    schemas = {g.key: group_schema(g, filled, choices[g.key], write) for g in groups}
    groups = [g for g in groups if schema_keys(schemas[g.key])]
    total = len(groups) + (1 if then and groups else 0)
    began = time.monotonic()
    for index, group in enumerate(groups, 1):
        elapsed = time.monotonic() - began
        estimate = elapsed / (index - 1) * (total - index + 1) if index > 1 else None
        if on_progress:
            on_progress(Progress(index, total, group.title, elapsed, estimate))
        started = time.monotonic()
        offered = choices[group.key]
        schema: dict[str, Any] = schemas[group.key]
        if items is not None and offered is not None:
            task = render("facts_choose_task", group=group.title, fields=_fields(schema, offered, items))
            messages = choose_messages(items, task)
        else:
            messages = messages_for(description, group, schema)
        data, error = _ask(llm, messages, schema, f"extract {group.key}", sink)
        reply = GroupReply(group, data, error, offered=offered or {})
        if items is not None and offered and isinstance(data, dict):
            reply.picks = _picks(data, items, offered)
        reply.seconds = time.monotonic() - started
        yield reply
    if on_progress and total > len(groups):
        elapsed = time.monotonic() - began
        on_progress(Progress(total, total, then, elapsed, elapsed / len(groups)))
    elif on_progress:
        on_progress(Progress(total, total, "完成", time.monotonic() - began, 0.0))


def _ask(
    llm: LLM, messages: list[Message], schema: dict[str, Any], round: str, sink: CallSink | None
) -> tuple[Any, str]:
    """One constrained call (retried once on invalid JSON; plain JSON mode for a server that refuses the
    schema): (the reply object or None, error)."""
    error = ""
    for _attempt in range(2):
        try:
            raw = call_model(
                llm,
                messages,
                round=round,
                sink=sink,
                max_tokens=token_budget(schema),
                temperature=0.0,
                json_schema=schema,
            )
            reply = json_object(raw)
            return (reply if isinstance(reply, dict) else None), ""
        except (ValueError, json.JSONDecodeError) as exc:
            error = f"模型输出不是有效的 JSON：{str(exc)[:80]}"
        except LLMError as exc:
            error = str(exc)
            if "HTTP 400" in error and schema.get("properties"):
                schema = {"type": "object"}  # a server without structured output: plain JSON mode
                continue
            break
    return None, error


def _picks(data: dict[str, Any], items: list[Sentence], offered: dict[str, list[int]]) -> list[choice.Chosen]:
    """The sentences chosen for the offered fields (taken out of `data`, which keeps the written fields)."""
    picks = []
    for path, numbers in offered.items():
        number = factpath.get(data, path)
        if isinstance(number, bool) or not isinstance(number, int | None):
            continue  # written text (a server that ignored the schema): checked like any written value
        _drop(data, path)
        if (pick := choice.chosen(path, number, items, numbers)) is not None:
            picks.append(pick)
    return picks


def _drop(data: dict[str, Any], path: str) -> None:
    *parents, last = path.split(".")
    node: Any = data
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(last, None)


def verify_picks(
    llm: LLM,
    items: list[Sentence],
    picks: list[choice.Chosen],
    offered: dict[str, list[int]],
    read_by_rules: dict[str, int],
    sink: CallSink | None = None,
) -> dict[str, str]:
    """One call for all the choices of a run: for each chosen sentence, which field (among the fields chosen
    for it, its rivals and 其他) the model says it is about. Sentence key → answer; empty when the call
    failed."""
    if not picks:
        return {}
    offers = choice.options(picks, offered, read_by_rules)
    task = render("facts_verify_task", questions=choice.verify_lines(offers))
    data, _error = _ask(llm, choose_messages(items, task), choice.verify_schema(offers), "verify", sink)
    if not isinstance(data, dict):
        return {}
    return {k: str(data[k]) for k in offers if isinstance(data.get(k), str)}
