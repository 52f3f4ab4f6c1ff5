"""Duty bearers (assistant/spec/duties.yaml): who an article obliges and who a question is about.

An article's actors are read from its duty sentences — the phrase before the first modal (应当, 不得, 有权 …)
names who bears the duty — and classed as provider, state or user. A question is about the filer's own
duties unless it names the authorities or speaks as a user. The reranker (assistant.corpus.rerank) lowers
articles whose every duty falls on an actor the question is not about."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, Field

from assistant import SPEC_DIR
from assistant.yamlfile import load_yaml

DUTIES_FILE = SPEC_DIR / "duties.yaml"
_SENTENCE = re.compile(r"(?<=[。；;！？])|\n")
_ITEM_LABEL = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_ACTOR_SPAN = 30  # characters before the modal that may name the actor


class QuestionActors(BaseModel):
    default: list[str] = Field(default_factory=list)
    markers: dict[str, list[str]] = Field(default_factory=dict, description="actors a question adds")
    own_voice: dict[str, list[str]] = Field(
        default_factory=dict, description="actors that replace the default"
    )


class Duties(BaseModel):
    modals: list[str]
    not_actors: list[str] = Field(default_factory=list)
    actors: dict[str, list[str]]
    everyone: list[str] = Field(default_factory=list)
    question: QuestionActors = Field(default_factory=QuestionActors)
    exempt_chapters: list[str] = Field(default_factory=list)

    @property
    def modal_re(self) -> re.Pattern[str]:
        return re.compile("|".join(map(re.escape, self.modals)))


@lru_cache(maxsize=1)
def duties() -> Duties:
    return Duties.model_validate(load_yaml(DUTIES_FILE.read_text(encoding="utf-8")))


def actor_class(phrase: str) -> set[str]:
    """The actor class(es) a phrase names: the first class in duties.yaml with one of its words in it."""
    data = duties()
    for word in data.not_actors:
        phrase = phrase.replace(word, "")
    for name, words in data.actors.items():
        if any(word in phrase for word in words):
            return set(data.everyone) if name == "everyone" else {name}
    return set()


def article_actors(text: str) -> set[str]:
    """Who the duty sentences of an article's text oblige (empty when it has none, e.g. a definition)."""
    modal = duties().modal_re
    found: set[str] = set()
    for sentence in _SENTENCE.split(text):
        sentence = _ITEM_LABEL.sub("", sentence.strip())
        match = modal.search(sentence)
        if match:
            found |= actor_class(sentence[: match.start()][-_ACTOR_SPAN:])
    return found


def question_actors(text: str) -> set[str]:
    data = duties().question
    voice = {name for name, words in data.own_voice.items() if any(word in text for word in words)}
    wanted = voice or set(data.default)
    wanted |= {name for name, words in data.markers.items() if any(word in text for word in words)}
    return wanted


def exempt(chapter: str) -> bool:
    return any(name in chapter for name in duties().exempt_chapters)


def actor_mismatch(question: str, article_text: str, chapter: str = "") -> bool:
    """True when every duty in the article falls on actors the question is not about."""
    if exempt(chapter):
        return False
    actors = article_actors(article_text)
    return bool(actors) and not actors & question_actors(question)
