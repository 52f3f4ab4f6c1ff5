#!/usr/bin/env bash
# Set up (first run) and start the Streamlit app on the embedded defaults: no API key needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/beian ingest
exec .venv/bin/streamlit run app.py "$@"
