"""The `beian` command line end to end: draft → check → export, exit codes, retrieval JSON, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from docx import Document

from assistant.cli import main
from tests.conftest import EXAMPLE_FACTS
from tests.helpers import drafted_without


def test_draft_check_export_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "drafts"
    assert _draft_example(out) == 0
    assert (out / "risk_controls.md").exists() and (out / "risk_controls.json").exists()
    record = json.loads((out / "principle.json").read_text(encoding="utf-8"))
    assert record["provider"] == "template" and record["section"] == "principle"
    capsys.readouterr()
    assert main(["check", str(EXAMPLE_FACTS), str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] and report["blocking"] == 0
    assert main(["export", str(EXAMPLE_FACTS), str(out), "-o", str(tmp_path / "docx")]) == 0
    files = sorted((tmp_path / "docx").glob("*.docx"))
    assert len(files) == 5
    text = "\n".join(p.text for f in files for p in Document(str(f)).paragraphs)
    assert "灵犀写作助手" in text and "灵犀文本生成算法" in text


def test_check_json_and_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts, out = drafted_without(tmp_path, "safety", "complaint", "feedback_deadline")
    capsys.readouterr()
    assert main(["check", str(facts), str(out), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is False
    assert any(f["field"] == "safety.complaint.feedback_deadline" for f in report["findings"])
    assert "算法备案" in report["filings_needed"]
    assert main(["export", str(facts), str(out), "-o", str(tmp_path / "docx")]) == 1
    assert "complaint" in capsys.readouterr().err or not list((tmp_path / "docx").glob("*.docx"))
    assert not list((tmp_path / "docx").glob("*.docx"))
    assert (
        main(
            [
                "export",
                str(facts),
                str(out),
                "-o",
                str(tmp_path / "docx"),
                "--override-reason",
                "客户确认反馈时限将于下周补充，先导出供内部评审",
            ]
        )
        == 0
    )
    assert list((tmp_path / "docx").glob("*.docx"))


def _draft_example(out: Path, *sections: str) -> int:
    """`beian draft` of the contract example with the template provider, only the given sections."""
    picked = [arg for section in sections for arg in ("--section", section)]
    return main(["draft", str(EXAMPLE_FACTS), "--provider", "template", *picked, "-o", str(out)])


def test_section_selection_by_id_or_title(tmp_path: Path) -> None:
    out = tmp_path / "d"
    assert _draft_example(out, "算法基本原理", "risk_controls") == 0
    assert sorted(p.stem for p in out.glob("*.md")) == ["principle", "risk_controls"]


def test_unknown_or_inapplicable_section(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _draft_example(tmp_path, "不存在") == 2
    assert "未知章节" in capsys.readouterr().err
    assert _draft_example(tmp_path, "技术服务方式") == 2
    assert "不适用" in capsys.readouterr().err


def test_malformed_facts_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("product:\n  forms: App\n", encoding="utf-8")
    assert main(["draft", str(bad), "--provider", "template", "-o", str(tmp_path / "o")]) == 2
    assert "product.forms" in capsys.readouterr().err


def test_facts_from_description_via_openai_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.config import get_settings
    from tests.openai_server import OpenAITestServer

    desc = tmp_path / "d.md"
    desc.write_text(
        "我们是杭州妙笔科技有限公司，产品叫妙笔写作，是一个 App，调用第三方大模型为用户生成营销文案。"
        "用户投诉可以在「我的—反馈」里提交。",
        encoding="utf-8",
    )
    extracted = {
        "entity": {"name": "杭州妙笔科技有限公司"},
        "product": {"name": "妙笔写作", "forms": ["App"], "user_scale": "注册用户约 100 万"},
        "filing": {"role": "服务提供者", "algorithm_type": "生成合成类"},
        "safety": {"complaint": {"entrance": "「我的—反馈」"}},
    }
    with OpenAITestServer() as server:
        server.state.responder = lambda body: json.dumps(extracted, ensure_ascii=False)
        monkeypatch.setenv("BEIAN_OPENAI_BASE_URL", server.base_url)
        get_settings.cache_clear()
        assert main(["facts", str(desc), "--provider", "openai", "-o", str(tmp_path / "f.yaml")]) == 0
    facts = yaml.safe_load((tmp_path / "f.yaml").read_text(encoding="utf-8"))
    assert facts["product"]["name"] == "妙笔写作" and facts["entity"]["name"] == "杭州妙笔科技有限公司"
    assert "user_scale" not in facts["product"]  # "100 万" is not in the description: dropped, not invented
    out = capsys.readouterr().out
    assert "已舍弃" in out and "safety.complaint.feedback_deadline" in out


def test_facts_rejects_empty_description(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    desc = tmp_path / "d.md"
    desc.write_text("  ", encoding="utf-8")
    assert main(["facts", str(desc), "--provider", "fake", "-o", str(tmp_path / "f.yaml")]) == 2
    assert "为空" in capsys.readouterr().err
    assert not (tmp_path / "f.yaml").exists()


def test_retrieve_json_first_hit(indexed_settings, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert (
        main(["retrieve", "算法推荐服务提供者终止服务以后，多长时间内要办理注销备案", "-k", "5", "--json"])
        == 0
    )
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 5
    assert (hits[0]["title"], hits[0]["article"]) == ("互联网信息服务算法推荐管理规定", "第二十四条")
    assert {"source", "title", "article", "text", "score"} <= set(hits[0])


def test_ask_template_cites_verified_articles(indexed_settings, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert (
        main(
            [
                "ask",
                "生成式人工智能服务提供者应当建立什么样的投诉举报机制",
                "--provider",
                "template",
                "--json",
            ]
        )
        == 0
    )
    answer = json.loads(capsys.readouterr().out)
    assert answer["answered"] and any(c["article"] == "第十五条" for c in answer["citations"])
    assert main(["ask", "红烧肉怎么做才好吃", "--provider", "template", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["answered"] is False


def test_ingest_is_idempotent(indexed_settings, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert main(["ingest", "--quiet"]) == 0
    assert "新增 0 个文件，更新 0 个" in capsys.readouterr().out
    shutil.rmtree(indexed_settings.data_dir / "index")
