"""The initialization switch: weight matrices redrawn, shapes and seeds kept, everything else
as written; the variances each choice promises, measured on big draws."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from engine import trace
from engine.cli import main as cli
from engine.inits import INIT_NAMES

NET = ("x = [1.0, -0.5, 0.25]\n"
       "W1 = xavier(5, 3, seed=7); b1 = zeros(5)\n"
       "W2 = randn(4, 5, scale=0.1)\n"           # unseeded: the parser gives it seed 1
       "W3 = zeros(2, 4)\n"
       "E = frozen(randn(3, 3, seed=9))\n"
       "h1 = tanh(W1 @ (E @ x) + b1)\n"
       "h2 = tanh(W2 @ h1)\n"
       "loss = sum(W3 @ h2)\n")


def leaves(doc: dict) -> dict[str, dict]:
    return {n["name"]: n for n in doc["nodes"] if n["kind"] == "leaf"}


def test_as_written_the_document_says_no_switch() -> None:
    assert trace(NET).to_dict()["init"] is None


@pytest.mark.parametrize("init, made", [("naive", "randn"), ("xavier", "xavier"), ("he", "kaiming"),
                                        ("zeros", "zeros")])
def test_every_weight_matrix_is_redrawn_keeping_its_shape_and_seed(init, made) -> None:
    before, after = leaves(trace(NET).to_dict()), leaves(trace(NET, init).to_dict())
    assert trace(NET, init).to_dict()["init"] == init
    for name in ("W1", "W2", "W3"):
        a, b = before[name], after[name]
        assert b["shape"] == a["shape"] and b["attrs"]["init"] == made
        assert b["attrs"]["switched_from"] == a["attrs"]["init"]
        if made != "zeros":
            assert b["attrs"]["seed"] == a["attrs"].get("seed", a["id"])   # a zeros matrix: its id
    # W2 = randn(scale=0.1) as naive is randn at scale 1 with the same seed: ten times the values
    if init == "naive":
        np.testing.assert_allclose(np.array(after["W2"]["value"]), 10 * np.array(before["W2"]["value"]))
    # biases, frozen inputs and literals keep what they were
    for name in ("x", "b1", "E"):
        assert after[name]["value"] == before[name]["value"] and after[name]["attrs"] == before[name]["attrs"]


def test_the_switched_values_are_the_constructors_own_draws() -> None:
    he = leaves(trace(NET, "he").to_dict())
    rng = np.random.default_rng(7)          # W1's seed, drawn as He: normal with Var = 2 / n_in
    np.testing.assert_array_equal(np.array(he["W1"]["value"]), math.sqrt(2 / 3) * rng.standard_normal((5, 3)))
    xavier = leaves(trace(NET, "xavier").to_dict())
    bound = math.sqrt(6 / (5 + 4))          # W2 is 4 × 5: n_out 4, n_in 5
    np.testing.assert_array_equal(np.array(xavier["W2"]["value"]),
                                  np.random.default_rng(1).uniform(-bound, bound, size=(4, 5)))


def test_values_differ_between_choices_and_a_trace_is_repeatable() -> None:
    docs = {init: trace(NET, init).to_dict() for init in INIT_NAMES}
    outs = {init: json.dumps(leaves(d)["W1"]["value"]) for init, d in docs.items()}
    assert len(set(outs.values())) == len(INIT_NAMES)
    assert trace(NET, "he").to_dict() == docs["he"]


@pytest.mark.parametrize("init, variance", [
    ("naive", lambda n_out, n_in: 1.0),
    ("xavier", lambda n_out, n_in: 2.0 / (n_in + n_out)),
    ("he", lambda n_out, n_in: 2.0 / n_in),
])
def test_each_choice_draws_with_the_variance_it_promises(init, variance) -> None:
    t = trace("W = zeros(300, 200)\nf = sum(W)", init)
    w = t.nodes[0].value
    stats = t.to_dict()["nodes"][0]["stats"]["init"]
    assert stats["variance"] == pytest.approx(variance(300, 200), rel=1e-12)
    assert w.var() == pytest.approx(variance(300, 200), rel=0.02)        # 60,000 draws
    assert abs(w.mean()) < 4 * math.sqrt(variance(300, 200) / w.size)


def test_zeros_make_every_weight_zero_and_the_document_says_it_measured_zero() -> None:
    node = trace("W = xavier(6, 4, seed=2)\nf = sum(W @ [1.0, 2.0, 3.0, 4.0])", "zeros").to_dict()["nodes"][0]
    assert not np.any(np.array(node["value"])) and node["stats"]["init"]["measured_variance"] == 0.0


def test_a_program_without_weight_matrices_says_so_and_is_unchanged() -> None:
    t = trace("x = randn(4, seed=1)\nf = sum(x * x)", "he")
    assert t.to_dict()["messages"][0]["message"].startswith("the initialization switch (he) found no weight")
    assert t.to_dict()["nodes"][0]["value"] == trace("x = randn(4, seed=1)\nf = sum(x * x)").to_dict()["nodes"][0]["value"]


def test_an_unknown_initialization_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown initialization 'glorot': choose one of naive, xavier, he, zeros"):
        trace(NET, "glorot")


def test_the_command_line_traces_with_init(tmp_path, capsys) -> None:
    f = tmp_path / "net.py"
    f.write_text(NET)
    assert cli(["trace", str(f), "--init", "he"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["init"] == "he" and leaves(doc)["W1"]["attrs"]["init"] == "kaiming"
    with pytest.raises(SystemExit) as e:
        cli(["trace", str(f), "--init", "glorot"])
    assert e.value.code == 2
    assert "invalid choice: 'glorot' (choose from" in capsys.readouterr().err
