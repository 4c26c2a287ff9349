"""Property-based: random programs (expression trees over scalar, vector and matrix leaves
with ops from the table) against a numpy reference written here and its central finite
differences.

Every generated expression comes with its own numpy evaluation. The elementwise functions
come from the op table, each with the numpy reference, domain and kinks of its test case
(tests/engine/test_ops.py CASES), so a new elementwise op joins these programs by itself.
Domain problems are avoided by construction (a function whose case samples positive inputs
gets e·e + 0.5, one whose case samples small inputs gets tanh(e), denominators e·e + 1,
pow bases e·e + 0.5); points near a kink (relu, abs, leaky_relu, elu at 0, hardtanh at ±1,
max/min ties) are rejected, since a difference across a kink is no reference.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from engine import OPS, trace
from engine.ops import same_shape
from tests.engine.reference import leaf, literal
from tests.engine.test_ops import CASES, check_steps

Env = dict[str, np.ndarray]


@dataclass
class Expr:
    src: str
    shape: str                       # "s" scalar, "v" vector of 3, "m" 3×3 matrix
    fn: Callable[[Env, list], np.ndarray]   # numpy value; appends distances to kinks to the list
    ops: frozenset


LEAVES = {"a": "s", "b": "s", "u": "v", "v": "v", "M": "m"}
SHAPES = {"s": (), "v": (3,), "m": (3, 3)}


def leaf_expr(name: str) -> Expr:
    return Expr(name, LEAVES[name], lambda env: env[name], frozenset())


def const_expr(c: float, shape: str) -> Expr:
    return Expr(repr(c), "s", lambda env: np.float64(c), frozenset())


def kink(dist: Callable[[np.ndarray], np.ndarray]):
    def record(env: Env, x: np.ndarray) -> None:
        env["_kinks"].append(float(np.min(dist(x))))
    return record


@dataclass
class Elementwise:
    template: str                    # the call, with {0} for the argument's source
    fn: Callable[[np.ndarray], np.ndarray]
    kinks: tuple[float, ...]
    ops: frozenset                   # ops the template uses


# How an argument is kept in the domain a case samples: its source and its numpy value.
DOMAINS = {"any": ("{0}", lambda x: x, frozenset()),
           "nonzero": ("{0}", lambda x: x, frozenset()),
           "pos": ("{0} * {0} + 0.5", lambda x: x * x + 0.5, frozenset({"mul", "add"})),
           "small": ("tanh({0})", np.tanh, frozenset({"tanh"}))}


def elementwise_ops() -> dict[str, Elementwise]:
    """The table's elementwise functions of one input, from the first program of their case."""
    out = {}
    for name, op in OPS.items():
        if op.arity != 1 or op.shape is not same_shape or name not in CASES:
            continue
        case = CASES[name][0]
        (arg, (_, kind)), = case.leaves.items()
        source, inner, extra = DOMAINS[kind]
        template = re.sub(rf"\b{arg}\b", "(" + source + ")", case.expr).replace(f"(({source}))", f"({source})")
        out[name] = Elementwise(template, (lambda ref, inner: lambda x: ref(inner(x)))(case.ref, inner),
                                case.kinks, extra | {name})
    return out


ELEMENTWISE = elementwise_ops()


def unary(name: str, e: Expr) -> Expr:
    f, spec = e.fn, ELEMENTWISE[name]

    def fn(env: Env) -> np.ndarray:
        x = f(env)
        if spec.kinks:
            env["_kinks"].append(float(min(np.min(np.abs(x - k)) for k in spec.kinks)))
        return spec.fn(x)
    return Expr(spec.template.format(e.src), e.shape, fn, e.ops | spec.ops)


def broadcast_shape(p: str, q: str) -> str:
    return max(p, q, key="svm".index) if "s" in (p, q) or p == q else "v" if {p, q} == {"v"} else "m"


def binary(name: str, p: Expr, q: Expr) -> Expr:
    fp, fq = p.fn, q.fn
    shape = broadcast_shape(p.shape, q.shape)
    if name in ("add", "sub", "mul"):
        sym = {"add": "+", "sub": "-", "mul": "*"}[name]
        g = {"add": np.add, "sub": np.subtract, "mul": np.multiply}[name]
        return Expr(f"({p.src} {sym} {q.src})", shape, lambda env: g(fp(env), fq(env)), p.ops | q.ops | {name})
    if name == "div":
        return Expr(f"({p.src} / ({q.src} * {q.src} + 1.0))", shape,
                    lambda env: fp(env) / (fq(env) ** 2 + 1.0), p.ops | q.ops | {"div", "mul", "add"})
    if name == "pow":                       # variable exponent on a positive base
        return Expr(f"(({p.src} * {p.src} + 0.5) ** tanh({q.src}))", shape,
                    lambda env: (fp(env) ** 2 + 0.5) ** np.tanh(fq(env)), p.ops | q.ops | {"pow", "mul", "add", "tanh"})
    if name in ("maximum", "minimum"):
        fname = "max" if name == "maximum" else "min"
        g = np.maximum if name == "maximum" else np.minimum

        def fn(env: Env) -> np.ndarray:
            x, y = fp(env), fq(env)
            env["_kinks"].append(float(np.min(np.abs(x - y))))
            return g(x, y)
        return Expr(f"{fname}({p.src}, {q.src})", shape, fn, p.ops | q.ops | {name})
    raise AssertionError(name)


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def to_scalar(kind: int, e: Expr, other: Expr | None, k: int) -> Expr:
    """Ops whose result is a scalar, from a vector (or matrix) e."""
    f = e.fn
    if e.shape == "m":
        return Expr(f"sum({e.src})", "s", lambda env: np.sum(f(env)), e.ops | {"sum"})
    if kind == 0:
        return Expr(f"sum({e.src})", "s", lambda env: np.sum(f(env)), e.ops | {"sum"})
    if kind == 1:
        return Expr(f"mean({e.src})", "s", lambda env: np.sum(f(env)) / 3, e.ops | {"mean"})
    if kind == 2:
        return Expr(f"{e.src}[{k - 1}]", "s", lambda env: f(env)[k - 1], e.ops | {"index"})
    if kind == 3:
        return Expr(f"cross_entropy({e.src}, {k})", "s", lambda env: -np.log(softmax(f(env))[k]),
                    e.ops | {"cross_entropy"})
    assert other is not None and other.shape == "v"
    g = other.fn
    if kind == 4:
        return Expr(f"({e.src} @ {other.src})", "s", lambda env: float(np.dot(f(env), g(env))), e.ops | other.ops | {"matmul"})
    return Expr(f"dot({e.src}, {other.src})", "s", lambda env: float(np.dot(f(env), g(env))), e.ops | other.ops | {"matmul"})


def to_vector(kind: int, e: Expr, other: Expr, k: int) -> Expr:
    """Ops whose result is a vector of 3, from vectors and the matrix."""
    f, g = e.fn, other.fn
    if e.shape == "m":
        if kind == 0:
            return Expr(f"({e.src} @ {other.src})", "v", lambda env: f(env) @ g(env), e.ops | other.ops | {"matmul"})
        if kind == 1:
            return Expr(f"({other.src} @ {e.src})", "v", lambda env: g(env) @ f(env), e.ops | other.ops | {"matmul"})
        if kind == 2:
            return Expr(f"sum({e.src}, axis={k % 2})", "v", lambda env: np.sum(f(env), axis=k % 2), e.ops | {"sum"})
        if kind == 3:
            return Expr(f"mean({e.src}, axis=-1)", "v", lambda env: np.sum(f(env), axis=1) / 3, e.ops | {"mean"})
        if kind == 4:
            return Expr(f"{e.src}[{k}]", "v", lambda env: f(env)[k], e.ops | {"index"})
        return Expr(f"({e.src}.T @ {other.src})", "v", lambda env: f(env).T @ g(env), e.ops | other.ops | {"matmul", "transpose"})
    if kind in (0, 1):
        return Expr(f"softmax({e.src})", "v", lambda env: softmax(f(env)), e.ops | {"softmax"})
    if kind in (2, 3):
        return Expr(f"log_softmax({e.src})", "v", lambda env: np.log(softmax(f(env))), e.ops | {"log_softmax"})
    cut = 1 + k % 2
    return Expr(f"concat({e.src}[0:{cut}], {other.src}[{cut}:])", "v",
                lambda env: np.concatenate([f(env)[:cut], g(env)[cut:]]), e.ops | other.ops | {"concat", "index"})


def to_matrix(kind: int, e: Expr, other: Expr) -> Expr:
    f, g = e.fn, other.fn
    if kind == 0:
        return Expr(f"outer({e.src}, {other.src})", "m", lambda env: np.outer(f(env), g(env)), e.ops | other.ops | {"outer"})
    return Expr("M", "m", lambda env: env["M"], frozenset())


UNARY = sorted(ELEMENTWISE)
BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"]
# Ops the generator builds with rules of its own (to_scalar, to_vector, to_matrix above).
SHAPED = ["sum", "mean", "index", "cross_entropy", "matmul", "softmax", "log_softmax", "concat", "transpose", "outer"]


@st.composite
def expressions(draw, shape: str, depth: int) -> Expr:
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        if shape == "m":
            return leaf_expr("M")
        names = [n for n, s in LEAVES.items() if s == shape]
        if shape == "s" and draw(st.integers(0, 5)) == 0:
            return const_expr(draw(st.sampled_from([0.5, -1.5, 2.0, 3.0])), "s")
        return leaf_expr(draw(st.sampled_from(names)))
    choice = draw(st.integers(0, 9))
    if shape == "m":
        if choice < 3:
            return unary(draw(st.sampled_from(UNARY)), draw(expressions("m", depth - 1)))
        if choice < 6:
            q_shape = draw(st.sampled_from(["s", "v", "m"]))
            p, q = draw(expressions("m", depth - 1)), draw(expressions(q_shape, depth - 1))
            if draw(st.booleans()):
                p, q = q, p
            return binary(draw(st.sampled_from(BINARY)), p, q)
        return to_matrix(choice % 2, draw(expressions("v", depth - 1)), draw(expressions("v", depth - 1)))
    if choice < 3:
        return unary(draw(st.sampled_from(UNARY)), draw(expressions(shape, depth - 1)))
    if choice < 6:
        other = "s" if shape == "v" and draw(st.booleans()) else shape
        p, q = draw(expressions(shape, depth - 1)), draw(expressions(other, depth - 1))
        if draw(st.booleans()):
            p, q = q, p
        return binary(draw(st.sampled_from(BINARY)), p, q)
    k = draw(st.integers(0, 2))
    if shape == "s":
        src_shape = draw(st.sampled_from(["v", "v", "m"]))
        return to_scalar(draw(st.integers(0, 5)), draw(expressions(src_shape, depth - 1)),
                         draw(expressions("v", depth - 1)), k)
    src_shape = draw(st.sampled_from(["v", "m"]))
    return to_vector(draw(st.integers(0, 5)), draw(expressions(src_shape, depth - 1)),
                     draw(expressions("v", depth - 1)), k)


values = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


@st.composite
def leaf_values(draw) -> Env:
    return {name: np.array(draw(st.lists(values, min_size=int(np.prod(SHAPES[s])), max_size=int(np.prod(SHAPES[s])))),
                           dtype=np.float64).reshape(SHAPES[s])
            for name, s in LEAVES.items()}


def reference(e: Expr, env: Env) -> tuple[float, float]:
    """The numpy value and the smallest distance to a kink on the way."""
    kinks: list[float] = []
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        value = float(e.fn({**env, "_kinks": kinks}))
    return value, min(kinks, default=np.inf)


def numeric(e: Expr, env: Env, name: str, h: float = 1e-6) -> np.ndarray:
    grad = np.zeros(env[name].shape)
    for k in np.ndindex(*env[name].shape):
        vals = []
        for step in (h, -h):
            moved = env[name].copy()
            moved[k] += step
            vals.append(reference(e, {**env, name: moved})[0])
        grad[k] = (vals[0] - vals[1]) / (2 * h)
    return grad


def source_of(e: Expr, env: Env) -> str:
    return "\n".join(f"{k} = {literal(v)}" for k, v in env.items()) + f"\nf = {e.src}"


SETTINGS = settings(max_examples=400, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.mark.slow
@SETTINGS
@given(expressions("s", 4), leaf_values())
def test_random_program_matches_numpy_and_finite_differences(e: Expr, env: Env) -> None:
    try:
        value, closest_kink = reference(e, env)
    except FloatingPointError:
        assume(False)
    assume(closest_kink > 1e-3 and abs(value) < 1e6)
    t = trace(source_of(e, env))
    scale = 1.0 + abs(value)
    assert float(t.nodes[t.output].value) == np.float64(value) or \
        abs(float(t.nodes[t.output].value) - value) <= 1e-12 * scale, e.src
    for name in LEAVES:
        analytic = leaf(t, name).grad
        expected = numeric(e, env, name)
        tol = 1e-5 * (1.0 + np.abs(expected)) + 1e-6 * scale
        assert np.all(np.abs(analytic - expected) <= tol), (
            f"d f / d {name} for f = {e.src}\nengine  {analytic}\nnumeric {expected}")


@pytest.mark.slow
@SETTINGS
@given(expressions("s", 3), leaf_values())
def test_random_program_steps_are_consistent(e: Expr, env: Env) -> None:
    try:
        reference(e, env)
    except FloatingPointError:
        assume(False)
    check_steps(trace(source_of(e, env)))


def test_the_generator_reaches_every_differentiable_op() -> None:
    """The generator above can produce every op of the table: elementwise ones from the table
    itself; an op of another shape needs a rule in to_scalar, to_vector or to_matrix."""
    reachable = set(UNARY) | set(BINARY) | set(SHAPED)
    assert set(OPS) <= reachable, f"ops the random programs never use: {sorted(set(OPS) - reachable)}"
