#!/usr/bin/env bash
# Runs Backprop Studio: installs what is missing, then serves the app on 127.0.0.1 and prints its URL.
# HOST and PORT may be set in the environment (defaults 127.0.0.1 and 8000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || true     # without `dot` the app still starts and says what to install
.venv/bin/python -c 'import app' 2>/dev/null || { echo "[run] the install did not finish; see the messages above" >&2; exit 1; }
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
echo "Backprop Studio is running at http://$HOST:$PORT/  (Ctrl+C stops it)"
# Connections beyond BACKPROP_MAX_CONNECTIONS (app/limits.py) get a 503 at once.
exec .venv/bin/python -m uvicorn app.main:app --host "$HOST" --port "$PORT" --log-level warning \
  --limit-concurrency "${BACKPROP_MAX_CONNECTIONS:-256}"
