"""The report as terminal text: one function per section, each returning its lines."""

from __future__ import annotations

from loglens.v1 import report_pb2
from loglens_presentation.reading import (
    HISTOGRAM_BUCKETS,
    LEVEL_ORDER,
    TOP_ERRORS,
    TOP_EXCEPTIONS,
    TOP_PATTERNS,
    TimeGrid,
    anomaly_name,
    claims,
    errors_over_time,
    first,
    fmt_time,
    human_duration,
    level_counts,
    level_histogram,
    level_name,
    quality_rows,
    ranked_view,
    sparkline,
    stats,
    template_level,
    templates_by_id,
    visible,
)


def clip(text: str, width: int) -> str:
    """One line of log text, at most ``width`` characters, control characters shown."""
    text = visible(text.replace("\n", " ⏎ "))
    return text if len(text) <= width else text[: width - 1] + "…"


def heading(title: str, underline: str = "-") -> list[str]:
    return ["", title, underline * len(title)]


def header(report: report_pb2.AnalysisReport, title: str) -> list[str]:
    name = visible(title) if title else "LogLens report"
    out = [name, "=" * len(name)]
    figures = stats(report)
    out.append("  ".join(f"{k}: {v}" for k, v in figures[:4]))
    out.append("  ".join(f"{k}: {v}" for k, v in figures[4:]))
    if report.format.description:
        out.append(f"Format: {visible(report.format.description)}")
    elif report.format.name:  # a report of an engine before the description
        out.append(f"Format: {visible(report.format.name)} (confidence {report.format.confidence:.2f})")
    if report.time_range.HasField("start_time"):
        out.append(f"From {fmt_time(report.time_range.start_time)} to {fmt_time(report.time_range.end_time)} UTC")
    return out


def summary(report: report_pb2.AnalysisReport) -> list[str]:
    return heading("Summary") + ([f"  - {visible(c)}" for c in claims(report)] or ["  (nothing to report)"])


def levels(report: report_pb2.AnalysisReport) -> list[str]:
    counts = level_counts(report)
    if not counts:
        return []
    out = heading("Levels")
    total = sum(counts.values()) or 1
    for level in LEVEL_ORDER:
        if counts.get(level):
            n = counts[level]
            out.append(f"  {level_name(level):<8} {n:>10,} {n / total:7.2%} {'█' * max(1, round(n / total * 40))}")
    return out


def activity(report: report_pb2.AnalysisReport) -> list[str]:
    grid = TimeGrid.of(report, HISTOGRAM_BUCKETS)
    if grid is None:
        return []
    all_rows, errors = errors_over_time(level_histogram(report, grid), grid.buckets)
    return [
        *heading(f"Activity ({human_duration(grid.bucket_seconds)} per column)")[:2],
        "--------",
        f"  all    |{sparkline(all_rows)}|",
        f"  errors |{sparkline(errors)}|",
        f"          from {grid.start:%Y-%m-%d %H:%M:%S} UTC",
    ]


def patterns(report: report_pb2.AnalysisReport) -> list[str]:
    if not report.templates:
        return []
    out = [*heading(f"Top patterns ({min(TOP_PATTERNS, len(report.templates))} of {report.template_count})")[:2]]
    out.append("------------")
    for t in list(report.templates)[:TOP_PATTERNS]:
        out.append(f"  {t.count:>9,} {t.share:7.2%} {template_level(t):<10} {clip(t.text, 90)}")
    return out


def errors(report: report_pb2.AnalysisReport) -> list[str]:
    if not report.error_templates:
        return []
    by_id = templates_by_id(report)
    out = heading("Errors and warnings")
    for ranked in list(report.error_templates)[:TOP_ERRORS]:
        view = ranked_view(ranked, by_id)
        t = view.template
        out.append(
            f"  {level_name(ranked.level):<6} x{view.count_text():<8} {clip(t.text if t else ranked.template_id, 90)}"
        )
        if t:
            out.append(f"         lines {t.first_line}..{t.last_line}")
            out += [f"         L{ex.line_number}: {clip(ex.text, 100)}" for ex in view.examples[:2]]
    return out


def exceptions(report: report_pb2.AnalysisReport) -> list[str]:
    if not report.exception_groups:
        return []
    out = heading("Exceptions")
    for g in list(report.exception_groups)[:TOP_EXCEPTIONS]:
        out.append(f"  {visible(g.exception_type)} x{g.count:,}  lines {g.first_line}..{g.last_line}")
        out += [f"      at {clip(frame, 100)}" for frame in list(g.top_frames)[:3]]
    return out


def timeline(report: report_pb2.AnalysisReport) -> list[str]:
    if not report.timeline:
        return []
    out = heading("Timeline")
    for e in report.timeline:
        lines = ", ".join(str(n) for n in first(e.line_numbers, 5))
        out.append(f"  {fmt_time(e.time)}  {clip(e.description, 100)}" + (f"  [lines {lines}]" if lines else ""))
    return out


def anomalies(report: report_pb2.AnalysisReport) -> list[str]:
    if not report.anomalies:
        return []
    out = heading("Anomalies")
    out += [f"  {anomaly_name(a.kind):<12} score {a.score:6.1f}  {clip(a.description, 100)}" for a in report.anomalies]
    return out


def quality(report: report_pb2.AnalysisReport) -> list[str]:
    q = report.parse_quality
    out = heading("Parse quality")
    out += [f"  {k:<30} {v}" for k, v in quality_rows(q)]
    out += [f"  assumption: {visible(a)}" for a in q.time_assumptions]
    out += [f"  unexplained L{ex.line_number}: {clip(ex.text, 100)}" for ex in list(q.unexplained_samples)[:3]]
    return out


def footer(report: report_pb2.AnalysisReport) -> list[str]:
    return ["", f"LogLens engine {visible(report.engine_version)}"] if report.engine_version else []


def render_text(report: report_pb2.AnalysisReport, title: str) -> str:
    sections = (
        header(report, title),
        summary(report),
        levels(report),
        activity(report),
        patterns(report),
        errors(report),
        exceptions(report),
        timeline(report),
        anomalies(report),
        quality(report),
        footer(report),
    )
    return "\n".join(line for section in sections for line in section) + "\n"
