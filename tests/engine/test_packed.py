"""The packed document (engine/packed.py): read back by its rules (an independent reader,
tests/engine/reference.py), it is the lean document, and so the full one, for every gallery
program and the big ones; forward steps implied, each text once, numbers kept as numbers."""
from __future__ import annotations

import orjson
import pytest

from app.examples import EXAMPLES
from bench.programs import scalar_program
from drawing import display_edges, display_model
from engine import trace
from engine.columns import Columns
from engine.lean import lean_backward, lean_document
from engine.packed import Texts, column, columns, pack, pack_details
from tests.engine.reference import read_back, unpack, unpack_details
from tests.engine.test_lean import programs

BIG = [scalar_program(2_000, seed=1), scalar_program(10_000, seed=1),
       "W = randn(300, 300, seed=1)\nx = randn(300, seed=2)\ns = sum(tanh(W @ x))"]


def roundtrip(doc: dict) -> dict:
    """Packed, written as JSON and read again, as the page receives it."""
    return orjson.loads(orjson.dumps(pack(doc)))


@pytest.mark.parametrize("source", programs())
def test_read_back_is_the_full_document(source):
    t = trace(source)
    lean = lean_document(t)
    assert unpack(roundtrip(lean)) == lean
    assert read_back(roundtrip(lean)) == t.to_dict()


@pytest.mark.parametrize("source", BIG, ids=["2,000 nodes", "10,000 nodes", "300×300"])
def test_big_programs_read_back(source):
    t = trace(source)
    lean = lean_document(t)
    assert unpack(roundtrip(lean)) == orjson.loads(orjson.dumps(lean))
    if len(t.nodes) > 5:             # a big tensor is a summary: only the scalar ones are whole
        assert read_back(roundtrip(lean)) == t.to_dict()


@pytest.mark.parametrize("example", [e["id"] for e in EXAMPLES])
def test_the_display_model_reads_back(example):
    lean = lean_document(trace(next(e["source"] for e in EXAMPLES if e["id"] == example)))
    lean["display"] = display_model(lean)
    assert unpack(roundtrip(lean)) == orjson.loads(orjson.dumps(lean))


def test_forward_steps_are_implied_and_each_text_is_stored_once():
    lean = lean_document(trace(scalar_program(2_000, seed=1)))
    packed = pack(lean)
    assert packed["steps"]["forward"] == len(lean["nodes"])
    keys = [orjson.dumps(v) for v in packed["texts"]]
    assert len(keys) == len(set(keys))
    intuitions = {orjson.dumps(s["intuition"]) for s in lean["steps"] if s["phase"] == "backward"}
    assert intuitions <= set(keys) | {orjson.dumps(None)}
    fields = packed["steps"]["backward"]["fields"]
    assert "texts" in fields["intuition"] and "texts" in fields["sum_rule"] or "all" in fields["sum_rule"]
    assert "texts" in packed["steps"]["edges"]["fields"]["rule"]
    # numbers stay numbers, not indexes
    assert packed["nodes"]["fields"]["value"]["values"] == [n["value"] for n in lean["nodes"]]


def test_equal_messages_are_one_entry_and_missing_fields_keep_their_rows():
    """Interning is by the value's JSON: equal {key, args} messages share one entry."""
    texts = Texts()
    msg = {"key": "rule.add", "args": {"x": "{x}"}}
    recs = [{"rule": dict(msg), "n": 1}, {"rule": dict(msg), "n": 2, "downstream": 0.5},
            {"rule": {"key": "rule.mul", "args": {}}, "n": 3}]
    cols = columns(recs, texts)
    assert texts.values == [msg, {"key": "rule.mul", "args": {}}]
    assert cols["fields"]["rule"] == {"texts": [0, 0, 1]}
    assert cols["fields"]["downstream"] == {"values": [0.5], "at": [1]}
    assert cols["fields"]["n"] == {"values": [1, 2, 3]}


def test_bytes_per_node_shrink():
    t = trace(scalar_program(10_000, seed=1))
    full = len(orjson.dumps(t.to_dict()))
    packed = len(orjson.dumps(pack(lean_document(t))))
    assert packed < 0.5 * full


@pytest.mark.parametrize("source", [*programs()[:6], BIG[0]])
def test_a_document_without_its_details_and_the_details_make_the_whole_one(source):
    """`lean_document(t, details=False)` is the whole lean document but for its backward steps'
    edges, contributions and texts, and the display model but for its edges; `pack_details`,
    read back, gives exactly those: put together, the whole document and display model."""
    t = trace(source)
    whole = lean_document(t)
    whole["display"] = display_model(whole)
    first = lean_document(t, details=False)
    first["display"] = display_model(first, edges=False)
    forward = len(t.nodes)
    assert first["nodes"] == whole["nodes"] and first["steps"][:forward] == whole["steps"][:forward]
    assert [(s["phase"], s["node"], s["op"]) for s in first["steps"][forward:]] == \
        [(s["phase"], s["node"], s["op"]) for s in whole["steps"][forward:]]
    assert all(s["edges"] == s["contributions"] == [] and s["intuition"] is s["sum_rule"] is None
               for s in first["steps"][forward:])
    assert first["display"]["edges"] == [] and {**first["display"], "edges": whole["display"]["edges"]} == whole["display"]
    assert unpack(roundtrip(first))["steps"] == orjson.loads(orjson.dumps(first["steps"]))
    marked = unpack(roundtrip({**first, "details": "later"}))       # packed as two columns
    assert marked["steps"] == orjson.loads(orjson.dumps(first["steps"])) and marked["details"] == "later"
    # the details, as /api/details answers them, complete it
    backward, edges = unpack_details(orjson.loads(orjson.dumps(pack_details(lean_backward(t),
                                                                            display_edges(whole)))))
    assert backward == orjson.loads(orjson.dumps(whole["steps"][forward:]))
    assert edges == orjson.loads(orjson.dumps(whole["display"]["edges"]))
    first.pop("display")
    assert read_back({**orjson.loads(orjson.dumps(first)), "steps": first["steps"][:forward] + backward}) \
        == t.to_dict()


@pytest.mark.parametrize("source", [*programs()[:6], BIG[0]])
def test_nodes_kept_as_columns_pack_to_the_same_bytes_as_records(source):
    """A big program's nodes kept as columns (`lean_document(columnar=True)`), and the display
    model made from them, pack to the very bytes the records do; read as records (whole, by
    index, by iteration), they are the records."""
    t = trace(source)
    rec = lean_document(t, details=False)
    rec["display"] = display_model(rec, edges=False)
    col = lean_document(t, details=False, columnar=True)
    col["display"] = display_model(col, edges=False)
    nodes, shown = col["nodes"], col["display"]["nodes"]
    assert isinstance(nodes, Columns) and isinstance(shown, Columns)
    assert orjson.dumps(pack(col)) == orjson.dumps(pack(rec))
    assert nodes.records() == list(nodes) == rec["nodes"] and len(nodes) == len(t.nodes)
    assert nodes[len(t.nodes) - 1] == rec["nodes"][-1] and nodes[1:3] == rec["nodes"][1:3]
    assert shown.records() == rec["display"]["nodes"]
    assert col["display"]["statements"] == rec["display"]["statements"]


def test_the_backward_details_stop_where_their_check_says():
    """`lean_backward` and `pack_details` call `check` as they go (every 512 steps, between the
    lists): work made in the background stops there once its check raises."""
    t = trace(BIG[0])
    calls = []

    def check():
        calls.append(1)
        if len(calls) > 2:
            raise InterruptedError
    with pytest.raises(InterruptedError):
        lean_backward(t, check)
    assert len(calls) == 3
    backward = lean_backward(t)
    calls.clear()
    with pytest.raises(InterruptedError):
        pack_details(backward, [], check)
    assert len(calls) == 3


def test_the_first_answer_of_a_big_program_is_smaller_than_half_the_whole():
    t = trace(BIG[1])
    whole, first = lean_document(t), lean_document(t, details=False)
    whole["display"], first["display"] = display_model(whole), display_model(first, edges=False)
    assert len(orjson.dumps(pack(first))) < 0.5 * len(orjson.dumps(pack(whole)))


def test_interning_never_takes_one_value_for_another():
    """Values whose keys are built fast (strings, None, lists and dicts of strings) and values
    keyed by their JSON are interned apart whenever their JSON differs."""
    values = [["a"], "a", None, "null", {"x": "a"}, ["x", "a"], {}, [], [[]], {"x": 1}, {"x": True},
              [1], [True], ["{}"], [""], "", {"": ""}, ["a", "b"], ("a", "b") and ["a,b"], 1, True, 1.0]
    texts = Texts()
    col = column("text", values * 2, texts)
    assert "texts" in col
    back = [texts.values[i] for i in col["texts"]]
    assert [orjson.dumps(v) for v in back] == [orjson.dumps(v) for v in values * 2]
    assert len(texts.values) == len({orjson.dumps(v) for v in values})
