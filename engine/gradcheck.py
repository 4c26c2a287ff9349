"""Numerical gradient check: two-sided differences against the analytic gradients.

For every leaf entry, (f(θ+h) − f(θ−h)) / 2h with h = 1e-4 — more accurate than the
one-sided difference (error O(h²) instead of O(h)). Large tensors are checked on a
sample of entries, chosen with a fixed seed so the same program checks the same ones:
at most GRADCHECK_ENTRIES_PER_LEAF per leaf and GRADCHECK_MAX_ENTRIES in all.
"""
from __future__ import annotations

import numpy as np

from . import document as doc
from .autodiff import evaluate
from .errors import ProgramError
from .limits import (GRADCHECK_ATOL, GRADCHECK_ENTRIES_PER_LEAF, GRADCHECK_H, GRADCHECK_MAX_ENTRIES,
                     GRADCHECK_RTOL)
from .trace import Trace


def relative_error(a: float, n: float) -> float:
    scale = max(abs(a), abs(n))
    return 0.0 if scale == 0.0 else abs(a - n) / scale


def gradcheck(t: Trace, h: float = GRADCHECK_H) -> doc.GradientCheck:
    """Every unfrozen leaf's analytic gradient against two-sided differences (the README's
    "Gradient check"); raises ProgramError when the trace has no backward pass."""
    if not t.backward_ran:
        out = t.nodes[t.output]
        why = t.messages[0]["message"] if t.messages else "the output has no gradient"
        raise ProgramError(f"the gradient check needs a backward pass, and {why}", out.line, out.col)
    values = [n.value for n in t.nodes]
    leaves = [n for n in t.nodes if n.kind == "leaf" and not n.frozen]
    counts = _allocate([n.size for n in leaves])
    report: list[doc.LeafCheck] = []
    for leaf, count in zip(leaves, counts):
        flat = leaf.value.reshape(-1)
        sampled = count < flat.size
        if sampled:
            picks = np.sort(np.random.default_rng(leaf.id).choice(flat.size, size=count, replace=False))
        else:
            picks = np.arange(flat.size)
        entries: list[doc.EntryCheck] = []
        for k in picks.tolist():
            numeric = _difference(t, leaf.id, values, int(k), h)
            analytic = float(leaf.grad.reshape(-1)[k])
            err = relative_error(analytic, numeric)
            ok = err <= GRADCHECK_RTOL or abs(analytic - numeric) <= GRADCHECK_ATOL
            index = [int(i) for i in np.unravel_index(k, leaf.shape)] if leaf.shape else []
            entries.append({"index": index, "analytic": analytic, "numeric": numeric,
                            "rel_error": err, "passed": ok})
        report.append({"node": leaf.id, "name": leaf.name, "shape": list(leaf.shape),
                       "sampled": sampled, "checked": len(entries), "size": int(flat.size),
                       "max_rel_error": max((e["rel_error"] for e in entries), default=0.0),
                       # None: the budget ran out before this leaf (not checked, not passed)
                       "passed": all(e["passed"] for e in entries) if entries else None,
                       "entries": entries})
    return {"h": h, "rtol": GRADCHECK_RTOL, "atol": GRADCHECK_ATOL,
            "passed": all(r["passed"] is not False for r in report),
            "unchecked_leaves": sum(1 for r in report if r["passed"] is None), "leaves": report}


def _allocate(sizes: list[int]) -> list[int]:
    """Entries to check per leaf: one each first (in id order), then more in turns, up to
    GRADCHECK_ENTRIES_PER_LEAF per leaf and GRADCHECK_MAX_ENTRIES in all."""
    counts = [0] * len(sizes)
    budget = GRADCHECK_MAX_ENTRIES
    for _ in range(GRADCHECK_ENTRIES_PER_LEAF):
        for i, size in enumerate(sizes):
            if budget == 0:
                return counts
            if counts[i] < size and counts[i] < GRADCHECK_ENTRIES_PER_LEAF:
                counts[i] += 1
                budget -= 1
    return counts


def _difference(t: Trace, leaf: int, values: list, k: int, h: float) -> float:
    base = values[leaf]
    plus, minus = base.copy(), base.copy()
    plus.reshape(-1)[k] += h
    minus.reshape(-1)[k] -= h
    try:
        fp = evaluate(t._graph, {leaf: plus}, values)[t.output]
        fm = evaluate(t._graph, {leaf: minus}, values)[t.output]
    except FloatingPointError:
        node = t.nodes[leaf]
        raise ProgramError(f"the gradient check stepped '{node.name or node.label}' by ±{h:g} into a "
                           "numeric error (e.g. a log or square root at its domain's edge)",
                           node.line, node.col) from None
    return float((fp - fm) / (2 * h))
