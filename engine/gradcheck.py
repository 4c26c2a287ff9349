"""Numerical gradient check: two-sided differences against the analytic gradients.

For every leaf entry, (f(θ+h) − f(θ−h)) / 2h with h = 1e-4 by default — more accurate than
the one-sided difference (f(θ+h) − f(θ)) / h (error O(h²) instead of O(h)), which each
entry reports beside it so the two can be compared. Large tensors are checked on a
sample of entries, chosen with a fixed seed so the same program checks the same ones:
at most GRADCHECK_ENTRIES_PER_LEAF per leaf and GRADCHECK_MAX_ENTRIES in all.

An entry whose step θ ± h carries the input of a kinked op (relu, leaky_relu, abs,
hardtanh, max, min, elu with α ≠ 1) across its kink is flagged: there the difference
averages two slopes and need not match the analytic gradient, which uses one of them.
"""
from __future__ import annotations

import numpy as np

from . import document as doc
from .autodiff import evaluate
from .errors import ProgramError
from .graph import Node
from .i18n import Msg, msg
from .limits import (GRADCHECK_ATOL, GRADCHECK_ENTRIES_PER_LEAF, GRADCHECK_H, GRADCHECK_H_MAX, GRADCHECK_H_MIN,
                     GRADCHECK_MAX_ENTRIES, GRADCHECK_RTOL)
from .trace import Trace

# Where each kinked op's derivative jumps, as the signed distances of its input(s) from the
# kink: a sign that differs between θ − h, θ and θ + h means the step crossed (or touched) it.
KINKS = {
    "relu": lambda v, at: [v[0]],
    "leaky_relu": lambda v, at: [v[0]],
    "abs": lambda v, at: [v[0]],
    "hardtanh": lambda v, at: [v[0] + 1.0, v[0] - 1.0],
    "maximum": lambda v, at: [v[0] - v[1]],
    "minimum": lambda v, at: [v[0] - v[1]],
    # elu's slope is α below 0 and 1 above: a kink unless α = 1
    "elu": lambda v, at: [v[0]] if at["alpha"] != 1.0 else [],
}


def check_h(h: object) -> float:
    """h as a float, or a ValueError saying which steps are allowed."""
    if isinstance(h, bool) or not isinstance(h, (int, float)) or not GRADCHECK_H_MIN <= h <= GRADCHECK_H_MAX:
        told = msg("check.h_range", min=f"{GRADCHECK_H_MIN:g}", max=f"{GRADCHECK_H_MAX:g}",
                   default=f"{GRADCHECK_H:g}", got=repr(h))
        err = ValueError(told.text("en"))
        err.msg = told                  # type: ignore[attr-defined]  # the message in other languages
        raise err
    return float(h)


def relative_error(a: float, n: float) -> float:
    scale = max(abs(a), abs(n))
    return 0.0 if scale == 0.0 else abs(a - n) / scale


def gradcheck(t: Trace, h: float = GRADCHECK_H) -> doc.GradientCheck:
    """Every unfrozen leaf's analytic gradient against two-sided differences (the README's
    "Gradient check"); raises ProgramError when the trace has no backward pass."""
    if not t.backward_ran:
        out = t.nodes[t.output]
        why = Msg.from_json(t.messages[0]["msg"]) if t.messages else msg("check.no_gradient")
        raise ProgramError(msg("check.needs_backward", why=why), out.line, out.col)
    h = check_h(h)
    values = [n.value for n in t.nodes]
    f = float(values[t.output])
    kinked = _kinked_ops(t)
    theta_sides: dict[int, list[np.ndarray]] = {}
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
            plus, minus = _perturbed(t, leaf.id, values, int(k), h)
            fp, fm = float(plus[t.output]), float(minus[t.output])
            numeric = (fp - fm) / (2 * h)
            one_sided = (fp - f) / h
            analytic = float(leaf.grad.reshape(-1)[k])
            err = relative_error(analytic, numeric)
            ok = err <= GRADCHECK_RTOL or abs(analytic - numeric) <= GRADCHECK_ATOL
            index = [int(i) for i in np.unravel_index(k, leaf.shape)] if leaf.shape else []
            note = _kink_note(kinked, values, minus, plus, h, theta_sides)
            entries.append({"index": index, "analytic": analytic, "numeric": numeric,
                            "rel_error": err, "passed": ok, "f_plus": fp, "f_minus": fm,
                            "one_sided": one_sided, "one_sided_rel_error": relative_error(analytic, one_sided),
                            "kink": note is not None, "note": note and note.text("en"),
                            "note_msg": note and note.to_json()})
        report.append({"node": leaf.id, "name": leaf.name, "shape": list(leaf.shape),
                       "sampled": sampled, "checked": len(entries), "size": int(flat.size),
                       "max_rel_error": max((e["rel_error"] for e in entries), default=0.0),
                       # None: the budget ran out before this leaf (not checked, not passed)
                       "passed": all(e["passed"] for e in entries) if entries else None,
                       "entries": entries})
    checked = [e for r in report for e in r["entries"]]
    return {"h": h, "rtol": GRADCHECK_RTOL, "atol": GRADCHECK_ATOL, "f": f,
            "passed": all(r["passed"] is not False for r in report),
            "kinks": sum(1 for e in checked if e["kink"]),
            "passed_away_from_kinks": all(e["passed"] for e in checked if not e["kink"]),
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


def _perturbed(t: Trace, leaf: int, values: list, k: int, h: float) -> tuple[list, list]:
    """Every node's value with entry k of the leaf stepped by +h, and by −h."""
    base = values[leaf]
    plus, minus = base.copy(), base.copy()
    plus.reshape(-1)[k] += h
    minus.reshape(-1)[k] -= h
    try:
        return evaluate(t._graph, {leaf: plus}, values), evaluate(t._graph, {leaf: minus}, values)
    except FloatingPointError:
        node = t.nodes[leaf]
        raise ProgramError(msg("check.domain", name=node.name or node.label, h=f"{h:g}"),
                           node.line, node.col) from None


def _kinked_ops(t: Trace) -> list[Node]:
    """The kinked ops the output depends on, in id order."""
    needed = bytearray(len(t.nodes))
    needed[t.output] = 1
    for node in reversed(t.nodes):
        if needed[node.id]:
            for i in node.inputs:
                needed[i] = 1
    return [n for n in t.nodes if n.kind == "op" and n.op in KINKS and needed[n.id]]


def _sides(node: Node, values: list) -> list[np.ndarray]:
    """The side of each of the node's kinks its input is on (−1, 0 or 1, entry by entry)."""
    return [np.sign(d) for d in KINKS[node.op]([values[i] for i in node.inputs], node.attrs)]


def _kink_note(kinked: list[Node], values: list, minus: list, plus: list, h: float,
               at_theta: dict[int, list[np.ndarray]]) -> Msg | None:
    """Why the difference may miss, if θ ± h carries a kinked op's input across its kink.
    `at_theta` keeps each node's sides at θ, worked out once."""
    for node in kinked:
        if plus[node.id] is values[node.id] and minus[node.id] is values[node.id]:
            continue                                    # not downstream of this entry
        if node.id not in at_theta:
            at_theta[node.id] = _sides(node, values)
        for lo, mid, hi in zip(_sides(node, minus), at_theta[node.id], _sides(node, plus)):
            if np.any((lo != mid) | (mid != hi)):
                where = msg("check.kink_where", label=node.label, line=str(node.line))
                what = (msg("check.kink_order") if node.op in ("maximum", "minimum")
                        else msg("check.kink_crosses", point="±1" if node.op == "hardtanh" else "0"))
                return msg("check.kink_note", where=where, h=f"{h:g}", what=what)
    return None
