"""Why a graph cannot be drawn (each message says why and what to do), and the size limit."""
from __future__ import annotations

INSTALL_HINT = (
    "Graphviz's `dot` program is not installed, so the graph cannot be drawn. "
    "Install it with `sudo apt-get install graphviz` (Debian/Ubuntu) or "
    "`brew install graphviz` (macOS), then restart Backprop Studio."
)
MAX_RENDER_NODES = 400          # larger graphs are stepped through without a drawing


class RenderError(Exception):
    """The graph cannot be drawn; the message says why and what to do."""


class GraphvizMissing(RenderError):
    """Graphviz's programs are not on PATH."""

    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


class GraphTooLarge(RenderError):
    """More nodes than :data:`MAX_RENDER_NODES`."""


class StepOutOfRange(ValueError):
    """A step number outside 0..len(steps)."""


def check_size(trace: dict) -> None:
    """GraphTooLarge if the trace has more nodes than a drawing may have."""
    if len(trace["nodes"]) > MAX_RENDER_NODES:
        raise GraphTooLarge(
            f"This graph has {len(trace['nodes'])} nodes; drawings are limited to "
            f"{MAX_RENDER_NODES} nodes.")
