"""The page in a real browser: headless Chromium (Debian's package) against a real uvicorn
server. Each test does what a student would do and checks what they would read."""
from __future__ import annotations

import json
import re
import subprocess
import urllib.parse
import xml.etree.ElementTree as ET

import pytest

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
TOTAL = 12          # 6 forward steps + 6 backward steps
AT_PLUS = 9         # backward: 5 (×), 4 (max), 3 (+)
AT_Y = 11           # backward reaches y after z


# ---------------------------------------------------------------- helpers

def open_studio(page, hash_: str = "") -> None:
    page.goto(page.base_url + "/" + hash_)
    page.wait_for_selector("body[data-ready=true]")


def run(page, source: str, *, typed: bool = False) -> None:
    """Put a program in the editor and run it with Ctrl+Enter."""
    runs = int(page.get_attribute("body", "data-runs") or 0)
    editor = page.locator("#source")
    if typed:
        editor.fill("")
        editor.press_sequentially(source, delay=2)
    else:
        editor.fill(source)
    editor.press("Control+Enter")
    wait_runs(page, runs + 1)


def wait_runs(page, n: int) -> None:
    """Wait until the page has finished its n-th run (body[data-runs]; no eval: the CSP forbids it)."""
    page.wait_for_selector(f'body[data-runs="{n}"]', state="attached")


def step_label(page) -> str:
    return page.inner_text("#step-label")


def panel_field(page, field: str, input_id: int | None = None) -> str:
    scope = "#panel-node" if input_id is None else f'#panel-node .edge-card[data-input="{input_id}"]'
    return page.inner_text(f'{scope} [data-field="{field}"]').strip()


def node_text(page, node_id: int, line: int) -> str:
    return page.locator(f"#graph g#node-{node_id} text").nth(line).text_content()


def keys(page, key: str, times: int = 1) -> None:
    page.locator("#graph").focus()
    for _ in range(times):
        page.keyboard.press(key)


def node_geometry(page) -> dict:
    """Every node's and edge's drawn shapes, and the node boxes as laid out."""
    return page.evaluate("""() => {
        const out = {};
        for (const g of document.querySelectorAll('#graph g.node, #graph g.edge')) {
            const shapes = [...g.querySelectorAll('path, polygon')].map(e => e.getAttribute('d') || e.getAttribute('points'));
            const b = g.classList.contains('node') ? g.querySelector('path, polygon').getBBox() : null;
            out[g.id] = [shapes, b && [b.x, b.y, b.width, b.height]];
        }
        return out;
    }""")


# ---------------------------------------------------------------- tests

def test_type_run_and_read_the_lecture_numbers(page):
    open_studio(page)
    run(page, LECTURE, typed=True)
    assert step_label(page).startswith(f"Step 0 / {TOTAL}")
    assert page.locator("#graph g.node").count() == 6
    assert node_text(page, 5, 2) == "value —"

    keys(page, "ArrowRight", 6)                      # the whole forward pass
    assert node_text(page, 5, 2) == "value 6"
    assert node_text(page, 5, 3) == "grad —"
    assert "forward" in step_label(page)

    keys(page, "ArrowRight", AT_PLUS - 6)            # backward: ×, max, then +
    assert step_label(page).startswith(f"Step {AT_PLUS} / {TOTAL}")
    assert page.inner_text("#panel-title .nt-name") == "v3 = +"
    assert panel_field(page, "expr").startswith("v3 = x + y — unnamed")   # what v3 stands for
    assert page.locator("#graph g#node-3 > title").text_content().startswith("v3 = x + y")
    assert panel_field(page, "upstream") == "2"
    for x_or_y in (0, 1):                             # + distributes: local 1, downstream 2
        assert panel_field(page, "local", x_or_y) == "1"
        assert panel_field(page, "downstream", x_or_y) == "2"
    assert "distributes" in panel_field(page, "intuition")
    chain = panel_field(page, "chain", 0)
    assert "2=1×2" in chain.replace(" ", "").replace("\n", "")
    assert "current" in page.get_attribute("#graph g#node-3", "class")
    assert "hot" in page.get_attribute("#graph g#edge-0-3-0", "class")
    assert page.locator("#graph g#edge-0-3-0 text.grad").text_content() == "∂ 2"

    keys(page, "ArrowRight", AT_Y - AT_PLUS)         # y: two successors, gradients add
    assert page.inner_text("#panel-title .nt-name") == "y"
    assert panel_field(page, "upstream") == "5"
    contributions = page.locator("#panel-node .contribs li")
    assert sorted(contributions.nth(i).locator(".num").inner_text() for i in range(2)) == ["2", "3"]
    assert "sum" in page.inner_text("#panel-node .sumrule")
    assert node_text(page, 1, 3) == "grad 5"

    keys(page, "ArrowLeft")
    assert step_label(page).startswith(f"Step {AT_Y - 1} / {TOTAL}")
    assert node_text(page, 1, 3) == "grad —"
    keys(page, "End")
    assert step_label(page).startswith(f"Step {TOTAL} / {TOTAL}")
    keys(page, "Home")
    assert step_label(page).startswith(f"Step 0 / {TOTAL}")


def test_step_buttons_slider_and_play(page):
    open_studio(page)
    run(page, LECTURE)
    page.click("#step-next")
    page.click("#step-next")
    assert step_label(page).startswith("Step 2 /")
    page.click("#step-prev")
    assert step_label(page).startswith("Step 1 /")
    page.click("#step-last")
    assert step_label(page).startswith(f"Step {TOTAL} /")
    assert page.is_disabled("#step-next")
    page.click("#step-first")
    assert step_label(page).startswith("Step 0 /")
    assert page.is_disabled("#step-prev")
    page.locator("#step-slider").fill(str(AT_PLUS))
    assert page.inner_text("#panel-title .nt-name") == "v3 = +"
    page.select_option("#speed", "200")
    page.click("#step-first")
    page.click("#step-play")
    for _ in range(100):                             # 200 ms a step: 3 steps in well under 5 s
        if int(page.input_value("#step-slider")) >= 3:
            break
        page.wait_for_timeout(50)
    assert int(page.input_value("#step-slider")) >= 3
    page.click("#step-play")                         # pause
    paused = page.input_value("#step-slider")
    page.wait_for_timeout(500)
    assert page.input_value("#step-slider") == paused


def test_nodes_never_move_and_steps_need_no_request(page):
    open_studio(page)
    run(page, LECTURE)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    before = node_geometry(page)
    assert len([k for k in before if k.startswith("node-")]) == 6
    for _ in range(TOTAL):
        page.click("#step-next")
        assert node_geometry(page) == before
    for _ in range(TOTAL):
        keys(page, "ArrowLeft")
        assert node_geometry(page) == before
    server_calls = [u for u in requests if "/static/" not in u]   # fonts may load lazily
    assert server_calls == [], f"stepping made requests: {server_calls}"


def test_clicking_a_node_shows_it(page):
    open_studio(page)
    run(page, LECTURE)
    keys(page, "End")
    page.locator("#graph g#node-2").click()
    assert page.inner_text("#panel-title .nt-name") == "z"
    assert panel_field(page, "upstream") == "0"
    page.locator('#order li[data-node="4"] button').click()
    assert page.inner_text("#panel-title .nt-name") == "v4 = max"
    assert "routes" in panel_field(page, "intuition")
    assert panel_field(page, "downstream", 1) == "3"      # y won the max: it gets all 3
    assert panel_field(page, "downstream", 2) == "0"      # z lost: 0


def test_bad_program_marks_line_and_column_and_keeps_the_graph(page):
    open_studio(page)
    run(page, LECTURE)
    keys(page, "ArrowRight", 4)
    run(page, "x = 1.0\nf = x +* 2")
    error = page.locator("#error")
    assert error.is_visible()
    assert error.inner_text().startswith("Line 2, col 8")
    mark = page.locator("#mirror mark")
    assert (mark.get_attribute("data-line"), mark.get_attribute("data-col")) == ("2", "8")
    assert page.inner_text("#gutter .err") == "2"
    assert page.locator("#graph g.node").count() == 6               # previous graph stays
    assert "The graph still shows the last program that ran." in error.inner_text()
    assert step_label(page).startswith("Step 4 /")
    run(page, LECTURE)
    assert error.is_hidden()


def test_shared_link_restores_program_and_step(page, browser):
    open_studio(page)
    run(page, LECTURE)
    keys(page, "ArrowRight", AT_PLUS)
    page.wait_for_url(re.compile(f"&step={AT_PLUS}$"))       # written once stepping pauses
    url = page.url
    assert "#program=" in url
    other = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    try:
        other.goto(url)
        other.wait_for_selector("body[data-ready=true]")
        assert other.input_value("#source") == LECTURE
        assert other.input_value("#step-slider") == str(AT_PLUS)
        assert other.inner_text("#panel-title .nt-name") == "v3 = +"
        assert "current" in other.get_attribute("#graph g#node-3", "class")
        assert other.locator('#panel-node [data-field="upstream"]').inner_text().strip() == "2"
    finally:
        other.context.close()


def test_address_follows_steps_after_being_edited_by_hand(page):
    """A hand-edited address (here while a write of the address was still pending) loads that
    program and step, and later steps are written to the address again."""
    open_studio(page)
    run(page, LECTURE)
    runs = int(page.get_attribute("body", "data-runs"))
    keys(page, "ArrowRight", 1)                 # its address write is pending (250 ms)
    page.evaluate("(h) => { location.hash = h; }", "program=" + urllib.parse.quote(LECTURE) + "&step=2")
    wait_runs(page, runs + 1)
    assert page.input_value("#step-slider") == "2"
    keys(page, "ArrowRight", 3)
    page.wait_for_url(re.compile("&step=5$"))


def test_shared_link_for_another_example(page):
    source = "x = 3.0\ny = 2.0 * x\nz = x * x\nf = y + z"
    page.goto("about:blank")                                # a new page load, not a hash change
    open_studio(page, "#program=" + urllib.parse.quote(source) + "&step=99")
    assert page.input_value("#source") == source
    assert page.input_value("#step-slider") == page.get_attribute("#step-slider", "max")
    page.locator('#order li[data-node="0"] button').click()
    assert panel_field(page, "upstream") == "8"


def _download(page, fmt: str):
    with page.expect_download() as info:
        page.click(f'[data-export="{fmt}"]')
    d = info.value
    return d.suggested_filename, open(d.path(), "rb").read()


def test_each_export_downloads_a_valid_file(page):
    open_studio(page)
    run(page, LECTURE)
    keys(page, "ArrowRight", AT_PLUS)

    name, svg = _download(page, "svg")
    assert name == f"backprop-step-{AT_PLUS}.svg"
    root = ET.fromstring(svg)
    texts = {g.get("id"): [t.text for t in g.iter("{http://www.w3.org/2000/svg}text")]
             for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert texts["node-3"][3] == "grad 2" and texts["node-0"][3] == "grad —"

    name, png = _download(page, "png")
    assert name.endswith(".png") and png.startswith(b"\x89PNG\r\n\x1a\n")

    name, pdf = _download(page, "pdf")
    assert name.endswith(".pdf") and pdf.startswith(b"%PDF-")

    name, dot = _download(page, "dot")
    assert name.endswith(".dot")
    parsed = subprocess.run(["dot", "-Tjson0"], input=dot, capture_output=True, check=True)
    assert len(json.loads(parsed.stdout)["objects"]) == 6

    name, raw = _download(page, "json")
    doc = json.loads(raw)
    assert name == "backprop-trace.json"
    assert doc["source"] == LECTURE and len(doc["steps"]) == TOTAL
    assert "svg" not in doc


def test_gradient_check_button(page):
    open_studio(page)
    run(page, LECTURE)
    page.click("#tab-gradcheck")
    page.click("#btn-gradcheck")
    summary = page.locator("#gc-summary")
    summary.wait_for()
    assert summary.inner_text().startswith("Passed")
    assert page.locator("tr.leafrow").count() == 3
    y_row = page.locator('tr[data-leaf-entry="y"] td')
    assert y_row.nth(1).inner_text() == "5" and y_row.nth(2).inner_text() == "5"
    assert y_row.nth(4).inner_text() == "✓"


def test_examples_gallery_loads_the_window_classifier(page):
    open_studio(page)
    page.click("#btn-examples")
    assert page.locator("#examples-dialog").is_visible()
    runs = int(page.get_attribute("body", "data-runs"))
    page.click('[data-example="window-classifier"]')
    wait_runs(page, runs + 1)
    assert page.locator("#examples-dialog").is_hidden()
    assert page.locator("#graph g.node").count() == 13
    keys(page, "End")
    page.locator('#order li[data-node="6"] button').click()     # W
    assert page.inner_text("#panel-title .nt-name") == "W"
    assert page.get_attribute('#panel-node [data-field="upstream"] .tensor', "data-shape") == "4x10"
    assert panel_field(page, "expr").startswith("W = xavier(4, 10, seed=0)")
    clipped = page.evaluate("""() => [...document.querySelectorAll('#panel-node .tensor')]
        .filter(t => t.scrollWidth > t.clientWidth + 1).map(t => t.dataset.shape)""")
    assert clipped == []                                         # the 4×10 heatmap fits the panel
    # dW = δ xᵀ, one weight at a time: ∂s/∂W_45 = δ_4 · x_5 = 2 × 0.5 = 1 (u_4 = 2, relu open)
    page.click("#panel-node .node-link")                         # "from v9 = @": where δ comes from
    assert page.inner_text("#panel-title .nt-name") == "v9 = @"
    assert page.evaluate("""() => [...document.querySelectorAll('#panel-node .tensor')]
        .filter(t => t.scrollWidth > t.clientWidth + 1).map(t => t.dataset.shape)""") == []
    card = page.locator('#panel-node .edge-card[data-input="6"]')
    # The local rule (∂v9ᵢ/∂Wᵢⱼ = xⱼ) sits by the local value, the downstream one (δ xᵀ) by the
    # downstream value.
    rules = {r.get_attribute("data-rule"): r.locator(".math").get_attribute("data-latex") for r in card.locator(".rule").all()}
    assert "{W}_{ij}} = {x}_j" in rules["local"]
    assert "\\delta\\, {x}^{\\top}" in rules["downstream"]
    card.locator('[data-field="downstream"] td[data-i="3"][data-j="4"]').click()
    assert card.locator('[data-field="weight"] .math').get_attribute("data-latex").endswith(
        "= \\delta_{4}\\, x_{5} = 2 \\times 0.5 = 1")


def test_keyboard_only(page):
    """Open the gallery, pick an example, run, step: all with keys."""
    open_studio(page)
    page.focus("#btn-examples")
    page.keyboard.press("Enter")
    page.focus('[data-example="used-twice"]')
    runs = int(page.get_attribute("body", "data-runs"))
    page.keyboard.press("Enter")
    wait_runs(page, runs + 1)
    page.focus("#step-next")
    page.keyboard.press("Enter")
    assert step_label(page).startswith("Step 1 /")
    page.keyboard.press("ArrowRight")
    assert step_label(page).startswith("Step 2 /")
    page.keyboard.press("End")
    assert step_label(page).startswith(f"Step {page.get_attribute('#step-slider', 'max')} /")


def test_pan_and_zoom(page):
    open_studio(page)
    run(page, LECTURE)
    view = lambda: [float(v) for v in page.get_attribute("#graph", "data-view").split()]
    start = view()
    page.click("#zoom-in")
    assert view()[2] < start[2]
    page.click("#zoom-fit")
    assert view() == start
    box = page.locator("#graph").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 60, steps=5)
    page.mouse.up()
    moved = view()
    assert moved[0] < start[0] and moved[2] == start[2]


def test_without_graphviz_the_page_says_what_to_install(browser, live_server_without_graphviz):
    pg = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    try:
        pg.goto(live_server_without_graphviz + "/")
        pg.wait_for_selector("body[data-ready=true]")
        assert "sudo apt-get install graphviz" in pg.inner_text("#graphviz-banner")
        message = pg.locator("#graph-message")
        assert message.is_visible() and "brew install graphviz" in message.inner_text()
        pg.locator("#graph").focus()
        for _ in range(AT_PLUS):
            pg.keyboard.press("ArrowRight")
        assert pg.inner_text("#panel-title .nt-name") == "v3 = +"   # stepping still works
        assert pg.inner_text('#panel-node [data-field="upstream"]').strip() == "2"
    finally:
        pg.context.close()


def test_api_docs_work_offline(page):
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(page.base_url) or r.url.startswith("data:")
            else outside.append(r.url))
    page.goto(page.base_url + "/docs")
    page.wait_for_selector(".opblock")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert {"/api/trace", "/api/render", "/api/examples"} <= {p.strip() for p in paths}
    assert outside == []


# ---------------------------------------------------------------- what the graph looks like

def load_example(page, example_id: str) -> None:
    runs = int(page.get_attribute("body", "data-runs"))
    page.click("#btn-examples")
    page.click(f'[data-example="{example_id}"]')
    wait_runs(page, runs + 1)


def nodes_in_view(page) -> list[str]:
    """Ids of the nodes drawn wholly inside the graph box, as the user sees it."""
    return page.evaluate("""() => {
        const b = document.querySelector('#graph').getBoundingClientRect();
        return [...document.querySelectorAll('#graph g.node')].filter(g => {
            const r = g.getBoundingClientRect();
            return r.left >= b.left - 1 && r.right <= b.right + 1 && r.top >= b.top - 1 && r.bottom <= b.bottom + 1;
        }).map(g => g.id);
    }""")


def test_a_small_graph_is_shown_whole_and_a_big_one_has_an_overview(page):
    open_studio(page)
    run(page, LECTURE)
    assert len(nodes_in_view(page)) == 6
    assert page.locator("#minimap").is_hidden()

    load_example(page, "window-classifier")                   # 13 nodes: larger than the box
    assert page.locator("#minimap").is_visible()
    assert "node-12" not in nodes_in_view(page)               # the output is off screen…
    mark = page.locator("#minimap .mm-node.output").first.bounding_box()
    page.mouse.click(mark["x"] + mark["width"] / 2, mark["y"] + mark["height"] / 2)
    assert "node-12" in nodes_in_view(page)                   # …one click on the overview away
    page.click("#zoom-fit")
    assert len(nodes_in_view(page)) == 13 and page.locator("#minimap").is_hidden()


def test_the_overview_marks_the_current_node_and_frames_what_is_on_screen(page):
    """On a graph wider than the box, the overview's orange mark covers the current node's
    box in the map, and its frame covers the part of the drawing that is on screen, after
    steps (the view follows the current node) and after a pan."""
    open_studio(page)
    load_example(page, "window-classifier")                   # 13 nodes: wider than the box
    page.locator("#graph").focus()

    def check() -> None:
        got = page.evaluate("""() => {
            const r = (e) => e.getBoundingClientRect();
            const cur = document.querySelector('#graph g.node.current');
            const mark = document.querySelector('.minimap-over .mm-node.current');
            const nodes = [...document.querySelectorAll('#minimap .mm-node')];
            // the map's box of the current node: the same node, in the map's own order
            const all = [...document.querySelectorAll('#graph g.node')].sort((a, b) => a.dataset.node - b.dataset.node);
            const box = cur ? nodes[all.indexOf(cur)] : null;
            const frame = r(document.querySelector('.minimap-over .mm-view'));
            const g = r(document.querySelector('#graph'));
            // what the frame stands for: the screen box, mapped drawing -> map through the nodes
            const a = r(all[0]), b = r(all[all.length - 1]), ma = r(nodes[0]), mb = r(nodes[nodes.length - 1]);
            const k = (mb.left - ma.left) / (b.left - a.left);
            return {mark: mark && mark.getAttribute('display') !== 'none' ? [r(mark).left, r(mark).top, r(mark).width] : null,
                    box: box ? [r(box).left, r(box).top, r(box).width] : null,
                    frame: [frame.left, frame.width], want: [ma.left + (g.left - a.left) * k, g.width * k],
                    shown: [document.querySelector('#minimap').checkVisibility(),
                            document.querySelector('.minimap-over').checkVisibility()]};
        }""")
        assert got["shown"] == [True, True]                  # the map and its overlay are shown...
        assert got["want"][1] > 10 and got["box"] and got["box"][2] > 0   # ... with a size: a real check
        assert got["mark"] is not None and got["box"] is not None
        assert got["mark"] == pytest.approx(got["box"], abs=0.5)
        assert got["frame"] == pytest.approx(got["want"], abs=2)     # (the map clips what is outside it)

    for _ in range(12):
        keys(page, "ArrowRight")
        check()
    keys(page, "Shift+ArrowLeft", 2)
    check()


def test_keyboard_pans_the_graph_without_stepping(page):
    open_studio(page)
    load_example(page, "two-layer")
    x0 = float(page.get_attribute("#graph", "data-view").split()[0])
    keys(page, "Shift+ArrowRight", 3)
    assert float(page.get_attribute("#graph", "data-view").split()[0]) > x0
    assert step_label(page).startswith("Step 0 /")
    keys(page, "ArrowRight")
    assert step_label(page).startswith("Step 1 /")


LABEL_BOXES = """() => {
    const box = (e) => { const b = e.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; };
    const nodes = [...document.querySelectorAll('#graph g.node')].map(g => [g.id, box(g.querySelector('path, polygon'))]);
    const labels = [...document.querySelectorAll('#graph g.edge')].flatMap(g =>
        [...g.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => [g.id, box(t)]));
    return {nodes, labels};
}"""


def test_edge_labels_cover_no_node_in_the_browser(page):
    """With the fonts the browser really uses, at the last step (every label line shown)."""
    from app.examples import EXAMPLES

    def overlap(a, b):
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    open_studio(page)
    for ex in EXAMPLES:
        load_example(page, ex["id"])
        keys(page, "End")
        boxes = page.evaluate(LABEL_BOXES)
        assert boxes["labels"], ex["id"]
        for eid, lb in boxes["labels"]:
            hits = [nid for nid, nb in boxes["nodes"] if overlap(lb, nb)]
            hits += [other for other, ob in boxes["labels"] if other != eid and overlap(lb, ob)]
            assert not hits, f"{ex['id']}: a label of {eid} covers {hits}"


def test_a_graph_too_big_to_draw_node_by_node_is_drawn_collapsed(page):
    chain = "a0 = 1.0\n" + "\n".join(f"a{i} = a{i - 1} + 1.0" for i in range(1, 206))   # 411 nodes
    open_studio(page)
    run(page, LECTURE)
    run(page, chain)
    assert page.locator("#graph-message").is_hidden()
    assert page.locator("#graph g.node.bp-group").count() == 206
    assert not page.is_disabled('[data-export="png"]')
    name, dot = _download(page, "dot")
    parsed = subprocess.run(["dot", "-Tjson0"], input=dot, capture_output=True, check=True)
    assert len(json.loads(parsed.stdout)["objects"]) == 206


def test_a_graph_too_big_to_draw_still_steps_and_exports(page):
    chain = "a0 = 1.0\n" + "\n".join(f"a{i} = a{i - 1} + 1.0" for i in range(1, 206))   # 411 nodes
    open_studio(page)
    run(page, LECTURE)
    page.goto("about:blank")                                # a new page load, not a hash change
    open_studio(page, "#program=" + urllib.parse.quote(chain) + "&step=0&level=nodes")   # node by node
    wait_runs(page, 1)
    message = page.locator("#graph-message")
    assert message.is_visible() and "411 nodes; drawings are limited to 400" in message.inner_text()
    assert page.locator("#graph svg").count() == 0 and page.locator("#minimap").is_hidden()
    assert page.is_disabled('[data-export="svg"]') and page.is_disabled('[data-export="png"]')
    keys(page, "End")
    assert step_label(page).startswith(f"Step {page.get_attribute('#step-slider', 'max')} /")
    page.locator('#order li[data-node="0"] button').click()
    assert page.inner_text("#panel-title .nt-name") == "a0" and panel_field(page, "upstream") == "1"
    name, raw = _download(page, "json")
    assert len(json.loads(raw)["nodes"]) == 411
    name, dot = _download(page, "dot")
    parsed = subprocess.run(["dot", "-Tjson0"], input=dot, capture_output=True, check=True)
    assert len(json.loads(parsed.stdout)["objects"]) == 411
    run(page, LECTURE)                                        # a drawable graph: pictures again
    assert not page.is_disabled('[data-export="svg"]')


def test_a_jacobian_of_a_vector_by_a_matrix_reads_as_a_matrix(page):
    """∂(W1 x)/∂W1 is 4×4×3: listed as 4 rows (entries of v5) × 12 columns (W1 row by row)."""
    open_studio(page)
    load_example(page, "two-layer")
    keys(page, "End")
    page.locator('#order li[data-node="5"] button').click()            # v5 = W1 @ x
    local = page.locator('#panel-node .edge-card[data-input="1"] [data-field="local"] .tensor')
    assert local.get_attribute("data-shape") == "4x4x3"
    assert "a row per entry of v5, a column per entry of W1" in local.locator(".shape").inner_text()
    rows = local.locator("tr")
    assert rows.count() == 4
    # row i holds x in W1's row i and zeros elsewhere: ∂v5ᵢ/∂W1ᵢₖ = xₖ (x = [1, -2, 0.5])
    assert rows.nth(0).locator("td").all_inner_texts() == ["1", "-2", "0.5"] + ["0"] * 9
    assert rows.nth(3).locator("td").all_inner_texts() == ["0"] * 9 + ["1", "-2", "0.5"]


# ---------------------------------------------------------------- following the step on a big graph

def current_row_in_view(page) -> bool:
    """The order list's row of the current step is wholly inside the list's visible part."""
    return page.evaluate("""() => {
        const ol = document.querySelector('#order').getBoundingClientRect();
        const li = document.querySelector('#order li.current');
        if (!li) return false;
        const r = li.getBoundingClientRect();
        return r.top >= ol.top - 1 && r.bottom <= ol.bottom + 1;
    }""")


HELD = """(n) => {
  // n auto-repeated presses of a held key, in one task (no idle time between them)
  for (let i = 0; i < n; i++)
    document.body.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true, cancelable: true, repeat: true}));
  return [document.querySelector("#panel-stack").classList.contains("lagging"),
          document.querySelector("#panel-node").getAttribute("aria-busy"),
          document.querySelector("#step-label").innerText];
}"""


def test_a_held_arrow_key_steps_the_graph_and_the_panel_catches_up(page):
    """A held → auto-repeats: each press steps the graph at once, while a panel not prepared
    beforehand is not built in the step (it is marked as lagging); it shows the last step's
    node when the key is let go, or when the presses pause."""
    program = "a0 = 1.0\n" + "\n".join(f"a{i} = a{i - 1} * 0.5" for i in range(1, 40))
    page.goto("about:blank")                                # a new page load, not a hash change
    open_studio(page, "#program=" + urllib.parse.quote(program) + "&step=1")
    page.locator("#graph").focus()
    lagging, busy, label = page.evaluate(HELD, 12)
    assert label.startswith("Step 13 /") and lagging and busy == "true"
    assert page.get_attribute("#graph g.node.current", "id") == "node-12"     # the graph did not wait
    assert page.inner_text("#panel-title .nt-name") != "a6 = ×"
    # let go: the panel of step 13 at once, in the same task (not by the 150 ms timer)
    title, lagging, busy = page.evaluate("""() => {
      document.body.dispatchEvent(new KeyboardEvent("keyup", {key: "ArrowRight", bubbles: true}));
      return [document.querySelector("#panel-title .nt-name").textContent,
              document.querySelector("#panel-stack").classList.contains("lagging"),
              document.querySelectorAll("[aria-busy]").length];
    }""")
    assert (title, lagging, busy) == ("a6 = ×", False, 0)
    page.keyboard.up("ArrowRight")
    lagging, _, label = page.evaluate(HELD, 6)         # held again, then the presses pause
    assert label.startswith("Step 19 /") and lagging
    page.wait_for_selector("#panel-stack:not(.lagging)", timeout=2000)
    assert page.inner_text("#panel-title .nt-name") == "a9 = ×"


def test_the_gradient_flows_along_the_edges_into_the_node_of_a_backward_step(page):
    """At a backward step, moving dashes run over the edges into the current node (over their
    own paths), for a few seconds, not forever; at a forward step there are none."""
    page.goto("about:blank")                                # a new page load, not a hash change
    open_studio(page, "#program=" + urllib.parse.quote(LECTURE) + f"&step={AT_PLUS}")
    flow = page.evaluate("""() => {
      const paths = [...document.querySelectorAll('#graph svg.flow-layer path')];
      const edges = [...document.querySelectorAll('#graph g.edge')].filter((g) => g.id.endsWith('-3-0') || g.id.endsWith('-3-1'));
      return {d: paths.map((p) => p.getAttribute('d')).sort(),
              edges: edges.map((g) => g.querySelector('path').getAttribute('d')).sort(),
              runs: paths.map((p) => p.getAnimations().map((a) => a.effect.getTiming().iterations)).flat()};
    }""")
    assert len(flow["d"]) == 2 and flow["d"] == flow["edges"]        # x → v3 and y → v3
    assert flow["runs"] and all(0 < n < 10 for n in flow["runs"])     # a few runs, then rest
    keys(page, "Home")
    keys(page, "ArrowRight", 3)                                       # a forward step: no flow
    assert page.locator("#graph svg.flow-layer path").count() == 0


def test_zoom_goes_the_way_asked_on_a_graph_too_big_to_fit(page):
    """A graph too big to fit starts at a readable zoom at its start: + zooms in (the part of
    the drawing seen narrows) and − zooms out, each until its limit, never the other way."""
    program = "a0 = 1.0\n" + "\n".join(f"a{i} = a{i - 1} * 0.5" for i in range(1, 141))   # 281 nodes
    page.goto("about:blank")                                # a new page load, not a hash change
    open_studio(page, "#program=" + urllib.parse.quote(program) + "&step=0")
    # The width of the drawing seen in the box, in drawing units.
    width = lambda: page.evaluate("window.studio.state.view.box.w / window.studio.state.view.drawnScale")
    start = width()
    widths = [start]
    for _ in range(15):
        page.click("#zoom-in")
        widths.append(width())
    assert widths[1] < start
    assert all(b <= a for a, b in zip(widths, widths[1:]))
    assert widths[-1] == widths[-2] > 0                 # stopped at its limit
    page.click("#zoom-out")
    assert width() > widths[-1]
    page.click("#zoom-fit")                             # the whole drawing
    whole = width()
    assert whole > start
    page.click("#zoom-in")
    assert width() < whole


def test_the_drawing_stays_where_the_view_says_on_a_big_graph(page):
    """The drawing reaches past the graph box (it moves as one layer): the box must not scroll
    (find-in-page or focusing a node off screen would), a wheel zoom keeps the point under the
    cursor, and a node drawn in a later layer of the drawing is picked by a click."""
    program = "a0 = 1.0\n" + "\n".join(f"a{i} = a{i - 1} * 0.5" for i in range(1, 141))   # 281 nodes
    page.goto("about:blank")                                # a new page load, not a hash change
    open_studio(page, "#program=" + urllib.parse.quote(program) + "&step=3")
    scrolled = page.evaluate("""() => { const g = document.querySelector('#graph');
        document.querySelector('#graph g#node-200').focus();       // far off screen, to the right
        g.scrollLeft = 500; g.scrollTop = 300; return [g.scrollLeft, g.scrollTop]; }""")
    assert scrolled == [0, 0]
    box = page.locator("#graph").bounding_box()
    x, y = box["x"] + 200, box["y"] + 150
    before = page.locator("#graph g#node-2").bounding_box()       # a node near that point
    # a wheel turn, and in the same task (before any redraw could come) what it showed at once
    during, style = page.evaluate("""([x, y]) => {
      const g = document.querySelector('#graph');
      g.dispatchEvent(new WheelEvent('wheel', {deltaY: -300, clientX: x, clientY: y, bubbles: true, cancelable: true}));
      const r = g.querySelector('g#node-2').getBoundingClientRect();
      return [{x: r.x, y: r.y, width: r.width, height: r.height}, g.querySelector('.stage').getAttribute('style')];
    }""", [x, y])
    assert "scale(" in style                                         # the drawn layer, scaled at once
    page.wait_for_selector("#graph .stage:not([style*='scale('])", state="attached")   # drawn again
    after = page.locator("#graph g#node-2").bounding_box()
    assert after["width"] > before["width"] * 1.3                    # zoomed in...
    # ... about the cursor: the node's offset from it grew by the zoom, its direction kept
    k = after["width"] / before["width"]
    assert after["x"] - x == pytest.approx((before["x"] - x) * k, abs=2)
    assert after["y"] - y == pytest.approx((before["y"] - y) * k, abs=2)
    # the scaled layer showed the node where the drawing at the new scale shows it (measured
    # the same way: Playwright's boxes of SVG groups are not getBoundingClientRect's)
    drawn = page.evaluate("""() => { const r = document.querySelector('#graph g#node-2').getBoundingClientRect();
                                     return {x: r.x, y: r.y, width: r.width, height: r.height}; }""")
    assert during == pytest.approx(drawn, abs=2)
    page.click("#zoom-fit")
    page.locator("#order li[data-node='150']").click()               # brings node 150 into view
    page.locator("#graph g#node-152").click()                       # a76, in the fourth layer of 40
    assert page.inner_text("#panel-title .nt-name").startswith("a76")
    page.locator("#graph g#node-2").click()                         # a1, in the first layer, under the rest
    assert page.inner_text("#panel-title .nt-name").startswith("a1 ")


def test_the_current_node_and_its_row_stay_in_view_on_a_big_graph(page):
    """A drawn graph much larger than the box: stepping pans (never zooms) to the current
    node and scrolls the order list to its row, forward, backward, and after jumps."""
    program = "a0 = 1.0\n" + "\n".join(f"a{i} = a{i - 1} * 0.5" for i in range(1, 141))   # 281 nodes
    page.goto("about:blank")                                # a new page load, not a hash change
    open_studio(page, "#program=" + urllib.parse.quote(program) + "&step=0")
    assert page.locator("#graph g.node").count() > 250
    total = int(page.get_attribute("#step-slider", "max"))
    width = float(page.get_attribute("#graph", "data-view").split()[2])
    forward = page.locator('#order li[data-node]').count()
    page.locator("#graph").focus()

    def check() -> None:
        cur = page.get_attribute("#graph g.node.current", "id")
        assert cur in nodes_in_view(page), f"{cur} is off screen at {step_label(page)}"
        assert current_row_in_view(page), f"row of {cur} is hidden at {step_label(page)}"
        assert float(page.get_attribute("#graph", "data-view").split()[2]) == width   # panned, not zoomed

    for _ in range(60):                               # the forward pass, left to right
        page.keyboard.press("ArrowRight")
    check()
    page.keyboard.press("End")
    check()
    page.locator("#step-slider").fill(str(forward + 1))   # the output, first backward step
    page.locator("#graph").focus()
    for _ in range(40):
        page.keyboard.press("ArrowRight")
        check()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    check()
    assert step_label(page).startswith(f"Step 1 / {total}")
    page.locator("#graph g#node-0").click()          # under the drawing's upper layers: still clickable
    assert page.inner_text("#panel-title .nt-name") == "a0"
    assert "selected" in page.get_attribute('#order li[data-node="0"]', "class")


def test_stepping_back_restores_every_placeholder(page):
    """Back step by step, and by a jump: values, gradients, edge labels and the order
    list's marks go back to what they were before those steps."""
    open_studio(page)
    run(page, LECTURE)

    def state() -> dict:
        return page.evaluate("""() => {
            const classes = (e) => [...e.classList].sort().join(' ');      // a set: order does not matter
            return {
                texts: [...document.querySelectorAll('#graph g.node')].map(g =>
                    [...g.querySelectorAll('text')].map(t => t.textContent).join('|')),
                classes: [...document.querySelectorAll('#graph g.node, #graph g.edge')].map(classes),
                labels: [...document.querySelectorAll('#graph g.edge text')].map(t => getComputedStyle(t).visibility),
                rows: [...document.querySelectorAll('#order li')].map(classes),
                minimap: [...document.querySelectorAll('#minimap .mm-node')].map(classes),
            };
        }""")

    seen = [state()]
    for _ in range(TOTAL):
        keys(page, "ArrowRight")
        seen.append(state())
    assert seen[0] != seen[AT_PLUS] != seen[TOTAL]
    for k in range(TOTAL - 1, -1, -1):                # one step back at a time
        keys(page, "ArrowLeft")
        assert state() == seen[k], f"step {k}"
    assert node_text(page, 5, 2) == "value —" and node_text(page, 5, 3) == "grad —"
    page.locator("#step-slider").fill(str(TOTAL))     # a jump forward, then back to the middle
    assert state() == seen[TOTAL]
    page.locator("#step-slider").fill(str(AT_PLUS - 1))
    assert state() == seen[AT_PLUS - 1]
    page.click("#step-first")
    assert state() == seen[0]


def wait_prepared(page) -> None:
    """Wait until the page has prepared, while idle, the panels of the next and previous steps."""
    for _ in range(400):
        if not page.evaluate("() => studio.preparing()"):
            return
        page.wait_for_timeout(25)
    raise AssertionError("the page never finished preparing the next panels")


def test_a_step_shows_its_prepared_panel_exactly_as_built_directly(page):
    """After each step the page builds, while idle, the panel that → (and ←) would show; the
    step then swaps it in. What the student reads must be exactly the panel built at once."""
    open_studio(page)
    run(page, LECTURE)
    direct = {}
    for k in range(TOTAL + 1):        # each step's panel built at once (nothing prepared)
        direct[k] = page.evaluate("""(k) => {
            studio.dropPrepared();
            studio.setStep(k);
            return document.querySelector('#panel-node').innerHTML;
        }""", k)
    assert "upstream" in direct[AT_PLUS] and "downstream" in direct[AT_PLUS]
    keys(page, "Home")
    used = page.evaluate("() => studio.counters.prepUsed")
    for k in range(1, TOTAL + 1):     # forward, then into and through the backward pass
        wait_prepared(page)
        keys(page, "ArrowRight")
        assert page.inner_html("#panel-node") == direct[k], f"step {k}"
    assert page.evaluate("() => studio.counters.prepUsed") - used == TOTAL, "every step found its panel prepared"
    # The prepared panels wait under the shown one: out of the Tab order and hidden from
    # assistive technology until shown; the shown panel's buttons are reachable.
    wait_prepared(page)
    assert page.evaluate("""() => [...document.querySelectorAll('#panel-stack > .panel:not(#panel-node)')].every(p =>
        p.getAttribute('aria-hidden') === 'true' && [...p.querySelectorAll('button')].every(b => b.tabIndex === -1))""")
    assert page.evaluate("() => document.querySelectorAll('#panel-stack > .panel.standby button').length") > 0
    assert page.evaluate("() => [...document.querySelectorAll('#panel-node button')].every(b => b.tabIndex === 0)")
    assert panel_field(page, "upstream") != ""
    for k in range(TOTAL - 1, -1, -1):
        wait_prepared(page)
        keys(page, "ArrowLeft")
        assert page.inner_html("#panel-node") == direct[k], f"back to step {k}"
    # At the + node (backward): the lecture's numbers, read as a student reads them.
    page.locator("#step-slider").fill(str(AT_PLUS - 1))
    wait_prepared(page)
    keys(page, "ArrowRight")
    assert page.inner_html("#panel-node") == direct[AT_PLUS]
    assert panel_field(page, "upstream") == "2"
    assert panel_field(page, "local", 0) == "1" and panel_field(page, "downstream", 0) == "2"
    # A click on a node shows that node, not the prepared panel of the next step.
    page.locator("#graph g#node-1").click()
    assert page.inner_text("#panel-title .nt-name") == "y"
    keys(page, "ArrowRight")
    assert page.inner_html("#panel-node") == direct[AT_PLUS + 1]


def test_a_new_program_never_shows_a_panel_prepared_for_the_old_one(page):
    open_studio(page)
    run(page, LECTURE)
    page.locator("#step-slider").fill(str(AT_PLUS - 1))
    wait_prepared(page)               # the old program's panel for step AT_PLUS is ready
    run(page, LECTURE.replace("y = 2.0", "y = 4.0"))
    page.locator("#step-slider").fill(str(AT_PLUS))
    assert page.inner_text("#panel-title .nt-name") == "v3 = +"
    assert panel_field(page, "upstream") == "4"      # f = (x + y) * max(y, z): ∂f/∂v3 = max(y, z)
    assert panel_field(page, "downstream", 0) == "4"
    keys(page, "ArrowLeft")
    wait_prepared(page)
    keys(page, "ArrowRight")
    assert panel_field(page, "upstream") == "4"
