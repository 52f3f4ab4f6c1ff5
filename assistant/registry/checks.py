"""Registry checks (registered with assistant.checking.checks): every 网信算备 number in the facts decoded and
looked up in the published lists, and the declared algorithm type compared with the published filings most
like this algorithm.

- registry_number: malformed structure or unknown class code → warning naming the digits and why; a
  third-party generative model whose class code is not 01 → blocking; found → the registered entity must be
  the stated provider (or the filer, for the existing filing of a 变更备案; recorded renames allowed), else
  blocking; a 注销 remark → blocking; not found → warning naming the newest batch loaded.
- registry_region: the filer's own number's region code vs the division code in its credit code (advisory).
- registry_type: the declared type implausible for this algorithm given the published filings → blocking,
  with the nearest filings as evidence."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.checking.checks import CheckContext, Finding, FindingKind, register
from assistant.config import get_settings
from assistant.facts import Facts
from assistant.registry.data import registry_spec
from assistant.registry.index import RegistryIndex, get_index
from assistant.registry.numbers import DecodedNumber, decode_number
from assistant.registry.service import get_classifier

GENERATIVE_RE = re.compile(r"生成|合成|续写|改写|对话|问答|绘|配音|克隆|大模型|大语言模型")
# The declared type is implausible when the published filings most like this algorithm give it less than
# this share of their vote while another class wins (bench/registry_bench.py measures the false-alarm rate
# on held-out rows: their true class is flagged at this threshold for under 1 % of them).
IMPLAUSIBLE_SHARE = 0.05
MIN_WINNER_SHARE = 0.6


@dataclass
class NumberUse:
    path: str
    number: str
    holder: str  # who should hold the filing: the model's provider, or the filer
    holder_path: str
    third_party_generative: bool = False
    own: bool = False


def numbers_in_facts(facts: Facts) -> list[NumberUse]:
    uses: list[NumberUse] = []
    for index, model in enumerate(facts.models):
        if not model.algorithm_filing_number or not model.algorithm_filing_number.strip():
            continue
        third_party = model.provenance == "第三方API"
        generative = third_party and (
            facts.algorithm_type == "生成合成类"
            or bool(GENERATIVE_RE.search(f"{model.purpose or ''}{model.name or ''}"))
        )
        uses.append(
            NumberUse(
                f"algorithm.models[{index}].algorithm_filing_number",
                model.algorithm_filing_number,
                (model.provider if third_party else facts.entity.name) or "",
                f"algorithm.models[{index}].provider" if third_party else "entity.name",
                generative,
            )
        )
    existing = facts.filing.existing_filing_number
    if existing and existing.strip():
        uses.append(
            NumberUse(
                "filing.existing_filing_number", existing, facts.entity.name or "", "entity.name", own=True
            )
        )
    return uses


def fold_name(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name or "")
    return re.sub(r"\s+", "", folded).replace("(", "（").replace(")", "）")


def same_entity(stated: str, registered: set[str]) -> bool:
    """The stated name is one the number is registered under (or a recorded former/later name); a name
    written inside the other (≥ 4 characters, e.g. without the city prefix) counts as the same."""
    mine = fold_name(stated)
    for name in map(fold_name, registered):
        if mine == name or (min(len(mine), len(name)) >= 4 and (mine in name or name in mine)):
            return True
    return False


def batch_label(batch: str) -> str:
    year, _, month = batch.partition("-")
    return f"{year}年{int(month)}月" if month.isdigit() else batch


def _number_finding(use: NumberUse, blocking: bool, message: str, evidence: str) -> Finding:
    """A finding on one filing number in the facts, pointing at the field that holds it."""
    return Finding(
        "registry_number",
        blocking,
        message,
        field=use.path,
        kind=FindingKind.INVALID_FACT,
        evidence=[evidence],
    )


@register
def check_registry_number(ctx: CheckContext) -> Iterable[Finding]:
    uses = numbers_in_facts(ctx.facts)
    if not uses:
        return
    index = get_index(get_settings())
    for use in uses:
        decoded = decode_number(use.number)
        yield from _structure_findings(use, decoded)
        if use.own:
            yield from _own_class_findings(use, decoded, ctx.facts.algorithm_type)
        yield from _listed_findings(use, decoded, index)


def _structure_findings(use: NumberUse, decoded: DecodedNumber) -> Iterable[Finding]:
    if decoded.problems:
        yield _number_finding(
            use,
            False,
            f"备案编号“{use.number}”与已公布编号的结构不符：{'；'.join(decoded.problems)}"
            "（结构由已公布清单归纳：第 1–6 位地区、7–13 位主体、14–15 位类别、16–17 位年份）",
            use.number,
        )
    # a known class other than 01 blocks; an unknown code is only the structure warning above
    if use.third_party_generative and decoded.class_type and decoded.class_code != "01":
        meaning = decoded.class_type
        yield _number_finding(
            use,
            True,
            f"第三方生成式模型的算法备案编号“{use.number}”第 14–15 位类别代码为“{decoded.class_code}”"
            f"（{meaning}），生成合成类（深度合成）算法的编号应为“01”；请核实是否填错或套用了其他算法的编号",
            use.number,
        )


def _own_class_findings(use: NumberUse, decoded: DecodedNumber, declared: str) -> Iterable[Finding]:
    """The existing filing's class code against the declared type: a mismatch suggests a copied number."""
    if not declared or not decoded.class_type:
        return
    family = registry_spec().type_family(declared)
    if not family & {decoded.class_type, *decoded.class_names}:
        yield _number_finding(
            use,
            False,
            f"原备案编号“{use.number}”第 14–15 位类别代码“{decoded.class_code}”对应“{decoded.class_type}”，"
            f"与申报的算法类型“{declared}”不符；请核对编号是否属于本算法",
            use.number,
        )


def _listed_findings(use: NumberUse, decoded: DecodedNumber, index: RegistryIndex) -> Iterable[Finding]:
    if not index.rows:
        yield _number_finding(
            use,
            False,
            "备案清单尚未加载（运行 beian ingest），无法核验备案编号",
            use.number,
        )
        return
    rows = index.history(decoded.digits) if decoded.digits else []
    if not rows:
        yield _number_finding(
            use,
            False,
            f"备案编号“{use.number}”未在已公布清单（截至{batch_label(index.newest_batch)}）中找到，可能尚未公布；"
            "请向提供方索取备案证明核实",
            use.number,
        )
        return
    latest = rows[-1]
    where = f"《{registry_spec().series_label(latest.series)}（{batch_label(latest.batch)}）》"
    withdrawn = next((row for row in rows if row.withdrawn), None)
    if withdrawn is not None:
        yield _number_finding(
            use,
            True,
            f"备案编号“{use.number}”（{withdrawn.algorithm_name}，{withdrawn.entity}）在"
            f"《{registry_spec().series_label(withdrawn.series)}（{batch_label(withdrawn.batch)}）》中备注为"
            f"“{withdrawn.remark}”，已不再有效",
            withdrawn.remark,
        )
    if not use.holder:
        return
    if not same_entity(use.holder, index.names_for(decoded.digits)):
        whose = "本主体" if use.own else "所述提供方"
        yield _number_finding(
            use,
            True,
            f"备案编号“{use.number}”在{where}中登记的主体是“{latest.entity}”（算法“{latest.algorithm_name}”），"
            f"与{whose}“{use.holder}”（{use.holder_path}）不一致",
            latest.entity,
        )


@register
def check_registry_region(ctx: CheckContext) -> Iterable[Finding]:
    """The filer's own number (the existing filing) against the division code in its credit code (digits 3–8)."""
    number, code = (
        ctx.facts.filing.existing_filing_number,
        (ctx.facts.entity.credit_code or "").strip().upper(),
    )
    if not number or len(code) != 18:
        return
    decoded = decode_number(number)
    if len(decoded.digits) < 6 or not code[2:8].isdigit():
        return
    registered = code[2:8]
    if decoded.region_code != registered:
        provinces = registry_spec().provinces
        yield Finding(
            "registry_region",
            False,
            f"原备案编号的地区代码“{decoded.region_code}”（{provinces.get(decoded.region_code[:2], '未知')}）与统一社会"
            f"信用代码第 3–8 位的登记机关代码“{registered}”（{provinces.get(registered[:2], '未知')}）不同；"
            "在注册地以外备案时可能属实，请核对",
            field="filing.existing_filing_number",
            kind=FindingKind.INVALID_FACT,
            evidence=[number],
        )


@register
def check_registry_type(ctx: CheckContext) -> Iterable[Finding]:
    declared = ctx.facts.algorithm_type
    if not declared or not (ctx.facts.filing.algorithm_name or ctx.facts.algorithm.summary):
        return
    family = registry_spec().type_family(declared)
    if not family <= set(registry_spec().types):
        return  # an invalid type is facts_valid's finding
    suggestion = get_classifier().classify_facts(ctx.facts)
    if not suggestion.cls or suggestion.cls in family:
        return
    if suggestion.share_of(family) >= IMPLAUSIBLE_SHARE or suggestion.confidence < MIN_WINNER_SHARE:
        return
    examples = "；".join(
        f"“{e.row.algorithm_name}”（{e.row.type}，{batch_label(e.row.batch)}）"
        for e in suggestion.evidence[:3]
    )
    yield Finding(
        "registry_type",
        True,
        f"申报的算法类型“{declared}”与本算法的名称和描述不符：已公布清单中最相近的备案多为“{suggestion.cls}”"
        f"（占 {suggestion.confidence:.0%}，“{declared}”占 {suggestion.share_of(family):.0%}），例如{examples}。"
        "请核对 filing.algorithm_type，或在算法说明中写清为何属于所申报的类型",
        field="filing.algorithm_type",
        kind=FindingKind.INVALID_FACT,
        evidence=[declared, *(e.row.display_number for e in suggestion.evidence[:3])],
    )
