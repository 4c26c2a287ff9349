"""concat's backward pass: each input gets its own slice of the upstream gradient, in time
linear in the number of inputs (its offsets summed once per node)."""
from __future__ import annotations

import json
import time

import numpy as np
import pytest

from engine import trace
from engine.ops import OPS


def test_every_input_vjp_at_once_equals_one_at_a_time() -> None:
    op = OPS["concat"]
    rng = np.random.default_rng(0)
    ins = [rng.normal(size=k) for k in (2, 1, 3, 2, 1)]
    g = rng.normal(size=sum(len(x) for x in ins))
    out = np.concatenate(ins)
    together = op.vjps(g, out, ins, {})
    assert len(together) == len(ins)
    for i in range(len(ins)):
        np.testing.assert_array_equal(together[i], op.vjp(i, g, out, ins, {}))


def f_of(a: list[float], b: list[float], c: list[float]) -> str:
    return (f"a = {a}\nb = {b}\nc = {c}\nw = frozen([0.5, -1.0, 2.0, 3.0, -0.25, 1.5, 0.75, -2.0])\n"
            "f = sum(w * tanh(concat(a, b, a, c)) * concat(c, a, b, a))")


def test_gradients_match_finite_differences() -> None:
    values = {"a": [0.3, -0.7], "b": [1.1], "c": [0.2, -0.4, 0.9]}
    t = trace(f_of(**values))
    grads = {n.names[0]: np.atleast_1d(n.grad) for n in t.nodes if n.names and n.names[0] in values}
    h = 1e-6
    for name, v in values.items():
        for k in range(len(v)):
            plus = {**values, name: [x + (h if j == k else 0.0) for j, x in enumerate(v)]}
            minus = {**values, name: [x - (h if j == k else 0.0) for j, x in enumerate(v)]}
            fp = float(trace(f_of(**plus)).nodes[-1].value)
            fm = float(trace(f_of(**minus)).nodes[-1].value)
            assert grads[name][k] == pytest.approx((fp - fm) / (2 * h), rel=1e-6, abs=1e-8), (name, k)


@pytest.mark.slow
def test_twenty_thousand_inputs_trace_in_seconds() -> None:
    n = 20_000
    t0 = time.perf_counter()
    t = trace("x = [1.0, 2.0]\ny = [3.0]\nw = concat(" + ", ".join(["x, y"] * (n // 2)) + ")\nf = sum(w * w)")
    doc = json.dumps(t.to_dict())
    elapsed = time.perf_counter() - t0
    assert elapsed < 25, f"took {elapsed:.1f} s"           # generous: n^2 took the whole 30 s
    x, y = t.nodes[0], t.nodes[1]
    np.testing.assert_allclose(x.grad, [2.0 * n // 2, 4.0 * n // 2])   # d(sum w²)/dx = Σ 2x
    assert float(np.atleast_1d(y.grad)[0]) == 6.0 * n // 2
    assert len(doc) > 0
