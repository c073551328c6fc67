"""Keeps an optional, heavy import out of the back-end services.

nats-py imports aiohttp, when it is installed, for its websocket transport (``ws://`` URLs), which LogLens
does not use; aiohttp is installed for the gateway's REST bridge. In ingest and analysis that import alone
costs about 14 MiB of resident memory per process, a tenth of ingest's 150 MiB budget. Their composition
roots call :func:`block_aiohttp` before anything imports nats; nats-py then sees aiohttp as absent.
"""

from __future__ import annotations

import sys


def block_aiohttp() -> None:
    if "aiohttp" not in sys.modules:
        sys.modules["aiohttp"] = None  # type: ignore[assignment]  # importing it now raises ImportError
