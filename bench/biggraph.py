"""Big graphs: a program over the node-by-node drawing's limits, in headless Chromium, from
the Run key: the order list and the first step's panel on screen, then the collapsed drawing
(one box per statement), and one statement expanded in place.

Each size is measured both ways in the same run: as before (one /api/trace answer carrying the
document, the display model and the SVG: the page shows everything at once) and as the page
does now (the packed document first, shown at once; the drawing from /api/drawing right after).
"""
from __future__ import annotations

import os
import statistics
import time
import urllib.parse

from engine import trace

from .page import CHROMIUM, CHROMIUM_ARGS, _serve, _stop
from .programs import scalar_program
from .timing import Table

TARGETS = {2_000: 2.0, 10_000: 3.0}      # seconds from Run to the collapsed drawing on screen
FIRST_TARGETS = {10_000: 0.6, 100_000: 4.0}   # seconds from Run to the order list and first panel
EXPAND_TARGET_S = 0.5

# After the drawing (or the message) is in the DOM: the next frame painted.
PAINTED = "() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))"


def _fresh(page, url: str, apart: bool = True) -> None:
    """The page opened anew; `apart` false: as before, one answer with the drawing (the page's
    switch for the benchmark)."""
    page.goto("about:blank")
    page.goto(f"{url}/")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    if not apart:
        page.evaluate("() => { studio.state.doc.drawingApart = false; }")


def _run_and_wait(page, source: str, ready: str) -> float:
    """Put `source` in the editor, press Run (Ctrl+Enter) and wait until `ready` is in the
    page and painted: seconds from the key press."""
    runs = int(page.get_attribute("body", "data-runs") or 0)
    # Set as a paste would (Playwright's fill is slow on a long text): one input event.
    page.evaluate("""(src) => { const t = document.querySelector('#source'); t.value = src;
        t.dispatchEvent(new Event('input', { bubbles: true })); t.focus(); }""", source)
    t0 = time.perf_counter()
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f'body[data-runs="{runs + 1}"]', state="attached", timeout=120_000)
    try:
        page.wait_for_selector(ready, state="attached", timeout=120_000)
    except Exception as exc:
        state = page.evaluate("() => [location.href.slice(0, 60), studio.state.groups.level, studio.state.doc.trace && studio.state.doc.trace.level, document.querySelector('#graph').dataset.level, "
                              "document.querySelector('#error')?.textContent, document.querySelector('#graph-message')?.textContent]")
        raise RuntimeError(f"no drawing after Run: {state}") from exc
    page.evaluate(PAINTED)
    return time.perf_counter() - t0


def _run_apart(page, source: str, total: int) -> tuple[float, float, float]:
    """Run (the page as it is now): seconds to the order list and the first panel painted
    (the step label names the new program's steps), to the drawing (or why none), and to the
    run's end (a big program's backward steps' details come last, from /api/details)."""
    runs = int(page.get_attribute("body", "data-runs") or 0)
    page.evaluate("""(src) => { const t = document.querySelector('#source'); t.value = src;
        t.dispatchEvent(new Event('input', { bubbles: true })); t.focus(); }""", source)
    t0 = time.perf_counter()
    page.keyboard.press("Control+Enter")
    page.wait_for_function("""(total) => document.querySelector('#step-label').textContent.startsWith(`Step 0 / ${total}`)
        && document.querySelectorAll('#order li').length > 0 && document.querySelector('#panel-title .nt-name')""",
                           arg=total, timeout=120_000, polling="raf")
    page.evaluate(PAINTED)
    first = time.perf_counter() - t0
    page.wait_for_function("() => ['done', 'none'].includes(document.querySelector('#graph').dataset.drawing)",
                           timeout=120_000, polling="raf")
    page.evaluate(PAINTED)
    drawn = time.perf_counter() - t0
    page.wait_for_selector(f'body[data-runs="{runs + 1}"]', state="attached", timeout=120_000)
    page.evaluate(PAINTED)
    return first, drawn, time.perf_counter() - t0


def _run_again(page, url: str, first: str, second: str, total: int) -> float:
    """Run `first`, and as soon as its order list and panel are painted, Run `second` (while the
    worker still makes the first's drawing and details): seconds from the second key press to
    its order list and panel painted."""
    _fresh(page, url)
    for src in (first, second):
        page.evaluate("""(src) => { const t = document.querySelector('#source'); t.value = src;
            t.dispatchEvent(new Event('input', { bubbles: true })); t.focus(); }""", src)
        t0 = time.perf_counter()
        page.keyboard.press("Control+Enter")
        page.wait_for_function("""([src, total]) => studio.state.doc.source === src
            && document.querySelector('#step-label').textContent.startsWith(`Step 0 / ${total}`)
            && document.querySelector('#panel-title .nt-name')""", arg=[src, total], timeout=120_000, polling="raf")
        page.evaluate(PAINTED)
    took = time.perf_counter() - t0
    # Both runs ended (the second's drawing and details made) before the next measurement.
    page.wait_for_selector('body[data-runs="2"]', state="attached", timeout=120_000)
    return took


def _expand(page, group: dict, step: int) -> float:
    """Seconds from the E key to statement `group`'s nodes painted over its box."""
    page.locator("#step-slider").fill(str(step))
    page.locator("#graph").focus()
    t0 = time.perf_counter()
    page.keyboard.press("e")
    page.wait_for_selector(f"#graph .inset g#node-{group['head']}", state="attached", timeout=60_000)
    page.evaluate(PAINTED)
    took = time.perf_counter() - t0
    page.click("#btn-expand-group")            # collapse it again
    page.wait_for_selector("#graph .inset", state="detached")
    return took


def run(sizes: list[int], repeat: int) -> Table:
    table = Table(f"Big graphs: from Run to the page on screen, as before and now (s, median of {repeat})",
                  ["nodes", "statements (boxes)", "as before: Run → all on screen", "now: Run → order list and panel",
                   "target", "now: Run → drawing", "target", "now: Run → backward details",
                   "now: Run again at once → order list and panel", "expand one statement", "target"])
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        table.notes.append("playwright is not installed: `bash scripts/setup.sh --test` installs it")
        return table
    if not os.path.exists(CHROMIUM):
        table.notes.append(f"{CHROMIUM} is missing (Debian's chromium package): nothing measured")
        return table
    import drawing
    from drawing.errors import MAX_COLLAPSED_BOXES
    proc, url, log = _serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            for n in sizes:
                source = scalar_program(n, seed=1)
                t = trace(source)
                doc = t.to_dict()
                total = len(doc["steps"])
                levels = drawing.display_model(doc)["statements"]
                big = max(levels["groups"][len(levels["groups"]) // 2:], key=lambda g: len(g["nodes"]))
                boxes = len(levels["groups"]) + len(levels["copies"])
                drawn = boxes <= MAX_COLLAPSED_BOXES
                ready = "#graph g.node.bp-group" if drawn else "#graph-message:not([hidden])"
                before, first, after, details, again, expand = [], [], [], [], [], []
                for r in range(repeat):
                    # Each run a program the worker has not traced (a comment apart: the same graph),
                    # so every figure includes the trace.
                    # As before: one answer with the drawing (the page's switch for the benchmark).
                    _fresh(page, url, apart=False)
                    before.append(_run_and_wait(page, f"{source}\n# run {r}, as before", ready))
                    # Now: the document first, the drawing after.
                    _fresh(page, url)
                    f, a, d = _run_apart(page, f"{source}\n# run {r}, now", total)
                    first.append(f)
                    after.append(a)
                    details.append(d)
                    if drawn:
                        expand.append(_expand(page, big, big["steps"][0]))
                    again.append(_run_again(page, url, f"{source}\n# run {r}, first", f"{source}\n# run {r}, again",
                                            total))
                b, f, a = statistics.median(before), statistics.median(first), statistics.median(after)
                target, ftarget = TARGETS.get(n), FIRST_TARGETS.get(n)
                e = statistics.median(expand) if expand else None
                table.add(f"{len(doc['nodes']):,}", f"{len(levels['groups']):,} ({boxes:,})", f"{b:.2f}", f"{f:.2f}",
                          f"{ftarget:g} s: {'met' if f <= ftarget else 'MISSED'}" if ftarget else "—",
                          f"{a:.2f}" if drawn else f"{a:.2f} (too big: said why)",
                          f"{target:g} s: {'met' if a <= target else 'MISSED'}" if target else "—",
                          f"{statistics.median(details):.2f}", f"{statistics.median(again):.2f}",
                          f"{e:.2f}" if e is not None else "—",
                          f"{EXPAND_TARGET_S:g} s: {'met' if e <= EXPAND_TARGET_S else 'MISSED'}" if e is not None else "—")
            browser.close()
    finally:
        _stop(proc, log)
    table.notes.append(
        "The benchmark's scalar programs (bench/programs.py, seed 1; each run's with a comment of its own, so "
        "that no run finds its trace made by an earlier one), over the node-by-node drawing's 400-node "
        "limit, in a page already open: the program put in the editor and Run pressed (Ctrl+Enter). 'as "
        "before': one /api/trace answer with the lean document, the display model and the SVG (the page's "
        "`studio.state.doc.drawingApart` set false), until the collapsed drawing is in the page and a frame "
        "painted. 'now': /api/trace with `drawing: false, packed: true, details: false`, until the order list and the first "
        "step's panel are painted; then /api/drawing (the worker's copy of the trace, one `dot` run), until "
        "the drawing is painted. Past 6,000 boxes the drawing is refused with its reason, in the first "
        "answer. Past 1,000 nodes the first answer has the backward steps without their details "
        "(`details: false`); 'backward details': until /api/details (made by the worker after the drawing) "
        "has completed the trace and the step is shown again. 'Run again at once': a program Run as soon as the "
        "one before it is on screen, while the worker still makes that one's drawing and details (which a new "
        "trace stops): from the second Run to its order list and panel. 'expand one statement': the E key at the first step of the largest statement in the "
        "program's second half, until its nodes (/api/expand: one small `dot` run) are painted over its box.")
    return table


TENSOR = "W = randn(1000, 1000, seed=1)\nx = randn(1000, seed=2)\ns = sum(tanh(W @ x))"
TENSOR_TARGET_S = 1.0        # issue 16: graph and panel on screen within 1 s of Run


def run_tensor(repeat: int) -> Table:
    """The 1000 × 1000 program of issue 16 (five nodes, a million entries): from Run to its graph
    and first panel on screen, as before (one answer with the drawing) and now."""
    table = Table(f"A big tensor: from Run to the graph and the panel on screen (s, median of {repeat})",
                  ["program", "as before: Run → all on screen", "now: Run → panel", "now: Run → graph", "target"])
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        table.notes.append("playwright is not installed: `bash scripts/setup.sh --test` installs it")
        return table
    proc, url, log = _serve()
    total = len(trace(TENSOR).to_dict()["steps"])
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            before, first, after = [], [], []
            for r in range(repeat):
                _fresh(page, url, apart=False)
                before.append(_run_and_wait(page, f"{TENSOR}\n# run {r}, as before", "#graph g.node"))
                _fresh(page, url)
                f, a, _ = _run_apart(page, f"{TENSOR}\n# run {r}, now", total)
                first.append(f)
                after.append(a)
            a = statistics.median(after)
            table.add("`W = randn(1000, 1000)`, `x = randn(1000)`, `s = sum(tanh(W @ x))`",
                      f"{statistics.median(before):.2f}", f"{statistics.median(first):.2f}", f"{a:.2f}",
                      f"{TENSOR_TARGET_S:g} s: {'met' if a <= TENSOR_TARGET_S else 'MISSED'}")
            browser.close()
    finally:
        _stop(proc, log)
    table.notes.append("Each run a program the worker has not traced (a comment apart). The big tensors are sent "
                       "as summaries (shape, statistics, a preview of block means); the panel draws them on a canvas.")
    return table
