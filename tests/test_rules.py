"""The rule data's legal references: each quotes the article's words that make it the basis, and loading fails
when a quote is not in that article; type-specific articles apply only to their types; drafts' citations of
articles scoped to other types are flagged."""

from __future__ import annotations

import pytest

from assistant.checking.checks import FindingKind, run_checks
from assistant.checking.rules import check_rules, curated_refs, rule_problems, verify_rule_data
from assistant.config import get_settings
from assistant.corpus.citations import build_registry, not_in_corpus_title
from assistant.drafting.template_drafter import draft_all
from assistant.runtime import Runtime
from assistant.spec import load_spec
from tests.helpers import as_push, facts_with

GENERATIVE_ONLY = (
    "生成式人工智能服务管理暂行办法",
    "互联网信息服务深度合成管理规定",
    "人工智能生成合成内容标识办法",
)


@pytest.fixture(scope="module")
def registry():  # noqa: ANN201
    return build_registry(get_settings().regulations_dir)


def test_rule_data_loads_with_every_quote_verified(registry) -> None:  # noqa: ANN001
    book = load_spec()
    refs = curated_refs(book)
    assert len(refs) > 40 and all(ref.quote for ref in refs)
    assert rule_problems(book, registry) == []
    Runtime().spec  # noqa: B018 - the runtime verifies the rule data when it loads it


def test_a_quote_not_in_the_article_fails_loading(registry) -> None:  # noqa: ANN001
    book = load_spec().model_copy(deep=True)
    section = book.section("risk_controls")
    logs = next(ref for ref in section.articles if "网络安全法" in ref.title and ref.article == "第二十三条")
    # words of the same law, but of another article (complaints, 第五十一条)
    section.articles = [logs.model_copy(update={"quote": "建立网络信息安全投诉、举报制度"})]
    with pytest.raises(ValueError, match="risk_controls") as caught:
        verify_rule_data(book, registry)
    assert "第二十三条" in str(caught.value)
    section.articles = [logs.model_copy(update={"quote": ""})]
    assert any("没有引文" in p for p in rule_problems(book, registry))


def test_title_only_regulations_are_listed_in_one_place(registry) -> None:  # noqa: ANN001
    book = load_spec().model_copy(deep=True)
    book.sections[0].title_only = ["某某未列入清单的办法"]
    assert any("not_in_corpus" in p for p in rule_problems(book, registry))
    for name in ("中华人民共和国未成年人保护法", "中华人民共和国反电信网络诈骗法"):
        assert not_in_corpus_title(name) == name


def test_the_references_the_issue_names_are_corrected() -> None:
    cited = {(ref.title, ref.article): ref.quote for ref in curated_refs(load_spec())}
    assert ("中华人民共和国网络安全法", "第二十一条") not in cited  # 2016 numbering
    assert "网络日志" in cited[("中华人民共和国网络安全法", "第二十三条")]
    assert ("未成年人网络保护条例", "第二十四条") not in cited
    assert "未成年人模式" in cited[("未成年人网络保护条例", "第四十三条")]
    assert "防沉迷" in cited[("未成年人网络保护条例", "第四十二条")]
    review = [r for r in check_rules()["intervention"].basis if "审核" in r.quote]
    assert [(r.title, r.article) for r in review] == [("互联网信息服务深度合成管理规定", "第十条")]
    assert "审核" not in cited[("生成式人工智能服务管理暂行办法", "第十四条")]
    labels = {r.title for r in check_rules()["labeling"].basis}
    assert "人工智能生成合成内容标识办法" in labels


def test_generative_only_articles_do_not_apply_to_other_types() -> None:
    push = facts_with(as_push)
    book = load_spec()
    applied = [ref for s in book.applicable_sections(push) for ref in s.applicable_articles(push)]
    applied += [ref for rule in check_rules().values() for ref in rule.applicable_basis(push)]
    assert applied and not [r.citation for r in applied if r.title in GENERATIVE_ONLY]
    generative = facts_with()
    assert any(
        r.title in GENERATIVE_ONLY
        for s in book.applicable_sections(generative)
        for r in s.applicable_articles(generative)
    )


def test_draft_citing_an_article_of_another_type_is_flagged(registry) -> None:  # noqa: ANN001
    sentence = "\n用户可按《生成式人工智能服务管理暂行办法》第十五条的要求投诉举报。"
    for facts, flagged in ((facts_with(as_push), True), (facts_with(), False)):
        drafts = draft_all(facts)
        drafts["risk_controls"] += sentence
        report = run_checks(facts, drafts, registry=registry)
        scoped = [f for f in report.findings if f.kind == FindingKind.CITATION and "生成合成类" in f.message]
        assert bool(scoped) is flagged
        assert all(not f.blocking and "第十五条" in f.evidence[0] for f in scoped)


def test_findings_name_the_articles_they_rest_on(registry) -> None:  # noqa: ANN001
    facts = facts_with(lambda d: d["safety"].__setitem__("log_retention", "三个月"))
    [logs] = [f for f in run_checks(facts, draft_all(facts), registry=registry).blocking if f.check == "logs"]
    assert "《中华人民共和国网络安全法》第二十三条" in logs.basis
