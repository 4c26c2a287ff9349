"""The step told in a sentence just above the step bar, in Chromium: it follows every step, says
what the engine's narration says, in English and after a switch to Korean, and is an ARIA live
region; presentation mode keeps it in view."""
from __future__ import annotations

import tempfile
from pathlib import Path

from engine import trace
from tests.page.test_browser import keys, open_studio, run

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
SCREENSHOTS = Path(tempfile.gettempdir())


def told(page) -> str:
    return page.text_content("#narration")


def test_the_narration_follows_each_step_in_english_and_korean(page):
    open_studio(page)
    run(page, LECTURE)
    steps = trace(LECTURE).to_dict()["steps"]
    assert page.get_attribute("#narration", "aria-live") == "polite"
    keys(page, "Home")
    assert told(page) == ""
    graph_box = page.locator("#graph").bounding_box()
    seen = []
    for k in range(1, len(steps) + 1):
        keys(page, "ArrowRight")
        assert told(page) == steps[k - 1]["narration"]["en"], k
        seen.append(told(page))
    assert len(set(seen)) == len(steps)             # a new sentence at every step
    assert page.locator("#graph").bounding_box() == graph_box     # told over the graph's edge: no resize
    assert "y is used by 2 nodes, so its gradient is the sum 3 + 2 = 5." in seen[10]

    page.evaluate("async () => { const i18n = await import('/static/studio/i18n.js'); await i18n.setLang('ko'); }")
    assert told(page) == steps[-1]["narration"]["ko"]       # re-told at once, at the step shown
    for k in range(len(steps) - 1, 0, -1):
        keys(page, "ArrowLeft")
        assert told(page) == steps[k - 1]["narration"]["ko"], k
    keys(page, "End")
    keys(page, "ArrowLeft", 5)
    assert "곱셈(×)" in told(page)
    page.screenshot(path=SCREENSHOTS / "narration-ko.png")

    keys(page, "p")                                      # presentation mode: still told, in view
    page.wait_for_selector("html[data-present]", state="attached")
    assert page.locator("#narration").is_visible() and told(page) == steps[6]["narration"]["ko"]
    page.screenshot(path=SCREENSHOTS / "narration-present-ko.png")
