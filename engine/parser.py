"""The program, read with `ast` into an allow-list and built into a graph.

User text never reaches eval, exec or compile. Each permitted syntax-tree node type has
a handler in a table; anything else is refused with a message naming the construct,
its line and its column. Shapes are checked here, on shapes alone, before any value is
computed or allocated.

Names: `name = expr` binds the name to the node the expression makes. Rebinding
(`h = relu(h)`) makes a new node and later uses see the new one; aliasing (`y = x`)
makes no node: `y` becomes another name of `x`'s node. A number, a nested list of
numbers or a constructor that is the whole right-hand side of an assignment is a leaf
(an input or parameter, with a gradient); a constructor anywhere is a leaf; a number
or list inline in an expression is a constant (no gradient). `frozen(...)` around a
leaf keeps its value fixed (no gradient), as for pre-trained word vectors.
"""
from __future__ import annotations

import ast
import difflib
import io
import keyword
import math
import re
import tokenize
from typing import Any, Callable

import numpy as np

from .errors import ProgramError, ShapeError
from .i18n import Msg, msg
from .graph import Graph, Node
from .limits import (MAX_CALL_ARGUMENTS, MAX_DEPTH, MAX_DIMS, MAX_LIST_ITEMS, MAX_NUMBER_CHARS,
                     MAX_NUMBER_MAGNITUDE, MAX_SEED, MAX_SOURCE_CHARS, MAX_STATEMENTS)
from .ops import FUNCTIONS, INITS, OPS, REQUIRED, Op, Operand, broadcast, matmul_mismatch, same_shape
from .shapes import fmt_shape
from .source import one_line_break

BINOPS: dict[type, str] = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div",
                           ast.Pow: "pow", ast.MatMult: "matmul"}
# Where a statement can start: the first code character of a line, or just after a ';'.
STATEMENT_START = re.compile(r"^[ \t]*(?=[^\s#])|;[ \t]*(?=[^\s#;])", re.M)
# A comment, up to the end of its line.
COMMENT = re.compile(r"#[^\n]*")
# A function's name just before its call's '('.
CALLEE = re.compile(r"([A-Za-z_]\w*)\s*\Z")
# What a character is, by code point (any past ASCII counts as 127): 1 an opening bracket,
# 2 a closing one, 3 a comma, 0 anything else.
BRACKET_KIND = np.zeros(128, np.int8)
BRACKET_KIND[[ord(c) for c in "([{"]] = 1
BRACKET_KIND[[ord(c) for c in ")]}"]] = 2
BRACKET_KIND[ord(",")] = 3
BRACKET_STEP = np.array([0, 1, -1, 0], np.int8)       # the depth each kind adds
# A closing bracket right after a comma (a trailing comma, which adds no item).
CLOSES_AFTER = re.compile(r"(?:\s|\\\n)*[)\]}]")
RESERVED = set(FUNCTIONS) | set(INITS) | {"frozen"}
# Ops that take single numbers to a single number with no attributes (elementwise, no
# parameters), with their label: a node of one of these on scalar inputs is made without
# its shape rule.
ELEMENTWISE: dict[str, str] = {name: op.symbol for name, op in OPS.items()
                               if op.shape in (broadcast, same_shape) and not op.params}
# f(x, ...) written with one of these names: (op, arity) for the scalar fast path.
SCALAR_CALLS: dict[str, tuple[str, int]] = {f: (op, OPS[op].arity) for f, op in FUNCTIONS.items()
                                            if op in ELEMENTWISE}
_Name, _Constant, _USub = ast.Name, ast.Constant, ast.USub

# What a refused construct is called in the message: its catalogue key `error.construct.<name>`.
REFUSED: dict[type, str] = {
    ast.Lambda: "lambda", ast.ListComp: "comprehension", ast.SetComp: "comprehension",
    ast.DictComp: "comprehension", ast.GeneratorExp: "generator",
    ast.JoinedStr: "fstring", ast.FormattedValue: "fstring", ast.Dict: "dict",
    ast.Set: "set", ast.Tuple: "tuple", ast.Compare: "compare", ast.BoolOp: "boolop",
    ast.IfExp: "ifexp", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.NamedExpr: "walrus", ast.Starred: "starred",
    ast.Import: "import", ast.ImportFrom: "import", ast.FunctionDef: "def",
    ast.AsyncFunctionDef: "def", ast.ClassDef: "class",
    ast.For: "loop", ast.AsyncFor: "loop", ast.While: "loop", ast.If: "if",
    ast.With: "with", ast.AsyncWith: "with", ast.Raise: "raise",
    ast.Try: "try", ast.Assert: "assert", ast.Delete: "del",
    ast.Global: "global", ast.Nonlocal: "nonlocal", ast.Pass: "pass",
    ast.Break: "break", ast.Continue: "continue", ast.Return: "return", ast.AugAssign: "augassign",
    ast.AnnAssign: "annassign", ast.Slice: "slice",
}
if hasattr(ast, "Match"):
    REFUSED[ast.Match] = "match"
if hasattr(ast, "TryStar"):
    REFUSED[ast.TryStar] = "try"

# A hint after the refusal: its catalogue key `hint.<name>`.
HINTS: dict[type, str] = {ast.AugAssign: "augassign", ast.Tuple: "tuple", ast.ListComp: "listcomp",
                          ast.IfExp: "ifexp"}


def _construct(node: ast.AST) -> Msg:
    name = REFUSED.get(type(node))
    return msg(f"error.construct.{name}") if name else msg("error.construct.other", name=type(node).__name__)


def _hint(node: ast.AST, otherwise: str = "") -> Msg | str:
    name = HINTS.get(type(node), otherwise)
    return msg(f"hint.{name}") if name else ""


def _refused(node: ast.AST, here: bool = False, otherwise: str = "") -> Msg:
    return msg("error.refused.here" if here else "error.refused", construct=_construct(node),
               hint=_hint(node, otherwise))


class Builder:
    """Builds the graph of `source`, whose line breaks are all \\n (`one_line_break`)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = source.split("\n")
        self.ascii = source.isascii()
        self.graph = Graph()
        self.env: dict[str, int] = {}
        self.random_count = 0
        self.stmt_target: str | None = None
        # Number literals already read, by their text: (value, label as a constant).
        self.numbers: dict[str, tuple[float, str]] = {}

    # ------------------------------------------------------------ positions
    def col(self, line: int, byte_offset: int) -> int:
        """ast counts columns in UTF-8 bytes; people count characters, from 1."""
        if self.ascii:
            return byte_offset + 1
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_offset + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1

    def where(self, node: ast.AST) -> tuple[int, int]:
        line = getattr(node, "lineno", 1) or 1
        return line, self.col(line, getattr(node, "col_offset", 0) or 0)

    def error(self, node: ast.AST, message: str | Msg) -> ProgramError:
        return ProgramError(message, *self.where(node))

    def span(self, node: ast.AST) -> tuple[int, int, int, int, str]:
        if self.ascii:                # the common case: one line, columns are characters
            try:
                line, end_line, c, ec = node.lineno, node.end_lineno, node.col_offset, node.end_col_offset
            except AttributeError:
                pass
            else:
                if line and line == end_line and c is not None and ec is not None:
                    return line, c + 1, line, ec + 1, self.lines[line - 1][c:ec]
        line, col = self.where(node)
        end_line = getattr(node, "end_lineno", line) or line
        end_col = self.col(end_line, getattr(node, "end_col_offset", 0) or 0)
        if end_line == line:
            expr = self.lines[line - 1][col - 1:end_col - 1]
        else:
            parts = self.lines[line - 1:end_line]
            parts[0] = parts[0][col - 1:]
            parts[-1] = parts[-1][:end_col - 1]
            expr = "\n".join(parts)
        return line, col, end_line, end_col, expr

    # ------------------------------------------------------------ nodes
    def make(self, at: ast.AST, op: str, kind: str, inputs: list[Node], attrs: dict,
             label: str, literal: np.ndarray | None = None, shape: tuple | None = None) -> Node:
        if shape is None:
            try:
                shape = OPS[op].shape([n.shape for n in inputs], attrs)
            except ShapeError as e:
                if op == "matmul" and all(n.shape for n in inputs):
                    why = matmul_mismatch(*map(self.operand_of, inputs))
                    raise self.error(at, msg("error.shape.at.same", label=label, message=why)) from None
                raise self.error(at, msg("error.shape.at.same", label=label, message=e.msg or e.message)) from None
        line, col, end_line, end_col, expr = self.span(at)
        node = Node(len(self.graph.nodes), op, kind, [n.id for n in inputs], tuple(shape), attrs,
                    line, col, end_line, end_col, expr, label, [], False, literal)
        return self.graph.add(node)

    def operand_of(self, node: Node) -> Operand:
        """How a shape error names an input: its name (else its text), shape and line."""
        text = node.name or (node.expr if len(node.expr) <= 40 else node.expr[:39] + "…")
        maker = node.attrs.get("init") if node.kind == "leaf" else None
        dims = node.attrs.get("dims") if maker in ("xavier", "kaiming") else None
        return Operand(text, node.shape, node.line, tuple(dims) if dims else None, maker or "xavier")

    def make_number(self, at: ast.AST, op: str, kind: str, inputs: list[int], attrs: dict, label: str,
                    literal: float | None = None) -> Node:
        """`make` for a node whose value is one number and needs no shape rule: an elementwise
        op on numbers, or a number literal. The same node, made with less work."""
        line = at.lineno
        if self.ascii and line == at.end_lineno:      # `span`'s common case, inline
            c, ec = at.col_offset, at.end_col_offset
            span = line, c + 1, line, ec + 1, self.lines[line - 1][c:ec]
        else:
            span = self.span(at)
        return self.graph.add_scalar(op, kind, inputs, attrs, label, literal, span)

    def apply(self, at: ast.AST, op: str, inputs: list[Node]) -> Node:
        """The node of an op with no attributes on `inputs`: on numbers alone, an elementwise
        op makes a number without its shape rule."""
        label = ELEMENTWISE.get(op)
        if label is not None:
            ids = []
            for n in inputs:
                if n.shape:
                    break
                ids.append(n.id)
            else:
                return self.make_number(at, op, "op", ids, {}, label)
        return self.make(at, op, "op", inputs, {}, OPS[op].symbol)

    def operand(self, node: ast.AST, depth: int) -> Node:
        """`expr`, with a bound name or a number already read taken without the handler table."""
        if depth <= MAX_DEPTH:
            t = type(node)
            if t is _Name:
                i = self.env.get(node.id)           # type: ignore[attr-defined]
                if i is not None:
                    return self.graph.nodes[i]
            elif t is _Constant and self.ascii and node.lineno == node.end_lineno:
                known = self.numbers.get(self.lines[node.lineno - 1][node.col_offset:node.end_col_offset])
                if known is not None:
                    return self.make_number(node, "const", "const", [], {}, known[1], known[0])
        return self.expr(node, depth)

    def node(self, i: int) -> Node:
        return self.graph.nodes[i]

    # ------------------------------------------------------------ program
    def build(self) -> tuple[Graph, int]:
        if len(self.source) > MAX_SOURCE_CHARS:
            raise ProgramError(msg("error.program.too_long", chars=f"{len(self.source):,}",
                                   limit=f"{MAX_SOURCE_CHARS:,}"), 1, 1)
        self.count_statements()
        self.count_items()
        tree = parse(self.source)
        if not tree.body:
            raise ProgramError(msg("error.program.empty"), 1, 1)
        output = -1
        for stmt in tree.body:
            output = self.statement(stmt).id
        return self.graph, output

    def count_statements(self) -> None:
        """Refuse too many statements before Python's parser spends its time on them.

        Every statement starts a line of code or follows a ';', so counting those (one
        regular-expression pass, no parsing) bounds the number of statements from above;
        the lines and semicolons bound that count in turn, without the regular expression."""
        source = self.source
        if source.count("\n") + source.count(";") < MAX_STATEMENTS:
            return
        starts = STATEMENT_START.finditer(source)
        for k, m in enumerate(starts):
            if k == MAX_STATEMENTS:
                line = self.source.count("\n", 0, m.start()) + 1
                col = m.end() - self.source.rfind("\n", 0, m.end())
                raise ProgramError(msg("error.program.too_many_statements", limit=f"{MAX_STATEMENTS:,}"),
                                   line, col)

    def count_items(self) -> None:
        """Refuse a list literal or a call with too many items before Python's parser reads them.

        Commas between the same pair of brackets separate that pair's items, so their count
        bounds the items from below (a trailing comma adds none). Comments are blanked first:
        they can hold anything. Strings are not allowed in a program, so their commas can
        only make a program that is refused anyway be refused sooner. The brackets are
        matched with numpy over the bracket and comma positions, without a loop per character."""
        source = self.source
        least = min(MAX_LIST_ITEMS, MAX_CALL_ARGUMENTS)
        if source.count(",") < least:                # n commas: at most n + 1 items
            return
        if "#" in source:
            source = COMMENT.sub(lambda m: " " * len(m.group()), source)
        if source.isascii():                            # one byte per character
            kind = BRACKET_KIND[np.frombuffer(source.encode("ascii"), np.uint8)]
        else:
            kind = BRACKET_KIND[np.minimum(np.frombuffer(source.encode("utf-32-le"), np.uint32), 127)]
        at = np.flatnonzero(kind)                       # brackets and commas, in text order
        kind = kind[at]
        depth = np.cumsum(BRACKET_STEP[kind], dtype=np.int32)
        # A comma belongs to the last bracket opened at its depth: sort opens and commas by
        # depth (text order kept within a depth), and number the groups the opens start.
        keep = (kind != 2) & (depth > 0)
        order = np.argsort(depth[keep], kind="stable")
        at, kind = at[keep][order], kind[keep][order]
        group = np.cumsum(kind == 1, dtype=np.int32)    # group g is opened by opens[g - 1]
        opens, comma_at, comma_group = at[kind == 1], at[kind == 3], group[kind == 3]
        commas = np.bincount(comma_group, minlength=len(opens) + 1)
        found = []
        for g in np.flatnonzero(commas >= least):
            if g == 0:
                continue                                # commas before any bracket: unbalanced text
            last = int(comma_at[np.searchsorted(comma_group, g, side="right") - 1])
            trailing = CLOSES_AFTER.match(source, last + 1) is not None
            start = int(opens[g - 1])
            items = int(commas[g]) + (0 if trailing else 1)
            if items > (MAX_CALL_ARGUMENTS if source[start] == "(" else MAX_LIST_ITEMS):
                found.append((start, items))
        if found:
            self.too_many_items(*min(found))

    def too_many_items(self, start: int, items: int) -> None:
        """The error for the group of `items` items opened at offset `start`."""
        source = self.source
        call = source[start] == "("
        name = CALLEE.search(source, max(0, start - 100), start) if call else None
        if name:
            start = name.start(1)                       # where the call starts: its function's name
        line = source.count("\n", 0, start) + 1
        col = start - source.rfind("\n", 0, start)
        if call:
            limit = f"{MAX_CALL_ARGUMENTS:,}"
            raise ProgramError(msg("error.program.too_many_arguments", fname=name.group(1), items=f"{items:,}",
                                   limit=limit) if name else
                               msg("error.program.too_many_items", items=f"{items:,}", limit=limit), line, col)
        raise ProgramError(msg("error.program.list_too_long", items=f"{items:,}", limit=f"{MAX_LIST_ITEMS:,}"),
                           line, col)

    def statement(self, stmt: ast.stmt) -> Node:
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1:
                raise self.error(stmt.targets[1], msg("error.assign.chained"))
            target = stmt.targets[0]
            if not isinstance(target, ast.Name):
                what = msg("error.assign.unpacking") if isinstance(target, (ast.Tuple, ast.List)) else _construct(target)
                if isinstance(target, (ast.Attribute, ast.Subscript)):
                    what = msg("error.assign.attribute")
                raise self.error(target, msg("error.assign.target", what=what))
            name = target.id
            if name in RESERVED:
                raise self.error(target, msg("error.assign.reserved", name=name))
            node = self.leaf_or_expr(stmt.value, name)
            if node.kind == "leaf" and not node.names:
                node.label = name            # a leaf is shown by the name it was given
            if name not in node.names:
                node.names.append(name)
            self.env[name] = node.id
            return node
        if isinstance(stmt, ast.Expr):
            return self.leaf_or_expr(stmt.value, None)
        raise self.error(stmt, _refused(stmt, otherwise="statements"))

    def leaf_or_expr(self, value: ast.expr, name: str | None) -> Node:
        t = type(value)
        if t is _Constant or t is ast.List or _is_signed_number(value):
            data = self.literal(value)
            if data.ndim == 0:
                return self.make_number(value, "leaf", "leaf", [], {"init": "literal"}, name or "input",
                                        float(data))
            return self.make(value, "leaf", "leaf", [], {"init": "literal"}, name or "input",
                             literal=data, shape=data.shape)
        return self.expr(value, 0)

    def expr(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.error(node, msg("error.expr.too_deep", limit=str(MAX_DEPTH)))
        handler = EXPRESSIONS.get(type(node))
        if handler is None:
            raise self.error(node, _refused(node, here=True))
        return handler(self, node, depth + 1)

    # ------------------------------------------------------------ expressions
    def binop(self, node: ast.BinOp, depth: int) -> Node:
        op = BINOPS.get(type(node.op))
        if op is None:
            raise self.error(node, msg("error.expr.operator", name=type(node.op).__name__))
        return self.apply(node, op, [self.operand(node.left, depth), self.operand(node.right, depth)])

    def unaryop(self, node: ast.UnaryOp, depth: int) -> Node:
        if _is_signed_number(node):
            return self.constant_node(node)
        if type(node.op) is _USub:
            return self.apply(node, "neg", [self.operand(node.operand, depth)])
        if isinstance(node.op, ast.UAdd):
            return self.expr(node.operand, depth)
        raise self.error(node, msg("error.expr.not_invert"))

    def name(self, node: ast.Name, depth: int) -> Node:
        i = self.env.get(node.id)
        if i is not None:
            return self.graph.nodes[i]
        if node.id in RESERVED:
            raise self.error(node, msg("error.name.function", name=node.id))
        hint = difflib.get_close_matches(node.id, list(self.env), n=1)
        extra = msg("hint.did_you_mean", name=hint[0]) if hint else ""
        raise self.error(node, msg("error.name.unknown", name=node.id, hint=extra))

    def constant(self, node: ast.Constant, depth: int) -> Node:
        return self.constant_node(node)

    def constant_node(self, node: ast.AST) -> Node:
        data = self.literal(node)
        if data.ndim == 0:
            value = float(data)
            label = _number_label(value)
            if type(node) is _Constant and self.ascii and node.lineno == node.end_lineno:
                self.numbers[self.lines[node.lineno - 1][node.col_offset:node.end_col_offset]] = value, label
            return self.make_number(node, "const", "const", [], {}, label, value)
        return self.make(node, "const", "const", [], {}, f"const {fmt_shape(data.shape)}",
                         literal=data, shape=data.shape)

    def list_literal(self, node: ast.List, depth: int) -> Node:
        return self.constant_node(node)

    def attribute(self, node: ast.Attribute, depth: int) -> Node:
        if node.attr != "T":
            raise self.error(node, msg("error.attribute", attr=node.attr))
        return self.make(node, "transpose", "op", [self.expr(node.value, depth)], {}, "ᵀ")

    def subscript(self, node: ast.Subscript, depth: int) -> Node:
        base = self.expr(node.value, depth)
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        index: list[Any] = []
        for p in parts:
            if isinstance(p, ast.Slice):
                index.append([self.index_int(p.lower), self.index_int(p.upper), self.index_int(p.step)])
                if index[-1][2] == 0:
                    raise self.error(p, msg("error.index.zero_step"))
            else:
                value = self.index_int(p)
                if value is None:
                    raise self.error(p, msg("error.index.whole"))
                index.append(value)
        label = "[" + ", ".join(_index_text(k) for k in index) + "]"
        attrs = {"index": index}
        if len(base.shape) == 2 and len(index) == 1 and isinstance(index[0], int):
            attrs["lookup"] = True          # E[k]: an embedding-row lookup
        return self.make(node, "index", "op", [base], attrs, label)

    def index_int(self, node: ast.AST | None) -> int | None:
        if node is None:
            return None
        sign = 1
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            sign, node = -1, node.operand
        if isinstance(node, ast.Constant) and type(node.value) is int:
            if abs(node.value) > 10**9:
                raise self.error(node, msg("error.index.too_large"))
            return sign * node.value
        raise self.error(node, msg("error.index.literal"))

    # ------------------------------------------------------------ calls
    def call(self, node: ast.Call, depth: int) -> Node:
        func = node.func
        if type(func) is _Name and not node.keywords:
            scalar_call = SCALAR_CALLS.get(func.id)
            if scalar_call is not None and len(node.args) == scalar_call[1]:
                for a in node.args:
                    if type(a) is ast.Starred:
                        break
                else:                      # relu(x), max(a, b): elementwise, no keywords
                    return self.apply(node, scalar_call[0], [self.operand(a, depth) for a in node.args])
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute):
                raise self.error(node.func, msg("error.call.method", name=node.func.attr))
            raise self.error(node.func, msg("error.call.named"))
        fname = node.func.id
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.error(a, msg("error.call.starargs"))
        for k in node.keywords:
            if k.arg is None:
                raise self.error(k, msg("error.call.kwargs"))  # k spans **x
        if fname == "frozen":
            return self.frozen(node, depth)
        if fname in INITS:
            return self.init(node, fname)
        if fname not in FUNCTIONS:
            known = sorted(FUNCTIONS) + sorted(INITS) + ["frozen"]
            hint = difflib.get_close_matches(fname, known, n=1)
            extra = msg("hint.did_you_mean", name=hint[0]) if hint else ""
            raise self.error(node.func, msg("error.call.unknown", name=fname, hint=extra))
        op = OPS[FUNCTIONS[fname]]
        args, attrs = self.parameters(node, fname, op)
        if op.arity >= 0 and len(args) != op.arity:
            raise self.error(node, msg("error.call.arity" if op.arity != 1 else "error.call.arity_one",
                                       fname=fname, n=str(op.arity), got=str(len(args))))
        if op.arity < 0 and not args:
            raise self.error(node, msg("error.call.at_least_one", fname=fname))
        inputs = [self.expr(a, depth) for a in args]
        if op.check is not None:
            problem = op.check(fname, [n.shape for n in inputs])
            if problem is not None:
                raise self.error(node, problem)
        return self.make(node, op.name, "op", inputs, attrs, op.node_label(attrs))

    def parameters(self, node: ast.Call, fname: str, op: Op) -> tuple[list[ast.expr], dict]:
        """Split a call into its tensor arguments and the op's parameters, read as the entry
        declares them: a positional parameter may follow the tensor arguments."""
        args = list(node.args)
        values: dict[str, Any] = {}
        if op.arity >= 0 and op.arity < len(args):
            extra = args[op.arity:]
            positional = [p for p in op.params if p.positional]
            if len(extra) <= len(positional):
                del args[op.arity:]
                for p, a in zip(positional, extra):
                    values[p.name] = PARAM_READERS[p.read](self, a)
        keywords = {k.arg for k in node.keywords}
        for p in op.params:
            if p.default is REQUIRED and p.name not in values and p.name not in keywords:
                raise self.error(node, p.missing or msg("error.call.parameter", fname=fname, name=p.name))
        params = {p.name: p for p in op.params}
        for k in node.keywords:
            if k.arg in values:      # sum(x, axis=0, axis=1) is an error, not the last one wins
                raise self.error(k, msg("error.call.twice", fname=fname, name=k.arg))
            p = params.get(k.arg)  # type: ignore[arg-type]
            if p is None:
                raise self.error(k, _no_keyword(fname, k.arg, list(params)))  # the keyword's own col
            values[p.name] = PARAM_READERS[p.read](self, k.value)
        return args, {p.name: values.get(p.name, p.default) for p in op.params}

    def target(self, node: ast.AST) -> int | list[int]:
        if isinstance(node, ast.List):
            return [self.whole(e, "target") for e in node.elts]
        return self.whole(node, "target")

    def whole(self, node: ast.AST, what: str, low: int = 0, high: int = 10**9) -> int:
        if isinstance(node, ast.Constant) and type(node.value) is int and low <= node.value <= high:
            return node.value
        raise self.error(node, msg("error.whole", what=msg(f"error.whole.{what}"), low=str(low), high=f"{high:,}"))

    def number(self, node: ast.AST) -> float:
        if not (isinstance(node, ast.Constant) or _is_signed_number(node)):
            raise self.error(node, msg("error.number.expected"))
        data = self.literal(node)
        if data.ndim != 0:
            raise self.error(node, msg("error.number.single"))
        return float(data)

    def frozen(self, node: ast.Call, depth: int) -> Node:
        if len(node.args) != 1 or node.keywords:
            raise self.error(node, msg("error.frozen.one_leaf"))
        arg = node.args[0]
        if isinstance(arg, (ast.Constant, ast.List)) or _is_signed_number(arg):
            data = self.literal(arg)
            leaf = self.make(arg, "leaf", "leaf", [], {"init": "literal"}, "input",
                             literal=data, shape=data.shape)
        elif isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id in INITS:
            leaf = self.init(arg, arg.func.id)
        else:
            raise self.error(arg, msg("error.frozen.leaf"))
        leaf.frozen = True
        return leaf

    def init(self, node: ast.Call, fname: str) -> Node:
        spec = INITS[fname]
        lo, hi = spec.arity
        if not lo <= len(node.args) <= hi:
            form = f"{fname}(n_out, n_in)" if spec.arity == (2, 2) else msg("error.init.form_or", fname=fname)
            count = str(lo) if lo == hi else msg("error.init.or", lo=str(lo), hi=str(hi))
            raise self.error(node, msg("error.init.sizes", fname=fname, count=count, form=form))
        sizes = [self.whole(a, "size", 1, 10**7) for a in node.args]
        attrs: dict[str, Any] = {"init": fname, "dims": sizes}
        attrs.update(spec.params)
        given: set[str] = set()
        for k in node.keywords:
            if k.arg in given:
                raise self.error(k, msg("error.call.twice", fname=fname, name=k.arg))
            given.add(k.arg)
            if k.arg not in spec.params:
                raise self.error(k, _no_keyword(fname, k.arg, list(spec.params)))
            if k.arg == "seed":
                attrs["seed"] = self.whole(k.value, "seed", 0, MAX_SEED)
            else:
                attrs[k.arg] = self.number(k.value)
        if "seed" in attrs and attrs["seed"] is None:
            attrs["seed"] = self.random_count   # the k-th unseeded random constructor uses seed k
        if "seed" in spec.params:
            self.random_count += 1
        label = f"{fname}({', '.join(map(str, sizes))})"
        return self.make(node, "leaf", "leaf", [], attrs, label, shape=spec.shape(sizes))

    # ------------------------------------------------------------ literals
    def literal(self, node: ast.AST) -> np.ndarray:
        """A number or a rectangular nested list of numbers, as a float64 array."""
        if type(node) is ast.Constant or _is_signed_number(node):     # one number: no nesting
            return np.array(self.scalar_literal(node), dtype=np.float64)
        rows: list[Any] = []
        stack: list[tuple[ast.AST, list, int]] = [(node, rows, 0)]
        while stack:
            item, out, level = stack.pop()
            if isinstance(item, ast.List):
                if level >= MAX_DIMS:
                    raise self.error(item, msg("error.literal.too_deep", limit=str(MAX_DIMS)))
                inner: list[Any] = []
                out.append(inner)
                for e in reversed(item.elts):
                    stack.append((e, inner, level + 1))
            else:
                out.append(self.scalar_literal(item))
        data = rows[0]
        try:
            arr = np.array(data, dtype=np.float64)
        except ValueError:
            raise self.error(node, msg("error.literal.rectangular")) from None
        if arr.dtype == object or (arr.size == 0 and arr.ndim > 0):
            raise self.error(node, msg("error.literal.empty"))
        return arr

    def scalar_literal(self, node: ast.AST) -> float:
        sign = 1.0
        if _is_signed_number(node):
            sign = -1.0 if isinstance(node.op, ast.USub) else 1.0  # type: ignore[attr-defined]
            node = node.operand  # type: ignore[attr-defined]
        if not isinstance(node, ast.Constant):
            raise self.error(node, msg("error.literal.element", construct=_construct(node)))
        v = node.value
        if isinstance(v, str):
            raise self.error(node, msg("error.literal.string"))
        if isinstance(v, bool) or v is None or v is Ellipsis:
            raise self.error(node, msg("error.literal.not_number", value=repr(v)))
        if isinstance(v, complex):
            raise self.error(node, msg("error.literal.complex"))
        if isinstance(v, bytes):
            raise self.error(node, msg("error.literal.bytes"))
        _, _, _, _, text = self.span(node)
        if len(text) > MAX_NUMBER_CHARS:
            raise self.error(node, msg("error.literal.too_long", chars=str(len(text)), limit=str(MAX_NUMBER_CHARS)))
        try:
            f = float(v)
        except OverflowError:
            f = math.inf
        if not math.isfinite(f) or abs(f) > MAX_NUMBER_MAGNITUDE:
            raise self.error(node, msg("error.literal.too_large", number=text, limit=f"{MAX_NUMBER_MAGNITUDE:g}"))
        return sign * f


# The expressions a program may use, each with its handler (a table of plain functions, so
# a Builder refers to nothing that refers back to it: its graph goes when the trace goes).
EXPRESSIONS: dict[type, Callable[[Builder, Any, int], Node]] = {
    ast.BinOp: Builder.binop, ast.UnaryOp: Builder.unaryop, ast.Call: Builder.call,
    ast.Name: Builder.name, ast.Constant: Builder.constant, ast.List: Builder.list_literal,
    ast.Attribute: Builder.attribute, ast.Subscript: Builder.subscript,
}
# How the value of an op's parameter is read (Param.read in the op table).
PARAM_READERS: dict[str, Callable[[Builder, Any], Any]] = {
    "number": Builder.number, "axis": Builder.index_int, "target": Builder.target,
}


def _is_signed_number(node: ast.AST) -> bool:
    """-1.0, and +1.0 too: a signed number is still a number (x = +1.0 is a leaf like x = 1.0)."""
    return (isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd))
            and isinstance(node.operand, ast.Constant)
            and type(node.operand.value) in (int, float))


def _no_keyword(fname: str, name: str, allowed: list[str]) -> Msg:
    if allowed:
        return msg("error.call.no_keyword", fname=fname, name=name, allowed=", ".join(allowed))
    return msg("error.call.no_keywords", fname=fname, name=name)


def _index_text(k: Any) -> str:
    if isinstance(k, list):
        start, stop, step = ("" if v is None else str(v) for v in k)
        return f"{start}:{stop}" + (f":{step}" if step else "")
    return str(k)


def _number_label(v: float) -> str:
    return f"{v:.4g}"


def parse(source: str) -> ast.Module:
    """ast.parse, with every way it can fail turned into a ProgramError."""
    try:
        return ast.parse(source, mode="exec")
    except SyntaxError as e:
        detail = e.msg or "invalid syntax"
        if "integer string conversion" in detail:    # Python's own cap on int literals
            return _raise(ProgramError(msg("error.number.too_long_literal", limit=str(MAX_NUMBER_CHARS)),
                                       e.lineno or 1, e.offset or 1))
        if detail.startswith("invalid syntax"):
            better = _explain_invalid_syntax(source, e.lineno or 1)
            if better is not None:
                return _raise(better)
        return _raise(ProgramError(msg("error.syntax", detail=_python_says(detail)), e.lineno or 1, e.offset or 1))
    except (RecursionError, MemoryError):
        return _raise(ProgramError(msg("error.program.too_deep_to_read", limit=str(MAX_DEPTH)),
                                   *_deepest(source)))
    except ValueError as e:      # e.g. NUL bytes in the source
        return _raise(ProgramError(msg("error.program.unreadable", reason=str(e)), 1, 1))


# Python's syntax errors the catalogue tells in every language: the whole text, with the parts
# that vary as the template's arguments. Any other is shown as Python says it.
PYTHON_SAYS: list[tuple[re.Pattern, str, tuple[str, ...]]] = [
    (re.compile(r"invalid syntax"), "error.syntax.invalid", ()),
    (re.compile(r"'(.)' was never closed"), "error.syntax.never_closed", ("bracket",)),
    (re.compile(r"unmatched '(.)'"), "error.syntax.unmatched", ("bracket",)),
    (re.compile(r"closing parenthesis '(.)' does not match opening parenthesis '(.)'"), "error.syntax.mismatched",
     ("close", "open")),
    (re.compile(r"unterminated string literal \(detected at line (\d+)\)"), "error.syntax.unterminated_string",
     ("line",)),
    (re.compile(r"unexpected indent"), "error.syntax.unexpected_indent", ()),
    (re.compile(r"invalid syntax\. Perhaps you forgot a comma\?"), "error.syntax.forgot_comma", ()),
    (re.compile(r"leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers"),
     "error.syntax.leading_zeros", ()),
    (re.compile(r"cannot assign to function call here\. Maybe you meant '==' instead of '='\?"),
     "error.syntax.assign_call", ()),
]


def _python_says(detail: str) -> Msg | str:
    """Python's syntax error as a catalogue message when the catalogue has it, else as it is."""
    for pattern, key, names in PYTHON_SAYS:
        m = pattern.fullmatch(detail)
        if m:
            return msg(key, **dict(zip(names, m.groups())))
    return detail


# Where a name may stand: after these, or before these (a keyword there was meant as a name).
_BEFORE_OPERAND = {"=", "(", "[", ",", "+", "-", "*", "/", "@", "**", ";"}
_AFTER_OPERAND = {"=", "+", "-", "*", "/", "@", "**", ")", "]", ",", ".", "[", ";"}
_VALUES = {"True", "False", "None"}             # keywords that are values, not syntax


def _explain_invalid_syntax(source: str, line: int) -> ProgramError | None:
    """A clearer message for Python's bare "invalid syntax", read from the tokens of the
    statement it points into: a keyword used as a name, or two operands with no operator
    between them. None when neither is there."""
    tokens: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.NEWLINE:
                if tok.start[0] >= line:
                    break                       # the end of the statement the error is in
                tokens = []                     # a new statement starts
            elif tok.type not in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
                tokens.append(tok)
    except (tokenize.TokenError, SyntaxError):
        pass
    words = [t for t in tokens if t.type != tokenize.ENDMARKER]

    def is_keyword(t: tokenize.TokenInfo) -> bool:
        return t.type == tokenize.NAME and keyword.iskeyword(t.string) and t.string not in _VALUES

    for k, t in enumerate(words):
        if not is_keyword(t):
            continue
        before = words[k - 1].string if k else "="
        after = words[k + 1].string if k + 1 < len(words) else ";"
        if before in _BEFORE_OPERAND or after in _AFTER_OPERAND:
            return ProgramError(msg("error.syntax.keyword", word=t.string), t.start[0], t.start[1] + 1)
    depth = 0
    opened: list[int] = []                      # where each open bracket is, for w(x) y
    for k, (prev, t) in enumerate(zip(words, words[1:])):
        if prev.type == tokenize.OP and prev.string in "([{":
            depth += 1
            opened.append(k)
        elif prev.type == tokenize.OP and prev.string in ")]}":
            depth -= 1
            start = opened.pop() if opened else k
        ends = (prev.type == tokenize.NUMBER or (prev.type == tokenize.NAME and not is_keyword(prev))
                or (prev.type == tokenize.OP and prev.string in ")]"))
        starts = t.type == tokenize.NUMBER or (t.type == tokenize.NAME and not is_keyword(t))
        if ends and starts:
            a, b = prev.string, t.string
            if prev.string in ")]":             # the whole call or bracket: w(x), (a + b)
                first = start - 1 if start and words[start - 1].type == tokenize.NAME else start
                if words[first].start[0] == prev.end[0]:
                    a = words[first].line[words[first].start[1]:prev.end[1]]
            numbers = tokenize.NUMBER in (prev.type, t.type)
            ways = msg("error.syntax.ways_numbers.same" if numbers else "error.syntax.ways", a=a, b=b)
            key = "error.syntax.missing_operator_or_comma" if depth > 0 else "error.syntax.missing_operator"
            return ProgramError(msg(key, a=a, b=b, ways=ways), t.start[0], t.start[1] + 1)
    return None


def _raise(e: ProgramError) -> Any:
    try:
        raise e
    finally:
        del e        # no cycle: the error's traceback holds this frame


def _deepest(source: str) -> tuple[int, int]:
    """Where bracket and operator nesting first passes MAX_DEPTH, for the message."""
    line, col, depth = 1, 0, 0
    run = 0
    for ch in source:
        col += 1
        if ch == "\n":
            line, col, depth, run = line + 1, 0, 0, 0
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch in "+-*/@~":
            run += 1
        if depth > MAX_DEPTH or run > MAX_DEPTH * 4:
            return line, col
    return 1, 1


def build(source: str) -> tuple[Graph, int]:
    """Parse `source` and build its graph (shapes checked, nothing computed yet)."""
    return Builder(one_line_break(source)).build()
