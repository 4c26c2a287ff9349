"""An independent cross-check: each program is written a second time as a SymPy expression,
differentiated symbolically, and compared value by value and leaf by leaf with the engine.

Every op of the table is checked on the programs of its test case (tests/engine/test_ops.py
CASES), with the case's SymPy reference applied to arrays of symbols: the first program of
each op in the fast loop, the others (more shapes, broadcasting) marked slow, as symbolic
differentiation takes its time. Then a few scalar programs that combine ops."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from engine import OPS, trace
from tests.engine.reference import leaf, literal, program
from tests.engine.test_ops import CASES, cases_of, leaves_for, seed_of, weights_for

x, y, z, w, b = sp.symbols("x y z w b", real=True)


def sigmoid(e):
    return 1 / (1 + sp.exp(-e))


# (program body, the same function in SymPy, point)
PROGRAMS = [
    ("f = (x + y) * max(y, z)", (x + y) * sp.Max(y, z), {x: 1.0, y: 2.0, z: 0.0}),
    ("f = sigmoid(w * x + b)", sigmoid(w * x + b), {w: 0.7, x: -1.3, b: 0.2}),
    ("h = sigmoid(w * x + b)\nf = -log(h)", -sp.log(sigmoid(w * x + b)), {w: -0.4, x: 2.0, b: 0.1}),
    ("f = tanh(x * y) + tanh(x) ** 2", sp.tanh(x * y) + sp.tanh(x) ** 2, {x: 0.3, y: -1.7}),
    ("f = exp(x) * log(y) - exp(-x * y)", sp.exp(x) * sp.log(y) - sp.exp(-x * y), {x: 0.5, y: 1.8}),
    ("f = x ** y", x ** y, {x: 1.7, y: 2.3}),
    ("f = (x * x + 1) ** sin(y)", (x * x + 1) ** sp.sin(y), {x: -0.6, y: 1.1}),
    ("f = x / y - y / (x + z)", x / y - y / (x + z), {x: 1.3, y: -0.7, z: 0.4}),
    ("f = sin(x) * cos(y) + cos(x * y)", sp.sin(x) * sp.cos(y) + sp.cos(x * y), {x: 0.9, y: -2.2}),
    ("a = x * y\nf = a * a + a * x - a / y", (x * y) ** 2 + (x * y) * x - (x * y) / y, {x: 1.1, y: 0.6}),
    ("f = sqrt(x * x + y * y)", sp.sqrt(x * x + y * y), {x: 3.0, y: -4.0}),
    ("f = abs(x - y) * relu(z) + leaky_relu(x - 2.0, slope=0.1)",
     sp.Abs(x - y) * sp.Max(z, 0) + 0.1 * (x - 2), {x: 0.5, y: 1.5, z: 0.8}),
    ("f = min(x, y) * hardtanh(z) - max(x * z, y)",
     sp.Min(x, y) * z - sp.Max(x * z, y), {x: 0.2, y: -0.9, z: 0.6}),
    ("h = x\nh = tanh(h * w + b)\nh = tanh(h * w + b)\nf = h * h",
     sp.tanh(sp.tanh(x * w + b) * w + b) ** 2, {x: 0.8, w: 1.4, b: -0.3}),
    ("f = exp(log(x) * y) - x ** y + 2 ** x", sp.exp(sp.log(x) * y) - x ** y + 2 ** x, {x: 2.5, y: 0.7}),
    ("f = -x ** 2 + (-x) ** 2 + x ** -1.5", -x ** 2 + (-x) ** 2 + x ** sp.Float(-1.5), {x: 1.9}),
    ("u = x + y\nv = u * z\nf = u * v + sigmoid(v) / u", (x + y) ** 2 * z + sigmoid((x + y) * z) / (x + y),
     {x: 0.4, y: 0.9, z: -1.2}),
]


@pytest.mark.parametrize("body, expr, point", PROGRAMS, ids=[p[0].replace("\n", "; ") for p in PROGRAMS])
def test_scalar_program_matches_sympy(body: str, expr, point: dict) -> None:
    source = "; ".join(f"{s.name} = {v!r}" for s, v in point.items()) + "\n" + body
    t = trace(source)
    value = float(t.nodes[t.output].value)
    assert value == pytest.approx(float(expr.subs(point).evalf(30)), rel=1e-12, abs=1e-14)
    for s in point:
        expected = float(sp.diff(expr, s).subs(point).evalf(30))
        analytic = float(leaf(t, s.name).grad)
        assert analytic == pytest.approx(expected, rel=1e-11, abs=1e-13), f"d f / d {s.name}"


def symbols_like(name: str, shape: tuple) -> np.ndarray:
    """An object array of real SymPy symbols, one per entry (name_i_j)."""
    out = np.empty(shape, dtype=object)
    for k in np.ndindex(*shape):
        out[k] = sp.Symbol("_".join([name, *map(str, k)]), real=True)
    return out


OP_PROGRAMS = [pytest.param(name, ci, marks=() if ci == 0 else pytest.mark.slow, id=f"{name}-{ci}")
               for name in sorted(OPS) for ci in range(len(CASES.get(name, [None])))]


@pytest.mark.parametrize("name, ci", OP_PROGRAMS)
def test_op_matches_sympy(name: str, ci: int) -> None:
    case = cases_of(name)[ci]
    seed = seed_of(name, ci, "sympy")
    vals = leaves_for(case, seed)
    syms = {k: symbols_like(k, v.shape) for k, v in vals.items()}
    out = np.asarray((case.sym or case.ref)(*syms.values()), dtype=object)
    weights = weights_for(out.shape, seed)
    f = sp.Add(*np.asarray(out * weights, dtype=object).reshape(-1))
    point = {syms[k][i]: sp.Float(repr(float(vals[k][i])), 30) for k in vals for i in np.ndindex(*vals[k].shape)}
    t = trace(program(vals, f"out = {case.expr}\nf = sum(out * {literal(weights)})"))
    what = f"{name}: {case.expr} with shapes {[v.shape for v in vals.values()]}"
    expected = float(f.xreplace(point).evalf(30))
    assert float(t.nodes[t.output].value) == pytest.approx(expected, rel=1e-12, abs=1e-13), what
    for k in vals:
        grad = np.asarray(leaf(t, k).grad, dtype=np.float64)
        for i in np.ndindex(*vals[k].shape):
            expected = float(sp.diff(f, syms[k][i]).xreplace(point).evalf(30))
            assert grad[i] == pytest.approx(expected, rel=1e-10, abs=1e-12), f"{what}: d f / d {k}{list(i)}"
