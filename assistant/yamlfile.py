"""YAML loading through libyaml when PyYAML has it: the spec, check and label files are parsed at every start
of the CLI and the app, and the pure-Python parser spends most of a second on them. User facts files keep the
pure-Python loader (assistant.facts), whose error positions the messages are built on."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Same result as `yaml.safe_load`."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (C or Python)
