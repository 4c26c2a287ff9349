"""The page: time to apply one step in the browser (headless Chromium driven by Playwright).

A real server (uvicorn) serves the page; the program arrives through the page's own
shareable link (#program=…&step=…). Each step is the → key, as a user presses it; its time
is all the main-thread work the step causes before it is on screen: the page's keydown
handler, then the frame that follows, from its first requestAnimationFrame callback (the
page's own frame callbacks, style, layout, paint and commit) to the first task after it.
The wait for the frame in between is idle and not counted. That sum must fit in one 16 ms
frame. No step may send a request: they are counted.
"""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from engine import trace

from .programs import scalar_program
from .timing import Table

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FRAME_MS = 16.7

# Runs in the page: press → `count` times; per step, the handler's time and the handler's
# time plus the frame it causes. The frame callback is registered before the key press, so
# it runs first in that frame; a message posted from it is handled once the frame's
# rendering work (any page frame callbacks, style, layout, paint, commit) is done. Per step
# also: the work the page did in idle callbacks after it (preparing the next step's panel:
# not part of the step, but main-thread work all the same, so reported) and whether the
# step found its panel prepared. The page's internals are read through its one debug
# handle, window.studio (set by static/studio.js).
MEASURE = """async ([count, idle]) => {
  const out = [];
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const prepMs = () => studio.counters.prepMs;
  const prepUsed = () => studio.counters.prepUsed;
  // Between steps: the next frame, then (idle=true) until the page's idle work is done
  // (at most 1 s), as between the presses of a user reading each step.
  const settle = async () => {
    await frame();
    if (!idle) return;
    const t0 = performance.now();
    while (studio.preparing() && performance.now() - t0 < 1000)
      await new Promise((r) => setTimeout(r, 5));
  };
  await settle();
  for (let i = 0; i < count; i++) {
    let f0 = 0;
    const painted = new Promise((resolve) => requestAnimationFrame(() => {
      f0 = performance.now();
      const ch = new MessageChannel();
      ch.port1.onmessage = () => resolve(performance.now());
      ch.port2.postMessage(0);
    }));
    const m0 = prepMs(), u0 = prepUsed();
    const t0 = performance.now();
    // A held key (no idle time between presses) auto-repeats: its keydowns say repeat.
    document.body.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true, cancelable: true, repeat: !idle}));
    const t1 = performance.now();
    const f1 = await painted;
    await settle();
    out.push([t1 - t0, (t1 - t0) + (f1 - f0), prepMs() - m0, prepUsed() - u0]);
  }
  return out;
}"""


# The address (a shareable link with the whole program) is written once stepping pauses,
# not within a step: its cost, measured on its own (ms, each of 5 writes).
ADDRESS = """() => {
  const out = [];
  for (let i = 0; i < 5; i++) { studio.state.view.address = null; const t0 = performance.now(); studio.writeHash(); out.push(performance.now() - t0); }
  return out;
}"""


# The longest single chunk of idle work the page has done so far (ms).
LONGEST = "() => studio.counters.prepLongest"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve() -> tuple[subprocess.Popen, str, object]:
    port = _free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120        # a loaded machine starts the workers slowly
    while True:
        try:
            with urllib.request.urlopen(url + "/api/status", timeout=1) as r:
                if r.status == 200:
                    return proc, url, log
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.seek(0)
            raise RuntimeError("the app did not start: " + log.read().decode(errors="replace")[-1000:])
        time.sleep(0.1)


def _stop(proc: subprocess.Popen, log) -> None:
    """Stop the app `_serve` started (killed if it does not stop within 10 s) and close its log."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _step_label(page) -> str:
    return page.inner_text("#step-label")


def _open_at(page, url: str, program: str, step: int, total: int) -> None:
    """Open the page on `program` at `step` through its shareable link, wait until that step
    is shown and its drawing (which comes after the trace) installed or refused, and leave no element focused (the → key then goes to the page's handler)."""
    page.goto(f"{url}/#program={urllib.parse.quote(program)}&step={step}")
    deadline = time.monotonic() + 60
    while not _step_label(page).startswith(f"Step {step} / {total}"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the page did not show step {step} of the program")
        time.sleep(0.05)
    page.wait_for_function("() => ['done', 'none'].includes(document.querySelector('#graph').dataset.drawing)",
                           timeout=60_000)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")


def run(sizes: list[int], repeat: int) -> Table:
    table = Table("The page: one step applied in the browser (ms per step: median / worst of "
                  f"{repeat} forward and {repeat} backward steps)",
                  ["nodes", "drawn", "forward step", "backward step", "frame budget",
                   "backward, key held", "prepared while idle, ms per step", "panels ready",
                   "requests", "address, once paused"])
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        table.notes.append("playwright is not installed: `bash scripts/setup.sh --test` installs it")
        return table
    if not os.path.exists(CHROMIUM):
        table.notes.append(f"{CHROMIUM} is missing (Debian's chromium package): nothing measured")
        return table
    proc, url, log = _serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            requests: list[str] = []
            # API calls only: a KaTeX font the browser loads when a rule first needs it is not one.
            page.on("request", lambda r: requests.append(r.url) if "/api/" in r.url else None)
            for n in sizes:
                program = scalar_program(n, seed=1)
                t = trace(program)
                forward_steps = len(t.nodes)
                total = forward_steps + len(t._records)
                start = max(1, forward_steps // 2)
                _open_at(page, url, program, start, total)
                drawn = page.evaluate("() => !!document.querySelector('#graph svg .node')")
                before = len(requests)
                fwd = page.evaluate(MEASURE, [repeat, True])
                longest = page.evaluate(LONGEST)
                sent = len(requests) - before
                _open_at(page, url, program, forward_steps + 1, total)
                before = len(requests)
                bwd = page.evaluate(MEASURE, [repeat, True])
                longest = max(longest, page.evaluate(LONGEST))
                sent += len(requests) - before
                # A held key (auto-repeat): the next press as soon as the frame is shown,
                # leaving the page no idle time to prepare anything. (A new page load: the
                # same address again would only change the hash.)
                page.goto("about:blank")
                _open_at(page, url, program, forward_steps + 1, total)
                held = page.evaluate(MEASURE, [repeat, False])
                address = statistics.median(page.evaluate(ADDRESS))
                worst = max(x[1] for x in fwd + bwd)

                def cell(xs: list[list[float]]) -> str:
                    total_ms = [x[1] for x in xs]
                    return f"{statistics.median(total_ms):.1f} / {max(total_ms):.1f}"
                table.add(f"{len(t.nodes):,}", "yes" if drawn else "no (over the drawing limit)",
                          cell(fwd), cell(bwd), "within" if worst <= FRAME_MS else "OVER", cell(held),
                          f"{statistics.median(x[2] for x in fwd + bwd):.1f} (longest chunk {longest:.1f})",
                          f"{sum(x[3] for x in fwd + bwd)} of {len(fwd + bwd)}", str(sent), f"{address:.1f}")
            browser.close()
    finally:
        _stop(proc, log)
    table.notes.append("Headless Chromium (Debian's), the app served by uvicorn on 127.0.0.1. A step is the → "
                       "key; its time is the page's handler plus the frame it causes (frame callbacks, style, "
                       "layout, paint, commit: from the frame's first requestAnimationFrame callback to the "
                       "first task after it), measured in the page with performance.now(); the idle wait for "
                       "the frame is not counted. Between steps the bench waits for the frame and then for the page's idle work (preparing the panels of the next and previous steps, in idle callbacks of a few ms each); that work is not in the step's time but is reported: 'prepared while idle' (median ms per step, and the longest chunk: one idle callback runs at least one chunk; it includes styling and laying out the prepared panel, forced in the callback, but not painting it, which happens in the frames between steps, under the shown panel) and 'panels ready' (steps whose panel was prepared). 'backward, key held': the same steps pressed as soon as each frame is shown, with no idle time between them, as a held key's auto-repeat sends them (keydown with repeat set): the page then leaves a panel it has not prepared until the key is let go or pauses for 150 ms, and marks it as lagging. 'address, once paused': the page writes its address (the "
                       "shareable link, with the whole program) 250 ms after the last step, not in each step; "
                       "that write's own time, median of 5. 'requests': API requests sent while stepping (none "
                       "expected: the page has every step's texts from the one /api/trace answer; a KaTeX font the "
                       "browser fetches when a rule first needs it is a static file, not counted).")
    return table
