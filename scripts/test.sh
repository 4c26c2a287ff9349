#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing (test extras, Graphviz, Chromium), then pytest.
# --fast first runs only the inner loop: every test not marked server, browser or slow.
# Other arguments go to pytest, e.g. scripts/test.sh -k gradcheck, scripts/test.sh --fast tests/engine
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
if [ "${1:-}" = "--fast" ]; then
  shift
  exec .venv/bin/python -m pytest -m "not server and not browser and not slow" "$@"
fi
exec .venv/bin/python -m pytest "$@"
