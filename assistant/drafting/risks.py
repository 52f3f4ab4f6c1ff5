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
    pipeline: str | None = None
    training: str | None = None
    audience: str | None = None

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
            not self.pipeline or bool(re.search(self.pipeline, view.pipeline)),
            not self.training or bool(re.search(self.training, view.training)),
            not self.audience or bool(re.search(self.audience, view.audience)),
            not self.provenance or any(m.provenance in self.provenance for m in facts.models),
            all(present_values(view.data, path) for path in self.facts),
        ]
        tests += [getattr(self, key) is None or getattr(self, key) == flag for key, flag in flags.items()]
        return all(tests)


class Clause(BaseModel):
    """One clause of a risk's text and the conditions (any of) under which this product gets it; an `otherwise`
    clause is said only when none of the field's conditional clauses applies to the product."""

    text: str
    when: list[Condition] = []
    otherwise: bool = False


Phrasing = str | list[str | Clause]


class Risk(BaseModel):
    id: str
    name: str
    category: str
    when: list[Condition] = []
    arises: Phrasing
    flow: str = ""
    harmed: Phrasing
    article: RiskArticle
    controls: list[str]
    residual: Phrasing
    backstop: list[str] = []
    monitor: Phrasing = ""
    incident: Phrasing = ""
    violation: Phrasing = ""

    def applies(self, facts: Facts, view: ProductView) -> bool:
        return not self.when or any(c.holds(facts, view) for c in self.when)

    def phrasings(self, field: str) -> list[str]:
        """Every clause a text field can say, whatever the product."""
        value = getattr(self, field)
        if isinstance(value, str):
            return [value] if value else []
        return [item if isinstance(item, str) else item.text for item in value]

    def clauses(self, field: str, facts: Facts, view: ProductView | None = None) -> list[str]:
        """The clauses of a text field (arises, harmed, monitor, incident, residual) that hold for this product."""
        return select_clauses(getattr(self, field), facts, view)


def select_clauses(value: Phrasing, facts: Facts, view: ProductView | None = None) -> list[str]:
    """The clauses of a phrasing that hold for this product: every unconditional clause, each conditional one
    whose condition holds, and the `otherwise` clauses only when no conditional clause holds."""
    if isinstance(value, str):
        return [value] if value else []
    view = view or ProductView(facts, load_register().derived)
    clauses = [Clause(text=item) if isinstance(item, str) else item for item in value]
    held = [not c.otherwise and (not c.when or any(w.holds(facts, view) for w in c.when)) for c in clauses]
    conditional = any(h and c.when for c, h in zip(clauses, held, strict=True))
    return [c.text for c, h in zip(clauses, held, strict=True) if h or (c.otherwise and not conditional)]


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
        self.audience = product.audience or ""
        self.pipeline = " ".join(s for s in algorithm.pipeline or [] if isinstance(s, str))
        training = [algorithm.training_data, *(m.training_data for m in facts.models)]
        self.training = " ".join(s for s in training if isinstance(s, str))
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


SYSTEMS_FILE = SPEC_DIR / "systems.yaml"


class Scope(BaseModel):
    """What a system or monitoring area covers in a product: `lead` then the clauses that hold for it."""

    lead: str
    scope: Phrasing = []
    categories: list[int] = []


class NamedScope(Scope):
    match: str


class SystemsBook(BaseModel):
    """assistant/spec/systems.yaml: what 制度建设's systems cover, as clauses chosen by the product's facts."""

    reassessment: Phrasing
    monitoring: dict[str, Scope]
    systems: list[NamedScope]


@lru_cache(maxsize=1)
def load_systems(path: Path = SYSTEMS_FILE) -> SystemsBook:
    return SystemsBook.model_validate(load_yaml(path.read_text(encoding="utf-8")))
