"""Anomaly findings (restarts, stops, bursts, silences, lulls), their ranking and the summary.

Synthetic files test each rule; tests on ../shared/realworld and ../shared/loghub2k read those files in
place (nothing is copied into the repository) and skip where they are absent.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.report import _STARTS_A_STOP, KIND_RANK, MAX_ANOMALIES
from tests.unit.engine.reading_support import compose_starts

T0 = datetime(2024, 5, 1, tzinfo=UTC).timestamp()
SHARED = Path(__file__).resolve().parents[4] / "shared"
REALWORLD = SHARED / "realworld"

RESTART = report_pb2.ANOMALY_KIND_RESTART
SHUTDOWN = report_pb2.ANOMALY_KIND_SHUTDOWN
SILENCE = report_pb2.ANOMALY_KIND_SILENCE
BURST = report_pb2.ANOMALY_KIND_BURST
ERROR_BURST = report_pb2.ANOMALY_KIND_ERROR_BURST
RATE_CHANGE = report_pb2.ANOMALY_KIND_RATE_CHANGE


def _line(t: float, level: str, message: str) -> str:
    return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S} {level} app: {message}"


def _steady(start: float, end: float, step: float, first: int = 0) -> list[tuple[float, str, str]]:
    """One record every ``step`` seconds, in four rotating messages."""
    out = []
    t, i = start, first
    while t < end:
        msg = (
            f"processed job {i} in {i % 97} ms",
            f"cache hit ratio {i % 89} percent",
            f"queue depth {i % 13}",
            f"heartbeat from node-{i % 3}",
        )[i % 4]
        out.append((t, "INFO", msg))
        t += step
        i += 1
    return out


def _report(records: list[tuple[float, str, str]]) -> tuple[report_pb2.AnalysisReport, list[str]]:
    lines = [_line(t, lv, msg) for t, lv, msg in records]
    return analyze([("\n".join(lines) + "\n").encode()]), lines


def _of(rep: report_pb2.AnalysisReport, kind: int) -> list[report_pb2.Anomaly]:
    return [a for a in rep.anomalies if a.kind == kind]


def _pattern(template: str) -> re.Pattern[str]:
    """A template as a regex over a raw line: <*> is any text, a space any run of blanks."""
    tokens = (".*?".join(re.escape(part) for part in token.split("<*>")) for token in template.split())
    return re.compile(r"\s+".join(tokens))


def _time(line: str) -> float:
    return datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()


# ----------------------------------------------------------------------------- restarts and stops
def test_restart_needs_a_start_banner_and_a_component_start_is_none() -> None:
    recs = [(T0, "INFO", "Starting payments-api version 2.4.1 on host a1")]
    recs += [(T0 + 1 + i, "INFO", f"started stream writer with remote peer {i:016x}") for i in range(4)]
    recs += _steady(T0 + 10, T0 + 3600, 10)
    recs += [(T0 + 3600, "INFO", "received SIGTERM, shutting down")]
    recs += [(T0 + 3605, "INFO", "Starting payments-api version 2.4.1 on host a1")]
    recs += _steady(T0 + 3610, T0 + 5400, 10)
    recs += [(T0 + 5400 + i, "INFO", f"started stream writer with remote peer {i:016x}") for i in range(4)]
    recs += _steady(T0 + 5410, T0 + 7200, 10)
    rep, lines = _report(recs)
    restarts = _of(rep, RESTART)
    assert len(restarts) == 1, [a.description for a in rep.anomalies]
    at = restarts[0].line_numbers[0]
    assert lines[at - 1].endswith("Starting payments-api version 2.4.1 on host a1")
    assert at > 1
    assert not any("stream writer" in lines[ln - 1] for a in restarts for ln in a.line_numbers)
    stops = _of(rep, SHUTDOWN)
    assert [a.line_numbers[0] for a in stops] == [at - 1]
    assert "SIGTERM" in lines[at - 2]


def test_an_objects_version_count_is_no_release_and_its_records_no_restarts() -> None:
    """A controller writes '"version": "3571172"' (the count of changes of the object it reconciles) in a message
    it logs all day: no release's number, so no banner, and each of its records is no restart. The one restart is
    the start banner after the stop."""
    recs = [(T0, "INFO", "Starting provider-aws version 1.14.0")]
    recs += _steady(T0 + 10, T0 + 7200, 5)
    for k, t in enumerate(range(60, 7200, 900)):
        fields = f'{{"uid": "7f1c{k}", "version": "{3571172 + 97 * k}"}}'
        recs.append((T0 + t + 5, "DEBUG", f"Cannot observe external resource {fields}"))
    recs += [(T0 + 7200, "INFO", "received SIGTERM, shutting down")]
    recs += [(T0 + 7205, "INFO", "Starting provider-aws version 1.14.0")]
    recs += _steady(T0 + 7210, T0 + 9000, 5)
    rep, lines = _report(sorted(recs))
    restarts = _of(rep, RESTART)
    assert len(restarts) == 1, [a.description for a in rep.anomalies]
    assert lines[restarts[0].line_numbers[0] - 1].endswith("Starting provider-aws version 1.14.0")


def test_a_starts_first_message_written_for_each_of_two_things_is_one_restart() -> None:
    # Telegraf opens its start with "Loading config: <file>" for its main file, then for a drop-in, on the next line:
    # one start (cited at its first line), not a restart a line after another.
    def start(t: float) -> list[tuple[float, str, str]]:
        return [
            (t, "INFO", "Loading config: /etc/telegraf/telegraf.conf"),
            (t, "INFO", "Loading config: /etc/telegraf/telegraf.d/docker.conf"),
            (t, "INFO", "Starting Telegraf 1.28.5 brought to you by InfluxData"),
        ]

    recs = start(T0) + _steady(T0 + 5, T0 + 3600, 10) + [(T0 + 3600, "INFO", "Stopping running outputs")]
    recs += start(T0 + 3700) + _steady(T0 + 3705, T0 + 7200, 10)
    rep, lines = _report(recs)
    (restart,) = _of(rep, RESTART)
    at = restart.line_numbers[0]
    assert lines[at - 1].endswith("Loading config: /etc/telegraf/telegraf.conf") and at > 3, restart.description
    assert at + 1 in restart.line_numbers, restart.description


def test_a_starts_message_written_for_each_of_its_steps_among_others_is_one_restart() -> None:
    # Gatekeeper's start: "setting up manager", "setting up certificates", a metrics server's line, "setting up
    # audit", "setting up upgrade": one start, not a restart at "setting up manager" and another four lines on.
    def start(t: float) -> list[tuple[float, str, str]]:
        return [
            (t, "INFO", "setting up manager"),
            (t + 0.4, "INFO", "setting up certificates"),
            (t + 0.9, "INFO", "Metrics server is starting to listen on :8888"),
            (t + 1.0, "INFO", "setting up audit"),
            (t + 1.4, "INFO", "setting up upgrade"),
            (t + 1.8, "INFO", "starting manager"),
        ]

    recs = start(T0) + _steady(T0 + 5, T0 + 3600, 10) + [(T0 + 3600, "INFO", "Stopping manager")]
    recs += start(T0 + 3700) + _steady(T0 + 3705, T0 + 7200, 10)
    rep, lines = _report(recs)
    (restart,) = _of(rep, RESTART)
    assert lines[restart.line_numbers[0] - 1].endswith("setting up manager"), restart.description


def test_a_start_message_without_a_version_right_after_a_stop_is_a_restart() -> None:
    """A server that says "starting" with no version in that record ("MongoDB starting", its version in a later
    "Build Info"): a start where its process's stop ("shutting down", a signal) comes just before it, once per stop (a
    worker starting three consumers is one start); the same words without a stop before them are no start."""
    recs = _steady(T0, T0 + 3000, 5)
    recs += [(T0 + 3000, "INFO", "Consumer started on queue alpha")]  # no stop before it: routine
    recs += _steady(T0 + 3001, T0 + 6000, 5)
    recs += [(T0 + 6000, "INFO", "Received signal 15 (Terminated), shutting down")]
    recs += [(T0 + 6010, "INFO", "server starting with dbpath /var/lib/db")]
    recs += [(T0 + 6011 + k, "INFO", f"Consumer started on queue {q}") for k, q in enumerate(("beta", "gamma"))]
    recs += _steady(T0 + 6020, T0 + 9000, 5)
    rep, lines = _report(recs)
    restarts = _of(rep, RESTART)
    assert len(restarts) == 1, [a.description for a in rep.anomalies]
    assert lines[restarts[0].line_numbers[0] - 1].endswith("server starting with dbpath /var/lib/db")
    assert all(ln > 600 for ln in restarts[0].line_numbers)  # the consumer start with no stop before it is none


def test_a_replayed_opening_is_a_restart_whatever_thread_id_its_header_writes() -> None:
    """A .NET server (Serilog's "[{ThreadId}]" column: the main thread is 1 in every run, pool threads' ids in
    between read as processes writing at once) stops on SIGTERM and comes back a few minutes later: its first record
    and the messages that followed it are written again, a restart; the SIGTERM line is the stop, told by its own
    words beside a user's "Playback stopped" a line before it, and a child's exit long before the stop is none."""

    def at(t: float, level: str, thread: int, message: str) -> str:
        return f"[{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S}.112 +01:00] [{level}] [{thread}] {message}"

    opening = [
        "Main: Media server version: 10.10.3",
        "Main: Arguments: [/srv/app.dll]",
        "Main: Operating system: Debian GNU/Linux 12 (bookworm)",
        "Main: Processor count: 4",
        "Main: Program data path: /config/data",
    ]
    lines = [at(T0 + k * 0.01, "INF", 1, m) for k, m in enumerate(opening)]
    threads = (12, 45, 7, 33, 12, 90)
    t = T0 + 5
    for i in range(60):
        lines.append(at(t, "INF", threads[i % 6], f"Sessions.SessionManager: Session {i:04x} polled by user u{i % 5}"))
        t += 30
    lines.append(at(t, "ERR", 33, "Transcoding.Manager: FFmpeg exited with code 228"))
    for i in range(25):
        t += 4
        lines.append(at(t, "INF", threads[i % 6], f"Sessions.SessionManager: Session {i:04x} polled by user u{i % 5}"))
    lines.append(at(t + 1, "INF", 12, 'Sessions.SessionManager: Playback stopped reported by app "Web"'))
    lines.append(at(t + 2, "INF", 110, "Main: Received a SIGTERM signal, shutting down"))
    t += 400
    lines += [at(t + k * 0.01, "INF", 1, m) for k, m in enumerate(opening)]
    for i in range(60):
        t += 30
        lines.append(at(t, "INF", threads[i % 6], f"Sessions.SessionManager: Session {i:04x} polled by user u{i % 5}"))
    rep = analyze([("\n".join(lines) + "\n").encode()])
    sigterm = next(k for k, x in enumerate(lines, 1) if "SIGTERM" in x)
    restarts = [list(a.line_numbers) for a in _of(rep, RESTART)]
    assert restarts == [[sigterm + 1]], [a.description for a in rep.anomalies]
    stops = _of(rep, SHUTDOWN)
    assert [a.line_numbers[0] for a in stops] == [sigterm], [a.description for a in rep.anomalies]
    assert "Received a SIGTERM signal" in stops[0].description
    assert not any("FFmpeg" in lines[ln - 1] for a in stops for ln in a.line_numbers)


def test_a_termination_signal_received_by_number_is_a_stop_and_leads_its_stop_messages() -> None:
    """ "Received signal 15" is SIGTERM received (2 SIGINT, 3 SIGQUIT: the numbers every POSIX system shares): a stop
    in strong words, which its template masks and its record holds; the stop is told at it, the steps after it
    listed with it."""
    recs = [(T0, "INFO", "Starting ledger version 3.1.4")]
    recs += _steady(T0 + 1, T0 + 3000, 5)
    recs += [(T0 + 3000, "INFO", "Received signal 15")]
    recs += [(T0 + 3000.5, "INFO", "Shutting down 3 extensions")]
    recs += [(T0 + 3100, "INFO", "Starting ledger version 3.1.4")]
    recs += _steady(T0 + 3101, T0 + 6000, 5)
    rep, lines = _report(recs)
    stops = _of(rep, SHUTDOWN)
    assert len(stops) == 1, [a.description for a in rep.anomalies]
    assert lines[stops[0].line_numbers[0] - 1].endswith("Received signal 15")
    assert "Received signal <*>" in stops[0].description


def test_a_start_whose_object_is_a_stop_is_no_start() -> None:
    """OpenTelemetry's collector writes "Starting shutdown..." from "service@v0.98.0/service.go" (a version in the
    record): what starts is the stop, no process start; the start is the banner after the gap."""
    recs = [(T0, "INFO", "service@v0.98.0/service.go:139 Starting otelcol-contrib version 0.98.0")]
    recs += _steady(T0 + 1, T0 + 3000, 5)
    recs += [(T0 + 3000, "INFO", "otelcol@v0.98.0/collector.go:264 Received signal from OS terminated")]
    recs += [(T0 + 3000.5, "INFO", "service@v0.98.0/service.go:179 Starting shutdown...")]
    recs += [(T0 + 3001, "INFO", "service@v0.98.0/service.go:193 Shutdown complete.")]
    recs += [(T0 + 3100, "INFO", "service@v0.98.0/service.go:139 Starting otelcol-contrib version 0.98.0")]
    recs += _steady(T0 + 3101, T0 + 6000, 5)
    rep, lines = _report(recs)
    restarts = _of(rep, RESTART)
    assert len(restarts) == 1, [a.description for a in rep.anomalies]
    assert all("Starting shutdown" not in lines[ln - 1] for ln in restarts[0].line_numbers)
    assert lines[restarts[0].line_numbers[0] - 1].endswith("Starting otelcol-contrib version 0.98.0")


def test_in_a_journal_a_programs_banner_under_a_new_process_id_is_a_restart() -> None:
    """A node's journal, where processes write at once: containerd wrote as process 812, systemd restarts it, and a
    banner comes from containerd[48811]: that program started again. A program's first banner (crio's, never seen
    before) is a start like any other in such a log: no restart."""
    lines = []
    for i in range(400):
        t = f"2026-03-04T10:{i // 60:02d}:{i % 60:02d}+0000 node-1"
        lines.append(
            f"{t} kubelet[905]: I0304 10:{i // 60:02d}:{i % 60:02d}.000000     905 prober.go:107] probe ok n{i}"
        )
        lines.append(f"{t} systemd[1]: Started Session {i} of User core.")
        pid = 812 if i < 200 else 48811
        if i == 200:
            lines.append(f'{t} containerd[48811]: time="x" level=info msg="starting containerd" version=1.7.20')
        if i == 300:
            lines.append(f"{t} crio[5001]: Starting CRI-O, version: 1.29.1, git: abc")
        lines.append(f'{t} containerd[{pid}]: time="x" level=info msg="StartContainer for c{i} returns successfully"')
    rep = analyze([("\n".join(lines) + "\n").encode()])
    at = next(n for n, x in enumerate(lines, 1) if "starting containerd" in x)
    restarts = _of(rep, RESTART)
    assert [a.line_numbers[0] for a in restarts] == [at], [a.description for a in rep.anomalies]
    assert "wrote as process 812 before" in restarts[0].description


def test_in_a_journal_a_programs_stop_then_its_start_worded_message_under_a_new_id_is_a_stop_and_a_restart() -> None:
    """dockerd in a node's journal, systemd writing between its lines: "Processing signal 'terminated'" (a termination
    signal received, its name quoted), its shutdown, then "Starting up" from dockerd[30567] (a start word, no version).
    The report told neither: in a log of many processes a stop and a start of two ids were two processes', though
    the header names one program beside both. A session's start under systemd's own id stays no restart."""
    lines = []
    for i in range(300):
        t = f"Dec 05 14:{i // 60:02d}:{i % 60:02d} build-host-02"
        pid = 1021 if i < 200 else 30567
        if i == 198:
            lines.append(f"{t} systemd[1]: Stopping docker.service - Docker Application Container Engine...")
            lines.append(f'{t} dockerd[1021]: time="x" level=info msg="Processing signal \'terminated\'"')
        if i == 199:
            lines.append(f'{t} dockerd[1021]: time="x" level=info msg="Daemon shutdown complete"')
        if i == 200:
            lines.append(f'{t} dockerd[30567]: time="x" level=info msg="Starting up"')
        lines.append(f"{t} systemd[1]: Started Session {i} of User core.")
        lines.append(f'{t} dockerd[{pid}]: time="x" level=info msg="ignoring event" container=c{i * 7919:012x}')
    rep = analyze([("\n".join(lines) + "\n").encode()])
    signal = next(n for n, x in enumerate(lines, 1) if "Processing signal" in x)
    start = next(n for n, x in enumerate(lines, 1) if "Starting up" in x)
    assert [a.line_numbers[0] for a in _of(rep, SHUTDOWN)] == [signal], [a.description for a in rep.anomalies]
    restarts = _of(rep, RESTART)
    assert [a.line_numbers[0] for a in restarts] == [start], [a.description for a in rep.anomalies]
    assert "wrote as process 1021 before" in restarts[0].description


def test_a_servers_word_that_it_is_listening_again_after_its_stop_is_its_restart() -> None:
    """sshd in a bastion's auth.log, sudo, cron and logind writing between its lines: "Received signal 15;
    terminating." from sshd[811], then "Server listening on 0.0.0.0 port 22." from sshd[93120]. The report told
    neither: "listening on" its address is a server's word that it started, as "started" is."""
    lines = []
    for i in range(300):
        t = f"Dec 05 10:{i // 60:02d}:{i % 60:02d} bastion"
        if i == 200:
            lines.append(f"{t} sshd[811]: Received signal 15; terminating.")
            lines.append(f"{t} sshd[93120]: Server listening on 0.0.0.0 port 22.")
            lines.append(f"{t} sshd[93120]: Server listening on :: port 22.")
        lines.append(f"{t} CRON[{4000 + i}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
        lines.append(f"{t} systemd-logind[588]: New session {i} of user deploy.")
        if i % 10 == 0:
            lines.append(f"{t} sshd[{811 if i < 200 else 93120}]: Accepted publickey for deploy from 10.8.0.{i % 250}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    signal = next(n for n, x in enumerate(lines, 1) if "Received signal" in x)
    assert [a.line_numbers[0] for a in _of(rep, SHUTDOWN)] == [signal], [a.description for a in rep.anomalies]
    restarts = _of(rep, RESTART)
    assert [a.line_numbers[0] for a in restarts] == [signal + 1], [a.description for a in rep.anomalies]


def test_a_process_that_dumped_core_crashed_and_crashes_past_the_summarys_room_are_told_as_crashes() -> None:
    """systemd-coredump's "Process 5521 (nautilus) of user 1000 dumped core." says a process died of a signal as
    "core dumped" does; the report told none. Past the summary's room, stops that are each a crash are told as "N
    more crashes", not "N more stops"."""
    crashes = [
        "systemd-coredump[18312]: Process 5521 (nautilus) of user 1000 dumped core.",
        "kernel: tracker-miner-f[2217]: segfault at 0 ip 00007f0a1c4d6129 sp 00007ffcacf968ba error 4",
        "bash[3312]: /usr/local/bin/backup.sh: line 12:  4411 Aborted (core dumped) pg_dump shop",
        "kernel: Out of memory: Killed process 9911 (java) total-vm:8123456kB",
        "systemd[1]: app-api.service: Main process exited, code=killed, status=11/SEGV",
    ]
    lines = []
    for i in range(400):
        t = f"Dec 05 10:{i // 60:02d}:{i % 60:02d} tp-x1"
        lines.append(f"{t} systemd[1]: Started app-gnome-org.gnome.Nautilus-{i}.scope - Application launched.")
        if i % 80 == 40:
            lines.append(f"{t} {crashes[i // 80]}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    dumped = next(n for n, x in enumerate(lines, 1) if "dumped core" in x)
    stops = _of(rep, SHUTDOWN)
    assert dumped in [a.line_numbers[0] for a in stops], [a.description for a in rep.anomalies]
    assert all("crash" in a.description for a in stops), [a.description for a in stops]
    claims = [c.text for c in rep.summary.claims]
    assert any(re.fullmatch(r"\d more crashes, at lines [\d, ]+\.", c) for c in claims), claims
    assert not any("more stops" in c for c in claims)


def test_a_stop_told_in_the_passive_with_its_time_is_a_report_of_the_last_run_not_a_stop() -> None:
    """PostgreSQL's start writes "database system was shut down at 2024-03-13 22:01:44 UTC": how the last run ended,
    hours before. A compose stack's log opens with it among the services' starts, and it was told as a stop at its
    line. A stop told in the passive is still one where no time says when it came ("Server was stopped")."""

    def db(i: int, message: str) -> str:
        return f"db-1     | 2024-03-14 07:{i // 60:02d}:{i % 60:02d}.009 UTC [29] LOG:  {message}"

    def api(i: int, message: str) -> str:
        return f"api-1    | 2024-03-14T07:{i // 60:02d}:{i % 60:02d}.120Z info: {message}"

    lines = [
        db(0, "starting PostgreSQL 16.2 (Debian 16.2-1.pgdg120+2) on x86_64-pc-linux-gnu"),
        db(0, "database system was shut down at 2024-03-13 22:01:44 UTC"),
        db(0, "database system is ready to accept connections"),
        "redis-1  | 1:C 14 Mar 2024 07:00:00.000 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
        "redis-1  | 1:C 14 Mar 2024 07:00:00.000 # Redis version=7.2.4, bits=64, commit=00000000, pid=1, just started",
        api(1, "Starting checkout-api version 2.3.1"),
        api(1, "server listening on port 3000"),
    ]
    for i in range(2, 300):
        lines.append(api(i, f"GET /api/items/{i} 200 {i % 13} ms"))
        if i % 10 == 0:
            lines.append(db(i, f"checkpoint complete: wrote {i % 17} buffers"))
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _of(rep, SHUTDOWN) == [], [a.description for a in rep.anomalies]


def test_a_message_that_says_it_stopped_is_no_start_whatever_version_its_record_names() -> None:
    """Filebeat's JSON records all carry "ecs.version":"1.6.0": its "filebeat stopped." after "Received signal
    \"terminated\", stopping" is the stop's last step, not a start announcing a version (the report told a process
    start at it once the quoted signal read as a stop)."""

    def rec(i: int, message: str) -> str:
        t = f"2026-12-05T15:{i // 60:02d}:{i % 60:02d}.000+0200"
        return json.dumps({"log.level": "info", "@timestamp": t, "message": message, "ecs.version": "1.6.0"})

    lines = [rec(0, "filebeat start running.")]
    lines += [rec(i, f"Harvester started for file /var/log/app/api-{i}.log") for i in range(1, 200)]
    lines += [rec(200, 'Received signal "terminated", stopping'), rec(200, "Stopping filebeat")]
    lines += [rec(201, "Crawler stopped"), rec(201, "filebeat stopped.")]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _of(rep, RESTART) == [], [a.description for a in rep.anomalies]
    stops = _of(rep, SHUTDOWN)
    assert [a.line_numbers[0] for a in stops] == [201], [a.description for a in rep.anomalies]


def _kernel_lines(host: str, start: int, clock0: float, count: int) -> list[str]:
    return [
        f"Mar 14 13:{(start + i) // 60:02d}:{(start + i) % 60:02d} {host} kernel: [{clock0 + i * 1.5:12.6f}] "
        f"[UFW BLOCK] IN=ens3 OUT= SRC=193.32.162.{i % 250} DST=10.0.4.21 LEN=40 PROTO=TCP SPT={40000 + i} DPT=22"
        for i in range(count)
    ]


def test_the_kernels_clock_going_back_to_zero_is_a_restart() -> None:
    """A node's kern.log: the kernel's clock since boot ("[86998.957777]") falls back to 0 at its "Linux version" banner
    after a power loss. No stop was written, and the kernel's bursts hide the gap from the rate: the report told
    nothing. A clock since start that goes back is a start."""
    lines = _kernel_lines("app02", 0, 86000.0, 600)
    lines.append("Mar 14 13:19:34 app02 kernel: [    0.000000] Linux version 5.15.0-100-generic (buildd@lcy02) #110")
    lines += _kernel_lines("app02", 1200, 2.5, 600)
    rep = analyze([("\n".join(lines) + "\n").encode()])
    restarts = _of(rep, RESTART)
    assert [a.line_numbers[0] for a in restarts] == [601], [a.description for a in rep.anomalies]
    assert "the clock since start goes back" in restarts[0].description


def test_two_machines_clocks_written_at_once_are_no_restart() -> None:
    """Two hosts' kernel lines in one file: each clock grows on its own, the file's values go back and forth between
    them. No clock went back: no restart."""
    a, b = _kernel_lines("app02", 0, 86000.0, 600), _kernel_lines("db01", 0, 1200.0, 600)
    lines = [x for pair in zip(a, b, strict=True) for x in pair]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _of(rep, RESTART) == [], [a.description for a in rep.anomalies]


def test_a_compose_services_first_start_is_no_restart_and_no_other_services_stop_is_its() -> None:
    """Compose services start when they are ready: web's first start, a quarter into the file, is routine, and db's
    stop just before it is not web's (the reader keeps each line's service). db's own start after its own stop is
    a restart, told with that stop."""
    rep = analyze([compose_starts()])
    found = [(a.kind, list(a.line_numbers)) for a in rep.anomalies if a.kind in (RESTART, SHUTDOWN)]
    assert found == [(RESTART, [406, 401]), (SHUTDOWN, [401])], [a.description for a in rep.anomalies]
    told = [c.text for c in rep.summary.claims if "after the stop" in c.text]
    assert len(told) == 1 and told[0].startswith("Restart at line 406 "), told
    assert "after the stop at line 401 " in told[0], told


def test_the_first_records_template_seen_again_is_a_restart() -> None:
    # The file opens with a message of no start words and nothing rare after it: seen again after the process fell
    # silent for a while, it is the process starting again (written straight on, it is not:
    # test_the_files_first_message_seen_again_with_nothing_of_a_start_around_it_is_no_restart).
    recs = [(T0, "INFO", "Registered metrics reporter for service")]
    recs += _steady(T0 + 1, T0 + 2000, 5)
    recs += [(T0 + 3000, "INFO", "Registered metrics reporter for service")]
    recs += _steady(T0 + 3001, T0 + 6000, 5)
    rep, lines = _report(recs)
    restarts = _of(rep, RESTART)
    assert len(restarts) == 1
    assert restarts[0].line_numbers[0] > 1
    assert lines[restarts[0].line_numbers[0] - 1].endswith("Registered metrics reporter for service")


def test_a_first_record_of_no_words_seen_again_is_no_restart() -> None:
    # `tail` of several files heads each file's part with its name ("==> /var/log/web.log <=="): the file's first
    # record, seen again, but it says nothing of a start (no word); the same steady process writes around it.
    lines = ["==> /var/log/shop/web.log <=="] + [_line(t, lv, m) for t, lv, m in _steady(T0 + 1, T0 + 3000, 5)]
    lines += ["", "==> /var/log/shop/web.1.log <=="] + [
        _line(t, lv, m) for t, lv, m in _steady(T0 + 3001, T0 + 6000, 5)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _of(rep, RESTART) == []


def test_a_first_record_after_blank_lines_opens_the_file_and_is_no_start_after_it() -> None:
    # A file of no times whose first line is blank (an automation tool's output: a heading of stars, then a line
    # per host): its first record opens the file wherever it stands, not "a start not at the beginning".
    hosts = [f"web{i}.example.com" for i in range(1, 6)]
    lines = ["", "PLAY [webservers] " + "*" * 60, "", "TASK [Gathering Facts] " + "*" * 55]
    for task in ("Install nginx", "Copy config", "Restart nginx", "Reload firewall", "Check health"):
        lines += ["", f"TASK [{task}] " + "*" * 50] + [f"ok: [{h}]" for h in hosts]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.templates and min(t.first_line for t in rep.templates) == 2
    assert _of(rep, RESTART) == []
    # Over blank lines in front of it, the same process's banner seen again later is still a restart.
    body = [_line(t, lv, m) for t, lv, m in _steady(T0 + 1, T0 + 3000, 5)]
    again = [_line(t, lv, m) for t, lv, m in _steady(T0 + 3001, T0 + 6000, 5)]
    banner = "Starting shop-api v2.4.1 on port 8080"
    lines = ["", "", _line(T0, "INFO", banner), *body, _line(T0 + 3000, "INFO", banner), *again]
    restarts = _of(analyze([("\n".join(lines) + "\n").encode()]), RESTART)
    assert [lines[r.line_numbers[0] - 1].endswith(banner) for r in restarts] == [True]
    assert restarts[0].line_numbers[0] > 3


def test_process_id_change_in_the_header_is_a_restart() -> None:
    def rec(t: float, pid: int, i: int) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S} [{pid}] INFO worker: handled request {i}"

    lines = [rec(T0 + 5 * i, 4242, i) for i in range(600)] + [rec(T0 + 3000 + 5 * i, 5151, i) for i in range(600)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    restarts = _of(rep, RESTART)
    assert len(restarts) == 1
    new, old = restarts[0].line_numbers[:2]
    assert old <= 600 < new  # the change lies between two sampled records (bucket edges)
    assert "[4242]" in lines[old - 1] and "[5151]" in lines[new - 1]
    assert f"between line {old} and line {new}" in restarts[0].description


# ----------------------------------------------------------------------------- buckets and bursts
def test_no_burst_in_the_partial_first_or_last_bucket() -> None:
    flood_start = [(T0, "INFO", f"loading plugin {i}") for i in range(300)]
    recs = flood_start + _steady(T0 + 1, T0 + 7200, 10)
    mid = T0 + 3600 + 3
    recs += [(mid, "INFO", f"loading plugin {i}") for i in range(300)]
    recs += [(T0 + 7200, "INFO", f"loading plugin {i}") for i in range(300)]
    recs.sort(key=lambda r: r[0])
    rep, lines = _report(recs)
    bursts = _of(rep, BURST)
    assert bursts, [a.description for a in rep.anomalies]
    for a in bursts:
        t = _time(lines[a.line_numbers[0] - 1])
        assert T0 < t < T0 + 7200, a.description
    assert any(_time(lines[a.line_numbers[0] - 1]) == mid for a in bursts)
    width = max(t.histogram.bucket_seconds for t in rep.templates)
    assert 60 <= 7200 / width <= 200  # buckets sized to the span


def test_a_bursts_baseline_is_the_rest_of_the_file_with_the_series_other_episodes_in_it() -> None:
    """A message written in two floods and a few times between: each flood is told against the series' mean over
    the whole buckets outside that flood, the other flood included (it is "the rest of the file")."""
    recs = _steady(T0, T0 + 7200, 10)
    big, small = T0 + 3600 + 3, T0 + 1800 + 3
    recs += [(big, "INFO", f"rebalancing shard {i}") for i in range(300)]
    recs += [(small, "INFO", f"rebalancing shard {i}") for i in range(60)]
    recs += [(T0 + 600 * k + 5, "INFO", f"rebalancing shard {k}") for k in range(2, 11) if k not in (3, 6)]
    recs.sort(key=lambda r: r[0])
    rep, lines = _report(recs)
    floods = {a.count: a for a in _of(rep, BURST) if "rebalancing" in a.description}
    assert set(floods) == {300, 60}, [a.description for a in rep.anomalies]
    width = next(t.histogram.bucket_seconds for t in rep.templates if t.text == "rebalancing shard <*>")
    whole = len(range(1, int((T0 + 7200 - _time(lines[0])) // width)))  # whole buckets: all but the first and last
    for count, a in floods.items():
        rest = 300 + 60 + 7 - count  # the other flood and the 7 single records
        assert abs(a.baseline - rest / (whole - 1)) < 0.02, (a.baseline, rest, whole, a.description)
        assert f"against {rest / (whole - 1):.1f} per" in a.description, a.description


def test_error_burst_cites_the_first_error_record_of_its_bucket() -> None:
    recs = _steady(T0, T0 + 7200, 10)
    t = T0 + 3600 + 7
    recs += [(t, "INFO", "request accepted")]
    recs += [(t + 1, "ERROR", f"database timeout after {i} retries") for i in range(60)]
    recs.sort(key=lambda r: r[0])
    rep, lines = _report(recs)
    bursts = _of(rep, ERROR_BURST)
    assert len(bursts) == 1
    cited = lines[bursts[0].line_numbers[0] - 1]
    assert " ERROR " in cited and "database timeout after 0 retries" in cited


def test_caps_keep_the_higher_ranked_findings() -> None:
    recs = _steady(T0, T0 + 10_000, 5)
    # Many rare messages (the lowest rank), each its own template (a token count of its own).
    for k in range(1, MAX_ANOMALIES + 20):
        recs.append((T0 + 100 + 50 * k, "INFO", "unusual " + " ".join(["thing"] * k)))
    recs.append((T0 + 6000, "INFO", "Starting ledger-service v3.1 build 77"))
    recs.append((T0 + 1, "INFO", "Starting ledger-service v3.1 build 77"))
    recs.sort(key=lambda r: r[0])
    rep, _lines = _report(recs)
    assert len(rep.anomalies) == MAX_ANOMALIES
    assert _of(rep, RESTART)
    ranks = [KIND_RANK[a.kind] for a in rep.anomalies]
    assert ranks == sorted(ranks)


def test_a_rare_message_that_states_a_failure_ranks_before_other_rare_ones() -> None:
    recs = _steady(T0, T0 + 3 * 3600, 5)
    recs.append((T0 + 3000, "INFO", "cache warmed for tenant acme in one pass"))
    recs.append((T0 + 3100, "INFO", "nightly report mailed to the ops list"))
    recs.append((T0 + 9000, "INFO", "disk0s2: I/O error."))
    recs.sort(key=lambda r: r[0])
    rep, _lines = _report(recs)
    rare = [a.description for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_RARE_TEMPLATE]
    assert rare and "I/O error" in rare[0], rare


# ----------------------------------------------------------------------------- silences and lulls
def test_silence_cites_the_records_on_both_sides_of_the_gap() -> None:
    recs = _steady(T0, T0 + 3 * 3600, 5)
    gap_from, gap_to = T0 + 5000, T0 + 5000 + 78 * 60
    recs = [r for r in recs if not gap_from < r[0] < gap_to]
    rep, lines = _report(recs)
    silences = _of(rep, SILENCE)
    assert len(silences) == 1, [a.description for a in rep.anomalies]
    before, after = silences[0].line_numbers
    assert after == before + 1
    assert _time(lines[after - 1]) - _time(lines[before - 1]) == 78 * 60
    assert "78 min" in silences[0].description


def test_a_file_that_often_pauses_reports_no_silence() -> None:
    recs = []
    for k in range(40):  # 40 short bursts with 4-9 minutes of nothing between them
        start = T0 + k * 600
        recs += _steady(start, start + 60 + 7 * (k % 5), 2, first=k * 100)
    rep, _lines = _report(recs)
    assert not _of(rep, SILENCE), [a.description for a in _of(rep, SILENCE)]


def test_a_short_outage_in_a_long_file_is_a_silence() -> None:
    # 35 minutes without a record in a day-long file that writes every 30 s: two bucket widths of the file's
    # histogram, but 70 records missing and 70 times the file's usual pause.
    recs = _steady(T0, T0 + 20 * 3600, 30)
    gap_from, gap_to = T0 + 9 * 3600, T0 + 9 * 3600 + 35 * 60
    recs = [r for r in recs if not gap_from < r[0] < gap_to]
    rep, lines = _report(recs)
    silences = _of(rep, SILENCE)
    assert len(silences) == 1, [a.description for a in rep.anomalies]
    before, after = silences[0].line_numbers
    assert _time(lines[after - 1]) - _time(lines[before - 1]) == 35 * 60
    assert "35 min" in silences[0].description
    assert any("Silence of 35 min" in c.text for c in rep.summary.claims)


def test_a_silence_broken_only_by_a_heartbeat_is_one_silence() -> None:
    # A controller busy every 5 s that writes nothing for 20 minutes but its heartbeat's error every 5 minutes: one
    # stretch of 20 minutes with the heartbeat's records named, not four silences of 5 minutes.
    recs = _steady(T0, T0 + 3 * 3600, 5)
    gap_from, gap_to = T0 + 5000, T0 + 5000 + 20 * 60
    recs = [r for r in recs if not gap_from < r[0] < gap_to]
    beats = [(gap_from + k * 300, "ERROR", f"node{k} not responding") for k in (1, 2, 3)]
    recs = sorted(recs + beats, key=lambda r: r[0])
    rep, lines = _report(recs)
    silences = _of(rep, SILENCE)
    assert len(silences) == 1, [a.description for a in silences]
    first, *between, last = silences[0].line_numbers
    assert [lines[n - 1].split(" ", 4)[4] for n in between] == [b[2] for b in beats]
    assert _time(lines[last - 1]) - _time(lines[first - 1]) == 20 * 60
    assert silences[0].description.startswith("silence of 20 min but for 3 records"), silences[0].description


def test_a_pause_in_a_starts_head_is_a_routine_silence_left_out_of_the_summary_and_the_timeline() -> None:
    # A server that waits 3 minutes for its schema in its first minutes (the file's head: 5 % of 3 hours), then writes
    # every 5 s: the pause is found, ranked as a start's (routine), and the summary leaves it out; the same pause in
    # the run is news.
    for start, routine in ((T0 + 120, True), (T0 + 5400, False)):
        recs = [r for r in _steady(T0, T0 + 3 * 3600, 5) if not start < r[0] < start + 180]
        rep, _lines = _report(recs)
        (silence,) = _of(rep, SILENCE)
        assert silence.routine is routine and silence.description.startswith("silence of 3 min"), silence
        assert any(c.text.startswith("Silence of 3 min") for c in rep.summary.claims) is not routine
        # Nor does the timeline tell it (a start's one-off messages and pauses filled its first minute).
        assert any(e.kind == SILENCE for e in rep.timeline) is not routine


def test_pauses_a_long_file_keeps_taking_are_no_silence() -> None:
    # A batch job busy 25 minutes of every hour for a day: each 35-minute pause is the file's usual one.
    recs = []
    for k in range(24):
        start = T0 + k * 3600
        recs += _steady(start, start + 25 * 60, 10, first=k * 1000)
    rep, _lines = _report(recs)
    assert not _of(rep, SILENCE), [a.description for a in _of(rep, SILENCE)]


def test_a_lull_that_recovers_is_a_rate_change() -> None:
    recs = _steady(T0, T0 + 3000, 2) + _steady(T0 + 3000, T0 + 5000, 40) + _steady(T0 + 5000, T0 + 8000, 2)
    rep, lines = _report(recs)
    lulls = _of(rep, RATE_CHANGE)
    assert len(lulls) == 1, [a.description for a in rep.anomalies]
    before, first_in, last_in, after = lulls[0].line_numbers
    assert before < first_in <= last_in < after
    assert 2800 <= _time(lines[first_in - 1]) - T0 <= 3400
    assert "drops" in lulls[0].description


# ----------------------------------------------------------------------------- the summary
def test_summary_quotes_template_text_and_its_lines_hold_it() -> None:
    recs = [(T0, "INFO", "Starting orders-api version 1.9.0")]
    recs += _steady(T0 + 1, T0 + 7200, 5)
    recs += [(T0 + 2000 + 30 * i, "ERROR", f"payment gateway refused order {i}: card declined") for i in range(12)]
    recs += [(T0 + 4000, "INFO", "Starting orders-api version 1.9.0")]
    recs.sort(key=lambda r: r[0])
    rep, lines = _report(recs)
    claims = list(rep.summary.claims)
    assert 2 <= len(claims) <= 10
    by_id = {t.id: t for t in rep.templates}
    texts = " ".join(c.text for c in claims)
    assert "payment gateway refused order <*>: card declined" in texts
    assert "Starting orders-api version <*>" in texts
    for c in claims:
        assert not re.search(r"\bt[0-9a-f]{12}\b", c.text)  # text, not ids
        assert c.line_numbers
        if c.template_ids:
            quoted = [by_id[i].text for i in c.template_ids if by_id[i].text in c.text]
            assert quoted or c.text[0].isdigit(), c.text  # overview and counts quote no single template
            patterns = [_pattern(by_id[i].text) for i in c.template_ids]
            for ln in c.line_numbers:
                assert any(p.search(lines[ln - 1]) for p in patterns), (c.text, lines[ln - 1])
    errors = [c for c in claims if "card declined" in c.text]
    assert errors and "12 records at ERROR" in errors[0].text


def test_a_three_line_file_keeps_its_one_real_message() -> None:
    recs = [
        (T0, "INFO", "service booting"),
        (T0 + 1, "ERROR", "cannot open /etc/app/config.yaml: permission denied"),
        (T0 + 2, "INFO", "exiting with status 2"),
    ]
    rep, _lines = _report(recs)
    claims = list(rep.summary.claims)
    error = [c for c in claims if "permission denied" in c.text]
    assert len(error) == 1
    assert error[0].line_numbers == [2]
    assert "ERROR" in error[0].text
    assert len(claims) <= 4


def test_the_same_input_gives_the_same_report() -> None:
    recs = _steady(T0, T0 + 7200, 3)
    recs += [(T0 + 3000 + i, "ERROR", f"disk full on /var/{i}") for i in range(40)]
    recs.sort(key=lambda r: r[0])
    a, _ = _report(recs)
    b, _ = _report(recs)
    assert a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)


# ----------------------------------------------------------------------------- real files, read in place
def _real(rel: str) -> Path:
    p = REALWORLD / rel
    if not p.exists():
        pytest.skip(f"{p} is absent")
    return p


def _analyze_file(p: Path) -> tuple[report_pb2.AnalysisReport, list[str]]:
    data = p.read_bytes()
    return analyze([data]), data.decode("utf-8", "replace").splitlines()


def test_rails_outage_is_a_silence_with_a_restart_after_it() -> None:
    # Checked by hand: line 4000 is at 09:37:40.32 (pid 7116), line 4001 at 09:42:27.61 (pid 7317), and
    # the log writes hundreds of records per 8 s on both sides.
    rep, lines = _analyze_file(_real("stacktraces/rails-production-puma.log"))
    silences = _of(rep, SILENCE)
    # Line 2000 (09:35:07, pid 6750) to line 2001 (09:37:08, pid 7116) is the other restart's two minutes down.
    assert sorted(list(a.line_numbers) for a in silences) == [[2000, 2001], [4000, 4001]]
    assert {a.line_numbers[0]: a for a in silences}[4000].description.startswith("silence of 4 min")
    restarts = {a.line_numbers[0]: a for a in _of(rep, RESTART)}
    assert set(restarts) == {2001, 4001}
    assert "#7116]" in lines[4000 - 1] and "#7317]" in lines[4001 - 1]
    assert "from 7116 (line 4000) to 7317 (line 4001)" in restarts[4001].description


def test_odoo_restarts_are_told_at_the_version_banner_after_each_shutdown() -> None:
    # Checked by hand: "Initiating shutdown" at line 21, "Odoo version 18.0" at line 24 under a new pid;
    # the banner comes back six more times, each after a shutdown.
    rep, lines = _analyze_file(_real("python/odoo18-server.log"))
    restarts = [a.line_numbers[0] for a in _of(rep, RESTART)]
    assert sorted(restarts) == [24, 207, 823, 936, 1225, 1556, 1938]
    assert all("Odoo version 18.0" in lines[ln - 1] for ln in restarts)
    stops = sorted(a.line_numbers[0] for a in _of(rep, SHUTDOWN))
    assert stops[0] == 21 and "Initiating shutdown" in lines[20]
    claims = " ".join(c.text for c in rep.summary.claims)
    assert "6 more restarts" in claims


def test_every_realworld_file_restarts_have_evidence_and_bursts_avoid_edge_buckets() -> None:
    if not REALWORLD.exists():
        pytest.skip(f"{REALWORLD} is absent")
    files = sorted(p for p in REALWORLD.glob("*/*") if p.suffix not in {".md", ".tsv"})
    for p in files:
        rep, lines = _analyze_file(p)
        by_id = {t.id: t for t in rep.templates}
        width = max((t.histogram.bucket_seconds for t in rep.templates), default=0)
        start = rep.time_range.start_time.ToSeconds()
        end = rep.time_range.end_time.ToSeconds()
        for a in rep.anomalies:
            if a.kind == RESTART:
                at = lines[a.line_numbers[0] - 1]
                pid = re.search(r"process id changes from (\d+) \(line (\d+)\) to (\d+) \(line (\d+)\)", a.description)
                banner = a.template_id and _pattern(by_id[a.template_id].text).search(at)
                assert banner or pid, (p.name, a.description)
                if pid and not a.template_id:
                    assert pid.group(1) in lines[int(pid.group(2)) - 1] and pid.group(3) in at
            if a.kind in (BURST, ERROR_BURST, RATE_CHANGE):
                assert a.start_time.ToSeconds() >= start + width, (p.name, a.description)
                assert a.end_time.ToSeconds() <= end, (p.name, a.description)


def test_cilium_init_script_restart_in_the_files_head_is_told() -> None:
    # Checked by hand: line 7 says the container restarts, line 8 is line 1 again, and lines 9 to 12 repeat
    # lines 2 to 5 (the init sequence); nothing else in the file starts again.
    rep, lines = _analyze_file(_real("go-json-logfmt/cilium-slog-logfmt.log"))
    restarts = _of(rep, RESTART)
    assert [a.line_numbers[0] for a in restarts] == [8], [a.description for a in restarts]
    assert lines[7] == lines[0] and "Restarting container" in lines[6]
    assert lines[8:12] == lines[1:5]


def test_compose_services_starting_one_after_another_are_no_restarts() -> None:
    # Checked by hand: dns writes BIND's start (lines 15 to 45, versions of its libraries) while mysql's entrypoint
    # stops its first server (line 29); fhoss's Tomcat starts at line 603, its first minute. Each service's first
    # start: no restart, and no stop of one service is another's.
    rep, _lines = _analyze_file(_real("ci-system/compose-open5gs.log"))
    assert [a.description for a in _of(rep, RESTART)] == []


def test_versions_and_interleaved_replica_starts_in_a_files_head_are_no_restart() -> None:
    # Checked by hand: the CI job prints "Version: ..." for its runner image and each action (lines 4, 15, 41,
    # 46); the swarm log interleaves four replicas' starts out of time order (line 4 is 85 s before line 1).
    for name in ("ci-system/github-actions-job.log", "ci-system/swarm-service-logs-glog.log"):
        rep, _lines = _analyze_file(_real(name))
        assert [a.description for a in _of(rep, RESTART)] == [], name


def test_istiod_summary_tells_the_push_storm_and_apiserver_its_runs_one_off_messages() -> None:
    # Checked by hand (grep over the tab-separated lines): istiod writes 539 "EDS: PUSH INC" lines, 432 of them in
    # the three 1,024 s buckets from 00:28:17 (00:44 to 01:15), the first at line 2314; of the other 107, 63 are in
    # the file's first (partial) bucket, so the rest of the file's 64 whole buckets hold 44: 0.7 per bucket.
    rep, lines = _analyze_file(_real("go-json-logfmt/istiod-zap-console.log"))
    burst = next(c.text for c in rep.summary.claims if c.text.startswith("Burst"))
    assert burst.startswith(
        'Burst of "EDS: PUSH INC for <*> resources:<*> size:<*> empty:<*> cached:<*>/<*>": 432 records'
    )
    assert "first at line 2314" in burst and "EDS: PUSH INC for node:" in lines[2314 - 1]
    assert "against 0.7 per 17 min in the rest of the file" in burst, burst
    # kube-apiserver starts in its first 48 s (11 % of its lines, 5 % of its 16 min): the summary's one-off
    # message told first is from the run (etcd compaction at lines 9581 and 13559), not from the start.
    rep, lines = _analyze_file(_real("klog/kube-apiserver-arm64.log"))
    rare = [c for c in rep.summary.claims if c.text.startswith("Rare message")]
    assert rare and rare[0].line_numbers[0] == 9581, [c.text for c in rare]
    assert "etcd: compacted rev" in lines[9581 - 1] and "etcd: compacted rev" in lines[13559 - 1]


def test_a_start_sequences_one_off_messages_are_routine_and_left_out_of_the_summary() -> None:
    # A service writes its start banner once (lines 1-2), runs, then logs one odd message late in its run. The banner
    # is rare by construction: the report keeps it as a routine anomaly; the summary tells only the late message.
    records = [(1_700_000_000.0, "INFO", "Starting api version 4.2"), (1_700_000_001.0, "INFO", "Listening on port 80")]
    records += _steady(1_700_000_002.0, 1_700_007_200.0, 4.0)
    records.append((1_700_007_201.0, "INFO", "cache shard rebalanced to 3 nodes"))
    records += _steady(1_700_007_202.0, 1_700_008_000.0, 4.0, first=2000)
    rep, lines = _report(records)
    rare = _of(rep, report_pb2.ANOMALY_KIND_RARE_TEMPLATE)
    assert {(a.line_numbers[0], a.routine) for a in rare} == {(1, True), (2, True), (len(lines) - 200, False)}
    told = [c.text for c in rep.summary.claims if c.text.startswith("Rare message")]
    assert told == [f'Rare message "cache shard rebalanced to <*> nodes" seen once, at line {len(lines) - 200}.']


def test_the_head_in_time_counts_only_where_time_runs_with_the_lines() -> None:
    # Services' logs concatenated: the second one's lines start earlier in time than the first one's last lines. Its
    # one-off message near the end (in the first bucket by time, far from the head by line) is no start message.
    first = _steady(1_700_003_600.0, 1_700_007_200.0, 2.0)
    second = _steady(1_700_000_000.0, 1_700_003_000.0, 2.0, first=5000)
    second.append((1_700_000_100.0, "INFO", "worker pool drained after signal"))
    rep, lines = _report(first + second)
    rare = [a for a in _of(rep, report_pb2.ANOMALY_KIND_RARE_TEMPLATE) if "drained" in a.description]
    assert len(rare) == 1 and not rare[0].routine and "worker pool drained" in lines[rare[0].line_numbers[0] - 1]
    assert any(c.text.startswith('Rare message "worker pool drained') for c in rep.summary.claims)


def test_liferay_error_storm_is_told_from_its_first_error() -> None:
    # Checked by hand: the log4j ERROR lines are 37 at 15:54:46 (the first at line 38), then 207, 172 and 160
    # in the next three seconds, and one at 15:54:50 (the file's last second); none before line 38.
    rep, lines = _analyze_file(_real("java/liferay-tomcat-catalina.out"))
    bursts = _of(rep, ERROR_BURST)
    assert [(a.line_numbers[0], a.count) for a in bursts] == [(38, 576)], [a.description for a in bursts]
    assert lines[38 - 1].startswith("15:54:46,153 ERROR")


def test_a_burst_of_a_template_seen_almost_only_in_it_counts_the_rest_instead_of_a_rate_of_zero() -> None:
    # Ten hours of steady records; a login storm of 300 records in ten minutes, the same message twice elsewhere (in
    # whole buckets). Its rest of the file is two records, not "0.0 per <bucket>" (a rate that reads as none).
    records = _steady(T0, T0 + 36_000, 60)
    records += [(T0 + 18_000 + 2 * i, "WARN", f"login failed for user u{i % 50}") for i in range(300)]
    records += [(T0 + 7_200, "WARN", "login failed for user u1"), (T0 + 28_800, "WARN", "login failed for user u2")]
    rep, _lines = _report(sorted(records))
    burst = next(a.description for a in _of(rep, BURST) if "login failed" in a.description)
    assert re.search(
        r": 300 records in the .* against 2 records in the rest of the file's whole buckets \(\d+\)$", burst
    ), burst


def test_a_version_in_a_requests_target_announces_no_start() -> None:
    # A client's websocket request names the version it wants ("GET /websocket?version=18.0-7"): rare, first seen in
    # the file's head, written again later. What a client asked for is not the process announcing its version.
    records = _steady(T0, T0 + 7_200, 10)
    for at in (T0 + 20, T0 + 2_400, T0 + 4_800, T0 + 6_500):
        records.append((at + 1, "INFO", 'werkzeug: 127.0.0.1 - - "GET /websocket?version=18.0-7 HTTP/1.1" 101 -'))
    rep, _lines = _report(sorted(records))
    assert any("/websocket?version=<*>" in t.text for t in rep.templates), [t.text for t in rep.templates]
    assert _of(rep, RESTART) == [], [a.description for a in _of(rep, RESTART)]


def test_a_bursts_episode_reaches_over_the_buckets_next_to_it_still_above_the_baseline() -> None:
    """A storm of 33 records over five buckets (5, 7, 4, 14, 3), the message seen nowhere else: one bucket is over
    the burst bar, its neighbours are far above the baseline too. The episode is the five buckets from the storm's
    first record, not the one bucket with its neighbours counted as "the rest of the file"."""
    records = _steady(T0, T0 + 7_200, 10)
    width = 64  # two hours: 112 buckets of 64 s
    storm = T0 + 3_200 - 3_200 % width  # a bucket's start
    for k, n in enumerate((5, 7, 4, 14, 3)):
        records += [
            (storm + k * width + 2 + 3 * i, "INFO", f"start of service update for svc-{k}-{i}") for i in range(n)
        ]
    rep, lines = _report(sorted(records))
    assert next(t.histogram.bucket_seconds for t in rep.templates if "service update" in t.text) == width
    (burst,) = [a for a in _of(rep, BURST) if "service update" in a.description]
    assert burst.count == 33, burst.description
    first = next(i for i, line in enumerate(lines, 1) if "service update" in line)
    assert burst.line_numbers[0] == first, burst.description
    assert "(5 buckets)" in burst.description and "against none in the rest" in burst.description, burst.description


def test_a_failure_too_slow_for_one_bucket_is_an_error_burst_over_the_buckets_it_lasts() -> None:
    """Six hours of steady records; a dependency down for 24 minutes, one error every 30 s (48 in all, about 7 per
    bucket of 256 s: no bucket past the bar of 10), three errors elsewhere. The episode is told as one error burst
    from its first error record (which tells its message's burst too); the routine messages, which come as steadily
    everywhere, make none."""
    records = _steady(T0, T0 + 21_600, 20)
    down = T0 + 9_000
    records += [
        (down + 30 * i, "ERROR", f"failed to heartbeat to peer 10.0.9.{i % 3}: dial tcp: connection refused")
        for i in range(48)
    ]
    records += [(T0 + t, "ERROR", "snapshot upload failed: timeout") for t in (1_800, 15_000, 19_000)]
    rep, lines = _report(sorted(records))
    assert {t.histogram.bucket_seconds for t in rep.templates} == {256}
    (burst,) = _of(rep, ERROR_BURST)
    first = next(i for i, line in enumerate(lines, 1) if "failed to heartbeat" in line)
    assert burst.line_numbers[0] == first, burst.description
    assert burst.count >= 40 and "against 3 records in the rest" in burst.description, burst.description
    assert re.search(
        r'ERROR/FATAL records, most of them "failed to heartbeat to peer <\*>: dial tcp: connection refused"'
        r" \(4\d\) in the ",
        burst.description,
    ), burst.description
    assert _of(rep, BURST) == [], [a.description for a in _of(rep, BURST)]  # (the error burst tells its template)


def test_a_failure_its_words_state_at_info_is_judged_as_one_its_level_states() -> None:
    """A replica set's member logs its lost heartbeats at INFO: 30 in 20 minutes of a six-hour file, none elsewhere.
    Its words state the failure: a burst over the buckets it lasts, as a WARN's would be. A routine message that
    comes as slowly in one stretch (a batch's progress) is a rate, not an incident: no burst."""
    records = _steady(T0, T0 + 21_600, 20)
    records += [
        (T0 + 9_000 + 40 * i, "INFO", f"Heartbeat failed after max retries, target mongo-{i % 2}") for i in range(30)
    ]
    records += [(T0 + 15_000 + 40 * i, "INFO", f"exported batch {i} of the nightly report") for i in range(30)]
    rep, lines = _report(sorted(records))
    (burst,) = _of(rep, BURST)
    assert "Heartbeat failed" in burst.description, burst.description
    assert burst.line_numbers[0] == next(i for i, line in enumerate(lines, 1) if "Heartbeat failed" in line)


def test_a_checkpoint_a_shutdown_starts_is_a_step_of_the_stop_not_the_start() -> None:
    """A database's fast shutdown writes "checkpoint starting: shutdown immediate" among its stop messages (a process
    of its own writes it); the start is the banner with its version after them, the file's first line, where the
    restart is told."""

    def pg(t: float, pid: int, message: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S}.{int(t * 1000) % 1000:03d} UTC [{pid}] {message}"

    banner = "LOG:  starting PostgreSQL 16.2 on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit"
    lines = [pg(T0 - 1, 1021, banner)]
    for i in range(600):
        t = T0 + 5 * i
        lines.append(pg(t, 30000 + i, f"app@orders LOG:  duration: {i % 97}.{i % 10}12 ms  statement: SELECT {i}"))
        if i % 50 == 7:
            lines.append(pg(t + 1, 1027, "LOG:  checkpoint starting: time"))
            lines.append(pg(t + 2, 1027, f"LOG:  checkpoint complete: wrote {i} buffers"))
    stop = T0 + 3000
    lines += [
        pg(stop, 1021, "LOG:  received fast shutdown request"),
        pg(stop, 1021, "LOG:  aborting any active transactions"),
        pg(stop, 33151, "LOG:  shutting down"),  # (a checkpointer started since: a process id not seen before)
        pg(stop, 33151, "LOG:  checkpoint starting: shutdown immediate"),
        pg(stop + 0.1, 1021, "LOG:  database system is shut down"),
        pg(stop + 8, 48112, banner),
        pg(stop + 8, 48112, 'LOG:  listening on IPv4 address "0.0.0.0", port 5432'),
        pg(stop + 8, 48120, "LOG:  database system is ready to accept connections"),
    ]
    for i in range(600, 1200):
        lines.append(
            pg(T0 + 10 + 5 * i, 50000 + i, f"app@orders LOG:  duration: {i % 97}.{i % 10}12 ms  statement: SELECT {i}")
        )
    rep = analyze([("\n".join(lines) + "\n").encode()])
    # What starts is a step of the stop, whatever comes between the verb and its object.
    for step in ("checkpoint starting: shutdown immediate", "Starting shutdown...", "initiating graceful shutdown"):
        assert _STARTS_A_STOP.search(step) is not None, step
    assert _STARTS_A_STOP.search("checkpoint starting: time") is None
    starts = _of(rep, RESTART)
    assert starts, [a.description for a in rep.anomalies]
    assert "starting PostgreSQL" in lines[starts[0].line_numbers[0] - 1], starts[0].description
    assert all("checkpoint" not in lines[ln - 1] for a in starts for ln in a.line_numbers), starts[0].description


def test_an_error_burst_names_no_statement_whose_records_are_mostly_not_errors() -> None:
    """A route's requests are logged by one statement at INFO or ERROR by their outcome; 14 of them fail within ten
    minutes. The error burst is told, but that statement, mostly answered well, is not what "most of" the burst
    wrote (its buckets count its good requests too)."""
    records = _steady(T0, T0 + 21_600, 20)
    records += [(T0 + 30 * i + 7, "INFO", "POST /api/orders answered") for i in range(700)]
    records += [(T0 + 9_000 + 40 * i + 3, "ERROR", "POST /api/orders answered") for i in range(14)]
    rep, _lines = _report(sorted(records))
    (burst,) = _of(rep, ERROR_BURST)
    assert "most of them" not in burst.description, burst.description


def test_a_routine_message_of_no_level_that_gathers_slowly_is_no_burst() -> None:
    """Records of no level are at no level, not at every level: a message of none that comes 30 times in 20 minutes
    of a six-hour file (a batch's progress) is no failure's episode."""
    records = _steady(T0, T0 + 21_600, 20)
    records += [(T0 + 15_000 + 40 * i, "-", f"exported batch {i} of the nightly report") for i in range(30)]
    rep, _lines = _report(sorted(records))
    assert _of(rep, BURST) == [], [a.description for a in _of(rep, BURST)]


def test_a_stop_s_step_that_names_a_startup_or_starts_a_clean_up_is_no_start() -> None:
    """Spring's context closing ("Closing ...XBeanBrokerFactory$1@5e9f23b4: startup date [...]": the date its context
    started, told as it closes) and a supervisor's "Starting clean up." were taken for the process starting, after
    the stop before them; the start is the context refreshed after the stop ("Refreshing ...: startup date")."""
    recs = _steady(T0, T0 + 3000, 10)
    recs += [
        (T0 + 3000.2, "INFO", "Apache ActiveMQ 5.18.3 (localhost) is shutting down"),
        (
            T0 + 3000.4,
            "INFO",
            "Closing org.apache.activemq.xbean.XBeanBrokerFactory$1@5e9f23b4: startup date [Sat Dec 05]",
        ),
        (T0 + 3000.6, "INFO", "Starting clean up."),
    ]
    recs += [
        (
            T0 + 3100,
            "INFO",
            "Refreshing org.apache.activemq.xbean.XBeanBrokerFactory$1@7a1b2c3d: startup date [Sat Dec 05]",
        )
    ]
    recs += _steady(T0 + 3101, T0 + 6000, 10, 300)
    recs.insert(
        0,
        (
            T0 - 1,
            "INFO",
            "Refreshing org.apache.activemq.xbean.XBeanBrokerFactory$1@5e9f23b4: startup date [Sat Dec 05]",
        ),
    )
    rep, lines = _report(recs)
    starts = _of(rep, RESTART)
    assert starts, [a.description for a in rep.anomalies]
    assert all("Refreshing" in lines[a.line_numbers[0] - 1] for a in starts), [a.description for a in starts]
    for step in ("Closing context: startup date [x]", "Starting clean up.", "Starting cleanup of stale locks"):
        assert _STARTS_A_STOP.search(step) is not None, step


def test_no_rate_over_time_is_told_where_most_records_carry_no_time_of_their_own() -> None:
    """A test run's output stamped on one line in twenty (xcodebuild's "Test Suite ... started at <time>" over its
    untimed "Test Case ... passed" lines): every untimed record takes the last stamp's time, so a suite's 86 cases
    "burst" within its second and a message "pauses" for the 24 minutes between two suites. The same records each
    stamped: the burst and the pause are real, and told. (A silence is a gap between two records' own times, and
    errors close in lines are close in time: both stand either way.)"""

    def run(stamp_every: int) -> report_pb2.AnalysisReport:
        lines = []
        t = T0
        for i in range(600):
            t += 600 if i == 300 else 0 if 450 <= i < 490 else 2
            text = f"Test Case '-[AppTests test{i}]' passed ({i % 7}.{i % 10}01 seconds)."
            if i % 50 < 20:
                text = f"error: -[AppTests testFlaky{i}] : XCTAssertEqual failed: ({i}) is not equal to (0)"
            if 450 <= i < 490:
                text = f"retrying connection to simulator {i} after timeout"
            if i % stamp_every == 0:
                lines.append(f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S} {text}")
            else:
                lines.append(text)
        return analyze([("\n".join(lines) + "\n").encode()])

    stamped, sparse = run(1), run(20)
    assert stamped.parse_quality.timestamp_share == 1.0 and sparse.parse_quality.timestamp_share == 0.05
    assert any(a.kind == BURST for a in stamped.anomalies)
    assert not [a.description for a in sparse.anomalies if a.kind == BURST]
    assert not [c.text for c in sparse.summary.claims if "pauses for" in c.text]
    # Untimed records between stamped ones, one in three stamped (uvicorn's access lines among its app's JSON): their
    # times are near their own, their bursts real.
    assert any(a.kind == BURST for a in run(3).anomalies)


def test_an_errors_claim_tells_the_short_stretch_its_records_keep_to() -> None:
    """A warehouse unreachable for 25 minutes of a 4-hour file: ten errors, a few a bucket, that no burst finding
    tells at that rate; the summary named their first and last lines only. Its claim tells the stretch they keep to,
    from the first record's time to the last's; an error written all day long has none."""
    records = _steady(T0, T0 + 4 * 3600, 30)
    records += [(T0 + 3600 + i * 150, "ERROR", f"Error processing query: timeout {i}") for i in range(10)]
    records += [(T0 + i * 1800 + 7, "ERROR", f"Failed to connect to database {i}") for i in range(8)]
    rep, lines = _report(sorted(records))
    claims = [c for c in rep.summary.claims if "Error processing query" in c.text]
    assert len(claims) == 1
    (claim,) = claims
    first, last = claim.line_numbers[0], claim.line_numbers[-1]
    t0 = datetime.fromtimestamp(_time(lines[first - 1]), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    t1 = datetime.fromtimestamp(_time(lines[last - 1]), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f"all within 22 min ({t0} to {t1}) of the file's 3 h 59 min" in claim.text, claim.text
    (daylong,) = [c for c in rep.summary.claims if "Failed to connect" in c.text]
    assert "all within" not in daylong.text


@pytest.mark.parametrize("said", ["Handling signal: term", "interrupt received", "Received signal: INT"])
def test_a_signal_named_by_its_short_name_or_received_after_it_is_a_stop(said: str) -> None:
    """gunicorn writes "Handling signal: term" when it is told to stop, Prometheus and Grafana Alloy "interrupt
    received": the stop was found on the lines after it (the worker's exits), or not at all (its line a rare
    message)."""
    records = _steady(T0, T0 + 3600, 20)
    records.append((T0 + 3600, "INFO", said))
    records += [(T0 + 3601 + i, "INFO", f"Worker exiting (pid: {10 + i})") for i in range(3)]
    records += [(T0 + 3700, "INFO", "Starting gunicorn 21.2.0"), *_steady(T0 + 3701, T0 + 5400, 20, 500)]
    rep, lines = _report(sorted(records))
    stops = _of(rep, SHUTDOWN)
    assert stops, [a.description for a in rep.anomalies]
    assert lines[stops[0].line_numbers[0] - 1].endswith(said)


def test_a_stop_sequences_one_off_messages_are_routine_too() -> None:
    """A stop writes its own one-off messages after the signal (a pool closed, a cache flushed): rare by construction
    as a start's are, they were told as rare messages (Flink's and Livy's findings were mostly these)."""
    records = _steady(1_700_000_000.0, 1_700_007_200.0, 4.0)
    records += [
        (1_700_007_201.0, "INFO", "Received SIGTERM, shutting down"),
        (1_700_007_202.0, "INFO", "Closing the slot pool of job 7"),
        (1_700_007_203.0, "INFO", "Flushed the state backend cache"),
    ]
    records += _steady(1_700_007_300.0, 1_700_008_000.0, 4.0, first=2000)
    records.append((1_700_008_001.0, "INFO", "cache shard rebalanced to 3 nodes"))
    rep, lines = _report(records)
    rare = {
        lines[a.line_numbers[0] - 1].split(": ", 1)[1]: a.routine
        for a in _of(rep, report_pb2.ANOMALY_KIND_RARE_TEMPLATE)
    }
    assert rare["Closing the slot pool of job 7"] and rare["Flushed the state backend cache"]
    assert not rare["cache shard rebalanced to 3 nodes"]


def test_a_start_verb_whose_object_is_one_of_many_things_is_no_process_start() -> None:
    """Tomcat warns at every stop "The web application [ROOT] appears to have started a thread named [Timer-0] but
    has failed to stop it": it was told as the process's start, a minute before the real one."""
    records = _steady(T0, T0 + 3600, 20)
    records.append((T0 + 3600, "INFO", "Shutting down Ranger Admin: received shutdown signal"))
    records.append(
        (
            T0 + 3602,
            "WARN",
            "The web application [ROOT] appears to have started a thread named [Timer-0] but has failed",
        )
    )
    records += [(T0 + 3800, "INFO", "Starting Ranger Admin version 2.4.0"), *_steady(T0 + 3801, T0 + 5400, 20, 500)]
    rep, lines = _report(sorted(records))
    starts = _of(rep, RESTART)
    assert starts and all("started a thread" not in lines[ln - 1] for a in starts for ln in a.line_numbers)


def test_a_failure_or_a_burst_after_a_stop_is_no_routine_message() -> None:
    """Only a stop's own one-off messages are routine: a rare message that states a failure near it may be why it
    stopped, and a burst after it is the run's news (as errors at a start are)."""
    records = _steady(1_700_000_000.0, 1_700_007_200.0, 4.0)
    records += [
        (1_700_007_201.0, "INFO", "Received SIGTERM, shutting down"),
        (1_700_007_202.0, "INFO", "Job 'nightly' server action #12 failed"),
    ]
    records += _steady(1_700_007_300.0, 1_700_008_000.0, 4.0, first=2000)
    rep, lines = _report(records)
    rare = {
        lines[a.line_numbers[0] - 1].split(": ", 1)[1]: a.routine
        for a in _of(rep, report_pb2.ANOMALY_KIND_RARE_TEMPLATE)
    }
    assert rare["Job 'nightly' server action #12 failed"] is False


def _started_apps(t: float) -> list[tuple[float, str, str]]:
    """A server's start: each of its applications says it started, then its banner."""
    apps = ["kernel", "stdlib", "crypto", "couch_log", "folsom", "couch_stats", "khash", "ibrowse", "ioq", "mem3"]
    out = [(t + i * 0.2, "INFO", f"Application {app} started on node 'couchdb@db-0'") for i, app in enumerate(apps)]
    return [*out, (t + 3, "INFO", "Apache CouchDB 3.3.3 has started on http://0.0.0.0:5984/")]


def test_a_start_sequence_flooded_again_before_its_banner_is_the_restart_not_a_burst() -> None:
    """A start writes a message per component it started, a flood, then its banner; after a stop and an outage it
    writes them again. The restart is told at the banner; the flood before it is that start, not a burst of
    "Application <*> started on node" (the summary told both)."""
    t1 = T0 + 1800
    stop = _steady(T0 + 10, t1, 6.0)
    records = _started_apps(T0) + stop + [(t1, "INFO", "SIGTERM received - shutting down")]
    again = t1 + 900
    records += _started_apps(again) + _steady(again + 5, again + 1500, 6.0, first=len(stop))
    rep, lines = _report(records)
    (restart,) = _of(rep, RESTART)
    assert lines[restart.line_numbers[0] - 1].endswith("Apache CouchDB 3.3.3 has started on http://0.0.0.0:5984/")
    assert not [a for a in _of(rep, BURST) if "started on node" in a.description]
    assert not [c for c in rep.summary.claims if c.text.startswith("Burst of")]


def test_a_burst_of_requests_before_a_restart_is_still_told() -> None:
    """Only a message that tells a start is the start sequence written again: the run's own burst before a restart
    (a flood of failures, of requests) stays a finding."""
    t1 = T0 + 1800
    early = [(T0 + 4 + i * 0.1, "INFO", f"retrying request {i} to upstream db-1") for i in range(3)]  # (in the head)
    records = _started_apps(T0) + early + _steady(T0 + 10, t1 - 60, 6.0)
    records += [(t1 - 60 + i * 0.5, "INFO", f"retrying request {i} to upstream db-1") for i in range(60)]
    records += [(t1, "INFO", "SIGTERM received - shutting down")]
    records += _started_apps(t1 + 900) + _steady(t1 + 905, t1 + 2400, 6.0, first=400)
    rep, _lines = _report(records)
    assert [a for a in _of(rep, BURST) if "retrying request" in a.description]


def test_a_start_banner_mined_beside_its_stop_banner_still_opens_the_file() -> None:
    """An IDE writes "---- IDE STARTED ----" first and "---- IDE SHUTDOWN ----" when it stops: one cluster of two
    variants. The file's first message is a message of its own where its variant holds half its cluster's records or
    more (three records were more than a small file's rare count: no restart, no stop told)."""
    rule = "-" * 30
    records = [(T0, "INFO", f"{rule} IDE STARTED {rule}"), (T0 + 1, "INFO", "IDE: IntelliJ IDEA (build #IU-233.14475)")]
    records += _steady(T0 + 5, T0 + 300, 6.0)  # (a small file: about 100 records, 2 of a message are rare)
    records += [(T0 + 601, "INFO", f"{rule} IDE SHUTDOWN {rule}")]
    records += [
        (T0 + 1200, "INFO", f"{rule} IDE STARTED {rule}"),
        (T0 + 1201, "INFO", "IDE: IntelliJ IDEA (build #IU-233.14475)"),
    ]
    records += _steady(T0 + 1205, T0 + 1500, 6.0, first=200)
    rep, lines = _report(records)
    (restart,) = _of(rep, RESTART)
    assert lines[restart.line_numbers[0] - 1].endswith(f"{rule} IDE STARTED {rule}")
    assert restart.line_numbers[0] > 2


def test_a_go_panic_over_a_crash_signal_is_a_crash() -> None:
    """Go's runtime reports a nil dereference as "panic: runtime error: ..." over "[signal SIGSEGV: segmentation
    violation ...]" and the goroutines, then exits: the exception group named SIGSEGV as its root cause, yet no stop was
    told (the template's own words name no signal)."""
    records = _steady(T0, T0 + 600, 10.0)
    lines = [_line(t, lv, msg) for t, lv, msg in records]
    crash_at = len(lines) + 1
    lines += [
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x28 pc=0x1f3c4a7]",
        "",
        "goroutine 211 [running]:",
        "github.com/acme/agent/outputs.(*pusher).send(0xc000a1e000)",
        "\t/go/src/github.com/acme/agent/outputs/pusher.go:237 +0x4a7",
        "created by github.com/acme/agent/outputs.NewPusher in goroutine 1",
        "\t/go/src/github.com/acme/agent/outputs/pusher.go:88 +0x2c5",
    ]
    lines += [_line(t, lv, msg) for t, lv, msg in _steady(T0 + 900, T0 + 1500, 10.0, first=60)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    crashes = [a for a in _of(rep, SHUTDOWN) if a.description.startswith("crash at line")]
    assert [a.line_numbers[0] for a in crashes] == [crash_at], [a.description for a in rep.anomalies]


_GO_STACKS = [
    "goroutine 4821 [running]:",
    "github.com/acme/store/server.(*Server).snapshot.func1(0xc0002a2000)",
    "\t/go/src/github.com/acme/store/server/server.go:1734 +0x6a9",
    "created by github.com/acme/store/server.(*Server).snapshot in goroutine 1",
    "\t/go/src/github.com/acme/store/server/server.go:1714 +0xfb",
]


@pytest.mark.parametrize(
    ("report", "ends"),
    [
        # Go's panic nothing recovered: the runtime writes the goroutines' stacks after a blank line, and exits.
        (
            [
                "panic: unexpected create snapshot error write /var/lib/store/snap.tmp: no space left on device",
                "",
                *_GO_STACKS,
            ],
            True,
        ),
        # .NET ends the process on an unhandled exception, whatever thread threw it.
        (
            [
                "Unhandled exception. System.InvalidOperationException: The pool is closed.",
                "   at Acme.Store.Pool.Rent() in /src/Pool.cs:line 41",
                "   at Acme.Store.Program.Main(String[] args) in /src/Program.cs:line 12",
            ],
            True,
        ),
        # Rust's main thread panics: the process exits.
        (["thread 'main' panicked at src/store.rs:41:9:", "store closed: no space left on device"], True),
        # Another thread's panic ends that thread only.
        (["thread 'tokio-runtime-worker' panicked at src/store.rs:41:9:", "store closed"], False),
        # The JVM lives on while a thread its main started runs (a server's threads go on logging).
        (
            [
                'Exception in thread "main" java.lang.IllegalStateException: store closed',
                "\tat com.acme.store.Pool.rent(Pool.java:41)",
                "\tat com.acme.store.Main.main(Main.java:12)",
            ],
            False,
        ),
        # A program's message about a panic, with a stack it printed itself (debug.Stack(), no blank line): no end.
        (
            [
                "panic: unexpected create snapshot error write /var/lib/store/snap.tmp: no space left on device",
                *_GO_STACKS,
            ],
            False,
        ),
    ],
)
def test_a_runtime_report_of_a_crash_that_ends_the_process_is_a_crash(report: list[str], ends: bool) -> None:
    """etcd's "panic: unexpected create snapshot error ...: no space left on device" over its goroutines (a panic of
    its own, no crash signal), then the start banner: a restart with no crash told, the panic only an ERROR."""
    lines = [_line(t, lv, msg) for t, lv, msg in _steady(T0, T0 + 600, 10.0)]
    crash_at = len(lines) + 1
    lines += report
    lines += [_line(t, lv, msg) for t, lv, msg in _steady(T0 + 900, T0 + 1500, 10.0, first=60)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    crashes = [a.line_numbers[0] for a in _of(rep, SHUTDOWN) if a.description.startswith("crash at line")]
    assert crashes == ([crash_at] if ends else []), [a.description for a in rep.anomalies]


def test_a_start_saying_the_last_run_was_not_shut_down_tells_no_stop() -> None:
    """MySQL's crash recovery writes "Database was not shutdown normally!" as it starts: a stop word denied (a report of
    how the last run ended), told as a stop where it closed the file."""
    records = _steady(T0, T0 + 600, 10.0)
    records.append((T0 + 601, "INFO", "InnoDB: Database was not shutdown normally!"))
    rep, _lines = _report(records)
    assert _of(rep, SHUTDOWN) == [], [a.description for a in rep.anomalies]


def test_a_version_every_record_writes_announces_no_start() -> None:
    """Kibana's ECS documents carry "ecs":{"version":"8.11.0"} on every record: "Starting saved objects migrations",
    18 s into the one start, was a process start "not at the beginning of the file" (Nextcloud's "starting upgrade"
    too)."""

    def doc(t: float, message: str) -> str:
        stamp = f"{datetime.fromtimestamp(t, UTC):%Y-%m-%dT%H:%M:%S.000Z}"
        return json.dumps({"ecs": {"version": "8.11.0"}, "@timestamp": stamp, "message": message, "log.level": "info"})

    lines = [doc(T0, "Kibana is starting")]
    lines += [doc(T0 + 2 + i, f"Loaded plugin number {i} of 40 ({'abcdefgh'[i % 8]}-service)") for i in range(40)]
    lines.append(doc(T0 + 60, "Starting saved objects migrations"))
    lines += [doc(T0 + 70 + 5 * i, f"GET /api/status 200 {3 + i % 7}ms") for i in range(60)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _of(rep, RESTART) == [], [a.description for a in rep.anomalies]


def test_an_erlang_process_id_is_no_version() -> None:
    """Couchbase's header names the Erlang process, "<0.2266.0>": read as a version, a rare "Starting failover with
    Nodes = [...]" was a process start."""
    lines = [_line(t, lv, msg) for t, lv, msg in _steady(T0, T0 + 3600, 5.0)]
    lines.insert(300, _line(T0 + 1501, "INFO", "<0.2266.0>:failover:97] Starting failover with Nodes = ['ns_1@cb-3']"))
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _of(rep, RESTART) == [], [a.description for a in rep.anomalies]


def test_one_crash_told_in_several_messages_is_one_finding() -> None:
    """fly.io's proxy wrote "Out of memory: Killed process 512 (gunicorn)", then "Process appears to have been OOM
    killed!", then "Reaped child process with pid: 512 and signal: SIGKILL, core dumped? false": three crash findings a
    line apart. Crash messages all of whose records follow another's within a few lines are that crash, told once."""
    records = _steady(T0, T0 + 1800, 5.0)
    for k, t in enumerate((T0 + 600, T0 + 1200)):
        records += [
            (t + 0.1, "ERROR", f"Out of memory: Killed process {512 + k} (gunicorn) total-vm:812344kB"),
            (t + 0.2, "INFO", "Process appears to have been OOM killed!"),
        ]
    rep, _lines = _report(sorted(records))
    crashes = [a for a in _of(rep, SHUTDOWN) if "crash" in a.description]
    assert len(crashes) == 1, [a.description for a in crashes]
    assert "with 2 more crash messages at line(s)" in crashes[0].description, crashes[0].description
    # (The messages it tells are told: none of them is one "of no level that states a failure" in the summary.)
    assert not [c.text for c in rep.summary.claims if "OOM killed" in c.text], [c.text for c in rep.summary.claims]


def test_a_crash_message_told_with_the_first_is_no_failure_of_its_own_in_the_summary() -> None:
    """Xorg's "Segmentation fault at address 0x0", then "Caught signal 11 (Segmentation fault). Server aborting": told
    as one crash, the second message was listed again among the "records of no level that state a failure"."""
    lines = [f"[ {100 + i}.{i:03d}] (II) modeset(0): Output HDMI-{i % 3} connected, mode {i}" for i in range(60)]
    lines += [
        "[   170.551] Segmentation fault at address 0x0",
        "[   170.551] ",
        "[   170.552] Caught signal 11 (Segmentation fault). Server aborting",
    ]
    lines += [f"[ {171 + i}.{i:03d}] (II) modeset(0): Output DP-{i % 2} disconnected" for i in range(10)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    crashes = [a for a in _of(rep, SHUTDOWN) if "crash" in a.description]
    assert len(crashes) == 1 and "1 more crash message" in crashes[0].description, [a.description for a in crashes]
    assert not [c.text for c in rep.summary.claims if "Caught signal" in c.text], [c.text for c in rep.summary.claims]


def test_a_versioned_start_after_the_stop_of_a_program_whose_header_numbers_its_backends_is_a_start() -> None:
    """PostgreSQL's header numbers each backend ("[38654]"): many processes write at once, so the postmaster's "database
    system is shut down" ([941]) and the next postmaster's "starting PostgreSQL 15.6" ([1023]) were two processes, and
    the start was told nowhere, the file not having begun with it (MariaDB's thread numbers alike: "Starting MariaDB
    10.6.16 ... as process 168042")."""

    def pg(t: float, pid: int, text: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S}.123 UTC [{pid}] LOG:  {text}"

    def traffic(t: float, pid: int) -> list[str]:
        return [
            pg(t, pid, f"connection received: host=10.0.4.{pid % 9} port={40000 + pid % 999}"),
            pg(t + 1, pid, "connection authorized: user=app database=shop application_name=orders-api"),
            pg(t + 3, pid, f"duration: {pid % 97}.125 ms  statement: SELECT * FROM orders WHERE id = {pid}"),
            pg(t + 4, pid, f"disconnection: session time: 0:00:04.{pid % 900:03d} user=app database=shop"),
        ]

    lines = [x for i in range(20) for x in traffic(T0 + 10 * i, 20000 + 37 * i)]
    lines += [pg(T0 + 500, 941, "received fast shutdown request"), pg(T0 + 500, 943, "shutting down")]
    lines += [pg(T0 + 501, 941, "database system is shut down")]
    start = len(lines) + 1
    lines += [
        pg(
            T0 + 540,
            1023,
            "starting PostgreSQL 15.6 (Debian 15.6-1.pgdg120+2) on x86_64-pc-linux-gnu, compiled by gcc "
            "(Debian 12.2.0-14) 12.2.0, 64-bit",
        )
    ]
    lines += [pg(T0 + 541, 1023, "database system is ready to accept connections")]
    lines += [x for i in range(20) for x in traffic(T0 + 550 + 10 * i, 30000 + 41 * i)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert [a.line_numbers[0] for a in _of(rep, RESTART)] == [start], [a.description for a in rep.anomalies]


def test_a_start_sequence_flooded_again_after_a_restart_is_a_finding_but_no_summary_line() -> None:
    """Zabbix starts by writing "server #N started [poller #3]" for each of its 30 processes: after its restart the
    same flood was the summary's "Burst of ... 29 records in the 32 s", beside the restart that tells it. It stays a
    finding, ranked as routine; the summary leaves it out."""

    def start(t: float) -> list[tuple[float, str, str]]:
        banner = [(t, "INFO", "Starting Zabbix Server. Zabbix 6.0.27 (revision 4c2ba0b5da6).")]
        return banner + [(t + 1 + k / 10, "INFO", f"server #{k} started [poller #{k % 7}]") for k in range(30)]

    records = start(T0) + _steady(T0 + 10, T0 + 3000, 10.0)
    records += [(T0 + 3000, "INFO", "Got signal [signal:15(SIGTERM)]. Exiting ...")]
    records += start(T0 + 3300) + _steady(T0 + 3310, T0 + 6000, 10.0, first=300)
    rep, lines = _report(records)
    bursts = _of(rep, BURST)
    assert [lines[a.line_numbers[0] - 1].split(" ", 4)[4] for a in bursts][:1] == ["server #0 started [poller #0]"]
    assert all(a.routine for a in bursts)
    assert _of(rep, RESTART), [a.description for a in rep.anomalies]
    assert not [c.text for c in rep.summary.claims if c.text.startswith("Burst of")]


def test_a_burst_of_lines_that_say_nothing_is_no_finding() -> None:
    """A serial monitor stamps the empty lines a device prints ("14:07:22.100 -> "): 'burst of "": 10 records in 4 s'
    were two of a file's four findings."""
    lines = [f"{datetime.fromtimestamp(T0 + 5 * i, UTC):%H:%M:%S}.100 -> temp={20 + i % 7} C" for i in range(300)]
    lines[150:150] = [f"{datetime.fromtimestamp(T0 + 750 + i / 10, UTC):%H:%M:%S}.100 -> " for i in range(40)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert not [a.description for a in _of(rep, BURST) if '""' in a.description]


def test_a_banner_its_source_wrote_before_is_a_restart_though_the_source_wrote_little() -> None:
    """KrakenD writes its own lines as "[KRAKEND] ..." among its router's "[GIN] ..." access lines: its "Starting
    KrakenD v2.7.2" after its stop and 16 minutes of silence was read as the first start of a source that had written
    fewer than NEAR_LINES lines (a compose service's first start), and no restart was told."""

    def own(t: float, text: str) -> str:
        return f"[KRAKEND] {datetime.fromtimestamp(t, UTC):%Y/%m/%d - %H:%M:%S}.512 ▶ INFO {text}"

    def gin(t: float, i: int) -> str:
        return (
            f"[GIN] {datetime.fromtimestamp(t, UTC):%Y/%m/%d - %H:%M:%S} | 200 |   {i % 90}.48ms |"
            f'      10.42.4.{i % 50} | GET     "/v1/catalog/{i}"'
        )

    def start(t: float) -> list[str]:
        return [own(t, "Starting KrakenD v2.7.2"), own(t, "Working config is /etc/krakend/krakend.json")]

    lines = start(T0) + [gin(T0 + 5 + 3 * i, i) for i in range(150)]
    lines += [own(T0 + 500, "[SERVICE: Gin] Shutting down the server"), own(T0 + 501, "[SERVICE: Gin] Server stopped")]
    again = len(lines) + 1
    lines += start(T0 + 1500) + [gin(T0 + 1505 + 3 * i, i) for i in range(150)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert [a.line_numbers[0] for a in _of(rep, RESTART)] == [again], [a.description for a in rep.anomalies]


def _syslog(t: float, host: str, tag: str, text: str) -> str:
    return f"{datetime.fromtimestamp(t, UTC):%b %d %H:%M:%S} {host} {tag}: {text}"


def _node_traffic(host: str, start: float, count: int, step: float, first: int = 0) -> list[str]:
    """Two daemons of a node writing at once, each under its own id: ``count`` lines of each, ``step`` seconds apart."""
    lines: list[str] = []
    for i in range(first, first + count):
        t = start + step * (i - first)
        lines.append(_syslog(t, host, "chronyd[812]", f"Selected source 10.0.0.{i % 4} (ntp{i % 4}.example.net)"))
        lines.append(_syslog(t + 5, host, "systemd-logind[1002]", f"New session {5000 + 37 * i} of user oracle."))
    return lines


def test_a_syslog_tag_without_a_process_id_names_its_program() -> None:
    """iscsid tags its syslog lines "iscsid:" without its id: its "iscsid shutting down." among a node's programs was
    no stop (many processes write there, and no start of the same program followed: no program was named), and its
    "iSCSI daemon with pid=418232 started!" no start. RFC 3164's TAG is the program's name."""
    host = "kvm-node07"
    lines = _node_traffic(host, T0, 60, 20)
    stop = len(lines) + 2
    lines += [
        _syslog(T0 + 1300, host, "systemd[1]", "Stopping iscsid.service - iSCSI initiator daemon..."),
        _syslog(T0 + 1300, host, "iscsid", "iscsid shutting down."),
        _syslog(T0 + 1300, host, "systemd[1]", "Stopped iscsid.service - iSCSI initiator daemon."),
        _syslog(T0 + 1301, host, "systemd[1]", "Starting iscsid.service - iSCSI initiator daemon..."),
        _syslog(T0 + 1301, host, "iscsid", "iSCSI daemon with pid=418232 started!"),
    ]
    lines += _node_traffic(host, T0 + 1310, 60, 20, first=60)
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=T0 + 86400)
    assert [a.line_numbers[0] for a in _of(rep, SHUTDOWN)] == [stop], [a.description for a in rep.anomalies]
    assert _of(rep, RESTART), [a.description for a in rep.anomalies]


def test_a_unit_stopped_and_started_again_by_its_service_manager_is_a_restart() -> None:
    """systemd stops and starts multipathd: "Stopping Device-Mapper Multipath Device Controller...", multipathd's own
    "--------shut down-------", "Stopped ...", "Starting Device-Mapper Multipath Device Controller...". Each stop
    word is a weak one and the start names no version: no stop, no start was told. A start message right after a weak
    stop of the same process that names the same thing confirms the stop and is a start."""
    host = "oradb01"
    lines = _node_traffic(host, T0, 60, 30)
    stop = len(lines) + 1
    unit = "Device-Mapper Multipath Device Controller"
    lines += [
        _syslog(T0 + 1800, host, "systemd[1]", f"Stopping {unit}..."),
        _syslog(T0 + 1800, host, "multipathd[1043]", "--------shut down-------"),
        _syslog(T0 + 1800, host, "systemd[1]", f"Stopped {unit}."),
        _syslog(T0 + 1800, host, "systemd[1]", f"Starting {unit}..."),
        _syslog(T0 + 1800, host, "multipathd[418822]", "read /etc/multipath.conf"),
        _syslog(T0 + 1801, host, "systemd[1]", f"Started {unit}."),
    ]
    lines += _node_traffic(host, T0 + 1810, 60, 30, first=60)
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=T0 + 86400)
    assert [a.line_numbers[0] for a in _of(rep, SHUTDOWN)] == [stop], [a.description for a in rep.anomalies]
    assert [a.line_numbers[0] for a in _of(rep, RESTART)] == [stop + 3], [a.description for a in rep.anomalies]


def test_a_file_busy_for_a_minute_then_silent_until_its_end_tells_the_silence() -> None:
    """A CI job's log: its tests write 100 lines in 40 seconds, then nothing for 17 minutes until the runner's timeout
    cancels the job. Too few whole buckets are busy for a usual rate; the one gap, many times every other pause, is
    still a silence (the hang the job died of was told nowhere). Two runs of a job six hours apart, or a few lines
    at a start and a stop an hour apart, are no such file: no silence. A stop word negated is no stop ("operations
    that weren't stopped in your tests")."""
    recs = [(T0 + k * 0.4, "INFO", f"PASS src/suite{k}.test.ts ({k % 7}.{k % 10} s)") for k in range(100)]
    recs.append((T0 + 40.5, "INFO", "This usually means that there are asynchronous operations that weren't stopped"))
    recs += [
        (T0 + 17 * 60 + 40 + k, "ERROR", f"The job has exceeded the maximum execution time ({k})") for k in range(3)
    ]
    rep, _lines = _report(recs)
    silences = _of(rep, SILENCE)
    assert [list(a.line_numbers) for a in silences] == [[101, 102]], [a.description for a in rep.anomalies]
    assert "17 min" in silences[0].description
    assert not _of(rep, SHUTDOWN), [a.description for a in _of(rep, SHUTDOWN)]
    nightly = [
        (T0 + k * 0.4 + night * 6 * 3600, "INFO", f"copied file{k}.dat ({night})")
        for night in (0, 1)
        for k in range(100)
    ]
    rep, _lines = _report(nightly)
    assert not _of(rep, SILENCE), [a.description for a in _of(rep, SILENCE)]  # a job's two runs: its usual pause
    few = [(T0 + k, "INFO", f"step {k} begins") for k in range(5)]
    few += [(T0 + 3600 + k, "INFO", f"step {k} ends") for k in range(5)]
    rep, _lines = _report(few)
    assert not _of(rep, SILENCE), [a.description for a in _of(rep, SILENCE)]


def _drawn_banner_start(t: float) -> list[str]:
    """A server's start as Qdrant writes it: its name drawn in characters (no letters), its version, then its lines."""
    art = [
        "           _                 _    ",
        "  __ _  __| |_ __ __ _ _ __ | |_  ",
        " / _` |/ _` | '__/ _` | '_ \\| __| ",
    ]
    art += [
        "| (_| | (_| | | | (_| | | | | |_  ",
        " \\__, |\\__,_|_|  \\__,_|_| |_|\\__| ",
        "    |_|                           ",
    ]
    start = [
        "Loading raft state from ./storage/raft_state.json",
        "Distributed mode disabled",
        "TLS disabled for REST API",
    ]
    stamp = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.118204Z")
    return [*art, "", "Version: 1.8.1, build: 3fbe1cae", "", *(f"{stamp}  INFO qdrant: {m}" for m in start)]


def test_a_start_whose_name_is_drawn_in_characters_over_its_version_is_told_again_after_a_crash() -> None:
    """Records of no words that open the file (a name drawn in characters) are no part of where its head is measured
    from: they pushed the version line under them out of the head, so it was no banner, and the start written again
    after a panic was no restart (no finding at all)."""
    lines = _drawn_banner_start(T0)
    for i in range(70):
        stamp = datetime.fromtimestamp(T0 + 10 + 20 * i, UTC).strftime("%Y-%m-%dT%H:%M:%S.118204Z")
        lines.append(f'{stamp}  INFO actix_web::middleware::logger: 10.95.4.{i % 200} "PUT /points HTTP/1.1" 200 82')
    stamp = datetime.fromtimestamp(T0 + 1500, UTC).strftime("%Y-%m-%dT%H:%M:%S.118204Z")
    lines.append(f"{stamp} ERROR qdrant::startup: Panic occurred in file lib/segment/src/segment.rs at line 1843")
    again = len(lines) + 1
    lines += _drawn_banner_start(T0 + 1800)
    for i in range(10):
        stamp = datetime.fromtimestamp(T0 + 1810 + 20 * i, UTC).strftime("%Y-%m-%dT%H:%M:%S.118204Z")
        lines.append(f'{stamp}  INFO actix_web::middleware::logger: 10.95.4.{i % 200} "PUT /points HTTP/1.1" 200 82')
    rep = analyze([("\n".join(lines) + "\n").encode()])
    restarts = _of(rep, RESTART)
    assert [a.line_numbers[0] for a in restarts] == [again + 7], [a.description for a in rep.anomalies]
    assert "Version: <*>, build: <*>" in restarts[0].description


def test_a_stop_word_in_a_condition_tells_no_stop() -> None:
    """Keycloak warns at every start "..., otherwise data may be lost if the application is terminated abruptly": what
    would happen, not a stop that came (two stops and a "process start after the stop at line 12" were told). The
    real stop, "Keycloak stopped in 0.112s", and the start after it stay (the false stops were at both warnings)."""

    def run(t: float) -> list[str]:
        out = [_line(t, "INFO", "Hostname settings: Hostname: sso.example.com")]
        out.append(
            _line(
                t + 3,
                "WARN",
                "Datasource <default> enables XA but transaction recovery is not enabled. Please enable it, otherwise "
                "data may be lost if the application is terminated abruptly",
            )
        )
        out.append(_line(t + 8, "INFO", "Keycloak 24.0.5 on JVM (powered by Quarkus 3.8.4) started in 9.1s."))
        out += [_line(t + 10 + k * 20, "INFO", f"login ok for user{k % 7}") for k in range(60)]
        return out

    lines = ["Updating the configuration and installing your custom providers, if any. Please wait."]
    lines += [_line(T0 - 2, "INFO", "Quarkus augmentation completed in 9876ms")]
    lines += [*run(T0), _line(T0 + 1300, "INFO", "Keycloak stopped in 0.112s"), *run(T0 + 1600)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    stops = [a.line_numbers[0] for a in rep.anomalies if a.kind == SHUTDOWN]
    assert stops == [66], [a.description for a in rep.anomalies]
    restarts = [a.line_numbers[0] for a in rep.anomalies if a.kind == RESTART]
    assert restarts == [69], [a.description for a in rep.anomalies]


def test_a_crash_ranks_before_a_stop_that_was_asked_for() -> None:
    """A node's operator rebooted it (five stop messages: "Stopping ...", "Handling signal: term", "Shutting down:
    Master", ...) after the kernel had killed the service for memory (one message): the stop, scored by its messages,
    came first and the OOM kill went into "3 more stops". A process's death ranks before stops that were asked for."""
    records = _steady(T0, T0 + 3600, 20)
    crash_at = T0 + 1200
    records.append((crash_at, "ERROR", "Out of memory: Killed process 1853 (python3) total-vm:812345kB"))
    stop_at = T0 + 2400
    for k, msg in enumerate(
        ["Stopping shop.service...", "Handling signal: term", "Shutting down: Master", "exiting now", "Stopped shop."]
    ):
        records.append((stop_at + k, "INFO", msg))
    records.sort(key=lambda r: r[0])
    rep, _lines = _report(records)
    stops = _of(rep, SHUTDOWN)
    assert len(stops) >= 2, [a.description for a in stops]
    assert stops[0].description.startswith("crash at line"), [a.description for a in stops]


def test_a_start_whose_first_message_is_at_crit_is_seen_again_as_a_restart() -> None:
    """supervisord opens each start with notices at CRIT ("Supervisor is running as root. Privileges were not
    dropped ...") before "supervisord started with pid 1": its restart after a SIGTERM was not seen, since a start is
    announced, not reported as an error. The file's first record opens a start at any level where the messages that
    followed it follow it again."""

    def start(t: float) -> list[tuple[float, str, str]]:
        return [
            (t, "CRIT", "Supervisor is running as root.  Privileges were not dropped because no user is specified"),
            (t + 0.1, "INFO", "Included extra file /etc/supervisor/conf.d/app.conf during parsing"),
            (t + 0.2, "CRIT", "Server 'unix_http_server' running without any HTTP authentication checking"),
            (t + 0.3, "INFO", "supervisord started with pid 1"),
        ]

    stop_at = T0 + 2400
    records = start(T0) + _steady(T0 + 1, stop_at, 20)
    records += [(stop_at, "WARN", "received SIGTERM indicating exit request"), (stop_at + 1, "INFO", "stopped: app")]
    records += start(stop_at + 420) + _steady(stop_at + 421, stop_at + 3600, 20, first=500)
    rep, lines = _report(records)
    again = next(i for i, line in enumerate(lines, 1) if i > 1 and "Supervisor is running as root" in line)
    restarts = _of(rep, RESTART)
    assert any(a.line_numbers[0] == again for a in restarts), [a.description for a in rep.anomalies]


def test_a_banner_written_again_on_a_reload_order_is_no_restart() -> None:
    """nginx's master takes SIGHUP as the order to read its configuration again: "signal 1 (SIGHUP) received from
    48211, reconfiguring", then "using the "epoll" event method" and new workers, the master's id the same: this was
    told as a restart. A banner its process writes right after a reload order, no stop or crash between, is no start;
    after "signal 15 (SIGTERM) received ..., exiting" it is one."""

    def nginx(t: float, pid: int, text: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%Y/%m/%d %H:%M:%S} [notice] {pid}#{pid}: {text}"

    def start(t: float, pid: int) -> list[str]:
        return [nginx(t, pid, 'using the "epoll" event method'), nginx(t, pid, "nginx/1.24.0")]

    def work(t0: float, pid: int, n: int) -> list[str]:
        return [nginx(t0 + 30 * i, pid, f"start worker process {pid + 1 + i % 4}") for i in range(n)]

    lines = start(T0, 1233) + work(T0 + 1, 1233, 100)
    reload_at = T0 + 3100
    lines += [nginx(reload_at, 1233, "signal 1 (SIGHUP) received from 48211, reconfiguring")]
    reload_line = len(lines) + 1
    lines += start(reload_at, 1233) + work(reload_at + 1, 1233, 100)
    stop_at = reload_at + 3100
    lines += [nginx(stop_at, 1233, "signal 15 (SIGTERM) received from 1, exiting")]
    restart_line = len(lines) + 1
    lines += start(stop_at + 60, 1450) + work(stop_at + 61, 1450, 100)
    rep = analyze([("\n".join(lines) + "\n").encode()])
    restarts = [a for a in rep.anomalies if a.kind == RESTART]
    assert [a.line_numbers[0] for a in restarts] == [restart_line], [a.description for a in rep.anomalies]
    assert reload_line not in {ln for a in restarts for ln in a.line_numbers}


def test_a_new_master_writing_the_stopped_masters_banner_is_its_restart() -> None:
    """Apache's master (pid 1200) writes "Apache/2.4.58 (Ubuntu) OpenSSL/3.0.13 configured -- resuming normal
    operations" at its start and at a graceful restart, its workers (other pids) write the traffic; after "caught
    SIGTERM, shutting down" a new master (pid 2301) writes it. Neither the stop nor the restart was found: a product
    token's "/2.4.58" was no version announced, the header's thread id after "pid 1200:" was read as the process's,
    and in a file of many processes a start was tied to a stop only under one id. The new id writing the banner the
    stopped process wrote is the new process in its part; the graceful restart (same master) is none."""

    def apache(t: float, module: str, pid: int, tid: int, text: str) -> str:
        stamp = datetime.fromtimestamp(t, UTC)
        return f"[{stamp:%a %b %d %H:%M:%S}.{stamp.microsecond:06d} {stamp:%Y}] [{module}] [pid {pid}:tid {tid}] {text}"

    def start(t: float, pid: int, tid: int) -> list[str]:
        return [
            apache(t, "ssl:warn", pid, tid, "AH01909: www.example.com:443:0 server certificate does NOT include an ID"),
            apache(t, "mpm_event:notice", pid, tid, "AH00489: Apache/2.4.58 (Ubuntu) configured -- resuming normal"),
            apache(t, "core:notice", pid, tid, "AH00094: Command line: '/usr/sbin/apache2'"),
        ]

    def work(t0: float, workers: list[int], n: int) -> list[str]:
        return [
            apache(
                t0 + 20 * i,
                "authz_core:error",
                workers[i % len(workers)],
                140244948776640 + i % 3,
                f"[client 198.51.100.{i % 200 + 1}:{40000 + i}] AH01630: client denied by server configuration: /.env",
            )
            for i in range(n)
        ]

    unclean = "AH00098: pid file /run/a.pid overwritten -- Unclean shutdown of previous Apache run?"
    lines = [apache(T0, "core:warn", 1200, 7001, unclean)]
    lines += start(T0, 1200, 7001) + work(T0 + 1, [1234, 1235, 1236], 90)
    lines += [apache(T0 + 2000, "mpm_event:notice", 1200, 7001, "AH00493: SIGUSR1 received.  Doing graceful restart")]
    graceful = len(lines) + 2
    lines += start(T0 + 2000, 1200, 7001) + work(T0 + 2001, [1311, 1312, 1313], 90)
    stop_line = len(lines) + 1
    lines += [apache(T0 + 4000, "mpm_event:notice", 1200, 7001, "AH00491: caught SIGTERM, shutting down")]
    restart_line = len(lines) + 2
    lines += start(T0 + 4002, 2301, 9002) + work(T0 + 4003, [2302, 2303, 2304], 90)
    rep = analyze([("\n".join(lines) + "\n").encode()])
    restarts = [a for a in rep.anomalies if a.kind == RESTART]
    assert [a.line_numbers[0] for a in restarts] == [restart_line], [a.description for a in rep.anomalies]
    assert f"after the stop at line {stop_line}" in restarts[0].description
    assert graceful not in {ln for a in restarts for ln in a.line_numbers}


def test_a_start_confirms_the_stop_right_before_it_not_an_earlier_one() -> None:
    """keepalived's "VRRP_Script(chk_haproxy) failed (exited with status 1)" (a health check's script ended, the
    daemon writing on under its id) was a stop: the restart 33 lines later confirmed it, though the operator's
    "Stopping Keepalive Daemon" came between. A start confirms the stop it follows, not one of an earlier episode."""

    def syslog(t: float, tag: str, text: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%b %d %H:%M:%S} lb1 {tag}: {text}".replace(" 0", "  ", 1)

    def start(t: float, pid: int) -> list[str]:
        return [
            syslog(t, "systemd[1]", "Starting Keepalive Daemon (LVS and VRRP)..."),
            syslog(t, f"Keepalived[{pid}]", "Starting Keepalived v2.2.4 (08/21,2021)"),
        ]

    def work(t0: float, pid: int, n: int) -> list[str]:
        return [
            syslog(t0 + 15 * i, f"Keepalived_vrrp[{pid}]", f"Sending gratuitous ARP on eth0 for 10.0.{i}.1")
            for i in range(n)
        ]

    lines = start(T0, 1021) + work(T0 + 1, 1023, 40)
    script_line = len(lines) + 1
    lines += [syslog(T0 + 700, "Keepalived_vrrp[1023]", "VRRP_Script(chk_haproxy) failed (exited with status 1)")]
    lines += [syslog(T0 + 700, "Keepalived_vrrp[1023]", "(VI_1) Entering FAULT STATE")]
    lines += work(T0 + 760, 1023, 40)
    stop_line = len(lines) + 1
    lines += [syslog(T0 + 1500, "systemd[1]", "Stopping Keepalive Daemon (LVS and VRRP)...")]
    lines += [syslog(T0 + 1500, "Keepalived[1021]", "Stopped Keepalived v2.2.4 (08/21,2021)")]
    lines += start(T0 + 1502, 2410) + work(T0 + 1503, 2412, 40)
    rep = analyze([("\n".join(lines) + "\n").encode()])
    stops = [a for a in rep.anomalies if a.kind == SHUTDOWN]
    assert stop_line in {ln for a in stops for ln in a.line_numbers}, [a.description for a in rep.anomalies]
    assert script_line not in {ln for a in rep.anomalies for ln in a.line_numbers}, [a.description for a in stops]


def test_a_stop_message_written_again_after_a_failed_start_leaves_the_first_stop_a_stop() -> None:
    """Quarkus: "payment-gateway stopped in 0.061s" (the shutdown), a start that failed ("Failed to start
    application") and its own "stopped in 0.012s", then the start: both are stops. The same stop message again is the
    same process stopping again, not another stop that the start follows instead."""
    lines = [_line(T0, "INFO", "payment-gateway 2.4.0 on JVM started in 1.234s. Listening on: http://0.0.0.0:8080")]
    lines += [_line(T0 + 20 * i, "INFO", f"Payment p-{i} captured: amount={i}.00 currency=EUR") for i in range(1, 60)]
    first_stop = len(lines) + 1
    lines += [_line(T0 + 1300, "INFO", "payment-gateway stopped in 0.061s")]
    lines += [_line(T0 + 1310, "INFO", "Flyway Community Edition 9.22.3 by Redgate")]
    lines += [_line(T0 + 1320, "ERROR", "Failed to start application (with profile [prod])")]
    lines += [_line(T0 + 1320, "INFO", f"pool {k} closed") for k in range(25)]
    second_stop = len(lines) + 1
    lines += [_line(T0 + 1321, "INFO", "payment-gateway stopped in 0.012s")]
    lines += [
        _line(T0 + 1360, "INFO", "payment-gateway 2.4.0 on JVM started in 1.871s. Listening on: http://0.0.0.0:8080")
    ]
    lines += [
        _line(T0 + 1360 + 20 * i, "INFO", f"Payment q-{i} captured: amount={i}.00 currency=EUR") for i in range(1, 60)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    stops = {a.line_numbers[0] for a in rep.anomalies if a.kind == SHUTDOWN}
    assert {first_stop, second_stop} <= stops, [a.description for a in rep.anomalies]


def test_a_stop_of_the_run_before_told_as_this_one_starts_is_no_stop() -> None:
    """Apache's first line, "AH00098: pid file /var/run/apache2.pid overwritten -- Unclean shutdown of previous Apache
    run?", was a stop at line 1: it tells how the run before ended, as this one starts."""
    records = [(T0, "WARN", "pid file /var/run/apache2.pid overwritten -- Unclean shutdown of previous Apache run?")]
    records += _steady(T0 + 1, T0 + 600, 20) + _steady(T0 + 1800, T0 + 5400, 20, first=30)  # a silence after it
    rep, _lines = _report(records)
    assert _of(rep, SILENCE), [a.description for a in rep.anomalies]
    assert not _of(rep, SHUTDOWN), [a.description for a in rep.anomalies]
