"""Unroll: a matrix program's scalar graph gives exactly the values and gradients of the
program as written, entry by entry, for every op it expands (the op table's own test
programs), and refuses the rest with a message that says where and what."""
from __future__ import annotations

import numpy as np
import pytest

from engine import OPS, ProgramError, trace
from engine.limits import UNROLL_MAX_ENTRIES, UNROLL_MAX_NODES
from engine.unroll import compare, entries_of, unroll
from tests.engine.reference import program
from tests.engine.test_ops import CASES, case_program, seed_of

# The ops unroll turns into nodes of single numbers, or only picks entries of; read from
# the table, so an op added to it is either expanded (and tested here) or refused.
REFUSED = {"softmax", "log_softmax", "cross_entropy"}
EXPANDED = sorted(set(OPS) - REFUSED)


def entry_values(unrolled, ids: np.ndarray, what: str) -> np.ndarray:
    nodes = unrolled.nodes
    return np.vectorize(lambda i: np.nan if getattr(nodes[i], what) is None else float(getattr(nodes[i], what)),
                        otypes=[float])(ids)


@pytest.mark.parametrize("name", EXPANDED)
def test_unrolled_values_and_gradients_equal_the_vectorized_ones(name: str) -> None:
    for ci, case in enumerate(CASES[name]):
        vals, body, _ = case_program(case, seed_of("unroll", name, ci))
        src = program(vals, body)
        vec, unr, ids = entries_of(src)
        what = f"{name}: {case.expr}"
        assert unr.nodes[unr.output].value == pytest.approx(float(vec.nodes[vec.output].value), abs=1e-12), what
        for n, e in zip(vec.nodes, ids):
            assert e.shape == n.shape, what
            np.testing.assert_allclose(entry_values(unr, e, "value"), n.value, rtol=0, atol=1e-12, err_msg=what)
            if n.kind == "leaf":          # every leaf entry's gradient: the program's real outputs
                np.testing.assert_allclose(entry_values(unr, e, "grad"), n.grad, rtol=0, atol=1e-12,
                                           err_msg=f"{what}: d f / d {n.name}")
        assert all(m.shape == () for m in unr.nodes), what


def test_every_op_of_the_table_is_expanded_or_refused() -> None:
    for name in REFUSED:
        case = CASES[name][0]
        vals, body, _ = case_program(case, 1)
        with pytest.raises(ProgramError) as e:
            unroll(program(vals, body))
        assert name in str(e.value) and "unroll expands" in str(e.value)
        assert e.value.line == len(vals) + 1 and e.value.col == 7      # `out = <call>` after the leaves


def test_entries_are_named_as_the_program_indexes_them() -> None:
    t = unroll("W = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]\nx = [0.5, -1.0]\nz = W @ x\ns = sum(z)")
    names = [n.name for n in t.nodes if n.name]
    assert names[:6] == ["W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]", "W[2,0]", "W[2,1]"]
    assert {"x[0]", "x[1]", "z[0]", "z[1]", "z[2]", "s"} <= set(names)
    doc = t.to_dict()
    w01 = next(n for n in doc["nodes"] if n["name"] == "W[0,1]")
    assert w01["symbol"] == "W[0,1]" and w01["latex"] == r"W[0,\,1]"
    # z[1] is W[1,0]·x[0] + W[1,1]·x[1]: its value, and one node per product and per addition
    z1 = next(n for n in t.nodes if n.name == "z[1]")
    assert float(z1.value) == 3.0 * 0.5 + 4.0 * -1.0
    assert z1.op == "add" and [t.nodes[i].op for i in z1.inputs] == ["mul", "mul"]


def test_the_weight_gradient_is_the_input_entry_weight_by_weight() -> None:
    """∂z_i/∂W_ij = x_j: the backward step of each product W[i,j]·x[j] sends to W[i,j] the
    upstream gradient times x[j], with x[j]'s value as the local gradient."""
    x = [0.5, -1.0, 2.0]
    t = unroll(f"W = randn(2, 3, seed=4)\nx = {x}\nz = W @ x\ns = sum(z * [2.0, -3.0])")
    doc = t.to_dict()
    ids = {n["name"]: n["id"] for n in doc["nodes"] if n["name"]}
    seen = 0
    for step in doc["steps"]:
        if step["phase"] != "backward" or doc["nodes"][step["node"]]["op"] != "mul":
            continue
        for edge in step["edges"]:
            name = doc["nodes"][edge["input"]]["name"] or ""
            if name.startswith("W["):
                i, j = map(int, name[2:-1].split(","))
                assert edge["local"] == x[j]
                assert edge["downstream"] == pytest.approx(x[j] * [2.0, -3.0][i])
                seen += 1
    assert seen == 6
    assert [doc["nodes"][ids[f"W[{i},{j}]"]]["grad"] for i in range(2) for j in range(3)] == \
        pytest.approx([x[j] * [2.0, -3.0][i] for i in range(2) for j in range(3)])


def test_refusals_say_where_and_what() -> None:
    side = int(UNROLL_MAX_ENTRIES ** 0.5) + 1
    with pytest.raises(ProgramError) as e:
        unroll(f"x = 1.0\nW = randn({side}, {side}, seed=1)\ns = sum(W)")
    assert (e.value.line, e.value.col) == (2, 5) and f"at most {UNROLL_MAX_ENTRIES} entries" in str(e.value)
    with pytest.raises(ProgramError) as e:
        unroll("x = randn(4, seed=1)\ns = x * 2.0")
    assert (e.value.line, e.value.col) == (2, 5) and "single-number output" in str(e.value)
    # many small statements past the node limit
    body = "\n".join(f"h{k} = tanh(h{k - 1} @ W)" for k in range(1, 60))
    with pytest.raises(ProgramError) as e:
        unroll(f"W = randn(8, 8, seed=1)\nh0 = randn(8, seed=2)\n{body}\ns = sum(h59)")
    assert f"more than {UNROLL_MAX_NODES:,} nodes" in str(e.value) and e.value.line > 2


def test_compare_counts_both_graphs() -> None:
    src = "W = randn(3, 4, seed=1)\nx = randn(4, seed=2)\nb = zeros(3)\nh = tanh(W @ x + b)\ns = sum(h)"
    c = compare(src, repeat=1)
    vec, unr = trace(src), unroll(src)
    assert c["vectorized"]["nodes"] == len(vec.nodes) == 7
    # 12 + 4 + 3 leaves, 12 products and 9 additions (3 rows of 4 terms), 3 + 3 entries of
    # + b and tanh, then 2 additions for the sum
    assert c["unrolled"]["nodes"] == len(unr.nodes) == 19 + 12 + 9 + 6 + 2
    assert c["unrolled"]["steps"] == len(unr.steps) and c["vectorized"]["steps"] == len(vec.steps)
    assert c["max_value_difference"] <= 1e-12 and c["max_gradient_difference"] <= 1e-12
    assert c["vectorized"]["seconds"] > 0 and c["unrolled"]["seconds"] > 0
