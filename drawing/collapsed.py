"""The collapsed drawing: one box per statement (drawing/groups.py), for graphs too big to
draw node by node; and the inset of one group, its nodes drawn on their own.

Edges between groups carry no label: the boxes show every value and gradient, and labels
are most of `dot`'s time (each takes a rank of its own). A copy of a high-fan-out group is
a small box beside its consumer.
"""
from __future__ import annotations

from .dot import (_SPACING, DIRECTIONS, PAD, _attr_list, _label, dot_source, node_size)
from .groups import current_group, group_lines
from .style import (CHAR_WIDTH, COLORS, EDGE_PENWIDTH, FONT, FONT_SIZE, HOT_PENWIDTH, NODE_PENWIDTH, node_look,
                    text_ems)

COPY_FONT_SIZE = 9              # points, the name on a copy
# Limits on dot's searches (network simplex for positions, its crossing minimization), per
# node: past them it keeps the layout it has, a little less compact, and stops searching.
NSLIMIT = "2"
MCLIMIT = "0.5"
# Past this many boxes `dot` skips that search altogether (its first feasible positions).
NSLIMIT_BOXES = 1_000
# dot's newer ranking pass: the same ranks on these graphs (no clusters), without the old
# pass's slow walk (10,000 nodes, 4,354 boxes: 2.5 s -> 0.95 s, the same SVG byte for byte).
NEWRANK = "true"


def group_look(g: dict, k: int, current: int | None) -> dict:
    """How a group looks after ``k`` steps: a node's look, current while any of its steps is."""
    look = node_look(g, k, None)
    value = g["value_at"] is not None and k >= g["value_at"]
    grad = g["grad_at"] is not None and k >= g["grad_at"]
    look.update(value=value, grad=grad, ink=COLORS["text"] if value else COLORS["text_pending"])
    if g["id"] == current:
        look.update(fill=COLORS["current"][0], pen=COLORS["current"][1], width=HOT_PENWIDTH,
                    **{"class": look["class"] + " current"})
    look["class"] = look["class"].replace("bp-node", "bp-group")
    return look


def spine(levels: dict) -> set[int]:
    """The longest chain of statements that ends at the output's: drawn as one straight line
    (a Graphviz group), so the drawing does not drift sideways a step per statement."""
    groups = levels["groups"]
    if not groups:
        return set()
    depth = [0] * len(groups)
    for g in groups:
        depth[g["id"]] = 1 + max((depth[a] for a in g["inputs"]), default=-1)
    chain, at = set(), len(groups) - 1
    while at is not None:
        chain.add(at)
        at = max(groups[at]["inputs"], key=lambda a: (depth[a], -a), default=None)
    return chain


def collapsed_dot(trace: dict, model: dict, k: int, layout: dict | None, highlight: bool,
                  direction: str = "LR") -> str:
    """DOT source of the collapsed graph after ``k`` steps, pinned to ``layout`` if given."""
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; choose one of {', '.join(DIRECTIONS)}")
    levels = model["statements"]
    current = current_group(levels, trace, k) if highlight else None
    boxes = len(levels["groups"]) + len(levels["copies"])
    nslimit = NSLIMIT if boxes <= NSLIMIT_BOXES else "0"
    comment = ("Backprop Studio graph, one box per statement. Positions are pinned: render with "
               "`neato -n2 -Tsvg FILE`." if layout else "Backprop Studio graph, one box per statement")
    out = [f"// {comment}\n", "digraph backprop {\n",
           "\t" + _attr_list({"rankdir": direction, **_SPACING[direction], "pad": PAD,
                              "bgcolor": "white", "outputorder": "nodesfirst", "fontname": FONT,
                              "nslimit": nslimit, "mclimit": MCLIMIT, "newrank": NEWRANK}) + "\n"]
    if layout:
        out.append("\t" + _attr_list({"bb": layout["bb"]}) + "\n")
    out.append("\tnode [" + _attr_list({
        "shape": "box", "style": "rounded,filled", "fixedsize": "true", "fontname": FONT,
        "fontsize": str(FONT_SIZE), "penwidth": NODE_PENWIDTH, "margin": "0.05,0.03"}) + "]\n")
    out.append("\tedge [" + _attr_list({
        "color": COLORS["edge"], "arrowsize": "0.7", "penwidth": EDGE_PENWIDTH}) + "]\n")

    def place(svg_id: str, size: tuple[str, str]) -> dict:
        if layout:
            pos, width, height = layout["nodes"][svg_id]
            return {"pos": pos, "width": width, "height": height}
        return {"width": size[0], "height": size[1]}

    column = spine(levels)
    for g in levels["groups"]:
        look = group_look(g, k, current)
        attrs = {**({"group": "spine"} if g["id"] in column else {}),"id": g["svg_id"], "class": look["class"], "fillcolor": look["fill"],
                 "color": look["pen"], "fontcolor": look["ink"], "penwidth": look["width"],
                 "style": "rounded,filled,dashed" if g["frozen"] else "rounded,filled",
                 **place(g["svg_id"], node_size(g))}
        out.append(f"\tg{g['id']} [{_attr_list(attrs, _label(group_lines(g, k)))}]\n")
    for c in levels["copies"]:
        g = levels["groups"][c["group"]]
        look = group_look(g, k, current)
        width = max(text_ems(c["header"]), 3 * CHAR_WIDTH) * COPY_FONT_SIZE / 72 + 0.2
        attrs = {"id": c["svg_id"], "class": look["class"].replace("bp-group", "bp-copy"),
                 "fillcolor": look["fill"], "color": look["pen"], "fontcolor": COLORS["text"],
                 "penwidth": NODE_PENWIDTH, "fontsize": str(COPY_FONT_SIZE),
                 "style": "rounded,filled,dashed" if g["frozen"] else "rounded,filled",
                 **place(c["svg_id"], (f"{width:.3f}", "0.250"))}
        out.append(f"\tc{c['group']}_{c['consumer']} [{_attr_list(attrs, _label([c['header']]))}]\n")
    for e in levels["edges"]:
        hot = current is not None and e["group"] == current
        attrs = {"id": e["id"], "class": "bp-gedge" + (" current" if hot else "")}
        if hot:
            attrs.update(color=COLORS["edge_current"], penwidth=HOT_PENWIDTH)
        if layout:
            attrs["pos"] = layout["edges"][e["id"]][0]
        tail = f"c{e['input']}_{e['group']}" if e["copy"] else f"g{e['input']}"
        out.append(f"\t{tail} -> g{e['group']} [{_attr_list(attrs)}]\n")
    out.append("}\n")
    return "".join(out)


def inset_dot(trace: dict, model: dict, group: int, direction: str = "LR") -> str:
    """DOT source of group ``group``'s nodes drawn on their own, fully computed, with their
    edges and labels; inputs from other statements come as edges from small boxes named
    after them. Node and edge ids are the full drawing's, so the page steps them alike."""
    levels = model["statements"]
    members = set(levels["groups"][group]["nodes"])
    sub_nodes = [n for n in trace["nodes"] if n["id"] in members]
    outside = sorted({i for n in sub_nodes for i in n["inputs"] if i not in members})
    sub_trace = {**trace, "nodes": sub_nodes}
    sub_model = {**model,
                 "nodes": [d for d in model["nodes"] if d["id"] in members],
                 "edges": [e for e in model["edges"] if e["node"] in members and e["input"] in members]}
    source = dot_source(sub_trace, sub_model, len(trace["steps"]), None, False, direction)
    extra = []
    for i in outside:                   # an input from another statement: a small box, its name
        d = model["nodes"][i]
        width = max(text_ems(d["header"]), 3 * CHAR_WIDTH) * COPY_FONT_SIZE / 72 + 0.2
        attrs = {"id": f"outside-{i}", "class": "bp-outside", "fontsize": str(COPY_FONT_SIZE),
                 "width": f"{width:.3f}", "height": "0.250", "fillcolor": COLORS["const"][0],
                 "color": COLORS["const"][1], "style": "rounded,filled,dashed"}
        extra.append(f"\tn{i} [{_attr_list(attrs, _label([d['header']]))}]\n")
    for e in model["edges"]:
        if e["node"] in members and e["input"] not in members:
            attrs = {"id": e["id"], "class": "bp-edge"}
            extra.append(f"\tn{e['input']} -> n{e['node']} [{_attr_list(attrs, _label([e['value'], e['grad'] or ' ']))}]\n")
    return source[: source.rindex("}")] + "".join(extra) + "}\n"
