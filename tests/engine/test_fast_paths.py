"""The engine's fast path gives the very same trace as the reference path it stands in for.

- The scalar interpretation of the ops (Python floats) against numpy alone: the same JSON
  document byte for byte, signed zeros included, and the same numeric errors.
- The scalar power's shortcuts (x ** 2 as x * x, x ** 1 as x) against numpy's power, on any
  float.
- The reader's scalar fast path against its general one (every node made by `make`).
"""
from __future__ import annotations

import json
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine.autodiff as autodiff
import engine.parser as parser
from engine import ProgramError, trace
from engine.ops import FUNCTIONS, OPS, SCALAR

NUMBERS = ["1", "2.5", "0.5", ".5", "3.", "1e2", "1.5e-3", "0", "2E1", "7", "0.0", "1e-320", "1e300",
           "00", "01", "1_0", "1e400"]
# Every function whose op has a scalar twin, a few that take tensors, and an unknown one.
CALLED = sorted(f for f, op in FUNCTIONS.items() if op in SCALAR) + ["sum", "mean", "dot", "foo"]
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
    f = rng.choice(CALLED)
    n = 2 if f in FUNCTIONS and OPS[FUNCTIONS[f]].arity == 2 else rng.choice([1, 1, 1, 2, 0])
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


# Every function with a scalar twin at points with signed zeros, ties, kinks and domain errors.
TWIN_PROGRAMS = [
    f"x = {x}; z = 0.5\ny = {f}(x, z) * {f}(z, x) + {f}(x, x)" if OPS[op].arity == 2
    else f"x = {x}\ny = {f}(x) * {f}(x + 0.25) - {f}(x * x)"
    for f, op in sorted(FUNCTIONS.items()) if op in SCALAR
    for x in ["-1.5", "-0.0", "0.0", "0.5", "1.0", "-1.0", "2.0", "30.0"]
]


PROGRAMS = [random_program(random.Random(seed)) for seed in range(600)] + TWIN_PROGRAMS + [
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
    "a = -0.0\nb = elu(a) + softplus(a) * gelu(a) - silu(a) + elu(a, 0.5)",   # signed zeros
    "x = 800.0\ny = softplus(x) + gelu(x) + silu(x) + elu(x) + softplus(-x) * silu(-x) + elu(-x, 2)",
    "x = 1e200\ny = gelu(x) + gelu(-x) + silu(-x) + elu(-x)",   # φ(x) where x² overflows
]


def test_scalar_interpretation_matches_numpy(numpy_only):
    scalar = [document(p) for p in PROGRAMS]
    used = {n["op"] for d in scalar if not d.startswith("error") for n in json.loads(d)["nodes"]}
    assert set(SCALAR) <= used, f"scalar twins no program here uses: {sorted(set(SCALAR) - used)}"
    numpy_only()
    for program, expected in zip(PROGRAMS, scalar):
        assert document(program) == expected, program


@settings(max_examples=500, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([2.0, 1.0, 2, 1]))
def test_scalar_power_shortcuts_match_numpy(x, y):
    with np.errstate(over="ignore", under="ignore"):
        expected = float(np.power(x, float(y)))
        as_arrays = float(np.asarray(x) ** np.asarray(float(y)))       # the numpy interpretation
    got = SCALAR["pow"].forward([x, float(y)], {})
    assert np.float64(got).tobytes() == np.float64(expected).tobytes() == np.float64(as_arrays).tobytes()


@pytest.fixture
def general_reader(monkeypatch: pytest.MonkeyPatch):
    """Every node through `make` (shape rule, handler table): the general path the fast one stands in for."""
    def general() -> None:
        monkeypatch.setattr(parser.Builder, "make_number",
                            lambda self, at, op, kind, inputs, attrs, label, literal=None: self.make(
                                at, op, kind, [self.graph.nodes[i] for i in inputs], attrs, label,
                                None if literal is None else np.array(literal), ()))
        monkeypatch.setattr(parser.Builder, "operand", lambda self, node, depth: self.expr(node, depth))
    return general


def test_reader_fast_path_matches_general_path(general_reader):
    programs = PROGRAMS + [
        "x = 1.0\ny = 2.5\nz = x * y + 1 - x / 2 ** y\nw = relu(z) + max(x, z) - -z",
        "é = 1.0\nf = é * 2 + (é\n  - 3)",                          # non-ASCII, a node over two lines
        "v = [1.0, 2.0]\ns = sum(v * 2.0) + relu(v)[0]",              # vectors among numbers
        "x = 1.0\ny = x + 1.5 + 1.5 + 1.5\nz = 1.5",                # a number read again
    ]
    fast = [document(p) for p in programs]
    general_reader()
    for program, expected in zip(programs, fast):
        assert document(program) == expected, program
