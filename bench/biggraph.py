"""Big graphs: a program over the node-by-node drawing's limits, drawn collapsed (one box per
statement) and on screen, and one statement expanded in place, in headless Chromium.

Each size is measured both ways in the same run: the baseline asks for one box per node
(level "nodes": past the limits, no drawing, only the message saying why), then collapsed
(level "auto").
"""
from __future__ import annotations

import os
import statistics
import time
import urllib.parse

from engine import trace

from .page import CHROMIUM, CHROMIUM_ARGS, _serve
from .programs import scalar_program
from .timing import Table

TARGETS = {2_000: 2.0, 10_000: 3.0}      # seconds from Run to the collapsed drawing on screen
EXPAND_TARGET_S = 0.5

# After the drawing (or the message) is in the DOM: the next frame painted.
PAINTED = "() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))"


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
    table = Table(f"Big graphs: Run to the drawing on screen, and one statement expanded (s, median of {repeat})",
                  ["nodes", "statements (boxes)", "node by node (as before): link → message",
                   "collapsed: link → on screen", "collapsed: Run → on screen", "target",
                   "expand one statement", "target"])
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        table.notes.append("playwright is not installed: `bash scripts/setup.sh --test` installs it")
        return table
    if not os.path.exists(CHROMIUM):
        table.notes.append(f"{CHROMIUM} is missing (Debian's chromium package): nothing measured")
        return table
    import drawing
    proc, url, log = _serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            for n in sizes:
                source = scalar_program(n, seed=1)
                doc = trace(source).to_dict()
                levels = drawing.display_model(doc)["statements"]
                big = max(levels["groups"][len(levels["groups"]) // 2:], key=lambda g: len(g["nodes"]))
                boxes = len(levels["groups"]) + len(levels["copies"])
                before, linked, collapsed, expand = [], [], [], []
                for _ in range(repeat):
                    # Baseline: the node-by-node drawing, refused past its limits (the link asks for it).
                    page.goto("about:blank")
                    t0 = time.perf_counter()
                    page.goto(f"{url}/#program={urllib.parse.quote(source)}&step=0&level=nodes")
                    page.wait_for_selector("#graph-message:not([hidden])", timeout=120_000)
                    page.evaluate(PAINTED)
                    before.append(time.perf_counter() - t0)
                    # Collapsed, the same way: the page opened on a link (level as it fits).
                    page.goto("about:blank")
                    t0 = time.perf_counter()
                    page.goto(f"{url}/#program={urllib.parse.quote(source)}&step=0")
                    page.wait_for_selector("#graph g.node.bp-group", state="attached", timeout=120_000)
                    page.evaluate(PAINTED)
                    linked.append(time.perf_counter() - t0)
                    # Collapsed, from the Run key in a page already open.
                    page.goto("about:blank")
                    page.goto(f"{url}/")
                    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
                    collapsed.append(_run_and_wait(page, source, "#graph g.node.bp-group"))
                    expand.append(_expand(page, big, big["steps"][0]))
                c, e = statistics.median(collapsed), statistics.median(expand)
                target = TARGETS.get(n)
                table.add(f"{len(doc['nodes']):,}", f"{len(levels['groups']):,} ({boxes:,})",
                          f"not drawn: {statistics.median(before):.2f}", f"{statistics.median(linked):.2f}", f"{c:.2f}",
                          f"{target:g} s: {'met' if c <= target else 'MISSED'}" if target else "—",
                          f"{e:.2f}", f"{EXPAND_TARGET_S:g} s: {'met' if e <= EXPAND_TARGET_S else 'MISSED'}")
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except Exception:
            proc.kill()
        log.close()
    table.notes.append(
        "The benchmark's scalar programs (bench/programs.py, seed 1), over the node-by-node drawing's 400-node "
        "limit. 'node by node (as before)': the page opened on a link asking for one box per node, which the "
        "server refuses past the limit: the time until its message is painted (page load included); 'collapsed: "
        "link': the same link without the level, until the collapsed drawing is painted. 'collapsed: Run': "
        "in a page already open, the program put in the editor and Run pressed (Ctrl+Enter), until the "
        "collapsed drawing is in the page and a frame painted (the trace, the display model and one `dot` run "
        "in a worker, the JSON answer, the SVG installed). 'expand one statement': the E key at the first step "
        "of the largest statement in the program's second half, until its nodes (/api/expand: one small `dot` "
        "run) are painted over its box.")
    return table
