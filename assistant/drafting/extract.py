"""Free-text product description → facts file, through the LLM's structured (JSON) output.

The description is screened for injected instructions first. The model's JSON is validated by the facts
model; validation errors go back to the model for a bounded number of retries. Every extracted value must
be supported by the description (names, numbers and most of the wording) — anything else is dropped and
reported, so extraction cannot invent facts either."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from assistant import factpath
from assistant.checking.injection import InjectionHit, clean_data, clean_text
from assistant.checking.matching import mentions
from assistant.drafting.llm import LLM, Message
from assistant.drafting.prompts import data_block, render
from assistant.facts import Facts, FactsError, label_for, parse_facts
from assistant.spec import SpecBook, missing_paths

MAX_DESCRIPTION_CHARS = 20_000
MIN_DESCRIPTION_CHARS = 20
JSON_RETRIES = 2
ENUM_KEYS = {
    "role",
    "algorithm_type",
    "filing_kind",
    "provenance",
    "forms",
    "modality",
    "minors_allowed",
    "public_opinion_attribute",
    "delivery",
}

SCHEMA_HINT = {
    "filing": {
        "role": "服务提供者|服务技术支持者",
        "algorithm_type": "生成合成类|个性化推送类|排序精选类|检索过滤类|调度决策类",
        "algorithm_name": "",
        "filing_kind": "首次备案|变更备案",
        "public_opinion_attribute": True,
    },
    "entity": {
        "name": "",
        "credit_code": "",
        "address": "",
        "legal_representative": "",
        "security_officer": {"name": "", "title": "", "phone": "", "email": ""},
    },
    "product": {
        "name": "",
        "forms": ["App|网站|小程序|公众号|API|SDK|客户端|其他"],
        "urls": [""],
        "icp_number": "",
        "launch_date": "YYYY-MM-DD|未上线",
        "application_field": "",
        "scenarios": [""],
        "audience": "",
        "minors_allowed": False,
        "user_scale": "",
        "features": [{"name": "", "description": "", "entry": ""}],
    },
    "algorithm": {
        "summary": "",
        "inputs": [{"modality": "", "description": ""}],
        "outputs": [{"modality": "", "formats": [""], "description": ""}],
        "pipeline": [""],
        "models": [
            {
                "name": "",
                "purpose": "",
                "provenance": "自研|基于开源模型微调|第三方API",
                "provider": "",
                "llm_filing_number": "",
                "algorithm_filing_number": "",
                "architecture": "",
            }
        ],
        "training_data": "",
        "runtime_data": "",
        "personal_information": "",
    },
    "safety": {
        "input_review": "",
        "output_review": "",
        "human_review": "",
        "feature_library": "",
        "labeling": {"explicit": "", "implicit": "", "user_agreement": ""},
        "complaint": {"entrance": "", "process": "", "feedback_deadline": "", "contact": ""},
        "minors": "",
        "data_security": "",
        "log_retention": "",
        "real_name": "",
    },
    "organization": {"department": "", "head": "", "staff_count": "", "systems": [""]},
}


class ExtractionError(ValueError):
    pass


@dataclass
class Extraction:
    facts: Facts
    missing: list[str]  # required key paths not found in the description
    dropped: list[str] = field(default_factory=list)  # extracted values not supported by the description
    injections: list[InjectionHit] = field(default_factory=list)
    attempts: int = 1

    def missing_report(self) -> list[str]:
        return [f"{label_for(p)}（{p}）" for p in self.missing]


def validate_description(text: str) -> str:
    text = text.strip()
    if len(text) < MIN_DESCRIPTION_CHARS:
        raise ExtractionError(f"产品描述过短（{len(text)} 字），请至少写明产品、算法和安全措施的基本情况")
    if len(text) > MAX_DESCRIPTION_CHARS:
        raise ExtractionError(
            f"产品描述过长（{len(text)} 字），请控制在 {MAX_DESCRIPTION_CHARS} 字以内，或分段提取"
        )
    return text


def _json_object(raw: str) -> Any:
    start, end = raw.find("{"), raw.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("输出中没有 JSON 对象")
    return json.loads(raw[start : end + 1])


def _prune(value: Any) -> Any:
    """Drop empty strings/lists/maps and schema placeholders the model echoed back."""
    placeholders = json.dumps(SCHEMA_HINT, ensure_ascii=False)

    def placeholder(_path: str, leaf: Any) -> Any:
        echoed = isinstance(leaf, str) and ("|" in leaf and leaf in placeholders or leaf == "YYYY-MM-DD")
        return None if echoed else leaf

    return factpath.prune(factpath.map_leaves(value, placeholder))


def _supported(description: str, data: Any, dropped: list[str]) -> Any:
    """Keep only values the description supports; enumerations and booleans are judged by the facts checks."""

    def supported(path: str, leaf: Any) -> Any:
        if (
            isinstance(leaf, str)
            and factpath.last_key(path) not in ENUM_KEYS
            and not mentions(description, leaf, threshold=0.75)
        ):
            dropped.append(f"{path}：{leaf[:40]}")
            return None
        return leaf

    return factpath.prune(factpath.map_leaves(data, supported), empty=(None, [], {}))


def extract_facts(description: str, llm: LLM, spec: SpecBook) -> Extraction:
    description = validate_description(description)
    cleaned, removed = clean_text(description)
    injections = [InjectionHit("description", s.strip()) for s in removed]
    prompt = render(
        "facts", schema=json.dumps(SCHEMA_HINT, ensure_ascii=False, indent=1), description=data_block(cleaned)
    )
    messages = [Message("system", render("system")), Message("user", prompt)]
    error = ""
    for attempt in range(1, JSON_RETRIES + 2):
        if error:
            messages = [*messages, Message("user", f"上一次的输出有误：{error}。请只输出符合结构的 JSON。")]
        raw = llm.complete(messages, max_tokens=1800, temperature=0.0, json_schema={"type": "object"})
        try:
            data = _prune(_json_object(raw))
            dropped: list[str] = []
            data = _supported(cleaned, data, dropped)
            data, hits = clean_data(data)
            facts = parse_facts(data, "抽取结果")
        except (ValueError, FactsError) as exc:
            error = "；".join(exc.problems) if isinstance(exc, FactsError) else str(exc)
            continue
        return Extraction(facts, required_missing(facts, spec), dropped, injections + hits, attempt)
    raise ExtractionError(f"模型未能输出有效的事实结构（已重试 {JSON_RETRIES} 次）：{error}")


def required_missing(facts: Facts, spec: SpecBook) -> list[str]:
    """Key paths the applicable sections need that the facts do not hold."""
    data = facts.as_dict()
    paths = {
        p
        for s in spec.applicable_sections(facts)
        for e in s.applicable_elements(facts)
        for spec_path in e.facts
        for p in missing_paths(data, spec_path)
    }
    for basic in (
        "filing.role",
        "filing.algorithm_type",
        "filing.algorithm_name",
        "entity.name",
        "product.name",
    ):
        if not facts.get(basic):
            paths.add(basic)
    return sorted(paths)
