"""The statement level of the display model: one group per statement of the program.

A group holds the nodes one statement made (its inline constants and operations, ending at
the node its left-hand side names); it is shown as one box with that node's shape, value and
gradient. A collapsed group lights up while any of its steps is current, shows its value
after its last forward step and its gradient after its last backward step.

A group without inputs (a parameter, a constant) used by many statements would make long
edges across the drawing, which `dot` lays out slowly (each becomes a chain of virtual nodes
through the ranks). Such a group keeps one edge, to its first consumer; every further use is
drawn as a small copy beside its consumer, linked to the group by highlighting, not by an
edge (as TensorBoard pulls high-degree nodes aside).
"""
from __future__ import annotations

from operator import itemgetter

from engine.columns import Columns

from .display import MAX_HEADER_CHARS, PLACEHOLDER_GRAD, PLACEHOLDER_VALUE, _clip

# A group without inputs used by more statements than this gets a copy beside each further use.
MAX_GROUP_FANOUT = 2
# ... and so does any group used by a statement more than this many ranks further on: a long
# edge is as slow for `dot` as a fan-out (and as hard to follow across a big drawing).
MAX_EDGE_SPAN = 4


def group_id(i: int) -> str:
    """SVG id of group ``i``."""
    return f"group-{i}"


def group_edge_id(a: int, b: int) -> str:
    """SVG id of the edge from group ``a`` to group ``b``."""
    return f"gedge-{a}-{b}"


def copy_id(a: int, b: int) -> str:
    """SVG id of the copy of group ``a`` drawn beside its consumer ``b``."""
    return f"copy-{a}-{b}"


def statement_of(ids: list[int], names: list[list[str]], output: int) -> list[int]:
    """Each node's group: nodes in id order, a group closed by each node a statement names
    (a bare expression's nodes join the next statement's group; the output closes the last)."""
    of: list[int] = []
    group = 0
    for i, named in zip(ids, names):
        of.append(group)
        if named or i == output:
            group += 1
    return of


# The node fields the statement level reads.
GROUPED_FROM = ("id", "names", "inputs", "symbol", "name", "expr")


def group_model(trace: dict, shown: Columns) -> dict:
    """The statement level of the display model whose nodes are ``shown``
    (:func:`display.display_nodes`): ``groups`` (texts and the steps from which each shows, as
    nodes have them; the nodes and steps inside), ``edges`` between groups, ``copies`` of
    high-fan-out groups, and ``of``, each node's group."""
    f = Columns.of(trace["nodes"], GROUPED_FROM).fields
    ids = f["id"]
    of = statement_of(ids, f["names"], trace["output"])
    count = (of[-1] + 1) if of else 0
    members: list[list[int]] = [[] for _ in range(count)]
    for i, g in zip(ids, of):
        members[g].append(i)
    steps: list[list[int]] = [[] for _ in range(count)]
    for k, g in enumerate(map(of.__getitem__, map(itemgetter("node"), trace["steps"])), start=1):
        steps[g].append(k)
    consumers: list[list[int]] = [[] for _ in range(count)]       # distinct, in order of first use
    inputs: list[list[int]] = [[] for _ in range(count)]
    for b, ins in zip(of, f["inputs"]):
        for i in ins:
            a = of[i]
            if a != b and a not in inputs[b]:
                inputs[b].append(a)
                consumers[a].append(b)
    d = shown.fields
    kinds, value_at, grad_at = d["kind"], d["value_at"], d["grad_at"]
    symbols, names, exprs = f["symbol"], f["name"], f["expr"]
    groups = []
    for g in range(count):
        inside = members[g]
        head = inside[-1]
        name = symbols[head] or names[head] or d["header"][head]
        kinds_in = {kinds[i] for i in inside}
        kind = "leaf" if "leaf" in kinds_in else ("const" if kinds_in == {"const"} else "op")
        value_ats = [value_at[i] for i in inside]
        grad_ats = [grad_at[i] for i in inside if grad_at[i] is not None]
        groups.append({
            "id": g, "svg_id": group_id(g), "name": name, "head": head, "kind": kind,
            "frozen": d["frozen"][head], "output": d["output"][head],
            "header": _clip(f"{name} = {exprs[head]}", MAX_HEADER_CHARS),
            "shape": d["shape"][head], "value": d["value"][head], "grad": d["grad"][head],
            "value_at": None if None in value_ats else max(value_ats, default=None),
            "grad_at": max(grad_ats) if grad_ats and grad_at[head] is not None else None,
            "nodes": inside, "steps": steps[g], "inputs": inputs[g],
        })
    rank = [0] * count                  # as `dot` ranks them: see drawing/cost.py
    for b in range(count):
        rank[b] = 1 + max((rank[a] for a in inputs[b]), default=-1)
    for a in range(count):
        if not inputs[a] and consumers[a]:
            rank[a] = min(rank[b] for b in consumers[a]) - 1
    edges, copies = [], []
    for b in range(count):
        for a in inputs[b]:
            fanout = not inputs[a] and len(consumers[a]) > MAX_GROUP_FANOUT and consumers[a][0] != b
            copied = fanout or rank[b] - rank[a] > MAX_EDGE_SPAN
            if copied:
                copies.append({"svg_id": copy_id(a, b), "group": a, "consumer": b,
                               "header": _clip(groups[a]["name"], MAX_HEADER_CHARS)})
            edges.append({"id": group_edge_id(a, b), "input": a, "group": b, "copy": copied,
                          "value_at": groups[a]["value_at"]})
    return {"groups": groups, "edges": edges, "copies": copies, "of": of}


# ---------------------------------------------------------------- what is shown after step k

def current_group(levels: dict, trace: dict, k: int) -> int | None:
    """The group of the last applied step (None at step 0)."""
    return levels["of"][trace["steps"][k - 1]["node"]] if k > 0 else None


def group_lines(g: dict, k: int) -> list[str]:
    """A group's four lines after ``k`` steps: header, shape, value, gradient."""
    value = g["value_at"] is not None and k >= g["value_at"]
    grad = g["grad_at"] is not None and k >= g["grad_at"]
    return [g["header"], g["shape"], g["value"] if value else PLACEHOLDER_VALUE,
            g["grad"] if grad else PLACEHOLDER_GRAD]


def shown_at_groups(levels: dict, trace: dict, k: int) -> dict:
    """What every group shows after ``k`` steps, by SVG id, and the current group's id."""
    current = current_group(levels, trace, k)
    return {"groups": {g["svg_id"]: group_lines(g, k) for g in levels["groups"]},
            "current": group_id(current) if current is not None else None}
