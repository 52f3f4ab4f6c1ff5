"""The rule data's legal references, verified: every article a section (spec/sections.yaml `articles`), a
check (spec/checks.yaml `basis`) or a risk (spec/risks.yaml `article`) rests on must exist in the regulation corpus and carry a quote of the
article's words that make it the basis; regulations cited by title only must be listed, in one place, in
spec/regulation_aliases.yaml `not_in_corpus`. The rule data does not load otherwise."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from assistant import SPEC_DIR
from assistant.corpus.citations import Citation, CitationStatus, not_in_corpus_title, verify
from assistant.corpus.regulations import ArticleRegistry
from assistant.facts import Facts
from assistant.spec import ArticleRef, SpecBook
from assistant.yamlfile import load_yaml

CHECKS_FILE = SPEC_DIR / "checks.yaml"


class CheckRule(BaseModel):
    """A check's entry in spec/checks.yaml: its title, the articles it rests on, and a note for bases that
    are not articles (a national standard, a documented rejection reason)."""

    title: str
    basis: list[ArticleRef] = []
    title_only: list[str] = []
    note: str = ""

    def applicable_basis(self, facts: Facts | None) -> list[ArticleRef]:
        return [ref for ref in self.basis if facts is None or ref.applies(facts)]


@lru_cache(maxsize=1)
def check_data() -> dict[str, Any]:
    return load_yaml(CHECKS_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def check_rules() -> dict[str, CheckRule]:
    return {cid: CheckRule.model_validate(entry) for cid, entry in check_data()["checks"].items()}


def reference_problem(ref: ArticleRef, registry: ArticleRegistry) -> str | None:
    """Why a rule-data reference does not verify, or None: the article must exist in a current text of the
    corpus and `quote` must be words of that article (the same verification drafts' citations get)."""
    if not ref.quote.strip():
        return f"{ref.citation}没有引文（该条中作为依据的原话）"
    result = verify(Citation(ref.title, ref.article, ref.quote, 0, 0), registry)
    if result.status != CitationStatus.OK:
        return f"{ref.citation}：{result.message or result.status}"
    return None


def rule_problems(book: SpecBook, registry: ArticleRegistry) -> list[str]:
    """Every reference in the rule data checked; the problems, empty when all verify."""
    problems: list[str] = []
    owners: list[tuple[str, list[ArticleRef], list[str]]] = [
        (f"章节 {s.id}", s.articles, s.title_only) for s in book.sections
    ]
    owners += [(f"检查 {cid}", rule.basis, rule.title_only) for cid, rule in check_rules().items()]
    owners += [(f"风险 {risk.id}", [ArticleRef(**risk.article.model_dump())], []) for risk in _risks()]
    for owner, refs, titles in owners:
        problems += [f"{owner}：{p}" for ref in refs if (p := reference_problem(ref, registry))]
        problems += [
            f"{owner}：《{name}》按标题引用，但不在 regulation_aliases.yaml 的 not_in_corpus 清单中"
            for name in titles
            if not_in_corpus_title(name) is None
        ]
    return problems


def _risks() -> list[Any]:
    """The risk register's risks (spec/risks.yaml); each names the article that makes controlling it a duty."""
    from assistant.drafting.risks import load_register

    return load_register().risks


def verify_rule_data(book: SpecBook, registry: ArticleRegistry) -> None:
    """Raise ValueError naming every reference that does not verify."""
    problems = rule_problems(book, registry)
    if problems:
        raise ValueError("规则数据中的法规引用无法在语料库中核实：\n" + "\n".join(problems))


def curated_refs(book: SpecBook) -> list[ArticleRef]:
    """Every article reference of the rule data (sections and checks), with its applicability."""
    refs = [ref for s in book.sections for ref in s.articles]
    return refs + [ref for rule in check_rules().values() for ref in rule.basis]
