"""Every test runs against its own data directory, with no model endpoint reachable by accident."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import tests.fakes  # noqa: F401 - registers the `fake` provider for the tests
from assistant.config import PROJECT_ROOT, Settings, get_settings

ROOT = PROJECT_ROOT
FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE_FACTS = FIXTURES / "facts-example.yaml"

os.environ["ANONYMIZED_TELEMETRY"] = "False"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _guard_network() -> None:
    """Any HTTP request (httpx: the openai client, langchain, chromadb's client) to a non-loopback host
    fails loudly: the tests never reach a real model service by accident."""
    import httpx

    def guarded(original):  # noqa: ANN001, ANN202
        def handle(self, request: httpx.Request):  # noqa: ANN001, ANN202
            if request.url.host not in _LOOPBACK:
                raise httpx.ConnectError(f"测试中禁止访问外部网络：{request.url.host}", request=request)
            return original(self, request)

        return handle

    httpx.HTTPTransport.handle_request = guarded(httpx.HTTPTransport.handle_request)
    httpx.AsyncHTTPTransport.handle_async_request = guarded(httpx.AsyncHTTPTransport.handle_async_request)


_guard_network()


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Own data dir per test; no API key, and the default endpoint is a closed loopback port."""
    data_dir = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("BEIAN_DATA_DIR", str(data_dir))
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "BEIAN_OPENAI_API_KEY",
        "BEIAN_CHROMA_URL",
        "BEIAN_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BEIAN_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    # No model call before retrieval (scripted fake replies, the bundled model); tests/test_rewrite.py turns it on.
    monkeypatch.setenv("BEIAN_QUERY_REWRITE", "0")
    monkeypatch.chdir(data_dir)  # no stray .env from the developer's checkout
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real corpus ingested once per session (with the shipped vectors, ~15 s on 2 cores); tests copy it."""
    data_dir = tmp_path_factory.mktemp("shared-index")
    from assistant.corpus.index import ingest

    ingest(Settings(data_dir=data_dir))
    return data_dir


@pytest.fixture
def indexed_settings(
    shared_index: Path, isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings whose data dir holds a copy of the session's index."""
    shutil.copytree(shared_index / "index", isolated_environment / "index", dirs_exist_ok=True)
    get_settings.cache_clear()
    return get_settings()
