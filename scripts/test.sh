#!/usr/bin/env bash
# Set up the test environment and run the linter and the whole test suite (as CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check assistant tests bench scripts eval app.py
.venv/bin/ruff format --check assistant tests bench scripts eval app.py
exec .venv/bin/pytest -q -p no:cacheprovider "$@"
