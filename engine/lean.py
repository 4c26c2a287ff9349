"""The lean trace document: each number once, and big tensors as summaries.

`Trace.to_dict()` writes every number wherever it appears: a node's value again in its
forward step, its gradient again as its backward step's upstream, each downstream gradient
again as a contribution, and a gradient that equals its only contribution twice. The lean
document (`lean_document`, what /api/trace answers) writes each once:

- a forward step has no `value` (it is its node's value);
- a backward step has no `upstream` (it is its node's gradient);
- a contribution has no `downstream` (it is the downstream of the edge it came through, in
  the step of the node it came `from`);
- an edge has no `downstream` when it equals its input's gradient (the input's only
  contribution), and keeps it otherwise.

A tensor with more than `LEAN_MAX_ENTRIES` entries is written as a `Summary`: its shape, its
statistics, an image-like preview (the means of a grid of blocks) and its first entries; exact
entries are fetched on demand (`window`). Every number is JSON-safe: NaN and ±inf are written
as the strings "nan", "inf", "-inf" here, so any JSON writer can write the document.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from . import document as doc
from .autodiff import Said, Symbols, steps_from_records
from .errors import ProgramError
from .i18n import Msg

from .limits import LEAN_FIRST_ENTRIES, LEAN_MAX_ENTRIES, LEAN_PREVIEW_SIDE, WINDOW_MAX_ENTRIES
from .trace import Trace, no_gc, node_columns

_NON_FINITE = {math.inf: "inf", -math.inf: "-inf"}


def number(x: float) -> float | str:
    """One float, JSON-safe."""
    if x - x == 0.0:
        return x
    return "nan" if x != x else _NON_FINITE[x]


def _finite_list(a: np.ndarray) -> Any:
    if np.isfinite(a).all():
        return a.tolist()
    flat = [number(v) for v in a.ravel().tolist()]
    return np.array(flat, dtype=object).reshape(a.shape).tolist()


def value(x: float | np.ndarray | None) -> Any:
    """A value or gradient: a float, nested lists, or a Summary past LEAN_MAX_ENTRIES."""
    if x is None:
        return None
    if type(x) is float:
        return number(x)
    if x.ndim == 0:
        return number(float(x))
    if x.size > LEAN_MAX_ENTRIES:
        return summary(x)
    return _finite_list(x)


def summary(a: np.ndarray) -> doc.Summary:
    """Shape, statistics over the finite entries, a preview of block means, the first entries."""
    finite = np.isfinite(a)
    ok = a[finite] if not finite.all() else a.ravel()
    n = int(ok.size)
    stats = {"mean": number(float(ok.mean())) if n else "nan",
             "std": number(float(ok.std())) if n else "nan",
             "min": number(float(ok.min())) if n else "nan",
             "max": number(float(ok.max())) if n else "nan",
             "norm": number(float(np.sqrt(np.dot(ok, ok)))) if n else "nan",
             "nonfinite": int(a.size - n)}
    return {"summary": True, "shape": list(a.shape), "size": int(a.size), "stats": stats,
            "preview": preview(a), "first": [number(v) for v in a.ravel()[:LEAN_FIRST_ENTRIES].tolist()]}


def preview(a: np.ndarray) -> doc.Preview:
    """The tensor as at most LEAN_PREVIEW_SIDE × LEAN_PREVIEW_SIDE block means (a vector as one
    row): each cell the mean of the finite entries of its block of rows and columns."""
    m = a.reshape(1, -1) if a.ndim == 1 else a
    rows, cols = m.shape
    bh, bw = math.ceil(rows / LEAN_PREVIEW_SIDE), math.ceil(cols / LEAN_PREVIEW_SIDE)
    finite = np.isfinite(m)
    clean = np.where(finite, m, 0.0)
    r_at, c_at = np.arange(0, rows, bh), np.arange(0, cols, bw)
    sums = np.add.reduceat(np.add.reduceat(clean, r_at, axis=0), c_at, axis=1)
    counts = np.add.reduceat(np.add.reduceat(finite.astype(np.float64), r_at, axis=0), c_at, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    return {"kind": "block means", "block": [bh, bw], "rows": [int(r) for r in r_at], "cols": [int(c) for c in c_at],
            "values": _finite_list(means)}


def lean_document(t: Trace, details: bool = True, columnar: bool = False) -> doc.LeanTraceDocument:
    """The trace document with each number once (see the module's docstring). Without
    `details`, each backward step is only its node and op (no edges, contributions or texts:
    `lean_backward` gives them, for a page that shows a big program before they are made).
    `columnar`: its nodes as `Columns` (what `engine.packed.pack` writes without taking records apart)."""
    with no_gc():
        nodes = t.nodes
        steps: list[Any] = [{"phase": "forward", "node": n.id} for n in nodes]
        if details:
            steps += lean_backward(t)
        else:
            steps += [{"phase": "backward", "node": nid, "op": _op_of(nodes[nid]), "contributions": [],
                       "edges": [], "intuition": None, "sum_rule": None} for nid, _up, _edges in t._records]
        lean_nodes = node_columns(nodes, Symbols(nodes), value)
        stats = lean_nodes.fields["stats"]
        lean_nodes.fields["stats"] = [s if s is None else _safe(s) for s in stats]
        return {"source": t.source, "init": t.init, "output": t.output, "backward": t.backward_ran, "lean": True,
                "messages": list(t.messages), "nodes": lean_nodes if columnar else lean_nodes.records(),  # type: ignore[typeddict-item]
                "steps": steps}


def _op_of(node: Any) -> str:
    """A backward step's `op`, as `steps_from_records` says it: an op's name, else the node's kind."""
    return node.op if node.kind == "op" else node.kind


def lean_backward(t: Trace, check: Callable[[], None] | None = None) -> list[doc.LeanBackwardStep]:
    """The lean document's backward steps, in full: edges, contributions and texts. `check` is
    called every few hundred steps (work made in the background stops by raising there)."""
    with no_gc():
        nodes = t.nodes
        steps: list[Any] = []
        said = _Messages()
        for nid, op, _up, contrib, edges, intuition, sum_rule in steps_from_records(t._graph, t._records):
            if check is not None and len(steps) % 512 == 0:
                check()
            lean_edges = []
            for i, pos, local, shape, down, skipped, rule, drule in edges:
                e: dict[str, Any] = {"input": i, "position": pos, "local": value(local), "local_shape": list(shape),
                                     "skipped": skipped, "rule": said.rule(rule), "downstream_rule": said.rule(drule)}
                if skipped is not None or not _is_grad(down, nodes[i]._grad):
                    e["downstream"] = value(down)
                lean_edges.append(e)
            steps.append({"phase": "backward", "node": nid, "op": op,
                          "contributions": [{"from": f, "position": pos, "text": text.words.to_json()}
                                            for f, pos, text, _ in contrib],
                          "edges": lean_edges, "intuition": said(intuition) if intuition else None,
                          "sum_rule": said(sum_rule.words) if sum_rule else None})
        return steps


class _Messages:
    """The lean document's texts as messages (`{key, args}`), the nodes' symbols left as
    placeholders for the page to fill (see `doc.LeanRule`); a message many edges share is
    written from one JSON object."""

    def __init__(self) -> None:
        self.seen: dict[int, tuple[Msg, dict]] = {}

    def __call__(self, m: Msg | str) -> doc.MessageJSON | str:
        if isinstance(m, str):
            return m
        hit = self.seen.get(id(m))
        if hit is None or hit[0] is not m:
            hit = self.seen[id(m)] = (m, m.to_json())
        return hit[1]

    def rule(self, said: Said) -> doc.LeanRule:
        return {"text": self(said.words), "latex": self(said.tex)}


def _safe(obj: Any) -> Any:
    """A small record (a node's statistics) with its NaN and ±inf as strings."""
    if type(obj) is float:
        return number(obj)
    if isinstance(obj, dict):
        return {k: _safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_safe(v) for v in obj]
    return obj


def _is_grad(down: float | np.ndarray | None, grad: float | np.ndarray | None) -> bool:
    """Whether an edge's downstream is its input's gradient, number for number."""
    if down is None or grad is None:
        return False
    if down is grad:
        return True
    if type(down) is float or type(grad) is float:
        return float(down) == float(grad) or (down != down and grad != grad)
    return down.shape == grad.shape and np.array_equal(down, grad, equal_nan=True)


def window(t: Trace, node: int, what: str, rows: tuple[int, int], cols: tuple[int, int]) -> doc.Window:
    """Exact entries of a node's value or gradient: rows [r0, r1) and columns [c0, c1) (a
    vector has one row). At most WINDOW_MAX_ENTRIES entries."""
    if not 0 <= node < len(t.nodes):
        raise ProgramError(f"node {node} does not exist: the program has {len(t.nodes)} nodes", 1, 1)
    n = t.nodes[node]
    x = n.value if what == "value" else n.grad
    if x is None:
        raise ProgramError(f"node {node} ({n.name or n.label}) has no gradient", n.line, n.col)
    m = np.asarray(x).reshape(1, -1) if np.ndim(x) < 2 else np.asarray(x)
    (r0, r1), (c0, c1) = rows, cols
    if not (0 <= r0 < r1 <= m.shape[0] and 0 <= c0 < c1 <= m.shape[1]):
        raise ProgramError(f"rows {r0}:{r1} and columns {c0}:{c1} are outside node {node}'s "
                           f"{m.shape[0]} × {m.shape[1]} entries", n.line, n.col)
    if (r1 - r0) * (c1 - c0) > WINDOW_MAX_ENTRIES:
        raise ProgramError(f"a window holds at most {WINDOW_MAX_ENTRIES:,} entries; "
                           f"{r1 - r0} × {c1 - c0} asked", n.line, n.col)
    return {"node": node, "what": what, "rows": [r0, r1], "cols": [c0, c1], "shape": list(n.shape),
            "values": _finite_list(m[r0:r1, c0:c1])}
