"""``loglens diff``: what changed in a run against earlier runs, for a person (text, Markdown, HTML) or a program
(JSON), and the ``--fail-on`` gate a CI job branches on. The views themselves are loglens_presentation's."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from loglens.v1 import comparison_pb2, comparison_pb2_grpc, report_pb2
from loglens_presentation import render_comparison

from .errors import CliError, ExitCode

F = comparison_pb2
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
    if write(render_comparison(comparison, args.format, title=args.title), args.output, ctx.out):
        ctx.say(f"wrote the {args.format} comparison of {target} to {args.output}")
    gate(ctx, comparison, args.fail_on)


def gate(ctx: Any, comparison: comparison_pb2.Comparison, fail_on: str | None) -> None:
    """Record exit 8 when the comparison has findings the gate fails on."""
    found = failing(comparison, fail_on)
    if found:
        ctx.say(f"{len(found)} finding{'s' if len(found) != 1 else ''} of kind {fail_on} (--fail-on)")
        ctx.fail_with(ExitCode.FINDINGS)
