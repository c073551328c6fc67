"""AnalysisService servicer: protos in, use cases, protos out."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any, TypeAlias

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from loglens.v1 import analysis_pb2, analysis_pb2_grpc, comparison_pb2, comparison_pb2_grpc, quota_pb2, quota_pb2_grpc
from loglens_analysis.adapters.ingest_quotas import IngestQuotas
from loglens_analysis.comparisons import RunComparisons
from loglens_analysis.domain import AnalysisRun, RunState
from loglens_analysis.service import AnalysisRuns
from loglens_common import names
from loglens_common.auth import current_principal

Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]

STATES = {
    RunState.QUEUED: analysis_pb2.AnalysisRun.STATE_QUEUED,
    RunState.RUNNING: analysis_pb2.AnalysisRun.STATE_RUNNING,
    RunState.SUCCEEDED: analysis_pb2.AnalysisRun.STATE_SUCCEEDED,
    RunState.FAILED: analysis_pb2.AnalysisRun.STATE_FAILED,
    RunState.CANCELLED: analysis_pb2.AnalysisRun.STATE_CANCELLED,
}


def _ts(value: dt.datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def run_proto(run: AnalysisRun) -> analysis_pb2.AnalysisRun:
    return analysis_pb2.AnalysisRun(
        name=names.analysis_run_name(run.log_file_id, run.id),
        state=STATES[run.state],
        create_time=_ts(run.create_time),
        start_time=_ts(run.start_time),
        finish_time=_ts(run.finish_time),
        bytes_done=run.bytes_done,
        bytes_total=run.bytes_total,
        lines_done=run.lines_done,
        failure_reason=run.failure_reason,
        failure_code=run.failure_code.value if run.failure_code else "",
        engine_version=run.engine_version,
    )


class AnalysisApi(analysis_pb2_grpc.AnalysisServiceServicer):
    def __init__(self, runs: AnalysisRuns) -> None:
        self.runs = runs

    async def CreateAnalysisRun(
        self, request: analysis_pb2.CreateAnalysisRunRequest, context: Context
    ) -> analysis_pb2.CreateAnalysisRunResponse:
        run, existed = await self.runs.create(current_principal().subject, request.parent)
        return analysis_pb2.CreateAnalysisRunResponse(analysis_run=run_proto(run), already_active=existed)

    async def GetAnalysisRun(
        self, request: analysis_pb2.GetAnalysisRunRequest, context: Context
    ) -> analysis_pb2.GetAnalysisRunResponse:
        run = await self.runs.get(current_principal().subject, request.name)
        return analysis_pb2.GetAnalysisRunResponse(analysis_run=run_proto(run))

    async def ListAnalysisRuns(
        self, request: analysis_pb2.ListAnalysisRunsRequest, context: Context
    ) -> analysis_pb2.ListAnalysisRunsResponse:
        found, token = await self.runs.list(
            current_principal().subject, request.parent, request.page_size, request.page_token
        )
        return analysis_pb2.ListAnalysisRunsResponse(analysis_runs=[run_proto(r) for r in found], next_page_token=token)

    async def CancelAnalysisRun(
        self, request: analysis_pb2.CancelAnalysisRunRequest, context: Context
    ) -> analysis_pb2.CancelAnalysisRunResponse:
        run = await self.runs.cancel(current_principal().subject, request.name)
        return analysis_pb2.CancelAnalysisRunResponse(analysis_run=run_proto(run))

    async def WatchAnalysisRun(
        self, request: analysis_pb2.WatchAnalysisRunRequest, context: Context
    ) -> AsyncIterator[analysis_pb2.WatchAnalysisRunResponse]:
        async for run in self.runs.watch(current_principal().subject, request.name):
            yield analysis_pb2.WatchAnalysisRunResponse(analysis_run=run_proto(run))

    async def GetAnalysisReport(
        self, request: analysis_pb2.GetAnalysisReportRequest, context: Context
    ) -> analysis_pb2.GetAnalysisReportResponse:
        report = await self.runs.report(current_principal().subject, request.name)
        return analysis_pb2.GetAnalysisReportResponse(report=report)


class ComparisonApi(comparison_pb2_grpc.ComparisonServiceServicer):
    def __init__(self, comparisons: RunComparisons) -> None:
        self.comparisons = comparisons

    async def CompareAnalysisRuns(
        self, request: comparison_pb2.CompareAnalysisRunsRequest, context: Context
    ) -> comparison_pb2.CompareAnalysisRunsResponse:
        comparison = await self.comparisons.compare(
            current_principal().subject, request.target, list(request.baseline_runs), request.history_size
        )
        return comparison_pb2.CompareAnalysisRunsResponse(comparison=comparison)


class QuotaApi(quota_pb2_grpc.QuotaServiceServicer):
    """The caller's quotas: ingest's (asked on the caller's behalf) and analysis's own."""

    def __init__(self, runs: AnalysisRuns, ingest: IngestQuotas) -> None:
        self.runs = runs
        self.ingest = ingest

    async def GetQuotaUsage(
        self, request: quota_pb2.GetQuotaUsageRequest, context: Context
    ) -> quota_pb2.GetQuotaUsageResponse:
        quotas = await self.ingest.get()
        for q in await self.runs.quota_usage(current_principal().subject):
            quotas.append(
                quota_pb2.Quota(
                    quota_id=q.quota_id, description=q.description, limit=q.limit, usage=q.usage, unit=q.unit
                )
            )
        return quota_pb2.GetQuotaUsageResponse(quota_usage=quota_pb2.QuotaUsage(quotas=quotas))
