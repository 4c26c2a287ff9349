"""Unroll over HTTP: /api/trace and /api/render take `unroll`, /api/vectorize compares the
program as written with its scalar graph, and a program that cannot be unrolled is a 400
that says where and what."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from engine import trace
from engine.unroll import unroll

SRC = "W = randn(3, 4, seed=1)\nx = randn(4, seed=2)\nb = zeros(3)\nh = tanh(W @ x + b)\ns = sum(h)"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def test_trace_unrolled_is_the_scalar_graph_with_its_drawing(client):
    plain = client.post("/api/trace", json={"source": SRC}).json()
    unr = client.post("/api/trace", json={"source": SRC, "unroll": True}).json()
    assert plain["unrolled"] is False and unr["unrolled"] is True
    assert len(plain["nodes"]) == len(trace(SRC).nodes) == 7
    assert len(unr["nodes"]) == len(unroll(SRC).nodes) == 48
    assert all(n["shape"] == [] for n in unr["nodes"])
    assert unr["svg"] and ">W[1,2]<" in unr["svg"]
    assert unr["display"]["steps"] == len(unr["steps"])
    # the same output value, from the same program
    assert unr["nodes"][unr["output"]]["value"] == pytest.approx(plain["nodes"][plain["output"]]["value"], abs=1e-12)


def test_render_unrolled_draws_the_scalar_graph(client):
    r = client.post("/api/render", json={"source": SRC, "format": "svg", "step": 3, "unroll": True})
    assert r.status_code == 200 and b"W[0,2]" in r.content
    plain = client.post("/api/render", json={"source": SRC, "format": "svg", "step": 3})
    assert plain.status_code == 200 and b"W[0,2]" not in plain.content     # the cache keeps them apart


def test_vectorize_compares_both(client):
    r = client.post("/api/vectorize", json={"source": SRC})
    assert r.status_code == 200
    c = r.json()
    assert c["vectorized"]["nodes"] == 7 and c["unrolled"]["nodes"] == 48
    assert c["vectorized"]["steps"] == 14 and c["unrolled"]["steps"] == 96
    assert c["max_value_difference"] <= 1e-12 and c["max_gradient_difference"] <= 1e-12


@pytest.mark.parametrize("source,line,col,words", [
    ("W = randn(9, 9, seed=1)\ns = sum(W)", 1, 5, "at most 64 entries"),
    ("z = randn(4, seed=1)\ns = cross_entropy(z, 1)", 2, 5, "cross_entropy is not one of them"),
    ("z = randn(4, seed=1)\ns = z +", 2, 8, ""),
])
def test_programs_that_cannot_be_unrolled_are_400_with_where(client, source, line, col, words):
    for url, body in (("/api/trace", {"source": source, "unroll": True}), ("/api/vectorize", {"source": source})):
        r = client.post(url, json=body)
        assert r.status_code == 400, (url, r.text)
        e = r.json()
        assert (e["line"], e["col"]) == (line, col) and words in e["message"]
    assert client.post("/api/trace", json={"source": SRC, "unroll": "yes"}).status_code == 422
