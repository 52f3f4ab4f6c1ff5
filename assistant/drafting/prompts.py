"""Prompt templates (prompts/*.md, one file per task), rendered with `$name` placeholders."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from string import Template

from assistant.config import get_settings


@lru_cache(maxsize=32)
def _template(directory: str, name: str) -> Template:
    return Template((Path(directory) / f"{name}.md").read_text(encoding="utf-8"))


def render(name: str, directory: Path | None = None, **values: object) -> str:
    """Render prompts/<name>.md; every placeholder must be given (KeyError otherwise)."""
    directory = directory or get_settings().prompts_dir
    return _template(str(directory), name).substitute({k: str(v) for k, v in values.items()})


def prompt_hash(*texts: str) -> str:
    return hashlib.sha256("\x1e".join(texts).encode("utf-8")).hexdigest()[:16]


def data_block(text: str) -> str:
    """Text placed inside <data> tags cannot close the tag or open a fake role turn."""
    return (
        text.replace("<data>", "＜data＞")
        .replace("</data>", "＜/data＞")
        .replace("<|im_start|>", "")
        .replace("<|im_end|>", "")
    )
