"""The comparison use case: find the runs, read their stored reports, let the comparison rules judge.

The baseline is either the runs the caller names or the recent history of the target's service: the newest
SUCCEEDED run of each of the caller's other log files with the same ``service``, uploaded before the target's
log file, newest first. Ingest owns log files and their service, so the history is listed by ingest with the
caller's own credential (tenant rules hold there); the runs and reports are analysis's own.
"""

from __future__ import annotations

import datetime as dt

from loglens.v1 import comparison_pb2, report_pb2
from loglens_analysis.adapters.log_file_directory import LogFileDirectory
from loglens_analysis.adapters.pattern_registry import PatternRegistryStore
from loglens_analysis.adapters.repository import RunRepository
from loglens_analysis.comparison import RunReport, compare
from loglens_analysis.domain import AnalysisRun, RunState
from loglens_common import names
from loglens_common.errors import FailedPrecondition, FieldViolation, InvalidArgument, not_found

DEFAULT_HISTORY = 5
MAX_BASELINE_RUNS = 20
HISTORY_SCAN_FILES = 1000  # log files of the service looked at (newest first) to find the history's runs
HISTORY_PAGE = 100


class RunComparisons:
    def __init__(
        self, repository: RunRepository, directory: LogFileDirectory, registry: PatternRegistryStore | None = None
    ) -> None:
        self.repository = repository
        self.directory = directory
        self.registry = registry

    async def compare(
        self, owner: str, target: str, baseline_runs: list[str], history_size: int
    ) -> comparison_pb2.Comparison:
        target_ids = names.parse_analysis_run(target, "target")
        for i, name in enumerate(baseline_runs):
            names.parse_analysis_run(name, f"baseline_runs[{i}]")
        if len(baseline_runs) > MAX_BASELINE_RUNS:
            raise _invalid("baseline_runs", f"at most {MAX_BASELINE_RUNS} baseline runs (got {len(baseline_runs)})")
        if target in baseline_runs:
            raise _invalid("baseline_runs", f"{target} is the target; a run is not its own baseline")
        if len(set(baseline_runs)) != len(baseline_runs):
            raise _invalid("baseline_runs", "a baseline run is named twice")
        if baseline_runs and history_size:
            raise _invalid("history_size", "history_size chooses the service history; leave it 0 with baseline_runs")
        if not 0 <= history_size <= MAX_BASELINE_RUNS:
            raise _invalid("history_size", f"history_size is 1 to {MAX_BASELINE_RUNS} (0: {DEFAULT_HISTORY})")

        target_run = await self._succeeded(owner, *target_ids, target)
        service = ""
        if baseline_runs:
            source = comparison_pb2.BASELINE_SOURCE_NAMED_RUNS
            baselines = [await self._succeeded(owner, *names.parse_analysis_run(name), name) for name in baseline_runs]
        else:
            source = comparison_pb2.BASELINE_SOURCE_SERVICE_HISTORY
            service, baselines = await self._history(owner, target_run, history_size or DEFAULT_HISTORY)
        runs = [target_run, *baselines]
        stored = await self.repository.reports([r.id for r in runs])
        reports = []
        for run in runs:
            data = stored.get(run.id)
            run_name = names.analysis_run_name(run.log_file_id, run.id)
            if data is None:  # deleted since it was read
                raise not_found(run_name)
            report = report_pb2.AnalysisReport()
            report.ParseFromString(data)
            reports.append(RunReport(run_name, report))
        result = compare(reports[0], reports[1:])
        await self._leave_out_muted(owner, reports[0].report, result)
        result.baseline_source = source
        result.service = service
        result.create_time.FromDatetime(dt.datetime.now(dt.UTC))
        return result

    async def _leave_out_muted(
        self, owner: str, target: report_pb2.AnalysisReport, result: comparison_pb2.Comparison
    ) -> None:
        """Findings about a message muted in the target's service (now, expiry respected) are counted, not listed."""
        service = target.service_memory.service.removeprefix("services/")
        if self.registry is None or not service:
            return
        ids = sorted({i for f in result.findings for i in (*f.template_ids, *f.baseline_template_ids)})
        muted = await self.registry.muted_template_ids(owner, service, ids)
        if not muted:
            return
        kept = [f for f in result.findings if not muted.intersection((*f.template_ids, *f.baseline_template_ids))]
        result.muted_findings = len(result.findings) - len(kept)
        del result.findings[:]
        result.findings.extend(kept)

    async def _succeeded(self, owner: str, log_file_id: str, run_id: str, name: str) -> AnalysisRun:
        run = await self.repository.get_run(owner, log_file_id, run_id)
        if run is None:
            raise not_found(name)
        if run.state is not RunState.SUCCEEDED:
            raise FailedPrecondition(
                f"{name} is {run.state.value}; only SUCCEEDED runs have a report to compare",
                reason="RUN_NOT_SUCCEEDED",
                metadata={"state": run.state.value, "run": name},
            )
        return run

    async def _history(self, owner: str, target: AnalysisRun, size: int) -> tuple[str, list[AnalysisRun]]:
        """The service's recent history before the target's log file: (service, runs newest first)."""
        log_file_name = names.log_file_name(target.log_file_id)
        log_file = await self.directory.get(log_file_name)
        if log_file is None:  # deleted meanwhile
            raise not_found(names.analysis_run_name(target.log_file_id, target.id))
        service = log_file.service
        if not service:
            raise FailedPrecondition(
                f"{log_file_name} has no service, so it has no history to compare with; name baseline runs "
                "(baseline_runs), or upload with a service",
                reason="NO_SERVICE",
            )
        before = log_file.create_time.ToDatetime(tzinfo=dt.UTC)
        found: list[AnalysisRun] = []
        token, scanned = "", 0
        while len(found) < size and scanned < HISTORY_SCAN_FILES:
            files, token = await self.directory.service_files(service, token, HISTORY_PAGE)
            scanned += len(files)
            earlier = [
                names.parse_log_file(f.name)
                for f in files
                if f.name != log_file_name and f.create_time.ToDatetime(tzinfo=dt.UTC) <= before
            ]
            newest = await self.repository.newest_succeeded_runs(owner, earlier)
            found += [newest[i] for i in earlier if i in newest]  # the listing's order: newest file first
            if not token:
                break
        if not found:
            raise FailedPrecondition(
                f"no earlier SUCCEEDED run of service {service!r} to compare {log_file_name} with; upload an "
                "earlier file of the service, or name baseline runs",
                reason="NO_BASELINE",
                metadata={"service": service},
            )
        return service, found[:size]


def _invalid(field: str, message: str) -> InvalidArgument:
    return InvalidArgument(message, reason="INVALID_BASELINE", violations=[FieldViolation(field, message)])
