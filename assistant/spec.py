"""Section specifications (assistant/spec/sections.yaml): loading, applicability and fact paths."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant import SPEC_DIR, factpath
from assistant.facts import UNKNOWN_DATE_WORDS, Facts, is_blank, type_matches
from assistant.yamlfile import load_yaml

SPEC_FILE = SPEC_DIR / "sections.yaml"

PREDICATES: dict[str, Callable[[Facts], bool]] = {
    "third_party_model": lambda f: any(m.provenance == "第三方API" for m in f.models),
    "own_model": lambda f: any(m.provenance in ("自研", "基于开源模型微调") for m in f.models),
    "minors_allowed": lambda f: f.product.minors_allowed is True,
    "change_filing": lambda f: f.filing.filing_kind == "变更备案",
    "public_opinion": lambda f: f.filing.public_opinion_attribute is True,
    "not_launched": lambda f: f.product.launch_date in UNKNOWN_DATE_WORDS,
    "biometric_editing": lambda f: f.biometric is not None or bool(_BIOMETRIC_RE.search(_feature_text(f))),
    # as the risk register derives them from the product's own words (risks.yaml `derived`)
    "workers": lambda f: _product_view(f).workers,
    "pricing": lambda f: _product_view(f).pricing,
}


def _product_view(facts: Facts) -> Any:
    from assistant.drafting.risks import ProductView, load_register  # the register reads these predicates

    return ProductView(facts, load_register().derived)


_BIOMETRIC_RE = re.compile(
    r"换脸|人脸编辑|人脸替换|面部编辑|声音克隆|音色克隆|语音克隆|声纹|人声编辑|人脸融合"
)


def _feature_text(facts: Facts) -> str:
    parts = [facts.algorithm.summary or ""]
    parts += [f"{x.name or ''}{x.description or ''}" for x in facts.product.features or []]
    return " ".join(parts)


class Applicability(BaseModel):
    roles: list[str] = []
    types: list[str] = []
    when: list[str] = []
    unless: list[str] = []

    def applies(self, facts: Facts) -> bool:
        if self.roles and facts.role not in self.roles:
            return False
        if self.types and not type_matches(facts.algorithm_type, self.types):
            return False
        if not all(PREDICATES[name](facts) for name in self.when):
            return False
        return not any(PREDICATES[name](facts) for name in self.unless)


class ArticleRef(Applicability):
    """An article a rule rests on, with `quote`: the article's own words that make it the basis (verified
    against the corpus text when the rule data is loaded, see assistant/checking/rules.py)."""

    title: str
    article: str
    quote: str = ""

    @property
    def citation(self) -> str:
        return f"《{self.title}》{self.article}"


class Element(Applicability):
    id: str
    name: str
    facts: list[str] = []
    patterns: list[str] = []
    # what the element's fact must say, in words (the patterns' meaning): a fact that does not is reported
    # as the fact's problem, "“标签”须写明{needs}"
    needs: str = ""
    check: str = "elements"
    blocking: bool = True


class RequiredSystem(Applicability):
    name: str
    match: str


class Evidence(Applicability):
    """A screenshot or attachment a section's claims need (附件清单). `each` repeats the item per output
    modality, per third-party model or per listed management system."""

    name: str
    proves: str
    each: Literal["output", "third_party_model", "system"] | None = None


class Length(BaseModel):
    min: int = 0
    max: int = 100_000


class Section(Applicability):
    id: str
    title: str
    document: str
    part: str | None = None
    mode: Literal["draft", "table", "fixed"] = "draft"
    facts: list[str] = []
    elements: list[Element] = []
    articles: list[ArticleRef] = []
    title_only: list[str] = []
    length: Length = Length()
    systems_required: list[RequiredSystem] = []
    evidence: list[Evidence] = []
    purpose_exemplars: bool = False  # the model sees published 主要用途 sentences as style exemplars

    def applicable_elements(self, facts: Facts) -> list[Element]:
        return [e for e in self.elements if e.applies(facts)]

    def applicable_articles(self, facts: Facts) -> list[ArticleRef]:
        return [a for a in self.articles if a.applies(facts)]


class Document(Applicability):
    id: str
    title: str
    cover: bool = False  # the export starts with a cover page and a 目录
    closing: list[str] = Field(default_factory=list)  # signature / seal lines; {key.path} = a fact


class SpecBook(BaseModel):
    documents: list[Document]
    sections: list[Section] = Field(default_factory=list)

    def section(self, key: str) -> Section:
        """By id or Chinese title; KeyError with the valid choices otherwise."""
        for section in self.sections:
            if key in (section.id, section.title):
                return section
        choices = "、".join(f"{s.id}（{s.title}）" for s in self.sections)
        raise KeyError(f"未知章节“{key}”。可选：{choices}")

    def document(self, doc_id: str) -> Document:
        return next(d for d in self.documents if d.id == doc_id)

    def applicable_sections(self, facts: Facts) -> list[Section]:
        docs = {d.id for d in self.documents if d.applies(facts)}
        return [s for s in self.sections if s.document in docs and s.applies(facts)]

    def applicable_documents(self, facts: Facts) -> list[Document]:
        return [d for d in self.documents if d.applies(facts)]


@lru_cache(maxsize=1)
def load_spec(path: Path = SPEC_FILE) -> SpecBook:
    book = SpecBook.model_validate(load_yaml(path.read_text(encoding="utf-8")))
    ids = [s.id for s in book.sections]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"章节规范中有重复的章节编号：{sorted(duplicates)}")
    unknown = {
        name
        for s in book.sections
        for item in [s, *s.elements, *s.articles]
        for name in item.when + item.unless
        if name not in PREDICATES
    }
    if unknown:
        raise ValueError(f"章节规范引用了未定义的条件：{sorted(unknown)}")
    return book


# --- fact paths -----------------------------------------------------------------------------------


def missing_paths(data: dict, path: str) -> list[str]:
    """Concrete key paths under `path` whose facts are absent or blank."""
    resolved = factpath.expand(data, path)
    if not resolved:
        # the list itself is absent or empty: report the list path
        base = path.split("[", 1)[0]
        return [base] if is_blank(factpath.get(data, base)) else []
    return [concrete for concrete, value in resolved if is_blank(value)]


def present_values(data: dict, path: str) -> list[tuple[str, Any]]:
    return [(p, v) for p, v in factpath.expand(data, path) if not is_blank(v)]
