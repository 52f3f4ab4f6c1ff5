"""Shared, lazily built services for the CLI and the app: settings, regulation registry, spec, index."""

from __future__ import annotations

from functools import cached_property

from assistant.config import Settings, get_settings
from assistant.corpus.citations import build_registry
from assistant.corpus.filings import FilingLibrary
from assistant.corpus.regulations import ArticleRegistry
from assistant.spec import SpecBook, load_spec


class Runtime:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()

    @cached_property
    def registry(self) -> ArticleRegistry:
        return build_registry(self.settings.regulations_dir)

    @cached_property
    def spec(self) -> SpecBook:
        from assistant.checking.rules import verify_rule_data

        spec = load_spec()
        verify_rule_data(spec, self.registry)  # every article reference exists and its quote is its text
        return spec

    @cached_property
    def library(self) -> FilingLibrary:
        return FilingLibrary.from_dirs(self.settings.filing_dirs)

    @cached_property
    def collection(self):  # noqa: ANN201 - chromadb Collection
        from assistant.corpus.index import get_collection

        return get_collection(self.settings)

    @cached_property
    def retriever(self):  # noqa: ANN201 - assistant.corpus.retrieve.Retriever
        from assistant.corpus.retrieve import Retriever

        return Retriever(self.settings, self.registry, self.collection)
