"""Two views of training over the loss: a slice through two coordinates with each run's path on
it, and a learning-rate map of short runs classed converged / slow / oscillating / diverged."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import train_document as tdoc
from .compiled import Compiled
from .errors import SpecError
from .limits import MAX_LRMAP_CELLS, MAX_LRMAP_STEPS, MAX_SLICE_GRID, MAX_TRAIN_WORK
from .optimizers import OPTIMIZERS
from .train import check_iteration, check_run_index, check_run, check_steps, prepare, run, run_until

SLICE_MARGIN = 0.15          # the slice's ranges reach this fraction of their span past every path
CONVERGED_GAP = 0.01         # converged: within 1% of the map's best loss (of the way from the start)
OSCILLATING_RISES = 0.25     # oscillating: the loss rose at this share of the second half's updates

DEFINITIONS: dict[str, str] = {
    "converged": "the final loss closed at least 99% of the gap between the starting loss and the lowest "
                 "loss any run of the map reached",
    "slow": "the loss fell, but the final loss closed less than 99% of that gap, and it did not oscillate",
    "oscillating": "not converged and not diverged, and the loss rose at a quarter or more of the updates "
                   "in the second half of the run",
    "diverged": "the loss or the gradient became infinite or NaN, or the run ended above its starting loss",
}


def _coordinate(compiled: Compiled, spec: Any, field: str) -> tuple[int, int, list[int]]:
    """(parameter index, flat index, entry) of {"name", "entry"}."""
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise SpecError(field, f"must be {{\"name\": a parameter, \"entry\": [indices]}}, got {spec!r}")
    names = [p.name for p in compiled.parameters]
    if spec["name"] not in names:
        raise SpecError(f"{field}.name", f"there is no parameter {spec['name']!r} (parameters: {', '.join(names)})")
    k = names.index(spec["name"])
    shape = compiled.parameters[k].shape
    entry = spec.get("entry", [0] * len(shape))
    if (not isinstance(entry, list) or len(entry) != len(shape)
            or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n for i, n in zip(entry, shape))):
        raise SpecError(f"{field}.entry", f"must be {len(shape)} index{'es' if len(shape) != 1 else ''} within "
                                          f"the shape {list(shape)} of {spec['name']}, got {entry!r}")
    flat = int(np.ravel_multi_index(tuple(entry), shape)) if shape else 0
    return k, flat, entry


def _span(values: list[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    width = hi - lo
    if width <= 1e-12 * max(1.0, abs(lo), abs(hi)):
        half = 0.5 * max(1.0, abs(lo))
        return lo - half, hi + half
    return lo - SLICE_MARGIN * width, hi + SLICE_MARGIN * width


def loss_slice(source: str, runs: Any, steps: Any, run_index: Any, iteration: Any,
               x: Any, y: Any, grid: Any = 41) -> tdoc.LossSlice:
    """The loss over a grid of two coordinates (two scalar parameters, or two entries), every
    other parameter held at run i's iteration t, and each run's path projected on it."""
    compiled, steps, specs = prepare(source, runs, steps)
    if isinstance(grid, bool) or not isinstance(grid, int) or not 3 <= grid <= MAX_SLICE_GRID:
        raise SpecError("grid", f"must be a whole number from 3 to {MAX_SLICE_GRID}, got {grid!r}")
    size = compiled.work_size
    work = steps * len(specs) * size + grid * grid * size
    if work > MAX_TRAIN_WORK:
        raise SpecError("grid", f"the runs and a {grid}×{grid} grid on a graph of size {size:,} are "
                                f"{work:,} units of work; the limit is {MAX_TRAIN_WORK:,}")
    i = check_run_index(specs, run_index, "run")
    t = check_iteration(iteration, steps, "iteration")
    kx, fx, ex = _coordinate(compiled, x, "x")
    ky, fy, ey = _coordinate(compiled, y, "y")
    if (kx, fx) == (ky, fy):
        raise SpecError("y", "must be another coordinate than x")
    held = run_until(compiled, specs[i], steps, t, "iteration").params
    watch = [np.array(sorted({f for k, f in ((kx, fx), (ky, fy)) if k == j}), int)
             for j in range(len(compiled.parameters))]
    pos_x = int(np.searchsorted(watch[kx], fx))
    pos_y = int(np.searchsorted(watch[ky], fy))
    paths, diverged = [], []
    for spec in specs:
        r = run(compiled, spec, steps, watch)
        paths.append([[r.watched[kx][s][pos_x], r.watched[ky][s][pos_y]] for s in range(len(r.losses))])
        diverged.append(r.diverged_at is not None)
    start = [float(compiled.initial[kx].reshape(-1)[fx]), float(compiled.initial[ky].reshape(-1)[fy])]
    held_xy = [float(held[kx].reshape(-1)[fx]), float(held[ky].reshape(-1)[fy])]
    # A diverged run's path runs away: the ranges follow the others (all, if every run diverged).
    framed = [p for p, d in zip(paths, diverged) if not d] or paths
    xs = [start[0], held_xy[0]] + [p[0] for path in framed for p in path]
    ys = [start[1], held_xy[1]] + [p[1] for path in framed for p in path]
    gx = np.linspace(*_span(xs), grid)
    gy = np.linspace(*_span(ys), grid)
    loss: list[list[float | None]] = []
    params = [np.array(p, np.float64) for p in held]
    px, py = params[kx].reshape(-1), params[ky].reshape(-1)     # views: setting an entry sets the parameter
    for vy in gy:
        row: list[float | None] = []
        for vx in gx:
            px[fx], py[fy] = vx, vy
            value = compiled.loss(params)
            row.append(value if math.isfinite(value) else None)
        loss.append(row)
    names = [p.name for p in compiled.parameters]
    exact = (len(names) == 2 and all(p.shape == () for p in compiled.parameters) and kx != ky)
    label = specs[i]["label"]
    if exact:
        sentence = (f"The program has exactly these two scalar parameters, so this is the true loss surface; "
                    f"the paths are every run's, iteration by iteration.")
    else:
        sentence = (f"Every other parameter is held at its value at iteration {t} of run {i} ({label}); the paths "
                    f"are every run's two coordinates, iteration by iteration, projected on this slice.")
    return {"x": {"name": names[kx], "entry": ex, "values": gx.tolist()},
            "y": {"name": names[ky], "entry": ey, "values": gy.tolist()},
            "loss": loss, "held": sentence, "exact": exact, "paths": paths}


# What the map varies beside the rate: the momentum of SGD and RMSprop, β₁ of Adam and AdamW.
MOMENTUM_OF = {"sgd": "momentum", "rmsprop": "momentum", "adam": "betas", "adamw": "betas"}
DEFAULT_MOMENTA = {"sgd": [0.0, 0.5, 0.9, 0.99], "rmsprop": [0.0, 0.5, 0.9], "adam": [0.0, 0.5, 0.9, 0.99],
                   "adamw": [0.0, 0.5, 0.9, 0.99], "adagrad": [0.0]}


def classify(losses: list[float], diverged_at: int | None, best: float) -> str:
    """One short run's class (DEFINITIONS), given the lowest loss of the whole map."""
    if diverged_at is not None or not losses or losses[-1] > losses[0]:
        return "diverged"
    start, final = losses[0], losses[-1]
    gap = start - best
    if gap > 0 and final - best <= CONVERGED_GAP * gap:
        return "converged"
    half = losses[len(losses) // 2:]
    rises = sum(1 for a, b in zip(half, half[1:]) if b > a)
    if len(half) > 1 and rises >= OSCILLATING_RISES * (len(half) - 1):
        return "oscillating"
    return "slow"


def lr_map(source: str, steps: Any, optimizer: Any, lrs: Any, momenta: Any = None) -> tdoc.LrMap:
    """Short runs over learning rates (log-spaced) × momenta, each classed."""
    steps = check_steps(steps, most=MAX_LRMAP_STEPS)
    if optimizer not in OPTIMIZERS:
        raise SpecError("optimizer", f"unknown optimizer {optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
    if not isinstance(lrs, dict):
        raise SpecError("lrs", f"must be {{\"min\", \"max\", \"count\"}}, got {lrs!r}")
    lo, hi, count = lrs.get("min"), lrs.get("max"), lrs.get("count", 9)
    for key, v in (("min", lo), ("max", hi)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and v > 0):
            raise SpecError(f"lrs.{key}", f"must be a number > 0, got {v!r}")
    if hi < lo:
        raise SpecError("lrs.max", f"must be ≥ lrs.min ({lo:g}), got {hi:g}")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_LRMAP_CELLS:
        raise SpecError("lrs.count", f"must be a whole number from 1 to {MAX_LRMAP_CELLS}, got {count!r}")
    key = MOMENTUM_OF.get(optimizer)
    if momenta is None:
        momenta = DEFAULT_MOMENTA[optimizer]
    if not isinstance(momenta, list) or not momenta:
        raise SpecError("momenta", f"must be a list of at least one number, got {momenta!r}")
    if key is None and any(m != 0 for m in momenta):
        raise SpecError("momenta", f"{optimizer} has no momentum: give [0] or leave momenta out")
    if len(momenta) * count > MAX_LRMAP_CELLS:
        raise SpecError("lrs.count", f"{count} rates × {len(momenta)} momenta is {count * len(momenta)} runs; "
                                     f"the limit is {MAX_LRMAP_CELLS}")
    rates = [lo] if count == 1 else [float(v) for v in np.geomspace(lo, hi, count)]
    specs = []
    for j, m in enumerate(momenta):
        row = []
        for lr in rates:
            spec: dict[str, Any] = {"optimizer": optimizer, "lr": lr}
            if key == "momentum":
                spec["momentum"] = m
            elif key == "betas":
                spec["betas"] = [m, OPTIMIZERS[optimizer].defaults["betas"][1]]
            try:
                row.append(check_run(spec, steps, "map"))
            except SpecError as e:
                raise SpecError(f"momenta[{j}]", e.message.split(": ", 1)[1]) from None
        specs.append(row)
    compiled = Compiled(source)
    size = compiled.work_size
    work = steps * len(momenta) * count * size
    if work > MAX_TRAIN_WORK:
        raise SpecError("steps", f"{steps} steps × {len(momenta) * count} runs × the graph's size {size:,} is "
                                 f"{work:,}; the limit is {MAX_TRAIN_WORK:,}")
    done = [[run(compiled, s, steps) for s in row] for row in specs]
    finite = [loss for row in done for r in row for loss in r.losses]
    best = min(finite) if finite else math.inf
    cells = [[{"class": classify(r.losses, r.diverged_at, best),
               "final_loss": r.losses[-1] if r.losses else None, "diverged_at": r.diverged_at}
              for r in row] for row in done]
    return {"optimizer": optimizer, "steps": steps, "lrs": rates, "momenta": [float(m) for m in momenta],
            "momentum_name": {"momentum": "momentum", "betas": "β₁", None: "none"}[key],
            "cells": cells, "definitions": dict(DEFINITIONS)}
