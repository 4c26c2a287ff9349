"""A program compiled for training: its loss and gradients again and again, with no step records.

The graph is built and run once (with the trace's checks and messages); then only the nodes
that depend on a parameter are recomputed, in id order, and only the nodes between the
parameters and the loss are differentiated, in reverse id order, with the op table's own
forward functions and VJPs. Numeric trouble is not an error here: a loss or gradient that is
not finite is how a run diverges, and the training loop reports it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .autodiff import run_forward, unbroadcast
from .errors import ProgramError
from .i18n import msg
from .graph import Graph, Node
from .limits import WORK_PER_NODE
from .ops import OPS
from .parser import build
from .shapes import fmt_shape
from .source import one_line_break


@dataclass(frozen=True)
class Parameter:
    """A leaf that gets a gradient: its node, its name (primed if the name was bound before), shape."""
    node: int
    name: str
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        """Its number of entries."""
        n = 1
        for d in self.shape:
            n *= d
        return n


class Compiled:
    """`loss(params)` and `loss_and_grads(params)` of one program; params in `parameters` order."""

    def __init__(self, source: str) -> None:
        source = one_line_break(source)
        graph, output = build(source)
        run_forward(graph)                     # the program's own values, checked as a trace checks them
        self.source, self.graph, self.output = source, graph, output
        nodes = graph.nodes
        out = nodes[output]
        what = msg("error.train.output_named.same", name=out.name) if out.name else msg("error.train.output_last")
        if out.shape != ():
            raise ProgramError(msg("error.train.scalar_loss", what=what, shape=fmt_shape(out.shape),
                                   name=out.name or "…"), out.line, out.col)
        # The nodes the loss depends on, walking back from it.
        needed = bytearray(len(nodes))
        needed[output] = 1
        for node in reversed(nodes[:output + 1]):
            if needed[node.id]:
                for i in node.inputs:
                    needed[i] = 1
        params = [n for n in nodes[:output + 1] if n.kind == "leaf" and not n.frozen and needed[n.id]]
        if not params:
            raise ProgramError(msg("error.train.nothing", what=what), out.line, out.col)
        self.parameters = [Parameter(n.id, name, tuple(n.shape)) for n, name in zip(params, _unique_names(params))]
        # The nodes that change with the parameters (and that the loss needs), in id order.
        moving = bytearray(len(nodes))
        for n in params:
            moving[n.id] = 1
        plan = []
        for node in nodes[:output + 1]:
            if node.kind == "op" and needed[node.id] and any(moving[i] for i in node.inputs):
                moving[node.id] = 1
                op = OPS[node.op]
                plan.append((node.id, op.forward, node.inputs, node.attrs, op, node.shape,
                             [moving[i] == 1 for i in node.inputs]))
        self._plan = plan
        self._back = list(reversed(plan))
        self._shapes = [n.shape for n in nodes]
        self._base = [v if isinstance(v, np.ndarray) else np.asarray(v, np.float64) for v in graph.values]
        self.initial = [self._base[p.node].copy() for p in self.parameters]
        self.work_size = graph_size(len(nodes), graph.total_elements)

    def _forward(self, params: list[np.ndarray]) -> list:
        vals = list(self._base)
        for p, v in zip(self.parameters, params):
            vals[p.node] = v
        for nid, fwd, inputs, attrs, _, _, _ in self._plan:
            vals[nid] = fwd([vals[i] for i in inputs], attrs)
        return vals

    def loss(self, params: list[np.ndarray]) -> float:
        """The loss at these parameter values (inf or nan when the arithmetic fails)."""
        with np.errstate(all="ignore"):
            return float(self._forward(params)[self.output])

    def loss_and_grads(self, params: list[np.ndarray]) -> tuple[float, list[np.ndarray]]:
        """The loss and its gradient with respect to each parameter."""
        with np.errstate(all="ignore"):
            vals = self._forward(params)
            grads: dict[int, np.ndarray] = {self.output: np.ones(())}
            shapes = self._shapes
            for nid, _, inputs, attrs, op, shape, moves in self._back:
                g = grads.pop(nid, None)
                if g is None:
                    continue
                ins = [vals[i] for i in inputs]
                out = vals[nid]
                shared = op.vjps(g, out, ins, attrs) if op.vjps is not None else None
                for pos, i in enumerate(inputs):
                    if not moves[pos]:
                        continue
                    d = shared[pos] if shared is not None else op.vjp(pos, g, out, ins, attrs)
                    d = unbroadcast(np.asarray(d, np.float64), shapes[i])
                    prev = grads.get(i)
                    grads[i] = d if prev is None else prev + d
            loss = float(vals[self.output])
            out_grads = []
            for p in self.parameters:
                g = grads.get(p.node)
                out_grads.append(np.zeros(p.shape) if g is None else np.array(g, np.float64).reshape(p.shape))
            return loss, out_grads


def graph_size(nodes: int, numbers: int) -> int:
    """A graph's size in the work limit: its numbers, plus each node's overhead as WORK_PER_NODE numbers."""
    return numbers + WORK_PER_NODE * nodes


def _unique_names(nodes: list[Node]) -> list[str]:
    """Each parameter's name: its first name, primed when an earlier parameter had it, v<id> if none."""
    seen: dict[str, int] = {}
    out = []
    for n in nodes:
        base = n.names[0] if n.names else f"v{n.id}"
        k = seen.get(base, 0)
        seen[base] = k + 1
        out.append(base + "′" * k)
    return out


def with_parameters(graph: Graph, compiled: Compiled, params: list[np.ndarray]) -> None:
    """Set the parameters' leaves of a freshly built graph to these values (before its forward pass)."""
    for p, v in zip(compiled.parameters, params):
        node = graph.nodes[p.node]
        node._literal = float(v) if v.ndim == 0 else np.array(v, np.float64)
