"""The report views: every section in every format, and log text that tries to become markup or escapes."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from google.protobuf import json_format

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_loggen import generate_lines
from loglens_presentation import FORMATS, render
from loglens_presentation.markdown import md_code_block
from loglens_presentation.reading import TimeGrid, level_histogram, visible

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
ESCAPE = "\x1b[2J\x1b]0;pwned\x07"
FENCE = "```\n# not a heading ``` ````"
HOSTILE = f"{SCRIPT} {IMG} {ESCAPE} | {FENCE} [link](javascript:alert(3)) *bold* \u202egnp.exe"


@pytest.fixture(scope="module")
def real_report() -> report_pb2.AnalysisReport:
    lines = generate_lines(6000, seed=7, kind="app")
    return analyze([("\n".join(lines) + "\n").encode()])


def hostile_report() -> report_pb2.AnalysisReport:
    """A report whose every string came from a hostile log."""
    rep = report_pb2.AnalysisReport(engine_version="0.1.0", line_count=10, record_count=9, byte_count=999)
    rep.format.name = HOSTILE
    rep.format.header_layout = HOSTILE
    rep.time_range.start_time.FromSeconds(1_700_000_000)
    rep.time_range.end_time.FromSeconds(1_700_000_600)
    rep.levels.add(level=report_pb2.LEVEL_ERROR, count=4)
    rep.levels.add(level=report_pb2.LEVEL_INFO, count=5)
    rep.summary.text = HOSTILE
    rep.summary.claims.add(text=HOSTILE, template_ids=["t1", HOSTILE], line_numbers=[3])
    t = rep.templates.add(id="t1", text=HOSTILE + " <*>", count=4, share=0.5, max_level=report_pb2.LEVEL_ERROR)
    t.levels.add(level=report_pb2.LEVEL_ERROR, count=4)
    t.examples.add(line_number=3, text=HOSTILE)
    t.histogram.start_time.FromSeconds(1_700_000_000)
    t.histogram.bucket_seconds = 60
    t.histogram.counts.extend([1, 0, 2, 1])
    t.first_line, t.last_line = 3, 9
    rep.template_count = 1
    rep.error_templates.add(template_id="t1", score=3.0, level=report_pb2.LEVEL_ERROR, count=4)
    rep.error_templates.add(template_id=HOSTILE, score=1.0, level=report_pb2.LEVEL_WARN, count=1)
    g = rep.exception_groups.add(exception_type=HOSTILE, template_id="t1", count=2, first_line=3, last_line=9)
    g.top_frames.extend([HOSTILE, "ok.Frame.run"])
    g.example.line_number = 3
    g.example.text = HOSTILE + "\n\tat " + HOSTILE
    a = rep.anomalies.add(kind=report_pb2.ANOMALY_KIND_ERROR_BURST, description=HOSTILE, count=3, score=9.0)
    a.start_time.FromSeconds(1_700_000_120)
    a.end_time.FromSeconds(1_700_000_180)
    a.line_numbers.extend([3, 4])
    e = rep.timeline.add(description=HOSTILE, template_ids=["t1"], line_numbers=[3])
    e.time.FromSeconds(1_700_000_000)
    rep.parse_quality.time_assumptions.append(HOSTILE)
    rep.parse_quality.unexplained_samples.add(line_number=5, text=HOSTILE)
    return rep


def outside_code_blocks(md: str) -> tuple[str, str]:
    """The Markdown outside fenced blocks and inside them (a block ends only at its own fence)."""
    outside: list[str] = []
    inside: list[str] = []
    fence = ""
    for line in md.splitlines():
        if fence:
            if line == fence:
                fence = ""
            else:
                inside.append(line)
        elif line.startswith("```"):
            fence = re.match(r"`+", line).group()  # type: ignore[union-attr]
        else:
            outside.append(line)
    assert not fence, "a fenced block was never closed"
    return "\n".join(outside), "\n".join(inside)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            self.attrs.add(name)
            if name == "href":
                self.hrefs.append(value or "")


SAFE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "div", "h1", "h2", "h3", "section", "p",
    "ul", "ol", "li", "a", "code", "span", "b", "i", "table", "thead", "tbody", "tr", "th", "td", "pre", "details",
    "summary", "time", "footer", "svg", "rect", "line", "text", "g", "circle", "polyline", "polygon",
}  # fmt: skip


def test_html_escapes_everything_from_the_log() -> None:
    page = render(hostile_report(), "html", title=HOSTILE)
    parser = Tags()
    parser.feed(page)
    assert parser.tags <= SAFE_TAGS, parser.tags - SAFE_TAGS
    assert not [a for a in parser.attrs if a.startswith("on")]
    assert all(h.startswith("#t-") for h in parser.hrefs), parser.hrefs  # only links to our own anchors
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;" in page and "onerror=alert(2)&gt;" in page
    assert "\x1b" not in page and "\x07" not in page and "\u202e" not in page
    assert "default-src 'none'" in page  # the CSP forbids scripts and remote assets even if one slipped


def test_text_shows_control_characters_instead_of_obeying_them() -> None:
    text = render(hostile_report(), "text", title=HOSTILE)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\u241b[2J" in text  # ␛[2J: visible, inert
    assert visible("a\x00b\tc\n") == "a\u2400b\tc\n"


def without_code_spans(md: str) -> tuple[str, list[str]]:
    """The text outside inline code spans (a span closes only at a backtick run as long as its opener)."""
    spans: list[str] = []

    def keep(match: re.Match[str]) -> str:
        spans.append(match.group(2))
        return ""

    return re.sub(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", keep, md), spans


def test_markdown_cannot_be_broken_out_of() -> None:
    md = render(hostile_report(), "md", title=HOSTILE)
    assert "\x1b" not in md
    outside, inside = outside_code_blocks(md)
    outside, spans = without_code_spans(outside)
    assert "<script>" not in outside and "<img" not in outside
    assert "](javascript" not in outside  # link syntax escaped
    assert any(SCRIPT in span for span in spans)  # literal inside a code span, which Markdown never interprets
    assert "<script>" in inside  # literal text inside a fenced block, which Markdown never interprets
    block = md_code_block("x ```` y")
    fence = block.split("\n")[0].removesuffix("text")
    assert len(fence) == 5 and block.endswith("\n" + fence)


def test_markdown_tables_keep_their_columns() -> None:
    md = render(hostile_report(), "md")
    tables: list[list[str]] = []
    current: list[str] = []
    for line in [*md.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    assert tables
    for table in tables:
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in table}
        assert len(widths) == 1, table


def test_markdown_shows_patterns_as_code_without_escapes() -> None:
    rep = report_pb2.AnalysisReport(line_count=2, record_count=2, template_count=1)
    rep.templates.add(id="t1", text="user <*> logged in from <*> (*ok*)", count=2, share=1.0)
    rep.error_templates.add(template_id="t1", score=1.0, level=report_pb2.LEVEL_ERROR, count=2)
    md = render(rep, "md")
    assert "| `user <*> logged in from <*> (*ok*)` |" in md
    assert "### ERROR x2: `user <*> logged in from <*> (*ok*)`" in md
    assert "&lt;" not in md and "\\*" not in md
    rep.templates[0].text = "a `tick` | b"
    md = render(rep, "md")
    assert "| ``a `tick` \\| b`` |" in md  # a longer fence; the pipe escaped as GFM tables need


def test_records_without_a_level_are_no_level_not_a_level_called_none() -> None:
    rep = report_pb2.AnalysisReport(line_count=3, record_count=3, template_count=1)
    rep.levels.add(level=report_pb2.LEVEL_UNSPECIFIED, count=2)
    rep.levels.add(level=report_pb2.LEVEL_INFO, count=1)
    rep.templates.add(id="t1", text="hello <*>", count=2, share=0.67, max_level=report_pb2.LEVEL_UNSPECIFIED)
    for fmt in ("text", "md", "html"):
        page = render(rep, fmt)
        assert "no level" in page, fmt
        assert "NONE" not in page and "UNSPECIFIED" not in page, fmt
    assert 'class="lv lv-none">no level<' in render(rep, "html")


def test_a_pattern_of_mixed_levels_shows_the_level_most_of_its_records_are_at_then_its_worst() -> None:
    """A request's pattern with a few 500s among its 329 records was listed as ERROR, read as if all were errors."""
    rep = report_pb2.AnalysisReport(line_count=340, record_count=340, template_count=2)
    rep.levels.add(level=report_pb2.LEVEL_INFO, count=317)
    rep.levels.add(level=report_pb2.LEVEL_ERROR, count=23)
    mixed = rep.templates.add(id="t1", text="REQ <*> <*> in <*> us", count=329, max_level=report_pb2.LEVEL_ERROR)
    mixed.levels.add(level=report_pb2.LEVEL_INFO, count=306)
    mixed.levels.add(level=report_pb2.LEVEL_ERROR, count=23)
    errors = rep.templates.add(id="t2", text="db down", count=11, max_level=report_pb2.LEVEL_INFO)
    errors.levels.add(level=report_pb2.LEVEL_INFO, count=11)
    for fmt in ("text", "md"):
        page = render(rep, fmt)
        assert "INFO+ERROR" in page, fmt
        assert "INFO+INFO" not in page, fmt


def test_every_section_of_a_real_report(real_report: report_pb2.AnalysisReport) -> None:
    assert real_report.templates and real_report.error_templates and real_report.exception_groups
    page = render(real_report, "html", title="app.log")
    for section in ("summary", "activity", "timeline", "patterns", "errors", "exceptions", "quality"):
        assert f'<section id="{section}">' in page
    assert page.count('<svg class="histogram"') == 1
    assert page.count('<svg class="spark"') == min(25, len(real_report.templates))
    assert '<table class="patterns">' in page and '<table class="errors">' in page
    assert '<table class="exceptions">' in page
    first_error = real_report.error_templates[0].template_id
    example_line = next(t for t in real_report.templates if t.id == first_error).examples[0].line_number
    assert f'<span class="ln">L{example_line}</span>' in page

    text = render(real_report, "text", title="app.log")
    for heading in ("Summary", "Levels", "Activity", "Top patterns", "Errors and warnings", "Exceptions",
                    "Timeline", "Parse quality"):  # fmt: skip
        assert f"\n{heading}" in text
    md = render(real_report, "md", title="app.log")
    for heading in ("## Summary", "## Levels", "## Top patterns", "## Errors and warnings", "## Exceptions",
                    "## Incident timeline", "## Parse quality"):  # fmt: skip
        assert heading in md
    assert json_format.Parse(render(real_report, "json"), report_pb2.AnalysisReport()) == real_report


def test_the_histogram_accounts_for_every_record_of_the_listed_templates(
    real_report: report_pb2.AnalysisReport,
) -> None:
    grid = TimeGrid.of(real_report, 60)
    assert grid is not None and grid.buckets <= 60
    series = level_histogram(real_report, grid)
    charted = sum(sum(row) for row in series.values())
    listed = sum(sum(t.histogram.counts) for t in real_report.templates)
    assert charted == pytest.approx(listed, rel=1e-9)
    errors = sum(series.get(report_pb2.LEVEL_ERROR, []))
    expected = sum(lc.count for lc in real_report.levels if lc.level == report_pb2.LEVEL_ERROR)
    assert errors == pytest.approx(expected, rel=0.02)


def test_rebinning_keeps_counts_when_buckets_do_not_line_up() -> None:
    rep = report_pb2.AnalysisReport()
    rep.time_range.start_time.FromSeconds(1_000_000_007)
    rep.time_range.end_time.FromSeconds(1_000_003_000)
    grid = TimeGrid.of(rep, 40)
    assert grid is not None
    hist = report_pb2.Histogram(bucket_seconds=240, counts=[5, 0, 7, 11, 3, 1, 0, 0, 2, 9, 4, 6, 8])
    hist.start_time.FromSeconds(1_000_000_007)
    assert sum(grid.rebin(hist)) == pytest.approx(sum(hist.counts))


def test_an_empty_report_renders_in_every_format() -> None:
    empty = report_pb2.AnalysisReport()
    for fmt in FORMATS:
        assert render(empty, fmt)
    assert "No timestamps" in render(empty, "html")
    json.loads(render(empty, "json"))
    with pytest.raises(ValueError, match="unknown report format"):
        render(empty, "pdf")
    assert render(empty, "markdown") == render(empty, "md")
