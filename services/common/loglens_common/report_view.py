"""Views of an ``AnalysisReport`` for people: terminal text, Markdown, and one self-contained HTML page.

    from loglens_common.report_view import render
    page = render(report, "html", title="orders.log")

The gateway serves the HTML for a run and ``loglens report --format`` writes every format. Everything that
came from the log (record text, template text, exception types, values) is hostile input: the HTML escapes
it, Markdown puts it in escaped cells or fenced blocks, and all three replace control characters (terminal
escape sequences included) with visible symbols. The page has no script and no external asset; its Content
Security Policy forbids both, so a page that slipped would still not run anything.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from google.protobuf import json_format

from loglens.v1 import report_pb2

FORMATS = ("text", "json", "md", "html")
_ALIASES = {"markdown": "md", "txt": "text"}

# How many rows each list shows (the report itself is already capped; these keep a page readable).
TOP_PATTERNS = 25
TOP_ERRORS = 15
TOP_EXCEPTIONS = 15
HISTOGRAM_BUCKETS = 60
SPARKLINE_BUCKETS = 40

_NICE_BUCKET_SECONDS = (
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

# Severity order, most severe first, with the colours of the page (a colour-blind-safe ramp for the levels
# that matter: red, orange, amber; the quiet levels are greys and a blue).
_LEVEL_ORDER = (
    report_pb2.LEVEL_FATAL,
    report_pb2.LEVEL_ERROR,
    report_pb2.LEVEL_WARN,
    report_pb2.LEVEL_NOTICE,
    report_pb2.LEVEL_INFO,
    report_pb2.LEVEL_DEBUG,
    report_pb2.LEVEL_TRACE,
    report_pb2.LEVEL_UNSPECIFIED,
)
_LEVEL_COLOUR = {
    report_pb2.LEVEL_FATAL: "#7f1d1d",
    report_pb2.LEVEL_ERROR: "#dc2626",
    report_pb2.LEVEL_WARN: "#f59e0b",
    report_pb2.LEVEL_NOTICE: "#0d9488",
    report_pb2.LEVEL_INFO: "#3b82f6",
    report_pb2.LEVEL_DEBUG: "#94a3b8",
    report_pb2.LEVEL_TRACE: "#cbd5e1",
    report_pb2.LEVEL_UNSPECIFIED: "#d6d3d1",
}
_ERROR_LEVELS = (report_pb2.LEVEL_ERROR, report_pb2.LEVEL_FATAL)
_INTERVAL_ANOMALIES = (
    report_pb2.ANOMALY_KIND_BURST,
    report_pb2.ANOMALY_KIND_ERROR_BURST,
    report_pb2.ANOMALY_KIND_SILENCE,
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def render(report: report_pb2.AnalysisReport, fmt: str, *, title: str = "") -> str:
    """The report as ``text``, ``json`` (proto3 JSON), ``md`` (Markdown) or ``html`` (a whole page)."""
    kind = _ALIASES.get(fmt.lower(), fmt.lower())
    if kind == "text":
        return _render_text(report, title)
    if kind == "json":
        return json_format.MessageToJson(report, indent=2) + "\n"
    if kind == "md":
        return _render_markdown(report, title)
    if kind == "html":
        return _render_html(report, title)
    raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


# --------------------------------------------------------------------------------------------------------
# Shared reading of the report
# --------------------------------------------------------------------------------------------------------


def visible(text: str) -> str:
    """Control characters (and bidi overrides) as visible symbols: a log cannot drive a terminal or a page."""

    def show(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code < 0x20:
            return chr(0x2400 + code)  # the Control Pictures block: ␀ ␛ ...
        if code == 0x7F:
            return "\u2421"
        return f"\\u{code:04x}"

    return _CONTROL.sub(show, text)


NO_LEVEL = "no level"


def level_name(level: int) -> str:
    """A level as a reader sees it; records whose line names none are "no level", not a level of that name."""
    if level == report_pb2.LEVEL_UNSPECIFIED:
        return NO_LEVEL
    try:
        return report_pb2.Level.Name(level).removeprefix("LEVEL_")  # type: ignore[arg-type]
    except ValueError:
        return f"LEVEL_{level}"


def _level_css(level: int) -> str:
    """The level as a CSS class word (``lv-none`` for no level)."""
    return "none" if level == report_pb2.LEVEL_UNSPECIFIED else re.sub(r"[^a-z0-9]", "-", level_name(level).lower())


def anomaly_name(kind: int) -> str:
    try:
        name = report_pb2.AnomalyKind.Name(kind).removeprefix("ANOMALY_KIND_")  # type: ignore[arg-type]
    except ValueError:
        return f"kind {kind}"
    return "first seen" if name == "UNSPECIFIED" else name.replace("_", " ").lower()


def _when(ts: object) -> datetime | None:
    if ts is None or (not getattr(ts, "seconds", 0) and not getattr(ts, "nanos", 0)):
        return None
    return ts.ToDatetime(tzinfo=UTC)  # type: ignore[attr-defined, no-any-return]


def _fmt_time(ts: object, *, date: bool = True) -> str:
    moment = _when(ts)
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


def _level_counts(report: report_pb2.AnalysisReport) -> dict[int, int]:
    counts: dict[int, int] = {}
    for lc in report.levels:
        counts[lc.level] = counts.get(lc.level, 0) + lc.count
    return counts


def _error_count(report: report_pb2.AnalysisReport) -> int:
    counts = _level_counts(report)
    return sum(counts.get(level, 0) for level in _ERROR_LEVELS)


def _span_seconds(report: report_pb2.AnalysisReport) -> float | None:
    start, end = _when(report.time_range.start_time), _when(report.time_range.end_time)
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


@dataclass(frozen=True)
class TimeGrid:
    """Equal buckets over the report's time range, aligned to a round width, that every chart shares."""

    start: datetime
    bucket_seconds: int
    buckets: int

    @classmethod
    def of(cls, report: report_pb2.AnalysisReport, max_buckets: int) -> TimeGrid | None:
        start, end = _when(report.time_range.start_time), _when(report.time_range.end_time)
        if start is None or end is None or end < start:
            return None
        span = (end - start).total_seconds() + 1  # the last second is a whole second of records
        # Never finer than the templates' own buckets: spreading one 60 s count over six 10 s bars would
        # draw a staircase that is not in the data.
        finest = max((t.histogram.bucket_seconds for t in report.templates if t.histogram.counts), default=1)
        widths = sorted({w for w in _NICE_BUCKET_SECONDS if w % finest == 0} | {finest << k for k in range(24)})
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
        """A template's own histogram spread over this grid in proportion to the overlap of the buckets."""
        out = [0.0] * self.buckets
        origin = _when(histogram.start_time)
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
            first = int((lo - g0) // self.bucket_seconds)
            last = min(self.buckets - 1, math.ceil((hi - g0) / self.bucket_seconds) - 1)
            for k in range(first, last + 1):
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


def _templates_by_id(report: report_pb2.AnalysisReport) -> dict[str, report_pb2.Template]:
    return {t.id: t for t in report.templates}


def _stats(report: report_pb2.AnalysisReport) -> list[tuple[str, str]]:
    span = _span_seconds(report)
    counts = _level_counts(report)
    return [
        ("Records", f"{report.record_count:,}"),
        ("Lines", f"{report.line_count:,}"),
        ("Size", human_bytes(report.byte_count) + (" (gzip)" if report.gzip else "")),
        ("Patterns", f"{report.template_count:,}"),
        ("Errors", f"{_error_count(report):,}"),
        ("Warnings", f"{counts.get(report_pb2.LEVEL_WARN, 0):,}"),
        ("Exceptions", f"{sum(g.count for g in report.exception_groups):,}"),
        ("Time span", human_duration(span) if span is not None else "no timestamps"),
    ]


def _quality_rows(q: report_pb2.ParseQuality) -> list[tuple[str, str]]:
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


def _lines(numbers: Iterable[int], limit: int = 8) -> list[int]:
    return list(numbers)[:limit]


# --------------------------------------------------------------------------------------------------------
# Text (a terminal)
# --------------------------------------------------------------------------------------------------------

_BLOCKS = " ▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    top = max(values, default=0)
    if top <= 0:
        return _BLOCKS[0] * len(values)
    return "".join(_BLOCKS[0 if v <= 0 else max(1, round(v / top * 8))] for v in values)


def _clip(text: str, width: int) -> str:
    text = visible(text.replace("\n", " ⏎ "))
    return text if len(text) <= width else text[: width - 1] + "…"


def _render_text(report: report_pb2.AnalysisReport, title: str) -> str:
    out: list[str] = []
    heading = visible(title) if title else "LogLens report"
    out += [heading, "=" * len(heading)]
    out.append("  ".join(f"{k}: {v}" for k, v in _stats(report)[:4]))
    out.append("  ".join(f"{k}: {v}" for k, v in _stats(report)[4:]))
    if report.format.name:
        out.append(f"Format: {visible(report.format.name)} (confidence {report.format.confidence:.2f})")
    if report.time_range.HasField("start_time"):
        out.append(f"From {_fmt_time(report.time_range.start_time)} to {_fmt_time(report.time_range.end_time)} UTC")

    out += ["", "Summary", "-------"]
    claims = [c.text for c in report.summary.claims] or ([report.summary.text] if report.summary.text else [])
    out += [f"  - {visible(c)}" for c in claims] or ["  (nothing to report)"]

    counts = _level_counts(report)
    if counts:
        out += ["", "Levels", "------"]
        total = sum(counts.values()) or 1
        for level in _LEVEL_ORDER:
            if counts.get(level):
                n = counts[level]
                bar = "█" * max(1, round(n / total * 40))
                out.append(f"  {level_name(level):<8} {n:>10,} {n / total:7.2%} {bar}")

    grid = TimeGrid.of(report, HISTOGRAM_BUCKETS)
    if grid is not None:
        series = level_histogram(report, grid)
        all_rows = [sum(row[k] for row in series.values()) for k in range(grid.buckets)]
        errors = [sum(series.get(lv, [0.0] * grid.buckets)[k] for lv in _ERROR_LEVELS) for k in range(grid.buckets)]
        out += ["", f"Activity ({human_duration(grid.bucket_seconds)} per column)", "--------"]
        out.append(f"  all    |{sparkline(all_rows)}|")
        out.append(f"  errors |{sparkline(errors)}|")
        out.append(f"          from {grid.start:%Y-%m-%d %H:%M:%S} UTC")

    if report.templates:
        out += [
            "",
            f"Top patterns ({min(TOP_PATTERNS, len(report.templates))} of {report.template_count})",
            "------------",
        ]
        for t in list(report.templates)[:TOP_PATTERNS]:
            out.append(f"  {t.count:>9,} {t.share:7.2%} {level_name(t.max_level):<8} {_clip(t.text, 90)}")

    by_id = _templates_by_id(report)
    if report.error_templates:
        out += ["", "Errors and warnings", "-------------------"]
        for ranked in list(report.error_templates)[:TOP_ERRORS]:
            found = by_id.get(ranked.template_id)
            text = found.text if found else ranked.template_id
            out.append(f"  {level_name(ranked.level):<6} x{ranked.count:<8,} {_clip(text, 90)}")
            if found:
                out.append(f"         lines {found.first_line}..{found.last_line}")
                for ex in list(found.examples)[:2]:
                    out.append(f"         L{ex.line_number}: {_clip(ex.text, 100)}")

    if report.exception_groups:
        out += ["", "Exceptions", "----------"]
        for g in list(report.exception_groups)[:TOP_EXCEPTIONS]:
            out.append(f"  {visible(g.exception_type)} x{g.count:,}  lines {g.first_line}..{g.last_line}")
            for frame in list(g.top_frames)[:3]:
                out.append(f"      at {_clip(frame, 100)}")

    if report.timeline:
        out += ["", "Timeline", "--------"]
        for e in report.timeline:
            lines = ", ".join(str(n) for n in _lines(e.line_numbers, 5))
            out.append(f"  {_fmt_time(e.time)}  {_clip(e.description, 100)}" + (f"  [lines {lines}]" if lines else ""))

    if report.anomalies:
        out += ["", "Anomalies", "---------"]
        for a in report.anomalies:
            out.append(f"  {anomaly_name(a.kind):<12} score {a.score:6.1f}  {_clip(a.description, 100)}")

    q = report.parse_quality
    out += ["", "Parse quality", "-------------"]
    out += [f"  {k:<30} {v}" for k, v in _quality_rows(q)]
    out += [f"  assumption: {visible(a)}" for a in q.time_assumptions]
    for ex in list(q.unexplained_samples)[:3]:
        out.append(f"  unexplained L{ex.line_number}: {_clip(ex.text, 100)}")
    if report.engine_version:
        out += ["", f"LogLens engine {visible(report.engine_version)}"]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_cell(text: str) -> str:
    """Text safe in a Markdown table cell or paragraph: no HTML, no emphasis, no links, no line breaks."""
    text = visible(text).replace("\r", " ").replace("\n", " ⏎ ")
    text = html.escape(text, quote=False)  # Markdown passes raw HTML through; entities stay text
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_code(text: str, *, in_table: bool = True) -> str:
    """Log text as an inline code span, shown literally (``<*>`` stays ``<*>``): Markdown escapes nothing inside
    one, so only what could end the span or the table row is handled (backticks by a longer fence, ``|`` by
    the one escape GFM tables honour inside code, line breaks as a visible symbol)."""
    text = visible(text).replace("\r", " ").replace("\n", " ⏎ ")
    if in_table:
        text = text.replace("|", "\\|")
    if not text.strip():
        return md_cell(text) or "(empty)"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_code_block(text: str, info: str = "text") -> str:
    """A fenced block longer than any run of backticks inside, so the text cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{visible(text.replace(chr(13), ''))}\n{fence}"


def _md_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def _render_markdown(report: report_pb2.AnalysisReport, title: str) -> str:
    out: list[str] = [f"# {md_cell(title) if title else 'LogLens report'}", ""]
    out += _md_table([k for k, _ in _stats(report)], [[md_cell(v) for _, v in _stats(report)]])
    if report.time_range.HasField("start_time"):
        out += [
            "",
            f"From {_fmt_time(report.time_range.start_time)} to {_fmt_time(report.time_range.end_time)} UTC.",
        ]

    out += ["", "## Summary", ""]
    claims = [c.text for c in report.summary.claims] or ([report.summary.text] if report.summary.text else [])
    out += [f"- {md_cell(c)}" for c in claims] or ["Nothing to report."]

    counts = _level_counts(report)
    grid = TimeGrid.of(report, HISTOGRAM_BUCKETS)
    if counts:
        out += ["", "## Levels", ""]
        total = sum(counts.values()) or 1
        rows = [
            [level_name(lv), f"{counts[lv]:,}", f"{counts[lv] / total:.2%}"] for lv in _LEVEL_ORDER if counts.get(lv)
        ]
        out += _md_table(["Level", "Records", "Share"], rows)
    if grid is not None:
        series = level_histogram(report, grid)
        all_rows = [sum(row[k] for row in series.values()) for k in range(grid.buckets)]
        errors = [sum(series.get(lv, [0.0] * grid.buckets)[k] for lv in _ERROR_LEVELS) for k in range(grid.buckets)]
        out += [
            "",
            f"Activity from {grid.start:%Y-%m-%d %H:%M:%S} UTC, {human_duration(grid.bucket_seconds)} per column:",
            "",
        ]
        out += ["```text", f"all    |{sparkline(all_rows)}|", f"errors |{sparkline(errors)}|", "```"]

    by_id = _templates_by_id(report)
    if report.templates:
        out += ["", f"## Top patterns ({min(TOP_PATTERNS, len(report.templates))} of {report.template_count})", ""]
        rows = [
            [
                f"`{t.id}`" if re.fullmatch(r"[0-9A-Za-z_-]+", t.id) else md_cell(t.id),
                md_code(t.text),
                level_name(t.max_level),
                f"{t.count:,}",
                f"{t.share:.2%}",
                f"{t.first_line}..{t.last_line}",
            ]
            for t in list(report.templates)[:TOP_PATTERNS]
        ]
        out += _md_table(["Id", "Pattern", "Level", "Records", "Share", "Lines"], rows)

    if report.error_templates:
        out += ["", "## Errors and warnings", ""]
        for ranked in list(report.error_templates)[:TOP_ERRORS]:
            t = by_id.get(ranked.template_id)
            text = t.text if t else ranked.template_id
            out.append(f"### {level_name(ranked.level)} x{ranked.count:,}: {md_code(text, in_table=False)}")
            if t:
                out += ["", f"Lines {t.first_line}..{t.last_line}, score {ranked.score:.1f}.", ""]
                examples = "\n".join(f"L{ex.line_number}: {ex.text}" for ex in t.examples)
                if examples:
                    out += [md_code_block(examples), ""]
            else:
                out.append("")

    if report.exception_groups:
        out += ["", "## Exceptions", ""]
        rows = [
            [
                md_cell(g.exception_type),
                f"{g.count:,}",
                f"{g.first_line}..{g.last_line}",
                md_cell(" ← ".join(g.top_frames)),
            ]
            for g in list(report.exception_groups)[:TOP_EXCEPTIONS]
        ]
        out += _md_table(["Exception", "Count", "Lines", "Top frames"], rows)
        first = report.exception_groups[0]
        if first.example.text:
            out += ["", f"First occurrence of {md_cell(first.exception_type)} at line {first.example.line_number}:", ""]
            out.append(md_code_block(first.example.text))

    if report.timeline:
        out += ["", "## Incident timeline", ""]
        rows = [
            [
                _fmt_time(e.time),
                anomaly_name(e.kind),
                md_cell(e.description),
                ", ".join(str(n) for n in _lines(e.line_numbers)),
            ]
            for e in report.timeline
        ]
        out += _md_table(["Time (UTC)", "Kind", "What happened", "Lines"], rows)

    if report.anomalies:
        out += ["", "## Anomalies", ""]
        rows = [
            [anomaly_name(a.kind), _fmt_time(a.start_time), f"{a.count:,}", f"{a.score:.1f}", md_cell(a.description)]
            for a in report.anomalies
        ]
        out += _md_table(["Kind", "Start (UTC)", "Count", "Score", "Description"], rows)

    q = report.parse_quality
    out += ["", "## Parse quality", ""]
    out += _md_table(["Measure", "Value"], [[k, v] for k, v in _quality_rows(q)])
    if q.time_assumptions:
        out += [""] + [f"- Assumed: {md_cell(a)}" for a in q.time_assumptions]
    if q.unexplained_samples:
        out += ["", "Records no layout explained:", ""]
        out.append(md_code_block("\n".join(f"L{ex.line_number}: {ex.text}" for ex in q.unexplained_samples)))
    if report.engine_version:
        out += ["", f"*LogLens engine {md_cell(report.engine_version)}*"]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------------------
# HTML: one page, inline CSS and SVG, no script
# --------------------------------------------------------------------------------------------------------


def esc(text: object) -> str:
    """Text from the report as HTML text or attribute value."""
    return html.escape(visible(str(text)), quote=True)


def _pattern_html(text: str) -> str:
    """A template with its placeholders marked (escaped first, so only our own markup is markup)."""
    return esc(text).replace("&lt;*&gt;", '<span class="ph">&lt;*&gt;</span>')


def _anchor(template_id: str) -> str:
    return "t-" + re.sub(r"[^0-9A-Za-z_-]", "_", template_id)


def _line_chips(numbers: Iterable[int], limit: int = 8) -> str:
    nums = list(numbers)
    chips = "".join(f'<span class="ln">L{int(n)}</span>' for n in nums[:limit])
    if len(nums) > limit:
        chips += f'<span class="more">+{len(nums) - limit}</span>'
    return chips


def _level_badge(level: int) -> str:
    return f'<span class="lv lv-{_level_css(level)}">{esc(level_name(level))}</span>'


def _fmt_num(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}"


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp  # pragma: no cover


def _histogram_svg(report: report_pb2.AnalysisReport, grid: TimeGrid) -> str:
    series = level_histogram(report, grid)
    width, height = 960, 260
    left, right, top, bottom = 52, 12, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(row[k] for row in series.values()) for k in range(grid.buckets)]
    y_max = _nice_ceiling(max(totals, default=0))
    slot = plot_w / grid.buckets
    bar_w = max(1.0, slot * 0.82)
    parts: list[str] = [
        f'<svg class="histogram" role="img" viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="Records over time by level">'
    ]
    # Anomalous intervals behind the bars, so a burst is seen where it happened.
    g0 = grid.start.timestamp()
    g_len = grid.buckets * grid.bucket_seconds
    for a in report.anomalies:
        start, end = _when(a.start_time), _when(a.end_time)
        if start is None:
            continue
        x0 = left + min(1.0, max(0.0, (start.timestamp() - g0) / g_len)) * plot_w
        anomaly_tip = f"<title>{esc(anomaly_name(a.kind))}: {esc(a.description)}</title>"
        if a.kind in _INTERVAL_ANOMALIES:
            stop = end.timestamp() if end is not None and end > start else start.timestamp() + grid.bucket_seconds
            x1 = left + min(1.0, (stop - g0) / g_len) * plot_w
            if x1 > x0:
                parts.append(
                    f'<rect class="anomaly" x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" height="{plot_h}">'
                    f"{anomaly_tip}</rect>"
                )
        else:  # a restart or a rare pattern is a moment, not an interval: a mark where it was first seen
            parts.append(
                f'<g class="mark"><line x1="{x0:.1f}" x2="{x0:.1f}" y1="{top}" y2="{top + plot_h}"/>'
                f'<circle cx="{x0:.1f}" cy="{top + 4}" r="4"/>{anomaly_tip}</g>'
            )
    for i in range(5):
        value = y_max * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt_num(value)}</text>')
    stack_order = [lv for lv in reversed(_LEVEL_ORDER) if lv in series]  # quiet levels at the bottom
    for k in range(grid.buckets):
        if totals[k] <= 0:
            continue
        x = left + k * slot + (slot - bar_w) / 2
        y = top + plot_h
        tip = [f"{grid.bucket_start(k).strftime('%Y-%m-%d %H:%M:%S')} UTC, {human_duration(grid.bucket_seconds)}"]
        for level in stack_order:
            value = series[level][k]
            if value <= 0:
                continue
            h = plot_h * value / y_max
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.2f}" width="{bar_w:.2f}" height="{h:.2f}" '
                f'fill="{_LEVEL_COLOUR.get(level, "#a8a29e")}"/>'
            )
        for level in reversed(stack_order):
            if series[level][k] > 0:
                tip.append(f"{level_name(level)}: {series[level][k]:,.0f}")
        parts.append(
            f'<rect class="hit" x="{left + k * slot:.1f}" y="{top}" width="{slot:.2f}" height="{plot_h}">'
            f"<title>{esc(chr(10).join(tip))}</title></rect>"
        )
    parts.append(f'<line class="baseline" x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}"/>')
    # Ticks at round times (every 1, 2, 5, 10, 15, 30 ... minutes), about six of them.
    every = next((w for w in _NICE_BUCKET_SECONDS if w >= g_len / 7 and w % grid.bucket_seconds == 0), g_len)
    first_tick = math.ceil(g0 / every) * every
    same_day = grid.start.date() == grid.bucket_start(grid.buckets).date()
    tick_times = [t for t in range(int(first_tick), int(g0 + g_len) + 1, int(every))]
    for t in tick_times:
        x = left + (t - g0) / g_len * plot_w
        moment = datetime.fromtimestamp(t, tz=UTC)
        label = moment.strftime("%H:%M:%S" if every < 60 else "%H:%M")
        if not same_day:
            label = moment.strftime("%b %d" if every >= 86400 else "%m-%d %H:%M")
        anchor = "start" if x - left < 30 else "end" if left + plot_w - x < 30 else "middle"
        parts.append(f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{top + plot_h}" y2="{top + plot_h + 5}"/>')
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{top + plot_h + 20}" text-anchor="{anchor}">{esc(label)}</text>'
        )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="key"><i style="background:{_LEVEL_COLOUR.get(lv, "#a8a29e")}"></i>{level_name(lv)}</span>'
        for lv in _LEVEL_ORDER
        if lv in series
    )
    if any(_when(a.start_time) and a.kind in _INTERVAL_ANOMALIES for a in report.anomalies):
        legend += '<span class="key"><i class="anomaly-key"></i>burst or silence</span>'
    if any(_when(a.start_time) and a.kind not in _INTERVAL_ANOMALIES for a in report.anomalies):
        legend += '<span class="key"><i class="mark-key"></i>restart or rare pattern</span>'
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def _sparkline_svg(values: Sequence[float], colour: str) -> str:
    width, height = 120, 28
    top = max(values, default=0)
    if top <= 0 or not values:
        return f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}"></svg>'
    n = len(values)
    step = width / max(1, n - 1)
    points = [(i * step, height - 2 - (height - 4) * v / top) for i, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    area = f"0,{height} " + line + f" {width},{height}"
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-hidden="true">'
        f'<polygon points="{area}" fill="{colour}" fill-opacity="0.15"/>'
        f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.5" stroke-linejoin="round"/>'
        f"</svg>"
    )


def _share_bar(share: float) -> str:
    pct = max(0.0, min(1.0, share)) * 100
    return f'<span class="share"><span style="width:{pct:.1f}%"></span></span>{share:.1%}'


def _section(section_id: str, heading: str, body: str, note: str = "") -> str:
    note_html = f'<span class="note">{note}</span>' if note else ""
    return f'<section id="{section_id}"><h2>{heading}{note_html}</h2>{body}</section>'


def _render_html(report: report_pb2.AnalysisReport, title: str) -> str:
    page_title = title or "LogLens report"
    by_id = _templates_by_id(report)

    def template_link(template_id: str) -> str:
        if template_id in by_id:
            return f'<a href="#{_anchor(template_id)}"><code>{esc(template_id)}</code></a>'
        return f"<code>{esc(template_id)}</code>"

    # Header and cards
    subtitle = [f"engine {esc(report.engine_version or '?')}"]
    if report.format.name:
        fmt = f"format <b>{esc(report.format.name)}</b> ({report.format.confidence:.0%} confidence"
        fmt += f", layout <code>{esc(report.format.header_layout)}</code>)" if report.format.header_layout else ")"
        subtitle.append(fmt)
    if report.time_range.HasField("start_time"):
        subtitle.append(
            f"{esc(_fmt_time(report.time_range.start_time))} → {esc(_fmt_time(report.time_range.end_time))} UTC"
        )
    cards = "".join(
        f'<div class="card{" alert" if k == "Errors" and v != "0" else ""}"><div class="k">{esc(k)}</div>'
        f'<div class="v">{esc(v)}</div></div>'
        for k, v in _stats(report)
    )

    # Summary
    claims = list(report.summary.claims)
    if claims:
        items = []
        for c in claims:
            refs = " ".join(template_link(t) for t in c.template_ids)
            items.append(f'<li><p>{esc(c.text)}</p><div class="refs">{refs}{_line_chips(c.line_numbers)}</div></li>')
        summary = f'<ul class="claims">{"".join(items)}</ul>'
    elif report.summary.text:
        summary = f"<p>{esc(report.summary.text)}</p>"
    else:
        summary = '<p class="empty">Nothing to report.</p>'

    # Levels and histogram
    counts = _level_counts(report)
    total = sum(counts.values()) or 1
    level_bar = "".join(
        f'<span style="width:{counts[lv] / total * 100:.3f}%;background:{_LEVEL_COLOUR.get(lv, "#a8a29e")}" '
        f'title="{level_name(lv)}: {counts[lv]:,}"></span>'
        for lv in _LEVEL_ORDER
        if counts.get(lv)
    )
    level_rows = "".join(
        f"<tr><td>{_level_badge(lv)}</td><td class='num'>{counts[lv]:,}</td>"
        f"<td class='num'>{counts[lv] / total:.2%}</td></tr>"
        for lv in _LEVEL_ORDER
        if counts.get(lv)
    )
    grid = TimeGrid.of(report, HISTOGRAM_BUCKETS)
    if grid is not None and report.templates:
        chart = _histogram_svg(report, grid)
        chart_note = f"{esc(human_duration(grid.bucket_seconds))} per bar, UTC"
        if report.template_count > len(report.templates):
            chart_note += f"; counts the {len(report.templates):,} patterns listed"
    else:
        chart = '<p class="empty">No timestamps were found, so there is no timeline.</p>'
        chart_note = ""
    activity = (
        f'<div class="chart">{chart}</div>'
        f'<div class="levels"><div><h3>Share of records by level</h3><div class="levelbar">{level_bar}</div></div>'
        f'<table class="compact"><thead><tr><th>Level</th><th class="num">Records</th><th class="num">Share</th></tr>'
        f"</thead><tbody>{level_rows}</tbody></table></div>"
    )

    # Top patterns
    spark_grid = TimeGrid.of(report, SPARKLINE_BUCKETS)
    pattern_rows = []
    for i, t in enumerate(list(report.templates)[:TOP_PATTERNS], 1):
        colour = _LEVEL_COLOUR.get(t.max_level, "#64748b")
        if t.max_level in (report_pb2.LEVEL_DEBUG, report_pb2.LEVEL_TRACE, report_pb2.LEVEL_UNSPECIFIED):
            colour = "#64748b"
        spark = _sparkline_svg(spark_grid.rebin(t.histogram), colour) if spark_grid else ""
        pattern_rows.append(
            f'<tr id="{_anchor(t.id)}"><td class="num muted">{i}</td>'
            f'<td><div class="pattern">{_pattern_html(t.text)}</div>'
            f'<div class="sub"><code>{esc(t.id)}</code></div></td>'
            f"<td>{_level_badge(t.max_level)}</td><td class='num'>{t.count:,}</td>"
            f"<td class='sharecell'>{_share_bar(t.share)}</td>"
            f"<td>{spark}</td><td class='num muted'>{t.first_line:,}&ndash;{t.last_line:,}</td></tr>"
        )
    patterns = (
        '<table class="patterns"><thead><tr><th class="num">#</th><th>Pattern</th><th>Level</th>'
        '<th class="num">Records</th><th>Share</th><th>Over time</th><th class="num">Lines</th></tr></thead>'
        f"<tbody>{''.join(pattern_rows)}</tbody></table>"
        if pattern_rows
        else '<p class="empty">No patterns.</p>'
    )
    patterns_note = f"{min(TOP_PATTERNS, len(report.templates))} of {report.template_count:,}"

    # Errors and warnings, with examples
    error_rows = []
    for ranked in list(report.error_templates)[:TOP_ERRORS]:
        found = by_id.get(ranked.template_id)
        text = _pattern_html(found.text) if found else esc(ranked.template_id)
        examples = ""
        if found and found.examples:
            examples = "".join(
                f'<div class="ex"><span class="ln">L{ex.line_number}</span><pre>{esc(ex.text)}</pre></div>'
                for ex in found.examples
            )
        lines = f"{found.first_line:,}&ndash;{found.last_line:,}" if found else ""
        error_rows.append(
            f"<tr><td>{_level_badge(ranked.level)}</td><td><div class='pattern'>{text}</div>{examples}</td>"
            f"<td class='num'>{ranked.count:,}</td><td class='num muted'>{lines}</td>"
            f"<td class='num muted'>{ranked.score:.1f}</td></tr>"
        )
    errors = (
        '<table class="errors"><thead><tr><th>Level</th><th>Pattern and first examples</th>'
        '<th class="num">Records</th><th class="num">Lines</th><th class="num">Score</th></tr></thead>'
        f"<tbody>{''.join(error_rows)}</tbody></table>"
        if error_rows
        else '<p class="empty">No errors or warnings.</p>'
    )

    # Exception groups
    exc_rows = []
    for g in list(report.exception_groups)[:TOP_EXCEPTIONS]:
        frames = "".join(f"<li><code>{esc(f)}</code></li>" for f in g.top_frames)
        example = (
            f"<details><summary>First occurrence, line {g.example.line_number:,}</summary>"
            f"<pre>{esc(g.example.text)}</pre></details>"
            if g.example.text
            else ""
        )
        exc_rows.append(
            f"<tr><td><div class='exc'>{esc(g.exception_type or '(no type)')}</div>"
            f"<ol class='frames'>{frames}</ol>{example}</td>"
            f"<td>{template_link(g.template_id) if g.template_id else ''}</td>"
            f"<td class='num'>{g.count:,}</td><td class='num muted'>{g.first_line:,}&ndash;{g.last_line:,}</td>"
            f"<td class='muted'>{esc(_fmt_time(g.first_time, date=False))} &ndash; "
            f"{esc(_fmt_time(g.last_time, date=False))}</td></tr>"
        )
    exceptions = (
        '<table class="exceptions"><thead><tr><th>Exception and top frames</th><th>Pattern</th>'
        '<th class="num">Count</th><th class="num">Lines</th><th>Seen (UTC)</th></tr></thead>'
        f"<tbody>{''.join(exc_rows)}</tbody></table>"
        if exc_rows
        else '<p class="empty">No exceptions.</p>'
    )

    # Incident timeline
    tl_items = []
    for e in report.timeline:
        kind = anomaly_name(e.kind)
        css = re.sub(r"[^a-z]", "-", kind)
        if e.kind == report_pb2.ANOMALY_KIND_UNSPECIFIED:  # a first occurrence: coloured by its level
            levels = [by_id[t].max_level for t in e.template_ids if t in by_id]
            css = "first-" + _level_css(max(levels, default=report_pb2.LEVEL_ERROR))
        refs = " ".join(template_link(t) for t in e.template_ids)
        tl_items.append(
            f'<li class="k-{css}"><time>{esc(_fmt_time(e.time))}</time><span class="kind">{esc(kind)}</span>'
            f'<p>{esc(e.description)}</p><div class="refs">{refs}{_line_chips(e.line_numbers)}</div></li>'
        )
    timeline = f'<ol class="timeline">{"".join(tl_items)}</ol>' if tl_items else '<p class="empty">No incidents.</p>'
    if report.anomalies:
        anomaly_rows = "".join(
            f"<tr><td>{esc(anomaly_name(a.kind))}</td><td class='muted'>{esc(_fmt_time(a.start_time))}</td>"
            f"<td class='num'>{a.count:,}</td><td class='num muted'>{a.baseline:.1f}</td>"
            f"<td class='num'>{a.score:.1f}</td><td>{esc(a.description)}"
            f"<div class='refs'>{_line_chips(a.line_numbers)}</div></td></tr>"
            for a in report.anomalies
        )
        timeline += (
            '<h3>Anomalies</h3><table class="anomalies"><thead><tr><th>Kind</th><th>Start (UTC)</th>'
            '<th class="num">Count</th><th class="num">Baseline</th><th class="num">Score</th><th>Description</th>'
            f"</tr></thead><tbody>{anomaly_rows}</tbody></table>"
        )

    # Parse quality
    q = report.parse_quality
    quality_rows = "".join(f"<tr><th>{esc(k)}</th><td class='num'>{esc(v)}</td></tr>" for k, v in _quality_rows(q))
    assumptions = "".join(f"<li>{esc(a)}</li>" for a in q.time_assumptions)
    samples = "".join(
        f'<div class="ex"><span class="ln">L{ex.line_number}</span><pre>{esc(ex.text)}</pre></div>'
        for ex in q.unexplained_samples
    )
    quality = (
        f'<div class="quality"><table class="kv">{quality_rows}</table><div>'
        + (f"<h3>Assumptions</h3><ul>{assumptions}</ul>" if assumptions else "")
        + (f"<h3>Records no layout explained</h3>{samples}" if samples else "")
        + f"<h3>Format</h3><p>{esc(report.format.name or 'unknown')}: explains {report.format.explained_share:.1%} "
        f"of records ({report.format.share:.1%} of the sample).</p></div></div>"
    )

    caps = report.caps
    footer = (
        f"Generated by LogLens engine {esc(report.engine_version or '?')}. Lists are capped: "
        f"{caps.max_templates:,} patterns, {caps.max_examples} examples each, {caps.max_exception_groups:,} "
        f"exception groups, {caps.max_anomalies} anomalies; records longer than {caps.max_record_chars:,} "
        f"characters are cut. Line numbers are physical lines of the decompressed file."
    )

    body = (
        f'<header><div class="brand">LogLens</div><h1>{esc(page_title)}</h1>'
        f'<div class="subtitle">{" · ".join(subtitle)}</div></header>'
        f'<div class="cards">{cards}</div>'
        + _section("summary", "Summary", summary)
        + _section("activity", "Activity by level", activity, chart_note)
        + _section("timeline", "Incident timeline", timeline)
        + _section("patterns", "Top patterns", patterns, patterns_note)
        + _section("errors", "Errors and warnings", errors)
        + _section("exceptions", "Exception groups", exceptions)
        + _section("quality", "Parse quality", quality)
        + f"<footer>{footer}</footer>"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(page_title)} · LogLens</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


_CSS = """
:root{--bg:#f6f7f9;--card:#fff;--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--accent:#4f46e5;--err:#dc2626}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:28px 28px 40px}
header{margin-bottom:18px}
.brand{font-weight:700;letter-spacing:.08em;text-transform:uppercase;font-size:12px;color:var(--accent)}
h1{font-size:26px;margin:2px 0 4px;word-break:break-all}
.subtitle{color:var(--muted)}
.subtitle code{font-size:12px}
h2{font-size:17px;margin:0 0 12px;display:flex;align-items:baseline;gap:10px}
h3{font-size:13px;margin:16px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.note{font-weight:400;font-size:12px;color:var(--muted)}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:14px 0;
box-shadow:0 1px 2px rgba(15,23,42,.04)}
.cards{display:grid;grid-template-columns:repeat(8,1fr);gap:10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 12px;min-width:0}
.card .k{font-size:11px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
.card .v{font-size:19px;font-weight:650;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.card.alert .v{color:var(--err)}
@media (max-width:900px){.cards{grid-template-columns:repeat(4,1fr)}}
code,pre,.pattern{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
table{border-collapse:collapse;width:100%}
th{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;text-align:left}
th,td{padding:7px 8px;border-bottom:1px solid var(--line);vertical-align:top}
tbody tr:last-child td{border-bottom:0}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.muted{color:var(--muted)}
.pattern{word-break:break-word}
.ph{color:#7c3aed;background:#f3e8ff;border-radius:3px;padding:0 2px}
.sub{color:var(--muted);font-size:11px;margin-top:2px}
.sub code{font-size:11px}
.lv{display:inline-block;font-size:10.5px;font-weight:700;letter-spacing:.04em;padding:1px 7px;border-radius:999px;
background:#e2e8f0;color:#334155}
.lv-fatal{background:#7f1d1d;color:#fff}.lv-error{background:#fee2e2;color:#b91c1c}
.lv-warn{background:#fef3c7;color:#92400e}.lv-notice{background:#ccfbf1;color:#115e59}
.lv-info{background:#dbeafe;color:#1d4ed8}
.ln{display:inline-block;font:11px ui-monospace,Menlo,Consolas,monospace;background:#eef2ff;color:#3730a3;
border-radius:4px;padding:0 5px;margin:0 4px 2px 0}
.more{font-size:11px;color:var(--muted)}
.refs{margin-top:4px}
.refs a{margin-right:6px}
.claims{margin:0;padding-left:18px}
.claims li{margin:0 0 10px}
.claims p{margin:0}
.chart{width:100%}
.histogram{width:100%;height:260px;display:block}
.histogram .grid{stroke:#eef0f3}
.histogram .baseline,.histogram .tick{stroke:#94a3b8}
.histogram .axis{font-size:11px;fill:#64748b}
.histogram .anomaly{fill:#fde68a;fill-opacity:.35}
.histogram .hit{fill:transparent}
.histogram .hit:hover{fill:rgba(79,70,229,.08)}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin:8px 0 0 52px;font-size:12px;color:var(--muted)}
.key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.key i.anomaly-key{background:#fde68a}
.key i.mark-key{background:#6366f1;width:3px}
.histogram .mark line{stroke:#6366f1;stroke-width:1.5;stroke-dasharray:3 3}
.histogram .mark circle{fill:#6366f1}
.levels{display:grid;grid-template-columns:1fr 320px;gap:24px;align-items:center;margin-top:14px}
.levelbar{display:flex;height:14px;border-radius:7px;overflow:hidden;background:#e2e8f0}
.levelbar span{display:block;height:100%}
table.compact td,table.compact th{padding:4px 8px}
.share{display:inline-block;width:70px;height:6px;background:#e2e8f0;border-radius:3px;margin-right:6px;
vertical-align:middle;overflow:hidden}
.share span{display:block;height:100%;background:var(--accent)}
.sharecell{white-space:nowrap;font-variant-numeric:tabular-nums}
.spark{display:block}
.ex{display:flex;gap:6px;margin-top:6px;align-items:flex-start}
.ex .ln{min-width:58px;text-align:right;margin-top:5px}
.ex pre{background:#f8fafc;border:1px solid var(--line);border-radius:6px;padding:4px 8px;flex:1;font-size:12px;
max-height:9.5em;overflow:auto}
.exc{font-family:ui-monospace,Menlo,Consolas,monospace;font-weight:650;color:#b91c1c;word-break:break-all}
.frames{margin:4px 0 0;padding-left:18px;color:var(--muted)}
.frames code{font-size:11.5px}
details{margin-top:6px}
summary{cursor:pointer;color:var(--accent);font-size:12px}
details pre{background:#f8fafc;border:1px solid var(--line);border-radius:6px;padding:6px 8px;margin-top:4px}
.timeline{list-style:none;margin:0;padding:0 0 0 16px;border-left:2px solid var(--line)}
.timeline li{position:relative;padding:0 0 12px 14px}
.timeline li::before{content:"";position:absolute;left:-23px;top:4px;width:12px;height:12px;border-radius:50%;
background:#94a3b8;border:2px solid #fff;box-shadow:0 0 0 1px var(--line)}
.timeline li.k-first-error::before{background:#dc2626}.timeline li.k-first-fatal::before{background:#7f1d1d}
.timeline li.k-first-warn::before{background:#f59e0b}
.timeline li.k-burst::before,.timeline li.k-error-burst::before{background:#f59e0b}
.timeline li.k-restart::before{background:#6366f1}
.timeline li.k-silence::before{background:#0ea5e9}
.timeline time{font:12px ui-monospace,Menlo,Consolas,monospace;color:var(--muted);margin-right:8px}
.timeline .kind{font-size:10.5px;text-transform:uppercase;letter-spacing:.05em;font-weight:700;color:#475569;
background:#f1f5f9;border-radius:4px;padding:1px 6px}
.timeline p{margin:2px 0 0}
.quality{display:grid;grid-template-columns:minmax(280px,420px) 1fr;gap:28px}
table.kv th{text-transform:none;letter-spacing:0;font-size:13px;color:var(--ink);font-weight:400}
.quality ul{margin:0;padding-left:18px}
.empty{color:var(--muted);font-style:italic;margin:0}
table.anomalies td:nth-child(2),table.exceptions td:last-child{white-space:nowrap}
footer{color:var(--muted);font-size:12px;margin-top:18px}
"""
