"""Two sessions editing the same project: a save based on a stale version is refused with a Chinese message
naming both versions, never silently overwriting — for facts, for drafts, under a real race, and through
`beian draft --project` when the project's facts or a section change while it runs."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.cli import main
from assistant.config import get_settings
from assistant.store import StaleWrite, Workspace
from tests.helpers import example_data, facts_with
from tests.robustness.support import good_model, section_of, serving


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'workspace.db'}"


def test_stale_facts_save_is_refused_and_named(url: str) -> None:
    alice, bob = Workspace(url), Workspace(url)  # two sessions, two engines, one file
    pid = alice.create_project("共享项目")
    alice.save_facts(pid, "v1", None)
    alice_base = bob_base = alice.latest_facts(pid).version  # both open version 1
    alice.save_facts(pid, "alice", alice_base)
    with pytest.raises(StaleWrite) as info:
        bob.save_facts(pid, "bob", bob_base)
    message = str(info.value)
    assert "事实文件已被其他会话更新" in message and "第 1 版" in message and "第 2 版" in message
    assert (info.value.base, info.value.latest) == (1, 2)
    assert [v.text for v in bob.facts_history(pid)] == ["v1", "alice"]  # bob's text was not written


def test_stale_draft_save_is_refused_and_named(url: str) -> None:
    alice, bob = Workspace(url), Workspace(url)
    pid = alice.create_project("共享项目")
    alice.save_draft(pid, "principle", "初稿", {}, None)
    alice.save_draft(pid, "principle", "甲的修改", {}, 1)
    with pytest.raises(StaleWrite) as info:
        bob.save_draft(pid, "principle", "乙的修改", {}, 1)
    assert (
        "章节 principle 的草稿" in str(info.value)
        and "第 1 版" in str(info.value)
        and "第 2 版" in str(info.value)
    )
    with pytest.raises(StaleWrite):
        bob.save_draft(pid, "principle", "乙的新稿", {}, None)  # "first version" while one exists
    assert [v.text for v in bob.draft_history(pid, "principle")] == ["初稿", "甲的修改"]


@pytest.mark.parametrize("what", ["facts", "draft"])
def test_racing_writers_one_wins_the_other_is_told(url: str, what: str) -> None:
    sessions = [Workspace(url) for _ in range(4)]
    pid = sessions[0].create_project("竞争")
    if what == "facts":
        sessions[0].save_facts(pid, "v1", None)
    else:
        sessions[0].save_draft(pid, "purpose", "v1", {}, None)
    barrier = threading.Barrier(len(sessions))
    outcomes: list[Any] = []

    def write(ws: Workspace, text: str) -> None:
        barrier.wait()
        try:
            if what == "facts":
                outcomes.append(ws.save_facts(pid, text, 1))
            else:
                outcomes.append(ws.save_draft(pid, "purpose", text, {}, 1))
        except StaleWrite as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=write, args=(ws, f"会话{i}")) for i, ws in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(2) == 1 and sum(isinstance(o, StaleWrite) for o in outcomes) == len(sessions) - 1
    history = sessions[0].facts_history(pid) if what == "facts" else sessions[0].draft_history(pid, "purpose")
    assert [v.version for v in history] == [1, 2]


# --- through the CLI --------------------------------------------------------------------------------------


def _facts_file(tmp_path: Path, name: str | None = None) -> Path:
    data = example_data()
    if name:
        data["product"]["name"] = name
    path = tmp_path / f"facts-{name or 'example'}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _draft_two_sections(facts_file: Path, out: Path) -> int:
    """`beian draft` of two sections into the project 并发项目 through the openai provider."""
    sections = ["--section", "principle", "--section", "purpose"]
    return main(
        ["draft", str(facts_file), "--project", "并发项目", "--provider", "openai", *sections, "-o", str(out)]
    )


def test_cli_refuses_to_save_sections_when_the_facts_change_midway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    facts_file = _facts_file(tmp_path)
    with serving(monkeypatch, LLM_CONCURRENCY="1") as server:
        other = Workspace(get_settings().workspace_url)  # the app, in another session
        good = good_model(facts_with())
        changed: list[int] = []

        def respond(body: dict[str, Any]) -> str:
            if not changed:  # while the first section is being drafted, the app saves new facts
                pid = other.project_id("并发项目")
                base = other.latest_facts(pid).version
                changed.append(
                    other.save_facts(pid, "product:\n  name: 应用里改的名称\n", base, note="应用保存")
                )
            return good(body)

        server.state.responder = respond
        code = _draft_two_sections(facts_file, tmp_path / "out")
    captured = capsys.readouterr()
    assert code == 1
    assert "事实文件已存为项目“并发项目”的第 1 版" in captured.out
    assert captured.err.count("[未存入项目]") == 2
    assert "项目的事实文件已被其他会话更新（您基于第 1 版修改，最新为第 2 版）" in captured.err
    pid = other.project_id("并发项目")
    assert other.latest_facts(pid).text == "product:\n  name: 应用里改的名称\n"  # the app's save stands
    assert other.latest_drafts(pid) == {}  # nothing drafted from the outdated facts went in
    assert (tmp_path / "out" / "principle.md").exists()  # the work itself is kept on disk


def test_cli_refuses_to_overwrite_a_section_edited_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    facts_file = _facts_file(tmp_path)
    with serving(monkeypatch, LLM_CONCURRENCY="1") as server:
        other = Workspace(get_settings().workspace_url)
        good = good_model(facts_with())

        def respond(body: dict[str, Any]) -> str:
            if section_of(body) == "principle":  # a person edits this section in the app meanwhile
                pid = other.project_id("并发项目")
                other.save_draft(pid, "principle", "人工修改的原理。\n", {"provider": "人工编辑"}, None)
            return good(body)

        server.state.responder = respond
        code = _draft_two_sections(facts_file, tmp_path / "out")
    err = capsys.readouterr().err
    assert code == 1
    assert "章节“算法基本原理”的草稿未存入项目" in err and "最新为第 1 版" in err
    pid = other.project_id("并发项目")
    drafts = other.latest_drafts(pid)
    assert drafts["principle"].text == "人工修改的原理。\n"  # the person's edit stands
    assert drafts["purpose"].version == 1  # the other section was saved


def test_cli_facts_save_racing_another_session_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI read version 1, but the app saved version 2 before the CLI's own save landed."""
    ws = Workspace(get_settings().workspace_url)
    pid = ws.create_project("并发项目")
    ws.save_facts(pid, _facts_file(tmp_path, "名称一").read_text(encoding="utf-8"), None)
    original = Workspace.save_facts

    def interleaved(self: Workspace, project_id: int, text: str, base: int | None, **kwargs: Any) -> int:
        original(Workspace(get_settings().workspace_url), project_id, "product:\n  name: 应用保存\n", base)
        return original(self, project_id, text, base, **kwargs)

    monkeypatch.setattr(Workspace, "save_facts", interleaved)
    code = main(
        [
            "draft",
            str(_facts_file(tmp_path, "名称二")),
            "--project",
            "并发项目",
            "--provider",
            "template",
            "--section",
            "principle",
            "-o",
            str(tmp_path / "out"),
        ]
    )
    monkeypatch.setattr(Workspace, "save_facts", original)
    assert code == 2
    err = capsys.readouterr().err
    assert "事实文件未存入项目“并发项目”" in err and "第 1 版" in err and "第 2 版" in err
    assert [v.text for v in ws.facts_history(pid)][-1] == "product:\n  name: 应用保存\n"
    assert not (tmp_path / "out" / "principle.md").exists()  # nothing drafted from unsaved facts
