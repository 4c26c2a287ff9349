"""What the README promises about the server, checked against the README's own text: the
limits table (each constant, each `BACKPROP_<NAME>` override, the body limit at its
boundary), the security headers, and `python -m app --host H --port P`."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from app import limits
from app.limits import Settings, settings
from app.main import create_app
from tests.app.hardening import REPO, free_port, stop
from tests.readme import README, numbers, section, tables


def readme_server_limits() -> dict[str, float]:
    """Constant name → the value the README's server limits table gives it."""
    table = next(t for t in tables(section("Limits")) if t[0][:3] == ["limit", "constant", "value"])
    found: dict[str, float] = {}
    for row in table[1:]:
        names = re.findall(r"`([A-Z][A-Z_]*)`", row[1])
        values = numbers(row[2])
        assert names and len(names) == len(values), row
        # a row may list names in another order than its values ("characters, graph nodes,
        # numbers"): match them by the order of the first cell's words
        order = {"SMALL_SOURCE_CHARS": "characters", "SMALL_MAX_NODES": "graph nodes",
                 "SMALL_MAX_ELEMENTS": "numbers"}
        if all(n in order for n in names):
            names = sorted(names, key=lambda n: row[0].index(order[n]))
        found.update(zip(names, values))
    return found


SERVER_LIMITS = readme_server_limits()


def test_every_server_limit_in_the_readme_table_is_the_constant():
    constants = {k for k, v in vars(limits).items() if k.isupper() and isinstance(v, (int, float))}
    assert set(SERVER_LIMITS) == constants          # every constant documented, and no other
    for name, value in SERVER_LIMITS.items():
        assert getattr(limits, name) == value, f"{name}: README says {value:g}, code {getattr(limits, name)}"
        assert getattr(Settings(), name.lower()) == value


def test_every_server_limit_can_be_set_from_the_environment():
    example = re.search(r"`BACKPROP_([A-Z_]+)=(\d+)`", section("Limits"))
    assert example and example.group(1) in SERVER_LIMITS
    for name, value in SERVER_LIMITS.items():
        new = int(value) + 3
        got = getattr(settings({"BACKPROP_" + name: str(new)}), name.lower())
        assert got == new and type(got) is type(getattr(limits, name)), name
    with pytest.raises(SystemExit, match="BACKPROP_JOB_TIMEOUT_S must be a number"):
        settings({"BACKPROP_JOB_TIMEOUT_S": "soon"})


def post_body(client: TestClient, size: int) -> httpx.Response:
    """A body of ``size`` bytes, valid JSON whatever its length, lacking ``source``: one
    within the limit is read and refused by validation (422) before reaching a worker."""
    body = b'{"program": "x = 1.0"}'
    return client.post("/api/trace", content=body + b" " * (size - len(body)),
                       headers={"content-type": "application/json"})


def test_body_limit_at_the_readme_value():
    """The documented 8 MiB is read; one byte more is 413."""
    n = int(SERVER_LIMITS["MAX_BODY_BYTES"])
    client = TestClient(create_app(settings({})), raise_server_exceptions=False)
    over = post_body(client, n + 1)
    assert over.status_code == 413 and f"{n:,} bytes" in over.json()["message"]
    assert over.headers["x-frame-options"] == "DENY"
    assert post_body(client, n).status_code == 422
    small = TestClient(create_app(settings({"BACKPROP_MAX_BODY_BYTES": "1000"})),
                       raise_server_exceptions=False)
    assert post_body(small, 1001).status_code == 413 and post_body(small, 1000).status_code == 422


# ---------------------------------------------------------------- security headers

RELIABILITY = section("Reliability")


def test_security_headers_are_the_ones_the_readme_lists():
    for header, value in (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
                          ("X-Frame-Options", "DENY")):
        assert f"`{header}: {value}`" in RELIABILITY
    client = TestClient(create_app(settings({})), raise_server_exceptions=False)
    for path in ("/", "/static/studio.css", "/api/no-such-thing", "/docs"):
        r = client.get(path)
        assert r.headers["x-frame-options"] == "DENY", path
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "no-referrer", path
        csp = dict(d.strip().split(" ", 1) for d in r.headers["content-security-policy"].split(";"))
        assert csp["default-src"] == "'none'" and csp["script-src"] == "'self'", path
        assert csp["frame-ancestors"] == "'none'" and csp["connect-src"] == "'self'", path
        assert csp["font-src"].split()[0] == "'self'", path
        if path == "/docs":                        # Swagger UI sets inline styles
            assert "'unsafe-inline'" in csp["style-src"]
        else:                                      # scripts and styles from this server only
            assert csp["style-src"] == "'self'" and csp["style-src-attr"] == "'unsafe-inline'"


# ---------------------------------------------------------------- python -m app

@pytest.mark.server
def test_python_m_app_serves_on_the_given_host_and_port():
    assert "`python -m app`" in README and "`--host`/`--port`" in README
    host = "127.0.0.2" if _can_bind("127.0.0.2") else "127.0.0.1"   # Linux: all of 127/8 is loopback
    port = free_port()
    env = {**os.environ, "BACKPROP_MAX_BODY_BYTES": "1000"}
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "app", "--host", host, "--port", str(port)],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{host}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/api/status", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "python -m app did not start"
            time.sleep(0.2)
        page = httpx.get(url + "/", timeout=10)
        assert page.status_code == 200 and page.headers["x-frame-options"] == "DENY"
        traced = httpx.post(url + "/api/trace", json={"source": "x = 2.0\nf = x * x"}, timeout=30)
        assert traced.status_code == 200 and traced.json()["nodes"][-1]["grad"] == 1.0
        big = httpx.post(url + "/api/trace", json={"source": "x = 1.0" + " " * 1000}, timeout=10)
        assert big.status_code == 413 and "1,000 bytes" in big.json()["message"]  # env override
        if host != "127.0.0.1":                  # listening on the given host only
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"http://127.0.0.1:{port}/api/status", timeout=5)
    finally:
        stop(proc)
        log.seek(0)
        out = log.read().decode(errors="replace")
        log.close()
    assert f"http://{host}:{port}/" in out, out[-2000:]


def _can_bind(host: str) -> bool:
    try:
        with socket.socket() as s:
            s.bind((host, 0))
        return True
    except OSError:
        return False
