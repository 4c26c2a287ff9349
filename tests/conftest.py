"""Shared pytest fixtures and the markers that split the suite.

Markers (registered in pyproject.toml): `server` for tests that start a uvicorn server,
`browser` for tests that drive Chromium, `slow` for tests that take seconds on their own.
`scripts/test.sh --fast` runs every other test; `scripts/test.sh` runs them all.
"""

# ==== Browser fixtures (tests/page/): a real uvicorn server on a free loopback
# ==== port and Debian's /usr/bin/chromium driven by Playwright (never a downloaded browser).
import os as _os
import shutil as _shutil
import socket as _socket
import subprocess as _subprocess
import sys as _sys
import tempfile as _tempfile
import time as _time
import urllib.request as _urlrequest
from pathlib import Path as _Path

import pytest as _pytest

CHROMIUM = _os.environ.get("BACKPROP_CHROMIUM") or _shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
_REPO = _Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with _socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(env: dict | None = None):
    """Start the app as scripts/run.sh does (`python -m app`, app/server.py) on a free
    loopback port; yields its base URL, stops it afterwards."""
    port = _free_port()
    errlog = _tempfile.TemporaryFile()          # a file, not a pipe: a full pipe would block uvicorn
    proc = _subprocess.Popen(
        [_sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=_REPO, stdout=_subprocess.DEVNULL, stderr=errlog, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = _time.monotonic() + 30
    while True:
        try:
            with _urlrequest.urlopen(url + "/api/status", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or _time.monotonic() > deadline:
            proc.kill()
            errlog.seek(0)
            raise RuntimeError("uvicorn did not start: " + errlog.read().decode(errors="replace")[-2000:])
        _time.sleep(0.1)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except _subprocess.TimeoutExpired:
        proc.kill()
    errlog.close()


@_pytest.fixture(scope="session")
def live_server():
    """Base URL of Backprop Studio served by uvicorn in a child process."""
    yield from _serve()


@_pytest.fixture(scope="session")
def live_server_without_graphviz(tmp_path_factory):
    """The same server with an empty PATH, as on a machine where Graphviz is not installed."""
    empty = tmp_path_factory.mktemp("no-graphviz-path")
    yield from _serve({**_os.environ, "PATH": str(empty)})


@_pytest.fixture(scope="session")
def browser():
    """Headless Chromium from the system package."""
    from playwright.sync_api import sync_playwright

    assert _Path(CHROMIUM).exists(), (
        f"{CHROMIUM} not found: install Debian's chromium (sudo apt-get install chromium) "
        "or set BACKPROP_CHROMIUM")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _tab(browser, live_server, width: int, height: int):
    """A fresh tab of this size on the live server; fails the test on any JavaScript error."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(15000)
    pg.base_url = live_server
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors: {errors}"


@_pytest.fixture
def page(browser, live_server):
    """A fresh 1366×768 tab; fails the test on any JavaScript error."""
    yield from _tab(browser, live_server, 1366, 768)


@_pytest.fixture
def wide(browser, live_server):
    """A fresh 1400×900 tab (the size the readable-graph promise is made at)."""
    yield from _tab(browser, live_server, 1400, 900)


# ==== Reliability figures (tests/app/test_hostile.py, test_fuzz.py, test_load.py, test_faults.py):
# ==== what the hardening tests measured, printed at the end of the run for the README.
def pytest_terminal_summary(terminalreporter):
    from tests.app.hardening import FIGURES
    if FIGURES:
        terminalreporter.section("reliability figures")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")


# ==== Markers: a test that asks for a server or a browser fixture is marked for it.
_SERVER_FIXTURES = {"live_server", "live_server_without_graphviz", "page", "wide", "server"}
_BROWSER_FIXTURES = {"browser", "page", "wide"}


def pytest_collection_modifyitems(items):
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & _SERVER_FIXTURES:
            item.add_marker(_pytest.mark.server)
        if names & _BROWSER_FIXTURES:
            item.add_marker(_pytest.mark.browser)
