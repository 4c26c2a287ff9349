"""Learning-rate schedules with `torch.optim.lr_scheduler`'s names, defaults and arithmetic.

A schedule is stepped once after each update, as in PyTorch, so `rates(spec, lr, steps)[t]`
is the rate update t uses (t = 0 for the first). PyTorch computes most schedules
recursively from the previous rate (a product, not a closed form); the same recursion is
written here with the same Python floats, so the rates agree to the last bit or two.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from .errors import SpecError
from .i18n import Msg, catalogue, msg

REQUIRED: Any = object()


@dataclass(frozen=True)
class Schedule:
    """One schedule: its parameters (with defaults; REQUIRED has none), a check of its values,
    and the recursion (previous rate, t, base rate, parameters) → rate of update t (t ≥ 1)."""
    name: str
    params: dict[str, Any]
    first: Callable[[float, dict], float]                   # the rate of update 0
    next: Callable[[float, int, float, dict], float]        # the rate of update t from update t − 1's

    @property
    def formula(self) -> Msg:
        """The rate of update t, as a formula or in words (the catalogue's `sched.<name>.formula`)."""
        key = f"sched.{self.name}.formula"
        return msg(key if key in catalogue("en") else f"{key}.same")


def _step_next(lr: float, t: int, base: float, p: dict) -> float:
    return lr if t % p["step_size"] != 0 else lr * p["gamma"]


def _cosine_next(lr: float, t: int, base: float, p: dict) -> float:
    T, eta = p["t_max"], p["eta_min"]
    if (t - 1 - T) % (2 * T) == 0:
        return lr + (base - eta) * (1 - math.cos(math.pi / T)) / 2
    return (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (lr - eta) + eta


def _warmup_next(lr: float, t: int, base: float, p: dict) -> float:
    s, e, n = p["start_factor"], p["end_factor"], p["total_iters"]
    if t > n:
        return lr
    return lr * (1.0 + (e - s) / (n * s + (t - 1) * (e - s)))


def _cyclic(t: int, p: dict) -> float:
    up = p["step_size_up"]
    down = p["step_size_down"] if p["step_size_down"] is not None else up
    total = float(up + down)
    ratio = up / total
    cycle = math.floor(1 + t / total)
    x = 1.0 + t / total - cycle
    scale = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
    return p["base_lr"] + (p["max_lr"] - p["base_lr"]) * scale


SCHEDULES: dict[str, Schedule] = {s.name: s for s in [
    Schedule("constant", {}, lambda lr, p: lr, lambda lr, t, base, p: lr),
    Schedule("step", {"step_size": REQUIRED, "gamma": 0.1}, lambda lr, p: lr, _step_next),
    Schedule("exponential", {"gamma": REQUIRED}, lambda lr, p: lr, lambda lr, t, base, p: lr * p["gamma"]),
    Schedule("cosine", {"t_max": None, "eta_min": 0.0}, lambda lr, p: lr, _cosine_next),
    Schedule("warmup", {"start_factor": 1 / 3, "end_factor": 1.0, "total_iters": 5},
             lambda lr, p: lr * p["start_factor"], _warmup_next),
    Schedule("cyclic", {"base_lr": None, "max_lr": REQUIRED, "step_size_up": 2000, "step_size_down": None},
             lambda lr, p: _cyclic(0, p), lambda lr, t, base, p: _cyclic(t, p)),
]}


def _number(field: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise SpecError(field, msg("train.error.finite", got=repr(v)))
    return float(v)


def _whole(field: str, v: Any, least: int) -> int:
    if isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, float) and v.is_integer())):
        raise SpecError(field, msg("train.error.whole", got=repr(v)))
    if v < least:
        raise SpecError(field, msg("train.error.at_least", least=str(least), got=str(int(v))))
    return int(v)


def check_schedule(spec: Any, lr: float, steps: int, where: str) -> dict:
    """The schedule spec with every default filled in; SpecError naming the field if bad."""
    if spec is None:
        spec = {"name": "constant"}
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, dict):
        raise SpecError(where, msg("sched.error.object", got=repr(spec)))
    name = spec.get("name", "constant")
    if name not in SCHEDULES:
        raise SpecError(f"{where}.name", msg("sched.error.unknown", name=repr(name), names=", ".join(SCHEDULES)))
    s = SCHEDULES[name]
    for key in spec:
        if key != "name" and key not in s.params:
            problem = (msg("sched.error.no_param", name=name, param=repr(key), known=", ".join(s.params)) if s.params
                       else msg("sched.error.no_params", name=name, param=repr(key)))
            raise SpecError(f"{where}.{key}", problem)
    out: dict[str, Any] = {"name": name}
    for key, default in s.params.items():
        v = spec.get(key, default)
        if v is REQUIRED:
            raise SpecError(f"{where}.{key}", msg("sched.error.needs", name=name, param=key))
        out[key] = v
    f = lambda k: f"{where}.{k}"                                   # noqa: E731
    if name == "step":
        out["step_size"] = _whole(f("step_size"), out["step_size"], 1)
        out["gamma"] = _positive(f("gamma"), out["gamma"])
    elif name == "exponential":
        out["gamma"] = _positive(f("gamma"), out["gamma"])
    elif name == "cosine":
        out["t_max"] = _whole(f("t_max"), steps if out["t_max"] is None else out["t_max"], 1)
        out["eta_min"] = _number(f("eta_min"), out["eta_min"])
        if out["eta_min"] < 0:
            raise SpecError(f("eta_min"), msg("train.error.ge", low="0", got=f"{out['eta_min']:g}"))
    elif name == "warmup":
        out["start_factor"] = _number(f("start_factor"), out["start_factor"])
        out["end_factor"] = _number(f("end_factor"), out["end_factor"])
        if not 0 < out["start_factor"] <= 1:
            raise SpecError(f("start_factor"), msg("train.error.in", bound="(0, 1]", got=f"{out['start_factor']:g}"))
        if not 0 <= out["end_factor"] <= 1:
            raise SpecError(f("end_factor"), msg("train.error.in", bound="[0, 1]", got=f"{out['end_factor']:g}"))
        out["total_iters"] = _whole(f("total_iters"), out["total_iters"], 1)
    elif name == "cyclic":
        out["base_lr"] = lr if out["base_lr"] is None else _number(f("base_lr"), out["base_lr"])
        out["max_lr"] = _number(f("max_lr"), out["max_lr"])
        if out["base_lr"] < 0:
            raise SpecError(f("base_lr"), msg("train.error.ge", low="0", got=f"{out['base_lr']:g}"))
        if out["max_lr"] < out["base_lr"]:
            raise SpecError(f("max_lr"), msg("sched.error.max_lr", base=f"{out['base_lr']:g}", got=f"{out['max_lr']:g}"))
        out["step_size_up"] = _whole(f("step_size_up"), out["step_size_up"], 1)
        if out["step_size_down"] is not None:
            out["step_size_down"] = _whole(f("step_size_down"), out["step_size_down"], 1)
    return out


def _positive(field: str, v: Any) -> float:
    x = _number(field, v)
    if x <= 0:
        raise SpecError(field, msg("train.error.gt", low="0", got=f"{x:g}"))
    return x


def rates(spec: dict, lr: float, steps: int) -> list[float]:
    """The rate each of `steps` updates uses, for a checked schedule spec and base rate `lr`."""
    s = SCHEDULES[spec["name"]]
    if steps <= 0:
        return []
    out = [s.first(lr, spec)]
    for t in range(1, steps):
        out.append(s.next(out[-1], t, lr, spec))
    return out
