"""The page: time to apply one step in the browser (headless Chromium driven by Playwright).

A real server (uvicorn) serves the page; the program arrives through the page's own
shareable link (#program=…&step=…). Each step is the → key, as a user presses it; the time
is the page's keydown handler plus the style and layout it causes (forced right after), so
it is what must fit in one 16 ms frame. No step may send a request: they are counted.
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

# Runs in the page: press → `count` times; per step, the handler's time and the time to
# style and lay out what it changed.
MEASURE = """async (count) => {
  const out = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    document.body.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true, cancelable: true}));
    const t1 = performance.now();
    document.documentElement.getBoundingClientRect();
    void document.body.offsetHeight;
    const t2 = performance.now();
    out.push([t1 - t0, t2 - t0]);
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  }
  return out;
}"""


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
    deadline = time.monotonic() + 30
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


def _step_label(page) -> str:
    return page.inner_text("#step-label")


def run(sizes: list[int], repeat: int) -> Table:
    table = Table("The page: one step applied in the browser (ms per step: median / worst of "
                  f"{repeat} forward and {repeat} backward steps)",
                  ["nodes", "drawn", "forward step", "backward step", "frame budget", "requests"])
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
            page.on("request", lambda r: requests.append(r.url))
            for n in sizes:
                program = scalar_program(n, seed=1)
                t = trace(program)
                forward_steps = len(t.nodes)
                total = forward_steps + len(t._records)
                start = max(1, forward_steps // 2)
                page.goto(f"{url}/#program={urllib.parse.quote(program)}&step={start}")
                deadline = time.monotonic() + 60
                while not _step_label(page).startswith(f"Step {start} / {total}"):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the page did not load the {n}-node program")
                    time.sleep(0.05)
                drawn = page.evaluate("() => !!document.querySelector('#graph svg .node')")
                page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
                before = len(requests)
                fwd = page.evaluate(MEASURE, repeat)
                sent = len(requests) - before
                page.goto(f"{url}/#program={urllib.parse.quote(program)}&step={forward_steps + 1}")
                deadline = time.monotonic() + 60
                while not _step_label(page).startswith(f"Step {forward_steps + 1} / {total}"):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the page did not load the {n}-node program")
                    time.sleep(0.05)
                page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
                before = len(requests)
                bwd = page.evaluate(MEASURE, repeat)
                sent += len(requests) - before
                worst = max(x[1] for x in fwd + bwd)

                def cell(xs: list[list[float]]) -> str:
                    total_ms = [x[1] for x in xs]
                    return f"{statistics.median(total_ms):.1f} / {max(total_ms):.1f}"
                table.add(f"{len(t.nodes):,}", "yes" if drawn else "no (over the drawing limit)",
                          cell(fwd), cell(bwd), "within" if worst <= FRAME_MS else "OVER", str(sent))
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    table.notes.append("Headless Chromium (Debian's), the app served by uvicorn on 127.0.0.1. A step is the → "
                       "key; its time is the page's handler plus the style and layout it forces, measured in "
                       "the page with performance.now(). 'requests': requests sent while stepping (none "
                       "expected: the page has every step's texts from the one /api/trace answer).")
    return table
