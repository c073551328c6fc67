"""Header layouts discovered from the file: where a record's header ends and its message starts. Synthetic lines
written for these tests."""

from __future__ import annotations

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.formats import FORMAT_HEADER, RecordParser, detect_format

pytestmark = pytest.mark.unit


def _delimited_lines() -> list[str]:
    # "host - app (pid) - date time zone - level - tags - file - message": fields delimited by " - ", the tags
    # several words or one, the file field empty; more tokens before the tags than a header's columns hold.
    tags = ("retry budget", "db", "no tags")
    messages = ("timeout reading ledger", "ledger closed - retrying", "lost lease on shard")
    return [
        f"api.lan - billing ({4000 + i}) - {1 + i % 28} Jun 21 09:{i % 60:02d} +02 - error - {tags[i % 3]} - - "
        f"{messages[i % 3]}"
        for i in range(60)
    ]


def test_delimited_fields_after_the_header_columns_are_not_the_message() -> None:
    lines = _delimited_lines()
    guess = detect_format(lines)
    assert guess.name == FORMAT_HEADER
    parser = RecordParser(guess)
    assert [parser.parse(line).message for line in lines[:3]] == [
        "timeout reading ledger",
        "ledger closed - retrying",  # the delimiter inside a message stays
        "lost lease on shard",
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert sorted(t.text for t in rep.templates) == [
        "ledger closed - retrying",
        "lost lease on shard",
        "timeout reading ledger",
    ]
    assert {report_pb2.Level.Name(t.max_level) for t in rep.templates} == {"LEVEL_ERROR"}


def test_a_header_layout_is_reported_only_for_a_header_message_file() -> None:
    """The format's header layout names a header-message file's columns; a klog file whose few other lines fit a
    layout reports none (it would read as the klog file's own layout)."""
    klog = [f"I0102 03:04:{i % 60:02d}.000001    1234 server.go:{i % 90 + 1}] request {i} served" for i in range(300)]
    other = [f"[2024-01-02 03:04:{i % 60:02d}] INFO app: started worker {i}" for i in range(6)]
    rep = analyze([("\n".join(klog[:150] + other + klog[150:]) + "\n").encode()])
    assert rep.format.name == "klog"
    assert rep.format.header_layout == ""
    header = [f"2024-01-02 03:04:{i % 60:02d} INFO app: started worker {i}" for i in range(300)]
    rep = analyze([("\n".join(header) + "\n").encode()])
    assert rep.format.name == "header-message" and rep.format.header_layout
