"""The HTTP server: uvicorn's h11 protocol with a guard on every connection.

uvicorn alone keeps a connection open for as long as its client sends half a request,
and its concurrency limit counts every open connection, so one client holding enough
silent connections would shut everyone else out. Here, per connection:

- the request line and headers must arrive within ``HEADER_TIMEOUT_S`` (counted from the
  connection's start, or from the end of its previous answer); then it is closed;
- a connection is admitted only while its client address has fewer than
  ``MAX_CONNECTIONS_PER_CLIENT`` admitted connections and the server fewer than
  ``MAX_CONNECTIONS``; any other is answered 503 as soon as it sends a byte, and closed;
- every answer the server writes itself (503, 408, h11's 400) is the app's JSON
  ``{message, line, col}``.

``python -m app`` and ``scripts/run.sh`` start the server with :func:`serve`.
"""
from __future__ import annotations

import asyncio
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from http import HTTPStatus

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .limits import Settings, settings as settings_from_env

APP = "app.main:app"


def error_response(status: int, message: str, headers: list[tuple[str, str]] = ()) -> bytes:
    """A whole HTTP/1.1 answer carrying the app's JSON error; the connection closes after it."""
    body = json.dumps({"message": message, "line": None, "col": None}).encode()
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
             "content-type: application/json", f"content-length: {len(body)}",
             "connection: close", "x-content-type-options: nosniff",
             *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


@dataclass
class Gate:
    """The connections one server has admitted, in all and per client address."""

    max_connections: int
    per_client: int
    total: int = 0
    by_client: Counter[str] = field(default_factory=Counter)

    def admit(self, client: str) -> str | None:
        """Count the connection in and return None, or say why it cannot be served."""
        if self.by_client[client] >= self.per_client:
            return (f"this client already has {self.per_client} connections open, the most one "
                    "client may have; try again when one has closed")
        if self.total >= self.max_connections:
            return (f"the server is serving {self.max_connections} connections, its limit; "
                    "try again in a moment")
        self.by_client[client] += 1
        self.total += 1
        return None

    def release(self, client: str) -> None:
        self.total -= 1
        self.by_client[client] -= 1
        if self.by_client[client] <= 0:
            del self.by_client[client]


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the header timeout, the connection caps and JSON errors.

    Built for one server by :func:`protocol_class`, which sets ``limits`` and ``gate``.
    """

    limits: Settings
    gate: Gate

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.limit_concurrency = None          # the gate counts connections (uvicorn's 503 is text)
        self.refusal: str | None = None        # why this connection is not served, if it is not
        self.admitted_as: str | None = None    # the client address it is counted under
        self.header_timer: asyncio.TimerHandle | None = None

    # -- the connection's life
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        client = self.client[0] if self.client else ""
        self.refusal = self.gate.admit(client)
        if self.refusal is None:
            self.admitted_as = client
        self.arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.admitted_as is not None:
            self.gate.release(self.admitted_as)
            self.admitted_as = None
        self.cancel_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refusal is not None:           # answered at its first byte, never read further
            if not self.transport.is_closing():
                retry = str(math.ceil(self.limits.header_timeout_s))  # when silent ones are closed
                self.transport.write(error_response(503, self.refusal, [("retry-after", retry)]))
                self.transport.close()
            return
        super().data_received(data)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.arm_header_timer()                # the next request's headers have the same time

    # -- the header timeout
    def arm_header_timer(self) -> None:
        self.cancel_header_timer()
        if not self.transport.is_closing():
            self.header_timer = self.loop.call_later(self.limits.header_timeout_s, self.header_timeout)

    def cancel_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def header_timeout(self) -> None:
        """Close the connection unless a request on it is being served (its body has its
        own limit, BODY_TIMEOUT_S); say why if part of a request had arrived."""
        self.header_timer = None
        if self.transport.is_closing() or (self.cycle is not None and not self.cycle.response_complete):
            return
        if self.conn.trailing_data[0]:
            self.transport.write(error_response(
                408, f"the request's headers took longer than {self.limits.header_timeout_s:g} s to arrive"))
        self.transport.close()

    # -- h11's protocol errors
    def send_400_response(self, msg: str) -> None:
        """A request h11 cannot read (request line, headers): 400 with the JSON error."""
        body = json.dumps({"message": "the request is not valid HTTP/1.1 (request line or headers)",
                           "line": None, "col": None}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                   (b"connection", b"close"), (b"x-content-type-options", b"nosniff")]
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                      h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()


def protocol_class(limits: Settings) -> type[GuardedH11Protocol]:
    """The protocol for one server: its limits, and one gate shared by its connections."""
    gate = Gate(limits.max_connections, limits.max_connections_per_client)
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"limits": limits, "gate": gate})


def config(host: str, port: int, limits: Settings | None = None, log_level: str = "warning") -> uvicorn.Config:
    """uvicorn's configuration for Backprop Studio (limits: app/limits.py and BACKPROP_*)."""
    limits = limits or settings_from_env()
    return uvicorn.Config(APP, host=host, port=port, http=protocol_class(limits), ws="none",
                          limit_concurrency=None, log_level=log_level)


def serve(host: str, port: int, log_level: str = "warning") -> None:
    """Serve the app until stopped (Ctrl+C, SIGTERM)."""
    uvicorn.Server(config(host, port, log_level=log_level)).run()
