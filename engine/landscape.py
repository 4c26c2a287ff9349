"""Two views of training over the loss: a slice through two coordinates with each run's path on
it, and a learning-rate map of short runs classed converged / slow / oscillating / diverged."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import train_document as tdoc
from .compiled import Compiled
from .errors import SpecError
from .i18n import Msg, msg
from .limits import MAX_LRMAP_CELLS, MAX_LRMAP_STEPS, MAX_SLICE_GRID, MAX_TRAIN_WORK
from .optimizers import OPTIMIZERS, unknown_optimizer
from .train import check_iteration, check_run_index, check_run, check_steps, entry_problem, prepare, run, run_until

SLICE_MARGIN = 0.15          # the slice's ranges reach this fraction of their span past every path
CONVERGED_GAP = 0.01         # converged: within 1% of the map's best loss (of the way from the start)
OSCILLATING_RISES = 0.25     # oscillating: the loss rose at this share of the second half's updates

CLASSES = ("converged", "slow", "oscillating", "diverged")
# What each class means, as the catalogue words it (`train.lrmap.class.<name>.definition`).
DEFINITION_MSGS: dict[str, Msg] = {k: msg(f"train.lrmap.class.{k}.definition") for k in CLASSES}
DEFINITIONS: dict[str, str] = {k: m.text("en") for k, m in DEFINITION_MSGS.items()}


def _coordinate(compiled: Compiled, spec: Any, field: str) -> tuple[int, int, list[int]]:
    """(parameter index, flat index, entry) of {"name", "entry"}."""
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise SpecError(field, msg("train.error.coordinate", got=repr(spec)))
    names = [p.name for p in compiled.parameters]
    if spec["name"] not in names:
        raise SpecError(f"{field}.name", msg("train.error.no_parameter", name=repr(spec["name"]), names=", ".join(names)))
    k = names.index(spec["name"])
    shape = compiled.parameters[k].shape
    entry = spec.get("entry", [0] * len(shape))
    if (not isinstance(entry, list) or len(entry) != len(shape)
            or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n for i, n in zip(entry, shape))):
        raise SpecError(f"{field}.entry", entry_problem(len(shape), list(shape), entry, spec["name"]))
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
        raise SpecError("grid", msg("train.error.whole_from_to", low="3", high=str(MAX_SLICE_GRID), got=repr(grid)))
    size = compiled.work_size
    work = steps * len(specs) * size + grid * grid * size
    if work > MAX_TRAIN_WORK:
        raise SpecError("grid", msg("train.error.grid_work", grid=str(grid), size=f"{size:,}", work=f"{work:,}",
                                    limit=f"{MAX_TRAIN_WORK:,}"))
    i = check_run_index(specs, run_index, "run")
    t = check_iteration(iteration, steps, "iteration")
    kx, fx, ex = _coordinate(compiled, x, "x")
    ky, fy, ey = _coordinate(compiled, y, "y")
    if (kx, fx) == (ky, fy):
        raise SpecError("y", msg("train.error.same_coordinate"))
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
    told = (msg("train.slice.held.exact") if exact
            else msg("train.slice.held.others", iteration=str(t), run=str(i), label=label))
    return {"x": {"name": names[kx], "entry": ex, "values": gx.tolist()},
            "y": {"name": names[ky], "entry": ey, "values": gy.tolist()},
            "loss": loss, "held": told.text("en"), "held_msg": told.to_json(), "exact": exact, "paths": paths}


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
        raise SpecError("optimizer", unknown_optimizer(optimizer))
    if not isinstance(lrs, dict):
        raise SpecError("lrs", msg("train.error.lrs_object", got=repr(lrs)))
    lo, hi, count = lrs.get("min"), lrs.get("max"), lrs.get("count", 9)
    for key, v in (("min", lo), ("max", hi)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and v > 0):
            raise SpecError(f"lrs.{key}", msg("train.error.positive", got=repr(v)))
    if hi < lo:
        raise SpecError("lrs.max", msg("train.error.lrs_max", low=f"{lo:g}", got=f"{hi:g}"))
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_LRMAP_CELLS:
        raise SpecError("lrs.count", msg("train.error.whole_from_to", low="1", high=str(MAX_LRMAP_CELLS), got=repr(count)))
    key = MOMENTUM_OF.get(optimizer)
    if momenta is None:
        momenta = DEFAULT_MOMENTA[optimizer]
    if not isinstance(momenta, list) or not momenta:
        raise SpecError("momenta", msg("train.error.momenta_list", got=repr(momenta)))
    if key is None and any(m != 0 for m in momenta):
        raise SpecError("momenta", msg("train.error.no_momentum", name=optimizer))
    if len(momenta) * count > MAX_LRMAP_CELLS:
        raise SpecError("lrs.count", msg("train.error.map_cells", count=str(count), momenta=str(len(momenta)),
                                         runs=str(count * len(momenta)), limit=str(MAX_LRMAP_CELLS)))
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
                raise SpecError(f"momenta[{j}]", e.problem) from None
        specs.append(row)
    compiled = Compiled(source)
    size = compiled.work_size
    work = steps * len(momenta) * count * size
    if work > MAX_TRAIN_WORK:
        raise SpecError("steps", msg("train.error.map_work", steps=str(steps), runs=str(len(momenta) * count),
                                     size=f"{size:,}", work=f"{work:,}", limit=f"{MAX_TRAIN_WORK:,}"))
    done = [[run(compiled, s, steps) for s in row] for row in specs]
    finite = [loss for row in done for r in row for loss in r.losses]
    best = min(finite) if finite else math.inf
    cells = [[{"class": classify(r.losses, r.diverged_at, best),
               "final_loss": r.losses[-1] if r.losses else None, "diverged_at": r.diverged_at}
              for r in row] for row in done]
    return {"optimizer": optimizer, "steps": steps, "lrs": rates, "momenta": [float(m) for m in momenta],
            "momentum_name": {"momentum": "momentum", "betas": "β₁", None: "none"}[key],
            "cells": cells, "definitions": dict(DEFINITIONS),
            "definitions_msg": {k: m.to_json() for k, m in DEFINITION_MSGS.items()}}
