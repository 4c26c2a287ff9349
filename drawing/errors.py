"""Why a graph cannot be drawn (each message says why and what to do), and the size limits."""
from __future__ import annotations

from engine.i18n import Msg, msg, text

from .cost import trace_cost

INSTALL_HINT = text("error.draw.install_graphviz")
MAX_RENDER_NODES = 400          # larger graphs are stepped through without a drawing
# ... as are graphs whose drawing is estimated to cost more (drawing/cost.py): `dot` would
# run past its time limit on them (a value used all along a long chain: x + x + … + x).
MAX_DRAW_COST = 8_000
# Walkthrough exports (drawing/walkthrough.py): one page, slide or frame per step.
MAX_WALKTHROUGH_PAGES = 200     # pages (slides, frames) in one export; a longer range: choose from/to
WALKTHROUGH_TIME_S = 25.0       # seconds one export may take (under the server's job limit, 30 s)
FRAME_MS = 1500                 # a GIF's or MP4's frame time by default, milliseconds
MIN_FRAME_MS, MAX_FRAME_MS = 100, 10_000
# A graph over those limits is drawn collapsed, one box per statement (drawing/groups.py), up
# to this many boxes (statements and the copies of high-fan-out ones).
MAX_COLLAPSED_BOXES = 6_000
# One statement drawn on its own (expanded in place) has at most as many nodes as a drawing.
LEVELS = ("nodes", "statements")    # one box per node; one box per statement


class _Told:
    """An error whose text may be a catalogue message: `str(err)` is English, `msg` (when
    there is one) tells it in any language."""

    def __init__(self, message: str | Msg = "") -> None:
        self.msg = message if isinstance(message, Msg) else None
        super().__init__(message.text("en") if isinstance(message, Msg) else message)  # type: ignore[call-arg]


class RenderError(_Told, Exception):
    """The graph cannot be drawn; the message says why and what to do."""


class GraphvizMissing(RenderError):
    """Graphviz's programs are not on PATH."""

    def __init__(self) -> None:
        super().__init__(msg("error.draw.install_graphviz"))


class GraphTooLarge(RenderError):
    """More nodes than :data:`MAX_RENDER_NODES`, or a drawing costlier than :data:`MAX_DRAW_COST`."""


class StepOutOfRange(_Told, ValueError):
    """A step number outside 0..len(steps)."""


def check_size(trace: dict) -> None:
    """GraphTooLarge if the trace has more nodes than a drawing may have, or would cost
    `dot` too much to draw."""
    if len(trace["nodes"]) > MAX_RENDER_NODES:
        raise GraphTooLarge(msg("error.draw.too_many_nodes", nodes=str(len(trace["nodes"])),
                                limit=str(MAX_RENDER_NODES)))
    cost = trace_cost(trace)
    if cost > MAX_DRAW_COST:
        raise GraphTooLarge(msg("error.draw.too_costly", cost=f"{cost:,}", limit=f"{MAX_DRAW_COST:,}"))


def check_collapsed_size(model: dict) -> None:
    """GraphTooLarge if the collapsed drawing of ``model`` would have too many boxes."""
    levels = model["statements"]
    boxes = len(levels["groups"]) + len(levels["copies"])
    if boxes > MAX_COLLAPSED_BOXES:
        raise GraphTooLarge(msg("error.draw.too_many_boxes", statements=f"{len(levels['groups']):,}",
                                boxes=f"{boxes:,}", limit=f"{MAX_COLLAPSED_BOXES:,}"))


def choose_level(trace: dict, level: str = "auto") -> str:
    """``level`` as "nodes" or "statements": "auto" is one box per node where that drawing is
    allowed (:func:`check_size`), else one box per statement."""
    if level == "auto":
        return "statements" if too_large(trace) else "nodes"
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose auto, nodes or statements")
    return level


def set_max_draw_cost(cost: int) -> None:
    """Refuse drawings of this process estimated to cost more than ``cost``."""
    global MAX_DRAW_COST
    MAX_DRAW_COST = cost


def too_large(trace: dict) -> bool:
    """True if :func:`check_size` refuses the trace."""
    try:
        check_size(trace)
    except GraphTooLarge:
        return True
    return False
