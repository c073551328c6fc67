"""Client streams: telling a finished stream from a cancelled one, and refusing one without losing the status.

grpc aio ends a request stream the same way for a client's last message and for its cancel (both read as
EOF); the cancellation itself reaches the handler a moment later. Whoever is about to treat EOF as "the
client sent everything" (ingest completing an upload, the gateway half-closing its call to ingest) waits
that moment first, so a cancelled, truncated stream is never taken for a whole file.

A server that ends a client stream while the client still writes loses its status to grpc's local
INTERNAL "Internal error from Core" on the client (grpc/grpc issue 36066; in the aio client a failed write
overwrites the status that already arrived). So whoever refuses a stream early (a server, the gateway
relaying a refusal) first reads what the client is still sending and drops it, within bounds: up to the
client's end, DRAIN_MAX_MESSAGES messages, DRAIN_MAX_S in all, or a pause of DRAIN_QUIET_S (a client that
has stopped sending, an idle upload, is answered then, not at its deadline).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc

CANCEL_SETTLE_S = 0.02
DRAIN_MAX_MESSAGES = 32
DRAIN_MAX_S = 2.0
DRAIN_QUIET_S = 0.5


async def raise_if_cancelled_at_end(context: grpc.aio.ServicerContext[Any, Any]) -> None:
    await asyncio.sleep(CANCEL_SETTLE_S)
    if context.cancelled():
        raise asyncio.CancelledError


async def next_message(messages: AsyncIterator[Any]) -> Any | None:
    """The client's next message, or None at the end of its stream."""
    try:
        return await anext(messages)
    except StopAsyncIteration:
        return None


async def drop_rest(messages: AsyncIterator[Any], pending: asyncio.Future[Any] | None = None) -> None:
    """Read and drop what the client still sends, within the bounds above; ``pending`` is a read under way."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_MAX_S
    for _ in range(DRAIN_MAX_MESSAGES):
        read = pending if pending is not None else asyncio.ensure_future(next_message(messages))
        pending = None
        done, _ = await asyncio.wait((read,), timeout=max(0.0, min(DRAIN_QUIET_S, deadline - loop.time())))
        if not done:
            read.cancel()
            await asyncio.gather(read, return_exceptions=True)
            return
        if read.exception() is not None or read.result() is None:  # the stream broke, or ended
            return
