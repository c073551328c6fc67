"""The rules of a run analysed in chunks, with fakes (tests/unit/run_fakes.py): which runs are cut, the steps'
claims and fences, the merge by whoever finishes last, and how cancellation, poison, transient failures, stalls
and the delivery bound end. The same paths on real servers: tests/integration/test_run_chunks.py.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
from collections.abc import Collection
from dataclasses import dataclass, field, replace

import pytest

from loglens_analysis.domain import (
    CHUNK_ALLOWED,
    MERGE_INDEX,
    ChunkState,
    FailureCode,
    RunState,
    StoredLogFile,
    can_move_chunk,
    check_chunk_move,
)
from loglens_analysis.sandbox import EngineCrashed, EngineFailure
from loglens_analysis.use_cases import execute_chunk
from loglens_analysis.use_cases.execute_chunk import ChunkPolicy, ClaimedStep, ExecuteChunk, RunChunking
from loglens_analysis.use_cases.execute_run import ACK, TERM, ExecuteRun, Outcome, Settle
from tests.unit.run_fakes import (
    FakeClock,
    FakeDelivery,
    FakeEngine,
    InMemoryObjects,
    InMemoryRuns,
    RecordingMessages,
    log_file,
)
from tests.unit.test_run_lifecycle import BOUNDS, POLICY

# 12 lines of 10 bytes: 120 bytes, cut into chunks of 25 bytes (cuts inside lines: each line belongs to one chunk).
CONTENT = b"".join(b"line %04d\n" % i for i in range(12))
CHUNKING = ChunkPolicy(threshold_bytes=50, chunk_bytes=25)


class ChunkRuns(InMemoryRuns):
    """The store, with the record of JetStream's acknowledgements of the chunks' messages (the planner's outbox)."""

    def __init__(self) -> None:
        super().__init__()
        self.acknowledged: list[tuple[str, int, int, int]] = []

    async def chunk_messages_published(self, sent: Collection[tuple[str, int, int, int]]) -> None:
        self.acknowledged.extend(sent)


@dataclass
class FlakyMessages(RecordingMessages):
    """The work queue, refusing the messages of the chunks in ``refused`` (NATS answered with an error)."""

    refused: set[int] = field(default_factory=set)

    async def publish_chunk(
        self, run_name: str, run_id: str, run_attempt: int, index: int, generation: int = 0
    ) -> bool:
        if index in self.refused:
            return False
        return await super().publish_chunk(run_name, run_id, run_attempt, index, generation)


class Cluster:
    """A store, a queue and object store shared by any number of workers (each an ExecuteRun + ExecuteChunk)."""

    def __init__(
        self,
        content: bytes = CONTENT,
        policy: ChunkPolicy = CHUNKING,
        gzip_file: bool = False,
        file: StoredLogFile | None = None,
    ) -> None:
        self.store, self.messages, self.objects = ChunkRuns(), FlakyMessages(), InMemoryObjects(chunk=7)
        self.file = replace(file or log_file(size=len(content)), gzip=gzip_file)
        self.store.log_files["f1"] = self.file
        self.objects.data[self.file.object_key] = content
        self.engine = FakeEngine()
        self.policy = policy

    def runs(self, engine: FakeEngine | None = None) -> ExecuteRun:
        chunking = RunChunking(self.store, self.objects, self.messages, self.policy)
        return ExecuteRun(self.store, self.objects, engine or self.engine, POLICY, BOUNDS, FakeClock(), chunking)

    def chunks(self, engine: FakeEngine | None = None, clock: FakeClock | None = None) -> ExecuteChunk:
        return ExecuteChunk(self.store, self.objects, engine or self.engine, POLICY, BOUNDS, clock or FakeClock())

    async def planned(self) -> str:
        """A run of the file, claimed and cut into chunks; its id."""
        run = self.store._insert(self.file, "r1", requested=False)
        claimed = await self.runs().claim(run.id, 1)
        assert not isinstance(claimed, Outcome)
        assert await self.runs().execute(claimed, FakeDelivery()) == ACK
        return run.id

    async def step(self, index: int, delivered: int = 1, worker: ExecuteChunk | None = None) -> Outcome:
        """Deliver step ``index``'s message to a worker and run it to its end."""
        worker = worker or self.chunks()
        claimed = await worker.claim("r1", 1, index, delivered)
        if isinstance(claimed, Outcome):
            return claimed
        return await worker.execute(claimed, FakeDelivery(delivered))


def test_a_chunk_moves_only_forward_or_back_to_the_queue() -> None:
    assert can_move_chunk(ChunkState.QUEUED, ChunkState.RUNNING)
    assert can_move_chunk(ChunkState.RUNNING, ChunkState.DONE) and can_move_chunk(ChunkState.RUNNING, ChunkState.QUEUED)
    assert CHUNK_ALLOWED[ChunkState.DONE] == set()
    with pytest.raises(ValueError, match="from DONE to RUNNING"):
        check_chunk_move(ChunkState.DONE, ChunkState.RUNNING)
    with pytest.raises(ValueError, match="from QUEUED to DONE"):
        check_chunk_move(ChunkState.QUEUED, ChunkState.DONE)


async def test_a_big_plain_file_is_cut_into_chunks_on_the_runs_queue_and_the_run_stays_running() -> None:
    cluster = Cluster()
    run_id = await cluster.planned()
    run = cluster.store.run(run_id)
    assert run.state is RunState.RUNNING and run.attempts == 1
    # 120 bytes in chunks of 25: five chunks and the merge; a message per chunk (the merge is started by the
    # worker that finishes the last one).
    assert cluster.store.steps(run_id) == {i: ChunkState.QUEUED for i in (MERGE_INDEX, 0, 1, 2, 3, 4)}
    assert cluster.messages.chunks == [(run_id, 1, i) for i in range(5)]
    assert not cluster.engine.calls, "nothing analysed in one pass"
    assert not cluster.messages.published, "no run message: the chunks are the work"


async def test_a_file_with_more_chunks_than_the_cap_gets_bigger_chunks() -> None:
    # 120 bytes in chunks of 25 would be five; at most three: chunks of 40.
    cluster = Cluster(policy=ChunkPolicy(threshold_bytes=50, chunk_bytes=25, max_chunks=3))
    run_id = await cluster.planned()
    assert cluster.store.steps(run_id) == {i: ChunkState.QUEUED for i in (MERGE_INDEX, 0, 1, 2)}
    assert [p.chunk_bytes_for(n) for p in [ChunkPolicy(1, 25, 3)] for n in (10, 75, 76, 120)] == [25, 25, 26, 40]


@pytest.mark.parametrize(
    ("policy", "content", "is_gzip"),
    [
        (ChunkPolicy(threshold_bytes=0, chunk_bytes=25), CONTENT, False),  # 0: never
        (ChunkPolicy(threshold_bytes=120, chunk_bytes=25), CONTENT, False),  # not above the threshold
        (ChunkPolicy(threshold_bytes=50, chunk_bytes=200), CONTENT, False),  # one chunk: nothing to split
        (CHUNKING, gzip.compress(CONTENT * 3), True),  # gzip cannot be read from the middle
        (CHUNKING, gzip.compress(CONTENT * 3), False),  # nor a gzip file ingest did not call one (the head says)
    ],
    ids=["off", "small", "one-chunk", "gzip", "gzip-by-its-head"],
)
async def test_files_that_are_not_chunked_are_analysed_in_one_pass(
    policy: ChunkPolicy, content: bytes, is_gzip: bool
) -> None:
    cluster = Cluster(content, policy, gzip_file=is_gzip)
    run_id = await cluster.planned()
    assert cluster.store.run(run_id).state is RunState.SUCCEEDED
    assert not cluster.store.steps(run_id) and not cluster.messages.chunks
    assert len(cluster.engine.calls) == 1


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]])
async def test_the_last_chunk_done_merges_in_chunk_order_whatever_the_order_they_ran_in(order: list[int]) -> None:
    cluster = Cluster()
    run_id = await cluster.planned()
    for n, index in enumerate(order):
        assert await cluster.step(index) == ACK
        run = cluster.store.run(run_id)
        if n < len(order) - 1:
            assert run.state is RunState.RUNNING
            assert cluster.store.steps(run_id)[index] is ChunkState.DONE
    run = cluster.store.run(run_id)
    assert run.state is RunState.SUCCEEDED, run.failure_reason
    # The merge read the partial results in chunk order: each line once, in the file's order.
    assert [p.partition(b":")[0] for p in cluster.engine.merged] == [b"0", b"1", b"2", b"3", b"4"]
    assert cluster.store.reports[run_id] == b"report of 12 lines: " + CONTENT
    assert (run.bytes_done, run.lines_done) == (len(CONTENT), 12)
    assert not cluster.store.steps(run_id) and not cluster.store.partials, "steps and partials go with the run"


async def test_progress_is_the_sum_over_the_chunks_and_keeps_the_run_alive() -> None:
    cluster = Cluster()
    run_id = await cluster.planned()
    await cluster.step(0)
    await cluster.step(1)
    clock = FakeClock()
    cluster.engine.hold = True
    worker = cluster.chunks(clock=clock)
    claimed = await worker.claim(run_id, 1, 2, 1)
    assert isinstance(claimed, ClaimedStep)
    task = asyncio.create_task(worker.execute(claimed, FakeDelivery()))
    await cluster.engine.input_read.wait()
    clock.tick()  # one heartbeat while chunk 2 is analysed
    await cluster.store.heartbeat_seen.wait()
    assert cluster.store.heartbeats[-1][3], "the heartbeat was the chunk's holder's"
    run = cluster.store.run(run_id)
    chunk_2 = CONTENT.splitlines(keepends=True)[5:8]  # the lines starting in bytes [50, 75)
    assert run.lines_done == 3 + 2 + len(chunk_2), "chunks 0 and 1 done, chunk 2 so far"
    assert run.bytes_done == 25 + 25 + sum(map(len, chunk_2))
    cluster.engine.finish()
    assert await task == ACK
    assert cluster.store.run(run_id).lines_done == 3 + 2 + 3


async def test_a_chunk_held_by_a_live_worker_is_not_claimed_twice_and_a_silent_ones_is() -> None:
    cluster = Cluster()
    run_id = await cluster.planned()
    first = await cluster.chunks().claim(run_id, 1, 0, 1)
    assert isinstance(first, ClaimedStep)
    assert await cluster.chunks().claim(run_id, 1, 0, 2) == ACK  # a duplicate while its holder lives
    cluster.store.chunk_worker_went_silent(run_id, 0)
    second = await cluster.chunks().claim(run_id, 1, 0, 2)  # the redelivered message of a killed worker
    assert isinstance(second, ClaimedStep) and second.step.attempts == 2
    # The first holder comes back: fenced out, it records nothing.
    assert await cluster.chunks().execute(first, FakeDelivery()) == ACK
    assert cluster.store.steps(run_id)[0] is ChunkState.RUNNING and not cluster.store.partials
    assert await cluster.chunks().execute(second, FakeDelivery()) == ACK
    assert cluster.store.steps(run_id)[0] is ChunkState.DONE


async def test_a_message_of_another_attempt_of_the_run_claims_nothing() -> None:
    cluster = Cluster()
    run_id = await cluster.planned()
    assert await cluster.chunks().claim(run_id, 2, 0, 1) == ACK  # a later attempt planned no such step
    assert await cluster.chunks().claim("nope", 1, 0, 1) == ACK
    assert cluster.store.steps(run_id)[0] is ChunkState.QUEUED


async def test_cancelling_the_run_stops_its_running_chunk_and_refuses_the_others() -> None:
    cluster = Cluster()
    run_id = await cluster.planned()
    await cluster.step(0)
    clock = FakeClock()
    cluster.engine.hold = True
    worker = cluster.chunks(clock=clock)
    claimed = await worker.claim(run_id, 1, 1, 1)
    assert isinstance(claimed, ClaimedStep)
    task = asyncio.create_task(worker.execute(claimed, FakeDelivery()))
    await cluster.engine.input_read.wait()
    assert await cluster.store.cancel(run_id)
    assert not cluster.store.steps(run_id) and not cluster.store.partials, "the steps went with the cancel"
    clock.tick()  # the next heartbeat is refused: the child is stopped
    await cluster.store.heartbeat_seen.wait()
    assert cluster.engine.stop is not None and cluster.engine.stop.is_set()
    cluster.engine.finish()
    assert await task == ACK
    for index in (2, 3, 4, MERGE_INDEX):
        assert await cluster.step(index) == ACK
    assert cluster.store.run(run_id).state is RunState.CANCELLED and run_id not in cluster.store.reports


async def test_a_deleted_files_chunks_claim_nothing() -> None:
    cluster = Cluster()
    run_id = await cluster.planned()
    cluster.store.forget_log_file("f1")
    assert await cluster.step(0) == ACK
    assert not cluster.store.steps(run_id)


async def test_a_chunk_the_engine_refuses_fails_the_run_with_its_reason_and_code() -> None:
    cluster = Cluster()
    run_id = await cluster.planned()
    await cluster.step(0)
    failing = FakeEngine()
    failing.finish(raising=EngineFailure(FailureCode.ENGINE_MEMORY_LIMIT, "the analysis needed more than 768 MiB"))
    assert await cluster.step(1, worker=cluster.chunks(failing)) == TERM
    run = cluster.store.run(run_id)
    assert run.state is RunState.FAILED
    assert (run.failure_code, run.failure_reason) == (
        FailureCode.ENGINE_MEMORY_LIMIT,
        "the analysis needed more than 768 MiB",
    )
    assert not cluster.store.steps(run_id) and not cluster.store.partials
    assert await cluster.step(2) == ACK, "the run's other chunks claim nothing"


async def test_a_chunk_whose_object_is_gone_fails_the_run() -> None:
    cluster = Cluster()
    run_id = await cluster.planned()
    del cluster.objects.data[cluster.file.object_key]
    assert await cluster.step(3) == TERM
    run = cluster.store.run(run_id)
    assert run.state is RunState.FAILED and run.failure_code is FailureCode.OBJECT_MISSING


async def test_a_transient_failure_gives_the_chunk_back_with_backoff_and_a_retry_finishes_it() -> None:
    cluster = Cluster()
    run_id = await cluster.planned()
    crashing = FakeEngine()
    crashing.finish(raising=EngineCrashed("killed by SIGKILL"))
    outcome = await cluster.step(2, delivered=2, worker=cluster.chunks(crashing))
    assert outcome == Outcome(Settle.RETRY, 4.0)  # 2 s doubled for the second delivery
    assert cluster.store.steps(run_id)[2] is ChunkState.QUEUED and cluster.store.run(run_id).state is RunState.RUNNING
    assert await cluster.step(2, delivered=3) == ACK
    assert cluster.store.steps(run_id)[2] is ChunkState.DONE


async def test_a_chunk_past_the_delivery_bound_fails_the_run() -> None:
    cluster = Cluster()
    run_id = await cluster.planned()
    crashing = FakeEngine()
    crashing.finish(raising=EngineCrashed("killed by SIGKILL"))
    for delivered in range(1, POLICY.max_deliveries + 1):
        assert (await cluster.step(1, delivered, cluster.chunks(crashing))).settle is Settle.RETRY
    assert await cluster.step(1, POLICY.max_deliveries + 1) == TERM
    run = cluster.store.run(run_id)
    assert run.state is RunState.FAILED and run.failure_code is FailureCode.TOO_MANY_ATTEMPTS
    assert run.failure_reason == "chunk 1 gave up after 3 attempts"


async def test_a_redelivered_message_of_a_done_chunk_starts_a_merge_nobody_started() -> None:
    """The last chunk's worker died after storing its partial result, before it claimed the merge."""
    cluster = Cluster()
    run_id = await cluster.planned()
    for index in range(5):
        claimed = await cluster.chunks().claim(run_id, 1, index, 1)
        assert isinstance(claimed, ClaimedStep)
        await cluster.store.finish_chunk(claimed.run, claimed.step, b"%d:" % index + b"x\n", 2, 1)
    assert cluster.store.steps(run_id)[MERGE_INDEX] is ChunkState.QUEUED
    assert await cluster.step(4, delivered=2) == ACK  # the last chunk's message, redelivered
    assert cluster.store.run(run_id).state is RunState.SUCCEEDED
    assert cluster.store.reports[run_id] == b"report of 5 lines: " + b"x\n" * 5


async def test_a_merge_waits_for_every_chunk() -> None:
    cluster = Cluster()
    run_id = await cluster.planned()
    for index in range(4):
        await cluster.step(index)
    assert await cluster.step(MERGE_INDEX) == ACK  # the reconciler's copy, too early: nothing claimed
    assert cluster.store.steps(run_id)[MERGE_INDEX] is ChunkState.QUEUED
    assert await cluster.step(3, delivered=2) == ACK  # a DONE chunk's copy: the merge still waits
    assert cluster.store.run(run_id).state is RunState.RUNNING
    assert await cluster.step(4) == ACK
    assert cluster.store.run(run_id).state is RunState.SUCCEEDED


async def test_a_shutdown_mid_chunk_gives_the_chunk_back_at_once() -> None:
    cluster = Cluster()
    run_id = await cluster.planned()
    cluster.engine.hold = True
    worker = cluster.chunks()
    claimed = await worker.claim(run_id, 1, 0, 1)
    assert isinstance(claimed, ClaimedStep)
    task = asyncio.create_task(worker.execute(claimed, FakeDelivery()))
    await cluster.engine.input_read.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cluster.store.steps(run_id)[0] is ChunkState.QUEUED
    cluster.engine.hold = False
    assert await cluster.step(0) == ACK


async def test_the_planner_records_which_chunk_messages_jetstream_acknowledged() -> None:
    """The outbox's mark: the reconciler trusts the stream with an acknowledged message (a chunk waiting its turn is
    not lost) and re-sends the others (adapters/repository.py, chunks_needing_publish)."""
    cluster = Cluster()
    cluster.messages.refused = {1, 3}
    run_id = await cluster.planned()
    assert cluster.store.acknowledged == [(run_id, 1, i, 0) for i in (0, 2, 4)], "generation 0: the planner's"
    down = Cluster()
    down.messages.down = True  # NATS away: nothing acknowledged, every chunk's message is the reconciler's to send
    assert down.store.run(await down.planned()).state is RunState.RUNNING
    assert down.store.acknowledged == []


async def test_a_failed_record_of_the_acknowledgements_does_not_undo_the_plan(caplog: pytest.LogCaptureFixture) -> None:
    cluster = Cluster()

    async def database_away(sent: Collection[tuple[str, int, int, int]]) -> None:
        raise ConnectionError("database away")

    cluster.store.chunk_messages_published = database_away  # type: ignore[method-assign]
    run_id = await cluster.planned()
    assert cluster.store.run(run_id).state is RunState.RUNNING and len(cluster.messages.chunks) == 5
    assert "acknowledgements of r1 not recorded" in caplog.text


# Year-less syslog times among dated ones (as in a file several sources write to): 12 lines (564 bytes), in 3 chunks
# of 200. Without a year hint, a year-less time's year comes from the dated times before it: one pass only.
MIXED = b"".join(
    (
        b"2026-11-30 10:00:%02d,000 INFO web1 request %02d served\n"
        if i % 3 == 0
        else b"Nov 30 10:00:%02d web1 app[7]: request %02d served\n"
    )
    % (i, i)
    for i in range(12)
)
YEAR_LESS = b"".join(b"Nov 30 10:00:%02d web1 app[7]: request %02d served\n" % (i, i) for i in range(12))
SYSLOG_CHUNKING = ChunkPolicy(threshold_bytes=100, chunk_bytes=200)


@pytest.mark.parametrize(
    ("content", "hints"),
    [
        (MIXED, {"year": 2026}),
        (MIXED, {"year": 2026, "time_zone": "Europe/Paris"}),
        (YEAR_LESS, {}),  # no dated time: the upload time alone says each time's year (engine/chunks.py)
    ],
    ids=["mixed-year", "mixed-year-zone", "year-less-upload-time"],
)
async def test_a_year_less_file_is_chunked_given_the_uploads_hints(
    monkeypatch: pytest.MonkeyPatch, content: bytes, hints: dict[str, object]
) -> None:
    """can_chunk is given the upload's hints, those the one-pass run gives the engine (EngineBounds.options)."""
    hinted = replace(log_file(size=len(content)), **hints)  # type: ignore[arg-type]
    asked: list[dict[str, object]] = []
    real = execute_chunk.can_chunk

    def can_chunk(head: bytes, **kw: object) -> str | None:
        asked.append(kw)
        return real(head, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(execute_chunk, "can_chunk", can_chunk)
    cluster = Cluster(content, SYSLOG_CHUNKING, file=hinted)
    run_id = await cluster.planned()
    assert cluster.store.run(run_id).state is RunState.RUNNING
    assert cluster.messages.chunks == [(run_id, 1, i) for i in range(3)]
    one_pass = BOUNDS.options(hinted)
    assert asked == [{k: one_pass[k] for k in ("time_zone", "year", "reference_epoch")}]
    for index in range(3):
        assert await cluster.step(index) == ACK
    assert cluster.store.run(run_id).state is RunState.SUCCEEDED
    assert cluster.store.reports[run_id] == b"report of 12 lines: " + content


async def test_a_mixed_year_less_file_without_a_year_hint_is_analysed_in_one_pass(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "loglens.analysis.worker")
    cluster = Cluster(MIXED, SYSLOG_CHUNKING, file=replace(log_file(size=len(MIXED)), time_zone="Europe/Paris"))
    run_id = await cluster.planned()
    assert cluster.store.run(run_id).state is RunState.SUCCEEDED
    assert not cluster.messages.chunks and len(cluster.engine.calls) == 1
    (record,) = [r for r in caplog.records if r.getMessage() == "run analysed in one pass"]
    assert record.fields["reason"] == "times without a year: their year is inferred from the timestamps before them"
