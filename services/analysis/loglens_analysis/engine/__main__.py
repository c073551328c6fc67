"""``python -m loglens_analysis.engine FILE [--json]``: the report of a local file, without any server."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from zoneinfo import ZoneInfoNotFoundError

from google.protobuf import json_format

from loglens.v1 import report_pb2

from . import EngineError, analyze
from .report import shorten


def _chunks(path: str, size: int = 1 << 20) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while True:
            data = f.read(size)
            if not data:
                return
            yield data


def render_text(rep: report_pb2.AnalysisReport) -> str:
    out = [
        f"LogLens engine {rep.engine_version}: {rep.line_count} lines, {rep.record_count} records, "
        f"{rep.byte_count} bytes{' (gzip)' if rep.gzip else ''}",
        f"format: {rep.format.name} (confidence {rep.format.confidence:.2f}, explains "
        f"{rep.format.explained_share:.1%})"
        + (f" header: {rep.format.header_layout}" if rep.format.header_layout else ""),
        "",
        "Summary:",
    ]
    out += [f"  - {c.text}" for c in rep.summary.claims]
    out += ["", f"Top templates ({rep.template_count} in all):"]
    for t in list(rep.templates)[:15]:
        # The level most of its records are at, then its most severe one where that differs ("INFO+ERROR").
        counted = [(lc.count, lc.level) for lc in t.levels if lc.count]
        most = max(counted)[1] if counted else t.max_level
        lv = "+".join(report_pb2.Level.Name(x).removeprefix("LEVEL_") for x in dict.fromkeys((most, t.max_level)))
        out.append(f"  {t.id} {t.count:>9} {t.share:7.2%} {lv:<11} {shorten(t.text, 100)}")
    by_id = {t.id: t for t in rep.templates}
    if rep.error_templates:
        out += ["", "Errors and warnings:"]
        for e in list(rep.error_templates)[:10]:
            lv = report_pb2.Level.Name(e.level).removeprefix("LEVEL_")
            t = by_id[e.template_id]
            # The records at the ranked level, of the template's (an access log's route: 3 of its 583 at WARN).
            at = [lc for lc in t.levels if lc.level == e.level]
            n = sum(lc.count for lc in at) or t.count
            first = min((lc.first_line for lc in at if lc.first_line), default=t.first_line)
            of = f"{n} of {t.count}" if n != t.count else f"{n}"
            out.append(
                f"  {e.template_id} {lv:<5} x{of:<7} first at line {first}, lines {t.first_line}..{t.last_line}  "
                f"{shorten(t.text, 100)}"
            )
    if rep.exception_groups:
        out += ["", "Exceptions:"]
        for g in list(rep.exception_groups)[:10]:
            root = (
                f" (root cause {g.root_cause_type})"
                if g.root_cause_type and g.root_cause_type != g.exception_type
                else ""
            )
            out.append(
                f"  {g.fingerprint} {g.exception_type}{root} x{g.count} lines {g.first_line}..{g.last_line}: "
                f"{shorten(g.message, 80)}"
            )
    if rep.anomalies:
        out += ["", f"Findings ({len(rep.anomalies)}, most important first):"]
        for a in rep.anomalies:
            kind = report_pb2.AnomalyKind.Name(a.kind).removeprefix("ANOMALY_KIND_").lower()
            out.append(f"  {kind:<12} {a.description}")
    if rep.timeline:
        out += ["", "Timeline:"]
        out += [f"  {e.time.ToJsonString() if e.HasField('time') else '?'} {e.description}" for e in rep.timeline]
    q = rep.parse_quality
    out += [
        "",
        f"Parse quality: timestamps {q.timestamp_share:.1%}, levels {q.level_share:.1%}, multi-line "
        f"{q.multiline_records}, truncated {q.truncated_records}, invalid UTF-8 {q.invalid_utf8_sequences}, "
        f"NUL {q.nul_bytes}, out of order {q.out_of_order_records}, unexplained {q.unexplained_records}",
    ]
    out += [f"  assumption: {a}" for a in q.time_assumptions]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m loglens_analysis.engine", description=__doc__)
    ap.add_argument("file", help="log file, plain or gzip")
    ap.add_argument("--json", action="store_true", help="print the report as proto3 JSON")
    ap.add_argument("--timezone", help="IANA zone of times written without an offset (default: UTC)")
    ap.add_argument("--year", type=int, help="year of times written without one (default: the file's mtime)")
    args = ap.parse_args(argv)
    try:
        # Year-less times must not run past the file's last change, as an upload's time bounds them.
        rep = analyze(
            _chunks(args.file), time_zone=args.timezone, year=args.year, reference_epoch=os.path.getmtime(args.file)
        )
    except EngineError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ZoneInfoNotFoundError:
        print(f'error: unknown time zone "{args.timezone}": use an IANA name such as "Europe/Berlin"', file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: cannot read {args.file}: {e.strerror}", file=sys.stderr)
        return 2
    if args.json:
        print(json_format.MessageToJson(rep, indent=1))
    else:
        print(render_text(rep))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
