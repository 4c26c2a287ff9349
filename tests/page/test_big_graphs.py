"""Big graphs in the page: a ~2,000-node program drawn collapsed (one box per statement),
stepped, a statement expanded in place, and exported; the collapsed boxes of the fixture's
programs show what tests/fixtures/shown_at_step.json says at each step."""
from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from bench.programs import scalar_program
from drawing import display_model
from engine import trace
from tests.page.test_browser import _download, keys, open_studio, step_label

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "shown_at_step.json"
PROGRAMS = json.loads(FIXTURE.read_text(encoding="utf-8"))["programs"]

BOXES = """() => {
    const text = (t) => t.textContent.replace(/\\u00a0/g, ' ');
    const out = { groups: {}, current: null };
    for (const g of document.querySelectorAll('#graph g.node.bp-group')) {
        out.groups[g.id] = [...g.querySelectorAll('text')].map(text);
        if (g.classList.contains('current')) out.current = g.id;
    }
    return out;
}"""

BOX_PLACES = """() => Object.fromEntries([...document.querySelectorAll('#graph g.node.bp-group')]
    .map((g) => [g.id, g.getBoundingClientRect().toJSON()]))"""


def open_at(page, source: str, step: int, level: str | None = None) -> None:
    extra = f"&level={level}" if level else ""
    open_studio(page, "#program=" + urllib.parse.quote(source) + f"&step={step}{extra}")
    page.wait_for_function("() => !!window.studio && window.studio.state.doc.trace !== null")


def go_to(page, k: int) -> None:
    page.locator("#step-slider").fill(str(k))
    assert step_label(page).startswith(f"Step {k} /")


@pytest.mark.parametrize("program", PROGRAMS, ids=[p["name"] for p in PROGRAMS])
def test_the_collapsed_boxes_show_what_the_fixture_says_at_each_step(page, program):
    steps = list(program["statements"])
    open_at(page, program["source"], int(steps[0]), "statements")
    assert page.get_attribute("#graph", "data-level") == "statements"
    for k in steps + list(reversed(steps)):
        go_to(page, int(k))
        assert page.evaluate(BOXES) == program["statements"][k], f"{program['name']} at step {k}"


def test_a_2000_node_program_is_drawn_collapsed_stepped_expanded_and_exported(page):
    source = scalar_program(2000, seed=1)
    doc = trace(source).to_dict()
    levels = display_model(doc)["statements"]
    big = next(g for g in levels["groups"] if len(g["nodes"]) >= 5 and g["grad_at"])
    open_at(page, source, 0)
    # Drawn: one box per statement, marked as collapsed; the full drawing is not offered.
    assert page.locator("#graph g.node.bp-group").count() == len(levels["groups"]) == 552
    assert page.locator("#graph g.node.bp-copy").count() == len(levels["copies"])
    assert page.locator("#graph g.node[id^='node-']").count() == 0
    assert page.get_attribute("#graph", "data-level") == "statements"
    assert "552 statements of 1,999 nodes" in page.inner_text("#level-mark")
    assert page.is_disabled("#btn-level")
    box = page.locator(f"#graph g#{big['svg_id']}")

    # Stepping at the statement level: the box lights up at each of its steps, shows its
    # value after its last forward step, and its gradient after its last backward step.
    first, last_forward = big["steps"][0], big["value_at"]
    go_to(page, first - 1)
    assert "current" not in box.get_attribute("class")
    assert box.locator("text").nth(2).text_content() == "value —"
    go_to(page, first)
    assert "current" in box.get_attribute("class")
    assert box.locator("text").nth(2).text_content() == "value —"       # not its last forward step
    go_to(page, last_forward)
    assert "current" in box.get_attribute("class")
    assert box.locator("text").nth(2).text_content() == big["value"]
    assert box.locator("text").nth(3).text_content() == "grad —"
    go_to(page, last_forward + 1)
    assert "current" not in box.get_attribute("class")
    # The panel lists the statement's steps, each a link to its step.
    go_to(page, first)
    items = page.locator("#group-panel .group-steps li")
    assert items.count() == len(big["steps"])
    assert f"Statement {big['name']}" in page.inner_text("#group-panel")
    items.nth(len(big["steps"]) - 1).locator("button").click()
    assert step_label(page).startswith(f"Step {big['steps'][-1]} /")
    assert box.locator("text").nth(3).text_content() == big["grad"]
    assert "current" in box.get_attribute("class")

    # Expanding it in place: its nodes drawn over the drawing, nothing else moving.
    go_to(page, first)
    before = page.evaluate(BOX_PLACES)
    keys(page, "e")
    page.wait_for_selector(f"#graph .inset g#node-{big['head']}")
    drawn = page.evaluate("() => [...document.querySelectorAll('#graph .inset g.node[id^=\"node-\"]')].map((g) => g.id)")
    assert sorted(drawn) == sorted(f"node-{n}" for n in big["nodes"])
    assert page.evaluate(BOX_PLACES) == before
    page.screenshot(path="/tmp/backprop-big-expanded.png")
    # Its nodes step like the full drawing's: the first node is current, the head not computed.
    inset = page.locator("#graph .inset")
    first_node = doc["steps"][first - 1]["node"]
    assert "current" in inset.locator(f"g#node-{first_node}").get_attribute("class")
    assert inset.locator(f"g#node-{big['head']} text").nth(2).text_content() == "value —"
    go_to(page, last_forward)
    assert inset.locator(f"g#node-{big['head']} text").nth(2).text_content() == big["value"]
    assert "current" in inset.locator(f"g#node-{big['head']}").get_attribute("class")
    go_to(page, big["grad_at"])
    assert inset.locator(f"g#node-{big['head']} text").nth(3).text_content() == big["grad"]
    page.click("#btn-expand-group")                     # collapse it again
    page.wait_for_selector("#graph .inset", state="detached")
    assert page.evaluate(BOX_PLACES) == before

    # An export at this step is the collapsed picture, the statement shown current.
    name, svg = _download(page, "svg")
    assert name == f"backprop-step-{big['grad_at']}.svg"
    assert svg.count(b'class="node bp-group') == 552
    assert f'<g id="{big["svg_id"]}" class="node bp-group'.encode() in svg
    current = svg.split(f'<g id="{big["svg_id"]}" class="'.encode(), 1)[1].split(b'"', 1)[0]
    assert b"current" in current
    page.screenshot(path="/tmp/backprop-big-collapsed.png")


def test_a_drawable_graph_can_be_collapsed_and_expanded_all_again(page):
    source = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
    open_at(page, source, 3)
    assert page.get_attribute("#graph", "data-level") == "nodes"
    assert page.locator("#graph g.node[id^='node-']").count() == 6
    page.click("#btn-level")
    page.wait_for_function("() => document.querySelector('#graph').dataset.level === 'statements'")
    assert page.locator("#graph g.node.bp-group").count() == 4
    assert step_label(page).startswith("Step 3 /")                # the step stays
    assert "level=statements" in page.evaluate("() => { window.studio.writeHash(); return location.hash; }")
    page.click("#btn-level")                                    # expand all: every node again
    page.wait_for_function("() => document.querySelector('#graph').dataset.level === 'nodes'")
    assert page.locator("#graph g.node[id^='node-']").count() == 6
