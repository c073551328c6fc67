"""The outbox of runs' messages, on fakes: queueing records which messages JetStream acknowledged (the mark the
reconciler trusts the stream with), and a reconciler round looks at the work queue once for runs and chunks alike
and stops at the first publish NATS refuses. Which runs are re-sent (the rule's SQL) is tested on a real PostgreSQL
and on the real servers: tests/integration/test_run_resend.py."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from loglens_analysis.domain import AnalysisRun, RunState
from loglens_analysis.use_cases.queue_run import QueueRun
from loglens_analysis.worker import Worker
from tests.unit.run_fakes import InMemoryRuns, RecordingMessages, log_file


class QueuedRuns(InMemoryRuns):
    """The store, with the record of JetStream's acknowledgements of the runs' messages (the outbox's mark)."""

    def __init__(self) -> None:
        super().__init__()
        self.acknowledged: list[tuple[str, int]] = []

    async def run_messages_published(self, sent: Collection[tuple[str, int]]) -> None:
        self.acknowledged.extend(sent)


async def test_queueing_records_the_acknowledged_message_and_nothing_for_a_refused_one() -> None:
    store, messages = QueuedRuns(), RecordingMessages()
    queue = QueueRun(store, messages)
    assert await queue.uploaded(log_file("f1"), analyze=True, announced_run_id="r1")
    assert store.acknowledged == [("r1", 0)], "generation 0: the message sent when it was queued"
    messages.down = True  # NATS away: not acknowledged, the reconciler's to send again
    assert await queue.uploaded(log_file("f2"), analyze=True, announced_run_id="r2")
    assert store.run("r2").state is RunState.QUEUED and store.acknowledged == [("r1", 0)]
    messages.down = False
    assert await queue.publish(store.run("r2"), generation=1)  # the reconciler's copy
    assert store.acknowledged == [("r1", 0), ("r2", 1)]


async def test_a_failed_record_of_the_acknowledgement_does_not_undo_the_queueing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, messages = QueuedRuns(), RecordingMessages()

    async def database_away(sent: Collection[tuple[str, int]]) -> None:
        raise ConnectionError("database away")

    store.run_messages_published = database_away  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING):
        assert await QueueRun(store, messages).publish(await queued_run(store, "r1"))
    assert messages.published == [("logFiles/f1/analysisRuns/r1", "r1", 0)]
    assert "acknowledgement of run r1's message not recorded" in caplog.text


async def queued_run(store: InMemoryRuns, run_id: str) -> AnalysisRun:
    assert await store.remember_log_file(log_file("f1"), run_id)
    return store.run(run_id)


@dataclass
class ReconciledRuns:
    """What a reconciler round asks of the repository: the runs and steps whose messages may be lost."""

    store: QueuedRuns
    lost_runs: list[tuple[str, int]]
    seen: list[tuple[str, bool]] = field(default_factory=list)  # (which question, work_queue_empty)

    async def requeue_stale(self, stale_after_s: float) -> int:
        return 0

    async def requeue_stale_chunks(self, stale_after_s: float) -> int:
        return 0

    async def queued_needing_publish(self, older_than_s: float, work_queue_empty: bool = False) -> list[Any]:
        self.seen.append(("runs", work_queue_empty))
        return self.lost_runs

    async def chunks_needing_publish(self, older_than_s: float, work_queue_empty: bool = False) -> list[Any]:
        self.seen.append(("chunks", work_queue_empty))
        return []

    async def chunk_messages_published(self, sent: Collection[tuple[str, int, int, int]]) -> None:
        pass

    async def run_by_id(self, run_id: str) -> AnalysisRun | None:
        return self.store.runs.get(run_id)

    async def sweep_tombstones(self, older_than_s: float) -> int:
        return 0


class WorkQueue:
    """The runs' consumer as consumer_info tells it."""

    def __init__(self, pending: int, ack_pending: int) -> None:
        self.looks = 0
        self.info = SimpleNamespace(num_pending=pending, num_ack_pending=ack_pending)

    async def consumer_info(self, stream: str, consumer: str) -> SimpleNamespace:
        self.looks += 1
        return self.info


@dataclass
class RefusingMessages(RecordingMessages):
    """NATS accepts ``accept`` messages, then refuses every one."""

    accept: int = 0

    async def publish(self, run_name: str, run_id: str, generation: int = 0) -> bool:
        if len(self.published) >= self.accept:
            return False
        return await super().publish(run_name, run_id, generation)


def reconciler(store: QueuedRuns, lost: list[tuple[str, int]], messages: RecordingMessages, queue: WorkQueue) -> Any:
    repository = ReconciledRuns(store, lost)
    settings = SimpleNamespace(stale_after_s=20.0, requeue_after_s=1.0)
    worker = Worker(repository, queue, QueueRun(store, messages), None, None, settings, None, None, messages)  # type: ignore[arg-type]
    return worker, repository


@pytest.mark.parametrize(("pending", "ack_pending", "empty"), [(0, 0, True), (3, 0, False), (0, 1, False)])
async def test_a_round_looks_at_the_work_queue_once_for_runs_and_chunks(
    pending: int, ack_pending: int, empty: bool
) -> None:
    store = QueuedRuns()
    queue = WorkQueue(pending, ack_pending)
    worker, repository = reconciler(store, [], RecordingMessages(), queue)
    assert await worker.reconcile_once() == (0, 0)
    assert repository.seen == [("runs", empty), ("chunks", empty)]
    assert queue.looks == 2, "once for the re-sends, once for the backlog metric"


async def test_a_round_stops_re_sending_runs_at_the_first_publish_nats_refuses() -> None:
    store = QueuedRuns()
    for i in range(1, 4):
        assert await store.remember_log_file(log_file(f"f{i}"), f"r{i}")
    messages = RefusingMessages(accept=1)
    worker, _ = reconciler(store, [("r1", 1), ("gone", 1), ("r2", 1), ("r3", 1)], messages, WorkQueue(5, 0))
    assert await worker.reconcile_once() == (0, 1)
    assert [p[1:] for p in messages.published] == [("r1", 1)], "a deleted run is skipped; r3 waits for the next round"
    assert store.acknowledged == [("r1", 1)], "only the acknowledged re-send is recorded"
