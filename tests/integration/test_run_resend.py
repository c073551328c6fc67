"""Which runs' messages the reconciler sends again (adapters/repository.py, queued_needing_publish): a message
JetStream acknowledged is in the stream until a worker settles it, so a QUEUED run waiting its turn in a backlog is
never re-sent while the work queue holds work; a message never acknowledged is, as is a run given back by its
worker (with a doubling wait), and every waiting run once the queue holds nothing at all.

First on a real PostgreSQL alone (the rule's SQL), then on the real servers with workers and the stream: a backlog
on one slot gets one message a run, a message deleted from the stream is sent again once the queue is empty and
its run succeeds, an unacknowledged one is sent again while the queue holds work. The same rule for the steps of
runs analysed in chunks: test_chunk_resend.py and test_run_chunks.py.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import grpc
import nats
import psycopg
import pytest
from sqlalchemy import select

from loglens.events.v1 import events_pb2
from loglens.v1 import analysis_pb2
from loglens_analysis.adapters.repository import RunRepository, runs
from loglens_analysis.domain import FailureCode, StoredLogFile
from loglens_common import names
from loglens_common.db import async_engine
from loglens_common.events import STREAM, SUBJECT_RUN_QUEUED
from loglens_devstack.client import TERMINAL, GatewayClient
from loglens_devstack.stack import Stack
from loglens_loggen import write_log
from tests.integration.worker_stacks import Workers, api_channels, api_stack, workers_of

WAIT = 1.0  # older_than_s: the re-send wait, short for the test
State = analysis_pb2.AnalysisRun
REQUEUE_AFTER = {"LOGLENS_REQUEUE_AFTER_S": "1"}  # the reconcilers' re-send wait, here as in the chaos run: 1 s
ONE_PASS = {"LOGLENS_CHUNK_THRESHOLD_BYTES": "0", **REQUEUE_AFTER}


# The rule's SQL, on PostgreSQL alone -----------------------------------------------------------------------------
async def resent(repository: RunRepository, work_queue_empty: bool = False) -> list[str]:
    """The runs claimed for a re-send now (their re-sends acknowledged at once, as QueueRun.publish records)."""
    found = await repository.queued_needing_publish(WAIT, work_queue_empty)
    await repository.run_messages_published(found)
    return sorted(run_id for run_id, _ in found)


async def queued(repository: RunRepository, *run_ids: str) -> None:
    for run_id in run_ids:
        f = StoredLogFile(f"lf-{run_id}", "o", "b", f"k-{run_id}", 100, False)
        assert await repository.remember_log_file(f, run_id)


def test_a_waiting_run_with_an_acknowledged_message_is_not_sent_again_while_the_queue_holds_work(
    database: str,
) -> None:
    async def scenario() -> None:
        engine = async_engine(database, pool_size=2)
        repository = RunRepository(engine)
        try:
            await queued(repository, "a1", "a2", "a3", "a4")
            # Queueing published a1-a3's messages and JetStream acknowledged them; a4's was refused (NATS away).
            await repository.run_messages_published([("a1", 0), ("a2", 0), ("a3", 0)])
            assert await resent(repository) == [], "nothing is re-sent before the wait"
            await asyncio.sleep(WAIT * 1.5)
            assert await resent(repository) == ["a4"], "the unacknowledged one, once past the wait"
            # a1 is claimed (its worker alive); a2, a3 and a4 wait their turn in the stream, however long.
            assert await repository.claim("a1", 60, "v1") is not None
            for _ in range(3):
                await asyncio.sleep(WAIT * 1.5)
                assert await resent(repository) == [], "acknowledged and waiting: in the stream"
            # A re-send's acknowledgement is recorded for that re-send only: an older generation's changes nothing.
            await asyncio.sleep(WAIT * 1.5)
            assert sorted(await repository.queued_needing_publish(WAIT, work_queue_empty=True)) == [
                ("a2", 1),
                ("a3", 1),
                ("a4", 2),
            ], "the queue holds nothing: every waiting run, not the running one"
            await repository.run_messages_published([("a2", 0), ("a4", 1), ("a3", 1)])
            async with engine.connect() as conn:
                rows = await conn.execute(
                    select(runs.c.id, runs.c.publishes, runs.c.published_time.is_not(None))
                    .where(runs.c.id.in_(["a1", "a2", "a3", "a4"]))
                    .order_by(runs.c.id)
                )
                assert [tuple(r) for r in rows] == [
                    ("a1", 0, True),
                    ("a2", 1, False),
                    ("a3", 1, True),
                    ("a4", 2, False),
                ]
            assert await resent(repository, work_queue_empty=True) == [], "sent just now: in the stream again"
            await asyncio.sleep(WAIT * 1.5)
            assert await resent(repository) == ["a2", "a4"], "their re-sends were never acknowledged"
            # Runs that ended are never sent again.
            for run_id in ("a1", "a2", "a3", "a4"):
                run = await repository.run_by_id(run_id)
                assert run is not None and await repository.fail(run, "over", FailureCode.INPUT_REFUSED)
            await asyncio.sleep(WAIT * 1.5)
            assert await resent(repository, work_queue_empty=True) == []
        finally:
            await engine.dispose()

    asyncio.run(scenario())


def test_a_run_given_back_is_sent_again_with_a_doubling_wait(database: str) -> None:
    async def scenario() -> None:
        engine = async_engine(database, pool_size=2)
        repository = RunRepository(engine)
        try:
            await queued(repository, "b1")
            await repository.run_messages_published([("b1", 0)])
            run = await repository.claim("b1", 60, "v1")
            assert run is not None
            # Its worker stalls and is fenced out (the reconciler gives the run back; the stalled worker, refused,
            # acks the message): its message may be gone. Sent again past the wait since its last heartbeat, then
            # past twice the wait since that re-send.
            await asyncio.sleep(1.1)
            assert await repository.requeue_stale(1) == 1
            assert await resent(repository) == ["b1"]
            await asyncio.sleep(WAIT * 1.5)
            assert await resent(repository) == [], "the second re-send waits twice as long"
            await asyncio.sleep(WAIT)
            assert await resent(repository) == ["b1"]
        finally:
            await engine.dispose()

    asyncio.run(scenario())


# On the real servers ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with api_stack("loglens-run-resend-stack-", REQUEUE_AFTER) as s:  # the API process reconciles too, same wait
        yield s


@pytest.fixture(scope="module")
def channels(stack: Stack) -> Iterator[tuple[grpc.Channel, grpc.Channel]]:
    with api_channels(stack) as pair:
        yield pair


@pytest.fixture
def client(stack: Stack, channels: tuple[grpc.Channel, grpc.Channel], subject: str) -> GatewayClient:
    return GatewayClient(channels[0], stack.token(subject), analysis_channel=channels[1])


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("logs")
    paths = []
    for i in range(12):
        path = folder / f"app-{i}.log"
        # Each holds one slot long enough that the twelve make a backlog past the re-send wait and a round (the
        # backlog test measures the waits; a faster engine only needs larger files).
        write_log(str(path), 4_000_000, seed=100 + i, kind="app")
        paths.append(path)
    return paths


@pytest.fixture
def workers(stack: Stack) -> Iterator[Workers]:
    with workers_of(stack, **ONE_PASS) as pool:
        yield pool


def wait_until(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last: {value!r})")


def run_messages(stack: Stack, run_names: list[str]) -> dict[str, list[int]]:
    """The stream sequences of every message of these runs the stream holds (it keeps acknowledged ones)."""

    async def read() -> dict[str, list[int]]:
        nc = await nats.connect(stack.nats.url)
        try:
            found: dict[str, list[int]] = {name: [] for name in run_names}
            seq = 1
            while True:
                try:
                    msg = await nc.jetstream().get_msg(STREAM, seq, subject=SUBJECT_RUN_QUEUED, next=True)
                except nats.js.errors.NotFoundError:
                    return found
                queued = events_pb2.AnalysisRunQueued.FromString(msg.data or b"")
                if queued.analysis_run in found and not queued.HasField("chunk"):
                    found[queued.analysis_run].append(msg.seq)
                seq = msg.seq + 1
        finally:
            await nc.close()

    return asyncio.run(read())


def sent(stack: Stack, run_names: list[str]) -> Counter[str]:
    return Counter({name: len(seqs) for name, seqs in run_messages(stack, run_names).items()})


def get_run(client: GatewayClient, name: str) -> analysis_pb2.AnalysisRun:
    return client.analysis.GetAnalysisRun(
        analysis_pb2.GetAnalysisRunRequest(name=name), metadata=client.metadata, timeout=10
    ).analysis_run


def all_finished(client: GatewayClient, run_names: list[str], timeout: float = 180) -> list[analysis_pb2.AnalysisRun]:
    def done() -> list[analysis_pb2.AnalysisRun] | None:
        found = [get_run(client, name) for name in run_names]
        return found if all(r.state in TERMINAL for r in found) else None

    return wait_until(done, timeout, f"{len(run_names)} runs to end")  # type: ignore[no-any-return]


def uploaded_runs(client: GatewayClient, paths: list[Path]) -> list[str]:
    """Each file uploaded with its analysis asked for: the runs, QUEUED as their stored events arrive."""
    return [client.upload(path, analyze=True).analysis_run for path in paths]


def test_a_backlog_of_runs_waiting_for_one_slot_gets_one_message_a_run(
    stack: Stack, client: GatewayClient, workers: Workers, logs: list[Path]
) -> None:
    """Uploads wait behind each other for one worker slot, longer than the re-send wait: their messages are in the
    stream (JetStream acknowledged them), so neither the worker's reconciler nor the API process's sends any again.
    Before, every run waiting past the wait was re-sent at each round (the chaos run: 100 a round)."""
    workers.start(slots=1)
    names_ = uploaded_runs(client, logs)
    ended = all_finished(client, names_)
    assert [r.state for r in ended] == [State.STATE_SUCCEEDED] * len(names_), [r.failure_reason for r in ended]
    # The premise, measured rather than assumed from the engine's speed: some run waited QUEUED past the re-send
    # wait (1 s) and a reconciler round (1 s).
    waited = max(r.start_time.ToNanoseconds() - r.create_time.ToNanoseconds() for r in ended) / 1e9
    counts = sent(stack, names_)
    assert counts == dict.fromkeys(names_, 1), f"{sum(counts.values())} messages for {len(names_)} runs"
    assert waited > 2, (
        f"no backlog to speak of (the longest wait {waited:.1f} s): none waited past the wait and a round"
    )


def test_a_queued_runs_message_gone_from_the_stream_is_sent_again_once_the_queue_is_empty(
    stack: Stack, client: GatewayClient, workers: Workers, logs: list[Path]
) -> None:
    """The message of a run waiting behind others vanishes from the stream (deleted, as limits or an operator
    could): while the queue holds the others' messages it is not sent again (nothing tells it from a run waiting
    its turn); once the work queue holds nothing that could bring it to a worker, the reconciler sends it again and
    the run succeeds."""
    names_ = uploaded_runs(client, logs[:5])  # no worker yet: their messages wait in the queue
    held = wait_until(lambda: (m := run_messages(stack, names_)) and all(m.values()) and m, 30, "the runs' messages")
    lost = names_[-1]

    async def delete(seq: int) -> bool:
        nc = await nats.connect(stack.nats.url)
        try:
            return await nc.jetstream().delete_msg(STREAM, seq)
        finally:
            await nc.close()

    assert asyncio.run(delete(held[lost][0]))
    time.sleep(3)  # past the re-send wait, the reconciler's rounds (1 s) come and go
    assert sent(stack, names_) == {**dict.fromkeys(names_, 1), lost: 0}, "the queue holds work: nothing sent again"
    assert get_run(client, lost).state == State.STATE_QUEUED
    workers.start(slots=1)
    ended = all_finished(client, names_)
    assert [r.state for r in ended] == [State.STATE_SUCCEEDED] * len(names_), [r.failure_reason for r in ended]
    assert sent(stack, names_) == dict.fromkeys(names_, 1), "the lost one sent again once, the others never"


def test_a_run_whose_message_was_never_acknowledged_is_sent_again_while_the_queue_holds_work(
    stack: Stack, client: GatewayClient, workers: Workers, logs: list[Path], subject: str
) -> None:
    """A run queued while NATS did not acknowledge its message (no acknowledgement recorded: the outbox's mark is
    missing) is sent again past the wait, even behind others waiting their turn, whose messages are not."""
    waiting = uploaded_runs(client, logs[5:8])  # no worker yet: their messages wait in the queue
    wait_until(lambda: all(run_messages(stack, waiting).values()), 30, "the waiting runs' messages")
    log_file = client.upload(logs[8], analyze=False)
    file_id = log_file.name.split("/")[1]
    run_id = names.new_id()
    with psycopg.connect(stack.postgres.url, autocommit=True) as conn:
        wait_until(
            lambda: conn.execute("SELECT 1 FROM analysis.log_files WHERE id = %s", (file_id,)).fetchone(),
            30,
            "analysis to know the file",
        )
        # Queued as QueueRun does, its message refused: the run's row, and no acknowledgement recorded.
        conn.execute(
            "INSERT INTO analysis.runs (id, log_file_id, owner, state, bytes_total) VALUES (%s, %s, %s, 'QUEUED', %s)",
            (run_id, file_id, subject, log_file.size_bytes),
        )
    unacknowledged = names.analysis_run_name(file_id, run_id)
    wait_until(lambda: sent(stack, [unacknowledged])[unacknowledged], 15, "the unacknowledged run's message")
    time.sleep(2)
    assert sent(stack, [*waiting, unacknowledged]) == dict.fromkeys([*waiting, unacknowledged], 1)
    with psycopg.connect(stack.postgres.url, autocommit=True) as conn:
        row = conn.execute("SELECT publishes, published_time IS NOT NULL FROM analysis.runs WHERE id = %s", (run_id,))
        assert row.fetchone() == (1, True), "the re-send's acknowledgement recorded: it is not sent again"
    workers.start(slots=1)
    ended = all_finished(client, [*waiting, unacknowledged])
    assert [r.state for r in ended] == [State.STATE_SUCCEEDED] * 4, [r.failure_reason for r in ended]
