"""The regulation parser, the article registry and the citation verifier, on the real corpus and on
malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.corpus.citations import CitationStatus, build_registry, find_citations, verify_text
from assistant.corpus.regulations import (
    ArticleRegistry,
    RegulationParseError,
    load_regulations,
    parse_regulation_file,
    parse_regulation_text,
    regulation_files,
)

CORPUS = PROJECT_ROOT / "corpus" / "regulations"
FIXTURES = Path(__file__).parent / "fixtures" / "regulations"
ALGO = "互联网信息服务算法推荐管理规定"
PIPL = "中华人民共和国个人信息保护法"
DEEP = "互联网信息服务深度合成管理规定"


@pytest.fixture(scope="module")
def registry() -> ArticleRegistry:
    return build_registry(CORPUS)


def _header_count(path: Path) -> int:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("articles:"):
            return int(line.split(":", 1)[1].split()[0])
    raise AssertionError(f"{path.name} 没有 articles: 头")


# --- the real corpus -------------------------------------------------------------------------


@pytest.mark.parametrize("path", regulation_files(CORPUS), ids=lambda p: p.stem)
def test_article_count_matches_header(path: Path) -> None:
    regulation, issues = parse_regulation_file(path)
    assert not [i for i in issues if i.fatal]
    assert len(regulation.articles) == _header_count(path)
    assert [a.number for a in regulation.articles] == list(range(1, len(regulation.articles) + 1))


def test_corpus_loads_without_issues() -> None:
    load = load_regulations(CORPUS)
    assert load.issues == []
    assert len(load.regulations) == len(regulation_files(CORPUS)) >= 10


def test_chapters_and_sections_assigned(registry: ArticleRegistry) -> None:
    article = registry.get(PIPL, 28)
    assert article is not None
    assert article.chapter.startswith("第二章") and "个人信息处理规则" in article.chapter
    assert article.section.startswith("第二节") and "敏感个人信息" in article.section
    first = registry.get(PIPL, 1)
    assert first is not None and first.chapter.startswith("第一章") and first.section == ""
    # a new chapter resets the section
    later = registry.get(PIPL, 38)
    assert later is not None and later.chapter.startswith("第三章") and later.section == ""


def test_paragraphs_and_items(registry: ArticleRegistry) -> None:
    article = registry.get(ALGO, 24)
    assert article is not None
    assert len(article.paragraphs) == 3
    assert article.paragraphs[0].text.startswith("具有舆论属性或者社会动员能力的算法推荐服务提供者")
    assert "变更" in article.paragraphs[1].text and "注销备案" in article.paragraphs[2].text
    assert all(not p.items for p in article.paragraphs)
    consent = registry.get(PIPL, 13)
    assert consent is not None
    items = consent.paragraphs[0].items
    assert len(items) == 7
    assert items[0].startswith("（一）取得个人的同意") and items[-1].startswith("（七）")
    # an item is not a paragraph of its own, and the article text keeps every item
    assert not any(p.text.startswith("（") for p in consent.paragraphs)
    assert all(item in consent.text for item in items)


def test_superseded_cybersecurity_law_is_historical(registry: ArticleRegistry) -> None:
    assert registry.is_historical("中华人民共和国网络安全法（2016年版）")
    assert not registry.is_historical("中华人民共和国网络安全法")
    current = {a.regulation for a in registry.articles(include_historical=False)}
    assert "中华人民共和国网络安全法（2016年版）" not in current
    assert "中华人民共和国网络安全法" in current


# --- citation verifier -----------------------------------------------------------------------


def _status(text: str, registry: ArticleRegistry) -> CitationStatus:
    results = verify_text(text, registry)
    assert len(results) == 1, results
    return results[0].status


def test_true_citation_ok(registry: ArticleRegistry) -> None:
    assert _status(f"依据《{ALGO}》第二十四条办理注销备案。", registry) is CitationStatus.OK


def test_nonexistent_article_reported(registry: ArticleRegistry) -> None:
    result = verify_text(f"《{ALGO}》第九十九条", registry)[0]
    assert result.status is CitationStatus.UNKNOWN_ARTICLE
    assert "35" in result.message


def test_unknown_regulation(registry: ArticleRegistry) -> None:
    assert _status("《互联网信息服务不存在管理规定》第一条", registry) is CitationStatus.UNKNOWN_REGULATION


def test_quote_with_width_and_whitespace_differences_ok(registry: ArticleRegistry) -> None:
    # the official text uses full-width ，and no spaces; the quote uses half-width , and spaces
    quote = "算法推荐服务提供者终止服务的, 应当在终止服务之日起二十个工作日内 办理注销备案手续"
    assert _status(f"《{ALGO}》第二十四条规定“{quote}”。", registry) is CitationStatus.OK


def test_altered_quote_mismatch(registry: ArticleRegistry) -> None:
    quote = "算法推荐服务提供者终止服务的，应当在终止服务之日起三十个工作日内办理注销备案手续"
    result = verify_text(f"《{ALGO}》第二十四条规定“{quote}”。", registry)[0]
    assert result.status is CitationStatus.QUOTE_MISMATCH
    assert not result.ok


def test_quote_from_another_article_mismatch(registry: ArticleRegistry) -> None:
    quote = "算法推荐服务提供者终止服务的，应当在终止服务之日起二十个工作日内办理注销备案手续"
    assert _status(f"《{ALGO}》第二十五条规定“{quote}”。", registry) is CitationStatus.QUOTE_MISMATCH


def test_not_in_corpus_regulation_by_title(registry: ArticleRegistry) -> None:
    result = verify_text("应按照《反电信网络诈骗法》建立涉诈风险防控制度。", registry)[0]
    assert result.status is CitationStatus.NOT_IN_CORPUS
    assert result.resolved_title == "中华人民共和国反电信网络诈骗法"
    assert result.ok  # cited by title only: allowed, but flagged as not verifiable
    minors = verify_text("依照《中华人民共和国未成年人保护法》。", registry)[0]
    assert minors.status is CitationStatus.NOT_IN_CORPUS


def test_labelling_measures_are_in_the_corpus(registry: ArticleRegistry) -> None:
    quote = "在生成合成内容的文件元数据中添加隐式标识"
    result = verify_text(f"《标识办法》第五条要求“{quote}”。", registry)[0]
    assert result.status is CitationStatus.OK and result.resolved_title == "人工智能生成合成内容标识办法"


def test_alias_resolves(registry: ArticleRegistry) -> None:
    result = verify_text("《深度合成规定》第十七条要求添加显著标识。", registry)[0]
    assert result.status is CitationStatus.OK
    assert result.resolved_title == DEEP
    assert registry.resolve_title("深度合成规定") == DEEP
    assert registry.get("深度合成规定", 17) is registry.get(DEEP, 17)


def test_historical_citation_flagged(registry: ArticleRegistry) -> None:
    assert (
        _status("《中华人民共和国网络安全法（2016年版）》第二十一条", registry) is CitationStatus.HISTORICAL
    )


def test_non_regulation_titles_are_not_citations() -> None:
    assert find_citations("详见《拟公示内容》和《用户服务协议》。") == []


# --- malformed files -------------------------------------------------------------------------

HEADER = (
    "---\ntitle: 测试规定\nissuing_bodies: 测试\nstatus: COMPLETE\narticles: {count}\n---\n\n# 测试规定\n\n"
)


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def _issues(path: Path) -> list:
    with pytest.raises(RegulationParseError) as caught:
        parse_regulation_file(path)
    issues = caught.value.issues
    assert issues and all(issue.path == str(path) for issue in issues)
    assert all(str(issue).startswith(f"{path}:{issue.line}: ") for issue in issues)
    return issues


def test_no_articles_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "无条文.md", HEADER.format(count=0) + "这里只有说明文字。\n")
    issues = _issues(path)
    assert any("未找到任何条文" in i.message for i in issues)


def test_duplicate_article_reported_with_line(tmp_path: Path) -> None:
    body = "第一条 甲。\n\n第二条 乙。\n\n第二条 丙。\n"
    path = _write(tmp_path, "重复.md", HEADER.format(count=3) + body)
    issues = _issues(path)
    duplicate = next(i for i in issues if "重复" in i.message)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[duplicate.line - 1] == "第二条 丙。"


def test_skipped_article_reported_with_line(tmp_path: Path) -> None:
    body = "第一条 甲。\n\n第二条 乙。\n\n第四条 丁。\n"
    path = _write(tmp_path, "跳号.md", HEADER.format(count=3) + body)
    issues = _issues(path)
    skipped = next(i for i in issues if "不连续" in i.message)
    assert "第三条" in skipped.message and "第四条" in skipped.message
    assert path.read_text(encoding="utf-8").splitlines()[skipped.line - 1] == "第四条 丁。"


def test_empty_file_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "空文件.md", "")
    issues = _issues(path)
    assert issues[0].line == 1 and "为空" in issues[0].message
    whitespace = _write(tmp_path, "空白.md", "\n \n")
    assert "为空" in _issues(whitespace)[0].message


def test_header_count_mismatch_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "条数不符.md", HEADER.format(count=5) + "第一条 甲。\n\n第二条 乙。\n")
    issues = _issues(path)
    mismatch = next(i for i in issues if "声明" in i.message)
    assert "5" in mismatch.message and "2" in mismatch.message and mismatch.line >= 1


def test_missing_front_matter_reported() -> None:
    with pytest.raises(RegulationParseError) as caught:
        parse_regulation_text("第一条 甲。\n", "无文件头.md")
    assert caught.value.issues[0].path == "无文件头.md" and caught.value.issues[0].line == 1


def test_malformed_file_does_not_stop_the_others(tmp_path: Path) -> None:
    for path in FIXTURES.glob("*.md"):
        _write(tmp_path, path.name, path.read_text(encoding="utf-8"))
    bad = _write(tmp_path, "坏文件.md", HEADER.format(count=2) + "第一条 甲。\n\n第一条 乙。\n")
    load = load_regulations(tmp_path)
    titles = {r.title for r in load.regulations}
    assert titles == {
        "互联网信息服务示例推荐管理规定",
        "示例数据出境管理办法",
        "互联网信息服务示例推荐管理规定（2019年版）",
    }
    assert load.issues and all(issue.path == str(bad) for issue in load.issues)
    assert any("重复" in issue.message for issue in load.issues)


def test_fixture_corpus_structure() -> None:
    load = load_regulations(FIXTURES)
    assert load.issues == []
    registry = ArticleRegistry(load.regulations)
    notice = registry.get("示例推荐管理规定", 3)  # auto alias: the title without 互联网信息服务
    assert notice is not None and notice.chapter == "第二章 用户权益保护"
    assert len(notice.paragraphs) == 1 and len(notice.paragraphs[0].items) == 3
    cancel = registry.get("互联网信息服务示例推荐管理规定", 6)
    assert cancel is not None and len(cancel.paragraphs) == 3
    assert registry.is_historical("互联网信息服务示例推荐管理规定（2019年版）")
