"""A record that wrote no time of its own takes the time of the record before it, but its time is unknown: anywhere
up to the next record that wrote one. A server's own untimed lines (its start banner) after its stop and an outage
lie on the far side of the gap: the restart is dated by the first timed record after it, and the silence is told
between the records that wrote their times. Lines written here, no file copied."""

from __future__ import annotations

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.chunks import HEAD_BYTES, analyze_chunk, can_chunk, merge_partials, plan_chunks

pytestmark = pytest.mark.unit


def _stamp(s: int) -> str:
    return f"2024-03-14 11:{s // 60 % 60:02d}:{s % 60:02d},{s * 7 % 1000:03d}"


def _app_with_untimed_server_lines() -> list[str]:
    """An app's timed records and its server's untimed ones (uvicorn writes "INFO:     ..." with no time) in one
    stream: a start, traffic every 8 s for 20 minutes, a stop, then 17 minutes of nothing, the server's untimed
    banner and the app's timed start after the outage."""
    out = ["INFO:     Started server process [1]", "INFO:     Waiting for application startup."]
    out.append(f"{_stamp(0)} - app.main - INFO - Connecting to database postgresql://app@db:5432/inventory")
    out.append("INFO:     Application startup complete.")
    s = 1
    for i in range(150):
        s += 8
        out.append(f"{_stamp(s)} - app.routers.items - INFO - Fetching item sku={1000 + i * 37 % 900} for tenant=acme")
        out.append(f'INFO:     172.18.0.{i % 9 + 2}:{40000 + i * 131 % 9000} - "GET /items/{i} HTTP/1.1" 200 OK')
    out += ["INFO:     Shutting down", "INFO:     Waiting for application shutdown."]
    out.append(f"{_stamp(s + 1)} - app.main - INFO - Closing database pool")
    out += ["INFO:     Application shutdown complete.", "INFO:     Finished server process [1]"]
    out += ["INFO:     Started server process [1]", "INFO:     Waiting for application startup."]
    s += 1 + 17 * 60
    out.append(f"{_stamp(s)} - app.main - INFO - Connecting to database postgresql://app@db:5432/inventory")
    out.append("INFO:     Application startup complete.")
    for i in range(30):
        s += 8
        out.append(f"{_stamp(s)} - app.routers.items - INFO - Fetching item sku={1000 + i * 53 % 900} for tenant=acme")
        out.append(f'INFO:     172.18.0.{i % 9 + 2}:{40000 + i * 71 % 9000} - "GET /items/{i} HTTP/1.1" 200 OK')
    return out


def _line(lines: list[str], text: str, nth: int = 0) -> int:
    return [i for i, x in enumerate(lines, start=1) if x == text or x.endswith(text)][nth]


def _anomaly(rep: report_pb2.AnalysisReport, kind: int) -> report_pb2.Anomaly:
    (found,) = [a for a in rep.anomalies if a.kind == kind]
    return found


def test_an_untimed_start_banner_after_an_outage_is_dated_by_the_timed_record_after_it() -> None:
    lines = _app_with_untimed_server_lines()
    rep = analyze([("\n".join(lines) + "\n").encode()])
    start = _line(lines, "INFO:     Started server process [1]", 1)
    closing = _line(lines, "Closing database pool")
    after = _line(lines, "Connecting to database postgresql://app@db:5432/inventory", 1)
    restart = _anomaly(rep, report_pb2.ANOMALY_KIND_RESTART)
    assert restart.line_numbers[0] == start
    # Its time is the timed record's after it (11:37), not the stop's before the outage (11:20).
    assert f"(no time written; the next timed line, {after}, is at 2024-03-14T11:37:" in restart.description
    silence = _anomaly(rep, report_pb2.ANOMALY_KIND_SILENCE)
    # Between the last record that wrote its time before the outage and the first after it; the untimed lines between
    # them (the stop's last lines and the new start's first) are named as such, not placed before the gap. The outage
    # cites the stop before it first and the start in it last (the start's line wrote no time: it is one of them).
    stop = _anomaly(rep, report_pb2.ANOMALY_KIND_SHUTDOWN)
    assert list(silence.line_numbers) == [stop.line_numbers[0], closing, after, start], silence.description
    assert silence.description.startswith("down for 17 min: stop at line "), silence.description
    assert f"but lines {closing + 1} to {after - 1}, which wrote no time" in silence.description
    assert restart.start_time.seconds == silence.end_time.seconds
    assert silence.end_time.seconds - silence.start_time.seconds == 17 * 60


def test_an_untimed_stop_keeps_the_time_before_it() -> None:
    """A stop belongs with what it ends: the untimed "Shutting down" is told at the time of the record before it."""
    lines = _app_with_untimed_server_lines()
    rep = analyze([("\n".join(lines) + "\n").encode()])
    stop = _anomaly(rep, report_pb2.ANOMALY_KIND_SHUTDOWN)
    assert stop.line_numbers[0] == _line(lines, "INFO:     Shutting down")
    assert "no time written" not in stop.description
    assert "(2024-03-14T11:20:" in stop.description, stop.description


@pytest.mark.parametrize("chunk_bytes", [700, 4096])
def test_the_same_report_whatever_the_chunks(chunk_bytes: int) -> None:
    data = ("\n".join(_app_with_untimed_server_lines()) + "\n").encode()
    head = data[:HEAD_BYTES]
    assert can_chunk(head) is None
    parts = [analyze_chunk(head, [data[p.read_from :]], p) for p in plan_chunks(len(data), chunk_bytes)]
    assert len(parts) > 1
    one = analyze([data])
    assert merge_partials(parts).SerializeToString(deterministic=True) == one.SerializeToString(deterministic=True)
