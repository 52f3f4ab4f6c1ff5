"""The deterministic layer: identifiers, formatted facts and enumerations found by rules, each with the span
and sentence it came from, and assigned to its field by its context. No model; always runs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from assistant import SPEC_DIR
from assistant.drafting.extraction import model_facts as mf
from assistant.drafting.extraction.passages import (
    is_heading,
    is_question,
    label_end,
    passage_value,
    passages,
)
from assistant.drafting.extraction.record import Found
from assistant.drafting.extraction.schemas import BIOMETRIC_WORDS
from assistant.drafting.extraction.steps import pipeline, principle
from assistant.drafting.extraction.text import HEADING, Sentence, sentence_at, sentences
from assistant.facts import credit_code_problem, field_specs, type_family, type_matches
from assistant.numerals import cn_to_int

HAN = r"\u4e00-\u9fff"
NUM = r"(?:\d+(?:\.\d+)?|[零一二两三四五六七八九十百千]+)"
CREDIT_RE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Z]{2}\d{6}[0-9A-Z]{10}(?![0-9A-Za-z])")
ICP_RE = re.compile(rf"[{HAN}]\s*ICP\s*备\s*\d{{6,12}}\s*号(?:\s*-\s*\d{{1,3}}A?)?")
ALGO_FILING_RE = re.compile(r"网信算备\s*(\d+)\s*号")
LLM_NUMBER_RE = re.compile(r"(?<![A-Za-z0-9-])[A-Z][A-Za-z]+-[A-Za-z][A-Za-z0-9]*-\d{8}(?![0-9])")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE_RE = re.compile(
    r"(?<![\dA-Za-z-])(?:0\d{2,3}[- ]?\d{7,8}(?:-\d{1,5})?|1[3-9]\d{9}|[48]00[- ]?\d{3}[- ]?\d{4})(?![\d])"
)
URL_RE = re.compile(
    r"(?i)(?:https?://|www\.)[A-Za-z0-9\-._~%/?#=&:+]+|(?<![@A-Za-z0-9.\-])(?:[a-z0-9-]+\.)+(?:com\.cn|cn|com|net|org)(?:/[A-Za-z0-9\-._~%/?#=&]*)?(?![A-Za-z0-9@])"
)
DATE_RE = re.compile(r"(\d{4})\s*(?:年|/|\.|-)\s*(\d{1,2})\s*(?:月|/|\.|-)\s*(\d{1,2})\s*日?")
MONTH_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?!\s*\d)")
COMPANY_RE = re.compile(rf"[{HAN}（）()A-Za-z0-9]{{2,40}}?(?:股份有限公司|有限责任公司|有限公司)")
QUOTED_RE = re.compile(r"[“\"「『《]([^”\"」』》\n]{2,24})[”\"」』》]")
NAMED_RE = re.compile(
    rf"(?:叫做|(?<![代呼喊召])叫|名为|名叫|名称为|名称是|名字是|品牌为|品牌是)\s*[“\"「『《]?([{HAN}A-Za-z0-9 ]{{2,20}}?)[”\"」』》]?(?=[，。、,；;\s（(]|$|的|是|，)"
)
MODEL_SUFFIX_RE = re.compile(rf"[{HAN}A-Za-z0-9.\-]{{1,16}}?(?:大语言模型|大模型)")
DEADLINE_RE = re.compile(
    rf"(?:(?:自|从)?(?:受理|收到|接到)[^，。；]{{0,6}}?(?:之日)?(?:起|后)\s*)?(?:在\s*)?{NUM}\s*个?\s*(?:工作日|自然日|小时|分钟|天|日)\s*(?:内|之内|(?=[^，。；]{0, 3}(?:反馈|答复|回复|处理|办结|给出)))"
)
RETENTION_RE = re.compile(rf"(?:{NUM}|半)\s*个?\s*(?:月|年)|半年")
PEOPLE_RE = re.compile(rf"({NUM})\s*(?:名|个|位)?\s*(?:人|员|名|位)")
COUNT_RE = re.compile(rf"约?\s*{NUM}\s*[万千亿]?\s*(?:多)?\s*条")
SCALE_NUMBER_RE = re.compile(rf"{NUM}|几[十百千万]")
PERSON_RE = re.compile(
    rf"(?P<title>[{HAN}A-Za-z]{{0,6}}(?:总监|经理|主管|负责人|总裁|总经理|CEO|CTO|CSO|官))?\s*(?P<name>[{HAN}]某|[{HAN}]{{2,3}}?)\s*(?:负责(?!人)|牵头|担任负责人)"
)
_TITLE_WORD = "(?:总监|经理|主管|总裁|总经理|主任|官|总编辑|总编|合伙人|创始人|董事长|CTO|CSO|CEO)"
# a title before a name, also two joined by 兼: 首席信息安全官, 副总裁兼首席合规官
TITLE = rf"(?:[{HAN}]{{0,6}}{_TITLE_WORD}兼)?[{HAN}]{{0,6}}{_TITLE_WORD}"
OFFICER_RE = re.compile(
    rf"(?P<role>[{HAN}]{{0,8}}负责人)(?:是|为|：|:)?\s*"
    rf"(?:(?P<pretitle>{TITLE})\s*)?"  # 为技术副总裁王磊, 为副总裁兼首席合规官林某
    rf"(?P<name>[{HAN}]某|[{HAN}]{{2,3}}?)"
    rf"(?:[（(](?P<title>[^）)]{{2,12}})[）)]|(?=[，。、；\s（(]|负责|担任|兼|同时|$))"
)
# a unit's head by the post: 组长为总编辑孙某, 委员会主任由首席运营官郑某担任
UNIT_HEAD_RE = re.compile(
    rf"(?P<role>组长|主任|部长|主席|总负责人)(?:为|是|由|：|:)\s*"
    rf"(?:(?P<pretitle>{TITLE})\s*)?"
    rf"(?P<name>[{HAN}]某|[{HAN}]{{2,3}}?)(?=[，。、；\s（(]|担任|兼|$)"
)
# the name before the post: 由副总经理曹某任主任
UNIT_HEAD_AFTER_RE = re.compile(
    rf"(?:(?P<pretitle>{TITLE})\s*)?(?P<name>[{HAN}]某|[{HAN}]{{2,3}}?)\s*(?:任|担任|出任)(?P<role>组长|主任|部长|主席)(?![{HAN}])"
)
# the name before the role: 合规总监刘某为算法安全负责人
OFFICER_AFTER_RE = re.compile(
    rf"(?:(?P<pretitle>{TITLE})\s*)?"
    # 黄某担任组长并作为算法安全负责人: another post first, then the role
    rf"(?P<name>[{HAN}]某|[{HAN}]{{2,3}}?)\s*(?:担任(?P<post>[{HAN}]{{1,6}}?)(?:并|，|,|\s)\s*)?"
    rf"(?:同时|并|还)?(?:为|是|担任|任|作为|兼任|兼)(?P<role>[{HAN}]{{0,8}}负责人)"
)
NEGATION_RE = re.compile(r"(没有|并未|未|不|并非|非|无)[^，。；]{0,3}$")
# Characters and words at which a name stops when read backwards from its suffix (公司, 大模型, 组).
_NAME_BREAKS = (
    "我们是",
    "我们",
    "我司",
    "是",
    "为",
    "由",
    "与",
    "和",
    "跟",
    "向",
    "给",
    "的",
    "家",
    "叫",
    "了",
    "在",
    "及",
    "从",
    "被",
    "对",
    "有个",
    "设有",
    "设立",
    "成立了",
    "成立",
    "有",
    "个",
    "训练",
    "调用",
    "使用",
    "接入",
    "部署",
    "采用",
    "自研",
    "做",
    "开发",
    "基于",
    "通过",
    "自己",
    "一家",
    "公司",
    "用",
    "来自",
    "旗下",
    "属于",
    "合作",
    "任何",
    "拿到",
    "已经",
    "完成",
    "第三方",
    "一个",
    "这个",
    "该",
    "或",
    "、",
)
_INDUSTRY_WORDS = {
    "科技",
    "信息",
    "技术",
    "网络",
    "智能",
    "数字",
    "电子",
    "商务",
    "文化",
    "传媒",
    "有限",
    "公司",
    "人工",
    "软件",
    "互联",
    "数据",
    "服务",
    "平台",
    "助手",
    "集团",
    "模型",
}
_LIBRARY_BREAKS = ("经过", "通过", "采用", "用的是", "使用", "都", "加上", "和", "与", "、", "的", "是", "用")
FORM_WORDS = (
    "App",
    "APP",
    "app",
    "小程序",
    "网站",
    "官网",
    "公众号",
    "SDK",
    "API",
    "客户端",
    "开放平台",
    "平台",
)


@lru_cache(maxsize=1)
def keyword_rules() -> dict[str, Any]:
    return yaml.safe_load((SPEC_DIR / "extraction.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=256)
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def ctx(name: str) -> re.Pattern[str]:
    return _rx(keyword_rules()["contexts"][name])


@dataclass
class ModelMention:
    name: str
    start: int
    end: int
    provenance: str | None = None
    provider: str | None = None
    is_base: bool = False  # an open-source family fine-tuned into an unnamed model: its base_model
    by_role: bool = False  # named by what it does (向量召回模型): likely not the model's registered name
    aliases: tuple[str, ...] = ()  # other names the text uses for it (排序模型 for 多任务排序模型)

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass
class RuleResult:
    found: list[Found] = field(default_factory=list)
    unassigned: list[Found] = field(default_factory=list)  # recognised but not placed: reported, not written
    models: list[ModelMention] = field(default_factory=list)
    companies: list[tuple[str, int, int]] = field(default_factory=list)
    product_names: list[tuple[str, int, int]] = field(default_factory=list)
    model_data_sentences: set[int] = field(default_factory=set)  # starts of sentences read as a model's data
    notes: list[str] = field(default_factory=list)

    def paths(self) -> set[str]:
        return {f.path for f in self.found}


class _Reader:
    """Shared state of one rule pass over one description."""

    def __init__(self, text: str):
        self.text = text
        self.sents = sentences(text)
        self.result = RuleResult()
        self.claims: list[tuple[str, int, int]] = []  # (path, start, end) of the passages headings place

    def sentence(self, offset: int) -> Sentence:
        return sentence_at(self.sents, offset)

    def clause(self, offset: int) -> str:
        start, end = self.sentence(offset).clause_at(offset)
        return self.text[start:end]

    def add(
        self, path: str, value: Any, start: int, end: int, *, uncertain: bool = False, note: str = ""
    ) -> None:
        if any(f.path == path for f in self.result.found):
            return  # the first (earliest) evidence wins; later ones are the same fact restated or a variant
        if isinstance(value, str) and HEADING.fullmatch(value.strip()):
            return  # a heading names a topic; the fact is in the lines under it
        sentence = self.sentence(start)
        self.result.found.append(Found(path, value, start, end, sentence.text, "rule", uncertain, note))

    def unassigned(self, label: str, value: Any, start: int, end: int) -> None:
        sentence = self.sentence(start)
        self.result.unassigned.append(Found(label, value, start, end, sentence.text, "rule", True))


def extract_rules(text: str) -> RuleResult:
    reader = _Reader(text)
    _companies(reader)
    _models(reader)
    _labelled(reader)
    _runtime_data(reader)
    _names(reader)
    _algorithm_name(reader)
    _algorithm_steps(reader)
    _credit_codes(reader)
    _icp(reader)
    _filing_numbers(reader)
    _contacts(reader)
    _urls(reader)
    _address(reader)
    _legal_representative(reader)
    _launch_date(reader)
    _enumerations(reader)
    _numbers(reader)
    _people(reader)
    _topics(reader)
    _clauses(reader)
    _lists(reader)
    _page_scenarios(reader)
    _labelled_ports(reader)
    _ports(reader)
    _format_ports(reader)
    _release_model_data(reader)
    _beneficiaries(reader)
    return reader.result


# --- names -----------------------------------------------------------------------------------------


def name_before(text: str, end: int, *, limit: int = 24, breaks: tuple[str, ...] = _NAME_BREAKS) -> int:
    """Start offset of the name that ends at `end`: read backwards over Han/Latin characters, stop at a
    punctuation mark or at the last break word."""
    start = end
    while start > 0 and end - start < limit and re.match(rf"[{HAN}A-Za-z0-9（）()]", text[start - 1]):
        start -= 1
    segment = text[start:end]
    cut = max((segment.rfind(b) + len(b) for b in breaks if b in segment), default=0)
    return start + cut


def _companies(r: _Reader) -> None:
    seen: set[str] = set()
    for m in re.finditer(r"股份有限公司|有限责任公司|有限公司", r.text):
        # read the name back from just before the suffix so the suffix's own 公司 is not a break word
        start = name_before(r.text, m.start())
        opening = max(r.text.rfind("（", start, m.start()), r.text.rfind("(", start, m.start()))
        closing = max(r.text.rfind("）", start, m.start()), r.text.rfind(")", start, m.start()))
        if opening >= 0 and (closing < opening or closing - opening > 4):
            start = (
                opening + 1
            )  # 帧元视频（上海帧元…公司）: the bracket opens the name; （北京） stays inside it
        name = r.text[start : m.end()]
        if m.start() - start < 2:
            continue
        r.result.companies.append((name, start, m.end()))
        seen.add(name)
    if not r.result.companies:
        return
    own = next((c for c in r.result.companies if _is_own_company(r, *c)), None)
    first = own or r.result.companies[0]
    r.add(
        "entity.name",
        first[0],
        first[1],
        first[2],
        uncertain=own is None and len(seen) > 1,
        note="" if own or len(seen) == 1 else "描述中有多个公司名称，取第一个",
    )


def _is_own_company(r: _Reader, name: str, start: int, end: int) -> bool:
    sentence = r.sentence(start)
    before = r.text[sentence.start : start]
    after = r.text[end : end + 16]
    if _supplies_model(sentence.text) and not re.search(r"我们是|我司是|本公司|公司名称|主体", before):
        return False  # 我们采购的“X大模型”，由Y公司提供接口服务: Y supplies the model
    return bool(
        re.search(r"我们是|我们|我司|本公司|公司名称|运营主体|开发主体|备案主体|主体是|主体为", before)
        or re.match(
            r"\s*(（统一社会信用代码|\(统一社会信用代码|，统一社会信用代码|运营|开发|推出|旗下|是一家|成立于)",
            after,
        )
        or (start == r.sents[0].start and not before)
    )


def _supplies_model(sentence: str) -> bool:
    """A sentence about a model bought or called from someone (its companies are suppliers)."""
    return bool(
        re.search(r"模型|接口|API", sentence)
        and _rx(keyword_rules()["model_call_context"]).search(sentence)
        or "提供接口" in sentence
    )


def _models(r: _Reader) -> None:
    mentions: list[ModelMention] = []
    for m in QUOTED_RE.finditer(r.text):
        name = m.group(1).strip()
        if re.search(r"(大语言模型|大模型|模型)$", name) and len(name) >= 4 and not asks(name):
            mentions.append(ModelMention(name, m.start(1), m.end(1)))
    for m in MODEL_SUFFIX_RE.finditer(r.text):
        suffix = re.search(r"大语言模型|大模型", m.group(0))
        assert suffix is not None
        suffix_at = m.start() + suffix.start()
        start = name_before(r.text, suffix_at)
        name = r.text[start : m.end()]
        if (
            suffix_at - start >= 2
            and not NEGATION_RE.search(r.text[max(0, start - 6) : start])
            and not asks(name)
        ):
            mentions.append(ModelMention(name, start, m.end()))
    families = list(_rx(keyword_rules()["model_families"]).finditer(r.text))
    mentions += _role_named_models(r, families)
    mentions += _latin_models(r, families)
    bases: list[tuple[str, int, int]] = []
    for m in families:
        sentence = r.sentence(m.start()).text
        named = [x for x in mentions if x.name in sentence]
        if named and re.search(r"基于|微调|精调|改进", sentence):
            bases.append((m.group(0).strip(), m.start(), m.end()))  # the base of a named model, not a model
        elif re.search(r"基于|微调|精调|开源", sentence):
            mentions.append(ModelMention(m.group(0).strip(), m.start(), m.end(), is_base=True))
        else:
            mentions.append(ModelMention(m.group(0).strip(), m.start(), m.end()))
    for mention in list(mentions):  # 语音合成模型基于开源的 VITS 模型微调: VITS is the base, not a model
        if not mention.is_base and _is_base_mention(r, mention, mentions):
            mentions.remove(mention)
            bases.append((mf.base_name(mention.name), mention.start, mention.end))
    r.result.models = _distinct_models(mentions)
    own_company = next((f.value for f in r.result.found if f.path == "entity.name"), None)
    owners = {b: _base_owner(r, b[1]) for b in bases}
    for index, model in enumerate(r.result.models):
        base = f"algorithm.models[{index}]"
        r.add(
            f"{base}.{'base_model' if model.is_base else 'name'}",
            mf.base_name(model.name) if model.is_base else model.name,
            model.start,
            model.end,
            uncertain=model.by_role,
            note="描述只按用途称呼这个模型，请填写模型的正式名称" if model.by_role else "",
        )
        model_sentences = [s for s in r.sents if any(n in s.text for n in model.names())]
        for (base_name, start, end), owner in owners.items():
            if owner == model.name:
                r.add(f"{base}.base_model", base_name, start, end)
        others = [x.name for x in r.result.models if x is not model and x.name not in model.name]
        provenance = _provenance(model_sentences, model, others)
        if provenance:
            model.provenance = provenance[0]
            r.add(f"{base}.provenance", provenance[0], provenance[1], provenance[2])
        for name, start, end in r.result.companies:
            if name != own_company and any(s.start <= start < s.end for s in model_sentences):
                model.provider = name
                r.add(f"{base}.provider", name, start, end)
                break
    _model_data_and_purpose(r)


def _distinct_models(mentions: list[ModelMention]) -> list[ModelMention]:
    """One mention per model, in text order. A role name that ends another role name (排序模型 and
    多任务排序模型, 分类模型 and 文本分类模型) is the same model under a shorter name: the longer name is kept
    and the shorter becomes its alias; other overlapping names keep the first."""
    out: list[ModelMention] = []
    for mention in sorted(mentions, key=lambda x: x.start):
        same = next((x for x in out if mention.name in x.name or x.name in mention.name), None)
        if same is None:
            out.append(mention)
        elif same.by_role and mention.by_role and mention.name != same.name:
            longer, shorter = sorted((mention, same), key=lambda x: len(x.name), reverse=True)
            if longer.name.endswith(shorter.name):
                same.aliases = (*same.aliases, shorter.name)
                same.name, same.start, same.end = longer.name, longer.start, longer.end
    return out


_LINE_LEAD = r"(?:^|\n)[ \t]*(?:[-*•·]\s*|#{1,6}\s*|[一二三四五六七八九十]{1,3}[、.．]\s*)?"
# a person after a label: 技术合伙人 孙某 / 吴某（安全总监）
_LABELLED_PERSON_RE = re.compile(
    rf"\s*(?:(?P<pretitle>{TITLE})\s*)?(?P<name>[{HAN}]某|[{HAN}]{{2,3}}?)"
    rf"(?:\s*[（(](?P<title>[^）)]{{2,12}})[）)]|(?=\s*[，,。、；;\n]|\s*$))"
)


def _labelled(r: _Reader) -> None:
    """Values on labelled lines (`labels` in extraction.yaml): the label says the field, the value runs to
    the first separator; each kept only when it has the field's shape."""
    models = {m.name for m in r.result.models}
    companies = {c[0] for c in r.result.companies}
    for path, label in keyword_rules()["labels"].items():
        for m in re.finditer(rf"{_LINE_LEAD}(?:{label})[ \t]*(?:[:：][ \t]*|(?=\n))\n?[ \t]*", r.text):
            if path == "entity.security_officer":
                if _labelled_officer(r, m.end()):
                    break
                continue
            stop = "，,（(；;。/＋+\n" if path != "product.audience" else "；;。\n"
            end = m.end()
            while end < len(r.text) and r.text[end] not in stop:
                end += 1
            value = r.text[m.end() : end].strip()
            if _labelled_value_fits(path, value, models, companies):
                r.add(path, value, m.end(), m.end() + len(value))
                break


# the people a product is made for, in a marketing voice: 让每一位短视频创作者、有声书主播和小微企业都能…
_BENEFICIARY_RE = re.compile(
    r"(?:让|帮助|帮|使)(?:每一位|每一个|每位|每个|所有|广大|更多)(?P<who>[^，。；“”\"「」]{2,30}?)(?:都|也)?(?:能|可以|可)"
)


def _beneficiaries(r: _Reader) -> None:
    """The audience named as those the product lets do something (让每一位…都能…), when no sentence says
    whom it serves more plainly (面向…, 服务对象…: read first)."""
    for m in _BENEFICIARY_RE.finditer(r.text):
        who = m.group("who").strip()
        if not re.search(r"\d|人都|大家|用户$", who) and not NEGATION_RE.search(
            r.text[max(0, m.start() - 6) : m.start()]
        ):
            r.add("product.audience", who, m.start("who"), m.end("who"))
            return


def _runtime_data(r: _Reader) -> None:
    """The data the algorithm collects or keeps while running (`runtime_data` in extraction.yaml): the
    segment that says so and the segments after it that go on about the same data."""
    rule = keyword_rules()["runtime_data"]
    cue, other, goes_on = _rx(rule["cue"]), _rx(rule["not"]), _rx(rule["continues"])
    for sentence in r.sents:
        m = cue.search(sentence.text)
        if not m or _rx(keyword_rules()["not_done"]).search(sentence.text):
            continue
        spans = segments(sentence)
        index = next(i for i, (a, b) in enumerate(spans) if a <= sentence.start + m.start() < b)
        if other.search(r.text[spans[index][0] : spans[index][1]]):
            continue
        end = spans[index][1]
        for a, b in spans[index + 1 :]:
            if not goes_on.match(r.text[a:b]):
                break
            end = b
        r.add("algorithm.runtime_data", clause_value(r.text, spans[index][0], end), spans[index][0], end)
        return


def _labelled_value_fits(path: str, value: str, models: set[str], companies: set[str]) -> bool:
    if path == "product.name":
        return (
            2 <= len(value) <= 16
            and " " not in value
            and _is_product_name(value, models, companies, defined=True)
        )
    if path == "filing.algorithm_name":
        return value.endswith("算法") and len(value) >= 6 and not _PRONOUN_RE.match(value)
    if path == "product.audience":
        return 2 <= len(value) <= 40 and not re.search(r"\d|约|万|注册|活跃", value)
    return False


# a title in its own segment after the name: 李某，技术副总裁，电话…
_TITLE_AFTER_RE = re.compile(rf"\s*[，,]\s*(?P<title>{TITLE})(?=\s*[，,。；;\n]|\s*$)")
# a bracket that says what the person is in charge of, not a title: 副总经理孙某（分管信息安全与客户服务）
_DUTY_RE = re.compile(r"^(?:分管|负责|兼管|协管|主抓|统筹|牵头|管理)")


def _title_of(text: str, m: re.Match[str], offset: int = 0) -> tuple[str, int, int] | None:
    """The title of a person matched with `name` and optional `title` (bracketed) and `pretitle` groups:
    the bracket unless it is a duty clause, else the title before the name, else one in the segment right
    after the name; `offset` is where the matched text starts in `text`."""
    groups = m.groupdict()
    for key in ("title", "pretitle"):
        value = groups.get(key)
        if value and not (key == "title" and _DUTY_RE.match(value)):
            value = re.sub(r"^(是|由|的|为)+", "", value).strip()
            return value, offset + m.end(key) - len(value), offset + m.end(key)
    after = _TITLE_AFTER_RE.match(text, offset + m.end("name"))
    return (after.group("title"), after.start("title"), after.end("title")) if after else None


def _labelled_officer(r: _Reader, at: int) -> bool:
    m = _LABELLED_PERSON_RE.match(r.text, at)
    if not m or m.group("name")[0] not in keyword_rules()["surnames"]:
        return False
    r.add("entity.security_officer.name", m.group("name"), m.start("name"), m.end("name"))
    if title := _title_of(r.text, m):
        r.add("entity.security_officer.title", *title)
    return True


def _latin_models(r: _Reader, families: list[re.Match[str]]) -> list[ModelMention]:
    """Models named by a Latin identifier that is not an open-source family (MaLing-Coder-7B, bge-large-zh)."""
    taken = [(m.start(), m.end()) for m in families] + [(m.start(), m.end()) for m in URL_RE.finditer(r.text)]
    taken += [(m.start(), m.end()) for m in EMAIL_RE.finditer(r.text)]
    out = []
    for m in mf.LATIN_MODEL_RE.finditer(r.text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        sentence = r.sentence(m.start())
        if mf.is_latin_model(sentence.text, m.group(0), m.start() - sentence.start):
            out.append(ModelMention(m.group(0), m.start(), m.end()))
    return out


def _is_base_mention(r: _Reader, mention: ModelMention, mentions: list[ModelMention]) -> bool:
    """A mention in a base phrase (基于开源的 X 微调, 在 X 的基础上) with another model before it in its
    sentence: that model was made from it."""
    sentence = r.sentence(mention.start)
    seg = next(
        ((a, b) for a, b in segments(sentence) if a <= mention.start < b), (sentence.start, sentence.end)
    )
    if not mf.base_phrase(r.text, mention.start, mention.end, *seg):
        return False
    return any(
        x is not mention and sentence.start <= x.start < mention.start and not x.is_base for x in mentions
    ) or bool(re.search(r"是|由", r.text[sentence.start : mention.start]))


def _model_at(r: _Reader, sentence: Sentence, offset: int) -> int | None:
    """The index of the model a phrase at `offset` of a sentence is about: the one named nearest before it
    in the sentence, else the one named after it; in a sentence naming none that opens with 它/该模型, the
    model named last in the sentence before."""
    named = [
        (sentence.start + m.start(), index)
        for index, model in enumerate(r.result.models)
        if not model.is_base
        for n in model.names()
        for m in re.finditer(re.escape(n), sentence.text)
    ]
    before = [n for n in named if n[0] < offset]
    if before:
        return max(before)[1]
    if named:
        return min(named)[1]
    if re.match(r"\s*(?:它|该模型|这个模型|此模型|模型)", sentence.text):
        earlier = [s for s in r.sents if s.end <= sentence.start]
        return _model_at(r, earlier[-1], earlier[-1].end) if earlier else None
    return None


def _model_data_and_purpose(r: _Reader) -> None:
    """Each model's training data and purpose from the sentences about it (extraction/model_facts.py); a
    sentence whose training data is a model's is not read again as the algorithm's training data."""
    for sentence in r.sents:
        span = mf.training_data(sentence.text)
        if span is None:
            continue
        start, end = sentence.start + span[0], sentence.start + span[1]
        index = _model_at(r, sentence, start)
        if index is not None and end - start >= 4 and not _joint_subject(r, sentence, start):
            r.add(f"algorithm.models[{index}].training_data", r.text[start:end], start, end)
            r.result.model_data_sentences.add(sentence.start)
    for index, model in enumerate(r.result.models):
        if model.is_base:
            continue
        for m in re.finditer("|".join(re.escape(n) for n in model.names()), r.text):
            sentence = r.sentence(m.start())
            at = mf.purpose(sentence.text, m.start() - sentence.start, m.end() - sentence.start)
            if at and _model_at(r, sentence, sentence.start + at[0]) == index:
                r.add(
                    f"algorithm.models[{index}].purpose",
                    sentence.text[at[0] : at[1]],
                    *(sentence.start + x for x in at),
                )
                break
    _architectures(r)


def _architectures(r: _Reader) -> None:
    """Each model's architecture: a known architecture word said of it (`architecture_said` in
    extraction.yaml) in a sentence that names the model."""
    rules = keyword_rules()
    said = _rx(rules["architecture_said"].replace("{arch}", f"(?:{rules['architectures']})"))
    for sentence in r.sents:
        for m in said.finditer(sentence.text):
            key = "arch" if m.group("arch") else "arch2"
            index = _model_at(r, sentence, sentence.start + m.start(key))
            if index is not None and not r.result.models[index].is_base:
                start, end = sentence.start + m.start(key), sentence.start + m.end(key)
                r.add(f"algorithm.models[{index}].architecture", m.group(key), start, end)


def _joint_subject(r: _Reader, sentence: Sentence, offset: int) -> bool:
    """Several models joined as one subject before `offset` (召回模型和排序模型均…): what follows is said of
    them all — the algorithm's, not one model's."""
    hits = sorted(
        (m.start(), m.end(), index)
        for index, model in enumerate(r.result.models)
        for n in model.names()
        for m in re.finditer(re.escape(n), sentence.text[: offset - sentence.start])
    )
    if len(hits) < 2:
        return False
    a, b = hits[-2], hits[-1]  # the subject nearest before: a model named again on its own is not joint
    return a[2] != b[2] and bool(re.fullmatch(r"\s*(?:和|及|与|、|以及)\s*", sentence.text[a[1] : b[0]]))


def _release_model_data(r: _Reader) -> None:
    """With several models, the sentence read as one model's training data is not also the algorithm's
    training data; with a single model, its data is the algorithm's too (the phrase read for the model)."""
    own = [f for f in r.result.found if f.path == "algorithm.training_data"]
    if own and r.sentence(own[0].start).start not in r.result.model_data_sentences:
        return  # the algorithm's training data stated on its own
    r.result.found = [f for f in r.result.found if f not in own]
    data = [f for f in r.result.found if re.fullmatch(r"algorithm\.models\[\d+\]\.training_data", f.path)]
    if sum(not m.is_base for m in r.result.models) == 1 and data:
        r.add("algorithm.training_data", data[0].value, data[0].start, data[0].end)


# 向 and 对 stay inside a model's name (向量召回模型, 代码指纹比对模型); the verbs that hand data to a model end it
_MODEL_BREAKS = tuple(b for b in _NAME_BREAKS if b not in ("向", "对")) + tuple(
    ["经过", "送入", "交给", "交由", "输入", "加上", "结合", "过", "自己训", "改进", "负责", "用于", "用来"]
)


# 模型 as a model's name, not the first half of a compound (模型评测, 模型安全部, 模型训练)
_ROLE_MODEL_RE = re.compile(
    r"(?<![大语])模型(?!评测|评估|训练|安全|服务|备案|版本|参数|文件|输出|结果|能力|推理|部署|上线|管理|研发|团队|开发)"
)


def _role_named_models(r: _Reader, families: list[re.Match[str]]) -> list[ModelMention]:
    """Models named by their role (向量召回模型 基于…微调, 自研了一个文案质量打分模型): the name read back from
    模型, kept when some sentence naming it says how the model was made or what it is for."""
    rules = keyword_rules()
    said, generic = _rx(rules["model_said"]), _rx(rules["model_generic"])
    family_spans = [(m.start(), m.end()) for m in families]
    out: list[ModelMention] = []
    renamed: set[str] = set()  # role names restated by a proper name
    for m in _ROLE_MODEL_RE.finditer(r.text):
        start = name_before(r.text, m.start(), limit=12, breaks=_MODEL_BREAKS)
        core = r.text[start : m.start()].strip()
        if len(core) < 2 or generic.search(core) or any(start < b and a < m.end() for a, b in family_spans):
            continue  # 开源的 BERT 模型 is the family's mention
        if NEGATION_RE.search(r.text[max(0, start - 6) : start]):
            continue
        if out and _restates(r, out[-1], start):
            at = name_before(r.text, m.start(), limit=24, breaks=_MODEL_BREAKS)
            restated = r.text[at : m.end()].strip()
            if re.search(
                r"[A-Za-z]{2,}", restated
            ):  # 排序模型采用自研的LightGBM梯度提升树模型: the proper name
                renamed.add(out[-1].name)  # every mention of the role name is this model
                out = [x for x in out if x.name not in renamed] + [ModelMention(restated, at, m.end())]
            continue  # 排序模型是我们自己研发的梯度提升树模型: what the model is, not a second model
        name = r.text[start : m.end()].strip()
        if name in renamed:
            continue
        segments_of = [
            _segment_at(r, x.start()).replace(name, "") for x in re.finditer(re.escape(name), r.text)
        ]
        if not any(said.search(segment) for segment in segments_of):
            continue
        longer = _longer_role_name(r, name, m.end(), generic)  # 排序模型 said of 多任务排序模型 named before
        if longer:
            out.append(ModelMention(longer[0], longer[1], longer[2], by_role=True, aliases=(name,)))
        out.append(ModelMention(name, start, m.end(), by_role=True))
    return out


def _longer_role_name(
    r: _Reader, name: str, before: int, generic: re.Pattern[str]
) -> tuple[str, int, int] | None:
    """An earlier role name that ends with `name` (多任务排序模型 before 排序模型): the full name of the model
    the shorter one refers back to."""
    for m in _ROLE_MODEL_RE.finditer(r.text, 0, before):
        start = name_before(r.text, m.start(), limit=12, breaks=_MODEL_BREAKS)
        full = r.text[start : m.end()].strip()
        core = full[: -len("模型")]
        if full != name and full.endswith(name) and len(core) >= 2 and not generic.search(core):
            return full, start, m.end()
    return None


def _restates(r: _Reader, previous: ModelMention, start: int) -> bool:
    """A model mention that follows another in the same segment after a copula (是, 为, 采用) and no
    conjunction says what the previous model is."""
    between = r.text[previous.end : start]
    return bool(re.search(r"是|为|采用|即", between)) and not re.search(r"[，,。；、和及与]", between)


def _segment_at(r: _Reader, offset: int) -> str:
    """The comma-delimited segment around `offset` (enumeration commas stay inside)."""
    sentence = r.sentence(offset)
    return next((r.text[a:b] for a, b in segments(sentence) if a <= offset < b), sentence.text)


def _base_owner(r: _Reader, offset: int) -> str | None:
    """The model a base model (基于开源的 BERT 微调) belongs to: the one named nearest before it in its
    sentence, else the first named after it."""
    sentence = r.sentence(offset)
    named = [
        (sentence.start + m.start(), model.name)
        for model in r.result.models
        if not model.is_base
        for m in re.finditer(re.escape(model.name), sentence.text)
    ]
    before = [n for n in named if n[0] < offset]
    after = [n for n in named if n[0] > offset]
    if before:
        return max(before)[1]
    return min(after)[1] if after else None


def _provenance(
    model_sentences: list[Sentence], model: ModelMention, others: list[str]
) -> tuple[str, int, int] | None:
    """The model's provenance from the sentences naming it; in a sentence that also names another model,
    only from this model's own segment (先用自研的双塔召回模型…，再由多任务排序模型…: 自研 is the first's)."""
    rules = keyword_rules()["provenance"]
    for label in ("基于开源模型微调", "自研", "第三方API"):
        for sentence in model_sentences:
            text = sentence.text
            for name in model.names():
                text = text.replace(name, " " * len(name))  # the model's own name is not evidence
            if any(o in text for o in others):
                text = "".join(
                    seg
                    if " " * len(model.name) in seg or any(" " * len(a) in seg for a in model.aliases)
                    else " " * len(seg)
                    for seg in re.split(r"(?<=[，,])", text)
                )
            for m in _rx(rules[label]).finditer(text):
                if not NEGATION_RE.search(text[: m.start()]):
                    return label, sentence.start + m.start(), sentence.start + m.end()
    return None


_PRODUCT_HEADS = "App|APP|app|小程序|网站|平台|公众号|SDK|系统|助手|工具|应用|软件|产品|电商|商城|社区|机器人"
# a name defined as a product: 是（一个|一款）… ending in a product word, within one clause
_DEFINES_RE = re.compile(
    rf"\s*(?:[，,]\s*(?:这|它))?是(?:一个|一款|一套|一家)?[^，,。；“”\"「」]{{0,60}}?(?:{_PRODUCT_HEADS})(?=[，。；（(、]|$)"
)
# a quoted name that is the subject of its own launch: “X”于2022年4月12日上线, “X”自2023年起正式运营
_LAUNCHED_RE = re.compile(
    r"\s*(?:已|已经)?(?:于|在|自)\s*\d{4}\s*年[^，,。；]{0,12}?(?:上线|推出|发布|运营|投入使用)"
)
_PRONOUN_RE = re.compile(r"我们|我司|本|该|这|那|它|公司|平台|产品|系统|用户|目前|现在|主要|算法|服务")


_MADE_BY_RE = re.compile(
    rf"[“\"「『]?([{HAN}A-Za-z0-9]{{2,12}}?)[”\"」』]?由[^，。；]{{2,40}}?(?:有限公司|公司)"
    r"(?:倾力|自主|独立|联合|全新)?(?:打造|开发|运营|推出|出品|研发)"
)


def _names(r: _Reader) -> None:
    models = {m.name for m in r.result.models}
    companies = {c[0] for c in r.result.companies}
    candidates: list[tuple[str, int, int]] = []
    for m in NAMED_RE.finditer(r.text):
        name = m.group(1).strip()
        if _is_product_name(name, models, companies):
            candidates.append((name, m.start(1), m.start(1) + len(name)))
    for m in QUOTED_RE.finditer(r.text):
        name = m.group(1).strip()
        after = r.text[m.end() : r.sentence(m.start()).end]
        defined = bool(_DEFINES_RE.match(after))  # “途达配送”是一个…调度系统
        named = defined or re.match(rf"\s*[{HAN}]{{0,10}}\s*(?:{_PRODUCT_HEADS})", after)
        named = named or _LAUNCHED_RE.match(after)  # “鲜邻到家”于2022年4月12日上线
        if named and _is_product_name(name, models, companies, defined=defined):
            candidates.append((name, m.start(1), m.end(1)))
    for sentence in r.sents:  # 安居找房是杭州安居…公司开发运营的租房信息搜索App
        # a bracketed aside (统一社会信用代码：…，地址：…) does not interrupt the definition
        plain = re.sub(r"[（(][^）)]*[）)]", "", sentence.text)
        m = re.match(rf"([{HAN}A-Za-z0-9]{{2,12}}?)(?={_DEFINES_RE.pattern})", plain)
        if not m or not re.search(r"公司|开发|运营|推出|旗下|打造|出品", sentence.text):
            continue
        if _is_product_name(m.group(1), models, companies, defined=True) and not _PRONOUN_RE.match(
            m.group(1)
        ):
            candidates.append((m.group(1), sentence.start, sentence.start + m.end(1)))
    for sentence in r.sents:  # 幻颜AI写真由南京幻颜…公司倾力打造: the product made by the company
        m = _MADE_BY_RE.match(sentence.text)
        if (
            m
            and _is_product_name(m.group(1), models, companies, defined=True)
            and not _PRONOUN_RE.match(m.group(1))
        ):
            candidates.append((m.group(1), sentence.start, sentence.start + m.end(1)))
    lead = re.match(
        rf"\s*[“\"「『《]?([{HAN}A-Za-z0-9 ]{{2,14}}?)[”\"」』》]?\s*[（(][^）)]{{2,40}}有限公司", r.text
    )
    if lead and _is_product_name(
        lead.group(1).strip(), models, companies, defined=True
    ):  # 帧元视频（上海帧元…有限公司）
        candidates.append((lead.group(1).strip(), lead.start(1), lead.end(1)))
    candidates = sorted((c for c in candidates if not is_companion(r.text, c[1])), key=lambda c: c[1])
    if not candidates:  # 乘客端App + 微信小程序“X”: the name the product's own form carries
        candidates = [
            (m.group(1), m.start(1), m.end(1))
            for m in _rx(keyword_rules()["form_quoted"]).finditer(r.text)
            if not is_companion(r.text, m.start(1)) and _is_product_name(m.group(1), models, companies)
        ][:1]
    r.result.product_names = candidates
    if candidates:
        name, start, end = candidates[0]
        r.add("product.name", name, start, end)


# a quoted or titled algorithm name: “拾光短视频推荐算法”, 《…生成算法》 — a name, not a kind (推荐算法)
ALGORITHM_NAME_RE = re.compile(rf"[“\"「《]([{HAN}A-Za-z0-9]{{2,20}}算法)[”\"」》]")


def _algorithm_name(r: _Reader) -> None:
    generic = _rx(keyword_rules()["model_generic"])
    for m in ALGORITHM_NAME_RE.finditer(r.text):
        core = m.group(1)[:-2]
        if len(core) >= 4 and not _PRONOUN_RE.match(core) and not generic.fullmatch(core):
            r.add("filing.algorithm_name", m.group(1), m.start(1), m.end(1))
            return


def _algorithm_steps(r: _Reader) -> None:
    """The algorithm's working steps and its stated principle (extraction/steps.py reads them from the
    text's structure)."""
    steps = pipeline(r.text)
    if steps:
        r.add("algorithm.pipeline", steps.steps, steps.start, steps.end)
    stated = principle(r.text)
    if stated:
        r.add("algorithm.summary", *stated)


def asks(name: str) -> bool:
    """A question word (什么, 哪个, 多少 …) is never part of a name: 产品叫什么 / 用的是什么大模型 ask for one."""
    return bool(_rx(keyword_rules()["question_words"]).search(name))


def is_companion(text: str, start: int) -> bool:
    """A name introduced as the app of the product's other side (司机端为“X”App, 商家端：X) is a companion,
    not the product the description is about."""
    return bool(_rx(keyword_rules()["companion_side"]).search(text[max(0, start - 12) : start]))


def _is_product_name(name: str, models: set[str], companies: set[str], *, defined: bool = False) -> bool:
    """Whether a candidate can be the product's name. A name the text defines as the product (X 是…App,
    X（…有限公司）) may repeat the brand in the company's name; a merely quoted one may not."""
    return (
        len(name) >= 2
        and not asks(name)
        and name not in models
        and not name.endswith(("公司", "模型", "算法", "协议", "制度", "规则", "政策", "库"))
        and (defined or not any(name in c for c in companies))
        and not re.search(r"^(我的|首页|点击|这个|一个)", name)
    )


def _core(name: str) -> str:
    """A name without its legal-form suffix and industry words (those are shared by unrelated names)."""
    name = re.sub(r"(股份有限公司|有限责任公司|有限公司)$", "", name)
    for word in _INDUSTRY_WORDS:
        name = name.replace(word, "|")
    return name


def brand_overlap(a: str, b: str) -> bool:
    """Two names share a distinctive two-character piece (not an industry word, not only a common prefix
    such as the city both start with)."""
    if a == b:
        return False
    a, b = _core(a), _core(b)
    for i in range(len(a) - 1):
        piece = a[i : i + 2]
        if not re.fullmatch(rf"[{HAN}A-Za-z0-9]{{2}}", piece):
            continue
        j = b.find(piece)
        if j >= 0 and not (i == 0 and j == 0 and len(a) > 6 and len(b) > 6):
            return True
    return False


# --- identifiers ----------------------------------------------------------------------------------


def _credit_codes(r: _Reader) -> None:
    for m in CREDIT_RE.finditer(r.text):
        code = m.group(0)
        problem = credit_code_problem(code)
        in_context = "信用代码" in r.sentence(m.start()).text
        if problem is None:
            r.add("entity.credit_code", code, m.start(), m.end())
        elif in_context:
            r.add(
                "entity.credit_code",
                code,
                m.start(),
                m.end(),
                uncertain=True,
                note=f"统一社会信用代码校验未通过：{problem}",
            )


def _icp(r: _Reader) -> None:
    for m in ICP_RE.finditer(r.text):
        r.add("product.icp_number", re.sub(r"\s+", "", m.group(0)), m.start(), m.end())


def _filing_numbers(r: _Reader) -> None:
    for m in ALGO_FILING_RE.finditer(r.text):
        number = f"网信算备{m.group(1)}号"
        note = "" if len(m.group(1)) == 21 else f"网信算备编号应为 21 位数字，此处为 {len(m.group(1))} 位"
        path = _number_owner(
            r, m.start(), "algorithm_filing_number", own_path="filing.existing_filing_number"
        )
        if path:
            r.add(path, number, m.start(), m.end(), uncertain=bool(note), note=note)
        else:
            r.unassigned("网信算备编号", number, m.start(), m.end())
    for m in LLM_NUMBER_RE.finditer(r.text):
        path = _number_owner(r, m.start(), "llm_filing_number", own_path=None)
        if path:
            r.add(path, m.group(0), m.start(), m.end())
        else:
            r.unassigned("大模型上线编号", m.group(0), m.start(), m.end())


def _number_owner(r: _Reader, offset: int, key: str, own_path: str | None) -> str | None:
    """A filing number belongs to the model named in its sentence (or the one before, when the sentence
    refers back: 对方/其/该模型), or to the product itself when the sentence says so."""
    sentence = r.sentence(offset)
    before = sentence.text[: offset - sentence.start]
    in_sentence = [i for i, m in enumerate(r.result.models) if m.name in sentence.text]
    if in_sentence:
        # the model named closest before the number, else the first named in the sentence
        named_before = [i for i in in_sentence if r.result.models[i].name in before]
        index = named_before[-1] if named_before else in_sentence[0]
        return f"algorithm.models[{index}].{key}"
    if (
        own_path
        and ctx("own_filing").search(sentence.text)
        and not re.search(r"对方|其|该模型|供应商|他们", before)
    ):
        return own_path
    third_party = [i for i, m in enumerate(r.result.models) if m.provenance == "第三方API"]
    previous = [s for s in r.sents if s.end <= sentence.start][-1:]
    refers_back = re.search(r"对方|其|该模型|供应商|他们|这家|模型的?备案", sentence.text)
    if refers_back or (previous and any(m.name in previous[0].text for m in r.result.models)):
        candidates = third_party or list(range(len(r.result.models)))
        if len(candidates) == 1:
            return f"algorithm.models[{candidates[0]}].{key}"
    return None


def _contacts(r: _Reader) -> None:
    contacts: list[tuple[str, int, int]] = []
    email_spans = []
    for regex, kind in ((EMAIL_RE, "邮箱"), (PHONE_RE, "电话")):
        for m in regex.finditer(r.text):
            if kind == "电话" and any(s <= m.start() < e for s, e in email_spans):
                continue
            if kind == "邮箱":
                email_spans.append((m.start(), m.end()))
            value, clause = m.group(0), r.clause(m.start())
            sentence = r.sentence(m.start()).text
            if ctx("complaint").search(clause) or (
                ctx("complaint").search(sentence) and not ctx("officer").search(sentence)
            ):
                contacts.append((f"{_contact_label(r.text, m.start(), kind)} {value}", m.start(), m.end()))
            elif ctx("officer").search(sentence):
                r.add(
                    f"entity.security_officer.{'email' if kind == '邮箱' else 'phone'}",
                    value,
                    m.start(),
                    m.end(),
                    uncertain=not re.search("安全|合规", sentence),
                    note="" if re.search("安全|合规", sentence) else "联系人是否为安全负责人请核对",
                )
            else:
                r.unassigned(f"未能确定用途的{kind}", value, m.start(), m.end())
    if contacts:
        contacts.sort(key=lambda c: c[1])
        r.add("safety.complaint.contact", "；".join(c[0] for c in contacts), contacts[0][1], contacts[-1][2])


def _contact_label(text: str, start: int, kind: str) -> str:
    before = text[max(0, start - 12) : start]
    m = re.search(rf"([{HAN}]{{0,4}}(?:电话|邮箱|热线|信箱|邮件|网址))\s*(?:是|为|：|:)?\s*$", before)
    label = m.group(1) if m else ""
    label = re.split(r"或者|或|和|及|与|、|可以|可|拨打|发送至|发到|联系|通过|请|并", label)[-1]
    if label in ("", kind, "邮件"):  # 热线, 客服电话 say what the number is; 电话 alone does not
        label = ("投诉" if "投诉" in before else "举报") + kind
    return label


def _urls(r: _Reader) -> None:
    urls: list[tuple[str, int, int]] = []
    for m in URL_RE.finditer(r.text):
        url = m.group(0).rstrip(".")
        if "@" in r.text[max(0, m.start() - 1) : m.start()] or any(
            url in e.group(0) for e in EMAIL_RE.finditer(r.clause(m.start()))
        ):
            continue
        if ctx("complaint").search(r.clause(m.start())):
            continue  # a complaint page is the complaint entrance, left to the model with its context
        urls.append((url, m.start(), m.end()))
    if urls:
        unique = list(dict.fromkeys(u[0] for u in urls))
        r.add("product.urls", unique, urls[0][1], urls[0][2])


# the company's address after its label: 注册地址：…, 地址：…, 住所为…; a postal address (a province or city,
# then a road, street or number), not a user's 收货地址 nor a web address
ADDRESS_RE = re.compile(
    rf"(?<!收货)(?<!收件)(?<!配送)(?<!网站)(?<!商城)(?:注册|办公|通讯|联系|经营)?(?:地址|住所)(?:为|是|在)?\s*[：:]?\s*"
    rf"(?P<value>[{HAN}](?:[{HAN}A-Za-z0-9\-]|[（(][^）)，。]{{1,12}}[）)]){{5,60}})"
)


def _address(r: _Reader) -> None:
    for m in ADDRESS_RE.finditer(r.text):
        value = m.group("value")
        if (
            re.search(r"[省市]", value[:12])
            and re.search(r"路|街|道|号|区|镇|村|园", value)
            and re.search(r"\d|[一二三四五六七八九十]+号", value)
        ):
            r.add("entity.address", value, m.start("value"), m.end("value"))
            return


LEGAL_REP_RE = re.compile(
    rf"法定代表人(?:为|是|：|:)?\s*(?P<name>[{HAN}]某|[{HAN}]{{2,3}}?)(?=[，。、；,;\s（(]|$)"
)


def _legal_representative(r: _Reader) -> None:
    """法定代表人何某 / 法定代表人：王建国 — a person's name (a known surname) right after the label."""
    for m in LEGAL_REP_RE.finditer(r.text):
        if m.group("name")[0] in keyword_rules()["surnames"]:
            r.add("entity.legal_representative", m.group("name"), m.start("name"), m.end("name"))
            return


def _event_date(rx: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first date in `text` that dates an event: 截至2025年6月 dates a count, not a launch."""
    return next(
        (m for m in rx.finditer(text) if not re.search(r"(?:截至|截止|到|至)\s*$", text[: m.start()])), None
    )


def _launch_date(r: _Reader) -> None:
    for sentence in r.sents:
        m = ctx("not_launched").search(sentence.text)
        if m and re.match(
            r"[^，。；]{0,12}(?:功能|模块|版本|新版|频道|板块|玩法|活动)", sentence.text[m.end() :]
        ):
            continue  # 计划明年上线个性化推荐功能: a part of the product, not the product
        if m:
            r.add("product.launch_date", "未上线", sentence.start + m.start(), sentence.start + m.end())
            return
    for sentence in r.sents:
        if not ctx("launch").search(sentence.text):
            continue
        full = _event_date(DATE_RE, sentence.text)
        if full:
            year, month, day = map(int, full.groups())
            s = sentence.start + full.start()
            r.add("product.launch_date", f"{year:04d}-{month:02d}-{day:02d}", s, sentence.start + full.end())
            return
        month_only = _event_date(MONTH_RE, sentence.text)
        if month_only:
            s = sentence.start + month_only.start()
            r.add(
                "product.launch_date",
                month_only.group(0).replace(" ", ""),
                s,
                sentence.start + month_only.end(),
                uncertain=True,
                note="描述只写到月份：请补充具体上线日期（YYYY-MM-DD）",
            )
            return


# --- enumerations ---------------------------------------------------------------------------------


def _first(pattern: str, text: str) -> re.Match[str] | None:
    return _rx(pattern).search(text)


def _enumerations(r: _Reader) -> None:
    rules = keyword_rules()
    _role(r, rules["role"])
    _algorithm_type(r)
    forms, call_context = [], _rx(rules["model_call_context"])
    content = _rx(rf"\s*(?:{rules['form_not_before']})")
    for form, pattern in rules["forms"].items():
        for m in _rx(pattern).finditer(r.text):
            if content.match(r.text, m.end()):
                continue  # 公众号推文 is content, not a form
            if _inside_title(r.text, m.start()):
                continue  # 《大模型API服务合作协议》 names a document
            clause = r.clause(m.start())
            if form in ("API", "SDK") and call_context.search(clause) and not _is_support(r):
                continue
            if (
                form in ("API", "SDK")
                and not _is_support(r)
                and _in_evidence(r, "technical_service", m.start())
            ):
                continue  # a provider's API for business customers is its technical service's delivery
            if form in ("App", "小程序", "公众号") and _is_support(r):
                continue  # a technical supporter's customers' apps, not its own forms
            forms.append((m.start(), form, m.end()))
            break
    if forms:
        forms.sort()
        r.add("product.forms", [f[1] for f in forms], forms[0][0], forms[0][2])
    if _is_support(r) or _evidenced(r, "technical_service"):
        delivery = sorted(
            (m.start(), label, m.end())
            for label, pattern in rules["delivery"].items()
            if (m := _first(pattern, r.text))
        )
        if delivery:
            r.add("technical_service.delivery", [d[1] for d in delivery], delivery[0][0], delivery[0][2])
    _minors(r, rules)
    if m := _first(rules["public_opinion_false"], r.text):
        r.add("filing.public_opinion_attribute", False, m.start(), m.end())
    elif m := _first(rules["public_opinion_true"], r.text):
        r.add("filing.public_opinion_attribute", True, m.start(), m.end())
    for kind, pattern in rules["filing_kind"].items():
        if m := _first(pattern, r.text):
            r.add("filing.filing_kind", kind, m.start(), m.end())


def _minors(r: _Reader, rules: dict[str, Any]) -> None:
    """Whether minors may use the product, as the text states it (`minors_denied`, `minors_allowed` in
    extraction.yaml). A text that both admits and denies minors says neither plainly: the field is left
    empty."""
    said = {
        allowed: m
        for allowed, pattern in ((False, rules["minors_denied"]), (True, rules["minors_allowed"]))
        if (m := _first(pattern, r.text))
    }
    if len(said) == 1:
        allowed, m = next(iter(said.items()))
        r.add("product.minors_allowed", allowed, m.start(), m.end())


def _inside_title(text: str, offset: int) -> bool:
    """Whether `offset` is inside a 《…》 title on its line."""
    opened = text.rfind("《", 0, offset)
    return opened >= 0 and "》" not in text[opened:offset] and "\n" not in text[opened:offset]


def _is_support(r: _Reader) -> bool:
    return any(f.path == "filing.role" and f.value == "服务技术支持者" for f in r.result.found)


def _role(r: _Reader, rules: dict[str, Any]) -> None:
    for role, pattern in rules["explicit"].items():
        if m := _first(pattern, r.text):
            r.add("filing.role", role, m.start(), m.end())
            return
    support = _first(rules["technical_support"], r.text)
    consumer = _first(rules["consumer"], r.text)
    if support and (not consumer or re.search(r"不做面向个人|不直接面向", r.text)):
        r.add("filing.role", "服务技术支持者", support.start(), support.end())
    elif consumer and not support:
        r.add(
            "filing.role",
            "服务提供者",
            consumer.start(),
            consumer.end(),
            uncertain=True,
            note="按“面向用户提供服务”的描述推定",
        )
    elif consumer:
        r.add(
            "filing.role",
            "服务提供者",
            consumer.start(),
            consumer.end(),
            uncertain=True,
            note="描述既有面向用户又有面向企业的内容，请确认备案角色",
        )


def type_scores(text: str) -> dict[str, int]:
    """Keyword hits per type key of `algorithm_type`, outside sentences about plans or measures not taken."""
    rules = keyword_rules()
    not_done = _rx(rules["not_done"])
    text = "。".join(s.text for s in sentences(text) if not not_done.search(s.text))
    return {
        kind: len(_rx(pattern).findall(text))
        + 2
        * len(
            _rx(rules["algorithm_type_strong"][kind]).findall(text)
            if kind in rules["algorithm_type_strong"]
            else []
        )
        for kind, pattern in rules["algorithm_type"].items()
    }


def suggest_type(scores: dict[str, int]) -> tuple[str, int, int]:
    """The suggested type with its score and the runner-up's: the members of an umbrella type
    (facts.TYPE_FAMILIES) compete as one family; when it wins, the member with at least twice the other
    members' specific evidence is suggested, the umbrella itself only when none is specific."""
    family: dict[str, int] = {}
    for kind, score in scores.items():
        top = type_family(kind)
        family[top] = family.get(top, 0) + score
    order = list(family)
    best = max(order, key=lambda k: (family[k], -order.index(k)))
    runner_up = max((v for k, v in family.items() if k != best), default=0)
    members = {k: v for k, v in scores.items() if type_family(k) == best and k != best}
    if members:
        leader = max(members, key=lambda k: members[k])
        rest = max((v for k, v in members.items() if k != leader), default=0)
        if members[leader] > 0 and members[leader] >= 2 * rest:
            return leader, family[best], runner_up
    return best, family[best], runner_up


def stated_type(text: str) -> tuple[str, re.Match[str]] | None:
    """The earliest statement of a type (属于排序精选类, 信息检索算法) that is not negated, planned or asked."""
    rules = keyword_rules()
    items = sentences(text)
    found: list[tuple[int, str, re.Match[str]]] = []
    for kind, pattern in rules["algorithm_type_stated"].items():
        for m in _rx(pattern).finditer(text):
            sentence = sentence_at(items, m.start())
            before = text[sentence.start : m.start()]
            if NEGATION_RE.search(before) or _rx(rules["not_done"]).search(sentence.text):
                continue
            if re.search(r"[？?]|吗", sentence.text):
                continue
            found.append((m.start(), kind, m))
            break
    if not found:
        return None
    _, kind, m = min(found, key=lambda f: f[0])
    return kind, m


def _algorithm_type(r: _Reader) -> None:
    stated = stated_type(r.text)
    if stated:
        kind, m = stated
        r.add("filing.algorithm_type", kind, m.start(), m.end())
        return
    scores = type_scores(r.text)
    best, score, runner_up = suggest_type(scores)
    if score == 0:
        return
    pattern = "|".join(
        p for k, p in keyword_rules()["algorithm_type"].items() if type_family(k) == type_family(best)
    )
    m = _rx(pattern).search(r.text)
    assert m is not None
    r.add(
        "filing.algorithm_type",
        best,
        m.start(),
        m.end(),
        uncertain=score < 2 * max(runner_up, 1),
        note=f"按关键词推定（{type_family(best)} {score} 处）",
    )


# --- numbers --------------------------------------------------------------------------------------


def _int(text: str) -> int | None:
    try:
        return int(float(text)) if re.fullmatch(r"\d+(\.\d+)?", text) else cn_to_int(text)
    except ValueError:
        return None


def _numbers(r: _Reader) -> None:
    scale_clauses: list[tuple[int, int]] = []
    deadlines: list[tuple[Sentence, re.Match[str]]] = []
    for sentence in r.sents:
        for m in ctx("user_scale").finditer(sentence.text):
            start, end = sentence.clause_at(sentence.start + m.start())
            if SCALE_NUMBER_RE.search(r.text[start:end]) and (start, end) not in scale_clauses:
                scale_clauses.append((start, end))
        if ctx("complaint").search(sentence.text):
            deadlines += [
                (sentence, m) for m in DEADLINE_RE.finditer(sentence.text) if "几" not in m.group(0)
            ]
        network_log = re.search(r"网络日志", sentence.text)
        log = (
            network_log
            if network_log
            else (None if _network_log_elsewhere(r, sentence) else ctx("log").search(sentence.text))
        )
        m = RETENTION_RE.search(sentence.text, log.start()) if log else None
        if log and m:
            start, _ = sentence.clause_at(sentence.start + log.start())
            _, end = sentence.clause_at(sentence.start + m.start())
            network = re.search(r"网络日志|用户日志|访问日志|操作日志|日志(保存|留存|保留)", sentence.text)
            note = "" if network else "请核对这是否为网络日志的留存期限"
            r.add(
                "safety.log_retention",
                clause_value(r.text, start, end),
                start,
                end,
                uncertain=not network,
                note=note,
            )
        library = ctx("feature_library").search(sentence.text)
        m = COUNT_RE.search(sentence.text, library.end()) if library else None
        if library and m:  # the mention nearest before the count: …经过敏感词库审核，敏感词库约3万条
            library = [x for x in ctx("feature_library").finditer(sentence.text) if x.end() <= m.start()][-1]
        if library and m and m.start() - library.end() <= 12:
            start = name_before(r.text, sentence.start + library.end(), limit=10, breaks=_LIBRARY_BREAKS)
            end = sentence.end  # its size and what follows about it (，每两周更新一次)
            r.add("safety.feature_library", clause_value(r.text, start, end), start, end)
        _staff(r, sentence)
    _deadline(r, deadlines)
    if scale_clauses:
        text = "，".join(clause_value(r.text, s, e) for s, e in scale_clauses)
        r.add("product.user_scale", text, scale_clauses[0][0], scale_clauses[-1][1])


def _network_log_elsewhere(r: _Reader, sentence: Sentence) -> bool:
    """Whether another sentence states the network logs' retention (which then wins over other logs)."""
    return any(
        s is not sentence and (m := re.search(r"网络日志", s.text)) and RETENTION_RE.search(s.text, m.start())
        for s in r.sents
    )


def _deadline(r: _Reader, deadlines: list[tuple[Sentence, re.Match[str]]]) -> None:
    """One deadline: as written (受理后 5 个工作日内). Several (投诉 … 内；举报 … 内): each with its clause."""
    if not deadlines:
        return
    first_sentence, first = deadlines[0]
    start, end = first_sentence.start + first.start(), deadlines[-1][0].start + deadlines[-1][1].end()
    if len({m.group(0) for _, m in deadlines}) == 1:
        value = re.sub(r"^在\s*", "", first.group(0).strip())
    else:
        clauses = [sentence.clause_at(sentence.start + m.start()) for sentence, m in deadlines]
        value = "；".join(dict.fromkeys(clause_value(r.text, s, e) for s, e in clauses))
    r.add("safety.complaint.feedback_deadline", value, start, end)


def clause_value(text: str, start: int, end: int) -> str:
    """A clause as a value: an opened bracket is closed, trailing punctuation dropped."""
    value = text[start:end]
    if value.count("（") > value.count("）"):
        close = text.find("）", end)
        if 0 <= close < end + 40:
            value = text[start : close + 1]
    return value.strip().rstrip("。；;，,、 |").strip()


def _staff(r: _Reader, sentence: Sentence) -> None:
    for m in PEOPLE_RE.finditer(sentence.text):
        start, end = sentence.clause_at(sentence.start + m.start())
        clause = r.text[start:end]
        lead = r.text[
            max(sentence.start, start - 12) : end
        ]  # "设有安全委员会，共 7 人": the team may come just before
        if ctx("reviewers").search(clause) or not (ctx("staff").search(clause) or ctx("staff").search(lead)):
            continue
        count = _int(m.group(1))
        if count is not None and 0 < count < 100_000:
            s, e = sentence.start + m.start(), sentence.start + m.end()
            both = _FULL_AND_PART_RE.match(r.text, e)  # 专职人员4名、兼职人员6名: both counts
            full = r.text.rfind("专职", start, s)
            if both and full >= 0:
                r.add("organization.staff_count", r.text[full : both.end()], full, both.end())
                return
            r.add("organization.staff_count", str(count), s, e)
            return


_FULL_AND_PART_RE = re.compile(rf"\s*[、，,和及]\s*兼职[{HAN}]{{0,4}}?\s*{NUM}\s*(?:名|人|位)")
ORG_UNIT_RE = re.compile(
    rf"[{HAN}]{{2,14}}?(?:委员会|小组|团队|中心|部门|组|部)"
    rf"(?=[^{HAN}]|$|负责|牵头|统筹|主管|管|一共|共|有|由|下设|设有|是|为|的)"
    rf"|[{HAN}]{{2,14}}?(?:委员会|小组|团队|中心|部门)"
)
_OFFICER_ROLE_RE = re.compile(r"安全|合规")
_UNIT_POST_RE = re.compile(
    r"^(?:部门|本部门|该部门|委员会|小组|中心)(?:经理|负责人|主任|总监)$|^(?:组长|部长|主任)$"
)
_UNIT_ROLE_RE = re.compile(r"(?:委员会|小组|团队|中心|部门|组|部)负责人$")


# a sentence that sets up or charges a unit: its unit is the department before any other unit mentioned
_ESTABLISH_RE = re.compile(r"专职机构|专门机构|成立|设立|设有|组建|负责算法安全|算法安全(?:工作)?由")


@dataclass
class _Person:
    name: str
    title: str
    start: int
    end: int
    kind: str  # "officer" (named as the security officer) or "head" (any other responsible person)


def _people(r: _Reader) -> None:
    """The department, its head and the security officer. A person named as the (algorithm) security
    officer (算法安全负责人为…) is the officer and not, by that alone, the department's head; any other
    responsible person (风控中心负责人钱某, 由运营副总裁陈某负责, 负责人为…) is the head. Without a named officer
    the head is proposed as the officer (uncertain unless the title says 安全 or 合规)."""
    ranked = [s for s in r.sents if _ESTABLISH_RE.search(s.text)] + [
        s for s in r.sents if not _ESTABLISH_RE.search(s.text)
    ]
    department = next((u for sentence in ranked if (u := _department(r, sentence))), None)
    if department:
        r.add("organization.department", *department)
    people = [p for sentence in r.sents for p in _persons(r, sentence)]
    head = next((p for p in people if p.kind == "head"), None)
    if head is None and department:  # the officer whose title is the department's own (技术部经理赵某)
        head = next(
            (
                p
                for p in people
                if p.kind == "officer" and (department[0] in p.title or _UNIT_POST_RE.search(p.title))
            ),
            None,
        )
    if head:
        r.add(
            "organization.head",
            f"{head.name}（{head.title}）" if head.title else head.name,
            head.start,
            head.end,
        )
    officer = next((p for p in people if p.kind == "officer"), None) or head
    if officer is None:
        return
    sure = officer.kind == "officer" or bool(_OFFICER_ROLE_RE.search(officer.title))
    note = "" if sure else "按部门负责人推定为安全负责人，请核对"
    r.add(
        "entity.security_officer.name",
        officer.name,
        officer.start,
        officer.end,
        uncertain=not sure,
        note=note,
    )
    if officer.title:
        at = r.text.find(officer.title, r.sentence(officer.start).start)
        ts, te = (at, at + len(officer.title)) if at >= 0 else (officer.start, officer.end)
        r.add("entity.security_officer.title", officer.title, ts, te, uncertain=not sure, note=note)


def _department(r: _Reader, sentence: Sentence) -> tuple[str, int, int] | None:
    for m in ORG_UNIT_RE.finditer(sentence.text):
        end = sentence.start + m.end()
        start = name_before(
            r.text,
            end,
            breaks=(
                "有个",
                "设有",
                "设立了",
                "设立",
                "组建了",
                "成立了",
                "成立",
                "由",
                "是",
                "为",
                "的",
                "个",
                "有",
                "公司",
            ),
        )
        name = r.text[start:end]
        # a unit named for what it is (安全, 合规, 委员会), or one the sentence makes responsible for
        # (algorithm) security: 算法安全工作由技术部负责
        charged = (
            r.text[start - 1 : start] == "由"
            and re.match(r"负责|牵头|统筹|管", r.text[end:])
            and re.search("安全|合规", sentence.text)
        )
        if len(name) >= 3 and (ctx("department").search(name) or charged):
            return name, start, end
    return None


def _persons(r: _Reader, sentence: Sentence) -> list[_Person]:
    if not re.search("安全|合规|风控|治理|负责|牵头|委员会", sentence.text):
        return []
    out: list[_Person] = []
    matches = [(m, True) for m in OFFICER_RE.finditer(sentence.text)]
    matches += [(m, True) for m in OFFICER_AFTER_RE.finditer(sentence.text)]
    matches += [(m, True) for m in UNIT_HEAD_RE.finditer(sentence.text)]
    matches += [(m, True) for m in UNIT_HEAD_AFTER_RE.finditer(sentence.text)]
    matches += [(m, False) for m in PERSON_RE.finditer(sentence.text)]
    for m, named in sorted(matches, key=lambda x: x[0].start("name")):
        name = m.group("name")
        if re.search(r"安全|合规|负责|部|组|团队|委员", name) or name[0] not in keyword_rules()["surnames"]:
            continue
        if any(p.name == name for p in out):
            continue
        title = _person_title(r, sentence, m, named)
        role = re.sub(r"^(是|由|的|为)+", "", m.group("role")) if named else ""
        officer = named and _OFFICER_ROLE_RE.search(role) and not _UNIT_ROLE_RE.search(role)
        kind = "officer" if officer else "head"  # 算法安全负责人为… / 风控中心负责人钱某, 由陈某负责
        s, e = sentence.start + m.start("name"), sentence.start + m.end("name")
        out.append(_Person(name, title, s, e, kind))
        if officer and re.fullmatch(r"组长|主任|负责人|队长|总监", m.groupdict().get("post") or ""):
            out.append(_Person(name, title, s, e, "head"))  # 黄某担任组长并作为算法安全负责人: both
    return out


def _person_title(r: _Reader, sentence: Sentence, m: re.Match[str], named: bool) -> str:
    """The person's title: in brackets after the name, or the 负责人 role before it, or the title word
    (总监, 经理 …) just before the name, read back to the start of the phrase."""
    if named:
        role = re.sub(r"^(是|由|的|为)+", "", m.group("role"))
        role = "" if role == "负责人" else role  # a bare 负责人 says whom, not which title
        title = _title_of(r.text, m, sentence.start)
        return (title[0] if title else role).strip()
    title = (m.group("title") or "").strip()
    if not title:
        return ""
    end = sentence.start + m.start("title") + len(title)
    return r.text[name_before(r.text, end, breaks=("，", "是", "由", "的", "组", "团队")) : end]


# --- free text, lists and data ports (keyword rules in spec/extraction.yaml) ------------------------------

_SEGMENT_END = re.compile(r"[，,]")


def segments(sentence: Sentence) -> list[tuple[int, int]]:
    """The comma-delimited segments of a sentence as absolute spans (enumeration commas 、 stay inside)."""
    out, start = [], 0
    for m in _SEGMENT_END.finditer(sentence.text):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(sentence.text)))
    return [(sentence.start + a, sentence.start + b) for a, b in out if b > a]


def _topics(r: _Reader) -> None:
    """Free-text facts a heading or label names (`topics`): the passage under it, when the heading names
    one field's topic only (a heading naming two says nothing about which lines are which)."""
    topics = keyword_rules()["topics"]
    skip = _rx(keyword_rules()["passage_skip"] + "|" + keyword_rules()["not_done"])
    for passage in passages(r.text, r.sents):
        named = [path for path, pattern in topics.items() if _rx(pattern).search(passage.title)]
        if len(named) != 1 or named[0] in r.result.paths() or not _block_applies(r, named[0]):
            continue
        # a label's line runs on while its sentences name the topic or carry the field's own cues
        rule = keyword_rules()["clauses"].get(named[0], {"cue": []})
        cues = rule["cue"] if isinstance(rule["cue"], list) else [rule["cue"]]
        topic = _rx("|".join(f"(?:{c})" for c in [topics[named[0]], *cues]))
        start, end = passage_value(r.text, r.sents, passage, skip, topic)
        if len(value := clause_value(r.text, start, end)) >= 4:
            r.add(named[0], value, start, end)
            r.claims.append((named[0], start, end))


def _claimed(r: _Reader, path: str, sentence: Sentence) -> bool:
    """Whether a heading placed `sentence` in another field that rules `path` out: a sibling (under
    青少年保护： the 实名认证 that puts minors into their mode is the minors measure, not the real-name one),
    or any field when `path` is one of the general safety measures, whose cues are the loosest (under
    三、反作弊。 the 评价 识别 is the anti-manipulation measure, not an input review). The optional blocks'
    own cues are specific and still read a claimed sentence (a consent form asked for under 客户准入)."""
    group = path.split(".")[0]
    return any(
        p != path
        and (p.split(".")[0] == group or group == "safety")
        and sentence.start < e
        and s < sentence.end
        for p, s, e in r.claims
    )


def _clauses(r: _Reader) -> None:
    """Free-text facts: the segment (or sentence) of the first sentence where the field's cue matches.
    The optional blocks' fields are read first: their cues are specific, and a sentence one of them takes
    (a technical supporter's labelling ability, a consent procedure) is not read again by the general
    safety measures."""
    rules = keyword_rules()["clauses"]
    for path in sorted(rules, key=lambda p: not _optional(p)):
        rule = rules[path]
        taken = r.result.paths()
        if path in taken or rule.get("unless") in taken or not _block_applies(r, path):
            continue
        cues = rule["cue"] if isinstance(rule["cue"], list) else [rule["cue"]]
        every = _rx("|".join(f"(?:{c})" for c in cues))
        for cue in cues:
            span = _clause_span(r, _rx(cue), rule, path, every)
            if span and len(value := clause_value(r.text, *span)) >= 4:
                r.add(path, value, *span)
                if _optional(path):
                    r.claims.append((path, *span))
                break


def _optional(path: str) -> bool:
    return bool(field_specs()[path.split(".")[0]].applies)


_PURPOSE_RE = re.compile(r"\s*(?:为了|为(?:防止|避免|保障|确保|减少|降低|保护|提升)|防止|避免)")


def _clause_span(
    r: _Reader,
    cue: re.Pattern[str],
    rule: dict[str, Any],
    path: str = "",
    every: re.Pattern[str] | None = None,
) -> tuple[int, int] | None:
    also = _rx(rule["with"]) if rule.get("with") else None
    other = _rx(rule["without"]) if rule.get("without") else None
    prefer = _rx(rule["prefer"]) if rule.get("prefer") else None
    hits = [
        s
        for s in r.sents
        if cue.search(s.text)
        and not HEADING.fullmatch(s.text.rstrip("。：: "))
        and not is_heading(r.text, s)
        and not is_question(s)
        and not _claimed(r, path, s)
    ]
    if prefer:  # the sentence that states a measure, not one that names the topic (重视未成年人保护)
        hits = [s for s in hits if prefer.search(s.text)] + [s for s in hits if not prefer.search(s.text)]
    for sentence in hits:
        m = cue.search(sentence.text)
        if not m or (also and not also.search(sentence.text)) or (other and other.search(sentence.text)):
            continue
        if rule.get("affirmative") and NEGATION_RE.search(sentence.text[: m.start()]):
            continue
        if _rx(keyword_rules()["not_done"]).search(sentence.text):
            continue
        if rule.get("whole"):
            end = _passage_end(r, sentence, every or cue) if rule.get("passage") else sentence.end
            return label_end(r.text, sentence), end
        spans = segments(sentence)
        at = sentence.start + m.start()
        if rule.get("subject"):  # 敏感词库约5.6万条: the clause the thing is the subject of, if there is one
            at = next((x for x in _cue_starts(cue, sentence) if _opens_segment(r, spans, x)), at)
        index = next(i for i, (a, b) in enumerate(spans) if a <= at < b or i == len(spans) - 1)
        start, end = spans[index]
        if rule.get("rest") or _PURPOSE_RE.match(r.text[start:end]):
            end = spans[-1][1]  # the measures listed after it; 为防止刷量操纵排名，… is why, the rest is what
        elif end - start < rule.get("min", 6) and index + 1 < len(spans):
            end = spans[index + 1][1]
        if rule.get("passage") and end == spans[-1][1]:
            end = _passage_end(r, sentence, every or cue)
        if start == sentence.start:
            start = label_end(r.text, sentence)
        return start, end
    return None


def _passage_end(r: _Reader, sentence: Sentence, cue: re.Pattern[str]) -> int:
    """Where a measure's passage ends: the sentences right after `sentence`, on the same line, that still
    carry the field's cue continue it (休息 20 分钟；每天接单时长上限 10 小时)."""
    end = sentence.end
    for later in r.sents[r.sents.index(sentence) + 1 :]:
        if "\n" in r.text[end : later.start] or not cue.search(later.text):
            break
        end = later.end
    return end


def _cue_starts(cue: re.Pattern[str], sentence: Sentence) -> list[int]:
    return [sentence.start + m.start() for m in cue.finditer(sentence.text)]


def _opens_segment(r: _Reader, spans: list[tuple[int, int]], at: int) -> bool:
    """Whether the cue at `at` is its segment's subject: at most a short qualifier before it (平台的, 自建)."""
    start = next((a for a, b in spans if a <= at < b), at)
    return len(r.text[start:at].strip()) <= 3


def _block_applies(r: _Reader, path: str) -> bool:
    """Whether the optional block a path lies in (dispatch, personalization …) applies: to the role and
    type the rules read, or because the description describes the block's practice (`_evidenced`: a
    generative writing tool that also recommends by interest); blocks without a condition always do."""
    block = path.split(".")[0]
    applies = field_specs()[block].applies
    role = next((f.value for f in r.result.found if f.path == "filing.role"), None)
    kind = next((f.value for f in r.result.found if f.path == "filing.algorithm_type"), None)
    if "roles" in applies and role in applies["roles"]:
        return True
    if "types" in applies and type_matches(kind, applies["types"]):
        return True
    if not {"roles", "types"} & applies.keys() and "biometric_editing" not in applies.get("when", []):
        return True
    return _evidenced(r, block)


def _evidenced(r: _Reader, block: str) -> bool:
    return bool(_evidence(r, block))


def _in_evidence(r: _Reader, block: str, at: int) -> bool:
    return any(s.start <= at < s.end for s in _evidence(r, block))


def _evidence(r: _Reader, block: str) -> list[Sentence]:
    """The sentences that describe the block's practice by one of its strongest cues (`block_evidence`;
    the biometric block by BIOMETRIC_WORDS), not negated (我们不做个性化推荐), planned or asked."""
    pattern = keyword_rules()["block_evidence"].get(block)
    if block == "biometric":
        pattern = "|".join(re.escape(w) for w in BIOMETRIC_WORDS)
    if not pattern:
        return []
    cue, negated = _rx(pattern), _rx(keyword_rules()["block_negation"])
    planned = _rx(keyword_rules()["not_done"])
    return [
        s
        for s in r.sents
        if not is_question(s)
        and not planned.search(s.text)
        and any(
            not negated.search(re.split(r"[，,。；;：:]", s.text[: m.start()])[-1])
            for m in cue.finditer(s.text)
        )
    ]


def _split_items(text: str, limit: int) -> list[str]:
    """Items of an enumeration (A、B 和 C), each stripped of ordinals and quotes; over-long items are not
    item names and are left out."""
    filler = _rx(keyword_rules()["list_fillers"])
    place = _rx(keyword_rules()["quoted_place"])
    quoted = [m.group(1) for m in QUOTED_RE.finditer(text) if not place.match(text, m.end())]
    if quoted:
        return [
            q.strip()
            for q in quoted
            if len(q.strip()) <= limit and not _rx(keyword_rules()["not_items"]).search(q)
        ]
    items = []
    for part in re.split(r"、|，|,|以及|及|和|与|或", text):
        part = filler.sub("", part.strip()).strip(' “”"「」')
        if "的" in part:
            part = part.rsplit("的", 1)[1]  # 同城货物的在线下单: the head noun is the item
        if 2 <= len(part) <= limit and not _rx(keyword_rules()["not_items"]).search(part):
            items.append(part)
    return list(dict.fromkeys(items))


def _list_after_intro(r: _Reader, end: int, limit: int) -> tuple[list[str], int]:
    """The enumeration after an intro ending at `end`: up to the sentence's 。 (or its line's end when the
    items start on the intro's line); several ；-separated items
    are each named by their first segment (一键美颜，自动磨皮…；AI 换脸，…)."""
    stop = r.text.find("。", end)
    stop = stop if stop >= 0 else len(r.text)
    line_end = r.text.find("\n", end)
    if 0 <= line_end < stop and r.text[end:line_end].strip():
        stop = line_end  # items on the intro's own line end with it (- 三个功能：A、B、C)
    body = r.text[end:stop]
    parts = [p for p in re.split(r"[；;]", body) if p.strip()]
    if len(parts) == 1 and "、" not in body and re.match(r"[ \t]*\n", r.text[end:]):
        return [], end  # a heading (【功能更新】) over a sentence of prose is no list
    if len(parts) > 1:
        names = [re.split(r"[，,：:]", p.strip(), maxsplit=1)[0] for p in parts]
        return [i for n in names for i in _split_items(n, limit)[:1]], end + len(body)
    return _split_items(re.split(r"[，,]", body, maxsplit=1)[0] if "、" in body else body, limit), end + len(
        body
    )


def _lists(r: _Reader) -> None:
    """List facts (features, scenarios) from an enumeration after an intro or inside a frame."""
    for path, rule in keyword_rules()["lists"].items():
        items: list[str] = []
        span: tuple[int, int] | None = None
        for m in _rx(rule["intro"]).finditer(r.text):
            found, end = _list_after_intro(r, m.end(), rule["max"])
            if found:
                items += found
                span = span or (m.start(), end)
                break
        for m in _rx(rule["frame"]).finditer(r.text):
            group = next((g for g in m.groups() if g), None)
            if group and not NEGATION_RE.search(r.text[r.sentence(m.start()).start : m.start()]):
                found = _split_items(group, rule["max"])
                items += found
                span = span or (m.start(), m.end()) if found else span
        items = list(dict.fromkeys(items))
        if not items or not span:
            continue
        spec = field_specs()[path]
        if spec.model is None or spec.strings:  # plain strings where the list allows them (systems)
            r.add(path, items, *span)
            continue
        for index, item in enumerate(items):  # a list of objects: each item's naming field
            at = r.text.find(item, span[0])
            start, end = (at, at + len(item)) if at >= 0 else span
            r.add(f"{path}[{index}].{spec.name_key}", item, start, end)


def _page_scenarios(r: _Reader) -> None:
    """Scenarios and features from quoted places where the algorithm serves someone (`page_scenario` in
    extraction.yaml), when no enumeration gave them."""
    found = {f.path.split("[")[0] for f in r.result.found}
    pages = [
        m
        for m in _rx(keyword_rules()["page_scenario"]).finditer(r.text)
        if not NEGATION_RE.search(r.text[r.sentence(m.start()).start : m.start()])
    ]
    if not pages:
        return
    if "product.scenarios" not in found:
        r.add("product.scenarios", [m.group(0) for m in pages], pages[0].start(), pages[-1].end())
    if "product.features" not in found:
        for index, m in enumerate(pages):
            r.add(f"product.features[{index}].name", m.group("page"), m.start("page"), m.end("page"))


def _modality(text: str) -> str | None:
    for name, pattern in keyword_rules()["modalities"].items():
        if _rx(pattern).search(text):
            return name
    return None


def _ports(r: _Reader) -> None:
    """Input and output data: the phrase a port pattern introduces (输入为 …, 用户输入 …, 系统返回 …), split by modality
    (编辑后的图片和 MP4 短视频 is two outputs), each with its file formats."""
    formats_rx = _rx(keyword_rules()["file_formats"])
    for key, patterns in keyword_rules()["ports"].items():
        if any(f.path.startswith(f"algorithm.{key}[") for f in r.result.found):
            continue  # read from a labelled line
        port_phrase = _port_phrase(r, patterns)
        if port_phrase is None:
            continue
        phrase, start, stop = port_phrase
        ports: list[dict[str, Any]] = []
        parts = re.split(r"和|及|以及|、(?![A-Z])", phrase)
        several = len({m for p in parts if (m := _modality(p))}) > 1  # 图片和 MP4 短视频: two ports
        for part in parts if several else [phrase]:
            modality = _modality(part)
            port: dict[str, Any] = {"description": part.strip()} if not ports and not modality else {}
            if modality:
                port["modality"] = modality
            if found_formats := [f.upper() for f in formats_rx.findall(part)]:
                port["formats"] = list(dict.fromkeys(found_formats))
            if port and not any(p.get("modality") == modality and modality for p in ports):
                ports.append(port)
        if len(ports) == 1 and "description" not in ports[0]:
            ports[0]["description"] = phrase
        if len(ports) == 1 and "formats" not in ports[0] and (following := _formats_after(r, stop)):
            ports[0]["formats"], stop = following  # 返回合成的语音文件，支持MP3、WAV格式
        for index, port in enumerate(ports):
            for field_name, value in port.items():
                r.add(f"algorithm.{key}[{index}].{field_name}", value, start, stop)


def _labelled_ports(r: _Reader) -> None:
    """Ports on a labelled line (- 输入：A、B；C、D): each ；-separated part is one port, described as written,
    with its modality and file formats when named."""
    formats_rx = _rx(keyword_rules()["file_formats"])
    for key, label in (("inputs", "输入"), ("outputs", "输出")):
        m = re.search(
            rf"{_LINE_LEAD}{label}(?:数据|内容|结果|信息)?[ \t]*[:：][ \t]*(?P<value>[^\n]+)", r.text
        )
        if m is None:
            continue
        at = m.start("value")
        for index, part in enumerate(re.split(r"[；;]", m.group("value"))[:6]):
            value = part.strip().rstrip("。.")
            if 2 <= len(value) <= 80 and not _rx(keyword_rules()["port_not"]).search(value):
                start = r.text.find(value, at)
                r.add(f"algorithm.{key}[{index}].description", value, start, start + len(value))
                if modality := _modality(value):
                    r.add(f"algorithm.{key}[{index}].modality", modality, start, start + len(value))
                if found := [f.upper() for f in formats_rx.findall(value)]:
                    r.add(
                        f"algorithm.{key}[{index}].formats",
                        list(dict.fromkeys(found)),
                        start,
                        start + len(value),
                    )
            at += len(part) + 1


def _format_ports(r: _Reader) -> None:
    """Ports from sentences about files (`format_ports` in extraction.yaml), for a side the port verbs left
    empty: accepted formats and a size limit as the input, export formats as the outputs (one per modality)."""
    rules, found = keyword_rules()["format_ports"], {f.path.split("[")[0] for f in r.result.found}
    formats_rx = _rx(keyword_rules()["file_formats"])
    for key in ("inputs", "outputs"):
        if f"algorithm.{key}" in found:
            continue
        m = next((x for x in _rx(rules[key]).finditer(r.text) if formats_rx.search(x.group("list"))), None)
        if m is None:
            continue
        by_modality: dict[str, list[str]] = {}
        for name in formats_rx.findall(m.group("list")):
            modality = next(
                (k for k, rx in keyword_rules()["format_modality"].items() if _rx(rx).match(name)), None
            )
            if modality:
                by_modality.setdefault(modality, []).append(name.upper())
        for index, (modality, names) in enumerate(by_modality.items()):
            base = f"algorithm.{key}[{index}]"
            r.add(f"{base}.modality", modality, m.start(), m.end())
            r.add(f"{base}.formats", list(dict.fromkeys(names)), m.start("list"), m.end("list"))
            described = _port_description(r, key, modality, m)
            if described:
                r.add(f"{base}.description", *described)


def _port_description(r: _Reader, key: str, modality: str, m: re.Match[str]) -> tuple[str, int, int] | None:
    """An input's size limit in the sentence of its formats; an output's content as what the text says is
    generated in its modality (生成…的动态视频)."""
    rules = keyword_rules()["format_ports"]
    if key == "inputs":
        sentence = r.sentence(m.start())
        size = _rx(rules["size"]).search(sentence.text)
        return (size.group(0), sentence.start + size.start(), sentence.start + size.end()) if size else None
    noun = keyword_rules()["modalities"].get(modality)
    if not noun:
        return None
    made = _rx(rules["generated"].replace("{noun}", noun)).search(r.text)
    return (made.group("what"), made.start("what"), made.end("what")) if made else None


def _formats_after(r: _Reader, stop: int) -> tuple[list[str], int] | None:
    """File formats named in the segment right after a port's phrase (…，支持 MP3、WAV 格式)."""
    if r.text[stop : stop + 1] not in "，,":
        return None
    ends = (r.text.find(c, stop + 1) for c in "。；;，,")
    end = min((i for i in ends if i >= 0), default=len(r.text))
    segment = r.text[stop + 1 : end]
    found = [f.upper() for f in _rx(keyword_rules()["file_formats"]).findall(segment)]
    return (list(dict.fromkeys(found)), end) if found and "格式" in segment else None


def _clause_end(text: str, start: int) -> int:
    """The end of the clause from `start`: the first 。；，outside brackets (文案（txt、docx，单次不超过1万字）);
    an unclosed bracket ends at the sentence's 。."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c in "（(":
            depth += 1
        elif c in "）)" and depth:
            depth -= 1
        elif c == "。" or (c in "；;，," and not depth):
            return i
    return len(text)


_PORT_TAIL_RE = re.compile(r"(?:之后|以后|后|时)(?=$|即|就|便|再|可|会|由|系统|平台)")


def _no_port_data(phrase: str, cue: str) -> bool:
    """A place the result goes to (再返回编辑器) is no data; nor is an intermediate quantity a model hands on
    (分类模型输出违规概率 — the algorithm's output is what is shown or returned in the end)."""
    rules = keyword_rules()
    if _rx(rules["port_place"]).fullmatch(phrase.strip()):
        return True
    return "模型" in cue and bool(_rx(rules["port_intermediate"]).search(phrase))


def _port_phrase(r: _Reader, patterns: list[str]) -> tuple[str, int, int] | None:
    """The first phrase a port pattern introduces, to the end of its clause, with its cue's start and the
    phrase's end; phrases about identity papers, complaints or sanctions and planned measures are skipped."""
    stop_rx, not_done = _rx(keyword_rules()["port_not"]), _rx(keyword_rules()["not_done"])
    for pattern in patterns:
        for m in _rx(pattern).finditer(r.text):
            start = m.end()
            stop = _clause_end(r.text, start)
            # 填写起终点后，… / 输入关键词后即可搜索: the object ends before 后
            phrase = _PORT_TAIL_RE.split(r.text[start:stop].strip(), maxsplit=1)[0]
            if len(phrase) < 2 or stop_rx.search(phrase) or not_done.search(r.sentence(m.start()).text):
                continue
            if _no_port_data(phrase, m.group(0)):
                continue
            return phrase, m.start(), stop
    return None
