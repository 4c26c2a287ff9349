"""Training: 300 Adam steps of the two-layer network, the engine against the same loop in
PyTorch CPU float64 (optional), and the training lab's default example answered."""
from __future__ import annotations

import re

import numpy as np

from engine import INITS
from engine.train import DEFAULT_RUN, DEFAULT_STEPS, train

from .programs import mlp_program
from .tensor import TORCH_MISSING, _torch
from .timing import Table, best_of, ms, ratio

STEPS = 300
LR = 1e-3


def torch_adam(program: str, torch, steps: int = STEPS) -> list[float]:
    """The same network, parameters made with the engine's generator, trained with torch.optim.Adam."""
    batch, width = map(int, re.search(r"randn\((\d+), (\d+), seed=1\)", program).groups())
    scale = float(re.search(r"W1 = randn\(\d+, \d+, seed=2, scale=([0-9.]+)\)", program).group(1))
    classes = int(re.search(r"W2 = randn\(\d+, (\d+)", program).group(1))
    targets = [int(t) for t in re.search(r"cross_entropy\(logits, \[([^\]]*)\]\)", program).group(1).split(",")]
    randn = INITS["randn"].make
    X = torch.from_numpy(randn((batch, width), {"seed": 1, "scale": 1.0}))
    W1 = torch.from_numpy(randn((width, width), {"seed": 2, "scale": scale})).requires_grad_()
    b1 = torch.zeros(width, dtype=torch.float64, requires_grad=True)
    W2 = torch.from_numpy(randn((width, classes), {"seed": 3, "scale": scale})).requires_grad_()
    b2 = torch.zeros(classes, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(targets)
    opt = torch.optim.Adam([W1, b1, W2, b2], lr=LR)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(torch.relu(X @ W1 + b1) @ W2 + b2, y)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    return losses


def answered(source: str, repeat: int) -> float:
    """The default example through the app: the request, its worker, the answer's JSON."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    body = {"source": source, "steps": DEFAULT_STEPS, "runs": [DEFAULT_RUN]}
    with TestClient(create_app()) as client:
        assert client.post("/api/train", json=body).status_code == 200      # the workers started
        seconds, _ = best_of(lambda: client.post("/api/train", json=body), repeat)
    return seconds


def _one_blas_thread():
    """numpy's BLAS on one thread, as in the server's workers and as PyTorch is run here."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(1, user_api="blas")


def run(repeat: int, batch: int = 64, width: int = 64) -> Table:
    torch = _torch()
    program = mlp_program(batch, width)
    spec = [{"optimizer": "adam", "lr": LR}]
    limit = _one_blas_thread()
    title = f"Training: {STEPS} Adam steps of the two-layer network, batch {batch}, width {width} (ms, best of {repeat})"
    table = Table(title, ["what", "engine", "PyTorch CPU", "engine / PyTorch"])
    e_s, result = best_of(lambda: train(program, spec, STEPS), repeat)
    losses = result.to_dict()["runs"][0]["losses"]          # type: ignore[union-attr]
    if torch is None:
        table.add(f"{STEPS} Adam steps", ms(e_s), "—", "—")
        table.notes.append(TORCH_MISSING)
    else:
        torch.set_num_threads(1)                            # the workers run one BLAS thread each
        p_s, p_losses = best_of(lambda: torch_adam(program, torch), repeat)
        table.add(f"{STEPS} Adam steps", ms(e_s), ms(p_s), ratio(e_s, p_s))
        agree = np.allclose(losses[:STEPS], p_losses, rtol=1e-6, atol=1e-12)    # type: ignore[arg-type]
        table.notes.append(f"PyTorch {torch.__version__} and numpy's BLAS on 1 thread each, float64; the {STEPS} losses "
                           + ("agree to 1e-6." if agree else "DISAGREE."))
    from app.examples import TRAIN_EXAMPLES
    source = TRAIN_EXAMPLES[0]["source"]
    d_s, _ = best_of(lambda: train(source, [DEFAULT_RUN], DEFAULT_STEPS).to_dict(), repeat)
    table.add(f"the lab's default ({TRAIN_EXAMPLES[0]['id']}, {DEFAULT_STEPS} steps)", ms(d_s), "—", "—")
    a_s = answered(source, repeat)
    table.add("... answered by POST /api/train (a worker, the JSON)", ms(a_s), "—", "—")
    if limit is not None:
        limit.unregister()
    table.notes.append("The engine column is `engine.train(source, runs, steps)`: parsing, compiling, every "
                       "update, the document's numbers (losses, rates, gradient norms, trajectories). PyTorch "
                       "runs the same loop (zero_grad, forward, backward, step) on the same parameters. Targets: "
                       "engine / PyTorch ≤ 1.0× (the issue's bar 1.5×); the default example in under 300 ms.")
    return table
