"""An application's line inside a runtime's or a collector's record (a Kubernetes container log: CRI; Docker's
json-file; "kubectl logs --timestamps", a CI runner's time) is read by its own grammar when it has a known one:
JSON (zap, pino's numeric levels), logfmt, an access-log line, klog. Its level, message and component are the
application's, its time the wrapper's (a full date with an offset). A line of no known grammar is left to the
file's discovered header, as before."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.chunks import HEAD_BYTES, analyze_chunk, merge_partials, plan_chunks
from loglens_analysis.engine.records import JOIN, RecordReader
from tests.unit.engine.reading_support import level_counts, run_blocks

pytestmark = pytest.mark.unit

N = 240
EVENTS = [("info", "request served"), ("error", "failed to reconcile"), ("warn", "slow query"), ("debug", "cache hit")]
LEVEL = {"info": "INFO", "error": "ERROR", "warn": "WARN", "debug": "DEBUG"}
PINO = {"info": 30, "error": 50, "warn": 40, "debug": 20}
KLOG = {"info": ("I", "volume {} mounted"), "error": ("E", "Error syncing pod {}"), "warn": ("W", "no status for {}")}


def _records(text: str) -> list[str]:
    return [r for b in RecordReader().blocks([text.encode()]) for r in b.text.split("\n")]


def _stamp(i: int) -> str:
    return f"2024-03-05T10:{i // 60:02d}:{i % 60:02d}.{i * 7919 % 1_000_000_000:09d}Z"


def _zap(i: int, lv: str, msg: str, rnd: random.Random) -> str:
    return json.dumps({"level": lv, "ts": 1709632800 + i, "caller": f"ctl/x.go:{rnd.randint(1, 300)}", "msg": msg})


def _pino(i: int, lv: str, msg: str, rnd: random.Random) -> str:
    return json.dumps({"level": PINO[lv], "time": 1709632800000 + i, "pid": rnd.randint(1, 9), "msg": msg})


def _logfmt(i: int, lv: str, msg: str, rnd: random.Random) -> str:
    return f'ts={1709632800 + i} level={lv} msg="{msg}" key=v{rnd.randint(1, 99)}'


def _klog(i: int, lv: str, msg: str, rnd: random.Random) -> str:
    letter, text = KLOG.get(lv, KLOG["info"])
    return (
        f"{letter}0305 10:{i // 60:02d}:{i % 60:02d}.{rnd.randint(0, 999_999):06d}    {rnd.randint(1, 99)} "
        f"file.go:{rnd.randint(1, 900)}] {text.format(rnd.randint(1, 50))}"
    )


def _cri(stamp: str, line: str) -> str:
    return f"{stamp} stderr F {line}"


def _docker(stamp: str, line: str) -> str:
    return json.dumps({"log": line + "\n", "stream": "stderr", "time": stamp}, separators=(",", ":"))


def _prefixed(stamp: str, line: str) -> str:
    return f"{stamp} {line}"


APPS: dict[str, Callable[[int, str, str, random.Random], str]] = {
    "zap": _zap,
    "pino": _pino,
    "logfmt": _logfmt,
    "klog": _klog,
}


def _tagged(stamp: str, line: str) -> str:
    """A log drain's line (Heroku's): the time, the source's tag, then the application's line."""
    return f"{stamp} app[web.1]: {line}"


WRAPPERS: dict[str, Callable[[str, str], str]] = {
    "cri": _cri,
    "docker": _docker,
    "prefixed": _prefixed,
    "tagged": _tagged,
}


def _file(app: str, wrapper: str) -> tuple[str, Counter[str]]:
    rnd = random.Random(f"{app}/{wrapper}")
    lines: list[str] = []
    want: Counter[str] = Counter()
    for i in range(N):
        lv, msg = EVENTS[rnd.randrange(3 if app == "klog" else 4)]
        want[LEVEL[lv]] += 1
        lines.append(WRAPPERS[wrapper](_stamp(i), APPS[app](i, lv, msg, rnd)))
    return "\n".join(lines) + "\n", want


@pytest.mark.parametrize("wrapper", sorted(WRAPPERS))
@pytest.mark.parametrize("app", sorted(APPS))
def test_the_application_line_gives_level_message_and_the_wrapper_its_time(app: str, wrapper: str) -> None:
    text, want = _file(app, wrapper)
    rep = run_blocks(text)
    assert level_counts(rep) == dict(want)
    texts = {t.text for t in rep.templates}
    if app == "klog":
        assert texts == {"volume <*> mounted", "Error syncing pod <*>", "no status for <*>"}
    else:
        assert texts == {msg for _lv, msg in EVENTS}
    assert rep.time_range.start_time.ToJsonString() == "2024-03-05T10:00:00Z"
    assert rep.time_range.end_time.ToJsonString() == f"2024-03-05T10:{(N - 1) // 60:02d}:{(N - 1) % 60:02d}Z"


def test_an_access_line_in_a_container_record_takes_its_status_class() -> None:
    rnd = random.Random(3)
    statuses = [rnd.choice([200, 200, 301, 404, 500, 503]) for _ in range(N)]
    text = "".join(
        _cri(_stamp(i), f'10.0.0.{i % 9} - - [05/Mar/2024:10:00:00 +0000] "GET /api/items/{i} HTTP/1.1" {s} 12 "-" "k"')
        + "\n"
        for i, s in enumerate(statuses)
    )
    rep = run_blocks(text)
    want = Counter("ERROR" if s >= 500 else "WARN" if s >= 400 else "INFO" for s in statuses)
    assert level_counts(rep) == dict(want)
    assert [t.text for t in rep.templates] == ["GET /api/items/<*> HTTP/<*> <*>"]


def test_a_logfmt_request_without_a_message_reads_as_its_request_with_its_status_class() -> None:
    """Heroku's router: "at=info method=GET path=... status=503 ..." under a drain's time and tag. No message field:
    the record reads as its request, "GET <path> <status>", as a JSON access record does (it was one template of
    keys, "at=<v> method=<v> path=<v> ..."), its level by the status class, the status a placeholder of its own."""
    rnd = random.Random(9)
    statuses = [rnd.choice([200, 200, 200, 404, 503]) for _ in range(N)]
    lines = [
        f'{_stamp(i)} heroku[router]: at={"error" if s >= 500 else "info"} method=GET path="/api/items/{i}" '
        f'host=shop.example.com request_id={i:08x} fwd="10.0.0.{i % 9}" dyno=web.{1 + i % 2} '
        f"connect={i % 3}ms service={i * 2}ms status={s} bytes={500 + i} protocol=https"
        for i, s in enumerate(statuses)
    ]
    rep = run_blocks("\n".join(lines) + "\n")
    want = Counter("ERROR" if s >= 500 else "WARN" if s >= 400 else "INFO" for s in statuses)
    assert level_counts(rep) == dict(want)
    assert [t.text for t in rep.templates] == ["GET /api/items/<*> <*>"]
    status = next(p for p in rep.templates[0].placeholders if p.kind == "status")
    assert {v.value: v.count for v in status.top_values} == {str(k): c for k, c in Counter(statuses).items()}


def test_a_plain_application_line_is_left_to_the_discovered_header() -> None:
    """An application's own layout in a container record ("INFO user=bob action=login"): not logfmt (it does not
    open with a pair), so the header discovered on the file's lines gives its level and message."""
    rnd = random.Random(5)
    text = "".join(
        _cri(_stamp(i), f"{lv.upper():5} user=u{rnd.randint(1, 9)} action={msg.split()[0]} took={i}ms") + "\n"
        for i, (lv, msg) in enumerate(EVENTS[i % 4] for i in range(N))
    )
    rep = run_blocks(text)
    assert level_counts(rep) == {"INFO": N // 4, "ERROR": N // 4, "WARN": N // 4, "DEBUG": N // 4}
    assert all(not t.text.startswith(("INFO", "ERROR", "WARN", "DEBUG")) for t in rep.templates)


def test_the_format_line_names_the_application_s_format_and_the_wrapper() -> None:
    rep = run_blocks(_file("klog", "prefixed")[0])
    assert rep.format.name == "klog"
    assert rep.format.description.startswith("klog (confidence")
    assert "collector's timestamp" in rep.format.description
    cri = run_blocks(_file("zap", "cri")[0])
    assert cri.format.name == "kubernetes-cri"
    assert cri.format.description.endswith("(CRI) time, stream and tag, the application's lines in json")
    docker = run_blocks(_file("klog", "docker")[0])
    assert docker.format.description.startswith("klog (confidence")
    assert docker.format.description.endswith("each line in Docker's JSON log wrapper")


@pytest.mark.parametrize("wrapper", ["cri", "prefixed"])
def test_chunks_give_the_one_pass_report(wrapper: str) -> None:
    """klog's E and F letters are glued to the date (one shape): the level is read per record, in chunks too."""
    data = _file("klog", wrapper)[0].encode()
    one = analyze([data], year=2024)
    plans = plan_chunks(len(data), len(data) // 3)
    assert len(plans) > 1
    partials = [analyze_chunk(data[:HEAD_BYTES], [data[p.read_from :]], p, year=2024) for p in plans]
    rep = merge_partials(partials)
    assert level_counts(rep) == level_counts(one)
    assert [(t.text, t.count) for t in rep.templates] == [(t.text, t.count) for t in one.templates]
    assert rep.time_range == one.time_range
    assert rep.format.name == one.format.name == ("kubernetes-cri" if wrapper == "cri" else "klog")
    assert rep.format.description == one.format.description
    assert report_pb2.LEVEL_ERROR in {lc.level for lc in rep.levels}


def test_a_time_then_a_level_on_every_line_is_the_application_s_header_not_a_collector_s() -> None:
    """HashiCorp's hclog ("2024-03-05T10:00:00.000Z [INFO]  agent: Synced node info"): the RFC 3339 time before
    each line is followed by the application's level, so it is the application's own header: the format line does
    not say a collector put it there, and the levels and messages are read."""
    levels = ("INFO", "DEBUG", "WARN", "ERROR")
    messages = (
        "agent: Synced node info",
        "agent: Node info in sync",
        "agent: Check is now critical",
        "agent: RPC failed",
    )
    text = "".join(
        f"2024-03-05T10:{i // 60:02d}:{i % 60:02d}.{i:03d}Z [{levels[i % 4]}]{' ' * (6 - len(levels[i % 4]))}"
        f"{messages[i % 4]}\n"
        for i in range(80)
    )
    rep = run_blocks(text)
    assert "collector" not in rep.format.description
    assert level_counts(rep) == {"INFO": 20, "DEBUG": 20, "WARN": 20, "ERROR": 20}
    assert "Synced node info" in {t.text for t in rep.templates}


def test_a_level_second_after_the_time_makes_the_application_s_header_too() -> None:
    """MySQL 8's error log: "2024-03-05T10:00:00.000000Z 0 [Warning] [MY-010055] [Server] ...": the thread id, then
    the level: the application's own header, no collector's prefix."""
    levels = ("Warning", "System", "Note", "ERROR")
    text = "".join(
        f"2024-03-05T10:00:{i % 60:02d}.{i:06d}Z {i % 3} [{levels[i % 4]}] [MY-0100{i % 4}] [Server] event {i} seen\n"
        for i in range(80)
    )
    rep = run_blocks(text)
    assert "collector" not in rep.format.description


def test_a_second_application_s_header_under_a_collector_s_time_gives_its_level_and_message() -> None:
    """A platform's export (Cloud Run's text payloads) stamps each line with its time; the application's logger
    writes "<date> <time>,ms LEVEL name: message" on most lines, its server ("[<date> <time> +0000] [pid] [LEVEL]
    message": gunicorn's) on a few. Those fit only the collector's time, a header with no level; their own header,
    its time then its level, is the record's too: the level is theirs and the template no longer opens with their
    time ("[<*>:<*>:<*>] [<*>] [CRITICAL] WORKER TIMEOUT", no level: a worker killed was in no finding)."""
    lines = []
    for i in range(300):
        at = f"2026-03-14T07:{i // 60:02d}:{i % 60:02d}"
        stamp = f"{at}.{i:06d}123Z"
        if i % 25 == 7:
            lines.append(f"{stamp} [{at.replace('T', ' ')} +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:{i})")
            lines.append(f"{stamp} [{at.replace('T', ' ')} +0000] [{i}] [ERROR] Error handling request /v1/x/{i}")
        elif i % 25 == 9:
            lines.append(f"{stamp} [{at.replace('T', ' ')} +0000] [{i}] [INFO] Booting worker with pid: {i}")
        elif i % 25 == 15:
            # The platform's own lines and a traceback written line by line share only the collector's time.
            lines.append(f"{stamp} Default STARTUP TCP probe succeeded after 1 attempt for container on port 8080.")
            lines.append(f"{stamp} {at.replace('T', ' ')},{i % 1000:03d} ERROR api.db: query failed for inv:{i}")
            lines.append(f"{stamp} Traceback (most recent call last):")
            lines.append(f'{stamp}   File "/app/api/db.py", line {i}, in fetch')
            lines.append(f"{stamp}     return conn.execute(sql)")
            lines.append(f"{stamp} TimeoutError: query took more than 10s")
        else:
            lines.append(f"{stamp} {at.replace('T', ' ')},{i % 1000:03d} INFO api.cache: cache hit key=inv:{i}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    by_text = {t.text: t for t in rep.templates}
    assert set(by_text) == {
        "cache hit key=inv:<*>",
        "Default STARTUP TCP probe succeeded after <*> attempt for container on port <*>.",
        "query failed for inv:<*>",
        "WORKER TIMEOUT (pid:<*>)",
        "Error handling request <*>",
        "Booting worker with pid: <*>",
    }, sorted(by_text)
    assert level_counts(rep) == {"INFO": 300 - 36 + 12, "FATAL": 12, "ERROR": 12 + 12}, level_counts(rep)


def test_a_routers_key_value_requests_under_a_drains_header_take_their_status_class() -> None:
    """A log drain's time and source before an application's Ruby Logger lines and its router's key=value request
    lines ("heroku[router]: at=info method=GET path=... status=200 ..."): the router's lines fit a layout of the
    drain's time and source only, which gives no level; their status is their level, per record (the timeouts'
    503s were no errors, the database outage no error burst)."""
    lines = []
    for i in range(200):
        at = f"2026-03-14T16:{i // 60:02d}:{i % 60:02d}.{i:06d}+00:00"
        rid = f"{i:08x}-0954"
        lines.append(
            f'{at} app[web.1]: I, [{at[:26]} #4]  INFO -- : [{rid}] Started GET "/posts/{i}" for 10.0.0.{i % 9}'
        )
        status = 503 if 120 <= i < 140 else 200
        outcome = 'at=error code=H12 desc="Request timeout"' if status == 503 else "at=info"
        lines.append(
            f'{at} heroku[router]: {outcome} method=GET path="/posts/{i}" host=blog.example.com request_id={rid} '
            f'fwd="10.0.0.{i % 9}" dyno=web.1 connect=0ms service={30 + i}ms status={status} bytes=512 protocol=https'
        )
        if i % 5 == 0:  # the platform's own lines under the same drain header: a layout of the time and source
            lines.append(f"{at} heroku[web.{1 + i % 2}]: State changed from starting to up after {i} seconds")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert level_counts(rep) == {"INFO": 200 + 180, "ERROR": 20}, level_counts(rep)


@pytest.mark.parametrize("wrapper", ["cri", "docker", "prefixed"])
def test_an_indented_line_the_collector_stamped_long_after_the_line_before_is_no_line_of_it(wrapper: str) -> None:
    """A collector stamps each line as it reads it: the lines of one event (a trace under its error) come within the
    same second; an indented line stamped minutes later was written apart (Azure App Service's ASCII-art banner, nine
    minutes after gunicorn's "Shutting down: Master", was glued to the stop, the restart's first lines hidden)."""
    wrap = WRAPPERS[wrapper]

    def at(minute: int, second: int, micro: int, line: str) -> str:
        return wrap(f"2024-03-12T14:{minute:02d}:{second:02d}.{micro:06d}Z", line)

    def app(minute: int, second: int, level: str, message: str) -> str:
        return f"[2024-03-12 14:{minute:02d}:{second:02d} +0000] [76] [{level}] {message}"

    lines = [at(0, i % 60, i, app(0, i % 60, "INFO", f"request {i} served in {i % 17} ms")) for i in range(40)]
    lines.append(at(1, 0, 0, app(1, 0, "ERROR", "Exception in worker process")))
    lines += [at(1, 0, 10 + k, f'  File "/app/orders.py", line {88 + k}, in create') for k in range(3)]
    lines.append(at(1, 5, 0, app(1, 5, "INFO", "Shutting down: Master")))
    banner = ["   _____", "  /  _  \\ __________", " /  /_\\  \\\\___   /", "A P P   S E R V I C E"]
    lines += [at(10, 42, 100 + k, line) for k, line in enumerate(banner)]
    lines += [at(10, 50, i, app(10, 50, "INFO", f"request {i} served in {i % 17} ms")) for i in range(20)]
    records = _records("\n".join(lines) + "\n")
    stop = next(r for r in records if "Shutting down: Master" in r)
    assert JOIN not in stop, stop
    error = next(r for r in records if "Exception in worker process" in r)
    assert error.count(JOIN) == 3  # the trace's lines stay the error's
    assert len(records) == 40 + 1 + 1 + 2 + 20  # the banner: its indented lines, then its last line


def test_an_applications_json_line_under_a_platforms_level_takes_its_own_numeric_level_per_record() -> None:
    """Fly.io writes its time, the app's instance, the region and a level of its own, "[info]", before each line the
    app printed; a Node app's pino JSON states its level as a number ("level":50 for an error): the application's
    level is the record's, read per record (the number hangs on the record's digits, which shapes mask: the four
    failed queries read INFO)."""
    lines = []
    for i in range(120):
        lv = "error" if 60 <= i < 64 else "warn" if i % 10 == 0 else "info"
        msg = "query failed: Connection terminated" if lv == "error" else f"request {lv}"
        pino = {"level": PINO[lv], "time": 1710238694073 + i, "pid": 314, "reqId": f"{i:08x}", "msg": msg}
        line = json.dumps(pino, separators=(",", ":"))  # (as pino writes it)
        lines.append(f"2024-03-12T10:{i // 60:02d}:{i % 60:02d}Z app[e784e903b65468] ams [info] {line}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert level_counts(rep) == {"INFO": 105, "WARN": 11, "ERROR": 4}, level_counts(rep)
    (failed,) = [t for t in rep.templates if t.max_level == report_pb2.LEVEL_ERROR]
    assert (failed.text, failed.count, failed.first_line) == ("query failed: Connection terminated", 4, 61)


def test_a_collectors_json_level_gives_way_to_the_level_the_line_it_carries_states() -> None:
    """Cloud Logging marks every line a container wrote to stderr "severity": "ERROR"; gunicorn writes all its lines
    there, each with its own time and level ("[2024-03-12 14:00:03 +0000] [7] [INFO] Booting worker with pid: 7"):
    the line's level is the record's, its message the line's after its header (the file was 199 errors, the worker
    boots told as errors, the restart not found)."""
    lines = []
    for i in range(100):
        level, text = (
            ("CRITICAL", f"WORKER TIMEOUT (pid:{i})") if i in (40, 41) else ("INFO", f"Booting worker with pid: {i}")
        )
        payload = f"[2024-03-12 14:{i // 60:02d}:{i % 60:02d} +0000] [{i}] [{level}] {text}"
        entry = {"severity": "ERROR", "textPayload": payload, "timestamp": f"2024-03-12T14:{i // 60:02d}:{i % 60:02d}Z"}
        lines.append(json.dumps(entry))
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert level_counts(rep) == {"INFO": 98, "FATAL": 2}, level_counts(rep)
    assert {t.text for t in rep.templates} == {"Booting worker with pid: <*>", "WORKER TIMEOUT (pid:<*>)"}
    # A record whose level field is the writer's own stays at it, its message a message as any other.
    own = [json.dumps({"level": "error", "msg": f"[{i}] retry failed", "ts": 1710252003 + i}) for i in range(50)]
    assert level_counts(analyze([("\n".join(own) + "\n").encode()])) == {"ERROR": 50}
