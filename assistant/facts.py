"""The facts file: one YAML per product, the single source of every fact in every section.

Loading is lenient about what is absent (a partial file loads; absent facts become findings) and strict
about structure (a list where a mapping is expected is an error naming the key path). Value formats
(credit code, filing numbers, dates, enumerations) are validated by `validate_facts`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

ROLES = ("服务提供者", "服务技术支持者")
ALGORITHM_TYPES = ("生成合成类", "个性化推送类", "排序精选类", "检索过滤类", "调度决策类")
FILING_KINDS = ("首次备案", "变更备案")
PROVENANCES = ("自研", "基于开源模型微调", "第三方API")
PRODUCT_FORMS = ("App", "网站", "小程序", "公众号", "API", "SDK", "客户端", "其他")
FILING_NUMBER_RE = re.compile(r"^网信算备\d{21}号$")
WRITTEN_DATE_RE = re.compile(r"^\s*(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?\s*$")
UNKNOWN_DATE_WORDS = ("未上线",)


class _Node(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)


def _text(value: Any) -> Any:
    """Scalars become text; YAML dates keep their ISO form."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(value)
    return value


class Filing(_Node):
    role: str | None = None
    algorithm_type: str | None = None
    algorithm_name: str | None = None
    filing_kind: str | None = None
    public_opinion_attribute: bool | None = None
    existing_filing_number: str | None = None


class Officer(_Node):
    name: str | None = None
    title: str | None = None
    phone: str | None = None
    email: str | None = None


class Entity(_Node):
    name: str | None = None
    credit_code: str | None = None
    address: str | None = None
    legal_representative: str | None = None
    security_officer: Officer | None = None


class Feature(_Node):
    name: str | None = None
    description: str | None = None
    entry: str | None = None


def _date(value: Any) -> Any:
    """A date as YAML gives it, or written 2025年6月1日 / 2025/6/1 / 2025.6.1, becomes ISO text; else unchanged
    (the check reports what is not a date)."""
    value = _text(value)
    if isinstance(value, str) and (match := WRITTEN_DATE_RE.match(value)):
        try:
            return dt.date(*map(int, match.groups())).isoformat()
        except ValueError:
            return value
    return value


class Product(_Node):
    name: str | None = None
    forms: list[str] | None = None
    urls: list[str] | None = None
    icp_number: str | None = None
    launch_date: str | None = None
    application_field: str | None = None
    scenarios: list[str] | None = None
    audience: str | None = None
    minors_allowed: bool | None = None
    user_scale: str | None = None
    features: list[Feature] | None = None

    _dates = field_validator("launch_date", mode="before")(_date)


class DataPort(_Node):
    modality: str | None = None
    description: str | None = None
    formats: list[str] | None = None


class Model(_Node):
    name: str | None = None
    purpose: str | None = None
    provenance: str | None = None
    provider: str | None = None
    llm_filing_number: str | None = None
    algorithm_filing_number: str | None = None
    architecture: str | None = None
    proof: str | None = None
    training_data: str | None = None
    base_model: str | None = None


class Algorithm(_Node):
    summary: str | None = None
    inputs: list[DataPort] | None = None
    outputs: list[DataPort] | None = None
    pipeline: list[str] | None = None
    models: list[Model] | None = None
    training_data: str | None = None
    runtime_data: str | None = None
    personal_information: str | None = None


class Labeling(_Node):
    explicit: str | None = None
    implicit: str | None = None
    user_agreement: str | None = None


class Complaint(_Node):
    entrance: str | None = None
    process: str | None = None
    feedback_deadline: str | None = None
    contact: str | None = None


class Safety(_Node):
    input_review: str | None = None
    output_review: str | None = None
    human_review: str | None = None
    feature_library: str | None = None
    account_measures: str | None = None
    labeling: Labeling | None = None
    complaint: Complaint | None = None
    rumor_handling: str | None = None
    minors: str | None = None
    data_security: str | None = None
    emergency_response: str | None = None
    log_retention: str | None = None
    real_name: str | None = None


class SystemItem(_Node):
    name: str | None = None
    content: str | None = None
    enforcement: str | None = None


class Organization(_Node):
    department: str | None = None
    head: str | None = None
    staff_count: str | None = None
    staff_qualifications: str | None = None
    systems: list[SystemItem | str] | None = None
    tech_measures: str | None = None


class Personalization(_Node):
    opt_out: str | None = None
    tag_management: str | None = None
    tag_rules: str | None = None
    diversity: str | None = None
    negative_feedback: str | None = None


class RankingRules(_Node):
    published_rules: str | None = None
    anti_manipulation: str | None = None
    manual_intervention: str | None = None


class Dispatch(_Node):
    order_allocation: str | None = None
    pay: str | None = None
    working_hours: str | None = None
    rewards_penalties: str | None = None
    pricing_fairness: str | None = None


class TechnicalService(_Node):
    delivery: list[str] | None = None
    customers: str | None = None
    onboarding: str | None = None
    contractual_duties: str | None = None
    label_support: str | None = None


class Biometric(_Node):
    separate_consent: str | None = None
    tool_assessment: str | None = None


class Facts(_Node):
    filing: Filing = Filing()
    entity: Entity = Entity()
    product: Product = Product()
    algorithm: Algorithm = Algorithm()
    safety: Safety = Safety()
    organization: Organization = Organization()
    personalization: Personalization | None = None
    ranking_rules: RankingRules | None = None
    dispatch: Dispatch | None = None
    technical_service: TechnicalService | None = None
    biometric: Biometric | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def get(self, path: str) -> Any:
        return get_path(self.as_dict(), path)

    # Derived properties the section specs and checks refer to by name.
    @property
    def role(self) -> str:
        return self.filing.role or ""

    @property
    def algorithm_type(self) -> str:
        return self.filing.algorithm_type or ""

    @property
    def models(self) -> list[Model]:
        return self.algorithm.models or []

    @property
    def product_names(self) -> list[str]:
        return [name for name in (self.product.name,) if name]


class FactsError(ValueError):
    """The facts file cannot be read; `problems` are Chinese messages, each naming a key path."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("；".join(problems))


_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def get_path(data: Any, path: str) -> Any:
    """`algorithm.models[0].name` → value, or None when any step is absent."""
    current = data
    for key, index in _PATH_TOKEN.findall(path):
        if key:
            if not isinstance(current, dict) or key not in current:
                return None
            current = current[key]
        else:
            position = int(index)
            if not isinstance(current, list) or position >= len(current):
                return None
            current = current[position]
    return current


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict):
        return not value or all(is_blank(v) for v in (value.values() if isinstance(value, dict) else value))
    return False


_TYPE_WORDS = {
    "dict_type": "应为键值映射",
    "model_type": "应为键值映射",
    "list_type": "应为列表",
    "string_type": "应为文本",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "invalid_key": "键应为文本",
}


def _location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in ("str", "SystemItem", "function-before[_text(), str]") or str(item).startswith(
            ("function", "nullable")
        ):
            continue
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def parse_facts(data: Any, source: str = "事实文件") -> Facts:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FactsError(
            [f"{source}：顶层应为键值映射（filing、entity、product 等），实为{type(data).__name__}"]
        )
    try:
        return Facts.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path = _location(error["loc"]) or "(顶层)"
            reason = _TYPE_WORDS.get(error["type"], error["msg"])
            problems.append(f"{source} 字段 {path}：{reason}（实际值：{str(error.get('input'))[:40]}）")
        raise FactsError(sorted(set(problems))) from exc


class _FactsLoader(yaml.SafeLoader):
    """SafeLoader whose dates that do not exist (2024-02-30) stay text, for `validate_facts` to report by key
    path, instead of escaping as a bare ValueError."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_FactsLoader.add_constructor("tag:yaml.org,2002:timestamp", _FactsLoader.construct_yaml_timestamp)
MAX_NESTING = 60


def _too_deep(text: str) -> int | None:
    """Line (1-based) where nesting first exceeds MAX_NESTING; the event parser does not recurse."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                return event.start_mark.line + 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def load_facts_text(text: str, source: str = "事实文件") -> Facts:
    """Parse facts YAML; any problem is a FactsError whose messages name a key path or a line."""
    try:
        line = _too_deep(text)
        if line is not None:
            raise FactsError(
                [f"{source} 第 {line} 行：嵌套层级超过 {MAX_NESTING} 层，不是有效的事实文件结构"]
            )
        data = yaml.load(text, Loader=_FactsLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列"
        elif isinstance(exc, yaml.reader.ReaderError):
            where = f"第 {text.count(chr(10), 0, exc.position) + 1} 行"
        else:
            where = "第 1 行"
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or exc
        raise FactsError([f"{source} 不是有效的 YAML {where}：{problem}"]) from exc
    return parse_facts(data, source)


def load_facts(path: Path) -> Facts:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise FactsError([f"找不到事实文件：{path}"]) from exc
    except UnicodeDecodeError as exc:
        raise FactsError([f"事实文件 {path} 不是 UTF-8 编码的文本"]) from exc
    return load_facts_text(text, str(path))


def dump_facts(facts: Facts) -> str:
    return yaml.safe_dump(facts.as_dict(), allow_unicode=True, sort_keys=False, width=120)


# --- value formats ------------------------------------------------------------------------------

_CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code_problem(code: str) -> str | None:
    """GB 32100 统一社会信用代码: 18 chars, check digit at 18; GB 11714 check on the org code (9–17)."""
    code = code.strip().upper()
    if len(code) != 18:
        return f"应为 18 位，实为 {len(code)} 位"
    bad = [c for c in code if c not in _CREDIT_CHARSET]
    if bad:
        return f"含有不允许的字符：{''.join(sorted(set(bad)))}（不使用 I、O、Z、S、V）"
    total = sum(_CREDIT_CHARSET.index(c) * w for c, w in zip(code[:17], _CREDIT_WEIGHTS, strict=True))
    expected = _CREDIT_CHARSET[(31 - total % 31) % 31]
    if code[17] != expected:
        return f"第 18 位校验码应为 {expected}，实为 {code[17]}"
    org = code[8:17]
    if all(c.isdigit() or c.isupper() for c in org[:8]):
        org_total = sum(int(c, 36) * w for c, w in zip(org[:8], _ORG_WEIGHTS, strict=True))
        remainder = 11 - org_total % 11
        org_expected = {10: "X", 11: "0"}.get(remainder, str(remainder))
        if org[8] != org_expected:
            return f"第 9–17 位组织机构代码的校验码应为 {org_expected}，实为 {org[8]}"
    return None


def date_problem(value: str) -> str | None:
    if value in UNKNOWN_DATE_WORDS:
        return None
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return f"应为 YYYY-MM-DD 格式的日期或“未上线”，实为“{value}”"
    return None
