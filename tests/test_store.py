from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.store import StaleWrite, Workspace


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
        assert conn.exec_driver_sql("SELECT count(*) FROM migrations").scalar() == 1
    Workspace(f"sqlite:///{tmp_path / 'w.db'}")  # re-opening does not re-run migrations
    with ws.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM migrations").scalar() == 1


def test_chat_history(ws: Workspace) -> None:
    pid = ws.create_project("c")
    ws.add_message(pid, "user", "问题")
    ws.add_message(
        pid, "assistant", "回答", [{"title": "互联网信息服务算法推荐管理规定", "article": "第二十四条"}]
    )
    messages = ws.messages(pid)
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[1]["citations"][0]["article"] == "第二十四条"
