"""Matrix cases against numpy closed forms: the lecture's window classifier, softmax with
cross-entropy, xavier, frozen leaves, embedding lookups, slicing, transposes, broadcasting."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine import trace
from tests.engine.reference import assert_close, leaf, literal, numeric_grad, program

WORDS = {"museums": [0.1, -0.3], "x_in": [0.2, 0.0], "Paris": [0.5, 0.4], "are": [-0.1, 0.2],
         "amazing": [0.3, 0.3]}
U = [1.0, -0.5, 0.25, 2.0]
WINDOW = ("museums = [0.1, -0.3]; x_in = [0.2, 0.0]; Paris = [0.5, 0.4]; are = [-0.1, 0.2]; "
          "amazing = [0.3, 0.3]\n"
          "x = concat(museums, x_in, Paris, are, amazing)\n"
          "W = xavier(4, 10, seed=0)\n"
          "b = zeros(4)\n"
          "u = [1.0, -0.5, 0.25, 2.0]\n"
          "h = relu(W @ x + b)\n"
          "s = u @ h\n")


def named(t, name: str):
    return next(n for n in t.nodes if name in n.names)


# The program, and the same with a bias that switches two hidden units off
# (with b = 0 every unit of this draw is active, so relu's gate would go untested).
GATING_B = [0.0, -0.3, 0.0, -0.2]
VARIANTS = {"issue": WINDOW, "gated": WINDOW.replace("b = zeros(4)", f"b = {GATING_B}")}


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def window(request):
    return trace(VARIANTS[request.param])


def reference_window(W: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    x = np.concatenate([np.array(v) for v in WORDS.values()])
    z = W @ x + b
    h = np.maximum(z, 0.0)
    u = np.array(U)
    delta = u * (z > 0)                      # ∂s/∂z: u through relu's gate
    return {"x": x, "z": z, "h": h, "s": u @ h, "delta": delta}


def test_xavier_draw_is_glorot_uniform_with_seed(window) -> None:
    W = named(window, "W").value
    bound = math.sqrt(6.0 / (10 + 4))
    expected = np.random.default_rng(0).uniform(-bound, bound, size=(4, 10))
    assert_close(W, expected, rtol=0, atol=0, what="xavier(4, 10, seed=0)")


def test_window_classifier_gradients_against_closed_forms(window) -> None:
    W = named(window, "W").value
    b = named(window, "b").value
    assert_close(b, np.zeros(4) if "zeros" in window.source else np.array(GATING_B), rtol=0, atol=0)
    ref = reference_window(W, b)
    if "zeros" not in window.source:
        assert (ref["z"] > 0).sum() == 2, "the gated variant should switch two units off"
    assert float(window.nodes[window.output].value) == pytest.approx(ref["s"], abs=1e-15)
    dW = named(window, "W").grad
    assert dW.shape == (4, 10)
    assert_close(dW, np.outer(ref["delta"], ref["x"]), rtol=1e-14, atol=0, what="∂s/∂W = δ xᵀ")
    assert_close(named(window, "x").grad, W.T @ ref["delta"], rtol=1e-14, atol=1e-16, what="∂s/∂x = Wᵀδ")
    assert_close(named(window, "b").grad, ref["delta"], rtol=0, atol=0, what="∂s/∂b = δ")
    assert_close(named(window, "u").grad, ref["h"], rtol=0, atol=0, what="∂s/∂u = h")
    assert_close(named(window, "h").grad, np.array(U), rtol=0, atol=0)


def test_window_gradient_splits_into_one_piece_per_word(window) -> None:
    dx = named(window, "x").grad
    for k, word in enumerate(WORDS):
        assert_close(named(window, word).grad, dx[2 * k:2 * k + 2], rtol=0, atol=0, what=word)


def test_matmul_step_shows_the_outer_product_rule(window) -> None:
    W = named(window, "W")
    mm = next(n for n in window.nodes if n.op == "matmul" and n.inputs[0] == W.id)
    step = next(s for s in window.to_dict()["steps"] if s["phase"] == "backward" and s["node"] == mm.id)
    w_edge, x_edge = step["edges"]
    # The local rule is the local derivative; δ xᵀ is the downstream rule (issue 11, item 1).
    assert w_edge["rule"]["text"].startswith("∂v9ᵢ/∂Wᵢⱼ = xⱼ") and "4×4×10" in w_edge["rule"]["text"]
    assert "δ" not in w_edge["rule"]["text"] and "δ" not in x_edge["rule"]["text"]
    assert w_edge["downstream_rule"]["text"].startswith("∂s/∂W = δ xᵀ") and "4×10" in w_edge["downstream_rule"]["text"]
    assert x_edge["downstream_rule"]["text"].startswith("∂s/∂x = Wᵀ δ")
    assert w_edge["local"] is None and w_edge["local_shape"] == [4, 4, 10]  # 160 entries: too many to show
    assert_close(w_edge["downstream"], np.outer(step["upstream"], named(window, "x").value), rtol=1e-15, atol=0)


def test_xavier_variance_and_bounds() -> None:
    t = trace("W = xavier(300, 500, seed=3)\nf = sum(W)")
    W = named(t, "W").value
    bound = math.sqrt(6.0 / 800)
    assert W.shape == (300, 500)
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() > 0.999 * bound                 # fills the interval
    var = 2.0 / 800
    # 150,000 draws: the sample variance's standard error is var·sqrt(0.8/n) ≈ 0.23 %
    assert W.var() == pytest.approx(var, rel=0.02)
    assert abs(W.mean()) < 5 * math.sqrt(var / W.size)
    assert_close(named(t, "W").grad, np.ones((300, 500)), rtol=0, atol=0)


def test_unseeded_random_constructors_are_deterministic_and_distinct() -> None:
    src = "A = randn(3, 4)\nB = randn(3, 4)\nC = xavier(3, 4)\nf = sum(A * B) + sum(C)"
    t1, t2 = trace(src), trace(src)
    for k in "ABC":
        assert np.array_equal(named(t1, k).value, named(t2, k).value)
    assert not np.array_equal(named(t1, "A").value, named(t1, "B").value)
    assert_close(named(t1, "A").value, np.random.default_rng(0).standard_normal((3, 4)), rtol=0, atol=0)
    assert_close(named(t1, "B").value, np.random.default_rng(1).standard_normal((3, 4)), rtol=0, atol=0)
    # the default seed is the position among random constructors, seeded or not (README)
    t = trace("A = randn(2, seed=5)\nB = randn(2)\nC = xavier(2, 3)\nf = sum(A + B) + sum(C)")
    assert_close(named(t, "A").value, np.random.default_rng(5).standard_normal(2), rtol=0, atol=0)
    assert_close(named(t, "B").value, np.random.default_rng(1).standard_normal(2), rtol=0, atol=0)
    bound = math.sqrt(6.0 / 5)
    assert_close(named(t, "C").value, np.random.default_rng(2).uniform(-bound, bound, (2, 3)), rtol=0, atol=0)
    t = trace("A = randn(2, 3, seed=7, scale=0.1)\nf = sum(A)")
    assert_close(named(t, "A").value, 0.1 * np.random.default_rng(7).standard_normal((2, 3)), rtol=0, atol=0)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_softmax_cross_entropy_gradient_is_softmax_minus_onehot() -> None:
    z = np.array([1.5, -0.3, 0.2, 2.2])
    t = trace(f"z = {literal(z)}\nJ = cross_entropy(z, 1)")
    p = softmax(z)
    assert float(t.nodes[t.output].value) == pytest.approx(-math.log(p[1]), rel=1e-14)
    assert_close(named(t, "z").grad, p - np.eye(4)[1], rtol=1e-13, atol=1e-16, what="ŷ − y")
    # the same loss written out by hand: -log_softmax(z)[1]
    t2 = trace(f"z = {literal(z)}\nJ = -log_softmax(z)[1]")
    assert_close(named(t2, "z").grad, p - np.eye(4)[1], rtol=1e-13, atol=1e-16)
    t3 = trace(f"z = {literal(z)}\nJ = -log(softmax(z)[1])")
    assert_close(named(t3, "z").grad, p - np.eye(4)[1], rtol=1e-12, atol=1e-15)


def test_batch_cross_entropy_is_the_mean_over_rows() -> None:
    Z = np.array([[1.0, 2.0, 0.5], [-1.0, 0.3, 0.8], [0.0, 0.1, -0.2], [2.0, -2.0, 1.0]])
    targets = [2, 0, 1, 1]
    t = trace(f"Z = {literal(Z)}\nJ = cross_entropy(Z, {targets})")
    P = softmax(Z)
    Y = np.eye(3)[targets]
    assert float(t.nodes[t.output].value) == pytest.approx(-np.mean(np.log(P[np.arange(4), targets])), rel=1e-14)
    assert_close(named(t, "Z").grad, (P - Y) / 4, rtol=1e-13, atol=1e-16)


def test_a_two_layer_network_against_finite_differences() -> None:
    rng = np.random.default_rng(5)
    leaves = {"X": rng.normal(size=(3, 4)), "W1": rng.normal(size=(4, 5)), "b1": rng.normal(size=5),
              "W2": rng.normal(size=(5, 3)), "b2": rng.normal(size=3)}
    body = "H = tanh(X @ W1 + b1)\nJ = cross_entropy(H @ W2 + b2, [0, 2, 1]) + 0.01 * sum(W1 * W1)"
    t = trace(program(leaves, body))
    for k in leaves:
        assert_close(leaf(t, k).grad, numeric_grad(leaves, body, k), rtol=1e-5, atol=1e-8, what=k)


def test_frozen_leaves_get_no_gradient_and_their_edges_are_skipped() -> None:
    src = ("E = frozen([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])\n"
           "c = frozen(2.0)\n"
           "R = frozen(randn(2, seed=1))\n"
           "w = [1.0, -1.0]\n"
           "s = w @ (E[2] * c + R)")
    t = trace(src)
    doc = t.to_dict()
    ids = {k: named(t, k).id for k in ("E", "c", "R", "w")}
    for k in ("E", "c", "R"):
        node = doc["nodes"][ids[k]]
        assert node["frozen"] is True and node["grad"] is None, k
        assert all(s["node"] != ids[k] for s in doc["steps"] if s["phase"] == "backward"), \
            f"a frozen leaf {k} takes no backward step"
    skipped = [(e["input"], e["skipped"]) for s in doc["steps"] if s["phase"] == "backward"
               for e in s["edges"] if e["input"] in ids.values() and e["input"] != ids["w"]]
    assert sorted(skipped) == sorted([(ids["E"], "frozen"), (ids["c"], "frozen"), (ids["R"], "frozen")])
    for s in doc["steps"]:
        if s["phase"] == "backward":
            for e in s["edges"]:
                if e["skipped"]:
                    assert e["local"] is None and e["downstream"] is None
    assert_close(named(t, "w").grad, np.array([0.5, 0.6]) * 2.0 + np.random.default_rng(1).standard_normal(2),
                 rtol=1e-15, atol=0)


def test_inline_constants_get_null_grad_and_skipped_edges() -> None:
    doc = trace("x = 3.0\nf = 2 * x + [1.0, 2.0] @ [3.0, 4.0]").to_dict()
    consts = [n for n in doc["nodes"] if n["kind"] == "const"]
    assert len(consts) == 3 and all(n["grad"] is None for n in consts)
    assert next(n for n in doc["nodes"] if n["name"] == "x")["grad"] == 2.0
    for s in doc["steps"]:
        if s["phase"] == "backward":
            for e in s["edges"]:
                if doc["nodes"][e["input"]]["kind"] == "const":
                    assert e["skipped"] == "constant"


def test_embedding_lookup_gradient_lands_only_in_its_row() -> None:
    E = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9], [1.0, 1.1, 1.2]])
    t = trace(f"E = {literal(E)}\nv = [2.0, -1.0, 0.5]\ns = v @ tanh(E[2])")
    expected = np.zeros((4, 3))
    expected[2] = np.array([2.0, -1.0, 0.5]) * (1 - np.tanh(E[2]) ** 2)
    assert_close(named(t, "E").grad, expected, rtol=1e-14, atol=0)
    assert (named(t, "E").grad[[0, 1, 3]] == 0).all()
    lookup = next(n for n in t.nodes if n.op == "index")
    assert lookup.attrs.get("lookup") is True and lookup.shape == (3,)


def test_the_same_row_looked_up_twice_sums() -> None:
    t = trace("E = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]\ns = sum(E[1] * E[1]) + sum(E[-1])")
    assert_close(named(t, "E").grad, np.array([[0, 0], [6.0, 8.0], [1.0, 1.0]]), rtol=0, atol=0)


@pytest.mark.parametrize("expr, mask", [
    ("W[:, 1]", np.s_[:, 1]), ("W[1:3, :]", np.s_[1:3, :]), ("W[0, 2]", np.s_[0, 2]),
    ("W[-1, ::2]", np.s_[-1, ::2]), ("W[:2]", np.s_[:2]), ("W[1:, 1:3]", np.s_[1:, 1:3]),
])
def test_slicing_sends_gradient_to_the_slice(expr: str, mask) -> None:
    W = np.arange(12.0).reshape(3, 4) / 10
    t = trace(f"W = {literal(W)}\ns = sum({expr} * {expr})")
    expected = np.zeros((3, 4))
    expected[mask] = 2 * W[mask]
    assert_close(named(t, "W").grad, expected, rtol=1e-15, atol=0)
    assert list(next(n for n in t.nodes if n.op == "index").shape) == list(np.shape(W[mask]))


def test_transpose_gradient() -> None:
    A = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    v = np.array([0.5, -1.0])
    t = trace(f"A = {literal(A)}\nv = {literal(v)}\ns = sum(A.T @ v * [1.0, 2.0, 3.0])")
    # s = Σ_j c_j Σ_i A_ij v_i → ∂s/∂A_ij = v_i c_j
    assert_close(named(t, "A").grad, np.outer(v, [1.0, 2.0, 3.0]), rtol=0, atol=0)
    assert_close(named(t, "v").grad, A @ np.array([1.0, 2.0, 3.0]), rtol=0, atol=0)
    t = trace(f"A = {literal(A)}\ns = sum(A.T * [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])")
    assert_close(named(t, "A").grad, np.array([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]), rtol=0, atol=0)


def test_broadcast_gradients_are_summed_back_to_each_shape() -> None:
    M = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    r = np.array([0.1, 0.2, 0.3])
    c = np.array([[2.0], [-1.0]])
    t = trace(f"M = {literal(M)}\nr = {literal(r)}\nc = {literal(c)}\nk = 0.5\n"
              "s = sum((M + r) * c * k)")
    assert_close(named(t, "M").grad, np.broadcast_to(c * 0.5, (2, 3)), rtol=0, atol=0)
    assert_close(named(t, "r").grad, np.full(3, (2.0 - 1.0) * 0.5), rtol=0, atol=0)
    assert_close(named(t, "c").grad, ((M + r) * 0.5).sum(axis=1, keepdims=True), rtol=1e-15, atol=0)
    assert named(t, "k").grad.shape == ()
    assert float(named(t, "k").grad) == pytest.approx(((M + r) * c).sum(), rel=1e-15)
    # the bias of a batch: b is added to every row, its gradient is the column sum
    t = trace(f"X = {literal(M)}\nb = {literal(r)}\ns = sum(tanh(X + b))")
    assert_close(named(t, "b").grad, (1 - np.tanh(M + r) ** 2).sum(axis=0), rtol=1e-14, atol=0)


def test_reductions_along_an_axis() -> None:
    M = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    t = trace(f"M = {literal(M)}\ns = sum(mean(M, axis=0) * [1.0, 2.0, 3.0]) + sum(sum(M, axis=1) * [10.0, 20.0])")
    expected = np.array([[1, 2, 3], [1, 2, 3]]) / 2 + np.array([[10.0] * 3, [20.0] * 3])
    assert_close(named(t, "M").grad, expected, rtol=1e-15, atol=0)
