"""A comparison as one self-contained HTML page (same frame and policy as the report page): one function per
section. Rates are records per hour (or per 1,000 records when a side has no times); each message's two
histograms are drawn on one scale of records per hour, so the taller side is the busier one."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from loglens.v1 import comparison_pb2
from loglens_presentation.charts import QUIET, line_colour, rate_bars_svg, sparkline_svg
from loglens_presentation.comparison_reading import (
    GONE_KINDS,
    NEW_KINDS,
    RATE_KINDS,
    VALUE_KINDS,
    F,
    Finding,
    baseline_text,
    kind_name,
    of_kinds,
    rates_per_hour,
    severity_name,
    unit_name,
)
from loglens_presentation.page import (
    Link,
    cards,
    document,
    empty,
    esc,
    examples_html,
    level_badge,
    line_chips,
    nav,
    pattern_html,
    section,
    table,
)
from loglens_presentation.reading import fmt_time, human_duration

ReportHref = Callable[[str], str]  # a run's name -> the URL of its report page
SIDE_BY_SIDE = 30  # messages whose two histograms are drawn


def _rate(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _message(f: Finding) -> str:
    """The message a finding is about: its template (placeholders marked) or its exception."""
    if f.kind == F.FINDING_KIND_NEW_EXCEPTION_GROUP:
        text = f'<div class="exc">{esc(f.exception_type or "(no type)")}</div>'
        return text + (f'<div class="sub"><code>{esc(f.fingerprint)}</code></div>' if f.fingerprint else "")
    text = f'<div class="pattern">{pattern_html(f.template_text)}</div>' if f.template_text else ""
    ids = " ".join(f"<code>{esc(t)}</code>" for t in f.template_ids)
    return text + (f'<div class="sub">{ids}</div>' if ids else "")


def _severity(f: Finding) -> str:
    name = severity_name(f.severity)
    return f'<span class="sev sev-{name.lower().strip("?") or "none"}">{esc(name)}</span>'


def header(c: comparison_pb2.Comparison, title: str, links: Sequence[Link]) -> str:
    subtitle = [
        f"{c.target.record_count:,} records compared with {esc(baseline_text(c))}",
        f"rates in {esc(unit_name(c.rate_unit))}",
    ]
    if c.HasField("create_time"):
        subtitle.append(f"compared {esc(fmt_time(c.create_time))} UTC")
    return f'<h1>What changed: {esc(title)}</h1><div class="subtitle">{" · ".join(subtitle)}</div>' + nav(links)


def headline(c: comparison_pb2.Comparison) -> str:
    figures = [
        ("Findings", f"{len(c.findings):,}"),
        ("New", f"{len(of_kinds(c, NEW_KINDS)):,}"),
        ("Gone", f"{len(of_kinds(c, GONE_KINDS)):,}"),
        ("Rate changes", f"{len(of_kinds(c, RATE_KINDS)):,}"),
        ("Values, wording", f"{len(of_kinds(c, VALUE_KINDS)):,}"),
        ("Severe", f"{sum(f.severity >= F.SEVERITY_HIGH for f in c.findings):,}"),
        ("Undecided", f"{max(c.undecided_total, len(c.undecided)):,}"),
        ("Compared", f"{c.templates_compared:,}"),
    ]
    return f'<div class="cards">{cards(figures, alert=("Severe",))}</div>'


def sides(c: comparison_pb2.Comparison, report_href: ReportHref | None) -> str:
    def row(label: str, side: comparison_pb2.ComparisonSide) -> str:
        run = f"<code>{esc(side.analysis_run)}</code>"
        if report_href is not None:
            run = f'<a href="{esc(report_href(side.analysis_run))}">{run}</a>'
        span = human_duration(side.span_seconds) if side.span_seconds else "no times"
        listed = f"{side.listed_templates:,} of {side.template_count:,}"
        return (
            f"<tr><th>{esc(label)}</th><td>{run}</td><td class='num'>{side.record_count:,}</td>"
            f"<td class='num'>{esc(span)}</td><td class='muted'>{esc(fmt_time(side.time_range.start_time))}</td>"
            f"<td class='num'>{listed}</td><td class='num'>{side.error_records:,}</td>"
            f"<td class='muted'>{esc(side.engine_version or '?')}</td></tr>"
        )

    rows = [row("This run", c.target)] + [row(f"Baseline {i}", b) for i, b in enumerate(c.baselines, 1)]
    head = (
        '<th>Side</th><th>Run</th><th class="num">Records</th><th class="num">Time span</th><th>From (UTC)</th>'
        '<th class="num">Patterns listed</th><th class="num">Errors</th><th>Engine</th>'
    )
    return section("sides", "The two sides", table("sides", head, rows, "No runs."))


def findings(c: comparison_pb2.Comparison) -> str:
    rows = [
        f"<tr><td class='num muted'>{i}</td><td>{_severity(f)}</td><td class='kind'>{esc(kind_name(f.kind))}</td>"
        f"<td>{esc(f.description)}<div class='refs'>{line_chips(f.line_numbers)}</div></td></tr>"
        for i, f in enumerate(c.findings, 1)
    ]
    head = '<th class="num">#</th><th>Severity</th><th>Kind</th><th>Finding</th>'
    note = "most severe first" if rows else ""
    return section("findings", "Findings", table("findings", head, rows, "No changes found."), note)


def new(c: comparison_pb2.Comparison) -> str:
    rows = []
    for f in of_kinds(c, NEW_KINDS):
        spark = sparkline_svg(rates_per_hour(f.target_histogram), line_colour(f.level), label="this run over time")
        example = examples_html([f.example]) if f.example.text else ""
        rows.append(
            f"<tr><td>{_severity(f)}</td><td>{level_badge(f.level)}</td><td>{_message(f)}{example}</td>"
            f"<td class='num'>{f.target_count:,}</td><td>{spark}</td></tr>"
        )
    head = (
        '<th>Severity</th><th>Level</th><th>Message and first record</th><th class="num">Records</th><th>Over time</th>'
    )
    return section("new", "New", table("new", head, rows, "Nothing new."), "never in any baseline run")


def gone(c: comparison_pb2.Comparison) -> str:
    rows = []
    for f in of_kinds(c, GONE_KINDS):
        spark = sparkline_svg(rates_per_hour(f.baseline_histogram), QUIET, label="baseline over time")
        rows.append(
            f"<tr><td>{_severity(f)}</td><td>{level_badge(f.level)}</td><td>{_message(f)}</td>"
            f"<td class='num'>{_rate(f.baseline_rate)}</td>"
            f"<td class='num'>{f.baseline_runs_present} of {len(c.baselines)}</td>"
            f"<td class='num'>{f.baseline_count:,}</td><td>{spark}</td></tr>"
        )
    head = (
        '<th>Severity</th><th>Level</th><th>Message</th><th class="num">Baseline rate</th>'
        '<th class="num">Baseline runs</th><th class="num">Baseline records</th><th>Baseline over time</th>'
    )
    return section("gone", "Gone", table("gone", head, rows, "Nothing gone."), "in the baseline, absent now")


def _rate_sparks(f: Finding) -> str:
    """The baseline's and this run's rate over time, one above the other on one scale."""
    base, now = rates_per_hour(f.baseline_histogram), rates_per_hour(f.target_histogram)
    top = max([*base, *now], default=0.0)
    return (
        f'<div class="sparks"><span class="sk">before</span>{sparkline_svg(base, QUIET, top=top, label="baseline")}'
        f'<span class="sk">now</span>{sparkline_svg(now, line_colour(f.level), top=top, label="this run")}</div>'
    )


def changed(c: comparison_pb2.Comparison) -> str:
    rows = []
    for f in of_kinds(c, RATE_KINDS):
        arrow = "↑" if f.kind == F.FINDING_KIND_RATE_INCREASE else "↓"
        if f.kind == F.FINDING_KIND_ERROR_SHARE_CHANGE:
            arrow = "↑" if f.target_error_share > f.baseline_error_share else "↓"
            message = "<div class='pattern'>Share of ERROR and FATAL records</div>"
            before, after = f"{f.baseline_error_share:.2%}", f"{f.target_error_share:.2%}"
            sparks = ""
        else:
            message = _message(f)
            before, after = _rate(f.baseline_rate), _rate(f.target_rate)
            sparks = _rate_sparks(f)
        rc = f.rate_change
        ratio = f"&times;{rc.ratio:.2f}" if rc.ratio else ""
        interval = f"{rc.ratio_lower:.2f}&ndash;{rc.ratio_upper:.2f}" if rc.ratio_upper else ""
        rows.append(
            f"<tr><td>{_severity(f)}</td><td class='dir'>{arrow}</td><td>{_message_level(f)}{message}</td>"
            f"<td class='num'>{before}</td><td class='num'>{after}</td><td class='num'>{ratio}</td>"
            f"<td class='num muted'>{interval}</td><td class='num muted'>{rc.q_value:.1e}</td><td>{sparks}</td></tr>"
        )
    head = (
        '<th>Severity</th><th></th><th>Message</th><th class="num">Before</th><th class="num">Now</th>'
        '<th class="num">Ratio</th><th class="num">95% interval</th><th class="num">q</th><th>Rate over time</th>'
    )
    note = (
        f"{esc(unit_name(c.rate_unit))}; significant at a false discovery rate of {c.rate_test.false_discovery_rate:g}"
    )
    return section("changed", "Changed rates", table("changed", head, rows, "No rate changed significantly."), note)


def _message_level(f: Finding) -> str:
    return f"<div class='lvline'>{level_badge(f.level)}</div>" if f.kind != F.FINDING_KIND_ERROR_SHARE_CHANGE else ""


def values(c: comparison_pb2.Comparison) -> str:
    def counts(items: Sequence[object]) -> str:
        return " ".join(
            f'<span class="val"><code>{esc(v.value)}</code> {v.count:,}</span>'  # type: ignore[attr-defined]
            for v in items
        )

    rows = []
    for f in of_kinds(c, VALUE_KINDS):
        before = (
            f'<div class="was">was <span class="pattern">{pattern_html(f.baseline_template_text)}</span></div>'
            if f.baseline_template_text and f.baseline_template_text != f.template_text
            else ""
        )
        rows.append(
            f"<tr><td>{_severity(f)}</td><td class='kind'>{esc(kind_name(f.kind))}</td><td>{_message(f)}{before}</td>"
            f"<td>{counts(f.new_values)}</td><td>{counts(f.baseline_values)}</td>"
            f"<td class='refs'>{line_chips(f.line_numbers)}</td></tr>"
        )
    head = "<th>Severity</th><th>Kind</th><th>Message</th><th>New values</th><th>Baseline values</th><th>Lines</th>"
    return section("values", "New values and wording", table("values", head, rows, "No new values."))


def side_by_side(c: comparison_pb2.Comparison) -> str:
    items: list[str] = []
    for f in c.findings:
        base, now = rates_per_hour(f.baseline_histogram), rates_per_hour(f.target_histogram)
        top = max([*base, *now], default=0.0)
        if top <= 0 or f.kind == F.FINDING_KIND_ERROR_SHARE_CHANGE:
            continue  # nothing over time to show (no times, or a finding about the whole file)
        if len(items) == SIDE_BY_SIDE:
            break
        colour = line_colour(f.level)
        items.append(
            f'<div class="pairrow"><div class="pairhead">{_severity(f)} <span class="kind">'
            f"{esc(kind_name(f.kind))}</span>{_message(f)}</div>"
            f'<div class="pairs"><figure><figcaption>Baseline (newest run that had it)</figcaption>'
            f"{rate_bars_svg(f.baseline_histogram, QUIET, top, label='baseline')}</figure>"
            f"<figure><figcaption>This run</figcaption>"
            f"{rate_bars_svg(f.target_histogram, colour, top, label='this run')}</figure></div></div>"
        )
    body = "".join(items) or empty("No message to show.")
    return section("sidebyside", "Each message, before and now", body, "records per hour, one scale per message")


def undecided(c: comparison_pb2.Comparison) -> str:
    if not c.undecided:
        return ""
    rows = [
        f"<tr><td class='kind'>{esc(kind_name(u.kind))}</td><td><div class='pattern'>{pattern_html(u.template_text)}"
        f"</div></td><td>{esc(u.reason)}</td><td class='refs'>{line_chips(u.line_numbers)}</td></tr>"
        for u in c.undecided
    ]
    head = "<th>Might be</th><th>Message</th><th>Why it could not be decided</th><th>Lines</th>"
    return section("undecided", "Undecided", table("undecided", head, rows, ""), "a report's cap was reached")


def footer(c: comparison_pb2.Comparison) -> str:
    t = c.rate_test
    return (
        f"Rate changes: {esc(t.method or 'rate test')}; {t.tests:,} messages tested, Benjamini-Hochberg false "
        f"discovery rate {t.false_discovery_rate:g}, dispersion {t.dispersion:.2f}, smallest ratio reported "
        f"{t.min_rate_ratio:g}. {c.templates_compared:,} messages compared. Line numbers are lines of this run's file."
    )


def render_comparison_page(
    c: comparison_pb2.Comparison,
    title: str = "",
    links: Sequence[Link] = (),
    report_href: ReportHref | None = None,
) -> str:
    """The whole page; ``links`` lead on from it, ``report_href`` links each side's run to its report."""
    name = title or c.target.analysis_run
    body = (
        headline(c)
        + findings(c)
        + new(c)
        + gone(c)
        + changed(c)
        + values(c)
        + side_by_side(c)
        + undecided(c)
        + sides(c, report_href)
    )
    return document(f"What changed: {name}", header(c, name, links), body, footer(c))
