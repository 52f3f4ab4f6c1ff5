"""The practice notes (corpus/practice/): well-formed front matter, every regulatory claim cited 《法规》第X条
with a quote that is in that article's text, practice-only sections marked as practice."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.corpus.citations import CitationStatus, build_registry, find_citations, verify
from assistant.corpus.practice import PracticeFormatError, load_notes, parse_note
from assistant.corpus.regulations import ArticleRegistry

PRACTICE = PROJECT_ROOT / "corpus" / "practice"
NOTES = load_notes(PRACTICE)
TOPICS = (
    "办理步骤",
    "材料",
    "第三方",
    "角色",
    "审核",
    "备案号",
    "投诉举报",
    "变更",
    "大模型备案",
    "驳回",
    "算法类型",
)


@pytest.fixture(scope="module")
def registry() -> ArticleRegistry:
    return build_registry(PROJECT_ROOT / "corpus" / "regulations")


def test_notes_cover_the_topics_of_the_issue() -> None:
    titles = " ".join(n.meta.title for n in NOTES)
    assert [t for t in TOPICS if t not in titles] == []


@pytest.mark.parametrize("note", NOTES, ids=lambda n: n.id)
def test_front_matter_names_dated_sources(note) -> None:  # noqa: ANN001
    assert note.meta.title and note.meta.topics and note.meta.confidence
    assert all(s.name.strip() and s.date.strip() for s in note.meta.sources)


@pytest.mark.parametrize("note", NOTES, ids=lambda n: n.id)
def test_every_regulatory_claim_is_cited_and_its_quote_is_in_the_article(
    note,  # noqa: ANN001
    registry: ArticleRegistry,
) -> None:
    rules = [s for s in note.sections if s.regulatory]
    assert rules, "每篇笔记都有“法规规定”一节"
    for section in rules:
        citations = [c for c in find_citations(section.text) if c.article]
        assert citations, f"{note.id}: 法规规定一节没有条文引用"
        for citation in citations:
            assert citation.quote, f"{note.id}: {citation.text} 没有引文"
            result = verify(citation, registry)
            assert result.status == CitationStatus.OK, f"{note.id}: {result.message}"


@pytest.mark.parametrize("note", NOTES, ids=lambda n: n.id)
def test_practice_sections_say_they_are_practice_and_cite_nothing_unverified(
    note,  # noqa: ANN001
    registry: ArticleRegistry,
) -> None:
    for section in note.sections:
        if section.regulatory:
            continue
        assert "实务" in section.heading, f"{note.id}: “{section.heading}”未标明是实务做法"
        for citation in find_citations(section.text):
            assert verify(citation, registry).status == CitationStatus.OK, citation.text


def test_a_wrong_quote_fails_verification(registry: ArticleRegistry) -> None:
    """The check above is not vacuous: a quote that is not in the article does not verify."""
    text = "《互联网信息服务算法推荐管理规定》第二十四条：“在提供服务之日起三十个工作日内”"
    (citation,) = find_citations(text)
    assert verify(citation, registry).status == CitationStatus.QUOTE_MISMATCH


def test_malformed_note_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(PracticeFormatError):
        parse_note("---\ntitle: 无来源\ntopics: [x]\nconfidence: 低\n---\n## 法规规定\n正文\n", "bad.md")
    with pytest.raises(PracticeFormatError):
        parse_note("没有文件头", "bad.md")
