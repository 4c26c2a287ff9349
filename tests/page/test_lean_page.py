"""The page reads the lean document back (studio/lean.js) to the full document, and shows a
big tensor's summary on a canvas with exact entries on demand, in a real browser."""
from __future__ import annotations

import json
import urllib.parse
import urllib.request

from app.examples import EXAMPLES
from engine import trace
from tests.page.test_browser import open_studio

BIG = "W = randn(300, 300, seed=1)\nx = randn(300, seed=2)\ns = sum(tanh(W @ x))"


def test_the_page_reads_the_lean_document_back_to_the_full_one(page):
    src = next(e["source"] for e in EXAMPLES if e["id"] == "window-classifier")
    open_studio(page, "#program=" + urllib.parse.quote(src) + "&step=0")
    steps = page.evaluate("""() => JSON.stringify(window.studio.state.doc.trace.steps.map((s) => s.phase === "forward"
        ? { phase: s.phase, node: s.node, value: s.value }
        : { phase: s.phase, node: s.node, upstream: s.upstream,
            contributions: s.contributions.map((c) => ({ from: c.from, position: c.position, downstream: c.downstream })),
            edges: s.edges.map((e) => ({ input: e.input, position: e.position, downstream: e.downstream })) }))""")
    full = trace(src).to_dict()["steps"]
    expected = [{"phase": s["phase"], "node": s["node"], "value": s["value"]} if s["phase"] == "forward" else
                {"phase": s["phase"], "node": s["node"], "upstream": s["upstream"],
                 "contributions": [{"from": c["from"], "position": c["position"], "downstream": c["downstream"]}
                                   for c in s["contributions"]],
                 "edges": [{"input": e["input"], "position": e["position"], "downstream": e["downstream"]}
                           for e in s["edges"]]} for s in full]
    assert json.loads(steps) == expected


def test_a_big_tensor_shows_its_summary_and_exact_entries(wide):
    page = wide
    open_studio(page, "#program=" + urllib.parse.quote(BIG) + "&step=10")
    page.click("#order li:first-child button")                     # W
    page.wait_for_selector("#panel-node .tensor.big canvas.preview")
    t = trace(BIG)
    w = t.nodes[0]
    mean = page.inner_text('#panel-node [data-field="value"] [data-stat="mean"]')
    assert float(mean.replace("−", "-")) == float(f"{w.value.mean():.4g}")
    size = page.evaluate("(() => { const c = document.querySelector('#panel-node canvas.preview'); return [c.width, c.height]; })()")
    assert size[0] > 100 and size[0] == size[1]
    # a click on the preview's block at row 2, column 3 fetches that block's exact entries
    box = page.locator('#panel-node [data-field="value"] canvas.preview').bounding_box()
    cells = 60                                   # 300 rows in blocks of 5
    page.mouse.click(box["x"] + (3.5 / cells) * box["width"], box["y"] + (2.5 / cells) * box["height"])
    page.wait_for_selector('#panel-node [data-field="value"] .big-window table')
    assert "rows 10–17, columns 15–22" in page.inner_text('#panel-node [data-field="value"] .big-window')
    first = page.get_attribute('#panel-node [data-field="value"] .big-window td[data-i="0"][data-j="0"]', "title")
    assert float(first.replace("−", "-")) == float(f"{w.value[10, 15]:.4g}")
    page.screenshot(path="/tmp/lean-big-tensor.png")
