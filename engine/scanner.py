"""A fast reader for the most common programs: single numbers, operators and functions.

Long scalar programs (an unrolled network, a generated chain) spend most of their time in
`ast.parse` and in walking its tree. This reader takes the common subset instead — one
statement per line or `;`, `name = expression` with names, number literals, `+ - * / **`,
unary minus, parentheses and the elementwise functions of one or two arguments — reading
the text with one regular expression and a precedence-climbing loop, and makes exactly the
nodes the `ast` reader would make: same ids, spans, labels and attributes (tested against
it on random programs). Anything else, and every error, is left to the `ast` reader,
which reads the program again from the start: it stays the one place that decides what
is allowed and words the messages. Like it, this never evaluates the text.
"""
from __future__ import annotations

import keyword
import re
from typing import TYPE_CHECKING

import numpy as np

from .errors import ProgramError
from .graph import Graph, Node
from .limits import (MAX_DEPTH, MAX_NODES, MAX_NUMBER_CHARS, MAX_NUMBER_MAGNITUDE, MAX_STATEMENTS,
                     MAX_TOTAL_ELEMENTS)
from .ops import OPS

if TYPE_CHECKING:
    from .parser import Builder

# (spaces and comments, token): a token is a number, a name, an operator or a line end. A
# character outside these matches nothing, so what the tokens cover falls short of the text
# and the program goes to the ast reader.
TOKEN = re.compile(r"((?:[ \t]|#[^\n]*)*)((?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?(?![\w.])"
                   r"|[A-Za-z_][A-Za-z0-9_]*|\*\*|[-+*/()=,;\n])")
BINARY = {t: (prec, op, OPS[op].symbol) for t, prec, op in
          [("+", 1, "add"), ("-", 1, "sub"), ("*", 2, "mul"), ("/", 2, "div")]}
POW_SYMBOL = OPS["pow"].symbol
# Functions taken here: elementwise (or a sum/mean of a number), no keywords, fixed arity.
SIMPLE_FUNCTIONS = {"exp": "exp", "log": "log", "sqrt": "sqrt", "abs": "abs", "sin": "sin", "cos": "cos",
                    "tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "hardtanh": "hardtanh",
                    "max": "maximum", "min": "minimum", "sum": "sum", "mean": "mean"}
KEYWORDS = frozenset(keyword.kwlist)
MAX_HEIGHT = MAX_DEPTH - 4          # leave expressions near MAX_DEPTH to the ast reader
MAX_PARENS = 40


class Unsupported(Exception):
    """Not in this reader's subset (or an error): the ast reader takes the program."""


def _short(v: float) -> str:
    return f"{v:.4g}"


def _number(text: str, sign: float) -> float:
    """A number literal's value, as the ast reader reads it; odd ones go to the ast reader."""
    if len(text) > MAX_NUMBER_CHARS or (text[0] == "0" and len(text) > 1 and text.isdigit()):
        raise Unsupported
    f = float(text)
    if not f <= MAX_NUMBER_MAGNITUDE:            # also inf
        raise Unsupported
    return sign * f


class _Statement:
    """Reads one statement's tokens into nodes, as the ast reader's handlers would."""

    __slots__ = ("env", "nodes", "toks", "cols", "k", "line", "text", "parens")

    def __init__(self, env: dict[str, int], nodes: list[Node]) -> None:
        self.env = env
        self.nodes = nodes
        self.toks: list[str] = []
        self.cols: list[int] = []
        self.k = 0
        self.line = 0
        self.text = ""
        self.parens = 0

    def node(self, op: str, kind: str, inputs: list[int], attrs: dict, label: str, c0: int, c1: int,
             literal: np.ndarray | None = None) -> int:
        """A new node of shape (); its size, 1, is added to the graph's totals at the end."""
        nodes = self.nodes
        nid = len(nodes)
        if nid >= MAX_NODES:
            raise Unsupported
        line = self.line
        nodes.append(Node(nid, op, kind, inputs, (), attrs, line, c0 + 1, line, c1 + 1, self.text[c0:c1],
                          label, [], False, literal))
        return nid

    def number(self, k: int, sign: float) -> float:
        return _number(self.toks[k], sign)

    # Each reader returns (node id, start col, end col, height, a number) where the
    # columns include any parentheses around it and height is the ast tree's height.
    def expr(self, min_prec: int) -> tuple[int, int, int, int, bool]:
        left = self.unary()
        toks = self.toks
        while True:
            spec = BINARY.get(toks[self.k])
            if spec is None or spec[0] < min_prec:
                return left
            self.k += 1
            right = self.expr(spec[0] + 1)
            height = (left[3] if left[3] > right[3] else right[3]) + 1
            if height > MAX_HEIGHT:
                raise Unsupported
            c0, c1 = left[1], right[2]
            left = (self.node(spec[1], "op", [left[0], right[0]], {}, spec[2], c0, c1), c0, c1, height, False)

    def unary(self) -> tuple[int, int, int, int, bool]:
        toks, k = self.toks, self.k
        t = toks[k]
        first = t[0]
        if first.isalpha() or first == "_":
            nxt = toks[k + 1]
            if nxt != "(" and nxt != "**":      # the commonest operand: a bound name
                i = self.env.get(t)
                if i is None or t in KEYWORDS:
                    raise Unsupported
                self.k = k + 1
                c0 = self.cols[k]
                return (i, c0, c0 + len(t), 1, False)
        elif t == "-" or t == "+":
            nxt = toks[k + 1]
            c0 = self.cols[k]
            if nxt[0].isdigit() or nxt[0] == ".":
                after = toks[k + 2]
                if after == "**" or after == "(":
                    if t == "+":
                        raise Unsupported
                else:                           # a signed number: one constant
                    v = self.number(k + 1, -1.0 if t == "-" else 1.0)
                    self.k = k + 2
                    c1 = self.cols[k + 1] + len(nxt)
                    return (self.node("const", "const", [], {}, _short(v), c0, c1, np.array(v)), c0, c1, 1, True)
            if t == "+":
                raise Unsupported
            self.k = k + 1
            operand = self.unary()
            if operand[4]:                      # -(2): the ast reader's signed number
                raise Unsupported
            c1 = operand[2]
            height = operand[3] + 1
            if height > MAX_HEIGHT:
                raise Unsupported
            return (self.node("neg", "op", [operand[0]], {}, "−", c0, c1), c0, c1, height, False)
        base = self.primary()
        if toks[self.k] == "**":
            self.k += 1
            exponent = self.unary()
            height = (base[3] if base[3] > exponent[3] else exponent[3]) + 1
            if height > MAX_HEIGHT:
                raise Unsupported
            c0, c1 = base[1], exponent[2]
            return (self.node("pow", "op", [base[0], exponent[0]], {}, POW_SYMBOL, c0, c1), c0, c1, height, False)
        return base

    def primary(self) -> tuple[int, int, int, int, bool]:
        toks, k = self.toks, self.k
        t = toks[k]
        c0 = self.cols[k]
        first = t[0]
        if first.isdigit() or first == ".":
            v = self.number(k, 1.0)
            self.k = k + 1
            c1 = c0 + len(t)
            result = (self.node("const", "const", [], {}, _short(v), c0, c1, np.array(v)), c0, c1, 1, True)
        elif first.isalpha() or first == "_":
            if t in KEYWORDS:
                raise Unsupported
            if toks[k + 1] == "(":
                result = self.call(t, k)
            else:
                i = self.env.get(t)
                if i is None:
                    raise Unsupported
                self.k = k + 1
                result = (i, c0, c0 + len(t), 1, False)
        elif t == "(":
            self.parens += 1
            if self.parens > MAX_PARENS:
                raise Unsupported
            self.k = k + 1
            inner = self.expr(0)
            if toks[self.k] != ")":
                raise Unsupported
            self.k += 1
            result = (inner[0], c0, self.cols[self.k - 1] + 1, inner[3], inner[4])
        else:
            raise Unsupported
        if toks[self.k] == "(":                 # a call on something other than a name
            raise Unsupported
        return result

    def call(self, fname: str, k: int) -> tuple[int, int, int, int, bool]:
        opname = SIMPLE_FUNCTIONS.get(fname)
        if opname is None:
            raise Unsupported
        op = OPS[opname]
        self.k = k + 2
        args = []
        while True:
            args.append(self.expr(0))
            t = self.toks[self.k]
            self.k += 1
            if t == ")":
                break
            if t != ",":
                raise Unsupported
        if len(args) != op.arity:
            raise Unsupported
        height = max(a[3] for a in args) + 1
        if height > MAX_HEIGHT:
            raise Unsupported
        c0, c1 = self.cols[k], self.cols[self.k - 1] + 1
        return (self.node(opname, "op", [a[0] for a in args], dict(op.params), op.symbol, c0, c1),
                c0, c1, height, False)


# Statements of the same shape (the same tokens, with every bound name read as N and every
# number as D) read the same way: the first one of a shape is read by the parser above in a
# symbolic mode that records the nodes it makes as a template (op, inputs by token or by
# earlier node, span by token); later ones replay the template with their own names,
# numbers and columns. Columns in the symbolic mode are token indices shifted left, so a
# span decodes back to the tokens it starts and ends with.
SHIFT = 20
Template = tuple[list[tuple], int]      # (steps, result: a step index, or -1 - name token)


class _Recorder(_Statement):
    """The parser in symbolic mode: names are references to their tokens, nodes are steps."""

    __slots__ = ("steps",)

    def __init__(self, toks: list[str], n: int) -> None:
        names = {f"_{k}": -1 - k for k in range(n) if _is_name(toks[k])}
        super().__init__(names, [])
        self.toks = [f"_{k}" if k < n and _is_name(t) and toks[k + 1] != "(" else t for k, t in enumerate(toks)]
        self.cols = [k << SHIFT for k in range(len(toks))]
        self.steps: list[tuple] = []

    def node(self, op: str, kind: str, inputs: list[int], attrs: dict, label: str, c0: int, c1: int,
             literal: np.ndarray | None = None) -> int:
        k0, k1 = c0 >> SHIFT, c1 >> SHIFT
        sign = (-1.0 if self.toks[k0] == "-" else 1.0) if kind == "const" and k0 != k1 else 1.0
        self.steps.append((op, kind, attrs, label, inputs, k0, k1, sign))
        return len(self.steps) - 1


def _is_name(t: str) -> bool:
    return t[0].isalpha() or t[0] == "_"


_FIXED = {t: t for t in ["+", "-", "*", "/", "**", "(", ")", ",", "=", *SIMPLE_FUNCTIONS]}
_NUMBER_START = frozenset("0123456789.")


def _shape(toks: list[str]) -> tuple[str, ...]:
    """A statement's shape: operators and function names as they are, a number D, a name N."""
    fixed = _FIXED.get
    return tuple([fixed(t) or ("D" if t[0] in _NUMBER_START else "N") for t in toks])


def _template(toks: list[str], n: int) -> Template:
    rec = _Recorder(toks, n)
    rec.k = 2
    result = rec.expr(0)
    if rec.k != n or result[4]:                  # trailing tokens, or x = (1.0)
        raise Unsupported
    return rec.steps, result[0]


def _replay(template: Template, toks: list[str], cols: list[int], line: int, text: str, env: dict[str, int],
            nodes: list[Node], numbers: dict[tuple[str, float], tuple[float, str]]) -> int:
    """Make the template's nodes for this statement. `numbers` memoizes each number literal's
    value and label (programs repeat their constants)."""
    steps, result = template
    if len(nodes) + len(steps) > MAX_NODES:
        raise Unsupported
    made: list[int] = []
    try:
        for op, kind, attrs, label, inputs, k0, k1, sign in steps:
            if not inputs:
                ids = []
            elif len(inputs) == 2:
                a, b = inputs
                ids = [made[a] if a >= 0 else env[toks[~a]], made[b] if b >= 0 else env[toks[~b]]]
            else:
                ids = [made[r] if r >= 0 else env[toks[~r]] for r in inputs]
            c0, c1 = cols[k0], cols[k1] + len(toks[k1])
            if kind == "const":
                number = numbers.get((toks[k1], sign))
                if number is None:
                    v = _number(toks[k1], sign)
                    number = numbers[(toks[k1], sign)] = (v, _short(v))
                label, literal = number[1], np.array(number[0])
            else:
                literal = None
            nid = len(nodes)
            nodes.append(Node(nid, op, kind, ids, (), dict(attrs) if attrs else {}, line, c0 + 1, line, c1 + 1,
                              text[c0:c1], label, [], False, literal))
            made.append(nid)
        return made[result] if result >= 0 else env[toks[~result]]
    except KeyError:                             # a name not bound (yet)
        raise Unsupported from None


def read(b: Builder, reserved: set[str]) -> tuple[Graph, int]:
    """The graph of b.source, made as the ast reader makes it; raises Unsupported otherwise."""
    source = b.source
    if not source.isascii():
        raise Unsupported
    lines = b.lines
    env = b.env
    nodes = b.graph.nodes
    st = _Statement(env, nodes)
    templates: dict[tuple, Template] = {}
    numbers: dict[tuple[str, float], tuple[float, str]] = {}
    toks: list[str] = []
    cols: list[int] = []
    line, col, consumed = 1, 0, 0
    statements = 0
    output = -1
    try:
        for spaces, tok in TOKEN.findall(source + "\n"):      # every statement ends with a line end
            col += len(spaces)
            if tok == "\n" or tok == ";":
                if toks:
                    output = _statement(st, toks, cols, line, lines[line - 1], env, reserved, templates, numbers)
                    statements += 1
                    if statements > MAX_STATEMENTS:
                        raise Unsupported
                    toks, cols = [], []
                elif tok == ";":
                    raise Unsupported
                if tok == "\n":
                    consumed += col + 1
                    col = 0
                    line += 1
                else:
                    col += 1
                continue
            if not toks and col and _line_indented(lines[line - 1], col):
                raise Unsupported
            toks.append(tok)
            cols.append(col)
            col += len(tok)
        if consumed != len(source) + 1:        # a character no token matched
            raise Unsupported
    except (IndexError, ProgramError, RecursionError):
        raise Unsupported from None
    if statements == 0 or statements > MAX_STATEMENTS or len(nodes) > MAX_TOTAL_ELEMENTS:
        raise Unsupported
    b.graph.total_elements = len(nodes)          # every node here is one number
    return b.graph, output


def _line_indented(text: str, col: int) -> bool:
    """A statement that starts after spaces at the start of its line (an indentation error),
    or after a `;` on a line whose first statement was indented — left to the ast reader."""
    return text[:col].strip(" \t") == ""


def _statement(st: _Statement, toks: list[str], cols: list[int], line: int, text: str,
               env: dict[str, int], reserved: set[str], templates: dict[tuple, Template],
               numbers: dict[tuple[str, float], tuple[float, str]]) -> int:
    n = len(toks)
    if n < 3 or toks[1] != "=":
        raise Unsupported
    name = toks[0]
    first = name[0]
    if not (first.isalpha() or first == "_") or name in KEYWORDS or name in reserved:
        raise Unsupported
    nodes = st.nodes
    body = toks[2]
    if n == 3 and body[0] in _NUMBER_START:      # x = 1.0: a leaf
        node = _leaf(nodes, name, _number(body, 1.0), line, cols[2], cols[2] + len(body), text)
    elif n == 4 and (body == "-" or body == "+") and toks[3][0] in _NUMBER_START:
        node = _leaf(nodes, name, _number(toks[3], -1.0 if body == "-" else 1.0), line, cols[2],
                     cols[3] + len(toks[3]), text)
    else:
        key = _shape(toks[2:])
        template = templates.get(key)
        if template is None:
            toks.append("")                      # an end marker: no token matches it
            template = templates[key] = _template(toks, n)
            toks.pop()
        node = nodes[_replay(template, toks, cols, line, text, env, nodes, numbers)]
        if node.kind == "leaf" and not node.names:
            node.label = name
    if name not in node.names:
        node.names.append(name)
    env[name] = node.id
    return node.id


def _leaf(nodes: list[Node], name: str, v: float, line: int, c0: int, c1: int, text: str) -> Node:
    nid = len(nodes)
    if nid >= MAX_NODES:
        raise Unsupported
    node = Node(nid, "leaf", "leaf", [], (), {"init": "literal"}, line, c0 + 1, line, c1 + 1, text[c0:c1], name,
                [], False, np.array(v))
    nodes.append(node)
    return node
