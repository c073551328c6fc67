"""Markdown that log text cannot break out of: escaped cells, code spans and fenced blocks longer than any run of
backticks inside the text. Markdown passes raw HTML through, so ``<`` and ``&`` become entities."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from loglens_presentation.reading import visible

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_cell(text: str) -> str:
    """Text safe in a Markdown table cell or paragraph: no HTML, no emphasis, no links, no line breaks."""
    text = visible(text).replace("\r", " ").replace("\n", " ⏎ ")
    text = html.escape(text, quote=False)  # Markdown passes raw HTML through; entities stay text
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_code(text: str, *, in_table: bool = True) -> str:
    """Log text as an inline code span, shown literally (``<*>`` stays ``<*>``): Markdown escapes nothing inside
    one, so only what could end the span or the table row is handled (backticks by a longer fence, ``|`` by
    the one escape GFM tables honour inside code, line breaks as a visible symbol)."""
    text = visible(text).replace("\r", " ").replace("\n", " ⏎ ")
    if in_table:
        text = text.replace("|", "\\|")
    if not text.strip():
        return md_cell(text) or "(empty)"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_code_block(text: str, info: str = "text") -> str:
    """A fenced block longer than any run of backticks inside, so the text cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{visible(text.replace(chr(13), ''))}\n{fence}"


def md_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out
