"""Logs exported as one JSON document (a pretty-printed array of entries, an API's answer that holds them) or as JSON
objects written over several lines each (``journalctl -o json-pretty``, ``jq .``): each object is one record, cited
at the line it opens on. Synthetic entries written for these tests after the tools' documented output."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.chunks import FileContext
from loglens_analysis.engine.formats import FORMAT_JSON
from loglens_analysis.engine.records import JOIN, RecordReader

pytestmark = pytest.mark.unit

_T0 = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
_MESSAGES = [
    ("INFO", "Order {} processed in {} ms"),
    ("INFO", "Handling request GET /api/orders/{}"),
    ("ERROR", "Failed to connect to payments at 10.0.3.{}:5432: connection refused"),
]


def _entry(i: int) -> dict[str, object]:
    """A Cloud Logging entry as ``gcloud logging read --format=json`` writes it (keys sorted, resource nested)."""
    severity, text = _MESSAGES[i % 3]
    t = _T0 + timedelta(seconds=7 * i)
    return {
        "insertId": f"{i:016x}",
        "logName": "projects/acme/logs/stdout",
        "resource": {"labels": {"container_name": "orders", "pod_name": "orders-7d9f"}, "type": "k8s_container"},
        "severity": severity,
        "textPayload": text.format(1000 + i, i % 9 + 1),
        "timestamp": t.isoformat().replace("+00:00", "Z"),
    }


def _lines_of(text: str, line: str) -> list[int]:
    """The numbers of the lines that are ``line`` (where a pretty-printer opens each entry: "  {")."""
    return [n for n, text_line in enumerate(text.split("\n"), 1) if text_line == line]


def _levels(rep: report_pb2.AnalysisReport) -> dict[str, int]:
    return {report_pb2.Level.Name(lc.level).removeprefix("LEVEL_"): lc.count for lc in rep.levels}


def test_a_pretty_printed_array_of_entries_is_one_record_per_entry_at_the_line_it_opens_on() -> None:
    entries = [_entry(i) for i in range(30)]
    text = json.dumps(entries, indent=2) + "\n"
    rep = analyze([text.encode()])
    assert rep.format.name == FORMAT_JSON
    assert rep.record_count == 30
    assert rep.parse_quality.timestamp_share == 1.0 and rep.parse_quality.level_share == 1.0
    assert rep.parse_quality.envelope == "json-document"
    assert "each record one object of a JSON document" in rep.format.description
    assert _levels(rep) == {"INFO": 20, "ERROR": 10}
    counts = {t.text: t.count for t in rep.templates}
    assert counts == {
        "Order <*> processed in <*> ms": 10,
        "Handling request GET /api/orders/<*>": 10,
        "Failed to connect to payments at <*>:<*>: connection refused": 10,
    }
    opens = _lines_of(text, "  {")
    errors = next(t for t in rep.templates if t.text.startswith("Failed"))
    assert errors.first_line == opens[2] and errors.last_line == opens[29]
    assert [e.line_number for e in errors.examples] == opens[2 : 2 + 3 * len(errors.examples) : 3]
    assert rep.time_range.start_time.ToDatetime(UTC) == _T0
    assert rep.time_range.end_time.ToDatetime(UTC) == _T0 + timedelta(seconds=7 * 29)


def test_an_answer_that_holds_its_entries_under_a_key_reads_the_entries_only() -> None:
    """``aws logs filter-log-events``: {"events": [...], "searchedLogStreams": [...]}; its own keys are no records."""
    events = [
        {
            "logStreamName": "2024/03/05/[$LATEST]0123456789abcdef",
            "timestamp": int((_T0 + timedelta(seconds=3 * i)).timestamp() * 1000),
            "message": f"[ERROR]\t2024-03-05T10:00:00.000Z\t{i:08x}-1111-2222-3333-444455556666\tItem failed: timeout\n"
            if i % 10 == 9
            else f"processing item {i}\n",
            "ingestionTime": 0,
            "eventId": str(10**20 + i),
        }
        for i in range(40)
    ]
    streams = [{"logStreamName": "x", "searchedCompletely": True}]
    text = json.dumps({"events": events, "searchedLogStreams": streams}, indent=4)
    rep = analyze([(text + "\n").encode()])
    assert rep.record_count == 40
    assert rep.parse_quality.timestamp_share == 1.0
    counts = {t.text: t.count for t in rep.templates}
    # The message is the function's own line: its level and the text after its header (level, time, request id).
    assert counts == {"processing item <*>": 36, "<*> Item failed: timeout": 4}
    assert _levels(rep)["ERROR"] == 4
    opens = _lines_of(text, "        {")[:40]  # (the 41st opens the answer's list of streams searched: no record)
    failed = next(t for t in rep.templates if t.count == 4)
    assert (failed.first_line, failed.last_line) == (opens[9], opens[39])


def test_pretty_objects_one_after_another_are_one_record_each_and_a_records_own_list_stays_in_it() -> None:
    """``journalctl -o json-pretty`` and ``jq .``: objects one after another; an object with a time, a level or a
    message is a record even where it holds a list of objects (a request's spans)."""
    objs = []
    for i in range(12):
        objs.append(
            {
                "time": (_T0 + timedelta(seconds=i)).isoformat(),
                "level": "warn" if i % 4 == 3 else "info",
                "msg": "request served" if i % 4 != 3 else "request slow",
                "spans": [{"name": "db", "ms": i}, {"name": "render", "ms": 2 * i}],
            }
        )
    text = "".join(json.dumps(o, indent=2) + "\n" for o in objs)
    rep = analyze([text.encode()])
    assert rep.record_count == 12
    assert {t.text: t.count for t in rep.templates} == {"request served": 9, "request slow": 3}
    assert _levels(rep) == {"INFO": 9, "WARN": 3}
    per = text.count("\n") // 12
    slow = next(t for t in rep.templates if t.text == "request slow")
    assert slow.first_line == 3 * per + 1


@pytest.mark.parametrize("block_bytes", [97, 300, 1000, 4096, 1 << 20])
def test_records_are_the_same_however_the_document_is_cut_into_blocks(block_bytes: int) -> None:
    text = json.dumps([_entry(i) for i in range(40)], indent=2) + "\n"
    data = text.encode()
    whole = RecordReader()
    expected = "\n".join(b.text for b in whole.blocks([data]))
    reader = RecordReader(block_bytes=block_bytes)
    blocks = list(reader.blocks([data[i : i + 131] for i in range(0, len(data), 131)]))
    assert "\n".join(b.text for b in blocks) == expected
    assert reader.counters.lines == whole.counters.lines == text.count("\n")
    for before, block in itertools.pairwise(blocks):
        assert block.first_line == before.first_line + before.text.count("\n") + before.text.count(JOIN) + 1
    records = [r for r in expected.split("\n") if r]
    assert len(records) == 40
    assert all(json.loads(r.split(JOIN, 1)[0]) == _entry(i) for i, r in enumerate(records))


def test_a_truncated_document_keeps_its_whole_records_and_reads_the_rest_as_lines() -> None:
    text = json.dumps([_entry(i) for i in range(20)], indent=2)
    cut = text[: text.index('"textPayload"', text.index('"insertId": "000000000000000f"'))]
    rep = analyze([cut.encode()])
    assert rep.parse_quality.envelope == "json-document"
    assert sum(t.count for t in rep.templates if t.text.startswith(("Order", "Handling", "Failed"))) == 15
    assert rep.line_count == cut.count("\n") + 1  # every line read, none lost


@pytest.mark.parametrize(
    "text",
    [
        # An application that prints its configuration, then logs: the configuration is one record, the log its lines.
        '{\n  "port": 8080,\n  "workers": 4\n}\n'
        + "".join(f"2024-03-05 10:00:{i:02d} INFO worker {i} ready\n" for i in range(20)),
        # A bracket alone, then no JSON.
        "[\n" + "".join(f"2024-03-05 10:00:{i:02d} INFO worker {i} ready\n" for i in range(20)),
    ],
)
def test_a_log_that_opens_with_a_brace_or_a_bracket_is_read_as_its_lines_after_it(text: str) -> None:
    rep = analyze([text.encode()])
    assert rep.parse_quality.envelope == ""
    ready = next(t for t in rep.templates if t.text == "worker <*> ready")
    assert ready.count == 20
    assert ready.first_line == text.split("\n").index("2024-03-05 10:00:00 INFO worker 0 ready") + 1
    assert rep.line_count == text.count("\n")


def test_json_lines_are_not_a_document() -> None:
    text = "".join(json.dumps(_entry(i)) + "\n" for i in range(30))
    rep = analyze([text.encode()])
    assert rep.parse_quality.envelope == ""
    assert rep.record_count == 30
    assert rep.parse_quality.multiline_records == 0


def test_a_json_document_is_not_cut_into_chunks() -> None:
    text = json.dumps([_entry(i) for i in range(30)], indent=2) + "\n"
    assert FileContext(text.encode()).refusal is not None
    assert FileContext("".join(json.dumps(_entry(i)) + "\n" for i in range(30)).encode()).refusal is None


def test_a_message_that_holds_a_whole_trace_is_read_as_the_trace() -> None:
    """Cloud Logging keeps a Python traceback in the entry's textPayload, lines and all."""
    entries = [_entry(i) for i in range(9)]
    entries[4]["textPayload"] = (
        'Traceback (most recent call last):\n  File "/app/main.py", line 12, in handle\n    db.connect()\n'
        "ConnectionError: payments unavailable\n"
    )
    lines = "".join(json.dumps(e) + "\n" for e in entries)
    for text in (lines, json.dumps(entries, indent=2) + "\n"):
        rep = analyze([text.encode()])
        assert [(g.exception_type, g.message, g.count) for g in rep.exception_groups] == [
            ("ConnectionError", "payments unavailable", 1)
        ]


@pytest.mark.parametrize(
    "text",
    [
        '{"a":' * 3000 + "1" + "}" * 3000,  # a line that opens as a JSON object
        "[" * 3000 + "]" * 3000,  # a document that opens as an array
        '{"log":' * 3000 + '"x"' + "}" * 3000,  # a Docker json-file record's opening
        '{"level":"info","msg":"ok"}\n' * 30 + '{"a":' * 3000 + "1" + "}" * 3000 + "\n",  # among JSON records
    ],
)
def test_json_nested_deeper_than_the_decoder_goes_is_read_as_text(text: str) -> None:
    """A value nested a few thousand levels deep makes Python's JSON decoder raise RecursionError, not ValueError:
    uncaught, a 12 KB file failed its analysis. Such a line is no JSON record the engine can read: it is text."""
    rep = analyze([text.encode()])
    assert rep.line_count == text.count("\n") + (not text.endswith("\n"))
    assert rep.record_count >= 1
