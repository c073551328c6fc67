"""Keeps an optional, heavy import out of the back-end services.

nats-py imports aiohttp, when it is installed, for its websocket transport (``ws://`` URLs), which LogLens
does not use; aiohttp is installed for the gateway's REST bridge. In ingest and analysis that import alone
costs about 14 MiB of resident memory per process, a tenth of ingest's 150 MiB budget. Their composition
roots call :func:`import_nats_without_aiohttp` before anything imports nats; nats-py then sees aiohttp as
absent, and aiohttp stays importable for anything else in the process.
"""

from __future__ import annotations

import importlib
import sys


def import_nats_without_aiohttp() -> None:
    if "nats" in sys.modules or "aiohttp" in sys.modules:
        return
    sys.modules["aiohttp"] = None  # type: ignore[assignment]  # importing it now raises ImportError
    try:
        importlib.import_module("nats")
    finally:
        del sys.modules["aiohttp"]
