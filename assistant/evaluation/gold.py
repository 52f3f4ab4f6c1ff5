"""The gold set (eval/gold/<case>/): facts.yaml, optional description.md and annotations.yaml, and gold section
texts under sections/."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.facts import Facts, FactsError, load_facts
from assistant.runtime import Runtime
from assistant.yamlfile import load_yaml, yaml_error_text


class EvalError(ValueError):
    """A user-facing evaluation error (bad gold directory, unknown case, leaked gold case)."""


@dataclass
class GoldCase:
    id: str
    kind: str
    facts: Facts
    description: str
    sections: dict[str, str]  # section id → gold text
    must_mention: dict[str, list[str]]
    missing_facts: list[str]
    must_not_mention: list[str]


def load_case(directory: Path) -> GoldCase:
    try:
        facts = load_facts(directory / "facts.yaml")
        annotations = directory / "annotations.yaml"  # optional: without it, no must-mention or marker scores
        text = annotations.read_text(encoding="utf-8") if annotations.is_file() else ""
        notes = load_yaml(text) or {}
    except yaml.YAMLError as exc:
        raise EvalError(
            f"金标准案例 {directory.name}：{yaml_error_text(exc, text, 'annotations.yaml')}"
        ) from exc
    except (FactsError, OSError) as exc:
        raise EvalError(f"金标准案例 {directory.name} 无法读取：{exc}") from exc
    description = directory / "description.md"
    return GoldCase(
        id=directory.name,
        kind=str(notes.get("kind", "complete")),
        facts=facts,
        description=description.read_text(encoding="utf-8") if description.is_file() else "",
        sections={
            p.stem: p.read_text(encoding="utf-8") for p in sorted((directory / "sections").glob("*.md"))
        },
        must_mention={
            sid: list((spec or {}).get("must_mention") or [])
            for sid, spec in (notes.get("sections") or {}).items()
        },
        missing_facts=list(notes.get("missing_facts") or []),
        must_not_mention=list(notes.get("must_not_mention") or []),
    )


def load_gold(gold_dir: Path, cases: Sequence[str] | None = None) -> list[GoldCase]:
    if not gold_dir.is_dir():
        raise EvalError(f"金标准目录不存在：{gold_dir}")
    available = sorted(p.name for p in gold_dir.iterdir() if (p / "facts.yaml").is_file())
    unknown = [c for c in cases or [] if c not in available]
    if unknown:
        raise EvalError(f"未知的金标准案例：{'、'.join(unknown)}。可选：{'、'.join(available)}")
    return [load_case(gold_dir / name) for name in available if not cases or name in cases]


def check_no_leak(gold: Sequence[GoldCase], rt: Runtime) -> list[str]:
    """Gold cases must never be in corpus/filings (exemplar retrieval would hand the model the answer)."""
    leaked = sorted({c.id for c in gold} & set(rt.library.by_id))
    if leaked:
        raise EvalError(f"金标准案例出现在往期备案语料中：{'、'.join(leaked)}；请从 corpus/filings 中移除")
    return sorted(rt.library.by_id)
