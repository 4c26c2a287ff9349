"""A repeated drawing request (same program, format and step) is served from a cache."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.cache import AnswerCache
from app.main import create_app

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"


def test_least_recently_used_goes_first():
    c = AnswerCache(max_entries=2, max_bytes=100, max_entry_bytes=50)
    c.put("a", b"1")
    c.put("b", b"2")
    assert c.get("a") == b"1"           # a is now the most recent
    c.put("c", b"3")                    # over two entries: b goes
    assert c.get("b") is None and c.get("a") == b"1" and c.get("c") == b"3"


def test_bounded_in_bytes_and_big_answers_are_not_kept():
    c = AnswerCache(max_entries=10, max_bytes=10, max_entry_bytes=6)
    c.put("big", b"x" * 7)
    assert c.get("big") is None and len(c) == 0
    c.put("a", b"x" * 6)
    c.put("b", b"y" * 6)                # 12 bytes > 10: a goes
    assert c.get("a") is None and c.get("b") == b"y" * 6 and c.bytes == 6


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def test_same_program_and_step_is_served_from_the_cache(client):
    cache = client.app.state.render_cache
    body = {"source": LECTURE, "format": "svg", "step": 3}
    first = client.post("/api/render", json=body)
    assert first.status_code == 200
    hits = cache.hits
    again = client.post("/api/render", json=body)
    assert again.status_code == 200 and again.content == first.content
    assert cache.hits == hits + 1
    other = client.post("/api/render", json={**body, "step": 4})      # another step: drawn anew
    assert other.status_code == 200 and other.content != first.content
    assert cache.hits == hits + 1


def test_errors_are_not_cached(client):
    cache = client.app.state.render_cache
    size = len(cache)
    for _ in range(2):
        r = client.post("/api/render", json={"source": "x = ", "format": "svg"})
        assert r.status_code == 400
    assert len(cache) == size
