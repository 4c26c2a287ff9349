"""The gallery says only true things: every checkable claim in an example's title and
description is checked against the document of its program.

"used N times" / "feeds N edges" claims are checked against the number of edges leaving the
node (its consumers, counted per input position); numbers and formulas against numpy
written here from the claim, not from the engine.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from app.examples import EXAMPLES
from engine import trace

WORDS = {"once": 1, "twice": 2, "three times": 3, "four times": 4,
         "one edge": 1, "two edges": 2, "three edges": 3, "four edges": 4}
COUNT = r"(once|twice|three times|four times|\d+ times|one edge|two edges|three edges|four edges|\d+ edges)"
NAMED = re.compile(rf"\b([A-Za-z_]\w*) (?:is used|feeds) {COUNT}")
UNNAMED = re.compile(rf"\bused {COUNT}")


def count(words: str) -> int:
    return WORDS[words] if words in WORDS else int(words.split()[0])


def document(example: dict) -> dict:
    return trace(example["source"]).to_dict()


def node(doc: dict, name: str) -> dict:
    return next(n for n in doc["nodes"] if name in n["names"])


def by_expr(doc: dict, expr: str) -> dict:
    return next(n for n in doc["nodes"] if n["expr"] == expr)


def uses(doc: dict, node_id: int) -> int:
    """Edges out of a node: one per input position that reads it."""
    return sum(n["inputs"].count(node_id) for n in doc["nodes"])


def backward(doc: dict, node_id: int) -> dict:
    return next(s for s in doc["steps"] if s["phase"] == "backward" and s["node"] == node_id)


def a(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_every_use_count_claim_matches_the_graph(example) -> None:
    doc = document(example)
    text = example["title"] + " " + example["description"]
    named = [(m[1], count(m[2])) for m in NAMED.finditer(text)]
    for name, n in named:
        nid = node(doc, name)["id"]
        assert uses(doc, nid) == n, f"{example['id']}: '{name}' is used {uses(doc, nid)} times, not {n}"
        if doc["backward"]:                   # the panel's count: one contribution per use
            assert len(backward(doc, nid)["contributions"]) == n
    # a count without a name (in the title) must be one of the named counts
    for m in UNNAMED.finditer(example["title"]):
        assert count(m[1]) in {n for _, n in named}, f"{example['id']}: '{m[0]}' in the title is unsupported"


def test_the_count_phrases_are_found() -> None:
    # the checker reads the phrases the gallery uses (else the test above would pass vacuously)
    found = [(e["id"], m[1], count(m[2])) for e in EXAMPLES
             for m in NAMED.finditer(e["title"] + " " + e["description"])]
    assert ("softmax-l2", "W", 3) in found and ("used-twice", "x", 3) in found
    assert NAMED.search("W is used twice")[2] == "twice"


def check_lecture(doc: dict) -> None:
    # f = 6, ∂f/∂x = 2, ∂f/∂y = 3 + 2 = 5, ∂f/∂z = 0
    assert a(doc["nodes"][doc["output"]]["value"]) == 6.0
    assert {k: float(node(doc, k)["grad"]) for k in "xyz"} == {"x": 2.0, "y": 5.0, "z": 0.0}
    y = node(doc, "y")
    assert sorted(float(c["downstream"]) for c in backward(doc, y["id"])["contributions"]) == [2.0, 3.0]
    # + distributes, max routes, × switches
    gates = {s["op"]: s["intuition"] for s in doc["steps"] if s["phase"] == "backward" and s["intuition"]}
    assert "distributes" in gates["add"] and "routes" in gates["maximum"] and "switches" in gates["mul"]


def check_sigmoid_neuron(doc: dict) -> None:
    z = 2.0 * -1.0 + -3.0 * -2.0 + -3.0
    s = 1.0 / (1.0 + np.exp(-z))
    a_node = node(doc, "a")
    assert float(a_node["value"]) == pytest.approx(s, rel=1e-15)
    (edge,) = backward(doc, a_node["id"])["edges"]
    assert float(edge["local"]) == pytest.approx(s * (1 - s), rel=1e-14)      # σ(z)(1 − σ(z))


WORDS_OF_THE_WINDOW = ["museums", "x_in", "Paris", "are", "amazing"]


def check_window(doc: dict, frozen: bool = False) -> None:
    x = node(doc, "x")
    assert x["op"] == "concat" and len(x["inputs"]) == 5                       # five word vectors
    assert [doc["nodes"][i]["names"][0] for i in x["inputs"]] == WORDS_OF_THE_WINDOW
    W = node(doc, "W")
    assert W["shape"] == [4, 10]
    z = by_expr(doc, "W @ x + b")
    delta = a(z["grad"])                                                       # δ = ∂s/∂z
    np.testing.assert_allclose(a(W["grad"]), np.outer(delta, a(x["value"])), rtol=1e-12, atol=1e-15)
    if frozen:
        return
    # the window's gradient splits into one piece per word
    pieces = np.split(a(x["grad"]), 5)
    for name, piece in zip(WORDS_OF_THE_WINDOW, pieces):
        np.testing.assert_array_equal(a(node(doc, name)["grad"]), piece)


def check_frozen(doc: dict) -> None:
    for name in WORDS_OF_THE_WINDOW:                 # no gradient flows into them
        n = node(doc, name)
        assert n["frozen"] is True and n["grad"] is None
    for name in ("W", "b"):                          # W and b still learn
        g = node(doc, name)["grad"]
        assert g is not None and np.any(a(g) != 0.0)
    # s = uᵀ relu(W x + b): the same window, written in one line
    u, h = node(doc, "u"), by_expr(doc, "relu(W @ x + b)")
    assert float(doc["nodes"][doc["output"]]["value"]) == pytest.approx(float(a(u["value"]) @ a(h["value"])))
    check_window(doc, frozen=True)


def check_softmax_l2(doc: dict) -> None:
    x, W, b = (a(node(doc, k)["value"]) for k in ("x", "W", "b"))
    logits = W @ x + b
    p = np.exp(logits - logits.max())
    p /= p.sum()
    onehot = np.eye(3)[2]
    np.testing.assert_allclose(a(node(doc, "logits")["grad"]), p - onehot, rtol=1e-12)   # p − onehot(y)
    lam = 0.01
    # W's gradient: the loss's outer product plus the penalty's 2λW
    np.testing.assert_allclose(a(node(doc, "W")["grad"]), np.outer(p - onehot, x) + 2 * lam * W,
                               rtol=1e-12, atol=1e-15)


def check_two_layer(doc: dict) -> None:
    x, W2, h = (a(node(doc, k)["value"]) for k in ("x", "W2", "h"))
    delta2 = a(node(doc, "logits")["grad"])
    delta1 = a(by_expr(doc, "W1 @ x + b1")["grad"])
    # each layer reuses the δ of the layer above it: δ₁ = (W₂ᵀ δ₂) ⊙ tanh′
    np.testing.assert_allclose(delta1, (W2.T @ delta2) * (1 - h ** 2), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a(node(doc, "W1")["grad"]), np.outer(delta1, x), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a(node(doc, "W2")["grad"]), np.outer(delta2, h), rtol=1e-12, atol=1e-15)


def check_used_twice(doc: dict) -> None:
    # x feeds three edges; ∂f/∂x = 2 + 3 + 3 = 8 at x = 3
    x = node(doc, "x")
    assert float(x["value"]) == 3.0 and float(x["grad"]) == 8.0
    assert sorted(float(c["downstream"]) for c in backward(doc, x["id"])["contributions"]) == [2.0, 3.0, 3.0]


def check_deep_tanh(doc: dict) -> None:
    hs = [f"h{k}" for k in range(1, 7)]
    assert [node(doc, h)["op"] for h in hs] == ["tanh"] * 6
    # the weights are constructors, so the switch redraws them: naive randn, Xavier, zeros
    naive, xavier, zeros = (trace(doc["source"], init).to_dict() for init in ("naive", "xavier", "zeros"))
    for k in range(1, 7):
        assert node(naive, f"W{k}")["attrs"]["init"] == "randn" and node(zeros, f"W{k}")["attrs"]["init"] == "zeros"
    # naive randn saturates tanh (|h| > 0.97 for a third of the units or more), Xavier none
    saturated = [np.mean(np.abs(a(node(naive, h)["value"])) > 0.97) for h in hs]
    assert min(saturated) >= 1 / 3, saturated
    assert all(np.max(np.abs(a(node(xavier, h)["value"]))) < 0.97 for h in hs)
    # zeros: every unit of a layer gets the same gradient δ = ∂loss/∂z at its tanh's input
    for h in hs:
        delta = a(zeros["nodes"][node(zeros, h)["inputs"][0]]["grad"])
        assert np.all(delta == delta[0])
        assert len(set(a(xavier["nodes"][node(xavier, h)["inputs"][0]]["grad"]).tolist())) == 8


CHECKS = {"lecture": check_lecture, "sigmoid-neuron": check_sigmoid_neuron, "window-classifier": check_window,
          "frozen-word-vectors": check_frozen, "softmax-l2": check_softmax_l2, "two-layer": check_two_layer,
          "used-twice": check_used_twice, "deep-tanh": check_deep_tanh}


def test_every_example_has_its_claims_checked() -> None:
    assert set(CHECKS) == {e["id"] for e in EXAMPLES}


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_the_description_is_true_of_the_program(example) -> None:
    CHECKS[example["id"]](document(example))
