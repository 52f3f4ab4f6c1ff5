"""Nothing is lost when the process dies: `beian draft --project` (a real subprocess, drafting through the
loopback OpenAI-protocol server with slow replies) is killed with SIGKILL after three sections are saved.
The workspace reopens with every facts version and every saved section intact, passes PRAGMA
integrity_check, is still in WAL mode, and a new run carries on."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from assistant.cli import main
from assistant.config import PROJECT_ROOT, get_settings
from assistant.drafting.template_drafter import draft_section
from assistant.store import Workspace
from tests.helpers import example_data, facts_with
from tests.robustness.support import good_model, serving, sqlite_state

PROJECT = "断电测试项目"
SAVED_BEFORE_KILL = 3
DEADLINE = 180.0  # a safety net against a hung subprocess, not a performance assertion


def _saved_sections(db: Path) -> int:
    if not db.exists():
        return 0
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return connection.execute("SELECT count(*) FROM draft_versions").fetchone()[0]
    except sqlite3.OperationalError:  # tables not created yet
        return 0
    finally:
        connection.close()


def _older_facts(name: str) -> str:
    data = example_data()
    data["product"]["name"] = name
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _draft_args(facts_file: Path, out: Path) -> list[str]:
    """`beian draft` of every section into the project through the openai provider."""
    return ["draft", str(facts_file), "--project", PROJECT, "--provider", "openai", "-o", str(out)]


def test_sigkill_during_draft_all_loses_nothing(
    tmp_path: Path, isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts_file = tmp_path / "facts.yaml"
    facts_file.write_text(
        yaml.safe_dump(example_data(), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    facts = facts_with()
    with serving(monkeypatch, LLM_CONCURRENCY="1") as server:
        server.state.responder = good_model(facts)
        server.state.delay = 0.5
        settings = get_settings()
        db = settings.data_dir / "workspace.db"
        # two facts versions the app saved earlier, and an earlier draft of one section
        ws = Workspace(settings.workspace_url)
        pid = ws.create_project(PROJECT)
        earlier = [_older_facts("旧名称甲"), _older_facts("旧名称乙")]
        ws.save_facts(pid, earlier[0], None, note="应用保存")
        ws.save_facts(pid, earlier[1], 1, note="应用保存")
        ws.save_draft(pid, "purpose", "早先的人工稿。\n", {"provider": "人工编辑"}, None)
        ws.engine.dispose()

        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        command = [sys.executable, "-m", "assistant", *_draft_args(facts_file, tmp_path / "out")]
        process = subprocess.Popen(
            command, env=env, cwd=isolated_environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        started = time.monotonic()
        try:
            while _saved_sections(db) < 1 + SAVED_BEFORE_KILL:  # the earlier draft counts as one row
                assert process.poll() is None, process.communicate()
                assert time.monotonic() - started < DEADLINE, "the subprocess made no progress"
                time.sleep(0.05)
            process.send_signal(signal.SIGKILL)
        finally:
            if process.poll() is None:
                process.kill()
            stdout, _ = process.communicate()
        assert process.returncode == -signal.SIGKILL
        assert "第 3 版" in stdout.decode()

        integrity, mode = sqlite_state(db)
        assert integrity == "ok" and mode == "wal"
        ws = Workspace(settings.workspace_url)
        history = ws.facts_history(pid)
        assert [v.version for v in history] == [1, 2, 3]
        assert [v.text for v in history] == [*earlier, facts_file.read_text(encoding="utf-8")]
        drafts = ws.latest_drafts(pid)
        generated = {sid: v for sid, v in drafts.items() if v.record.get("facts_version") == 3}
        assert len(generated) >= SAVED_BEFORE_KILL
        for sid, version in generated.items():
            assert version.text.strip() == draft_section(facts, sid).strip(), sid  # whole, not truncated
            assert version.record["facts_version"] == 3 and version.record["section"] == sid
            assert (tmp_path / "out" / f"{sid}.md").read_text(encoding="utf-8") == version.text
            json.loads((tmp_path / "out" / f"{sid}.json").read_text(encoding="utf-8"))  # complete JSON
        assert ws.draft_history(pid, "purpose")[0].text == "早先的人工稿。\n"
        killed_with = {sid: v.version for sid, v in drafts.items()}

        # a new run carries on: same facts (no new version), every section drafted, earlier versions kept
        server.state.delay = 0.0
        assert main(_draft_args(facts_file, tmp_path / "again")) == 0
    assert [v.version for v in ws.facts_history(pid)] == [1, 2, 3]
    after = ws.latest_drafts(pid)
    assert len(after) >= 14 and set(killed_with) <= set(after)
    for sid, version in killed_with.items():
        assert after[sid].version == version + 1
        assert ws.draft_history(pid, sid)[version - 1].text == drafts[sid].text
    assert sqlite_state(db) == ("ok", "wal")
    print(
        f"\nSIGKILL 证据：被杀前已保存 {len(generated)} 节（均完整），事实文件版本 {[v.version for v in history]} 完好；"
        f"integrity_check=ok，journal_mode=wal；重跑后 {len(after)} 节，每节新增一个版本，旧版本保留"
    )
