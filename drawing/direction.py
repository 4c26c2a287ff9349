"""Which way a graph is drawn: left to right, or top to bottom when that shows it larger.

The page's graph box at a 1400×900 window is about as tall as it is wide, so a long chain
of operations fitted left to right is drawn tiny, and the same chain top to bottom fits
readable. The choice is made from the graph's shape (its ranks and the sizes of its nodes
and edge labels), without running Graphviz, so a program is laid out once.
"""
from __future__ import annotations

from .dot import _SPACING, DIRECTIONS, PAD, node_size
from .style import CHAR_WIDTH, EDGE_FONT_SIZE

PAGE_BOX = (650.0, 720.0)       # the page's graph box at a 1400×900 window, in pixels
MAX_START_SCALE = 1.5           # the page never starts zoomed in further (static/studio/view.js)
TB_GAIN = 1.1                   # top to bottom only where it shows the graph clearly larger


def ranks(trace: dict) -> dict[int, int]:
    """Each node's rank as dot places it: one past its deepest input, and a node without
    inputs just before its first consumer (dot pulls leaves next to where they are used)."""
    rank: dict[int, int] = {}
    consumers: dict[int, list[int]] = {}
    for n in trace["nodes"]:                      # ids are a topological order
        rank[n["id"]] = 1 + max((rank[i] for i in n["inputs"]), default=-1)
        for i in n["inputs"]:
            consumers.setdefault(i, []).append(n["id"])
    for n in trace["nodes"]:
        if not n["inputs"] and n["id"] in consumers:
            rank[n["id"]] = min(rank[c] for c in consumers[n["id"]]) - 1
    return rank


def extent(trace: dict, model: dict, direction: str) -> tuple[float, float]:
    """The drawing's estimated width and height in points when laid out in ``direction``."""
    rank = ranks(trace)
    ranksep, nodesep = (float(_SPACING[direction][k]) * 72 for k in ("ranksep", "nodesep"))
    along: dict[int, float] = {}                  # rank -> its thickness along the direction
    across: dict[int, list[float]] = {}           # rank -> its items' sizes across it
    gap_along: dict[int, float] = {}              # the gap before rank r: its labels' thickness
    gap_across: dict[int, list[float]] = {}
    for d in model["nodes"]:
        w, h = (float(x) * 72 for x in node_size(d))
        a, c = (w, h) if direction == "LR" else (h, w)
        r = rank[d["id"]]
        along[r] = max(along.get(r, 0.0), a)
        across.setdefault(r, []).append(c)
    for e in model["edges"]:
        lines = [e["value"]] + ([e["grad"]] if e["grad"] is not None else [])
        w = max(len(t) for t in lines) * EDGE_FONT_SIZE * CHAR_WIDTH
        h = len(lines) * EDGE_FONT_SIZE * 1.2
        a, c = (w, h) if direction == "LR" else (h, w)
        r = rank[e["node"]]
        gap_along[r] = max(gap_along.get(r, 0.0), a)
        gap_across.setdefault(r, []).append(c)
    length = sum(along.values()) + sum(a + 2 * ranksep for a in gap_along.values())
    breadth = max(sum(sizes) + nodesep * (len(sizes) - 1)
                  for sizes in [*across.values(), *gap_across.values()])
    pad = float(PAD) * 72
    length, breadth = length + 2 * pad, breadth + 2 * pad
    return (length, breadth) if direction == "LR" else (breadth, length)


def choose_direction(trace: dict, model: dict) -> str:
    """"TB" when top to bottom fits the page's graph box at a clearly larger scale than left
    to right (counting no scale above where the page starts), else "LR"."""
    if not trace["nodes"]:
        return "LR"
    fit = {}
    for direction in DIRECTIONS:
        w, h = extent(trace, model, direction)
        fit[direction] = min(MAX_START_SCALE, PAGE_BOX[0] / w, PAGE_BOX[1] / h)
    return "TB" if fit["TB"] > TB_GAIN * fit["LR"] else "LR"
