"""The rules layer reads an algorithm's steps and its models from the structure of the text (issue 16, session
4): a sequence (numbered lines under an intro about how it works, 第一步/首先 markers, arrows, 先…再…), a
stated principle, and model sentences (a Latin model id, the base in 基于…微调, the training data and purpose,
a shorter name referring back to a longer one). Each mechanism is tested on two phrasings that come from no
benchmark description, and with a look-alike it must not read (precision first)."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.drafting.extract import extract_facts
from assistant.spec import load_spec

COMPANY = "宁波海曙启明数据科技有限公司开发运营“启明”App。"


def facts_of(text: str) -> dict[str, Any]:
    return extract_facts(text, None, load_spec()).facts.as_dict()


def algorithm_of(text: str) -> dict[str, Any]:
    return facts_of(COMPANY + text).get("algorithm", {})


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        (
            "处理流程如下：\n1. 对用户上传的发票图片做版面分析；\n2. 用票据识别模型抽取金额、日期和税号；\n"
            "3. 与税务接口返回的数据比对后输出核验结论。\n",
            [
                "对用户上传的发票图片做版面分析",
                "用票据识别模型抽取金额、日期和税号",
                "与税务接口返回的数据比对后输出核验结论",
            ],
        ),
        (
            "## 工作机制\n（1）读取会员近一年的到店记录\n（2）按门店和品类聚类生成兴趣向量\n（3）匹配当周优惠券并排序\n",
            ["读取会员近一年的到店记录", "按门店和品类聚类生成兴趣向量", "匹配当周优惠券并排序"],
        ),
    ],
)
def test_numbered_lines_under_an_intro_about_how_it_works_are_the_pipeline(
    text: str, steps: list[str]
) -> None:
    assert algorithm_of(text)["pipeline"] == steps


@pytest.mark.parametrize(
    "text",
    [
        # what users can do, numbered: no intro about how the algorithm works
        "会员享有以下权利：\n1. 在「我的—偏好」中关闭推荐；\n2. 长按卡片选择不感兴趣，减少同类推荐；\n",
        # a feature list, numbered
        "核心功能：\n1. 智能排版：自动生成段落和标题；\n2. 一键配图：根据正文推荐配图；\n",
    ],
)
def test_numbered_lists_that_are_not_about_the_algorithm_are_no_pipeline(text: str) -> None:
    assert "pipeline" not in algorithm_of(text)


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        (
            "推荐分两步。第一步，按用户关注的话题粗选出约500篇稿件；第二步，用点击率模型打分后取前20篇展示。",
            ["按用户关注的话题粗选出约500篇稿件", "用点击率模型打分后取前20篇展示"],
        ),
        (
            "算法运行时首先解析订单的起终点，然后计算每位骑手的预计到达时间，最后把订单派给得分最高的骑手。",
            ["解析订单的起终点", "计算每位骑手的预计到达时间", "把订单派给得分最高的骑手"],
        ),
    ],
)
def test_marked_steps_in_a_paragraph_are_the_pipeline(text: str, steps: list[str]) -> None:
    assert algorithm_of(text)["pipeline"] == steps


def test_an_arrow_chain_is_the_pipeline_but_a_quoted_ui_path_is_not() -> None:
    chain = "链路：语音转写 → 意图识别 → 知识库检索 → 回复生成。"
    assert algorithm_of(chain)["pipeline"] == ["语音转写", "意图识别", "知识库检索", "回复生成"]
    path = "用户可在「我的→设置→隐私→推荐管理」中关闭推荐。"
    assert "pipeline" not in algorithm_of(path)


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        # 先 … 再 …: each comma clause a step; a …后 clause sets up the next one
        (
            "系统先提取简历中的技能和年限，再用匹配模型计算与岗位的契合度，最后按契合度输出候选人名单。",
            ["提取简历中的技能和年限", "用匹配模型计算与岗位的契合度", "按契合度输出候选人名单"],
        ),
        (
            "引擎会先把菜谱向量化，从菜谱库中召回相似菜谱，然后经过口味和忌口过滤后，返回三道推荐菜。",
            ["把菜谱向量化", "从菜谱库中召回相似菜谱", "经过口味和忌口过滤后，返回三道推荐菜"],
        ),
    ],
)
def test_first_then_in_one_sentence_is_the_pipeline(text: str, steps: list[str]) -> None:
    assert algorithm_of(text)["pipeline"] == steps


@pytest.mark.parametrize(
    "text",
    [
        "用户投诉先由客服专员受理，再由法务复核，最后在5个工作日内答复。",
        "上传的图片先经过敏感图像过滤，再由审核员人工复审后才能发布。",
        "我们原先用规则推荐，后来换成了模型。",
    ],
)
def test_a_complaint_or_review_procedure_is_no_pipeline(text: str) -> None:
    assert "pipeline" not in algorithm_of(text)


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        (
            "该算法的核心原理是用图神经网络学习商品之间的共购关系，据此估计用户对新商品的兴趣。",
            "用图神经网络学习商品之间的共购关系，据此估计用户对新商品的兴趣",
        ),
        (
            "工作原理：将语音切分为音素序列，再由声学模型逐帧合成波形。",
            "将语音切分为音素序列，再由声学模型逐帧合成波形",
        ),
    ],
)
def test_a_stated_principle_is_the_summary(text: str, summary: str) -> None:
    assert algorithm_of(text)["summary"] == summary


@pytest.mark.parametrize(
    ("text", "name", "base"),
    [
        ("XiaoYun-Chat-13B 是我们在 Qwen2-7B 的基础上继续预训练得到的。", "XiaoYun-Chat-13B", "Qwen2-7B"),
        (
            "我们的 Doc-Embed-v2 基于开源的 bge-base-zh 模型训练，用于文档向量检索。",
            "Doc-Embed-v2",
            "bge-base-zh",
        ),
    ],
)
def test_a_latin_model_id_and_the_base_it_was_made_from(text: str, name: str, base: str) -> None:
    models = algorithm_of(text)["models"]
    assert [m.get("name") for m in models] == [name]
    assert models[0]["base_model"] == base


@pytest.mark.parametrize(
    ("text", "name", "base"),
    [
        ("意图识别模型基于开源的ERNIE模型微调，用于理解乘客的用车需求。", "意图识别模型", "ERNIE"),
        ("商品图像分类模型以开源的ResNet模型为基座训练而成。", "商品图像分类模型", "ResNet"),
    ],
)
def test_the_model_a_model_was_fine_tuned_from_is_its_base_not_a_model(
    text: str, name: str, base: str
) -> None:
    models = algorithm_of(text)["models"]
    assert [m.get("name") for m in models] == [name]
    assert models[0]["base_model"] == base


def test_a_latin_word_without_size_or_making_is_no_model() -> None:
    text = "页面使用 Vue-Router 管理路由，接口文档见 api-docs.v1。"
    assert "models" not in algorithm_of(text)


@pytest.mark.parametrize(
    ("text", "data"),
    [
        (
            "评分模型为自研，训练语料为三年来的客服对话约80万轮，以及外购的行业问答2万条。",
            "三年来的客服对话约80万轮，以及外购的行业问答2万条",
        ),
        ("我们自研了菜品识别模型，它用门店实拍的约12万张菜品照片训练而成。", "门店实拍的约12万张菜品照片"),
    ],
)
def test_a_models_training_data_is_the_models(text: str, data: str) -> None:
    algorithm = algorithm_of(text)
    assert algorithm["models"][0]["training_data"] == data
    assert data in algorithm["training_data"]  # the only model's data is the algorithm's too


def test_with_several_models_each_keeps_its_own_training_data() -> None:
    text = (
        "摘要模型基于开源的mT5模型微调，训练数据为授权新闻稿约40万篇；"
        "标题打分模型为自研，训练数据为编辑标注的6万组标题对。"
    )
    algorithm = algorithm_of(text)
    data = {m["name"]: m.get("training_data") for m in algorithm["models"]}
    assert data == {"摘要模型": "授权新闻稿约40万篇", "标题打分模型": "编辑标注的6万组标题对"}
    assert "training_data" not in algorithm  # neither sentence is the algorithm's as a whole


def test_vague_data_is_no_training_data() -> None:
    algorithm = algorithm_of("纠错模型是用标注数据微调的。")
    assert "training_data" not in algorithm["models"][0]


@pytest.mark.parametrize(
    ("text", "purpose"),
    [
        ("另外自研了一个风格迁移模型，专门用来把照片转成水彩画风格。", "把照片转成水彩画风格"),
        ("价格异常检测用的是自研的时序预测模型。", "价格异常检测"),
    ],
)
def test_what_a_model_is_for(text: str, purpose: str) -> None:
    assert algorithm_of(text)["models"][0]["purpose"] == purpose


def test_a_shorter_name_refers_back_to_the_longer_one() -> None:
    text = (
        "系统先用召回模型取出候选，再由深度排序模型打分。"
        "排序模型使用近半年的点击和收藏日志约5亿条训练，每周更新。"
    )
    models = {m["name"]: m for m in algorithm_of(text)["models"]}
    assert "排序模型" not in models
    assert models["深度排序模型"]["training_data"] == "近半年的点击和收藏日志约5亿条"


def test_provenance_comes_from_the_models_own_segment() -> None:
    text = "先用自研的粗排模型筛掉大部分候选，再由精排模型打分；精排模型基于开源模型微调。"
    models = {m["name"]: m for m in algorithm_of(text)["models"]}
    assert models["粗排模型"]["provenance"] == "自研"
    assert models["精排模型"]["provenance"] == "基于开源模型微调"


def test_the_supplier_of_a_bought_model_is_not_the_own_company() -> None:
    text = (
        "“晴川笔记”由武汉晴川软件有限公司开发。写作能力来自我们采购的“北辰大模型”，"
        "由北京北辰智算科技有限公司提供接口服务。"
    )
    facts = facts_of(text)
    assert facts["entity"]["name"] == "武汉晴川软件有限公司"
    assert facts["algorithm"]["models"][0]["provider"] == "北京北辰智算科技有限公司"


# --- product, entity and filing facts on labelled lines and in defining sentences ---------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("· 主体：宁波海曙启明数据科技有限公司\n· 产品名称：云图识花（App＋小程序）\n", "云图识花"),
        ("## 概况\n- 产品：拾贝笔记，网页版和 App 同步\n", "拾贝笔记"),
    ],
)
def test_a_labelled_product_name(text: str, name: str) -> None:
    assert facts_of(text)["product"]["name"] == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("「声声慢」由杭州声声慢文化传媒有限公司倾力打造，是一款有声书 App。", "声声慢"),
        ("绘影工坊由成都绘影数字科技有限公司开发，上线于2023年。", "绘影工坊"),
    ],
)
def test_a_product_made_by_the_company_is_named_before_it(text: str, name: str) -> None:
    facts = facts_of(text)
    assert facts["product"]["name"] == name
    assert facts["entity"]["name"].endswith("有限公司")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (COMPANY + "\n算法名称：启明摘要生成算法\n", "启明摘要生成算法"),
        (COMPANY + "\n- 算法：启明植物识别算法，信息检索类\n", "启明植物识别算法"),
    ],
)
def test_a_labelled_algorithm_name(text: str, name: str) -> None:
    assert facts_of(text)["filing"]["algorithm_name"] == name


def test_a_label_that_names_a_kind_is_no_algorithm_name() -> None:
    assert "algorithm_name" not in facts_of(COMPANY + "\n算法：推荐算法\n").get("filing", {})


@pytest.mark.parametrize(
    ("text", "name", "title"),
    [
        (COMPANY + "\n安全负责人：首席技术官 钱某，qian@example.com\n", "钱某", "首席技术官"),
        (COMPANY + "\n### 算法安全负责人\n冯某（合规总监），电话 0574-88001234\n", "冯某", "合规总监"),
    ],
)
def test_a_labelled_security_officer(text: str, name: str, title: str) -> None:
    officer = facts_of(text)["entity"]["security_officer"]
    assert (officer["name"], officer["title"]) == (name, title)


@pytest.mark.parametrize(
    ("text", "audience"),
    [
        (COMPANY + "\n- 目标用户：中小学教师、教研员\n", "中小学教师、教研员"),
        (COMPANY + "\n- 服务对象：跨境电商卖家；注册商家约2万\n", "跨境电商卖家"),
        (COMPANY + "\n- 面向中小学教师\n", "面向中小学教师"),  # a bulleted line is an item, not a heading
    ],
)
def test_a_labelled_or_bulleted_audience(text: str, audience: str) -> None:
    assert facts_of(text)["product"]["audience"] == audience


def test_a_user_count_after_a_label_is_no_audience() -> None:
    assert "audience" not in facts_of(COMPANY + "\n- 用户：注册用户约31万\n")["product"]


@pytest.mark.parametrize("text", ["本次由公司作为服务提供者首次申请备案。", "这是公司第一次办理算法备案。"])
def test_a_first_filing_in_other_words(text: str) -> None:
    assert facts_of(COMPANY + text)["filing"]["filing_kind"] == "首次备案"


@pytest.mark.parametrize(
    ("text", "scale"),
    [
        ("目前周活跃创作者约3万。", "周活跃创作者约3万"),
        ("装机用户约120万、日活跃用户约9万。", "装机用户约120万"),
    ],
)
def test_user_scale_by_an_active_or_installed_population(text: str, scale: str) -> None:
    assert scale in facts_of(COMPANY + text)["product"]["user_scale"]


def test_features_listed_on_the_intros_own_line() -> None:
    text = COMPANY + "\n- 四个功能：拍照识花、养护提醒、病害诊断、花友社区\n- 2023年5月上线\n"
    names = [f["name"] for f in facts_of(text)["product"]["features"]]
    assert names == ["拍照识花", "养护提醒", "病害诊断", "花友社区"]


# --- data ports ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "补全结果经去重后，再返回编辑器。",
        "情感分类模型输出正负面概率，运营人员据此复盘。",
    ],
)
def test_a_destination_or_a_models_intermediate_score_is_no_output(text: str) -> None:
    assert "outputs" not in algorithm_of(text)


@pytest.mark.parametrize(
    ("text", "inputs", "outputs"),
    [
        (
            "用户用语音说出想吃的口味和预算，点餐助手就会生成三套搭配方案。",
            "想吃的口味和预算",
            "三套搭配方案",
        ),
        (
            "老师通过网页粘贴课文段落，系统便生成分层阅读题和参考答案。",
            "课文段落",
            "分层阅读题和参考答案",
        ),
    ],
)
def test_ports_from_how_a_user_speaks_or_pastes_and_what_an_assistant_makes(
    text: str, inputs: str, outputs: str
) -> None:
    algorithm = algorithm_of(text)
    assert algorithm["inputs"][0]["description"] == inputs
    assert algorithm["outputs"][0]["description"] == outputs


@pytest.mark.parametrize(
    ("text", "inputs"),
    [
        (
            "系统根据乘客的出发地、目的地和历史行程，先匹配附近车辆，再计算预计到达时间。",
            "乘客的出发地、目的地和历史行程",
        ),
        ("第一步，依据学生的错题记录和答题时长，挑出薄弱知识点。", "学生的错题记录和答题时长"),
        ("想要一组新头像？只需上传3张清晰正脸照，几分钟即可完成。", "3张清晰正脸照"),
    ],
)
def test_what_the_system_works_from_and_a_subjectless_upload_are_inputs(text: str, inputs: str) -> None:
    assert algorithm_of(text)["inputs"][0]["description"] == inputs


def test_rules_the_system_follows_are_no_input() -> None:
    assert "inputs" not in algorithm_of("系统根据国家有关规定，对涉及未成年人的内容做特殊处理。")


@pytest.mark.parametrize(
    ("text", "modality"),
    [
        ("用户录制一段1分钟的朗读音频，系统据此复刻音色。", "语音"),
        ("用户上传一段口述的会议录音，系统输出会议纪要。", "语音"),
        ("用户上传背景音乐，系统输出混音后的音频。", "音频"),
    ],
)
def test_speech_is_told_from_sound_in_general(text: str, modality: str) -> None:
    assert algorithm_of(text)["inputs"][0]["modality"] == modality


@pytest.mark.parametrize(
    ("text", "audience"),
    [
        ("我们希望让每一位独立设计师和小型工作室都能用上专业级排版。", "独立设计师和小型工作室"),
        ("帮助广大县域商户也能做出好看的商品图。", "县域商户"),
    ],
)
def test_those_the_product_lets_do_something_are_its_audience(text: str, audience: str) -> None:
    assert facts_of(COMPANY + text)["product"]["audience"] == audience


def test_a_plain_audience_statement_wins_over_a_slogan() -> None:
    text = COMPANY + "让每一位摄影爱好者都能修出大片。本产品面向年满18周岁的用户。"
    assert "年满18周岁的用户" in facts_of(text)["product"]["audience"]


@pytest.mark.parametrize(
    ("text", "scale"),
    [
        ("上线一年已服务超过80万用户。", "超过80万用户"),
        ("内测期间已有约3千名受邀开发者。", "约3千名受邀开发者"),
    ],
)
def test_a_counted_population_is_the_user_scale(text: str, scale: str) -> None:
    assert scale in facts_of(COMPANY + text)["product"]["user_scale"]


@pytest.mark.parametrize(
    ("text", "data"),
    [
        (
            "聊天记录保存90天，用于纠纷处理，不用于训练模型；网络日志留存六个月。",
            "聊天记录保存90天，用于纠纷处理，不用于训练模型",
        ),
        ("用户浏览日志保存3个月后删除，网络日志另行留存。", "用户浏览日志保存3个月后删除"),
    ],
)
def test_users_data_kept_for_a_time_is_the_runtime_data(text: str, data: str) -> None:
    assert algorithm_of(text)["runtime_data"] == data


@pytest.mark.parametrize("text", ["日志保存半年。", "人工调整记录保存三年，供审计使用。"])
def test_bare_logs_and_records_of_staff_actions_are_no_runtime_data(text: str) -> None:
    assert "runtime_data" not in algorithm_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "“听潮电台”是一款音频App。我们的“听潮电台个性化推荐算法”已完成备案。",
        "「知途问答」是问答社区，本次备案「知途问答内容过滤算法」。",
    ],
)
def test_an_algorithm_named_after_the_product_is_no_variant_of_its_name(text: str) -> None:
    result = extract_facts(COMPANY.replace("“启明”App", "该产品") + text, None, load_spec())
    assert not any(f.data.get("field") == "产品名称" for f in result.findings)
    assert result.facts.as_dict()["filing"]["algorithm_name"].endswith("算法")
