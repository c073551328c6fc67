"""Logs written as comma-separated values (PostgreSQL's csvlog, an event viewer's export): time, level and message
fields found by what they hold. Synthetic lines written for these tests from the formats' documentation."""

from __future__ import annotations

import json

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.formats import FORMAT_CSV, detect_format

pytestmark = pytest.mark.unit

_POSTGRES = [
    ("LOG", "00000", "checkpoint starting: time"),
    ("ERROR", "23505", 'duplicate key value violates unique constraint ""orders_pkey""'),
    ("WARNING", "01000", "there is no transaction in progress"),
]


def _csvlog(i: int) -> str:
    """PostgreSQL's csvlog: log_time, user, database, pid, connection, session id, line number, command tag, session
    start, virtual and transaction ids, severity, SQL state, message, detail, hint, ... application name, backend."""
    level, code, message = _POSTGRES[i % 3]
    return (
        f'2024-03-05 10:{i // 60:02d}:{i % 60:02d}.{i % 1000:03d} UTC,"app","shop",{4000 + i % 5},'
        f'"10.0.0.{i % 9}:{40000 + i}",'
        f'65e6f{i:03x}.{i:x},{i},"INSERT",2024-03-05 09:00:00 UTC,3/{i},0,{level},{code},"{message}",,,,,,,,,"psql",'
        '"client backend",,0'
    )


def _levels(rep: report_pb2.AnalysisReport) -> dict[str, int]:
    return {report_pb2.Level.Name(lc.level).removeprefix("LEVEL_"): lc.count for lc in rep.levels}


def test_postgresql_csvlog_reads_its_time_severity_and_message_fields() -> None:
    """Its message field is the one of the longest texts; the severity field holds LOG, ERROR, WARNING; the first
    field is the time (a later one, the session's start, is a time too). Before: a header of four tokens, then the
    rest of the row as the message ('UTC,<*>/<*>,WARNING,<*>,"there is no ..."'), and no level."""
    rep = analyze([("\n".join(_csvlog(i) for i in range(150)) + "\n").encode()])
    assert rep.format.name == FORMAT_CSV
    assert {t.text: t.count for t in rep.templates} == {
        "checkpoint starting: time": 50,
        'duplicate key value violates unique constraint "orders_pkey"': 50,
        "there is no transaction in progress": 50,
    }
    assert _levels(rep) == {"INFO": 50, "ERROR": 50, "WARN": 50}
    assert rep.time_range.start_time.ToJsonString() == "2024-03-05T10:00:00Z"
    assert rep.time_range.end_time.ToJsonString() == "2024-03-05T10:02:29Z"


def test_an_export_with_a_row_of_names_reads_the_rest_by_their_fields() -> None:
    rows = [
        ("Information", "The Windows Update service entered the running state."),
        ("Error", "Disk 2 has a bad block."),
    ]
    lines = ["Level,Date and Time,Source,Event ID,Task Category,Description"]
    lines += [
        f"{rows[i % 2][0]},3/5/2024 {1 + i % 12}:{i % 60:02d}:00 PM,Service Control Manager,{7000 + i % 2},None,"
        f'"{rows[i % 2][1]}"'
        for i in range(60)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.format.name == FORMAT_CSV
    counts = {t.text: t.count for t in rep.templates}
    assert counts["The Windows Update service entered the running state."] == 30
    assert counts["Disk <*> has a bad block."] == 30
    assert _levels(rep) == {"INFO": 30, "ERROR": 30}


@pytest.mark.parametrize(
    "line",
    [
        lambda i: json.dumps(
            {"ts": f"2024-03-05T10:00:{i % 60:02d}Z", "level": "info", "a": 1, "b": 2, "c": 3, "d": i}
        ),
        lambda i: (
            f'10.0.0.{i % 9} - - [05/Mar/2024:10:00:{i % 60:02d} +0000] "GET /a,b,c,d,e,f HTTP/1.1" 200 12 "-" "x"'
        ),
        lambda i: f"2024-03-05 10:00:{i % 60:02d},{i:03d} INFO worker: done a, b, c, d and e",
        lambda i: f"2024-03-05 10:00:{i % 60:02d},{i:03d} INFO worker: batch {i}, sizes 1, 2, 3, 4, 5 and 6",
    ],
)
def test_lines_with_commas_that_are_no_rows_of_values_are_not_csv(line) -> None:  # type: ignore[no-untyped-def]
    assert detect_format([line(i) for i in range(50)]).name != FORMAT_CSV


def test_chunks_read_csv_fields_as_one_pass_does() -> None:
    from loglens_analysis.engine.chunks import HEAD_BYTES, analyze_chunk, merge_partials, plan_chunks

    data = ("\n".join(_csvlog(i) for i in range(3000)) + "\n").encode()
    one = analyze([data])
    plans = plan_chunks(len(data), len(data) // 3)
    assert len(plans) > 1
    rep = merge_partials([analyze_chunk(data[:HEAD_BYTES], [data[p.read_from :]], p) for p in plans])
    assert rep.format.name == one.format.name == FORMAT_CSV
    assert [(t.text, t.count) for t in rep.templates] == [(t.text, t.count) for t in one.templates]
    assert _levels(rep) == _levels(one) == {"INFO": 1000, "ERROR": 1000, "WARN": 1000}
    assert rep.time_range == one.time_range
