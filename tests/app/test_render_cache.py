"""A repeated drawing request (same program, format and step) is served from a cache."""
from __future__ import annotations

import tracemalloc

import pytest
from fastapi.testclient import TestClient

from app import cache as answer_cache
from app.cache import AnswerCache
from app.main import create_app

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"


def test_least_recently_used_goes_first():
    c = AnswerCache(max_entries=2, max_bytes=10_000, max_entry_bytes=50)
    c.put("a", b"1")
    c.put("b", b"2")
    assert c.get("a") == b"1"           # a is now the most recent
    c.put("c", b"3")                    # over two entries: b goes
    assert c.get("b") is None and c.get("a") == b"1" and c.get("c") == b"3"


def test_bounded_in_bytes_and_big_answers_are_not_kept():
    overhead = answer_cache.ENTRY_OVERHEAD_BYTES        # each entry's digest and bookkeeping
    c = AnswerCache(max_entries=10, max_bytes=2 * overhead + 10, max_entry_bytes=6)
    c.put("big", b"x" * 7)
    assert c.get("big") is None and len(c) == 0
    c.put("a", b"x" * 6)
    c.put("b", b"y" * 6)                # 12 bytes and two entries' overhead > the bound: a goes
    assert c.get("a") is None and c.get("b") == b"y" * 6 and c.bytes == 6 + overhead


def test_a_long_program_costs_the_cache_a_digest_not_its_text():
    """256 drawings of programs with a long emoji comment: what the cache itself holds
    (traced by tracemalloc, the texts freed) stays within its accounted bytes, which count
    each entry's key and bookkeeping and stay under the bound (slack: the dict's own table)."""
    c = AnswerCache(max_bytes=256 * 1024)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for i in range(256):
            source = f"# {i} " + "\U0001F600" * 2**17 + "\nx = 1.0"     # 512 KiB of text
            c.put((source, "svg", i), bytes([i % 256]) * 100)
            del source
            held = tracemalloc.get_traced_memory()[0] - base
            assert held <= c.bytes + 16 * 1024 and c.bytes <= c.max_bytes, (i, held, c.bytes)
    finally:
        tracemalloc.stop()
    assert len(c) == 256 and c.bytes == 256 * (100 + answer_cache.ENTRY_OVERHEAD_BYTES)
    assert c.get(("# 0 " + "\U0001F600" * 2**17 + "\nx = 1.0", "svg", 0)) == bytes([0]) * 100
    assert c.get(("# 0 " + "\U0001F600" * 2**17 + "\nx = 1.0", "svg", 1)) is None


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
