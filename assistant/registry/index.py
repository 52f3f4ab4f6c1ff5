"""The loaded registry in memory: exact lookup by number, fuzzy lookup by entity, algorithm or product name
(rapidfuzz), a filing's history across batches, the names a filer has been registered under, and the
figures the UI charts. Built from the workspace database, or from the bundled lists when the database holds
none yet (no write happens on a read)."""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from rapidfuzz import fuzz, process, utils

from assistant.config import Settings
from assistant.registry.data import registry_spec
from assistant.registry.db import RegistryRow, load_rows, parse_bundled, registry_revision, rows_from_parsed
from assistant.registry.numbers import looks_like_number, number_digits
from assistant.store import Workspace

FUZZY_CUTOFF = 70
NAME_FIELDS = ("entity", "algorithm_name", "products")


@dataclass
class LookupHit:
    row: RegistryRow
    score: float
    matched: str  # number | entity | algorithm_name | products

    def to_dict(self) -> dict[str, Any]:
        return {**self.row.to_dict(), "score": round(self.score, 1), "matched": self.matched}


@dataclass
class RegistryIndex:
    rows: list[RegistryRow]
    source: str = "database"  # database | bundled

    @cached_property
    def by_digits(self) -> dict[str, list[RegistryRow]]:
        found: dict[str, list[RegistryRow]] = defaultdict(list)
        for row in self.rows:
            found[row.digits].append(row)
        return dict(found)

    @cached_property
    def _choices(self) -> dict[str, tuple[list[str], list[list[int]]]]:
        """Per field, its distinct folded values (NFKC, rapidfuzz's default processing) and their rows."""
        choices: dict[str, tuple[list[str], list[list[int]]]] = {}
        for name in NAME_FIELDS:
            rows_of: dict[str, list[int]] = defaultdict(list)
            for index, row in enumerate(self.rows):
                rows_of[_fold(getattr(row, name))].append(index)
            rows_of.pop("", None)
            choices[name] = (list(rows_of), list(rows_of.values()))
        return choices

    @cached_property
    def batches(self) -> list[str]:
        return sorted({row.batch for row in self.rows})

    @property
    def newest_batch(self) -> str:
        return self.batches[-1] if self.batches else ""

    def history(self, digits: str) -> list[RegistryRow]:
        """Every published row of one number, oldest batch first (its remarks tell its changes)."""
        return sorted(
            self.by_digits.get(number_digits(digits) or digits, []), key=lambda r: (r.batch, r.row_no)
        )

    def lookup(self, query: str, limit: int = 20) -> list[LookupHit]:
        query = query.strip()
        if not query:
            return []
        if looks_like_number(query):
            return [LookupHit(row, 100.0, "number") for row in reversed(self.history(number_digits(query)))]
        folded = _fold(query)
        best: dict[int, LookupHit] = {}
        for name in NAME_FIELDS:
            values, rows_of = self._choices[name]
            for index, score in _matches(folded, values, limit * 3):
                for row_index in rows_of[index]:
                    if row_index not in best or score > best[row_index].score:
                        best[row_index] = LookupHit(self.rows[row_index], score, name)
        return sorted(best.values(), key=lambda h: (-h.score, -_batch_number(h.row.batch)))[:limit]

    def filer_names(self, filer_code: str) -> set[str]:
        """Every entity name registered under one filer code, and the names its remarks record it changed from."""
        rename = registry_spec().rename_re
        names: set[str] = set()
        for row in self.rows:
            if row.filer_code == filer_code and filer_code:
                names.add(row.entity)
                for old, new in rename.findall(row.remark):
                    names.update((old, new))
        return names

    def names_for(self, digits: str) -> set[str]:
        """The entity names a number is registered under (across batches and recorded renames)."""
        rows = self.history(digits)
        rename = registry_spec().rename_re
        names = {row.entity for row in rows}
        for row in rows:
            for old, new in rename.findall(row.remark):
                names.update((old, new))
        return names | (self.filer_names(rows[0].filer_code) if rows else set())

    # --- figures for the UI ------------------------------------------------------------------------

    def per_batch_by_type(self) -> list[dict[str, Any]]:
        counts = Counter((row.batch, row.type) for row in self.rows)
        return [{"batch": b, "type": t, "count": n} for (b, t), n in sorted(counts.items())]

    def top_provinces(self, limit: int = 10) -> list[dict[str, Any]]:
        counts = Counter(row.province or "未知" for row in self.rows)
        return [{"province": p, "count": n} for p, n in counts.most_common(limit)]


def _fold(text: str) -> str:
    return utils.default_process(unicodedata.normalize("NFKC", text or ""))


def _matches(query: str, values: list[str], limit: int) -> list[tuple[int, float]]:
    """Values containing the query score 100 less a little for every extra character (a short name inside a
    long one); the others rapidfuzz's partial ratio (C++: ~2 ms over 5,000 names), above FUZZY_CUTOFF."""
    if not query:
        return []
    found = {
        index: 100.0 - min(10.0, (len(value) - len(query)) / 4)
        for index, value in enumerate(values)
        if query in value
    }
    if len(found) < limit:
        for _, score, index in process.extract(
            query, values, scorer=fuzz.partial_ratio, processor=None, limit=limit, score_cutoff=FUZZY_CUTOFF
        ):
            found.setdefault(index, min(float(score), 95.0))
    return sorted(found.items(), key=lambda item: -item[1])[:limit]


def _batch_number(batch: str) -> int:
    return int(batch.replace("-", "")) if batch.replace("-", "").isdigit() else 0


# --- the shared, cached index -------------------------------------------------------------------------

_CACHE: dict[Any, RegistryIndex] = {}
_CACHE_LOCK = threading.Lock()


@lru_cache(maxsize=8)
def workspace_for(url: str) -> Workspace:
    return Workspace(url)


def get_index(settings: Settings) -> RegistryIndex:
    """The registry as the workspace database holds it (rebuilt when a list is imported), or the bundled
    lists when the database holds none."""
    engine, revision = None, (0, "", 0)
    if settings.has_workspace:  # reading the registry never creates a workspace database
        try:
            engine = workspace_for(settings.workspace_url).engine
            revision = registry_revision(engine)
        except Exception:  # noqa: BLE001 - an unreachable database still leaves the bundled lists
            engine, revision = None, (0, "", 0)
    if revision[0] == 0:
        key: Any = ("bundled", str(settings.corpus_dir))
    else:
        key = (settings.workspace_url, revision)
    with _CACHE_LOCK:
        if key not in _CACHE:
            for stale in [k for k in _CACHE if k[0] == key[0]]:
                del _CACHE[stale]
            if revision[0] == 0 or engine is None:
                _CACHE[key] = RegistryIndex(rows_from_parsed(parse_bundled(settings)), source="bundled")
            else:
                _CACHE[key] = RegistryIndex(load_rows(engine))
        return _CACHE[key]
