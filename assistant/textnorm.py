"""Text normalisation for comparing quotes with official texts."""

from __future__ import annotations

import re
import unicodedata

_PUNCT_MAP = str.maketrans({
    "“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"', "‘": "'", "’": "'",
    "。": ".", "、": ",", "《": "<", "》": ">", "〔": "(", "〕": ")", "【": "[", "】": "]",
    "—": "-", "–": "-", "－": "-", "…": "...",
})
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Fold full/half-width forms and Chinese punctuation variants, drop all whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT_MAP)
    return _SPACE.sub("", text)
