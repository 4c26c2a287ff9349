"""The graph (networkx), long chains, determinism, names, and the gradient check."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

from engine import OPS, ProgramError, gradcheck, trace
from engine.graph import Graph, Node
from tests.engine.reference import leaf

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
MIXED = ("E = frozen([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])\n"
         "W = xavier(3, 4, seed=1)\nR = randn(3, 4)\nb = zeros(3)\nx = concat(E[0], E[2])\n"
         "h = tanh((W + 0.1 * R) @ x + b)\nh = relu(h)\nz = h @ [1.0, -2.0, 0.5]\n"
         "loss = cross_entropy(h * z, 1) + 0.01 * sum(W * W)")


# ------------------------------------------------------------------ networkx view
@pytest.mark.parametrize("source", [LECTURE, MIXED, "x = 2.0\nf = x * x + x"])
def test_graph_edges_match_node_inputs(source: str) -> None:
    t = trace(source)
    g = t.graph
    assert isinstance(g, nx.DiGraph)
    assert sorted(g.nodes) == list(range(len(t.nodes)))
    expected = {(i, n.id) for n in t.nodes for i in n.inputs}
    assert set(g.edges) == expected
    for n in t.nodes:
        assert list(g.predecessors(n.id)) == list(dict.fromkeys(n.inputs))
        for pos, i in enumerate(n.inputs):
            assert pos in g.edges[i, n.id]["positions"]


@pytest.mark.parametrize("args", [("mul", "op", [0, 1], {}, "×", None), ("leaf", "leaf", [], {"init": "literal"}, "x", 0.5)])
def test_a_number_node_made_field_by_field_is_the_node_the_class_makes(args: tuple) -> None:
    """Graph.add_scalar sets every field itself: a field added to Node must be set there too."""
    op, kind, inputs, attrs, label, literal = args
    span = (2, 5, 2, 10, "x * y")
    fast = Graph().add_scalar(op, kind, inputs, attrs, label, literal, span)
    made = Node(0, op, kind, inputs, (), attrs, *span, label, _literal=literal)
    for f in dataclasses.fields(Node):
        assert getattr(fast, f.name) == getattr(made, f.name), f.name


def test_id_order_is_a_topological_order() -> None:
    t = trace(MIXED)
    g = t.graph
    assert nx.is_directed_acyclic_graph(g)
    # The smallest-id-first topological sort returns 0, 1, 2, … exactly when id order is one.
    assert list(nx.lexicographical_topological_sort(g)) == list(range(len(t.nodes)))
    doc = t.to_dict()
    forward = [s["node"] for s in doc["steps"] if s["phase"] == "forward"]
    position = {k: i for i, k in enumerate(forward)}
    assert all(position[u] < position[v] for u, v in g.edges)
    backward = [s["node"] for s in doc["steps"] if s["phase"] == "backward"]
    position = {k: i for i, k in enumerate(backward)}
    assert all(position[v] < position[u] for u, v in g.edges if u in position and v in position)
    # every node the loss depends on that takes a gradient has exactly one backward step
    ancestors = nx.ancestors(g, t.output) | {t.output}
    takes_grad = {n.id for n in t.nodes if n.kind == "op" or (n.kind == "leaf" and not n.frozen)}
    assert sorted(backward) == sorted(ancestors & takes_grad)


@pytest.mark.parametrize("source", [LECTURE, MIXED, "x = 2.0\nf = x * x + x",
                                    "E = frozen([[1.0, 2.0], [3.0, 4.0]])\nw = [0.5, -1.0]\nf = w @ E[1] * (2 ** 2)"])
def test_every_backward_step_keeps_the_chain_rule(source: str) -> None:
    from tests.engine.test_ops import check_steps
    check_steps(trace(source))


def test_a_node_the_output_does_not_use_gets_zero_gradient() -> None:
    t = trace("x = [1.0, 2.0]; unused = [3.0, 4.0]\nside = unused * 2\nf = sum(x)")
    side = next(n for n in t.nodes if "side" in n.names)
    assert np.array_equal(leaf(t, "unused").grad, [0.0, 0.0]) and np.array_equal(side.grad, [0.0, 0.0])
    assert all(s.node not in (side.id, leaf(t, "unused").id) for s in t.backward_steps)


# ------------------------------------------------------------------ long chains
def inspect_stack() -> list:
    import inspect
    return inspect.stack(0)


@pytest.mark.slow
def test_a_chain_of_100000_nodes() -> None:
    n = 100_000
    source = "h = 0.5\n" + "h = sin(h)\n" * n
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect_stack()) + 150)   # any walk that recurses per node fails
    try:
        t = trace(source)
        text = json.dumps(t.to_dict())
        g = t.graph
        order = list(nx.topological_sort(g))
    finally:
        sys.setrecursionlimit(limit)
    assert len(t.nodes) == n + 1 and len(order) == n + 1
    assert json.loads(text)["nodes"][-1]["inputs"] == [n - 1]
    # closed form: h_k = sin(h_{k-1}), d h_n / d h_0 = Π cos(h_{k-1})
    h, grad = 0.5, 1.0
    for _ in range(n):
        grad *= np.cos(h)
        h = np.sin(h)
    assert float(t.nodes[t.output].value) == pytest.approx(h, rel=1e-12)
    assert float(t.nodes[0].grad) == pytest.approx(grad, rel=1e-9)
    assert len(t.backward_steps) == n + 1
    assert g.number_of_edges() == n and nx.is_directed_acyclic_graph(g)


@pytest.mark.slow
def test_a_value_used_100000_times_sums_its_contributions() -> None:
    n = 100_000
    t = trace("x = 0.5\ny = x\n" + "y = y + x\n" * n)
    assert float(t.nodes[t.output].value) == pytest.approx(0.5 * (n + 1))
    assert float(leaf(t, "x").grad) == n + 1
    step = next(s for s in t.backward_steps if s.node == leaf(t, "x").id)
    assert len(step.contributions) == n + 1 and step.sum_rule is not None


# ------------------------------------------------------------------ determinism
def test_same_program_same_json_text() -> None:
    a = json.dumps(trace(MIXED).to_dict(), ensure_ascii=False)
    b = json.dumps(trace(MIXED).to_dict(), ensure_ascii=False)
    assert a == b


def test_same_json_text_in_another_process() -> None:
    here = json.dumps(trace(MIXED).to_dict(), ensure_ascii=False, sort_keys=False)
    code = ("import json, sys\nfrom engine import trace\n"
            "sys.stdout.write(json.dumps(trace(sys.stdin.read()).to_dict(), ensure_ascii=False))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    r = subprocess.run([sys.executable, "-c", code], input=MIXED, capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout == here


# ------------------------------------------------------------------ names
def test_rebinding_makes_a_new_node_and_later_uses_see_it() -> None:
    t = trace("h = -2.0\ng = relu(h)\nh = relu(h)\nh = h + 3.0\nf = h * g + h")
    hs = [n for n in t.nodes if "h" in n.names]
    assert [n.op for n in hs] == ["leaf", "relu", "add"]
    assert all(n.name == "h" for n in hs)
    f = t.nodes[t.output]
    mul = t.nodes[f.inputs[0]]
    assert mul.inputs == [hs[2].id, next(n for n in t.nodes if "g" in n.names).id]
    assert f.inputs[1] == hs[2].id
    # f = (relu(h0) + 3)·relu(h0) + relu(h0) + 3 with h0 = -2: relu'(-2) = 0
    assert float(f.value) == 3.0 and float(hs[0].grad) == 0.0
    assert float(hs[2].grad) == 1.0 + 0.0      # ∂f/∂h = g + 1 = 0 + 1


def test_a_name_bound_again_is_primed_in_formulas() -> None:
    # Without primes the rule of h = relu(h) would read ∂h/∂h, which says nothing.
    t = trace("h = [1.0, -2.0]\nh = relu(h)\nh = h * 2.0\nx = 2.0\nx = x * 3.0\nf = sum(h) + x")
    doc = t.to_dict()
    by_symbol = {n["symbol"]: n for n in doc["nodes"] if n["name"]}
    assert {"h", "h′", "h″", "x", "x′", "f"} <= set(by_symbol)
    assert by_symbol["h″"]["latex"] == "h''" and by_symbol["h′"]["name"] == "h"
    rules = [e["rule"]["text"] for s in doc["steps"] if s["phase"] == "backward" for e in s["edges"]]
    assert any(r.startswith("∂h′/∂h = 1 where h > 0, else 0") for r in rules)
    assert "∂x′/∂x = 3" in rules
    assert not any(r.startswith("∂h/∂h") or r.startswith("∂x/∂x") for r in rules)


def test_an_output_of_constants_alone_says_there_is_nothing_to_differentiate() -> None:
    doc = trace("a = 1.0\nf = 2 * 3").to_dict()
    assert doc["backward"] is False
    assert [s["phase"] for s in doc["steps"]] == ["forward"] * len(doc["nodes"])
    (m,) = doc["messages"]
    assert (m["line"], m["col"]) == (2, 5) and "constants alone" in m["message"]
    with pytest.raises(ProgramError) as info:
        gradcheck(trace("f = 2 * 3"))
    assert "constants alone" in info.value.message


def test_aliasing_adds_a_name_not_a_node() -> None:
    t = trace("x = 3.0\ny = x\nf = y * x")
    assert len(t.nodes) == 2
    x = t.nodes[0]
    assert x.names == ["x", "y"] and x.name == "x"
    assert t.nodes[1].inputs == [0, 0]
    assert float(x.grad) == 6.0               # d(x²)/dx, both uses summed
    doc = t.to_dict()
    assert doc["nodes"][0]["names"] == ["x", "y"] and doc["nodes"][0]["name"] == "x"


def test_a_node_using_a_value_twice_is_two_uses_not_two_nodes() -> None:
    t = trace("x = 3.0\nf = x * x")
    step = next(s for s in t.to_dict()["steps"] if s["phase"] == "backward" and s["node"] == 0)
    assert [c["from"] for c in step["contributions"]] == [1, 1]
    assert "used 2 times" in step["sum_rule"] and "2 nodes" not in step["sum_rule"]


def test_aliasing_the_output() -> None:
    t = trace("x = 3.0\nf = x * x\ng = f")
    assert t.output == 1 and t.nodes[1].names == ["f", "g"]
    assert float(t.nodes[0].grad) == 6.0


def test_signed_numbers_are_leaves() -> None:
    t = trace("a = +1.5\nb = -2.0\nf = a * b")
    assert [n.kind for n in t.nodes[:2]] == ["leaf", "leaf"]
    assert float(leaf(t, "a").grad) == -2.0 and float(leaf(t, "b").grad) == 1.5
    t = trace("v = [+1.0, -2.0]\nf = sum(v * v)")
    assert np.array_equal(leaf(t, "v").grad, [2.0, -4.0])


def test_an_operation_on_constants_alone_is_a_constant() -> None:
    """x ** (2 ** 2) is x⁴: the exponent takes no gradient (differentiating x^y in y at
    x < 0 would be NaN), its node's grad is null and the edge into it is skipped."""
    t = trace("x = -1.5\nf = x ** (2 ** 2) + 2 * 3")
    assert float(t.nodes[t.output].value) == pytest.approx(1.5 ** 4 + 6)
    assert float(leaf(t, "x").grad) == pytest.approx(4 * (-1.5) ** 3)
    folded = [n for n in t.nodes if n.kind == "op" and all(t.nodes[i].kind == "const" for i in n.inputs)]
    assert len(folded) == 2 and all(n.grad is None for n in folded)
    doc = t.to_dict()
    stepped = {s["node"] for s in doc["steps"] if s["phase"] == "backward"}
    assert not stepped & {n.id for n in folded}
    skipped = {(e["input"], e["skipped"]) for s in doc["steps"] if s["phase"] == "backward" for e in s["edges"]
               if e["skipped"]}
    assert skipped == {(n.id, "constant") for n in folded}
    # an operation on a frozen leaf is not a constant: the edge into the frozen leaf is skipped
    t = trace("c = frozen(2.0)\nx = -1.0\nf = x * (c * 3.0)")
    cc = next(n for n in t.nodes if n.op == "mul" and n.inputs[0] == leaf(t, "c").id)
    assert float(cc.grad) == -1.0 and leaf(t, "c").grad is None


def test_a_named_leaf_is_shown_by_its_name() -> None:
    t = trace("W = xavier(2, 3, seed=0)\nE = frozen(zeros(2))\nb = [1.0, 2.0]\nc = -1.0\n"
              "f = sum(W @ ones(3) + E + b) * c")
    assert [leaf(t, k).label for k in ("W", "E", "b", "c")] == ["W", "E", "b", "c"]
    assert next(n for n in t.nodes if n.kind == "leaf" and not n.names).label == "ones(3)"


def test_inline_numbers_are_constants_and_constructors_are_leaves() -> None:
    t = trace("x = 2.0\nf = 3.0 * x + sum(ones(2) * x)")
    kinds = [(n.kind, n.label) for n in t.nodes if n.kind != "op"]
    assert ("const", "3") in kinds and ("leaf", "ones(2)") in kinds
    ones = next(n for n in t.nodes if n.label == "ones(2)")
    assert np.array_equal(ones.grad, [2.0, 2.0])
    assert float(leaf(t, "x").grad) == 3.0 + 2.0


# ------------------------------------------------------------------ gradient check
def test_gradcheck_report_structure_and_pass() -> None:
    t = trace(LECTURE)
    report = gradcheck(t)
    assert set(report) == {"h", "rtol", "atol", "f", "passed", "kinks", "passed_away_from_kinks",
                           "unchecked_leaves", "leaves"}
    assert report["unchecked_leaves"] == 0
    assert report["h"] == 1e-4 and report["rtol"] == 1e-5 and report["atol"] == 1e-7
    assert report["passed"] is True
    assert [r["name"] for r in report["leaves"]] == ["x", "y", "z"]
    for r in report["leaves"]:
        assert r["shape"] == [] and r["size"] == 1 and r["checked"] == 1 and r["sampled"] is False
        (e,) = r["entries"]
        assert e["analytic"] == float(leaf(t, r["name"]).grad)
        # the lecture's numbers, numerically
        assert e["numeric"] == pytest.approx({"x": 2.0, "y": 5.0, "z": 0.0}[r["name"]], abs=1e-6)
        assert e["passed"] and e["rel_error"] <= 1e-5


def test_gradcheck_samples_large_leaves_within_the_budget() -> None:
    source = "\n".join(f"W{k} = randn(5, 6, seed={k})" for k in range(10)) + "\n" + \
             "f = " + " + ".join(f"sum(tanh(W{k}) * W{k})" for k in range(10))
    t = trace(source)
    report = gradcheck(t)
    assert report["passed"] is True
    checked = [r["checked"] for r in report["leaves"]]
    assert all(c <= 12 for c in checked) and sum(checked) == 96
    # the budget is shared out in turns: 96 entries over 10 leaves is 10 for the first six, 9 after
    assert checked == [10] * 6 + [9] * 4
    assert all(r["sampled"] for r in report["leaves"])
    first = report["leaves"][0]
    assert first["size"] == 30 and len(first["entries"]) == first["checked"] == 10
    assert len({tuple(e["index"]) for e in first["entries"]}) == 10
    W0 = leaf(t, "W0").value
    for e in first["entries"]:
        i, j = e["index"]
        w = W0[i, j]
        assert e["numeric"] == pytest.approx(np.tanh(w) + w * (1 - np.tanh(w) ** 2), rel=1e-6)
    assert gradcheck(trace(source)) == report            # the same sample every time


def test_gradcheck_past_the_budget_leaves_are_unchecked_not_passed() -> None:
    # 100 scalar leaves and a budget of 96 entries: one each, in id order, the last four unchecked
    source = "\n".join(f"x{k} = {0.1 + 0.01 * k}" for k in range(100)) + "\n" + \
        "\n".join(f"s{k} = x{k} * x{k}" for k in range(100)) + "\n" + \
        "f = " + " + ".join(f"sum(s{k})" for k in range(0, 40)) + "\n" + \
        "g = f + " + " + ".join(f"s{k}" for k in range(40, 100, 2)) + " + x99"
    report = gradcheck(trace(source))
    leaves = report["leaves"]
    assert len(leaves) == 100 and report["unchecked_leaves"] == 4
    assert [r["checked"] for r in leaves] == [1] * 96 + [0] * 4
    assert all(r["passed"] is None and r["entries"] == [] for r in leaves[96:])
    assert all(r["passed"] is True for r in leaves[:96])
    assert report["passed"] is True            # it speaks for the leaves that were checked


def test_gradcheck_passes_on_the_window_classifier() -> None:
    source = ("museums = [0.1, -0.3]; x_in = [0.2, 0.0]; Paris = [0.5, 0.4]; are = [-0.1, 0.2]; "
              "amazing = [0.3, 0.3]\nx = concat(museums, x_in, Paris, are, amazing)\n"
              "W = xavier(4, 10, seed=0)\nb = zeros(4)\nu = [1.0, -0.5, 0.25, 2.0]\n"
              "h = relu(W @ x + b)\ns = u @ h\n")
    report = gradcheck(trace(source))
    assert report["passed"] is True
    W = next(r for r in report["leaves"] if r["name"] == "W")
    assert W["size"] == 40 and W["sampled"] is True and W["checked"] == 12


def _corrupted(op_name: str, factor: float):
    op = OPS[op_name]

    def vjp(i, g, out, ins, attrs):
        return np.asarray(op.vjp(i, g, out, ins, attrs)) * (factor if i == 0 else 1.0)
    return dataclasses.replace(op, vjp=vjp)


@pytest.mark.parametrize("op_name, source", [
    ("mul", "u = [1.0, -2.0, 0.5]; v = [0.3, 0.7, -1.1]\nf = sum(u * v)"),
    ("tanh", "W = [[0.5, -0.2], [0.1, 0.3]]; x = [1.0, 2.0]\nf = sum(tanh(W @ x))"),
    ("matmul", "W = [[0.5, -0.2], [0.1, 0.3]]; x = [1.0, 2.0]\nf = sum(tanh(W @ x))"),
])
def test_gradcheck_fails_when_an_analytic_gradient_is_wrong(monkeypatch, op_name: str, source: str) -> None:
    assert gradcheck(trace(source))["passed"] is True
    monkeypatch.setitem(OPS, op_name, _corrupted(op_name, 1.001))   # a 0.1 % error
    report = gradcheck(trace(source))
    assert report["passed"] is False
    bad = [r for r in report["leaves"] if not r["passed"]]
    assert bad and all(r["max_rel_error"] > report["rtol"] for r in bad)
    assert any(not e["passed"] for r in bad for e in r["entries"])
    monkeypatch.undo()
    assert gradcheck(trace(source))["passed"] is True


def test_gradcheck_needs_a_scalar_output() -> None:
    with pytest.raises(ProgramError) as info:
        gradcheck(trace("x = [1.0, 2.0]\ny = x * 2"))
    assert info.value.line == 2 and "sum" in info.value.message


def test_gradcheck_stepping_out_of_the_domain_is_a_program_error() -> None:
    with pytest.raises(ProgramError) as info:
        gradcheck(trace("x = 0.00001\nf = log(x)"))
    assert info.value.line == 1 and "x" in info.value.message


def test_frozen_leaves_are_not_checked() -> None:
    report = gradcheck(trace("E = frozen([1.0, 2.0])\nw = [0.5, 0.5]\nf = w @ E"))
    assert [r["name"] for r in report["leaves"]] == ["w"]


# ------------------------------------------------------------------ source spans
def span_text(source: str, n: dict) -> str:
    lines = source.split("\n")
    if n["line"] == n["end_line"]:
        return lines[n["line"] - 1][n["col"] - 1:n["end_col"] - 1]
    parts = lines[n["line"] - 1:n["end_line"]]
    parts[0] = parts[0][n["col"] - 1:]
    parts[-1] = parts[-1][:n["end_col"] - 1]
    return "\n".join(parts)


@pytest.mark.parametrize("source, expected", [
    (LECTURE, {"x": "1.0", "y": "2.0", "z": "0.0", "add": "x + y", "maximum": "max(y, z)",
               "mul": "(x + y) * max(y, z)"}),
    ("é = 2.0; ñ = -3.0\nf = é *  ñ", {"é": "2.0", "ñ": "-3.0", "mul": "é *  ñ"}),
    ("W = [[1.0, 2.0],\n     [3.0, 4.0]]\nv = [1.0, -1.0]\ns = sum(tanh(\n    W @ v))",
     {"W": "[[1.0, 2.0],\n     [3.0, 4.0]]", "matmul": "W @ v", "tanh": "tanh(\n    W @ v)",
      "sum": "sum(tanh(\n    W @ v))"}),
    ("x = 1.5\nf = -x ** 2 + x.T * 3", {"pow": "x ** 2", "neg": "-x ** 2", "transpose": "x.T", "const": "2"}),
])
def test_node_spans_are_the_source_text(source: str, expected: dict) -> None:
    doc = trace(source).to_dict()
    for n in doc["nodes"]:
        assert n["expr"] == span_text(source, n), n
    for key, text in expected.items():
        matches = [n for n in doc["nodes"] if n["name"] == key or n["op"] == key]
        assert matches and matches[0]["expr"] == text, (key, [m["expr"] for m in matches])
