"""Statistics of a tensor node's value and gradient: what the tips lab shows of a layer.

Each number is computed once, with numpy, when the document is written. Non-finite entries
(NaN, ±inf) are counted in `nonfinite` and left out of everything else: the mean, spread,
extremes, norm and histogram describe the finite entries (NaN when there are none).
"""
from __future__ import annotations

import math

import numpy as np

from . import document as doc
from .graph import Node
from .ops import INITS, OPS, Band

BINS = 20            # histogram bins of every tensor's statistics


def histogram(finite: np.ndarray) -> doc.Histogram:
    """BINS equal bins from the smallest to the largest finite entry (a constant tensor, or
    none at all, gets the unit-wide range around its value, or around 0)."""
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
    else:
        lo = hi = 0.0
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(finite, bins=BINS, range=(lo, hi))
    return {"edges": edges.tolist(), "counts": counts.tolist()}


def _fraction(band: Band | None, a: np.ndarray) -> doc.Fraction | None:
    if band is None:
        return None
    return {"fraction": float(np.count_nonzero(band.holds(a))) / a.size, "rule": band.rule}


def tensor_stats(a: np.ndarray, op: str | None = None) -> doc.Stats:
    """The statistics of one array; `op` names the op whose output it is (saturation and
    dead units apply to a nonlinearity's output only)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    ok = np.isfinite(a)
    finite = a if ok.all() else a[ok]
    if finite.size:
        mean, std = float(finite.mean()), float(finite.std())
        lo, hi, norm = float(finite.min()), float(finite.max()), float(np.linalg.norm(finite))
    else:
        mean = std = lo = hi = norm = math.nan
    act = OPS[op].activation if op in OPS else None
    return {"mean": mean, "std": std, "min": lo, "max": hi, "norm": norm,
            "nonfinite": int(a.size - finite.size), "histogram": histogram(finite),
            "saturated": _fraction(act.saturated if act else None, a),
            "dead": _fraction(act.dead if act else None, a)}


def init_stats(n: Node) -> doc.InitStats | None:
    """For a leaf made by a constructor: the variance it was drawn with and the measured one."""
    kind = n.attrs.get("init") if n.kind == "leaf" else None
    if kind not in INITS:
        return None
    variance, bound = INITS[kind].spread(n.shape, n.attrs)
    return {"kind": kind, "variance": variance, "bound": bound,
            "measured_variance": float(np.var(n.value))}


def node_stats(n: Node) -> doc.NodeStats | None:
    """`stats` of a node holding more than one number, else None."""
    if n.size <= 1 or n._value is None:
        return None
    return {"value": tensor_stats(n.value, n.op),
            "grad": None if n._grad is None else tensor_stats(n.grad),
            "init": init_stats(n)}
