"""Text normalisation for comparing quotes with official texts."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from assistant import SPEC_DIR

_PUNCT_MAP = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "「": '"',
        "」": '"',
        "『": '"',
        "』": '"',
        "‘": "'",
        "’": "'",
        "。": ".",
        "、": ",",
        "《": "<",
        "》": ">",
        "〔": "(",
        "〕": ")",
        "【": "[",
        "】": "]",
        "—": "-",
        "–": "-",
        "－": "-",
        "…": "...",
    }
)
_SPACE = re.compile(r"\s+")
_PUNCT_ONLY = re.compile(r"^[\W_]+$")


@lru_cache(maxsize=1024)
def normalize(text: str) -> str:
    """Fold full/half-width forms and Chinese punctuation variants, drop all whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT_MAP)
    return _SPACE.sub("", text)


_TERMS_FILE = SPEC_DIR / "terms.txt"
_TOKEN_STOP = set("的了和与及或等在是为对将其之以于中上下这那个条款项第本")
_jieba_ready = False


def segmenter() -> Any:
    """jieba with the project's terms (spec/terms.txt) added, imported on first use (the import costs ~0.4 s)."""
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        jieba.setLogLevel(60)
        for word in _TERMS_FILE.read_text(encoding="utf-8").split():
            jieba.add_word(word, freq=20000)
        _jieba_ready = True
    return jieba


def tokenize(text: str) -> list[str]:
    """Search tokens for BM25: jieba search-mode words, folded, without punctuation and stop characters."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return [
        t
        for t in segmenter().lcut_for_search(folded)
        if t.strip() and not _PUNCT_ONLY.match(t) and t not in _TOKEN_STOP
    ]
