"""CS224N lecture 4's worked example, with the lecture's own numbers as the reference.

    f(x, y, z) = (x + y) · max(y, z)   at x = 1, y = 2, z = 0
    a = x + y = 3,  b = max(y, z) = 2,  f = a · b = 6
    ∂f/∂a = b = 2, ∂f/∂b = a = 3
    ∂f/∂x = 2;  ∂f/∂y = 3 (through max, which routes to y) + 2 (through +) = 5;  ∂f/∂z = 0
"""
from __future__ import annotations

import pytest

from engine import trace

SOURCE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"


@pytest.fixture(scope="module")
def doc() -> dict:
    return trace(SOURCE).to_dict()


def by_name(doc: dict, name: str) -> dict:
    return next(n for n in doc["nodes"] if n["name"] == name)


def by_op(doc: dict, op: str) -> dict:
    (node,) = [n for n in doc["nodes"] if n["op"] == op]
    return node


def backward_step(doc: dict, node_id: int) -> dict:
    (step,) = [s for s in doc["steps"] if s["phase"] == "backward" and s["node"] == node_id]
    return step


def test_values_and_gradients(doc: dict) -> None:
    f = doc["nodes"][doc["output"]]
    assert f["name"] == "f" and f["op"] == "mul"
    assert f["value"] == 6.0
    assert by_op(doc, "add")["value"] == 3.0
    assert by_op(doc, "maximum")["value"] == 2.0
    assert by_name(doc, "x")["grad"] == 2.0
    assert by_name(doc, "y")["grad"] == 5.0
    assert by_name(doc, "z")["grad"] == 0.0
    assert doc["backward"] is True and doc["messages"] == []


def test_the_graph_is_the_lectures(doc: dict) -> None:
    x, y, z = (by_name(doc, k)["id"] for k in "xyz")
    add, mx, mul = by_op(doc, "add"), by_op(doc, "maximum"), by_op(doc, "mul")
    assert add["inputs"] == [x, y]
    assert mx["inputs"] == [y, z]
    assert mul["inputs"] == [add["id"], mx["id"]]
    assert len(doc["nodes"]) == 6            # three leaves, three operations, no constants


def test_upstream_local_downstream_on_each_edge(doc: dict) -> None:
    add, mx, mul = by_op(doc, "add"), by_op(doc, "maximum"), by_op(doc, "mul")
    s = backward_step(doc, mul["id"])
    assert s["upstream"] == 1.0
    # × switches: each input gets the upstream times the other input's value
    assert [(e["input"], e["local"], e["downstream"]) for e in s["edges"]] == [
        (add["id"], 2.0, 2.0), (mx["id"], 3.0, 3.0)]
    s = backward_step(doc, add["id"])
    assert s["upstream"] == 2.0
    assert [(e["local"], e["downstream"]) for e in s["edges"]] == [(1.0, 2.0), (1.0, 2.0)]
    s = backward_step(doc, mx["id"])
    assert s["upstream"] == 3.0
    y, z = by_name(doc, "y")["id"], by_name(doc, "z")["id"]
    assert [(e["input"], e["local"], e["downstream"]) for e in s["edges"]] == [(y, 1.0, 3.0), (z, 0.0, 0.0)]


def test_y_sums_two_contributions(doc: dict) -> None:
    add, mx = by_op(doc, "add"), by_op(doc, "maximum")
    s = backward_step(doc, by_name(doc, "y")["id"])
    assert s["upstream"] == 5.0
    contributions = sorted((c["from"], c["downstream"]) for c in s["contributions"])
    assert contributions == sorted([(mx["id"], 3.0), (add["id"], 2.0)])
    assert s["sum_rule"] and "sum" in s["sum_rule"] and "2 nodes" in s["sum_rule"]
    for name in "xz":                        # used once: nothing to sum
        s = backward_step(doc, by_name(doc, name)["id"])
        assert len(s["contributions"]) == 1 and s["sum_rule"] is None


def test_gate_intuitions(doc: dict) -> None:
    assert "distributes" in backward_step(doc, by_op(doc, "add")["id"])["intuition"]
    assert "routes" in backward_step(doc, by_op(doc, "maximum")["id"])["intuition"]
    assert "switches" in backward_step(doc, by_op(doc, "mul")["id"])["intuition"]


def test_step_order_forward_topological_then_backward_reversed(doc: dict) -> None:
    steps = doc["steps"]
    phases = [s["phase"] for s in steps]
    n_fwd = phases.count("forward")
    assert phases == ["forward"] * n_fwd + ["backward"] * (len(phases) - n_fwd)
    forward = [s["node"] for s in steps[:n_fwd]]
    assert sorted(forward) == [n["id"] for n in doc["nodes"]]          # every node once
    position = {node: k for k, node in enumerate(forward)}
    for n in doc["nodes"]:
        for i in n["inputs"]:
            assert position[i] < position[n["id"]], "an input must be computed before its consumer"
    for s in steps[:n_fwd]:
        assert s["value"] == doc["nodes"][s["node"]]["value"]
    backward = [s["node"] for s in steps[n_fwd:]]
    assert backward[0] == doc["output"]
    assert backward == [k for k in reversed(forward) if k in set(backward)]
    assert sorted(backward) == sorted(n["id"] for n in doc["nodes"])  # all six take a gradient
    seen: set[int] = set()
    for k in backward:                       # a node's step comes after all its consumers' steps
        for n in doc["nodes"]:
            if k in n["inputs"]:
                assert n["id"] in seen
        seen.add(k)


def test_relu_gates_and_ties_split() -> None:
    """Conventions at kinks the README documents: relu'(0) = 0, a tie in max splits evenly."""
    doc = trace("y = 2.0; z = 2.0\nf = max(y, z)").to_dict()
    assert by_name(doc, "y")["grad"] == 0.5 and by_name(doc, "z")["grad"] == 0.5
    doc = trace("a = 0.0; b = -1.0; c = 3.0\nf = relu(a) + relu(b) + relu(c)").to_dict()
    assert [by_name(doc, k)["grad"] for k in "abc"] == [0.0, 0.0, 1.0]
    relu_step = next(s for s in doc["steps"] if s["phase"] == "backward" and s["op"] == "relu")
    assert "gates" in relu_step["intuition"]
