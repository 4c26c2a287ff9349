"""Write tests/fixtures/torch_optim.json: PyTorch's own runs of every optimizer and schedule.

    python scripts/make_torch_references.py

PyTorch is needed only here; the parity tests (tests/engine/test_train_parity.py) read the
stored file, so the suite runs without it. Each case trains PROGRAM's parameters with
torch.optim (float64) and one lr_scheduler stepped after each update, and stores the loss
before each update and after the last, the rate each update used, and the final parameters.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_optim.json"
STEPS = 25

# The program in Backprop Studio's notation, and the same loss in PyTorch below.
PROGRAM = ("x = frozen([1.0, -2.0, 0.5])\n"
           "target = frozen([0.3, -0.7])\n"
           "W = [[0.5, -0.3, 0.1], [0.2, 0.8, -0.4]]\n"
           "b = [0.1, -0.2]\n"
           "loss = sum((tanh(W @ x + b) - target) ** 2) + 0.1 * sum(W * W)\n")


def torch_loss(W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    x = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    target = torch.tensor([0.3, -0.7], dtype=torch.float64)
    return ((torch.tanh(W @ x + b) - target) ** 2).sum() + 0.1 * (W * W).sum()


# Every hyperparameter combination that changes the arithmetic.
OPTIMIZER_CASES: list[dict] = [
    {"optimizer": "sgd", "lr": 0.1},
    {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9},
    {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "dampening": 0.5},
    {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True},
    {"optimizer": "sgd", "lr": 0.1, "momentum": 0.5, "weight_decay": 0.05},
    {"optimizer": "adagrad", "lr": 0.1},
    {"optimizer": "adagrad", "lr": 0.1, "lr_decay": 0.05},
    {"optimizer": "adagrad", "lr": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.05, "eps": 1e-6},
    {"optimizer": "rmsprop", "lr": 0.01},
    {"optimizer": "rmsprop", "lr": 0.01, "alpha": 0.9, "centered": True},
    {"optimizer": "rmsprop", "lr": 0.01, "momentum": 0.8},
    {"optimizer": "rmsprop", "lr": 0.01, "momentum": 0.8, "centered": True, "weight_decay": 0.05, "eps": 1e-6},
    {"optimizer": "adam", "lr": 0.05},
    {"optimizer": "adam", "lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-6},
    {"optimizer": "adam", "lr": 0.05, "weight_decay": 0.1},
    {"optimizer": "adam", "lr": 0.05, "amsgrad": True},
    {"optimizer": "adamw", "lr": 0.05},
    {"optimizer": "adamw", "lr": 0.05, "weight_decay": 0.3, "amsgrad": True, "betas": [0.5, 0.9]},
]

SCHEDULE_CASES: list[dict] = [
    {"optimizer": "sgd", "lr": 0.1, "schedule": {"name": "constant"}},
    {"optimizer": "sgd", "lr": 0.1, "schedule": {"name": "step", "step_size": 5, "gamma": 0.5}},
    {"optimizer": "sgd", "lr": 0.1, "schedule": {"name": "exponential", "gamma": 0.9}},
    {"optimizer": "sgd", "lr": 0.1, "schedule": {"name": "cosine", "t_max": 25}},
    {"optimizer": "sgd", "lr": 0.1, "schedule": {"name": "cosine", "t_max": 7, "eta_min": 0.01}},
    {"optimizer": "adam", "lr": 0.05, "schedule": {"name": "warmup"}},
    {"optimizer": "sgd", "lr": 0.1, "schedule": {"name": "warmup", "start_factor": 0.1, "end_factor": 0.9,
                                                 "total_iters": 8}},
    {"optimizer": "sgd", "lr": 0.01, "schedule": {"name": "cyclic", "max_lr": 0.2, "step_size_up": 4}},
    {"optimizer": "sgd", "lr": 0.01, "momentum": 0.9,
     "schedule": {"name": "cyclic", "base_lr": 0.02, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 6}},
]


def optimizer(spec: dict, params: list[torch.Tensor]) -> torch.optim.Optimizer:
    hp = {k: v for k, v in spec.items() if k not in ("optimizer", "schedule")}
    if "betas" in hp:
        hp["betas"] = tuple(hp["betas"])
    cls = {"sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
           "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[spec["optimizer"]]
    return cls(params, **hp)


def scheduler(spec: dict | None, opt: torch.optim.Optimizer):
    s = dict(spec or {"name": "constant"})
    name = s.pop("name")
    S = torch.optim.lr_scheduler
    if name == "constant":
        return None
    if name == "step":
        return S.StepLR(opt, **s)
    if name == "exponential":
        return S.ExponentialLR(opt, **s)
    if name == "cosine":
        return S.CosineAnnealingLR(opt, T_max=s["t_max"], eta_min=s.get("eta_min", 0.0))
    if name == "warmup":
        return S.LinearLR(opt, **s)
    if name == "cyclic":
        base = s.get("base_lr", opt.param_groups[0]["lr"])
        return S.CyclicLR(opt, base_lr=base, max_lr=s["max_lr"], step_size_up=s["step_size_up"],
                          step_size_down=s.get("step_size_down"), mode="triangular", cycle_momentum=False)
    raise ValueError(name)


def run(spec: dict) -> dict:
    W = torch.tensor([[0.5, -0.3, 0.1], [0.2, 0.8, -0.4]], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.1, -0.2], dtype=torch.float64, requires_grad=True)
    opt = optimizer(spec, [W, b])
    sched = scheduler(spec.get("schedule"), opt)
    losses, lrs = [], []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = torch_loss(W, b)
        losses.append(loss.item())
        loss.backward()
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        if sched is not None:
            sched.step()
    with torch.no_grad():
        losses.append(torch_loss(W, b).item())
    return {"spec": spec, "losses": losses, "lrs": lrs,
            "final": {"W": W.detach().tolist(), "b": b.detach().tolist()}}


def main() -> int:
    torch.set_default_dtype(torch.float64)
    cases = [run(spec) for spec in OPTIMIZER_CASES + SCHEDULE_CASES]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"torch": torch.__version__, "program": PROGRAM, "steps": STEPS,
                               "cases": cases}, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
