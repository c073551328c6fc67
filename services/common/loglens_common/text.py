"""Which characters names, labels and services may hold, and how hostile text is shown. One place for both.

Refused in anything a person reads as a name (``INVALID_ARGUMENT`` with a field violation that names the
character and where it is): control characters (C0, DEL, C1), bidirectional overrides, embeddings,
isolates and marks (they reorder what a terminal or a page shows: ``evil``, U+202E, ``gol.exe`` reads as
``evilexe.log``), zero-width characters and the line/paragraph separators. File names are the exception:
a file's name is kept as it was given (beyond C0 controls), and shown escaped wherever it is printed.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width space/non-joiner/joiner, LRM, RLM, line and paragraph separators, bidi embeddings and overrides
# (U+202A-U+202E), word joiner and invisible operators (U+2060-U+2064), bidi isolates (U+2066-U+2069), the Arabic
# letter mark and the byte-order mark (a zero-width no-break space).
_INVISIBLE = "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\u061c\ufeff"
UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
# In log text, tab and newline are text; every other character above is shown escaped.
UNSAFE_IN_TEXT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")


def _kind(char: str) -> str:
    code = ord(char)
    if code < 0x20 or code == 0x7F:
        return "a control character"
    if code <= 0x9F:
        return "a C1 control character"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 or char in "\u200e\u200f\u061c":
        return "a bidirectional-text control"
    if char in "\u2028\u2029":
        return "a line separator"
    return "an invisible (zero-width) character"


def describe(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``, or the code point alone for a character with no name."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def unsafe_character(text: str, pattern: re.Pattern[str] = UNSAFE) -> str | None:
    """Why ``text`` cannot be a name (the first refused character, what it is and where), or None."""
    found = pattern.search(text)
    if found is None:
        return None
    char = found.group()
    return f"contains {describe(char)} ({_kind(char)}) at character {found.start() + 1}; remove it"


def visible(text: str, pattern: re.Pattern[str] = UNSAFE_IN_TEXT) -> str:
    """``text`` with every refused character shown, never acted on: C0 controls as Control Pictures (␛),
    DEL as ␡, the others as ``\\u202e`` escapes. A log line or a file name cannot drive a terminal or a page."""

    def show(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code < 0x20:
            return chr(0x2400 + code)
        if code == 0x7F:
            return "\u2421"
        return f"\\u{code:04x}"

    return pattern.sub(show, text)


def visible_name(text: str) -> str:
    """A name on one line: like :func:`visible`, with tab and newline escaped too."""
    return visible(text, UNSAFE)
