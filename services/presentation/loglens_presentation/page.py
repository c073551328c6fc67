"""The frame every HTML page shares: its Content Security Policy, its style sheet and the small pieces of markup
the pages are built from.

Everything that came from a log (record text, template text, exception types, values) is hostile input: it is
escaped by :func:`esc`, which also shows control characters. The pages have no script and fetch nothing; the
policy below forbids both, so markup that slipped through would still not run anything. The bridge sends the
same policy as a header, and the page carries it in a ``<meta>`` for a copy saved to disk.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from importlib import resources

from loglens.v1 import report_pb2
from loglens_presentation.reading import level_name, visible

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
)
Link = tuple[str, str]  # (text, href): a page the reader may go to next


@functools.cache
def style_sheet() -> str:
    """``page.css``, read once per process (package data beside this module)."""
    return resources.files(__package__).joinpath("page.css").read_text(encoding="utf-8")


def esc(text: object) -> str:
    """Text from a report as HTML text or attribute value."""
    return html.escape(visible(str(text)), quote=True)


def pattern_html(text: str) -> str:
    """A template with its placeholders marked (escaped first, so only our own markup is markup)."""
    return esc(text).replace("&lt;*&gt;", '<span class="ph">&lt;*&gt;</span>')


def anchor(template_id: str) -> str:
    return "t-" + re.sub(r"[^0-9A-Za-z_-]", "_", template_id)


def line_chips(numbers: Iterable[int], limit: int = 8) -> str:
    nums = list(numbers)
    chips = "".join(f'<span class="ln">L{int(n)}</span>' for n in nums[:limit])
    if len(nums) > limit:
        chips += f'<span class="more">+{len(nums) - limit}</span>'
    return chips


def level_css(level: int) -> str:
    """The level as a CSS class word (``none`` for no level)."""
    return "none" if level == report_pb2.LEVEL_UNSPECIFIED else re.sub(r"[^a-z0-9]", "-", level_name(level).lower())


def level_badge(level: int) -> str:
    return f'<span class="lv lv-{level_css(level)}">{esc(level_name(level))}</span>'


def examples_html(examples: Iterable[report_pb2.Example]) -> str:
    return "".join(
        f'<div class="ex"><span class="ln">L{ex.line_number}</span><pre>{esc(ex.text)}</pre></div>' for ex in examples
    )


def nav(links: Iterable[Link]) -> str:
    """Links onward, under a page's title (none: nothing)."""
    anchors = "".join(f'<a href="{esc(href)}">{esc(text)}</a>' for text, href in links)
    return f'<nav class="links">{anchors}</nav>' if anchors else ""


def section(section_id: str, heading: str, body: str, note: str = "") -> str:
    """A card of the page; ``heading`` and ``note`` are markup (escape what came from a log)."""
    note_html = f'<span class="note">{note}</span>' if note else ""
    return f'<section id="{section_id}"><h2>{heading}{note_html}</h2>{body}</section>'


def empty(text: str) -> str:
    return f'<p class="empty">{esc(text)}</p>'


def table(css_class: str, header: str, rows: Iterable[str], when_empty: str) -> str:
    """A table with a ``<thead>`` of ``header`` (markup) and one ``<tr>`` per row, or a note when it has none."""
    body = "".join(rows)
    if not body:
        return empty(when_empty)
    return f'<table class="{css_class}"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>'


def cards(figures: Iterable[tuple[str, str]], alert: Iterable[str] = ()) -> str:
    """Headline figures as cards; those named in ``alert`` are red when they are not zero."""
    alerting = set(alert)
    return "".join(
        f'<div class="card{" alert" if k in alerting and v != "0" else ""}"><div class="k">{esc(k)}</div>'
        f'<div class="v">{esc(v)}</div></div>'
        for k, v in figures
    )


def document(title: str, header: str, body: str, footer: str) -> str:
    """A whole page: ``title`` is text, the rest markup."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(CONTENT_SECURITY_POLICY, quote=False)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(title)} · LogLens</title><style>{style_sheet()}</style></head>"
        f'<body><main><header><div class="brand">LogLens</div>{header}</header>{body}'
        f"<footer>{footer}</footer></main></body></html>\n"
    )
