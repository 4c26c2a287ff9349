"""The Graphviz renderer: valid files in every format, positions that never move, same bytes
for the same program, ids the page can find, escaped text, and a clear message without dot."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.examples import EXAMPLES
from app.security import sanitize_svg
import drawing as R
from drawing import dot as dot_module, export, runner, svg as svg_module
from engine import trace
from drawing.cli import main as cli_main
from tests.console import console_script

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def lecture() -> dict:
    return trace(LECTURE).to_dict()


def dot_parses(source: bytes) -> dict:
    """Parse DOT with Graphviz itself and return its JSON view of the graph."""
    done = subprocess.run(["dot", "-Tjson0"], input=source, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def svg_texts(svg: bytes) -> dict[str, list[str]]:
    """Every node's and edge's text lines as a reader sees them (blank lines left out), by id."""
    root = ET.fromstring(svg)
    return {g.get("id"): [t.text for t in g.iter(SVG_NS + "text") if (t.text or "").strip()]
            for g in root.iter(SVG_NS + "g") if g.get("id", "").startswith(("node-", "edge-"))}


def svg_text_spots(svg: bytes) -> dict[str, list[tuple[str, str, str]]]:
    """Every edge's label lines with where they are drawn: (x, y, text), blank lines included."""
    root = ET.fromstring(svg)
    return {g.get("id"): [(t.get("x"), t.get("y"), t.text or "") for t in g.iter(SVG_NS + "text")]
            for g in root.iter(SVG_NS + "g") if g.get("id", "").startswith("edge-")}


def drawn_boxes(dot: bytes) -> tuple[dict, dict]:
    """Node boxes and edge-label text boxes (x0, y0, x1, y1 in points) as Graphviz draws them.

    Laid out with ``neato -n2`` (the pinned positions), Graphviz reports each label line's
    anchor point and its width measured with the real font.
    """
    done = subprocess.run(["neato", "-n2", "-Tjson"], input=dot, capture_output=True, check=True)
    data = json.loads(done.stdout)
    nodes = {}
    for o in data["objects"]:
        x, y = map(float, o["pos"].split(","))
        w, h = float(o["width"]) * 36, float(o["height"]) * 36
        nodes[o["id"]] = (x - w, y - h, x + w, y + h)
    labels = {}
    for e in data["edges"]:
        size, boxes = 14.0, []
        for op in e.get("_ldraw_", []) + e.get("_xldraw_", []):     # labels or xlabels
            if op["op"] == "F":
                size = float(op["size"])
            elif op["op"] == "T" and op["text"].strip():
                x, y, w = float(op["pt"][0]), float(op["pt"][1]), float(op["width"])
                x0 = {"c": x - w / 2, "l": x, "r": x - w}[op["align"]]
                boxes.append((x0, y - 0.25 * size, x0 + w, y + 0.85 * size))   # descent, ascent
        if boxes:
            labels[e["id"]] = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                               max(b[2] for b in boxes), max(b[3] for b in boxes))
    return nodes, labels


def overlaps(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def geometry(svg: bytes) -> dict[str, list[str]]:
    """All shapes (outlines, edge paths, arrowheads) by group id, and the canvas size."""
    root = ET.fromstring(svg)
    geo = {"canvas": [root.get("width"), root.get("height"), root.get("viewBox")]}
    for g in root.iter(SVG_NS + "g"):
        gid = g.get("id", "")
        if gid.startswith(("node-", "edge-")):
            geo[gid] = [e.get("d") or e.get("points") for e in g if e.tag in (SVG_NS + "path", SVG_NS + "polygon")]
    return geo


# ---------------------------------------------------------------- formats

@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_every_format_is_a_valid_file_for_every_example(example):
    doc = trace(example["source"]).to_dict()
    svg = R.render(doc, "svg")
    root = ET.fromstring(svg)
    assert root.tag == SVG_NS + "svg"
    assert R.render(doc, "png").startswith(b"\x89PNG\r\n\x1a\n")
    pdf = R.render(doc, "pdf")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    parsed = dot_parses(R.render(doc, "dot"))
    assert len(parsed["objects"]) == len(doc["nodes"])
    assert len(parsed["edges"]) == sum(len(n["inputs"]) for n in doc["nodes"])


def test_unknown_format_is_refused(lecture):
    with pytest.raises(ValueError, match="unknown format 'gif'"):
        R.render(lecture, "gif")


# ---------------------------------------------------------------- positions never move

@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_positions_identical_at_every_step(example):
    doc = trace(example["source"]).to_dict()
    final = geometry(R.render(doc, "svg"))
    assert len([k for k in final if k.startswith("node-")]) == len(doc["nodes"])
    for k in range(len(doc["steps"]) + 1):
        assert geometry(R.render(doc, "svg", k)) == final, f"geometry changed at step {k}"


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_edge_labels_cover_no_node_and_no_other_label_at_any_step(example):
    doc = trace(example["source"]).to_dict()
    for k in range(len(doc["steps"]) + 1):
        nodes, labels = drawn_boxes(R.render(doc, "dot", k))
        shown = {eid for eid, lines in svg_texts(R.render(doc, "svg", k)).items()
                 if eid.startswith("edge-") and lines}
        assert set(labels) == shown
        for eid, box in labels.items():
            hit = [nid for nid, nbox in nodes.items() if overlaps(box, nbox)]
            assert not hit, f"step {k}: the label of {eid} covers {hit}"
            hit = [other for other, obox in labels.items() if other != eid and overlaps(box, obox)]
            assert not hit, f"step {k}: the label of {eid} covers the label of {hit}"


@pytest.mark.parametrize("example", EXAMPLES[:3], ids=[e["id"] for e in EXAMPLES[:3]])
def test_edge_label_lines_never_move(example):
    """A line, once shown, stays where it is: an unreached line is blank, not left out."""
    doc = trace(example["source"]).to_dict()
    final = svg_text_spots(R.render(doc, "svg"))
    for k in range(len(doc["steps"]) + 1):
        for eid, lines in svg_text_spots(R.render(doc, "svg", k)).items():
            assert [xy for *xy, _ in lines] == [xy for *xy, _ in final[eid]], f"{eid} moved at step {k}"
            assert all(t in (" ", ft) for (*_, t), (*_, ft) in zip(lines, final[eid]))


def test_png_and_pdf_pages_keep_their_size_across_steps(lecture):
    def png_size(data: bytes) -> tuple[int, int]:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")

    def pdf_box(data: bytes) -> bytes:
        return re.search(rb"/MediaBox \[[^\]]*\]", data).group(0)

    sizes = {png_size(R.render(lecture, "png", k)) for k in range(len(lecture["steps"]) + 1)}
    boxes = {pdf_box(R.render(lecture, "pdf", k)) for k in (0, 5, 12)}
    assert len(sizes) == 1 and len(boxes) == 1


def test_dot_export_pins_every_position(lecture):
    # Laid out as its comment says (neato -n2), the exported DOT keeps dot's positions.
    done = subprocess.run(["neato", "-n2", "-Tjson0"], input=R.render(lecture, "dot", 3),
                          capture_output=True, check=True)
    parsed = json.loads(done.stdout)
    assert all("pos" in o for o in parsed["objects"])
    layout = R.compute_layout(lecture)
    pins = {o["id"]: o["pos"] for o in parsed["objects"]}
    assert pins == {nid: pos for nid, (pos, _w, _h) in layout["nodes"].items()}


# ---------------------------------------------------------------- the SVG of a step, derived

def drawn_by_neato(doc: dict, k: int, highlight: bool = True) -> bytes:
    """The reference: Graphviz itself drawing the step's DOT pinned to the program's layout."""
    dot = R.build_dot(doc, k, R.compute_layout(doc), highlight)
    return subprocess.run(["neato", "-n2", "-Tsvg"], input=dot.encode(), capture_output=True, check=True).stdout


def drawn_by_neato_coloured(doc: dict, k: int, highlight: bool = True) -> bytes:
    """The reference in the page's colours: the step's pinned DOT with each gradient line
    drawn by a text-only node over its label (as the PNG and PDF exports draw it)."""
    model = R.display_model(doc)
    direction = R.resolve_direction(doc, "auto", model)
    dot = dot_module.dot_source(doc, model, k, R.compute_layout(doc, direction), highlight, direction,
                                coloured=True)
    return subprocess.run(["neato", "-n2", "-Tsvg"], input=dot.encode(), capture_output=True, check=True).stdout


def looks(svg: bytes) -> dict[str, object]:
    """What a reader sees of each node and edge, by id: its classes, the paint of each shape
    (fill, stroke, width) and each text line (fill, text; blank lines left out); and the canvas.
    A gradient line drawn over its label (``<id>-grad``) counts as its owner's last line."""
    root = ET.fromstring(svg)
    seen: dict[str, object] = {"canvas": (root.get("width"), root.get("height"), root.get("viewBox"))}
    overlays = {g.get("id")[:-len("-grad")]: [(t.get("fill"), t.get("x"), t.get("y"), t.text)
                                               for t in g.iter(SVG_NS + "text") if (t.text or "").strip()]
                for g in root.iter(SVG_NS + "g") if g.get("id", "").endswith("-grad")}
    for g in root.iter(SVG_NS + "g"):
        gid = g.get("id", "")
        if gid.startswith(("node-", "edge-")) and not gid.endswith("-grad"):
            shapes = [(e.tag, e.get("fill"), e.get("stroke"), e.get("stroke-width"), e.get("stroke-dasharray"))
                      for e in g if e.tag in (SVG_NS + "path", SVG_NS + "polygon")]
            texts = [(t.get("fill"), t.get("x"), t.get("y"), t.text) for t in g.iter(SVG_NS + "text")
                     if (t.text or "").strip()] + overlays.get(gid, [])
            seen[gid] = (sorted(g.get("class").split()), shapes, texts)
    return seen


def steps_to_check(doc: dict) -> list[int]:
    """0, a forward step, the first and a later backward step, the last."""
    phases = [s["phase"] for s in doc["steps"]]
    first_back = phases.index("backward") + 1
    return [0, first_back // 2, first_back, (first_back + len(phases)) // 2 + 1, len(phases)]


@pytest.mark.parametrize("source", [LECTURE, EXAMPLES[2]["source"], "x = frozen(2.0)\ny = 3.0\nf = x * y"],
                         ids=["lecture", "matrix", "frozen"])
@pytest.mark.parametrize("highlight", [True, False], ids=["highlight", "plain"])
def test_step_svg_is_what_neato_draws_from_the_pinned_dot(source, highlight):
    """Each step's SVG comes from the one full-graph drawing; Graphviz drawing the step's own
    DOT on the same layout must show the same boxes and texts, and drawing it with the
    gradient lines over their labels (as PNG and PDF do), the same colours in the same spots."""
    doc = trace(source).to_dict()
    for k in steps_to_check(doc):
        ours, ref = R.render(doc, "svg", k, highlight), drawn_by_neato(doc, k, highlight)
        assert R.svg_node_boxes(ours.decode()) == R.svg_node_boxes(ref.decode()), f"step {k}"
        assert svg_texts(ours) == svg_texts(ref), f"step {k}"
        assert looks(ours) == looks(drawn_by_neato_coloured(doc, k, highlight)), f"step {k}"


def test_step_svg_with_hostile_names_is_what_neato_draws():
    doc = trace("x = 1.0\nf = x * x").to_dict()
    evil = '<b a="1">&amp;</b>\\  x'
    for key in ("label", "name", "symbol"):
        doc["nodes"][0][key] = evil
    for k in range(len(doc["steps"]) + 1):
        ours = R.render(doc, "svg", k)
        assert looks(ours) == looks(drawn_by_neato_coloured(doc, k)), f"step {k}"
        assert svg_texts(sanitize_svg(ours)) == svg_texts(ours)     # survives the app's sanitizer
    assert svg_texts(ours)["node-0"][0].startswith('<b a="1">')     # shown as text, never markup


def test_a_drawing_it_cannot_read_is_drawn_by_graphviz_instead(lecture, monkeypatch):
    """If Graphviz wrote some node or edge in a shape the renderer does not know (another
    version), each step is drawn by neato -n2 as before: slower, never wrong."""
    R.clear_caches()
    monkeypatch.setattr(svg_module, "_EDGE_SVG", re.compile(r"(?!)"))     # no edge recognized
    try:
        for k in (0, 5, 12):
            assert R.render(lecture, "svg", k) == drawn_by_neato(lecture, k)
    finally:
        R.clear_caches()


def test_png_is_the_svg_canvas_at_png_dpi(lecture):
    root = ET.fromstring(R.render(lecture, "svg", 5))
    png = R.render(lecture, "png", 5)
    size = (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big"))
    pt = (float(root.get("width").removesuffix("pt")), float(root.get("height").removesuffix("pt")))
    assert size == tuple(round(v * R.PNG_DPI / 72) for v in pt)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_one_graphviz_run_per_program_for_svg(example, monkeypatch):
    """A program is drawn by one dot run; its other steps need none; exports run neato."""
    doc = trace(example["source"]).to_dict()
    runs: list[str] = []
    real_run = subprocess.run

    def counting_run(args, *a, **kw):
        runs.append(Path(args[0]).name)
        return real_run(args, *a, **kw)

    R.clear_caches()
    monkeypatch.setattr(runner.subprocess, "run", counting_run)
    R.render(doc, "svg", 3)
    assert runs == ["dot"]
    for k in range(len(doc["steps"]) + 1):
        R.render(doc, "svg", k)
    R.render(doc, "svg", None, highlight=False)
    assert runs == ["dot"]
    R.render(doc, "png", 3)
    assert runs == ["dot", "neato"]


# ---------------------------------------------------------------- determinism

def test_same_program_same_svg_bytes(lecture):
    first = R.render(lecture, "svg", 4)
    R.clear_caches()
    again = R.render(trace(LECTURE).to_dict(), "svg", 4)
    assert first == again


@pytest.mark.slow
def test_same_program_same_svg_bytes_across_processes(tmp_path):
    prog = tmp_path / "prog.bp"
    prog.write_text(EXAMPLES[2]["source"], encoding="utf-8")
    outs = []
    for i in range(2):
        out = tmp_path / f"out{i}.svg"
        done = subprocess.run([sys.executable, "-m", "drawing.cli", "render", str(prog), "-o", str(out)],
                              capture_output=True, check=False)
        assert done.returncode == 0, done.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


# ---------------------------------------------------------------- what each step shows

def test_svg_ids_for_nodes_and_edges(lecture):
    texts = svg_texts(R.render(lecture, "svg"))
    for n in lecture["nodes"]:
        assert f"node-{n['id']}" in texts
        for pos, inp in enumerate(n["inputs"]):
            assert R.edge_id(inp, n["id"], pos) in texts
    assert "edge-3-5-0" in texts and "edge-4-5-1" in texts


def test_step_zero_shows_no_values_and_the_end_shows_all(lecture):
    start = svg_texts(R.render(lecture, "svg", 0))
    assert all(lines[2:] == [R.PLACEHOLDER_VALUE, R.PLACEHOLDER_GRAD]
               for gid, lines in start.items() if gid.startswith("node-"))
    assert all(lines == [] for gid, lines in start.items() if gid.startswith("edge-"))
    end = svg_texts(R.render(lecture, "svg"))
    assert end["node-5"] == ["f = ×", "scalar", "value 6", "grad 1"]
    assert end["node-1"] == ["y", "scalar", "value 2", "grad 5"]
    assert end["node-3"][0] == "v3 = +"
    assert end["edge-3-5-0"] == ["3", "∂ 2"]       # (x + y) carries 3 forward, 2 back
    assert end["edge-1-4-0"] == ["2", "∂ 3"]       # max routes its 3 to y


def test_forward_then_backward_reveals_in_order(lecture):
    after_forward = svg_texts(R.render(lecture, "svg", 6))
    assert after_forward["node-5"][2:] == ["value 6", R.PLACEHOLDER_GRAD]
    assert after_forward["edge-3-5-0"] == ["3"]
    at_plus = svg_texts(R.render(lecture, "svg", 9))   # backward at the + node
    assert at_plus["node-3"][3] == "grad 2"
    assert at_plus["edge-0-3-0"] == ["1", "∂ 2"]
    assert at_plus["node-0"][3] == R.PLACEHOLDER_GRAD    # x's own step comes later
    dot = R.render(lecture, "dot", 9).decode()
    assert re.search(r'n3 \[[^\]]*class="bp-node op current"', dot)


@pytest.mark.parametrize("step", [-1, 13, 1.5, True])
def test_step_out_of_range(lecture, step):
    with pytest.raises(R.StepOutOfRange, match="between 0 and 12"):
        R.render(lecture, "svg", step)


def test_display_model_matches_steps(lecture):
    model = R.display_model(lecture)
    by_id = {d["id"]: d for d in model["nodes"]}
    assert [by_id[i]["value_at"] for i in range(6)] == [1, 2, 3, 4, 5, 6]
    assert [by_id[i]["grad_at"] for i in (5, 4, 3, 2, 1, 0)] == [7, 8, 9, 10, 11, 12]
    edge = next(e for e in model["edges"] if e["id"] == "edge-2-4-1")
    assert (edge["value"], edge["grad"], edge["value_at"], edge["grad_at"]) == ("0", "∂ 0", 3, 8)


def test_frozen_leaf_edge_says_no_gradient():
    doc = trace("x = frozen(2.0)\ny = 3.0\nf = x * y").to_dict()
    texts = svg_texts(R.render(doc, "svg"))
    assert texts["edge-0-2-0"] == ["2", "frozen: no ∂"]
    assert "frozen" in texts["node-0"][1]


def test_non_scalar_output_draws_without_gradients():
    doc = trace("x = [1.0, 2.0]\ny = x * 2.0").to_dict()
    texts = svg_texts(R.render(doc, "svg"))
    assert texts["node-2"][2:] == ["value [2, 4]", R.PLACEHOLDER_GRAD]


def test_matrix_and_long_vector_labels_stay_short():
    doc = trace(EXAMPLES[2]["source"]).to_dict()
    texts = svg_texts(R.render(doc, "svg"))
    w = next(n for n in doc["nodes"] if n["name"] == "W")
    assert texts[f"node-{w['id']}"][1] == "4×10"
    assert texts[f"node-{w['id']}"][2].startswith("value norm ")
    x = next(n for n in doc["nodes"] if n["name"] == "x")
    assert texts[f"node-{x['id']}"][2] == "value [0.1, -0.3, …]"


# ---------------------------------------------------------------- escaping

def test_user_text_is_escaped_never_html():
    doc = trace("x = 1.0\nf = x * x").to_dict()
    evil = 'a"b\\n<B>c</B>'
    doc["nodes"][0]["label"] = evil
    doc["nodes"][0]["name"] = evil
    doc["nodes"][0]["symbol"] = evil
    dot = R.build_dot(doc)
    assert 'label=<' not in dot                      # never an HTML-like label
    dot_parses(dot.encode())
    texts = svg_texts(R.render(doc, "svg"))
    assert texts["node-0"][0] == evil[:R.MAX_HEADER_CHARS]   # shown literally, backslash and all


# ---------------------------------------------------------------- without Graphviz

def test_missing_graphviz_says_what_to_install(lecture, monkeypatch, tmp_path):
    R.clear_caches()
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not R.graphviz_available()
    for fmt in ("svg", "png", "pdf"):
        with pytest.raises(R.GraphvizMissing) as info:
            R.render(lecture, fmt)
        assert "apt-get install graphviz" in str(info.value)
        assert "brew install graphviz" in str(info.value)
    dot = R.render(lecture, "dot", 2).decode()      # DOT needs no Graphviz program
    assert dot.startswith("// Backprop Studio graph") and 'id="node-5"' in dot


def test_too_large_graph_is_refused_as_a_picture_but_exports_as_dot():
    chain = "a0 = 1.0\n" + "\n".join(f"a{i} = a{i - 1} + 1.0" for i in range(1, R.MAX_RENDER_NODES // 2 + 2))
    doc = trace(chain).to_dict()
    with pytest.raises(R.GraphTooLarge, match=rf"^This graph has {len(doc['nodes'])} nodes; "
                                              rf"drawings are limited to {R.MAX_RENDER_NODES} nodes\.$"):
        R.render(doc, "svg", level="nodes")
    dot = R.render(doc, "dot", 5, level="nodes")   # unpinned: lay it out with dot yourself
    assert b" pos=" not in dot and b'id="node-0"' in dot


def test_too_large_graph_is_refused_before_any_work_on_it(monkeypatch):
    """/api/trace asks for the picture of every program: past the limit the answer must come
    at once, not after the display model of 10,000 nodes is made and thrown away."""
    chain = "a0 = 1.0\n" + "\n".join(f"a{i} = a{i - 1} + 1.0" for i in range(1, R.MAX_RENDER_NODES // 2 + 2))
    doc = trace(chain).to_dict()
    monkeypatch.setattr(export, "display_model", lambda trace: pytest.fail("display model made for a refused graph"))
    for fmt in ("svg", "png", "pdf"):
        with pytest.raises(R.GraphTooLarge):
            R.render(doc, fmt, 3, level="nodes")


@pytest.mark.parametrize("fmt", ["svg", "dot"])
def test_render_with_the_display_model_given_is_the_same_file(lecture, fmt):
    model = R.display_model(lecture)
    for step in (0, 4, len(lecture["steps"])):
        assert R.render(lecture, fmt, step, model=model) == R.render(lecture, fmt, step)


# ---------------------------------------------------------------- the render command

@pytest.mark.parametrize("fmt,magic", [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF-"), ("dot", b"//")])
def test_cli_render_writes_each_format(tmp_path, fmt, magic):
    prog = tmp_path / "lecture.bp"
    prog.write_text(LECTURE, encoding="utf-8")
    out = tmp_path / f"graph.{fmt}"
    assert cli_main(["render", str(prog), "-o", str(out), "--step", "9"]) == 0
    assert out.read_bytes().startswith(magic)
    if fmt == "svg":
        assert svg_texts(out.read_bytes())["node-3"][3] == "grad 2"


def test_cli_bad_program_is_one_line_on_stderr(tmp_path, capsys):
    prog = tmp_path / "bad.bp"
    prog.write_text("x = 1.0\nf = x +* 2", encoding="utf-8")
    assert cli_main(["render", str(prog), "-o", str(tmp_path / "o.svg")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("line 2, col ")
    assert not (tmp_path / "o.svg").exists()


def test_cli_refuses_unknown_extension_and_bad_step(tmp_path, capsys):
    prog = tmp_path / "p.bp"
    prog.write_text(LECTURE, encoding="utf-8")
    assert cli_main(["render", str(prog), "-o", str(tmp_path / "o.gif")]) == 2
    assert "end it in .svg, .png, .pdf, .dot" in capsys.readouterr().err
    assert cli_main(["render", str(prog), "-o", str(tmp_path / "o.svg"), "--step", "99"]) == 1
    assert "step must be between 0 and 12" in capsys.readouterr().err


def test_a_file_with_a_byte_order_mark_renders_and_traces_like_one_without(tmp_path, capsys):
    """Both commands read a program the same way: a UTF-8 file saved with a BOM (as Windows
    editors do), from a file or from standard input, gives the same files as one without."""
    plain, bom = tmp_path / "plain.bp", tmp_path / "bom.bp"
    plain.write_bytes(LECTURE.encode("utf-8"))
    bom.write_bytes(b"\xef\xbb\xbf" + LECTURE.encode("utf-8"))
    drawn, traced = {}, {}
    for name, path in (("plain", plain), ("bom", bom)):
        out = tmp_path / f"{name}.svg"
        assert cli_main(["render", str(path), "-o", str(out), "--step", "5"]) == 0
        drawn[name] = out.read_bytes()
        assert cli_main(["trace", str(path)]) == 0
        traced[name] = capsys.readouterr().out
    out = tmp_path / "stdin.svg"
    for command, args in (("render", ["-o", str(out), "--step", "5"]), ("trace", [])):
        done = subprocess.run([*console_script(), command, "-", *args], input=bom.read_bytes(),
                              capture_output=True, check=False)
        assert done.returncode == 0, done.stderr
        traced["stdin"] = done.stdout.decode("utf-8")
    drawn["stdin"] = out.read_bytes()
    assert drawn["bom"] == drawn["plain"] == drawn["stdin"]
    assert traced["bom"] == traced["plain"] == traced["stdin"]
    assert json.loads(traced["plain"])["source"] == LECTURE


@pytest.mark.slow
def test_console_script_render(tmp_path):
    prog = tmp_path / "p.bp"
    prog.write_text(LECTURE, encoding="utf-8")
    done = subprocess.run([*console_script(), "render", str(prog), "-o", str(tmp_path / "g.png"), "--step", "0"],
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")


# ---------------------------------------------------------------- DOT quoting

@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('ab_1.-"\\<>& \n{}[];=,\'é'), max_size=12))
def test_labels_are_quoted_as_the_graphviz_package_quotes_them(text):
    """The DOT writer quotes a label exactly as the graphviz package would (its quote of its
    own escape): user text can neither close the string nor become an HTML-like label."""
    from graphviz.quoting import quote
    assert dot_module._quote(dot_module._escape(text)) == quote(graphviz.escape(text))
