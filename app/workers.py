"""Worker processes that parse, run and draw programs, off the event loop, with limits.

Two lanes, each a few processes and a short bounded queue:

- the *small* lane takes programs up to ``small_source_chars`` characters. Its worker
  first parses the program (shapes only, no values) and sends it on to the large lane if
  its graph is big or its drawing is estimated costly for `dot` (``small_max_draw_cost``,
  see ``drawing/cost.py``; a graph past ``max_draw_cost`` gets no drawing, and stays),
  before anything runs or is drawn; a small-lane job that still runs past
  ``small_timeout_s`` is stopped and moved to the large lane too. So small programs never
  wait behind slow ones.
- the *large* lane takes the rest, one job per worker, each killed after
  ``job_timeout_s``.

A full queue answers at once (:class:`Busy`, 503) instead of growing. Each worker runs in
its own process group, so a job that runs out of time is killed together with any `dot`
it started; a worker that dies (killed, out of memory) is replaced before the lane takes
its next job. Each worker is driven by one dispatcher thread, so the pool works from any
event loop (and from none): :meth:`WorkerPool.run` awaits a ``concurrent.futures.Future``.
"""
from __future__ import annotations

import asyncio
import atexit
import concurrent.futures as cf
import ctypes
import multiprocessing
import os
import queue
import resource
import signal
import sys
import threading
import time
import traceback
import weakref
from dataclasses import dataclass, field
from multiprocessing import reduction
from typing import Any

from engine import ProgramError
from engine.errors import SpecError
from engine.i18n import Msg, msg
import drawing as renderer

from .limits import Settings

# Jobs that draw many pictures (app/jobs.py): straight to the large lane, whatever the size.
LARGE_JOBS = frozenset({"walkthrough"})

PR_SET_PDEATHSIG = 1
_STOP = object()


# ---------------------------------------------------------------- errors the pool raises

class WorkerError(Exception):
    """A request the pool could not complete; ``status`` is its HTTP status. ``message`` is
    English; ``msg`` tells it in any language."""

    status = 503
    retry_after: int | None = None

    def __init__(self, message: str | Msg) -> None:
        self.msg = message if isinstance(message, Msg) else None
        message = message.text("en") if isinstance(message, Msg) else message
        super().__init__(message)
        self.message = message


class Busy(WorkerError):
    """Every worker of the lane is busy and its queue is full (or the wait was too long)."""

    status = 503
    retry_after = 2


class TooSlow(WorkerError):
    """The program took longer than the time limit; its worker was killed."""

    status = 422


class OutOfMemory(WorkerError):
    """The program needed more memory than a worker may use."""

    status = 422


class WorkerLost(WorkerError):
    """The worker running the request died (killed or crashed); it has been replaced."""

    status = 503
    retry_after = 1


class TooLarge(WorkerError):
    """The answer is bigger than one answer may be (``max_response_bytes``)."""

    status = 422


class InternalError(WorkerError):
    """An unexpected exception in the worker: a bug."""

    status = 500


# ---------------------------------------------------------------- the worker process

def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent (the fork server) goes away."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _worker_main(conn: Any, settings: Settings) -> None:
    """A worker: take (kind, args, small) jobs from ``conn`` and answer each one."""
    os.setsid()                   # a process group of its own: killing it kills its `dot` too
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl+C is for the server, which stops us
    mem = settings.worker_memory_bytes
    if mem > 0:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    from . import jobs
    seconds = settings.render_timeout_s               # this process's own copy of the limit
    renderer.set_timeout(int(seconds) if float(seconds).is_integer() else seconds)
    renderer.set_max_draw_cost(settings.max_draw_cost)
    jobs.DETAILS_LATER_NODES = settings.details_later_nodes
    jobs.MEMORY_BYTES = mem
    conn.send(("ready", os.getpid()))
    while True:
        try:
            kind, args, small = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if small:
                nodes, elements, cost = jobs.size(args["source"])
                # A graph too large to draw costs no drawing: only its size counts.
                drawn = nodes <= renderer.MAX_RENDER_NODES and cost <= settings.max_draw_cost
                if (nodes > settings.small_max_nodes or elements > settings.small_max_elements
                        or (drawn and cost > settings.small_max_draw_cost)
                        or jobs.work(kind, args, nodes, elements) > settings.small_max_train_work):
                    conn.send(("reroute",))
                    continue
            body = jobs.JOBS[kind](**args)
            jobs.send_answer(conn, body, settings.spool_response_bytes, settings.max_response_bytes)
            del body                  # not held while the worker waits for its next job
        except ProgramError as exc:
            conn.send(("program", exc.message, exc.line, exc.col, exc.msg))
        except SpecError as exc:
            conn.send(("spec", exc.field, exc.message.split(": ", 1)[1], getattr(exc, "msg", None)))
        except renderer.StepOutOfRange as exc:
            conn.send(("step", str(exc), getattr(exc, "msg", None)))
        except renderer.GraphvizMissing:
            conn.send(("graphviz",))
        except renderer.RenderError as exc:
            conn.send(("render", str(exc), getattr(exc, "msg", None)))
        except MemoryError:
            conn.send(("memory",))
        except RecursionError:
            conn.send(("program", "the program is nested too deeply", 1, 1, msg("error.program.too_deep")))
        except Exception as exc:  # a bug: keep serving, say what it was
            traceback.print_exc(file=sys.stderr)
            conn.send(("internal", f"{type(exc).__name__}: {str(exc)[:300]}"))
        jobs.drop_old()           # what a new trace replaced, freed once its answer is sent


def _rebuild(reply: tuple) -> Exception:
    """The exception a worker's error reply stands for, raised again in the server."""
    kind = reply[0]
    if kind == "program":           # its Msg when it has one: the message in the asker's language
        return ProgramError(reply[4] or reply[1], reply[2], reply[3])
    if kind == "spec":
        spec = SpecError(reply[1], reply[2])
        if reply[3] is not None:
            spec.msg = reply[3]
        return spec
    if kind == "step":
        return renderer.StepOutOfRange(reply[2] or reply[1])
    if kind == "graphviz":
        return renderer.GraphvizMissing()
    if kind == "render":
        return renderer.RenderError(reply[2] or reply[1])
    if kind == "too_big":
        return TooLarge(msg("api.too_large", size=f"{reply[1]:,}", limit=f"{reply[2]:,}"))
    if kind == "memory":
        return OutOfMemory(msg("api.out_of_memory"))
    return InternalError(msg("api.internal", detail=str(reply[1:])))


class Spooled:
    """A large answer in a temporary file with no name: only this descriptor keeps it, so
    closing it (or losing it) frees the disk."""

    def __init__(self, fd: int, size: int) -> None:
        self.fd, self.size = fd, size

    def close(self) -> None:
        fd, self.fd = self.fd, -1
        if fd >= 0:
            os.close(fd)

    def __del__(self) -> None:
        self.close()


class Reroute(Exception):
    """The small lane's worker found the program big: send it to the large lane."""


class Worker:
    """One worker process and the pipe to it; used by one dispatcher thread only."""

    def __init__(self, ctx: Any, settings: Settings, lane: str) -> None:
        self.ctx, self.settings, self.lane = ctx, settings, lane
        self.proc: Any = None
        self.conn: Any = None
        self.busy_since: float | None = None
        self.started = 0
        self.retired = False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> None:
        parent, child = self.ctx.Pipe(duplex=True)
        proc = self.ctx.Process(target=_worker_main, args=(child, self.settings),
                                name=f"backprop-{self.lane}-worker", daemon=True)
        proc.start()
        child.close()
        try:
            ready = parent.poll(60) and parent.recv()[0] == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            proc.kill()
            proc.join(5)
            raise RuntimeError("a worker process did not start")
        self.proc, self.conn = proc, parent
        self.started += 1

    def kill(self) -> None:
        """Kill the worker and everything it started (its process group), and reap it."""
        proc, conn = self.proc, self.conn
        self.proc = self.conn = None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)      # the worker and any `dot` it started
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        proc.join(5)
        try:
            conn.close()
        except OSError:
            pass

    def retire(self) -> None:
        """Kill the worker for good (the pool is closing): it is not replaced."""
        self.retired = True
        self.kill()

    def replace(self) -> None:
        self.kill()
        if self.retired:
            raise WorkerLost(msg("api.shutting_down"))
        self.start()

    def call(self, kind: str, args: dict, small: bool, timeout: float) -> bytes | Spooled:
        """Run one job; raises its error, :class:`Reroute`, :class:`TooSlow` or
        :class:`WorkerLost` (the worker is replaced before those two return)."""
        if self.proc is None or not self.proc.is_alive():
            self.replace()
        conn = self.conn
        self.busy_since = time.monotonic()
        try:
            try:
                conn.send((kind, args, small))
                ready = conn.poll(timeout)
                if not ready:
                    self.replace()
                    raise TooSlow(msg("api.too_slow", seconds=f"{timeout:g}"))
                reply = conn.recv()
                if reply[0] == "ok":
                    remaining = max(0.1, timeout - (time.monotonic() - self.busy_since))
                    if not conn.poll(remaining):
                        self.replace()
                        raise TooSlow(msg("api.too_slow.short", seconds=f"{timeout:g}"))
                    return conn.recv_bytes()
                if reply[0] == "file":
                    return Spooled(reduction.recv_handle(conn), reply[1])
            except (EOFError, OSError, BrokenPipeError):
                self.replace()
                raise WorkerLost(msg("api.worker_lost")) from None
            if reply[0] == "reroute":
                raise Reroute()
            raise _rebuild(reply)
        finally:
            self.busy_since = None


# ---------------------------------------------------------------- lanes and the pool

@dataclass
class Job:
    kind: str
    args: dict
    future: cf.Future = field(default_factory=cf.Future)
    queued_at: float = field(default_factory=time.monotonic)
    rerouted: bool = False
    forwarded: Job | None = None      # its copy in the large lane, once moved there

    def withdraw(self) -> bool:
        """Take the job back if it is still waiting for a worker (in either lane)."""
        if self.future.cancel():
            return True
        inner = self.forwarded
        return inner is not None and inner.future.cancel()


class Lane:
    """Worker processes of one kind, fed from one bounded queue."""

    def __init__(self, name: str, size: int, queue_len: int, timeout: float, small: bool) -> None:
        self.name, self.size, self.timeout, self.small = name, size, timeout, small
        self.queue: queue.Queue = queue.Queue(maxsize=queue_len)
        self.workers: list[Worker] = []

    def submit(self, job: Job) -> None:
        job.queued_at = time.monotonic()
        try:
            self.queue.put_nowait(job)
        except queue.Full:
            raise Busy(msg("api.busy.lane", lane=msg(f"api.lane.{self.name}"),
                           waiting=str(self.queue.maxsize))) from None


class WorkerPool:
    """The server's worker processes: :meth:`run` a job, get its bytes or its error."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ctx = multiprocessing.get_context("forkserver")
        self.lock = threading.Lock()
        self.running = False
        self.exit_hook = False
        self._new_lanes()
        self.counts = {"served": 0, "program_errors": 0, "rerouted": 0, "busy": 0,
                       "timeouts": 0, "workers_lost": 0, "memory": 0}

    # --- life cycle
    def _new_lanes(self) -> None:
        s = self.settings
        self.small = Lane("small", s.small_workers, s.small_queue, s.small_timeout_s, small=True)
        self.large = Lane("large", s.large_workers, s.large_queue, s.job_timeout_s, small=False)

    def start(self) -> None:
        """Start every worker (idempotent; :meth:`run` calls it)."""
        with self.lock:
            if self.running:
                return
            if not self.exit_hook:
                ref = weakref.ref(self)
                atexit.register(lambda: (p := ref()) is not None and p.close())
                self.exit_hook = True
            # One BLAS thread per worker: the lanes already use every core. (Read when the
            # fork server imports numpy, so set before it starts; it passes them on.)
            for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ.setdefault(var, "1")
            self.ctx.set_forkserver_preload(["app.jobs"])
            for lane in (self.small, self.large):
                for _ in range(lane.size):
                    w = Worker(self.ctx, self.settings, lane.name)
                    w.start()
                    lane.workers.append(w)
                    t = threading.Thread(target=self._dispatch, args=(lane, w), daemon=True,
                                         name=f"backprop-{lane.name}-dispatch")
                    t.start()
            self.running = True

    def close(self) -> None:
        """Stop the dispatchers and kill every worker (with anything it started).

        The pool can be started again: an app's lifespan may run more than once.
        """
        with self.lock:
            if not self.running:
                return
            self.running = False
            lanes = (self.small, self.large)
            self._new_lanes()
            for lane in lanes:
                while True:
                    try:
                        job = lane.queue.get_nowait()
                    except queue.Empty:
                        break
                    if job is not _STOP and not job.future.done():
                        job.future.set_exception(Busy(msg("api.shutting_down")))
                for _ in lane.workers:
                    lane.queue.put(_STOP)
        for lane in lanes:
            for w in lane.workers:
                w.retire()

    # --- jobs
    def submit(self, kind: str, **args: Any) -> Job:
        """Queue a job in its lane; raises :class:`Busy` at once when the lane is full."""
        self.start()
        source = args.get("source", "")
        small = len(source) <= self.settings.small_source_chars and kind not in LARGE_JOBS
        lane = self.small if small else self.large
        job = Job(kind, args)
        try:
            lane.submit(job)
        except Busy:
            self._count("busy")
            raise
        return job

    async def run(self, kind: str, **args: Any) -> bytes | Spooled:
        """Run a job in a worker and await its bytes (or its exception).

        A job still waiting for a worker after ``queue_wait_s`` is withdrawn: :class:`Busy`.
        """
        job = self.submit(kind, **args)
        waiting = asyncio.wrap_future(job.future)
        done, _ = await asyncio.wait({waiting}, timeout=self.settings.queue_wait_s)
        if not done and job.withdraw():
            self._count("busy")
            raise Busy(msg("api.busy.wait", seconds=f"{self.settings.queue_wait_s:g}"))
        return await waiting

    def _count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

    def _dispatch(self, lane: Lane, worker: Worker) -> None:
        while True:
            job = lane.queue.get()
            if job is _STOP:
                return
            if not job.future.set_running_or_notify_cancel():
                continue                              # the client is gone
            waited = time.monotonic() - job.queued_at
            if waited > self.settings.queue_wait_s:
                self._count("busy")
                job.future.set_exception(Busy(msg("api.busy.waited", seconds=f"{waited:.0f}")))
                continue
            try:
                result = worker.call(job.kind, job.args, lane.small, lane.timeout)
            except (Reroute, TooSlow) as exc:
                if lane.small and not job.rerouted:
                    self._count("rerouted")
                    self._forward(job)
                    continue
                if isinstance(exc, TooSlow):
                    self._count("timeouts")
                self._fail(job, exc)
            except WorkerLost as exc:
                self._count("workers_lost")
                self._fail(job, exc)
            except OutOfMemory as exc:
                self._count("memory")
                self._fail(job, exc)
            except ProgramError as exc:
                self._count("program_errors")
                self._fail(job, exc)
            except Exception as exc:  # noqa: BLE001 - every error goes back to its request
                self._fail(job, exc)
            else:
                self._count("served")
                job.future.set_result(result)

    def _forward(self, job: Job) -> None:
        """Move a job from the small lane to the large one (a new future: the old one runs)."""
        inner = Job(job.kind, job.args, rerouted=True)
        job.forwarded = inner
        try:
            self.large.submit(inner)
        except Busy as exc:
            self._count("busy")
            self._fail(job, exc)
            return
        inner.future.add_done_callback(lambda f: _copy(f, job.future))

    @staticmethod
    def _fail(job: Job, exc: BaseException) -> None:
        try:
            job.future.set_exception(exc)
        except cf.InvalidStateError:
            pass                      # already answered

    # --- state
    def health(self) -> dict:
        """Workers, queues and counters, for the health endpoint and the tests."""
        lanes = {}
        for lane in (self.small, self.large):
            lanes[lane.name] = {
                "workers": [{"pid": w.pid, "busy": w.busy_since is not None,
                             "started": w.started} for w in lane.workers],
                "waiting": lane.queue.qsize(), "queue": lane.queue.maxsize,
                "timeout_s": lane.timeout}
        with self.lock:
            counts = dict(self.counts)
        return {"running": self.running, "lanes": lanes, "counts": counts}


def _copy(src: cf.Future, dst: cf.Future) -> None:
    """Complete ``dst`` as ``src`` completed (a moved job answers through its first future)."""
    try:
        if src.cancelled():
            dst.set_exception(Busy(msg("api.busy.plain")))
        elif src.exception() is not None:
            dst.set_exception(src.exception())
        else:
            dst.set_result(src.result())
    except cf.InvalidStateError:
        pass                          # already answered
