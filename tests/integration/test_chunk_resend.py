"""Which chunk messages the reconciler sends again (adapters/repository.py, chunks_needing_publish), on a real
PostgreSQL: a message JetStream acknowledged is in the stream until a worker settles it, so a chunk waiting its
turn behind others is never re-sent while the work queue holds work; a message never acknowledged is, as is a
step given back by its worker (with a doubling wait), and every waiting step once the queue holds nothing at all.
The same on real servers, with workers and the stream: tests/integration/test_run_chunks.py."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from loglens_analysis.adapters.repository import RunRepository, run_chunks
from loglens_analysis.domain import MERGE_INDEX, FailureCode, StoredLogFile
from loglens_common.db import async_engine

WAIT = 1.0  # older_than_s: the re-send wait, short for the test


async def resent(repository: RunRepository, work_queue_empty: bool = False) -> list[int]:
    """The step indexes claimed for a re-send now (their re-sends acknowledged at once), sorted."""
    found = await repository.chunks_needing_publish(WAIT, work_queue_empty)
    await repository.chunk_messages_published([(run.id, run.attempts, index, gen) for run, index, gen in found])
    return sorted(index for _, index, _ in found)


def test_a_waiting_chunk_with_an_acknowledged_message_is_not_sent_again_while_the_queue_holds_work(
    database: str,
) -> None:
    async def scenario() -> None:
        engine = async_engine(database, pool_size=2)
        repository = RunRepository(engine)
        try:
            await repository.remember_log_file(StoredLogFile("lf1", "o", "b", "k1", 500, False), "r1")
            run = await repository.claim("r1", 60, "v1")
            assert run is not None
            steps = await repository.start_chunks(run, [(i * 100, i * 100 + 100) for i in range(5)], 500)
            assert steps is not None
            # The planner's messages: 0-2 acknowledged by JetStream, 3 and 4 not (NATS refused them).
            await repository.chunk_messages_published([("r1", 1, i, 0) for i in (0, 1, 2)])
            assert await resent(repository) == [], "nothing is re-sent before the wait"
            await asyncio.sleep(WAIT * 1.5)
            assert await resent(repository) == [3, 4], "the unacknowledged ones, once past the wait"
            # Chunk 0 is claimed and done, 1 claimed (its worker alive); 2, 3 and 4 wait their turn in the stream,
            # however long: a backlog is not lost.
            _, c0 = await repository.claim_chunk("r1", 1, 0, 60)  # type: ignore[misc]
            assert await repository.finish_chunk(run, c0, b"p0", 100, 1) is False
            assert await repository.claim_chunk("r1", 1, 1, 60) is not None
            for _ in range(3):
                await asyncio.sleep(WAIT * 1.5)
                assert await resent(repository) == [], "acknowledged and waiting: in the stream"
            # A re-send's acknowledgement is recorded for that re-send only: an older generation's changes nothing.
            async with engine.connect() as conn:
                rows = await conn.execute(
                    select(run_chunks.c.idx, run_chunks.c.publishes, run_chunks.c.published_time.is_not(None))
                    .where(run_chunks.c.run_id == "r1")
                    .order_by(run_chunks.c.idx)
                )
                assert [tuple(r) for r in rows] == [
                    (MERGE_INDEX, 0, False),
                    (0, 0, True),
                    (1, 0, True),
                    (2, 0, True),
                    (3, 1, True),
                    (4, 1, True),
                ]
            # The work queue holds nothing at all (the stream lost them): every waiting chunk is sent again, the
            # running one and the merge (its chunks not done) are not.
            assert await resent(repository, work_queue_empty=True) == [2, 3, 4]
            assert await resent(repository, work_queue_empty=True) == [], "sent just now: in the stream again"
            # The run ends: its steps go with it, and nothing of it is sent again.
            assert await repository.fail(run, "over", FailureCode.INPUT_REFUSED)
            await asyncio.sleep(WAIT * 1.5)
            assert await resent(repository, work_queue_empty=True) == []
        finally:
            await engine.dispose()

    asyncio.run(scenario())


def test_a_step_given_back_is_sent_again_with_a_doubling_wait_and_a_merge_only_once_its_chunks_are_done(
    database: str,
) -> None:
    async def scenario() -> None:
        engine = async_engine(database, pool_size=2)
        repository = RunRepository(engine)
        try:
            await repository.remember_log_file(StoredLogFile("lf2", "o", "b", "k2", 200, False), "r2")
            run = await repository.claim("r2", 60, "v1")
            assert run is not None
            assert await repository.start_chunks(run, [(0, 100), (100, 200)], 200) is not None
            await repository.chunk_messages_published([("r2", 1, 0, 0), ("r2", 1, 1, 0)])
            assert await repository.claim_chunk("r2", 1, 0, 60) is not None
            _, c1 = await repository.claim_chunk("r2", 1, 1, 60)  # type: ignore[misc]
            assert await repository.finish_chunk(run, c1, b"p1", 100, 1) is False
            # Chunk 0's worker stalls: the step is given back, and its message may have been settled by that
            # worker (fenced out, it acks): sent again past the wait since its last heartbeat, then past twice it.
            await asyncio.sleep(1.1)
            assert await repository.requeue_stale_chunks(1) == 1
            assert await resent(repository) == [0]
            await asyncio.sleep(WAIT * 1.5)
            assert await resent(repository) == [], "the second re-send waits twice as long"
            await asyncio.sleep(WAIT)
            assert await resent(repository) == [0]
            # Claimed again and done: the last chunk's worker dies before it claims the merge. The merge has no
            # message of its own: the last chunk's (redelivered) claims it; it is sent only if the queue is empty.
            _, again = await repository.claim_chunk("r2", 1, 0, 60)  # type: ignore[misc]
            assert await repository.finish_chunk(run, again, b"p0", 100, 1) is True
            await asyncio.sleep(WAIT * 1.5)
            assert await resent(repository) == []
            assert await resent(repository, work_queue_empty=True) == [MERGE_INDEX]
            merge = await repository.claim_chunk("r2", 1, MERGE_INDEX, 60)
            assert merge is not None and merge[1].merge
        finally:
            await engine.dispose()

    asyncio.run(scenario())
