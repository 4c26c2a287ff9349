"""The lean answer over HTTP: the 1000 × 1000 program of the issue in a small document, and
exact entries of its big tensors from /api/window."""
from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from engine import trace

BIG = "W = randn(1000, 1000, seed=1)\nx = randn(1000, seed=2)\ns = sum(tanh(W @ x))"
DOC_BYTES = 2 * 1024 * 1024          # the bound for this program's document


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def test_the_big_program_answers_a_small_document(client):
    r = client.post("/api/trace", json={"source": BIG})
    assert r.status_code == 200 and len(r.content) <= DOC_BYTES, len(r.content)
    doc = r.json()
    W = doc["nodes"][0]
    assert W["value"]["summary"] is True and W["value"]["shape"] == [1000, 1000]
    assert W["grad"]["summary"] is True and doc["svg"]
    assert "norm" in doc["display"]["nodes"][0]["grad"]
    t = trace(BIG)
    assert W["grad"]["stats"]["norm"] == pytest.approx(np.linalg.norm(t.nodes[0].grad))


def test_windows_give_exact_entries(client):
    t = trace(BIG)
    r = client.post("/api/window", json={"source": BIG, "node": 0, "what": "grad", "rows": [500, 508], "cols": [990, 1000]})
    assert r.status_code == 200
    assert r.json()["values"] == t.nodes[0].grad[500:508, 990:1000].tolist()
    r = client.post("/api/window", json={"source": BIG, "node": 1, "what": "value", "rows": [0, 1], "cols": [0, 4]})
    assert r.json()["values"] == [t.nodes[1].value[:4].tolist()]


@pytest.mark.parametrize("body,status,words", [
    ({"node": 0, "what": "grad", "rows": [0, 100], "cols": [0, 100]}, 400, "at most 4,096"),
    ({"node": 0, "what": "value", "rows": [999, 1001], "cols": [0, 1]}, 400, "outside"),
    ({"node": 7, "what": "value", "rows": [0, 1], "cols": [0, 1]}, 400, "does not exist"),
    ({"node": 0, "what": "mean", "rows": [0, 1], "cols": [0, 1]}, 422, "what"),
    ({"node": 0, "what": "value", "rows": [0], "cols": [0, 1]}, 422, "rows"),
])
def test_bad_windows_say_what(client, body, status, words):
    r = client.post("/api/window", json={"source": BIG, **body})
    assert r.status_code == status and words in r.json()["message"]


LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"


def test_the_trace_answers_without_the_drawing_and_the_drawing_follows(client):
    """drawing false: no SVG, `drawing` "later"; /api/drawing then answers the very SVG the
    one-answer /api/trace carries. packed true: the document the reference reads back."""
    from tests.engine.reference import read_back
    whole = client.post("/api/trace", json={"source": LECTURE}).json()
    first = client.post("/api/trace", json={"source": LECTURE, "drawing": False, "packed": True}).json()
    assert first["svg"] is None and first["drawing"] == "later" and first["packed"] is True
    back, full = read_back(first), trace(LECTURE).to_dict()
    assert back["nodes"] == full["nodes"] and back["steps"] == full["steps"]
    assert back["display"] == whole["display"]
    then = client.post("/api/drawing", json={"source": LECTURE})
    assert then.status_code == 200
    d = then.json()
    assert d["svg"] == whole["svg"] and d["level"] == whole["level"] == first["level"]
    assert d["direction"] == whole["direction"] and d["nodes_fit"] is True


def test_a_drawing_refused_for_its_size_is_said_at_once(client):
    chain = "a0 = 1.0\n" + "\n".join(f"a{i} = a{i - 1} + 1.0" for i in range(1, 206))   # 411 nodes
    doc = client.post("/api/trace", json={"source": chain, "level": "nodes", "drawing": False}).json()
    assert doc["svg"] is None and "drawing" not in doc
    assert "drawings are limited to 400" in doc["svg_error"]
    d = client.post("/api/drawing", json={"source": chain, "level": "nodes"}).json()
    assert d["svg"] is None and "drawings are limited to 400" in d["svg_error"]


def test_the_drawing_of_a_program_not_traced_by_the_worker_is_traced_again(client):
    src = "a = 2.0\nb = a * a + 1.0"
    d = client.post("/api/drawing", json={"source": src}).json()
    assert d["svg"] and 'id="node-0"' in d["svg"] and d["level"] == "nodes"


def test_the_drawing_is_started_when_the_answer_without_it_is_made():
    """In the worker: the answer without the drawing starts it; /api/drawing's job collects
    that drawing (the same SVG as the one-answer trace), and draws anew for another direction."""
    from app import jobs
    import orjson
    whole = orjson.loads(jobs.trace_body(LECTURE))
    orjson.loads(jobs.trace_body(LECTURE, drawing=False, packed=True))
    (key, direction), = jobs._ahead
    assert direction == "auto"
    d = orjson.loads(jobs.drawing_body(LECTURE))
    assert not jobs._ahead and d["svg"] == whole["svg"] and d["level"] == "nodes"
    tb = orjson.loads(jobs.drawing_body(LECTURE, direction="TB"))
    assert tb["direction"] == "TB" and tb["svg"] != whole["svg"]
