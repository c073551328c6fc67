"""What a person on call reads first: the error ranking, restarts only from a replayed start, exception text.

Synthetic lines only; each test states the principle it checks.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.exceptions import exception_of
from loglens_analysis.engine.records import JOIN

T0 = datetime(2024, 5, 1, tzinfo=UTC).timestamp()
RESTART = report_pb2.ANOMALY_KIND_RESTART


def _line(t: float, level: str, message: str) -> str:
    return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S} {level} app: {message}"


def _analyze(lines: list[str]) -> report_pb2.AnalysisReport:
    return analyze([("\n".join(lines) + "\n").encode()])


def test_a_warning_repeated_a_thousand_times_never_outranks_an_error() -> None:
    lines = [_line(T0 + i, "WARN", "no observation found for signal inodes") for i in range(1200)]
    for k, at in enumerate((100, 700, 1100)):
        lines.insert(at, _line(T0 + at, "ERROR", f"could not read process start time of pid {4000 + k}"))
    rep = _analyze(lines)
    by_id = {t.id: t for t in rep.templates}
    ranked = [(report_pb2.Level.Name(e.level), by_id[e.template_id].text) for e in rep.error_templates]
    assert ranked[0][0] == "LEVEL_ERROR", ranked
    assert ranked[-1] == ("LEVEL_WARN", "no observation found for signal inodes")
    claims = [c.text for c in rep.summary.claims]
    error_at = next(i for i, c in enumerate(claims) if "could not read process start time" in c)
    warn_at = next(i for i, c in enumerate(claims) if "no observation found" in c)
    assert error_at < warn_at, claims


def test_a_fatal_message_seen_once_comes_before_errors_seen_more_often() -> None:
    """FATAL says a process (or a session) ended: the panic seen once and the child it killed come before three
    failed connections to a database (Dovecot's summary told the database first, the panic second)."""
    lines = [_line(T0 + i, "INFO", f"login user={i % 7} session={i}") for i in range(300)]
    lines[120] = _line(T0 + 120, "FATAL", "assertion failed: (first_uid > 0)")
    for k, at in enumerate((200, 230, 260)):
        lines[at] = _line(T0 + at, "ERROR", f"connect failed to database (vmail): attempt {k + 1}")
    rep = _analyze(lines)
    by_id = {t.id: t for t in rep.templates}
    ranked = [(report_pb2.Level.Name(e.level), by_id[e.template_id].text) for e in rep.error_templates]
    assert ranked[0] == ("LEVEL_FATAL", "assertion failed: (first_uid > <*>)"), ranked
    assert ranked[1][0] == "LEVEL_ERROR", ranked
    claims = [c.text for c in rep.summary.claims]
    fatal_at = next(i for i, c in enumerate(claims) if "assertion failed" in c)
    error_at = next(i for i, c in enumerate(claims) if "connect failed to database" in c)
    assert fatal_at < error_at, claims


def _steady(start: float, end: float, step: float) -> list[str]:
    out, t, i = [], start, 0
    while t < end:
        msg = (f"processed job {i} in {i % 97} ms", f"queue depth {i % 13}", f"heartbeat from node-{i % 3}")[i % 3]
        out.append(_line(t, "INFO", msg))
        t += step
        i += 1
    return out


_OPENING = ("loaded config file /etc/app.conf", "listening on port 8080", "worker pool of 16 threads ready")


def _file(replay_opening: bool) -> list[str]:
    first = "No hostname was supplied, using the default"
    lines = [_line(T0, "WARN", first)] + [_line(T0 + 1, "INFO", m) for m in _OPENING]
    lines += _steady(T0 + 2, T0 + 3000, 5)
    lines.append(_line(T0 + 3000, "WARN", first))
    if replay_opening:
        lines += [_line(T0 + 3001, "INFO", m) for m in _OPENING]
    lines += _steady(T0 + 3002, T0 + 6000, 5)
    return lines


def test_the_first_message_again_without_the_messages_that_followed_it_is_no_restart() -> None:
    # A reconnect repeats the file's first message; a start repeats the sequence the file opened with.
    lines = _file(replay_opening=False)
    rep = _analyze(lines)
    assert [a.description for a in rep.anomalies if a.kind == RESTART] == []


def test_the_first_message_again_with_the_messages_that_followed_it_is_a_restart() -> None:
    lines = _file(replay_opening=True)
    rep = _analyze(lines)
    restarts = [a for a in rep.anomalies if a.kind == RESTART]
    assert len(restarts) == 1, [a.description for a in rep.anomalies]
    at = restarts[0].line_numbers[0]
    assert at > 1 and lines[at - 1].endswith("No hostname was supplied, using the default")


def test_a_recovered_panic_without_a_panic_line_keeps_the_logged_message() -> None:
    # A logging library that recovers a panic writes its own line, then the goroutine dump; there is no
    # "panic: <message>" line, so the panic's message is the message the record logged.
    record = JOIN.join(
        [
            "web-1 - router (4242) - 02 Jan 24 10:00 +01 - panic - map key not found",
            "",
            "goroutine 1 [running]:",
            "example.com/log.Recover(0x0)",
            "\t/src/example.com/log/log.go:597 +0xab",
            "panic(0x16b1d20, 0xc420163450)",
            "\t/usr/local/go/src/runtime/panic.go:489 +0x2cf",
            "example.com/router.lookup(0xc4201a5ec8, 0x2)",
            "\t/src/example.com/router/lookup.go:20 +0x16f",
        ]
    )
    info = exception_of(record, "map key not found")
    assert info is not None
    assert (info.type, info.message) == ("panic", "map key not found")
    assert info.frames[:2] == ("example.com/log.Recover", "example.com/router.lookup")
    told = exception_of(JOIN.join(["panic: runtime error: index out of range", "", "goroutine 1 [running]:"]))
    assert told is not None and told.message == "runtime error: index out of range"


def _mixed_file() -> list[str]:
    """Three messages: a user name the miner makes a placeholder before an IP; a request line whose method
    splits one cluster into a GET and a POST template; a plugin name that splits another into three."""
    rng = random.Random(1)
    users = ("admin", "oracle", "test", "support", "guest", "ftp", "mysql", "postgres", "ubuntu", "pi")
    plugins = ("kubernetes.io/azure-disk", "kubernetes.io/aws-ebs", "kubernetes.io/cinder")
    lines = []
    for i in range(900):
        ts = f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z"
        lines.append(f"{ts} INFO Error getting volume limit for plugin {plugins[i % 3]}")
        ip = f"10.1.{rng.randrange(4)}.{rng.randrange(1, 9)}"
        port = rng.randrange(1024, 65535)
        lines.append(f"{ts} INFO Failed password for invalid user {rng.choice(users)} from {ip} port {port} ssh2")
        method, page, status = rng.choice(("GET", "POST")), rng.choice("abc"), rng.choice((200, 304))
        lines.append(f'{ts} INFO 127.0.0.1 - - "{method} /web/{page} HTTP/1.1" {status} - {rng.randrange(9)}')
    return lines


def test_placeholder_statistics_count_only_the_templates_own_records() -> None:
    # Statistics read per cluster are a template's only when no other template holds records of that cluster:
    # the GET template must not show the POST records' values, nor "azure-disk" count "cinder" records.
    rep = _analyze(_mixed_file())
    assert len(rep.templates) >= 4
    for t in rep.templates:
        for p in t.placeholders:
            assert p.records <= t.count, (t.text, p.index, p.records, t.count)
            assert sum(v.count for v in p.top_values) <= t.count, (t.text, p.index)


def test_a_placeholders_index_is_its_place_in_the_template() -> None:
    # The miner turned the user name into a placeholder: the IP is the template's second placeholder, not
    # its first, and its values are IPs.
    rep = _analyze(_mixed_file())
    t = next(t for t in rep.templates if t.text.startswith("Failed password for invalid user"))
    assert t.text == "Failed password for invalid user <*> from <*> port <*> ssh2"
    by_index = {p.index: p for p in t.placeholders}
    assert 0 not in by_index or by_index[0].kind != "ip"
    assert by_index[1].kind == "ip" and by_index[1].records == t.count == 900
    assert all(v.value.startswith("10.1.") for v in by_index[1].top_values)
    assert by_index[2].numeric.count == 900 and 1024 <= by_index[2].numeric.min <= by_index[2].numeric.max < 65535


RARE = report_pb2.ANOMALY_KIND_RARE_TEMPLATE


def _rare_file() -> list[str]:
    lines = [_line(T0, "INFO", "Registered signal handlers for TERM HUP INT")]
    lines += [_line(T0 + 1, "INFO", "Loaded plugin catalogue from the local store")]
    lines += _steady(T0 + 2, T0 + 3000, 2)
    lines.insert(1000, _line(T0 + 1997, "INFO", "Quota of volume data nearly exhausted, switching to read only"))
    lines.insert(1250, _line(T0 + 2497, "ERROR", "Replica set lost its primary, electing a new one"))
    return lines


def test_a_rare_message_of_the_files_start_ranks_after_one_from_its_middle() -> None:
    # A start sequence writes most of its messages once: rare by construction. Equal scores were ordered by
    # line, so the file's first lines always took the summary's rare slots.
    lines = _rare_file()
    rep = _analyze(lines)
    rare = [lines[a.line_numbers[0] - 1] for a in rep.anomalies if a.kind == RARE]
    # The middle's two rare messages first, the one that states a failure ("lost") before the other.
    assert rare[0].endswith("electing a new one") and rare[1].endswith("switching to read only"), rare
    assert rare[-1].endswith(("Registered signal handlers for TERM HUP INT", "from the local store")), rare
    claims = [c.text for c in rep.summary.claims if c.text.startswith("Rare message")]
    assert "switching to read only" in claims[0], claims


def test_an_error_told_in_the_summary_is_not_told_again_as_a_rare_message() -> None:
    lines = _steady(T0, T0 + 3000, 2)
    lines.insert(1250, _line(T0 + 2497, "ERROR", "Replica set lost its primary, electing a new one"))
    rep = _analyze(lines)
    told = [c.text for c in rep.summary.claims if "Replica set lost its primary" in c.text]
    assert len(told) == 1 and told[0].startswith("1 record at ERROR"), told
    assert any(a.kind == RARE and "Replica set lost" in a.description for a in rep.anomalies)  # still a finding


def test_lines_of_a_pretty_printed_document_are_not_rare_messages() -> None:
    # A program that prints a JSON document one line per record (a test's output under go test -json, a client's
    # dump of a response) makes each of its lines a template seen once: '"Scope": {', '},'. None of them is a
    # message; a rare message among them still is.
    document = [
        "{",
        '"Resource": [',
        "{",
        '"Key": "service.name",',
        '"Value": {',
        '"Type": "STRING",',
        '"Value": "orders"',
        "}",
        "}",
        "],",
        '"Scope": {',
        '"Name": "orders/aws",',
        '"Version": "",',
        '"SchemaURL": ""',
        "},",
        '"Metrics": [',
        "{",
        '"Name": "aws.sqs.operations",',
        '"Description": "Count of AWS SQS operations",',
        '"Unit": "{operation}",',
        '"Data": {',
        '"Temporality": "CumulativeTemporality",',
        '"IsMonotonic": true',
        "}",
        "}",
        "]",
        "}",
    ]
    lines = _steady(T0, T0 + 3000, 2)
    at = 1100
    for k, text in enumerate(document):
        lines.insert(at + k, _line(T0 + 2200 + k / 100, "INFO", "    " + text))
    lines.insert(1500, _line(T0 + 2700, "INFO", "Skipping integration test until the queue can be mocked"))
    rep = _analyze(lines)
    rare = [lines[a.line_numbers[0] - 1] for a in rep.anomalies if a.kind == RARE]
    assert any(r.endswith("until the queue can be mocked") for r in rare), rare
    told = [r for r in rare if r.split("app: ", 1)[1].strip() in document]
    assert not told, told
    claims = [c.text for c in rep.summary.claims if c.text.startswith("Rare message")]
    assert claims and "until the queue can be mocked" in claims[0], claims


def test_a_start_first_seen_after_a_stop_is_told_beside_it_not_called_a_restart() -> None:
    # In a log of many processes the stop just before a start may be another process's: without a process-id
    # change or the same banner seen before, the start is told with the stop it follows, not as a restart.
    lines = _steady(T0, T0 + 3000, 2)
    lines.insert(800, _line(T0 + 1599, "INFO", "Stopped Backup agent for the snap application."))
    lines.insert(810, _line(T0 + 1619, "INFO", "indexer version 3.46.0 starting"))
    rep = _analyze(lines)
    starts = [a for a in rep.anomalies if a.kind == RESTART]
    assert len(starts) == 1, [a.description for a in rep.anomalies]
    a = starts[0]
    assert a.description.startswith("process start at line 811"), a.description
    assert "after the stop at line 801" in a.description
    assert list(a.line_numbers) == [811, 801]
    assert lines[800].endswith("Stopped Backup agent for the snap application.")


def test_the_start_messages_after_one_stop_are_one_start_and_a_state_in_brackets_is_none() -> None:
    """A search node that dies ("fatal error in thread [...], exiting") writes its start over minutes: "initialized",
    then "starting ...", "started" three minutes later: one start after the stop (it was two). A shard's state
    "s[STARTED]" in a search failure, under a daily index's dotted date ("logstash-2026.02.03", no version), is no
    process start (it was two restarts)."""
    lines = _steady(T0, T0 + 3000, 10)
    failed = "[logstash-2026.02.03][3], node[Hf8kP2eT], [R], s[STARTED], a[id=235eac53]: Failed to execute [search]"
    lines.insert(60, _line(T0 + 599, "DEBUG", failed))
    lines.insert(64, _line(T0 + 639, "DEBUG", failed.replace("][3]", "][0]")))
    lines.insert(140, _line(T0 + 1379, "ERROR", "fatal error in thread [elasticsearch[node-1][bulk][T#3]], exiting"))
    lines.insert(152, _line(T0 + 1497, "INFO", "initialized"))
    lines.insert(153, _line(T0 + 1498, "INFO", "starting ..."))
    lines.insert(172, _line(T0 + 1677, "INFO", "started"))  # 3 min later: more than EPISODE_BUCKETS buckets
    lines.insert(
        174, _line(T0 + 1695, "INFO", "Cluster health changed from [RED] to [YELLOW] (reason: [shards started])")
    )
    rep = _analyze(lines)
    starts = [a for a in rep.anomalies if a.kind == RESTART]
    assert len(starts) == 1, [a.description for a in starts]
    assert starts[0].description.startswith("process start at line 153"), starts[0].description
    assert "after the stop at line 141" in starts[0].description
    assert list(starts[0].line_numbers) == [153, 154, 173, 141]


def test_a_storm_over_adjacent_buckets_is_one_burst_and_separate_storms_stay_apart() -> None:
    # Buckets are a counting grid, not events: a storm that crosses bucket edges is one episode, told once
    # with its total and its whole span; two storms with quiet buckets between them are two.
    lines = _steady(T0, T0 + 7200, 10)
    # 7200 s in about 60-200 buckets: each storm below lasts well over three buckets of at most 120 s.
    storm = [_line(T0 + 3000 + k, "ERROR", f"database timeout after {k} retries") for k in range(0, 400, 2)]
    later = [_line(T0 + 6000 + k, "ERROR", f"database timeout after {k} retries") for k in range(0, 40)]
    merged = sorted(lines + storm + later, key=lambda x: x[:19])
    rep = _analyze(merged)
    bursts = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_ERROR_BURST]
    assert len(bursts) == 2, [a.description for a in bursts]
    first, second = sorted(bursts, key=lambda a: a.start_time.ToSeconds())
    # The storm's edge buckets hold only part of it and may stay under the limit: most of its 200 errors.
    assert 150 <= first.count <= 200 and "buckets) from" in first.description, first.description
    assert " ERROR app: database timeout after " in merged[first.line_numbers[0] - 1]
    assert first.end_time.ToSeconds() - first.start_time.ToSeconds() >= 300
    assert second.count <= 40 and second.start_time.ToSeconds() >= T0 + 5900
    claims = [c.text for c in rep.summary.claims if c.text.startswith("Error burst")]
    assert len(claims) == 1 and f"{first.count} ERROR/FATAL records" in claims[0], claims


def test_a_burst_of_the_start_sequence_ranks_after_a_burst_of_the_run() -> None:
    # A start floods its initialisation messages; the burst an on-call engineer needs is the one in the run.
    def start(t: float) -> list[str]:
        banner = [_line(t, "INFO", "Starting payments-api version 2.4.1")]
        return banner + [_line(t + 1 + k // 50, "INFO", f"FLAG: --option-{k}=value") for k in range(200)]

    lines = start(T0) + _steady(T0 + 6, T0 + 7200, 10)
    lines += [_line(T0 + 2999, "INFO", "received SIGTERM, shutting down"), *start(T0 + 3000)]
    lines += [_line(T0 + 5000 + k // 10, "INFO", f"retrying upload of chunk {k}") for k in range(80)]
    lines += [_line(T0 + 10 + 30 * k, "INFO", f"retrying upload of chunk {k}") for k in range(240)]
    lines.sort(key=lambda x: x[:19])
    rep = _analyze(lines)
    assert any(a.kind == RESTART for a in rep.anomalies)
    bursts = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_BURST]
    texts = [lines[a.line_numbers[0] - 1] for a in bursts]
    assert any("FLAG: --option-" in t for t in texts), texts  # still a finding
    assert "retrying upload of chunk" in texts[0], texts
    claims = [c.text for c in rep.summary.claims if c.text.startswith("Burst of")]
    assert claims and "retrying upload of chunk" in claims[0], claims


def test_a_duration_placeholder_has_its_distribution_in_seconds() -> None:
    # "12ms", "1.5s" and "2m" are one quantity at three scales: its unit says how to compare them.
    rng = random.Random(4)
    values = [
        rng.choice((f"{rng.randrange(1, 999)}ms", f"{rng.randrange(1, 9)}.{rng.randrange(10)}s")) for _ in range(500)
    ]
    values[250] = "2m"
    lines = [_line(T0 + i, "INFO", f"request served in {v}") for i, v in enumerate(values)]
    rep = _analyze(lines)
    t = next(t for t in rep.templates if t.text == "request served in <*>")
    (p,) = t.placeholders
    assert p.kind == "duration" and p.numeric.count == 500
    seconds = sorted(
        float(v[:-2]) / 1000 if v.endswith("ms") else float(v[:-1]) * (60 if v.endswith("m") else 1) for v in values
    )
    assert p.numeric.max == 120.0 and p.numeric.min == pytest.approx(seconds[0])
    assert abs(p.numeric.median - seconds[250]) <= 0.01


def test_a_data_size_placeholder_has_its_distribution_in_bytes() -> None:
    # "512 B", "1.20 KB" and "3.4 MB" are one quantity at three scales, written with a blank before the unit or
    # without: one placeholder, its kind "size", compared in bytes (a capital prefix in 1024s, "kB" in 1000s).
    values = ["512 B", "1.5 KB", "3MB", "2 kB", "1,024 KB", "0.5 GiB", "-5.00 GB"] * 20
    lines = [_line(T0 + i, "INFO", f"cache evicted {v} of entries") for i, v in enumerate(values)]
    rep = _analyze(lines)
    (t,) = rep.templates
    assert t.text == "cache evicted <*> of entries", t.text
    (p,) = t.placeholders
    assert p.kind == "size" and p.records == len(values) and {v.value for v in p.top_values} <= set(values)
    # In bytes: -5 GiB, 512, 1,536, 2,000, 1 MiB, 3 MiB and 0.5 GiB, twenty of each: the median is "2 kB".
    assert p.numeric.count == len(values)
    assert p.numeric.min == -5.0 * 1024**3 and p.numeric.max == 0.5 * 1024**3
    assert p.numeric.median == 2000.0


def test_the_template_cap_keeps_a_one_off_error_over_frequent_info_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    # A file of more templates than the report lists: the ones cut are the least important (INFO messages
    # seen a few times), never an error seen once; the overview's error count and the error ranking agree.
    from loglens_analysis.engine import report

    monkeypatch.setattr(report, "MAX_TEMPLATES", 4)
    messages = (
        "processed job {i} in {i} ms",
        "cache hit ratio {i} percent",
        "queue depth {i}",
        "heartbeat from node-{i}",
        "flushed {i} pages to disk",
        "rotated session key {i}",
    )
    lines = [_line(T0 + 6 * i + k, "INFO", m.format(i=i)) for i in range(40) for k, m in enumerate(messages)]
    lines.append(_line(T0 + 300, "WARN", "disk usage above 80 percent on /var"))
    lines.append(_line(T0 + 301, "ERROR", "could not open the journal file: permission denied"))
    rep = _analyze(lines)
    texts = [t.text for t in rep.templates]
    assert len(texts) == 4 and rep.template_count == 8, texts
    assert "could not open the journal file: permission denied" in texts
    assert any(t.startswith("disk usage above") for t in texts), texts
    assert [t.count for t in rep.templates] == sorted((t.count for t in rep.templates), reverse=True)
    by_id = {t.id: t for t in rep.templates}
    assert by_id[rep.error_templates[0].template_id].text == "could not open the journal file: permission denied"
    assert any("could not open the journal file" in c.text for c in rep.summary.claims)


def test_the_template_cap_keeps_a_one_off_record_that_carries_an_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    # A record with no level of its own whose trace reports an exception ("Exception ignored in atexit callback" and
    # a Python traceback) ranks with the errors when templates are cut: its exception group is reported with it.
    from loglens_analysis.engine import report

    monkeypatch.setattr(report, "MAX_TEMPLATES", 4)
    messages = ("processed job {i} in {i} ms", "cache hit ratio {i} percent", "queue depth {i}", "flushed {i} pages")
    lines = [_line(T0 + 6 * i + k, "INFO", m.format(i=i)) for i in range(40) for k, m in enumerate(messages)]
    lines.append(f"{datetime.fromtimestamp(T0 + 300, UTC):%Y-%m-%d %H:%M:%S} Exception ignored in atexit callback")
    lines += ["Traceback (most recent call last):", '  File "/app/daemon.py", line 72, in exit', "    sys.exit(0)"]
    lines.append("SystemExit: 0")
    rep = _analyze(lines)
    assert rep.template_count == 5 and len(rep.templates) == 4
    (g,) = rep.exception_groups
    assert (g.exception_type, g.first_line) == ("SystemExit", 161)
    assert {t.id: t.text for t in rep.templates}[g.template_id] == "Exception ignored in atexit callback"


_INIT = ("checking cluster connectivity", "cluster connection OK", "mounting the host volumes")


def test_the_opening_sequence_replayed_in_the_files_head_is_a_restart() -> None:
    # A start banner is written once per start: the file's first message and the messages that followed it,
    # written again a few lines later, are a second start even inside the file's head.
    first = "=== router addon init ==="
    lines = [_line(T0, "INFO", first)] + [_line(T0, "INFO", m) for m in _INIT]
    lines.append(_line(T0 + 1, "INFO", "restarting the container to activate the mounts"))
    lines += [_line(T0 + 2, "INFO", first)] + [_line(T0 + 2, "INFO", m) for m in _INIT]
    lines += _steady(T0 + 3, T0 + 6000, 3)
    rep = _analyze(lines)
    restarts = [a for a in rep.anomalies if a.kind == RESTART]
    assert [a.line_numbers[0] for a in restarts] == [6], [a.description for a in rep.anomalies]
    assert lines[6 - 1].endswith(first)
    assert any(c.text.startswith("Restart at line 6") for c in rep.summary.claims)


def test_the_first_message_again_in_the_head_before_the_opening_messages_is_no_restart() -> None:
    # The file's first message written twice before the rest of its start: what follows the second one are the
    # opening messages' first records, not a replay of them.
    first = "No hostname was supplied, using the default"
    lines = [_line(T0, "WARN", first), _line(T0 + 1, "WARN", first)] + [_line(T0 + 2, "INFO", m) for m in _OPENING]
    lines += _steady(T0 + 3, T0 + 6000, 3)
    rep = _analyze(lines)
    assert [a.description for a in rep.anomalies if a.kind == RESTART] == []


def test_starts_of_processes_interleaved_out_of_time_order_are_no_restart() -> None:
    # Replicas' logs merged: the second replica's start is written after the first's but happened before it.
    # Which start came first cannot be told from line order, so none is called a restart.
    start = ("register main thread: tid=1", "server base: start 4 io workers", "opened the shared log segment")
    lines = [_line(T0 + 60, "INFO", m) for m in start] + [_line(T0 + 5, "INFO", m) for m in start]
    lines += _steady(T0 + 61, T0 + 6000, 3)
    rep = _analyze(lines)
    assert [a.description for a in rep.anomalies if a.kind == RESTART] == []


def test_a_version_line_repeated_in_the_head_without_the_start_replayed_is_no_restart() -> None:
    # A CI job prints the versions of several tools in its first lines: the same "Version: x" message
    # again, but not the sequence the file opened with.
    lines = [_line(T0, "INFO", "Current runner version: '2.325.0'"), _line(T0, "INFO", "Version: 20250620.352")]
    lines += [_line(T0, "INFO", m) for m in ("Hosted Compute Agent", "Operating System Ubuntu", "Image: ubuntu-24.04")]
    lines += [_line(T0, "INFO", "Version: 20250602.3.0"), _line(T0, "INFO", "Download action package checkout")]
    lines += [_line(T0, "INFO", "Version: 4.2.2"), *_steady(T0 + 1, T0 + 6000, 3)]
    rep = _analyze(lines)
    assert [a.description for a in rep.anomalies if a.kind == RESTART] == []


def test_a_storm_of_a_frequent_message_outranks_a_few_extra_records_of_a_rare_one() -> None:
    # 300 extra records of a message written ~12 times a bucket, against 14 of one written ~0.2 times a bucket:
    # the first is the bigger departure from its baseline, though its ratio to the baseline is the smaller.
    lines = _steady(T0, T0 + 6000, 2)
    storm = [_line(T0 + 3000 + i / 10, "INFO", f"queue depth {i % 13}") for i in range(300)]
    rare = [_line(T0 + 500 * k + 7, "INFO", f"reconnecting to the broker at node-{k}") for k in range(1, 9)]
    rare += [_line(T0 + 4500 + i, "INFO", f"reconnecting to the broker at node-{i}") for i in range(14)]
    lines = sorted(lines + storm + rare, key=lambda ln: ln[:19])
    rep = _analyze(lines)
    bursts = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_BURST]
    by_id = {t.id: t for t in rep.templates}
    texts = [by_id[a.template_id].text for a in bursts]
    assert texts[:2] == ["queue depth <*>", "reconnecting to the broker at node-<*>"], texts
    assert next(c.text for c in rep.summary.claims if c.text.startswith("Burst")).startswith('Burst of "queue depth')


def test_an_exception_logged_as_its_own_line_is_quoted_once_and_whole() -> None:
    # The record is the exception line: "logged as" would repeat it, and the room it takes cut the message.
    message = "connection pool exhausted after waiting 30 seconds for a free connection"
    lines = _steady(T0, T0 + 600, 5)
    lines.insert(50, _line(T0 + 250, "ERROR", f"java.lang.IllegalStateException: {message}"))
    lines.insert(51, "\tat com.example.pool.Pool.borrow(Pool.java:42)")
    lines.insert(52, "\tat com.example.web.Handler.serve(Handler.java:17)")
    rep = _analyze(lines)
    claim = next(c.text for c in rep.summary.claims if "IllegalStateException" in c.text)
    assert claim == f"1 x java.lang.IllegalStateException: {message}, at line 51.", claim


def test_a_long_start_sequence_in_the_first_minutes_is_routine_beyond_the_heads_lines() -> None:
    # A server that logs its start in detail: 300 lines in its first 150 s (more than 5 % of the file's lines
    # and past its first bucket, inside 5 % of its time). Its one-off start messages rank after the one-off
    # message of its run.
    lines = [_line(T0 + i / 2, "INFO", f"registered handler {i} for route /api/v{i % 7}") for i in range(300)]
    lines += [_line(T0 + 150, "INFO", m) for m in ("Serving securely on 0.0.0.0:6443", "Building the initial spec")]
    lines += _steady(T0 + 151, T0 + 3000, 3)
    lines.append(_line(T0 + 3000, "INFO", "lost the leader lease, now following node-2"))
    lines += _steady(T0 + 3001, T0 + 6000, 3)
    rep = _analyze(lines)
    # (Its words state a failure: told after the warnings, before any rare message.)
    claims = [c.text for c in rep.summary.claims]
    told = next(i for i, c in enumerate(claims) if "lost the leader lease" in c)
    assert not any(c.startswith("Rare message") for c in claims[:told]), claims
    rare = [c for c in claims if c.startswith("Rare message")]
    assert not any("registered handler" in c or "Serving securely" in c for c in rare), claims


def test_a_restart_is_told_before_warnings_and_after_errors() -> None:
    # Ranked for a person on call: errors first, then a process restarting, then warnings.
    lines = _file(replay_opening=True)
    lines.insert(300, _line(T0 + 1500, "ERROR", "could not flush the write-ahead log: disk full"))
    lines.insert(400, _line(T0 + 2000, "WARN", "slow request to /api/orders took 2.4 s"))
    rep = _analyze(lines)
    claims = [c.text for c in rep.summary.claims]
    error_at = next(i for i, c in enumerate(claims) if "could not flush the write-ahead log" in c)
    restart_at = next(i for i, c in enumerate(claims) if c.startswith("Restart"))
    warn_at = [i for i, c in enumerate(claims) if " at WARN" in c]
    assert warn_at and error_at < restart_at < min(warn_at), claims


def test_an_error_storm_is_measured_against_the_rest_of_the_file_and_told_from_its_first_error() -> None:
    # 30 errors in a minute, then 600 in the next three: measured against a mean that holds the storm itself
    # (7 a bucket), the first minute stays below the bar and the storm is told from its second minute.
    records = [(t, "INFO", m) for t, m in ((t, f"processed job {int(t)}") for t in range(int(T0), int(T0) + 6000, 4))]
    records += [(T0 + 150 + 300 * k, "ERROR", f"upstream timed out after {k} s") for k in range(20) if k != 10]
    records += [(T0 + 3008 + 2 * i, "ERROR", f"could not reach the database at db-{i % 3}") for i in range(30)]
    records += [(T0 + 3072 + 0.32 * i, "ERROR", f"could not reach the database at db-{i % 3}") for i in range(600)]
    records.sort(key=lambda x: x[0])
    lines = [_line(t, lv, m) for t, lv, m in records]
    first_storm_line = next(i for i, (t, lv, _m) in enumerate(records, 1) if lv == "ERROR" and t >= T0 + 3008)
    rep = _analyze(lines)
    bursts = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_ERROR_BURST]
    assert [a.line_numbers[0] for a in bursts] == [first_storm_line], [a.description for a in bursts]
    assert bursts[0].count == 630 and "in the rest of the file" in bursts[0].description


def test_a_message_seen_once_is_quoted_with_its_values() -> None:
    """A message written once is a fact: the summary quotes it with the values it took ("exit code 3"), a long
    path by its last name (the whole would push the words out of the quote), a long value of another kind left as its
    placeholder; a message written twice stays a pattern."""
    lines = _steady(T0, T0 + 600, 1.0)
    lines.insert(300, _line(T0 + 300, "ERROR", "process completed with exit code 3"))
    long_path = "/opt/app/" + "/".join(f"segment{k}" for k in range(8)) + "/pidbox.py"
    lines.insert(400, _line(T0 + 400, "WARN", f"{long_path}:72: UserWarning: node already in use"))
    lines.insert(450, _line(T0 + 450, "WARN", f"session {'ab12' * 12} expired early"))
    for at in (200, 500):
        lines.insert(at, _line(T0 + at, "ERROR", f"lost connection to db-{at % 7}"))
    claims = [c.text for c in _analyze(lines).summary.claims]
    assert any('"process completed with exit code 3"' in c for c in claims), claims
    assert any('"\u2026/pidbox.py:72: UserWarning: node already in use"' in c for c in claims), claims
    assert any('"session <*> expired early"' in c for c in claims), claims
    assert any('"lost connection to db-<*>"' in c for c in claims), claims


def test_a_short_crash_log_tells_its_exception_first_with_type_and_message() -> None:
    # The first file a user uploads is often a few lines around a crash: what they read it for is the exception.
    lines = [
        _line(T0, "INFO", "starting web host"),
        _line(T0 + 1, "ERROR", "An unhandled exception has occurred while executing the request."),
        "System.InvalidOperationException: Sequence contains no elements",
        "   at Shop.Orders.OrderService.GetLatest(Int32 customerId) in /src/Shop/Orders/OrderService.cs:line 42",
        "   at Shop.Api.OrdersController.Get(Int32 id) in /src/Shop/Api/OrdersController.cs:line 17",
        _line(T0 + 2, "WARN", "retrying request 3 of 5"),
    ]
    rep = _analyze(lines)
    assert rep.record_count < 20  # the short-file summary
    claims = list(rep.summary.claims)
    assert claims[1].text.startswith(
        "1 x System.InvalidOperationException: Sequence contains no elements, logged as "
        '"An unhandled exception has occurred while executing the request.", at line 2'
    ), [c.text for c in claims]
    assert list(claims[1].line_numbers) == [2]
    # The record that logged it is not told twice; the others are, the warning before the information.
    assert [c.text.split(" (")[0] for c in claims[2:]] == ["Line 6", "Line 1"]


def test_a_short_file_quotes_a_message_at_its_most_severe_record() -> None:
    # A request line's template holds a 200 and a 500: the file's one error is the 500, quoted and cited as such.
    lines = [
        "Server started on port 3000",
        "GET /api/orders 200 12.345 ms - 512",
        "GET /api/orders 500 3.210 ms - 45",
        "GET /api/orders 200 8.123 ms - 512",
    ]
    rep = _analyze(lines)
    claim = next(c for c in rep.summary.claims if "(ERROR)" in c.text)
    assert claim.text == (
        'Line 3 (ERROR): "GET /api/orders 500 3.210 ms - 45", 1 of its 3 records at ERROR, which run from line 2 '
        "to line 4."
    ), claim.text
    assert list(claim.line_numbers) == [2, 3, 4]


def test_a_short_task_log_tells_its_failure_before_its_start_lines() -> None:
    # A scheduler's task log: eight start lines, then the failure. Every message fits the summary but the room it
    # has; the failure is read first, then the first start lines and, with half of the room, the file's last
    # messages: how the task ended ("Task exited with return code 1") is not cut for its routine start.
    start = [
        "dependencies all met",
        "starting attempt",
        "executing the load operator",
        "started the task process",
        "running the task command",
        "subtask load begins",
        "exporting environment variables",
        "opening the source bucket",
    ]
    lines = [_line(T0 + i, "INFO", m) for i, m in enumerate(start)]
    lines += [_line(T0 + 10, "INFO", "rows loaded: 120"), _line(T0 + 11, "ERROR", "task load failed: bad row 17")]
    lines += [_line(T0 + 12, "INFO", "Task exited with return code 1")]
    rep = _analyze(lines)
    claims = [c.text for c in rep.summary.claims]
    assert claims[1].startswith("Line 10 (ERROR)") and "task load failed" in claims[1], claims
    assert [c.split(" (")[0] for c in claims[2:]] == [
        "Line 1",
        "Line 2",
        "Line 3",
        "Line 4",
        "Line 7",
        "Line 8",
        "Line 9",
        "Line 11",
    ]
    assert claims[-1] == 'Line 11 (INFO): "Task exited with return code 1".', claims


def test_a_short_files_stop_is_told_among_its_routine_messages() -> None:
    # A database's short log: its error, then a stop on a signal and the server starting again, among more routine
    # messages than the summary has room for. The stop (a finding) is news: not cut for the file's first and last
    # messages, told in line order among them.
    routine = [
        "starting server 16.1 on x86_64",
        'listening on IPv4 address "0.0.0.0", port 5432',
        'listening on Unix socket "/var/run/db/.s.5432"',
        "database system is ready to accept connections",
        "checkpoint starting: time",
        "checkpoint complete: wrote 44 buffers",
        "autovacuum launcher started",
        "logical replication launcher started",
    ]
    lines = [_line(T0 + i, "INFO", m) for i, m in enumerate(routine)]
    lines += [_line(T0 + 10, "ERROR", 'relation "orderz" does not exist at character 15')]
    lines += [_line(T0 + 20, "INFO", "received SIGTERM from the supervisor, shutting down")]
    lines += [_line(T0 + 21, "INFO", m) for m in ("statistics collector started", "archiver started")]
    lines += [_line(T0 + 22, "INFO", "redo done at 0/1A2B3C4"), _line(T0 + 23, "INFO", "recovery complete")]
    rep = _analyze(lines)
    assert rep.record_count < 20  # the short-file summary
    assert any(a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN and a.line_numbers[0] == 10 for a in rep.anomalies)
    claims = [c.text for c in rep.summary.claims]
    assert claims[1].startswith("Line 9 (ERROR)"), claims
    assert 'Line 10 (INFO): "received SIGTERM from the supervisor, shutting down".' in claims, claims
    told = [int(c.split(" ")[1]) for c in claims[2:]]
    assert told == sorted(told) and len(claims) == 10, claims


def test_a_short_files_records_are_quoted_from_their_message_on() -> None:
    # The header (a time, a source file, the level) is told by the line number and the level in parentheses; the
    # quote starts at the message, so a long message is not cut for the header's sake.
    head = "[2024-03-01, 12:00:05 UTC] {standard_task_runner.py:104}"
    failure = (
        "Failed to execute job 42 for task load (bad row 17 in s3://bucket/exports/2024/03/01/part-0007.csv; 1234)"
    )
    lines = [f"{head} INFO - Started process 1234 to run task", f"{head} ERROR - {failure}"]
    lines += ["[2024-03-01, 12:00:06 UTC] {local_task_job_runner.py:228} INFO - Task exited with return code 1"]
    rep = _analyze(lines)
    claims = [c.text for c in rep.summary.claims]
    assert claims[1] == f'Line 2 (ERROR): "{failure}".', claims
    assert claims[2:] == [
        'Line 1 (INFO): "Started process 1234 to run task".',
        'Line 3 (INFO): "Task exited with return code 1".',
    ]


def test_a_short_files_message_that_opens_with_a_value_is_quoted_without_its_header() -> None:
    # "0 downstream tasks scheduled": the template opens with a placeholder, so where the message starts in its
    # line is not found by its words; a record seen once is quoted as it wrote its message, not with its header.
    head = "[2024-03-01, 12:00:0{} UTC] {{taskinstance.py:2778}} INFO - "
    lines = [head.format(5) + "Started process 1234 to run task"]
    lines += [head.format(6) + "0 downstream tasks scheduled from follow-on schedule check"]
    rep = _analyze(lines)
    claims = [c.text for c in rep.summary.claims]
    assert claims[-1] == 'Line 2 (INFO): "0 downstream tasks scheduled from follow-on schedule check".', claims


def test_a_duration_of_several_units_is_one_value_in_seconds() -> None:
    # Go writes a duration in its units largest first ("1m30s", "2h0m0.5s", "5m0s"): one value, not a number
    # followed by the rest of the duration ("<*>30s"), and its seconds are the sum of its parts.
    values = ["1m30s", "2s", "500ms", "2h0m0.5s", "5m0s"] * 6
    lines = [_line(T0 + i, "INFO", f"back-off {v} restarting failed container") for i, v in enumerate(values)]
    rep = _analyze(lines)
    (t,) = rep.templates
    assert t.text == "back-off <*> restarting failed container", t.text
    (p,) = t.placeholders
    assert p.kind == "duration" and {v.value for v in p.top_values} == set(values)
    assert p.numeric.min == 0.5 and p.numeric.max == 7200.5 and p.numeric.count == len(values)


def test_a_short_files_trace_written_line_by_line_is_told_as_its_exception_not_frame_by_frame() -> None:
    # logcat's brief format writes each line of a crash as a record of its own, its header before each; its frames
    # were told as errors of their own ("Line 8 (ERROR): at com.example...") in a short file's summary. The
    # ranking of errors leaves a frame out (part of the exception its trace reports); so does the short summary.
    lines = [
        "I/ActivityManager(  612): Start proc 4242:com.example.app/u0a123 for activity",
        "E/AndroidRuntime( 4242): FATAL EXCEPTION: main",
        "E/AndroidRuntime( 4242): java.lang.NullPointerException: Attempt to invoke virtual method on a null object",
        "E/AndroidRuntime( 4242): \tat com.example.app.MainActivity.onCreate(MainActivity.java:42)",
        "E/AndroidRuntime( 4242): \tat android.app.Activity.performCreate(Activity.java:8000)",
        "I/ActivityManager(  612): Process com.example.app (pid 4242) has died",
    ]
    rep = _analyze(lines)
    assert rep.record_count < 20  # the short-file summary
    texts = [c.text for c in rep.summary.claims]
    assert texts[1].startswith("1 x java.lang.NullPointerException"), texts
    assert not any(" at com.example" in t or '"at ' in t for t in texts), texts
    assert any(t.startswith('Line 2 (ERROR): "FATAL EXCEPTION: main"') for t in texts), texts


def test_a_restart_and_a_burst_are_told_at_the_time_of_the_line_they_cite() -> None:
    # A banner written again in the middle of a time bucket, after a stop: the restart was stamped with the stop's
    # time (the latest time the aggregates held before it) and told without one; a burst's first error was cited
    # without its time. Each variant's first line in each bucket keeps its time, and so does each bucket's first
    # error: the finding's time is its line's.
    lines = [_line(T0, "INFO", "orders-api version 1.4.2 starting on port 8080")]
    for i in range(1, 720):
        t = T0 + 10 * i
        lines.append(_line(t, "INFO", f"processed order {1000 + i} in 12 ms"))
        if i == 360:
            lines.append(_line(t + 1, "INFO", "received SIGTERM, shutting down"))
            lines.append(_line(t + 5, "INFO", "orders-api version 1.4.2 starting on port 8080"))
        if i % 50 == 0:
            lines.append(_line(t + 3, "ERROR", f"payment gateway timeout after 30 s for order {1000 + i}"))
        if 500 <= i < 520:
            lines += [_line(t + 4 + k, "ERROR", f"db connection refused for order {1000 + i}") for k in range(6)]
    rep = _analyze(lines)

    def time_of(line: int) -> str:
        return lines[line - 1][:19].replace(" ", "T") + "Z"

    (restart,) = [a for a in rep.anomalies if a.kind == RESTART]
    at = restart.line_numbers[0]
    assert "starting on port" in lines[at - 1] and at > 2, at
    assert restart.start_time.ToJsonString() == time_of(at), (restart.start_time.ToJsonString(), time_of(at))
    assert f"restart at line {at} ({time_of(at)})" in restart.description, restart.description
    (burst,) = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_ERROR_BURST]
    first = burst.line_numbers[0]
    assert " ERROR app: " in lines[first - 1] and time_of(first) != time_of(first - 1), lines[first - 2 : first]
    assert f"first at line {first} ({time_of(first)})" in burst.description, burst.description


def test_a_signal_the_process_sends_is_no_stop_of_its_own() -> None:
    # A CI agent that kills a job's process ("sending SIGKILL job=... pid=...") keeps running: each was told as a
    # stop (8 in an agent's log), the agent's own stop only listed beside one of them. A signal sent is another
    # process's end; a signal received is the writer's.
    lines = [_line(T0, "INFO", "Starting agent v3.62.0 with PID: 4100")]
    for i in range(1, 400):
        t = T0 + 20 * i
        lines.append(_line(t, "INFO", f"Assigned job {9000 + i}, running build step {i % 7}"))
        if i % 45 == 0:
            lines.append(
                _line(
                    t + 5, "WARN", f"Timeout waiting for process to exit, sending SIGKILL job={9000 + i} pid={5000 + i}"
                )
            )
    lines.append(_line(T0 + 8000, "INFO", "Received signal terminated, shutting down"))
    stops = [a for a in _analyze(lines).anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    cited = {n for a in stops for n in a.line_numbers}
    assert not any("sending SIGKILL" in lines[n - 1] for n in cited), [lines[n - 1] for n in cited]


def _sparse_log(
    seed: int, hours: int, mean_gap: float, outage_after: int | None, say: Callable[[random.Random, int], str]
) -> list[str]:
    """A service's log of random gaps (mean ``mean_gap`` s) over ``hours``, silent 26 minutes after line
    ``outage_after`` (none where None)."""
    rng = random.Random(seed)
    lines: list[str] = []
    t = T0
    while t < T0 + hours * 3600:
        lines.append(_line(t, "INFO", say(rng, len(lines))))
        t += rng.expovariate(1 / mean_gap)
        if len(lines) == outage_after:
            t += 26 * 60
    return lines


@pytest.mark.parametrize(
    ("seed", "hours", "mean_gap", "at", "say"),
    [
        # A service that logs about once a minute for twelve hours, silent for 26 minutes while its metastore was
        # down: the gap expects about 25 records at the file's usual rate (8 per 8.5-minute bucket), and a fixed bar
        # of 30 expected records let it pass unseen. None of 25 expected records coming is a chance of e^-25; the bar
        # is the count at which that chance, over the file's buckets, is below 1/1000 (about 11 records).
        (7, 12, 60, 500, lambda rng, n: f"query {n} finished in {rng.randrange(20, 900)} ms"),
        # A hypervisor's daemon that writes about once in 70 s for a day, silent 26 minutes while its storage was
        # gone: 22 records missing (a chance of e^-22) and far past the file's usual pauses, but under 2 % of its
        # span, the share a silence had to last as well (a day's log hid every outage under 29 minutes).
        (11, 24, 70, 600, lambda rng, n: f"domain {rng.randrange(1, 40)} balloon at {rng.randrange(900, 4096)} MiB"),
    ],
    ids=["once a minute, 12 hours", "once in 70 s, a day"],
)
def test_an_outage_in_a_sparse_log_is_a_silence(
    seed: int, hours: int, mean_gap: float, at: int, say: Callable[[random.Random, int], str]
) -> None:
    (silence,) = [
        a
        for a in _analyze(_sparse_log(seed, hours, mean_gap, at, say)).anomalies
        if a.kind == report_pb2.ANOMALY_KIND_SILENCE
    ]
    assert list(silence.line_numbers) == [at, at + 1], silence.description
    assert silence.description.startswith("silence of 26 min"), silence.description
    # The same log's own pauses (random, up to a few minutes) are none.
    quiet = _analyze(_sparse_log(seed, hours, mean_gap, None, say))
    assert not [a for a in quiet.anomalies if a.kind == report_pb2.ANOMALY_KIND_SILENCE]


def test_a_failure_a_platform_writes_with_no_level_among_levelled_records_is_told() -> None:
    """A function's lines carry a level; the platform that runs it writes its own lines with none (AWS Lambda's
    "START RequestId", "END", "REPORT", and "Task timed out after 15.02 seconds"): a record of no level that states
    a failure is another writer's, its words tell what went wrong (the timeout was in no claim)."""
    lines = []
    for i in range(40):
        t = T0 + 10 * i
        lines.append(f"{datetime.fromtimestamp(t, UTC):%Y-%m-%dT%H:%M:%S}.000Z START RequestId: r{i} Version: $LATEST")
        lines.append(_line(t + 1, "INFO", f"processing order {i}"))
        lines.append(_line(t + 1, "INFO", f"order {i} has {i % 5 + 1} items"))
        lines.append(_line(t + 2, "INFO", f"order {i} synced to warehouse"))
        if i == 25:
            lines.append(
                f"{datetime.fromtimestamp(t + 2, UTC):%Y-%m-%dT%H:%M:%S}.000Z r{i} Task timed out after 15.02 s"
            )
        lines.append(f"{datetime.fromtimestamp(t + 3, UTC):%Y-%m-%dT%H:%M:%S}.000Z END RequestId: r{i}")
    rep = _analyze(lines)
    claims = [c for c in rep.summary.claims if "Task timed out" in c.text]
    assert len(claims) == 1, [c.text for c in rep.summary.claims]
    assert list(claims[0].line_numbers) == [130]
