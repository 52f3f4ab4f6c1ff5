"""Placement checks of model values: a grounded value is only 找到 when it is the fact of its field — it has
the field's form, its source sentence is about the field, and it is not the same text the model put into an
unrelated field. The checks are data (spec/extraction.yaml `placement`), keyed by the facts schema paths;
a field without declared cues uses the words of its facts label."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant import factpath
from assistant.drafting.extraction import rules as rules_mod
from assistant.drafting.extraction.record import Found
from assistant.facts import label_for
from assistant.textnorm import normalize

FOUND, UNCERTAIN, DROP = "found", "uncertain", "drop"
MISPLACED = "出处句子没有写到“{}”，可能放错了字段，请核对"
# Formats whose patterns are the rules' own regular expressions (one definition of a date, a phone …).
_RULE_FORMATS: dict[str, tuple[re.Pattern[str], ...]] = {
    "date": (rules_mod.DATE_RE, re.compile(r"^\d{4}-\d{2}-\d{2}$|^未上线$")),
    "duration": (rules_mod.RETENTION_RE,),
    "deadline": (rules_mod.DEADLINE_RE,),
    "phone": (rules_mod.PHONE_RE,),
    "contact": (rules_mod.PHONE_RE, rules_mod.EMAIL_RE, rules_mod.URL_RE, re.compile("[「『“].+[」』”]")),
}


@dataclass(frozen=True)
class Verdict:
    status: str  # FOUND | UNCERTAIN | DROP
    note: str = ""


@lru_cache(maxsize=1)
def _config() -> dict[str, Any]:
    return rules_mod.keyword_rules()["placement"]


def _longest_key(table: dict[str, Any], path: str) -> Any:
    """The entry of the longest key that is `path` or a dotted prefix of it."""
    keys = [k for k in table if path == k or path.startswith(k + ".")]
    return table[max(keys, key=len)] if keys else None


def schema_path(path: str) -> str:
    return factpath.schema_path(path)


def format_of(path: str) -> str | None:
    return _config()["formats"].get(schema_path(path))


def has_form(path: str, value: str) -> bool:
    """Whether `value` has the form its field requires (True for a field without a declared form)."""
    kind = format_of(path)
    if kind is None:
        return True
    patterns = _RULE_FORMATS.get(kind) or (re.compile(_config()["format_patterns"][kind]),)
    return any(p.search(value) for p in patterns)


@lru_cache(maxsize=256)
def cues(path: str) -> tuple[re.Pattern[str], ...]:
    """The patterns a source sentence must all match to be about the field at schema path `path`: the
    declared ones, else the two-character pieces of the field's label once its generic words are removed."""
    declared = _longest_key(_config()["cues"], path)
    if declared:
        return tuple(re.compile(p) for p in (declared if isinstance(declared, list) else [declared]))
    words = re.sub(_config()["label_stopwords"], "|", label_for(path))
    pieces = {w[i : i + 2] for w in re.findall(r"[\u4e00-\u9fff]{2,}", words) for i in range(len(w) - 1)}
    return (re.compile("|".join(sorted(pieces))),) if pieces else ()


def about_field(path: str, sentence: str) -> bool:
    return all(p.search(sentence) for p in cues(schema_path(path)))


def check(path: str, value: str, sentence: str) -> Verdict:
    """The verdict on one grounded model value of the field at `path` (concrete or schema path)."""
    if not has_form(path, value):
        return Verdict(DROP, "不符合该字段的格式")
    if not about_field(path, sentence):
        return Verdict(UNCERTAIN, MISPLACED.format(label_for(path)))
    return Verdict(FOUND)


def _key(value: Any) -> str:
    return normalize("".join(map(str, value)) if isinstance(value, list) else str(value)).lower()


def _related(a: str, b: str) -> bool:
    """Two fields of the same object (one list item, one block) may share a phrase; others may not."""
    return factpath.parent(a) == factpath.parent(b)


def mark_reuse(sources: dict[str, Found]) -> list[str]:
    """A text the model gave for several unrelated fields (or a model value that is a value the rules
    placed in another field) is the fact of at most one of them: every such model value becomes 存疑.
    Returns the paths marked."""
    by_text: dict[str, list[str]] = {}
    for path, found in sources.items():
        if not isinstance(found.value, bool) and len(_key(found.value)) >= 2:
            by_text.setdefault(_key(found.value), []).append(path)
    marked = []
    for paths in by_text.values():
        if len(paths) < 2:
            continue
        for path in paths:
            found = sources[path]
            others = [p for p in paths if p != path and not _related(p, path)]
            if found.origin == "model" and others:
                found.uncertain = True
                shown = "、".join(label_for(p) for p in others[:3])
                found.note = f"同一段文字也被填入了“{shown}”，只可能是其中一项的内容，请核对"
                marked.append(path)
    return marked
