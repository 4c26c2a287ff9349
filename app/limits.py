"""The server's limits, as named constants (documented in the README's Limits section).

The engine's own limits (program length, nodes, nesting, tensor sizes) are in
``engine/limits.py``; these guard the server around it: how much a request may send,
how many programs run at once and wait, and how long one may take. Each can be changed
at start-up with the environment variable ``BACKPROP_<NAME>`` (see :func:`settings`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

# --- requests
MAX_BODY_BYTES = 8 * 1024 * 1024    # request body, counted on the stream (chunked included)
BODY_TIMEOUT_S = 15.0               # time a client may take to send its body

# --- workers: two lanes of worker processes, so one slow program never holds up small ones
SMALL_WORKERS = 2                   # processes that run small programs
LARGE_WORKERS = 1                   # processes that run large programs (one at a time: memory)
SMALL_SOURCE_CHARS = 4_000          # a longer program goes straight to the large lane
SMALL_MAX_ELEMENTS = 50_000         # ... as does one whose graph holds more numbers than this
SMALL_MAX_NODES = 600               # ... or more nodes than this (both checked after parsing)
SMALL_QUEUE = 128                   # small requests waiting for a worker; beyond: 503 at once
LARGE_QUEUE = 2                     # large requests waiting for a worker; beyond: 503 at once
QUEUE_WAIT_S = 20.0                 # a request waiting longer than this for a worker: 503

# --- time and memory of one request
SMALL_TIMEOUT_S = 2.0               # a small-lane job running longer moves to the large lane
JOB_TIMEOUT_S = 30.0                # whole request (parse, run, serialize, draw); then killed: 422
RENDER_TIMEOUT_S = 10.0             # one Graphviz run; then `dot` is killed and the trace has no SVG
WALKTHROUGH_TIME_S = 25.0           # one walkthrough export (large lane); past it: 422 naming a shorter range
WORKER_MEMORY_BYTES = 6 * 1024**3   # address space of one worker process (beyond: a clear 422)

# --- answers: what the server process holds for its clients, and for how long
MAX_RESPONSE_BYTES = 256 * 1024**2  # one answer; a bigger one is refused: 422 saying how big
SPOOL_RESPONSE_BYTES = 8 * 1024**2  # a bigger answer crosses from its worker in a temporary file
RESPONSE_MEMORY_BYTES = 64 * 1024**2    # answers held in memory until their clients read them
RESPONSE_SPOOL_BYTES = 1024**3      # answers in temporary files until read; past either: 503
SEND_TIMEOUT_S = 15.0               # a client that reads nothing of its answer this long: dropped
# A program over this many nodes is answered without its backward steps' details when the page
# asks so (/api/trace `details` false): shown at once, the details from /api/details after.
DETAILS_LATER_NODES = 1_000

# --- connections (app/server.py)
MAX_CONNECTIONS = 256               # connections served at once; beyond: 503
MAX_CONNECTIONS_PER_CLIENT = 64     # of those, from one client address; beyond: 503
HEADER_TIMEOUT_S = 5.0              # time to send a request's line and headers; then closed

# --- lanes by drawing cost: `dot`'s work estimated from the parsed graph (drawing/cost.py)
SMALL_MAX_DRAW_COST = 2_000         # a drawing estimated costlier goes to the large lane
MAX_DRAW_COST = 8_000               # ... and past this, `dot` would overrun: no drawing

# --- lanes by training work: steps × runs × the graph's size (app/jobs.py `work`)
SMALL_MAX_TRAIN_WORK = 5_000_000    # a training request with more work goes to the large lane (engine's units)


@dataclass(frozen=True)
class Settings:
    """The limits one app instance runs with (defaults: the constants above)."""

    max_body_bytes: int = MAX_BODY_BYTES
    body_timeout_s: float = BODY_TIMEOUT_S
    small_workers: int = SMALL_WORKERS
    large_workers: int = LARGE_WORKERS
    small_source_chars: int = SMALL_SOURCE_CHARS
    small_max_elements: int = SMALL_MAX_ELEMENTS
    small_max_nodes: int = SMALL_MAX_NODES
    small_queue: int = SMALL_QUEUE
    large_queue: int = LARGE_QUEUE
    queue_wait_s: float = QUEUE_WAIT_S
    small_timeout_s: float = SMALL_TIMEOUT_S
    job_timeout_s: float = JOB_TIMEOUT_S
    render_timeout_s: float = RENDER_TIMEOUT_S
    walkthrough_time_s: float = WALKTHROUGH_TIME_S
    worker_memory_bytes: int = WORKER_MEMORY_BYTES
    max_response_bytes: int = MAX_RESPONSE_BYTES
    spool_response_bytes: int = SPOOL_RESPONSE_BYTES
    response_memory_bytes: int = RESPONSE_MEMORY_BYTES
    response_spool_bytes: int = RESPONSE_SPOOL_BYTES
    send_timeout_s: float = SEND_TIMEOUT_S
    max_connections: int = MAX_CONNECTIONS
    max_connections_per_client: int = MAX_CONNECTIONS_PER_CLIENT
    header_timeout_s: float = HEADER_TIMEOUT_S
    small_max_draw_cost: int = SMALL_MAX_DRAW_COST
    max_draw_cost: int = MAX_DRAW_COST
    small_max_train_work: int = SMALL_MAX_TRAIN_WORK
    details_later_nodes: int = DETAILS_LATER_NODES


def settings(env: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from the defaults, then ``BACKPROP_<NAME>`` variables, then ``overrides``."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for f in fields(Settings):
        raw = env.get("BACKPROP_" + f.name.upper())
        if raw is not None:
            kind = int if isinstance(f.default, int) else float
            try:
                values[f.name] = kind(raw)
            except ValueError:
                raise SystemExit(f"BACKPROP_{f.name.upper()} must be a number, got {raw!r}") from None
    values.update(overrides)
    return replace(Settings(), **values)
