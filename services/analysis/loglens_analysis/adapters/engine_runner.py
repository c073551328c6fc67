"""The engine as the run-execution use case runs it: in a child process within bounds (sandbox.py), waited on
from a thread, so that whatever the input this process's API, heartbeats and health check stay responsive."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator, Mapping

from loglens_analysis.engine import Progress
from loglens_analysis.sandbox import EngineLimits, EngineResult, analyze_in_child, start_forkserver


class SandboxedEngine:
    async def start(self) -> None:
        """Start the forkserver now, once per process: the first run need not wait for it."""
        await asyncio.to_thread(start_forkserver)

    async def analyze(
        self,
        chunks: Iterator[bytes],
        limits: EngineLimits,
        options: Mapping[str, object],
        progress: Callable[[Progress], None],
        stop: threading.Event,
    ) -> EngineResult:
        return await asyncio.to_thread(analyze_in_child, chunks, limits, progress=progress, stop=stop, options=options)
