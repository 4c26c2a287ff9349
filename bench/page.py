"""The page: time to apply one step in the browser (headless Chromium via Playwright)."""
from __future__ import annotations

from .timing import Table


def run(sizes: list[int], repeat: int) -> Table:
    table = Table("The page: one step applied in the browser (ms)", ["nodes", "one step", "frame budget"])
    table.notes.append("not measured yet: the page's step hook is not there")
    return table
