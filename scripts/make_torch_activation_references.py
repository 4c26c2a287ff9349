"""Write tests/fixtures/torch_activations.json: PyTorch's value and autograd derivative of
every nonlinearity on the activation table's own grid.

    python scripts/make_torch_activation_references.py

PyTorch is needed only here; tests/engine/test_activations.py reads the stored file, so the
suite runs without it. The grid is the table's (`engine.activations`), float64.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from engine.activations import activations  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_activations.json"

# PyTorch's function for each nonlinearity, at the op table's default parameters.
TORCH = {
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "hardtanh": F.hardtanh, "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.01), "softplus": F.softplus, "elu": F.elu,
    "gelu": F.gelu, "silu": F.silu,
}


def main() -> None:
    out = {"torch": torch.__version__, "curves": {}}
    for c in activations():
        x = torch.tensor(c["x"], dtype=torch.float64, requires_grad=True)
        y = TORCH[c["name"]](x)
        y.sum().backward()
        out["curves"][c["name"]] = {"x": c["x"], "y": y.detach().tolist(), "dy": x.grad.tolist()}
    OUT.write_text(json.dumps(out, indent=None) + "\n")
    print(f"wrote {OUT} ({len(out['curves'])} nonlinearities, torch {torch.__version__})")


if __name__ == "__main__":
    main()
