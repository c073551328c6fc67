"""Client streams: telling a finished stream from a cancelled one.

grpc aio ends a request stream the same way for a client's last message and for its cancel (both read as
EOF); the cancellation itself reaches the handler a moment later. Whoever is about to treat EOF as "the
client sent everything" (ingest completing an upload, the gateway half-closing its call to ingest) waits
that moment first, so a cancelled, truncated stream is never taken for a whole file.
"""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

CANCEL_SETTLE_S = 0.02


async def raise_if_cancelled_at_end(context: grpc.aio.ServicerContext[Any, Any]) -> None:
    await asyncio.sleep(CANCEL_SETTLE_S)
    if context.cancelled():
        raise asyncio.CancelledError
