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


def test_the_order_list_and_first_panel_show_before_the_drawing_arrives(page):
    """/api/trace answers without the drawing; while /api/drawing is held back, the order list,
    the panel and stepping work and the graph box says it is drawing; then the drawing comes."""
    from bench.programs import scalar_program
    from tests.page.test_browser import keys, step_label
    src = scalar_program(1_000, seed=1)
    open_studio(page)
    held = []
    page.route("**/api/drawing", lambda route: held.append(route))
    page.evaluate("""(src) => { const t = document.querySelector('#source'); t.value = src;
        t.dispatchEvent(new Event('input', { bubbles: true })); t.focus(); }""", src)   # as a paste
    page.keyboard.press("Control+Enter")
    page.wait_for_selector('#graph[data-drawing="pending"]', state="attached")
    assert "Drawing the graph" in page.inner_text("#graph-message")
    assert page.locator("#graph svg").count() == 0
    nodes = len(trace(src).nodes)
    page.wait_for_function(f"document.querySelectorAll('#order li').length === {nodes}")
    assert page.inner_text("#panel-title .nt-name")                 # the first panel: the output
    keys(page, "ArrowRight", 3)
    assert step_label(page).startswith("Step 3 /")
    page.locator('#order li[data-node="0"] button').click()
    assert page.inner_text("#panel-title .nt-name") == "w0"
    assert len(held) == 1 and page.locator('#graph[data-drawing="pending"]').count() == 1
    held[0].continue_()
    page.wait_for_selector('#graph[data-drawing="done"]', state="attached")
    page.wait_for_selector("#graph g.node", state="attached")
    assert page.locator("#graph-message").is_hidden()
    assert step_label(page).startswith("Step 3 /")                  # the step and the pick stay
    assert page.inner_text("#panel-title .nt-name") == "w0"


def test_a_big_program_steps_before_its_details_arrive(page):
    """A program over 1,000 nodes: the order list lists every node (only the rows in view are in
    the page), the forward steps step at once, and while /api/details is held back a backward
    step's panel and narration say its details are coming; once they come, the same step shows
    its edges with the engine's numbers."""
    from bench.programs import scalar_program
    from tests.page.test_browser import step_label
    src = scalar_program(1_500, seed=3)
    t = trace(src)
    nodes, total = len(t.nodes), len(t.to_dict()["steps"])
    open_studio(page)
    held = []
    page.route("**/api/details", lambda route: held.append(route))
    page.evaluate("""(src) => { const t = document.querySelector('#source'); t.value = src;
        t.dispatchEvent(new Event('input', { bubbles: true })); t.focus(); }""", src)
    page.keyboard.press("Control+Enter")
    page.wait_for_function("(s) => document.querySelector('#step-label').textContent.startsWith(s)", arg=f"Step 0 / {total}")
    rows = page.locator("#order li[data-node]").count()
    assert 0 < rows < 150 < nodes                                     # the rows in view, not all
    page.evaluate("() => { const ol = document.querySelector('#order'); ol.scrollTop = ol.scrollHeight; }")
    page.wait_for_selector(f'#order li[data-node="{nodes - 1}"]', state="attached")
    assert page.locator('#order li[data-node="0"]').count() == 0
    # a backward step before the details: said to be coming
    page.wait_for_function("() => document.querySelector('#graph').dataset.drawing === 'done'")
    page.evaluate(f"() => studio.setStep({nodes + 3})")
    k = nodes + 3
    node = t.to_dict()["steps"][k - 1]["node"]
    page.wait_for_selector('#panel-node [data-field="details-pending"]')
    assert "Working out" in page.inner_text("#narration")
    assert page.locator(f'#order li.current[data-node="{node}"]').count() == 1     # its row made and in view
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_selector('#panel-node [data-field="details-pending"]', state="detached")
    page.wait_for_selector("#panel-node .edge-card, #panel-node .meta")
    assert step_label(page).startswith(f"Step {k} / {total}")
    full = t.to_dict()["steps"][k - 1]
    cards = page.locator("#panel-node .edge-card")
    assert cards.count() == len(full["edges"])
    assert "Working out" not in page.inner_text("#narration")
    if full["edges"]:
        assert page.locator(f'#panel-node .edge-card[data-input="{full["edges"][0]["input"]}"]').count() == 1
    # every backward step now reads back as the engine's
    got = page.evaluate("""() => studio.state.doc.trace.steps.filter((s) => s.phase === "backward")
        .map((s) => [s.node, s.edges.map((e) => [e.input, e.position, e.local])])""")
    assert got == [[s["node"], [[e["input"], e["position"], e["local"]] for e in s["edges"]]]
                   for s in t.to_dict()["steps"] if s["phase"] == "backward"]
    # the long list keeps a focused row as it scrolls, and Tab walks it; its rows say the list's length
    page.evaluate("() => { document.querySelector('#order').scrollTop = 0; }")
    page.wait_for_selector('#order li[data-node="3"]', state="attached")
    page.focus('#order li[data-node="3"] button')
    page.evaluate("() => { document.querySelector('#order').scrollTop += 60; }")
    page.wait_for_timeout(100)
    focused = "() => document.activeElement.closest('#order li')?.dataset.node"
    assert page.evaluate(focused) == "3"
    for _ in range(40):
        page.keyboard.press("Tab")
    assert page.evaluate(focused) == "43"
    assert page.get_attribute('#order li[data-node="43"]', "aria-setsize") == str(nodes)
    assert page.get_attribute('#order li[data-node="43"]', "aria-posinset") == "44"
