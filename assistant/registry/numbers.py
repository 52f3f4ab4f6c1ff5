"""The 备案编号: normalisation (full-width digits, spaces) and decoding of its 21 digits (domain/registry.md):
region (1–6), filer (7–13), class (14–15), year (16–17), sequence (18–21). The structure is inferred from the
published lists, not from an official specification, so a number that breaks it gets problems that say which
digits and why, never a refusal."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from assistant.registry.data import registry_spec

_SPACE = re.compile(r"\s+")
_NUMBER_IN_TEXT = re.compile(r"网信算备\s*[0-9０-９][0-9０-９\s]*号?")


def normalize_number(text: str) -> str:
    """Fold full-width digits and letters (NFKC) and drop every space: “网信算备 １１０１…号” → “网信算备1101…号”."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or ""))


def number_digits(text: str) -> str:
    """The digits of a filing number (prefix, suffix and spaces removed); "" when it holds none."""
    spec = registry_spec().number
    core = normalize_number(text).removeprefix(spec["prefix"]).removesuffix(spec["suffix"])
    return re.sub(r"\D", "", core)


def looks_like_number(text: str) -> bool:
    """A query that is a filing number (or its digits) rather than a name."""
    folded = normalize_number(text)
    return folded.startswith(registry_spec().number["prefix"]) or bool(re.fullmatch(r"\d{6,}号?", folded))


def numbers_in(text: str) -> list[str]:
    """Every 网信算备 number written in `text`, normalised."""
    return [normalize_number(m) for m in _NUMBER_IN_TEXT.findall(text or "")]


def display_number(digits: str) -> str:
    spec = registry_spec().number
    return f"{spec['prefix']}{digits}{spec['suffix']}"


@dataclass
class DecodedNumber:
    """One filing number read digit by digit; `problems` explains every part that breaks the structure."""

    text: str
    digits: str
    region_code: str = ""
    province: str = ""
    filer_code: str = ""
    class_code: str = ""
    class_type: str = ""  # the class the code stands for today (01 生成合成类 … 06 调度决策类)
    class_names: list[str] = field(default_factory=list)  # every name the lists have used for this code
    year: int | None = None
    sequence: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def well_formed(self) -> bool:
        return not self.problems

    @property
    def display(self) -> str:
        return display_number(self.digits) if self.digits else self.text

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "well_formed": self.well_formed, "display": self.display}


def decode_number(text: str, *, today: date | None = None) -> DecodedNumber:
    spec = registry_spec()
    cfg = spec.number
    folded = normalize_number(text)
    digits = number_digits(text)
    decoded = DecodedNumber(text=text, digits=digits)
    if not folded.startswith(cfg["prefix"]):
        decoded.problems.append(f"应以“{cfg['prefix']}”开头")
    rest = folded.removeprefix(cfg["prefix"]).removesuffix(cfg["suffix"])
    if not digits:
        decoded.problems.append(f"“{cfg['prefix']}”之后应为 {cfg['digits']} 位数字，实为“{rest or '（空）'}”")
        return decoded
    if not rest.isdigit():
        decoded.problems.append(f"“{cfg['prefix']}”之后含有数字以外的字符：“{rest}”")
    if len(digits) != cfg["digits"]:
        decoded.problems.append(f"共 {len(digits)} 位数字，应为 {cfg['digits']} 位")
    _decode_parts(decoded, today or date.today())
    return decoded


def _decode_parts(decoded: DecodedNumber, today: date) -> None:
    spec = registry_spec()
    digits = decoded.digits
    decoded.region_code = digits[:6]
    decoded.province = spec.provinces.get(digits[:2], "")
    if len(digits) >= 2 and not decoded.province:
        decoded.problems.append(f"第 1–2 位“{digits[:2]}”不是省级行政区划代码（GB/T 2260）")
    decoded.filer_code = digits[6:13]
    decoded.class_code = digits[13:15]
    decoded.sequence = digits[17:21]
    if len(digits) < 15:
        return
    info = spec.class_codes.get(decoded.class_code)
    if info is None:
        known = "、".join(f"{code} {item['type']}" for code, item in spec.class_codes.items())
        decoded.problems.append(f"第 14–15 位类别代码“{decoded.class_code}”不是已知的类别代码（{known}）")
    else:
        decoded.class_type, decoded.class_names = info["type"], list(info["names"])
    if len(digits) < 17:
        return
    year = int(digits[15:17])
    decoded.year = 2000 + year
    if not spec.number["first_year"] <= year <= today.year % 100:
        decoded.problems.append(
            f"第 16–17 位年份“{digits[15:17]}”不在 20{spec.number['first_year']}–{today.year} 年之间"
        )
