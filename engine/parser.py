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

# What a refused construct is called in the message.
REFUSED: dict[type, str] = {
    ast.Lambda: "lambda expressions", ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "generator expressions",
    ast.JoinedStr: "f-strings", ast.FormattedValue: "f-strings", ast.Dict: "dictionaries",
    ast.Set: "sets", ast.Tuple: "tuples", ast.Compare: "comparisons", ast.BoolOp: "and/or expressions",
    ast.IfExp: "conditional expressions", ast.Await: "await expressions", ast.Yield: "yield expressions",
    ast.YieldFrom: "yield expressions", ast.NamedExpr: "assignment expressions (:=)", ast.Starred: "*args",
    ast.Import: "imports", ast.ImportFrom: "imports", ast.FunctionDef: "function definitions",
    ast.AsyncFunctionDef: "function definitions", ast.ClassDef: "class definitions",
    ast.For: "loops", ast.AsyncFor: "loops", ast.While: "loops", ast.If: "if statements",
    ast.With: "with statements", ast.AsyncWith: "with statements", ast.Raise: "raise statements",
    ast.Try: "try statements", ast.Assert: "assert statements", ast.Delete: "del statements",
    ast.Global: "global statements", ast.Nonlocal: "nonlocal statements", ast.Pass: "pass statements",
    ast.Break: "break statements", ast.Continue: "continue statements", ast.Return: "return statements", ast.AugAssign: "augmented assignments (x += …)",
    ast.AnnAssign: "annotated assignments", ast.Slice: "slices outside [ ]",
}
if hasattr(ast, "Match"):
    REFUSED[ast.Match] = "match statements"
if hasattr(ast, "TryStar"):
    REFUSED[ast.TryStar] = "try statements"

HINTS: dict[type, str] = {
    ast.AugAssign: "; write x = x + … instead",
    ast.Tuple: "; write one value per statement",
    ast.ListComp: "; write the elements out, or use sum(…) and @",
    ast.IfExp: "; max(a, b) and relu(x) cover the usual cases",
}


def _construct(node: ast.AST) -> str:
    return REFUSED.get(type(node), f"'{type(node).__name__}' constructs")


def _refused(node: ast.AST, where: str = "") -> str:
    return f"{_construct(node)} are not allowed{where}{HINTS.get(type(node), '')}"


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

    def error(self, node: ast.AST, message: str) -> ProgramError:
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
                    raise self.error(at, f"{label}: " + matmul_mismatch(*map(self.operand_of, inputs))) from None
                raise self.error(at, f"{label}: {e}") from None
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
            raise ProgramError(f"the program is {len(self.source):,} characters long; "
                               f"the limit is {MAX_SOURCE_CHARS:,}", 1, 1)
        self.count_statements()
        self.count_items()
        tree = parse(self.source)
        if not tree.body:
            raise ProgramError("the program is empty: write at least one statement such as x = 1.0", 1, 1)
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
                raise ProgramError(f"the program has more than {MAX_STATEMENTS:,} statements (every line of "
                                   f"code and every ';' starts one); the limit is {MAX_STATEMENTS:,}", line, col)

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
            what = f"{name.group(1)}() has {items:,} arguments" if name else f"the parentheses hold {items:,} items"
            raise ProgramError(f"{what}; the limit is {MAX_CALL_ARGUMENTS:,} in one call", line, col)
        raise ProgramError(f"a list of {items:,} items is longer than the limit of {MAX_LIST_ITEMS:,} "
                           "(the most elements a tensor may have)", line, col)

    def statement(self, stmt: ast.stmt) -> Node:
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1:
                raise self.error(stmt.targets[1], "chained assignment (a = b = …) is not allowed; "
                                                  "write one name per statement")
            target = stmt.targets[0]
            if not isinstance(target, ast.Name):
                what = "unpacking" if isinstance(target, (ast.Tuple, ast.List)) else _construct(target)
                if isinstance(target, (ast.Attribute, ast.Subscript)):
                    what = "assigning to an attribute or an index"
                raise self.error(target, f"{what} is not allowed; the left side must be one name")
            name = target.id
            if name in RESERVED:
                raise self.error(target, f"'{name}' is the name of a function and cannot be assigned")
            node = self.leaf_or_expr(stmt.value, name)
            if node.kind == "leaf" and not node.names:
                node.label = name            # a leaf is shown by the name it was given
            if name not in node.names:
                node.names.append(name)
            self.env[name] = node.id
            return node
        if isinstance(stmt, ast.Expr):
            return self.leaf_or_expr(stmt.value, None)
        raise self.error(stmt, _refused(stmt) + ("" if type(stmt) in HINTS else
                               "; a program is a list of name = expression statements"))

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
            raise self.error(node, f"the expression nests more than {MAX_DEPTH} levels deep; "
                                   "split it into several statements")
        handler = EXPRESSIONS.get(type(node))
        if handler is None:
            raise self.error(node, _refused(node, " here"))
        return handler(self, node, depth + 1)

    # ------------------------------------------------------------ expressions
    def binop(self, node: ast.BinOp, depth: int) -> Node:
        op = BINOPS.get(type(node.op))
        if op is None:
            raise self.error(node, f"the operator {type(node.op).__name__} is not supported; "
                                   "use + - * / ** @")
        return self.apply(node, op, [self.operand(node.left, depth), self.operand(node.right, depth)])

    def unaryop(self, node: ast.UnaryOp, depth: int) -> Node:
        if _is_signed_number(node):
            return self.constant_node(node)
        if type(node.op) is _USub:
            return self.apply(node, "neg", [self.operand(node.operand, depth)])
        if isinstance(node.op, ast.UAdd):
            return self.expr(node.operand, depth)
        raise self.error(node, "'not' and '~' are not allowed; use arithmetic")

    def name(self, node: ast.Name, depth: int) -> Node:
        i = self.env.get(node.id)
        if i is not None:
            return self.graph.nodes[i]
        if node.id in RESERVED:
            raise self.error(node, f"'{node.id}' is a function: call it, as in {node.id}(…)")
        hint = difflib.get_close_matches(node.id, list(self.env), n=1)
        extra = f"; did you mean '{hint[0]}'?" if hint else ""
        raise self.error(node, f"unknown name '{node.id}'{extra}")

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
            raise self.error(node, f"attribute access (.{node.attr}) is not allowed; only .T (transpose) is")
        return self.make(node, "transpose", "op", [self.expr(node.value, depth)], {}, "ᵀ")

    def subscript(self, node: ast.Subscript, depth: int) -> Node:
        base = self.expr(node.value, depth)
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        index: list[Any] = []
        for p in parts:
            if isinstance(p, ast.Slice):
                index.append([self.index_int(p.lower), self.index_int(p.upper), self.index_int(p.step)])
                if index[-1][2] == 0:
                    raise self.error(p, "a slice step cannot be 0")
            else:
                value = self.index_int(p)
                if value is None:
                    raise self.error(p, "an index must be a whole number")
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
                raise self.error(node, "index is too large")
            return sign * node.value
        raise self.error(node, "an index must be a whole-number literal such as 0, -1 or 1:3")

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
                raise self.error(node.func, f"method calls (.{node.func.attr}(…)) are not allowed; "
                                            "call functions by name, as in sum(x)")
            raise self.error(node.func, "only named functions can be called")
        fname = node.func.id
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.error(a, "*args is not allowed; pass arguments one by one")
        for k in node.keywords:
            if k.arg is None:
                raise self.error(k, "**kwargs is not allowed; pass keywords one by one")  # k spans **x
        if fname == "frozen":
            return self.frozen(node, depth)
        if fname in INITS:
            return self.init(node, fname)
        if fname not in FUNCTIONS:
            known = sorted(FUNCTIONS) + sorted(INITS) + ["frozen"]
            hint = difflib.get_close_matches(fname, known, n=1)
            extra = f"; did you mean '{hint[0]}'?" if hint else ""
            raise self.error(node.func, f"unknown function '{fname}'{extra}")
        op = OPS[FUNCTIONS[fname]]
        args, attrs = self.parameters(node, fname, op)
        if op.arity >= 0 and len(args) != op.arity:
            raise self.error(node, f"{fname}() takes {op.arity} argument{'s' if op.arity != 1 else ''}, "
                                   f"got {len(args)}")
        if op.arity < 0 and not args:
            raise self.error(node, f"{fname}() needs at least one argument")
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
                raise self.error(node, p.missing or f"{fname}() needs its parameter '{p.name}'")
        params = {p.name: p for p in op.params}
        for k in node.keywords:
            if k.arg in values:      # sum(x, axis=0, axis=1) is an error, not the last one wins
                raise self.error(k, f"{fname}() got '{k.arg}' twice")
            p = params.get(k.arg)  # type: ignore[arg-type]
            if p is None:
                allowed = ", ".join(params)
                raise self.error(k,  # the keyword itself: col of foo in foo=1, not of its value
                                 f"{fname}() has no keyword '{k.arg}'"
                                 + (f"; it takes {allowed}" if allowed else "; it takes no keywords"))
            values[p.name] = PARAM_READERS[p.read](self, k.value)
        return args, {p.name: values.get(p.name, p.default) for p in op.params}

    def target(self, node: ast.AST) -> int | list[int]:
        if isinstance(node, ast.List):
            return [self.whole(e, "a target index") for e in node.elts]
        return self.whole(node, "a target index")

    def whole(self, node: ast.AST, what: str, low: int = 0, high: int = 10**9) -> int:
        if isinstance(node, ast.Constant) and type(node.value) is int and low <= node.value <= high:
            return node.value
        raise self.error(node, f"{what} must be a whole number from {low} to {high:,}")

    def number(self, node: ast.AST) -> float:
        if not (isinstance(node, ast.Constant) or _is_signed_number(node)):
            raise self.error(node, "expected a number such as 0.1 here (a literal, not a name or an expression)")
        data = self.literal(node)
        if data.ndim != 0:
            raise self.error(node, "expected a single number here")
        return float(data)

    def frozen(self, node: ast.Call, depth: int) -> Node:
        if len(node.args) != 1 or node.keywords:
            raise self.error(node, "frozen(…) takes one leaf: a number, a list of numbers or a constructor")
        arg = node.args[0]
        if isinstance(arg, (ast.Constant, ast.List)) or _is_signed_number(arg):
            data = self.literal(arg)
            leaf = self.make(arg, "leaf", "leaf", [], {"init": "literal"}, "input",
                             literal=data, shape=data.shape)
        elif isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id in INITS:
            leaf = self.init(arg, arg.func.id)
        else:
            raise self.error(arg, "frozen(…) applies to a leaf: a number, a list of numbers or a constructor")
        leaf.frozen = True
        return leaf

    def init(self, node: ast.Call, fname: str) -> Node:
        spec = INITS[fname]
        lo, hi = spec.arity
        if not lo <= len(node.args) <= hi:
            form = f"{fname}(n_out, n_in)" if spec.arity == (2, 2) else f"{fname}(n) or {fname}(n, m)"
            raise self.error(node, f"{fname} takes {lo if lo == hi else f'{lo} or {hi}'} sizes: {form}")
        sizes = [self.whole(a, "a size", 1, 10**7) for a in node.args]
        attrs: dict[str, Any] = {"init": fname, "dims": sizes}
        attrs.update(spec.params)
        given: set[str] = set()
        for k in node.keywords:
            if k.arg in given:
                raise self.error(k, f"{fname}() got '{k.arg}' twice")
            given.add(k.arg)
            if k.arg not in spec.params:
                allowed = ", ".join(spec.params) or "no keywords"
                raise self.error(k, f"{fname}() has no keyword '{k.arg}'; it takes {allowed}")
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
                    raise self.error(item, f"lists nest at most {MAX_DIMS} deep (scalars, vectors, matrices)")
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
            raise self.error(node, "a nested list must be rectangular: every row the same length") from None
        if arr.dtype == object or (arr.size == 0 and arr.ndim > 0):
            raise self.error(node, "a list must be non-empty and rectangular")
        return arr

    def scalar_literal(self, node: ast.AST) -> float:
        sign = 1.0
        if _is_signed_number(node):
            sign = -1.0 if isinstance(node.op, ast.USub) else 1.0  # type: ignore[attr-defined]
            node = node.operand  # type: ignore[attr-defined]
        if not isinstance(node, ast.Constant):
            raise self.error(node, f"list elements must be numbers, not {_construct(node)}; "
                                   "use concat(…) to join vectors")
        v = node.value
        if isinstance(v, str):
            raise self.error(node, "strings are not allowed")
        if isinstance(v, bool) or v is None or v is Ellipsis:
            raise self.error(node, f"{v!r} is not a number")
        if isinstance(v, complex):
            raise self.error(node, "complex numbers are not allowed")
        if isinstance(v, bytes):
            raise self.error(node, "bytes are not allowed")
        _, _, _, _, text = self.span(node)
        if len(text) > MAX_NUMBER_CHARS:
            raise self.error(node, f"the number literal has {len(text)} characters; the limit is {MAX_NUMBER_CHARS}")
        try:
            f = float(v)
        except OverflowError:
            f = math.inf
        if not math.isfinite(f) or abs(f) > MAX_NUMBER_MAGNITUDE:
            raise self.error(node, f"the number {text} is too large (the limit is {MAX_NUMBER_MAGNITUDE:g})")
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
        msg = e.msg or "invalid syntax"
        if "integer string conversion" in msg:    # Python's own cap on int literals
            msg = f"a number literal is too long; the limit is {MAX_NUMBER_CHARS} characters"
            return _raise(ProgramError(msg, e.lineno or 1, e.offset or 1))
        if msg.startswith("invalid syntax"):
            better = _explain_invalid_syntax(source, e.lineno or 1)
            if better is not None:
                return _raise(better)
        return _raise(ProgramError(f"syntax error: {msg}", e.lineno or 1, e.offset or 1))
    except (RecursionError, MemoryError):
        return _raise(ProgramError(f"the program nests too deeply to read; keep expressions under "
                                   f"{MAX_DEPTH} levels", *_deepest(source)))
    except ValueError as e:      # e.g. NUL bytes in the source
        return _raise(ProgramError(f"cannot read the program: {e}", 1, 1))


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
            return ProgramError(f"'{t.string}' is a Python keyword, so it cannot be a name; "
                                f"call it something else, such as {t.string}_ or x_{t.string}",
                                t.start[0], t.start[1] + 1)
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
            ways = f"{a} * {b}" if numbers else f"{a} * {b} (elementwise) or {a} @ {b} (matrix product)"
            if depth > 0:
                what = f"an operator or a comma is missing between {a} and {b}: write {ways}, or {a}, {b} for two items"
            else:
                what = f"an operator is missing between {a} and {b}: write {ways}"
            return ProgramError(what, t.start[0], t.start[1] + 1)
    return None


def _raise(e: ProgramError) -> Any:
    raise e


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
