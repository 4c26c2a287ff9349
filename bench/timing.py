"""Timing and table helpers shared by the benchmark sections."""
from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from typing import Callable


def best_of(fn: Callable[[], object], repeat: int, clock: Callable[[], float] = time.perf_counter
            ) -> tuple[float, object]:
    """The fastest of `repeat` runs, in seconds, with the last run's result. `clock` is wall
    time by default; single-threaded sections pass time.process_time (CPU time), which other
    work on the machine disturbs much less."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t0 = clock()
        result = fn()
        best = min(best, clock() - t0)
    return best, result


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    v = seconds * 1000
    return f"{v:,.1f}" if v < 1000 else f"{v:,.0f}"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}×"


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([str(c) for c in cells])

    def markdown(self) -> str:
        widths = [max(len(r[i]) for r in [self.header, *self.rows]) for i in range(len(self.header))]
        def line(cells: list[str]) -> str:
            return "| " + " | ".join(c.rjust(w) if k else c.ljust(w)
                                     for k, (c, w) in enumerate(zip(cells, widths))) + " |"
        out = [f"**{self.title}**", "", line(self.header),
               "| " + " | ".join(("-" * (w - 1) + ":") if k else "-" * w for k, w in enumerate(widths)) + " |"]
        out += [line(r) for r in self.rows]
        if self.notes:
            out += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(out)
