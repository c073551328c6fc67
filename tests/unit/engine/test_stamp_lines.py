"""A time written on a line of its own, above the message lines it times (Oracle's alert log), is their record's
header: no record of its own, and the message under it has its time."""

from __future__ import annotations

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.records import stamp_lines
from loglens_analysis.engine.timestamps import stamp_alone


def _alert(stamp: str) -> bytes:
    """An alert log of a start, some work, a stop and a start again, each group of lines under a line of its time
    (``stamp`` a format with ``{h}`` and ``{m}``: the hour and minute), a minute apart."""
    work = ["Archived Log entry {n} added for T-1.S-{n} LAD:1", "Resize operation completed for file# {n}"]
    groups = [["Starting ORACLE instance (normal) (OS id: 31442)"], ["LICENSE_MAX_SESSION = 0", "Initial CPUs 8"]]
    groups += [[w.format(n=48200 + i) for w in work] for i in range(60)]
    groups += [["Shutting down ORACLE instance (immediate) (OS id: 90112)"]]
    groups += [["Starting ORACLE instance (normal) (OS id: 91002)"], ["LICENSE_MAX_SESSION = 0", "Initial CPUs 8"]]
    groups += [[w.format(n=48300 + i) for w in work] for i in range(60)]
    lines: list[str] = []
    for i, texts in enumerate(groups):
        lines.append(stamp.format(h=1 + i // 60, m=i % 60))
        lines.extend(texts)
    return ("\n".join(lines) + "\n").encode()


def _template(rep: report_pb2.AnalysisReport, text: str) -> report_pb2.Template:
    return next(t for t in rep.templates if t.text.startswith(text))


def test_a_time_on_a_line_of_its_own_is_the_header_of_the_lines_under_it() -> None:
    """Oracle's alert log was read as 84 records of no message (its top template, the empty one) and, under each,
    messages of no time: the restart was "no time written". A line holding a dated stamp and nothing else, written
    so above a message line again and again, is the header of the line under it: one record, timed, its line the
    stamp's."""
    for stamp, at in (
        ("2024-09-10T{h:02d}:{m:02d}:44.118269+02:00", "T00:03:44Z"),
        ("Tue Sep 10 {h:02d}:{m:02d}:44 2024", "T02:03:44Z"),
    ):
        data = _alert(stamp)
        again = data.decode().split("\n").index("Starting ORACLE instance (normal) (OS id: 91002)")  # its stamp's line
        rep = analyze([data])
        assert all(t.text.strip() for t in rep.templates), [t.text for t in rep.templates]
        assert rep.record_count == 125, stamp
        assert rep.parse_quality.timestamp_share == 1.0, stamp
        start = _template(rep, "Starting ORACLE instance")
        assert (start.count, start.first_line, start.last_line) == (2, 1, again), stamp
        restart = next(a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_RESTART)
        assert restart.line_numbers[0] == again, restart.description
        assert "no time written" not in restart.description and at in restart.description, restart.description
        # The group of two lines under one time is one record (the second line continues it).
        assert _template(rep, "LICENSE_MAX_SESSION").count == 2


def test_a_lone_time_line_or_one_above_a_timed_line_is_left_as_it_is() -> None:
    """One line of a time alone is no convention of the file (a script's `date` above its output); a time alone
    above a line that opens with a time of its own times nothing."""
    assert stamp_alone("2024-09-10T01:58:44.118269+02:00")
    assert stamp_alone("  Tue Sep 10 01:58:44 2024 ")
    assert not stamp_alone("01:58:44")  # a clock without a date
    assert not stamp_alone("2024-09-10T01:58:44 started")
    once = ["2024-09-10T01:58:44Z", "job started"] + [f"2024-09-10T01:59:{i:02d}Z step {i}" for i in range(9)]
    assert stamp_lines(once) is None
    above_timed = [x for i in range(5) for x in (f"2024-09-10T01:5{i}:00Z", f"2024-09-10T01:5{i}:01Z step {i}")]
    assert stamp_lines(above_timed) is None
