"""Backprop Studio's drawing: a trace document as a Graphviz graph at any step, and its exports.

It works from the trace document (``Trace.to_dict()``) alone. Modules: ``display`` (what
every node and edge shows after step k), ``style`` (colours and classes), ``dot`` (DOT
source), ``direction`` (left to right or top to bottom), ``runner`` (Graphviz's programs,
with a timeout), ``svg`` (each step cut from one drawing), ``export`` (every format),
``groups`` (the statement level: one box per statement), ``collapsed`` (its DOT, and one
statement's inset), ``errors`` (why a graph cannot be drawn, the size limits), ``cost`` (a
drawing's work for `dot`, estimated before it runs), ``steptext`` (what the panel says at a
step, as text), ``walkthrough`` (every step as PDF pages, slides, GIF or MP4 frames, or an HTML
player), ``cli`` (the command line with `render` and `walkthrough`).
"""
from .display import (MAX_HEADER_CHARS, PLACEHOLDER_GRAD, PLACEHOLDER_VALUE, display_edges, display_model, edge_id,
                      node_id, shown_at)
from .cost import drawing_cost, trace_cost
from .direction import choose_direction
from .dot import DIRECTIONS, build_dot
from .errors import (FRAME_MS, INSTALL_HINT, LEVELS, MAX_COLLAPSED_BOXES, MAX_DRAW_COST, MAX_FRAME_MS,
                     MAX_RENDER_NODES, MAX_WALKTHROUGH_PAGES, MIN_FRAME_MS, WALKTHROUGH_TIME_S, GraphTooLarge,
                     GraphvizMissing, RenderError, StepOutOfRange, choose_level, set_max_draw_cost, too_large)
from .export import (FORMATS, PNG_DPI, clear_caches, collapsed_direction, compute_layout, render,
                     render_inset, resolve_direction)
from .groups import group_model, shown_at_groups
from .runner import graphviz_available, set_timeout
from .svg import svg_node_boxes
from .walkthrough import WALKTHROUGH_FORMATS, told_in, walkthrough as render_walkthrough

__all__ = [
    "DIRECTIONS", "FORMATS", "FRAME_MS", "INSTALL_HINT", "MAX_DRAW_COST", "MAX_FRAME_MS",
    "MAX_HEADER_CHARS", "MAX_RENDER_NODES", "MAX_WALKTHROUGH_PAGES", "MIN_FRAME_MS",
    "PLACEHOLDER_GRAD", "PLACEHOLDER_VALUE", "PNG_DPI", "WALKTHROUGH_FORMATS", "WALKTHROUGH_TIME_S",
    "GraphTooLarge", "GraphvizMissing", "RenderError", "StepOutOfRange", "build_dot",
    "choose_direction", "clear_caches", "compute_layout", "display_edges", "display_model", "drawing_cost", "edge_id",
    "graphviz_available", "node_id", "render", "render_walkthrough", "resolve_direction", "told_in",
    "set_max_draw_cost", "set_timeout", "shown_at", "svg_node_boxes", "trace_cost",
    "LEVELS", "MAX_COLLAPSED_BOXES", "choose_level", "collapsed_direction", "group_model",
    "render_inset", "shown_at_groups", "too_large",
]
