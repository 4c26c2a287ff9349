"""Each step of a trace told in a plain sentence with its numbers, in every language.

`narration(doc, i)` reads step `i` of a trace document (its records only: the nodes' symbols,
ops, shapes and values, the step's upstream, contributions and edges) and gives an
`engine.i18n.Msg`. Forward steps say what was computed from what ("v3 = x + y = 1 + 2 = 3");
backward steps say what the node received and what each input gets, and why where the op
teaches it (+ distributes, × swaps, relu and max pass or block, a node used twice sums).
Tensors are told by their shape and range, never as walls of numbers. Numbers are written as
the page writes them (`.4g`). The page tells the same sentences from the lean document with
its twin, static/studio/narration.js: a change here is a change there.
"""
from __future__ import annotations

import math
from typing import Any, Union

import numpy as np

from .i18n import LANGS, PLACEHOLDER, Msg, catalogue, msg
from .limits import LEAN_MAX_ENTRIES

# Ops written between their two inputs ("x + y"); the others as calls ("max(y, z)").
INFIX = ("add", "sub", "mul", "div", "pow", "matmul")
# A tensor of at most this many entries is written out; a bigger one by its shape and range.
SMALL = 4

Told = Union[str, Msg]


def num(x: Any) -> str:
    """A number as the page writes it: Python's `.4g` (static/studio/format.js's `fmt`)."""
    if x is None:
        return "—"
    if isinstance(x, str):              # the lean document's "nan", "inf", "-inf"
        return x
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    return format(x, ".4g")


def operand(x: Any) -> str:
    """A number as an operand of a written-out formula: a negative one in parentheses."""
    s = num(x)
    return f"({s})" if s.startswith("-") else s


def _size(shape: list[int]) -> int:
    return math.prod(shape)


def _entries(v: Any) -> str:
    return "[" + ", ".join(_entries(e) for e in v) + "]" if isinstance(v, list) else num(v)


def shape_msg(shape: list[int]) -> Msg:
    if len(shape) == 1:
        return msg("narration.shape.vector", n=str(shape[0]))
    dims = "×".join(str(n) for n in shape)
    return msg("narration.shape.matrix" if len(shape) == 2 else "narration.shape.tensor", dims=dims)


def tensor(v: Any, shape: list[int]) -> Told:
    """A tensor in a few words: its entries when there are few, else its shape and range (over
    its finite entries, as a lean document's summary counts them)."""
    if isinstance(v, dict):             # a lean document's summary
        lo, hi, bad = v["stats"]["min"], v["stats"]["max"], v["stats"]["nonfinite"]
    else:
        a = np.asarray(v, dtype=float)
        if a.size <= SMALL:
            return _entries(v)
        finite = a[np.isfinite(a)]
        bad = a.size - finite.size
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else ("nan", "nan")
    if bad == 0 and lo == hi:
        return msg("narration.tensor.same", shape=shape_msg(shape), v=num(lo))
    return msg("narration.tensor.range", shape=shape_msg(shape), min=num(lo), max=num(hi))


def value(v: Any, shape: list[int]) -> Told:
    return tensor(v, shape) if shape else num(v)


def formula(node: dict, args: list[str]) -> str:
    """The node's op over `args` (its inputs' symbols, or their numbers)."""
    op, label = node["op"], node["label"]
    if op in INFIX and len(args) == 2:
        return f"{args[0]} {label} {args[1]}"
    if op == "neg":
        return f"−{args[0]}"
    if op == "transpose":
        return f"{args[0]}ᵀ"
    if op == "index":
        return f"{args[0]}{label}"
    return f"{label.split('(')[0]}({', '.join(args)})"


def _forward(doc: dict, step: dict) -> Msg:
    nodes = doc["nodes"]
    node = nodes[step["node"]]
    told = value(step["value"], node["shape"])
    if node["kind"] == "const":
        return msg("narration.forward.const", value=told)
    if node["kind"] == "leaf":
        return msg("narration.forward.frozen" if node["frozen"] else "narration.forward.input",
                   o=node["symbol"], value=told)
    ins = [nodes[i] for i in node["inputs"]]
    what = formula(node, [n["symbol"] for n in ins])
    if node["shape"] or any(n["shape"] for n in ins):
        return msg("narration.forward.tensor", o=node["symbol"], formula=what, value=told)
    call = node["op"] not in INFIX and node["op"] != "neg"
    numbers = formula(node, [num(n["value"]) if call else operand(n["value"]) for n in ins])
    return msg("narration.forward.op", o=node["symbol"], formula=what, numbers=numbers, value=told)


def _received(doc: dict, step: dict, node: dict, up: Told) -> Msg:
    nodes, o = doc["nodes"], node["symbol"]
    contributions = step["contributions"]
    if step["node"] == doc["output"]:
        return msg("narration.backward.output", o=o, g=up)
    if len(contributions) == 1:
        return msg("narration.backward.one", o=o, g=up, src=nodes[contributions[0]["from"]]["symbol"])
    if not contributions:
        return msg("narration.backward.got", o=o, g=up)
    n = str(len(contributions))
    # x * x: one node using x twice is two uses, not two nodes
    uses = "nodes" if len({c["from"] for c in contributions}) == len(contributions) else "times"
    if node["shape"]:
        return msg(f"narration.backward.sum_{uses}_tensor", o=o, n=n, g=up)
    terms = " + ".join(operand(c["downstream"]) for c in contributions)
    return msg(f"narration.backward.sum_{uses}", o=o, n=n, terms=terms, g=up)


def _clause(doc: dict, step: dict, node: dict, edge: dict) -> tuple[str, Msg]:
    """What one input gets, and the kind of clause (the op's intro follows from it)."""
    nodes = doc["nodes"]
    x = nodes[edge["input"]]
    xs = x["symbol"]
    if edge["skipped"]:
        return "skip", msg(f"narration.skip.{edge['skipped']}", x=xs)
    local, down = edge["local"], edge["downstream"]
    if edge["local_shape"] or local is None:
        if node["op"] == "relu" and isinstance(x["value"], list) and _size(x["shape"]) <= LEAN_MAX_ENTRIES:
            # which entries pass: counted where the lean document has every entry too
            flat = np.asarray(x["value"], dtype=float).ravel()
            return "route", msg("narration.clause.relu_tensor", x=xs, n=str(int((flat > 0).sum())),
                                total=str(flat.size), down=value(down, x["shape"]))
        return "tensor", msg("narration.clause.tensor", x=xs, down=value(down, x["shape"]))
    op, up = node["op"], step["upstream"]
    two = len(node["inputs"]) == 2
    other = nodes[node["inputs"][1 - edge["position"]]] if two else None
    xv = x["value"]
    if op == "add" and local == 1:
        return "add", msg("narration.clause.add", x=xs, up=num(up))
    if op == "mul" and two:
        return "mul", msg("narration.clause.mul", x=xs, y=other["symbol"], up=operand(up),
                          yv=operand(other["value"]), down=num(down))
    if op == "relu" and isinstance(xv, float):
        if local == 1 and xv > 0:
            return "route", msg("narration.clause.relu_pass", x=xs, xv=num(xv), up=num(up))
        if local == 0 and xv <= 0:
            return "route", msg("narration.clause.relu_block", x=xs, xv=num(xv))
    if op in ("maximum", "minimum") and two and isinstance(xv, float) and isinstance(other["value"], float):
        yv = other["value"]
        wins, loses = (xv > yv, xv < yv) if op == "maximum" else (xv < yv, xv > yv)
        args = dict(x=xs, xv=num(xv), y=other["symbol"], yv=num(yv), op=node["label"])
        if local == 1 and wins:
            return "route", msg("narration.clause.route_win", cmp=">" if op == "maximum" else "<", up=num(up), **args)
        if local == 0 and loses:
            return "route", msg("narration.clause.route_lose", cmp="<" if op == "maximum" else ">", **args)
    return "scalar", msg("narration.clause.scalar", x=xs, local=operand(local), up=operand(up), down=num(down))


def _backward(doc: dict, step: dict) -> Msg:
    nodes = doc["nodes"]
    node = nodes[step["node"]]
    up = value(step["upstream"], node["shape"])
    parts = [_received(doc, step, node, up)]
    if not step["edges"]:
        if node["kind"] == "leaf":
            out = nodes[doc["output"]]["symbol"]
            parts.append(msg("narration.backward.leaf_tensor", o=node["symbol"], out=out) if node["shape"]
                         else msg("narration.backward.leaf", o=node["symbol"], out=out, g=up))
        return join(parts)
    edges = step["edges"]
    clauses = [_clause(doc, step, node, e) for e in edges[:MAX_CLAUSES]]
    kinds = {kind for kind, _ in clauses}
    if node["op"] in ("add", "mul") and node["op"] in kinds:
        parts.append(msg(f"narration.intro.{node['op']}"))
    parts.extend(m for _, m in clauses)
    if len(edges) > MAX_CLAUSES:
        parts.append(msg("narration.more", n=str(len(edges) - MAX_CLAUSES)))
    return join(parts)


MAX_CLAUSES = 6     # inputs told one by one; the others in one sentence (concat of thousands)


def join(parts: list[Msg]) -> Msg:
    """Sentences one after another."""
    out = parts[-1]
    for m in reversed(parts[:-1]):
        out = msg("narration.and.same", a=m, b=out)
    return out


def narration(doc: dict, i: int) -> Msg:
    """Step `i` (0-based, as `doc["steps"][i]`) of a trace document, told."""
    step = doc["steps"][i]
    return (_forward if step["phase"] == "forward" else _backward)(doc, step)


def narrations(doc: dict) -> list[dict[str, str]]:
    """Every step's narration in every language: `[{"en": …, "ko": …}, …]`, each the
    `Msg`'s `text(lang)`, told with templates split once (a big document has many steps)."""
    splits = {lang: _Split(catalogue(lang)) for lang in LANGS}
    out = []
    for i in range(len(doc["steps"])):
        m = narration(doc, i)
        out.append({lang: split.tell(m) for lang, split in splits.items()})
    return out


class _Split(dict):
    """A catalogue's templates, each split at its placeholders once: `fill` as a join."""

    def __init__(self, texts: dict[str, str]) -> None:
        super().__init__()
        self.texts = texts

    def __missing__(self, key: str) -> list[str]:
        parts = self[key] = PLACEHOLDER.split(self.texts[key])   # literal, name, literal, …
        return parts

    def tell(self, m: Msg) -> str:
        parts = self[m.key]
        args = m.args
        out = [parts[0]]
        for j in range(1, len(parts), 2):
            name = parts[j]
            v = args.get(name)
            out.append(("{" + name + "}") if v is None else self.tell(v) if isinstance(v, Msg) else str(v))
            out.append(parts[j + 1])
        return "".join(out)
