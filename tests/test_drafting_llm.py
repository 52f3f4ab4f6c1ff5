"""The LLM drafting path against a real OpenAI-protocol server on loopback: streaming, retries, the
draft → check → repair loop, the deterministic fill, and prompt injection."""

from __future__ import annotations

import re

import pytest

from assistant.config import get_settings
from assistant.drafting.draft import Drafter, clean_output, echo_ratio
from assistant.drafting.llm import LLMError, Message, OpenAICompatibleLLM, RetryPolicy
from assistant.drafting.template_drafter import draft_section
from assistant.runtime import Runtime
from tests.fakes import FakeLLM, reworded
from tests.helpers import facts_with
from tests.openai_server import Fault, OpenAITestServer


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    with OpenAITestServer() as srv:
        monkeypatch.setenv("BEIAN_OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("BEIAN_OPENAI_MODEL", "test-model")
        monkeypatch.setenv("BEIAN_LLM_TIMEOUT", "20")
        get_settings.cache_clear()
        yield srv


def _no_sleep(_: float) -> None:
    return None


def _llm(retry: int = 4) -> OpenAICompatibleLLM:
    return OpenAICompatibleLLM(get_settings(), RetryPolicy(attempts=retry), sleep=_no_sleep)


def test_streaming_completion(server: OpenAITestServer) -> None:
    server.state.responder = lambda body: "这是一段流式返回的中文草稿，用于测试。"
    pieces: list[str] = []
    text = _llm().complete([Message("user", "你好")], on_token=pieces.append)
    assert text == "这是一段流式返回的中文草稿，用于测试。"
    assert len(pieces) > 1 and "".join(pieces) == text
    assert server.state.requests[-1]["stream"] is True
    assert server.state.requests[-1]["model"] == "test-model"


def test_429_with_retry_after_is_retried(server: OpenAITestServer) -> None:
    delays: list[float] = []
    server.state.faults = [Fault("status", 429, retry_after="3"), Fault("status", 503)]
    server.state.responder = lambda body: "第三次成功。"
    llm = OpenAICompatibleLLM(get_settings(), RetryPolicy(attempts=4), sleep=delays.append)
    assert llm.complete([Message("user", "x")]) == "第三次成功。"
    assert delays[0] == 3.0 and len(delays) == 2 and len(server.state.requests) == 3


def test_timeout_is_retried_then_reported(server: OpenAITestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEIAN_LLM_TIMEOUT", "1.5")
    get_settings.cache_clear()
    server.state.faults = [Fault("sleep", seconds=4), Fault("sleep", seconds=4)]
    with pytest.raises(LLMError) as info:
        _llm(retry=2).complete([Message("user", "x")])
    assert "超时" in str(info.value)
    server.state.faults = [Fault("sleep", seconds=4)]
    server.state.responder = lambda body: "恢复。"
    assert _llm(retry=2).complete([Message("user", "x")]) == "恢复。"


def test_client_errors_are_not_retried(server: OpenAITestServer) -> None:
    server.state.faults = [Fault("status", 401)]
    with pytest.raises(LLMError, match="API Key"):
        _llm().complete([Message("user", "x")])
    assert len(server.state.requests) == 1


def test_openai_draft_all_runs_and_records(server: OpenAITestServer) -> None:
    facts = facts_with()

    def respond(body):  # noqa: ANN001, ANN202
        prompt = body["messages"][-1]["content"]
        title = re.search(r"“(.+?)”一节", prompt).group(1)
        from assistant.spec import load_spec

        return draft_section(facts, load_spec().section(title).id)

    server.state.responder = respond
    rt = Runtime(get_settings())
    saved = []
    records = Drafter(rt, "openai").draft(facts, on_saved=saved.append)
    llm_sections = [r for r in records.values() if r.provider == "openai"]
    assert len(llm_sections) >= 14 and all(not r.needs_review and r.repair_rounds == 0 for r in llm_sections)
    assert {r.section for r in saved} == set(records)
    record = records["risk_controls"]
    assert record.model == "test-model" and len(record.prompt_hash) == 16
    assert any(s["kind"] == "article" for s in record.sources)
    assert "generate" in record.timings


def test_repair_loop_feeds_check_messages_back(server: OpenAITestServer) -> None:
    facts = facts_with()
    good = draft_section(facts, "risk_controls")
    replies = [good.replace("自受理之日起 7 个工作日内", "尽快"), good]
    server.state.responder = lambda body: replies.pop(0)
    rt = Runtime(get_settings())
    record = Drafter(rt, "openai").draft(facts, ["风险防控情况"])["risk_controls"]
    assert record.repair_rounds == 1 and not record.needs_review
    repair_prompt = server.last_user_message()
    assert "投诉举报反馈时限" in repair_prompt and "检查发现的问题" in repair_prompt


def test_fill_from_template_when_repairs_fail() -> None:
    facts = facts_with()
    bad = "本产品设有投诉渠道，效果行业领先，准确率 99%。"
    rt = Runtime(get_settings())
    record = Drafter(rt, "fake", FakeLLM(replies=[bad, bad, bad])).draft(facts, ["risk_controls"])[
        "risk_controls"
    ]
    assert record.needs_review and record.filled_from_template and record.repair_rounds == 2
    assert "行业领先" not in record.text and "99%" not in record.text
    assert "自受理之日起 7 个工作日内" in record.text
    assert not [c for c in record.checks if c["blocking"]]


def test_missing_fact_is_marked_even_if_the_model_omits_it() -> None:
    facts = facts_with(lambda d: d["safety"]["complaint"].pop("feedback_deadline"))
    text = draft_section(facts, "risk_controls").replace(
        "【待补充：投诉举报反馈时限（safety.complaint.feedback_deadline）】", "合理期限"
    )
    rt = Runtime(get_settings())
    record = Drafter(rt, "fake", FakeLLM(replies=[text, text, text])).draft(facts, ["risk_controls"])[
        "risk_controls"
    ]
    assert "【待补充：投诉举报反馈时限（safety.complaint.feedback_deadline）】" in record.text


def test_echoed_prompt_is_not_taken_for_a_draft() -> None:
    facts = facts_with()
    rt = Runtime(get_settings())
    fake = FakeLLM(responder=lambda messages: messages[-1].content)  # repeats its prompt
    record = Drafter(rt, "fake", fake).draft(facts, ["principle"])["principle"]
    assert "可用的事实" not in record.text and "<data>" not in record.text
    assert record.needs_review and record.filled_from_template
    assert echo_ratio("甲乙丙丁戊己庚辛\n新的一行文字内容", "甲乙丙丁戊己庚辛") == 0.5


def test_clean_output_strips_scaffolding() -> None:
    raw = "```markdown\n以下是草稿：\n算法基本原理\n可用的事实（只能使用）：\n<data>\n正文第一段。\n</data>\n```"
    assert clean_output(raw, "算法基本原理") == "正文第一段。\n"


def test_clean_output_keeps_the_sections_own_sub_headings() -> None:
    raw = "# 算法基本原理\n## 概述\n**要点**：正文。\n### 1. 输入数据\n\n输入为文本。"
    assert clean_output(raw, "算法基本原理") == "概述\n要点：正文。\n### 1. 输入数据\n\n输入为文本。\n"


def test_failed_section_does_not_stop_the_others(
    server: OpenAITestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = facts_with()
    monkeypatch.setenv("BEIAN_LLM_CONCURRENCY", "1")
    monkeypatch.setenv("BEIAN_LLM_MAX_RETRIES", "1")
    get_settings.cache_clear()
    server.state.faults = [Fault("status", 500)]
    server.state.responder = lambda body: draft_section(facts, "purpose")
    rt = Runtime(get_settings())
    records = Drafter(rt, "openai").draft(facts, ["principle", "purpose"])
    assert records["principle"].error and "内部错误" in records["principle"].error
    assert records["purpose"].error is None and records["purpose"].text


def test_degenerate_repetition_falls_back_to_the_template() -> None:
    facts = facts_with()
    looping = "\n\n".join(f"【{i}】灵犀文本生成算法的输入数据{i}：文本" for i in range(1, 40))
    rt = Runtime(get_settings())
    fake = FakeLLM(replies=[looping])
    record = Drafter(rt, "fake", fake).draft(facts, ["principle"])["principle"]
    assert len(fake.calls) == 1  # no repair round spent on unusable output
    assert record.text == draft_section(facts, "principle")
    assert record.discarded_text.startswith("【1】") and record.needs_review
    assert not [c for c in record.checks if c["blocking"]]


def test_a_draft_still_failing_after_repairs_is_replaced() -> None:
    facts = facts_with()
    invented = draft_section(facts, "purpose") + "\n\n本算法于 2019 年获得 3 项专利。"
    rt = Runtime(get_settings())
    record = Drafter(rt, "fake", FakeLLM(replies=[invented] * 3)).draft(facts, ["purpose"])["purpose"]
    assert "2019" not in record.text and "专利" not in record.text
    assert not [c for c in record.checks if c["blocking"]] and record.needs_review


def test_the_model_rewrites_the_template_draft_and_owns_its_text() -> None:
    facts = facts_with()
    template = draft_section(facts, "purpose")
    fake = FakeLLM(replies=[reworded(template)])
    record = Drafter(Runtime(get_settings()), "fake", fake).draft(facts, ["purpose"])["purpose"]
    prompt = fake.calls[0][-1].content
    assert "底稿" in prompt and template.strip().splitlines()[0] in prompt  # the template draft is the input
    assert record.provenance == "model" and set(record.paragraphs) == {"model"}
    assert len(record.paragraphs) == len([line for line in record.text.splitlines() if line.strip()])
    assert record.discarded_text == "" and not record.needs_review


def test_template_fill_is_labelled_per_paragraph() -> None:
    facts = facts_with()
    template = draft_section(facts, "risk_controls")
    complaint = next(line for line in template.splitlines() if "投诉举报：" in line)
    text = reworded(template.replace(complaint + "\n", ""))  # the model left out the complaint channel
    record = Drafter(Runtime(get_settings()), "fake", FakeLLM(replies=[text] * 3)).draft(
        facts, ["risk_controls"]
    )["risk_controls"]
    lines = [line.strip() for line in record.text.splitlines() if line.strip()]
    by_line = dict(zip(lines, record.paragraphs, strict=True))
    assert record.provenance == "mixed" and record.discarded_text == ""
    assert by_line[complaint.strip()] == "template"  # added back from the template
    # in its place: within its group, before the next heading, not appended at the end
    group = next(
        line for line in reversed(template.split(complaint)[0].splitlines()) if line.startswith("（")
    )
    next_heading = next(line for line in template.split(complaint)[1].splitlines() if line.startswith("（"))
    assert record.text.index(group) < record.text.index(complaint.strip()) < record.text.index(next_heading)
    body = [line for line in lines if not line.startswith("（")]  # headings are kept as they are
    assert by_line[body[0]] == "model" and [by_line[line] for line in body].count("template") < len(body) / 2


def test_a_template_fallback_is_never_labelled_a_model_draft() -> None:
    facts = facts_with()
    looping = "\n\n".join(f"【{i}】灵犀文本生成算法的输入数据{i}：文本" for i in range(1, 40))
    record = Drafter(Runtime(get_settings()), "fake", FakeLLM(replies=[looping])).draft(facts, ["principle"])[
        "principle"
    ]
    assert record.text == draft_section(facts, "principle")
    assert record.provenance == "template" and set(record.paragraphs) == {"template"}
    assert record.discarded_text.startswith("【1】")  # the model's text stays viewable
    assert record.provider == "fake"  # the provider that was tried, for the log; the text is the template's


def test_removing_an_invented_sentence_keeps_the_model_label_and_says_so() -> None:
    facts = facts_with()
    invented = reworded(draft_section(facts, "purpose")) + "\n\n本算法于 2019 年获得 3 项专利。"
    record = Drafter(Runtime(get_settings()), "fake", FakeLLM(replies=[invented] * 3)).draft(
        facts, ["purpose"]
    )["purpose"]
    assert "2019" not in record.text and record.provenance == "model"
    assert any("2019" in note for note in record.filled_from_template) and record.needs_review


def test_every_model_call_is_logged_with_its_round(tmp_path) -> None:  # noqa: ANN001
    from assistant.store import Workspace

    facts = facts_with()
    good = draft_section(facts, "risk_controls")
    bad = good.replace("自受理之日起 7 个工作日内", "尽快")
    ws = Workspace(f"sqlite:///{tmp_path / 'w.db'}")
    pid = ws.create_project("日志")
    fake = FakeLLM(replies=[bad, bad, good])
    record = Drafter(
        Runtime(get_settings()), "fake", fake, on_call=lambda call: ws.log_model_call(pid, call.model_dump())
    ).draft(facts, ["risk_controls"])["risk_controls"]
    calls = ws.model_calls(pid, "risk_controls")
    assert (
        [c["round"] for c in calls]
        == ["generate", "repair 1", "repair 2"]
        == [
            "generate",
            *(f"repair {n}" for n in range(1, record.repair_rounds + 1)),
        ]
    )
    assert [c["response"] for c in calls] == [bad, bad, good]
    assert calls[1]["prompt"][-1]["content"] == fake.calls[1][-1].content  # the exact prompt sent
    assert all(c["provider"] == "fake" and c["model"] == "fake" and c["seconds"] >= 0 for c in calls)
    assert sum(c["completion_tokens"] for c in calls) == record.tokens["completion"]
    assert record.tokens["calls"] == 3


def test_openai_calls_are_logged_with_server_token_counts(server: OpenAITestServer, tmp_path) -> None:  # noqa: ANN001
    from assistant.store import Workspace

    facts = facts_with()
    good = reworded(draft_section(facts, "risk_controls"))
    replies = [good.replace("自受理之日起 7 个工作日内", "尽快"), good]
    server.state.responder = lambda body: replies.pop(0)
    ws = Workspace(f"sqlite:///{tmp_path / 'w.db'}")
    pid = ws.create_project("接口")
    record = Drafter(
        Runtime(get_settings()), "openai", on_call=lambda call: ws.log_model_call(pid, call.model_dump())
    ).draft(facts, ["risk_controls"])["risk_controls"]
    calls = ws.model_calls(pid)
    assert [c["round"] for c in calls] == ["generate", "repair 1"] and record.repair_rounds == 1
    requests = server.state.requests
    assert all(r["stream_options"]["include_usage"] for r in requests)
    for call, request in zip(calls, requests, strict=True):
        assert call["model"] == "test-model" and call["section"] == "risk_controls"
        assert call["prompt"] == [{"role": m["role"], "content": m["content"]} for m in request["messages"]]
        # the test server counts characters: the log holds the server's numbers, not an estimate
        assert call["prompt_tokens"] == sum(len(m["content"]) for m in request["messages"])
        assert call["completion_tokens"] == len(call["response"])
        assert call["first_token_seconds"] is not None and call["seconds"] >= call["first_token_seconds"]
    assert record.provenance == "model"


def test_a_failed_call_is_logged_with_its_error(
    server: OpenAITestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEIAN_LLM_MAX_RETRIES", "1")
    get_settings.cache_clear()
    server.state.faults = [Fault("status", 500)]
    logged = []
    record = Drafter(Runtime(get_settings()), "openai", on_call=logged.append).draft(
        facts_with(), ["purpose"]
    )["purpose"]
    assert record.error and [c.round for c in logged] == ["generate"]
    assert logged[0].error and "内部错误" in logged[0].error and logged[0].response == ""


def test_the_engine_sizes_prompts_from_the_provider_profile() -> None:
    """A provider registered with its own profile: the engine gives it as many articles as it declares."""
    from dataclasses import replace

    from assistant.drafting.llm import PROVIDERS, register_provider
    from tests.fakes import FAKE_PROFILE

    facts = facts_with()
    rt = Runtime(get_settings())
    counts = {}
    try:
        for articles in (1, 3):
            register_provider("tiny", replace(FAKE_PROFILE, label="小", articles=articles))(
                lambda s: FakeLLM()
            )
            fake = FakeLLM(replies=[draft_section(facts, "risk_controls")])
            record = Drafter(rt, "tiny", fake).draft(facts, ["risk_controls"])["risk_controls"]
            counts[articles] = sum(1 for s in record.sources if s["kind"] == "article")
    finally:
        PROVIDERS.pop("tiny", None)
    assert counts == {1: 1, 3: 3}


def test_unknown_provider_names_the_registered_ones() -> None:
    with pytest.raises(LLMError) as info:
        Drafter(Runtime(get_settings()), "nonexistent")
    assert all(name in str(info.value) for name in ("template", "local", "openai"))


def test_a_rewrite_that_keeps_the_markers_of_absent_facts_is_kept() -> None:
    """The template's own markers (absent facts) are not the model's to fix: a faithful rewrite that keeps
    them is the model's text, not replaced by the template."""
    facts = facts_with(lambda d: d["safety"]["complaint"].pop("feedback_deadline"))
    marker = "【待补充：投诉举报反馈时限（safety.complaint.feedback_deadline）】"
    template = draft_section(facts, "risk_controls")
    rewrite = reworded(template)
    record = Drafter(Runtime(get_settings()), "fake", FakeLLM(replies=[rewrite])).draft(
        facts, ["risk_controls"]
    )["risk_controls"]
    assert marker in record.text and "具体而言，" in record.text
    assert record.provenance == "model" and record.discarded_text == "" and record.repair_rounds == 0


def test_cli_draft_logs_its_calls_in_the_project(tmp_path) -> None:  # noqa: ANN001
    from assistant.cli import main
    from assistant.store import Workspace
    from tests.conftest import EXAMPLE_FACTS

    out = tmp_path / "out"
    args = ["draft", str(EXAMPLE_FACTS), "--provider", "fake", "--section", "principle", "-o", str(out)]
    assert main([*args, "--project", "命令行项目"]) == 0
    ws = Workspace(get_settings().workspace_url)
    pid = ws.project_id("命令行项目")
    calls = ws.model_calls(pid, "principle")
    assert calls and calls[0]["round"] == "generate" and calls[0]["provider"] == "fake"
    assert calls[0]["response"] == "测试草稿。"  # the fake provider's default reply, as sent back
    assert main(args) == 0  # without a project: logged with no project
    assert [c["round"] for c in ws.model_calls(None, "principle")][:1] == ["generate"]


def test_template_drafting_makes_no_calls_and_creates_no_log(tmp_path) -> None:  # noqa: ANN001
    from assistant.cli import main
    from tests.conftest import EXAMPLE_FACTS

    out = tmp_path / "out"
    assert (
        main(
            ["draft", str(EXAMPLE_FACTS), "--provider", "template", "--section", "principle", "-o", str(out)]
        )
        == 0
    )
    assert not (get_settings().data_dir / "workspace.db").exists()


def test_a_citation_the_model_drops_comes_back_from_the_template() -> None:
    from assistant.corpus.citations import find_citations
    from assistant.spec import load_spec

    facts = facts_with()
    spec = load_spec()
    section, template, cited = next(
        (s.id, text, found)
        for s in spec.applicable_sections(facts)
        if s.mode == "draft"
        for text in [draft_section(facts, s.id)]
        if (found := [c for c in find_citations(text) if c.article])
    )
    line = next(line for line in template.splitlines() if cited[0].text in line.replace(" ", ""))
    without = reworded(template.replace(line + "\n", ""))
    record = Drafter(Runtime(get_settings()), "fake", FakeLLM(replies=[without] * 3)).draft(facts, [section])[
        section
    ]
    assert cited[0].text in {c.text for c in find_citations(record.text)}
    assert record.provenance == "mixed" and any(n.startswith("引用") for n in record.filled_from_template)
    lines = [line.strip() for line in record.text.splitlines() if line.strip()]
    assert dict(zip(lines, record.paragraphs, strict=True))[line.strip()] == "template"


def test_a_long_prompt_is_shortened_to_the_profile_budget_keeping_the_draft() -> None:
    from assistant.drafting.draft import fit_prompt

    parts = {
        "document": "算法安全自评估报告",
        "title": "风险防控情况",
        "elements": "- 投诉举报",
        "draft": "底稿正文。" * 200,
        "facts": "- 事实：值\n" * 100,
        "missing": "",
        "articles": "条文原文。" * 100,
        "exemplars": "范例正文。" * 100,
        "min_chars": 100,
        "max_chars": 2000,
    }
    full = fit_prompt(parts, None)
    assert "范例正文" in full and "条文原文" in full
    no_exemplars = fit_prompt(parts, len(full) - 1)
    assert "范例正文" not in no_exemplars and "条文原文" in no_exemplars
    smallest = fit_prompt(parts, 10)
    assert "条文原文" not in smallest and "- 事实：值" not in smallest and "（见底稿）" in smallest
    assert parts["draft"] in smallest  # the draft being rewritten is never cut


def test_local_reply_room_fits_the_context_window() -> None:
    from assistant.drafting.llm import LocalLLM

    class CharTokenizer:  # llama.cpp's two calls used here, with one token per byte
        def n_ctx(self) -> int:
            return 1000

        def tokenize(self, data: bytes, add_bos: bool = False) -> list[int]:
            return list(data)

    llama = CharTokenizer()
    assert LocalLLM._reply_room(llama, [Message("user", "a" * 100)], 700) == 700
    assert LocalLLM._reply_room(llama, [Message("user", "a" * 500)], 700) == 1000 - 508
    with pytest.raises(LLMError, match="上下文只有 1000 词元"):
        LocalLLM._reply_room(llama, [Message("user", "a" * 950)], 700)


def test_a_rewrite_may_take_about_its_drafts_length(server: OpenAITestServer) -> None:
    from assistant.drafting.draft import reply_tokens
    from assistant.spec import load_spec

    facts = facts_with()
    section = load_spec().section("purpose")
    template = draft_section(facts, "purpose")
    cap = reply_tokens(3000, section, template)
    assert cap < int(section.length.max * 0.9) and cap * 1.3 >= len(template)  # room for the whole draft
    assert reply_tokens(100, section, template) == 100  # never above the provider's cap
    server.state.responder = lambda body: template
    Drafter(Runtime(get_settings()), "openai").draft(facts, ["purpose"])
    request = server.state.requests[0]
    assert request.get("max_completion_tokens", request.get("max_tokens")) == cap  # what the server was asked


def test_a_verbatim_copy_of_the_template_is_not_called_the_models_text() -> None:
    facts = facts_with()
    template = draft_section(facts, "purpose")
    record = Drafter(Runtime(get_settings()), "fake", FakeLLM(replies=[template])).draft(facts, ["purpose"])[
        "purpose"
    ]
    assert record.text.strip() == template.strip() and record.discarded_text == ""
    assert record.provenance == "template" and set(record.paragraphs) == {"template"}


def test_the_facts_list_echoed_after_the_draft_is_cut_off() -> None:
    """As the 0.5B model did: the rewrite followed by the prompt's facts list copied verbatim."""
    facts = facts_with()
    template = reworded(draft_section(facts, "principle"))
    fake = FakeLLM(responder=lambda messages: "")
    drafter = Drafter(Runtime(get_settings()), "fake", fake)
    fake.responder = lambda messages: (  # one facts line after the rewrite: cut; mostly echo: discarded
        template
        + "\n"
        + next(line for line in messages[-1].content.splitlines() if line.startswith("- 算法名称"))
    )
    record = drafter.draft(facts, ["principle"])["principle"]
    listed = [line for line in fake.calls[0][-1].content.splitlines() if line.startswith("- 算法名称")]
    assert listed and listed[0] not in record.text
    assert record.text.strip() == template.strip() and record.provenance == "model"


def test_a_reply_that_is_mostly_the_prompt_echoed_is_discarded() -> None:
    """What the 0.5B model wrote for 算法基本原理: the draft unchanged, then the facts list, the last line cut
    off by the token limit. Nothing of it is the model's own: the template text stands, the reply is kept."""
    facts = facts_with()
    template = draft_section(facts, "principle")

    def echo(messages: list[Message]) -> str:
        listed = [
            line for line in messages[-1].content.splitlines() if line.startswith("- ") and "：" in line
        ]
        return template + "\n".join(listed[:3]) + "\n" + listed[3][: len(listed[3]) // 2]

    record = Drafter(Runtime(get_settings()), "fake", FakeLLM(responder=echo)).draft(facts, ["principle"])[
        "principle"
    ]
    assert record.provenance == "template" and record.text.strip() == template.strip()
    assert record.discarded_text.startswith(template.strip()[:20])


def test_the_scenarios_prompt_carries_published_purpose_sentences_as_style_exemplars() -> None:
    from assistant.registry.index import get_index

    facts = facts_with()
    fake = FakeLLM(responder=lambda messages: draft_section(facts, "scenarios"))
    record = Drafter(Runtime(get_settings()), "fake", fake).draft(facts, ["scenarios"])["scenarios"]
    prompt = fake.calls[0][-1].content
    published = {row.purpose for row in get_index(get_settings()).rows if row.purpose}
    block = prompt.split("“主要用途”写法", 1)[1].split("</data>", 1)[0]
    shown = [line[2:] for line in block.splitlines() if line.startswith("- ")]
    assert len(shown) == 3 and all(sentence in published for sentence in shown)  # real published sentences
    assert [s["kind"] for s in record.sources].count("registry_purpose") == 3
    other = Drafter(Runtime(get_settings()), "fake", fake).draft(facts, ["principle"])["principle"]
    assert not any(s["kind"] == "registry_purpose" for s in other.sources)  # only where the spec asks
