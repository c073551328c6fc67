"""Executing an analysis run: claim it, stream its object through the engine, record progress while it works,
store the report, and say what becomes of the message that asked for it. Orchestration over ports only.

The database is the fence. A run is claimed before any work (a redelivered or duplicated message finds nothing
to claim); each claim is a new attempt, and only the holder of the latest attempt may record progress or the
report. While the engine works, a heartbeat records progress and keeps the message alive; a heartbeat the
database refuses (the run was cancelled, deleted, or re-claimed after a stall) stops the work and records
nothing. Poison input FAILS the run for good (TERM); a transient failure gives the run back (RETRY, with
backoff); redelivery is bounded. The engine runs within CPU, memory and wall-clock bounds that grow with the
file (EngineBounds); a run over them FAILS rather than being retried. A big plain file is not analysed here:
its run is cut into chunks that any worker takes (use_cases/execute_chunk.py).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loglens_analysis.domain import AnalysisRun, FailureCode, StoredLogFile, backoff_s
from loglens_analysis.engine import ENGINE_VERSION, Progress
from loglens_analysis.sandbox import EngineFailure, EngineLimits, EngineStopped
from loglens_analysis.use_cases.ports import (
    Clock,
    Delivery,
    EngineRunner,
    ObjectReader,
    PoisonInput,
    RunLost,
    RunStore,
    SystemClock,
)
from loglens_common import metrics
from loglens_common.logs import log_fields

if TYPE_CHECKING:
    from loglens_analysis.config import AnalysisSettings
    from loglens_analysis.use_cases.execute_chunk import RunChunking

log = logging.getLogger("loglens.analysis.worker")

# Wall-clock bound of a run over its CPU-time bound: room for a child that shares its core with others.
WALL_CLOCK_PER_CPU_S = 2.0


class Settle(enum.Enum):
    """What to do with the message a run was delivered by."""

    ACK = "ack"  # done with it: the run succeeded, or is another's, or is gone
    TERM = "term"  # never again: the run FAILED for good
    RETRY = "retry"  # deliver it again after a delay: the run was given back


@dataclass(frozen=True)
class Outcome:
    settle: Settle
    delay_s: float = 0.0


ACK = Outcome(Settle.ACK)
TERM = Outcome(Settle.TERM)


@dataclass(frozen=True)
class ExecutionPolicy:
    stale_after_s: float  # a RUNNING run silent this long may be claimed by another worker
    max_deliveries: int  # deliveries (and attempts) of one run before it FAILS
    retry_backoff_s: float  # first retry delay after a transient failure
    heartbeat_s: float  # how often progress is recorded and the message kept alive
    registry_max_patterns: int  # patterns a service's registry keeps (the report is merged into it)
    engine_version: str = ENGINE_VERSION

    @classmethod
    def from_settings(cls, s: AnalysisSettings) -> ExecutionPolicy:
        return cls(s.stale_after_s, s.max_deliveries, s.retry_backoff_s, s.heartbeat_s, s.registry_max_patterns)


@dataclass(frozen=True)
class EngineBounds:
    """What one run's engine may use, and the engine's arguments for one file."""

    cpu_base_s: float
    min_bytes_per_s: int
    memory_limit_mib: int
    max_decompressed_bytes: int
    max_gzip_ratio: float
    gzip_ratio_grace_bytes: int

    @classmethod
    def from_settings(cls, s: AnalysisSettings) -> EngineBounds:
        return cls(
            s.engine_cpu_base_s,
            s.engine_min_bytes_per_s,
            s.engine_memory_limit_mib,
            s.max_decompressed_bytes,
            s.max_gzip_ratio,
            s.gzip_ratio_grace_bytes,
        )

    def limits(self, log_file: StoredLogFile) -> EngineLimits:
        """A run's bounds grow with the bytes it may have to analyse: the file's size, or a gzip file's
        inflate bound (its inflated size is unknown until it is read)."""
        return self.for_bytes(self.inflate_limit(log_file) if log_file.gzip else log_file.size_bytes)

    def for_bytes(self, work_bytes: int) -> EngineLimits:
        """The bounds of analysing ``work_bytes`` (a whole file's, or one chunk's)."""
        cpu_s = self.cpu_base_s + work_bytes / self.min_bytes_per_s
        return EngineLimits(cpu_s=cpu_s, wall_s=cpu_s * WALL_CLOCK_PER_CPU_S, memory_bytes=self.memory_limit_mib << 20)

    def options(self, log_file: StoredLogFile) -> dict[str, object]:
        """The engine's arguments for one file: the inflate bound and the upload's time hints (a zone for
        times without an offset, a year for times without one, the upload time as the reference that
        year-less times must not run past)."""
        return {
            "max_decompressed_bytes": self.inflate_limit(log_file),
            "time_zone": log_file.time_zone or None,
            "year": log_file.year,
            "reference_epoch": log_file.upload_time.timestamp(),
        }

    def inflate_limit(self, log_file: StoredLogFile) -> int:
        """How far a file may inflate: a gzip bomb is refused once it passes its ratio, not after 64 GiB.

        Typical logs compress 5-20x; a ratio in the thousands is a bomb (or nothing worth analysing).
        """
        if not log_file.gzip:
            return self.max_decompressed_bytes
        by_ratio = max(self.gzip_ratio_grace_bytes, int(log_file.size_bytes * self.max_gzip_ratio))
        return min(self.max_decompressed_bytes, by_ratio)


@dataclass
class ProgressTracker:
    """Progress shared between the engine's thread and the heartbeat task."""

    bytes_read: int = 0
    lines: int = 0

    def update(self, progress: Progress) -> None:
        self.bytes_read = progress.bytes_read
        self.lines = progress.lines


class ExecuteRun:
    def __init__(
        self,
        runs: RunStore,
        objects: ObjectReader,
        engine: EngineRunner,
        policy: ExecutionPolicy,
        bounds: EngineBounds,
        clock: Clock | None = None,
        chunking: RunChunking | None = None,
    ) -> None:
        self.runs = runs
        self.objects = objects
        self.engine = engine
        self.policy = policy
        self.bounds = bounds
        self.clock = clock or SystemClock()
        self.chunking = chunking  # None: every file is analysed in one pass

    async def claim(self, run_id: str, delivered: int) -> AnalysisRun | Outcome:
        """The run, RUNNING for this worker (a new attempt), or what to do with its message instead."""
        try:
            run = await self.runs.claim(run_id, self.policy.stale_after_s, self.policy.engine_version)
        except Exception as exc:
            log.warning("claiming %s failed, retrying: %s", run_id, exc)
            return Outcome(Settle.RETRY, backoff_s(self.policy.retry_backoff_s, delivered))
        if run is None:  # finished, cancelled, deleted, or another live worker holds it
            return ACK
        # Both counts must pass the bound. Deliveries alone: a delivery whose claim failed because the database
        # was away is no attempt, and a 20 s database outage would FAIL every queued run. Attempts (claims)
        # alone: the reconciler's re-published copies of a message, each claiming, would use them up at once.
        limit = self.policy.max_deliveries
        if delivered > limit and run.attempts > limit:
            await self.runs.fail(run, f"gave up after {run.attempts - 1} attempts", FailureCode.TOO_MANY_ATTEMPTS)
            return TERM
        return run

    async def execute(self, run: AnalysisRun, delivery: Delivery) -> Outcome:
        """Analyse a claimed run and record what came of it.

        Cancelled (the process is shutting down), it gives the run back before the cancellation goes on, so that
        the caller may hand the message to another worker at once.
        """
        stop = threading.Event()  # set: the engine and the object's reading stop, nothing more is recorded
        tracker = ProgressTracker()
        heartbeat: asyncio.Task[None] | None = None
        try:
            log_file = await self.runs.log_file(run.owner, run.log_file_id)
            if log_file is None:  # deleted, and its runs with it
                return ACK
            if self.chunking is not None and await self.chunking.plan(run, log_file):
                return ACK  # its chunks are on the queue; the run stays RUNNING until they are merged
            heartbeat = asyncio.create_task(self._heartbeat(run, delivery, tracker, stop))
            result = await self.engine.analyze(
                self.objects.chunks(log_file, stop),
                self.bounds.limits(log_file),
                self.bounds.options(log_file),
                tracker.update,
                stop,
            )
            heartbeat.cancel()
            tracker.bytes_read = log_file.size_bytes
            tracker.lines = result.lines
            if await self.runs.succeed(
                run,
                result.report,
                tracker.bytes_read,
                tracker.lines,
                log_file.service,
                self.policy.registry_max_patterns,
            ):
                metrics.ANALYSIS_LINES.inc(tracker.lines)
                log.info("run succeeded", extra=log_fields(run=run.id, lines=tracker.lines))
            return ACK
        except (RunLost, EngineStopped):
            return ACK
        except (EngineFailure, PoisonInput) as exc:  # final: the same input would fail the same way again
            await self.runs.fail(run, str(exc), exc.code)
            log.warning("run failed", extra=log_fields(run=run.id, code=exc.code.value, reason=str(exc)))
            return TERM
        except asyncio.CancelledError:  # shutting down: give the run back for another worker to take now
            stop.set()
            await asyncio.shield(self._give_back(run))
            raise
        except Exception as exc:
            stop.set()
            log.warning("run will be retried", extra=log_fields(run=run.id, error=repr(exc)))
            await self._give_back(run)
            return Outcome(Settle.RETRY, backoff_s(self.policy.retry_backoff_s, delivery.delivered))
        finally:
            stop.set()
            if heartbeat is not None:
                heartbeat.cancel()

    async def _give_back(self, run: AnalysisRun) -> None:
        try:
            await self.runs.release(run)
        except Exception as exc:  # the reconciler re-queues it once its heartbeat is stale
            log.warning("could not release run %s: %s", run.id, exc)

    async def _heartbeat(
        self, run: AnalysisRun, delivery: Delivery, tracker: ProgressTracker, stop: threading.Event
    ) -> None:
        while not stop.is_set():
            await self.clock.sleep(self.policy.heartbeat_s)
            try:
                await delivery.keep_alive()
                if not await self.runs.heartbeat(run, tracker.bytes_read, tracker.lines):
                    stop.set()  # cancelled, deleted or re-claimed: stop reading, record nothing
            except Exception as exc:
                log.warning("heartbeat of %s failed: %s", run.id, exc)
