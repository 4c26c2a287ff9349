"""The notation reads as Python reads it: precedence, associativity, unary signs, number
forms, whitespace, comments, `;`, line continuations, names. The reference is Python
itself evaluating the same text (trusted test strings, in the test only): any reader of
the notation, however it is implemented, must agree with it."""
from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings, strategies as st

from engine import ProgramError, trace
from tests.engine.reference import leaf

ENV_FUNCS = {
    "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "abs": abs, "sin": math.sin, "cos": math.cos,
    "tanh": math.tanh, "sigmoid": lambda v: 1 / (1 + math.exp(-v)), "relu": lambda v: max(v, 0.0),
    "max": max, "min": min, "hardtanh": lambda v: min(max(v, -1.0), 1.0),
}


def python_value(expr: str, env: dict[str, float]) -> float:
    return float(eval(expr, {"__builtins__": {}}, {**ENV_FUNCS, **env}))   # the reference: Python


@pytest.mark.parametrize("expr", [
    "-x ** 2", "(-x) ** 2", "x ** -1", "2 ** 3 ** 2", "x ** y ** 0.5", "-x * y", "x - y - z", "x / y / z",
    "x - -y", "x - +y", "+x", "--x", "x * y + z * x", "x + y * z", "(x + y) * z", "x / y * z", "x * -y ** 2",
    "x ** 2 / y ** 2", "-(x + y) ** 2", "max(x, y) * min(y, z)", "1 / x + 2. * y - .5 * z", "1e-3 * x + 1E3 * y",
    "1_000.5 * x", "0x10 * x + 0o7 * y + 0b101 * z", "2 * -3 * x", "x * 2 ** -2",
    "exp(-x) * sin(y) ** 2 - cos(z) ** 2", "sqrt(x * x + y * y) / abs(z)", "relu(-x) + relu(x) - hardtanh(3 * y)",
    "tanh(x)**2+sigmoid(  y  )*( z )", "((((x))))", "x*y*z*x*y*z", "x ** 2 ** 2", "-2 ** 2 * x",
])
def test_expressions_read_as_python_reads_them(expr: str) -> None:
    env = {"x": 1.3, "y": 0.7, "z": -2.1}
    t = trace(f"x = 1.3; y = 0.7; z = -2.1\nf = {expr}")
    assert float(t.nodes[t.output].value) == pytest.approx(python_value(expr, env), rel=1e-13, abs=1e-15)
    h = 1e-6
    for name in env:
        plus = python_value(expr, {**env, name: env[name] + h})
        minus = python_value(expr, {**env, name: env[name] - h})
        assert float(leaf(t, name).grad) == pytest.approx((plus - minus) / (2 * h), rel=1e-6, abs=1e-6), name


@pytest.mark.parametrize("source", [
    "x = 1.5\ny = 2.0\nf = x * y",
    "x = 1.5; y = 2.0; f = x * y",
    "x = 1.5;  y = 2.0 ;f = x * y;",
    "# a comment first\nx = 1.5   # the input\n\n\ny = 2.0\n   \n# between\nf = x * y  # the output\n",
    "x = 1.5\ny = 2.0\nf = (x\n     * y)",
    "x = 1.5\ny = 2.0\nf = x \\\n    * y",
    "x = 1.5\ny = 2.0\nf = max(\n    x * y,\n    -1.0,\n)",
    "x = 1.5\ny = 2.0\nf = x\t*\ty",
    "x = 1.5\r\ny = 2.0\r\nf = x * y\r\n",
    "x = 1.5\ny = 2.0\nf = x * y\n\n\n",
    "\n\nx = 1.5\ny = 2.0\nf = x * y",
    "x=1.5\ny=2.0\nf=x*y",
    "x = [1.5][0]\ny = 2.0\nf = x * y",
])
def test_layout_does_not_change_the_meaning(source: str) -> None:
    t = trace(source)
    assert float(t.nodes[t.output].value) == 3.0
    assert float(leaf(t, "y").grad) == 1.5


@pytest.mark.parametrize("source, ids", [
    ("x = 1.0\ny = 2.0\nx + y", [0, 1, 2]),
    ("x = 1.0\nx", [0]),
    ("x = 1.0\nf = x\ng = f * 2", [0, 1, 2]),
])
def test_the_last_statement_is_the_output(source: str, ids: list[int]) -> None:
    t = trace(source)
    assert [n.id for n in t.nodes] == ids and t.output == ids[-1]
    assert float(t.nodes[t.output].grad) == 1.0


def test_names_may_be_long_unicode_or_underscored() -> None:
    t = trace("learning_rate_2 = 0.5; _b = 2.0; Größe = 3.0; θ = 1.0\nf = learning_rate_2 * _b * Größe * θ")
    assert float(leaf(t, "Größe").grad) == 1.0 and float(leaf(t, "θ").grad) == 3.0
    assert leaf(t, "Größe").label == "Größe"


def test_keywords_and_builtins_are_not_names() -> None:
    with pytest.raises(ProgramError):
        trace("None = 1.0")
    with pytest.raises(ProgramError) as info:
        trace("x = 1.0\nf = len(x)")
    assert "unknown function 'len'" in info.value.message


# ------------------------------------------------------------------ random texts
names = st.sampled_from(["x", "y", "z"])
space = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def texts(draw, depth: int = 3) -> str:
    """Random scalar expressions as text, with random spacing and parentheses."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        atom = draw(st.one_of(names, st.sampled_from(["2", "0.5", "1e-1", "3.", ".25", "1_0"])))
        return atom
    kind = draw(st.integers(0, 5))
    s1, s2 = draw(space), draw(space)
    if kind == 0:
        return f"-{s1}{draw(texts(depth - 1))}"
    if kind == 1:
        return f"({s1}{draw(texts(depth - 1))}{s2})"
    if kind == 2:
        f = draw(st.sampled_from(["sin", "cos", "tanh", "sigmoid", "abs"]))
        return f"{f}({s1}{draw(texts(depth - 1))}{s2})"
    if kind == 3:
        return f"max({draw(texts(depth - 1))},{s1}{draw(texts(depth - 1))})"
    if kind == 4:                                  # a small whole power of anything
        return f"{draw(texts(depth - 1))}{s1}**{s2}{draw(st.sampled_from(['2', '3', '(1)']))}"
    op = draw(st.sampled_from(["+", "-", "*"]))
    return f"{draw(texts(depth - 1))}{s1}{op}{s2}{draw(texts(depth - 1))}"


@settings(max_examples=200, deadline=None, derandomize=True)
@given(texts(4), st.sampled_from([0.37, -1.21, 2.3]), st.sampled_from([0.8, -0.45]), st.sampled_from([1.9, -0.6]))
def test_random_texts_agree_with_python(expr: str, x: float, y: float, z: float) -> None:
    env = {"x": x, "y": y, "z": z}
    try:
        expected = python_value(expr, env)
    except (OverflowError, ZeroDivisionError, ValueError):
        assume(False)
    assume(abs(expected) < 1e12)
    source = f"x = {x!r}; y = {y!r}; z = {z!r}\nf = {expr}"
    try:
        t = trace(source)
    except ProgramError as e:
        # only the nesting limit may refuse a text Python reads
        assert "nests more than" in e.message, (expr, str(e))
        return
    assert float(t.nodes[t.output].value) == pytest.approx(expected, rel=1e-12, abs=1e-12), expr
