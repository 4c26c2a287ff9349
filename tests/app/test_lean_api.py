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
