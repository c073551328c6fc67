"""JetStream for analysis: the durable pull consumers and the publisher of queued runs."""

from __future__ import annotations

import logging

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from loglens.events.v1 import events_pb2
from loglens_common.events import STREAM, SUBJECT_RUN_QUEUED
from loglens_common.logs import request_id_var

log = logging.getLogger("loglens.analysis.queue")

EVENTS_CONSUMER = "analysis-log-files"
WORK_CONSUMER = "analysis-workers"


def events_consumer_config() -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=EVENTS_CONSUMER,
        filter_subject="loglens.logfile.>",
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=30,
        max_deliver=20,
        backoff=[1.0, 2.0, 5.0, 10.0, 30.0] + [60.0] * 14,
    )


def work_consumer_config(ack_wait_s: float, max_deliveries: int) -> ConsumerConfig:
    # Redelivery is bounded by max_deliver; the worker also counts deliveries to FAIL the run at the end.
    return ConsumerConfig(
        durable_name=WORK_CONSUMER,
        filter_subject=SUBJECT_RUN_QUEUED,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=ack_wait_s,
        max_deliver=max_deliveries + 1,
        max_ack_pending=1000,
    )


class RunPublisher:
    """Publishes 'run queued' messages, and those of the steps of runs analysed in chunks (the same subject, so the
    same durable consumer and its backlog: a big file's chunks are what the workers' autoscaler sees waiting); the
    reconciler re-publishes any that got lost."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def publish(self, run_name: str, run_id: str, generation: int = 0) -> bool:
        event = events_pb2.AnalysisRunQueued(analysis_run=run_name, request_id=request_id_var.get())
        return await self._send(event, f"run-{run_id}-{generation}")

    async def publish_chunk(
        self, run_name: str, run_id: str, run_attempt: int, index: int, generation: int = 0
    ) -> bool:
        event = events_pb2.AnalysisRunQueued(
            analysis_run=run_name,
            request_id=request_id_var.get(),
            chunk=events_pb2.AnalysisRunChunk(index=index, run_attempt=run_attempt),
        )
        return await self._send(event, f"chunk-{run_id}-{run_attempt}-{index}-{generation}")

    async def _send(self, event: events_pb2.AnalysisRunQueued, message_id: str) -> bool:
        try:
            await self._js.publish(
                SUBJECT_RUN_QUEUED,
                event.SerializeToString(),
                stream=STREAM,
                timeout=5,
                headers={"Nats-Msg-Id": message_id},
            )
            return True
        except Exception as exc:  # NATS down: the reconciler publishes it later
            log.warning("%s not published now (%s); the reconciler will", message_id, exc)
            return False
