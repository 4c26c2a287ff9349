"""The work behind each endpoint, done in a worker process: plain arguments in, bytes out.

The worker returns the finished JSON or file bytes, so a large trace crosses the process
boundary as one buffer rather than as millions of pickled Python objects; a very large one
crosses as an unlinked temporary file (:func:`send_answer`), which the server streams to
its client a chunk at a time. Every SVG is sanitized here, before it leaves the worker.
"""
from __future__ import annotations

import functools
import gc
import os
import re
import tempfile
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from multiprocessing import reduction
from typing import Any, Callable

from engine import gradcheck as run_gradcheck
from engine.limits import GRADCHECK_H
import drawing as renderer
from drawing.errors import check_collapsed_size, check_size
from engine import trace as run_trace
from engine.lean import lean_backward, lean_document, window as lean_window
from engine.packed import pack, pack_details
from engine.unroll import compare as compare_unrolled, unroll as run_unroll
from engine import ProgramError
from engine.layer_view import layer_views
from engine.parser import build
from engine.compiled import graph_size
from engine.landscape import loss_slice, lr_map
from engine.train import inspect as inspect_iteration, trace_at, train
from engine.trace import no_gc

from .jsondoc import finite, json_bytes, safe_json_bytes
from . import limits
from .security import sanitize_svg

# Programs over this many nodes may be answered without their details (the worker's setting).
DETAILS_LATER_NODES = limits.DETAILS_LATER_NODES


def _without_gc(job: Callable[..., bytes]) -> Callable[..., bytes]:
    """A job whose many small objects all live until it answers (a trace's): run without the
    cycle collector, whose passes over the growing heap cost more than the work (half of the
    display model's time at 10,000 nodes); then what it keeps (traces, documents: none in a
    cycle) is moved out of the collector's sight, which would otherwise scan those millions of
    objects again at its next passes (up to 2 s each at 100,000 nodes, in any job's way). Not the
    training jobs, which make garbage as they go."""
    @functools.wraps(job)
    def run(*args: Any, **kwargs: Any) -> bytes:
        with no_gc():
            body = job(*args, **kwargs)
            gc.freeze()          # not after an error: what it leaves may be in cycles (its traceback's)
            return body
    return run


@_without_gc
def trace_body(source: str, gradcheck: bool = False, h: float = GRADCHECK_H,
               direction: str = "auto", unroll: bool = False, at: dict | None = None,
               init: str | None = None, level: str = "auto", drawing: bool = True,
               packed: bool = False, details: bool = True) -> bytes:
    """The /api/trace answer: the engine's lean document (each number once, big tensors as
    summaries), the display model and the SVG, one box per node or (``level`` "statements", or
    "auto" on a graph too large) per statement; with `unroll`, the program's scalar graph; with
    `at`, the program traced at one training iteration's parameters; with `init`, its weight
    matrices redrawn by that initialization. Without `drawing`, no SVG yet (`svg` null,
    `drawing` "later"): /api/drawing answers it, from this worker's copy of the trace. With
    `packed`, the document in columns with each text once (engine/packed.py). Without
    `details` (packed, not drawn), a program over DETAILS_LATER_NODES nodes is answered with its
    backward steps as node and op only (`details` "later"): /api/details answers the rest,
    made in this worker right after this answer."""
    _stop_ahead()
    if at is not None:
        t = trace_at(source, at["runs"], at["steps"], at["run"], at["iteration"])
    else:
        t = run_unroll(source) if unroll else traced(source, init)
    _forget_last()                                # the new trace is made: the last one's work is not needed
    later = not details and packed and not drawing and len(t.nodes) > DETAILS_LATER_NODES
    # A big program's nodes stay columns (engine/columns.py) until this answer is packed.
    doc: dict[str, Any] = lean_document(t, details=not later, columnar=later)  # type: ignore[assignment]
    if at is not None:
        doc["at"] = {"run": at["run"], "iteration": at["iteration"]}
    doc["display"] = renderer.display_model(doc, edges=not later)
    key = _variant(source, unroll, at, init)
    doc["nodes_fit"] = not renderer.too_large(doc)
    doc["level"] = renderer.choose_level(doc, level)
    refused = None if drawing else _refused(doc)
    if drawing or refused:
        doc.update(_drawing(doc, direction))
    else:
        doc.update(svg=None, svg_error=None, drawing="later",
                   direction=renderer.collapsed_direction(direction) if doc["level"] == "statements"
                   else (direction if direction != "auto" else "LR"))
    doc["gradcheck"] = finite(run_gradcheck(t, h)) if gradcheck else None
    doc["unrolled"] = unroll
    if later:
        doc["details"] = "later"
    answer = doc
    if refused and doc["level"] == "statements":
        # Lists only the drawing reads (the boxes' edges and copies), for a drawing refused: not sent.
        st = doc["display"]["statements"]
        answer = {**doc, "display": {**doc["display"], "statements": {**st, "edges": [], "copies": []}}}
    body = safe_json_bytes(pack(answer) if packed else answer)
    ahead = not (drawing or refused)
    shown = source if not (unroll or at or init) else None
    # Made now, while the answer travels and the page shows it: /api/drawing and /api/details
    # collect them. One after the other, the drawing first (the page shows it first) unless it
    # needs the details (a drawing node by node).
    check = _still_newest()
    if later and not (ahead and doc["level"] == "statements"):
        _details[key] = _drawer.submit(_complete, doc, t, shown, check)
    if ahead:
        _ahead[key, direction] = _drawer.submit(_drawing_ahead, doc, direction, _details.get(key), check)
    if later and key not in _details:
        _details[key] = _drawer.submit(_complete, doc, t, shown, check)
    # Kept last, once the work ahead is queued (a document without its details is never kept
    # without the work that makes them): the drawing and an expand that follow need no new trace.
    if shown is not None:
        _last[source] = (doc, doc["display"])
    _drawn[key] = doc
    return body


class _Stale(Exception):
    """Work made ahead for a trace this worker has since replaced (nobody can ask for it)."""


_generation = 0         # traces this worker has begun: work ahead for an older one stops


def _stop_ahead() -> None:
    """A new trace begins: the work made ahead for the last one stops (queued: cancelled;
    running: at its next check) instead of taking the processor from it. What that work had
    made stays until the new trace is made (a program that does not run leaves the page showing
    the last one); what it had not is made anew if asked for (`_result`)."""
    global _generation
    _generation += 1
    for made in (*_details.values(), *_ahead.values()):
        made.cancel()


def _forget_last() -> None:
    """The new trace is made: the last one's documents and work are forgotten. A big program's
    take a few tenths of a second to free (millions of objects): freed after this answer is
    sent (`drop_old`), unless the worker is past half its memory (then now, as the new
    documents are about to be made)."""
    drop_old()
    for kept in (_details, _ahead, _drawn, _last):
        _dropped.append(dict(kept))
        kept.clear()
    if not _roomy():
        drop_old()


# What a new trace replaced, freed once its answer is sent (`_forget_last`).
_dropped: list[Any] = []
# The worker's address-space limit in bytes (its setting; 0: none).
MEMORY_BYTES = 0


def drop_old() -> None:
    """Free what the last trace replaced (the worker calls this after each answer)."""
    _dropped.clear()


def _roomy() -> bool:
    """Whether this process uses less than half its address-space limit (Linux's /proc)."""
    if MEMORY_BYTES <= 0:
        return True
    try:
        with open("/proc/self/statm") as f:
            size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return False
    return size < MEMORY_BYTES // 2


def _result(made: Future | None) -> Any:
    """What work made ahead gave (waited for if still being made), or None when there is
    nothing to use: none made, or stopped because a newer trace began."""
    if made is None:
        return None
    try:
        return made.result()
    except (CancelledError, _Stale):
        return None


def _still_newest() -> Callable[[], None]:
    """A check for work made ahead of this trace: raises _Stale once a newer trace begins."""
    mine = _generation

    def check() -> None:
        if _generation != mine:
            raise _Stale
    return check


def _complete(doc: dict, t: Any, source: str | None, check: Callable[[], None]) -> tuple[dict, bytes]:
    """A document answered without its details, completed: the whole document (with the display
    model's edges) and the /api/details answer. An expand of `source` then has the whole one."""
    with no_gc():
        backward = lean_backward(t, check)
        check()
        full = {**doc, "nodes": doc["nodes"].records(), "steps": doc["steps"][:len(t.nodes)] + backward}
        full.pop("details", None)
        full["display"] = {**doc["display"], "nodes": doc["display"]["nodes"].records()}
        check()
        full["display"]["edges"] = renderer.display_edges(full)
        body = safe_json_bytes(pack_details(backward, full["display"]["edges"], check))
        check()
        gc.freeze()                               # kept: out of the collector's sight (see _without_gc)
    if source is not None and source in _last:
        _last[source] = (full, full["display"])
    return full, body


def _whole(key: bytes, doc: dict) -> dict | None:
    """`doc` with its details: made by this worker (waited for if still being made); None when
    they are not to be had (the caller traces again)."""
    if doc.get("details") != "later":
        return doc
    made = _result(_details.get(key))
    return made[0] if made is not None else None


def _drawing_ahead(doc: dict, direction: str, details: Future | None, check: Callable[[], None]) -> dict[str, Any]:
    """The drawing made ahead: the collapsed one needs no details; a node-level one of a document
    without them waits for `details`, queued before it (the future of this very answer)."""
    check()
    if doc["level"] != "statements" and details is not None:
        doc = details.result()[0]
    return _drawing(doc, direction)


# Graphviz's tooltips ("g3->g5"): the page puts its own on the boxes; 9,000 elements fewer to parse at 4,000 boxes.
_UNTITLED = re.compile(rb"<title>[^<]*</title>\n?")


def _drawing(doc: dict, direction: str) -> dict[str, Any]:
    """The drawing of a traced document (with its display model and level): SVG or why not."""
    out: dict[str, Any] = {"direction": renderer.collapsed_direction(direction) if doc["level"] == "statements"
                           else renderer.resolve_direction(doc, direction, doc["display"])}
    try:
        svg = renderer.render(doc, "svg", None, highlight=False, model=doc["display"],
                              direction=out["direction"], level=doc["level"])
        out["svg"], out["svg_error"] = sanitize_svg(_UNTITLED.sub(b"", svg)).decode("utf-8"), None
    except renderer.RenderError as exc:
        out["svg"], out["svg_error"] = None, str(exc)
    return out


def _refused(doc: dict) -> str | None:
    """Why the drawing would be refused by its size alone (then it is answered at once)."""
    try:
        if doc["level"] == "statements":
            check_collapsed_size(doc["display"])
        else:
            check_size(doc)
    except renderer.GraphTooLarge as exc:
        return str(exc)
    return None


def _variant(source: str, unroll: bool, at: dict | None, init: str | None) -> bytes:
    return json_bytes({"source": source, "unroll": unroll, "at": at, "init": init})


# The last document this worker traced, by program and variant: its drawing follows.
_drawn: dict[bytes, dict] = {}
# Its drawing, started as soon as the answer without it was made (by variant and direction).
_ahead: dict[tuple[bytes, str], Future] = {}
_drawer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drawing")
# The details of a document answered without them (by variant): the whole document and the answer.
_details: dict[bytes, Future] = {}


@_without_gc
def details_body(source: str, unroll: bool = False, at: dict | None = None, init: str | None = None) -> bytes:
    """The /api/details answer: the backward steps in full and the display model's edges of the
    program /api/trace answered without them (made since that answer left; traced again only
    when this worker no longer has it)."""
    made = _result(_details.get(_variant(source, unroll, at, init)))
    if made is not None:
        return made[1]
    if at is not None:
        t = trace_at(source, at["runs"], at["steps"], at["run"], at["iteration"])
    else:
        t = run_unroll(source) if unroll else traced(source, init)
    with no_gc():
        doc: dict[str, Any] = lean_document(t)  # type: ignore[assignment]
        backward = doc["steps"][len(t.nodes):]
        return safe_json_bytes(pack_details(backward, renderer.display_edges(doc)))


@_without_gc
def drawing_body(source: str, direction: str = "auto", unroll: bool = False, at: dict | None = None,
                 init: str | None = None, level: str = "auto") -> bytes:
    """The /api/drawing answer: the SVG of the graph /api/trace answered for these keys (drawn
    since that answer left; traced again only when this worker no longer has the trace), with
    its level and direction."""
    key = _variant(source, unroll, at, init)
    ahead = _result(_ahead.pop((key, direction), None))
    doc = _drawn.get(key)
    if ahead is not None and doc is not None and level in ("auto", doc["level"]):
        return safe_json_bytes({"level": doc["level"], "nodes_fit": doc["nodes_fit"], **ahead})
    if doc is not None:               # kept: its level and fit known; node by node it needs the details
        chosen, fit = renderer.choose_level(doc, level) if level != "auto" else doc["level"], doc["nodes_fit"]
        if chosen == "nodes":
            doc = _whole(key, doc)
    if doc is None:
        if at is not None:
            t = trace_at(source, at["runs"], at["steps"], at["run"], at["iteration"])
        else:
            t = run_unroll(source) if unroll else traced(source, init)
        doc = lean_document(t)  # type: ignore[assignment]
        doc["display"] = renderer.display_model(doc)
        chosen, fit = renderer.choose_level(doc, level), not renderer.too_large(doc)
    out = {"level": chosen, "nodes_fit": fit, **_drawing({**doc, "level": chosen}, direction)}
    return safe_json_bytes(out)


# The worker's last traces, by program: the page asks for windows of one program's big
# tensors one after another, so each is traced once, not once per window.
_TRACES: dict[tuple[str, str | None], Any] = {}
TRACES_KEPT = 2


def traced(source: str, init: str | None = None) -> Any:
    key = (source, init)
    t = _TRACES.pop(key, None) or run_trace(source, init)
    _TRACES[key] = t
    while len(_TRACES) > TRACES_KEPT:
        _dropped.append(_TRACES.pop(next(iter(_TRACES))))
    return t


def window_body(source: str, node: int, what: str, rows: list[int], cols: list[int]) -> bytes:
    """The /api/window answer: exact entries of a node's value or gradient."""
    return safe_json_bytes(lean_window(traced(source), node, what, (rows[0], rows[1]), (cols[0], cols[1])))


# The last program traced by this worker, with its display model: expanding one of its
# statements follows its trace, most often in the same worker (the same lane).
_last: dict[str, tuple[dict, dict]] = {}


@_without_gc
def expand_body(source: str, group: int, direction: str = "LR") -> bytes:
    """The /api/expand answer: statement ``group``'s nodes drawn on their own, as SVG."""
    kept = _last.get(source)
    whole = _whole(_variant(source, False, None, None), kept[0]) if kept else None
    if whole is not None:                 # kept as it was (its model beside it), or completed
        doc, model = whole, kept[1] if whole is kept[0] else whole["display"]  # type: ignore[index]
    else:
        doc = run_trace(source).to_dict()
        model = renderer.display_model(doc)
        _last.clear()
        _last[source] = (doc, model)
    svg = renderer.render_inset(doc, group, model, direction)
    return json_bytes({"group": group, "svg": sanitize_svg(svg).decode("utf-8")})


def render_body(source: str, format: str = "svg", step: int | None = None,
                direction: str = "auto", unroll: bool = False, level: str = "auto",
                at: dict | None = None, init: str | None = None) -> bytes:
    """The /api/render answer: the graph after ``step`` steps as a file of ``format``, of the
    same graph /api/trace answers for these keys (unrolled, at an iteration, initialized)."""
    if at is not None:
        t = trace_at(source, at["runs"], at["steps"], at["run"], at["iteration"])
    else:
        t = run_unroll(source) if unroll else run_trace(source, init)
    doc = t.to_dict()
    data = renderer.render(doc, format, step, direction=direction, level=level)
    return sanitize_svg(data) if format == "svg" else data


def train_body(source: str, steps: int, runs: list, inspect: dict | None = None) -> bytes:
    """The /api/train answer: the training document, or one iteration inspected."""
    if inspect is None:
        return json_bytes(train(source, runs, steps).to_dict())
    return json_bytes(inspect_iteration(source, runs, steps, inspect.get("run"), inspect.get("iteration"),
                                        inspect.get("entry")))


def slice_body(source: str, steps: int, runs: list, run: int, iteration: int, x: dict, y: dict,
               grid: int) -> bytes:
    """The /api/train/slice answer."""
    return json_bytes(loss_slice(source, runs, steps, run, iteration, x, y, grid))


def lrmap_body(source: str, steps: int, optimizer: str, lrs: dict, momenta: list | None = None) -> bytes:
    """The /api/train/lrmap answer."""
    return json_bytes(lr_map(source, steps, optimizer, lrs, momenta))


def work(kind: str, args: dict, nodes: int, elements: int) -> int:
    """A training job's work, steps × runs × the graph's size (`engine.compiled.graph_size`;
    0 for the other jobs): it decides the lane, as the drawing's cost does for a trace."""
    size = graph_size(nodes, elements)

    def count(x: Any) -> int:
        return x if isinstance(x, int) and not isinstance(x, bool) and x > 0 else 0
    if kind == "train":
        runs = args.get("runs")
        return count(args.get("steps")) * (len(runs) if isinstance(runs, list) else 0) * size
    if kind == "slice":
        runs = args.get("runs")
        return (count(args.get("steps")) * (len(runs) if isinstance(runs, list) else 0)
                + count(args.get("grid")) ** 2) * size
    if kind == "lrmap":
        lrs, momenta = args.get("lrs"), args.get("momenta")
        cells = (count(lrs.get("count", 9)) if isinstance(lrs, dict) else 0) * \
            (len(momenta) if isinstance(momenta, list) else 4)
        return count(args.get("steps")) * cells * size
    at = args.get("at")
    if kind in ("trace", "render", "drawing", "details") and isinstance(at, dict):
        return count(at.get("steps")) * size
    return 0


def walkthrough_body(source: str, format: str = "pdf", first: int | None = None, last: int | None = None,
                     frame_ms: int | None = None, direction: str = "auto",
                     time_limit: float = renderer.WALKTHROUGH_TIME_S, lang: str = "en") -> bytes:
    """The /api/walkthrough answer: steps ``first``..``last`` as a file of ``format``, its
    texts in ``lang``."""
    doc = renderer.told_in(run_trace(source), lang)
    return renderer.render_walkthrough(doc, format, first, last, frame_ms, direction, time_limit, lang)


def told_in(lang: str, make: Callable[[], bytes]) -> bytes:
    """`make()`, its ProgramError told in `lang` when the error carries its message (`msg`):
    what crosses to the server is the error's text, line and column."""
    try:
        return make()
    except ProgramError as exc:
        m = getattr(exc, "msg", None)
        if lang == "en" or m is None:
            raise
        raise ProgramError(m.text(lang), exc.line, exc.col) from None


def layers_body(source: str, inits: list[str | None], lang: str = "en") -> bytes:
    """The /api/layers answer: the layer view under each initialization, its messages in `lang`."""
    return told_in(lang, lambda: json_bytes({"inits": layer_views(source, inits, lang)}))


def size(source: str) -> tuple[int, int, int]:
    """Nodes, numbers and drawing cost (`drawing.drawing_cost`) of the program's graph,
    from parsing and shapes alone (cheap)."""
    graph, _ = build(source)
    return (len(graph.nodes), graph.total_elements,
            renderer.drawing_cost([node.inputs for node in graph.nodes]))


def vectorize_body(source: str, lang: str = "en") -> bytes:
    """The /api/vectorize answer: the program as written and unrolled, side by side (a
    refusal told in `lang`)."""
    return told_in(lang, lambda: json_bytes(compare_unrolled(source)))


JOBS: dict[str, Callable[..., bytes]] = {"trace": trace_body, "drawing": drawing_body, "render": render_body, "train": train_body,
                                         "slice": slice_body, "lrmap": lrmap_body,
                                         "vectorize": vectorize_body, "window": window_body,
                                         "walkthrough": walkthrough_body, "layers": layers_body,
                                         "expand": expand_body, "details": details_body}


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
