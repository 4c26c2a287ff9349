"""The page with a program too costly for `dot` to draw: the reason is shown, and the
picture exports are off, as for any graph that is not drawn."""
from __future__ import annotations

from tests.app.hardening import LECTURE
from tests.app.test_lanes import SLOW
import urllib.parse

from tests.page.test_browser import keys, open_studio, run, step_label, wait_runs


def test_a_graph_too_costly_to_draw_node_by_node_is_drawn_collapsed(page):
    open_studio(page)
    run(page, LECTURE)
    run(page, SLOW)
    assert page.locator("#graph-message").is_hidden()
    assert page.get_attribute("#graph", "data-level") == "statements"
    assert page.locator("#graph g.node.bp-group").count() >= 1


def test_a_graph_too_costly_to_draw_says_why_and_still_steps(page):
    open_studio(page)
    run(page, LECTURE)
    page.goto("about:blank")                                # a new page load, not a hash change
    open_studio(page, "#program=" + urllib.parse.quote(SLOW) + "&step=0&level=nodes")   # node by node
    wait_runs(page, 1)
    message = page.locator("#graph-message")
    assert message.is_visible()
    assert "too long for Graphviz to draw" in message.inner_text()
    assert "x + x + … + x" in message.inner_text()
    page.screenshot(path="/tmp/backprop-draw-cost.png")
    assert page.locator("#graph svg").count() == 0
    assert page.is_disabled('[data-export="png"]') and not page.is_disabled('[data-export="dot"]')
    keys(page, "End")
    assert step_label(page).startswith(f"Step {page.get_attribute('#step-slider', 'max')} /")
    run(page, LECTURE)
    assert message.is_hidden() and not page.is_disabled('[data-export="png"]')
