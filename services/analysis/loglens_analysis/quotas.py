"""Analysis's limits per owner, in one place: runs at once, runs asked for per hour, open Watch streams. No I/O.

Runs are counted in the database inside the transaction that creates the run, under the owner's lock, so
two concurrent requests cannot both take the last free run. Only runs a caller asks for (CreateAnalysisRun)
are refused; the run an upload starts is part of the upload, which ingest's quotas already admitted, but it
counts among the active runs. Open Watch streams are counted the same way, one row per stream (see run_feed.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from loglens_common.errors import quota_exceeded
from loglens_common.quota import QuotaLine

CONCURRENT_RUNS, RUNS_PER_HOUR, WATCH_STREAMS = "concurrent_runs", "runs_per_hour", "watch_streams"
HOUR = dt.timedelta(hours=1)
WHAT = {
    CONCURRENT_RUNS: "analysis runs queued or running",
    RUNS_PER_HOUR: "analysis runs asked for in the last hour",
    WATCH_STREAMS: "WatchAnalysisRun streams open",
}
RETRY_ACTIVE_S = 10.0  # an active run of a small file ends within seconds


@dataclass(frozen=True)
class RunQuotas:
    concurrent_runs: int
    runs_per_hour: int
    watch_streams: int


@dataclass(frozen=True)
class RunUsage:
    active_runs: int  # QUEUED or RUNNING, whoever started them
    requested_last_hour: int  # runs asked for with CreateAnalysisRun in the last hour
    oldest_requested: dt.datetime | None  # the oldest of those: the hour frees a run when it is an hour old
    now: dt.datetime


class RunAdmission:
    def __init__(self, quotas: RunQuotas) -> None:
        self.quotas = quotas

    def admit(self, owner: str, usage: RunUsage) -> None:
        """May ``owner`` start one more run now? Raises QUOTA_EXCEEDED naming the quota if not."""
        q = self.quotas
        if usage.active_runs >= q.concurrent_runs:
            raise quota_exceeded(
                CONCURRENT_RUNS,
                q.concurrent_runs,
                owner,
                f"you have {usage.active_runs} analysis runs queued or running, the most one account may have "
                "when asking for another; wait until one has finished (or cancel one), then retry",
                WHAT[CONCURRENT_RUNS],
                retry_after_s=RETRY_ACTIVE_S,
            )
        if usage.requested_last_hour >= q.runs_per_hour:
            wait = (usage.oldest_requested + HOUR - usage.now) if usage.oldest_requested else HOUR
            seconds = max(1, int(wait.total_seconds()) + 1)
            raise quota_exceeded(
                RUNS_PER_HOUR,
                q.runs_per_hour,
                owner,
                f"you asked for {usage.requested_last_hour} analysis runs in the last hour, the most one account "
                f"may; the next one can start in {seconds} s",
                WHAT[RUNS_PER_HOUR],
                retry_after_s=float(seconds),
            )

    def admit_watch(self, owner: str, open_streams: int) -> None:
        """May ``owner`` open one more WatchAnalysisRun stream? Raises QUOTA_EXCEEDED if not."""
        if open_streams >= self.quotas.watch_streams:
            raise quota_exceeded(
                WATCH_STREAMS,
                self.quotas.watch_streams,
                owner,
                f"you have {open_streams} WatchAnalysisRun streams open, the most one account may have; "
                "close one you no longer follow (or poll GetAnalysisRun), then retry",
                WHAT[WATCH_STREAMS],
            )

    def lines(self, usage: RunUsage, watch_streams: int) -> list[QuotaLine]:
        q = self.quotas
        return [
            QuotaLine(CONCURRENT_RUNS, WHAT[CONCURRENT_RUNS], q.concurrent_runs, usage.active_runs, "runs"),
            QuotaLine(RUNS_PER_HOUR, WHAT[RUNS_PER_HOUR], q.runs_per_hour, usage.requested_last_hour, "runs"),
            QuotaLine(WATCH_STREAMS, WHAT[WATCH_STREAMS], q.watch_streams, watch_streams, "streams"),
        ]
