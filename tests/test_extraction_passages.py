"""The rule layer's passage reading and field placement for safety, organization and the optional blocks
(issue 16, fourth round): a heading or a line's label names the field of the passage under it; a measure
passage runs over the sentences that carry its cue; the sentence stating a measure is taken before one that
only names the topic; and a sentence that belongs to another field (a consent form's review, a unit's name,
a list of systems) is not read as a measure. Every description here is written for its test."""

from __future__ import annotations

from typing import Any

from assistant.drafting.extract import extract_facts
from assistant.drafting.extraction.passages import passages
from assistant.drafting.extraction.text import sentences
from assistant.spec import load_spec

RANKING = "青禾科技有限公司运营“青禾优选”App，属于排序精选类算法，按销量和好评为商品排序。\n"
FEED = "远帆传媒有限公司运营“远帆头条”App，属于个性化推送类算法，按阅读记录推荐文章。\n"
DISPATCH = "速达物流有限公司运营“速达司机”App，属于调度决策类算法，为货车司机派发运输订单。\n"


def facts_of(text: str) -> dict[str, Any]:
    return extract_facts(text, None, load_spec()).facts.as_dict()


def block(text: str, name: str) -> dict[str, Any]:
    return facts_of(text).get(name) or {}


# --- headings and labels ----------------------------------------------------------------------------


def test_a_markdown_heading_names_the_field_of_the_lines_under_it() -> None:
    text = (
        RANKING
        + "\n## 防刷机制\n"
        + "同一收款账户在一天内产生的多笔订单只计一次销量。被认定雇人下单的店铺，三个月内不进入任何榜单。\n"
        + "\n## 联系我们\n电话 0571-88886666。\n"
    )
    value = block(text, "ranking_rules")["anti_manipulation"]
    assert "只计一次销量" in value and "三个月内不进入任何榜单" in value  # both sentences
    assert "0571" not in value  # the next heading ends the passage


def test_a_numbered_heading_skips_an_opening_sentence_that_only_says_the_topic_matters() -> None:
    text = (
        FEED
        + "四、未成年人保护。我们一直高度重视未成年人保护。14周岁以下的账号每天只能使用1小时，晚上9点后无法登录。\n"
    )
    minors = block(text, "safety")["minors"]
    assert minors.startswith("14周岁以下") and "晚上9点后无法登录" in minors
    assert "重视" not in minors


def test_a_label_passage_stops_where_its_topic_is_no_longer_named() -> None:
    text = (
        FEED
        + "青少年：开启青少年模式后只展示科普内容。青少年模式下每天限用45分钟。评论区由机器过滤辱骂用语。\n"
    )
    minors = block(text, "safety")["minors"]
    assert "科普内容" in minors and "45分钟" in minors
    assert "辱骂" not in minors


def test_a_heading_that_names_two_topics_places_nothing_by_itself() -> None:
    text = (
        RANKING
        + "三、规则公示与防作弊\n"
        + "- 排序规则公示在App「设置—排序说明」页；\n"
        + "- 系统识别虚假交易，相关订单不计入销量。\n"
    )
    rules = block(text, "ranking_rules")
    assert "虚假交易" not in rules["published_rules"]  # the heading's passage is not one field's value
    assert "虚假交易" in rules["anti_manipulation"]


def test_passages_are_found_for_headings_and_labels_but_not_for_sentences_with_a_colon() -> None:
    text = "## 客户准入\n企业提交营业执照后开通。\n\n人工干预只有两种情况：下架和置顶。\n标签：敏感信息不作为标签。\n"
    titles = [p.title for p in passages(text, sentences(text))]
    assert titles == ["客户准入", "标签"]


# --- the measure, not the mention -------------------------------------------------------------------


def test_the_minors_measure_sentence_wins_over_an_earlier_mention() -> None:
    text = (
        FEED
        + "本次更新新增了青少年专区栏目。"
        + "系统识别为未成年人的用户，单次浏览满20分钟弹出休息提醒，22点以后不再推送。"
    )
    minors = block(text, "safety")["minors"]
    assert "20分钟" in minors and "专区" not in minors


def test_a_measure_passage_runs_over_the_sentences_that_carry_its_cue() -> None:
    text = DISPATCH + "司机连续驾驶满3小时，系统暂停派单30分钟供其休息；每日接单时长上限为11小时。"
    hours = block(text, "dispatch")["working_hours"]
    assert "30分钟" in hours and "11小时" in hours


def test_a_rider_filter_in_an_allocation_rule_is_not_the_working_hours() -> None:
    text = (
        DISPATCH
        + "系统只向连续在线不超过5小时的司机推送订单。"
        + "司机在线满5小时后必须休息20分钟，每天最多接单12小时。"
    )
    hours = block(text, "dispatch")["working_hours"]
    assert "休息20分钟" in hours and "推送订单" not in hours


def test_a_pay_formula_is_the_pay_rule() -> None:
    text = DISPATCH + "司机每单所得＝起步运费+里程费+装卸补贴，次日结算；平台不向司机收取押金。"
    assert "起步运费+里程费" in block(text, "dispatch")["pay"]


# --- personalization ----------------------------------------------------------------------------------


def test_switching_off_personalization_keeps_what_it_does() -> None:
    for switch in ("在「我的—偏好设置」里关掉个性化推送", "“个性化内容推荐”开关关闭"):
        text = FEED + f"用户可{switch}，关掉后文章改按发布时间排列。"
        opt_out = block(text, "personalization")["opt_out"]
        assert "按发布时间排列" in opt_out


def test_tag_rules_and_tag_management_are_told_apart_from_tags_as_input() -> None:
    text = (
        FEED
        + "推荐依据包括阅读时长和用户自己选择的兴趣标签。"
        + "用户可在「我的—偏好」页移除系统推断的兴趣标签。"
        + "政治倾向、疾病等信息不会被记入用户画像标签。"
    )
    personalization = block(text, "personalization")
    assert "移除系统推断的兴趣标签" in personalization["tag_management"]
    assert "疾病" in personalization["tag_rules"]


def test_diversity_is_the_policy_sentence_not_a_pipeline_step() -> None:
    text = (
        FEED
        + "候选文章经过打散后下发。"
        + "为减少同质化，同一来源的文章在一屏中最多出现1篇，另有10%的位置留给新领域。"
    )
    diversity = block(text, "personalization")["diversity"]
    assert "10%" in diversity and "打散后下发" not in diversity


def test_hiding_a_source_is_negative_feedback() -> None:
    text = FEED + "点击文章下方的“…”可屏蔽该作者。"
    assert "屏蔽该作者" in block(text, "personalization")["negative_feedback"]


# --- biometric --------------------------------------------------------------------------------------


def test_consent_for_a_face_or_voice_is_read_with_the_sentence_after_it() -> None:
    text = (
        "星图影像有限公司运营“星图”App，用户上传人脸照片生成写真。"
        + "首次使用时用户须勾选“同意”《人脸信息处理规则》才能继续；"
        + "替他人生成写真的，须上传本人签名的授权书。"
    )
    consent = block(text, "biometric")["separate_consent"]
    assert "勾选" in consent and "授权书" in consent


def test_a_tool_assessment_is_found_and_a_planned_one_is_not() -> None:
    done = (
        "声影科技有限公司运营“声影”App，可复刻用户的声音。去年我们委托测评机构对声音复刻工具完成了安全评估。"
    )
    planned = "声影科技有限公司运营“声影”App，可复刻用户的声音。我们计划明年对声音复刻工具做安全评估。"
    assert "完成了安全评估" in block(done, "biometric")["tool_assessment"]
    assert "tool_assessment" not in block(planned, "biometric")


# --- precision safeguards ---------------------------------------------------------------------------


def test_the_review_of_a_consent_form_is_not_the_human_review_of_content() -> None:
    text = (
        "星图影像有限公司运营“星图”App，用户上传人脸照片生成写真。"
        + "用他人照片时须上传其单独同意书，由人工审核通过后才能生成。"
        + "另有审核员12人负责巡查生成的图片。"
    )
    assert "审核员12人" in block(text, "safety")["human_review"]


def test_a_unit_or_a_background_named_data_security_is_no_data_security_measure() -> None:
    text = FEED + "公司设有数据安全委员会。成员均有数据安全工作经验。"
    assert "data_security" not in block(text, "safety")
    text += "用户数据加密存储，查询需经审批。"
    assert "加密存储" in block(text, "safety")["data_security"]


# --- organization -----------------------------------------------------------------------------------


def test_a_units_head_by_post_is_the_department_head() -> None:
    for sentence, head in (
        ("公司成立算法安全小组，组长为首席技术官周某。", "周某"),
        ("算法伦理委员会主任由总裁办主任吴某担任。", "吴某"),
    ):
        organization = facts_of(FEED + sentence)["organization"]
        assert organization["head"].startswith(head)


def test_an_officer_who_holds_the_units_post_heads_it_too() -> None:
    text = FEED + "专职机构为数据治理部，部门经理许某同时担任算法安全负责人。"
    facts = facts_of(text)
    assert facts["organization"]["department"] == "数据治理部"
    assert facts["organization"]["head"].startswith("许某")
    assert facts["entity"]["security_officer"]["name"] == "许某"


def test_the_department_comes_from_the_sentence_that_sets_it_up() -> None:
    text = "抄送：法务部\n" + FEED + "公司设立了内容风控中心，负责算法安全。"
    assert facts_of(text)["organization"]["department"] == "内容风控中心"


def test_a_sentence_a_heading_placed_is_not_read_by_a_sibling_or_a_general_safety_measure() -> None:
    minors = FEED + "未成年人模式：完成实名核验且未满16岁的用户自动进入该模式，每天限用1小时。\n"
    assert "real_name" not in block(minors, "safety")
    assert "1小时" in block(minors, "safety")["minors"]
    ranking = (
        RANKING
        + "三、防刷机制。平台对同一IP下集中发布的点评做识别，刷评商家本季度不得上榜。\n"
        + "四、内容安全。点评上传后经违禁词过滤。\n"
    )
    assert "违禁词过滤" in block(ranking, "safety")["input_review"]  # not the anti-manipulation sentence


def test_staff_qualifications_are_read_only_for_the_security_staff() -> None:
    for sentence, expected in (
        ("公司设有算法安全小组，成员均具备三年以上风控或法务经验。", "三年以上风控或法务经验"),
        ("算法治理委员会共6人，分别来自产品、技术和合规部门。", "产品、技术和合规部门"),
    ):
        assert expected in facts_of(FEED + sentence)["organization"]["staff_qualifications"]
    praise = FEED + "我们的研发团队拥有十年以上推荐系统经验。"
    assert "staff_qualifications" not in (facts_of(praise).get("organization") or {})


def test_full_time_and_part_time_staff_are_kept_together() -> None:
    text = FEED + "算法安全工作组现有专职4人、兼职7人。"
    assert facts_of(text)["organization"]["staff_count"] == "专职4人、兼职7人"
    text = FEED + "算法安全工作组现有专职人员3名。"
    assert facts_of(text)["organization"]["staff_count"] == "3"


def test_exif_is_an_implicit_label_and_reviews_before_storage_or_after_transcription_count() -> None:
    text = (
        "云图科技有限公司运营“云图”App，属于生成合成类算法，按文字生成图片。"
        + "生成图片的EXIF字段中写入服务提供者名称。"
        + "素材入库前由系统过滤违规图片。"
        + "生成的配音会转写成文字后复审。"
    )
    safety = block(text, "safety")
    assert "EXIF" in safety["labeling"]["implicit"]
    assert "入库前" in safety["input_review"]
    assert "复审" in safety["output_review"]


# --- questions, labels and the optional blocks read first -------------------------------------------


def test_a_question_is_never_a_value_and_an_answer_loses_its_marker() -> None:
    text = (
        FEED
        + "问：看腻了某类文章怎么办？\n答：点文章右下角的“减少推荐”即可。\n"
        + "Q：能否关掉推荐？\nA：在「设置」里把“按兴趣推荐”切换为关闭，之后首页按时间排列。\n"
    )
    personalization = block(text, "personalization")
    assert personalization["negative_feedback"].startswith("点文章右下角")
    assert personalization["opt_out"].startswith("在「设置」") and "按时间排列" in personalization["opt_out"]


def test_a_line_label_is_not_part_of_the_value_and_its_line_runs_on_with_the_fields_cues() -> None:
    text = (
        DISPATCH
        + "劳动保障：司机每驾驶4小时须休息20分钟；单日累计在线超过10小时后不再派单。夜间订单另加5元。\n"
    )
    hours = block(text, "dispatch")["working_hours"]
    assert hours.startswith("司机每驾驶4小时") and "10小时" in hours and "5元" not in hours


def test_a_sentence_an_optional_block_takes_is_not_read_again_as_a_general_safety_measure() -> None:
    support = (
        "云智科技有限公司以服务技术支持者身份向企业客户提供图像生成API。"
        + "API可在输出图片上自动添加“AI生成”角标。"
    )
    facts = facts_of(support)
    assert "角标" in facts["technical_service"]["label_support"]
    assert not (facts["safety"].get("labeling") or {}).get("explicit")
    dispatch = DISPATCH + "系统把订单指派给距离最近的司机，拒单不扣分。"
    assert "rewards_penalties" not in block(dispatch, "dispatch")  # the allocation sentence's aside


def test_customers_counted_before_the_word_and_labels_on_an_sdk_are_the_support_ability() -> None:
    text = (
        "云智科技有限公司以服务技术支持者身份提供人像处理SDK。目前约120家企业客户接入，多为影楼。"
        + "SDK内置在结果图上添加“AI处理”角标的能力。"
    )
    service = block(text, "technical_service")
    assert "120家企业客户" in service["customers"]
    assert "AI处理" in service["label_support"]


def test_processing_on_the_device_is_a_data_security_measure() -> None:
    text = "云智科技有限公司运营“云智美颜”App，对人脸照片做美颜。照片只在手机本地处理，不上传公司服务器。"
    assert "本地处理" in block(text, "safety")["data_security"]


def test_a_head_named_before_the_post() -> None:
    text = FEED + "公司设立算法安全委员会，由常务副总裁冯某任主任；算法安全负责人为合规经理严某。"
    facts = facts_of(text)
    assert facts["organization"]["head"].startswith("冯某")
    assert facts["entity"]["security_officer"]["name"] == "严某"


# --- tables and spoken topics -----------------------------------------------------------------------


def test_a_table_rows_first_cell_is_a_label() -> None:
    text = (
        FEED
        + "| 项目 | 说明 |\n|---|---|\n"
        + "| 关闭推荐 | 「设置—推荐方式」改选“通用内容”后，首页按发布时间排列 |\n"
        + "| 避免单一 | 同一栏目的文章每屏最多3篇 |\n"
    )
    personalization = block(text, "personalization")
    assert (
        personalization["opt_out"].startswith("「设置—推荐方式」") and "|" not in personalization["opt_out"]
    )
    assert personalization["diversity"] == "同一栏目的文章每屏最多3篇"


def test_a_spoken_topic_opens_a_passage_and_an_intro_naming_the_platform_is_no_rule() -> None:
    text = (
        "这是宁波优家家政有限公司做的上门保洁派单平台，属于调度决策类算法。\n"
        + "派单这块，系统按距离和技能给每位阿姨算匹配分，分高的先收到订单。\n"
        + "阿姨拿到订单金额的80%，每月5号结算。一天最多排5单。\n"
        + "算法的事由运营合规部管，部门经理宋某牵头。\n"
    )
    facts = facts_of(text)
    dispatch = facts["dispatch"]
    assert dispatch["order_allocation"].startswith("系统按距离和技能")
    assert "80%" in dispatch["pay"]
    assert "一天最多排5单" in dispatch["working_hours"]
    assert facts["organization"]["department"] == "运营合规部"


# --- the model layer on these groups ----------------------------------------------------------------


def test_the_model_is_not_asked_for_a_field_a_found_field_makes_redundant() -> None:
    from assistant.drafting.extraction.choice import choices_for

    items = sentences("所有乘客同一时段同一路线执行相同的计价标准，不因手机型号调整价格。")
    paths = ["safety.pricing_fairness", "dispatch.pricing_fairness"]
    assert "safety.pricing_fairness" in choices_for(paths, items, frozenset())
    asked = choices_for(paths, items, frozenset({"dispatch.pricing_fairness"}))
    assert "safety.pricing_fairness" not in asked


def test_a_sentence_the_rules_read_as_one_safety_measure_is_a_weak_choice_for_another() -> None:
    from assistant.drafting.extract import _claimed_by_rules
    from assistant.drafting.extraction.choice import Chosen
    from assistant.drafting.extraction.record import Found

    text = "对违规账号采取禁言、封号等处置。投诉由客服受理后转交审核组复核。"
    first, second = sentences(text)
    rules = {
        "safety.account_measures": Found("safety.account_measures", first.text, 0, 10, first.text),
        "safety.complaint.entrance": Found("safety.complaint.entrance", "客服", 20, 22, second.text),
    }
    pick = Chosen("safety.emergency_response", 1, 0, 10, first.text, "safety.emergency_response")
    assert _claimed_by_rules(pick, first, rules) == ["safety.account_measures"]
    # within a real block (the complaint mechanism) a sibling's sentence stays a fair choice
    sibling = Chosen("safety.complaint.process", 2, 17, 33, second.text, "safety.complaint.process")
    assert _claimed_by_rules(sibling, second, rules) == []
