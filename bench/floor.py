"""The least an `ast`-based engine can do to get gradients from program text."""
from __future__ import annotations

import ast

_ADD, _SUB, _MUL, _DIV, _POW, _NEG, _RELU, _LEAF = range(8)
_BINOPS = {ast.Add: _ADD, ast.Sub: _SUB, ast.Mult: _MUL, ast.Div: _DIV, ast.Pow: _POW}


def least_gradients(source: str, output: str, wrt: str) -> tuple[float, float]:
    """Value of `output` and d output / d `wrt`: `ast.parse`, one pass over the tree computing
    each value, one reverse sweep accumulating gradients. Nothing else: no positions, labels,
    names, checks, limits or step records (the bench programs' operations only)."""
    tree = ast.parse(source)
    code: list[int] = []
    left: list[int] = []
    right: list[int] = []
    vals: list[float] = []
    env: dict[str, int] = {}
    Name, BinOp, Constant, UnaryOp = ast.Name, ast.BinOp, ast.Constant, ast.UnaryOp

    def walk(n: ast.AST) -> int:
        t = type(n)
        if t is Name:
            return env[n.id]
        if t is BinOp:
            a, b, c = walk(n.left), walk(n.right), _BINOPS[type(n.op)]
            x, y = vals[a], vals[b]
            v = (x + y if c == _ADD else x - y if c == _SUB else x * y if c == _MUL
                 else x / y if c == _DIV else x ** y)
        elif t is UnaryOp:
            a, b, c = walk(n.operand), -1, _NEG
            v = -vals[a]
        elif t is Constant:
            a, b, c, v = -1, -1, _LEAF, float(n.value)
        else:                                   # relu(x)
            a, b, c = walk(n.args[0]), -1, _RELU
            v = vals[a] if vals[a] > 0.0 else 0.0
        code.append(c); left.append(a); right.append(b); vals.append(v)
        return len(vals) - 1

    for stmt in tree.body:
        env[stmt.targets[0].id] = walk(stmt.value)   # type: ignore[attr-defined]
    grads = [0.0] * len(vals)
    out = env[output]
    grads[out] = 1.0
    for i in range(out, -1, -1):
        g, c = grads[i], code[i]
        if c == _LEAF or g == 0.0:
            continue
        a, b = left[i], right[i]
        if c == _ADD:
            grads[a] += g; grads[b] += g
        elif c == _SUB:
            grads[a] += g; grads[b] -= g
        elif c == _MUL:
            grads[a] += g * vals[b]; grads[b] += g * vals[a]
        elif c == _DIV:
            grads[a] += g / vals[b]; grads[b] -= g * vals[i] / vals[b]
        elif c == _POW:
            x, y = vals[a], vals[b]
            grads[a] += g * y * x ** (y - 1)        # the exponent is a constant here
        elif c == _NEG:
            grads[a] -= g
        elif vals[a] > 0.0:                         # relu
            grads[a] += g
    return vals[out], grads[env[wrt]]
