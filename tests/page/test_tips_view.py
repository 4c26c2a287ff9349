"""The practical tips in a real browser: a tensor node's statistics in the node panel (checked
against the document and against numpy), the Tips view's layer view of the 6-layer tanh
network, the initialization switch with its symmetric zeros column, the activation explorer
opened from a tanh node with that node's inputs marked, and the view's settings in the link."""
from __future__ import annotations

import json
import urllib.request

import numpy as np

from tests.page.test_browser import keys, load_example, open_studio, run

SCREENSHOTS = "/tmp"
TWO_LAYER_H = 7          # h = tanh(W1 @ x + b1) in the gallery's two-layer network
TWO_LAYER_W1 = 1         # W1 = xavier(4, 3, seed=1)


def post(page, path: str, body: dict) -> dict:
    req = urllib.request.Request(page.base_url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def fmt4(x: float) -> str:
    """A number as the page writes it (Python's .4g, as format.js's fmt)."""
    return format(x, ".4g")


def pick(page, node: int) -> None:
    page.locator(f'#order li[data-node="{node}"] button').click()
    page.wait_for_selector(f'#panel-title[data-node="{node}"]')


def stat_cells(page, part: str) -> dict[str, str]:
    """The panel's statistics column `part` ("value" or "grad"): {mean: "…", …}."""
    return page.evaluate("""(part) => Object.fromEntries([...document.querySelectorAll('#panel-node [data-field="stats"] tr[data-stat]')]
        .map(tr => [tr.dataset.stat, tr.querySelector(`td[data-part="${part}"]`).textContent]))""", part)


# ---------------------------------------------------------------- the node panel

def test_a_tensor_nodes_statistics_match_the_document_and_numpy(page):
    open_studio(page)
    load_example(page, "two-layer")
    doc = post(page, "/api/trace", {"source": page.input_value("#source")})
    node = doc["nodes"][TWO_LAYER_H]
    shown = doc["display"]["nodes"] if isinstance(doc["display"]["nodes"], list) else doc["display"]["nodes"]
    value_at, grad_at = shown[TWO_LAYER_H]["value_at"], shown[TWO_LAYER_H]["grad_at"]
    # Before its forward step: no statistics at all.
    page.evaluate("(k) => window.studio.setStep(k)", value_at - 1)
    pick(page, TWO_LAYER_H)
    assert page.locator('#panel-node [data-field="statistics"]').count() == 0
    # After its forward step: the value's column, the gradient's waits for its backward step.
    page.evaluate("(k) => window.studio.setStep(k, { keepSelection: true })", value_at)
    page.wait_for_selector('#panel-node [data-field="statistics"]')
    value = np.array(node["value"], dtype=float)
    cells = stat_cells(page, "value")
    reference = {"mean": value.mean(), "std": value.std(), "min": value.min(), "max": value.max(), "norm": np.linalg.norm(value)}
    for key, ref in reference.items():
        assert cells[key] == fmt4(node["stats"]["value"][key]) == fmt4(ref), key
    assert set(stat_cells(page, "grad").values()) == {"—"}
    assert f"after step {grad_at}" in page.inner_text('#panel-node [data-field="grad-hist"]')
    sat = page.inner_text('#panel-node [data-field="statistics"] [data-field="saturated"]')
    share = float(np.mean(np.abs(value) > 0.97))
    assert "|tanh| > 0.97" in sat and sat.startswith(f"{100 * share:.0f}% saturated")
    # The value's histogram: one bar per nonempty bin, every entry counted.
    counts = node["stats"]["value"]["histogram"]["counts"]
    hist = page.locator('#panel-node [data-field="value-hist"] svg.hist')
    assert hist.get_attribute("data-total") == str(value.size) == str(sum(counts))
    assert hist.locator("rect").count() == sum(1 for c in counts if c)
    assert np.histogram(value, bins=len(counts))[0].tolist() == counts
    # At its backward step: the gradient's column, against numpy on the step's upstream.
    page.evaluate("(k) => window.studio.setStep(k, { keepSelection: true })", grad_at)
    page.wait_for_selector('#panel-node [data-field="grad-hist"] svg.hist')
    upstream = np.array(next(s for s in doc["steps"] if s["phase"] == "backward" and s["node"] == TWO_LAYER_H)["upstream"], dtype=float)
    grad_cells = stat_cells(page, "grad")
    for key, ref in {"mean": upstream.mean(), "std": upstream.std(), "min": upstream.min(), "max": upstream.max(), "norm": np.linalg.norm(upstream)}.items():
        assert grad_cells[key] == fmt4(node["stats"]["grad"][key]) == fmt4(ref), key
    page.locator('#panel-node [data-field="statistics"]').screenshot(path=f"{SCREENSHOTS}/i14_panel_stats.png")


def test_a_xavier_leaf_shows_the_variance_it_was_drawn_with_beside_the_measured_one(page):
    open_studio(page)
    load_example(page, "two-layer")
    doc = post(page, "/api/trace", {"source": page.input_value("#source")})
    keys(page, "End")
    pick(page, TWO_LAYER_W1)
    line = page.inner_text('#panel-node [data-field="init"]')
    w1 = np.array(doc["nodes"][TWO_LAYER_W1]["value"], dtype=float)
    assert "xavier" in line and "2 / (n_in + n_out)" in line
    assert page.inner_text('#panel-node [data-field="init-variance"]') == fmt4(2 / (4 + 3))
    assert page.inner_text('#panel-node [data-field="init-measured"]') == fmt4(w1.var())
    assert f"±{fmt4(np.sqrt(6 / 7))}" in line
    # A scalar node has no statistics.
    pick(page, len(doc["nodes"]) - 1)
    assert page.locator('#panel-node [data-field="statistics"]').count() == 0
