"""Header layouts discovered from the file: where a record's header ends and its message starts. Synthetic lines
written for these tests."""

from __future__ import annotations

from collections import Counter

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.formats import FORMAT_HEADER, RecordParser, detect_format

pytestmark = pytest.mark.unit


def _delimited_lines() -> list[str]:
    # "host - app (pid) - date time zone - level - tags - file - message": fields delimited by " - ", the tags
    # several words or one, the file field empty; more tokens before the tags than a header's columns hold.
    tags = ("retry budget", "db", "no tags")
    messages = ("timeout reading ledger", "ledger closed - retrying", "lost lease on shard")
    return [
        f"api.lan - billing ({4000 + i}) - {1 + i % 28} Jun 21 09:{i % 60:02d} +02 - error - {tags[i % 3]} - - "
        f"{messages[i % 3]}"
        for i in range(60)
    ]


def test_delimited_fields_after_the_header_columns_are_not_the_message() -> None:
    lines = _delimited_lines()
    guess = detect_format(lines)
    assert guess.name == FORMAT_HEADER
    parser = RecordParser(guess)
    assert [parser.parse(line).message for line in lines[:3]] == [
        "timeout reading ledger",
        "ledger closed - retrying",  # the delimiter inside a message stays
        "lost lease on shard",
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert sorted(t.text for t in rep.templates) == [
        "ledger closed - retrying",
        "lost lease on shard",
        "timeout reading ledger",
    ]
    assert {report_pb2.Level.Name(t.max_level) for t in rep.templates} == {"LEVEL_ERROR"}


def test_pipe_delimited_columns_after_a_compact_time_are_header() -> None:
    """A time written as one token of a dated family ("20240301-9:05:07:12", its clock's zeros left out at times),
    then columns closed by "|" (a component, a pid) and the message: the columns are header, each record's time
    is read, and the templates are the messages."""
    comps = ("Sync_Worker", "Step_Counter", "Net_Probe")
    msgs = ("flushed {} rows to cache", "step total now {}", "probe answered in {} ms")
    lines = [
        f"20240301-{i // 60 % 24}:{i % 60}:{i * 7 % 60}:{i * 37 % 1000}|{comps[i % 3]}|{3000 + i % 2}|"
        + msgs[i % 3].format(i * 13)
        for i in range(300)
    ]
    guess = detect_format(lines)
    assert guess.name == FORMAT_HEADER
    assert RecordParser(guess).parse(lines[4]).message == "step total now 52"
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 300  # every line leads with its time: none continues the one before
    assert sorted(t.text for t in rep.templates) == [
        "flushed <*> rows to cache",
        "probe answered in <*> ms",
        "step total now <*>",
    ]
    assert rep.time_range.start_time.ToJsonString() == "2024-03-01T00:00:00Z"
    assert rep.time_range.end_time.ToJsonString() == "2024-03-01T04:59:53Z"


def test_a_header_layout_is_reported_only_for_a_header_message_file() -> None:
    """The format's header layout names a header-message file's columns; a klog file whose few other lines fit a
    layout reports none (it would read as the klog file's own layout)."""
    klog = [f"I0102 03:04:{i % 60:02d}.000001    1234 server.go:{i % 90 + 1}] request {i} served" for i in range(300)]
    other = [f"[2024-01-02 03:04:{i % 60:02d}] INFO app: started worker {i}" for i in range(6)]
    rep = analyze([("\n".join(klog[:150] + other + klog[150:]) + "\n").encode()])
    assert rep.format.name == "klog"
    assert rep.format.header_layout == ""
    header = [f"2024-01-02 03:04:{i % 60:02d} INFO app: started worker {i}" for i in range(300)]
    rep = analyze([("\n".join(header) + "\n").encode()])
    assert rep.format.name == "header-message" and rep.format.header_layout


def _function_log() -> list[str]:
    # A serverless function's log: untimed "START/END/REPORT RequestId: ..." lines around the function's own
    # "time<TAB>request id<TAB>LEVEL<TAB>message" lines, the timed lines a minority.
    lines: list[str] = []
    for i in range(60):
        rid = f"{i:08x}-1f2e-4d3c-8b9a-{i * 7919:012x}"
        t = f"2024-03-01T12:00:{i:02d}.{i * 7 % 1000:03d}Z"
        lines.append(f"START RequestId: {rid} Version: $LATEST")
        lines.append(f"{t}\t{rid}\tINFO\tProcessing order {100 + i}")
        if i % 6 == 0:
            lines.append(f"{t}\t{rid}\tERROR\tPayment declined for order {100 + i}")
        lines.append(f"END RequestId: {rid}")
        lines.append(f"REPORT RequestId: {rid}\tDuration: {i * 1.37:.2f} ms\tBilled Duration: {i + 2} ms")
    return lines


def test_words_and_names_alone_are_no_header_and_a_line_that_opens_with_its_time_has_it_as_header() -> None:
    """A "START RequestId: <id> Version:" opens messages, it is no header (no time, level, number or bracket): the
    messages keep their words; a line that no layout explains but that opens with a time has the time, and a level
    word a few tokens after it, as its header: its message is what follows."""
    rep = analyze([("\n".join(_function_log()) + "\n").encode()])
    texts = {t.text: t.count for t in rep.templates}
    assert texts["START RequestId: <*> Version: $LATEST"] == 60, texts
    assert texts["END RequestId: <*>"] == 60, texts
    assert texts["Processing order <*>"] == 60, texts
    assert texts["Payment declined for order <*>"] == 10, texts
    assert {report_pb2.Level.Name(x.level): x.count for x in rep.levels}["LEVEL_ERROR"] == 10
    assert rep.parse_quality.timestamp_share == pytest.approx(70 / 250)


def test_untimed_request_lines_are_messages_not_a_header() -> None:
    """An untimed web app's request lines ("GET /api/items/5 200 12.345 ms - 532", Node's morgan) share a prefix
    of words, numbers and a separator; without a time, level or bracket that is their message, so GET and POST
    stay two templates."""
    lines = ["Server listening on port 3000"]
    for i in range(200):
        if i % 5:
            lines.append(f"GET /api/items/{i % 37} {(200, 304, 404)[i % 3]} {i * 0.731:.3f} ms - {100 + i}")
        else:
            lines.append(f"POST /api/orders {(201, 400)[i % 2]} {i * 1.37:.3f} ms - {10 + i % 50}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = {t.text: t.count for t in rep.templates}
    assert texts == {
        "GET /api/items/<*> <*> <*> ms - <*>": 160,
        "POST /api/orders <*> <*> ms - <*>": 40,
        "Server listening on port <*>": 1,
    }
    # A request line with no level of its own takes its status class, per record, as an access log's does.
    levels = {report_pb2.Level.Name(x.level).removeprefix("LEVEL_"): x.count for x in rep.levels}
    warn = sum(1 for i in range(200) if i % 5 and i % 3 == 2) + sum(1 for i in range(0, 200, 5) if i % 2)
    assert levels == {"INFO": 200 - warn, "WARN": warn}, levels


def test_a_request_line_after_a_header_without_a_level_takes_its_status_class() -> None:
    """Go's log package before a request line ("2024/03/01 12:00:01 GET /api/items/5 404 1.2ms"): the header has a
    time and no level, so the status class is the record's level, per record."""
    lines = [
        f"2024/03/01 12:{i // 60:02d}:{i % 60:02d} GET /api/x/{i % 37} {(200, 200, 404, 500)[i % 4]} {i * 0.1:.1f}ms"
        for i in range(120)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert [t.text for t in rep.templates] == ["GET /api/x/<*> <*> <*>"]
    levels = {report_pb2.Level.Name(x.level).removeprefix("LEVEL_"): x.count for x in rep.levels}
    assert levels == {"INFO": 60, "WARN": 30, "ERROR": 30}


def test_three_bare_words_before_a_bracket_open_the_message() -> None:
    """JVM unified logging: "[time][uptime][level][tags] GC(7) Pause Young (Normal) ...". Every record opens its
    message alike, so the classes the records share go on past the tags; three bare words in a row and a bracket
    after them are the message's, not header columns."""
    lines = []
    for i in range(200):
        kind = ("Normal", "Concurrent Start")[i % 2]
        lines.append(
            f"[2024-03-01T12:{i // 60:02d}:{i % 60:02d}.{i % 1000:03d}+0100][{i * 1.7:.3f}s][info][gc] GC({i}) Pause "
            f"Young ({kind}) (G1 Evacuation Pause) {20 + i % 70}M->{1 + i % 18}M(256M) {i * 0.013:.3f}ms"
        )
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = sorted(t.text for t in rep.templates)
    assert texts == [
        "GC(<*>) Pause Young (Concurrent Start) (G1 Evacuation Pause) <*>(<*>) <*>",
        "GC(<*>) Pause Young (Normal) (G1 Evacuation Pause) <*>(<*>) <*>",
    ], texts
    assert rep.parse_quality.timestamp_share == 1.0


def test_an_application_line_inside_a_container_record_keeps_its_header_for_the_layout() -> None:
    """The same application's lines, bare and inside CRI records: the layout is discovered on both, so the CRI
    records' application lines must reach it whole (their own time and level included), not cut as plain text."""
    lines = []
    for i in range(200):
        app = (
            f"2024-05-01 00:{i // 60:02d}:{i % 60:02d},{i % 1000:03d} {('INFO ', 'DEBUG')[i % 2]} "
            f"[exec-{i % 7}] c.e.orders.OrderService - "
            + ("Created order {} for customer c{}" if i % 3 else "Cache hit for key user:{} (ttl={}s)").format(i, i % 9)
        )
        lines.append(f"2024-05-01T00:{i // 60:02d}:{i % 60:02d}.{i:09d}Z stdout F {app}" if i % 2 else app)
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert sorted(t.text for t in rep.templates) == [
        "Cache hit for key user:<*> (ttl=<*>)",
        "Created order <*> for customer <*>",
    ]


def test_a_header_that_only_a_time_makes_one_ends_after_the_time_and_its_numbers() -> None:
    # A proxy's access log: an epoch time, a duration, then the request's own fields. Every record has the same token
    # classes, but only the time says the columns are a header: the client, the cache result, the method and the
    # rest are the message, so the templates tell a denied CONNECT from a cached GET.
    results = ("TCP_MISS/200", "TCP_HIT/200", "TCP_DENIED/403")
    methods = ("GET", "POST", "CONNECT")
    lines = [
        f"{1709294401 + i}.{i % 1000:03d} {100 + i * 7 % 900:6d} 10.0.{i % 4}.{i % 50} {results[i % 3]} {i * 37} "
        f"{methods[i // 3 % 3]} http://site{i % 7}.example/p/{i} - HIER_DIRECT/10.1.1.{i % 9} text/html"
        for i in range(180)
    ]
    guess = detect_format(lines)
    assert guess.layout is not None and guess.layout.classes == "TN", guess
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = sorted(t.text for t in rep.templates)
    assert len(texts) == 9, texts
    assert all(("TCP_DENIED/<*>" in t) + ("TCP_HIT/<*>" in t) + ("TCP_MISS/<*>" in t) == 1 for t in texts), texts
    assert sum("CONNECT" in t for t in texts) == 3, texts


def test_a_line_opening_with_a_bracketed_time_has_it_cut_and_its_request_status_read() -> None:
    # Python's http.server and Django's development server: "[01/Mar/2024 12:00:05] "GET /api HTTP/1.1" 200 512",
    # between banner lines without a time. The time is read and cut from the message, the status class is the level,
    # and the record reads as its request (``RequestColumns``).
    lines = ["Starting development server at http://127.0.0.1:8000/", "Quit the server with CONTROL-C."]
    lines += [
        f'[01/Mar/2024 12:{i // 60:02d}:{i % 60:02d}] "GET /api/items/{i} HTTP/1.1" {(200, 404, 500)[i % 3]} {100 + i}'
        for i in range(30)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.time_range.start_time.ToJsonString() == "2024-03-01T12:00:00Z"
    request = next(t for t in rep.templates if "GET" in t.text)
    assert request.text == "GET /api/items/<*> <*>"
    levels = {report_pb2.Level.Name(lc.level): lc.count for lc in request.levels}
    assert levels == {"LEVEL_INFO": 10, "LEVEL_WARN": 10, "LEVEL_ERROR": 10}


def _alb(i: int, status: int, path: str) -> str:
    """An AWS application load balancer's access log line (its documented field order): the status fields come
    before the quoted request, then more quoted fields."""
    target = status if status < 502 else "-"
    return (
        f"https 2024-03-05T10:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}Z app/my-alb/50dc6c495c0c9188 "
        f"203.0.113.{i % 90}:{40000 + i} 10.0.1.{i % 4}:80 0.000 0.{i % 9:03d} 0.000 {status} {target} {100 + i} "
        f'{300 + 3 * i} "GET https://shop.example.com:443{path} HTTP/1.1" "Mozilla/5.0" ECDHE-RSA-AES128-GCM-SHA256 '
        f"TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/73e2d6bc24d8a067 "
        f'"Root=1-58337281-{i:024x}" "shop.example.com" "-" 0'
    )


def _envoy(i: int, status: int, path: str) -> str:
    """Envoy's default access log format: the status right after the quoted request, then more fields."""
    return (
        f'[2024-03-05T10:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z] "GET {path} HTTP/1.1" {status} - 0 '
        f'{100 + i} {i % 50} {i % 40} "10.0.0.{i % 9}" "curl/8.0" "{i:08x}-aaaa" "api.example.com" '
        f'"10.1.0.{i % 4}:8080"'
    )


def _haproxy(i: int, status: int, path: str) -> str:
    """HAProxy's HTTP log format, sent to syslog: the status among the timers and counters, the request last."""
    return (
        f"Mar  5 10:{i // 60 % 60:02d}:{i % 60:02d} lb1 haproxy[{1200 + i % 2}]: 10.0.{i % 9}.{i % 250}:{40000 + i} "
        f"[05/Mar/2024:10:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}] www~ be_app/app{i % 3} "
        f"0/0/{i % 5}/{i % 40}/{i % 45} {status} {1000 + 7 * i} - - ---- {i % 9}/{i % 9}/0/0/0 0/0 "
        f'"GET {path} HTTP/1.1"'
    )


def _gin(i: int, status: int, path: str) -> str:
    """Gin's default request logger: a tag, the time, then "|"-closed columns (status, latency, client), the method
    and the quoted path; no quoted request line."""
    return (
        f"[GIN] 2024/03/05 - 10:{i // 60 % 60:02d}:{i % 60:02d} | {status} | {1 + i % 900:>9}.{i % 997:03d}ms | "
        f'{"10.0." + str(i % 9) + "." + str(i % 250):>15} | GET     "{path}"'
    )


def _fiber(i: int, status: int, path: str) -> str:
    """Fiber's default logger: the clock, then "|"-closed columns, the method and the path in columns of their own."""
    return (
        f"10:{i // 60 % 60:02d}:{i % 60:02d} | {status} | {1 + i % 900:>6}.{i % 997:03d}ms | "
        f"{'10.0.' + str(i % 9) + '.' + str(i % 250):>15} | GET     | {path} | -"
    )


@pytest.mark.parametrize("line", [_alb, _envoy, _haproxy, _gin, _fiber])
def test_an_access_log_of_its_own_layout_reads_as_its_request_and_status(line) -> None:  # type: ignore[no-untyped-def]
    """An access log whose fields are not the Combined Log Format's: the field holding the quoted request line in
    nearly every record and the first field holding an HTTP status (few distinct values: the byte counts in the
    same range have many) make each record "GET <target> <status>", its level the status's class. Both were one
    template of the whole line, with no level (the load balancer's)."""
    statuses = [(200, 200, 200, 404, 502, 503)[i * 7 % 6] for i in range(240)]
    paths = [("/health", f"/api/items/{i}", f"/static/app.{i % 5}.js")[i % 3] for i in range(240)]
    rep = analyze(
        [("\n".join(line(i, s, p) for i, (s, p) in enumerate(zip(statuses, paths, strict=True))) + "\n").encode()]
    )
    # One template per route (the load balancer writes its target whole: its scheme and authority are one value).
    # A method and its target in columns of their own are the request as a quoted request line is.
    origin = "<*>" if line is _alb else ""
    assert sorted(t.text for t in rep.templates) == [
        f"GET {origin}/api/items/<*> <*>",
        f"GET {origin}/health <*>",
        f"GET {origin}/static/app.<*>.js <*>",
    ]
    assert rep.format.description.endswith(
        ", each record an HTTP request read from its fields (request line and status)"
    )
    levels = {report_pb2.Level.Name(lc.level): lc.count for lc in rep.levels}
    assert levels == {"LEVEL_INFO": statuses.count(200), "LEVEL_WARN": statuses.count(404), "LEVEL_ERROR": 80}
    counted: Counter[str] = Counter()
    for t in rep.templates:
        status = next(p for p in t.placeholders if p.kind == "status")
        counted.update({v.value: v.count for v in status.top_values})
    assert counted == {str(s): statuses.count(s) for s in set(statuses)}


@pytest.mark.parametrize("line", [_alb, _haproxy, _gin])
def test_chunks_read_requests_by_their_fields_as_one_pass_does(line) -> None:  # type: ignore[no-untyped-def]
    """Every chunk finds the request and status fields in the file's head, as one pass does: the same templates,
    levels and statuses whatever the cuts."""
    from loglens_analysis.engine.chunks import HEAD_BYTES, analyze_chunk, merge_partials, plan_chunks

    statuses = [(200, 200, 200, 404, 502, 503)[i * 7 % 6] for i in range(3000)]
    data = ("\n".join(line(i, s, f"/api/items/{i % 50}") for i, s in enumerate(statuses)) + "\n").encode()
    one = analyze([data], year=2024)
    plans = plan_chunks(len(data), len(data) // 3)
    assert len(plans) > 1
    rep = merge_partials([analyze_chunk(data[:HEAD_BYTES], [data[p.read_from :]], p, year=2024) for p in plans])
    assert (
        [(t.text, t.count) for t in rep.templates]
        == [(t.text, t.count) for t in one.templates]
        == [(f"GET {'<*>' if line is _alb else ''}/api/items/<*> <*>", 3000)]
    )
    assert list(rep.levels) == list(one.levels)
    assert rep.format.description == one.format.description
    status = next(p for p in rep.templates[0].placeholders if p.kind == "status")
    assert {v.value: v.count for v in status.top_values} == {str(s): statuses.count(s) for s in set(statuses)}


def _padded_source_lines() -> list[str]:
    # SQL Server's errorlog: a time, then the session or source padded to a column of 12 characters, the message.
    sources = ("spid51", "spid9s", "Logon", "Server", "Backup")
    messages = (
        "Login succeeded for user 'app_web'. Connection made using SQL Server authentication. [CLIENT: 10.1.0.{}]",
        "Error: 18456, Severity: 14, State: {}.",
        "SQL Server has encountered {} occurrence(s) of I/O requests taking longer than 15 seconds to complete",
    )
    return [
        f"2024-03-01 12:{i // 60 % 60:02d}:{i % 60:02d}.{i % 100:02d} {sources[i * 7 % 5]:<12}"
        + messages[i % 3].format(i % 9 + 1)
        for i in range(120)
    ]


def test_a_column_padded_to_a_fixed_width_is_header_not_the_messages_first_word() -> None:
    """Blanks that fill a column to one width put the message at the same distance from the column's start whatever
    the word in it ("spid51      Login ...", "Logon       Error: ..."): the word is the record's source, a header
    column. Before, the five sources times three messages were fifteen templates, each opening with its source."""
    lines = _padded_source_lines()
    guess = detect_format(lines)
    assert guess.name == FORMAT_HEADER
    parser = RecordParser(guess)
    assert parser.parse(lines[1]).message == "Error: 18456, Severity: 14, State: 2."
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert sorted(t.text for t in rep.templates) == [
        "Error: <*>, Severity: <*>, State: <*>.",
        "Login succeeded for user 'app_web'. Connection made using SQL Server authentication. [CLIENT: <*>]",
        "SQL Server has encountered <*> occurrence(s) of I/O requests taking longer than <*> seconds to complete",
    ]


def test_a_separator_closing_a_padded_column_is_header_too() -> None:
    """A process manager's prefix: a time, the process name padded to one width, then "|" and the process's own
    line. The name and the bar are header; the line's own level word is read ("ERROR: ...")."""
    procs = ("web.1", "worker.1", "clock.1")
    messages = ("Started GET /", "Completed 200 OK in {}ms", "ERROR: could not connect to database")
    lines = [f"10:{i // 60:02d}:{i % 60:02d} {procs[i % 3]:<9}| {messages[i * 5 % 3].format(i)}" for i in range(90)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert sorted(t.text for t in rep.templates) == [
        "Completed <*> OK in <*>",
        "ERROR: could not connect to database",
        "Started GET /",
    ]
    levels = {t.text: report_pb2.Level.Name(t.max_level) for t in rep.templates}
    assert levels["ERROR: could not connect to database"] == "LEVEL_ERROR"


def test_a_message_whose_first_word_has_one_blank_after_it_keeps_that_word() -> None:
    """No padding, no column: messages whose first words differ in length and are followed by one blank keep them."""
    words = ("started", "stopped", "reloading", "ok")
    lines = [f"2024-03-01 12:00:{i % 60:02d} INFO {words[i % 4]} unit {i} of the pool" for i in range(80)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert sorted(t.text for t in rep.templates) == [
        "ok unit <*> of the pool",
        "reloading unit <*> of the pool",
        "started unit <*> of the pool",
        "stopped unit <*> of the pool",
    ]


def test_a_time_on_a_line_of_its_own_is_followed_by_its_records_message() -> None:
    """Oracle's alert log writes each record's time on a line of its own and the message under it: the message is
    the template, not the time ("<*>:<*>:<*>", one template for every record before), and the time is still read."""
    messages = (
        "Thread 1 advanced to log sequence {} (LGWR switch)\n  Current log# 2 seq# {} mem# 0: /u01/redo02.log",
        "Resize operation completed for file# {}, old size 6410K, new size {}K",
        "ORA-1653: unable to extend table APP.ORDERS by {} in tablespace USERS",
    )
    lines: list[str] = []
    for i in range(60):
        lines.append(f"2024-03-01T12:{i:02d}:00.{i * 7919 % 1000000:06d}+01:00")
        lines.extend(messages[i % 3].format(100 + i, 100 + i).split("\n"))
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert sorted(t.text for t in rep.templates) == [
        "ORA-<*>: unable to extend table APP.ORDERS by <*> in tablespace USERS",
        "Resize operation completed for file# <*>, old size <*>, new size <*>",
        "Thread <*> advanced to log sequence <*> (LGWR switch)",
    ]
    assert rep.record_count == 60
    assert rep.time_range.start_time.ToJsonString() == "2024-03-01T11:00:00Z"


def test_two_words_after_the_level_open_the_message_even_before_a_bracket_every_record_has() -> None:
    """A file of one message that holds a bracketed name in every record: the words before the bracket are the
    message's, not header columns (the template was ", flags=<*>", the message cut to its tail)."""
    names = ("[cache-a]", "[cache-b]", "[cache-c]", "[cache-d]", "[cache-e]")
    lines = [
        f"2024-03-01 12:{i // 60:02d}:{i % 60:02d} INFO evicted entries {i * 31} {names[i % 5]}, flags=0"
        for i in range(100)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert [t.text for t in rep.templates] == ["evicted entries <*> [<*>], flags=<*>"]


def test_a_plain_word_after_the_level_that_opens_one_message_each_is_the_message() -> None:
    """supervisord's "INFO spawned: 'web' with pid 812": each plain word after the level opens messages of one
    shape, so it is the event the message tells, not a source column (the template was "'<*>' with pid <*>").
    One statement may write a word or not ("(exit status 0; expected)" beside "(exit status 1; not expected)").
    A logger or a file ("handler.go:42:", "app.db:") has structure and stays a column."""
    procs = ("web", "worker", "beat")
    events = (
        "INFO spawned: '{p}' with pid {n}",
        "INFO success: {p} entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)",
        "WARN exited: {p} (exit status {n}; not expected)",
        "INFO exited: {p} (exit status 0; expected)",
    )
    lines = [
        f"2024-03-01 12:{i // 60:02d}:{i % 60:02d},{i * 7 % 1000:03d} " + events[i % 4].format(p=procs[i % 5 % 3], n=i)
        for i in range(120)
    ]
    texts = {t.text for t in analyze([("\n".join(lines) + "\n").encode()]).templates}
    assert "spawned: '<*>' with pid <*>" in texts
    assert any(t.startswith("exited: ") for t in texts)
    assert not any(t.startswith("'<*>'") for t in texts)
    files = ("handler.go:42:", "main.go:17:", "db.go:88:")
    messages = ("GET /api/items took {n}ms", "listening on :{n}", "error: dial tcp 10.0.0.5:{n}: connection refused")
    lines = [f"2024-03-01 12:00:{i % 60:02d} INFO {files[i % 3]} " + messages[i % 3].format(n=i) for i in range(60)]
    texts = {t.text for t in analyze([("\n".join(lines) + "\n").encode()]).templates}
    assert "listening on :<*>" in texts


def test_a_module_path_and_the_spans_before_it_are_the_source_not_the_message() -> None:
    """Rust's tracing writes "<time> <LEVEL> <spans>: <target>: <message>", the spans (a name and its fields in
    braces, joined by ":") only inside a request: the module path and the spans before it say where a record comes
    from, so one message is one template whatever request or handler logged it, and it reads as the message."""
    others = (
        " INFO {}inventory_service::events: consumed event topic=orders partition={} offset=77",
        "DEBUG {}tower_http::trace::on_request: started processing request {}",
        " WARN {}sqlx::query: slow statement: execution time exceeded threshold rows={}",
        " INFO inventory_service::metrics: db pool stats size=5 idle={} in_use=3",
    )
    lines = []
    for i in range(120):
        stamp = f"2024-05-03T16:{i // 60:02d}:{i % 60:02d}.115572Z"
        span = f"request{{method=GET uri=/api/v1/items/{i} version=HTTP/1.1}}:get_item{{id={i}}}: "
        lines.append(f"{stamp} ERROR {span}inventory_service::handlers::items: database error error=pool timed out")
        other = others[i % 4]
        lines.append(f"{stamp} " + (other.format(i) if i % 4 == 3 else other.format(span if i % 3 else "", i)))
    guess = detect_format(lines)
    parser = RecordParser(guess)
    got = parser.parse(lines[0])
    assert (got.message, got.component) == (
        "database error error=pool timed out",
        "inventory_service::handlers::items",
    )
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert sorted(t.text for t in rep.templates) == [
        "consumed event topic=orders partition=<*> offset=<*>",
        "database error error=pool timed out",
        "db pool stats size=<*> idle=<*> in_use=<*>",
        "slow statement: execution time exceeded threshold rows=<*>",
        "started processing request <*>",
    ]


def test_a_bracket_that_opens_half_the_messages_is_not_a_header_column() -> None:
    # The kernel's ring buffer: "[seconds since boot] message", where a firewall's records open with "[UFW BLOCK]"
    # and are written as key=value pairs. The bracket is the message's: the header is the stamp alone, and a
    # line that opens with a header is no logfmt record, however many pairs follow.
    others = (
        "docker0: port {}(veth{}) entered blocking state",
        "eth0: renamed from veth{}{}",
        "usb 1-{}: new device {}",
    )
    lines = []
    for i in range(120):
        stamp = f"[{10 + i * 7.25:12.6f}]"
        if i % 5 < 3:
            lines.append(
                f"{stamp} [UFW BLOCK] IN=eth0 OUT= MAC=3c:ec:ef:12:34:56:00:1b:21:aa:bb:cc:08:00 SRC=10.0.0.{i} "
                f"DST=10.0.0.20 LEN=52 TOS=0x00 PREC=0x00 TTL=236 ID={i * 31} PROTO=TCP SPT={i * 7} DPT={i}"
                " WINDOW=65535"
            )
        else:
            lines.append(f"{stamp} {others[i % 3].format(i, i + 1)}")
    guess = detect_format(lines)
    assert guess.name == FORMAT_HEADER
    assert guess.layout is not None and guess.layout.classes == "B"
    rep = analyze([("\n".join(lines) + "\n").encode()])
    ufw = [t for t in rep.templates if "IN=" in t.text]
    assert len(ufw) == 1 and ufw[0].text.startswith("[UFW BLOCK] IN=") and ufw[0].count == 72


def test_a_thread_column_some_sources_lack_is_still_a_column() -> None:
    # Two applications in one stream: a Java one writes its thread in brackets after the level, a Python one a name.
    # The bracket holds a field, one thread or another, so it is a column though a quarter of the lines lack it (a
    # bracket of one text opening some messages is theirs: see above).
    threads = ("main", "pool-2-thread-5", "http-nio-8080-exec-2", "scheduler-15")
    lines = []
    for i in range(160):
        stamp = f"2024-05-01 00:{i // 60:02d}:{i % 60:02d},{i % 1000:03d}"
        if i % 4 == 3:
            lines.append(f"{stamp} WARNING api.views: Retrying connection to db-{i % 3}:5432 (attempt {i % 5})")
        else:
            lines.append(f"{stamp} INFO  [{threads[i % 4]}] c.e.orders.OrderService - Created order {i} in {i % 90} ms")
    guess = detect_format(lines)
    assert guess.layout is not None and guess.layout.classes.startswith("TTLB"), guess.layout
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert "Created order <*> in <*> ms" in {t.text for t in rep.templates}


def test_a_column_that_is_the_whole_message_of_most_lines_is_not_header() -> None:
    """A playbook log: "ok: [web14]" on most lines, "ok: [web14] => (item=x)" on others. The host in brackets is
    the last token, all the message, of most lines: no header takes it (every record keeps a message), and the
    "fatal: [db1]: FAILED! => ..." record keeps its words."""
    lines = []
    for i in range(300):
        stamp = f"2024-03-05 14:{i // 60:02d}:{i % 60:02d},491 p=4242 u=deploy n=ansible |"
        if i % 3 == 0:
            lines.append(f"{stamp} ok: [web{i % 17}] => (item=pkg-{i % 5})")
        elif i % 50 == 7:
            lines.append(f'{stamp} fatal: [db{i % 4}]: FAILED! => {{"changed": false, "msg": "apt cache failed"}}')
        else:
            lines.append(f"{stamp} {('ok', 'changed')[i % 2]}: [web{i % 17}]")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert all(t.text.strip() for t in rep.templates), [t.text for t in rep.templates]
    assert any("FAILED!" in t.text for t in rep.templates), [t.text for t in rep.templates]


def test_a_parenthesised_thread_with_blanks_in_it_is_one_column() -> None:
    # The JBoss family's layout ("%d %-5p [%c] (%t) %s"): the thread's name, in parentheses, holds blanks ("default
    # task-12", "MSC service thread 1-2"). The parentheses delimit the column as brackets do; the message after it is
    # the statement's own, one template whatever thread wrote it.
    threads = ("default task-12", "MSC service thread 1-2", "main", "Thread-7 (ActiveMQ-client-global-threads)")
    lines = [
        f"2024-05-01 00:{i // 60:02d}:{i % 60:02d},{i % 1000:03d} INFO  [com.example.orders] ({threads[i % 4]}) "
        f"Order {i} created for customer {i * 7} ({i % 5} items)"
        for i in range(160)
    ]
    guess = detect_format(lines)
    assert guess.layout is not None and guess.layout.classes.startswith("TTLBB"), guess.layout
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert [t.text for t in rep.templates] == ["Order <*> created for customer <*> (<*> items)"]


def test_a_line_with_fewer_columns_keeps_the_word_that_opens_its_message() -> None:
    """Heroku's log stream: the app's lines ("time app[web.1]: I, [time #pid]  INFO -- : ...") set the layout; the
    platform's own ("time heroku[web.1]: Process exited with status 137") have its first two columns only. The word
    after them opens the message: it cannot be told from a column the layout has there."""
    lines = []
    for i in range(80):
        stamp = f"2024-01-15T10:{i // 60:02d}:{i % 60:02d}.{i:06d}+00:00"
        if i % 20 == 19:
            lines.append(f"{stamp} heroku[web.1]: Process exited with status {137 if i % 40 == 39 else 143}")
            lines.append(f"{stamp} heroku[web.1]: State changed from up to crashed")
        else:
            app = f"I, [{stamp[:26]} #{4 + i % 3}]  INFO -- : Completed 200 OK in {i}ms"
            lines.append(f"{stamp} app[web.{1 + i % 2}]: {app}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    counts = {t.text: t.count for t in rep.templates}
    assert counts["Process exited with status <*>"] == 4
    assert counts["State changed from up to crashed"] == 4
    assert counts["Completed <*> OK in <*>"] == 76


def test_two_bare_words_after_a_name_closed_by_a_colon_open_the_message() -> None:
    """cloud-init's "time - file.py[LEVEL]: message": most messages open alike ("Running command [...]"), and a
    bracket follows two words in all of them; a column after a name is one token, so the words are the message's."""
    lines = []
    for i in range(150):
        stamp = f"2024-01-15 10:{i // 60:02d}:{i % 60:02d},{100 + i}"
        if i % 5 == 4:
            lines.append(f"{stamp} - util.py[WARNING]: Failed running /var/lib/cloud/scripts/s{i % 3}.sh [{i % 2}]")
        elif i % 5 == 3:
            lines.append(f"{stamp} - util.py[DEBUG]: Reading from /proc/{i}/status (quiet=False)")
        else:
            lines.append(
                f"{stamp} - subp.py[DEBUG]: Running command ['systemctl', 'restart', 'svc{i % 7}'] with allowed "
                "return codes [0] (shell=False, capture=True)"
            )
    rep = analyze([("\n".join(lines) + "\n").encode()])
    counts = {t.text: t.count for t in rep.templates}
    assert counts["Failed running <*> [<*>]"] == 30
    assert counts["Reading from <*> (quiet=<*>)"] == 30
    assert sum(n for text, n in counts.items() if text.startswith("Running command [")) == 90
    assert {report_pb2.Level.Name(lc.level) for lc in rep.levels} == {"LEVEL_DEBUG", "LEVEL_WARN"}


def test_a_header_of_fields_in_angle_brackets_and_a_message_closed_on_its_own_line() -> None:
    """A server that writes every field in angle brackets ("####<time> <severity> <subsystem> ... <thread> ... <message
    id> <message>", as WebLogic does): a field holds blanks and brackets of its own (the thread's "<[ACTIVE] Worker:
    '3' for queue: 'default (self-tuning)'>"), the time names its zone after the 12-hour clock, and a message with a
    stack trace is closed by a ">" on a line of its own. Each field is one column, the message is read without its
    brackets, and the closing line ends its record."""
    lines = []
    for i in range(90):
        clock = f"Nov 30, 2026 {1 + i // 60}:{i % 60:02d}:07 PM CET"
        thread = f"<[ACTIVE] Worker: '{i % 7}' for queue: 'default (self-tuning)'>"
        head = f"####<{clock}> <{('Info', 'Warning', 'Error')[i % 3]}> <Sub{i % 2}> <host1> <Server1> {thread}"
        head += f" <<anonymous>> <> <> <{1796000000000 + i}> <MSG-{100 + i % 3}>"
        if i % 3 == 0:
            lines.append(f"{head} <{20 + i}% of the heap is free.>")
        elif i % 3 == 1:
            lines.append(f'{head} <Pool "orders" could not reach host db{i % 4}.>')
        else:
            lines += [f"{head} <Request {i} failed with an exception", "java.lang.IllegalStateException: closed"]
            lines += ["\tat com.example.Worker.run(Worker.java:42)", "\tat java.lang.Thread.run(Thread.java:833)", ">"]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 90
    counts = {t.text: (t.count, report_pb2.Level.Name(t.max_level)) for t in rep.templates}
    assert counts == {
        "<*>% of the heap is free.": (30, "LEVEL_INFO"),
        'Pool "orders" could not reach host <*>.': (30, "LEVEL_WARN"),
        "Request <*> failed with an exception": (30, "LEVEL_ERROR"),
    }
    (g,) = rep.exception_groups
    assert g.exception_type == "java.lang.IllegalStateException" and g.count == 30
    assert rep.parse_quality.timestamp_share == 1.0
    assert list(rep.parse_quality.time_assumptions) == []  # "CET" is read, no zone assumed
    assert rep.time_range.start_time.ToJsonString() == "2026-11-30T12:00:07Z"


def test_a_name_followed_by_nothing_but_values_opens_the_message() -> None:
    """A "name:" after the header's columns is a source's when words follow it ("modeset(0): Output VGA-1
    connected"); where only values follow (a quoted string, a number: 'LoadModule: "glx"'), the name is what the record
    says, and its value a placeholder: not one template per value with the name lost."""
    lines = []
    for i in range(120):
        head = f"[{i * 0.137:11.3f}] (II)"
        if i % 2:
            lines.append(f'{head} LoadModule: "{("glx", "fbdev", "evdev", "libinput", "vesa")[i % 5]}"')
        else:
            lines.append(f"{head} modeset(0): Output VGA-{i % 3} connected")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    counts = {t.text: t.count for t in rep.templates}
    assert counts == {'LoadModule: "<*>"': 60, "Output VGA-<*> connected": 60}


def test_a_thread_id_in_hex_digits_is_the_same_column_as_one_in_decimal_digits() -> None:
    """A thread's id written in eight hex digits ("0000002a" beside "00000051", WebSphere's SystemOut.log): ids with
    a letter among their digits are ids as the all-digit ones are, one column of one layout, never the message's
    first word (the source after it is padded to a fixed width: a column too)."""
    lines = []
    for i in range(200):
        thread = f"{(0x2A, 0x3F, 0x51, 0x77, 0xB0)[i % 5]:08x}"
        message = ("Processing order {} for customer 7", "Channel chain {} started")[i % 2].format(1000 + i)
        source = ("SystemOut", "WebContainer", "Channel")[i % 3]
        lines.append(f"[11/30/26 8:{i // 60:02d}:{i % 60:02d}:123 UTC] {thread} {source:<13} {message}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    counts = {t.text: t.count for t in rep.templates}
    assert counts == {"Processing order <*> for customer <*>": 100, "Channel chain <*> started": 100}
    assert rep.parse_quality.timestamp_share == 1.0


def test_a_column_let_pass_as_odd_is_not_where_the_header_goes_on_from() -> None:
    """Records "time LEVEL logger [] - message" (Flink's log4j layout) whose messages open with a word in most records
    and with a "name:" in the others ("Source: orders (1/4) switched from RUNNING to FAILED"): the header ends at the
    separator. It was taken on past it by the records of the other kind (as a source interleaved), and their
    templates lost the operator they are about."""
    loggers = ("org.example.Coordinator", "org.example.ExecutionGraph", "org.example.Task")
    lines = []
    for i in range(200):
        stamp = f"2026-11-30 08:{i // 60:02d}:{i % 60:02d},{i:03d}"
        kind = i % 20  # more messages open with a word than with a name, fewer with two words
        if kind < 7:
            message = f"Completed checkpoint {i} for job {i * 7919:x} ({i * 31} bytes)."
        elif kind < 11:
            message = "Unhandled exception."
        elif kind < 16:
            message = f"Source: orders ({1 + i % 4}/4) (attempt #{i % 3}) switched from RUNNING to FAILED."
        else:
            message = f"Sink: Print ({1 + i % 4}/4) switched from RUNNING to CANCELING."
        level = "WARN " if kind >= 16 else "INFO "
        lines.append(f"{stamp} {level} {loggers[i % 3]:<40} [] - {message}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    counts = {t.text: t.count for t in rep.templates}
    assert counts == {
        "Completed checkpoint <*> for job <*> (<*> bytes).": 70,
        "Unhandled exception.": 40,
        "Source: orders (<*>/<*>) (attempt #<*>) switched from RUNNING to FAILED.": 50,
        "Sink: Print (<*>/<*>) switched from RUNNING to CANCELING.": 40,
    }


def test_a_qualified_name_after_the_columns_in_every_record_is_its_source_not_its_message() -> None:
    """Tomcat's one-line format writes the logger and its method after the thread, with no colon or separator:
    "05-Dec-2026 08:15:04.101 SEVERE [main] org.apache.catalina.core.StandardContext.startInternal Context [/shop]
    startup failed". The name is the record's source: the message (what is quoted and mined) starts after it."""
    sources = (
        "org.apache.catalina.startup.HostConfig.deployWAR",
        "org.apache.catalina.core.StandardContext.startInternal",
        "org.apache.coyote.AbstractProtocol.start",
    )
    messages = ("Deploying web application archive [/srv/app{}.war]", "Context [/app{}] startup failed", "Pausing [{}]")
    levels = ("INFO", "SEVERE", "INFO")
    lines = [
        f"05-Dec-2026 08:{i // 60:02d}:{i % 60:02d}.123 {levels[i % 3]} [main] {sources[i % 3]} "
        + messages[i % 3].format(i)
        for i in range(60)
    ]
    parser = RecordParser(detect_format(lines))
    assert parser.parse(lines[1]).message == "Context [/app1] startup failed"
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert sorted(t.text for t in rep.templates) == [
        "Context [<*>] startup failed",
        "Deploying web application archive [<*>]",
        "Pausing [<*>]",
    ]
    # A message that opens with a qualified name now and then keeps it: no column.
    mixed = [
        f"2024-03-01 12:00:{i % 60:02d} INFO [main] "
        + ("com.example.Cache.evict done" if i % 4 == 0 else f"served {i}")
        for i in range(60)
    ]
    assert RecordParser(detect_format(mixed)).parse(mixed[0]).message == "com.example.Cache.evict done"


def test_syslog_with_an_rfc3339_time_reads_the_programs_own_levels_and_request_statuses() -> None:
    """journalctl -o short-iso and rsyslog's RSYSLOG_FileFormat write a syslog line with an RFC 3339 time: the host,
    the program and its pid are header as after "Mar  4 10:00:02", and the program's own header inside the message
    (containerd's logrus fields, kubelet's klog letter) gives its level; a request line a server sent takes its
    status class. A time, a level and a logger ("...Z INFO main: ...") are no host and program."""
    lines = []
    for i in range(60):
        t = f"2026-03-04T10:{i // 60:02d}:{i % 60:02d}+0000"
        micro = f"2026-03-04T10:00:{i % 60:02d}.{i:06d}Z"
        lines += [
            f'{t} node-1 containerd[812]: time="{micro}" level={("info", "error")[i % 2]} '
            f'msg="StartContainer for \\"{i:064x}\\" returns successfully"',
            f"{t} node-1 kubelet[905]: {'IE'[i % 2]}0304 10:00:{i % 60:02d}.{i:06d}     905 kubelet.go:2426] "
            f'"SyncLoop (PLEG): event for pod" pod="web-{i}"',
            f'{t} node-1 nginx[1201]: 10.0.0.{i} - - "GET /api/{i} HTTP/1.1" {(200, 503)[i % 2]} {100 + i}',
        ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.format.name == "syslog-rfc3164"
    levels = {(t.text, report_pb2.Level.Name(lc.level).removeprefix("LEVEL_")): lc.count
              for t in rep.templates for lc in t.levels}  # fmt: skip
    assert levels == {
        ('StartContainer for \\"<*>" returns successfully', "INFO"): 30,
        ('StartContainer for \\"<*>" returns successfully', "ERROR"): 30,
        ('"SyncLoop (PLEG): event for pod" pod="web-<*>"', "INFO"): 30,
        ('"SyncLoop (PLEG): event for pod" pod="web-<*>"', "ERROR"): 30,
        ('<*> - - "GET /api/<*> HTTP/<*>" <*> <*>', "INFO"): 30,
        ('<*> - - "GET /api/<*> HTTP/<*>" <*> <*>', "ERROR"): 30,
    }
    leveled = [f"2026-03-04T10:00:{i % 60:02d}Z {('INFO', 'WARN')[i % 2]} main: queue depth {i}" for i in range(60)]
    rep = analyze([("\n".join(leveled) + "\n").encode()])
    assert rep.format.name != "syslog-rfc3164"
    read = {report_pb2.Level.Name(x.level).removeprefix("LEVEL_"): x.count for x in rep.levels}
    assert read == {"INFO": 30, "WARN": 30}


def test_a_program_named_by_its_path_is_a_syslog_tag_of_the_header() -> None:
    """A collector's columns (a label, an epoch, a date, the node) before each relayed syslog header, whose program
    is sometimes named by its path ("/opt/ganglia/sbin/gmetad[1682]:", one record in six): the tag is a column
    like "crond[812]:", so the messages, not the node and program, make the templates, whoever wrote them."""
    programs = ("crond(pam_unix)[{}]: session closed for user {}", "sshd(pam_unix)[{}]: session closed for user {}")
    lines = []
    for i in range(240):
        node = f"dn{100 + i * 7 % 90}"
        clock = f"08:{i * 13 // 60 % 60:02d}:{i * 13 % 60:02d}"
        when = f"- {1772352007 + i * 13} 2026.03.01 {node} Mar 1 {clock} {node}/{node}"
        if i % 6 == 5:
            lines.append(
                f"{when} /opt/ganglia/sbin/gmetad[{1600 + i % 3}]: data_thread() got no answer from [grid_{i % 4}]"
            )
        else:
            lines.append(f"{when} {programs[i % 2].format(2000 + i, ('root', 'ops', 'backup')[i % 3])}")
    guess = detect_format(lines)
    assert guess.name == FORMAT_HEADER
    parser = RecordParser(guess)
    assert parser.parse(lines[5]).message == "data_thread() got no answer from [grid_1]"
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert Counter({t.text: t.count for t in rep.templates}) == {
        "session closed for user <*>": 200,
        "data_thread() got no answer from [<*>]": 40,
    }


def test_a_request_logger_among_a_servers_own_lines_reads_its_requests() -> None:
    """A Go server's file: a framework's route table and the server's start line before the request logger's lines,
    and under each request its handler refused, the error it answered with ("Error #01: ...", no time). The request
    lines read as their requests, levelled by status: the header took every column up to the path, the template was
    "<*>" and no 5xx was an error. (The lines the layout fits are the ones whose fields are asked for a request.)"""
    lines = [f"[GIN-debug] GET    /api/v1/route{i}   --> main.handler{i} (3 handlers)" for i in range(6)]
    lines += ["2024/03/05 10:00:00 billing-api starting, version 3.2.0"]
    for i in range(200):
        status = (200, 200, 201, 400, 502)[i % 5]
        lines.append(_gin(i, status, f"/api/v1/invoices/{i}" if i % 2 else "/ping"))
        if status == 400:
            lines.append("Error #01: Key: 'Invoice.Amount' Error:Field validation for 'Amount' failed on 'required'")
    rep = analyze([("\n".join(lines) + "\n").encode()], year=2024)
    by_text = {t.text: t.count for t in rep.templates}
    assert by_text["GET /ping <*>"] == 100, by_text
    assert by_text["GET /api/<*>/invoices/<*> <*>"] == 100, by_text
    levels = {report_pb2.Level.Name(lc.level): lc.count for lc in rep.levels}
    # The error lines state their level: records of their own, as before.
    assert levels == {"LEVEL_INFO": 120, "LEVEL_WARN": 40, "LEVEL_ERROR": 40 + 40}, levels
    assert rep.record_count == 6 + 1 + 200 + 40


def test_a_process_id_in_the_header_of_requests_read_from_their_fields_tells_a_restart() -> None:
    """HAProxy's requests in syslog, read as their requests: the message is put together from the record's fields,
    so the header is what comes before the first of them, and its process id ("haproxy[1200]:") changing tells the
    restart, as on any other record (no header was found: no restart)."""
    lines = []
    for i in range(600):
        line = _haproxy(i, (200, 200, 404, 503)[i % 4], f"/api/items/{i % 30}")
        lines.append(line.replace(f"haproxy[{1200 + i % 2}]", "haproxy[1200]" if i < 300 else "haproxy[1377]"))
    rep = analyze([("\n".join(lines) + "\n").encode()], year=2024)
    assert sorted(t.text for t in rep.templates) == ["GET /api/items/<*> <*>"]
    restarts = [a.description for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_RESTART]
    assert any("the process id changes from 1200" in d and "to 1377" in d for d in restarts), restarts


@pytest.mark.parametrize("logger", [True, False])
def test_an_event_name_after_the_level_is_the_message_s_first_word(logger: bool) -> None:
    """structlog's console renderer: the time, the level in brackets, the event's name padded to a width, the
    logger in brackets (where one is added), then the event's keys. The name is no column of the header: each name
    goes on with its own keys, as a message's first word does (a logger's or a thread's name heads records of many
    kinds); read as a column, every template was the keys alone ("duration_ms=<*> method=GET ...") and two events
    of the same keys were one."""
    events = [
        ("request_finished", "app.api", "duration_ms={} method=GET path=/items/{} status=200"),
        ("request_failed", "app.api", "duration_ms={} method=GET path=/items/{} status=500"),
        ("stock_lookup", "app.stock", "qty={} sku=SKU-{}"),
        ("cache_refresh", "app.cache", "keys={} took_ms={}"),
    ]
    lines = []
    for i in range(160):
        name, source, keys = events[i % 4]
        level = "error" if name == "request_failed" else "info"
        bracket = f"[{source}] " if logger else ""
        lines.append(
            f"2026-12-05 06:{i // 60:02d}:{i % 60:02d} [{level:<9}] {name:<30} {bracket}{keys.format(i * 7, i % 13)}"
        )
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = sorted(t.text for t in rep.templates)
    assert len(texts) == 4, texts
    assert all(t.split()[0] in {e[0] for e in events} for t in texts), texts
    failed = next(t for t in rep.templates if t.text.startswith("request_failed"))
    assert failed.count == 40 and report_pb2.Level.Name(failed.max_level) == "LEVEL_ERROR"


def test_a_field_before_the_loggers_name_and_its_separator_is_header() -> None:
    """Logback's "%d %p [%t] %X{userId} %logger - %m" (Nexus): the user before the logger's dotted name, the separator
    after it. Both are columns: one message, not a template per user ("*UNKNOWN ... - Failed to handle request" and
    "admin ... - Failed to handle request" were two). Two words after the level that no logger's name and separator
    close still open the message."""
    users = ["*UNKNOWN", "admin", "anonymous", "jenkins", "deployer"]
    lines = []
    for i in range(100):
        head = f"2026-12-05 07:{i // 60:02d}:{i % 60:02d},654+0000 ERROR [qtp1834726381-{190 + i % 9}] {users[i % 5]}"
        if i % 2:
            lines.append(f"{head} org.sonatype.nexus.handlers.ExceptionHandler - Failed to handle request PUT /v2/{i}")
        else:
            lines.append(f"{head} org.sonatype.nexus.security.AuthenticatingRealm - Failed login for user u{i}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert sorted(t.text for t in rep.templates) == [
        "Failed login for user <*>",
        "Failed to handle request PUT /<*>/<*>",
    ]
    prose = [f"2026-12-05 07:00:{i % 60:02d},654 INFO [main] release lock={i} - held {i} ms" for i in range(60)]
    rep = analyze([("\n".join(prose) + "\n").encode()])
    assert [t.text for t in rep.templates] == ["release lock=<*> - held <*> ms"]


def test_a_message_wrapped_at_its_tables_last_column_is_one_message() -> None:
    """A storage cluster's "event log show": time, node, severity, then the event's name and text, wrapped at the
    view's width with the rest under the column the event opens at. The template is the whole sentence ("Volume"
    alone stood for 19 volumes nearly full)."""
    lines = ["Time                Node             Severity      Event"]
    for i in range(40):
        t = f"12/5/2026 21:{i:02d}:18  cluster1-0{1 + i % 2}      "
        under = " " * 51  # the event column's
        if i % 2:
            lines += [
                f"{t}ALERT         monitor.volume.nearlyFull: Volume",
                f"{under}vol_db{i:02d}@vserver:8575 is nearly full (using or",
                f"{under}reserving {90 + i % 9}% of space and 1% of inodes).",
            ]
        else:
            lines.append(f"{t}NOTICE        arw.volume.state: Anti-ransomware state was changed on volume vol_{i}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = {t.text: t.count for t in rep.templates}
    assert texts.get("Volume <*>:<*> is nearly full (using or reserving <*>% of space and <*>% of inodes).") == 20
    assert texts.get("Anti-ransomware state was changed on volume <*>") == 20


def _containers(i: int) -> list[str]:
    """One second of `kubectl logs --prefix --all-containers`: a sidecar's lines (its time, then a tab-separated
    level and message, or an access line), and every fourth second the application's Spring Boot line."""
    t = f"2026-03-14T13:{i // 60:02d}:{i % 60:02d}.000Z"
    pod = "[pod/orders-5c7d8f9b6d-k2xqp"
    lines = [
        f'{pod}/istio-proxy] [{t}] "GET /api/orders/{1000 + i} HTTP/1.1" 200 - via_upstream - "-" 0 {300 + i} 12 11',
        f"{pod}/istio-proxy] {t}\tinfo\txdsproxy\tconnected to upstream XDS server: istiod.istio-system.svc:15012",
        f'{pod}/istio-proxy] [{t}] "GET /actuator/health HTTP/1.1" 200 - via_upstream - "-" 0 {15 + i % 3} 1 1',
    ]
    if i % 4 == 0:
        thread = f"nio-8080-exec-{i % 9 + 1}"
        lines.append(
            f"{pod}/orders] {t}  INFO 1 --- [orders-service] [{thread:>15}] c.s.orders.web.OrderController"
            f"          : order {5000 + i} placed customer=c-{i % 37} items={i % 5 + 1}"
        )
    return lines


def test_each_source_a_collector_names_gets_its_own_layout() -> None:
    """kubectl's "--prefix" names each line's container: a sidecar's lines (three in four) set the file's layout,
    the time alone, and the Spring Boot container's header after its time ("INFO 1 --- [orders-service] [nio-8080-
    exec-1] c.s.orders.web.OrderController : ") stayed in every template of it, its level a word of the message. A
    source's lines are a log of their own: its layout is discovered from them."""
    lines = [line for i in range(240) for line in _containers(i)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = {t.text: t for t in rep.templates}
    placed = texts["order <*> placed customer=c-<*> items=<*>"]
    assert placed.count == 60
    assert [(lv.level, lv.count) for lv in placed.levels] == [(report_pb2.LEVEL_INFO, 60)]
    assert not any("---" in text for text in texts)


def test_a_quoted_message_in_brackets_ends_the_header_whatever_fields_follow_it() -> None:
    """Milvus and TiDB write '[time] [LEVEL] [file.go:12] ["message"] [key=value]...'. Where most records carry the
    same fields after their message ("[traceID=...] [collectionID=...]"), the header went on over the message to
    them: "start do search" records were templated as their last fields "[nq=<*>] [topK=<*>]", and the WARN
    records whose fields the header took all were an empty template."""
    lines = []
    for i in range(90):
        t = f"[2024/03/12 01:{i // 60:02d}:{i % 60:02d}.958 +08:00]"
        trace = f"[traceID={i * 7919:032x}] [collectionID=4488123301234567{i % 3}]"
        if i % 3 == 0:
            lines.append(f'{t} [DEBUG] [querynodev2/services.go:774] ["start do search"] {trace} [nq=1] [topK={i}]')
        elif i % 3 == 1:
            lines.append(f'{t} [WARN] [delegator/delegator.go:390] ["delegator search failed to wait tsafe"] {trace}')
        else:
            lines.append(f'{t} [INFO] [querynodev2/handlers.go:371] ["search channel done"] {trace} [took={i}ms]')
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = sorted(t.text for t in rep.templates)
    assert all(text.startswith('["') for text in texts), texts
    assert len(texts) == 3


def test_a_header_of_fields_only_takes_its_message_from_the_indented_line_under_it() -> None:
    """GlassFish's and Payara's uniform format: "[#|<time>|INFO|Payara 4.1|<logger>|_ThreadID=1;_ThreadName=main;
    _TimeMillis=...;_LevelValue=800;|", the message indented on the next line, "|#]" closing the record. The fields
    were every template ("_ThreadID=<*>;_ThreadName=...;|" held 306 records of checkouts and cache refreshes at
    once), and a restart's banner went unseen."""
    lines = []
    for i in range(40):
        t = f"2026-12-05T00:{i:02d}:05.009+0000"
        ms = 1796428865009 + i * 60_000
        if i % 2:
            head = f"[#|{t}|INFO|Payara 4.1|com.acme.shop.CartService|_ThreadID={60 + i % 7};_ThreadName=http-"
            body = f"  CartService: cart {9000 + i} checkout user=u{i % 5} items={i % 4 + 1}|#]"
        else:
            head = f"[#|{t}|FINE|Payara 4.1|com.acme.shop.cache.CatalogCache|_ThreadID=59;_ThreadName=http-"
            body = f"  Catalog cache refreshed: {100 + i} entries in {i + 3} ms|#]"
        lines += [f"{head}thread-pool::http-listener-1({i % 5});_TimeMillis={ms};_LevelValue=800;|", body, ""]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert sorted(t.text for t in rep.templates) == [
        "CartService: cart <*> checkout user=<*> items=<*>",
        "Catalog cache refreshed: <*> entries in <*> ms",
    ]


def test_a_record_without_a_separated_column_keeps_its_first_word() -> None:
    """Redpanda writes "LEVEL <time> [shard N:main] logger - file.cc:NN - message", the source file and its separator
    left out by some loggers ("seastar - Exceptional future ignored: ..."). The record was cut as if its first word
    were the file ("future ignored:", "failure:" for "Assert failure:"): where the separator that closes a column is
    missing, so is the column."""
    lines = []
    for i in range(60):
        t = f"2024-03-12 06:{i // 60:02d}:{i % 60:02d},784 [shard {i % 4}:main]"
        if i % 6 == 5:
            lines.append(
                f"ERROR {t} seastar - Exceptional future ignored: seastar::gate_closed_exception (gate closed)"
            )
        else:
            lines.append(f"INFO  {t} storage - segment.cc:655 - Creating new segment /data/kafka/orders/{i}_85.log")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = {t.text for t in rep.templates}
    assert "Exceptional future ignored: seastar::gate_closed_exception (gate closed)" in texts, texts
    assert "Creating new segment <*>" in texts, texts


def test_a_first_line_that_names_only_its_logger_takes_its_message_from_the_line_under_it() -> None:
    """Apache Ignite's "[<time>][INFO ][grid-timeout-worker-#23][IgniteKernal] " heads its periodic metrics ("Metrics
    for local node ...", then "    ^-- Node [...]" lines): 44 records of metrics, a start banner and a stop's box were
    one template, "[IgniteKernal]". A logger's name in brackets alone is its header; the message is the next line."""
    lines = []
    for i in range(40):
        t = f"[2024-03-12T09:{i:02d}:00,074]"
        lines.append(f"{t}[INFO ][checkpoint-runner-#{i % 3}][Checkpointer] Checkpoint finished [cpId={i:08x}]")
        if i % 4 == 0:
            lines += [
                f"{t}[INFO ][grid-timeout-worker-#23][IgniteKernal] ",
                "Metrics for local node (to disable set 'metricsLogFrequency' to 0)",
                f"    ^-- Node [id=9487812e, uptime=0{i % 10}:13:04.845]",
                f"    ^-- Heap [used={100 + i}MB, free=42.1%, comm=512MB]",
            ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = {t.text: t.count for t in rep.templates}
    assert texts.get("Metrics for local node (to disable set 'metricsLogFrequency' to <*>)") == 10, texts
    assert "[IgniteKernal]" not in texts


def test_a_one_letter_column_holds_letters_no_severity_names_beside_those_that_do() -> None:
    """WebSphere's SystemOut.log: "[3/4/24 8:12:10:078 CET] 00000079 servlet       E com.ibm...ServletWrapper
    service SRVE0068E: ...", its letter column "O" (a line the application wrote to stdout) as often as I, W and E.
    The letters made two classes of one column, no layout held the level: every record was of no level. A line the
    application printed with its own logger's level, padded ("INFO  PaymentClient - ..."), is at that level."""
    letters = "OOIWOEIO"
    components = ("SystemOut", "servlet", "ConnectionPoo")
    lines = [
        f"[3/4/24 8:{i // 60:02d}:{i % 60:02d}:{i * 7 % 1000:03d} CET] {0x79 + i % 5:08x} {components[i % 3]:<13} "
        f"{letters[i % 8]} "
        + (
            f"INFO  PaymentClient - authorised payment {i} amount=12.50 EUR"
            if i % 8 == 7
            else "listed 2 orders for customer C1994 in 138 ms"
            if letters[i % 8] == "O"
            else f"SRVE0242I: [AcmeOrders] [/orders{i % 4}] Initialization successful."
        )
        for i in range(80)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    levels = {report_pb2.Level.Name(lc.level): lc.count for lc in rep.levels}
    assert levels == {"LEVEL_INFO": 30, "LEVEL_WARN": 10, "LEVEL_ERROR": 10}, levels  # "O" alone: none
    assert sorted(t.text for t in rep.templates) == [
        "INFO PaymentClient - authorised payment <*> amount=<*> EUR",
        "SRVE0242I: [AcmeOrders] [<*>] Initialization successful.",
        "listed <*> orders for customer <*> in <*> ms",
    ]


def test_a_record_that_leaves_an_inner_column_empty_keeps_its_level() -> None:
    """Cromwell's "%d %X{sourceThread} %-5level - %m": where no thread is set the line reads "2024-03-14
    08:00:03,512  INFO  - Running with database ...". The header stopped at the time: its level was the message's
    first word ("INFO - Running with ...") and the record of no level."""
    lines = []
    for i in range(60):
        thread = "" if i % 10 == 0 else f"cromwell-system-akka.dispatchers.engine-dispatcher-{i % 7}"
        level = "WARN " if i % 5 == 3 else "INFO "
        lines.append(f"2024-03-14 08:{i:02d}:03,512 {thread} {level} - Retrieved {i % 4} workflows from the store")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    levels = {report_pb2.Level.Name(lc.level): lc.count for lc in rep.levels}
    assert levels == {"LEVEL_INFO": 48, "LEVEL_WARN": 12}, levels
    assert [t.text for t in rep.templates] == ["Retrieved <*> workflows from the store"]


def test_letters_that_open_lines_are_writers_tags_not_a_level_column() -> None:
    """SAP's work process trace opens each line with the letter of the kernel part that wrote it ("M", "B", "C",
    "X"), the time on lines of its own: "C" is no critical record; the levels are the ones its messages state
    ("*** ERROR => ...")."""
    said = [
        "M  kernel runs with dp version {i}(ext=119000) (@(#) DPLIB-INT-VERSION-{i}-UC)",
        "M  length of sys_adm_ext is {i} bytes",
        "X  EmInit: MmSetImplementation( {i} ).",
        "X  ES initialized.",
        "B  db_con_init called",
        "B  Connection {i} opened (DBSL handle {i})",
        "C  HDBSQL: connecting to HANA host hanaprd:{i} as SAPHANADB ...",
        "C  SQLCODE : -{i}",
        "M  ThCheckReqInfo: message send to ({i}) was successful: {i}",
        "B  *** ERROR => Reconnect to database failed (rc={i}) [dblink 1542]",
    ]
    lines = []
    for i in range(60):
        lines.append(f"M Mon Mar  4 06:{i // 60:02d}:{i % 60:02d}:417 2024")
        lines += [said[(i + k) % 10].format(i=100 + i) for k in range(3)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    levels = {report_pb2.Level.Name(lc.level): lc.count for lc in rep.levels if lc.level}
    assert levels == {"LEVEL_ERROR": 18}, levels


def _module_logged(with_trace: bool) -> list[str]:
    """Python's logging as OpenStack's oslo.log writes it: "%(asctime)s %(process)d %(levelname)s %(name)s ...", the
    logger named after its module, two parts for most ("neutron.wsgi"), and a traceback written line by line under
    the record's header."""
    out = []
    for i in range(60):
        t = f"2024-03-12 09:{10 + i // 10:02d}:{i % 10 * 6:02d}.{i * 37 % 1000:03d}"
        if i % 3 == 0:
            req = f"[None req-{i * 7919:08x}-12b8-45b6-b4f2-66eb7616b436 - - - - - -]"  # a request's context
            out.append(f'{t} 2873 INFO neutron.wsgi {req} 10.0.0.{i % 9} "GET /v2.0/ports HTTP/1.1" status: 200')
        elif i % 3 == 1:
            out.append(f"{t} 2881 INFO neutron.notifiers.nova [-] Nova event response: network-changed {i}")
        else:
            out.append(f"{t} 2873 DEBUG oslo_db.sqlalchemy [-] Checked out connection {i} from pool")
        if with_trace and i == 30:
            head = f"{t} 2880 ERROR neutron.plugins.ml2.managers "
            out += [
                head + "Mechanism driver 'ovn' failed in update_port_postcommit",
                head + "Traceback (most recent call last):",
                head + '  File "/usr/lib/python3/dist-packages/neutron/plugins/ml2/managers.py", line 477, in _call',
                head + "    getattr(driver.obj, method_name)(context)",
                head + '  File "/usr/lib/python3/dist-packages/pymysql/connections.py", line 759, in _read_packet',
                head + "    raise err.OperationalError(2013, 'Lost connection to MySQL server during query')",
                head + "pymysql.err.OperationalError: (2013, 'Lost connection to MySQL server during query')",
            ]
    return out


def test_a_column_of_module_named_loggers_is_the_records_source() -> None:
    """A column after the level that names the record's logger by its module's dotted path is the header's, two parts
    or more ("neutron.wsgi"), where the column repeats few names: the message starts after it, so a traceback written
    under the same header line by line is the one record of the error it explains, grouped as an exception (each line
    was an ERROR record of its own, the frames' template "neutron.plugins.ml2.managers File <*>" the top error)."""
    lines = _module_logged(with_trace=True)
    guess = detect_format(lines)
    assert guess.layout is not None and guess.layout.classes == "TTNLW", guess.layout
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 61
    assert [(g.exception_type, g.count) for g in rep.exception_groups] == [("pymysql.err.OperationalError", 1)]
    assert sorted(t.text for t in rep.templates if t.max_level == report_pb2.LEVEL_ERROR) == [
        "Mechanism driver 'ovn' failed in update_port_postcommit"
    ]
    assert not [t for t in rep.templates if "neutron" in t.text or "oslo_db" in t.text]


def test_dotted_first_words_that_differ_line_after_line_are_the_messages() -> None:
    """A message may open with a dotted name that is no logger, a different one on most lines (a file that was
    fetched, a host that was resolved): no column."""
    lines = [
        f"2024-03-12 09:{i // 60:02d}:{i % 60:02d} INFO file{i}.tar fetched in {i % 7} ms from mirror {i % 3}"
        for i in range(60)
    ]
    guess = detect_format(lines)
    assert guess.layout is not None and guess.layout.classes.endswith("L"), guess.layout
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert [t.text for t in rep.templates] == ["<*>.tar fetched in <*> ms from mirror <*>"]


def test_an_arrow_drawn_after_the_time_closes_the_header() -> None:
    """ClamAV writes "Sat Dec  5 13:08:48 2026 -> message": an arrow drawn with two marks after the time separates the
    header from the message as "-" or "|" do. In the message, every template opened with "->", and the daemon's
    "+++ Started at ..." after its "--- Stopped at ..." was no start banner (no restart told)."""

    def at(s: int) -> str:
        return f"Sat Dec  5 {6 + s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d} 2026 ->"

    def start(s: int) -> list[str]:
        return [f"{at(s)} +++ Started at Sat Dec  5 {6 + s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d} 2026"]

    lines = start(0)
    lines += [f"{at(10 + i * 40)} /srv/upload/f{i}.bin: OK" for i in range(60)]
    lines += [f"{at(2420)} --- Stopped at Sat Dec  5 06:40:20 2026"]
    lines += start(4700) + [f"{at(4710 + i * 40)} /srv/upload/g{i}.bin: OK" for i in range(40)]
    layout = detect_format(lines).layout
    assert layout is not None and layout.classes.endswith("S"), layout
    rep = analyze([("\n".join(lines) + "\n").encode()], year=2026)
    assert not [t.text for t in rep.templates if t.text.startswith("->")]
    restarts = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_RESTART]
    assert [a.line_numbers[0] for a in restarts] == [63]


def test_lines_without_the_headers_first_column_do_not_vote_on_its_later_columns() -> None:
    """MySQL 8's error log: "time thread [Level] [MY-code] [Subsystem] message", where "[System]" is no level word
    (a bracketed column there on a fifth of the lines), and a crash report of untimed lines between. The untimed
    lines counted against every column after the time: the level column fell short of the header's share, the header
    was the time alone, and no record had a level (an InnoDB assertion, "0 ERROR/FATAL")."""
    lines: list[str] = []
    for i in range(110):
        t = f"2024-03-14T13:{i // 60:02d}:{i % 60:02d}.118204Z {i % 7}"
        if i % 5 == 0:
            lines.append(f"{t} [System] [MY-0135{i % 10:02d}] [InnoDB] InnoDB initialization has ended.")
        elif i % 5 == 1:
            lines.append(f"{t} [Warning] [MY-010055] [Server] IP address '10.0.0.{i}' could not be resolved")
        elif i in (42, 47):
            lines.append(f"{t} [ERROR] [MY-012640] [InnoDB] Error number 28 means 'No space left on device'")
        else:
            lines.append(f"{t} [Note] [MY-010914] [Server] Aborted connection {i} to db: 'shop' user: 'app'")
        if i == 60:
            lines += [f"stack_bottom = 0 thread_stack 0x{i:x}", "Most likely, you have hit a bug"] * 17
    rep = analyze([("\n".join(lines) + "\n").encode()])
    errors = sum(lc.count for t in rep.templates for lc in t.levels if lc.level == report_pb2.LEVEL_ERROR)
    warnings = sum(lc.count for t in rep.templates for lc in t.levels if lc.level == report_pb2.LEVEL_WARN)
    assert (errors, warnings) == (2, 22)
    texts = {t.text for t in rep.templates}
    assert "Error number <*> means 'No space left on device'" in texts, sorted(texts)


def test_a_process_and_thread_number_joined_by_a_hash_is_a_header_column() -> None:
    """NGINX Unit writes its process's and thread's numbers joined by "#" after the level, no colon after them
    ("2024/03/11 10:00:03 [info] 41#41 unit 1.32.0 started"): a column of the header, not the message's first word.
    Every template opened with "<*>#<*>"."""
    lines = []
    for i in range(60):
        t = f"2024/03/11 10:{i // 60:02d}:{i % 60:02d}"
        lines.append(f"{t} [info] {41 + i % 3}#{41 + i % 3} *{100 + i} client timed out")
        lines.append(f"{t} [error] {54 + i % 2}#{54 + i % 2} *{200 + i} recv(20, 8192) failed (104: Connection reset)")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = sorted(t.text for t in rep.templates)
    assert texts == ["*<*> client timed out", "*<*> recv(<*>, <*>) failed (<*>: Connection reset)"], texts
