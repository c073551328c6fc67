"""Views of LogLens results for people: terminal text, Markdown, and self-contained HTML pages.

    from loglens_presentation import render
    page = render(report, "html", title="orders.log")

The gateway serves the HTML pages, ``loglens report --format`` writes every format, and the dev stack prints the
sample's report. Everything that came from a log is hostile input: the HTML escapes it, Markdown puts it in
escaped cells or fenced blocks, and all of them show control characters (terminal escape sequences included)
as visible symbols. One module per view; in each, one function per section of the page.

- ``reading``: what every view of a report reads the same way (levels, times, sizes, the charts' time grid)
- ``report_text``, ``report_markdown``, ``report_page``: a report as text, Markdown, HTML
- ``comparison_reading``, ``comparison_text``, ``comparison_page``: a comparison of runs, the same way
- ``pattern_page``: one pattern of a service's registry, with its count per run
- ``page``, ``charts``, ``markdown``, ``page.css``: the pages' frame (Content-Security-Policy, style sheet), SVG
  charts, Markdown that log text cannot break out of
"""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf import json_format
from google.protobuf.message import Message

from loglens.v1 import comparison_pb2, registry_pb2, report_pb2
from loglens_presentation.comparison_page import render_comparison_page
from loglens_presentation.comparison_text import render_comparison_markdown, render_comparison_text
from loglens_presentation.page import CONTENT_SECURITY_POLICY
from loglens_presentation.pattern_page import render_pattern_page
from loglens_presentation.report_markdown import render_markdown
from loglens_presentation.report_page import Link, render_report_page
from loglens_presentation.report_text import render_text

FORMATS = ("text", "json", "md", "html")
_ALIASES = {"markdown": "md", "txt": "text"}


def render(report: report_pb2.AnalysisReport, fmt: str, *, title: str = "", links: Sequence[Link] = ()) -> str:
    """The report as ``text``, ``json`` (proto3 JSON), ``md`` (Markdown) or ``html`` (a whole page, with
    ``links`` to pages to go to next)."""
    kind = _ALIASES.get(fmt.lower(), fmt.lower())
    if kind == "text":
        return render_text(report, title)
    if kind == "json":
        return json_format.MessageToJson(report, indent=2) + "\n"
    if kind == "md":
        return render_markdown(report, title)
    if kind == "html":
        return render_report_page(report, title, links)
    raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


def render_comparison(comparison: comparison_pb2.Comparison, fmt: str, *, title: str = "") -> str:
    """A comparison of runs as ``text``, ``json`` (proto3 JSON), ``md`` or ``html``, like :func:`render`."""
    kind = _ALIASES.get(fmt.lower(), fmt.lower())
    if kind == "text":
        return render_comparison_text(comparison, title)
    if kind == "json":
        return json_format.MessageToJson(comparison, indent=2, ensure_ascii=False) + "\n"
    if kind == "md":
        return render_comparison_markdown(comparison, title)
    if kind == "html":
        return render_comparison_page(comparison, title)
    raise ValueError(f"unknown comparison format {fmt!r}; choose one of {', '.join(FORMATS)}")


def bridge_report_href(run: str) -> str:
    """Where the REST bridge serves a run's report page."""
    return f"/v1/{run}/report:html"


def bridge_pattern_href(pattern: str) -> str:
    """Where the REST bridge serves a pattern's page (its history across the service's runs)."""
    return f"/v1/{pattern}:html"


def page_of(message: Message, *, title: str = "", links: Sequence[Link] = ()) -> str:
    """The HTML page of a message the REST bridge serves as a page (see the gateway's ``PAGE_RULES``)."""
    if isinstance(message, report_pb2.AnalysisReport):
        return render_report_page(message, title, links, pattern_href=bridge_pattern_href)
    if isinstance(message, registry_pb2.Pattern):
        return render_pattern_page(message, title, links, report_href=bridge_report_href)
    if isinstance(message, comparison_pb2.Comparison):
        return render_comparison_page(message, title, links, report_href=bridge_report_href)
    raise TypeError(f"no page shows a {type(message).__name__}")


__all__ = ["CONTENT_SECURITY_POLICY", "FORMATS", "page_of", "render", "render_comparison"]
