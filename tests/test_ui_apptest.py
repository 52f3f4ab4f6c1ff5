"""The Streamlit app, page by page, through streamlit.testing (no browser): real workspace, real drafter,
real checks and export, each test in its own data directory (tests/conftest.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from docx import Document
from streamlit.testing.v1 import AppTest

from assistant.config import PROJECT_ROOT, get_settings
from assistant.store import Workspace
from tests.helpers import example_data, example_registry_warnings

APP = str(PROJECT_ROOT / "app.py")
PAGES = {
    "projects": "assistant/ui/projects.py",
    "drafting": "assistant/ui/drafting.py",
    "review": "assistant/ui/review.py",
    "chat": "assistant/ui/chat.py",
    "evaluation": "assistant/ui/evaluation.py",
    "settings": "assistant/ui/corpus_settings.py",
}
CITATION_RE = re.compile(r"《[^》]+》第[零一二三四五六七八九十百]+条")


@pytest.fixture(autouse=True)
def template_provider(monkeypatch: pytest.MonkeyPatch, isolated_environment: Path) -> None:
    monkeypatch.setenv("BEIAN_PROVIDER", "template")
    get_settings.cache_clear()


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception, at.exception
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(PAGES[page]).run()
    assert not at.exception, at.exception
    return at


def field_widget(at: AppTest, kind: str, path: str):  # noqa: ANN201 - a streamlit.testing widget
    widgets = [w for w in getattr(at, kind) if w.key and w.key.endswith(f":{path}")]
    assert widgets, f"no {kind} for {path}"
    return widgets[0]


def show_group(at: AppTest, group: str, project_id: int = 1) -> AppTest:
    """Only the chosen group of the facts form is rendered; choose it (filing, product, safety, ...)."""
    at.radio(key=f"facts.group.{project_id}").set_value(group).run()
    assert not at.exception, at.exception
    return at


def open_tab(at: AppTest, name: str, key: str = "projects.tab") -> AppTest:
    """Pages with tabs run only the open one; choose it as a click on the tab would."""
    at.session_state[key] = name
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def workspace() -> Workspace:
    return Workspace(get_settings().workspace_url)


def draft_all(at: AppTest) -> AppTest:
    goto(at, "drafting")
    at.button(key="draft.all").click().run()
    assert not at.exception, at.exception
    return at


def save_example_without(path: tuple[str, ...]) -> None:
    """A new facts version of the example project with one fact removed (as another session would save it)."""
    ws = workspace()
    project_id = ws.projects()[0]["id"]
    data = example_data()
    node = data
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    latest = ws.latest_facts(project_id)
    ws.save_facts(project_id, yaml.safe_dump(data, allow_unicode=True), latest.version)


# --- 项目 ------------------------------------------------------------------------------------------------


def test_example_project_is_created_and_shown_in_the_form() -> None:
    at = start()
    assert at.title[0].value == "项目"
    assert field_widget(at, "selectbox", "filing.algorithm_type").value == "生成合成类"
    assert "示例：灵犀写作助手" in [p["name"] for p in workspace().projects()]
    assert not at.get("file_uploader") and not at.get("download_button")  # only the open tab (the form) runs
    # the only finding on the contract example: its third-party model's invented filing number is not in the
    # published lists (a warning shown at 算法信息)
    warnings = example_registry_warnings()
    assert warnings == 1
    assert at.radio(key="facts.group.1").options == [
        "备案信息",
        "主体信息",
        "产品信息",
        "算法信息（1）",
        "安全措施",
        "算法安全机构",
    ]
    assert any("0 项阻断性问题，1 项提示" in m for m in texts(at, "markdown"))
    show_group(at, "product")
    assert field_widget(at, "text_input", "product.name").value == "灵犀写作助手"
    assert field_widget(at, "multiselect", "product.forms").value == ["App", "网站"]


def test_facts_form_validates_live_and_saves_a_new_version() -> None:
    at = show_group(start(), "safety")
    field_widget(at, "text_area", "safety.complaint.feedback_deadline").set_value("").run()
    messages = [m for m in texts(at, "markdown") if "投诉举报反馈时限" in m]
    assert messages and "缺少事实" in messages[0] and "风险防控情况" in messages[0]  # labels, not key paths
    assert "安全措施（1）" in at.radio(key="facts.group.1").options  # the group counts its problems
    show_group(at, "entity")
    field_widget(at, "text_input", "entity.credit_code").set_value("91330106MA2H7K3M8B").run()
    assert any("统一社会信用代码" in m and "校验码" in m for m in texts(at, "markdown"))
    at.button(key="facts.save.top").click().run()
    assert any("第 2 版" in s for s in texts(at, "success"))
    saved = yaml.safe_load(workspace().latest_facts(1).text)
    assert "feedback_deadline" not in saved["safety"]["complaint"]
    assert saved["entity"]["credit_code"] == "91330106MA2H7K3M8B"


def test_stale_save_shows_the_conflict_and_keeps_the_edit() -> None:
    at = show_group(start(), "product")
    field_widget(at, "text_input", "product.user_scale").set_value("注册用户约 40 万").run()
    save_example_without(("safety", "minors"))  # another session saves version 2 meanwhile
    at.button(key="facts.save.top").click().run()
    errors = texts(at, "error")
    assert any("已被其他会话更新" in e for e in errors), errors
    assert workspace().latest_facts(1).version == 2
    assert field_widget(at, "text_input", "product.user_scale").value == "注册用户约 40 万"
    at.button(key="facts.conflict.force").click().run()
    assert workspace().latest_facts(1).version == 3
    assert "注册用户约 40 万" in workspace().latest_facts(1).text


def test_list_items_can_be_added_and_are_validated() -> None:
    at = show_group(start(), "algorithm")
    next(b for b in at.button if b.label == "添加算法模型").click().run()
    assert not at.exception
    assert any("缺少事实" in m and "第 3 项" in m for m in texts(at, "markdown"))  # the new item's problems
    field_widget(at, "text_input", "algorithm.models[2].name").set_value("灵犀摘要模型").run()
    assert any("灵犀摘要模型" in e.label for e in at.expander)


def test_invalid_facts_yaml_upload_names_the_field_in_chinese() -> None:
    at = open_tab(start(), "导入/导出 YAML")

    def upload(name: str, content: bytes) -> None:
        at.file_uploader(key="facts.upload.1").set_value((name, content, "application/x-yaml")).run()

    upload("bad.yaml", "product:\n  name: [甲, 乙]\n".encode())
    errors = texts(at, "error")
    assert errors and "导入失败" in errors[0] and "产品名称" in errors[0] and "product.name" in errors[0]
    upload("broken.yaml", b"product: [\n")
    assert any("不是有效的 YAML" in e for e in texts(at, "error"))
    big = b"# " + b"x" * (get_settings().max_upload_bytes + 10)
    upload("big.yaml", big)
    assert any("过大" in e for e in texts(at, "error"))
    assert workspace().latest_facts(1).version == 1  # nothing was imported


def test_valid_facts_yaml_upload_becomes_a_new_version() -> None:
    at = open_tab(start(), "导入/导出 YAML")
    data = example_data()
    data["product"]["name"] = "灵犀写作助手专业版"
    text = yaml.safe_dump(data, allow_unicode=True).encode()
    at.file_uploader(key="facts.upload.1").set_value(("facts.yaml", text, "application/x-yaml")).run()
    at.button(key="facts.import").click().run()
    assert not at.exception
    assert workspace().latest_facts(1).version == 2
    assert at.session_state["projects.tab"] == "事实表单"  # back on the form, showing what was imported
    show_group(at, "product")
    assert field_widget(at, "text_input", "product.name").value == "灵犀写作助手专业版"


def test_fields_with_a_non_obvious_form_carry_a_hint() -> None:
    from assistant.facts import fact_hints, fact_labels

    assert set(fact_hints()) <= set(fact_labels())  # every hint belongs to a facts key
    at = show_group(start(), "product")
    assert "小程序" in field_widget(at, "text_area", "product.urls").help
    assert "未上线" in field_widget(at, "text_input", "product.launch_date").help
    assert not field_widget(at, "text_input", "product.name").help


def test_unsaved_edit_survives_other_tabs() -> None:
    at = show_group(start(), "product")
    field_widget(at, "text_input", "product.name").set_value("灵犀写作助手未保存版").run()
    open_tab(at, "导入/导出 YAML")
    open_tab(at, "事实表单")
    show_group(at, "product")
    assert field_widget(at, "text_input", "product.name").value == "灵犀写作助手未保存版"
    assert any("有未保存的修改" in w for w in texts(at, "warning"))
    assert workspace().latest_facts(1).version == 1


def test_history_restores_an_old_version_as_the_newest() -> None:
    at = start()
    show_group(at, "product")
    field_widget(at, "text_input", "product.name").set_value("灵犀写作助手二代").run()
    at.button(key="facts.save.top").click().run()
    assert workspace().latest_facts(1).version == 2
    open_tab(at, "版本历史")
    assert at.selectbox(key="facts.history.1").value == 2
    at.selectbox(key="facts.history.1").set_value(1).run()
    assert "灵犀写作助手二代" not in at.code[0].value and "灵犀写作助手" in at.code[0].value
    at.button(key="facts.restore").click().run()
    assert not at.exception, at.exception
    latest = workspace().latest_facts(1)
    assert latest.version == 3 and "灵犀写作助手二代" not in latest.text
    assert at.session_state["projects.tab"] == "事实表单"
    show_group(at, "product")
    assert field_widget(at, "text_input", "product.name").value == "灵犀写作助手"


def test_new_project_and_extraction_needs_a_model() -> None:
    at = open_tab(start(), "打开/新建项目")
    at.text_input(key="projects.new_name").set_value("新产品备案").run()
    at.button(key="projects.create").click().run()
    assert "新产品备案" in [p["name"] for p in workspace().projects()]
    assert at.session_state["project_id"] == workspace().project_id("新产品备案")
    assert at.session_state["projects.tab"] == "事实表单"
    open_tab(at, "从产品描述提取")
    at.text_area(key="extract.text.2").set_value(
        "我们的产品是一个面向中小企业的智能客服问答系统，使用第三方大模型。"
    ).run()
    at.button(key="extract.run").click().run()
    assert not at.exception, at.exception
    # without a model the rules alone run: the review appears, nothing is saved until confirmed
    assert any("提取结果（尚未保存）" in m for m in texts(at, "markdown"))
    assert workspace().latest_facts(2) is None or workspace().latest_facts(2).version == 1
    assert at.text_area(key="extract.text.2").value.startswith("我们的产品")


# --- 起草 ------------------------------------------------------------------------------------------------


def test_drafting_one_section_with_the_template_provider() -> None:
    at = goto(start(), "drafting")
    assert at.radio(key="draft.section").options[1] == ":gray[●] 算法流程 · 未起草"
    at.radio(key="draft.section").set_value("algo_flow").run()
    at.button(key="draft.one.algo_flow").click().run()
    assert not at.exception
    assert any("已起草并保存 1 个章节" in s for s in texts(at, "success"))
    editor = at.text_area(key="draft.edit.1.algo_flow.1")
    assert "灵犀写作助手" in editor.value
    assert ":green[●] 算法流程 · 通过" in at.radio(key="draft.section").options
    assert workspace().latest_drafts(1)["algo_flow"].record["provider"] == "template"
    assert any(
        e.label.startswith("《互联网信息服务算法推荐管理规定》第") for e in at.expander
    )  # sources beside it

    at.text_area(key="draft.edit.1.algo_flow.1").set_value(editor.value + "\n本段为人工补充说明。\n").run()
    at.button(key="draft.save.algo_flow").click().run()
    assert workspace().latest_drafts(1)["algo_flow"].version == 2
    html = [h.proto.body for h in at.get("html")]
    assert html and "+ 本段为人工补充说明" in html[0] and "class='ins'" in html[0]


def use_fake_model(monkeypatch: pytest.MonkeyPatch, responder) -> None:  # noqa: ANN001
    """The session drafts with the tests' fake provider, answering with `responder(messages)`."""
    from assistant.drafting.llm import PROVIDERS, Provider
    from tests.fakes import FakeLLM

    fake = PROVIDERS["fake"]
    monkeypatch.setitem(
        PROVIDERS, "fake", Provider("fake", fake.profile, lambda settings: FakeLLM(responder=responder))
    )
    monkeypatch.setenv("BEIAN_PROVIDER", "fake")
    get_settings.cache_clear()


def test_drafting_shows_a_template_fallback_with_the_discarded_model_text_and_the_calls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looping = "\n\n".join(f"【{i}】灵犀文本生成算法的输入数据{i}：文本" for i in range(1, 40))
    use_fake_model(monkeypatch, lambda messages: looping)
    at = goto(start(), "drafting")
    at.radio(key="draft.section").set_value("principle").run()
    at.button(key="draft.one.principle").click().run()
    assert not at.exception, at.exception
    record = workspace().latest_drafts(1)["principle"].record
    assert record["provenance"] == "template" and record["discarded_text"].startswith("【1】")
    captions = texts(at, "caption")
    assert any("来源：模板文本" in c and "已替换为模板文本" in c for c in captions), captions
    assert not any(c.startswith("来源：模型改写") for c in captions)
    assert any(e.label == "被替换的模型草稿（未采用）" for e in at.expander)
    assert any(looping[:40] in c.value for c in at.code)
    calls = workspace().model_calls(1, "principle")
    assert [c["round"] for c in calls] == ["generate"]
    assert any(e.label == "模型调用记录（1 次）" for e in at.expander)
    table = at.dataframe[0].value
    assert list(table["轮次"]) == ["起草（改写模板稿）"] and list(table["提供方"]) == ["测试用假模型"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", table["时间"][0])


def test_drafting_shows_model_text_with_paragraph_sources_and_repair_calls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from assistant.drafting.template_drafter import draft_section
    from tests.fakes import reworded
    from tests.helpers import facts_with

    template = draft_section(facts_with(), "risk_controls")  # the example project's facts
    complaint = next(line for line in template.splitlines() if "投诉举报：" in line)
    without = reworded(template.replace(complaint + "\n", ""))
    use_fake_model(monkeypatch, lambda messages: without)
    at = goto(start(), "drafting")
    at.radio(key="draft.section").set_value("risk_controls").run()
    at.button(key="draft.one.risk_controls").click().run()
    assert not at.exception, at.exception
    record = workspace().latest_drafts(1)["risk_controls"].record
    assert record["provenance"] == "mixed"
    captions = texts(at, "caption")
    assert any(c.startswith("来源：模型改写，部分段落由模板补入") and "模型：fake" in c for c in captions)
    rounds = [c["round"] for c in workspace().model_calls(1, "risk_controls")]
    assert rounds[0] == "generate" and rounds[1:] == [
        f"repair {n}" for n in range(1, record["repair_rounds"] + 1)
    ]
    sources = next(e for e in at.expander if e.label.startswith("逐段来源"))
    lines = [m.value for m in sources.markdown]
    assert any(m.startswith(":orange[模板]") and "投诉举报：" in m for m in lines)
    assert any(m.startswith(":blue[模型]") for m in lines)
    # the rendered preview shows the same text as the editor
    editor = at.text_area(
        key=next(k for k in at.session_state if str(k).startswith("draft.edit.1.risk_controls"))
    )
    assert complaint.strip() in editor.value
    assert any(complaint.strip()[:20] in m.value for m in at.markdown)


def test_drafting_progress_estimate() -> None:
    from assistant.ui.drafting import drafting_estimate, progress_text

    assert drafting_estimate(0, 3.0, 500) == (0.0, None)  # nothing streamed yet: no rate, no estimate
    rate, left = drafting_estimate(40, 10.0, 200)
    assert rate == 4.0 and left == 50.0
    assert "4.0 词元/秒" in progress_text(40, 10.0, 200) and "50 秒" in progress_text(40, 10.0, 200)
    assert "2 分 0 秒" in progress_text(40, 10.0, 480)


def test_local_times_follow_the_browser_zone() -> None:
    from assistant.ui.localtime import local_time, zone

    assert local_time("2026-01-02T03:04:05+00:00", zone("Asia/Shanghai")) == "2026-01-02 11:04:05"
    assert local_time("2026-01-02T03:04:05+00:00", zone("Europe/Berlin")) == "2026-01-02 04:04:05"
    assert local_time("2026-01-02T03:04:05+00:00", zone("Not/AZone")) == "2026-01-02 11:04:05"  # fallback
    assert local_time("2026-01-02T03:04:05", zone(None)) == "2026-01-02 11:04:05"  # naive stamps are UTC


def test_draft_all_passes_every_section_and_marks_missing_facts() -> None:
    at = draft_all(start())
    options = at.radio(key="draft.section").options
    assert all("通过" in o for o in options), options
    save_example_without(("safety", "complaint", "feedback_deadline"))
    at.button(key="draft.all").click().run()
    options = at.radio(key="draft.section").options
    assert any("需补充" in o for o in options), options


# --- 检查与导出 ----------------------------------------------------------------------------------------------


def test_check_page_blocks_export_when_a_fact_is_removed() -> None:
    at = draft_all(open_tab(start(), "版本历史"))
    save_example_without(("safety", "complaint", "feedback_deadline"))
    goto(at, "review")
    markdown = texts(at, "markdown")
    # Chinese labels, not key paths; one finding for the missing fact, naming the sections it affects
    assert any("阻断" in m and "缺少事实“投诉举报反馈时限”" in m and "风险防控情况" in m for m in markdown)
    assert not any("safety.complaint.feedback_deadline" in m for m in markdown)
    assert at.button(key="review.export").disabled
    assert any("导出不可用" in e for e in texts(at, "error"))
    assert any("项阻断" in e.label for e in at.expander)

    at.text_area(key="review.reason.1").set_value("太短").run()
    assert at.button(key="review.override").disabled
    at.text_area(key="review.reason.1").set_value("投诉反馈时限正在与法务确认，先导出草稿供内部审阅").run()
    at.button(key="review.override").click().run()
    assert not at.exception
    exports = sorted((get_settings().data_dir / "exports" / "project-1").glob("*/*.docx"))
    assert exports
    assert any(b.label.startswith("下载") and b.label.endswith(".docx") for b in at.get("download_button"))

    next(b for b in at.button if b.label == "修改事实：投诉举报反馈时限").click().run()
    assert at.title[0].value == "项目"
    assert any("safety.complaint.feedback_deadline" in i for i in texts(at, "info"))
    assert at.radio(key="facts.group.1").value == "safety"  # the field's group is opened
    assert field_widget(at, "text_area", "safety.complaint.feedback_deadline").value == ""


def test_check_page_links_to_the_section_and_exports_a_clean_filing() -> None:
    at = goto(start(), "review")
    next(b for b in at.button if b.label == "前往章节：风险防控情况").click().run()
    assert at.title[0].value == "起草"
    assert at.radio(key="draft.section").value == "risk_controls"

    draft_all(at)
    goto(at, "review")
    assert not at.button(key="review.export").disabled
    at.button(key="review.export").click().run()
    assert any("已导出" in s for s in texts(at, "success"))
    files = sorted((get_settings().data_dir / "exports" / "project-1").glob("*/*.docx"))
    assert len(files) >= 5
    body = "\n".join(p.text for f in files for p in Document(str(f)).paragraphs)
    assert "灵犀写作助手" in body
    labels = [b.label for b in at.get("download_button")]
    assert "下载全部（.zip）" in labels


# --- 问答 -------------------------------------------------------------------------------------------------


def test_chat_answers_with_article_citations(indexed_settings: object) -> None:
    at = goto(start(), "chat")
    at.chat_input(key="chat.input").set_value("生成合成类服务应当如何对生成内容进行标识？").run()
    assert not at.exception
    answers = [m for m in texts(at, "markdown") if CITATION_RE.search(m)]
    assert answers, texts(at, "markdown")
    assert any(CITATION_RE.fullmatch(e.label) for e in at.expander)
    history = workspace().messages(1)
    assert [m["role"] for m in history] == ["user", "assistant"] and history[1]["citations"]
    goto(at, "projects")
    goto(at, "chat")
    assert any(CITATION_RE.search(m) for m in texts(at, "markdown"))  # history is shown again


def test_chat_answers_questions_about_the_open_project(indexed_settings: object) -> None:
    """With the example project open, "我们要办哪些备案？" and "我们还缺什么？" are answered from its facts,
    check report and filing decision, not from the corpus."""
    at = goto(start(), "chat")
    at.chat_input(key="chat.input").set_value("我们要办哪些备案？").run()
    assert not at.exception
    assert any("需要办理" in m and "算法备案" in m for m in texts(at, "markdown")), texts(at, "markdown")
    assert any(e.label.startswith("〔本项目〕") for e in at.expander)
    at.chat_input(key="chat.input").set_value("我们还缺什么？").run()
    assert not at.exception
    assert any("阻断项" in m for m in texts(at, "markdown")), texts(at, "markdown")
    history = workspace().messages(1)
    assert [m["role"] for m in history] == ["user", "assistant"] * 2
    assert history[-1]["citations"][0]["source"] == "project"


# --- 设置与语料 ---------------------------------------------------------------------------------------------


def test_settings_never_render_an_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-env-secret-0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    get_settings.cache_clear()
    at = goto(start(), "settings")
    at.radio(key="settings.provider").set_value("openai").run()
    assert any("环境变量" in s for s in texts(at, "success"))
    assert secret not in repr(at.main) + repr(at.sidebar)

    typed = "sk-session-secret-9876543210"
    at.text_input(key="settings.api_key_input").input(typed).run()
    assert at.text_input(key="settings.api_key_input").value == ""
    assert any("本次会话" in s for s in texts(at, "success"))
    assert typed not in repr(at.main) + repr(at.sidebar)
    assert at.session_state["session_api_key"] == typed
    for path in get_settings().data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert typed.encode() not in content and secret.encode() not in content, path


def test_settings_show_corpus_status(indexed_settings: object) -> None:
    at = goto(start(), "settings")
    assert not at.metric  # the corpus tab runs (and opens the index) only when chosen
    open_tab(at, "语料与索引", "settings.tab")
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["法规条文"]) > 100
    assert int(metrics["索引分块"]) > 100
    at.button(key="settings.ingest").click().run()
    assert any("索引已更新" in s and "新增 0 个文件" in s for s in texts(at, "success"))


def test_settings_import_a_past_filing(
    indexed_settings: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEIAN_CORPUS_DIR", str(tmp_path / "corpus"))  # a copy: the test can see it untouched
    shutil.copytree(PROJECT_ROOT / "corpus", tmp_path / "corpus")
    get_settings.cache_clear()
    at = open_tab(goto(start(), "settings"), "导入往期备案", "settings.tab")
    filing = (
        "# 算法安全自评估报告\n\n## 1. 算法流程\n\n用户请求经过安全识别后进入推荐排序。\n\n"
        "## 2. 风险防控情况\n\n联系人：李娜，电话 13900001111。发现违法信息立即停止传输并上报。\n"
    )
    at.file_uploader(key="settings.import_file").set_value(
        ("filing.md", filing.encode(), "text/markdown")
    ).run()
    at.selectbox(key="settings.import_type").set_value("个性化推送类").run()
    at.button(key="settings.import").click().run()
    assert not at.exception, at.exception
    assert any("识别 2 个章节" in s for s in texts(at, "success")), texts(at, "error")
    stored = list(get_settings().imported_filings_dir.glob("imported-*.md"))  # user data: the data directory
    assert len(stored) == 1
    assert not list((tmp_path / "corpus").rglob("imported-*"))  # the shipped corpus gets nothing
    text = stored[0].read_text(encoding="utf-8")
    assert "李娜" not in text and "13900001111" not in text and "个性化推送类" in text


# --- 评估 -------------------------------------------------------------------------------------------------


def test_evaluation_runs_the_template_provider_and_compares_runs() -> None:
    at = goto(start(), "evaluation")
    at.multiselect(key="eval.cases").set_value(["g01-gen-sp-text-travel"]).run()
    at.multiselect(key="eval.sections").set_value(["principle", "algo_flow"]).run()
    at.button(key="eval.run").click().run()
    assert not at.exception
    assert any("评估完成" in s for s in texts(at, "success"))
    assert at.dataframe, "metrics table"
    at.multiselect(key="eval.sections").set_value(["principle"]).run()
    at.button(key="eval.run").click().run()
    assert len(workspace().eval_runs()) == 2
    assert any(m == "#### 比较两次运行" for m in texts(at, "markdown"))


@pytest.mark.parametrize("saved", [None, "product: [\n"], ids=["no-facts", "unreadable-facts"])
def test_drafting_and_review_ask_for_saved_facts(saved: str | None) -> None:
    at = start()
    ws = workspace()
    project = ws.create_project("尚无事实")
    if saved is not None:
        ws.save_facts(project, saved, None, note="损坏的版本")
    at.session_state["project_id"] = project
    for page in ("drafting", "review"):
        goto(at, page)
        assert any("尚未保存或无法读取" in w for w in texts(at, "warning")), page
    assert "review.export" not in [b.key for b in at.button]  # the page stops before the export controls


# --- 链接中的项目与章节 -------------------------------------------------------------------------------


def test_current_project_is_in_the_url_and_survives_a_new_session() -> None:
    at = start()
    assert at.query_params["project"] == "1"
    ws = workspace()
    second = ws.create_project("第二个项目")
    ws.save_facts(second, yaml.safe_dump(example_data(), allow_unicode=True), None)
    at.run()
    assert at.query_params["project"] == "1"  # a new project elsewhere does not switch this session
    at.selectbox(key="sidebar.project").set_value(second).run()
    assert at.query_params["project"] == str(second)
    # a refresh is a new session with the same URL: the same project opens, not the first one
    again = AppTest.from_file(APP, default_timeout=180)
    again.query_params["project"] = str(second)
    again.run()
    assert not again.exception, again.exception
    assert again.selectbox(key="sidebar.project").value == second
    assert again.session_state["project_id"] == second


def test_missing_project_in_the_url_says_so_and_opens_nothing() -> None:
    start()  # creates the example project
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["project"] = "99"
    at.run()
    assert not at.exception, at.exception
    errors = texts(at, "error")
    assert any("编号 99" in e and "不存在或已被删除" in e for e in errors), errors
    assert at.query_params["project"] == "99"  # the link is not silently rewritten to another project
    assert not [w for w in at.text_input if w.key and w.key.endswith(":filing.algorithm_name")]
    assert at.selectbox(key="sidebar.project").value is None
    goto(at, "drafting")
    assert any("不存在或已被删除" in e for e in texts(at, "error"))
    assert not at.get("radio")


def test_drafting_section_is_in_the_url() -> None:
    at = goto(start(), "drafting")
    at.radio(key="draft.section").set_value("risk_assessment").run()
    assert at.query_params["section"] == "risk_assessment"
    again = AppTest.from_file(APP, default_timeout=180)
    again.query_params.update(project="1", section="risk_assessment")
    again.run()
    goto(again, "drafting")
    assert again.radio(key="draft.section").value == "risk_assessment"


# --- 登录 --------------------------------------------------------------------------------------------------

AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32}


def test_no_login_by_default() -> None:
    at = start()
    assert "access.login" not in [b.key for b in at.button]
    assert at.title[0].value == "项目"


def test_configured_login_is_required_before_any_page() -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, at.exception
    assert [b.key for b in at.button] == ["access.login"]
    assert any("登录" in i for i in texts(at, "info"))
    assert not workspace().projects() or not [w for w in at.text_input if w.key]  # no project data shown
    at.user = {"is_logged_in": True, "email": "consultant@example.com"}
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "项目"
    assert "access.logout" in [b.key for b in at.button]
    assert any("consultant@example.com" in c for c in texts(at, "caption"))


def test_check_report_counts_distinct_problems_grouped_by_section_and_by_fact() -> None:
    at = open_tab(start(), "版本历史")
    save_example_without(("product", "launch_date"))  # needed by 基本情况表 and 服务情况
    at = draft_all(at)  # both sections carry a 【待补充】 marker for it
    goto(at, "review")
    count = next(m for m in at.metric if m.label == "问题")
    blocking = next(m for m in at.metric if m.label == "阻断")
    # one missing fact is one problem, however many sections it affects and markers the drafts carry
    assert int(blocking.value) == 1
    assert int(count.value) == 1 + example_registry_warnings()
    markdown = texts(at, "markdown")
    about = [m for m in markdown if "缺少事实“上线时间”" in m]
    # listed under each document it affects (自评估报告, 关联产品及功能信息), the same one finding
    assert about and all(m == about[0] for m in about)
    assert all(title in about[0] for title in ("基本情况表", "服务情况", "关联产品及功能信息"))
    assert not any("product.launch_date" in m for m in markdown)  # labels, not key paths

    open_tab(at, "按事实", key="review.view")
    assert any(e.label.startswith("上线时间：1 项阻断") for e in at.expander)
    next(b for b in at.button if b.label == "修改事实：上线时间").click().run()
    assert at.title[0].value == "项目"
    assert at.radio(key="facts.group.1").value == "product"


def test_settings_form_follows_the_registered_provider() -> None:
    """Each provider shows its registered description and only its own settings; a plug-in provider
    registered without a form (the tests' `fake`) gets its description and no form."""
    from assistant.drafting.llm import PROVIDERS

    at = goto(start(), "settings")
    for name in ("template", "local", "openai", "fake"):
        at.radio(key="settings.provider").set_value(name).run()
        assert not at.exception, at.exception
        description = PROVIDERS[name].profile.description
        assert (description != "") == (name != "fake"), name  # the built-ins describe themselves
        assert not description or any(description in c.value for c in at.caption), name
        shown = {w.key for w in at.text_input} | {w.key for w in at.radio}
        assert ("settings.openai_base_url" in shown) == (name == "openai"), name
        assert ("settings.local_model" in shown) == (name == "local"), name


def test_a_check_run_interrupted_by_a_rerun_leaves_no_stale_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """A click while the checks run stops the script midway (Streamlit raises inside `run_checks`); the next
    run must check the new drafts, not return the report of the old ones under the new key."""
    import streamlit as st

    from assistant.checking import checks
    from assistant.checking.checks import FindingKind
    from assistant.facts import load_facts
    from assistant.store import Version
    from assistant.ui import draft_status
    from tests.conftest import EXAMPLE_FACTS

    facts = load_facts(EXAMPLE_FACTS)
    st.session_state.clear()
    empty = draft_status.check_report(1, facts, {}, 1)
    assert any(f.kind == FindingKind.NOT_DRAFTED for f in empty.for_section("principle"))
    drafts = {"principle": Version(1, "算法基本原理的草稿。", "2026-01-01T00:00:00")}
    real = checks.run_checks

    def interrupted(*args: object, **kwargs: object) -> None:
        raise RuntimeError("rerun requested")

    monkeypatch.setattr(checks, "run_checks", interrupted)
    with pytest.raises(RuntimeError):
        draft_status.check_report(1, facts, drafts, 1)
    monkeypatch.setattr(checks, "run_checks", real)
    report = draft_status.check_report(1, facts, drafts, 1)
    assert report is not empty
    assert not any(f.kind == FindingKind.NOT_DRAFTED for f in report.for_section("principle"))
