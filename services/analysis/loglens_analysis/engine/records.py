"""Records from raw bytes: gzip, UTF-8, line endings, NULs, long lines and multi-line joins, streaming.

Input arrives as chunks of bytes; output is blocks of text of about ``BLOCK_BYTES`` each, cut at line
ends, with continuation lines (stack traces, indented lines, CRI partial lines) already joined to their
record with the ``JOIN`` marker. Memory stays bounded by the block size and the maximum record length,
whatever the input size.
"""

from __future__ import annotations

import codecs
import json
import re
import zlib
from bisect import bisect_right
from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from .errors import CorruptInput, DecompressedSizeExceeded
from .fieldblocks import FieldBlocks
from .fieldblocks import detect as field_blocks
from .jsondoc import LEFT, JsonDocument, opens_document
from .levels import LEVEL_WORDS, level_from_word

GZIP_MAGIC = b"\x1f\x8b"
BLOCK_BYTES = 1 << 20
MAX_RECORD_CHARS = 16 * 1024
MAX_DECOMPRESSED_BYTES = 64 << 30
JOIN = "\x1e"  # replaces the newline between the physical lines of one record
PARTIAL = "\x1d"  # marks where CRI partial lines were glued (removed from the message)
SOURCE_CHANGE = "\x1f"  # a line from another source than the line before (removed once records are joined)
_SEPARATORS_AS_BLANKS = str.maketrans({JOIN: " ", PARTIAL: " ", SOURCE_CHANGE: " "})

# A carriage return that no newline follows ends no line: a terminal goes back to the line's start and writes on (a
# progress bar's "(Reading database ... 5%\r(Reading database ... 10%", GitLab's "section_start:...\r\x1b[0K" before
# a section's title, an AWS Lambda runtime's traceback, its lines parted by carriage returns in one event). Read as a
# line break, every line number after it disagreed with the file's (``grep -n``, an editor): the line stays one line.
# What an erase-line sequence right after the return wipes is gone (the writer's own choice); a return at a line's
# start or end parts nothing; the others part the line's pieces by a blank, in order.
_CR_ERASED = re.compile(r"[^\n]*\r(?=\x1b\[[012]?K)")
_CR_EDGE = re.compile(r"^\r+|\r+$", re.MULTILINE)
_CR = re.compile(r"\r+")


# A no-break space is a blank (CLDR's narrow one before AM/PM, which Java 20+ writes: "10:58:00\u202fAM"; the figure
# space a number is padded with; a no-break space from a terminal or a word processor): read as " ", so times,
# headers and tokens are found as where a plain one stands.
NO_BREAK_SPACES = "\u00a0\u2007\u202f"
_NO_BREAK_AS_BLANK = str.maketrans(dict.fromkeys(NO_BREAK_SPACES, " "))


def plain_blanks(text: str) -> str:
    """``text`` with its no-break spaces as plain ones (see ``NO_BREAK_SPACES``)."""
    if "\u00a0" in text or "\u202f" in text or "\u2007" in text:
        return text.translate(_NO_BREAK_AS_BLANK)
    return text


def overwritten(text: str) -> str:
    """``text`` (its CRLF line ends already read) with each carriage return read as above: no line break."""
    if "\x1b" in text:
        text = _CR_ERASED.sub("", text)
    return _CR.sub(" ", _CR_EDGE.sub("", text))


# An indented line whose blanks pad a header's first column: a level written right-aligned (log4j's "%5p" writes
# " INFO" beside "ERROR", Python's "%(levelname)8s" "    INFO"), or a number before the level (Kamailio's " 0(36)
# INFO:" beside "89(125) INFO:", a "%5r" of milliseconds). After the blanks, at most two fields that are not words
# (a number, a bracket), then a level word in capitals with text after it: the line opens a record of its own, as
# its unpadded neighbours do; it is not an indented line of the record before. Or a number right-aligned then a
# colon and a date's digits (Zabbix's "%6d:%Y%m%d:%H%M%S": "  1234:20240301:080007.123 ..."), a process's id before
# its time. Or a sign that states a level as the word would, a cross or a warning sign (Next.js's cross product sign,
# "\u2a2f TypeError: ...", and " ⚠ Fetch failed ..." among its untimed lines; ``formats._OUTCOME_FAILED``,
# ``formats._WARNING_SIGN``). Or a date and a clock in ISO 8601: HashiCorp's agents (Nomad, Consul, Vault) indent every
# log line under the "==> ..." lines they write to the console, and the ones after "==> Caught signal: interrupt" were
# its lines, the shutdown they tell glued to the warning before it.
_PADDED_HEADER = (
    r"(?:[\d\[(]\S*[ \t]+){0,2}(?:"
    + "|".join(sorted({w.upper() for w in LEVEL_WORDS}, key=lambda w: (-len(w), w)))
    + r")[:\]]?[ \t]+\S|\d+:\d{8}[:T -]?\d|[✘✗✖❌\u2a2f⚠]\ufe0f?[ \t]+\S|\d{4}-\d\d-\d\d[T ]\d\d:\d\d"
)


# A physical line continues the previous record when it is indented (but for a padded header), starts a Java "Caused
# by:" or "... N more", is a Java/.NET exception header followed by an "at" frame, a Go goroutine header, frame or
# "[signal ...]" line (a function's name over its file's tab-indented line, its arguments in brackets or none where an
# error's stack is printed with "%+v": kubeadm's "k8s.io/kubernetes/cmd/kubeadm/app/cmd.newCmdInit.func1", then
# "\tk8s.io/kubernetes/cmd/kubeadm/app/cmd/init.go:128"), a Python "Traceback" or chained-traceback banner, a Ruby "from
# file:line:in" or a Ruby frame flush left (Rails' production.log under "Redis::CannotConnectError (...)":
# "redis-4.8.1/lib/redis/client.rb:398:in `rescue in establish_connection'"), only closes brackets ("}", "});", "]": the
# end of an object or a list the record printed over its indented lines; ">": the end of a message written in angle
# brackets, WebLogic's; '"}': a JSON context whose string ran over lines), is PHP's "Stack trace:" (Monolog's
# "[stacktrace]") over its first frame or a frame of it ("#0 /var/www/src/Cache.php(31): App\Cache->connect()", "#2
# {main}"), Monolog's "[previous exception]" of a chain, or is a numbered source line in a diagnostic's gutter.
# A Java, .NET or JavaScript exception's first line, its type (qualified or not) and its message ("java.io.IOException:
# Broken pipe", "System.InvalidOperationException: ...", "TypeError: x is undefined"): frames after it say it is one.
EXCEPTION_HEAD = r"[\w$.]+(?:Exception|Error|Throwable)(?::[^\n]*)?"
EXCEPTION_HEAD_LINE = re.compile(rf"[ \t]*{EXCEPTION_HEAD}")  # a line that is an exception's first (fullmatch)


def _continuation_body(prefix: str = "") -> str:
    """The lookahead of a continuation line; ``prefix`` is an envelope every physical line carries (it stands
    after the newlines inside the pattern too: an exception header is followed by an enveloped "at" line)."""
    return (
        rf"[ \t]+(?!{_PADDED_HEADER})\S|Caused by: |\.\.\. \d+ more|Traceback \(most recent call last\)"
        r"|During handling of the above exception|The above exception was the direct cause"
        rf"|{EXCEPTION_HEAD}\n{prefix}[ \t]+at "
        rf"|goroutine \d+ \[|\[signal [A-Z]"
        rf"|[\w./*()\[\]-]+(?:\([^\n]*\)\n{prefix}\t|\n{prefix}\t[^\s:]+\.(?:go|s):\d+\b)"
        r"|created by |from [^\s:]+:\d+:in |[^\s:]+:\d+:in [`'][^`'\n]*'(?=\n|\Z)"
        r"|\"?[}\])>]+[,;]?[ \t]*(?:\n|\Z)"
        rf"|(?:Stack trace:|\[stacktrace\])\n{prefix}#0 |#\d+ (?:\{{main\}}|[^\n(]*\(\d+\): )|\[previous exception\] "
        # A compiler's excerpt of source under a diagnostic, its line number in the gutter the lines before it
        # drew ("  |" then "4 |     let n: u32 = ...", rustc's): the number is flush left, the gutter's bar ends
        # the line before.
        r"|(?<=\|\n)\d+ +\|"
    )


_CONTINUATION_BODY = _continuation_body()


class NewTraces:
    """Two traces printed one after the other: a stack frame line followed by an exception header with frames of
    its own. The header's line is marked (SOURCE_CHANGE) so the join leaves it to start a record.

    Candidates are found by a regex that opens with the literal ")\n" (a frame ends with its location in
    brackets), which the regex engine scans for quickly; the frame is then checked on its own line.
    """

    def __init__(self, prefix: str) -> None:
        self._candidate = re.compile(rf"\)\n(?={prefix}{EXCEPTION_HEAD}\n{prefix}[ \t]+at )")
        self._frame = re.compile(rf"{prefix}[ \t]+at ")

    def mark(self, text: str) -> str:
        return _marked(
            text,
            (
                m.end()
                for m in self._candidate.finditer(text)
                if self._frame.match(text, text.rfind("\n", 0, m.start()) + 1) is not None
            ),
        )


def _marked(text: str, at: Iterable[int]) -> str:
    """``text`` with SOURCE_CHANGE put at each of the positions ``at`` (ascending): the line there starts a record,
    no join takes it into the one before (the same text where there is none)."""
    pieces: list[str] = []
    start = 0
    for end in at:
        pieces.append(text[start:end])
        pieces.append(SOURCE_CHANGE)
        start = end
    if not pieces:
        return text
    pieces.append(text[start:])
    return "".join(pieces)


# A word that tells an error or a warning (any case): a line with one may be the message a traceback under it was
# logged with ("ERROR:root:Request failed", "Exception in callback ...", "Internal Server Error: /books/").
_TELLS_TROUBLE = re.compile(
    r"(?i:error|exception|fail|fatal|critical|crash|panic|abort|unhandled|uncaught|warn|traceback|errno)|\bERR\b"
)
_TRACEBACK_AT_LEFT = re.compile(r"\n(?=Traceback \(most recent call last\):)")
ANNOUNCER_LOOKBACK = 50  # how many lines up a traceback's announcing line is looked for past indented ones


def announces_traceback(lines: list[str]) -> bool:
    """Whether the lines before a Python traceback's banner at the left edge (the last one right before it) are a
    message it was logged with: the line before opens with a time (a logger's record: Odoo's "... INFO ... _read_file
    reading ...", logged with its exception at any level) or ends with a colon ("Process detector:coral:", "During
    handling of the above exception, another exception occurred:"), or it, or the last line at the left edge above
    its indented ones, tells an error or a warning (``_TELLS_TROUBLE``). A traceback after any other line is the
    interpreter's report of an uncaught exception, written after another writer's last line (a progress bar's, a child
    process's relayed line): a record of its own."""
    from .timestamps import leading_time_end

    if not lines:
        return False
    last = lines[-1].rstrip(JOIN + " \t")
    if last.endswith(":") or _TELLS_TROUBLE.search(last) is not None or leading_time_end(last) > 0:
        return True
    if last[:1] not in (" ", "\t"):
        return False
    for line in reversed(lines[-ANNOUNCER_LOOKBACK:-1]):
        if line[:1] not in (" ", "\t", ""):
            return _TELLS_TROUBLE.search(line) is not None or line.rstrip().endswith(":")
    return False


def _mark_unannounced_tracebacks(text: str) -> str:
    """Each Python traceback banner at the left edge that the lines before it do not announce
    (``announces_traceback``) marked (SOURCE_CHANGE): no join takes it into the record before."""

    def unannounced(m: re.Match[str]) -> bool:
        top = m.start()
        for _ in range(ANNOUNCER_LOOKBACK):
            top = text.rfind("\n", 0, top)
            if top < 0:
                break
        return not announces_traceback(text[top + 1 : m.start()].split("\n"))

    return _marked(text, (m.end() for m in _TRACEBACK_AT_LEFT.finditer(text) if unannounced(m)))


# A line continues the one before it, never an empty one (a blank line ends a record: an indented line after one
# would make a record whose first line is empty).
# (The newline comes first, so the regex engine finds candidates by a fast search for it.)
_CONTINUATION = re.compile(rf"\n(?<=[^\n]\n)(?={_CONTINUATION_BODY})")
UTF16_SNIFF_BYTES = 512  # a file's first bytes, read for a UTF-16 byte order mark or its NULs


def utf16_of(head: bytes) -> str | None:
    """The codec of a file in UTF-16 (Windows PowerShell's redirection, SQL Server's error log), from its first
    bytes: a byte order mark, or, without one, a NUL in every other byte of text that is otherwise ASCII (a NUL
    in the high byte of each code unit: little-endian after each character, big-endian before). None for any
    other file."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # the mark says the byte order, and the decoder drops it
    head = head[:UTF16_SNIFF_BYTES]  # the first chunk may be the whole file: its first bytes tell
    units = len(head) // 2
    if units < 16:
        return None
    even, odd = head[0 : units * 2 : 2], head[1 : units * 2 : 2]
    if odd.count(0) == units and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) == units and odd.count(0) == 0:
        return "utf-16-be"
    return None


# A line of blanks is an empty line (the first line of a text is matched on its own).
_BLANK_LINE = re.compile(r"\n[ \t]+(?=\n|\Z)")
# klog's value of several lines (Kubernetes' components: kubelet, controllers): "key=<" ends the record's first line,
# the value's lines follow indented by a tab (an empty one a tab alone), and a line that opens with " >" closes it,
# the record's other fields after it. One record: a blank line inside does not end it, nor does the closing line open
# another (it was a record of its own, "> logger=... resource_name=...", its error without its words).
KLOG_VALUE_LINES = 200  # lines of one klog value of several lines, at most
# How a record's first line ends where it announces the lines under it: a colon ("Some fatal errors occurred:"), or
# klog's opening of a value of several lines ("err=<"). Its examples show the next line, and a claim quotes it.
ANNOUNCING_ENDS = (":", "=<")
_KLOG_VALUE = re.compile(rf"=<\n(?:\t[^\n]*\n){{1,{KLOG_VALUE_LINES}}}? >(?= |$)", re.MULTILINE)


def _value_lines_joined(m: re.Match[str]) -> str:
    return m.group().replace("\n", JOIN)


_FIRST_BLANK_LINE = re.compile(r"[ \t]+(?=\n|\Z)")
# Every match of _CONTINUATION needs a newline followed by one of these (the exception-header and Go-frame
# alternatives need an indented next line): when there is none, the costlier regex is not run at all. Two
# searches, each opening with a literal the regex engine scans for fast: one alternation of both (a newline, or a
# bar before one) tried every alternative at every character, eight times as long.
_CONTINUATION_HINTS = (
    re.compile(
        r"\n(?:[ \t]|Caused by: |\.\.\. |Traceback \(|During handling|The above exception|goroutine |\[signal "
        r"|created by |from |\"?[}\])>]|Stack trace:|\[stacktrace\]|\[previous exception\]|#\d)"
    ),
    re.compile(r"\|\n\d"),
)
_RUBY_FRAME_HINT = re.compile(r":\d+:in [`']")  # (searched only where ":in " is: a colon opens every clock)
# Python prints a blank line before and after the banner that chains two tracebacks (two before it where the
# exception's message ended with a newline: psycopg2's "...accepting TCP/IP connections?\n"), Monolog one before the
# "[previous exception]" of a chain: the blank lines belong to the record too (the banner and the next traceback are
# then joined by _CONTINUATION).
_PY_CHAIN_BLANKS = re.compile(
    r"\n\n\n?(?=During handling of the above exception|The above exception was the direct cause"
    r"|\[previous exception\] )"
    r"|(?<=another exception occurred:|of the following exception:)\n(?=\nTraceback \()"
)


def _may_continue(text: str) -> bool:
    return any(hint.search(text) is not None for hint in _CONTINUATION_HINTS) or (
        ":in " in text and _RUBY_FRAME_HINT.search(text) is not None
    )


_GO_BLANK = re.compile(r"\n\n(?=goroutine \d+ \[)")
# A blank line before a stack frame: the end of an exception's message that closed with a newline (a JDBC batch
# error's chain, "Detail: Key (id)=(7) already exists.\n\n\tat ..."): the frame goes on the trace before it, as
# a frame never opens a record.
_FRAME_BLANK = re.compile(r"\n\n(?=[ \t]+at [\w$.<>/]+\()")
# The same after a Python traceback's banner, before its first frame (Anaconda's "CRT exception: Traceback (most
# recent call last):", then an empty line, then '  File "...", line 96, in ...': the exception's last line was an
# ERROR record apart from the CRITICAL one that logged it, its frames in neither).
# (A banner a record's message ends with; one alone on its line is the file's way of writing tracebacks, read by the
# rules of its records: loguru's, a blank line between each part.)
_PY_BANNER_BLANK = re.compile(r"(?<=\S Traceback \(most recent call last\):)\n\n(?=[ \t]+File \")")
# The same before a Ruby frame flush left (Rails' development log writes a line of blanks between
# "ActiveRecord::RecordNotFound (Couldn't find Article with 'id'=202):" and its frame
# "app/controllers/articles_controller.rb:63:in `set_article'").
_RUBY_FRAME_BLANK = re.compile(r"\n\n(?=[^\s:]+:\d+:in [`'])")
# A blank line before "Caused by:" alone on its line over the causes indented under it: Rust's anyhow and eyre write
# an error's chain so ("clickhouse unavailable: error sending request", "", "Caused by:", "    0: client error
# (Connect)", ...): the chain was a record of its own, "Caused by:" 33 times an ERROR template that led the summary.
_CAUSE_BLANK = re.compile(r"\n\n(?=Caused by:\n[ \t]+\S)")
# Two or more lines after a blank line that are each a source location alone, flush left: the frames of a stack a
# test runner prints a location a line (PHPUnit's "/app/vendor/.../Connection.php:829" under the exception's message
# and a blank line). They go on the record before the blank line, as one trace: each was a record of its own, their
# template "<*>:<*>" the file's most frequent message.
SOURCE_FILE_LINE = r"[^\s:]+\.\w{1,5}:\d+"  # a source file (its name with an extension) and a line, as a frame alone
_LOCATION_RUN = re.compile(rf"\n\n((?:{SOURCE_FILE_LINE}\n)+{SOURCE_FILE_LINE})(?=\n|\Z)")
# A runtime's excerpt of the code that threw: the place, a file and its line alone on a line (any file, an extension or
# none: "/app/src/lib/redis.js:58", "node:internal/process/promises:288"), and a line of carets (and tildes) under a
# column of the code line under it.
CODE_PLACE = re.compile(r"[^\s:]\S*:\d+")
CARET_LINE = re.compile(r"[ \t]*\^[~^]*[ \t]*")


def _joined_locations(m: re.Match[str]) -> str:
    return JOIN + JOIN + m.group(1).replace("\n", JOIN)


def _enveloped_blanks(prefix: str) -> re.Pattern[str]:
    """The blank lines inside a Go panic or a chained Python traceback (``_GO_BLANK``, ``_PY_CHAIN_BLANKS``) where an
    envelope's ``prefix`` stands before every line, the blank ones too ("...Z stderr F "): joined, the prefixes of
    the lines they join dropped."""
    return re.compile(
        rf"\n{prefix}\n{prefix}(?=goroutine \d+ \[|During handling of the above exception"
        rf"|The above exception was the direct cause)"
        rf"|(?<=another exception occurred:|of the following exception:)\n{prefix}(?=\n{prefix}Traceback \()"
    )


def _newline_joins(m: re.Match[str]) -> str:
    """One JOIN per newline matched (the envelope's prefixes between them dropped)."""
    return JOIN * m.group().count("\n")


# The final "ValueError: message" line of a Python traceback (not indented, so not caught above): the line
# after the last frame of a record that holds a "Traceback" header, whatever the exception's name
# ("AirflowTaskTimeout", "KeyboardInterrupt", "amqp.exceptions.RecoverableConnectionError: ..."). A candidate
# newline here is checked in _join_py_tails (one regex spanning the record was quadratic in its length).
_PY_TAIL_NAME = r"(?=[A-Za-z_][\w.]*(?::|\n|$))"
_PY_TAIL = re.compile(rf"\n{_PY_TAIL_NAME}")
TRACEBACK_BANNER = "Traceback (most recent call last):"  # a Python traceback opens with it
# The first line of a crash report a language runtime writes itself, not through a log call (Rust's "thread 'main'
# panicked at src/main.rs:4:5:", Go's "panic: runtime error: ...", the JVM's default handler of an uncaught exception
# 'Exception in thread "main" java.lang.IllegalStateException: ...', .NET's "Unhandled exception. System.Invalid
# OperationException: ..." (.NET Framework's "Unhandled Exception: ..."), Ruby's top-level report of an uncaught
# exception "app/importer.rb:12:in `parse': undefined method `fetch' for nil:NilClass (NoMethodError)", its frames
# under it as "\tfrom ..."): the report is a record of its own, whatever record the program logged before it, and an
# error.
RUNTIME_CRASH = re.compile(
    r"thread '[^'\n]*' panicked at \S|panic: \S|Exception in thread \"[^\"\n]*\" \S|Unhandled [Ee]xception[.:] \S"
    r"|[^\s:]+:\d+:in [`'][^'\n]*': [^\n\x1e]*\([A-Z]\w*(?:::[A-Z]\w*)*\)(?=$|\n|\x1e)"
)
# Rust's report of a panic since 1.73: its first line ends with the location and a colon, and the panic's message
# ("assertion `left == right` failed", "attempt to subtract with overflow") is the line after it, not indented.
RUST_PANIC_HEAD = re.compile(r"panicked at [^\s'\n]+:\d+:\d+:$")
_RUST_PANIC_MESSAGE = re.compile(r"(panicked at [^\s'\n]+:\d+:\d+:)\n(?=\S)")


def _joined_after(m: re.Match[str]) -> str:
    return m.group(1) + JOIN


# Its last line, on its own: "ValueError: bad value", "KeyboardInterrupt".
PY_TAIL_LINE = re.compile(r"[A-Za-z_][\w.]*(?::|$)")
# Joined records are capped too: this many times the physical-line cap.
JOINED_RECORD_FACTOR = 4
# A shell's report that a child died of a signal: strsignal's text ("Killed", "Segmentation fault"), "(core dumped)"
# where it dumped, and in a script the script's name and line, the child's process id and its command ("./run.sh:
# line 12: 4321 Killed  java -jar app.jar"). The shell writes it after the process whose log this is died, so it is
# never a continuation of that process's last record. Digits may stand as a template's placeholders.
_DIED_OF = (
    r"(?:Killed|Terminated|Segmentation fault|Aborted|Bus error|Illegal instruction|Floating point exception|Hangup|"
    r"Quit|Trace/breakpoint trap|Alarm clock|CPU time limit exceeded|File size limit exceeded|User defined signal "
    r"(?:[12]|<\*>))(?: \(core dumped\))?"
)
_NUMBER = r"(?:\d+|<\*>)"
SHELL_SIGNAL_REPORT = re.compile(rf"\S+: line {_NUMBER}: +{_NUMBER} +{_DIED_OF}(?: +\S.*)?|{_DIED_OF}")


def _py_tail(prefix: str) -> re.Pattern[str]:
    """The newline before a traceback's last line, and the envelope ``prefix`` that line carries (the join drops it,
    as it drops a continuation line's)."""
    return re.compile(rf"\n{prefix}{_PY_TAIL_NAME}") if prefix else _PY_TAIL


# A record whose first line is indented (a block after a blank line: a test runner's "  ✓  1 [chromium] > ...", each
# test a line) with a joined line after it.
# (After a line break only: a block's first line may go on with a record of the block before.)
_INDENTED_RECORD = re.compile(r"\n[ \t]+\S[^\n\x1e]*\x1e")


# The words that open a line of a stack trace or of its chain, however deep it stands ("Caused by: ...", "at ...",
# 'File "app.py", line 3', "... 12 more", a Ruby frame "app/models/user.rb:12:in `save'" and RSpec's "# " before
# each): such a line goes on with its trace even where the trace is printed at one depth throughout (indented under
# a test's name).
_TRACE_LINE = re.compile(
    r"[ \t]*(?:Caused by: |Suppressed: |\.\.\. \d+ more|at |File \"|from |Traceback \(|During handling|The above exc"
    r"|[}\])>]|(?:# )?[^\s:]+:\d+:in )"
)


def _indent(line: str) -> int:
    """The width of a line's leading blanks (a tab to the next multiple of eight)."""
    wide = line.expandtabs(8)
    return len(wide) - len(wide.lstrip(" "))


def _split_level_lines(text: str) -> tuple[str, int]:
    """Indented lines that stand as deep as the first line of the record they were joined to (or less deep) open
    records of their own: a line continues a record where it is indented under it, and a block of lines each
    indented alike lists items (Playwright's or Jest's tests, "  ✓  1 ... (812ms)" then "  ✘  2 ..."), not one
    item's lines. Returns the text and how many joins were undone."""
    pieces: list[str] = []
    start = 0
    undone = 0
    for m in _INDENTED_RECORD.finditer(text):
        first_at = m.start() + 1
        end = text.find("\n", first_at)
        end = len(text) if end < 0 else end
        lines = text[first_at:end].split(JOIN)
        if not any(ch.isalnum() for ch in lines[0]):
            continue  # a bracket that closes a document's part after a blank line in it: the document goes on
        width = _indent(lines[0])
        kept = [lines[0]]
        for line in lines[1:]:
            # (A line joined by another rule, not indented, stays: an exception's header under a padded header.)
            if line[:1] in " \t" and line.strip() and _indent(line) <= width and _TRACE_LINE.match(line) is None:
                kept.append("\n" + line)
                undone += 1
            else:
                kept.append(JOIN + line)
        if undone:
            pieces += (text[start:first_at], "".join(kept))
            start = end
    if not undone:
        return text, 0
    pieces.append(text[start:])
    return "".join(pieces), undone


# A JSON object whole on its line, and the join after it: such a record is complete in itself (a structured log's line
# holds its own trace in a field), so what follows it is not its (an uncaught exception's traceback that the process
# wrote to stderr after its JSON logs: a record of its own).
_WHOLE_JSON_JOINED = re.compile(r"(?m)^\{[^\n\x1e]*\}[ \t]*\x1e")


def _split_json_lines(text: str) -> tuple[str, int]:
    """The records joined to a JSON object whole on its line, parted from it again (``_WHOLE_JSON_JOINED``); how
    many joins were undone."""
    return _WHOLE_JSON_JOINED.subn(lambda m: m.group()[:-1] + "\n", text)


# A table's rule, joined to the record above it: runs of dashes under the header row's column names ("  ----
# ------  ---", as `kubectl describe` writes its events: "  Type     Reason   Age  From     Message").
_TABLE_RULE = re.compile(r"\x1e([ \t]*)-{2,}(?:[ \t]+-{2,})+[ \t]*(?=\x1e)")


def _split_table_rows(text: str) -> tuple[str, int]:
    """The rows of a table a record's indented lines hold (a header row, a rule of dashes under it, then rows as deep
    as the rule) are records of their own: `kubectl describe`'s events under "Events:", each a Normal or Warning
    event, were one record told by its first line. A row's deeper lines stay with it. Returns the text and how many
    joins were undone."""
    pieces: list[str] = []
    start = 0
    undone = 0
    for m in _TABLE_RULE.finditer(text):
        if m.start() < start:
            continue
        header_at = max(text.rfind(JOIN, 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        header = text[header_at : m.start()]
        width = _indent(m.group(1))
        if _indent(header) != width or len(header.split()) < 2:
            continue
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        kept = []
        for line in text[m.end() + 1 : end].split(JOIN):
            if line.strip() and _indent(line) == width:
                kept.append("\n" + line)
                undone += 1
            else:
                kept.append(JOIN + line)
        pieces += (text[start : m.end()], "".join(kept))
        start = end
    if not undone:
        return text, 0
    pieces.append(text[start:])
    return "".join(pieces), undone


def _join_py_tails(text: str, tail: re.Pattern[str] = _PY_TAIL) -> tuple[str, int]:
    pieces: list[str] = []
    start = 0
    joined = 0
    for match in tail.finditer(text):
        at = match.start()
        record_start = text.rfind("\n", 0, at) + 1
        # The line before must be an indented frame line of a record that holds a traceback header.
        last_line = text.rfind(JOIN, record_start, at)
        if last_line < 0 or text[last_line + 1 : last_line + 2] not in (" ", "\t"):
            continue
        if text.find(TRACEBACK_BANNER, record_start, at) < 0:
            continue
        pieces.append(text[start:at])
        pieces.append(JOIN)
        start = match.end()
        joined += 1
    if not joined:
        return text, 0
    pieces.append(text[start:])
    return "".join(pieces), joined


# A line that opens with a level in brackets, then its text indented by two blanks or more: a candidate for
# ``_join_level_indented``.
_LEVEL_INDENTED = re.compile(r"\n(?=(\[[A-Za-z]{3,9}\])( {2,}|\t)\S)")


def may_join_level_indented(prev: str, line: str) -> bool:
    """Whether ``line`` may continue the record of ``prev`` by ``_join_level_indented`` (the same level in brackets
    opens both, ``line``'s text indented by two blanks or more): the chunk cutter never cuts there."""
    m = _LEVEL_INDENTED.match("\n" + line)
    return m is not None and prev.startswith(m.group(1))


def _join_level_indented(text: str) -> tuple[str, int]:
    """Lines that repeat the level in brackets the line before them opens with and indent their text further continue
    its record: a build tool writes a diagnostic's detail lines so (Maven's "[ERROR]   symbol:   method getTotal()"
    and "[ERROR]   location: ..." under "[ERROR] .../OrderService.java:[57,21] cannot find symbol", sbt's "[error]
    found   : Int"). Each was told as an error of its own. Returns the text and the lines joined."""
    pieces: list[str] = []
    start = joined = 0
    last = -1  # where the line last joined starts
    own = 0  # the indent of the text of the first line of the record it joined
    for m in _LEVEL_INDENTED.finditer(text):
        at = m.start()
        label = m.group(1)
        if text.rfind("\n", 0, at) + 1 != last:  # the line before opens its record (the ones after it join it)
            prev = text[text.rfind("\n", 0, at) + 1 : at]
            prev = prev[: prev.find(JOIN)] if JOIN in prev else prev
            if not prev.startswith(label):
                continue
            own = len(prev) - len(prev[len(label) :].lstrip(" \t")) - len(label)
        elif not text.startswith(label, last):
            continue
        if len(m.group(2)) <= own or level_from_word(label[1:-1]) is None:
            continue
        pieces.append(text[start:at])
        pieces.append(JOIN)
        start = last = at + 1
        joined += 1
    if not joined:
        return text, 0
    pieces.append(text[start:])
    return "".join(pieces), joined


def _joins(m: re.Match[str]) -> str:
    """One JOIN per newline matched: line numbers count the joined lines."""
    return JOIN * len(m.group())


# ANSI escape sequences (colours, cursor moves) and the control strings a terminal does not show (an operating
# system command's, ESC ]; an application's, ESC _, as a CI runner marks each line's time: Buildkite's
# "ESC _bk;t=1705312800000 BEL"; a device's, ESC P): presentation, not content.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[\]_P^X][^\x07\x1b]*(?:\x07|\x1b\\)")


ENVELOPE_MIN_SHARE = 0.9  # share of a file's first lines that must carry the prefix (most envelopes)


@dataclass(frozen=True, slots=True)
class Envelope:
    """A prefix that a collector put before every line of the application's log.

    ``strip``: the prefix names the line's source (a docker-compose service column, group "source") and is
    removed from every line but for its group "keep" where it has one (``past_envelope``); otherwise (a timestamp
    the collector added) the first line of a record keeps it and the continuation lines lose it when they are
    joined.
    """

    name: str
    rx: re.Pattern[str]
    strip: bool
    kept: str = ""  # a stripped envelope's group "keep" as a pattern: every line still opens with it (joins drop it)
    min_share: float = ENVELOPE_MIN_SHARE  # share of a file's first lines that must carry the prefix ...
    min_sources: int = 1  # ... naming at least this many sources
    timed_after: float = 0.0  # share of its lines whose own time follows it (the sources' headers)


ENVELOPE_SAMPLE_LINES = 400
TAGGED_MIN_SHARE = 1 / 3  # a tag without a colon: the share of lines with it, and of those with a time after it
APP_LEVEL_WORDS = 2  # a level among this many words after a time prefix makes the prefix the application's header
# Candidates, most specific first. A level word is never taken for a compose service name.
_LINE_TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}) "  # RFC 3339, as collectors write it
_CRI_ENVELOPE = Envelope(
    "kubernetes-cri",
    re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}) (?:stdout|stderr) [FP] "),
    False,
)
_ENVELOPES = (
    _CRI_ENVELOPE,
    # A log store's query output (Loki's logcli): the entry's time, then its stream's labels, '{app="shop",
    # pod="shop-1"} ', then the line. The labels are the line's source (streams interleave), the time stays.
    Envelope(
        "stream-labels",
        re.compile(rf'(?P<keep>{_LINE_TIME})(?P<source>\{{(?:[A-Za-z_]\w*="(?:[^"\\\n]|\\.)*"(?:, ?)?)*\}}) '),
        True,
        _LINE_TIME,
    ),
    Envelope("timestamp-prefix", re.compile(_LINE_TIME), False),
    # kubectl logs --prefix: "[pod/<pod>/<container>] " before each line of each container's log.
    Envelope("kubectl-prefix", re.compile(r"\[(?P<source>pod/[^\s/\]]+/[^\s/\]]+)\] ?"), True),
    # docker compose's "web-1  | " (names padded after them), and the same column with the names right-aligned and
    # a box-drawing bar (Tilt's "     api │ ", "frontend │ "); a build tool's targets and images named the same way
    # (Earthly's "                 +base | --> FROM golang:1.22", "    postgres:16-alpine | ...").
    Envelope("compose-service", re.compile(r" *(?P<source>[\w+][\w.@/:+-]*) *(?P<bar>[|\u2502]) ?"), True),
    # A launcher's tag before each line of the processes it runs, a name in brackets and a colon (torchrun's
    # "[rank0]: 2026-03-04 09:58:12,404 - train - INFO - ...", "[rank1]:[W304 10:18:16.4 ProcessGroupNCCL.cpp:1250]
    # ..."), its own lines untagged among them: several sources on at least half the lines.
    Envelope(
        "bracketed-source",
        re.compile(r"\[(?P<source>[A-Za-z][\w.-]{0,31})\]:(?: |(?=\[))"),
        True,
        min_share=0.5,
        min_sources=2,
    ),
    # A developer tool's tag before each line of the services it runs, no colon after it (Skaffold's "[api] 2024/05/14
    # 09:02:02 listening on :8080", "[db] 2024-05-14 09:02:02.777 UTC [1] LOG: ..." among its own untagged lines):
    # several sources, a third of the head's lines at least, and a time of their own right after the tag on a third
    # of those lines (the sources' headers come after the tag: it is not a header's first column).
    Envelope(
        "tagged-source",
        re.compile(r"\[(?P<source>[A-Za-z][\w.-]{0,31})\] (?=\S)"),
        True,
        min_share=TAGGED_MIN_SHARE,
        min_sources=2,
        timed_after=TAGGED_MIN_SHARE,
    ),
)


_DOCKER_TIME_PREFIX = Envelope("docker-json", re.compile(r"\S* "), False)
# Envelopes that open every line with the time the collector read it at (RFC 3339).
_STAMPING_ENVELOPES = frozenset({"docker-json", "kubernetes-cri", "timestamp-prefix", "stream-labels"})
WRITTEN_TOGETHER_SECONDS = 1  # a continuation line a collector stamped later than the line before it is no line of it
_COLLECTOR_SECOND = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def _join_written_together(continuation: re.Pattern[str], text: str) -> tuple[str, int]:
    """``continuation``'s joins where the collector stamped the line within WRITTEN_TOGETHER_SECONDS of the line
    before it: the lines of one event are written at once (a trace, a message's indented lines). A line stamped
    later is written apart, though it opens as a continuation would (Azure App Service's ASCII-art banner,
    indented, nine minutes after gunicorn's "Shutting down: Master": the restart's banner was glued to the stop).
    Returns the text and the number of joins."""
    apart = 0

    def join(m: re.Match[str]) -> str:
        nonlocal apart
        s = m.string
        at = m.start()
        start = max(s.rfind("\n", 0, at), s.rfind(JOIN, 0, at)) + 1  # (a line joined before: its prefix dropped)
        before = _COLLECTOR_SECOND.match(s, start)
        after = _COLLECTOR_SECOND.match(s, at + 1)
        if before is None or after is None:
            return JOIN
        try:
            gap = (datetime.fromisoformat(after.group()) - datetime.fromisoformat(before.group())).total_seconds()
        except ValueError:
            return JOIN
        if gap > WRITTEN_TOGETHER_SECONDS:
            apart += 1
            return m.group()
        return JOIN

    text, n = continuation.subn(join, text)
    return text, n - apart


def past_envelope(m: re.Match[str]) -> str:
    """A line past the stripped envelope ``m`` matched at its start: the part the envelope keeps (a stream's
    time), then the application's line."""
    keep = m.group("keep") if "keep" in m.re.groupindex else None
    return (keep or "") + m.string[m.end() :]


def _docker_line(line: str) -> str | None:
    """The application's line inside a Docker json-file record, with Docker's time before it; None if the
    line is not such a record."""
    if not line.startswith('{"log":'):
        return None
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the decoder goes
        return None
    if not isinstance(obj, dict) or not isinstance(obj.get("log"), str):
        return None
    log = obj["log"].rstrip("\n").replace("\n", " ")
    return f"{obj.get('time') or '-'} {log}"


def is_docker_json(lines: list[str]) -> bool:
    lines = [line for line in lines if line.strip()]
    return len(lines) >= 5 and sum(_docker_line(line) is not None for line in lines) >= ENVELOPE_MIN_SHARE * len(lines)


def _unwrap_docker_json(text: str) -> str:
    """Each Docker json-file line becomes ``TIME application line``: continuation lines of a stack trace can then
    be joined to their record like any other (one physical line each, so line numbers do not move)."""
    out = []
    for line in text.split("\n"):
        inner = _docker_line(line)
        out.append(line if inner is None else inner)
    return "\n".join(out)


def _application_header(matches: list[re.Match[str]]) -> bool:
    """Whether the time prefix is the application's own header: the blanks after it pad its level column ("...+01:00
    INFO 1 --- [main]", Spring Boot's "%5p": most lines that go on with blanks go on with a level word), or most
    lines go on with a level. A collector's prefix leaves the application's lines as they were, and its indented
    lines are continuations (frames, YAML, output)."""
    from .levels import level_from_word

    indented = [m.string[m.end() :].split(None, 1) for m in matches if m.string[m.end() : m.end() + 1].isspace()]
    levelled = sum(bool(words) and level_from_word(words[0]) is not None for words in indented)
    if levelled * 2 > len(indented):
        return True
    # A time then a level among the next few words, bracketed or not, on most lines is the application's own header
    # (HashiCorp's hclog: "2024-03-05T10:00:00.000Z [INFO]  agent: Synced node info"; MySQL's "...Z 0 [Warning]
    # [MY-010055]"), not a collector's time before its lines.
    firsts = [m.string[m.end() :].split(None, APP_LEVEL_WORDS)[:APP_LEVEL_WORDS] for m in matches]
    levelled = sum(any(level_from_word(w.strip("[]:")) is not None for w in words) for words in firsts)
    return levelled * 2 > len(matches)


def stamp_lines(lines: list[str]) -> re.Pattern[str] | None:
    """Where a file writes its times on lines of their own, each above the message lines it times (Oracle's alert
    log: "2024-09-10T01:58:44.118269+02:00", then "Starting ORACLE instance (normal) (OS id: 31442)"), from its first
    lines: at least STAMP_LINES_MIN lines holding a dated stamp and nothing else (``timestamps.stamp_alone``), each
    followed by a line that opens with no time. Such a line is no record (it became an empty message, a file's most
    frequent "template"): it is the header of the line after it. The pattern matches a line of one of their shapes
    (digits any digits, letters any letters: another month's, another weekday's name) and the line after it, in
    group ``next``; ``join_stamp_line`` checks the match."""
    from .timestamps import leading_time_end, stamp_alone

    shapes: Counter[str] = Counter()
    for line, after in pairwise(lines):
        if after.strip() and not after.startswith(JOIN) and stamp_alone(line) and leading_time_end(after.lstrip()) == 0:
            shapes[_STAMP_SHAPE_PART.sub(_stamp_shape_part, line.strip())] += 1
    kept = sorted(shape for shape, n in shapes.items() if n >= STAMP_LINES_MIN)
    if not kept:
        return None
    return re.compile(rf"(?m)^[ \t]*(?P<stamp>{'|'.join(kept)})[ \t]*\n(?=(?P<next>[ \t]*\S[^\n]*))")


STAMP_LINES_MIN = 2  # lines of a time and nothing else, each above a message line, that make a file's convention
_STAMP_SHAPE_PART = re.compile(r"\d+|[A-Za-z]+|[^\dA-Za-z]")


def _stamp_shape_part(m: re.Match[str]) -> str:
    part = m.group()
    if part[0].isdigit():
        return rf"\d{{{len(part)}}}"
    if part[0].isalpha():
        return "[A-Za-z]+" if len(part) > 1 else re.escape(part)
    return re.escape(part)


def join_stamp_line(m: re.Match[str]) -> str:
    """A line of a time alone (``stamp_lines``) and the message line after it: one record, the time its header, the
    line break kept as PARTIAL (a line of the file, no blank in the message); kept apart where the line after it is
    a time of its own, or opens with one."""
    from .timestamps import leading_time_end, stamp_alone

    if stamp_alone(m.group("stamp")) and leading_time_end(m.group("next").lstrip()) == 0:
        return f"{m.group('stamp')} {PARTIAL}"
    return m.group()


def detect_envelope(lines: list[str]) -> Envelope | None:
    """The prefix nearly every one of the first lines carries, if any (docker-compose, CRI, CI timestamps)."""
    from .levels import level_from_word
    from .timestamps import leading_time_end

    lines = [line for line in lines[:ENVELOPE_SAMPLE_LINES] if line.strip()]
    if len(lines) < 5:
        return None
    for env in _ENVELOPES:
        matches = [m for m in map(env.rx.match, lines) if m is not None]
        if len(matches) < env.min_share * len(lines):
            continue
        if env.min_sources > 1 and (
            len(names := {m.group("source") for m in matches}) < env.min_sources
            or any(level_from_word(n) for n in names)
        ):
            continue
        if not env.strip and _application_header(matches):
            continue
        if env.timed_after and sum(leading_time_end(m.string[m.end() :]) > 0 for m in matches) < env.timed_after * len(
            matches
        ):
            continue
        if env.name == "compose-service":
            # A compose column: the bar stands in one column on (nearly) every line, the names are not level
            # words ("INFO | message" is a layout, not a service prefix), and each names several lines.
            columns = {m.start("bar") for m in matches}
            names = {m.group("source") for m in matches}
            if len(columns) > 2 or any(level_from_word(n) for n in names):
                continue
            if len(names) * 2 > len(matches):
                # A name on nearly every line of its own is a field, not a source (ipmitool's "   1 | 11/30/2026 |
                # ...": each entry's number right-aligned before the bar): a source writes many lines.
                continue
        return env
    return _constant_prefix(lines) or _margin(lines)


# A token set between rules of one mark ("==31337==": Valgrind's process id before each line of its report).
_RULED_TOKEN = re.compile(r"([^\w\s])\1+\w+\1+")  # (letters and digits between: linear on a rule of marks alone)
RULED_TOKEN_CHARS = 32  # a prefix that long at most


def _constant_prefix(lines: list[str]) -> Envelope | None:
    """A token that opens nearly every line, the same on each, set between rules of one mark (``_RULED_TOKEN``:
    Valgrind's "==31337== " before every line of its report): the writer put it before each line, and the lines
    are read past it (the report's "   at 0x4005E4: main (main.c:12)" frames, indented under their error, continue
    it). A time, a level or a field that opens each line ("date=2026-11-30", logcat's "09-26", Ruby's "I,") is the
    line's own."""
    firsts = Counter(line.split(None, 1)[0] for line in lines)
    token, n = firsts.most_common(1)[0]
    if n < ENVELOPE_MIN_SHARE * len(lines) or len(token) > RULED_TOKEN_CHARS or _RULED_TOKEN.fullmatch(token) is None:
        return None
    return Envelope("line-prefix", re.compile(rf"(?P<source>{re.escape(token)})(?: |$)"), True)


MAX_MARGIN = 8  # blanks a writer may put before every line of its log ...
MARGIN_MIN_LINES = 20  # ... told from this many lines of the file's head at least
# What a line of a trace opens with, past its indentation: a margin is no trace's indentation.
_TRACE_OPENER = re.compile(r'(?:at |File "|Caused by: |\.\.\. \d+ more|from \S+:\d+)')


def _margin(lines: list[str]) -> Envelope | None:
    """The same few blanks before nearly every line (the ``debug`` module of Node.js writes "  express:router
    dispatching GET /" to a terminal; HashiCorp's agents indent their lines under their "==> ..." banners): the
    writer's margin, not the indentation of a record's continuation lines. Lines are read past it; a line indented
    deeper than the margin still continues the record before it, and a line at the left edge (another writer's)
    opens one. Nearly every line carries exactly the margin (lines indented at several depths are a structure: a
    test runner's suites, their tests and the failures' details under them), and they are no lines of a trace (a
    file of tracebacks is indented by its frames); no line at the left edge has a dated time near its start (it
    heads a record whose lines are indented under it: ``zpool events -v``'s fields under each event's time and
    class, journalctl's verbose output)."""
    from .timestamps import dated_stamp_near_start

    if len(lines) < MARGIN_MIN_LINES:
        return None
    widths = Counter(len(line) - len(line.lstrip(" ")) for line in lines)
    del widths[0]
    width: int | None = None
    if widths and (most := widths.most_common(1)[0])[1] >= ENVELOPE_MIN_SHARE * len(lines):
        width = most[0]
    else:
        width = _right_aligned(lines)
    if width is None or width > MAX_MARGIN:
        return None
    at_margin = [rest for line in lines if 0 < len(line) - len(rest := line.lstrip(" ")) <= width]
    if 2 * sum(_TRACE_OPENER.match(line) is not None for line in at_margin) >= len(at_margin):
        return None
    if any(dated_stamp_near_start(line) for line in lines if not line[:1].isspace()):
        return None
    return Envelope("margin", re.compile(rf"(?P<source>) {{0,{width}}}+"), True)


def _right_aligned(lines: list[str]) -> int | None:
    """The blanks that pad a first column of numbers written right-aligned (``ipmitool sel elist``'s record ids, "   9
    | 02/28/2024 | ..." over "  1a | ...", a clock's unpadded hour: " 0:00:17 accept" over "10:00:17 accept"): nearly
    every line's first word ends at one column, nearly every padded line's among them, most of those padded a number
    (a word a blank-padded line opens with ends there by chance: an indented continuation's). The most blanks before
    it (None: no such column)."""
    ends: Counter[int] = Counter()
    padded: Counter[int] = Counter()
    numbers: Counter[int] = Counter()
    most: dict[int, int] = {}
    for line in lines:
        rest = line.lstrip(" ")
        if not rest:
            continue
        blanks = len(line) - len(rest)
        word = rest.split(None, 1)[0]
        end = blanks + len(word)
        ends[end] += 1
        if blanks:
            padded[end] += 1
            numbers[end] += any(map(str.isdigit, word))
            most[end] = max(most.get(end, 0), blanks)
    if not padded:
        return None
    end, n = ends.most_common(1)[0]
    aligned = padded[end]
    if n < ENVELOPE_MIN_SHARE * len(lines) or aligned < ENVELOPE_MIN_SHARE * padded.total():
        return None
    return most[end] if 2 * numbers[end] >= aligned else None


_CRI_PARTIAL = re.compile(r"(?m)^(\d{4}-\d{2}-\d{2}T\S+ (?:stdout|stderr)) P ([^\n]*)\n\S+ (?:stdout|stderr) ([PF]) ")


@dataclass(slots=True)
class ReadCounters:
    """What the reader saw and did (parse-quality figures)."""

    input_bytes: int = 0
    decompressed_bytes: int = 0
    gzip: bool = False
    lines: int = 0
    invalid_utf8: int = 0
    nul_bytes: int = 0
    truncated_records: int = 0
    joined_lines: int = 0
    multiline_records: int = 0
    cri_partials: int = 0
    ansi_sequences: int = 0
    envelope: str = ""


MAX_SOURCE_RUNS = 65_536  # runs of lines of one source (a compose service) remembered, the file's first


@dataclass(slots=True)
class SourceRuns:
    """Which source wrote each line, where a collector interleaved sources line by line and the reader strips their
    column (a docker-compose service): the first line of every run of lines of one source, and its name. The file's
    first MAX_SOURCE_RUNS runs; past them (from line ``end``) a line's source is not known."""

    starts: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    end: int | None = None  # the first line whose source is not known (None: every line's is)

    def add(self, line: int, name: str) -> None:
        """A run of ``name``'s lines starts at ``line`` (after the runs added before it)."""
        if self.end is not None or (self.names and self.names[-1] == name):
            return
        if len(self.starts) >= MAX_SOURCE_RUNS:
            self.end = line
            return
        self.starts.append(line)
        self.names.append(name)

    def at(self, line: int) -> str | None:
        """The source of ``line`` (None where it is not known, or the line has none: the collector's own)."""
        k = bisect_right(self.starts, line) - 1
        return None if k < 0 or (self.end is not None and line >= self.end) else self.names[k] or None

    def lines_before(self, name: str, line: int) -> int:
        """How many lines ``name`` wrote before ``line``."""
        k = bisect_right(self.starts, line - 1)
        ends = [*self.starts[1:k], line]
        return sum(e - s for s, e, n in zip(self.starts[:k], ends, self.names[:k], strict=True) if n == name)

    def extend(self, other: SourceRuns, shift: int) -> None:
        """Append a later stretch of the file's runs (a chunk's, its lines numbered from 1, ``shift`` lines into the
        file): as the runs of one reader of the whole file, cut as it would be."""
        for line, name in zip(other.starts, other.names, strict=True):
            self.add(line + shift, name)
        if other.end is not None and self.end is None:
            self.end = other.end + shift


@dataclass(slots=True)
class Block:
    """A run of whole records; ``first_line`` is the 1-based physical line number of the first one."""

    text: str
    first_line: int


class RecordReader:
    """Turns byte chunks into blocks of joined records. One reader per input."""

    def __init__(
        self,
        *,
        max_decompressed_bytes: int = MAX_DECOMPRESSED_BYTES,
        max_record_chars: int = MAX_RECORD_CHARS,
        block_bytes: int = BLOCK_BYTES,
    ) -> None:
        self.max_decompressed_bytes = max_decompressed_bytes
        self.max_record_chars = max_record_chars
        self.block_bytes = block_bytes
        self.counters = ReadCounters()
        self._too_long = re.compile(rf"(?m)^[^\n]{{{max_record_chars + 1},}}")
        self._too_long_joined = re.compile(rf"(?m)^[^\n]{{{max_record_chars * JOINED_RECORD_FACTOR + 1},}}")
        self._next_line = 1
        self._envelope_known = False
        self._docker_json = False
        self.envelope: Envelope | None = None
        self._continuation = _CONTINUATION
        self._stamped = False  # the envelope is a collector's time before every line (``_join_written_together``)
        self._new_traces = NewTraces("")
        self._py_tail = _PY_TAIL
        self._blanks: re.Pattern[str] | None = None  # blank lines inside a trace, under an envelope
        self._strip = _CONTINUATION  # replaced by the envelope's prefix when one is stripped
        self._first_text = True
        self._lines_before = 0  # physical lines of the file before this reader's first (a chunk's)
        self.sources = SourceRuns()  # the source of each line where a source column is stripped
        self._stamp_lines: re.Pattern[str] | None = None  # times written on lines of their own (``stamp_lines``)
        self._document_known = False
        # The file is a JSON document (its records are its objects) or blocks of "Name: value" lines.
        self.document: JsonDocument | FieldBlocks | None = None

    def follow(self, model: RecordReader, *, lines_before: int, at_file_start: bool) -> None:
        """Read a chunk of a file as ``model``, the reader of the file's start, decided to read it (its envelope),
        ``lines_before`` lines into the file."""
        self._lines_before = lines_before
        self._first_text = at_file_start
        self._envelope_known = True
        self._document_known = True  # (a document is read in one pass: ``chunks`` refuses it)
        self._docker_json = model._docker_json
        self.envelope = model.envelope
        self.counters.envelope = model.counters.envelope
        self._continuation = model._continuation
        self._stamped = model._stamped
        self._new_traces = model._new_traces
        self._py_tail = model._py_tail
        self._blanks = model._blanks
        self._strip = model._strip
        self._stamp_lines = model._stamp_lines

    def stamp_heads(self, prev: str, line: str) -> bool:
        """Whether ``prev`` is a line of a time alone that ``line``, the line after it, is joined to
        (``stamp_lines``)."""
        if self._stamp_lines is None:
            return False
        m = self._stamp_lines.match(f"{prev}\n{line}")
        return m is not None and join_stamp_line(m) != m.group()

    # ------------------------------------------------------------------ bytes
    def _plain(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The file's bytes, gunzipped, as UTF-8 (a UTF-16 file transcoded: ``utf16_of``)."""
        stream = self._uncompressed(chunks)
        head = b""
        for data in stream:
            head += data
            if len(head) >= UTF16_SNIFF_BYTES:
                break
        encoding = utf16_of(head)
        if encoding is None:
            if head:
                yield head
            yield from stream
            return
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        yield decoder.decode(head).encode("utf-8", "surrogatepass")
        for data in stream:
            yield decoder.decode(data).encode("utf-8", "surrogatepass")
        yield decoder.decode(b"", final=True).encode("utf-8", "surrogatepass")

    def _uncompressed(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        it = iter(chunks)
        head = b""
        for chunk in it:
            if not chunk:
                continue
            self.counters.input_bytes += len(chunk)
            head += chunk
            if len(head) >= 2:
                break
        if head[:2] == GZIP_MAGIC:
            self.counters.gzip = True
            yield from self._gunzip(head, it)
            return
        if head:
            self.counters.decompressed_bytes += len(head)
            yield head
        for chunk in it:
            self.counters.input_bytes += len(chunk)
            self.counters.decompressed_bytes += len(chunk)
            yield chunk

    def _gunzip(self, head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
        d = zlib.decompressobj(wbits=31)
        limit = self.max_decompressed_bytes

        def inflate(data: bytes) -> Iterator[bytes]:
            nonlocal d
            while data:
                try:
                    out = d.decompress(data, 1 << 20)
                except zlib.error as e:
                    raise CorruptInput(
                        f"the gzip stream is damaged after {self.counters.decompressed_bytes} decompressed "
                        f"bytes ({e}); upload the file again or upload it uncompressed"
                    ) from e
                self.counters.decompressed_bytes += len(out)
                if self.counters.decompressed_bytes > limit:
                    raise DecompressedSizeExceeded(
                        f"the gzip input inflates past {limit} bytes (after {self.counters.input_bytes} "
                        "compressed bytes); it is refused as a possible gzip bomb: split the file or "
                        "upload it uncompressed"
                    )
                if out:
                    yield out
                if d.unconsumed_tail:
                    data = d.unconsumed_tail
                elif d.eof and d.unused_data:
                    data = d.unused_data
                    d = zlib.decompressobj(wbits=31)  # a concatenated gzip member
                else:
                    data = b""

        yield from inflate(head)
        for chunk in rest:
            self.counters.input_bytes += len(chunk)
            yield from inflate(chunk)
        if not d.eof and self.counters.decompressed_bytes:
            raise CorruptInput(
                "the gzip stream ends before its last member is complete (truncated upload?); "
                "upload the whole file again"
            )

    # ------------------------------------------------------------------ text
    def blocks(self, chunks: Iterable[bytes]) -> Iterator[Block]:
        """Blocks of joined records. Lines longer than the maximum are truncated (and counted)."""
        buf = bytearray()
        skipping = False  # inside a line that was already cut: drop bytes until its end
        limit = self.max_record_chars  # a cut line keeps this many bytes (then no second cut applies)
        pending: str | None = None
        for data in self._plain(chunks):
            if skipping:
                nl = data.find(b"\n")
                if nl < 0:
                    continue
                data = data[nl:]
                skipping = False
            buf += data
            if len(buf) < self.block_bytes:
                if b"\n" not in buf and len(buf) > limit:
                    buf[limit:] = b""
                    skipping = True
                    self.counters.truncated_records += 1
                continue
            cut = buf.rfind(b"\n")
            if cut < 0:
                if len(buf) > limit:
                    buf[limit:] = b""
                    skipping = True
                    self.counters.truncated_records += 1
                continue
            # A CRLF line's "\r" stays with its "\n" (decoded alone it would end one more, empty, line).
            end = cut - 1 if cut and buf[cut - 1] == 0x0D else cut
            text = self._decode(bytes(buf[:end]))
            del buf[: cut + 1]
            if pending is not None:
                text = pending + "\n" + text
            if not self._document_known or self.document is not None:
                text, held = yield from self._read_document(text, False)
                if held or not text:
                    pending = text or None
                    continue
            pending, block = self._hold_tail(text)
            if block is not None:
                yield block
        tail = self._decode(bytes(buf)) if buf else None
        if tail is not None and tail.endswith("\n"):
            tail = tail[:-1]
        last: str | None = (pending if tail is None else pending + "\n" + tail) if pending is not None else tail
        if last and (not self._document_known or self.document is not None):
            last, _held = yield from self._read_document(last, True)
        if last:
            yield self._finish(last)

    def _read_document(self, text: str, final: bool) -> Generator[Block, None, tuple[str, bool]]:
        """A JSON document's records (``jsondoc``) or a file's blocks of fields (``fieldblocks``), as blocks; then
        the text left and whether it is held back (the start of a record the text cuts) or is to be read as lines
        (the document ended). Whether the file is one is told once, from its first text."""
        if not self._document_known:
            if not final and text.count("\n") < ENVELOPE_SAMPLE_LINES:
                return text, True  # the file's kind is told from its first lines: not all read yet
            self._document_known = True
            sample = text.lstrip(" \t\r\n").split("\n", ENVELOPE_SAMPLE_LINES)[:ENVELOPE_SAMPLE_LINES]
            if self._lines_before == 0 and opens_document(sample[0]):
                self.document = JsonDocument(JOIN)
                self.counters.envelope = "json-document"
            elif self._lines_before == 0 and field_blocks("\n".join(sample)):
                self.document = FieldBlocks(JOIN)
                self.counters.envelope = "field-blocks"
            self._envelope_known = self.document is not None
        doc = self.document
        if doc is None or doc.mode == LEFT:
            return text, False
        records, rest = doc.take(text, final)
        if doc.mode == LEFT and doc.records < 2:
            self.counters.envelope = ""  # one record before the lines (a configuration printed): no document
        # The lines given are the text's before the rest ("" is one empty line: a lone "[").
        if (text.count("\n") - rest.count("\n") if rest else 1) > 0:
            yield self._finish_document(records)
        return rest, doc.mode != LEFT

    def _finish_document(self, text: str) -> Block:
        """A block of a document's records (``_read_document``: one line each, then a JOIN per further line it
        spans), and its empty lines."""
        c = self.counters
        first = self._next_line
        joins = text.count(JOIN)
        nlines = text.count("\n") + joins + 1
        self._next_line += nlines
        c.lines += nlines
        c.joined_lines += joins
        return Block(self._cut_long_lines(text), first)

    def _cut_long_lines(self, text: str) -> str:
        """``text`` with each line longer than the cap cut to it (and counted)."""
        if not self._may_hold_long_line(text) or self._too_long.search(text) is None:
            return text
        c = self.counters
        cap = self.max_record_chars

        def cut(m: re.Match[str]) -> str:
            c.truncated_records += 1
            return m.group()[:cap]

        return self._too_long.sub(cut, text)

    def _hold_tail(self, text: str) -> tuple[str | None, Block | None]:
        """Keep the last line back: the next block may continue its record (a stack trace)."""
        nl = text.rfind("\n")
        if nl < 0:
            return text, None
        return text[nl + 1 :], self._finish(text[:nl])

    def _decode(self, data: bytes) -> str:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
            self.counters.invalid_utf8 += text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
        if "\x00" in text:
            self.counters.nul_bytes += text.count("\x00")
            text = text.replace("\x00", "")
        if "\r" in text:
            text = text.replace("\r\n", "\n")
            if "\r" in text:
                text = overwritten(text)
        text = plain_blanks(text)
        if "\x1d" in text or "\x1e" in text or "\x1f" in text:
            # ASCII's group, record and unit separators part fields of a line (auditd's enriched fields follow a
            # group separator; RFC 7464 opens each JSON text with a record separator): blanks to the reader, whose
            # own markers they are (JOIN, PARTIAL, SOURCE_CHANGE), so a file's own never counts as a line or a join.
            text = text.translate(_SEPARATORS_AS_BLANKS)
        if "\x1b" in text:
            text, n = _ANSI.subn("", text)
            self.counters.ansi_sequences += n
        if self._first_text:
            self._first_text = False
            text = text.removeprefix("\ufeff")
        return text

    def _may_hold_long_line(self, text: str) -> bool:
        """False when no line of ``text`` can be longer than the cap; a cheap filter before the regex.

        A line longer than the cap (>= 2 * half) covers at least one whole aligned window of ``half``
        characters, so it is enough to look for a window without a newline: one C-level find per window.
        """
        half = max(1, self.max_record_chars // 2)
        if len(text) <= self.max_record_chars:
            return False
        find = text.find
        return any(find("\n", start, start + half) < 0 for start in range(0, len(text) - half + 1, half))

    def _strip_prefixes(self, text: str) -> str:
        """Remove a compose-style source column; a line whose source differs from the line before it starts
        with SOURCE_CHANGE, which no continuation pattern accepts, so lines of two services interleaved in
        one file are never joined into one record (the marker is removed after joining)."""
        out = []
        prev = None
        match = self._strip.match
        line_number = self._next_line
        for line in text.split("\n"):
            m = match(line)
            if m is None:
                source, rest = None, line
            else:
                source, rest = m.group("source"), past_envelope(m)
            self.sources.add(line_number, source or "")
            out.append(rest if source == prev else SOURCE_CHANGE + rest)
            prev = source
            line_number += 1
        return "\n".join(out)

    def _learn_envelope(self, text: str) -> None:
        """Decide once, from the first block, whether a collector prefixed every line (compose, CRI, CI) or
        wrapped it (Docker's json-file driver: each line a JSON object whose "log" holds the application's)."""
        self._envelope_known = True
        sample = text.split("\n", ENVELOPE_SAMPLE_LINES)[:ENVELOPE_SAMPLE_LINES]
        self._stamp_lines = stamp_lines(sample)
        if is_docker_json(sample):
            self._docker_json = True
            self.envelope = _DOCKER_TIME_PREFIX
            self._stamped = True
            self.counters.envelope = "docker-json"
            prefix = _DOCKER_TIME_PREFIX.rx.pattern
            self._continuation = re.compile(rf"\n{prefix}(?={_continuation_body(prefix)})")
            self._new_traces = NewTraces(prefix)
            self._py_tail = _py_tail(prefix)
            self._blanks = _enveloped_blanks(prefix)
            return
        env = detect_envelope(sample)
        if env is None:
            return
        self.envelope = env
        self._stamped = env.name in _STAMPING_ENVELOPES
        self.counters.envelope = env.name
        if env.strip:
            self._strip = env.rx
        prefix = env.kept if env.strip else env.rx.pattern
        if prefix:
            # Continuation lines carry the prefix too: it is matched (and dropped) by the join itself.
            self._continuation = re.compile(rf"\n{prefix}(?={_continuation_body(prefix)})")
            self._new_traces = NewTraces(prefix)
            self._py_tail = _py_tail(prefix)
            self._blanks = _enveloped_blanks(prefix)

    def _finish(self, text: str) -> Block:
        c = self.counters
        if not self._envelope_known:
            self._learn_envelope(text)
        if self._docker_json:
            text = _unwrap_docker_json(text)
        env = self.envelope
        if env is not None and env.strip:
            text = self._strip_prefixes(text)
        first = self._next_line
        nlines = text.count("\n") + 1
        self._next_line += nlines
        c.lines += nlines
        text = self._cut_long_lines(text)
        # Partial lines come from the container runtime's envelope (or a file too short to tell its envelope).
        if (
            env is _CRI_ENVELOPE or (env is None and c.lines + self._lines_before <= ENVELOPE_SAMPLE_LINES)
        ) and " P " in text:
            again = [True]

            def glue(m: re.Match[str]) -> str:
                again[0] = again[0] or m.group(3) == "P"  # a partial glued to a partial: one more pass
                return f"{m.group(1)} {m.group(3)} {m.group(2)}{PARTIAL}"

            while again[0]:
                again[0] = False
                text, joined = _CRI_PARTIAL.subn(glue, text)
                c.cri_partials += joined
        if self._stamp_lines is not None:
            text = self._stamp_lines.sub(join_stamp_line, text)
        if "=<\n\t" in text and env is None:
            lines_before = text.count("\n")
            text = _KLOG_VALUE.sub(_value_lines_joined, text)
            c.joined_lines += lines_before - text.count("\n")
        marked = env is not None and env.strip  # lines of another source were marked
        # Every join below starts at a line that _may_continue looks for: a block without one (most) skips them.
        hint = _may_continue(text)
        if hint:  # a line of blanks starts with one: it is an empty line (joins nothing, nothing joins it)
            text = _BLANK_LINE.sub("\n", text)
            blank = _FIRST_BLANK_LINE.match(text)
            if blank is not None:
                text = text[blank.end() :]
        if "\n\n" in text and ":" in text:
            text, n0 = _LOCATION_RUN.subn(_joined_locations, text)
            c.joined_lines += n0
        if hint and "\n\n" in text:
            if "goroutine" in text:
                text = _GO_BLANK.sub(JOIN + JOIN, text)
            if "at " in text:
                text = _FRAME_BLANK.sub(JOIN + JOIN, text)
            if "Traceback (" in text:
                text = _PY_BANNER_BLANK.sub(JOIN + JOIN, text)
            if ":in " in text:
                text = _RUBY_FRAME_BLANK.sub(JOIN + JOIN, text)
            if "Caused by:\n" in text:
                text = _CAUSE_BLANK.sub(JOIN + JOIN, text)
            if "During handling" in text or "The above exception" in text or "[previous exception]" in text:
                text, n0 = _PY_CHAIN_BLANKS.subn(_joins, text)
                c.joined_lines += n0
        if env is None and "panicked at " in text:
            text, n0 = _RUST_PANIC_MESSAGE.subn(_joined_after, text)
            c.joined_lines += n0
        enveloped = env is not None and (not env.strip or bool(env.kept))  # every line opens with a prefix
        if (
            enveloped
            and self._blanks is not None
            and ("goroutine" in text or "During handling" in text or "The above exception" in text)
        ):
            text, n0 = self._blanks.subn(_newline_joins, text)
            c.joined_lines += n0
        n = 0
        if enveloped or (hint and _may_continue(text)):
            if "Exception" in text or "Error" in text or "Throwable" in text:
                # An exception header right after a stack frame opens a new trace, not a continuation.
                before = text
                text = self._new_traces.mark(text)
                marked = marked or text is not before
            if env is None and "\nTraceback (" in text:
                before = text
                text = _mark_unannounced_tracebacks(text)
                marked = marked or text is not before
            if enveloped and self._stamped:
                text, n = _join_written_together(self._continuation, text)
            else:
                text, n = (self._continuation if enveloped else _CONTINUATION).subn(JOIN, text)
        if n:
            text, n2 = _join_py_tails(text, self._py_tail) if JOIN + " " in text or JOIN + "\t" in text else (text, 0)
            n += n2
            if _INDENTED_RECORD.search(text) is not None:
                text, n3 = _split_level_lines(text)
                n -= n3
            if "--" in text and _TABLE_RULE.search(text) is not None:
                text, n4 = _split_table_rows(text)
                n -= n4
            if "}" + JOIN in text or "} " + JOIN in text:
                text, n5 = _split_json_lines(text)
                n -= n5
            c.joined_lines += n
            if self._too_long_joined.search(text) is not None:  # e.g. a 10,000-frame trace: keep its top
                joined_cap = self.max_record_chars * JOINED_RECORD_FACTOR

                def cut_joined(m: re.Match[str]) -> str:
                    c.truncated_records += 1
                    return m.group()[:joined_cap]

                text = self._too_long_joined.sub(cut_joined, text)
        if env is None and ("]  " in text or "]\t" in text):
            text, n4 = _join_level_indented(text)
            c.joined_lines += n4
        if marked:
            text = text.replace(SOURCE_CHANGE, "")
        return Block(text, first)


# Every ASCII digit written 0: the digit key of a line (records with one key differ in their digits only).
_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")
_DIGIT_BYTES_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")  # the same on UTF-8 bytes (a digit is one byte)


def digit_key(text: str) -> str:
    """A block's text with every ASCII digit written 0 (the digit keys of its lines). ``str.translate`` is quick on
    ASCII text only: one non-ASCII character in a block sends it down a per-character path (6.3 us a line on HDFS
    lines against 0.14), so other text goes through its UTF-8 bytes (0.3 us a line; a digit is one byte there, so the
    result is the same). (str.translate sets up ~1.5 us per call: translate blocks, not lines.)"""
    if text.isascii():
        return text.translate(_DIGITS_TO_ZERO)
    return text.encode("utf-8", "surrogatepass").translate(_DIGIT_BYTES_TO_ZERO).decode("utf-8", "surrogatepass")
