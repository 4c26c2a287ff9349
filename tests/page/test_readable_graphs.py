"""Readable graphs, inactive edges and the program following the step, in a real browser at
a 1400×900 window: every example starts with node text at 11 px or more (small graphs whole,
laid out the way they fit), the layout toggle redraws the other way and the exports follow
it, edges into frozen leaves carry no gradient flow, and the editor marks the source of the
current or clicked node."""
from __future__ import annotations

import urllib.parse
import xml.etree.ElementTree as ET

import pytest

from app.examples import example_by_id

MIN_TEXT_PX = 11

# Each node's text size on screen (its font size times the scale it is drawn at), whether it
# is inside the graph box, and where its centre is, by node id.
NODES_ON_SCREEN = """() => {
    const box = document.querySelector('#graph').getBoundingClientRect();
    const out = {};
    for (const g of document.querySelectorAll('#graph g.node')) {
        const texts = [...g.querySelectorAll('text')];
        const px = Math.min(...texts.map((t) => Number(t.getAttribute('font-size')) * t.getScreenCTM().a));
        const r = g.getBoundingClientRect();
        out[g.dataset.node] = { px, inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5 &&
                                            r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5,
                                x: r.left + r.width / 2, y: r.top + r.height / 2,
                                glyph: texts[0].getBoundingClientRect().height };
    }
    return out;
}"""


def open_example(page, name: str, step: int = 0) -> None:
    source = example_by_id(name)["source"].rstrip("\n")
    page.goto(page.base_url + "/#program=" + urllib.parse.quote(source) + f"&step={step}")
    page.wait_for_selector("body[data-ready=true]")


def orientation(svg: bytes) -> str:
    """"LR" for a drawing wider than tall, else "TB"."""
    _, _, w, h = (float(v) for v in ET.fromstring(svg).get("viewBox").split())
    return "LR" if w > h else "TB"


@pytest.mark.parametrize("name,whole", [("two-layer", True), ("lecture", True), ("window-classifier", False)])
def test_every_example_starts_with_node_text_of_11_px_or_more(wide, name, whole):
    open_example(wide, name)
    nodes = wide.evaluate(NODES_ON_SCREEN)
    assert nodes
    small = {i: round(n["px"], 2) for i, n in nodes.items() if n["px"] < MIN_TEXT_PX - 1e-6}
    assert not small, f"{name}: node text below {MIN_TEXT_PX} px: {small}"
    assert all(n["glyph"] >= MIN_TEXT_PX for n in nodes.values())
    if whole:                                          # small graphs fit whole at that size
        assert all(n["inside"] for n in nodes.values()), f"{name}: not all of it on screen"
    else:                                              # a bigger one shows a part, with the map
        assert wide.locator("#minimap").is_visible()


def test_the_two_layer_network_is_drawn_top_to_bottom_and_the_toggle_redraws_it(wide):
    open_example(wide, "two-layer", 7)
    graph = wide.locator("#graph")
    assert graph.get_attribute("data-direction") == "TB"
    nodes = wide.evaluate(NODES_ON_SCREEN)
    assert nodes["10"]["y"] - nodes["0"]["y"] > abs(nodes["10"]["x"] - nodes["0"]["x"])   # x above the loss
    assert "TB" in wide.inner_text("#btn-direction")
    wide.click("#btn-direction")
    wide.wait_for_selector("#graph[data-direction=LR]")
    nodes = wide.evaluate(NODES_ON_SCREEN)
    assert nodes["10"]["x"] - nodes["0"]["x"] > abs(nodes["10"]["y"] - nodes["0"]["y"])   # x left of the loss
    assert all(n["px"] >= MIN_TEXT_PX - 1e-6 for n in nodes.values())   # too wide: it starts readable
    assert wide.evaluate("window.studio.state.view.step") == 7              # the step stays
    assert "LR" in wide.inner_text("#btn-direction")
    # The exports follow the toggle: the SVG and the PNG downloaded are laid out the same way.
    with wide.expect_download() as download:
        wide.click("[data-export=svg]")
    with open(download.value.path(), "rb") as f:
        assert orientation(f.read()) == "LR"
    wide.click("#btn-direction")
    wide.wait_for_selector("#graph[data-direction=TB]")
    with wide.expect_download() as download:
        wide.click("[data-export=svg]")
    with open(download.value.path(), "rb") as f:
        assert orientation(f.read()) == "TB"


def test_edges_into_frozen_leaves_look_inactive_and_carry_no_flow(wide):
    open_example(wide, "frozen-word-vectors")
    doc = wide.evaluate("window.studio.state.doc.trace")
    concat = next(n["id"] for n in doc["nodes"] if n["name"] == "x")
    k = next(i for i, s in enumerate(doc["steps"], start=1) if s["phase"] == "backward" and s["node"] == concat)
    wide.evaluate(f"window.studio.setStep({k})")
    edges = wide.evaluate("""(node) => [...document.querySelectorAll('#graph g.edge')]
        .filter((g) => g.id.split('-')[2] === String(node))         // edge-<input>-<node>-<position>
        .map((g) => ({ id: g.id, cls: g.getAttribute('class'), grad: g.querySelector('text.grad').textContent,
                       fill: getComputedStyle(g.querySelector('text.grad')).fill,
                       stroke: getComputedStyle(g.querySelector('path')).stroke }))""", concat)
    assert len(edges) == 5
    for e in edges:
        assert "inactive" in e["cls"].split() and "hot" not in e["cls"].split(), e
        assert e["grad"] == "frozen: no ∂"
        assert e["stroke"] == "rgb(203, 213, 225)" and e["fill"] == "rgb(148, 163, 184)"
    assert wide.locator("#graph svg.flow-layer path").count() == 0      # no gradient flows along them
    # A node whose inputs take a gradient still shows the flow.
    v9 = doc["nodes"][concat + 4]["id"]
    k9 = next(i for i, s in enumerate(doc["steps"], start=1) if s["phase"] == "backward" and s["node"] == v9)
    wide.evaluate(f"window.studio.setStep({k9})")
    assert wide.locator("#graph svg.flow-layer path").count() == 2


def test_the_editor_marks_the_source_of_the_current_and_the_clicked_node(wide):
    open_example(wide, "two-layer")
    doc = wide.evaluate("window.studio.state.doc.trace")
    mark = wide.locator("#mirror mark.step")
    by_name = {n["name"]: n for n in doc["nodes"] if n["name"]}
    assert mark.inner_text() == ""                                      # step 0: nothing current
    for node in (by_name["h"], by_name["loss"], doc["nodes"][5], by_name["W1"]):
        k = next(i for i, s in enumerate(doc["steps"], start=1) if s["node"] == node["id"])
        wide.evaluate(f"window.studio.setStep({k})")
        assert mark.inner_text() == node["expr"], node["id"]
    assert by_name["h"]["expr"] == "tanh(W1 @ x + b1)"
    # The mark sits over exactly that text: it starts at the node's column on its line.
    wide.evaluate("window.studio.setStep(0)")
    wide.locator(f"#graph g.node[data-node='{by_name['W2']['id']}']").click()
    assert mark.inner_text() == "xavier(2, 4, seed=2)"
    before = wide.evaluate("document.querySelector('#mirror').firstChild.data")
    assert before.endswith("W2 = ") and before.count("\n") == by_name["W2"]["line"] - 1
    # An edited program no longer matches the trace: no mark until it runs again.
    wide.locator("#source").press("End")
    wide.locator("#source").type(" ")
    wide.evaluate("window.studio.setStep(3)")
    assert mark.count() == 0 or mark.inner_text() == ""
