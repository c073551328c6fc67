"""Publishes the outbox to JetStream: every committed event goes out, at least once, deduplicated by id.

An upload commits its row and its event together; this loop (kicked right after a commit, and on a timer)
publishes pending events with ``Nats-Msg-Id`` and marks them published once JetStream acknowledged them.
With NATS down, uploads still succeed and their events wait here until it is back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from nats.js import JetStreamContext

from loglens_common import metrics
from loglens_ingest.adapters.repository import LogFileRepository

log = logging.getLogger("loglens.ingest.outbox")


class OutboxPublisher:
    def __init__(self, repository: LogFileRepository, js: JetStreamContext, interval_s: float) -> None:
        self._repository = repository
        self._js = js
        self._interval_s = interval_s
        self._kick = asyncio.Event()

    def kick(self) -> None:
        self._kick.set()

    async def publish_pending(self) -> int:
        published = 0
        while True:
            events = await self._repository.unpublished()
            for event in events:
                await self._js.publish(event.subject, event.payload, timeout=5, headers={"Nats-Msg-Id": event.msg_id})
                await self._repository.mark_published(event.id)
                published += 1
            if len(events) < 100:
                return published

    async def run(self) -> None:
        last_prune = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                await asyncio.wait_for(self._kick.wait(), timeout=self._interval_s)
            except TimeoutError:
                pass
            self._kick.clear()
            try:
                await self.publish_pending()
                metrics.OUTBOX_PENDING.set(await self._repository.pending_count())
                if loop.time() - last_prune > 3600:
                    await self._repository.prune_published(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
                    last_prune = loop.time()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS or Postgres down: keep the events, try again on the next tick
                log.warning("outbox publish deferred: %s", exc)
