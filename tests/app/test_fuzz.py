"""Fuzzing: the parser with random text and generated Python syntax, the API with
schemathesis against its own OpenAPI schema.

The parser's contract: any text either traces or raises ProgramError (a message with a
line and column inside the text), never another exception. The API's contract: no 5xx,
and every answer matches the schema (status codes, content types, bodies, headers).
Example counts are bounded so the whole file runs in about a minute.
"""
from __future__ import annotations

import ast
import json
import math

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance

from app.main import create_app
from engine import ProgramError, trace
from engine.source import one_line_break
from engine.parser import FUNCTIONS
from tests.app.hardening import record

TEXT_EXAMPLES = 300
AST_EXAMPLES = 400
API_EXAMPLES = 60
COUNTS = {"text": 0, "syntax": 0, "syntax_ok": 0, "api": 0}


def check_contract(source: str) -> bool:
    """Trace ``source``: success gives a JSON-able document, failure a located ProgramError."""
    lines = one_line_break(source).split("\n")      # \r\n and \r are line breaks too
    try:
        doc = trace(source).to_dict()
    except ProgramError as exc:
        assert 1 <= exc.line <= max(1, len(lines)) + 1, (exc.line, exc)
        assert exc.col >= 1 and exc.message and "Traceback" not in exc.message
        return False
    json.dumps(doc)                 # NaN/inf are allowed in the document, not objects
    assert doc["source"].split("\n") == lines
    for node in doc["nodes"]:
        assert all(i < node["id"] for i in node["inputs"])          # topological ids
        if node["line"] == node["end_line"]:                       # spans read from the text
            assert lines[node["line"] - 1][node["col"] - 1:node["end_col"] - 1] == node["expr"]
    return True


# ---------------------------------------------------------------- random text

PROGRAM_ALPHABET = st.sampled_from(list("xyzWb01234.5e+-*/@()[],:;=\n #_'\"\\{}<>!%&|~^`$?") +
                                   ["sum", "exp", "log", "relu", " ** ", ".T", "__", "ｘ", "é",
                                    "zeros(", "randn(", "seed=", "axis=", "\t", "\x00", "\u200b",
                                    "\r", "\r\n", "\r", "\x0c", "\u2028", "\x85"])


@settings(max_examples=TEXT_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.text(max_size=200),
                 st.lists(PROGRAM_ALPHABET, max_size=60).map("".join)))
def test_random_text_is_traced_or_refused_cleanly(source):
    COUNTS["text"] += 1
    check_contract(source)


# ---------------------------------------------------------------- generated syntax

NAMES = ["x", "y", "W", "b", "h", "__class__", "__import__", "eval", "open", "getattr", "ｅｘｐ"]
FUNCS = sorted(FUNCTIONS) + ["zeros", "ones", "randn", "xavier", "frozen", "print", "len"]
BINOPS = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.MatMult, ast.Mod, ast.FloorDiv,
          ast.LShift, ast.BitAnd]
UNARY = [ast.USub, ast.UAdd, ast.Not, ast.Invert]
KEYWORDS = ["axis", "seed", "scale", "slope", "evil"]

numbers = st.one_of(st.integers(-5, 5), st.integers(-10**60, 10**60),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, 1, 2, 0.5, 1e300]))
constants = st.one_of(numbers.map(ast.Constant),
                      st.sampled_from(["s", b"b", None, True, 1j, ...]).map(ast.Constant))
vectors = st.lists(numbers, min_size=1, max_size=4).map(
    lambda xs: ast.List([ast.Constant(v) for v in xs], ast.Load()))
matrices = st.integers(1, 3).flatmap(lambda m: st.lists(
    st.lists(numbers, min_size=m, max_size=m), min_size=1, max_size=3)).map(
    lambda rows: ast.List([ast.List([ast.Constant(v) for v in r], ast.Load()) for r in rows], ast.Load()))
names = st.sampled_from(NAMES).map(lambda n: ast.Name(n, ast.Load()))
leaves = st.one_of(constants, vectors, matrices, names)


def extend(children: st.SearchStrategy) -> st.SearchStrategy:
    index = st.one_of(st.integers(-3, 3).map(ast.Constant),
                      st.builds(ast.Slice, st.none() | st.integers(-2, 2).map(ast.Constant),
                                st.none() | st.integers(-2, 3).map(ast.Constant)),
                      st.builds(lambda a, b: ast.Tuple([a, b], ast.Load()),
                                st.integers(-2, 2).map(ast.Constant), st.builds(ast.Slice)),
                      children)
    return st.one_of(
        st.builds(lambda l, op, r: ast.BinOp(l, op(), r), children, st.sampled_from(BINOPS), children),
        st.builds(lambda op, v: ast.UnaryOp(op(), v), st.sampled_from(UNARY), children),
        st.builds(lambda f, args, kws: ast.Call(ast.Name(f, ast.Load()), args, kws),
                  st.sampled_from(FUNCS), st.lists(children, max_size=3),
                  st.lists(st.builds(ast.keyword, st.sampled_from(KEYWORDS), children), max_size=2)),
        st.builds(lambda v, a: ast.Attribute(v, a, ast.Load()), children,
                  st.sampled_from(["T", "T", "__class__", "real", "shape"])),
        st.builds(lambda v, i: ast.Subscript(v, i, ast.Load()), children, index),
        st.builds(lambda a, b: ast.Compare(a, [ast.Lt()], [b]), children, children),
        st.builds(lambda v: ast.Lambda(ast.arguments([], [], None, [], [], None, []), v), children),
        st.builds(lambda v: ast.Starred(v, ast.Load()), children),
    )


expressions = st.recursive(leaves, extend, max_leaves=12)
statements = st.one_of(
    st.builds(lambda n, v: ast.Assign([ast.Name(n, ast.Store())], v), st.sampled_from(NAMES[:5]),
              expressions),
    st.builds(lambda n, v: ast.Assign([ast.Name(n, ast.Store())], v), st.sampled_from(NAMES[:5]),
              expressions),
    st.builds(lambda n, v: ast.AugAssign(ast.Name(n, ast.Store()), ast.Add(), v),
              st.sampled_from(NAMES[:5]), expressions),
    st.builds(ast.Expr, expressions),
)
# A few sound leaves first, so that many generated programs get past name lookup.
PRELUDE = "x = 1.5\ny = [0.5, -2.0]\nW = [[1.0, 2.0], [3.0, -1.0]]\nb = 0.25\nh = [1.0, 1.0]\n"


@pytest.mark.slow
@settings(max_examples=AST_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(statements, min_size=1, max_size=5), st.booleans(), st.sampled_from(["\n", "\r", "\r\n"]))
def test_generated_syntax_is_traced_or_refused_cleanly(body, prelude, line_break):
    module = ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))
    try:
        source = ast.unparse(module)
    except (ValueError, TypeError, RecursionError):
        return                                     # not every tree has a source text
    COUNTS["syntax"] += 1
    if check_contract(((PRELUDE if prelude else "") + source).replace("\n", line_break)):
        COUNTS["syntax_ok"] += 1


# Mostly-sound programs: scalar and vector arithmetic with the unary and binary functions,
# so that many get through the whole forward and backward pass.
UNARY_FUNCS = ["exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "hardtanh"]
sound_leaves = st.one_of(st.sampled_from(["x", "b", "y", "h"]).map(lambda n: ast.Name(n, ast.Load())),
                         st.floats(-3, 3, allow_nan=False).map(lambda v: ast.Constant(round(v, 3))))


def sound_extend(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.builds(lambda l, op, r: ast.BinOp(l, op(), r), children,
                  st.sampled_from([ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow]), children),
        st.builds(lambda v: ast.UnaryOp(ast.USub(), v), children),
        st.builds(lambda f, v: ast.Call(ast.Name(f, ast.Load()), [v], []),
                  st.sampled_from(UNARY_FUNCS), children),
        st.builds(lambda f, a, b: ast.Call(ast.Name(f, ast.Load()), [a, b], []),
                  st.sampled_from(["max", "min"]), children, children),
    )


@pytest.mark.slow
@settings(max_examples=AST_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.recursive(sound_leaves, sound_extend, max_leaves=10), min_size=1, max_size=4))
def test_generated_sound_programs_are_traced_or_refused_cleanly(exprs):
    body = [ast.Assign([ast.Name(f"v{i}", ast.Store())], e) for i, e in enumerate(exprs)]
    body.append(ast.Assign([ast.Name("out", ast.Store())], ast.Call(ast.Name("sum", ast.Load()), [
        ast.BinOp(ast.Name(f"v{len(exprs) - 1}", ast.Load()), ast.Add(), ast.Name("y", ast.Load()))],
        [])))
    source = PRELUDE + ast.unparse(ast.fix_missing_locations(ast.Module(body=body, type_ignores=[])))
    COUNTS["syntax"] += 1
    if check_contract(source):
        COUNTS["syntax_ok"] += 1


def test_zz_fuzz_figures():
    """Record how much was tried (runs after the two properties above)."""
    record("fuzz_texts", COUNTS["text"])
    record("fuzz_generated_programs", COUNTS["syntax"])
    record("fuzz_generated_programs_traced", COUNTS["syntax_ok"])
    assert COUNTS["text"] + COUNTS["syntax"] > 0


# ---------------------------------------------------------------- the API against its schema

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=API_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema_and_never_fails(case):
    # A schema-valid request can hold an invalid *program*, which is rightly a 400.
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    COUNTS["api"] += 1
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body["message"], str) and body["message"]
    assert response.headers.get("x-content-type-options") in ("nosniff", ["nosniff"])


def test_zzz_api_figures():
    record("schemathesis_requests", COUNTS["api"])
    assert math.isfinite(COUNTS["api"])
