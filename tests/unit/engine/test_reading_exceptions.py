"""Which one-line messages carry an exception type. Synthetic lines written for these tests."""

from __future__ import annotations

import pytest

from loglens_analysis.engine.exceptions import exception_of
from loglens_analysis.engine.records import JOIN

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "message",
    [
        "Error: the daemon must be run on a desktop session. Stopping...",  # a severity word, not a type
        "Warning: loader could not open a file",
        "Fatal: no config",
        "Audit.Events: user EVENT: LOGIN, entering state idle",  # a capitalised logger or tag
        "Queue.Worker: job 7 done",
    ],
)
def test_a_severity_word_or_a_logger_name_is_no_exception_type(message: str) -> None:
    assert exception_of("x", message) is None


@pytest.mark.parametrize(
    ("message", "type_"),
    [
        ("TimeoutError: timed out", "TimeoutError"),
        ("Exception: boom", "Exception"),
        ("java.lang.OutOfMemoryError: Java heap space", "java.lang.OutOfMemoryError"),
        ("android.util.Log$TerribleFailure: no wakelocks", "android.util.Log$TerribleFailure"),
        ("System.IO.IOException: disk full", "System.IO.IOException"),
        ("AirflowTaskTimeout: task took too long", "AirflowTaskTimeout"),
    ],
)
def test_one_line_exception_types(message: str, type_: str) -> None:
    info = exception_of("x", message)
    assert info is not None and info.type == type_


@pytest.mark.parametrize("frame_indent", ["\t", "    "])
def test_an_exception_whose_message_goes_on_over_lines_before_its_frames_is_still_the_exception(
    frame_indent: str,
) -> None:
    # A JDBC driver's exception: its message's "Detail:" and "Hint:" lines come between it and its frames. The
    # exception is the typed line above them, not "Hint" (the line right above the frames), and not none.
    record = JOIN.join(
        [
            "2024-03-01 12:00:09,789 ERROR [pool-2] Db - Query failed",
            "org.postgresql.util.PSQLException: ERROR: deadlock detected",
            "  Detail: Process 4242 waits for ShareLock on transaction 1234; blocked by process 4343.",
            "  Hint: See server log for query details.",
            f"{frame_indent}at org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(Executor.java:26)",
            f"{frame_indent}at com.example.Db.run(Db.java:88)",
        ]
    )
    got = exception_of(record)
    assert got is not None
    assert (got.type, got.message, got.root_type) == (
        "org.postgresql.util.PSQLException",
        "ERROR: deadlock detected",
        "org.postgresql.util.PSQLException",
    )
    assert got.frames == ("org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse", "com.example.Db.run")
