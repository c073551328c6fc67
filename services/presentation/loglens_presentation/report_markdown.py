"""The report as Markdown: one function per section."""

from __future__ import annotations

import re

from loglens.v1 import report_pb2
from loglens_presentation.markdown import md_cell, md_code, md_code_block, md_table
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
)


def header(report: report_pb2.AnalysisReport, title: str) -> list[str]:
    figures = stats(report)
    out = [f"# {md_cell(title) if title else 'LogLens report'}", ""]
    out += md_table([k for k, _ in figures], [[md_cell(v) for _, v in figures]])
    if report.time_range.HasField("start_time"):
        start, end = fmt_time(report.time_range.start_time), fmt_time(report.time_range.end_time)
        out += ["", f"From {start} to {end} UTC."]
    if report.format.description:
        out += ["", f"Format: {md_cell(report.format.description)}."]
    return out


def summary(report: report_pb2.AnalysisReport) -> list[str]:
    return ["", "## Summary", ""] + ([f"- {md_cell(c)}" for c in claims(report)] or ["Nothing to report."])


def levels(report: report_pb2.AnalysisReport) -> list[str]:
    counts = level_counts(report)
    if not counts:
        return []
    total = sum(counts.values()) or 1
    rows = [[level_name(lv), f"{counts[lv]:,}", f"{counts[lv] / total:.2%}"] for lv in LEVEL_ORDER if counts.get(lv)]
    return ["", "## Levels", "", *md_table(["Level", "Records", "Share"], rows)]


def activity(report: report_pb2.AnalysisReport) -> list[str]:
    grid = TimeGrid.of(report, HISTOGRAM_BUCKETS)
    if grid is None:
        return []
    all_rows, errors = errors_over_time(level_histogram(report, grid), grid.buckets)
    return [
        "",
        f"Activity from {grid.start:%Y-%m-%d %H:%M:%S} UTC, {human_duration(grid.bucket_seconds)} per column:",
        "",
        "```text",
        f"all    |{sparkline(all_rows)}|",
        f"errors |{sparkline(errors)}|",
        "```",
    ]


def template_id_cell(template_id: str) -> str:
    return f"`{template_id}`" if re.fullmatch(r"[0-9A-Za-z_-]+", template_id) else md_cell(template_id)


def patterns(report: report_pb2.AnalysisReport) -> list[str]:
    if not report.templates:
        return []
    rows = [
        [
            template_id_cell(t.id),
            md_code(t.text),
            template_level(t),
            f"{t.count:,}",
            f"{t.share:.2%}",
            f"{t.first_line}..{t.last_line}",
        ]
        for t in list(report.templates)[:TOP_PATTERNS]
    ]
    return [
        "",
        f"## Top patterns ({min(TOP_PATTERNS, len(report.templates))} of {report.template_count})",
        "",
        *md_table(["Id", "Pattern", "Level", "Records", "Share", "Lines"], rows),
    ]


def errors(report: report_pb2.AnalysisReport) -> list[str]:
    if not report.error_templates:
        return []
    by_id = templates_by_id(report)
    out = ["", "## Errors and warnings", ""]
    for ranked in list(report.error_templates)[:TOP_ERRORS]:
        view = ranked_view(ranked, by_id)
        t = view.template
        text = t.text if t else ranked.template_id
        out.append(f"### {level_name(ranked.level)} x{view.count_text()}: {md_code(text, in_table=False)}")
        if not t:
            out.append("")
            continue
        out += ["", f"Lines {t.first_line}..{t.last_line}, score {ranked.score:.1f}.", ""]
        examples = "\n".join(f"L{ex.line_number}: {ex.text}" for ex in view.examples)
        if examples:
            out += [md_code_block(examples), ""]
    return out


def exceptions(report: report_pb2.AnalysisReport) -> list[str]:
    if not report.exception_groups:
        return []
    rows = [
        [md_cell(g.exception_type), f"{g.count:,}", f"{g.first_line}..{g.last_line}", md_cell(" ← ".join(g.top_frames))]
        for g in list(report.exception_groups)[:TOP_EXCEPTIONS]
    ]
    out = ["", "## Exceptions", "", *md_table(["Exception", "Count", "Lines", "Top frames"], rows)]
    top = report.exception_groups[0]
    if top.example.text:
        out += ["", f"First occurrence of {md_cell(top.exception_type)} at line {top.example.line_number}:", ""]
        out.append(md_code_block(top.example.text))
    return out


def timeline(report: report_pb2.AnalysisReport) -> list[str]:
    if not report.timeline:
        return []
    rows = [
        [
            fmt_time(e.time),
            anomaly_name(e.kind),
            md_cell(e.description),
            ", ".join(str(n) for n in first(e.line_numbers)),
        ]
        for e in report.timeline
    ]
    return ["", "## Incident timeline", "", *md_table(["Time (UTC)", "Kind", "What happened", "Lines"], rows)]


def anomalies(report: report_pb2.AnalysisReport) -> list[str]:
    if not report.anomalies:
        return []
    rows = [
        [anomaly_name(a.kind), fmt_time(a.start_time), f"{a.count:,}", f"{a.score:.1f}", md_cell(a.description)]
        for a in report.anomalies
    ]
    return ["", "## Anomalies", "", *md_table(["Kind", "Start (UTC)", "Count", "Score", "Description"], rows)]


def quality(report: report_pb2.AnalysisReport) -> list[str]:
    q = report.parse_quality
    out = ["", "## Parse quality", "", *md_table(["Measure", "Value"], [[k, v] for k, v in quality_rows(q)])]
    if q.time_assumptions:
        out += [""] + [f"- Assumed: {md_cell(a)}" for a in q.time_assumptions]
    if q.unexplained_samples:
        out += ["", "Records no layout explained:", ""]
        out.append(md_code_block("\n".join(f"L{ex.line_number}: {ex.text}" for ex in q.unexplained_samples)))
    return out


def footer(report: report_pb2.AnalysisReport) -> list[str]:
    return ["", f"*LogLens engine {md_cell(report.engine_version)}*"] if report.engine_version else []


def render_markdown(report: report_pb2.AnalysisReport, title: str) -> str:
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
