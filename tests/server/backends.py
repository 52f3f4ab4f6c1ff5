"""Types shared by the backend tests' fixtures and the tests themselves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from assistant.corpus.index import IngestReport
from assistant.store import Workspace
from tests.server.servers import ChromaServer, PostgresServer


@dataclass
class Backend:
    name: str  # embedded | server
    chroma: ChromaServer | None = None
    postgres: PostgresServer | None = None

    @property
    def chroma_url(self) -> str | None:
        return self.chroma.url if self.chroma else None

    def new_database_url(self, data_dir: Path) -> str:
        """A fresh, empty workspace database: a new PostgreSQL database, or a new SQLite file."""
        if self.postgres:
            return self.postgres.create_database(f"t_{uuid.uuid4().hex[:16]}")
        return f"sqlite:///{data_dir / f'ws-{uuid.uuid4().hex[:8]}.db'}"


@dataclass
class IndexedCorpus:
    corpus_dir: Path
    data_dir: Path  # the embedded index lives here (tests copy it); unused by the server backend
    first: IngestReport
    second: IngestReport
    count: int


@dataclass
class WorkspaceFactory:
    """Opens Workspace instances (each with its own connection pool, like separate app processes) and
    closes their pools after the test."""

    opened: list[Workspace] = field(default_factory=list)

    def __call__(self, url: str) -> Workspace:
        workspace = Workspace(url)
        self.opened.append(workspace)
        return workspace

    def close(self) -> None:
        for workspace in self.opened:
            workspace.engine.dispose()
