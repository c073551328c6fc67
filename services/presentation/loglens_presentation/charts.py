"""Inline SVG charts of the pages: the stacked histogram of records by level, sparklines, share bars."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from loglens.v1 import report_pb2
from loglens_presentation.page import esc
from loglens_presentation.reading import (
    INTERVAL_ANOMALIES,
    LEVEL_ORDER,
    NICE_BUCKET_SECONDS,
    TimeGrid,
    anomaly_name,
    human_duration,
    level_name,
    when,
)

# The levels' colours: a colour-blind-safe ramp for the levels that matter (red, orange, amber); the quiet levels
# are greys and a blue.
LEVEL_COLOUR: dict[int, str] = {
    report_pb2.LEVEL_FATAL: "#7f1d1d",
    report_pb2.LEVEL_ERROR: "#dc2626",
    report_pb2.LEVEL_WARN: "#f59e0b",
    report_pb2.LEVEL_NOTICE: "#0d9488",
    report_pb2.LEVEL_INFO: "#3b82f6",
    report_pb2.LEVEL_DEBUG: "#94a3b8",
    report_pb2.LEVEL_TRACE: "#cbd5e1",
    report_pb2.LEVEL_UNSPECIFIED: "#d6d3d1",
}
QUIET = "#64748b"


def line_colour(level: int) -> str:
    """A sparkline's colour: its level's, grey for the quiet levels."""
    if level in (report_pb2.LEVEL_DEBUG, report_pb2.LEVEL_TRACE, report_pb2.LEVEL_UNSPECIFIED):
        return QUIET
    return LEVEL_COLOUR.get(level, QUIET)


def fmt_num(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}"


def nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp  # pragma: no cover


def _anomaly_shapes(anomalies: Sequence[report_pb2.Anomaly], grid: TimeGrid, box: tuple[int, int, int, int]) -> str:
    """Anomalous intervals behind the bars (so a burst is seen where it happened), moments as marks."""
    left, top, plot_w, plot_h = box
    g0 = grid.start.timestamp()
    g_len = grid.buckets * grid.bucket_seconds
    parts = []
    for a in anomalies:
        start, end = when(a.start_time), when(a.end_time)
        if start is None:
            continue
        x0 = left + min(1.0, max(0.0, (start.timestamp() - g0) / g_len)) * plot_w
        tip = f"<title>{esc(anomaly_name(a.kind))}: {esc(a.description)}</title>"
        if a.kind in INTERVAL_ANOMALIES:
            stop = end.timestamp() if end is not None and end > start else start.timestamp() + grid.bucket_seconds
            x1 = left + min(1.0, (stop - g0) / g_len) * plot_w
            if x1 > x0:
                parts.append(
                    f'<rect class="anomaly" x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" height="{plot_h}">{tip}</rect>'
                )
        else:  # a restart or a rare pattern is a moment, not an interval: a mark where it was first seen
            parts.append(
                f'<g class="mark"><line x1="{x0:.1f}" x2="{x0:.1f}" y1="{top}" y2="{top + plot_h}"/>'
                f'<circle cx="{x0:.1f}" cy="{top + 4}" r="4"/>{tip}</g>'
            )
    return "".join(parts)


def _time_axis(grid: TimeGrid, box: tuple[int, int, int, int]) -> str:
    """Ticks at round times (every 1, 2, 5, 10, 15, 30 ... minutes), about six of them."""
    left, top, plot_w, plot_h = box
    g0 = grid.start.timestamp()
    g_len = grid.buckets * grid.bucket_seconds
    every = next((w for w in NICE_BUCKET_SECONDS if w >= g_len / 7 and w % grid.bucket_seconds == 0), g_len)
    first_tick = math.ceil(g0 / every) * every
    same_day = grid.start.date() == grid.bucket_start(grid.buckets).date()
    parts = []
    for t in range(int(first_tick), int(g0 + g_len) + 1, int(every)):
        x = left + (t - g0) / g_len * plot_w
        moment = datetime.fromtimestamp(t, tz=UTC)
        label = moment.strftime("%H:%M:%S" if every < 60 else "%H:%M")
        if not same_day:
            label = moment.strftime("%b %d" if every >= 86400 else "%m-%d %H:%M")
        text_anchor = "start" if x - left < 30 else "end" if left + plot_w - x < 30 else "middle"
        parts.append(f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{top + plot_h}" y2="{top + plot_h + 5}"/>')
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{top + plot_h + 20}" text-anchor="{text_anchor}">{esc(label)}</text>'
        )
    return "".join(parts)


def level_histogram_svg(
    series: dict[int, list[float]],
    grid: TimeGrid,
    anomalies: Sequence[report_pb2.Anomaly] = (),
    *,
    label: str = "Records over time by level",
    height: int = 260,
    y_max: float | None = None,
) -> str:
    """Stacked bars of records per level over ``grid`` (quiet levels at the bottom), with a legend.
    ``y_max`` shares one scale between charts shown side by side."""
    width = 960
    left, right, top, bottom = 52, 12, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    box = (left, top, plot_w, plot_h)
    totals = [sum(row[k] for row in series.values()) for k in range(grid.buckets)]
    y_top = nice_ceiling(y_max if y_max is not None else max(totals, default=0))
    slot = plot_w / grid.buckets
    bar_w = max(1.0, slot * 0.82)
    parts: list[str] = [
        f'<svg class="histogram" role="img" viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{esc(label)}">',
        _anomaly_shapes(anomalies, grid, box),
    ]
    for i in range(5):
        value = y_top * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt_num(value)}</text>')
    stack_order = [lv for lv in reversed(LEVEL_ORDER) if lv in series]  # quiet levels at the bottom
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
            h = plot_h * min(value, y_top) / y_top
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.2f}" width="{bar_w:.2f}" height="{h:.2f}" '
                f'fill="{LEVEL_COLOUR.get(level, "#a8a29e")}"/>'
            )
        tip += [f"{level_name(lv)}: {series[lv][k]:,.0f}" for lv in reversed(stack_order) if series[lv][k] > 0]
        parts.append(
            f'<rect class="hit" x="{left + k * slot:.1f}" y="{top}" width="{slot:.2f}" height="{plot_h}">'
            f"<title>{esc(chr(10).join(tip))}</title></rect>"
        )
    parts.append(f'<line class="baseline" x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}"/>')
    parts.append(_time_axis(grid, box))
    parts.append("</svg>")
    legend = "".join(
        f'<span class="key"><i style="background:{LEVEL_COLOUR.get(lv, "#a8a29e")}"></i>{level_name(lv)}</span>'
        for lv in LEVEL_ORDER
        if lv in series
    )
    if any(when(a.start_time) and a.kind in INTERVAL_ANOMALIES for a in anomalies):
        legend += '<span class="key"><i class="anomaly-key"></i>burst or silence</span>'
    if any(when(a.start_time) and a.kind not in INTERVAL_ANOMALIES for a in anomalies):
        legend += '<span class="key"><i class="mark-key"></i>restart or rare pattern</span>'
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def sparkline_svg(values: Sequence[float], colour: str, *, top: float | None = None, label: str = "") -> str:
    """A small area chart of ``values``; ``top`` shares one scale between sparklines compared with each other."""
    width, height = 120, 28
    peak = max(values, default=0) if top is None else top
    aria = f'role="img" aria-label="{esc(label)}"' if label else 'aria-hidden="true"'
    if peak <= 0 or not values:
        return f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" {aria}></svg>'
    step = width / max(1, len(values) - 1)
    points = [(i * step, height - 2 - (height - 4) * min(v, peak) / peak) for i, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    area = f"0,{height} " + line + f" {width},{height}"
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" {aria}>'
        f'<polygon points="{area}" fill="{colour}" fill-opacity="0.15"/>'
        f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.5" stroke-linejoin="round"/>'
        f"</svg>"
    )


def share_bar(share: float) -> str:
    pct = max(0.0, min(1.0, share)) * 100
    return f'<span class="share"><span style="width:{pct:.1f}%"></span></span>{share:.1%}'


def rate_bars_svg(histogram: report_pb2.Histogram, colour: str, top: float, *, label: str) -> str:
    """One run's histogram of a message as bars of records per hour, on the scale ``top`` (shared with the
    chart beside it), with its first and last time under it; a note when the run has none of it."""
    width, height, axis = 360, 64, 16
    counts = list(histogram.counts)
    start = when(histogram.start_time)
    if not counts or not any(counts) or start is None or histogram.bucket_seconds <= 0 or top <= 0:
        return f'<div class="pair-empty">{esc(label)}: none</div>'
    slot = width / len(counts)
    bars = []
    for i, count in enumerate(counts):
        if count <= 0:
            continue
        rate = count * 3600 / histogram.bucket_seconds
        h = max(1.0, (height - 2) * min(rate, top) / top)
        bars.append(
            f'<rect x="{i * slot:.1f}" y="{height - h:.1f}" width="{max(1.0, slot * 0.85):.1f}" height="{h:.1f}" '
            f'fill="{colour}"><title>{count:,} records ({rate:,.0f}/h)</title></rect>'
        )
    end = datetime.fromtimestamp(start.timestamp() + len(counts) * histogram.bucket_seconds, tz=UTC)
    return (
        f'<svg class="pair" viewBox="0 0 {width} {height + axis}" role="img" aria-label="{esc(label)}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<line class="baseline" x1="0" x2="{width}" y1="{height}" y2="{height}"/>{"".join(bars)}'
        f'<text class="axis" x="0" y="{height + 12}">{start:%m-%d %H:%M}</text>'
        f'<text class="axis" x="{width}" y="{height + 12}" text-anchor="end">{end:%m-%d %H:%M}</text></svg>'
    )
