"""Second stage of retrieval: rerank the first stage's best articles by their best sentence and by who they
oblige.

The first stage (assistant.corpus.retrieve) scores whole chunks; a long article listing several duties is
diluted there by the duties a question is not about. Here each of the `DEPTH` best articles is also judged
by its sentence closest to the question (dense cosine against the article-sentence collection that ingest
writes), and an article whose every duty falls on an actor the question is not about (the state, when a
filer asks about its own product; assistant.corpus.duties) is lowered:

    order = fused + SENTENCE_WEIGHT · minmax(best sentence cosine) − ACTOR_PENALTY · mismatch

The fused score itself is kept on each hit (its > 0.5 meaning is unchanged); only the order changes. The
weights were chosen on the development question sets (docs/benchmarks.md); the actor penalty rose from 0.05
to 0.1 when the duty reading learnt sentence subjects, policy sentences, third parties and app stores."""

from __future__ import annotations

from dataclasses import dataclass

DEPTH = 20  # articles reranked (the first stage's Recall@20 is ~1 on the dev set)
SENTENCE_WEIGHT = 0.1
ACTOR_PENALTY = 0.1


@dataclass
class Candidate:
    key: int  # chunk position
    fused: float
    best_sentence: float | None  # best sentence cosine; None when the chunk has no indexed sentences
    cosine: float | None  # whole-chunk cosine (stands in for chunks without sentences)
    mismatch: bool = False


def order(candidates: list[Candidate]) -> dict[int, float]:
    """Chunk position → the score the candidates are ordered by."""
    closeness = {
        c.key: c.best_sentence if c.best_sentence is not None else c.cosine
        for c in candidates
        if (c.best_sentence if c.best_sentence is not None else c.cosine) is not None
    }
    low, high = min(closeness.values(), default=0.0), max(closeness.values(), default=0.0)
    span = high - low
    scores: dict[int, float] = {}
    for c in candidates:
        value = closeness.get(c.key)
        sentence = (value - low) / span if value is not None and span > 0 else 0.0
        scores[c.key] = c.fused + SENTENCE_WEIGHT * sentence - ACTOR_PENALTY * c.mismatch
    return scores
