"""The engine as the run-execution use cases run it: in a child process within bounds (sandbox.py), waited on
from a thread, so that whatever the input this process's API, heartbeats and health check stay responsive."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator, Mapping

from loglens_analysis.engine import Progress
from loglens_analysis.sandbox import (
    EngineLimits,
    EngineResult,
    Entry,
    analyze_chunk_to_bytes,
    analyze_in_child,
    analyze_to_bytes,
    merge_to_bytes,
    start_forkserver,
)


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
        return await self._run(analyze_to_bytes, chunks, limits, options, progress, stop)

    async def analyze_chunk(
        self,
        chunks: Iterator[bytes],
        limits: EngineLimits,
        options: Mapping[str, object],
        progress: Callable[[Progress], None],
        stop: threading.Event,
    ) -> EngineResult:
        return await self._run(analyze_chunk_to_bytes, chunks, limits, options, progress, stop)

    async def merge(
        self,
        partials: Iterator[bytes],
        limits: EngineLimits,
        options: Mapping[str, object],
        progress: Callable[[Progress], None],
        stop: threading.Event,
    ) -> EngineResult:
        return await self._run(merge_to_bytes, partials, limits, options, progress, stop)

    @staticmethod
    async def _run(
        entry: Entry,
        chunks: Iterator[bytes],
        limits: EngineLimits,
        options: Mapping[str, object],
        progress: Callable[[Progress], None],
        stop: threading.Event,
    ) -> EngineResult:
        return await asyncio.to_thread(
            analyze_in_child, chunks, limits, progress=progress, stop=stop, options=options, entry=entry
        )
