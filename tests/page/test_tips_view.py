"""The practical tips in a real browser: a tensor node's statistics in the node panel (checked
against the document and against numpy), the Tips view's layer view of the 6-layer tanh
network, the initialization switch with its symmetric zeros column, the activation explorer
opened from a tanh node with that node's inputs marked, and the view's settings in the link."""
from __future__ import annotations

import json
import urllib.request

import numpy as np

from tests.engine.reference import read_back
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


def percent(fraction: float) -> str:
    """A fraction as the page writes it: whole percents from 10% (and 0, 100), else one decimal."""
    p = 100 * fraction
    return f"{p:.0f}%" if p in (0, 100) or p >= 10 else f"{p:.1f}%"


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
    assert "|tanh| > 0.97" in sat and sat.startswith(f"{percent(share)} saturated")
    # The value's histogram: one bar per nonempty bin, every entry counted.
    counts = node["stats"]["value"]["histogram"]["counts"]
    hist = page.locator('#panel-node [data-field="value-hist"] svg.hist')
    assert hist.get_attribute("data-total") == str(value.size) == str(sum(counts))
    assert hist.locator("rect").count() == sum(1 for c in counts if c)
    assert np.histogram(value, bins=len(counts))[0].tolist() == counts
    # At its backward step: the gradient's column, against numpy on the step's upstream.
    page.evaluate("(k) => window.studio.setStep(k, { keepSelection: true })", grad_at)
    page.wait_for_selector('#panel-node [data-field="grad-hist"] svg.hist')
    full = read_back({k: doc[k] for k in ("source", "init", "output", "backward", "lean", "messages", "nodes", "steps")})
    upstream = np.array(next(s for s in full["steps"] if s["phase"] == "backward" and s["node"] == TWO_LAYER_H)["upstream"], dtype=float)
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


# ---------------------------------------------------------------- the Tips view

DEEP = "deep-tanh"       # the gallery's 6-layer tanh network


def show_tips(page, part: str = "layers") -> None:
    page.click('[data-view="tips"]')
    page.click(f'[data-tip="{part}"]')


def bar_width(page, cell) -> float:
    return cell.locator('[data-field="grad-norm"] i').evaluate("i => i.getBoundingClientRect().width")


def test_the_layer_view_of_the_6_layer_tanh_network(wide):
    page = wide
    open_studio(page)
    load_example(page, DEEP)
    answer = post(page, "/api/layers", {"source": page.input_value("#source"), "inits": [None]})["inits"][0]
    layers = answer["layers"]
    assert answer["error"] is None and len(layers) == 6
    show_tips(page)
    page.wait_for_selector('#tips-layers .layer-row[data-layer]')
    rows = page.locator('#tips-layers .layer-row[data-layer]')
    assert rows.count() == 6
    assert [rows.nth(i).get_attribute("data-layer") for i in range(6)] == [l["name"] for l in layers]
    widths = []
    for i, layer in enumerate(layers):
        row = rows.nth(i)
        assert row.locator('[data-field="grad-norm"]').inner_text() == format(layer["grad_norm"], ".3g")
        sat = layer["value"]["saturated"]
        text = row.locator('[data-field="saturated"]').inner_text()
        assert sat["rule"] in text and text.startswith(f"{percent(sat['fraction'])} saturated")
        counts = layer["value"]["histogram"]["counts"]
        assert row.locator('[data-field="value-hist"] rect').count() == sum(1 for c in counts if c)
        widths.append(bar_width(page, row))
    # The bars are the norms on one log scale: their lengths are in the norms' order, and
    # equal ratios of norm are equal steps of length.
    norms = np.array([l["grad_norm"] for l in layers])
    order = np.argsort(norms)
    assert np.all(np.diff(np.array(widths)[order]) >= -0.5)
    logs = np.log10(norms)
    if np.ptp(logs) > 0.1:
        slope = np.polyfit(logs, widths, 1)
        assert np.allclose(np.polyval(slope, logs), widths, atol=2.0)
    page.screenshot(path=f"{SCREENSHOTS}/i14_layers_1400.png")


def test_the_switch_shows_four_columns_and_the_zeros_column_says_symmetric(page, browser):
    open_studio(page)
    load_example(page, DEEP)
    show_tips(page)
    page.click('[data-init="compare"]')
    page.wait_for_selector('#tips-layers .layer-view.compare .layer-row[data-layer]')
    heads = page.locator('#tips-layers .init-head')
    assert [heads.nth(i).get_attribute("data-init") for i in range(heads.count())] == ["naive", "xavier", "he", "zeros"]
    answer = post(page, "/api/layers", {"source": page.input_value("#source"), "inits": ["naive", "xavier", "he", "zeros"]})["inits"]
    for entry in answer:
        cells = page.locator(f'#tips-layers .init-cell[data-init="{entry["init"]}"] .layer-row[data-layer]')
        assert cells.count() == len(entry["layers"]) == 6
        for i, layer in enumerate(entry["layers"]):
            assert float(cells.nth(i).locator('[data-field="grad-norm"]').get_attribute("data-norm")) == layer["grad_norm"]
    # zeros: every unit of a layer gets the same gradient, and the page says so.
    symmetric = [l["name"] for l in answer[3]["layers"] if l["symmetric"]["same"]]
    assert symmetric, "the server finds the zeros column symmetric"
    callout = page.inner_text('#tips-layers .init-note[data-init="zeros"] [data-field="symmetry"]')
    assert callout.startswith("zeros: Symmetric") and f"every unit of layer {symmetric[0]} gets the same gradient" in callout
    for name in symmetric:
        fact = page.inner_text(f'#tips-layers .init-cell[data-init="zeros"] .layer-row[data-layer="{name}"] [data-field="symmetric"]')
        assert f"every unit of layer {name} gets the same gradient" in fact
    for init in ("naive", "xavier", "he"):
        assert page.locator(f'#tips-layers [data-init="{init}"] [data-field="symmetry"]').count() == 0
    page.screenshot(path=f"{SCREENSHOTS}/i14_switch_1366.png")
    # A column opens its program traced with that initialization in the Graph view.
    runs = int(page.get_attribute("body", "data-runs"))
    page.click('#tips-layers .init-head[data-init="he"] [data-field="open-graph"]')
    page.wait_for_selector(f'body[data-runs="{runs + 1}"]', state="attached")
    assert page.get_attribute("main.layout", "data-view") == "graph"
    assert "He" in page.inner_text("#graph-init")
    he = post(page, "/api/trace", {"source": page.input_value("#source"), "init": "he"})
    shown = page.evaluate("() => window.studio.state.doc.trace.nodes.map(n => n.value)")
    assert shown == [n["value"] for n in he["nodes"]]
    assert "init=he" in page.url
    page.screenshot(path=f"{SCREENSHOTS}/i14_graph_he_1366.png")
    # The link opens the graph traced with He again.
    other = browser.new_page(viewport={"width": 1366, "height": 768})
    other.goto(page.url)
    other.wait_for_selector("body[data-ready=true]")
    assert "He" in other.inner_text("#graph-init")
    assert other.evaluate("() => window.studio.state.doc.trace.nodes.map(n => n.value)") == shown
    other.close()
    # and "as written" traces it as written again
    page.click('#graph-init [data-field="as-written"]')
    page.wait_for_selector(f'body[data-runs="{runs + 2}"]', state="attached")
    assert page.is_hidden("#graph-init") and "init=he" not in page.url


def test_the_explorer_opened_from_a_tanh_node_marks_that_nodes_inputs(page, browser):
    open_studio(page)
    load_example(page, "two-layer")
    doc = post(page, "/api/trace", {"source": page.input_value("#source")})
    keys(page, "End")
    pick(page, TWO_LAYER_H - 1)              # v6 = W1 @ x + b1: no nonlinearity, no explorer
    assert page.locator('#panel-node [data-field="explore"]').count() == 0
    pick(page, TWO_LAYER_H)
    assert page.locator('#panel-node [data-field="explore"]').count() == 1
    page.click('#panel-node [data-field="explore"]')
    page.wait_for_selector('#tips-activations .act-explorer[data-act="tanh"] g.marks')
    assert page.get_attribute("main.layout", "data-view") == "tips"
    marks = page.locator(f'#tips-activations g.marks[data-node="{TWO_LAYER_H}"] circle.mark-f')
    inputs = np.array(doc["nodes"][doc["nodes"][TWO_LAYER_H]["inputs"][0]]["value"], dtype=float)
    assert marks.count() == inputs.size
    assert sorted(float(marks.nth(i).get_attribute("data-x")) for i in range(marks.count())) == sorted(inputs.tolist())
    # Each mark sits on the server's sampled curve: (x, tanh x) and (x, 1 - tanh² x).
    on_curve = page.evaluate("""() => {
        const svg = document.querySelector('#tips-activations svg.act-plot');
        const line = (cls) => svg.querySelector(cls).getAttribute('points').split(' ').map(p => p.split(',').map(Number));
        const at = (pts, x) => { for (let i = 1; i < pts.length; i++) { const [x0, y0] = pts[i - 1], [x1, y1] = pts[i];
            if (x >= x0 && x <= x1) return y0 + (y1 - y0) * (x - x0) / ((x1 - x0) || 1); } return null; };
        const f = line('.curve-f'), d = line('.curve-d');
        const off = (sel, pts) => [...svg.querySelectorAll(sel)].map(c => Math.abs(at(pts, +c.getAttribute('cx')) - +c.getAttribute('cy')));
        return { f: off('circle.mark-f', f), d: off('circle.mark-d', d) };
    }""")
    assert len(on_curve["f"]) == len(on_curve["d"]) == inputs.size
    assert max(on_curve["f"]) < 2.0 and max(on_curve["d"]) < 2.0
    # tanh saturates on both sides: two shaded regions, the rule stated; the kink convention is stated where there is one.
    assert page.locator("#tips-activations rect.sat-region.saturated").count() == 2
    assert "|tanh| > 0.97" in page.inner_text('#tips-activations [data-field="saturated-rule"]')
    page.screenshot(path=f"{SCREENSHOTS}/i14_explorer_1366.png")
    page.click('#tips-activations [data-act="relu"]')
    assert "0" in page.inner_text('#tips-activations [data-field="kink"]')
    assert page.locator("#tips-activations rect.sat-region.dead").count() == 1
    page.click('#tips-activations [data-act="tanh"]')
    # The link restores the explorer with the same node's inputs marked.
    page.evaluate("() => window.studio.writeHash()")
    url = page.url
    assert "view=tips" in url and "tips=activations" in url and "act=tanh" in url and f"act-node={TWO_LAYER_H}" in url
    other = browser.new_page(viewport={"width": 1400, "height": 900})
    other.goto(url)
    other.wait_for_selector("body[data-ready=true]")
    other.wait_for_selector(f'#tips-activations g.marks[data-node="{TWO_LAYER_H}"]')
    assert other.locator("#tips-activations circle.mark-f").count() == inputs.size
    other.screenshot(path=f"{SCREENSHOTS}/i14_explorer_1400.png")
    other.close()


def test_the_switch_is_carried_in_the_link(page, browser):
    open_studio(page)
    load_example(page, DEEP)
    show_tips(page)
    page.click('[data-init="zeros"]')
    page.wait_for_selector('#tips-layers .init-cell[data-init="zeros"] .layer-row[data-layer]')
    url = page.url
    assert "view=tips" in url and "tips-init=zeros" in url
    other = browser.new_page(viewport={"width": 1366, "height": 768})
    other.goto(url)
    other.wait_for_selector("body[data-ready=true]")
    other.wait_for_selector('#tips-layers .init-note[data-init="zeros"] [data-field="symmetry"]')
    assert other.get_attribute('[data-init="zeros"][role="radio"]', "aria-checked") == "true"
    other.close()
