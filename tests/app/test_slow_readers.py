"""Big answers and clients that never read them, against a real server on loopback.

Four clients ask for a program whose answer is tens of megabytes and then read nothing.
The server process (uvicorn's, its RSS read from /proc) must stay within a few megabytes
of where it started, drop each connection after the send timeout, and free what it held
(the answers' temporary files included), while small requests keep being served.
"""
from __future__ import annotations

import json
import select
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.app.hardening import LECTURE, hang_bound, record, running_server

pytestmark = [pytest.mark.server, pytest.mark.slow]

# A chain of tensors just under the lean document's summary size: about 20 MB of JSON
BIG = "x0 = randn(4096, seed=1)\n" + "".join(f"x{k} = x{k - 1} * 1.0001\n" for k in range(1, 120)) + "y = sum(x119)"
STALLED = 4                                    # clients that never read
SEND_TIMEOUT_S = 3.0
RSS_GROWTH_MB = 48                             # allowed over the baseline while they stall


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def spooled_files(pid: int) -> list[str]:
    """Deleted files the server process holds open (answers' temporary files have no name;
    its standard output and error, a deleted log file of the test, are not counted)."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        if fd.name in ("0", "1", "2"):
            continue
        try:
            link = str(fd.readlink())
        except OSError:
            continue
        if link.endswith("(deleted)"):
            found.append(link)
    return found


def stalled_client(url: str, source: str) -> socket.socket:
    """Send a trace request and read nothing (a tiny receive buffer, so little is absorbed)."""
    host, port = url.removeprefix("http://").split(":")
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((host, int(port)))
    body = json.dumps({"source": source}).encode()
    s.sendall(b"POST /api/trace HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    return s


def read_all(s: socket.socket, limit_s: float) -> tuple[int, bool]:
    """Bytes readable until the connection ends (or ``limit_s``), and whether it ended."""
    s.settimeout(limit_s)
    total = 0
    try:
        while chunk := s.recv(1 << 20):
            total += len(chunk)
        return total, True
    except ConnectionResetError:
        return total, True
    except socket.timeout:
        return total, False


def test_clients_that_never_read_a_big_answer_hold_no_memory_and_are_dropped():
    with running_server(send_timeout_s=SEND_TIMEOUT_S, large_workers=2, large_queue=4,
                        job_timeout_s=120, queue_wait_s=120) as server:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            full = http.post("/api/trace", json={"source": BIG})      # read normally: all of it
            assert full.status_code == 200 and full.json()["nodes"][0]["shape"] == [4096]
            size = len(full.content)
            del full
            assert http.post("/api/trace", json={"source": LECTURE}).status_code == 200
        pid = server.proc.pid
        time.sleep(1)
        baseline = rss_mb(pid)

        peak = [baseline]
        stop = threading.Event()

        def watch() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], rss_mb(pid))
                time.sleep(0.05)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        t0 = time.monotonic()
        clients = [stalled_client(server.url, BIG) for _ in range(STALLED)]
        small, slowest = 0, 0.0
        started: dict[int, float] = {}
        try:
            # Small requests keep being served while the big answers are made and stall.
            with httpx.Client(base_url=server.url, timeout=30) as http:
                while len(started) < STALLED and time.monotonic() - t0 < 240:
                    t = time.monotonic()
                    r = http.post("/api/trace", json={"source": LECTURE})
                    assert r.status_code == 200, r.text
                    small += 1
                    slowest = max(slowest, time.monotonic() - t)
                    readable, _, _ = select.select(clients, [], [], 0.3)
                    for s in readable:
                        started.setdefault(clients.index(s), time.monotonic())
            assert len(started) == STALLED, "the big answers never started"
            during = peak[0]
            # Past the send timeout each connection is gone: reading now gets far less
            # than the answer, then the end (on unbounded sending: all of it).
            time.sleep(SEND_TIMEOUT_S + 2)
            got = [read_all(s, 30) for s in clients]
        finally:
            stop.set()
            watcher.join()
            for s in clients:
                s.close()
        dropped_after = max(started.values()) - t0
        deadline = time.monotonic() + 10
        while (files := spooled_files(pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        after = rss_mb(pid)

        record("slow_readers_answer_mb", round(size / 2**20, 1))
        record("slow_readers_clients", STALLED)
        record("slow_readers_rss_mb", f"{baseline:.0f} before, {during:.0f} peak, {after:.0f} after")
        record("slow_readers_bytes_read_after_drop", [n for n, _ in got])
        record("slow_readers_small_served", f"{small}, slowest {slowest:.2f} s")
        record("slow_readers_all_started_s", round(dropped_after, 1))

        assert during - baseline < RSS_GROWTH_MB, (baseline, during)
        assert all(ended for _, ended in got), got
        assert all(n < size // 2 for n, _ in got), (got, size)
        assert after - baseline < RSS_GROWTH_MB, (baseline, after)
        assert files == [], files
        assert slowest < hang_bound(1.0)
        assert server.healthy()
