"""The page shows after step k exactly what the drawing does: each program of
tests/fixtures/shown_at_step.json is loaded in a real browser and stepped, and every node's
and edge's visible texts in #graph are compared with the fixture (which
tests/drawing/test_shown_at_step.py checks against the drawing's SVG)."""
from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "shown_at_step.json"
PROGRAMS = json.loads(FIXTURE.read_text(encoding="utf-8"))["programs"]

# Each node's text lines; each edge's lines, '' for a line the page hides (not reached yet).
# Graphviz writes the second of two spaces as a no-break space: read as a space.
SHOWN = """() => {
    const text = (t) => t.textContent.replace(/\\u00a0/g, ' ');
    const out = { nodes: {}, edges: {} };
    for (const g of document.querySelectorAll('#graph g.node'))
        out.nodes[g.id] = [...g.querySelectorAll('text')].map(text);
    for (const g of document.querySelectorAll('#graph g.edge'))
        out.edges[g.id] = [...g.querySelectorAll('text')].map(
            (t) => getComputedStyle(t).visibility === 'hidden' || !text(t).trim() ? '' : text(t));
    return out;
}"""


@pytest.mark.parametrize("program", PROGRAMS, ids=[p["name"] for p in PROGRAMS])
def test_the_page_shows_what_the_fixture_says_at_each_step(page, program):
    steps = list(program["steps"])
    page.goto(page.base_url + "/#program=" + urllib.parse.quote(program["source"]) + "&step=" + steps[0])
    page.wait_for_selector("body[data-ready=true]")
    assert page.input_value("#step-slider") == steps[0]
    for k in steps:
        page.locator("#step-slider").fill(k)            # as a student drags the slider
        assert page.evaluate(SHOWN) == program["steps"][k], f"{program['name']} after step {k}"
    for k in reversed(steps):                           # and back: nothing stays shown too long
        page.locator("#step-slider").fill(k)
        assert page.evaluate(SHOWN) == program["steps"][k], f"{program['name']} back at step {k}"
