"""Levels read per record where the record's digits decide them. Synthetic lines written for these tests."""

from __future__ import annotations

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.formats import FORMAT_LOGFMT, FormatGuess, RecordParser, discover_header
from tests.unit.engine.reading_support import level_counts, run_blocks

pytestmark = pytest.mark.unit


_run = run_blocks
_levels = level_counts


def test_logfmt_access_records_take_their_status_class_as_level_per_record() -> None:
    statuses = [200] * 30 + [304] * 5 + [404] * 6 + [502] * 4
    text = "".join(
        f"time=2024-03-01T10:00:{i % 60:02d}Z status={s} method=GET path=/api/v1/items/{i} duration={i}ms\n"
        for i, s in enumerate(statuses)
    )
    rep = _run(text)
    assert rep.format.name == FORMAT_LOGFMT
    assert _levels(rep) == {"INFO": 35, "WARN": 6, "ERROR": 4}


def test_a_logfmt_record_with_a_level_of_its_own_keeps_it() -> None:
    text = "".join(
        f'ts=2024-03-01T10:00:{i % 60:02d}Z level=info msg="request done" http.status_code="{s}" path=/x\n'
        for i, s in enumerate([200] * 10 + [503] * 3)
    )
    assert _levels(_run(text)) == {"INFO": 13}


def test_logfmt_status_reader_agrees_with_the_parse() -> None:
    parser = RecordParser(FormatGuess(FORMAT_LOGFMT, 1.0, 1.0, None))
    read = parser.level_reader(parser.parse("status=502 method=GET path=/a bytes=120"))
    assert read is not None
    for rec in (
        "status=502 method=GET path=/a bytes=120",
        'method=POST response_code="404" path=/b bytes=0',
        "method=GET status=200 upstream_status=503 path=/c",
        "method=GET code=abc path=/d bytes=99",  # no status at all
        'method=GET msg="x" exit_code=404 path=/e',  # not an HTTP status field
    ):
        parsed = parser.parse(rec)
        assert parsed.fmt == FORMAT_LOGFMT
        assert read(rec) == parsed.level, rec
    assert parser.parse("status=502 method=GET path=/a bytes=120").level == "ERROR"
    assert parser.parse("method=GET status=200 upstream_status=503 path=/c").level == "ERROR"
    assert parser.parse('method=GET msg="x" exit_code=404 path=/e').level is None


def test_logfmt_levels_read_by_plan_equal_a_full_read_on_records_of_one_digit_key() -> None:
    # Records that differ only in their digits share a plan: the status at the planned offset decides, and a
    # value outside 100..599 at that place is no status.
    parser = RecordParser(FormatGuess(FORMAT_LOGFMT, 1.0, 1.0, None))
    read = parser.level_reader(parser.parse("method=GET path=/a status=200 bytes=1200"))
    assert read is not None
    for s in ("099", "200", "404", "503", "404", "699", "200", "500"):
        rec = f"method=GET path=/a status={s} bytes=1{s}"
        assert read(rec) == parser.parse(rec).level, rec


def test_a_logfmt_status_outside_the_http_range_does_not_hide_the_statuses_of_later_records() -> None:
    # The first record's value is no HTTP status; later records of the same digit key are 404s and 503s.
    statuses = ["099"] + ["404"] * 3 + ["503"] * 2
    text = "".join(f"ts=2024-03-01T10:00:0{i}Z method=GET path=/a status={s}\n" for i, s in enumerate(statuses))
    assert _levels(_run(text)) == {"WARN": 3, "ERROR": 2}


def test_a_level_column_that_writes_log_in_capitals_reads_it_as_a_level_and_log_as_a_word_stays_a_word() -> None:
    # PostgreSQL writes its informational records at "LOG:" beside "WARNING:" and "ERROR:" in the same column: all
    # of them are the record's level, and none stays in the message. A capitalised "Log" is an ordinary word.
    rows = [("LOG", "checkpoint complete: wrote {} buffers"), ("WARNING", "slow query took {} ms")]
    rows += [("ERROR", "could not connect to server: Connection refused"), ("LOG", "worker {} started")]
    text = "".join(
        f"2024-01-15 08:{i // 60:02d}:{i % 60:02d}.123 UTC [{1000 + i % 3}] {lvl}:  {msg.format(i)}\n"
        for i, (lvl, msg) in ((i, rows[i % len(rows)]) for i in range(120))
    )
    rep = _run(text)
    assert _levels(rep) == {"INFO": 60, "WARN": 30, "ERROR": 30}
    assert sorted(t.text for t in rep.templates) == [
        "checkpoint complete: wrote <*> buffers",
        "could not connect to server: Connection refused",
        "slow query took <*> ms",
        "worker <*> started",
    ]
    text = "".join(f"2024-01-15 08:00:{i:02d}.123 UTC [7] INFO:  Log file rotated to part {i}\n" for i in range(40))
    assert [t.text for t in _run(text).templates] == ["Log file rotated to part <*>"]


def test_loguru_success_in_its_level_column_is_information_and_success_in_a_message_is_a_word() -> None:
    # loguru's default format: "time | LEVEL    | module:function:line - message", its SUCCESS level between INFO and
    # WARNING.
    rows = [("INFO", "app.main:run:12", "Serving on port {}"), ("SUCCESS", "app.jobs:run:40", "Job {} finished")]
    rows += [("WARNING", "app.cache:get:7", "Cache miss for key {}"), ("ERROR", "app.api:call:88", "Upstream gave {}")]
    text = "".join(
        f"2024-03-01 12:{i // 60:02d}:{i % 60:02d}.{i:03d} | {lvl:<8} | {where} - {msg.format(i)}\n"
        for i, (lvl, where, msg) in ((i, rows[i % len(rows)]) for i in range(120))
    )
    assert _levels(_run(text)) == {"INFO": 60, "WARN": 30, "ERROR": 30}
    text = "".join(f"2024-03-01 12:00:{i:02d} | INFO     | app:f:1 - success rate {i} percent\n" for i in range(40))
    assert [t.text for t in _run(text).templates] == ["success rate <*> percent"]


def test_log15s_four_letter_levels_and_java_util_loggings_config_are_levels() -> None:
    # log15 / go-kit: "lvl=dbug|info|warn|eror|crit"; java.util.logging's SimpleFormatter: "CONFIG: message".
    text = "".join(
        f't=2024-03-01T12:00:{i % 60:02d}+0000 lvl={("dbug", "info", "warn", "eror", "crit")[i % 5]} msg="step {i}"\n'
        for i in range(50)
    )
    assert _levels(_run(text)) == {"DEBUG": 10, "INFO": 10, "WARN": 10, "ERROR": 10, "FATAL": 10}
    words = ("CONFIG", "INFO", "SEVERE")
    text = "".join(f"2024-03-01 12:00:{i % 60:02d} {words[i % 3]}: loaded config file {i}\n" for i in range(30))
    rep = _run(text)
    assert _levels(rep) == {"DEBUG": 10, "INFO": 10, "ERROR": 10}
    assert [t.text for t in rep.templates] == ["loaded config file <*>"]
    # supervisord: "INFO", "DEBG", "WARN", "CRIT" in its level column.
    words = ("INFO", "DEBG", "WARN", "CRIT")
    text = "".join(
        f"2024-06-03 10:00:{i % 60:02d},544 {words[i % 4]} 'gunicorn' stderr output {i}\n" for i in range(40)
    )
    assert _levels(_run(text)) == {"DEBUG": 10, "INFO": 10, "WARN": 10, "FATAL": 10}


def test_a_debug_level_with_its_verbosity_digit_is_debug() -> None:
    # PostgreSQL writes DEBUG1..DEBUG5 in its level column; OpenSSH's verbose output opens lines with "debug1:".
    levels = ("LOG", "DEBUG1", "DEBUG2", "WARNING", "DEBUG5", "ERROR")
    text = "".join(
        f"2024-03-01 12:00:{i % 60:02d}.123 UTC [{100 + i % 7}] {levels[i % 6]}:  checkpoint step {i}\n"
        for i in range(60)
    )
    assert _levels(_run(text)) == {"DEBUG": 30, "INFO": 10, "WARN": 10, "ERROR": 10}
    text = "".join(f"debug{1 + i % 3}: Reading configuration data /etc/ssh/ssh_config.d/{i}.conf\n" for i in range(30))
    assert _levels(_run(text)) == {"DEBUG": 30}
    assert _levels(_run("".join(f"2024-03-01 12:00:{i:02d} ERROR12: code {i}\n" for i in range(30)))) != {"ERROR": 30}


def test_a_bracketed_note_is_information() -> None:
    # MySQL's error log: "[Note]" beside "[Warning]" and "[ERROR]" in the level column; "[System]" is no level.
    rows = [("Note", "Aborted connection {} to db: 'shop'"), ("Warning", "IP address '10.0.0.{}' is unresolved")]
    rows += [("ERROR", "Table 'shop.t{}' doesn't exist"), ("System", "/usr/sbin/mysqld: ready for connections {}")]
    text = "".join(
        f"2024-01-15T08:{i // 60:02d}:{i % 60:02d}.123456Z {i % 9} [{lvl}] [MY-0{10000 + i % 3}] [Server] "
        f"{msg.format(i)}\n"
        for i, (lvl, msg) in ((i, rows[i % len(rows)]) for i in range(120))
    )
    assert _levels(_run(text)) == {"INFO": 30, "WARN": 30, "ERROR": 30}


def test_python_loggings_default_level_and_logger_prefix_is_a_header() -> None:
    # logging.basicConfig() writes "%(levelname)s:%(name)s:%(message)s": "WARNING:app.db:Retrying connection to db2".
    # The level and the logger are the header: one template per message whatever its level or logger.
    messages = ["Request handled in {} ms", "Retrying connection to db{}"]
    loggers = ["app.api", "urllib3.connectionpool"]
    text = "".join(
        f"{('INFO', 'WARNING', 'ERROR')[i % 3]}:{loggers[i % 2]}:{messages[i // 2 % 2].format(i % 9)}\n"
        for i in range(120)
    )
    rep = _run(text)
    assert sorted(t.text for t in rep.templates) == ["Request handled in <*> ms", "Retrying connection to <*>"]
    assert _levels(rep) == {"INFO": 40, "WARN": 40, "ERROR": 40}


def test_monologs_channel_and_level_name_gives_the_level() -> None:
    # Monolog's line format (Laravel, Symfony): "[%datetime%] %channel%.%level_name%: %message% %context%".
    rows = [
        ("INFO", "User {} logged in"),
        ("WARNING", "Cache miss for key user:{}"),
        ("ERROR", "Connection {} refused"),
    ]
    text = "".join(
        f"[2024-03-01 12:{i // 60:02d}:{i % 60:02d}] production.{lvl}: {msg.format(i)} []\n"
        for i, (lvl, msg) in ((i, rows[i % 3]) for i in range(90))
    )
    rep = _run(text)
    assert _levels(rep) == {"INFO": 30, "WARN": 30, "ERROR": 30}
    assert sorted(t.text for t in rep.templates) == [
        "Cache miss for key user:<*> []",
        "Connection <*> refused []",
        "User <*> logged in []",
    ]


def test_an_outcome_in_capitals_is_an_error_where_the_record_states_no_level() -> None:
    # Build tools, test runners and init systems write their outcome as a word in capitals, with no level column:
    # those records are errors. "failed" in prose and a name holding FAIL are not a level.
    steps = [
        "> Task :compile{}",
        "FooTest > case{}() FAILED",
        "--- FAIL: TestParse{} (0.01s)",
        "BUILD FAILED in {}s",
        "[FAILED] Failed to start worker{}.service",
        "step {} failed, retrying",
        "state FAIL_TASK_CLEANUP for attempt {}",
    ]
    text = "".join(steps[i % len(steps)].format(i) + "\n" for i in range(70))
    rep = _run(text)
    levels = {t.text: [lc.level for lc in t.levels] for t in rep.templates}
    failed = sorted(text for text, lv in levels.items() if lv == [report_pb2.LEVEL_ERROR])
    assert failed == [
        "--- FAIL: <*> (<*>)",
        "BUILD FAILED in <*>",
        "FooTest > <*>() FAILED",
        # A unit's name whose digits differ in count ("worker4.service", "worker11.service") keeps its suffix, as
        # one whose digits differ in value only always did (2a220d1).
        "[FAILED] Failed to start <*>.service",
    ]
    assert all(not lv for text, lv in levels.items() if text not in failed), levels
    assert _levels(rep) == {"ERROR": 40}


def test_a_timed_record_without_a_level_column_takes_the_outcome_it_states() -> None:
    # A CI runner's lines: a time, then the job's output. The test runner's "FAILED ..." lines are its errors.
    rows = ["collected {} items", "FAILED tests/test_mod{}.py::test_case - AssertionError: 1 != 2", "{} passed"]
    text = "".join(f"2024-03-01T12:00:{i % 60:02d}.{i:07d}Z {rows[i % 3].format(i)}\n" for i in range(60))
    assert _levels(_run(text)) == {"ERROR": 20}


def test_a_syslog_record_saying_its_process_exited_with_failure_is_an_error_and_a_level_column_still_wins() -> None:
    # systemd's "status=1/FAILURE" has no level of its own in a syslog line without PRI; a level column, where there
    # is one, says what the writer meant ("[INFO] BUILD FAILURE" is Maven's information).
    syslog = "".join(
        f"Mar  1 12:00:{i:02d} host systemd[1]: app{i % 3}.service: Main process exited, code=exited, "
        f"status={1 + i % 2}/FAILURE\n"
        if i % 2
        else f"Mar  1 12:00:{i:02d} host systemd[1]: Started app{i % 3}.\n"
        for i in range(40)
    )
    assert _levels(_run(syslog)) == {"ERROR": 20}
    maven = "".join(
        f"2024-03-01 12:00:{i:02d} [INFO] {'BUILD FAILURE' if i % 2 else f'Building module {i}'}\n" for i in range(40)
    )
    assert _levels(_run(maven)) == {"INFO": 40}


def test_a_request_logged_at_info_takes_the_class_of_a_worse_status() -> None:
    # uvicorn and werkzeug log every request at INFO, after the client's address: a 500 is an error all the same, a
    # 404 a warning; a 200 stays INFO. Read per record: the three share a template.
    text = "".join(
        f'2024-03-01 12:00:{i % 60:02d},{i:03d} INFO:     10.0.0.{i % 9}:5{i:04d} - "GET /api/orders/{i} HTTP/1.1" '
        f"{(200, 404, 500)[i % 3]}\n"
        for i in range(90)
    )
    assert _levels(_run(text)) == {"INFO": 30, "WARN": 30, "ERROR": 30}


def test_a_level_word_in_capitals_opening_a_message_without_a_level_is_its_level() -> None:
    # A key-value store's log marks levels with a symbol ("*", "#") and writes its warnings as "# WARNING ...";
    # a Rust service under syslog writes " INFO crate::module: ...". "Error handling request" is prose.
    rows = ["* Background saving started by pid {}"] * 7 + ["# WARNING Memory overcommit must be enabled! ({})"]
    rows += ["* Error handling request {} stays prose", "- Accepted 10.0.0.{}:6379"]
    text = "".join(
        f"1:M 01 Mar 2024 12:{i // 60:02d}:{i % 60:02d}.{i:03d} {rows[i % 10].format(i)}\n" for i in range(200)
    )
    assert _levels(_run(text)) == {"WARN": 20}
    text = "".join(
        f"Mar  1 12:00:{i % 60:02d} host updater[{900 + i % 2}]:  INFO updater::service: checking for updates {i}\n"
        for i in range(40)
    )
    assert _levels(_run(text)) == {"INFO": 40}


def test_klog_lines_under_syslog_take_their_letters_level_and_message() -> None:
    # journald's kubelet: "host kubelet[1234]: E0301 12:00:00.123456    1234 pod_workers.go:1301] message". The letter
    # is glued to the date (shapes mask "E0301" and "F0301" alike): each record's own letter gives its level, and the
    # message after "file:line]" is what the template is made of.
    letters = "IIIIWEEF"
    text = "".join(
        f"Mar 01 12:00:{i % 60:02d} node1 kubelet[1234]: {letters[i % 8]}0301 12:00:{i % 60:02d}.{i:06d}    1234 "
        f'pod_workers.go:{1200 + i % 50}] "Error syncing pod, skipping" pod="default/web-{i % 7}"\n'
        for i in range(160)
    )
    rep = _run(text)
    assert _levels(rep) == {"INFO": 80, "WARN": 20, "ERROR": 40, "FATAL": 20}
    assert sorted({t.text for t in rep.templates}) == ['"Error syncing pod, skipping" pod="default/web-<*>"']


def test_glogs_letter_glued_to_a_date_with_its_year_gives_each_records_level_and_time() -> None:
    # glog 0.6+ writes the year ("E20240304 ..."), CockroachDB two digits of it and its source without the closing
    # bracket, its tags after it ("W240304 09:00:01.000123 77 kv/store.go:52 ⋮ [n1,s1] 12  message"). Either way the
    # letter glued to the date is each record's level (E and F look alike to shapes) and the date carries the year.
    letters = "IIIIWEEF"
    glog = "".join(
        f"{letters[i % 8]}20240304 09:00:{i % 60:02d}.{i:06d} {1000 + i} disk_cache.cc:{80 + i % 5}] cache flush of "
        f"shard {i % 9} took {i % 70} ms\n"
        for i in range(160)
    )
    crdb = "".join(
        f"{letters[i % 8]}240304 09:00:{i % 60:02d}.{i:06d} {1000 + i} kv/store.go:{80 + i % 5} ⋮ [n{i % 3},s1] "
        f"{i % 90}  cache flush of shard {i % 9} took {i % 70} ms\n"
        for i in range(160)
    )
    for text in (glog, crdb):
        rep = _run(text)
        assert _levels(rep) == {"INFO": 80, "WARN": 20, "ERROR": 40, "FATAL": 20}
        assert [t.text for t in rep.templates] == ["cache flush of shard <*> took <*> ms"]
        assert rep.time_range.start_time.ToJsonString() == "2024-03-04T09:00:00Z"


def test_an_applications_own_time_and_level_under_syslog_are_its_records() -> None:
    # An application that writes its own line to syslog: "shop[812]: 2024-03-01 12:00:00,123 WARN  [main] ...".
    # Its level is the record's and the message follows it; a message that merely opens with a number and says
    # "error" later has no level from that.
    rows = [("INFO", "Order {} created"), ("WARN", "Slow query took {} ms"), ("ERROR", "Payment gateway timeout {}")]
    text = "".join(
        f"Mar  1 12:00:{i % 60:02d} app1 shop[812]: 2024-03-01 12:00:{i % 60:02d},{i:03d} {rows[i % 3][0]:<5} "
        f"{rows[i % 3][1].format(i)}\n"
        for i in range(90)
    )
    rep = _run(text)
    assert _levels(rep) == {"INFO": 30, "WARN": 30, "ERROR": 30}
    assert sorted(t.text for t in rep.templates) == [
        "Order <*> created",
        "Payment gateway timeout <*>",
        "Slow query took <*> ms",
    ]
    text = "".join(
        f"Mar  1 12:00:{i % 60:02d} host netd[9]: {i} packets dropped, error rate rising\n" for i in range(40)
    )
    assert _levels(_run(text)) == {}


def test_a_source_named_before_the_level_leaves_the_level_to_the_record() -> None:
    # A prefix with an optional session field (PostgreSQL's "%m [%p] %q%u@%d "): "app@shop ERROR:  ..." where a
    # session wrote the record, "LOG:  ..." where none did. The level is the record's either way, and one statement
    # is one template whichever session logged it, its level word kept as where no session wrote it.
    rows = [
        ("", "LOG:  checkpoint starting: time"),
        ("", "LOG:  checkpoint starting: time"),
        ("", "ERROR:  canceling autovacuum task"),
        ("app@shop ", 'ERROR:  duplicate key value violates unique constraint "orders_pkey"'),
        ("etl@shop ", 'ERROR:  duplicate key value violates unique constraint "orders_pkey"'),
        ("app@shop ", "FATAL:  terminating connection due to idle-in-transaction timeout"),
        ("[unknown]@[unknown] ", "LOG:  connection received: host=10.0.2.{} port=4{}"),
        ("app@shop ", "WARNING:  there is no transaction in progress"),
    ]
    text = "".join(
        f"2024-03-11 06:{i // 60:02d}:{i % 60:02d}.{i:03d} UTC [{2000 + i}] {src}{msg.format(i, i)}\n"
        for i, (src, msg) in ((i, rows[i % len(rows)]) for i in range(136))
    )
    rep = _run(text)
    assert _levels(rep) == {"INFO": 51, "ERROR": 51, "FATAL": 17, "WARN": 17}
    texts = {t.text: t.count for t in rep.templates}
    assert texts['ERROR: duplicate key value violates unique constraint "orders_pkey"'] == 34
    assert texts["LOG: checkpoint starting: time"] == 34
    assert not [t for t in texts if "@" in t], "the session is the source, not the message"


def test_a_level_in_brackets_glued_after_other_header_fields_is_read() -> None:
    """A second format in one file (Envoy's application lines among its access lines): the layout takes the time,
    and "[24017][warning][config]" glued after it are header fields, the level among them."""
    lines = [
        f'[2024-03-05T13:00:{i % 60:02d}.038Z] "GET /api/v1/items/{i} HTTP/1.1" 200 - 0 1925 34 33 "10.0.0.5"\n'
        for i in range(40)
    ]
    lines[10] = "[2024-03-05 13:00:10.500][24017][warning][config] gRPC config for clusters rejected\n"
    lines[20] = "[2024-03-05 13:00:20.500][24017][info][main] starting workers\n"
    counts = _levels(_run("".join(lines)))
    assert counts.get("WARN") == 1 and counts.get("INFO", 0) >= 1, counts


def test_a_level_after_a_sources_tag_in_capitals_is_the_records_level() -> None:
    # A process manager's lines state their level first ("NOTICE: ...", "WARNING: ..."); the interpreter's lines in
    # the same file put its tag in capitals before theirs ("PHP Warning:"), and write the fatal level with its noun
    # ("PHP Fatal error:"). Both state the record's level; so does "Deprecated" written where a severity stands (PHP's
    # E_DEPRECATED, a warning as levels' capital words have it: 91 records of no level before).
    rows = [
        "[02-Dec-2026 05:{m:02d}:{s:02d}{z}] PHP Warning:  Undefined variable $rate in /srv/c{i}.php on line 2",
        "[02-Dec-2026 05:{m:02d}:{s:02d}] NOTICE: [pool www] child {i} started",
        "[02-Dec-2026 05:{m:02d}:{s:02d}{z}] PHP Fatal error:  Allowed memory size of {i} bytes exhausted",
        "[02-Dec-2026 05:{m:02d}:{s:02d}] WARNING: [pool www] server reached pm.max_children setting ({i})",
        "[02-Dec-2026 05:{m:02d}:{s:02d}{z}] PHP Deprecated:  strlen(): passing null is deprecated ({i})",
        "[02-Dec-2026 05:{m:02d}:{s:02d}{z}] PHP Notice:  Only variables should be passed by reference ({i})",
        '[02-Dec-2026 05:{m:02d}:{s:02d}{z}] PHP Parse error:  syntax error, unexpected token "}}" in /srv/p{i}.php',
    ]
    text = "".join(rows[i % 7].format(m=i // 60, s=i % 60, i=i, z=" Europe/Berlin") + "\n" for i in range(140))
    rep = _run(text)
    levels = {t.text: [lc.level for lc in t.levels] for t in rep.templates}
    assert levels["PHP Warning: Undefined variable $rate in <*> on line <*>"] == [report_pb2.LEVEL_WARN]
    assert levels["PHP Fatal error: Allowed memory size of <*> bytes exhausted"] == [report_pb2.LEVEL_FATAL]
    assert levels["PHP Notice: Only variables should be passed by reference (<*>)"] == [report_pb2.LEVEL_NOTICE]
    assert levels["PHP Deprecated: strlen(): passing null is deprecated (<*>)"] == [report_pb2.LEVEL_WARN]
    # One capitalised word after the tag names the kind of error.
    assert levels['PHP Parse error: syntax error, unexpected token "}" in <*>'] == [report_pb2.LEVEL_ERROR]


def test_go_kitchen_times_and_pino_prettys_source_in_parentheses_are_header() -> None:
    # zerolog's console writer stamps each line with Go's time.Kitchen ("9:04AM": a 12-hour clock, no seconds, no
    # date); pino-pretty writes "[09:00:01.123] INFO (orders/4101 on web-1): message". The time is read, and the
    # source in parentheses closed by a colon is the header's, not the message's first words.
    rows = [("INF", "INFO", "order created"), ("WRN", "WARN", "slow request"), ("ERR", "ERROR", "payment failed")]
    zerolog = "".join(
        f"{9 + i // 60 - (12 if 9 + i // 60 > 12 else 0)}:{i % 60:02d}{'AM' if 9 + i // 60 < 12 else 'PM'} "
        f"{rows[i % 3][0]} {rows[i % 3][2]} id={i}\n"
        for i in range(120)
    )
    rep = _run(zerolog)
    assert rep.parse_quality.timestamp_share == 1.0
    assert rep.time_range.end_time.ToSeconds() - rep.time_range.start_time.ToSeconds() == 119 * 60
    assert _levels(rep) == {"INFO": 40, "WARN": 40, "ERROR": 40}
    pino = "".join(
        f"[09:{i // 60:02d}:{i % 60:02d}.{i:03d}] {rows[i % 3][1]} (orders/{4100 + i % 3} on web-{i % 2}): "
        f"{rows[i % 3][2]}\n"
        for i in range(120)
    )
    rep = _run(pino)
    assert sorted(t.text for t in rep.templates) == ["order created", "payment failed", "slow request"]
    assert _levels(rep) == {"INFO": 40, "WARN": 40, "ERROR": 40}


def test_a_shells_report_of_a_command_it_could_not_run_is_an_error() -> None:
    # A CI step's script: bash says a command was not found, sh that a file may not be run. The lines carry no level;
    # they are the step's failure. A message that merely ends in "not found" is no shell's report.
    steps = [
        "/home/runner/work/_temp/0b5f.sh: line 3: mvnw: command not found",
        "sh: 1: ./deploy.sh: Permission denied",
        "Resolving dependencies for module {}",
        "Looking up cache key {}: not found",
    ]
    text = "".join(f"2024-03-04T09:00:{i % 60:02d}.1234567Z {steps[i % 4].format(i)}\n" for i in range(80))
    rep = _run(text)
    levels = {t.text: report_pb2.Level.Name(t.max_level) for t in rep.templates}
    assert levels == {
        "<*>: line <*>: mvnw: command not found": "LEVEL_ERROR",  # a temporary script path is data
        "sh: <*>: ./deploy.sh: Permission denied": "LEVEL_ERROR",
        "Resolving dependencies for module <*>": "LEVEL_UNSPECIFIED",
        "Looking up cache key <*>: not found": "LEVEL_UNSPECIFIED",
    }, levels


def test_words_after_a_records_key_value_pairs_that_open_with_a_level_are_its_level_and_message() -> None:
    # A job runner writes its context as pairs, then the record's level and message in words ("... jid=...
    # elapsed=4.1 INFO: fail"): the message is "fail", not the pairs' names; words after the pairs that open with no
    # level stay a value's (a value cut at a blank).
    rows = ["INFO: start", "INFO: done", "ERROR: fail"]
    text = "".join(
        f"2024-01-15T10:00:{i % 60:02d}.{i:03d}Z pid=4711 tid=t{i:x} class=HardJob jid={i * 7919:012x} "
        f"elapsed={i / 10:.1f} {rows[i % 3]}\n"
        for i in range(60)
    )
    rep = _run(text)
    assert rep.format.name == FORMAT_LOGFMT
    assert _levels(rep) == {"INFO": 40, "ERROR": 20}
    assert sorted(t.text for t in rep.templates) == ["done", "fail", "start"]
    parser = RecordParser(FormatGuess(FORMAT_LOGFMT, 1.0, 1.0, None))
    loose = parser.parse("host=alpha.example port=8080 user=bobby note=slow disk")
    # (A value that is one short word is kept, as in a JSON record's fields: "user=bobby".)
    assert loose.level is None and loose.message == "host=<v> port=<v> user=bobby note=slow"


def test_failed_in_capitals_is_an_outcome_and_an_error_as_fail_is() -> None:
    # systemd's console writes each unit's outcome in a bracket ("[  OK  ] Started x.", "[FAILED] Failed to start
    # y."): FAILED in capitals is the record's level, and stays its content (an outcome, as FAIL is a test
    # runner's); "failed" in a sentence is a word.
    units = ("Journal Service", "Network Manager", "OpenSSH server daemon", "Login Service", "kubelet")
    lines = []
    for i in range(40):
        unit = f"{units[i % 5]} {i}"
        lines.append(f"         Starting {unit}...")
        lines.append(f"[FAILED] Failed to start {unit}." if i % 5 == 4 else f"[  OK  ] Started {unit}.")
    lines.append("[  OK  ] Reached target Multi-User System, 3 units failed.")
    rep = _run("\n".join(lines) + "\n")
    assert _levels(rep) == {"ERROR": 8}
    (failed,) = [t for t in rep.templates if "Failed to start" in t.text]
    assert failed.count == 8 and "FAILED" in failed.examples[0].text


def test_the_longest_level_words_in_brackets_are_a_level_column() -> None:
    # ClickHouse writes its level in angle brackets, "<Information>" among "<Debug>" and "<Error>": thirteen
    # characters, longer than a level column's token was allowed to be, so its information records had no level.
    rows = [("<Information>", "Read {} rows in 0.01 sec."), ("<Debug>", "Query {} parsed"), ("<Error>", "Code: {}.")]
    text = "".join(
        f"2024.01.15 10:00:{i % 60:02d}.{i:06d} [ {100 + i % 7} ] {{}} {rows[i % 3][0]} executeQuery: "
        f"{rows[i % 3][1].format(i)}\n"
        for i in range(60)
    )
    assert _levels(_run(text)) == {"INFO": 20, "DEBUG": 20, "ERROR": 20}


def test_a_date_in_the_message_of_a_record_whose_header_has_no_time_is_no_time_of_the_record() -> None:
    # A build tool's records carry only a level ("[INFO] Building shop 1.0"); its last ones say when it finished
    # ("[INFO] Finished at: 2024-01-15T10:00:00Z"): data, not the record's time, as a plain line's date in its
    # message is not (the report claimed the build ran from 10:00:00 to 10:00:00, and dated later records).
    lines = [
        f"[INFO] Downloaded from central: https://repo.example.org/x/{i}.pom ({i} kB at 9 kB/s)" for i in range(40)
    ]
    lines += ["[ERROR] COMPILATION ERROR :", "[INFO] BUILD FAILURE", "[INFO] Finished at: 2024-01-15T10:00:00Z"]
    lines += ["[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.11.0:compile"]
    rep = _run("\n".join(lines) + "\n")
    assert rep.parse_quality.timestamp_share == 0.0
    assert not rep.HasField("time_range") or not rep.time_range.HasField("start_time")
    assert _levels(rep) == {"INFO": 42, "ERROR": 2}


@pytest.mark.parametrize(
    ("mark", "expected"),
    [
        ("{}!", {"DEBUG": 20, "WARN": 20, "ERROR": 20}),  # Telegraf's "E! [outputs.influxdb] ..."
        ("[{}]", {"DEBUG": 20, "WARN": 20, "ERROR": 20}),  # Gitea's "[E] repository does not exist ..."
    ],
)
def test_a_level_letter_in_brackets_or_marked_is_a_level_column(mark: str, expected: dict[str, int]) -> None:
    # A one-letter severity counts where a layout puts it (logcat's "D"); so does one written in brackets or marked by
    # the character after it: read as a word or a bracket, these files had no level at all.
    rows = [("D", "Wrote batch of {} metrics"), ("W", "Collection took longer than {}s"), ("E", "write {} failed")]
    text = "".join(
        f"2024-01-15T10:{i // 60:02d}:{i % 60:02d}Z {mark.format(rows[i % 3][0])} [plugin{i % 2}] "
        f"{rows[i % 3][1].format(i)}\n"
        for i in range(60)
    )
    assert _levels(_run(text)) == expected


def test_a_name_followed_by_a_url_alone_opens_the_message() -> None:
    # 'Listen: http://0.0.0.0:3000' beside 'router: completed GET /' (a name that is a source): the URL is a value, the
    # name what the record says; read as a source, the template was a bare placeholder.
    text = "".join(
        f"2024/01/15 10:{i // 60:02d}:{i % 60:02d} cmd/web.go:{140 + i % 3}:run() [I] "
        + (f"Listen: http://0.0.0.0:{3000 + i}" if i % 2 else f"router: completed GET /repo{i} in {i}ms")
        + "\n"
        for i in range(60)
    )
    assert {t.text: t.count for t in _run(text).templates} == {"Listen: <*>": 30, "completed GET /<*> in <*>": 30}


def test_verbose_in_capitals_is_the_lowest_level_and_in_prose_a_word() -> None:
    """A PBX's "VERBOSE[1006][C-00000001] pbx.c:" beside its "WARNING[1006]": the most verbose level (TRACE); the
    word in lower case is prose ("verbose output enabled" states no level)."""
    words = ["VERBOSE", "VERBOSE", "WARNING", "ERROR"]
    text = "".join(
        f"[Nov 30 08:{i // 60:02d}:{i % 60:02d}] {words[i % 4]}[{1000 + i % 7}][C-{i % 5:08x}] pbx.c: call {i} routed\n"
        for i in range(120)
    )
    assert _levels(_run(text)) == {"TRACE": 60, "WARN": 30, "ERROR": 30}
    prose = "".join(
        f"2024-03-01 10:00:{i:02d} job {i} " + ("runs with verbose output\n" if i % 2 else "done\n") for i in range(30)
    )
    assert _levels(_run(prose)) == {}


def test_a_tools_level_after_a_header_is_the_records_level() -> None:
    """A CI runner stamps each line of a step's output with its time: "<time> npm WARN deprecated ..." states WARN as
    "npm WARN ..." alone does."""
    lines = [
        f"2026-11-30T08:00:{i % 60:02d}.{i:07d}Z "
        + ("npm WARN deprecated inflight@1.0.6: not supported" if i % 3 == 0 else f"added {i} packages in {i % 9}s")
        for i in range(60)
    ]
    assert _levels(_run("\n".join(lines) + "\n")) == {"WARN": 20}


def test_a_diagnostics_severity_after_its_location_is_its_level_however_long_the_path() -> None:
    # gcc, clang and javac write "<path>:<line>[:<column>]: error: ..."; a build's directories make the path long,
    # and the severity stood past the first 80 characters where levels are looked for in free text.
    root = "/home/ci/workspace/shop/app/src/main/java/com/example/shop/api/payments/internal"
    lines = []
    for i in range(30):
        lines.append(f"> Task :module{i}:compileJava")
        if i % 3 == 0:
            lines.append(f"{root}/OrderController{i}.java:{40 + i}: error: cannot find symbol")
        if i % 5 == 0:
            where = f"{root}/Refunds{i}.java:{7 + i}:{i % 9 + 1}"
            lines.append(f"{where}: warning: [deprecation] getPrincipal() is deprecated")
    assert all(len(line.split(": ")[0]) > 80 for line in lines if ": error" in line or ": warning" in line)
    assert _levels(_run("\n".join(lines) + "\n")) == {"ERROR": 10, "WARN": 6}


def test_a_severity_after_the_name_of_the_part_that_speaks_is_the_records_level() -> None:
    """Dovecot through syslog: "imap(user)<pid><session>: Error: ...", "auth: Warning: ...", "master: Fatal: ...": the
    severity stands after the name of the process part that speaks, closed by a colon; a word that is no severity
    there ("imap-login: Login: user=...") gives none."""
    lines = []
    for i in range(60):
        t = f"Mar  4 10:{i // 60:02d}:{i % 60:02d} mail dovecot:"
        lines.append(f"{t} imap-login: Login: user=<u{i}@example.org>, method=PLAIN, rip=10.0.0.{i}, mpid={1400 + i}")
        if i % 10 == 3:
            lines.append(f"{t} imap(u{i}@example.org)<{1400 + i}><Ox{i:04x}>: Error: write(/var/vmail/u{i}) failed")
        if i % 20 == 5:
            lines.append(f"{t} auth: Warning: Event queue size is {300 + i} (auth_failure_delay backlog)")
    counts = level_counts(run_blocks("\n".join(lines) + "\n"))
    assert counts == {"ERROR": 6, "WARN": 3}, counts


def test_a_severity_after_where_the_program_wrote_the_message_is_the_records_level() -> None:
    """A C or C++ daemon's logger through syslog: the source file and line ("raid/raid_status.c:88 [ERROR] ..."), or
    a thread's id in brackets ("(24781) [err] transfer.cpp:1187 ..."), before the severity in brackets. A file name
    and line before words that are no severity give none."""
    lines = []
    for i in range(60):
        t = f"2026-12-05T10:{i:02d}:07+01:00 nas"
        lines.append(f"{t} synoscheduler[{13000 + i}]: synoscheduler.cpp:311 Task [Auto Update] finished, result=0")
        lines.append(f"{t} storaged[8120]: disk/disk_temperature.c:157 Disk [/dev/sata1] temperature {40 + i % 5}C")
        if i % 10 == 3:
            lines.append(f"{t} storaged[8120]: smart/smart_attr.c:402 [WARNING] Disk [/dev/sata2] sectors={i} over")
        if i % 20 == 5:
            lines.append(f"{t} img_backup[{28000 + i}]: ({24000 + i}) [err] transfer_b2.cpp:1187 http error: [503]")
        if i % 30 == 7:
            lines.append(f"{t} storaged[8315]: raid/raid_status.c:88 [ERROR] Volume [1] status changed to [degraded]")
    counts = level_counts(run_blocks("\n".join(lines) + "\n"))
    assert counts == {"WARN": 6, "ERROR": 5}, counts


def test_a_severity_between_asterisks_after_a_c_file_line_and_function_is_the_records_level() -> None:
    """SPDK (and DPDK) write "file.c:LINE:function: *ERROR*: ..." under the storage engine's own header (Mayastor's
    io-engine, its Rust lines "[time  INFO target] ..." beside them): the NVMe-oF target's outage, 68 records, had
    no level."""
    lines = []
    for i in range(60):
        t = f"[2024-05-14 16:{i:02d}:39.639265]"
        lines.append(f"[2024-05-14T16:{i:02d}:00.000365757+00:00  INFO io_engine:io-engine.rs:223] replica {i} created")
        if i % 4 == 0:
            lines.append(
                f"{t} nvme_tcp.c:2354:nvme_tcp_qpair_connect_sock: *ERROR*: sock connection error of tqpair={i}"
            )
            lines.append(f"{t} nvme_qpair.c: 804:spdk_nvme_qpair_process_completions: *ERROR*: CQ transport error -6")
        if i % 20 == 1:
            lines.append(f"{t} bdev_nvme.c:2157:_bdev_nvme_reset_ctrlr_complete: *NOTICE*: Resetting controller {i}")
    counts = level_counts(run_blocks("\n".join(lines) + "\n"))
    assert counts == {"INFO": 60, "ERROR": 30, "NOTICE": 3}, counts


def test_a_severity_after_a_process_and_thread_id_in_brackets_is_the_records_level() -> None:
    """unbound through syslog: "unbound[30871]: [30871:0] error: SERVFAIL <github.com. A IN>: ..." (OpenBSD's daemon
    log): its resolver's outage had no level. A number in brackets before other words gives none."""
    lines = []
    for i in range(40):
        t = f"Dec  6 04:{i:02d}:07 gw1"
        lines.append(f"{t} unbound[30871]: [30871:0] info: generate keytag query _ta-4f66. NULL IN {i}")
        if i % 8 == 0:
            lines.append(f"{t} unbound[30871]: [30871:0] error: SERVFAIL <host{i}.example. A IN>: all servers failed")
        lines.append(f"{t} relayd[{700 + i}]: [{i}] items relayed to pool web")
    counts = level_counts(run_blocks("\n".join(lines) + "\n"))
    assert counts == {"INFO": 40, "ERROR": 5}, counts


def test_a_level_word_glued_to_its_value_is_a_field_not_a_level() -> None:
    """client-go's trace under a klog record: 'Trace[1623897585]: ---"Objects listed" error:<nil> 38063ms' says there
    was no error; a word in lower case glued by a colon to a value is a field. The word as a level ("error: ...")
    or in capitals glued to a logger's name (Python's "WARNING:root:...") stays one."""
    lines = []
    for i in range(40):
        t = f"I1205 00:{i:02d}:07.553301       1"
        lines.append(f'{t} trace.go:236] Trace[{1623897585 + i}]: "Reflector ListAndWatch" (total: {38000 + i}ms):')
        lines.append(f'Trace[{1623897585 + i}]: ---"Objects listed" error:<nil> {38063 + i}ms (00:{i:02d}:07.553)')
        lines.append(f"Trace[{1623897585 + i}]: [38.083000000s] [38.083000000s] END")
    counts = level_counts(run_blocks("\n".join(lines) + "\n"))
    assert "ERROR" not in counts, counts
    plain = [f"error: cannot open /data/{i}" if i % 4 == 0 else f"WARNING:root:disk {i} almost full" for i in range(20)]
    assert level_counts(run_blocks("\n".join(plain) + "\n")) == {"ERROR": 5, "WARN": 15}


def test_a_level_named_by_its_steps_from_a_named_one_is_that_level() -> None:
    """Go's log/slog names the levels between its four by their distance from one: "level=DEBUG-4", "level=ERROR+4"
    (a fatal the program defines as ERROR+4): the named level's."""
    lines = []
    for i in range(40):
        t = f"time=2026-12-05T10:{i:02d}:03.000+01:00"
        lines.append(f'{t} level=INFO msg="http request" method=GET path=/api/{i} status=200')
        if i % 4 == 0:
            lines.append(f'{t} level=DEBUG-4 msg="cache lookup" key=k{i} hit=true')
        if i == 39:
            lines.append(f'{t} level=ERROR+4 msg="cannot continue, exiting" err="db unreachable"')
    assert level_counts(run_blocks("\n".join(lines) + "\n")) == {"INFO": 40, "DEBUG": 10, "ERROR": 1}


def test_a_level_letter_with_its_module_after_a_slash_is_the_level() -> None:
    """Firefox's MOZ_LOG writes logcat's way, a level's letter, a slash and the module: "[Parent 48211: Main Thread]:
    W/nsHttp nsHttpChannel::ProcessResponse [... httpStatus=503] server error". The letter is the level (the status it
    names made the record an ERROR; its 21 "E/" and 27 "W/" lines were counted as 8 errors)."""
    lines = []
    for i in range(60):
        t = f"2026-12-05 15:10:{i:02d}.567650 UTC - [Parent 48211: Main Thread]:"
        lines.append(f"{t} D/nsHttp nsHttpChannel::Init [this={i:012x}]")
        if i % 10 == 3:
            lines.append(f"{t} W/nsHttp nsHttpChannel::ProcessResponse [this={i:012x} httpStatus=503] server error")
        if i % 20 == 5:
            lines.append(f"{t} E/nsSocketTransport nsSocketTransport::OnSocketEvent [this={i:012x} status=804b000d]")
        if i % 20 == 7:
            lines.append(f"{t} I/O error, dev sdb, sector {i} op 0x0:(READ)")  # input/output, no letter and module
    assert level_counts(run_blocks("\n".join(lines) + "\n")) == {"DEBUG": 60, "WARN": 6, "ERROR": 3}


def test_the_level_of_a_relayed_line_after_the_relays_time_is_the_records() -> None:
    """The Java Service Wrapper relays its JVM's lines under a header of its own: "INFO   | jvm 1    | 2026/12/05
    00:30:03 | 2026-12-05 00:30:03,829 ERROR [pool-2-thread-1] [TaskExecutorImpl] ...". Its INFO is the relay's; the
    level after the relayed line's time is the record's (a Bamboo agent's 10 errors and 28 warnings were INFO)."""
    levels = ["INFO", "INFO", "WARN", "INFO", "ERROR", "DEBUG"]
    lines = []
    for i in range(60):
        wrapper = f"INFO   | jvm 1    | 2026/12/05 00:{i:02d}:03 |"
        lines.append(f"{wrapper} 2026-12-05 00:{i:02d}:03,829 {levels[i % 6]} [pool-2-thread-1] [Task] step {i} done")
    assert level_counts(run_blocks("\n".join(lines) + "\n")) == {"INFO": 30, "WARN": 10, "ERROR": 10, "DEBUG": 10}


def test_a_severity_after_the_labels_of_the_streams_that_relayed_it_is_the_level() -> None:
    """lighttpd relays its FastCGI workers' stderr: "(gw_backend.c.2407) FastCGI-stderr:PHP message: PHP Fatal error:
    Uncaught PDOException: ...". After the stream's labels, PHP's own severity is the record's (47 fatal errors and
    21 warnings had no level; the summary said 0 ERROR/FATAL beside 47 PDOExceptions)."""
    lines = []
    for i in range(60):
        t = f"2026-12-05 00:{i:02d}:29:"
        lines.append(f"{t} (response.c.639) -- file not found")
        lines.append(f"{t} (h1.c.482) invalid character in header -> 400")
        if i % 3 == 0:
            php = "FastCGI-stderr:PHP message: PHP Warning:  Undefined array key"
            lines.append(f"{t} (gw_backend.c.2407) {php} {i} in /var/www/a.php on line 7")
        if i % 6 == 1:
            php = "FastCGI-stderr:PHP message: PHP Fatal error:  Uncaught PDOException:"
            lines.append(f"{t} (gw_backend.c.2407) {php} SQLSTATE[HY000] [2002] Connection timed out")
    assert level_counts(run_blocks("\n".join(lines) + "\n")) == {"WARN": 20, "FATAL": 10}


def test_a_level_letter_in_lower_case_where_the_layout_puts_a_level_is_the_level() -> None:
    """SAP HANA's trace writes its severity as a letter in lower case after the time: "[48916]{301794}[170/41620284]
    2026-12-05 00:00:13.913702 w Authentication ManagerImpl.cpp(00522) : ...": i, w, e (0.1% of records had a
    level; its 57 errors and its out-of-memory dump had none)."""
    kinds = [("i", "Merge", "Auto merge of table T triggered"), ("w", "Authentication", "Authentication failed")]
    kinds += [("i", "Backup", "Log backup of volume 3 done"), ("e", "SQLSession", "unique constraint violated")]
    lines = []
    for i in range(60):
        letter, component, text = kinds[i % 4]
        t = f"[{48000 + i}]{{-1}}[-1/-1] 2026-12-05 00:{i:02d}:13.913702"
        lines.append(f"{t} {letter} {component:<16} Impl.cpp(00{500 + i}) : {text} ({i})")
    assert level_counts(run_blocks("\n".join(lines) + "\n")) == {"INFO": 30, "WARN": 15, "ERROR": 15}


def test_a_sentence_ending_on_the_status_a_request_was_answered_with_takes_its_class() -> None:
    """API Gateway's execution log: "(<request id>) Method completed with status: 502". The 200s and the 502s are one
    template; each record's status gives its level (the report said 0 ERROR/FATAL beside six 502s and two 504s). A
    status that does not end the sentence ("status 200 ms") is no answer's."""
    statuses = [200, 200, 200, 404, 200, 502]
    lines = []
    for i in range(60):
        t = f"2026-12-05T00:{i:02d}:34.799000+00:00 b56cde98d154db7764726e00e4ee2966 ({i:08x}-8212-4038-89d8)"
        lines.append(f"{t} Method request path: {{id={i}}}")
        lines.append(f"{t} Method completed with status: {statuses[i % 6]}")
        lines.append(f"{t} Endpoint status 500 ms behind, retrying")
    assert level_counts(run_blocks("\n".join(lines) + "\n")) == {"INFO": 40, "WARN": 10, "ERROR": 10}


def test_php_severities_of_two_words_and_deprecation_notices_are_levels() -> None:
    """PHP's error_log: "PHP Warning:", "PHP Notice:", "PHP Deprecated:" (E_DEPRECATED: a warning) and "PHP Fatal
    error:" (the severity's two words, header, not the message's first word)."""
    lines = []
    for i in range(60):
        t = f"[04-Mar-2026 10:{i // 60:02d}:{i % 60:02d} UTC]"
        lines.append(f'{t} PHP Warning:  Undefined array key "k{i % 7}" in /var/www/inc/tags.php on line {100 + i}')
        if i % 6 == 1:
            lines.append(f"{t} PHP Deprecated:  strpos(): Passing null to parameter #1 is deprecated in /x.php:{i}")
        if i % 20 == 9:
            lines.append(f"{t} PHP Fatal error:  Uncaught Error: Call to undefined function wc_get_order() in /y:{i}")
    rep = run_blocks("\n".join(lines) + "\n")
    assert level_counts(rep) == {"WARN": 70, "FATAL": 3}
    texts = {t.text for t in rep.templates}
    assert "Uncaught Error: Call to undefined function wc_get_order() in <*>:<*>" in texts, texts
    assert not any(x.startswith(("PHP", "error:")) for x in texts), texts


def test_a_logfmt_record_without_a_message_reads_as_its_fields_spelt_as_written_without_its_level() -> None:
    """A go-kit logger's statistics line has no "msg": its fields are its message, each key as the file spells it
    ("traceID"), the level it states being the record's level and not a field of what it says."""
    text = "".join(
        f"level={('info', 'warn')[i % 5 == 0]} ts=2024-03-01T10:00:{i % 60:02d}Z caller=metrics.go:159 "
        f"component=frontend traceID={i * 7919:x} latency=fast duration={i}ms\n"
        for i in range(40)
    )
    rep = _run(text)
    assert [t.text for t in rep.templates] == ["caller=<v> component=frontend traceID=<v> latency=fast duration=<v>"]
    assert _levels(rep) == {"INFO": 32, "WARN": 8}


def test_two_pairs_then_a_level_and_a_message_read_as_the_records_of_more_pairs_do() -> None:
    """A job runner writes its process and thread as pairs before the level ("pid=7 tid=342 ERROR: Error fetching
    job: ..."), and a job's class, id and time too where it runs one: the record with two pairs is read as the ones
    with five, its level and message after them."""
    lines = []
    for i in range(60):
        t = f"2024-03-12T06:{i // 60:02d}:{i % 60:02d}.117Z pid=7 tid=x{i % 5}w"
        if i % 10 == 4:
            lines.append(
                f"{t} ERROR: Error fetching job: Error connecting to Redis on redis:6379 (Errno::ECONNREFUSED)"
            )
        else:
            lines.append(f"{t} class=OrderJob jid={i * 7919:x} elapsed=0.{i % 9}2 INFO: done")
    rep = _run("\n".join(lines) + "\n")
    assert rep.format.name == FORMAT_LOGFMT
    assert _levels(rep) == {"INFO": 54, "ERROR": 6}
    assert any(t.text.startswith("Error fetching job: Error connecting to Redis") for t in rep.templates)


def test_a_level_word_closed_by_a_tab_is_the_level_of_a_line_the_layout_does_not_hold() -> None:
    """A sidecar's file: its proxy's access lines ("[time] "GET ..." ...") and, among them, its agent's tab-delimited
    lines ("<time><TAB>warn<TAB>xdsproxy<TAB>upstream terminated ..."): the word the tab closes is the agent line's
    level."""
    lines = []
    for i in range(200):
        t = f"2024-11-14T06:{i // 60:02d}:{i % 60:02d}.412931Z"
        if i % 10 == 3:
            level = ("info", "warn")[i % 20 == 3]
            lines.append(f"{t}\t{level}\txdsproxy\tupstream [{i}] terminated with unexpected error EOF")
        else:
            lines.append(f'[{t}] "GET /api/cart/{i} HTTP/1.1" 200 - via_upstream - "-" 0 {i * 7} {i % 13} {i % 11}')
    rep = _run("\n".join(lines) + "\n")
    assert _levels(rep).get("WARN") == 10


def test_context_pairs_before_a_bracketed_level_are_the_records_context_and_the_level_is_read() -> None:
    """A logger writes its metadata as key=value pairs before the level in brackets where a request set them
    ("request_id=F7ybeBlw0_e72IxdRSFI [info] GET /", a URL-safe id), and nothing there otherwise ("[info] Running
    Endpoint ..."): the level is read either way."""
    lines = []
    for i in range(120):
        t = f"18:{i // 60:02d}:{i % 60:02d}.211"
        rid = f"F7{'ybeBlw0_e72IxdRSFI-ObRFl9hxCdZSQRBArZ'[i % 11 : i % 11 + 18]}"
        if i % 2 == 0:
            lines.append(f"{t} [info] Cache refreshed in {i}ms")
        elif i % 6 == 5:
            lines.append(f"{t} request_id={rid} [warning] webhook signature mismatch for event {i}")
        else:
            lines.append(f"{t} request_id={rid} [info] {('GET /api/items', 'Sent 200 in')[i % 2]} {i}")
    rep = _run("\n".join(lines) + "\n")
    assert _levels(rep) == {"INFO": 100, "WARN": 20}, _levels(rep)


def test_npms_levels_in_a_level_field_are_levels_and_no_level_in_free_text() -> None:
    # winston writes its default npm levels in the record's "level" field: "http" (a request's line, below "info") and
    # "silly" (below "debug") were no level (433 of 806 records). Where no level is expected, the words are text.
    rows = [
        '{{"level":"http","message":"GET /api/orders/{i} 200 - 12.{i} ms","timestamp":"2024-12-05T09:00:{s:02d}Z"}}',
        '{{"level":"info","message":"order {i} created","timestamp":"2024-12-05T09:00:{s:02d}Z"}}',
        '{{"level":"silly","message":"cache probe {i}","timestamp":"2024-12-05T09:00:{s:02d}Z"}}',
    ]
    counts = _levels(_run("".join(rows[i % 3].format(i=i, s=i % 60) + "\n" for i in range(90))))
    assert counts == {"DEBUG": 30, "INFO": 30, "TRACE": 30}, counts
    from loglens_analysis.engine.levels import LEVEL_WORDS, level_from_word

    assert level_from_word("http") is None and "http" not in LEVEL_WORDS and "silly" not in LEVEL_WORDS


def test_two_sources_whose_headers_both_open_with_a_time_each_have_their_levels_read() -> None:
    # MLflow under gunicorn: the app writes "2024/12/05 07:03:09 WARNING mlflow.server: ...", gunicorn "[2024-12-05
    # 07:23:49 +0000] [1201] [CRITICAL] WORKER TIMEOUT (pid:1204)", among lines of neither (a migration tool's, the
    # tail of an error). Both open with a time, and four in five of the timed lines go on with a second one: the
    # header was the time alone, no level read on either (0 WARN for 100 WARNING lines), the time of day and the
    # level left in every template. The app's branch is the header; gunicorn's lines get a layout of their own.
    lines = []
    for i in range(12):
        for j in range(29):
            level = ("WARNING", "INFO", "ERROR")[j % 3]
            lines.append(
                f"2024/12/05 07:{i:02d}:{j:02d} {level} mlflow.server.handlers: Metric key for run r{j} is {i}"
            )
        for j in range(7):
            level = ("CRITICAL", "INFO")[j % 2]
            lines.append(f"[2024-12-05 07:{i:02d}:{30 + j:02d} +0000] [{1000 + j}] [{level}] Worker boot (pid:{j})")
        lines += ["", "}", "", "]"]
        lines += [f"INFO  [alembic.runtime.migration] Running upgrade a{i}{j} -> b{i}{j}" for j in range(3)]
        lines.append("DETAIL:  Key (key)=(lr) already exists.")
    assert discover_header(lines).classes == "TTLC"
    counts = _levels(_run("\n".join(lines) + "\n"))
    assert counts.get("WARN") == 120 and counts.get("ERROR") == 108 and counts.get("FATAL") == 48, counts


def test_a_bracketed_column_most_records_of_a_source_write_is_header_where_others_open_with_a_name() -> None:
    # vsftpd writes "[pid 21966] [bob] OK DOWNLOAD: Client ..." for a logged-in session's records and "[pid 21965]
    # CONNECT: Client ..." before the login: the user's column on most records, a name on the others. The header
    # stopped at the pid: one template per user for each event (50 templates for 11 events, 7 of the 10 summary
    # lines "[alice] FAIL LOGIN", "[bob] FAIL LOGIN", ...).
    users = ["alice", "bob", "ftp", "anonymous", "backup", "webdev"]
    lines = []
    for i in range(240):
        stamp = f"Thu Dec  5 {i // 60:02d}:{i % 60:02d}:{i % 60:02d} 2024 [pid {21000 + i}]"
        if i % 5 == 0:
            lines.append(f'{stamp} CONNECT: Client "::ffff:10.1.1.{i % 200}"')
        else:
            event = ("OK LOGIN", "OK DOWNLOAD", "FAIL LOGIN", "OK UPLOAD")[i % 4]
            lines.append(f'{stamp} [{users[i % len(users)]}] {event}: Client "::ffff:10.1.1.{i % 200}"')
        if i % 3 == 0:  # the transfer log's line, in the same file (xferlog_enable and dual logging)
            when = f"Thu Dec  5 {i // 60:02d}:{i % 60:02d}:{i % 60:02d} 2024"
            lines.append(f"{when} 1 10.1.1.{i % 200} {7449 * i} /home/bob/db-{i}.sql.gz b _ o r bob ftp 0 * c")
    rep = _run("\n".join(lines) + "\n")
    texts = sorted(t.text for t in rep.templates)
    events = ("CONNECT", "FAIL LOGIN", "OK DOWNLOAD", "OK LOGIN", "OK UPLOAD")
    assert [t for t in texts if "Client" in t] == [f'{e}: Client "::ffff:<*>"' for e in events], texts


def test_the_first_level_key_whose_value_is_a_level_is_the_records_level() -> None:
    # PowerDNS's structured log: 'level="0"' is its verbosity, 'prio="Error"' its severity. The first level key was
    # taken whatever its value: 0 % of the records had a level, and every template kept 'prio="Error"'.
    rows = [
        'msg="Failed to update the root hints" subsystem="housekeeping" level="0" prio="Error" tid="{i}"',
        'msg="Incoming query dropped" subsystem="in" level="0" prio="Warning" tid="{i}" source="10.0.0.{i}"',
        'msg="Operating in 64 bits mode" subsystem="config" level="0" prio="Info" tid="{i}"',
    ]
    text = "".join(
        f"Dec  5 00:{i // 60:02d}:{i % 60:02d} ns2 pdns-recursor[913]: " + rows[i % 3].format(i=i) + "\n"
        for i in range(120)
    )
    rep = _run(text)
    assert _levels(rep) == {"ERROR": 40, "WARN": 40, "INFO": 40}, _levels(rep)
    assert not [t.text for t in rep.templates if "prio" in t.text], [t.text for t in rep.templates]


def test_a_warning_sign_or_a_cross_opening_an_indented_line_states_its_level_and_opens_a_record() -> None:
    """Next.js writes its own lines indented one blank, a warning as " ⚠ ..." and an error as " \u2a2f TypeError: ...",
    among the untimed "[tag] message" lines of the app: each was glued to the line before as an indented continuation
    (30 warnings and 26 errors of a storefront's log read as none). A sign that states a level, as the word would,
    opens a record at that level; the trace indented under it stays its own."""
    lines = []
    for i in range(40):
        lines.append(f"[checkout] order {4000 + i} created, total {i}.50 EUR")
        lines.append(f"[cms] fetched {i} entries from contentful in {100 + i}ms")
        if i % 4 == 0:
            lines.append(" ⚠ Fetch failed for https://cms.example.com/api/promo: 504 Gateway Timeout, using stale data")
        if i % 10 == 5:
            lines.append(" \u2a2f TypeError: Cannot read properties of null (reading 'variants')")
            lines.append("    at p (/app/.next/server/app/products/[slug]/page.js:1:4821)")
    rep = _run("\n".join(lines) + "\n")
    assert _levels(rep) == {"WARN": 10, "ERROR": 4}
    assert rep.record_count == 80 + 10 + 4
    errors = [t for t in rep.templates if t.max_level == report_pb2.LEVEL_ERROR]
    assert [t.count for t in errors] == [4] and "TypeError" in errors[0].text


def test_a_level_word_after_an_arrow_of_equals_signs_is_the_lines_level() -> None:
    # makepkg's and mkinitcpio's steps under pacman's scriptlet lines: "==> WARNING: Possibly missing firmware ..." (26
    # warnings of an Arch log read as none; "==> ERROR: Failed to install nvidia/550.67" as a message of no level).
    from loglens_analysis.engine.formats import level_prefix

    assert level_prefix("==> WARNING: Possibly missing firmware for module: 'qla2xxx'") == "WARN"
    assert level_prefix("==> ERROR: Failed to install nvidia/550.67 for kernel 6.7.9-arch1-1") == "ERROR"
    assert level_prefix("-> ERROR: Update failed.") == "ERROR"
    assert level_prefix("==> /var/log/syslog <==") is None  # tail's banner: no level word
    assert level_prefix("    Warning: An update to App was not wrapped in act(...).") is None  # indented under a record


def test_a_tools_level_tag_after_a_header_without_a_level_is_the_records_level() -> None:
    """A build platform's time before a tool's lines: Gatsby's and yarn's level tags in lower case ("warn Plugin
    ... is not compatible", "error Command failed with exit code 1."), and logrus' level with its seconds glued
    ("WARN[0075] Error uploading layer to cache ...", kaniko's). Neither was read (no level; logrus' tag the first
    word of every message, two-word messages of different words one template "INFO[<*>] <*> <*>")."""
    lines = []
    for i in range(60):
        at = f"2026-03-14T11:{i // 60 + 55:02d}:{i % 60:02d}.{i:06d}Z"
        lines.append(f"{at} success step {i} - 0.{i:03d}s")
        if i % 6 == 1:
            lines.append(f"{at} warn Plugin gatsby-plugin-{i} is not compatible with your gatsby version")
        if i % 6 == 2:
            lines.append(f"{at} error Command failed with exit code {i}.")
        if i % 6 == 3:
            lines.append(f"{at} INFO[{i:04d}] WORKDIR /app")
            lines.append(f"{at} INFO[{i:04d}] EXPOSE {8000 + i}")
        if i % 6 == 4:
            lines.append(f"{at} WARN[{i:04d}] Error uploading layer to cache: failed to push to registry")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    by_text = {t.text: report_pb2.Level.Name(t.max_level) for t in rep.templates}
    assert by_text["WORKDIR <*>"] == "LEVEL_INFO", by_text
    assert by_text["EXPOSE <*>"] == "LEVEL_INFO", by_text
    assert by_text["Error uploading layer to cache: failed to push to registry"] == "LEVEL_WARN", by_text
    assert by_text["warn Plugin gatsby-plugin-<*> is not compatible with your gatsby version"] == "LEVEL_WARN", by_text
    assert by_text["error Command failed with exit code <*>."] == "LEVEL_ERROR", by_text


def test_a_debug_level_with_its_verbosity_opening_a_syslog_message_is_debug_and_says_nothing_of_failures() -> None:
    """OpenSSH at LogLevel DEBUG1..3 writes "debug1: ..." after its syslog tag: the level with its verbosity (as
    PostgreSQL's "DEBUG2:"), read nowhere but in a header's level column (0.1% of an sshd log's records levelled)."""
    lines = []
    for i in range(90):
        at = f"Dec  5 06:{i // 60:02d}:{i % 60:02d} bastion sshd[{1044 + i // 30}]:"
        lines.append(f"{at} debug{1 + i % 3}: channel {i}: new [server-session]")
        if i % 10 == 0:
            lines.append(f"{at} Accepted publickey for deploy from 10.0.0.{i} port {40000 + i} ssh2")
        if i % 10 == 5:
            lines.append(f"{at} Failed password for invalid user admin{i} from 203.0.113.{i} port {50000 + i} ssh2")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert level_counts(rep).get("DEBUG") == 90, level_counts(rep)
    # Its records of no level are told by their words, as in a file of no levels: a debug verbosity says nothing of
    # how things went.
    assert any(
        c.text.startswith('9 records of no level that state a failure: "Failed password') for c in rep.summary.claims
    ), [c.text for c in rep.summary.claims]


def test_an_audit_letter_is_a_notice_not_a_fatal_error() -> None:
    """IBM's WebSphere and Liberty write an event type letter after the logger: "I", "W", "E", and "A" for audit
    records (a server launched, an application started). Read as logcat's assert, "A" made every start a FATAL
    record: 20 of them led a summary whose real errors were a handful."""
    logger = "com.ibm.ws.app.manager.AppMessageHelper"
    lines = []
    for i in range(80):
        t = f"[12/5/26 8:{i // 60:02d}:{i % 60:02d}:123 UTC] 000000{i % 9 + 20:02x} {logger:<40}"
        if i % 20 == 0:
            lines.append(f"{t} A CWWKZ0001I: Application inventory started in {1 + i / 100:.3f} seconds.")
        elif i % 20 == 7:
            lines.append(f"{t} E CWWKE0701E: Connection refused to db-{i % 3}:5432")
        else:
            lines.append(f"{t} I SRVE0242I: [inventory] [/inventory] [reserve]: Initialization successful {i}.")
    rep = _run("\n".join(lines) + "\n")
    levels = {t.text: t.max_level for t in rep.templates}
    assert levels["Application inventory started in <*> seconds."] == report_pb2.LEVEL_NOTICE
    assert levels["Connection refused to <*>:<*>"] == report_pb2.LEVEL_ERROR
    assert report_pb2.LEVEL_FATAL not in levels.values()


def test_a_level_word_that_opens_a_quoted_text_is_the_texts() -> None:
    """A cron job's script traced by the shell ("set -x"): "+ echo 'WARN: /backups at 88%'", then the line the echo
    wrote, "WARN: /backups at 88%". The traced command read as a warning too: each warning was counted twice."""
    lines = []
    for i in range(30):
        lines += [f"+ rsync -a /pg_wal/0000000100000{i:03d} backup:/wal/", "+ df -h /backups"]
        if i % 5 == 4:
            lines += [f"+ echo 'WARN: /backups at {80 + i % 20}%'", f"WARN: /backups at {80 + i % 20}%"]
    rep = _run("\n".join(lines) + "\n")
    levels = {t.text: report_pb2.Level.Name(t.max_level) for t in rep.templates}
    assert levels["<*> at <*>%"] == "LEVEL_WARN", levels
    assert levels["+ echo 'WARN: <*> at <*>%'"] == "LEVEL_UNSPECIFIED", levels
    assert sum(t.count for t in rep.templates if t.max_level == report_pb2.LEVEL_WARN) == 6
    # A key's quoted value is the record's level where the key names it (an iDRAC export's events).
    events = [f'<Event AgentID="iDRAC" Severity="{("Informational", "Warning")[i % 2]}" Seq="{i}">' for i in range(40)]
    assert _levels(_run("\n".join(events) + "\n")).get("WARN") == 20


def test_a_level_word_that_names_a_count_is_no_level() -> None:
    """Falco's statistics at its stop: "Rule counts by severity:", then "   CRITICAL: 23", "   WARNING: 98": the
    tally was a FATAL record and a WARN one (24 ERROR/FATAL in a file of 23 alerts). A level word whose text is only
    a number names the count."""
    lines = [
        f"2024-03-12T08:{i // 60:02d}:{i % 60:02d}.000000000+0000: Notice Shell spawned in container {i}"
        for i in range(40)
    ]
    lines += ["Events detected: 211", "Rule counts by severity:", "   CRITICAL: 23", "   WARNING: 98", "   NOTICE: 74"]
    rep = _run("\n".join(lines) + "\n")
    levels = _levels(rep)
    assert "FATAL" not in levels and "WARN" not in levels, levels
    # A number after a level word without a colon is no tally: make's exit status.
    built = _run(
        "\n".join([f"cc -c src/net{i}.c" for i in range(30)] + ["make: *** [Makefile:377: all] Error 2"]) + "\n"
    )
    assert _levels(built) == {"ERROR": 1}


def test_an_alarms_major_and_minor_severity_are_levels() -> None:
    """Network equipment's event logs write an alarm's severity as ITU-T X.733 names it (Nokia SR OS: "MAJOR: BGP
    #2002 Base Peer 1: ..." , "MINOR: SECURITY #2019 Base ssh"): a BGP peer going down had no level. Only in
    capitals: "a minor version" is a word of messages."""
    lines = []
    for i in range(60):
        t = f"{48200 + i} 2024/12/06 00:{i:02d}:02.92 CET"
        kind = ("MAJOR: BGP #2002 Base Peer 1", "MINOR: SECURITY #2019 Base ssh", "WARNING: SNMP #2005 Base 1/1/c3")
        lines.append(f"{t} {kind[i % 3]}")
    lines += [f"2024/12/06 01:{i:02d}:00 upgrade to a minor version {i} done" for i in range(3)]
    counts = level_counts(run_blocks("\n".join(lines) + "\n"))
    assert counts == {"ERROR": 20, "WARN": 40}, counts


def test_a_level_word_cut_to_its_columns_width_is_the_level() -> None:
    """Pyramid's default format writes "%(levelname)-5.5s": "WARNI", "CRITI" (17 failed logins of no level); logrus'
    text format four letters: "ERRO[0000] ...", "FATA", "DEBU"."""
    lines = []
    for i in range(40):
        t = f"2024-06-12 08:{i:02d}:12,657"
        lines.append(f"{t} INFO  [shop.views:31][waitress-{i % 4}] GET /cart/{i} served")
        if i % 4 == 0:
            lines.append(f"{t} WARNI [shop.security:77][waitress-3] Failed login for user 'u{i}' from 10.0.3.{i}")
        if i % 20 == 0:
            lines.append(f"{t} CRITI [shop.db:12][MainThread] Database unreachable after {i} retries")
    counts = level_counts(run_blocks("\n".join(lines) + "\n"))
    assert counts == {"INFO": 40, "WARN": 10, "FATAL": 2}, counts
    logrus = [f"{'ERRO' if i % 5 == 0 else 'INFO'}[{i:04d}] container {i} state changed" for i in range(30)]
    assert level_counts(run_blocks("\n".join(logrus) + "\n")) == {"INFO": 24, "ERROR": 6}


def test_a_level_in_angle_brackets_a_few_fields_into_the_message_is_the_records() -> None:
    """Vertica's "<thread> [tag] <ERROR> ..." (the thread's name of one word or two, so no one layout holds every
    line) and ArubaOS' "<id> <pid> <ERRS> <host ip>" (syslog's severity names cut to four letters): 0 ERROR, 0 WARN
    were reported for files of them."""
    lines = []
    for i in range(60):
        t = f"2024-03-06 05:{i:02d}:01.012"
        if i % 5 == 0:
            lines.append(f"{t} EEThread:0x7f067fe9266d-a0000000c{i:05d} [EE] <ERROR> Join inner did not fit in memory")
        elif i % 5 == 1:
            lines.append(f"{t} Init Session:7f76e3561e49-a0000000{i:05d} <WARNING> @v_node0001: slow plan {i}")
        else:
            lines.append(f"{t} unknown:0x7f4c2be0b8c0 [Txn] <INFO> Commit {i} done")
    assert _levels(_run("\n".join(lines) + "\n")) == {"ERROR": 12, "WARN": 12, "INFO": 36}
    aruba = []
    for i in range(40):
        sev = ("ERRS", "WARN", "NOTI", "CRIT")[i % 4]
        aruba.append(
            f"Mar 12 00:{i:02d}:27 2024 mc1 authmgr[3398]: <522275> <3398> <{sev}> <mc1 10.1.1.10>  |x|  ev {i}"
        )
    assert _levels(_run("\n".join(aruba) + "\n")) == {"ERROR": 10, "WARN": 10, "NOTICE": 10, "FATAL": 10}


def test_the_writer_and_its_process_id_before_the_severity_are_the_records_source() -> None:
    """Pgpool-II's "%m: %a pid %p: " prefix: the client application, "pid", the process id, then PostgreSQL's level.
    1 ERROR was reported for 200, and each message was one template per application."""
    apps = ("psql", "orders-api", "[unknown]", "pgbench")
    lines = []
    for i in range(48):
        t = f"2024-03-06 07:{i:02d}:33.743"
        app = apps[i % 4]
        if i % 3 == 0:
            lines.append(f"{t}: {app} pid {4000 + i}: ERROR:  unable to read data from frontend")
        else:
            lines.append(f"{t}: {app} pid {4000 + i}: LOG:  new connection received")
    rep = _run("\n".join(lines) + "\n")
    assert _levels(rep) == {"ERROR": 16, "INFO": 32}
    assert sorted(t.text for t in rep.templates) == [
        "ERROR: unable to read data from frontend",
        "LOG: new connection received",
    ]


def test_a_level_after_bracketed_columns_is_read_under_a_layout_of_other_lines() -> None:
    """Gunicorn's "[time] [1] [CRITICAL] WORKER TIMEOUT (pid:9)" among a Flask app's "time:LEVEL:logger:..." lines and
    an access log's: the file's other layout cut the time, and the level after the bracketed pid was lost (the worker
    killed for a timeout, the file's one CRITICAL, was in no list of errors)."""
    lines = []
    for i in range(60):
        if i % 3:
            lines.append(
                f'10.1.6.{i} - - [14/May/2024:08:{i:02d}:50 +0000] "POST /api/v1/chart HTTP/1.1" 200 265 "-" "curl/8"'
            )
        else:
            lines.append(f"2024-05-14 08:{i:02d}:51,123:INFO:superset.models.core:Query for chart {i} took 0.2s")
    lines.append("[2024-05-14 09:00:50 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:9)")
    lines.append("[2024-05-14 09:00:50 +0000] [1] [ERROR] Worker (pid:9) was sent SIGKILL! Perhaps out of memory?")
    rep = _run("\n".join(lines) + "\n")
    levels = {t.text: report_pb2.Level.Name(t.max_level) for t in rep.templates}
    assert levels["WORKER TIMEOUT (pid:<*>)"] == "LEVEL_FATAL"
    assert levels["Worker (pid:<*>) was sent SIGKILL! Perhaps out of memory?"] == "LEVEL_ERROR"


def test_a_message_field_that_holds_nothing_is_no_message() -> None:
    """go-kit's request logging writes "err=null" on every request that did not fail, no "msg": "null" was the
    message of 283 records, one template "<*>" that the summary named the file's most frequent message."""
    lines = [
        f"ts=2024-05-14T12:00:{i:02d}.184Z caller=logging.go:34 method=GetProfile id={i:04x}e took={i}.3ms err=null"
        for i in range(40)
    ]
    lines += [
        f'ts=2024-05-14T12:01:{i:02d}.184Z caller=logging.go:34 method=GetProfile id={i:04x} err="not found"'
        for i in range(5)
    ]
    rep = _run("\n".join(lines) + "\n")
    texts = {t.text: t.count for t in rep.templates}
    assert "<*>" not in texts and texts["not found"] == 5
    assert any(t.startswith("caller=") and "method=" in t and c == 40 for t, c in texts.items()), texts


def test_python_loggings_level_and_logger_glued_by_colons_after_a_header_time_are_the_header() -> None:
    """Huey's consumer writes "[time] %(levelname)s:%(name)s:%(process)d:%(threadName)s:%(message)s": no record had
    a level, and the level, logger, pid and thread stayed in every template ("INFO:huey:<*>:Worker-<*>:Executing")."""
    lines = []
    for i in range(40):
        level = "ERROR" if i % 10 == 0 else "INFO"
        lines.append(f"[2024-05-14 00:{i:02d}:03,118] {level}:huey.consumer:18422:Worker-{i % 4}:Executing task {i}")
    rep = _run("\n".join(lines) + "\n")
    assert _levels(rep) == {"ERROR": 4, "INFO": 36}
    assert [t.text for t in rep.templates] == ["Executing task <*>"]


def test_a_syslog_selector_closing_a_bracketed_field_the_message_opens_with_is_its_level() -> None:
    """Solaris' syslog writes each message's id and its facility.severity in brackets: "genunix: [ID 748625
    daemon.error] ...". A file of a failing disk and a reboot by root was "0 ERROR/FATAL, 0 WARN"."""
    sev = ("kern.notice", "daemon.error", "kern.warning", "auth.crit")
    lines = [
        f"Mar 14 00:{i:02d}:11 sol11-db01 genunix: [ID {540533 + i} {sev[i % 4]}] event {i} happened" for i in range(40)
    ]
    assert _levels(_run("\n".join(lines) + "\n")) == {"NOTICE": 10, "ERROR": 10, "WARN": 10, "FATAL": 10}


def test_a_level_where_a_collectors_time_is_followed_by_a_sources_tag_is_the_records_level() -> None:
    """Erlang/OTP's logger writes "<RFC 3339 time> warning: pid=<0.956.0> module=ledger_db msg=..." (a level and a
    colon where a collector's "source:" tag stands): the level was taken for the source, no record had one."""
    lines = []
    for i in range(40):
        level = ("info", "warning", "error", "notice")[i % 4]
        lines.append(
            f'2024-03-12T14:30:{i:02d}.382000+00:00 {level}: pid=<0.9{i}.0> module=ledger_db msg="query {i}" ms={i}'
        )
    assert _levels(_run("\n".join(lines) + "\n")) == {"INFO": 10, "WARN": 10, "ERROR": 10, "NOTICE": 10}


def test_a_headers_ctime_year_is_the_times_and_its_message_the_line_under_it() -> None:
    """Firebird's firebird.log: the host and a ctime stamp on a line of their own, the message indented under it. The
    year after the clock was read as the message: the whole file one template, "<*>"."""
    messages = ("Authentication error", "INET/inet_error: read errno = 104, user = etl", "Database: /data/fb/crm.fdb")
    lines = []
    for i in range(30):
        lines += [f"fbsrv01\tWed Mar  6 00:{i:02d}:40 2024", f"\t{messages[i % 3]}", ""]
    rep = _run("\n".join(lines) + "\n")
    assert sorted(t.text for t in rep.templates) == [
        "Authentication error",
        "Database: <*>",
        "INET/inet_error: read errno = <*>, user = etl",
    ]


def test_a_quoted_value_is_not_cut_between_the_header_and_the_message() -> None:
    """SonicWall writes its own time in quotes, its zone after a blank ('time="2024-03-11 23:18:06 UTC" fw=...'): the
    header's columns ended inside the quotes, and every template opened with 'UTC" fw=<*>'."""
    lines = [
        f'Mar 12 00:{i:02d}:06 10.1.1.2 id=firewall sn=0017C5 time="2024-03-11 23:{i:02d}:06 UTC" fw=203.0.113.5'
        f' pri=6 msg="Connection {("Opened", "Closed")[i % 2]}" n={1000 + i}'
        for i in range(40)
    ]
    rep = _run("\n".join(lines) + "\n")
    assert sorted(t.text for t in rep.templates) == [
        'fw=<*> pri=<*> msg="Connection Closed" n=<*>',
        'fw=<*> pri=<*> msg="Connection Opened" n=<*>',
    ]


def test_a_message_of_key_value_pairs_with_a_level_behind_a_relays_header_is_a_structured_record() -> None:
    """FortiGate sends "date=... time=... devname=... level="warning" ... msg="..."" to a syslog server, which writes
    its own clock and the host before it: no record had a level (the pairs' level key was text) and every template
    was the whole list of pairs."""
    levels = ("notice", "warning", "error", "information")
    lines = [
        f'Mar 12 00:{i:02d}:06 fgt01 date=2024-03-12 time=00:{i:02d}:06 devname="FGT-HQ-01" logid="0100032001"'
        f' type="event" subtype="system" level="{levels[i % 4]}" vd="root" msg="{("Admin login", "Link down")[i % 2]}"'
        for i in range(40)
    ]
    rep = _run("\n".join(lines) + "\n")
    assert _levels(rep) == {"NOTICE": 10, "WARN": 10, "ERROR": 10, "INFO": 10}
    assert sorted(t.text for t in rep.templates) == ["Admin login", "Link down"]


def test_a_relayed_message_of_pairs_without_a_message_field_or_with_a_status_keeps_its_text() -> None:
    """Asterisk's security events ('SECURITY[2277] res_security_log.c: SecurityEvent="InvalidAccountID",...,
    Severity="Error",...') have no message field: their pairs stay the message, the event's name its text, their
    level read. Sophos UTM's web proxy writes 'severity="info" ... statuscode="502" ... error="Host not found"': a
    request answered with a status stays its pairs, at the status's level (not its error field, at INFO)."""
    lines = [
        f'[Dec  5 00:{i:02d}:11] SECURITY[2277] res_security_log.c: SecurityEvent="InvalidAccountID",'
        f'EventTV="2024-12-05T00:{i:02d}:11.3+0000",Severity="Error",Service="PJSIP",AccountID="{100 + i}"'
        for i in range(30)
    ]
    rep = _run("\n".join(lines) + "\n")
    (t,) = rep.templates
    assert 'SecurityEvent="InvalidAccountID"' in t.text and _levels(rep) == {"ERROR": 30}, t.text
    lines = [
        f'2024:12:06-03:{i:02d}:14 utm-1 httpproxy[5566]: id="0002" severity="info" sys="SecureWeb" name="web request'
        f' blocked" method="GET" srcip="10.10.2.{i}" statuscode="{(200, 502)[i % 2]}" error="Host not found"'
        for i in range(30)
    ]
    rep = _run("\n".join(lines) + "\n")
    assert "Host not found" not in {t.text for t in rep.templates}
    assert _levels(rep) == {"INFO": 15, "ERROR": 15}


def test_a_level_letter_in_parentheses_opening_each_line_is_the_level() -> None:
    """qBittorrent writes "(N) 2024-03-14T18:20:02 - ...", "(W)", "(C)": the column was a bracketed word, the file's
    "No space left on device" records of no level ("0 ERROR/FATAL")."""
    letters = ["N"] * 20 + ["I"] * 10 + ["W"] * 3 + ["C"] * 2
    lines = [f'({c}) 2024-03-14T18:{i:02d}:02 - Torrent added. Torrent: "file{i}.iso"' for i, c in enumerate(letters)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert level_counts(rep) == {"NOTICE": 20, "INFO": 10, "WARN": 3, "FATAL": 2}, level_counts(rep)


def test_glogs_letter_and_source_in_brackets_is_the_records_level() -> None:
    """PyTorch's c10 logging writes glog's short header in brackets, under torchrun's rank prefix: "[rank11]:[E
    ProcessGroupNCCL.cpp:523] [Rank 11] Watchdog caught collective operation timeout": four ERROR lines had no level."""
    lines = [f"train - epoch 0 step {i}/5000 loss {2.5 - i / 100:.3f}" for i in range(20)]
    lines += [
        "[rank11]:[E ProcessGroupNCCL.cpp:523] [Rank 11] Watchdog caught collective operation timeout",
        "[W socket.cpp:464] [c10d] The server socket has failed to bind to [::]:29500 (errno: 98)",
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert level_counts(rep).get("ERROR") == 1 and level_counts(rep).get("WARN") == 1, level_counts(rep)


def test_a_level_after_the_id_in_brackets_a_message_opens_with_is_its_level() -> None:
    """slurmd writes a job step's messages under its id: "[2024-03-14T07:17:56.766] [884185.batch] error: *** JOB 884185
    ON cn017 CANCELLED AT ... DUE TO TIME LIMIT ***". A daemon's name in brackets before the level was looked past, an
    id (digits first) not: the job's errors had no level."""
    lines = [f"[2024-03-14T07:{i:02d}:56.766] [8841{i:02d}.batch] task/cgroup: job memory limit set" for i in range(20)]
    lines.append("[2024-03-14T07:30:56.766] [884185.batch] error: *** JOB 884185 ON cn017 CANCELLED AT 07:30 ***")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert level_counts(rep).get("ERROR") == 1, level_counts(rep)


def test_a_level_letter_glued_to_the_bracketed_time_is_the_level() -> None:
    """Tendermint's and CometBFT's "I[2024-03-12|11:00:00.012] message  module=consensus": the letter is the level,
    the bar joins the date and the clock (no level was read, every record dated the upload's day)."""
    lines = []
    for i in range(60):
        letter = "E" if i % 20 == 7 else "I"
        msg = "Error on broadcastTxCommit" if letter == "E" else "committed state"
        stamp = f"2024-03-12|11:{i // 60:02d}:{i % 60:02d}.{i * 7 % 1000:03d}"
        lines.append(f"{letter}[{stamp}] {msg}    module=state height={i}\n")
    rep = _run("".join(lines))
    assert _levels(rep) == {"INFO": 57, "ERROR": 3}
    assert rep.time_range.start_time.ToJsonString() == "2024-03-12T11:00:00Z"


def test_btclogs_three_letter_levels_and_a_level_joined_to_its_loggers_name_are_levels() -> None:
    """btclog (btcd's, lnd's) writes "[TRC]" .. "[CRT]": "[CRT]" is critical. Duplicati writes its level as the first
    part of a bracketed category, joined by a hyphen to the dotted name of what logged it
    ("[Warning-Duplicati.Library.Main.Operation.Backup-FileAccessError]"): a failed backup read "0 ERROR/FATAL"."""
    lnd = [f"2024-03-12 18:12:{i:02d}.{i:03d} [INF] CRTR: Block {i} closed {i % 7} channels\n" for i in range(40)]
    lnd.append("2024-03-12 18:13:00.090 [CRT] CHDB: Unable to commit channel state: no space left on device\n")
    lnd.append("2024-03-12 18:13:01.001 [TRC] PEER: Readmessage from peer\n")
    assert _levels(_run("".join(lnd))) == {"INFO": 40, "FATAL": 1, "TRACE": 1}
    kinds = ["Information-Duplicati.Library.Main.BasicResults-BackendEvent"] * 3 + [
        "Warning-Duplicati.Library.Main.Operation.Backup.FileEnumerationProcess-FileAccessError",
        "Error-Duplicati.Library.Main.Operation.BackupHandler-FatalError",
    ]
    text = "".join(
        f"2024-03-08 02:{i // 60:02d}:{i % 60:02d} +01 - [{kinds[i % 5]}]: step {i} done\n" for i in range(50)
    )
    rep = _run(text)
    assert _levels(rep) == {"INFO": 30, "WARN": 10, "ERROR": 10}
    assert rep.time_range.start_time.ToJsonString() == "2024-03-08T01:00:00Z"


def test_a_level_word_the_text_denies_is_no_level() -> None:
    """w32time's dump of an NTP packet says "LeapIndicator: 0 - no warning": five WARN records, the first warning of
    the file's summary and timeline, in a log with none. A level word after "no", "not", "without" or a count of none
    (Unreal's "Success - 0 error(s)", an ERROR) says there is none of it; the same word standing alone is a level
    still."""
    lines = []
    for i in range(30):
        lines.append(
            f"154568 06:{i:02d}:02.0000008s - /-- NTP Packet: | LeapIndicator: 0 - no warning; VersionNumber: 3"
        )
        lines.append(f"154568 06:{i:02d}:03.0000008s - Backup completed without errors, {i} files")
        lines.append(f"154568 06:{i:02d}:04.0000008s - LogInit: Display: Success - 0 error(s), {i} file(s)")
    lines.append("154568 06:31:02.0000008s - warning: peer 10.0.0.1 unreachable")
    assert _levels(_run("\n".join(lines) + "\n")) == {"WARN": 1}


def test_a_count_before_a_level_word_is_a_tally_not_the_lines_level() -> None:
    """A build's "1 warning" was a WARN record beside "4 warnings" of no level, "1 error" an ERROR beside "2 errors",
    and pytest's verdict "=== 2 failed, 140 passed, 1 warning in 41.27s ===" a warning. A number before a level word
    counts records written elsewhere: the tally has no level of its own, whatever its count. A level in capitals after
    a number is a level as written (a process id's column, then the level)."""
    tallies = ["1 warning", "4 warnings", "1 error", "2 errors", "3 error(s)", "1,024 warnings"]
    verdict = "=== 2 failed, 140 passed, 1 warning in 41.27s ==="
    lines = [f"> Task :lib{i}:compileJava" for i in range(6)] + [*tallies, verdict, "4711 ERROR disk full"]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    leveled = {t.text: report_pb2.Level.Name(t.max_level) for t in rep.templates if t.max_level}
    assert leveled == {"<*> ERROR disk full": "LEVEL_ERROR"}, leveled
