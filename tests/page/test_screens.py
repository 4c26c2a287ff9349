"""Any screen, any student: the page at a phone's, a projector's and a laptop's size, by
touch, in presentation mode, with a screen reader's eyes (axe-core, vendored, run in
Chromium), with reduced motion and in the dark. Screenshots of each size are saved under
the test's tmp_path (pytest keeps the last runs' under the system's temp folder)."""
from __future__ import annotations

import io
import re
import urllib.parse

import pytest

from tests.page.test_browser import AT_PLUS, LECTURE, keys, open_studio, step_label

AXE = "/static/vendor/axe-core/axe.min.js"
PHONE, PROJECTOR, SMALL_PROJECTOR = (390, 844), (1280, 720), (1024, 768)
TAP = 44            # px: the least size of a tap target on a touch screen


@pytest.fixture
def tab(browser, live_server):
    """Opens fresh tabs: tab(width, height, **context options); fails the test on any
    JavaScript error. Contexts are closed at the end."""
    contexts, errors = [], []

    def make(width: int, height: int, **options):
        ctx = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True, **options)
        contexts.append(ctx)
        pg = ctx.new_page()
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.set_default_timeout(15000)
        pg.base_url = live_server
        return pg

    yield make
    for ctx in contexts:
        ctx.close()
    assert not errors, f"JavaScript errors: {errors}"


def lecture_at(step: int, extra: str = "") -> str:
    return "#program=" + urllib.parse.quote(LECTURE) + f"&step={step}" + extra


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def node_text_height(page) -> float:
    """The on-screen size of node x's text, in pixels: its font size times the drawing's scale."""
    return page.evaluate("""() => { const t = document.querySelector('#graph g#node-0 text');
        return t.getScreenCTM().a * parseFloat(t.getAttribute('font-size')); }""")


# ---------------------------------------------------------------- sizes

@pytest.mark.parametrize("size", [PHONE, SMALL_PROJECTOR, PROJECTOR], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_page_fits_the_screen_with_the_graph_on_it(tab, size, tmp_path):
    """No sideways scroll, the whole graph box on screen at load and big enough to read, the
    step controls under it."""
    w, h = size
    page = tab(w, h, has_touch=w < 900, is_mobile=w < 900)
    open_studio(page)                              # the lecture's example, as a first visit shows it
    page.screenshot(path=str(tmp_path / f"screens-{w}x{h}.png"))
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
    g = box(page, "#graph")
    assert g["x"] >= 0 and g["y"] >= 0 and g["x"] + g["width"] <= w and g["y"] + g["height"] <= h, g
    assert g["width"] >= 0.35 * w and g["height"] >= 300, g
    steps = box(page, "#step-next")
    assert steps["y"] + steps["height"] <= h                     # the step buttons too
    assert page.locator("#graph g.node").count() == 6


def test_a_phone_stacks_graph_then_panel_then_program_with_big_tap_targets(tab):
    page = tab(*PHONE, has_touch=True, is_mobile=True)
    open_studio(page)
    tops = [box(page, s)["y"] for s in ("#graph", "#panel-stack", "#source", "#order")]
    assert tops == sorted(tops), tops
    for sel in ["#step-first", "#step-prev", "#step-play", "#step-next", "#step-last",
                "#tab-node", "#tab-gradcheck", '[data-view="graph"]', '[data-view="train"]', '[data-view="tips"]',
                "#zoom-in", "#zoom-out", "#zoom-fit", "#btn-present"]:
        b = box(page, sel)
        assert b["width"] >= TAP - 0.5 and b["height"] >= TAP - 0.5, (sel, b)


def touch(cdp, kind: str, *points) -> None:
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]})


def test_swipe_steps_drag_pans_and_pinch_zooms_on_a_phone(tab):
    page = tab(*PHONE, has_touch=True, is_mobile=True)
    open_studio(page)                              # the lecture's example
    cdp = page.context.new_cdp_session(page)
    g = box(page, "#graph")
    cx, cy = g["x"] + g["width"] / 2, g["y"] + g["height"] / 2
    view = lambda: [float(v) for v in page.get_attribute("#graph", "data-view").split()]
    start = view()

    def swipe(dx: float) -> None:                  # a quick flick: as few events as a real one
        touch(cdp, "touchStart", (cx, cy))
        for k in (1, 2):
            touch(cdp, "touchMove", (cx + dx * k / 2, cy))
        touch(cdp, "touchEnd")

    swipe(-150)                                    # to the left: the next step
    assert step_label(page).startswith("Step 1 /")
    swipe(-150)
    assert step_label(page).startswith("Step 2 /")
    swipe(150)                                     # to the right: back
    assert step_label(page).startswith("Step 1 /")
    assert view() == start                         # a swipe steps and leaves the view alone

    touch(cdp, "touchStart", (cx, cy))             # a slow drag (over a second) pans and does not step
    for k in range(1, 6):
        touch(cdp, "touchMove", (cx + 12 * k, cy + 8 * k))
        page.wait_for_timeout(250)
    touch(cdp, "touchEnd")
    assert step_label(page).startswith("Step 1 /")
    panned = view()
    assert panned[0] < start[0] and panned[1] < start[1] and panned[2] == start[2]

    touch(cdp, "touchStart", (cx - 30, cy), (cx + 30, cy))   # two fingers apart: zoom in
    for k in range(1, 6):
        touch(cdp, "touchMove", (cx - 30 - 20 * k, cy), (cx + 30 + 20 * k, cy))
    touch(cdp, "touchEnd")
    assert view()[2] < panned[2] * 0.6
    assert step_label(page).startswith("Step 1 /")


# ---------------------------------------------------------------- presentation mode

@pytest.mark.parametrize("size", [PROJECTOR, SMALL_PROJECTOR], ids=lambda s: f"{s[0]}x{s[1]}")
def test_presentation_mode_fills_the_screen_large_and_steps_by_keys_and_clicker(tab, size, tmp_path):
    w, h = size
    page = tab(w, h)
    open_studio(page, lecture_at(3))
    normal_text = node_text_height(page)
    normal_name = box(page, "#panel-node .nt-name")["height"]
    page.keyboard.press("p")
    page.wait_for_selector("html[data-present]")
    page.wait_for_timeout(100)
    page.screenshot(path=str(tmp_path / f"present-{w}x{h}.png"))
    for hidden in [".topbar", ".pane-left", ".tabs", ".legend"]:
        assert not page.locator(hidden).is_visible(), hidden
    graph, panel = box(page, ".graph-card"), box(page, "#panel-stack")
    assert graph["width"] + panel["width"] >= 0.9 * w and graph["height"] >= 0.8 * h
    assert node_text_height(page) >= 2 * normal_text * 0.99, (node_text_height(page), normal_text)
    assert box(page, "#panel-node .nt-name")["height"] >= 1.4 * normal_name   # the panel's text, large
    # the current node stays on screen as the view follows the steps
    for key, step in [("ArrowRight", 4), ("PageDown", 5), ("PageUp", 4), ("ArrowDown", 5), ("ArrowUp", 4), ("ArrowLeft", 3)]:
        page.keyboard.press(key)
        assert step_label(page).startswith(f"Step {step} /"), key
    page.keyboard.press("End")
    page.wait_for_function("() => location.hash.includes('present=1')")
    current = box(page, "#graph g.node.current")
    g = box(page, "#graph")
    assert g["x"] <= current["x"] and current["x"] + current["width"] <= g["x"] + g["width"] + 1
    page.keyboard.press("Escape")
    assert page.locator(".topbar").is_visible()
    assert abs(node_text_height(page) - normal_text) < 0.5          # the view shown before
    page.wait_for_function("() => !location.hash.includes('present')")
    page.click("#btn-present")
    assert page.get_attribute("#btn-present", "aria-pressed") == "true"
    page.click("#btn-present")
    assert page.get_attribute("#btn-present", "aria-pressed") == "false"


def test_a_link_opens_straight_into_presentation_mode(tab):
    page = tab(*PROJECTOR)
    open_studio(page, lecture_at(AT_PLUS, "&present=1"))
    assert page.get_attribute("html", "data-present") is not None
    assert not page.locator(".topbar").is_visible()
    assert step_label(page).startswith(f"Step {AT_PLUS} /")
    text = node_text_height(page)
    normal = tab(*PROJECTOR)
    open_studio(normal, lecture_at(AT_PLUS))
    assert text >= 2 * node_text_height(normal) * 0.99


# ---------------------------------------------------------------- accessibility

def _open_dialog(page):
    page.click("#btn-examples")
    page.wait_for_selector("#examples-dialog[open]")


def _gradcheck(page):
    page.click("#tab-gradcheck")
    page.click("#btn-gradcheck")
    page.wait_for_selector("#gradcheck-result table")


def _view(name):
    def show(page):
        page.click(f'[data-view="{name}"]')
        page.wait_for_selector(f"#view-{name}:not([hidden])")
    return show


def _present(page):
    page.keyboard.press("p")
    page.wait_for_selector("html[data-present]")


# What axe looks at: the main page at a backward step, and each dialog, tab and view.
# A lab's entry here shows it as a student would; add a step that fills it when it lands.
AXE_SCENES = {
    "main": lambda page: None,
    "examples-dialog": _open_dialog,
    "gradient-check": _gradcheck,
    "train": _view("train"),
    "tips": _view("tips"),
    "presentation": _present,
}


def axe_violations(page) -> list[dict]:
    page.add_script_tag(url=page.base_url + AXE)
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ': ' + (n.failureSummary || ''))}));
    }""")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("scene", list(AXE_SCENES))
def test_axe_finds_no_serious_or_critical_violation(tab, scene, scheme):
    page = tab(1366, 768, color_scheme=scheme)
    open_studio(page, lecture_at(AT_PLUS))
    assert page.get_attribute("html", "data-theme") == scheme
    AXE_SCENES[scene](page)
    page.wait_for_timeout(200)
    bad = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert not bad, bad


def test_axe_at_a_phone_size(tab):
    page = tab(*PHONE, has_touch=True, is_mobile=True)
    open_studio(page, lecture_at(AT_PLUS))
    bad = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert not bad, bad


def test_a_level_one_heading_and_every_control_labelled(tab):
    page = tab(1366, 768)
    open_studio(page, lecture_at(AT_PLUS))
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Backprop Studio"
    assert page.evaluate("typeof window.axe") == "undefined"   # axe-core is the tests', never the page's
    names = page.evaluate("""() => [...document.querySelectorAll('button, input, select, textarea, a[href]')]
        .filter((e) => e.getClientRects().length)
        .map((e) => [e.id || e.outerHTML.slice(0, 60), (e.getAttribute('aria-label') || e.labels?.[0]?.textContent || e.textContent || '').trim()])""")
    assert all(name for _, name in names), [e for e, name in names if not name]


def test_the_step_is_announced_and_the_nodes_are_read_in_order_with_the_keyboard(tab):
    """The step label is a live region; the order list is the graph's nodes in order, each
    Tab stop a node read with its op, value and gradient at the step, the current one marked."""
    page = tab(1366, 768)
    open_studio(page, lecture_at(0))
    assert page.get_attribute("#step-label", "aria-live") == "polite"
    keys(page, "ArrowRight", 7)          # the forward pass, and the output's gradient (1)
    assert page.inner_text("#step-label").startswith("Step 7 / 12 · backward")
    page.focus("#order li:first-child button")
    names = []
    for _ in range(6):
        names.append(page.evaluate("() => [document.activeElement.closest('li').dataset.node, document.activeElement.textContent]"))
        page.keyboard.press("Tab")
    assert [int(n) for n, _ in names] == list(range(6))            # in topological order
    rows = dict((int(n), re.sub(r"\s+", " ", t)) for n, t in names)
    assert page.get_by_role("button", name="#0 x scalar — leaf, value 1, no gradient yet", exact=True).count() == 1, rows[0]
    f = page.get_by_role("button", name="#5 f = × scalar — op mul, value 6, gradient 1 (the current step)", exact=True)
    assert f.count() == 1, rows[5]
    assert f.get_attribute("aria-current") == "step"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")                                   # picks the node: the panel shows it
    assert page.inner_text("#panel-node .nt-name").strip() == "f = ×"


# ---------------------------------------------------------------- motion and light

def running_animations(page) -> list[str]:
    return page.evaluate("() => document.getAnimations().filter((a) => a.playState === 'running').map((a) => a.animationName || a.transitionProperty || a.constructor.name)")


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_reduced_motion_runs_no_animation(tab, motion):
    page = tab(1366, 768, reduced_motion=motion)
    open_studio(page, lecture_at(AT_PLUS))         # a backward step: the gradient's dashes
    page.click("#btn-share")                       # the toast
    page.wait_for_timeout(50)
    running = running_animations(page)
    if motion == "reduce":
        assert running == []
        assert page.evaluate("() => getComputedStyle(document.documentElement).scrollBehavior") == "auto"
    else:
        assert "flow" in running                   # the check can fail: with motion, they run


def _luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_a_dark_theme_follows_the_system_has_a_remembered_switch_and_exports_stay_light(tab, tmp_path):
    page = tab(1366, 768, color_scheme="dark")
    open_studio(page, lecture_at(AT_PLUS))
    colours = lambda: page.evaluate("""() => ({
        body: getComputedStyle(document.body).backgroundColor,
        panel: getComputedStyle(document.querySelector('#panel-node')).backgroundColor,
        node: getComputedStyle(document.querySelector('#graph g#node-1 path')).fill,
        ink: getComputedStyle(document.querySelector('#graph g#node-1 text')).fill,
        graph: getComputedStyle(document.querySelector('#graph svg g.graph > polygon')).fill})""")
    dark = colours()
    assert all(_luminance(dark[k]) < 0.2 for k in ("body", "panel", "node", "graph")), dark
    assert _luminance(dark["ink"]) > 0.7, dark
    assert page.get_attribute("#btn-theme", "aria-pressed") == "true"
    page.screenshot(path=str(tmp_path / "screens-dark.png"))
    with page.expect_download() as info:           # the exported picture stays light
        page.click('[data-export="png"]')
    from PIL import Image
    png = Image.open(io.BytesIO(open(info.value.path(), "rb").read())).convert("RGB")
    assert png.getpixel((2, 2)) == (255, 255, 255)
    page.click("#btn-theme")                       # the switch, remembered
    assert page.get_attribute("html", "data-theme") == "light"
    assert _luminance(colours()["node"]) > 0.8
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.get_attribute("html", "data-theme") == "light"
    assert page.get_attribute("#btn-theme", "aria-pressed") == "false"
    light = tab(1366, 768, color_scheme="light")
    open_studio(light, lecture_at(AT_PLUS))
    assert light.get_attribute("html", "data-theme") == "light"
    node = light.evaluate("() => getComputedStyle(document.querySelector('#graph g#node-1 path')).fill")
    assert node == "rgb(224, 236, 255)"            # the server's own leaf colour in the light theme


def test_a_click_inside_a_view_keeps_it_and_only_the_view_tabs_are_tabs(tab):
    """Only the view switcher's buttons switch views and carry aria-selected (the layout and
    the graph box carry data-view attributes of their own)."""
    page = tab(1366, 768)
    open_studio(page, lecture_at(AT_PLUS))
    page.click('[data-view="train"]')
    page.click("#view-train", position={"x": 20, "y": 20})
    assert page.get_attribute("main.layout", "data-view") == "train"
    assert page.evaluate("() => [...document.querySelectorAll('[aria-selected]')].every((e) => e.getAttribute('role') === 'tab')")


def test_leaving_presentation_mode_after_a_new_layout_starts_that_layout_afresh(tab):
    """The view kept from before presentation mode belongs to the drawing shown then: after the
    graph is laid out the other way while presenting, leaving starts the new drawing's view."""
    page = tab(*PROJECTOR)
    open_studio(page, lecture_at(AT_PLUS))
    normal_text = node_text_height(page)
    page.keyboard.press("p")
    page.click("#btn-direction")
    page.wait_for_function("() => document.querySelector('#graph').dataset.direction === 'TB'")
    assert node_text_height(page) >= 2 * 11 * 0.99               # still large: at least twice 11 px
    page.keyboard.press("Escape")
    g, nodes = box(page, "#graph"), page.locator("#graph g.node")
    assert node_text_height(page) < normal_text * 1.5
    for k in range(nodes.count()):                               # the whole graph on screen again
        b = nodes.nth(k).bounding_box()
        assert g["y"] - 1 <= b["y"] and b["y"] + b["height"] <= g["y"] + g["height"] + 1
