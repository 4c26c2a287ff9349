"""Rendering: the server's SVG against running Graphviz's `dot` alone on the same DOT source."""
from __future__ import annotations

import shutil
import subprocess

from engine import trace

from .programs import scalar_program
from .timing import Table, best_of, ms, ratio


BIG_DOT_TIMEOUT_S = 30      # bare dot on graphs too big to draw: one run, at most this long


def bare_dot(source: str, timeout: float | None = None) -> bytes:
    return subprocess.run([shutil.which("dot") or "dot", "-Tsvg"], input=source.encode(), capture_output=True,
                          check=True, timeout=timeout).stdout


def run(sizes: list[int], repeat: int) -> Table:
    table = Table(f"Rendering: server SVG vs bare `dot -Tsvg` on the same DOT source (ms, best of {repeat})",
                  ["nodes", "bare dot", "server, new program", "ratio", "server, same step again", "ratio"])
    try:
        from engine import render as renderer
    except ImportError:
        table.notes.append("engine/render.py is not there yet: nothing to measure")
        return table
    if not renderer.graphviz_available():
        table.notes.append(renderer.INSTALL_HINT)
        return table
    for n in sizes:
        doc = trace(scalar_program(n)).to_dict()
        nodes = len(doc["nodes"])
        step = len(doc["steps"]) // 2
        dot_source = renderer.build_dot(doc, step)
        if nodes > renderer.MAX_RENDER_NODES:
            try:
                dot_text = ms(best_of(lambda: bare_dot(dot_source, BIG_DOT_TIMEOUT_S), 1)[0])
            except subprocess.TimeoutExpired:
                dot_text = f"> {BIG_DOT_TIMEOUT_S} s"
            table.add(f"{nodes:,}", dot_text, f"not drawn (limit {renderer.MAX_RENDER_NODES} nodes)",
                      "—", "—", "—")
            continue
        dot_s, _ = best_of(lambda: bare_dot(dot_source), repeat)

        def cold() -> bytes:
            cache = getattr(renderer, "clear_caches", None) or renderer._layout_for.cache_clear
            cache()
            return renderer.render(doc, "svg", step)
        cold_s, _ = best_of(cold, repeat)
        renderer.render(doc, "svg", step)
        warm_s, _ = best_of(lambda: renderer.render(doc, "svg", step), repeat)
        table.add(f"{nodes:,}", ms(dot_s), ms(cold_s), ratio(cold_s, dot_s), ms(warm_s), ratio(warm_s, dot_s))
    table.notes.append("The graph at its middle step (half the values and gradients shown). Bare dot: "
                       "`dot -Tsvg` on the DOT source the server builds for that step. Server: "
                       "`engine.render.render(doc, 'svg', step)` from the trace document, which lays the "
                       "graph out once per program (so nodes never move between steps) and draws each step "
                       "on that layout; 'same step again' is a repeated request.")
    return table
