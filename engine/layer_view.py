"""The layer view: one row per layer of a deep program, so vanishing, exploding, saturated
and symmetric layers show side by side.

A layer is the output of a nonlinearity (an op with an `activation` in the op table) holding
more than one number; a program without one has a layer per statement whose value is a
tensor (the node its name is bound to). A layer's units run along its first axis (z = W @ x
with examples as columns), or along its last when its product is x @ W with W a constructor;
their gradients are compared at the nonlinearity's input z.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from . import document as doc
from .errors import ProgramError
from .graph import Graph, Node
from .i18n import msg, text
from .inits import check_init
from .limits import MAX_LAYER_INITS, MAX_LAYERS
from .ops import OPS
from .parser import build
from .source import one_line_break
from .stats import tensor_stats
from .trace import Trace, trace

# Two units' gradients count as the same when they agree to this share of the largest entry.
SAME_GRADIENT_RTOL = 1e-9


def layer_nodes(graph: Graph) -> list[Node]:
    """The nodes the layer view shows, in program order (see the module's docstring); a
    ProgramError past MAX_LAYERS."""
    nodes = [n for n in graph.nodes if n.kind == "op" and n.size > 1 and OPS[n.op].activation is not None]
    if not nodes:
        nodes = [n for n in graph.nodes if n.kind == "op" and n.size > 1 and n.names]
    if len(nodes) > MAX_LAYERS:
        extra = nodes[MAX_LAYERS]
        m = msg("tips.layers.too_many", max=str(MAX_LAYERS), count=str(len(nodes)))
        err = ProgramError(m.text("en"), extra.line, extra.col)
        err.msg = m  # type: ignore[attr-defined]     # the refusal in other languages
        raise err
    return nodes


def _unit_axis(graph: Graph, node: Node) -> int:
    """0, or the last axis when the product under the layer is x @ W with W a constructor."""
    if len(node.shape) < 2:
        return 0
    todo, seen = [node], 0
    while todo and seen < 16:            # the few elementwise ops between a product and its layer
        n = todo.pop(0)
        seen += 1
        if n.op == "matmul":
            right = graph.nodes[n.inputs[1]]
            left = graph.nodes[n.inputs[0]]
            return -1 if _made(right) and not _made(left) else 0
        todo.extend(graph.nodes[i] for i in n.inputs if graph.nodes[i].kind == "op")
    return 0


def _made(n: Node) -> bool:
    return n.kind == "leaf" and n.attrs.get("init") not in (None, "literal") and len(n.shape) == 2


def symmetry(grad: np.ndarray, axis: int) -> doc.Symmetry:
    """How many different gradients a layer's units get: one for every unit is the symmetry
    that initializing every weight alike (zeros) causes, and that training never breaks."""
    per_unit = np.moveaxis(np.asarray(grad, dtype=np.float64), axis, 0).reshape(grad.shape[axis], -1)
    scale = float(np.max(np.abs(per_unit))) if per_unit.size else 0.0
    if not np.isfinite(scale) or scale == 0.0:
        scale = 1.0
    key = np.round(per_unit / (scale * SAME_GRADIENT_RTOL))
    distinct = len(np.unique(key, axis=0))
    units = per_unit.shape[0]
    return {"units": units, "distinct_gradients": distinct, "same": units > 1 and distinct == 1}


def _symmetric(graph: Graph, n: Node) -> doc.Symmetry | None:
    """`symmetry` of the gradient at a nonlinearity's input (δ = ∂loss/∂z, what each unit's
    weights learn from: ∂loss/∂Wᵢⱼ = δᵢ xⱼ), or at the node itself for a plain statement."""
    at = graph.nodes[n.inputs[0]] if OPS[n.op].activation is not None else n
    if at._grad is None or at.shape != n.shape:
        at = n
    return None if at._grad is None else symmetry(at.grad, _unit_axis(graph, at))


def layer_rows(t: Trace) -> list[doc.Layer]:
    """The layer view of a trace."""
    rows: list[doc.Layer] = []
    for n in layer_nodes(t._graph):
        value = tensor_stats(n.value, n.op)
        grad = None if n._grad is None else tensor_stats(n.grad)
        rows.append({
            "name": n.name or n.expr, "node": n.id, "op": n.op, "shape": list(n.shape), "line": n.line,
            "value": value, "grad": grad,
            "grad_norm": None if grad is None else grad["norm"],
            "saturated": None if value["saturated"] is None else value["saturated"]["fraction"],
            "dead": None if value["dead"] is None else value["dead"]["fraction"],
            "symmetric": _symmetric(t._graph, n)})
    return rows


def layers(source: str, init: str | None = None) -> list[doc.Layer]:
    """One row per layer of the program traced with `init` (None: as written); raises
    ProgramError on a bad program, ValueError on an unknown `init`."""
    return layer_rows(trace(source, init))


def told(exc: ProgramError, lang: str) -> str:
    """`str(exc)` (where, then what is wrong) in `lang`, when its message can be told there."""
    m = getattr(exc, "msg", None)
    if lang == "en" or m is None:
        return str(exc)
    return text("tips.layers.error_at", lang, line=str(exc.line), col=str(exc.col), message=m.text(lang))


def layer_views(source: str, inits: Sequence[str | None], lang: str = "en") -> list[doc.LayerView]:
    """The layer view under each of `inits` (at most MAX_LAYER_INITS). A bad program, or one
    past MAX_LAYERS, raises ProgramError; a pass that fails under one initialization only
    (log(0) under zeros) is that view's `error`, told in `lang`."""
    if not 1 <= len(inits) <= MAX_LAYER_INITS:
        m = msg("tips.layers.inits_count", max=str(MAX_LAYER_INITS), count=str(len(inits)))
        err = ValueError(m.text("en"))
        err.msg = m  # type: ignore[attr-defined]
        raise err
    for init in inits:
        check_init(init)
    layer_nodes(build(one_line_break(source))[0])
    views: list[doc.LayerView] = []
    for init in inits:
        try:
            views.append({"init": init, "layers": layers(source, init), "error": None})  # type: ignore[typeddict-item]
        except ProgramError as exc:
            views.append({"init": init, "layers": [], "error": told(exc, lang)})  # type: ignore[typeddict-item]
    return views
