"""Validation of names, labels and services: whole strings only, and no control, bidi or zero-width characters.

File names are the exception: kept as given (C0/C1 controls aside) and shown escaped by the CLI and reports.
"""

from __future__ import annotations

from typing import Any

import pytest

from loglens_cli.commands import clean
from loglens_common import names
from loglens_common.errors import InvalidArgument
from loglens_common.logs import accepted_request_id
from loglens_common.text import unsafe_character, visible, visible_name
from loglens_gateway.domain import parse_api_key_name, validate_display_name, validate_registration
from loglens_ingest.domain import validate_metadata

ID = "0123456789abcdef" * 2
GOOD = "correct horse battery staple"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "evil<RLO>gol.exe" reads as "evilexe.log"


def metadata(**changes: Any) -> Any:
    values: dict[str, Any] = {
        "filename": "app.log",
        "content_type": "",
        "labels": {},
        "service": "",
        "request_id": "",
        "declared_size": None,
        "declared_sha256": "",
        "analyze": True,
        "max_bytes": 1 << 30,
        **changes,
    }
    return validate_metadata(**values)


def violation(**changes: Any) -> tuple[str, str]:
    with pytest.raises(InvalidArgument) as caught:
        metadata(**changes)
    [found] = caught.value.violations
    return found.field, found.description


@pytest.mark.parametrize(
    "parse",
    [
        lambda: names.parse_log_file(f"logFiles/{ID}\n"),
        lambda: names.parse_analysis_run(f"logFiles/{ID}/analysisRuns/{ID}\n"),
        lambda: names.parse_report(f"logFiles/{ID}/analysisRuns/{ID}/report\n"),
        lambda: parse_api_key_name(f"apiKeys/{ID}\n"),
    ],
)
def test_a_trailing_newline_is_not_part_of_a_valid_name(parse: Any) -> None:
    with pytest.raises(InvalidArgument):
        parse()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"service": "orders\n"}, "metadata.service"),
        ({"labels": {"env\n": "prod"}}, "metadata.labels['env␊']"),
        ({"request_id": "r-1\n"}, "metadata.request_id"),
        ({"declared_sha256": "0" * 64 + "\n"}, "metadata.declared_sha256"),
        ({"time_zone": "UTC\n"}, "metadata.time_zone"),
    ],
)
def test_upload_fields_are_matched_whole(changes: dict[str, Any], field: str) -> None:
    found, _ = violation(**changes)
    assert found == field


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"service": f"orders{RLO}"}, "metadata.service", "U+202E RIGHT-TO-LEFT OVERRIDE (a bidirectional-text"),
        ({"service": "ord\u200bers"}, "metadata.service", "U+200B ZERO WIDTH SPACE (an invisible"),
        ({"labels": {"env": f"pr{RLO}od"}}, "metadata.labels['env']", "the value contains U+202E"),
        ({"labels": {"env": "prod\x85"}}, "metadata.labels['env']", "U+0085 (a C1 control character) at character 5"),
        ({"labels": {"env": "a\u2066b"}}, "metadata.labels['env']", "U+2066 LEFT-TO-RIGHT ISOLATE"),
        ({"labels": {"env": "\ufeffprod"}}, "metadata.labels['env']", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ({"labels": {"e\u200dnv": "prod"}}, "metadata.labels['e\\u200dnv']", "the key contains U+200D"),
        ({"filename": "app\x9b31m.log"}, "metadata.filename", "U+009B (a C1 control character)"),
        ({"filename": "app\x1b.log"}, "metadata.filename", "U+001B (a control character)"),
    ],
)
def test_control_bidi_and_zero_width_characters_are_refused_with_what_and_where(
    changes: dict[str, Any], field: str, words: str
) -> None:
    found, description = violation(**changes)
    assert found == field and words in description and "remove it" in description


def test_a_file_name_keeps_bidi_and_zero_width_characters_and_is_shown_escaped() -> None:
    name = f"evil{RLO}gol.exe"
    assert metadata(filename=name).filename == name  # kept as given
    assert metadata(filename="report\u200b.log").filename == "report\u200b.log"
    assert clean(name) == "evil\\u202egol.exe"  # the CLI's ls, runs, report titles
    assert clean("a\x1b[31mb\tc\nd") == "a␛[31mb␉c␊d"


def test_account_fields_refuse_hidden_characters() -> None:
    with pytest.raises(InvalidArgument) as caught:
        validate_registration("alice", f"alice{RLO}@example.com", GOOD)
    assert caught.value.violations[0].field == "email" and "U+202E" in caught.value.message
    with pytest.raises(InvalidArgument) as caught:
        validate_display_name("nightly\u200bCI")
    assert caught.value.violations[0].field == "api_key.display_name" and "U+200B" in caught.value.message
    assert validate_display_name("nächtlicher CI-Lauf 🚀") == "nächtlicher CI-Lauf 🚀"


def test_the_character_rules() -> None:
    assert unsafe_character("orders-eu.1 ünïcödé 日本 🚀") is None
    for char in ["\x00", "\t", "\n", "\x7f", "\x80", "\x9f", "\u061c", "\u200b", "\u200e", "\u2028", "\u202a"]:
        assert unsafe_character(f"a{char}b") is not None, repr(char)
    for char in ["\u2060", "\u2066", "\u2069", "\ufeff"]:
        assert unsafe_character(char) is not None, repr(char)
    assert visible("line\twith tab\nnext\x1b") == "line\twith tab\nnext␛"  # log text keeps tab and newline
    assert visible_name("x\ty\n\x7f\u202e") == "x␉y␊␡\\u202e"


def test_a_callers_request_id_is_kept_only_when_it_is_a_plain_token() -> None:
    assert accepted_request_id("build-42:step.7") == "build-42:step.7"
    for sent in ("", "r-1\n", "two words", "x" * 129, f"r{RLO}1"):
        replaced = accepted_request_id(sent)
        assert replaced != sent and len(replaced) == 32
