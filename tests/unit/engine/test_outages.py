"""An outage: a service stops (or dies), writes nothing, and starts again. A person on call reads it as one event,
with the stop that opened it and the start that ended it, not as a silence, a restart and a stop told apart (in
that order) with the records a stopped service "would have written". Synthetic lines only.
"""

from __future__ import annotations

from datetime import UTC, datetime

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze

T0 = datetime(2024, 5, 1, 6, tzinfo=UTC).timestamp()
SILENCE = report_pb2.ANOMALY_KIND_SILENCE
RESTART = report_pb2.ANOMALY_KIND_RESTART
SHUTDOWN = report_pb2.ANOMALY_KIND_SHUTDOWN


def _at(t: float, text: str) -> str:
    return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S} INFO {text}"


def _run(start: float, records: int, banner: bool = True) -> list[str]:
    lines = [_at(start, "orderd 2.4.1 starting up")] if banner else []
    return lines + [_at(start + 1 + 20 * i, f"order {1000 + i} stored for customer {i % 7}") for i in range(records)]


def _claims(rep: report_pb2.AnalysisReport) -> list[str]:
    return [c.text for c in rep.summary.claims]


def _analyze(lines: list[str]) -> report_pb2.AnalysisReport:
    return analyze([("\n".join(lines) + "\n").encode()])


def test_a_stop_a_silence_and_the_start_after_it_are_one_outage_in_the_summary() -> None:
    first = _run(T0, 300)  # 100 minutes, a record every 20 s
    stop_at = T0 + 1 + 20 * 300
    stop = [_at(stop_at, "shutting down on request"), _at(stop_at + 1, "orders queue closed")]
    later = stop_at + 1 + 95 * 60
    lines = first + stop + _run(later, 300)
    stop_line, last_before, restart_line = len(first) + 1, len(first) + 2, len(first) + 3
    assert lines[stop_line - 1].endswith("shutting down on request")
    assert lines[restart_line - 1].endswith("starting up")
    rep = _analyze(lines)
    kinds = [a.kind for a in rep.anomalies]
    assert SILENCE in kinds and RESTART in kinds and SHUTDOWN in kinds, [a.description for a in rep.anomalies]
    silence = next(a for a in rep.anomalies if a.kind == SILENCE)
    assert silence.description.startswith("down for 95 min: stop at line "), silence.description
    assert "would have written" not in silence.description
    assert list(silence.line_numbers) == [stop_line, last_before, restart_line]
    claims = [c for c in rep.summary.claims if c.text.startswith("Down for")]
    assert len(claims) == 1, _claims(rep)
    claim = claims[0]
    assert f'stop at line {stop_line} (2024-05-01T07:40:01Z): "shutting down on request"' in claim.text
    assert f"restart at line {restart_line} (2024-05-01T09:15:02Z)" in claim.text
    assert {stop_line, restart_line} <= set(claim.line_numbers)
    by_line = {t.id: t for t in rep.templates}
    cited = {by_line[tid].text for tid in claim.template_ids}
    assert "shutting down on request" in cited and "orderd <*> starting up" in cited, cited
    # The stop and the restart stay findings of the report; the summary tells them once, in the outage.
    assert not [t for t in _claims(rep) if t.startswith(("Restart at", "Stop at"))], _claims(rep)


def test_a_silence_that_a_start_ends_says_so() -> None:
    # No stop was written (a crash that left no line, a host that lost power): the gap is a silence, at the
    # file's rate, and the start that ends it is told with it.
    first = _run(T0, 300)
    lines = first + _run(T0 + 1 + 20 * 300 + 95 * 60, 300)
    rep = _analyze(lines)
    silence = next(a for a in rep.anomalies if a.kind == SILENCE)
    assert "would have written" in silence.description
    assert silence.description.endswith(
        f'and then a restart at line {len(first) + 1} (2024-05-01T09:15:01Z): "orderd <*> starting up"'
    ), silence.description
    assert silence.line_numbers[-1] == len(first) + 1
    assert [t for t in _claims(rep) if t.startswith("Silence of 95 min")], _claims(rep)
    assert not [t for t in _claims(rep) if t.startswith("Restart at")], _claims(rep)


def test_a_start_after_a_later_stop_is_not_the_end_of_the_silence() -> None:
    # The service was idle, then wrote again, and only then was stopped and started: the restart follows that
    # stop, not the silence; the silence is told on its own, the restart with its stop.
    first = _run(T0, 300)
    resumed = T0 + 1 + 20 * 300 + 95 * 60
    after = [_at(resumed + 20 * i, f"order {5000 + i} stored for customer {i % 7}") for i in range(10)]
    stop = [_at(resumed + 200, "received SIGTERM, shutting down")]
    lines = first + after + stop + _run(resumed + 230, 300)
    rep = _analyze(lines)
    silence = next(a for a in rep.anomalies if a.kind == SILENCE)
    assert "restart" not in silence.description and "down for" not in silence.description, silence.description
    claims = _claims(rep)
    assert [t for t in claims if t.startswith("Silence of 95 min")], claims
    restart = [t for t in claims if t.startswith(f"Restart at line {len(first) + len(after) + 2} ")]
    assert len(restart) == 1, claims
    stop = len(first) + len(after) + 1
    assert restart[0].endswith(
        f', after the stop at line {stop} (2024-05-01T09:18:21Z): "received SIGTERM, shutting down".'
    ), restart
    assert not [t for t in claims if t.startswith("Stop at")], claims


def test_a_restart_is_told_with_the_stop_just_before_it() -> None:
    # A stop, then the start: one claim, in the order they came, not "Restart at ..." above "Stop at ...". A start
    # with another start between it and the stop is not that stop's.
    first = _run(T0, 300)
    stop_at = T0 + 1 + 20 * 300
    lines = [*first, _at(stop_at, "received SIGTERM, shutting down"), *_run(stop_at + 30, 300)]
    rep = _analyze(lines)
    restart = next(a for a in rep.anomalies if a.kind == RESTART)
    stop = next(a for a in rep.anomalies if a.kind == SHUTDOWN)
    assert list(restart.line_numbers)[-1] == stop.line_numbers[0] == len(first) + 1
    assert restart.description.endswith(
        f'after the stop at line {len(first) + 1} (2024-05-01T07:40:01Z): "received SIGTERM, shutting down"'
    ), restart.description
    claims = [c for c in rep.summary.claims if c.text.startswith(("Restart at", "Stop at"))]
    assert [c.text[:10] for c in claims] == ["Restart at"], _claims(rep)
    assert stop.template_id in claims[0].template_ids and restart.template_id in claims[0].template_ids
    assert {len(first) + 1, len(first) + 2} <= set(claims[0].line_numbers)


def test_every_silence_told_on_its_own_tells_its_restart() -> None:
    # Two outages each ended by a start: the second silence takes the section's last place (where a third would be
    # counted), and its restart is told there too, not again as a restart of its own.
    first = _run(T0, 300)
    second = _run(T0 + 1 + 20 * 300 + 95 * 60, 300)
    third = _run(T0 + 2 * (1 + 20 * 300 + 95 * 60), 300)
    rep = _analyze(first + second + third)
    claims = _claims(rep)
    outages = [t for t in claims if t.startswith("Silence of 95 min")]
    assert len(outages) == 2, claims
    assert all(", and then a restart at line " in t for t in outages), outages
    assert not [t for t in claims if t.startswith(("Restart at", "1 more restart"))], claims
    # Each claim cites its restart's template as well.
    banner = next(t.id for t in rep.templates if t.text == "orderd <*> starting up")
    told = [c for c in rep.summary.claims if c.text.startswith("Silence of 95 min")]
    assert all(banner in c.template_ids for c in told), [list(c.template_ids) for c in told]


def test_a_restart_is_not_told_with_another_services_stop() -> None:
    # Compose services write one file: web stops (and later starts again) just before db starts again; db's start
    # is not after web's stop.
    lines = []
    for i in range(600):
        t = f"2024-03-01 10:{i // 60:02d}:{i % 60:02d}"
        if i in (0, 405):
            lines.append(f"db    | {t} INFO mysqld 8.0.28 starting as process 1")
        elif i in (1, 407):
            lines.append(f"web   | {t} INFO web server 2.4.1 starting")
        elif i == 400:
            lines.append(f"web   | {t} INFO Received SIGTERM, shutting down")
        elif i % 2 == 0:
            lines.append(f"db    | {t} INFO query {i} took {i % 7} ms")
        else:
            lines.append(f"web   | {t} INFO handled request {i} in {i % 11} ms")
    rep = _analyze(lines)
    assert [list(a.line_numbers) for a in rep.anomalies if a.kind == SHUTDOWN] == [[401]]
    restart = next(a for a in rep.anomalies if a.kind == RESTART and a.line_numbers[0] == 406)
    assert 401 not in restart.line_numbers and "after the stop" not in restart.description, restart.description


def _levelled(t: float, level: str, text: str) -> str:
    return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S} {level} {text}"


def test_the_errors_a_stop_writes_as_it_stops_are_told_with_it_not_as_failures() -> None:
    """PostgreSQL ends each session with "FATAL: terminating connection due to administrator command" between its
    "received fast shutdown request" and "database system is shut down": the summary ranked those eight FATAL
    records second, above the morning's deadlock. Errors whose every record stands between a stop's first and last
    message, written again and again (one for each thing it ends), are its doing: told in its claim, with their count
    and lines; an error of its own, and one written once there (it may be why it stopped), still has a claim."""
    first = _run(T0, 300)
    deadlock_line = 40
    first[deadlock_line - 1] = _levelled(T0 + 1 + 20 * 39, "ERROR", "deadlock detected on relation orders")
    at = T0 + 1 + 20 * 300
    stop = [_at(at, "received fast shutdown request")]
    stop += [_levelled(at, "FATAL", f"terminating connection {i} due to administrator command") for i in range(8)]
    stop += [_levelled(at, "ERROR", "could not flush segment 7 to disk")]  # once: maybe why, news of its own
    stop += [_at(at, "shutting down"), _at(at, "database system is shut down")]
    later = at + 95 * 60
    lines = first + stop + _run(later, 300)
    stop_line = len(first) + 1
    rep = _analyze(lines)
    shutdown = next(a for a in rep.anomalies if a.kind == SHUTDOWN)
    assert min(shutdown.line_numbers) == stop_line, shutdown.description
    claims = _claims(rep)
    assert not any(c.startswith("8 records at FATAL") for c in claims), claims
    assert any(c.startswith('1 record at ERROR: "deadlock detected') for c in claims), claims
    assert any(c.startswith('1 record at ERROR: "could not flush segment') for c in claims), claims
    (told,) = [c for c in rep.summary.claims if "as it stopped" in c.text]
    assert (
        f'; as it stopped, 8 records at FATAL (lines {stop_line + 1} to {stop_line + 8}): "terminating connection <*>'
        in told.text
    ), told.text
    assert {stop_line + 1, stop_line + 8} <= set(told.line_numbers)
    fatal = next(t for t in rep.templates if t.text.startswith("terminating connection"))
    assert fatal.id in told.template_ids


def test_a_journals_boot_separator_is_the_machine_starting_again() -> None:
    """journalctl writes "-- Boot <id> --" between two boots of the machine. A node stopped its service at 20:14 and
    booted at 05:02: the report said "Quiet for 8 h 48 min after the stop ... but line 11, which wrote no time", and
    no start. The separator says the machine started: the outage ends there."""

    def at(t: float, text: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%dT%H:%M:%S}+00:00 node7 {text}"

    lines = [at(T0 + 60 * i, f"app[1234]: order {i} stored") for i in range(120)]
    stop_at = T0 + 60 * 120
    lines += [
        at(stop_at, "systemd[1]: Stopping app.service - Orders App..."),
        at(stop_at + 2, "systemd[1]: Stopped app."),
    ]
    boot_line = len(lines) + 1
    lines.append("-- Boot 3f2a9c1e7b5d4e8f9a0b1c2d3e4f5a6b --")
    later = stop_at + 9 * 3600
    lines += [at(later, "kernel: Linux version 6.1.0-21-amd64 (gcc-12)")]
    lines += [at(later + 60 + 60 * i, f"app[4188]: order {i} stored") for i in range(120)]
    rep = _analyze(lines)
    silence = next(a for a in rep.anomalies if a.kind == SILENCE)
    assert silence.description.startswith("down for 8 h 59 min: stop at line 121"), silence.description
    assert f'restart at line {boot_line} (2024-05-01T17:00:00Z): "-- Boot <*> --"' in silence.description, (
        silence.description
    )


def test_a_boot_soon_after_a_services_restart_is_a_start_of_its_own() -> None:
    """A node's service was restarted by systemd after an OOM kill, and 18 minutes later the machine rebooted (hung
    tasks, no stop written): the boot was "one more start message" of the service's restart, as banners a few
    buckets apart are one start. A machine's boot opens a start of its own."""

    def at(t: float, text: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%dT%H:%M:%S}+00:00 node7 {text}"

    lines = [at(T0, "systemd[1]: Starting app.service - Orders App...")]
    lines += [at(T0 + 60 + 60 * i, f"app[1234]: order {i} stored") for i in range(600)]
    crash_at = T0 + 60 * 601
    lines += [at(crash_at, "kernel: Out of memory: Killed process 1234 (java) total-vm:8123456kB")]
    lines += [at(crash_at + 5, "systemd[1]: Starting app.service - Orders App...")]
    lines += [at(crash_at + 60 + 60 * i, f"app[4188]: order {i} stored") for i in range(18)]
    boot_line = len(lines) + 1
    lines.append("-- Boot 7c1d5e2f9a8b4c3d2e1f0a9b8c7d6e5f --")
    boot_at = crash_at + 60 * 19
    lines += [at(boot_at, "kernel: Linux version 6.1.0-21-amd64 (gcc-12)")]
    lines += [at(boot_at + 30, "systemd[1]: Starting app.service - Orders App...")]
    lines += [at(boot_at + 60 + 60 * i, f"app[512]: order {i} stored") for i in range(200)]
    rep = _analyze(lines)
    restarts = [a for a in rep.anomalies if a.kind == RESTART]
    assert any(a.line_numbers[0] == boot_line for a in restarts), [a.description for a in restarts]
