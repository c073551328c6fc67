"""The JSON log line: its time is the record's own instant to the millisecond in UTC, whatever second the formatter
saw before (the second's text is made once per second), and a field JSON cannot hold is written as redacted text."""

from __future__ import annotations

import json
import logging
import time
import uuid

import pytest

from loglens_common.logs import JsonFormatter
from loglens_common.redaction import register_secrets

pytestmark = pytest.mark.unit


def _record(created: float) -> logging.LogRecord:
    record = logging.LogRecord("loglens.rpc", logging.INFO, __file__, 1, "rpc", None, None)
    record.created = created
    record.msecs = (created - int(created)) * 1000
    return record


def _expected(created: float) -> str:  # the line's time as it was written before the second was remembered
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int((created - int(created)) * 1000):03d}Z"


def test_each_line_has_its_own_instant_across_seconds_and_back() -> None:
    formatter = JsonFormatter("test")
    # within a second, the next second, a record formatted late (an earlier second), a day later
    instants = [1_796_068_800.001, 1_796_068_800.999, 1_796_068_801.5, 1_796_068_799.25, 1_796_155_200.042]
    for created in instants:
        assert json.loads(formatter.format(_record(created)))["time"] == _expected(created)
    assert _expected(1_796_068_801.5) == "2026-11-30T20:00:01.500Z"


def test_a_field_json_cannot_hold_is_its_redacted_text() -> None:
    secret = "s3cr3t-value-for-the-log-test"
    register_secrets([secret])

    class Opaque:
        def __str__(self) -> str:
            return f"opaque holding {secret}"

    record = _record(1_796_068_800.0)
    run = uuid.UUID(int=7)
    record.fields = {"run": run, "thing": Opaque(), "ms": 0.4, "ok": True}  # type: ignore[attr-defined]
    entry = json.loads(JsonFormatter("test").format(record))
    assert entry["run"] == str(run)
    assert entry["thing"] == "opaque holding ***"
    assert (entry["ms"], entry["ok"]) == (0.4, True)
