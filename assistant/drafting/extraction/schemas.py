"""Extraction groups and their JSON schemas, taken from the facts model (assistant/facts.py: FACT_GROUPS
and group_schema) and prepared for constrained decoding: no descriptions (a label or hint must never be
copied into a value), no fields the deterministic layer owns, strings bounded in length."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant import facts as fm

STRING_MAX = 120  # characters: a value is a phrase from the description, never a paragraph
# Fields the model layer never fills: identifiers and formatted facts are the deterministic layer's, and
# whether a filing is a change or has an opinion attribute is read from the words, not guessed.
RULE_ONLY = {
    "entity.credit_code",
    "product.icp_number",
    "product.urls",
    "product.launch_date",
    "filing.existing_filing_number",
    "filing.filing_kind",
    "filing.public_opinion_attribute",
    "filing.assessment_date",
    "filing.report_date",
    "algorithm.models.llm_filing_number",
    "algorithm.models.algorithm_filing_number",
    "entity.security_officer.phone",
    "entity.security_officer.email",
}
# Lists whose items the rules name but only the model can complete (a model's purpose, architecture …):
# asked of the model even when the rules filled them, so its entries align with the named items.
MODEL_COMPLETES = ("algorithm.models",)
BIOMETRIC_WORDS = (
    "人脸",
    "换脸",
    "声纹",
    "人声",
    "克隆",
    "数字人",
    "虚拟形象",
    "生物识别",
    "照片生成",
    "形象定制",
    "复刻",  # 声音复刻, 形象复刻: a person's voice or likeness edited
    "面部",
    "肖像",
)


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    roots: tuple[str, ...]
    applies: dict[str, list[str]]

    def many(self, root: str) -> bool:
        spec = fm.field_spec(root)
        return bool(spec and spec.many)


GROUPS: tuple[Group, ...] = tuple(Group(g.name, g.title, g.roots, g.applies) for g in fm.FACT_GROUPS)
ENUMS: dict[str, tuple[str, ...]] = {
    path: tuple(spec.choices) for path, spec in fm.field_specs().items() if spec.choices
}


def applicable_groups(role: str | None, algorithm_type: str | None, description: str) -> list[Group]:
    out = []
    for group in GROUPS:
        applies = group.applies
        if (
            not applies
            or "roles" in applies
            and role in applies["roles"]
            or "types" in applies
            and fm.type_matches(algorithm_type, applies["types"])
            or "biometric_editing" in applies.get("when", [])
            and any(w in description for w in BIOMETRIC_WORDS)
        ):
            out.append(group)
    return out


def _prepare(
    schema: dict[str, Any],
    path: str,
    filled: frozenset[str] = frozenset(),
    choices: dict[str, list[int]] | None = None,
    write: bool = True,
) -> dict[str, Any] | None:
    """The facts module's schema without descriptions, rule-only fields and the fields in `filled` (schema
    paths the rules already found), strings bounded. A field in `choices` is answered by a sentence number:
    one of its candidates or null (no candidates: not asked). Without `write`, only those, enumerations and
    yes/no fields outside lists are asked: nothing the model would have to write."""
    plain = re.sub(r"\[\]", "", path)
    if plain in RULE_ONLY or (plain in filled and not plain.startswith(MODEL_COMPLETES)):
        return None
    if choices is not None and plain in choices:
        return {"enum": [None, *choices[plain]]} if choices[plain] else None
    if not write and (
        schema.get("type") == "array" or schema.get("type") == "string" and "enum" not in schema
    ):
        return None
    if "anyOf" in schema:
        options = [o for o in (_prepare(x, path, filled, choices, write) for x in schema["anyOf"]) if o]
        return {"anyOf": options} if options else None
    kind = schema.get("type")
    if kind == "object":
        properties = {
            key: prepared
            for key, sub in schema.get("properties", {}).items()
            if (prepared := _prepare(sub, f"{path}.{key}" if path else key, filled, choices, write))
            is not None
        }
        return (
            {"type": "object", "properties": properties, "additionalProperties": False}
            if properties
            else None
        )
    if kind == "array":
        items = _prepare(schema["items"], path, filled, choices)
        return {"type": "array", "items": items, "maxItems": 8} if items else None
    out = {k: v for k, v in schema.items() if k != "description"}
    if kind == "string" and "enum" not in out:
        out["maxLength"] = STRING_MAX
    return out


def group_schema(
    group: Group,
    filled: frozenset[str] = frozenset(),
    choices: dict[str, list[int]] | None = None,
    write: bool = True,
) -> dict[str, Any]:
    """The group's schema for the model; `filled` (schema paths, list roots included) are left out; fields
    in `choices` are asked for a sentence number among their candidates; without `write` only choices,
    enumerations and yes/no fields are asked."""
    prepared = _prepare(fm.group_schema(group.key), "", filled, choices, write)
    return prepared or {"type": "object", "properties": {}}


def filled_paths(found: list[Any]) -> frozenset[str]:
    """Schema paths the rules filled for certain (uncertain ones are asked again: agreement confirms them),
    with the roots of the lists whose items they named."""
    paths = set()
    for item in found:
        if item.uncertain:
            continue
        paths.add(re.sub(r"\[\d+\]", "", item.path))
        if root := re.match(r"(.+?)\[\d+\]", item.path):
            paths.add(root.group(1))
    return frozenset(paths)


# Output tokens a group's answer may take: a string value up to STRING_MAX characters is rarely more than
# half of it in tokens; an enumeration or a boolean is a few; a list of objects holds a few items.
TOKENS_PER_STRING = 36
TOKENS_PER_CHOICE = 12
LIST_ITEMS = 3
TOKENS_OVERHEAD = 40
MAX_GROUP_TOKENS = 600


def token_budget(schema: dict[str, Any]) -> int:
    """max_tokens for a group from its schema's size (JSON keys and punctuation in the overhead)."""

    def cost(node: dict[str, Any]) -> float:
        if "anyOf" in node:
            return max(cost(o) for o in node["anyOf"])
        if node.get("type") == "object":
            return sum(cost(sub) + 4 for sub in node["properties"].values())
        if node.get("type") == "array":
            return LIST_ITEMS * cost(node["items"])
        return TOKENS_PER_CHOICE if "enum" in node or node.get("type") == "boolean" else TOKENS_PER_STRING

    return min(MAX_GROUP_TOKENS, int(TOKENS_OVERHEAD + cost(schema)))


def schema_keys(schema: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted key paths (lists as []) a schema asks for, for the prompt's field list."""
    if "anyOf" in schema:
        return list(dict.fromkeys(k for option in schema["anyOf"] for k in schema_keys(option, prefix)))
    if schema.get("type") == "array":
        return schema_keys(schema["items"], f"{prefix}[]")
    if schema.get("type") == "object":
        return [
            k
            for name, sub in schema["properties"].items()
            for k in schema_keys(sub, f"{prefix}.{name}" if prefix else name)
        ]
    return [prefix]
