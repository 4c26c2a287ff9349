"""Tensor graphs: a two-layer network, the engine against PyTorch CPU (optional)."""
from __future__ import annotations

import re

import numpy as np

from engine import INITS, trace

from .programs import mlp_program
from .timing import Table, best_of, ms, ratio

TORCH_MISSING = ("torch not installed: install the optional extra with `pip install -e '.[bench-torch]'` "
                 "(on Linux choose PyTorch's CPU-only wheels: the default ones pull in gigabytes of CUDA)")


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_run(program: str, torch) -> tuple[float, float]:
    """The same forward and backward in PyTorch, parameters made the way the engine makes them
    (the same generator, so the same numbers); returns the loss and ‖∂loss/∂W1‖."""
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
    h = torch.relu(X @ W1 + b1)
    loss = torch.nn.functional.cross_entropy(h @ W2 + b2, y)
    loss.backward()
    return loss.item(), W1.grad.norm().item()


def run(shapes: list[tuple[int, int]], repeat: int) -> Table:
    torch = _torch()
    title = "Tensor graphs: two-layer network, source text → forward + backward (ms, best of " + str(repeat) + ")"
    table = Table(title, ["batch × width", "engine trace", "PyTorch CPU", "engine / PyTorch"])
    for batch, width in shapes:
        program = mlp_program(batch, width)
        e_s, t = best_of(lambda: trace(program), repeat)
        loss = float(t.nodes[t.output].value)  # type: ignore[union-attr]
        gW1 = float(np.linalg.norm(next(n for n in t.nodes if n.name == "W1").grad))  # type: ignore[union-attr]
        if torch is None:
            table.add(f"{batch} × {width}", ms(e_s), "—", "—")
            continue
        p_s, (p_loss, p_gW1) = best_of(lambda: torch_run(program, torch), repeat)  # type: ignore[misc]
        table.add(f"{batch} × {width}", ms(e_s), ms(p_s), ratio(e_s, p_s))
        if abs(loss - p_loss) > 1e-9 * max(1.0, abs(loss)) or abs(gW1 - p_gW1) > 1e-9 * max(1.0, gW1):
            table.notes.append(f"{batch} × {width}: engine and PyTorch DISAGREE (loss {loss} vs {p_loss})")
    table.notes.append("`X = frozen(randn(B, D))`, `W1 = randn(D, D)`, `W2 = randn(D, 10)`, zero biases; "
                       "`loss = cross_entropy(relu(X @ W1 + b1) @ W2 + b2, targets)`, float64. The engine column "
                       "is `engine.trace(source)`: parsing, making the parameters, forward, backward with every "
                       "step recorded. PyTorch makes the same parameters with the same generator, then runs "
                       "forward and backward.")
    if torch is None:
        table.notes.append(TORCH_MISSING)
    else:
        table.notes.append(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads; "
                           "losses and gradients agree with the engine's.")
    return table
