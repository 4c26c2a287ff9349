"""Forward and backward passes: two iterative loops over the nodes, one step record each.

Forward walks the nodes in id order, which is a topological order (every node's inputs
are made before it). Backward walks the same order reversed, from the output with
gradient 1: at each node the upstream gradient is what its successors sent (summed);
for each input edge the op table's VJP gives the downstream gradient; broadcasting is
undone in one place, `unbroadcast`. No recursion, so a chain of any length works.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator, NamedTuple

import numpy as np

from . import document as doc
from .errors import ProgramError
from .graph import Graph, Node
from .limits import JACOBIAN_MAX_ENTRIES
from .ops import INITS, OPS, SCALAR, Rule, RuleAt, Shape
from .shapes import dims

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
    narration: dict[str, str] | None = None      # the step told in each language (a trace's steps)

    def to_dict(self) -> doc.ForwardStep:
        d = forward_step_dict(self.node, self.value)
        if self.narration is not None:
            d["narration"] = self.narration  # type: ignore[typeddict-item]
        return d


class Edge(NamedTuple):
    """What a backward step sends down one input edge (a tuple, so `edge_dicts` reads it
    as it reads the edges of `steps_from_records`)."""
    input: int
    position: int
    local: np.ndarray | None
    local_shape: Shape
    downstream: np.ndarray | None
    skipped: doc.Skipped | None
    rule: tuple[str, str]                 # the local derivative
    downstream_rule: tuple[str, str]      # the downstream gradient ∂s/∂input

    def to_dict(self) -> doc.Edge:
        return edge_dicts([self])[0]


@dataclass(slots=True)
class BackwardStep:
    node: int
    op: str
    upstream: np.ndarray
    contributions: list[Contribution]
    edges: list[Edge]
    intuition: str | None
    sum_rule: str | None = None
    narration: dict[str, str] | None = None      # the step told in each language (a trace's steps)

    def to_dict(self) -> doc.BackwardStep:
        d = backward_step_dict(self.node, self.op, self.upstream, self.contributions, self.edges,
                               self.intuition, self.sum_rule)
        if self.narration is not None:
            d["narration"] = self.narration  # type: ignore[typeddict-item]
        return d


# The document's step records, each written in one place, for the step objects' `to_dict`
# and for `step_dicts` (the document's backward steps, made without objects). A number
# comes as a float or as an array (0-d for a number); a float is written as itself, an
# array as nested lists. That test is written out in place: a call per number would show
# in the time a big scalar document takes.

def forward_step_dict(node: int, value: float | np.ndarray) -> doc.ForwardStep:
    return {"phase": "forward", "node": node, "value": value if type(value) is float else value.tolist()}


def edge_dicts(edges: Iterable[FullEdge]) -> list[doc.Edge]:
    return [{"input": i, "position": pos,
             "local": local if local is None or type(local) is float else local.tolist(),
             "local_shape": list(shape),
             "downstream": down if down is None or type(down) is float else down.tolist(),
             "skipped": skipped, "rule": {"text": rule[0], "latex": rule[1]},
             "downstream_rule": {"text": drule[0], "latex": drule[1]}}
            for i, pos, local, shape, down, skipped, rule, drule in edges]


def backward_step_dict(node: int, op: str, upstream: float | np.ndarray,
                       contributions: list[Contribution], edges: Iterable[FullEdge],
                       intuition: str | None, sum_rule: str | None) -> doc.BackwardStep:
    return {"phase": "backward", "node": node, "op": op,
            "upstream": upstream if type(upstream) is float else upstream.tolist(),
            "contributions": [{"from": f, "position": pos, "text": text,
                               "downstream": d if type(d) is float else d.tolist()}
                              for f, pos, text, d in contributions],
            "edges": edge_dicts(edges), "intuition": intuition, "sum_rule": sum_rule}


@dataclass
class Symbols:
    """How nodes are written in rules: by name, else v<id>. A name bound again
    (`h = relu(h)`) marks each later node with a prime: h, h′, h″, so ∂h′/∂h reads right."""
    nodes: list[Node]
    cache: dict[int, tuple[str, str]] = field(default_factory=dict)
    versions: dict[int, int] | None = None

    def __call__(self, i: int) -> tuple[str, str]:
        s = self.cache.get(i)
        if s is None:
            if self.versions is None:
                self.versions = rebindings(self.nodes)
            s = self.cache[i] = symbol(self.nodes[i], self.versions.get(i, 0))
        return s


def rebindings(nodes: list[Node]) -> dict[int, int]:
    """For each node whose name was already the name of an earlier node: how many before it."""
    seen: dict[str, int] = {}
    out: dict[int, int] = {}
    for n in nodes:
        if n.names:
            k = seen.get(n.names[0], 0)
            if k:
                out[n.id] = k
            seen[n.names[0]] = k + 1
    return out


def symbol(node: Node, version: int = 0) -> tuple[str, str]:
    """(text, LaTeX) for a node in formulas; `version` primes a name bound again."""
    text, tex = _symbol(node)
    if version:
        # A mark on a longer name goes after the whole of it: {\mathrm{museums}}'.
        tex = tex if len(tex) == 1 else "{" + tex + "}"
        if version <= 3:
            return text + "′″‴"[version - 1], tex + "'" * version
        return f"{text}⁽{version}⁾", tex + f"^{{({version})}}"
    return text, tex


def _symbol(node: Node) -> tuple[str, str]:
    name = node.names[0] if node.names else None
    if name is None:
        if node.kind == "const":
            return node.label, node.label if node.shape == () else r"\text{const}"
        return f"v{node.id}", f"v_{{{node.id}}}"
    if len(name) == 1 and name.isascii() and name.isalpha():
        return name, name
    if name.endswith("]") and "[" in name:          # an entry of an unrolled tensor: W[0,1]
        base, _, index = name[:-1].partition("[")
        return name, _symbol_tex(base) + "[" + index.replace(",", ",\\,") + "]"
    return name, _symbol_tex(name)


def _symbol_tex(name: str) -> str:
    if len(name) == 1 and name.isascii() and name.isalpha():
        return name
    base, _, sub = name.partition("_")
    if base and sub and base.isascii() and base.isalnum() and sub.isascii() and sub.isalnum():
        b = base if len(base) == 1 else r"\mathrm{" + base + "}"
        return b + r"_{\mathrm{" + sub + "}}"
    safe = "".join(c if c.isascii() and c.isalnum() else (r"\_" if c == "_" else "?") for c in name)
    return r"\mathrm{" + safe + "}"


def fill(text: tuple[str, str], out: tuple[str, str], x: tuple[str, str],
         y: tuple[str, str] | None) -> tuple[str, str]:
    """A text of the op table with its placeholders ({o}, {x}, {y}; {O}, {X}, {Y} in LaTeX)
    replaced by the symbols of the node and its inputs."""
    y = y or ("·", r"\cdot")
    words = text[0].replace("{o}", out[0]).replace("{x}", x[0]).replace("{y}", y[0])
    tex = text[1].replace("{O}", out[1]).replace("{X}", x[1]).replace("{Y}", y[1])
    return words, tex


SKIPPED_WHY = {
    "constant": ("{x} is a constant written in the program: no gradient is sent to it",
                 r"\text{no gradient: } {X} \text{ is a constant}"),
    "frozen": ("{x} is frozen: it keeps its value, so no gradient is sent to it",
               r"\text{no gradient: } {X} \text{ is frozen}"),
}


def broadcast_axes(in_shape: Shape, out_shape: Shape) -> tuple[int, ...]:
    """The output's axes an input was copied along: leading axes it lacks, and its axes of size 1."""
    lead = len(out_shape) - len(in_shape)
    return tuple(range(lead)) + tuple(lead + k for k, n in enumerate(in_shape)
                                      if n == 1 and out_shape[lead + k] != 1)


def broadcast_words(x: str, in_shape: Shape, out_shape: Shape) -> tuple[str, str]:
    """How an input was broadcast and what that does to its gradient, with the shapes:
    (how it was copied, the sum that undoes it)."""
    axes = broadcast_axes(in_shape, out_shape)
    if not in_shape or len(axes) == len(out_shape):
        copied = f"{x} (a single number) was broadcast to all {dims(out_shape)} entries"
        return copied, "summed over every entry"
    if len(out_shape) == 2 and axes == (0,):
        copied = f"{x} ({dims(in_shape)}) was broadcast over {out_shape[0]} rows ({dims(out_shape)})"
    elif len(out_shape) == 2 and axes == (1,):
        copied = f"{x} ({dims(in_shape)}) was broadcast over {out_shape[1]} columns ({dims(out_shape)})"
    else:
        copied = f"{x} ({dims(in_shape)}) was broadcast to {dims(out_shape)}"
    return copied, "summed over axis " + ", ".join(str(a) for a in axes)


def rule_texts(rule: Rule, at: RuleAt, s: tuple[str, str], out: tuple[str, str], x: tuple[str, str],
               y: tuple[str, str] | None) -> tuple[tuple[str, str], tuple[str, str]]:
    """An edge's two texts, (local, downstream), each (words, LaTeX): the rule of the op table
    with the node's symbols, ∂s/∂x = … for the downstream (s the traced output), entry by
    entry for an elementwise rule, and the sum over the axes an input was broadcast along."""
    local = fill(rule.local, out, x, y)
    words, tex = fill(rule.downstream, out, x, y)
    in_shape = at.in_shapes[at.pos]
    if not at.out_shape:                      # one number: ⊙ is a plain product
        words, tex = words.replace(" ⊙ ", " · "), tex.replace(r"\odot", r"\cdot")
    elif rule.elementwise:
        local = (local[0] + ", entry by entry (each entry of " + out[0] + " depends only on the matching entry of "
                 + x[0] + ")", local[1])
    if rule.elementwise and tuple(in_shape) != tuple(at.out_shape):
        copied, summed = broadcast_words(x[0], in_shape, at.out_shape)
        local = (local[0] + f"; {copied}, so every copy has this derivative", local[1])
        words = f"{words}, {summed}: {copied}, so its gradient is the upstream {summed}"
        axes = broadcast_axes(in_shape, at.out_shape)
        under = ("all" if not in_shape or len(axes) == len(at.out_shape)
                 else "axis " + ",".join(str(a) for a in axes))
        tex = r"\sum_{\text{" + under + r"}} \left(" + tex + r"\right)"
    lhs = (f"∂{s[0]}/∂{x[0]} = ", r"\frac{\partial " + s[1] + r"}{\partial " + x[1] + "} = ")
    return local, (lhs[0] + words, lhs[1] + tex)


def skipped_texts(why: doc.Skipped, x: tuple[str, str]) -> tuple[tuple[str, str], tuple[str, str]]:
    """Both texts of an edge that carries no gradient: why."""
    text = fill(SKIPPED_WHY[why], x, x, None)
    return text, text


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


# What Python float arithmetic raises where numpy (under np.errstate(raise)) would report.
_SCALAR_TROUBLE = (ZeroDivisionError, OverflowError, ValueError, FloatingPointError)


def _numpy_forward(node: Node, ins: list) -> float | np.ndarray:
    v = OPS[node.op].forward([np.asarray(x) if type(x) is float else x for x in ins], node.attrs)
    v = v if type(v) is np.ndarray and v.dtype == np.float64 else np.asarray(v, np.float64)
    return float(v) if v.ndim == 0 else v


def run_forward(graph: Graph) -> list[float | np.ndarray]:
    """Every node's value, in id order (a topological order). Single numbers go through the
    scalar interpretation of the ops (Python floats), everything else through numpy."""
    nodes = graph.nodes
    vals: list = [None] * len(nodes)
    done_scalar = bytearray(len(nodes))      # computed in the scalar interpretation
    scalar_ops = SCALAR
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        for node in nodes:
            nid = node.id
            if node.kind == "op":
                inputs = node.inputs
                v = None
                scalar_op = scalar_ops.get(node.op) if not node.shape else None
                if scalar_op is not None:
                    # One or two numbers in, one out (most nodes of a scalar program): the
                    # op's value function on the numbers themselves.
                    value_of = scalar_op.value
                    try:
                        if value_of is not None and len(inputs) == 2:
                            a, b = vals[inputs[0]], vals[inputs[1]]
                            if type(a) is float and type(b) is float:
                                v = value_of(a, b)
                        elif value_of is not None and len(inputs) == 1:
                            a = vals[inputs[0]]
                            if type(a) is float:
                                v = value_of(a)
                        else:
                            ins = [vals[i] for i in inputs]
                            for x in ins:
                                if type(x) is not float:
                                    break
                            else:
                                v = scalar_op.forward(ins, node.attrs)
                    except _SCALAR_TROUBLE:
                        v = None
                    if v is not None:
                        if v - v != 0.0:          # inf or nan: let numpy name the trouble
                            v = None
                        else:
                            done_scalar[nid] = 1
                if v is None:
                    try:
                        v = _numpy_forward(node, [vals[i] for i in inputs])
                    except FloatingPointError as e:
                        raise numeric_error(node, e, "forward") from None
            else:
                lit = node._literal
                if type(lit) is float:                       # a number written in the program
                    v = lit
                elif lit is not None and lit.ndim == 0:
                    v = float(lit)
                else:
                    v = leaf_value(node)
                    v = v if type(v) is np.ndarray and v.dtype == np.float64 else np.asarray(v, np.float64)
                    if v.ndim == 0:
                        v = float(v)
            vals[nid] = v
            node._value = v
    graph.values = vals
    graph.done_scalar = done_scalar
    return vals


def forward(graph: Graph, record: bool = True) -> list[ForwardStep]:
    """Run the forward pass; the steps it made, one per node in id order."""
    run_forward(graph)
    return [ForwardStep(n.id, n.value) for n in graph.nodes] if record else []


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


def jacobian(node: Node, out: np.ndarray, pos: int, ins: list[np.ndarray], in_shape: Shape) -> np.ndarray:
    """d node / d input, shaped node shape + input shape, one VJP per output entry."""
    op = OPS[node.op]
    jac = np.empty(node.shape + in_shape)
    for k in np.ndindex(*node.shape):
        e = np.zeros(node.shape)
        e[k] = 1.0
        jac[k] = unbroadcast(np.asarray(op.vjp(pos, e, out, ins, node.attrs), np.float64), in_shape)
    return jac


# A backward step as the pass records it: (node id, upstream, edges), each edge
# (input id, position, local, downstream, skipped). Numbers are floats for single
# numbers, arrays otherwise. Contributions, sums, rules and intuitions follow from these
# and from the graph; `steps_from_records` adds them when the steps are read or serialized.
EdgeRecord = tuple[int, int, "float | np.ndarray | None", "float | np.ndarray | None", "doc.Skipped | None"]
BackwardRecord = tuple[int, "float | np.ndarray", list[EdgeRecord]]


class _RetryWithNumpy(Exception):
    """The scalar interpretation met numeric trouble: run the pass again with numpy only,
    which stops at the same node with numpy's own words for it."""


def run_backward(graph: Graph, output: int) -> list[BackwardRecord]:
    """Gradients of the output with respect to every node (stored on the nodes), and the
    record of each backward step, in reverse id order."""
    try:
        return _backward(graph, output, scalar=True)
    except _RetryWithNumpy:
        return _backward(graph, output, scalar=False)


def _backward(graph: Graph, output: int, scalar: bool) -> list[BackwardRecord]:
    nodes = graph.nodes
    vals = graph.values or [n._value for n in nodes]
    done_scalar = graph.done_scalar if scalar else None
    # Which nodes take a gradient: leaves that are not frozen, and an operation unless all its
    # inputs are constants: 2 * 2 in x ** (2 * 2) is a constant (its exponent edge would be NaN
    # for x < 0). An operation on a frozen leaf still takes one, so the picture shows the edge
    # into the frozen leaf skipped. Set here, however the graph was built (ids are topological).
    takes_grad = bytearray(len(nodes))
    leaf_or_takes_grad = bytearray(len(nodes))    # frozen leaves too: an op on one takes a gradient
    for node in nodes:
        kind = node.kind
        if kind == "op":
            takes = False
            for i in node.inputs:
                if leaf_or_takes_grad[i]:
                    takes = True
                    break
            node.grad_inputs = takes
            takes_grad[node.id] = leaf_or_takes_grad[node.id] = takes
        elif kind == "leaf":
            leaf_or_takes_grad[node.id] = 1
            takes_grad[node.id] = not node.frozen
    # Walking back from the output, a node is reached when one of its successors was: the
    # nodes the output depends on. A node's gradient is complete when the walk reaches it.
    relevant = bytearray(len(nodes))
    relevant[output] = 1
    grads: list = [None] * len(nodes)
    grads[output] = 1.0 if type(vals[output]) is float else ONE
    records: list[BackwardRecord] = []
    scalar_ops = SCALAR if scalar else {}
    for node in nodes[output + 1:]:              # statements after the output
        node._grad = (0.0 if not node.shape else np.zeros(node.shape)) if takes_grad[node.id] else None
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        for node in reversed(nodes[:output + 1]):
            nid = node.id
            if not takes_grad[nid]:
                node._grad = None
                if relevant[nid]:
                    for i in node.inputs:
                        relevant[i] = 1
                continue
            if not relevant[nid]:
                node._grad = 0.0 if not node.shape else np.zeros(node.shape)
                continue
            up = grads[nid]
            node._grad = up if type(up) is float else _final_grad(up)
            for i in node.inputs:
                relevant[i] = 1
            if node.kind != "op":
                records.append((nid, up, []))
                continue
            inputs = node.inputs
            if done_scalar is not None and done_scalar[nid] and type(up) is float:
                scalar_op = scalar_ops[node.op]                  # its inputs were numbers going forward
                ins = [vals[inputs[0]], vals[inputs[1]]] if len(inputs) == 2 else [vals[i] for i in inputs]
            else:
                scalar_op = scalar_ops.get(node.op) if type(up) is float else None
                if scalar_op is not None:
                    ins = [vals[i] for i in inputs]
                    for x in ins:
                        if type(x) is not float:
                            scalar_op = None
                            break
            if scalar_op is not None:
                # The scalar interpretation: any trouble (an exception, a result that is not
                # a finite number) sends the whole pass to numpy, which names it. Each edge:
                # local derivative, downstream = local × upstream, added to the input's sum.
                local_of, out, attrs = scalar_op.local, vals[nid], node.attrs
                try:
                    if len(inputs) == 2:          # most nodes: the loop below, unrolled for two
                        i, j = inputs
                        if takes_grad[i]:
                            local = local_of(0, ins, out, attrs)
                            down = local * up
                            g = grads[i]
                            g = down if g is None else g + down
                            if g - g != 0.0:
                                raise _RetryWithNumpy
                            grads[i] = g
                            first = (i, 0, local, down, None)
                        else:
                            first = (i, 0, None, None, "frozen" if nodes[i].frozen else "constant")
                        if takes_grad[j]:
                            local = local_of(1, ins, out, attrs)
                            down = local * up
                            g = grads[j]
                            g = down if g is None else g + down
                            if g - g != 0.0:
                                raise _RetryWithNumpy
                            grads[j] = g
                            edges = [first, (j, 1, local, down, None)]
                        else:
                            edges = [first, (j, 1, None, None, "frozen" if nodes[j].frozen else "constant")]
                    else:
                        edges = []
                        for pos, i in enumerate(inputs):
                            if not takes_grad[i]:
                                edges.append((i, pos, None, None, "frozen" if nodes[i].frozen else "constant"))
                                continue
                            local = local_of(pos, ins, out, attrs)
                            down = local * up
                            g = grads[i]
                            g = down if g is None else g + down
                            if g - g != 0.0:
                                raise _RetryWithNumpy
                            grads[i] = g
                            edges.append((i, pos, local, down, None))
                except _SCALAR_TROUBLE:
                    raise _RetryWithNumpy from None
            else:
                try:
                    edges = _numpy_edges(node, nodes, vals, up, grads)
                except FloatingPointError as e:
                    raise numeric_error(node, e, "backward") from None
            records.append((nid, up, edges))
    return records


def _final_grad(g: np.ndarray) -> float | np.ndarray:
    g = np.asarray(g, np.float64)
    return float(g) if g.ndim == 0 else g


def _numpy_edges(node: Node, nodes: list[Node], vals: list, upstream: float | np.ndarray,
                 grads: list) -> list[EdgeRecord]:
    op = OPS[node.op]
    ins = [np.asarray(vals[i]) if type(vals[i]) is float else vals[i] for i in node.inputs]
    up = np.asarray(upstream) if type(upstream) is float else upstream
    out = vals[node.id]
    out = np.asarray(out) if type(out) is float else out
    scalar_out = node.shape == ()
    # An op whose inputs share the work of their VJPs gives them all from one call.
    shared = None if op.vjps is None else op.vjps(ONE if scalar_out else up, out, ins, node.attrs)
    edges: list[EdgeRecord] = []
    for pos, i in enumerate(node.inputs):
        inp = nodes[i]
        if not inp.requires_grad:
            edges.append((i, pos, None, None, "frozen" if inp.frozen else "constant"))
            continue
        vjp = op.vjp(pos, ONE if scalar_out else up, out, ins, node.attrs) if shared is None else shared[pos]
        if scalar_out:
            # d node / d input has the input's shape; downstream = local × upstream exactly.
            local = unbroadcast(np.asarray(vjp, np.float64), inp.shape)
            down = local * up
        else:
            down = unbroadcast(np.asarray(vjp, np.float64), inp.shape)
            local = (jacobian(node, out, pos, ins, inp.shape)
                     if node.size * inp.size <= JACOBIAN_MAX_ENTRIES else None)
        if local is not None and local.size > JACOBIAN_MAX_ENTRIES:
            local = None
        g = grads[i]
        if g is not None and type(g) is float:
            g = np.asarray(g)
        g = down if g is None else g + down
        grads[i] = float(g) if g.ndim == 0 else g
        if local is not None and local.ndim == 0:
            local = float(local)
        if down.ndim == 0:
            down = float(down)
        edges.append((i, pos, local, down, None))
    return edges


# A backward step with everything the document shows: (node, op name, upstream,
# contributions [(from, position, text, downstream)], edges [(input, position, local, local
# shape, downstream, skipped, rule, downstream rule)], intuition, sum rule).
Contribution = tuple[int, int, str, "float | np.ndarray"]
FullEdge = tuple[int, int, "float | np.ndarray | None", Shape, "float | np.ndarray | None", "doc.Skipped | None",
                 tuple[str, str], tuple[str, str]]
FullStep = tuple[int, str, "float | np.ndarray", "list[Contribution]", list[FullEdge],
                 "str | None", "str | None"]



def ordinal(pos: int) -> str:
    """A 0-based input position as words: 1st, 2nd, 3rd, 4th…"""
    n = pos + 1
    if n % 100 in (11, 12, 13):
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _short(expr: str) -> str:
    expr = " ".join(expr.split())
    return expr if len(expr) <= 40 else expr[:39] + "…"


def steps_from_records(graph: Graph, records: list[BackwardRecord]) -> Iterator[FullStep]:
    """Each recorded step with what follows from it and the graph: contributions, local
    shapes, rules, intuition and sum rule. The contributions of a node's successors are all
    recorded before its own step, in the order they were sent."""
    nodes = graph.nodes
    vals = graph.values or [n._value for n in nodes]
    symbols = Symbols(nodes)
    out_sym = symbols(records[0][0]) if records else ("s", "s")     # the traced output: the first step
    contributions: dict[int, list] = {}
    rules: dict[tuple, Rule] = {}
    for nid, up, edges in records:
        node = nodes[nid]
        full: list[FullEdge] = []
        intuition = None
        if edges:
            op = OPS[node.op]
            intuition = op.intuition
            in_shapes = tuple(nodes[i].shape for i in node.inputs)
            node_sym = symbols(nid)
            source = f"from {node_sym[0]} = {_short(node.expr)}"
            two = len(node.inputs) == 2
            ins = None
            # Rules that follow from the shapes are kept by shapes; a key of many inputs'
            # shapes (concat) would cost as much as the rule, once per input.
            memo = callable(op.rules) and len(in_shapes) <= 2
            for i, pos, local, down, skipped in edges:
                case = ""
                if op.case is not None and skipped is None:
                    ins = ins or [vals[k] for k in node.inputs]
                    case = op.case(pos, ins, vals[nid], node.attrs)
                rule = None
                if skipped is not None:
                    both = skipped_texts(skipped, symbols(i))
                else:
                    key = (node.op, pos, in_shapes, node.shape, case, repr(node.attrs) if node.attrs else None)
                    at = RuleAt(pos, in_shapes, node.shape, node.attrs, case)
                    rule = rules.get(key) if memo else None
                    if rule is None:
                        rule = op.rule(at)
                        if memo:
                            rules[key] = rule
                    both = rule_texts(rule, at, out_sym, node_sym, symbols(i),
                                      symbols(node.inputs[1 - pos]) if two else None)
                full.append((i, pos, local, node.shape + nodes[i].shape, down, skipped, both[0], both[1]))
                if skipped is None:
                    what = (f"{source}, as its {ordinal(pos)} input" if len(node.inputs) > 1 else source)
                    contributions.setdefault(i, []).append((nid, pos, what, down))
                    if rule is not None and rule.elementwise and in_shapes[pos] != node.shape:
                        copied, summed = broadcast_words(symbols(i)[0], in_shapes[pos], node.shape)
                        intuition = f"{intuition or ''} Here {copied}, so its gradient is the upstream {summed}.".strip()
        contrib = contributions.pop(nid, [])
        sum_rule = None
        if len(contrib) > 1:
            who = ", ".join(symbols(f)[0] for f, _, _, _ in contrib)
            # x * x: one node using x twice is two uses, not two nodes
            uses = (f"feeds {len(contrib)} nodes" if len({f for f, _, _, _ in contrib}) == len(contrib)
                    else f"is used {len(contrib)} times")
            sum_rule = (f"{symbols(nid)[0]} {uses} ({who}); its gradient is the sum "
                        f"of their contributions: upstream = Σ downstream")
        is_op = node.kind == "op"
        yield (nid, node.op if is_op else node.kind, up, contrib, full,
               (intuition or OPS[node.op].intuition) if is_op else None, sum_rule)


def _as_array(x: float | np.ndarray | None) -> np.ndarray | None:
    return np.array(x) if type(x) is float else x


def step_objects(graph: Graph, records: list[BackwardRecord]) -> list[BackwardStep]:
    """The recorded steps as BackwardStep objects (numbers as arrays, 0-d for a number)."""
    return [BackwardStep(nid, op, _as_array(up), [(f, pos, text, _as_array(d)) for f, pos, text, d in contrib],
                         [Edge(i, pos, _as_array(local), shape, _as_array(down), skipped, rule, drule)
                          for i, pos, local, shape, down, skipped, rule, drule in edges],
                         intuition, sum_rule)
            for nid, op, up, contrib, edges, intuition, sum_rule in steps_from_records(graph, records)]


def step_dicts(graph: Graph, records: list[BackwardRecord]) -> list[doc.BackwardStep]:
    """The recorded steps as the document's backward steps: what `to_dict` of each of
    `step_objects` gives, without making the objects."""
    return [backward_step_dict(*step) for step in steps_from_records(graph, records)]


def backward(graph: Graph, output: int) -> list[BackwardStep]:
    """Run the backward pass from a scalar output; the steps it made, as objects."""
    return step_objects(graph, run_backward(graph, output))
