"""DOT source of a trace after step k, optionally pinned to a layout.

All user text (names) goes through :func:`_escape` then :func:`_quote`: it is only ever a
DOT escString, never an HTML-like label.
"""
from __future__ import annotations

import functools
import re

import graphviz

from .display import (PLACEHOLDER_GRAD, PLACEHOLDER_VALUE, check_step, current_node, display_model,
                      edge_lines, node_lines)
from .style import (COLORS, CHAR_WIDTH, EDGE_FONT_SIZE, EDGE_PENWIDTH, FONT, FONT_SIZE, NODE_PENWIDTH,
                    edge_look, node_look, text_ems)

DIRECTIONS = ("LR", "TB")       # left to right, top to bottom (Graphviz's rankdir)
# Top to bottom, the edge labels sit in the gaps between ranks: closer ranks keep it short.
_SPACING = {"LR": {"ranksep": "0.3", "nodesep": "0.3"}, "TB": {"ranksep": "0.2", "nodesep": "0.3"}}
PAD = "0.125"                   # inches around the drawing: 9 points, so its size stays whole points


def _escape(text: str) -> str:
    """Text safe for a DOT escString: backslashes literal, never an HTML-like label (the
    graphviz package's own escaping; :func:`_quote` then quotes it)."""
    return graphviz.escape(text)


_DOT_ID = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$")
_DOT_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}


@functools.lru_cache(maxsize=4096)          # mostly the same few colours and styles
def _quote(text: str) -> str:
    """A DOT ID: bare where DOT allows it, else a quoted string with its quotes escaped."""
    if _DOT_ID.match(text) and text.lower() not in _DOT_KEYWORDS:
        return text
    return '"' + text.replace('"', '\\"') + '"'


def _attr_list(attrs: dict[str, str], label: str | None = None) -> str:
    """``label=… k=v …``: the label first, then the attributes by name."""
    items = [f"label={_quote(label)}"] if label is not None else []
    return " ".join(items + [f"{k}={_quote(v)}" for k, v in sorted(attrs.items())])


def _label(lines: list[str]) -> str:
    """An escString of ``lines``: each line's backslashes literal, lines joined by ``\\n``."""
    return "\\n".join(_escape(line) for line in lines)


def node_size(d: dict) -> tuple[str, str]:
    """Fixed width and height (inches) that fit the node's text at every step."""
    longest = max(text_ems(d["header"]), text_ems(d["shape"]), text_ems(d["value"]), text_ems(d["grad"]),
                  text_ems(PLACEHOLDER_VALUE), text_ems(PLACEHOLDER_GRAD), 8 * CHAR_WIDTH)
    width = longest * FONT_SIZE / 72 + 0.3
    height = 4 * FONT_SIZE * 1.2 / 72 + 0.16
    return f"{width:.3f}", f"{height:.3f}"


def spine(trace: dict) -> set[int]:
    """The longest chain of inputs that ends at the output. Top to bottom it is drawn as one
    straight column (a Graphviz group), the other inputs beside it, so the graph does not
    drift sideways a step per rank."""
    nodes = {n["id"]: n for n in trace["nodes"]}
    depth: dict[int, int] = {}
    for n in trace["nodes"]:                      # ids are a topological order
        depth[n["id"]] = 1 + max((depth[i] for i in n["inputs"] if i in depth), default=-1)
    # One statement drawn on its own (an inset) may not hold the output: its last node ends it.
    chain, at = set(), trace["output"] if trace["output"] in nodes else max(nodes, default=None)
    while at is not None:
        chain.add(at)
        at = max((i for i in nodes[at]["inputs"] if i in nodes), key=lambda i: (depth[i], -i), default=None)
    return chain


def build_dot(trace: dict, step: int | None = None, layout: dict | None = None,
              highlight: bool = True, direction: str = "auto") -> str:
    """DOT source of the graph after ``step`` steps (None: all), pinned to ``layout`` if given.

    ``highlight`` marks the node of the last applied step and its input edges; ``direction``
    is "LR" (left to right), "TB" (top to bottom) or "auto" (chosen from the graph's shape).
    """
    from .direction import choose_direction     # it reads this module's node sizes

    k = check_step(trace, step)
    model = display_model(trace)
    if direction == "auto":
        direction = choose_direction(trace, model)
    return dot_source(trace, model, k, layout, highlight, direction)


def dot_source(trace: dict, model: dict, k: int, layout: dict | None, highlight: bool,
               direction: str = "LR", coloured: bool = False) -> str:
    """:func:`build_dot` for a checked step ``k`` and the trace's display ``model``.

    ``coloured`` (with a ``layout``): every gradient line in its own colour, as the page
    shows it. A DOT label has one colour, so each gradient line is blanked in its label and
    drawn by a text-only node pinned over it, its label the same lines blank but that one.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; choose one of {', '.join(DIRECTIONS)}")
    current = current_node(trace, k, highlight)
    column = spine(trace) if direction == "TB" else set()
    comment = ("Backprop Studio graph. Positions are pinned: render with `neato -n2 -Tsvg FILE`."
               if layout else "Backprop Studio graph")
    out = [f"// {comment}\n", "digraph backprop {\n",
           "\t" + _attr_list({"rankdir": direction, **_SPACING[direction], "pad": PAD,
                              "bgcolor": "white", "outputorder": "nodesfirst", "fontname": FONT}) + "\n"]
    if layout:
        out.append("\t" + _attr_list({"bb": layout["bb"]}) + "\n")
    out.append("\tnode [" + _attr_list({
        "shape": "box", "style": "rounded,filled", "fixedsize": "true", "fontname": FONT,
        "fontsize": str(FONT_SIZE), "penwidth": NODE_PENWIDTH, "margin": "0.05,0.03"}) + "]\n")
    out.append("\tedge [" + _attr_list({
        "fontname": FONT, "fontsize": str(EDGE_FONT_SIZE), "color": COLORS["edge"],
        "fontcolor": COLORS["edge_text"], "arrowsize": "0.7", "penwidth": EDGE_PENWIDTH}) + "]\n")

    for d in model["nodes"]:
        look = node_look(d, k, current)
        attrs = {
            "id": d["svg_id"], "class": look["class"],
            "fillcolor": look["fill"], "color": look["pen"], "fontcolor": look["ink"],
            "style": "rounded,filled,dashed" if d["frozen"] else "rounded,filled",
            "penwidth": look["width"],
        }
        if d["id"] in column:
            attrs["group"] = "spine"
        if layout:
            pos, width, height = layout["nodes"][d["svg_id"]]
            attrs.update(pos=pos, width=width, height=height)
        else:
            attrs["width"], attrs["height"] = node_size(d)
        lines = node_lines(d, k)
        if coloured and layout:         # the overlay after its node, so drawn over its fill
            out.append(f"\tn{d['id']} [{_attr_list(attrs, _label(lines[:3] + [' ']))}]\n")
            out.append(_overlay(f"{d['svg_id']}-grad", [" "] * 3 + [lines[3]], look["grad_ink"],
                                FONT_SIZE, attrs["pos"], attrs["width"], attrs["height"]))
        else:
            out.append(f"\tn{d['id']} [{_attr_list(attrs, _label(lines))}]\n")

    for e in model["edges"]:
        # A real label (not an xlabel): dot reserves room for it at layout time, sized for
        # its full text, so no label covers a node or another label. A line not reached yet
        # is a blank line, so the lines that are shown never shift between steps.
        look = edge_look(e, k, current)
        lines = [line or " " for line in edge_lines(e, k)]
        attrs = {"id": e["id"], "class": look["class"]}
        if look["hot"] or e.get("inactive"):
            attrs.update(color=look["pen"], penwidth=look["width"])
        if e.get("inactive"):
            attrs["fontcolor"] = COLORS["edge_text_inactive"]
        if layout:
            attrs["pos"], attrs["lp"] = layout["edges"][e["id"]]
            if coloured and len(lines) == 2 and lines[1] != " ":
                width = text_ems(lines[1]) * EDGE_FONT_SIZE / 72 + 0.1
                out.append(_overlay(f"{e['id']}-grad", [" ", lines[1]], look["grad_ink"], EDGE_FONT_SIZE,
                                    attrs["lp"], f"{width:.3f}", f"{2 * EDGE_FONT_SIZE * 1.2 / 72:.3f}"))
                lines = [lines[0], " "]
        out.append(f"\tn{e['input']} -> n{e['node']} [{_attr_list(attrs, _label(lines))}]\n")
    out.append("}\n")
    return "".join(out)


def _overlay(oid: str, lines: list[str], color: str, size: int, pos: str, width: str,
             height: str) -> str:
    """A text-only node at ``pos`` drawing ``lines`` in ``color`` (blank lines keep the others'
    places), over the label it stands in for."""
    attrs = {"id": oid, "class": "bp-overlay", "shape": "plaintext", "style": "", "fontcolor": color,
             "fontsize": str(size), "pos": pos, "width": width, "height": height}
    return f"\t{_quote(oid)} [{_attr_list(attrs, _label(lines))}]\n"


def clear_cache() -> None:
    """Forget the quoted texts kept for reuse."""
    _quote.cache_clear()
