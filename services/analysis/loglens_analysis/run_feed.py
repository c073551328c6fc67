"""Changes of the runs that WatchAnalysisRun streams follow: one poller per process, fanned out in memory.

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
from collections.abc import Iterator
from contextlib import contextmanager

from loglens_analysis.adapters.repository import RunRepository
from loglens_analysis.domain import AnalysisRun

log = logging.getLogger("loglens.analysis.watch")


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
