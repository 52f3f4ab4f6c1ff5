"""One test section, two backends (see conftest.py): ingest, retrieval, exemplar search, the rules Q&A,
template drafting saved to the workspace, concurrent writers and migrations must behave identically on the
embedded setup and on a real Chroma server + PostgreSQL."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

import assistant.store as store
from assistant.config import PROJECT_ROOT, Settings, get_settings
from assistant.corpus.citations import build_registry
from assistant.corpus.index import get_collection, ingest, make_client
from assistant.corpus.retrieve import Retriever
from assistant.drafting.chat import ask
from assistant.drafting.draft import Drafter
from assistant.drafting.drafts import DraftRecord
from assistant.facts import load_facts
from assistant.runtime import Runtime
from assistant.store import StaleWrite, Workspace
from tests.conftest import EXAMPLE_FACTS
from tests.server.backends import Backend, IndexedCorpus

pytestmark = pytest.mark.server

GEN = "示例生成合成服务管理办法"
ASSESS = "示例算法安全评估规定"
FILES = sorted(
    [
        "filings/s01-gen-sp-poster.md",
        "filings/s02-push-sp-recipes.md",
        f"regulations/{ASSESS}.md",
        f"regulations/{GEN}.md",
    ]
)
OpenWorkspace = Callable[[str], Workspace]


def retriever(settings: Settings) -> Retriever:
    return Retriever(settings, build_registry(settings.regulations_dir), get_collection(settings))


# --- the configuration picks the backend -------------------------------------------------------


def test_configuration_selects_the_backend(
    backend: Backend, settings: Settings, open_workspace: OpenWorkspace
) -> None:
    client = make_client(settings)
    workspace = open_workspace(settings.workspace_url)
    if backend.name == "server":
        assert settings.chroma_url == backend.chroma_url
        assert type(client).__name__ == "Client" and client.get_settings().chroma_api_impl.endswith("FastAPI")
        assert client.heartbeat() > 0
        assert workspace.engine.dialect.name == "postgresql"
        assert workspace.engine.url.host == "127.0.0.1"
        assert (
            not (settings.data_dir / "index").exists() and not (settings.data_dir / "workspace.db").exists()
        )
    else:
        assert settings.chroma_url is None and settings.database_url is None
        assert client.get_settings().is_persistent
        assert workspace.engine.dialect.name == "sqlite"
        assert (settings.data_dir / "workspace.db").exists()


# --- ingest ------------------------------------------------------------------------------------


def test_ingest_indexes_every_file_once(indexed_corpus: IndexedCorpus, settings: Settings) -> None:
    first, second = indexed_corpus.first, indexed_corpus.second
    assert first.issues == []
    assert sorted(first.added) == FILES and not first.updated and not first.removed
    assert first.chunks_written == indexed_corpus.count > 10
    assert sorted(second.unchanged) == FILES and not second.changed and second.chunks_written == 0
    collection = get_collection(settings)
    assert collection.count() == indexed_corpus.count
    metas = collection.get(include=["metadatas"])["metadatas"]
    assert {m["file"] for m in metas} == set(FILES)
    articles = {(m["title"], m["article"]) for m in metas if m["source"] == "regulation"}
    assert len(articles) == 11  # 6 + 5 articles, one chunk each


def test_ingest_updates_a_changed_file(
    indexed_corpus: IndexedCorpus, settings: Settings, tmp_path: Path
) -> None:
    changed = tmp_path / "corpus"
    shutil.copytree(indexed_corpus.corpus_dir, changed)
    target = changed / "filings" / "s02-push-sp-recipes.md"
    target.write_text(target.read_text(encoding="utf-8").replace("菜谱", "食谱"), encoding="utf-8")
    modified = settings.model_copy(update={"corpus_dir": changed})
    collection = get_collection(modified)
    try:
        report = ingest(modified, collection=collection)
        assert (
            report.updated == ["filings/s02-push-sp-recipes.md"] and not report.added and not report.removed
        )
        assert collection.count() == indexed_corpus.count
        texts = collection.get(where={"filing_id": "s02-push-sp-recipes"}, include=["documents"])["documents"]
        assert texts and all("食谱" in t and "菜谱" not in t for t in texts)
    finally:  # the server's collection is shared by the session: put the original back
        restored = ingest(settings, collection=collection)
    assert restored.updated == ["filings/s02-push-sp-recipes.md"]
    assert collection.count() == indexed_corpus.count


# --- retrieval ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "title", "article"),
    [
        ("生成的图片和视频需要添加什么标识？", GEN, "第四条"),
        ("网络日志应当留存多长时间？", ASSESS, "第四条"),
        ("用户投诉应当在多少个工作日内处理？", GEN, "第五条"),
        ("上线有舆论属性的新功能前要做安全评估吗", ASSESS, "第二条"),
        ("示例算法安全评估规定第三条", ASSESS, "第三条"),
    ],
)
def test_retrieve_finds_the_article(settings: Settings, question: str, title: str, article: str) -> None:
    hits = retriever(settings).search(question, k=3, source="regulation")
    assert hits, question
    assert (hits[0].title, hits[0].article) == (title, article), [(h.title, h.article, h.score) for h in hits]


@pytest.mark.parametrize(
    ("section", "algorithm_type", "modalities", "expected"),
    [
        ("labeling", "生成合成类", ["图像"], "s01-gen-sp-poster"),
        ("principle", "个性化推送类", ["文本"], "s02-push-sp-recipes"),
        ("principle", "生成合成类", ["图像"], "s01-gen-sp-poster"),
    ],
)
def test_exemplar_search(
    settings: Settings, section: str, algorithm_type: str, modalities: list[str], expected: str
) -> None:
    hits = retriever(settings).exemplars(section, algorithm_type, modalities, query="算法原理 生成 推荐")
    assert hits and hits[0].metadata["filing_id"] == expected
    assert all(h.source == "filing" and h.metadata["section_id"] == section for h in hits)
    excluded = retriever(settings).exemplars(
        section, algorithm_type, modalities, query="算法", exclude={expected}
    )
    assert all(h.metadata["filing_id"] != expected for h in excluded)


def test_rules_question_is_answered_with_the_cited_article(settings: Settings) -> None:
    rt = Runtime(settings)
    answer = ask(rt, "生成内容的显式标识和隐式标识怎么加？")
    assert answer.answered
    assert (answer.citations[0]["title"], answer.citations[0]["article"]) == (GEN, "第四条")


# --- drafting into the workspace ---------------------------------------------------------------


def _drafting_runtime(settings: Settings) -> Runtime:
    """The section spec cites the real regulations, so drafting reads the project corpus; the backends
    (Chroma, workspace database) are the configured ones."""
    return Runtime(settings.model_copy(update={"corpus_dir": PROJECT_ROOT / "corpus"}))


def test_template_drafting_saves_every_section(settings: Settings, open_workspace: OpenWorkspace) -> None:
    rt = _drafting_runtime(settings)
    facts = load_facts(EXAMPLE_FACTS)
    workspace = open_workspace(settings.workspace_url)
    project = workspace.create_project("服务器后端测试")
    workspace.save_facts(project, EXAMPLE_FACTS.read_text(encoding="utf-8"), None, note="示例")
    saved: dict[str, int] = {}

    def save(record: DraftRecord) -> None:
        saved[record.section] = workspace.save_draft(
            project, record.section, record.text, record.model_dump(), None
        )

    records = Drafter(rt, "template").draft(facts, on_saved=save)
    applicable = [s.id for s in rt.spec.applicable_sections(facts)]
    assert list(records) == applicable and len(applicable) >= 15
    assert saved == dict.fromkeys(applicable, 1)
    assert all(r.error is None and r.text.strip() for r in records.values())

    reopened = open_workspace(settings.workspace_url)  # another app process on the same database
    latest = reopened.latest_drafts(project)
    assert set(latest) == set(applicable)
    for section_id, record in records.items():
        assert latest[section_id].text == record.text
        assert latest[section_id].record["provider"] == "template"
    assert reopened.latest_facts(project).text == EXAMPLE_FACTS.read_text(encoding="utf-8")

    again = Drafter(rt, "template").draft(facts, keys=["principle", "purpose"])
    for section_id, record in again.items():
        assert (
            reopened.save_draft(project, section_id, record.text + "\n（修订）", record.model_dump(), 1) == 2
        )
    assert [v.version for v in workspace.draft_history(project, "principle")] == [1, 2]
    assert workspace.latest_drafts(project)["purpose"].text.endswith("（修订）")


# --- concurrent writers ------------------------------------------------------------------------


def _race(writers: list[Callable[[], Any]]) -> list[Any]:
    """Run the writers at the same moment; each result is a return value or the exception raised."""
    barrier = threading.Barrier(len(writers))
    results: list[Any] = [None] * len(writers)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = writers[index]()
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(writers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_concurrent_writers_exactly_one_wins(settings: Settings, open_workspace: OpenWorkspace) -> None:
    url = settings.workspace_url
    alice, bob = open_workspace(url), open_workspace(url)
    project = alice.create_project("并发写入")
    rounds = 12
    for base in [None, *range(1, rounds)]:
        results = _race(
            [
                lambda base=base: (
                    "alice",
                    alice.save_draft(project, "principle", f"alice {base}", {}, base, author="alice"),
                ),
                lambda base=base: (
                    "bob",
                    bob.save_draft(project, "principle", f"bob {base}", {}, base, author="bob"),
                ),
            ]
        )
        wins = [r for r in results if isinstance(r, tuple)]
        stale = [r for r in results if isinstance(r, StaleWrite)]
        assert len(wins) == 1 and len(stale) == 1, results
        expected_version = (base or 0) + 1
        assert wins[0][1] == expected_version
        assert stale[0].base == (base or 0)
        winner_text = f"{wins[0][0]} {base}"
        assert bob.latest_drafts(project)["principle"].text == winner_text  # the loser changed nothing
    history = alice.draft_history(project, "principle")
    assert [v.version for v in history] == list(range(1, rounds + 1))


def test_concurrent_facts_edits_from_a_stale_base_are_refused(
    settings: Settings, open_workspace: OpenWorkspace
) -> None:
    url = settings.workspace_url
    first = open_workspace(url)
    project = first.create_project("事实并发")
    first.save_facts(project, "version: 1", None)
    writers = [open_workspace(url) for _ in range(4)]
    results = _race([lambda w=w, i=i: w.save_facts(project, f"edit {i}", 1) for i, w in enumerate(writers)])
    assert sorted(type(r).__name__ for r in results) == ["StaleWrite"] * 3 + ["int"]
    assert [v.version for v in first.facts_history(project)] == [1, 2]
    winner = next(i for i, r in enumerate(results) if r == 2)
    assert first.latest_facts(project).text == f"edit {winner}"


def test_contended_saves_lose_nothing(settings: Settings, open_workspace: OpenWorkspace) -> None:
    """Eight writers keep saving (reload and retry on StaleWrite): every successful save is a version."""
    url = settings.workspace_url
    writers = [open_workspace(url) for _ in range(8)]
    project = writers[0].create_project("争用")
    successes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def work(index: int) -> int:
        workspace, conflicts = writers[index], 0
        for attempt in range(4):
            text = f"writer {index} save {attempt}"
            for _ in range(200):
                latest = workspace.latest_drafts(project).get("mechanism")
                try:
                    version = workspace.save_draft(
                        project, "mechanism", text, {}, latest.version if latest else None
                    )
                except StaleWrite:
                    conflicts += 1
                    continue
                with lock:
                    successes.append((version, text))
                break
        return conflicts

    results = _race([lambda i=i: work(i) for i in range(len(writers))])
    assert all(isinstance(r, int) for r in results), results
    history = writers[0].draft_history(project, "mechanism")
    assert len(successes) == 32
    assert [v.version for v in history] == list(range(1, 33))
    assert {(v.version, v.text) for v in history} == set(successes)


# --- migrations --------------------------------------------------------------------------------


def test_migrations_run_once_with_concurrent_starts(
    backend: Backend, settings: Settings, open_workspace: OpenWorkspace
) -> None:
    url = backend.new_database_url(settings.data_dir)  # empty: no tables yet
    results = _race([lambda: open_workspace(url) for _ in range(6)])
    assert all(isinstance(r, Workspace) for r in results), results
    workspace = open_workspace(url)
    with workspace.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT version FROM migrations ORDER BY version").scalars().all()
    assert rows == list(range(1, len(store.MIGRATIONS) + 1))
    tables = set(inspect(workspace.engine).get_table_names())
    assert {"projects", "facts_versions", "draft_versions", "chat_messages", "exports", "eval_runs"} <= tables


def test_a_failing_migration_leaves_nothing_behind(
    backend: Backend, settings: Settings, open_workspace: OpenWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = backend.new_database_url(settings.data_dir)
    open_workspace(url)  # migration 1 applied

    def broken(conn: Any) -> None:
        conn.exec_driver_sql("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
        raise RuntimeError("迁移中途失败")

    monkeypatch.setattr(store, "MIGRATIONS", [*store.MIGRATIONS, broken])
    with pytest.raises(RuntimeError, match="迁移中途失败"):
        open_workspace(url)
    monkeypatch.setattr(store, "MIGRATIONS", store.MIGRATIONS[:-1])
    workspace = open_workspace(url)
    assert "half_done" not in inspect(workspace.engine).get_table_names()
    with workspace.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM migrations").scalar() == len(store.MIGRATIONS)


# --- the app -----------------------------------------------------------------------------------


def test_app_opens_on_the_configured_backend(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, open_workspace: OpenWorkspace
) -> None:
    """The Streamlit app itself, configured only by the environment, creates its example project in the
    configured workspace database and renders the projects page without an error."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.delenv("BEIAN_CORPUS_DIR")  # the app's section spec cites the project's regulations
    monkeypatch.setenv("BEIAN_PROVIDER", "template")
    get_settings.cache_clear()
    url = get_settings().workspace_url
    assert url == settings.workspace_url
    try:
        app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=180).run()
        assert not app.exception, app.exception
        assert not app.error, [e.value for e in app.error]
    finally:
        st.cache_resource.clear()  # the app's cached Workspace holds a connection pool
    workspace = open_workspace(url)
    projects = workspace.projects()
    assert [p["name"] for p in projects] == ["示例：灵犀写作助手"]
    assert "filing:" in workspace.latest_facts(projects[0]["id"]).text


def test_chroma_database_and_headers_come_from_the_configuration(
    backend: Backend, indexed_corpus: IndexedCorpus, tmp_path: Path
) -> None:
    """BEIAN_CHROMA_DATABASE selects the database on the server (the index of another deployment stays
    apart); a configured token header is sent with every request and does not disturb the server."""
    if backend.chroma is None:
        pytest.skip("只有 Chroma 服务器有多个数据库")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    admin = chromadb.AdminClient(
        ChromaSettings(
            chroma_api_impl="chromadb.api.fastapi.FastAPI",
            chroma_server_host="127.0.0.1",
            chroma_server_http_port=backend.chroma.port,
            anonymized_telemetry=False,
        )
    )
    admin.create_database("beian_other")
    other = Settings(
        data_dir=tmp_path / "data",
        corpus_dir=indexed_corpus.corpus_dir,
        chroma_url=backend.chroma_url,
        chroma_database="beian_other",
        chroma_token="t0ken",
        chroma_auth_header="X-Chroma-Token",
    )
    assert get_collection(other).count() == 0  # a separate database: empty until ingested
    ingest(other)
    assert get_collection(other).count() == indexed_corpus.count
    hits = retriever(other).search("生成的图片和视频需要添加什么标识？", k=1, source="regulation")
    assert (hits[0].title, hits[0].article) == (GEN, "第四条")
