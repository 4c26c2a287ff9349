"""The work behind each endpoint, done in a worker process: plain arguments in, bytes out.

The worker returns the finished JSON or file bytes, so a large trace crosses the process
boundary as one buffer rather than as millions of pickled Python objects; a very large one
crosses as an unlinked temporary file (:func:`send_answer`), which the server streams to
its client a chunk at a time. Every SVG is sanitized here, before it leaves the worker.
"""
from __future__ import annotations

import tempfile
from multiprocessing import reduction
from typing import Any, Callable

from engine import gradcheck as run_gradcheck
from engine.limits import GRADCHECK_H
import drawing as renderer
from engine import trace as run_trace
from engine.parser import build

from .jsondoc import json_bytes
from .security import sanitize_svg


def trace_body(source: str, gradcheck: bool = False, h: float = GRADCHECK_H,
               direction: str = "auto", level: str = "auto") -> bytes:
    """The /api/trace answer: the engine's document, the display model and the SVG, one box
    per node or (``level`` "statements", or "auto" on a graph too large) per statement."""
    t = run_trace(source)
    doc = t.to_dict()
    doc["display"] = renderer.display_model(doc)
    _last.clear()
    _last[source] = (doc, doc["display"])         # an expand that follows needs no new trace
    doc["nodes_fit"] = not renderer.too_large(doc)
    doc["level"] = renderer.choose_level(doc, level)
    doc["direction"] = (renderer.collapsed_direction(direction) if doc["level"] == "statements"
                        else renderer.resolve_direction(doc, direction, doc["display"]))
    try:
        svg = renderer.render(doc, "svg", None, highlight=False, model=doc["display"],
                              direction=doc["direction"], level=doc["level"])
        doc["svg"], doc["svg_error"] = sanitize_svg(svg).decode("utf-8"), None
    except renderer.RenderError as exc:
        doc["svg"], doc["svg_error"] = None, str(exc)
    doc["gradcheck"] = run_gradcheck(t, h) if gradcheck else None
    return json_bytes(doc)


# The last program traced by this worker, with its display model: expanding one of its
# statements follows its trace, most often in the same worker (the same lane).
_last: dict[str, tuple[dict, dict]] = {}


def expand_body(source: str, group: int, direction: str = "LR") -> bytes:
    """The /api/expand answer: statement ``group``'s nodes drawn on their own, as SVG."""
    if source in _last:
        doc, model = _last[source]
    else:
        doc = run_trace(source).to_dict()
        model = renderer.display_model(doc)
        _last.clear()
        _last[source] = (doc, model)
    svg = renderer.render_inset(doc, group, model, direction)
    return json_bytes({"group": group, "svg": sanitize_svg(svg).decode("utf-8")})


def render_body(source: str, format: str = "svg", step: int | None = None,
                direction: str = "auto", level: str = "auto") -> bytes:
    """The /api/render answer: the graph after ``step`` steps as a file of ``format``."""
    doc = run_trace(source).to_dict()
    data = renderer.render(doc, format, step, direction=direction, level=level)
    return sanitize_svg(data) if format == "svg" else data


def size(source: str) -> tuple[int, int, int]:
    """Nodes, numbers and drawing cost (`drawing.drawing_cost`) of the program's graph,
    from parsing and shapes alone (cheap)."""
    graph, _ = build(source)
    return (len(graph.nodes), graph.total_elements,
            renderer.drawing_cost([node.inputs for node in graph.nodes]))


JOBS: dict[str, Callable[..., bytes]] = {"trace": trace_body, "render": render_body,
                                         "expand": expand_body}


def send_answer(conn: Any, body: bytes, spool_bytes: int, max_bytes: int) -> None:
    """Hand ``body`` to the server: in the pipe, or past ``spool_bytes`` as an open file (the
    descriptor passed over the pipe; the file has no name, so nothing is left to clean up)."""
    if len(body) > max_bytes:
        conn.send(("too_big", len(body), max_bytes))
    elif len(body) <= spool_bytes:
        conn.send(("ok",))
        conn.send_bytes(body)
    else:
        with tempfile.TemporaryFile(prefix="backprop-answer-") as f:
            f.write(body)
            f.flush()
            conn.send(("file", len(body)))
            reduction.send_handle(conn, f.fileno(), None)
