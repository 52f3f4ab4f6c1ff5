"""The backend section: every test here runs twice, against the embedded backends (chromadb PersistentClient
and SQLite in the data directory, the defaults) and against real servers started for the session (a
`chroma run` subprocess and a PostgreSQL cluster from Debian's packages, both on 127.0.0.1). The backend is
chosen by configuration alone — BEIAN_CHROMA_URL and BEIAN_DATABASE_URL — exactly as a deployment does.

Where `chroma` or PostgreSQL is not installed the server runs are skipped with the reason; under CI
(CI=true) or with BEIAN_REQUIRE_SERVERS=1 that is an error instead, so CI cannot pass without them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings, get_settings
from assistant.corpus.index import COLLECTION, get_collection, ingest, make_client
from assistant.store import Workspace
from tests.server.backends import Backend, IndexedCorpus, WorkspaceFactory
from tests.server.servers import ChromaServer, PostgresServer, ServerUnavailable

SERVER_CORPUS = Path(__file__).parent / "fixtures" / "corpus"
REQUIRE_SERVERS = os.environ.get("BEIAN_REQUIRE_SERVERS") == "1" or os.environ.get("CI", "").lower() == "true"


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVERS:
        pytest.fail(
            f"服务器后端无法启动：{reason}（CI 或 BEIAN_REQUIRE_SERVERS=1 时必须运行）", pytrace=False
        )
    pytest.skip(f"服务器后端不可用：{reason}")


def _running(server: Any) -> Iterator[Any]:
    """Start a server for the session, or skip (fail in CI) with the reason it could not start."""
    reason: str | None = None
    try:
        server.start()
    except ServerUnavailable as exc:
        reason = str(exc)
    if reason:
        _unavailable(reason)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chroma_server() -> Iterator[ChromaServer]:
    yield from _running(ChromaServer())


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    yield from _running(PostgresServer())


@pytest.fixture(scope="session", params=["embedded", "server"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "embedded":
        return Backend("embedded")
    return Backend(
        "server", request.getfixturevalue("chroma_server"), request.getfixturevalue("postgres_server")
    )


@pytest.fixture(scope="session")
def indexed_corpus(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> IndexedCorpus:
    """The fixture corpus ingested once per backend into an empty collection, then ingested again."""
    root = tmp_path_factory.mktemp(f"corpus-{backend.name}")
    corpus_dir = root / "corpus"
    shutil.copytree(SERVER_CORPUS, corpus_dir)
    settings = Settings(
        data_dir=root / "data", corpus_dir=corpus_dir, chroma_url=backend.chroma_url, database_url=None
    )
    client = make_client(settings)
    if COLLECTION in [getattr(c, "name", c) for c in client.list_collections()]:
        client.delete_collection(COLLECTION)
    collection = get_collection(settings, client)
    first = ingest(settings, collection=collection)
    second = ingest(settings, collection=collection)
    return IndexedCorpus(corpus_dir, settings.data_dir, first, second, collection.count())


@pytest.fixture
def settings(
    backend: Backend,
    indexed_corpus: IndexedCorpus,
    isolated_environment: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """Settings from the environment, as the app reads them: the fixture corpus, the backend's Chroma
    (server URL, or a private copy of the embedded index) and a fresh workspace database."""
    monkeypatch.setenv("BEIAN_CORPUS_DIR", str(indexed_corpus.corpus_dir))
    if backend.chroma:
        monkeypatch.setenv("BEIAN_CHROMA_URL", backend.chroma.url)
    else:
        shutil.copytree(indexed_corpus.data_dir / "index", isolated_environment / "index")
    if backend.postgres:
        monkeypatch.setenv("BEIAN_DATABASE_URL", backend.new_database_url(isolated_environment))
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def open_workspace() -> Iterator[Callable[[str], Workspace]]:
    factory = WorkspaceFactory()
    try:
        yield factory
    finally:
        factory.close()
