"""A matrix program's scalar graph: every product, sum and elementwise op of its tensors
expanded into one node per scalar operation, so "use matrix ops, not loops" can be seen.

`unroll(source)` builds the program as written (shapes checked), then makes a new graph of
single numbers from it: each tensor leaf becomes one leaf per entry (`W[0,1]`), each
elementwise op one node per output entry (broadcasting followed entry by entry), each matrix
product and sum a product per term and a chain of additions per output entry. Indexing,
transposes and concatenation only pick entries: they make no node. The result is an ordinary
`Trace`, so its values and gradients come from the same forward and backward passes.
"""
from __future__ import annotations

import itertools
import time
from typing import Callable

import numpy as np

from .autodiff import leaf_value
from .errors import ProgramError
from .graph import Graph, Node
from .i18n import Msg, msg
from .limits import UNROLL_MAX_ENTRIES, UNROLL_MAX_NODES
from .ops import OPS, SCALAR, index_key
from .parser import build
from .shapes import fmt_shape
from .source import one_line_break
from .trace import Trace, no_gc

# Ops that only pick or move entries: no scalar node of their own.
_REWIRE = ("index", "transpose", "concat")


def _refused(m: Msg, line: int, col: int) -> ProgramError:
    """A refusal told in English, carrying its message for other languages (`msg`)."""
    err = ProgramError(m.text("en"), line, col)
    err.msg = m  # type: ignore[attr-defined]
    return err


def entry_name(name: str, index: tuple[int, ...]) -> str:
    """`W` at (0, 1) is `W[0,1]` (0-based, as the program indexes)."""
    return f"{name}[{','.join(map(str, index))}]"


class _Unroller:
    def __init__(self, graph: Graph) -> None:
        self.src = graph
        self.out = Graph()
        self.ids: list[np.ndarray] = []      # per source node: its entries' node ids (shape = its shape)

    def span(self, n: Node) -> tuple[int, int, int, int, str]:
        return n.line, n.col, n.end_line, n.end_col, n.expr

    def add(self, n: Node, op: str, kind: str, inputs: list[int], label: str,
            literal: float | None = None) -> int:
        if len(self.out.nodes) >= UNROLL_MAX_NODES:
            raise _refused(msg("unroll.too_many_nodes", max=f"{UNROLL_MAX_NODES:,}"), n.line, n.col)
        attrs = dict(n.attrs) if kind == "op" and op == n.op else {}
        return self.out.add_scalar(op, kind, inputs, attrs, label, literal, self.span(n)).id

    def run(self) -> None:
        for n in self.src.nodes:
            if n.size > UNROLL_MAX_ENTRIES:
                raise _refused(msg("unroll.too_big", name=n.name or n.expr, shape=fmt_shape(n.shape),
                                   size=str(n.size), max=str(UNROLL_MAX_ENTRIES)), n.line, n.col)
            ids = self.node(n)
            if n.names and n.kind == "op":
                for index in np.ndindex(*n.shape):
                    node = self.out.nodes[int(ids[index])]
                    for name in n.names:
                        node.names.append(entry_name(name, index) if n.shape else name)
            self.ids.append(ids)

    def node(self, n: Node) -> np.ndarray:
        if n.kind != "op":
            return self.leaf(n)
        if n.op in SCALAR:
            return self.elementwise(n)
        make: Callable[[Node], np.ndarray] | None = getattr(self, "op_" + n.op, None)
        if make is None:
            raise _refused(msg("unroll.not_expanded", expands=msg("unroll.expands"), op=n.op), n.line, n.col)
        return make(n)

    def leaf(self, n: Node) -> np.ndarray:
        value = np.asarray(leaf_value(n), np.float64)
        ids = np.empty(n.shape, np.int64)
        for index in np.ndindex(*n.shape):
            label = entry_name(n.label, index) if n.shape and n.kind == "leaf" else n.label
            if n.kind == "const" and n.shape:
                label = f"{float(value[index]):g}"
            i = self.add(n, n.op, n.kind, [], label, float(value[index]))
            node = self.out.nodes[i]
            node.frozen = n.frozen
            if n.kind == "leaf":
                node.names.extend(entry_name(name, index) if n.shape else name for name in n.names)
            ids[index] = i
        return ids

    def elementwise(self, n: Node) -> np.ndarray:
        ins = [np.broadcast_to(self.ids[i], n.shape) for i in n.inputs]
        ids = np.empty(n.shape, np.int64)
        label = OPS[n.op].node_label(n.attrs) if n.op not in ("add", "sub", "mul", "div", "pow", "neg") \
            else n.label
        for index in np.ndindex(*n.shape):
            ids[index] = self.add(n, n.op, "op", [int(a[index]) for a in ins], label)
        return ids

    def chain(self, n: Node, terms: list[int]) -> int:
        """The sum of `terms`, left to right: one addition node per term after the first."""
        total = terms[0]
        for t in terms[1:]:
            total = self.add(n, "add", "op", [total, t], "+")
        return total

    def products(self, n: Node, pairs: list[tuple[int, int]]) -> int:
        return self.chain(n, [self.add(n, "mul", "op", [a, b], "×") for a, b in pairs])

    def op_matmul(self, n: Node) -> np.ndarray:
        a, b = (self.ids[i] for i in n.inputs)
        a2 = a if a.ndim == 2 else a[None, :]
        b2 = b if b.ndim == 2 else b[:, None]
        ids = np.empty((a2.shape[0], b2.shape[1]), np.int64)
        for i, j in itertools.product(range(a2.shape[0]), range(b2.shape[1])):
            ids[i, j] = self.products(n, [(int(a2[i, k]), int(b2[k, j])) for k in range(a2.shape[1])])
        return ids.reshape(n.shape)

    def op_outer(self, n: Node) -> np.ndarray:
        a, b = (self.ids[i] for i in n.inputs)
        ids = np.empty(n.shape, np.int64)
        for i, j in np.ndindex(*n.shape):
            ids[i, j] = self.add(n, "mul", "op", [int(a[i]), int(b[j])], "×")
        return ids

    def reduce(self, n: Node) -> np.ndarray:
        x = self.ids[n.inputs[0]]
        axis = n.attrs.get("axis")
        moved = x.reshape(1, -1) if axis is None else np.moveaxis(x, axis % x.ndim, -1)
        lead = moved.shape[:-1]
        ids = np.empty(lead, np.int64)
        for index in np.ndindex(*lead):
            ids[index] = self.chain(n, [int(i) for i in moved[index]])
        return ids.reshape(n.shape)

    def op_sum(self, n: Node) -> np.ndarray:
        return self.reduce(n)

    def op_mean(self, n: Node) -> np.ndarray:
        sums = self.reduce(n)
        x = self.src.nodes[n.inputs[0]]
        count = x.size // max(1, n.size)
        ids = np.empty(n.shape, np.int64)
        for index in np.ndindex(*n.shape):
            c = self.add(n, "const", "const", [], f"{count}", float(count))
            ids[index] = self.add(n, "div", "op", [int(sums[index]), c], "/")
        return ids

    def op_index(self, n: Node) -> np.ndarray:
        return np.asarray(self.ids[n.inputs[0]][index_key(n.attrs)])

    def op_transpose(self, n: Node) -> np.ndarray:
        return self.ids[n.inputs[0]].T

    def op_concat(self, n: Node) -> np.ndarray:
        return np.concatenate([self.ids[i] for i in n.inputs])


def unrolled_graph(source: str) -> tuple[Graph, int, Graph, int]:
    """(the program's graph, its output, the unrolled graph, its output); nothing computed."""
    graph, output = build(source)
    u = _Unroller(graph)
    u.run()
    out_ids = u.ids[output]
    if out_ids.ndim:
        n = graph.nodes[output]
        raise _refused(msg("unroll.not_scalar", name=n.name or msg("unroll.the_output"), shape=fmt_shape(n.shape),
                           arg=n.name or "…"), n.line, n.col)
    return graph, output, u.out, int(out_ids)


def unroll(source: str) -> Trace:
    """The program's scalar graph, traced: the same values and gradients, one node per scalar op."""
    source = one_line_break(source)
    with no_gc():
        _, _, graph, output = unrolled_graph(source)
        return Trace(source, graph, output)


def entries_of(source: str) -> tuple[Trace, Trace, list[np.ndarray]]:
    """Both traces and, per node of the vectorized one, its entries' ids in the unrolled one
    (what tests compare value by value)."""
    source = one_line_break(source)
    graph, output, _, _ = unrolled_graph(source)
    u = _Unroller(graph)
    u.run()
    return Trace(source, graph, output), unroll(source), u.ids


def compare(source: str, repeat: int = 3) -> dict:
    """Node counts, step counts and times of the program as written and unrolled, and the
    largest difference between their values and gradients (entry by entry; an index,
    transpose or concat picks its input's entries, whose gradient is the input's)."""
    source = one_line_break(source)

    def timed(make: Callable[[], Trace]) -> tuple[Trace, float]:
        best, t = float("inf"), None
        for _ in range(repeat):
            start = time.perf_counter()
            t = make()
            t.to_dict()
            best = min(best, time.perf_counter() - start)
        return t, best

    vec, vec_s = timed(lambda: _trace(source))
    unr, unr_s = timed(lambda: unroll(source))
    _, _, ids = entries_of(source)
    dv = dg = 0.0
    for n, e in zip(vec.nodes, ids):
        vals = np.vectorize(lambda i: float(unr.nodes[i].value))(e) if e.size else e
        dv = max(dv, float(np.max(np.abs(vals - n.value), initial=0.0)))
        if n.grad is not None and n.op not in _REWIRE:     # a picked entry's gradient is its source's
            grads = np.vectorize(lambda i: float(unr.nodes[i].grad) if unr.nodes[i].grad is not None
                                 else np.nan)(e)
            dg = max(dg, float(np.nanmax(np.abs(grads - n.grad), initial=0.0)))
    return {
        "vectorized": {"nodes": len(vec.nodes), "steps": len(vec.steps), "seconds": vec_s},
        "unrolled": {"nodes": len(unr.nodes), "steps": len(unr.steps), "seconds": unr_s},
        "max_value_difference": dv, "max_gradient_difference": dg,
    }


def _trace(source: str) -> Trace:
    from .trace import trace
    return trace(source)
