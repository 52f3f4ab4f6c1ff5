"""The deterministic extraction layer's general mechanisms (issue 16, third round): the specific algorithm
class, the officer and the department head told apart, complaint entrances in any quotes, data ports read
from verbs, models named by their role, and clause rules that keep to the sentence's subject. Each test
states a description written for it and the facts it must (and must not) yield."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.drafting.extract import extract_facts
from assistant.drafting.extraction.findings import TYPE_CONTRADICTED
from assistant.spec import load_spec

COMPANY = "杭州云帆网络科技有限公司开发运营“云帆”App。"


def rules_only(text: str) -> Any:
    return extract_facts(text, None, load_spec())


def facts_of(text: str) -> dict[str, Any]:
    return rules_only(text).facts.as_dict()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # search words alone: the current specific class, not the regulation's umbrella
        ("用户在搜索框输入关键词，系统检索房源并按相关度排序返回搜索结果，还可按价格筛选。", "信息检索类"),
        # filtering of unwanted content as the product itself
        ("平台的内容过滤算法识别评论中的垃圾信息和违规内容识别结果，自动过滤广告引流评论。", "内容过滤类"),
        # a stated class wins over the keyword count, also written as 「…算法」
        (
            "我们使用信息检索算法，对房源标题和地址建立索引，用户输入关键词后返回房源列表并可过滤。",
            "信息检索类",
        ),
        # the umbrella only when it is what the description says
        ("本产品属于检索过滤类算法，用户搜索职位、按条件筛选，搜索结果按相关度排序。", "检索过滤类"),
        # a negated statement and a plan are no statement, and plans add no evidence
        (
            "本产品不属于个性化推送类。用户搜索商品后按相关度返回搜索结果。我们计划明年上线个性化推荐和推送。",
            "信息检索类",
        ),
    ],
)
def test_the_suggested_algorithm_type_is_the_specific_current_class(text: str, kind: str) -> None:
    assert facts_of(COMPANY + text)["filing"]["algorithm_type"] == kind


def test_a_member_of_the_stated_umbrella_type_is_no_contradiction() -> None:
    text = (
        COMPANY
        + "备案类型是检索过滤类。用户输入关键词搜索，检索结果按相关度排序，搜索框支持联想，可以查询和筛选。"
    )
    assert not [f for f in rules_only(text).findings if f.kind == TYPE_CONTRADICTED]


def test_the_security_officer_is_not_the_department_head() -> None:
    # the officer named as such, in the department's sentence: officer only, no head
    facts = facts_of(COMPANY + "公司设有信息安全部，共 8 人，安全负责人为技术总监李明（电话 13812345678）。")
    assert facts["entity"]["security_officer"]["name"] == "李明"
    assert facts["organization"]["department"] == "信息安全部"
    assert "head" not in facts["organization"]
    # a unit's own head and the named officer in one sentence: each to its field
    facts = facts_of(COMPANY + "算法安全工作由风控中心负责，风控中心负责人钱某，安全负责人为首席安全官吴某。")
    assert facts["organization"]["head"].startswith("钱某")
    assert facts["entity"]["security_officer"] == {"name": "吴某", "title": "首席安全官"}
    # the head alone is proposed as the officer, for review
    result = rules_only(COMPANY + "公司的算法委员会由 CTO 刘某牵头，成员共 7 人。")
    assert result.facts.organization.head.startswith("刘某")
    assert result.facts.organization.department == "算法委员会"
    assert "entity.security_officer.name" in result.uncertain


@pytest.mark.parametrize(
    ("sentence", "entrance"),
    [
        ('用户可通过App内"我的-帮助与反馈"提交投诉举报。', '"我的-帮助与反馈"'),
        ("用户可以在 App“我的-客服中心-投诉建议”反馈问题。", "“我的-客服中心-投诉建议”"),
        ("商家可以通过 App 内的“在线客服”投诉。", "“在线客服”"),
    ],
)
def test_a_complaint_entrance_is_found_in_any_quotes(sentence: str, entrance: str) -> None:
    assert entrance in facts_of(COMPANY + sentence)["safety"]["complaint"]["entrance"]


def test_data_ports_are_read_from_the_users_and_the_systems_verbs() -> None:
    text = COMPANY + "求职者在首页搜索框里输入职位、技能或公司名，系统返回职位列表。"
    algorithm = facts_of(text)["algorithm"]
    assert algorithm["inputs"] == [{"description": "职位、技能或公司名"}]
    assert algorithm["outputs"] == [{"description": "职位列表"}]
    # an elided subject after a comma, a trailing 后, and one modality for the whole phrase
    text = (
        COMPANY
        + "货主填写起终点和货物类型后，系统根据司机位置排序，返回报价和车型。用户输入关键词、筛选条件。"
    )
    algorithm = facts_of(text)["algorithm"]
    assert algorithm["inputs"] == [{"description": "起终点和货物类型"}]
    assert algorithm["outputs"] == [{"description": "报价和车型"}]
    text = COMPANY + "用户输入品牌、车型或关键词后即可搜索。"
    assert facts_of(text)["algorithm"]["inputs"] == [
        {"description": "品牌、车型或关键词", "modality": "文本"}
    ]


def test_identity_papers_and_complaints_are_no_data_ports() -> None:
    text = COMPANY + (
        "司机需上传驾驶证和行驶证完成认证。用户在 App 内提交投诉。用户上传的照片先经过审核。用户输入手机号登录。"
    )
    assert "inputs" not in facts_of(text).get("algorithm", {})


def test_models_named_by_their_role_with_base_and_provenance() -> None:
    text = COMPANY + (
        "结合相关度计算和向量召回模型对房源排序。向量召回模型基于开源的BERT模型微调，用于理解查询意图。"
        "图像识别模型基于开源的YOLOv8改进，文本分类模型是在开源RoBERTa模型上用标注数据微调的。"
        "排序模型是我们自己研发的梯度提升树模型。"
    )
    result = rules_only(text)
    models = result.facts.as_dict()["algorithm"]["models"]
    # a name by role is likely not the registered name: proposed for review, its provenance is found
    assert "algorithm.models[0].name" in result.uncertain
    assert "algorithm.models[0].base_model" not in result.uncertain
    by_name = {m.get("name"): m for m in models}
    assert set(by_name) == {"向量召回模型", "图像识别模型", "文本分类模型", "排序模型"}
    assert by_name["向量召回模型"]["base_model"] == "BERT"
    # each base goes to the model named nearest before it in its sentence
    assert by_name["图像识别模型"]["base_model"] == "YOLOv8"
    assert by_name["文本分类模型"]["base_model"] == "RoBERTa"
    assert by_name["文本分类模型"]["provenance"] == "基于开源模型微调"
    assert by_name["排序模型"]["provenance"] == "自研"  # 自己研发; 梯度提升树模型 is what it is


def test_a_model_only_passed_through_is_no_model_entry() -> None:
    text = (
        COMPANY
        + "提示词先经过敏感词过滤，生成的文案再经过内容安全模型审核后才展示。该模型和算法模型都很重要。"
    )
    assert "models" not in facts_of(text).get("algorithm", {})


def test_a_clause_keeps_to_its_subject_and_takes_the_measures_after_a_purpose() -> None:
    text = COMPANY + (
        "训练数据来自平台历史搜索日志约200万条，经过脱敏处理。用户数据加密存储，访问需经审批并留痕。"
        "为了防止商家刷单刷好评，系统识别同一设备的异常下单，并对涉事商品降低排序权重。"
        "对多次违规的用户，系统会限制其使用生成功能，情节严重的封禁账号。"
    )
    safety = facts_of(text)["safety"]
    # a sentence about training data is no data-security measure; the measures run to the sentence's end
    assert safety["data_security"] == "用户数据加密存储，访问需经审批并留痕"
    assert safety["account_measures"] == "系统会限制其使用生成功能，情节严重的封禁账号"


def test_a_purpose_clause_is_followed_by_its_measures() -> None:
    text = "杭州云帆网络科技有限公司运营“云帆好物”排行榜 App，按销量排名，每周发布榜单。" + (
        "为了防止商家刷单刷好评，系统识别同一设备的异常下单，并降低排序权重。"
    )
    assert "降低排序权重" in facts_of(text)["ranking_rules"]["anti_manipulation"]


def test_dispatch_rules_prefer_the_specific_statement() -> None:
    text = "成都快达科技有限公司开发“快达跑腿”App，提供同城跑腿和派车服务，注册骑手约 4 万人。" + (
        "系统在 3 公里内筛选候选骑手，按距离排序后向骑手推送订单。"
        "运费由起步价和里程费构成，骑手的配送费由基础费和距离加价组成。"
        "系统按预计到达时间和服务分综合排序。服务分只依据准时率和顾客评价计算。"
        "我们不会根据用户的历史下单情况对同一距离收取不同的费用。"
    )
    result = rules_only(text)
    facts = result.facts.as_dict()
    dispatch = facts["dispatch"]
    assert "筛选候选骑手" in dispatch["order_allocation"]  # not the company sentence's 派车服务
    assert dispatch["pay"].startswith("骑手的配送费")  # the rider's pay, not the customer's 运费
    assert dispatch["rewards_penalties"].startswith("服务分只依据")
    assert "不同的费用" in dispatch["pricing_fairness"]
    assert "pricing_fairness" not in facts["safety"]  # the dispatch block holds it
    # a population with its size is the user scale and says the product serves people
    assert facts["product"]["user_scale"] == "注册骑手约 4 万人"
    assert facts["filing"]["role"] == "服务提供者"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("安居找房是杭州安居网络科技有限公司开发运营的租房信息搜索App，2023年上线。", "安居找房"),
        ("北京途达智行科技有限公司开发的“途达配送”是一个面向同城商家的即时配送调度系统。", "途达配送"),
        ("职引是合肥职引信息技术有限公司的招聘 App（也有网站）。", "职引"),
    ],
)
def test_a_name_defined_as_the_product_is_its_name(text: str, name: str) -> None:
    assert facts_of(text)["product"]["name"] == name


def test_a_pronoun_or_a_mere_subject_is_no_product_name() -> None:
    facts = facts_of("我们是杭州云帆网络科技有限公司。目前是一个租房 App，用户可以搜索房源。")
    assert "name" not in facts.get("product", {})
    # a definition reaches no further than its clause
    facts = facts_of("杭州云帆网络科技有限公司开发运营。目标用户是中小企业，我们开发了一款记账 App。")
    assert "name" not in facts.get("product", {})


def test_form_words_in_content_nouns_and_plans_for_a_part_are_not_product_facts() -> None:
    text = COMPANY + (
        "截至2025年6月用户发布的文案约 65 万篇，用于撰写商品文案、公众号推文和短视频脚本。产品于2024年3月20日上线。"
        "我们计划明年上线个性化推荐功能，目前还没有做。"
    )
    product = facts_of(text)["product"]
    assert product["forms"] == ["App"]  # 公众号推文 is content
    assert product["launch_date"] == "2024-03-20"  # the planned feature does not make the product 未上线


def test_contacts_deadlines_logs_and_counted_items() -> None:
    text = COMPANY + (
        "用户也可以拨打热线0755-86001234举报，审核团队会在30分钟内核查。"
        "用户搜索日志保存 3 个月，网络日志留存不少于六个月。"
        "产品提供四项功能：一键美颜，自动磨皮；AI 换脸，替换面部。"
    )
    facts = facts_of(text)
    complaint = facts["safety"]["complaint"]
    assert complaint["contact"] == "热线 0755-86001234"  # the text's own label, not an invented one
    assert complaint["feedback_deadline"] == "30分钟内"
    assert facts["safety"]["log_retention"] == "网络日志留存不少于六个月"
    assert [f["name"] for f in facts["product"]["features"]] == ["一键美颜", "AI 换脸"]  # not 四项


def test_a_technical_supporters_customers_onboarding_and_label_support() -> None:
    text = (
        "武汉声谷智能科技有限公司主要面向企业客户提供语音合成技术服务，我们属于服务技术支持者，不直接向个人用户提供服务。"
        "企业客户可以通过API接口或离线SDK调用，目前合作企业客户约180家，主要是有声读物和智能客服厂商。"
        "客户提交文本，平台返回合成的语音文件，支持MP3、WAV格式。我们不提供声音克隆功能。"
        "客户开通服务前需要提交营业执照，说明具体使用场景，经合规部门审核后才开通接口。"
        "SDK提供添加语音提示的接口。如有问题可以发送邮件至compliance@shenggu.example.cn，我们在5个工作日内答复。"
        "合规部有4名专职人员，合规总监刘某为算法安全负责人。"
    )
    facts = facts_of(text)
    service = facts["technical_service"]
    assert service["customers"] == "目前合作企业客户约180家，主要是有声读物和智能客服厂商"
    assert service["onboarding"].startswith("客户开通服务前需要提交营业执照")
    assert service["label_support"] == "SDK提供添加语音提示的接口"
    # formats named in the segment after the output phrase belong to it
    assert facts["algorithm"]["outputs"] == [
        {"description": "合成的语音文件", "modality": "音频", "formats": ["MP3", "WAV"]}
    ]
    assert "声音克隆" not in [f["name"] for f in facts["product"].get("features", [])]  # 不提供…功能
    assert "compliance@shenggu.example.cn" in facts["safety"]["complaint"]["contact"]  # 如有问题: a complaint
    assert facts["safety"]["complaint"]["feedback_deadline"] == "5个工作日内"
    # the name before the role: 合规总监刘某为算法安全负责人
    assert facts["entity"]["security_officer"] == {"name": "刘某", "title": "合规总监"}


def test_a_deadline_is_no_complaint_process_but_a_handling_step_is() -> None:
    text = COMPANY + "用户可以通过“举报”按钮投诉举报，平台承诺在受理后3个工作日内反馈处理结果。"
    assert "process" not in facts_of(text)["safety"]["complaint"]
    text = COMPANY + "举报受理后，审核团队会在30分钟内核查，处理结果通过站内信告知举报人。"
    assert "站内信告知" in facts_of(text)["safety"]["complaint"]["process"]


def test_training_on_logs_is_training_data() -> None:
    text = COMPANY + "召回模型和排序模型均为公司自主研发，使用平台近180天脱敏后的用户行为日志训练。"
    assert "用户行为日志训练" in facts_of(text)["algorithm"]["training_data"]


def test_the_works_a_writing_tool_is_used_for_are_its_scenarios() -> None:
    text = COMPANY + "产品用于商品详情页文案、公众号推文、短视频脚本和营销海报标语的撰写。"
    assert facts_of(text)["product"]["scenarios"] == [
        "商品详情页文案",
        "公众号推文",
        "短视频脚本",
        "营销海报标语",
    ]


def test_a_unit_charged_with_security_and_its_manager_as_officer_and_head() -> None:
    text = (
        "重庆山语网络科技有限公司运营“山语社区”，这是一个以户外徒步为主题的论坛网站和App。"
        "用户发表评论时，评论先用违禁词表匹配。违禁词表目前约2.3万条，每周更新。算法输入为评论文本，输出为“通过、拦截”两种结果。"
        "社区的算法安全工作由技术部负责，技术部经理赵某担任算法安全负责人。"
    )
    facts = facts_of(text)
    assert facts["product"]["name"] == "山语社区"  # “X”，这是一个…网站和App
    assert facts["safety"]["feature_library"] == "违禁词表目前约2.3万条，每周更新"  # its size and its update
    assert "output_review" not in facts["safety"]  # 输出为“通过、拦截” defines the output
    assert facts["organization"]["department"] == "技术部"
    assert facts["organization"]["head"] == "赵某（技术部经理）"
    assert facts["entity"]["security_officer"]["name"] == "赵某"


def test_ride_hailing_dispatch_statements() -> None:
    text = "青岛畅行出行科技有限公司开发的“畅行约车”是一款网约车App。" + (
        "乘客在App中输入上车点和目的地后，平台为乘客匹配最合适的司机并自动派单。"
        "车费由起步费、里程费和时长费组成。平台向司机收取每单车费的15%作为信息服务费。"
        "同一行程对新老乘客收取相同的价格。司机服务分由乘客评分、完单率和投诉情况构成。"
    )
    facts = facts_of(text)
    assert facts["algorithm"]["inputs"] == [{"description": "上车点和目的地"}]
    dispatch = facts["dispatch"]
    assert dispatch["pay"] == "平台向司机收取每单车费的15%作为信息服务费"
    assert dispatch["rewards_penalties"] == "司机服务分由乘客评分、完单率和投诉情况构成"
    assert dispatch["pricing_fairness"] == "同一行程对新老乘客收取相同的价格"


def test_a_heading_is_no_value_and_a_list_marker_is_not_part_of_one() -> None:
    """三、规则公示与防操纵 names the topic of the items under it; the items hold the facts, without their "- "."""
    text = (
        COMPANY
        + "\n三、规则公示与防操纵\n- 排序规则公示在App「我的—设置—排序规则」；\n"
        + "- 人工干预仅限下架问题商品，须经运营总监审批，系统自动记录操作人和时间。\n"
    )
    written = [str(found.value) for found in rules_only(text).sources.values()]
    assert not any("规则公示与防操纵" in v for v in written)
    assert not any(v.startswith("-") for v in written)
    assert any("人工干预仅限下架问题商品" in v for v in written)


# --- fourth round (rules4): mechanisms the h04–h07 misses showed -------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "name", "title"),
    [
        # a long title, and two titles joined by 兼, before the name
        ("算法安全负责人为副总裁兼首席合规官周某（电话 13812345678）。", "周某", "副总裁兼首席合规官"),
        (
            "算法安全工作由信息安全部负责，负责人为首席信息安全官孙某，电话 021-12345678。",
            "孙某",
            "首席信息安全官",
        ),
        # another post first, then the officer's role: 担任组长并作为…负责人
        (
            "公司成立了算法治理小组，由运营副总裁郑某担任组长并作为算法安全负责人，成员共5人。",
            "郑某",
            "运营副总裁",
        ),
    ],
)
def test_the_security_officer_behind_a_long_title_or_another_post(
    sentence: str, name: str, title: str
) -> None:
    officer = facts_of(COMPANY + sentence)["entity"]["security_officer"]
    assert (officer["name"], officer["title"]) == (name, title)


def test_the_groups_leader_who_is_also_the_officer_heads_the_department() -> None:
    text = COMPANY + "公司成立了算法治理小组，由运营副总裁郑某担任组长并作为算法安全负责人，成员共5人。"
    assert facts_of(text)["organization"]["head"].startswith("郑某")
    # being the officer alone does not make one the head
    text = COMPANY + "公司设有信息安全部，共 8 人，安全负责人为技术总监李明。"
    assert "head" not in facts_of(text)["organization"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a quoted name that is the subject of its own launch
        ("“青禾优选”于2023年5月8日上线，用户可通过App下单。杭州青禾电子商务有限公司负责运营。", "青禾优选"),
        # a bracketed aside between the name and what it is defined as
        (
            "青禾优选是杭州青禾电子商务有限公司（统一社会信用代码：91330100MA2H3K4L5M，地址：杭州市西湖区文三路1号）"
            "于2021年推出的生鲜电商App。",
            "青禾优选",
        ),
    ],
)
def test_the_product_name_from_its_launch_or_past_an_aside(text: str, name: str) -> None:
    assert facts_of(text)["product"]["name"] == name


def test_a_quoted_phrase_before_a_year_without_a_launch_is_no_name() -> None:
    text = "平台承诺“最快30分钟送达”，于2024年被评为示范企业。"
    assert "name" not in facts_of(text).get("product", {})


@pytest.mark.parametrize(
    ("sentence", "address"),
    [
        ("公司注册地址：江苏省南京市鼓楼区中山北路100号8楼。", "江苏省南京市鼓楼区中山北路100号8楼"),
        (
            "杭州云帆网络科技有限公司（地址：浙江省杭州市西湖区文三路1号A座）于2020年推出该App。",
            "浙江省杭州市西湖区文三路1号A座",
        ),
        (
            "公司住所为浙江省杭州市余杭区五常街道文一西路998号5楼。",
            "浙江省杭州市余杭区五常街道文一西路998号5楼",
        ),
    ],
)
def test_the_companys_address_after_its_label(sentence: str, address: str) -> None:
    assert facts_of(COMPANY + sentence)["entity"]["address"] == address


def test_a_delivery_or_web_address_is_not_the_companys() -> None:
    text = COMPANY + "收货地址：浙江省杭州市西湖区文三路1号。H5商城地址为 https://m.example.com 。"
    assert "address" not in facts_of(text).get("entity", {})


def test_a_bracketed_ordinal_is_not_part_of_a_list_item() -> None:
    text = COMPANY + "App提供（1）文本配音、（2）声音复刻、（3）数字人口播等功能。"
    assert [f["name"] for f in facts_of(text)["product"]["features"]] == [
        "文本配音",
        "声音复刻",
        "数字人口播",
    ]


def test_features_listed_under_a_heading_line() -> None:
    text = (
        COMPANY
        + "\n主要功能：\n- 智能选题：输入关键词生成选题；\n- 文案改写：一键改写；\n- 封面生成：生成封面图。\n"
    )
    assert [f["name"] for f in facts_of(text)["product"]["features"]] == ["智能选题", "文案改写", "封面生成"]


def test_a_form_word_inside_a_document_title_is_no_form() -> None:
    text = "“云帆”是一款写作App。我们通过接口调用第三方大模型，双方签署了《大模型API服务合作协议》。"
    assert "API" not in facts_of(text)["product"]["forms"]


def test_a_port_word_that_is_a_subject_introduces_no_data() -> None:
    text = COMPANY + "用户输入和模型输出都要经过敏感词审核；输入命中的直接拒答，输出命中的拦截后不展示。"
    algorithm = facts_of(text).get("algorithm", {})
    assert "inputs" not in algorithm and "outputs" not in algorithm
    # the verb with its object still is one
    text = COMPANY + "用户输入目的地和天数，系统返回逐日行程建议。"
    algorithm = facts_of(text)["algorithm"]
    assert algorithm["inputs"][0]["description"].startswith("目的地")
    assert algorithm["outputs"][0]["description"].startswith("逐日行程建议")


def test_a_quoted_column_name_is_a_place_not_the_item() -> None:
    text = COMPANY + "算法用于两个场景：用户搜索时的结果排序，以及首页“每日推荐”栏目的内容排序。"
    scenarios = facts_of(text)["product"]["scenarios"]
    assert "每日推荐" not in scenarios
    assert scenarios == ["结果排序", "内容排序"]


def test_systems_named_in_a_list_of_established_rules() -> None:
    text = (
        COMPANY + "公司已建立算法机制机理审核、数据安全管理、安全事件应急处置等制度，每季度开展一次自评估。"
    )
    assert facts_of(text)["organization"]["systems"] == [
        "算法机制机理审核",
        "数据安全管理",
        "安全事件应急处置",
    ]


@pytest.mark.parametrize(
    ("sentence", "name"),
    [("公司法定代表人何某，注册资本100万元。", "何某"), ("法定代表人：王建国。", "王建国")],
)
def test_the_legal_representative_after_its_label(sentence: str, name: str) -> None:
    assert facts_of(COMPANY + sentence)["entity"]["legal_representative"] == name


def test_no_legal_representative_without_a_name() -> None:
    text = COMPANY + "法定代表人负责公司整体合规工作。"
    assert "legal_representative" not in facts_of(text).get("entity", {})


def test_an_input_with_two_verbs_and_a_bracketed_aside_keeps_its_formats() -> None:
    text = COMPANY + "用户输入或上传文案（txt、docx，单次不超过1万字），选择音色后生成配音。"
    port = facts_of(text)["algorithm"]["inputs"][0]
    assert port["description"].startswith("文案（txt、docx，单次不超过1万字）")
    assert port["formats"] == ["TXT", "DOCX"]
    assert port["modality"] == "文本"


def test_a_role_named_model_restated_by_its_proper_name_takes_that_name() -> None:
    text = (
        COMPANY
        + "召回后由排序模型打分。排序模型采用自研的XGBoost梯度提升树模型，每周训练一次。排序模型的特征包括销量。"
    )
    names = [m["name"] for m in facts_of(text)["algorithm"]["models"]]
    assert names == ["XGBoost梯度提升树模型"]
    # a restatement without a proper name stays one model under its role name
    text = COMPANY + "排序模型是我们自己研发的梯度提升树模型，用于商品排序。"
    assert [m["name"] for m in facts_of(text)["algorithm"]["models"]] == ["排序模型"]


def test_speech_recognition_is_no_input_review() -> None:
    text = COMPANY + "语音输入先经语音识别转成文字。用户输入经关键词过滤后才交给模型。"
    assert facts_of(text)["safety"]["input_review"].startswith("用户输入经关键词过滤")


def test_the_library_is_taken_where_it_is_described() -> None:
    text = COMPANY + "用户输入和模型输出都要经过敏感词库审核，敏感词库约3万条，每周更新一次。"
    assert facts_of(text)["safety"]["feature_library"] == "敏感词库约3万条，每周更新一次"


def test_the_library_without_a_count_is_also_taken_where_it_is_the_subject() -> None:
    text = COMPANY + "评论要经过违禁词库过滤，违禁词库由运营团队每周更新。"
    assert facts_of(text)["safety"]["feature_library"] == "违禁词库由运营团队每周更新"


def test_a_quoted_algorithm_name_is_the_filings_algorithm_name() -> None:
    text = "关于“云帆图文推荐算法”变更备案的情况说明\n" + COMPANY
    assert facts_of(text)["filing"]["algorithm_name"] == "云帆图文推荐算法"
    # a quoted kind of algorithm is no name
    text = COMPANY + "平台使用“推荐算法”为用户排序内容。"
    assert "algorithm_name" not in facts_of(text).get("filing", {})
