"""Memory: the peak of one request, measured in a fresh process per size.

`python -m bench.memory engine|micrograd NODES` runs one request and prints how far the
process's peak resident memory rose above what it held after its imports (MiB).
"""
from __future__ import annotations

import json
import subprocess
import sys

from .timing import Table


def _status_mib(key: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def _rss_mib() -> float:
    """Resident memory now, after resetting the peak to it (Linux: clear_refs 5)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return _status_mib("VmRSS")


def _peak_mib() -> float:
    return _status_mib("VmHWM")


def child(kind: str, nodes: int) -> None:
    from .programs import scalar_program
    program = scalar_program(nodes)
    if kind == "engine":
        from engine import trace
        try:
            import drawing as renderer
        except ImportError:
            renderer = None
        trace("x = 1.0\ny = x * 2")      # warm every import before the baseline
        base = _rss_mib()
        doc = trace(program).to_dict()
        body = json.dumps(doc)
        drawn = False
        if renderer is not None:
            if hasattr(renderer, "display_model"):
                doc["display"] = renderer.display_model(doc)
            if len(doc["nodes"]) <= renderer.MAX_RENDER_NODES and renderer.graphviz_available():
                renderer.render(doc, "svg", None)
                drawn = True
        print(json.dumps({"peak_mib": _peak_mib() - base, "json_mib": len(body) / 2**20, "drawn": drawn}))
    else:
        from .scalar import micrograd_run
        base = _rss_mib()
        micrograd_run(program)
        print(json.dumps({"peak_mib": _peak_mib() - base}))


def measure(kind: str, nodes: int) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.memory", kind, str(nodes)], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(sizes: list[int]) -> Table:
    table = Table("Memory: peak of one request above the process's resident memory after imports (MiB)",
                  ["nodes", "engine request", "JSON size", "micrograd", "engine / micrograd"])
    for n in sizes:
        e, m = measure("engine", n), measure("micrograd", n)
        r = f"{e['peak_mib'] / m['peak_mib']:.1f}×" if m["peak_mib"] > 0.5 else "—"
        table.add(f"~{n:,}", f"{e['peak_mib']:,.1f}" + (" (with SVG)" if e["drawn"] else ""),
                  f"{e['json_mib']:,.1f}", f"{m['peak_mib']:,.1f}", r)
    table.notes.append("One request as /api/trace serves it: trace, the JSON document, the page's display "
                       "model, and the SVG where the graph is small enough to draw; each size in a fresh "
                       "process (Linux: the peak resident set, VmHWM, reset after the imports). micrograd: compile, run, backward() — it keeps "
                       "no record of steps, which is most of what the engine's document holds.")
    return table


if __name__ == "__main__":
    child(sys.argv[1], int(sys.argv[2]))
