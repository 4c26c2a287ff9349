"""Every op of the table against central finite differences and a numpy reference forward.

CASES holds one test case per op of the table, keyed by op name: programs over leaves of
several shapes with a numpy reference (and a SymPy one, used by test_symbolic.py). The
tests iterate over `engine.OPS`, so an op added to the table without a case fails here,
and a function name no case calls fails too. Points are random but away from every kink
(relu/abs/leaky_relu/elu at 0, hardtanh at ±1, max/min ties), so the difference is a fair
reference. Shapes cover scalars, vectors, matrices and broadcasting.
"""
from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest
import sympy as sp

from engine import OPS, ProgramError, trace
from engine.ops import FUNCTIONS
from tests.engine.reference import assert_close, leaf, literal, numeric_grad, program

# ------------------------------------------------------------------ samplers
def sample(rng: np.random.Generator, shape: tuple, kind: str) -> np.ndarray:
    """Random values of a kind: 'any' avoids the kinks at 0 and ±1, 'pos' is in [0.5, 2],
    'nonzero' is ±[0.5, 2], 'small' is in [-1, 1] (for exp without overflow worries)."""
    if kind == "pos":
        return rng.uniform(0.5, 2.0, shape)
    if kind == "nonzero":
        return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    if kind == "small":
        return rng.uniform(-1.0, 1.0, shape)
    while True:                                   # 'any'
        x = rng.uniform(-2.0, 2.0, shape)
        a = np.abs(x)
        if np.all(a > 0.15) and np.all(np.abs(a - 1.0) > 0.15):
            return x


@dataclass
class Case:
    leaves: dict[str, tuple[tuple, str]]          # name -> (shape, sampler kind)
    expr: str                                     # the op applied to the leaves
    ref: Callable[..., np.ndarray]                # numpy reference of expr
    apart: tuple[str, str] | None = None          # two leaves that must not tie (max/min)
    # SymPy reference of expr on object arrays of symbols; None: `ref` works on them as it is
    sym: Callable[..., Any] | None = None
    kinks: tuple[float, ...] = ()                 # inputs where the op has no derivative


def entrywise(f: Callable[..., Any], inputs: int = 1) -> Callable[..., Any]:
    """A SymPy function of numbers applied to every entry of object arrays (broadcasting)."""
    return np.frompyfunc(f, inputs, 1)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(x):
    return np.log(softmax(x))


def sym_softmax(x):
    e = entrywise(sp.exp)(x)
    return e / e.sum(axis=-1, keepdims=True)


def sym_log_softmax(x):
    return entrywise(sp.log)(sym_softmax(x))


def sym_cross_entropy(z, target):
    p = sym_log_softmax(z)
    return -p[target] if z.ndim == 1 else -sum(p[k, t] for k, t in enumerate(target)) / len(target)


erf = np.vectorize(math.erf, otypes=[np.float64])


UNARY_SHAPES = [(), (3,), (2, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((), (3,)), ((3,), ()),
                 ((2, 3), (3,)), ((2, 1), (2, 3)), ((2, 3), ()), ((1, 3), (2, 3)),
                 ((3,), (2, 1)), ((2, 1), (1, 3))]          # the last two: both inputs broadcast


def unary_cases(fname: str, ref, kind: str = "any", extra: str = "", sym=None, kinks=()) -> list[Case]:
    """fname(a) on a scalar, a vector and a matrix; `sym` is the function on one SymPy number."""
    return [Case({"a": (s, kind)}, f"{fname}(a{extra})", ref, sym=sym and entrywise(sym), kinks=kinks)
            for s in UNARY_SHAPES]


def binary_cases(template: str, ref, kinds: tuple[str, str] = ("any", "any"), apart: bool = False,
                 sym=None) -> list[Case]:
    return [Case({"a": (sa, kinds[0]), "b": (sb, kinds[1])}, template, ref, ("a", "b") if apart else None,
                 sym=sym and entrywise(sym, 2))
            for sa, sb in BINARY_SHAPES]


CASES: dict[str, list[Case]] = {
    "add": binary_cases("a + b", lambda a, b: a + b),
    "sub": binary_cases("a - b", lambda a, b: a - b),
    "mul": binary_cases("a * b", lambda a, b: a * b),
    "div": binary_cases("a / b", lambda a, b: a / b, ("any", "nonzero")),
    "pow": binary_cases("a ** b", lambda a, b: a ** b, ("pos", "any"))
    + [Case({"a": ((3,), "any")}, "a ** 2", lambda a: a ** 2),
       Case({"a": ((2, 3), "pos")}, "a ** 0.5", lambda a: np.sqrt(a), sym=entrywise(sp.sqrt)),
       Case({"b": ((3,), "any")}, "2.0 ** b", lambda b: 2.0 ** b)],
    "neg": [Case({"a": (s, "any")}, "-a", lambda a: -a) for s in UNARY_SHAPES],
    "matmul": [
        Case({"W": ((2, 3), "any"), "x": ((3,), "any")}, "W @ x", lambda W, x: W @ x),
        Case({"u": ((3,), "any"), "v": ((3,), "any")}, "u @ v", lambda u, v: u @ v),
        Case({"u": ((3,), "any"), "v": ((3,), "any")}, "dot(u, v)", lambda u, v: u @ v),
        Case({"x": ((2,), "any"), "W": ((2, 3), "any")}, "x @ W", lambda x, W: x @ W),
        Case({"A": ((2, 3), "any"), "B": ((3, 4), "any")}, "A @ B", lambda A, B: A @ B),
        Case({"A": ((2, 3), "any"), "B": ((3, 2), "any")}, "matmul(A, B)", lambda A, B: A @ B),
    ],
    "transpose": [Case({"A": ((2, 3), "any")}, "A.T", lambda A: A.T),
                  Case({"v": ((3,), "any")}, "v.T", lambda v: v),
                  Case({"A": ((2, 3), "any"), "x": ((2,), "any")}, "A.T @ x", lambda A, x: A.T @ x)],
    "exp": unary_cases("exp", np.exp, "small", sym=sp.exp),
    "log": unary_cases("log", np.log, "pos", sym=sp.log),
    "sqrt": unary_cases("sqrt", np.sqrt, "pos", sym=sp.sqrt),
    "abs": unary_cases("abs", np.abs, sym=sp.Abs, kinks=(0.0,)),
    "sin": unary_cases("sin", np.sin, sym=sp.sin),
    "cos": unary_cases("cos", np.cos, sym=sp.cos),
    "tanh": unary_cases("tanh", np.tanh, sym=sp.tanh),
    "sigmoid": unary_cases("sigmoid", sigmoid, sym=lambda a: 1 / (1 + sp.exp(-a))),
    "relu": unary_cases("relu", lambda a: np.where(a > 0, a, 0.0), sym=lambda a: sp.Max(a, 0), kinks=(0.0,)),
    "leaky_relu": unary_cases("leaky_relu", lambda a: np.where(a > 0, a, 0.01 * a),
                              sym=lambda a: sp.Piecewise((a, a > 0), (sp.Rational(1, 100) * a, True)), kinks=(0.0,))
    + [Case({"a": ((3,), "any")}, "leaky_relu(a, slope=0.2)", lambda a: np.where(a > 0, a, 0.2 * a),
            sym=entrywise(lambda a: sp.Piecewise((a, a > 0), (sp.Rational(1, 5) * a, True)))),
       Case({"a": ((2, 3), "any")}, "leaky_relu(a, 0.3)", lambda a: np.where(a > 0, a, 0.3 * a),
            sym=entrywise(lambda a: sp.Piecewise((a, a > 0), (sp.Rational(3, 10) * a, True))))],
    "hardtanh": unary_cases("hardtanh", lambda a: np.where(a > 1, 1.0, np.where(a < -1, -1.0, a)),
                            sym=lambda a: sp.Min(sp.Max(a, -1), 1), kinks=(-1.0, 1.0)),
    "softplus": unary_cases("softplus", lambda a: np.log1p(np.exp(a)), sym=lambda a: sp.log(1 + sp.exp(a))),
    "elu": unary_cases("elu", lambda a: np.where(a > 0, a, np.exp(a) - 1),
                       sym=lambda a: sp.Piecewise((a, a > 0), (sp.exp(a) - 1, True)), kinks=(0.0,))
    + [Case({"a": ((3,), "any")}, "elu(a, alpha=0.5)", lambda a: np.where(a > 0, a, 0.5 * (np.exp(a) - 1)),
            sym=entrywise(lambda a: sp.Piecewise((a, a > 0), (sp.Rational(1, 2) * (sp.exp(a) - 1), True)))),
       Case({"a": ((2, 3), "any")}, "elu(a, 2.0)", lambda a: np.where(a > 0, a, 2.0 * (np.exp(a) - 1)),
            sym=entrywise(lambda a: sp.Piecewise((a, a > 0), (2 * (sp.exp(a) - 1), True))))],
    "gelu": unary_cases("gelu", lambda a: a * (1 + erf(a / np.sqrt(2))) / 2,
                        sym=lambda a: a * (1 + sp.erf(a / sp.sqrt(2))) / 2),
    "silu": unary_cases("silu", lambda a: a / (1 + np.exp(-a)), sym=lambda a: a / (1 + sp.exp(-a))),
    "maximum": binary_cases("max(a, b)", lambda a, b: np.where(a > b, a, b), apart=True, sym=sp.Max),
    "minimum": binary_cases("min(a, b)", lambda a, b: np.where(a < b, a, b), apart=True, sym=sp.Min),
    "sum": [Case({"a": (s, "any")}, "sum(a)", lambda a: a.sum()) for s in UNARY_SHAPES]
    + [Case({"A": ((2, 3), "any")}, f"sum(A, axis={k})", (lambda k: lambda A: A.sum(axis=k))(k))
       for k in (0, 1, -1)],
    "mean": [Case({"a": (s, "any")}, "mean(a)", lambda a: a.sum() / a.size) for s in UNARY_SHAPES]
    + [Case({"A": ((2, 3), "any")}, f"mean(A, axis={k})",
            (lambda k: lambda A: A.sum(axis=k) / A.shape[k])(k)) for k in (0, 1, -1)],
    "outer": [Case({"u": ((3,), "any"), "v": ((2,), "any")}, "outer(u, v)",
                   lambda u, v: u[:, None] * v[None, :])],
    "concat": [Case({"u": ((3,), "any")}, "concat(u)", lambda u: u),
               Case({"u": ((3,), "any"), "v": ((2,), "any")}, "concat(u, v)", lambda u, v: np.r_[u, v]),
               Case({"u": ((1,), "any"), "v": ((2,), "any"), "w": ((3,), "any")}, "concat(u, v, w)",
                    lambda u, v, w: np.r_[u, v, w])],
    "index": [Case({"x": ((4,), "any")}, "x[0]", lambda x: x[0]),
              Case({"x": ((4,), "any")}, "x[-1]", lambda x: x[3]),
              Case({"x": ((4,), "any")}, "x[1:3]", lambda x: x[1:3]),
              Case({"x": ((5,), "any")}, "x[::2]", lambda x: x[[0, 2, 4]]),
              Case({"W": ((3, 4), "any")}, "W[0, 1]", lambda W: W[0, 1]),
              Case({"W": ((3, 4), "any")}, "W[:, 0]", lambda W: W[:, 0]),
              Case({"E": ((4, 3), "any")}, "E[2]", lambda E: E[2]),
              Case({"W": ((3, 4), "any")}, "W[1:, -2:]", lambda W: W[1:3, 2:4])],
    "softmax": [Case({"a": ((4,), "any")}, "softmax(a)", softmax, sym=sym_softmax),
                Case({"A": ((2, 3), "any")}, "softmax(A)", softmax, sym=sym_softmax)],
    "log_softmax": [Case({"a": ((4,), "any")}, "log_softmax(a)", log_softmax, sym=sym_log_softmax),
                    Case({"A": ((2, 3), "any")}, "log_softmax(A)", log_softmax, sym=sym_log_softmax)],
    "cross_entropy": [
        Case({"z": ((4,), "any")}, "cross_entropy(z, 2)", lambda z: -np.log(softmax(z)[2]),
             sym=lambda z: sym_cross_entropy(z, 2)),
        Case({"z": ((4,), "any")}, "cross_entropy(z, target=0)", lambda z: -np.log(softmax(z)[0]),
             sym=lambda z: sym_cross_entropy(z, 0)),
        Case({"Z": ((3, 4), "any")}, "cross_entropy(Z, [1, 0, 3])",
             lambda Z: -(np.log(softmax(Z)[0, 1]) + np.log(softmax(Z)[1, 0]) + np.log(softmax(Z)[2, 3])) / 3,
             sym=lambda Z: sym_cross_entropy(Z, [1, 0, 3])),
    ],
}


def seed_of(*parts: object) -> int:
    return zlib.crc32(repr(parts).encode())


def leaves_for(case: Case, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    while True:
        vals = {k: sample(rng, shape, kind) for k, (shape, kind) in case.leaves.items()}
        if case.apart is None:
            return vals
        a, b = (vals[k] for k in case.apart)
        if np.all(np.abs(a - b) > 0.2):           # no tie anywhere, even after broadcasting
            return vals


def weights_for(shape: tuple, seed: int) -> np.ndarray:
    """Constant weights that make a non-scalar result into a scalar with every entry mattering."""
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape) * np.random.default_rng(seed + 1).choice([-1, 1], shape)


def case_program(case: Case, seed: int) -> tuple[dict[str, np.ndarray], str, np.ndarray]:
    vals = leaves_for(case, seed)
    expected = np.asarray(case.ref(*vals.values()), dtype=np.float64)
    body = f"out = {case.expr}\nf = sum(out * {literal(weights_for(expected.shape, seed))})"
    return vals, body, expected


def cases_of(name: str) -> list[Case]:
    if name not in CASES:
        pytest.fail(f"op '{name}' in engine.OPS has no test program in tests/engine/test_ops.py CASES")
    return CASES[name]


OP_NAMES = sorted(OPS)


def test_every_op_in_the_table_has_test_programs() -> None:
    missing = sorted(set(OPS) - set(CASES))
    assert not missing, f"ops without a test program: {missing}"
    stale = sorted(set(CASES) - set(OPS))
    assert not stale, f"test programs for ops not in the table: {stale}"


def test_every_function_name_is_called_by_a_test_program() -> None:
    called = {m for cases in CASES.values() for c in cases for m in re.findall(r"(\w+)\(", c.expr)}
    assert not set(FUNCTIONS) - called, f"function names no test program calls: {sorted(set(FUNCTIONS) - called)}"
    for fname, op in FUNCTIONS.items():
        assert any(re.search(rf"\b{fname}\(", c.expr) for c in CASES[op]), f"{fname}() is not in the cases of {op}"


@pytest.mark.parametrize("name", OP_NAMES)
def test_op_value_and_gradients_against_finite_differences(name: str) -> None:
    for ci, case in enumerate(cases_of(name)):
        for rep in range(2):                      # two random points per case
            seed = seed_of(name, ci, rep)
            vals, body, expected = case_program(case, seed)
            src = program(vals, body)
            t = trace(src)
            what = f"{name}: {case.expr} with shapes {[v.shape for v in vals.values()]}"
            assert any(n.op == name for n in t.nodes), f"{what}: program does not use op {name}"
            out = next(n for n in t.nodes if "out" in n.names)
            assert tuple(out.shape) == expected.shape, what
            assert_close(out.value, expected, rtol=1e-12, atol=1e-12, what=what + " (value)")
            for k in vals:
                analytic = leaf(t, k).grad
                numeric = numeric_grad(vals, body, k)
                assert_close(analytic, numeric, rtol=1e-5, atol=1e-7, what=f"{what}: d f / d {k}")


def backward_steps(t) -> list[dict]:
    return [s for s in t.to_dict()["steps"] if s["phase"] == "backward"]


def check_steps(t) -> None:
    """Each backward step: local × upstream = downstream, Jacobian shapes, summed contributions."""
    doc = t.to_dict()
    nodes = {n["id"]: n for n in doc["nodes"]}
    steps = backward_steps(t)
    sent: dict[tuple[int, int], list] = {}           # (consumer, input) -> downstreams it sent
    for s in steps:
        node = nodes[s["node"]]
        up = np.asarray(s["upstream"], dtype=np.float64)
        assert list(up.shape) == node["shape"], f"upstream of node {node['id']} has the wrong shape"
        for e in s["edges"]:
            inp = nodes[e["input"]]
            if e["skipped"]:
                assert e["local"] is None and e["downstream"] is None and inp["grad"] is None
                # a constant, a frozen leaf, or an operation on constants alone (README)
                assert inp["kind"] == "const" or inp["frozen"] or (
                    inp["kind"] == "op" and all(nodes[i]["grad"] is None and not nodes[i]["frozen"]
                                                for i in inp["inputs"]))
                assert e["skipped"] == ("frozen" if inp["frozen"] else "constant")
                continue
            down = np.asarray(e["downstream"], dtype=np.float64)
            assert list(down.shape) == inp["shape"], f"downstream to {inp['id']} not in the input's shape"
            sent.setdefault((s["node"], e["input"]), []).append(down)
            assert e["local_shape"] == node["shape"] + inp["shape"]
            if node["shape"] == [] and inp["shape"] == []:
                # the lecture's rule, exactly: downstream = local × upstream
                assert isinstance(e["local"], float)
                assert e["downstream"] == e["local"] * s["upstream"]
                continue
            size = int(np.prod(node["shape"] + inp["shape"]))
            if size > 64:
                assert e["local"] is None
                continue
            assert e["local"] is not None, f"a {size}-entry Jacobian should be shown"
            J = np.asarray(e["local"], dtype=np.float64)
            assert list(J.shape) == node["shape"] + inp["shape"]
            contracted = np.tensordot(up, J, axes=len(node["shape"]))
            assert_close(contracted, down, rtol=1e-12, atol=1e-14, what=f"J·upstream at node {node['id']}")
    # Contributions: what each successor sent, summed, is the upstream gradient.
    for s in steps:
        if s["node"] == doc["output"]:
            assert s["upstream"] == 1.0 and s["contributions"] == []
            continue
        up = np.asarray(s["upstream"], dtype=np.float64)
        total = np.zeros_like(up)
        for c in s["contributions"]:
            d = np.asarray(c["downstream"], dtype=np.float64)
            total = total + d
            assert any(np.array_equal(d, x) for x in sent[(c["from"], s["node"])]), \
                "a contribution differs from the downstream its successor's edge sent"
        assert_close(total, up, rtol=1e-12, atol=1e-15, what=f"Σ contributions at node {s['node']}")
        assert (s["sum_rule"] is not None) == (len(s["contributions"]) > 1)
        assert nodes[s["node"]]["grad"] == s["upstream"]


@pytest.mark.parametrize("name", OP_NAMES)
def test_op_backward_steps(name: str) -> None:
    for ci, case in enumerate(cases_of(name)):
        vals, body, _ = case_program(case, seed_of(name, ci, "steps"))
        check_steps(trace(program(vals, body)))


def test_scalar_edges_are_exact_in_a_long_scalar_program() -> None:
    src = ("a = 0.7; b = -1.3; c = 2.1\n"
           "d = a * b + sin(c) / a - b ** 2\n"
           "e = max(d, c) * tanh(a) + sigmoid(b) - exp(a * 0.5) + log(c) + sqrt(c) + abs(b)\n"
           "f = e * d + relu(e) + hardtanh(a) + leaky_relu(b) + cos(d) + min(a, b) - e / c\n"
           "g = f + softplus(a) * elu(b) - gelu(c) * silu(d) + elu(e, 0.3)\n")
    t = trace(src)
    check_steps(t)
    n_scalar_edges = sum(1 for s in backward_steps(t) for e in s["edges"] if not e["skipped"])
    assert n_scalar_edges > 30


def test_jacobian_matches_finite_differences_of_the_node() -> None:
    """The shown `local` of W @ x is d z / d W: z_i = Σ_j W_ij x_j, so J[i, k, j] = δ_ik x_j."""
    W = np.array([[1.0, -2.0, 0.5], [0.3, 0.7, -1.1]])
    x = np.array([0.4, -0.6, 1.5])
    t = trace(program({"W": W, "x": x}, "z = W @ x\nf = sum(z * [1.0, -3.0])"))
    z = next(n for n in t.nodes if "z" in n.names)
    step = next(s for s in backward_steps(t) if s["node"] == z.id)
    JW = np.asarray(step["edges"][0]["local"])
    Jx = np.asarray(step["edges"][1]["local"])
    assert JW.shape == (2, 2, 3) and Jx.shape == (2, 3)
    expected = np.zeros((2, 2, 3))
    for i in range(2):
        expected[i, i, :] = x
    assert_close(JW, expected, rtol=0, atol=0)
    assert_close(Jx, W, rtol=0, atol=0)


def test_pow_conventions_at_base_zero() -> None:
    """x ** n at x = 0: d/dx = n·0^(n−1) = 0 for n > 1, and d/dn = 0^n·ln 0 is taken as 0
    (the limit of x^n ln x as x → 0⁺ for n > 0; PyTorch's convention)."""
    t = trace("x = 0.0; n = 2.0\nf = x ** n")
    assert float(t.nodes[t.output].value) == 0.0
    assert float(leaf(t, "x").grad) == 0.0 and float(leaf(t, "n").grad) == 0.0
    t = trace("x = [0.0, 1.5]; n = 3.0\nf = sum(x ** n)")
    assert_close(leaf(t, "x").grad, [0.0, 3 * 1.5 ** 2], rtol=1e-15, atol=0)
    assert float(leaf(t, "n").grad) == pytest.approx(1.5 ** 3 * np.log(1.5), rel=1e-14)


# The README's conventions at kinks (PyTorch's), for single numbers and for tensors: the
# engine computes the two differently (Python floats vs numpy), so both are checked.
KINKS = [
    ("relu(a)", {"a": 0.0}, {"a": 0.0}),
    ("abs(a)", {"a": 0.0}, {"a": 0.0}),
    ("leaky_relu(a)", {"a": 0.0}, {"a": 0.01}),
    ("leaky_relu(a, slope=0.3)", {"a": 0.0}, {"a": 0.3}),
    ("hardtanh(a)", {"a": 1.0}, {"a": 0.0}),
    ("hardtanh(a)", {"a": -1.0}, {"a": 0.0}),
    ("max(a, b)", {"a": 2.0, "b": 2.0}, {"a": 0.5, "b": 0.5}),
    ("min(a, b)", {"a": -1.5, "b": -1.5}, {"a": 0.5, "b": 0.5}),
    ("max(a, b) + min(a, b)", {"a": 0.0, "b": 0.0}, {"a": 1.0, "b": 1.0}),
    ("elu(a)", {"a": 0.0}, {"a": 1.0}),                  # the x ≤ 0 branch: alpha·e⁰
    ("elu(a, alpha=0.5)", {"a": 0.0}, {"a": 0.5}),
]


@pytest.mark.parametrize("shape", [(), (3,)], ids=["scalar", "vector"])
@pytest.mark.parametrize("expr, at, expected", KINKS, ids=[k[0] for k in KINKS])
def test_conventions_at_kinks(expr: str, at: dict, expected: dict, shape: tuple) -> None:
    leaves = {k: np.full(shape, v) for k, v in at.items()}
    t = trace(program(leaves, f"f = sum({expr})"))
    for k, g in expected.items():
        assert_close(leaf(t, k).grad, np.full(shape, g), rtol=0, atol=0, what=f"{expr} at {at}: d/d{k}")


@pytest.mark.parametrize("expr, label", [
    ("leaky_relu(a)", "leaky_relu(0.01)"), ("leaky_relu(a, 0.1)", "leaky_relu(0.1)"),
    ("elu(a)", "elu"), ("elu(a, alpha=0.5)", "elu(0.5)"), ("softplus(a)", "softplus"),
    ("sum(A, axis=0)", "Σ(axis=0)"), ("mean(A)", "mean"), ("cross_entropy(u, 1)", "cross_entropy"),
])
def test_labels_come_from_the_entry(expr: str, label: str) -> None:
    t = trace(f"a = 0.5; u = [1.0, 2.0]; A = [[1.0, 2.0], [3.0, 4.0]]\nf = {expr}")
    assert t.nodes[t.output].label == label


@pytest.mark.parametrize("expr, message", [
    ("elu(a, 0.5, 0.2)", "elu() takes 1 argument, got 3"),
    ("elu(a, slope=0.1)", "elu() has no keyword 'slope'; it takes alpha"),
    ("elu(a, 0.5, alpha=0.2)", "elu() got 'alpha' twice"),
    ("elu(a, alpha=a)", "expected a number such as 0.1 here (a literal, not a name or an expression)"),
    ("gelu(a, 1.0)", "gelu() takes 1 argument, got 2"),
    ("silu(a, alpha=1.0)", "silu() has no keyword 'alpha'; it takes no keywords"),
    ("softplus()", "softplus() takes 1 argument, got 0"),
])
def test_calls_are_checked_from_the_entry(expr: str, message: str) -> None:
    with pytest.raises(ProgramError) as info:
        trace(f"a = 0.5\nf = {expr}")
    assert info.value.message == message


def test_every_parameter_has_a_reader() -> None:
    from engine.parser import PARAM_READERS
    for op in OPS.values():
        for p in op.params:
            assert p.read in PARAM_READERS, f"{op.name}: parameter {p.name} is read as unknown '{p.read}'"
