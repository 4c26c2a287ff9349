"""The numbers the README promises about the engine, checked against the README's own text.

Each expected value is read from README.md, never from the constant under test, so changing
a limit or a tolerance in the code (or the behaviour behind it) fails here until the README
says the same. Boundaries are tried on both sides: the documented value is accepted, one
more is refused (refusals happen before allocation, so these are cheap).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine import ProgramError, gradcheck, limits, trace
from engine.gradcheck import relative_error
from engine.parser import Builder
from tests.readme import number, promised, section, tables

# ---------------------------------------------------------------- the Limits table

# README row (a phrase of its first cell) → the constant in engine/limits.py
LIMIT_ROWS = {
    "program length": "MAX_SOURCE_CHARS",
    "statements": "MAX_STATEMENTS",
    "graph nodes": "MAX_NODES",
    "nesting depth": "MAX_DEPTH",
    "characters in one number literal": "MAX_NUMBER_CHARS",
    "magnitude of a number literal": "MAX_NUMBER_MAGNITUDE",
    "dimensions of a tensor": "MAX_DIMS",
    "elements of one tensor": "MAX_ELEMENTS",
    "elements over all nodes": "MAX_TOTAL_ELEMENTS",
    "items in one list literal": "MAX_LIST_ITEMS",
    "arguments in one call": "MAX_CALL_ARGUMENTS",
    "seed=": "MAX_SEED",
    "rows of the layer view": "MAX_LAYERS",
    "initializations one layer view": "MAX_LAYER_INITS",
}


def readme_limits() -> dict[str, float]:
    """Constant name → the value the README's engine Limits table gives it."""
    table = tables(section("Limits"))[0]
    assert table[0] == ["limit", "value"], table[0]
    found: dict[str, float] = {}
    for what, value in table[1:]:
        names = [c for phrase, c in LIMIT_ROWS.items() if phrase in what]
        assert len(names) == 1, f"README Limits row {what!r} matches {names}: map it in LIMIT_ROWS"
        found[names[0]] = number(value)
    return found


LIMITS = readme_limits()


def test_every_engine_limit_in_the_readme_table_is_the_constant():
    assert set(LIMITS) == set(LIMIT_ROWS.values())
    for name, value in LIMITS.items():
        assert getattr(limits, name) == value, f"{name}: README says {value:g}, code {getattr(limits, name)}"


def refused(source: str, *words: str) -> ProgramError:
    with pytest.raises(ProgramError) as e:
        trace(source)
    for word in words:
        assert word in e.value.message, e.value.message
    return e.value


def test_program_length_boundary():
    n = int(LIMITS["MAX_SOURCE_CHARS"])
    head = "x = 1.0\n#"
    trace(head + "#" * (n - len(head)))                                  # exactly n characters
    e = refused(head + "#" * (n + 1 - len(head)), "characters long")
    assert f"{n:,}" in e.message and (e.line, e.col) == (1, 1)


def _counted(statements: int, sep: str) -> str:
    """A program of exactly ``statements`` statements by the README's rule whose first
    line is a syntax error: counting passes or refuses it before Python's parser runs."""
    return "x = = 1\n" + sep.join(["x=1"] * (statements - 1))


@pytest.mark.parametrize("sep", [";", "\n", "; ", "\n#\n\n"],
                         ids=["semicolons", "lines", "semicolon-space", "lines-with-comments"])
def test_statement_limit_counts_lines_of_code_and_semicolons(sep):
    n = int(LIMITS["MAX_STATEMENTS"])
    ok = refused(_counted(n, sep), "syntax")                 # counted n: on to the parser
    assert (ok.line, ok.col) == (1, 5)
    refused(_counted(n + 1, sep), "statements", f"{n:,}")    # counted n + 1: refused first


def test_node_limit_boundary_fast():
    """The node count at the limit, with the graph already holding all but a few nodes."""
    n = int(LIMITS["MAX_NODES"])
    for terms, ok in ((2, True), (3, False)):                 # 2 or 3 nodes: x, then x + x (+ x)
        b = Builder("x = 1.0\nf = " + " + ".join(["x"] * terms))
        b.graph.nodes.extend([None] * (n - 2))               # type: ignore[list-item]
        if ok:
            b.build()
            assert len(b.graph.nodes) == n
        else:
            with pytest.raises(ProgramError, match=f"more than {n:,} graph nodes"):
                b.build()


@pytest.mark.slow
def test_node_limit_boundary_on_a_whole_program():
    n = int(LIMITS["MAX_NODES"])

    def chains(nodes: int) -> str:            # one leaf, then lines of at most 64 additions
        lines, ops = ["x = 1.0"], nodes - 1
        while ops:
            k = min(64, ops)
            ops -= k
            lines.append("+".join(["x"] * (k + 1)))
        return "\n".join(lines)

    graph, _ = Builder(chains(n)).build()
    assert len(graph.nodes) == n
    with pytest.raises(ProgramError, match=f"more than {n:,} graph nodes"):
        Builder(chains(n + 1)).build()


@pytest.mark.parametrize("nest", [
    lambda k: "-" * k + "x",                                  # unary minus
    lambda k: "+".join(["x"] * (k + 1)),                      # k operators in a chain
    lambda k: "sin(" * k + "x" + ")" * k,                     # calls
    lambda k: "0.125 + " + "+".join(["x"] * k),               # a number read at the deepest level
    lambda k: "sin(" * k + "0.375" + ")" * k,
], ids=["unary", "chain", "calls", "chain-number", "calls-number"])
def test_nesting_depth_boundary(nest):
    depth = int(LIMITS["MAX_DEPTH"])
    trace("x = 0.5\nf = " + nest(depth))
    refused("x = 0.5\nf = " + nest(depth + 1), f"more than {depth} levels")


def test_number_literal_length_boundary():
    n = int(LIMITS["MAX_NUMBER_CHARS"])
    trace("x = 1." + "0" * (n - 2))
    refused("x = 1." + "0" * (n - 1), f"{n + 1} characters", f"limit is {n}")


def test_number_magnitude_boundary():
    m = LIMITS["MAX_NUMBER_MAGNITUDE"]
    above = f"{m * (1 + 1e-12)!r}"
    assert float(above) > m
    for sign in ("", "-"):
        assert trace(f"x = {sign}{m!r}").nodes[0].value == float(f"{sign}{m!r}")
        refused(f"x = {sign}{above}", "too large")


def test_dimension_boundary():
    dims = int(LIMITS["MAX_DIMS"])
    trace("x = " + "[" * dims + "1.0" + "]" * dims)
    refused("x = " + "[" * (dims + 1) + "1.0" + "]" * (dims + 1), f"at most {dims} deep")


def test_elements_of_one_tensor_boundary():
    n = int(LIMITS["MAX_ELEMENTS"])
    side = math.isqrt(n)
    assert side * side == n
    trace(f"x = zeros({n})\nf = sum(x)")
    trace(f"x = zeros({side}, {side})")
    refused(f"x = zeros({n + 1})", f"{n + 1:,} elements")
    refused(f"x = zeros({side}, {side + 1})", "elements")          # refused on the shape
    refused(f"x = randn({side * 4}, {side * 4})", "elements")      # 16× the limit: never allocated


def test_elements_over_the_graph_boundary():
    total, one = int(LIMITS["MAX_TOTAL_ELEMENTS"]), int(LIMITS["MAX_ELEMENTS"])
    assert total % one == 0
    full = "\n".join(f"a{i} = zeros({one})" for i in range(total // one))
    t = trace(full)
    assert sum(n.size for n in t.nodes) == total
    e = refused(full + "\nc = 1.0", f"more than {total:,} numbers")
    assert e.line == total // one + 1


def test_seed_boundary():
    top = int(LIMITS["MAX_SEED"])
    assert top == 2**32 - 1              # numpy's generators take any seed, the README says this
    for ctor in ("randn(3, seed={})", "xavier(2, 3, seed={})"):
        trace("W = " + ctor.format(top) + "\nf = sum(W)")
        trace("W = " + ctor.format(0) + "\nf = sum(W)")
        refused("W = " + ctor.format(top + 1), "seed", f"{top:,}")
        refused("W = " + ctor.format(-1), "seed")
    drawn = trace(f"W = randn(3, seed={top})").nodes[0].value
    assert np.array_equal(drawn, np.random.default_rng(top).standard_normal(3))


# ---------------------------------------------------------------- the gradient check

CHECK = section("The JSON document")
H = float(promised(r"with `h = (\d[0-9.e-]*\d)`", CHECK))
RTOL = float(promised(r"`\|a − n\| / max\(\|a\|, \|n\|\)` is at most (\d[0-9.e-]*\d)", CHECK))
ATOL = float(promised(r"absolute error at most (\d[0-9.e-]*\d)", CHECK))
PER_LEAF = int(promised(r"at most (\d+) per leaf", CHECK))
IN_ALL = int(promised(r"per leaf and (\d+) in all", CHECK))
assert int(promised(r"more than (\d+) leaves", CHECK)) == IN_ALL


def readme_rel_error(a: float, n: float) -> float:
    """The README's |a − n| / max(|a|, |n|), with 0 where both are 0."""
    scale = max(abs(a), abs(n))
    return 0.0 if scale == 0 else abs(a - n) / scale


def check(source: str) -> dict:
    return gradcheck(trace(source))


def assert_entries_follow_the_readme(report: dict) -> None:
    for leaf in report["leaves"]:
        for e in leaf["entries"]:
            a, n = e["analytic"], e["numeric"]
            assert e["rel_error"] == readme_rel_error(a, n), e
            assert e["passed"] == (e["rel_error"] <= RTOL or abs(a - n) <= ATOL), e
        assert leaf["max_rel_error"] == max((e["rel_error"] for e in leaf["entries"]), default=0.0)
        if leaf["entries"]:
            assert leaf["passed"] == all(e["passed"] for e in leaf["entries"])


def test_document_states_the_readme_step_and_tolerances():
    assert (H, RTOL, ATOL, PER_LEAF, IN_ALL) == (1e-4, 1e-5, 1e-7, 12, 96)   # as the README says
    report = check("x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)")
    assert (report["h"], report["rtol"], report["atol"]) == (H, RTOL, ATOL)
    assert (limits.GRADCHECK_H, limits.GRADCHECK_RTOL, limits.GRADCHECK_ATOL) == (H, RTOL, ATOL)
    assert (limits.GRADCHECK_ENTRIES_PER_LEAF, limits.GRADCHECK_MAX_ENTRIES) == (PER_LEAF, IN_ALL)


def cube(c: float, x: float) -> dict:
    """The one entry of f = c·x³: the two-sided difference of a cubic is exact but for
    c·h² (f''' h² / 6 = c h²), so the numeric gradient is 3c x² + c h²."""
    report = check(f"x = {x!r}\nf = {c!r} * x ** 3")
    assert_entries_follow_the_readme(report)
    (entry,) = report["leaves"][0]["entries"]
    assert entry["analytic"] == pytest.approx(3 * c * x * x, rel=1e-12)
    assert entry["numeric"] - entry["analytic"] == pytest.approx(c * H * H, rel=1e-4)   # pins h
    return entry


@pytest.mark.parametrize("c,x,passes", [
    # absolute error c·h² = 9e-8 and 1.1e-7 around 1e-7, relative error 3.3e-5 (over 1e-5)
    (9.0, 0.01, True),
    (11.0, 0.01, False),
    # absolute error 2e-7 (over 1e-7), relative error 8.9e-6 and 1.1e-5 around 1e-5
    (20.0, 0.0193, True),
    (20.0, 0.0174, False),
])
def test_pass_rule_at_each_tolerance(c, x, passes):
    e = cube(c, x)
    a, n = e["analytic"], e["numeric"]
    if c < 20:          # only the absolute rule can pass it
        assert readme_rel_error(a, n) > RTOL and (abs(a - n) <= ATOL) == passes
    else:               # only the relative rule can pass it
        assert abs(a - n) > ATOL and (readme_rel_error(a, n) <= RTOL) == passes
    assert e["passed"] is passes


def test_relative_error_formula():
    pairs = [(1.0, 1.0), (2.0, 1.0), (1.0, 2.0), (-2.0, -1.0), (-1.0, 3.0), (0.0, 0.5), (0.0, 0.0),
             (1e-300, -1e-300), (0.024, 0.0240002)]
    for a, n in pairs:
        assert relative_error(a, n) == readme_rel_error(a, n), (a, n)
    # relu at its kink: analytic 0 (PyTorch's convention), numeric 1/2: relative error 1, failed
    report = check("x = 0.0\nf = relu(x)")
    (e,) = report["leaves"][0]["entries"]
    assert (e["analytic"], e["numeric"], e["rel_error"], e["passed"]) == (0.0, 0.5, 1.0, False)
    assert report["passed"] is False


def test_every_entry_of_a_layer_follows_the_readme():
    """Both signs, matrices and vectors, a frozen input: every entry's error and verdict."""
    report = check("W = xavier(3, 4, seed=0)\nb = [0.1, -0.2, 0.3]\nx = frozen([1.0, -2.0, 0.5, 3.0])\n"
                   "f = sum(tanh(W @ x + b) * [1.0, -3.0, 2.0])")
    assert [leaf["checked"] for leaf in report["leaves"]] == [PER_LEAF, 3]
    assert_entries_follow_the_readme(report)
    assert report["passed"] is True


def _leaves(sizes: list[int]) -> str:
    """One leaf per size (vectors of randn, scalars for size 1) summed into a scalar."""
    lines, terms = [], []
    for i, size in enumerate(sizes):
        lines.append(f"a{i} = " + (f"{i}.25" if size == 1 else f"randn({size}, seed={i})"))
        terms.append(f"a{i}" if size == 1 else f"sum(a{i} * a{i})")
    parts = [" + ".join(terms[k:k + 32]) for k in range(0, len(terms), 32)]
    lines += [f"s{k} = {p}" for k, p in enumerate(parts)]
    lines.append("f = " + " + ".join(f"s{k}" for k in range(len(parts))))
    return "\n".join(lines)


@pytest.mark.parametrize("sizes,checked", [
    ([PER_LEAF], [PER_LEAF]),
    ([PER_LEAF + 1], [PER_LEAF]),
    ([500], [PER_LEAF]),
    ([1, 3, 20], [1, 3, PER_LEAF]),
    ([20] * (IN_ALL // PER_LEAF), [PER_LEAF] * (IN_ALL // PER_LEAF)),
    # ten leaves of 20: one each, then turns in id order until 96 are spent
    ([20] * 10, [IN_ALL // 10 + 1] * (IN_ALL % 10) + [IN_ALL // 10] * (10 - IN_ALL % 10)),
    ([1] * (IN_ALL - 1) + [50], [1] * (IN_ALL - 1) + [1]),
    ([50] + [1] * (IN_ALL - 1), [1] + [1] * (IN_ALL - 1)),
], ids=["per-leaf", "per-leaf+1", "large", "small-leaves", "exactly-all", "in-turns",
        "last-gets-one", "first-gets-one"])
def test_entries_shared_out_per_leaf_and_in_all(sizes, checked):
    report = check(_leaves(sizes))
    assert_entries_follow_the_readme(report)
    got = [leaf["checked"] for leaf in report["leaves"]]
    assert got == checked and sum(got) <= IN_ALL
    for leaf, size in zip(report["leaves"], sizes):
        assert leaf["size"] == size and leaf["sampled"] == (leaf["checked"] < size)
        assert len({tuple(e["index"]) for e in leaf["entries"]}) == leaf["checked"]
    assert report["unchecked_leaves"] == 0 and report["passed"] is True
    again = check(_leaves(sizes))              # the sample is fixed by a seed
    assert [[e["index"] for e in leaf["entries"]] for leaf in again["leaves"]] == \
           [[e["index"] for e in leaf["entries"]] for leaf in report["leaves"]]


@pytest.mark.parametrize("extra", [0, 1, 4])
def test_leaves_beyond_the_budget_are_unchecked(extra):
    report = check(_leaves([1] * (IN_ALL + extra)))
    leaves = report["leaves"]
    assert [leaf["node"] for leaf in leaves] == sorted(leaf["node"] for leaf in leaves)
    assert all(leaf["checked"] == 1 and leaf["passed"] is True for leaf in leaves[:IN_ALL])
    for leaf in leaves[IN_ALL:]:
        assert leaf["checked"] == 0 and leaf["entries"] == [] and leaf["passed"] is None
    assert report["unchecked_leaves"] == extra
    assert report["passed"] is True            # speaks for the leaves that were checked


def test_a_failed_leaf_fails_the_check_despite_unchecked_ones():
    source = _leaves([1] * (IN_ALL + 2)).replace("a0 = 0.25", "a0 = 0.0\nr = relu(a0)")
    source = source.replace("s0 = a0 +", "s0 = r +")
    report = check(source)
    assert report["leaves"][0]["passed"] is False and report["unchecked_leaves"] == 2
    assert report["passed"] is False


# ---------------------------------------------------------------- primes in names

PRIMES = section("The notation")


def rebound(times: int) -> list[dict]:
    doc = trace("h = 0.5\n" + "h = relu(h)\n" * times).to_dict()
    return [n for n in doc["nodes"] if n["name"] == "h"]


def test_primes_up_to_the_third_are_as_written():
    written = promised(r"the\s+first `h` is `h`, the next `(h′)`, then `(h″)`, `(h‴)`", PRIMES)
    assert written == "h′"
    symbols = [n["symbol"] for n in rebound(3)]
    assert symbols == ["h", "h′", "h″", "h‴"]
    assert [n["latex"] for n in rebound(3)] == ["h", "h'", "h''", "h'''"]


def test_primes_beyond_the_third_are_numbered():
    nodes = rebound(6)
    symbols = [n["symbol"] for n in nodes]
    assert len(set(symbols)) == len(symbols) == 7
    for k, n in enumerate(nodes[4:], start=4):
        sup = str(k).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
        assert n["symbol"] in (f"h⁽{k}⁾", f"h⁽{sup}⁾"), n["symbol"]
        assert n["latex"] == f"h^{{({k})}}"
    steps = trace("h = 0.5\n" + "h = relu(h)\n" * 4).to_dict()["steps"]
    rule = next(s for s in steps if s["phase"] == "backward" and s["node"] == 4)["edges"][0]["rule"]
    assert rule["text"].startswith(f"∂{symbols[4]}/∂h‴")


def test_fourth_prime_is_written_as_the_readme_writes_it():
    fourth = promised(r"`h‴`, `([^`]+)`…", PRIMES)
    assert rebound(4)[4]["symbol"] == fourth
