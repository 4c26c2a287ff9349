"""The activation explorer's table: every nonlinearity of the op table, sampled by its own
forward and VJP, with its formula, derivative, flat regions and convention at its kink."""
from __future__ import annotations

from functools import cache

import numpy as np

from . import document as doc
from .ops import OPS, Op, RuleAt

CURVE_HALF_WIDTH = 6.0       # the curves run over [-6, 6] ...
CURVE_STEPS_PER_UNIT = 20    # ... at every 1/20, so 0 and ±1 (the kinks) are sampled exactly
KINK_NOTE = "; at the kink, "


def _kink(op: Op, x: np.ndarray, attrs: dict) -> doc.Kink | None:
    """Where the op's case rule sees a kink among the samples, and the convention it applies
    there, in the words of the op's own rule."""
    if op.case is None:
        return None
    points = [float(v) for v in x if op.case(0, [np.array([v])], None, attrs) == "kink"]
    if not points:
        return None
    words = op.rule(RuleAt(0, ((1,),), (1,), attrs, "kink")).local[0]
    if not isinstance(words, str):           # a message of the catalogue: its English words
        words = words.text("en")
    note = words.split(KINK_NOTE, 1)[1] if KINK_NOTE in words else words
    return {"at": points, "text": note.removesuffix(" (the convention applied)")}


def _regions(op: Op) -> list[doc.Region]:
    act = op.activation
    assert act is not None
    return [{"kind": kind, "rule": band.rule, "intervals": [[lo, hi] for lo, hi in band.inputs]}
            for kind, band in (("saturated", act.saturated), ("dead", act.dead)) if band is not None]


@cache
def activations() -> tuple[doc.ActivationCurve, ...]:
    """Every op with an `activation` entry, in the op table's order, at its default parameters."""
    n = int(CURVE_HALF_WIDTH * CURVE_STEPS_PER_UNIT)
    x = np.arange(-n, n + 1) / CURVE_STEPS_PER_UNIT
    curves: list[doc.ActivationCurve] = []
    for op in OPS.values():
        if op.activation is None:
            continue
        attrs = {p.name: p.default for p in op.params}
        y = np.asarray(op.forward([x], attrs), dtype=np.float64)
        dy = np.asarray(op.vjp(0, np.ones_like(x), y, [x], attrs), dtype=np.float64)
        curves.append({"name": op.name, "label": op.node_label(attrs), "params": attrs,
                       "formula": op.activation.formula, "derivative": op.activation.derivative,
                       "x": x.tolist(), "y": y.tolist(), "dy": dy.tolist(),
                       "regions": _regions(op), "kink": _kink(op, x, attrs)})
    return tuple(curves)
