"""The lean trace document: read back by the rules it states (an independent reader here,
not the page's), it is the full document number for number; a big tensor's summary agrees
with numpy; every number is JSON-safe; windows give the exact entries."""
from __future__ import annotations

import json
import math

import numpy as np
import orjson
import pytest

from app.examples import EXAMPLES
from engine import ProgramError, trace
from engine.lean import lean_document, value, window
from engine.limits import LEAN_FIRST_ENTRIES, LEAN_MAX_ENTRIES, LEAN_PREVIEW_SIDE, WINDOW_MAX_ENTRIES
from tests.engine.reference import program, read_back
from tests.engine.test_ops import CASES, case_program, seed_of


def programs() -> list[str]:
    out = [e["source"] for e in EXAMPLES]
    for name, cases in sorted(CASES.items()):
        for ci, case in enumerate(cases):
            vals, body, _ = case_program(case, seed_of("lean", name, ci))
            out.append(program(vals, body))
    return out


@pytest.mark.parametrize("source", programs())
def test_read_back_it_is_the_full_document(source):
    t = trace(source)
    assert read_back(lean_document(t)) == t.to_dict()


@pytest.mark.parametrize("example", [e["id"] for e in EXAMPLES])
def test_read_back_in_korean_it_is_the_full_document_in_korean(example):
    """The lean document's texts are messages with the nodes' names unfilled: told in Korean
    and named, they are the full document's Korean texts."""
    t = trace(next(e["source"] for e in EXAMPLES if e["id"] == example))
    ko = t.to_dict("ko")
    assert read_back(lean_document(t), "ko") == ko
    assert ko != t.to_dict("en")


def numbers(o) -> int:
    """The numbers a document writes (its statistics, the same in both, left out)."""
    if isinstance(o, float):
        return 1
    if isinstance(o, dict):
        return sum(numbers(v) for k, v in o.items() if k != "stats")
    return sum(numbers(v) for v in o) if isinstance(o, list) else 0


@pytest.mark.parametrize("example", [e["id"] for e in EXAMPLES])
def test_each_number_once_writes_about_half_of_them(example):
    t = trace(next(e["source"] for e in EXAMPLES if e["id"] == example))
    full, lean = numbers(t.to_dict()), numbers(lean_document(t))
    assert lean < 0.6 * full, (lean, full)


def test_a_big_tensor_is_a_summary_that_agrees_with_numpy():
    rows, cols = 300, 200
    t = trace(f"W = randn({rows}, {cols}, seed=3)\nx = randn({cols}, seed=4)\ns = sum(tanh(W @ x))")
    d = lean_document(t)
    W = d["nodes"][0]
    assert rows * cols > LEAN_MAX_ENTRIES and W["value"]["summary"] is True
    w = t.nodes[0].value
    st = W["value"]["stats"]
    assert st["mean"] == pytest.approx(w.mean()) and st["std"] == pytest.approx(w.std())
    assert (st["min"], st["max"]) == (w.min(), w.max()) and st["norm"] == pytest.approx(np.linalg.norm(w))
    assert st["nonfinite"] == 0
    assert W["value"]["first"] == w.ravel()[:LEAN_FIRST_ENTRIES].tolist()
    pv = W["value"]["preview"]
    bh, bw = math.ceil(rows / LEAN_PREVIEW_SIDE), math.ceil(cols / LEAN_PREVIEW_SIDE)
    assert pv["block"] == [bh, bw] and len(pv["values"]) == math.ceil(rows / bh)
    i, j = 2, 5                        # one block, by hand
    assert pv["values"][i][j] == pytest.approx(w[i * bh:(i + 1) * bh, j * bw:(j + 1) * bw].mean())
    assert pv["rows"][i] == i * bh and pv["cols"][j] == j * bw
    # the gradient too; the vectors of 300 entries stay exact
    assert W["grad"]["summary"] is True and W["grad"]["stats"]["norm"] == pytest.approx(np.linalg.norm(t.nodes[0].grad))
    assert d["nodes"][1]["value"] == t.nodes[1].value.tolist()
    # W's only edge sends its whole gradient: written once, on the node
    matmul = next(s for s in d["steps"] if s["phase"] == "backward" and s["node"] == 2)
    assert "downstream" not in matmul["edges"][0]


def test_nonfinite_numbers_are_strings_and_the_json_is_strict():
    """The engine refuses NaN and ±inf in a trace, but the writer does not count on it: any
    it is given are written as strings, so orjson (which would write null) can write it all."""
    assert value(np.array([-math.inf, 0.0, math.nan])) == ["-inf", 0.0, "nan"]
    assert value(math.inf) == "inf" and value(np.array(math.nan)) == "nan"
    big = np.ones(LEAN_MAX_ENTRIES + 1)
    big[0], big[5] = -math.inf, math.nan
    s = value(big)
    assert s["summary"] and s["stats"]["nonfinite"] == 2 and s["stats"]["mean"] == 1.0
    assert s["first"][:2] == ["-inf", 1.0] and s["preview"]["values"][0][0] == 1.0
    everything_lost = value(np.full(LEAN_MAX_ENTRIES + 1, math.nan))
    assert everything_lost["stats"]["mean"] == "nan" and everything_lost["preview"]["values"][0][0] == "nan"
    for v in (s, everything_lost):
        json.loads(orjson.dumps(v), parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
        assert b"null" not in orjson.dumps(v)


def test_windows_are_exact_and_bounded():
    t = trace("W = randn(300, 200, seed=3)\nx = randn(200, seed=4)\ns = sum(tanh(W @ x))")
    w = window(t, 0, "grad", (10, 20), (30, 45))
    assert w["values"] == t.nodes[0].grad[10:20, 30:45].tolist() and w["shape"] == [300, 200]
    v = window(t, 1, "value", (0, 1), (5, 9))
    assert v["values"] == [t.nodes[1].value[5:9].tolist()]
    for args, words in [((99, "value", (0, 1), (0, 1)), "does not exist"),
                        ((0, "value", (290, 310), (0, 1)), "outside"),
                        ((0, "value", (0, 100), (0, 100)), f"at most {WINDOW_MAX_ENTRIES:,}")]:
        with pytest.raises(ProgramError) as e:
            window(t, *args)
        assert words in str(e.value)
