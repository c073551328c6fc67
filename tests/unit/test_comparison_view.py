"""The comparison's views on hand-built messages: every section of the page, one policy, hostile text shown
and never run, and the text and Markdown the CLI prints."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from google.protobuf import timestamp_pb2

from loglens.v1 import comparison_pb2, report_pb2
from loglens_presentation import CONTENT_SECURITY_POLICY, FORMATS, page_of, render_comparison

F = comparison_pb2
SCRIPT = "<script>alert(1)</script>"
START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def ts(seconds: int) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(datetime.fromtimestamp(START.timestamp() + seconds, tz=UTC))
    return stamp


def histogram(counts: list[int], offset: int = 0) -> report_pb2.Histogram:
    return report_pb2.Histogram(start_time=ts(offset), bucket_seconds=60, counts=counts)


def side(run: str, records: int) -> comparison_pb2.ComparisonSide:
    return comparison_pb2.ComparisonSide(
        analysis_run=run,
        record_count=records,
        time_range=report_pb2.TimeRange(start_time=ts(0), end_time=ts(1800)),
        span_seconds=1800,
        template_count=40,
        listed_templates=40,
        error_records=12,
        engine_version="0.1.0",
    )


def comparison() -> comparison_pb2.Comparison:
    rate = comparison_pb2.RateChange(ratio=5.2, ratio_lower=3.9, ratio_upper=6.8, p_value=1e-12, q_value=1e-10)
    findings = [
        comparison_pb2.ComparisonFinding(
            kind=F.FINDING_KIND_NEW_TEMPLATE,
            severity=F.SEVERITY_HIGH,
            description="New ERROR message: Payment provider rejected charge <*>: card declined (41 records)",
            template_ids=["t-new"],
            line_numbers=[120, 300],
            template_text="Payment provider rejected charge <*>: card declined",
            level=report_pb2.LEVEL_ERROR,
            target_count=41,
            example=report_pb2.Example(line_number=120, text=f"ERROR Payment provider rejected charge 7 {SCRIPT}"),
            target_histogram=histogram([1, 2, 0, 5, 3]),
        ),
        comparison_pb2.ComparisonFinding(
            kind=F.FINDING_KIND_NEW_EXCEPTION_GROUP,
            severity=F.SEVERITY_HIGH,
            description="New exception group: java.lang.NullPointerException (12 records)",
            exception_type="java.lang.NullPointerException",
            fingerprint="fp-9a1c",
            level=report_pb2.LEVEL_ERROR,
            target_count=12,
            line_numbers=[77],
            target_histogram=histogram([0, 4, 8]),
        ),
        comparison_pb2.ComparisonFinding(
            kind=F.FINDING_KIND_RATE_INCREASE,
            severity=F.SEVERITY_LOW,
            description="eth0: link up: 5.2 times as often",
            template_ids=["t-link"],
            template_text="eth0: link up",
            level=report_pb2.LEVEL_INFO,
            target_count=520,
            baseline_count=200,
            target_rate=1040,
            baseline_rate=200,
            rate_change=rate,
            target_histogram=histogram([100, 110, 90, 120]),
            baseline_histogram=histogram([20, 21, 19, 22]),
        ),
        comparison_pb2.ComparisonFinding(
            kind=F.FINDING_KIND_GONE_TEMPLATE,
            severity=F.SEVERITY_MEDIUM,
            description="Gone: rate limit close (warning), 30 per hour before",
            template_ids=["t-gone"],
            template_text="rate limit close for client <*>",
            level=report_pb2.LEVEL_WARN,
            baseline_count=30,
            baseline_rate=30,
            baseline_runs_present=2,
            baseline_histogram=histogram([1, 0, 2]),
        ),
        comparison_pb2.ComparisonFinding(
            kind=F.FINDING_KIND_NEW_VALUES,
            severity=F.SEVERITY_MEDIUM,
            description="New status 503 in Completed <*> status=<*>",
            template_ids=["t-status"],
            template_text="Completed <*> status=<*>",
            level=report_pb2.LEVEL_INFO,
            placeholder_index=1,
            new_values=[report_pb2.ValueCount(value="503", count=88)],
            baseline_values=[
                report_pb2.ValueCount(value="200", count=9000),
                report_pb2.ValueCount(value="404", count=9),
            ],
            line_numbers=[55],
        ),
        comparison_pb2.ComparisonFinding(
            kind=F.FINDING_KIND_TEMPLATE_GENERALISED,
            severity=F.SEVERITY_INFO,
            description="Wording generalised: from orders -> from <*>",
            template_ids=["t-slow"],
            baseline_template_ids=["t-slow-old"],
            template_text="Slow query took <*> ms: select * from <*> where id = <*>",
            baseline_template_text="Slow query took <*> ms: select * from orders where id = <*>",
            level=report_pb2.LEVEL_WARN,
            new_values=[report_pb2.ValueCount(value="orders_17", count=3)],
        ),
        comparison_pb2.ComparisonFinding(
            kind=F.FINDING_KIND_ERROR_SHARE_CHANGE,
            severity=F.SEVERITY_HIGH,
            description="Share of ERROR and FATAL records 1.2% -> 2.9%",
            target_error_share=0.029,
            baseline_error_share=0.012,
            rate_change=comparison_pb2.RateChange(ratio=2.4, ratio_lower=1.9, ratio_upper=3.0, q_value=1e-6),
        ),
    ]
    return comparison_pb2.Comparison(
        target=side("logFiles/f3/analysisRuns/r3", 11_000),
        baselines=[side("logFiles/f2/analysisRuns/r2", 10_500), side("logFiles/f1/analysisRuns/r1", 10_800)],
        baseline_source=F.BASELINE_SOURCE_SERVICE_HISTORY,
        service="shop",
        rate_unit=F.RATE_UNIT_PER_HOUR,
        findings=findings,
        undecided=[
            comparison_pb2.UndecidedFinding(
                kind=F.FINDING_KIND_GONE_TEMPLATE,
                template_text=f"rare message {SCRIPT}",
                reason="logFiles/f2/analysisRuns/r2 lists 1000 of its 5000 templates",
            )
        ],
        rate_test=comparison_pb2.RateTest(
            method="conditional binomial test", false_discovery_rate=0.01, tests=38, dispersion=1.1, min_rate_ratio=1.5
        ),
        create_time=ts(4000),
        templates_compared=40,
    )


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.sections: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "section":
            self.sections.append(dict(attrs).get("id") or "")


def test_the_page_has_every_section_and_one_policy() -> None:
    page = page_of(comparison(), title="wed.log", links=(("Report of this run", "./report:html"),))
    parsed = Page()
    parsed.feed(page)
    assert parsed.sections == ["findings", "new", "gone", "changed", "values", "sidebyside", "undecided", "sides"]
    assert "script" not in parsed.tags and SCRIPT not in page and "&lt;script&gt;" in page
    assert f'content="{CONTENT_SECURITY_POLICY}"' in page
    assert "<title>What changed: wed.log · LogLens</title>" in page
    assert '<a href="./report:html">Report of this run</a>' in page
    # each side links to its report page where the bridge serves it
    for run in ("logFiles/f3/analysisRuns/r3", "logFiles/f2/analysisRuns/r2", "logFiles/f1/analysisRuns/r1"):
        assert f'href="/v1/{run}/report:html"' in page
    # new / gone / changed tables, one row per finding of their kinds
    for table, rows in (("new", 2), ("gone", 1), ("changed", 2), ("values", 2), ("findings", 7)):
        body = re.search(f'<table class="{table}">.*?<tbody>(.*?)</tbody>', page, re.S)
        assert body is not None and body.group(1).count("<tr") == rows, table
    assert "java.lang.NullPointerException" in page and "fp-9a1c" in page
    assert "&times;5.20" in page and "3.90&ndash;6.80" in page
    assert "<code>503</code> 88" in page and "<code>200</code> 9,000" in page
    assert 'was <span class="pattern">Slow query took' in page


def test_each_message_has_its_two_histograms_side_by_side_on_one_scale() -> None:
    page = page_of(comparison(), title="wed.log")
    pairs = re.findall(r'<div class="pairs">(.*?)</div></div>', page, re.S)
    assert len(pairs) == 4  # every finding with times: not the error share, nor those without histograms
    rate_up = next(p for p in pairs if "#3b82f6" in p)  # the INFO message whose rate rose
    heights = [float(h) for h in re.findall(r'height="([0-9.]+)" fill', rate_up)]
    before, now = heights[:4], heights[4:]
    assert max(now) == pytest.approx(62.0) and max(before) < max(now) / 4  # one scale: before is a fifth
    assert 'class="pair-empty">baseline: none' in page  # a new message has no baseline side
    assert 'class="pair-empty">this run: none' in page  # a gone one has no target side
    # rate changes carry their sparklines, baseline and now on one scale
    changed = re.search(r'<table class="changed">(.*?)</table>', page, re.S)
    assert changed is not None and changed.group(1).count('<svg class="spark"') == 2


def test_an_empty_comparison_says_so() -> None:
    empty = comparison_pb2.Comparison(target=side("logFiles/f/analysisRuns/r", 10))
    page = page_of(empty)
    assert "No changes found." in page and "Nothing new." in page and "Nothing gone." in page
    assert render_comparison(empty, "text").splitlines()[-1] == "no changes found"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_escapes_what_came_from_the_log(fmt: str) -> None:
    c = comparison()
    c.findings[0].description = "Payment \x1b[31mred\x1b[0m <b>bold</b> | pipe"
    out = render_comparison(c, fmt, title="wed.log")
    assert "\x1b" not in out
    if fmt == "text":
        assert "compared with the last 2 runs of service 'shop' (21,300 records)" in out
        assert "  1. HIGH     new message   Payment ␛[31mred" in out
    if fmt == "md":
        assert out.startswith("# What changed: wed\\.log") and "| # | Severity | Kind | Finding | Lines |" in out
        assert "&lt;b&gt;bold&lt;/b&gt; \\| pipe" in out
    if fmt == "html":
        assert "<b>bold</b>" not in out and "&lt;b&gt;bold&lt;/b&gt;" in out
