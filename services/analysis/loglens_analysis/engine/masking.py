"""Typed masks: the variable parts of a message (numbers, hex, IPs, UUIDs, paths, URLs, ...).

Besides the usual types: host names (before a port or "/ip", or under a common TLD, but not a domain before a
path, which names a thing: "kubernetes.io/aws-ebs"), values of
identity keys (``uid=``, ``pid=``, ``host=``, ...), booleans and nulls, versions (``v1.17``), numbers
with a unit glued on (``640MB``) and data sizes with their unit, glued on or not (``1.20 KB``). A date-time
with seconds, and a clock's reading standing alone (``0:02:58.311``), is written ``<*>:<*>:<*>``.

A word that holds a digit (``slot2``, ``ata1``, ``d0``) is a variable where its place says it is a value:
right after ``key=``, or inside a token that already holds a variable (``ata1.<*>:``, ``.../input3``); a
key itself (``r24=``) stays. The engine caches records by their digits-as-zero key, so such a word cannot
stay in a template as one record's text; a digit word standing alone (``ssh2``, ``ipv6``) stays, checked
per sampled record by the analyzer.

One compiled alternation does the work in C: ``mask_text`` and ``mask_tail`` turn a message into its
masked text for the template miner (once per record *shape*, see ``analyzer.SHAPE_RE``).
"""

from __future__ import annotations

import re
from bisect import bisect_right

WILDCARD = "<*>"

# The request methods of HTTP (RFC 9110 section 9, and PATCH, RFC 5789).
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
# Right after a method and a blank (the method a word of its own: "TARGET /x" is no request), and not.
_A_TARGET = "(?:" + "|".join(rf"(?<=(?<![A-Za-z]){m} )" for m in sorted(HTTP_METHODS)) + ")"
_NOT_A_TARGET = "".join(rf"(?<!(?<![A-Za-z]){m} )" for m in sorted(HTTP_METHODS))

# Order matters: the first alternative that matches at a position wins.
_TLDS = "com|net|org|edu|gov|mil|io|info|biz|local|localdomain|internal|lan|arpa|corp"
# Keys whose value is always data (an identity, an address), even when it is the same all file long.
_VALUE_KEYS = ("uid", "gid", "euid", "pid", "host", "hostname", "rhost", "ip", "addr", "port")
_LITERAL = r"(?:(?i:true|false|null)|None|nil)"
# A data size's unit: bytes, SI kilobytes, and bytes with a capital prefix, binary or not ("KB", "MiB", "GB").
SIZE_UNITS = r"(?:B|kB|[KMGTPE]i?B)"
_VARIABLE_PATTERNS: tuple[tuple[str, str], ...] = (
    # The value ends where a name in brackets after it begins ("uid=1021(gps)": the account's number, then its name).
    ("value", "(?<==)(?:" + "|".join(rf"(?<=(?<![\w.-]){k}=)" for k in _VALUE_KEYS) + r")[^\s,;&()\]]+"),
    (
        "datetime",
        # A weekday's name before the date and a 12-hour clock's AM or PM after the time are the value's too (dnf's
        # "using metadata from Mon 11 Mar 2024 12:29:58 AM EDT": each weekday made a template of its own).
        r"\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? +)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* +"
        r"\d{1,2},?(?: +\d{4})? +\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?: +\d{4})?(?: ?[AP]M\b)?"
        # A zone written after a space is the date-time's too (Ruby's and Go's "2016-05-03 09:34:37 +0200").
        r"|\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2}| [+-]\d{4}(?![\w.]))?"
        # The common log format's (an access line quoted in a message: "[04/Mar/2026 08:45:21]").
        r"|\b\d{1,2}/(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}[: ]\d{2}:\d{2}:\d{2}(?: [+-]\d{4})?"
        # A slashed date, its year first or left out, then the time (Go's "2006/01/02 15:04:05", "07/16 17:47:13.593").
        r"|(?<![\w/.:-])(?:\d{2}(?:\d{2})?/)?\d{2}/\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?"
        # Day, month name, year, then the time ("16-Jul-2021 17:47:02.867", "05 Mar 2024 10:01:02,123").
        r"|\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? +)?"
        r"\d{1,2}(?:-(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*-"
        r"| (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* )\d{4}[ T:]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
        r"(?: ?[AP]M\b)?",
    ),
    # A clock's reading standing alone, hours (or a count of them), minutes, seconds and their fraction: one value,
    # a time of day or a time taken (PostgreSQL's "session time: 0:02:58.311"), not a host "0" and two numbers.
    ("clock", r"(?<![\w.:/-])\d{1,3}:[0-5]\d:[0-5]\d(?:[.,]\d{1,9})?(?![\w:]|[.,]\d)"),
    ("uuid", r"(?<![0-9a-fA-F])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    # A request line quoted as a key's value (a server's error about a request: 'open() "/srv/x" failed, client:
    # 10.0.0.1, request: "GET /x HTTP/1.1"') is the request the event is about, one value: not the event's wording,
    # as the request line an access record is (its route stays, "path" below).
    (
        "request",
        r'(?:(?<=\w: ")|(?<=\w="))(?:' + "|".join(sorted(HTTP_METHODS)) + r') [^"\s]+ HTTP/\d(?:\.\d)?(?=")',
    ),
    # A request's target written whole (a load balancer's "GET https://shop.example.com:443/api/items/7 HTTP/1.1"):
    # its scheme and authority are one value, its path the route (see "path" below).
    ("origin", _A_TARGET + r"[a-zA-Z][a-zA-Z0-9+.-]{1,10}://[^\s/\"'<>?#]+"),
    # A URL ends before the punctuation and closing brackets that follow it in a sentence ("([https://h:1])").
    ("url", r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,10}://[^\s\"'<>]*[^\s\"'<>.,;:!?)\]}]"),
    # Starts only where a run of local-part characters starts (else "a.a.a..." is quadratic). An account at a host or
    # a database without a domain ("app@shop", PostgreSQL's user@database) is one too; a Java object's "Class@1a2b3c"
    # (a hash) and a thread's "Worker@679" (a line) are not.
    ("email", r"\b(?<![\w.+-][\w.+-])[\w.+-]++@(?:[\w-]+(?:\.[\w-]+)+|(?![0-9a-fA-F]+\b)[A-Za-z][\w-]*)\b"),
    ("ip", r"(?:(?<![\w.-])/)?(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.]*\d)"),
    ("mac", r"\b[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}\b"),
    # A host name: one that holds a digit before a port or "/ip", or a dotted name under a common TLD. A domain
    # with a path after it and no scheme names a thing, not a host reached ("kubernetes.io/aws-ebs" a plugin,
    # "github.com/org/repo" a package, "docker.io/library/x" an image): it is no host, and the miner makes it a
    # placeholder only where it varies across a template's records (its digits, if any, are numbers: records are
    # cached by their digits-as-zero key). Labels are taken possessively: a word without a dot fails after one scan.
    # A dotted name with a class's part in it (a capital, then humps: "TopicPartitionWriter") is a logger's name and
    # its line ("io.confluent.connect.s3.TopicPartitionWriter:637"), not a host and its port.
    (
        "host",
        r"(?<![\w.@/-])(?=[\w.-]*\d)(?![\w.-]*\.[A-Z][a-z]+[A-Z])[A-Za-z0-9][\w-]*(?:\.[\w-]+)*"
        r"(?=:\d+(?![\w.])|/\d{1,3}\.\d)"
        rf"|(?<![\w.@/-])(?:[A-Za-z0-9][\w-]*+\.)+(?i:{_TLDS})(?![\w-]|\.\w|/)",
    ),
    (
        "hex",
        # A whole run of >= 4 hex characters holding a digit and a letter; lookaheads, then one possessive
        # run, so a long run costs linear time (two backtracking stars were quadratic).
        r"\b0[xX][0-9a-fA-F]+\b|(?<![\w-])(?=[0-9a-fA-F]{4})(?=[0-9a-fA-F]*?\d)(?=[0-9a-fA-F]*?[a-fA-F])"
        r"[0-9a-fA-F]++(?![\w-])",
    ),
    # A path names a file or an object: data. Not a request's target (the path after an HTTP method), which names the
    # route a server answers: its segments are the message's wording and only the values in them (ids, numbers,
    # hashes) are variables ("GET /v2/<*>/servers/detail"), taken by the patterns below.
    ("path", _NOT_A_TARGET + r"(?<![\w.:/])(?:[A-Za-z]:)?(?:[/\\][\w.$@+~%=-]+)+[/\\]?"),
    # A duration, in one unit or several largest first (Go's time.Duration: "1m2s", "2h0m0s", "1.5µs"): one value. So
    # are hours, minutes and seconds written apart, largest first (Gradle's "BUILD FAILED in 1m 3s", systemd's
    # "Consumed 2min 6.152s CPU time"): not two values of one message.
    (
        "duration",
        r"(?<![\w.])(?:(?:\d++h(?: \d++m(?:in)?)?+(?: \d++(?:\.\d++)?s)?+|\d++m(?:in)? \d++(?:\.\d++)?s)(?![\w.])"
        r"|(?:\d++(?:\.\d++)?(?:ms|us|µs|ns|s|m|h))++\b)",
    ),
    # A bound on a time ("lifetime <1 sec", "took >30 s", "ETA ~5 min"): the sign, the number and its unit word are one
    # value, as where another record of the message writes "00:01".
    (
        "bound",
        r"(?<![\w<>~=])[<>~]=?\d+(?:\.\d+)? ?(?:ns|us|µs|ms|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|days?)"
        r"(?![\w.])",
    ),
    ("id", r"(?<![\w.-])[A-Za-z]+(?:_[A-Za-z]+)*_-?\d[\w-]*"),
    # A data size with its unit, glued on or after a blank ("640MB", "1.20 KB", "16.0 B"): one value. A writer picks
    # the unit by the size ("(512 B)", "(1.20 KB)", "(3.4 MB)" of one message), so the unit is the value's, not the
    # message's wording; its statistics are in bytes (``values``). A unit word ("bytes") is the message's.
    ("size", rf"(?<![A-Za-z0-9])[-+]?\d+(?:[.,]\d+)* ?{SIZE_UNITS}(?![\w-])(?!\.\w)"),
    # Literal values: booleans and nulls are data where they stand as a value (after "=", ":", a bracket, at a
    # message's end or before punctuation). Between two words of prose one qualifies the word after it and is the
    # message's wording: Go's "invalid memory address or nil pointer dereference", Java's "on a null object
    # reference".
    ("literal", rf"(?<![\w.-])(?:(?<![A-Za-z] ){_LITERAL}(?![\w-])|{_LITERAL}(?![\w-])(?! [a-z]))"),
    # A number (a dimension's too: "80x25") ends where its run of letters and digits ends: "0abc" of "i-0abc3582" is
    # no number with a unit, and "v1alpha2" is no version number (an id and an API's name: not cut in two). Its
    # exponent, signed, is the number's ("1.0E+03", "3.2e-05", Fortran's "1.0D-08": one value, not two). Numbers a
    # comma joins are one value whatever their signs (a position "17.89,0.78,3.31" and "-8.86,-0.50,-5.64": one).
    (
        "number",
        r"(?<![A-Za-z0-9])(?:[vV](?=\d))?[-+]?\d+(?:\.\d+|,[-+]?\d+)*(?:[eE][-+]\d+|(?<=\d)[dD][-+]\d+)?(?:[xX]\d+)*"
        r"[A-Za-z]*+(?![A-Za-z0-9])",
    ),
)

# No variable starts inside a run of letters and digits, nor at a space or most punctuation: the
# lookarounds in front let the regex engine skip those positions before trying every alternative.
VARIABLE_RE = re.compile(
    r"(?=[\w/\\+<>~-])(?<![A-Za-z0-9](?=[A-Za-z0-9]))(?:"
    + "|".join(f"(?P<{name}>{rx})" for name, rx in _VARIABLE_PATTERNS)
    + ")"
)

_RUN_RE = re.compile(r"(?:<\*>)(?:[^\s\w]?<\*>)*")
_TOKEN_RE = re.compile(r"\S+")


TIME_WILDCARD = "<*>:<*>:<*>"
# The kinds of variable a template writes as TIME_WILDCARD: one value, three placeholders in its text.
WIDE_KINDS = frozenset({"datetime", "clock"})

# A quoted (or bracketed) string of several words: it opens a token (or follows "=", "(", "[", "{", ":" or ","),
# holds no quote of its kind (no bracket), and closes where a token may end. Bounded: a stray quote does not reach far.
_QUOTED_WORDS = re.compile(
    r"""(?<![^\s=(\[{:,])(?:"[^"\s][^"\n]{0,200}?\s[^"\n]{0,200}?"|'[^'\s][^'\n]{0,200}?\s[^'\n]{0,200}?'"""
    r"""|\[[^\]\[\s][^\]\[\n]{0,200}?\s[^\]\[\n]{0,200}?\])"""
    r"(?=[\s,;:)\]}.]|$)"
)
_QUOTED_SPACE = "\x00"  # no record holds one (the reader removes NUL bytes); not a blank to str.split


def message_tokens(masked: str) -> list[str]:
    """The tokens of a masked message, as the template miner compares them: its words, but a quoted or bracketed
    string of several words and no variable is one token with whatever is glued to it ('Step "Publish Docker image"
    started', 'tag="Screen Dim Timeout",', 'lock=<*> [Screen Dim Timeout], flags=<*>'): a message quotes data, and the
    data's words are one value, whatever their number (split on its blanks, each step's name of another length was a
    template of its own). Blanks between an opening bracket and a variable pad a number to its column's width
    ("[ 12%]" beside "[100%]"): no token boundary."""
    if "[ " in masked or "( " in masked:
        masked = _PADDED_VARIABLE.sub("", masked)
    if '"' not in masked and "'" not in masked and "[" not in masked:
        return masked.split()
    joined = _QUOTED_WORDS.sub(_glued_quote, masked)
    if joined is masked or _QUOTED_SPACE not in joined:
        return masked.split()
    return [t.replace(_QUOTED_SPACE, " ") for t in joined.split()]


_PADDED_VARIABLE = re.compile(r"(?<=[\[(]) +(?=<\*>)")


def _glued_quote(m: re.Match[str]) -> str:
    quoted = m.group()
    # A quoted string with a variable in it is a sentence of its own (a structured record's message="... <*> ..."),
    # and so is an error quoted with its type ("[org.example.NoResourceFoundException: No static resource x.]"): its
    # words stay tokens, so its constant words stay in the template where only its variable differs. A name may hold a
    # colon ("Mail: send web push notification", a job's), never an exception's type before one.
    if WILDCARD in quoted or _QUOTED_ERROR.search(quoted):
        return quoted
    # So is the value of a key that names the record's message (klogr's 'setup "msg"="leader elected, starting
    # controllers"' beside 'setup "msg"="shutting down kyverno"': one template of the two was "<*>").
    if _MESSAGE_KEY.search(m.string, max(0, m.start() - MESSAGE_KEY_CHARS), m.start()) is not None:
        return quoted
    return _BLANK.sub(_QUOTED_SPACE, quoted)


_QUOTED_ERROR = re.compile(r"(?:Exception|Error|Throwable): \S")
MESSAGE_KEY_CHARS = 12  # how far before a quoted string its key is looked for
# The key a structured logger writes the record's message under ("msg"), then its "=" or ":", right before a quoted
# value. Not "message": a field of the record that quotes another one's (klog's "Event occurred" ... message="Created
# pod: web-7d9f"), whose data the record's message is not.
_MESSAGE_KEY = re.compile(r"""(?<![\w.-])["']?msg["']?[=:] ?$""")


_BLANK = re.compile(r"\s")


def _mask_one(m: re.Match[str]) -> str:
    return TIME_WILDCARD if m.lastgroup in WIDE_KINDS and m.group().count(":") >= 2 else WILDCARD


# A run of letters and digits that holds a digit (the typed masks above did not take it).
# (Before "=" it is a key, and so is a word that goes on to one: "log2_work=94.84", bitcoind's.)
_DIGIT_WORD_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]*\d[A-Za-z0-9]*+(?!\w*=)")
_DIGIT = re.compile(r"\d")


def _variables(text: str, start: int = 0) -> list[tuple[str, int, int, str]]:
    """The variables of ``text[start:]``: (kind, start, end, placeholder) in order; see the module docstring
    for the digit words taken besides the typed masks."""
    found = [(m.lastgroup or "word", m.start(), m.end(), _mask_one(m)) for m in VARIABLE_RE.finditer(text, start)]
    words = [m.span() for m in _DIGIT_WORD_RE.finditer(text, start)]
    if not words:
        return found
    # Tokens (whitespace-delimited) that hold a typed variable: their digit words are variables too. Token
    # starts are found in C and looked up by bisection (linear in the text, whatever its tokens' lengths).
    starts = [m.start() for m in _TOKEN_RE.finditer(text, start)]
    held = {starts[bisect_right(starts, s) - 1] for _k, s, _e, _p in found}
    extra: list[tuple[str, int, int, str]] = []
    j = 0
    for s, e in words:
        while j < len(found) and found[j][2] <= s:
            j += 1
        if j < len(found) and found[j][1] < e:
            continue  # overlaps a typed variable
        if (s > 0 and text[s - 1] == "=") or starts[bisect_right(starts, s) - 1] in held:
            extra.append(("id", s, e, WILDCARD))
    if not extra:
        return found
    return sorted(found + extra, key=lambda v: v[1])


def _takes_digit_words(masked: str) -> bool:
    """True when the typed masks left a digit word that is a variable by its place (see ``_variables``).
    Checked on the masked text, where a typed variable reads ``<*>``: most texts have no digit word left,
    and cost one search."""
    if _DIGIT.search(masked) is None or (WILDCARD not in masked and "=" not in masked):
        return False
    for m in _DIGIT_WORD_RE.finditer(masked):
        s, e = m.span()
        if s > 0 and masked[s - 1] == "=":
            return True
        left = max(masked.rfind(" ", 0, s), masked.rfind("\t", 0, s)) + 1
        right = min((k for k in (masked.find(" ", e), masked.find("\t", e)) if k >= 0), default=len(masked))
        if WILDCARD in masked[left:right]:
            return True
    return False


def mask_text(text: str) -> str:
    """The text with every variable replaced by ``<*>`` (a date-time with seconds by ``<*>:<*>:<*>``)."""
    masked = VARIABLE_RE.sub(_mask_one, text)
    if not _takes_digit_words(masked):
        return masked
    parts: list[str] = []
    pos = 0
    for _kind, s, e, ph in _variables(text):
        parts.append(text[pos:s])
        parts.append(ph)
        pos = e
    parts.append(text[pos:])
    return "".join(parts)


def mask_tail(record: str, tail: str) -> tuple[str, int, list[tuple[str, int, int]]] | None:
    """Mask ``tail``, a suffix of ``record``, with one pass over the record.

    Returns the masked tail, the number of variables before it and the variables in it (kind, start, end
    in ``record``); None when the tail is not a suffix or a variable straddles its start (then mask the
    tail on its own).
    """
    if not record.endswith(tail):
        return None
    return _mask_suffix(record, len(record) - len(tail), 0)


def mask_message(record: str, tail: str) -> tuple[str, list[tuple[str, int, int]]] | None:
    """``mask_tail`` without the count of variables before the tail: the masked tail and its variables, or None.

    Where no variable can hold both the character before the tail and its first one (``_clean_cut``), the
    variables of the tail are those a pass from the tail's start finds (the matches at every later position
    are the same; lookbehinds see the text before it), so the text before it (a record's header) is not read.
    """
    if not record.endswith(tail):
        return None
    offset = len(record) - len(tail)
    got = _mask_suffix(record, offset, offset if _clean_cut(record, offset) else 0)
    return None if got is None else (got[0], got[2])


# Characters a variable may hold after a space: only a date-time holds a space (every other pattern stops at
# whitespace), and in it a space comes after a digit, a lowercase letter (a month's or a weekday's name), a comma
# or a space, and before a digit, a sign, a space or a month's name.
_SPACE_BEFORE = frozenset(" ,abcdefghijklmnopqrstuvwxyz")
_SPACE_AFTER = frozenset(" +-JFMASOND")


def _clean_cut(record: str, offset: int) -> bool:
    """True when no variable can hold both ``record[offset - 1]`` and ``record[offset]``: the cut is at
    whitespace that no variable holds, or at a space that no date-time can hold there (see ``_SPACE_BEFORE``)."""
    if offset <= 0 or offset >= len(record):
        return True
    cut = record[offset - 1]
    if not cut.isspace():
        return False
    if cut != " " or offset == 1:
        return True
    after, before = record[offset], record[offset - 2]
    return not ((after in _SPACE_AFTER or after.isdigit()) and (before in _SPACE_BEFORE or before.isdigit()))


def _mask_suffix(record: str, offset: int, scan: int) -> tuple[str, int, list[tuple[str, int, int]]] | None:
    """The masked ``record[offset:]``, the variables before it and those in it, reading from ``scan``."""
    parts: list[str] = []
    pos = offset
    before = 0
    spans: list[tuple[str, int, int]] = []
    for m in VARIABLE_RE.finditer(record, scan):
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
    masked = "".join(parts)
    if _takes_digit_words(masked):
        return _mask_from(record, offset, _variables(record, scan))
    return masked, before, spans


def _mask_from(
    record: str, offset: int, variables: list[tuple[str, int, int, str]]
) -> tuple[str, int, list[tuple[str, int, int]]] | None:
    parts: list[str] = []
    pos = offset
    before = 0
    spans: list[tuple[str, int, int]] = []
    for kind, start, end, ph in variables:
        if end <= offset:
            before += 1
            continue
        if start < offset:
            return None
        parts.append(record[pos:start])
        parts.append(ph)
        pos = end
        spans.append((kind, start, end))
    parts.append(record[pos:])
    return "".join(parts), before, spans
