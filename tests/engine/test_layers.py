"""The layer view: which nodes are layers, their statistics, and the symmetry that zeros cause,
each on a program built to show it."""
from __future__ import annotations

import numpy as np
import pytest

from engine import ProgramError, trace
from engine.layers import layer_views, layers
from engine.limits import MAX_LAYER_INITS, MAX_LAYERS

DEEP = ("x = [1.0, -0.5, 0.25, 2.0, -1.5, 0.75]\n"
        + "".join(f"W{k} = xavier(6, 6, seed={k}); b{k} = zeros(6)\nh{k} = tanh(W{k} @ {'x' if k == 1 else f'h{k-1}'} + b{k})\n"
                  for k in range(1, 5))
        + "loss = sum(h4)\n")


def test_a_layer_is_each_nonlinearity_output_in_program_order() -> None:
    rows = layers(DEEP)
    assert [r["name"] for r in rows] == ["h1", "h2", "h3", "h4"]
    doc = trace(DEEP).to_dict()
    for r in rows:
        node = doc["nodes"][r["node"]]
        assert node["op"] == r["op"] == "tanh" and node["shape"] == r["shape"] == [6]
        assert r["value"] == node["stats"]["value"] and r["grad"] == node["stats"]["grad"]
        assert r["grad_norm"] == pytest.approx(np.linalg.norm(np.array(node["grad"])))
        assert r["saturated"] == r["value"]["saturated"]["fraction"] and r["dead"] is None


def test_without_a_nonlinearity_every_tensor_statement_is_a_layer() -> None:
    rows = layers("x = [1.0, 2.0]\nW = randn(3, 2, seed=1)\nz = W @ x\ny = z * 2.0\nf = sum(y)")
    assert [r["name"] for r in rows] == ["z", "y"] and rows[0]["saturated"] is None


def test_naive_randn_saturates_tanh_and_xavier_does_not() -> None:
    wide = ("x = randn(64, seed=0)\n"
            + "".join(f"W{k} = zeros(64, 64)\nh{k} = tanh(W{k} @ {'x' if k == 1 else f'h{k-1}'})\n" for k in range(1, 4))
            + "loss = sum(h3)\n")
    naive, xavier = layers(wide, "naive"), layers(wide, "xavier")
    for n, x, k in zip(naive, xavier, range(1, 4)):
        h = trace(wide, "naive").nodes[n["node"]].value
        assert n["saturated"] == np.mean(np.abs(h) > 0.97) > 0.5     # Var(Wx) ≈ 64: mostly ±1
        assert x["saturated"] < 0.05
    # saturated units pass almost no gradient: of what reaches h1, tanh lets through to its
    # input z1 (the weights' δ) a small share under naive, most of it under Xavier
    def passed(init: str, row: dict) -> float:
        t = trace(wide, init)
        node = t.nodes[row["node"]]
        return float(np.linalg.norm(t.nodes[node.inputs[0]].grad) / np.linalg.norm(node.grad))
    assert passed("naive", naive[0]) < 0.45 < 0.6 < passed("xavier", xavier[0])     # 0.39, 0.70


def test_dead_share_of_a_relu_layer() -> None:
    rows = layers("x = [1.0, -2.0, 3.0, -4.0]\nW = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], "
                  "[0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]\nh = relu(W @ x)\nf = sum(h)")
    assert rows[0]["dead"] == 0.5 and rows[0]["saturated"] is None


def test_zeros_give_every_unit_of_a_layer_the_same_gradient() -> None:
    views = {v["init"]: v["layers"] for v in layer_views(DEEP, [None, "zeros", "naive"])}
    for row in views["zeros"]:
        assert row["symmetric"] == {"units": 6, "distinct_gradients": 1, "same": True}
    for init in (None, "naive"):
        for row in views[init]:
            assert row["symmetric"] == {"units": 6, "distinct_gradients": 6, "same": False}


def test_equal_nonzero_weights_are_symmetric_too_and_the_gradients_are_not_zero() -> None:
    # every row of W the same: the units compute the same thing and learn the same thing
    src = ("x = [1.0, -2.0, 0.5]\nW = [[0.3, -0.2, 0.1], [0.3, -0.2, 0.1], [0.3, -0.2, 0.1], [0.3, -0.2, 0.1]]\n"
           "h = tanh(W @ x)\nv = [0.5, 0.5, 0.5, 0.5]\nloss = v @ h")
    t = trace(src)
    (row,) = layers(src)
    delta = t.nodes[t.nodes[row["node"]].inputs[0]].grad
    assert np.all(delta == delta[0]) and delta[0] != 0
    assert row["symmetric"] == {"units": 4, "distinct_gradients": 1, "same": True}
    np.testing.assert_array_equal(t.nodes[1].grad, np.tile(t.nodes[1].grad[0], (4, 1)))   # ∂loss/∂W rows alike


def test_units_are_rows_for_w_at_x_and_columns_for_x_at_w() -> None:
    # a batch of 3 examples, 4 units; zeros make the units alike, but not the examples
    wx = "X = [[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]]\nW = zeros(4, 2)\nb = [0.1, 0.2, 0.3, 0.4]\nH = tanh(W @ X)\nf = sum(H * H) + sum(b)"
    xw = "X = [[1.0, 0.5], [2.0, -1.0], [3.0, 2.0]]\nW = zeros(2, 4)\nH = tanh(X @ W + 1.0)\nf = sum(H * [[1.0], [2.0], [3.0]])"
    assert layers(wx)[0]["symmetric"]["units"] == 4
    row = layers(xw)[0]
    assert row["symmetric"] == {"units": 4, "distinct_gradients": 1, "same": True}


def test_an_init_whose_pass_fails_reports_it_and_the_others_still_come() -> None:
    src = "x = [1.0, 2.0]\nW = randn(3, 2, seed=1)\nh = relu(W @ x)\nf = sum(log(h + 1.0)) + sum(log(sum(W * W)))"
    views = layer_views(src, ["naive", "zeros"])
    assert views[0]["error"] is None and len(views[0]["layers"]) == 1
    assert views[1]["layers"] == [] and "numeric error" in views[1]["error"] and "log" in views[1]["error"]


def test_the_limits_of_a_layer_view() -> None:
    many = "x = [1.0, 2.0]\n" + "".join(f"x = tanh(x)\n" for _ in range(MAX_LAYERS + 1)) + "f = sum(x)\n"
    with pytest.raises(ProgramError, match=f"at most {MAX_LAYERS} layers; this program has {MAX_LAYERS + 1}"):
        layer_views(many, [None])
    with pytest.raises(ValueError, match=f"1 to {MAX_LAYER_INITS} initializations"):
        layer_views(DEEP, [None] * (MAX_LAYER_INITS + 1))
    with pytest.raises(ProgramError, match="unknown function"):
        layer_views("f = tahn(1.0)", [None])
