"""Exports keep the page's colours: gradient lines red, values in the text colour, the current
node highlighted, in the SVG, PNG and PDF of a step."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

import drawing as R
from drawing.style import COLORS
from engine import trace

SVG_NS = "{http://www.w3.org/2000/svg}"
LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
RED = (0xe1, 0x1d, 0x48)           # the page's --grad (static/studio.css)


def text_spots(svg: bytes) -> tuple[tuple[float, float], dict[str, list[tuple[str, float, float, str]]]]:
    """The drawing's translation, and each node's and edge's text lines: (fill, x, y, text)."""
    root = ET.fromstring(svg)
    graph = root.find(SVG_NS + "g")
    tx, ty = map(float, re.search(r"translate\(([-\d.]+) ([-\d.]+)\)", graph.get("transform")).groups())
    spots = {g.get("id"): [(t.get("fill"), float(t.get("x")), float(t.get("y")), t.text or "")
                           for t in g.iter(SVG_NS + "text")]
             for g in root.iter(SVG_NS + "g") if g.get("id", "").startswith(("node-", "edge-"))}
    return (tx, ty), spots


def red_share(img: Image.Image, box: tuple[float, float, float, float]) -> float:
    """The share of pixels in ``box`` close to the page's gradient red."""
    crop = img.convert("RGB").crop(tuple(round(v) for v in box))
    pixels = list(crop.get_flattened_data())
    near = [p for p in pixels if sum(abs(a - b) for a, b in zip(p, RED)) < 90]
    return len(near) / max(1, len(pixels))


def line_box(spot: tuple[str, float, float, str], shift: tuple[float, float], scale: float,
             size: float) -> tuple[float, float, float, float]:
    """Pixels around one text line (centred at x, baseline y) of an image drawn at ``scale``."""
    _, x, y, text = spot
    half = len(text) * size * 0.3
    return ((x + shift[0] - half) * scale, (y + shift[1] - size * 0.8) * scale,
            (x + shift[0] + half) * scale, (y + shift[1] + size * 0.1) * scale)


@pytest.fixture(scope="module")
def lecture() -> dict:
    return trace(LECTURE).to_dict()


def test_svg_gradient_lines_are_red_once_reached(lecture):
    _, spots = text_spots(R.render(lecture, "svg", 9))       # backward at the + node
    assert spots["node-3"][3][0] == COLORS["grad"] and spots["node-3"][3][3] == "grad 2"
    assert spots["node-3"][2][0] == COLORS["text"]           # the value in the text colour
    assert spots["node-0"][3][0] == COLORS["grad_pending"]   # x's gradient comes later
    assert spots["edge-0-3-0"][1][0] == COLORS["grad"] and spots["edge-0-3-0"][1][3] == "∂ 2"
    assert spots["edge-0-3-0"][0][0] != COLORS["grad"]


def test_png_has_red_where_a_gradient_line_is_and_not_where_a_value_is(lecture):
    svg = R.render(lecture, "svg", 9)
    shift, spots = text_spots(svg)
    img = Image.open(io.BytesIO(R.render(lecture, "png", 9)))
    scale = R.PNG_DPI / 72
    assert red_share(img, line_box(spots["node-3"][3], shift, scale, 11)) > 0.05     # "grad 2"
    assert red_share(img, line_box(spots["edge-0-3-0"][1], shift, scale, 10)) > 0.05  # "∂ 2"
    assert red_share(img, line_box(spots["node-3"][2], shift, scale, 11)) == 0        # "value 3"
    assert red_share(img, line_box(spots["node-0"][3], shift, scale, 11)) == 0        # not yet


def test_png_current_node_is_highlighted(lecture):
    shift, spots = text_spots(R.render(lecture, "svg", 9))
    img = Image.open(io.BytesIO(R.render(lecture, "png", 9))).convert("RGB")
    scale = R.PNG_DPI / 72
    _, x, y, _ = spots["node-3"][1]            # the current node's fill just right of its shape line
    fill = tuple(int(COLORS["current"][0][i:i + 2], 16) for i in (1, 3, 5))
    px = img.getpixel((round((x + shift[0]) * scale), round((y + shift[1] + 4) * scale)))
    assert sum(abs(a - b) for a, b in zip(px, fill)) < 20


def test_pdf_has_red_where_a_gradient_line_is(lecture, tmp_path):
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is needed: scripts/setup.sh --test"
    shift, spots = text_spots(R.render(lecture, "svg", 12))
    (tmp_path / "g.pdf").write_bytes(R.render(lecture, "pdf", 12))
    subprocess.run(["pdftoppm", "-r", "144", "-png", "-singlefile", str(tmp_path / "g.pdf"),
                    str(tmp_path / "g")], check=True)
    img = Image.open(tmp_path / "g.png")
    scale = 144 / 72
    root = ET.fromstring(R.render(lecture, "svg", 12))
    margin = (img.width / scale - float(root.get("width").removesuffix("pt"))) / 2   # Graphviz's PDF margin
    shift = (shift[0] + margin, shift[1] + margin)
    assert red_share(img, line_box(spots["node-5"][3], shift, scale, 11)) > 0.05     # "grad 1"
    assert red_share(img, line_box(spots["node-5"][2], shift, scale, 11)) == 0
