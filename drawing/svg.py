"""The SVG of any step, cut from one Graphviz drawing of the fully computed graph.

Each program is drawn once, fully computed: one ``dot`` run lays it out (every node with a
fixed size that fits its longest label over all steps, every edge label given room for its
full text) and writes both its SVG and its layout (json0). The SVG of a step is that
drawing with each node's and edge's texts, colours and classes set for the step, as the
page does in the browser: the geometry is Graphviz's own and text is centred, so between
steps only text and colours change. User text in the SVG is only ever Graphviz's escaped
text, copied as it is.
"""
from __future__ import annotations

import functools
import json
import re

from .display import PLACEHOLDER_GRAD, PLACEHOLDER_VALUE
from .dot import dot_source
from .errors import RenderError, check_size
from .runner import run_graphviz
from .style import edge_look, node_look

# Graphviz writes each node and each edge as one group of lines in these shapes (the
# paint first in each shape's attributes, a text's fill last). What a user wrote only ever
# appears as escaped text content ([^<]*). A drawing where some node or edge is written
# otherwise (another Graphviz) is not cut: its steps are drawn by Graphviz instead.
_NODE_SVG = re.compile(
    r'<g id="(?P<id>node(?:&#45;|-)\d+)" class="(?P<class>[^"]*)">\n<title>[^<]*</title>\n'
    r'<(?:path|polygon) fill="(?P<fill>[^"]*)" stroke="(?P<pen>[^"]*)" stroke-width="(?P<width>[^"]*)"[^>]*>\n'
    r'<text[^>]* fill="(?P<ink1>[^"]*)">[^<]*</text>\n'               # header
    r'<text[^>]* fill="(?P<ink2>[^"]*)">[^<]*</text>\n'               # shape
    r'<text[^>]* fill="(?P<ink3>[^"]*)">(?P<value>[^<]*)</text>\n'
    r'<text[^>]* fill="(?P<ink4>[^"]*)">(?P<grad>[^<]*)</text>\n</g>')
_EDGE_SVG = re.compile(
    r'<g id="(?P<id>edge(?:&#45;|-)[0-9&#;-]+)" class="(?P<class>[^"]*)">\n<title>[^<]*</title>\n'
    r'<path fill="none" stroke="(?P<pen>[^"]*)" stroke-width="(?P<width>[^"]*)"[^>]*>\n'
    r'<polygon fill="(?P<head_fill>[^"]*)" stroke="(?P<head_pen>[^"]*)" stroke-width="(?P<head_width>[^"]*)"[^>]*>\n'
    r'<text[^>]*>(?P<value>[^<]*)</text>\n(?:<text[^>]* fill="(?P<grad_ink>[^"]*)">(?P<grad>[^<]*)</text>\n)?</g>')
# Each captured spot ("slot"), in document order, and the field of the look that fills it.
_NODE_SLOTS = [("class", "class"), ("fill", "fill"), ("pen", "pen"), ("width", "width"),
               ("ink1", "ink"), ("ink2", "ink"), ("ink3", "ink"), ("value", "value"), ("ink4", "grad_ink"),
               ("grad", "grad")]
_EDGE_SLOTS = [("class", "class"), ("pen", "pen"), ("width", "width"), ("head_fill", "pen"),
               ("head_pen", "pen"), ("head_width", "width"), ("value", "value"), ("grad_ink", "grad_ink"),
               ("grad", "grad")]


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# A line not reached yet: the node's placeholder; on an edge, a blank line as the DOT writes it.
_NOT_REACHED = {"node": {"value": _xml_text(PLACEHOLDER_VALUE), "grad": _xml_text(PLACEHOLDER_GRAD)},
                "edge": {"value": " ", "grad": " "}}


class Drawing:
    """The fully computed graph as ``dot`` drew it, cut at everything a step changes.

    The SVG is ``pieces`` with slot i between pieces i and i+1; ``slots[i]`` names the group
    (node or edge id) and the field of its look that fills it. ``reached_text`` keeps each
    group's value and gradient lines as Graphviz wrote them (escaped), to show once reached.
    """

    def __init__(self, svg: str, layout_json: str) -> None:
        self.layout_json = layout_json
        self.reached_text: dict[str, dict[str, str]] = {}
        spans: list[tuple[int, int, str, str]] = []     # start, end, group, field
        for pattern, slots in ((_NODE_SVG, _NODE_SLOTS), (_EDGE_SVG, _EDGE_SLOTS)):
            for m in pattern.finditer(svg):
                gid = m["id"].replace("&#45;", "-")        # our ids: letters, digits, dashes
                self.reached_text[gid] = {"value": m["value"]}
                if m["grad"] is not None:
                    self.reached_text[gid]["grad"] = m["grad"]
                spans.extend((m.start(name), m.end(name), gid, field)
                             for name, field in slots if m[name] is not None)
        spans.sort()
        self.pieces: list[str] = []
        self.slots: list[tuple[str, str]] = []
        at = 0
        for start, end, gid, field in spans:
            self.pieces.append(svg[at:start])
            self.slots.append((gid, field))
            at = end
        self.pieces.append(svg[at:])

    def draws(self, model: dict) -> bool:
        """True when every node and edge of ``model`` was found in the drawing, so any step
        can be cut from it."""
        ids = {d["svg_id"] for d in model["nodes"]} | {e["id"] for e in model["edges"]}
        return ids == self.reached_text.keys()

    def group_fields(self, kind: str, d: dict, k: int, current: int | None) -> dict[str, str] | None:
        """What fills the slots of one node (``kind`` "node") or edge ("edge") of the display
        model after ``k`` steps, by field; None when the drawing has no such group."""
        reached = self.reached_text.get(d["svg_id"] if kind == "node" else d["id"])
        if reached is None:
            return None
        look = (node_look if kind == "node" else edge_look)(d, k, current)
        # Graphviz's own class ("node", "edge") first: the page's styles select on it.
        f = {"class": _xml_text(f"{kind} {look['class']}"), "fill": look.get("fill", ""),
             "pen": look["pen"], "width": look["width"], "ink": look.get("ink", ""),
             "grad_ink": look["grad_ink"]}
        for line in reached:
            f[line] = reached[line] if look[line] else _NOT_REACHED[kind][line]
        return f

    def svg_at(self, model: dict, k: int, current: int | None) -> str:
        """The SVG after ``k`` steps: every slot filled from the look of its node or edge."""
        fields: dict[str, dict[str, str]] = {}
        for kind, items, key in (("node", model["nodes"], "svg_id"), ("edge", model["edges"], "id")):
            for d in items:
                f = self.group_fields(kind, d, k, current)
                if f is not None:
                    fields[d[key]] = f
        out = [""] * (2 * len(self.slots) + 1)
        out[0::2] = self.pieces
        out[1::2] = [fields[gid][field] for gid, field in self.slots]
        return "".join(out)

    def layout(self) -> dict:
        """Node positions/sizes and edge splines/label spots, as ``dot_source`` pins them."""
        data = json.loads(self.layout_json)
        nodes = {o["id"]: (o["pos"], o["width"], o["height"]) for o in data.get("objects", [])}
        edges = {e["id"]: (e["pos"], e.get("lp")) for e in data.get("edges", [])}
        return {"bb": data["bb"], "nodes": nodes, "edges": edges}


@functools.lru_cache(maxsize=32)
def draw(full_dot: str) -> Drawing:
    """One ``dot`` run on the fully computed graph, writing its SVG and its layout (json0)
    together; cached per program."""
    out = run_graphviz("dot", ["-Tsvg", "-Tjson0"], full_dot).decode("utf-8")
    end = out.find("</svg>\n")          # user text in the SVG is escaped: the first is the end
    if end < 0:
        raise RenderError("Graphviz failed: its SVG has no end")
    end += len("</svg>\n")
    return Drawing(out[:end], out[end:])


def full_drawing(trace: dict, model: dict, direction: str = "LR") -> Drawing:
    """The program's drawing in ``direction``, fully computed (made once per program and
    direction, then cached)."""
    check_size(trace)
    # Laid out with every text at its longest, so nodes never move between steps; drawn with
    # no node highlighted, so no step's wider pen is baked into the shapes every step reuses.
    return draw(dot_source(trace, model, len(trace["steps"]), None, False, direction))


def clear_cache() -> None:
    """Forget every program drawn so far (the next drawing runs ``dot`` again)."""
    draw.cache_clear()


def svg_node_boxes(svg: str) -> dict[str, str]:
    """Each node's outline geometry in an SVG of a step (for tests and checks)."""
    import xml.etree.ElementTree as ET

    ns = {"s": "http://www.w3.org/2000/svg"}
    root = ET.fromstring(svg)
    boxes = {}
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        if "node" in (g.get("class") or "").split():
            shape = g.find(".//s:path", ns)
            if shape is None:
                shape = g.find(".//s:polygon", ns)
            boxes[g.get("id")] = shape.get("d") or shape.get("points")
    return boxes
