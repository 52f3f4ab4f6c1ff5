"""The workspace database: projects, versioned facts and drafts, chat history, exports, evaluation runs and
the log of every model call (prompt, response, tokens, timings, round).

SQLite (WAL, transactions) by default; a PostgreSQL URL by configuration, with the same migrations.
Every write is a new version; a save based on a stale version is refused (`StaleWrite`), never merged
silently. Facts and drafts are saved before any LLM call, so a crash or a refresh loses nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

metadata = MetaData()

migrations_table = Table(
    "migrations", metadata, Column("version", Integer, primary_key=True), Column("applied", String(40))
)
projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created", String(40), nullable=False),
)
facts_versions = Table(
    "facts_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("yaml", Text, nullable=False),
    Column("note", String(200), default=""),
    Column("author", String(100), default=""),
    Column("created", String(40), nullable=False),
    UniqueConstraint("project_id", "version", name="uq_facts_version"),
)
draft_versions = Table(
    "draft_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, nullable=False, index=True),
    Column("section", String(60), nullable=False),
    Column("version", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("record", Text, nullable=False, default="{}"),
    Column("author", String(100), default=""),
    Column("created", String(40), nullable=False),
    UniqueConstraint("project_id", "section", "version", name="uq_draft_version"),
)
chat_messages = Table(
    "chat_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("content", Text, nullable=False),
    Column("citations", Text, nullable=False, default="[]"),
    Column("created", String(40), nullable=False),
)
exports = Table(
    "exports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, nullable=False, index=True),
    Column("record", Text, nullable=False),
    Column("created", String(40), nullable=False),
)
eval_runs = Table(
    "eval_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("label", String(200), nullable=False),
    Column("report", Text, nullable=False),
    Column("created", String(40), nullable=False),
)
# The CAC's published filing lists (assistant/registry/): one row per list file, one per filing row in it.
registry_lists = Table(
    "registry_lists",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("series", String(20), nullable=False),  # general | deep_synthesis
    Column("batch", String(7), nullable=False),  # YYYY-MM
    Column("source", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("title", String(300), default=""),
    Column("rows", Integer, nullable=False),
    Column("imported", String(40), nullable=False),
    UniqueConstraint("series", "batch", name="uq_registry_list"),
)
registry_rows = Table(
    "registry_rows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list_id", Integer, nullable=False, index=True),
    Column("key", String(60), nullable=False),  # the number's digits, or row:N when it repeats in the list
    Column("row_no", Integer, nullable=False),
    Column("seq", String(20), default=""),
    Column("algorithm_name", Text, nullable=False),
    Column("category", String(40), default=""),  # 算法类别, or the deep-synthesis role
    Column("entity", Text, nullable=False),
    Column("products", Text, default=""),
    Column("purpose", Text, default=""),
    Column("number", String(80), nullable=False),  # as printed
    Column("digits", String(40), nullable=False, index=True),  # decoded: normalised digits
    Column("region_code", String(6), default=""),
    Column("filer_code", String(7), default=""),
    Column("class_code", String(2), default=""),
    Column("year", Integer),
    Column("remark", Text, default=""),
    UniqueConstraint("list_id", "key", name="uq_registry_row"),
)


model_calls = Table(
    "model_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, nullable=True, index=True),  # None: a CLI run outside any project
    Column("section", String(60), nullable=False, default=""),
    Column("round", String(80), nullable=False),  # generate | repair N | extract GROUP | chat | judge
    Column("provider", String(60), nullable=False),
    Column("model", String(200), nullable=False, default=""),
    Column("prompt", Text, nullable=False),  # JSON list of {role, content}
    Column("response", Text, nullable=False, default=""),
    Column("prompt_tokens", Integer, nullable=True),
    Column("completion_tokens", Integer, nullable=True),
    Column("started", String(40), nullable=False),
    Column("seconds", Float, nullable=False, default=0.0),
    Column("first_token_seconds", Float, nullable=True),
    Column("error", Text, nullable=True),
)


def _m1_initial(conn: Connection) -> None:
    metadata.create_all(
        conn, tables=[projects, facts_versions, draft_versions, chat_messages, exports, eval_runs]
    )


def _m2_model_calls(conn: Connection) -> None:
    metadata.create_all(conn, tables=[model_calls])


def _m3_registry(conn: Connection) -> None:
    metadata.create_all(conn, tables=[registry_lists, registry_rows])


MIGRATIONS: list[Callable[[Connection], None]] = [_m1_initial, _m2_model_calls, _m3_registry]
_MIGRATION_LOCK = 0x6265616E  # advisory lock key ("bean") held while migrating
GENERATED_SAVE_ATTEMPTS = (
    3  # a generated draft saved on top of the newest version: tries against concurrent writers
)


class StaleWrite(Exception):
    """Someone saved a newer version since this one was loaded."""

    def __init__(self, what: str, base: int, latest: int):
        self.base, self.latest = base, latest
        super().__init__(
            f"{what}已被其他会话更新（您基于第 {base} 版修改，最新为第 {latest} 版）。"
            "为避免覆盖他人的修改，本次保存未执行；请重新加载最新版本后再修改。"
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Version:
    version: int
    text: str
    created: str
    note: str = ""
    record: dict[str, Any] | None = None


class Workspace:
    def __init__(self, url: str):
        self.engine: Engine = create_engine(url, future=True, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.migrate()

    def migrate(self) -> None:
        """Apply pending migrations in one transaction. Several processes may start at once on a fresh
        database: PostgreSQL serialises them with a transaction-scoped advisory lock, SQLite with
        BEGIN IMMEDIATE (its DDL would otherwise run outside the transaction), so each migration runs once."""
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            elif conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            metadata.create_all(conn, tables=[migrations_table])
            done = {row[0] for row in conn.execute(select(migrations_table.c.version))}
            for number, migration in enumerate(MIGRATIONS, 1):
                if number not in done:
                    migration(conn)
                    conn.execute(insert(migrations_table).values(version=number, applied=_now()))

    # --- projects --------------------------------------------------------------------------------

    def create_project(self, name: str) -> int:
        name = name.strip()
        if not name:
            raise ValueError("项目名称不能为空")
        if len(name) > 200:
            raise ValueError("项目名称不能超过 200 个字符")
        try:
            with self.engine.begin() as conn:
                return int(
                    conn.execute(insert(projects).values(name=name, created=_now())).inserted_primary_key[0]
                )
        except IntegrityError as exc:
            raise ValueError(f"项目“{name}”已存在") from exc

    def projects(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(projects).order_by(projects.c.id))]

    def project_id(self, name: str) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(select(projects.c.id).where(projects.c.name == name)).scalar()

    # --- versioned facts and drafts -------------------------------------------------------------

    def latest_facts(self, project_id: int) -> Version | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(facts_versions)
                .where(facts_versions.c.project_id == project_id)
                .order_by(facts_versions.c.version.desc())
                .limit(1)
            ).first()
        return Version(row.version, row.yaml, row.created, row.note or "") if row else None

    def facts_history(self, project_id: int) -> list[Version]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(facts_versions)
                .where(facts_versions.c.project_id == project_id)
                .order_by(facts_versions.c.version)
            )
            return [Version(r.version, r.yaml, r.created, r.note or "") for r in rows]

    def save_facts(
        self, project_id: int, text: str, base_version: int | None, note: str = "", author: str = ""
    ) -> int:
        """Store a new facts version. `base_version` is the version the edit started from (None for the
        first); a newer version in the database means the edit is stale and is refused."""
        return self._save_version(
            facts_versions,
            {"project_id": project_id},
            "事实文件",
            base_version,
            {"yaml": text, "note": note[:200], "author": author[:100]},
        )

    def save_draft(
        self,
        project_id: int,
        section: str,
        text: str,
        record: dict[str, Any],
        base_version: int | None,
        author: str = "",
    ) -> int:
        return self._save_version(
            draft_versions,
            {"project_id": project_id, "section": section},
            f"章节 {section} 的草稿",
            base_version,
            {"text": text, "record": json.dumps(record, ensure_ascii=False), "author": author[:100]},
        )

    def save_generated_draft(
        self,
        project_id: int,
        section: str,
        text: str,
        record: dict[str, Any],
        *,
        author: str,
        facts_version: int | None = None,
        base: int | None = None,
        on_top: bool = False,
    ) -> int:
        """A generated draft as a new version of its section — the one save path of the CLI and the app.

        `facts_version`: the facts version it was drafted from; when the project's facts moved on since, the
        draft is refused (StaleWrite), so nothing drafted from outdated facts goes in. `on_top`: the draft goes
        on top of whatever version is newest (a generated draft is not an edit; a concurrent writer taking
        the number is retried); otherwise `base` is the section version the run started from and a newer one
        is refused (StaleWrite)."""
        if facts_version is not None:
            latest = self.latest_facts(project_id)
            if latest is not None and latest.version != facts_version:
                raise StaleWrite("项目的事实文件", facts_version, latest.version)
        if not on_top:
            return self.save_draft(project_id, section, text, record, base, author=author)
        for _ in range(GENERATED_SAVE_ATTEMPTS):
            history = self.draft_history(project_id, section)
            try:
                return self.save_draft(
                    project_id, section, text, record, history[-1].version if history else None, author=author
                )
            except StaleWrite:
                continue
        raise RuntimeError(f"章节 {section} 的草稿保存失败：并发写入冲突，请重试")

    def _save_version(
        self, table: Table, key: dict[str, Any], what: str, base: int | None, values: dict[str, Any]
    ) -> int:
        where = [table.c[k] == v for k, v in key.items()]
        try:
            with self.engine.begin() as conn:
                latest = conn.execute(select(func.max(table.c.version)).where(*where)).scalar() or 0
                if base is not None and latest != base or base is None and latest:
                    raise StaleWrite(what, base or 0, latest)
                conn.execute(insert(table).values(**key, version=latest + 1, created=_now(), **values))
                return latest + 1
        except IntegrityError as exc:  # a concurrent writer took the same version number
            raise StaleWrite(what, base or 0, (base or 0) + 1) from exc

    def latest_drafts(self, project_id: int) -> dict[str, Version]:
        with self.engine.connect() as conn:
            newest = (
                select(draft_versions.c.section, func.max(draft_versions.c.version).label("v"))
                .where(draft_versions.c.project_id == project_id)
                .group_by(draft_versions.c.section)
                .subquery()
            )
            rows = conn.execute(
                select(draft_versions)
                .join(
                    newest,
                    (draft_versions.c.section == newest.c.section) & (draft_versions.c.version == newest.c.v),
                )
                .where(draft_versions.c.project_id == project_id)
            )
            return {
                r.section: Version(r.version, r.text, r.created, record=json.loads(r.record or "{}"))
                for r in rows
            }

    def draft_history(self, project_id: int, section: str) -> list[Version]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(draft_versions)
                .where(draft_versions.c.project_id == project_id, draft_versions.c.section == section)
                .order_by(draft_versions.c.version)
            )
            return [Version(r.version, r.text, r.created, record=json.loads(r.record or "{}")) for r in rows]

    # --- chat, exports, evaluation ----------------------------------------------------------------

    def add_message(
        self, project_id: int, role: str, content: str, citations: list[dict[str, Any]] | None = None
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(chat_messages).values(
                    project_id=project_id,
                    role=role,
                    content=content,
                    citations=json.dumps(citations or [], ensure_ascii=False),
                    created=_now(),
                )
            )

    def messages(self, project_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(chat_messages)
                .where(chat_messages.c.project_id == project_id)
                .order_by(chat_messages.c.id)
            )
            return [
                {
                    "role": r.role,
                    "content": r.content,
                    "citations": json.loads(r.citations),
                    "created": r.created,
                }
                for r in rows
            ]

    # --- model-call log ------------------------------------------------------------------------------

    def log_model_call(self, project_id: int | None, call: dict[str, Any]) -> int:
        """Append one model call (the fields of `assistant.drafting.llm.ModelCall`) to the audit log."""
        columns = {c.name for c in model_calls.columns} - {"id", "project_id"}
        values = {k: v for k, v in call.items() if k in columns}
        values["prompt"] = json.dumps(values.get("prompt") or [], ensure_ascii=False)
        values.setdefault("started", _now())
        with self.engine.begin() as conn:
            result = conn.execute(insert(model_calls).values(project_id=project_id, **values))
            return int(result.inserted_primary_key[0])

    def model_calls(self, project_id: int | None, section: str | None = None) -> list[dict[str, Any]]:
        """The project's logged calls in order (only one section's when given)."""
        where = [
            model_calls.c.project_id.is_(None)
            if project_id is None
            else model_calls.c.project_id == project_id
        ]
        if section is not None:
            where.append(model_calls.c.section == section)
        with self.engine.connect() as conn:
            rows = conn.execute(select(model_calls).where(*where).order_by(model_calls.c.id))
            return [dict(r._mapping, prompt=json.loads(r.prompt or "[]")) for r in rows]

    def record_export(self, project_id: int, record: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(exports).values(
                    project_id=project_id,
                    record=json.dumps(record, ensure_ascii=False, default=str),
                    created=_now(),
                )
            )

    def save_eval(self, label: str, report: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(eval_runs).values(
                    label=label[:200], report=json.dumps(report, ensure_ascii=False), created=_now()
                )
            )
            return int(result.inserted_primary_key[0])

    def eval_runs(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(eval_runs).order_by(eval_runs.c.id.desc()))
            return [
                {"id": r.id, "label": r.label, "created": r.created, "report": json.loads(r.report)}
                for r in rows
            ]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")  # first: switching to WAL waits for a concurrent opener
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
