"""The command line of every service: ``python -m loglens_<service> [serve|migrate]``."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from loglens_common.config import ServiceSettings, load_settings, secret_values
from loglens_common.db import migrate
from loglens_common.logs import configure_logging
from loglens_common.redaction import register_secrets

S = TypeVar("S", bound=ServiceSettings)


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` on uvloop's event loop (libuv), or asyncio's own where uvloop is not installed (Windows).

    Every call through the gateway crosses two event loops and the client's: uvloop's scheduling, timers and
    socket waits cost less (make bench-api, interleaved runs: 5-10% less CPU per call in gateway and ingest)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - a dependency everywhere but Windows
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def run_service(
    name: str,
    settings_class: type[S],
    serve: Callable[[S], Coroutine[Any, Any, None]],
    migrations: Path,
    schema: str,
    before_serve: Callable[[], None] | None = None,
) -> None:
    """Read and validate the settings (or stop naming the bad variable), then serve or migrate."""
    settings = load_settings(settings_class)
    register_secrets(secret_values(settings))  # masked in every log line from here on
    configure_logging(name, settings.log_level)
    command = sys.argv[1] if len(sys.argv) > 1 else "serve"
    if command == "migrate":
        migrate(getattr(settings, "database_url"), migrations, schema)  # noqa: B009 - every migrating service has it
    elif command == "serve":
        if before_serve is not None:
            before_serve()
        run_loop(serve(settings))
    else:
        raise SystemExit(f"usage: python -m loglens_{name} [serve|migrate], not {command!r}")
