"""The risk register (assistant/spec/risks.yaml): which risks apply to a product, where they arise in its
flow, the article that makes controlling them a duty, and the facts that control them."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assistant import SPEC_DIR
from assistant.facts import Facts, is_blank, type_matches
from assistant.spec import PREDICATES, missing_paths, present_values
from assistant.yamlfile import load_yaml

RISKS_FILE = SPEC_DIR / "risks.yaml"


class RiskArticle(BaseModel):
    title: str
    article: str
    quote: str

    @property
    def citation(self) -> str:
        return f"《{self.title}》{self.article}"


class Condition(BaseModel):
    """All keys must hold; see the header of risks.yaml."""

    types: list[str] = []
    roles: list[str] = []
    inputs: str | None = None
    outputs: str | None = None
    words: str | None = None
    minors: bool | None = None
    biometric: bool | None = None
    workers: bool | None = None
    pricing: bool | None = None
    public_opinion: bool | None = None
    provenance: list[str] = []
    facts: list[str] = []

    def holds(self, facts: Facts, view: ProductView) -> bool:
        flags = {
            "minors": facts.product.minors_allowed is True,
            "biometric": PREDICATES["biometric_editing"](facts),
            "workers": view.workers,
            "pricing": view.pricing,
            "public_opinion": facts.filing.public_opinion_attribute is True,
        }
        tests = [
            not self.types or type_matches(facts.algorithm_type, self.types),
            not self.roles or facts.role in self.roles,
            not self.inputs or bool(re.search(self.inputs, view.inputs)),
            not self.outputs or bool(re.search(self.outputs, view.outputs)),
            not self.words or bool(re.search(self.words, view.text)),
            not self.provenance or any(m.provenance in self.provenance for m in facts.models),
            all(present_values(view.data, path) for path in self.facts),
        ]
        tests += [getattr(self, key) is None or getattr(self, key) == flag for key, flag in flags.items()]
        return all(tests)


class Risk(BaseModel):
    id: str
    name: str
    category: str
    when: list[Condition] = []
    arises: str
    flow: str = ""
    harmed: str
    article: RiskArticle
    controls: list[str]
    residual: str
    monitor: str = ""
    incident: str = ""

    def applies(self, facts: Facts, view: ProductView) -> bool:
        return not self.when or any(c.holds(facts, view) for c in self.when)


class Register(BaseModel):
    categories: list[str]
    derived: dict[str, str]
    risks: list[Risk]


class ProductView:
    """What the conditions and slots read: the product's own words, gathered once."""

    def __init__(self, facts: Facts, derived: dict[str, str]):
        self.data = facts.as_dict()
        product, algorithm = facts.product, facts.algorithm
        features = product.features or []
        self.inputs = " ".join(f"{p.modality or ''}{p.description or ''}" for p in algorithm.inputs or [])
        self.outputs = " ".join(f"{p.modality or ''}{p.description or ''}" for p in algorithm.outputs or [])
        parts = [
            product.name,
            product.application_field,
            product.audience,
            algorithm.summary,
            facts.filing.algorithm_name,
            *(product.scenarios or []),
            *(f"{f.name or ''}{f.description or ''}" for f in features),
        ]
        self.text = " ".join(p for p in parts if p)
        dispatch = self.data.get("dispatch") or {}
        labour = ("pay", "working_hours", "rewards_penalties")  # facts only a workforce has
        self.workers = any(not is_blank(dispatch.get(k)) for k in labour) or bool(
            re.search(derived["workers"], self.text)
        )
        self.pricing = bool(re.search(derived["pricing"], self.text)) or any(
            not is_blank(self.data.get(root, {}).get(key) if isinstance(self.data.get(root), dict) else None)
            for root, key in (
                ("dispatch", "pricing_fairness"),
                ("personalization", "pricing"),
                ("safety", "pricing_fairness"),
            )
        )


@lru_cache(maxsize=1)
def load_register(path: Path = RISKS_FILE) -> Register:
    register = Register.model_validate(load_yaml(path.read_text(encoding="utf-8")))
    unknown = [r.id for r in register.risks if r.category not in register.categories]
    if unknown:
        raise ValueError(f"风险库中的风险类别不在八类之内：{unknown}")
    return register


def applicable_risks(facts: Facts, register: Register | None = None) -> list[Risk]:
    """The register's risks that apply to this product, in the order of the eight categories."""
    register = register or load_register()
    view = ProductView(facts, register.derived)
    found = [r for r in register.risks if r.applies(facts, view)]
    order = {c: i for i, c in enumerate(register.categories)}
    return sorted(found, key=lambda r: order[r.category])


def flow_steps(facts: Facts, risk: Risk, limit: int = 2) -> list[tuple[int, str]]:
    """(step number, step text) of the pipeline steps where the risk arises (the register's `flow` words)."""
    if not risk.flow:
        return []
    steps = [s for s in facts.algorithm.pipeline or [] if isinstance(s, str) and s.strip()]
    pattern = re.compile(risk.flow)
    return [(i + 1, s.strip()) for i, s in enumerate(steps) if pattern.search(s)][:limit]


def control_paths(data: dict[str, Any], control: str) -> tuple[list[str], str]:
    """The concrete key paths holding a control (the first alternative present), and the path a marker names
    when none is present: of the first alternative whose top-level section exists, else of the last."""
    alternatives = control.split("|")
    for alternative in alternatives:
        found = [path for path, _ in present_values(data, alternative)]
        if found:
            return found, alternative
    chosen = next(
        (a for a in alternatives if isinstance(data.get(a.split(".", 1)[0]), dict)), alternatives[-1]
    )
    missing = missing_paths(data, chosen)
    return [], missing[0] if missing else chosen
