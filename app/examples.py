"""Worked examples for the gallery, one per idea of the lecture (CS224N lecture 4).

Each example's title and description live in the catalogue (`gallery.<id>.title`,
`gallery.<id>.description`; the training lab's under `gallery.train.<id>`): the lists here
carry them in English, `examples_in(lang)` and `train_examples_in(lang)` in any language.
"""
from __future__ import annotations

from engine.i18n import text

EXAMPLES: list[dict[str, str]] = [
    {
        "id": "lecture",
        "source": "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)\n",
    },
    {
        "id": "sigmoid-neuron",
        "source": "w0 = 2.0; x0 = -1.0\nw1 = -3.0; x1 = -2.0\nb = -3.0\n"
                  "z = w0 * x0 + w1 * x1 + b\na = sigmoid(z)\n",
    },
    {
        "id": "window-classifier",
        "source": (
            "museums = [0.1, -0.3]\nx_in = [0.2, 0.0]\nParis = [0.5, 0.4]\nare = [-0.1, 0.2]\n"
            "amazing = [0.3, 0.3]\n"
            "x = concat(museums, x_in, Paris, are, amazing)\n"
            "W = xavier(4, 10, seed=0)\n"
            "b = zeros(4)\n"
            "u = [1.0, -0.5, 0.25, 2.0]\n"
            "h = relu(W @ x + b)\n"
            "s = u @ h\n"
        ),
    },
    {
        "id": "frozen-word-vectors",
        "source": (
            "museums = frozen([0.1, -0.3])\nx_in = frozen([0.2, 0.0])\nParis = frozen([0.5, 0.4])\n"
            "are = frozen([-0.1, 0.2])\namazing = frozen([0.3, 0.3])\n"
            "x = concat(museums, x_in, Paris, are, amazing)\n"
            "W = xavier(4, 10, seed=0)\n"
            "b = zeros(4)\n"
            "u = [1.0, -0.5, 0.25, 2.0]\n"
            "s = u @ relu(W @ x + b)\n"
        ),
    },
    {
        "id": "softmax-l2",
        "source": (
            "x = [0.5, -1.0, 2.0]\n"
            "W = xavier(3, 3, seed=1)\n"
            "b = zeros(3)\n"
            "logits = W @ x + b\n"
            "loss = cross_entropy(logits, 2)\n"
            "penalty = 0.01 * sum(W * W)\n"
            "J = loss + penalty\n"
        ),
    },
    {
        "id": "two-layer",
        "source": (
            "x = [1.0, -2.0, 0.5]\n"
            "W1 = xavier(4, 3, seed=1)\nb1 = zeros(4)\n"
            "W2 = xavier(2, 4, seed=2)\nb2 = zeros(2)\n"
            "h = tanh(W1 @ x + b1)\n"
            "logits = W2 @ h + b2\n"
            "loss = cross_entropy(logits, 0)\n"
        ),
    },
    {
        "id": "deep-tanh",
        "source": (
            "x = [0.0, 1.5, -0.4, -1.4, 0.7, 1.2, -1.0, -0.9]\n"
            "W1 = xavier(8, 8, seed=1); b1 = zeros(8)\n"
            "h1 = tanh(W1 @ x + b1)\n"
            "W2 = xavier(8, 8, seed=2); b2 = zeros(8)\n"
            "h2 = tanh(W2 @ h1 + b2)\n"
            "W3 = xavier(8, 8, seed=3); b3 = zeros(8)\n"
            "h3 = tanh(W3 @ h2 + b3)\n"
            "W4 = xavier(8, 8, seed=4); b4 = zeros(8)\n"
            "h4 = tanh(W4 @ h3 + b4)\n"
            "W5 = xavier(8, 8, seed=5); b5 = zeros(8)\n"
            "h5 = tanh(W5 @ h4 + b5)\n"
            "W6 = xavier(8, 8, seed=6); b6 = zeros(8)\n"
            "h6 = tanh(W6 @ h5 + b6)\n"
            "loss = sum(h6)\n"
        ),
    },
    {
        "id": "used-twice",
        "source": "x = 3.0\ny = 2.0 * x\nz = x * x\nf = y + z\n",
    },
]


def _told(examples: list[dict[str, str]], prefix: str, lang: str) -> list[dict[str, str]]:
    """`examples` with their title and description in `lang` (id and source kept)."""
    return [{"id": e["id"], "title": text(f"{prefix}{e['id']}.title", lang),
             "description": text(f"{prefix}{e['id']}.description", lang), "source": e["source"]}
            for e in examples]


def example_by_id(example_id: str) -> dict[str, str] | None:
    """The example with this id, or None."""
    return next((e for e in EXAMPLES if e["id"] == example_id), None)


# The training lab's examples: each trains (its loss falls) with the lab's default run
# (engine.train.DEFAULT_RUN for DEFAULT_STEPS), which tests/engine/test_train_examples.py checks.
TRAIN_EXAMPLES: list[dict[str, str]] = [
    {
        "id": "valley",
        "source": "x = -1.5\ny = 2.0\nloss = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2\n",
    },
    {
        "id": "logistic-regression",
        "source": (
            "X = frozen([[1.0, 2.0], [2.0, 1.0], [-1.0, -1.5], [-2.0, -0.5], [0.5, 1.5], [1.5, -0.5], "
            "[-0.5, -2.0], [-1.5, 0.5]])\n"
            "y = frozen([1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0])\n"
            "w = [0.0, 0.0]\n"
            "b = 0.0\n"
            "p = sigmoid(X @ w + b)\n"
            "loss = -mean(y * log(p) + (1 - y) * log(1 - p))\n"
        ),
    },
    {
        "id": "window-trainable",
        "source": (
            "museums = [0.1, -0.3]\nx_in = [0.2, 0.0]\nParis = [0.5, 0.4]\nare = [-0.1, 0.2]\n"
            "amazing = [0.3, 0.3]\n"
            "x = concat(museums, x_in, Paris, are, amazing)\n"
            "W = xavier(4, 10, seed=0)\n"
            "b = zeros(4)\n"
            "u = [1.0, -0.5, 0.25, 2.0]\n"
            "s = u @ relu(W @ x + b)\n"
            "J = log(1 + exp(-s))\n"
        ),
    },
    {
        "id": "window-frozen",
        "source": (
            "museums = frozen([0.1, -0.3])\nx_in = frozen([0.2, 0.0])\nParis = frozen([0.5, 0.4])\n"
            "are = frozen([-0.1, 0.2])\namazing = frozen([0.3, 0.3])\n"
            "x = concat(museums, x_in, Paris, are, amazing)\n"
            "W = xavier(4, 10, seed=0)\n"
            "b = zeros(4)\n"
            "u = [1.0, -0.5, 0.25, 2.0]\n"
            "s = u @ relu(W @ x + b)\n"
            "J = log(1 + exp(-s))\n"
        ),
    },
    {
        "id": "network-l2",
        "source": (
            "X = frozen(randn(6, 3, seed=4))\n"
            "W1 = xavier(3, 8, seed=1)\nb1 = zeros(8)\n"
            "W2 = xavier(8, 3, seed=2)\nb2 = zeros(3)\n"
            "h = tanh(X @ W1 + b1)\n"
            "logits = h @ W2 + b2\n"
            "data = cross_entropy(logits, [0, 1, 2, 0, 1, 2])\n"
            "penalty = 0.01 * (sum(W1 * W1) + sum(W2 * W2))\n"
            "J = data + penalty\n"
        ),
    },
]


def train_example_by_id(example_id: str) -> dict[str, str] | None:
    """The training lab's example with this id, or None."""
    return next((e for e in TRAIN_EXAMPLES if e["id"] == example_id), None)


EXAMPLES[:] = _told(EXAMPLES, "gallery.", "en")
TRAIN_EXAMPLES[:] = _told(TRAIN_EXAMPLES, "gallery.train.", "en")


def examples_in(lang: str) -> list[dict[str, str]]:
    """The gallery's examples told in `lang`."""
    return EXAMPLES if lang == "en" else _told(EXAMPLES, "gallery.", lang)


def train_examples_in(lang: str) -> list[dict[str, str]]:
    """The training lab's examples told in `lang`."""
    return TRAIN_EXAMPLES if lang == "en" else _told(TRAIN_EXAMPLES, "gallery.train.", lang)
