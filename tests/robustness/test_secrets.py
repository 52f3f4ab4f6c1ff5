"""The API key never leaks: a draft through the openai provider (one reply echoing the key back, as some
servers do in error messages), facts extraction, a chat question, an export and the CLI in a subprocess, with
DEBUG logging on; then the logs, stdout/stderr, the workspace database, the data directory, the draft records,
the export record and manifest and the unzipped .docx files are scanned for the key. Settings and error
messages never show it either."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from assistant.cli import main
from assistant.config import PROJECT_ROOT, Settings, get_settings
from assistant.corpus.retrieve import Retriever
from assistant.drafting.llm import LLMError, Message, OpenAICompatibleLLM, RetryPolicy
from tests.conftest import EXAMPLE_FACTS
from tests.helpers import facts_with
from tests.openai_server import Fault
from tests.robustness.support import good_model, no_sleep, serving

KEY = "sk-test-SECRET-7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c2e"
NEEDLES = [KEY.encode(), KEY[8:].encode(), KEY.encode("utf-16-le")]


def _leaks(data: bytes) -> bool:
    return any(needle in data for needle in NEEDLES)


def _scan_tree(root: Path) -> list[str]:
    """Files under root that hold the key, .docx/.zip members included."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if _leaks(data) or (_leaks(path.name.encode())):
            found.append(str(path))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                found += [f"{path}!{m}" for m in archive.namelist() if _leaks(archive.read(m))]
    return found


def test_settings_and_errors_never_show_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.openai_api_key is not None and settings.openai_api_key.get_secret_value() == KEY
    for shown in (
        repr(settings),
        str(settings),
        str(settings.model_dump()),
        settings.model_dump_json(),
        repr(Settings(openai_api_key=KEY)),
        str(settings.openai_api_key),
    ):
        assert KEY not in shown and KEY[8:] not in shown
    with serving(monkeypatch) as server:
        server.state.faults = [Fault("status", 400, echo_auth=True)]
        with pytest.raises(LLMError) as info:
            OpenAICompatibleLLM(get_settings(), RetryPolicy(attempts=1), sleep=no_sleep).complete(
                [Message("user", "x")]
            )
        assert server.state.headers[-1]["authorization"] == f"Bearer {KEY}"  # the key really was sent…
        assert "credentials sent" in str(info.value)  # …and echoed back by the server
        assert KEY not in str(info.value) and KEY[8:] not in str(info.value) and "***" in str(info.value)
        assert info.value.__cause__ is None and info.value.__suppress_context__  # no chained server text


def test_key_in_no_log_no_saved_state_no_export(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    isolated_environment: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    facts = facts_with()
    drafts, docx = tmp_path / "drafts", tmp_path / "docx"
    with serving(monkeypatch, LLM_CONCURRENCY="2") as server:
        server.state.responder = good_model(facts)
        server.state.faults = [
            Fault("status", 503, echo_auth=True),
            Fault("status", 429, retry_after="0", echo_auth=True),
        ]
        assert (
            main(
                [
                    "draft",
                    str(EXAMPLE_FACTS),
                    "--provider",
                    "openai",
                    "--project",
                    "密钥测试",
                    "-o",
                    str(drafts),
                ]
            )
            == 0
        )
        assert main(["check", str(EXAMPLE_FACTS), str(drafts)]) == 0
        assert main(["export", str(EXAMPLE_FACTS), str(drafts), "-o", str(docx)]) == 0

        description = tmp_path / "d.md"
        description.write_text(
            "我们是杭州妙笔科技有限公司，产品叫妙笔写作，是一个 App，调用第三方大模型生成营销文案。",
            encoding="utf-8",
        )
        server.state.responder = lambda body: json.dumps(
            {"entity": {"name": "杭州妙笔科技有限公司"}}, ensure_ascii=False
        )
        assert main(["facts", str(description), "--provider", "openai", "-o", str(tmp_path / "f.yaml")]) == 0

        server.state.responder = lambda body: "应当建立投诉举报机制。"
        from assistant.drafting.chat import ask
        from assistant.runtime import Runtime

        rt = Runtime(get_settings())
        rt.__dict__["retriever"] = _OneArticle(rt)  # chat without building an index: one real article
        answer = ask(rt, "投诉举报机制有什么要求？", OpenAICompatibleLLM(get_settings(), sleep=no_sleep))
        from assistant.store import Workspace

        ws = Workspace(get_settings().workspace_url)
        pid = ws.project_id("密钥测试")
        ws.add_message(pid, "user", "投诉举报机制有什么要求？")
        ws.add_message(pid, "assistant", answer.text, answer.citations)
        ws.record_export(pid, json.loads((docx / "export-record.json").read_text(encoding="utf-8")))
        assert {h.get("authorization") for h in server.state.headers} == {f"Bearer {KEY}"}

        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        server.state.faults = [Fault("status", 400, echo_auth=True)]
        server.state.responder = good_model(facts)
        run = subprocess.run(
            [
                sys.executable,
                "-c",
                _DEBUG_CLI,
                "draft",
                str(EXAMPLE_FACTS),
                "--provider",
                "openai",
                "--section",
                "principle",
                "-o",
                str(tmp_path / "sub"),
            ],
            env=env,
            cwd=isolated_environment,
            capture_output=True,
            timeout=300,
        )
    assert run.returncode == 1 and "credentials sent" in run.stdout.decode()  # the echo reached the message…
    assert b"DEBUG" in run.stderr  # …with DEBUG logging on in the subprocess
    assert not _leaks(run.stdout) and not _leaks(run.stderr)

    assert any(r.name.startswith(("openai", "httpx", "httpcore")) for r in caplog.records), (
        "DEBUG logging was not on"
    )
    assert KEY not in caplog.text and KEY[8:] not in caplog.text
    out, err = capfd.readouterr()
    assert KEY not in out + err
    assert (docx / "manifest.json").exists() and list(docx.glob("*.docx"))
    leaks = _scan_tree(isolated_environment) + _scan_tree(tmp_path)
    assert not leaks, leaks
    assert (isolated_environment / "workspace.db").exists()


_DEBUG_CLI = (
    "import logging, sys; logging.basicConfig(level=logging.DEBUG, stream=sys.stderr); "
    "from assistant.cli import main; sys.argv[0] = 'beian'; sys.exit(main(sys.argv[1:]))"
)


class _OneArticle(Retriever):
    """A retriever whose search returns one real article, so chat runs without building an index (the rest,
    e.g. ranking the answer's points by similarity, is the real retriever's)."""

    def __init__(self, rt: Any) -> None:  # noqa: ANN401
        super().__init__(rt.settings, rt.registry)
        self.rt = rt

    def search(self, query: str, source: str | None = None, **_: object) -> list:  # noqa: ANN401
        from assistant.corpus.retrieve import Hit

        if source not in (None, "regulation"):  # no practice notes or filings in this stand-in
            return []
        article = self.rt.registry.get("生成式人工智能服务管理暂行办法", 15)
        return [
            Hit(
                id="r1",
                source="regulation",
                title=article.regulation,
                article=article.label,
                text=article.text,
                score=1.0,
                metadata={},
                direct=True,
            )
        ]
