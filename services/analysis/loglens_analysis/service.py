"""Analysis-run use cases for callers: create, read, list, cancel, watch, report."""

from __future__ import annotations

import asyncio
import builtins
import datetime as dt
from collections.abc import AsyncIterator

from loglens.v1 import report_pb2
from loglens_analysis.adapters.log_file_directory import LogFileDirectory
from loglens_analysis.adapters.repository import RunRepository
from loglens_analysis.domain import AnalysisRun, RunState, StoredLogFile
from loglens_analysis.quotas import QuotaLine, RunAdmission
from loglens_analysis.run_feed import RunFeed, WatchSlots
from loglens_analysis.use_cases.queue_run import QueueRun
from loglens_common import names
from loglens_common.errors import FailedPrecondition, Unavailable, not_found

REGISTRATION_WAIT_S = 5.0


class AnalysisRuns:
    def __init__(
        self,
        repository: RunRepository,
        queue: QueueRun,
        directory: LogFileDirectory,
        feed: RunFeed,
        admission: RunAdmission,
        watch_slots: WatchSlots,
    ) -> None:
        self.repository = repository
        self.queue = queue
        self.directory = directory
        self.feed = feed
        self.admission = admission
        self.watch_slots = watch_slots

    async def _log_file(self, owner: str, parent: str) -> StoredLogFile | None:
        """The log file if analysis knows it; None if ingest has it but its event is still on the way."""
        log_file = await self.repository.log_file(owner, names.parse_log_file(parent, "parent"))
        if log_file is None and not await self.directory.exists(parent):
            raise not_found(parent)
        return log_file

    async def create(self, owner: str, parent: str) -> tuple[AnalysisRun, bool]:
        log_file = await self._log_file(owner, parent)
        waited = 0.0
        while log_file is None and waited < REGISTRATION_WAIT_S:  # the stored event normally takes ms
            await asyncio.sleep(0.1)
            waited += 0.1
            log_file = await self.repository.log_file(owner, names.parse_log_file(parent, "parent"))
        if log_file is None:
            raise Unavailable(
                f"{parent} is stored but not yet registered for analysis (its event is delayed); retry shortly",
                reason="LOG_FILE_REGISTERING",
                retry_after_s=2,
            )
        return await self.queue.requested(log_file, lambda usage: self.admission.admit(owner, usage))

    async def get(self, owner: str, name: str) -> AnalysisRun:
        log_file_id, run_id = names.parse_analysis_run(name)
        run = await self.repository.get_run(owner, log_file_id, run_id) or await self._announced(owner, name)
        if run is None:
            raise not_found(name)
        return run

    async def _announced(self, owner: str, name: str) -> AnalysisRun | None:
        """The run an upload named in its answer while its stored event is still on the way: QUEUED.

        Ingest names the run; analysis creates it, with the log file, when the event arrives (milliseconds
        later, or once NATS is back). Until then ingest's record of the file is the evidence that it will.
        """
        log_file_id, run_id = names.parse_analysis_run(name)
        if await self.repository.log_file(owner, log_file_id) is not None:
            # Analysis knows the file, so it knows every run of it: the file and its announced run commit
            # together, so a stored event that arrived since the caller's first read left the run here too.
            return await self.repository.get_run(owner, log_file_id, run_id)
        announced = await self.directory.get(names.log_file_name(log_file_id))
        if announced is None or announced.analysis_run != name:
            return None
        # Read again: the event may have arrived while ingest answered (then the stored run is the truth).
        stored = await self.repository.get_run(owner, log_file_id, run_id)
        if stored is not None:
            return stored
        return AnalysisRun(
            id=run_id,
            log_file_id=log_file_id,
            owner=owner,
            state=RunState.QUEUED,
            create_time=announced.create_time.ToDatetime(tzinfo=dt.UTC),
            start_time=None,
            finish_time=None,
            bytes_done=0,
            bytes_total=announced.size_bytes,
            lines_done=0,
            failure_reason="",
            failure_code=None,
            engine_version="",
            attempts=0,
            heartbeat_time=None,
        )

    async def _stored(self, owner: str, name: str) -> AnalysisRun:
        """The run as analysis stores it, waiting briefly for an announced run's event (to change it)."""
        log_file_id, run_id = names.parse_analysis_run(name)
        waited = 0.0
        while True:
            run = await self.repository.get_run(owner, log_file_id, run_id)
            if run is not None:
                return run
            if waited == 0.0 and await self._announced(owner, name) is None:
                raise not_found(name)
            if waited >= REGISTRATION_WAIT_S:
                raise Unavailable(
                    f"{name} is announced but not yet registered for analysis (its event is delayed); retry shortly",
                    reason="LOG_FILE_REGISTERING",
                    retry_after_s=2,
                )
            await asyncio.sleep(0.1)
            waited += 0.1

    async def list(self, owner: str, parent: str, page_size: int, page_token: str) -> tuple[list[AnalysisRun], str]:
        log_file_id = names.parse_log_file(parent, "parent")
        size = names.page_size(page_size)
        query = f"{owner}|{log_file_id}"
        after = names.decode_page_token(page_token, query)
        found = await self.repository.list_runs(owner, log_file_id, size + 1, after)
        if not found:
            # No runs: the file is unknown (NOT_FOUND), just stored, or deleted a moment ago. Checked after the
            # query, so a deletion racing this call cannot turn into an empty page for a file that is gone.
            await self._log_file(owner, parent)
        return names.cut_page(found, size, query)

    async def cancel(self, owner: str, name: str) -> AnalysisRun:
        run = await self._stored(owner, name)
        if run.state.terminal:
            raise FailedPrecondition(
                f"{name} is already {run.state.value}; only QUEUED or RUNNING runs can be cancelled",
                reason="RUN_FINISHED",
                metadata={"state": run.state.value},
            )
        cancelled = await self.repository.cancel(owner, run.log_file_id, run.id)
        if cancelled is None:
            raise not_found(name)
        return cancelled

    async def watch(self, owner: str, name: str) -> AsyncIterator[AnalysisRun]:
        """Yield the run whenever its state or progress changes, ending with its terminal state."""
        async with self.watch_slots.hold(owner):
            run = await self.get(owner, name)
            with self.feed.following(run.id):
                last = None
                while True:
                    key = (run.state, run.bytes_done, run.lines_done)
                    if key != last:
                        last = key
                        yield run
                    if run.state.terminal:
                        return
                    current = await self.feed.next(run.id)
                    if current is None:  # deleted, or announced and its event still on the way
                        current = await self._announced(owner, name)
                    if current is None:
                        raise not_found(name)
                    run = current

    async def quota_usage(self, owner: str) -> builtins.list[QuotaLine]:
        return self.admission.lines(await self.repository.run_usage(owner), await self.watch_slots.count(owner))

    async def report(self, owner: str, name: str) -> report_pb2.AnalysisReport:
        log_file_id, run_id = names.parse_report(name)
        run_name = names.analysis_run_name(log_file_id, run_id)
        run = await self.repository.get_run(owner, log_file_id, run_id) or await self._announced(owner, run_name)
        if run is None:
            raise not_found(name)
        if run.state is not RunState.SUCCEEDED:
            raise FailedPrecondition(
                f"{run_name} is {run.state.value}; a report exists only once it SUCCEEDED",
                reason="RUN_NOT_SUCCEEDED",
                metadata={"state": run.state.value},
            )
        data = await self.repository.report(run_id)
        if data is None:
            raise not_found(name)
        report = report_pb2.AnalysisReport()
        report.ParseFromString(data)
        return report
