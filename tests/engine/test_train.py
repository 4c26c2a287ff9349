"""Training as data: the document's shape, divergence, bad specs, limits, an inspected update
against the rule computed by hand, the loss slice against the loss evaluated directly, the
learning-rate map's classes on programs built for each, and the trace at an iteration."""
from __future__ import annotations

import math

import numpy as np
import pytest

from app.examples import EXAMPLES, TRAIN_EXAMPLES
from engine import ProgramError, trace
from engine.compiled import Compiled
from engine.errors import SpecError
from engine.landscape import lr_map, loss_slice
from engine.limits import MAX_TRAIN_RUNS, MAX_TRAIN_STEPS, MAX_TRAIN_WORK, TRAJECTORY_ENTRIES
from engine.train import DEFAULT_RUN, DEFAULT_STEPS, inspect, trace_at, train

VALLEY = "x = -1.5\ny = 2.0\nloss = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2\n"
BOWL = "w = 0.0\nloss = (w - 3) ** 2\n"


def valley(x: float, y: float) -> float:
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def valley_grad(x: float, y: float) -> tuple[float, float]:
    return -2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)


def test_the_document_has_every_key_and_the_sgd_numbers():
    d = train(VALLEY, [{"optimizer": "sgd", "lr": 1e-4}], 3).to_dict()
    assert set(d) == {"source", "steps", "parameters", "runs"}
    assert d["parameters"] == [{"node": 0, "name": "x", "shape": []}, {"node": 1, "name": "y", "shape": []}]
    r = d["runs"][0]
    assert set(r) == {"spec", "losses", "lrs", "grad_norms", "final", "diverged_at", "trajectories"}
    assert r["spec"] == {"optimizer": "sgd", "lr": 1e-4, "momentum": 0.0, "dampening": 0.0, "nesterov": False,
                         "weight_decay": 0.0, "schedule": {"name": "constant"}, "label": "sgd lr=0.0001"}
    # plain SGD by hand: θ ← θ − α ∇J
    x, y = -1.5, 2.0
    losses, norms, xs = [], [], []
    for _ in range(3):
        losses.append(valley(x, y))
        gx, gy = valley_grad(x, y)
        norms.append(math.hypot(gx, gy))
        xs.append(x)
        x, y = x - 1e-4 * gx, y - 1e-4 * gy
    losses.append(valley(x, y))
    norms.append(math.hypot(*valley_grad(x, y)))
    xs.append(x)
    np.testing.assert_allclose(r["losses"], losses, rtol=1e-12)
    np.testing.assert_allclose(r["grad_norms"], norms, rtol=1e-12)
    assert r["lrs"] == [1e-4] * 3
    np.testing.assert_allclose([r["final"]["x"], r["final"]["y"]], [x, y], rtol=1e-12)
    assert r["trajectories"]["x"]["entries"] == [0]
    np.testing.assert_allclose([v[0] for v in r["trajectories"]["x"]["values"]], xs, rtol=1e-12)
    assert r["diverged_at"] is None


def test_trajectories_sample_a_large_tensor_and_keep_a_small_one_whole():
    src = "W = randn(20, 30, seed=1)\nv = [1.0, 2.0]\nloss = sum(W * W) + sum(v * v)\n"
    r = train(src, [{"optimizer": "sgd", "lr": 0.1}], 4).to_dict()["runs"][0]
    tw = r["trajectories"]["W"]
    assert len(tw["entries"]) == TRAJECTORY_ENTRIES and tw["entries"][0] == 0 and tw["entries"][-1] == 599
    assert len(tw["values"]) == 5
    W0 = np.random.default_rng(1).standard_normal((20, 30)).reshape(-1)
    np.testing.assert_allclose(tw["values"][0], W0[tw["entries"]])
    np.testing.assert_allclose(tw["values"][1], 0.8 * W0[tw["entries"]])      # W − 0.1 · 2W
    assert r["trajectories"]["v"]["entries"] == [0, 1]


def test_compiled_gradients_equal_the_traced_ones_for_every_example():
    for ex in EXAMPLES + TRAIN_EXAMPLES:
        t = trace(ex["source"])
        try:
            c = Compiled(ex["source"])
        except ProgramError:
            continue
        loss, grads = c.loss_and_grads(c.initial)
        assert loss == pytest.approx(float(t.nodes[t.output].value), rel=1e-12)
        for p, g in zip(c.parameters, grads):
            np.testing.assert_allclose(g, t.nodes[p.node].grad, rtol=1e-10, atol=1e-14, err_msg=ex["id"])


def test_frozen_leaves_are_not_parameters_and_stay_put():
    frozen = next(e for e in TRAIN_EXAMPLES if e["id"] == "window-frozen")
    trainable = next(e for e in TRAIN_EXAMPLES if e["id"] == "window-trainable")
    assert [p["name"] for p in train(frozen["source"], [DEFAULT_RUN], 2).to_dict()["parameters"]] == ["W", "b", "u"]
    d = train(trainable["source"], [DEFAULT_RUN], 5).to_dict()
    assert "Paris" in d["runs"][0]["final"]
    assert d["runs"][0]["final"]["Paris"] != [0.5, 0.4]


@pytest.mark.parametrize("example", TRAIN_EXAMPLES, ids=[e["id"] for e in TRAIN_EXAMPLES])
def test_each_lab_example_trains_with_the_default_run(example):
    r = train(example["source"], [DEFAULT_RUN], DEFAULT_STEPS).to_dict()["runs"][0]
    assert r["diverged_at"] is None
    assert r["losses"][-1] < 0.5 * r["losses"][0]


def test_divergence_is_a_result_with_the_iteration_and_the_last_finite_values():
    # x − 3 is multiplied by (1 − 2α) = −19 at each update: the loss 9·361ᵗ overflows at t = 121.
    r = train(BOWL, [{"optimizer": "sgd", "lr": 10.0}], 500).to_dict()["runs"][0]
    w, t = 0.0, 0
    while math.isfinite((w - 3) * (w - 3)):
        w, t = w - 10.0 * 2 * (w - 3), t + 1
    assert r["diverged_at"] == t == 121
    assert len(r["losses"]) == len(r["grad_norms"]) == len(r["lrs"]) == t
    assert all(math.isfinite(v) for v in r["losses"])
    w_last = 0.0
    for _ in range(t - 1):
        w_last = w_last - 20.0 * (w_last - 3)
    assert r["final"]["w"] == pytest.approx(w_last, rel=1e-12)


BAD_SPECS = [
    ({"optimizer": "adamax", "lr": 0.1}, "runs[0].optimizer"),
    ({"lr": 0.1}, "runs[0].optimizer"),
    ({"optimizer": "sgd", "lr": -0.1}, "runs[0].lr"),
    ({"optimizer": "sgd", "lr": "fast"}, "runs[0].lr"),
    ({"optimizer": "sgd", "lr": 0.1, "nesterov": True}, "runs[0].nesterov"),
    ({"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}, "runs[0].nesterov"),
    ({"optimizer": "sgd", "lr": 0.1, "momentum": -1}, "runs[0].momentum"),
    ({"optimizer": "sgd", "lr": 0.1, "betas": [0.9, 0.99]}, "runs[0].betas"),
    ({"optimizer": "adam", "betas": [0.9, 1.0]}, "runs[0].betas"),
    ({"optimizer": "adam", "betas": [-0.1, 0.9]}, "runs[0].betas"),
    ({"optimizer": "adam", "betas": 0.9}, "runs[0].betas"),
    ({"optimizer": "adam", "amsgrad": 1}, "runs[0].amsgrad"),
    ({"optimizer": "adamw", "weight_decay": -0.01}, "runs[0].weight_decay"),
    ({"optimizer": "adagrad", "lr_decay": -1}, "runs[0].lr_decay"),
    ({"optimizer": "adagrad", "initial_accumulator_value": -1}, "runs[0].initial_accumulator_value"),
    ({"optimizer": "rmsprop", "alpha": -0.5}, "runs[0].alpha"),
    ({"optimizer": "rmsprop", "centered": "yes"}, "runs[0].centered"),
    ({"optimizer": "sgd", "schedule": {"name": "linear"}}, "runs[0].schedule.name"),
    ({"optimizer": "sgd", "schedule": {"name": "step"}}, "runs[0].schedule.step_size"),
    ({"optimizer": "sgd", "schedule": {"name": "step", "step_size": 0}}, "runs[0].schedule.step_size"),
    ({"optimizer": "sgd", "schedule": {"name": "exponential", "gamma": -1}}, "runs[0].schedule.gamma"),
    ({"optimizer": "sgd", "schedule": {"name": "cosine", "t_max": 2.5}}, "runs[0].schedule.t_max"),
    ({"optimizer": "sgd", "schedule": {"name": "warmup", "start_factor": 0}}, "runs[0].schedule.start_factor"),
    ({"optimizer": "sgd", "schedule": {"name": "cyclic"}}, "runs[0].schedule.max_lr"),
    ({"optimizer": "sgd", "lr": 0.1, "schedule": {"name": "cyclic", "max_lr": 0.01}}, "runs[0].schedule.max_lr"),
    ({"optimizer": "sgd", "schedule": {"name": "step", "step_size": 2, "gama": 0.5}}, "runs[0].schedule.gama"),
    ({"optimizer": "sgd", "label": 3}, "runs[0].label"),
    ("sgd", "runs[0]"),
]


@pytest.mark.parametrize("spec,field", BAD_SPECS, ids=[f for _, f in BAD_SPECS])
def test_a_bad_spec_names_its_field(spec, field):
    with pytest.raises(SpecError) as e:
        train(BOWL, [spec], 5)
    assert e.value.field == field
    assert e.value.message.startswith(field + ": ")


def test_limits_on_steps_runs_and_work():
    for steps in (0, MAX_TRAIN_STEPS + 1, 2.5, True):
        with pytest.raises(SpecError) as e:
            train(BOWL, [DEFAULT_RUN], steps)
        assert e.value.field == "steps"
    with pytest.raises(SpecError) as e:
        train(BOWL, [DEFAULT_RUN] * (MAX_TRAIN_RUNS + 1), 5)
    assert e.value.field == "runs" and str(MAX_TRAIN_RUNS) in e.value.message
    with pytest.raises(SpecError) as e:
        train(BOWL, [], 5)
    assert e.value.field == "runs"
    big = "W = randn(300, 300, seed=1)\nloss = sum(W * W)\n"           # ~270,000 numbers in the graph
    with pytest.raises(SpecError) as e:
        train(big, [DEFAULT_RUN] * MAX_TRAIN_RUNS, MAX_TRAIN_STEPS)
    assert e.value.field == "steps" and f"{MAX_TRAIN_WORK:,}" in e.value.message


def test_a_program_without_a_scalar_loss_or_parameters_is_a_program_error():
    with pytest.raises(ProgramError, match="scalar loss"):
        train("w = [1.0, 2.0]\ny = w * 2\n", [DEFAULT_RUN], 5)
    with pytest.raises(ProgramError, match="nothing to train"):
        train("w = frozen(2.0)\ny = w * w\n", [DEFAULT_RUN], 5)


def test_an_inspected_adam_update_matches_the_rule_by_hand():
    spec = {"optimizer": "adam", "lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-8}
    t = 2
    ins = inspect(VALLEY, [spec], 10, 0, t)
    # Adam by hand, on Python floats.
    theta = [-1.5, 2.0]
    m, v = [0.0, 0.0], [0.0, 0.0]
    for k in range(1, t + 2):
        g = list(valley_grad(*theta))
        m = [0.8 * a + 0.2 * b for a, b in zip(m, g)]
        v = [0.99 * a + 0.01 * b * b for a, b in zip(v, g)]
        mh = [a / (1 - 0.8 ** k) for a in m]
        vh = [a / (1 - 0.99 ** k) for a in v]
        before = theta
        theta = [p - 0.05 * a / (math.sqrt(b) + 1e-8) for p, a, b in zip(theta, mh, vh)]
    assert ins["iteration"] == t and ins["lr"] == 0.05 and ins["loss"] == pytest.approx(valley(*before), rel=1e-12)
    for i, p in enumerate(ins["parameters"]):
        assert p["value"] == pytest.approx(before[i], rel=1e-12)
        assert p["grad"] == pytest.approx(g[i], rel=1e-12)
        assert p["state"]["exp_avg"] == pytest.approx(m[i], rel=1e-9)
        assert p["state"]["exp_avg_sq"] == pytest.approx(v[i], rel=1e-9)
        assert p["state"]["m_hat"] == pytest.approx(mh[i], rel=1e-9)
        assert p["state"]["v_hat"] == pytest.approx(vh[i], rel=1e-9)
        assert p["update"] == pytest.approx(theta[i] - before[i], rel=1e-9)
        assert p["step_size"] == pytest.approx(0.05 / (1 - 0.8 ** 3) / (math.sqrt(vh[i]) + 1e-8), rel=1e-9)
        assert r"\hat m_t" in p["rule"]["tex"] and r"\beta_1" in p["rule"]["tex"]
        numbers = p["rule"]["numbers"]
        assert "0.8" in numbers and "0.99" in numbers and "^{3}" in numbers
        assert f"{theta[i]:.4g}" in numbers                      # the result is written out
    # the trace at that iteration holds the parameters' values and their gradients
    nodes = ins["trace"]["nodes"]
    assert nodes[0]["value"] == pytest.approx(before[0]) and nodes[1]["grad"] == pytest.approx(g[1])


def test_an_inspected_sgd_momentum_update_and_the_last_iteration():
    spec = {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "weight_decay": 0.5}
    ins = inspect(BOWL, [spec], 3, 0, 1)
    w0 = 0.0
    g0 = 2 * (w0 - 3) + 0.5 * w0
    buf = g0
    w1 = w0 - 0.1 * buf
    g1 = 2 * (w1 - 3) + 0.5 * w1
    buf = 0.9 * buf + g1
    p = ins["parameters"][0]
    assert p["grad"] == pytest.approx(2 * (w1 - 3))
    assert p["state"]["momentum_buffer"] == pytest.approx(buf)
    assert p["update"] == pytest.approx(-0.1 * buf)
    assert "v_t &= " in p["rule"]["tex"] and r"\lambda" in p["rule"]["tex"]
    last = inspect(BOWL, [spec], 3, 0, 3)["parameters"][0]
    assert last["update"] is None and last["rule"]["numbers"] is None and "momentum_buffer" in last["state"]
    with pytest.raises(SpecError) as e:
        inspect(BOWL, [spec], 3, 0, 4)
    assert e.value.field == "inspect.iteration"
    with pytest.raises(SpecError) as e:
        inspect(BOWL, [spec], 3, 1, 0)
    assert e.value.field == "inspect.run"
    with pytest.raises(SpecError) as e:
        inspect(BOWL, [{"optimizer": "sgd", "lr": 10.0}], 500, 0, 300)
    assert e.value.field == "inspect.iteration" and "121" in e.value.message


def test_the_slice_of_a_two_scalar_program_is_its_loss_surface():
    runs = [{"optimizer": "sgd", "lr": 1e-3, "momentum": 0.9}, {"optimizer": "adam", "lr": 0.05}]
    s = loss_slice(VALLEY, runs, 30, 1, 10, {"name": "x"}, {"name": "y"}, 9)
    assert s["exact"] is True and "true loss surface" in s["held"]
    xs, ys = s["x"]["values"], s["y"]["values"]
    assert len(xs) == len(ys) == 9 and len(s["loss"]) == 9
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            assert s["loss"][j][i] == pytest.approx(valley(x, y), rel=1e-12)
    d = train(VALLEY, runs, 30).to_dict()
    for path, r in zip(s["paths"], d["runs"]):
        assert path == [[a[0], b[0]] for a, b in zip(r["trajectories"]["x"]["values"], r["trajectories"]["y"]["values"])]
        for px, py in path:                     # every path (and the start) inside the ranges
            assert xs[0] < px < xs[-1] and ys[0] < py < ys[-1]


def test_a_slice_through_two_entries_holds_the_rest_at_the_iteration():
    src = "w = [0.5, -0.5]\nc = 1.0\nloss = sum((w - [1.0, 2.0]) ** 2) * (1 + c * c)\n"
    runs = [{"optimizer": "sgd", "lr": 0.05}]
    s = loss_slice(src, runs, 5, 0, 3, {"name": "w", "entry": [0]}, {"name": "w", "entry": [1]}, 5)
    assert s["exact"] is False and "iteration 3 of run 0" in s["held"]
    ins = inspect(src, runs, 5, 0, 3)
    c = next(p for p in ins["parameters"] if p["name"] == "c")["value"]
    for j, y in enumerate(s["y"]["values"]):
        for i, x in enumerate(s["x"]["values"]):
            assert s["loss"][j][i] == pytest.approx(((x - 1) ** 2 + (y - 2) ** 2) * (1 + c * c), rel=1e-12)
    with pytest.raises(SpecError) as e:
        loss_slice(src, runs, 5, 0, 3, {"name": "w", "entry": [0]}, {"name": "w", "entry": [0]}, 5)
    assert e.value.field == "y"
    with pytest.raises(SpecError) as e:
        loss_slice(src, runs, 5, 0, 3, {"name": "w", "entry": [2]}, {"name": "c"}, 5)
    assert e.value.field == "x.entry"


def test_the_lr_map_classes_runs_built_for_each_class():
    # A bowl: w − 3 shrinks by |1 − 2α| per update. α = 1.2 grows it (diverged); α ≈ 0.035
    # closes 99.7% of the gap in 40 updates (converged); α = 0.001 only 8% (slow).
    m = lr_map("w = 0.0\nloss = (w - 3) ** 2\n", 40, "sgd", {"min": 1e-3, "max": 1.2, "count": 3}, [0.0])
    assert [c["class"] for c in m["cells"][0]] == ["slow", "converged", "diverged"]
    m = lr_map("w = 0.0\nloss = (w - 3) ** 2\n", 40, "sgd", {"min": 0.3, "max": 0.3, "count": 1}, [0.0, 0.95])
    # without momentum: 0.4ᵗ, converged; with heavy momentum the iterate spirals: the loss rises and falls
    assert m["cells"][0][0]["class"] == "converged"
    assert m["cells"][1][0]["class"] == "oscillating"
    assert set(m["definitions"]) == {"converged", "slow", "oscillating", "diverged"}
    with pytest.raises(SpecError) as e:
        lr_map(BOWL, 10, "adagrad", {"min": 0.1, "max": 1, "count": 2}, [0.5])
    assert e.value.field == "momenta"
    with pytest.raises(SpecError) as e:
        lr_map(BOWL, 10, "sgd", {"min": 0.1, "max": 0.01, "count": 2}, [0.0])
    assert e.value.field == "lrs.max"


def test_the_trace_at_an_iteration_has_that_iterations_parameters():
    runs = [{"optimizer": "adam", "lr": 0.05}]
    d = train(VALLEY, runs, 20).to_dict()
    t = trace_at(VALLEY, runs, 20, 0, 7)
    doc = t.to_dict()
    assert doc["nodes"][0]["value"] == d["runs"][0]["trajectories"]["x"]["values"][7][0]
    assert doc["nodes"][1]["value"] == d["runs"][0]["trajectories"]["y"]["values"][7][0]
    assert doc["nodes"][doc["output"]]["value"] == pytest.approx(d["runs"][0]["losses"][7], rel=1e-12)
    assert doc["backward"] is True


def test_every_training_record_validates_against_its_typed_declaration():
    from pydantic import TypeAdapter

    from engine import train_document as tdoc
    runs = [{"optimizer": "adam", "lr": 0.05, "amsgrad": True}, {"optimizer": "sgd", "lr": 10.0}]
    src = "w = [0.5, -0.5]\nc = 1.0\nloss = sum((w - [1.0, 2.0]) ** 2) * (1 + c * c)\n"
    TypeAdapter(tdoc.TrainDocument).validate_python(train(src, runs, 30).to_dict())
    TypeAdapter(tdoc.Inspection).validate_python(inspect(src, runs, 30, 0, 4, {"w": [1]}))
    TypeAdapter(tdoc.Inspection).validate_python(inspect(src, runs, 30, 0, 30))
    TypeAdapter(tdoc.LossSlice).validate_python(
        loss_slice(src, runs, 30, 0, 2, {"name": "w", "entry": [1]}, {"name": "c"}, 5))
    TypeAdapter(tdoc.LrMap).validate_python(lr_map(src, 20, "adam", {"min": 1e-3, "max": 10.0, "count": 3}))
    with pytest.raises(Exception):
        TypeAdapter(tdoc.TrainDocument).validate_python({**train(src, runs, 3).to_dict(), "extra": 1})


def test_a_diverged_runs_path_does_not_set_the_slices_ranges():
    runs = [{"optimizer": "adam", "lr": 0.05}, {"optimizer": "sgd", "lr": 0.01}]   # SGD at 0.01 runs away
    d = train(VALLEY, runs, 40).to_dict()
    assert d["runs"][0]["diverged_at"] is None and d["runs"][1]["diverged_at"] is not None
    s = loss_slice(VALLEY, runs, 40, 0, 40, {"name": "x"}, {"name": "y"}, 5)
    assert len(s["paths"][1]) == d["runs"][1]["diverged_at"]                   # given, up to its divergence
    assert max(abs(v) for v in s["x"]["values"] + s["y"]["values"]) < 10       # framed on the run that held
    for px, py in s["paths"][0]:
        assert s["x"]["values"][0] < px < s["x"]["values"][-1] and s["y"]["values"][0] < py < s["y"]["values"][-1]
