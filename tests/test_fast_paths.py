"""The engine's fast path gives the very same trace as the reference path it stands in for.

- The scalar interpretation of the ops (Python floats) against numpy alone: the same JSON
  document byte for byte, signed zeros included, and the same numeric errors.
"""
from __future__ import annotations

import json
import random

import pytest

import engine.autodiff as autodiff
from engine import ProgramError, trace

NUMBERS = ["1", "2.5", "0.5", ".5", "3.", "1e2", "1.5e-3", "0", "2E1", "7", "0.0", "1e-320", "1e300",
           "00", "01", "1_0", "1e400"]
FUNCTIONS = ["exp", "log", "relu", "tanh", "max", "min", "sum", "mean", "sqrt", "abs", "sigmoid",
             "hardtanh", "sin", "cos", "leaky_relu", "dot", "foo"]
OPERATORS = ["+", "-", "*", "/", "**", "*", "+", "-", "@", "//"]


def _space(rng: random.Random) -> str:
    return rng.choice(["", "", " ", " ", "  ", "\t"])


def _expr(rng: random.Random, names: list[str], depth: int = 0) -> str:
    r = rng.random()
    if depth > 4 or r < 0.3:
        c = rng.random()
        if c < 0.6 and names:
            return rng.choice(names)
        if c < 0.9:
            return rng.choice(NUMBERS)
        return rng.choice(["-", "+"]) + _space(rng) + rng.choice(NUMBERS)
    if r < 0.6:
        return (_expr(rng, names, depth + 1) + _space(rng) + rng.choice(OPERATORS) + _space(rng)
                + _expr(rng, names, depth + 1))
    if r < 0.7:
        return rng.choice(["-", "-", "+"]) + _space(rng) + _expr(rng, names, depth + 1)
    if r < 0.85:
        return "(" + _space(rng) + _expr(rng, names, depth + 1) + _space(rng) + ")"
    f = rng.choice(FUNCTIONS)
    n = 2 if f in ("max", "min", "dot") else rng.choice([1, 1, 1, 2, 0])
    return f + rng.choice(["", "", " "]) + "(" + ("," + _space(rng)).join(
        _expr(rng, names, depth + 1) for _ in range(n)) + ")"


def random_program(rng: random.Random) -> str:
    names: list[str] = []
    text = ""
    for i in range(rng.randrange(1, 8)):
        name = rng.choice(["a", "b", "x1", "_y", "v", "exp", "if"]) if rng.random() < 0.25 else f"n{i}"
        rhs = (rng.choice(NUMBERS + ["-1.5", "+2", "- 3", "(2.0)", "(-1.0)", "-(2)"]) if rng.random() < 0.3
               else _expr(rng, names))
        statement = name + _space(rng) + "=" + _space(rng) + rhs
        if rng.random() < 0.1:
            statement += _space(rng) + "# note"
        if i:
            text += rng.choice(["\n", "\n", "\n", ";", "; ", "\n\n", "\n# c\n", "\n  "])
        text += statement
        names.append(name)
    return text + ("\n" if rng.random() < 0.3 else "")


def document(source: str) -> str:
    """The JSON document, or the one-line error."""
    try:
        return json.dumps(trace(source).to_dict())
    except ProgramError as e:
        return "error: " + str(e)


@pytest.fixture
def numpy_only(monkeypatch: pytest.MonkeyPatch):
    return lambda: monkeypatch.setattr(autodiff, "SCALAR", {})


PROGRAMS = [random_program(random.Random(seed)) for seed in range(600)] + [
    "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)",
    "a = 0.0\nb = max(a + a, -a) * min(-a, a)\nc = relu(-0.0 * a) + hardtanh(b)",   # signed zeros, ties
    "x = 2.0\ny = x ** 2 ** -1\nz = -x ** 2 + (-2) ** 2 - -x",
    "x = 1.0\ny = x / (x - x)",                          # division by zero at the node
    "x = 800.0\ny = exp(x) * 2",                          # overflow
    "x = 1e200\ny = x * x",                               # overflow in Python floats, named by numpy
    "x = 0.0\ny = sqrt(x)\nz = y * 3",                    # d sqrt at 0: a backward-pass error
    "x = 1e300\ny = x * 10\nz = 1 / y",
    "x = 3.0\ny = x\nz = y * x",                          # aliasing
    "x = 1.0\nf = " + "-" * 70 + "x",                     # nesting past the limit
    "x = 1.0\n  y = x",                                   # indentation
]


def test_scalar_interpretation_matches_numpy(numpy_only):
    scalar = [document(p) for p in PROGRAMS]
    numpy_only()
    for program, expected in zip(PROGRAMS, scalar):
        assert document(program) == expected, program
