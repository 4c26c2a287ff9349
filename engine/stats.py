"""Statistics of a tensor node's value and gradient: what the tips lab shows of a layer.

Each number is computed once, when the document is written (numpy for big tensors, plain
floats for small ones, where numpy's per-call cost is most of the work). Non-finite entries
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


SMALL = 64           # tensors up to this size are summed up in Python floats (numpy's calls cost more)
HUGE = 1e150         # entries beyond this would overflow their squares: scaled to 1 first


def _range(lo: float, hi: float) -> tuple[float, float]:
    """The histogram's range: the data's own, but a constant tensor (or none at all) gets
    the unit-wide range around its value (or around 0), and a range too narrow for BINS
    distinct edges is widened to a relative width of 1e-12 around its middle."""
    mid = lo / 2 + hi / 2
    narrow = max(abs(mid) * 1e-12, 1e-300)
    if lo == hi:
        return mid - max(0.5, narrow), mid + max(0.5, narrow)
    if hi / 2 - lo / 2 < narrow:
        return mid - narrow, mid + narrow
    return lo, hi


def histogram(finite: np.ndarray) -> doc.Histogram:
    """BINS equal bins over `_range` of the finite entries, as np.histogram counts them."""
    lo, hi = _range(float(finite.min()), float(finite.max())) if finite.size else _range(0.0, 0.0)
    if math.isfinite(hi - lo):
        counts, edges = np.histogram(finite, bins=BINS, range=(lo, hi))
    else:                              # entries near ±1e308: bin their halves, then double the edges
        counts, edges = np.histogram(finite / 2, bins=BINS, range=(lo / 2, hi / 2))
        edges = edges * 2
    return {"edges": edges.tolist(), "counts": counts.tolist()}


def _small_histogram(finite: list[float], lo: float, hi: float) -> doc.Histogram:
    """`histogram` for a few entries: the same edges (np.linspace's i·step + lo) and the same
    bin for each entry (np.histogram's rule for equal bins)."""
    lo, hi = _range(lo, hi)
    step = (hi - lo) / BINS
    edges = [i * step + lo for i in range(BINS)] + [hi]
    counts = [0] * BINS
    norm = BINS / (hi - lo)
    for v in finite:
        i = int((v - lo) * norm)
        if i == BINS:
            i -= 1
        if v < edges[i]:
            i -= 1
        elif i != BINS - 1 and v >= edges[i + 1]:
            i += 1
        counts[i] += 1
    return {"edges": edges, "counts": counts}


def _fraction(band: Band | None, a: np.ndarray) -> doc.Fraction | None:
    if band is None:
        return None
    return {"fraction": float(np.count_nonzero(band.holds(a))) / a.size, "rule": band.rule}


def tensor_stats(a: np.ndarray, op: str | None = None) -> doc.Stats:
    """The statistics of one array; `op` names the op whose output it is (saturation and
    dead units apply to a nonlinearity's output only)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    act = OPS[op].activation if op in OPS else None
    with np.errstate(all="ignore"):       # an underflow is no error here; an overflow gives inf
        numbers = (_small if a.size <= SMALL else _large)(a)
        return {**numbers,                # type: ignore[typeddict-item]
                "saturated": _fraction(act.saturated if act else None, a),
                "dead": _fraction(act.dead if act else None, a)}


def _small(a: np.ndarray) -> dict:
    values = a.tolist()
    finite = [v for v in values if v - v == 0.0]         # inf - inf and nan - nan are nan
    if not finite or max(-min(finite), max(finite)) > HUGE:
        return _large(a)
    n, lo, hi = len(finite), min(finite), max(finite)
    mean = math.fsum(finite) / n
    std = math.sqrt(math.fsum([(v - mean) * (v - mean) for v in finite]) / n)
    norm = math.sqrt(math.fsum([v * v for v in finite]))
    return {"mean": mean, "std": std, "min": lo, "max": hi, "norm": norm,
            "nonfinite": len(values) - n, "histogram": _small_histogram(finite, lo, hi)}


def _large(a: np.ndarray) -> dict:
    ok = np.isfinite(a)
    finite = a if ok.all() else a[ok]
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        m = max(-lo, hi) if max(-lo, hi) > HUGE else 1.0
        f = finite if m == 1.0 else finite / m
        mean, std, norm = m * float(f.mean()), m * float(f.std()), m * float(np.linalg.norm(f))
    else:
        mean = std = lo = hi = norm = math.nan
    return {"mean": mean, "std": std, "min": lo, "max": hi, "norm": norm,
            "nonfinite": int(a.size - finite.size), "histogram": histogram(finite)}


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
