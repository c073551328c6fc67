"""From aggregates to the ``AnalysisReport`` proto: templates, errors, exceptions, anomalies, summary."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field

from google.protobuf.timestamp_pb2 import Timestamp

from loglens.v1 import report_pb2

from .analyzer import (
    EXAMPLE_CHARS,
    MAX_BINS,
    MAX_EXAMPLES,
    MAX_EXCEPTION_GROUPS,
    MAX_VALUES_TRACKED,
    Analyzer,
    Variant,
)
from .exceptions import fingerprint
from .miner import resolve_templates, template_id
from .records import MAX_RECORD_CHARS, ReadCounters

MAX_TEMPLATES = 1000
MAX_TOP_VALUES = 5
MAX_ANOMALIES = 50
MAX_ERROR_TEMPLATES = 20
MAX_TIMELINE = 50
LEVEL_ENUM = {
    "TRACE": report_pb2.LEVEL_TRACE,
    "DEBUG": report_pb2.LEVEL_DEBUG,
    "INFO": report_pb2.LEVEL_INFO,
    "NOTICE": report_pb2.LEVEL_NOTICE,
    "WARN": report_pb2.LEVEL_WARN,
    "ERROR": report_pb2.LEVEL_ERROR,
    "FATAL": report_pb2.LEVEL_FATAL,
}
SEVERITY_WEIGHT = {"WARN": 1.0, "ERROR": 3.0, "FATAL": 5.0}
_RESTART = re.compile(
    r"\b(?:starting|started|start-up|startup|booting|booted|initiali[sz](?:ing|ed)|listening on)\b", re.IGNORECASE
)


def _ts(epoch: float | None) -> Timestamp | None:
    if epoch is None:
        return None
    t = Timestamp()
    seconds = math.floor(epoch)
    t.seconds = int(seconds)
    t.nanos = round((epoch - seconds) * 1e9) % 1_000_000_000
    return t


def _put(dst: Timestamp, epoch: float | None) -> None:
    t = _ts(epoch)
    if t is not None:
        dst.CopyFrom(t)


def _iso(epoch: float | None) -> str:
    t = _ts(epoch)
    return t.ToJsonString() if t is not None else "?"


@dataclass(eq=False, slots=True)
class Rolled:
    """A final template: the variants it rolled up."""

    text: str
    id: str
    variants: list[Variant] = field(default_factory=list)
    count: int = 0
    first_line: int = 0
    last_line: int = 0
    first_time: float | None = None
    last_time: float | None = None
    levels: dict[str, int] = field(default_factory=dict)
    bins: dict[int, list[int]] = field(default_factory=dict)
    examples: list[tuple[int, str]] = field(default_factory=list)
    cluster_index: int = -1

    def max_level(self) -> str | None:
        order = ["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"]
        present = [lv for lv in order if self.levels.get(lv)]
        return present[-1] if present else None


def roll_up(an: Analyzer) -> tuple[list[Rolled], dict[int, Rolled]]:
    """Final templates (most frequent first, ties by first line) and a map variant id -> template."""
    clusters = an.miner.finish()
    variants = an.variants()
    by_cluster: dict[int, dict[tuple[str, ...], int]] = {}
    for v in variants:
        root = v.cluster.root()
        d = by_cluster.setdefault(root.index, {})
        d[v.tokens] = d.get(v.tokens, 0) + v.count
    final = resolve_templates(clusters, by_cluster)
    rolled: dict[str, Rolled] = {}
    of_variant: dict[int, Rolled] = {}
    for v in sorted(variants, key=lambda x: x.first_line):
        root = v.cluster.root()
        text = final[(root.index, v.tokens)]
        r = rolled.get(text)
        if r is None:
            r = rolled[text] = Rolled(text, template_id(text), cluster_index=root.index)
            r.first_line = v.first_line
            r.first_time = v.first_time
        r.variants.append(v)
        r.count += v.count
        r.last_line = max(r.last_line, v.last_line)
        if v.first_time is not None and (r.first_time is None or v.first_time < r.first_time):
            r.first_time = v.first_time
        if v.last_time is not None and (r.last_time is None or v.last_time > r.last_time):
            r.last_time = v.last_time
        for k, c in v.levels.items():
            r.levels[k] = r.levels.get(k, 0) + c
        for b, (c, fl) in v.bins.items():
            x = r.bins.get(b)
            if x is None:
                r.bins[b] = [c, fl]
            else:
                x[0] += c
                x[1] = min(x[1], fl)
        r.examples = sorted(r.examples + v.examples)[:MAX_EXAMPLES]
        of_variant[id(v)] = r
    ordered = sorted(rolled.values(), key=lambda r: (-r.count, r.first_line))
    return ordered, of_variant


@dataclass(slots=True)
class Finding:
    """An anomaly before it becomes a proto (kept for the timeline and the summary)."""

    kind: report_pb2.AnomalyKind.ValueType
    template: Rolled | None
    start: float | None
    end: float | None
    count: int
    baseline: float
    score: float
    lines: list[int]
    description: str


def _bin_time(an: Analyzer, b: int) -> float:
    return (an.origin or 0.0) + b * an.bin_seconds


def find_anomalies(an: Analyzer, templates: list[Rolled]) -> list[Finding]:
    out: list[Finding] = []
    nbins = (max(an.total_bins) + 1) if an.total_bins else 0
    width = an.bin_seconds
    # Bursts: a bucket far above the template's own baseline (its mean over the file's buckets).
    if nbins >= 8:
        for r in templates[:MAX_TEMPLATES]:
            if r.count < 20:
                continue
            mean = r.count / nbins
            for b, (c, fl) in sorted(r.bins.items()):
                if c >= 10 and c >= 5 * mean + 3 * math.sqrt(mean) + 5:
                    out.append(
                        Finding(
                            report_pb2.ANOMALY_KIND_BURST,
                            r,
                            _bin_time(an, b),
                            _bin_time(an, b + 1),
                            c,
                            round(mean, 3),
                            round(c / max(mean, 0.1), 2),
                            [fl],
                            f"burst of template {r.id}: {c} records in {width}s from line {fl} "
                            f"(baseline {mean:.1f} per bucket)",
                        )
                    )
        # Error-rate bursts across all templates.
        total_err = sum(v[1] for v in an.total_bins.values())
        if total_err >= 10:
            mean_err = total_err / nbins
            for b, (_c, e, fl, _ll) in sorted(an.total_bins.items()):
                if e >= 10 and e >= 5 * mean_err + 3 * math.sqrt(mean_err) + 5:
                    out.append(
                        Finding(
                            report_pb2.ANOMALY_KIND_ERROR_BURST,
                            None,
                            _bin_time(an, b),
                            _bin_time(an, b + 1),
                            e,
                            round(mean_err, 3),
                            round(e / max(mean_err, 0.1), 2),
                            [fl],
                            f"error burst: {e} error records in {width}s from line {fl} "
                            f"(baseline {mean_err:.1f} per bucket)",
                        )
                    )
        # Silences: runs of empty buckets between busy ones, where buckets are usually busy.
        busy = sorted(an.total_bins)
        filled = len(busy) / nbins
        if filled >= 0.8:
            for a, b in itertools.pairwise(busy):
                gap = b - a - 1
                if gap >= 3:
                    fl = an.total_bins[a][3]
                    nl = an.total_bins[b][2]
                    out.append(
                        Finding(
                            report_pb2.ANOMALY_KIND_SILENCE,
                            None,
                            _bin_time(an, a + 1),
                            _bin_time(an, b),
                            0,
                            round(an.records / nbins, 3),
                            float(gap),
                            [fl, nl],
                            f"silence: no records for about {gap * width}s between line {fl} and line {nl}",
                        )
                    )
    # Rare templates: seen at most twice in a file of at least 1000 records.
    if an.records >= 1000:
        for r in templates[:MAX_TEMPLATES]:
            if r.count <= 2:
                lines = sorted({r.first_line, r.last_line})
                out.append(
                    Finding(
                        report_pb2.ANOMALY_KIND_RARE_TEMPLATE,
                        r,
                        r.first_time,
                        r.last_time,
                        r.count,
                        0.0,
                        round(math.log10(an.records / r.count), 2),
                        lines,
                        f"rare template {r.id} seen {r.count} time(s), first at line {r.first_line}",
                    )
                )
    # Restarts: a start-up template seen again later in the file.
    for r in templates[:MAX_TEMPLATES]:
        if r.count >= 2 and r.first_line > 1 and _RESTART.search(r.text) and r.last_line > r.first_line:
            lines = sorted({fl for _b, (_c, fl) in r.bins.items()})[:10] or [r.first_line, r.last_line]
            out.append(
                Finding(
                    report_pb2.ANOMALY_KIND_RESTART,
                    r,
                    r.first_time,
                    r.last_time,
                    r.count,
                    0.0,
                    float(r.count),
                    lines,
                    f"start-up message {r.id} seen {r.count} times (restarts?), at lines "
                    + ", ".join(str(x) for x in lines[:5]),
                )
            )
    out.sort(key=lambda f: (-f.score, f.lines[0] if f.lines else 0))
    return out[:MAX_ANOMALIES]


def build_report(an: Analyzer, counters: ReadCounters, engine_version: str) -> report_pb2.AnalysisReport:
    templates, of_variant = roll_up(an)
    rep = report_pb2.AnalysisReport(
        engine_version=engine_version,
        byte_count=counters.decompressed_bytes,
        line_count=counters.lines,
        record_count=an.records,
        input_byte_count=counters.input_bytes,
        gzip=counters.gzip,
        template_count=len(templates),
    )
    g = an.guess
    if g is not None:
        rep.format.name = g.name
        rep.format.confidence = g.confidence
        rep.format.share = g.share
        rep.format.header_layout = g.layout.describe() if g.layout is not None else ""
    rep.format.explained_share = round(an.explained / an.records, 4) if an.records else 0.0
    if an.min_time is not None and an.max_time is not None:
        _put(rep.time_range.start_time, an.min_time)
        _put(rep.time_range.end_time, an.max_time)
    totals: dict[str, int] = {}
    for r in templates:
        for k, c in r.levels.items():
            totals[k] = totals.get(k, 0) + c
    for k in ("TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"):
        if totals.get(k):
            rep.levels.add(level=LEVEL_ENUM[k], count=totals[k])
    listed = templates[:MAX_TEMPLATES]
    for r in listed:
        _template(rep, an, r)
    # Errors and warnings ranked: severity weight times log of the count.
    ranked = []
    for r in listed:
        lv = r.max_level()
        if lv in SEVERITY_WEIGHT:
            n_bad = sum(c for k, c in r.levels.items() if k in SEVERITY_WEIGHT)
            ranked.append((round(SEVERITY_WEIGHT[lv] * math.log2(1 + n_bad), 4), r, lv))
    ranked.sort(key=lambda x: (-x[0], x[1].first_line))
    for score, r, lv in ranked[:MAX_ERROR_TEMPLATES]:
        rep.error_templates.add(template_id=r.id, score=score, level=LEVEL_ENUM[lv], count=r.count)
    listed_ids = {r.id for r in listed}
    # Exception groups.
    groups: dict[str, report_pb2.ExceptionGroup] = {}
    for es in sorted(an.exceptions.values(), key=lambda e: e.first_line):
        if es.count == 0:
            continue
        owner = of_variant.get(id(es.variant))
        if owner is None or owner.id not in listed_ids:
            continue
        r = owner
        fp = fingerprint(es.info, r.id)
        eg = groups.get(fp)
        if eg is None:
            eg = groups[fp] = report_pb2.ExceptionGroup(
                fingerprint=fp,
                exception_type=es.info.type,
                message=es.info.message,
                root_cause_type=es.info.root_type,
                root_cause_message=es.info.root_message,
                template_id=r.id,
                top_frames=list(es.info.frames),
                first_line=es.first_line,
            )
            if es.first_time is not None:
                _put(eg.first_time, es.first_time)
            eg.example.line_number = es.first_line
            eg.example.text = es.example
        eg.count += es.count
        eg.last_line = max(eg.last_line, es.last_line)
        if es.last_time is not None and (not eg.HasField("last_time") or es.last_time > eg.last_time.ToSeconds()):
            _put(eg.last_time, es.last_time)
    for eg in sorted(groups.values(), key=lambda e: (-e.count, e.first_line))[:MAX_EXCEPTION_GROUPS]:
        rep.exception_groups.append(eg)
    # Anomalies and the timeline.
    findings = find_anomalies(an, listed)
    for f in findings:
        a = rep.anomalies.add(
            kind=f.kind,
            template_id=f.template.id if f.template else "",
            count=f.count,
            baseline=f.baseline,
            score=f.score,
            line_numbers=f.lines,
            description=f.description,
        )
        if f.start is not None:
            _put(a.start_time, f.start)
        if f.end is not None:
            _put(a.end_time, f.end)
    events: list[tuple[float, int, report_pb2.TimelineEntry]] = []
    for f in findings:
        e = report_pb2.TimelineEntry(
            description=f.description,
            kind=f.kind,
            template_ids=[f.template.id] if f.template else [],
            line_numbers=f.lines,
        )
        if f.start is not None:
            _put(e.time, f.start)
        events.append((f.start if f.start is not None else float("inf"), f.lines[0] if f.lines else 0, e))
    for _score, r, lv in ranked[:10]:
        e = report_pb2.TimelineEntry(
            description=f"first {lv} of template {r.id} at line {r.first_line}",
            template_ids=[r.id],
            line_numbers=[r.first_line],
        )
        if r.first_time is not None:
            _put(e.time, r.first_time)
        events.append((r.first_time if r.first_time is not None else float("inf"), r.first_line, e))
    events.sort(key=lambda x: (x[0], x[1]))
    for _t, _l, e in events[:MAX_TIMELINE]:
        rep.timeline.append(e)
    # Parse quality.
    q = rep.parse_quality
    n = an.records or 1
    q.timestamp_share = round(an.with_time / n, 4)
    q.level_share = round(an.with_level / n, 4)
    q.multiline_records = an.multiline_records
    q.joined_lines = counters.joined_lines
    q.truncated_records = counters.truncated_records
    q.invalid_utf8_sequences = counters.invalid_utf8
    q.nul_bytes = counters.nul_bytes
    q.out_of_order_records = an.out_of_order
    q.envelope = counters.envelope
    q.ansi_sequences = counters.ansi_sequences
    q.time_assumptions.extend(sorted(an.assumptions))
    q.unexplained_records = an.records - an.explained
    for ln, text in an.unexplained_samples:
        q.unexplained_samples.add(line_number=ln, text=text)
    q.cri_partial_lines = counters.cri_partials
    q.empty_lines = an.empty_lines
    caps = rep.caps
    caps.max_templates = MAX_TEMPLATES
    caps.max_examples = MAX_EXAMPLES
    caps.max_top_values = MAX_TOP_VALUES
    caps.max_values_tracked = MAX_VALUES_TRACKED
    caps.max_histogram_buckets = MAX_BINS
    caps.max_record_chars = MAX_RECORD_CHARS
    caps.max_exception_groups = MAX_EXCEPTION_GROUPS
    caps.max_anomalies = MAX_ANOMALIES
    from .summary import write_summary

    write_summary(rep)
    return rep


def _template(rep: report_pb2.AnalysisReport, an: Analyzer, r: Rolled) -> None:
    t = rep.templates.add(
        id=r.id,
        text=r.text,
        count=r.count,
        share=round(r.count / an.records, 6) if an.records else 0.0,
        first_line=r.first_line,
        last_line=r.last_line,
    )
    for k in ("TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"):
        if r.levels.get(k):
            t.levels.add(level=LEVEL_ENUM[k], count=r.levels[k])
    lv = r.max_level()
    t.max_level = LEVEL_ENUM[lv] if lv else report_pb2.LEVEL_UNSPECIFIED
    if r.first_time is not None:
        _put(t.first_time, r.first_time)
    if r.last_time is not None:
        _put(t.last_time, r.last_time)
    for ln, text in r.examples:
        t.examples.add(line_number=ln, text=text[:EXAMPLE_CHARS])
    cv = an.values.get(r.cluster_index)
    if cv is not None and cv.sampled:
        for i in sorted(cv.positions):
            d = cv.positions[i]
            p = t.placeholders.add(index=i, kind=cv.kinds.get(i, "word"), sampled=cv.sampled, distinct_values=len(d))
            for value, count in sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TOP_VALUES]:
                p.top_values.add(value=value, count=count)
            nums = sorted(cv.numbers.get(i, []))
            if nums:
                p.numeric.min = nums[0]
                p.numeric.median = nums[len(nums) // 2]
                p.numeric.p95 = nums[min(len(nums) - 1, math.ceil(0.95 * len(nums)) - 1)]
                p.numeric.max = nums[-1]
    if r.bins and an.origin is not None:
        lo, hi = min(r.bins), max(r.bins)
        _put(t.histogram.start_time, an.origin + lo * an.bin_seconds)
        t.histogram.bucket_seconds = an.bin_seconds
        t.histogram.counts.extend(r.bins[b][0] if b in r.bins else 0 for b in range(lo, hi + 1))
