"""What every view of a comparison reads the same way: names of severities and kinds, the baseline in words,
findings grouped the way the views show them, rates over time."""

from __future__ import annotations

from loglens.v1 import comparison_pb2, report_pb2

F = comparison_pb2
Finding = comparison_pb2.ComparisonFinding

SEVERITY: dict[int, str] = {
    F.SEVERITY_CRITICAL: "CRITICAL",
    F.SEVERITY_HIGH: "HIGH",
    F.SEVERITY_MEDIUM: "MEDIUM",
    F.SEVERITY_LOW: "LOW",
    F.SEVERITY_INFO: "INFO",
}
KIND: dict[int, str] = {
    F.FINDING_KIND_NEW_TEMPLATE: "new message",
    F.FINDING_KIND_GONE_TEMPLATE: "gone",
    F.FINDING_KIND_RATE_INCREASE: "rate up",
    F.FINDING_KIND_RATE_DECREASE: "rate down",
    F.FINDING_KIND_NEW_VALUES: "new values",
    F.FINDING_KIND_NEW_EXCEPTION_GROUP: "new exception",
    F.FINDING_KIND_ERROR_SHARE_CHANGE: "error share",
    F.FINDING_KIND_TEMPLATE_GENERALISED: "new wording",
}
UNIT: dict[int, str] = {
    F.RATE_UNIT_PER_HOUR: "records per hour",
    F.RATE_UNIT_PER_THOUSAND_RECORDS: "records per 1,000 records",
}

NEW_KINDS = (F.FINDING_KIND_NEW_TEMPLATE, F.FINDING_KIND_NEW_EXCEPTION_GROUP)
GONE_KINDS = (F.FINDING_KIND_GONE_TEMPLATE,)
RATE_KINDS = (F.FINDING_KIND_RATE_INCREASE, F.FINDING_KIND_RATE_DECREASE, F.FINDING_KIND_ERROR_SHARE_CHANGE)
VALUE_KINDS = (F.FINDING_KIND_NEW_VALUES, F.FINDING_KIND_TEMPLATE_GENERALISED)


def severity_name(severity: int) -> str:
    return SEVERITY.get(severity, "?")


def kind_name(kind: int) -> str:
    return KIND.get(kind, "?")


def unit_name(unit: int) -> str:
    return UNIT.get(unit, "?")


def baseline_text(c: comparison_pb2.Comparison) -> str:
    """``the last 2 runs of service 'shop' (23,000 records)``, or ``2 named runs (...)``."""
    n = len(c.baselines)
    records = sum(b.record_count for b in c.baselines)
    if c.baseline_source == F.BASELINE_SOURCE_SERVICE_HISTORY:
        what = f"the last {n} run{'s' if n != 1 else ''} of service {c.service!r}"
    else:
        what = f"{n} named run{'s' if n != 1 else ''}"
    return f"{what} ({records:,} records)"


def lines_text(f: Finding) -> str:
    return ", ".join(str(x) for x in f.line_numbers)


def of_kinds(c: comparison_pb2.Comparison, kinds: tuple[int, ...]) -> list[Finding]:
    """The findings of ``kinds``, in the comparison's rank order."""
    return [f for f in c.findings if f.kind in kinds]


def rates_per_hour(histogram: report_pb2.Histogram) -> list[float]:
    """A histogram's buckets as records per hour, so two runs' histograms share one scale."""
    if histogram.bucket_seconds <= 0:
        return []
    return [count * 3600 / histogram.bucket_seconds for count in histogram.counts]
