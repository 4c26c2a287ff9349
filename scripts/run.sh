#!/usr/bin/env bash
# Runs Backprop Studio: installs what is missing, then serves the app on 127.0.0.1 and prints its URL.
# HOST and PORT may be set in the environment (defaults 127.0.0.1 and 8000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || true     # without `dot` the app still starts and says what to install
.venv/bin/python -c 'import app' 2>/dev/null || { echo "[run] the install did not finish; see the messages above" >&2; exit 1; }
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# app/server.py: uvicorn with the header timeout, the connection caps and JSON errors
# (limits in app/limits.py, each overridable with BACKPROP_<NAME>).
exec .venv/bin/python -m app --host "$HOST" --port "$PORT"
