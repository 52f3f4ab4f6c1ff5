"""The rules layer reads the product, the officer and the models without taking a question, a companion app
or a duty for a name or a title (issue 16, session 4, after the unseen descriptions h08–h11). Each mechanism is
tested on two phrasings that come from no benchmark description, and with a look-alike it must not read
(precision first)."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.drafting.extract import extract_facts
from assistant.spec import load_spec

COMPANY = "宁波海曙启明数据科技有限公司（统一社会信用代码91330203MA2H7K5R3X）。\n"


def facts_of(text: str) -> dict[str, Any]:
    return extract_facts(COMPANY + text, None, load_spec()).facts.as_dict()


def _get(facts: dict[str, Any], path: str) -> Any:
    value: Any = facts
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


@pytest.mark.parametrize(
    "text",
    [
        "问：这个产品叫什么，谁在用？\n答：“票小秘”是我们面向小微企业的报销助手App，2023年3月上线。\n",
        "Q：用的是什么大模型？A：我们调用第三方的“知远大模型”，通过API接入。产品叫“票小秘”App。\n",
    ],
)
def test_a_question_word_is_never_a_name(text: str) -> None:
    facts = facts_of(text)
    assert _get(facts, "product.name") == "票小秘"
    models = [m.get("name") or "" for m in _get(facts, "algorithm.models") or []]
    assert not any("什么" in m for m in models)


def test_a_name_that_only_looks_like_a_question_is_kept() -> None:
    facts = facts_of("“问学”是我们面向中学老师的备课助手App，2022年上线。\n")
    assert _get(facts, "product.name") == "问学"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("- 快达跑腿：下单用户App + 微信小程序“快达跑腿”；骑手端为“快达骑士”App\n", "快达跑腿"),
        ("顾客在微信小程序“邻家洗衣”下单，商家端：“邻家洗衣商户版”App 接单。\n", "邻家洗衣"),
    ],
)
def test_the_companion_app_of_the_other_side_is_not_the_product(text: str, name: str) -> None:
    assert _get(facts_of(text), "product.name") == name


def test_a_product_named_after_a_side_word_elsewhere_is_still_read() -> None:
    text = "“快达跑腿”是一款同城跑腿App，骑手端与用户端共用一个账号体系。\n"
    assert _get(facts_of(text), "product.name") == "快达跑腿"


def test_only_a_companion_named_leaves_the_name_empty() -> None:
    assert _get(facts_of("司机端为“快达司机”App，用于接单。\n"), "product.name") is None


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("算法安全负责人为副总经理周某（分管风控与客服），电话0574-87654321。\n", "副总经理"),
        ("- 算法安全负责人：周某，技术副总裁，电话0574-87654321\n", "技术副总裁"),
        ("算法安全负责人：周某，首席合规官，邮箱 zhou@qiming.example.com\n", "首席合规官"),
    ],
)
def test_the_officer_title_is_a_title_not_a_duty(text: str, title: str) -> None:
    facts = facts_of(text)
    assert _get(facts, "entity.security_officer.name") == "周某"
    assert _get(facts, "entity.security_officer.title") == title


def test_a_duty_after_the_name_is_no_title() -> None:
    facts = facts_of("- 算法安全负责人：周某，负责算法备案与评估，电话0574-87654321\n")
    assert _get(facts, "entity.security_officer.name") == "周某"
    assert "备案" not in (_get(facts, "entity.security_officer.title") or "")


@pytest.mark.parametrize(
    "text",
    [
        "未成年人可以使用错题整理功能，但不能使用付费答疑。\n",
        "未成年人乘车须由监护人陪同下单。\n",
    ],
)
def test_minors_admitted_when_the_text_says_so(text: str) -> None:
    assert _get(facts_of(text), "product.minors_allowed") is True


def test_minors_both_admitted_and_denied_leave_the_field_empty() -> None:
    text = "用户须年满18周岁方可注册；未成年人乘车须由监护人代叫并同行。\n"
    assert _get(facts_of(text), "product.minors_allowed") is None


def test_not_addressing_minors_is_no_admission() -> None:
    assert _get(facts_of("本产品不面向未成年人提供服务。\n"), "product.minors_allowed") is False


def _ports(facts: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return _get(facts, f"algorithm.{key}") or []


@pytest.mark.parametrize(
    ("text", "inputs", "size", "outputs"),
    [
        (
            "上传扫描件即可识别。支持pdf、jpg格式，单个文件不超过10MB，结果可导出为docx。\n",
            {"文本": ["PDF"], "图像": ["JPG"]},
            "单个文件不超过10MB",
            {"文本": ["DOCX"]},
        ),
        (
            "可上传 mp3、wav 等格式的录音，单段最长不超过30分钟；识别后生成带时间轴的字幕视频，"
            "成品保存为 mp4 或 srt。\n",
            {"音频": ["MP3", "WAV"]},
            None,
            {"视频": ["MP4"]},
        ),
    ],
)
def test_ports_from_a_sentence_about_files(
    text: str, inputs: dict[str, list[str]], size: str | None, outputs: dict[str, list[str]]
) -> None:
    facts = facts_of(text)
    got_in = {p.get("modality"): p.get("formats") for p in _ports(facts, "inputs")}
    got_out = {p.get("modality"): p.get("formats") for p in _ports(facts, "outputs")}
    assert got_in == inputs
    assert got_out == outputs
    if size:
        assert _ports(facts, "inputs")[0].get("description") == size


def test_an_output_takes_what_is_generated_in_its_modality() -> None:
    facts = facts_of("上传一张风景照，生成10秒的延时动态视频。支持png格式，成片可导出为png或mp4。\n")
    video = [p for p in _ports(facts, "outputs") if p.get("modality") == "视频"]
    assert video and video[0].get("description") == "10秒的延时动态视频"


def test_support_without_a_file_format_is_no_port() -> None:
    facts = facts_of("支持微信、支付宝等支付方式，账单可导出为月度汇总。\n")
    assert not _ports(facts, "inputs") and not _ports(facts, "outputs")


@pytest.mark.parametrize(
    ("text", "scale"),
    [
        (
            "“票小秘”App上线三年，累计下载超过300万次，月活跃用户约12万。\n",
            "累计下载超过300万次，月活跃用户约12万",
        ),
        ("“票小秘”App上线两年，累计安装约45万台设备。\n", "累计安装约45万台设备"),
    ],
)
def test_a_running_total_is_user_scale(text: str, scale: str) -> None:
    assert _get(facts_of(text), "product.user_scale") == scale


def test_a_running_total_of_money_is_no_user_scale() -> None:
    assert _get(facts_of("“票小秘”App累计投入研发资金约2000万元。\n"), "product.user_scale") is None


def _models(facts: dict[str, Any]) -> list[dict[str, Any]]:
    return _get(facts, "algorithm.models") or []


@pytest.mark.parametrize(
    ("text", "architecture"),
    [
        ("- 到店时间预测模型：自研，梯度提升树，训练数据为近两年的到店记录约3000万条\n", "梯度提升树"),
        (
            "我们用一个基于Transformer结构的会话意图模型识别用户想办的业务，训练数据为约8万条标注对话。\n",
            "Transformer",
        ),
        ("- 相关性模型：自研双塔结构，训练数据为客服标注的6万条问答对\n", "双塔结构"),
    ],
)
def test_a_models_architecture(text: str, architecture: str) -> None:
    models = _models(facts_of(text))
    assert models and models[0].get("architecture") in (architecture, architecture.removesuffix("结构"))


def test_an_architecture_word_in_a_flow_without_a_model_is_not_read() -> None:
    facts = facts_of("流程：关键词召回 → 交叉编码器精排 → 输出前20条结果。\n")
    assert not any(m.get("architecture") for m in _models(facts))


@pytest.mark.parametrize(
    ("text", "runtime"),
    [
        (
            "用户上传的文档在解析完成后2小时内自动删除，不用于任何模型训练。\n",
            "用户上传的文档在解析完成后2小时内自动删除，不用于任何模型训练",
        ),
        (
            "录音在转写完成后7天内删除，仅用于用户回听。\n",
            "录音在转写完成后7天内删除，仅用于用户回听",
        ),
    ],
)
def test_files_deleted_after_processing_with_their_use_are_runtime_data(text: str, runtime: str) -> None:
    assert _get(facts_of("“票小秘”App。" + text), "algorithm.runtime_data") == runtime


def test_a_deletion_alone_is_no_runtime_data() -> None:
    facts = facts_of("“票小秘”App。用户上传的原始照片在识别完成后24小时内自动删除，特征值不出本地服务器。\n")
    assert _get(facts, "algorithm.runtime_data") is None


@pytest.mark.parametrize(
    ("text", "inputs", "outputs"),
    [
        (
            "- 输入：门店坐标、营业时间；骑手实时位置、在途单量\n- 输出：订单与骑手的分配方案\n",
            ["门店坐标、营业时间", "骑手实时位置、在途单量"],
            ["订单与骑手的分配方案"],
        ),
        (
            "输入数据：用户上传的PNG图片\n输出结果：去除背景后的PNG图片。\n",
            ["用户上传的PNG图片"],
            ["去除背景后的PNG图片"],
        ),
    ],
)
def test_ports_on_labelled_lines(text: str, inputs: list[str], outputs: list[str]) -> None:
    facts = facts_of(text)
    assert [p.get("description") for p in _ports(facts, "inputs")] == inputs
    assert [p.get("description") for p in _ports(facts, "outputs")] == outputs


def test_a_label_that_only_starts_like_a_port_is_not_read() -> None:
    facts = facts_of("- 输入框：位于首页顶部，支持语音\n- 输出端口：共4个\n")
    assert not _ports(facts, "inputs") and not _ports(facts, "outputs")


@pytest.mark.parametrize(
    ("text", "features"),
    [
        (
            "【三大核心功能】\n★ 智能抠图：上传即可去背景；\n★ 批量改尺寸：一次处理50张；\n★ 证件照换底：支持红蓝白三色。\n",
            ["智能抠图", "批量改尺寸", "证件照换底"],
        ),
        (
            "## 主要功能\n- 语音记账：说一句话就记一笔；\n- 账单分析：按月生成消费报告。\n",
            ["语音记账", "账单分析"],
        ),
    ],
)
def test_features_as_lines_under_a_heading(text: str, features: list[str]) -> None:
    got = _get(facts_of("“票小秘”App。\n" + text), "product.features") or []
    assert [f.get("name") for f in got] == features


def test_a_heading_over_a_sentence_of_prose_is_no_list() -> None:
    facts = facts_of("“票小秘”App。\n【功能更新】\n本次修复若干问题。\n")
    assert _get(facts, "product.features") is None


@pytest.mark.parametrize(
    ("text", "scenarios", "features"),
    [
        (
            "系统在首页的“猜你喜欢”栏目为会员推荐可能感兴趣的课程。\n",
            ["在首页的“猜你喜欢”栏目为会员推荐可能感兴趣的课程"],
            ["猜你喜欢"],
        ),
        (
            "算法用在两处：在商家后台的“智能选品”模块中向店主推荐适合上架的商品，"
            "在买家端的“好店推荐”频道为顾客展示附近的店铺。\n",
            [
                "在商家后台的“智能选品”模块中向店主推荐适合上架的商品",
                "在买家端的“好店推荐”频道为顾客展示附近的店铺",
            ],
            ["智能选品", "好店推荐"],
        ),
    ],
)
def test_a_quoted_place_where_the_algorithm_serves_is_a_scenario(
    text: str, scenarios: list[str], features: list[str]
) -> None:
    facts = facts_of("“票小秘”App。" + text)
    assert _get(facts, "product.scenarios") == scenarios
    assert [f.get("name") for f in _get(facts, "product.features") or []] == features


def test_a_quoted_page_for_an_account_setting_is_no_scenario() -> None:
    facts = facts_of("“票小秘”App。用户可以在“设置”页面为账号绑定手机号。\n")
    assert _get(facts, "product.scenarios") is None
    assert _get(facts, "product.features") is None


def _training(text: str) -> dict[str, Any]:
    return {m.get("name"): m.get("training_data") for m in _models(facts_of("“票小秘”App。" + text))}


@pytest.mark.parametrize(
    ("text", "model", "data"),
    [
        (
            "召回模型和精排模型均为自研，精排模型用约2亿条点击日志训练。\n",
            "精排模型",
            "约2亿条点击日志",
        ),
        (
            "意图识别模型与回复生成模型都由公司自研，回复生成模型用客服整理的约12万条问答对训练。\n",
            "回复生成模型",
            "客服整理的约12万条问答对",
        ),
    ],
)
def test_a_model_named_again_after_a_joint_subject_has_its_own_data(text: str, model: str, data: str) -> None:
    assert data in (_training(text).get(model) or "")


def test_data_said_of_a_joint_subject_is_no_single_models() -> None:
    models = _training("召回模型和精排模型均为自研，均用近一年的点击日志训练。\n")
    assert models and not any(models.values())
