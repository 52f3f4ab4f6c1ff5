"""The registry's domain data (assistant/spec/registry.yaml), loaded once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from assistant import SPEC_DIR
from assistant.yamlfile import load_yaml

REGISTRY_SPEC = SPEC_DIR / "registry.yaml"
SERIES = ("general", "deep_synthesis")


@dataclass(frozen=True)
class RegistrySpec:
    raw: dict[str, Any]

    @property
    def series(self) -> dict[str, dict[str, str]]:
        return self.raw["series"]

    def series_label(self, series: str) -> str:
        return self.series[series]["label"]

    @property
    def columns(self) -> dict[str, list[str]]:
        return self.raw["columns"]

    @property
    def required(self) -> list[str]:
        return self.raw["required"]

    @property
    def number(self) -> dict[str, Any]:
        return self.raw["number"]

    @property
    def class_codes(self) -> dict[str, dict[str, Any]]:
        return self.raw["class_codes"]

    @property
    def types(self) -> list[str]:
        return self.raw["types"]

    @property
    def roles(self) -> list[str]:
        return self.raw["roles"]

    @property
    def provinces(self) -> dict[str, str]:
        return self.raw["provinces"]

    @cached_property
    def withdrawn_re(self) -> re.Pattern[str]:
        return re.compile(self.raw["remarks"]["withdrawn"])

    @cached_property
    def rename_re(self) -> re.Pattern[str]:
        return re.compile(self.raw["remarks"]["entity_rename"])

    @cached_property
    def hints(self) -> dict[str, re.Pattern[str]]:
        return {cls: re.compile(pattern, re.I) for cls, pattern in self.raw["class_hints"].items()}

    @property
    def hint_weight(self) -> float:
        return float(self.raw["hint_weight"])

    def type_family(self, declared: str) -> set[str]:
        """The current classes a declared type stands for (检索过滤类 → 信息检索类 and 内容过滤类)."""
        alias = self.raw["type_aliases"].get(declared, declared)
        return set(alias) if isinstance(alias, list) else {alias}


@lru_cache(maxsize=1)
def registry_spec() -> RegistrySpec:
    return RegistrySpec(load_yaml(REGISTRY_SPEC.read_text(encoding="utf-8")))
