"""Every kind of bad program gets a ProgramError naming the line, the column and the problem.

Where the error belongs is worked out here from the source text (the offending piece is
found with str.find, and columns are counted in characters from 1), not copied from the
engine. Lines with non-ASCII characters check that columns are characters, not bytes.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from engine import ProgramError, trace
from engine.source import one_line_break
from engine.limits import MAX_DEPTH, MAX_ELEMENTS, MAX_NODES, MAX_STATEMENTS, MAX_TOTAL_ELEMENTS

CLI = str(Path(sys.executable).with_name("backprop-studio"))


def locate(source: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """Line and column (characters, from 1) of the nth occurrence of needle in source
    (nth = -1: the last one, overlapping occurrences counted)."""
    at = -1
    if nth < 0:
        at = source.rfind(needle)
    for _ in range(nth + 1):
        at = source.find(needle, at + 1)
    assert at >= 0, f"{needle!r} not in the test's own source"
    before = source[:at]
    line = before.count("\n") + 1
    col = at - (before.rfind("\n") + 1) + 1
    return line, col


def error_of(source: str) -> ProgramError:
    with pytest.raises(ProgramError) as info:
        trace(source)
    e = info.value
    assert "\n" not in str(e), f"the message must be one line: {str(e)!r}"
    assert str(e) == f"line {e.line}, col {e.col}: {e.message}"
    return e


# (source, the text the error points at (its start), occurrence, pattern the message matches)
CASES = [
    # syntax errors
    ("x = 1.0\ny = (x +\nz = 2", "(", 0, r"syntax error.*never closed"),
    ("x = 1.0\nf = x +* 2", "*", 0, r"syntax error"),
    ("é = 1.0\nf = é +* 2", "*", 0, r"syntax error"),
    ("ñ = (1.0 +", "(", 0, r"syntax error.*never closed"),
    ("x = 'abc", "'", 0, r"syntax error.*unterminated string"),
    # unknown names and functions
    ("x = 1.0\nf = x + yy", "yy", 0, r"unknown name 'yy'"),
    ("é = 1.0; ñ = é + q", "q", 0, r"unknown name 'q'"),
    ("weight = 1.0\nf = wieght * 2", "wieght", 0, r"unknown name 'wieght'.*did you mean 'weight'"),
    ("x = 1.0\nf = foo(x)", "foo", 0, r"unknown function 'foo'"),
    ("x = 1.0\nf = expp(x)", "expp", 0, r"unknown function 'expp'.*did you mean 'exp'"),
    ("f = __import__('os')", "__import__", 0, r"unknown function '__import__'"),
    ("x = 1.0\nf = print(x)", "print", 0, r"unknown function 'print'"),
    ("f = exp", "exp", 0, r"'exp' is a function"),
    ("exp = 1.0", "exp", 0, r"'exp' is the name of a function"),
    # attribute access other than .T
    ("x = [1.0, 2.0]\nf = sum(x.real)", "x.real", 0, r"attribute.*\.real.*only \.T"),
    ("x = 1.0\nf = x.__class__", "x.__class__", 0, r"attribute.*__class__"),
    ("x = [[1.0]]\nf = x.T.shape", "x.T.shape", 0, r"attribute.*\.shape"),
    ("x = [1.0]\nf = x.sum()", "x.sum", 0, r"method calls.*\.sum"),
    ("é = [1.0]\nf = é.sum()", "é.sum", 0, r"method calls"),
    # statements that are not assignments
    ("x = 1.0\nimport os", "import", 0, r"imports are not allowed"),
    ("from os import path", "from", 0, r"imports are not allowed"),
    ("def f(): pass", "def", 0, r"function definitions"),
    ("x: float = 1.0", "x", 0, r"annotated assignments"),
    ("x = 1.0\nfor i in x: pass", "for", 0, r"loops"),
    # lambdas, strings, comprehensions and friends
    ("x = 1.0\nf = (lambda: x)", "lambda", 0, r"lambda"),
    ('x = "abc"', '"abc"', 0, r"strings are not allowed"),
    ('x = 1.0\nf = x + "s"', '"s"', 0, r"strings are not allowed"),
    ('x = [1.0, "a"]', '"a"', 0, r"strings are not allowed"),
    ('x = 1.0\nf = f"{x}"', 'f"', 0, r"f-strings"),
    ("x = [1.0, 2.0]\nf = sum([a for a in x])", "[a for", 0, r"comprehensions"),
    ("x = [1.0, 2.0]\nf = sum(a for a in x)", "(a for", 0, r"generator expressions"),
    ("x = 1.0\nf = {x: 1}", "{", 0, r"dictionaries"),
    ("x = 1.0\nf = x if x else x", "x if", 0, r"conditional expressions"),
    ("x = 1.0\nf = x < 2", "x < 2", 0, r"comparisons"),
    ("x = 1.0\nf = (x, x)", "(x, x)", 0, r"tuples"),
    ("x = 1.0\nf = x // 2", "x // 2", 0, r"FloorDiv|//"),
    ("x = 1.0\nf = not x", "not x", 0, r"not"),
    # *args, **kwargs, unknown keywords
    ("x = [1.0]\nf = sum(*x)", "*x", 0, r"\*args"),
    ("x = 1.0\nf = exp(**x)", "**x", 0, r"\*\*kwargs"),
    ("x = 1.0\nf = exp(x, foo=1)", "foo", 0, r"exp\(\) has no keyword 'foo'"),
    ("x = [1.0]\nf = sum(x, axes=0)", "axes", 0, r"no keyword 'axes'.*axis"),
    ("W = randn(3, sed=1)", "sed", 0, r"randn\(\) has no keyword 'sed'.*seed"),
    ("é = 1.0\nf = leaky_relu(é, slop=0.1)", "slop", 0, r"no keyword 'slop'.*slope"),
    ("x = [1.0, 2.0]\nf = sum(x, axis=0, axis=0)", "axis=0", 1, r"sum\(\) got 'axis' twice"),
    ("x = [1.0, 2.0]\nf = cross_entropy(x, 1, target=0)", "target", 0, r"got 'target' twice"),
    ("x = 1.0\nf = leaky_relu(x, 0.1, slope=0.2)", "slope", 0, r"got 'slope' twice"),
    ("W = randn(3, seed=1, seed=2)", "seed", 1, r"randn\(\) got 'seed' twice"),
    # arguments
    ("x = 1.0\nf = max(x)", "max(x)", 0, r"max\(\) takes 2 arguments, got 1"),
    ("x = [1.0]\nf = x[0.5]", "0.5", 0, r"index must be a whole-number"),
    ("x = [1.0, 2.0]\nf = cross_entropy(x)", "cross_entropy(x)", 0, r"target"),
    ("x = [1.0, 2.0]\nf = cross_entropy(x, 5)", "cross_entropy(x, 5)", 0, r"target index 5.*2 classes"),
    ("x = 1.0\nf = frozen(x)", "x)", 0, r"frozen"),
    ("x = randn(3, seed=-1)", "-1", 0, r"seed"),
    ("x = zeros(0)", "0)", 0, r"size"),
    ("x = zeros(3, 3, 3)", "zeros", 0, r"sizes"),
    ("x = [[[1.0]]]", "[1.0]", 0, r"nest at most 2"),
    ("x = [[1.0, 2.0], [3.0]]", "[[", 0, r"rectangular"),
    ("x = 1.0\nf = leaky_relu(x, slope=x)", "x)", 0, r"^expected a number such as 0\.1"),
    ("x = 1.0\nf = leaky_relu(x, [0.1])", "[0.1]", 0, r"^expected a number"),
    # shapes, naming both
    ("u = [1.0, 2.0]; v = [1.0, 2.0, 3.0]\nf = u + v", "u + v", 0, r"\(2,\).*\(3,\)"),
    ("W = zeros(2, 3); x = zeros(2)\nf = sum(W @ x)", "W @ x", 0, r"\(2, 3\).*\(2,\)"),
    ("A = ones(2, 3)\nB = ones(3, 2)\nf = sum(A * B)", "A * B", 0, r"\(2, 3\).*\(3, 2\)"),
    ("x = 1.0\nf = x @ x", "x @ x", 0, r"@"),
    ("x = [1.0]\nf = x[5]", "x[5]", 0, r"index 5 is out of range for shape \(1,\)"),
    ("x = 1.0\nf = x[0]", "x[0]", 0, r"scalar cannot be indexed"),
    ("x = [1.0, 2.0]\nf = sum(softmax(x[1:1]))", "x[1:1]", 0, r"slice is empty.*\(2,\)"),
    ("W = [[1.0, 2.0]]\nf = sum(W[1:])", "W[1:]", 0, r"slice is empty.*\(1, 2\)"),
    ("W = ones(2, 2)\nv = ones(3)\nf = sum(outer(W, v))", "outer", 0, r"\(2, 2\).*\(3,\)"),
    ("W = ones(2, 2)\nv = ones(3)\nf = sum(concat(v, W))", "concat", 0, r"\(2, 2\)"),
    # assignment forms
    ("x = 1.0\nx += 1", "x +=", 0, r"augmented assignments"),
    ("a = b = 1.0", "b", 0, r"chained assignment"),
    ("x, y = 1.0, 2.0", "x, y", 0, r"unpacking"),
    ("x = [1.0]\nx[0] = 2.0", "x[0]", 0, r"left side must be one name"),
    ("x = 1.0\nx.y = 2.0", "x.y", 0, r"left side must be one name"),
    # huge literals
    ("x = 1e400", "1e400", 0, r"too large"),
    ("é = 1.0; x = 1e999", "1e999", 0, r"too large"),
    ("x = " + "9" * 50, "9", 0, r"50 characters.*40"),
    ("x = 0x" + "f" * 60, "0x", 0, r"characters"),
    # empty
    ("", None, 0, r"empty"),
    ("# just a comment\n", None, 0, r"empty"),
]


@pytest.mark.parametrize("source, at, nth, pattern", CASES, ids=[c[0][:40] for c in CASES])
def test_bad_program_names_line_column_and_problem(source: str, at: str | None, nth: int, pattern: str) -> None:
    e = error_of(source)
    expected = locate(source, at, nth) if at is not None else (1, 1)
    assert (e.line, e.col) == expected, f"{e} should point at {at!r}: line {expected[0]}, col {expected[1]}"
    assert re.search(pattern, e.message), e.message
    assert e.to_dict() == {"line": e.line, "col": e.col, "message": e.message}


def test_a_huge_int_literal_gets_a_plain_message() -> None:
    e = error_of("x = 1" + "0" * 5000)
    assert e.line == 1 and "set_int_max_str_digits" not in e.message and "characters" in e.message


@pytest.mark.parametrize("source, at, what", [
    ("x = 0.0\nf = 2 * log(x)", "log(x)", "log"),
    ("x = 800.0\nf = 2 * exp(x)", "exp(x)", "overflow"),
    ("x = 1.0; y = 0.0\nf = x / y", "x / y", "division by zero"),
    ("é = 1.0; y = 0.0\nf = é / y", "é / y", "division by zero"),
    ("x = [1.0, -2.0]\nf = sum(sqrt(x))", "sqrt(x)", "invalid"),
    ("x = 0.0\nf = sqrt(x)", "sqrt(x)", "backward"),            # finite value, infinite slope
    ("f = 9**9**9", "9**9**9", "overflow"),
    ("f = 9**9**9**9", "9**9**9**9"[3:], "overflow"),          # 9**(9**9) overflows, inside
    ("x = 10**400", "10**400", "overflow"),
])
def test_numeric_trouble_names_the_node(source: str, at: str, what: str) -> None:
    e = error_of(source)
    assert (e.line, e.col) == locate(source, at, nth=-1)  # the innermost overflow
    assert "numeric error" in e.message and what in e.message
    assert f"'{at}'" in e.message and "node" in e.message


def test_unexpected_indent_points_into_the_indented_line() -> None:
    e = error_of("x = 1.0\n  f = x")
    assert e.line == 2 and 1 <= e.col <= 3 and "indent" in e.message


def test_numeric_trouble_in_a_multi_line_expression_is_still_one_line() -> None:
    source = "x = 0.0\nf = 2 * log(\n    x)"
    e = error_of(source)
    assert (e.line, e.col) == locate(source, "log(")
    assert "log(" in e.message


def test_non_scalar_output_is_not_an_error() -> None:
    t = trace("x = [1.0, 2.0]\nf = x * 3")
    doc = t.to_dict()
    assert doc["backward"] is False
    (msg,) = doc["messages"]
    assert (msg["line"], msg["col"]) == (2, 5)
    assert "sum(" in msg["message"] and "(2,)" in msg["message"]
    assert doc["nodes"][doc["output"]]["value"] == [3.0, 6.0]
    assert all(s["phase"] == "forward" for s in doc["steps"])
    assert len(doc["steps"]) == len(doc["nodes"])
    # with no backward pass there are no gradients to show
    assert all(n["grad"] is None for n in doc["nodes"])


# ------------------------------------------------------------------ nesting and size limits
@pytest.mark.parametrize("source", [
    "x = 1.0\nf = " + "-" * (MAX_DEPTH + 20) + "x",
    "x = 1.0\nf = " + "+".join(["x"] * (MAX_DEPTH + 20)),
    "x = 1.0\nf = " + "exp(" * (MAX_DEPTH + 20) + "x" + ")" * (MAX_DEPTH + 20),
])
def test_deep_nesting_is_refused(source: str) -> None:
    e = error_of(source)
    start = locate(source, "f = ")[1] + 4
    assert e.line == 2 and start <= e.col <= len(source.split("\n")[1])
    assert f"more than {MAX_DEPTH}" in e.message


def test_nesting_at_the_limit_is_fine() -> None:
    t = trace("x = 0.5\nf = " + "-" * (MAX_DEPTH - 1) + "x")
    assert float(t.nodes[t.output].value) == -0.5 and float(t.nodes[0].grad) == -1.0


@pytest.mark.parametrize("source", [
    "x = " + "-" * 100_000 + "1",
    "x = " + "(" * 1000 + "1" + ")" * 1000,
    "x = " + "[" * 100_000,
    "x = 1.0\nf = " + "exp(" * 5000 + "x" + ")" * 5000,
    "x = 1.0\nf = " + "+".join(["x"] * 50_000),
])
def test_pathological_nesting_is_an_error_not_a_crash(source: str) -> None:
    e = error_of(source)
    assert e.line >= 1 and e.col >= 1


def test_too_many_statements() -> None:
    source = "x = 1.0\n" * (MAX_STATEMENTS + 1)
    e = error_of(source)
    assert (e.line, e.col) == (MAX_STATEMENTS + 1, 1)
    assert f"{MAX_STATEMENTS:,}" in e.message


@pytest.mark.slow
def test_too_many_nodes() -> None:
    # x is node 0; every later statement makes four nodes: 1.0, +, 1.0, +.
    source = "x = 1.0\n" + "x = x + 1.0 + 1.0\n" * (MAX_NODES // 4 + 10)
    e = error_of(source)
    overflowing = MAX_NODES                       # the id the refused node would have had
    statement = (overflowing - 1) // 4 + 1        # counted from the first "x = x + ..."
    which = (overflowing - 1) % 4                 # 0: 1.0, 1: x + 1.0, 2: 1.0, 3: (x + 1.0) + 1.0
    col = {0: 9, 1: 5, 2: 15, 3: 5}[which]
    assert (e.line, e.col) == (statement + 1, col)
    assert f"{MAX_NODES:,}" in e.message and "nodes" in e.message


@pytest.mark.parametrize("source, at, elements", [
    ("W = zeros(100000, 100000)\nf = sum(W)", "zeros", 10**10),
    ("W = ones(100000, 100000)\nf = sum(W)", "ones", 10**10),
    ("W = randn(10000000)\nf = sum(W)", "randn", 10**7),
    ("W = xavier(20000, 10000, seed=1)\nf = sum(W)", "xavier", 2 * 10**8),
    ("x = zeros(1000000)\nf = sum(outer(x, x))", "outer", 10**12),
    ("x = ones(1000000)\nc = ones(1000000, 1)\nf = sum(x + c)", "x + c", 10**12),
])
def test_tensor_over_the_element_limit_is_refused_on_its_shape(source: str, at: str, elements: int) -> None:
    e = error_of(source)
    assert (e.line, e.col) == locate(source, at)
    assert f"{elements:,}" in e.message and f"{MAX_ELEMENTS:,}" in e.message


def test_too_many_elements_in_all() -> None:
    source = "".join(f"W{k} = zeros(1000, 1000)\n" for k in range(9)) + "f = sum(W0)"
    e = error_of(source)
    assert (e.line, e.col) == (MAX_TOTAL_ELEMENTS // MAX_ELEMENTS + 1, 6)
    assert f"{MAX_TOTAL_ELEMENTS:,}" in e.message


def test_huge_tensor_fails_without_allocating() -> None:
    """Under a 1 GiB address-space limit a 10¹⁰-element tensor can only be refused on its
    shape: allocating it (even lazily) would die with a MemoryError instead."""
    code = ("import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
            "from engine import trace, ProgramError\n"
            "for src in ['W = zeros(100000, 100000)\\nf = sum(W)', 'W = ones(100000, 100000)\\nf = sum(W)',\n"
            "            'x = ones(100000)\\nf = sum(outer(x, x))']:\n"
            "    try:\n"
            "        trace(src)\n"
            "    except ProgramError as e:\n"
            "        print(e)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 3 and all("the limit is" in ln for ln in lines), r.stdout


# ------------------------------------------------------------------ Unicode look-alikes
def summary(t) -> list:
    return [(n.op, n.kind, n.names, n.inputs, list(n.shape), np.asarray(n.value).tolist(),
             None if n.grad is None else np.asarray(n.grad).tolist()) for n in t.nodes]


@pytest.mark.parametrize("lookalike, plain", [
    ("ｘ = 1.5\nf = ｘ * 2", "x = 1.5\nf = x * 2"),
    ("x = 1.5\nf = ｅｘｐ(x)", "x = 1.5\nf = exp(x)"),
    ("x = 1.5\nf = ℯxp(x)", "x = 1.5\nf = exp(x)"),
    ("W = [[1.0, 2.0]]\nf = sum(W.Ｔ)", "W = [[1.0, 2.0]]\nf = sum(W.T)"),
    ("E = ｆｒｏｚｅｎ([1.0, 2.0])\nw = [1.0, 1.0]\nf = w @ E", "E = frozen([1.0, 2.0])\nw = [1.0, 1.0]\nf = w @ E"),
    ("ｘ＿ｉｎ = 2.0\nf = x_in * x_in", "x_in = 2.0\nf = x_in * x_in"),
])
def test_unicode_lookalikes_behave_exactly_like_their_normal_form(lookalike: str, plain: str) -> None:
    a, b = trace(lookalike), trace(plain)
    assert summary(a) == summary(b)
    assert [n.label for n in a.nodes] == [n.label for n in b.nodes]


@pytest.mark.parametrize("source, at, pattern", [
    ("x = 1.0\nf = x.ｒｅａｌ", "x.", r"\.real"),
    ("f = ＿＿ｉｍｐｏｒｔ＿＿('os')", "＿", r"syntax error: invalid character '＿'"),
    ("ｅｘｐ = 1.0", "ｅ", r"'exp' is the name of a function"),
    ("х = 1.0\nf = x * 2", "x *", r"unknown name 'x'"),            # Cyrillic х is another letter
    ("ｘ = 1.0; f = ｘ + ｑ", "ｑ", r"unknown name 'q'"),
])
def test_unicode_lookalikes_are_no_bypass(source: str, at: str, pattern: str) -> None:
    e = error_of(source)
    assert (e.line, e.col) == locate(source, at)
    assert re.search(pattern, e.message), e.message


def test_columns_count_characters_on_lines_with_wide_characters() -> None:
    for prefix in ("é", "ｘ", "𝐱", "日本"):
        source = f"{prefix} = 1.0; y = {prefix} + 2.0; z = y * q"
        e = error_of(source)
        assert (e.line, e.col) == locate(source, "q"), prefix


def test_crlf_line_endings() -> None:
    source = "x = 1.0\r\ny = 2.0\r\nf = x * q\r\n"
    e = error_of(source)
    assert (e.line, e.col) == (3, 9)
    t = trace("x = 1.0\r\nf = x * 3.0\r\n")
    assert float(t.nodes[0].grad) == 3.0


# ------------------------------------------------------------------ no other exception escapes
TOKENS = ["x", "y", "W", "1.0", "0", "-", "+", "*", "/", "**", "@", "(", ")", "[", "]", ",", ":", "=",
          "\n", ";", " ", ".T", ".x", "exp", "log", "sum", "max", "concat", "softmax", "frozen", "zeros",
          "randn", "axis=", "seed=", "'", "é", "1e308", "-1", "lambda", "#", "cross_entropy",
          "\r", "\r\n", "\x0c", "\u2028"]


@pytest.mark.slow
@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=30))
def test_random_token_soup_is_a_program_or_a_program_error(tokens: list[str]) -> None:
    source = "x = [1.0, 2.0]; y = 0.5; W = [[1.0, 0.0], [2.0, 1.0]]\n" + "".join(tokens)
    try:
        t = trace(source)
    except ProgramError as e:
        assert "\n" not in str(e) and "\r" not in str(e) and e.line >= 1 and e.col >= 1
        assert e.line <= one_line_break(source).count("\n") + 2
    else:
        t.to_dict()


# ------------------------------------------------------------------ limits at their boundary
@pytest.mark.slow
def test_limits_hold_exactly_at_their_boundary() -> None:
    from engine.limits import MAX_NUMBER_CHARS, MAX_NUMBER_MAGNITUDE, MAX_SOURCE_CHARS
    ok = ["x = 0.5\nf = " + "-" * MAX_DEPTH + "x",
          "x = " + "1" * MAX_NUMBER_CHARS,
          f"x = {MAX_NUMBER_MAGNITUDE!r}", f"x = -{MAX_NUMBER_MAGNITUDE!r}",
          "x = 1.0\n" + "#" * (MAX_SOURCE_CHARS - 8)]
    for source in ok:
        trace(source)
    e = error_of("x = 0.5\nf = " + "-" * (MAX_DEPTH + 1) + "x")
    assert e.line == 2 and f"more than {MAX_DEPTH}" in e.message
    e = error_of("x = " + "1" * (MAX_NUMBER_CHARS + 1))
    assert (e.line, e.col) == (1, 5) and f"{MAX_NUMBER_CHARS + 1} characters" in e.message
    e = error_of("x = 1.0\nf = x * 1.0000001e300")
    assert (e.line, e.col) == (2, 9) and "too large" in e.message
    e = error_of("x = 1.0\n" + "#" * (MAX_SOURCE_CHARS - 7))
    assert (e.line, e.col) == (1, 1) and f"{MAX_SOURCE_CHARS:,}" in e.message
    trace("x = 1.0\n" * MAX_STATEMENTS)
    t = trace(f"W = zeros({MAX_ELEMENTS // 1000}, 1000)\nf = sum(W)")
    assert t.nodes[0].size == MAX_ELEMENTS


@pytest.mark.parametrize("source", ["x = = 1", "x = (1", "x = 1 +", "x = 1\ny = foo(x)", "x = 1\ny = x @ x"])
def test_a_bad_program_leaves_no_reference_cycle(source):
    """The worker freezes what a trace keeps out of the cycle collector's sight (app/jobs.py);
    an error must not leave garbage only that collector could free (an error whose traceback
    holds the frame that holds the error)."""
    import gc
    gc.collect()
    with pytest.raises(ProgramError):
        trace(source)
    assert gc.collect() == 0
