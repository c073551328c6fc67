"""What every view reads from a report the same way: names of levels and anomalies, times, sizes, the shared
time grid of the charts, the headline figures. No markup here: the views decide how it looks."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loglens.v1 import report_pb2
from loglens_common.text import visible as visible  # the views escape log text by the shared rule

# How many rows each list shows (the report itself is already capped; these keep a page readable).
TOP_PATTERNS = 25
TOP_ERRORS = 15
TOP_EXCEPTIONS = 15
HISTOGRAM_BUCKETS = 60
SPARKLINE_BUCKETS = 40

NICE_BUCKET_SECONDS = (
    1,
    2,
    5,
    10,
    15,
    30,
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    2 * 3600,
    3 * 3600,
    6 * 3600,
    12 * 3600,
    86400,
    2 * 86400,
    7 * 86400,
    14 * 86400,
    30 * 86400,
    90 * 86400,
    365 * 86400,
)

# Severity order, most severe first.
LEVEL_ORDER = (
    report_pb2.LEVEL_FATAL,
    report_pb2.LEVEL_ERROR,
    report_pb2.LEVEL_WARN,
    report_pb2.LEVEL_NOTICE,
    report_pb2.LEVEL_INFO,
    report_pb2.LEVEL_DEBUG,
    report_pb2.LEVEL_TRACE,
    report_pb2.LEVEL_UNSPECIFIED,
)
ERROR_LEVELS = (report_pb2.LEVEL_ERROR, report_pb2.LEVEL_FATAL)
INTERVAL_ANOMALIES = (
    report_pb2.ANOMALY_KIND_BURST,
    report_pb2.ANOMALY_KIND_ERROR_BURST,
    report_pb2.ANOMALY_KIND_SILENCE,
)
NO_LEVEL = "no level"


def template_level(template: report_pb2.Template) -> str:
    """A template's level as a reader sees it in a list of templates: the level most of its records are at, then its
    most severe one where that differs ("INFO+ERROR": a request's template whose 500s are a few of its 329 records;
    its most severe alone read as if all were errors)."""
    counts = [(lc.count, lc.level) for lc in template.levels if lc.count]
    if not counts:
        return level_name(template.max_level)
    most = max(counts)[1]
    return level_name(most) if most == template.max_level else f"{level_name(most)}+{level_name(template.max_level)}"


def level_name(level: int) -> str:
    """A level as a reader sees it; records whose line names none are "no level", not a level of that name."""
    if level == report_pb2.LEVEL_UNSPECIFIED:
        return NO_LEVEL
    try:
        return report_pb2.Level.Name(level).removeprefix("LEVEL_")  # type: ignore[arg-type]
    except ValueError:
        return f"LEVEL_{level}"


def anomaly_name(kind: int) -> str:
    try:
        name = report_pb2.AnomalyKind.Name(kind).removeprefix("ANOMALY_KIND_")  # type: ignore[arg-type]
    except ValueError:
        return f"kind {kind}"
    return "first seen" if name == "UNSPECIFIED" else name.replace("_", " ").lower()


def when(ts: object) -> datetime | None:
    """A proto Timestamp as an aware datetime; None when it is unset."""
    if ts is None or (not getattr(ts, "seconds", 0) and not getattr(ts, "nanos", 0)):
        return None
    return ts.ToDatetime(tzinfo=UTC)  # type: ignore[attr-defined, no-any-return]


def fmt_time(ts: object, *, date: bool = True) -> str:
    moment = when(ts)
    if moment is None:
        return "-"
    return moment.strftime("%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S")


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def human_duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {s:02d}s"
    hours, m = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {m:02d}m"
    days, h = divmod(hours, 24)
    return f"{days}d {h:02d}h"


def level_counts(report: report_pb2.AnalysisReport) -> dict[int, int]:
    counts: dict[int, int] = {}
    for lc in report.levels:
        counts[lc.level] = counts.get(lc.level, 0) + lc.count
    return counts


def error_count(report: report_pb2.AnalysisReport) -> int:
    counts = level_counts(report)
    return sum(counts.get(level, 0) for level in ERROR_LEVELS)


def span_seconds(report: report_pb2.AnalysisReport) -> float | None:
    start, end = when(report.time_range.start_time), when(report.time_range.end_time)
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def templates_by_id(report: report_pb2.AnalysisReport) -> dict[str, report_pb2.Template]:
    return {t.id: t for t in report.templates}


@dataclass(frozen=True)
class RankedView:
    """How an errors-and-warnings entry reads: its template (None where the report lacks it), how many of its
    records are at the level it is ranked at, of how many, and its examples with its first record at that level
    first (a template's first records may be at another level: its examples are in line order)."""

    template: report_pb2.Template | None
    at_level: int
    count: int
    examples: list[report_pb2.Example]

    def count_text(self) -> str:
        return f"{self.at_level:,}" if self.at_level == self.count else f"{self.at_level:,} of {self.count:,}"


def ranked_view(ranked: report_pb2.RankedTemplate, by_id: dict[str, report_pb2.Template]) -> RankedView:
    t = by_id.get(ranked.template_id)
    if t is None:
        return RankedView(None, ranked.count, ranked.count, [])
    at_level = sum(lc.count for lc in t.levels if lc.level == ranked.level)
    first_at = next((lc.first_line for lc in t.levels if lc.level == ranked.level and lc.first_line), 0)
    examples = sorted(t.examples, key=lambda ex: ex.line_number != first_at)  # stable: the rest in line order
    return RankedView(t, at_level or t.count, t.count, examples)


def claims(report: report_pb2.AnalysisReport) -> list[str]:
    """The summary's sentences (the plain summary text for a report written before claims)."""
    return [c.text for c in report.summary.claims] or ([report.summary.text] if report.summary.text else [])


def first(numbers: Iterable[int], limit: int = 8) -> list[int]:
    return list(numbers)[:limit]


def stats(report: report_pb2.AnalysisReport) -> list[tuple[str, str]]:
    """The headline figures, in the order every view shows them."""
    span = span_seconds(report)
    counts = level_counts(report)
    return [
        ("Records", f"{report.record_count:,}"),
        ("Lines", f"{report.line_count:,}"),
        ("Size", human_bytes(report.byte_count) + (" (gzip)" if report.gzip else "")),
        ("Patterns", f"{report.template_count:,}"),
        ("Errors", f"{error_count(report):,}"),
        ("Warnings", f"{counts.get(report_pb2.LEVEL_WARN, 0):,}"),
        ("Exceptions", f"{sum(g.count for g in report.exception_groups):,}"),
        ("Time span", human_duration(span) if span is not None else "no timestamps"),
    ]


def quality_rows(q: report_pb2.ParseQuality) -> list[tuple[str, str]]:
    return [
        ("Records with a timestamp", f"{q.timestamp_share:.1%}"),
        ("Records with a level", f"{q.level_share:.1%}"),
        ("Multi-line records", f"{q.multiline_records:,}"),
        ("Lines joined into a record", f"{q.joined_lines:,}"),
        ("Records cut at the length cap", f"{q.truncated_records:,}"),
        ("Invalid UTF-8 sequences", f"{q.invalid_utf8_sequences:,}"),
        ("NUL bytes removed", f"{q.nul_bytes:,}"),
        ("Out-of-order records", f"{q.out_of_order_records:,}"),
        ("Records no layout explained", f"{q.unexplained_records:,}"),
        ("CRI partial lines", f"{q.cri_partial_lines:,}"),
        ("Empty lines", f"{q.empty_lines:,}"),
    ]


_BLOCKS = " ▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """Values as a row of block characters (terminal and Markdown charts)."""
    top = max(values, default=0)
    if top <= 0:
        return _BLOCKS[0] * len(values)
    return "".join(_BLOCKS[0 if v <= 0 else max(1, round(v / top * 8))] for v in values)


@dataclass(frozen=True)
class TimeGrid:
    """Equal buckets over a time range, aligned to a round width, that every chart of a page shares."""

    start: datetime
    bucket_seconds: int
    buckets: int

    @classmethod
    def of(cls, report: report_pb2.AnalysisReport, max_buckets: int) -> TimeGrid | None:
        finest = max((t.histogram.bucket_seconds for t in report.templates if t.histogram.counts), default=1)
        return cls.over(when(report.time_range.start_time), when(report.time_range.end_time), max_buckets, finest)

    @classmethod
    def over(cls, start: datetime | None, end: datetime | None, max_buckets: int, finest: int = 1) -> TimeGrid | None:
        """The grid over ``start``..``end``; never finer than ``finest`` seconds, the histograms' own buckets:
        spreading one 60 s count over six 10 s bars would draw a staircase that is not in the data."""
        if start is None or end is None or end < start:
            return None
        finest = max(1, finest)
        span = (end - start).total_seconds() + 1  # the last second is a whole second of records
        widths = sorted({w for w in NICE_BUCKET_SECONDS if w % finest == 0} | {finest << k for k in range(24)})
        width = next((w for w in widths if w >= finest and span / w <= max_buckets), None)
        if width is None:
            width = math.ceil(span / max_buckets)
        epoch = int(start.timestamp())
        aligned = datetime.fromtimestamp(epoch - epoch % width, tz=UTC)
        buckets = max(1, math.ceil((end.timestamp() + 1 - aligned.timestamp()) / width))
        return cls(aligned, width, buckets)

    def bucket_start(self, i: int) -> datetime:
        return self.start + timedelta(seconds=i * self.bucket_seconds)

    def rebin(self, histogram: report_pb2.Histogram) -> list[float]:
        """A histogram spread over this grid in proportion to the overlap of the buckets."""
        out = [0.0] * self.buckets
        origin = when(histogram.start_time)
        if origin is None or histogram.bucket_seconds <= 0:
            return out
        g0 = self.start.timestamp()
        g_end = g0 + self.buckets * self.bucket_seconds
        width = float(histogram.bucket_seconds)
        for i, count in enumerate(histogram.counts):
            if not count:
                continue
            a = origin.timestamp() + i * width
            b = a + width
            lo, hi = max(a, g0), min(b, g_end)
            if hi <= lo:  # outside the range (should not happen): keep it, in the nearest bucket
                out[0 if b <= g0 else -1] += count
                continue
            share = count / (hi - lo)
            first_k = int((lo - g0) // self.bucket_seconds)
            last_k = min(self.buckets - 1, math.ceil((hi - g0) / self.bucket_seconds) - 1)
            for k in range(first_k, last_k + 1):
                k0 = g0 + k * self.bucket_seconds
                overlap = min(hi, k0 + self.bucket_seconds) - max(lo, k0)
                if overlap > 0:
                    out[k] += share * overlap
        return out


def level_histogram(report: report_pb2.AnalysisReport, grid: TimeGrid) -> dict[int, list[float]]:
    """Records per level over the grid, from the templates' histograms (a template's buckets are split among
    its levels in proportion to its level counts). Templates beyond the report's cap are not in it."""
    series: dict[int, list[float]] = {}
    for template in report.templates:
        if not template.histogram.counts:
            continue
        binned = grid.rebin(template.histogram)
        total = sum(lc.count for lc in template.levels)
        shares = (
            [(lc.level, lc.count / total) for lc in template.levels if lc.count]
            if total
            else [(template.max_level, 1.0)]
        )
        for level, share in shares:
            row = series.setdefault(level, [0.0] * grid.buckets)
            for k, value in enumerate(binned):
                row[k] += value * share
    return series


def errors_over_time(series: dict[int, list[float]], buckets: int) -> tuple[list[float], list[float]]:
    """(all records, ERROR and FATAL records) per bucket of a level histogram."""
    all_rows = [sum(row[k] for row in series.values()) for k in range(buckets)]
    errors = [sum(series.get(lv, [0.0] * buckets)[k] for lv in ERROR_LEVELS) for k in range(buckets)]
    return all_rows, errors
