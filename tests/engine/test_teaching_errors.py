"""Error messages that teach: a keyword used as a name, a missing operator, and a shape
mismatch in @ each say what is wrong, where, and what to write instead.

Where each error belongs is worked out from the source text (`locate`), and the shapes and
lines in the @ message from numpy and the program text, not copied from the engine.
"""
from __future__ import annotations

import keyword
import re

import numpy as np
import pytest

from engine import trace
from tests.engine.test_errors import error_of, locate


# (source, the text the error points at, occurrence, the keyword)
KEYWORDS = [
    ("in = [0.2, 0.0]", "in", 0, "in"),
    ("for = 1.0", "for", 0, "for"),
    ("lambda = 2.0", "lambda", 0, "lambda"),
    ("x = 1.0\nx = in + 1", "in", 0, "in"),
    ("x = 1.0\ny = x + for", "for", 0, "for"),
    ("class = 2.0\ny = class * 2", "class", 0, "class"),
    ("museums = [1.0, 2.0]\nin = [0.2, 0.0]\nx = concat(museums, in)", "in =", 0, "in"),
    ("é = 1.0\nf = é * (2 + if)", "if", 0, "if"),          # columns count characters
    ("x = 1.0  # in = 2\nin = 3.0", "in = 3", 0, "in"),     # a comment is not code
]


@pytest.mark.parametrize("source,at,nth,word", KEYWORDS)
def test_a_keyword_used_as_a_name_says_so_and_suggests_another(source, at, nth, word) -> None:
    assert keyword.iskeyword(word)
    e = error_of(source)
    assert (e.line, e.col) == locate(source, at, nth)
    assert f"'{word}' is a Python keyword" in e.message and "cannot be a name" in e.message
    suggestions = re.findall(r"such as (\w+) or (\w+)", e.message)[0]
    for name in suggestions:                           # each suggestion is a usable name
        assert name.isidentifier() and not keyword.iskeyword(name)
        if re.search(rf"^{word} = ", source, re.M):      # where it was assigned, the renamed program runs
            trace(re.sub(rf"(?<!# )(?<!\w){word}\b", name, source))


# (source, the text the error points at, occurrence, the two operands)
MISSING = [
    ("w = 1.0\nx = 2.0\ns = w x", "x", -1, ("w", "x")),
    ("x = 2.0\ns = 2 x", "x", 1, ("2", "x")),
    ("w = 1.0\nx = 2.0\ns = w x + 1", "x +", 0, ("w", "x")),
    ("x = 2.0\ns = exp(x) x", "x", -1, ("exp(x)", "x")),
    ("x = 2.0\ns = (x +\n     2.0 x)", "x)", 0, ("2.0", "x")),
    ("é = 1.0\nf = é é", "é", 2, ("é", "é")),
]


@pytest.mark.parametrize("source,at,nth,pair", MISSING)
def test_a_missing_operator_says_so(source, at, nth, pair) -> None:
    e = error_of(source)
    assert (e.line, e.col) == locate(source, at, nth)
    a, b = pair
    assert f"operator" in e.message and f"missing between {a} and {b}" in e.message
    assert f"{a} * {b}" in e.message
    if not any(c.isdigit() for c in a + b):            # two tensors: * or @
        assert f"{a} @ {b}" in e.message


def test_a_missing_comma_in_a_list_mentions_the_comma() -> None:
    source = "x = [1.0 2.0]"
    e = error_of(source)
    assert (e.line, e.col) == locate(source, "2.0")
    assert "missing between 1.0 and 2.0" in e.message and "1.0, 2.0" in e.message


def test_other_syntax_errors_keep_pythons_words() -> None:
    e = error_of("x = 1.0\nf = x +* 2")
    assert e.message.startswith("syntax error") and (e.line, e.col) == (2, 8)


# (source, left name, right name, a fix that must then trace, the hint's words)
MATMUL = [
    ("W = xavier(4, 10, seed=0)\nx = randn(5, seed=1)\nh = W @ x", "W", "x",
     ("W = xavier(4, 10", "W = xavier(4, 5"), "xavier(4, 5)"),
    ("W = xavier(10, 4, seed=0)\nx = randn(10, seed=1)\nh = W @ x", "W", "x",
     ("h = W @ x", "h = W.T @ x"), "W.T @ x"),
    ("W = xavier(10, 4, seed=0)\nx = randn(10, seed=1)\nh = W @ x", "W", "x",
     ("xavier(10, 4", "xavier(4, 10"), "xavier(4, 10)"),
    ("x = randn(5, seed=1)\nW = xavier(4, 10, seed=0)\nh = x @ W", "x", "W",
     ("xavier(4, 10", "xavier(5, 10"), "xavier(5, 10)"),
    ("A = randn(3, 4)\nB = randn(3, 5)\nC = A @ B", "A", "B", ("A @ B", "A.T @ B"), "A.T @ B"),
    ("A = randn(3, 4)\nB = randn(5, 4)\nC = A @ B", "A", "B", ("A @ B", "A @ B.T"), "A @ B.T"),
    ("x = randn(3)\nW = randn(4, 3)\ny = x @ W", "x", "W", ("x @ W", "W @ x"), "W @ x"),
    ("a = randn(3)\n\nb = randn(4)\nc = a @ b", "a", "b", ("randn(4)", "randn(3)"), "same length"),
]


@pytest.mark.parametrize("source,left,right,fix,hint", MATMUL)
def test_a_matmul_shape_mismatch_names_both_shapes_where_they_were_made_and_a_fix(
        source, left, right, fix, hint) -> None:
    e = error_of(source)
    lines = source.split("\n")
    out_line = len(lines)
    assert e.line == out_line and e.col == lines[-1].index("=") + 3     # the @ expression
    made = {name: next(i for i, text in enumerate(lines, 1) if text.startswith(f"{name} = "))
            for name in (left, right)}
    # the shapes, from numpy arrays of the sizes the constructors were given
    sizes = {m[1]: tuple(int(d) for d in m[2].split(", "))
             for m in re.finditer(r"^(\w+) = \w+\(([\d, ]+?)(?:, seed=\d+)?\)$", source, re.M)}
    sa, sb = np.zeros(sizes[left]).shape, np.zeros(sizes[right]).shape
    fmt = lambda s: "(" + ", ".join(map(str, s)) + ("," if len(s) == 1 else "") + ")"
    assert f"{left} {fmt(sa)} @ {right} {fmt(sb)}" in e.message
    assert f"{left} {fmt(sa)} made on line {made[left]}" in e.message
    assert f"{right} {fmt(sb)} made on line {made[right]}" in e.message
    assert "Hint:" in e.message and hint in e.message
    trace(source.replace(*fix) + "\nf = sum(" + lines[-1].split(" = ")[0] + ")")   # the hint's fix works


def test_a_matmul_of_expressions_names_their_text_and_line() -> None:
    source = "W = randn(3, 4)\nx = randn(3)\ny = sum(\n  tanh(W.T @ x) @ x)"
    e = error_of(source)
    assert (e.line, e.col) == locate(source, "tanh(W.T @ x) @ x")
    assert "tanh(W.T @ x) (4,) made on line 4" in e.message and "x (3,) made on line 2" in e.message

