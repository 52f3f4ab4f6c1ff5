"""The anonymiser: each kind of identifying detail, consistency, no false positives, and the residual scan."""

from __future__ import annotations

import re

import pytest

from assistant.corpus.anonymize import PLACEHOLDER_RE, anonymize, residual_scan
from assistant.facts import credit_code_problem

VALID_CREDIT_CODE = "913301061000000084"


def one(text: str, kind_label: str, value: str, known_names: tuple[str, ...] = ()) -> str:
    """Anonymise, assert `value` became exactly one 〔label n〕 placeholder, return the new text."""
    result = anonymize(text, list(known_names))
    assert value not in result.text, result.text
    placeholders = [p for p, original in result.mapping.items() if original == value]
    assert len(placeholders) == 1, result.mapping
    assert re.fullmatch(rf"〔{kind_label}\d+〕", placeholders[0])
    assert placeholders[0] in result.text
    return result.text


def test_valid_credit_code_fixture() -> None:
    assert credit_code_problem(VALID_CREDIT_CODE) is None


@pytest.mark.parametrize(
    ("text", "label", "value"),
    [
        ("本服务由杭州云栖智能科技有限公司提供。", "公司", "杭州云栖智能科技有限公司"),
        ("与北京字节跳动网络技术有限公司签订协议", "公司", "北京字节跳动网络技术有限公司"),
        ("测评由中国信息通信研究院完成。", "公司", "中国信息通信研究院"),
        ("The model is provided by Acme Vision Co., Ltd. under contract.", "公司", "Acme Vision Co., Ltd."),
        ("产品名称：智写助手，上线时间 2024 年。", "产品", "智写助手"),
        ("用户可通过「灵犀写作」App 使用本功能。", "产品", "灵犀写作"),
        ("统一社会信用代码：913301061000000084。", "信用代码", VALID_CREDIT_CODE),
        ("信用代码 91330100MA2H3XKX7Q（校验位不对也要替换）", "信用代码", "91330100MA2H3XKX7Q"),
        ("身份证号 33010619900101123X，", "证件号", "33010619900101123X"),
        ("联系电话 13812345678。", "电话", "13812345678"),
        ("手机：+86 138-1234-5678", "电话", "+86 138-1234-5678"),
        ("座机 0571-88886666 转 801", "电话", "0571-88886666 转 801"),
        ("客服热线 400-123-4567。", "电话", "400-123-4567"),
        ("邮箱 zhang.wei@yunqi-ai.com。", "邮箱", "zhang.wei@yunqi-ai.com"),
        ("官网 https://www.yunqi-ai.com/about?a=1。", "网址", "https://www.yunqi-ai.com/about?a=1"),
        ("备用域名 yunqi-ai.cn 已备案", "网址", "yunqi-ai.cn"),
        ("网站备案号 浙ICP备2024012345号-1。", "ICP备案号", "浙ICP备2024012345号-1"),
        ("App 备案号 鲁ICP备2022037715号-3A。", "ICP备案号", "鲁ICP备2022037715号-3A"),
        (
            "已完成算法备案，编号网信算备330106000000000240001号。",
            "算法备案号",
            "网信算备330106000000000240001号",
        ),
        ("大模型上线编号 Beijing-YunXiu-20240301。", "大模型备案号", "Beijing-YunXiu-20240301"),
        ("服务器地址 10.12.3.45 位于机房", "IP", "10.12.3.45"),
        ("IPv6 地址 2001:db8::8a2e:370:7334 ，", "IP", "2001:db8::8a2e:370:7334"),
        (
            "注册地址为浙江省杭州市余杭区五常街道文一西路969号3号楼5层501室。",
            "地址",
            "浙江省杭州市余杭区五常街道文一西路969号3号楼5层501室",
        ),
        ("算法安全负责人：张伟，负责统筹。", "人名", "张伟"),
        ("法定代表人为欧阳明辉。", "人名", "欧阳明辉"),
        ("经办人王小明负责资料报送。", "人名", "王小明"),
        ("如有疑问请联系陈晓明女士。", "人名", "陈晓明"),
        ("由李建国总监审批上线。", "人名", "李建国"),
    ],
)
def test_each_kind_is_replaced(text: str, label: str, value: str) -> None:
    one(text, label, value)


def test_known_names_and_short_company_name() -> None:
    text = "云栖科技推出的灵犀写作面向中小企业。杭州云栖智能科技有限公司对灵犀写作负责。"
    result = anonymize(text, ["灵犀写作", "杭州云栖智能科技有限公司"])
    assert "灵犀" not in result.text and "云栖" not in result.text, result.text
    assert result.counts["product"] == 2
    company = next(p for p, v in result.mapping.items() if v == "杭州云栖智能科技有限公司")
    assert result.text.count(company) == 2  # the short name 云栖 maps to the same placeholder


def test_same_value_same_placeholder_and_distinct_values_distinct() -> None:
    text = (
        "杭州云栖智能科技有限公司与上海白鲸数据服务有限公司合作；杭州云栖智能科技有限公司负责运营。"
        "电话 138-1234-5678，又写作 13812345678；另一号码 13987654321。"
    )
    result = anonymize(text)
    assert result.text.count("〔公司1〕") == 2 and result.text.count("〔公司2〕") == 1
    phones = [p for p in result.mapping if p.startswith("〔电话")]
    assert len(phones) == 2, result.mapping  # formatting variants of one number share a placeholder
    assert result.counts["phone"] == 3 and result.counts["company"] == 3


def test_existing_placeholders_are_not_reused() -> None:
    result = anonymize("〔公司1〕委托上海白鲸数据服务有限公司提供接口。")
    assert result.mapping == {"〔公司2〕": "上海白鲸数据服务有限公司"}


NEUTRAL = [
    "依据《互联网信息服务算法推荐管理规定》第二十四条和《生成式人工智能服务管理暂行办法》第十七条，本报告附《拟公示内容》"
    "《算法安全自评估报告》《隐私政策》《用户服务协议》。",
    "本算法用于〔产品1〕App 的“智能写作”功能，输出内容标注“以下内容由人工智能生成”，用户可以关闭个性化推荐。",
    "本公司设立算法安全委员会，由首席执行官担任主任，负责人为安全管理部，项目经理负责进度，高级经理参与评审。",
    "模型在 2024 年 3 月上线，当前版本 v1.2.3，召回率 94.2%，样本约 58 万条，每批次抽检 5% 并复核，日志保存 6 个月。",
    "用户注册时须完成手机号验证；系统识别身份证号、银行卡号等敏感字段并遮盖；高峰时段增加审核人员。",
    "在非高峰时段循环播放，避免学生误认为在和真人老师交流；第三方测评机构、关联公司和子公司均不接触原始数据。",
    "第一部分 算法情况（一）算法流程 1.1 数据采集 12:30:45 开始执行，配置文件为 config.yaml 与 README.md。",
]


@pytest.mark.parametrize("text", NEUTRAL)
def test_no_false_positives_on_ordinary_filing_text(text: str) -> None:
    result = anonymize(text)
    assert result.text == text, result.mapping
    assert residual_scan(text) == []


def test_regulation_and_document_titles_survive_product_cues() -> None:
    text = "产品名称：智写助手。参照《互联网信息服务深度合成管理规定》编写《拟公示内容》，品牌：灵犀。"
    result = anonymize(text)
    assert "《互联网信息服务深度合成管理规定》" in result.text and "《拟公示内容》" in result.text
    assert set(result.mapping.values()) == {"智写助手", "灵犀"}


RESIDUAL_CASES = [
    ("13812345678", "电话"),
    ("0571-88886666", "电话"),
    ("a.b@example.com", "邮箱"),
    ("33010619900101123X", "身份证"),
    ("330106900101123", "身份证"),
    ("91330100MA2H3XKX7Q", "信用代码"),
    ("网信算备330106000000000240001号", "网信算备"),
    ("Beijing-YunXiu-20240301", "大模型"),
    ("浙ICP备2024012345号", "ICP"),
    ("https://x.example.com/a", "网址"),
    ("www.example.cn", "网址"),
    ("192.168.1.20", "IP"),
    ("fe80::1ff:fe23:4567:890a", "IP"),
    ("负责人：张伟。", "人名"),
]


@pytest.mark.parametrize(("value", "word"), RESIDUAL_CASES)
def test_residual_scan_finds_each_kind(value: str, word: str) -> None:
    findings = residual_scan(f"正文 {value} 结束")
    assert findings and any(word in f for f in findings), findings
    # values are masked in the report
    assert all(value not in f for f in findings) or len(value) <= 4


def test_residual_scan_is_clean_after_anonymize() -> None:
    text = " ".join(value for value, _ in RESIDUAL_CASES)
    assert residual_scan(anonymize(text).text) == []


def test_placeholders_themselves_are_not_residual() -> None:
    text = "〔公司1〕的〔人名1〕（〔电话1〕，〔邮箱1〕）负责人：〔人名2〕，〔IP1〕，〔ICP备案号1〕，〔算法备案号1〕"
    assert residual_scan(text) == []
    assert len(PLACEHOLDER_RE.findall(text)) == 8
