"""Optional blocks read by their own evidence (issue 16, rules layer): a product of one type that also
describes another block's practice (a generative tool that also recommends by interest, a search product
with a feed, a dispatch app that ranks stores, a generative product selling an API to businesses, a face
edit) gets that block read too, by the block's strongest cues; a negated or planned mention does not make a
block apply. Every description here is written for its test."""

from __future__ import annotations

from typing import Any

from assistant.drafting.extract import extract_facts
from assistant.spec import load_spec


def facts_of(text: str) -> dict[str, Any]:
    return extract_facts(text, None, load_spec()).facts.as_dict()


PAINTER = "灵犀数字艺术有限公司运营“灵犀作图”App，属于生成合成类算法，用户输入一句描述即可生成插画。\n"


def test_a_generative_product_that_recommends_by_interest_gets_its_personalization_read() -> None:
    text = (
        PAINTER
        + "“发现”频道参考用户收藏过的画风推送其他创作者的作品。在“设置”里关闭个性化推荐后，"
        + "发现频道改为按点赞数排列。\n"
    )
    facts = facts_of(text)
    assert facts["filing"]["algorithm_type"] == "生成合成类"
    assert "改为按点赞数排列" in facts["personalization"]["opt_out"]


def test_a_negated_recommendation_does_not_make_the_personalization_block_apply() -> None:
    said = PAINTER + "发现频道按用户收藏过的画风推荐作品。看到不想看的作品，可以点“不感兴趣”把它隐藏。\n"
    denied = (
        PAINTER
        + "发现频道没有个性化推荐，所有人看到的顺序一样。看到不想看的作品，可以点“不感兴趣”把它隐藏。\n"
    )
    planned = PAINTER + "明年计划上线个性化推荐。看到不想看的作品，可以点“不感兴趣”把它隐藏。\n"
    assert "不感兴趣" in facts_of(said)["personalization"]["negative_feedback"]
    assert "personalization" not in facts_of(denied)
    assert "personalization" not in facts_of(planned)


def test_a_search_product_with_a_history_based_feed_gets_its_personalization_read() -> None:
    text = (
        "职达网络科技有限公司运营“职达搜”小程序，属于信息检索类算法，求职者输入岗位名称查询职位。\n"
        "“每日职位”栏目依据求职者浏览过的岗位推送相似职位，在卡片上点“减少推荐”后同类职位一个月内不再出现。\n"
    )
    facts = facts_of(text)
    assert "减少推荐" in facts["personalization"]["negative_feedback"]


def test_a_dispatch_app_that_ranks_stores_gets_its_ranking_rules_read_but_ranking_drivers_is_no_ranking() -> (
    None
):
    dispatch = "鲜送科技有限公司运营“鲜送”App，属于调度决策类算法，系统按距离和负载为骑手排序后把订单派给第一位骑手。\n"
    stores = "“附近餐厅”列表按距离和评分排序。对雇人刷好评的餐厅，平台清空其评分并下调排名。\n"
    assert "清空其评分" in facts_of(dispatch + stores)["ranking_rules"]["anti_manipulation"]
    assert "ranking_rules" not in facts_of(dispatch + "对雇人刷好评的餐厅，平台清空其评分。\n")


def test_a_generative_product_with_an_api_for_businesses_gets_its_technical_service_read() -> None:
    text = (
        PAINTER
        + "此外，我们以API为广告公司、电商商家等企业客户提供插画生成服务，"
        + "开通接口前须提交营业执照并说明用途，审核通过后才能调用。\n"
    )
    facts = facts_of(text)
    assert facts["filing"]["role"] == "服务提供者"
    assert facts["technical_service"]["delivery"] == ["API"]
    assert "营业执照" in facts["technical_service"]["onboarding"]
    assert "API" not in facts["product"].get("forms", [])  # the API is the technical service's delivery


def test_a_face_edit_makes_the_biometric_block_apply_but_a_denied_one_does_not() -> None:
    consent = "上传照片前须勾选“同意”，确认照片中是本人。\n"
    edits = PAINTER + "用户还可以把自拍照中的人脸融合进插画。" + consent
    denies = PAINTER + "本产品不提供人脸融合或换脸功能。" + consent
    assert "勾选" in facts_of(edits)["biometric"]["separate_consent"]
    assert "biometric" not in facts_of(denies)
