"""The facts file: one YAML per product, the single source of every fact in every section.

Loading is lenient about what is absent (a partial file loads; absent facts become findings) and strict
about structure (a list where a mapping is expected is an error naming the key path). Value formats
(credit code, filing numbers, dates, enumerations) are validated by `validate_facts`.

The model is also the facts *schema*: each field declares its Chinese label, hint, choices, form widget and
applicability through `fact(...)`. Everything else derives from it — labels in markers and findings
(`label_for`), the facts form, the CLI choices, and the per-group JSON schemas extraction fills (`FACT_GROUPS`,
`group_schema`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant import factpath
from assistant.yamlfile import yaml_error_text

FILING_NUMBER_RE = re.compile(r"^网信算备\d{21}号$")
WRITTEN_DATE_RE = re.compile(r"^\s*(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?\s*$")
UNKNOWN_DATE_WORDS = ("未上线",)
FILING_NUMBER_EXAMPLE = "如“网信算备110108000000000240001号”"

# Widget kinds of the facts form: text (one line), long (paragraph), enum (one of `choices`), bool, lines (a
# list, one item a line), multi (several of `choices`), inline (a short list separated by 、). A sub-model is
# shown as its fields; a list of sub-models as one block per item.
WIDGETS = ("text", "long", "enum", "bool", "lines", "multi", "inline")

# Algorithm types the filing system lists separately that the regulation (and so the section specs) treats
# under one umbrella: an obligation declared for the umbrella applies to each of them.
TYPE_FAMILIES = {"信息检索类": "检索过滤类", "内容过滤类": "检索过滤类"}


def type_family(algorithm_type: str | None) -> str:
    """The umbrella type an algorithm type's obligations are declared under (信息检索类 → 检索过滤类)."""
    return TYPE_FAMILIES.get(algorithm_type or "", algorithm_type or "")


def type_matches(algorithm_type: str | None, types: list[str] | tuple[str, ...]) -> bool:
    """Whether obligations declared for `types` apply to `algorithm_type`: itself or its umbrella listed
    (检索过滤类 covers 信息检索类 and 内容过滤类), or, for a filing under the umbrella itself, one of its members
    listed (a search obligation declared for 信息检索类 binds a 检索过滤类 filing, but not a 内容过滤类 one)."""
    if not algorithm_type:
        return False
    members = [t for t in types if type_family(t) == algorithm_type]
    return algorithm_type in types or type_family(algorithm_type) in types or bool(members)


def fact(
    label: str,
    hint: str | None = None,
    *,
    widget: str | None = None,
    choices: tuple[str, ...] = (),
    applies: dict[str, list[str]] | None = None,
    name_key: str | None = None,
    default_factory: Any = None,
) -> Any:
    """A facts field with its schema metadata: `label` (Chinese, used in markers, findings and the form),
    `hint` (what the field expects, the form's help), `widget` (see WIDGETS; inferred when omitted),
    `choices` (the valid values; a value outside them still loads and the checks report it), `applies`
    (when an optional field or block is required: `roles`, `types`, `when` as in the section specs) and
    `name_key` (the item field that names a list item in the form)."""
    extra: dict[str, Any] = {}
    if widget:
        assert widget in WIDGETS, widget
        extra["widget"] = widget
    if choices:
        extra["choices"] = list(choices)
    if applies:
        extra["applies"] = applies
    if name_key:
        extra["name_key"] = name_key
    if default_factory is not None:
        return Field(default_factory=default_factory, title=label, description=hint, json_schema_extra=extra)
    return Field(default=None, title=label, description=hint, json_schema_extra=extra)


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
    role: str | None = fact("主体角色", choices=("服务提供者", "服务技术支持者"))
    algorithm_type: str | None = fact(
        "算法类型",
        choices=(
            "生成合成类",
            "个性化推送类",
            "排序精选类",
            "信息检索类",
            "内容过滤类",
            "检索过滤类",
            "调度决策类",
        ),
    )
    algorithm_name: str | None = fact("算法名称")
    filing_kind: str | None = fact("备案类型", choices=("首次备案", "变更备案"))
    public_opinion_attribute: bool | None = fact("是否具有舆论属性或社会动员能力")
    existing_filing_number: str | None = fact(
        "原备案编号",
        f"变更备案时填写原备案编号，{FILING_NUMBER_EXAMPLE}（“网信算备”后 21 位数字）。",
        applies={"when": ["change_filing"]},
    )
    # Optional keys the official templates need beyond the contract (基本情况表).
    assessment_date: str | None = fact(
        "自评估时间", "完成算法安全自评估的日期，如 2025-06-01；缺省时在签署时手填。"
    )
    report_date: str | None = fact(
        "报告撰写时间", "自评估报告的撰写日期，如 2025-06-05；缺省时在签署时手填。"
    )

    _dates = field_validator("assessment_date", "report_date", mode="before")(lambda v: _date(v))


class Officer(_Node):
    name: str | None = fact("算法安全负责人姓名")
    title: str | None = fact("算法安全负责人职务")
    phone: str | None = fact("算法安全负责人联系电话")
    email: str | None = fact("算法安全负责人电子邮箱")


class Entity(_Node):
    name: str | None = fact("主体名称")
    credit_code: str | None = fact(
        "统一社会信用代码", "18 位统一社会信用代码；系统会核验组织机构代码和第 18 位两处校验码。"
    )
    address: str | None = fact("详细地址")
    legal_representative: str | None = fact("法定代表人")
    security_officer: Officer | None = fact("算法安全负责人")


class Feature(_Node):
    name: str | None = fact("功能名称")
    description: str | None = fact("功能介绍", widget="long")
    entry: str | None = fact(
        "功能入口（访问路径）", "用户在产品中找到该功能的路径，如“App 首页「开始写作」按钮”；API 写接口路径。"
    )


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
    name: str | None = fact("产品名称")
    forms: list[str] | None = fact(
        "服务形式",
        widget="multi",
        choices=("App", "网站", "小程序", "公众号", "API", "SDK", "客户端", "其他"),
    )
    urls: list[str] | None = fact(
        "访问地址",
        "每行一个访问地址：网站网址、应用商店下载页，或小程序、公众号的名称与打开方式（如“微信搜索小程序「…」”）；"
        "API 服务写接口地址。",
    )
    icp_number: str | None = fact("ICP 备案号", "ICP 备案号或许可证号，如“浙ICP备2024012345号-1”。")
    launch_date: str | None = fact(
        "上线时间", "上线日期，如 2025-06-01（也可写 2025年6月1日）；尚未上线写“未上线”。"
    )
    application_field: str | None = fact("算法应用领域")
    scenarios: list[str] | None = fact("算法使用场景")
    audience: str | None = fact("服务对象（适用人群）", widget="long")
    minors_allowed: bool | None = fact("是否允许未成年人使用")
    user_scale: str | None = fact(
        "用户规模", "注册用户数、月活跃用户数等，写明统计口径，如“注册用户约 35 万，月活跃用户约 8 万”。"
    )
    features: list[Feature] | None = fact("产品功能")
    # Optional template keys (评估算法描述 5–6; the news-information licence a news product needs).
    deployment: str | None = fact(
        "软硬件设施及部署位置",
        "服务器与算力设施、所用云服务及部署地域，如“阿里云华东 2（上海）地域，GPU 服务器 8 台”。",
        widget="long",
    )
    social_impact: str | None = fact(
        "社会影响情况", "服务对舆论、社会动员和公众的影响及其范围。", widget="long"
    )
    news_license: str | None = fact("互联网新闻信息服务许可", "许可证编号，或不提供新闻信息服务的说明。")

    _dates = field_validator("launch_date", mode="before")(_date)


class InputPort(_Node):
    modality: str | None = fact("输入模态")
    description: str | None = fact("输入内容说明", widget="long")
    formats: list[str] | None = fact("输入文件格式", widget="inline")


class OutputPort(_Node):
    modality: str | None = fact("输出模态")
    formats: list[str] | None = fact("输出文件格式", widget="inline")
    description: str | None = fact("输出内容说明", widget="long")


class Model(_Node):
    name: str | None = fact("模型名称")
    purpose: str | None = fact("模型用途")
    provenance: str | None = fact(
        "模型来源（自研、基于开源模型微调、第三方API）",
        "自研、基于开源模型微调，或调用第三方 API；第三方模型须填写提供方、两个备案编号和证明材料。",
        choices=("自研", "基于开源模型微调", "第三方API"),
    )
    provider: str | None = fact("第三方模型提供方")
    llm_filing_number: str | None = fact(
        "大模型备案号或上线编号",
        "第三方大模型的生成式人工智能服务备案号或上线编号，如“Beijing-YunXiu-20240301”。",
    )
    algorithm_filing_number: str | None = fact(
        "第三方模型的算法备案编号", f"第三方模型的算法备案编号，{FILING_NUMBER_EXAMPLE}。"
    )
    architecture: str | None = fact("模型结构")
    proof: str | None = fact(
        "第三方模型使用证明材料", "合作协议、接口开通记录等可以证明调用关系的材料名称。", widget="long"
    )
    training_data: str | None = fact("模型训练数据", widget="long")
    base_model: str | None = fact("基础模型")


class Algorithm(_Node):
    summary: str | None = fact("算法简介", widget="long")
    inputs: list[InputPort] | None = fact("输入数据", name_key="modality")
    outputs: list[OutputPort] | None = fact("输出数据", name_key="modality")
    pipeline: list[str] | None = fact("算法流程步骤")
    models: list[Model] | None = fact("算法模型")
    training_data: str | None = fact("训练数据来源、规模与标注", widget="long")
    runtime_data: str | None = fact("运行数据的收集、用途与留存", widget="long")
    personal_information: str | None = fact("个人信息收集与处理", widget="long")


class Labeling(_Node):
    explicit: str | None = fact(
        "显式标识方式",
        "在生成内容上或界面中怎样提示“由人工智能生成”（文字、角标、语音提示等及其位置）。",
        widget="long",
    )
    implicit: str | None = fact(
        "隐式标识方式",
        "在文件元数据中写入哪些信息（生成合成内容属性、服务提供者名称、内容编号等）。",
        widget="long",
    )
    user_agreement: str | None = fact("用户协议中的标识说明", widget="long")


class Complaint(_Node):
    entrance: str | None = fact("投诉举报入口", widget="long")
    process: str | None = fact("投诉举报处理流程", widget="long")
    feedback_deadline: str | None = fact(
        "投诉举报反馈时限",
        "写明具体时限，如“自受理之日起 7 个工作日内”；“及时”“尽快”不能通过检查。",
        widget="long",
    )
    contact: str | None = fact("投诉举报联系方式", widget="long")


class Safety(_Node):
    input_review: str | None = fact("输入审核措施", widget="long")
    output_review: str | None = fact("输出审核措施", widget="long")
    human_review: str | None = fact("人工审核措施", widget="long")
    feature_library: str | None = fact("违法和不良信息特征库", widget="long")
    account_measures: str | None = fact("违规账号处置措施", widget="long")
    labeling: Labeling | None = fact("生成合成内容标识")
    complaint: Complaint | None = fact("投诉举报机制")
    rumor_handling: str | None = fact("辟谣机制", widget="long")
    minors: str | None = fact(
        "未成年人保护措施",
        "面向未成年人时写未成年人模式、时长限制等措施；不面向时写明不面向及如何防止未成年人使用。",
        widget="long",
    )
    data_security: str | None = fact("数据安全措施", widget="long")
    emergency_response: str | None = fact("安全事件应急处置", widget="long")
    log_retention: str | None = fact("网络日志留存期限", widget="long")
    real_name: str | None = fact("真实身份信息认证", widget="long")
    # Optional controls of product-specific risks (assistant/spec/risks.yaml).
    pricing_fairness: str | None = fact("公平交易（不实施不合理差别待遇）措施", widget="long")
    accuracy_measures: str | None = fact(
        "专业领域内容准确性保障与提示措施",
        "法律、医疗、金融等专业回答的提示、拒答个案和转介执业人员的做法。",
        widget="long",
    )
    advertising_review: str | None = fact(
        "营销宣传内容合规审核措施", "对绝对化用语、虚假功效等的识别与处置。", widget="long"
    )


class SystemItem(_Node):
    name: str | None = fact("制度名称")
    content: str | None = fact("制度主要内容", widget="long")
    enforcement: str | None = fact("制度落实方式", widget="long")


class MonitoringArea(_Node):
    rule: str | None = fact("监测规则", widget="long")
    support: str | None = fact("技术支撑", widget="long")


class Monitoring(_Node):
    """算法安全监测制度 in the template's four areas, each a rule and its technical support (optional)."""

    information: MonitoringArea | None = fact("信息安全监测")
    data: MonitoringArea | None = fact("数据安全监测")
    personal_information: MonitoringArea | None = fact("用户个人信息安全监测")
    algorithm: MonitoringArea | None = fact("算法安全监测")


class Organization(_Node):
    department: str | None = fact("算法安全专职机构", widget="long")
    head: str | None = fact("机构负责人")
    staff_count: str | None = fact(
        "算法安全工作人员数量", "专职从事算法安全工作的人数，可写“专职 5 人，兼职 13 人”。"
    )
    staff_qualifications: str | None = fact("工作人员任职要求", widget="long")
    systems: list[SystemItem | str] | None = fact("算法安全管理制度")
    tech_measures: str | None = fact("技术保障措施", widget="long")
    monitoring: Monitoring | None = fact("算法安全监测制度")


class Personalization(_Node):
    opt_out: str | None = fact("关闭个性化推荐的入口和效果", widget="long")
    tag_management: str | None = fact("用户标签管理功能及入口", widget="long")
    tag_rules: str | None = fact("兴趣点记入规则和标签管理规则", widget="long")
    diversity: str | None = fact("多样性策略", widget="long")
    negative_feedback: str | None = fact("负反馈功能", widget="long")


class RankingRules(_Node):
    published_rules: str | None = fact("检索、排序、精选规则及其公示位置", widget="long")
    anti_manipulation: str | None = fact("防止操纵排序和检索结果的措施", widget="long")
    manual_intervention: str | None = fact("人工干预的情形、审批和记录", widget="long")


class Dispatch(_Node):
    order_allocation: str | None = fact("派单规则", widget="long")
    pay: str | None = fact("报酬构成及支付规则", widget="long")
    working_hours: str | None = fact("工作时间与休息保障", widget="long")
    rewards_penalties: str | None = fact("奖惩规则", widget="long")
    pricing_fairness: str | None = fact("防止不合理差别待遇的措施", widget="long")


class TechnicalService(_Node):
    delivery: list[str] | None = fact("技术服务交付方式")
    customers: str | None = fact("客户类型和数量", widget="long")
    onboarding: str | None = fact("客户准入与用途核验", widget="long")
    contractual_duties: str | None = fact("服务协议中约定的客户安全义务", widget="long")
    label_support: str | None = fact("向客户提供的标识能力", widget="long")


class Biometric(_Node):
    separate_consent: str | None = fact("取得被编辑个人单独同意的方式", widget="long")
    tool_assessment: str | None = fact("生物识别信息编辑工具的安全评估情况", widget="long")


class Facts(_Node):
    filing: Filing = fact("备案信息", default_factory=Filing)
    entity: Entity = fact("主体信息", default_factory=Entity)
    product: Product = fact("产品信息", default_factory=Product)
    algorithm: Algorithm = fact("算法信息", default_factory=Algorithm)
    safety: Safety = fact("安全措施", default_factory=Safety)
    organization: Organization = fact("算法安全机构", default_factory=Organization)
    personalization: Personalization | None = fact("个性化推送", applies={"types": ["个性化推送类"]})
    ranking_rules: RankingRules | None = fact(
        "排序与检索规则", applies={"types": ["排序精选类", "信息检索类"]}
    )
    dispatch: Dispatch | None = fact("调度决策", applies={"types": ["调度决策类"]})
    technical_service: TechnicalService | None = fact("技术服务", applies={"roles": ["服务技术支持者"]})
    biometric: Biometric | None = fact("生物识别信息编辑", applies={"when": ["biometric_editing"]})

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def get(self, path: str) -> Any:
        return factpath.get(self.as_dict(), path)

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


# --- the schema derived from the model ----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One field of the facts schema, under its schema path (list items share their list's path)."""

    path: str
    label: str
    hint: str | None
    widget: str  # see WIDGETS; "group" for a sub-model, "items" for a list of sub-models
    value: str  # JSON type of a value (or of a list's items): string | boolean | object
    many: bool = False  # a list
    choices: tuple[str, ...] = ()
    applies: dict[str, list[str]] = dataclass_field(default_factory=dict)
    model: type[BaseModel] | None = None  # the sub-model of a group or list
    strings: bool = False  # list items may also be plain strings (organization.systems)
    name_key: str = "name"

    @property
    def leaf(self) -> bool:
        return self.model is None


def _shape(annotation: Any) -> tuple[Any, bool, bool]:
    """(base type, is a list, list items may be plain strings) of `X | None`, `list[X] | None`, `list[X | str]`."""
    args = (
        [a for a in get_args(annotation) if a is not type(None)] if get_origin(annotation) in _UNIONS else []
    )
    if args:
        annotation = args[0]
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        options = get_args(item) if get_origin(item) in _UNIONS else (item,)
        models = [o for o in options if isinstance(o, type) and issubclass(o, BaseModel)]
        return (models[0] if models else options[0]), True, bool(models) and str in options
    return annotation, False, False


_UNIONS = (Union, UnionType)


def _specs(model: type[BaseModel], prefix: str) -> Iterator[FieldSpec]:
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        base, many, strings = _shape(info.annotation)
        sub = base if isinstance(base, type) and issubclass(base, BaseModel) else None
        choices = tuple(extra.get("choices", ()))
        value = "object" if sub else "boolean" if base is bool else "string"
        if sub:
            widget = "items" if many else "group"
        elif many:
            widget = "multi" if choices else "lines"
        else:
            widget = "bool" if base is bool else "enum" if choices else "text"
        yield FieldSpec(
            path,
            info.title or path,
            info.description,
            str(extra.get("widget", widget)),
            value,
            many,
            choices,
            dict(extra.get("applies", {})),
            sub,
            strings,
            str(extra.get("name_key", "name")),
        )
        if sub:
            yield from _specs(sub, path)


@lru_cache(maxsize=1)
def field_specs() -> dict[str, FieldSpec]:
    """Every field of the facts model by schema path (`algorithm.models.name`), in the filing's order."""
    return {spec.path: spec for spec in _specs(Facts, "")}


def field_spec(path: str) -> FieldSpec | None:
    """The field a key path (concrete or schema) points at; None for a key the model does not declare."""
    return field_specs().get(factpath.schema_path(path))


def label_for(path: str) -> str:
    """The Chinese label of a key path (list items share their list's label); the path itself if unknown."""
    spec = field_spec(path)
    return spec.label if spec else path


def hint_for(path: str) -> str | None:
    """What the field at `path` expects (the facts form's help); None for fields whose label says it all."""
    spec = field_spec(path)
    return spec.hint if spec else None


def fact_labels() -> dict[str, str]:
    return {path: spec.label for path, spec in field_specs().items()}


def fact_hints() -> dict[str, str]:
    return {path: spec.hint for path, spec in field_specs().items() if spec.hint}


def choices_for(path: str) -> tuple[str, ...]:
    spec = field_spec(path)
    return spec.choices if spec else ()


ROLES = choices_for("filing.role")
ALGORITHM_TYPES = choices_for("filing.algorithm_type")
FILING_KINDS = choices_for("filing.filing_kind")
PROVENANCES = choices_for("algorithm.models.provenance")
PRODUCT_FORMS = choices_for("product.forms")


# --- per-group JSON schemas (extraction fills one group at a time) ---------------------------------------


@dataclass(frozen=True)
class FactGroup:
    """A part of the facts small enough for one constrained-decoding call: the subtrees under `roots`,
    minus any subtree another group roots (the `features` group takes product.features out of `product`)."""

    name: str
    roots: tuple[str, ...]

    @property
    def title(self) -> str:
        return "、".join(label_for(root) for root in self.roots)

    @property
    def applies(self) -> dict[str, list[str]]:
        """When the group is needed at all (optional blocks): `roles` / `types` / `when`, as in the specs."""
        return field_specs()[self.roots[0]].applies

    def paths(self) -> list[str]:
        """The schema paths of every field in the group (its roots included)."""
        others = [r for g in FACT_GROUPS for r in g.roots if g is not self]
        return [
            path
            for path in field_specs()
            if any(_under(path, root) for root in self.roots)
            and not any(_under(path, o) and len(o) > len(root) for o in others for root in self.roots)
        ]

    def schema(self) -> dict[str, Any]:
        """A JSON schema whose objects nest from the top of the facts file (`{"product": {"features": …}}`),
        so a conforming answer merges into the facts as is. Enumerations are `enum`s; each field carries its
        label (and hint) as its description; objects are closed."""
        return _object_schema("", set(self.paths()))


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + ".")


FACT_GROUPS: tuple[FactGroup, ...] = (
    FactGroup("entity", ("entity",)),
    FactGroup("filing", ("filing",)),
    FactGroup("product", ("product",)),
    FactGroup("features", ("product.features",)),
    FactGroup("algorithm", ("algorithm",)),
    FactGroup("models", ("algorithm.models",)),
    FactGroup("safety", ("safety",)),
    FactGroup("complaint_labeling", ("safety.complaint", "safety.labeling")),
    FactGroup("organization", ("organization",)),
    FactGroup("personalization", ("personalization",)),
    FactGroup("ranking_rules", ("ranking_rules",)),
    FactGroup("dispatch", ("dispatch",)),
    FactGroup("technical_service", ("technical_service",)),
    FactGroup("biometric", ("biometric",)),
)


def fact_group(name: str) -> FactGroup:
    for group in FACT_GROUPS:
        if group.name == name:
            return group
    raise KeyError(f"未知事实分组“{name}”。可选：{'、'.join(g.name for g in FACT_GROUPS)}")


def group_schema(name: str) -> dict[str, Any]:
    """The JSON schema of one fact group (see FactGroup.schema)."""
    return fact_group(name).schema()


def _value_schema(spec: FieldSpec, paths: set[str]) -> dict[str, Any]:
    if spec.model is not None:
        item: dict[str, Any] = _object_schema(spec.path, paths)
        if spec.strings:
            item = {"anyOf": [{"type": "string"}, item]}
    else:
        item = {"type": spec.value}
        if spec.choices:
            item["enum"] = list(spec.choices)
    schema = {"type": "array", "items": item} if spec.many else item
    schema["description"] = spec.label + (f"。{spec.hint}" if spec.hint else "")
    return schema


def _object_schema(prefix: str, paths: set[str]) -> dict[str, Any]:
    """The closed object of the fields directly under `prefix` that lead to any of `paths`."""
    properties = {}
    for path, spec in field_specs().items():
        if factpath.parent(path) != prefix or not any(_under(p, path) for p in paths):
            continue
        inside = path in paths
        properties[path.rsplit(".", 1)[-1]] = (
            _value_schema(spec, paths)
            if inside
            else _object_schema(path, paths) | {"description": spec.label}
        )
    return {"type": "object", "properties": properties, "additionalProperties": False}


def schema_leaves(schema: dict[str, Any], prefix: str = "") -> set[str]:
    """The schema paths of the leaf values a JSON schema (as `group_schema` builds) describes."""
    if "anyOf" in schema:
        return set().union(*(schema_leaves(option, prefix) for option in schema["anyOf"]))
    if schema.get("type") == "array":
        return schema_leaves(schema["items"], prefix)
    if schema.get("type") == "object":
        return set().union(
            set(),
            *(schema_leaves(sub, factpath.join(prefix, key)) for key, sub in schema["properties"].items()),
        )
    return {prefix}


class FactsError(ValueError):
    """The facts file cannot be read; `problems` are Chinese messages, each naming a key path."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("；".join(problems))


def is_blank(value: Any) -> bool:
    """No fact stated: None, blank text, or a list or mapping holding nothing else (at any depth)."""
    return all(leaf is None or isinstance(leaf, str) and not leaf.strip() for _, leaf in factpath.walk(value))


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
        raise FactsError([yaml_error_text(exc, text, source)]) from exc
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
    """GB 32100-2015 统一社会信用代码: 18 characters of the code set (no I, O, Z, S, V); positions 3–8 the
    GB/T 2260 region code (digits); check character at 18; GB 11714 check on the organisation code (9–17).
    Positions 1–2 may be letters (registration authority N 农业, Y 其他 …), which python-stdnum's
    `stdnum.cn.uscc` wrongly rejects; it also skips the GB 11714 check (bench/credit_code_compare.py)."""
    code = code.strip().upper()
    if len(code) != 18:
        return f"应为 18 位，实为 {len(code)} 位"
    bad = [c for c in code if c not in _CREDIT_CHARSET]
    if bad:
        return f"含有不允许的字符：{''.join(sorted(set(bad)))}（不使用 I、O、Z、S、V）"
    if not code[2:8].isdigit():  # GB/T 2260 administrative-division code: letters only lead (N 农业, Y 其他)
        return f"第 3–8 位登记管理机关行政区划码应为 6 位数字，实为 {code[2:8]}"
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
