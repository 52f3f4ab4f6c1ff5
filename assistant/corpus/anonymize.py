"""Anonymisation of imported filings: identifying details become typed placeholders (〔公司1〕, 〔电话1〕 …).

`anonymize` replaces company and product names, personal names, phone numbers, e-mails, ID numbers,
credit codes, ICP / 网信算备 / 大模型备案 numbers, URLs and domains, IP addresses and street addresses,
consistently within one text (the same value always gets the same placeholder). `residual_scan` is a
second pass with its own, independent patterns that reports personal data still present; the importer
refuses to index a file while it finds anything.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

HAN = r"\u4e00-\u9fff"

# kind id → placeholder label (docs/formats.md)
LABELS: dict[str, str] = {
    "company": "公司",
    "product": "产品",
    "person": "人名",
    "phone": "电话",
    "email": "邮箱",
    "id_number": "证件号",
    "credit_code": "信用代码",
    "icp": "ICP备案号",
    "algo_filing": "算法备案号",
    "llm_filing": "大模型备案号",
    "url": "网址",
    "ip": "IP",
    "address": "地址",
}
KIND_NAMES: dict[str, str] = {
    "company": "公司名称",
    "product": "产品名称",
    "person": "人名",
    "phone": "电话号码",
    "email": "电子邮箱",
    "id_number": "身份证号",
    "credit_code": "统一社会信用代码",
    "icp": "ICP备案号",
    "algo_filing": "网信算备编号",
    "llm_filing": "大模型备案号",
    "url": "网址",
    "ip": "IP地址",
    "address": "地址",
}
PLACEHOLDER_RE = re.compile(r"〔(" + "|".join(sorted(LABELS.values(), key=len, reverse=True)) + r")(\d+)〕")
_LABEL_KIND = {label: kind for kind, label in LABELS.items()}


@dataclass
class AnonymizeResult:
    text: str
    mapping: dict[str, str]  # placeholder → original value
    counts: dict[str, int]  # kind → replacements made
    aliases: dict[str, list[str]] = field(default_factory=dict)  # placeholder → other spellings replaced


class _Session:
    """Placeholder allocation for one text: same (kind, key) → same placeholder."""

    def __init__(self, text: str) -> None:
        self.next_n: Counter[str] = Counter()
        for match in PLACEHOLDER_RE.finditer(text):  # never reuse numbers already present in the text
            kind = _LABEL_KIND[match.group(1)]
            self.next_n[kind] = max(self.next_n[kind], int(match.group(2)))
        self.by_key: dict[tuple[str, str], str] = {}
        self.mapping: dict[str, str] = {}
        self.kinds: dict[str, str] = {}
        self.counts: Counter[str] = Counter()
        self.aliases: dict[str, list[str]] = {}

    def placeholder(self, kind: str, value: str, key: str | None = None) -> str:
        key = key if key is not None else value
        found = self.by_key.get((kind, key))
        if found is None:
            self.next_n[kind] += 1
            found = f"〔{LABELS[kind]}{self.next_n[kind]}〕"
            self.by_key[(kind, key)] = found
            self.mapping[found] = value
            self.kinds[found] = kind
        elif value != self.mapping[found] and value not in self.aliases.setdefault(found, []):
            self.aliases[found].append(value)
        self.counts[kind] += 1
        return found


# --------------------------------------------------------------------------------------- patterns

EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9])"
)
URL_RE = re.compile(r"(?i)(?<![a-z0-9])(?:(?:https?|ftp)://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+")
TLDS = (
    "com|cn|net|org|io|ai|co|cc|tv|me|top|xyz|info|biz|gov|edu|app|tech|site|online|vip|shop|ltd|group|"
    "club|work|wang|ink|link|fun|pro|mobi|asia|hk|tw|jp|uk|us|de|cloud|store|live|art|icu|dev"
)
DOMAIN_RE = re.compile(
    rf"(?i)(?<![A-Za-z0-9@.\-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{TLDS})"
    r"(?![A-Za-z0-9\-]|\.[A-Za-z0-9])(?::\d{2,5})?(?:/[A-Za-z0-9\-._~/?#=&%]*)?"
)
LLM_FILING_RE = re.compile(
    r"(?<![A-Za-z0-9])[A-Z][A-Za-z]{2,}-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*-20\d{6}[A-Za-z0-9]*"
    rf"|(?<![{HAN}])[{HAN}]{{2,3}}-[{HAN}A-Za-z0-9]{{2,20}}-20\d{{6}}(?!\d)"
)
ALGO_FILING_RE = re.compile(r"网信算备\s*[0-9A-Za-z]{6,40}\s*号?")
PROVINCE_ABBR = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼港澳台"
ICP_RE = re.compile(
    rf"[{PROVINCE_ABBR}]\s*ICP\s*[备证]\s*[0-9A-Za-z]{{5,12}}\s*号?(?:\s*[-－]\s*\d+A?)?"
    rf"|[{PROVINCE_ABBR}]\s*公网安备\s*\d{{10,16}}\s*号?"
    rf"|[{PROVINCE_ABBR}][A-Z]\d[-－]\d{{8}}"
)
CODE18_RE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{17}[0-9A-Za-z](?![0-9A-Za-z])")
ID15_RE = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])"
)
ID_SHAPE_RE = re.compile(r"^[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]$")
CREDIT_SHAPE_RE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$")
CREDIT_CUE_RE = re.compile(
    r"(统一社会信用代码|信用代码|社会信用代码|营业执照(?:注册)?号|组织机构代码)\s*(?:[：:]|为|是)?\s*"
    r"([0-9A-Za-z]{9,20})(?![0-9A-Za-z])"
)
IPV4_RE = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    r"(?:/\d{1,2})?(?![\d.])"
)
IPV6_RE = re.compile(r"(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])")
MOBILE_RE = re.compile(r"(?<![\d])(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
LANDLINE_RE = re.compile(
    r"(?<![\d])(?:[（(]0\d{2,3}[）)]\s*|0\d{2,3}[\s-]?)\d{7,8}(?:\s*(?:-|转)\s*\d{1,6})?(?!\d)"
    r"|(?<!\d)[48]00[\s-]?\d{3}[\s-]?\d{4}(?!\d)"
)

_ADMIN = rf"[{HAN}]{{2,8}}?(?:省|自治区|市|自治州|地区|盟|区|县|旗|镇|乡|街道|开发区|高新区|新区|园区)"
_ROAD = rf"[{HAN}\dA-Za-z]{{1,10}}?(?:路|街|大街|大道|巷|弄|胡同|道)"
_NUM = r"\s*\d+(?:[-－]\d+)?\s*号(?:院)?"
_TAIL = rf"(?:[{HAN}\dA-Za-z\-－#]{{0,12}}?(?:号楼|楼|层|室|座|幢|栋|单元|号房))*"
PROVINCES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|"
    "贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
ADDRESS_RE = re.compile(
    rf"(?:(?<=[在于址所为是：:，,。；;、\s（(])|^|(?=(?:{PROVINCES})))"
    rf"(?:(?:{_ADMIN})*{_ROAD}{_NUM}{_TAIL}|(?:{_ADMIN}){{2,}}[{HAN}\dA-Za-z]{{0,15}}?\d+(?:号楼|号|栋|幢){_TAIL})",
    re.M,
)
ADDRESS_LEAD_RE = re.compile(
    r"^(?:为|是|在|于|系|至|到)+|位于|坐落于|地处|设在|设于|(?:地址|住所|地点|办公|注册|经营)(?:为|是|在|于)"
)
PROVINCE_RE = re.compile(PROVINCES)
ADDRESS_CUE_RE = re.compile(
    rf"((?:注册|办公|通讯|通信|联系|经营|详细)?地址|住所|办公地点|注册地)\s*[：:]\s*"
    rf"([{HAN}\dA-Za-z\-－#（）()]{{6,60}})"
)

ORG_SUFFIX_RE = re.compile(
    r"(?:集团股份有限公司|集团有限公司|股份有限公司|有限责任公司|有限公司|分公司|集团|研究院|研究所|"
    r"实验室|工作室|事务所|公司)"
)
EN_COMPANY_RE = re.compile(
    r"(?<![A-Za-z])[A-Z][A-Za-z0-9&\-]*(?:\s+[A-Z][A-Za-z0-9&\-]*){0,5},?\s+"
    r"(?:Co\.,?\s*Ltd\.?|Inc\.|LLC|Ltd\.|Limited|Corporation|Corp\.|GmbH)"
)
PRODUCT_CUE_RE = re.compile(
    rf"(产品名称|应用名称|App名称|APP名称|小程序名称|网站名称|平台名称|品牌名称|品牌|商标|产品简称|"
    rf"模型名称|服务名称)\s*(?:[：:]\s*|(?:为|是|叫|名为)\s*(?=[“「《\"『]))([“「《\"『]?)([{HAN}A-Za-z0-9·\-_ ]{{2,20}}?)"
    r"(?=[”」》\"』，,。；;、\s（()）]|$)"
)
QUOTED_RE = re.compile(rf"([《「“『\"])([{HAN}A-Za-z0-9·\-_ ]{{2,20}})([》」”』\"])")
PRODUCT_NOUN_RE = re.compile(r"^(?:App|APP|app|小程序|客户端|平台|网站|公众号|大模型)")
PRODUCT_SUFFIX_RE = re.compile(r"(?:App|APP|小程序|客户端)(?![A-Za-z])")
DOC_TITLE_RE = re.compile(
    r"(法|规定|办法|条例|意见|通知|标准|规范|指南|要求|决定|细则|制度|协议|政策|报告|内容|承诺书|说明|"
    r"清单|方案|手册|守则|公约|准则|目录|表|书|函|纲要|规则|白皮书|计划|流程|机制|情况|声明|条款|"
    r"须知|指引|规程|导则|公告|批复|证明|记录|台账|预案|文件|材料|附件|样本集|数据集)$"
)
PRODUCT_CUE_BEFORE_RE = re.compile(
    r"(?:产品名称|应用名称|品牌名称|名称|名为|简称|品牌|商标)\s*(?:[：:]|为|是|叫)?\s*$"
)

PERSON_CUES = (
    "算法安全负责人|安全负责人|主要负责人|法定代表人|法人代表|项目负责人|负责人|联系人|经办人|填报人|填表人|编制人|"
    "审核人|批准人|签字人|签署人|申请人|授权代表|代理人|董事长|总经理|首席执行官|对接人|姓名"
)
PERSON_CUE_RE = re.compile(
    rf"(?:{PERSON_CUES})(?:姓名)?\s*(?:[（(]签字[）)])?\s*(?:[：:]|为|是|由)?\s*(?=[{HAN}])"
)
ROLE_VERB_RE = re.compile(rf"(?<=[由请])([{HAN}]{{2,4}}?)(?=负责|担任|牵头|签字|签署|审核|批准|联系)")
TITLE_RE = re.compile(
    r"(?:先生|女士|同志|总监|经理|总裁|主任|部长|博士|教授|老师|工程师|律师|董事长|总经理|科长|处长)"
)
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
        "澹台",
        "西门",
        "南宫",
        "轩辕",
        "端木",
        "独孤",
        "呼延",
        "百里",
        "东郭",
        "万俟",
        "钟离",
        "申屠",
        "闻人",
        "赫连",
        "太史",
    }
)
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
    "汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易"
    "乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙"
    "鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬"
    "师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻"
    "厉伊仝郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊乌母裘"
    "亓修邰赫杭况宿鲜印逯隆茹诸战慕危玉银亢嵇湛宾戎勾茅利於呼居揭干尉冶斯束檀衣展阴昝幸奉植衡富尧"
)
# characters that end a name candidate (the next word starts): 负责, 担任, 先生, 电话 …
NAME_STOP_CHARS = set("负担任为是的同先女总经部主等和与及在已将电手联邮签身兼作系统全面")
NON_NAME_CHARS = set("的了着过们这那个么吗呢吧啊就都也还很等和与及或其之以于被把将向从对在是为有无不")
FUNCTION_CHARS = set("向于和与由为将把被对给跟同是在及请经从自")
BOUNDARY_WORDS = {
    "本",
    "该",
    "其",
    "我",
    "我们",
    "贵",
    "上述",
    "相关",
    "其他",
    "各",
    "各家",
    "手机",
    "移动",
    "官方",
    "用户",
    "下载",
    "使用",
    "访问",
    "打开",
    "登录",
    "安装",
    "注册",
    "通过",
    "调用",
    "接入",
    "委托",
    "提供",
    "运营方",
    "提供方",
    "供应商",
    "服务商",
    "合作方",
    "委托方",
    "甲方",
    "乙方",
    "开发者",
    "运营者",
    "提供者",
    "主体",
    "单位",
    "企业",
    "名称",
    "全称",
    "简称",
    "由",
    "与",
    "向",
    "和",
    "及",
    "或",
    "为",
    "是",
    "的",
    "在",
    "经",
    "对",
    "将",
    "客户",
    "部门",
    "机构",
    "测评",
    "评估",
    "检测",
    "认证",
    "签约",
    "选用",
    "采用",
    "来自",
    "依托",
    "属于",
    "隶属",
    "公司",
}
# words that belong to names but do not make a name on their own (某某科技有限公司 is not identifying)
INDUSTRY_WORDS = {
    "某",
    "某某",
    "合作",
    "外部",
    "专业",
    "第三方",
    "母",
    "子",
    "关联",
    "控股",
    "所属",
    "下属",
    "国有",
    "民营",
    "科技",
    "网络",
    "技术",
    "信息",
    "数据",
    "服务",
    "运营",
    "平台",
    "网站",
    "应用",
    "产品",
    "客户端",
    "集团",
    "智能",
    "软件",
    "互联网",
    "人工智能",
    "计算机",
    "云计算",
    "信息技术",
    "网络技术",
    "数字",
    "传媒",
    "文化",
    "电子",
    "通信",
    "系统",
}
GENERIC_NAME_WORDS = BOUNDARY_WORDS | INDUSTRY_WORDS
BOUNDARY_FLAGS = ("p", "c", "u", "r", "d", "x", "w", "y", "e", "o", "q")
NOT_NAME_VALUES = {"无", "暂无", "不适用", "同上", "待定", "待补充", "见附件", "空"}


# --------------------------------------------------------------------------------------- helpers


@lru_cache(maxsize=1)
def _posseg() -> Any:
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(60)
    return pseg


def _pos(text: str) -> list[tuple[str, str]]:
    return [(w.word, w.flag) for w in _posseg().cut(text)]


def _dict_flag(word: str) -> str | None:
    tab = _posseg().dt.word_tag_tab
    if not tab:
        _posseg().dt.initialize()
        tab = _posseg().dt.word_tag_tab
    return tab.get(word)


def _is_common_word(word: str) -> bool:
    """A dictionary word that is not a personal name (安全, 项目, 高级 …)."""
    flag = _dict_flag(word)
    return flag is not None and not flag.startswith("nr")


def _surname_len(text: str) -> int:
    if text[:2] in COMPOUND_SURNAMES:
        return 2
    return 1 if text[:1] in SURNAMES else 0


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _replace_spans(text: str, spans: Iterable[tuple[int, int, str]], session: _Session, kind: str) -> str:
    """Replace non-overlapping (start, end, value) spans, right to left."""
    chosen: list[tuple[int, int, str]] = []
    for span in sorted(set(spans)):
        if not chosen or span[0] >= chosen[-1][1]:
            chosen.append(span)
    pieces: list[str] = []
    last = 0
    placeholders = [session.placeholder(kind, value) for _, _, value in chosen]
    for (start, end, _), placeholder in zip(chosen, placeholders, strict=True):
        pieces += [text[last:start], placeholder]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _sub(
    pattern: re.Pattern[str],
    kind: str,
    key: Callable[[str], str] | None = None,
    accept: Callable[[str], bool] | None = None,
    group: int = 0,
) -> Callable[[str, _Session], str]:
    def apply(text: str, session: _Session) -> str:
        def repl(match: re.Match[str]) -> str:
            value = match.group(group).strip()
            if not value or PLACEHOLDER_RE.search(value) or (accept and not accept(value)):
                return match.group(0)
            start, end = match.start(group) - match.start(0), match.end(group) - match.start(0)
            whole = match.group(0)
            return whole[:start] + session.placeholder(kind, value, key(value) if key else None) + whole[end:]

        return pattern.sub(repl, text)

    return apply


def _digits(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


# --------------------------------------------------------------------------------------- passes


def _url_clean(text: str, session: _Session) -> str:
    def repl(match: re.Match[str]) -> str:
        value = match.group(0)
        trail = ""
        while value and value[-1] in ".,;:!?)]'":
            trail, value = value[-1] + trail, value[:-1]
        return session.placeholder("url", value, value.lower().rstrip("/")) + trail

    return URL_RE.sub(repl, text)


def _domains(text: str, session: _Session) -> str:
    def repl(match: re.Match[str]) -> str:
        value = match.group(0).rstrip(".")
        return session.placeholder("url", value, value.lower().rstrip("/")) + match.group(0)[len(value) :]

    return DOMAIN_RE.sub(repl, text)


def _code18_kind(value: str) -> str | None:
    from assistant.facts import credit_code_problem

    upper = value.upper()
    if credit_code_problem(upper) is None:
        return "credit_code"
    if ID_SHAPE_RE.match(value):
        return "id_number"
    code_shaped = sum(c.isdigit() for c in value) >= 8 and value == upper
    return "credit_code" if CREDIT_SHAPE_RE.match(upper) or code_shaped else None


def _codes18(text: str, session: _Session) -> str:
    def repl(match: re.Match[str]) -> str:
        kind = _code18_kind(match.group(0))
        if kind is None:
            return match.group(0)
        return session.placeholder(kind, match.group(0), match.group(0).upper())

    text = CREDIT_CUE_RE.sub(
        lambda m: (
            m.group(0)[: m.start(2) - m.start(0)]
            + session.placeholder("credit_code", m.group(2), m.group(2).upper())
        ),
        text,
    )
    text = CODE18_RE.sub(repl, text)
    return ID15_RE.sub(lambda m: session.placeholder("id_number", m.group(0)), text)


def _ipv6(text: str, session: _Session) -> str:
    def repl(match: re.Match[str]) -> str:
        value = match.group(0)
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            return value
        if len([g for g in value.split(":") if g]) < 2:  # std::, ::1 and the like are not addresses
            return value
        return session.placeholder("ip", value, value.lower())

    return IPV6_RE.sub(repl, text)


def _addresses(text: str, session: _Session) -> str:
    def cue_repl(match: re.Match[str]) -> str:
        value = match.group(2)
        if PLACEHOLDER_RE.search(value) or value in NOT_NAME_VALUES:
            return match.group(0)
        return match.group(0)[: match.start(2) - match.start(0)] + session.placeholder("address", value)

    def repl(match: re.Match[str]) -> str:
        value = match.group(0)
        cut = max((m.end() for m in ADDRESS_LEAD_RE.finditer(value)), default=0)
        province = PROVINCE_RE.search(value, cut)
        cut = province.start() if province else cut
        return value[:cut] + session.placeholder("address", value[cut:].strip())

    text = ADDRESS_CUE_RE.sub(cue_repl, text)
    return ADDRESS_RE.sub(repl, text)


def _name_start(text: str, end: int, max_chars: int, place_rule: bool) -> int:
    """Start of the name that ends at `end`: the run of name characters before it, cut after the last
    function word (由, 通过, 与 …) per jieba; with `place_rule`, a name containing a place name (ns) starts
    at its first place name (运营方杭州云栖 → 杭州云栖)."""
    start = end
    while (
        start > 0
        and end - start < max_chars
        and (_is_han(text[start - 1]) or text[start - 1].isalnum() or text[start - 1] in "·&（）()")
    ):
        if text[start - 1] in "（(" and ")" not in text[start:end] and "）" not in text[start:end]:
            break
        start -= 1
    tokens = _pos(text[start:end])
    keep_from = 0
    for index, (word, flag) in enumerate(tokens):
        if word in BOUNDARY_WORDS or flag.startswith(BOUNDARY_FLAGS) or PLACEHOLDER_RE.search(word):
            keep_from = index + 1
    tokens = tokens[keep_from:]
    if place_rule:
        first_place = next((i for i, (_, flag) in enumerate(tokens) if flag == "ns"), None)
        if first_place:
            tokens = tokens[first_place:]
    while tokens and tokens[0][0] in "（）()":
        tokens = tokens[1:]
    return end - sum(len(w) for w, _ in tokens)


def _is_generic(name: str) -> bool:
    words = [w for w, _ in _pos(name)]
    return all(w in GENERIC_NAME_WORDS for w in words)


def _ends_with_industry_word(name: str) -> bool:
    tokens = _pos(name)
    return len(tokens) > 1 and tokens[-1][0] in INDUSTRY_WORDS


def _company_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for match in ORG_SUFFIX_RE.finditer(text):
        start = _name_start(text, match.start(), 24, place_rule=True)
        name = text[start : match.start()]
        if len(name) < 2 or _is_generic(name) or text[start - 1 : start] == "〔":
            continue
        if match.group(0) == "公司" and not (len(name) >= 4 and _ends_with_industry_word(name)):
            continue
        spans.append((start, match.end(), text[start : match.end()]))
    spans += [(m.start(), m.end(), m.group(0)) for m in EN_COMPANY_RE.finditer(text)]
    return spans


def _companies(text: str, session: _Session) -> str:
    return _replace_spans(text, _company_spans(text), session, "company")


def _core_name(company: str) -> str | None:
    """杭州云栖智能科技有限公司 → 云栖: the name people use in running text."""
    core = ORG_SUFFIX_RE.sub("", company)
    core = re.sub(r"[（(][^）)]*[）)]", "", core)
    core = re.sub(rf"^(?:{PROVINCES})(?:省|市|自治区)?", "", core)
    core = re.sub(rf"^[{HAN}]{{2,3}}市", "", core)
    tokens = _pos(core)
    if len(tokens) > 1 and tokens[0][1] == "ns":
        core = core[len(tokens[0][0]) :]
    industry = r"(?:人工智能|互联网|计算机|云计算|信息技术|网络技术|数字|智能|科技|网络|信息|技术|数据|软件|传媒|文化|电子|通信|系统|服务|发展|实业|控股)$"
    previous = None
    while previous != core:
        previous, core = core, re.sub(industry, "", core)
    if len(core) < 2 or core in GENERIC_NAME_WORDS or _is_common_word(core):
        return None
    return core


def _known(names: Iterable[str]) -> Callable[[str, _Session], str]:
    def apply(text: str, session: _Session) -> str:
        for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
            kind = "company" if ORG_SUFFIX_RE.search(name) else "product"
            if name in text:
                placeholder = session.placeholder(kind, name)
                session.counts[kind] += text.count(name) - 1
                text = text.replace(name, placeholder)
        return text

    return apply


def _product_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for match in PRODUCT_CUE_RE.finditer(text):
        value = match.group(3).strip()
        if (
            value
            and value not in NOT_NAME_VALUES
            and not _is_generic(value)
            and not DOC_TITLE_RE.search(value)
        ):
            spans.append((match.start(3), match.start(3) + len(match.group(3).rstrip()), value))
    for match in QUOTED_RE.finditer(text):
        value = match.group(2).strip()
        after = text[match.end() : match.end() + 4]
        before = text[max(0, match.start() - 8) : match.start()]
        if DOC_TITLE_RE.search(value) or _is_generic(value) or PLACEHOLDER_RE.search(value):
            continue
        if PRODUCT_NOUN_RE.match(after) or PRODUCT_CUE_BEFORE_RE.search(before):
            spans.append((match.start(2), match.end(2), value))
    for match in PRODUCT_SUFFIX_RE.finditer(text):
        start = _name_start(text, match.start(), 8, place_rule=False)
        name = text[start : match.start()]
        if len(name) >= 2 and not _is_generic(name) and not _is_common_word(name):
            spans.append((start, match.start(), name))
    return spans


def _products(text: str, session: _Session) -> str:
    return _replace_spans(text, _product_spans(text), session, "product")


def _plausible_name(candidate: str, tagged_nr: bool = False) -> bool:
    """A surname plus one or two given-name characters that do not read as an ordinary word."""
    surname = _surname_len(candidate)
    given = candidate[surname:]
    if not surname or not 1 <= len(given) <= 2 or not all(_is_han(c) for c in candidate):
        return False
    if any(c in NON_NAME_CHARS for c in given) or _is_common_word(candidate):
        return False
    return tagged_nr or len(given) == 1 or not _is_common_word(given)


def _name_after(text: str, i: int) -> str | None:
    """The personal name starting at text[i] (after a cue word), or None."""
    surname = _surname_len(text[i:])
    if not surname:
        return None
    run = ""
    for char in text[i : i + surname + 3]:
        if not _is_han(char):
            break
        run += char
    if surname + 1 <= len(run) <= surname + 2 and (
        i + len(run) >= len(text) or not _is_han(text[i + len(run)])
    ):
        return run  # a delimited form field (联系人：张伟，) is a name whatever it looks like
    token, flag = _pos(text[i : i + 8])[0]
    if flag.startswith("nr") and surname < len(token) <= surname + 2:
        return token if _plausible_name(token, tagged_nr=True) else None
    if len(token) >= 2 and _is_common_word(token) or flag.startswith(BOUNDARY_FLAGS):
        return None
    if (
        len(run) >= surname + 2
        and run[surname + 1] not in NAME_STOP_CHARS
        and _plausible_name(run[: surname + 2])
    ):
        return run[: surname + 2]
    candidate = run[: surname + 1]
    return candidate if _plausible_name(candidate) else None


def _name_before(text: str, end: int) -> str | None:
    """The personal name ending at `end` (before a title such as 先生/总监), or None."""
    for length in (4, 3, 2):
        start = end - length
        candidate = text[max(start, 0) : end]
        if start < 0 or not _surname_len(candidate):
            continue
        if length > 2 and candidate[0] in FUNCTION_CHARS:
            continue
        tagged = any(w == candidate and f.startswith("nr") for w, f in _pos(text[start : end + 2]))
        if _plausible_name(candidate, tagged):
            return candidate
    return None


def _person_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for match in PERSON_CUE_RE.finditer(text):
        name = _name_after(text, match.end())
        if name:
            spans.append((match.end(), match.end() + len(name), name))
    for match in TITLE_RE.finditer(text):
        name = _name_before(text, match.start())
        if name:
            spans.append((match.start() - len(name), match.start(), name))
        elif match.group(0) in ("先生", "女士") and text[match.start() - 1 : match.start()] in SURNAMES:
            spans.append((match.start() - 1, match.start(), text[match.start() - 1]))
    for match in ROLE_VERB_RE.finditer(text):
        if _plausible_name(match.group(1)):
            spans.append((match.start(1), match.end(1), match.group(1)))
    return spans + _nr_spans(text, spans)


ORG_TAIL_RE = re.compile(
    "(?:" + "|".join(sorted(INDUSTRY_WORDS, key=len, reverse=True)) + ")|" + ORG_SUFFIX_RE.pattern
)
NR_CONTEXT_RE = re.compile(r"电话|手机|联系|邮箱|负责|签字|签名|身份证|先生|女士|同志|〔电话|〔邮箱|〔证件号")


def _nr_spans(text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Supplementary: jieba `nr` tokens with a surname, in a personal context (电话, 负责, 签字 … nearby)."""
    spans = []
    position = 0
    for word, flag in _pos(text):
        start, position = position, position + len(word)
        if not flag.startswith("nr") or not 2 <= len(word) <= 4 or not _surname_len(word):
            continue
        if any(s <= start < e for s, e, _ in found) or _is_common_word(word):
            continue
        if ORG_TAIL_RE.match(text, position):  # 云栖科技, 白鲸有限公司: a company, not a person
            continue
        delimited = position >= len(text) or not _is_han(text[position]) or TITLE_RE.match(text, position)
        opened = start == 0 or not _is_han(text[start - 1]) or text[start - 1] in "由向与和及请经"
        if not (delimited and opened) or not _plausible_name(word, tagged_nr=True):
            continue
        if NR_CONTEXT_RE.search(text[max(0, start - 12) : position + 12]):
            spans.append((start, position, word))
    return spans


def _persons(text: str, session: _Session) -> str:
    return _replace_spans(text, _person_spans(text), session, "person")


def _sweep(kinds: tuple[str, ...]) -> Callable[[str, _Session], str]:
    def apply(text: str, session: _Session) -> str:
        return _sweep_values(text, session, kinds)

    return apply


def _sweep_values(text: str, session: _Session, kinds: tuple[str, ...]) -> str:
    """Replace every remaining literal occurrence of names already found (and companies' short names)."""
    values: list[tuple[str, str]] = []
    for placeholder, original in list(session.mapping.items()):
        kind = session.kinds[placeholder]
        if kind not in kinds:
            continue
        spellings = [original, *session.aliases.get(placeholder, [])]
        if kind == "company":
            spellings += [c for c in map(_core_name, spellings) if c]
        values += [(s, placeholder) for s in spellings if len(s) >= 2]
    for value, placeholder in sorted(set(values), key=lambda v: -len(v[0])):
        count = text.count(value)
        if count:
            kind = session.kinds[placeholder]
            session.counts[kind] += count
            if value != session.mapping[placeholder] and value not in session.aliases.setdefault(
                placeholder, []
            ):
                session.aliases[placeholder].append(value)
            text = text.replace(value, placeholder)
    return text


def anonymize(text: str, known_names: Iterable[str] = ()) -> AnonymizeResult:
    """Replace identifying details in `text` with typed placeholders, consistently within the text."""
    session = _Session(text)
    passes: list[Callable[[str, _Session], str]] = [
        _known(known_names),
        _sub(EMAIL_RE, "email", key=str.lower),
        _url_clean,
        _sub(LLM_FILING_RE, "llm_filing"),
        _sub(ALGO_FILING_RE, "algo_filing", key=lambda v: re.sub(r"\s", "", v).rstrip("号")),
        _sub(ICP_RE, "icp", key=lambda v: re.sub(r"\s", "", v)),
        _codes18,
        _ipv6,
        _sub(IPV4_RE, "ip"),
        _sub(MOBILE_RE, "phone", key=_digits),
        _sub(LANDLINE_RE, "phone", key=_digits),
        _domains,
        _addresses,
        _companies,
        _products,
        _sweep(("company", "product")),
        _persons,
        _sweep(("company", "product", "person")),
    ]
    for apply in passes:
        text = apply(text, session)
    return AnonymizeResult(
        text, dict(session.mapping), dict(session.counts), {k: v for k, v in session.aliases.items() if v}
    )


# --------------------------------------------------------------------------------------- residual scan

_RESIDUAL: list[tuple[str, re.Pattern[str]]] = [
    ("phone", re.compile(r"(?<!\d)1[3-9]\d(?:[\s\-.·]?\d){8}(?!\d)")),
    (
        "phone",
        re.compile(r"(?<!\d)0\d{2,3}[\s\-)）]{1,2}\d{7,8}(?!\d)|(?<!\d)[48]00[\s\-]?\d{3}[\s\-]?\d{4}(?!\d)"),
    ),
    ("email", re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")),
    (
        "id_number",
        re.compile(
            r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<!\d)[1-9]\d{7}(?:0\d|1[0-2])"
            r"(?:[0-2]\d|3[01])\d{3}(?!\d)"
        ),
    ),
    (
        "credit_code",
        re.compile(r"(?<![0-9A-Za-z])(?=[0-9A-Z]*\d)(?=[0-9A-Z]*[A-Z])[0-9A-Z]{18}(?![0-9A-Za-z])"),
    ),
    ("credit_code", re.compile(r"(?:信用代码|执照号)\s*[：:为是]?\s*[0-9A-Za-z]{9,}")),
    ("algo_filing", re.compile(r"网信算备\s*[0-9A-Za-z]")),
    ("llm_filing", re.compile(r"(?<![A-Za-z0-9])[A-Za-z]+-[A-Za-z0-9]+-20\d{6}")),
    ("icp", re.compile(r"(?i)ICP\s*[备证]?\s*[:：]?\s*\d{4,}|公网安备\s*\d{6,}")),
    (
        "url",
        re.compile(
            r"(?i)(?<![a-z0-9])(?:https?|ftp)://[a-z0-9\-._~:/?#@!$&'*+,;=%]+|(?<![a-z0-9])www\.[a-z0-9\-.]+|(?<![a-z0-9\-.])[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\."
            r"(?:com|cn|net|org|io|ai|top|xyz|info|gov|edu|app|tech|cc|co|me|site|vip|shop|cloud)(?![a-z0-9])"
            r"(?!\.[a-z])"
        ),
    ),
    ("ip", re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")),
]
_RESIDUAL_NAME_RE = re.compile(
    rf"(?:负责人|联系人|法定代表人|法人代表|经办人|姓名|填报人|签字人|授权代表)\s*(?:[（(]签字[）)])?"
    rf"\s*[：:]\s*([{HAN}·]{{2,4}})(?![{HAN}])"
)
_NOT_A_PERSON_RE = re.compile(r"(部|组|委员会|中心|团队|室|处|科|办|公司|负责|待定|同上|暂无|不适用)$")


def _mask(value: str) -> str:
    value = value.strip()
    if len(value) <= 2:
        return value[0] + "*"
    keep = max(1, len(value) // 4)
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def _is_ipv6(value: str) -> bool:
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return sum(1 for group in value.split(":") if group) >= 2


def residual_scan(text: str) -> list[str]:
    """Personal data still present after anonymisation, described in Chinese with the value masked."""
    text = PLACEHOLDER_RE.sub("〔〕", text)
    findings: list[str] = []
    for kind, pattern in _RESIDUAL:
        for match in pattern.finditer(text):
            value = match.group(0)
            if kind == "ip" and not all(0 <= int(part) <= 255 for part in value.split(".")):
                continue
            findings.append(f"{KIND_NAMES[kind]}“{_mask(value)}”")
    for match in re.finditer(r"(?<![0-9A-Za-z:])[0-9A-Fa-f:]{3,39}(?![0-9A-Za-z:])", text):
        if _is_ipv6(match.group(0)):
            findings.append(f"{KIND_NAMES['ip']}“{_mask(match.group(0))}”")
    for match in _RESIDUAL_NAME_RE.finditer(text):
        name = match.group(1)
        if _surname_len(name) and not _NOT_A_PERSON_RE.search(name) and name not in NOT_NAME_VALUES:
            findings.append(f"{KIND_NAMES['person']}“{_mask(name)}”")
    return list(dict.fromkeys(findings))
