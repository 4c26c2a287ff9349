"""Rendering: the server's SVG against running Graphviz's `dot` alone on the same DOT source."""
from __future__ import annotations

import itertools
import shutil
import subprocess
import time
import warnings
from contextlib import ExitStack, contextmanager

from engine import trace

from .programs import scalar_program
from .timing import Table, best_of, ms, ratio


BIG_DOT_TIMEOUT_S = 30      # bare dot on graphs too big to draw: one run, at most this long


def bare_dot(source: str, timeout: float | None = None) -> bytes:
    return subprocess.run([shutil.which("dot") or "dot", "-Tsvg"], input=source.encode(), capture_output=True,
                          check=True, timeout=timeout).stdout


def run(sizes: list[int], repeat: int) -> Table:
    table = Table(f"Rendering: server SVG vs bare `dot -Tsvg` on the same DOT source (ms, best of {repeat}; "
                  f"bare dot and a new program: best of {repeat}–{MAX_TURNS} turns)",
                  ["nodes", "bare dot", "server, new program", "ratio", "server, another step", "ratio",
                   "/api/render, new", "/api/render, repeated"])
    try:
        import drawing as renderer
    except ImportError:
        table.notes.append("the drawing package is not there: nothing to measure")
        return table
    if not renderer.graphviz_available():
        table.notes.append(renderer.INSTALL_HINT)
        return table
    with ExitStack() as stack:
        client = stack.enter_context(_app_client())
        _rows(table, renderer, client, sizes, repeat)
    table.notes.append("The graph at its middle step (half the values and gradients shown). Bare dot and a new "
                       f"program are timed in turns, as many as fit in {TURNS_BUDGET_S:g} s (at most "
                       f"{MAX_TURNS}). Bare dot: "
                       "`dot -Tsvg` on the DOT source the server builds for that step. Server: "
                       "`drawing.render(doc, 'svg', step)` from the trace document. A new program "
                       "(its cache cleared first) is one `dot` run on the fully computed graph, writing its "
                       "SVG and its layout together, so nodes never move between steps; the step's SVG is "
                       "derived from that drawing in Python (texts, colours, classes). 'another step': the "
                       "same program at a step not drawn before, derived from the cached drawing with no "
                       "Graphviz run. (PNG and PDF exports draw the step on the cached layout with "
                       "`neato -n2`.) /api/render: the whole request through the app (in-process client, "
                       "worker processes): a new program (traced and drawn) and the same request again "
                       "(answered from the app's cache).")
    return table


@contextmanager
def _app_client():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from fastapi.testclient import TestClient
        from app.main import create_app
    except ImportError:
        yield None
        return
    with TestClient(create_app()) as client:
        yield client


def _requests(client, program: str, step: int, repeat: int) -> tuple[float, float]:
    body = {"source": program, "format": "svg", "step": step}
    client.app.state.render_cache.clear()
    t0 = time.perf_counter()
    r = client.post("/api/render", json=body)
    new_s = time.perf_counter() - t0
    r.raise_for_status()
    again_s, _ = best_of(lambda: client.post("/api/render", json=body), repeat)
    return new_s, again_s


MAX_TURNS = 15             # bare dot and a new program: more turns while they are quick...
TURNS_BUDGET_S = 3.0        # ... up to this long per graph (a shared machine is noisy)


def _alternating(fns, repeat: int) -> list[float]:
    """The best run of each function, the functions taking turns: at least ``repeat`` turns,
    more (up to MAX_TURNS) while they fit in TURNS_BUDGET_S."""
    best = [float("inf")] * len(fns)
    started, turns = time.perf_counter(), 0
    while turns < repeat or (turns < MAX_TURNS and time.perf_counter() - started < TURNS_BUDGET_S):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], best_of(fn, 1)[0])
        turns += 1
    return best


def _rows(table: Table, renderer, client, sizes: list[int], repeat: int) -> None:
    for n in sizes:
        program = scalar_program(n)
        doc = trace(program).to_dict()
        nodes = len(doc["nodes"])
        step = len(doc["steps"]) // 2
        dot_source = renderer.build_dot(doc, step)
        if nodes > renderer.MAX_RENDER_NODES:
            try:
                dot_text = ms(best_of(lambda: bare_dot(dot_source, BIG_DOT_TIMEOUT_S), 1)[0])
            except subprocess.TimeoutExpired:
                dot_text = f"> {BIG_DOT_TIMEOUT_S} s"
            table.add(f"{nodes:,}", dot_text, f"not drawn (limit {renderer.MAX_RENDER_NODES} nodes)",
                      "—", "—", "—", "—", "—")
            continue

        def cold() -> bytes:
            renderer.clear_caches()
            return renderer.render(doc, "svg", step)
        # Alternating, so load from other work on the machine falls on both alike.
        dot_s, cold_s = _alternating([lambda: bare_dot(dot_source), cold], repeat)
        renderer.render(doc, "svg", step)
        others = itertools.cycle(range(step + 1, len(doc["steps"]) + 1))   # steps not drawn yet
        warm_s, _ = best_of(lambda: renderer.render(doc, "svg", next(others)), repeat)
        new_s, again_s = _requests(client, program, step, repeat) if client else (None, None)
        table.add(f"{nodes:,}", ms(dot_s), ms(cold_s), ratio(cold_s, dot_s), ms(warm_s), ratio(warm_s, dot_s),
                  ms(new_s), ms(again_s))
