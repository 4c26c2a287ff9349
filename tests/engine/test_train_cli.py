"""`backprop-studio train FILE --steps N --run JSON …`, run as a user runs it: a subprocess."""
from __future__ import annotations

import json
import subprocess

import pytest

from engine.train import train
from tests.console import console_script

pytestmark = pytest.mark.slow

CLI = console_script()
VALLEY = "x = -1.5\ny = 2.0\nloss = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2\n"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, timeout=120, text=True)


def test_train_prints_the_document(tmp_path):
    f = tmp_path / "valley.py"
    f.write_text(VALLEY)
    runs = [{"optimizer": "adam", "lr": 0.05}, {"optimizer": "sgd", "lr": 1e-3, "momentum": 0.9,
                                                 "schedule": {"name": "step", "step_size": 5}}]
    p = run("train", str(f), "--steps", "12", *[a for r in runs for a in ("--run", json.dumps(r))])
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == train(VALLEY, runs, 12).to_dict()


def test_train_reads_stdin_and_has_defaults():
    p = run("train", "-", stdin=VALLEY)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["steps"] == 100 and doc["runs"][0]["spec"]["optimizer"] == "adam"


def test_train_refuses_bad_input_in_one_line():
    p = run("train", "-", "--run", '{"optimizer": "adam", "betas": [0.9, 2]}', stdin=VALLEY)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip() == "runs[0].betas: β₂ must be in [0, 1), got 2"
    p = run("train", "-", "--run", "{optimizer: adam}", stdin=VALLEY)
    assert p.returncode == 2 and p.stderr.startswith("--run 1: not JSON")
    p = run("train", "-", stdin="w = [1.0]\ny = w * 2\n")
    assert p.returncode == 1 and p.stderr.startswith("line 2, col 5: training needs a scalar loss")
