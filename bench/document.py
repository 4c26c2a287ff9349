"""The trace document: the full one (`Trace.to_dict`, every number wherever it appears,
written by the json module, as /api/trace answered before the lean document) against the
lean one /api/trace answers (`engine.lean.lean_document`, each number once and big tensors
as summaries, written by orjson), with the lean one written by the json module too, so the
two changes are seen apart. Bytes and milliseconds per program, in the same run."""
from __future__ import annotations

import json

import orjson

from engine import trace
from engine.lean import lean_document

from .programs import scalar_program
from .timing import Table, best_of, ms, ratio

BIG_MATRIX = "W = randn(1000, 1000, seed=1)\nx = randn(1000, seed=2)\ns = sum(tanh(W @ x))"


def _full(t) -> bytes:
    return json.dumps(t.to_dict(), allow_nan=False, ensure_ascii=False, separators=(",", ":")).encode()


def run(scalar_sizes: list[int], repeat: int) -> Table:
    table = Table(f"The trace document: full (json module) vs lean (orjson), per program (ms, best of {repeat})",
                  ["program", "nodes", "full: MB", "full: ms", "lean: MB", "lean: ms", "bytes", "time",
                   "lean by json module: ms", "bytes per node, full / lean"])
    programs = [("W (1000×1000) @ x, tanh, sum", BIG_MATRIX)]
    programs += [(f"scalar, {n:,} nodes", scalar_program(n, seed=1)) for n in scalar_sizes]
    for name, source in programs:
        t = trace(source)
        full_s, full = best_of(lambda: _full(t), repeat)
        lean_s, lean = best_of(lambda: orjson.dumps(lean_document(t)), repeat)
        json_s, _ = best_of(lambda: json.dumps(lean_document(t), ensure_ascii=False, separators=(",", ":")).encode(),
                            repeat)
        n = len(t.nodes)
        table.add(name, f"{n:,}", f"{len(full) / 1e6:.2f}", ms(full_s), f"{len(lean) / 1e6:.2f}", ms(lean_s),
                  ratio(len(lean), len(full)), ratio(lean_s, full_s), ms(json_s),
                  f"{len(full) / n:,.0f} / {len(lean) / n:,.0f}")
    table.notes.append("The engine's part of /api/trace only (the trace is made once, outside the timing); the "
                       "display model and the drawing come on top. 'bytes' and 'time' are lean over full.")
    return table
