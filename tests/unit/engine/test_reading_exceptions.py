"""Which one-line messages carry an exception type. Synthetic lines written for these tests."""

from __future__ import annotations

import pytest

from loglens_analysis.engine.exceptions import exception_of

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
