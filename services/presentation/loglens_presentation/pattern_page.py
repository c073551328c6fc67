"""One pattern of a service's registry as an HTML page: what it says, what was decided, its count per run."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from loglens.v1 import registry_pb2
from loglens_presentation.charts import share_bar
from loglens_presentation.page import Link, cards, document, empty, esc, level_badge, nav, pattern_html, section, table
from loglens_presentation.reading import fmt_time

ReportHref = Callable[[str], str]


def _state(value: int) -> str:
    return registry_pb2.PatternState.Name(value).removeprefix("PATTERN_STATE_").lower()  # type: ignore[arg-type]


def _time(ts: object) -> str:
    return fmt_time(ts) + " UTC" if getattr(ts, "seconds", 0) else "-"


def _run(name: str, report_href: ReportHref | None) -> str:
    return (
        f'<a href="{esc(report_href(name))}"><code>{esc(name)}</code></a>'
        if report_href
        else f"<code>{esc(name)}</code>"
    )


def render_pattern_page(
    p: registry_pb2.Pattern, title: str = "", links: Sequence[Link] = (), report_href: ReportHref | None = None
) -> str:
    """The whole page; ``report_href`` links each run to its report."""
    service = p.name.split("/patterns/")[0].removeprefix("services/")
    state = _state(p.state) + (f" until {_time(p.state_expire_time)}" if p.HasField("state_expire_time") else "")
    head = (
        f"<h1>{esc(title or p.name)}</h1>"
        f'<div class="subtitle">service <b>{esc(service)}</b> · <code>{esc(p.template_id)}</code> · {esc(state)}</div>'
        + nav(links)
    )
    body = f'<div class="cards">{cards([("Records", f"{p.total_count:,}"), ("Runs", f"{p.run_count:,}")])}</div>'
    facts = [
        f"<p><span class='pattern'>{pattern_html(p.text)}</span> {level_badge(p.max_level)}</p>",
        f"<p>First seen {esc(_time(p.first_seen_time))} in {_run(p.first_analysis_run, report_href)} "
        f"(line {p.first_line:,}); last seen {esc(_time(p.last_seen_time))} in "
        f"{_run(p.last_analysis_run, report_href)}.</p>",
    ]
    if p.labels:
        facts.append("<p>Labels: " + ", ".join(f"<code>{esc(k)}={esc(v)}</code>" for k, v in sorted(p.labels.items())))
    if p.note:
        facts.append(f"<p>Note: {esc(p.note)}</p>")
    if p.lineage:
        facts.append("<p>Earlier wordings: " + ", ".join(f"<code>{esc(i)}</code>" for i in p.lineage) + "</p>")
    body += section("pattern", "Pattern", "".join(facts))
    peak = max((h.count for h in p.history), default=0) or 1
    rows = [
        f"<tr><td>{_run(h.analysis_run, report_href)}</td><td class='muted'>{esc(_time(h.record_time))}</td>"
        f"<td class='num'>{h.count:,}</td><td class='sharecell'>{share_bar(h.count / peak)}</td></tr>"
        for h in p.history
    ]
    header = '<th>Run</th><th>Recorded</th><th class="num">Records</th><th></th>'
    body += section("history", "Count per run", table("history", header, rows, "No runs."), "newest first")
    values = [
        f"<tr><td class='num'>{ph.index}</td><td>{esc(ph.kind)}</td><td>"
        + (
            ", ".join(f"<code>{esc(v.value)}</code> &times;{v.count:,}" for v in ph.top_values)
            or "many distinct values"
        )
        + "</td></tr>"
        for ph in p.placeholders
    ]
    header = '<th class="num">#</th><th>Kind</th><th>Most frequent values (summed over runs)</th>'
    body += section("values", "Placeholder values", table("values", header, values, "") if values else empty("None."))
    return document(f"Pattern {p.template_id}: {service}", head, body, "")
