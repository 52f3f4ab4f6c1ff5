"""Chinese numerals as used in article labels (第二十四条, 第一百零一条)."""

from __future__ import annotations

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_CHARS = "零一二三四五六七八九"


def cn_to_int(text: str) -> int:
    """Convert a Chinese numeral (up to 9999) or ASCII digits to an int; ValueError otherwise."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(c not in _DIGITS and c not in _UNITS for c in text):
        raise ValueError(f"不是中文数字：{text!r}")
    total, digit = 0, None
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        else:
            total += (1 if digit is None else digit) * _UNITS[char]
            digit = None
    return total + (digit or 0)


def int_to_cn(number: int) -> str:
    """Canonical Chinese numeral for 1..9999 as written in statutes (十一, 二十, 一百零一)."""
    if not 0 < number < 10000:
        raise ValueError(f"超出范围：{number}")
    parts: list[str] = []
    zero_pending = False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // unit_value % 10
        if digit == 0:
            zero_pending = bool(parts)
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        if not (unit == "十" and digit == 1 and not parts):
            parts.append(_CHARS[digit])
        parts.append(unit)
    return "".join(parts)


def article_label(number: int) -> str:
    return f"第{int_to_cn(number)}条"
