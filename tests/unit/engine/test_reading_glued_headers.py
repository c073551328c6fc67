"""Headers written in ways the usual layouts are not: a level letter before the time inside one bracket, a clock glued
to the level and the logger by colons, punctuation standing alone between columns, an event's name after a word, a
dumped response's "Date:" line, a spreadsheet export with an unnamed last column. Synthetic lines written for these
tests from the formats' documentation."""

from __future__ import annotations

import pytest

from loglens.v1 import report_pb2
from tests.unit.engine.reading_support import level_counts, run_blocks

pytestmark = pytest.mark.unit


def _templates(rep: report_pb2.AnalysisReport) -> dict[str, int]:
    return {t.text: t.count for t in rep.templates}


def test_a_level_letter_before_the_time_in_one_bracket_is_the_level_and_the_request_the_message() -> None:
    """Tornado's "[I 240301 08:00:07 web:2243] 200 GET /x (10.0.0.2) 1.23ms": every record tells a request, so every
    record has the same token classes up to the client's address; the header is the bracket (its letter the level,
    its date and clock the time), the request the message. Read before as one template "<*>", no time, no level."""
    rows = [("I", 200, "GET", "/api/items/{}"), ("W", 404, "GET", "/favicon.ico"), ("E", 500, "POST", "/api/orders")]
    text = "".join(
        f"[{rows[i % 3][0]} 240301 08:{i // 60:02d}:{i % 60:02d} web:2243] {rows[i % 3][1]} {rows[i % 3][2]} "
        f"{rows[i % 3][3].format(i)} (10.0.0.{i % 7 + 1}) {i % 13 + 0.5:.2f}ms\n"
        for i in range(90)
    )
    rep = run_blocks(text)
    assert level_counts(rep) == {"INFO": 30, "WARN": 30, "ERROR": 30}
    assert rep.parse_quality.timestamp_share == 1.0
    assert _templates(rep) == {
        "GET /api/items/<*> (<*>) <*>": 30,
        "GET /favicon.ico (<*>) <*>": 30,
        "POST /api/orders (<*>) <*>": 30,
    }
    # Jupyter writes the full date and the application's name in the bracket.
    text = "".join(
        f"[{'IW'[i % 2]} 2024-03-01 08:{i // 60:02d}:{i % 60:02d}.{i:03d} ServerApp] "
        + (f"Saving file at /work/nb{i}.ipynb\n" if i % 2 == 0 else f"Kernel restarted: {i:08x}\n")
        for i in range(60)
    )
    rep = run_blocks(text)
    assert level_counts(rep) == {"INFO": 30, "WARN": 30}
    assert _templates(rep) == {"Saving file at <*>": 30, "Kernel restarted: <*>": 30}


def test_a_clock_glued_to_the_level_and_the_logger_by_colons_is_the_header() -> None:
    """Python logging's "%(asctime)s:%(levelname)s:%(name)s:%(message)s" (certbot's log): "2024-03-01
    08:00:07,123:ERROR:certbot.renewal:Failed to renew ...". The message was "<*>:<*>:<*>:ERROR:..." with no level."""
    rows = [
        ("DEBUG", "acme.client", "Sending GET request to {}"),
        ("ERROR", "certbot.renewal", "Failed to renew site{}"),
    ]
    text = "".join(
        f"2024-03-01 08:{i // 60:02d}:{i % 60:02d},{i:03d}:{rows[i % 2][0]}:{rows[i % 2][1]}:"
        f"{rows[i % 2][2].format(i)}\n"
        for i in range(60)
    )
    rep = run_blocks(text)
    assert level_counts(rep) == {"DEBUG": 30, "ERROR": 30}
    assert _templates(rep) == {"Sending GET request to <*>": 30, "Failed to renew <*>": 30}
    assert rep.parse_quality.timestamp_share == 1.0
    assert rep.time_range.start_time.ToJsonString() == "2024-03-01T08:00:00Z"
    assert rep.time_range.end_time.ToJsonString() == "2024-03-01T08:00:59Z"


def test_a_dumped_responses_date_line_continues_the_record_that_logged_it() -> None:
    """A logged HTTP response, its header lines unindented: "Date: Mon, 04 Mar 2024 08:00:07 GMT" holds a time, after
    a field's name: a value the record shows, not a record of its own."""
    lines = []
    for i in range(60):
        if i % 3:
            lines.append(f"2024-03-01 08:00:{i:02d},{i:03d}:INFO:certbot.main:Renewing site{i}.example.com")
            continue
        lines.append(f"2024-03-01 08:00:{i:02d},{i:03d}:DEBUG:acme.client:Received response:")
        lines += ["HTTP 200", "Server: nginx", f"Date: Fri, 01 Mar 2024 08:00:{i:02d} GMT"]
    rep = run_blocks("\n".join(lines) + "\n")
    assert rep.record_count == 60
    assert _templates(rep) == {"Renewing <*>": 40, "Received response:": 20}


def test_punctuation_alone_between_columns_separates_them() -> None:
    """Redis's "1:M 01 Mar 2024 08:00:07.123 # WARNING ..." and "* Ready to accept connections": the mark is a column
    of the header, not the first word of every message; a check or a cross mark says something and stays."""
    marks = ["*", "#", "-", "."]
    texts = ["Ready to accept connections", "Server initialized", "Accepted 10.0.0.{}:6379", "DB 0: {} keys"]
    text = "".join(
        f"1:M 01 Mar 2024 08:{i // 60:02d}:{i % 60:02d}.{i:03d} {marks[i % 4]} {texts[i % 4].format(i)}\n"
        for i in range(80)
    )
    assert _templates(run_blocks(text)) == {
        "Ready to accept connections": 20,
        "Server initialized": 20,
        "Accepted <*>:<*>": 20,
        "DB <*>: <*> keys": 20,
    }


def test_a_word_and_an_events_name_after_the_header_open_the_message() -> None:
    """vsftpd's "[pid 812] [ftp] OK LOGIN: Client ..." beside "FAIL LOGIN:" and "OK DOWNLOAD:", and "[pid 812]
    CONNECT: Client ..." without a user: the outcome and the event are what the record says. Read as header columns,
    connections, logins and failed logins were one template "Client <*>"."""
    lines = []
    for i in range(60):
        t = f"Fri Mar  1 08:{i // 60:02d}:{i % 60:02d} 2024 [pid {1000 + i}]"
        lines.append(f'{t} CONNECT: Client "10.0.0.{i % 9}"')
        outcome = "FAIL" if i % 3 == 0 else "OK"
        lines.append(f'{t} [user{i % 4}] {outcome} LOGIN: Client "10.0.0.{i % 9}"')
        if outcome == "OK":
            lines.append(f'{t} [user{i % 4}] OK DOWNLOAD: Client "10.0.0.{i % 9}", "/pub/f{i}.iso", {i * 1000} bytes')
    rep = run_blocks("\n".join(lines) + "\n")
    assert _templates(rep) == {
        'CONNECT: Client "<*>"': 60,
        'OK LOGIN: Client "<*>"': 40,
        'OK DOWNLOAD: Client "<*>", "<*>", <*> bytes': 40,
        'FAIL LOGIN: Client "<*>"': 20,
    }
    assert level_counts(rep) == {"ERROR": 20}


def test_a_csv_export_whose_last_column_has_no_name_is_read_as_csv() -> None:
    """Windows Event Viewer's "Save as CSV": five names, six fields (the description last), a 12-hour clock."""
    lines = ["Level,Date and Time,Source,Event ID,Task Category"]
    rows = [("Information", "Service Control Manager", 7036, "The {} service entered the running state.")]
    rows += [("Error", "disk", 7, "The device, \\Device\\Harddisk{}, has a bad block.")]
    for i in range(40):
        level, source, event, text = rows[i % 2]
        hour = 1 + i % 12
        lines.append(
            f'{level},3/1/2024 {hour}:00:{i:02d} {"AM" if i < 20 else "PM"},{source},{event},None,"{text.format(i)}"'
        )
    rep = run_blocks("\n".join(lines) + "\n")
    assert rep.format.name == "csv"
    assert level_counts(rep) == {"INFO": 20, "ERROR": 20}
    # 12 AM is midnight (i = 11), 11 PM the latest (i = 22 and 34).
    assert rep.time_range.start_time.ToJsonString() == "2024-03-01T00:00:11Z"
    assert rep.time_range.end_time.ToJsonString() == "2024-03-01T23:00:34Z"


def test_a_process_id_padded_to_its_column_before_the_time_opens_each_record() -> None:
    """Zabbix's "%6d:%Y%m%d:%H%M%S.%03d": "  1234:20240301:080007.123 message". Every line starts with blanks (the
    id is right-aligned): read as indented lines, the whole file was one record with no time."""
    texts = ['item "web{}:system.cpu.load" became not supported', 'resuming agent checks on host "db{}"']
    text = "".join(
        f"{(1234, 98765)[i % 2]:6d}:20240301:08{i // 60:02d}{i % 60:02d}.{i:03d} {texts[i % 2].format(i % 5)}\n"
        for i in range(60)
    )
    rep = run_blocks(text)
    assert rep.record_count == 60
    assert rep.parse_quality.timestamp_share == 1.0
    assert _templates(rep) == {
        'item "<*>:system.cpu.load" became not supported': 30,
        'resuming agent checks on host "<*>"': 30,
    }


def test_a_sentence_in_brackets_is_the_message_not_a_header_field() -> None:
    """A JVM's GC log: "<time>: 12.345: [GC (Allocation Failure) [PSYoungGen: 484160K->42344K(571904K)] ..., 0.0123
    secs]": the bracket holds the whole event. Read as a header field, young and full collections were one template
    of their last words."""
    lines = []
    for i in range(60):
        t = f"2024-03-01T08:00:{i:02d}.{i:03d}+0000: {3 + i * 1.5:.3f}:"
        times = f"[Times: user=0.{i:02d} sys=0.01, real=0.{i % 7:02d} secs]"
        if i % 4:
            young = f"[PSYoungGen: {400 + i}K->{40 + i}K(512K)] {i}K->{i}K(2048K), 0.0{i:02d} secs]"
            lines.append(f"{t} [GC (Allocation Failure) {young} {times}")
        else:
            old = f"[PSYoungGen: {40 + i}K->0K(512K)] [ParOldGen: {i}K->{i}K(1024K)], 0.{i:02d} secs]"
            lines.append(f"{t} [Full GC (Ergonomics) {old} {times}")
    texts = sorted(_templates(run_blocks("\n".join(lines) + "\n")))
    assert len(texts) == 2
    assert texts[0].startswith("[Full GC (Ergonomics) [PSYoungGen:") and texts[1].startswith("[GC (Allocation Failure)")


def test_words_after_the_level_are_the_message_whatever_their_classes_later() -> None:
    """Patroni's "<time> INFO: no action. I am (pg-0), the leader with the lock": two words after the level open the
    message; "I" (a level letter alone) and "am" (a clock's half of the day alone) after them are its words."""
    text = "".join(
        f"2024-03-01 08:00:{i % 60:02d},{i:03d} INFO: no action. I am (pg-{i % 3}), the leader with the lock\n"
        if i % 5
        else f"2024-03-01 08:00:{i % 60:02d},{i:03d} INFO: Lock owner: pg-{i % 3}; I am pg-{i % 3}\n"
        for i in range(60)
    )
    assert _templates(run_blocks(text)) == {
        "no action. I am (pg-<*>), the leader with the lock": 48,
        "Lock owner: pg-<*>; I am pg-<*>": 12,
    }


def test_a_diagnostics_detail_lines_under_its_level_in_brackets_are_one_record() -> None:
    """Maven's compiler errors: "[ERROR] .../OrderService.java:[57,21] cannot find symbol", then "[ERROR]   symbol:
    method getTotal()" and "[ERROR]   location: ...": the detail lines repeat the level and indent their text. Each was
    told as an error of its own; a line at the same depth is a record of its own."""
    lines = ["[INFO] Compiling 42 source files"]
    for i in range(5):
        lines += [
            f"[ERROR] /app/src/main/java/com/acme/Service{i}.java:[{i + 10},21] cannot find symbol",
            f"[ERROR]   symbol:   method getTotal{i}()",
            f"[ERROR]   location: variable order of type com.acme.Order{i}",
        ]
    lines += ["[ERROR] Failed to execute goal compile", "[ERROR]   ", "[INFO] BUILD FAILURE"]
    rep = run_blocks("\n".join(lines) + "\n")
    assert rep.record_count == 1 + 5 + 3
    assert level_counts(rep) == {"INFO": 2, "ERROR": 7}
    assert {t.text: t.count for t in rep.templates if t.count == 5} == {"<*>:[<*>] cannot find symbol": 5}


def test_a_level_padded_to_the_widest_glued_to_the_bracketed_time_is_the_header() -> None:
    """log15's terminal format (go-ethereum): the level padded to five characters, then "[MM-DD|HH:MM:SS.mmm]": "INFO
    [12-05|10:00:00.118] ..." beside "ERROR[12-05|10:22:43.357] ...". The time's "|" read no time at all, and the
    glued "ERROR[" kept its time inside the message."""
    rows = [
        ("INFO ", "Imported new chain segment               number={} hash=0x{:08x} blocks=1"),
        ("WARN ", "Beacon client online, but no consensus updates received in a while"),
        ("INFO ", "Looking for peers                        peercount={} tried=12"),
        ("ERROR", "Snapshot extension registration failed   peer={:08x} err=timeout"),
    ]
    lines = []
    for i in range(80):
        level, msg = rows[i % 4]
        lines.append(f"{level}[12-05|10:{i // 60:02d}:{i % 60:02d}.{i:03d}] {msg.format(i, i * 7919)}")
    rep = run_blocks("\n".join(lines) + "\n")
    assert rep.parse_quality.timestamp_share == 1.0
    assert level_counts(rep) == {"INFO": 40, "WARN": 20, "ERROR": 20}
    failed = next(t.text for t in rep.templates if t.max_level == report_pb2.LEVEL_ERROR)
    assert failed.startswith("Snapshot extension registration failed"), failed


def test_brackets_glued_after_a_level_are_one_column_however_many() -> None:
    """Asterisk: "NOTICE[1234] chan_sip.c: ..." beside "VERBOSE[2345][C-00000001] pbx.c: ...": the level, then the
    brackets glued to it as one column, then the source; the call's id in a bracket of its own is no message word."""
    rows = [
        "NOTICE[1234] chan_sip.c: Registration from '\"10{}\" <sip:10{}@203.0.113.9>' failed - Wrong password",
        'VERBOSE[2345][C-0000000{}] pbx.c: Executing [10{}@internal:1] Dial("PJSIP/101") in new stack',
        "WARNING[2345][C-0000000{}] app_dial.c: Unable to create channel of type 'PJSIP' (cause {})",
    ]
    lines = [f"[Dec  5 10:00:{i:02d}] " + rows[i % 3].format(i % 9, i % 7) for i in range(60)]
    rep = run_blocks("\n".join(lines) + "\n")
    assert level_counts(rep) == {"NOTICE": 20, "TRACE": 20, "WARN": 20}
    assert not [t.text for t in rep.templates if "[C-" in t.text or ".c:" in t.text], [t.text for t in rep.templates]


def test_a_level_letter_after_the_time_in_one_bracket_before_the_process_ids_is_the_level() -> None:
    """spdlog's "[%Y-%m-%d %H:%M:%S,%e %L %P %t]" (Ray's raylet.out): "[2024-03-14 11:28:05,353 E 31877 31877]
    (raylet) node_manager.cc:3035: 2 Workers killed". Every record was of no level (0 ERROR); the process's id is the
    first number, the thread's (31880 on one line) no process of its own: no restart at that line."""
    letters = "IIIWIIEI"
    lines = []
    for i in range(96):
        pid, tid = (31877, 31880 if i == 60 else 31877) if i < 70 else (40122, 40122)
        lines.append(
            f"[2024-03-14 11:{i // 4:02d}:{i % 4 * 15:02d},{i:03d} {letters[i % 8]} {pid} {tid}] (raylet) "
            + (
                f"worker_pool.cc:{470 + i % 3}: Started worker process with pid {32000 + i}"
                if i % 2
                else f"node_manager.cc:1046: Spilled {i} MiB, {i % 9 + 1} objects"
            )
        )
    rep = run_blocks("\n".join(lines) + "\n")
    assert level_counts(rep) == {"INFO": 72, "WARN": 12, "ERROR": 12}
    restarts = [a.description for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_RESTART]
    assert len(restarts) == 1 and "from 31877 (line 70) to 40122 (line 71)" in restarts[0], restarts
