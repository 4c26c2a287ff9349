"""Scalar graphs: the engine against micrograd, from the same program text."""
from __future__ import annotations

import ast
import gc
import json
import sys
import threading
import time
from typing import Callable

from engine import trace
from engine.autodiff import run_backward, run_forward
from engine.parser import build
from engine.trace import no_gc

from .floor import least_gradients
from .programs import micrograd_source, output_name, scalar_program
from .timing import Table, best_of, ms, ratio

# micrograd's backward() sorts the graph with a recursive function, one Python frame per
# level of the graph: deep graphs need a higher recursion limit (and a big thread stack).
RECURSION_LIMIT = 1_000_000
STACK_BYTES = 512 * 1024 * 1024


def in_big_stack(fn: Callable[[], object]) -> object:
    """Run fn in a thread with a large stack and a high recursion limit (for micrograd)."""
    box: dict[str, object] = {}
    old_limit, old_size = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(RECURSION_LIMIT)
    threading.stack_size(STACK_BYTES)
    try:
        def run() -> None:
            try:
                box["result"] = fn()
            except BaseException as e:  # reported in the table
                box["error"] = e
        th = threading.Thread(target=run)
        th.start()
        th.join()
    finally:
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]


# Both sides run in one thread: CPU time (process_time) is what the work costs, and other
# work on the machine disturbs it much less than wall time.
CLOCK = time.process_time


def micrograd_run(program: str) -> dict[str, float]:
    """micrograd as its users run it: Python compiles the source, runs it, then backward()."""
    def job() -> dict[str, float]:
        t0 = CLOCK()
        code = compile(micrograd_source(program), "<program>", "exec")
        t1 = CLOCK()
        ns: dict[str, object] = {}
        exec(code, ns)
        t2 = CLOCK()
        out = ns[output_name(program)]
        out.backward()  # type: ignore[attr-defined]
        t3 = CLOCK()
        return {"parse": t1 - t0, "build+forward": t2 - t1, "backward": t3 - t2, "total": t3 - t0,
                "value": out.data, "grad": ns["w0"].grad}  # type: ignore[attr-defined]
    return in_big_stack(job)  # type: ignore[return-value]


def engine_phases(program: str, repeat: int) -> dict[str, float]:
    """Each phase of the engine timed on its own (best of `repeat`), with the cycle collector
    paused as `trace` pauses it."""
    with no_gc():
        build_s, built = best_of(lambda: build(program), repeat, CLOCK)
        graph, out = built  # type: ignore[misc]
        fwd_s, _ = best_of(lambda: run_forward(graph), repeat, CLOCK)
        bwd_s, _ = best_of(lambda: run_backward(graph, out), repeat, CLOCK)
    return {"read": build_s, "forward": fwd_s, "backward": bwd_s}


def run(sizes: list[int], repeat: int) -> tuple[Table, list[dict]]:
    # A run takes a few ms up to 10,000 nodes, and the best of a few turns still moved the
    # ratio by a third between runs on a shared machine: three times as many turns there.
    many = 3 * repeat
    table = Table("Scalar graphs: engine vs micrograd 0.1.0 from the same program text (CPU ms, best "
                  f"of {many}, the two alternating; 100,000 nodes: best of 2)",
                  ["nodes", "phase", "engine", "micrograd", "engine / micrograd"])
    results = []
    for n in sizes:
        program = scalar_program(n)
        r = many if n < 100_000 else 2
        totals, parses, leasts, m_runs = [], [], [], []
        out_name = output_name(program)
        for _ in range(r):              # alternate, so both see the same machine and an empty heap
            totals.append(best_of(lambda: trace(program), 1, CLOCK)[0])
            gc.collect()
            m_runs.append(micrograd_run(program))
            gc.collect()
            with no_gc():              # as trace runs it: Python's parser alone, the reader's fixed cost
                parses.append(best_of(lambda: ast.parse(program), 1, CLOCK)[0])
            gc.collect()
            with no_gc():
                leasts.append(best_of(lambda: least_gradients(program, out_name, "w0"), 1, CLOCK))
        e = engine_phases(program, r)
        t = trace(program)
        e["total"] = min(totals)
        e["ast.parse"] = min(parses)
        e["least"] = min(t for t, _ in leasts)
        least_value, least_grad = leasts[0][1]
        e["json"] = best_of(lambda: json.dumps(t.to_dict()), min(r, 3), CLOCK)[0]  # type: ignore[union-attr]
        m = {k: min(run[k] for run in m_runs) for k in ("parse", "build+forward", "backward", "total")}
        nodes = len(t.nodes)  # type: ignore[union-attr]
        value = float(t.nodes[t.output].value)  # type: ignore[union-attr]
        grad = float(next(x for x in t.nodes if x.name == "w0").grad)  # type: ignore[union-attr]
        same = abs(value - m_runs[0]["value"]) <= 1e-12 and abs(grad - m_runs[0]["grad"]) <= 1e-9
        same_least = (abs(least_value - m_runs[0]["value"]) <= 1e-12
                      and abs(least_grad - m_runs[0]["grad"]) <= 1e-9)
        label = f"{nodes:,}"
        table.add(label, "text → graph (engine: read and build; micrograd: compile)", ms(e["read"]),
                  ms(m["parse"]), ratio(e["read"], m["parse"]))
        table.add("", "forward (micrograd: run the code, building as it goes)", ms(e["forward"]),
                  ms(m["build+forward"]), ratio(e["forward"], m["build+forward"]))
        table.add("", "backward (engine: every step recorded)", ms(e["backward"]), ms(m["backward"]),
                  ratio(e["backward"], m["backward"]))
        table.add("", "**source text → finished trace / gradients**", f"**{ms(e['total'])}**",
                  f"**{ms(m['total'])}**", f"**{ratio(e['total'], m['total'])}**")
        table.add("", "floor: `ast.parse` alone (engine) vs micrograd's whole run", ms(e["ast.parse"]),
                  ms(m["total"]), ratio(e["ast.parse"], m["total"]))
        table.add("", "floor: the least an `ast` engine can do (bench/floor.py) vs micrograd's whole run",
                  ms(e["least"]), ms(m["total"]), ratio(e["least"], m["total"]))
        table.add("", "JSON document (to_dict + json.dumps)", ms(e["json"]), "—", "—")
        results.append({"nodes": nodes, "engine": e, "micrograd": m, "same_result": same and same_least})
        if not same:
            table.notes.append(f"{label} nodes: the engine, the least engine and micrograd DISAGREE on the "
                               "output or a gradient")
    table.notes.append("The programs (bench/programs.py) mix +, −, ×, ÷, ** 2, unary − and relu, with values "
                       "used several times: what micrograd 0.1.0 supports (it has no tanh or exp).")
    table.notes.append("Both columns start from the same text. micrograd: its source is that text with each "
                       "leaf `x = 0.3` written `x = Value(0.3)` and `relu(v)` defined as `v.relu()`; Python "
                       "compiles it, runs it, then `backward()`. Its recursive topological sort needs the "
                       f"recursion limit raised (to {RECURSION_LIMIT:,}, in a thread with a "
                       f"{STACK_BYTES // 2**20} MiB stack).")
    table.notes.append("The bold row is `engine.trace(source)` end to end: read, build, forward, backward "
                       "with every step recorded (as compact records; the step objects and texts are made "
                       "when read, which the JSON row includes). The phases above it are timed one by one. "
                       "The two floor rows: Python's `ast.parse` of the same text alone, which the reader "
                       "cannot avoid (programs are read with `ast` only); and the least an engine reading "
                       "programs with `ast` can do to get the same gradients (bench/floor.py: `ast.parse`, "
                       "one walk over the tree computing each value into flat lists, one reverse sweep "
                       "accumulating gradients; no positions, labels, names, checks, limits or step "
                       "records), each against micrograd's whole run: no engine/micrograd ratio can go "
                       "below them. "
                       "Outputs and gradients (the engine's and the least engine's) agree with micrograd's" + (
                           " at every size." if all(x["same_result"] for x in results) else " except where noted."))
    return table, results
