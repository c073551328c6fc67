"""Records that name an event where a level could stand, reports headed by a timed line, a traceback indented under
its record, a date and a time written in fields of their own, and a level letter marked by a colon. Synthetic lines
written for these tests from the formats' documentation."""

from __future__ import annotations

import calendar
import json

import pytest

from loglens.v1 import report_pb2
from tests.unit.engine.reading_support import level_counts, run_blocks

pytestmark = pytest.mark.unit


def _templates(rep: report_pb2.AnalysisReport) -> dict[str, int]:
    return {t.text: t.count for t in rep.templates}


def _levels_of(rep: report_pb2.AnalysisReport) -> dict[str, str]:
    return {t.text: report_pb2.Level.Name(t.max_level) for t in rep.templates}


def test_an_everyday_level_word_that_names_an_event_beside_other_events_is_no_level() -> None:
    """Nagios's log: "[epoch] SERVICE ALERT: host;svc;STATE;..." beside "SERVICE NOTIFICATION: ...": "ALERT" names
    the event (every state change, OK ones too), not how bad it is. Read before as a FATAL level column: "43 records at
    FATAL" for checks that went back to OK."""
    rows = [
        "SERVICE ALERT: web{h};HTTP;CRITICAL;SOFT;1;CRITICAL - Socket timeout after 10 seconds",
        "SERVICE ALERT: web{h};HTTP;OK;HARD;1;HTTP OK: HTTP/1.1 200 OK - 812 bytes in 0.05 second response time",
        "HOST ALERT: web{h};DOWN;HARD;3;PING CRITICAL - Packet loss = 100%",
        "SERVICE NOTIFICATION: oncall;web{h};Disk;WARNING;notify-service-by-email;DISK WARNING - free space low",
    ]
    text = "".join(f"[{1796025600 + 20 * i}] {rows[i % 4].format(h=i % 3)}\n" for i in range(80))
    rep = run_blocks(text)
    assert "FATAL" not in level_counts(rep)
    assert rep.parse_quality.timestamp_share == 1.0
    texts = [t.text for t in rep.templates]
    assert sum(t.startswith("SERVICE ALERT: ") for t in texts) == 2, texts
    assert any(t.startswith("HOST ALERT: ") for t in texts), texts
    assert any(t.startswith("SERVICE NOTIFICATION: ") for t in texts), texts
    # A tool's level after its name is still a level ("PHP Warning:", "PHP Notice:"), and so is a header's level
    # column whose words are levels only.
    text = "".join(
        f"[30-Nov-2026 08:00:{i % 60:02d} UTC] PHP {('Warning', 'Notice')[i % 2]}:  Undefined variable $x{i % 3}\n"
        for i in range(40)
    )
    assert level_counts(run_blocks(text)) == {"WARN": 20, "NOTICE": 20}


def test_a_report_headed_by_a_timed_line_is_one_record_told_by_its_first_line_under_the_heading() -> None:
    """Erlang/OTP's SASL reports: "=ERROR REPORT==== 30-Nov-2026::08:00:13 ===" (its date and clock joined by "::")
    and the report's lines under it, a blank line after each. Read before as records of their own with no time at
    all; each report is one record now, at its heading's time and level, told by its first line."""
    reports = [
        ("INFO", ["accepting AMQP connection <0.{n}.0> (10.0.0.2:{p} -> 10.0.0.1:5672)"]),
        (
            "WARNING",
            ["closing AMQP connection <0.{n}.0> (10.0.0.2:{p} -> 10.0.0.1:5672):", "client unexpectedly closed TCP"],
        ),
        (
            "ERROR",
            [
                "** Generic server <0.{n}.0> terminating",
                "** Last message in was {{'$gen_cast',{{deliver,1}}}}",
                "** Reason for termination ==",
                "** {{badarg,[{{erlang,binary_to_term,[<<>>],[]}}]}}",
            ],
        ),
    ]
    lines: list[str] = []
    for i in range(60):
        kind, body = reports[i % 3]
        lines.append(f"={kind} REPORT==== {1 + i // 30}-Dec-2026::08:{i // 60:02d}:{i % 60:02d} ===")
        lines += [b.format(n=500 + i, p=40000 + i) for b in body]
        lines.append("")
    rep = run_blocks("\n".join(lines) + "\n")
    assert rep.record_count == 60
    assert rep.parse_quality.timestamp_share == 1.0
    assert level_counts(rep) == {"INFO": 20, "WARN": 20, "ERROR": 20}
    assert _levels_of(rep) == {
        "accepting AMQP connection <*> (<*>:<*> -> <*>:<*>)": "LEVEL_INFO",
        "closing AMQP connection <*> (<*>:<*> -> <*>:<*>):": "LEVEL_WARN",
        "** Generic server <*> terminating": "LEVEL_ERROR",
    }
    assert rep.time_range.start_time.ToSeconds() == calendar.timegm((2026, 12, 1, 8, 0, 0))


def test_a_traceback_indented_under_its_record_is_the_records_exception() -> None:
    """Twisted writes "Unhandled Error" and the traceback under it with a tab before each line: no exception was
    found before (the banner and the exception's line did not open their lines)."""
    lines: list[str] = []
    for i in range(30):
        lines.append(f"2026-11-30 08:00:{i:02d}+0000 [-] Connection lost to broker 10.0.0.7:5672, retrying in {i} s")
        if i % 10 == 3:
            lines += [
                f"2026-11-30 08:00:{i:02d}+0000 [-] Unhandled Error",
                "\tTraceback (most recent call last):",
                '\t  File "/app/feed.py", line 88, in render_GET',
                "\t    return self.store.fetch(request.args)",
                "\tbuiltins.KeyError: b'id'",
            ]
    rep = run_blocks("\n".join(lines) + "\n")
    assert [(g.exception_type, g.count) for g in rep.exception_groups] == [("builtins.KeyError", 3)]
    # A JVM trace's frames keep their indentation: no Python traceback is read into them.
    jvm = "\n".join(
        f"2026-11-30 08:00:{i:02d} ERROR [main] Failed\njava.lang.IllegalStateException: bad {i}\n"
        "\tat com.acme.A.run(A.java:12)\n\tat com.acme.Main.main(Main.java:5)"
        for i in range(10)
    )
    rep = run_blocks(jvm + "\n")
    assert [(g.exception_type, g.count) for g in rep.exception_groups] == [("java.lang.IllegalStateException", 10)]


def test_a_line_of_a_traceback_that_names_no_exception_does_not_end_it() -> None:
    """Twisted marks where a Deferred's failure was caught inside its traceback ("--- <exception caught here> ---",
    the frames after it): the exception is still the trace's last line, not lost at the mark."""
    lines: list[str] = []
    for i in range(30):
        lines.append(f"2026-12-05T01:{i:02d}:27+0100 [feedrelay.upstream#info] Fetched news: {i} new items")
        if i % 10 == 3:
            lines += [
                f"2026-12-05T01:{i:02d}:20+0100 [-] Unhandled error in Deferred:",
                "\tTraceback (most recent call last):",
                '\t  File "/venv/lib/python3.11/site-packages/twisted/internet/defer.py", line 1078, in _runCallbacks',
                "\t    current.result = callback(  # type: ignore[misc]",
                "\t--- <exception caught here> ---",
                '\t  File "/opt/feedrelay/feedrelay/upstream.py", line 64, in poll',
                "\t    body = yield self.agent.request(b'GET', self.url)",
                "\ttwisted.internet.error.ConnectionRefusedError: Connection was refused by other side: 111.",
            ]
    rep = run_blocks("\n".join(lines) + "\n")
    (group,) = rep.exception_groups
    assert (group.exception_type, group.count) == ("twisted.internet.error.ConnectionRefusedError", 3)
    assert list(group.top_frames) == ["upstream.py:poll", "defer.py:_runCallbacks"]


def test_a_time_of_day_takes_its_date_from_the_records_date_field() -> None:
    """FortiGate's "date=2026-11-30 time=08:00:18 ..." (a date field, then a time field): the time was placed on the
    upload's day. With an epoch field as well ("eventtime=<ns>"), that whole time is the record's."""
    text = "".join(
        f'date=2026-11-{29 + i // 50} time={(23 + i // 50) % 24:02d}:{i % 50:02d}:07 devname="FGT60F" type="traffic" '
        f'level="notice" srcip=10.1.0.{i % 9 + 1} action="accept"\n'
        for i in range(100)
    )
    rep = run_blocks(text)
    assert rep.parse_quality.timestamp_share == 1.0
    assert rep.time_range.start_time.ToSeconds() == calendar.timegm((2026, 11, 29, 23, 0, 7))
    # The clock rolls over midnight onto the next day.
    assert rep.time_range.end_time.ToSeconds() == calendar.timegm((2026, 11, 30, 0, 49, 7))
    base = calendar.timegm((2026, 11, 30, 8, 0, 0))
    text = "".join(
        f"date=2026-11-30 time=08:00:{i:02d} eventtime={(base + i) * 10**9} level=notice action=accept srcport={i}\n"
        for i in range(40)
    )
    rep = run_blocks(text)
    assert rep.time_range.start_time.ToSeconds() == base
    # JSON with a "date" and a "time" field.
    text = "".join(
        json.dumps({"date": "2026-11-30", "time": f"08:00:{i:02d}", "msg": "order accepted"}) + "\n" for i in range(30)
    )
    rep = run_blocks(text)
    assert rep.time_range.start_time.ToSeconds() == base
    # A date in a message is no field's: a time of day alone keeps the day it had.
    text = "".join(f"08:00:{i:02d} backup of 2024-03-01 done\n" for i in range(30))
    rep = run_blocks(text)
    assert rep.time_range.start_time.ToSeconds() != calendar.timegm((2024, 3, 1, 8, 0, 0))


def test_a_level_letter_marked_by_a_colon_after_the_time_is_the_level() -> None:
    """TeamCity's build log: "[08:01:50]E:\\t [Step 3/3] Test ... failed", "W:" for warnings, " :" for plain lines.
    The letter was read as a logger named "E" (or, where the layout has a lone mark in that column, the line was left
    unexplained): the errors had no level."""
    for errors in (2, 5, 10):
        lines = []
        for i in range(100):
            if i < 2 * errors:
                mark, text = ("E", f"Test com.acme.T{i}.runs failed") if i % 2 == 0 else ("W", "warning: X deprecated")
            else:
                mark, text = " ", (f"> Task :t{i}" if i % 3 else f"Download https://repo.example.com/x{i}.jar")
            lines.append(f"[08:{i // 60:02d}:{i % 60:02d}]{mark}:\t [Step 1/1] {text}")
        rep = run_blocks("\n".join(lines) + "\n")
        assert level_counts(rep) == {"ERROR": errors, "WARN": errors}
        assert "Test com.acme.<*>.runs failed" in _templates(rep)


def test_an_id_whose_hex_follows_a_prefix_and_a_dash_is_not_cut_into_a_number_and_digits() -> None:
    """AWS's "i-0abc3582" ("i-07f3c2a1d9e4b5f60"): the number pattern took "0abc" as a number with a unit and left the
    digits after it, so every instance's template read "i-<*>3582" and its placeholder's value "<*>3582" for all of
    them. An API version ("v1alpha2") is no number either: it is not cut in two."""
    from loglens_analysis.engine.masking import mask_text

    assert mask_text("instance (i-07f3c2a1d9e4b5f60) not ready") == "instance (i-07f3c2a1d9e4b5f60) not ready"
    assert mask_text("sandbox *v1alpha2.PodSandboxStatus") == "sandbox *v1alpha2.PodSandboxStatus"
    assert mask_text("took 12ms on a 80x25 console, 2x faster") == "took <*> on a <*> console, <*> faster"
    ids = ["0abc3582", "0def3704", "07f3c2a1d9e4b5f60", "0a1b3582", "0abc4031", "0def6497"]
    text = "".join(
        f"2026-11-30T08:00:{i:02d}Z instance (i-{ids[i % 6]}) failed to become ready: RequestLimitExceeded\n"
        for i in range(30)
    )
    rep = run_blocks(text)
    assert len(rep.templates) == 1
    template = rep.templates[0]
    assert template.count == 30 and "3582" not in template.text, template.text
    for p in template.placeholders:
        assert all("<*>" not in v.value for v in p.top_values), p


def test_a_rare_message_told_as_a_warning_in_room_left_is_not_told_again() -> None:
    """Four one-off warnings late in a long file: the fourth is told in the room the sections left, past the
    warnings' cap; it was told again as a "Rare message" (kube-apiserver's "watch chan error: ...")."""
    lines = [f"2026-11-30T08:{i // 60:02d}:{i % 60:02d}Z INFO served request {i}" for i in range(1500)]
    for k, text in enumerate(["disk sda nearly full", "clock skew detected", "cache evicted", "watch chan error"]):
        lines.append(f"2026-11-30T08:25:{k:02d}Z WARN {text}")
    lines += [f"2026-11-30T08:26:{i % 60:02d}Z INFO served request {i}" for i in range(30)]
    rep = run_blocks("\n".join(lines) + "\n")
    warned = {t for c in rep.summary.claims if "at WARN" in c.text for t in c.template_ids}
    rare = {t for c in rep.summary.claims if c.text.startswith("Rare message") for t in c.template_ids}
    assert len(warned) == 4, [c.text for c in rep.summary.claims]
    assert not warned & rare, [c.text for c in rep.summary.claims]


def test_the_rows_of_a_table_under_a_record_are_records_of_their_own() -> None:
    """`kubectl describe pod`'s events: "Events:", then a header row, a rule of dashes and the rows, all indented. The
    indented lines continued "Events:": the report was one record told as "Events:", its Warning rows untold."""
    rows = [
        ("Normal", "Scheduled", "12m", "default-scheduler", "Successfully assigned shop/api-1 to node-3"),
        ("Normal", "Pulled", "11m (x4 over 12m)", "kubelet", 'Container image "shop/api:1.4.2" already present'),
        ("Warning", "BackOff", "2m (x47 over 12m)", "kubelet", "Back-off restarting failed container api in pod api-1"),
        ("Warning", "Unhealthy", "2m (x12 over 11m)", "kubelet", "Readiness probe failed: connection refused"),
    ]
    lines = ["Name:         api-1", "Namespace:    shop", "Events:"]
    lines.append(f"  {'Type':<9}{'Reason':<11}{'Age':<19}{'From':<19}Message")
    lines.append(f"  {'----':<9}{'------':<11}{'----':<19}{'----':<19}-------")
    lines += [f"  {a:<9}{b:<11}{c:<19}{d:<19}{e}" for a, b, c, d, e in rows]
    rep = run_blocks("\n".join(lines) + "\n")
    assert level_counts(rep) == {"WARN": 2}
    warned = [c for c in rep.summary.claims if "(WARN)" in c.text or "at WARN" in c.text]
    assert sorted(ln for c in warned for ln in c.line_numbers) == [8, 9], [c.text for c in rep.summary.claims]
    # Indented lines with no rule above them still continue their record (a dumped object under its message).
    text = "2024-03-01 10:00:00 ERROR request failed\n  status: 500\n  path: /api/orders\n"
    assert run_blocks(text).record_count == 1
