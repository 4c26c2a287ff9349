"""Forward and backward passes: two iterative loops over the nodes, one step record each.

Forward walks the nodes in id order, which is a topological order (every node's inputs
are made before it). Backward walks the same order reversed, from the output with
gradient 1: at each node the upstream gradient is what its successors sent (summed);
for each input edge the op table's VJP gives the downstream gradient; broadcasting is
undone in one place, `unbroadcast`. No recursion, so a chain of any length works.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Iterable, Iterator, NamedTuple

import numpy as np

from . import document as doc
from .errors import ProgramError
from .i18n import Msg, msg
from .graph import Graph, Node
from .i18n import DEFAULT_LANG, Msg, msg
from .limits import JACOBIAN_MAX_ENTRIES
from .ops import INITS, OPS, SCALAR, Rule, RuleAt, Shape, Tex, Text, cat
from .shapes import dims

ONE = np.ones(())

# What numpy's floating-point error says → what the message says (`error.numeric.*`).
NUMERIC_TROUBLE: dict[str, Msg] = {
    "overflow": msg("error.numeric.overflow"),
    "divide by zero": msg("error.numeric.divide"),
    "invalid value": msg("error.numeric.invalid"),
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
    rule: Said                            # the local derivative
    downstream_rule: Said                 # the downstream gradient ∂s/∂input

    def to_dict(self, lang: str = DEFAULT_LANG) -> doc.Edge:
        return edge_dicts([self], lang)[0]


@dataclass(slots=True)
class BackwardStep:
    node: int
    op: str
    upstream: np.ndarray
    contributions: list[Contribution]
    edges: list[Edge]
    intuition: Msg | None
    sum_rule: Said | None = None
    narration: dict[str, str] | None = None      # the step told in each language (a trace's steps)

    def to_dict(self, lang: str = DEFAULT_LANG) -> doc.BackwardStep:
        d = backward_step_dict(self.node, self.op, self.upstream, self.contributions, self.edges,
                               self.intuition, self.sum_rule, lang)
        if self.narration is not None:
            d["narration"] = self.narration  # type: ignore[typeddict-item]
        return d


# The symbols a text's placeholders stand for, (text, LaTeX) each, in this order: the node
# ({o}, {O}), the input ({x}), the other input ({y}), the traced output ({s}); a contribution
# or a sum rule names the node alone.
Names = tuple[tuple[str, str], ...]
NAME_KEYS = ("o", "x", "y", "s")


class Said(NamedTuple):
    """A step's text not yet told: its words (a catalogue message) and LaTeX (a string, or a
    message when it has words), and the symbols its placeholders stand for (`Names`)."""
    words: Msg
    tex: Tex
    names: Names

    def told(self, lang: str = DEFAULT_LANG, cache: dict | None = None) -> tuple[str, str]:
        tex = self.tex if isinstance(self.tex, str) else tell(self.tex, lang, cache)
        return name_fill(tell(self.words, lang, cache), tex, self.names)


def tell(m: Msg, lang: str, cache: dict | None) -> str:
    """`m` told in `lang`; `cache` (id → (message, text)) keeps the text of a message that
    many edges share (the rules are made once per shape), for one document."""
    if cache is None:
        return m.text(lang)
    hit = cache.get(id(m))
    if hit is not None and hit[0] is m:
        return hit[1]
    said = m.text(lang)
    cache[id(m)] = (m, said)
    return said


def name_fill(words: str, tex: str, names: Names) -> tuple[str, str]:
    """Words and LaTeX with the nodes' symbols in place of {o}, {x}… and {O}, {X}…."""
    for k, (t, latex) in zip(NAME_KEYS, names):
        words = words.replace("{" + k + "}", t)
        tex = tex.replace("{" + k.upper() + "}", latex)
    return words, tex


# The document's step records, each written in one place, for the step objects' `to_dict`
# and for `step_dicts` (the document's backward steps, made without objects). A number
# comes as a float or as an array (0-d for a number); a float is written as itself, an
# array as nested lists. That test is written out in place: a call per number would show
# in the time a big scalar document takes.

def forward_step_dict(node: int, value: float | np.ndarray) -> doc.ForwardStep:
    return {"phase": "forward", "node": node, "value": value if type(value) is float else value.tolist()}


def _rule_dict(said: Said, lang: str, cache: dict | None) -> doc.Rule:
    words, tex = said.told(lang, cache)
    return {"text": words, "latex": tex}


def edge_dicts(edges: Iterable[FullEdge], lang: str = DEFAULT_LANG, cache: dict | None = None) -> list[doc.Edge]:
    return [{"input": i, "position": pos,
             "local": local if local is None or type(local) is float else local.tolist(),
             "local_shape": list(shape),
             "downstream": down if down is None or type(down) is float else down.tolist(),
             "skipped": skipped, "rule": _rule_dict(rule, lang, cache),
             "downstream_rule": _rule_dict(drule, lang, cache)}
            for i, pos, local, shape, down, skipped, rule, drule in edges]


def backward_step_dict(node: int, op: str, upstream: float | np.ndarray,
                       contributions: list[Contribution], edges: Iterable[FullEdge],
                       intuition: Msg | None, sum_rule: Said | None,
                       lang: str = DEFAULT_LANG, cache: dict | None = None) -> doc.BackwardStep:
    return {"phase": "backward", "node": node, "op": op,
            "upstream": upstream if type(upstream) is float else upstream.tolist(),
            "contributions": [{"from": f, "position": pos, "text": text.told(lang, cache)[0],
                               "downstream": d if type(d) is float else d.tolist()}
                              for f, pos, text, d in contributions],
            "edges": edge_dicts(edges, lang, cache),
            "intuition": tell(intuition, lang, cache) if intuition else None,
            "sum_rule": sum_rule.told(lang, cache)[0] if sum_rule else None}


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


NO_OTHER = ("·", r"\cdot")      # {y} of an op without exactly two inputs


def fill(text: Text, out: tuple[str, str], x: tuple[str, str],
         y: tuple[str, str] | None, lang: str = DEFAULT_LANG) -> tuple[str, str]:
    """A text of the op table told in `lang`, with its placeholders ({o}, {x}, {y}; {O}, {X},
    {Y} in LaTeX) replaced by the symbols of the node and its inputs."""
    return Said(text[0], text[1], (out, x, y or NO_OTHER)).told(lang)


SKIPPED_WHY: dict[str, Text] = {
    "constant": (msg("skipped.constant"), msg("skipped.constant.tex")),
    "frozen": (msg("skipped.frozen"), msg("skipped.frozen.tex")),
}


def broadcast_axes(in_shape: Shape, out_shape: Shape) -> tuple[int, ...]:
    """The output's axes an input was copied along: leading axes it lacks, and its axes of size 1."""
    lead = len(out_shape) - len(in_shape)
    return tuple(range(lead)) + tuple(lead + k for k, n in enumerate(in_shape)
                                      if n == 1 and out_shape[lead + k] != 1)


def broadcast_words(in_shape: Shape, out_shape: Shape, x: str | None = None) -> tuple[Msg, Msg]:
    """How an input was broadcast and what that does to its gradient, with the shapes:
    (how it was copied, the sum that undoes it). The input is {x}, or `x` when given."""
    axes = broadcast_axes(in_shape, out_shape)
    named = {} if x is None else {"x": x}
    if not in_shape or len(axes) == len(out_shape):
        return (msg("broadcast.copied.one", dims=dims(out_shape), **named), msg("broadcast.summed.all"))
    if len(out_shape) == 2 and axes == (0,):
        copied = msg("broadcast.copied.rows", n=str(out_shape[0]), shape=dims(in_shape), dims=dims(out_shape), **named)
    elif len(out_shape) == 2 and axes == (1,):
        copied = msg("broadcast.copied.cols", n=str(out_shape[1]), shape=dims(in_shape), dims=dims(out_shape), **named)
    else:
        copied = msg("broadcast.copied.other", shape=dims(in_shape), dims=dims(out_shape), **named)
    return copied, msg("broadcast.summed.axis", axes=", ".join(str(a) for a in axes))


def rule_texts(rule: Rule, at: RuleAt) -> tuple[Text, Text]:
    """An edge's two texts, (local, downstream), each (words, LaTeX) with the placeholders
    unfilled: the rule of the op table, ∂{s}/∂{x} = … for the downstream ({s} the traced
    output), entry by entry for an elementwise rule, and the sum over the axes an input was
    broadcast along."""
    local = rule.local
    words, tex = rule.scalar_down if not at.out_shape and rule.scalar_down else rule.downstream
    in_shape = at.in_shapes[at.pos]
    if at.out_shape and rule.elementwise:
        local = (msg("rule.entrywise", rule=local[0]), local[1])
    if rule.elementwise and tuple(in_shape) != tuple(at.out_shape):
        copied, summed = broadcast_words(in_shape, at.out_shape)
        local = (msg("broadcast.local", rule=local[0], copied=copied), local[1])
        words = msg("broadcast.down", rule=words, copied=copied, summed=summed)
        axes = broadcast_axes(in_shape, at.out_shape)
        under = (msg("broadcast.tex.all") if not in_shape or len(axes) == len(at.out_shape)
                 else msg("broadcast.tex.axis", axes=",".join(str(a) for a in axes)))
        tex = msg("broadcast.sum.tex.same", under=under, f=tex)
    return local, (msg("rule.down.lhs.same", rule=words), cat(r"\frac{\partial {S}}{\partial {X}} = ", tex))


def skipped_texts(why: doc.Skipped, x: tuple[str, str]) -> tuple[Said, Said]:
    """Both texts of an edge that carries no gradient: why."""
    text = Said(*SKIPPED_WHY[why], (x, x))
    return text, text



def numeric_error(node: Node, err: FloatingPointError, phase: str) -> ProgramError:
    text = str(err)
    what: Msg | str = next((v for k, v in NUMERIC_TROUBLE.items() if k in text), text)
    expr = " ".join(node.expr.split())      # an expression over several lines: the message is one line
    where: Msg | str = msg("error.numeric.where.same", expr=expr) if len(expr) <= 40 else node.label
    name = (msg("error.numeric.node_named", id=str(node.id), name=node.name) if node.name
            else msg("error.numeric.node", id=str(node.id)))
    return ProgramError(msg("error.numeric", phase=msg(f"error.numeric.{phase}"), where=where, name=name, what=what),
                        node.line, node.col)


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
Contribution = tuple[int, int, Said, "float | np.ndarray"]
FullEdge = tuple[int, int, "float | np.ndarray | None", Shape, "float | np.ndarray | None", "doc.Skipped | None",
                 Said, Said]
FullStep = tuple[int, str, "float | np.ndarray", "list[Contribution]", list[FullEdge],
                 "Msg | None", "Said | None"]


@cache
def ordinal_msg(pos: int) -> Msg:
    """A 0-based input position as words: 1st, 2nd, 3rd, 4th… (the suffix is English's)."""
    n = pos + 1
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return msg("contrib.nth." + suffix, n=str(n))


def ordinal(pos: int, lang: str = DEFAULT_LANG) -> str:
    return ordinal_msg(pos).text(lang)


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
    rules: dict[tuple, tuple[Text, Text]] = {}
    for nid, up, edges in records:
        node = nodes[nid]
        full: list[FullEdge] = []
        intuition = None
        if edges:
            op = OPS[node.op]
            intuition = op.intuition
            in_shapes = tuple(nodes[i].shape for i in node.inputs)
            node_sym = symbols(nid)
            expr = _short(node.expr)
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
                    texts = rules.get(key) if memo else None
                    if texts is None:
                        at = RuleAt(pos, in_shapes, node.shape, node.attrs, case)
                        rule = op.rule(at)
                        texts = rule_texts(rule, at)
                        broadcast = rule.elementwise and in_shapes[pos] != node.shape
                        if memo:
                            rules[key] = texts, broadcast
                    else:
                        texts, broadcast = texts
                    names = (node_sym, symbols(i), symbols(node.inputs[1 - pos]) if two else NO_OTHER, out_sym)
                    both = Said(*texts[0], names), Said(*texts[1], names)
                full.append((i, pos, local, node.shape + nodes[i].shape, down, skipped, both[0], both[1]))
                if skipped is None:
                    what = (msg("contrib.input", expr=expr, nth=ordinal_msg(pos)) if len(node.inputs) > 1
                            else msg("contrib.from", expr=expr))
                    contributions.setdefault(i, []).append((nid, pos, Said(what, "", (node_sym,)), down))
                    if broadcast:
                        copied, summed = broadcast_words(in_shapes[pos], node.shape, symbols(i)[0])
                        intuition = (msg("broadcast.intuition", intuition=intuition, copied=copied, summed=summed)
                                     if intuition else msg("broadcast.intuition.alone", copied=copied, summed=summed))
        contrib = contributions.pop(nid, [])
        sum_rule = None
        if len(contrib) > 1:
            who = ", ".join(symbols(f)[0] for f, _, _, _ in contrib)
            # x * x: one node using x twice is two uses, not two nodes
            uses = "sum.feeds" if len({f for f, _, _, _ in contrib}) == len(contrib) else "sum.used"
            sum_rule = Said(msg(uses, n=str(len(contrib)), who=who), "", (symbols(nid),))


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


def step_dicts(graph: Graph, records: list[BackwardRecord], lang: str = DEFAULT_LANG) -> list[doc.BackwardStep]:
    """The recorded steps as the document's backward steps, their texts in `lang`: what
    `to_dict` of each of `step_objects` gives, without making the objects."""
    cache: dict = {}
    return [backward_step_dict(*step, lang, cache) for step in steps_from_records(graph, records)]




def backward(graph: Graph, output: int) -> list[BackwardStep]:
    """Run the backward pass from a scalar output; the steps it made, as objects."""
    return step_objects(graph, run_backward(graph, output))
