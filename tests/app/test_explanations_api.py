"""/api/trace explains itself: the gradient check's `h` reaches the document (a bad `h` is
a clear 422), and the teaching error messages arrive with their line and column."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def test_h_reaches_the_document(client):
    r = client.post("/api/trace", json={"source": "x = 2.0\nf = x * x * x", "gradcheck": True, "h": 1e-3})
    assert r.status_code == 200, r.text
    gc = r.json()["gradcheck"]
    assert gc["h"] == 1e-3 and gc["f"] == 8.0
    e = gc["leaves"][0]["entries"][0]
    assert e["f_plus"] == pytest.approx(2.001 ** 3, rel=1e-14)
    assert e["f_minus"] == pytest.approx(1.999 ** 3, rel=1e-14)
    assert e["one_sided"] == pytest.approx((2.001 ** 3 - 8.0) / 1e-3, rel=1e-9)
    assert e["kink"] is False and e["note"] is None


def test_h_defaults_to_1e_4(client):
    r = client.post("/api/trace", json={"source": "x = 2.0\nf = x * x", "gradcheck": True})
    assert r.json()["gradcheck"]["h"] == 1e-4


def test_a_kink_is_flagged_through_the_api(client):
    r = client.post("/api/trace", json={"source": "x = 0.00005\nf = relu(x)", "gradcheck": True})
    gc = r.json()["gradcheck"]
    e = gc["leaves"][0]["entries"][0]
    assert e["kink"] is True and "relu on line 2" in e["note"]
    assert gc["kinks"] == 1 and gc["passed"] is False and gc["passed_away_from_kinks"] is True


@pytest.mark.parametrize("h,part", [
    (0, "h must be a number from 1e-10 to 1 (the default is 0.0001), got 0.0"),
    (-1e-3, "h must be a number from 1e-10 to 1 (the default is 0.0001), got -0.001"),
    (2.0, "h must be a number from 1e-10 to 1 (the default is 0.0001), got 2.0"),
    ("1e-3", "h: Input should be a valid number"),
    (None, "h: Input should be a valid number"),
])
def test_a_bad_h_is_a_clear_422(client, h, part):
    r = client.post("/api/trace", json={"source": "x = 2.0\nf = x * x", "gradcheck": True, "h": h})
    assert r.status_code == 422, r.text
    body = r.json()
    assert set(body) == {"message", "line", "col"} and part in body["message"], body


def test_a_non_finite_h_is_a_clear_422(client):
    r = client.post("/api/trace", content=b'{"source": "x = 2.0\\nf = x * x", "gradcheck": true, "h": NaN}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert "h: " in r.json()["message"]


@pytest.mark.parametrize("source,line,col,part", [
    ("in = [0.2, 0.0]", 1, 1, "'in' is a Python keyword"),
    ("w = 1.0\nx = 2.0\ns = w x", 3, 7, "an operator is missing between w and x"),
    ("W = xavier(4, 10)\nx = randn(5)\nh = W @ x", 3, 5, "W (4, 10) made on line 1, x (5,) made on line 2"),
])
def test_teaching_errors_keep_their_line_and_column(client, source, line, col, part):
    r = client.post("/api/trace", json={"source": source})
    assert r.status_code == 400, r.text
    body = r.json()
    assert (body["line"], body["col"]) == (line, col) and part in body["message"], body
