"""Everyday words → the regulations' own terms (assistant/spec/thesaurus.yaml), so that a colloquial question
("App 不做了要去哪里销号") also matches the articles' vocabulary (终止服务, 注销备案) on the lexical side.

The mapping is data and general: it translates how filers speak into how the regulations are written; it is
not tuned to any question set. `asks_for_examples` tells a request for past filings (范例, 参考写法 …)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, Field

from assistant import SPEC_DIR
from assistant.yamlfile import load_yaml

THESAURUS_FILE = SPEC_DIR / "thesaurus.yaml"
TERMS_FILE = SPEC_DIR / "terms.txt"


class ProjectIntents(BaseModel):
    """Questions about the user's own project: a self-reference plus the words of one intent."""

    self_words: list[str] = Field(default_factory=list)
    intents: dict[str, list[str]] = Field(default_factory=dict)


class Thesaurus(BaseModel):
    terms: dict[str, list[str]] = Field(default_factory=dict, description="口语词 → 法规用语")
    example_words: list[str] = Field(default_factory=list, description="表示想看往期备案范例的词")
    domain_words: list[str] = Field(default_factory=list, description="备案领域的常用词（拒答判断用）")
    project: ProjectIntents = Field(default_factory=ProjectIntents)


@lru_cache(maxsize=1)
def thesaurus() -> Thesaurus:
    if not THESAURUS_FILE.exists():
        return Thesaurus()
    return Thesaurus.model_validate(load_yaml(THESAURUS_FILE.read_text(encoding="utf-8")) or {})


def regulation_terms(text: str) -> list[str]:
    """The regulation terms for every everyday word or phrase that occurs in `text` (each once, in order)."""
    found: list[str] = []
    for word, terms in thesaurus().terms.items():
        if word in text:
            found.extend(t for t in terms if t not in found)
    return found


def domain_terms(text: str) -> list[str]:
    """The filing-domain words in `text` (the thesaurus' domain words and spec/terms.txt), compared
    case-insensitively. Everyday words the thesaurus maps (多久, 工资) are not domain words: they occur in
    questions of any field."""
    folded = text.lower()
    return [t for t in sorted(_domain_vocabulary()) if t in folded]


@lru_cache(maxsize=1)
def _domain_vocabulary() -> frozenset[str]:
    words = set(thesaurus().domain_words)
    words |= set(TERMS_FILE.read_text(encoding="utf-8").split()) if TERMS_FILE.exists() else set()
    return frozenset(w.lower() for w in words if len(w) >= 2)


def asks_for_examples(text: str) -> bool:
    return any(word in text for word in thesaurus().example_words)


def project_intent(text: str) -> str | None:
    """The intent ("missing", "filings", …) when the question is about the user's own project, else None."""
    data = thesaurus().project
    if not any(word in text for word in data.self_words):
        return None
    for intent, words in data.intents.items():
        if any(word in text for word in words):
            return intent
    return None
