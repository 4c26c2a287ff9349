"""Answers on their way to clients: how much the server holds for them, and for how long.

An answer is sent a chunk at a time, each chunk only once the connection has taken the
one before (uvicorn pauses writing past its high-water mark), so a client that reads
slowly holds at most a chunk or two of buffers. A client that takes nothing for
``send_timeout_s`` is cut off: its connection is aborted and its answer freed. What all
answers waiting for their clients hold together is bounded by :class:`Budget`.
"""
from __future__ import annotations

import asyncio
import os
import threading
from typing import Any, Mapping

import anyio
from starlette.responses import Response

from engine.i18n import msg

from .workers import Busy, Spooled

CHUNK_BYTES = 64 * 1024             # one send; uvicorn's write high-water mark is the same


class Budget:
    """Bytes held by answers not yet taken by their clients: in memory, and in temporary files."""

    def __init__(self, memory_bytes: int, spool_bytes: int) -> None:
        self.limits = {"memory": memory_bytes, "spool": spool_bytes}
        self.held = {"memory": 0, "spool": 0}
        self.lock = threading.Lock()

    def take(self, body: bytes | Spooled) -> str:
        """Count ``body`` in; :class:`Busy` (503) if that would pass its bound."""
        kind, size = ("spool", body.size) if isinstance(body, Spooled) else ("memory", len(body))
        with self.lock:
            if self.held[kind] + size > self.limits[kind] and self.held[kind] > 0:
                raise Busy(msg("api.busy.answers", mib=f"{self.held[kind] / 2**20:,.0f}"))
            self.held[kind] += size
        return kind

    def give_back(self, kind: str, size: int) -> None:
        with self.lock:
            self.held[kind] -= size


class Answer(Response):
    """An answer (bytes, or a :class:`Spooled` file) sent in chunks, each within ``timeout_s``."""

    def __init__(self, body: bytes | Spooled, media_type: str, budget: Budget, timeout_s: float,
                 headers: Mapping[str, str] | None = None) -> None:
        size = body.size if isinstance(body, Spooled) else len(body)
        super().__init__(b"", 200, headers, media_type)
        self.raw_headers = [(k, str(size).encode() if k == b"content-length" else v)
                            for k, v in self.raw_headers]
        self.source, self.size, self.budget, self.timeout_s = body, size, budget, timeout_s
        try:
            self.kind = budget.take(body)
        except Busy:
            if isinstance(body, Spooled):
                body.close()
            raise

    async def chunks(self) -> Any:
        body = self.source
        if isinstance(body, Spooled):
            for offset in range(0, self.size, CHUNK_BYTES):
                yield await anyio.to_thread.run_sync(os.pread, body.fd, CHUNK_BYTES, offset)
        elif len(body) <= CHUNK_BYTES:
            yield body
        else:
            for offset in range(0, self.size, CHUNK_BYTES):
                yield body[offset:offset + CHUNK_BYTES]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            if not await self.send_within(scope, send, {
                    "type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers}):
                return
            sent = 0
            async for chunk in self.chunks():
                sent += len(chunk)
                if not await self.send_within(scope, send, {
                        "type": "http.response.body", "body": chunk, "more_body": sent < self.size}):
                    return
        finally:
            self.budget.give_back(self.kind, self.size)
            if isinstance(self.source, Spooled):
                self.source.close()
            self.source = b""

    async def send_within(self, scope: Any, send: Any, message: dict) -> bool:
        """Send ``message``; False, with the connection dropped, if the client took nothing for
        ``timeout_s``."""
        try:
            await asyncio.wait_for(send(message), self.timeout_s)
            return True
        except asyncio.TimeoutError:
            await drop(scope)
            return False


async def drop(scope: Any) -> None:
    """Abort the client's connection, discarding what it has not read (closing it would wait
    for the client to read that first). Found by its addresses among the event loop's transports;
    if it cannot be found, the server closes it when the answer ends unfinished."""
    loop = asyncio.get_running_loop()
    client, server = scope.get("client"), scope.get("server")
    if not client or not server:
        return
    for transport in list(getattr(loop, "_transports", {}).values()):
        peer, own = transport.get_extra_info("peername"), transport.get_extra_info("sockname")
        if peer and own and tuple(peer[:2]) == tuple(client) and own[1] == server[1]:
            transport.abort()
            await asyncio.sleep(0)        # the server learns the connection is lost
            return
