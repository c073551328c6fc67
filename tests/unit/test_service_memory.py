"""Reports marked against their service's pattern registry: the rules that mark them (registry.annotate), the
summary that leads with what is new and leaves muted messages out, and the HTML page's marks. No servers."""

from __future__ import annotations

import datetime as dt

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine.miner import template_id
from loglens_analysis.engine.summary import write_summary
from loglens_analysis.registry import PatternState, RegistryView, annotate, effective_state, pattern_change
from loglens_common.errors import InvalidArgument
from loglens_presentation import render

INFO, WARN, ERROR = report_pb2.LEVEL_INFO, report_pb2.LEVEL_WARN, report_pb2.LEVEL_ERROR


def report(*templates: tuple[str, int, int]) -> report_pb2.AnalysisReport:
    rep = report_pb2.AnalysisReport(format=report_pb2.FormatDetection(name="plain"))
    line = 1
    for text, count, level in templates:
        rep.templates.add(
            id=template_id(text),
            text=text,
            count=count,
            levels=[report_pb2.LevelCount(level=level, count=count)],
            max_level=level,
            first_line=line,
            last_line=line + count - 1,
        )
        rep.levels.add(level=level, count=count)
        line += count
        rep.record_count += count
    rep.template_count = len(templates)
    write_summary(rep)
    return rep


BASE = (
    ("request served in <*> ms", 500, INFO),
    ("cache hit for key <*>", 3000, INFO),
    ("retrying upstream <*>", 40, WARN),
)


def test_new_messages_lead_the_summary_and_muted_ones_are_left_out() -> None:
    rep = report(*BASE, ("ledger sync aborted in batch <*>", 2, ERROR), ("token cache evicted <*> entries", 1, WARN))
    states = {template_id(t): PatternState.UNREVIEWED for t, _, _ in BASE}
    states[template_id("cache hit for key <*>")] = PatternState.MUTED
    marked = annotate(rep, "shop", RegistryView(earlier_runs=5, states=states))
    new = {template_id("ledger sync aborted in batch <*>"), template_id("token cache evicted <*> entries")}
    assert marked.new_ids == new
    assert [c.template_ids[0] for c in rep.summary.claims[:2]] == [
        template_id("ledger sync aborted in batch <*>"),  # the error first
        template_id("token cache evicted <*> entries"),
    ]
    assert all(c.text.startswith("New to this service") for c in rep.summary.claims[:2])
    muted = template_id("cache hit for key <*>")
    assert all(muted not in c.template_ids for c in rep.summary.claims) and "cache hit" not in rep.summary.text
    assert rep.summary.text.endswith("Muted for this service and left out: 1 messages, 3000 records.")
    memory = rep.service_memory
    assert (memory.service, memory.earlier_runs, memory.new_templates, memory.muted_records) == (
        "services/shop",
        5,
        2,
        3000,
    )


def test_the_first_run_is_the_baseline_and_a_reworded_message_is_not_new() -> None:
    first = report(*BASE)
    annotate(first, "shop", RegistryView(earlier_runs=0, states={}))
    assert not any(t.new_to_service for t in first.templates)
    # "retrying upstream <*>" registered; a run says "retrying upstream db-1" (one value seen): the same message.
    rep = report(*BASE[:2], ("retrying upstream db-1", 3, WARN))
    states = {template_id(t): PatternState.UNREVIEWED for t, _, _ in BASE[:2]}
    states[template_id("retrying upstream <*>")] = PatternState.IMPORTANT
    candidates = {template_id("retrying upstream <*>"): ("retrying", "upstream", "<*>")}
    marked = annotate(rep, "shop", RegistryView(1, states, candidates))
    reworded = template_id("retrying upstream db-1")
    assert marked.new_ids == set() and marked.lineage == {reworded: [template_id("retrying upstream <*>")]}
    assert marked.states[reworded] is PatternState.IMPORTANT
    assert any(c.text.startswith("Marked important") and reworded in c.template_ids for c in rep.summary.claims)


def test_states_expire_and_updates_are_checked() -> None:
    now = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    assert effective_state("MUTED", now + dt.timedelta(days=1), now) is PatternState.MUTED
    assert effective_state("MUTED", now, now) is PatternState.UNREVIEWED
    change = pattern_change(["state"], {}, "", PatternState.MUTED, now + dt.timedelta(days=7), now)
    assert change.state is PatternState.MUTED and change.state_expire_time == now + dt.timedelta(days=7)
    for paths, labels, note, state, expire in (
        ([], {}, "", None, None),
        (["text"], {}, "", None, None),
        (["labels"], {"bad key": "v"}, "", None, None),
        (["labels"], {f"k{i}": "v" for i in range(17)}, "", None, None),
        (["note"], {}, "x" * 2001, None, None),
        (["state"], {}, "", None, None),
        (["state_expire_time"], {}, "", None, now - dt.timedelta(seconds=1)),
    ):
        with pytest.raises(InvalidArgument):
            pattern_change(paths, labels, note, state, expire, now)


def test_the_html_page_marks_new_to_service_templates_and_names_their_history() -> None:
    rep = report(*BASE, ("ledger sync aborted in batch <*>", 2, ERROR))
    states = {template_id(t): PatternState.UNREVIEWED for t, _, _ in BASE}
    states[template_id("cache hit for key <*>")] = PatternState.MUTED
    annotate(rep, "shop", RegistryView(3, states))
    page = render(rep, "html", title="t")
    new_id = template_id("ledger sync aborted in batch <*>")
    assert '<section id="new"><h2>New to this service' in page
    assert page.count('<span class="mark">new to this service</span>') == 1
    assert f"services/shop/patterns/{new_id}" in page and f"loglens pattern shop/{new_id}" in page
    assert '<span class="mark mark-muted">muted</span>' in page
    assert "1 muted messages (3,000 records) are left out of the summary." in page
    plain = report(*BASE)
    assert '<section id="new">' not in render(plain, "html", title="t")
