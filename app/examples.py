"""Worked examples for the gallery, one per idea of the lecture (CS224N lecture 4)."""
from __future__ import annotations

EXAMPLES: list[dict[str, str]] = [
    {
        "id": "lecture",
        "title": "The lecture's example",
        "description": "f = (x + y) · max(y, z) at x = 1, y = 2, z = 0: f = 6, ∂f/∂x = 2, "
                       "∂f/∂y = 3 + 2 = 5, ∂f/∂z = 0. Watch + distribute, max route and × switch.",
        "source": "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)\n",
    },
    {
        "id": "sigmoid-neuron",
        "title": "A sigmoid neuron",
        "description": "a = σ(w₀x₀ + w₁x₁ + b): the local gradient of σ is σ(z)(1 − σ(z)).",
        "source": "w0 = 2.0; x0 = -1.0\nw1 = -3.0; x1 = -2.0\nb = -3.0\n"
                  "z = w0 * x0 + w1 * x1 + b\na = sigmoid(z)\n",
    },
    {
        "id": "window-classifier",
        "title": "Window classifier: museums in Paris are amazing",
        "description": "s = uᵀ relu(W x + b) over five concatenated word vectors; ∂s/∂W = δ xᵀ, "
                       "and the window's gradient splits into one piece per word.",
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
        "title": "Frozen pre-trained word vectors",
        "description": "The same window with the word vectors frozen (small data set): "
                       "no gradient flows into them, W and b still learn.",
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
        "title": "Softmax cross-entropy with L2 regularization",
        "description": "J = CE(softmax(W x + b), y) + λ Σ W²: the softmax gradient is p − onehot(y), "
                       "and the penalty adds 2λW to W's gradient (W is used three times: once in W @ x, "
                       "twice in W * W).",
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
        "title": "A two-layer network",
        "description": "tanh hidden layer, linear output, cross-entropy loss: each layer reuses "
                       "the δ of the layer above it.",
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
        "title": "Six tanh layers: initialization matters",
        "description": "hₖ = tanh(Wₖ hₖ₋₁ + bₖ), six times. Its weights are made by constructors, "
                       "so the Tips view's initialization switch redraws them: naive randn saturates "
                       "tanh, Xavier keeps it in its working range, zeros gives every unit of a layer "
                       "the same gradient.",
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
        "title": "A value used three times: gradients add",
        "description": "x feeds three edges, so ∂f/∂x is the sum of three contributions: "
                       "2 + 3 + 3 = 8 at x = 3.",
        "source": "x = 3.0\ny = 2.0 * x\nz = x * x\nf = y + z\n",
    },
]


def example_by_id(example_id: str) -> dict[str, str] | None:
    """The example with this id, or None."""
    return next((e for e in EXAMPLES if e["id"] == example_id), None)
