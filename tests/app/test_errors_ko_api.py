"""API errors in the request's language: `Accept-Language: ko` or `"lang": "ko"` in the body
answers every message in Korean, at the same line and column as in English; without either
the answers are English, as before."""
from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.examples import EXAMPLES, TRAIN_EXAMPLES, examples_in, train_examples_in
from app.limits import Settings
from app.main import create_app, install_error_handlers
from app.workers import Busy
from engine import i18n
from engine.i18n import msg
from tests.engine.test_errors_ko import MORE, SOURCES

HANGUL = re.compile(r"[\uac00-\ud7a3]")
KO = {"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def korean(body: dict) -> str:
    assert HANGUL.search(body["message"]), body
    return body["message"]


@pytest.mark.parametrize("source", SOURCES[::3] + MORE[:10])
def test_a_bad_program_is_told_in_korean_at_the_same_place(client, source):
    en = client.post("/api/trace", json={"source": source})
    by_header = client.post("/api/trace", json={"source": source}, headers=KO)
    by_body = client.post("/api/trace", json={"source": source, "lang": "ko"})
    assert en.status_code == by_header.status_code == by_body.status_code == 400
    assert not HANGUL.search(en.json()["message"])
    korean(by_header.json())
    assert by_header.json() == by_body.json()
    assert (by_header.json()["line"], by_header.json()["col"]) == (en.json()["line"], en.json()["col"])


def test_the_body_language_wins_over_the_header(client):
    r = client.post("/api/trace", json={"source": "x = 1.0\ny = x +", "lang": "en"}, headers=KO)
    assert r.json()["message"] == "syntax error: invalid syntax"
    r = client.post("/api/trace", json={"source": "x = 1.0\ny = x +", "lang": "ko"})
    assert r.json() == {"message": "문법 오류(syntax error): 잘못된 문법입니다", "line": 2, "col": 8}


def test_every_endpoint_that_traces_answers_in_korean(client):
    bad = "x = 1.0\nf = foo(x)"
    for url, extra in [("/api/render", {"format": "svg"}), ("/api/walkthrough", {"format": "pdf"}),
                       ("/api/layers", {}), ("/api/vectorize", {})]:
        r = client.post(url, json={"source": bad, **extra}, headers=KO)
        assert r.status_code == 400, (url, r.text)
        assert r.json() == {"message": "알 수 없는 함수 'foo'입니다", "line": 2, "col": 5}, url


def test_a_program_that_cannot_train_is_refused_in_korean(client):
    r = client.post("/api/train", json={"source": "x = [1.0, 2.0]\ny = x * 2", "steps": 5,
                                        "runs": [{"optimizer": "sgd", "lr": 0.1}]}, headers=KO)
    assert r.status_code == 400
    assert korean(r.json()).startswith("학습에는 scalar loss가 필요한데")


def test_validation_not_found_and_method_errors_in_korean(client):
    r = client.post("/api/trace", json={"sourc": "x = 1.0"}, headers=KO)
    assert r.status_code == 422 and r.json()["message"] == "잘못된 요청입니다: source: Field required"
    r = client.post("/api/trace", json={"sourc": "x = 1.0"})
    assert r.json()["message"] == "invalid request: source: Field required"
    r = client.get("/api/nothing-here", headers=KO)
    assert r.status_code == 404 and r.json()["message"] == "찾을 수 없습니다"
    assert client.get("/api/nothing-here").json()["message"] == "Not Found"
    r = client.get("/api/trace", headers=KO)
    assert r.status_code == 405 and r.json()["message"] == "허용되지 않는 method입니다"
    assert "allow" in {k.lower() for k in r.headers}


def test_a_body_over_the_limit_is_refused_in_korean():
    with TestClient(create_app(Settings(max_body_bytes=1000)), raise_server_exceptions=False) as c:
        big = {"source": "x = 1.0  # " + "a" * 2000}
        r = c.post("/api/trace", json=big, headers=KO)
        assert r.status_code == 413 and r.json()["message"] == "요청 본문이 한도 1,000 bytes보다 큽니다"
        r = c.post("/api/trace", json=big)
        assert r.json()["message"] == "the request body is larger than the limit of 1,000 bytes"


def test_a_program_past_the_time_limit_is_stopped_with_a_korean_message():
    slow = "W = randn(1000, 1000)\n" + "W = tanh(W * 1.5)\n" * 2 + "f = sum(W)"
    with TestClient(create_app(Settings(small_timeout_s=0.2, job_timeout_s=0.2)),
                    raise_server_exceptions=False) as c:
        r = c.post("/api/trace", json={"source": slow}, headers=KO)
        assert r.status_code == 422, r.text[:200]
        assert r.json()["message"] == "이 program은 한도 0.2초보다 오래 걸려 중단되었습니다. program을 더 작게 만드십시오"
        r = c.post("/api/trace", json={"source": slow})
        assert r.json()["message"].startswith("this program took longer than the 0.2 s limit")


def test_the_workers_refusals_carry_a_message_for_every_language():
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/busy")
    def busy():
        raise Busy(msg("api.busy.lane", lane=msg("api.lane.small"), waiting="8"))

    with TestClient(app) as c:
        r = c.get("/busy", headers=KO)
        assert r.status_code == 503 and r.headers["retry-after"] == "2"
        assert r.json()["message"] == ("server가 바쁩니다(작은 program: 모든 worker가 일하는 중이고 8개가 기다립니다). "
                                       "잠시 뒤에 다시 시도하십시오")
        assert c.get("/busy").json()["message"] == ("the server is busy (small programs: every worker is busy "
                                                    "and 8 are waiting); try again in a moment")


# ---------------------------------------------------------------- the gallery

def test_the_gallery_is_told_in_the_requests_language(client):
    en = client.get("/api/examples").json()
    ko = client.get("/api/examples", headers=KO).json()
    assert en == EXAMPLES and ko == examples_in("ko")
    assert [e["id"] for e in ko] == [e["id"] for e in en] and [e["source"] for e in ko] == [e["source"] for e in en]
    for e, k in zip(en, ko):
        assert HANGUL.search(k["title"]) and HANGUL.search(k["description"]), k["id"]
        assert k["title"] != e["title"] and k["description"] != e["description"]
    assert ko[0]["title"] == "강의의 예제" and en[0]["title"] == "The lecture's example"
    assert client.get("/api/examples?lang=ko").json() == ko


def test_every_example_has_its_texts_in_every_language():
    for lang in i18n.LANGS:
        for e in EXAMPLES:
            assert i18n.text(f"gallery.{e['id']}.title", lang) and i18n.text(f"gallery.{e['id']}.description", lang)
        for e in TRAIN_EXAMPLES:
            assert i18n.text(f"gallery.train.{e['id']}.title", lang)
    assert [e["title"] for e in train_examples_in("ko")][0] == "휘어진 골짜기(Rosenbrock)"
    # the numbers a description claims are the same numbers in Korean
    for e, k in zip(EXAMPLES + TRAIN_EXAMPLES, examples_in("ko") + train_examples_in("ko")):
        numbers = [sorted(re.findall(r"\d+(?:\.\d+)?", d["description"])) for d in (e, k)]
        assert numbers[0] == numbers[1], e["id"]


def test_the_page_lists_the_gallery_in_its_language(client):
    page = client.get("/?lang=ko").text
    for e in examples_in("ko"):
        assert f'data-i18n="gallery.{e["id"]}.title">{e["title"]}</span>' in page.replace("&#39;", "'")
    assert "The lecture&#39;s example" in client.get("/?lang=en").text


def test_a_drawing_that_cannot_be_made_is_refused_in_korean(client):
    r = client.post("/api/render", json={"source": "x = 1.0\nf = x * 2", "format": "svg", "step": 99}, headers=KO)
    assert r.status_code == 422 and r.json()["message"] == "이 program의 step은 0부터 5까지여야 하는데 99이(가) 주어졌습니다"
    r = client.post("/api/render", json={"source": "x = 1.0\nf = x * 2", "format": "svg", "step": 99})
    assert r.json()["message"] == "step must be between 0 and 5 for this program, got 99"
    big = "x = 1.0\n" + "".join(f"y{i} = x * {i}.0\n" for i in range(450))
    r = client.post("/api/render", json={"source": big, "format": "svg", "level": "nodes"}, headers=KO)
    assert r.status_code == 422, r.text[:200]
    assert r.json()["message"].startswith("이 graph는 node가 ") and "node 400개까지만" in r.json()["message"]


def test_what_to_install_is_said_in_the_requests_language(client, monkeypatch):
    import drawing
    monkeypatch.setattr(drawing, "graphviz_available", lambda: False)
    ko = client.get("/api/status", headers=KO).json()
    assert ko["graphviz"] is False and ko["message"].startswith("Graphviz의 `dot` 프로그램이 설치되어 있지 않아")
    assert client.get("/api/status").json()["message"] == drawing.INSTALL_HINT
    page = client.get("/?lang=ko").text
    assert 'id="graphviz-banner">Graphviz의 `dot` 프로그램이' in page
