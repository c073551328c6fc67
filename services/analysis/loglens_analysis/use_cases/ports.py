"""What the run lifecycle's use cases need from the outside world, as protocols: the runs' store (the repository),
the queue of run messages, the stored objects, the engine, the clock, and the message being worked on.

The adapters (adapters/repository.py, adapters/queue.py, adapters/object_store.py, adapters/engine_runner.py)
implement them on Postgres, JetStream, S3 and the sandboxed engine; tests/unit/fakes_runs.py in memory.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

from loglens_analysis.domain import AnalysisRun, FailureCode, StoredLogFile
from loglens_analysis.engine import Progress
from loglens_analysis.quotas import RunUsage
from loglens_analysis.sandbox import EngineLimits, EngineResult


class RunLost(Exception):
    """The run is no longer this worker's: cancelled, deleted, or claimed by another after a stall."""


class PoisonInput(Exception):
    """Nothing a retry can fix: the run FAILS with this reason."""

    def __init__(self, message: str, code: FailureCode) -> None:
        super().__init__(message)
        self.code = code


class RunStore(Protocol):
    """The runs and the log files analysis knows (adapters/repository.py). Every state change goes through the
    repository's ``transition()``: a move the state machine forbids raises IllegalTransition, a race lost to
    another writer answers False or None."""

    async def remember_log_file(self, f: StoredLogFile, announced_run_id: str = "") -> bool | AnalysisRun: ...

    async def has_runs(self, log_file_id: str) -> bool: ...

    async def create_run(
        self, log_file: StoredLogFile, total: int, check: Callable[[RunUsage], None] | None = None
    ) -> tuple[AnalysisRun, bool]: ...

    async def log_file(self, owner: str, log_file_id: str) -> StoredLogFile | None: ...

    async def claim(self, run_id: str, stale_after_s: float, engine_version: str) -> AnalysisRun | None: ...

    async def heartbeat(self, run: AnalysisRun, bytes_done: int, lines_done: int) -> bool: ...

    async def succeed(
        self,
        run: AnalysisRun,
        report: bytes,
        bytes_done: int,
        lines_done: int,
        service: str = "",
        max_patterns: int = 0,
    ) -> bool: ...

    async def fail(self, run: AnalysisRun, reason: str, code: FailureCode) -> bool: ...

    async def release(self, run: AnalysisRun) -> None: ...


class RunMessages(Protocol):
    """The work queue's 'run queued' messages (adapters/queue.py). False when not published now: the
    reconciler publishes every QUEUED run that waits too long, so a lost message only delays a run."""

    async def publish(self, run_name: str, run_id: str, generation: int = 0) -> bool: ...


class ObjectReader(Protocol):
    """A stored log file's bytes (adapters/object_store.py)."""

    def chunks(self, log_file: StoredLogFile, stop: threading.Event) -> Iterator[bytes]:
        """The object's bytes, read lazily; raises PoisonInput (OBJECT_MISSING) when the object is gone and
        RunLost once ``stop`` is set."""
        ...


class EngineRunner(Protocol):
    """The engine, within bounds (adapters/engine_runner.py runs it in a sandboxed child process)."""

    async def analyze(
        self,
        chunks: Iterator[bytes],
        limits: EngineLimits,
        options: Mapping[str, object],
        progress: Callable[[Progress], None],
        stop: threading.Event,
    ) -> EngineResult:
        """The report of ``chunks``. Raises EngineFailure (final: the run FAILS with its code), EngineStopped
        (``stop`` was set), or whatever else went wrong (worth a retry), including what reading ``chunks``
        raised."""
        ...


class Clock(Protocol):
    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class Delivery(Protocol):
    """The message a run's execution works for, as the use case sees it (worker.py wraps a JetStream message)."""

    @property
    def delivered(self) -> int:
        """How many times the message was delivered, this time included (1-based)."""
        ...

    async def keep_alive(self) -> None:
        """Tell the queue the work goes on, so the message is not delivered to another worker meanwhile."""
        ...
