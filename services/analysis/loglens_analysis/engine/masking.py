"""Typed masks: the variable parts of a message (numbers, hex, IPs, UUIDs, paths, URLs, ...).

Besides the usual types: host names (before a port or "/ip", or under a common TLD), values of
identity keys (``uid=``, ``pid=``, ``host=``, ...), booleans and nulls, versions (``v1.17``) and numbers
with a unit glued on (``640MB``). A date-time with seconds is written ``<*>:<*>:<*>``.

One compiled alternation does the work in C: ``mask_text`` and ``mask_tail`` turn a message into its
masked text for the template miner (once per record *shape*, see ``analyzer.SHAPE_RE``).
"""

from __future__ import annotations

import re

WILDCARD = "<*>"

# Order matters: the first alternative that matches at a position wins.
_TLDS = "com|net|org|edu|gov|mil|io|info|biz|local|localdomain|internal|lan|arpa|corp"
# Keys whose value is always data (an identity, an address), even when it is the same all file long.
_VALUE_KEYS = ("uid", "gid", "euid", "pid", "host", "hostname", "rhost", "ip", "addr", "port")
_VARIABLE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("value", "(?<==)(?:" + "|".join(rf"(?<=(?<![\w.-]){k}=)" for k in _VALUE_KEYS) + r")[^\s,;&)\]]+"),
    (
        "datetime",
        r"\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? +)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* +"
        r"\d{1,2},?(?: +\d{4})? +\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?: +\d{4})?"
        r"|\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?",
    ),
    ("uuid", r"(?<![0-9a-fA-F])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    ("url", r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,10}://[^\s\"'<>]+"),
    # Starts only where a run of local-part characters starts (else "a.a.a..." is quadratic).
    ("email", r"\b(?<![\w.+-][\w.+-])[\w.+-]++@[\w-]+(?:\.[\w-]+)+\b"),
    ("ip", r"(?:(?<![\w.-])/)?(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.]*\d)"),
    ("mac", r"\b[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}\b"),
    # A host name: one that holds a digit before a port or "/ip", or a dotted name under a common TLD.
    (
        "host",
        r"(?<![\w.@/-])(?=[\w.-]*\d)[A-Za-z0-9][\w-]*(?:\.[\w-]+)*(?=:\d+(?![\w.])|/\d{1,3}\.\d)"
        rf"|(?<![\w.@/-])(?:[A-Za-z0-9][\w-]*\.)+(?i:{_TLDS})(?![\w-]|\.\w)",
    ),
    (
        "hex",
        # A whole run of >= 4 hex characters holding a digit and a letter; lookaheads, then one possessive
        # run, so a long run costs linear time (two backtracking stars were quadratic).
        r"\b0[xX][0-9a-fA-F]+\b|(?<![\w-])(?=[0-9a-fA-F]{4})(?=[0-9a-fA-F]*?\d)(?=[0-9a-fA-F]*?[a-fA-F])"
        r"[0-9a-fA-F]++(?![\w-])",
    ),
    ("path", r"(?<![\w.:/])(?:[A-Za-z]:)?(?:[/\\][\w.$@+~%=-]+)+[/\\]?"),
    ("duration", r"(?<![\w.])\d+(?:\.\d+)?(?:ms|us|µs|ns|s|m|h)\b"),
    ("id", r"(?<![\w.-])[A-Za-z]+(?:_[A-Za-z]+)*_-?\d[\w-]*"),
    # Literal values: booleans and nulls are data wherever they stand.
    ("literal", r"(?<![\w.-])(?:(?i:true|false|null)|None|nil)(?![\w-])"),
    ("number", r"(?<![A-Za-z0-9])(?:[vV](?=\d))?[-+]?\d+(?:[.,]\d+)*[A-Za-z]*"),
)

# No variable starts inside a run of letters and digits, nor at a space or most punctuation: the
# lookarounds in front let the regex engine skip those positions before trying every alternative.
VARIABLE_RE = re.compile(
    r"(?=[\w/\\+-])(?<![A-Za-z0-9](?=[A-Za-z0-9]))(?:"
    + "|".join(f"(?P<{name}>{rx})" for name, rx in _VARIABLE_PATTERNS)
    + ")"
)

_RUN_RE = re.compile(r"(?:<\*>)(?:[^\s\w]?<\*>)*")
_TOKEN_RE = re.compile(r"\S+")


TIME_WILDCARD = "<*>:<*>:<*>"


def _mask_one(m: re.Match[str]) -> str:
    return TIME_WILDCARD if m.lastgroup == "datetime" and m.group().count(":") >= 2 else WILDCARD


def mask_text(text: str) -> str:
    """The text with every variable replaced by ``<*>`` (a date-time with seconds by ``<*>:<*>:<*>``)."""
    return VARIABLE_RE.sub(_mask_one, text)


def mask_tail(record: str, tail: str) -> tuple[str, int, list[tuple[str, int, int]]] | None:
    """Mask ``tail``, a suffix of ``record``, with one pass over the record.

    Returns the masked tail, the number of variables before it and the variables in it (kind, start, end
    in ``record``); None when the tail is not a suffix or a variable straddles its start (then mask the
    tail on its own).
    """
    if not record.endswith(tail):
        return None
    offset = len(record) - len(tail)
    parts: list[str] = []
    pos = offset
    before = 0
    spans: list[tuple[str, int, int]] = []
    for m in VARIABLE_RE.finditer(record):
        start, end = m.span()
        if end <= offset:
            before += 1
            continue
        if start < offset:
            return None
        parts.append(record[pos:start])
        parts.append(_mask_one(m))
        pos = end
        spans.append((m.lastgroup or "word", start, end))
    parts.append(record[pos:])
    return "".join(parts), before, spans
