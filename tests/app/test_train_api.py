"""The training lab's HTTP API on a real server (uvicorn on loopback, the worker lanes):
/api/train (runs and inspection), /api/train/slice, /api/train/lrmap, /api/train/options,
and /api/trace at a training iteration; every bad input a 4xx naming its field."""
from __future__ import annotations

import math
import time

import httpx
import pytest

from app.examples import TRAIN_EXAMPLES
from engine.train import DEFAULT_RUN, DEFAULT_STEPS, train

VALLEY = "x = -1.5\ny = 2.0\nloss = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2\n"
RUNS = [{"optimizer": "adam", "lr": 0.05}, {"optimizer": "sgd", "lr": 1e-3, "momentum": 0.9, "label": "heavy ball"}]


def post(server: str, path: str, body: dict) -> httpx.Response:
    return httpx.post(server + path, json=body, timeout=60)


def test_train_answers_the_engines_document(live_server):
    r = post(live_server, "/api/train", {"source": VALLEY, "steps": 40, "runs": RUNS})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc == train(VALLEY, RUNS, 40).to_dict()
    assert doc["runs"][1]["spec"]["label"] == "heavy ball"
    assert len(doc["runs"][0]["losses"]) == 41 and len(doc["runs"][0]["lrs"]) == 40


def test_a_diverging_run_is_still_200(live_server):
    r = post(live_server, "/api/train", {"source": "w = 0.0\nloss = (w - 3) ** 2\n", "steps": 300,
                                         "runs": [{"optimizer": "sgd", "lr": 10.0}, DEFAULT_RUN]})
    assert r.status_code == 200
    runs = r.json()["runs"]
    assert runs[0]["diverged_at"] == 121 and runs[1]["diverged_at"] is None
    assert all(math.isfinite(v) for v in runs[0]["losses"])


@pytest.mark.parametrize("body,field", [
    ({"runs": [{"optimizer": "adam", "betas": [0.9, 1.5]}]}, "runs[0].betas"),
    ({"runs": [{"optimizer": "sgd", "lr": 0.1, "nesterov": True}]}, "runs[0].nesterov"),
    ({"runs": [{"optimizer": "lion"}]}, "runs[0].optimizer"),
    ({"runs": [DEFAULT_RUN, {"optimizer": "sgd", "schedule": {"name": "cyclic"}}]}, "runs[1].schedule.max_lr"),
    ({"steps": 0}, "steps"),
    ({"steps": 10**6}, "steps"),
    ({"runs": [DEFAULT_RUN] * 9}, "runs"),
    ({"inspect": {"run": 3, "iteration": 0}}, "inspect.run"),
    ({"inspect": {"run": 0, "iteration": 11}}, "inspect.iteration"),
    ({"inspect": {"run": 0, "iteration": 1, "entry": {"z": []}}}, "inspect.entry.z"),
])
def test_bad_input_is_a_422_naming_the_field(live_server, body, field):
    r = post(live_server, "/api/train", {"source": VALLEY, "steps": 10, "runs": [DEFAULT_RUN], **body})
    assert r.status_code == 422, r.text
    assert r.json()["message"].startswith(field + ": ") or field in r.json()["message"]


def test_a_bad_program_is_a_400_with_its_place(live_server):
    r = post(live_server, "/api/train", {"source": "w = [1.0, 2.0]\ny = w * 2\n", "steps": 5, "runs": [DEFAULT_RUN]})
    assert r.status_code == 400 and "scalar loss" in r.json()["message"] and r.json()["line"] == 2


def test_inspect_answers_the_state_and_the_trace(live_server):
    r = post(live_server, "/api/train", {"source": VALLEY, "steps": 10, "runs": RUNS,
                                         "inspect": {"run": 1, "iteration": 4}})
    assert r.status_code == 200, r.text
    ins = r.json()
    assert (ins["run"], ins["iteration"]) == (1, 4)
    x = ins["parameters"][0]
    assert set(x) == {"name", "node", "shape", "value", "grad", "state", "step_size", "update", "rule"}
    assert set(x["state"]) == {"momentum_buffer"}
    assert x["update"] == pytest.approx(-1e-3 * x["state"]["momentum_buffer"])
    assert x["rule"]["numbers"].startswith(r"\begin{aligned}")
    assert ins["trace"]["nodes"][0]["value"] == x["value"]


def test_slice_and_lrmap(live_server):
    r = post(live_server, "/api/train/slice", {"source": VALLEY, "steps": 20, "runs": RUNS, "run": 0,
                                               "iteration": 5, "x": {"name": "x"}, "y": {"name": "y"}, "grid": 7})
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["exact"] is True and len(s["loss"]) == 7 and len(s["paths"]) == 2 and len(s["paths"][0]) == 21
    x, y = s["x"]["values"][2], s["y"]["values"][5]
    assert s["loss"][5][2] == pytest.approx((1 - x) ** 2 + 100 * (y - x * x) ** 2, rel=1e-12)
    r = post(live_server, "/api/train/slice", {"source": VALLEY, "steps": 20, "runs": RUNS,
                                               "x": {"name": "x"}, "y": {"name": "q"}})
    assert r.status_code == 422 and r.json()["message"].startswith("y.name: ")
    r = post(live_server, "/api/train/lrmap", {"source": "w = 0.0\nloss = (w - 3) ** 2\n", "steps": 40,
                                               "optimizer": "sgd", "lrs": {"min": 1e-3, "max": 1.2, "count": 3},
                                               "momenta": [0.0]})
    assert r.status_code == 200, r.text
    m = r.json()
    assert [c["class"] for c in m["cells"][0]] == ["slow", "converged", "diverged"]
    assert set(m["definitions"]) == {"converged", "slow", "oscillating", "diverged"}
    r = post(live_server, "/api/train/lrmap", {"source": VALLEY, "optimizer": "sgd",
                                               "lrs": {"min": 1e-3, "max": 1.0, "count": 100}, "momenta": [0, 0.9]})
    assert r.status_code == 422 and r.json()["message"].startswith("lrs.count: ")


def test_trace_at_an_iteration(live_server):
    d = train(VALLEY, RUNS, 10).to_dict()
    r = post(live_server, "/api/trace", {"source": VALLEY, "at": {"steps": 10, "runs": RUNS, "run": 0,
                                                                   "iteration": 6}})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["at"] == {"run": 0, "iteration": 6}
    assert doc["nodes"][0]["value"] == d["runs"][0]["trajectories"]["x"]["values"][6][0]
    assert doc["svg"] is None or "<svg" in doc["svg"]
    r = post(live_server, "/api/trace", {"source": VALLEY, "at": {"steps": 10, "runs": RUNS, "run": 0,
                                                                   "iteration": 60}})
    assert r.status_code == 422 and r.json()["message"].startswith("at.iteration: ")


def test_options_list_the_lab(live_server):
    r = httpx.get(live_server + "/api/train/options", timeout=30)
    o = r.json()
    assert [e["id"] for e in o["examples"]] == [e["id"] for e in TRAIN_EXAMPLES]
    assert o["run"] == DEFAULT_RUN and o["steps"] == DEFAULT_STEPS
    assert o["optimizers"]["adamw"]["weight_decay"] == 0.01 and o["optimizers"]["adagrad"]["eps"] == 1e-10
    assert o["schedules"]["step"] == {"step_size": None, "gamma": 0.1}


def test_training_work_chooses_the_lane(live_server):
    def rerouted() -> int:
        return httpx.get(live_server + "/api/health", timeout=30).json()["counts"]["rerouted"]
    before = rerouted()
    small = {"source": VALLEY, "steps": 50, "runs": [DEFAULT_RUN]}
    assert post(live_server, "/api/train", small).status_code == 200
    assert rerouted() == before                      # 50 × 1 × (14 numbers + 256 × 14 nodes): the small lane
    big = {"source": "W = randn(200, 200, seed=1)\nloss = sum(W * W)\n", "steps": 70, "runs": [DEFAULT_RUN]}
    assert post(live_server, "/api/train", big).status_code == 200
    assert rerouted() == before + 1                  # 70 × 1 × (80,001 numbers + 256 × 3 nodes): large
