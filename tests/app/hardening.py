"""Helpers of the hardening tests: a real uvicorn server with chosen limits, its worker
processes, the processes they left behind, and the figures the README reports."""
from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Awaitable, Callable, Iterator, TypeVar

import httpx

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]
FIGURES: dict[str, object] = {}      # printed by conftest.py at the end of the run
# Times are measured and printed, not asserted: a test fails on time only past ten times
# what the README promises (and never under HANG_S), which a slow, shared machine does
# not reach but a hang does.
HANG_FACTOR = 10
HANG_S = 10.0
LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
# Seconds of work at the engine's limit (seven 1000×1000 tensors, 7,000,001 numbers): a chain
# of matrix products, forward and backward, and with the gradient check two more forward
# passes per checked entry. Its answer is small (the lean document), so the time is the work.
HEAVY = ("a = zeros(1000, 1000)\nb = a @ a\nc = b @ a\nd = c @ a\ne = d @ a\nf = e @ a\ng = f @ a\n"
         "h = sum(g)")
HEAVY_BODY = {"source": HEAVY, "gradcheck": True}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A child process serving the app (``python -m app``) on a free loopback port."""

    def __init__(self, proc: subprocess.Popen, url: str, log) -> None:
        self.proc, self.url, self.log = proc, url, log
        self.worker_pids: set[int] = set()

    def health(self) -> dict:
        data = httpx.get(self.url + "/api/health", timeout=5).json()
        for lane in data["lanes"].values():
            self.worker_pids.update(w["pid"] for w in lane["workers"] if w["pid"])
        return data

    def workers(self, lane: str) -> list[dict]:
        return self.health()["lanes"][lane]["workers"]

    def healthy(self) -> bool:
        """The page, the status and a real trace all answer normally."""
        with httpx.Client(base_url=self.url, timeout=10) as c:
            page = c.get("/")
            status = c.get("/api/status")
            traced = c.post("/api/trace", json={"source": LECTURE})
        return (page.status_code == 200 and status.status_code == 200 and traced.status_code == 200
                and traced.json()["nodes"][-1]["value"] == 6.0)

    def stray_processes(self) -> list[tuple[int, str]]:
        """Processes still running in a session of one of this server's workers (past or
        present) other than the current workers themselves: a `dot` left behind, say."""
        current = {w["pid"] for lane in self.health()["lanes"].values() for w in lane["workers"]}
        return [(pid, comm) for pid, comm, sid in processes()
                if sid in self.worker_pids and pid not in current]

    def log_text(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


def processes() -> Iterator[tuple[int, str, int]]:
    """(pid, command name, session id) of every process on the machine."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1: stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] == "Z":
            continue
        yield int(entry), comm, int(fields[3])


def descendants_named(root_pids: set[int], name: str) -> list[int]:
    """Running processes called ``name`` in the sessions of ``root_pids``."""
    return [pid for pid, comm, sid in processes() if comm == name and sid in root_pids]


@contextmanager
def running_server(**limits: object) -> Iterator[Server]:
    """Start the app with ``BACKPROP_<NAME>=value`` limits; stop it and check that it took
    every worker process (and anything they started) with it."""
    env = dict(os.environ)
    for name, value in limits.items():
        env["BACKPROP_" + name.upper()] = str(value)
    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(                   # started as scripts/run.sh starts it
        [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(proc, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(server.url + "/api/status", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("uvicorn did not start:\n" + server.log_text()[-3000:])
        time.sleep(0.1)
    server.health()
    try:
        yield server
    finally:
        server.health()
        stop(proc)
        left = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            left = [(pid, comm) for pid, comm, sid in processes() if sid in server.worker_pids]
            if not left:
                break
            time.sleep(0.1)
        log.close()
        assert not left, f"processes left behind by the server: {left}"


def stop(proc: subprocess.Popen) -> None:
    """Ask a server to stop (SIGTERM, as Ctrl+C would), and kill it if it does not within 20 s."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def run_async(main: Callable[[], Awaitable[T]], timeout: float) -> T:
    """``asyncio.run(main())`` in a thread of its own: the main thread may already run an
    event loop (Playwright's sync API keeps one for the whole session)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result(timeout)


def hang_bound(promised_s: float) -> float:
    """The time past which a step promised to take ``promised_s`` counts as hung."""
    return max(HANG_FACTOR * promised_s, HANG_S)


def record(name: str, value: object) -> None:
    """Keep a measured figure for the README's Reliability section (printed at the end)."""
    FIGURES[name] = value
    print(f"[reliability] {name}: {value}")
