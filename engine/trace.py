"""A trace: the graph of one program with every forward and backward step recorded."""
from __future__ import annotations

from functools import cached_property

import networkx as nx

from .autodiff import BackwardStep, ForwardStep, backward, forward, symbol
from .graph import Graph, Node
from .ops import fmt_shape
from .parser import build


class Trace:
    """The result of `trace(source)`. `to_dict()` is the JSON document of the README."""

    def __init__(self, source: str, graph: Graph, output: int) -> None:
        self.source = source
        self.nodes: list[Node] = graph.nodes
        self.output = output
        self._graph = graph
        self.messages: list[dict] = []
        self.forward_steps: list[ForwardStep] = forward(graph)
        self.backward_steps: list[BackwardStep] = []
        out = self.nodes[output]
        self.backward_ran = out.shape == ()
        if self.backward_ran:
            self.backward_steps = backward(graph, output)
        else:
            what = f"'{out.name}'" if out.name else "the last expression"
            self.messages.append({
                "level": "warning", "line": out.line, "col": out.col,
                "message": f"the output {what} has shape {fmt_shape(out.shape)}; backward needs a scalar "
                           f"output: try sum({out.name or '…'})"})

    @property
    def steps(self) -> list[ForwardStep | BackwardStep]:
        return [*self.forward_steps, *self.backward_steps]

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The computation graph as a networkx DiGraph: nodes by id, edges input → op."""
        return self._graph.to_networkx()

    def node_dict(self, n: Node) -> dict:
        text, latex = symbol(n)
        return {"id": n.id, "op": n.op, "label": n.label, "kind": n.kind, "frozen": n.frozen,
                "name": n.name, "names": list(n.names), "symbol": text, "latex": latex,
                "inputs": list(n.inputs), "shape": list(n.shape),
                "value": None if n.value is None else n.value.tolist(),
                "grad": None if n.grad is None else n.grad.tolist(),
                "line": n.line, "col": n.col, "end_line": n.end_line, "end_col": n.end_col,
                "expr": n.expr, "attrs": dict(n.attrs)}

    def to_dict(self) -> dict:
        return {"source": self.source, "output": self.output, "backward": self.backward_ran,
                "messages": list(self.messages),
                "nodes": [self.node_dict(n) for n in self.nodes],
                "steps": [s.to_dict() for s in self.forward_steps]
                + [s.to_dict() for s in self.backward_steps]}


def trace(source: str) -> Trace:
    """Parse, build, run forward and backward; raises ProgramError on a bad program."""
    graph, output = build(source)
    return Trace(source, graph, output)
