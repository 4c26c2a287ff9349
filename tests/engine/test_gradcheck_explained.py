"""The gradient check explains itself: f(θ ± h), the one-sided difference beside the
two-sided one, a chosen h, and steps that straddle a kink flagged with a note.

References are numpy written here by hand (the program evaluated at θ ± h), not the
engine's own re-evaluation.
"""
from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from engine import gradcheck, trace
from tests.console import console_script

CLI = console_script()


def entry(report, name: str, index: list[int] | None = None):
    leaf = next(r for r in report["leaves"] if r["name"] == name)
    return next(e for e in leaf["entries"] if index is None or e["index"] == index)


def test_f_plus_f_minus_and_one_sided_are_the_program_at_theta_plus_minus_h() -> None:
    W = np.array([[0.3, -0.7, 0.2], [0.5, 0.1, -0.4]])
    x = np.array([0.9, -0.2, 0.6])

    def f(W, x):                       # the program below, in numpy
        return float(np.sum(np.tanh(W @ x) * np.array([1.5, -2.0])))

    source = ("W = [[0.3, -0.7, 0.2], [0.5, 0.1, -0.4]]\nx = [0.9, -0.2, 0.6]\n"
              "f = sum(tanh(W @ x) * [1.5, -2.0])")
    h = 1e-3
    report = gradcheck(trace(source), h)
    assert report["h"] == h and report["f"] == pytest.approx(f(W, x), rel=1e-14)
    for i, j in np.ndindex(*W.shape):
        e = entry(report, "W", [i, j])
        Wp, Wm = W.copy(), W.copy()
        Wp[i, j] += h
        Wm[i, j] -= h
        assert e["f_plus"] == pytest.approx(f(Wp, x), rel=1e-13)
        assert e["f_minus"] == pytest.approx(f(Wm, x), rel=1e-13)
        assert e["numeric"] == pytest.approx((f(Wp, x) - f(Wm, x)) / (2 * h), rel=1e-9, abs=1e-12)
        assert e["one_sided"] == pytest.approx((f(Wp, x) - f(W, x)) / h, rel=1e-9, abs=1e-12)
        assert e["one_sided"] == (e["f_plus"] - report["f"]) / h
        scale = max(abs(e["analytic"]), abs(e["one_sided"]))
        assert e["one_sided_rel_error"] == pytest.approx(abs(e["analytic"] - e["one_sided"]) / scale)
        assert e["kink"] is False and e["note"] is None


def test_two_sided_beats_one_sided_on_a_curved_function() -> None:
    # f = x³ at x = 2: the one-sided error is about 3xh = 6h, the two-sided one h²
    report = gradcheck(trace("x = 2.0\nf = x * x * x"), 1e-3)
    e = entry(report, "x")
    assert e["analytic"] == 12.0
    assert e["one_sided"] == pytest.approx(12.0 + 6e-3, rel=1e-6)
    assert e["numeric"] == pytest.approx(12.0 + 1e-6, rel=1e-6)
    assert e["rel_error"] < 1e-6 < 1e-4 < e["one_sided_rel_error"]


def test_a_relu_within_h_of_its_kink_is_flagged_with_a_note() -> None:
    report = gradcheck(trace("x = 0.00005\nf = relu(x)"), 1e-4)
    e = entry(report, "x")
    # by hand: relu(θ + h) = 1.5e-4, relu(θ − h) = 0, so the two-sided difference is 0.75
    assert e["f_plus"] == pytest.approx(1.5e-4) and e["f_minus"] == 0.0
    assert e["numeric"] == pytest.approx(0.75) and e["analytic"] == 1.0
    assert e["kink"] is True and "kink" in e["note"] and "relu on line 2" in e["note"]
    # passed is what the numbers say; the note explains it, and the top level counts it apart
    assert e["passed"] is False and report["passed"] is False
    assert report["kinks"] == 1 and report["passed_away_from_kinks"] is True


def test_a_relu_far_from_its_kink_is_not_flagged() -> None:
    report = gradcheck(trace("x = 1.0\nf = relu(x)"))
    e = entry(report, "x")
    assert e["kink"] is False and e["note"] is None and e["passed"] is True
    assert report["kinks"] == 0 and report["passed"] is True


@pytest.mark.parametrize("source,flagged", [
    ("x = -0.00003\nf = leaky_relu(x, 0.1)", True),
    ("x = -0.3\nf = leaky_relu(x, 0.1)", False),
    ("x = 0.00002\nf = abs(x) * 3", True),
    ("x = 0.99995\nf = hardtanh(x)", True),
    ("x = -1.00005\nf = hardtanh(x)", True),
    ("x = 0.5\nf = hardtanh(x)", False),
    ("x = 1.0; y = 2.0; z = 2.00005\nf = (x + y) * max(y, z)", True),
    ("x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)", False),
    ("y = 0.3; z = 0.30001\nf = min(y, z) * 2", True),
    ("x = 0.00001\nf = elu(x, 2.0)", True),
    ("x = 0.00001\nf = elu(x)", False),             # α = 1: elu's slope is continuous at 0
    ("x = 0.00001\ny = 1.0\nu = relu(x)\nf = y * 2", False),   # the relu does not reach f
])
def test_kinks_of_each_kinked_op(source: str, flagged: bool) -> None:
    report = gradcheck(trace(source))
    entries = [e for r in report["leaves"] for e in r["entries"]]
    assert any(e["kink"] for e in entries) is flagged
    assert report["kinks"] == sum(e["kink"] for e in entries)
    for e in entries:
        assert (e["note"] is not None) is e["kink"]


def test_only_the_entry_that_crosses_is_flagged() -> None:
    report = gradcheck(trace("x = [0.00005, 1.0, -2.0]\nf = sum(relu(x))"))
    flags = {tuple(e["index"]): e["kink"] for e in report["leaves"][0]["entries"]}
    assert flags == {(0,): True, (1,): False, (2,): False}


@pytest.mark.parametrize("h", [0.0, -1e-4, 2.0, 1e-12, float("nan"), float("inf"), True])
def test_a_bad_h_is_refused(h) -> None:
    with pytest.raises(ValueError, match="h must be a number from 1e-10 to 1"):
        gradcheck(trace("x = 1.0\nf = x * x"), h)


def run(*args: str, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, timeout=120, text=True)


def test_the_cli_h_reaches_the_document() -> None:
    r = run("trace", "-", "--gradcheck", "--h", "1e-3", stdin="x = 2.0\nf = x * x * x")
    assert r.returncode == 0, r.stderr
    gc = json.loads(r.stdout)["gradcheck"]
    assert gc["h"] == 1e-3
    assert gc["leaves"][0]["entries"][0]["f_plus"] == pytest.approx(2.001 ** 3, rel=1e-14)
    default = json.loads(run("trace", "-", "--gradcheck", stdin="x = 2.0\nf = x * x * x").stdout)
    assert default["gradcheck"]["h"] == 1e-4


@pytest.mark.parametrize("args,part", [
    (["--gradcheck", "--h", "0"], "--h must be a number from 1e-10 to 1"),
    (["--gradcheck", "--h", "abc"], "--h must be a number from 1e-10 to 1"),
    (["--gradcheck", "--h=-1"], "--h must be a number from 1e-10 to 1"),
    (["--gradcheck", "--h", "nan"], "--h must be a number from 1e-10 to 1"),
    (["--h", "1e-3"], "--h is the step of the gradient check: give it with --gradcheck"),
])
def test_a_bad_cli_h_is_one_line(args, part) -> None:
    r = run("trace", "-", *args, stdin="x = 2.0\nf = x * x")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and part in r.stderr
