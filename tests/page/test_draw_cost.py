"""The page with a program too costly for `dot` to draw: the reason is shown, and the
picture exports are off, as for any graph that is not drawn."""
from __future__ import annotations

from tests.app.hardening import LECTURE
from tests.app.test_lanes import SLOW
from tests.page.test_browser import keys, open_studio, run, step_label


def test_a_graph_too_costly_to_draw_says_why_and_still_steps(page):
    open_studio(page)
    run(page, LECTURE)
    run(page, SLOW)
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
