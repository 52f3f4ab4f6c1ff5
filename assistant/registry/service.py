"""The registry services a process shares: the loaded index and the type classifier built on it (both
rebuilt when a list is imported), and the 主要用途 exemplars the drafter asks for."""

from __future__ import annotations

import threading
from typing import Any

from assistant.config import Settings, get_settings
from assistant.facts import Facts
from assistant.registry.classify import TypeClassifier, facts_text
from assistant.registry.data import registry_spec
from assistant.registry.index import RegistryIndex, get_index

_LOCK = threading.Lock()
_CLASSIFIERS: dict[int, tuple[RegistryIndex, TypeClassifier]] = {}


def get_classifier(settings: Settings | None = None, index: RegistryIndex | None = None) -> TypeClassifier:
    settings = settings or get_settings()
    index = index or get_index(settings)
    with _LOCK:
        cached = _CLASSIFIERS.get(id(index))
        if cached is None or cached[0] is not index:
            _CLASSIFIERS.clear()
            cached = (index, TypeClassifier.from_rows(settings, index.rows))
            _CLASSIFIERS[id(index)] = cached
        return cached[1]


def purpose_exemplars(facts: Facts, k: int = 3, settings: Settings | None = None) -> list[dict[str, Any]]:
    """主要用途 sentences of the published filings most similar to this algorithm (same type first), as style
    exemplars for the drafter: each with its algorithm name, type and batch. Never to be copied."""
    classifier = get_classifier(settings)
    name, description = facts_text(facts)
    if not (name or description) or not classifier.rows:
        return []
    scores = classifier.scores(f"{name}：{description}")
    family = registry_spec().type_family(facts.algorithm_type) if facts.algorithm_type else set()
    order = sorted(
        range(len(scores)), key=lambda i: (bool(family) and classifier.rows[i].type not in family, -scores[i])
    )
    seen: set[str] = set()
    exemplars: list[dict[str, Any]] = []
    for index in order:
        row = classifier.rows[index]
        if not row.purpose or row.purpose in seen:
            continue
        seen.add(row.purpose)
        exemplars.append(
            {
                "purpose": row.purpose,
                "algorithm_name": row.algorithm_name,
                "type": row.type,
                "batch": row.batch,
            }
        )
        if len(exemplars) == k:
            break
    return exemplars


def load_bundled_lists(settings: Settings) -> list[str]:
    """Bring the bundled lists (corpus/registry/) into the workspace database (`beian ingest`); one summary
    line per list imported, none when all were there already."""
    from assistant.registry.db import sync_bundled
    from assistant.registry.index import workspace_for

    reports = sync_bundled(workspace_for(settings.workspace_url), settings)
    if not reports:
        return []
    rows = sum(r.added + r.changed for r in reports)
    return [f"备案清单：载入 {len(reports)} 份随附清单（新增或更新 {rows} 行）"]
