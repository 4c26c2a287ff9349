"""The HTML player opened from disk in Chromium with the network blocked, stepped with the
keys; and the notebook widget's front end (the same script, as anywidget's ESM) rendered in
a host page with a model that speaks anywidget's protocol (get, set, on, off, save_changes)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from drawing.player import player_html
from engine import trace

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
GRAD_RED = "rgb(225, 29, 72)"                  # the page's gradient colour (--grad)
SCREENSHOTS = Path(tempfile.gettempdir())       # looked at by hand: the player at y's step, the widget


@pytest.fixture
def offline(browser):
    """A tab that may load one file from disk and nothing else: every other request is
    aborted and recorded, and so is every JavaScript error and console error (a CSP
    violation is one)."""
    ctx = browser.new_context(viewport={"width": 1200, "height": 800})
    page = ctx.new_page()
    page.requests, page.blocked, page.problems, page.allowed = [], [], [], None

    def route(r):
        if r.request.url.split("#")[0] == page.allowed and r.request.is_navigation_request():
            r.continue_()
        else:
            page.blocked.append(r.request.url)
            r.abort()

    ctx.route("**", route)
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.set_default_timeout(15000)
    yield page
    ctx.close()


def open_player(page, path, html: str, hash: str = "") -> None:
    path.write_text(html, encoding="utf-8")
    page.allowed = path.as_uri()
    page.goto(page.allowed + hash)
    page.wait_for_selector("#bp-player svg")


def step_of(page) -> int:
    return int(page.get_attribute("#bp-player", "data-step"))


def node_texts(page, svg_id: str) -> list[str]:
    return page.eval_on_selector_all(f"#bp-player g#{svg_id} text", "ts => ts.map(t => t.textContent)")


def test_the_player_opens_offline_and_steps_with_the_keys(offline, tmp_path):
    page = offline
    open_player(page, tmp_path / "walkthrough.html", player_html(trace(LECTURE).to_dict()))
    assert step_of(page) == 0 and page.locator("#bp-player g.node.current").count() == 0
    assert "Step 0 of 12" in page.inner_text(".bp-panel")
    for _ in range(11):
        page.keyboard.press("ArrowRight")
    # step 11: y's backward step, where its two paths meet (∂f/∂y = 3 + 2 = 5)
    assert step_of(page) == 11
    assert page.eval_on_selector_all("#bp-player g.node.current", "gs => gs.map(g => g.id)") == ["node-1"]
    assert node_texts(page, "node-1") == ["y", "scalar", "value 2", "grad 5"]
    grad = page.locator("#bp-player g#node-1 text").nth(3)
    assert grad.evaluate("t => getComputedStyle(t).fill") == GRAD_RED
    pending = page.locator("#bp-player g#node-0 text").nth(3)          # x's gradient: not yet
    assert pending.text_content() == "grad —" and pending.evaluate("t => getComputedStyle(t).fill") != GRAD_RED
    panel = page.inner_text(".bp-panel")
    assert "Step 11 of 12 · backward: y" in panel and "5 = 3 + 2" in panel
    assert "y feeds 2 nodes" in panel
    page.screenshot(path=SCREENSHOTS / "player-step11.png")

    page.keyboard.press("ArrowLeft")
    assert step_of(page) == 10 and node_texts(page, "node-1")[3] == "grad —"
    assert page.eval_on_selector_all("#bp-player g.node.current", "gs => gs.map(g => g.id)") == ["node-2"]
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert step_of(page) == 7          # f's backward step: downstream = local × upstream, in numbers
    panel = page.inner_text(".bp-panel")
    assert "2 = 2 × 1" in panel and "3 = 3 × 1" in panel and "× switches" in panel
    page.keyboard.press("End")
    assert step_of(page) == 12 and node_texts(page, "node-0")[3] == "grad 2"
    page.keyboard.press("Home")
    assert step_of(page) == 0 and node_texts(page, "node-5")[2] == "value —"
    page.get_by_role("button", name="Next step (→)").click()
    assert step_of(page) == 1 and page.evaluate("location.hash") == "#step=1"

    assert page.blocked == [] and page.requests == [page.allowed]     # no request of any kind
    assert page.problems == []


def test_a_range_of_steps_opens_at_the_address_step_and_stays_in_range(offline, tmp_path):
    page = offline
    open_player(page, tmp_path / "part.html", player_html(trace(LECTURE).to_dict(), first=6, last=9), "#step=8")
    assert step_of(page) == 8 and "Step 8 of 12" in page.inner_text(".bp-panel")
    page.keyboard.press("Home")
    page.keyboard.press("ArrowLeft")
    assert step_of(page) == 6
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")
    assert step_of(page) == 9
    assert page.get_attribute(".bp-bar input[type=range]", "min") == "6"
    assert page.blocked == [] and page.problems == []


HOST = """async ([esm, css, data]) => {
  document.head.append(Object.assign(document.createElement("style"), { textContent: css }));
  const url = URL.createObjectURL(new Blob([esm], { type: "text/javascript" }));
  const mod = await import(url);
  const state = { data, step: data.first }, listeners = {}, saved = [], reached = [];
  const model = {
    get: (key) => state[key],
    set(key, value) {
      if (state[key] === value) return;
      state[key] = value;
      for (const fn of listeners[`change:${key}`] || []) fn();
    },
    on(name, fn) { (listeners[name] ||= []).push(fn); },
    off(name, fn) { listeners[name] = (listeners[name] || []).filter((f) => f !== fn); },
    save_changes() { saved.push(state.step); },
  };
  document.addEventListener("keydown", (e) => reached.push(e.key));
  const el = document.getElementById("widget");
  const cleanup = mod.default.render({ model, el });
  window.host = { model, saved, reached, cleanup };
}"""


def test_the_widgets_front_end_renders_and_steps_through_anywidgets_protocol(offline):
    page = offline
    widget = trace(LECTURE).widget()
    state = widget.get_state()              # what the kernel sends the front end
    page.set_content('<p>A notebook cell</p><div id="widget"></div>')
    page.evaluate(HOST, [state["_esm"], state["_css"], state["data"]])
    step = lambda: int(page.get_attribute("#widget", "data-step"))       # noqa: E731
    assert step() == 0 and page.locator("#widget svg g.node").count() == 6

    page.click("#widget .bp-panel")                  # the widget takes the focus, and the keys
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert step() == 3 and page.evaluate("host.saved") == [1, 2, 3]
    assert page.evaluate("host.reached") == []       # the notebook's own keys see none of them
    assert node_texts_in(page, "node-2")[2] == "value 0" and node_texts_in(page, "node-3")[2] == "value —"

    page.evaluate("host.model.set('step', 11)")     # set from Python: the view follows
    assert step() == 11 and "5 = 3 + 2" in page.inner_text("#widget .bp-panel")
    assert page.eval_on_selector_all("#widget g.node.current", "gs => gs.map(g => g.id)") == ["node-1"]
    page.screenshot(path=SCREENSHOTS / "player-widget.png")

    page.evaluate("document.activeElement.blur()")    # keys elsewhere in the notebook do not step it
    page.keyboard.press("ArrowLeft")
    assert step() == 11 and page.evaluate("host.reached") == ["ArrowLeft"]

    page.evaluate("host.cleanup()")                  # a view removed stops listening
    page.evaluate("host.model.set('step', 2)")
    assert step() == 11
    assert page.blocked == [] and page.problems == []


def node_texts_in(page, svg_id: str) -> list[str]:
    return page.eval_on_selector_all(f"#widget g#{svg_id} text", "ts => ts.map(t => t.textContent)")


WINDOW = ("museums = [0.1, -0.3]\nx_in = [0.2, 0.0]\nParis = [0.5, 0.4]\nare = [-0.1, 0.2]\n"
          "amazing = [0.3, 0.3]\nx = concat(museums, x_in, Paris, are, amazing)\n"
          "W = xavier(4, 10, seed=0)\nb = zeros(4)\nu = [1.0, -0.5, 0.25, 2.0]\n"
          "h = relu(W @ x + b)\ns = u @ h\n")
SHOWN = """() => [...document.querySelectorAll("#bp-player g.node, #bp-player g.edge")].map((g) => [
  g.id, g.getAttribute("class"), g.querySelector("path, polygon").getAttribute("stroke"),
  [...g.querySelectorAll("text")].map((t) => t.textContent)])"""


def shown_in(svg: str) -> list:
    """What SHOWN reads in the browser, read from an SVG text."""
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    out = []
    for g in ET.fromstring(svg).iter(ns + "g"):
        classes = (g.get("class") or "").split()
        if "node" in classes or "edge" in classes:
            shape = next(e for e in g if e.tag in (ns + "path", ns + "polygon"))
            out.append([g.get("id"), g.get("class"), shape.get("stroke"), [t.text or "" for t in g.iter(ns + "text")]])
    return out


@pytest.mark.parametrize("cut", [True, False], ids=["groups", "whole-steps"])
def test_the_drawing_on_screen_is_the_drawing_of_each_step_in_any_order(offline, tmp_path, monkeypatch, cut):
    from drawing import svg as svg_module
    from drawing.player import player_data, svg_of

    if not cut:       # a Graphviz whose SVG cannot be cut: every step carried whole
        monkeypatch.setattr(svg_module.Drawing, "draws", lambda self, model: False)
    doc = trace(WINDOW).to_dict()
    data = player_data(doc)
    assert ("whole" in data["frames"]) is not cut
    page = offline
    open_player(page, tmp_path / "window.html", player_html(doc))
    total = len(doc["steps"])
    # forward one by one, back one by one, then jumps both ways
    keys = ["ArrowRight"] * total + ["ArrowLeft"] * 7 + ["Home", "End", "ArrowLeft", "Home", "ArrowRight"]
    for key in keys:
        page.keyboard.press(key)
        k = step_of(page)
        assert page.evaluate(SHOWN) == shown_in(svg_of(data, k)), f"after {key}, step {k}"
    assert page.blocked == [] and page.problems == []
