"""The activation explorer's table against PyTorch: each curve and its derivative (autograd,
whose kink conventions the op table shares), the saturated regions at their thresholds.

PyTorch's values are stored in tests/fixtures/torch_activations.json by
scripts/make_torch_activation_references.py, so the suite runs without PyTorch."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from engine.activations import activations
from engine.ops import OPS, SATURATION

# PyTorch's value and autograd derivative of each nonlinearity on the table's grid.
TORCH = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "torch_activations.json")
                   .read_text())["curves"]
CURVES = {c["name"]: c for c in activations()}


def test_every_op_with_an_activation_entry_is_listed_in_table_order() -> None:
    assert list(CURVES) == [name for name, op in OPS.items() if op.activation is not None]
    assert set(CURVES) == set(TORCH)        # the lecture's five and the four the architecture issue added


@pytest.mark.parametrize("name", sorted(TORCH))
def test_curve_and_derivative_match_pytorch(name: str) -> None:
    c, ref = CURVES[name], TORCH[name]
    assert c["x"] == ref["x"]
    assert c["x"][0] == -6.0 and c["x"][-1] == 6.0 and 0.0 in c["x"] and 1.0 in c["x"] and -1.0 in c["x"]
    np.testing.assert_allclose(c["y"], ref["y"], rtol=1e-12, atol=1e-15)
    # at the kinks too: relu'(0) = 0, hardtanh'(±1) = 0, leaky_relu'(0) = slope, elu'(0) = α
    np.testing.assert_allclose(c["dy"], ref["dy"], rtol=1e-9, atol=1e-12)
    assert c["formula"] and c["derivative"]


@pytest.mark.parametrize("name, at, text", [
    ("relu", [0.0], "relu′(0) = 0"), ("hardtanh", [-1.0, 1.0], "hardtanh′(±1) = 0"),
    ("leaky_relu", [0.0], "leaky_relu′(0) = the slope"), ("elu", [0.0], "elu′(0) = α"),
])
def test_the_kink_convention_is_the_op_tables_text(name, at, text) -> None:
    assert CURVES[name]["kink"] == {"at": at, "text": text}


def test_smooth_nonlinearities_have_no_kink() -> None:
    assert all(CURVES[n]["kink"] is None for n in ("sigmoid", "tanh", "softplus", "gelu", "silu"))


@pytest.mark.parametrize("name, fn, kind", [
    ("tanh", lambda x: abs(math.tanh(x)) > SATURATION, "saturated"),
    ("sigmoid", lambda x: not 1 - SATURATION <= 1 / (1 + math.exp(-x)) <= SATURATION, "saturated"),
    ("hardtanh", lambda x: abs(max(-1.0, min(1.0, x))) == 1.0, "saturated"),
    ("relu", lambda x: max(0.0, x) == 0.0, "dead"),
])
def test_the_regions_are_where_the_output_rule_holds(name, fn, kind) -> None:
    (region,) = CURVES[name]["regions"]
    assert region["kind"] == kind
    inside = lambda x: any(lo <= x <= hi for lo, hi in region["intervals"])   # noqa: E731
    edges = [e for lo, hi in region["intervals"] for e in (lo, hi) if math.isfinite(e)]
    # just inside and just outside every finite edge, and across the sampled range
    probes = [e + d for e in edges for d in (-1e-9, 1e-9)] + list(np.linspace(-8, 8, 161))
    for x in probes:
        assert inside(x) == fn(x) or min(abs(x - e) for e in edges) < 1e-12, (name, x)


def test_the_tanh_threshold_is_where_tanh_reaches_0_97() -> None:
    (region,) = CURVES["tanh"]["regions"]
    assert math.tanh(region["intervals"][1][0]) == pytest.approx(0.97, abs=1e-15)
    assert region["rule"] == "|tanh| > 0.97"
    assert CURVES["sigmoid"]["regions"][0]["rule"] == "σ < 0.03 or σ > 0.97"
