"""A run's moves on a real PostgreSQL, all through the repository's transition(): only the moves the state machine
allows happen, a write fenced out by a later attempt or a cancellation changes nothing, and the run-state metric
counts each run that moved, once."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select, update

from loglens_analysis.adapters.repository import RunRepository, run_chunks, runs
from loglens_analysis.domain import MERGE_INDEX, AnalysisRun, FailureCode, IllegalTransition, RunState, StoredLogFile
from loglens_common.db import async_engine


def reached() -> dict[RunState, float]:
    return {s: REGISTRY.get_sample_value("loglens_analysis_runs_total", {"state": s.value}) or 0.0 for s in RunState}


def test_runs_move_only_as_the_state_machine_allows_and_each_move_is_counted_once(database: str) -> None:
    async def scenario() -> dict[RunState, float]:
        engine = async_engine(database, pool_size=2)
        repository = RunRepository(engine)
        first_file = StoredLogFile("lf1", "o", "b", "k1", 10, False)
        second_file = StoredLogFile("lf2", "o", "b", "k2", 10, False)
        before = reached()
        try:
            # Cancelled while it runs: the worker's later writes are fenced out.
            queued = await repository.remember_log_file(first_file, "r1")
            assert isinstance(queued, AnalysisRun) and queued.state is RunState.QUEUED
            held = await repository.claim("r1", 60, "v1")
            assert held is not None and (held.state, held.attempts, held.engine_version) == (RunState.RUNNING, 1, "v1")
            assert held.start_time is not None
            assert await repository.claim("r1", 60, "v1") is None  # its worker is alive
            cancelled = await repository.cancel("o", "lf1", "r1")
            assert cancelled is not None and cancelled.state is RunState.CANCELLED and cancelled.finish_time
            assert not await repository.heartbeat(held, 5, 1)
            assert not await repository.succeed(held, b"late report", 10, 2)
            assert not await repository.fail(held, "too late", FailureCode.INPUT_REFUSED)
            await repository.release(held)
            again = await repository.cancel("o", "lf1", "r1")  # nothing left to cancel: it answers the run
            assert again is not None and again.state is RunState.CANCELLED and again.failure_code is None
            assert await repository.report("r1") is None

            # A stalled worker's run is claimed again: the new attempt's report is stored, the old one's is not.
            second, existed = await repository.create_run(first_file, 10)
            assert not existed
            stalled = await repository.claim(second.id, 60, "v1")
            assert stalled is not None
            taken = await repository.claim(second.id, 0, "v1")  # with a bound of 0 s its worker counts as silent
            assert taken is not None and taken.attempts == 2
            assert not await repository.heartbeat(stalled, 5, 1) and await repository.heartbeat(taken, 5, 1)
            assert not await repository.succeed(stalled, b"old attempt", 10, 2)
            assert await repository.succeed(taken, b"new attempt", 10, 2)
            assert await repository.report(second.id) == b"new attempt"
            with pytest.raises(IllegalTransition):  # a final run, as its caller holds it, never moves again
                await repository.fail(
                    await repository.run_by_id(second.id) or taken, "after success", FailureCode.INPUT_REFUSED
                )
            finished = await repository.run_by_id(second.id)
            assert finished is not None and finished.state is RunState.SUCCEEDED and finished.finish_time

            # The reconciler gives a silent worker's run back; a transient failure gives it back too.
            assert await repository.remember_log_file(second_file) is True
            third, _ = await repository.create_run(second_file, 10)
            assert await repository.claim(third.id, 60, "v1") is not None
            assert await repository.requeue_stale(0) == 1
            retried = await repository.claim(third.id, 60, "v1")
            assert retried is not None and retried.attempts == 2
            await repository.release(retried)
            requeued = await repository.run_by_id(third.id)
            assert requeued is not None and requeued.state is RunState.QUEUED
            assert await repository.requeue_stale(0) == 0  # nothing RUNNING is left
        finally:
            await engine.dispose()
        after = reached()
        return {s: after[s] - before[s] for s in RunState}

    moved = asyncio.run(scenario())
    # QUEUED: 3 created, 1 stalled attempt given back by the claim, 1 by the reconciler, 1 released.
    # RUNNING: 1 + 2 + 2 claims.
    assert moved == {
        RunState.QUEUED: 6,
        RunState.RUNNING: 5,
        RunState.SUCCEEDED: 1,
        RunState.FAILED: 0,
        RunState.CANCELLED: 1,
    }


def test_a_chunked_runs_steps_are_fenced_summed_re_driven_and_go_with_the_run(database: str) -> None:
    """The chunk steps' SQL (adapters/repository.py) on a real PostgreSQL: claims fenced by the step's attempt and
    the run's, progress summed into the run, the merge claimable only once every chunk is DONE, a stalled chunk
    given back and its message re-sent (a chunked run is never re-queued as a whole), and the steps deleted in the
    commit that ends the run."""

    async def scenario() -> None:
        engine = async_engine(database, pool_size=2)
        repository = RunRepository(engine)
        try:
            await repository.remember_log_file(StoredLogFile("lf9", "o", "b", "k9", 300, False), "r9")
            run = await repository.claim("r9", 60, "v1")
            assert run is not None
            steps = await repository.start_chunks(run, [(0, 100), (100, 200), (200, 300)], 300)
            assert steps is not None and [(s.index, s.merge) for s in steps] == [(0, 0), (1, 0), (2, 0), (-1, 1)]
            # A merge waits for every chunk; a message of another attempt of the run claims nothing.
            assert await repository.claim_chunk("r9", 1, MERGE_INDEX, 60) is None
            assert await repository.claim_chunk("r9", 2, 0, 60) is None
            claimed = [await repository.claim_chunk("r9", 1, i, 60) for i in range(3)]
            assert all(c is not None for c in claimed)
            assert await repository.claim_chunk("r9", 1, 0, 60) is None  # held by a live worker
            (_, c0), (_, c1), _ = claimed  # type: ignore[misc]
            assert await repository.chunk_heartbeat(run, c0, 60, 6)
            assert await repository.finish_chunk(run, c1, b"p1", 100, 10) is False
            now = await repository.run_by_id("r9")
            assert now is not None and (now.bytes_done, now.lines_done) == (160, 16), "the sum over the chunks"
            # A chunked run whose worker is silent is not re-queued as a whole: its stalled chunks are.
            await asyncio.sleep(1.1)
            assert await repository.requeue_stale(1) == 0
            assert await repository.requeue_stale_chunks(1) == 2  # chunks 0 and 2
            assert not await repository.chunk_heartbeat(run, c0, 70, 7), "a stalled holder is fenced out"
            resent = await repository.chunks_needing_publish(0.5)
            assert sorted(index for _, index, _ in resent) == [0, 2], "the merge waits for its chunks"
            assert await repository.chunks_needing_publish(0.5) == [], "re-sent again only after a longer wait"
            again = await repository.claim_chunk("r9", 1, 0, 60)
            assert again is not None and again[1].attempts == 2
            assert await repository.finish_chunk(run, c0, b"late", 100, 10) is None  # the old attempt's result
            assert await repository.finish_chunk(run, again[1], b"p0", 100, 10) is False
            _, c2b = await repository.claim_chunk("r9", 1, 2, 60)  # type: ignore[misc]
            assert await repository.finish_chunk(run, c2b, b"p2", 100, 10) is True
            assert [await repository.partial(run, i) for i in range(await repository.chunk_count(run))] == [
                b"p0",
                b"p1",
                b"p2",
            ]
            merge = await repository.claim_chunk("r9", 1, MERGE_INDEX, 60)
            assert merge is not None and merge[1].merge
            assert await repository.succeed(run, b"report", 300, 30)
            async with engine.connect() as conn:
                left = (await conn.execute(select(func.count()).where(run_chunks.c.run_id == "r9"))).scalar_one()
            assert left == 0, "the steps and partial results went in the success's commit"
            assert await repository.claim_chunk("r9", 1, 0, 60) is None
        finally:
            await engine.dispose()

    asyncio.run(scenario())


def test_a_cancellation_that_waited_for_a_claim_finishes_after_the_run_started(database: str) -> None:
    """CancelAnalysisRun's transaction began (its now() fixed) before a claim that committed first: it waits for the
    row, then ends a run whose start time is later than its own now(). The finish time is the later of the two, not
    a check violation answered as INTERNAL (seen in the load suite's cancellations)."""

    async def scenario() -> AnalysisRun | None:
        engine = async_engine(database, pool_size=3)
        repository = RunRepository(engine)
        try:
            await repository.remember_log_file(StoredLogFile("lf-race", "o", "b", "k-race", 10, False), "r-race")
            async with engine.connect() as holder:
                locked = await holder.begin()
                await holder.execute(select(runs.c.id).where(runs.c.id == "r-race").with_for_update())
                cancelling = asyncio.create_task(repository.cancel("o", "lf-race", "r-race"))
                await asyncio.sleep(0.5)  # the cancellation's transaction has begun and waits for the row
                # A claim commits: RUNNING, started now, later than the waiting transaction's now().
                await holder.execute(
                    update(runs)
                    .where(runs.c.id == "r-race")
                    .values(state=RunState.RUNNING.value, attempts=1, start_time=func.clock_timestamp())
                )
                await locked.commit()
            return await asyncio.wait_for(cancelling, 10)
        finally:
            await engine.dispose()

    cancelled = asyncio.run(scenario())
    assert cancelled is not None and cancelled.state is RunState.CANCELLED
    assert cancelled.start_time is not None and cancelled.finish_time is not None
    assert cancelled.finish_time >= cancelled.start_time
