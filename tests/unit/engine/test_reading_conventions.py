"""Records that say their time, level and message under the documented names of widespread loggers other than the
usual "time"/"level"/"msg": the systemd journal's JSON export, Serilog's compact JSON (CLEF), MongoDB's "s",
OpenTelemetry's severity number and JSON encoding, Google Cloud Logging's entries; and .NET's console logger, whose
message sits indented under a line that names its source; Linux's audit log, whose time is its msg=audit(...) field.
Lines written here from the formats' documentation, no file copied."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from tests.unit.engine.reading_support import level_counts, run_blocks

pytestmark = pytest.mark.unit

T0 = datetime(2025, 8, 12, 19, 50, tzinfo=UTC)


def _json(records: list[dict[str, object]]) -> report_pb2.AnalysisReport:
    return analyze([("\n".join(json.dumps(r, separators=(",", ":")) for r in records) + "\n").encode()])


def _texts(rep: report_pb2.AnalysisReport) -> dict[str, tuple[int, str]]:
    return {t.text: (t.count, report_pb2.Level.Name(t.max_level).removeprefix("LEVEL_")) for t in rep.templates}


def test_the_journal_export_reads_priority_realtime_and_identifier() -> None:
    """journalctl -o json: MESSAGE, PRIORITY (the syslog severity, as a string), __REALTIME_TIMESTAMP
    (microseconds since the epoch, as a string) and SYSLOG_IDENTIFIER."""
    start = int(T0.timestamp() * 1_000_000)
    records: list[dict[str, object]] = []
    for i in range(120):
        pri, msg = ("6", f"Started Session {i} of User root.") if i % 10 else ("3", "Failed to start nginx.service.")
        records.append({"__CURSOR": f"s=1;i={i}", "__REALTIME_TIMESTAMP": str(start + i * 1_500_000),
                        "__MONOTONIC_TIMESTAMP": str(9_000_000 + i), "PRIORITY": pri, "SYSLOG_FACILITY": "3",
                        "SYSLOG_IDENTIFIER": "systemd", "_PID": "1", "MESSAGE": msg})  # fmt: skip
    rep = _json(records)
    assert _texts(rep) == {
        "Started Session <*> of User <*>.": (108, "INFO"),
        "Failed to start nginx.service.": (12, "ERROR"),
    }
    assert rep.parse_quality.timestamp_share == 1.0
    assert rep.time_range.start_time.ToDatetime(UTC) == T0
    # 119 x 1.5 s later, in whole seconds.
    assert rep.time_range.end_time.ToDatetime(UTC) == datetime(2025, 8, 12, 19, 52, 58, tzinfo=UTC)


def test_the_journal_export_reads_the_level_and_message_of_a_units_own_line() -> None:
    """A unit's output is stored at its stream's one priority (6, info): a klog line (kubelet) or a logfmt line
    with a level (containerd) in MESSAGE says the record's level and message itself, the klog letter per record (E and
    F look alike to shapes). A line of no such grammar keeps PRIORITY's level."""
    start = int(T0.timestamp() * 1_000_000)
    letters = "IIWEF"
    records: list[dict[str, object]] = []
    for i in range(150):
        if i % 3 == 0:
            ident = "kubelet"
            head = f"{letters[i % 5]}0812 19:50:{i % 60:02d}.{i:06d}    2041 pod_workers.go:1298]"
            msg = f'{head} "Error syncing pod" pod="web-{i}"'
        elif i % 3 == 1:
            ident, msg = (
                "containerd",
                f'time="2025-08-12T19:50:{i % 60:02d}Z" level=warning msg="cleanup warnings" id={i}',
            )
        else:
            ident, msg = "sshd", f"Accepted publickey for deploy from 10.0.0.{i} port {40000 + i} ssh2"
        records.append({"__REALTIME_TIMESTAMP": str(start + i * 1_000_000), "PRIORITY": "6",
                        "SYSLOG_IDENTIFIER": ident, "MESSAGE": msg})  # fmt: skip
    rep = _json(records)
    assert level_counts(rep) == {"INFO": 20 + 50, "WARN": 10 + 50, "ERROR": 10, "FATAL": 10}
    assert sorted(_texts(rep)) == [
        '"Error syncing pod" pod="web-<*>"',
        "Accepted publickey for deploy from <*> port <*> ssh2",
        "cleanup warnings",
    ]


def test_clef_renders_its_template_and_reads_an_absent_level_as_information() -> None:
    """Serilog's compact JSON: "@t", the message template "@mt" with its properties, "@l" left out for
    Information (the format's rule); the rendered "@m" where it is written."""
    records: list[dict[str, object]] = []
    for i in range(90):
        t = f"2025-08-12T19:50:{i % 60:02d}.1234567Z"
        if i % 3 == 0:
            template = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0000} ms"
            records.append({"@t": t, "@mt": template, "RequestMethod": "GET", "RequestPath": f"/api/items/{i}",
                            "StatusCode": 200, "Elapsed": i / 7})  # fmt: skip
        elif i % 3 == 1:
            records.append({"@t": t, "@mt": "Cache miss for {Key}", "@l": "Warning", "Key": f"user:{i}"})
        else:
            records.append({"@t": t, "@m": f"Order {i} failed", "@mt": "Order {OrderId} failed", "@l": "Error",
                            "OrderId": i})  # fmt: skip
    rep = _json(records)
    assert _texts(rep) == {
        "HTTP GET /api/items/<*> responded <*> in <*> ms": (30, "INFO"),
        "Cache miss for user:<*>": (30, "WARN"),
        "Order <*> failed": (30, "ERROR"),
    }
    assert rep.parse_quality.timestamp_share == 1.0


def test_a_level_under_an_abbreviated_or_prefixed_name() -> None:
    """MongoDB's structured log ("t": {"$date"}, "s": "I"/"W"/"E", "msg") and OpenTelemetry's log records
    ("severityNumber" 1..24 with no text, "body")."""
    mongo = [{"t": {"$date": f"2025-08-12T19:50:{i % 60:02d}.000+00:00"}, "s": "IWE"[i % 3], "c": "NETWORK",
              "id": 22943, "ctx": "listener", "msg": ("Connection accepted", "Slow query", "Error in heartbeat")[i % 3],
              "attr": {"remote": f"10.0.0.{i}:27017"}} for i in range(60)]  # fmt: skip
    assert level_counts(_json(mongo)) == {"INFO": 20, "WARN": 20, "ERROR": 20}
    for i, rec in enumerate(mongo):  # its debug levels carry their verbosity: "D1".."D5"
        rec["s"] = ("I", f"D{1 + i % 5}")[i % 2]
    assert level_counts(_json(mongo)) == {"INFO": 30, "DEBUG": 30}
    otel = [{"timestamp": f"2025-08-12T19:50:{i % 60:02d}Z", "severityNumber": (9, 13, 17, 21)[i % 4],
             "body": f"cart event {i % 4}"} for i in range(80)]  # fmt: skip
    assert level_counts(_json(otel)) == {"INFO": 20, "WARN": 20, "ERROR": 20, "FATAL": 20}


def test_opentelemetry_json_encoding_and_cloud_logging_entries() -> None:
    """OTLP's JSON encoding of a log record ("timeUnixNano" as a string of nanoseconds, "body": {"stringValue"},
    "severityText"), and a Google Cloud Logging entry ("textPayload", "severity" "WARNING", "timestamp")."""
    start = int(T0.timestamp()) * 1_000_000_000
    otel = [{"timeUnixNano": str(start + i * 1_000_000_000), "observedTimeUnixNano": str(start + i * 1_000_000_000 + 7),
             "severityNumber": (9, 17)[i % 2], "severityText": ("INFO", "ERROR")[i % 2],
             "body": {"stringValue": (f"cart {i} checked out", f"payment {i} declined")[i % 2]},
             "attributes": [{"key": "user", "value": {"stringValue": f"u{i}"}}]} for i in range(60)]  # fmt: skip
    rep = _json(otel)
    assert _texts(rep) == {"cart <*> checked out": (30, "INFO"), "payment <*> declined": (30, "ERROR")}
    assert rep.time_range.start_time.ToDatetime(UTC) == T0
    assert rep.time_range.end_time.ToDatetime(UTC) == datetime(2025, 8, 12, 19, 50, 59, tzinfo=UTC)
    gcp = [{"insertId": f"x{i}", "resource": {"type": "k8s_container", "labels": {"pod_name": "api-1"}},
            "severity": ("INFO", "WARNING")[i % 2], "textPayload": (f"served /items/{i}", "cache cold")[i % 2],
            "timestamp": f"2025-08-12T19:50:{i % 60:02d}.120Z"} for i in range(60)]  # fmt: skip
    rep = _json(gcp)
    assert _texts(rep) == {"served <*>": (30, "INFO"), "cache cold": (30, "WARN")}
    assert rep.time_range.start_time.ToDatetime(UTC) == T0


def test_log4j2_json_layouts_instant_and_thrown_and_a_timestamp_object() -> None:
    """log4j2's JsonLayout: the time as "instant": {"epochSecond", "nanoOfSecond"} (or "timeMillis" before it), the
    exception as "thrown": {"name", "message", "extendedStackTrace": [frames], "cause"}: read as the trace Java prints
    (an exception group with its root cause). A protobuf Timestamp object {"seconds", "nanos"} under a time's name is
    a time too; a "seconds" field under another name (a duration) is not."""
    start = int(T0.timestamp())
    thrown = {"name": "java.sql.SQLTransientConnectionException", "message": "Connection is not available",
              "extendedStackTrace": [{"class": "com.zaxxer.hikari.pool.HikariPool", "method": "getConnection",
                                      "file": "HikariPool.java", "line": 181, "exact": False}],
              "cause": {"name": "java.net.ConnectException", "message": "Connection refused",
                        "extendedStackTrace": [{"class": "sun.nio.ch.Net", "method": "connect0"}]}}  # fmt: skip
    records: list[dict[str, object]] = []
    for i in range(60):
        record: dict[str, object] = {"instant": {"epochSecond": start + i, "nanoOfSecond": 250_000_000},
                                     "thread": "main", "loggerName": "com.acme.Orders"}  # fmt: skip
        if i % 2:
            record |= {"level": "ERROR", "message": "Request failed", "thrown": thrown}
        else:
            record |= {"level": "INFO", "message": f"Order {i} placed"}
        records.append(record)
    rep = _json(records)
    assert _texts(rep) == {"Order <*> placed": (30, "INFO"), "Request failed": (30, "ERROR")}
    assert rep.time_range.start_time.ToDatetime(UTC) == T0
    assert [(e.exception_type, e.root_cause_type, e.count) for e in rep.exception_groups] == [
        ("java.sql.SQLTransientConnectionException", "java.net.ConnectException", 30)
    ]
    millis = [{"timeMillis": (start + i) * 1000 + 5, "level": "INFO", "message": f"tick {i}"} for i in range(30)]
    assert _json(millis).time_range.start_time.ToDatetime(UTC) == T0
    proto = [
        {"timestamp": {"seconds": start + i, "nanos": 0}, "severity": "INFO", "textPayload": "ok"} for i in range(30)
    ]
    assert _json(proto).time_range.start_time.ToDatetime(UTC) == T0
    duration = [{"elapsed": {"seconds": start + i, "nanos": 0}, "level": "INFO", "msg": "ok"} for i in range(30)]
    assert not _json(duration).HasField("time_range")


def test_a_name_that_only_looks_like_a_level_field_gives_no_level() -> None:
    """A field named like a level whose value is no level ("s": "ok") leaves the record without one."""
    records = [{"ts": f"2025-08-12T19:50:{i % 60:02d}Z", "s": "ok", "msg": f"tick {i}"} for i in range(30)]
    assert level_counts(_json(records)) == {}


def test_a_field_whose_whole_value_is_a_level_word_gives_the_level_where_no_field_is_named_for_it() -> None:
    """A Kubernetes event (kubectl get events -o json) states its severity in "type": "Warning" is WARN, "Normal"
    states none; a level word inside a longer value is no level ("reason": "ErrorBackoff" or a message)."""
    records = [
        {"kind": "Event", "type": ("Normal", "Warning")[i % 2], "reason": ("Pulled", "ErrorBackoff")[i % 2],
         "lastTimestamp": f"2025-08-12T19:50:{i % 60:02d}Z",
         "message": (f"Container image app:{i} already present", "Back-off restarting failed container")[i % 2]}
        for i in range(40)
    ]  # fmt: skip
    rep = _json(records)
    assert _texts(rep) == {
        "Container image app:<*> already present": (20, "UNSPECIFIED"),
        "Back-off restarting failed container": (20, "WARN"),
    }


def test_dotnet_console_records_take_their_message_from_the_indented_line() -> None:
    """.NET's console logger writes "<level>: <category>[<event id>]" and the message indented under it
    (levels trce, dbug, info, warn, fail, crit); an exception follows the message, its frames indented under it."""
    lines: list[str] = []
    for i in range(40):
        lines += ["info: Microsoft.AspNetCore.Hosting.Diagnostics[1]",
                  f"      Request starting HTTP/1.1 GET http://localhost:5000/api/items/{i} - -",
                  "dbug: Microsoft.AspNetCore.Routing.EndpointMiddleware[1]",
                  f"      Executing endpoint 'Api.ItemsController.Get{i % 3} (Api)'"]  # fmt: skip
        if i % 10 == 9:
            lines += ["fail: Microsoft.AspNetCore.Server.Kestrel[13]",
                      f'      Connection id "0HMV{i}": An unhandled exception was thrown by the application.',
                      "      System.InvalidOperationException: Sequence contains no elements",
                      "         at System.Linq.ThrowHelper.ThrowNoElementsException()",
                      "         at Shop.Orders.Process(Int32 id) in /src/Orders.cs:line 42"]  # fmt: skip
    rep = run_blocks("\n".join(lines) + "\n")
    assert rep.record_count == 84
    assert _texts(rep) == {
        "Request starting HTTP/<*> GET <*>/api/items/<*> - -": (40, "INFO"),
        "Executing endpoint 'Api.ItemsController.<*> (Api)'": (40, "DEBUG"),
        'Connection id "<*>": An unhandled exception was thrown by the application.': (4, "ERROR"),
    }
    (group,) = rep.exception_groups
    assert (group.exception_type, group.count, group.message) == (
        "System.InvalidOperationException",
        4,
        "Sequence contains no elements",
    )
    example = next(t for t in rep.templates if t.text.startswith("Request")).examples[0]
    assert example.text == f"{lines[0]}\n{lines[1]}" and example.line_number == 1


def test_a_bare_exception_name_over_its_trace_keeps_its_first_line() -> None:
    """A record whose first line logs only an exception's name, its frames under it: the frame is no message."""
    lines: list[str] = []
    for i in range(30):
        lines += [f"2025-08-12 19:50:{i:02d} ERROR java.lang.IllegalStateException",
                  "    at com.example.Orders.process(Orders.java:42)",
                  f"2025-08-12 19:50:{i:02d} INFO Order {i} done"]  # fmt: skip
    rep = run_blocks("\n".join(lines) + "\n")
    texts = _texts(rep)
    assert texts["java.lang.IllegalStateException"] == (30, "ERROR"), texts


def _audit_lines() -> list[str]:
    # Linux's audit log (auditd): "type=... msg=audit(<epoch seconds>.<ms>:<serial>): key=value ...", a login's
    # message a second, single-quoted msg field.
    out = []
    for i in range(90):
        stamp = f"audit({1709294400 + i * 7}.{i * 37 % 1000:03d}:{1000 + i})"
        if i % 3 == 2:
            res = ("failed", "success")[i % 2]
            out.append(
                f"type=USER_LOGIN msg={stamp}: pid={2000 + i} uid=0 auid=4294967295 ses=4294967295 msg='op=login "
                f'acct="root" exe="/usr/sbin/sshd" hostname=? addr=10.0.0.{i % 50 + 1} terminal=sshd res={res}\''
            )
        else:
            out.append(
                f"type=SYSCALL msg={stamp}: arch=c000003e syscall=59 success=yes exit=0 items=2 ppid={900 + i} "
                f'pid={3000 + i} auid=1000 uid=0 comm="ls" exe="/usr/bin/ls" key="exec"'
            )
    return out


def test_auditd_records_have_their_time_and_a_login_its_own_message() -> None:
    """auditd's msg=audit(...) field is the record's time and serial, no message: the time is read (2024-03-01,
    not "no timestamps"), a record with no other message field is its fields, a login's message is its second msg
    field (a single-quoted value): before, every record's template was "audit(<*>:<*>):" or "'op=login"."""
    rep = analyze([("\n".join(_audit_lines()) + "\n").encode()])
    assert rep.time_range.start_time.ToJsonString() == "2024-03-01T12:00:00Z"
    assert rep.time_range.end_time.ToJsonString() == "2024-03-01T12:10:23Z"
    texts = sorted(t.text for t in rep.templates)
    assert 'op=login acct="<*>" exe="<*>" hostname=? addr=<*> terminal=sshd res=failed' in texts
    assert sum(t.startswith("op=login") for t in texts) == 2  # res=failed and res=success
    assert any(t.startswith("type=SYSCALL arch=<v> syscall=<v>") for t in texts)  # a one-word value kept
    assert not any("audit(" in t for t in texts)


def test_the_words_a_key_value_record_writes_between_its_fields_open_its_message() -> None:
    """The kernel's audit record of a denial writes what happened in words between its fields ('type=AVC
    msg=audit(...): avc:  denied  { read } for  pid=812 comm="httpd" ...'): they open its message, before its
    fields; a record of fields only is its fields."""
    lines = []
    for i in range(60):
        stamp = f"audit({1709294400 + i * 7}.{i:03d}:{1000 + i})"
        if i % 3 == 0:
            lines.append(
                f'type=AVC msg={stamp}: avc:  denied  {{ read }} for  pid={800 + i} comm="httpd" name="index.html" '
                f"dev=dm-0 ino={5000 + i} scontext=system_u:system_r:httpd_t:s0 tclass=file permissive=0"
            )
        else:
            lines.append(f'type=CWD msg={stamp}: cwd="/root/{i}" item=0 dev=fd:00 mode=0100755 ouid=0')
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = {t.text: t.count for t in rep.templates}
    (denied,) = [t for t in texts if t.startswith("avc: denied { read } for ")]
    assert texts[denied] == 20
    assert texts["type=CWD cwd=<v> item=<v> dev=<v> mode=<v> ouid=<v>"] == 40


def test_gelf_reads_short_message_its_syslog_severity_and_the_trace_in_full_message() -> None:
    """GELF (Graylog's format, "version" with "short_message"): the message is "short_message", the level the syslog
    severity in "level" (3 error, 4 warning, 6 informational), read per record; a trace in "full_message" is the
    record's exception. Before, every record's template was its fields' names, with no level."""
    records: list[dict[str, object]] = []
    for i in range(60):
        sev = (6, 6, 4, 3)[i % 4]
        msg = {6: f"Order {i} processed in {i * 7} ms", 4: f"Slow query took {500 + i} ms", 3: "Payment call failed"}
        rec: dict[str, object] = {"version": "1.1", "host": "web-1", "short_message": msg[sev]}
        rec |= {"timestamp": T0.timestamp() + i * 2.5, "level": sev, "_logger_name": "com.acme.Orders"}
        if sev == 3:
            rec["full_message"] = (
                "Payment call failed\njava.net.ConnectException: Connection refused\n"
                "\tat com.acme.Payments.call(Payments.java:42)\n\tat com.acme.Orders.pay(Orders.java:7)"
            )
        records.append(rec)
    rep = _json(records)
    assert _texts(rep) == {
        "Order <*> processed in <*> ms": (30, "INFO"),
        "Slow query took <*> ms": (15, "WARN"),
        "Payment call failed": (15, "ERROR"),
    }
    assert [(g.exception_type, g.count) for g in rep.exception_groups] == [("java.net.ConnectException", 15)]
    assert rep.time_range.start_time.ToJsonString() == "2025-08-12T19:50:00Z"


def test_a_record_whose_first_line_is_its_header_only_takes_its_message_from_the_next_line() -> None:
    """Rails' DebugExceptions logs an exception in one FATAL call whose text opens with a line of blanks; tagged
    logging writes the request id again before every further line: "FATAL -- : [id]   ", then "[id] ActionView::...
    (PG::UndefinedColumn: ...)". The record's message is that second line, without the tag (not a template of no
    text, which the summary would leave out)."""
    lines: list[str] = []
    for i in range(30):
        h = hashlib.md5(str(i).encode()).hexdigest()
        rid = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        at = f"2026-03-04T10:00:{i:02d}.431199"
        lines += [f"I, [{at} #2811]  INFO -- : [{rid}] Started GET \"/orders/{i}\" for 10.0.3.22",
                  f"I, [{at} #2811]  INFO -- : [{rid}] Completed 200 OK in {i + 3}ms"]  # fmt: skip
        if i % 10 == 4:
            lines += [f"F, [{at} #2811] FATAL -- : [{rid}]   ",
                      f"[{rid}] ActionView::Template::Error (PG::UndefinedColumn: ERROR:  column orders.c{i} missing",
                      f"[{rid}]     14:       <td><%= order.placed_at %></td>",
                      f"[{rid}]   ",
                      f"[{rid}] app/views/orders/index.html.erb:14",
                      f"[{rid}] app/controllers/orders_controller.rb:9:in `index'",
                      f"[{rid}] actionpack (7.1.3.2) lib/metal/renderer.rb:6:in `send_action'"]  # fmt: skip
    rep = run_blocks("\n".join(lines) + "\n")
    fatal = [t for t in rep.templates if t.max_level == report_pb2.LEVEL_FATAL]
    assert [(t.text, t.count) for t in fatal] == [
        ("ActionView::Template::Error (PG::UndefinedColumn: ERROR: column orders.<*> missing", 3)
    ]
    assert any("ActionView::Template::Error" in c.text for c in rep.summary.claims)


def _kernel_log() -> list[str]:
    """A node's kern.log: the syslog header, then the kernel's own clock (printk's seconds since boot) before every
    message; a hung task's report with its call trace, each line under the repeated header."""
    out = []
    for i in range(40):
        head = f"Dec  5 03:{i // 2:02d}:{i % 2 * 30:02d} stor-a kernel: [{1848000 + i * 30}.{i * 7919 % 1000000:06d}]"
        out.append(f"{head} drbd r0/0 drbd0: Online verify done (total {i + 3} sec; paused 0 sec; {i * 97} K/sec)")
        if i == 20:
            out.append(f"{head} INFO: task drbd_s_r0:4213 blocked for more than 122 seconds.")
            out.append(f"{head} Call Trace:")
            for frame in ("<TASK>", "__schedule+0x24e/0x590", "schedule+0x69/0x110", "io_schedule+0x46/0x80"):
                out.append(f"{head}  {frame}")
            out.append(f"{head}  drbd_md_sync+0x1a4/0x2d0 [drbd]")
            out.append(f"{head}  ? set_kthread_struct+0x50/0x50")
            out.append(f"{head}  </TASK>")
    return out


def test_the_kernels_clock_before_its_message_is_the_headers() -> None:
    """printk's "[1848218.278455]" opens every message of a kernel's lines in kern.log: a clock (seconds since boot),
    the header's like the syslog time before it. In the message it opened every template ("[<*>] drbd ...") and kept
    a call trace's lines, each under the repeated header, records of their own (a frame's template per line)."""
    lines = _kernel_log()
    rep = analyze([("\n".join(lines) + "\n").encode()], year=2026)
    assert sorted(t.text for t in rep.templates) == [
        "Call Trace:",
        "INFO: task <*>:<*> blocked for more than <*> seconds.",
        "drbd <*>/<*> drbd0: Online verify done (total <*> sec; paused <*> sec; <*> K/sec)",
    ]
    assert rep.record_count == 42  # the trace's seven lines are the "Call Trace:" record's
    (trace,) = [t for t in rep.templates if t.text == "Call Trace:"]
    assert trace.examples[0].text.split("\n")[1] == " <TASK>"  # the trace's line, its header left out


def _klog(i: int, level: str, text: str) -> str:
    return f"{level}0603 14:{i // 60:02d}:{i % 60:02d}.035369       1 sync.go:140] {text}"


def test_a_klog_value_of_several_lines_is_one_record_with_its_closing_fields() -> None:
    """klog writes a value of several lines as "err=<", the value's lines indented by a tab (an empty one a tab
    alone), then " > logger=... resource_name=..." (the record's other fields). The empty line ended the record and
    the closing line became a record of its own (no level, 6 of them "unexplained"); the error's words were never
    told. One record; its claim quotes the value's first line."""
    lines: list[str] = []
    for i in range(40):
        lines.append(_klog(2 * i, "I", f'"starting controller" logger="cert-manager.controller" controller="c{i}"'))
        if i % 8 == 7:
            lines.append(_klog(2 * i + 1, "E", '"error presenting challenge" err=<'))
            lines.append("\tfailed to determine Route 53 hosted zone ID: api error AccessDenied: not authorized")
            lines.append("\t")
            lines.append(' > logger="cert-manager.challenges" resource_name="wildcard-tls-7" type="DNS-01"')
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 45, rep.record_count
    assert not any(t.text.startswith(">") for t in rep.templates), [t.text for t in rep.templates]
    (err,) = [t for t in rep.templates if "error presenting challenge" in t.text]
    assert (err.count, err.max_level) == (5, report_pb2.LEVEL_ERROR)
    claims = [c.text for c in rep.summary.claims]
    assert any(
        c.startswith(
            '5 records at ERROR: ""error presenting challenge" err=<" (below it at line 9: "failed to determine'
        )
        for c in claims
    ), claims
