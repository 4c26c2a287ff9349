"""The tips lab's endpoints through a real server on loopback: /api/trace with an
initialization, /api/layers, /api/activations, and their refusals."""
from __future__ import annotations

import httpx
import numpy as np
import pytest
from pydantic import TypeAdapter

from app.examples import example_by_id
from engine import document as doc
from engine import trace
from engine.limits import MAX_LAYER_INITS

DEEP = example_by_id("deep-tanh")["source"]
VIEWS = TypeAdapter(list[doc.LayerView])
CURVES = TypeAdapter(list[doc.ActivationCurve])


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


def test_trace_with_an_init_answers_the_switched_document_with_its_drawing(client) -> None:
    r = client.post("/api/trace", json={"source": DEEP, "init": "he"})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["init"] == "he" and answer["svg"] and answer["display"]["nodes"]
    w1 = next(n for n in answer["nodes"] if n["name"] == "W1")
    assert w1["attrs"]["init"] == "kaiming" and w1["attrs"]["seed"] == 1
    assert w1["value"] == trace(DEEP, "he").to_dict()["nodes"][w1["id"]]["value"]
    assert w1["stats"]["init"]["variance"] == pytest.approx(2 / 8)
    plain = client.post("/api/trace", json={"source": DEEP}).json()
    assert plain["init"] is None and next(n for n in plain["nodes"] if n["name"] == "W1")["value"] != w1["value"]


def test_layers_under_each_init_side_by_side(client) -> None:
    r = client.post("/api/layers", json={"source": DEEP, "inits": [None, "naive", "xavier", "zeros"]})
    assert r.status_code == 200, r.text
    views = VIEWS.validate_python(r.json()["inits"], strict=True)
    assert [v["init"] for v in views] == [None, "naive", "xavier", "zeros"]
    by = {v["init"]: v["layers"] for v in views}
    assert all(v["error"] is None for v in views)
    assert [row["name"] for row in by["naive"]] == [f"h{k}" for k in range(1, 7)]
    # naive randn saturates tanh, Xavier not; zeros: one gradient for all 8 units of every layer
    naive_h1 = np.array(trace(DEEP, "naive").to_dict()["nodes"][by["naive"][0]["node"]]["value"])
    assert by["naive"][0]["saturated"] == np.mean(np.abs(naive_h1) > 0.97) > 0.3
    assert all(row["saturated"] == 0.0 for row in by["xavier"])
    assert all(row["symmetric"] == {"units": 8, "distinct_gradients": 1, "same": True} for row in by["zeros"])
    assert all(row["symmetric"]["distinct_gradients"] == 8 for row in by["naive"])


def test_layers_default_to_the_program_as_written(client) -> None:
    r = client.post("/api/layers", json={"source": DEEP})
    assert r.status_code == 200 and [v["init"] for v in r.json()["inits"]] == [None]


@pytest.mark.parametrize("path, body, words", [
    ("/api/trace", {"source": DEEP, "init": "glorot"}, ["init", "'naive', 'xavier', 'he' or 'zeros'"]),
    ("/api/layers", {"source": DEEP, "inits": ["he", "glorot"]}, ["inits.1", "'naive', 'xavier', 'he' or 'zeros'"]),
    ("/api/layers", {"source": DEEP, "inits": []}, ["inits", "at least 1"]),
    ("/api/layers", {"source": DEEP, "inits": ["he"] * (MAX_LAYER_INITS + 1)}, ["inits", f"at most {MAX_LAYER_INITS}"]),
])
def test_bad_inits_are_a_clear_422(client, path, body, words) -> None:
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    message = r.json()["message"]
    assert message.startswith("invalid request: ") and all(w in message for w in words), message


def test_a_bad_program_is_a_400_with_its_place(client) -> None:
    r = client.post("/api/layers", json={"source": "x = [1.0, 2.0]\nh = tahn(x)", "inits": ["he"]})
    assert r.status_code == 400
    assert r.json() == {"message": "unknown function 'tahn'; did you mean 'tanh'?", "line": 2, "col": 5}


def test_activations_are_served_from_the_op_table(client) -> None:
    r = client.get("/api/activations")
    assert r.status_code == 200
    curves = r.json()
    # the open ends of the regions are ±inf, which JSON carries as strings
    assert curves[0]["regions"][0]["intervals"][0][0] == "-inf"
    CURVES.validate_python(curves)
    assert {c["name"] for c in curves} >= {"sigmoid", "tanh", "hardtanh", "relu", "leaky_relu"}
