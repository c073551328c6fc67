"""JSON records without a message field: their template is their fields, short word values kept (an action, a
method), every other value a variable; and such a file's first record is no start banner by position alone when
it is a rare variant of a frequent message. Lines written here, no file copied."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze

pytestmark = pytest.mark.unit

T0 = datetime(2025, 8, 12, 19, 50, tzinfo=UTC).timestamp()


def _at(i: int) -> str:
    return datetime.fromtimestamp(T0 + i, UTC).isoformat()


def _report(records: list[dict[str, object]]) -> report_pb2.AnalysisReport:
    return analyze([("\n".join(json.dumps(r) for r in records) + "\n").encode()])


def test_a_record_without_a_message_keeps_its_word_values_and_masks_the_rest() -> None:
    """go test -json: "pass" and "fail" records are different messages; test names (CamelCase, subtests with a
    slash, digits) and times are values, so each action is one template whatever the test."""
    records: list[dict[str, object]] = []
    for i in range(300):
        name = ("TestParse", f"TestParse/case_{i % 9}", "TestRetryBackoff")[i % 3] + ("" if i % 2 else "V2")
        records.append({"Time": _at(i), "Action": "run", "Package": "example.com/mod/pkg", "Test": name})
        action = "fail" if i % 50 == 7 else "pass"
        records.append({"Time": _at(i), "Action": action, "Package": "example.com/mod/pkg", "Test": name,
                        "Elapsed": round(0.01 * (i % 17), 2)})  # fmt: skip
    rep = _report(records)
    counts = {t.text: t.count for t in rep.templates}
    assert counts == {
        "action=run package=<v> test=<v> time=<v>": 300,
        "action=pass elapsed=<v> package=<v> test=<v> time=<v>": 294,
        "action=fail elapsed=<v> package=<v> test=<v> time=<v>": 6,
    }, counts


def test_the_first_record_as_a_rare_variant_of_a_frequent_message_is_no_start() -> None:
    """An access log's first request (a HEAD among GETs) written again later is one request more, not a restart:
    its template is a word apart from the file's frequent one."""
    records: list[dict[str, object]] = []
    for i in range(400):
        method = "HEAD" if i in (0, 33) else "GET"
        records.append({"time": _at(3 * i), "RequestMethod": method, "RequestPath": f"/api/items/{i % 37}",
                        "DownstreamStatus": 200, "Duration": 1000 + i, "entryPointName": "web"})  # fmt: skip
    rep = _report(records)
    texts = {t.text: t.count for t in rep.templates}
    assert texts == {
        "GET /api/items/<*> <*>": 398,
        "HEAD /api/items/<*> <*>": 2,
    }  # a request record reads as its request
    assert not [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_RESTART], [
        a.description for a in rep.anomalies
    ]


def test_an_audit_event_reads_its_time_from_a_timestamp_field_and_its_level_from_a_status_objects_code() -> None:
    # Kubernetes' audit events: no "time" or "level" (their "level" is the audit depth, "Metadata"); the time is
    # "requestReceivedTimestamp", the outcome "responseStatus": {"code": 403}. A field whose name ends in "timestamp"
    # is a time where no usual name is there, and a status object's code is a status (its class the level).
    codes = (200, 403, 500)
    records: list[dict[str, object]] = [
        {
            "kind": "Event",
            "level": "Metadata",
            "auditID": f"a{i:07d}",
            "verb": "get",
            "requestURI": f"/api/v1/namespaces/default/pods/web-{i}",
            "responseStatus": {"metadata": {}, "code": codes[i % 3]},
            "requestReceivedTimestamp": _at(i),
            "stageTimestamp": _at(i + 1),
        }
        for i in range(60)
    ]
    rep = _report(records)
    assert rep.parse_quality.timestamp_share == 1.0
    assert rep.time_range.start_time.ToJsonString() == "2025-08-12T19:50:00Z"
    levels = {report_pb2.Level.Name(lc.level): lc.count for lc in rep.levels}
    assert levels == {"LEVEL_INFO": 20, "LEVEL_WARN": 20, "LEVEL_ERROR": 20}


def test_a_trace_written_in_a_field_of_a_json_record_is_an_exception_group() -> None:
    # python-json-logger writes the traceback under "exc_info", Elastic Common Schema under "error.stack_trace",
    # bunyan and pino under "err.stack": one field, its lines joined by "\n". Each is read as a trace written line by
    # line is: its exception's type and message, the frames that group it.
    python_tb = (
        "Traceback (most recent call last):\n"
        '  File "/app/worker.py", line 42, in run\n    process(job)\n'
        '  File "/app/worker.py", line 17, in process\n    raise ValueError("bad payload")\n'
        "ValueError: bad payload"
    )
    java = "java.lang.IllegalStateException: pool exhausted\n\tat com.example.Pool.take(Pool.java:88)"
    node = "TypeError: Cannot read properties of undefined (reading 'id')\n    at getOrder (/app/src/orders.js:42:25)"
    records: list[dict[str, object]] = []
    for i in range(60):
        t = _at(i)
        if i % 10 == 1:
            records.append({"asctime": t, "levelname": "ERROR", "message": f"job {i} failed", "exc_info": python_tb})
        elif i % 10 == 2:
            records.append(
                {"@timestamp": t, "log.level": "error", "message": "request failed", "error.stack_trace": java}
            )
        elif i % 10 == 3:
            records.append({"time": t, "level": 50, "msg": "handler threw", "err": {"message": "x", "stack": node}})
        else:
            records.append({"time": t, "level": "info", "msg": f"job {i} done"})
    rep = _report(records)
    groups = sorted((g.exception_type, g.message, g.count, tuple(g.top_frames)) for g in rep.exception_groups)
    assert groups == [
        ("TypeError", "Cannot read properties of undefined (reading 'id')", 6, ("getOrder",)),
        ("ValueError", "bad payload", 6, ("worker.py:process", "worker.py:run")),
        ("java.lang.IllegalStateException", "pool exhausted", 6, ("com.example.Pool.take",)),
    ], groups


def test_an_audit_event_reads_as_its_verb_target_and_status() -> None:
    """A Kubernetes API server's audit event: no message, a "verb" (list, watch, create: words, not HTTP methods), a
    "requestURI" and a nested "responseStatus.code". It reads "create <uri> 403" as an access record does, one template
    per verb, its level by the status class (it was one template of fields for every event)."""
    verbs = [("list", "/api/v1/nodes", 200), ("create", "/apis/apps/v1/namespaces/prod/deployments", 403)]
    verbs += [
        ("delete", "/api/v1/namespaces/dev/pods/job-{}", 404),
        ("get", "/api/v1/namespaces/default/pods/web-{}", 200),
    ]
    records: list[dict[str, object]] = []
    for i in range(200):
        verb, uri, code = verbs[i % 4]
        records.append({"kind": "Event", "level": "Metadata", "auditID": f"{i:08x}-aaaa", "stage": "ResponseComplete",
                        "requestURI": uri.format(i), "verb": verb, "user": {"username": f"sa-{i % 3}"},
                        "responseStatus": {"metadata": {}, "code": code},
                        "requestReceivedTimestamp": _at(i)})  # fmt: skip
    rep = _report(records)
    assert {t.text: t.count for t in rep.templates} == {
        "list <*> <*>": 50,
        "create <*> <*>": 50,
        "delete <*> <*>": 50,
        "get <*> <*>": 50,
    }
    assert {report_pb2.Level.Name(lc.level): lc.count for lc in rep.levels} == {"LEVEL_INFO": 100, "LEVEL_WARN": 100}
    # The nested status ('"code":403', once in each record) is the request's status placeholder: claims name it.
    create = next(t for t in rep.templates if t.text.startswith("create"))
    status = next(p for p in create.placeholders if p.kind == "status")
    assert [(v.value, v.count) for v in status.top_values] == [("403", 50)]
    # (Two routes answered at WARN: one claim names both, with their statuses.)
    claim = next(c.text for c in rep.summary.claims if "answered at WARN" in c.text)
    assert "403 x50" in claim and "404 x50" in claim and '"create <*> <*>" x50' in claim, claim


def test_a_message_that_says_a_request_was_served_is_followed_by_the_request_its_fields_hold() -> None:
    """Caddy's access log: every record's message is "handled request", the request in fields ("request.method",
    "request.uri", "status"). The template shows the route and the status placeholder (statistics of its values, claims
    that name statuses); a message that names the request already (Serilog's "HTTP GET /x responded 500") is kept."""
    records: list[dict[str, object]] = []
    for i in range(120):
        status = (200, 404, 502)[i % 3]
        records.append({"level": "info", "ts": T0 + i, "logger": "http.log.access", "msg": "handled request",
                        "request": {"method": "GET", "uri": f"/api/items/{i}", "remote_ip": f"10.0.0.{i % 9}"},
                        "duration": 0.001 * i, "status": status})  # fmt: skip
    for i in range(30):
        records.append({"level": "info", "ts": T0 + 200 + i, "msg": f"HTTP GET /api/orders/{i} responded 200",
                        "method": "GET", "path": f"/api/orders/{i}", "status": 200})  # fmt: skip
    for i in range(30):  # a message logged while serving a request, no status: the request is its context only
        records.append({"level": 2, "time": T0 + 300 + i, "message": f"Login failed: 'admin{i % 3}'",
                        "method": "GET", "url": "/index.php/login"})  # fmt: skip
    rep = _report(records)
    assert {t.text: t.count for t in rep.templates} == {
        "handled request GET /api/items/<*> <*>": 120,
        "HTTP GET /api/orders/<*> responded <*>": 30,
        "Login failed: '<*>'": 30,
    }
    served = rep.templates[0]
    status = next(p for p in served.placeholders if p.kind == "status")
    assert sorted((v.value, v.count) for v in status.top_values) == [("200", 40), ("404", 40), ("502", 40)]
    claim = next(c.text for c in rep.summary.claims if "ERROR" in c.text and "handled request" in c.text)
    assert "502 x40" in claim, claim
    # A message with escaped characters in the record: its words are not where the message's offsets say, so its
    # placeholders have no statistics rather than values read at the wrong place.
    escaped = [{"ts": T0 + i, "msg": f'pods "web-{i}" is forbidden: User "alice@example.com" cannot get it',
                "method": "GET", "path": f"/api/v1/pods/web-{i}", "status": 403} for i in range(30)]  # fmt: skip
    (forbidden,) = _report(escaped).templates
    assert forbidden.text == 'pods "web-<*>" is forbidden: User "<*>" cannot get it GET /api/<*>/pods/web-<*> <*>'
    values = [v.value for p in forbidden.placeholders for v in p.top_values]
    assert not any("\\" in v or v == "-" for v in values), values  # (were '-' and ' \\"alice@example.')


def test_a_one_letter_severity_a_message_opened_by_blank_lines_and_an_errors_message_beside_its_code() -> None:
    """A database's structured log (severity letters I W E F under "s", a message in "msg", details in "attr"):
    "F" is FATAL; a message written after two newlines is quoted from its first line with words, not as empty; an
    error's message beside its numeric code is the cause its claim quotes."""
    records: list[dict[str, object]] = [
        {
            "t": {"$date": _at(i)},
            "s": "I",
            "c": "NETWORK",
            "ctx": "listener",
            "msg": "Connection accepted",
            "attr": {"remote": f"10.0.3.{i % 200}:51234", "connectionId": i},
        }
        for i in range(40)
    ]
    records.append(
        {
            "t": {"$date": _at(50)},
            "s": "E",
            "c": "STORAGE",
            "ctx": "conn7",
            "msg": "WiredTiger error message",
            "attr": {"error": 28, "message": "No space left on device"},
        }
    )
    records.append(
        {
            "t": {"$date": _at(51)},
            "s": "F",
            "c": "ASSERT",
            "ctx": "conn7",
            "msg": "Fatal assertion",
            "attr": {"msgid": 50853, "file": "src/storage/util.cpp", "line": 712},
        }
    )
    records.append(
        {
            "t": {"$date": _at(52)},
            "s": "F",
            "c": "ASSERT",
            "ctx": "conn7",
            "msg": "\n\n***aborting after fassert() failure\n\n",
        }
    )
    rep = _report(records)
    by_text = {t.text: t for t in rep.templates}
    assert by_text["Fatal assertion"].max_level == report_pb2.LEVEL_FATAL, sorted(by_text)
    assert by_text["***aborting after fassert() failure"].max_level == report_pb2.LEVEL_FATAL, sorted(by_text)
    claims = [c.text for c in rep.summary.claims]
    assert any("WiredTiger error message" in c and '(attr.message: "No space left on device")' in c for c in claims), (
        claims
    )


def test_a_value_that_is_an_everyday_word_as_well_as_a_level_word_gives_no_level() -> None:
    """Without a field named for the level, a top-level value that is a level word gives the record's severity (a
    Kubernetes event's "type": "Warning"); not a word that names other things as well: an IDS's "event_type":
    "alert" is a kind of event, not the syslog severity "alert" (FATAL)."""
    lines = []
    for i in range(60):
        base = {"timestamp": f"2026-11-30T08:00:{i:02d}.000000+0000", "src_ip": f"10.0.0.{i % 9}", "proto": "TCP"}
        if i % 3 == 0:
            base |= {"event_type": "alert", "alert": {"signature_id": 2013028 + i % 2, "severity": 2}}
        elif i % 3 == 1:
            base |= {"event_type": "dns", "dns": {"rrname": "example.com", "rrtype": "A"}}
        else:
            base |= {"type": "Warning", "reason": "BackOff", "note": "restarting failed container"}
        lines.append(json.dumps(base))
    rep = analyze([("\n".join(lines) + "\n").encode()])
    levels = {lc.level: lc.count for lc in rep.levels}
    assert levels == {report_pb2.LEVEL_WARN: 20}, levels


def test_json_records_whose_message_is_a_whole_traceback_are_records_one_by_one() -> None:
    """Cloud Logging's structured JSON holds an uncaught error's whole traceback in one record's "message" (its
    newlines escaped). Two such records in a row were read as one: the second as the next line of a traceback
    written line by line (the same header up to "Traceback (" on both lines), an error and its exception lost."""
    trace = 'Traceback (most recent call last):\n  File "/app/main.py", line 10, in handler\nValueError: bad message'
    records: list[dict[str, object]] = []
    for i in range(40):
        error = i % 10 in (3, 4)  # two in a row, four times
        message = trace if error else f"Handled request in {i}ms"
        records.append({"severity": "ERROR" if error else "INFO", "message": message, "timestamp": _at(i)})
    rep = _report(records)
    assert rep.record_count == 40
    (group,) = rep.exception_groups
    assert (group.exception_type, group.count) == ("ValueError", 8)


def test_a_severity_among_a_records_tags_is_its_level() -> None:
    """Kibana's and OpenSearch Dashboards' JSON log states no level field: "tags": ["error", "opensearch", "data"].
    The records of no level (57% levels) left "connect ECONNREFUSED" and "Failed authentication" out of the errors;
    tags that name no severity ("plugins", "status") give none."""
    tags = [["error", "opensearch", "data"], ["warning", "plugins", "securityDashboards"], ["plugins", "status"]]
    records: list[dict[str, object]] = [
        {"type": "log", "@timestamp": _at(i), "tags": tags[i % 3], "pid": 1, "message": f"event {i} happened"}
        for i in range(30)
    ]
    counts = {report_pb2.Level.Name(lc.level): lc.count for t in _report(records).templates for lc in t.levels}
    assert counts == {"LEVEL_ERROR": 10, "LEVEL_WARN": 10}  # the "plugins", "status" records: no level


def test_a_record_of_no_level_carrying_an_error_is_an_error_unless_it_states_its_verbosity() -> None:
    """A controller's JSON log without a level field: its info records state their verbosity ("v": 0), its errors an
    "err" and no verbosity; an info record may carry the "error" it retries after. Only the records of an error and
    no verbosity are errors."""
    records: list[dict[str, object]] = []
    for i in range(90):
        ts = 1731564000 + 60 * i
        if i % 3 == 0:
            records.append({"ts": ts, "logger": "cert.challenges", "msg": "propagation check failed", "err": f"no {i}"})
        elif i % 3 == 1:
            records.append(
                {
                    "ts": ts,
                    "logger": "cert.keys",
                    "msg": "re-queuing item due to optimistic locking",
                    "error": "modified",
                    "v": 0,
                }
            )
        else:
            records.append({"ts": ts, "logger": "cert.keys", "msg": "certificate is up to date", "err": "", "v": 0})
    rep = _report(records)
    by_text = {t.text: report_pb2.Level.Name(t.max_level) for t in rep.templates}
    assert by_text == {
        "propagation check failed": "LEVEL_ERROR",
        "re-queuing item due to optimistic locking": "LEVEL_UNSPECIFIED",
        "certificate is up to date": "LEVEL_UNSPECIFIED",
    }


def test_an_audit_event_reads_as_its_name_and_an_error_code_makes_it_an_error() -> None:
    """An audit trail's events have no message: what happened is the event's name; an event that carries an error
    code failed."""
    records: list[dict[str, object]] = []
    for i in range(80):
        event: dict[str, object] = {
            "eventTime": _at(i),
            "eventSource": "secretsmanager.amazonaws.com",
            "eventName": ("GetSecretValue", "DescribeInstances")[i % 2],
            "userIdentity": {"type": "IAMUser", "userName": f"user{i % 7}"},
            "requestID": f"{i * 7919:08x}-9f1e-4d09-978d-5faf411c5f0c",
        }
        if i % 10 == 4:
            event["errorCode"] = "AccessDenied"
            event["errorMessage"] = "User is not authorized to perform: secretsmanager:GetSecretValue"
        records.append(event)
    rep = _report(records)
    assert sorted((t.text, t.count) for t in rep.templates) == [("DescribeInstances", 40), ("GetSecretValue", 40)]
    errors = {t.text: sum(lc.count for lc in t.levels if lc.level == report_pb2.LEVEL_ERROR) for t in rep.templates}
    assert errors == {"GetSecretValue": 8, "DescribeInstances": 0}


def test_a_field_named_as_a_time_holding_a_whole_time_is_the_records_time() -> None:
    """No field of the usual names ("time", "timestamp", ...), but one whose name says it is a time and whose value is
    a whole time: Akamai's DataStream writes epoch seconds as a string, "reqTimeSec":"1796429025.735" (the report had
    no time at all). A name that only contains the letters ("runtime", "lifetime") is no time's."""
    lines = [
        f'{{"reqId":"3c{i:04x}","reqTimeSec":"{1796429025 + 60 * i}.735","statusCode":"200",'
        f'"reqMethod":"GET","reqPath":"/api/v3/price/{i}","runtime":{1796429025 + i}}}'
        for i in range(40)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.timestamp_share == 1.0
    assert rep.time_range.start_time.ToSeconds() == 1796429025
    assert rep.time_range.end_time.ToSeconds() == 1796429025 + 60 * 39
    untimed = [f'{{"reqId":"3c{i:04x}","runtime":{1796429025 + i},"msg":"job {i} done"}}' for i in range(40)]
    assert analyze([("\n".join(untimed) + "\n").encode()]).parse_quality.timestamp_share == 0.0


def test_a_records_own_time_field_wins_over_a_nested_objects_time_written_before_it() -> None:
    """An audit event names when its session began inside a nested object, before the event's own time (CloudTrail's
    "userIdentity.sessionContext.attributes.creationDate" ahead of "eventTime"): the report dated each event by its
    session's start (the file's span, its order and a 25-minute gap wrong). The record's time is its own field's."""
    records: list[dict[str, object]] = []
    for i in range(60):
        started = _at(60 * (i // 20) - 1800)  # three sessions, each begun half an hour before its events
        records.append(
            {
                "eventVersion": "1.09",
                "userIdentity": {"type": "AssumedRole", "sessionContext": {"attributes": {"creationDate": started}}},
                "eventTime": _at(60 * i),
                "eventName": ("GetParameter", "Decrypt")[i % 2],
                "requestID": f"{i * 7919:08x}-9f1e-4d09-978d-5faf411c5f0c",
            }
        )
    rep = _report(records)
    assert rep.parse_quality.timestamp_share == 1.0
    assert rep.time_range.start_time.ToSeconds() == int(T0)
    assert rep.time_range.end_time.ToSeconds() == int(T0) + 60 * 59


def test_a_records_own_time_wins_over_a_time_its_payload_carries() -> None:
    """MongoDB's structured log: the record's time is "t": {"$date": ...}; a recovery record carries a checkpoint's
    time in its payload ("attr.recoveryTimestamp.$timestamp.t", a minute earlier). The report dated that record, and
    so the file's start, by the checkpoint."""
    records: list[dict[str, object]] = []
    for i in range(40):
        rec: dict[str, object] = {"t": {"$date": _at(30 * i)}, "s": "I", "c": "NETWORK", "id": 22943}
        rec |= {"ctx": "listener", "msg": "Connection accepted", "attr": {"remote": f"10.0.0.{i}:5{i:03d}"}}
        if i == 0:
            rec = {"t": {"$date": _at(0)}, "s": "I", "c": "RECOVERY", "id": 23987, "ctx": "initandlisten"}
            rec |= {"msg": "WiredTiger recoveryTimestamp"}
            rec["attr"] = {"recoveryTimestamp": {"$timestamp": {"t": int(T0) - 60, "i": 1}}}
        records.append(rec)
    rep = _report(records)
    assert rep.time_range.start_time.ToSeconds() == int(T0)
    assert rep.time_range.end_time.ToSeconds() == int(T0) + 30 * 39


def test_a_claims_statuses_add_up_to_its_records() -> None:
    """A CDN's records: 403s that carry an error code are errors, the other 4xx warnings. The WARN claim listed every
    4xx status of its routes ("24 records answered at WARN (status 404 x24, 403 x17, 400 x5)": 46 for 24) though the
    403s were the ERROR claim's. A breakdown is told only where its statuses' records are the claim's."""
    records: list[dict[str, object]] = []
    for i in range(240):
        status = (200, 200, 200, 404, 403, 200)[i % 6]
        path = (f"/shop/p/{i}", f"/media/video/{i}", "/favicon.ico")[i // 6 % 3]
        rec: dict[str, object] = {"time": _at(i), "method": "GET", "path": path, "status": status}
        if status == 403:
            rec["errorCode"] = "ERR_ACCESS_DENIED|waf"
        records.append(rec)
    rep = _report(records)
    warn = next(c.text for c in rep.summary.claims if "answered at WARN" in c.text)
    error = next(c.text for c in rep.summary.claims if "answered at ERROR" in c.text)
    assert warn.startswith("40 records answered at WARN on 3 routes") and "403" not in warn, warn
    assert error.startswith("40 records answered at ERROR on 3 routes") and "404" not in error, error


def test_a_request_target_written_as_an_absolute_url_reads_as_its_path() -> None:
    """Azure Front Door writes the request's target as a whole URL, "requestUri": "https://www.contoso-shop.eu:443
    /api/v1/products": its route is the path (the whole URL was one value: 1,100 requests in two templates, "GET <*>"
    and "POST <*>")."""
    paths = ["/api/v1/products", "/static/img/hero.webp", "/api/v1/cart"]
    records: list[dict[str, object]] = []
    for i in range(90):
        props = {"httpMethod": "GET", "requestUri": f"https://shop.example.eu:443{paths[i % 3]}", "httpStatusCode": 200}
        records.append({"time": _at(i), "category": "FrontDoorAccessLog", "properties": props})
    rep = _report(records)
    assert sorted(t.text for t in rep.templates) == [
        "GET /api/<*>/cart <*>",
        "GET /api/<*>/products <*>",
        "GET /static/img/hero.webp <*>",
    ]
    # The status is found where the record writes it: its placeholder has its statistics (the claims' breakdowns).
    hero = next(t for t in rep.templates if "hero" in t.text)
    assert [(v.value, v.count) for p in hero.placeholders if p.kind == "status" for v in p.top_values] == [("200", 30)]


def test_a_message_that_is_a_requests_target_alone_reads_as_the_request() -> None:
    """authentik's structlog writes each request's path as its "event" (the message), its method and status beside
    it: 322 records of 566 were one template "<*>", said in the summary as '"<*>": 26 ERROR among its 322 records'."""
    paths = ["/api/v3/core/users/me/", "/application/o/token/", "/static/dist/admin/1cea65dd.js"]
    records: list[dict[str, object]] = []
    for i in range(90):
        status = 500 if i % 9 == 4 else 200
        records.append(
            {
                "event": paths[i % 3],
                "level": "info",
                "logger": "authentik.asgi",
                "method": "GET",
                "status": status,
                "timestamp": _at(i),
            }
        )
    rep = _report(records)
    assert sorted(t.text for t in rep.templates) == [
        "GET /api/<*>/core/users/me/ <*>",
        "GET /application/o/token/ <*>",
        "GET /static/dist/admin/<*>.js <*>",
    ]
    token = next(t for t in rep.templates if "token" in t.text)
    assert [(v.value, v.count) for p in token.placeholders if p.kind == "status" for v in p.top_values] == [
        ("200", 20),
        ("500", 10),
    ]


def test_an_error_field_that_holds_an_object_or_a_list_is_read_without_failing() -> None:
    """An "error" field whose value is an object or a list (Elasticsearch's rejection, a bulk response's items): the
    test of a value that holds nothing took it for a string and the analysis failed (unhashable)."""
    lines = []
    for i in range(30):
        error = {"type": "es_rejected_execution_exception", "reason": f"rejected {i}"} if i % 3 else [f"e{i}", "x"]
        lines.append(json.dumps({"time": f"2024-12-05T00:00:{i:02d}Z", "msg": "bulk failed", "error": error}))
        lines.append(json.dumps({"time": f"2024-12-05T00:01:{i:02d}Z", "err": None, "error": "null", "op": "flush"}))
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 60
    assert {t.text for t in rep.templates} >= {"bulk failed"}
    assert report_pb2.Level.Name(next(t for t in rep.templates if t.text == "bulk failed").max_level) == "LEVEL_ERROR"


def test_an_audit_events_time_under_another_name_and_its_display_message_are_read() -> None:
    """Okta's System Log: each event's time is "published", its message "displayMessage", beside "eventType", an
    actor and a client: no record had a time (its 40-minute outage untold), every template was a list of fields."""
    lines = []
    for i in range(40):
        event = ("User login to Okta", "user.session.start") if i % 2 else ("User logout from Okta", "user.session.end")
        lines.append(
            json.dumps(
                {
                    "actor": {"id": f"00u{i}", "displayName": f"User {i}"},
                    "client": {"ipAddress": f"10.0.0.{i}", "userAgent": {"browser": "CHROME"}},
                    "displayMessage": event[0],
                    "eventType": event[1],
                    "outcome": {"result": "SUCCESS"},
                    "published": f"2024-03-12T00:{i:02d}:32.104Z",
                    "severity": "INFO",
                    "uuid": f"6f2c{i:04d}-e1b2",
                }
            )
        )
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.timestamp_share == 1.0
    assert rep.time_range.start_time.ToJsonString() == "2024-03-12T00:00:32Z"
    assert sorted(t.text for t in rep.templates) == ["User login to Okta", "User logout from Okta"]


def test_one_plain_line_written_again_among_json_records_keeps_its_whole_message() -> None:
    """A zap JSON service writes Go's standard log line "2024/05/14 12:00:00 maxprocs: Leaving GOMAXPROCS=2: CPU quota
    undefined" at each start: the two plain lines were the layout of the lines JSON leaves over, every word shared,
    so the message's first words went into the header and the template (and the restart it told) read "CPU quota
    undefined"."""
    lines = []
    for start in range(2):
        lines.append(f"2024/05/14 1{start}:00:00 maxprocs: Leaving GOMAXPROCS=2: CPU quota undefined")
        lines += [
            f'{{"severity":"INFO","timestamp":"2024-05-14T1{start}:00:{i:02d}.000000426Z","logger":"activator",'
            f'"message":"Registering {i % 5} clients"}}'
            for i in range(40)
        ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = {t.text for t in rep.templates}
    assert "maxprocs: Leaving GOMAXPROCS=<*>: CPU quota undefined" in texts, texts
