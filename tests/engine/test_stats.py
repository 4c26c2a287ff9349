"""The statistics on every tensor node (`stats`): against numpy, on programs built to saturate,
kill units or draw from a known variance."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from engine import ProgramError, trace
from engine.stats import BINS, tensor_stats


@settings(max_examples=80, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=30),
                  elements=st.floats(-1e6, 1e6) | st.sampled_from([math.nan, math.inf, -math.inf, 1e-300, 1.0])))
def test_statistics_match_numpy_over_the_finite_entries(a: np.ndarray) -> None:
    s = tensor_stats(a)
    finite = a[np.isfinite(a)]
    assert s["nonfinite"] == a.size - finite.size
    if not finite.size:
        assert all(math.isnan(s[k]) for k in ("mean", "std", "min", "max", "norm"))
        return
    assert s["mean"] == pytest.approx(finite.mean(), rel=1e-9, abs=1e-9)
    assert s["std"] == pytest.approx(finite.std(), rel=1e-9, abs=1e-9)
    assert (s["min"], s["max"]) == (finite.min(), finite.max())
    assert s["norm"] == pytest.approx(math.sqrt(float(np.sum(finite * finite))), rel=1e-9)
    edges = np.array(s["histogram"]["edges"])
    assert len(edges) == BINS + 1 and np.all(np.diff(edges) > 0)
    assert edges[0] <= finite.min() and finite.max() <= edges[-1]
    if finite.max() - finite.min() > 1e-6:               # a range wide enough is the data's own
        counts, ref_edges = np.histogram(finite, bins=BINS, range=(finite.min(), finite.max()))
        assert s["histogram"]["edges"] == ref_edges.tolist()
    assert s["histogram"]["counts"] == np.histogram(finite, bins=edges)[0].tolist()
    assert s["saturated"] is None and s["dead"] is None


@pytest.mark.parametrize("a", [[1.0, 1.0000000000000002], [-1.7e308, 1.7e308, 0.0], [1e300] * 3, [5e-324, 0.0]])
def test_extreme_tensors_get_finite_increasing_edges_and_no_floating_point_error(a) -> None:
    with np.errstate(all="raise"):                        # as the forward pass runs
        s = tensor_stats(np.array(a))
    edges = np.array(s["histogram"]["edges"])
    assert np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0) and sum(s["histogram"]["counts"]) == len(a)
    assert edges[0] <= min(a) and max(a) <= edges[-1]


def test_a_tensor_with_no_finite_entry_has_nan_numbers_and_an_empty_histogram() -> None:
    s = tensor_stats(np.array([math.nan, math.inf]))
    assert s["nonfinite"] == 2 and all(math.isnan(s[k]) for k in ("mean", "std", "min", "max", "norm"))
    assert sum(s["histogram"]["counts"]) == 0 and s["histogram"]["edges"][0] == -0.5


def test_a_constant_tensor_falls_in_one_bin_of_a_unit_wide_range() -> None:
    s = tensor_stats(np.zeros((3, 4)))
    assert s["histogram"]["edges"][0] == -0.5 and s["histogram"]["edges"][-1] == 0.5
    assert sum(s["histogram"]["counts"]) == 12 and max(s["histogram"]["counts"]) == 12


def _stats_of(source: str, name: str) -> dict:
    doc = trace(source).to_dict()
    return next(n["stats"] for n in doc["nodes"] if n["name"] == name)


# Inputs on both sides of each threshold: |tanh x| > 0.97 from |x| > atanh(0.97) = 2.092,
# σ(x) outside [0.03, 0.97] from |x| > 3.476, hardtanh at ±1 from |x| ≥ 1.
@pytest.mark.parametrize("fn, xs, saturated, rule", [
    ("tanh", [-5.0, -2.2, -2.0, 0.0, 1.0, 2.0, 2.2, 9.0], 4, "|tanh| > 0.97"),
    ("sigmoid", [-6.0, -3.6, -3.4, 0.0, 3.4, 3.6, 8.0, 1.0], 4, "σ < 0.03 or σ > 0.97"),
    ("hardtanh", [-3.0, -1.0, -0.99, 0.0, 0.5, 0.99, 1.0, 7.0], 4, "|hardtanh| = 1"),
])
def test_saturated_fraction_counts_outputs_in_the_flat_parts(fn, xs, saturated, rule) -> None:
    s = _stats_of(f"x = {xs}\nh = {fn}(x)\nf = sum(h)", "h")
    assert s["value"]["saturated"] == {"fraction": saturated / len(xs), "rule": rule}
    assert s["value"]["dead"] is None and s["grad"]["saturated"] is None
    # where the output is saturated, the gradient that reaches x is at most 1 − 0.97² (tanh)
    x = _stats_of(f"x = {xs}\nh = {fn}(x)\nf = sum(h)", "x")
    assert x["grad"]["min"] >= 0.0


def test_dead_fraction_counts_relu_outputs_at_zero() -> None:
    s = _stats_of("x = [-2.0, -0.5, 0.0, 0.5, 1.0, 3.0]\nh = relu(x)\nf = sum(h)", "h")
    assert s["value"]["dead"] == {"fraction": 0.5, "rule": "relu = 0"}
    assert s["value"]["saturated"] is None
    assert _stats_of("x = [-2.0, -0.5, 0.5]\nh = leaky_relu(x)\nf = sum(h)", "h")["value"]["dead"] is None


def test_every_tensor_node_has_stats_and_a_number_has_none() -> None:
    doc = trace("W = randn(3, 2, seed=4)\nx = [1.0, -1.0]\nz = W @ x\nh = tanh(z)\nf = sum(h)").to_dict()
    for n in doc["nodes"]:
        size = math.prod(n["shape"])
        if size <= 1:
            assert n["stats"] is None
            continue
        value = np.array(n["value"])
        assert n["stats"]["value"]["mean"] == pytest.approx(value.mean())
        assert n["stats"]["grad"]["norm"] == pytest.approx(np.linalg.norm(np.array(n["grad"])))


def test_no_backward_leaves_the_gradient_statistics_null() -> None:
    s = _stats_of("x = [1.0, 2.0]\ny = x * 2.0", "y")
    assert s["grad"] is None and s["value"]["max"] == 4.0


@pytest.mark.parametrize("source, variance, bound", [
    ("W = xavier(200, 300, seed=3)", 2 / 500, math.sqrt(6 / 500)),    # 2 / (n_in + n_out)
    ("W = kaiming(200, 300, seed=3)", 2 / 300, None),                 # He: 2 / n_in
    ("W = randn(200, 300, seed=3, scale=0.5)", 0.25, None),
    ("W = zeros(200, 300)", 0.0, None),
])
def test_a_constructor_leaf_states_its_variance_beside_the_measured_one(source, variance, bound) -> None:
    node = trace(source + "\nf = sum(W)").to_dict()["nodes"][0]
    init = node["stats"]["init"]
    assert init["kind"] == source.split("= ")[1].split("(")[0]
    assert init["variance"] == pytest.approx(variance, rel=1e-12)
    assert init["bound"] == (None if bound is None else pytest.approx(bound, rel=1e-12))
    measured = np.var(np.array(node["value"]))
    assert init["measured_variance"] == pytest.approx(measured, rel=1e-12, abs=1e-300)
    # 60,000 draws: the sample variance is within 2 % of the formula (its spread is ~0.6 %)
    assert measured == pytest.approx(variance, rel=0.02)
    if bound is not None:
        assert np.abs(np.array(node["value"])).max() <= bound


def test_kaiming_draws_a_normal_and_checks_its_sizes_like_xavier() -> None:
    w = trace("W = kaiming(300, 400, seed=9)\nf = sum(W)").nodes[0].value
    # He's normal draw (torch's kaiming_normal_ with fan_in and relu's gain √2): std √(2/400)
    assert w.std() == pytest.approx(math.sqrt(2 / 400), rel=0.02) and abs(w.mean()) < 0.005
    with pytest.raises(ProgramError, match=r"kaiming takes 2 sizes: kaiming\(n_out, n_in\)"):
        trace("W = kaiming(3)")
    with pytest.raises(ProgramError, match=r"kaiming\(n_out, n_in\) makes an n_out × n_in matrix"):
        trace("W = kaiming(3, 4, seed=1)\nx = [1.0, 2.0, 3.0]\nf = sum(W @ x)")
