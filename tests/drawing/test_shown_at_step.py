"""What the graph shows after step k, pinned by tests/fixtures/shown_at_step.json: the drawing's
SVG and DOT of each step say exactly what the fixture says (the page is checked against the
same file in tests/page/test_shown_at_step.py)."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

import drawing
from engine import trace
from tests.drawing.make_fixtures import FIXTURE, dumps, make

SVG = "{http://www.w3.org/2000/svg}"
PROGRAMS = json.loads(FIXTURE.read_text(encoding="utf-8"))["programs"]
CASES = [(p, int(k)) for p in PROGRAMS for k in p["steps"]]


def shown_in_svg(svg: bytes) -> dict[str, dict[str, list[str]]]:
    """Each node's and edge's text lines in an SVG, by id; a blank edge line is one not shown.
    Graphviz writes the second of two spaces as a no-break space (so SVG keeps both): read
    as a space."""
    root = ET.fromstring(svg)
    out: dict[str, dict[str, list[str]]] = {"nodes": {}, "edges": {}}
    for g in root.iter(SVG + "g"):
        classes = (g.get("class") or "").split()
        for kind in ("node", "edge"):
            if kind in classes:
                lines = [(t.text or "").replace("\xa0", " ") for t in g.iter(SVG + "text")]
                out[kind + "s"][g.get("id")] = [line if line.strip() else "" for line in lines]
    return out


def test_the_fixture_is_up_to_date_with_the_code():
    assert FIXTURE.read_text(encoding="utf-8") == dumps(make()) + "\n", \
        "regenerate it: python -m tests.drawing.make_fixtures"


def test_the_fixture_covers_partial_steps_fan_out_and_a_frozen_leaf():
    lines = json.dumps(PROGRAMS, ensure_ascii=False)
    assert "value —" in lines and "grad —" in lines and "frozen: no ∂" in lines and "frozen" in lines
    assert all(len(p["steps"]) >= 3 for p in PROGRAMS)


@pytest.mark.parametrize("program,k", CASES, ids=[f"{p['name']}-{k}" for p, k in CASES])
@pytest.mark.parametrize("highlight", [True, False])
def test_the_svg_of_each_step_shows_what_the_fixture_says(program, k, highlight):
    doc = trace(program["source"]).to_dict()
    assert drawing.shown_at(drawing.display_model(doc), k) == program["steps"][str(k)]
    assert shown_in_svg(drawing.render(doc, "svg", k, highlight=highlight)) == program["steps"][str(k)]


@pytest.mark.parametrize("program,k", CASES[:3], ids=[f"{p['name']}-{k}" for p, k in CASES[:3]])
def test_the_pinned_dot_drawn_by_graphviz_shows_the_same(program, k):
    """The DOT export, drawn by Graphviz itself, shows the same texts as the cut SVG."""
    import subprocess
    doc = trace(program["source"]).to_dict()
    dot = drawing.render(doc, "dot", k)
    svg = subprocess.run(["neato", "-n2", "-Tsvg"], input=dot, capture_output=True, check=True).stdout
    assert shown_in_svg(svg) == program["steps"][str(k)]
