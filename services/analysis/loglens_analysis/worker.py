"""The workers' JetStream entrypoint: pull consumers that turn messages into use-case calls, and the reconciler.

This module translates only: it decodes messages, hands them to the use cases (use_cases/), keeps the message
alive while a run is analysed, and settles it after the database commit (ack), for good (term) or for a
retry with backoff (nak). The rules of a run's execution (the attempt fence, progress, failures, the engine's
bounds) live in use_cases/execute_run.py, those of a run analysed in chunks (a big file's chunks and their
merge, messages on the same work queue) in use_cases/execute_chunk.py, queueing in use_cases/queue_run.py.
Log-file events are trusted only when ingest signed them (event_trust.py). The reconciler re-queues runs (and
chunks) whose worker died and re-publishes lost messages.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig

from loglens.events.v1 import events_pb2
from loglens_analysis.adapters.engine_runner import SandboxedEngine
from loglens_analysis.adapters.queue import (
    WORK_CONSUMER,
    RunPublisher,
    events_consumer_config,
    work_consumer_config,
)
from loglens_analysis.adapters.repository import RunRepository
from loglens_analysis.config import AnalysisSettings
from loglens_analysis.domain import StoredLogFile, backoff_s
from loglens_analysis.event_trust import LogFileEvents
from loglens_analysis.use_cases.execute_chunk import ExecuteChunk
from loglens_analysis.use_cases.execute_run import ExecuteRun, Outcome, Settle
from loglens_analysis.use_cases.queue_run import QueueRun
from loglens_common import metrics, names
from loglens_common.events import STREAM, STREAM_CONFIG, SUBJECT_DELETED, SUBJECT_STORED, UntrustedEvent
from loglens_common.logs import log_fields, request_id_var

log = logging.getLogger("loglens.analysis.worker")

# A deleted file's tombstone outlives every event of it the stream can still deliver (a day to spare).
TOMBSTONE_KEEP_S = (STREAM_CONFIG.max_age or 0) + 24 * 3600


LOG_FILE_SUBJECTS = (SUBJECT_STORED, SUBJECT_DELETED)


def _stream_seq(msg: Msg) -> int | None:
    try:
        return msg.metadata.sequence.stream
    except Exception:  # not a JetStream message
        return None


class JetStreamDelivery:
    """A run's message as the execution use case sees it."""

    def __init__(self, msg: Msg) -> None:
        self.msg = msg

    @property
    def delivered(self) -> int:
        return self.msg.metadata.num_delivered or 1

    async def keep_alive(self) -> None:
        await self.msg.in_progress()


class Worker:
    def __init__(
        self,
        repository: RunRepository,
        js: JetStreamContext,
        queue: QueueRun,
        execution: ExecuteRun,
        engine: SandboxedEngine,
        settings: AnalysisSettings,
        log_file_events: LogFileEvents,
        chunk_execution: ExecuteChunk,
        publisher: RunPublisher,
    ) -> None:
        self.chunk_execution = chunk_execution
        self.publisher = publisher
        self.log_file_events = log_file_events
        self.repository = repository
        self.js = js
        self.queue = queue
        self.execution = execution
        self.engine = engine
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
        if not await self.queue.uploaded(log_file, stored.analyze, stored.analysis_run_id):
            log.info("stored event of a deleted log file ignored", extra=log_fields(log_file=stored.log_file))

    # Runs -----------------------------------------------------------------------------------------
    async def consume_runs(self) -> None:
        await self.engine.start()
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
        delivery = JetStreamDelivery(msg)
        if queued.HasField("chunk"):
            await self._handle_chunk(msg, delivery, run_id, queued.chunk)
            return
        claimed = await self.execution.claim(run_id, delivery.delivered)
        if isinstance(claimed, Outcome):
            await self._settle(msg, claimed, run_id)
            return
        try:
            outcome = await self.execution.execute(claimed, delivery)
        except asyncio.CancelledError:  # shutting down: the run was given back, hand its message on now
            await asyncio.shield(self._settle(msg, Outcome(Settle.RETRY), run_id))
            raise
        await self._settle(msg, outcome, run_id)

    async def _handle_chunk(
        self, msg: Msg, delivery: JetStreamDelivery, run_id: str, chunk: events_pb2.AnalysisRunChunk
    ) -> None:
        """A step of a run analysed in chunks (use_cases/execute_chunk.py), settled like a run's message."""
        claimed = await self.chunk_execution.claim(run_id, chunk.run_attempt, chunk.index, delivery.delivered)
        if isinstance(claimed, Outcome):
            await self._settle(msg, claimed, run_id)
            return
        try:
            outcome = await self.chunk_execution.execute(claimed, delivery)
        except asyncio.CancelledError:  # shutting down: the step was given back, hand its message on now
            await asyncio.shield(self._settle(msg, Outcome(Settle.RETRY), run_id))
            raise
        await self._settle(msg, outcome, run_id)

    async def _settle(self, msg: Msg, outcome: Outcome, run_id: str) -> None:
        if outcome.settle is Settle.ACK:
            await msg.ack()
        elif outcome.settle is Settle.TERM:
            await msg.term()
        else:
            try:
                await msg.nak(delay=outcome.delay_s)
            except Exception as exc:  # not redelivered before its ack wait: the run waits a little longer
                log.warning("could not nak run %s: %s", run_id, exc)

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
        requeued += await self.repository.requeue_stale_chunks(self.settings.stale_after_s)
        empty = await self._work_queue_empty()  # one look at the work queue for runs and chunks alike
        republished = await self._resend_lost_runs(empty)
        republished += await self._resend_lost_chunks(empty)
        swept = await self.repository.sweep_tombstones(TOMBSTONE_KEEP_S)
        if requeued or republished or swept:
            log.info("reconciled", extra=log_fields(requeued=requeued, republished=republished, tombstones=swept))
        await self._record_consumer_lag()
        return requeued, republished

    async def _resend_lost_runs(self, work_queue_empty: bool) -> int:
        """Send again the messages of QUEUED runs that may be lost (the rule: repository.queued_needing_publish);
        QueueRun.publish records JetStream's acknowledgements. How many were sent. A run waiting its turn in a
        backlog is not lost: its acknowledged message is in the stream until a worker settles it."""
        lost = await self.repository.queued_needing_publish(self.settings.requeue_after_s, work_queue_empty)
        sent = 0
        for run_id, generation in lost:
            run = await self.repository.run_by_id(run_id)
            if run is None:  # deleted meanwhile
                continue
            if not await self.queue.publish(run, generation):
                break  # NATS away: the rest stay unacknowledged, sent again at the next round past the wait
            sent += 1
        return sent

    async def _resend_lost_chunks(self, work_queue_empty: bool) -> int:
        """Send again the messages of chunk steps that may be lost (the rule: repository.chunks_needing_publish),
        and record JetStream's acknowledgements; how many were sent. A chunk waiting its turn behind others is not
        lost: its acknowledged message is in the stream until a worker settles it."""
        lost = await self.repository.chunks_needing_publish(self.settings.requeue_after_s, work_queue_empty)
        sent: list[tuple[str, int, int, int]] = []
        for run, index, generation in lost:
            run_name = names.analysis_run_name(run.log_file_id, run.id)
            if not await self.publisher.publish_chunk(run_name, run.id, run.attempts, index, generation):
                break  # NATS away: the rest stay unacknowledged, sent again at the next round past the wait
            sent.append((run.id, run.attempts, index, generation))
        await self.repository.chunk_messages_published(sent)
        return len(sent)

    async def _work_queue_empty(self) -> bool:
        """True when the runs' consumer holds no message at all: none pending, none delivered and waiting for an
        ack or a redelivery. False when it holds some, or when that cannot be told (NATS away, consumer not made
        yet: its messages are delivered once it is)."""
        try:
            info = await self.js.consumer_info(STREAM, WORK_CONSUMER)
        except Exception:
            return False
        return not info.num_pending and not info.num_ack_pending

    async def _record_consumer_lag(self) -> None:
        """Runs waiting for a worker: the figure to scale analysis workers on."""
        try:
            info = await self.js.consumer_info(STREAM, WORK_CONSUMER)
        except Exception:  # not created yet (no worker started), or NATS unreachable: keep the last value
            return
        metrics.CONSUMER_PENDING.set(info.num_pending or 0)
