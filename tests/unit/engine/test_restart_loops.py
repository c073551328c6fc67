"""A process that keeps dying and starting again (a crash loop; ``docker logs`` of a container under a restart
policy holds all its runs): its start message is too frequent to be a banner by rarity, yet every start after the
first is a restart. Told once, as a loop, where a message that ends a run takes turns with the start message.

Synthetic lines only; each test states the principle it checks.
"""

from __future__ import annotations

from datetime import UTC, datetime

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze

T0 = datetime(2024, 3, 14, 9, tzinfo=UTC).timestamp()
RESTART = report_pb2.ANOMALY_KIND_RESTART


def _stamp(t: float) -> str:
    return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "Z"


def _runs(
    n: int, last: str, *, end_level: str = "FATAL", timed: bool = True, gap: float = 30.0
) -> tuple[list[str], list[int]]:
    """``n`` runs of a service that fails to reach its broker; each writes its start, four steps, an error, and
    ``last`` at ``end_level`` (no record when empty). Returns the lines and the line of each run's start."""
    lines: list[str] = []
    starts: list[int] = []
    t = T0
    for _ in range(n):
        run = [
            ("INFO", "Starting OrderService v2.4.1 on host orders-7d9f"),
            ("INFO", "Loading configuration from /etc/orders/app.yaml"),
            ("INFO", "Connecting to database postgres://db.internal:5432/orders"),
            ("INFO", "Database pool ready (size=10)"),
            ("INFO", "Connecting to broker amqp://mq.internal:5672"),
            ("ERROR", "Broker connection failed: ACCESS_REFUSED - Login was refused using PLAIN"),
        ]
        if last:
            run.append((end_level, last))
        starts.append(len(lines) + 1)
        for level, message in run:
            lines.append(f"{_stamp(t)} {level:<5} [main] {message}" if timed else f"{level:<5} [main] {message}")
            t += 0.35
        t += gap
    return lines, starts


def _report(lines: list[str]) -> report_pb2.AnalysisReport:
    return analyze([("\n".join(lines) + "\n").encode()])


def _restarts(rep: report_pb2.AnalysisReport) -> list[report_pb2.Anomaly]:
    return [a for a in rep.anomalies if a.kind == RESTART]


def test_a_start_message_that_comes_again_after_each_fatal_exit_is_one_restart_loop() -> None:
    # Twelve runs, each ended by a FATAL "exiting": eleven restarts, told once, citing the second start and the
    # first exit; the summary tells it with the errors.
    lines, starts = _runs(12, "Cannot start without broker, exiting with status 1")
    rep = _report(lines)
    loops = _restarts(rep)
    assert len(loops) == 1, [a.description for a in rep.anomalies]
    loop = loops[0]
    assert loop.description.startswith('restart loop: 11 restarts, "Starting OrderService'), loop.description
    assert f"again at line {starts[1]} and 10 more times up to line {starts[-1]}" in loop.description
    assert 'each after "Cannot start without broker, exiting with status <*>" (FATAL, first at line 7)' in (
        loop.description
    )
    assert loop.line_numbers[0] == starts[1] and 7 in loop.line_numbers
    for ln in loop.line_numbers:  # every cited line is a start again or the exit before the first restart
        text = lines[ln - 1]
        assert ("Starting OrderService" in text and ln != 1) or "exiting with status" in text, (ln, text)
    assert any(c.text.startswith("Restart loop: 11 restarts") for c in rep.summary.claims), [
        c.text for c in rep.summary.claims
    ]


def test_a_restart_loop_is_told_in_a_file_without_times() -> None:
    # Without times there are no buckets: the turns are read from the messages' first records alone.
    lines, starts = _runs(8, "Cannot start without broker, exiting with status 1", timed=False)
    loops = _restarts(_report(lines))
    assert len(loops) == 1 and loops[0].description.startswith("restart loop: 7 restarts"), [
        a.description for a in loops
    ]
    assert loops[0].line_numbers[0] == starts[1]


def test_a_run_ended_by_a_signal_at_info_is_a_restart_loop_too() -> None:
    # A liveness probe that fails kills the container: "Received SIGTERM" at INFO ends each run.
    lines, _starts = _runs(6, "Received SIGTERM, shutting down", end_level="INFO")
    loops = _restarts(_report(lines))
    assert len(loops) == 1 and loops[0].description.startswith("restart loop: 5 restarts"), [
        a.description for a in loops
    ]


def test_a_job_that_starts_and_finishes_cleanly_again_and_again_is_no_restart_loop() -> None:
    # A scheduled job's runs end with a routine message: its start again is the next run, not a restart.
    lines, _starts = _runs(12, "Export finished, 0 orders pending", end_level="INFO")
    assert _restarts(_report(lines)) == []


def test_runs_that_end_without_a_word_are_not_claimed_to_end_with_one() -> None:
    # No message ends each run: nothing says the process died between its starts, and the loop would have to
    # cite a cause it does not have.
    lines, _starts = _runs(12, "")
    assert _restarts(_report(lines)) == []


def test_fatal_records_that_do_not_take_turns_with_the_start_are_no_loop() -> None:
    # A database logs FATAL per refused session: as many of them as starts, but all in one stretch, after the
    # starts: no run ends with one.
    lines, _starts = _runs(10, "", gap=5.0)
    t = T0 + 10_000
    for i in range(10):
        lines.append(f'{_stamp(t + i)} FATAL [conn] password authentication failed for user "app{i}"')
    assert _restarts(_report(lines)) == []


def _kv_store_log() -> list[str]:
    """A key-value store's log as its server writes it (process id and role, day, time, a mark, the message; no
    level word): started, saved twice, failed to save twice, stopped on SIGTERM and started again."""

    def rec(pid: int, role: str, t: float, mark: str, message: str) -> str:
        return f"{pid}:{role} {datetime.fromtimestamp(t, UTC):%d %b %Y %H:%M:%S.%f}"[:-3] + f" {mark} {message}"

    out = [
        rec(1, "C", T0, "#", "oO0OoO0OoO0Oo Server is starting oO0OoO0OoO0Oo"),
        rec(1, "C", T0, "#", "Server version=7.2.4, bits=64, commit=00000000, modified=0, pid=1, just started"),
        rec(1, "M", T0 + 1, "*", "Running mode=standalone, port=6379."),
        rec(1, "M", T0 + 1, "*", "Server initialized"),
        rec(1, "M", T0 + 1, "*", "Ready to accept connections tcp"),
    ]
    t = T0 + 3600
    for i in range(3):
        out.append(rec(1, "M", t, "*", f"{10**i} changes in 3600 seconds. Saving..."))
        out.append(rec(1, "M", t, "*", f"Background saving started by pid {19 + i}"))
        out.append(rec(19 + i, "C", t + 1, "*", "DB saved on disk"))
        out.append(rec(1, "M", t + 1, "*", "Background saving terminated with success"))
        t += 3600
    for _ in range(2):
        out.append(rec(1, "M", t, "*", "100 changes in 300 seconds. Saving..."))
        out.append(rec(1, "M", t, "#", "Can't save in background: fork: Cannot allocate memory"))
        t += 300
    out.append(f"1:signal-handler ({int(t)}) Received SIGTERM scheduling shutdown...")
    out.append(rec(1, "M", t + 1, "#", "User requested shutdown..."))
    out.append(rec(1, "M", t + 1, "#", "Server is now ready to exit, bye bye..."))
    out.append(rec(1, "C", t + 3, "#", "oO0OoO0OoO0Oo Server is starting oO0OoO0OoO0Oo"))
    out.append(
        rec(1, "C", t + 3, "#", "Server version=7.2.4, bits=64, commit=00000000, modified=0, pid=1, just started")
    )
    out.append(rec(1, "M", t + 4, "*", "Server initialized"))
    out.append(rec(1, "M", t + 4, "*", "Ready to accept connections tcp"))
    return out


def test_a_short_file_that_stops_on_a_signal_and_starts_again_is_told_so() -> None:
    # 31 records: a banner twice is no longer too frequent for a file this short (a start is written once per
    # start, whatever the file's length); the restart follows the SIGTERM, not the saves that "terminated with
    # success" hours before it.
    lines = _kv_store_log()
    rep = _report(lines)
    restarts = _restarts(rep)
    start_again = [i for i, line in enumerate(lines, 1) if "is starting" in line][1]
    assert len(restarts) == 1 and restarts[0].line_numbers[0] == start_again, [a.description for a in rep.anomalies]
    stops = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    signal_at = next(i for i, line in enumerate(lines, 1) if "SIGTERM" in line)
    assert [a.line_numbers[0] for a in stops] == [signal_at], [a.description for a in stops]
    # The start again is not timed before the stop it follows (its own time is not held: the latest time held at or
    # before its line is, not its time bucket's start).
    assert restarts[0].start_time.ToSeconds() >= stops[0].start_time.ToSeconds(), (restarts[0], stops[0])


def test_in_a_file_mostly_without_levels_a_message_that_states_a_failure_is_summarised() -> None:
    # The store marks its lines with "*" and "#", no level word: the summary tells its failed saves from their
    # words, with their lines, after the restart and the stop.
    lines = _kv_store_log()
    rep = _report(lines)
    failed = [i for i, line in enumerate(lines, 1) if "Can't save" in line]
    claims = [c for c in rep.summary.claims if "state a failure" in c.text]
    assert len(claims) == 1, [c.text for c in rep.summary.claims]
    assert claims[0].text.startswith("2 records of no level that state a failure: \"Can't save in background")
    assert list(claims[0].line_numbers) == [failed[0], failed[-1]]


def test_in_a_file_with_levels_a_message_without_one_is_not_told_for_its_words() -> None:
    # Where the records carry levels, the level says what went wrong; an unlevelled line with a failure word
    # among them (a program's plain output) is not news by its words alone.
    lines, _starts = _runs(3, "")
    lines.insert(3, "retrying the cache warm-up after a timeout")
    rep = _report(lines)
    assert not [c.text for c in rep.summary.claims if "state a failure" in c.text]


def test_a_loop_quotes_the_last_message_that_ends_a_run_before_the_start_again() -> None:
    # A WSGI server whose worker dies on a missing setting: each run writes a traceback, its worker's exit code,
    # then the master's own stop. The loop is told after the stop the start follows, not the worker's exit.
    lines: list[str] = []
    t = T0
    for run in range(9):
        stamp = f"[{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S} +0000]"
        lines += [
            f"{stamp} [1] [INFO] Starting gunicorn 21.2.0",
            f"{stamp} [1] [INFO] Listening at: http://0.0.0.0:8000 (1)",
            f"{stamp} [7] [INFO] Booting worker with pid: 7",
            f"{stamp} [7] [ERROR] Exception in worker process",
            "Traceback (most recent call last):",
            '  File "/app/shop/settings.py", line 12, in <module>',
            '    SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]',
            "KeyError: 'DJANGO_SECRET_KEY'",
            f"{stamp} [1] [ERROR] Worker (pid:7) exited with code 3",
            f"{stamp} [1] [ERROR] Shutting down: Master",
            f"{stamp} [1] [ERROR] Reason: Worker failed to boot.",
        ]
        t += 10 * 2 ** min(run, 5) + 1
    loops = _restarts(_report(lines))
    assert len(loops) == 1, [a.description for a in loops]
    assert loops[0].description.startswith('restart loop: 8 restarts, "Starting gunicorn <*>" again at line 12')
    assert 'each after "Shutting down: Master" (ERROR, first at line 10)' in loops[0].description


def _database_log() -> list[str]:
    """A database server in a container, as its log reads (time, [process id], level, message): its main process
    is 1 in every run. It starts, serves (a checkpointer writes now and then), is asked to stop, its helper
    processes stop, and it starts again under the same id; each start reports how the last run ended."""

    def rec(t: float, pid: int, level: str, message: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S.%f}"[:-3] + f" UTC [{pid}] {level}:  {message}"

    def start(t: float) -> list[str]:
        return [
            rec(t, 1, "LOG", "starting ShelfDB 16.2 (build 16.2-1) on x86_64-pc-linux-gnu, 64-bit"),
            rec(t, 1, "LOG", 'listening on IPv4 address "0.0.0.0", port 5432'),
            rec(t + 0.1, 29, "LOG", "database system was shut down at 2024-03-14 08:59:58 UTC"),
            rec(t + 0.2, 1, "LOG", "database system is ready to accept connections"),
        ]

    out = start(T0)
    t = T0 + 300
    for i in range(4):
        out.append(rec(t, 27, "LOG", "checkpoint starting: time"))
        out.append(rec(t + 3, 27, "LOG", f"checkpoint complete: wrote {31 + i} buffers"))
        out.append(rec(t + 40, 1042 + i, "ERROR", f'duplicate key value violates unique constraint "k{i}"'))
        t += 300
    out += [
        rec(t, 1, "LOG", "received fast shutdown request"),
        rec(t, 1, "LOG", "aborting any active transactions"),
        rec(t, 1080, "FATAL", "terminating connection due to administrator command"),
        rec(t, 27, "LOG", "shutting down"),
        rec(t, 1, "LOG", "database system is shut down"),
    ]
    return out + start(t + 5)


def test_a_server_that_stops_and_starts_again_under_the_same_process_id_is_told_so() -> None:
    # The start again comes from process 1, which wrote long before it: a running process starting a component,
    # were it not that process 1 stopped just before it (a new process took the id again). The stop is told at its
    # first message, the request, though a helper process's "shutting down" comes after it in the same stop; the
    # start's own report of how the last run ended ("was shut down at ...") is no stop.
    lines = _database_log()
    rep = _report(lines)
    start_again = [i for i, line in enumerate(lines, 1) if "starting ShelfDB" in line][1]
    restarts = _restarts(rep)
    assert [a.line_numbers[0] for a in restarts] == [start_again], [a.description for a in rep.anomalies]
    assert restarts[0].description.startswith(f"restart at line {start_again} ("), restarts[0].description
    stops = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    request = next(i for i, line in enumerate(lines, 1) if "fast shutdown request" in line)
    assert [a.line_numbers[0] for a in stops] == [request], [a.description for a in stops]
    was_shut = [i for i, line in enumerate(lines, 1) if "was shut down at" in line]
    assert not set(was_shut) & {ln for a in stops for ln in a.line_numbers}, stops[0].description


def test_a_supervisors_start_and_the_services_own_start_are_one_loop() -> None:
    # systemd writes "Started ..." and the service its own start message after it, at every restart, each run
    # ended by the same "Main process exited": one loop, told once by its first start message, not twice.
    lines: list[str] = []
    for run in range(6):
        t = f"Mar 05 14:00:{run * 7:02d} web-2"
        pid = 3100 + 17 * run
        lines += [
            f"{t} systemd[1]: Started Orders API.",
            f"{t} orders-api[{pid}]: Starting orders-api 2.4.1",
            f"{t} orders-api[{pid}]: Could not connect to database: connection refused",
            f"{t} systemd[1]: orders-api.service: Main process exited, code=exited, status=1/FAILURE",
            f"{t} systemd[1]: orders-api.service: Scheduled restart job, restart counter is at {run + 1}.",
        ]
    rep = _report(lines)
    loops = [a for a in _restarts(rep) if a.description.startswith("restart loop")]
    assert len(loops) == 1, [a.description for a in rep.anomalies]
    assert loops[0].description.startswith('restart loop: 5 restarts, "Started Orders API." again at line 6')
    assert sum(c.text.startswith("Restart loop") for c in rep.summary.claims) == 1


def _service_runs(ends: list[tuple[str, str]], gap: float = 45.0) -> tuple[list[str], list[int]]:
    """A Go service's logrus lines, two seconds apart: a run (its start, two steps, requests) before each of ``ends``
    (level, message: how that run ended), then a last run, ``gap`` seconds after the run before it. Returns the lines
    and the line of each start."""
    lines: list[str] = []
    starts: list[int] = []
    t = T0
    for end in [*ends, None]:
        starts.append(len(lines) + 1)
        run = [
            ("info", 'Starting image-resizer" version=v2.3.1'),
            ("info", 'Connected to Redis" addr="redis:6379'),
            ("info", 'Listening on :8090"'),
        ]
        run += [("info", f'image resized" duration={200 + 37 * i}ms width={320 * (1 + i % 3)}') for i in range(12)]
        if end is not None:
            run.append((end[0], end[1] + '"'))
        for level, message in run:
            lines.append(f'time="{_stamp(t)}" level={level} msg="{message}')
            t += 2.0
        t += gap
    return lines, starts


def test_starts_again_after_runs_that_end_in_different_ways_are_restarts() -> None:
    # A file of three runs: the first stopped on a signal, the second died on a FATAL record. Its start message comes
    # three times, more than a 49-record file's banners may, and no one message ends every run: each start again
    # still follows the end of the run before it, and is a restart.
    lines, starts = _service_runs([("info", "Received signal, shutting down"), ("fatal", "Failed to connect to Redis")])
    (loop,) = _restarts(_report(lines))
    assert loop.count == 2 and list(loop.line_numbers)[:2] == starts[1:], loop
    assert f'"Starting image-resizer" again at line {starts[1]}' in loop.description, loop.description


def test_a_start_message_written_again_where_no_run_ended_is_no_restart() -> None:
    # The same three starts with nothing that ends a run between them (no stop, no FATAL, no crash, no silence: the
    # lines keep their pace): a component started again, not the process.
    lines, _starts = _service_runs([("info", "Cache refreshed"), ("info", "Cache refreshed")], gap=0.0)
    assert _restarts(_report(lines)) == []


def test_the_files_opening_line_written_again_after_a_run_ends_is_a_restart_only_if_it_says_it_starts() -> None:
    # nginx writes 'using the "epoll" event method' at every start and at every reload: after a worker's crash, then
    # after a critical error, the master reloaded. The file's first message, written again, is no start by its words.
    def rec(t: float, level: str, message: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%Y/%m/%d %H:%M:%S} [{level}] 1#1: {message}"

    ends = [
        ("alert", "worker process 7 exited on signal 11 (core dumped)"),
        ("crit", 'ngx_slab_alloc() failed: no memory in lua_shared_dict zone "sessions"'),
    ]
    lines: list[str] = []
    t = T0
    for run in range(3):
        lines.append(rec(t, "notice", 'using the "epoll" event method'))
        lines += [rec(t + 1 + i, "notice", f"start worker process {10 * run + i}") for i in range(4)]
        lines += [rec(t + 10 + i, "info", f"*{100 + i} client {i} closed keepalive connection") for i in range(20)]
        if run < len(ends):
            lines.append(rec(t + 40, *ends[run]))
            lines.append(rec(t + 41, "notice", "signal 1 (SIGHUP) received from 52, reconfiguring"))
        t += 60
    assert _restarts(_report(lines)) == []


def _supervisor_start(t: float, pid: int) -> list[str]:
    stamp = f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S},123"
    return [
        f"{stamp} CRIT Supervisor is running as root.  Privileges were not dropped because no user is specified",
        f"{stamp} INFO RPC interface 'supervisor' initialized",
        f"{stamp} INFO supervisord started with pid {pid}",
        *(f"{stamp} INFO spawned: 'worker_{k}' with pid {pid + 40 + k}" for k in range(3)),
    ]


def test_a_start_message_without_a_version_after_each_stop_is_a_restart_though_too_frequent_for_a_banner() -> None:
    """supervisord starts three times in 90 records ("supervisord started with pid 1" after each "received SIGTERM
    indicating exit request", its first record a CRIT warning): more often than a banner's rarity allows, and with no
    version, so no restart was told.
    Each start again follows the end of the run before it: restarts, told once for the process (its messages written
    at some starts only, "RPC interface 'supervisor' initialized" at a reload too, of the same loop)."""
    lines: list[str] = []
    starts: list[int] = []
    for run in range(3):
        t = T0 + run * 7200
        starts.append(len(lines) + 3)
        lines += _supervisor_start(t, 1 + run * 300)
        lines += [
            f"{datetime.fromtimestamp(t + 60 + 60 * k, UTC):%Y-%m-%d %H:%M:%S},123 INFO exited: worker_{k % 3} "
            f"(exit status 0; expected)"
            for k in range(25)
        ]
        stop = f"{datetime.fromtimestamp(t + 3600, UTC):%Y-%m-%d %H:%M:%S},123"
        lines += [
            f"{stop} WARN received SIGTERM indicating exit request",
            f"{stop} INFO stopped: worker_0 (exit status 0)",
        ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    restarts = [a for a in rep.anomalies if a.kind == RESTART]
    assert len(restarts) == 1, [a.description for a in rep.anomalies]
    assert set(restarts[0].line_numbers) >= {starts[1] - 1, starts[2] - 1}, restarts[0].description
