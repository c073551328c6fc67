"""The run lifecycle's rules with fakes (tests/unit/run_fakes.py): moves the state machine forbids are refused,
queueing a run is idempotent and within quotas, and a run's execution ends as it must on success, poison input,
transient failures, cancellation, a lost fence and shutdown, recording progress on the way.

The same paths on real servers: tests/integration/test_runs.py, tests/integration/test_run_transitions.py and
the chaos suite (killed workers, outages, engine limits).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from loglens_analysis.adapters.repository import RunRepository, runs
from loglens_analysis.domain import (
    FailureCode,
    IllegalTransition,
    RunState,
    backoff_s,
    can_move,
    check_move,
)
from loglens_analysis.quotas import RUNS_PER_HOUR, RunAdmission, RunQuotas
from loglens_analysis.sandbox import EngineCrashed, EngineFailure
from loglens_analysis.use_cases.execute_run import (
    ACK,
    TERM,
    EngineBounds,
    ExecuteRun,
    ExecutionPolicy,
    Outcome,
    Settle,
)
from loglens_analysis.use_cases.queue_run import QueueRun
from loglens_common.errors import FailedPrecondition, ResourceExhausted
from tests.unit.run_fakes import (
    FakeClock,
    FakeDelivery,
    FakeEngine,
    InMemoryObjects,
    InMemoryRuns,
    RecordingMessages,
    log_file,
)
from tests.unit.test_run_resend_outbox import QueuedRuns  # the store with the record of acknowledged messages

FORBIDDEN = [(a, b) for a in RunState for b in RunState if not can_move(a, b)]
POLICY = ExecutionPolicy(
    stale_after_s=20, max_deliveries=3, retry_backoff_s=2, heartbeat_s=5, registry_max_patterns=100, engine_version="v"
)
BOUNDS = EngineBounds(
    cpu_base_s=60,
    min_bytes_per_s=1 << 20,
    memory_limit_mib=512,
    max_decompressed_bytes=1 << 30,
    max_gzip_ratio=100,
    gzip_ratio_grace_bytes=1 << 20,
)
CONTENT = b"line one\nline two\nline three\n"  # 29 bytes, 3 lines


# Moves --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("current", "target"), FORBIDDEN, ids=[f"{a}->{b}" for a, b in FORBIDDEN])
def test_a_forbidden_move_is_a_clear_domain_error(current: RunState, target: RunState) -> None:
    with pytest.raises(IllegalTransition) as refused:
        check_move(current, target)
    assert isinstance(refused.value, FailedPrecondition)  # FAILED_PRECONDITION should it ever reach a caller
    assert refused.value.reason == "ILLEGAL_RUN_TRANSITION"
    assert dict(refused.value.metadata) == {"state": current.value, "target": target.value}
    assert f"from {current.value} to {target.value}" in str(refused.value)


class _NoDatabase:
    """An engine that fails any use: a refused move must not get as far as a connection."""

    def execution_options(self, **_: object) -> _NoDatabase:
        return self

    def begin(self) -> object:
        raise AssertionError("a forbidden move reached the database")

    def connect(self) -> object:
        raise AssertionError("a forbidden move reached the database")


async def test_the_repository_refuses_a_forbidden_move_before_writing() -> None:
    repository = RunRepository(_NoDatabase())  # type: ignore[arg-type]
    # From a state that can never move there.
    with pytest.raises(IllegalTransition, match="from SUCCEEDED to RUNNING: SUCCEEDED is final"):
        await repository.transition(RunState.RUNNING, where=runs.c.id == "r", from_states=(RunState.SUCCEEDED,))
    with pytest.raises(IllegalTransition, match="from QUEUED to SUCCEEDED"):
        await repository.transition(RunState.SUCCEEDED, where=runs.c.id == "r", from_states=(RunState.QUEUED,))
    # A run held in a final state: storing a report, failing or giving it back is refused.
    store = InMemoryRuns()
    queued = await store.remember_log_file(log_file(), "r1")
    assert not isinstance(queued, bool)
    for final in (RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED):
        held = replace(queued, state=final)
        with pytest.raises(IllegalTransition):
            await repository.succeed(held, b"report", 1, 1)
        with pytest.raises(IllegalTransition):
            await repository.fail(held, "reason", FailureCode.INPUT_REFUSED)
        with pytest.raises(IllegalTransition):
            await repository.release(held)


async def test_the_fake_store_keeps_the_same_contract() -> None:
    """What the use-case tests below rely on: finished runs never move, lost races answer False."""
    store = InMemoryRuns()
    await store.remember_log_file(log_file(), "r1")
    run = await store.claim("r1", 20, "v")
    assert run is not None and run.state is RunState.RUNNING and run.attempts == 1
    assert await store.cancel("r1")
    assert not await store.succeed(run, b"late", 29, 3)  # cancelled meanwhile: a lost race, not an error
    assert store.run("r1").state is RunState.CANCELLED and "r1" not in store.reports
    with pytest.raises(IllegalTransition):
        await store.release(store.run("r1"))


# Queueing -----------------------------------------------------------------------------------------------------
async def test_a_requested_run_is_queued_once_while_it_is_active() -> None:
    store, messages = QueuedRuns(), RecordingMessages()
    queue = QueueRun(store, messages)
    store.log_files["f1"] = f = log_file()
    admit = RunAdmission(RunQuotas(concurrent_runs=4, runs_per_hour=30, watch_streams=8))

    run, existed = await queue.requested(f, lambda usage: admit.admit("alice", usage))
    again, existed_again = await queue.requested(f, lambda usage: admit.admit("alice", usage))

    assert (existed, existed_again) == (False, True)
    assert again.id == run.id and run.state is RunState.QUEUED and run.bytes_total == f.size_bytes
    assert messages.published == [(f"logFiles/f1/analysisRuns/{run.id}", run.id, 0)]
    # Once it has finished, asking again queues a new one.
    store._move(run.id, RunState.CANCELLED)
    third, existed_third = await queue.requested(f, lambda usage: admit.admit("alice", usage))
    assert not existed_third and third.id != run.id
    assert [p[1] for p in messages.published] == [run.id, third.id]


async def test_a_requested_run_over_the_quota_is_refused_and_nothing_is_queued() -> None:
    store, messages = QueuedRuns(), RecordingMessages()
    queue = QueueRun(store, messages)
    admit = RunAdmission(RunQuotas(concurrent_runs=4, runs_per_hour=2, watch_streams=8))
    files = [log_file(f"f{i}") for i in range(3)]
    for f in files[:2]:
        run, _ = await queue.requested(f, lambda usage: admit.admit("alice", usage))
        store._move(run.id, RunState.CANCELLED)  # finished: only the hourly count holds the next one back

    with pytest.raises(ResourceExhausted) as refused:
        await queue.requested(files[2], lambda usage: admit.admit("alice", usage))

    assert refused.value.reason == "QUOTA_EXCEEDED" and refused.value.metadata["quota"] == RUNS_PER_HOUR
    assert not await store.has_runs("f2") and len(messages.published) == 2
    # An upload's own run is part of the upload (ingest admitted it): the hourly quota does not apply.
    assert await queue.uploaded(files[2], analyze=True, announced_run_id="up1")
    assert store.run("up1").state is RunState.QUEUED and messages.published[-1][1] == "up1"


async def test_an_uploaded_file_queues_its_announced_run_once_however_often_the_event_comes() -> None:
    store, messages = QueuedRuns(), RecordingMessages()
    queue = QueueRun(store, messages)
    f = log_file()
    assert await queue.uploaded(f, analyze=True, announced_run_id="r1")
    assert await queue.uploaded(f, analyze=True, announced_run_id="r1")  # redelivered
    assert list(store.runs) == ["r1"] and messages.published == [("logFiles/f1/analysisRuns/r1", "r1", 0)]


async def test_an_older_ingests_event_queues_the_files_first_run_only() -> None:
    store, messages = QueuedRuns(), RecordingMessages()
    queue = QueueRun(store, messages)
    f = log_file()
    assert await queue.uploaded(f, analyze=True)
    (first,) = store.runs.values()
    store._move(first.id, RunState.CANCELLED)
    assert await queue.uploaded(f, analyze=True)  # redelivered after the first run ended: no second analysis
    assert list(store.runs) == [first.id] and [p[1] for p in messages.published] == [first.id]


async def test_an_upload_without_analysis_records_the_file_and_queues_nothing() -> None:
    store, messages = QueuedRuns(), RecordingMessages()
    assert await QueueRun(store, messages).uploaded(log_file(), analyze=False, announced_run_id="r1")
    assert "f1" in store.log_files and not store.runs and not messages.published


async def test_a_deleted_files_late_event_brings_nothing_back() -> None:
    store, messages = QueuedRuns(), RecordingMessages()
    store.forget_log_file("f1")
    assert not await QueueRun(store, messages).uploaded(log_file(), analyze=True, announced_run_id="r1")
    assert not store.log_files and not store.runs and not messages.published


async def test_a_run_whose_message_cannot_be_sent_stays_queued_for_the_reconciler() -> None:
    store, messages = QueuedRuns(), RecordingMessages(down=True)
    queue = QueueRun(store, messages)
    assert await queue.uploaded(log_file(), analyze=True, announced_run_id="r1")
    assert store.run("r1").state is RunState.QUEUED and not messages.published
    messages.down = False
    assert await queue.publish(store.run("r1"), generation=1)  # the reconciler's copy
    assert messages.published == [("logFiles/f1/analysisRuns/r1", "r1", 1)]
    assert store.acknowledged == [("r1", 1)], "the outbox's mark: only the acknowledged copy"


# Execution ----------------------------------------------------------------------------------------------------
class Setup:
    def __init__(self, hold: bool = False, content: bytes | None = CONTENT, **file: object) -> None:
        self.store, self.objects, self.engine, self.clock = (
            InMemoryRuns(),
            InMemoryObjects(),
            FakeEngine(hold),
            FakeClock(),
        )
        self.file = log_file(size=len(content or b""), **file)
        if content is not None:
            self.objects.data[self.file.object_key] = content
        self.execution = ExecuteRun(self.store, self.objects, self.engine, POLICY, BOUNDS, self.clock)

    async def queued(self, run_id: str = "r1") -> str:
        await self.store.remember_log_file(self.file, run_id)
        return run_id

    async def claimed(self, run_id: str = "r1", delivered: int = 1) -> object:
        return await self.execution.claim(await self.queued(run_id), delivered)


async def test_a_run_succeeds_with_its_report_and_its_whole_size_as_progress() -> None:
    s = Setup(service="orders")
    run = await s.claimed()
    assert not isinstance(run, Outcome) and run.state is RunState.RUNNING and run.engine_version == "v"

    outcome = await s.execution.execute(run, FakeDelivery())

    assert outcome == ACK
    done = s.store.run("r1")
    assert (done.state, done.bytes_done, done.lines_done) == (RunState.SUCCEEDED, len(CONTENT), 3)
    assert s.store.reports["r1"] == b"report of 3 lines"
    limits, options = s.engine.calls[0]
    assert limits == BOUNDS.limits(s.file) and options == BOUNDS.options(s.file)
    assert s.engine.stop is not None and s.engine.stop.is_set()  # nothing keeps reading after the run


async def test_progress_is_recorded_at_each_heartbeat_and_keeps_the_message_alive() -> None:
    s = Setup(hold=True)
    run = await s.claimed()
    delivery = FakeDelivery()
    assert not isinstance(run, Outcome)
    work = asyncio.create_task(s.execution.execute(run, delivery))
    await s.engine.input_read.wait()  # the engine has read the whole file and reported it

    s.clock.tick()
    await s.store.heartbeat_seen.wait()

    assert s.store.heartbeats == [("r1", len(CONTENT), 3, True)] and delivery.keep_alives == 1
    assert (s.store.run("r1").bytes_done, s.store.run("r1").lines_done) == (len(CONTENT), 3)
    assert s.clock.slept[0] == POLICY.heartbeat_s
    s.engine.finish()
    assert await work == ACK and s.store.run("r1").state is RunState.SUCCEEDED


async def test_a_run_cancelled_while_it_runs_stops_at_the_next_heartbeat_and_records_nothing() -> None:
    s = Setup(hold=True)
    run = await s.claimed()
    assert not isinstance(run, Outcome)
    work = asyncio.create_task(s.execution.execute(run, FakeDelivery()))
    await s.engine.input_read.wait()
    assert await s.store.cancel("r1")

    s.clock.tick()
    await s.store.heartbeat_seen.wait()
    assert s.engine.stop is not None and s.engine.stop.is_set()  # the engine is told to stop
    s.engine.finish()

    assert await work == ACK
    assert s.store.run("r1").state is RunState.CANCELLED and "r1" not in s.store.reports
    assert s.store.heartbeats == [("r1", len(CONTENT), 3, False)]


async def test_a_worker_that_lost_its_run_to_another_attempt_records_nothing() -> None:
    s = Setup(hold=True)
    first = await s.claimed()
    assert not isinstance(first, Outcome)
    work = asyncio.create_task(s.execution.execute(first, FakeDelivery()))
    await s.engine.input_read.wait()
    s.store.worker_went_silent("r1")  # a stall: another worker claims the run (a second attempt)
    second = await s.execution.claim("r1", 2)
    assert not isinstance(second, Outcome) and second.attempts == 2

    s.engine.finish()  # the first worker's engine ends before it noticed: its report is fenced out

    assert await work == ACK
    assert "r1" not in s.store.reports
    current = s.store.run("r1")
    assert (current.state, current.attempts) == (RunState.RUNNING, 2)


async def test_the_engine_refusing_the_input_fails_the_run_for_good() -> None:
    s = Setup(hold=True)
    run = await s.claimed()
    assert not isinstance(run, Outcome)
    work = asyncio.create_task(s.execution.execute(run, FakeDelivery()))
    await s.engine.input_read.wait()
    s.engine.finish(raising=EngineFailure(FailureCode.INPUT_REFUSED, "not a log file"))

    assert await work == TERM
    failed = s.store.run("r1")
    assert (failed.state, failed.failure_code, failed.failure_reason) == (
        RunState.FAILED,
        FailureCode.INPUT_REFUSED,
        "not a log file",
    )


async def test_a_missing_object_fails_the_run_for_good() -> None:
    s = Setup(content=None)
    run = await s.claimed()
    assert not isinstance(run, Outcome)
    assert await s.execution.execute(run, FakeDelivery()) == TERM
    assert (s.store.run("r1").state, s.store.run("r1").failure_code) == (RunState.FAILED, FailureCode.OBJECT_MISSING)
    assert "logFiles/f1" in s.store.run("r1").failure_reason


async def test_a_transient_failure_gives_the_run_back_with_backoff() -> None:
    s = Setup(hold=True)
    run = await s.claimed(delivered=2)
    assert not isinstance(run, Outcome)
    work = asyncio.create_task(s.execution.execute(run, FakeDelivery(delivered=2)))
    await s.engine.input_read.wait()
    s.engine.finish(raising=EngineCrashed("the engine process ended unexpectedly (killed by SIGKILL)"))

    assert await work == Outcome(Settle.RETRY, backoff_s(POLICY.retry_backoff_s, 2))
    assert s.store.run("r1").state is RunState.QUEUED
    again = await s.execution.claim("r1", 3)  # the redelivery claims it: a new attempt
    assert not isinstance(again, Outcome) and again.attempts == 2


async def test_shutting_down_gives_the_run_back_before_the_cancellation_goes_on() -> None:
    s = Setup(hold=True)
    run = await s.claimed()
    assert not isinstance(run, Outcome)
    work = asyncio.create_task(s.execution.execute(run, FakeDelivery()))
    await s.engine.input_read.wait()

    work.cancel()
    with pytest.raises(asyncio.CancelledError):
        await work

    assert s.store.run("r1").state is RunState.QUEUED and s.engine.stop is not None and s.engine.stop.is_set()


async def test_a_run_of_a_deleted_file_is_dropped() -> None:
    s = Setup()
    run = await s.claimed()
    assert not isinstance(run, Outcome)
    s.store.forget_log_file("f1")
    assert await s.execution.execute(run, FakeDelivery()) == ACK
    assert not s.engine.calls


# Claiming -----------------------------------------------------------------------------------------------------
async def test_a_message_of_a_run_that_is_finished_or_held_by_a_live_worker_is_acked() -> None:
    s = Setup()
    first = await s.claimed()
    assert not isinstance(first, Outcome)
    assert await s.execution.claim("r1", 2) == ACK  # a duplicate while the first worker is alive
    await s.execution.execute(first, FakeDelivery())
    assert await s.execution.claim("r1", 3) == ACK  # finished
    assert await s.execution.claim("unknown", 1) == ACK  # deleted


async def test_a_claim_the_database_refuses_is_retried_with_backoff_and_uses_no_attempt() -> None:
    s = Setup()
    s.store.claims_fail = 1
    assert await s.claimed(delivered=3) == Outcome(Settle.RETRY, backoff_s(POLICY.retry_backoff_s, 3))
    run = await s.execution.claim("r1", 4)
    assert not isinstance(run, Outcome) and run.attempts == 1  # a delivery past the bound, but the first attempt


async def test_a_run_past_its_delivery_and_attempt_bounds_fails() -> None:
    s = Setup()
    await s.queued()
    for attempt in range(1, POLICY.max_deliveries + 1):  # each attempt's worker dies
        run = await s.execution.claim("r1", attempt)
        assert not isinstance(run, Outcome) and run.attempts == attempt
        s.store.worker_went_silent("r1")

    assert await s.execution.claim("r1", POLICY.max_deliveries + 1) == TERM

    failed = s.store.run("r1")
    assert (failed.state, failed.failure_code) == (RunState.FAILED, FailureCode.TOO_MANY_ATTEMPTS)
    assert failed.failure_reason == f"gave up after {POLICY.max_deliveries} attempts"
