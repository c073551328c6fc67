"""A template whose records are at several levels is ranked at its most severe one: the errors-and-warnings entry
says how many of its records are at that level, and shows its first record at that level, not only its first
records (which may be at another level: a device log's one-word messages at VERBOSE share "<*>" with a crash's
single words at FATAL; an access log's request template opens with 200s, its 404s are its warnings)."""

from __future__ import annotations

import re

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.chunks import HEAD_BYTES, analyze_chunk, merge_partials, plan_chunks
from loglens_presentation import render


def _logcat() -> list[str]:
    """Logcat (threadtime) lines: a tool's one-word output at VERBOSE (paths), then a crash dump at FATAL whose
    lines are single paths too, then more VERBOSE words; the rest is ordinary INFO chatter."""
    lines: list[str] = []
    for i in range(40):
        lines.append(f"09-26 18:18:{i:02d}.100  2519  2522 I vold    : Disk {i} mounted at /mnt/media_rw/{i:04x}")
        if i < 6:
            lines.append(f"09-26 18:18:{i:02d}.200  2519  2522 V vold    : /system/bin/tool{i}")
        if i in (20, 30):
            lines.append(f"09-26 18:18:{i:02d}.300  6937  6937 F DEBUG   : /data/tombstones/tombstone_{i}")
            lines.append(f"09-26 18:18:{i:02d}.400  6937  6937 F DEBUG   : /system/lib/libgps{i}.so")
    return lines


HINTS = {"year": 2024}


def _report() -> report_pb2.AnalysisReport:
    return analyze([("\n".join(_logcat()) + "\n").encode()], **HINTS)


def _ranked_fatal(rep: report_pb2.AnalysisReport) -> report_pb2.Template:
    by_id = {t.id: t for t in rep.templates}
    fatal = [by_id[r.template_id] for r in rep.error_templates if r.level == report_pb2.LEVEL_FATAL]
    assert len(fatal) == 1, [by_id[r.template_id].text for r in rep.error_templates]
    return fatal[0]


def _line_of(lines: list[str], needle: str) -> int:
    return next(i + 1 for i, line in enumerate(lines) if needle in line)


def test_the_first_record_at_the_most_severe_level_is_among_the_examples() -> None:
    lines = _logcat()
    t = _ranked_fatal(_report())
    levels = {lc.level: lc for lc in t.levels}
    assert levels[report_pb2.LEVEL_FATAL].count == 4
    assert levels[report_pb2.LEVEL_TRACE].count == 6, "VERBOSE is read as TRACE"
    first_fatal = _line_of(lines, "tombstone_20")
    assert levels[report_pb2.LEVEL_FATAL].first_line == first_fatal
    shown = {ex.line_number: ex.text for ex in t.examples}
    assert shown.get(first_fatal) == lines[first_fatal - 1]
    assert t.first_line == _line_of(lines, "/system/bin/tool0")
    assert t.first_line in shown, "the template's own first record stays an example"
    assert [ex.line_number for ex in t.examples] == sorted(shown), "examples stay in line order"


def test_chunked_analysis_shows_the_same_examples() -> None:
    data = ("\n".join(_logcat()) + "\n").encode()
    one = _ranked_fatal(_report())
    for chunk_bytes in (512, 1000, 1500):
        plans = plan_chunks(len(data), chunk_bytes)
        assert len(plans) > 1
        partials = [analyze_chunk(data[:HEAD_BYTES], [data[p.read_from :]], p, **HINTS) for p in plans]
        got = _ranked_fatal(merge_partials(partials))
        assert [(ex.line_number, ex.text) for ex in got.examples] == [
            (ex.line_number, ex.text) for ex in one.examples
        ], chunk_bytes


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_the_errors_entry_counts_the_level_and_shows_its_record_first(fmt: str) -> None:
    lines = _logcat()
    rep = _report()
    t = _ranked_fatal(rep)
    out = render(rep, fmt, title="logcat")
    section = out[out.index("Errors and warnings") :]
    assert re.search(r"4 of 10\b", section), section[:600]
    first_fatal = _line_of(lines, "tombstone_20")
    fatal_at = re.search(rf"\bL{first_fatal}\b", section)
    first_record_at = re.search(rf"\bL{t.first_line}\b", section)
    assert fatal_at is not None
    assert first_record_at is None or fatal_at.start() < first_record_at.start(), "FATAL comes before VERBOSE"


def test_a_template_at_one_level_keeps_its_count_and_its_first_records_as_examples() -> None:
    rep = analyze([b"".join(b"2024-05-01T10:00:%02dZ ERROR disk %d failed\n" % (i, i) for i in range(9))])
    t = rep.templates[0]
    assert [r.template_id for r in rep.error_templates] == [t.id]
    assert [ex.line_number for ex in t.examples] == [1, 2, 3]
    section = render(rep, "text", title="one level")
    assert "ERROR  x9 " in section and " of 9" not in section
