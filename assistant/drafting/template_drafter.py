"""The `template` provider: writes every section from the facts and the section spec, deterministically.

It states only what the facts file holds; every absent fact becomes a 【待补充：标签（键路径）】 marker.
It is also the floor the LLM drafts must beat and the source the repair loop fills missing elements from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import Any

from assistant import factpath
from assistant.checking.matching import marker
from assistant.drafting.evidence import evidence_items
from assistant.drafting.risks import (
    ProductView,
    Risk,
    Scope,
    applicable_risks,
    control_paths,
    flow_steps,
    load_register,
    load_systems,
    select_clauses,
)
from assistant.facts import UNKNOWN_DATE_WORDS, Facts, is_blank, label_for, type_family, type_matches
from assistant.numerals import int_to_cn
from assistant.spec import SpecBook, load_spec


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。！？；）」”】" else text + "。"


def _clause(text: str) -> str:
    return text.strip().rstrip("。；;")


class Composer:
    """Fact access for drafting: a value, or the marker that names the missing fact."""

    def __init__(self, facts: Facts):
        self.facts = facts
        self.data = facts.as_dict()

    def raw(self, path: str) -> Any:
        return factpath.get(self.data, path)

    @cached_property
    def view(self) -> ProductView:
        """The product's own words as the risk register's conditions read them."""
        return ProductView(self.facts, load_register().derived)

    @cached_property
    def risks(self) -> list[Risk]:
        """The register's risks that apply to this product (read by several parts of a section)."""
        return applicable_risks(self.facts)

    @cached_property
    def slots(self) -> dict[str, str]:
        """The product's own words the register's texts are filled with (see `risk_slots`)."""
        return risk_slots(self)

    def has(self, path: str) -> bool:
        return not is_blank(self.raw(path))

    def get(self, path: str) -> str:
        value = self.raw(path)
        if is_blank(value):
            return marker(label_for(path), path)
        if isinstance(value, list):
            return "、".join(str(v) for v in value if not is_blank(v))
        if isinstance(value, bool):
            return "是" if value else "否"
        return _clause(str(value))

    def items(self, path: str) -> list[dict[str, Any]]:
        value = self.raw(path)
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    def list_or_marker(self, path: str) -> list[str]:
        value = self.raw(path)
        if is_blank(value):
            return [marker(label_for(path), path)]
        return [_clause(str(v)) for v in value if not is_blank(v)]

    @property
    def type(self) -> str:
        """The algorithm type's umbrella (信息检索类 → 检索过滤类): what type-specific text is keyed by."""
        return type_family(self.facts.algorithm_type)

    @property
    def is_gen(self) -> bool:
        return self.type == "生成合成类"

    def modalities(self, key: str) -> str:
        items = self.items(f"algorithm.{key}")
        if not items:
            return marker(label_for(f"algorithm.{key}"), f"algorithm.{key}")
        return "、".join(self.get(f"algorithm.{key}[{i}].modality") for i in range(len(items)))


SectionWriter = Callable[[Composer], str]
WRITERS: dict[str, SectionWriter] = {}


def writer(section_id: str) -> Callable[[SectionWriter], SectionWriter]:
    def register(fn: SectionWriter) -> SectionWriter:
        WRITERS[section_id] = fn
        return fn

    return register


def _numbered(lines: list[str]) -> str:
    return "\n".join(f"{i}. {_sentence(line)}" for i, line in enumerate(lines, 1))


def _table(rows: list[tuple[str, str]], header: tuple[str, str] = ("项目", "内容")) -> str:
    body = [f"| {header[0]} | {header[1]} |", "| --- | --- |"]
    body += [f"| {k} | {v.replace('|', '｜').replace(chr(10), ' ')} |" for k, v in rows]
    return "\n".join(body)


# --- 算法安全自评估报告 ---------------------------------------------------------------------------


def _dated(c: Composer, path: str) -> str:
    """A document date: the fact when the facts hold it, else the blank the signatory fills in at signing."""
    return c.get(path) if c.has(path) else "______年____月____日（签署时填写）"


def _social_impact(c: Composer) -> str:
    if c.has("product.social_impact"):
        return c.get("product.social_impact")
    attribute = c.facts.filing.public_opinion_attribute
    if attribute is None:
        return marker(label_for("product.social_impact"), "product.social_impact")
    return f"本算法{'具有' if attribute else '不具有'}舆论属性或者社会动员能力"


def _deployment(c: Composer) -> str:
    if c.has("product.deployment"):
        return c.get("product.deployment")
    if c.has("safety.data_security") and c.has("organization.tech_measures"):
        return f"{c.get('organization.tech_measures')}；{c.get('safety.data_security')}"
    return marker(label_for("product.deployment"), "product.deployment")


def _model_overview(c: Composer) -> str:
    parts = []
    for i, model in enumerate(c.items("algorithm.models")):
        p = f"algorithm.models[{i}]"
        origin = c.get(p + ".provenance")
        if model.get("provenance") == "第三方API" and c.has(p + ".provider"):
            origin += f"，由{c.get(p + '.provider')}提供"
        parts.append(f"{c.get(p + '.name')}（{origin}）")
    return (
        "所用模型：" + "、".join(parts)
        if parts
        else marker(label_for("algorithm.models"), "algorithm.models")
    )


def _risk_overview(c: Composer) -> str:
    risks = c.risks
    lines = []
    for i, category in enumerate(load_register().categories, 1):
        names = [r.name for r in risks if r.category == category]
        lines.append(
            f"（{int_to_cn(i)}）{category}："
            + ("、".join(names) if names else "对照风险库未识别出适用的此类风险")
        )
    return "；".join(lines) + "（详见报告三、风险研判）"


def _user_scale(c: Composer) -> str:
    """The user scale; before launch (and with none given) that the product has not launched, not a marker."""
    if not c.has("product.user_scale") and c.raw("product.launch_date") in UNKNOWN_DATE_WORDS:
        return "尚未上线，暂无用户"
    return c.get("product.user_scale")


@writer("sa_header")
def _sa_header(c: Composer) -> str:
    launch = c.raw("product.launch_date")
    launched = "未上线" if launch == "未上线" else f"已上线，上线时间：{c.get('product.launch_date')}"
    kind = c.get("filing.filing_kind")
    if c.facts.filing.filing_kind == "变更备案":
        kind = f"变更备案（原备案编号：{c.get('filing.existing_filing_number')}）"
    elif c.facts.filing.filing_kind == "首次备案":
        kind = "算法未备案（首次申请）"
    officer = c.get("entity.security_officer.name")
    if c.has("entity.security_officer.title"):
        officer += f"（{c.get('entity.security_officer.title')}）"
    description = "；".join(
        [
            f"（一）算法简介：{c.get('algorithm.summary')}",
            f"（二）应用范围：{c.get('product.application_field')}领域的{c.get('product.scenarios')}等场景",
            f"（三）服务群体：{c.get('product.audience')}",
            f"（四）用户数量：{_user_scale(c)}",
            f"（五）社会影响：{_social_impact(c)}",
            f"（六）软硬件设施及部署位置：{_deployment(c)}",
            f"（七）其他：{_model_overview(c)}",
        ]
    )
    rows = [
        ("主体名称", c.get("entity.name")),
        ("统一社会信用代码", c.get("entity.credit_code")),
        ("算法名称", c.get("filing.algorithm_name")),
        ("算法类型", c.get("filing.algorithm_type")),
        ("主体角色", c.get("filing.role")),
        ("算法应用领域", c.get("product.application_field")),
        ("算法使用场景", c.get("product.scenarios")),
        ("算法上线情况", launched),
        ("自评估时间", _dated(c, "filing.assessment_date")),
        ("报告撰写时间", _dated(c, "filing.report_date")),
        (
            "算法基本情况",
            f"{c.get('filing.algorithm_name')}应用于{c.get('product.name')}（{c.get('product.forms')}）",
        ),
        ("算法备案类型", kind),
        ("拟公示内容", "见附件《拟公示内容》"),
        ("落实主体责任基本情况", "见附件《落实算法安全主体责任基本情况》"),
        ("评估算法描述", description),
        ("评估算法风险描述", _risk_overview(c)),
        ("真实性声明", "本单位承诺本报告所填写的内容真实、准确、完整，并对其真实性承担法律责任。"),
        ("算法安全负责人（签名）", f"{officer}（签名）"),
        ("联系电话", c.get("entity.security_officer.phone")),
        ("主体名称（盖章）", f"{c.get('entity.name')}（盖章）"),
    ]
    return _table(rows)


@writer("algo_flow")
def _algo_flow(c: Composer) -> str:
    steps = c.list_or_marker("algorithm.pipeline")
    intro = (
        f"{c.get('filing.algorithm_name')}在{c.get('product.name')}中的运行流程如下（流程图见图 1，"
        "各步骤按执行顺序排列）："
    )
    parts = [intro, _numbered(steps)]
    models = c.items("algorithm.models")
    if models:
        nodes = [
            f"“{c.get(f'algorithm.models[{i}].name')}”节点：{c.get(f'algorithm.models[{i}].purpose')}"
            for i in range(len(models))
        ]
        parts.append(
            "流程中的模型节点：\n" + "\n".join(f"（{k}）{_sentence(n)}" for k, n in enumerate(nodes, 1))
        )
    else:
        parts.append(f"流程中的模型节点：{marker(label_for('algorithm.models'), 'algorithm.models')}")
    parts.append(
        f"输入审核节点采用{c.get('safety.input_review')}；输出审核节点采用{c.get('safety.output_review')}；"
        f"人工审核节点：{c.get('safety.human_review')}。"
    )
    return _with_basis(c, "algo_flow", "\n\n".join(parts))


def _ports(c: Composer, key: str, title: str) -> str:
    items = c.items(f"algorithm.{key}")
    if not items:
        return f"{title}：{marker(label_for(f'algorithm.{key}'), f'algorithm.{key}')}"
    lines = []
    for i, item in enumerate(items):
        line = f"{c.get(f'algorithm.{key}[{i}].modality')}：{c.get(f'algorithm.{key}[{i}].description')}"
        if key == "outputs" and (c.is_gen or "formats" in item):
            line += f"；输出文件格式为{c.get(f'algorithm.{key}[{i}].formats')}"
        lines.append(_sentence(line))
    return f"{title}：\n" + "\n".join(f"（{k}）{line}" for k, line in enumerate(lines, 1))


@writer("algo_data")
def _algo_data(c: Composer) -> str:
    parts = [
        "### 1. 输入数据\n\n" + _ports(c, "inputs", "本算法接收的输入数据"),
        "### 2. 输出数据\n\n" + _ports(c, "outputs", "本算法产生的输出数据"),
        "### 3. 训练数据\n\n" + _sentence(c.get("algorithm.training_data")),
    ]
    own = [m for m in c.items("algorithm.models") if m.get("training_data")]
    if own:
        parts[-1] += "\n\n" + "\n".join(
            f"（{k}）{m.get('name', '')}：{_sentence(str(m['training_data']))}" for k, m in enumerate(own, 1)
        )
    parts.append("### 4. 运行数据\n\n" + _sentence(c.get("algorithm.runtime_data")))
    parts.append("### 5. 个人信息\n\n" + _sentence(c.get("algorithm.personal_information")))
    return _with_basis(c, "algo_data", "\n\n".join(parts))


def _model_block(c: Composer, i: int) -> str:
    p = f"algorithm.models[{i}]"
    lines = [
        f"用途：{c.get(p + '.purpose')}",
        f"模型来源：{c.get(p + '.provenance')}",
        f"模型结构：{c.get(p + '.architecture')}",
    ]
    provenance = c.raw(p + ".provenance")
    if provenance == "第三方API":
        lines += [
            f"提供方：{c.get(p + '.provider')}",
            f"提供方算法备案编号：{c.get(p + '.algorithm_filing_number')}",
            f"大模型备案号或上线编号：{c.get(p + '.llm_filing_number')}",
            f"使用证明材料：{c.get(p + '.proof')}",
        ]
    if provenance == "基于开源模型微调" and c.has(p + ".base_model"):
        lines.append(f"基础模型：{c.get(p + '.base_model')}")
    if c.has(p + ".training_data"):
        lines.append(f"训练数据：{c.get(p + '.training_data')}")
    return f"### {i + 1}. {c.get(p + '.name')}\n\n" + "".join(_sentence(line) for line in lines)


@writer("algo_model")
def _algo_model(c: Composer) -> str:
    models = c.items("algorithm.models")
    if not models:
        return f"本算法使用的模型：{marker(label_for('algorithm.models'), 'algorithm.models')}"
    names = "、".join(c.get(f"algorithm.models[{i}].name") for i in range(len(models)))
    intro = f"{c.get('filing.algorithm_name')}由以下模型组成：{names}。各模型情况如下："
    blocks = [_model_block(c, i) for i in range(len(models))]
    return _with_basis(c, "algo_model", "\n\n".join([intro, *blocks]))


@writer("intervention")
def _intervention(c: Composer) -> str:
    return _with_basis(
        c,
        "intervention",
        "\n\n".join(
            [
                "### 1. 输入审核\n\n" + _sentence(c.get("safety.input_review")),
                "### 2. 输出审核\n\n" + _sentence(c.get("safety.output_review")),
                "### 3. 人工审核\n\n" + _sentence(c.get("safety.human_review")),
                "### 4. 违法和不良信息特征库\n\n" + _sentence(c.get("safety.feature_library")),
                "### 5. 违规账号处置\n\n" + _sentence(c.get("safety.account_measures")),
            ]
        ),
    )


@writer("labeling")
def _labeling(c: Composer) -> str:
    outputs = c.modalities("outputs")
    return _with_basis(
        c,
        "labeling",
        "\n\n".join(
            [
                f"本算法生成的{outputs}内容均按要求添加显式标识和隐式标识。",
                "### 1. 显式标识\n\n" + _sentence(c.get("safety.labeling.explicit")),
                "### 2. 隐式标识\n\n" + _sentence(c.get("safety.labeling.implicit")),
                "### 3. 用户协议中的标识说明\n\n" + _sentence(c.get("safety.labeling.user_agreement")),
            ]
        ),
    )


@writer("service")
def _service(c: Composer) -> str:
    features = c.items("product.features")
    if features:
        feature_lines = "\n".join(
            f"{i + 1}. {c.get(f'product.features[{i}].name')}：{_clause(c.get(f'product.features[{i}].description'))}；"
            f"入口位置：{_sentence(c.get(f'product.features[{i}].entry'))}"
            for i in range(len(features))
        )
    else:
        feature_lines = marker(label_for("product.features"), "product.features")
    launch = c.raw("product.launch_date")
    launched = "尚未上线" if launch == "未上线" else f"于{c.get('product.launch_date')}上线"
    return "\n\n".join(
        [
            f"（一）服务简介\n\n{c.get('product.name')}以{c.get('product.forms')}形式提供服务，访问地址为"
            f"{c.get('product.urls')}，{launched}，应用于{c.get('product.application_field')}领域。",
            f"（二）服务对象与规模\n\n服务对象：{_sentence(c.get('product.audience'))}用户规模：{_sentence(_user_scale(c))}",
            "（三）算法在服务中的应用情况\n\n"
            + f"{c.get('filing.algorithm_name')}支撑以下功能：\n"
            + feature_lines,
        ]
    )


@writer("tech_service_info")
def _tech_service_info(c: Composer) -> str:
    parts = [
        f"（一）技术服务方式\n\n{c.get('filing.algorithm_name')}以{c.get('technical_service.delivery')}方式向客户提供技术服务。",
        "（二）服务客户\n\n" + _sentence(c.get("technical_service.customers")),
        "（三）客户准入与用途核验\n\n" + _sentence(c.get("technical_service.onboarding")),
        "（四）客户安全义务\n\n" + _sentence(c.get("technical_service.contractual_duties")),
    ]
    if c.is_gen:
        parts.append("（五）标识能力支持\n\n" + _sentence(c.get("technical_service.label_support")))
    return _with_basis(c, "tech_service_info", "\n\n".join(parts))


_CN = "一二三四五六七八九十"


def _first_clause(text: str) -> str:
    return re.split(r"[，；。]", text, maxsplit=1)[0].removeprefix("面向").strip()


def _models_doing(c: Composer, pattern: str) -> str:
    """Names of the models whose name or purpose matches `pattern` (the register's model roles)."""
    return "、".join(
        str(m["name"])
        for m in c.items("algorithm.models")
        if m.get("name") and re.search(pattern, f"{m['name']}{m.get('purpose', '')}")
    )


def _sensitive(c: Composer) -> str:
    """The sensitive personal information the product's own facts name (the register's `sensitive` words)."""
    text = " ".join(
        [c.get("algorithm.personal_information") if c.has("algorithm.personal_information") else ""]
        + [str(p.get("description", "")) for p in c.items("algorithm.inputs")]
    )
    found = list(dict.fromkeys(re.findall(load_register().derived["sensitive"], text)))
    return "、".join(found) if found else "敏感个人信息"


def _feature_and_model_names(c: Composer) -> tuple[str, str]:
    """The product's feature names (quoted) and model names, each joined with 、 ('' when none)."""
    features = "、".join(f"“{f['name']}”" for f in c.items("product.features") if f.get("name"))
    models = "、".join(str(m["name"]) for m in c.items("algorithm.models") if m.get("name"))
    return features, models


def risk_slots(c: Composer) -> dict[str, str]:
    """The product's own words the register's risk descriptions are filled with."""
    features, models = _feature_and_model_names(c)
    return {
        "product": c.get("product.name"),
        "algorithm": c.get("filing.algorithm_name"),
        "features": f"{features}功能" if features else "各项功能",
        "inputs": c.modalities("inputs") if c.items("algorithm.inputs") else "输入",
        "outputs": c.modalities("outputs") if c.items("algorithm.outputs") else "输出结果",
        "scenarios": c.get("product.scenarios"),
        "audience": _first_clause(c.get("product.audience")) if c.has("product.audience") else "用户",
        "models": models or "所用模型",
        "field": c.get("product.application_field"),
        "personal": _first_clause(c.get("algorithm.personal_information"))
        if c.has("algorithm.personal_information")
        else "用户个人信息",
        "runtime": _first_clause(c.get("algorithm.runtime_data"))
        if c.has("algorithm.runtime_data")
        else "运行数据",
        "sensitive": _sensitive(c),
        "ranking_models": _models_doing(c, load_register().derived["ranking_models"]) or models or "所用模型",
        "generators": _models_doing(c, load_register().derived["generators"]) or models or "所用模型",
        "providers": "、".join(
            dict.fromkeys(
                str(m["provider"])
                for m in c.items("algorithm.models")
                if m.get("provenance") == "第三方API" and m.get("provider")
            )
        )
        or "模型提供方",
        "own_models": "、".join(
            str(m["name"])
            for m in c.items("algorithm.models")
            if m.get("name") and m.get("provenance") != "第三方API"
        )
        or models
        or "所用模型",
    }


def quote_article(risk: Risk) -> str:
    return f"{risk.article.citation}“{risk.article.quote}”"


def said(c: Composer, risk: Risk, field: str, slots: dict[str, str], sep: str = "；") -> str:
    """A register text field as this product gets it: the clauses whose conditions hold, slots filled."""
    return sep.join(_clause(t.format_map(slots)) for t in risk.clauses(field, c.facts, c.view))


def _risk_features(c: Composer, risk: Risk, slots: dict[str, str]) -> dict[str, str]:
    """The slots with {features} narrowed to the features where this risk arises (its `flow` words in the
    feature's name or description), when some but not all of them match."""
    if not risk.flow:
        return slots
    pattern = re.compile(risk.flow)
    features = [f for f in c.items("product.features") if f.get("name")]
    hit = [f"“{f['name']}”" for f in features if pattern.search(f"{f['name']}{f.get('description', '')}")]
    if not hit or len(hit) == len(features):
        return slots
    return slots | {"features": "、".join(hit) + "功能"}


def _risk_paragraph(c: Composer, risk: Risk, slots: dict[str, str]) -> str:
    slots = _risk_features(c, risk, slots)
    text = said(c, risk, "arises", slots)
    steps = flow_steps(c.facts, risk)
    if steps:
        text += "（" + "、".join(f"第{int_to_cn(n)}步“{_clause(step)}”" for n, step in steps) + "）"
    return f"{text}。受影响者：{said(c, risk, 'harmed', slots, '，')}（{risk.article.citation}）。"


def _by_category(risks: list[Risk]) -> list[tuple[str, list[Risk]]]:
    return [
        (category, [r for r in risks if r.category == category])
        for category in load_register().categories
        if any(r.category == category for r in risks)
    ]


@writer("risk_assessment")
def _risk_assessment(c: Composer) -> str:
    risks = c.risks
    slots = c.slots
    blocks = []
    for i, (category, members) in enumerate(_by_category(risks)):
        items = [f"{j}. {r.name}\n\n{_risk_paragraph(c, r, slots)}" for j, r in enumerate(members, 1)]
        blocks.append(f"（{_CN[i]}）{category}\n\n" + "\n\n".join(items))
    return "\n\n".join(blocks)


def risk_controls_of(c: Composer, risk: Risk) -> tuple[list[str], list[str]]:
    """(concrete key paths holding the risk's controls, markers for the controls that are missing)."""
    held, missing = [], []
    for control in risk.controls:
        paths, marker_path = control_paths(c.data, control)
        if paths:
            held += [p for p in paths if p not in held]
        else:
            missing.append(marker(label_for(marker_path), marker_path))
    return held, missing


# Facts another section of the report states; 风险防控情况 refers to them instead of repeating them.
_STATED_ELSEWHERE = {
    "safety.input_review": "一、（四）干预策略",
    "safety.output_review": "一、（四）干预策略",
    "safety.human_review": "一、（四）干预策略",
    "safety.feature_library": "一、（四）干预策略",
    "safety.account_measures": "一、（四）干预策略",
    "safety.labeling.explicit": "一、（五）结果标识",
    "safety.labeling.implicit": "一、（五）结果标识",
    "algorithm.runtime_data": "一、（二）算法数据",
    "algorithm.training_data": "一、（二）算法数据",
    "organization.tech_measures": "《落实算法安全主体责任基本情况》一、（五）",
}


def _for_type(table: dict[str, Any], c: Composer, default: Any) -> Any:
    """The entry of a table keyed by algorithm type that binds this filing (type_matches: search duties keyed
    信息检索类 bind a 检索过滤类 filing but not a 内容过滤类 one)."""
    return next((v for k, v in table.items() if type_matches(c.facts.algorithm_type, [k])), default)


def _type_rights(c: Composer) -> list[str]:
    """The type's user-rights facts, as the 风险防控情况 elements that apply to this filing declare them (a
    dispatcher without workers owes no pay or working-hours rules)."""
    section = load_spec().section("risk_controls")
    return [p for e in section.applicable_elements(c.facts) if e.check == "type_rights" for p in e.facts]


def _rights_paths(c: Composer) -> list[str]:
    paths = ["algorithm.personal_information", "safety.minors"]
    if c.is_gen:
        paths.append("safety.real_name")
    if c.facts.biometric is not None or c.has("biometric"):
        paths += ["biometric.separate_consent", "biometric.tool_assessment"]
    return paths + _type_rights(c)


def _labelled(c: Composer, paths: list[str]) -> list[str]:
    return [f"{label_for(p)}：{_sentence(c.get(p))}" for p in paths]


def _complaint(c: Composer) -> str:
    text = (
        f"投诉举报：在{c.get('safety.complaint.entrance')}设置投诉举报入口，处理流程为"
        f"{c.get('safety.complaint.process')}，反馈时限为{c.get('safety.complaint.feedback_deadline')}，"
        "处理结果反馈投诉举报人"
    )
    if c.has("safety.complaint.contact"):
        text += f"；{c.get('safety.complaint.contact')}"
    return text + "。"


def _control_text(c: Composer, paths: list[str], stated: dict[str, str]) -> str:
    parts = []
    for path in paths:
        where = stated.get(path) or _STATED_ELSEWHERE.get(path)
        if where:
            parts.append(f"{label_for(path)}（见{where}）")
        else:
            parts.append(f"{label_for(path)}：{c.get(path)}")
    return "；".join(parts)


@writer("risk_controls")
def _risk_controls(c: Composer) -> str:
    mechanism = ["safety.emergency_response"] + (["safety.rumor_handling"] if c.is_gen else [])
    rights = _rights_paths(c)
    data = ["safety.data_security", "safety.log_retention"]
    stated = {p: "本节（一）" for p in mechanism} | {p: "本节（二）" for p in rights}
    stated |= {p: "本节（四）" for p in data}
    rights_lines = [
        f"知情权：在{c.get('product.name')}中以显著方式告知用户提供算法服务的情况，并通过《拟公示内容》"
        "公示算法的基本原理、目的意图和主要运行机制。",
        _complaint(c),
        *_labelled(c, rights),
    ]
    ecology = (
        f"{c.get('product.name')}对输入和输出的机器审核、人工审核、违法和不良信息特征库以及违规账号处置措施"
        "见一、（四）干预策略，本节不再重复。"
    )
    sections = [
        ("风险防范机制建设", _numbered(_labelled(c, mechanism))),
        ("用户权益保护", _numbered(rights_lines)),
        ("内容生态治理", ecology),
        ("数据安全防护", _numbered(_labelled(c, data))),
    ]
    body = [f"（{_CN[i]}）{title}\n\n{text}" for i, (title, text) in enumerate(sections)]
    mapping = []
    for category, members in _by_category(c.risks):
        lines = []
        for r in members:
            held, missing = risk_controls_of(c, r)
            control = "；".join(filter(None, [_control_text(c, held, stated), *missing]))
            lines.append(f"{r.name}：{control}（{quote_article(r)}）")
        mapping.append(f"{category}：\n\n" + _numbered(lines))
    body.append(f"（{_CN[len(sections)]}）风险与防控措施对应关系\n\n" + "\n\n".join(mapping))
    return "\n\n".join(body) + "\n\n" + _basis(c, "risk_controls")


def _open_quote(text: str) -> bool:
    """Whether cutting the text at its first comma would leave a quotation open."""
    head = re.split(r"[，；。]", text, maxsplit=1)[0]
    return head.count('"') % 2 == 1 or head.count("“") != head.count("”")


def _gist(c: Composer, path: str) -> str:
    """The first clause of a fact: enough to name the measure in the conclusion without restating it; a
    clause too short to say what the measure is keeps the fact's label."""
    text = c.get(path)
    clauses = [
        x.strip() for x in re.split(r"[；。]" if _open_quote(text) else r"[，；。]", text) if x.strip()
    ]
    gist = clauses[0] if clauses else c.get(path)
    if gist.endswith(("时", "后")) and len(clauses) > 1:
        gist = f"{gist}，{clauses[1]}"
    if len(gist) >= 12:
        return gist
    label = label_for(path)
    return f"{label}为{gist}" if label != path else _clause(text)


def _residual(c: Composer, risk: Risk, held: list[str]) -> str:
    """What remains of a risk once this product's controls work (the register's clauses that hold for it) and
    which of the product's other measures catch it (its `backstop` facts that the facts file gives)."""
    remains = risk.clauses("residual", c.facts, c.view)
    catch = [p for alt in risk.backstop for p in control_paths(c.data, alt)[0] if p not in held]
    by = "、".join(dict.fromkeys(label_for(p) for p in catch))
    text = said(c, risk, "residual", c.slots)
    if by:
        text += f"；上述情形由{by}兜底" if len(remains) > 1 else f"，由{by}兜底"
    return f"剩余风险：{text}"


def _risk_finding(c: Composer, risk: Risk) -> tuple[str, bool]:
    """One risk's line of the conclusion (the product's own measures, then what remains) and whether a
    control is still missing."""
    held, missing = risk_controls_of(c, risk)
    measures = "；".join(dict.fromkeys(_gist(c, p) for p in held))
    if missing:
        done = f"{measures}；" if measures else ""
        return f"{risk.name}：{done}尚缺{'、'.join(missing)}，补充前不能认定为可控", True
    return f"{risk.name}：{measures}。{_residual(c, risk, held)}", False


def _change_duty(c: Composer) -> str:
    """When this product's assessment is redone and its filing changed: on a change of what it is built of."""
    features, models = _feature_and_model_names(c)
    parts = [f"功能（{features}）" if features else "", f"模型（{models}）" if models else ""]
    what = "、".join(p for p in parts if p) or c.get("filing.algorithm_name")
    article = load_spec().section("conclusion").articles[0]
    return (
        f"{what}或其数据来源发生重大变更时重新评估，备案信息变更的在变更之日起十个工作日内办理变更手续"
        f"（《{article.title}》{article.article}）。"
    )


@writer("conclusion")
def _conclusion(c: Composer) -> str:
    risks = c.risks
    findings = [_risk_finding(c, r) for r in risks]
    open_names = [r.name for r, (_, is_open) in zip(risks, findings, strict=True) if is_open]
    name = c.get("filing.algorithm_name")
    if open_names:
        verdict = (
            f"{name}的{int_to_cn(len(risks))}项风险中，{'、'.join(open_names)}的控制措施尚待补充，"
            "补充并落实前不作出风险可控的结论。"
        )
    else:
        verdict = f"{name}的{int_to_cn(len(risks))}项风险均已落到{c.get('product.name')}的具体措施上，评估结论为风险可控。"
    return "\n\n".join([verdict, _numbered([line for line, _ in findings]), _change_duty(c)])


def _with_basis(c: Composer, section_id: str, text: str) -> str:
    basis = _basis(c, section_id)
    return f"{text}\n\n{basis}" if basis else text


def _basis(c: Composer, section_id: str) -> str:
    """The articles that ground a section (sections.yaml), cited by article; title only when not in the corpus."""
    section = load_spec().section(section_id)
    cited = [a.citation for a in section.applicable_articles(c.facts)]
    cited += [f"《{title}》" for title in section.title_only]
    return f"本节依据：{'、'.join(cited)}。" if cited else ""


@writer("other_matters")
def _other_matters(c: Composer) -> str:
    lines = []
    for i, model in enumerate(c.items("algorithm.models")):
        if model.get("provenance") == "第三方API":
            p = f"algorithm.models[{i}]"
            lines.append(
                f"第三方模型说明：本算法调用{c.get(p + '.provider')}提供的{c.get(p + '.name')}，该模型算法备案编号为"
                f"{c.get(p + '.algorithm_filing_number')}，大模型备案号或上线编号为{c.get(p + '.llm_filing_number')}，"
                f"使用证明材料为{c.get(p + '.proof')}。"
            )
    if c.facts.filing.filing_kind == "变更备案":
        lines.append(f"本次为变更备案，原备案编号为{c.get('filing.existing_filing_number')}。")
    if c.facts.role == "服务提供者":
        lines.append(
            f"{c.get('product.name')}已取得 ICP 备案，备案号为{c.get('product.icp_number')}，备案主体与本次备案主体"
            f"{c.get('entity.name')}一致。"
        )
    lines.append(
        "本报告及《拟公示内容》《落实算法安全主体责任基本情况》中的主体名称、算法名称、产品名称和输入输出模态保持一致。"
    )
    lines.append(f"备案通过后，将在{c.get('product.name')}的显著位置标明备案编号并提供公示信息链接。")
    return _with_basis(
        c,
        "other_matters",
        (
            f"（一）有关说明\n\n{_numbered(lines)}\n\n（二）附件清单\n\n"
            "本报告所述情况的证明材料随报告提交，截图与上线产品的实际页面一致，清单如下：\n\n"
            + _evidence_table(c, "self_assessment")
        ),
    )


# --- 拟公示内容 -----------------------------------------------------------------------------------


def _port_gist(c: Composer, key: str) -> str:
    """Each input or output as its modality and what it holds: 文本（用户输入的写作主题……）."""
    items = c.items(f"algorithm.{key}")
    if not items:
        return c.modalities(key)
    parts = []
    for i in range(len(items)):
        p = f"algorithm.{key}[{i}]"
        text = c.get(p + ".modality")
        if c.has(p + ".description"):
            text += f"（{_first_clause(c.get(p + '.description'))}）"
        parts.append(text)
    return "、".join(parts)


@writer("principle")
def _principle(c: Composer) -> str:
    models = c.items("algorithm.models")
    model_text = "；".join(
        f"{c.get(f'algorithm.models[{i}].name')}（{c.get(f'algorithm.models[{i}].architecture')}），"
        f"用于{_clause(c.get(f'algorithm.models[{i}].purpose'))}"
        for i in range(len(models))
    )
    return "\n\n".join(
        [
            f"{c.get('filing.algorithm_name')}属于{c.get('filing.algorithm_type')}算法。{_sentence(c.get('algorithm.summary'))}",
            f"算法以{_port_gist(c, 'inputs')}为输入，输出{_port_gist(c, 'outputs')}。",
            f"算法使用的模型包括：{_sentence(model_text or marker(label_for('algorithm.models'), 'algorithm.models'))}",
        ]
    )


@writer("mechanism")
def _mechanism(c: Composer) -> str:
    steps = c.list_or_marker("algorithm.pipeline")
    return "\n\n".join(
        [
            f"{c.get('filing.algorithm_name')}的主要运行机制如下：",
            _numbered(steps),
            f"其中，输入内容经审核后方进入后续处理（{c.get('safety.input_review')}），"
            f"输出结果经审核后方展示给用户（{c.get('safety.output_review')}）。",
        ]
    )


def main_use(c: Composer) -> str:
    """主要用途 in the published lists' style: 应用于……场景，根据/通过……，……。"""
    summary = _clause(c.get("algorithm.summary"))
    if not re.match(r"(根据|通过|基于|依据|利用|结合|对)", summary):
        summary = f"根据用户输入的{c.modalities('inputs')}，{summary}"
    return f"应用于{c.get('product.scenarios')}场景，{summary}。"


@writer("publicity_header")
def _publicity_header(c: Composer) -> str:
    rows = [
        ("算法名称", c.get("filing.algorithm_name")),
        ("主要用途", main_use(c)),
        ("主体名称", c.get("entity.name")),
        ("统一社会信用代码", c.get("entity.credit_code")),
        ("算法安全负责人", c.get("entity.security_officer.name")),
        ("联系电话", c.get("entity.security_officer.phone")),
    ]
    return _table(rows)


@writer("scenarios")
def _scenarios(c: Composer) -> str:
    features = [
        f"{c.get(f'product.features[{i}].name')}（{c.get(f'product.features[{i}].entry')}）"
        for i in range(len(c.items("product.features")))
    ]
    text = (
        f"{c.get('filing.algorithm_name')}应用于{c.get('product.name')}（{c.get('product.forms')}），"
        f"应用领域为{c.get('product.application_field')}，主要场景为{c.get('product.scenarios')}。"
    )
    if features:
        text += f"用户通过{'、'.join(features)}使用本算法。"
    text += f"适用人群：{_sentence(c.get('product.audience'))}"
    return f"{text}\n\n主要用途：{main_use(c)}"


@writer("purpose")
def _purpose(c: Composer) -> str:
    features = [
        f"{f['name']}：{_clause(str(f.get('description', '')))}"
        for f in c.items("product.features")
        if f.get("name")
    ]
    parts = [
        f"{c.get('filing.algorithm_name')}的目的是在{c.get('product.name')}中，为{_clause(c.get('product.audience'))}"
        f"在{c.get('product.scenarios')}等场景下提供服务：{_sentence(c.get('algorithm.summary'))}"
    ]
    if features:
        parts.append(
            "算法服务于以下功能：\n" + "\n".join(f"（{k}）{_sentence(f)}" for k, f in enumerate(features, 1))
        )
    limits = [_sentence(c.get(p)) for p in _purpose_limits(c) if c.has(p)]
    if limits:
        parts.append("为使算法只服务于上述目的，设定了以下约束：" + "".join(limits))
    parts.append("本算法不用于诱导用户沉迷或过度消费，不用于操纵舆论或传播违法和不良信息。")
    return "\n\n".join(parts)


# The facts that bound what the algorithm is used for (目的意图 states them beside the purpose), by type family
# and by feature.
_PURPOSE_LIMITS = {
    "生成合成类": ["safety.labeling.explicit", "safety.rumor_handling"],
    "个性化推送类": ["personalization.tag_rules", "personalization.diversity", "personalization.pricing"],
    "排序精选类": ["ranking_rules.published_rules", "ranking_rules.anti_manipulation"],
    "信息检索类": ["ranking_rules.published_rules", "ranking_rules.anti_manipulation"],
    "调度决策类": ["dispatch.working_hours", "dispatch.rewards_penalties", "dispatch.pricing_fairness"],
}


def _purpose_limits(c: Composer) -> list[str]:
    paths = list(_for_type(_PURPOSE_LIMITS, c, []))
    if c.facts.biometric is not None:
        paths.append("biometric.separate_consent")
    if c.facts.product.minors_allowed:
        paths.append("safety.minors")
    return paths + ["safety.accuracy_measures", "safety.advertising_review"]


# --- 落实算法安全主体责任基本情况 ------------------------------------------------------------------


@writer("org")
def _org(c: Composer) -> str:
    officer = f"{c.get('entity.security_officer.name')}"
    if c.has("entity.security_officer.title"):
        officer += f"（{c.get('entity.security_officer.title')}）"
    return _with_basis(
        c,
        "org",
        "\n\n".join(
            [
                f"（一）算法安全专职机构设置\n\n{c.get('entity.name')}设立{_sentence(c.get('organization.department'))}",
                f"（二）算法安全专职机构负责人基本信息\n\n机构负责人：{_sentence(c.get('organization.head'))}"
                f"算法安全负责人：{officer}，联系电话：{c.get('entity.security_officer.phone')}。",
                f"（三）算法安全工作人员任职要求\n\n{_sentence(c.get('organization.staff_qualifications'))}",
                f"（四）算法安全工作人员配备规模\n\n算法安全工作人员共{c.get('organization.staff_count')}人。",
                f"（五）算法安全技术保障措施\n\n{_sentence(c.get('organization.tech_measures'))}",
            ]
        ),
    )


# The template's named systems: (heading, pattern a listed system's name matches, facts that state how it
# works when the facts file lists the system by name only).
_NAMED_SYSTEMS = [
    ("算法安全自评估制度", "自评估", []),
    ("算法安全监测制度", "监测", []),
    ("算法安全事件应急处置制度", "应急", ["safety.emergency_response"]),
    ("算法违法违规处置制度", "违法违规处置|违规处置", ["safety.account_measures"]),
]
# Other systems listed by name whose working the facts do state elsewhere (pattern → fact paths).
_OTHER_SYSTEM_FACTS = [
    ("辟谣", ["safety.rumor_handling"]),
    ("用户注册|注册管理|实名", ["safety.real_name"]),
    ("客户准入|客户注册", ["technical_service.onboarding"]),
    ("日志", ["safety.log_retention"]),
]
# 监测制度 in the template's four areas: (area, optional key, facts that state the area's rule and support).
# The last item is how the area's text introduces what it watches for this product's risks.
_MONITORING = [
    ("信息安全监测", "information", ["safety.feature_library", "safety.output_review"]),
    ("数据安全监测", "data", ["safety.data_security"]),
    ("用户个人信息安全监测", "personal_information", ["algorithm.personal_information"]),
    ("算法安全监测", "algorithm", ["organization.tech_measures", "safety.log_retention"]),
]


def _system_items(c: Composer) -> list[tuple[str, dict[str, Any]]]:
    """(name, item) of every listed system; a name-only entry becomes {'name': name}."""
    items = []
    for entry in c.raw("organization.systems") or []:
        item = entry if isinstance(entry, dict) else {"name": str(entry)}
        if item.get("name"):
            items.append((str(item["name"]), item))
    return items


def _system_body(c: Composer, name: str, item: dict[str, Any], paths: list[str]) -> str:
    """How a system works: its own content and enforcement when the facts give them, else the facts that
    state it, else nothing (its text is attached, which the section says once for all listed systems)."""
    pairs = (("content", "规定"), ("enforcement", "落实方式为"))
    own = [f"{label}{_clause(str(item[key]))}" for key, label in pairs if item.get(key)]
    if own:
        return f"《{name}》" + "；".join(own) + "。"
    stated = [p for p in paths if c.has(p)]
    if len(stated) == 1:
        return f"依据《{name}》，{_sentence(c.get(stated[0]))}"
    if stated:
        return f"依据《{name}》，" + "".join(f"{label_for(p)}：{_sentence(c.get(p))}" for p in stated)
    return ""


def _risk_names(c: Composer, categories: tuple[int, ...]) -> str:
    """Names of this filing's risks in the given categories (1-based, the template's eight types)."""
    wanted = {load_register().categories[i - 1] for i in categories}
    return "、".join(r.name for r in c.risks if r.category in wanted)


def _covers(c: Composer, categories: tuple[int, ...], lead: str, field: str = "incident") -> str:
    """The events in this product the system answers: the register's `incident` of its risks of the given
    types, and of every type when `field` is `violation` (a user's breach that 违法违规处置 answers)."""
    wanted = {load_register().categories[i - 1] for i in categories}
    slots = c.slots
    risks = c.risks
    events = [said(c, r, "incident", slots, "、") for r in risks if r.category in wanted]
    events += [said(c, r, field, slots, "、") for r in risks if field != "incident"]
    events = [e for e in events if e]
    return f"{lead}{'；'.join(dict.fromkeys(events))}。" if events else ""


def _named_system(c: Composer, index: int, rest: Callable[[str], str]) -> str:
    """One of the template's named systems: how it works (its facts), then `rest(lead)` (what it covers in
    this product). A system listed by name only is named in the lead so the text still says which it is."""
    heading, pattern, paths = _NAMED_SYSTEMS[index]
    listed = [(n, item) for n, item in _system_items(c) if re.search(pattern, n)]
    if not listed:
        return marker(f"{heading}的内容和落实方式", "organization.systems") + rest("")
    body = "".join(_system_body(c, n, item, paths) for n, item in listed)
    names = "".join(f"《{n}》" for n, _ in listed)
    return body + rest("" if body else names)


# Leak risks about users' own information (by risk name), monitored under 用户个人信息安全监测.
_PERSONAL = "用户|画像|敏感个人信息"
# Which of the eight risk types each monitoring area and named system answers (1-based).
_AREA_RISKS = {
    "information": (4, 5, 6),
    "data": (7,),
    "personal_information": (7,),
    "algorithm": (1, 2, 3, 8),
}


def _watch(c: Composer, key: str) -> list[str]:
    """What the monitoring area watches for this product's risks of its types (the register's `monitor`);
    of the leak risks, those about users' own information go to 用户个人信息安全监测, the rest to 数据安全."""
    wanted = {load_register().categories[i - 1] for i in _AREA_RISKS[key]}
    risks = [r for r in c.risks if r.category in wanted and r.monitor]
    slots = c.slots
    if key in ("data", "personal_information"):
        personal = [r for r in risks if re.search(_PERSONAL, r.name)]
        risks = personal if key == "personal_information" else [r for r in risks if r not in personal]
    return [w for r in risks if (w := said(c, r, "monitor", slots, "、"))]


def _scope(c: Composer, scope: Scope, sep: str = "；", more: list[str] | None = None) -> str:
    """What a system or monitoring area covers in this product (systems.yaml), with the product's risks of
    the scope's risk types and `more` (what it watches for them); empty when nothing in the facts calls for it."""
    parts = list(dict.fromkeys(_chosen(c, scope.scope) + (more or [])))
    names = _risk_names(c, tuple(scope.categories)) if scope.categories else ""
    if names:
        return f"{scope.lead}{sep.join(parts)}，以及{names}。" if parts else f"{scope.lead}{names}。"
    return f"{scope.lead}{sep.join(parts)}。" if parts else ""


def _monitoring(c: Composer) -> str:
    lines = []
    for area, key, fallback in _MONITORING:
        base = f"organization.monitoring.{key}"
        if c.has(base):
            text = f"{c.get(base + '.rule')}；{_sentence(c.get(base + '.support'))}"
        elif all(c.has(p) for p in fallback):
            text = "".join(_sentence(c.get(p)) for p in fallback)
        else:
            text = marker(label_for(base), base)
        lines.append(f"{area}：{text}{_scope(c, load_systems().monitoring[key], more=_watch(c, key))}")
    listed = [(n, item) for n, item in _system_items(c) if re.search("监测", n)]
    if not listed:
        intro = marker("算法安全监测制度的内容和落实方式", "organization.systems")
    else:
        intro = "".join(
            _system_body(c, n, item, [])
            if item.get("content") or item.get("enforcement")
            else f"依据《{n}》："
            for n, item in listed
        )
    return f"{intro}\n\n" + _numbered(lines)


def _other_systems(c: Composer) -> str:
    named = "|".join(pattern for _, pattern, _ in _NAMED_SYSTEMS)
    described, bare = [], []
    for name, item in _system_items(c):
        if re.search(named, name):
            continue
        paths = next((p for pattern, p in _OTHER_SYSTEM_FACTS if re.search(pattern, name)), [])
        scope = next((s for s in load_systems().systems if re.search(s.match, name)), None)
        if item.get("content") or item.get("enforcement") or any(c.has(p) for p in paths):
            described.append(_system_body(c, name, item, paths))
        elif scope and (text := _scope(c, scope, "、")):
            described.append(f"《{name}》{text}")
        else:
            bare.append(f"《{name}》")
    parts = [_numbered(described)] if described else []
    if bare:
        parts.append(f"此外还制定了{''.join(bare)}。")
    section = load_spec().section("systems")
    names = [n for n, _ in _system_items(c)]
    for required in section.systems_required:
        if required.applies(c.facts) and not any(re.search(required.match, n) for n in names):
            parts.append(marker(f"{required.name}的内容和落实方式", "organization.systems"))
    if not _system_items(c):
        parts.append(marker(label_for("organization.systems"), "organization.systems"))
    return "\n\n".join(parts)


def _assessment_scope(c: Composer) -> str:
    """What this product's self-assessment covers: its features and models, and the risks found."""
    features, models = _feature_and_model_names(c)
    scope = "和".join(x for x in (features, models) if x)
    count = len(c.risks)
    text = f"评估覆盖{scope}及其{int_to_cn(count)}项风险的控制措施。" if scope else ""
    if c.has("filing.assessment_date"):
        text = f"本次自评估于{c.get('filing.assessment_date')}完成。{text}"
    return text + _reassessment(c)


def _chosen(c: Composer, phrasing: Any) -> list[str]:
    """The clauses of a systems.yaml phrasing that hold for this product, slots filled."""
    slots = c.slots
    return list(
        dict.fromkeys(_clause(t.format_map(slots)) for t in select_clauses(phrasing, c.facts, c.view))
    )


def _reassessment(c: Composer) -> str:
    """When this product is assessed again: before launch if it has not launched, and on the changes of what
    it is built of (systems.yaml `reassessment`)."""
    changes = _chosen(c, load_systems().reassessment)
    if not changes:
        return ""
    when = "上线前如有调整，以及上线后" if c.raw("product.launch_date") == "未上线" else ""
    return f"{when}发生下列变化时重新评估：{'；'.join(changes)}。"


@writer("systems")
def _systems(c: Composer) -> str:
    def cases(categories: tuple[int, ...], field: str = "incident") -> Callable[[str], str]:
        return lambda names: _covers(c, categories, f"{names}{'的' if names else ''}适用情形：", field)

    def assessment(names: str) -> str:
        scope = _assessment_scope(c)
        return f"依据{names}，{scope}" if names and scope else scope

    parts = [
        ("算法安全自评估制度", _named_system(c, 0, assessment)),
        ("算法安全监测制度", _monitoring(c)),
        ("算法安全事件应急处置制度", _named_system(c, 2, cases((3, 6, 8)))),
        ("算法违法违规处置制度", _named_system(c, 3, cases((1, 2), "violation"))),
        ("其他制度", _other_systems(c)),
    ]
    body = [
        f"（{_CN[i]}）{title}\n\n{text or '制度全文见三、附件。'}" for i, (title, text) in enumerate(parts)
    ]
    if _system_items(c):
        body.append("以上各项制度的全文见三、附件。")
    return "\n\n".join(body) + "\n\n" + _basis(c, "systems")


def _evidence_table(c: Composer, document: str) -> str:
    rows = [
        (int_to_cn(i), item.name, item.proves, item.section_title)
        for i, item in enumerate(evidence_items(c.facts, document=document), 1)
    ]
    header = "| 序号 | 材料 | 证明的内容 | 对应章节 |\n| --- | --- | --- | --- |"
    return "\n".join([header, *(f"| {' | '.join(row)} |" for row in rows)])


@writer("attachments")
def _attachments(c: Composer) -> str:
    return "本文件所述机构和制度的证明材料清单如下：\n\n" + _evidence_table(c, "responsibility")


# --- 承诺书、关联产品、技术服务方式 -----------------------------------------------------------------


@writer("commitment")
def _commitment(c: Composer) -> str:
    return "\n\n".join(
        [
            f"本单位{c.get('entity.name')}就{c.get('filing.algorithm_name')}办理互联网信息服务算法备案，郑重承诺如下：",
            _numbered(
                [
                    "本单位提交的备案材料真实、准确、完整，不存在虚假记载、误导性陈述或重大遗漏",
                    "本单位严格遵守法律、行政法规和国家有关规定，落实算法安全主体责任",
                    "备案信息发生变更的，在变更之日起十个工作日内办理变更手续；终止服务的，在终止服务之日起二十个工作日内办理注销备案手续",
                    "本单位对违反上述承诺产生的后果承担相应法律责任",
                ]
            ),
            f"法定代表人：{c.get('entity.legal_representative')}（签字）\n\n单位（盖章）：{c.get('entity.name')}\n\n日期：    年  月  日",
        ]
    )


@writer("products")
def _products(c: Composer) -> str:
    launch = c.raw("product.launch_date")
    rows = [
        ("产品名称", c.get("product.name")),
        ("服务形式", c.get("product.forms")),
        ("访问地址", c.get("product.urls")),
        ("服务状态", "未上线" if launch == "未上线" else f"已上线（{c.get('product.launch_date')}）"),
        ("服务对象", c.get("product.audience")),
        (
            "是否需要实名认证",
            "是：" + c.get("safety.real_name") if c.has("safety.real_name") else c.get("safety.real_name"),
        ),
        ("前置许可", f"ICP 备案号：{c.get('product.icp_number')}"),
    ]
    features = c.items("product.features")
    function_rows = [
        (
            c.get(f"product.features[{i}].name"),
            f"{c.get(f'product.features[{i}].description')}；访问路径：{c.get(f'product.features[{i}].entry')}",
        )
        for i in range(len(features))
    ] or [(label_for("product.features"), marker(label_for("product.features"), "product.features"))]
    return "\n\n".join(
        [_table(rows), "功能信息：", _table(function_rows, ("功能名称", "功能介绍及访问路径"))]
    )


@writer("service_mode")
def _service_mode(c: Composer) -> str:
    rows = [
        ("技术服务名称", c.get("product.name")),
        ("交付方式", c.get("technical_service.delivery")),
        ("服务对象", c.get("technical_service.customers")),
        ("客户准入与用途核验", c.get("technical_service.onboarding")),
        ("客户安全义务", c.get("technical_service.contractual_duties")),
    ]
    if c.has("product.urls"):
        rows.append(("服务地址", c.get("product.urls")))
    if c.is_gen:
        rows.append(("标识能力", c.get("technical_service.label_support")))
    return _table(rows)


def draft_section(facts: Facts, section_id: str) -> str:
    return WRITERS[section_id](Composer(facts)).strip() + "\n"


def draft_all(facts: Facts, spec: SpecBook | None = None) -> dict[str, str]:
    return {s.id: draft_section(facts, s.id) for s in (spec or load_spec()).applicable_sections(facts)}
