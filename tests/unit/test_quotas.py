"""Quota rules with fakes: what each quota admits and refuses, the refusal's details, and the Watch feed's cost."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import grpc
import pytest
from google.rpc import error_details_pb2

from loglens_analysis.domain import AnalysisRun, RunState
from loglens_analysis.quotas import RunAdmission, RunQuotas, RunUsage
from loglens_analysis.run_feed import RunFeed
from loglens_common.errors import LogLensError, to_status
from loglens_ingest.quotas import OwnerQuotas, OwnerUsage, UploadQuotas, server_busy

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
UPLOADS = UploadQuotas(OwnerQuotas(concurrent_uploads=2, stored_bytes=1000, log_files=3))
RUNS = RunAdmission(RunQuotas(concurrent_runs=2, runs_per_hour=3, watch_streams=2))


def usage(files: int = 0, stored: int = 0, uploads: int = 0, reserved: int = 0) -> OwnerUsage:
    return OwnerUsage(log_files=files, stored_bytes=stored, open_uploads=uploads, reserved_bytes=reserved)


def refused(call) -> LogLensError:  # type: ignore[no-untyped-def]
    with pytest.raises(LogLensError) as caught:
        call()
    return caught.value


def quota_failure(error: LogLensError) -> error_details_pb2.QuotaFailure:
    for detail in to_status(error).details:
        if detail.Is(error_details_pb2.QuotaFailure.DESCRIPTOR):
            failure = error_details_pb2.QuotaFailure()
            detail.Unpack(failure)
            return failure
    raise AssertionError("no QuotaFailure")


def test_an_upload_is_admitted_while_every_quota_has_room() -> None:
    UPLOADS.admit("u", usage(files=1, stored=500, uploads=1, reserved=100), declared_size=400)
    UPLOADS.admit("u", usage(files=2, stored=999), declared_size=None)


@pytest.mark.parametrize(
    ("now", "declared", "quota"),
    [
        (usage(uploads=2), None, "concurrent_uploads"),
        (usage(files=3), None, "log_files"),
        (usage(files=2, uploads=1), None, "log_files"),  # the upload in progress holds the last file
        (usage(stored=1000), None, "stored_bytes"),
        (usage(stored=600, reserved=300), 101, "stored_bytes"),  # another upload's declared size is reserved
    ],
)
def test_an_upload_past_a_quota_is_refused_naming_it(now: OwnerUsage, declared: int | None, quota: str) -> None:
    error = refused(lambda: UPLOADS.admit("owner-1", now, declared))
    assert error.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert (error.reason, error.metadata["quota"]) == ("QUOTA_EXCEEDED", quota)
    violation = quota_failure(error).violations[0]
    assert (violation.quota_id, violation.subject, violation.api_service) == (quota, "user:owner-1", "loglens")
    assert violation.quota_value == {"concurrent_uploads": 2, "log_files": 3, "stored_bytes": 1000}[quota]
    assert violation.description.endswith(f"at most {violation.quota_value} per account")


def test_a_finished_upload_is_checked_again_against_what_committed_meanwhile() -> None:
    UPLOADS.check_commit("u", usage(files=2, stored=600), size=400)  # exactly full
    assert refused(lambda: UPLOADS.check_commit("u", usage(files=3), size=1)).metadata["quota"] == "log_files"
    over = refused(lambda: UPLOADS.check_commit("u", usage(files=1, stored=600, reserved=100), size=301))
    assert over.metadata["quota"] == "stored_bytes" and "nothing was kept" in over.message


def test_the_process_cap_is_not_anyones_quota() -> None:
    error = server_busy(32)
    assert (error.reason, error.retry_after_s) == ("UPLOADS_BUSY", 2.0)
    violation = quota_failure(error).violations[0]
    assert (violation.quota_id, violation.subject, violation.quota_value) == (
        "server_concurrent_uploads",
        "service:ingest",
        32,
    )


def test_runs_at_once_and_per_hour() -> None:
    RUNS.admit("u", RunUsage(active_runs=1, requested_last_hour=2, oldest_requested=NOW, now=NOW))
    busy = refused(lambda: RUNS.admit("u", RunUsage(2, 0, None, NOW)))
    assert busy.metadata["quota"] == "concurrent_runs" and busy.retry_after_s
    oldest = NOW - dt.timedelta(minutes=50)
    hourly = refused(lambda: RUNS.admit("u", RunUsage(0, 3, oldest, NOW)))
    assert hourly.metadata["quota"] == "runs_per_hour"
    assert hourly.retry_after_s == 601.0  # when the oldest of the hour's runs is an hour old
    assert "601 s" in hourly.message


def test_watch_streams_up_to_the_quota() -> None:
    RUNS.admit_watch("u", 1)
    refused_watch = refused(lambda: RUNS.admit_watch("u", 2))
    assert refused_watch.metadata["quota"] == "watch_streams" and "close one" in refused_watch.message


def _run(run_id: str, state: RunState = RunState.QUEUED, done: int = 0) -> AnalysisRun:
    return AnalysisRun(run_id, "f", "o", state, NOW, None, None, done, 100, 0, "", None, "", 0, None)


class FakeRuns:
    def __init__(self) -> None:
        self.runs: dict[str, AnalysisRun] = {}
        self.queries = 0

    async def runs_by_ids(self, run_ids: list[str]) -> dict[str, AnalysisRun]:
        self.queries += 1
        return {i: self.runs[i] for i in run_ids if i in self.runs}


async def test_one_query_per_interval_serves_every_watch_stream() -> None:
    repository = FakeRuns()
    repository.runs = {"r1": _run("r1"), "r2": _run("r2")}
    feed = RunFeed(repository, interval_s=0.01)  # type: ignore[arg-type]
    poller = asyncio.create_task(feed.run())

    async def follow(run_id: str) -> list[int]:
        seen = []
        with feed.following(run_id):
            while True:
                run = await feed.next(run_id)
                assert run is not None
                seen.append(run.bytes_done)
                if run.state.terminal:
                    return seen

    watchers = [asyncio.create_task(follow("r1" if i % 2 else "r2")) for i in range(100)]
    await asyncio.sleep(0.05)
    for run_id in ("r1", "r2"):
        repository.runs[run_id] = dataclasses.replace(repository.runs[run_id], bytes_done=50)
    await asyncio.sleep(0.05)
    for run_id in ("r1", "r2"):
        repository.runs[run_id] = _run(run_id, RunState.SUCCEEDED, 100)
    results = await asyncio.wait_for(asyncio.gather(*watchers), 5)
    polls_while_watched = repository.queries
    await asyncio.sleep(0.05)
    poller.cancel()
    assert all(seen[-1] == 100 and 50 in seen for seen in results)
    assert polls_while_watched < 40  # 100 streams, ~15 intervals: one query each, not one per stream
    assert repository.queries == polls_while_watched  # nobody follows a run: no queries at all
