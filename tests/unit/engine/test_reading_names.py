"""What a word in a message is: a name that stays in the template, or a variable that becomes a placeholder.
Synthetic lines written for these tests."""

from __future__ import annotations

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.masking import mask_text

pytestmark = pytest.mark.unit


def _run(text: str) -> report_pb2.AnalysisReport:
    return analyze([text.encode()])


def test_a_domain_before_a_path_names_a_thing_and_stays_in_the_template() -> None:
    # A plugin, a package and an image under a domain: constant names, not hosts reached.
    assert mask_text('Loaded volume plugin "kubernetes.io/aws-ebs"') == 'Loaded volume plugin "kubernetes.io/aws-ebs"'
    assert mask_text("import github.com/org/repo/pkg failed") == "import github.com/org/repo/pkg failed"
    assert mask_text("label node.kubernetes.io/os=linux") == "label node.kubernetes.io/os=linux"


def test_hosts_and_addresses_are_still_placeholders() -> None:
    assert mask_text("reverse mapping for ns.example.com [10.1.2.3] failed") == "reverse mapping for <*> [<*>] failed"
    assert mask_text("connect to ip-10-0-0-1.ec2.internal failed") == "connect to <*> failed"
    # A name before a path keeps its words; its digits are numbers.
    assert mask_text("pull registry-1.docker.io/library/x") == "pull registry-<*>.docker.io/library/x"
    assert mask_text("see https://kubernetes.io/docs") == "see <*>"
    assert mask_text("Opening proxy : web1.corp.example.com:5488") == "Opening proxy : <*>:<*>"


def test_plugin_names_under_a_domain_are_named_whole_by_one_template() -> None:
    # One statement ("Error getting volume limit for plugin %s") naming three plugins: one template whose placeholder
    # holds each name whole (not "<*>/azure-disk"), as a dotted name is data however few its values.
    plugins = ("kubernetes.io/azure-disk", "kubernetes.io/aws-ebs", "kubernetes.io/cinder")
    lines = [
        f"I0820 20:28:{i % 60:02d}.510512    3312 csi.go:42] Error getting volume limit for plugin {plugins[i % 3]}"
        for i in range(90)
    ]
    rep = _run("\n".join(lines) + "\n")
    assert [t.text for t in rep.templates] == ["Error getting volume limit for plugin <*>"]
    values = {v.value: v.count for v in rep.templates[0].placeholders[0].top_values}
    assert values == dict.fromkeys(plugins, 30)


def test_a_zone_written_after_a_space_belongs_to_its_date_time() -> None:
    # Ruby's and Go's way of writing a time in a message: the offset is the date-time's, not a placeholder of its own.
    assert mask_text("GET / for 10.0.0.7 at 2021-07-09 11:02:13 -0700") == "GET / for <*> at <*>:<*>:<*>"
    assert mask_text("tick at 2021-07-09 11:02:13.5 +0000 UTC") == "tick at <*>:<*>:<*> UTC"
    assert mask_text("moved 2021-07-09 11:02:13 -12.5 units") == "moved <*>:<*>:<*> <*> units"  # a number, no zone


def test_a_url_ends_before_the_punctuation_and_brackets_around_it() -> None:
    assert mask_text("endpoints ([https://10.1.2.3:2379])") == "endpoints ([<*>])"
    assert mask_text("Cannot connect to amqp://guest:**@broker:5672//: refused.") == "Cannot connect to <*>: refused."
    assert mask_text("see https://example.org/a/b.html.") == "see <*>."
    assert mask_text("fetch http://h/x?a=1&b=2 done") == "fetch <*> done"
    # A request's target written whole: its scheme and authority are one value, its path the route.
    assert mask_text("GET http://h/x?a=1&b=2 done") == "GET <*>/x?a=<*>&b=<*> done"


def test_dates_with_a_month_name_or_slashes_are_one_date_time() -> None:
    """A date-time inside a message is one value, whatever the date's form: day-month-year with a month name
    (BIND's "16-Jul-2021 17:47:02.867"), a slashed date with its year first or left out (Go's log package, a
    year-less "07/16" stamp). Split into numbers, "<*>-Jul-<*>" was all that was left of 14 different BIND
    messages whose time was the whole of what the masks saw."""
    assert mask_text("16-Jul-2021 17:47:02.867 automatic empty zone") == "<*>:<*>:<*> automatic empty zone"
    assert mask_text("at 05 Mar 2024 10:01:02,123 done") == "at <*>:<*>:<*> done"
    assert mask_text("2006/01/02 15:04:05 started") == "<*>:<*>:<*> started"
    assert mask_text("07/16 17:47:13.593: [app] INFO: up") == "<*>:<*>:<*>: [app] INFO: up"
    # Inside a path, and a ratio with a clock time: no date.
    assert mask_text("path a/12/13 14:15:16") == "path a/<*>/<*> <*>:<*>:<*>"
    assert mask_text("ratio 10/20 12:30 y") == "ratio <*>/<*> <*>:<*> y"
    lines = [f"{d:02d}-Jul-2021 17:47:{d:02d}.867 loading configuration from '/etc/named.conf'" for d in range(1, 9)]
    lines += [f"{d:02d}-Jul-2021 17:48:{d:02d}.101 all zones loaded" for d in range(1, 9)]
    rep = analyze([("\n".join(lines * 20) + "\n").encode()])
    texts = {t.text for t in rep.templates}
    assert not any(t.startswith("<*>-Jul-") for t in texts), texts


def test_a_dates_weekday_and_a_clocks_am_or_pm_are_the_date_times_own() -> None:
    # dnf's "using metadata from Mon 11 Mar 2024 12:29:58 AM EDT." made a template per weekday and half-day (a Tuesday's
    # line a rare message); cloud-init's "running 'init' at Sat, 05 Dec 2026 ..." kept the day's name in the template.
    assert mask_text("using metadata from Mon 11 Mar 2024 12:29:58 AM EDT.") == "using metadata from <*>:<*>:<*> EDT."
    assert mask_text("using metadata from Tue 12 Mar 2024 01:38:24 PM EDT.") == "using metadata from <*>:<*>:<*> EDT."
    assert mask_text("running 'init' at Sat, 05 Dec 2026 15:41:55 +0000.") == "running 'init' at <*>:<*>:<*> <*>."
    assert mask_text("at Mar 12, 2024 3:53:59 PM org.example.Main") == "at <*>:<*>:<*> org.example.Main"
    assert mask_text("Monday standup at 10:00") == "Monday standup at <*>:<*>"  # no date: the day's name is a word
