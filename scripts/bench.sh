#!/usr/bin/env bash
# Runs the benchmarks (not part of the test suite): installs what the tests need (the page
# benchmark drives Chromium with Playwright) and the `bench` extra (micrograd,
# threadpoolctl) into .venv, then `python -m bench`. PyTorch is optional: without it the
# tensor table says how to add it. Arguments go to `python -m bench`, e.g.
#   scripts/bench.sh --quick
#   scripts/bench.sh --only scalar,tensor --out bench/results/table.md
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
stamp=".venv/.installed-bench-$(cksum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ]; then
  echo "[bench] installing the bench extra into .venv" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[bench]"
  touch "$stamp"
fi
exec .venv/bin/python -m bench "$@"
