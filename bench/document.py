"""The trace document, three ways in the same run: the full one (`Trace.to_dict`, every number
wherever it appears, written by the json module, as /api/trace answered before the lean
document), the lean records (`engine.lean.lean_document`, each number once, big tensors as
summaries: /api/trace's answer by default), and the packed one the page asks for
(`engine.packed.pack`: columns, forward steps implied, each text once), both by orjson.
Bytes per node against the issue's target (a third of the full document's), and a binary
encoding of the numeric columns measured against orjson's lists (the issue asks for both)."""
from __future__ import annotations

import base64
import json

import numpy as np
import orjson

from engine import trace
from engine.lean import lean_document
from engine.packed import RAW, pack

from .programs import scalar_program
from .timing import Table, best_of, ms, ratio

BIG_MATRIX = "W = randn(1000, 1000, seed=1)\nx = randn(1000, seed=2)\ns = sum(tanh(W @ x))"
BYTES_TARGET = 1 / 3            # bytes per node of the page's document over the full one's


def _full(t) -> bytes:
    return json.dumps(t.to_dict(), allow_nan=False, ensure_ascii=False, separators=(",", ":")).encode()


def run(scalar_sizes: list[int], repeat: int) -> Table:
    table = Table(f"The trace document: full (json module, as before) vs lean records vs packed (orjson), "
                  f"per program (ms, best of {repeat})",
                  ["program", "nodes", "full: MB", "full: ms", "lean: MB", "lean: ms", "packed: MB",
                   "packed: ms", "bytes per node: full / lean / packed", "packed / full", "target"])
    programs = [("W (1000×1000) @ x, tanh, sum", BIG_MATRIX)]
    programs += [(f"scalar, {n:,} nodes", scalar_program(n, seed=1)) for n in scalar_sizes]
    for name, source in programs:
        t = trace(source)
        full_s, full = best_of(lambda: _full(t), repeat)
        lean_s, lean = best_of(lambda: orjson.dumps(lean_document(t)), repeat)
        packed_s, packed = best_of(lambda: orjson.dumps(pack(lean_document(t))), repeat)
        n = len(t.nodes)
        scalar = name.startswith("scalar")
        table.add(name, f"{n:,}", f"{len(full) / 1e6:.2f}", ms(full_s), f"{len(lean) / 1e6:.2f}", ms(lean_s),
                  f"{len(packed) / 1e6:.2f}", ms(packed_s),
                  f"{len(full) / n:,.0f} / {len(lean) / n:,.0f} / {len(packed) / n:,.0f}",
                  ratio(len(packed), len(full)),
                  (f"≤ ⅓: {'met' if len(packed) <= BYTES_TARGET * len(full) else 'MISSED'}" if scalar else "≤ 2 MB: "
                   + ("met" if len(packed) <= 2e6 else "MISSED")))
    table.notes.append("The engine's part of /api/trace only (the trace is made once, outside the timing; the "
                       "lean and packed times include making the lean records); the display model and the "
                       "drawing come on top. Today the rules' texts carry node names, so few are equal; as "
                       "`{key, args}` messages with the names as placeholders, equal rules become one entry of "
                       "the packed document's `texts`.")
    return table


def _numbers(packed: dict) -> list[list]:
    """The packed document's numeric columns (values, gradients, locals, downstreams) whose
    entries are all numbers: the lists a binary encoding would replace."""
    out = []
    for cols in (packed["nodes"], packed["steps"]["edges"]):
        for name, c in cols["fields"].items():
            vals = c.get("values")
            if name in RAW and vals and all(type(v) is float or v is None for v in vals):
                out.append(vals)
    return out


def _binary(columns: list[list]) -> bytes:
    """Each column as base64 of little-endian float64 (null as NaN), in a JSON list."""
    return orjson.dumps([base64.b64encode(np.array([np.nan if v is None else v for v in c],
                                                   dtype="<f8").tobytes()).decode() for c in columns])


def run_binary(scalar_sizes: list[int], repeat: int) -> Table:
    table = Table(f"Numeric columns of the packed document: JSON lists (orjson) vs base64 float64 "
                  f"(ms, best of {repeat})",
                  ["program", "numbers", "JSON: KB", "JSON: write ms", "JSON: read ms", "binary: KB",
                   "binary: write ms", "binary: read ms", "binary / JSON bytes", "of the document"])
    for n in scalar_sizes:
        packed = pack(lean_document(trace(scalar_program(n, seed=1))))
        cols = _numbers(packed)
        count = sum(len(c) for c in cols)
        js_s, js = best_of(lambda: orjson.dumps(cols), repeat)
        jr_s, _ = best_of(lambda: orjson.loads(js), repeat)
        bw_s, bw = best_of(lambda: _binary(cols), repeat)
        br_s, _ = best_of(lambda: [np.frombuffer(base64.b64decode(s), dtype="<f8") for s in orjson.loads(bw)],
                          repeat)
        whole = len(orjson.dumps(packed))
        table.add(f"scalar, {n:,} nodes", f"{count:,}", f"{len(js) / 1e3:,.0f}", ms(js_s), ms(jr_s),
                  f"{len(bw) / 1e3:,.0f}", ms(bw_s), ms(br_s), ratio(len(bw), len(js)),
                  f"{(len(js) - len(bw)) / whole:.0%} saved")
    table.notes.append("Reading is measured in Python (orjson.loads against base64 → numpy), a stand-in for the "
                       "page's JSON.parse against atob → Float64Array. The binary form would save the share of "
                       "the whole packed document in the last column, and costs a second reader in the page "
                       "and an unreadable JSON; not adopted while that share is this small.")
    return table
