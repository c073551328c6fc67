"""The engine in a child process of its own, so that no input can stall the service.

The engine is pure Python: an input that makes it spin holds the GIL, and in the service's process that
froze the gRPC API, the heartbeats and the health check. So each run is analysed by a child process with
limits of its own, and the service only waits on pipes:

- the parent keeps the reading from S3 (it knows about stop and cancel) and streams the chunks to the child
  through a pipe; the child sets its limits, analyses, sends progress and finally the serialized report;
- CPU time (RLIMIT_CPU, soft limit): the kernel ends the child with SIGXCPU -> ENGINE_TIME_LIMIT;
- address space (RLIMIT_AS): allocations fail, the engine raises MemoryError -> ENGINE_MEMORY_LIMIT;
- wall-clock time, counted by the parent without the time it waited on S3 (a child that sleeps or is
  starved uses no CPU time): the child is killed -> ENGINE_TIME_LIMIT;
- the engine refusing the input (EngineError) -> INPUT_REFUSED with the engine's message.
These are ``EngineFailure``: the same input would fail the same way again. A child that dies any other way
(a crash, the kernel's OOM killer) raises ``EngineCrashed``, retried like any unexpected error, since the
cause may lie outside the run (the OOM killer may have picked it for another process's memory).

Children are forked by a forkserver (started once, the engine preloaded; never forked from the service's
own process, which runs asyncio and gRPC threads): about 5 ms per run, against about 90 ms to spawn a fresh
interpreter. One child per run, so the cumulative RLIMIT_CPU counts that run alone.

A run analysed in chunks uses the same child, bounds and outcomes for each step: ``analyze_chunk_to_bytes``
(one chunk into its partial result, bounds scaled to the chunk's bytes) and ``merge_to_bytes`` (the partial
results, one per message, into the report).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from loglens_analysis.domain import FailureCode
from loglens_analysis.engine import EngineError, Progress, analyze
from loglens_analysis.engine.chunks import ChunkPlan, analyze_chunk, merge_partials

# Preload this module (and so the engine) into the forkserver: each child starts with it imported.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload([__name__])

POLL_S = 0.1  # how soon a stop, a wall-clock overrun or a dead child is noticed
CPU_KILL_GRACE_S = 2  # hard CPU limit above the soft one: SIGKILL if SIGXCPU did not end the child
EXIT_WAIT_S = 5.0  # for a child that sent its outcome to exit before it is killed
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class EngineLimits:
    """What one run's child may use."""

    cpu_s: float  # CPU seconds (rounded up to whole seconds: RLIMIT_CPU's unit)
    wall_s: float  # seconds of wall-clock time, not counting the parent's waits on the input
    memory_bytes: int  # address space of the child


@dataclass(frozen=True)
class EngineResult:
    report: bytes  # a serialized AnalysisReport
    lines: int


class EngineFailure(Exception):
    """The run FAILS with this code and message; retrying would fail the same way."""

    def __init__(self, code: FailureCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class EngineCrashed(Exception):
    """The child ended without an outcome (a crash, the OOM killer, an unexpected error): worth a retry."""


class EngineStopped(Exception):
    """The caller's stop event was set (cancelled, deleted, re-claimed, shutting down); the child was killed."""


# What the child runs: chunks, a progress callback and the engine's keyword arguments in, a result out.
# Module-level functions only (they are pickled by name).
Entry = Callable[[Iterator[bytes], Callable[[Progress], None], Mapping[str, Any]], EngineResult]


def analyze_to_bytes(
    chunks: Iterator[bytes], progress: Callable[[Progress], None], options: Mapping[str, Any]
) -> EngineResult:
    report = analyze(chunks, progress=progress, **options)
    return EngineResult(report.SerializeToString(), report.line_count)


def analyze_chunk_to_bytes(
    chunks: Iterator[bytes], progress: Callable[[Progress], None], options: Mapping[str, Any]
) -> EngineResult:
    """One chunk of a file: ``chunks`` are the file's head (one message), then its bytes from the chunk's
    ``read_from``; ``options["plan"]`` is (index, start, end). The result is the chunk's partial result."""
    engine_options = dict(options)
    index, start, end = engine_options.pop("plan")
    head = next(chunks, b"")
    lines = 0

    def seen(p: Progress) -> None:
        nonlocal lines
        lines = p.lines
        progress(p)

    partial = analyze_chunk(head, chunks, ChunkPlan(index, start, end), progress=seen, **engine_options)
    return EngineResult(partial, lines)


def merge_to_bytes(
    chunks: Iterator[bytes], progress: Callable[[Progress], None], options: Mapping[str, Any]
) -> EngineResult:
    """A file's report from its chunks' partial results, one per message, in chunk order."""
    del progress, options
    report = merge_partials(list(chunks))
    return EngineResult(report.SerializeToString(), report.line_count)


def start_forkserver() -> None:
    """Start the forkserver now (about 0.1 s) rather than in the first run."""
    from multiprocessing import forkserver

    forkserver.ensure_running()


# The child ---------------------------------------------------------------------------------------------------
def _die_with_parent() -> None:
    """SIGKILL when the forkserver ends, and let it end with the service: no orphan keeps analysing.

    The forkserver exits once every holder of the write end of its "alive" pipe is gone: the service and,
    by default, each child it forked. This child starts no process, so it lets go of its copy.
    """
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    alive_fd = getattr(server, "_forkserver_alive_fd", None)
    if server is not None and isinstance(alive_fd, int):
        os.close(alive_fd)
        server._forkserver_alive_fd = None
    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the CPU limit still ends an orphan
        return
    if os.getppid() != parent:  # the parent ended before prctl took effect
        os._exit(1)


def _set_limits(limits: EngineLimits) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXCPU's default action dumps core: no core files
    cpu = _cpu_seconds(limits)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + CPU_KILL_GRACE_S))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))


def _cpu_seconds(limits: EngineLimits) -> int:
    return max(1, round(limits.cpu_s))  # RLIMIT_CPU counts whole seconds


def _child(
    entry: Entry, options: Mapping[str, Any], limits: EngineLimits, chunks_in: Connection, results_out: Connection
) -> None:
    _die_with_parent()
    _set_limits(limits)

    def chunks() -> Iterator[bytes]:
        while chunk := chunks_in.recv_bytes():  # an empty message ends the input
            yield chunk

    def progress(p: Progress) -> None:
        results_out.send(("progress", p.bytes_read, p.lines))

    # The outcome is sent after the except blocks: by then the traceback, and the engine's memory that its
    # frames hold, are gone (a MemoryError is reported with the memory freed).
    outcome: tuple[Any, ...]
    try:
        result = entry(chunks(), progress, options)
        outcome = ("done", result.report, result.lines)
    except MemoryError:
        outcome = ("memory",)
    except EngineError as exc:
        outcome = ("refused", str(exc))
    except Exception as exc:
        outcome = ("crashed", repr(exc)[:500])
    results_out.send(outcome)
    results_out.close()


# The parent --------------------------------------------------------------------------------------------------
class _Feeder(threading.Thread):
    """Streams the input into the child's pipe; counts the time spent waiting on the input itself."""

    def __init__(self, chunks: Iterator[bytes], out: Connection) -> None:
        super().__init__(name="engine-feeder", daemon=True)
        self.chunks = chunks
        self.out = out
        self.error: BaseException | None = None  # raised by the input (S3), not by the pipe
        self._lock = threading.Lock()
        self._waited_s = 0.0
        self._waiting_since: float | None = None

    def waited_s(self, now: float) -> float:
        with self._lock:
            return self._waited_s + (now - self._waiting_since if self._waiting_since is not None else 0.0)

    def _next(self) -> bytes | None:
        with self._lock:
            self._waiting_since = time.monotonic()
        try:
            return next(self.chunks, None)
        finally:
            with self._lock:
                assert self._waiting_since is not None
                self._waited_s += time.monotonic() - self._waiting_since
                self._waiting_since = None

    def run(self) -> None:
        try:
            while True:
                try:
                    chunk = self._next()
                except BaseException as exc:
                    self.error = exc
                    return
                if chunk is None:
                    self.out.send_bytes(b"")
                    return
                if chunk:
                    self.out.send_bytes(chunk)
        except OSError:  # the child is gone (it ended, or was killed): its outcome says why
            pass
        finally:
            close = getattr(self.chunks, "close", None)
            if close is not None:
                close()  # releases the S3 connection
            self.out.close()


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def analyze_in_child(
    chunks: Iterator[bytes],
    limits: EngineLimits,
    *,
    progress: Callable[[Progress], None],
    stop: threading.Event,
    options: Mapping[str, Any] | None = None,
    entry: Entry = analyze_to_bytes,
) -> EngineResult:
    """Analyse ``chunks`` in a child process within ``limits``; blocking (call it from a thread).

    ``options`` are the engine's keyword arguments (``analyze(chunks, progress=..., **options)``).

    Raises EngineFailure (terminal), EngineCrashed (retry), EngineStopped (``stop`` was set), or whatever
    iterating ``chunks`` raised.
    """
    chunks_in, chunks_out = _CONTEXT.Pipe(duplex=False)
    results_in, results_out = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(
        target=_child,
        args=(entry, dict(options or {}), limits, chunks_in, results_out),
        name="loglens-engine",
        daemon=True,
    )
    feeder = _Feeder(chunks, chunks_out)
    try:
        child.start()
    finally:
        chunks_in.close()
        results_out.close()
    started = time.monotonic()
    feeder.start()
    try:
        while True:
            if stop.is_set():
                raise EngineStopped("stopped")
            if feeder.error is not None:
                raise feeder.error
            now = time.monotonic()
            engine_s = now - started - feeder.waited_s(now)
            if engine_s > limits.wall_s:
                raise EngineFailure(
                    FailureCode.ENGINE_TIME_LIMIT,
                    f"the analysis took more than {limits.wall_s:.0f} s of wall-clock time, the bound for a file "
                    "of this size; the file was not analysed",
                )
            ready = wait([results_in, child.sentinel], timeout=POLL_S)
            if not ready:
                continue
            # A child that ended has its messages (then the end of file) readable; never block on the pipe.
            if not results_in.poll(0 if results_in in ready else POLL_S):
                break
            try:
                message = results_in.recv()
            except EOFError:
                break
            kind = message[0]
            if kind == "progress":
                progress(Progress(message[1], message[2]))
            elif kind == "done":
                return EngineResult(message[1], message[2])
            elif kind == "memory":
                raise EngineFailure(
                    FailureCode.ENGINE_MEMORY_LIMIT,
                    f"the analysis needed more than {limits.memory_bytes >> 20} MiB of memory; "
                    "the file was not analysed",
                )
            elif kind == "refused":
                raise EngineFailure(FailureCode.INPUT_REFUSED, message[1])
            elif feeder.error is None:
                raise EngineCrashed(f"the engine raised {message[1]}")
            else:  # the input failed, and the child saw its end too early
                raise feeder.error
        # The child ended without an outcome.
        if feeder.error is not None:
            raise feeder.error
        child.join(EXIT_WAIT_S)
        if child.exitcode == -signal.SIGXCPU:
            raise EngineFailure(
                FailureCode.ENGINE_TIME_LIMIT,
                f"the analysis used more than {_cpu_seconds(limits)} s of CPU time, the bound for a "
                "file of this size; the file was not analysed",
            )
        raise EngineCrashed(f"the engine process ended unexpectedly ({_describe_exit(child.exitcode)})")
    finally:
        if child.exitcode is None:  # stopped, over its wall-clock bound, or done and about to exit
            child.kill()
            child.join(EXIT_WAIT_S)
        results_in.close()
        feeder.join(POLL_S)  # a feeder blocked on S3 ends at its next chunk (the pipe is broken)
        if child.exitcode is not None:
            child.close()
