"""Connections against a real server on loopback (app/server.py): slowloris, the
per-client and total connection caps, the header timeout, and the JSON shape of the
answers the server writes itself (503, 408, h11's 400).

Linux routes all of 127.0.0.0/8 to loopback, so a socket bound to 127.0.0.2 is a second
client. Every loop is bounded in count and time; times are recorded, and fail only past
hardening.hang_bound.
"""
from __future__ import annotations

import json
import selectors
import socket
import time

import httpx
import pytest

from app import limits
from tests.app.hardening import LECTURE, hang_bound, record, running_server

pytestmark = [pytest.mark.server, pytest.mark.slow]

FLOOD = limits.MAX_CONNECTIONS               # as many silent connections as the server serves
HALF = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"   # a request head, never finished
SERVED_FOR_S = 2.0                           # how long other clients are served during the flood


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket()
    sock.bind((source, 0))
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    return sock


def read_all(sock: socket.socket, timeout: float = 10) -> bytes:
    """Everything the server sends until it closes the connection (a reset ends it too)."""
    sock.settimeout(timeout)
    out = b""
    try:
        while chunk := sock.recv(65536):
            out += chunk
    except ConnectionResetError:
        pass
    return out


def answer(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one HTTP/1.1 answer."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict((k.strip().lower(), v.strip()) for k, v in (x.split(":", 1) for x in lines[1:]))
    return int(lines[0].split()[1]), headers, body


def assert_json_error(raw: bytes, status: int) -> dict:
    code, headers, body = answer(raw)
    assert code == status, raw[:400]
    assert headers["content-type"] == "application/json", headers
    doc = json.loads(body)
    assert set(doc) == {"message", "line", "col"} and doc["line"] is None and doc["col"] is None, doc
    assert doc["message"], doc
    return {"headers": headers, **doc}


def client(source: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=30)


def wait_closed(socks: list[socket.socket], bound_s: float,
                enough: int | None = None) -> dict[socket.socket, tuple[float, bytes]]:
    """For each socket the server closed (all of them, or the first ``enough``): when
    (time.monotonic()) and all it sent."""
    t0 = time.monotonic()
    enough = len(socks) if enough is None else enough
    sel = selectors.DefaultSelector()
    got: dict[socket.socket, bytes] = {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        got[s] = b""
    closed: dict[socket.socket, tuple[float, bytes]] = {}
    while len(closed) < enough and time.monotonic() - t0 < bound_s:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            try:
                chunk = s.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                chunk = b""
            if chunk:
                got[s] += chunk
                continue
            closed[s] = (time.monotonic(), got[s])
            sel.unregister(s)
    sel.close()
    return closed


# ---------------------------------------------------------------- slowloris

def test_a_slowloris_flood_neither_shuts_others_out_nor_holds_its_connections():
    with running_server() as server:
        port = port_of(server.url)
        flood: list[socket.socket] = []
        opened: dict[socket.socket, float] = {}
        try:
            t_flood = time.monotonic()
            for _ in range(FLOOD):
                sock = connect(port)
                opened[sock] = time.monotonic()
                sock.sendall(HALF)
                flood.append(sock)
            opened_s = time.monotonic() - t_flood

            # The connections past the per-client cap are answered and closed at once.
            capped = FLOOD - limits.MAX_CONNECTIONS_PER_CLIENT
            closed = wait_closed(flood, hang_bound(1.0) + opened_s, enough=capped)
            assert len(closed) == capped, f"{capped - len(closed)} connections past the cap still open"
            slowest_refusal = max(t - opened[s] for s, (t, _) in closed.items())

            # Another client is served while the flood holds its connections.
            served: list[float] = []
            with client("127.0.0.2") as other:
                deadline = time.monotonic() + SERVED_FOR_S
                while time.monotonic() < deadline and len(served) < 2000:
                    t0 = time.monotonic()
                    r = other.get(server.url + "/api/status")
                    assert r.status_code == 200, r.text
                    served.append(time.monotonic() - t0)
                traced = other.post(server.url + "/api/trace", json={"source": LECTURE})
                assert traced.status_code == 200 and traced.json()["nodes"][-1]["value"] == 6.0

            # The flooding client's own next connection is refused, in JSON, with Retry-After.
            extra = connect(port)
            extra.sendall(b"GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            refused = assert_json_error(read_all(extra), 503)
            extra.close()
            assert "connections open" in refused["message"], refused
            assert int(refused["headers"]["retry-after"]) >= 1

            # The admitted ones are closed when their headers time out.
            closed.update(wait_closed([s for s in flood if s not in closed],
                                      hang_bound(limits.HEADER_TIMEOUT_S) + opened_s))
            assert len(closed) == FLOOD, f"{FLOOD - len(closed)} flood connections still open"
            after = {s: (t - opened[s], raw) for s, (t, raw) in closed.items()}   # from its connect
            at_once = [(t, raw) for t, raw in after.values() if raw.startswith(b"HTTP/1.1 503")]
            timed_out = [(t, raw) for t, raw in after.values() if not raw.startswith(b"HTTP/1.1 503")]
            for _, raw in at_once:
                assert assert_json_error(raw, 503)["headers"]["retry-after"]
            for _, raw in timed_out:
                if raw:                               # a partial head is told why (408)
                    assert "took longer than" in assert_json_error(raw, 408)["message"]
            assert 1 <= len(timed_out) <= limits.MAX_CONNECTIONS_PER_CLIENT, len(timed_out)
            assert len(at_once) >= FLOOD - limits.MAX_CONNECTIONS_PER_CLIENT
            slowest_close = max(t for t, _ in timed_out)
            assert slowest_close < hang_bound(limits.HEADER_TIMEOUT_S), slowest_close
        finally:
            for sock in flood:
                sock.close()

        # The flooding address is served again once its connections are gone.
        with client("127.0.0.1") as again:
            assert again.get(server.url + "/api/status").status_code == 200
        assert server.healthy()
        record("slowloris_connections", FLOOD)
        record("slowloris_refused_at_once_503", len(at_once))
        record("slowloris_slowest_refusal_s", round(slowest_refusal, 3))
        record("slowloris_closed_by_header_timeout", len(timed_out))
        record("slowloris_slowest_close_s", round(slowest_close, 2))
        record("slowloris_other_client_served", len(served))
        record("slowloris_other_client_slowest_s", round(max(served), 3))


# ---------------------------------------------------------------- the caps, in JSON

def test_past_the_per_client_cap_and_the_connection_limit_answers_json_503_with_retry_after():
    with running_server(max_connections=4, max_connections_per_client=2) as server:
        port = port_of(server.url)
        held = [connect(port, "127.0.0.1"), connect(port, "127.0.0.1"),
                connect(port, "127.0.0.2"), connect(port, "127.0.0.2")]
        try:
            for sock in held:
                sock.sendall(HALF)
            time.sleep(0.3)                     # let the server count them

            same = connect(port, "127.0.0.2")   # a third from one client: its cap
            same.sendall(b"GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n")
            per_client = assert_json_error(read_all(same), 503)
            same.close()
            assert "2 connections open" in per_client["message"], per_client
            assert int(per_client["headers"]["retry-after"]) >= 1

            t0 = time.monotonic()
            with client("127.0.0.3") as third:  # a new client, but the server is full
                r = third.post(server.url + "/api/trace", json={"source": LECTURE})
            refused_s = time.monotonic() - t0
            assert r.status_code == 503 and r.headers["content-type"] == "application/json"
            assert r.json() == {"message": r.json()["message"], "line": None, "col": None}
            assert "serving 4 connections" in r.json()["message"]
            assert int(r.headers["retry-after"]) >= 1
            assert refused_s < hang_bound(1.0)
        finally:
            for sock in held:
                sock.close()

        # Their slots are free again once they close.
        deadline = time.monotonic() + hang_bound(1.0)
        while True:
            with client("127.0.0.3") as third:
                r = third.post(server.url + "/api/trace", json={"source": LECTURE})
            if r.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert r.status_code == 200, r.text
        record("connection_limit_refusal_s", round(refused_s, 3))


# ---------------------------------------------------------------- the header timeout

def test_silent_and_half_sent_requests_are_closed_after_the_header_timeout():
    """A connection that sends nothing, half a head, or half a second request after a
    first one (keep-alive) is closed once the header timeout has passed."""
    with running_server(header_timeout_s=1) as server:
        port = port_of(server.url)
        t_open = time.monotonic()
        silent = connect(port)
        half = connect(port)
        half.sendall(HALF)
        second = connect(port)
        second.sendall(b"GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.3)
        second.sendall(HALF)
        closed = wait_closed([silent, half, second], hang_bound(1.0))
        assert len(closed) == 3, "a connection was never closed"
        assert closed[silent][1] == b""                                # nothing to answer
        assert "took longer than 1 s" in assert_json_error(closed[half][1], 408)["message"]
        both = closed[second][1]                                     # the first answer, then the 408
        assert both.startswith(b"HTTP/1.1 200 ") and both.count(b"HTTP/1.1 408 ") == 1, both[:300]
        timeout_answer = both[both.index(b"HTTP/1.1 408 "):]
        assert "took longer than 1 s" in assert_json_error(timeout_answer, 408)["message"]
        for sock in (silent, half, second):
            sock.close()
        record("header_timeout_1_s_closed_after_s", round(max(t for t, _ in closed.values()) - t_open, 2))
        assert server.healthy()


# ---------------------------------------------------------------- h11's 400s

@pytest.mark.parametrize("request_bytes", [
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000,    # unfinished, past h11's 16 KiB
], ids=["request-line", "header-line", "header-over-h11s-limit"])
def test_a_request_h11_cannot_read_gets_a_json_400(live_server, request_bytes):
    sock = connect(port_of(live_server))
    try:
        sock.sendall(request_bytes)
    except (BrokenPipeError, ConnectionResetError):
        pass                                # answered before the whole header was sent
    raw = read_all(sock)
    sock.close()
    error = assert_json_error(raw, 400)
    assert "not valid HTTP" in error["message"]
    assert error["headers"]["x-content-type-options"] == "nosniff"
