"""How a node or edge looks after step k: fonts, colours, pens and the classes the page styles."""
from __future__ import annotations

import unicodedata

from .display import shows

# Graphviz draws "Helvetica" with fontconfig's sans-serif (DejaVu Sans), and Hangul, which it
# lacks, with fontconfig's Korean sans-serif (NanumGothic, from fonts-nanum); the SVG says
# "Helvetica,sans-Serif", so a browser sets Latin text a little narrower than Graphviz measured
# it (labels keep clear of each other) and Hangul in the system's Korean font.
FONT = "Helvetica"
FONT_SIZE = 11                  # points, node labels
EDGE_FONT_SIZE = 10             # points, edge labels
CHAR_WIDTH = 0.62               # average glyph width as a fraction of the font size
WIDE_WIDTH = 1.0                # a Hangul (or CJK) glyph's width: a full em
NODE_PENWIDTH = "1.2"           # points, node outlines
EDGE_PENWIDTH = "1.1"           # points, edges
HOT_PENWIDTH = "2.4"            # the output's outline; the current node and its input edges
INACTIVE_PENWIDTH = "0.8"       # an edge no gradient flows along (into a frozen leaf or a constant)

COLORS = {
    "op": ("#ffffff", "#64748b"),           # (fill, outline)
    "leaf": ("#e0ecff", "#2563eb"),
    "const": ("#f1f5f9", "#94a3b8"),
    "output": ("#ecfdf5", "#059669"),
    "current": ("#fff4e0", "#ea580c"),
    "edge": "#94a3b8",
    "edge_current": "#ea580c",
    "edge_inactive": "#cbd5e1",
    "edge_text_inactive": "#94a3b8",
    "text": "#0f172a",
    "text_pending": "#94a3b8",
    "edge_text": "#475569",
    "grad": "#e11d48",                      # a gradient line, as the page shows it (--grad)
    "grad_pending": "#cbd5e1",              # a node's gradient line before its backward step
}


def text_ems(text: str) -> float:
    """How wide ``text`` is drawn, in ems: Hangul and other wide characters take a full em."""
    wide = sum(unicodedata.east_asian_width(ch) in ("W", "F") for ch in text)
    return (len(text) - wide) * CHAR_WIDTH + wide * WIDE_WIDTH


def node_look(d: dict, k: int, current: int | None) -> dict:
    """How a node of the display model looks after ``k`` steps; ``current`` (the node of the
    last applied step) is highlighted. Keys: value, grad (shown or not), class, fill, pen
    (outline colour), width (outline), ink (text colour), grad_ink (the gradient line's
    colour: red once reached, as on the page)."""
    is_current = d["id"] == current
    key = "current" if is_current else ("output" if d["output"] else ("op" if d["kind"] == "op" else d["kind"]))
    fill, pen = COLORS.get(key, COLORS["op"])
    value, grad = shows(d, k)
    classes = ["bp-node", d["kind"]] + (["frozen"] if d["frozen"] else []) + \
              (["output"] if d["output"] else []) + (["current"] if is_current else [])
    return {"value": value, "grad": grad,
            "class": " ".join(classes), "fill": fill, "pen": pen,
            "width": HOT_PENWIDTH if is_current or d["output"] else NODE_PENWIDTH,
            "ink": COLORS["text"] if value else COLORS["text_pending"],
            "grad_ink": COLORS["grad"] if grad else (COLORS["grad_pending"] if value else COLORS["text_pending"])}


def edge_look(e: dict, k: int, current: int | None) -> dict:
    """How an edge looks after ``k`` steps: which label lines show, and whether it leads into
    the highlighted node (``hot``), which draws it in the highlight's colour and width. An
    inactive edge (no gradient flows along it) is thin and light, and is not hot at its
    node's backward step, when nothing goes along it. ``grad_ink``: the gradient line's
    colour (red, or grey on an inactive edge, whose line says why no gradient flows)."""
    inactive = e.get("inactive")
    hot = current is not None and e["node"] == current and not (inactive and e["grad_at"] == k)
    value, grad = shows(e, k)
    classes = ["bp-edge"] + (["inactive"] if inactive else []) + (["current"] if hot else [])
    return {"value": value, "grad": grad, "hot": hot, "class": " ".join(classes),
            "grad_ink": COLORS["edge_text_inactive"] if inactive else COLORS["grad"],
            "pen": COLORS["edge_current"] if hot else COLORS["edge_inactive" if inactive else "edge"],
            "width": HOT_PENWIDTH if hot else (INACTIVE_PENWIDTH if inactive else EDGE_PENWIDTH)}
