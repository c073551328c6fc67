"""A level written as a facility's first part, a trace set apart from the record that announced it by a blank line,
a proxy's own unlevelled messages among its request lines, and the engine's command line telling a template's
records at its ranked level. Synthetic lines written for these tests from the formats' documentation."""

from __future__ import annotations

import json

import pytest

from loglens.v1 import report_pb2
from tests.unit.engine.reading_support import level_counts, run_blocks

pytestmark = pytest.mark.unit


def test_a_level_that_opens_a_facility_name_is_the_record_level() -> None:
    """Icinga 2's "[time] severity/Facility: message": "information/ApiListener:" was read as a component and left
    its records with no level (levels 38.5%: only "critical" and "warning" were found, in the message's words)."""
    rows = [
        ("information", "ApiListener", "New client connection for identity 'web{i}.acme.org'"),
        ("notice", "CheckerComponent", "Pending checkables: 0; Idle checkables: 1{i}"),
        ("warning", "PluginNotificationTask", "Notification command for object 'web{i}!http' exited with code 127"),
        ("critical", "ApiListener", "Cannot connect to host 'db{i}.acme.org' on port '5665'"),
    ]
    text = "".join(
        f"[2026-11-30 08:{i // 60:02d}:{i % 60:02d} +0000] {sev}/{fac}: {msg.format(i=i % 3)}\n"
        for i in range(80)
        for sev, fac, msg in [rows[i % 4]]
    )
    rep = run_blocks(text)
    assert level_counts(rep) == {"INFO": 20, "NOTICE": 20, "WARN": 20, "FATAL": 20}
    assert rep.parse_quality.level_share == 1.0
    # The message is what follows the facility: no "information/" left in a template.
    assert not any("/" in t.text.split(":", 1)[0] for t in rep.templates), [t.text for t in rep.templates]
    # A name with a slash whose first part is no level stays a component, its records unlevelled.
    text = "".join(f"[2026-11-30 08:00:{i:02d} +0000] http/Router: route {i % 4} matched\n" for i in range(40))
    assert level_counts(run_blocks(text)) == {}


def test_lines_a_record_announces_with_a_colon_continue_it_past_a_blank_line() -> None:
    """ClickHouse's "<Error> executeQuery: Code: 60. DB::Exception: ... Stack trace (when copying this message,
    always include the lines below):", a blank line, the numbered frames, a blank line: each frame was a record of
    its own (30 unexplained records of no time); they are the error's."""
    out = []
    for i in range(60):
        t = f"2026.11.30 08:{i // 60:02d}:{i % 60:02d}.{i:06d} [ 81{i % 3} ] {{}}"
        if i % 10 == 7:
            out.append(
                f"{t} <Error> executeQuery: Code: 60. DB::Exception: Table default.t{i} does not exist. "
                "(UNKNOWN_TABLE), Stack trace (when copying this message, always include the lines below):"
            )
            out.append("")
            out += [
                "0. DB::Exception::Exception(DB::Exception::MessageMasked&&, int) @ 0x000000000c4fd597 in /usr/bin/ch",
                "1. DB::DatabaseCatalog::getTable(DB::StorageID const&) const @ 0x0000000011a6d2cb in /usr/bin/ch",
                "2. start_thread @ 0x0000000000007fa3 in ?",
            ]
            out.append("")
        else:
            out.append(f"{t} <Information> TCPHandler: Done processing connection {i}.")
    rep = run_blocks("\n".join(out) + "\n")
    assert rep.record_count == 60
    assert rep.parse_quality.timestamp_share == 1.0
    assert rep.parse_quality.unexplained_records == 0
    errors = [t for t in rep.templates if t.max_level == report_pb2.LEVEL_ERROR]
    assert len(errors) == 1 and errors[0].count == 6, [(t.text, t.count) for t in rep.templates]
    assert rep.parse_quality.multiline_records == 6
    # A record that announces nothing (no colon at its end) is not continued past a blank line: the lines after
    # it stay records of their own.
    plain = [ln.replace("lines below):", "lines below.") for ln in out]
    rep = run_blocks("\n".join(plain) + "\n")
    assert rep.record_count == 60 + 18


def test_a_proxy_s_own_messages_of_no_level_among_its_requests_are_told_when_they_state_a_failure() -> None:
    """HAProxy through syslog: request lines (their level the status class) and, written with no level, "Server
    api/srv3 is DOWN, reason: Layer4 connection problem, info: "Connection refused" ...": the summary told only the
    503s it caused (levels 98.9% of the file: the rule for unlevelled files did not apply)."""
    out = []
    for i in range(200):
        ts = f"Nov 30 08:{i // 60:02d}:{i % 60:02d}"
        if i == 100:
            out.append(
                f"{ts} lb1 haproxy[2211]: Server api/srv3 is DOWN, reason: Layer4 connection problem, info: "
                '"Connection refused", check duration: 0ms. 0 active and 0 backup servers left.'
            )
            continue
        status = 503 if 104 < i < 130 else 200  # (requests in flight still answered)
        out.append(
            f"{ts} lb1 haproxy[2211]: 10.0.0.{i % 9}:5{i:04d} [30/Nov/2026:08:{i // 60:02d}:{i % 60:02d}.118] www~ "
            f'api/srv{i % 3} 0/0/1/12/13 {status} 1523 - - ---- 12/12/3/1/0 0/0 "GET /api/items/{i % 7} HTTP/1.1"'
        )
    rep = run_blocks("\n".join(out) + "\n")
    claims = [c.text for c in rep.summary.claims]
    down = [c for c in claims if "is DOWN" in c]
    assert len(down) == 1 and "of no level that state a failure" in down[0] and "line 101" in down[0], claims
    # Where the software's own messages carry their levels, its unlevelled ones are not told for their words.
    leveled = [ln.replace("haproxy[2211]: Server", "haproxy[2211]: [ALERT] Server") for ln in out]
    leveled += [f"Nov 30 09:00:{i:02d} lb1 haproxy[2211]: [NOTICE] reloaded config {i}" for i in range(20)]
    leveled.append("Nov 30 09:01:00 lb1 haproxy[2211]: connection to peer lost")
    claims = [c.text for c in run_blocks("\n".join(leveled) + "\n").summary.claims]
    assert not any("no level that state a failure" in c for c in claims), claims


def test_the_command_line_tells_a_template_s_records_at_its_ranked_level(tmp_path: object) -> None:
    """`python -m loglens_analysis.engine FILE`: a request template ranked at WARN for 3 of its 60 records was
    printed "WARN x60 lines 1..60", every request a warning to the reader."""
    from pathlib import Path

    from loglens_analysis.engine.__main__ import main

    lines = [
        f'10.0.0.{i % 9} - - [30/Nov/2026:08:00:{i % 60:02d} +0000] "GET /items/{i} HTTP/1.1" '
        f'{404 if i in (20, 30, 40) else 200} 512 "-" "curl/8.4.0"'
        for i in range(60)
    ]
    p = Path(str(tmp_path)) / "access.log"
    p.write_text("\n".join(lines) + "\n")
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main([str(p)]) == 0
    text = buf.getvalue()
    errors = text.split("Errors and warnings:", 1)[1].split("\n\n", 1)[0]
    assert "WARN  x3 of 60 first at line 21," in errors, errors


def test_a_first_line_that_only_says_where_in_the_code_heads_the_message_indented_under_it() -> None:
    """Samba's log: "[2026/11/30 08:00:08.687780,  2] ../../source3/smbd/service.c:1127(make_connection_snum)", the
    message indented on the next line. Every template was a source location ("../../<*>/smbd/service.c:<*>(...)");
    the messages are the templates now."""
    rows = [
        ("../../source3/smbd/service.c:1127(make_connection_snum)", "10.0.0.{i} connect to service homes as uid={i}"),
        ("../../source3/smbd/service.c:1337(close_cnum)", "10.0.0.{i} closed connection to service homes"),
        (
            "../../source3/auth/auth.c:334(auth_check_ntlm_password)",
            "check_ntlm_password:  Authentication for user [admin] -> [admin] FAILED with NT_STATUS_WRONG_PASSWORD",
        ),
    ]
    out = []
    for i in range(60):
        where, message = rows[i % 3]
        out += [f"[2026/11/30 08:00:{i:02d}.{i:06d},  2] {where}", f"  {message.format(i=i)}"]
    rep = run_blocks("\n".join(out) + "\n")
    assert rep.record_count == 60 and rep.parse_quality.timestamp_share == 1.0
    texts = {t.text: t.count for t in rep.templates}
    assert texts == {
        "<*> connect to service homes as uid=<*>": 20,
        "<*> closed connection to service homes": 20,
        "check_ntlm_password: Authentication for user [admin] -> [admin] FAILED with NT_STATUS_WRONG_PASSWORD": 20,
    }, texts
    # A first line with a message of its own keeps it, whatever is indented under it.
    out = [f"[2026/11/30 08:00:{i:02d}.{i:06d},  2] service.c:11 opened share {i}\n  detail {i}" for i in range(40)]
    assert {t.text for t in run_blocks("\n".join(out) + "\n").templates} == {"service.c:<*> opened share <*>"}


def test_a_ruled_token_before_every_line_is_the_writer_s_prefix_and_the_lines_are_read_past_it() -> None:
    """Valgrind's memcheck report: "==31337== " before every line, the errors' frames indented after it ("==31337==
    at 0x4005E4: main (main.c:12)"). Every line was a record of its own, the frames told as messages ("==<*>== by
    <*>: main (main.c:<*>)"); each error is one record with its frames now."""
    pid = "==31337=="
    out = [f"{pid} Memcheck, a memory error detector", f"{pid} Command: ./server --port 8080", f"{pid} "]
    for k in range(12):
        out += [
            f"{pid} Invalid read of size {4 + k % 2 * 4}",
            f"{pid}    at 0x{0x4005E4 + k:06X}: parse_header (http.c:{120 + k})",
            f"{pid}    by 0x{0x400A10 + k:06X}: main (main.c:42)",
            f"{pid} ",
        ]
    out.append(f"{pid} ERROR SUMMARY: 12 errors from 1 contexts (suppressed: 0 from 0)")
    rep = run_blocks("\n".join(out) + "\n")
    texts = {t.text: t.count for t in rep.templates}
    assert texts["Invalid read of size <*>"] == 12, texts
    assert not any("==" in t or "parse_header" in t for t in texts), texts
    assert rep.parse_quality.multiline_records == 12
    assert "Valgrind" in rep.format.description
    # A token that opens every line but is the line's own (a field, a date, a level letter) is no prefix.
    for first in ("date=2026-11-30", "I,", "09-26"):
        lines = [f"{first} time=08:00:{i:02d} level=info msg=tick{i % 3}" for i in range(30)]
        assert "prefixed" not in run_blocks("\n".join(lines) + "\n").format.description


def test_a_span_whose_fields_hold_blanks_is_one_header_field() -> None:
    """Rust tracing's spans before the target, their fields in braces with blanks between them (Linkerd's proxy:
    "[   18.174900s] ERROR ThreadId(01) outbound:proxy{addr=10.3.91.65:5432}:service{ns=default name=db
    port=5432}: linkerd_proxy_transport::connect: Connection refused (os error 111)"). The blanks cut the span into
    words: those records were left unexplained and their template was the whole line."""
    lines = []
    for i in range(90):
        up = f"[{i * 1.5:12.6f}s]"
        if i % 3 == 0:
            lines.append(
                f"{up} ERROR ThreadId(01) outbound:proxy{{addr=10.0.0.{i % 7}:5432}}:service{{ns=default name=db "
                f"port=5432}}: linkerd_proxy_transport::connect: Connection refused (os error 111)"
            )
        else:
            lines.append(
                f"{up}  WARN ThreadId(02) outbound:proxy{{addr=10.0.1.{i % 5}:8080}}: linkerd_reconnect: Failed to "
                f"connect error=connect timed out after {i % 4 + 1}s"
            )
    rep = run_blocks("\n".join(lines) + "\n")
    assert rep.parse_quality.unexplained_records == 0
    assert {t.text: t.count for t in rep.templates} == {
        "Connection refused (os error <*>)": 30,
        "Failed to connect error=connect timed out after <*>": 60,
    }


@pytest.mark.parametrize("pad", ["", " "])
def test_fields_glued_to_the_clock_by_colons_are_the_header(pad: str) -> None:
    """Jetty's own logger: "2026-11-30 08:00:21.174:WARN:oejs.HttpChannel:qtp1355531311-15: /api/orders/850"
    (Jetty 10 pads the level: ":WARN :oejs..."). The clock, the level, the logger and the thread were one token: no
    level was read, and Jetty 10's templates opened with "<*>:<*>:<*>:INFO :oejsh.ContextHandler:<*>:"."""
    rows = [
        ("INFO", "oejsh.ContextHandler", "main", "Started o.e.j.w.WebAppContext@{i:x}{{/app,AVAILABLE}}"),
        ("WARN", "oejuc.AbstractConnection", "qtp1355531311-{i}", "Idle timeout expired: 30000/30000 ms"),
        ("INFO", "oejs.AbstractConnector", "main", "Started ServerConnector@{i:x} on port {i}"),
    ]
    lines = []
    for i in range(60):
        level, logger, thread, message = rows[i % 3]
        lines.append(
            f"2026-11-30 08:00:{i:02d}.{i:03d}:{level}{pad}:{logger}:{thread.format(i=i)}: {message.format(i=i)}"
        )
    rep = run_blocks("\n".join(lines) + "\n")
    assert level_counts(rep) == {"INFO": 40, "WARN": 20}
    assert rep.parse_quality.timestamp_share == 1.0
    texts = {t.text: t.count for t in rep.templates}
    assert texts["Idle timeout expired: <*>/<*> ms"] == 20, texts
    assert sorted(texts.values()) == [20, 20, 20], texts
    # The messages open after the thread's name: no header field is left in a template.
    assert all(t.startswith(("Started ", "Idle ")) for t in texts), texts
    assert not any("oej" in t or "qtp" in t for t in texts), texts


def test_a_month_in_capitals_and_a_month_first_date_with_dashes_are_times() -> None:
    """Oracle's listener log "30-NOV-2026 08:00:07 * ..." and Splunk's splunkd.log "11-30-2026 08:00:07.123 +0000
    INFO ...": no time was read in either file (0%), and the report had no span and no timeline."""
    oracle = "".join(
        f"30-NOV-2026 08:{i // 60:02d}:{i % 60:02d} * service_update * ORCL * {i % 2}\n" for i in range(60)
    )
    rep = run_blocks(oracle)
    assert rep.parse_quality.timestamp_share == 1.0
    assert rep.time_range.start_time.ToJsonString() == "2026-11-30T08:00:00Z"
    splunk = "".join(
        f"11-30-2026 08:{i // 60:02d}:{i % 60:02d}.{i:03d} +0100 INFO  TailReader [4{i:03d} tailreader0] - "
        f"Batch input finished reading file='/var/log/app.log.{i % 9}'\n"
        for i in range(60)
    )
    rep = run_blocks(splunk)
    assert rep.parse_quality.timestamp_share == 1.0
    assert rep.time_range.start_time.ToJsonString() == "2026-11-30T07:00:00Z"  # its offset read
    # Day first where the file's head says so (a first field above 12), as for slashed dates.
    european = "".join(f"30-11-2026 08:00:{i:02d} INFO job {i} done\n" for i in range(30))
    rep = run_blocks(european)
    assert rep.parse_quality.timestamp_share == 1.0
    assert rep.time_range.start_time.ToJsonString() == "2026-11-30T08:00:00Z"


def test_a_time_of_day_after_a_column_of_the_header_is_the_record_time() -> None:
    """`strace -f -tt`: "4130  08:00:07.004249 openat(AT_FDCWD, ...) = 20", the process id before the clock. The
    header's time text started at the process id, and a time of day alone is read only where that text starts: no
    time at all (0%), no span, the stop at the end told without its time."""
    lines = [
        f'{4123 + i % 3}  08:00:{i // 10:02d}.{i:06d} openat(AT_FDCWD, "/etc/app/{i % 4}.yaml", O_RDONLY) = {i % 5}'
        for i in range(100)
    ]
    lines.append("4123  08:00:10.000000 +++ exited with 1 +++")
    rep = run_blocks("\n".join(lines) + "\n")
    assert rep.parse_quality.timestamp_share == 1.0
    start, end = rep.time_range.start_time.ToJsonString(), rep.time_range.end_time.ToJsonString()
    assert start.endswith("T08:00:00Z") and end.endswith("T08:00:10Z"), (start, end)
    # A number that opens a plain line is not a time's column: "1 passed" does not make "12:00" a record time.
    plain = [f"{i} passed in 0.{i}s at step {i % 7}" for i in range(40)]
    assert run_blocks("\n".join(plain) + "\n").parse_quality.timestamp_share == 0.0


def test_a_level_in_a_syslog_tag_or_in_angle_brackets_before_a_bracketed_time_is_read() -> None:
    """Through syslog without a priority: MIT Kerberos' "krb5kdc[1187](info): AS_REQ ...", its level after the pid,
    and NetworkManager's "<warn>  [1701331207.1234] device (wlp2s0): ...", its level in angle brackets before its
    own time. Neither level was read (levels 0%), and NetworkManager's templates opened with "<warn> [<*>]"."""
    kdc = "".join(
        f"Nov 30 08:00:{i:02d} kdc1 krb5kdc[1187]({('info', 'err')[i % 2]}): AS_REQ 10.0.0.{i}: "
        f"{('ISSUE', 'CLIENT_NOT_FOUND')[i % 2]}: u{i}@ACME.ORG for krbtgt/ACME.ORG@ACME.ORG\n"
        for i in range(40)
    )
    rep = run_blocks(kdc)
    assert level_counts(rep) == {"INFO": 20, "ERROR": 20}
    nm = "".join(
        f"Nov 30 08:00:{i:02d} laptop NetworkManager[812]: <{('info', 'warn', 'error')[i % 3]}>  "
        f"[{1796025600 + i}.{i:04d}] device (wlp2s0): state change {i % 3}\n"
        for i in range(60)
    )
    rep = run_blocks(nm)
    assert level_counts(rep) == {"INFO": 20, "WARN": 20, "ERROR": 20}
    assert {t.text for t in rep.templates} == {"device (wlp2s0): state change <*>"}
    # An instance in parentheses after a blank is no level (launchd's), whatever it names.
    launchd = "".join(
        f"Nov 30 08:00:{i:02d} mac com.apple.xpc.launchd[1] (com.apple.debug): Service exited with code {i % 3}\n"
        for i in range(30)
    )
    assert "DEBUG" not in level_counts(run_blocks(launchd))


def test_a_traceback_after_json_lines_is_a_record_of_its_own() -> None:
    """A worker that logs JSON lines, then dies of an uncaught exception whose traceback Python writes to stderr: the
    traceback was joined to the last JSON record ("1 x redis.exceptions.ConnectionError ..., logged as "retrying
    job <*> (attempt <*>)"", a warning's), though a JSON line is a record complete in itself."""
    lines = [
        json.dumps(
            {
                "asctime": f"2026-11-30T08:00:{i:02d}+00:00",
                "levelname": ("INFO", "WARNING")[i % 2],
                "message": (f"processed job {i}", f"retrying job {i}")[i % 2],
            }
        )
        for i in range(40)
    ]
    lines += [
        "Traceback (most recent call last):",
        '  File "/app/worker.py", line 198, in main',
        "    job = queue.get(timeout=30)",
        "redis.exceptions.ConnectionError: Connection closed by server.",
    ]
    rep = run_blocks("\n".join(lines) + "\n")
    assert rep.record_count == 41
    group = rep.exception_groups[0]
    assert group.exception_type == "redis.exceptions.ConnectionError" and group.first_line == 41
    assert {t.text: t.count for t in rep.templates}["retrying job <*>"] == 20
    # A Python logger's text line before the same traceback still carries it (logger.exception's).
    text = "".join(f"2026-11-30 08:00:{i:02d},000 INFO processed job {i}\n" for i in range(20))
    text += "2026-11-30 08:00:30,000 ERROR job failed\n" + "\n".join(lines[-4:]) + "\n"
    rep = run_blocks(text)
    assert rep.record_count == 21 and rep.exception_groups[0].first_line == 21


def test_a_code_in_parentheses_closed_by_a_colon_is_a_header_column() -> None:
    """SSSD's "(2026-11-30  8:00:10): [sssd[be[acme.org]]] [sdap_process_result] (0x0400): message": the debug level
    in parentheses was the first word of every message ("(<*>): Search result: ...")."""
    rows = [("0x0400", "Search result: Success(0), no errmsg set"), ("0x0040", "Unable to refresh subdomains [5]")]
    text = "".join(
        f"(2026-11-30  8:00:{i:02d}): [sssd[be[acme.org]]] [sdap_op_{i % 3}] ({rows[i % 2][0]}): {rows[i % 2][1]}\n"
        for i in range(40)
    )
    rep = run_blocks(text)
    assert {t.text for t in rep.templates} == {
        "Search result: Success(<*>), no errmsg set",
        "Unable to refresh subdomains [<*>]",
    }
