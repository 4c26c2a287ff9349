"""The programs the benchmark runs, written in Backprop Studio's notation.

Scalar programs use only what micrograd 0.1.0 also has (+, −, ×, ÷, ** constant, unary −,
relu), so the very same text runs on both; every statement squashes its value with
t / (1 + t²), which keeps it in [−½, ½] however long the program is. Tensor programs are a
two-layer network with a cross-entropy loss, parameters made with constructors.
"""
from __future__ import annotations

import random
import re

LEAF = re.compile(r"^(\w+) = (-?[0-9.]+)$", re.M)


def scalar_program(nodes: int, seed: int = 0) -> str:
    """A program whose graph has about `nodes` nodes: leaves, constants and operations,
    with values used several times (fan-out) as well as chained."""
    rng = random.Random(seed)
    weights = max(4, min(64, nodes // 20))
    lines = [f"w{j} = {rng.uniform(-1, 1):.3f}" for j in range(weights)]
    lines += ["h0 = 0.25", "h1 = -0.5"]
    count, k = weights + 2, 2
    while count < nodes - 9:
        q, p, w = f"h{rng.randrange(max(0, k - 8), k)}", f"h{k - 1}", f"w{rng.randrange(weights)}"
        form = rng.randrange(4)
        if form == 0:
            combo, made = f"{q} * {w} + {p}", 2
        elif form == 1:
            combo, made = f"relu({q}) - {p} * 0.5", 4
        elif form == 2:
            combo, made = f"{q} * {p} + {w}", 2
        else:
            combo, made = f"-{q} + relu({p} + {w})", 4
        lines.append(f"t{k} = {combo}")
        lines.append(f"h{k} = t{k} / (1 + t{k} ** 2)")     # const, const, **, +, /
        count += made + 5
        k += 1
    return "\n".join(lines) + "\n"


def micrograd_source(program: str) -> str:
    """The same program as micrograd's users write it: leaves become `Value(…)`; the rest of
    the text (operators, relu(…)) is unchanged Python."""
    return ("from micrograd.engine import Value\n"
            "def relu(v):\n    return v.relu()\n"
            + LEAF.sub(r"\1 = Value(\2)", program))


def output_name(program: str) -> str:
    return program.rstrip().rsplit("\n", 1)[-1].split("=", 1)[0].strip()


def mlp_program(batch: int, width: int, classes: int = 10, seed: int = 0) -> str:
    """A two-layer network on a batch: relu(X W₁ + b₁) W₂ + b₂, then cross-entropy."""
    rng = random.Random(seed)
    targets = ", ".join(str(rng.randrange(classes)) for _ in range(batch))
    return (f"X = frozen(randn({batch}, {width}, seed=1))\n"
            f"W1 = randn({width}, {width}, seed=2, scale={1 / width ** 0.5:.6f})\n"
            f"b1 = zeros({width})\n"
            f"W2 = randn({width}, {classes}, seed=3, scale={1 / width ** 0.5:.6f})\n"
            f"b2 = zeros({classes})\n"
            f"h = relu(X @ W1 + b1)\n"
            f"logits = h @ W2 + b2\n"
            f"loss = cross_entropy(logits, [{targets}])\n")
