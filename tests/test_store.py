from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant import store
from assistant.store import MIGRATIONS, StaleWrite, Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(f"sqlite:///{tmp_path / 'w.db'}")


def test_versions_and_stale_writes(ws: Workspace) -> None:
    pid = ws.create_project("示例")
    assert ws.save_facts(pid, "a: 1", None) == 1
    assert ws.save_facts(pid, "a: 2", 1) == 2
    with pytest.raises(StaleWrite) as info:
        ws.save_facts(pid, "a: 3", 1)  # edited from version 1 while version 2 exists
    assert "第 1 版" in str(info.value) and "第 2 版" in str(info.value)
    assert ws.latest_facts(pid).text == "a: 2"
    assert [v.version for v in ws.facts_history(pid)] == [1, 2]


def test_generated_drafts_one_save_path_for_the_cli_and_the_app(ws: Workspace) -> None:
    pid = ws.create_project("p")
    ws.save_facts(pid, "a: 1", None)
    # the CLI's way: from the section version the run started from, refused when edited meanwhile
    assert ws.save_generated_draft(pid, "principle", "生成 1", {}, author="命令行起草", facts_version=1) == 1
    ws.save_draft(pid, "principle", "人工修改", {}, 1)
    with pytest.raises(StaleWrite):
        ws.save_generated_draft(pid, "principle", "生成 2", {}, author="命令行起草", facts_version=1, base=1)
    # the app's way: on top of whatever is newest
    assert ws.save_generated_draft(pid, "principle", "生成 3", {}, author="起草", on_top=True) == 3
    # drafted from facts that have since changed: refused in both ways, nothing written
    ws.save_facts(pid, "a: 2", 1)
    for on_top in (False, True):
        with pytest.raises(StaleWrite, match="项目的事实文件"):
            ws.save_generated_draft(pid, "purpose", "x", {}, author="起草", facts_version=1, on_top=on_top)
    assert [v.text for v in ws.draft_history(pid, "principle")] == ["生成 1", "人工修改", "生成 3"]
    assert "purpose" not in ws.latest_drafts(pid)


def test_drafts_are_versioned_per_section(ws: Workspace) -> None:
    pid = ws.create_project("p")
    ws.save_draft(pid, "principle", "v1", {"provider": "template"}, None)
    ws.save_draft(pid, "principle", "v2", {"provider": "template"}, 1)
    ws.save_draft(pid, "purpose", "x", {}, None)
    latest = ws.latest_drafts(pid)
    assert latest["principle"].text == "v2" and latest["principle"].version == 2
    assert latest["purpose"].record == {}
    assert [v.text for v in ws.draft_history(pid, "principle")] == ["v1", "v2"]
    with pytest.raises(StaleWrite):
        ws.save_draft(pid, "principle", "v3", {}, None)


def test_project_names(ws: Workspace) -> None:
    ws.create_project("甲")
    with pytest.raises(ValueError, match="已存在"):
        ws.create_project("甲")
    with pytest.raises(ValueError, match="不能为空"):
        ws.create_project("  ")


def test_two_concurrent_writers_one_wins(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    first, second = Workspace(url), Workspace(url)
    pid = first.create_project("并发")
    first.save_facts(pid, "v1", None)
    results: list[object] = []
    barrier = threading.Barrier(2)

    def write(ws: Workspace, text: str) -> None:
        barrier.wait()
        try:
            results.append(ws.save_facts(pid, text, 1))
        except StaleWrite as exc:
            results.append(exc)

    threads = [threading.Thread(target=write, args=(w, t)) for w, t in ((first, "A"), (second, "B"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(r).__name__ for r in results) == ["StaleWrite", "int"]
    assert [v.version for v in first.facts_history(pid)] == [1, 2]


def test_wal_mode_and_migrations_are_recorded(tmp_path: Path) -> None:
    ws = Workspace(f"sqlite:///{tmp_path / 'w.db'}")
    with ws.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("SELECT count(*) FROM migrations").scalar() == len(MIGRATIONS)
    Workspace(f"sqlite:///{tmp_path / 'w.db'}")  # re-opening does not re-run migrations
    with ws.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM migrations").scalar() == len(MIGRATIONS)


def test_chat_history(ws: Workspace) -> None:
    pid = ws.create_project("c")
    ws.add_message(pid, "user", "问题")
    ws.add_message(
        pid, "assistant", "回答", [{"title": "互联网信息服务算法推荐管理规定", "article": "第二十四条"}]
    )
    messages = ws.messages(pid)
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[1]["citations"][0]["article"] == "第二十四条"


def test_an_older_database_gains_the_model_call_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database created before the model-call log (first migration only) is migrated on opening, and
    its data stays."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    monkeypatch.setattr(store, "MIGRATIONS", MIGRATIONS[:1])
    old = Workspace(url)
    pid = old.create_project("旧项目")
    with old.engine.connect() as conn:
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "model_calls" not in tables
    old.engine.dispose()
    monkeypatch.setattr(store, "MIGRATIONS", MIGRATIONS)
    ws = Workspace(url)
    assert ws.project_id("旧项目") == pid
    ws.log_model_call(pid, {"round": "generate", "provider": "fake", "model": "m", "prompt": []})
    assert [c["round"] for c in ws.model_calls(pid)] == ["generate"]


def test_model_calls_are_logged_per_project_and_section(ws: Workspace) -> None:
    a, b = ws.create_project("甲"), ws.create_project("乙")
    prompt = [{"role": "system", "content": "系统"}, {"role": "user", "content": "改写“算法基本原理”一节"}]
    ws.log_model_call(
        a,
        {
            "round": "generate",
            "provider": "openai",
            "model": "m1",
            "section": "principle",
            "prompt": prompt,
            "response": "正文。",
            "prompt_tokens": 30,
            "completion_tokens": 3,
            "seconds": 1.25,
            "first_token_seconds": 0.5,
        },
    )
    ws.log_model_call(a, {"round": "repair 1", "provider": "openai", "model": "m1", "section": "principle"})
    ws.log_model_call(a, {"round": "generate", "provider": "openai", "model": "m1", "section": "purpose"})
    ws.log_model_call(b, {"round": "chat", "provider": "local", "model": "q", "error": "超时"})
    ws.log_model_call(
        None, {"round": "generate", "provider": "openai", "model": "m1", "section": "principle"}
    )
    calls = ws.model_calls(a, "principle")
    assert [c["round"] for c in calls] == ["generate", "repair 1"]
    assert calls[0]["prompt"] == prompt and calls[0]["response"] == "正文。"
    assert (calls[0]["prompt_tokens"], calls[0]["completion_tokens"], calls[0]["seconds"]) == (30, 3, 1.25)
    assert calls[0]["started"]  # a timestamp is always recorded
    assert len(ws.model_calls(a)) == 3
    assert [c["error"] for c in ws.model_calls(b)] == ["超时"]
    assert len(ws.model_calls(None)) == 1
