"""Lines that open with their level and have no time (a build tool's console: Maven's "[INFO] ", "[ERROR] ", a
script's "WARNING: "), and records that say nothing (a tool's blank line or rule at a level, a heading closed by a
colon). Lines written here, in the style of a failed Maven build, no file copied."""

from __future__ import annotations

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.formats import level_prefix, parse_plain_message
from loglens_analysis.engine.report import says_nothing

pytestmark = pytest.mark.unit

BUILD = "\n".join(
    [
        "[INFO] Scanning for projects...",
        "[INFO] ------------------------------------------------------------------------",
        "[INFO] Building shop-core 1.4.0-SNAPSHOT                                  [2/3]",
        "[INFO] ------------------------------------------------------------------------",
        "[INFO] ",
        "[INFO] --- maven-surefire-plugin:2.22.2:test (default-test) @ shop-core ---",
        "[INFO] Running com.example.core.PriceCalculatorTest",
        "[INFO] Tests run: 12, Failures: 0, Errors: 0, Skipped: 0, Time"
        " elapsed: 0.143 s - in com.example.core.PriceCalculatorTest",
        "[INFO] Running com.example.core.OrderServiceTest",
        "[ERROR] Tests run: 8, Failures: 1, Errors: 0, Skipped: 0, Time elapsed:"
        " 1.204 s <<< FAILURE! - in com.example.core.OrderServiceTest",
        "[ERROR] shouldRejectNegativeQuantity(com.example.core.OrderServiceTest)  Time elapsed: 0.011 s  <<< FAILURE!",
        "org.opentest4j.AssertionFailedError: expected: <true> but was: <false>",
        "\tat com.example.core.OrderServiceTest.shouldRejectNegativeQuantity(OrderServiceTest.java:87)",
        "",
        "[INFO] ",
        "[INFO] Results:",
        "[INFO] ",
        "[ERROR] Failures: ",
        "[ERROR]   OrderServiceTest.shouldRejectNegativeQuantity:87 expected: <true> but was: <false>",
        "[INFO] ",
        "[ERROR] Tests run: 20, Failures: 1, Errors: 0, Skipped: 0",
        "[INFO] ",
        "[INFO] ------------------------------------------------------------------------",
        "[INFO] BUILD FAILURE",
        "[INFO] ------------------------------------------------------------------------",
        "[INFO] Total time:  7.512 s",
        "[INFO] Finished at: 2024-03-14T09:21:07Z",
        "[INFO] ------------------------------------------------------------------------",
        "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:2.22.2:test"
        " (default-test) on project shop-core: There are test failures.",
        "[ERROR] ",
        "[ERROR] -> [Help 1]",
        "[ERROR] ",
        "[ERROR] Re-run Maven using the -X switch to enable full debug logging.",
        "[ERROR] ",
    ]
)


@pytest.mark.parametrize(
    ("line", "level", "message"),
    [
        ("[INFO] Scanning for projects...", "INFO", "Scanning for projects..."),
        ("[error] disk full", "ERROR", "disk full"),
        ("WARNING: apt does not have a stable CLI interface.", "WARN", "apt does not have a stable CLI interface."),
        ("ERROR 2024-03-14 09:21:07 upload failed", "ERROR", "upload failed"),
        ("[ERROR]", "ERROR", "[ERROR]"),  # nothing after the level: the line is its message
        ("[main] started", None, "[main] started"),  # a bracketed word that is no level is no header
        ("Error reading config", "ERROR", "Error reading config"),  # a sentence's first word stays its own
        ("FAIL src/api/orders.test.ts", "ERROR", "FAIL src/api/orders.test.ts"),  # an outcome: what the line says
        # A tool's name, then its level in capitals: both the header ("npm ERR!" alone: a blank line of the tool's).
        ("npm ERR! code ERESOLVE", "ERROR", "code ERESOLVE"),
        (
            "npm WARN deprecated glob@7.2.3: Glob versions prior to v9",
            "WARN",
            "deprecated glob@7.2.3: Glob versions prior to v9",
        ),
        ("npm ERR! ", "ERROR", ""),
        ("disk error: sector 7 unreadable", "ERROR", "disk error: sector 7 unreadable"),  # a level word in a sentence
        ("make FAIL target", "ERROR", "make FAIL target"),  # an outcome word stays the message's
    ],
)
def test_a_level_that_opens_a_line_is_its_header(line: str, level: str | None, message: str) -> None:
    parsed = parse_plain_message(line)
    assert (parsed.level, parsed.message) == (level, message)


def test_a_tool_that_writes_its_name_and_level_before_each_line_is_summed_up_by_what_it_says() -> None:
    """A package manager's failed install: every line opens with "npm ERR!", some have nothing after it. The summary
    quotes what the errors say, not the prefix, and the blank ones say nothing (no claim of 'npm ERR!')."""
    lines = ["npm WARN deprecated inflight@1.0.6: This module is not supported, and leaks memory."]
    lines += ["npm ERR! code ERESOLVE", "npm ERR! ERESOLVE unable to resolve dependency tree", "npm ERR! "]
    lines += ["npm ERR! While resolving: shop@1.0.0", "npm ERR! Found: react@18.2.0", "npm ERR! "]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    claims = [c.text for c in rep.summary.claims]
    assert any('"ERESOLVE unable to resolve dependency tree"' in c for c in claims), claims
    assert not any('"npm ERR!' in c for c in claims), claims
    blank = next(t for t in rep.templates if t.count == 2)
    assert blank.text == "" and blank.max_level == report_pb2.LEVEL_ERROR


def test_a_date_in_the_message_after_a_leading_level_is_no_time_of_the_record() -> None:
    """ "[INFO] Finished at: 2024-03-14T09:21:07Z" says when the build finished; the line has no time of its own, and
    the file has none: no time range, no record timed by it."""
    assert parse_plain_message("[INFO] Finished at: 2024-03-14T09:21:07Z").time_text == ""
    assert parse_plain_message("[INFO] 2024-03-14 09:21:07 Finished").time_text == "2024-03-14 09:21:07 Finished"
    rep = analyze([BUILD.encode()])
    assert not rep.HasField("time_range")
    assert "2024" not in rep.summary.claims[0].text


@pytest.mark.parametrize(
    ("text", "nothing"),
    [
        ("[ERROR]", True),
        ("------------------------------------------------------------------------", True),
        ("*** *** *** ***", True),
        ("Failures:", True),
        ("Reactor Build Order:", True),
        ("", True),
        ("Tests run: <*>, Failures: <*>", False),
        ("<*>", False),  # a value: what the record says
        ("BUILD FAILURE", False),
        ("FAIL", False),  # an outcome: go test's last line says the run failed
        ("Caused by: the disk is full:", False),  # a sentence, not a label
        ("Errors: <*>", False),
    ],
)
def test_what_says_nothing(text: str, nothing: bool) -> None:
    assert says_nothing(text) is nothing


def test_a_failed_build_is_summed_up_by_its_failures_not_its_blank_lines_and_headings() -> None:
    """The failure's records lead: the exception, the failed tests and the failed goal; the build tool's blank
    "[ERROR]" lines (3 of the file's 11 errors), its rules and its "Failures:" heading are neither ranked among the
    errors nor what the file mostly holds, though their records keep their level."""
    rep = analyze([BUILD.encode()])
    by_id = {t.id: t for t in rep.templates}
    ranked = [by_id[rt.template_id].text for rt in rep.error_templates]
    assert "[ERROR]" not in ranked and "Failures:" not in ranked
    assert any(text.startswith("Failed to execute goal") for text in ranked)
    blank = next(t for t in rep.templates if t.text == "[ERROR]")
    assert blank.count == 3 and blank.max_level == report_pb2.LEVEL_ERROR
    summary = rep.summary.text
    assert '"[ERROR]"' not in summary and '"[INFO]"' not in summary and '"Failures:"' not in summary
    assert "AssertionFailedError" in summary
    assert "Tests run: 8, Failures: 1" in summary
    for claim in rep.summary.claims[1:]:  # after the overview, which cites the file's first and last line
        for line in claim.line_numbers:
            text = BUILD.splitlines()[line - 1]
            assert text.strip() not in ("[ERROR]", "[INFO]", "[ERROR] Failures:"), claim.text


@pytest.mark.parametrize(
    ("line", "level", "message"),
    [
        # A level word after a noun is the noun phrase's, not a column after the time (dbt's console).
        ("08:00:25  Database Error in model model_3 (models/model_3.sql)", "ERROR", "Database Error in model model_3"),
        ("08:00:25  1 of 5 ERROR creating sql table model m3", "ERROR", "1 of 5 ERROR creating sql table model m3"),
        ("08:00:25 host-1 ERROR disk full", "ERROR", "disk full"),  # a column before the level
        # A level word that names a count is no level (a run's totals).
        ("08:00:25  Done. PASS=4 WARN=0 ERROR=1 SKIP=0 TOTAL=5", None, "Done. PASS=4 WARN=0 ERROR=1 SKIP=0 TOTAL=5"),
        ("08:00:25  ", None, ""),  # a time alone: no message (its template is not the time's placeholders)
    ],
)
def test_a_level_after_a_leading_time_is_a_column_only_where_it_stands_as_one(
    line: str, level: str | None, message: str
) -> None:
    parsed = parse_plain_message(line)
    assert parsed.level == level
    assert parsed.message.startswith(message) and (message or not parsed.message)


def test_a_bracket_that_holds_no_time_gives_a_level_led_line_none() -> None:
    """A launcher's lines before the logger is set up ("INFO  [] -   Total Process Memory: 1.563gb (1677721600
    bytes)"): the empty context in brackets opens no time, and the byte count is no epoch; the file's times are its
    timed records' own."""
    assert parse_plain_message("INFO  [] -   Total Process Memory: 1.563gb (1677721600 bytes)").time_text == ""
    assert parse_plain_message("[10.30 16:49:06] job started").time_text
    head = [
        "INFO  [] - Loading configuration property: jobmanager.memory.process.size, 1600m",
        "INFO  [] - Final Master Memory configuration:",
        "INFO  [] -   Total Process Memory: 1.563gb (1677721600 bytes)",
        "INFO  [] -     Total Flink Memory: 1.125gb (1207959552 bytes)",
    ]
    timed = [
        f"2026-03-14 11:{i // 60:02d}:{i % 60:02d},000 INFO  org.example.Cluster{i % 3}  [] - checkpoint {i} done"
        for i in range(120)
    ]
    rep = analyze([("\n".join(head + timed + head) + "\n").encode()])
    assert rep.time_range.start_time.ToJsonString() == "2026-03-14T11:00:00Z"
    assert rep.time_range.end_time.ToJsonString() == "2026-03-14T11:01:59Z"
    assert rep.parse_quality.out_of_order_records == 0


def test_a_date_glued_to_a_path_or_a_url_is_no_time_of_the_record() -> None:
    """A test run's output, no time on any line, one line printing a URL whose query holds a date and one naming a
    file by its date: what they name, not when they were written; the file has no time range."""
    assert parse_plain_message("wrote /backups/db-2024-03-13T00:00:00.tar.gz").time_text is None
    out = [f"tests/unit/test_isbn.py::test_isbn_{i} PASSED [{i}%]" for i in range(60)]
    out[30] = "fetching feed https://api.feed.example/v2/stock?since=2024-03-13T00:00:00Z"
    out[40] = "/backups/db-2024-03-13 01:02:03.tar.gz written"
    rep = analyze([("\n".join(out) + "\n").encode()])
    assert not rep.HasField("time_range")
    assert "2024" not in rep.summary.claims[0].text


def test_a_journals_own_opening_line_is_prose_whatever_weekday_stands_before_its_date() -> None:
    """journalctl opens its output ("-o short-precise") with "-- Logs begin at Wed 2024-11-13 21:04:11 UTC, end at ...
    --": a sentence
    about the journal, not a record written then; the file's time range is its records'."""
    lines = ["-- Logs begin at Wed 2024-11-13 21:04:11 UTC, end at Thu 2024-11-14 18:00:02 UTC. --"]
    lines += [
        f"Nov 14 06:{i // 60:02d}:{i % 60:02d}.8157{i % 100:02d} ip-10-0-12-34 kubelet[1423]: I1114"
        f" 06:{i // 60:02d}:{i % 60:02d}.815553"
        f'    1423 scope.go:117] "RemoveContainer" containerID="{i * 7919:x}"'
        for i in range(120)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()], year=2024)
    assert rep.time_range.start_time.ToJsonString() == "2024-11-14T06:00:00Z"


def test_the_one_line_a_syslog_file_leaves_over_is_no_layout_and_a_start_by_systemd_is_no_pid_change() -> None:
    """journalctl's opening line over plain syslog lines ("-- Logs begin at Mon 2024-03-11 06:12:40 UTC, end at ...
    --"): the one line the syslog grammar left over became a header layout of its own, its sentence's date the
    record's time (a false 18-hour silence ranked first, a 28-hour span for 11 hours). A header is structure lines
    share. And systemd (pid 1) starting the service before the service's own lines is no change of the service's
    process id (it was told as a restart at the file's first start)."""
    lines = ["-- Logs begin at Mon 2024-03-11 06:12:40 UTC, end at Tue 2024-03-12 23:58:41 UTC. --"]
    lines.append("Mar 12 00:00:04 node-2 systemd[1]: Starting Scylla Server...")
    lines += [
        f"Mar 12 {i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d} node-2 scylla[4127]:  [shard {i % 4}:main] compaction"
        f" - done {i} sstables"
        for i in range(7, 7200, 20)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()], year=2024)
    assert rep.time_range.start_time.ToJsonString() == "2024-03-12T00:00:04Z", rep.time_range
    kinds = {a.kind for a in rep.anomalies}
    assert report_pb2.ANOMALY_KIND_SILENCE not in kinds and report_pb2.ANOMALY_KIND_RESTART not in kinds, [
        a.description for a in rep.anomalies
    ]


def test_a_level_word_that_names_a_directory_in_a_path_is_no_level() -> None:
    """Unity writes "(Filename: ./Runtime/Export/Debug/Debug.bindings.h Line: 35)" after every message of a player's
    or a server's log: 40% of a game server's records were DEBUG. A level word in brackets or after a blank still is
    one; so is one that opens a field with a slash after it (Celery's "[... WARNING/MainProcess]") or closes it after a
    thread's name and a slash (log4j's "[Server thread/INFO]", Minecraft's)."""
    assert parse_plain_message("(Filename: ./Runtime/Export/Debug/Debug.bindings.h Line: 35)").level is None
    assert parse_plain_message("build/Release/ERROR/out.o written").level is None
    assert parse_plain_message("[Debug] Loaded 12 assets").level == "DEBUG"
    assert parse_plain_message("[pool-1 WARNING/MainProcess] Task retried").level == "WARN"
    assert parse_plain_message("[22:43:52] [Server thread/INFO]: Steve_42 joined the game").level == "INFO"


def test_a_level_word_in_capitals_before_another_level_word_is_the_records_level() -> None:
    """dnf's log: "2024-09-03T09:23:04+0000 WARNING Error: Failed to download metadata ..." where its own DDEBUG and
    SUBDEBUG keep the level column out of the file's layout, so the message opens with both words: the record is a
    warning whose message opens with "Error:", not an error; "CRITICAL Error: ..." is critical. A tag in capitals
    that names no level before a level word still leaves the level to it ("PHP Fatal error:")."""
    assert level_prefix("WARNING Error: Failed to download metadata for repo 'baseos'") == "WARN"
    assert level_prefix("CRITICAL Error: Error downloading packages:") == "FATAL"
    assert level_prefix("PHP Fatal error:  Uncaught PDOException") == "FATAL"
