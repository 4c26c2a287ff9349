"""The HTML player's content (drawing/player.py): every step's graph is the drawing of that
step, byte for byte; the panel's numbers are the lecture's and finite differences'; the file holds
everything it shows and lets nothing else in. (Opened and stepped in Chromium:
tests/page/test_player.py.)"""
from __future__ import annotations

import base64
import hashlib
import json
import re

import numpy as np
import pytest

from drawing import StepOutOfRange, render
from drawing.display import fmt_number
from drawing.player import player_data, player_html, player_script, svg_of
from engine import trace

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
LAYER = ("W = [[1.0, 2.0], [3.0, -1.0]]\nx = [0.5, -1.0]\nb = [0.1, 0.2]\n"
         "h = relu(W @ x + b)\ns = sum(h)")
PROGRAMS = {
    "lecture": LECTURE,
    "layer": LAYER,
    # frozen leaves and an inline constant: edges that carry no gradient
    "frozen": "e = frozen([0.1, -0.3])\nw = [0.5, 2.0]\nc = sum(e * w) * 3\n",
    "window": ("museums = [0.1, -0.3]\nx_in = [0.2, 0.0]\nParis = [0.5, 0.4]\nare = [-0.1, 0.2]\n"
               "amazing = [0.3, 0.3]\nx = concat(museums, x_in, Paris, are, amazing)\n"
               "W = xavier(4, 10, seed=0)\nb = zeros(4)\nu = [1.0, -0.5, 0.25, 2.0]\n"
               "h = relu(W @ x + b)\ns = u @ h\n"),
}


def svg_tag_on(svg: bytes) -> str:
    text = svg.decode("utf-8")
    return text[text.find("<svg"):]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_every_step_of_the_player_is_the_drawing_of_that_step(name):
    doc = trace(PROGRAMS[name]).to_dict()
    data = player_data(doc)
    total = len(doc["steps"])
    assert (data["first"], data["last"], data["total"]) == (0, total, total)
    assert len(data["frames"]["changes"]) == total and len(data["panels"]) == total + 1
    for k in range(total + 1):
        assert svg_of(data, k) == svg_tag_on(render(doc, "svg", k)), f"step {k}"


def test_a_range_of_steps_is_all_the_player_carries():
    doc = trace(LECTURE).to_dict()
    data = player_data(doc, first=4, last=9, direction="TB")
    assert [p["step"] for p in data["panels"]] == list(range(4, 10))
    assert len(data["frames"]["changes"]) == 5
    for k in range(4, 10):
        assert svg_of(data, k) == svg_tag_on(render(doc, "svg", k, direction="TB"))
    assert player_data(doc, first=12)["panels"][0]["step"] == 12


@pytest.mark.parametrize("first, last", [(5, 4), (-1, 3), (0, 13), (0, 2.5)])
def test_a_range_outside_the_steps_is_refused(first, last):
    doc = trace(LECTURE).to_dict()
    with pytest.raises(StepOutOfRange):
        player_html(doc, first=first, last=last)


def panel(doc: dict, data: dict, phase: str, symbol: str) -> dict:
    node = next(n["id"] for n in doc["nodes"] if n["symbol"] == symbol)
    return next(p for p in data["panels"] if p["phase"] == phase and p["node"] == node)


def rows(p: dict) -> dict[str, str]:
    return {label: text for label, text, _ in p["rows"]}


def test_the_panel_says_the_lectures_numbers():
    # f = (x + y) · max(y, z) at x = 1, y = 2, z = 0: f = 6, ∂f/∂x = 2, ∂f/∂y = 3 + 2 = 5, ∂f/∂z = 0
    doc = trace(LECTURE).to_dict()
    data = player_data(doc)
    assert rows(panel(doc, data, "forward", "f"))["value"] == "6"
    f = panel(doc, data, "backward", "f")
    assert rows(f)["upstream ∂f/∂f"] == "1  (the output)"
    assert f["intuition"].startswith("× switches")
    assert [e["title"] for e in f["edges"]] == ["to v3 = + (1st input)", "to v4 = max (2nd input)"]
    # downstream = local × upstream, in numbers: v3 receives max(y, z) = 2, v4 receives x + y = 3
    assert [dict((r[0], r[1]) for r in e["rows"])["= local × upstream"] for e in f["edges"]] == ["2 = 2 × 1", "3 = 3 × 1"]
    assert [e["rows"][0][1] for e in f["edges"]] == ["∂f/∂v3 = v4", "∂f/∂v4 = v3"]
    y = panel(doc, data, "backward", "y")
    assert rows(y)["upstream ∂f/∂y"] == "5" and rows(y)["sum"] == "5 = 3 + 2"
    assert y["note"].startswith("y feeds 2 nodes")
    assert rows(panel(doc, data, "backward", "x"))["upstream ∂f/∂x"] == "2"
    assert rows(panel(doc, data, "backward", "z"))["upstream ∂f/∂z"] == "0"
    mx = panel(doc, data, "backward", "v4")
    assert mx["intuition"].startswith("max routes")
    assert data["panels"][0]["phase"] == "start" and data["panels"][0]["node"] is None


def test_the_panel_of_a_layer_says_the_finite_differences_gradients():
    W0, x0, b0 = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([0.5, -1.0]), np.array([0.1, 0.2])

    def s(W, x, b) -> float:
        return float(np.maximum(W @ x + b, 0).sum())

    def numeric(which: int) -> np.ndarray:
        """∂s/∂(W, x or b) by two-sided differences, entry by entry."""
        args = [W0, x0, b0]
        grad = np.zeros_like(args[which])
        for i in np.ndindex(grad.shape):
            plus, minus = [a.copy() for a in args], [a.copy() for a in args]
            plus[which][i] += 1e-6
            minus[which][i] -= 1e-6
            grad[i] = (s(*plus) - s(*minus)) / 2e-6
        return grad

    def text(g: np.ndarray) -> str:
        g = np.round(g, 6) + 0.0
        if g.ndim == 2:
            return "[" + ", ".join("[" + ", ".join(fmt_number(a) for a in row) + "]" for row in g) + "]"
        return "[" + ", ".join(fmt_number(a) for a in g) + "]"

    W_grad, x_grad, b_grad = numeric(0), numeric(1), numeric(2)
    doc = trace(LAYER).to_dict()
    data = player_data(doc)
    for name, g in (("W", W_grad), ("x", x_grad), ("b", b_grad)):
        assert rows(panel(doc, data, "backward", name))[f"upstream ∂s/∂{name}"] == text(g)
    matmul = next(p for p in data["panels"] if p["phase"] == "backward" and p["label"].endswith("@"))
    to_w = next(e for e in matmul["edges"] if e["title"].startswith("to W"))
    assert "δ xᵀ" in to_w["rows"][2][1] and to_w["rows"][3][1] == text(W_grad)


def test_edges_that_carry_no_gradient_say_why():
    doc = trace(PROGRAMS["frozen"]).to_dict()
    data = player_data(doc)
    skipped = [e for p in data["panels"] for e in p["edges"] if e["skipped"]]
    assert {e["title"].split(" (")[0] for e in skipped} == {"to e", "to 3"}
    assert all(e["rows"][0][0] == "no gradient" for e in skipped)


def csp_of(html: str) -> str:
    return re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)[1]


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def test_the_html_holds_everything_and_allows_nothing_else():
    html = player_html(trace(LECTURE).to_dict())
    csp = csp_of(html)
    assert csp.startswith("default-src 'none';") and "unsafe" not in csp
    scripts = re.findall(r"<script type=\"module\">(.*?)</script>", html, re.S)
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(scripts) == 1 and len(styles) == 1
    assert scripts[0].startswith(player_script())
    # only the inline script and style run: each allowed by its hash, nothing by origin
    assert f"script-src {sha256(scripts[0])};" in csp and f"style-src {sha256(styles[0])};" in csp
    # nothing that would load: no src or href attribute, no url(), no @import
    assert not re.search(r"\s(?:src|href|xlink:href)\s*=|url\(|@import", html)
    assert html.count("<script") == 2 and html.count("</script>") == 2


def test_user_text_cannot_close_the_data_or_the_script():
    source = "x = 2.0  # </script><script>alert(1)</script> \u2028\nf = x * x"
    doc = trace(source).to_dict()
    html = player_html(doc)
    assert html.count("</script>") == 2 and "alert(1)</script>" not in html
    data = json.loads(re.search(r'<script type="application/json" id="bp-data">(.*?)</script>', html, re.S)[1])
    assert data["source"] == doc["source"]


def test_a_trace_without_a_backward_pass_says_why_at_its_last_step():
    doc = trace("x = [1.0, 2.0]\ny = x * 2").to_dict()
    data = player_data(doc)
    assert [p["phase"] for p in data["panels"]] == ["start", "forward", "forward", "forward"]
    assert data["panels"][-1]["note"] == "the output 'y' has shape (2,); backward needs a scalar output: try sum(y)"
    assert [p["note"] for p in data["panels"][:-1]] == [None, None, None]
