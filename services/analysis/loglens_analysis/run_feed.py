"""WatchAnalysisRun's machinery: the runs' changes from one poller per process, and the streams' quota slots.

Each stream used to read its run from PostgreSQL every ``watch_poll_s``: N streams, N queries per interval.
Here one task reads every followed run in one query per interval and wakes all streams; each compares the
run with what it sent last. The database's cost no longer grows with the number of streams (one indexed
``id IN (...)`` per interval, per process), and a stream's latency stays one interval, as before.

Why not LISTEN/NOTIFY: progress is written every heartbeat by workers in other processes, so a notification
per write would cost about what the polling did; it needs a connection per process held outside the pool,
and notifications sent while that connection is re-established are lost, so a poll is still needed to
catch up. Why not NATS: the run's state lives in the database, and NATS would become a second path for it
(with its own loss and ordering cases) and a dependency of reads. One poll per process is the least that
keeps streams current, and it keeps working as long as the database does.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from loglens_analysis.adapters.repository import RunRepository
from loglens_analysis.domain import AnalysisRun
from loglens_analysis.quotas import RunAdmission
from loglens_common import names

log = logging.getLogger("loglens.analysis.watch")
# A stream's slot outlives a replica that died by this much at most; the live replica renews it every third.
WATCH_LEASE_S = 60.0


class RunFeed:
    def __init__(self, repository: RunRepository, interval_s: float) -> None:
        self._repository = repository
        self._interval_s = interval_s
        self._followed: Counter[str] = Counter()  # run id -> streams following it
        self._latest: dict[str, AnalysisRun | None] = {}
        self._polled = asyncio.Event()  # set, and replaced, after every poll
        self.polls = 0  # queries made, for tests and metrics

    @contextmanager
    def following(self, run_id: str) -> Iterator[None]:
        self._followed[run_id] += 1
        try:
            yield
        finally:
            self._followed[run_id] -= 1
            if self._followed[run_id] <= 0:
                del self._followed[run_id]
                self._latest.pop(run_id, None)

    async def next(self, run_id: str) -> AnalysisRun | None:
        """The run as the next poll finds it; None when it is not in the database (deleted, or announced)."""
        await self._polled.wait()
        return self._latest.get(run_id)

    async def run(self) -> None:
        """The poller (a background task of the service)."""
        failing = False
        while True:
            await asyncio.sleep(self._interval_s)
            followed = list(self._followed)
            if not followed:
                continue
            try:
                found = await self._repository.runs_by_ids(followed)
            except Exception as exc:  # the streams wait for the next poll that works
                if not failing:
                    log.warning("cannot read the watched runs now, will retry: %s", exc)
                failing = True
                continue
            failing = False
            self.polls += 1
            self._latest = {run_id: found.get(run_id) for run_id in followed}
            polled, self._polled = self._polled, asyncio.Event()
            polled.set()


class WatchSlots:
    """Open WatchAnalysisRun streams, one database row each: the per-owner quota holds whichever replica serves
    a stream (the gateway spreads them), and the check and the insert share the owner's lock, so two streams
    opened at once cannot both take the last slot. Two short transactions per stream, one renewal per process."""

    def __init__(self, repository: RunRepository, admission: RunAdmission, lease_s: float = WATCH_LEASE_S) -> None:
        self._repository = repository
        self._admission = admission
        self._lease_s = lease_s
        self._held: set[str] = set()

    @asynccontextmanager
    async def hold(self, owner: str) -> AsyncIterator[None]:
        def check(open_streams: int) -> None:
            self._admission.admit_watch(owner, open_streams)

        slot_id = names.new_id()
        await self._repository.open_watch(owner, slot_id, self._lease_s, check)
        self._held.add(slot_id)
        try:
            yield
        finally:
            self._held.discard(slot_id)
            try:
                await asyncio.shield(self._repository.close_watch(slot_id))
            except Exception as exc:  # the database is away: the slot lapses with its lease
                log.warning("could not free a watch slot now: %s", exc)

    async def count(self, owner: str) -> int:
        return await self._repository.open_watches(owner)

    async def keep(self) -> None:
        """Renew this process's slots and drop lapsed ones (a background task of the service)."""
        while True:
            await asyncio.sleep(self._lease_s / 3)
            try:
                await self._repository.renew_watches(sorted(self._held), self._lease_s)
            except Exception as exc:
                log.warning("could not renew watch slots now: %s", exc)
