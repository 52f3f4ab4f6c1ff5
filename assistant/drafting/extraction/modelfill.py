"""The model layer: one call per group, each constrained to that group's small JSON schema, all sharing the
same prompt prefix (system text and description) so llama.cpp reuses the evaluated description."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from assistant.drafting.extraction.schemas import ENUMS, Group, group_schema, schema_keys, token_budget
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


def full_path(key: str) -> str:
    """A schema key (product.features[].name) as a facts key path without indices."""
    return re.sub(r"\[\]", "", key)


def _fields(schema: dict[str, Any]) -> str:
    """One line per key: its label (from the facts labels) and, for an enumeration, its allowed values."""
    lines = []
    for key in schema_keys(schema):
        path = full_path(key)
        enum = ENUMS.get(path)
        choice = f"（只能是：{'、'.join(enum)}）" if enum else ""
        lines.append(f"- {key}：{label_for(path)}{choice}")
    return "\n".join(lines)


def messages_for(description: str, group: Group, schema: dict[str, Any] | None = None) -> list[Message]:
    """The group's prompt; the description comes first, so every group shares the same prefix."""
    fields = _fields(schema if schema is not None else group_schema(group))
    prompt = render("facts", description=data_block(description), group=group.title, fields=fields)
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
) -> Iterator[GroupReply]:
    """Ask the model for each group in turn, only for the fields not in `filled` (a group left with none is
    not asked); a group whose reply is not valid JSON is retried once, then reported and skipped (the other
    groups still run). Every call goes to `sink` (round `extract <group>`)."""
    schemas = {g.key: group_schema(g, filled) for g in groups}
    groups = [g for g in groups if schema_keys(schemas[g.key])]
    began = time.monotonic()
    for index, group in enumerate(groups, 1):
        elapsed = time.monotonic() - began
        estimate = elapsed / (index - 1) * (len(groups) - index + 1) if index > 1 else None
        if on_progress:
            on_progress(Progress(index, len(groups), group.title, elapsed, estimate))
        started = time.monotonic()
        schema: dict[str, Any] = schemas[group.key]
        messages = messages_for(description, group, schema)
        budget = token_budget(schema)
        error = ""
        data: Any = None
        for _attempt in range(2):
            try:
                raw = call_model(
                    llm,
                    messages,
                    round=f"extract {group.key}",
                    sink=sink,
                    max_tokens=budget,
                    temperature=0.0,
                    json_schema=schema,
                )
                reply = json_object(raw)
                data = reply if isinstance(reply, dict) else None
                error = ""
                break
            except (ValueError, json.JSONDecodeError) as exc:
                error = f"模型输出不是有效的 JSON：{str(exc)[:80]}"
            except LLMError as exc:
                error = str(exc)
                if "HTTP 400" in error and schema.get("properties"):
                    schema = {"type": "object"}  # a server without structured output: plain JSON mode
                    continue
                break
        yield GroupReply(group, data, error, time.monotonic() - started)
    if on_progress:
        on_progress(Progress(len(groups), len(groups), "完成", time.monotonic() - began, 0.0))
