"""Resource names, page tokens and the run state machine."""

from __future__ import annotations

import datetime as dt

import pytest

from loglens_analysis.domain import RunState, backoff_s, can_move
from loglens_common import names
from loglens_common.errors import InvalidArgument, not_found


def test_resource_names_round_trip() -> None:
    a, b = names.new_id(), names.new_id()
    assert names.parse_log_file(names.log_file_name(a)) == a
    assert names.parse_analysis_run(names.analysis_run_name(a, b)) == (a, b)
    assert names.parse_report(names.analysis_run_name(a, b) + "/report") == (a, b)


@pytest.mark.parametrize("bad", ["", "logFiles/", "logFiles/xyz", "logFiles/" + "A" * 32, "other/" + "a" * 32])
def test_bad_names_are_invalid_arguments(bad: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        names.parse_log_file(bad)
    assert caught.value.violations[0].field == "name"


def test_page_tokens_are_bound_to_their_query() -> None:
    now = dt.datetime.now(dt.UTC)
    token = names.encode_page_token(now, "abc", "q1")
    assert names.decode_page_token(token, "q1") == (now, "abc")
    with pytest.raises(InvalidArgument):
        names.decode_page_token(token, "q2")
    with pytest.raises(InvalidArgument):
        names.decode_page_token("garbage!", "q1")


def test_page_size_defaults_and_caps() -> None:
    assert names.page_size(0) == names.DEFAULT_PAGE_SIZE
    assert names.page_size(10**6) == names.MAX_PAGE_SIZE
    with pytest.raises(InvalidArgument):
        names.page_size(-1)


def test_not_found_is_the_same_for_every_cause() -> None:
    first, second = not_found("logFiles/1"), not_found("logFiles/1")
    assert (first.message, first.reason, dict(first.metadata)) == (second.message, second.reason, dict(second.metadata))


def test_run_state_machine() -> None:
    assert can_move(RunState.QUEUED, RunState.RUNNING)
    assert can_move(RunState.RUNNING, RunState.SUCCEEDED)
    assert can_move(RunState.RUNNING, RunState.QUEUED)  # a transient failure gives it back
    for terminal in (RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED):
        assert terminal.terminal
        assert not any(can_move(terminal, target) for target in RunState)


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff_s(1, n) for n in (1, 2, 3)] == [1, 2, 4]
    assert backoff_s(1, 30) == 60


def test_cut_page_returns_a_token_only_when_more_rows_follow() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Row:
        create_time: dt.datetime
        id: str

    now = dt.datetime.now(dt.UTC)
    rows = [Row(now - dt.timedelta(seconds=i), f"r{i}") for i in range(3)]
    page, token = names.cut_page(rows, 2, "q")
    assert [r.id for r in page] == ["r0", "r1"]
    assert names.decode_page_token(token, "q") == (rows[1].create_time, "r1")
    assert names.cut_page(rows[:2], 2, "q") == (rows[:2], "")
