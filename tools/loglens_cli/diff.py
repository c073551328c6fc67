"""``loglens diff``: what changed in a run against earlier runs, for a person (text, Markdown, HTML) or a program
(JSON), and the ``--fail-on`` gate a CI job branches on."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from loglens.v1 import comparison_pb2, comparison_pb2_grpc, report_pb2

from .errors import CliError, ExitCode

F = comparison_pb2
FORMATS = ("text", "json", "md", "html")
NEW_ERROR_LEVELS = (report_pb2.LEVEL_ERROR, report_pb2.LEVEL_FATAL)


def _new_error(f: comparison_pb2.ComparisonFinding) -> bool:
    return f.kind == F.FINDING_KIND_NEW_EXCEPTION_GROUP or (
        f.kind == F.FINDING_KIND_NEW_TEMPLATE and f.level in NEW_ERROR_LEVELS
    )


# What each --fail-on gate fails on (exit 8 when the comparison has such a finding).
FAIL_ON = {
    "new-errors": _new_error,
    "new-templates": lambda f: f.kind in (F.FINDING_KIND_NEW_TEMPLATE, F.FINDING_KIND_NEW_EXCEPTION_GROUP),
    "any": lambda f: True,
}
FAIL_ON_HELP = (
    "exit 8 when the comparison finds new-errors (a new ERROR or FATAL message, or a new exception group), "
    "new-templates (any new message or exception group) or any finding"
)
SEVERITY = {
    F.SEVERITY_CRITICAL: "CRITICAL",
    F.SEVERITY_HIGH: "HIGH",
    F.SEVERITY_MEDIUM: "MEDIUM",
    F.SEVERITY_LOW: "LOW",
    F.SEVERITY_INFO: "INFO",
}
KIND = {
    F.FINDING_KIND_NEW_TEMPLATE: "new message",
    F.FINDING_KIND_GONE_TEMPLATE: "gone",
    F.FINDING_KIND_RATE_INCREASE: "rate up",
    F.FINDING_KIND_RATE_DECREASE: "rate down",
    F.FINDING_KIND_NEW_VALUES: "new values",
    F.FINDING_KIND_NEW_EXCEPTION_GROUP: "new exception",
    F.FINDING_KIND_ERROR_SHARE_CHANGE: "error share",
    F.FINDING_KIND_TEMPLATE_GENERALISED: "new wording",
}
UNIT = {F.RATE_UNIT_PER_HOUR: "records per hour", F.RATE_UNIT_PER_THOUSAND_RECORDS: "records per 1,000 records"}


def compare(gateway: Any, target: str, baselines: Sequence[str] = (), history: int = 0) -> comparison_pb2.Comparison:
    stub = comparison_pb2_grpc.ComparisonServiceStub(gateway.channel)
    request = comparison_pb2.CompareAnalysisRunsRequest(
        target=target, baseline_runs=list(baselines), history_size=history
    )
    reply: comparison_pb2.CompareAnalysisRunsResponse = gateway.call(stub.CompareAnalysisRuns, request)
    return reply.comparison


def failing(comparison: comparison_pb2.Comparison, gate: str | None) -> list[comparison_pb2.ComparisonFinding]:
    """The findings that fail the gate (none without one)."""
    if not gate:
        return []
    rule = FAIL_ON[gate]
    return [f for f in comparison.findings if rule(f)]


def _visible(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)


def _lines(f: comparison_pb2.ComparisonFinding) -> str:
    return ", ".join(str(x) for x in f.line_numbers)


def _baseline_text(c: comparison_pb2.Comparison) -> str:
    n = len(c.baselines)
    records = sum(b.record_count for b in c.baselines)
    if c.baseline_source == F.BASELINE_SOURCE_SERVICE_HISTORY:
        what = f"the last {n} run{'s' if n != 1 else ''} of service {c.service!r}"
    else:
        what = f"{n} named run{'s' if n != 1 else ''}"
    return f"{what} ({records:,} records)"


def render_text(c: comparison_pb2.Comparison, title: str = "") -> str:
    out = [
        f"{_visible(title or c.target.analysis_run)}: {c.target.record_count:,} records compared with "
        f"{_baseline_text(c)}",
        f"  baseline: {', '.join(b.analysis_run for b in c.baselines)}",
        f"  rates in {UNIT.get(c.rate_unit, '?')}; {c.rate_test.tests:,} messages tested, false discovery rate "
        f"{c.rate_test.false_discovery_rate:g}, dispersion {c.rate_test.dispersion:.2f}",
    ]
    if not c.findings:
        out.append("no changes found")
    else:
        out.append(f"{len(c.findings)} finding{'s' if len(c.findings) != 1 else ''}, most severe first:")
        for i, f in enumerate(c.findings, 1):
            where = f" [lines {_lines(f)}]" if f.line_numbers else ""
            out.append(
                f"{i:3d}. {SEVERITY.get(f.severity, '?'):<8} {KIND.get(f.kind, '?'):<13} "
                f"{_visible(f.description)}{where}"
            )
    if c.undecided:
        out.append(f"{len(c.undecided)} undecided (a report lists only its most frequent items):")
        out += [
            f"     {KIND.get(u.kind, '?')}: {_visible(u.template_text)[:80]} ({_visible(u.reason)})"
            for u in c.undecided
        ]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    """Markdown table cell text: code spans for templates would need their own escaping, so plain text with
    the characters that break a table or start markup escaped."""
    out = _visible(text).replace("\\", "\\\\").replace("|", "\\|")
    for ch in "*_`<>[]#":
        out = out.replace(ch, "\\" + ch)
    return out


def render_markdown(c: comparison_pb2.Comparison, title: str = "") -> str:
    out = [
        f"# What changed: {_md(title or c.target.analysis_run)}",
        "",
        f"{c.target.record_count:,} records compared with {_md(_baseline_text(c))}. Rates in "
        f"{UNIT.get(c.rate_unit, '?')}; {c.rate_test.tests:,} messages tested at a false discovery rate of "
        f"{c.rate_test.false_discovery_rate:g} (dispersion {c.rate_test.dispersion:.2f}).",
        "",
    ]
    if not c.findings:
        out.append("No changes found.")
    else:
        out += ["| # | Severity | Kind | Finding | Lines |", "|---|---|---|---|---|"]
        for i, f in enumerate(c.findings, 1):
            out.append(
                f"| {i} | {SEVERITY.get(f.severity, '?')} | {KIND.get(f.kind, '?')} | {_md(f.description)} | "
                f"{_lines(f)} |"
            )
    if c.undecided:
        out += ["", "## Undecided", ""]
        out += [f"- {KIND.get(u.kind, '?')}: {_md(u.template_text[:80])} ({_md(u.reason)})" for u in c.undecided]
    return "\n".join(out) + "\n"


CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def render_html(c: comparison_pb2.Comparison, title: str = "") -> str:
    e = html.escape
    name = title or c.target.analysis_run
    rows = "".join(
        f"<tr class='sev-{SEVERITY.get(f.severity, 'x').lower()}'><td>{i}</td><td>{SEVERITY.get(f.severity, '?')}</td>"
        f"<td>{e(KIND.get(f.kind, '?'))}</td><td>{e(f.description)}</td><td>{e(_lines(f))}</td></tr>"
        for i, f in enumerate(c.findings, 1)
    )
    undecided = "".join(
        f"<li>{e(KIND.get(u.kind, '?'))}: {e(u.template_text[:80])} ({e(u.reason)})</li>" for u in c.undecided
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        f"<title>What changed: {e(name)}</title><style>body{{font:14px system-ui,sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}"
        ".sev-critical td:nth-child(2),.sev-high td:nth-child(2){color:#b00;font-weight:bold}</style></head><body>"
        f"<h1>What changed: {e(name)}</h1><p>{c.target.record_count:,} records compared with "
        f"{e(_baseline_text(c))}. Rates in {e(UNIT.get(c.rate_unit, '?'))}; {c.rate_test.tests:,} messages tested "
        f"at a false discovery rate of {c.rate_test.false_discovery_rate:g}.</p>"
        + (
            "<table><thead><tr><th>#</th><th>Severity</th><th>Kind</th><th>Finding</th><th>Lines</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            if c.findings
            else "<p>No changes found.</p>"
        )
        + (f"<h2>Undecided</h2><ul>{undecided}</ul>" if undecided else "")
        + "</body></html>\n"
    )


def render(c: comparison_pb2.Comparison, fmt: str, title: str = "") -> str:
    if fmt == "json":
        return json.dumps(json_format.MessageToDict(c), indent=2, ensure_ascii=False) + "\n"
    if fmt == "md":
        return render_markdown(c, title)
    if fmt == "html":
        return render_html(c, title)
    return render_text(c, title)


def write(text: str, output: str | None, out: Any) -> bool:
    """Write to ``output`` (a file) or to ``out``; whether a file was written."""
    if output and output != "-":
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None
        return True
    out.write(text)
    return False


def cmd_diff(ctx: Any) -> None:
    from .commands import resolve_run  # commands imports this module for upload --diff

    args = ctx.args
    target = resolve_run(ctx, args.run, succeeded=True).name
    baselines = [resolve_run(ctx, b, succeeded=True).name for b in args.baseline]
    if baselines and args.history:
        raise CliError("--history chooses the service's recent runs; give it without --baseline", ExitCode.USAGE)
    comparison = compare(ctx.gateway, target, baselines, args.history or 0)
    if write(render(comparison, args.format, args.title), args.output, ctx.out):
        ctx.say(f"wrote the {args.format} comparison of {target} to {args.output}")
    gate(ctx, comparison, args.fail_on)


def gate(ctx: Any, comparison: comparison_pb2.Comparison, fail_on: str | None) -> None:
    """Record exit 8 when the comparison has findings the gate fails on."""
    found = failing(comparison, fail_on)
    if found:
        ctx.say(f"{len(found)} finding{'s' if len(found) != 1 else ''} of kind {fail_on} (--fail-on)")
        ctx.fail_with(ExitCode.FINDINGS)
