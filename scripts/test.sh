#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing (test extras, Graphviz, Chromium), then pytest.
# Extra arguments go to pytest, e.g. scripts/test.sh -k gradcheck
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
