"""The reading layer on synthetic lines of each family: levels (per record where digits decide), envelopes,
multi-line joins and exceptions (type, root cause, fingerprint) for every language the reader joins."""

from __future__ import annotations

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.exceptions import exception_of
from loglens_analysis.engine.formats import detect_format
from loglens_analysis.engine.records import JOIN, RecordReader
from tests.unit.engine.reading_support import level_counts, run_blocks

pytestmark = pytest.mark.unit


_run = run_blocks
_levels = level_counts


def _records(text: str) -> list[str]:
    return [r for b in RecordReader().blocks([text.encode()]) for r in b.text.split("\n")]


def test_access_log_levels_are_per_record_not_per_template() -> None:
    statuses = [200] * 40 + [404] * 7 + [503] * 3
    text = "".join(
        f'10.0.0.{i % 9} - - [10/Oct/2000:13:55:{i % 60:02d} -0700] "GET /a/{i} HTTP/1.1" {s} {100 + i}\n'
        for i, s in enumerate(statuses)
    )
    rep = _run(text)
    assert _levels(rep) == {"INFO": 40, "WARN": 7, "ERROR": 3}
    (t,) = [t for t in rep.templates if t.count == 50]
    assert {report_pb2.Level.Name(x.level): x.count for x in t.levels} == {
        "LEVEL_INFO": 40,
        "LEVEL_WARN": 7,
        "LEVEL_ERROR": 3,
    }


def test_json_access_log_status_and_late_time_field() -> None:
    pad = "x" * 300  # the time field stands far into the line
    lines = [
        f'{{"ClientHost":"10.0.0.{i % 5}","DownstreamStatus":{s},"Duration":{1000 + i},"pad":"{pad}",'
        f'"time":"2021-02-05T07:57:{i % 60:02d}Z"}}'
        for i, s in enumerate([200] * 20 + [500] * 2)
    ]
    rep = _run("\n".join(lines) + "\n")
    assert rep.parse_quality.timestamp_share == 1.0
    assert _levels(rep) == {"INFO": 20, "ERROR": 2}


def test_json_request_records_take_their_level_from_the_http_status_even_beside_a_level_field() -> None:
    """A proxy writes "level":"info" on every request it logs, failed ones included: the status class decides,
    per record (records of one shape differ only in their digits), whatever the status field is called; a level
    of the record's own stays unless the status is worse than INFO, and a number in a field that names no
    status is no status."""
    statuses = [200] * 30 + [301] * 2 + [404] * 5 + [499] + [502] * 3
    keys = ("EdgeStatus", "status_code", "resp.status", "response_code")
    written = [str(s) if i % 2 else f'"{s}"' for i, s in enumerate(statuses)]  # a number or its digits
    lines = [
        f'{{"level":"info","msg":"","{keys[i % 4]}":{w},"retries":503,"time":"2021-02-05T07:57:{i % 60:02d}Z"}}'
        for i, w in enumerate(written)
    ]
    assert _levels(_run("\n".join(lines) + "\n")) == {"INFO": 32, "WARN": 6, "ERROR": 3}
    own = [f'{{"level":"{lv}","msg":"call {i}","status":{st}}}' for i, (lv, st) in enumerate([("error", 200)] * 4)]
    own += [f'{{"level":"debug","msg":"call {i}","status":200}}' for i in range(4)]
    own += [f'{{"level":"debug","msg":"call {i}","sc-status":"404"}}' for i in range(4)]
    assert _levels(_run("\n".join(own) + "\n")) == {"ERROR": 4, "DEBUG": 4, "WARN": 4}
    # Two status fields: the worst; a numeric level beside a status; a three-digit number out of 100..599.
    pairs = [(200, 200), (200, 502), (404, 200), (301, 301)] * 3
    two = [f'{{"level":"info","msg":"r","edge":{{"status":{d}}},"OriginStatus":{o}}}' for d, o in pairs]
    two += [f'{{"level":{lv},"msg":"r","status":{st}}}' for lv, st in [(30, 404), (50, 200), (30, 200)] * 2]
    two += [f'{{"level":"info","msg":"r","status":"{st}"}}' for st in (700, 200)]
    assert _levels(_run("\n".join(two) + "\n")) == {"INFO": 10, "ERROR": 5, "WARN": 5}


def test_klog_and_logcat_levels_from_their_letters() -> None:
    klog = "".join(
        f"{c}0120 11:42:{i % 60:02d}.123456    1234 kubelet.go:{40 + i}] pod sync {i}\n"
        for i, c in enumerate("IIIIIWWEEF" * 3)
    )
    rep = _run(klog)
    assert rep.format.name == "klog"
    assert _levels(rep) == {"INFO": 15, "WARN": 6, "ERROR": 6, "FATAL": 3}
    logcat = "".join(
        f"03-17 16:13:{i % 60:02d}.811  1702  2395 {c} ActivityManager: Start proc {i}\n"
        for i, c in enumerate("VDIWEF" * 5)
    )
    rep = _run(logcat)
    assert rep.format.name == "android-logcat"
    assert _levels(rep) == {"TRACE": 5, "DEBUG": 5, "INFO": 5, "WARN": 5, "ERROR": 5, "FATAL": 5}


def test_numeric_json_levels_bunyan_and_python() -> None:
    pino = "".join(f'{{"level":{lv},"time":1700000000{i:03d},"msg":"m {i}"}}\n' for i, lv in enumerate([30, 50] * 5))
    assert _levels(_run(pino)) == {"INFO": 5, "ERROR": 5}
    py = "".join(f'{{"levelno":{lv},"msg":"m {i}"}}\n' for i, lv in enumerate([20, 30, 40] * 4))
    assert _levels(_run(py)) == {"INFO": 4, "WARN": 4, "ERROR": 4}


def test_level_prefix_in_a_message_counts_in_every_layout() -> None:
    syslog = "".join(f"Jan  5 10:00:{i:02d} host sshd[{100 + i}]: error: Bind to port 22 failed\n" for i in range(10))
    header = "".join(
        f"2024-01-05 10:00:{i:02d} host sshd[{100 + i}]: error: Bind to port 22 failed\n" for i in range(10)
    )
    for text in (syslog, header):
        assert _levels(_run(text)) == {"ERROR": 10}


def test_level_inside_a_bracketed_header_field() -> None:
    text = "".join(
        f"[2025-08-21 07:25:{i:02d},637: {'WARNING' if i % 2 else 'INFO'}/MainProcess] worker {i} ready\n"
        for i in range(20)
    )
    assert _levels(_run(text)) == {"INFO": 10, "WARN": 10}


def test_header_never_takes_the_messages_words() -> None:
    text = "".join(f"2026-11-30T10:00:{i:02d}Z INFO request {i} served\n" for i in range(30))
    text += "2026-11-30T10:01:40Z ERROR db down\n"
    rep = _run(text)
    texts = {t.text for t in rep.templates}
    assert "request <*> served" in texts
    assert "db down" in texts


def test_compose_prefix_is_an_envelope_and_services_are_not_joined() -> None:
    lines = []
    for i in range(12):
        lines.append(f"api     | 2024-01-01 10:00:{i:02d},000 ERROR boom {i}")
        lines.append("api     | Traceback (most recent call last):")
        lines.append('api     |   File "/app/x.py", line 3, in run')
        lines.append("api     |     go()")
        lines.append("api     | ConnectionRefusedError: [Errno 111] refused")
        lines.append("db      |   indented line of another service")
    rep = _run("\n".join(lines) + "\n")
    assert rep.record_count == 24  # 12 joined tracebacks, 12 db lines never glued to them
    assert rep.parse_quality.multiline_records == 12
    (g,) = rep.exception_groups
    assert g.exception_type == "ConnectionRefusedError" and g.count == 12


def test_a_column_of_right_aligned_names_and_a_box_drawing_bar_is_a_compose_like_envelope() -> None:
    """Tilt streams each resource's log behind its name, right-aligned to the longest, and a box-drawing bar
    ("     api │ ", "frontend │ "): the shorter names' lines open with blanks, and every one of them was joined to
    the record above as an indented line (the api's 42 errors, its outage, hidden in other resources' records)."""
    lines = []
    for i in range(30):
        lines.append(f"frontend │ 2:{i:02d}:01 PM [vite] hmr update /src/App.tsx")
        level = "ERR" if i % 3 == 0 else "INF"
        lines.append(f"     api │ 2024-05-14T14:{i:02d}:46.724Z {level} query done route=/v1/orders/{i}")
    rep = _run("\n".join(lines) + "\n")
    assert rep.record_count == 60
    assert _levels(rep).get("ERROR") == 10
    assert rep.parse_quality.multiline_records == 0


def test_a_build_tools_targets_and_images_named_in_a_compose_like_column_are_its_sources() -> None:
    """Earthly writes each target's ("+base", "+test") and image's ("postgres:16-alpine") output behind its name,
    right-aligned, and a bar: the names' "+" and ":" were no source's, and every line was joined to the one record
    above (the test's JSON logs untimed, its error and its panic hidden)."""
    lines = [" Init", "—" * 40]
    for i in range(30):
        lines.append(f"    postgres:16-alpine | --> Load metadata postgres:16-alpine linux/amd64 {i}")
        level = "error" if i % 3 == 0 else "info"
        lines.append(
            f'                 +test | {{"level":"{level}","time":"2024-03-12T16:{i:02d}:44Z","message":"reserved"}}'
        )
    rep = _run("\n".join(lines) + "\n")
    assert rep.parse_quality.multiline_records == 0
    assert _levels(rep).get("ERROR") == 10


def test_a_tag_in_brackets_before_each_services_own_timed_lines_is_a_source_not_text() -> None:
    """Skaffold tags each line of the services it runs with "[name] " (no colon), among its own untagged lines; the
    api's "2024/05/14 09:03:02 ..." and the database's "2024-05-14 09:05:10.123 UTC [77] LOG: ..." are their own
    headers. The times behind the tags were read as text (the file 0 % timed; "<*>:<*>:<*> GET <*>" in 79 records)."""
    lines = ["Generating tags...", " - acme/api -> acme/api:v1", "Starting deploy...", "Watching for changes..."]
    for i in range(60):
        lines.append(f"[api] 2024/05/14 09:{i:02d}:02 GET /v1/orders/{i} 200 {400 + i}µs")
        lines.append(f"[web] GET /products/{i} 200 {i}.5 ms - {1000 + i}")
        if i % 6 == 0:
            lines.append(f"[db] 2024-05-14 09:{i:02d}:10.123 UTC [77] LOG:  checkpoint starting: time")
        lines += [f"#{i} [builder {i % 6}/6] RUN go build ./...", f"#{i} DONE {i % 9}.{i % 7}s"]
    rep = _run("\n".join(lines) + "\n")
    assert rep.time_range.start_time.ToJsonString() == "2024-05-14T09:00:02Z"
    assert not [t.text for t in rep.templates if "<*>:<*>:<*>" in t.text]
    assert rep.parse_quality.envelope == "tagged-source"
    assert "its services' lines prefixed by their name in brackets" in rep.format.description


def test_timestamp_prefix_envelope_joins_continuations() -> None:
    lines = []
    for i in range(10):
        ts = f"2024-01-01T00:00:{i:02d}.1234567Z"
        lines += [
            f"{ts} java.lang.IllegalStateException: bad {i}",
            f"{ts} \tat com.example.A.run(A.java:1)",
            f"{ts} \tat com.example.B.call(B.java:2)",
        ]
    recs = [r for r in _records("\n".join(lines) + "\n") if r]
    assert len(recs) == 10
    assert recs[0].split(JOIN)[1] == "\tat com.example.A.run(A.java:1)"


def test_a_time_the_application_writes_before_its_padded_level_is_its_header_not_an_envelope() -> None:
    # Spring Boot pads its level column ("%5p"): "...+01:00  INFO 1 --- [main] ...". The blanks after the time are
    # the layout's, not a continuation's indent: each line is a record, and a stack trace joins its record.
    lines = []
    for i in range(40):
        ts = f"2024-01-15T08:00:{i:02d}.123+01:00"
        level = "ERROR" if i % 20 == 2 else ("INFO", "WARN")[i % 2]
        lines.append(f"{ts} {level:>5} 1 --- [           main] o.s.b.w.e.tomcat.TomcatWebServer : step {i} done")
        if level == "ERROR":
            lines += ["java.lang.IllegalStateException: bad state", "\tat com.example.A.run(A.java:1)"]
    rep = _run("\n".join(lines) + "\n")
    assert rep.record_count == 40
    assert rep.parse_quality.envelope == ""
    assert level_counts(rep) == {"INFO": 18, "WARN": 20, "ERROR": 2}
    (g,) = rep.exception_groups
    assert g.exception_type == "java.lang.IllegalStateException" and g.count == 2


@pytest.mark.parametrize("pad", ["level", "number"])
def test_a_line_whose_blanks_pad_its_first_column_is_a_record_not_an_indented_line(pad: str) -> None:
    # log4j's "%5p" writes " INFO" beside "ERROR" and Python's "%(levelname)8s" "    INFO"; Kamailio right-aligns
    # the number before its level (" 0(36) INFO:" beside "89(125) INFO:"). Such a line opens with blanks, yet it
    # is a record like its unpadded neighbours; a stack trace's indented frames still join their record.
    lines = []
    for i in range(40):
        level = "ERROR" if i % 20 == 2 else ("INFO", "WARN", "DEBUG")[i % 3]
        if pad == "level":
            lines.append(f"{level:>8} [main] (Worker.java:{i + 10}) - step {i} done")
        else:
            lines.append(f"{i * 3 % 17:>2}({100 + i}) {level}: core [worker.c:{i + 10}]: step {i} done")
        if level == "ERROR":
            lines += ["java.lang.IllegalStateException: bad state", "\tat com.example.A.run(A.java:1)"]
    rep = _run("\n".join(lines) + "\n")
    assert rep.record_count == 40
    assert level_counts(rep) == {"DEBUG": 12, "INFO": 14, "WARN": 12, "ERROR": 2}
    (g,) = rep.exception_groups
    assert g.exception_type == "java.lang.IllegalStateException" and g.count == 2


def test_an_indented_line_that_names_a_level_inside_its_text_still_continues_its_record() -> None:
    # Only a level in a header's place (first, or after numbers and brackets) with text after it: an indented
    # line of prose, a YAML "level: INFO" or a quoted level is the record's own.
    text = "".join(
        f"2024-01-15 08:00:{i:02d} ERROR request {i} failed\n"
        f"    the handler said ERROR twice\n    level: INFO\n    'WARN' was expected\n"
        for i in range(10)
    )
    rep = _run(text)
    assert rep.record_count == 10
    assert level_counts(rep) == {"ERROR": 10}


def test_a_numbered_source_line_in_a_diagnostics_gutter_continues_the_diagnostic() -> None:
    # rustc draws a gutter under a diagnostic and writes the excerpt's line number flush left in it: the numbered
    # line follows the gutter's bare bar and belongs to the diagnostic (it was a record of its own, the file's most
    # frequent "<*> | let x = <*>;"). A file whose records open with a number and a bar stays a record per line.
    heads = [
        "warning: unused variable: `x{}`",
        "error[E0308]: mismatched types",
        "warning: function `f{}` is never used",
    ]
    text = "".join(
        f"{heads[i % 3].format(i)}\n --> src/main.rs:{i + 2}:9\n  |\n{i + 2} |     let x{i}: u32 = 5;\n"
        f"  |         ^^ help: if this is intentional, prefix it with an underscore: `_x{i}`\n  |\n"
        "  = note: `#[warn(unused_variables)]` on by default\n\n"
        for i in range(12)
    )
    rep = _run(text)
    assert rep.record_count == 12
    assert len(rep.templates) == 3
    assert not [t.text for t in rep.templates if "|" in t.text], [t.text for t in rep.templates]
    piped = "".join(f"{1709294400 + i} | INFO | worker {i % 3} finished batch {i}\n" for i in range(30))
    assert _run(piped).record_count == 30


def test_serilog_three_letter_levels() -> None:
    levels = ("VRB", "DBG", "INF", "WRN", "ERR", "FTL")
    text = "".join(f"2024-01-15 08:00:{i:02d}.123 +00:00 [{levels[i % 6]}] Handled request {i}\n" for i in range(36))
    assert level_counts(_run(text)) == {"TRACE": 6, "DEBUG": 6, "INFO": 6, "WARN": 6, "ERROR": 6, "FATAL": 6}
    # Serilog's console default, "[{Timestamp:HH:mm:ss} {Level:u3}] {Message}": the level inside the time's brackets.
    text = "".join(f"[08:00:{i:02d} {levels[i % 6]}] Handled request {i}\n" for i in range(36))
    assert level_counts(_run(text)) == {"TRACE": 6, "DEBUG": 6, "INFO": 6, "WARN": 6, "ERROR": 6, "FATAL": 6}
    # In free text the short forms are levels in capitals only: "inf" is a value, "Dbg" a word.
    words = ("the result was inf", "opened Dbg console", "cache hit", "request served", "queue drained")
    text = "".join(f"08:00:{i:02d} worker {i} says {words[i % 5]} at step {i}\n" for i in range(36))
    assert level_counts(_run(text)) == {}


def test_ansi_colours_and_bom_are_removed() -> None:
    text = "\ufeff" + "".join(f"\x1b[32m2024-01-01 10:00:{i:02d} INFO\x1b[0m started {i}\n" for i in range(10))
    rep = _run(text)
    assert rep.parse_quality.timestamp_share == 1.0
    assert all("\x1b" not in t.text for t in rep.templates)


def test_a_terminals_control_strings_are_removed_as_colours_are() -> None:
    # A CI runner marks each line with its time in an application control string a terminal does not show
    # (Buildkite's "ESC _bk;t=<ms> BEL"), an operating system command sets a window's title: neither is the message.
    steps = ("~~~ Running commands", "$ bundle exec rspec", "Installing rake 13.1.0", "412 examples, 1 failure")
    text = "".join(f"\x1b_bk;t={1705312800000 + i * 137}\x07{steps[i % 4]}\n" for i in range(40))
    text += "\x1b]0;build finished\x1b\\user command error: exit status 1\n"
    rep = _run(text)
    assert sorted(t.text for t in rep.templates) == [
        "$ bundle exec rspec",
        "<*> examples, <*> failure",
        "Installing rake <*>",
        "user command error: exit status <*>",
        "~~~ Running commands",
    ]


CHAINED = (
    "2024-01-01 10:00:00,000 ERROR task failed\n"
    "Traceback (most recent call last):\n"
    '  File "/app/db.py", line 10, in connect\n'
    "    sock.connect()\n"
    "ConnectionRefusedError: [Errno 111] Connection refused\n"
    "\n"
    "During handling of the above exception, another exception occurred:\n"
    "\n"
    "Traceback (most recent call last):\n"
    '  File "/app/task.py", line 5, in run\n'
    "    db.connect()\n"
    "airflow.exceptions.AirflowTaskTimeout: Timeout, PID: 42\n"
    "2024-01-01 10:00:01,000 INFO next\n"
)


def test_chained_python_traceback_is_one_record_with_its_root_cause() -> None:
    recs = _records(CHAINED)
    assert len(recs) == 2 and recs[0].count(JOIN) == 11
    info = exception_of(recs[0])
    assert info is not None
    assert info.type == "airflow.exceptions.AirflowTaskTimeout"
    assert info.root_type == "ConnectionRefusedError"
    assert info.frames == ("db.py:connect",)
    rep = _run(CHAINED)
    assert rep.templates[0].first_line in (1, 13)
    assert {t.first_line for t in rep.templates} == {1, 13}  # line numbers count the blank lines too


@pytest.mark.parametrize(
    ("record", "outer", "root", "frames"),
    [
        (
            "ERROR x\x1ejava.lang.IllegalStateException: a\x1e\tat a.B.c(B.java:1)\x1e"
            "Caused by: java.io.IOException: b\x1e\tat d.E.f(E.java:2)\x1e\t... 3 more",
            "java.lang.IllegalStateException",
            "java.io.IOException",
            ("d.E.f",),
        ),
        (
            "fail\x1eTypeError: x is undefined\x1e    at handler (/app/h.js:1:2)\x1e    at /app/s.js:3:4",
            "TypeError",
            "TypeError",
            ("handler", "/app/s.js"),
        ),
        (
            "fail\x1eSystem.InvalidOperationException: outer ---> System.IO.IOException: inner\x1e"
            "   at App.Svc.Run() in C:\\a\\Svc.cs:line 10",
            "System.InvalidOperationException",
            "System.IO.IOException",
            ("App.Svc.Run",),
        ),
        (
            "app/x.rb:10:in `index': undefined method (NoMethodError)\x1e\tfrom app/y.rb:2:in `call'",
            "NoMethodError",
            "NoMethodError",
            ("x.rb", "y.rb:call"),
        ),
        (
            "panic: runtime error: invalid memory address\x1e[signal SIGSEGV: segmentation violation]\x1e\x1e"
            "goroutine 1 [running]:\x1emain.handler(0x0)\x1e\t/app/main.go:12 +0x1d\x1emain.main()\x1e\t/a.go:3",
            "panic",
            "SIGSEGV",
            ("main.handler", "main.main"),
        ),
    ],
)
def test_exception_types_and_root_causes(record: str, outer: str, root: str, frames: tuple[str, ...]) -> None:
    info = exception_of(record)
    assert info is not None
    assert (info.type, info.root_type, info.frames) == (outer, root, frames)


def test_same_failure_from_two_code_paths_is_two_groups_and_twice_is_one() -> None:
    def trace(i: int, caller: str) -> str:
        return (
            f"2024-01-01 10:00:{i:02d},000 ERROR request failed\n"
            "java.lang.NullPointerException: null\n"
            f"\tat com.example.{caller}.handle(X.java:{i + 1})\n"
        )

    rep = _run("".join(trace(i, "Orders" if i % 2 else "Users") for i in range(10)))
    assert sorted(g.count for g in rep.exception_groups) == [5, 5]
    assert len({g.fingerprint for g in rep.exception_groups}) == 2


def test_one_line_exceptions_need_a_type_not_a_word() -> None:
    assert exception_of("x", "java.lang.OutOfMemoryError: Java heap space") is not None
    assert exception_of("x", "error: Bind to port 22 failed") is None
    assert exception_of("x", "Loaded class com.example.Foo") is None


def test_format_detection_of_klog_with_header_lines() -> None:
    lines = ["Log file created at: 2019/08/20 20:28:26", "Running on machine: n1"]
    lines += [f"I0820 20:28:{i:02d}.508550    3312 flags.go:33] FLAG: --v={i}" for i in range(40)]
    assert detect_format(lines).name == "klog"


def test_docker_json_file_lines_are_unwrapped_and_traces_joined() -> None:
    import json

    lines = []
    for i in range(10):
        when = f"2024-01-01T00:00:{i:02d}.123456789Z"
        for log in (
            f"2024-01-01 00:00:{i:02d},000 ERROR [main] c.e.Svc - Request {i} failed\n",
            "java.lang.IllegalStateException: closed\n",
            "\tat c.e.Svc.close(Svc.java:10)\n",
            "\tat c.e.Ctl.run(Ctl.java:20)\n",
        ):
            lines.append(json.dumps({"log": log, "stream": "stderr", "time": when}))
    rep = _run("\n".join(lines) + "\n")
    assert rep.parse_quality.envelope == "docker-json"
    assert rep.record_count == 10 and rep.parse_quality.multiline_records == 10
    (g,) = rep.exception_groups
    assert (g.exception_type, g.count, g.first_line) == ("java.lang.IllegalStateException", 10, 1)
    assert list(g.top_frames) == ["c.e.Svc.close", "c.e.Ctl.run"]
    assert [t.text for t in rep.templates] == ["Request <*> failed"]


def test_exception_type_after_the_header_is_the_message_not_a_logger_name() -> None:
    """When nearly every record is "<time> ERROR [Class:line] pkg.SomeException: <path>" plus its trace, the
    layout discovers a "name:" column; for these records that column is the exception's type, which opens the
    message (the template keeps it), while a real logger name before the message stays in the header."""
    lines = []
    for i in range(60):
        lines.append(f"10:00:{i:02d},5{i:02d} ERROR [Store:{i}] org.app.store.NoSuchFileException: /data/{i}/file.bin")
        lines.append("\tat org.app.store.Store.read(Store.java:12)")
        lines.append("\tat org.app.Main.run(Main.java:3)")
    lines.append("10:01:00,000 INFO [Boot:1] org.app.Boot: started in 5 s")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = {t.text: t.count for t in rep.templates}
    assert texts.get("org.app.store.NoSuchFileException: <*>") == 60, texts
    assert rep.exception_groups[0].exception_type == "org.app.store.NoSuchFileException"


def test_a_templates_first_record_at_its_level_is_cited_not_its_first_record() -> None:
    """An access log's GET template opens with 200s: the timeline and the summary cite its first 404."""
    lines = [
        f'10.0.0.{i % 7} - - [01/Jun/2020:10:{i // 60:02d}:{i % 60:02d} +0000] "GET /p/{i} HTTP/1.1" '
        f'{404 if i in (30, 41) else 200} 12 "-" "curl/8"'
        for i in range(60)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    entry = next(e for e in rep.timeline if "first WARN" in e.description)
    assert list(entry.line_numbers) == [31], entry.description
    assert "2 of its 60 records" in entry.description
    claim = next(c for c in rep.summary.claims if "WARN among its" in c.text)
    assert "(status 404 x2; the first at line 31)" in claim.text and 31 in claim.line_numbers
    levels = {lc.level: lc for lc in rep.templates[0].levels}
    assert levels[report_pb2.LEVEL_WARN].first_line == 31 and levels[report_pb2.LEVEL_INFO].first_line == 1


def test_records_with_fewer_header_columns_lose_the_columns_they_have() -> None:
    """zap's console writes a logger column on most lines and none on a few: a record that fits no layout is cut
    after the layout's leading columns it has (the time and the level), not read as plain text with its stamp in
    the message; a record whose only fitting column is its first (one token of a longer stamp) is not cut there,
    and its whole stamp is its header."""
    lines = []
    for i in range(2000):
        stamp = f"2023-12-02T20:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}Z"
        if i % 400 == 7:
            lines.append(f"{stamp}\twarn\tbuildListeners: skipping privileged port {80 + i % 3} for node n{i % 9}")
        else:
            lines.append(f"{stamp}\tinfo\tads\tEDS: PUSH request for node{i % 7} resources:{i % 5} size:{i}kB")
    lines.append("Jan 12, 2012 3:53:59 PM org.apache.catalina.core.AprLifecycleListener init")
    rep = _run("\n".join(lines) + "\n")
    texts = {t.text for t in rep.templates}
    assert "buildListeners: skipping privileged port <*> for node <*>" in texts
    assert not any(t.startswith("<*>:<*>:<*> warn") for t in texts)
    # Not cut after "Jan" (one token of its stamp): the whole stamp is the header of a line that opens with it.
    assert "org.apache.catalina.core.AprLifecycleListener init" in texts
    assert _levels(rep) == {"INFO": 1995, "WARN": 5}
    assert rep.format.explained_share == pytest.approx(2000 / 2001, abs=1e-4)  # the last line is not cut


def test_a_record_without_the_layouts_last_column_keeps_its_first_words() -> None:
    """Nearly every record is "<time> LEVEL [Class:n] pkg.SomeException: <path>", so the layout ends on a
    "name:" column. A record with a word there has not got that column: the word opens its message, it is not
    taken as an odd column, and a colon a few words on ("Push Status: {") does not make the words before it a
    name."""
    lines = []
    for i in range(60):
        lines.append(f"10:00:{i:02d},5{i:02d} ERROR [Store:{i}] org.app.store.NoSuchFileException: /data/{i}/f.bin")
        lines += ["\tat org.app.store.Store.read(Store.java:12)", "\tat org.app.Main.run(Main.java:3)"]
    lines += [f"10:01:0{i},000 INFO  [Conf:12] Refreshed the configuration of all parts" for i in range(3)]
    lines += [f"10:01:1{i},000 INFO  [Push:7] Push Status: {{" for i in range(3)]
    texts = {t.text: t.count for t in _run("\n".join(lines) + "\n").templates}
    assert texts.get("Refreshed the configuration of all parts") == 3, texts
    assert texts.get("Push Status: {") == 3, texts
    assert texts.get("org.app.store.NoSuchFileException: <*>") == 60, texts


def test_tab_separated_header_columns_end_at_a_tab_not_at_a_message_space() -> None:
    """zap's console separates its columns with tabs, and writes the logger column on most lines only: a record
    whose token after the level is followed by a space has no logger column, so its message starts there; a
    logger column followed by a word (no "name:") leaves the word in the message. A "name:" after the logger column
    that not every record writes there opens the message ("ads\tEDS: PUSH ...": zap's message is "EDS: PUSH ...")."""
    lines = []
    for i in range(300):
        stamp = f"2023-12-02T20:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}Z"
        if i % 50 == 3:
            lines.append(f"{stamp}\tinfo\tmesh networks configuration updated to: {{")
        elif i % 50 == 5:
            lines.append(f"{stamp}\tinfo\tSidecar injection request for pod-{i}")
        elif i % 50 == 7:
            lines.append(f"{stamp}\tinfo\tinitializing controllers")
        elif i % 50 == 9:
            lines.append(f"{stamp}\twarn\tads\tfailed to fetch key for k{i}")
        else:
            lines.append(f"{stamp}\tinfo\tads\tEDS: PUSH request for node{i % 7} resources:{i % 5} size:{i}kB")
    rep = _run("\n".join(lines) + "\n")
    texts = {t.text: t.count for t in rep.templates}
    assert texts.get("mesh networks configuration updated to: {") == 6, texts
    assert texts.get("Sidecar injection request for pod-<*>") == 6, texts
    assert texts.get("initializing controllers") == 6, texts
    assert texts.get("failed to fetch key for <*>") == 6, texts
    assert texts.get("EDS: PUSH request for <*> resources:<*> size:<*>") == 276, texts
    assert _levels(rep) == {"INFO": 294, "WARN": 6}


@pytest.mark.parametrize("size", [1 << 12, 1 << 16])
def test_crlf_lines_cut_between_blocks_are_counted_once(size: int) -> None:
    """A block ends at its last newline: the carriage return before it is part of the same line end, not a line
    of its own (every line number after a block cut was one too high)."""
    lines = [
        f"2024-05-01 00:{i // 60 % 60:02d}:{i % 60:02d} INFO request {i} served in {i % 97} ms" for i in range(3000)
    ]
    data = ("\r\n".join(lines) + "\r\n").encode()
    reader = RecordReader(block_bytes=size)
    blocks = list(reader.blocks([data[i : i + 1000] for i in range(0, len(data), 1000)]))
    assert len(blocks) > 1
    records = [r for b in blocks for r in b.text.split("\n")]
    assert records == lines
    assert [b.first_line - 1 for b in blocks] == [lines.index(b.text.split("\n", 1)[0]) for b in blocks]
    assert reader.counters.lines == 3000


def test_an_indented_line_after_a_blank_one_does_not_make_a_record_of_a_blank_line() -> None:
    text = "2024-05-01 00:00:00 WARNING pkg/x.py:72: UserWarning: a note\nthat spans lines\n\n  warnings.warn(X)\n"
    records = [r for r in _records(text) if r]
    assert records[-1] == "  warnings.warn(X)"
    assert all(r.split(JOIN, 1)[0].strip() for r in records)
    spaced = "  \n   -------- banner v1\n          .> app: x\n"
    assert [r for r in _records(spaced) if r] == [JOIN.join(["   -------- banner v1", "          .> app: x"])]


def test_a_header_led_by_a_time_is_found_where_lines_of_words_are_the_majority() -> None:
    """A worker whose timed records are outnumbered by its untimed lines (retry notes, a banner): the lines of
    words do not vote against the header the timed records share."""
    words = ("Connected", "Cannot", "Connection", "mingle", "Error", "Started")
    lines = []
    for i in range(40):
        lines.append(f"Trying again in {i + 2}.00 seconds... ({i + 1}/100)")
        lines.append(f"Note {i}: the broker may be down")
        lines.append(f"[2025-08-21 07:{i:02d}:15,500: ERROR/MainProcess] {words[i % 6]} to broker {i}: refused.")
    guess = detect_format(lines)
    assert guess.name == "header-message" and guess.layout is not None and guess.layout.classes == "T"


def test_json_status_levels_stay_per_record_when_every_record_has_an_id_of_its_own() -> None:
    """Records that never share a digit key (a request id in each) make the level plans useless: after their trial
    each record is parsed for its level, with the same levels."""
    statuses = [200, 404, 502, 200, 301]
    lines = [
        f'{{"time":"2024-05-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z","level":"info","msg":"request done",'
        f'"request_id":"{i:x}{i * 7919:x}","status":{statuses[i % 5]}}}'
        for i in range(3000)
    ]
    rep = _run("\n".join(lines) + "\n")
    assert _levels(rep) == {"INFO": 1800, "WARN": 600, "ERROR": 600}


def test_header_fields_glued_by_a_bar_are_columns() -> None:
    # NLog's default layout "${longdate}|${level}|${logger}|${message}": the bars delimit the header's columns
    # as blanks do elsewhere, so the level is read and the message starts after the logger.
    levels = ("INFO", "WARN", "ERROR", "INFO")
    text = "".join(
        f"2024-01-15 08:00:{i:02d}.1234|{levels[i % 4]}|MyApp.Orders|Order {i} shipped to warehouse {i % 3}\n"
        for i in range(40)
    )
    rep = _run(text)
    assert level_counts(rep) == {"INFO": 20, "WARN": 10, "ERROR": 10}
    assert [t.text for t in rep.templates] == ["Order <*> shipped to warehouse <*>"]
    assert rep.parse_quality.timestamp_share == 1.0


def test_a_tab_delimited_header_takes_every_column_closed_by_a_tab() -> None:
    # zap's console encoder: time, level, caller, message, then the fields, each closed by a tab. The caller is a
    # column like the time and the level (not the message's first word); a line without it starts its message.
    messages = ("cache refreshed in {} ms", "request {} served", "worker {} started")
    lines = [
        f"2024-01-15T08:00:{i:02d}.123Z\tinfo\tserver/handler.go:{10 + i % 7}\t"
        f'{messages[i % 3].format(i)}\t{{"id": {i}}}'
        for i in range(45)
    ]
    lines.append("2024-01-15T08:00:46.123Z\terror\tshutting down after 45 requests")
    rep = _run("\n".join(lines) + "\n")
    assert sorted(t.text for t in rep.templates) == [
        'cache refreshed in <*> ms {"id": <*>}',
        'request <*> served {"id": <*>}',
        "shutting down after <*> requests",
        'worker <*> started {"id": <*>}',
    ]


def test_a_syslog_message_that_is_a_structured_line_with_a_level_gives_its_level_and_message() -> None:
    # A daemon's logfmt forwarded to syslog (gitlab-runner, dockerd): the line's own level and message count;
    # key=value pairs without a level (an audit record) stay the message they are.
    levels = ("info", "warning", "error", "info")
    lines = [
        f'Jan 15 08:00:{i:02d} runner gitlab-runner[812]: time="2024-01-15T08:00:{i:02d}Z" level={levels[i % 4]} '
        f'msg="Checking for jobs... received" job={1000 + i} repo_url="https://example.com/r{i}.git"'
        for i in range(40)
    ]
    lines += [
        f'Jan 15 08:01:{i:02d} host kernel: audit: apparmor="DENIED" operation="open" profile="snap" pid={500 + i}'
        for i in range(10)
    ]
    rep = _run("\n".join(lines) + "\n")
    assert level_counts(rep) == {"INFO": 20, "WARN": 10, "ERROR": 10}
    texts = sorted(t.text for t in rep.templates)
    assert texts[0].startswith("Checking for jobs... received"), texts
    assert texts[1].startswith('audit: apparmor="DENIED" operation="open"'), texts


def test_a_syslog_line_with_its_priority_and_no_programs_tag_is_syslog_its_level_the_prioritys() -> None:
    """RFC 3164's TAG is optional: a security device sends its CEF events with the priority, the time and its host,
    then the event, no program's name ("<14>Mar 14 20:00:01 pa-fw01 CEF:0|Palo Alto Networks|..."). The file was a
    layout of its own, no level (the priority kept in the header's first word) and the host in every template."""
    lines = [
        f"<14>Mar 14 20:{i // 60:02d}:{i % 60:02d} pa-fw01 CEF:0|Palo Alto Networks|PAN-OS|10.2.7|end|TRAFFIC|1|"
        f"rt=1710446{i:06d} src=10.1.95.{i % 250} dst=178.43.37.140 act=allow"
        for i in range(40)
    ]
    lines += [
        "<12>Mar 14 20:01:00 pa-fw01 CEF:0|Palo Alto Networks|PAN-OS|10.2.7|vulnerability|THREAT|8|"
        "rt=1710446460000 src=45.155.205.233 dst=10.1.4.20 act=reset-both cs1=Apache Log4j Remote Code Execution"
    ]
    rep = _run("\n".join(lines) + "\n")
    assert rep.format.name == "syslog-rfc3164"
    assert level_counts(rep) == {"INFO": 40, "WARN": 1}
    assert all(t.text.startswith("CEF:") for t in rep.templates), [t.text for t in rep.templates]


def test_a_syslog_tag_naming_the_instance_it_speaks_for_is_the_header() -> None:
    # macOS's launchd writes the service it speaks for in brackets after its own name and pid: the whole tag is the
    # record's source, the message starts after it (it was a message opening with the host and the tag, one
    # template per host).
    services = ("com.apple.suggestd[40890]", "com.apple.mdworker.bundles[16380]", "com.apple.preference.displays")
    hosts = ("calvisitor-10-105-160-95", "authorMacBook-Pro")
    lines = [
        f"Jul  1 09:{i // 60:02d}:{i % 60:02d} {hosts[i % 2]} com.apple.xpc.launchd[1] ({services[i % 3]}): "
        f"Service exited with abnormal code: {i % 4}"
        for i in range(60)
    ]
    lines += [f"Jul  1 10:00:{i:02d} {hosts[i % 2]} kernel[0]: IO80211: Link Down on en0, reason {i}" for i in range(9)]
    rep = _run("\n".join(lines) + "\n")
    assert rep.format.name == "syslog-rfc3164"
    assert {t.text: t.count for t in rep.templates} == {
        "Service exited with abnormal code: <*>": 60,
        "IO80211: Link Down on en0, reason <*>": 9,
    }


def test_a_w3c_extended_log_reads_its_columns_from_its_fields_directive() -> None:
    # IIS writes "#Fields:" naming its blank-separated columns: a request is read by its method, path and
    # status (the status's class its level), its time from the date and time columns; directives stay records.
    lines = [
        "#Software: Microsoft Internet Information Services 10.0",
        "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port c-ip sc-status sc-substatus time-taken",
    ]
    statuses = [200] * 30 + [404] * 6 + [500] * 4
    lines += [
        f"2024-01-15 08:00:{i:02d} 10.0.0.5 GET /api/orders/{i} id={i} 443 203.0.113.{i} {s} 0 {i * 7}"
        for i, s in enumerate(statuses)
    ]
    rep = _run("\n".join(lines) + "\n")
    assert rep.format.name == "w3c-extended"
    requests = [t for t in rep.templates if t.text.startswith("GET")]
    assert [t.text for t in requests] == ["GET /api/orders/<*> <*>"] and requests[0].count == 40
    assert level_counts(rep) == {"INFO": 30, "WARN": 6, "ERROR": 4}
    assert rep.record_count == 42 and rep.parse_quality.timestamp_share == pytest.approx(40 / 42, abs=1e-4)
    # Its values are read where its columns stand (the message is put together from them): the order's id and the
    # status, counted as an access line's are, so the summary tells the requests answered at a level on all routes.
    by_kind = {p.kind: p for p in requests[0].placeholders}
    assert {v.value: v.count for v in by_kind["status"].top_values} == {"200": 30, "404": 6, "500": 4}
    assert by_kind["number"].records == 40 and by_kind["number"].top_values[0].count == 1
    lines += [f"2024-01-15 08:01:{i:02d} 10.0.0.5 POST /cart - 443 203.0.113.9 500 0 9" for i in range(3)]
    rep = _run("\n".join(lines) + "\n")
    (claim,) = [c.text for c in rep.summary.claims if "ERROR" in c.text and "answered" in c.text]
    # Tab-separated (CloudFront writes its fields so): the same records, their times from the date and time columns.
    rep = _run("\n".join(line.replace(" ", "\t") if line[:1].isdigit() else line for line in lines) + "\n")
    assert rep.format.name == "w3c-extended" and rep.record_count == 45
    assert rep.parse_quality.timestamp_share == pytest.approx(43 / 45, abs=1e-4)
    assert claim.startswith("7 records answered at ERROR (status 500 x7) on 2 routes:")


def test_an_elff_log_quotes_a_column_with_blanks_and_a_proxys_verdict_joins_its_request() -> None:
    """Blue Coat ProxySG writes W3C's extended format with its user agents quoted, blanks and all, and names the path
    "cs-uri-path": the quoted column split the record into more cells than "#Fields:" names, no line fitted, and the
    503s it answered while its upstream was down were never told. Its verdict ("s-action") tells requests apart."""
    lines = [
        "#Software: SGOS 7.3.14.1",
        "#Fields: date time time-taken c-ip sc-status s-action cs-method cs-host cs-uri-path cs(User-Agent)",
    ]
    for i in range(40):
        status, action = (503, "TCP_ERR_MISS") if i % 4 == 0 else (200, "TCP_TUNNELED")
        lines.append(
            f"2024-03-11 23:{i:02d}:51 {i} 10.0.1.{i} {status} {action} GET h{i}.example.com /index.html"
            ' "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0"'
        )
    rep = _run("\n".join(lines) + "\n")
    assert rep.format.name == "w3c-extended"
    texts = {t.text: t.count for t in rep.templates if t.text.startswith("GET")}
    assert texts == {"GET /index.html <*> TCP_TUNNELED": 30, "GET /index.html <*> TCP_ERR_MISS": 10}
    assert level_counts(rep) == {"INFO": 30, "ERROR": 10}


def test_a_two_line_header_reads_its_time_from_the_first_line_and_its_message_from_the_second() -> None:
    # java.util.logging's default: "Jan 12, 2012 3:53:59 PM <logger> <method>", then "<LEVEL>: <message>". Half the
    # lines carry a time, and each untimed line continues the timed one before it: one record per pair, timed,
    # levelled by its second line, and templated by its message, not by where it was written.
    pairs = [
        ("org.apache.catalina.startup.Catalina start", "INFO: Server startup in {} ms"),
        ("org.apache.catalina.core.StandardContext filterStart", "SEVERE: Exception starting filter {}"),
        ("org.apache.catalina.startup.Catalina start", "WARNING: Pool {} is close to its limit"),
        # Its levels below INFO in capitals (FINE, CONFIG: no level read, the logger and method the template).
        ("com.example.gateway.SessionStore touch", "FINE: Session {} renewed"),
        ("com.example.gateway.RateLimiter reload", "CONFIG: Rate limit reloaded: {} req/s"),
    ]
    lines = []
    for i in range(100):
        where, message = pairs[i % 5]
        lines += [f"Jan 12, 2012 3:{i // 60:02d}:{i % 60:02d} PM {where}", message.format(100 + i)]
    rep = _run("\n".join(lines) + "\n")
    assert rep.record_count == 100
    assert rep.parse_quality.timestamp_share == 1.0
    assert level_counts(rep) == {"INFO": 20, "ERROR": 20, "WARN": 20, "DEBUG": 40}
    assert sorted(t.text for t in rep.templates) == [
        "Exception starting filter <*>",
        "Pool <*> is close to its limit",
        "Rate limit reloaded: <*> req/s",
        "Server startup in <*> ms",
        "Session <*> renewed",
    ]
    example = next(t for t in rep.templates if t.text.startswith("Server")).examples[0]
    assert example.text == f"{lines[0]}\n{lines[1]}" and example.line_number == 1


def test_a_two_line_header_keeps_its_second_line_when_records_log_exceptions() -> None:
    # The same two-line records, some of them logging an exception under their level's line (JavaMail's, its message
    # going on over a line before the frames): the timed lines are then fewer than half of the file's lines, and
    # each is still followed by a short run of lines (its level's line, the exception's) that continue it. The
    # exception is the record's; no header is a record of its own.
    lines = []
    for i in range(60):
        t = f"Dec 05, 2026 {1 + i // 60}:{i % 60:02d}:07 AM"
        if i % 3 == 1:
            lines += [
                f"{t} com.acme.billing.mail.MailSender send",
                f"WARNING: Mail delivery for customer {9000 + i} failed, will retry in 300 s",
                "jakarta.mail.MessagingException: Could not connect to SMTP host: smtp.acme.local, port: 587;",
                "  nested exception is:",
                "\tjava.net.SocketTimeoutException: Connect timed out",
                "\tat jakarta.mail.Service.connect(Service.java:342)",
                "\tat com.acme.billing.mail.MailSender.send(MailSender.java:71)",
                "Caused by: java.net.SocketTimeoutException: Connect timed out",
                "\tat java.base/java.net.Socket.connect(Socket.java:751)",
                "\t... 2 more",
            ]
        else:
            lines += [
                f"{t} com.acme.billing.InvoiceService generate",
                f"INFO: Generated invoice INV-{70000 + i} for customer {5000 + i}",
            ]
    rep = _run("\n".join(lines) + "\n")
    assert rep.record_count == 60
    assert rep.parse_quality.timestamp_share == 1.0
    assert level_counts(rep) == {"INFO": 40, "WARN": 20}
    assert sorted(t.text for t in rep.templates) == [
        "Generated invoice INV-<*> for customer <*>",
        "Mail delivery for customer <*> failed, will retry in <*> s",
    ]
    (group,) = rep.exception_groups
    assert (group.count, group.first_line) == (20, 3)
    assert group.root_cause_type == "java.net.SocketTimeoutException"


def test_a_margin_before_every_line_is_the_writers_not_a_continuation() -> None:
    """Node's ``debug`` module writes to a terminal "  express:router dispatching GET /x +2ms": two blanks before every
    line. The margin marks no continuation: each line is a record (they were all joined onto the one line at the left
    edge). A line at the left edge (console.log's) is a record too, and a trace's frames, indented deeper than the
    margin, still continue their exception."""
    lines = []
    for i in range(80):
        lines.append(f"  express:router dispatching GET /api/tickets/{5000 + i} +{i % 9}ms")
        lines.append(f"  knex:query select * from tickets where id = ? limit ? trx{i} +0ms")
        if i == 30:
            lines.append("helpdesk-api listening on http://0.0.0.0:3000 (pid 23817)")
        if i == 50:
            lines += [
                "",
                "TypeError: Cannot read properties of null (reading 'email')",
                "    at /srv/helpdesk-api/src/routes/tickets.js:88:38",
                "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
            ]
    rep = _run("\n".join(lines) + "\n")
    assert rep.record_count == 162
    counts = {t.text: t.count for t in rep.templates}
    assert counts["express:router dispatching GET /api/tickets/<*> <*>"] == 80, counts
    assert counts["knex:query select * from tickets where id = ? limit ? <*> <*>"] == 80, counts
    (group,) = rep.exception_groups
    assert (group.exception_type, group.first_line) == ("TypeError", 105)
    assert "margin" in rep.parse_quality.envelope
    # An event's time and class at the left edge and its fields under it, one depth: the fields are the event's
    # (``zpool events -v``), however many of them there are.
    event = ["Mar 12 2024 00:00:{:02d}.000000563 sysevent.fs.zfs.config_sync"]
    event += [f"        f{k} = 0x{k}" for k in range(12)]
    events = "\n".join(line.format(i) if k == 0 else line for i in range(10) for k, line in enumerate(event)) + "\n"
    assert len(_records(events)) == 10
    # Where most lines open at the left edge, indented lines continue the record before them, as always.
    assert _records("ERROR boom\n  detail one\n  detail two\nINFO ok\nINFO fine\n") == [
        f"ERROR boom{JOIN}  detail one{JOIN}  detail two",
        "INFO ok",
        "INFO fine",
    ]


def test_a_first_column_written_right_aligned_is_no_indentation() -> None:
    """``ipmitool sel elist`` pads its record ids (hex) right-aligned: "   9 | 02/28/2024 | 11:26:03 | ...", then
    "  1a | ...". Every line opens with blanks, of two widths, and each is a record (the whole file was one record, no
    time read); the date and the clock in their columns of the table are the record's time, and the ids "e" and "f" in
    their number column are no severities (they read ERROR and FATAL)."""
    lines = [
        f"{i:>4x} | 02/{26 + i // 24:02d}/2024 | {i % 24:02d}:{i % 60:02d}:07 | Memory DIMM_B2 | Correctable ECC"
        for i in range(1, 41)
    ]
    rep = _run("\n".join(lines) + "\n")
    assert rep.record_count == 40
    assert [(t.text, t.count) for t in rep.templates] == [("Memory DIMM_B2 | Correctable ECC", 40)]
    assert rep.parse_quality.timestamp_share == 1.0
    first, last = (t.ToJsonString() for t in (rep.time_range.start_time, rep.time_range.end_time))
    assert (first, last) == ("2024-02-26T01:01:07Z", "2024-02-27T16:40:07Z")
    assert rep.parse_quality.level_share == 0.0
    # A clock written right-aligned, its hour unpadded (" 0:00:17 accept" over "10:00:17 accept"), likewise.
    clocks = [f"{h:>2}:{m:02d}:17 accept tcp from 10.0.0.{m} to 10.0.1.5 port 443" for h in range(12) for m in (5, 35)]
    assert _records("\n".join(clocks) + "\n") == [line.lstrip() for line in clocks]


def test_lines_indented_alike_after_a_blank_line_are_records_of_their_own() -> None:
    """A test runner's report: a blank line, then a block of lines each indented alike, one test a line ("  ✓  1
    [chromium] > ...", "  ✘  2 ..."). A line continues a record where it is indented under it; lines as deep as the
    record's first line are items of a list, each a record (they were one record: the failures were lost in it).
    Lines indented deeper still continue their item; a cross mark that opens a line states a failure, a check
    mark a success."""
    tests = [("✓", "adds item", 812), ("✘", "pays with card", 5003), ("✓", "shows error", 301), ("✓", "logs out", 122)]
    lines = ["", "Running 4 tests using 2 workers", ""]
    for k, (mark, title, ms) in enumerate(tests, 1):
        lines.append(f"  {mark}  {k} [chromium] \u203a tests/shop.spec.ts:{10 * k}:5 \u203a {title} ({ms}ms)")
    lines += [
        "",
        "  1) [chromium] \u203a tests/shop.spec.ts:20:5 \u203a pays with card",
        "",
        "    Error: Timed out 5000ms",
    ]
    lines += ["      at /app/tests/shop.spec.ts:21:7", "", "  1 failed", "  3 passed (6.2s)"]
    records = [r for r in _records("\n".join(lines) + "\n") if r]
    assert records[1:5] == [line for line in lines[3:7]]
    assert JOIN.join(["    Error: Timed out 5000ms", "      at /app/tests/shop.spec.ts:21:7"]) in records
    assert records[-2:] == ["  1 failed", "  3 passed (6.2s)"]
    rep = _run("\n".join(lines) + "\n")
    failed = [t for t in rep.templates if t.text.startswith("✘")]
    assert [report_pb2.Level.Name(t.max_level) for t in failed] == ["LEVEL_ERROR"]
    # A check mark states what passed: a test named "shows error" is no error, nor a failure a summary tells.
    passed = next(t for t in rep.templates if "shows error" in t.text)
    assert passed.max_level == report_pb2.LEVEL_UNSPECIFIED
    told = [c.text for c in rep.summary.claims if "shows error" in c.text]  # a short file: told line by line
    assert told and all("(no level)" in c for c in told), told


def test_a_trace_printed_at_one_depth_stays_one_record() -> None:
    """Lines indented alike are items of a list, but not the lines of a stack trace printed at one depth (under a
    test's name): "Caused by:", "at ...", "... 3 more" go on with the trace's header."""
    trace = [
        "    java.lang.IllegalStateException: cart is empty",
        "    at shop.Cart.pay(Cart.java:41)",
        "    Caused by: java.io.IOException: closed",
        "    at shop.Db.read(Db.java:7)",
        "    ... 3 more",
    ]
    text = "\n".join(["Tests run: 2, Failures: 1", "", *trace, "", "BUILD FAILED"]) + "\n"
    records = [r for r in _records(text) if r]
    assert JOIN.join(trace) in records


def _dev_server(n: int) -> str:
    """A web framework's development server: its timed request lines, and the request logger's untimed messages (a
    warning of one line, "Not Found: /favicon.ico"; an error with the chained traceback under it, the first
    exception's message closed by a newline, psycopg2's, so two blank lines before the chaining banner). The error
    is logged before its request's line: a failed request right after another one follows that one's 500."""
    out = []
    for i in range(n):
        out.append(f'[14/Mar/2024 09:{i // 60:02d}:{i % 60:02d}] "GET /static/js/app.js HTTP/1.1" 304 0')
        if i % 4 == 1:
            out += [
                "Not Found: /favicon.ico",
                f'[14/Mar/2024 09:{i // 60:02d}:{i % 60:02d}] "GET /favicon.ico HTTP/1.1" 404 179',
            ]
        for k in range(2 if i % 20 == 7 else 0):
            out += [
                f"Internal Server Error: /books/{i + k}/",
                "Traceback (most recent call last):",
                '  File "/srv/app/.venv/lib/python3.11/site-packages/psycopg2/__init__.py", line 122, in connect',
                "    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)",
                'psycopg2.OperationalError: connection to server at "db" (10.0.0.5), port 5432 failed: Connection'
                " refused",
                "\tIs the server running on that host and accepting TCP/IP connections?",
                "",
                "",
                "The above exception was the direct cause of the following exception:",
                "",
                "Traceback (most recent call last):",
                '  File "/srv/app/catalog/views.py", line 21, in book_list',
                '    return render(request, "catalog/list.html", {"books": list(qs)})',
                'django.db.utils.OperationalError: connection to server at "db" (10.0.0.5), port 5432 failed:'
                " Connection refused",
                "\tIs the server running on that host and accepting TCP/IP connections?",
                "",
                f'[14/Mar/2024 09:{i // 60:02d}:{i % 60:02d}] "GET /books/{i + k}/ HTTP/1.1" 500 145',
            ]
    return "\n".join(out) + "\n"


def test_an_untimed_message_over_a_traceback_is_its_own_record_and_its_chain_one_exception() -> None:
    text = _dev_server(100)
    data = text.encode()
    for chunks in ([data], [data[k : k + 211] for k in range(0, len(data), 211)]):
        rep = analyze(chunks)
        (error,) = [t for t in rep.templates if t.text.startswith("Internal Server Error")]
        assert error.count == 10
        assert error.first_line == text.split("\n").index("Internal Server Error: /books/7/") + 1
        assert [(g.exception_type, g.root_cause_type, g.count) for g in rep.exception_groups] == [
            ("django.db.utils.OperationalError", "psycopg2.OperationalError", 10)
        ]
        static = next(t for t in rep.templates if "app.js" in t.text)
        assert static.count == 100 and static.max_level == report_pb2.LEVEL_INFO


def test_a_services_second_header_after_the_files_time_column_gives_its_level() -> None:
    """Compose output: the application's logger ("<date> <time>,ms LEVEL [name] ...") on most lines, its server
    ("[<date> <time> +0000] [pid] [LEVEL] ...": gunicorn's) on a few. The file's header takes the time of both; the
    server's own columns after it, its process id and its level in brackets, are the record's header too: its level
    the record's, its message what follows ("Worker (pid:8) was sent SIGKILL!" was a record of no level, its template
    "[<*>] [ERROR] Worker ...")."""
    lines = []
    for i in range(60):
        lines.append(f"web-1    | 2024-05-14 09:{i:02d}:01,{i:03d} INFO [shop.api] GET /api/orders/{i} 200")
        lines.append(f"web-1    | 2024-05-14 09:{i:02d}:02,{i:03d} INFO [shop.orders] Order {i} created")
        # Other services, each its own layout: the time is all the file's lines share.
        lines.append(
            f"worker-1 | [2024-05-14 09:{i:02d}:02,{i:03d}: INFO/MainProcess] Task shop.send[{i:08x}] received"
        )
        lines.append(f"db-1     | 2024-05-14 09:{i:02d}:02.{i:03d} UTC [62] LOG:  checkpoint starting: time")
        if i % 10 == 5:
            lines.append(
                f"web-1    | [2024-05-14 09:{i:02d}:03 +0000] [{i}] [ERROR] Worker (pid:{i}) was sent SIGKILL!"
            )
            lines.append(f"web-1    | [2024-05-14 09:{i:02d}:04 +0000] [1] [INFO] Booting worker with pid: {i + 1}")
    rep = _run("\n".join(lines) + "\n")
    by_text = {t.text: t for t in rep.templates}
    assert "Worker (pid:<*>) was sent SIGKILL!" in by_text, sorted(by_text)
    assert "Booting worker with pid: <*>" in by_text, sorted(by_text)
    assert level_counts(rep)["ERROR"] == 6, level_counts(rep)


def test_a_level_set_off_by_asterisks_after_a_kernel_function_and_its_module_is_the_level() -> None:
    """The kernel's DRM writes its errors "[drm:<function> [<module>]] *ERROR* ..." (a GPU's ring timeout, its reset):
    no level was read, "1 ERROR/FATAL" for a GPU hang. A level word counted as none ("Fatal 0." among a test run's
    totals) is no level: the record read FATAL and led the summary."""
    stamp = "Nov 28 19:{:02d}:{:02d} steamdeck kernel: "
    lines = [
        stamp.format(30, i) + f"usb 1-{i % 4}: new high-speed USB device number {i} using xhci_hcd" for i in range(30)
    ]
    lines += [
        stamp.format(33, 40) + "[drm:amdgpu_job_timedout [amdgpu]] *ERROR* ring gfx_0.0.0 timeout, signaled seq=81734",
        stamp.format(33, 41) + "[drm:dm_helpers_dp_write_dpcd [amdgpu]] *ERROR* Failed to find connector for link!",
        stamp.format(33, 42) + "amdgpu 0000:04:00.0: amdgpu: GPU reset begin!",
    ]
    assert level_counts(analyze([("\n".join(lines) + "\n").encode()])) == {"ERROR": 2}
    totals = ["Building //services/gateway:gateway", "Tests finished: Pass 7. Fail 1. Fatal 0. Skip 0. Build failure 0"]
    assert "FATAL" not in level_counts(analyze([("\n".join(totals) + "\n").encode()]))


def test_a_level_past_fields_the_layout_does_not_hold_is_the_records_level() -> None:
    """Jira writes a request's user and URL before the level ("<time> http-nio-8080-exec-13 url: /rest/api/2/search;
    user: okarlsson WARN okarlsson 521x41261x2 ..."), its other lines "<time> Caesium-1-4 INFO ServiceRunner ...": the
    layout's level column missed those records' levels, 80 characters in, and the errors read "0 ERROR/FATAL"."""
    lines = []
    for i in range(40):
        t = f"2024-03-12 08:{i // 60 + 41:02d}:{i % 60:02d},{i * 7 % 1000:03d}+0000"
        lines.append(f"{t} Caesium-1-{i % 4} INFO ServiceRunner     [c.a.j.s.MailFetcherService] Mail processed {i}")
        if i % 5 == 0:
            level = "ERROR" if i % 10 == 0 else "WARN"
            lines.append(
                f"{t} http-nio-8080-exec-{i} url: /rest/api/2/search; user: okarlsson {level} okarlsson "
                f"521x{41261 + i}x2 3f2abf2 10.31.92.216 /rest/api/2/search [c.a.j.r.ExceptionInterceptor] "
                f"Returning internal server error in response {i}"
            )
    assert level_counts(analyze([("\n".join(lines) + "\n").encode()])) == {"INFO": 40, "WARN": 4, "ERROR": 4}
