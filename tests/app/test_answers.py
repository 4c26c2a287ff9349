"""What one answer may be and what all answers waiting for their clients may hold.

- a big answer crosses from its worker as a temporary file and arrives byte for byte;
- an answer past the size limit is refused with a 422 that says how big it would be;
- past the budget of answers in flight, a request gets 503 with Retry-After.
(Clients that never read are in test_slow_readers.py, against a real server.)
"""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app import jobs
from app.answers import Budget
from app.limits import settings
from app.main import create_app
from app.workers import Busy, Spooled

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
SPOOL_BYTES = 4096                  # the lecture's answer (about 15 kB) is spooled
MAX_BYTES = 500_000
BIG = "x = randn(4000)\ny = exp(x)\nz = sum(y * x)"   # about 0.6 MB of JSON (tensors below the summary size)


@pytest.fixture(scope="module")
def client():
    app = create_app(settings(spool_response_bytes=SPOOL_BYTES, max_response_bytes=MAX_BYTES))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_a_spooled_answer_arrives_byte_for_byte(client):
    expected = jobs.trace_body(LECTURE)
    assert len(expected) > SPOOL_BYTES
    r = client.post("/api/trace", json={"source": LECTURE})
    assert r.status_code == 200 and r.content == expected
    assert r.headers["content-length"] == str(len(expected))
    assert r.headers["content-type"] == "application/json"
    budget = client.app.state.answer_budget
    assert budget.held == {"memory": 0, "spool": 0}         # given back once sent


def test_a_spooled_drawing_keeps_its_file_name(client):
    r = client.post("/api/render", json={"source": LECTURE, "format": "png"})
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG")
    assert r.headers["content-disposition"] == 'attachment; filename="backprop-final.png"'


def test_an_answer_past_the_size_limit_is_a_clear_422(client):
    r = client.post("/api/trace", json={"source": BIG})
    assert r.status_code == 422
    body = r.json()
    assert body["line"] is None and body["col"] is None
    assert f"{MAX_BYTES:,} bytes" in body["message"] and "smaller" in body["message"]
    assert client.post("/api/trace", json={"source": LECTURE}).status_code == 200


def test_past_the_budget_of_answers_in_flight_a_request_gets_503(client):
    budget = client.app.state.answer_budget
    saved = budget.limits
    budget.limits = {"memory": 10, "spool": 10}
    budget.held["spool"] += 5                   # another answer is still being read
    try:
        r = client.post("/api/trace", json={"source": LECTURE})
        assert r.status_code == 503 and r.headers["retry-after"]
        assert set(r.json()) == {"message", "line", "col"} and "busy" in r.json()["message"]
    finally:
        budget.held["spool"] -= 5
        budget.limits = saved
    assert budget.held == {"memory": 0, "spool": 0}
    assert client.post("/api/trace", json={"source": LECTURE}).status_code == 200


def test_the_budget_counts_memory_and_files_apart():
    b = Budget(memory_bytes=100, spool_bytes=1000)
    assert b.take(b"x" * 60) == "memory"
    with pytest.raises(Busy):
        b.take(b"x" * 60)                       # 120 > 100
    spooled = Spooled(-1, 900)
    assert b.take(spooled) == "spool"           # files have their own bound
    b.give_back("memory", 60)
    b.give_back("spool", 900)
    assert b.held == {"memory": 0, "spool": 0}
    assert b.take(b"x" * 500) == "memory"       # alone, an answer may pass the bound
