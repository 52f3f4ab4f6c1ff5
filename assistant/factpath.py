"""Key paths into facts data (`algorithm.models[0].name`): the one place that parses, reads, writes and walks
them.

A path is dot-separated keys with list selectors in brackets:

- `[3]` one item by position;
- `[*]` every item (`expand` only);
- `[provenance=第三方API]` every mapping item whose field has that value (`expand` only).

`get` / `has` / `assign` take concrete paths (keys and positions); `expand` resolves selectors to concrete paths;
`walk` lists every leaf with its concrete path; `map_leaves` rebuilds data with each leaf transformed; `prune`
drops what is empty. Facts data is what YAML gives: dicts, lists and scalars.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

# one step of a path: a key, or a bracketed selector (position, `*`, or `field=value`)
STEP_RE = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")
# a concrete path as it appears in text (inside a 【待补充：…（path）】 marker, a finding, a URL)
PATH_PATTERN = r"[a-z_]+(?:\.[a-z_]+|\[\d+\])*"
_INDEX_RE = re.compile(r"\[[^\]]*\]")
_LAST_STEP_RE = re.compile(r"(\[[^\]]*\]|\.[^.\[\]]+)$")
EMPTY: tuple[Any, ...] = (None, "", [], {})


@dataclass(frozen=True)
class Step:
    """One parsed step: `key` for a mapping key, else a list selector (`index`, `all`, or `match`)."""

    key: str | None = None
    index: int | None = None
    all: bool = False
    match: tuple[str, str] | None = None


def parse(path: str) -> list[Step]:
    """`models[0].name` → [Step(key='models'), Step(index=0), Step(key='name')]; a selector that is not a
    position, `*` or `field=value` is a ValueError."""
    steps: list[Step] = []
    for key, selector in STEP_RE.findall(path):
        if key:
            steps.append(Step(key=key))
        elif selector == "*":
            steps.append(Step(all=True))
        elif "=" in selector:
            name, value = selector.split("=", 1)
            steps.append(Step(match=(name, value)))
        elif selector.isdigit():
            steps.append(Step(index=int(selector)))
        else:
            raise ValueError(f"键路径 {path} 中的选择器 [{selector}] 无效")
    return steps


def schema_path(path: str) -> str:
    """The path with list selectors removed: `algorithm.models[0].name` → `algorithm.models.name` (the form
    under which labels, hints and choices are declared)."""
    return _INDEX_RE.sub("", path)


def parent(path: str) -> str:
    """The path one step up (`product.forms[1]` → `product.forms`, `a.b` → `a`); "" at the top."""
    return _LAST_STEP_RE.sub("", path) if _LAST_STEP_RE.search(path) else ""


def last_key(path: str) -> str:
    """The last mapping key of a path: `product.scenarios[2]` → `scenarios`."""
    keys = [step.key for step in parse(path) if step.key]
    return keys[-1] if keys else ""


def join(prefix: str, key: str | int) -> str:
    """A child path: a key after a dot, a position in brackets."""
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def _resolve(data: Any, path: str) -> tuple[bool, Any]:
    """(whether every step of a concrete path exists, the value there)."""
    current = data
    for step in parse(path):
        if step.key is not None:
            if not isinstance(current, dict) or step.key not in current:
                return False, None
            current = current[step.key]
        elif step.index is not None:
            if not isinstance(current, list) or step.index >= len(current):
                return False, None
            current = current[step.index]
        else:
            raise ValueError(f"只接受具体键路径，{path} 含有选择器")
    return True, current


def get(data: Any, path: str) -> Any:
    """The value at a concrete path, or None when any step is absent."""
    return _resolve(data, path)[1]


def has(data: Any, path: str) -> bool:
    """Whether every step of a concrete path exists (a key holding null counts as present)."""
    return _resolve(data, path)[0]


def assign(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted path of mapping keys, creating mappings on the way. An empty value (None,
    "", []) removes the key instead, and creates nothing."""
    keys = [step.key for step in parse(path)]
    if None in keys or not keys:
        raise ValueError(f"assign 只接受由键组成的路径，实为 {path}")
    current = data
    for key in keys[:-1]:
        child = current.get(key)
        if not isinstance(child, dict):
            if value in (None, "", []):
                return
            child = {}
            current[key] = child
        current = child
    if value in (None, "", []):
        current.pop(keys[-1], None)
    else:
        current[keys[-1]] = value


def expand(data: Any, path: str) -> list[tuple[str, Any]]:
    """Resolve a path with selectors to concrete (path, value) pairs. `[*]` expands lists; `[k=v]` filters
    mapping items.

    A path whose container exists but whose leaf is absent yields (path, None), so the caller can report
    the missing fact by its concrete key path (e.g. algorithm.models[0].algorithm_filing_number)."""
    results: list[tuple[str, Any]] = [("", data)]
    for step in parse(path):
        found: list[tuple[str, Any]] = []
        for prefix, value in results:
            if step.key is not None:
                found.append(
                    (join(prefix, step.key), value.get(step.key) if isinstance(value, dict) else None)
                )
            elif not isinstance(value, list):
                if step.index is not None:
                    found.append((join(prefix, step.index), None))
            elif step.all:
                found.extend((join(prefix, i), item) for i, item in enumerate(value))
            elif step.match is not None:
                name, wanted = step.match
                found.extend(
                    (join(prefix, i), item)
                    for i, item in enumerate(value)
                    if isinstance(item, dict) and str(item.get(name)) == wanted
                )
            else:
                assert step.index is not None
                found.append(
                    (join(prefix, step.index), value[step.index] if step.index < len(value) else None)
                )
        results = found
    return results


def walk(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf (anything not a dict or list, None included) with its concrete path, in document order."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk(value, join(prefix, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk(value, join(prefix, index))
    else:
        yield prefix, data


def map_leaves(data: Any, change: Callable[[str, Any], Any], prefix: str = "") -> Any:
    """A copy of `data` with every leaf replaced by `change(path, leaf)`; structure is kept (see `prune`)."""
    if isinstance(data, dict):
        return {key: map_leaves(value, change, join(prefix, str(key))) for key, value in data.items()}
    if isinstance(data, list):
        return [map_leaves(value, change, join(prefix, index)) for index, value in enumerate(data)]
    return change(prefix, data)


def prune(data: Any, keep_items: bool = False, strip: bool = False, empty: tuple[Any, ...] = EMPTY) -> Any:
    """A copy without empty values (by default None, "", [] and {}; pruned bottom-up, so a mapping whose values
    are all empty goes too). `strip` trims strings first; `keep_items` keeps emptied mapping items of a list
    in place, so that validation still names them by their position (algorithm.models[2].name)."""
    if isinstance(data, dict):
        items = {k: prune(v, keep_items, strip, empty) for k, v in data.items()}
        return {k: v for k, v in items.items() if v not in empty}
    if isinstance(data, list):
        pruned = [prune(v, keep_items, strip, empty) for v in data]
        return [v for v in pruned if (keep_items and isinstance(v, dict)) or v not in empty]
    if strip and isinstance(data, str):
        return data.strip()
    return data
