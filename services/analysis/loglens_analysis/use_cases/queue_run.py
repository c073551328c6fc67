"""Queueing an analysis run: the one place a run is queued, whether a caller asks for it (CreateAnalysisRun) or an
upload does (ingest's stored event).

The run is written QUEUED first (the database is the truth, and a log file has at most one active run), then its
message is published and JetStream's acknowledgement recorded on the run (an outbox: the run's row is the entry,
the acknowledgement its mark). A message that cannot be published now is not an error: the reconciler sends again
the messages that were not acknowledged or may be gone from the stream, never one of a run merely waiting its turn
(worker.py; the rule: adapters/repository.py, queued_needing_publish). Queueing is idempotent: asking again while a
run is active answers that run, and a redelivered stored event queues nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import Protocol

from loglens_analysis.domain import AnalysisRun, StoredLogFile
from loglens_analysis.quotas import RunUsage
from loglens_analysis.use_cases.ports import RunMessages, RunStore
from loglens_common import names

log = logging.getLogger("loglens.analysis.queue")


class QueuedRunStore(RunStore, Protocol):
    """The runs' store as queueing uses it: RunStore, and the record of JetStream's acknowledgements."""

    async def run_messages_published(self, sent: Collection[tuple[str, int]]) -> None:
        """(run id, generation) of run messages JetStream acknowledged."""


class QueueRun:
    def __init__(self, runs: QueuedRunStore, messages: RunMessages) -> None:
        self.runs = runs
        self.messages = messages

    async def requested(self, log_file: StoredLogFile, admit: Callable[[RunUsage], None]) -> tuple[AnalysisRun, bool]:
        """A run a caller asked for: the file's active run if it has one (True: nothing new is queued), else a new
        one, if ``admit`` (the owner's quotas, checked under the owner's lock) lets it start."""
        run, existed = await self.runs.create_run(log_file, log_file.size_bytes, admit)
        if not existed:
            await self.publish(run)
        return run, existed

    async def uploaded(self, log_file: StoredLogFile, analyze: bool, announced_run_id: str = "") -> bool:
        """Record a stored log file and queue the run its upload asked for, once however often the event comes.

        ``announced_run_id`` is the run ingest named in its answer to the upload: created with the file, in one
        transaction, under that id. An event of an older ingest names none: then the file's first run comes
        from it, and only the first (a redelivered event must not start a second analysis). False when the file
        was deleted already (its tombstone): nothing is recorded.
        """
        announced = announced_run_id if analyze else ""
        remembered = await self.runs.remember_log_file(log_file, announced)
        if not remembered:
            return False
        if isinstance(remembered, AnalysisRun):
            await self.publish(remembered)
        elif analyze and not announced and not await self.runs.has_runs(log_file.id):
            run, existed = await self.runs.create_run(log_file, log_file.size_bytes)
            if not existed:
                await self.publish(run)
        return True

    async def publish(self, run: AnalysisRun, generation: int = 0) -> bool:
        """Send a QUEUED run's message (``generation`` > 0: the reconciler's copy of one that may be lost) and
        record JetStream's acknowledgement of it; False when NATS did not acknowledge it."""
        if not await self.messages.publish(names.analysis_run_name(run.log_file_id, run.id), run.id, generation):
            return False
        try:
            await self.runs.run_messages_published([(run.id, generation)])
        except Exception as exc:  # not lost: the reconciler sends an unacknowledged message again (a duplicate)
            log.warning("acknowledgement of run %s's message not recorded: %s", run.id, exc)
        return True
