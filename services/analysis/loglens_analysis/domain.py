"""Analysis-run rules: the states, which transitions are allowed, what a caller may see. No I/O."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from loglens_common.errors import FailedPrecondition


class RunState(enum.StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def active(self) -> bool:
        return self in (RunState.QUEUED, RunState.RUNNING)

    @property
    def terminal(self) -> bool:
        return not self.active


ALLOWED = {
    RunState.QUEUED: {RunState.RUNNING, RunState.CANCELLED, RunState.FAILED},
    RunState.RUNNING: {RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED, RunState.QUEUED},
    RunState.SUCCEEDED: set(),
    RunState.FAILED: set(),
    RunState.CANCELLED: set(),
}


class FailureCode(enum.StrEnum):
    """Why a run FAILED, for programs (``failure_reason`` says it for people). Each is final: not retried."""

    INPUT_REFUSED = "INPUT_REFUSED"  # the engine refused the input: corrupt gzip, a gzip bomb, not a log
    OBJECT_MISSING = "OBJECT_MISSING"  # the stored object is gone
    ENGINE_TIME_LIMIT = "ENGINE_TIME_LIMIT"  # over the CPU-time or wall-clock bound for a file of its size
    ENGINE_MEMORY_LIMIT = "ENGINE_MEMORY_LIMIT"  # over the engine's memory bound
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"  # transient failures (or crashes) up to the delivery bound


def can_move(current: RunState, target: RunState) -> bool:
    return target in ALLOWED[current]


def sources(target: RunState) -> frozenset[RunState]:
    """The states a run may leave for ``target``."""
    return frozenset(state for state in RunState if can_move(state, target))


class IllegalTransition(FailedPrecondition):
    """A move the state machine does not allow (a finished run never changes again). Raised before anything is
    written: it is a caller asking for the impossible, not a race lost to another writer."""

    def __init__(self, current: RunState, target: RunState) -> None:
        super().__init__(
            f"an analysis run cannot move from {current.value} to {target.value}"
            + (f": {current.value} is final" if current.terminal else ""),
            reason="ILLEGAL_RUN_TRANSITION",
            metadata={"state": current.value, "target": target.value},
        )
        self.current = current
        self.target = target


def check_move(current: RunState, target: RunState) -> None:
    """Raise IllegalTransition unless a run in ``current`` may move to ``target``."""
    if not can_move(current, target):
        raise IllegalTransition(current, target)


class ChunkState(enum.StrEnum):
    """A step of a run analysed in chunks: one chunk's analysis, or the final merge of their partial results.

    A step is claimed (QUEUED -> RUNNING, a new attempt), given back after a transient failure or a stall
    (RUNNING -> QUEUED), or DONE once its result is stored. A step never fails on its own: a chunk that fails
    for good FAILS its run, and a run that leaves RUNNING takes its steps (and their partial results) with it.
    """

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"


CHUNK_ALLOWED = {
    ChunkState.QUEUED: {ChunkState.RUNNING},
    ChunkState.RUNNING: {ChunkState.DONE, ChunkState.QUEUED},
    ChunkState.DONE: set(),
}


def can_move_chunk(current: ChunkState, target: ChunkState) -> bool:
    return target in CHUNK_ALLOWED[current]


def check_chunk_move(current: ChunkState, target: ChunkState) -> None:
    """Raise ValueError unless a run's step in ``current`` may move to ``target`` (a programming error: steps
    are moved by the worker only, never on a caller's request)."""
    if not can_move_chunk(current, target):
        raise ValueError(f"a run's chunk cannot move from {current.value} to {target.value}")


MERGE_INDEX = -1  # the merge step's index: known to every worker without asking how many chunks a run has


@dataclass(frozen=True)
class RunChunk:
    """One step of a run analysed in chunks: chunk ``index`` covers the file's bytes ``[start, end)``; the merge
    step (``merge``) has index MERGE_INDEX and covers the whole file. ``run_attempt`` is the
    run's attempt that planned it (a later attempt of the run fences it out), ``attempts`` its own claims."""

    run_id: str
    index: int
    run_attempt: int
    start: int
    end: int
    merge: bool
    state: ChunkState
    attempts: int


@dataclass
class AnalysisRun:
    id: str
    log_file_id: str
    owner: str
    state: RunState
    create_time: dt.datetime
    start_time: dt.datetime | None
    finish_time: dt.datetime | None
    bytes_done: int
    bytes_total: int
    lines_done: int
    failure_reason: str
    failure_code: FailureCode | None
    engine_version: str
    attempts: int
    heartbeat_time: dt.datetime | None


@dataclass
class StoredLogFile:
    """What analysis knows of a log file, from ingest's ``stored`` event."""

    id: str
    owner: str
    bucket: str
    object_key: str
    size_bytes: int
    gzip: bool
    # The upload's time hints, for the engine: an IANA zone for times without an offset ("" for none), a year
    # for times without one (None for none), and the upload time, the reference for year-less times (the
    # event's create_time; the default stands in only where an event has none to give).
    time_zone: str = ""
    year: int | None = None
    upload_time: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    service: str = ""  # the log file's service ("" for none): its runs feed that service's pattern registry


def backoff_s(first: float, delivery: int, ceiling: float = 60.0) -> float:
    """Exponential backoff for the n-th delivery (1-based)."""
    return float(min(ceiling, first * 2 ** max(0, delivery - 1)))
