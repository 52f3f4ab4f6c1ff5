"""One extracted value with where it came from, and writing values into a facts mapping by key path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Origin = Literal["rule", "model"]
_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass
class Found:
    path: str  # concrete key path: product.forms, algorithm.models[1].algorithm_filing_number
    value: Any
    start: int  # span of the evidence in the description (absolute offsets)
    end: int
    sentence: str  # the source sentence, shown beside the value
    origin: Origin = "rule"
    uncertain: bool = False
    note: str = ""

    def as_source(self) -> dict[str, Any]:
        return {
            "sentence": self.sentence,
            "start": self.start,
            "end": self.end,
            "origin": self.origin,
            "status": "uncertain" if self.uncertain else "found",
            **({"note": self.note} if self.note else {}),
        }


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Write `value` at `path`, creating mappings and padding lists with empty mappings as needed."""
    tokens = [(key, int(index) if index else None) for key, index in _TOKEN.findall(path)]
    current: Any = data
    for position, (key, index) in enumerate(tokens):
        last = position == len(tokens) - 1
        if key:
            if last:
                current[key] = value
                return
            following_is_index = tokens[position + 1][1] is not None
            current = current.setdefault(key, [] if following_is_index else {})
        else:
            assert index is not None
            while len(current) <= index:
                current.append({})
            if last:
                current[index] = value
                return
            current = current[index]
