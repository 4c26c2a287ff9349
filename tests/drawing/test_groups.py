"""The statement level: groups of known programs, the collapse chosen by size, copies of
high-fan-out inputs, a statement expanded on its own, stepping at both levels, and the
exports of a collapsed graph. References: the program's own statements, the trace's steps
read independently, Graphviz's own drawings of the DOT."""
from __future__ import annotations

import io
import json
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

import drawing as R
from bench.programs import scalar_program
from drawing.collapsed import collapsed_dot, inset_dot
from drawing.groups import MAX_EDGE_SPAN, MAX_GROUP_FANOUT, shown_at_groups
from engine import trace
from tests.drawing.make_fixtures import FIXTURE

SVG = "{http://www.w3.org/2000/svg}"
LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
CHAIN = "a0 = 1.0\n" + "\n".join(f"a{i} = a{i - 1} + 1.0" for i in range(1, R.MAX_RENDER_NODES // 2 + 2))
# w feeds four statements: the first keeps its edge, the other three get a copy each.
FAN = "w = 0.5\nb = 1.0\nh1 = b * w\nh2 = h1 * w\nh3 = h2 * w\nh4 = h3 * w"
PROGRAMS = json.loads(FIXTURE.read_text(encoding="utf-8"))["programs"]


def statements_of(doc: dict) -> dict:
    return R.display_model(doc)["statements"]


def svg_groups(svg: bytes) -> dict[str, tuple[list[str], list[str]]]:
    """Each box (group or copy) of an SVG: its classes and its text lines."""
    out = {}
    for g in ET.fromstring(svg).iter(SVG + "g"):
        gid = g.get("id") or ""
        if gid.startswith(("group-", "copy-")):
            out[gid] = ((g.get("class") or "").split(),
                        [(t.text or "").replace("\xa0", " ") for t in g.iter(SVG + "text")])
    return out


# ---------------------------------------------------------------- groups

def test_the_lecture_has_one_group_per_statement_named_by_its_left_side():
    doc = trace(LECTURE).to_dict()
    groups = statements_of(doc)["groups"]
    assert [g["name"] for g in groups] == ["x", "y", "z", "f"]
    assert groups[3]["nodes"] == [3, 4, 5] and groups[3]["head"] == doc["output"]
    assert [g["inputs"] for g in groups] == [[], [], [], [0, 1, 2]]
    assert groups[3]["header"].startswith("f = (x + y)") and groups[3]["shape"] == "scalar"


def test_the_benchmark_program_has_as_many_groups_as_statements():
    source = scalar_program(2000, seed=1)
    doc = trace(source).to_dict()
    levels = statements_of(doc)
    statements = [line for line in source.splitlines() if line.strip()]
    assert len(levels["groups"]) == len(statements) == 552
    assert [g["name"] for g in levels["groups"]] == [line.split(" = ")[0] for line in statements]
    # Every node in exactly one group, in id order.
    assert [n for g in levels["groups"] for n in g["nodes"]] == list(range(len(doc["nodes"])))
    assert all(levels["of"][n] == g["id"] for g in levels["groups"] for n in g["nodes"])


def test_a_bare_expression_joins_the_next_statement_and_an_alias_makes_no_group():
    doc = trace("x = 2.0\nx * 3\ny = x\nz = y + 1").to_dict()
    groups = statements_of(doc)["groups"]
    assert [g["name"] for g in groups] == ["x", "z"]
    assert len(groups[1]["nodes"]) == len(doc["nodes"]) - 1


# ---------------------------------------------------------------- the collapse, chosen by size

def test_the_collapse_is_chosen_where_the_full_drawing_is_not_allowed():
    from tests.drawing.test_cost import SLOW
    assert R.choose_level(trace(LECTURE).to_dict()) == "nodes"
    chain = trace(CHAIN).to_dict()
    assert len(chain["nodes"]) > R.MAX_RENDER_NODES and R.choose_level(chain) == "statements"
    slow = trace(SLOW).to_dict()                  # few nodes, but too costly for dot
    assert len(slow["nodes"]) < R.MAX_RENDER_NODES and R.choose_level(slow) == "statements"
    assert R.choose_level(chain, "nodes") == "nodes"
    assert R.choose_level(trace(LECTURE).to_dict(), "statements") == "statements"
    with pytest.raises(ValueError, match="unknown level"):
        R.choose_level(chain, "boxes")
    svg = R.render(chain, "svg", highlight=False)
    assert len(svg_groups(svg)) == R.MAX_RENDER_NODES // 2 + 2 and b'id="node-' not in svg


def test_too_many_boxes_are_refused_with_the_limit(monkeypatch):
    doc = trace(CHAIN).to_dict()
    monkeypatch.setattr(R.errors, "MAX_COLLAPSED_BOXES", 10)
    with pytest.raises(R.GraphTooLarge, match=r"collapsed drawings are limited to 10 boxes"):
        R.render(doc, "svg")


# ---------------------------------------------------------------- copies of high-fan-out inputs

def test_a_parameter_used_by_many_statements_is_copied_beside_each_further_use():
    doc = trace(FAN).to_dict()
    levels = statements_of(doc)
    assert MAX_GROUP_FANOUT < 4
    w = 0
    into = {e["group"]: e for e in levels["edges"] if e["input"] == w}
    assert sorted(into) == [2, 3, 4, 5]
    assert not into[2]["copy"] and all(into[g]["copy"] for g in (3, 4, 5))
    assert [(c["group"], c["consumer"]) for c in levels["copies"] if c["group"] == w] == [(0, 3), (0, 4), (0, 5)]
    dot = collapsed_dot(doc, R.display_model(doc), len(doc["steps"]), None, False)
    assert "\tg0 -> g2 " in dot and "g0 -> g3" not in dot
    for b in (3, 4, 5):
        assert f"\tc0_{b} -> g{b} " in dot and f'id="copy-0-{b}"' in dot


def test_a_value_used_far_on_is_copied_too():
    lines = ["a = 1.0", "b = a * 2"] + [f"c{i} = {'b' if i == 0 else f'c{i - 1}'} + 1" for i in range(MAX_EDGE_SPAN + 2)]
    lines.append(f"d = c{MAX_EDGE_SPAN + 1} * b")     # b used again, far along the chain
    doc = trace("\n".join(lines)).to_dict()
    levels = statements_of(doc)
    far = [e for e in levels["edges"] if e["input"] == 1 and e["group"] == len(levels["groups"]) - 1]
    assert far and far[0]["copy"]
    near = [e for e in levels["edges"] if e["input"] == 1 and e["group"] == 2]
    assert near and not near[0]["copy"]


def test_the_collapsed_benchmark_program_is_cheap_for_dot():
    """Every edge short: the issue's 2,000-node program collapsed took dot minutes with its
    long edges; with the copies, the virtual nodes are few."""
    doc = trace(scalar_program(2000, seed=1)).to_dict()
    model = R.display_model(doc)
    levels = model["statements"]
    boxes = len(levels["groups"]) + len(levels["copies"])
    out = subprocess.run(["dot", "-v", "-Tsvg", "-o", "/dev/null"], capture_output=True, check=True, timeout=120,
                         input=collapsed_dot(doc, model, len(doc["steps"]), None, False).encode()).stderr.decode()
    laid = [int(m) for m in re.findall(r"network simplex:\s+(\d+) nodes", out)]
    assert laid and max(laid) < 4 * boxes        # real and virtual nodes of the positions phase


# ---------------------------------------------------------------- a statement expanded

def test_a_statement_expanded_is_its_nodes_with_their_edges_and_its_outside_inputs():
    doc = trace(LECTURE).to_dict()
    model = R.display_model(doc)
    dot = inset_dot(doc, model, 3)
    ids = set(re.findall(r'id="(node-\d+)"', dot))
    assert ids == {"node-3", "node-4", "node-5"}
    assert set(re.findall(r'id="(outside-\d+)"', dot)) == {"outside-0", "outside-1", "outside-2"}
    edges = set(re.findall(r'id="(edge-[\d-]+)"', dot))
    assert edges == {e["id"] for e in model["edges"] if e["node"] in (3, 4, 5)}
    svg = R.render_inset(doc, 3, model)
    drawn = {g.get("id") for g in ET.fromstring(svg).iter(SVG + "g")}
    assert {"node-3", "node-4", "node-5", "edge-0-3-0", "edge-4-5-1"} <= drawn
    # fully computed: the values and gradients of its nodes, as the full drawing shows them
    texts = [t.text for t in ET.fromstring(svg).iter(SVG + "text")]
    assert "value 6" in texts and "grad 1" in texts
    with pytest.raises(R.StepOutOfRange, match="group must be between 0 and 3"):
        R.render_inset(doc, 4, model)


# ---------------------------------------------------------------- stepping at both levels

def test_a_group_shows_its_value_after_its_last_forward_step_and_its_gradient_after_its_last_backward_step():
    doc = trace(scalar_program(300, seed=2)).to_dict()
    levels = statements_of(doc)
    for g in levels["groups"]:
        members = set(g["nodes"])
        mine = [k for k, s in enumerate(doc["steps"], 1) if s["node"] in members]
        assert g["steps"] == mine
        assert g["value_at"] == max(k for k in mine if doc["steps"][k - 1]["phase"] == "forward")
        backward = [k for k in mine if doc["steps"][k - 1]["phase"] == "backward"]
        assert g["grad_at"] == (max(backward) if backward else None)
    for k in (0, 1, len(doc["steps"]) // 2, len(doc["steps"]) - 7, len(doc["steps"])):
        shown = shown_at_groups(levels, doc, k)
        current = doc["steps"][k - 1]["node"] if k else None
        assert shown["current"] == (f"group-{levels['of'][current]}" if k else None)
        for g in levels["groups"]:
            lines = shown["groups"][g["svg_id"]]
            assert (lines[2] != R.PLACEHOLDER_VALUE) == (k >= g["value_at"])
            assert (lines[3] != R.PLACEHOLDER_GRAD) == (g["grad_at"] is not None and k >= g["grad_at"])


@pytest.mark.parametrize("program", PROGRAMS, ids=[p["name"] for p in PROGRAMS])
def test_the_collapsed_drawing_of_each_step_shows_what_the_fixture_says(program):
    doc = trace(program["source"]).to_dict()
    for k, want in program["statements"].items():
        k = int(k)
        assert shown_at_groups(statements_of(doc), doc, k) == want
        svg = R.render(doc, "svg", k, level="statements")
        boxes = svg_groups(svg)
        assert {gid: lines for gid, (_, lines) in boxes.items() if gid.startswith("group-")} == want["groups"]
        current = [gid for gid, (classes, _) in boxes.items() if "current" in classes]
        assert current == ([want["current"]] if want["current"] else [])


# ---------------------------------------------------------------- exports of a collapsed graph

def test_every_export_of_a_collapsed_graph_at_a_step_is_the_collapsed_picture():
    from PIL import Image
    doc = trace(CHAIN).to_dict()
    k = 7
    levels = statements_of(doc)
    current = f"group-{levels['of'][doc['steps'][k - 1]['node']]}"
    svg = R.render(doc, "svg", k)
    boxes = svg_groups(svg)
    assert len(boxes) == len(levels["groups"]) and "current" in boxes[current][0]
    dot = R.render(doc, "dot", k).decode()
    assert "one box per statement" in dot and " pos=" in dot and f'id="{current}"' in dot
    redrawn = subprocess.run(["neato", "-n2", "-Tsvg"], input=dot.encode(), capture_output=True, check=True).stdout
    assert svg_groups(redrawn) == boxes
    png = Image.open(io.BytesIO(R.render(doc, "png", k)))
    assert png.format == "PNG" and png.width > png.height > 20
    pdf = R.render(doc, "pdf", k)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type/Page") >= 1
