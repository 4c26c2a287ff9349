"""The work behind each endpoint, done in a worker process: plain arguments in, bytes out.

The worker returns the finished JSON or file bytes, so a large trace crosses the process
boundary as one buffer rather than as millions of pickled Python objects. Every SVG is
sanitized here, before it leaves the worker.
"""
from __future__ import annotations

from typing import Callable

from engine import gradcheck as run_gradcheck
import drawing as renderer
from engine import trace as run_trace
from engine.parser import build

from .jsondoc import json_bytes
from .security import sanitize_svg


def trace_body(source: str, gradcheck: bool = False) -> bytes:
    """The /api/trace answer: the engine's document, the display model and the SVG."""
    t = run_trace(source)
    doc = t.to_dict()
    doc["display"] = renderer.display_model(doc)
    try:
        svg = renderer.render(doc, "svg", None, highlight=False, model=doc["display"])
        doc["svg"], doc["svg_error"] = sanitize_svg(svg).decode("utf-8"), None
    except renderer.RenderError as exc:
        doc["svg"], doc["svg_error"] = None, str(exc)
    doc["gradcheck"] = run_gradcheck(t) if gradcheck else None
    return json_bytes(doc)


def render_body(source: str, format: str = "svg", step: int | None = None) -> bytes:
    """The /api/render answer: the graph after ``step`` steps as a file of ``format``."""
    doc = run_trace(source).to_dict()
    data = renderer.render(doc, format, step)
    return sanitize_svg(data) if format == "svg" else data


def size(source: str) -> tuple[int, int, int]:
    """Nodes, numbers and drawing cost (`drawing.drawing_cost`) of the program's graph,
    from parsing and shapes alone (cheap)."""
    graph, _ = build(source)
    return (len(graph.nodes), graph.total_elements,
            renderer.drawing_cost([node.inputs for node in graph.nodes]))


JOBS: dict[str, Callable[..., bytes]] = {"trace": trace_body, "render": render_body}
