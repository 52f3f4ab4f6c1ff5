"""Start-up: scripts/run-app.sh installs only when .venv is missing or its inputs changed (setup.sh --check),
and the app's default configuration listens on 127.0.0.1 without probing the network."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT

INPUTS = ["pyproject.toml", "requirements-model-0.5b.txt", "requirements-model-1.5b.txt", "scripts/setup.sh"]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The files setup.sh hashes, and a .venv whose python can import the package."""
    for name in INPUTS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    (tmp_path / "assistant").symlink_to(PROJECT_ROOT / "assistant")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    python = tmp_path / ".venv" / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    return tmp_path


def _check(root: Path) -> int:
    return subprocess.run(["bash", "scripts/setup.sh", "--check"], cwd=root, capture_output=True).returncode


def _stamp(root: Path) -> None:
    digest = subprocess.run(
        "cat pyproject.toml requirements*.txt scripts/setup.sh | sha256sum | cut -d' ' -f1",
        shell=True,
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (root / ".venv" / ".beian-inputs").write_text(f"app {digest}\n", encoding="utf-8")


def test_setup_is_needed_until_recorded_and_again_when_inputs_change(checkout: Path) -> None:
    assert _check(checkout) == 1  # no record of a setup
    _stamp(checkout)
    assert _check(checkout) == 0  # a second start installs nothing
    with (checkout / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n# a new dependency\n")
    assert _check(checkout) == 1
    _stamp(checkout)
    (checkout / "requirements-model-1.5b.txt").write_text("changed\n", encoding="utf-8")
    assert _check(checkout) == 1
    _stamp(checkout)
    shutil.rmtree(checkout / ".venv")
    assert _check(checkout) == 1  # environment missing


def test_default_configuration_is_local_and_quiet() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit/config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["headless"] is True
    assert config["browser"]["gatherUsageStats"] is False
