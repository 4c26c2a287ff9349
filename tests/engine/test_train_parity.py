"""Every optimizer and schedule agrees with PyTorch's to a relative 1e-6.

The reference runs are PyTorch's own (torch.optim, torch.optim.lr_scheduler, float64), made by
scripts/make_torch_references.py and stored in tests/fixtures/torch_optim.json, so this test
needs no PyTorch. Each case: the loss before each update and after the last, the rate each
update used, and the final parameters.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.train import train

REF = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "torch_optim.json").read_text())
RTOL = 1e-6


def close(ours, theirs) -> None:
    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-12)


def case_id(case: dict) -> str:
    spec = {k: v for k, v in case["spec"].items()}
    return json.dumps(spec, separators=(",", ":"))


def test_every_optimizer_and_schedule_is_covered():
    from engine.optimizers import OPTIMIZERS
    from engine.schedules import SCHEDULES
    specs = [c["spec"] for c in REF["cases"]]
    assert {s["optimizer"] for s in specs} == set(OPTIMIZERS)
    assert {s.get("schedule", {"name": "constant"})["name"] for s in specs} == set(SCHEDULES)
    flags = {k for s in specs for k, v in s.items() if k in ("nesterov", "centered", "amsgrad") and v}
    assert flags == {"nesterov", "centered", "amsgrad"}
    for key in ("momentum", "dampening", "weight_decay", "lr_decay", "initial_accumulator_value", "betas",
                "alpha", "eps"):
        assert any(key in s for s in specs), key


@pytest.mark.parametrize("case", REF["cases"], ids=[case_id(c) for c in REF["cases"]])
def test_agrees_with_pytorch(case):
    run = train(REF["program"], [case["spec"]], REF["steps"]).to_dict()["runs"][0]
    assert run["diverged_at"] is None
    close(run["losses"], case["losses"])
    close(run["lrs"], case["lrs"])
    for name in ("W", "b"):
        close(run["final"][name], case["final"][name])


@pytest.mark.parametrize("case", REF["cases"], ids=[case_id(c) for c in REF["cases"]])
def test_an_inspected_iteration_is_the_step_pytorch_took(case):
    """Every optimizer's explained update: Δθ is the step between two of PyTorch's iterates,
    its buffers are the ones it names, and the rule's last line ends in θ_{t+1}."""
    from engine.optimizers import OPTIMIZERS, tex_number
    from engine.train import check_run, inspect

    steps, t = REF["steps"], 3
    at = inspect(REF["program"], [case["spec"]], steps, 0, t)
    later = train(REF["program"], [case["spec"]], t + 1).to_dict()["runs"][0]["final"]
    earlier = train(REF["program"], [case["spec"]], t).to_dict()["runs"][0]["final"] if t else None
    assert at["lr"] == pytest.approx(case["lrs"][t], rel=RTOL)
    assert at["loss"] == pytest.approx(case["losses"][t], rel=RTOL)
    spec = check_run(case["spec"], steps, "runs[0]")
    for p in at["parameters"]:
        close(p["value"], earlier[p["name"]])
        close(np.asarray(p["value"]) + np.asarray(p["update"]), later[p["name"]])
        assert set(p["state"]) == set(OPTIMIZERS[spec["optimizer"]].buffers(spec))
        assert p["rule"]["numbers"].endswith(" = " + tex_number(float(np.asarray(later[p["name"]]).flat[0]))
                                             + r"\end{aligned}")


def test_every_update_rule_renders_in_katex():
    """The rules in symbols and with numbers (every optimizer and flag, the first update, a
    later one and the end) are LaTeX the page's vendored KaTeX renders."""
    import shutil
    import subprocess

    from engine.optimizers import fill_rule, tex_number
    from engine.train import inspect
    assert shutil.which("node"), "node runs the vendored KaTeX: scripts/setup.sh --test installs it (nodejs)"
    formulas = set()
    for case in REF["cases"]:
        for t in (0, 3, REF["steps"]):
            for p in inspect(REF["program"], [case["spec"]], REF["steps"], 0, t)["parameters"]:
                formulas |= {p["rule"]["tex"], p["rule"]["numbers"]} - {None}
    lines = [("x", "{theta} - {lr_t}*{g}", "theta_next")]
    for v in (float("inf"), float("-inf"), float("nan"), -1e-12, 3e20):
        formulas.add(fill_rule(lines, {"theta": v, "lr_t": 1e-3, "g": -v, "theta_next": v}))
        assert tex_number(v)
    script = """
const katex = require(process.argv[1]);
const formulas = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(formulas.map((t) => {
  try { katex.renderToString(t, {throwOnError: true, displayMode: true}); return null; }
  catch (e) { return String(e); }
})));
"""
    root = Path(__file__).resolve().parents[2]
    formulas = sorted(formulas)
    run = subprocess.run(["node", "-e", script, str(root / "static/vendor/katex/katex.min.js")],
                         input=json.dumps(formulas), capture_output=True, text=True, timeout=60, check=True)
    for tex, error in zip(formulas, json.loads(run.stdout)):
        assert error is None, f"{tex}: {error}"
