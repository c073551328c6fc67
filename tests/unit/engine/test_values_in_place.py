"""Placeholder statistics of messages that are not the end of their record: a JSON or logfmt message field, and an
access line's request (its method, path, protocol and status, put together from the record's parts). Their values
are read where they stand in the record, so an access log's status codes and paths and a structured record's
numbers get exact counts as a plain line's do."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from loglens.v1 import report_pb2
from tests.unit.engine.reading_support import run_blocks

pytestmark = pytest.mark.unit

N = 600


def _placeholders(rep: report_pb2.AnalysisReport, text: str) -> list[report_pb2.Placeholder]:
    t = next(t for t in rep.templates if t.text == text)
    return list(t.placeholders)


def _top(p: report_pb2.Placeholder) -> dict[str, int]:
    return {v.value: v.count for v in p.top_values}


def _access(wrap: str) -> tuple[str, Counter[str], Counter[str]]:
    rnd = random.Random(11)
    statuses: Counter[str] = Counter()
    paths: Counter[str] = Counter()
    lines = []
    for i in range(N):
        status = rnd.choice(["200"] * 6 + ["404", "502"])
        path = rnd.choice(["/healthz", "/api/orders", "/api/users", "/login"])
        statuses[status] += 1
        paths[path] += 1
        clock = f"10:{i // 60 % 60:02d}:{i % 60:02d}"
        line = (
            f"10.0.{rnd.randint(0, 255)}.{rnd.randint(1, 254)} - - [05/Mar/2024:{clock} +0000] "
            f'"GET {path}?page={rnd.randint(1, 99)} HTTP/1.1" {status} {rnd.randint(10, 99999)} "-" "curl/8.5.0"'
        )
        if wrap == "cri":
            line = f"2024-03-05T10:{i // 60 % 60:02d}:{i % 60:02d}.{i:09d}Z stdout F {line}"
        lines.append(line)
    return "\n".join(lines) + "\n", statuses, paths


@pytest.mark.parametrize("wrap", ["plain", "cri"])
def test_an_access_log_counts_its_statuses_and_paths_exactly(wrap: str) -> None:
    """Each route is a template of its own (the query string is not part of it), counted exactly, with its statuses."""
    text, statuses, paths = _access(wrap)
    rep = run_blocks(text)
    assert {t.text: t.count for t in rep.templates} == {f"GET {p} HTTP/<*> <*>": n for p, n in paths.items()}
    counted: Counter[str] = Counter()
    for t in rep.templates:
        protocol, status = _placeholders(rep, t.text)
        assert status.kind == "status" and status.counts_exact and status.records == t.count
        assert _top(protocol) == {"1.1": t.count}
        counted.update(_top(status))
    assert counted == statuses
    # The summary names the statuses behind each level, with their exact counts: every route answered 502s and
    # 404s, so each level is one claim over the routes, the routes with the most first, each with its count.
    _assert_answered(rep, "ERROR", "502", statuses["502"], lambda t: _placeholders(rep, t)[1])
    _assert_answered(rep, "WARN", "404", statuses["404"], lambda t: _placeholders(rep, t)[1])


def _assert_answered(
    rep: report_pb2.AnalysisReport, level: str, status: str, total: int, placeholder: Callable[[str], Any]
) -> None:
    claim = next(c for c in rep.summary.claims if f"answered at {level}" in c.text)
    assert claim.text.startswith(f"{total} records answered at {level} (status {status} x{total}) on 4 routes: "), claim
    counts = {t.text: _top(placeholder(t.text))[status] for t in rep.templates}
    named = [(text, n) for text, n in counts.items() if f'"{text}" x{n}' in claim.text]
    assert len(named) == 3, claim.text  # each named with its exact count ...
    told = sorted(named, key=lambda x: claim.text.index(f'"{x[0]}"'))
    assert [n for _t, n in told] == sorted((n for _t, n in told), reverse=True)  # ... the most first ...
    assert min(n for _t, n in told) >= max(n for text, n in counts.items() if (text, n) not in named)  # ... of all
    assert claim.text.endswith(" and 1 more; the first at line " + str(min(claim.line_numbers)) + "."), claim.text
    assert sorted(claim.template_ids) == sorted(t.id for t in rep.templates)


def test_a_json_access_record_counts_its_statuses_and_paths_exactly() -> None:
    """An access log in JSON (traefik's field names) has no message: its request line is put together from its method,
    path and status fields, whose values are read where they stand (the status field before the path field)."""
    rnd = random.Random(7)
    statuses: Counter[str] = Counter()
    paths: Counter[str] = Counter()
    lines = []
    for i in range(N):
        status = rnd.choice([200] * 6 + [404, 502])
        path = rnd.choice(["/healthz", "/api/orders", "/api/users", "/login"])
        statuses[str(status)] += 1
        paths[path] += 1
        record = {
            "ClientAddr": f"10.0.0.{rnd.randint(1, 254)}:{rnd.randint(1024, 65535)}",
            "DownstreamStatus": status,
            "Duration": rnd.randint(1000, 9_999_999),
            "RequestMethod": "GET",
            "RequestPath": path,
            "StartUTC": f"2024-03-05T10:{i // 60 % 60:02d}:{i % 60:02d}.{rnd.randint(0, 999_999_999):09d}Z",
            "level": "info",
            "msg": "",
        }
        lines.append(json.dumps(record, separators=(",", ":")))
    rep = run_blocks("\n".join(lines) + "\n")
    assert {t.text: t.count for t in rep.templates} == {f"GET {p} <*>": n for p, n in paths.items()}
    counted: Counter[str] = Counter()
    for t in rep.templates:
        (status,) = _placeholders(rep, t.text)
        assert status.kind == "status" and status.records == t.count
        counted.update(_top(status))
    assert counted == statuses
    _assert_answered(rep, "ERROR", "502", statuses["502"], lambda t: _placeholders(rep, t)[0])


@pytest.mark.parametrize("fmt", ["json", "logfmt"])
def test_a_structured_records_message_values_are_read_in_place(fmt: str) -> None:
    rnd = random.Random(5)
    took = [rnd.randint(1, 900) for _ in range(N)]
    lines = []
    for i, ms in enumerate(took):
        stamp = f"2024-03-05T10:{i // 60 % 60:02d}:{i % 60:02d}Z"
        if fmt == "json":
            record = {"time": stamp, "level": "warn", "msg": f"slow query took {ms} ms", "table": "orders"}
            lines.append(json.dumps(record, separators=(",", ":")))
        else:
            lines.append(f'time={stamp} level=warn msg="slow query took {ms} ms" table=orders')
    rep = run_blocks("\n".join(lines) + "\n")
    (p,) = _placeholders(rep, "slow query took <*> ms")
    assert p.records == N
    assert p.numeric.min == min(took) and p.numeric.max == max(took)
    assert sum(_top(p).values()) <= N and set(_top(p)) <= {str(ms) for ms in took}


def test_a_message_written_twice_in_its_record_is_not_read() -> None:
    """Where the message's text stands twice in the record ("msg" and a copy in another field), which one is the
    message is not known: no placeholder statistics rather than a guess."""
    lines = [
        json.dumps({"time": f"2024-03-05T10:00:{i % 60:02d}Z", "msg": f"job {i} done", "echo": f"job {i} done"})
        for i in range(60)
    ]
    rep = run_blocks("\n".join(lines) + "\n")
    assert _placeholders(rep, "job <*> done") == []


def test_a_request_line_after_a_header_has_its_status_placeholder() -> None:
    """A development server's request lines after a bracketed time ('[05/Mar/2024 10:00:01] "GET /cart/ HTTP/1.1" 500
    12'): the status is read per record as the level and counted as a status. A line without a time after one (the
    framework's own "Not Found: /x") is a record of its own, not a line of the request's."""
    rnd = random.Random(3)
    statuses: Counter[str] = Counter()
    lines = []
    for i in range(400):
        status = rnd.choice(["200"] * 6 + ["404", "500"])
        path = rnd.choice(["/", "/cart/", "/api/orders/"])
        statuses[status] += 1
        clock = f"10:{i // 60 % 60:02d}:{i % 60:02d}"
        lines.append(f'[05/Mar/2024 {clock}] "GET {path} HTTP/1.1" {status} {rnd.randint(0, 9999)}')
        if status == "404":
            lines.append(f"Not Found: {path}")
    rep = run_blocks("\n".join(lines) + "\n")
    counted: Counter[str] = Counter()
    untimed = {t.text: t.count for t in rep.templates if "GET" not in t.text}
    assert untimed == {"Not Found: <*>": statuses["404"]}
    for t in rep.templates:
        if "GET" not in t.text:
            continue
        status_p = next(p for p in t.placeholders if p.kind == "status")
        assert status_p.records == t.count
        counted.update(_top(status_p))
    assert counted == statuses
    errors = next(c.text for c in rep.summary.claims if "answered at ERROR" in c.text)
    assert errors.startswith(f"{statuses['500']} records answered at ERROR (status 500 x{statuses['500']}) on 3 routes")
