"""The connection gate and the server's own error answers (app/server.py), without a server."""
from __future__ import annotations

import json

import uvicorn

from app.limits import settings
from app.server import Gate, GuardedH11Protocol, config, error_response, protocol_class


def test_the_gate_caps_each_client_and_the_total_and_frees_on_release():
    gate = Gate(max_connections=3, per_client=2)
    assert gate.admit("a") is None and gate.admit("a") is None
    assert "2 connections open" in gate.admit("a")           # a's cap
    assert gate.admit("b") is None
    assert "serving 3 connections" in gate.admit("c")        # the total
    assert gate.total == 3 and gate.by_client == {"a": 2, "b": 1}
    gate.release("a")
    assert gate.admit("c") is None
    for client in ("a", "b", "c"):
        gate.release(client)
    assert gate.total == 0 and not gate.by_client


def test_error_answers_are_whole_http_answers_with_the_json_shape():
    raw = error_response(503, "full", [("retry-after", "5")])
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 503 Service Unavailable"
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["content-type"] == "application/json" and headers["retry-after"] == "5"
    assert headers["connection"] == "close" and int(headers["content-length"]) == len(body)
    assert json.loads(body) == {"message": "full", "line": None, "col": None}


def test_each_server_gets_its_own_gate_and_the_limits_it_was_given():
    limits = settings(env={}, max_connections=7, max_connections_per_client=3, header_timeout_s=2.5)
    one, two = protocol_class(limits), protocol_class(limits)
    assert issubclass(one, GuardedH11Protocol) and one.gate is not two.gate
    assert (one.gate.max_connections, one.gate.per_client, one.limits.header_timeout_s) == (7, 3, 2.5)


def test_the_limits_come_from_the_environment():
    limits = settings(env={"BACKPROP_MAX_CONNECTIONS_PER_CLIENT": "9", "BACKPROP_HEADER_TIMEOUT_S": "1.5"})
    assert limits.max_connections_per_client == 9 and limits.header_timeout_s == 1.5
    cfg = config("127.0.0.1", 0, limits)
    assert isinstance(cfg, uvicorn.Config) and cfg.limit_concurrency is None   # the gate does it
    assert cfg.http.gate.per_client == 9
