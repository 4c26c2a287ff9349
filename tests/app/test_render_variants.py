"""/api/render draws the same graph /api/trace answers for the same keys: unrolled, traced
with an initialization, or at a training iteration, so an export from the page shows what
the page shows."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

import drawing as renderer
from app.examples import example_by_id
from app.main import create_app
from engine import trace
from engine.train import trace_at

DEEP = example_by_id("deep-tanh")["source"]
VALLEY = "w = 3.0\nv = -1.0\nloss = (w - 1) ** 2 + 10 * (v - w ** 2) ** 2"
RUNS = [{"optimizer": "sgd", "lr": 0.001}]


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def render(client, **body) -> bytes:
    r = client.post("/api/render", json={"format": "dot", "step": None, **body})
    assert r.status_code == 200, r.text
    return r.content


def test_render_with_an_initialization_draws_that_trace(client):
    he = render(client, source=DEEP, init="he")
    assert he == renderer.render(trace(DEEP, "he").to_dict(), "dot", None)
    assert he != render(client, source=DEEP)


def test_render_at_an_iteration_draws_its_parameters(client):
    at = {"steps": 5, "runs": RUNS, "run": 0, "iteration": 5}
    drawn = render(client, source=VALLEY, at=at)
    assert drawn == renderer.render(trace_at(VALLEY, RUNS, 5, 0, 5).to_dict(), "dot", None)
    assert drawn != render(client, source=VALLEY)
