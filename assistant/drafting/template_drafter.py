"""The `template` provider: writes every section from the facts and the section spec, deterministically.

It states only what the facts file holds; every absent fact becomes a 【待补充：标签（键路径）】 marker.
It is also the floor the LLM drafts must beat and the source the repair loop fills missing elements from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assistant import factpath
from assistant.checking.matching import marker
from assistant.facts import Facts, is_blank, label_for, type_family
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
            f"算法简介：{c.get('algorithm.summary')}",
            f"应用范围：{c.get('product.application_field')}领域的{c.get('product.scenarios')}等场景",
            f"服务群体：{c.get('product.audience')}",
            f"用户数量：{c.get('product.user_scale')}",
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
        ("算法备案类型", kind),
        (
            "算法基本情况",
            f"{c.get('filing.algorithm_name')}应用于{c.get('product.name')}（{c.get('product.forms')}），"
            f"{c.get('algorithm.summary')}",
        ),
        ("评估算法描述", description),
        ("拟公示内容", "见《拟公示内容》"),
        ("落实算法安全主体责任基本情况", "见《落实算法安全主体责任基本情况》"),
        ("算法安全负责人", officer),
        ("联系电话", c.get("entity.security_officer.phone")),
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
        parts.append("流程中的模型节点：\n" + "\n".join(f"- {_sentence(n)}" for n in nodes))
    else:
        parts.append(f"流程中的模型节点：{marker(label_for('algorithm.models'), 'algorithm.models')}")
    parts.append(
        f"输入审核节点采用{c.get('safety.input_review')}；输出审核节点采用{c.get('safety.output_review')}；"
        f"人工审核节点：{c.get('safety.human_review')}。"
    )
    return "\n\n".join(parts)


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
    return f"{title}：\n" + "\n".join(f"- {line}" for line in lines)


@writer("algo_data")
def _algo_data(c: Composer) -> str:
    parts = [
        "（一）输入数据\n\n" + _ports(c, "inputs", "本算法接收的输入数据"),
        "（二）输出数据\n\n" + _ports(c, "outputs", "本算法产生的输出数据"),
        "（三）训练数据\n\n" + _sentence(c.get("algorithm.training_data")),
    ]
    own = [m for m in c.items("algorithm.models") if m.get("training_data")]
    if own:
        parts[-1] += "\n\n" + "\n".join(
            f"- {m.get('name', '')}：{_sentence(str(m['training_data']))}" for m in own
        )
    parts.append("（四）运行数据\n\n" + _sentence(c.get("algorithm.runtime_data")))
    parts.append("（五）个人信息\n\n" + _sentence(c.get("algorithm.personal_information")))
    return "\n\n".join(parts)


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
    return f"{i + 1}. {c.get(p + '.name')}\n\n" + "\n".join(f"- {_sentence(line)}" for line in lines)


@writer("algo_model")
def _algo_model(c: Composer) -> str:
    models = c.items("algorithm.models")
    if not models:
        return f"本算法使用的模型：{marker(label_for('algorithm.models'), 'algorithm.models')}"
    names = "、".join(c.get(f"algorithm.models[{i}].name") for i in range(len(models)))
    intro = f"{c.get('filing.algorithm_name')}由以下模型组成：{names}。各模型情况如下："
    blocks = [_model_block(c, i) for i in range(len(models))]
    return "\n\n".join([intro, *blocks])


@writer("intervention")
def _intervention(c: Composer) -> str:
    return "\n\n".join(
        [
            "（一）输入审核\n\n" + _sentence(c.get("safety.input_review")),
            "（二）输出审核\n\n" + _sentence(c.get("safety.output_review")),
            "（三）人工审核\n\n" + _sentence(c.get("safety.human_review")),
            "（四）违法和不良信息特征库\n\n" + _sentence(c.get("safety.feature_library")),
            "（五）违规账号处置\n\n" + _sentence(c.get("safety.account_measures")),
        ]
    )


@writer("labeling")
def _labeling(c: Composer) -> str:
    outputs = c.modalities("outputs")
    return "\n\n".join(
        [
            f"本算法生成的{outputs}内容均按要求添加显式标识和隐式标识。",
            "（一）显式标识\n\n" + _sentence(c.get("safety.labeling.explicit")),
            "（二）隐式标识\n\n" + _sentence(c.get("safety.labeling.implicit")),
            "（三）用户协议中的标识说明\n\n" + _sentence(c.get("safety.labeling.user_agreement")),
        ]
    )


@writer("service")
def _service(c: Composer) -> str:
    features = c.items("product.features")
    if features:
        feature_lines = "\n".join(
            f"- {c.get(f'product.features[{i}].name')}：{_clause(c.get(f'product.features[{i}].description'))}；"
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
            f"（二）服务对象与规模\n\n服务对象：{_sentence(c.get('product.audience'))}用户规模：{_sentence(c.get('product.user_scale'))}",
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
    return "\n\n".join(parts)


def risk_catalogue(c: Composer) -> list[tuple[str, str, str]]:
    """(risk name, description, impact) — the risks this filing assesses, each tied to the product's own
    functions, models, inputs, outputs and data as the facts state them."""
    product, scenarios = c.get("product.name"), c.get("product.scenarios")
    output = c.modalities("outputs") if c.items("algorithm.outputs") else "输出"
    inputs = c.modalities("inputs") if c.items("algorithm.inputs") else "输入"
    features = "、".join(f"“{f['name']}”" for f in c.items("product.features") if f.get("name")) or "各项功能"
    models = "、".join(str(m["name"]) for m in c.items("algorithm.models") if m.get("name")) or "所用模型"
    personal = (
        _clause(c.get("algorithm.personal_information"))
        if c.has("algorithm.personal_information")
        else "用户个人信息"
    )
    runtime = f"（{_clause(c.get('algorithm.runtime_data'))}）" if c.has("algorithm.runtime_data") else ""
    risks = [
        (
            "算法滥用风险",
            f"用户可能超出{scenarios}等预期场景使用{product}的{features}功能，批量制作或传播不当{output}内容",
            "偏离服务目的，损害他人合法权益或扰乱网络秩序",
        ),
        (
            "算法漏洞风险",
            f"{models}、审核规则或系统实现存在缺陷，导致审核遗漏、结果异常或服务中断",
            "违法和不良信息未被拦截，或用户无法正常使用服务",
        ),
        (
            "算法被恶意利用风险",
            f"攻击者通过构造{inputs}输入、绕过审核或批量注册账号等方式诱导算法产出违规结果",
            "算法被用于制作、传播违法和不良信息",
        ),
        (
            "违法和不良信息风险",
            f"{product}的{inputs}输入或{output}输出中可能出现违法和不良信息",
            "违法和不良信息被生成、存储或传播扩散",
        ),
        (
            "数据和个人信息泄露风险",
            f"运行数据{runtime}和个人信息（{personal}）在收集、存储、传输和使用环节可能被泄露或滥用",
            "侵害用户个人信息权益，造成数据安全事件",
        ),
    ]
    extra = {
        "个性化推送类": (
            "信息茧房风险",
            "基于用户兴趣的持续推荐可能使用户接触的信息趋于单一",
            "影响用户获取多元信息",
        ),
        "排序精选类": (
            "排序操纵风险",
            "刷榜、虚假流量或不当人工干预可能操纵排序和精选结果",
            "损害用户知情权和公平竞争",
        ),
        "检索过滤类": (
            "检索结果操纵风险",
            "屏蔽信息、过度推荐或操纵检索结果顺序",
            "损害用户知情权和公平竞争",
        ),
        "调度决策类": (
            "劳动者权益受损风险",
            "派单、报酬和考核规则设置不当可能压缩劳动者休息时间或收入",
            "损害劳动者合法权益",
        ),
    }
    if c.type in extra:
        risks.append(extra[c.type])
    if c.facts.product.minors_allowed:
        risks.append(
            ("未成年人沉迷风险", "未成年人可能过度使用本服务或接触不适宜内容", "影响未成年人身心健康")
        )
    return risks


@writer("risk_assessment")
def _risk_assessment(c: Composer) -> str:
    intro = (
        f"结合{c.get('product.name')}的应用场景（{c.get('product.scenarios')}）、服务对象"
        f"（{_clause(c.get('product.audience'))}）和所用模型，对{c.get('filing.algorithm_name')}的主要风险研判如下："
    )
    blocks = [
        f"（{_CN[i]}）{name}\n\n风险描述：{_sentence(desc)}可能影响：{_sentence(impact)}"
        for i, (name, desc, impact) in enumerate(risk_catalogue(c))
    ]
    return "\n\n".join([intro, *blocks])


_CN = "一二三四五六七八九十"


def _risk_controls_map(c: Composer) -> dict[str, str]:
    controls = {
        "算法滥用风险": f"{c.get('safety.account_measures')}；{c.get('safety.real_name')}",
        "算法漏洞风险": f"按照算法安全自评估和安全评估监测制度定期审核、评估、验证算法机制机理和模型；"
        f"{c.get('safety.emergency_response')}",
        "算法被恶意利用风险": f"输入审核：{c.get('safety.input_review')}；{c.get('safety.account_measures')}",
        "违法和不良信息风险": f"输出审核：{c.get('safety.output_review')}；人工审核：{c.get('safety.human_review')}；"
        f"特征库：{c.get('safety.feature_library')}",
        "数据和个人信息泄露风险": f"{c.get('safety.data_security')}；{c.get('algorithm.personal_information')}",
        "信息茧房风险": f"{c.get('personalization.diversity')}；{c.get('personalization.negative_feedback')}",
        "排序操纵风险": f"{c.get('ranking_rules.anti_manipulation')}；{c.get('ranking_rules.manual_intervention')}",
        "检索结果操纵风险": f"{c.get('ranking_rules.anti_manipulation')}；{c.get('ranking_rules.manual_intervention')}",
        "劳动者权益受损风险": f"{c.get('dispatch.order_allocation')}；{c.get('dispatch.working_hours')}",
        "未成年人沉迷风险": c.get("safety.minors"),
    }
    return {name: controls[name] for name, _, _ in risk_catalogue(c)}


def _type_rights(c: Composer) -> list[str]:
    paths = {
        "个性化推送类": [
            "personalization.opt_out",
            "personalization.tag_management",
            "personalization.tag_rules",
            "personalization.diversity",
            "personalization.negative_feedback",
        ],
        "排序精选类": [
            "ranking_rules.published_rules",
            "ranking_rules.anti_manipulation",
            "ranking_rules.manual_intervention",
        ],
        "检索过滤类": [
            "ranking_rules.published_rules",
            "ranking_rules.anti_manipulation",
            "ranking_rules.manual_intervention",
        ],
        "调度决策类": [
            "dispatch.order_allocation",
            "dispatch.pay",
            "dispatch.working_hours",
            "dispatch.rewards_penalties",
            "dispatch.pricing_fairness",
        ],
    }.get(c.type, [])
    return [f"{label_for(p)}：{_sentence(c.get(p))}" for p in paths]


@writer("risk_controls")
def _risk_controls(c: Composer) -> str:
    mechanism = [f"应急处置：{_sentence(c.get('safety.emergency_response'))}"]
    if c.is_gen:
        mechanism.append(f"辟谣机制：{_sentence(c.get('safety.rumor_handling'))}")
    rights = [
        f"知情权：在{c.get('product.name')}中以显著方式告知用户算法服务的情况，并公示算法基本原理、目的意图和主要运行机制。",
        f"个人信息保护：{_sentence(c.get('algorithm.personal_information'))}",
        f"投诉举报：设置投诉举报入口（{c.get('safety.complaint.entrance')}），处理流程为{c.get('safety.complaint.process')}，"
        f"反馈时限为{c.get('safety.complaint.feedback_deadline')}，处理结果及时反馈投诉举报人"
        + (
            f"；联系方式：{c.get('safety.complaint.contact')}。"
            if c.has("safety.complaint.contact")
            else "。"
        ),
        ("未成年人保护：" if c.facts.product.minors_allowed else "未成年人：")
        + _sentence(c.get("safety.minors")),
    ]
    if c.is_gen:
        rights.append(f"真实身份信息认证：{_sentence(c.get('safety.real_name'))}")
    if c.facts.biometric is not None or c.has("biometric"):
        rights += [
            f"生物识别信息编辑：{_sentence(c.get('biometric.separate_consent'))}",
            f"编辑工具安全评估：{_sentence(c.get('biometric.tool_assessment'))}",
        ]
    rights += _type_rights(c)
    ecology = [
        f"输入审核：{_sentence(c.get('safety.input_review'))}",
        f"输出审核：{_sentence(c.get('safety.output_review'))}",
        f"人工审核：{_sentence(c.get('safety.human_review'))}",
    ]
    data = [
        f"数据安全：{_sentence(c.get('safety.data_security'))}",
        f"网络日志留存：{_sentence(c.get('safety.log_retention'))}",
    ]
    mapping = [f"- 针对{name}：{_sentence(control)}" for name, control in _risk_controls_map(c).items()]
    sections = [
        ("风险防范机制建设", mechanism),
        ("用户权益保护", rights),
        ("内容生态治理", ecology),
        ("数据安全防护", data),
    ]
    body = [
        f"（{_CN[i]}）{title}\n\n" + "\n".join(f"{j}. {line}" for j, line in enumerate(lines, 1))
        for i, (title, lines) in enumerate(sections)
    ]
    body.append(f"（{_CN[len(sections)]}）风险与防控措施对应关系\n\n" + "\n".join(mapping))
    return "\n\n".join(body)


@writer("conclusion")
def _conclusion(c: Composer) -> str:
    return (
        f"经对{c.get('filing.algorithm_name')}在{c.get('product.name')}中的算法流程、数据、模型、干预策略和服务情况逐项评估，"
        "本单位已针对风险研判中识别的各项风险建立了对应的防控措施和管理制度，评估结论为：相关风险总体可控。\n\n"
        "本单位将定期开展算法安全自评估；算法备案信息发生变更的，将在变更之日起十个工作日内办理变更手续。"
    )


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
    return _numbered(lines)


# --- 拟公示内容 -----------------------------------------------------------------------------------


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
            f"算法的输入为{c.modalities('inputs')}，输出为{c.modalities('outputs')}。",
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


@writer("scenarios")
def _scenarios(c: Composer) -> str:
    scenarios = c.list_or_marker("product.scenarios")
    return "\n\n".join(
        [
            f"{c.get('filing.algorithm_name')}应用于{c.get('product.application_field')}领域，通过{c.get('product.name')}"
            f"（{c.get('product.forms')}）提供服务，主要应用场景包括：",
            "\n".join(f"- {s}" for s in scenarios),
            f"适用人群：{_sentence(c.get('product.audience'))}",
        ]
    )


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
        parts.append("算法服务于以下功能：\n" + "\n".join(f"- {_sentence(f)}" for f in features))
    parts.append("本算法不用于诱导用户沉迷或过度消费，不用于操纵舆论或传播违法和不良信息。")
    return "\n\n".join(parts)


# --- 落实算法安全主体责任基本情况 ------------------------------------------------------------------


@writer("org")
def _org(c: Composer) -> str:
    officer = f"{c.get('entity.security_officer.name')}"
    if c.has("entity.security_officer.title"):
        officer += f"（{c.get('entity.security_officer.title')}）"
    return "\n\n".join(
        [
            f"（一）算法安全专职机构设置\n\n{c.get('entity.name')}设立{_sentence(c.get('organization.department'))}",
            f"（二）算法安全专职机构负责人基本信息\n\n机构负责人：{_sentence(c.get('organization.head'))}"
            f"算法安全负责人：{officer}，联系电话：{c.get('entity.security_officer.phone')}。",
            f"（三）算法安全工作人员任职要求\n\n{_sentence(c.get('organization.staff_qualifications'))}",
            f"（四）算法安全工作人员配备规模\n\n算法安全工作人员共{c.get('organization.staff_count')}人。",
            f"（五）算法安全技术保障措施\n\n{_sentence(c.get('organization.tech_measures'))}",
        ]
    )


_SYSTEM_FACTS = [
    ("应急", "safety.emergency_response"),
    ("辟谣", "safety.rumor_handling"),
    ("注册", "safety.real_name"),
    ("数据安全|个人信息", "safety.data_security"),
    ("发布审核|内容审核", "safety.output_review"),
    ("违法违规|违规处置", "safety.account_measures"),
    ("监测", "safety.log_retention"),
]


def _system_text(c: Composer, item: Any) -> str:
    if isinstance(item, dict):
        name = item.get("name") or "管理制度"
        text = "；".join(_clause(str(item[k])) for k in ("content", "enforcement") if item.get(k))
        return f"{name}：{_sentence(text)}" if text else f"已建立{name}。"
    related = next(
        (path for pattern, path in _SYSTEM_FACTS if re.search(pattern, str(item)) and c.has(path)), None
    )
    return f"已建立{item}" + (f"，{_sentence(c.get(related))}" if related else "。")


@writer("systems")
def _systems(c: Composer) -> str:
    section = load_spec().section("systems")
    systems = c.raw("organization.systems") or []
    names = [s if isinstance(s, str) else str(s.get("name", "")) for s in systems]
    lines = [_system_text(c, item) for item in systems]
    for required in section.systems_required:
        if required.applies(c.facts) and not any(re.search(required.match, n) for n in names):
            lines.append(marker(f"{required.name}的内容和落实方式", "organization.systems"))
    body = _numbered(lines) if lines else marker(label_for("organization.systems"), "organization.systems")
    return (
        f"{c.get('entity.name')}已建立以下算法安全管理制度，并明确了各项制度的内容和落实方式：\n\n{body}\n\n"
        f"网络日志留存：{_sentence(c.get('safety.log_retention'))}"
    )


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
