"""The layout direction over HTTP: /api/trace and /api/render take `direction` (auto, LR,
TB; default auto), /api/trace says which one its SVG is laid out in, and a drawing cached
for one direction is never served for the other."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from app.examples import example_by_id
from app.main import create_app

TWO_LAYER = example_by_id("two-layer")["source"]
LECTURE = example_by_id("lecture")["source"]


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def size(svg: str | bytes) -> tuple[float, float]:
    _, _, w, h = (float(v) for v in ET.fromstring(svg).get("viewBox").split())
    return w, h


def test_trace_lays_out_auto_by_default_and_says_which_way(client):
    tl = client.post("/api/trace", json={"source": TWO_LAYER}).json()
    assert tl["direction"] == "TB"
    w, h = size(tl["svg"])
    assert h > w
    assert client.post("/api/trace", json={"source": LECTURE}).json()["direction"] == "LR"
    lr = client.post("/api/trace", json={"source": TWO_LAYER, "direction": "LR"}).json()
    assert lr["direction"] == "LR" and size(lr["svg"])[0] > size(lr["svg"])[1]
    assert {k: v for k, v in lr.items() if k not in ("svg", "direction")} == \
           {k: v for k, v in tl.items() if k not in ("svg", "direction")}      # only the drawing differs


def test_render_follows_the_direction_and_caches_each_apart(client):
    files = {}
    for d in ("TB", "LR", "TB"):
        r = client.post("/api/render", json={"source": TWO_LAYER, "format": "svg", "step": 4, "direction": d})
        assert r.status_code == 200
        files.setdefault(d, r.content)
        assert r.content == files[d]
    assert size(files["TB"])[1] > size(files["TB"])[0] and size(files["LR"])[0] > size(files["LR"])[1]
    auto = client.post("/api/render", json={"source": TWO_LAYER, "format": "svg", "step": 4}).content
    assert auto == files["TB"]


@pytest.mark.parametrize("direction", ["RL", "lr", "", 1, None])
def test_an_unknown_direction_is_refused(client, direction):
    for url in ("/api/trace", "/api/render"):
        r = client.post(url, json={"source": LECTURE, "direction": direction})
        assert r.status_code == 422, r.text
        assert set(r.json()) == {"message", "line", "col"}
