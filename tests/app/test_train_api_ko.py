"""The training lab's API in Korean: the options' texts and the map's and slice's explanations
are messages the page tells from /i18n/ko.json, and a refused request's message comes back from
a worker whole, so the API can answer it in the language the request asks for."""
from __future__ import annotations

import re

import httpx
import pytest

from app.limits import settings
from app.workers import WorkerPool
from engine import i18n
from engine.errors import SpecError
from engine.optimizers import OPTIMIZERS
from engine.schedules import SCHEDULES

HANGUL = re.compile(r"[\uac00-\ud7a3]")
VALLEY = "x = -1.5\ny = 2.0\nloss = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2\n"
RUNS = [{"optimizer": "adam", "lr": 0.05}, {"optimizer": "sgd", "lr": 1e-3, "momentum": 0.9, "label": "heavy ball"}]


def told(message: dict, catalogue: dict) -> str:
    """A `{key, args}` message told as the page tells it (flat arguments here)."""
    return i18n.fill(catalogue[message["key"]], message["args"])


@pytest.fixture(scope="module")
def ko(live_server) -> dict:
    r = httpx.get(live_server + "/i18n/ko.json", timeout=30)
    assert r.status_code == 200
    return r.json()


def test_the_options_describe_each_optimizer_and_schedule_in_korean(live_server, ko):
    options = httpx.get(live_server + "/api/train/options", timeout=30).json()
    texts = options["texts"]
    assert set(texts["optimizers"]) == set(OPTIMIZERS) and set(texts["schedules"]) == set(SCHEDULES)
    for name, message in texts["optimizers"].items():
        korean = told(message, ko)
        assert HANGUL.search(korean) and korean != told(message, i18n.catalogue("en")), (name, korean)
    for name, message in texts["schedules"].items():
        assert told(message, ko).startswith("α_t") and told(message, i18n.catalogue("en")) == SCHEDULES[name].formula.text()
    assert HANGUL.search(told(texts["schedules"]["cyclic"], ko))


def test_the_maps_classes_and_the_slices_sentence_are_told_in_korean(live_server, ko):
    m = httpx.post(live_server + "/api/train/lrmap", json={
        "source": "w = 0.0\nloss = (w - 3) ** 2\n", "steps": 40, "optimizer": "sgd",
        "lrs": {"min": 1e-3, "max": 1.2, "count": 3}, "momenta": [0.0]}, timeout=60).json()
    for k, message in m["definitions_msg"].items():
        assert told(message, i18n.catalogue("en")) == m["definitions"][k]
        assert HANGUL.search(told(message, ko)), k
    s = httpx.post(live_server + "/api/train/slice", json={
        "source": VALLEY, "steps": 20, "runs": RUNS, "run": 1, "iteration": 4,
        "x": {"name": "x"}, "y": {"name": "y"}}, timeout=60).json()
    assert told(s["held_msg"], i18n.catalogue("en")) == s["held"]
    assert "실제 loss surface" in told(s["held_msg"], ko)


@pytest.mark.server
def test_a_refusal_comes_back_from_a_worker_with_its_message():
    pool = WorkerPool(settings(small_workers=1, large_workers=1))
    try:
        with pytest.raises(SpecError) as info:
            pool.submit("train", source=VALLEY, steps=10, inspect=None,
                        runs=[{"optimizer": "adam", "betas": [0.9, 2]}]).future.result(timeout=120)
    finally:
        pool.close()
    err = info.value
    assert str(err) == "runs[0].betas: β₂ must be in [0, 1), got 2"
    assert err.msg.text("ko") == "runs[0].betas: β₂는 [0, 1) 범위 안에 있어야 합니다. 받은 값: 2"


def test_a_refused_request_is_still_answered_in_english_by_default(live_server):
    r = httpx.post(live_server + "/api/train", json={"source": VALLEY, "steps": 10,
                                                     "runs": [{"optimizer": "adam", "betas": [0.9, 2]}]}, timeout=60)
    assert r.status_code == 422 and r.json()["message"] == "runs[0].betas: β₂ must be in [0, 1), got 2"
