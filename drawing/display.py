"""The display model: the texts every node and edge shows, and the step from which each shows.

This module is the one definition of what is shown after step k (:func:`shown_at`). The
page receives the display model with the trace document and applies steps with it; the
DOT and the SVG of a step are written from the same texts, so the page and the exported
images agree. tests/fixtures/shown_at_step.json pins both sides to it.
"""
from __future__ import annotations

import math
from typing import Any

from engine.columns import Columns
from engine.i18n import msg
from engine.shapes import fmt_shape

from .errors import StepOutOfRange

SHORT_ITEMS = 2                 # vector entries shown on a node before "…" (3 fit whole)
SHORT_DIGITS = 3                # significant digits of a vector entry on a label
MAX_HEADER_CHARS = 22
PLACEHOLDER_VALUE = "value —"
PLACEHOLDER_GRAD = "grad —"
# An edge no gradient flows along, by why: into a frozen leaf, or into a constant (an inline
# number, or an op on constants alone). Its gradient line says so instead of a value.
INACTIVE_TEXT = {"frozen": "frozen: no ∂", "constant": "constant: no ∂"}


def fmt_number(x: Any, digits: int = 4) -> str:
    """A number in at most ``digits`` significant digits, as a student would write it."""
    if x is None:
        return "—"
    x = float(x)                # "nan", "inf", "-inf" (the lean document's) included: so written back
    return "0" if x == 0 else format(x, _SPECS.get(digits) or f".{digits}g")


_SPECS = {3: ".3g", 4: ".4g"}


def short_value(value: Any, shape: list[int]) -> str:
    """A value short enough for a node or edge label."""
    if value is None:
        return "—"
    if isinstance(value, dict):          # a big tensor's summary (engine/lean.py)
        if len(shape) == 1:
            return "[" + ", ".join(fmt_number(v, SHORT_DIGITS) for v in value["first"][:SHORT_ITEMS]) + ", …]"
        return "norm " + fmt_number(value["stats"]["norm"])
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


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def edge_id(input_id: int, node_id: int, position: int) -> str:
    """SVG id of the edge carrying input ``position`` of ``node_id``."""
    return f"edge-{input_id}-{node_id}-{position}"


def node_id(nid: int) -> str:
    """SVG id of a node."""
    return f"node-{nid}"


def inactive_reason(node: dict) -> str | None:
    """Why no gradient flows into ``node`` ("frozen", "constant"), or None when one may."""
    if node.get("frozen"):
        return "frozen"
    return "constant" if node["kind"] == "const" else None


# The node fields the display model reads.
SHOWN_FROM = ("id", "kind", "label", "shape", "value", "grad", "symbol", "name", "frozen")


def display_model(trace: dict, edges: bool = True) -> dict:
    """What every node and edge shows, and from which step on (k ≥ *_at reveals it). Without
    `edges` (a document whose backward steps come later: engine/lean.py), no edges yet:
    `display_edges` makes them from the whole document. A document whose nodes are `Columns`
    (a big program's, `lean_document(columnar=True)`) gets its display nodes as `Columns` too."""
    columnar = isinstance(trace["nodes"], Columns)
    nodes, short = display_nodes(trace)
    model = {
        "nodes": nodes if columnar else nodes.records(),
        "edges": display_edges(trace, short) if edges else [],
        "placeholders": {"value": PLACEHOLDER_VALUE, "grad": PLACEHOLDER_GRAD},
        "steps": len(trace["steps"]),
    }
    from .groups import group_model         # it reads this module's texts
    model["statements"] = group_model(trace, nodes)
    return model


def display_nodes(trace: dict) -> tuple[Columns, list[str]]:
    """The display model's nodes, as columns (node ids are their places), and each node's value
    as `short_value` writes it (edges show it too)."""
    f = Columns.of(trace["nodes"], SHOWN_FROM).fields
    ids, kinds, shapes = f["id"], f["kind"], f["shape"]
    output = trace["output"]
    short = list(map(short_value, f["value"], shapes))
    headers = []
    for kind, symbol, name, label in zip(kinds, f["symbol"], f["name"], f["label"]):
        symbol = symbol or name
        # An op is headed by the symbol the rules use (its name, or v<id>): "f = ×", "v3 = +".
        if kind == "op" and symbol:
            header = f"{symbol} = {label}"
        else:      # a leaf by its name (primed if the name was bound before), a constant by its value
            header = symbol if kind == "leaf" and name else label
        headers.append(header if len(header) <= MAX_HEADER_CHARS else _clip(header, MAX_HEADER_CHARS))
    frozen = [bool(x) for x in f["frozen"]]
    value_at: list[int | None] = [None] * len(ids)
    grad_at: list[int | None] = [None] * len(ids)
    for k, step in enumerate(trace["steps"], start=1):
        (value_at if step["phase"] == "forward" else grad_at)[step["node"]] = k
    return Columns({
        "id": list(ids), "svg_id": list(map(node_id, ids)), "kind": list(kinds), "frozen": frozen,
        "output": [i == output for i in ids], "header": headers,
        "shape": [fmt_shape(s, "words") + ("  · frozen" if z else "") for s, z in zip(shapes, frozen)],
        "value": ["value " + v for v in short],
        "grad": [PLACEHOLDER_GRAD if g is None else "grad " + short_value(g, s) for g, s in zip(f["grad"], shapes)],
        "value_at": value_at, "grad_at": grad_at}), short


def display_edges(trace: dict, short: list[str] | None = None) -> list[dict]:
    """The display model's edges (each edge's value and gradient texts and from which steps
    they show); `short`: each node's value as `short_value` writes it (by id), if already made."""
    nodes_by_id = {n["id"]: n for n in trace["nodes"]}
    if short is None:
        short = [short_value(n["value"], n["shape"]) for n in trace["nodes"]]
    edges: dict[str, dict] = {}
    edges_from: dict[int, list[dict]] = {}         # node id -> the edges leaving it
    for n in trace["nodes"]:
        for pos, inp in enumerate(n["inputs"]):
            eid = edge_id(inp, n["id"], pos)
            edges[eid] = {"id": eid, "input": inp, "node": n["id"], "position": pos,
                          "value": short[inp], "grad": None,
                          "value_at": None, "grad_at": None,
                          "inactive": inactive_reason(nodes_by_id[inp])}
            edges_from.setdefault(inp, []).append(edges[eid])
    for k, step in enumerate(trace["steps"], start=1):
        nid = step["node"]
        if step["phase"] == "forward":
            for e in edges_from.get(nid, ()):
                if e["value_at"] is None:
                    e["value_at"] = k
        else:
            for step_edge in step.get("edges", []):
                e = edges.get(edge_id(step_edge["input"], nid, step_edge["position"]))
                if e is None:
                    continue
                e["grad_at"] = k
                if step_edge.get("skipped"):
                    e["inactive"] = step_edge["skipped"]
                    e["grad"] = INACTIVE_TEXT[e["inactive"]]
                else:
                    source = nodes_by_id[step_edge["input"]]
                    # the lean document leaves out a downstream that is its input's whole gradient
                    down = step_edge["downstream"] if "downstream" in step_edge else source["grad"]
                    e["grad"] = "∂ " + short_value(down, source["shape"])
    return list(edges.values())


# ---------------------------------------------------------------- what is shown after step k

def shows(item: dict, k: int) -> tuple[bool, bool]:
    """Whether a node or edge of the display model shows its value, and its gradient, after
    ``k`` steps: each from its ``value_at`` / ``grad_at`` step on. An edge no gradient
    reaches has no gradient text and never shows one."""
    value = item["value_at"] is not None and k >= item["value_at"]
    grad = item["grad"] is not None and item["grad_at"] is not None and k >= item["grad_at"]
    return value, grad


def node_lines(d: dict, k: int) -> list[str]:
    """A node's four lines after ``k`` steps: header, shape, value, gradient (placeholders
    until they are reached)."""
    value, grad = shows(d, k)
    return [d["header"], d["shape"],
            d["value"] if value else PLACEHOLDER_VALUE,
            d["grad"] if grad else PLACEHOLDER_GRAD]


def edge_lines(e: dict, k: int) -> list[str]:
    """An edge's label lines after ``k`` steps: its value, then its gradient if one reaches
    it; a line not reached yet is empty."""
    value, grad = shows(e, k)
    lines = [e["value"] if value else ""]
    if e["grad"] is not None:
        lines.append(e["grad"] if grad else "")
    return lines


def shown_at(model: dict, k: int) -> dict[str, dict[str, list[str]]]:
    """What every node and edge shows after ``k`` steps, by SVG id."""
    return {"nodes": {d["svg_id"]: node_lines(d, k) for d in model["nodes"]},
            "edges": {e["id"]: edge_lines(e, k) for e in model["edges"]}}


def check_step(trace: dict, step: int | None) -> int:
    """``step`` as a number of applied steps (None: all of them); StepOutOfRange if outside."""
    total = len(trace["steps"])
    if step is None:
        return total
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= total:
        raise StepOutOfRange(msg("error.draw.step_range", total=str(total), step=repr(step)))
    return step


def current_node(trace: dict, k: int, highlight: bool) -> int | None:
    """The node of the last applied step, which the drawing highlights (None: no highlight)."""
    return trace["steps"][k - 1]["node"] if k > 0 and highlight else None
