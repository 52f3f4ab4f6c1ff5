"""Build hook: the wheel carries the data the package reads at run time.

The repository keeps corpus/, prompts/ and eval/gold/ at its root (other tools and documents refer to them
there); `build_py` copies them, and the facts contract's example, into the built package as
assistant/_bundled/, where assistant.config.resource_path finds them first. An editable install reads them
from the checkout instead. Everything else is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = {  # checkout path → path under assistant/_bundled/
    "corpus": "corpus",
    "prompts": "prompts",
    "eval/gold": "eval/gold",
    "tests/fixtures/facts-example.yaml": "examples/facts-example.yaml",
}


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout
        target = Path(self.build_lib) / "assistant" / "_bundled"
        shutil.rmtree(target, ignore_errors=True)
        for source, destination in BUNDLED.items():
            src, dst = ROOT / source, target / destination
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(src, dst)


setup(cmdclass={"build_py": BuildWithData})
