"""The registry tables of the workspace database (assistant/store.py): importing a parsed list in one
transaction (idempotent: rows are keyed by their number within the list), reading every row back, and
keeping the bundled lists (corpus/registry/) loaded."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from assistant.config import Settings
from assistant.registry.data import registry_spec
from assistant.registry.numbers import decode_number, display_number
from assistant.registry.parse import (
    ListFormatError,
    ParsedList,
    Unreadable,
    parse_list_bytes,
    parse_list_file,
)
from assistant.store import Workspace, registry_lists, registry_rows

ROW_FIELDS = (
    "row_no",
    "seq",
    "algorithm_name",
    "category",
    "entity",
    "products",
    "purpose",
    "number",
    "remark",
)
DECODED_FIELDS = ("digits", "region_code", "filer_code", "class_code", "year")


@dataclass(frozen=True)
class RegistryRow:
    """One published filing row, with its list's series and batch and its decoded number."""

    series: str
    batch: str
    row_no: int
    algorithm_name: str
    category: str
    entity: str
    products: str
    purpose: str
    number: str
    digits: str
    remark: str
    region_code: str = ""
    filer_code: str = ""
    class_code: str = ""
    year: int | None = None
    seq: str = ""

    @property
    def type(self) -> str:
        """The class in today's taxonomy: 生成合成类 for deep synthesis; a 检索过滤类 filing by its class code."""
        spec = registry_spec()
        if self.series == "deep_synthesis":
            return "生成合成类"
        if self.category in spec.types:
            return self.category
        code_type = spec.class_codes.get(self.class_code, {}).get("type", "")
        family = spec.type_family(self.category)
        if code_type in family or not code_type:
            return code_type or self.category
        return self.category

    @property
    def province(self) -> str:
        return registry_spec().provinces.get(self.region_code[:2], "")

    @property
    def series_label(self) -> str:
        return registry_spec().series_label(self.series)

    @property
    def withdrawn(self) -> bool:
        return bool(registry_spec().withdrawn_re.search(self.remark))

    @property
    def display_number(self) -> str:
        return display_number(self.digits) if self.digits else self.number

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "digits": self.digits,
            "algorithm_name": self.algorithm_name,
            "class": self.category,
            "type": self.type,
            "series": self.series,
            "series_label": self.series_label,
            "entity": self.entity,
            "products": self.products,
            "purpose": self.purpose,
            "batch": self.batch,
            "remark": self.remark,
            "province": self.province,
            "withdrawn": self.withdrawn,
            "row_no": self.row_no,
        }


@dataclass
class ImportReport:
    source: str
    series: str = ""
    batch: str = ""
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    unreadable: list[Unreadable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}

    def summary(self) -> str:
        if self.error:
            return f"{self.source}：未导入。{self.error}"
        label = registry_spec().series_label(self.series)
        year, month = self.batch.split("-")
        lines = [
            f"{self.source}：《{label}（{year}年{int(month)}月）》新增 {self.added} 行，变更 {self.changed} 行，"
            f"未变 {self.unchanged} 行，删除 {self.removed} 行，无法读取 {len(self.unreadable)} 行"
        ]
        lines += [f"  第 {item.row_no} 行无法读取：{item.reason}" for item in self.unreadable]
        lines += [f"  提示：{note}" for note in self.notes]
        return "\n".join(lines)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _row_values(parsed: ParsedList) -> dict[str, dict[str, Any]]:
    """Each row's stored values, keyed by its number's digits (row:N for a number that repeats in the list)."""
    decoded = [decode_number(row.number) for row in parsed.rows]
    counts = Counter(d.digits for d in decoded)
    values: dict[str, dict[str, Any]] = {}
    for row, number in zip(parsed.rows, decoded, strict=True):
        key = number.digits if counts[number.digits] == 1 else f"row:{row.row_no}"
        values[key] = {
            **{name: getattr(row, name) for name in ROW_FIELDS},
            "digits": number.digits,
            "region_code": number.region_code,
            "filer_code": number.filer_code,
            "class_code": number.class_code,
            "year": number.year,
        }
    return values


def store_list(conn: Connection, parsed: ParsedList) -> ImportReport:
    """Write one parsed list inside the caller's transaction: added, changed and removed rows by key."""
    report = ImportReport(
        parsed.source, parsed.series, parsed.batch, unreadable=parsed.unreadable, notes=parsed.notes
    )
    existing = conn.execute(
        select(registry_lists).where(
            registry_lists.c.series == parsed.series, registry_lists.c.batch == parsed.batch
        )
    ).first()
    values = _row_values(parsed)
    meta = {
        "source": parsed.source,
        "sha256": parsed.sha256,
        "title": parsed.title[:300],
        "rows": len(values),
    }
    if existing is None:
        list_id = conn.execute(
            insert(registry_lists).values(series=parsed.series, batch=parsed.batch, imported=_now(), **meta)
        ).inserted_primary_key[0]
        old: dict[str, dict[str, Any]] = {}
    else:
        list_id = existing.id
        conn.execute(
            update(registry_lists).where(registry_lists.c.id == list_id).values(imported=_now(), **meta)
        )
        old = {
            r.key: dict(r._mapping)
            for r in conn.execute(select(registry_rows).where(registry_rows.c.list_id == list_id))
        }
    fields = (*ROW_FIELDS, *DECODED_FIELDS)
    added = [{"list_id": list_id, "key": key, **row} for key, row in values.items() if key not in old]
    if added:
        conn.execute(insert(registry_rows), added)
    for key, row in values.items():
        if key in old:
            if any(old[key][name] != row[name] for name in fields):
                conn.execute(update(registry_rows).where(registry_rows.c.id == old[key]["id"]).values(**row))
                report.changed += 1
            else:
                report.unchanged += 1
    gone = [old[key]["id"] for key in old if key not in values]
    if gone:
        conn.execute(delete(registry_rows).where(registry_rows.c.id.in_(gone)))
    report.added, report.removed = len(added), len(gone)
    return report


def import_files(
    ws: Workspace, paths: list[Path], *, series: str | None = None, batch: str | None = None
) -> list[ImportReport]:
    """Import each file in its own transaction; a file that cannot be read is reported and leaves the
    database as it was. The bundled lists are loaded first, so the database always holds them too."""
    sync_bundled(ws)
    reports = []
    for path in paths:
        try:
            parsed = parse_list_file(path, series=series, batch=batch)
        except ListFormatError as exc:
            reports.append(ImportReport(path.name, error=str(exc)))
            continue
        with ws.engine.begin() as conn:
            reports.append(store_list(conn, parsed))
    return reports


# --- bundled lists ---------------------------------------------------------------------------------


def bundled_dir(settings: Settings) -> Path:
    return settings.corpus_dir / "registry"


def bundled_files(settings: Settings) -> list[Path]:
    directory = bundled_dir(settings)
    return sorted(directory.glob("*.docx")) if directory.is_dir() else []


@lru_cache(maxsize=128)
def _parse_cached(path: str, sha256: str) -> ParsedList:
    return parse_list_bytes(Path(path).read_bytes(), Path(path).name)


def parse_bundled(settings: Settings) -> list[ParsedList]:
    """Every bundled list, parsed once per process (keyed by content)."""
    from assistant.registry.parse import file_sha256

    return [_parse_cached(str(path), file_sha256(path.read_bytes())) for path in bundled_files(settings)]


def sync_bundled(ws: Workspace, settings: Settings | None = None) -> list[ImportReport]:
    """Import the bundled lists the database does not hold yet (by content hash). A batch the user imported
    from another file is left alone: their newer copy wins over the bundled one."""
    from assistant.config import get_settings

    settings = settings or get_settings()
    with ws.engine.connect() as conn:
        known = {(r.series, r.batch): (r.source, r.sha256) for r in conn.execute(select(registry_lists))}
    shas = {sha for _, sha in known.values()}
    reports = []
    for parsed in parse_bundled(settings):
        if parsed.sha256 in shas:
            continue
        holder = known.get((parsed.series, parsed.batch))
        if holder and holder[0] != parsed.source:
            continue
        with ws.engine.begin() as conn:
            reports.append(store_list(conn, parsed))
    return reports


# --- reading -----------------------------------------------------------------------------------------


def registry_revision(engine: Engine) -> tuple[int, str, int]:
    """Changes whenever a list is imported or re-imported (count, newest import time, total rows)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(
                func.count(registry_lists.c.id),
                func.max(registry_lists.c.imported),
                func.sum(registry_lists.c.rows),
            )
        ).first()
    return (int(row[0] or 0), str(row[1] or ""), int(row[2] or 0))


def load_rows(engine: Engine) -> list[RegistryRow]:
    columns = [registry_rows.c[name] for name in (*ROW_FIELDS, *DECODED_FIELDS)]
    query = (
        select(registry_lists.c.series, registry_lists.c.batch, *columns)
        .join(registry_lists, registry_lists.c.id == registry_rows.c.list_id)
        .order_by(registry_lists.c.batch, registry_lists.c.series, registry_rows.c.row_no)
    )
    with engine.connect() as conn:
        return [RegistryRow(**dict(r._mapping)) for r in conn.execute(query)]


def rows_from_parsed(lists: list[ParsedList]) -> list[RegistryRow]:
    rows: list[RegistryRow] = []
    for parsed in sorted(lists, key=lambda p: (p.batch, p.series)):
        for values in _row_values(parsed).values():
            rows.append(RegistryRow(series=parsed.series, batch=parsed.batch, **values))
    return rows


def list_summaries(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(
                select(registry_lists).order_by(registry_lists.c.batch, registry_lists.c.series)
            )
        ]
