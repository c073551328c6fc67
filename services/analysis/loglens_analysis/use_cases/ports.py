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

from loglens_analysis.domain import AnalysisRun, FailureCode, RunChunk, StoredLogFile
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


class ChunkStore(RunStore, Protocol):
    """The steps of runs analysed in chunks (adapters/repository.py): each fenced by its own attempt and by the
    attempt of its run; a run that leaves RUNNING takes its steps and their partial results with it."""

    async def start_chunks(
        self, run: AnalysisRun, ranges: list[tuple[int, int]], size: int
    ) -> list[RunChunk] | None: ...

    async def claim_chunk(
        self, run_id: str, run_attempt: int, index: int, stale_after_s: float
    ) -> tuple[AnalysisRun, RunChunk] | None: ...

    async def chunk_heartbeat(self, run: AnalysisRun, chunk: RunChunk, bytes_done: int, lines_done: int) -> bool: ...

    async def finish_chunk(
        self, run: AnalysisRun, chunk: RunChunk, partial: bytes, bytes_done: int, lines_done: int
    ) -> bool | None: ...

    async def release_chunk(self, chunk: RunChunk) -> None: ...

    async def chunk_count(self, run: AnalysisRun) -> int: ...

    async def partial(self, run: AnalysisRun, index: int) -> bytes | None: ...


class RunMessages(Protocol):
    """The work queue's 'run queued' messages (adapters/queue.py). False when not published now: the
    reconciler publishes again a QUEUED run whose message JetStream never acknowledged, or that may be lost
    (repository.queued_needing_publish), so a lost message only delays a run."""

    async def publish(self, run_name: str, run_id: str, generation: int = 0) -> bool: ...


class ChunkMessages(Protocol):
    """The work queue's messages for one step of a run analysed in chunks (adapters/queue.py), on the same
    queue as runs. False when not published now: the reconciler re-sends QUEUED steps' messages."""

    async def publish_chunk(
        self, run_name: str, run_id: str, run_attempt: int, index: int, generation: int = 0
    ) -> bool: ...


class ObjectReader(Protocol):
    """A stored log file's bytes (adapters/object_store.py)."""

    def head(self, log_file: StoredLogFile, length: int) -> bytes:
        """The object's first ``length`` bytes (fewer for a shorter object), with one range read; PoisonInput
        (OBJECT_MISSING) when it is gone."""
        ...

    def chunks_from(self, log_file: StoredLogFile, offset: int, stop: threading.Event) -> Iterator[bytes]:
        """As ``chunks``, from byte ``offset`` to the object's end (a range read), lazily."""
        ...

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

    async def analyze_chunk(
        self,
        chunks: Iterator[bytes],
        limits: EngineLimits,
        options: Mapping[str, object],
        progress: Callable[[Progress], None],
        stop: threading.Event,
    ) -> EngineResult:
        """One chunk's partial result (``report``) and its lines: ``chunks`` are the file's head, then its bytes
        from the chunk's ``read_from``; ``options`` the engine's plus ``plan`` (index, start, end). Raises as
        ``analyze``."""
        ...

    async def merge(
        self,
        partials: Iterator[bytes],
        limits: EngineLimits,
        options: Mapping[str, object],
        progress: Callable[[Progress], None],
        stop: threading.Event,
    ) -> EngineResult:
        """The file's report from its chunks' partial results, in chunk order. Raises as ``analyze``."""
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
