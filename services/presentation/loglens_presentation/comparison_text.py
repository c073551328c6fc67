"""A comparison as terminal text and as Markdown (``loglens diff``, ``loglens upload --wait --diff``)."""

from __future__ import annotations

from loglens.v1 import comparison_pb2
from loglens_presentation.comparison_reading import baseline_text, kind_name, lines_text, severity_name, unit_name
from loglens_presentation.markdown import md_cell, md_table
from loglens_presentation.reading import visible


def _line(text: str) -> str:
    return visible(text.replace("\r", " ").replace("\n", " ⏎ "))


def _method(c: comparison_pb2.Comparison) -> str:
    return (
        f"{c.rate_test.tests:,} messages tested at a false discovery rate of {c.rate_test.false_discovery_rate:g} "
        f"(dispersion {c.rate_test.dispersion:.2f})"
    )


def render_comparison_text(c: comparison_pb2.Comparison, title: str = "") -> str:
    out = [
        f"{_line(title or c.target.analysis_run)}: {c.target.record_count:,} records compared with {baseline_text(c)}",
        f"  baseline: {', '.join(b.analysis_run for b in c.baselines)}",
        f"  rates in {unit_name(c.rate_unit)}; {c.rate_test.tests:,} messages tested, false discovery rate "
        f"{c.rate_test.false_discovery_rate:g}, dispersion {c.rate_test.dispersion:.2f}",
    ]
    if not c.findings:
        out.append("no changes found")
    else:
        out.append(f"{len(c.findings)} finding{'s' if len(c.findings) != 1 else ''}, most severe first:")
        for i, f in enumerate(c.findings, 1):
            where = f" [lines {lines_text(f)}]" if f.line_numbers else ""
            out.append(f"{i:3d}. {severity_name(f.severity):<8} {kind_name(f.kind):<13} {_line(f.description)}{where}")
    if c.undecided:
        total = max(c.undecided_total, len(c.undecided))
        shown = "" if total == len(c.undecided) else f", the first {len(c.undecided)} listed"
        out.append(f"{total} undecided (a report lists only its most frequent items{shown}):")
        out += [f"     {kind_name(u.kind)}: {_line(u.template_text)[:80]} ({_line(u.reason)})" for u in c.undecided]
    return "\n".join(out) + "\n"


def render_comparison_markdown(c: comparison_pb2.Comparison, title: str = "") -> str:
    out = [
        f"# What changed: {md_cell(title or c.target.analysis_run)}",
        "",
        f"{c.target.record_count:,} records compared with {md_cell(baseline_text(c))}. Rates in "
        f"{unit_name(c.rate_unit)}; {_method(c)}.",
        "",
    ]
    if not c.findings:
        out.append("No changes found.")
    else:
        rows = [
            [str(i), severity_name(f.severity), kind_name(f.kind), md_cell(f.description), lines_text(f)]
            for i, f in enumerate(c.findings, 1)
        ]
        out += md_table(["#", "Severity", "Kind", "Finding", "Lines"], rows)
    if c.undecided:
        out += ["", "## Undecided", ""]
        out += [f"- {kind_name(u.kind)}: {md_cell(u.template_text[:80])} ({md_cell(u.reason)})" for u in c.undecided]
    return "\n".join(out) + "\n"
