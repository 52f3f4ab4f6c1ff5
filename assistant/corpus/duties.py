"""Duty bearers (assistant/spec/duties.yaml): who an article obliges and who a question is about.

An article's actors are read from its duty sentences and classed as provider, state, user or third party
(schools, trade bodies …). The phrase before a sentence's first modal (应当, 不得, 有权 …) names who bears the
duty; when it names nobody, the sentence's opening clause does (its grammatical subject: "使用者发现……的，
有权……"); a sentence that opens with a policy modal ("鼓励……", "支持……") speaks for the state. Sentences
that impose a penalty ("由…部门责令改正") are not read: their subject is the authority by grammar, whatever
the article is about. A question is about the filer's own duties unless it names the authorities, a third
party, or speaks as a user. The reranker (assistant.corpus.rerank) lowers
articles whose every duty falls on an actor the question is not about."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, Field

from assistant import SPEC_DIR
from assistant.yamlfile import load_yaml

DUTIES_FILE = SPEC_DIR / "duties.yaml"
_SENTENCE = re.compile(r"(?<=[。；;！？])|\n")
_CLAUSE = re.compile(r"[，,：:]")
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
    leading: dict[str, str] = Field(
        default_factory=dict,
        description="modal that opens a subjectless sentence → the actor class it implies",
    )
    not_actors: list[str] = Field(default_factory=list)
    actors: dict[str, list[str]]
    everyone: list[str] = Field(default_factory=list)
    question: QuestionActors = Field(default_factory=QuestionActors)
    sanctions: list[str] = Field(
        default_factory=list, description="words of a sentence that imposes a penalty"
    )

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
            return _expand(name)
    return set()


def _expand(name: str) -> set[str]:
    """An actor class as a set; "everyone" stands for the classes duties.yaml lists under `everyone`."""
    return set(duties().everyone) if name == "everyone" else {name}


def sentence_actors(sentence: str) -> set[str]:
    """Who one duty sentence obliges: the phrase just before its first modal, else its opening clause (the
    subject of "X发现……的，有权……"); a sentence opening with a policy modal ("鼓励……") implies its class."""
    data = duties()
    sentence = _ITEM_LABEL.sub("", sentence.strip())
    match = data.modal_re.search(sentence)
    if not match or any(word in sentence for word in data.sanctions):
        return set()
    before = sentence[: match.start()]
    if not before.strip():
        implied = data.leading.get(match.group(0))
        return _expand(implied) if implied else set()
    return actor_class(before[-_ACTOR_SPAN:]) or actor_class(_CLAUSE.split(before, 1)[0])


def article_actors(text: str) -> set[str]:
    """Who the duty sentences of an article's text oblige (empty when it has none, e.g. a definition)."""
    found: set[str] = set()
    for sentence in _SENTENCE.split(text):
        found |= sentence_actors(sentence)
    return found


def question_actors(text: str) -> set[str]:
    data = duties().question
    voice = {name for name, words in data.own_voice.items() if any(word in text for word in words)}
    wanted = voice or set(data.default)
    wanted |= {name for name, words in data.markers.items() if any(word in text for word in words)}
    return wanted


def actor_mismatch(question: str, article_text: str) -> bool:
    """True when every duty in the article falls on actors the question is not about."""
    actors = article_actors(article_text)
    return bool(actors) and not actors & question_actors(question)
