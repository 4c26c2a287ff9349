"""The op table: every primitive declared once.

An entry says how to compute the op (numpy forward), its output shape (checked before
anything is allocated), one vector-Jacobian product per input, and how to show it: the
symbol on the graph, the local-derivative rule in words and LaTeX per input, and the
gate's intuition. It also says how a program calls it: the function names, the parameters
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
from typing import Any, Callable, Sequence

import numpy as np

from .errors import ShapeError
from .shapes import dims, fmt_shape

Shape = tuple[int, ...]
Array = np.ndarray
# vjp(i, g, out, ins, attrs) -> gradient for input i (output/broadcast shape allowed)
Vjp = Callable[[int, Array, Array, Sequence[Array], dict], Array]
# Every input's VJP from one call: (g, out, ins, attrs) -> one array per input.
Vjps = Callable[[Array, Array, Sequence[Array], dict], Sequence[Array]]
# A rule is (words, LaTeX) with placeholders: {o} output, {x} this edge's input,
# {y} the other input, {d} the upstream gradient; upper case for the LaTeX forms.
Rule = tuple[str, str]
# check(function name, input shapes) -> what is wrong with the call, or None
CallCheck = Callable[[str, Sequence[Shape]], "str | None"]

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
    missing: str = ""                 # the message when a required parameter is not given


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
class Op:
    """One primitive: how to compute it, differentiate it, show it and call it."""
    name: str
    symbol: str
    arity: int                                   # tensor inputs; -1: any number (at least one)
    shape: Callable[[Sequence[Shape], dict], Shape]
    forward: Callable[[Sequence[Array], dict], Array]
    vjp: Vjp
    rules: Callable[[int, Sequence[Shape], Shape], Rule] | Sequence[Rule]
    intuition: str | None = None
    _: KW_ONLY
    scalar: ScalarOp | None                      # the scalar twin; None: numpy only
    calls: tuple[str, ...] = ()                  # function names a program calls it by
    params: tuple[Param, ...] = ()
    label: str | Callable[[dict], str] | None = None   # the node's label; None: the symbol
    check: CallCheck | None = None               # a rule of its own on a call's input shapes
    vjps: Vjps | None = None                     # every input's VJP at once, when they share work

    def rule(self, i: int, in_shapes: Sequence[Shape], out_shape: Shape) -> Rule:
        if callable(self.rules):
            return self.rules(i, in_shapes, out_shape)
        return self.rules[min(i, len(self.rules) - 1)]

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
        raise ShapeError(
            "shape mismatch: " + " and ".join(fmt_shape(s) for s in shapes) + " do not broadcast"
        ) from None


def matmul_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    a, b = shapes
    if not a or not b:
        raise ShapeError(f"@ needs vectors or matrices, got {fmt_shape(a)} @ {fmt_shape(b)}; use * for scalars")
    inner_a = a[-1]
    inner_b = b[0]
    if inner_a != inner_b:
        raise ShapeError(
            f"shape mismatch: {fmt_shape(a)} @ {fmt_shape(b)}: inner dimensions {inner_a} and {inner_b} differ"
        )
    return tuple(a[:-1]) + tuple(b[1:])


def transpose_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    return tuple(reversed(shapes[0]))


def reduce_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    axis = attrs.get("axis")
    s = shapes[0]
    if axis is None:
        return ()
    if not -len(s) <= axis < len(s):
        raise ShapeError(f"axis {axis} is out of range for shape {fmt_shape(s)}")
    axis %= len(s)
    return tuple(n for k, n in enumerate(s) if k != axis)


def outer_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    a, b = shapes
    if len(a) != 1 or len(b) != 1:
        raise ShapeError(f"outer needs two vectors, got {fmt_shape(a)} and {fmt_shape(b)}")
    return (a[0], b[0])


def concat_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    for s in shapes:
        if len(s) != 1:
            raise ShapeError(f"concat joins vectors, got {fmt_shape(s)}")
    return (sum(s[0] for s in shapes),)


def index_key(attrs: dict) -> tuple:
    """The numpy index from its JSON form: an int, or [start, stop, step] for a slice."""
    return tuple(slice(*k) if isinstance(k, list) else k for k in attrs["index"])


def index_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    s = shapes[0]
    if not s:
        raise ShapeError("a scalar cannot be indexed")
    key = index_key(attrs)
    if len(key) > len(s):
        raise ShapeError(f"too many indices ({len(key)}) for shape {fmt_shape(s)}")
    for k, n in zip(key, s):
        if isinstance(k, int) and not -n <= k < n:
            raise ShapeError(f"index {k} is out of range for shape {fmt_shape(s)}")
    # A broadcast view of one number has the shape without allocating anything.
    out = np.broadcast_to(np.zeros(()), s)[key].shape
    if 0 in out:
        raise ShapeError(f"the slice is empty: it selects nothing from a tensor of shape {fmt_shape(s)}")
    return out


def softmax_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    s = shapes[0]
    if not s:
        raise ShapeError("softmax needs a vector (or a matrix of rows), got a scalar")
    return s


def cross_entropy_shape(shapes: Sequence[Shape], attrs: dict) -> Shape:
    s = shapes[0]
    target = attrs["target"]
    if len(s) == 1:
        if not isinstance(target, int):
            raise ShapeError("cross_entropy of a vector of logits needs one target index")
        if not 0 <= target < s[0]:
            raise ShapeError(f"target index {target} is out of range for {s[0]} classes")
        return ()
    if len(s) == 2:
        if not isinstance(target, list) or len(target) != s[0]:
            raise ShapeError(f"cross_entropy of a {dims(s)} batch needs a list of {s[0]} target indices")
        for t in target:
            if not 0 <= t < s[1]:
                raise ShapeError(f"target index {t} is out of range for {s[1]} classes")
        return ()
    raise ShapeError("cross_entropy needs a vector of logits (or a matrix, one row per example)")


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


def matmul_rules(i: int, shapes: Sequence[Shape], out: Shape) -> Rule:
    a, b = shapes
    if len(a) == 2 and len(b) == 1:
        if i == 0:
            return (f"∂{{o}}/∂{{x}} = δ {{y}}ᵀ: an outer product, {a[0]}×1 times 1×{a[1]} = {a[0]}×{a[1]}, "
                    f"so each weight {{x}}ᵢⱼ gets δᵢ·{{y}}ⱼ",
                    r"\frac{\partial {O}}{\partial {X}} = \delta\, {Y}^{\top}\quad(\delta \otimes {Y},\ "
                    + f"{a[0]}\\times 1 \\cdot 1\\times {a[1]})")
        return ("∂{o}/∂{x} = {y}ᵀ δ: the weights carry the error back to the inputs",
                r"\frac{\partial {O}}{\partial {X}} = {Y}^{\top} \delta")
    if len(a) == 1 and len(b) == 1:
        return ("∂{o}/∂{x} = {y}: a dot product switches, like ×",
                r"\frac{\partial {O}}{\partial {X}} = {Y}")
    if len(a) == 1 and len(b) == 2:
        if i == 0:
            return ("∂{o}/∂{x} = {y} δ", r"\frac{\partial {O}}{\partial {X}} = {Y}\, \delta")
        return (f"∂{{o}}/∂{{x}} = {{y}} ⊗ δ: an outer product of shape {b[0]}×{b[1]}",
                r"\frac{\partial {O}}{\partial {X}} = {Y}^{\top} \delta^{\top}")
    if i == 0:
        return (f"∂{{o}}/∂{{x}} = δ {{y}}ᵀ, shape {a[0]}×{a[1]}",
                r"\frac{\partial {O}}{\partial {X}} = \delta\, {Y}^{\top}")
    return (f"∂{{o}}/∂{{x}} = {{y}}ᵀ δ, shape {b[0]}×{b[1]}",
            r"\frac{\partial {O}}{\partial {X}} = {Y}^{\top} \delta")


def _dot_takes_vectors(fname: str, shapes: Sequence[Shape]) -> str | None:
    """dot(a, b) is the vector form of matmul; matmul(a, b) and @ take matrices too."""
    if fname == "dot" and any(len(s) != 1 for s in shapes):
        return ("dot(a, b) takes two vectors, got " + " and ".join(fmt_shape(s) for s in shapes)
                + "; use @ for matrices")
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


# ---------------------------------------------------------------- the table
def unary(name: str, symbol: str, forward: Callable[[Array], Array],
          dlocal: Callable[[Array, Array], Array], rule: Rule,
          intuition: str | None = None, *, scalar: ScalarOp | None, **more: Any) -> Op:
    """An elementwise function called by its name: the VJP is upstream × f'(x), given as
    dlocal(x, out)."""
    return Op(name, symbol, 1, same_shape, lambda ins, at: forward(ins[0]),
              lambda i, g, out, ins, at: g * dlocal(ins[0], out), (rule,), intuition,
              scalar=scalar, calls=more.pop("calls", (name,)), **more)


def _axis_label(symbol: str) -> Callable[[dict], str]:
    return lambda at: symbol if at["axis"] is None else f"{symbol}(axis={at['axis']})"


AXIS = Param("axis", None, read="axis")

DISTRIBUTES = "+ distributes: every input receives the upstream gradient unchanged."
SWITCHES = "× switches: each input receives the upstream gradient times the other input's value."
ROUTES = "max routes: the whole upstream gradient goes to the input that won; the other gets 0 (a tie splits it evenly)."
ROUTES_MIN = "min routes: the whole upstream gradient goes to the smaller input; the other gets 0 (a tie splits it evenly)."
GATES = "relu gates: the upstream gradient passes where the input was positive and is blocked elsewhere."

OPS: dict[str, Op] = {op.name: op for op in [
    Op("add", "+", 2, broadcast, lambda v, at: v[0] + v[1],
       lambda i, g, out, v, at: g,
       (("∂{o}/∂{x} = 1", r"\frac{\partial {O}}{\partial {X}} = 1"),), DISTRIBUTES,
       scalar=_plain(operator.add, lambda i, v, o, at: 1.0)),
    Op("sub", "−", 2, broadcast, lambda v, at: v[0] - v[1],
       lambda i, g, out, v, at: g if i == 0 else -g,
       (("∂{o}/∂{x} = 1", r"\frac{\partial {O}}{\partial {X}} = 1"),
        ("∂{o}/∂{x} = −1", r"\frac{\partial {O}}{\partial {X}} = -1")),
       "− distributes like +, flipping the sign for the input that is subtracted.",
       scalar=_plain(operator.sub, lambda i, v, o, at: 1.0 if i == 0 else -1.0)),
    Op("mul", "×", 2, broadcast, lambda v, at: v[0] * v[1],
       lambda i, g, out, v, at: g * v[1 - i],
       (("∂{o}/∂{x} = {y}", r"\frac{\partial {O}}{\partial {X}} = {Y}"),), SWITCHES,
       scalar=_plain(operator.mul, lambda i, v, o, at: v[1 - i])),
    Op("div", "÷", 2, broadcast, lambda v, at: v[0] / v[1],
       lambda i, g, out, v, at: g / v[1] if i == 0 else -g * out / v[1],
       (("∂{o}/∂{x} = 1/{y}", r"\frac{\partial {O}}{\partial {X}} = \frac{1}{{Y}}"),
        ("∂{o}/∂{x} = −{y}/{x}²", r"\frac{\partial {O}}{\partial {X}} = -\frac{{Y}}{{X}^2}")),
       scalar=_plain(operator.truediv, lambda i, v, o, at: 1.0 / v[1] if i == 0 else -o / v[1])),
    Op("pow", "^", 2, broadcast, lambda v, at: v[0] ** v[1],
       lambda i, g, out, v, at: g * v[1] * v[0] ** (v[1] - 1) if i == 0
       else g * out * np.log(np.where(v[0] == 0, 1.0, v[0])),   # d(0^y)/dy = 0 for y > 0 (PyTorch's)
       (("∂{o}/∂{x} = {y}·{x}^({y}−1)", r"\frac{\partial {O}}{\partial {X}} = {Y}\,{X}^{{Y}-1}"),
        ("∂{o}/∂{x} = {y}^{x}·ln {y}", r"\frac{\partial {O}}{\partial {X}} = {Y}^{X}\ln {Y}")),
       scalar=_plain(_pow, lambda i, v, o, at: v[1] * _pow(v[0], v[1] - 1) if i == 0
                     else o * _log(1.0 if v[0] == 0 else v[0]))),
    Op("neg", "−", 1, same_shape, lambda v, at: -v[0], lambda i, g, out, v, at: -g,
       (("∂{o}/∂{x} = −1", r"\frac{\partial {O}}{\partial {X}} = -1"),),
       scalar=_plain(operator.neg, lambda i, v, o, at: -1.0)),
    Op("matmul", "@", 2, matmul_shape, lambda v, at: v[0] @ v[1], matmul_vjp, matmul_rules,
       "@ switches like ×, a matrix at a time: each input's gradient is the upstream gradient times the other input.",
       scalar=None, calls=("dot", "matmul"), check=_dot_takes_vectors),
    Op("transpose", "ᵀ", 1, transpose_shape, lambda v, at: v[0].T, lambda i, g, out, v, at: g.T,
       (("∂{o}/∂{x}: the upstream gradient, transposed back", r"\bar{{X}} = \delta^{\top}"),),
       scalar=None),
    unary("exp", "exp", np.exp, lambda x, out: out,
          ("∂{o}/∂{x} = exp({x}) = {o}", r"\frac{\partial {O}}{\partial {X}} = e^{{X}} = {O}"),
          scalar=_plain(_exp, lambda i, v, o, at: o)),
    unary("log", "log", np.log, lambda x, out: 1.0 / x,
          ("∂{o}/∂{x} = 1/{x}", r"\frac{\partial {O}}{\partial {X}} = \frac{1}{{X}}"),
          scalar=_plain(_log, lambda i, v, o, at: 1.0 / v[0])),
    unary("sqrt", "√", np.sqrt, lambda x, out: 0.5 / out,
          ("∂{o}/∂{x} = 1/(2√{x})", r"\frac{\partial {O}}{\partial {X}} = \frac{1}{2\sqrt{{X}}}"),
          scalar=_plain(math.sqrt, lambda i, v, o, at: 0.5 / o)),
    unary("abs", "abs", np.abs, lambda x, out: np.sign(x),
          ("∂{o}/∂{x} = sign({x}) (0 at 0)", r"\frac{\partial {O}}{\partial {X}} = \operatorname{sign}({X})"),
          "abs routes the gradient through with the sign of its input.",
          scalar=_plain(abs, lambda i, v, o, at: (v[0] > 0) - (v[0] < 0) + 0.0)),
    unary("sin", "sin", np.sin, lambda x, out: np.cos(x),
          ("∂{o}/∂{x} = cos({x})", r"\frac{\partial {O}}{\partial {X}} = \cos {X}"),
          scalar=_plain(_sin, lambda i, v, o, at: _cos(v[0]))),
    unary("cos", "cos", np.cos, lambda x, out: -np.sin(x),
          ("∂{o}/∂{x} = −sin({x})", r"\frac{\partial {O}}{\partial {X}} = -\sin {X}"),
          scalar=_plain(_cos, lambda i, v, o, at: -_sin(v[0]))),
    unary("tanh", "tanh", np.tanh, lambda x, out: 1.0 - out * out,
          ("∂{o}/∂{x} = 1 − tanh²({x}) = 1 − {o}²", r"\frac{\partial {O}}{\partial {X}} = 1 - {O}^2"),
          scalar=_plain(_tanh, lambda i, v, o, at: 1.0 - o * o)),
    unary("sigmoid", "σ", _sigmoid, lambda x, out: out * (1.0 - out),
          ("∂{o}/∂{x} = σ({x})(1 − σ({x})) = {o}(1 − {o})",
           r"\frac{\partial {O}}{\partial {X}} = \sigma({X})\,(1-\sigma({X}))"),
          scalar=_plain(_sigmoid_scalar, lambda i, v, o, at: o * (1.0 - o))),
    unary("relu", "relu", lambda x: np.maximum(x, 0.0), lambda x, out: (x > 0).astype(float),
          ("∂{o}/∂{x} = 1 where {x} > 0, else 0", r"\frac{\partial {O}}{\partial {X}} = \mathbb{1}[{X} > 0]"),
          GATES,
          scalar=_plain(lambda x: x if x > 0.0 else 0.0, lambda i, v, o, at: 1.0 if v[0] > 0 else 0.0)),
    Op("leaky_relu", "leaky_relu", 1, same_shape,
       lambda v, at: np.where(v[0] > 0, v[0], at["slope"] * v[0]),
       lambda i, g, out, v, at: g * np.where(v[0] > 0, 1.0, at["slope"]),
       (("∂{o}/∂{x} = 1 where {x} > 0, else the slope", r"\frac{\partial {O}}{\partial {X}} = 1 \text{ if } {X}>0 \text{ else } \alpha"),),
       "leaky_relu gates like relu, but lets a small fraction (the slope) through where the input is negative.",
       scalar=ScalarOp(lambda v, at: v[0] if v[0] > 0 else at["slope"] * v[0],
                       lambda i, v, o, at: 1.0 if v[0] > 0 else float(at["slope"])),
       calls=("leaky_relu",), params=(Param("slope", 0.01, positional=True),),
       label=lambda at: f"leaky_relu({at['slope']:.4g})"),
    unary("hardtanh", "hardtanh", lambda x: np.clip(x, -1.0, 1.0),
          lambda x, out: ((x > -1) & (x < 1)).astype(float),
          ("∂{o}/∂{x} = 1 where −1 < {x} < 1, else 0", r"\frac{\partial {O}}{\partial {X}} = \mathbb{1}[-1 < {X} < 1]"),
          "hardtanh gates: the gradient passes inside (−1, 1) and is blocked where the output is clipped.",
          scalar=_plain(lambda x: min(max(x, -1.0), 1.0), lambda i, v, o, at: 1.0 if -1 < v[0] < 1 else 0.0)),
    unary("softplus", "softplus", lambda x: np.logaddexp(0.0, x), lambda x, out: _sigmoid(x),
          ("∂{o}/∂{x} = σ({x}): softplus is log(1 + exp({x})), a smooth relu",
           r"\frac{\partial {O}}{\partial {X}} = \sigma({X}) = \frac{1}{1 + e^{-{X}}}"),
          "softplus gates softly, like a smooth relu: the gradient passes scaled by σ(x), near 1 where the "
          "input is large and near 0 where it is very negative.",
          scalar=_plain(_softplus, lambda i, v, o, at: _sigmoid_scalar(v[0]))),
    Op("elu", "elu", 1, same_shape, lambda v, at: _elu(v[0], at["alpha"]),
       lambda i, g, out, v, at: g * _elu_slope(v[0], at["alpha"]),
       (("∂{o}/∂{x} = 1 where {x} > 0, else α·exp({x}) (α at 0)",
         r"\frac{\partial {O}}{\partial {X}} = 1 \text{ if } {X}>0 \text{ else } \alpha\, e^{{X}}"),),
       "elu gates like relu where the input is positive; where it is negative the gradient fades "
       "smoothly, scaled by α·eˣ, instead of stopping.",
       scalar=ScalarOp(lambda v, at: v[0] if v[0] > 0 else at["alpha"] * _expm1(v[0]),
                       lambda i, v, o, at: 1.0 if v[0] > 0 else at["alpha"] * _exp(v[0])),
       calls=("elu",), params=(Param("alpha", 1.0, positional=True),),
       label=lambda at: "elu" if at["alpha"] == 1.0 else f"elu({at['alpha']:.4g})"),
    unary("gelu", "gelu", _gelu, lambda x, out: _gelu_slope(x),
          ("∂{o}/∂{x} = Φ({x}) + {x}·φ({x}): gelu is {x}·Φ({x}), "
           "Φ and φ the standard normal's CDF and density",
           r"\frac{\partial {O}}{\partial {X}} = \Phi({X}) + {X}\,\varphi({X}),\quad "
           r"\Phi({X}) = \tfrac{1}{2}\bigl(1 + \operatorname{erf}({X}/\sqrt{2})\bigr)"),
          "gelu gates softly: it passes the input in proportion Φ(x), the chance that a standard normal falls "
          "below it, so the gradient is near 1 for large inputs, near 0 for very negative ones, with a bump near 0.",
          scalar=_plain(_gelu_scalar, lambda i, v, o, at: _gelu_slope_scalar(v[0]))),
    unary("silu", "silu", lambda x: x * _sigmoid(x), lambda x, out: _silu_slope(x),
          ("∂{o}/∂{x} = σ({x})(1 + {x}(1 − σ({x}))): silu is {x}·σ({x})",
           r"\frac{\partial {O}}{\partial {X}} = \sigma({X})\bigl(1 + {X}\,(1-\sigma({X}))\bigr)"),
          "silu (swish) gates softly: the input scaled by its own sigmoid, so the gradient is near 1 for "
          "large inputs and near 0 for very negative ones.",
          scalar=_plain(lambda x: x * _sigmoid_scalar(x), lambda i, v, o, at: _silu_slope_scalar(v[0]))),
    Op("maximum", "max", 2, broadcast, lambda v, at: np.maximum(v[0], v[1]),
       lambda i, g, out, v, at: g * _tie_mask(v[0], v[1], v[i] > v[1 - i]),
       (("∂{o}/∂{x} = 1 if {x} won, else 0", r"\frac{\partial {O}}{\partial {X}} = \mathbb{1}[{X} > {Y}]"),), ROUTES,
       # numpy's maximum and minimum give the second input on a tie (so max(0.0, -0.0) is -0.0)
       scalar=_plain(lambda a, b: a if a > b else b, lambda i, v, o, at: _tie(v[0], v[1], v[i] > v[1 - i])),
       calls=("max",)),
    Op("minimum", "min", 2, broadcast, lambda v, at: np.minimum(v[0], v[1]),
       lambda i, g, out, v, at: g * _tie_mask(v[0], v[1], v[i] < v[1 - i]),
       (("∂{o}/∂{x} = 1 if {x} is the smaller, else 0", r"\frac{\partial {O}}{\partial {X}} = \mathbb{1}[{X} < {Y}]"),), ROUTES_MIN,
       scalar=_plain(lambda a, b: a if a < b else b, lambda i, v, o, at: _tie(v[0], v[1], v[i] < v[1 - i])),
       calls=("min",)),
    Op("sum", "Σ", 1, reduce_shape, lambda v, at: np.sum(v[0], axis=at["axis"]),
       lambda i, g, out, v, at: _reduce_vjp(g, v[0].shape, at["axis"]),
       (("∂{o}/∂{x} = 1 for every entry: sum copies the upstream gradient to each", r"\frac{\partial {O}}{\partial {X}_i} = 1"),),
       "sum distributes: every entry receives the upstream gradient unchanged.",
       scalar=None, calls=("sum",), params=(AXIS,), label=_axis_label("Σ")),
    Op("mean", "mean", 1, reduce_shape, lambda v, at: np.mean(v[0], axis=at["axis"]),
       lambda i, g, out, v, at: _reduce_vjp(g, v[0].shape, at["axis"]) / _count(v[0].shape, at["axis"]),
       (("∂{o}/∂{x} = 1/n for every entry", r"\frac{\partial {O}}{\partial {X}_i} = \frac{1}{n}"),),
       "mean distributes an equal 1/n share of the upstream gradient to every entry.",
       scalar=None, calls=("mean",), params=(AXIS,), label=_axis_label("mean")),
    Op("outer", "⊗", 2, outer_shape, lambda v, at: np.outer(v[0], v[1]),
       lambda i, g, out, v, at: g @ v[1] if i == 0 else g.T @ v[0],
       (("∂{o}/∂{x} = δ {y}: row i of δ dotted with {y}", r"\bar{{X}} = \delta\, {Y}"),
        ("∂{o}/∂{x} = δᵀ {y}", r"\bar{{X}} = \delta^{\top} {Y}")),
       scalar=None, calls=("outer",)),
    Op("concat", "concat", -1, concat_shape, lambda v, at: np.concatenate(v), _concat_vjp,
       (("∂{o}/∂{x}: {x} gets its own slice of the upstream gradient", r"\bar{{X}} = \delta_{[{X}]}"),),
       "concat splits: each input receives the piece of the upstream gradient at its own position.",
       scalar=None, calls=("concat",), vjps=_concat_vjps),
    Op("index", "[ ]", 1, index_shape, lambda v, at: v[0][index_key(at)], _index_vjp,
       (("∂{o}/∂{x}: the upstream gradient lands on the selected entries, 0 elsewhere",
         r"\bar{{X}}_{k} = \delta \text{ at the selected } k,\ 0 \text{ elsewhere}"),),
       "indexing scatters: only the entries (or the embedding row) that were read receive gradient.",
       scalar=None),
    Op("softmax", "softmax", 1, softmax_shape, lambda v, at: _softmax(v[0]),
       lambda i, g, out, v, at: out * (g - np.sum(g * out, axis=-1, keepdims=True)),
       (("∂{o}ᵢ/∂{x}ⱼ = {o}ᵢ(1[i=j] − {o}ⱼ)", r"\frac{\partial {O}_i}{\partial {X}_j} = {O}_i(\mathbb{1}[i=j] - {O}_j)"),),
       scalar=None, calls=("softmax",)),
    Op("log_softmax", "log_softmax", 1, softmax_shape, lambda v, at: v[0] - _logsumexp(v[0]),
       lambda i, g, out, v, at: g - np.exp(out) * np.sum(g, axis=-1, keepdims=True),
       (("∂{o}ᵢ/∂{x}ⱼ = 1[i=j] − softmax({x})ⱼ", r"\frac{\partial {O}_i}{\partial {X}_j} = \mathbb{1}[i=j] - \mathrm{softmax}({X})_j"),),
       scalar=None, calls=("log_softmax",)),
    Op("cross_entropy", "CE", 1, cross_entropy_shape,
       lambda v, at: -np.mean(np.sum(_onehot(at["target"], v[0].shape) * (v[0] - _logsumexp(v[0])), axis=-1)),
       lambda i, g, out, v, at: g * (_softmax(v[0]) - _onehot(at["target"], v[0].shape))
       / (1 if v[0].ndim == 1 else v[0].shape[0]),
       (("∂{o}/∂{x} = ŷ − y: the correct class gets ŷₜ − 1, every other class gets ŷⱼ",
         r"\frac{\partial {O}}{\partial {X}} = \hat{y} - y"),),
       "cross-entropy pushes the correct class's score up (ŷₜ − 1 < 0) and every other class's down (ŷⱼ > 0).",
       scalar=None, calls=("cross_entropy",),
       params=(Param("target", read="target", positional=True,
                     missing="cross_entropy(logits, target_index) needs the index of the correct class"),),
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


@dataclass(frozen=True)
class Init:
    """A constructor that makes a leaf: zeros, ones, randn, xavier."""
    name: str
    params: dict[str, Any]
    make: Callable[[Shape, dict], Array]
    shape: Callable[[list[int]], Shape] = _dims_shape
    arity: tuple[int, int] = (1, 2)


def _xavier(shape: Shape, at: dict) -> Array:
    n_out, n_in = shape if len(shape) == 2 else (shape[0], 1)
    bound = math.sqrt(6.0 / (n_in + n_out))           # Var(U(-b, b)) = b²/3 = 2/(n_in+n_out)
    return np.random.default_rng(at["seed"]).uniform(-bound, bound, size=shape)


INITS: dict[str, Init] = {i.name: i for i in [
    Init("zeros", {}, lambda s, at: np.zeros(s)),
    Init("ones", {}, lambda s, at: np.ones(s)),
    Init("randn", {"seed": None, "scale": 1.0},
         lambda s, at: at["scale"] * np.random.default_rng(at["seed"]).standard_normal(s)),
    Init("xavier", {"seed": None}, _xavier, arity=(2, 2)),
]}
