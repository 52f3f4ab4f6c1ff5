"""Grounding: the sentence a value came from, and whether the description supports it at all. A value that
cannot be located is not accepted; one only weakly supported is kept but marked uncertain."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.checking.matching import mentions
from assistant.drafting.extraction.text import Sentence
from assistant.textnorm import normalize

STRONG = 0.75
WEAK = 0.5


@dataclass
class Grounding:
    sentence: Sentence | None
    start: int
    end: int
    strength: str  # "verbatim" | "paraphrase" | "weak" | "none"


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"\s+", "", normalize(text))
    return {text[i : i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def best_sentence(items: list[Sentence], value: str) -> Sentence | None:
    grams = _bigrams(value)
    if not grams or not items:
        return None
    scored = [(len(grams & _bigrams(s.text)) / len(grams), -i, s) for i, s in enumerate(items)]
    score, _, sentence = max(scored, key=lambda x: (x[0], x[1]))
    return sentence if score > 0 else None


def ground(description: str, items: list[Sentence], value: str) -> Grounding:
    """Where `value` is stated: verbatim (exact span), by paraphrase (every number and most content words
    of it in one sentence or two adjacent ones), weakly, or not at all."""
    value = value.strip()
    position = description.find(value)
    if value and position >= 0:
        sentence = next((s for s in items if s.start <= position < s.end), None)
        return Grounding(sentence, position, position + len(value), "verbatim")
    sentence = best_sentence(items, value)
    if sentence is None:
        return Grounding(None, 0, 0, "none")
    index = items.index(sentence)
    window = "".join(s.text for s in items[max(0, index - 1) : index + 2])
    if mentions(sentence.text, value, threshold=STRONG) or mentions(window, value, threshold=STRONG):
        return Grounding(sentence, sentence.start, sentence.end, "paraphrase")
    if mentions(window, value, threshold=WEAK) or (
        len(_bigrams(value) & _bigrams(window)) / max(1, len(_bigrams(value))) >= 0.6
    ):
        return Grounding(sentence, sentence.start, sentence.end, "weak")
    return Grounding(sentence, sentence.start, sentence.end, "none")
