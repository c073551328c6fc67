"""Typed masks: the variable parts of a message (numbers, hex, IPs, UUIDs, paths, URLs, ...).

One compiled alternation does the work in C. The same regex serves two purposes:
- ``mask_message`` turns a message into its masked token list for the template miner;
- ``shape_of`` turns a whole record into its *shape*, the cache key of the fast path: two records with
  the same shape get the same header parse and the same template, so repeated shapes skip all per-token
  Python work.
"""

from __future__ import annotations

import re

WILDCARD = "<*>"

# Order matters: the first alternative that matches at a position wins.
_VARIABLE_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "datetime",
        r"\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? +)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* +"
        r"\d{1,2},?(?: +\d{4})? +\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?: +\d{4})?"
        r"|\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?",
    ),
    ("uuid", r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    ("url", r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,10}://[^\s\"'<>]+"),
    ("email", r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    ("ip", r"/?(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.]*\d)"),
    ("mac", r"\b[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}\b"),
    (
        "hex",
        r"\b0[xX][0-9a-fA-F]+\b|(?<![\w-])[0-9a-fA-F]*\d[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*(?![\w-])"
        r"|(?<![\w-])[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\d[0-9a-fA-F]*(?![\w-])",
    ),
    ("path", r"(?<![\w.:/])(?:[A-Za-z]:)?(?:[/\\][\w.$@+~%=-]+){2,}[/\\]?"),
    ("duration", r"(?<![\w.])\d+(?:\.\d+)?(?:ms|us|µs|ns|s|m|h)\b"),
    ("id", r"(?<![\w.-])[A-Za-z]+(?:_[A-Za-z]+)*_-?\d[\w-]*"),
    ("number", r"(?<![A-Za-z0-9])[-+]?\d+(?:[.,]\d+)*"),
)

VARIABLE_RE = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _VARIABLE_PATTERNS))

_RUN_RE = re.compile(r"(?:<\*>)(?:[^\s\w]?<\*>)*")
_TOKEN_RE = re.compile(r"\S+")


def mask_text(text: str) -> str:
    """The text with every variable replaced by ``<*>``."""
    return VARIABLE_RE.sub(WILDCARD, text)


def shape_of(record: str) -> str:
    """The cache key of a record: the record with its variables masked."""
    return VARIABLE_RE.sub("\x00", record)


def tokens_of(masked: str) -> list[str]:
    """Whitespace tokens of a masked message."""
    return masked.split()


def is_variable_token(token: str) -> bool:
    """True when a token is entirely a placeholder."""
    return token == WILDCARD


def variable_kind(value: str) -> str:
    """Which typed mask a value falls under (for placeholder statistics)."""
    m = VARIABLE_RE.fullmatch(value)
    if m is None or m.lastgroup is None:
        return "word"
    return m.lastgroup
