"""What a person on call reads first: the error ranking, restarts only from a replayed start, exception text.

Synthetic lines only; each test states the principle it checks.
"""

from __future__ import annotations

from datetime import UTC, datetime

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
