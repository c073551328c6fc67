"""Publishes the outbox to JetStream: every committed event goes out, at least once, deduplicated by id.

An upload commits its row and its event together; this loop (kicked right after a commit, and on a timer)
publishes pending events with ``Nats-Msg-Id`` and marks them published once JetStream acknowledged them.
It also owns the NATS connection and makes it in the background: with NATS down at start-up or later,
ingest keeps serving, uploads still succeed, and their events wait here until NATS is back. A re-publish
after a lost acknowledgement carries the same ``Nats-Msg-Id``, so the stream keeps one copy. Each event is
signed as it goes out (``Loglens-Signature``): analysis trusts nothing else on these subjects.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from loglens_common import metrics
from loglens_common.events import SIGNATURE_HEADER, EventSigner, ensure_stream, inbox_prefix
from loglens_ingest.adapters.repository import LogFileRepository

log = logging.getLogger("loglens.ingest.outbox")

Connect = Callable[[], Coroutine[Any, Any, NatsClient]]


def nats_connector(url: str, user: str = "", password: str = "", name: str = "loglens-ingest") -> Connect:
    """One connection attempt that fails fast when NATS is down (the outbox loop retries on its tick)."""

    async def disconnected() -> None:
        log.warning("NATS disconnected; events wait in the outbox")

    async def error(exc: Exception) -> None:
        log.debug("NATS: %r", exc)  # the outbox logs one line per deferred tick instead

    async def connect() -> NatsClient:
        return await nats.connect(
            url,
            name=name,
            connect_timeout=2,
            allow_reconnect=True,
            max_reconnect_attempts=-1,  # once connected, keep reconnecting
            reconnect_time_wait=1,
            disconnected_cb=disconnected,
            error_cb=error,
            user=user or None,
            password=password or None,
            inbox_prefix=inbox_prefix("ingest"),  # the only replies ingest's NATS user may subscribe to
        )

    return connect


def _failed(task: asyncio.Task[NatsClient]) -> bool:
    return task.done() and (task.cancelled() or task.exception() is not None)


class OutboxPublisher:
    def __init__(
        self,
        repository: LogFileRepository,
        connect: Connect,
        interval_s: float,
        signer: EventSigner,
        stream_replicas: int = 1,
    ) -> None:
        self._repository = repository
        self._signer = signer
        self._stream_replicas = stream_replicas
        self._connect = connect
        self._interval_s = interval_s
        self._kick = asyncio.Event()
        self._nc: NatsClient | None = None
        self._connecting: asyncio.Task[NatsClient] | None = None
        self._js: JetStreamContext | None = None

    def kick(self) -> None:
        self._kick.set()

    async def _jetstream(self) -> JetStreamContext:
        """The JetStream context, connecting and declaring the stream first if that has not happened."""
        if self._nc is None:
            # The first connect never gives up by itself (nats-py retries forever with reconnects on), so
            # it runs as a task that survives a tick's timeout and is awaited again on the next one.
            if self._connecting is None or _failed(self._connecting):
                self._connecting = asyncio.create_task(self._connect())
            self._nc = await asyncio.wait_for(asyncio.shield(self._connecting), self._interval_s + 5)
            log.info("connected to NATS")
        if self._js is None:
            js = self._nc.jetstream()
            await ensure_stream(js, self._stream_replicas)
            self._js = js
        return self._js

    async def publish_pending(self) -> int:
        js = await self._jetstream()
        published = 0
        while True:
            events = await self._repository.unpublished()
            for event in events:
                try:
                    headers = {
                        "Nats-Msg-Id": event.msg_id,
                        SIGNATURE_HEADER: self._signer.header(event.subject, event.payload),
                    }
                    await js.publish(event.subject, event.payload, timeout=5, headers=headers)
                except Exception:
                    self._js = None  # declare the stream again next time (a new server may not have it)
                    raise
                await self._repository.mark_published(event.id)
                published += 1
            if len(events) < 100:
                return published

    async def run(self) -> None:
        last_prune = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                await self.publish_pending()
                metrics.OUTBOX_PENDING.set(await self._repository.pending_count())
                if loop.time() - last_prune > 3600:
                    await self._repository.prune_published(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
                    last_prune = loop.time()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS or Postgres down: keep the events, try again on the next tick
                log.warning("outbox publish deferred: %r", exc)
            try:
                await asyncio.wait_for(self._kick.wait(), timeout=self._interval_s)
            except TimeoutError:
                pass
            self._kick.clear()

    async def close(self) -> None:
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
        if self._nc is not None and self._nc.is_connected:
            await self._nc.drain()
        elif self._nc is not None:
            await self._nc.close()
