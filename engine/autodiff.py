"""Forward and backward passes: two iterative loops over the nodes, one step record each.

Forward walks the nodes in id order, which is a topological order (every node's inputs
are made before it). Backward walks the same order reversed, from the output with
gradient 1: at each node the upstream gradient is what its successors sent (summed);
for each input edge the op table's VJP gives the downstream gradient; broadcasting is
undone in one place, `unbroadcast`. No recursion, so a chain of any length works.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import numpy as np

from .errors import ProgramError
from .graph import Graph, Node
from .limits import JACOBIAN_MAX_ENTRIES
from .ops import INITS, OPS, Shape

ONE = np.ones(())

NUMERIC_TROUBLE = {
    "overflow": "overflow: the result is too large for float64",
    "divide by zero": "division by zero (or the log of 0)",
    "invalid value": "an invalid value (NaN): e.g. the log or square root of a negative number, or 0/0",
}


@dataclass(slots=True)
class ForwardStep:
    node: int
    value: np.ndarray

    def to_dict(self) -> dict:
        return {"phase": "forward", "node": self.node, "value": self.value.tolist()}


@dataclass(slots=True)
class Edge:
    input: int
    position: int
    local: np.ndarray | None
    local_shape: Shape
    downstream: np.ndarray | None
    skipped: str | None
    rule: tuple[str, str]

    def to_dict(self) -> dict:
        return {"input": self.input, "position": self.position,
                "local": None if self.local is None else self.local.tolist(),
                "local_shape": list(self.local_shape),
                "downstream": None if self.downstream is None else self.downstream.tolist(),
                "skipped": self.skipped,
                "rule": {"text": self.rule[0], "latex": self.rule[1]}}


@dataclass(slots=True)
class BackwardStep:
    node: int
    op: str
    upstream: np.ndarray
    contributions: list[tuple[int, np.ndarray]]
    edges: list[Edge]
    intuition: str | None
    sum_rule: str | None = None

    def to_dict(self) -> dict:
        return {"phase": "backward", "node": self.node, "op": self.op,
                "upstream": self.upstream.tolist(),
                "contributions": [{"from": f, "downstream": d.tolist()} for f, d in self.contributions],
                "edges": [e.to_dict() for e in self.edges],
                "intuition": self.intuition, "sum_rule": self.sum_rule}


@dataclass
class Symbols:
    """How nodes are written in rules: by name, else v<id>."""
    nodes: list[Node]
    cache: dict[int, tuple[str, str]] = field(default_factory=dict)

    def __call__(self, i: int) -> tuple[str, str]:
        s = self.cache.get(i)
        if s is None:
            s = self.cache[i] = symbol(self.nodes[i])
        return s


def symbol(node: Node) -> tuple[str, str]:
    """(text, LaTeX) for a node in formulas."""
    name = node.name
    if name is None:
        if node.kind == "const":
            return node.label, node.label if node.shape == () else r"\text{const}"
        return f"v{node.id}", f"v_{{{node.id}}}"
    if len(name) == 1 and name.isascii() and name.isalpha():
        return name, name
    base, _, sub = name.partition("_")
    if base and sub and base.isascii() and base.isalnum() and sub.isascii() and sub.isalnum():
        b = base if len(base) == 1 else r"\mathrm{" + base + "}"
        return name, b + r"_{\mathrm{" + sub + "}}"
    safe = "".join(c if c.isascii() and c.isalnum() else (r"\_" if c == "_" else "?") for c in name)
    return name, r"\mathrm{" + safe + "}"


def fill(rule: tuple[str, str], out: tuple[str, str], x: tuple[str, str],
         y: tuple[str, str] | None) -> tuple[str, str]:
    y = y or ("·", r"\cdot")
    text = rule[0].replace("{o}", out[0]).replace("{x}", x[0]).replace("{y}", y[0])
    tex = rule[1].replace("{O}", out[1]).replace("{X}", x[1]).replace("{Y}", y[1])
    return text, tex


def numeric_error(node: Node, err: FloatingPointError, phase: str) -> ProgramError:
    text = str(err)
    what = next((v for k, v in NUMERIC_TROUBLE.items() if k in text), text)
    expr = " ".join(node.expr.split())      # an expression over several lines: the message is one line
    where = f"'{expr}'" if len(expr) <= 40 else node.label
    name = f" (node {node.id}{', ' + node.name if node.name else ''})"
    return ProgramError(f"numeric error in the {phase} pass at {where}{name}: {what}", node.line, node.col)


def unbroadcast(g: np.ndarray, shape: Shape) -> np.ndarray:
    """Sum a gradient in the broadcast shape back to the shape of the input it belongs to."""
    if g.shape == shape:
        return g
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    if g.shape != shape:
        g = np.broadcast_to(g, shape)
    return g


def leaf_value(node: Node) -> np.ndarray:
    if node.literal is not None:
        return node.literal
    return INITS[node.attrs["init"]].make(node.shape, node.attrs)


def forward(graph: Graph, record: bool = True) -> list[ForwardStep]:
    steps: list[ForwardStep] = []
    nodes = graph.nodes
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        for node in nodes:
            try:
                if node.kind == "op":
                    v = OPS[node.op].forward([nodes[i].value for i in node.inputs], node.attrs)
                else:
                    v = leaf_value(node)
            except FloatingPointError as e:
                raise numeric_error(node, e, "forward") from None
            node.value = v if type(v) is np.ndarray and v.dtype == np.float64 else np.asarray(v, np.float64)
            if record:
                steps.append(ForwardStep(node.id, node.value))
    return steps


def evaluate(graph: Graph, overrides: dict[int, np.ndarray], values: list[np.ndarray]) -> list[np.ndarray]:
    """Values of all nodes with some leaves replaced; only their descendants are recomputed."""
    nodes = graph.nodes
    out = list(values)
    dirty = bytearray(len(nodes))
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        for node in nodes:
            if node.id in overrides:
                out[node.id] = overrides[node.id]
                dirty[node.id] = 1
            elif node.kind == "op" and any(dirty[i] for i in node.inputs):
                out[node.id] = np.asarray(OPS[node.op].forward([out[i] for i in node.inputs], node.attrs),
                                          np.float64)
                dirty[node.id] = 1
    return out


def jacobian(node: Node, pos: int, ins: list[np.ndarray], in_shape: Shape) -> np.ndarray:
    """d node / d input, shaped node shape + input shape, one VJP per output entry."""
    op = OPS[node.op]
    jac = np.empty(node.shape + in_shape)
    for k in np.ndindex(*node.shape):
        e = np.zeros(node.shape)
        e[k] = 1.0
        jac[k] = unbroadcast(np.asarray(op.vjp(pos, e, node.value, ins, node.attrs), np.float64), in_shape)
    return jac


def backward(graph: Graph, output: int) -> list[BackwardStep]:
    nodes = graph.nodes
    # The nodes the output depends on: marked walking backwards from it.
    relevant = bytearray(len(nodes))
    relevant[output] = 1
    for node in reversed(nodes[:output + 1]):
        if relevant[node.id]:
            for i in node.inputs:
                relevant[i] = 1
    grads: list[np.ndarray | None] = [None] * len(nodes)
    contributions: dict[int, list[tuple[int, np.ndarray]]] = {}
    grads[output] = ONE
    symbols = Symbols(nodes)
    steps: list[BackwardStep] = []
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        for node in reversed(nodes[:output + 1]):
            if not relevant[node.id] or not node.requires_grad:
                continue
            upstream = grads[node.id]
            assert upstream is not None
            edges: list[Edge] = []
            if node.kind == "op":
                try:
                    edges = _edges(node, nodes, upstream, grads, contributions, symbols)
                except FloatingPointError as e:
                    raise numeric_error(node, e, "backward") from None
            contrib = contributions.pop(node.id, [])
            sum_rule = None
            if len(contrib) > 1:
                who = ", ".join(symbols(f)[0] for f, _ in contrib)
                sum_rule = (f"{symbols(node.id)[0]} feeds {len(contrib)} nodes ({who}); its gradient is the sum "
                            f"of their contributions: upstream = Σ downstream")
            op = node.op if node.kind == "op" else node.kind
            steps.append(BackwardStep(node.id, op, upstream, contrib, edges,
                                      OPS[node.op].intuition if node.kind == "op" else None, sum_rule))
    for node in nodes:
        if node.requires_grad:
            g = grads[node.id]
            node.grad = np.zeros(node.shape) if g is None else np.asarray(g, np.float64)
        else:
            node.grad = None
    return steps


def _edges(node: Node, nodes: list[Node], upstream: np.ndarray, grads: list[np.ndarray | None],
           contributions: dict[int, list[tuple[int, np.ndarray]]], symbols: Symbols) -> list[Edge]:
    op = OPS[node.op]
    ins = [nodes[i].value for i in node.inputs]
    in_shapes = [n.shape for n in (nodes[i] for i in node.inputs)]
    out_sym = symbols(node.id)
    scalar_out = node.shape == ()
    edges = []
    for pos, i in enumerate(node.inputs):
        inp = nodes[i]
        other = symbols(node.inputs[1 - pos]) if len(node.inputs) == 2 else None
        rule = fill(op.rule(pos, in_shapes, node.shape), out_sym, symbols(i), other)
        local_shape = node.shape + inp.shape
        if not inp.requires_grad:
            edges.append(Edge(i, pos, None, local_shape, None, "frozen" if inp.frozen else "constant", rule))
            continue
        if scalar_out:
            # d node / d input has the input's shape; downstream = local × upstream exactly.
            local = unbroadcast(np.asarray(op.vjp(pos, ONE, node.value, ins, node.attrs), np.float64), inp.shape)
            down = local * upstream
        else:
            down = unbroadcast(np.asarray(op.vjp(pos, upstream, node.value, ins, node.attrs), np.float64),
                               inp.shape)
            local = (jacobian(node, pos, ins, inp.shape)
                     if node.size * inp.size <= JACOBIAN_MAX_ENTRIES else None)
        if local is not None and local.size > JACOBIAN_MAX_ENTRIES:
            local = None
        g = grads[i]
        grads[i] = down if g is None else g + down
        contributions.setdefault(i, []).append((node.id, down))
        edges.append(Edge(i, pos, local, local_shape, down, None, rule))
    return edges
