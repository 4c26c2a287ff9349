"""Draw a trace as a Graphviz graph at any step, with node positions that never move.

Each program is drawn once, fully computed: one ``dot`` run lays it out (every node with a
fixed size that fits its longest label over all steps, every edge label given room for its
full text) and writes both its SVG and its layout (json0). The SVG of any step is that
drawing with each node's and edge's texts, colours and classes set for the step, as the
page does in the browser: the geometry is Graphviz's own and text is centred, so between
steps only text and colours change. PNG, PDF and DOT exports pin the step's DOT to the
layout and draw it with ``neato -n2``.

Everything here works on the JSON-able dict of ``Trace.to_dict()``; nothing here knows
about HTTP. All user text (names) goes through :func:`_escape`, never into HTML-like
labels; in the SVG it is only ever Graphviz's escaped text, copied as it is.
"""
from __future__ import annotations

import functools
import json
import math
import re
import shutil
import subprocess
from typing import Any

import graphviz


FORMATS: dict[str, str] = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "dot": "text/vnd.graphviz; charset=utf-8",
}
INSTALL_HINT = (
    "Graphviz's `dot` program is not installed, so the graph cannot be drawn. "
    "Install it with `sudo apt-get install graphviz` (Debian/Ubuntu) or "
    "`brew install graphviz` (macOS), then restart Backprop Studio."
)
MAX_RENDER_NODES = 400          # larger graphs are stepped through without a drawing
DOT_TIMEOUT_S = 30              # seconds one Graphviz run may take
PNG_DPI = 144                   # PNG exports at twice screen resolution (sharp on slides)
FONT = "Helvetica"
FONT_SIZE = 11                  # points, node labels
EDGE_FONT_SIZE = 10             # points, edge labels
CHAR_WIDTH = 0.62               # average glyph width as a fraction of the font size
SHORT_ITEMS = 2                 # vector entries shown on a node before "…" (3 fit whole)
SHORT_DIGITS = 3                # significant digits of a vector entry on a label
MAX_HEADER_CHARS = 22
PLACEHOLDER_VALUE = "value —"
PLACEHOLDER_GRAD = "grad —"
NODE_PENWIDTH = "1.2"           # points, node outlines
EDGE_PENWIDTH = "1.1"           # points, edges
HOT_PENWIDTH = "2.4"            # the output's outline; the current node and its input edges

COLORS = {
    "op": ("#ffffff", "#64748b"),
    "leaf": ("#e0ecff", "#2563eb"),
    "const": ("#f1f5f9", "#94a3b8"),
    "output": ("#ecfdf5", "#059669"),
    "current": ("#fff4e0", "#ea580c"),
    "edge": "#94a3b8",
    "edge_current": "#ea580c",
    "text": "#0f172a",
    "text_pending": "#94a3b8",
    "edge_text": "#475569",
}


class RenderError(Exception):
    """The graph cannot be drawn; the message says why and what to do."""


class GraphvizMissing(RenderError):
    """Graphviz's programs are not on PATH."""

    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


class GraphTooLarge(RenderError):
    """More nodes than :data:`MAX_RENDER_NODES`."""


class StepOutOfRange(ValueError):
    """A step number outside 0..len(steps)."""


# ---------------------------------------------------------------- number display

def fmt_number(x: Any, digits: int = 4) -> str:
    """A number in at most ``digits`` significant digits, as a student would write it."""
    if x is None:
        return "—"
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    return format(x, f".{digits}g")


def fmt_shape(shape: list[int]) -> str:
    """`scalar`, `vector 4` or `4×10`."""
    if not shape:
        return "scalar"
    if len(shape) == 1:
        return f"vector {shape[0]}"
    return "×".join(str(s) for s in shape)


def short_value(value: Any, shape: list[int]) -> str:
    """A value short enough for a node or edge label."""
    if value is None:
        return "—"
    if not shape:
        return fmt_number(value)
    if len(shape) == 1:
        items = [fmt_number(v, SHORT_DIGITS) for v in value]
        if len(items) > SHORT_ITEMS + 1:
            items = items[:SHORT_ITEMS] + ["…"]
        return "[" + ", ".join(items) + "]"
    flat = [float(v) for row in value for v in row]
    if len(flat) <= 2:
        return "[" + ", ".join("[" + ", ".join(fmt_number(v) for v in row) + "]" for row in value) + "]"
    # A matrix is summarized by its Frobenius norm; the panel shows every entry.
    return "norm " + fmt_number(math.sqrt(sum(v * v for v in flat)))


def _escape(text: str) -> str:
    """Text safe for a DOT escString: backslashes literal, never an HTML-like label (the
    graphviz package's own escaping; :func:`_quote` then quotes it)."""
    return graphviz.escape(text)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- display model

def edge_id(input_id: int, node_id: int, position: int) -> str:
    """SVG id of the edge carrying input ``position`` of ``node_id``."""
    return f"edge-{input_id}-{node_id}-{position}"


def node_id(nid: int) -> str:
    """SVG id of a node."""
    return f"node-{nid}"


def display_model(trace: dict) -> dict:
    """What every node and edge shows, and from which step on (k ≥ *_at reveals it).

    The page applies steps with this alone (no server round trip); the renderer uses the
    same texts, so the page and the exported images agree.
    """
    nodes_by_id = {n["id"]: n for n in trace["nodes"]}
    output = trace["output"]
    nodes: dict[int, dict] = {}
    short: dict[int, str] = {}                     # node id -> its value, short (edges reuse it)
    for n in trace["nodes"]:
        short[n["id"]] = short_value(n["value"], n["shape"])
        # An op is headed by the symbol the rules use (its name, or v<id>): "f = ×", "v3 = +".
        symbol = n.get("symbol") or n.get("name")
        if n["kind"] == "op" and symbol:
            header = f"{symbol} = {n['label']}"
        else:      # a leaf by its name (primed if the name was bound before), a constant by its value
            header = symbol if n["kind"] == "leaf" and n.get("name") else n["label"]
        shape = fmt_shape(n["shape"]) + ("  · frozen" if n.get("frozen") else "")
        grad = "grad " + short_value(n["grad"], n["shape"]) if n.get("grad") is not None else PLACEHOLDER_GRAD
        nodes[n["id"]] = {
            "id": n["id"], "svg_id": node_id(n["id"]), "kind": n["kind"], "frozen": bool(n.get("frozen")),
            "output": n["id"] == output,
            "header": _clip(header, MAX_HEADER_CHARS), "shape": shape,
            "value": "value " + short[n["id"]], "grad": grad,
            "value_at": None, "grad_at": None,
        }
    edges: dict[str, dict] = {}
    out_edges: dict[int, list[dict]] = {}          # node id -> the edges leaving it
    for n in trace["nodes"]:
        for pos, inp in enumerate(n["inputs"]):
            eid = edge_id(inp, n["id"], pos)
            edges[eid] = {"id": eid, "input": inp, "node": n["id"], "position": pos,
                          "value": short[inp], "grad": None,
                          "value_at": None, "grad_at": None}
            out_edges.setdefault(inp, []).append(edges[eid])
    for k, step in enumerate(trace["steps"], start=1):
        nid = step["node"]
        if step["phase"] == "forward":
            nodes[nid]["value_at"] = k
            for e in out_edges.get(nid, ()):
                if e["value_at"] is None:
                    e["value_at"] = k
        else:
            nodes[nid]["grad_at"] = k
            for se in step.get("edges", []):
                e = edges.get(edge_id(se["input"], nid, se["position"]))
                if e is None:
                    continue
                e["grad_at"] = k
                if se.get("skipped"):
                    e["grad"] = "∂ none"          # constant or frozen: the panel says which
                else:
                    e["grad"] = "∂ " + short_value(se.get("downstream"), nodes_by_id[se["input"]]["shape"])
    return {
        "nodes": [nodes[i] for i in sorted(nodes)],
        "edges": list(edges.values()),
        "placeholders": {"value": PLACEHOLDER_VALUE, "grad": PLACEHOLDER_GRAD},
        "steps": len(trace["steps"]),
    }


# ---------------------------------------------------------------- DOT

def _check_step(trace: dict, step: int | None) -> int:
    total = len(trace["steps"])
    if step is None:
        return total
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= total:
        raise StepOutOfRange(f"step must be between 0 and {total} for this program, got {step!r}")
    return step


def _node_size(d: dict) -> tuple[str, str]:
    """Fixed width and height (inches) that fit the node's text at every step."""
    longest = max(len(d["header"]), len(d["shape"]), len(d["value"]), len(d["grad"]),
                  len(PLACEHOLDER_VALUE), len(PLACEHOLDER_GRAD), 8)
    width = longest * FONT_SIZE * CHAR_WIDTH / 72 + 0.3
    height = 4 * FONT_SIZE * 1.2 / 72 + 0.22
    return f"{width:.3f}", f"{height:.3f}"


_DOT_ID = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$")
_DOT_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}


@functools.lru_cache(maxsize=4096)          # mostly the same few colours and styles
def _quote(text: str) -> str:
    """A DOT ID: bare where DOT allows it, else a quoted string with its quotes escaped."""
    if _DOT_ID.match(text) and text.lower() not in _DOT_KEYWORDS:
        return text
    return '"' + text.replace('"', '\\"') + '"'


def _a_list(attrs: dict[str, str], label: str | None = None) -> str:
    """``label=… k=v …``: the label first, then the attributes by name."""
    items = [f"label={_quote(label)}"] if label is not None else []
    return " ".join(items + [f"{k}={_quote(v)}" for k, v in sorted(attrs.items())])


def _label(lines: list[str]) -> str:
    """An escString of ``lines``: each line's backslashes literal, lines joined by ``\\n``."""
    return "\\n".join(_escape(line) for line in lines)


def _node_look(d: dict, k: int, cur_node: int | None) -> dict:
    """How a node of the display model looks after ``k`` steps (the node of the last
    applied step, ``cur_node``, is highlighted)."""
    current = d["id"] == cur_node
    key = "current" if current else ("output" if d["output"] else ("op" if d["kind"] == "op" else d["kind"]))
    fill, pen = COLORS.get(key, COLORS["op"])
    value = d["value_at"] is not None and k >= d["value_at"]
    classes = ["bp-node", d["kind"]] + (["frozen"] if d["frozen"] else []) + \
              (["output"] if d["output"] else []) + (["current"] if current else [])
    return {"value": value, "grad": d["grad_at"] is not None and k >= d["grad_at"],
            "class": " ".join(classes), "fill": fill, "pen": pen,
            "width": HOT_PENWIDTH if current or d["output"] else NODE_PENWIDTH,
            "ink": COLORS["text"] if value else COLORS["text_pending"]}


def _edge_look(e: dict, k: int, cur_node: int | None) -> dict:
    """How an edge looks after ``k`` steps: which label lines show, and whether it leads
    into the highlighted node."""
    hot = cur_node is not None and e["node"] == cur_node
    return {"value": e["value_at"] is not None and k >= e["value_at"],
            "grad": e["grad"] is not None and e["grad_at"] is not None and k >= e["grad_at"],
            "hot": hot, "class": "bp-edge current" if hot else "bp-edge",
            "pen": COLORS["edge_current"] if hot else COLORS["edge"],
            "width": HOT_PENWIDTH if hot else EDGE_PENWIDTH}


def _current_node(trace: dict, k: int, highlight: bool) -> int | None:
    return trace["steps"][k - 1]["node"] if k > 0 and highlight else None


def build_dot(trace: dict, step: int | None = None, layout: dict | None = None,
              highlight: bool = True) -> str:
    """DOT source of the graph after ``step`` steps (None: all), pinned to ``layout`` if given.

    ``highlight`` marks the node of the last applied step and its input edges.
    """
    k = _check_step(trace, step)
    return _dot(trace, display_model(trace), k, layout, highlight)


def _dot(trace: dict, model: dict, k: int, layout: dict | None, highlight: bool) -> str:
    cur_node = _current_node(trace, k, highlight)
    comment = ("Backprop Studio graph. Positions are pinned: render with `neato -n2 -Tsvg FILE`."
               if layout else "Backprop Studio graph")
    out = [f"// {comment}\n", "digraph backprop {\n",
           "\t" + _a_list({"rankdir": "LR", "ranksep": "0.3", "nodesep": "0.3", "pad": "0.25",
                           "bgcolor": "white", "outputorder": "nodesfirst", "fontname": FONT}) + "\n"]
    if layout:
        out.append("\t" + _a_list({"bb": layout["bb"]}) + "\n")
    out.append("\tnode [" + _a_list({
        "shape": "box", "style": "rounded,filled", "fixedsize": "true", "fontname": FONT,
        "fontsize": str(FONT_SIZE), "penwidth": NODE_PENWIDTH, "margin": "0.05,0.03"}) + "]\n")
    out.append("\tedge [" + _a_list({
        "fontname": FONT, "fontsize": str(EDGE_FONT_SIZE), "color": COLORS["edge"],
        "fontcolor": COLORS["edge_text"], "arrowsize": "0.7", "penwidth": EDGE_PENWIDTH}) + "]\n")

    for d in model["nodes"]:
        look = _node_look(d, k, cur_node)
        lines = [d["header"], d["shape"],
                 d["value"] if look["value"] else PLACEHOLDER_VALUE,
                 d["grad"] if look["grad"] else PLACEHOLDER_GRAD]
        attrs = {
            "id": d["svg_id"], "class": look["class"],
            "fillcolor": look["fill"], "color": look["pen"], "fontcolor": look["ink"],
            "style": "rounded,filled,dashed" if d["frozen"] else "rounded,filled",
            "penwidth": look["width"],
        }
        if layout:
            pos, width, height = layout["nodes"][d["svg_id"]]
            attrs.update(pos=pos, width=width, height=height)
        else:
            attrs["width"], attrs["height"] = _node_size(d)
        out.append(f"\tn{d['id']} [{_a_list(attrs, _label(lines))}]\n")

    for e in model["edges"]:
        # A real label (not an xlabel): dot reserves room for it at layout time, sized for
        # its full text, so no label covers a node or another label. An unreached line is
        # a blank line, so the lines that are shown never shift between steps.
        look = _edge_look(e, k, cur_node)
        lines = [e["value"] if look["value"] else " "]
        if e["grad"] is not None:
            lines.append(e["grad"] if look["grad"] else " ")
        attrs = {"id": e["id"], "class": look["class"]}
        if look["hot"]:
            attrs.update(color=look["pen"], penwidth=look["width"])
        if layout:
            attrs["pos"], attrs["lp"] = layout["edges"][e["id"]]
        out.append(f"\tn{e['input']} -> n{e['node']} [{_a_list(attrs, _label(lines))}]\n")
    out.append("}\n")
    return "".join(out)


# ---------------------------------------------------------------- running Graphviz

def graphviz_available() -> bool:
    """True when both programs the renderer runs are on PATH."""
    return shutil.which("dot") is not None and shutil.which("neato") is not None


def _run(program: str, args: list[str], source: str) -> bytes:
    """Graphviz's ``program`` on ``source``; its output. Killed past :data:`DOT_TIMEOUT_S`."""
    exe = shutil.which(program)
    if exe is None:
        raise GraphvizMissing()
    try:
        done = subprocess.run([exe, *args], input=source.encode("utf-8"), capture_output=True,
                              timeout=DOT_TIMEOUT_S, check=False)
    except FileNotFoundError as exc:
        raise GraphvizMissing() from exc
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"Graphviz took longer than {DOT_TIMEOUT_S} s to draw this graph") from exc
    if done.returncode != 0:
        raise RenderError("Graphviz failed: " + done.stderr.decode("utf-8", "replace").strip()[:300])
    return done.stdout


# ---------------------------------------------------------------- one dot run per program

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
    r'<text[^>]*>(?P<value>[^<]*)</text>\n(?:<text[^>]*>(?P<grad>[^<]*)</text>\n)?</g>')
# Each captured spot, in document order, and the field of the look that fills it.
_NODE_HOLES = [("class", "class"), ("fill", "fill"), ("pen", "pen"), ("width", "width"),
               ("ink1", "ink"), ("ink2", "ink"), ("ink3", "ink"), ("value", "value"), ("ink4", "ink"),
               ("grad", "grad")]
_EDGE_HOLES = [("class", "class"), ("pen", "pen"), ("width", "width"), ("head_fill", "pen"),
               ("head_pen", "pen"), ("head_width", "width"), ("value", "value"), ("grad", "grad")]


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_HIDDEN = {"node": {"value": _xml_text(PLACEHOLDER_VALUE), "grad": _xml_text(PLACEHOLDER_GRAD)},
           "edge": {"value": " ", "grad": " "}}     # a blank line, as build_dot writes it


class _Drawing:
    """The fully computed graph as ``dot`` drew it, cut at everything a step changes.

    The SVG is ``parts`` with hole i between parts i and i+1; ``holes[i]`` names the group
    (node or edge id) and the field of its look that fills it. ``shown`` keeps each group's
    value and gradient lines as Graphviz wrote them (escaped), to show once reached.
    """

    def __init__(self, svg: str, layout_json: str) -> None:
        self.layout_json = layout_json
        self.shown: dict[str, dict[str, str]] = {}
        spans: list[tuple[int, int, str, str]] = []     # start, end, group, field
        for pattern, holes in ((_NODE_SVG, _NODE_HOLES), (_EDGE_SVG, _EDGE_HOLES)):
            for m in pattern.finditer(svg):
                gid = m["id"].replace("&#45;", "-")        # our ids: letters, digits, dashes
                self.shown[gid] = {"value": m["value"]}
                if m["grad"] is not None:
                    self.shown[gid]["grad"] = m["grad"]
                spans.extend((m.start(name), m.end(name), gid, field)
                             for name, field in holes if m[name] is not None)
        spans.sort()
        self.parts: list[str] = []
        self.holes: list[tuple[str, str]] = []
        at = 0
        for start, end, gid, field in spans:
            self.parts.append(svg[at:start])
            self.holes.append((gid, field))
            at = end
        self.parts.append(svg[at:])

    def draws(self, model: dict) -> bool:
        """True when every node and edge of ``model`` was found in the drawing, so any step
        can be derived from it."""
        ids = {d["svg_id"] for d in model["nodes"]} | {e["id"] for e in model["edges"]}
        return ids == self.shown.keys()

    def svg_at(self, model: dict, k: int, cur_node: int | None) -> str:
        """The SVG after ``k`` steps: every hole filled from the look of its node or edge."""
        fields: dict[str, dict[str, str]] = {}
        for kind, items, look_of, key in (("node", model["nodes"], _node_look, "svg_id"),
                                          ("edge", model["edges"], _edge_look, "id")):
            hidden = _HIDDEN[kind]
            for d in items:
                gid = d[key]
                shown = self.shown.get(gid)
                if shown is None:
                    continue
                look = look_of(d, k, cur_node)
                # Graphviz's own class ("node", "edge") first: the page's styles select on it.
                f = {"class": _xml_text(f"{kind} {look['class']}"), "fill": look.get("fill", ""),
                     "pen": look["pen"], "width": look["width"], "ink": look.get("ink", "")}
                for line in shown:
                    f[line] = shown[line] if look[line] else hidden[line]
                fields[gid] = f
        out = [""] * (2 * len(self.holes) + 1)
        out[0::2] = self.parts
        out[1::2] = [fields[gid][field] for gid, field in self.holes]
        return "".join(out)

    def layout(self) -> dict:
        """Node positions/sizes and edge splines/label spots, as ``build_dot`` pins them."""
        data = json.loads(self.layout_json)
        nodes = {o["id"]: (o["pos"], o["width"], o["height"]) for o in data.get("objects", [])}
        edges = {e["id"]: (e["pos"], e["lp"]) for e in data.get("edges", [])}
        return {"bb": data["bb"], "nodes": nodes, "edges": edges}


@functools.lru_cache(maxsize=32)
def _drawing_for(full_dot: str) -> _Drawing:
    """One ``dot`` run on the fully computed graph, writing its SVG and its layout (json0)
    together; cached per program."""
    out = _run("dot", ["-Tsvg", "-Tjson0"], full_dot).decode("utf-8")
    end = out.find("</svg>\n")          # user text in the SVG is escaped: the first is the end
    if end < 0:
        raise RenderError("Graphviz failed: its SVG has no end")
    end += len("</svg>\n")
    return _Drawing(out[:end], out[end:])


def clear_caches() -> None:
    """Forget every program drawn so far (the next render runs ``dot`` again)."""
    _drawing_for.cache_clear()
    _quote.cache_clear()


def _check_size(trace: dict) -> None:
    if len(trace["nodes"]) > MAX_RENDER_NODES:
        raise GraphTooLarge(
            f"This graph has {len(trace['nodes'])} nodes; drawings are limited to "
            f"{MAX_RENDER_NODES} nodes.")


def _drawing(trace: dict, model: dict) -> _Drawing:
    _check_size(trace)
    # Laid out with every text at its longest, so nodes never move between steps; drawn with
    # no node highlighted, so no step's wider pen is baked into the shapes every step reuses.
    return _drawing_for(_dot(trace, model, len(trace["steps"]), None, False))


def compute_layout(trace: dict) -> dict:
    """Node positions/sizes and edge splines/label spots from the fully computed graph."""
    return _drawing(trace, display_model(trace)).layout()


def render(trace: dict, fmt: str, step: int | None = None, highlight: bool = True,
           model: dict | None = None) -> bytes:
    """The graph after ``step`` steps as ``fmt`` (svg, png, pdf or dot).

    SVG: the fully computed graph's drawing with each node's and edge's texts, colours and
    classes set for the step (no Graphviz run once the program has been drawn). PNG, PDF and
    DOT, and SVG from a Graphviz whose SVG this cannot read: the step's DOT pinned to that
    drawing's layout, drawn by ``neato -n2``. DOT needs no
    Graphviz program: without one, or for a graph too large to draw here, it comes unpinned
    (lay it out with ``dot``). ``model``: the trace's display model, if already made.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    k = _check_step(trace, step)
    if fmt == "dot" and (not graphviz_available() or len(trace["nodes"]) > MAX_RENDER_NODES):
        return build_dot(trace, step, None, highlight).encode("utf-8")
    _check_size(trace)                  # before any work on a graph too large to draw
    if model is None:
        model = display_model(trace)
    drawing = _drawing(trace, model)
    if fmt == "svg" and drawing.draws(model):
        return drawing.svg_at(model, k, _current_node(trace, k, highlight)).encode("utf-8")
    pinned = _dot(trace, model, k, drawing.layout(), highlight)
    if fmt == "dot":
        return pinned.encode("utf-8")
    return _run("neato", ["-n2", f"-T{fmt}"] + ([f"-Gdpi={PNG_DPI}"] if fmt == "png" else []), pinned)


def svg_node_boxes(svg: str) -> dict[str, str]:
    """Each node's outline geometry in an SVG from :func:`render` (for tests and checks)."""
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
