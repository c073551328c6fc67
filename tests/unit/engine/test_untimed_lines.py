"""A record leads with its time: in a file whose records do, a line without one continues the timed record
before it (``Analyzer._glue_untimed``). Lines written here, no file copied."""

from __future__ import annotations

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.analyzer import Analyzer
from loglens_analysis.engine.records import JOIN, Block, ReadCounters
from loglens_analysis.engine.report import build_report

pytestmark = pytest.mark.unit


def _stamp(i: int) -> str:
    return f"2024-03-01 10:{i // 60 % 60:02d}:{i % 60:02d},{i % 1000:03d}"


def _lines(n: int) -> list[str]:
    out = []
    for i in range(n):
        if i % 10 == 3:
            out.append(f"{_stamp(i)} ERROR worker: Cannot connect to broker at 10.0.0.{i % 7}: Connection refused.")
            out.append(f"Trying again in {i % 5}.00 seconds... ({i % 9}/100)")
        else:
            out.append(f"{_stamp(i)} INFO worker: task {i} done in {i % 13} ms")
    return out


def _report(lines: list[str]) -> report_pb2.AnalysisReport:
    return analyze([("\n".join(lines) + "\n").encode()])


def _texts(rep: report_pb2.AnalysisReport) -> list[str]:
    return [t.text for t in rep.templates]


def test_a_line_without_a_time_continues_the_timed_record_before_it() -> None:
    lines = _lines(400)
    rep = _report(lines)
    assert rep.line_count == 440
    assert rep.record_count == 400  # the 40 "Trying again" lines are inside their error records
    assert not [t for t in _texts(rep) if t.startswith("Trying again")]
    assert rep.parse_quality.timestamp_share == 1.0
    errors = [t for t in rep.templates if t.text.startswith("Cannot connect")]
    assert [t.count for t in errors] == [40]
    # Line numbers still count physical lines: error records at lines 4, 15, 26 (each takes the line after it).
    assert [e.line_number for e in errors[0].examples] == [4, 15, 26]


def test_untimed_lines_of_another_programs_tag_in_a_row_are_its_records() -> None:
    """calico-node: felix's timed records, and BIRD's untimed lines in the same stream ("bird: Mesh_10_0_1_11: State
    changed to down"), several in a row: they are BIRD's records, not lines of the felix record before them (the BGP
    peers going down were glued to a felix warning). A single untimed line under a record still continues it, and
    so does a run of lines whose tags differ (a record's "key: value" lines)."""
    lines = []
    for i in range(120):
        lines.append(f"{_stamp(i)} [INFO][44] felix/int_dataplane.go 1836: Applying dataplane updates")
        if i % 30 == 7:
            lines.append(f"{_stamp(i)} [WARNING][44] felix/health.go 211: Reporter is not ready.")
            lines += [f"bird: Mesh_10_0_1_{11 + k}: State changed to down" for k in range(3)]
        if i % 30 == 17:
            lines.append(f"{_stamp(i)} [INFO][44] felix/config.go 90: Loaded config")
            lines += [f"datastore: kubernetes {i}", f"interface: eth{i % 3}"]
        if i % 30 == 27:
            lines.append(f"{_stamp(i)} [ERROR][44] felix/sync_client.go 274: Typha connection closed")
            lines.append(f"Trying again in {i % 5}.00 seconds")
    rep = _report(lines)
    counts = {t.text: t.count for t in rep.templates}
    assert counts["bird: <*>: State changed to down"] == 12, counts
    assert rep.record_count == 120 + 4 + 4 + 4 + 12
    assert not [t for t in _texts(rep) if t.startswith(("datastore", "interface", "Trying again"))]


def test_lines_before_the_first_time_and_after_a_blank_line_stay_records() -> None:
    banner = ["worker banner v1.2", "-- config --"]
    lines = banner + _lines(100) + ["", "a line after a blank one", "another"] + _lines(100)
    rep = _report(lines)
    texts = _texts(rep)
    assert any(t.startswith("worker banner") for t in texts)
    assert "-- config --" in texts
    assert "a line after a blank one" in texts
    assert "another" in texts


def test_a_file_whose_lines_mostly_have_no_time_is_not_glued() -> None:
    lines = []
    for i in range(300):
        lines.append(f"{_stamp(i)} INFO step {i} started")
        lines.append(f"output line {i} of the step")
        lines.append(f"more output {i}")
    rep = _report(lines)
    assert rep.record_count == 900
    assert any(t.text.startswith("output line") for t in rep.templates)


def test_a_note_under_each_timed_record_is_glued_though_untimed_lines_are_the_most() -> None:
    """A worker's log where a banner, blank lines and one note under each error outnumber the timed lines: the
    notes still continue their records (they come one at a time, right after a timed line); the banner's lines
    and the lines after a blank one stay records."""
    banner = [f"- ** ---------- .> setting {k}: value {k}" for k in range(12)]
    lines = [f"{_stamp(0)} WARN worker: No hostname was supplied.", "", *banner, ""]
    for i in range(1, 41):
        lines.append(f"{_stamp(i)} ERROR worker: Cannot connect to broker at 10.0.0.{i % 7}: Connection refused.")
        lines.append(f"Trying again in {i % 5}.00 seconds... ({i}/100)")
        lines.append("")
    rep = _report(lines)
    timed = 41
    assert sum(1 for line in lines if line and not line[0].isdigit()) > timed  # the timed lines are a minority
    assert rep.record_count == timed + len(banner)
    assert not [t for t in _texts(rep) if t.startswith("Trying again")]
    assert [t.count for t in rep.templates if t.text.startswith("Cannot connect")] == [40]
    assert any(t.startswith("- ** ---------- .> setting") for t in _texts(rep))


def test_a_line_stating_a_level_joins_a_record_without_one_or_with_the_same_one() -> None:
    """An untimed line with a level of its own is another source's record, unless it restates the level of the
    timed record before it (an error's detail) or that record has none (a two-line header)."""
    lines = []
    for i in range(200):
        if i % 20 == 5:
            lines.append(f"{_stamp(i)} ERROR db: bad query: UPDATE t SET x = {i}")
            lines.append("ERROR: cursor already closed")
        elif i % 20 == 9:
            lines.append(f"{_stamp(i)} INFO worker: task {i} done in {i % 13} ms")
            lines.append(f"[heartbeat] WARNING: probe {i % 3} missed")
        elif i % 20 == 13:
            lines.append(f"{_stamp(i)} org.example.Server start")
            lines.append(f"INFO: Server startup in {i} ms")
        else:
            lines.append(f"{_stamp(i)} INFO worker: task {i} done in {i % 13} ms")
    rep = _report(lines)
    assert rep.line_count == 230
    assert rep.record_count == 200 + 10  # only the heartbeat lines (after INFO records) stand alone
    texts = _texts(rep)
    assert not [t for t in texts if t.startswith("ERROR: cursor")]
    assert next(t for t in rep.templates if t.text.startswith("[heartbeat]")).count == 10
    levels = {report_pb2.Level.Name(x.level): x.count for x in rep.levels}
    assert levels == {"LEVEL_ERROR": 10, "LEVEL_WARN": 10, "LEVEL_INFO": 190}


def test_untimed_level_lines_that_also_stand_under_other_levels_are_records_under_their_own_level_too() -> None:
    """Godot's engine writes "ERROR: Couldn't connect to host (Error 3)." and its "   at: ..." line, untimed, among
    the game's timed "[INFO]"/"[ERROR]" records. After an INFO record such a line was a record; after an ERROR
    record it was glued to it as a detail: the outage's cause appeared in no template."""
    lines = []
    for i in range(60):
        level = "ERROR" if i % 2 else "INFO"
        lines.append(f"[{_stamp(i)}] [{level}] Net: reconnect attempt {i} {'failed' if i % 2 else 'started'}")
        if i % 3 == 0:
            lines.append("ERROR: Couldn't connect to host (Error 3).")
            lines.append("   at: connect_to_url (modules/websocket/wsl_peer.cpp:478)")
    rep = _report(lines)
    (cause,) = [t for t in rep.templates if t.text.startswith("Couldn't connect")]
    assert cause.count == 20
    assert rep.record_count == 80


def test_a_line_whose_level_stands_after_a_tag_of_its_own_is_no_two_line_header() -> None:
    """Gin's debug lines ("[GIN-debug] [WARNING] Running in debug mode") under a service's own timed start line, which
    has no level: the line is Gin's record, not the level of the line above (the start line was told as a warning).
    A level in the tag's place ("[WARNING] ...") or first on the line still states the level of a record without one."""
    lines = []
    for i in range(60):
        if i % 20 == 0:
            lines.append(f"{_stamp(i)} billing-api starting, version 3.2.{i}")
            lines.append("[GIN-debug] [WARNING] Running in debug mode. Switch to release mode in production.")
        elif i % 20 == 7:
            lines.append(f"{_stamp(i)} org.example.Server start")
            lines.append(f"[WARNING] Server startup slow: {i} ms")
        else:
            lines.append(f"{_stamp(i)} INFO worker: task {i} done in {i % 13} ms")
    rep = _report(lines)
    assert rep.record_count == 60 + 3  # the three Gin lines stand alone
    by_text = {t.text: report_pb2.Level.Name(t.max_level) for t in rep.templates}
    assert by_text["billing-api starting, version <*>"] == "LEVEL_UNSPECIFIED"
    assert by_text["[GIN-debug] [WARNING] Running in debug mode. Switch to release mode in production."] == "LEVEL_WARN"
    levels = {report_pb2.Level.Name(x.level): x.count for x in rep.levels}
    assert levels == {"LEVEL_WARN": 3 + 3, "LEVEL_INFO": 54}


def test_compose_sources_are_never_glued_to_each_other() -> None:
    lines = []
    for i in range(300):
        lines.append(f"api_1     | {_stamp(i)} INFO request {i} served")
        if i % 3 == 0:
            lines.append(f"worker_1  | Deploying component {i}")
    rep = _report(lines)
    assert rep.parse_quality.envelope == "compose-service"
    assert any(t.text.startswith("Deploying component") for t in rep.templates)
    assert rep.record_count == 400


def test_a_record_continued_across_blocks_is_one_record() -> None:
    lines = _lines(60)
    # Cut between every pair of lines: the record before the cut takes the lines after it.
    for cut in range(1, len(lines)):
        an = Analyzer()
        an.feed(Block("\n".join(lines[:cut]), 1))
        an.feed(Block("\n".join(lines[cut:]), cut + 1))
        an.finish()
        rep = build_report(an, ReadCounters(), "test")
        assert rep.record_count == 60, cut
        assert an.multiline_records == 6, cut
        errs = [t for t in rep.templates if t.text.startswith("Cannot connect")]
        assert [t.count for t in errs] == [6], cut
        assert errs[0].examples[0].line_number == 4, cut
        assert JOIN not in "".join(t.text for t in rep.templates)


def test_a_line_of_blanks_is_an_empty_line_not_a_record() -> None:
    lines = _lines(100)
    lines[10:10] = ["   ", "\t"]
    rep = _report(lines)
    assert rep.record_count == 100
    assert "" not in _texts(rep)
    assert rep.parse_quality.timestamp_share == 1.0


def test_lines_without_a_time_at_the_end_of_the_file_continue_its_last_timed_record() -> None:
    lines = [*_lines(50), f"{_stamp(60)} ERROR worker: leak found", "Recent access records:", "Created at:"]
    rep = _report(lines)
    assert rep.record_count == 51
    assert not [t for t in _texts(rep) if t.startswith(("Recent access", "Created at"))]
    assert rep.parse_quality.timestamp_share == 1.0


def test_a_line_after_the_end_of_a_stack_trace_is_a_record_of_its_own() -> None:
    """A stack trace ends with a frame or "... N more"; an untimed line after it is no part of the trace (a
    server's own message that it stops), while a line inside a trace's grammar and a line after a plain record
    still continue."""
    trace = [
        f"{_stamp(150)} ERROR [Startup:12] Upgrade failed",
        "java.lang.IllegalStateException: duplicate key",
        "\tat com.example.Upgrade.run(Upgrade.java:42)",
        "Caused by: java.sql.SQLException: duplicate key",
        "\tat org.db.Driver.execute(Driver.java:7)",
        "\t... 20 more",
        "Stopping the server due to unexpected startup errors",
    ]
    node = [
        f"{_stamp(160)} ERROR request failed",
        "TypeError: x is undefined",
        "    at handler (/srv/app.js:10:5)",
        "process exiting with code 1",
    ]
    lines = _lines(150) + trace + _lines(10) + node + _lines(10)
    rep = _report(lines)
    texts = _texts(rep)
    stop = [t for t in rep.templates if t.text == "Stopping the server due to unexpected startup errors"]
    assert [(t.count, t.first_line) for t in stop] == [(1, 150 + 15 + 7)]
    assert "process exiting with code <*>" in texts
    upgrade = next(t for t in rep.templates if "Upgrade failed" in t.text)
    assert upgrade.count == 1
    groups = [g for g in rep.exception_groups if "IllegalStateException" in g.exception_type]
    assert groups and groups[0].root_cause_type.endswith("SQLException")
    # The "Trying again" lines (no trace before them) still continue their error records.
    assert not [t for t in texts if t.startswith("Trying again")]


def test_a_line_that_only_closes_brackets_ends_the_record_that_opened_them() -> None:
    """Node prints an error's own fields as an object under its stack ("... {", indented fields, "}" at the margin):
    the closing brace belongs to that record, it is no message of its own."""
    lines = []
    for i in range(40):
        lines.append(f"GET /api/items/{i} 200 {i * 0.37:.2f} ms - {100 + i}")
        if i % 8 == 3:
            lines += [
                f"Error: connect ECONNREFUSED 10.0.0.{i}:5432",
                "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1494:16) {",
                "  errno: -111,",
                "  code: 'ECONNREFUSED',",
                "}",
            ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 45
    texts = {t.text: t.count for t in rep.templates}
    assert texts == {"GET /api/items/<*> <*> <*> ms - <*>": 40, "Error: connect ECONNREFUSED <*>:<*>": 5}, texts


def test_a_stack_trace_heading_is_no_trace_level_and_stays_with_its_error() -> None:
    """PHP writes "Stack trace:" and "#0 ..." frames under its fatal error: "trace" there is a noun, not the TRACE
    level (a line stating a level of its own would be a record of its own), so the lines continue the error."""
    lines = []
    for i in range(30):
        stamp = f"[01-Mar-2024 12:00:{i:02d} UTC]"
        lines.append(f"{stamp} PHP Warning:  Undefined variable $user in /var/www/index.php on line {10 + i}")
        if i % 10 == 4:
            lines += [
                f"{stamp} PHP Fatal error:  Uncaught RuntimeException: Database unavailable in /var/www/db.php:12",
                "Stack trace:",
                "#0 /var/www/index.php(20): connect()",
                "#1 {main}",
                "  thrown in /var/www/db.php on line 12",
            ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 33
    assert not any(t.text.startswith(("Stack trace", "#")) for t in rep.templates), [t.text for t in rep.templates]
    assert {report_pb2.Level.Name(x.level): x.count for x in rep.levels} == {"LEVEL_WARN": 30, "LEVEL_FATAL": 3}


def test_a_shells_report_that_the_process_died_is_its_own_record_and_a_stop() -> None:
    # The shell writes "Killed" (or, in a script, "./run.sh: line 12: 4321 Killed  java ...") after the process
    # whose log this is died of SIGKILL, the OOM killer's signal: another process's line, not the last record's
    # continuation, and the file's stop. An untimed line in words of its own still continues its record.
    lines = [f"{_stamp(i)} INFO worker: processed batch {i} in {i % 13} ms" for i in range(1200)]
    lines.insert(600, "./run.sh: line 12:  4321 Killed                  java -Xmx512m -jar worker.jar")
    lines.insert(601, f"{_stamp(600)} INFO worker: worker 2.4.1 starting")
    lines.insert(900, "Killed process in the pool, spawning another")
    lines.append("Killed")
    rep = _report(lines)
    texts = _texts(rep)
    assert "Killed" in texts
    assert any(t.startswith("./run.sh: line <*>: <*> Killed") for t in texts), texts
    assert not any("Killed process in the pool" in t for t in texts), texts  # continues the record before it
    stops = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    assert any(len(lines) in a.line_numbers for a in stops), [a.description for a in stops]
    claims = [c.text for c in rep.summary.claims]
    assert any(c.startswith(f"Stop at line {len(lines)} ") and c.endswith('"Killed".') for c in claims), claims


def _monolog(n: int) -> list[str]:
    """Monolog's line format (Laravel, Symfony): "[time] channel.LEVEL: message {context}"; an error's context holds
    the exception with "[stacktrace]" and its frames on lines of their own, a blank line, then the previous exception
    and its frames. The traces are most of the file's lines."""
    out: list[str] = []
    for i in range(n):
        stamp = f"[2024-05-03 10:{i // 60 % 60:02d}:{i % 60:02d}]"
        if i % 8 == 5:
            out.append(
                f'{stamp} production.ERROR: Connection refused {{"exception":"[object] (QueryException(code: 2002)'
            )
            out.append("[stacktrace]")
            out += [
                f"#{k} /var/www/html/vendor/Database/Connection.php({100 + k}): Connection->run()" for k in range(12)
            ]
            out += [
                "#12 {main}",
                "",
                "[previous exception] [object] (PDOException(code: 2002): refused",
                "[stacktrace]",
            ]
            out += [
                f"#{k} /var/www/html/vendor/Connectors/Connector.php({60 + k}): PDO->__construct()" for k in range(8)
            ]
            out.append('"} ')
        else:
            out.append(f'{stamp} production.INFO: User logged in {{"user_id":{1000 + i},"ip":"10.0.0.{i % 250}"}} ')
    return out


def test_records_whose_bodies_are_most_of_the_lines_are_read_by_the_lines_that_open_them() -> None:
    """Stack traces under a few errors can be most of a file's lines: the layout is found on the lines that open with
    a time, the level is read from Monolog's "channel.LEVEL:", and every line up to the next timed one (a blank line
    inside the trace too) belongs to the record it follows."""
    lines = _monolog(200)
    rep = _report(lines)
    assert rep.line_count == len(lines)
    assert rep.record_count == 200
    assert rep.parse_quality.level_share == 1.0
    errors = [t for t in rep.templates if t.max_level == report_pb2.LEVEL_ERROR]
    assert [t.count for t in errors] == [25]
    assert not [t for t in _texts(rep) if t.startswith(("#", "[stacktrace]", "[previous exception]"))]


def test_lines_without_a_time_after_every_timed_line_are_records_of_another_source() -> None:
    """A function runtime's "END RequestId" and "REPORT" lines come after each of the application's timed lines: they
    are the platform's records, interleaved, not the bodies of the application's."""
    lines: list[str] = []
    for i in range(60):
        rid = f"{i:08d}-1111-2222-3333-{i:012d}"
        lines.append(f"START RequestId: {rid} Version: $LATEST")
        lines.append(f"2024-03-05T10:{i // 60:02d}:{i % 60:02d}.000Z\t{rid}\tINFO\tprocessing order {1000 + i}")
        lines.append(f"END RequestId: {rid}")
        lines.append(f"REPORT RequestId: {rid}\tDuration: {i % 9}.5 ms\tBilled Duration: {i % 9 + 1} ms")
    rep = _report(lines)
    assert rep.record_count == 240
    assert any(t.startswith("REPORT RequestId:") for t in _texts(rep))


def test_a_date_inside_a_continuation_line_of_a_time_of_day_file_is_no_record_and_no_date() -> None:
    """Elixir's Logger writes a time of day and no date; a crash report's dumped state below a record can hold a
    date ("last_event_at: ~U[2024-05-04 00:48:29Z]"). That line continues the crash report: it is not a record of
    its own, and its date does not become the file's (the times run from 23:10 over midnight to 00:50, 100 minutes,
    not a day)."""
    lines: list[str] = []
    for i in range(200):
        minute = (23 * 60 + 10 + i // 2) % (24 * 60)
        lines.append(f"{minute // 60:02d}:{minute % 60:02d}:{i % 60:02d}.121 [info] GET /api/orders/{i}")
        if i == 150:
            lines.append(f"{minute // 60:02d}:{minute % 60:02d}:30.226 [error] GenServer MyApp.Worker terminating")
            lines.append("** (KeyError) key :amount not found in: %{id: 7}")
            lines.append("Last message: {:process, 7}")
            lines.append("State: %{processed: 1842, last_event_at: ~U[2024-05-04 00:48:29.903114Z]}")
    rep = _report(lines)
    assert rep.record_count == 201
    assert not [t for t in _texts(rep) if t.startswith("State:")]
    span = rep.time_range.end_time.seconds - rep.time_range.start_time.seconds
    assert 99 * 60 <= span <= 101 * 60, span


def _console_records() -> list[str]:
    # .NET's console logger: "level: Category[event]" and the message indented under it, no time on either line.
    out = []
    for i in range(200):
        if i % 25 == 9:
            out += ["warn: Polly[3]", f"      Execution attempt. Source: 'payments', Result: '502', Attempt: '{i % 4}'"]
        elif i % 50 == 17:
            out += [
                "warn: Microsoft.AspNetCore.Server.Kestrel[22]",
                f'      As of "03/11/2024 13:{i % 60:02d}:20 +00:00", the heartbeat has been running for "00:00:04"',
            ]
        else:
            out += [
                "info: Shop.Api.Controllers.OrdersController[0]",
                f"      Order {9000 + i} created with {i % 7} items",
            ]
    return out


def test_a_date_in_the_message_under_an_untimed_header_is_no_time_of_the_record() -> None:
    # The records carry no time: a date the message quotes ("As of ...") is what it says, not when it was written. It
    # dated the file (13:17 to 13:17 and a histogram of four records) and put every record after it in its bucket.
    rep = _report(_console_records())
    assert not rep.time_range.HasField("start_time") and rep.parse_quality.timestamp_share == 0
    texts = {t.text: t.count for t in rep.templates}
    # A category with its event number and no namespace ("Polly[3]") is the source too: the message is under it.
    assert texts["Execution attempt. Source: 'payments', Result: '<*>', Attempt: '<*>'"] == 8, texts


def _postgres(n: int) -> list[str]:
    """A PostgreSQL server log (log_line_prefix '%m [%p] %q%u@%d '): an error's DETAIL, HINT and STATEMENT lines
    repeat the error's prefix; background processes write no user@db."""
    out = []
    for i in range(n):
        t = f"2026-11-30 10:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d} CET"
        if i % 5 == 2:
            out.append(f'{t} [{4000 + i}] app@shop ERROR:  duplicate key value violates unique constraint "pkey"')
            out.append(f"{t} [{4000 + i}] app@shop DETAIL:  Key (id)=({i}) already exists.")
            out.append(f"{t} [{4000 + i}] app@shop STATEMENT:  INSERT INTO orders (id) VALUES ({i})")
        elif i % 5 == 4:
            out.append(f"{t} [{4000 + i}] LOG:  checkpoint starting: time")
        else:
            out.append(f"{t} [{4000 + i}] app@shop LOG:  duration: {i % 17}.{i % 10}12 ms")
    return out


def test_a_timed_line_repeating_the_line_before_up_to_a_label_is_a_field_of_its_event() -> None:
    """PostgreSQL writes an error's DETAIL and STATEMENT as lines of their own with the error's prefix (the same
    time to the millisecond, the same process): they are fields of that error, not records stating no level."""
    rep = _report(_postgres(200))
    assert rep.record_count == 200
    by_text = {t.text: t for t in rep.templates}
    error = by_text['ERROR: duplicate key value violates unique constraint "pkey"']
    assert error.count == 40
    assert [lc.level for lc in error.levels] == [report_pb2.LEVEL_ERROR]
    assert rep.parse_quality.multiline_records == 40  # each error with its two lines
    assert not [t for t in _texts(rep) if "DETAIL" in t or "STATEMENT" in t]


def test_a_label_line_after_the_indented_lines_of_its_event_is_still_a_field_of_it() -> None:
    """A deadlock's DETAIL goes on over tab-indented lines of no header (the other processes and their statements);
    the HINT, CONTEXT and STATEMENT lines after them repeat the error's prefix, not the indented line's: one record,
    whatever byte the file is cut into chunks at."""
    lines = _postgres(200)
    for i in (37, 112):
        while "duration" not in lines[i]:  # a record of one line, replaced by the deadlock's
            i += 1
        t = lines[i].split(" app@shop ")[0] + " app@shop"
        lines[i] = f"{t} ERROR:  deadlock detected"
        lines[i + 1 : i + 1] = [
            f"{t} DETAIL:  Process {4000 + i} waits for ShareLock on transaction 75{i}; blocked by process 61{i}.",
            f"\tProcess 61{i} waits for ShareLock on transaction 76{i}; blocked by process {4000 + i}.",
            f"\tProcess {4000 + i}: UPDATE accounts SET balance = balance - 10 WHERE id = {i}",
            f"{t} HINT:  See server log for query details.",
            f'{t} CONTEXT:  while updating tuple (0,{i}) in relation "accounts"',
            f"{t} STATEMENT:  UPDATE accounts SET balance = balance - 10 WHERE id = {i}",
        ]
    data = ("\n".join(lines) + "\n").encode()
    for chunks in ([data], [data[k : k + 97] for k in range(0, len(data), 97)]):
        rep = analyze(chunks)
        deadlock = next(t for t in rep.templates if t.text == "ERROR: deadlock detected")
        assert deadlock.count == 2
        assert not [t.text for t in rep.templates if "HINT" in t.text or "CONTEXT" in t.text]
        assert rep.record_count == 200


def test_a_label_line_of_another_process_or_time_is_a_record_of_its_own() -> None:
    lines = _postgres(200)
    at = lines.index(next(x for x in lines if "DETAIL" in x))
    lines[at] = lines[at].replace("[4002]", "[5555]")  # another process
    at = lines.index(next(x for x in lines[at + 1 :] if "DETAIL" in x))
    lines[at] = lines[at].replace(".", ".9", 1)  # another millisecond
    rep = _report(lines)
    # Each changed DETAIL line is a record, and so is the STATEMENT line after it, which repeats it no more.
    assert rep.record_count == 204
    assert sum(t.count for t in rep.templates if "DETAIL:" in t.text) == 2
    assert sum(t.count for t in rep.templates if "STATEMENT:" in t.text) == 2


def test_label_lines_of_one_second_are_records_of_their_own() -> None:
    """A kernel's boot lines share their second and their source ("kernel: ACPI: ...", "kernel: PCI: ..."): the
    same second is many emissions; only the same millisecond (or finer) makes a label's line a field of the line
    before."""
    lines = [f"Sep 24 10:20:{i // 10:02d} host kernel: ACPI: table {i} loaded" for i in range(60)]
    lines += [f"Sep 24 10:21:{i // 10:02d} host kernel: PCI: bus {i} found" for i in range(60)]
    rep = _report(lines)
    assert rep.record_count == 120


def test_a_runtimes_crash_report_is_a_record_of_its_own_not_the_logged_record_before_it() -> None:
    """Rust's panic hook, Go's runtime and the JVM's default handler of an uncaught exception write their crash
    report themselves, after whatever the program logged last: the report (its first line and the untimed lines
    after it) is one record of its own, an error."""
    for crash in (
        [
            "thread 'tokio-runtime-worker' panicked at src/handlers.rs:42:17:",
            "called `Option::unwrap()` on a `None` value",
            "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
        ],
        ["panic: runtime error: invalid memory address or nil pointer dereference", "goroutine 1 [running]:"],
        [
            'Exception in thread "main" java.lang.IllegalStateException: pool exhausted',
            "\tat com.example.Pool.take(Pool.java:42)",
            "\tat com.example.App.main(App.java:17)",
        ],
    ):
        lines = [
            f"[2026-11-30T10:{i // 60:02d}:{i % 60:02d}Z INFO  app::http] GET /api/orders 200 {i}ms" for i in range(100)
        ]
        lines[50:50] = crash
        rep = _report(lines)
        assert rep.record_count == 101, crash[0]
        crashed = [t for t in rep.templates if t.examples[0].line_number == 51]
        assert len(crashed) == 1 and crashed[0].count == 1, crash[0]
        assert crashed[0].max_level in (report_pb2.LEVEL_ERROR, report_pb2.LEVEL_FATAL), crash[0]
        assert [g.first_line for g in rep.exception_groups] == [51], crash[0]


def test_a_traceback_no_logged_record_carries_is_an_error() -> None:
    """Python's interpreter prints the traceback of an exception nothing caught: a record that opens with the
    banner (a file of one crash, or one under a journal's header) is an error. Under a record the program logged
    with its exception (Odoo logs a missing file's traceback at INFO) the traceback is that record's, at its level."""
    trace = ["Traceback (most recent call last):", '  File "/app/main.py", line 88, in <module>', "    main()"]
    rep = _report([*trace, "KeyError: 'dsn'"])
    assert [(t.count, t.max_level) for t in rep.templates] == [(1, report_pb2.LEVEL_ERROR)]
    head = "Sep 24 08:20:44 pop-os networkd-dispatcher[1412]: "
    lines = [f"Sep 24 08:20:{i:02d} pop-os systemd[1]: Started session {i} of user root." for i in range(40)]
    lines += [head + line for line in [*trace, "KeyError: 'dsn'"]]
    rep = _report(lines)
    crashed = [t for t in rep.templates if t.examples[0].line_number == 41]
    assert [(t.count, t.max_level) for t in crashed] == [(1, report_pb2.LEVEL_ERROR)]
    assert [(g.first_line, g.count) for g in rep.exception_groups] == [(41, 1)]
    lines = [f"{_stamp(i)} INFO odoo.addons.base: _read_file reading /srv/filestore/f{i}" for i in range(40)]
    lines[20:20] = [*trace, "FileNotFoundError: [Errno 2] No such file or directory: '/srv/filestore/f19'"]
    rep = _report(lines)
    assert [(t.count, t.max_level) for t in rep.templates] == [(40, report_pb2.LEVEL_INFO)]
    assert [(g.first_line, g.count) for g in rep.exception_groups] == [(20, 1)]


def test_an_exception_over_its_trace_with_no_header_is_an_error() -> None:
    """Node.js prints an exception nothing caught, its error's line flush left over its frames, no time, no level,
    before it exits ("TypeError: Cannot read properties of null (reading 'reservations')", "    at ..."); Unity's
    player log and a JVM's printStackTrace() write theirs so too: an error, where no logger wrote a header before
    it. A line of no header that names no exception's type over frames ("Stack: at ...") is no such record."""
    lines = [f"2024-05-21T08:00:{i:02d}.071Z info: request {i} served" for i in range(30)]
    lines += [
        "",
        "TypeError: Cannot read properties of null (reading 'reservations')",
        "    at releaseReservation (/app/src/services/inventory.js:88:28)",
        "    at listOnTimeout (node:internal/timers:573:17)",
        "",
        "Stack: at Worker.run (/app/src/worker.js:12:5)",
        "    at process.processTimers (node:internal/timers:514:7)",
        "",
    ]
    lines += [f"2024-05-21T08:01:{i:02d}.071Z info: request {i} served" for i in range(10)]
    rep = _report(lines)
    levels = {t.text.split(":")[0]: t.max_level for t in rep.templates}
    assert levels["TypeError"] == report_pb2.LEVEL_ERROR
    assert levels["Stack"] == report_pb2.LEVEL_UNSPECIFIED
    assert ("TypeError", 32) in [(g.exception_type, g.first_line) for g in rep.exception_groups]


def _logcat_crash(stamp: str, pid: int, frames: int) -> list[str]:
    head = f"09-26 15:19:{stamp}  {pid}  {pid} E AndroidRuntime: "
    return [
        head + "java.lang.RuntimeException: Unable to start activity ComponentInfo{com.example/com.example.Main}",
        *[head + f"\tat com.example.Main.step{k}(Main.java:{40 + k})" for k in range(frames)],
        head + "Caused by: java.lang.NullPointerException: Attempt to invoke virtual method on a null object",
        head + "\tat com.example.Main.onCreate(Main.java:42)",
        head + "\t... 10 more",
    ]


def test_a_trace_written_line_by_line_under_one_header_is_one_record() -> None:
    """A logger that writes a stack trace line by line writes its header before each line (Android's logcat: the
    same time, pid, tid, level and tag): a frame, "Caused by:" or "... N more" under the same header continues the
    record, joined as the trace's own line (its header left out), so the record reads as a trace with its root
    cause, though its lines run over a millisecond's edge; a frame under another header (another process) starts a
    record."""
    lines = [f"09-26 15:18:{i:02d}.100  1234  1250 I ActivityManager: heartbeat {i}" for i in range(40)]
    lines += _logcat_crash("07.300", 5678, 3)
    lines += [f"09-26 15:19:{10 + i:02d}.100  1234  1250 I ActivityManager: heartbeat {i}" for i in range(20)]
    crash = _logcat_crash("40.500", 5679, 2)
    crash[-2:] = [line.replace("40.500", "40.501") for line in crash[-2:]]  # a trace over a millisecond's edge
    lines += crash
    lines += ["09-26 15:19:41.000  5680  5680 E AndroidRuntime: \tat com.example.Other.run(Other.java:7)"]
    rep = _report(lines)
    assert rep.record_count == 40 + 1 + 20 + 1 + 1
    groups = [(g.exception_type, g.root_cause_type, g.count) for g in rep.exception_groups]
    assert groups == [("java.lang.RuntimeException", "java.lang.NullPointerException", 2)]
    assert {g.first_line for g in rep.exception_groups} == {41}
    trace = rep.exception_groups[0].example.text.split("\n")
    assert trace[1:5] == [  # the header left out, the trace's own indent kept
        "\tat com.example.Main.step0(Main.java:40)",
        "\tat com.example.Main.step1(Main.java:41)",
        "\tat com.example.Main.step2(Main.java:42)",
        "Caused by: java.lang.NullPointerException: Attempt to invoke virtual method on a null object",
    ]


def _erlang(stamp: str, pid: str, level: str, message: str) -> str:
    return f"2024-03-14 13:{stamp}+00:00 [{level}] {pid} {message}"


def test_lines_indented_under_one_header_are_one_event() -> None:
    """A logger that writes a multi-line event line by line writes its header before each line (Erlang's logger in a
    RabbitMQ node, logcat, the kernel through syslog): a line whose message stands in further than the event's first
    line's, under the same header in the same second, is a line of that event, its header left out; a line at the
    first line's indent, or under another process's header, starts a record."""
    lines = [
        _erlang(f"02:{i:02d}.{i:06d}", "<0.232.0>", "info", f"accepting AMQP connection <0.{900 + i}.0> (10.0.16.{i})")
        for i in range(40)
    ]
    event = [
        "crasher:",
        "  initial call: rabbit_channel:init/1",
        "  pid: <0.4235.0>",
        "  exception exit: {badarg,[{ets,lookup,[rabbit_exchange_serial]}]}",
        "    in function  gen_server2:terminate/3",
    ]
    lines += [_erlang("11:50.686796", "<0.4235.0>", "error", line) for line in event]
    lines += [_erlang("11:50.687151", "<0.4235.0>", "error", "  ancestors: [<0.4232.0>,rabbit_sup]")]  # a µs later
    lines += [_erlang("11:50.687151", "<0.4235.0>", "error", "neighbours: []")]  # at the event's own indent
    lines += [_erlang("11:50.690002", "<0.999.0>", "error", "  stray: another process")]  # another header
    lines += [
        _erlang(f"12:{i:02d}.{i:06d}", "<0.232.0>", "info", f"accepting AMQP connection <0.{990 + i}.0> (10.0.16.{i})")
        for i in range(20)
    ]
    rep = _report(lines)
    assert rep.record_count == 40 + 1 + 1 + 1 + 20
    crash = next(t for t in rep.templates if t.examples[0].line_number == 41)
    assert crash.text == "crasher:"
    # its next line under it, its header left out (an example shows a record's first lines)
    assert crash.examples[0].text.split("\n")[1] == "  initial call: rabbit_channel:init/1"
    assert not [t.text for t in rep.templates if any(w in t.text for w in ("pid:", "exit:", "function", "ancestors"))]
    assert crash.max_level == report_pb2.LEVEL_ERROR
    errors = sum(t.count for t in rep.templates if t.max_level == report_pb2.LEVEL_ERROR)
    assert errors == 3  # the event, "neighbours: []" and the other process's line


def test_lines_indented_under_one_header_a_millisecond_apart_are_one_event() -> None:
    """Flink logs its JVM's options one a line under "JVM Options:", each a log call of its own, the clock running
    on by a millisecond or two between them: the options are lines of that event all the same (the same logger and
    level in the same second, standing in further)."""
    head = "2024-03-14 09:58:{:02d},{:03d} INFO  org.apache.flink.runtime.entrypoint.ClusterEntrypoint        [] - {}"
    lines = [head.format(i // 10, i % 10 * 97, f"Loading configuration property: key.{i}, {i}") for i in range(30)]
    options = ["    -Xmx1073741824", "    -Xms1073741824", "    -XX:MaxMetaspaceSize=268435456"]
    lines += [head.format(31, 714, " JVM Options:")]
    lines += [head.format(31, 715 + k, option) for k, option in enumerate(options)]
    lines += [
        head.format(32 + i // 10, i % 10 * 97, f"Loading configuration property: key.{i}, {i}") for i in range(10)
    ]
    rep = _report(lines)
    assert rep.record_count == 30 + 1 + 10
    assert not [t.text for t in rep.templates if "-Xm" in t.text or "MaxMetaspace" in t.text]


def test_a_column_left_empty_is_no_indent() -> None:
    """Windows' setupact.log pads a component column ("..., Info                  SP     Setup phase change: ...")
    and leaves it blank where a line has none: its message then starts where the others' messages stand after the
    component, which is no indent under the line before (the lines were glued to it, three to a record); a line
    indented past that column still is."""
    at = "2024-03-12 14:02:{:02d}, Info       {:<10} {:<6} {}"
    lines = [at.format(0, "", "SP", "Setup phase change: [UNKNOWN] -> [DOWNLEVEL]")]
    lines += [at.format(0, "", "", f"Setup Host: {what}") for what in ("Initializing", "Host version: 10.0.22621")]
    lines += [at.format(0, "", "", "    /Install /Media /Quiet")]  # past the column: a line of the one before
    components = [("", "MOUPG"), ("", "SP"), ("", "CONX"), ("[0x080489]", "MIG")]
    for i in range(40):
        tag, component = components[i % 4]
        lines.append(at.format(1 + i // 4, tag, component, f"{component}::Step{i % 7}: step {i} done"))
    rep = _report(lines)
    assert rep.record_count == len(lines) - 1
    hosts = [t for t in rep.templates if t.text.startswith("Setup Host:")]
    assert sum(t.count for t in hosts) == 2, [t.text for t in rep.templates]


def test_a_padded_column_a_one_blank_lead_or_a_banner_rule_is_no_indent() -> None:
    """A level padded to its column's width stands every message of that level in alike ("INFO     message"); a
    message that opens with one blank more (a banner's line) and the title under a banner's rule of dashes are
    messages of their own, though the file's logger indents the lines of its events ("Config:" and its fields)."""
    at = "2024-03-01 10:00:00,{:03d} {:<8s} {}"
    lines = [at.format(i, "INFO", f"task {i} done in {i % 13} ms") for i in range(30)]
    lines += [at.format(30, "INFO", "Config:"), at.format(30, "INFO", "  path: /etc/app.yaml")]
    lines += [at.format(31, "WARNING", "disk almost full"), at.format(31, "WARNING", "disk usage 91%")]
    lines += [at.format(32, "INFO", "-" * 40), at.format(32, "INFO", "  Scheduler at: tcp://10.0.0.1:8786")]
    lines += [at.format(32, "INFO", "  Dashboard at: http://10.0.0.1:8787"), at.format(32, "INFO", "-" * 40)]
    lines += [at.format(33, "INFO", " Starting StandaloneSessionClusterEntrypoint")]
    lines += [at.format(40 + i, "INFO", f"task {i} done in {i % 13} ms") for i in range(10)]
    rep = _report(lines)
    assert rep.line_count == len(lines)
    assert rep.record_count == len(lines) - 1  # only the config's field joins its event
    config = next(t for t in rep.templates if t.examples[0].line_number == 31)
    assert config.examples[0].text.endswith("INFO     Config:\n  path: /etc/app.yaml")


def test_a_jvm_frame_that_names_its_module_or_a_synthetic_class_is_a_frame() -> None:
    """Since Java 9 a frame names the class loader and the module before the class ("at java.base/sun.nio.ch.Net.
    pollConnect(", "at app//com.example.Main.main(", "at java.base@17.0.2/..."), and a synthetic lambda's class holds
    "-" ("-$$Lambda$"). A framework's error, a blank line, then its root cause's trace whose first frame is the JDK's
    (a refused connection is thrown inside java.base): the trace belongs to the error, as one of a class's frames
    would; it was a record of its own, no level, the error's cause cut from it."""
    error = (
        f"{_stamp(40)} ERROR [exec-1] dispatcher: Servlet.service() threw exception [Request processing failed:"
        " org.example.ClientException: upstream unavailable] with root cause"
    )
    trace = [
        "java.net.ConnectException: Connection refused",
        "\tat java.base/sun.nio.ch.Net.pollConnect(Native Method)",
        "\tat java.base@17.0.2/sun.nio.ch.NioSocketImpl.connect(NioSocketImpl.java:672)",
        "\tat org.example.http.-$$Lambda$Client$1.run(Unknown Source:4)",
        "\tat app//org.example.http.Client.send(Client.java:88)",
    ]
    lines = [*_lines(40), error, "", *trace, *_lines(10)]
    rep = _report(lines)
    (g,) = rep.exception_groups
    assert (g.exception_type, g.root_cause_type, g.count) == (
        "org.example.ClientException",
        "java.net.ConnectException",
        1,
    )
    assert "Servlet.service() threw exception" in {t.id: t.text for t in rep.templates}[g.template_id]
    assert rep.record_count == 40 + 1 + 10


def _core_dump(minute: int, pid: int) -> list[str]:
    head = f"Dec 05 10:{minute:02d}:13 tp-x1 systemd-coredump[{pid}]: "
    pad = " " * len(head)
    out = [head + f"Process {pid - 100} (nautilus) of user 1000 dumped core.", ""]
    out += [pad + f"Module lib{name}.so.0 from deb {name}-2.72.4-0ubuntu2.4.amd64" for name in ("gtk", "gio", "glib")]
    for thread in (pid - 100, pid - 97):
        out += [pad + f"Stack trace of thread {thread}:"]
        out += [pad + f"#{k:<2d} 0x00007f0a{k * 4099:08x} fn_{k} (libglib-2.0.so.0 + 0x{k * 911:x})" for k in range(9)]
        out += [""]
    return out[:-1]


def test_lines_under_a_journal_messages_column_are_that_message_with_its_empty_lines() -> None:
    """journalctl writes the later lines of a multi-line message under its first, its header's width of blanks
    before each, and the message's empty lines as blanks (trimmed on the way: empty): systemd-coredump's report, its
    modules and a stack per thread. Most of the file's lines have no time: they are still that message's lines, the
    empty ones too; an empty line before lines at another depth still ends a record."""
    lines = [f"Dec 05 10:{i // 6:02d}:{i % 6 * 10:02d} tp-x1 systemd[1]: Started session-{i}.scope." for i in range(20)]
    lines += _core_dump(4, 18312)
    lines += ["Dec 05 10:05:00 tp-x1 systemd[1]: Started session-21.scope.", "", "  a note of no time"]
    lines += _core_dump(6, 19420)
    lines += ["Dec 05 10:07:00 tp-x1 systemd[1]: Started session-22.scope."]
    rep = _report(lines)
    assert rep.line_count == len(lines)
    assert rep.record_count == 20 + 1 + 1 + 1 + 1 + 1  # "a note of no time" after an empty line: a record
    dumped = next(t for t in rep.templates if "dumped core" in t.text)
    assert (dumped.count, [e.line_number for e in dumped.examples]) == (2, [21, 21 + 26 + 3])
    assert not [t.text for t in rep.templates if "fn_" in t.text or "Module" in t.text or "Stack trace" in t.text]


def _journal_traceback(second: int, pid: int, error: str) -> list[str]:
    head = f"May 01 10:05:{second:02d} host app[{pid}]: "
    return [
        head + "Traceback (most recent call last):",
        head + '  File "/usr/lib/python3/dist-packages/app/main.py", line 31, in <module>',
        head + "    main()",
        head + '  File "<frozen importlib._bootstrap>", line 1176, in _find_and_load',  # no code line under it
        head + '  File "/usr/lib/python3/dist-packages/app/db.py", line 9, in connect',
        head + "    raise ConnectionError(host)",
        head + error,
    ]


def test_a_python_traceback_written_line_by_line_under_one_header_is_one_record() -> None:
    """A service's stderr through syslog or the journal: each line of a Python traceback under the same header. Its
    banner and "File" frames are trace lines; the code line under a frame (indented) and the exception's last line
    after them are told by the line before; the record ends there, so the next line under the same header ("Retrying
    in 5 s") is a record of its own, and so is a traceback under another process's header."""
    lines = [f"May 01 10:04:{i:02d} host app[812]: processed batch {i} in 12 ms" for i in range(40)]
    lines += ["May 01 10:05:01 host app[812]: failed to open the database", *_journal_traceback(1, 812, "")]
    lines[-1] += "ConnectionError: db1.internal:5432"
    lines += ["May 01 10:05:01 host app[812]: Retrying in 5 s"]
    lines += [f"May 01 10:05:{10 + i:02d} host app[812]: processed batch {i} in 12 ms" for i in range(10)]
    lines += _journal_traceback(30, 913, "KeyboardInterrupt")
    lines += ["May 01 10:05:31 host app[913]: processed batch 1 in 9 ms"]
    rep = _report(lines)
    assert rep.record_count == 40 + 1 + 1 + 10 + 1 + 1
    groups = [(g.exception_type, g.message, g.first_line, g.count) for g in rep.exception_groups]
    assert sorted(groups) == [("ConnectionError", "db1.internal:5432", 41, 1), ("KeyboardInterrupt", "", 60, 1)]
    by_type = {g.exception_type: g for g in rep.exception_groups}
    assert list(by_type["ConnectionError"].top_frames)[:2] == [
        "db.py:connect",
        "<frozen importlib._bootstrap>:_find_and_load",
    ]
    assert by_type["ConnectionError"].example.text.split("\n")[1:3] == [
        "Traceback (most recent call last):",
        '  File "/usr/lib/python3/dist-packages/app/main.py", line 31, in <module>',
    ]
    texts = {t.text for t in rep.templates}
    assert "Retrying in <*> s" in texts and not any("File" in t or "main()" in t for t in texts)
    # Chunked reading (every cut) agrees: see test_chunks's journal-python case.


def test_a_chained_python_traceback_under_one_header_is_one_record_with_its_root_cause() -> None:
    """requests over urllib3: a traceback, "During handling of the above exception, another exception occurred:" and
    a second traceback, each line under the same header (the journal drops the blank lines between them): one
    record, logged as the line before it, its exception the last one and its root cause the first."""
    head = "May 01 10:05:01 host app[123]: "
    trace = [
        "Traceback (most recent call last):",
        '  File "/usr/lib/python3/dist-packages/urllib3/connection.py", line 174, in _new_conn',
        "    conn = connection.create_connection(",
        "ConnectionRefusedError: [Errno 111] Connection refused",
        "During handling of the above exception, another exception occurred:",
        "Traceback (most recent call last):",
        '  File "/usr/lib/python3/dist-packages/requests/adapters.py", line 489, in send',
        "    resp = conn.urlopen(",
        "requests.exceptions.ConnectionError: HTTPConnectionPool(host='db', port=80): Max retries exceeded",
    ]
    lines = [f"May 01 10:04:{i:02d} host app[123]: processed batch {i}" for i in range(30)]
    lines += [head + "fetch failed", *(head + line for line in trace), head + "Retrying in 5 s"]
    rep = _report(lines)
    assert rep.record_count == 30 + 1 + 1
    (g,) = rep.exception_groups
    assert (g.exception_type, g.root_cause_type, g.first_line) == (
        "requests.exceptions.ConnectionError",
        "ConnectionRefusedError",
        31,
    )
    assert {t.id: t.text for t in rep.templates}[g.template_id] == "fetch failed"


def _framework_error(i: int) -> list[str]:
    """A web framework's error as Spring Boot writes it: the failed request at ERROR, "with root cause", a blank
    line, then the root cause's trace (its header, an indented detail, its frames)."""
    return [
        f"{_stamp(i)} ERROR [exec-{i % 4}] dispatcher: Servlet.service() threw exception [Request processing failed:"
        " org.example.DataIntegrityViolationException: could not execute statement] with root cause",
        "",
        'org.example.db.PSQLException: ERROR: duplicate key value violates unique constraint "orders_pkey"',
        "  Detail: Key (id)=(1842) already exists.",
        "\tat org.example.db.QueryExecutor.receiveErrorResponse(QueryExecutor.java:2725)",
        "\tat org.example.orders.OrderService.create(OrderService.java:58)",
    ]


def test_a_trace_after_a_blank_line_under_an_error_belongs_to_it_however_the_input_is_cut() -> None:
    # The blank line between the logged error and its root cause's trace does not end the record: one error, its
    # exception the framework's with the root cause; line numbers still count the blank. After an INFO record, a
    # blank line still ends it (a trace there is no part of a routine message). The same however the input is
    # cut: at the start of each line around the error, or inside one.
    lines = _lines(40) + _framework_error(40) + _lines(10)
    lines += [f"{_stamp(60)} INFO dispatcher: request served", "", *_framework_error(61)[2:]]
    lines += [f"{_stamp(62)} INFO dispatcher: closing"]
    error_at = 45  # _lines(40) takes 44 lines
    served = next(n for n, x in enumerate(lines, 1) if "request served" in x)
    data = "\n".join(lines) + "\n"
    starts = [sum(len(x) + 1 for x in lines[: n - 1]) for n in range(error_at, error_at + 7)]
    for cut in [None, *starts, starts[0] + 30, starts[2] + 10, starts[4] + 5]:
        pieces = [data.encode()] if cut is None else [data[:cut].encode(), data[cut:].encode()]
        rep = analyze(pieces)
        assert rep.line_count == len(lines), cut
        errors = [t for t in rep.templates if "Servlet.service()" in t.text]
        assert [(t.count, t.first_line) for t in errors] == [(1, error_at)], (cut, [t.text for t in rep.templates])
        assert not [t for t in rep.templates if t.first_line == error_at + 2], cut  # the trace is no record
        groups = [g for g in rep.exception_groups if g.first_line == error_at]
        assert len(groups) == 1 and groups[0].root_cause_type == "org.example.db.PSQLException", (cut, groups)
        assert any(t.first_line == served + 2 for t in rep.templates), cut  # after INFO: a record of its own
        closing = [t.first_line for t in rep.templates if t.text.endswith("closing")]
        assert closing == [len(lines)], cut  # the line numbers after both blanks still match


def test_a_trace_after_a_blank_line_under_an_error_other_lines_continue_is_a_record_of_its_own() -> None:
    # A runtime's crash report (its source line, the code, a caret) after the last logged error, a blank line, then
    # the uncaught exception's trace: the report is a record of its own from its source line on, the blank line
    # after its caret inside it, and an exception of its own (V8's frame "at TCPConnectWrap.afterConnect [as
    # oncomplete] (...)" is a frame); the logged error's record is its line alone.
    lines = [*_lines(40), f"{_stamp(40)} ERROR worker: request failed"]
    lines += [
        "node:internal/process/promises:288",
        "            triggerUncaughtException(err, true);",
        "            ^",
        "",
    ]
    lines += [
        "Error: connect ECONNREFUSED 10.0.5.9:5432",
        "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)",
    ]
    rep = _report(lines)
    report_at = len(lines) - 5  # its source line: 6 lines from the end
    assert [(t.first_line, t.text) for t in rep.templates if t.first_line >= report_at - 1] == [
        (report_at - 1, "request failed"),
        (report_at, "Error: connect ECONNREFUSED <*>:<*>"),  # what the report says, not where (its first line)
    ]
    groups = [(g.exception_type, g.first_line) for g in rep.exception_groups]
    assert groups == [("Error", report_at)], groups


def test_a_record_without_a_time_takes_the_time_before_it_whatever_the_share_of_such_records() -> None:
    """``_carry_forward`` fills each None with the time before it (the block's first ones with the last time of the
    blocks before), stepping over the fewer kind: the same as a plain walk over the list for every mix."""
    import random

    from loglens_analysis.engine.analyzer import _carry_forward

    rng = random.Random(5)
    for n in (0, 1, 2, 7, 50, 400):
        for share in (0.0, 0.1, 0.5, 0.9, 1.0):
            for last in (None, 12.5):
                times = [None if rng.random() < share else float(rng.randrange(100)) for _ in range(n)]
                want, prev = [], last
                for t in times:
                    prev = prev if t is None else t
                    want.append(prev)
                got = list(times)
                _carry_forward(got, times.count(None), last)
                assert got == want, (n, share, last)


def test_a_name_assigned_a_date_under_a_timed_record_continues_it_and_gives_no_time() -> None:
    # Airflow prints the task's environment under "Exporting the following env vars:", one "NAME=value" per line;
    # the execution date is a day before the run. That date is what the line says, not when it was written: it
    # neither opens a record nor moves the file's time range back a day. A line of its own time ("time=...") still
    # has its time.
    lines = []
    for run in range(3):
        base = 600 * run
        lines.append(f"[{_stamp(base)}] {{python_operator.py:114}} INFO - Exporting the following env vars:")
        lines += ["AIRFLOW_CTX_DAG_ID=sales_etl", "AIRFLOW_CTX_EXECUTION_DATE=2024-02-29T00:00:00+00:00"]
        lines += [f"[{_stamp(base + 1 + i)}] {{logging_mixin.py:112}} INFO - Loaded batch {i}" for i in range(30)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 93
    assert rep.time_range.start_time.ToJsonString() == "2024-03-01T10:00:00Z"
    assert rep.parse_quality.out_of_order_records == 0


def test_a_dumped_events_quoted_date_under_another_name_continues_the_record_and_gives_no_time() -> None:
    # ESXi's hostd dumps the event a record posts under it, one '-->    name = value,' per line; its createdTime is
    # "1970-01-01T00:00:00Z" (unset). The quoted date is a value the dump states, given to another name than the
    # record's time: it neither opens a record nor moves the file's start back to 1970 (a span of 20,062 days).
    # A quoted date given to a name of the record's own time still is one.
    lines = []
    for k in range(30):
        lines.append(
            f"{_stamp(10 * k)} warning hostd[2099123] [Originator@6876 sub=Vprob] Post event {k}: (vim.Event) {{"
        )
        lines += [
            "-->    key = 868, ",
            '-->    createdTime = "1970-01-01T00:00:00Z", ',
            '-->    userName = "", ',
            "--> }",
        ]
        lines += [
            f"{_stamp(10 * k + j)} info hostd[2099123] [Originator@6876 sub=Vimsvc] task {j} done" for j in (1, 2)
        ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 90, rep.record_count
    assert rep.time_range.start_time.ToJsonString() == "2024-03-01T10:00:00Z"
    assert rep.parse_quality.out_of_order_records == 0
    from loglens_analysis.engine.timestamps import gives_other_time

    assert gives_other_time('-->    createdTime = "') and gives_other_time("  deadline = ")
    assert not gives_other_time('{"TimeCreated": "') and not gives_other_time("level=info ts=")
    assert not gives_other_time('  time = "') and not gives_other_time("VALUES (981273, ")


def test_a_run_of_untimed_lines_that_each_state_the_records_level_are_records_of_their_own() -> None:
    """NCCL writes "host:pid:tid [dev] NCCL INFO ..." with no time among a launcher's timed INFO lines: a line stating
    the level of the timed record above it restates that record only alone or nearly so; a run of them are records."""
    lines = []
    for k in range(40):
        lines += [f"{_stamp(k * 10 + j)} INFO train: step {k * 10 + j} loss 3.{j}" for j in range(9)]
        lines.append(f"{_stamp(k * 10 + 9)} INFO launch: Starting rank group {k}")
        lines += [f"gpu-h100-03:{31000 + j}:{31000 + j} [{j}] NCCL INFO Channel {j:02d}/32 : 0[{j}] -> 1[{j}] via P2P"
                  for j in range(6)]  # fmt: skip
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 40 * 16, rep.record_count


def test_a_line_stating_a_level_below_a_record_of_none_is_a_record_past_its_second_line() -> None:
    """A CI console: timed lines of no level ("[2026-03-12T14:04:00.337Z] Slack Send ..."), its untimed step lines
    ("[Pipeline] }") under them, then "ERROR: script returned exit code 1" and "Finished: FAILURE": the build's
    failure (it was glued into the Slack step's record, counted nowhere). A level on a record's second line is still
    the record's (java.util.logging's two-line header: ``test_a_two_line_header_...`` in test_reading.py)."""
    lines = []
    for i in range(30):
        for k in range(4):
            lines.append(f"[2026-03-12T14:0{i // 10}:{i % 10}{k}.120Z] Running step {i}.{k} on build-agent-{i % 3}")
        lines += ["[Pipeline] }", "[Pipeline] // stage"]
    lines += ["[Pipeline] End of Pipeline", "ERROR: script returned exit code 1", "Finished: FAILURE"]
    rep = _report(lines)
    levels = {lc.level for t in rep.templates for lc in t.levels if lc.count}
    assert report_pb2.LEVEL_ERROR in levels
    failed = [t for t in rep.templates if t.text.startswith("script returned exit code")]
    assert failed and failed[0].first_line == len(lines) - 1, _texts(rep)


def test_an_untimed_line_tagged_for_another_source_is_no_line_of_a_tagged_record() -> None:
    """Rails' tagged logging in a container's stdout with Puma's master: a request's lines each open with its
    "[request-id]" (the exception under a FATAL record too), Puma's with "[1]" (its pid). "[1] ! Terminating timed out
    worker" was glued into the request's record before it; the exception's own tagged lines stay in theirs."""
    lines = []
    for i in range(40):
        rid = f"{i:08x}-6e42-23c1-791d-15a8f75a3b0e"
        head = f"2026-09-08T14:0{i // 20}:{i % 20 * 3:02d}.422497 #18]"
        lines.append(f'I, [{head}  INFO -- : [{rid}] Started GET "/orders" for 10.0.3.{i} at 2026-09-08')
        if i % 10 == 9:
            lines.append(f"F, [{head} FATAL -- : [{rid}]   ")
            lines.append(f"[{rid}] ActiveRecord::ConnectionTimeoutError (could not obtain a connection)")
            lines.append(f"[{rid}] app/models/order.rb:41:in `recent_for'")
            lines.append(f"[1] ! Terminating timed out worker (Worker {i % 4} failed to check in within 60 seconds)")
        else:
            lines.append(f"I, [{head}  INFO -- : [{rid}] Completed 200 OK in {i}ms")
    rep = _report(lines)
    told = [t for t in rep.templates if "Terminating timed out worker" in t.text]
    assert told and told[0].count == 4 and told[0].first_line == 23, _texts(rep)
    fatal = [t for t in rep.templates if t.text.startswith("ActiveRecord::ConnectionTimeoutError")]
    assert fatal and fatal[0].count == 4
    assert rep.record_count == 84  # each exception's two tagged lines joined under its header: 92 lines


def test_a_header_only_line_is_continued_over_blank_lines_by_the_message_and_trace_it_announced() -> None:
    """Play's error handler: "[...] [ERROR] [play.api.http.DefaultHttpErrorHandler] [] [dispatcher-8] - " (its header
    only), a blank line, "! @8k2m78445 - Internal server error, for (POST) [/orders/7/confirm] ->", a line of one
    blank, then the exception and its frames. Each error was three records (an ERROR of no text, the "!" line, the
    trace of no time); it is one, told by its message line, its exception read."""
    lines = []
    for i in range(100):
        stamp = f"[2026-04-02 16:{20 + i // 60}:{i % 60:02d},137]"
        said = (f"Order {i} confirmed", f"Cart {i} saved in {i % 7} ms", "Cluster is healthy")[i % 3]
        lines.append(f"{stamp} [INFO] [orders.OrderController] [akka://orders] [dispatcher-{i % 4}] - {said}")
        if i % 40 == 5:
            lines += [
                f"{stamp} [ERROR] [play.api.http.DefaultHttpErrorHandler] [] [dispatcher-8] - ",
                "",
                f"! @8k2m7{i:04d} - Internal server error, for (POST) [/orders/{i}/confirm] ->",
                " ",
                "play.api.UnexpectedException: Unexpected exception[AskTimeoutException: Ask timed out]",
                "\tat play.api.http.HttpErrorHandlerExceptions$.throwableToUsefulException(HttpErrorHandler.scala:358)",
                "\tat play.api.http.DefaultHttpErrorHandler.onServerError(HttpErrorHandler.scala:264)",
            ]
    rep = _report(lines)
    assert rep.record_count == 103
    assert rep.parse_quality.timestamp_share == 1.0
    failed = [t for t in rep.templates if t.text.startswith("! @<*> - Internal server error")]
    assert failed and failed[0].count == 3, _texts(rep)
    claims = [c.text for c in rep.summary.claims]
    assert any(c.startswith("3 x play.api.UnexpectedException: ") for c in claims), claims


def _server_run(start: int, records: int) -> list[str]:
    banner = [
        "==> Secret server configuration:",
        "",
        "             Api Address: https://secrets-0.internal:8200",
        "                 Storage: raft (HA available)",
        "                 Version: Secret v1.15.2",
        "",
        "==> Secret server started! Log data will stream in below:",
        "",
    ]
    lines = []
    for i in range(records):
        t = start + 37 * i
        stamp = f"2024-03-12T{t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}.{i % 1000:03d}Z"
        said = (f"expiration: revoked lease: lease_id=database/creds/orders-rw/{i * 7919}", "core: leadership lost")
        lines.append(f"{stamp} [{('INFO', 'WARN')[i % 9 == 4]}]  {said[i % 9 == 4]}")
    return banner + lines


def test_a_banner_the_file_opens_with_written_again_is_a_record_not_the_last_records_line() -> None:
    """A server prints an untimed banner before its first timed line; stopped and started again, it prints it again
    right after its last timed line of the first run. Those lines are the restart's records (its banner again), not
    lines of the timed record before them, whichever chunk the file is cut into."""
    first = _server_run(7 * 3600, 300)
    stop = "2024-03-12T10:05:19.269Z [INFO]  core: vault is sealed"
    text = "\n".join([*first, stop, *_server_run(10 * 3600 + 60, 300)]) + "\n"
    data = text.encode()
    for chunks in ([data], [data[k : k + 4093] for k in range(0, len(data), 4093)]):
        rep = analyze(chunks)
        started = next(t for t in rep.templates if t.text.startswith("==> Secret server started!"))
        assert started.count == 2
        (restart,) = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_RESTART]
        lines = text.split("\n")
        assert restart.line_numbers[0] == lines.index("==> Secret server configuration:", 1) + 1, restart.description


def test_a_python_exceptions_message_goes_on_over_a_blank_line_to_the_next_timed_record() -> None:
    # SQLAlchemy's error message: the driver's ("duplicate key ...", psycopg2's DETAIL, or its "\tIs the server
    # running ...?") ends with a newline, then "[SQL: ...]", "[parameters: ...]" and "(Background on this error at:
    # ...)": lines of the exception, after a blank one. They were records of their own, the last one ERROR for its
    # word "error" (24 of them in a server's log, a summary line).
    lines = []
    for k in range(30):
        lines += [f"{_stamp(30 * k + j)} INFO app.server: request {k}.{j} served" for j in range(20)]
        lines.append(f"{_stamp(30 * k + 25)} ERROR app.server: Exception on /api/runs [POST]")
        lines += ["Traceback (most recent call last):", '  File "/app/store.py", line 1020, in log_batch']
        lines.append("    raise MlflowException(e, INTERNAL_ERROR)")
        if k % 2:
            lines.append('sqlalchemy.exc.IntegrityError: (psycopg2.errors.UniqueViolation) duplicate key "param_pk"')
            lines.append(f"DETAIL:  Key (key, run_uuid)=(lr, {k:08x}) already exists.")
        else:
            lines.append('sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to "db" failed')
            lines.append("\tIs the server running on that host and accepting TCP/IP connections?")
        lines += ["", "[SQL: INSERT INTO params (key, value) VALUES (%(key)s, %(value)s)]"]
        lines += [
            f"[parameters: {{'key': 'lr', 'value': '0.{k}'}}]",
            "(Background on this error at: https://sqlalche.me/e/20/gkpj)",
        ]
    rep = _report(lines)
    assert rep.record_count == 630, rep.record_count
    assert not [t for t in _texts(rep) if "SQL" in t or "Background" in t or "parameters" in t], _texts(rep)
    assert sorted((g.exception_type, g.count) for g in rep.exception_groups) == [
        ("sqlalchemy.exc.IntegrityError", 15),
        ("sqlalchemy.exc.OperationalError", 15),
    ]


def test_a_level_under_a_blank_time_column_is_a_record_of_its_own() -> None:
    """RichHandler leaves the time column blank where the time repeats: "                    INFO     Batch 7 done"
    under "[12/05/26 06:30:31] INFO     HTTP Request: ...". The level at the timed line's level column makes the line
    a record of that time (such lines were glued to the record above, its template the first line's alone). A
    message wrapped under the message column still goes on its record."""
    lines = []
    for i in range(60):
        t = f"[12/05/26 06:{30 + i // 60:02d}:{i % 60:02d}]"
        blank = " " * len(t)
        lines.append(f"{t} INFO     Processing batch {48000 + i} with {i % 40} items         worker.py:118")
        lines.append(f"{t} INFO     HTTP Request: POST http://pricing:8080/v1/quote 200    _client.py:1729")
        lines.append(f"{blank} INFO     Batch {48000 + i} done in 0.{i % 9}s                      worker.py:171")
        if i % 20 == 4:
            lines.append(f"{blank} WARNING  Slow response from pricing for batch {48000 + i};  worker.py:151")
            lines.append(f"{blank}          consider lowering concurrency")
    rep = _report(lines)
    counts = {t.text: t.count for t in rep.templates}
    assert rep.record_count == 183, counts
    assert counts["Batch <*> done in <*> worker.py:<*>"] == 60, counts
    slow = next(t for t in rep.templates if t.text.startswith("Slow response"))
    assert slow.count == 3 and slow.text.endswith("consider lowering concurrency"), slow.text


def test_an_error_chain_after_a_blank_line_under_caused_by_is_the_records() -> None:
    """Rust's anyhow (and eyre) writes an error's chain after a blank line: "Caused by:" alone on its line, the causes
    indented under it. The chain was a record of its own: "Caused by:" an ERROR template of 33 records that led the
    summary, the error it explains split from it."""
    lines = []
    for i in range(30):
        lines.append(
            f"2024-05-14T10:{i:02d}:17.907259+02:00 INFO  [tokio-runtime-worker] ingestd::pipeline:142 - flushed {i}"
        )
        if i % 3 == 0:
            lines += [
                f"2024-05-14T10:{i:02d}:18.1+02:00 ERROR [tokio-runtime-worker] ingestd::sink:97 - sink unavailable",
                "",
                "Caused by:",
                "    0: client error (Connect)",
                "    1: tcp connect error: Connection refused (os error 111)",
            ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 40
    assert not any(t.text.startswith("Caused by") for t in rep.templates)


def test_indented_lines_that_open_with_a_date_and_clock_are_records_after_an_unindented_line() -> None:
    """HashiCorp's agents (Nomad, Consul, Vault) indent every log line under the "==> ..." lines they write to the
    console. After "==> Caught signal: interrupt" the agent's indented shutdown lines were that line's continuation,
    and the whole was glued to the warning before it: seven records and the stop they tell were gone."""

    def line(t: str, level: str, message: str) -> str:
        return f"    2024-05-14T13:13:{t}Z [{level}]{' ' * (5 - len(level))} {message}"

    run = "client.alloc_runner.task_runner"
    alloc = "alloc_id=262c1d9c-88d0-74cc-d53d-33516248dfc0 task=api"
    lines = [
        line("21.872", "INFO", f'{run}: restarting task: {alloc} reason="Restart within policy" delay=17s'),
        line("34.324", "ERROR", f'{run}: running driver failed: {alloc} error="Failed to pull image"'),
        line("34.324", "INFO", f'{run}: Task event: {alloc} type="Driver Failure" msg="Failed to pull" failed=false'),
        line("34.324", "INFO", f'{run}: restarting task: {alloc} reason="Restart within policy" delay=16s'),
        line("39.324", "ERROR", 'client.rpc: error performing RPC to server: error="rpc error: failed to get conn"'),
        line("39.324", "ERROR", 'client: error heartbeating. retrying: error="failed to update status"'),
        line("41.324", "WARN", "client.server_mgr: no servers available"),
        "==> Caught signal: interrupt",
        line("49.324", "INFO", "agent: requesting shutdown"),
        line("49.324", "INFO", "client: shutting down"),
        line("49.324", "INFO", "client.plugin: shutting down plugin manager: plugin-type=device"),
        line("49.324", "INFO", "client.plugin: plugin manager finished: plugin-type=device"),
        line("49.344", "INFO", "agent: shutdown complete"),
        "==> Loaded configuration from /etc/nomad.d/nomad.hcl, /etc/nomad.d/client.hcl",
        "==> Starting Nomad agent...",
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == len(lines) - 3, rep.record_count  # the "==>" lines continue the timed ones before
    assert any(t.text.endswith("shutdown complete") and t.count == 1 for t in rep.templates), rep.templates


def test_a_number_far_into_a_line_under_a_record_is_no_time_where_the_files_layout_has_none_there() -> None:
    """SQLAlchemy's error under a Python record lists the statement's parameters, an epoch among them ("[parameters:
    (None, '21.4', ..., 1710404471.221374, 1234567, ...)]"). Where the file's records share a header, a stamp that far
    into a line stands in a column only on a line one of the file's layouts explains: this line is what the error
    says, a line of its record, not a record of its own dated by the parameter."""
    lines = [f"2024-03-14 09:{i // 60:02d}:{i % 60:02d}.411 INFO (MainThread) [app.core] tick {i}" for i in range(40)]
    lines += [
        "2024-03-14 09:00:41.411 ERROR (Recorder) [app.recorder] Error executing query: database is locked",
        "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked",
        "[SQL: INSERT INTO states (entity_id, state, last_updated_ts, old_state_id) VALUES (?, ?, ?, ?)]",
        "[parameters: (None, '21.4', None, None, None, None, None, 1710404471.221374, 1234567, 884, None, 12)]",
        "(Background on this error at: https://sqlalche.me/e/20/e3q8)",
    ]
    lines += [f"2024-03-14 09:01:{i:02d}.411 INFO (MainThread) [app.core] tick {i}" for i in range(10)]
    rep = _report(lines)
    assert rep.record_count == 51
    assert rep.parse_quality.out_of_order_records == 0
    assert rep.parse_quality.timestamp_share == 1.0


def test_a_journals_boot_marker_is_a_record_of_its_own() -> None:
    """journalctl writes "-- Boot <id> --" (or "-- Reboot --") between a machine's boots: a separator of the output's
    parts, not a line of the record before it (it was glued to the error the machine logged before it went down)."""
    lines = [f'Dec 05 07:{i:02d}:10 gw-edge1 sshguard[802]: Attack from "10.0.0.{i}" on service 100' for i in range(30)]
    lines += ["Dec 05 07:31:00 gw-edge1 sshguard[802]: fw: failed to block 10.0.0.9 (exit status 1)"]
    lines += ["-- Boot 8e1f4c2ab7d94f0c9a3e21d6b5c87f10 --"]
    lines += [
        f'Dec 05 07:{40 + i:02d}:10 gw-edge1 sshguard[611]: Attack from "10.0.1.{i}" on service 100' for i in range(10)
    ]
    rep = _report(lines)
    assert rep.record_count == 42
    (failed,) = [t for t in rep.templates if t.text.startswith("fw: failed")]
    assert "\n" not in failed.examples[0].text
    assert [t.count for t in rep.templates if t.text.startswith("-- Boot")] == [1]


def test_a_build_date_inside_a_banner_line_is_not_the_records_time() -> None:
    """A server's start banner names its kernel's build: uWSGI's "os: Linux-5.15.0-1051-aws #56-Ubuntu SMP Thu Jan 4
    17:24:04 UTC 2024" among untimed banner lines, its requests timed in March. The date was the record's time: the
    file spanned 69 days and the untimed records after it were dated in January. A date inside a line's text that
    goes back a day or more from the records before it is what the line says."""
    lines = ["*** Starting uWSGI 2.0.23 (64bit) on [Thu Mar 14 13:02:41 2024] ***"]
    lines += ["compiled with version: 12.2.0", "os: Linux-5.15.0-1051-aws #56-Ubuntu SMP Thu Jan 4 17:24:04 UTC 2024"]
    lines += ["nodename: web-01", "detected number of CPU cores: 2"]
    lines += [f"2024-03-14 13:{3 + i // 60:02d}:{i % 60:02d} INFO request {i} served in {i} ms" for i in range(200)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.time_range.start_time.ToDatetime().month == 3
    assert rep.time_range.end_time.ToSeconds() - rep.time_range.start_time.ToSeconds() < 3600


def test_an_erlang_term_under_a_timed_record_continues_it_whatever_its_tag() -> None:
    """Couchbase writes "Ignoring failure to grab "orders" stats:" then the reason, an Erlang term on the next line:
    "{error,{exit,{noproc,...}}}". The tuple's tag read as a level made the term a record of its own, an ERROR, the
    first line of the summary (7 such)."""
    lines = []
    for i in range(30):
        lines.append(
            f"[ns_server:info,2024-07-09T11:{i:02d}:55.511-07:00,ns_1@cb-2:<0.1544.0>:ns_heart:grab:238]"
            f'Ignoring failure to grab "orders" stats:'
        )
        lines.append("{error,{exit,{noproc,{gen_server,call,[{'stats_reader-orders','ns_1@cb-2'},5000]}}}}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 30 and not [t.text for t in rep.templates if t.text.startswith("{")], _texts(rep)


def test_a_go_error_stack_printed_with_its_frames_unbracketed_is_one_record() -> None:
    """kubeadm prints its error with "%+v": the message, then each frame as the function's name (no arguments in
    brackets) over its file's tab-indented line. Each function's line was a record of its own, fourteen one-frame
    templates ("main.main", "runtime.goexit") beside the error that had none."""
    frames = [
        ("k8s.io/kubernetes/cmd/kubeadm/app/cmd/phases/init.runWaitControlPlanePhase", "init/waitcontrolplane.go:112"),
        ("k8s.io/kubernetes/cmd/kubeadm/app/cmd/phases/workflow.(*Runner).Run.func1", "workflow/runner.go:259"),
        ("github.com/spf13/cobra.(*Command).Execute", "github.com/spf13/cobra@v1.8.1/command.go:1041"),
        ("main.main", "k8s.io/kubernetes/cmd/kubeadm/kubeadm.go:25"),
        ("runtime.goexit", "runtime/asm_amd64.s:1700"),
    ]
    lines = [f"[init] step {i} of the control plane done" for i in range(20)]
    lines.append("could not initialize a Kubernetes cluster")
    for name, where in frames:
        lines += [name, f"\t{where}"]
    lines += [f"[reset] step {i} done" for i in range(5)]
    rep = _report(lines)
    assert rep.record_count == 26, _texts(rep)
    assert not [t for t in _texts(rep) if t.startswith(("main.main", "runtime."))], _texts(rep)


def test_a_line_whose_level_word_is_only_its_prose_continues_the_record_above() -> None:
    """MyBatis writes its error's context under a trace's "Caused by:" as "### The error may exist in ...": the word in
    the sentence made each such line a record of its own at ERROR (one failed task was two exceptions and five ERROR
    records). A line that opens with its level, or writes it in capitals, stays a record of its own."""
    lines = [f"{_stamp(i)} INFO  ce[task-{i}][CeWorkerImpl] Executed task in {i * 7} ms" for i in range(30)]
    lines += [
        f"{_stamp(30)} ERROR ce[task-30][CeWorkerImpl] Failed to execute task task-30",
        "org.sonar.ce.task.projectanalysis.component.VisitException: Visit of Component {key=payments-api,type=FILE}",
        "\tat org.sonar.ce.task.projectanalysis.component.VisitorsCrawler.visit(VisitorsCrawler.java:76)",
        "Caused by: org.apache.ibatis.exceptions.PersistenceException: ",
        "### Error updating database.  Cause: org.postgresql.util.PSQLException: ERROR: value too long",
        "### The error may exist in org.sonar.db.component.ComponentMapper",
        "### The error may involve org.sonar.db.component.ComponentMapper.insert-Inline",
        "### The error occurred while setting parameters",
        "### Cause: org.postgresql.util.PSQLException: ERROR: value too long",
        "\tat org.apache.ibatis.exceptions.ExceptionFactory.wrapException(ExceptionFactory.java:30)",
        "Caused by: org.postgresql.util.PSQLException: ERROR: value too long",
        "\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2713)",
    ]
    lines += [f"{_stamp(i)} INFO  ce[task-{i}][CeWorkerImpl] Executed task in {i * 7} ms" for i in range(31, 50)]
    rep = _report(lines)
    assert rep.record_count == 50, _texts(rep)
    assert [(g.exception_type, g.root_cause_type) for g in rep.exception_groups] == [
        (
            "org.sonar.ce.task.projectanalysis.component.VisitException",
            "org.postgresql.util.PSQLException",
        )
    ]


def test_lines_of_no_time_after_an_access_record_are_another_writers_record() -> None:
    """An access record (a request and the status it was answered with) is one line by its writer's design: the
    lines of no time after it are another writer's, a record of their own (Node's deprecation warning and its stack,
    Bun's uncaught error under its code frame, among a server's request lines: both were glued to the request line
    before them, its INFO record the exception's)."""
    lines = []
    for i in range(60):
        lines.append(
            f"10.0.{i % 5}.{i % 200 + 1} - - [06/Dec/2024:16:{i // 60 + 4:02d}:{i % 60:02d} +0000] "
            f'"GET /api/items/{i * 7} HTTP/1.1" 200 {100 + i} "-" "curl/8.5.0"'
        )
        if i == 20:
            lines += [
                "(node:41) [DEP0005] DeprecationWarning: Buffer() is deprecated.",
                "    at new Buffer (node:buffer:266:3)",
                "    at encodeCursor (/app/lib/cursor.js:14:18)",
            ]
        if i == 40:
            lines += [
                "21 |   const target = new URL(row.target);",
                "                              ^",
                "TypeError: null is not an object (evaluating 'row.target')",
                "      at resolveLink (/app/src/links.ts:21:26)",
            ]
    rep = _report(lines)
    assert rep.record_count == 62
    requests = [t for t in rep.templates if "GET /api/items/" in t.text]
    assert [t.count for t in requests] == [60]
    assert [lv.level for lv in requests[0].levels] == [report_pb2.LEVEL_INFO]
    warned = [[lv.level for lv in t.levels] for t in rep.templates if t.first_line == 22]
    assert warned == [[report_pb2.LEVEL_WARN]]
    errors = [(g.count, g.first_line, g.template_id) for g in rep.exception_groups if g.exception_type == "TypeError"]
    assert [e[:2] for e in errors] == [(1, 45)]
    assert errors[0][2] != requests[0].id


def test_an_errors_message_going_on_over_a_line_of_no_time_keeps_the_traceback_under_it() -> None:
    """An error logged with its traceback, its message holding a newline (Paperless's "Error occurred while consuming
    document ...: OCR would alter the document," then "invalidating the signature.", then the traceback): the line
    of no header is the message going on, not a message logged without one (a record of its own that took the
    traceback, the ERROR record left with no exception). After a record that reports no error, such a line and its
    traceback stay a record of their own (Django's "Internal Server Error: /books/" among request lines)."""
    lines = []
    for i in range(40):
        lines.append(f"[{_stamp(i)}] [INFO] [paperless.consumer] Consuming scan_{i}.pdf")
        if i % 10 == 4:
            lines += [
                f"[{_stamp(i)}] [ERROR] [paperless.consumer] Error occurred while consuming scan_{i}.pdf: OCR would",
                "alter the document, invalidating the signature.",
                "Traceback (most recent call last):",
                '  File "/usr/src/paperless/src/documents/consumer.py", line 599, in run',
                "    document_parser.parse(self.working_copy, mime_type, self.filename)",
                "documents.parsers.ParseError: DigitalSignatureError: OCR would alter the document,",
            ]
        if i % 10 == 8:
            lines += [
                "Internal Server Error: /documents/7/",
                "Traceback (most recent call last):",
                '  File "/usr/src/paperless/src/documents/views.py", line 42, in get',
                "    raise KeyError(key)",
                "KeyError: 'owner'",
            ]
    rep = _report(lines)
    assert rep.record_count == 40 + 4 + 4
    errors = {t.text: (t.count, t.first_line) for t in rep.templates if t.levels[-1].level >= report_pb2.LEVEL_ERROR}
    assert errors == {
        "Error occurred while consuming <*>.pdf: OCR would": (4, 6),
        "Internal Server Error: <*>": (4, 16),
    }
    groups = {g.exception_type: (g.count, g.first_line, g.template_id) for g in rep.exception_groups}
    assert sorted(groups) == ["KeyError", "documents.parsers.ParseError"]
    assert groups["documents.parsers.ParseError"][:2] == (4, 6)
    assert groups["KeyError"][:2] == (4, 16)
    assert [t.text for t in rep.templates if t.id == groups["KeyError"][2]] == ["Internal Server Error: <*>"]


def test_an_exceptions_fields_after_its_frames_are_lines_of_its_record() -> None:
    """.NET's SqlException prints fields after its stack trace ("ClientConnectionId:<guid>", "Error Number:53,State:0,
    Class:20"): a line after a trace's last frame is not the trace's, unless it is of the trace's grammar; such a field
    is (each was a record of its own, "Error Number:<*>,State:<*>,Class:<*>" 4 ERROR records beside the 4 errors)."""
    lines = []
    for i in range(60):
        lines.append(f"{_stamp(i)} +01:00 [INF] Job {i} succeeded in {i % 40 + 3} ms")
        if i % 15 == 6:
            lines += [
                f"{_stamp(i)} +01:00 [ERR] Error occurred during execution of 'Worker #{i % 5}' process.",
                "Microsoft.Data.SqlClient.SqlException (0x80131904): A network-related error occurred.",
                "   at Microsoft.Data.SqlClient.SqlConnection.Open()",
                "   at Hangfire.Server.Worker.Execute(BackgroundProcessContext context)",
                "ClientConnectionId:00000000-0000-0000-0000-000000000000",
                "Error Number:53,State:0,Class:20",
            ]
    rep = _report(lines)
    assert rep.record_count == 60 + 4
    assert sorted(t.text for t in rep.templates) == [
        "Error occurred during execution of 'Worker #<*>' process.",
        "Job <*> succeeded in <*> ms",
    ]
    assert [(g.exception_type, g.count) for g in rep.exception_groups] == [("Microsoft.Data.SqlClient.SqlException", 4)]


def test_a_traceback_a_process_wrote_each_line_under_its_tag_is_a_record_of_its_own() -> None:
    """torchrun tags each line a worker writes to the launcher's stream ("[rank2]: Traceback (most recent call
    last):", "[rank2]:   File ...", "[rank2]: torch.OutOfMemoryError: CUDA out of memory"): the tagged lines were
    glued to the launcher's INFO record above them and no exception was found. They are the worker's record, its
    traceback read without the tag."""
    lines = []
    for i in range(50):
        lines.append(f"[{_stamp(i)}] [INFO] [timer.py:264:stop] epoch=0/global_step={i * 10}, samples/sec={i % 9 + 20}")
        if i in (20, 40):
            lines += [
                "[rank2]: Traceback (most recent call last):",
                '[rank2]:   File "/workspace/train.py", line 214, in <module>',
                "[rank2]:     main()",
                '[rank2]:   File "/workspace/train.py", line 188, in main',
                '[rank2]:     loss = model_engine(batch["input_ids"]).loss',
                f"[rank2]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate {i // 10}.91 GiB.",
            ]
    rep = _report(lines)
    assert rep.record_count == 50 + 2
    groups = [(g.exception_type, g.count, g.first_line, list(g.top_frames)) for g in rep.exception_groups]
    assert groups == [("torch.OutOfMemoryError", 2, 22, ["train.py:main", "train.py:<module>"])]
    steps = [t for t in rep.templates if t.text.startswith("epoch=")]
    assert [t.count for t in steps] == [50]


def test_an_error_reported_over_paragraphs_that_a_trace_ends_is_one_record() -> None:
    """Elixir's logger reports a process's crash over paragraphs: "GenServer ... terminating", "** (DBConnection.
    ConnectionError) ...", a blank line, its numbered advice, a blank line, "See DBConnection.start_link/2 ...", a
    blank line, its frames ("    (ecto_sql 3.11.1) lib/ecto/adapters/sql.ex:1054: ..."), "Last message:", "State:".
    A blank line ended the error's record: 15 records of no time or level, two frames' templates. Where a frame comes
    before the next timed line, the blank lines are the report's; an INFO summary in paragraphs with no frame stays
    records of its own."""
    lines = []
    for i in range(60):
        lines.append(f"{_stamp(i)} [info] job:stop id={9100 + i} queue=default duration={i * 37 % 900}")
        if i in (20, 40):
            lines += [
                f"{_stamp(i)} [error] GenServer {{Oban.Registry, {{Oban, Oban.Stager}}}} terminating",
                "** (DBConnection.ConnectionError) connection not available and request was dropped from queue",
                "",
                "  1. Ensuring your database is available and that you can connect to it",
                "  2. Tracking down slow queries and making sure they are running fast enough",
                "",
                "See DBConnection.start_link/2 for more information",
                "",
                "    (ecto_sql 3.11.1) lib/ecto/adapters/sql.ex:1054: Ecto.Adapters.SQL.raise_sql_call_error/1",
                "    (oban 2.17.6) lib/oban/stager.ex:100: Oban.Stager.handle_info/2",
                "Last message: :stage",
            ]
        if i == 50:
            lines += [
                f"{_stamp(i)} [info] ===== Execution Summary =====",
                "",
                "Scheduled 4 tasks of which:",
                "* 4 ran successfully",
                "",
                "This progress looks :) because there were no failed tasks",
            ]
    rep = _report(lines)
    assert rep.record_count == 60 + 2 + 4  # the summary's four lines, each a record
    texts = _texts(rep)
    assert not [t for t in texts if t.startswith(("(", "<*>. Ensuring", "See DBConnection", "Last message"))], texts
    assert [(g.exception_type, g.count) for g in rep.exception_groups] == [("DBConnection.ConnectionError", 2)]
    assert "This progress looks :) because there were no failed tasks" in texts


def test_lines_of_no_time_after_a_json_record_are_another_writers_record() -> None:
    """A JSON record whole on its line holds its own trace in a field: the lines of no time after it are another
    writer's (Node's report of the uncaught error that ended the worker: its source line, code and caret, a blank
    line, the exception and its frames: one record, the caret's blank line bridged). With a blank line inside an
    error's report bridged where a frame follows, the report was glued to the JSON ERROR record before it and its
    exception was lost."""
    lines = []
    for i in range(40):
        level = 50 if i == 30 else 30
        msg = "Job failed" if level == 50 else "Job completed"
        lines.append(f'{{"level":{level},"time":"{_stamp(i).replace(" ", "T")}Z","msg":"{msg}","jobId":"{i}"}}')
    lines += [
        "/app/node_modules/ioredis/built/redis/event_handler.js:182",
        "                    self.flushQueue(new errors_1.MaxRetriesPerRequestError(maxRetriesPerRequest));",
        "                                    ^",
        "",
        "MaxRetriesPerRequestError: Reached the max retries per request limit (which is 20).",
        "    at Socket.<anonymous> (/app/node_modules/ioredis/built/redis/event_handler.js:182:37)",
        "    at Object.onceWrapper (node:events:632:26)",
    ]
    rep = _report(lines)
    # (Its source line, code and caret, the blank line, the exception and its frames: one record, Node's report.)
    assert [(g.exception_type, g.first_line) for g in rep.exception_groups] == [("MaxRetriesPerRequestError", 41)]
    failed = [t for t in rep.templates if t.text == "Job failed"]
    assert [t.count for t in failed] == [1]
    assert rep.record_count == 40 + 1


def test_records_that_open_with_their_level_then_their_time_hold_the_lines_under_them() -> None:
    """Mule's "%-5p %d [%t] %c: %m%n": each record opens with its level, then its time; an error's record is a box of
    lines under it (a rule of asterisks, "Message : ...", "Error type : ...", a blank line, a hint). Most of the
    file's lines were the boxes': no format was found, every line of a box was a record, "Error type : HTTP:..." an
    ERROR record of its own and the hint "(set debug level logging ...)" a DEBUG one. The lines that open with a level
    and a time are the records, the box each error's message, read past its rule."""
    lines = []
    for k in range(3):
        lines += [
            f"INFO  2024-03-12 12:0{k}:{i:02d},960 [[MuleRuntime].uber.16: [order-api].main.CPU_LITE @2f507b90] "
            f"org.mule.runtime.core.internal.processor.LoggerMessageProcessor: Received order {k * 100 + i}"
            for i in range(10)
        ]
        lines += [
            f"ERROR 2024-03-12 12:0{k}:53,451 [[MuleRuntime].uber.16: [order-api].main.BLOCKING @593290fa] "
            "org.mule.runtime.core.internal.exception.OnErrorPropagateHandler: ",
            "*" * 80,
            "Message               : HTTP POST on resource 'http://inv:8081/reserve' failed: Connection refused.",
            "Element               : order-api-main/processors/2 @ order-api:order-api.xml:24 (Request)",
            "Error type            : HTTP:CONNECTIVITY",
            "",
            "  (set debug level logging or '-Dmule.verbose.exceptions=true' for everything)",
            "*" * 80,
            "",
        ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 3 * 11, [t.text for t in rep.templates]
    levels = {lc.level: lc.count for t in rep.templates for lc in t.levels}
    assert levels == {report_pb2.LEVEL_INFO: 30, report_pb2.LEVEL_ERROR: 3}, levels
    errors = [t.text for t in rep.templates if any(lc.level == report_pb2.LEVEL_ERROR for lc in t.levels)]
    assert len(errors) == 1 and errors[0].startswith("Message : HTTP POST on resource"), errors


def test_a_number_in_brackets_glued_to_a_name_is_no_time_of_a_line() -> None:
    """klog writes a trace over several lines, the first headed, the others "Trace[1394025736]: ---"Objects listed"
    error:Get ..." and "Trace[1394025736]: [10.001277381s] END": the bracketed id read as an epoch (2014), so each
    line was a record of its own, and the second was "the failure the file states near its end". A number in
    brackets glued to a name is the name's id: the lines continue the trace's record."""
    lines = [
        f'I0312 09:{i // 60:02d}:{i % 60:02d}.039010       1 schedule_one.go:286] "Successfully bound pod" pod="p{i}"'
        for i in range(60)
    ]
    trace_at = len(lines) + 1
    lines += [
        'I0312 09:01:05.039010       1 trace.go:236] Trace[1394025736]: "Reflector ListAndWatch" (total: 10001ms):',
        'Trace[1394025736]: ---"Objects listed" error:Get "https://10.0.0.10:6443/api/v1/pods": TLS handshake timeout',
        "Trace[1394025736]: [10.001277381s] [10.001277381s] END",
    ]
    lines += [
        f'I0312 09:02:{i:02d}.000000       1 schedule_one.go:286] "Successfully bound pod" pod="q{i}"'
        for i in range(20)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == len(lines) - 2
    (trace,) = [t for t in rep.templates if "Reflector ListAndWatch" in t.text]
    assert trace.first_line == trace_at and trace.count == 1
    assert not any("Objects listed" in t.text for t in rep.templates if "Reflector" not in t.text)
