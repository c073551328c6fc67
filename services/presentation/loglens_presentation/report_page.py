"""The report as one self-contained HTML page (inline CSS and SVG, no script): one function per section."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from loglens.v1 import report_pb2
from loglens_presentation.charts import LEVEL_COLOUR, level_histogram_svg, line_colour, share_bar, sparkline_svg
from loglens_presentation.page import (
    Link,
    anchor,
    cards,
    document,
    empty,
    esc,
    examples_html,
    level_badge,
    level_css,
    line_chips,
    nav,
    pattern_html,
    section,
    table,
)
from loglens_presentation.reading import (
    HISTOGRAM_BUCKETS,
    LEVEL_ORDER,
    SPARKLINE_BUCKETS,
    TOP_ERRORS,
    TOP_EXCEPTIONS,
    TOP_PATTERNS,
    TimeGrid,
    anomaly_name,
    fmt_time,
    human_duration,
    level_counts,
    level_histogram,
    level_name,
    quality_rows,
    ranked_view,
    stats,
    templates_by_id,
)

TemplateLink = Callable[[str], str]


def template_linker(report: report_pb2.AnalysisReport) -> TemplateLink:
    """A template id as a link to its row of the patterns table (plain code when it is not listed there)."""
    listed = {t.id for t in list(report.templates)[:TOP_PATTERNS]}

    def link(template_id: str) -> str:
        if template_id in listed:
            return f'<a href="#{anchor(template_id)}"><code>{esc(template_id)}</code></a>'
        return f"<code>{esc(template_id)}</code>"

    return link


def header(report: report_pb2.AnalysisReport, title: str, links: Sequence[Link] = ()) -> str:
    subtitle = [f"engine {esc(report.engine_version or '?')}"]
    if report.format.description:
        fmt = f"format <b>{esc(report.format.description)}</b>"
        fmt += f" (layout <code>{esc(report.format.header_layout)}</code>)" if report.format.header_layout else ""
        subtitle.append(fmt)
    elif report.format.name:  # a report of an engine before the description
        fmt = f"format <b>{esc(report.format.name)}</b> ({report.format.confidence:.0%} confidence"
        fmt += f", layout <code>{esc(report.format.header_layout)}</code>)" if report.format.header_layout else ")"
        subtitle.append(fmt)
    if report.time_range.HasField("start_time"):
        subtitle.append(
            f"{esc(fmt_time(report.time_range.start_time))} → {esc(fmt_time(report.time_range.end_time))} UTC"
        )
    return f'<h1>{esc(title)}</h1><div class="subtitle">{" · ".join(subtitle)}</div>' + nav(links)


def headline(report: report_pb2.AnalysisReport) -> str:
    return f'<div class="cards">{cards(stats(report), alert=("Errors",))}</div>'


def summary(report: report_pb2.AnalysisReport, link: TemplateLink) -> str:
    if report.summary.claims:
        items = "".join(
            f'<li><p>{esc(c.text)}</p><div class="refs">{" ".join(link(t) for t in c.template_ids)}'
            f"{line_chips(c.line_numbers)}</div></li>"
            for c in report.summary.claims
        )
        body = f'<ul class="claims">{items}</ul>'
    elif report.summary.text:
        body = f"<p>{esc(report.summary.text)}</p>"
    else:
        body = empty("Nothing to report.")
    return section("summary", "Summary", body)


def activity(report: report_pb2.AnalysisReport) -> str:
    counts = level_counts(report)
    total = sum(counts.values()) or 1
    shown = [lv for lv in LEVEL_ORDER if counts.get(lv)]
    level_bar = "".join(
        f'<span style="width:{counts[lv] / total * 100:.3f}%;background:{LEVEL_COLOUR.get(lv, "#a8a29e")}" '
        f'title="{level_name(lv)}: {counts[lv]:,}"></span>'
        for lv in shown
    )
    level_rows = "".join(
        f"<tr><td>{level_badge(lv)}</td><td class='num'>{counts[lv]:,}</td>"
        f"<td class='num'>{counts[lv] / total:.2%}</td></tr>"
        for lv in shown
    )
    grid = TimeGrid.of(report, HISTOGRAM_BUCKETS)
    if grid is not None and report.templates:
        chart = level_histogram_svg(level_histogram(report, grid), grid, report.anomalies)
        note = f"{esc(human_duration(grid.bucket_seconds))} per bar, UTC"
        if report.template_count > len(report.templates):
            note += f"; counts the {len(report.templates):,} patterns listed"
    else:
        chart, note = empty("No timestamps were found, so there is no timeline."), ""
    body = (
        f'<div class="chart">{chart}</div>'
        f'<div class="levels"><div><h3>Share of records by level</h3><div class="levelbar">{level_bar}</div></div>'
        f'<table class="compact"><thead><tr><th>Level</th><th class="num">Records</th><th class="num">Share</th></tr>'
        f"</thead><tbody>{level_rows}</tbody></table></div>"
    )
    return section("activity", "Activity by level", body, note)


def timeline(report: report_pb2.AnalysisReport, link: TemplateLink) -> str:
    by_id = templates_by_id(report)
    items = []
    for e in report.timeline:
        kind = anomaly_name(e.kind)
        css = re.sub(r"[^a-z]", "-", kind)
        if e.kind == report_pb2.ANOMALY_KIND_UNSPECIFIED:  # a first occurrence: coloured by its level
            found = [by_id[t].max_level for t in e.template_ids if t in by_id]
            css = "first-" + level_css(max(found, default=report_pb2.LEVEL_ERROR))
        refs = " ".join(link(t) for t in e.template_ids)
        items.append(
            f'<li class="k-{css}"><time>{esc(fmt_time(e.time))}</time><span class="kind">{esc(kind)}</span>'
            f'<p>{esc(e.description)}</p><div class="refs">{refs}{line_chips(e.line_numbers)}</div></li>'
        )
    body = f'<ol class="timeline">{"".join(items)}</ol>' if items else empty("No incidents.")
    if report.anomalies:
        rows = (
            f"<tr><td>{esc(anomaly_name(a.kind))}</td><td class='muted'>{esc(fmt_time(a.start_time))}</td>"
            f"<td class='num'>{a.count:,}</td><td class='num muted'>{a.baseline:.1f}</td>"
            f"<td class='num'>{a.score:.1f}</td><td>{esc(a.description)}"
            f"<div class='refs'>{line_chips(a.line_numbers)}</div></td></tr>"
            for a in report.anomalies
        )
        header = (
            '<th>Kind</th><th>Start (UTC)</th><th class="num">Count</th><th class="num">Baseline</th>'
            '<th class="num">Score</th><th>Description</th>'
        )
        body += "<h3>Anomalies</h3>" + table("anomalies", header, rows, "No anomalies.")
    return section("timeline", "Incident timeline", body)


def marks(t: report_pb2.Template) -> str:
    """What the service's pattern registry said of a template when the report was stored."""
    out = ""
    if t.new_to_service:
        out += '<span class="mark">new to this service</span>'
    if t.important:
        out += '<span class="mark mark-important">important</span>'
    if t.muted:
        out += '<span class="mark mark-muted">muted</span>'
    return out


PatternHref = Callable[[str], str]


def history_hint(report: report_pb2.AnalysisReport, t: report_pb2.Template, href: PatternHref | None = None) -> str:
    """Where the template's history across the service's runs is: the pattern (a link to its page where one is
    served), and the command that shows it."""
    service = report.service_memory.service
    if not service:
        return ""
    name = f"{service}/patterns/{t.id}"
    command = f"loglens pattern {service.removeprefix('services/')}/{t.id}"
    shown = f'<code title="{esc(command)}">{esc(name)}</code>'
    if href is not None:
        shown = f'<a href="{esc(href(name))}">{shown}</a>'
    return f" &middot; history: {shown}"


def new_to_service(report: report_pb2.AnalysisReport, href: PatternHref | None = None) -> str:
    """The messages the log file's service never logged before (only for a file with a service)."""
    memory = report.service_memory
    if not memory.service:
        return ""
    service = esc(memory.service.removeprefix("services/"))
    new = sorted((t for t in report.templates if t.new_to_service), key=lambda t: (-t.max_level, t.first_line))
    if memory.earlier_runs == 0:
        body = empty(
            f"The first run of service {memory.service.removeprefix('services/')}: its messages are the baseline."
        )
    else:
        rows = [
            f"<tr><td>{level_badge(t.max_level)}</td><td><div class='pattern'>{pattern_html(t.text)}</div>"
            f"{examples_html(t.examples)}<div class='sub'><code>{esc(t.id)}</code>{history_hint(report, t, href)}</div>"
            "</td>"
            f"<td class='num'>{t.count:,}</td><td class='num muted'>{t.first_line:,}&ndash;{t.last_line:,}</td></tr>"
            for t in new
        ]
        header = (
            '<th>Level</th><th>Pattern and first examples</th><th class="num">Records</th><th class="num">Lines</th>'
        )
        body = table("new", header, rows, "Nothing new: every message was seen in the service's earlier runs.")
    if memory.muted_templates:
        body += (
            f'<p class="more">{memory.muted_templates:,} muted messages ({memory.muted_records:,} records) are left '
            "out of the summary.</p>"
        )
    note = f"service {service}, {memory.earlier_runs:,} earlier runs"
    return section("new", "New to this service", body, note)


def patterns(report: report_pb2.AnalysisReport, href: PatternHref | None = None) -> str:
    grid = TimeGrid.of(report, SPARKLINE_BUCKETS)
    rows = []
    for i, t in enumerate(list(report.templates)[:TOP_PATTERNS], 1):
        spark = sparkline_svg(grid.rebin(t.histogram), line_colour(t.max_level)) if grid else ""
        rows.append(
            f'<tr id="{anchor(t.id)}"><td class="num muted">{i}</td>'
            f'<td><div class="pattern">{pattern_html(t.text)}</div>'
            f'<div class="sub"><code>{esc(t.id)}</code>{marks(t)}{history_hint(report, t, href)}</div></td>'
            f"<td>{level_badge(t.max_level)}</td><td class='num'>{t.count:,}</td>"
            f"<td class='sharecell'>{share_bar(t.share)}</td>"
            f"<td>{spark}</td><td class='num muted'>{t.first_line:,}&ndash;{t.last_line:,}</td></tr>"
        )
    header = (
        '<th class="num">#</th><th>Pattern</th><th>Level</th><th class="num">Records</th><th>Share</th>'
        '<th>Over time</th><th class="num">Lines</th>'
    )
    note = f"{min(TOP_PATTERNS, len(report.templates))} of {report.template_count:,}"
    return section("patterns", "Top patterns", table("patterns", header, rows, "No patterns."), note)


def errors(report: report_pb2.AnalysisReport) -> str:
    by_id = templates_by_id(report)
    rows = []
    for ranked in list(report.error_templates)[:TOP_ERRORS]:
        view = ranked_view(ranked, by_id)
        found = view.template
        text = pattern_html(found.text) if found else esc(ranked.template_id)
        examples = examples_html(view.examples) if found else ""
        lines = f"{found.first_line:,}&ndash;{found.last_line:,}" if found else ""
        rows.append(
            f"<tr><td>{level_badge(ranked.level)}</td><td><div class='pattern'>{text}</div>{examples}</td>"
            f"<td class='num'>{view.count_text()}</td><td class='num muted'>{lines}</td>"
            f"<td class='num muted'>{ranked.score:.1f}</td></tr>"
        )
    header = (
        '<th>Level</th><th>Pattern and first examples</th><th class="num">Records</th><th class="num">Lines</th>'
        '<th class="num">Score</th>'
    )
    return section("errors", "Errors and warnings", table("errors", header, rows, "No errors or warnings."))


def exceptions(report: report_pb2.AnalysisReport, link: TemplateLink) -> str:
    rows = []
    for g in list(report.exception_groups)[:TOP_EXCEPTIONS]:
        frames = "".join(f"<li><code>{esc(f)}</code></li>" for f in g.top_frames)
        example = (
            f"<details><summary>First occurrence, line {g.example.line_number:,}</summary>"
            f"<pre>{esc(g.example.text)}</pre></details>"
            if g.example.text
            else ""
        )
        rows.append(
            f"<tr><td><div class='exc'>{esc(g.exception_type or '(no type)')}</div>"
            f"<ol class='frames'>{frames}</ol>{example}</td>"
            f"<td>{link(g.template_id) if g.template_id else ''}</td>"
            f"<td class='num'>{g.count:,}</td><td class='num muted'>{g.first_line:,}&ndash;{g.last_line:,}</td>"
            f"<td class='muted'>{esc(fmt_time(g.first_time, date=False))} &ndash; "
            f"{esc(fmt_time(g.last_time, date=False))}</td></tr>"
        )
    header = (
        '<th>Exception and top frames</th><th>Pattern</th><th class="num">Count</th><th class="num">Lines</th>'
        "<th>Seen (UTC)</th>"
    )
    return section("exceptions", "Exception groups", table("exceptions", header, rows, "No exceptions."))


def quality(report: report_pb2.AnalysisReport) -> str:
    q = report.parse_quality
    rows = "".join(f"<tr><th>{esc(k)}</th><td class='num'>{esc(v)}</td></tr>" for k, v in quality_rows(q))
    assumptions = "".join(f"<li>{esc(a)}</li>" for a in q.time_assumptions)
    samples = examples_html(q.unexplained_samples)
    body = (
        f'<div class="quality"><table class="kv">{rows}</table><div>'
        + (f"<h3>Assumptions</h3><ul>{assumptions}</ul>" if assumptions else "")
        + (f"<h3>Records no layout explained</h3>{samples}" if samples else "")
        + f"<h3>Format</h3><p>{esc(report.format.name or 'unknown')}: explains {report.format.explained_share:.1%} "
        f"of records ({report.format.share:.1%} of the sample).</p></div></div>"
    )
    return section("quality", "Parse quality", body)


def footer(report: report_pb2.AnalysisReport) -> str:
    caps = report.caps
    return (
        f"Generated by LogLens engine {esc(report.engine_version or '?')}. Lists are capped: "
        f"{caps.max_templates:,} patterns, {caps.max_examples} examples each, {caps.max_exception_groups:,} "
        f"exception groups, {caps.max_anomalies} anomalies; records longer than {caps.max_record_chars:,} "
        f"characters are cut. Line numbers are physical lines of the decompressed file."
    )


def render_report_page(
    report: report_pb2.AnalysisReport, title: str, links: Sequence[Link] = (), pattern_href: PatternHref | None = None
) -> str:
    """The whole page; ``links`` are pages to go to next, shown under the title (e.g. a comparison);
    ``pattern_href`` links each template of a service to its pattern's page."""
    page_title = title or "LogLens report"
    link = template_linker(report)
    body = (
        headline(report)
        + summary(report, link)
        + new_to_service(report, pattern_href)
        + activity(report)
        + timeline(report, link)
        + patterns(report, pattern_href)
        + errors(report)
        + exceptions(report, link)
        + quality(report)
    )
    return document(page_title, header(report, page_title, links), body, footer(report))
