"""Citations of the form 《法规》第N条: find them in text and verify them against the corpus."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from assistant import SPEC_DIR
from assistant.corpus.regulations import ArticleRegistry, load_regulations
from assistant.numerals import article_label, cn_to_int
from assistant.textnorm import normalize
from assistant.yamlfile import load_yaml

_NUM = "零〇一二三四五六七八九十百千两"
CITATION_RE = re.compile(
    rf"《(?P<title>[^《》\n]{{2,60}})》\s*(?:(?P<label>第(?P<num>[{_NUM}\d]+)条)(?:第(?P<para>[{_NUM}\d]+)款)?"
    rf"(?:第[（(]?(?P<item>[{_NUM}\d]+)[）)]?项)?)?"
    r"(?:[^“”\n《]{0,12}?[“\"](?P<quote>[^”\"\n]{4,400})[”\"])?"
)
ALIASES_FILE = SPEC_DIR / "regulation_aliases.yaml"


class CitationStatus(StrEnum):
    OK = "ok"
    UNKNOWN_REGULATION = "unknown_regulation"
    UNKNOWN_ARTICLE = "unknown_article"
    QUOTE_MISMATCH = "quote_mismatch"
    NOT_IN_CORPUS = "not_in_corpus"
    HISTORICAL = "historical"


@dataclass
class Citation:
    title: str
    article: str | None
    quote: str | None
    start: int
    end: int
    paragraph: int | None = None

    @property
    def text(self) -> str:
        return f"《{self.title}》{self.article or ''}"


@dataclass
class Verification:
    citation: Citation
    status: CitationStatus
    resolved_title: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in (CitationStatus.OK, CitationStatus.NOT_IN_CORPUS)


@lru_cache(maxsize=1)
def alias_data() -> dict:
    return load_yaml(ALIASES_FILE.read_text(encoding="utf-8"))


def build_registry(regulations_dir: Path) -> ArticleRegistry:
    return ArticleRegistry(load_regulations(regulations_dir).regulations, alias_data()["aliases"])


def not_in_corpus_title(name: str) -> str | None:
    for title, aliases in alias_data()["not_in_corpus"].items():
        if name == title or name in aliases:
            return title
    return None


REGULATION_TITLE_RE = re.compile(r"(法|规定|办法|条例|决定|细则)(（[^）]*）)?$")


def find_citations(text: str) -> list[Citation]:
    """Citations of regulations: 《…》 followed by an article, or a title that names a regulation
    (documents such as 《拟公示内容》 or a contract are not citations)."""
    citations = []
    for match in CITATION_RE.finditer(text):
        if not match.group("label") and not REGULATION_TITLE_RE.search(match.group("title")):
            continue
        para = match.group("para")
        citations.append(
            Citation(
                title=match.group("title").strip(),
                article=match.group("label"),
                quote=match.group("quote"),
                start=match.start(),
                end=match.end(),
                paragraph=cn_to_int(para) if para else None,
            )
        )
    return citations


def verify(citation: Citation, registry: ArticleRegistry) -> Verification:
    title = registry.resolve_title(citation.title)
    if title is None:
        missing = not_in_corpus_title(citation.title)
        if missing:
            return Verification(
                citation,
                CitationStatus.NOT_IN_CORPUS,
                missing,
                f"《{missing}》原文不在语料库中，仅按标题引用，无法核验条文",
            )
        return Verification(
            citation, CitationStatus.UNKNOWN_REGULATION, None, f"语料库中没有《{citation.title}》"
        )
    if citation.article is None:
        return Verification(citation, CitationStatus.OK, title)
    number = cn_to_int(citation.article[1:-1])
    article = registry.get(title, number)
    if article is None:
        count = len(registry.regulations[title].articles)
        return Verification(
            citation,
            CitationStatus.UNKNOWN_ARTICLE,
            title,
            f"《{title}》没有{article_label(number) if number else citation.article}（共 {count} 条）",
        )
    if citation.paragraph and citation.paragraph > len(article.paragraphs):
        return Verification(
            citation,
            CitationStatus.UNKNOWN_ARTICLE,
            title,
            f"《{title}》{article.label}只有 {len(article.paragraphs)} 款",
        )
    if citation.quote and normalize(citation.quote) not in normalize(article.text):
        return Verification(
            citation,
            CitationStatus.QUOTE_MISMATCH,
            title,
            f"引文与《{title}》{article.label}原文不符：“{citation.quote[:40]}”",
        )
    if registry.is_historical(title):
        return Verification(citation, CitationStatus.HISTORICAL, title, f"《{title}》为已被取代的历史文本")
    return Verification(citation, CitationStatus.OK, title)


def verify_text(text: str, registry: ArticleRegistry) -> list[Verification]:
    return [verify(citation, registry) for citation in find_citations(text)]
