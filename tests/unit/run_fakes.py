"""In-memory stand-ins for the ports of the run lifecycle's use cases (loglens_analysis/use_cases/ports.py).

The fake store keeps the repository's contract: every state change checks the domain's allowed moves (a move the
state machine forbids raises IllegalTransition), writes are fenced by the attempt, and a race lost to another
writer answers False or None. Time does not pass on its own: a test declares a worker dead
(``worker_went_silent``) and lets heartbeats happen one at a time (``FakeClock.tick``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import cast

from loglens_analysis.domain import (
    MERGE_INDEX,
    AnalysisRun,
    ChunkState,
    FailureCode,
    RunChunk,
    RunState,
    StoredLogFile,
    check_chunk_move,
    check_move,
    sources,
)
from loglens_analysis.engine import Progress
from loglens_analysis.quotas import RunUsage
from loglens_analysis.sandbox import EngineLimits, EngineResult, EngineStopped
from loglens_analysis.use_cases.ports import PoisonInput, RunLost

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def log_file(id: str = "f1", owner: str = "alice", size: int = 30, **kw: object) -> StoredLogFile:
    return StoredLogFile(id, owner, "bucket", f"key-{id}", size, False, upload_time=NOW, **kw)  # type: ignore[arg-type]


class InMemoryRuns:
    """The runs' store (RunStore), in memory."""

    def __init__(self) -> None:
        self.log_files: dict[str, StoredLogFile] = {}
        self.tombstones: set[str] = set()
        self.runs: dict[str, AnalysisRun] = {}
        self.requested: set[str] = set()
        self.reports: dict[str, bytes] = {}
        self.silent: set[str] = set()  # runs whose worker stopped heartbeating (stale)
        self.claims_fail = 0  # the next claims raise, as with the database away
        self.heartbeats: list[tuple[str, int, int, bool]] = []
        self.heartbeat_seen = asyncio.Event()
        self._ids = 0
        # Runs analysed in chunks: each step by (run id, index), with its partial result and progress.
        self.chunks: dict[tuple[str, int], RunChunk] = {}
        self.partials: dict[tuple[str, int], bytes] = {}
        self.chunk_progress: dict[tuple[str, int], tuple[int, int]] = {}
        self.silent_chunks: set[tuple[str, int]] = set()  # steps whose worker stopped heartbeating

    # What the tests arrange and look at ----------------------------------------------------------------
    def run(self, run_id: str) -> AnalysisRun:
        return self.runs[run_id]

    def worker_went_silent(self, run_id: str) -> None:
        self.silent.add(run_id)

    def chunk_worker_went_silent(self, run_id: str, index: int) -> None:
        self.silent_chunks.add((run_id, index))

    def steps(self, run_id: str) -> dict[int, ChunkState]:
        return {i: c.state for (r, i), c in sorted(self.chunks.items()) if r == run_id}

    def _drop_chunks(self, run_id: str) -> None:
        for key in [k for k in self.chunks if k[0] == run_id]:
            self.chunks.pop(key)
            self.partials.pop(key, None)
            self.chunk_progress.pop(key, None)

    def forget_log_file(self, log_file_id: str) -> None:
        """A deleted log file: its runs go with it, and a tombstone stays."""
        self.tombstones.add(log_file_id)
        self.log_files.pop(log_file_id, None)
        for run_id in [r.id for r in self.runs.values() if r.log_file_id == log_file_id]:
            del self.runs[run_id]
            self._drop_chunks(run_id)

    async def cancel(self, run_id: str) -> bool:
        return self._move(run_id, RunState.CANCELLED)

    # The one place a run's state changes, as in the repository's transition() --------------------------
    def _move(
        self,
        run_id: str,
        target: RunState,
        *,
        from_states: Collection[RunState] | None = None,
        held: AnalysisRun | None = None,
        **changes: object,
    ) -> bool:
        allowed = set(from_states) if from_states is not None else sources(target)
        for state in allowed:
            check_move(state, target)
        if held is not None:
            check_move(held.state, target)
        run = self.runs.get(run_id)
        if run is None or run.state not in allowed or (held is not None and run.attempts != held.attempts):
            return False
        self.runs[run_id] = replace(run, state=target, **changes)  # type: ignore[arg-type]
        if target is not RunState.RUNNING:  # as the repository: a run's steps end with its attempt
            self._drop_chunks(run_id)
        return True

    # RunStore ------------------------------------------------------------------------------------------
    async def remember_log_file(self, f: StoredLogFile, announced_run_id: str = "") -> bool | AnalysisRun:
        if f.id in self.tombstones:
            return False
        self.log_files.setdefault(f.id, f)
        if not announced_run_id or announced_run_id in self.runs:
            return True
        return self._insert(f, announced_run_id, requested=False)

    async def has_runs(self, log_file_id: str) -> bool:
        return any(r.log_file_id == log_file_id for r in self.runs.values())

    async def create_run(
        self, log_file: StoredLogFile, total: int, check: Callable[[RunUsage], None] | None = None
    ) -> tuple[AnalysisRun, bool]:
        active = [r for r in self.runs.values() if r.log_file_id == log_file.id and r.state.active]
        if active:
            return active[0], True
        if check is not None:
            check(self._usage(log_file.owner))
        self._ids += 1
        return self._insert(log_file, f"run{self._ids}", requested=check is not None), False

    def _insert(self, f: StoredLogFile, run_id: str, requested: bool) -> AnalysisRun:
        run = AnalysisRun(
            run_id, f.id, f.owner, RunState.QUEUED, NOW, None, None, 0, f.size_bytes, 0, "", None, "", 0, None
        )
        self.runs[run_id] = run
        if requested:
            self.requested.add(run_id)
        return run

    def _usage(self, owner: str) -> RunUsage:
        mine = [r for r in self.runs.values() if r.owner == owner]
        requested = [r for r in mine if r.id in self.requested]
        return RunUsage(
            active_runs=sum(r.state.active for r in mine),
            requested_last_hour=len(requested),
            oldest_requested=min((r.create_time for r in requested), default=None),
            now=NOW,
        )

    async def log_file(self, owner: str, log_file_id: str) -> StoredLogFile | None:
        f = self.log_files.get(log_file_id)
        return f if f is not None and f.owner == owner else None

    async def claim(self, run_id: str, stale_after_s: float, engine_version: str) -> AnalysisRun | None:
        if self.claims_fail:
            self.claims_fail -= 1
            raise ConnectionError("the database is away")
        if run_id in self.silent:  # its worker is presumed dead: the attempt is given back first
            self.silent.discard(run_id)
            self._move(run_id, RunState.QUEUED, from_states=(RunState.RUNNING,))
        run = self.runs.get(run_id)
        attempts = run.attempts + 1 if run is not None else 0
        if not self._move(
            run_id,
            RunState.RUNNING,
            from_states=(RunState.QUEUED,),
            attempts=attempts,
            bytes_done=0,
            lines_done=0,
            engine_version=engine_version,
            start_time=NOW,
        ):
            return None
        return self.runs[run_id]

    async def heartbeat(self, run: AnalysisRun, bytes_done: int, lines_done: int) -> bool:
        current = self.runs.get(run.id)
        mine = current is not None and current.state is RunState.RUNNING and current.attempts == run.attempts
        if mine:
            self.runs[run.id] = replace(current, bytes_done=bytes_done, lines_done=lines_done)  # type: ignore[arg-type]
        self.heartbeats.append((run.id, bytes_done, lines_done, mine))
        self.heartbeat_seen.set()
        return mine

    async def succeed(
        self,
        run: AnalysisRun,
        report: bytes,
        bytes_done: int,
        lines_done: int,
        service: str = "",
        max_patterns: int = 0,
    ) -> bool:
        moved = self._move(
            run.id,
            RunState.SUCCEEDED,
            from_states=(RunState.RUNNING,),
            held=run,
            bytes_done=bytes_done,
            lines_done=lines_done,
            finish_time=NOW,
        )
        if moved:
            self.reports[run.id] = report
        return moved

    async def fail(self, run: AnalysisRun, reason: str, code: FailureCode) -> bool:
        return self._move(run.id, RunState.FAILED, held=run, failure_reason=reason, failure_code=code, finish_time=NOW)

    async def release(self, run: AnalysisRun) -> None:
        self._move(run.id, RunState.QUEUED, from_states=(RunState.RUNNING,), held=run)

    # ChunkStore ----------------------------------------------------------------------------------------
    def _running(self, run_id: str, attempt: int) -> AnalysisRun | None:
        run = self.runs.get(run_id)
        return run if run is not None and run.state is RunState.RUNNING and run.attempts == attempt else None

    def _move_chunk(
        self, key: tuple[str, int], target: ChunkState, from_states: set[ChunkState], **changes: object
    ) -> bool:
        for state in from_states:
            check_chunk_move(state, target)
        chunk = self.chunks.get(key)
        if chunk is None or chunk.state not in from_states:
            return False
        self.chunks[key] = replace(chunk, state=target, **changes)  # type: ignore[arg-type]
        return True

    def _mine(self, run: AnalysisRun, chunk: RunChunk) -> bool:
        current = self.chunks.get((chunk.run_id, chunk.index))
        return (
            self._running(run.id, chunk.run_attempt) is not None
            and current is not None
            and current.state is ChunkState.RUNNING
            and current.attempts == chunk.attempts
            and current.run_attempt == chunk.run_attempt
        )

    def _sum_progress(self, run_id: str) -> None:
        done = [p for (r, i), p in self.chunk_progress.items() if r == run_id and i != MERGE_INDEX]
        run = self.runs[run_id]
        self.runs[run_id] = replace(run, bytes_done=sum(b for b, _ in done), lines_done=sum(n for _, n in done))

    async def start_chunks(self, run: AnalysisRun, ranges: list[tuple[int, int]], size: int) -> list[RunChunk] | None:
        if self._running(run.id, run.attempts) is None:
            return None
        self._drop_chunks(run.id)
        steps = [(i, start, end) for i, (start, end) in enumerate(ranges)] + [(MERGE_INDEX, 0, size)]
        for index, start, end in steps:
            self.chunks[(run.id, index)] = RunChunk(
                run.id, index, run.attempts, start, end, index == MERGE_INDEX, ChunkState.QUEUED, 0
            )
        return [self.chunks[(run.id, i)] for i, _, _ in steps]

    async def claim_chunk(
        self, run_id: str, run_attempt: int, index: int, stale_after_s: float
    ) -> tuple[AnalysisRun, RunChunk] | None:
        run = self._running(run_id, run_attempt)
        chunk = self.chunks.get((run_id, index))
        if run is None or chunk is None or chunk.run_attempt != run_attempt:
            return None
        if chunk.merge and any(
            c.state is not ChunkState.DONE for (r, i), c in self.chunks.items() if r == run_id and i != MERGE_INDEX
        ):
            return None
        if (run_id, index) in self.silent_chunks:
            self.silent_chunks.discard((run_id, index))
            self._move_chunk((run_id, index), ChunkState.QUEUED, {ChunkState.RUNNING})
        if not self._move_chunk((run_id, index), ChunkState.RUNNING, {ChunkState.QUEUED}, attempts=chunk.attempts + 1):
            return None
        return run, self.chunks[(run_id, index)]

    async def chunk_heartbeat(self, run: AnalysisRun, chunk: RunChunk, bytes_done: int, lines_done: int) -> bool:
        mine = self._mine(run, chunk)
        if mine:
            self.chunk_progress[(chunk.run_id, chunk.index)] = (bytes_done, lines_done)
            self._sum_progress(run.id)
        self.heartbeats.append((f"{run.id}/{chunk.index}", bytes_done, lines_done, mine))
        self.heartbeat_seen.set()
        return mine

    async def finish_chunk(
        self, run: AnalysisRun, chunk: RunChunk, partial: bytes, bytes_done: int, lines_done: int
    ) -> bool | None:
        if not self._mine(run, chunk):
            return None
        key = (chunk.run_id, chunk.index)
        self._move_chunk(key, ChunkState.DONE, {ChunkState.RUNNING})
        self.partials[key] = partial
        self.chunk_progress[key] = (bytes_done, lines_done)
        self._sum_progress(run.id)
        return all(c.state is ChunkState.DONE for (r, i), c in self.chunks.items() if r == run.id and i != MERGE_INDEX)

    async def release_chunk(self, chunk: RunChunk) -> None:
        current = self.chunks.get((chunk.run_id, chunk.index))
        if current is not None and current.attempts == chunk.attempts:
            self._move_chunk((chunk.run_id, chunk.index), ChunkState.QUEUED, {ChunkState.RUNNING})

    async def chunk_count(self, run: AnalysisRun) -> int:
        return sum(1 for (r, i) in self.chunks if r == run.id and i != MERGE_INDEX)

    async def partial(self, run: AnalysisRun, index: int) -> bytes | None:
        if self._running(run.id, run.attempts) is None:
            return None
        return self.partials.get((run.id, index))


@dataclass
class RecordingMessages:
    """The work queue (RunMessages): what was published. ``down``: NATS is away, nothing is published."""

    published: list[tuple[str, str, int]] = field(default_factory=list)
    down: bool = False

    chunks: list[tuple[str, int, int]] = field(default_factory=list)  # (run id, run attempt, step index)

    async def publish(self, run_name: str, run_id: str, generation: int = 0) -> bool:
        if self.down:
            return False
        self.published.append((run_name, run_id, generation))
        return True

    async def publish_chunk(
        self, run_name: str, run_id: str, run_attempt: int, index: int, generation: int = 0
    ) -> bool:
        if self.down:
            return False
        self.chunks.append((run_id, run_attempt, index))
        return True


class InMemoryObjects:
    """Stored objects (ObjectReader): each file's bytes under its key, read in chunks of ``chunk`` bytes."""

    def __init__(self, chunk: int = 10) -> None:
        self.data: dict[str, bytes] = {}
        self.chunk = chunk

    def chunks(self, log_file: StoredLogFile, stop: threading.Event) -> Iterator[bytes]:
        return self.chunks_from(log_file, 0, stop)

    def head(self, log_file: StoredLogFile, length: int) -> bytes:
        return self._data(log_file)[:length]

    def _data(self, log_file: StoredLogFile) -> bytes:
        if log_file.object_key not in self.data:
            raise PoisonInput(f"the stored object of logFiles/{log_file.id} is missing", FailureCode.OBJECT_MISSING)
        return self.data[log_file.object_key]

    def chunks_from(self, log_file: StoredLogFile, offset: int, stop: threading.Event) -> Iterator[bytes]:
        data = self._data(log_file)[offset:]
        for start in range(0, len(data), self.chunk):
            if stop.is_set():
                raise RunLost("stopped")
            yield data[start : start + self.chunk]


class FakeEngine:
    """The engine (EngineRunner): counts lines, reports progress after each chunk, and answers a report naming
    the lines. With ``hold`` it waits, once the input is read, until the test lets it finish (``finish``)
    or fail (``finish(raising=...)``); a stop set meanwhile ends it with EngineStopped, as in the sandbox."""

    def __init__(self, hold: bool = False) -> None:
        self.hold = hold
        self.merged: list[bytes] = []
        self.input_read = asyncio.Event()
        self._go = asyncio.Event()
        self._raising: BaseException | None = None
        self.calls: list[tuple[EngineLimits, Mapping[str, object]]] = []
        self.stop: threading.Event | None = None

    def finish(self, raising: BaseException | None = None) -> None:
        self._raising = raising
        self._go.set()

    async def analyze(
        self,
        chunks: Iterator[bytes],
        limits: EngineLimits,
        options: Mapping[str, object],
        progress: Callable[[Progress], None],
        stop: threading.Event,
    ) -> EngineResult:
        self.calls.append((limits, options))
        self.stop = stop
        read = lines = 0
        for chunk in chunks:
            read += len(chunk)
            lines += chunk.count(b"\n")
            progress(Progress(read, lines))
        self.input_read.set()
        if self.hold:
            await self._go.wait()
        if stop.is_set():
            raise EngineStopped("stopped")
        if self._raising is not None:
            raise self._raising
        return EngineResult(f"report of {lines} lines".encode(), lines)

    async def analyze_chunk(
        self,
        chunks: Iterator[bytes],
        limits: EngineLimits,
        options: Mapping[str, object],
        progress: Callable[[Progress], None],
        stop: threading.Event,
    ) -> EngineResult:
        """A chunk's 'partial result': its own lines (those starting in [start, end)), read as the contract says
        (the head first, then the file from one byte before the chunk)."""
        index, start, end = cast(tuple[int, int, int], options["plan"])
        pieces = iter(chunks)
        next(pieces)  # the head
        read_from = max(0, start - 1)
        data = b"".join(pieces)
        lines, pos = [], read_from
        for line in data.splitlines(keepends=True):
            if start <= pos < end:  # a line that starts in the chunk (the first piece starts before it)
                lines.append(line)
            pos += len(line)
        body = b"".join(lines)
        result = await self.analyze(iter([body]), limits, options, progress, stop)
        return EngineResult(f"{index}:".encode() + body, result.lines)

    async def merge(
        self,
        partials: Iterator[bytes],
        limits: EngineLimits,
        options: Mapping[str, object],
        progress: Callable[[Progress], None],
        stop: threading.Event,
    ) -> EngineResult:
        self.merged = await asyncio.to_thread(list, partials)  # read from a thread, as the sandbox's feeder does
        body = b"".join(p.partition(b":")[2] for p in self.merged)
        if stop.is_set():
            raise EngineStopped("stopped")
        lines = body.count(b"\n")
        return EngineResult(b"report of %d lines: " % lines + body, lines)


class FakeClock:
    """Time that passes only when the test says so: each ``tick`` ends one sleep."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self._ticks: asyncio.Queue[None] = asyncio.Queue()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await self._ticks.get()

    def tick(self) -> None:
        self._ticks.put_nowait(None)


@dataclass
class FakeDelivery:
    delivered: int = 1
    keep_alives: int = 0

    async def keep_alive(self) -> None:
        self.keep_alives += 1
