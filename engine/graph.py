"""Nodes hold data, never closures, so a graph can be serialized, replayed and drawn."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from .errors import ProgramError
from .i18n import msg
from .limits import MAX_ELEMENTS, MAX_NODES, MAX_TOTAL_ELEMENTS
from .ops import Shape
from .shapes import fmt_shape


@dataclass(eq=False, slots=True)
class Node:
    id: int
    op: str                      # an OPS key, "leaf" or "const"
    kind: str                    # "leaf" | "const" | "op"
    inputs: list[int]
    shape: Shape
    attrs: dict[str, Any]
    line: int
    col: int
    end_line: int
    end_col: int
    expr: str
    label: str
    names: list[str] = field(default_factory=list)
    frozen: bool = False
    # The value of a literal leaf or constant: a float for a single number (`literal`
    # gives it as a 0-d array), an array otherwise.
    _literal: float | np.ndarray | None = None
    # Computed by the passes: a single number is kept as a Python float (the scalar
    # interpretation of the ops), anything else as a float64 array. `value` and `grad`
    # always give arrays (0-d for a number).
    _value: float | np.ndarray | None = None
    _grad: float | np.ndarray | None = None
    # False for an operation on constants alone, which is a constant too (set by the
    # backward pass): x ** (2 * 2) must not differentiate through 2 * 2.
    grad_inputs: bool = True

    @property
    def literal(self) -> np.ndarray | None:
        lit = self._literal
        if type(lit) is float:
            lit = self._literal = np.array(lit)
        return lit

    @property
    def value(self) -> np.ndarray | None:
        v = self._value
        if type(v) is float:
            v = self._value = np.array(v)
        return v

    @value.setter
    def value(self, v: np.ndarray | None) -> None:
        self._value = v

    @property
    def grad(self) -> np.ndarray | None:
        g = self._grad
        if type(g) is float:
            g = self._grad = np.array(g)
        return g

    @grad.setter
    def grad(self, g: np.ndarray | None) -> None:
        self._grad = g

    @property
    def name(self) -> str | None:
        return self.names[0] if self.names else None

    @property
    def requires_grad(self) -> bool:
        if self.kind == "op":
            return self.grad_inputs
        return self.kind == "leaf" and not self.frozen

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


_new = object.__new__


class Graph:
    """Nodes in creation order. Every node's inputs are created before it, so id order is
    a topological order by construction; `to_networkx` gives the same graph to networkx."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.total_elements = 0
        # Set by the forward pass: every node's value (as on the nodes), and which nodes it
        # computed in the scalar interpretation (their backward can stay in it too).
        self.values: list[float | np.ndarray] | None = None
        self.done_scalar: bytearray | None = None

    def add(self, node: Node) -> Node:
        if len(self.nodes) >= MAX_NODES:
            raise ProgramError(msg("error.graph.too_many_nodes", limit=f"{MAX_NODES:,}"), node.line, node.col)
        size = node.size
        if size > MAX_ELEMENTS:
            raise ProgramError(msg("error.graph.too_many_elements", label=node.label, shape=fmt_shape(node.shape),
                                   size=f"{size:,}", limit=f"{MAX_ELEMENTS:,}"), node.line, node.col)
        self.total_elements += size
        if self.total_elements > MAX_TOTAL_ELEMENTS:
            raise ProgramError(msg("error.graph.too_many_numbers", limit=f"{MAX_TOTAL_ELEMENTS:,}"),
                               node.line, node.col)
        self.nodes.append(node)
        return node

    def add_scalar(self, op: str, kind: str, inputs: list[int], attrs: dict[str, Any], label: str,
                   literal: float | None, span: tuple[int, int, int, int, str]) -> Node:
        """`add` for a node that holds one number (shape ()): the same node as `Node(...)`
        makes, set field by field, which costs less than calling the class with fifteen
        arguments (this is every node of a scalar program). `span` is (line, col,
        end_line, end_col, expr)."""
        nodes = self.nodes
        node = _new(Node)
        node.id = len(nodes)
        node.op, node.kind, node.inputs, node.shape, node.attrs = op, kind, inputs, (), attrs
        node.line, node.col, node.end_line, node.end_col, node.expr = span
        node.label, node.names, node.frozen, node._literal = label, [], False, literal
        node._value = node._grad = None
        node.grad_inputs = True
        if node.id >= MAX_NODES or self.total_elements >= MAX_TOTAL_ELEMENTS:
            return self.add(node)            # refused there, with its message
        self.total_elements += 1
        nodes.append(node)
        return node

    def to_networkx(self) -> nx.DiGraph:
        g = nx.DiGraph()
        for n in self.nodes:
            g.add_node(n.id, op=n.op, kind=n.kind, name=n.name, shape=n.shape)
        for n in self.nodes:
            for pos, i in enumerate(n.inputs):
                if g.has_edge(i, n.id):
                    g.edges[i, n.id]["positions"].append(pos)
                else:
                    g.add_edge(i, n.id, positions=[pos])
        return g
