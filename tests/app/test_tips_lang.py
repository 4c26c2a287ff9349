"""The tips lab's answers in the language asked for (`"lang"` in the body, else the request's
Accept-Language), through a real server: refusals of /api/vectorize and /api/layers and a
layer view's failed column in Korean, at the same line and column; English unchanged."""
from __future__ import annotations

import re

import httpx
import pytest

from engine.limits import MAX_LAYERS

HANGUL = re.compile(r"[\uac00-\ud7a3]")
TOO_BIG = "W = randn(9, 9, seed=1)\ns = sum(W)"
TOO_DEEP = "x = randn(2, seed=1)\n" + "x = tanh(x)\n" * (MAX_LAYERS + 1) + "s = sum(x)"


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


@pytest.mark.parametrize("ask", [{"json": {"lang": "ko"}}, {"headers": {"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"}}])
def test_vectorize_refuses_in_korean_at_the_same_place(client, ask):
    body = {"source": TOO_BIG, **ask.get("json", {})}
    r = client.post("/api/vectorize", json=body, headers=ask.get("headers"))
    assert r.status_code == 400, r.text
    e = r.json()
    assert (e["line"], e["col"]) == (1, 5)
    assert e["message"] == "W의 shape은 (9, 9), entry는 81개입니다. unroll은 entry가 최대 64개인 tensor만 펼칩니다"
    english = client.post("/api/vectorize", json={"source": TOO_BIG}).json()
    assert english["message"] == "W has shape (9, 9), 81 entries; unroll expands tensors of at most 64 entries"
    assert client.post("/api/vectorize", json={"source": TOO_BIG, "lang": "en"},
                       headers={"Accept-Language": "ko"}).json() == english       # the body's lang wins


def test_the_layer_view_refuses_in_korean(client):
    r = client.post("/api/layers", json={"source": TOO_DEEP, "lang": "ko"})
    assert r.status_code == 400, r.text
    e = r.json()
    assert e["message"].startswith(f"layer view는 layer를 최대 {MAX_LAYERS}개까지") and e["line"] == MAX_LAYERS + 2


def test_a_layer_views_answer_is_the_same_numbers_in_either_language(client):
    source = "W = randn(3, 2, seed=1)\nx = randn(2, seed=2)\nh = tanh(W @ x)\ns = sum(h)"
    en = client.post("/api/layers", json={"source": source, "inits": [None, "zeros"]})
    ko = client.post("/api/layers", json={"source": source, "inits": [None, "zeros"], "lang": "ko"})
    assert en.status_code == ko.status_code == 200
    assert en.json() == ko.json()
