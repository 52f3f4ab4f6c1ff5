#!/usr/bin/env bash
# Start the Streamlit app on the embedded defaults (no API key needed), setting up .venv first when needed.
#
# Installs only when the environment is missing or its inputs changed: the SHA-256 of pyproject.toml, the
# requirements files and scripts/setup.sh is stored in .venv/.beian-inputs after a successful setup. A
# second start runs no pip at all (quiet, fast, and it works offline); `BEIAN_REINSTALL=1` forces setup.
# Extra arguments go to `streamlit run` (e.g. --server.port 8600). The app listens on 127.0.0.1 unless
# configured otherwise (.streamlit/config.toml; docs/deploy.md for serving a team).
set -euo pipefail
cd "$(dirname "$0")/.."

fresh=0
if ! bash scripts/setup.sh --check 2>/dev/null || [ "${BEIAN_REINSTALL:-0}" = "1" ]; then
  echo "正在安装或更新运行环境（.venv）……"
  bash scripts/setup.sh
  fresh=1
fi
# Incremental: unchanged corpus files are skipped. Shown after an install; later starts are quiet unless it fails.
if [ "$fresh" -eq 1 ]; then
  echo "正在建立或更新法规与往期备案索引……"
  .venv/bin/python -m assistant ingest
elif ! log=$(.venv/bin/python -m assistant ingest 2>&1); then
  echo "$log" >&2
  echo "建立索引失败（见上）。" >&2
  exit 1
fi
exec .venv/bin/python -m streamlit run app.py "$@"
