"""AnalysisService servicer: protos in, use cases, protos out."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any, TypeAlias

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from loglens.v1 import (
    analysis_pb2,
    analysis_pb2_grpc,
    comparison_pb2,
    comparison_pb2_grpc,
    quota_pb2,
    quota_pb2_grpc,
    registry_pb2,
    registry_pb2_grpc,
    report_pb2,
)
from loglens_analysis.adapters.ingest_quotas import IngestQuotas
from loglens_analysis.adapters.pattern_registry import PatternRecord, RunRef, ServiceRecord
from loglens_analysis.comparisons import RunComparisons
from loglens_analysis.domain import AnalysisRun, RunState
from loglens_analysis.patterns import PatternDetail, PatternRegistry
from loglens_analysis.registry import PatternState
from loglens_analysis.service import AnalysisRuns
from loglens_common import names
from loglens_common.auth import current_principal
from loglens_common.errors import FieldViolation, InvalidArgument

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


PATTERN_STATES = {
    PatternState.UNREVIEWED: registry_pb2.PATTERN_STATE_UNREVIEWED,
    PatternState.KNOWN: registry_pb2.PATTERN_STATE_KNOWN,
    PatternState.IMPORTANT: registry_pb2.PATTERN_STATE_IMPORTANT,
    PatternState.MUTED: registry_pb2.PATTERN_STATE_MUTED,
}
STATE_OF_PROTO = {v: k for k, v in PATTERN_STATES.items()}
ORDERS = {
    registry_pb2.PATTERN_ORDER_UNSPECIFIED: "last_seen",
    registry_pb2.PATTERN_ORDER_LAST_SEEN: "last_seen",
    registry_pb2.PATTERN_ORDER_TOTAL_COUNT: "total_count",
    registry_pb2.PATTERN_ORDER_FIRST_SEEN: "first_seen",
}


def _bad_field(field: str, message: str) -> InvalidArgument:
    return InvalidArgument(message, reason="INVALID_ARGUMENT", violations=[FieldViolation(field, message)])


def _state(value: int, field: str) -> PatternState | None:
    if value == registry_pb2.PATTERN_STATE_UNSPECIFIED:
        return None
    if value not in STATE_OF_PROTO:
        raise _bad_field(field, f"{field} {value} is not a pattern state")
    return STATE_OF_PROTO[value]  # type: ignore[index]


def _time(ts: Timestamp, field: str) -> dt.datetime:
    try:
        return ts.ToDatetime(tzinfo=dt.UTC)
    except (ValueError, OverflowError):
        raise _bad_field(field, f"{field} is not a valid time") from None


def _run_name(ref: RunRef) -> str:
    return names.analysis_run_name(ref.log_file_id, ref.run_id)


def service_proto(s: ServiceRecord, max_patterns: int) -> registry_pb2.Service:
    return registry_pb2.Service(
        name=names.service_name(s.service),
        pattern_count=s.pattern_count,
        run_count=s.run_count,
        create_time=_ts(s.create_time),
        update_time=_ts(s.update_time),
        max_patterns=max_patterns,
        evicted_pattern_count=s.evicted_count,
        last_analysis_run=names.analysis_run_name(*s.last_run) if s.last_run else "",
    )


def pattern_proto(p: PatternRecord) -> registry_pb2.Pattern:
    return registry_pb2.Pattern(
        name=names.pattern_name(p.service, p.template_id),
        template_id=p.template_id,
        text=p.text,
        lineage=p.lineage,
        levels=[
            report_pb2.LevelCount(level=level, count=count)  # type: ignore[arg-type]
            for level, count in enumerate(p.level_counts)
            if count
        ],
        max_level=p.max_level,  # type: ignore[arg-type]
        first_analysis_run=_run_name(p.first),
        first_seen_time=_ts(p.first.record_time),
        first_record_time=_ts(p.first_record_time),
        first_line=p.first_line,
        last_analysis_run=_run_name(p.last),
        last_seen_time=_ts(p.last.record_time),
        run_count=p.run_count,
        total_count=p.total_count,
        labels=p.labels,
        note=p.note,
        state=PATTERN_STATES[p.state],
        state_expire_time=_ts(p.state_expire_time),
        update_time=_ts(p.update_time),
    )


def pattern_detail_proto(d: PatternDetail) -> registry_pb2.Pattern:
    out = pattern_proto(d.pattern)
    for ref, count in d.history:
        out.history.add(analysis_run=_run_name(ref), record_time=_ts(ref.record_time), count=count)
    for p in d.placeholders:
        out.placeholders.add(
            index=p.index, kind=p.kind, top_values=[report_pb2.ValueCount(value=v, count=c) for v, c in p.top_values]
        )
    return out


class PatternRegistryApi(registry_pb2_grpc.PatternRegistryServiceServicer):
    def __init__(self, registry: PatternRegistry, max_patterns: int) -> None:
        self.registry = registry
        self.max_patterns = max_patterns

    async def ListServices(
        self, request: registry_pb2.ListServicesRequest, context: Context
    ) -> registry_pb2.ListServicesResponse:
        found, token = await self.registry.list_services(
            current_principal().subject, request.page_size, request.page_token
        )
        return registry_pb2.ListServicesResponse(
            services=[service_proto(s, self.max_patterns) for s in found], next_page_token=token
        )

    async def ListPatterns(
        self, request: registry_pb2.ListPatternsRequest, context: Context
    ) -> registry_pb2.ListPatternsResponse:
        if request.order_by not in ORDERS:
            raise _bad_field("order_by", f"order_by {request.order_by} is not a pattern order")
        if request.min_level not in report_pb2.Level.values():
            raise _bad_field("min_level", f"min_level {request.min_level} is not a level")
        found, token = await self.registry.list_patterns(
            current_principal().subject,
            request.parent,
            request.page_size,
            request.page_token,
            new_since_run=request.new_since_analysis_run,
            new_since_time=_time(request.new_since_time, "new_since_time")
            if request.HasField("new_since_time")
            else None,
            state=_state(request.state, "state"),
            min_level=request.min_level,
            text_contains=request.text_contains,
            order=ORDERS[request.order_by],
        )
        return registry_pb2.ListPatternsResponse(patterns=[pattern_proto(p) for p in found], next_page_token=token)

    async def GetPattern(
        self, request: registry_pb2.GetPatternRequest, context: Context
    ) -> registry_pb2.GetPatternResponse:
        detail = await self.registry.get_pattern(current_principal().subject, request.name, request.history_size)
        return registry_pb2.GetPatternResponse(pattern=pattern_detail_proto(detail))

    async def UpdatePattern(
        self, request: registry_pb2.UpdatePatternRequest, context: Context
    ) -> registry_pb2.UpdatePatternResponse:
        p = request.pattern
        updated = await self.registry.update_pattern(
            current_principal().subject,
            p.name,
            list(request.update_mask.paths),
            dict(p.labels),
            p.note,
            _state(p.state, "pattern.state"),
            _time(p.state_expire_time, "pattern.state_expire_time") if p.HasField("state_expire_time") else None,
        )
        return registry_pb2.UpdatePatternResponse(pattern=pattern_proto(updated))
