"""Logs written as comma-separated values (PostgreSQL's csvlog, an event viewer's export): time, level and message
fields found by what they hold. Synthetic lines written for these tests from the formats' documentation."""

from __future__ import annotations

import json

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.formats import FORMAT_CSV, detect_format
from loglens_analysis.engine.report import NEWEST_FIRST

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


_TOOL_ROWS = [
    ("info", "Order {} created for customer {}"),
    ("warn", "Inventory low for sku {} ({} left)"),
    ("error", "Payment failed for order {}: card declined ({})"),
]


def test_a_log_tools_export_of_few_fields_under_their_names_newest_first() -> None:
    """A log tool's CSV export: a row of names, five fields (time, host, service, status, message), newest record
    first. Every message keeps its first word (the line is no header and message), each record its level, and the
    report says the lines run newest first."""
    lines = ["Date,Host,Service,Status,Message"]
    for i in reversed(range(90)):
        level, text = _TOOL_ROWS[i % 3]
        lines.append(f"2024-03-04T09:{i // 60:02d}:{i % 60:02d}.{i:03d}Z,ip-10-0-0-{i % 7},orders,{level},"
                     f"{text.format(1000 + i, i % 50)}")  # fmt: skip
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.format.name == FORMAT_CSV
    counts = {t.text: t.count for t in rep.templates}
    assert counts["Order <*> created for customer <*>"] == 30
    assert counts["Payment failed for order <*>: card declined (<*>)"] == 30
    assert _levels(rep) == {"INFO": 30, "WARN": 30, "ERROR": 30}
    assert NEWEST_FIRST in rep.parse_quality.time_assumptions
    assert "newest first" in rep.summary.claims[0].text
    oldest_first = [lines[0], *reversed(lines[1:])]
    assert NEWEST_FIRST not in analyze([("\n".join(oldest_first) + "\n").encode()]).parse_quality.time_assumptions
    # In time order but for a late first record (every other record is then before a time already seen): not newest
    # first.
    late_first = [lines[0], lines[1].replace("T09:01:29", "T11:01:29"), *reversed(lines[2:])]
    assert NEWEST_FIRST not in analyze([("\n".join(late_first) + "\n").encode()]).parse_quality.time_assumptions


def test_the_timeline_of_a_file_that_runs_newest_first_gives_each_messages_earliest_record() -> None:
    """In a file that runs newest first, a message's first record in time is its last line: the timeline's "first
    ERROR" cites that record and its time (not the latest, which its first line is), in chunks as in one pass."""
    from loglens_analysis.engine.chunks import HEAD_BYTES, analyze_chunk, merge_partials, plan_chunks

    lines = ["Date,Host,Service,Status,Message"]
    for i in reversed(range(3000)):
        level, text = _TOOL_ROWS[i % 3]
        lines.append(f"2024-03-04T{9 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000Z,ip-10-0-0-{i % 7},orders,"
                     f"{level},{text.format(1000 + i, i % 50)}")  # fmt: skip
    data = ("\n".join(lines) + "\n").encode()
    earliest_error = next(n for n, line in enumerate(lines[::-1]) if ",error," in line)
    line_no = len(lines) - earliest_error
    assert lines[line_no - 1].startswith("2024-03-04T09:00:02.000Z")
    plans = plan_chunks(len(data), len(data) // 3)
    merged = merge_partials([analyze_chunk(data[:HEAD_BYTES], [data[p.read_from :]], p) for p in plans])
    for rep in (analyze([data]), merged):
        assert NEWEST_FIRST in rep.parse_quality.time_assumptions
        (entry,) = [e for e in rep.timeline if e.description.startswith("first ERROR")]
        assert list(entry.line_numbers) == [line_no]
        assert entry.time.ToJsonString() == "2024-03-04T09:00:02Z"


def _raw_export(n: int) -> list[str]:
    lines = ['"_time","host","source","_raw"']
    for i in range(n):
        level, text = _TOOL_ROWS[i % 3]
        raw = f"2024-03-04 09:{i // 60:02d}:{i % 60:02d},{i:03d} {level.upper():5} [exec-{i % 4}] c.a.Orders - "
        lines.append(f'"2024-03-04T09:{i // 60:02d}:{i % 60:02d}.000+0000","app-1","/var/log/app.log",'
                     f'"{raw}{text.format(1000 + i, i % 50)}"')  # fmt: skip
    return lines


def test_an_export_of_raw_lines_reads_each_lines_own_level_and_message() -> None:
    """An export whose fields are the event's time, its source and the raw line ("_time,host,source,_raw"): no field
    holds a level, the raw lines share their application's header (time, level, thread, logger), which is read as
    the file's header would be; in chunks as in one pass."""
    from loglens_analysis.engine.chunks import HEAD_BYTES, analyze_chunk, merge_partials, plan_chunks

    rep = analyze([("\n".join(_raw_export(90)) + "\n").encode()])
    assert rep.format.name == FORMAT_CSV
    counts = {t.text: t.count for t in rep.templates}
    assert counts["Inventory low for sku <*> (<*> left)"] == 30
    assert _levels(rep) == {"INFO": 30, "WARN": 30, "ERROR": 30}
    data = ("\n".join(_raw_export(3000)) + "\n").encode()
    one = analyze([data])
    plans = plan_chunks(len(data), len(data) // 3)
    merged = merge_partials([analyze_chunk(data[:HEAD_BYTES], [data[p.read_from :]], p) for p in plans])
    assert [(t.text, t.count, t.max_level) for t in merged.templates] == [
        (t.text, t.count, t.max_level) for t in one.templates
    ]
    assert "Order <*> created for customer <*>" in {t.text for t in one.templates}


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


def test_an_export_of_a_time_and_a_message_whose_quoted_values_hold_line_breaks() -> None:
    """CloudWatch Logs Insights exports "@timestamp,@message": two fields under their names, each message a Lambda
    function's line ("[ERROR]\\t<time>\\t<request id>\\tmsg") that ends with its line break, so each quoted value closes
    on the next line (RFC 4180). The records are the CSV's, their messages read as lines of their own (the level and
    text after their header); before, the file was plain lines, its templates ',"[INFO] <*>:<*>:<*> <*> ...'."""
    rows = [("INFO", "Processed order {}"), ("WARN", "Retrying call after throttling ({})"), ("ERROR", "Unhandled: {}")]
    lines = ["@timestamp,@message"]
    for i in range(90):
        level, text = rows[i % 3]
        stamp = f"2024-03-04 09:{i // 60:02d}:{i % 60:02d}.{i:03d}"
        lines.append(f'{stamp},"[{level}]\t2024-03-04T09:{i // 60:02d}:{i % 60:02d}.{i:03d}Z\t{i:08x}-aa\t'
                     f'{text.format(1000 + i)}\n"')  # fmt: skip
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.format.name == FORMAT_CSV
    assert rep.record_count == 91
    counts = {t.text: t.count for t in rep.templates}
    assert counts["Processed order <*>"] == 30
    assert _levels(rep) == {"INFO": 30, "WARN": 30, "ERROR": 30}


def test_a_column_named_with_its_zone_in_brackets_is_a_name() -> None:
    """Azure Log Analytics names its time column with the zone ("TimeGenerated [UTC]") and writes the time with a
    comma in it, quoted ("1/15/2024, 10:00:19.120 AM"): the first line is the columns' names all the same."""
    rows = [("Informational", "Backup job {} completed"), ("Warning", "Disk space low on C:"), ("Error", "Crash {}")]
    lines = ["TimeGenerated [UTC],Computer,Level,Message"]
    for i in range(60):
        level, text = rows[i % 3]
        lines.append(f'"1/15/2024, 10:{i // 60:02d}:{i % 60:02d}.{i:03d} AM",vm-web-01,{level},"{text.format(i)}"')
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.format.name == FORMAT_CSV
    assert _levels(rep) == {"INFO": 20, "WARN": 20, "ERROR": 20}
    assert rep.time_range.start_time.ToJsonString() == "2024-01-15T10:00:00Z"


def test_an_export_whose_quoted_messages_go_on_over_indented_lines_is_read_as_csv() -> None:
    """Event Viewer's CSV export: descriptions that run over lines in one quoted field, some lines indented ("
    Reason Code: 0x8000"). The reader joins indented lines to the line before, and the format was told from each
    record's first line, whose quote closes on a joined line: the quotes of every later row were read out of step, and
    the file was plain lines ("Information,<*>/<*>/<*> <*>:<*>:<*> PM,<*>,<*>,<*>")."""
    rows = [
        ("Information", "The Windows Update service entered the running state."),
        ("Error", '"Faulting application name: sqlservr.exe, version: 2022.{}\r\nFaulting module name: ntdll.dll\r\n'
         'Exception code: 0xc0000374\r\nFaulting package-relative application ID: "'),
        ("Warning", '"The process shutdown.exe has initiated the restart of computer SRV{}\r\n Reason Code: 0x8000\r\n'
         ' Shutdown Type: restart"'),
    ]  # fmt: skip
    lines = ["Level,Date and Time,Source,Event ID,Task Category,Message"]
    for i in range(30):
        level, text = rows[i % 3]
        lines.append(f"{level},3/5/2024 {1 + i % 12}:{i % 60:02d}:00 PM,User32,{1074 + i % 3},None,{text.format(i)}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.format.name == FORMAT_CSV
    texts = [t.text for t in rep.templates]
    assert not [t for t in texts if "PM," in t], texts
    assert any(t.startswith("The process shutdown.exe has initiated the restart") for t in texts), texts
    assert _levels(rep)["WARN"] == 10
