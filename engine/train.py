"""Training as data: runs of optimizers over a program's parameters, each iteration recorded.

    from engine import train
    r = train("w = 3.0\\nloss = (w - 1) ** 2", [{"optimizer": "sgd", "lr": 0.1}], steps=50)
    r.to_dict()          # {"source", "steps", "parameters", "runs": [...]} (README, "Training")

A run starts from the program's values; before each update it evaluates the loss and the
gradient (the compiled program, no step records), then the optimizer updates every
parameter with the rate its schedule gives. A loss or gradient that is not finite ends the
run there: `diverged_at` says at which iteration, and everything before it is kept.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import train_document as tdoc
from .compiled import Compiled, Parameter, with_parameters
from .errors import SpecError
from .i18n import msg
from .limits import MAX_TRAIN_RUNS, MAX_TRAIN_STEPS, MAX_TRAIN_WORK, TRAJECTORY_ENTRIES, WORK_PER_NODE
from .optimizers import OPTIMIZERS, Explained, check_optimizer, fill_rule, unknown_optimizer
from .parser import build
from .schedules import check_schedule, rates
from .trace import Trace

# The lab's default: what a run is when the page (or a test) asks for one without choices.
DEFAULT_STEPS = 100
DEFAULT_RUN: dict[str, Any] = {"optimizer": "adam", "lr": 0.05}


def check_steps(steps: Any, field: str = "steps", most: int = MAX_TRAIN_STEPS) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise SpecError(field, msg("train.error.whole", got=repr(steps)))
    if not 1 <= steps <= most:
        raise SpecError(field, msg("train.error.from_to", low="1", high=f"{most:,}", got=f"{steps:,}"))
    return steps


def check_run(spec: Any, steps: int, where: str) -> dict:
    """A run spec with every default filled in: optimizer, hyperparameters, schedule, label."""
    if not isinstance(spec, dict):
        raise SpecError(where, msg("train.error.run_object", got=repr(spec)))
    name = spec.get("optimizer")
    if name not in OPTIMIZERS:
        raise SpecError(f"{where}.optimizer", unknown_optimizer(name))
    known = set(OPTIMIZERS[name].defaults) | {"optimizer", "schedule", "label"}
    for key in spec:
        if key not in known:
            raise SpecError(f"{where}.{key}", msg("optim.error.no_hyper", name=name, param=repr(key),
                                                  known=", ".join(OPTIMIZERS[name].defaults)))
    hp = check_optimizer(spec, where)
    schedule = check_schedule(spec.get("schedule"), hp["lr"], steps, f"{where}.schedule")
    label = spec.get("label")
    if label is not None and not isinstance(label, str):
        raise SpecError(f"{where}.label", msg("train.error.text", got=repr(label)))
    if label is None:
        label = f"{name} lr={hp['lr']:g}" + ("" if schedule["name"] == "constant" else f" {schedule['name']}")
    return {"optimizer": name, **hp, "schedule": schedule, "label": label[:80]}


def check_runs(runs: Any, steps: int, field: str = "runs") -> list[dict]:
    if not isinstance(runs, list) or not runs:
        raise SpecError(field, msg("train.error.runs_empty"))
    if len(runs) > MAX_TRAIN_RUNS:
        raise SpecError(field, msg("train.error.runs_most", most=str(MAX_TRAIN_RUNS), got=str(len(runs))))
    return [check_run(r, steps, f"{field}[{i}]") for i, r in enumerate(runs)]


def check_work(compiled: Compiled, steps: int, runs: int, field: str = "steps") -> None:
    """Refuse a request whose steps × runs × the graph's size passes MAX_TRAIN_WORK."""
    size = compiled.work_size
    work = steps * runs * size
    if work > MAX_TRAIN_WORK:
        raise SpecError(field, msg("train.error.work_run" if runs == 1 else "train.error.work_runs",
                                   steps=f"{steps:,}", runs=str(runs), size=f"{size:,}", per_node=str(WORK_PER_NODE),
                                   work=f"{work:,}", limit=f"{MAX_TRAIN_WORK:,}"))


def sample_entries(size: int, most: int = TRAJECTORY_ENTRIES) -> np.ndarray:
    """Every flat index up to `most`, else `most` of them spread evenly (first and last included)."""
    if size <= most:
        return np.arange(size)
    return np.unique(np.linspace(0, size - 1, most).round().astype(int))


@dataclass
class Run:
    """One run's record (see `to_dict`); `params` is the parameters at the last finite iteration."""
    spec: dict
    losses: list[float] = field(default_factory=list)
    lrs: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)
    diverged_at: int | None = None
    params: list[np.ndarray] = field(default_factory=list)
    watched: list[list[list[float]]] = field(default_factory=list)   # per parameter, per iteration
    explained: list[Explained] | None = None        # the update of the inspected iteration
    grads_at: list[np.ndarray] | None = None        # the gradient at the inspected iteration
    state_at: list[dict] | None = None              # the buffers after the last update, if it is the end


def run(compiled: Compiled, spec: dict, steps: int, watch: list[np.ndarray] | None = None,
        inspect_at: int | None = None) -> Run:
    """Train from the program's values for `steps` updates (or up to `inspect_at`, explaining it)."""
    opt = OPTIMIZERS[spec["optimizer"]]
    hp = spec
    update = opt.update
    lr_at = rates(spec["schedule"], spec["lr"], steps)
    params = [p.copy() for p in compiled.initial]
    state: list[dict] = [{} for _ in params]
    r = Run(spec, params=params, watched=[[] for _ in params])
    watch = watch if watch is not None else []
    last = steps if inspect_at is None else inspect_at
    for t in range(last + 1):
        loss, grads = compiled.loss_and_grads(params)
        norm = grad_norm(grads)
        if not (math.isfinite(loss) and math.isfinite(norm)):
            r.diverged_at = t
            break
        r.losses.append(loss)
        r.grad_norms.append(norm)
        r.params = params
        for k, entries in enumerate(watch):
            r.watched[k].append(params[k].reshape(-1)[entries].tolist())
        if t == steps:
            if inspect_at == t:
                r.grads_at, r.state_at = grads, state
            break
        lr = lr_at[t]
        if inspect_at == t:
            done = [update(p, g, st, lr, t + 1, hp, True) for p, g, st in zip(params, grads, state)]
            params = [d[0] for d in done]
            r.explained, r.grads_at = [d[1] for d in done], grads
            r.lrs.append(lr)
            break
        params = [update(p, g, st, lr, t + 1, hp, False) for p, g, st in zip(params, grads, state)]
        r.lrs.append(lr)
    return r


def grad_norm(grads: list[np.ndarray]) -> float:
    """‖g‖ over every parameter, scaled by the largest entry so that squaring cannot overflow."""
    big = max((float(np.max(np.abs(g))) if g.size else 0.0) for g in grads)
    if big == 0.0 or not math.isfinite(big):
        return big
    return big * math.sqrt(sum(float(np.vdot(g / big, g / big)) for g in grads))


def _value(a: np.ndarray) -> Any:
    return float(a) if a.ndim == 0 else a.tolist()


class TrainResult:
    """The result of `train`: `to_dict()` is the training document of the README."""

    def __init__(self, compiled: Compiled, steps: int, runs: list[Run], entries: list[np.ndarray]) -> None:
        self.compiled, self.steps, self.runs, self.entries = compiled, steps, runs, entries

    @property
    def parameters(self) -> list[Parameter]:
        return self.compiled.parameters

    def to_dict(self) -> tdoc.TrainDocument:
        params = self.compiled.parameters
        return {
            "source": self.compiled.source, "steps": self.steps,
            "parameters": [{"node": p.node, "name": p.name, "shape": list(p.shape)} for p in params],
            "runs": [{
                "spec": r.spec, "losses": r.losses, "lrs": r.lrs, "grad_norms": r.grad_norms,
                "final": {p.name: _value(v) for p, v in zip(params, r.params)},
                "diverged_at": r.diverged_at,
                "trajectories": {p.name: {"entries": e.tolist(), "values": w}
                                 for p, e, w in zip(params, self.entries, r.watched)},
            } for r in self.runs]}


def prepare(source: str, runs: Any, steps: Any, work_runs: int | None = None) -> tuple[Compiled, int, list[dict]]:
    """The compiled program and the checked steps and run specs (SpecError / ProgramError if bad)."""
    steps = check_steps(steps)
    specs = check_runs(runs, steps)
    compiled = Compiled(source)
    check_work(compiled, steps, work_runs or len(specs))
    return compiled, steps, specs


def train(source: str, runs: Any, steps: Any) -> TrainResult:
    """Run every spec of `runs` for `steps` updates from the program's values."""
    compiled, steps, specs = prepare(source, runs, steps)
    entries = [sample_entries(p.size) for p in compiled.parameters]
    return TrainResult(compiled, steps, [run(compiled, s, steps, entries) for s in specs], entries)


# ---------------------------------------------------------------- one iteration, inspected

def check_run_index(specs: list[dict], i: Any, field: str) -> int:
    if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(specs):
        raise SpecError(field, msg("train.error.run_index", last=str(len(specs) - 1), got=repr(i)))
    return i


def check_iteration(t: Any, steps: int, field: str) -> int:
    if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t <= steps:
        raise SpecError(field, msg("train.error.iteration", last=str(steps), got=repr(t)))
    return t


def run_until(compiled: Compiled, spec: dict, steps: int, t: int, field: str) -> Run:
    """Run `spec` up to iteration t, explaining its update there; SpecError if it diverged before."""
    r = run(compiled, spec, steps, inspect_at=t)
    if r.diverged_at is not None:
        raise SpecError(field, msg("train.error.diverged_before", at=str(r.diverged_at), last=str(r.diverged_at - 1))
                        if r.diverged_at else msg("train.error.diverged_at_0"))
    return r


def entry_problem(dims: int, shape: list[int], got: Any, of: str | None = None):
    """Why `got` is not an entry of a tensor of `shape` (named `of`, if given)."""
    key = ("train.error.entry_one" if dims == 1 else "train.error.entry_many") + ("_of" if of is not None else "")
    return msg(key, count=str(dims), shape=str(shape), got=repr(got), **({"name": of} if of is not None else {}))


def _entry(p: Parameter, chosen: Any, field: str) -> list[int]:
    if chosen is None:
        return [0] * len(p.shape)
    if (not isinstance(chosen, list) or len(chosen) != len(p.shape)
            or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n for i, n in zip(chosen, p.shape))):
        raise SpecError(field, entry_problem(len(p.shape), list(p.shape), chosen))
    return chosen


def inspect(source: str, runs: Any, steps: Any, run_index: Any, iteration: Any,
            entry: dict[str, list[int]] | None = None) -> tdoc.Inspection:
    """Iteration t of run i: each parameter's value, gradient, optimizer state, step size and
    update, its rule in symbols and with one entry's numbers, and the trace at its values."""
    compiled, steps, specs = prepare(source, runs, steps, work_runs=1)
    i = check_run_index(specs, run_index, "inspect.run")
    t = check_iteration(iteration, steps, "inspect.iteration")
    entry = entry or {}
    if not isinstance(entry, dict):
        raise SpecError("inspect.entry", msg("train.error.entry_map", got=repr(entry)))
    names = {p.name for p in compiled.parameters}
    for name in entry:
        if name not in names:
            raise SpecError(f"inspect.entry.{name}", msg("train.error.no_parameter", name=repr(name),
                                                         names=", ".join(sorted(names))))
    spec = specs[i]
    r = run_until(compiled, spec, steps, t, "inspect.iteration")
    opt = OPTIMIZERS[spec["optimizer"]]
    theta = r.params                      # the values at iteration t (before its update)
    out: list[tdoc.ParameterState] = []
    for k, p in enumerate(compiled.parameters):
        idx = _entry(p, entry.get(p.name), f"inspect.entry.{p.name}")
        lines = opt.rule(spec, t + 1)
        g = r.grads_at[k]
        if r.explained is not None:
            ex = r.explained[k]
            at = tuple(idx)
            numbers = {key: (float(np.asarray(v)[at]) if isinstance(v, np.ndarray) and v.ndim else float(v))
                       for key, v in ex.quantities.items()}
            out.append({"name": p.name, "node": p.node, "shape": list(p.shape), "value": _value(theta[k]),
                        "grad": _value(g), "state": {key: _value(np.asarray(v)) for key, v in ex.state.items()},
                        "step_size": _value(np.asarray(ex.step_size)), "update": _value(ex.update),
                        "rule": {"tex": fill_rule(lines, None), "numbers": fill_rule(lines, numbers), "entry": idx}})
        else:                             # the last iteration: no update follows it
            state = {key: _value(v) for key, v in (r.state_at or [{}] * len(theta))[k].items()}
            out.append({"name": p.name, "node": p.node, "shape": list(p.shape), "value": _value(theta[k]),
                        "grad": _value(g), "state": state, "step_size": None, "update": None,
                        "rule": {"tex": fill_rule(lines, None), "numbers": None, "entry": idx}})
    graph, output = build(compiled.source)
    with_parameters(graph, compiled, theta)
    doc = Trace(compiled.source, graph, output).to_dict()
    return {"run": i, "iteration": t, "loss": r.losses[t], "lr": r.lrs[t] if t < len(r.lrs) else None,
            "parameters": out, "trace": doc}


def trace_at(source: str, runs: Any, steps: Any, run_index: Any, iteration: Any, field: str = "at"):
    """The program's Trace with its parameters at iteration t of run i."""
    compiled, steps, specs = prepare(source, runs, steps, work_runs=1)
    i = check_run_index(specs, run_index, f"{field}.run")
    t = check_iteration(iteration, steps, f"{field}.iteration")
    r = run(compiled, specs[i], steps, inspect_at=t)
    if r.diverged_at is not None and r.diverged_at <= t:
        raise SpecError(f"{field}.iteration", msg("train.error.diverged_choose", at=str(r.diverged_at)))
    graph, output = build(compiled.source)
    with_parameters(graph, compiled, r.params)
    return Trace(compiled.source, graph, output)
