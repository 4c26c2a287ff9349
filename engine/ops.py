"""The op table: every primitive declared once.

An entry says how to compute the op (numpy forward), its output shape (checked before
anything is allocated), one vector-Jacobian product per input, and how to show it: the
symbol on the graph, the rules per input (the local derivative and the downstream
gradient, in words and LaTeX, chosen by the step's shapes and numbers, with the formulas
they state so a test can hold them to the numbers), and the gate's intuition. It also says how a program calls it: the function names, the parameters
(positional and keyword, with defaults), the node's label, and its scalar twin, the same
op on plain Python floats (or that it has none). The parser's functions, argument checks
and labels all come from here; adding an op is adding an entry and one test case.

Conventions at kinks (the same as PyTorch's):
- relu'(0) = 0, abs'(0) = 0 (sign(0) = 0), hardtanh' = 0 at ±1, leaky_relu'(0) = slope,
  elu'(0) = alpha (the x ≤ 0 branch, alpha·e⁰);
- max(a, b) and min(a, b) with a == b send half the gradient to each input.

VJPs may return a gradient in the broadcast (output) shape; the backward loop sums it
back to the input's shape in one place (`unbroadcast`).
"""
from __future__ import annotations

import math
import operator
from dataclasses import KW_ONLY, dataclass
from typing import Any, Callable, Sequence, Union

import numpy as np

from .errors import ShapeError
from .i18n import Msg, msg
from .shapes import dims, fmt_shape

Shape = tuple[int, ...]
Array = np.ndarray
# vjp(i, g, out, ins, attrs) -> gradient for input i (output/broadcast shape allowed)
Vjp = Callable[[int, Array, Array, Sequence[Array], dict], Array]
# Every input's VJP from one call: (g, out, ins, attrs) -> one array per input.
Vjps = Callable[[Array, Array, Sequence[Array], dict], Sequence[Array]]
# Words and LaTeX, with placeholders: {o} the node, {x} this edge's input, {y} the other
# input; upper case ({O}, {X}, {Y}) in the LaTeX form. δ is the upstream gradient ∂s/∂o.
# The words are a catalogue message (engine/catalogue); the LaTeX is a string, or a message
# when it has words in it (\text{…}). The placeholders stay unfilled in both.
Tex = Union[str, Msg]
Text = tuple[Msg, Tex]
# case(position, input values, output value, attrs) -> which text the numbers call for
# ("tie", "kink"), or "" for the general one.
RuleCase = Callable[[int, Sequence[Any], Any, dict], str]
# check(function name, input shapes) -> what is wrong with the call, or None
CallCheck = Callable[[str, Sequence[Shape]], "str | Msg | None"]

REQUIRED: Any = object()       # the default of a parameter a call must give


@dataclass(frozen=True)
class Param:
    """A parameter written in a call, after the tensor arguments: f(x, name=value).

    `read` names how the parser reads its value: "number" (a number literal), "axis" (a
    whole-number literal) or "target" (a class index, or a list of them)."""
    name: str
    default: Any = REQUIRED
    read: str = "number"
    positional: bool = False          # may also be given by position: leaky_relu(x, 0.1)
    missing: str | Msg = ""           # the message when a required parameter is not given


ScalarForward = Callable[[Sequence[float], dict], float]
ScalarLocal = Callable[[int, Sequence[float], float, dict], float]   # (i, ins, out, attrs)


@dataclass(frozen=True)
class ScalarOp:
    """An op on plain Python floats, for nodes whose inputs and output are single numbers.

    `forward` gives the value and `local` the derivative ∂out/∂input i, computed exactly as
    the numpy forward and VJP compute them for an upstream gradient of 1, so both give the
    same numbers bit for bit."""
    forward: ScalarForward
    local: ScalarLocal
    # The forward value as a function of the numbers alone (positional), for ops without
    # attributes: what `forward` computes, called without packing the inputs in a list.
    value: Callable[..., float] | None = None


@dataclass(frozen=True)
class RuleAt:
    """Where a rule is shown: the edge's input position, the shapes, the op's attributes and
    the case its numbers fall in (see `Op.case`)."""
    pos: int
    in_shapes: tuple[Shape, ...]
    out_shape: Shape
    attrs: dict
    case: str = ""


@dataclass(frozen=True)
class Claim:
    """One edge's numbers, for a rule's formulas: this input x, the other input y (None for
    one input), the node's value o, the upstream gradient d, every input, the position."""
    x: Array
    y: Array | None
    o: Array
    d: Array
    ins: Sequence[Array]
    pos: int
    attrs: dict


@dataclass(frozen=True)
class Rule:
    """What one input edge shows, each as (words, LaTeX): `local`, the whole statement of
    the local derivative ∂o/∂x, and `downstream`, the right-hand side of ∂s/∂x = …, with
    δ the upstream gradient. `local_of` and `downstream_of` compute what the two texts say
    from the edge's numbers (a second, plain reading of the formula, not the VJP), so a
    test can hold every text to the document's numbers. `local_of` gives the Jacobian
    (output shape + input shape) or, for an elementwise rule, ∂oₖ/∂xₖ in the output's
    shape; an elementwise rule's downstream is before any broadcast input is summed back."""
    local: Text
    downstream: Text
    local_of: Callable[[Claim], Array]
    downstream_of: Callable[[Claim], Array]
    elementwise: bool = False
    scalar_down: Text | None = None       # `downstream` where the output is one number (· for ⊙)


# An output counts as saturated where the function is this close to its flat parts:
# |tanh| > 0.97, σ outside [0.03, 0.97] (hardtanh: exactly at ±1).
SATURATION = 0.97


@dataclass(frozen=True)
class Band:
    """Where a nonlinearity's gradient (nearly) vanishes: the rule in words, the test on its
    output values, and the input intervals it covers (±inf for an open end)."""
    rule: str
    holds: Callable[[Array], Array]              # output values -> a boolean mask
    inputs: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Activation:
    """How the tips lab shows a nonlinearity: f(x) and f'(x) in LaTeX, its saturated region
    (sigmoid, tanh, hardtanh) and its dead region (relu: output 0, gradient 0)."""
    formula: str
    derivative: str
    saturated: Band | None = None
    dead: Band | None = None


@dataclass(frozen=True)
class Op:
    """One primitive: how to compute it, differentiate it, show it and call it."""
    name: str
    symbol: str
    arity: int                                   # tensor inputs; -1: any number (at least one)
    shape: Callable[[Sequence[Shape], dict], Shape]
    forward: Callable[[Sequence[Array], dict], Array]
    vjp: Vjp
    rules: Callable[[RuleAt], Rule] | Sequence[Rule]
    intuition: Msg | None = None
    _: KW_ONLY
    scalar: ScalarOp | None                      # the scalar twin; None: numpy only
    calls: tuple[str, ...] = ()                  # function names a program calls it by
    params: tuple[Param, ...] = ()
    label: str | Callable[[dict], str] | None = None   # the node's label; None: the symbol
    check: CallCheck | None = None               # a rule of its own on a call's input shapes
    case: RuleCase | None = None                 # the numbers that change the rule's text
    vjps: Vjps | None = None                     # every input's VJP at once, when they share work
    activation: Activation | None = None         # a nonlinearity: what the tips lab shows of it

    def rule(self, at: RuleAt) -> Rule:
        if callable(self.rules):
            return self.rules(at)
        return self.rules[min(at.pos, len(self.rules) - 1)]

    def node_label(self, attrs: dict) -> str:
        if self.label is None:
            return self.symbol
        return self.label(attrs) if callable(self.label) else self.label


# ---------------------------------------------------------------- shape rules
def same_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    return shapes[0]


def broadcast(shapes: Sequence[Shape], attrs: dict) -> Shape:
    if len(shapes) == 2 and shapes[0] == shapes[1]:   # the common case, without numpy's machinery
        return tuple(shapes[0])
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError(msg("error.shape.broadcast", shapes=_and([fmt_shape(s) for s in shapes]))) from None


def matmul_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    a, b = shapes
    if not a or not b:
        raise ShapeError(msg("error.shape.matmul_scalar", a=fmt_shape(a), b=fmt_shape(b)))
    if a[-1] != b[0]:
        raise ShapeError(matmul_mismatch(Operand(msg("error.shape.left_side"), a),
                                         Operand(msg("error.shape.right_side"), b)))
    return tuple(a[:-1]) + tuple(b[1:])


@dataclass(frozen=True)
class Operand:
    """One side of a failed @, as the message names it: its text, shape, the line that made
    it (0: unknown) and, for a leaf made by xavier or kaiming, its sizes and which made it."""
    text: str | Msg
    shape: Shape
    line: int = 0
    xavier: tuple[int, int] | None = None
    maker: str = "xavier"


def matmul_mismatch(left: Operand, right: Operand) -> Msg:
    """Why `left @ right` has no shape: both shapes, where each was made, and what would fit."""
    a, b = left.shape, right.shape
    L, R = left.text, right.text
    made = [msg("error.shape.made_on", text=o.text, shape=fmt_shape(o.shape), line=str(o.line))
            for o in (left, right) if o.line]
    made_text: Msg | str = ""
    if made:
        made_text = msg("error.shape.made_one", one=made[0]) if len(made) == 1 else \
            msg("error.shape.made_two", one=made[0], two=made[1])
    hints: list[Msg] = []
    if len(a) == 1 and len(b) == 1:
        hints.append(msg("hint.matmul.dot"))
    if len(a) == 2 and a[0] == b[0]:
        hints.append(msg("hint.matmul.fits", x=_t(L), y=R))
    if len(b) == 2 and a[-1] == b[1]:
        hints.append(msg("hint.matmul.fits", x=L, y=_t(R)))
    if len(b) == 2 and len(a) == 1 and b[1] == a[0]:
        hints.append(msg("hint.matmul.fits", x=R, y=L))
    elif len(a) == 2 and len(b) == 2 and b[1] == a[0]:
        hints.append(msg("hint.matmul.fits", x=R, y=L))
    if left.xavier is not None:             # W @ x: W's n_in is the length of x
        n_out, n_in = left.xavier
        k, f = b[0], left.maker
        want = (n_in, n_out) if n_out == k else (n_out, k)
        hints.append(msg("hint.matmul.maker_left", f=f, L=L, R=R, n_out=str(n_out), n_in=str(n_in),
                         w0=str(want[0]), w1=str(want[1])))
    if right.xavier is not None:            # x @ W: W's rows meet the last dimension of x
        n_out, n_in = right.xavier
        k, f = a[-1], right.maker
        want = (n_in, n_out) if n_in == k else (k, n_in)
        hints.append(msg("hint.matmul.maker_right", f=f, L=L, R=R, n_out=str(n_out), n_in=str(n_in),
                         w0=str(want[0]), w1=str(want[1])))
    joined: Msg | str = ""
    if hints:
        one = hints[0]
        for h in hints[1:]:
            one = msg("hint.or", a=one, b=h)
        joined = msg("hint.matmul", hints=one)
    return msg("error.shape.matmul", L=L, R=R, a=fmt_shape(a), b=fmt_shape(b), last=str(a[-1]),
               first=str(b[0]), made=made_text, hints=joined)


def _and(items: list) -> Msg | str:
    """Texts joined as "a and b and c", told in the message's language."""
    one = items[0]
    for item in items[1:]:
        one = msg("error.shape.and", a=one, b=item)
    return one


def _t(text: str | Msg) -> str | Msg:
    """text.T, in brackets when text is more than a name."""
    if isinstance(text, Msg):
        return msg("error.shape.transposed.same", text=text)
    return f"{text}.T" if text.isidentifier() else f"({text}).T"


def transpose_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    return tuple(reversed(shapes[0]))


def reduce_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    axis = attrs.get("axis")
    s = shapes[0]
    if axis is None:
        return ()
    if not -len(s) <= axis < len(s):
        raise ShapeError(msg("error.shape.axis", axis=str(axis), shape=fmt_shape(s)))
    axis %= len(s)
    return tuple(n for k, n in enumerate(s) if k != axis)


def outer_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    a, b = shapes
    if len(a) != 1 or len(b) != 1:
        raise ShapeError(msg("error.shape.outer", a=fmt_shape(a), b=fmt_shape(b)))
    return (a[0], b[0])


def concat_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    for s in shapes:
        if len(s) != 1:
            raise ShapeError(msg("error.shape.concat", shape=fmt_shape(s)))
    return (sum(s[0] for s in shapes),)


def index_key(attrs: dict) -> tuple:
    """The numpy index from its JSON form: an int, or [start, stop, step] for a slice."""
    return tuple(slice(*k) if isinstance(k, list) else k for k in attrs["index"])


def index_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    s = shapes[0]
    if not s:
        raise ShapeError(msg("error.shape.index_scalar"))
    key = index_key(attrs)
    if len(key) > len(s):
        raise ShapeError(msg("error.shape.too_many_indices", n=str(len(key)), shape=fmt_shape(s)))
    for k, n in zip(key, s):
        if isinstance(k, int) and not -n <= k < n:
            raise ShapeError(msg("error.shape.index_range", k=str(k), shape=fmt_shape(s)))
    # A broadcast view of one number has the shape without allocating anything.
    out = np.broadcast_to(np.zeros(()), s)[key].shape
    if 0 in out:
        raise ShapeError(msg("error.shape.empty_slice", shape=fmt_shape(s)))
    return out


def softmax_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    s = shapes[0]
    if not s:
        raise ShapeError(msg("error.shape.softmax_scalar"))
    return s


def cross_entropy_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    s = shapes[0]
    target = attrs["target"]
    if len(s) == 1:
        if not isinstance(target, int):
            raise ShapeError(msg("error.shape.ce_one_target"))
        if not 0 <= target < s[0]:
            raise ShapeError(msg("error.shape.ce_target_range", t=str(target), n=str(s[0])))
        return ()
    if len(s) == 2:
        if not isinstance(target, list) or len(target) != s[0]:
            raise ShapeError(msg("error.shape.ce_batch", dims=dims(s), n=str(s[0])))
        for t in target:
            if not 0 <= t < s[1]:
                raise ShapeError(msg("error.shape.ce_target_range", t=str(t), n=str(s[1])))
        return ()
    raise ShapeError(msg("error.shape.ce_logits"))


# ---------------------------------------------------------------- numpy helpers
def _matmul_2d(a: Array, b: Array) -> tuple[Array, Array]:
    return (a[None, :] if a.ndim == 1 else a), (b[:, None] if b.ndim == 1 else b)


def matmul_vjp(i: int, g: Array, out: Array, ins: Sequence[Array], attrs: dict) -> Array:
    a, b = ins
    a2, b2 = _matmul_2d(a, b)
    g2 = np.reshape(g, (a2.shape[0], b2.shape[1]))
    if i == 0:
        return np.reshape(g2 @ b2.T, a.shape)
    return np.reshape(a2.T @ g2, b.shape)


def _eye_blocks(n: int, v: Array, spec: str) -> Array:
    """A Jacobian made of the identity on n and the entries of v (einsum's spec)."""
    return np.einsum(spec, np.eye(n), v)


def matmul_rules(at: RuleAt) -> Rule:
    a, b = at.in_shapes
    jac = dims(tuple(at.out_shape) + tuple(at.in_shapes[at.pos]))
    if len(a) == 2 and len(b) == 1:                      # z = W x
        n, m = a
        if at.pos == 0:
            return Rule(
                (_msg("rule.matmul.wx.w.local", jac=jac),
                 r"\frac{\partial {{O}}_i}{\partial {{X}}_{ij}} = {{Y}}_j,\quad "
                 r"\frac{\partial {{O}}_i}{\partial {{X}}_{kj}} = 0\ (k \neq i)"),
                (_msg("rule.matmul.wx.w.down", n=n, m=m),
                 r"\delta\, {{Y}}^{\top}\quad(\delta \otimes {{Y}},\ " + f"{n}\\times 1 \\cdot 1\\times {m})"),
                lambda c: _eye_blocks(n, c.y, "ik,j->ikj"), lambda c: np.outer(c.d, c.y))
        return Rule(
            (_msg("rule.matmul.wx.x.local", jac=jac),
             r"\frac{\partial {{O}}_i}{\partial {{X}}_j} = {{Y}}_{ij}"),
            (_msg("rule.matmul.wx.x.down", n=n, m=m),
             r"{{Y}}^{\top} \delta"),
            lambda c: c.y, lambda c: c.y.T @ c.d)
    if len(a) == 1 and len(b) == 1:                      # a dot product
        return Rule((msg("rule.matmul.dot.local"),
                     r"\frac{\partial {O}}{\partial {{X}}_i} = {{Y}}_i"),
                    (msg("rule.matmul.dot.down"), r"\delta\, {Y}"),
                    lambda c: c.y, lambda c: c.d * c.y)
    if len(a) == 1:                                      # z = x W
        m, n = b
        if at.pos == 0:
            return Rule(
                (_msg("rule.matmul.xw.x.local", jac=jac),
                 r"\frac{\partial {{O}}_j}{\partial {{X}}_i} = {{Y}}_{ij}"),
                (_msg("rule.matmul.xw.x.down", n=n, m=m),
                 r"{Y}\, \delta"),
                lambda c: c.y.T, lambda c: c.y @ c.d)
        return Rule(
            (_msg("rule.matmul.xw.w.local", jac=jac),
             r"\frac{\partial {{O}}_j}{\partial {{X}}_{ij}} = {{Y}}_i,\quad "
             r"\frac{\partial {{O}}_j}{\partial {{X}}_{ik}} = 0\ (k \neq j)"),
            (_msg("rule.matmul.xw.w.down", n=n, m=m),
             r"{{Y}}\, \delta^{\top}\quad({{Y}} \otimes \delta)"),
            lambda c: _eye_blocks(n, c.y, "jk,i->jik"), lambda c: np.outer(c.y, c.d))
    rows, m = a
    n = b[1]
    if at.pos == 0:                                      # Z = X W: rows of X
        return Rule(
            (_msg("rule.matmul.mm.x.local", jac=jac),
             r"\frac{\partial {{O}}_{ik}}{\partial {{X}}_{ij}} = {{Y}}_{jk},\quad "
             r"\frac{\partial {{O}}_{ik}}{\partial {{X}}_{lj}} = 0\ (l \neq i)"),
            (_msg("rule.matmul.mm.x.down", rows=rows, n=n, m=m), r"\delta\, {{Y}}^{\top}"),
            lambda c: _eye_blocks(rows, c.y, "ip,jk->ikpj"), lambda c: c.d @ c.y.T)
    return Rule(
        (_msg("rule.matmul.mm.w.local", jac=jac),
         r"\frac{\partial {{O}}_{ik}}{\partial {{X}}_{jk}} = {{Y}}_{ij},\quad "
         r"\frac{\partial {{O}}_{ik}}{\partial {{X}}_{jl}} = 0\ (l \neq k)"),
        (_msg("rule.matmul.mm.w.down", rows=rows, n=n, m=m), r"{{Y}}^{\top} \delta"),
        lambda c: np.einsum("ij,kq->ikjq", c.y, np.eye(n)), lambda c: c.y.T @ c.d)


def _dot_takes_vectors(fname: str, shapes: Sequence[Shape]) -> Msg | None:
    """dot(a, b) is the vector form of matmul; matmul(a, b) and @ take matrices too."""
    if fname == "dot" and any(len(s) != 1 for s in shapes):
        return msg("error.shape.dot", shapes=_and([fmt_shape(s) for s in shapes]))
    return None


def _sigmoid(x: Array) -> Array:
    z = np.exp(-np.abs(x))                      # never overflows
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def _logsumexp(x: Array) -> Array:
    m = np.max(x, axis=-1, keepdims=True)
    return m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))


def _softmax(x: Array) -> Array:
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _onehot(target: int | list[int], shape: Shape) -> Array:
    y = np.zeros(shape)
    if len(shape) == 1:
        y[target] = 1.0
    else:
        y[np.arange(shape[0]), target] = 1.0
    return y


def _reduce_vjp(g: Array, shape: Shape, axis: int | None) -> Array:
    if axis is not None:
        g = np.expand_dims(g, axis % len(shape))
    return np.broadcast_to(g, shape)


def _count(shape: Shape, axis: int | None) -> int:
    return math.prod(shape) if axis is None else shape[axis]


def _concat_vjp(i: int, g: Array, out: Array, ins: Sequence[Array], attrs: dict) -> Array:
    start = sum(x.shape[0] for x in ins[:i])
    return g[start:start + ins[i].shape[0]]


def _concat_vjps(g: Array, out: Array, ins: Sequence[Array], attrs: dict) -> list[Array]:
    """Each input's slice of g, its offsets summed once for the node (not once per input)."""
    return np.split(g, np.cumsum([x.shape[0] for x in ins[:-1]]))


def _index_vjp(i: int, g: Array, out: Array, ins: Sequence[Array], attrs: dict) -> Array:
    z = np.zeros(ins[0].shape)
    z[index_key(attrs)] = g
    return z


def _tie_mask(a: Array, b: Array, win: Array) -> Array:
    return win + 0.5 * (a == b)


def _elu(x: Array, alpha: float) -> Array:
    # expm1 of the negative part only: the other branch of np.where must not overflow
    return np.where(x > 0, x, alpha * np.expm1(np.where(x > 0, 0.0, x)))


def _elu_slope(x: Array, alpha: float) -> Array:
    return np.where(x > 0, 1.0, alpha * np.exp(np.where(x > 0, 0.0, x)))


_erf = np.vectorize(math.erf, otypes=[np.float64])      # numpy has no erf; math's, entry by entry
SQRT1_2 = math.sqrt(0.5)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _gelu(x: Array) -> Array:
    return 0.5 * x * (1.0 + _erf(x * SQRT1_2))


def _gelu_slope(x: Array) -> Array:
    """Φ(x) + x·φ(x). φ underflows to 0 beyond |x| = 40, where x² could overflow."""
    t = np.minimum(np.abs(x), 40.0)
    return 0.5 * (1.0 + _erf(x * SQRT1_2)) + x * (INV_SQRT_2PI * np.exp(-0.5 * t * t))


def _silu_slope(x: Array) -> Array:
    s = _sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


# ---------------------------------------------------------------- scalar helpers
# Functions whose numpy kernels may round differently from Python's `math` (exp, log,
# tanh, sin, cos, pow) call numpy's on the float, so both interpretations agree bit for bit.
def _plain(value: Callable[..., float], local: ScalarLocal) -> ScalarOp:
    """A scalar op whose value depends on its input numbers alone (no attributes)."""
    return ScalarOp(lambda v, at: value(*v), local, value)


def _on_float(f: Callable[[Any], Any]) -> Callable[[float], float]:
    """A numpy function of one number, returning a Python float."""
    return lambda x: float(f(x))


_exp, _expm1, _log, _tanh, _sin, _cos, _softplus = (
    _on_float(f) for f in (np.exp, np.expm1, np.log, np.tanh, np.sin, np.cos, lambda x: np.logaddexp(0.0, x)))


def _pow(a: float, b: float) -> float:
    # numpy computes x ** 2 as x * x and x ** 1 as x (the fast paths of its power loop, and of
    # ndarray ** scalar, which the numpy interpretation uses): the same numbers, without a
    # ufunc call. Every statement squaring something goes through here, forward and back.
    if b == 2.0:
        return a * a
    if b == 1.0:
        return a
    return float(np.power(a, b))


def _sigmoid_scalar(x: float) -> float:
    z = _exp(-abs(x))
    return 1.0 / (1.0 + z) if x >= 0 else z / (1.0 + z)


def _tie(a: float, b: float, win: bool) -> float:
    return (1.0 if win else 0.0) + 0.5 * (a == b)


def _gelu_scalar(x: float) -> float:
    return 0.5 * x * (1.0 + math.erf(x * SQRT1_2))


def _gelu_slope_scalar(x: float) -> float:
    t = min(abs(x), 40.0)
    return 0.5 * (1.0 + math.erf(x * SQRT1_2)) + x * (INV_SQRT_2PI * _exp(-0.5 * t * t))


def _silu_slope_scalar(x: float) -> float:
    s = _sigmoid_scalar(x)
    return s * (1.0 + x * (1.0 - s))


# ---------------------------------------------------------------- the rules
def cat(*parts: Tex) -> Tex:
    """Texts joined: a plain string while every part is one, else a message that joins them."""
    out: list[Tex] = []
    for p in parts:
        if isinstance(p, str) and out and isinstance(out[-1], str):
            out[-1] += p
        elif not isinstance(p, str) or p:
            out.append(p)
    joined = out[0] if out else ""
    for p in out[1:]:
        joined = Msg("rule.cat.same", {"a": joined, "b": p})
    return joined


def _factor(tex: Tex) -> Tex:
    """A LaTeX term as a factor of δ ⊙ …: in parentheses when it is a sum or has words."""
    if isinstance(tex, Msg):
        return cat(r"\left(", tex, r"\right)")
    return r"\left(" + tex + r"\right)" if any(c in tex for c in "+-, ") else tex


def elementwise(words: Msg, tex: Tex, of: Callable[[Claim], Any], short: Msg | None = None,
                down: Text | None = None) -> Rule:
    """A rule entry by entry: local ∂o/∂x = f′ (`words`, `tex`; `of` its numbers), downstream
    δ ⊙ f′ (`short` is f′ in words when `words` says more; `down` replaces the whole form)."""
    scalar = None
    if down is None:
        f = short or words
        down = (msg("rule.ew.down.same", f=f), cat(r"\delta \odot ", _factor(tex)))
        scalar = (msg("rule.ew.down.scalar.same", f=f), cat(r"\delta \cdot ", _factor(tex)))
    return Rule((msg("rule.ew.local.same", f=words), cat(r"\frac{\partial {O}}{\partial {X}} = ", tex)), down,
                of, lambda c: c.d * of(c), elementwise=True, scalar_down=scalar)


def op_text(name: str, part: str, **args: Any) -> Msg:
    """An op's own text in the catalogue: `op.<name>.<part>`, its numbers as strings."""
    return Msg(f"op.{name}.{part}", {k: v if isinstance(v, Msg) else str(v) for k, v in args.items()})


def _msg(key: str, **args: Any) -> Msg:
    return Msg(key, {k: v if isinstance(v, Msg) else str(v) for k, v in args.items()})


def _ones(c: Claim) -> Array:
    return np.ones(np.shape(c.o))


def _at_points(*points: float) -> RuleCase:
    """The case "kink" when an entry of the input sits where the function has a corner."""
    return lambda pos, ins, out, at: "kink" if np.isin(ins[0], points).any() else ""


def _ties(pos: int, ins: Sequence[Any], out: Any, at: dict) -> str:
    """"tie" when every entry of max/min's inputs ties, "some ties" when some do."""
    eq = np.asarray(ins[0]) == np.asarray(ins[1])
    return ("tie" if eq.all() else "some ties") if eq.any() else ""


def _kink(at: RuleAt, note: Msg) -> Msg | str:
    """The note on the convention applied at a kink, when an input sits on one."""
    return msg("rule.kink", note=note) if at.case == "kink" else ""


def _routes(at: RuleAt, won: str, cmp: Callable[[Any, Any], Any]) -> Rule:
    """max and min: 1 for the winning input, 0 for the other, ½ each at a tie."""
    if at.case == "tie":
        return elementwise(msg("rule.routes.tie"), r"\tfrac{1}{2}",
                           lambda c: np.full(np.shape(c.o), 0.5), short=msg("rule.routes.tie.short.same"))
    tex = r"\mathbb{1}[{X} " + ("> " if won == ">" else "< ") + "{Y}]"
    if at.case == "some ties":
        return elementwise(msg("rule.routes.some", won=won),
                           tex + r" + \tfrac{1}{2}\,\mathbb{1}[{X} = {Y}]",
                           lambda c: cmp(c.x, c.y) + 0.5 * (c.x == c.y),
                           short=msg("rule.routes.some.short.same", won=won))
    return elementwise(msg("rule.routes.won", won=won), tex, lambda c: cmp(c.x, c.y) * 1.0,
                       short=msg("rule.routes.won.short.same", won=won))



def _reduce_rules(mean: bool) -> Callable[[RuleAt], Rule]:
    def rules(at: RuleAt) -> Rule:
        shape = at.in_shapes[0]
        axis = at.attrs.get("axis")
        axis = None if axis is None or len(shape) == 1 else axis % len(shape)
        n = math.prod(shape) if axis is None else shape[axis]
        share, share_tex = (f"1/{n}", r"\frac{1}{" + str(n) + "}") if mean else ("1", "1")
        how = "mean" if mean else "sum"
        if axis is None:
            return Rule((_msg("rule.reduce.all.local", share=share, n=n),
                         r"\frac{\partial {O}}{\partial {{X}}_i} = " + share_tex),
                        (_msg(f"rule.reduce.all.down.{how}", n=n, dims=dims(shape)),
                         (share_tex + r"\," if mean else "") + r"\delta\,\mathbf{1}_{" + dims(shape).replace("×", r"\times ") + "}"),
                        lambda c: np.full(shape, 1.0 / n if mean else 1.0),
                        lambda c: np.full(shape, c.d * (1.0 / n if mean else 1.0)))
        rows, cols = shape
        k = "j" if axis == 0 else "i"
        spec = "jq,i->jiq" if axis == 0 else "ip,j->ipj"
        other = cols if axis == 0 else rows
        return Rule((_msg(f"rule.reduce.axis{axis}.local.{how}", share=share, n=n),
                     r"\frac{\partial {{O}}_" + k + r"}{\partial {{X}}_{ij}} = " + share_tex),
                    (_msg(f"rule.reduce.axis{axis}.down.{how}", n=n, dims=dims(shape)),
                     (share_tex + r"\," if mean else "") + r"\delta_" + k),
                    lambda c: _eye_blocks(other, np.full(n, 1.0 / n if mean else 1.0), spec),
                    lambda c: np.broadcast_to(np.expand_dims(c.d, axis), shape) * (1.0 / n if mean else 1.0))
    return rules


def transpose_rules(at: RuleAt) -> Rule:
    shape = at.in_shapes[0]
    if len(shape) < 2:
        return Rule((msg("rule.transpose.vector.local"),
                     r"\frac{\partial {O}}{\partial {X}} = I"),
                    (msg("rule.down.delta.same"), r"\delta"), lambda c: np.eye(shape[0]) if shape else 1.0, lambda c: c.d)
    m, n = shape
    return Rule((msg("rule.transpose.matrix.local"),
                 r"\frac{\partial {{O}}_{ji}}{\partial {{X}}_{ij}} = 1"),
                (msg("rule.transpose.matrix.down"), r"\delta^{\top}"),
                lambda c: np.einsum("ad,bc->abcd", np.eye(n), np.eye(m)), lambda c: c.d.T)


def outer_rules(at: RuleAt) -> Rule:
    n, m = at.out_shape
    if at.pos == 0:
        return Rule((msg("rule.outer.left.local"),
                     r"\frac{\partial {{O}}_{ij}}{\partial {{X}}_i} = {{Y}}_j"),
                    (msg("rule.outer.left.down"), r"\delta\, {Y}"),
                    lambda c: _eye_blocks(n, c.y, "ip,j->ijp"), lambda c: c.d @ c.y)
    return Rule((msg("rule.outer.right.local"),
                 r"\frac{\partial {{O}}_{ij}}{\partial {{X}}_j} = {{Y}}_i"),
                (msg("rule.outer.right.down"), r"\delta^{\top} {Y}"),
                lambda c: np.einsum("i,jq->ijq", c.y, np.eye(m)), lambda c: c.d.T @ c.y)


# The starts of the last concat's inputs, kept with its shapes tuple (compared by identity):
# the backward pass asks for every input of one node in turn, so the sums are made once.
_concat_starts: list = [None, []]


def _starts(in_shapes: tuple[Shape, ...]) -> list[int]:
    if _concat_starts[0] is not in_shapes:
        starts = [0]
        for s in in_shapes:
            starts.append(starts[-1] + s[0])
        _concat_starts[:] = [in_shapes, starts]
    return _concat_starts[1]


def concat_rules(at: RuleAt) -> Rule:
    start = _starts(at.in_shapes)[at.pos]
    n = at.in_shapes[at.pos][0]
    total = at.out_shape[0]
    end = start + n

    def local(c: Claim) -> Array:
        j = np.zeros((total, n))
        j[np.arange(start, end), np.arange(n)] = 1.0
        return j
    return Rule((_msg("rule.concat.local", start=start, last=end - 1),
                 r"\frac{\partial {{O}}_k}{\partial {{X}}_j} = \mathbb{1}[k = " + str(start) + " + j]"),
                (_msg("rule.concat.down", start=start, end=end, last=end - 1),
                 r"\delta_{[" + f"{start}:{end}" + "]}"),
                local, lambda c: c.d[start:end])


def _index_text(attrs: dict) -> str:
    parts = [":".join("" if v is None else str(v) for v in (k if k[2] not in (None, 1) else k[:2]))
             if isinstance(k, list) else str(k) for k in attrs["index"]]
    return ", ".join(parts)


def index_rules(at: RuleAt) -> Rule:
    key = _index_text(at.attrs)

    def local(c: Claim) -> Array:
        jac = np.zeros(tuple(at.out_shape) + tuple(at.in_shapes[0]))
        for k in np.ndindex(*at.out_shape):
            e = np.zeros(at.out_shape)
            e[k] = 1.0
            z = np.zeros(at.in_shapes[0])
            z[index_key(c.attrs)] = e
            jac[k] = z
        return jac

    def down(c: Claim) -> Array:
        z = np.zeros(np.shape(c.x))
        z[index_key(c.attrs)] = c.d
        return z
    return Rule((msg("rule.index.local", index=key),
                 r"\frac{\partial {O}}{\partial {{X}}_k} = \mathbb{1}[k \in [" + key + "]]"),
                (msg("rule.index.down", index=key), msg("rule.index.down.tex", index=key)),
                local, down)


def _row_blocks(shape: Shape, block: Callable[[Array], Array], o: Array) -> Array:
    """A row-wise op's Jacobian: one block per row (rows do not mix)."""
    if len(shape) == 1:
        return block(o)
    rows, n = shape
    jac = np.zeros((rows, n, rows, n))
    for r in range(rows):
        jac[r, :, r, :] = block(o[r])
    return jac


def _softmax_plain(x: Array) -> Array:
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _rowwise(words: Msg, at: RuleAt) -> Msg:
    """A row-wise op's words, saying so for a matrix of rows."""
    return msg("rule.rowwise", rule=words) if len(at.out_shape) == 2 else words


def softmax_rules(at: RuleAt) -> Rule:
    return Rule((_rowwise(msg("rule.softmax.local.same"), at),
                 r"\frac{\partial {{O}}_i}{\partial {{X}}_j} = {{O}}_i(\mathbb{1}[i=j] - {{O}}_j)"),
                (_rowwise(msg("rule.softmax.down.same"), at),
                 r"{O} \odot \bigl(\delta - \textstyle\sum_j \delta_j {{O}}_j\bigr)"),
                lambda c: _row_blocks(at.out_shape, lambda p: np.diag(p) - np.outer(p, p), c.o),
                lambda c: c.o * (c.d - np.sum(c.d * c.o, axis=-1, keepdims=True)))


def log_softmax_rules(at: RuleAt) -> Rule:
    return Rule((_rowwise(msg("rule.log_softmax.local.same"), at),
                 r"\frac{\partial {{O}}_i}{\partial {{X}}_j} = \mathbb{1}[i=j] - \mathrm{softmax}({X})_j"),
                (_rowwise(msg("rule.log_softmax.down.same"), at),
                 r"\delta - \mathrm{softmax}({X}) \textstyle\sum_i \delta_i"),
                lambda c: _row_blocks(at.out_shape, lambda o: np.eye(len(o)) - np.exp(o)[None, :], c.o),
                lambda c: c.d - _softmax_plain(c.x) * np.sum(c.d, axis=-1, keepdims=True))


def cross_entropy_rules(at: RuleAt) -> Rule:
    target = at.attrs["target"]
    if len(at.in_shapes[0]) == 1:
        words = _msg("rule.cross_entropy.vector.local", target=target)
        scale, scale_tex, rows = "", "", 1
    else:
        rows = at.in_shapes[0][0]
        words = _msg("rule.cross_entropy.batch.local", rows=rows, target=target)
        scale, scale_tex = f"/{rows}", r"\frac{1}{" + str(rows) + "}"

    def local(c: Claim) -> Array:
        return (_softmax_plain(c.x) - _onehot(target, np.shape(c.x))) / rows
    return Rule((words, r"\frac{\partial {O}}{\partial {X}} = " + scale_tex + r"(\hat{y} - y)"),
                (msg("rule.cross_entropy.down.same", scale=scale), r"\delta\, " + scale_tex + r"(\hat{y} - y)"),

                local, lambda c: c.d * local(c))


def _erf_plain(x: Array) -> Array:
    return np.vectorize(math.erf, otypes=[np.float64])(x)


# ---------------------------------------------------------------- the table
def unary(name: str, symbol: str, forward: Callable[[Array], Array],
          dlocal: Callable[[Array, Array], Array], rule: Rule | Callable[[RuleAt], Rule],
          intuition: Msg | None = None, *, scalar: ScalarOp | None, **more: Any) -> Op:

    """An elementwise function called by its name: the VJP is upstream × f'(x), given as
    dlocal(x, out)."""
    return Op(name, symbol, 1, same_shape, lambda ins, at: forward(ins[0]),
              lambda i, g, out, ins, at: g * dlocal(ins[0], out), rule if callable(rule) else (rule,), intuition,
              scalar=scalar, calls=more.pop("calls", (name,)), **more)


def _axis_label(symbol: str) -> Callable[[dict], str]:
    return lambda at: symbol if at["axis"] is None else f"{symbol}(axis={at['axis']})"


AXIS = Param("axis", None, read="axis")

ONE, MINUS_ONE = msg("rule.one.same"), msg("rule.minus_one.same")
DELTA, MINUS_DELTA = (msg("rule.down.delta.same"), r"\delta"), (msg("rule.down.neg.same"), r"-\delta")
_INF = math.inf
_TANH_EDGE = math.atanh(SATURATION)                          # |x| > 2.09: |tanh x| > 0.97
_SIGMOID_EDGE = math.log(SATURATION / (1.0 - SATURATION))    # |x| > 3.48: σ(x) outside [0.03, 0.97]


def _cases(pos: str, neg: str) -> str:
    return r"\begin{cases} " + pos + r" & x > 0 \\ " + neg + r" & x \le 0 \end{cases}"


# The nonlinearities as the tips lab shows them (the `activation` of their entries below).
_TANH = Activation(r"\tanh x = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}", r"1 - \tanh^2 x",
                   saturated=Band(f"|tanh| > {SATURATION:g}", lambda y: np.abs(y) > SATURATION,
                                  ((-_INF, -_TANH_EDGE), (_TANH_EDGE, _INF))))
_SIGMOID = Activation(r"\sigma(x) = \frac{1}{1 + e^{-x}}", r"\sigma(x)\,\bigl(1 - \sigma(x)\bigr)",
                      saturated=Band(f"σ < {1 - SATURATION:.2g} or σ > {SATURATION:g}",
                                     lambda y: (y < 1.0 - SATURATION) | (y > SATURATION),
                                     ((-_INF, -_SIGMOID_EDGE), (_SIGMOID_EDGE, _INF))))
_HARDTANH = Activation(r"\operatorname{hardtanh}(x) = \max\bigl(-1, \min(1, x)\bigr)", r"\mathbb{1}[-1 < x < 1]",
                       saturated=Band("|hardtanh| = 1", lambda y: np.abs(y) >= 1.0,
                                      ((-_INF, -1.0), (1.0, _INF))))
_RELU = Activation(r"\operatorname{relu}(x) = \max(0, x)", _cases("1", "0"),
                   dead=Band("relu = 0", lambda y: y == 0.0, ((-_INF, 0.0),)))
_LEAKY_RELU = Activation(_cases("x", r"a\,x") + r"\quad (a\text{: the slope})", _cases("1", "a"))
_SOFTPLUS = Activation(r"\operatorname{softplus}(x) = \log(1 + e^{x})", r"\sigma(x) = \frac{1}{1 + e^{-x}}")
_ELU = Activation(_cases("x", r"\alpha\,(e^{x} - 1)"), _cases("1", r"\alpha\,e^{x}"))
_GELU = Activation(r"\operatorname{gelu}(x) = x\,\Phi(x)", r"\Phi(x) + x\,\varphi(x)")
_SILU = Activation(r"\operatorname{silu}(x) = x\,\sigma(x)", r"\sigma(x)\,\bigl(1 + x\,(1 - \sigma(x))\bigr)")


OPS: dict[str, Op] = {op.name: op for op in [
    Op("add", "+", 2, broadcast, lambda v, at: v[0] + v[1],
       lambda i, g, out, v, at: g,
       (elementwise(ONE, "1", _ones, down=DELTA),), op_text("add", "intuition"),
       scalar=_plain(operator.add, lambda i, v, o, at: 1.0)),
    Op("sub", "−", 2, broadcast, lambda v, at: v[0] - v[1],
       lambda i, g, out, v, at: g if i == 0 else -g,
       (elementwise(ONE, "1", _ones, down=DELTA),
        elementwise(MINUS_ONE, "-1", lambda c: -_ones(c), down=MINUS_DELTA)),
       op_text("sub", "intuition"),
       scalar=_plain(operator.sub, lambda i, v, o, at: 1.0 if i == 0 else -1.0)),
    Op("mul", "×", 2, broadcast, lambda v, at: v[0] * v[1],
       lambda i, g, out, v, at: g * v[1 - i],
       (elementwise(op_text("mul", "local.same"), "{Y}", lambda c: c.y),), op_text("mul", "intuition"),
       scalar=_plain(operator.mul, lambda i, v, o, at: v[1 - i])),
    Op("div", "÷", 2, broadcast, lambda v, at: v[0] / v[1],
       lambda i, g, out, v, at: g / v[1] if i == 0 else -g * out / v[1],
       (elementwise(op_text("div", "local0.same"), r"\frac{1}{{Y}}", lambda c: 1.0 / c.y),
        elementwise(op_text("div", "local1.same"), r"-\frac{{Y}}{{{X}}^2}", lambda c: -c.y / c.x ** 2)),
       scalar=_plain(operator.truediv, lambda i, v, o, at: 1.0 / v[1] if i == 0 else -o / v[1])),
    Op("pow", "^", 2, broadcast, lambda v, at: v[0] ** v[1],
       lambda i, g, out, v, at: g * v[1] * v[0] ** (v[1] - 1) if i == 0
       else g * out * np.log(np.where(v[0] == 0, 1.0, v[0])),   # d(0^y)/dy = 0 for y > 0 (PyTorch's)
       (elementwise(op_text("pow", "local0.same"), r"{Y}\,{{X}}^{{Y}-1}", lambda c: c.y * c.x ** (c.y - 1)),
        elementwise(op_text("pow", "local1"), r"{{Y}}^{X}\ln {Y}",
                    lambda c: c.o * np.log(np.where(c.y == 0, 1.0, c.y)), short=op_text("pow", "short1.same"))),
       scalar=_plain(_pow, lambda i, v, o, at: v[1] * _pow(v[0], v[1] - 1) if i == 0
                     else o * _log(1.0 if v[0] == 0 else v[0]))),
    Op("neg", "−", 1, same_shape, lambda v, at: -v[0], lambda i, g, out, v, at: -g,
       (elementwise(MINUS_ONE, "-1", lambda c: -_ones(c), down=MINUS_DELTA),),
       scalar=_plain(operator.neg, lambda i, v, o, at: -1.0)),
    Op("matmul", "@", 2, matmul_shape, lambda v, at: v[0] @ v[1], matmul_vjp, matmul_rules,
       op_text("matmul", "intuition"),
       scalar=None, calls=("dot", "matmul"), check=_dot_takes_vectors),
    Op("transpose", "ᵀ", 1, transpose_shape, lambda v, at: v[0].T, lambda i, g, out, v, at: g.T,
       transpose_rules,
       scalar=None),
    unary("exp", "exp", np.exp, lambda x, out: out,
          elementwise(op_text("exp", "local.same"), "e^{{X}} = {O}", lambda c: np.exp(c.x),
                      short=op_text("exp", "short.same")),
          scalar=_plain(_exp, lambda i, v, o, at: o)),
    unary("log", "log", np.log, lambda x, out: 1.0 / x,
          elementwise(op_text("log", "local.same"), r"\frac{1}{{X}}", lambda c: 1.0 / c.x),
          scalar=_plain(_log, lambda i, v, o, at: 1.0 / v[0])),
    unary("sqrt", "√", np.sqrt, lambda x, out: 0.5 / out,
          elementwise(op_text("sqrt", "local.same"), r"\frac{1}{2\sqrt{{X}}}", lambda c: 1.0 / (2.0 * np.sqrt(c.x))),
          scalar=_plain(math.sqrt, lambda i, v, o, at: 0.5 / o)),
    unary("abs", "abs", np.abs, lambda x, out: np.sign(x),
          lambda at: elementwise(cat(op_text("abs", "local"), _kink(at, op_text("abs", "kink"))),
                                 r"\operatorname{sign}({X})", lambda c: np.sign(c.x), short=op_text("abs", "short.same")),
          op_text("abs", "intuition"),
          case=_at_points(0.0),
          scalar=_plain(abs, lambda i, v, o, at: (v[0] > 0) - (v[0] < 0) + 0.0)),
    unary("sin", "sin", np.sin, lambda x, out: np.cos(x),
          elementwise(op_text("sin", "local.same"), r"\cos {X}", lambda c: np.cos(c.x)),
          scalar=_plain(_sin, lambda i, v, o, at: _cos(v[0]))),
    unary("cos", "cos", np.cos, lambda x, out: -np.sin(x),
          elementwise(op_text("cos", "local.same"), r"-\sin {X}", lambda c: -np.sin(c.x)),
          scalar=_plain(_cos, lambda i, v, o, at: -_sin(v[0]))),
    unary("tanh", "tanh", np.tanh, lambda x, out: 1.0 - out * out,
          elementwise(op_text("tanh", "local.same"), "1 - {{O}}^2", lambda c: 1.0 - np.tanh(c.x) ** 2,
                      short=op_text("tanh", "short.same")),
          scalar=_plain(_tanh, lambda i, v, o, at: 1.0 - o * o), activation=_TANH),
    unary("sigmoid", "σ", _sigmoid, lambda x, out: out * (1.0 - out),
          elementwise(op_text("sigmoid", "local.same"), r"\sigma({X})\,(1-\sigma({X}))",
                      lambda c: c.o * (1.0 - c.o), short=op_text("sigmoid", "short.same")),
          scalar=_plain(_sigmoid_scalar, lambda i, v, o, at: o * (1.0 - o)), activation=_SIGMOID),
    unary("relu", "relu", lambda x: np.maximum(x, 0.0), lambda x, out: (x > 0).astype(float),
          lambda at: elementwise(cat(op_text("relu", "local"), _kink(at, op_text("relu", "kink.same"))),
                                 r"\mathbb{1}[{X} > 0]",
                                 lambda c: (c.x > 0) * 1.0, short=op_text("relu", "short.same")),
          op_text("relu", "intuition"),
          case=_at_points(0.0),
          scalar=_plain(lambda x: x if x > 0.0 else 0.0, lambda i, v, o, at: 1.0 if v[0] > 0 else 0.0),
          activation=_RELU),
    Op("leaky_relu", "leaky_relu", 1, same_shape,
       lambda v, at: np.where(v[0] > 0, v[0], at["slope"] * v[0]),
       lambda i, g, out, v, at: g * np.where(v[0] > 0, 1.0, at["slope"]),
       lambda at: elementwise(
           cat(op_text("leaky_relu", "local", slope=f"{at.attrs['slope']:.4g}"),
               _kink(at, op_text("leaky_relu", "kink"))),
           op_text("leaky_relu", "tex", slope=f"{at.attrs['slope']:.4g}"),
           lambda c: np.where(c.x > 0, 1.0, c.attrs["slope"]),
           short=op_text("leaky_relu", "short", slope=f"{at.attrs['slope']:.4g}")),
       op_text("leaky_relu", "intuition"),
       case=_at_points(0.0),
       scalar=ScalarOp(lambda v, at: v[0] if v[0] > 0 else at["slope"] * v[0],
                       lambda i, v, o, at: 1.0 if v[0] > 0 else float(at["slope"])),
       calls=("leaky_relu",), params=(Param("slope", 0.01, positional=True),),
       label=lambda at: f"leaky_relu({at['slope']:.4g})", activation=_LEAKY_RELU),
    unary("hardtanh", "hardtanh", lambda x: np.clip(x, -1.0, 1.0),
          lambda x, out: ((x > -1) & (x < 1)).astype(float),
          lambda at: elementwise(cat(op_text("hardtanh", "local"), _kink(at, op_text("hardtanh", "kink.same"))),
                                 r"\mathbb{1}[-1 < {X} < 1]", lambda c: ((c.x > -1) & (c.x < 1)) * 1.0,
                                 short=op_text("hardtanh", "short.same")),
          op_text("hardtanh", "intuition"),
          case=_at_points(-1.0, 1.0),
          scalar=_plain(lambda x: min(max(x, -1.0), 1.0), lambda i, v, o, at: 1.0 if -1 < v[0] < 1 else 0.0),
          activation=_HARDTANH),
    unary("softplus", "softplus", lambda x: np.logaddexp(0.0, x), lambda x, out: _sigmoid(x),
          elementwise(op_text("softplus", "local"), r"\sigma({X}) = \frac{1}{1 + e^{-{X}}}",
                      lambda c: 1.0 / (1.0 + np.exp(-c.x)), short=op_text("softplus", "short.same")),
          op_text("softplus", "intuition"),
          scalar=_plain(_softplus, lambda i, v, o, at: _sigmoid_scalar(v[0])), activation=_SOFTPLUS),
    Op("elu", "elu", 1, same_shape, lambda v, at: _elu(v[0], at["alpha"]),
       lambda i, g, out, v, at: g * _elu_slope(v[0], at["alpha"]),
       lambda at: elementwise(
           cat(op_text("elu", "local", alpha=f"{at.attrs['alpha']:.4g}"), _kink(at, op_text("elu", "kink.same"))),
           op_text("elu", "tex", alpha=f"{at.attrs['alpha']:.4g}"),
           lambda c: np.where(c.x > 0, 1.0, c.attrs["alpha"] * np.exp(np.minimum(c.x, 0.0))),
           short=op_text("elu", "short")),
       op_text("elu", "intuition"),
       case=_at_points(0.0),
       scalar=ScalarOp(lambda v, at: v[0] if v[0] > 0 else at["alpha"] * _expm1(v[0]),
                       lambda i, v, o, at: 1.0 if v[0] > 0 else at["alpha"] * _exp(v[0])),
       calls=("elu",), params=(Param("alpha", 1.0, positional=True),),
       label=lambda at: "elu" if at["alpha"] == 1.0 else f"elu({at['alpha']:.4g})", activation=_ELU),
    unary("gelu", "gelu", _gelu, lambda x, out: _gelu_slope(x),
          elementwise(op_text("gelu", "local"),
                      r"\Phi({X}) + {X}\,\varphi({X})",
                      lambda c: 0.5 * (1.0 + _erf_plain(c.x / math.sqrt(2.0)))
                      + c.x * np.exp(-0.5 * np.minimum(c.x * c.x, 1e4)) / math.sqrt(2.0 * math.pi),
                      short=op_text("gelu", "short.same")),
          op_text("gelu", "intuition"),
          scalar=_plain(_gelu_scalar, lambda i, v, o, at: _gelu_slope_scalar(v[0])), activation=_GELU),
    unary("silu", "silu", lambda x: x * _sigmoid(x), lambda x, out: _silu_slope(x),
          elementwise(op_text("silu", "local"),
                      r"\sigma({X})\bigl(1 + {X}\,(1-\sigma({X}))\bigr)",
                      lambda c: (1.0 / (1.0 + np.exp(-c.x))) * (1.0 + c.x * (1.0 - 1.0 / (1.0 + np.exp(-c.x)))),
                      short=op_text("silu", "short.same")),
          op_text("silu", "intuition"),
          scalar=_plain(lambda x: x * _sigmoid_scalar(x), lambda i, v, o, at: _silu_slope_scalar(v[0])),
          activation=_SILU),
    Op("maximum", "max", 2, broadcast, lambda v, at: np.maximum(v[0], v[1]),
       lambda i, g, out, v, at: g * _tie_mask(v[0], v[1], v[i] > v[1 - i]),
       lambda at: _routes(at, ">", np.greater), op_text("maximum", "intuition"),
       # numpy's maximum and minimum give the second input on a tie (so max(0.0, -0.0) is -0.0)
       scalar=_plain(lambda a, b: a if a > b else b, lambda i, v, o, at: _tie(v[0], v[1], v[i] > v[1 - i])),
       calls=("max",), case=_ties),
    Op("minimum", "min", 2, broadcast, lambda v, at: np.minimum(v[0], v[1]),
       lambda i, g, out, v, at: g * _tie_mask(v[0], v[1], v[i] < v[1 - i]),
       lambda at: _routes(at, "<", np.less), op_text("minimum", "intuition"),
       scalar=_plain(lambda a, b: a if a < b else b, lambda i, v, o, at: _tie(v[0], v[1], v[i] < v[1 - i])),
       calls=("min",), case=_ties),
    Op("sum", "Σ", 1, reduce_shape, lambda v, at: np.sum(v[0], axis=at["axis"]),
       lambda i, g, out, v, at: _reduce_vjp(g, v[0].shape, at["axis"]),
       _reduce_rules(mean=False),
       op_text("sum", "intuition"),
       scalar=None, calls=("sum",), params=(AXIS,), label=_axis_label("Σ")),
    Op("mean", "mean", 1, reduce_shape, lambda v, at: np.mean(v[0], axis=at["axis"]),
       lambda i, g, out, v, at: _reduce_vjp(g, v[0].shape, at["axis"]) / _count(v[0].shape, at["axis"]),
       _reduce_rules(mean=True),
       op_text("mean", "intuition"),
       scalar=None, calls=("mean",), params=(AXIS,), label=_axis_label("mean")),
    Op("outer", "⊗", 2, outer_shape, lambda v, at: np.outer(v[0], v[1]),
       lambda i, g, out, v, at: g @ v[1] if i == 0 else g.T @ v[0],
       outer_rules,
       scalar=None, calls=("outer",)),
    Op("concat", "concat", -1, concat_shape, lambda v, at: np.concatenate(v), _concat_vjp,
       concat_rules,
       op_text("concat", "intuition"),
       scalar=None, calls=("concat",), vjps=_concat_vjps),
    Op("index", "[ ]", 1, index_shape, lambda v, at: v[0][index_key(at)], _index_vjp,
       index_rules,
       op_text("index", "intuition"),
       scalar=None),
    Op("softmax", "softmax", 1, softmax_shape, lambda v, at: _softmax(v[0]),
       lambda i, g, out, v, at: out * (g - np.sum(g * out, axis=-1, keepdims=True)),
       softmax_rules,
       scalar=None, calls=("softmax",)),
    Op("log_softmax", "log_softmax", 1, softmax_shape, lambda v, at: v[0] - _logsumexp(v[0]),
       lambda i, g, out, v, at: g - np.exp(out) * np.sum(g, axis=-1, keepdims=True),
       log_softmax_rules,
       scalar=None, calls=("log_softmax",)),
    Op("cross_entropy", "CE", 1, cross_entropy_shape,
       lambda v, at: -np.mean(np.sum(_onehot(at["target"], v[0].shape) * (v[0] - _logsumexp(v[0])), axis=-1)),
       lambda i, g, out, v, at: g * (_softmax(v[0]) - _onehot(at["target"], v[0].shape))
       / (1 if v[0].ndim == 1 else v[0].shape[0]),
       cross_entropy_rules,
       op_text("cross_entropy", "intuition"),
       scalar=None, calls=("cross_entropy",),
       params=(Param("target", read="target", positional=True,
                     missing=msg("error.call.ce_target")),),
       label="cross_entropy"),
]}

# The scalar interpretation: the ops that have a twin on plain Python floats. A result
# that is not a finite float, or a Python arithmetic error, sends the node back to the
# numpy interpretation, which reports the numeric trouble.
SCALAR: dict[str, ScalarOp] = {name: op.scalar for name, op in OPS.items() if op.scalar is not None}



def _function_names(ops: dict[str, Op]) -> dict[str, str]:
    """Function name in a program -> the op it calls; no name may call two ops."""
    names: dict[str, str] = {}
    for op in ops.values():
        for fname in op.calls:
            if fname in names:
                raise ValueError(f"ops {names[fname]} and {op.name} are both called {fname}")
            names[fname] = op.name
    return names


FUNCTIONS: dict[str, str] = _function_names(OPS)


# ---------------------------------------------------------------- leaves
def _dims_shape(args: list[int]) -> Shape:
    return tuple(args)


# spread(shape, attrs) -> (the variance the entries are drawn with, the bound of a uniform
# draw or None)
Spread = Callable[[Shape, dict], "tuple[float, float | None]"]


@dataclass(frozen=True)
class Init:
    """A constructor that makes a leaf: zeros, ones, randn, xavier, kaiming."""
    name: str
    params: dict[str, Any]
    make: Callable[[Shape, dict], Array]
    spread: Spread
    shape: Callable[[list[int]], Shape] = _dims_shape
    arity: tuple[int, int] = (1, 2)


def _fans(shape: Shape) -> tuple[int, int]:
    """(n_out, n_in) of a weight matrix: it maps n_in inputs to n_out outputs (W @ x)."""
    return (shape[0], shape[1]) if len(shape) == 2 else (shape[0], 1)


def _xavier_bound(shape: Shape) -> float:
    n_out, n_in = _fans(shape)
    return math.sqrt(6.0 / (n_in + n_out))            # Var(U(-b, b)) = b²/3 = 2/(n_in+n_out)


def _xavier(shape: Shape, at: dict) -> Array:
    bound = _xavier_bound(shape)
    return np.random.default_rng(at["seed"]).uniform(-bound, bound, size=shape)


def _kaiming(shape: Shape, at: dict) -> Array:
    n_in = _fans(shape)[1]                            # He: normal with Var = 2/n_in, for relu layers
    return math.sqrt(2.0 / n_in) * np.random.default_rng(at["seed"]).standard_normal(shape)


INITS: dict[str, Init] = {i.name: i for i in [
    Init("zeros", {}, lambda s, at: np.zeros(s), lambda s, at: (0.0, None)),
    Init("ones", {}, lambda s, at: np.ones(s), lambda s, at: (0.0, None)),
    Init("randn", {"seed": None, "scale": 1.0},
         lambda s, at: at["scale"] * np.random.default_rng(at["seed"]).standard_normal(s),
         lambda s, at: (at["scale"] ** 2, None)),
    Init("xavier", {"seed": None}, _xavier, lambda s, at: (2.0 / sum(_fans(s)), _xavier_bound(s)), arity=(2, 2)),
    Init("kaiming", {"seed": None}, _kaiming, lambda s, at: (2.0 / _fans(s)[1], None), arity=(2, 2)),
]}
