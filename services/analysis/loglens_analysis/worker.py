"""The workers: JetStream pull consumers that turn queued runs into reports.

The database is the fence. A worker claims a run in Postgres before any work (a redelivered or duplicated
message finds nothing to claim), writes progress and a heartbeat while it works (and tells JetStream it is
still in progress), commits the report with a check that the run is still its own, and only then acks.
Transient failures give the run back and nak with backoff; poison input FAILS the run and terms the message;
redelivery is bounded. The engine runs in a child process within CPU, memory and wall-clock bounds
(sandbox.py): whatever the input, this process's API, heartbeats and health check stay responsive, and a
run over its bounds FAILS (ENGINE_TIME_LIMIT, ENGINE_MEMORY_LIMIT) rather than being retried.
The reconciler re-queues runs whose worker died and re-publishes lost messages.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from minio import Minio
from minio.error import S3Error
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig

from loglens.events.v1 import events_pb2
from loglens_analysis.adapters.queue import (
    WORK_CONSUMER,
    RunPublisher,
    events_consumer_config,
    work_consumer_config,
)
from loglens_analysis.adapters.repository import RunRepository
from loglens_analysis.config import AnalysisSettings
from loglens_analysis.domain import AnalysisRun, FailureCode, RunState, StoredLogFile, backoff_s
from loglens_analysis.engine import ENGINE_VERSION, Progress
from loglens_analysis.event_trust import LogFileEvents
from loglens_analysis.sandbox import (
    EngineFailure,
    EngineLimits,
    EngineResult,
    EngineStopped,
    analyze_in_child,
    start_forkserver,
)
from loglens_common import metrics, names
from loglens_common.events import STREAM, STREAM_CONFIG, SUBJECT_DELETED, SUBJECT_STORED, UntrustedEvent
from loglens_common.logs import log_fields, request_id_var

log = logging.getLogger("loglens.analysis.worker")

READ_CHUNK = 1024 * 1024
# Wall-clock bound of a run over its CPU-time bound: room for a child that shares its core with others.
WALL_CLOCK_PER_CPU_S = 2.0
# A deleted file's tombstone outlives every event of it the stream can still deliver (a day to spare).
TOMBSTONE_KEEP_S = (STREAM_CONFIG.max_age or 0) + 24 * 3600


LOG_FILE_SUBJECTS = (SUBJECT_STORED, SUBJECT_DELETED)


def _stream_seq(msg: Msg) -> int | None:
    try:
        return msg.metadata.sequence.stream
    except Exception:  # not a JetStream message
        return None


class RunLost(Exception):
    """The run is no longer this worker's: cancelled, deleted, or claimed by another after a stall."""


class PoisonInput(Exception):
    """Nothing a retry can fix: the run FAILS with this reason."""

    def __init__(self, message: str, code: FailureCode) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class _Tracker:
    """Progress shared between the engine's thread and the heartbeat task."""

    bytes_read: int = 0
    lines: int = 0


def _object_chunks(client: Minio, log_file: StoredLogFile, stop: threading.Event) -> Iterator[bytes]:
    try:
        response = client.get_object(log_file.bucket, log_file.object_key)
    except S3Error as exc:
        if exc.code in ("NoSuchKey", "NoSuchBucket"):
            raise PoisonInput(
                f"the stored object of logFiles/{log_file.id} is missing", FailureCode.OBJECT_MISSING
            ) from exc
        raise
    try:
        for chunk in response.stream(READ_CHUNK):
            if stop.is_set():
                raise RunLost("stopped")
            yield chunk
    finally:
        response.close()
        response.release_conn()


class Worker:
    def __init__(
        self,
        repository: RunRepository,
        s3: Minio,
        js: JetStreamContext,
        publisher: RunPublisher,
        settings: AnalysisSettings,
        log_file_events: LogFileEvents,
    ) -> None:
        self.log_file_events = log_file_events
        self.repository = repository
        self.s3 = s3
        self.js = js
        self.publisher = publisher
        self.settings = settings

    # Log-file events ------------------------------------------------------------------------------
    async def consume_log_file_events(self) -> None:
        await self._consume(events_consumer_config(), 20, self._handle_log_file_event_or_retry)

    async def _handle_log_file_event_or_retry(self, msg: Msg) -> None:
        try:
            await self.handle_log_file_event(msg)
        except Exception as exc:
            log.warning("log-file event will be retried: %s", exc)
            await msg.nak(delay=backoff_s(1, msg.metadata.num_delivered or 1))

    async def _consume(self, config: ConsumerConfig, batch: int, handle: Callable[[Msg], Awaitable[None]]) -> None:
        """Pull from a durable consumer forever, one handler call per message."""
        # Create or update: the durable consumer is shared, and its settings (ack wait, delivery bound)
        # follow the workers deployed last (pull_subscribe alone keeps an existing consumer as it is).
        await self.js.add_consumer(STREAM, config)
        sub = await self.js.pull_subscribe(
            config.filter_subject or "", durable=config.durable_name, stream=STREAM, config=config
        )
        while True:
            try:
                messages = await sub.fetch(batch, timeout=5)
            except TimeoutError:
                continue
            except Exception as exc:
                log.warning("fetching from %s failed: %s", config.durable_name, exc)
                await asyncio.sleep(1)
                continue
            for msg in messages:
                await handle(msg)

    async def handle_log_file_event(self, msg: Msg) -> None:
        try:
            event = self.log_file_events.read(msg.subject, msg.data, msg.headers)
        except UntrustedEvent as exc:  # forged, or not what ingest says: nothing created, nothing deleted
            metrics.EVENTS_REFUSED.labels(msg.subject if msg.subject in LOG_FILE_SUBJECTS else "other").inc()
            log.warning(
                "log-file event refused",
                extra=log_fields(subject=msg.subject[:80], reason=str(exc), stream_seq=_stream_seq(msg)),
            )
            await msg.term()  # a redelivery would be refused again
            return
        if isinstance(event, events_pb2.LogFileStored):
            await self._remember(event)
        else:
            request_id_var.set(event.request_id)
            run_ids = await self.repository.forget_log_file(event.owner, names.parse_log_file(event.log_file))
            log.info("log file forgotten", extra=log_fields(log_file=event.log_file, runs=len(run_ids)))
        await msg.ack()

    async def _remember(self, stored: events_pb2.LogFileStored) -> None:
        request_id_var.set(stored.request_id)
        log_file = StoredLogFile(
            id=names.parse_log_file(stored.log_file),
            owner=stored.owner,
            bucket=stored.bucket,
            object_key=stored.object_key,
            size_bytes=stored.size_bytes,
            gzip=stored.gzip,
            time_zone=stored.time_zone,
            year=stored.year if stored.HasField("year") else None,
            upload_time=stored.create_time.ToDatetime(tzinfo=dt.UTC),
            service=stored.service,
        )
        announced = stored.analysis_run_id if stored.analyze else ""
        remembered = await self.repository.remember_log_file(log_file, announced)
        if not remembered:
            log.info("stored event of a deleted log file ignored", extra=log_fields(log_file=stored.log_file))
        elif isinstance(remembered, AnalysisRun):  # the run ingest named, created with the file
            metrics.RUNS_BY_STATE.labels(RunState.QUEUED.value).inc()
            await self.publisher.publish(names.analysis_run_name(log_file.id, remembered.id), remembered.id)
        # An event of an older ingest names no run. A redelivered event must not start a second analysis:
        # only the first run comes from it.
        elif stored.analyze and not announced and not await self.repository.has_runs(log_file.id):
            run, existed = await self.repository.create_run(log_file, log_file.size_bytes)
            if not existed:
                metrics.RUNS_BY_STATE.labels(RunState.QUEUED.value).inc()
                await self.publisher.publish(names.analysis_run_name(log_file.id, run.id), run.id)

    # Runs -----------------------------------------------------------------------------------------
    async def consume_runs(self) -> None:
        await asyncio.to_thread(start_forkserver)  # once per process; the first run need not wait for it
        config = work_consumer_config(self.settings.ack_wait_s, self.settings.max_deliveries)
        await self._consume(config, 1, self.handle_run_message)

    async def handle_run_message(self, msg: Msg) -> None:
        try:
            queued = events_pb2.AnalysisRunQueued.FromString(msg.data)
            _, run_id = names.parse_analysis_run(queued.analysis_run)
        except Exception:
            log.error("unreadable run message terminated")
            await msg.term()
            return
        request_id_var.set(queued.request_id)
        delivered = msg.metadata.num_delivered or 1
        try:
            run = await self.repository.claim(run_id, self.settings.stale_after_s, ENGINE_VERSION)
        except Exception as exc:
            log.warning("claiming %s failed, retrying: %s", run_id, exc)
            await msg.nak(delay=backoff_s(self.settings.retry_backoff_s, delivered))
            return
        if run is None:  # finished, cancelled, deleted, or another live worker holds it
            await msg.ack()
            return
        # Both counts must pass the bound. Deliveries alone: a delivery whose claim failed because the database
        # was away is no attempt, and a 20 s database outage would FAIL every queued run. Attempts (claims)
        # alone: the reconciler's re-published copies of a message, each claiming, would use them up at once.
        if delivered > self.settings.max_deliveries and run.attempts > self.settings.max_deliveries:
            await self.repository.fail(
                run.id, f"gave up after {run.attempts - 1} attempts", FailureCode.TOO_MANY_ATTEMPTS, run.attempts
            )
            metrics.RUNS_BY_STATE.labels(RunState.FAILED.value).inc()
            await msg.term()
            return
        metrics.RUNS_BY_STATE.labels(RunState.RUNNING.value).inc()
        await self._execute(run, msg, delivered)

    async def _execute(self, run: AnalysisRun, msg: Msg, delivered: int) -> None:
        stop = threading.Event()
        tracker = _Tracker()
        log_file = await self.repository.log_file(run.owner, run.log_file_id)
        if log_file is None:
            await msg.ack()
            return

        def on_progress(progress: Progress) -> None:
            tracker.bytes_read = progress.bytes_read
            tracker.lines = progress.lines

        def work() -> EngineResult:
            return analyze_in_child(
                _object_chunks(self.s3, log_file, stop),
                self.engine_limits(log_file),
                progress=on_progress,
                stop=stop,
                options=self.engine_options(log_file),
            )

        heartbeat = asyncio.create_task(self._heartbeat(run, msg, tracker, stop))
        try:
            result = await asyncio.to_thread(work)
            heartbeat.cancel()
            tracker.bytes_read = log_file.size_bytes
            tracker.lines = result.lines
            if await self.repository.succeed(
                run,
                result.report,
                tracker.bytes_read,
                tracker.lines,
                log_file.service,
                self.settings.registry_max_patterns,
            ):
                metrics.RUNS_BY_STATE.labels(RunState.SUCCEEDED.value).inc()
                metrics.ANALYSIS_LINES.inc(tracker.lines)
                log.info("run succeeded", extra=log_fields(run=run.id, lines=tracker.lines))
            await msg.ack()
        except (RunLost, EngineStopped):
            await msg.ack()
        except (EngineFailure, PoisonInput) as exc:  # final: the same input would fail the same way again
            await self.repository.fail(run.id, str(exc), exc.code, run.attempts)
            metrics.RUNS_BY_STATE.labels(RunState.FAILED.value).inc()
            log.warning("run failed", extra=log_fields(run=run.id, code=exc.code.value, reason=str(exc)))
            await msg.term()
        except asyncio.CancelledError:  # shutting down: hand the run to another worker now
            stop.set()
            await asyncio.shield(self._give_back(run, msg, 0))
            raise
        except Exception as exc:
            stop.set()
            log.warning("run will be retried", extra=log_fields(run=run.id, error=repr(exc)))
            await self._give_back(run, msg, backoff_s(self.settings.retry_backoff_s, delivered))
        finally:
            stop.set()
            heartbeat.cancel()

    def engine_limits(self, log_file: StoredLogFile) -> EngineLimits:
        """A run's bounds grow with the bytes it may have to analyse: the file's size, or a gzip file's
        inflate bound (its inflated size is unknown until it is read)."""
        s = self.settings
        work_bytes = self.inflate_limit(log_file) if log_file.gzip else log_file.size_bytes
        cpu_s = s.engine_cpu_base_s + work_bytes / s.engine_min_bytes_per_s
        return EngineLimits(
            cpu_s=cpu_s, wall_s=cpu_s * WALL_CLOCK_PER_CPU_S, memory_bytes=s.engine_memory_limit_mib << 20
        )

    def engine_options(self, log_file: StoredLogFile) -> dict[str, object]:
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
        s = self.settings
        if not log_file.gzip:
            return s.max_decompressed_bytes
        by_ratio = max(s.gzip_ratio_grace_bytes, int(log_file.size_bytes * s.max_gzip_ratio))
        return min(s.max_decompressed_bytes, by_ratio)

    async def _give_back(self, run: AnalysisRun, msg: Msg, delay: float) -> None:
        try:
            await self.repository.release(run)
        except Exception as exc:  # the reconciler re-queues it once its heartbeat is stale
            log.warning("could not release run %s: %s", run.id, exc)
        try:
            await msg.nak(delay=delay)
        except Exception as exc:
            log.warning("could not nak run %s: %s", run.id, exc)

    async def _heartbeat(self, run: AnalysisRun, msg: Msg, tracker: _Tracker, stop: threading.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(self.settings.heartbeat_s)
            try:
                await msg.in_progress()
                if not await self.repository.heartbeat(run, tracker.bytes_read, tracker.lines):
                    stop.set()  # cancelled, deleted or re-claimed: stop reading, record nothing
            except Exception as exc:
                log.warning("heartbeat of %s failed: %s", run.id, exc)

    # Reconciliation --------------------------------------------------------------------------------
    async def reconcile(self) -> None:
        while True:
            await asyncio.sleep(self.settings.reconcile_interval_s)
            try:
                await self.reconcile_once()
            except Exception as exc:
                log.warning("reconciliation failed, will retry: %s", exc)

    async def reconcile_once(self) -> tuple[int, int]:
        requeued = await self.repository.requeue_stale(self.settings.stale_after_s)
        republished = 0
        for run_id, generation in await self.repository.queued_needing_publish(self.settings.requeue_after_s):
            run = await self.repository.run_by_id(run_id)
            if run is not None and await self.publisher.publish(
                names.analysis_run_name(run.log_file_id, run.id), run.id, generation
            ):
                republished += 1
        swept = await self.repository.sweep_tombstones(TOMBSTONE_KEEP_S)
        if requeued or republished or swept:
            log.info("reconciled", extra=log_fields(requeued=requeued, republished=republished, tombstones=swept))
        await self._record_consumer_lag()
        return requeued, republished

    async def _record_consumer_lag(self) -> None:
        """Runs waiting for a worker: the figure to scale analysis workers on."""
        try:
            info = await self.js.consumer_info(STREAM, WORK_CONSUMER)
        except Exception:  # not created yet (no worker started), or NATS unreachable: keep the last value
            return
        metrics.CONSUMER_PENDING.set(info.num_pending or 0)
