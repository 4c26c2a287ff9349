"""The graph after step k in any format: SVG (the page's and the download), PNG, PDF, DOT."""
from __future__ import annotations

from engine.i18n import msg

from . import collapsed, dot, svg
from .direction import choose_direction
from .display import check_step, current_node, display_model
from .errors import MAX_RENDER_NODES, GraphTooLarge, StepOutOfRange, check_collapsed_size, check_size, choose_level, too_large
from .runner import graphviz_available, run_graphviz

FORMATS: dict[str, str] = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "dot": "text/vnd.graphviz; charset=utf-8",
}
PNG_DPI = 144                   # PNG exports at twice screen resolution (sharp on slides)


def resolve_direction(trace: dict, direction: str = "auto", model: dict | None = None) -> str:
    """``direction`` as "LR" or "TB": "auto" is chosen from the graph's shape."""
    if direction == "auto":
        return choose_direction(trace, model if model is not None else display_model(trace))
    if direction not in dot.DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; choose auto, LR or TB")
    return direction


def render(trace: dict, fmt: str, step: int | None = None, highlight: bool = True,
           model: dict | None = None, direction: str = "auto", level: str = "auto") -> bytes:
    """The graph after ``step`` steps as ``fmt`` (svg, png, pdf or dot).

    SVG: the fully computed graph's drawing with each node's and edge's texts, colours and
    classes set for the step (no Graphviz run once the program has been drawn). PNG, PDF and
    DOT, and SVG from a Graphviz whose SVG this cannot read: the step's DOT pinned to that
    drawing's layout, drawn by ``neato -n2``. DOT needs no Graphviz program: without one,
    or for a graph too large to draw here, it comes unpinned (lay it out with ``dot``).
    ``model``: the trace's display model, if already made. ``direction``: "LR" (left to
    right), "TB" (top to bottom) or "auto" (chosen from the graph's shape). ``level``:
    "nodes" (one box per node), "statements" (one box per statement: :func:`render_collapsed`)
    or "auto" (statements for a graph too large to draw node by node).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    k = check_step(trace, step)
    if choose_level(trace, level) == "statements":
        return render_collapsed(trace, fmt, k, highlight, model or display_model(trace), direction)
    if fmt == "dot" and (not graphviz_available() or too_large(trace)):
        return dot.build_dot(trace, step, None, highlight, direction).encode("utf-8")
    check_size(trace)                   # before any work on a graph too large to draw
    if model is None:
        model = display_model(trace)
    direction = resolve_direction(trace, direction, model)
    drawing = svg.full_drawing(trace, model, direction)
    if fmt == "svg" and drawing.draws(model):
        return drawing.svg_at(model, k, current_node(trace, k, highlight)).encode("utf-8")
    if fmt == "dot":
        return dot.dot_source(trace, model, k, drawing.layout(), highlight, direction).encode("utf-8")
    # The images keep the page's colours: gradient lines red (drawn over their labels).
    pinned = dot.dot_source(trace, model, k, drawing.layout(), highlight, direction,
                            coloured=fmt != "svg")
    return run_graphviz("neato", ["-n2", f"-T{fmt}"] + ([f"-Gdpi={PNG_DPI}"] if fmt == "png" else []), pinned)


def render_collapsed(trace: dict, fmt: str, k: int, highlight: bool, model: dict,
                     direction: str = "auto") -> bytes:
    """The collapsed graph (one box per statement) after ``k`` steps as ``fmt``: laid out once
    by ``dot`` (fully computed), each step drawn on that layout by ``neato -n2``."""
    direction = collapsed_direction(direction)
    check_collapsed_size(model)
    if fmt == "dot" and not graphviz_available():
        return collapsed.collapsed_dot(trace, model, k, None, highlight, direction).encode("utf-8")
    drawing = svg.draw(collapsed.collapsed_dot(trace, model, len(trace["steps"]), None, False, direction))
    if fmt == "svg" and k == len(trace["steps"]) and not highlight:
        return "".join(drawing.pieces).encode("utf-8")
    pinned = collapsed.collapsed_dot(trace, model, k, drawing.layout(), highlight, direction)
    if fmt == "dot":
        return pinned.encode("utf-8")
    return run_graphviz("neato", ["-n2", f"-T{fmt}"] + ([f"-Gdpi={PNG_DPI}"] if fmt == "png" else []), pinned)


def collapsed_direction(direction: str) -> str:
    """The collapsed drawing's direction: left to right unless asked otherwise (a chain of
    statements is long either way; the page starts at the output)."""
    if direction == "auto":
        return "LR"
    if direction not in dot.DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; choose auto, LR or TB")
    return direction


def render_inset(trace: dict, group: int, model: dict | None = None, direction: str = "LR") -> bytes:
    """SVG of statement ``group``'s nodes drawn on their own, fully computed (the page lays
    it over the group's box and steps it like the full drawing)."""
    if model is None:
        model = display_model(trace)
    groups = model["statements"]["groups"]
    if isinstance(group, bool) or not isinstance(group, int) or not 0 <= group < len(groups):
        raise StepOutOfRange(msg("error.draw.group_range", last=str(len(groups) - 1), group=repr(group)))
    if len(groups[group]["nodes"]) > MAX_RENDER_NODES:
        raise GraphTooLarge(msg("error.draw.statement_too_large", nodes=f"{len(groups[group]['nodes']):,}",
                                limit=str(MAX_RENDER_NODES)))
    return run_graphviz("dot", ["-Tsvg"], collapsed.inset_dot(trace, model, group, collapsed_direction(direction)))


def compute_layout(trace: dict, direction: str = "auto") -> dict:
    """Node positions/sizes and edge splines/label spots from the fully computed graph."""
    model = display_model(trace)
    return svg.full_drawing(trace, model, resolve_direction(trace, direction, model)).layout()


def clear_caches() -> None:
    """Forget every program drawn so far (the next render runs ``dot`` again)."""
    svg.clear_cache()
    dot.clear_cache()
