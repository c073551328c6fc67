"""The streaming analysis: records in, aggregates out, in bounded memory.

Fast path: every record is first looked up by its *digit key* (the record with every digit written 0,
one C-level translate per block); a new digit key is reduced to its *shape* (every run of hex-ish
characters holding a digit masked, one regex substitution). The first record of a shape is parsed
(format, header, level, message, exception) and mined; the result is cached under both keys, so later
records cost a dict lookup. Both caches are bounded (cleared when full).

Records with the same digit key differ only in their digits: same length, same text elsewhere. So what
the first record of a digit key shows is where every later one holds its timestamp (``TimeKey``) and its
placeholder values (``KeyValues``): slices, no search. Per block there is no per-record Python loop on the
fast path: times are sliced and looked up in a cache (only a stamp not cached yet, a new second, costs
Python), and everything else is counted per distinct (shape, histogram bucket) pair with ``Counter`` and
``dict`` over zipped lists (C-level), then applied once per pair. Timestamps are cached by their text
without the fraction, and by their text without the seconds (a new second of a known minute costs an
``int``).

Aggregation happens per *variant* (a mined cluster plus the exact masked message), then rolls up into
final templates when the file ends (``miner.resolve_templates``).
"""

from __future__ import annotations

import gc
import hashlib
import math
import re
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import accumulate, chain, compress, groupby, islice, pairwise, repeat
from operator import attrgetter, call, is_, is_not, itemgetter, lt, methodcaller, sub
from typing import Any, cast

from .exceptions import ExceptionInfo, exception_of, named_as_type
from .formats import (
    FORMAT_JSON,
    FORMAT_LOGFMT,
    FORMAT_PLAIN,
    FormatGuess,
    ParsedRecord,
    RecordParser,
    cause_end,
    detect_format,
    labelled_time,
    level_prefix,
    structured_trace,
)
from .levels import level_from_word, severity_rank
from .masking import WILDCARD, mask_message, mask_text, message_tokens
from .miner import Cluster, TemplateMiner, generalize
from .records import (
    ANNOUNCING_ENDS,
    CARET_LINE,
    CODE_PLACE,
    EXCEPTION_HEAD_LINE,
    JOIN,
    JOINED_RECORD_FACTOR,
    MAX_RECORD_CHARS,
    PARTIAL,
    PY_TAIL_LINE,
    RUNTIME_CRASH,
    SHELL_SIGNAL_REPORT,
    TRACEBACK_BANNER,
    Block,
    SourceRuns,
    digit_key,
)
from .timestamps import (
    LEADING_LIMIT,
    STATED_DATE_SEARCH,
    STATEFUL_FAMILIES,
    TimestampParser,
    gives_other_time,
    leading_time_end,
    opens_with_assigned_time,
    opens_with_label,
    slashed_day_first,
)
from .values import ClusterValues, KeyValues, PlaceholderStats, ValueReader

# Caps (documented in the package docstring).
# A cached shape costs about half a KiB besides its text, a message variant about 2 KiB: a file whose every line is a
# message of its own (binary junk, random ids) holds these caps' worth, about 50 and 20 MiB (the worker's budget).
MAX_SHAPES = 100_000
MAX_DIGIT_KEYS = 20_000
MAX_CACHE_CHARS = 16_000_000  # per cache: bounds its memory whatever the record length
MAX_VARIANTS = 10_000
MAX_EXAMPLES = 3
MAX_BINS = 128
MAX_GLUED_LINES = 200  # lines without a time joined to the timed record before them, at most
LABEL_SEARCH_CHARS = 240  # how far into a timed line a label in capitals after its time is looked for (PostgreSQL)
LABEL_SAME_START = 16  # characters a label's line and the line before it share at least (a time to the millisecond)
LEAD_KEY_CHARS = 40  # a line's start whose digit key says whether a stamp leads it (memo key)
LEAD_MEMO = 4096  # line starts remembered for that (cleared when full: a memo, not a cache of state)
FIRST_BIN_SECONDS = 1  # doubled as needed: a file of any span from about a minute up gets 64..127 buckets
# Placeholder values: every record of a file's first 32,768 is read (exact statistics for such a file; past them,
# reading every record costs +35 to +45 % engine time on the shared harness's corpus, issue 14's notes) ...
VALUE_READ_ALL = 32_768
VALUE_SAMPLE_FIRST = 16  # ... then every record of a cluster until it has 16 (digit-holding words: always) ...
VALUE_SAMPLE_EVERY = 256  # ... and the records at every 256th position of the file
VALUE_BATCH_ROWS = 65_536  # records held in their digit key's rows before their values are counted ...
VALUE_BATCH_CHARS = 16_000_000  # ... or records of as many characters
MAX_EXCEPTION_GROUPS = 1000
MAX_UNEXPLAINED_SAMPLES = 5
EXAMPLE_CHARS = 500
# ... or up to the end of the field a JSON record states its cause in, where that stands past them, up to this many:
EXAMPLE_CAUSE_CHARS = 2000
SAMPLE_RECORDS = 2000
# A file whose lines mostly have no time still has records that lead with their time when its untimed lines
# right after a timed one come one at a time (a note under each record), at most this many:
CONTINUATION_RUN_LINES = 1
# A line without a time that states the level of the timed record above it restates that record (an error's detail:
# "ERROR: cursor already closed" under the ERROR that logged it) when it comes alone or nearly so; a run of more such
# lines are records of another writer's own (NCCL's "host:pid:tid [0] NCCL INFO ..." among a launcher's timed lines).
RESTATED_LEVEL_LINES = 2
# A program's tag opening a line: its name in lower case, as programs are named (and its process id), then a colon
# and a blank ("bird: Mesh_10_0_1_11: State changed to down", BIRD's untimed lines among calico-node's felix records;
# a supervisor's child writing to the same stream). Untimed lines that open with the same tag one after another are
# that program's records, not lines of the timed record before them (the BGP peers going down were glued to a felix
# warning). A capitalised word is a label of the record's own lines (ClickHouse's "Code: 210. DB::NetException: ..."
# lines under the error that lists them).
_WRITER_TAG = re.compile(r"([a-z][a-z0-9_.-]{0,31}(?:\[\d+\])?): (?=\S)")
# A tag in brackets that opens a line (a request's id, a process's) is at most this long, its brackets included.
MAX_TAG_CHARS = 64
TIME_WINDOW = 160  # characters searched for a record's time, unless its first record had it further on
TIME_WINDOW_SLACK = 256
TIME_SHIFT_SLACK = 24  # how far variable-width numbers before it may move a shape's time, either way
MAX_STAMP_CHARS = 48  # the longest timestamp text (a date, a time with 9 fraction digits, an offset)
OPENING_STAMP_AT = 1  # a stamp that opens a line starts here at most (after one bracket)
# A date found inside a line's text (no layout read the line's time, and the line does not open with it) that goes
# this far back from the records before it is a date the line states, not its time: a build's date in a start
# banner (uWSGI's "os: Linux-5.15.0-1051-aws #56-Ubuntu SMP Thu Jan 4 17:24:04 UTC 2024", Oracle's "Version: #2 SMP
# Mon Jan 15 ...") made a file of 30 minutes span 69 days and dated the records after it in January.
TEXT_DATE_BACK = 86_400.0
MINUTE_CACHE_TRIAL = 4096  # timestamp lookups before the minute cache must show it pays (1 hit in 16)
# The cyclic collector's young-generation threshold while an analysis runs (CPython's default is 700). The
# engine allocates a tuple or list per record in its C-level passes, none of them in a cycle: at 700 the
# collector ran its full, heap-wide generation every 70,000 allocations, a fifth of the engine's time.
GC_YOUNG_THRESHOLD = 50_000
RISING_KEPT = 1024  # a chunk's first distinct rising times kept for the merge's out-of-order count

# The shape of a record: every run of hex-ish characters holding a digit masked. Cheap (one C pass per
# block) and close enough to the typed masks that a shape always maps to one template.
SHAPE_RE = re.compile(r"[a-fA-F]*+\d[0-9a-fA-F]*+")  # possessive: no backtracking over letter runs

_SPLIT_JOIN = methodcaller("partition", JOIN)
_FIRST_PART = itemgetter(0)
_DIGIT_IN = re.compile(r"\d")


@dataclass(slots=True)
class TimeBucket:
    """One time bucket of the whole file: its records and errors, and its first and last record (by line):
    their lines, times and text (capped at EXAMPLE_CHARS; the report reads header fields such as a process
    id from it)."""

    records: int
    errors: int
    first_line: int
    last_line: int
    first_error_line: int  # 0: none
    first_time: float
    last_time: float
    first_text: str
    last_text: str
    first_error_time: float = 0.0  # (with first_error_line)
    # The last record that wrote a time of its own (0: none). The records after it in the bucket carry its time but
    # wrote none: their time is unknown, anywhere up to the next record that has one.
    last_timed_line: int = 0

    def merge(self, other: TimeBucket) -> None:
        """Add a later-numbered bucket's figures (coarsening: two buckets become one)."""
        self.records += other.records
        self.errors += other.errors
        self.last_timed_line = max(self.last_timed_line, other.last_timed_line)
        if other.first_line < self.first_line:
            self.first_line, self.first_time, self.first_text = other.first_line, other.first_time, other.first_text
        if other.last_line > self.last_line:
            self.last_line, self.last_time, self.last_text = other.last_line, other.last_time, other.last_text
        if other.first_error_line and (not self.first_error_line or other.first_error_line < self.first_error_line):
            self.first_error_line, self.first_error_time = other.first_error_line, other.first_error_time


@dataclass(eq=False, slots=True)
class Variant:
    """Aggregates of one cluster + exact masked message."""

    cluster: Cluster
    tokens: tuple[str, ...]
    count: int = 0
    levels: dict[str, int] = field(default_factory=dict)
    # level -> its first record: (line, time, text; the text cut to EXAMPLE_CHARS)
    level_first: dict[str, tuple[int, float | None, str]] = field(default_factory=dict)
    # level -> its last record: (line, time); in a file that runs newest first, its earliest
    level_last: dict[str, tuple[int, float | None]] = field(default_factory=dict)
    first_line: int = 0
    last_line: int = 0
    first_time: float | None = None
    last_time: float | None = None
    examples: list[tuple[int, str]] = field(default_factory=list)
    # bucket -> [records, first line, the first line's time] (the time a finding cites; in the one list, not a dict
    # of its own: a file of many message variants held one more dict per variant)
    bins: dict[int, list[Any]] = field(default_factory=dict)
    # Tokens (position, text) that hold a digit yet were not masked, e.g. "ssh2" or "u0". The caches
    # treat digits as variable, so sampled records check them (``Analyzer._check_digit_tokens``).
    digit_tokens: tuple[tuple[int, str], ...] = ()
    # The tokens before a digit-holding word was found to vary (``vary_digit_tokens``), None while none has: its
    # records' values are read where those tokens' variables stand.
    read_tokens: tuple[str, ...] | None = None


def shape_digest(shape: str) -> str:
    """A shape's short, stable name (chunks of one file tell their shapes apart by it)."""
    return hashlib.blake2b(shape.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


def _digit_tokens(tokens: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    """The tokens that hold a digit outside their placeholders: words the masks left ("ssh2", "u0"), and the rest of
    a value masked in part ("request_id=<*>-91b7": an id's first group masked, its second left as a word)."""
    return tuple((i, t) for i, t in enumerate(tokens) if _DIGIT_IN.search(t.replace(WILDCARD, "")) is not None)


_WORD = re.compile(r"[A-Za-z0-9]+")
_TWO_LETTERS = re.compile(r"[A-Za-z]{2}")  # a line that holds a word, not a rule of dashes or a number alone
_WORD_AT_WILDCARD = _WORD.pattern  # what a placeholder of ``_varied_words`` stands for
_KEY_PREFIX = re.compile(r"[A-Za-z_][\w.-]*=")  # the key a key=value token opens with
# The last line of a stack trace: a call frame ("\tat pkg.Class.method(File.java:1)", Node's "    at fn (file.js:1:2)",
# .NET's "   at Ns.Class.Method() in file:line") or Java's "... N more". A trace is a grammar of its own (the reader
# joins its frames, "Caused by:" and "Suppressed:" lines); a line of none of its forms after it is not part of it.
_TRACE_END = re.compile(r"[ \t]+at \S|[ \t]*\.\.\. \d+ more\s*$")
# The second line of a two-line header states the level of the line above (java.util.logging's "INFO: Server startup
# in 812 ms" under its time and logger, Samba's "  PANIC (pid 812): ..." under its time and source file); a line that
# opens with a tag of its own in brackets, no level, before its level ("[GIN-debug] [WARNING] Running in debug
# mode") is its writer's record, not the level of the line before.
_TAG_FIRST = re.compile(r"[ \t]*\[([^\]\[\s]{1,64})\]")


def _tag_before_level(line: str) -> bool:
    """Whether a line opens with a tag in brackets that is no level word."""
    m = _TAG_FIRST.match(line)
    return m is not None and level_from_word(m.group(1), strict=False) is None


def _time_left_blank(line: str, timed: str) -> bool:
    """Whether an untimed line that opens with blanks, then a level word, has that word at the very column of the
    timed line's level (``timed``: the record above it): the time column left blank where a time repeats
    (RichHandler writes "                    INFO     Batch 48212 done ..." under "[12/05/26 06:30:31] INFO     ..."
    in the same second). The line is a record of that time, not a line of the record above it."""
    word = line.lstrip(" ")
    at = len(line) - len(word)
    first = word.split(None, 1)[0] if word else ""
    return at > 0 and timed[at - 1 : at] == " " and timed[at : at + len(first)] == first


# A line of a trace's grammar: a frame or any indented line, "Caused by:", "Suppressed:", "... N more" (a block
# boundary can leave the reader's join of such a line to this pass), or a field of the exception its runtime prints
# after the frames, a name and its value with no blank between (.NET's SqlException: "ClientConnectionId:<guid>",
# "Error Number:53,State:0,Class:20", which was an ERROR record of its own after each trace).
# A line of a JVM's trace in a record (a frame, "Caused by:", "Suppressed:"), at its start or after a joined line's.
_TRACED_IN = re.compile(r"(?:^|\x1e)(?:[ \t]+at \S|Caused by: |Suppressed: )")
_TRACE_LINE = re.compile(r"[ \t]+\S|Caused by: |Suppressed: |\.\.\. \d+ more|[A-Z][A-Za-z ]{0,40}:[^\s:]\S*$")
# A marker line: words between two dashes on each side, a separator the writer draws between parts of its output
# ("-- Boot 8e1f4c2ab7d9 --", "-- Reboot --" between a journal's boots). A record of its own, not a line of the record
# above it (the journal's boot marker was glued to the error before the reboot); under a stack trace's frame it is the
# trace's. (Not lines drawn with other marks: "*** Check failure stack trace: ***" heads the frames of the fatal
# record above it, glog's and Ray's crash reports.)
_MARKER = re.compile(r"-- \S(?:.*\S)? --")
# JavaScript's base exception type, flush left, and a frame of its trace on the next line.
_JS_ERROR = re.compile(r"Error: ")
_JS_FRAME = re.compile(r"[ \t]+at \S")


def _js_error_over_frames(rec: str, after: str) -> bool:
    """Whether a record opens with JavaScript's "Error: ..." and a frame follows it (its next line, in it or after)."""
    if _JS_ERROR.match(rec) is None:
        return False
    _first, joined, rest = rec.partition(JOIN)
    return _JS_FRAME.match(rest if joined else after) is not None


# A message that opens with a label in capitals where records state their level, after a source's name at most: a
# field of the event logged on the line before ("DETAIL:  Key (id)=(5) already exists.", "app@db STATEMENT:  ...").
_LABEL_OPENING = re.compile(r"(?:\S+ )?([A-Z]{3,12}):\s")
# A time of day's fraction of a second.
# The fraction of a second after a clock's seconds, or a TAI64N label's nanoseconds after its second.
_FRACTION = re.compile(r"(?<=:\d\d)[.,]\d+|(?<=@4000000[0-9a-f]{9})[0-9a-f]{8}")
# A time of day to the millisecond or finer: two lines of one process stamped with the same such instant are one
# emission (within one second, a process writes many records).
_SUBSECOND = re.compile(r"\d:[0-5]\d[.,]\d{3}")
# A message that is a line of a stack trace (a JVM's or a JavaScript runtime's frame, "Caused by:", "Suppressed:",
# "... N more"), and a test for one anywhere in a line before the line is parsed: a trace a logger wrote line by
# line, its header before each line (Android's logcat, a Java service through syslog or the journal).
# Python's traceback too: its banner, the banners that chain two, its "File" frames; the code line under a frame and
# the exception's last line ("ValueError: bad value") are told by the line before them (``python_trace_at``).
# A frame (a return type may stand before the method: ART's; V8 writes "[as name]" after a method called under
# another name: "at Socket.emit [as onread] (...)"; since Java 9 the class loader and the module, its version, stand
# before the class, "/" after each: "at java.base/java.lang.Thread.run(", "at app//com.example.Main.main(",
# "at java.base@17.0.2/..."; a synthetic class's name holds "-": "at android.app.-$$Lambda$ActivityThread$x.run(").
_TRACE_FRAME = r"at (?:new |async )?(?:[\w$.<>\[\]]+ )?(?:[\w.@+-]*/){0,2}[\w$.<>-]+(?: \[as [\w$.<>]+\])? ?\("
_PY_FRAME = r'File "[^"\n]+", line \d+'
# The banners that chain two Python tracebacks ("During handling of the above exception, another exception occurred:",
# "The above exception was the direct cause of the following exception:").
_PY_CHAINING = ("During handling of the above exception", "The above exception was the")
_HEADER_WORD = re.compile(r"\S+")
_PY_BANNERS = r"Traceback \(most recent call last\):|" + "|".join(_PY_CHAINING)
# Ruby's frame ("app/jobs/hard_job.rb:12:in `perform'", "in 'Class#method'" since 3.4), which a job runner logs line
# by line (Sidekiq); found in a line by its ":12:in `" (a literal to skip to: no scan from every position).
_RB_FRAME = r"[^\s:]+:\d+:in [`']"
# A kernel's call trace, printed line by line under "Call Trace:" (an oops, a hung task, the OOM killer's report): a
# frame is a function, its offset and its length, "?" before one the unwinder is unsure of
# ("handle_mm_fault+0x18d/0x380", " ? exc_page_fault+0x83/0x1b0"), between "<TASK>" and "</TASK>".
_KERNEL_FRAME = r"(?:\? )?[A-Za-z_][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+|</?TASK>"
# A native backtrace's numbered frame, its address after the function or before it (a server's crash handler
# printing backtrace(3) line by line under its header: Envoy's "#3: Envoy::Http::...::onMessageComplete()
# [0x5621a4c9a7f0]", BIND's and gdb's "#0 0x55f0d1c2a3b1 in ??").
_NATIVE_FRAME = r"#\d{1,3}:? +(?:0x[0-9a-fA-F]+ in |\S.*\[0x[0-9a-fA-F]+\]$)"
_TRACE_LINES = (
    rf"{_TRACE_FRAME}|Caused by: |Suppressed: |\.\.\. \d+ more|{_PY_FRAME}|{_PY_BANNERS}|{_KERNEL_FRAME}"
    rf"|{_NATIVE_FRAME}"
)
_TRACE_MESSAGE = re.compile(rf"[ \t]*(?:{_TRACE_LINES}|{_RB_FRAME})")
_FRAME_MESSAGE = re.compile(rf"[ \t]*{_TRACE_FRAME}")
_TRACE_HINT = re.compile(rf"{_TRACE_LINES}|:\d+:in [`']")
_PY_FRAME_LINE = re.compile(rf"[ \t]+{_PY_FRAME}")
_PY_MARKERS = re.compile(r"[ \t]+[~^]*\^[~^]*[ \t]*")  # a traceback's markers under a code line (Python 3.11 on)
# A word in capitals and a colon before a blank anywhere in a line's start (a cheap test before a line is parsed).
_LABEL_AFTER = re.compile(r"[A-Z]{3,12}:\s")
# Whether a text holds _LABEL_AFTER anywhere, led by a literal (the regex engine skips to each colon).
_LABEL_IN_TEXT = re.compile(r":\s(?<=[A-Z]{3}:\s)")


def _varied_words(old: str, new: str) -> str:
    """``old`` with each word (run of letters and digits) that ``new`` writes differently as a placeholder; one
    placeholder for the token when the two differ in more than such words' digits, with the punctuation both open
    and close with ("sda1)," / "sdb2),": "<*>),", as "nvme1n1p3)," / "nvme0n1p1)," give). Where ``new`` already has
    placeholders (the merge of chunks: a chunk's variant found its words to vary) and ``old`` reads as it with a word
    at each, ``new`` is the answer: the words that vary are the same."""
    if WILDCARD in new and re.fullmatch(_WORD_AT_WILDCARD.join(map(re.escape, new.split(WILDCARD))), old):
        return new
    if (len(old) != len(new) or digit_key(old) != digit_key(new)) and _WORD.split(old) != _WORD.split(new):
        # Not the same words between the same punctuation: one placeholder between the punctuation both open and close
        # with. (Where the punctuation agrees, each word that differs is one: "/uploads/u304.bin" and
        # "/uploads/u67.bin" give "/uploads/<*>.bin", a route's file, not "/<*>".) A key both name their values by
        # stays, as mining keeps it ("request_id=<*>" from "request_id=<*>-a752" and "request_id=<*>-<*>").
        key = _KEY_PREFIX.match(old)
        head = key.end() if key is not None and new.startswith(key.group()) else 0
        while head < min(len(old), len(new)) and old[head] == new[head] and not old[head].isalnum():
            head += 1
        tail = 0
        while (
            tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail] and not old[-1 - tail].isalnum()
        ):
            tail += 1
        return old[:head] + WILDCARD + old[len(old) - tail :]
    parts: list[str] = []
    pos = 0
    for m, other in zip(_WORD.finditer(old), _WORD.findall(new), strict=True):
        s, e = m.span()
        if m.group() != other:
            parts += (old[pos:s], WILDCARD)
            pos = e
    parts.append(old[pos:])
    return "".join(parts)


@dataclass(slots=True)
class ExceptionStats:
    """Aggregates of one exception group (before template ids are final)."""

    variant: Variant
    info: ExceptionInfo
    count: int = 0
    first_line: int = 0
    last_line: int = 0
    first_time: float | None = None
    last_time: float | None = None
    example: str = ""


@dataclass(frozen=True, slots=True)
class TimeFinder:
    """Where a shape's records carry their time: a timestamp format, its regex, whether it leads."""

    fmt: str
    rx: re.Pattern[str]
    at_start: bool
    has_seconds: bool  # the regex has a group "S" (the minute cache applies)
    has_frac: bool = False  # the regex has a group "frac" (a fraction of a second, left out of cache keys)


@contextmanager
def young_gc_threshold(threshold: int = GC_YOUNG_THRESHOLD) -> Iterator[None]:
    """Run the cyclic collector less often while the engine works (``GC_YOUNG_THRESHOLD``); restored after.
    Reference counting still frees what the engine drops at once; only cycles wait for the collector."""
    old = gc.get_threshold()
    gc.set_threshold(max(threshold, old[0]), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


@dataclass(frozen=True, slots=True)
class TimeKey:
    """Where the records of one digit key carry their time. Records with the same digit key differ only in their
    digits, so the stamp stands at the same span in all of them: ``get`` slices it out without its fraction
    (times are whole seconds), and that text is the key of the time cache. ``at``: where to match the stamp
    when the cache does not have it."""

    finder: TimeFinder
    at: int
    get: Callable[[str], Hashable]
    stateful: bool  # a date-less time: converted per record, never cached (it hangs on the stamps before it)


# A number of four digits in a digit key (its digits written 0): where a year may stand.
_FOUR_DIGITS = re.compile(r"(?<!0)0000(?!0)")
# The time key of records without a time: the empty slice, whose time is None.
_NO_TIME = itemgetter(slice(0, 0))
_MISS = float("nan")  # not in the time cache (compared by identity: NaN equals nothing)
_NOT_NONE = partial(is_not, None)
_STATEFUL = attrgetter("stateful")
# The start of a digit key, where a leading stamp stands (one of the longest stamps, with a bracket before it).
_LEAD_START = itemgetter(slice(0, LEAD_KEY_CHARS))


@dataclass(eq=False, slots=True)
class ShapeInfo:
    """What the first record of a shape taught us; reused for every later record of the shape."""

    variant: Variant
    level: str | None
    time: TimeFinder | None
    explained: bool
    exception: ExceptionStats | None
    # Placeholder statistics of the variant, and where this shape's records hold their values (None when its
    # placeholders do not line up with the variant's: another count of them, or an edge inside a digit run).
    values: ClusterValues | None = None
    reader: ValueReader | None = None
    # How far into a record its time may stand (a JSON "time" field can be the last of a long line).
    time_window: int = TIME_WINDOW
    # Where the time stood in the shape's first record: later records of the shape are tried there first (an
    # anchored match), and searched only when their digits shifted it.
    time_at: int = -1
    # The time was found inside the record's text, where no layout reads one and not at the line's start
    # (``TEXT_DATE_BACK``).
    scanned: bool = False
    # The level depends on the record's digits (HTTP status, syslog PRI, numeric level): read per record,
    # and the records are counted under a copy of this shape per level (``by_level``).
    digit_level: bool = False
    by_level: dict[str | None, ShapeInfo] | None = None  # made at the first such copy (most shapes have none)
    level_of: Callable[[str], str | None] | None = None  # a cheap reader for the format, else a full parse
    example_lines: int = 1  # lines of a record its examples show: 2 where the message is on the second one, all a
    # wrapped message's


_NAME_END = re.compile(r"\w")  # the last character of a name a bracket is glued to ("Trace[", "sshd[")


class Analyzer:
    """Feeds blocks of records; holds all aggregates. ``finish`` hands them to the report builder."""

    def __init__(
        self,
        *,
        keep_record_variants: bool = False,
        time_zone: str | None = None,
        year: int | None = None,
        reference_epoch: float | None = None,
    ) -> None:
        self.miner = TemplateMiner()
        # Hints from the upload: the zone of zone-less times, the year of year-less ones, the upload time.
        self.times = TimestampParser(default_zone=time_zone, year=year, reference_epoch=reference_epoch)
        self._lead_times = TimestampParser(default_zone=time_zone, year=year, reference_epoch=reference_epoch)
        self.guess: FormatGuess | None = None
        self.parser: RecordParser | None = None
        self._sample: list[tuple[str, int]] = []
        self._sample_lines = 0  # lines of the sampled blocks, counted as far as SAMPLE_RECORDS (``_lines_up_to``)
        self._shapes: dict[str, ShapeInfo] = {}
        self._by_key: dict[str, ShapeInfo] = {}
        self._value_keys: dict[str, KeyValues] = {}  # digit key -> where its records hold their values
        self._no_values = KeyValues(ClusterValues(0), ())  # a digit key whose records hold no values to read
        self._value_order: list[KeyValues] = []  # the digit keys read, in the order they were first read
        self._stale_values: list[KeyValues] = []  # digit keys of a cleared cache whose rows wait to be counted
        self._value_rows = self._value_chars = 0  # records (and characters) read since values were last counted
        self._key_chars = 0
        self._shape_chars = 0
        self._variants: dict[tuple[int, str], Variant] = {}
        self._overflow_variants: dict[int, Variant] = {}
        self.values: dict[Variant, ClusterValues] = {}  # placeholder statistics per message variant
        self._sampled_of_cluster: dict[int, int] = {}  # cluster index -> its records seen by the value sampler
        self.exceptions: dict[tuple[int, str, str, tuple[str, ...]], ExceptionStats] = {}
        self.records = 0
        self.empty_lines = 0
        self.with_time = 0
        self.with_level = 0
        self.explained = 0
        self.multiline_records = 0
        self.out_of_order = 0
        self.unexplained_samples: list[tuple[int, str]] = []
        self.assumptions: set[str] = set()
        self.min_time: float | None = None
        self.max_time: float | None = None
        self.origin: float | None = None
        self.bin_seconds = FIRST_BIN_SECONDS
        # bin -> [records, errors, first line, last line, first error line or 0]
        self.buckets: dict[int, TimeBucket] = {}
        self._last_time: float | None = None
        self._timed_at: list[int] | None = None  # (``_times``: the last block's records with a time of their own)
        self._time_keys: dict[str, TimeKey] = {}  # digit key -> where its records carry their time
        self._time_getters: dict[str, Callable[[str], Hashable]] = {}  # digit key -> TimeKey.get
        self._scanned_keys: set[str] = set()  # digit keys whose time is found inside the text (``_drop_text_dates``)
        self._time_spans: dict[tuple[int, int, int, int, int], TimeKey] = {}  # one TimeKey per stamp span
        self._time_cache: dict[Any, float | None] = {"": None}  # a stamp's text (TimeKey.get) -> its time
        self._minute_cache: dict[str, float] = {}
        self._minute_lookups = self._minute_hits = 0
        self._stateful_keys = False  # some digit key's stamp is date-less (``TimeKey.stateful``)
        self._dating = True  # date-less records are looked at for a date they state at their clock (``_time_misses``)
        self._key_dates: dict[str, bool] = {}  # digit key -> four digits after its clock (``_may_state_date``)
        self._finders: dict[tuple[str, bool], TimeFinder] = {}
        # The variant of every record in input order (None for an empty one); for line-level benchmarks.
        self.record_variants: list[Variant | None] | None = [] if keep_record_variants else None
        # Lines without a time continue the timed record before them (``_glue_untimed``), unless several
        # sources are interleaved line by line (a docker-compose service column: the reader joins per source).
        self.sources_interleaved = False
        self.line_sources = SourceRuns()  # there, the source of each line (the reader's ``sources``)
        self._glue = False
        self._held: tuple[str, int] | None = None
        self._led_by_key: dict[str, int] = {"": -1}  # digit key -> 1 leads with a time, 0 not, -1 blank
        self._leads_by_start: dict[str, bool] = {"": False}  # digit key of a line's start -> a stamp there
        self._stamps_open_lines = False  # the file's lines open with a time of day and no date (``_start``)
        # The file's head has lines whose message opens with a label after a time to the millisecond (``_start``):
        # only then are later lines parsed for one (``_label_at``; most files have none, and each new digit key
        # would cost a parse).
        self._labels = False
        # How far the messages of the file's timed lines usually stand in from their header (the blanks past the one
        # closing it: a level padded to its column's width, "INFO     message"), the most common among the head's
        # lines (``_start``); a timed line whose message stands in further is indented under the line before it
        # (``joined_from``). None: the head has no timed line (no line is read so).
        self._usual_indent: int | None = None
        # The untimed lines a file opens with, before its first timed line (a server's banner: Vault's "==> Vault
        # server configuration:", Consul's "==> Starting Consul agent..."): written again later, each is a record, a
        # restart's banner, not a line of the timed record before it (``_start``).
        self._head_banners: frozenset[str] = frozenset()
        self._label_memo: dict[str, int] = {}  # a line's digit key -> where its label stands (``_label_at``)
        self._trace_memo: dict[str, int] = {}  # a line's digit key -> where its trace line starts (``_trace_at``)
        self._message_memo: dict[str, int] = {}  # a line's digit key -> where its message starts (``_message_at``)
        self.glued_lines = 0
        # A chunk of a file (``chunks``): the records before the chunk's first timed one take the time of the
        # chunk before (unknown here), so their figures wait apart (``lead``) for the merge; the shapes mined, in
        # order (``mined``); the rising times that a later time may follow (``rising``, for out-of-order counts).
        self.chunk_mode = False
        self.lead: dict[Variant, list[int]] = {}  # variant -> [records, first line]
        self.lead_bucket: TimeBucket | None = None
        self.mined: list[tuple[str, int, str]] = []  # (shape digest, cluster index, masked message)
        self.rising: list[list[float]] = []  # [time, records]: the first RISING_KEPT times not below all before
        self.rising_full = False
        self.other_widths: dict[tuple[Variant, int], ClusterValues] = {}

    def follow(
        self,
        guess: FormatGuess,
        glue: bool,
        origin: float | None,
        day_first: bool = False,
        zone: str | None = None,
        labels: bool = False,
        banners: frozenset[str] = frozenset(),
        indent: int | None = None,
    ) -> None:
        """Read as the file's start said (a chunk of it, ``chunks``): its format, whether untimed lines are
        glued to the timed record before, the origin of its histogram, whether its slashed dates are day first,
        the zone its stamps name (``TimestampParser.learn_named_zone``), whether its lines carry labels
        (``_label_at``), the banner it opens with (``_head_banners``) and its messages' usual indent
        (``_usual_indent``)."""
        self.times.day_first = self._lead_times.day_first = day_first
        self._labels = labels
        self._usual_indent = indent
        self._head_banners = banners
        if zone is not None:
            self.times.use_file_zone(zone)
            self._lead_times.use_file_zone(zone)
        self.guess = guess
        self.parser = RecordParser(guess)
        self._glue = glue
        self.origin = origin
        self.chunk_mode = True

    # ------------------------------------------------------------------ feeding
    def feed(self, block: Block) -> None:
        if self.parser is None:
            self._sample_block(block)
            return
        self._feed_text(block.text, block.first_line)

    def _feed_text(self, text: str, first_line: int) -> None:
        if not self._glue:
            self._process(text, first_line)
            return
        text, first_line, split = self._glue_untimed(text, first_line)
        if text:
            self._process(text, first_line, split)

    def _sample_block(self, block: Block) -> None:
        self._sample.append((block.text, block.first_line))
        self._sample_lines += _lines_up_to(block.text, SAMPLE_RECORDS)
        if self._sample_lines >= SAMPLE_RECORDS:
            self._start()

    def _start(self) -> None:
        sample_lines: list[str] = []
        sample_records: list[str] = []
        # Where a collector named each line's source (a compose service's column), the source of each sampled line.
        sample_sources: list[str | None] | None = [] if self.sources_interleaved else None
        for text, first_line in self._sample:
            # The first line of each non-empty record while the sample has room; a block after the sample is full
            # adds its first line (when not empty). C-level: no Python step per line.
            room = SAMPLE_RECORDS - len(sample_lines)
            recs = list(
                islice(filter(None, _first_lines(text, room) if room > 0 else text.split("\n", 1)[:1]), max(room, 1))
            )
            sample_lines += map(_FIRST_PART, map(_SPLIT_JOIN, recs))
            sample_records += recs
            if sample_sources is not None:
                sample_sources += _sources_of(text, first_line, len(recs), self.line_sources)
        # (The whole records too: a quoted value of comma-separated values may go on over indented lines the reader
        # joined, its quotes closed only there.)
        self.guess = detect_format(sample_lines, sample_records, sample_sources)
        self.parser = RecordParser(self.guess)
        self.times.learn_named_zone(sample_lines)
        self._lead_times.learn_named_zone(sample_lines)
        self.times.day_first = self._lead_times.day_first = slashed_day_first(sample_lines)
        if not self.chunk_mode:
            # (The year a later record of the head writes, before the first year-less stamp is given the upload's; the
            # offset the head's zoned stamps write, before a zone-less one is read as UTC.)
            self.times.learn_year_from_head(sample_lines)
            self.times.learn_offset_from_head(sample_lines)
        # Records carry their time: a line without one continues the record before it (below). Not when every
        # line is to be answered for (``record_variants``: a parser benchmark scores each line as a record).
        # Each line's flag is remembered by its digit key: the sample's keys in one pass (str.translate per line
        # cost ~1.5 us, most of it the call's own set-up), and only the first line of a key is looked at, in order.
        joined = "\n".join(sample_lines)
        keys = digit_key(joined).split("\n") if sample_lines else []
        self._stamps_open_lines = self._open_with_stamps(sample_lines, keys)
        # A label's line repeats the line before it up to the label (its time to the millisecond at least): only
        # such pairs are parsed, and only where the head holds a label's shape at all (one scan).
        self._labels = _LABEL_IN_TEXT.search(joined) is not None and any(
            (at := self._label_at(b)) > 0 and a[:at] == b[:at]
            for a, b in zip(sample_lines, islice(sample_lines, 1, None), strict=False)
            if a[:LABEL_SAME_START] == b[:LABEL_SAME_START]
        )
        flags = list(map(self._led_by_key.get, keys))
        for i in _positions(flags, None):
            flags[i] = self._line_flag(sample_lines[i], keys[i])
        if 6 in flags:
            _stamped_blanks(flags)
        # (The head's timed lines are told by their flags, read before any indent is: then the lines that stand in
        # further than usual are the indented ones, ``_line_flag``'s fourth kind.)
        self._usual_indent = self._head_indent(sample_lines, keys, flags)
        if self._usual_indent is not None:
            for i in _positions(flags, 1):
                if self._stands_in(sample_lines[i], keys[i]):
                    flags[i] = self._led_by_key[keys[i]] = 4
        first_timed = next((i for i, f in enumerate(flags) if f in (1, 4)), 0)
        self._head_banners = frozenset(
            line.rstrip()
            for line, f in zip(sample_lines[:first_timed], flags, strict=False)
            if f == 0 and line[:1] not in (" ", "\t") and _TWO_LETTERS.search(line) is not None
        )
        self._glue = (
            self.record_variants is None
            and not self.sources_interleaved
            and (
                (flags.count(1) + flags.count(4)) * 2 >= len(flags) - flags.count(-1)
                or _continued_in_short_runs(flags)
                or self._timed_paragraphs()
                or self.guess.continued  # a layout only the lines that open with a time share: they open records
                or self._aligned_under_messages(sample_lines, flags)
            )
        )
        pending, self._sample = self._sample, []
        for text, first in pending:
            self._feed_text(text, first)

    def finish(self) -> None:
        if self.parser is None:
            self._start()
        if self._held is not None:  # the file's last timed record and the lines after it: nothing follows them
            (held, first), self._held = self._held, None
            text, first, split = self._glue_untimed(held, first, final=True)
            if text:
                self._process(text, first, split)
        self._count_values()

    def _leads_with_time(self, head: str, key: str) -> bool:
        """Whether a record's first line carries a timestamp: at its start (after a bracket), a dated one near
        it, one labelled as the time ("received at time=1659371665", a crash handler's line), or one further in
        its first 160 characters (a column of another layout). A parser of
        its own: locating reads stamps, which moves the state of year-less and zone-less times
        (``self.times``)."""
        if self._leads_at_start(head, key):
            return True
        text = labelled_time(head)
        if text is not None and self._lead_times.locate(head, text) is not None:
            return True
        # A stamp further into the line (an epoch in a column: "node-246 unix.hw ... 1077804742 1 ..."): a record
        # of another layout, not a continuation. Only lines without a leading stamp get here (few); not where the
        # file's lines open with a time of day (there, a date further in is what the line says), nor after a field's
        # name that opens the line (a dumped response's "Date: Mon, 30 Nov 2026 08:00:07 GMT": ``opens_with_label``)
        # or a name assigned the stamp ("AIRFLOW_CTX_EXECUTION_DATE=2026-12-04T00:00:00+00:00").
        # A stamp in quotes that is no key's value is a value the line states (a failed statement's "VALUES (981273,
        # '2026-05-18 02:10:41.203+00')" in an exception's message), not the time of a record ('"time": "..."' is);
        # so is one given to a name of another time than the record's (a dumped event's 'createdTime = "1970-...').
        if self._stamps_open_lines or opens_with_label(head) or opens_with_assigned_time(head):
            return False
        found = self._lead_times.locate(head, head)
        if found is None:
            return False
        m = found[1].search(head)
        if m is not None and m.start() > 0 and gives_other_time(head[: m.start()]):
            return False  # a field a dump aligns ("Commit timestamp : 2023-08-17 ..."): a value the line states
        if (
            m is not None
            and m.start() > 1
            and head[m.start() - 1] == "["
            and _NAME_END.match(head, m.start() - 2)
            and m.group().isdigit()
        ):
            # A number in brackets glued to a name is that name's index or id, not a time: klog's trace lines,
            # "Trace[1394025736]: ---"Objects listed" ..." under their headed first line (an epoch of 2014 in a file
            # of 2024, each line a record of its own). (A date is one: logrus' "INFO[2024-03-12T10:00:00Z] ...".)
            return False
        if m is not None and m.start() > 0 and self._in_no_layout(head):
            # Where the file's records have a header, a stamp further in stands in a column only on a line that one of
            # its layouts explains (HPC's epoch after the node and the event); on any other line it is what the line
            # says: FreeSWITCH's build date in the version line under its "[CONSOLE]" record ("... (git 4e3e8de
            # 2023-12-22 18:06:07Z 64bit)") was a record a year back in time, the file's span 349 days.
            return False
        return (
            m is None
            or m.start() == 0
            or head[m.start() - 1] not in "'\""
            or (head[: m.start() - 1].rstrip()[-1:] in ":=" and not gives_other_time(head[: m.start()]))
        )

    def _in_no_layout(self, head: str) -> bool:
        """Whether the file has a layout (a header its records share) and none of its layouts explains the line's
        time."""
        guess, parser = self.guess, self.parser
        if guess is None or parser is None or guess.layout is None or not guess.layout.classes:
            return False
        return parser.parse(head).time_text is None

    def _open_with_stamps(self, lines: list[str], keys: list[str]) -> bool:
        """Whether the file's records open with a time of day and no date: nearly all of the sampled lines that carry
        a stamp near their start carry such a time at their very start (after a bracket at most). Then a date further
        into a line (a dumped state under a crash report: "last_event_at: ~U[2024-05-04 00:48:29Z]") is what the
        line says, not its time: such a line does not open a record, and its date is not the file's. Lines that start
        alike (the digit key of their start) answer alike: each start is located once."""
        by_start: dict[str, bool | None] = {}  # None: no stamp; True: a time of day opening the line
        opening = later = 0
        for head, key in zip(lines, keys, strict=True):
            start = _LEAD_START(key)
            if start not in by_start:
                stamp = self._leading_stamp(head) if head.strip() else None
                by_start[start] = (
                    None if stamp is None else stamp[1] <= OPENING_STAMP_AT and stamp[0] in STATEFUL_FAMILIES
                )
            got = by_start[start]
            if got is not None:
                opening += got
                later += not got
        return opening > 0 and later * 10 < opening

    def _leading_stamp(self, head: str) -> tuple[str, int] | None:
        """The family of the stamp a line leads with (at its start, or a dated one near it) and where it starts."""
        found = self._lead_times.locate(head, None)
        if found is None:
            return None
        m = found[1].search(head, 0, LEADING_LIMIT + MAX_STAMP_CHARS)
        return found[0], m.start() if m is not None else LEADING_LIMIT

    def _leads_at_start(self, head: str, key: str) -> bool:
        """A stamp at the start of the line (after a bracket) or a dated one near it. Remembered by the digit key
        of the line's first LEAD_KEY_CHARS: lines that start alike answer alike (a request id later in the line
        does not make a new question). A blank line has none."""
        start = _LEAD_START(key)
        got = self._leads_by_start.get(start)
        if got is None:
            if len(self._leads_by_start) >= LEAD_MEMO:
                self._leads_by_start.clear()
                self._leads_by_start[""] = False
            # Where the file's records open with a time of day, a stamp further in (a date inside a dumped state under
            # a crash report) is what the line says, not its time.
            stamp = self._leading_stamp(head)
            got = self._leads_by_start[start] = stamp is not None and (
                not self._stamps_open_lines or stamp[1] <= OPENING_STAMP_AT
            )
        return got

    def _timed_paragraphs(self) -> bool:
        """Whether the sample's lines come in paragraphs that each open with a timed line (``_in_timed_paragraphs``);
        the sample's first lines, blank ones included (the sample's records leave them out)."""
        text = self._sample[0][0] if self._sample else ""
        if "\n\n" not in text:
            return False
        lines = text.split("\n", SAMPLE_RECORDS)[:SAMPLE_RECORDS]
        keys = digit_key("\n".join(lines)).split("\n")
        return _in_timed_paragraphs(list(map(self._line_flag, lines, keys)))

    def _aligned_under_messages(self, lines: list[str], flags: list[int | None]) -> bool:
        """Whether most of the head's lines without a time stand exactly under the message of the timed line above
        them, its header's width of blanks before each (the journal writes the later lines of a multi-line message
        so: systemd-coredump's "Module ..." and "#0  0x... (libc.so.6 + 0x29d90)" lines under "Process 5521
        (nautilus) of user 1000 dumped core."): they are that message going on, however many there are (an empty
        line among them is the message's own: the journal writes it as blanks, which the reader trims)."""
        if not any(f == 0 and line[:1] == " " for line, f in zip(lines, flags, strict=False)):
            return False
        column = aligned = other = 0
        for line, f in zip(lines, flags, strict=False):
            if f in (1, 4):
                column = self._message_at(line)
            elif f == -1:
                continue
            elif f == 0 and column and len(line) - len(line.lstrip(" ")) == column:
                aligned += 1
            else:
                other += 1
        return aligned > other

    def _line_flag(self, head: str, key: str | None = None) -> int:
        """1: the line carries a time; 0: it does not; 2: it does not but states a level of its own; 3: a shell's
        report that a process died of a signal (``SHELL_SIGNAL_REPORT``: "Killed"), never a continuation; 4: it
        carries a time, states no level and its message opens with a label in capitals (``_LABEL_OPENING``), or is a
        line of a stack trace, or stands in further than the file's messages usually do (``_usual_indent``): it
        continues the line before it when it repeats that line's header (``continues_event``, ``joined_from``); 5: it
        does not carry a time and opens a runtime's crash report (``RUNTIME_CRASH``): a record, never a continuation,
        that the lines after it without a time continue; 6: a time alone in a file of headers and messages
        (``_stamped_blanks`` reads it as a blank line or a record); -1: blank. Remembered by digit key (the same for
        every line of one layout)."""
        if key is None:
            key = digit_key(head)
        got = self._led_by_key.get(key)
        if got is None:
            if not head.strip():
                got = -1
            elif (
                self.guess is not None
                and self.guess.layout is not None
                and len(head) <= MAX_STAMP_CHARS + 2
                and 0 < leading_time_end(head) >= len(head.rstrip())
            ):
                got = 6  # a time alone (``_stamped_blanks``)
            elif self._leads_with_time(head, key):
                # A label only where the head has them; a trace's line only where the line holds what one opens
                # with (C-level tests: every new digit key of a timed line comes here).
                may = (
                    self._labels
                    or ("at " in head and "(" in head)
                    or "Caused by: " in head
                    or " more" in head
                    or "Suppressed: " in head
                    or 'File "' in head
                    or "Traceback (" in head
                    or " above exception" in head
                    or ":in " in head
                    or "+0x" in head
                    or "TASK>" in head
                    or "#" in head
                )
                got = 4 if may and self._continued_at(head, key) > 0 else 1
                if got == 1 and self._stands_in(head, key):
                    got = 4  # its message stands in further than the file's usually do: may be indented under another
            elif SHELL_SIGNAL_REPORT.fullmatch(head.strip()):
                got = 3
            elif RUNTIME_CRASH.match(head) is not None:
                got = 5
            else:
                got = 2 if self._parsed_level(head) is not None else 0
            if len(self._led_by_key) >= MAX_DIGIT_KEYS:
                self._led_by_key.clear()
                self._led_by_key[""] = -1
            self._led_by_key[key] = got
        return got

    def _levelled_apart(self, records: list[str], flags: list[int | None]) -> set[int]:
        """The untimed lines that state a level (flag 2) and open as such a line does under a timed record of
        another level: a writer of its own (Godot's "ERROR: Couldn't connect to host (Error 3)." after the game's
        "[INFO] ..." and "[ERROR] ..." records alike), its lines records wherever they stand, the ones under a
        record of their level too. A line that only ever follows records of its level (or of none) restates or
        details them (Odoo's "ERROR: cursor already closed" under each "ERROR ... bad query")."""
        lines = list(_positions(flags, 2))
        openings: dict[int, str] = {}
        apart: set[str] = set()
        timed = -1
        for i in lines:
            timed = _last_timed(flags, i, timed)
            if timed < 0:
                continue
            head = records[i].split(JOIN, 1)[0]
            opening = openings[i] = head.split(None, 1)[0]
            if opening in apart:
                continue
            above = self._parsed_level(records[timed].split(JOIN, 1)[0])
            if above is not None and above != self._parsed_level(head):
                apart.add(opening)
        return {i for i, opening in openings.items() if opening in apart}

    def _tagged_apart(self, run: list[str], line: str) -> bool:
        """Whether an untimed line opens with a tag in brackets that is not the record's (``run``: its timed line,
        then the lines that continue it), where the record's lines so far opened with a tag its timed line writes
        (Rails' tagged logging: a request's lines, the exception under its FATAL too, each open with its
        "[request-id]"). The line is another source's (Puma's "[1] ! Terminating timed out worker" after a
        request's record), not the record's; a record whose lines showed no tag may go on over it (a slow log's
        frames, each opening with its address in brackets)."""
        end = line.find("]", 1, MAX_TAG_CHARS)
        if end < 0:
            return False
        tag = line[: end + 1]
        head = run[0].split(JOIN, 1)[0]
        if tag in head:
            return False
        return any(
            (t := below.find("]", 1, MAX_TAG_CHARS)) > 0 and below[: t + 1] in head
            for below in run[1:]
            if below[:1] == "["
        )

    def _header_only(self, head: str) -> bool:
        """Whether a timed line has a header and no message (its message follows on the next line)."""
        assert self.parser is not None
        message = self.parser.parse(head).message
        return not message.strip() and message != head

    def _prose_in_traces(self, records: list[str], flags: list[int | None]) -> None:
        """Lines of no time whose level is only a word of their prose (``ParsedRecord.prose_level``) under a stack
        trace's lines since the last timed line, or under any record of a file whose records run over many lines
        (``FormatGuess.continued``), read as lines of that record (flag 0, in place): the error's context
        a library writes inside its exception's message, MyBatis's "### The error may exist in ..." between a
        "Caused by:" and its frames (each was an ERROR record of its own, one failed task two exceptions). Elsewhere
        such a line is a record of its own still (a tool's "Exiting because a job execution failed. Look above for
        error message")."""
        # (In a file whose records run over many lines, every line that opens with no time continues one: such a
        # line is the record's wherever it stands, Mule's "(set debug level logging ...)" in its error's box.)
        continued = self.guess is not None and self.guess.continued
        traced = continued
        for i, f in enumerate(flags):
            if f in (1, 4, 5):
                traced = continued or _TRACED_IN.search(records[i]) is not None
            elif f == 0:
                traced = traced or _TRACED_IN.search(records[i]) is not None
            elif f == 2 and traced:
                parsed = self.parser.parse(records[i].split(JOIN, 1)[0]) if self.parser is not None else None
                if parsed is not None and parsed.prose_level:
                    flags[i] = 0

    def _reports_error(self, run: list[str]) -> bool:
        """Whether a record being continued (``run``) is a warning or an error that no traceback continues yet: a line
        of no header after it, a traceback under that, is its message going on (Paperless's "Error occurred while
        consuming ...: OCR would alter the document," then "invalidating the signature." over the traceback of the
        error it logged), not a message logged without a header (``logged_traceback``)."""
        if not run or any(TRACEBACK_BANNER in part for part in run):
            return False
        return severity_rank(self._parsed_level(run[0].split(JOIN, 1)[0])) >= _WARN_RANK

    def _answers_request(self, record: str) -> bool:
        """Whether a timed record is an access record: a request and the status it was answered with (a
        ``ParsedRecord.pieces`` of kind "status"). Its writer writes it on one line; the lines of no time after it
        are another writer's (a runtime's uncaught error, its code frame and its stack, among a server's request
        lines: Bun's, Node's), not lines of it."""
        assert self.parser is not None
        return any(piece[3] == "status" for piece in self.parser.parse(record.split(JOIN, 1)[0]).pieces)

    def _parsed_level(self, head: str) -> str | None:
        assert self.parser is not None
        return self.parser.parse(head).level

    def _label_at(self, head: str) -> int:
        """Where a line's message opens with a label in capitals that is no level, the line stating no level and its
        time being to the millisecond or finer (``_SUBSECOND``) (0: it does not). Remembered by the line's digit key:
        lines that differ in their digits only have their label at the same place."""
        return _by_digit_key(self._label_memo, head, self._find_label)

    def _find_label(self, head: str) -> int:
        assert self.parser is not None
        if _LABEL_AFTER.search(head, 0, LABEL_SEARCH_CHARS) is None or _SUBSECOND.search(head) is None:
            return 0
        parsed = self.parser.parse(head)
        m = _LABEL_OPENING.match(parsed.message) if parsed.level is None else None
        if m is None or level_from_word(m.group(1)) is not None:
            return 0
        at = head.find(m.group(1) + ":")
        return at if at > 0 and _SUBSECOND.search(head, 0, at) is not None else 0

    def _trace_at(self, head: str, key: str | None = None) -> int:
        """Where the message of a timed line that is a line of a stack trace (``_TRACE_MESSAGE``) starts, with the
        trace's own indent (the blanks before it but the one closing the header) (0: the line is none). Remembered
        by the line's digit key."""
        return _by_digit_key(self._trace_memo, head, self._find_trace, key)

    def _find_trace(self, head: str) -> int:
        if _TRACE_HINT.search(head) is None:
            return 0
        assert self.parser is not None
        message = self.parser.parse(head).message
        ends = head.find(message) + len(message) if message else -1
        if ends > 0 and head.startswith("\\n", ends):
            return 0  # its message goes on in the line (a JSON field's escaped newlines): a whole trace, not a line
        at = self._message_at(head)
        return at if at > 0 and _TRACE_MESSAGE.match(head, at) is not None else 0

    def _message_at(self, head: str, key: str | None = None) -> int:
        """Where a timed line's message starts, with its own indent (the blanks before it but the one closing the
        header) (0: no header before it). Remembered by the line's digit key."""
        return _by_digit_key(self._message_memo, head, self._find_message, key)

    def _find_message(self, head: str) -> int:
        assert self.parser is not None
        message = self.parser.parse(head).message
        at = head.find(message) if message else -1
        while at > 0 and head[at - 1] in " \t":
            at -= 1
        if 0 < at < len(head) and head[at] == " ":
            at += 1  # the blank that closes the header is the header's; the trace's own indent stays its line's
        return max(at, 0)

    def _own_indent(self, head: str, key: str | None = None) -> int:
        """How far a timed line's message stands in past the blank that closes its header, a tab as four blanks (-1:
        no header before it, or no message after it)."""
        at = self._message_at(head, key)
        if at <= 0:
            return -1
        n = len(head) - at - len(head[at:].lstrip(" \t"))
        return len(head[at : at + n].expandtabs(4)) if at + n < len(head) else -1

    def _stands_in(self, head: str, key: str) -> bool:
        """Whether a timed line's message stands in further than the file's messages usually do (two blanks or a tab
        more than ``_usual_indent``; a line with no two blanks or tab in a row stands in none): it may be a line
        indented under the line before it (``joined_from``)."""
        return (
            self._usual_indent is not None
            and ("  " in head or "\t" in head)
            and self._own_indent(head, key) > self._usual_indent + 1
        )

    def _head_indent(self, lines: list[str], keys: list[str], flags: list[int | None]) -> int | None:
        """The most common indent (``_own_indent``) of the messages of the head's timed lines (the smallest among
        equals), where the head shows a line indented under another (``joined_from``: the file's logger writes
        such events); None where it does not (no later line is read for an indent: a file of another layout's lines
        would cost a look at each). The timed lines are those of ``flags`` 1 or 4. Only a pair of timed lines whose
        digit keys part where the second has a blank and the first none (the second stands in further; their times'
        digits may differ) is asked, and only where one is are the lines' indents read (a parse per digit key; a line
        with no two blanks or tab in a row stands in none)."""
        pairs = [
            i
            for i in range(len(lines) - 1)
            if flags[i] in (1, 4)
            and flags[i + 1] in (1, 4)
            and lines[i][:LABEL_SAME_START] == lines[i + 1][:LABEL_SAME_START]
            and (at := _parting(keys[i], keys[i + 1])) < len(keys[i + 1])
            and keys[i + 1][at] in " \t"
            and keys[i][at : at + 1] not in (" ", "\t")
        ]
        if not pairs:
            return None
        counts: Counter[int] = Counter()
        seen: dict[str, int] = {}
        for line, key, flag in zip(lines, keys, flags, strict=False):
            if flag not in (1, 4):
                continue
            got = seen.get(key)
            if got is None:
                got = seen[key] = self._own_indent(line, key) if "  " in line or "\t" in line else 0
            if got >= 0:
                counts[got] += 1
        if not counts:
            return None
        top = max(counts.values())
        usual = min(d for d, n in counts.items() if n == top)
        self._usual_indent = usual  # (what ``joined_from`` reads the pairs by)
        shown = any(
            self._stands_in(lines[i + 1], keys[i + 1]) and self.joined_from(lines[i], lines[i + 1], lines[i]) >= 0
            for i in pairs
        )
        self._usual_indent = None
        return usual if shown else None

    def python_trace_at(self, prev: str, line: str) -> int:
        """Where a timed line joins the record of the line before it as the next line of a Python traceback that a
        logger wrote line by line, its header before each (``joined_from``'s): the code line under a "File" frame
        (indented), or the exception's last line after a frame or its code line ("ValueError: bad value"); -1 where
        it is neither. Told by the two lines alone (the chunk cutter asks too); the glue asks only inside a
        traceback (a record that holds its banner and not yet its last line)."""
        at = self._message_at(prev)
        if at <= 0 or prev[at : at + 1] not in (" ", "\t") or not _same_header(prev, line, at):
            return -1
        if py_last_line(prev, line, at):
            return at
        if line[at : at + 1] in (" ", "\t"):
            # The code line under a frame, or the markers under a code line that point at the failing expression
            # (Python 3.11 on: "    ^^^^^^^^^^^", "~~~~^^^^^").
            under = _PY_FRAME_LINE.match(prev, at) is not None or _PY_MARKERS.fullmatch(line, at) is not None
            return at if under else -1
        return -1

    def leads_to_exception(self, prev: str, line: str, nxt: str, after: str) -> int:
        """Where a timed line joins the record of the line before it as a line of one event that ends in an exception
        (-1: it does not): it repeats the line before's header to the letter, its time to the millisecond (the same
        instant, process, thread, level and tag: ``repeats_stamp``), and the line after it is the exception's first
        line under that header, a frame after it (``exception_head_at``): logcat's "FATAL EXCEPTION: main", then
        "Process: com.example, PID: 4242", then the exception and its frames, one crash written line by line."""
        at = self._message_at(line)
        if (
            self.repeats_stamp(prev, line, at) < 0
            or not prev[at:].strip()
            or (stamp := _SUBSECOND.search(line, 0, at)) is None
            or _TWO_LETTERS.search(line, stamp.end(), at) is None
        ):
            return -1  # (a time alone is no source: two messages a transport stamped in one millisecond)
        return at if self.exception_head_at(line, nxt, after) >= 0 else -1

    def exception_head_at(self, prev: str, line: str, nxt: str | None) -> int:
        """Where a timed line joins the record of the line before it as the first line of a Java, .NET or JavaScript
        exception that a logger wrote line by line, its header before each (a service's stderr through syslog or the
        journal: "ERROR ... Request failed", then "java.lang.IllegalStateException: pool exhausted", then its "at"
        frames, each line under the same header): its message is an exception's type and message, under the header
        of the line before (same source in the same second), and the line after it is a frame under that header too;
        the line before is no frame (a trace's last frame, then an exception: another trace). -1 where it is not so.
        Told by the three lines (the chunk cutter asks too); where the line after it is not read yet (None), by the
        two (the block's last line may be one: it waits for the next block with the record before it)."""
        at = self._message_at(line)
        if at <= 0 or EXCEPTION_HEAD_LINE.fullmatch(line, at) is None or not _same_header(prev, line, at):
            return -1
        if self._trace_at(prev) > 0 or not prev[at:].strip():
            return -1  # (a trace's frame, then an exception: another trace; a header alone: a blank line stamped)
        if nxt is None:
            return at
        if not _same_header(line, nxt, at):
            return -1
        frame = self._trace_at(nxt)
        return at if frame > 0 and _FRAME_MESSAGE.match(nxt, frame) is not None else -1

    @staticmethod
    def repeats_stamp(prev: str, line: str, at: int) -> int:
        """``at`` where a timed line repeats the line before it to the letter up to ``at`` (where the message of the
        last line of a Python traceback so written starts), its time to the millisecond or finer: the same instant,
        process, level and logger, a line of the one event that logger wrote line by line (-1: it does not). After
        the traceback's last line, the exception's message going on: oslo.log's "[SQL: SELECT ...]", "[parameters:
        ...]" and "(Background on this error at: ...)" under SQLAlchemy's DBConnectionError, a
        ProcessExecutionError's "Command:", "Exit code:", "Stderr:" lines."""
        if at <= 0 or line[:at] != prev[:at] or _SUBSECOND.search(prev, 0, at) is None:
            return -1
        return at

    @staticmethod
    def same_instant(prev: str, line: str) -> bool:
        """Whether two timed lines are the same to the letter up to the end of the first time to the millisecond or
        finer the second holds: it may be a line of the event the first logged (``repeats_stamp``,
        ``leads_to_exception``); the chunk cutter cuts at no such line, and a block's held tail starts before it."""
        stamp = _SUBSECOND.search(line)
        return stamp is not None and line[: stamp.end()] == prev[: stamp.end()]

    def py_blank_under(self, prev: str, line: str, nxt: str | None) -> bool:
        """Whether a timed line is a blank line of a Python traceback a logger wrote line by line: the header of the
        line before alone (OpenStack's oslo.log writes each line of a chained traceback under its prefix, the blank
        lines around "During handling of the above exception, another exception occurred:" too), before that banner
        or between it and the next traceback's, under the same header. Where the line after it is not read yet
        (None), the header alone is enough (the block's last line waits for the next block with its record)."""
        head = line.rstrip()
        n = len(head)
        if n == len(line) or n >= len(prev) or prev[n] not in " \t" or not _same_header(prev, line, n):
            return False
        if nxt is None:
            return True
        if not _same_header(line, nxt, n):
            return False
        after = nxt[n:].lstrip(" \t")
        return after.startswith(_PY_CHAINING) or (
            after.startswith(TRACEBACK_BANNER) and prev[n:].lstrip(" \t").startswith(_PY_CHAINING)
        )

    def _continued_at(self, line: str, key: str) -> int:
        """How far a line of flag 4 must repeat the line before it to continue it: up to its label, or up to its
        message where that is a line of a stack trace (0: neither)."""
        at = self._label_at(line) if self._labels else 0
        return at if at > 0 else self._trace_at(line, key)

    def joined_from(self, prev: str, line: str, first: str | None = None) -> int:
        """Where a line of flag 4 joins the record of the line before it when it continues it (``continues_event``):
        0, the whole line (a label's line is a field of the event, its header kept), or its message's start (a
        trace's line joins as the trace's own line, its repeated header left out, so the record reads as a trace
        written in one piece); -1 where it does not continue it.
        A line whose message is indented (two blanks or a tab more than the file's messages usually stand in)
        further than the message of the record's ``first`` line, under the same header as it and the line before (the
        same source and level in the same second), is a line of that record: an event a logger wrote line by line,
        its header before each (a crash report's fields under "crasher:", a command's arguments one a line, an object
        dumped field by field under "Found ... at VolumeInfo{...}:"). Not under a rule of a banner (a first line of
        punctuation only: the title under it is a message of its own). It joins from where the first line's message
        starts (its own indent kept). Without ``first`` (the chunk cutter sees two lines), whether it may."""
        label = self._label_at(line) if self._labels else 0
        if label > 0:
            return 0 if prev[:label] == line[:label] else -1
        at = self._trace_at(line)
        if at > 0 or self._usual_indent is None:
            return at if at > 0 and (_same_header(prev, line, at) or _banner_under(prev, line, at)) else -1
        at = self._message_at(line)
        own = self._own_indent(line)
        if at <= 0 or own <= self._usual_indent + 1 or self._message_at(prev) != at or not _same_header(prev, line, at):
            return -1
        if _fills_a_column(prev, line, at):
            return -1
        if first is None:
            return at
        base = self._own_indent(first)
        if base < 0 or base + 1 >= own or self._message_at(first) != at or not _same_header(first, line, at):
            return -1
        return at + base if _TWO_LETTERS.search(first, at) is not None else -1

    def continues_event(self, prev: str, line: str) -> bool:
        """Whether a line of flag 4 (``_line_flag``) continues the physical line before it: the two are the same up
        to the label (the same time to the millisecond or finer, the same process, the same source), so the label's
        line is a field of the event the line before logged (PostgreSQL's DETAIL, HINT, CONTEXT and STATEMENT
        lines); a kernel's "ACPI:" lines of one second are records of their own. A line of a stack trace continues
        the line before it where the two have the same header, but for the fraction of the second that leads it
        (process, level, source): a logger that writes a trace line by line writes its header before each
        (logcat's "... E AndroidRuntime: \tat ...")."""
        return self.joined_from(prev, line) >= 0

    def _glue_untimed(
        self, text: str, first_line: int, *, final: bool = False
    ) -> tuple[str, int, tuple[list[str], list[str]] | None]:
        """In a file whose records lead with their time, a record whose first line has none continues the
        timed record before it (Filebeat's and Fluent Bit's multiline rule: a record starts with a timestamp):
        "Trying again in 2.00 seconds" under a connection error, the lines of a leak report or of a dumped
        file, a crash handler's lines after a fatal record. A line that states a level of its own ("[heartbeat]
        WARNING: ..." after an INFO record: another source interleaved) is a record, unless it is the second line of
        a timed record that has no level (a two-line header: java.util.logging's "INFO: message"; further down, a
        CI step's "ERROR: script returned exit code 1" under its untimed lines is a record) or the same one (an
        error's detail that restates it: a database's "ERROR: cursor already closed" under the ERROR record that
        logged it). A blank
        line ends a record, and so does the end of a stack trace (``_TRACE_END``: a server's "Stopping the server
        due to unexpected startup errors" after the trace of the error that stopped it is a message of its own);
        lines before the first timed record stay records of their own, and so does a shell's report that a process
        died of a signal ("Killed" after the last record of a process the OOM killer ended); a record grows to at
        most MAX_GLUED_LINES lines and the joined-record cap. The block's last timed record and the lines after it
        wait for the next block (they may continue there), unless this is the file's last (``final``).
        Records are told apart by digit key (one ``locate`` per new key), so a block costs C-level passes
        unless it has a line without a time."""
        if self._held is not None:
            (held, line), self._held = self._held, None
            text, first_line = held + "\n" + text, line
        keys = digit_key(text).split("\n")
        records = text.split("\n")
        # Each line's flag is remembered by its digit key (the key _process looks its shape up by: hashed once);
        # a new key is told by the digit key of its start (``_line_flag``), only the rest are looked at one by one.
        flags = list(map(self._led_by_key.get, keys))
        if None in flags:
            for i in _positions(flags, None):
                flags[i] = self._line_flag(records[i].split(JOIN, 1)[0], keys[i])
        if 6 in flags:
            _stamped_blanks(flags)
        if self.guess is not None and self.guess.continued and -1 in flags:
            # Records that run over many lines (the layout is only the lines that open with a time): a blank line
            # inside one (Monolog's before "[previous exception]") does not end it; the next line with a time does.
            flags = [0 if f == -1 else f for f in flags]
        elif -1 in flags:
            # An empty line inside an indented block: the line after it stands in as far as the line before it (two
            # blanks or more), or exactly under the message of the timed line before it (the empty line of a
            # multi-line message the journal writes under its header's width of blanks, between "dumped core." and
            # its modules, between one thread's stack and the next): a line of the block, not the end of its record.
            for i in _positions(flags, -1):
                if 0 < i < len(flags) - 1 and flags[i + 1] == 0 and flags[i - 1] in (0, 1, 4):
                    below = records[i + 1]
                    depth = len(below) - len(below.lstrip(" \t"))
                    above = records[i - 1].rpartition(JOIN)[2] if flags[i - 1] == 0 else ""
                    if (
                        depth >= 2
                        and depth < len(below)
                        and (
                            (
                                above
                                and len(above) - len(above.lstrip(" \t")) == depth
                                and above[:depth] == below[:depth]
                            )
                            or (flags[i - 1] != 0 and self._message_at(records[i - 1].split(JOIN, 1)[0]) == depth)
                        )
                    ):
                        flags[i] = 0
        cap = MAX_RECORD_CHARS * JOINED_RECORD_FACTOR
        # The last timed record and the lines after it wait for the next block (they may continue there),
        # unless a blank line closed it or it is already as long as a record may grow.
        last = len(flags) - 1 - flags[::-1].index(1) if 1 in flags else -1
        # (A timed line may continue a Python traceback written under a repeated header, or open the exception of the
        # record before it: its record starts before.)
        while last > 0 and (
            self.python_trace_at(records[last - 1].rpartition(JOIN)[2], records[last].split(JOIN, 1)[0]) >= 0
            or self.exception_head_at(
                records[last - 1].rpartition(JOIN)[2],
                records[last].split(JOIN, 1)[0],
                records[last + 1] if last + 1 < len(records) else None,
            )
            >= 0
            or self.py_blank_under(
                records[last - 1].rpartition(JOIN)[2],
                records[last].split(JOIN, 1)[0],
                records[last + 1] if last + 1 < len(records) else None,
            )
            or self.same_instant(records[last - 1].rpartition(JOIN)[2], records[last].split(JOIN, 1)[0])
        ):
            last = last - 1 - flags[last - 1 :: -1].index(1) if 1 in flags[:last] else -1
        # (A blank line closes the tail unless a trace it may bridge to comes after it: ``_bridges``.)
        if (
            last >= 0
            and not final
            and all(
                i + 1 == len(flags)
                or _bridges(records, flags, i)
                or _announces(records, flags, i)
                or _warns(records, flags, i, records[last])
                or _py_message_goes_on(records[last:i], records, flags, i)
                or _traced_ahead(records, flags, i)
                for i in _positions(flags, -1)
                if i > last
            )
        ):
            tail = records[last:]
            size = sum(map(len, tail))
            if size < cap and len(tail) <= MAX_GLUED_LINES:
                start = sum(map(len, records[:last])) + last
                before = text[:start]
                # (``in`` is a memchr over the text, ``count`` a loop per character: most blocks have neither.)
                joined = (before.count(JOIN) if JOIN in before else 0) + (
                    before.count(PARTIAL) if PARTIAL in before else 0
                )
                self._held = (text[start:], first_line + last + joined)
                if not last:
                    return "", first_line, None
                records, flags, text, keys = records[:last], flags[:last], text[: start - 1], keys[:last]
        if 0 not in flags and 2 not in flags and 4 not in flags and 5 not in flags:
            return text, first_line, (records, keys)  # nothing glued: the split is _process's too
        if 2 in flags:
            self._prose_in_traces(records, flags)
        # Runs of lines that state a level of their own, no time: longer than RESTATED_LEVEL_LINES, records each.
        own_records: set[int] = set()
        if 2 in flags:
            for is_level, group in groupby(enumerate(flags), key=lambda x: x[1] == 2):
                members = [i for i, _f in group]
                if is_level and len(members) > RESTATED_LEVEL_LINES:
                    own_records.update(members)
            own_records.update(self._levelled_apart(records, flags))
        # Untimed lines that open with one program's tag, two or more in a row: that program's records, each.
        if 0 in flags:
            tags = {i: m.group(1) for i in _positions(flags, 0) if (m := _WRITER_TAG.match(records[i])) is not None}
            own_records.update(i for i, tag in tags.items() if tag in (tags.get(i - 1), tags.get(i + 1)))
        # Untimed lines that open with one process's tag in brackets, a Python traceback after it: that process's
        # record, its tag left out of the lines after its first (``_tagged_traces``).
        tagged = _tagged_traces(records, flags) if 0 in flags and TRACEBACK_BANNER in text else {}
        out: list[str] = []
        run: list[str] = []  # the timed record being continued, then its continuation lines
        run_chars = run_lines = 0
        run_level: str | None = ""  # the level of the run's timed record ("": not read yet)
        # The run's last physical line with a header, as written (a trace's line joins without its header).
        run_last = ""
        run_py = False  # the run holds a Python traceback's banner and not yet its last line
        bridged = False  # a blank line was bridged: the trace after it continues the run
        py_told = False  # a blank line after the run's Python exception was bridged (once a record)
        # The run's Python traceback, written line by line under a repeated header, has had its last line, its message
        # from here: the lines under its very stamp go on with the exception's message (``repeats_stamp``).
        said_at = 0
        for i, (rec, flag) in enumerate(zip(records, flags, strict=True)):
            if (
                flag == -1
                and len(run) == 1
                and run_lines + 1 < MAX_GLUED_LINES
                and _py_message_goes_on(run, records, flags, i)
            ):
                bridged = not py_told
            elif flag == -1 and len(run) == 1 and run_lines + 1 < MAX_GLUED_LINES:
                if _bridges(records, flags, i):
                    if run_level == "":
                        run_level = self._parsed_level(run[0].split(JOIN, 1)[0])
                    bridged = (
                        severity_rank(run_level) >= _WARN_RANK
                        or CARET_LINE.fullmatch(run[-1].rpartition(JOIN)[2]) is not None
                    )
                else:
                    bridged = (
                        _announces(records, flags, i)
                        or _warns(records, flags, i, run[0])
                        # (A timed line that is its header only: its message comes after the blank line, Play's
                        # error handler's "[ERROR] [...] - ", a blank line, "! @8k2m78445 - Internal server error".)
                        or (
                            i + 1 < len(flags)
                            and flags[i + 1] in (0, 2)
                            and self._header_only(run[0].split(JOIN, 1)[0])
                        )
                        or (_traced_ahead(records, flags, i) and self._reports_error(run))
                    )
            elif flag == -1 and run and run_lines + 1 < MAX_GLUED_LINES:
                bridged = (
                    _warns(records, flags, i, run[0])
                    or (run_py and _in_py_trace(records, flags, i))
                    or (not py_told and _py_message_goes_on(run, records, flags, i))
                    or _py_chained(run, records, i)
                    # (The trace after a further blank line of such a record: the error it reported.)
                    or (_bridges(records, flags, i) and self._header_only(run[0].split(JOIN, 1)[0]))
                    or (_traced_ahead(records, flags, i) and self._reports_error(run))
                    # (A runtime's excerpt of the code that threw, its caret under the column, a blank line, then the
                    # exception and its frames: Node's report of an uncaught error, one record.)
                    or (_bridges(records, flags, i) and CARET_LINE.fullmatch(run[-1].rpartition(JOIN)[2]) is not None)
                )
            if bridged and flag == -1:
                py_told = py_told or _py_message_goes_on(run, records, flags, i)
                # An error that a framework logs, a blank line, then the exception's trace ("... threw exception
                # [...] with root cause", "", "org.postgresql.util.PSQLException: ..."): one record, the blank in it.
                run.append("")
                run_chars += 1
                run_lines += 1
                self.glued_lines += 1
                continue
            if (
                flag in (1, 4)
                and run
                and i + 1 < len(records)
                and run_lines + 1 < MAX_GLUED_LINES
                and any(TRACEBACK_BANNER in part for part in run)
                and self.py_blank_under(run_last, rec, records[i + 1].split(JOIN, 1)[0])
            ):
                run.append("")  # (the blank line of a chained traceback, its header alone: ``py_blank_under``)
                run_chars += 1
                run_lines += 1
                self.glued_lines += 1
                continue
            if flag == 2 and run and run_level == "":
                run_level = self._parsed_level(run[0].split(JOIN, 1)[0])
            # A line with a level of its own continues a record without one, or one of the same level; after a
            # stack trace's last line, only a line of the trace's grammar does.
            cut = (
                self.joined_from(run_last, rec.split(JOIN, 1)[0], run[0].split(JOIN, 1)[0]) if flag == 4 and run else -1
            )
            if cut < 0 and flag == 1 and run and i + 1 < len(records) and flags[i + 1] == 4:
                cut = self.exception_head_at(run_last, rec.split(JOIN, 1)[0], records[i + 1].split(JOIN, 1)[0])
            if cut < 0 and flag == 1 and run and i + 2 < len(records) and flags[i + 1] == 1 and flags[i + 2] == 4:
                cut = self.leads_to_exception(run_last, rec.split(JOIN, 1)[0], records[i + 1], records[i + 2])
            if cut < 0 and run_py and (flag == 1 or flag == 4):
                cut = self.python_trace_at(run_last, rec.split(JOIN, 1)[0])
                if cut > 0 and py_last_line(run_last, rec, cut):
                    run_py = False  # its last line
                    said_at = cut
            elif cut < 0 and said_at > 0 and (flag == 1 or flag == 4):
                cut = self.repeats_stamp(run_last, rec.split(JOIN, 1)[0], said_at)
            if cut < 0:
                said_at = 0
            part = rec[cut:] if cut > 0 else rec
            # (An access record's or a JSON record's lines of no time are another writer's: a record, the lines after
            # it its own.)
            apart = (flag in (0, 2) and len(run) == 1 and (_whole_json(run[0]) or self._answers_request(run[0]))) or (
                flag == 0 and _code_excerpt(rec)
            )
            if tagged and i in tagged:
                apart = tagged[i] == 0  # a tagged trace's first line: a record of its own
                part = rec[tagged[i] :]
            continues = (
                (
                    (
                        flag == 0
                        and i not in own_records
                        and not (rec[:1] == "[" and run and self._tagged_apart(run, rec))
                        and not (self._head_banners and rec.split(JOIN, 1)[0].rstrip() in self._head_banners)
                        and not (
                            _MARKER.fullmatch(rec.strip())
                            and not (run and _TRACE_END.match(run[-1].rpartition(JOIN)[2]))
                        )
                    )
                    or bridged
                    or (
                        flag == 2
                        and i not in own_records
                        and not (rec[:1] == " " and run and _time_left_blank(rec.split(JOIN, 1)[0], run[0]))
                        and (
                            (run_level is None and len(run) == 1 and not _tag_before_level(rec))
                            or self._parsed_level(rec.split(JOIN, 1)[0]) == run_level
                        )
                    )
                    # (A timed line that is its header only, no message, is continued by the next line whatever level
                    # that states: Rails' "FATAL -- : [request-id]   " over "[request-id] PG::Error ... ERROR: ...")
                    or (flag == 2 and run and not any(run[1:]) and self._header_only(run[0].split(JOIN, 1)[0]))
                    # JavaScript's base exception over its frames ("Error: net::ERR_INTERNET_DISCONNECTED", "    at
                    # SimpleURLLoaderWrapper.emit (node:events:519:28)"): the type of the error the record above
                    # logged, not a level (it was split off a WARN record, and joined to an ERROR one).
                    or (
                        flag == 2 and run and _js_error_over_frames(rec, records[i + 1] if i + 1 < len(records) else "")
                    )
                    or cut >= 0
                )
                and not (run and _TRACE_END.match(run[-1].rpartition(JOIN)[2]) and not _TRACE_LINE.match(part))
                and not (
                    flag in (0, 2)
                    and logged_traceback(rec, records[i + 1] if i + 1 < len(records) else "")
                    and not self._reports_error(run)
                )
                and not apart
            )
            bridged = False
            if continues and run and run_lines < MAX_GLUED_LINES and run_chars + len(part) < cap:
                run.append(part)
                if flag in (1, 4):
                    run_last = _headed_last(rec)
                if run_py and part[:1] not in " \t>" and part.strip() and TRACEBACK_BANNER not in part:
                    run_py = False  # the exception's line, flush left: the traceback's last
                run_py = run_py or TRACEBACK_BANNER in part
                run_chars += len(part) + 1
                run_lines += 1 + rec.count(JOIN)
                self.glued_lines += 1 + rec.count(JOIN)
                continue
            if run:
                out.append(JOIN.join(run))
                run = []
            if flag in (1, 4, 5) or apart:
                run = [rec]
                run_last = _headed_last(rec)
                run_py = TRACEBACK_BANNER in rec
                py_told = False
                said_at = 0
                run_chars, run_lines = len(rec), 1 + rec.count(JOIN)
                run_level = ""
            else:
                out.append(rec)
        if run:
            out.append(JOIN.join(run))
        return "\n".join(out), first_line, None

    # ------------------------------------------------------------------ time
    def _time_of(self, m: re.Match[str], tf: TimeFinder) -> float | None:
        """The time of a timestamp match the time cache did not have.

        A timestamp whose seconds field is two digits is looked up once more without them (a minute
        cache): a new second of a known minute costs an ``int`` instead of a parse. A fraction is left out
        of the minute key; times are whole seconds either way.
        """
        key = m.group()
        minute_key = None
        sec = 0
        frac_end = m.end("frac") if "frac" in tf.rx.groupindex else -1
        if tf.has_seconds and self._minute_cache_pays():
            s0, s1 = m.span("S")
            if s1 - s0 == 2:
                off = s0 - m.start()
                sec = int(key[off : off + 2])
                rest = (frac_end if frac_end >= 0 else s1) - m.start()
                minute_key = tf.fmt + "\x00" + key[:off] + key[rest:]
        base = self._minute_cache.get(minute_key) if minute_key is not None and sec <= 60 else None
        if base is not None:
            t: float | None = base + sec
            self._minute_hits += 1
        else:
            p = self.times.convert(tf.fmt, m.groupdict())
            t = p.epoch if p is not None else None
            if p is not None and p.assumption:
                self.assumptions.add(p.assumption)
            if t is not None and frac_end >= 0:
                t = float(math.floor(t))
            if t is not None and minute_key is not None:
                if len(self._minute_cache) > 100_000:
                    self._minute_cache.clear()
                self._minute_cache[minute_key] = t - sec
        return t

    def _time_key(self, record: str, info: ShapeInfo) -> TimeKey | None:
        """Where the records of a new digit key carry their time: where the shape's first record had it (a record
        whose stamp there is not a valid time has none: searching on would find a date inside the message)."""
        tf = info.time
        if tf is None:
            return None
        if tf.at_start:
            m = tf.rx.match(record)
        elif info.time_at > 0:
            at = info.time_at
            m = tf.rx.match(record, at) or tf.rx.search(
                record, max(0, at - TIME_SHIFT_SLACK), at + TIME_SHIFT_SLACK + MAX_STAMP_CHARS
            )
        else:
            m = tf.rx.search(record, 0, info.time_window)
        if m is None:
            return None
        a, b = m.span()
        f0, f1 = m.span("frac") if tf.has_frac else (-1, -1)
        span = (id(tf), a, b, f0, f1)  # finders live as long as the analyzer
        tk = self._time_spans.get(span)  # digit keys of one shape mostly share where the stamp stands
        if tk is None:
            get = itemgetter(slice(a, f0), slice(f1, b)) if f0 >= 0 else itemgetter(slice(a, b))
            tk = self._time_spans[span] = TimeKey(tf, a, get, tf.fmt in STATEFUL_FAMILIES)
            self._stateful_keys = self._stateful_keys or tk.stateful
        return tk

    def _cache_time(self, tkey: Hashable, t: float | None) -> None:
        cache = self._time_cache
        if len(cache) > 100_000:
            cache.clear()
            cache[""] = None
        cache[tkey] = t

    def _minute_cache_pays(self) -> bool:
        """False once the minute cache has missed 15 of 16 of its first 4,096 lookups: then the file's
        timestamps rarely share a minute (or are shuffled), and building minute keys only costs time."""
        self._minute_lookups += 1
        return self._minute_lookups < MINUTE_CACHE_TRIAL or self._minute_hits * 16 >= MINUTE_CACHE_TRIAL

    def _time_finder(self, text: str | None, record: str) -> TimeFinder | None:
        """How to find the time of records of this shape: the timestamp family the parser finds where the
        format put the time text (or, with none, at the start of the record), and its key regex; None where the
        format says the record has no time (an empty time text)."""
        if text == "":
            return None
        rules = self.times.rules_version
        found = self.times.locate(record, text)
        if found is None and text is not None and "=" in record:
            # A time the line labels ("time=...", "ts=...") where the file's layout put none: a second layout of the
            # file (Skipper's "[APP]time=\"2026-12-06T11:00:02Z\" level=info msg=..." among its access lines, whose
            # bracketed tag the access layout read as their time column).
            labelled = labelled_time(record.split(JOIN, 1)[0])
            found = self.times.locate(record, labelled) if labelled else None
        if self.times.rules_version != rules:
            # The parser learned the zone of zone-less times from this record: cached times are stale.
            self._time_cache.clear()
            self._time_cache[""] = None
            self._minute_cache.clear()
        if found is None:
            return None
        name, pattern = found
        if not self.chunk_mode:
            # The year in a record's text (one pass, or the file's head, whose reader refuses chunks when it
            # learns one): a chunk reads only what the file's start said.
            self.times.learn_year(record, name, pattern)
            self.times.learn_day(record, name)
        at_start = pattern.match(record) is not None
        tf = self._finders.get((name, at_start))
        if tf is None:
            # Date-less times depend on the dated stamps before them: no minute cache (nor time cache).
            seconds = "S" in pattern.groupindex and name not in STATEFUL_FAMILIES
            tf = TimeFinder(name, pattern, at_start, seconds, "frac" in pattern.groupindex)
            self._finders[(name, at_start)] = tf
        return tf

    @property
    def last_time(self) -> float | None:
        """The time of the file's last timed record (by line), None before one."""
        return self._last_time

    # ------------------------------------------------------------------ records
    def _masked_message(self, rec: str) -> tuple[ParsedRecord, str, list[tuple[str, int, int]], int]:
        """The parsed record, its masked message, the message's variables (kind, start, end in the record's
        first line), and how many of the record's lines its message is read from (2: on the second line, a two-line
        header; more: a message wrapped over them)."""
        assert self.parser is not None
        parsed: ParsedRecord = self.parser.parse(rec)
        if JOIN in rec and (second := self.parser.second_line_message(rec)) is not None:
            return parsed, mask_text(second), [], 2  # a two-line header (java.util.logging's)
        if JOIN in rec and (wrapped := self.parser.wrapped_message(rec, parsed.message)) is not None:
            # A message wrapped at its column (a table's last): its examples show each of its lines.
            return parsed, mask_text(wrapped), [], rec.count(JOIN) + 1
        head = rec.split(JOIN, 1)[0] if JOIN in rec else rec
        message = parsed.message
        one_pass = mask_message(head, message) if message else None
        if one_pass is not None:
            spans = one_pass[1]
            if parsed.pieces:  # a variable that is a whole part of a kind (an HTTP status) takes the part's kind
                kinds = {(rs, rs + n): k for _ms, rs, n, k in parsed.pieces if k}
                spans = [(kinds.get((s, e), kind), s, e) for kind, s, e in spans]
            return parsed, one_pass[0], spans, 1
        # The message is not the end of the record: its variables are read where it stands in the record, a field's
        # text written once as it is (a JSON "msg" without escapes, a logfmt msg="..."), or the parts it was put
        # together from (an access line's), else nowhere (no placeholder statistics).
        alone = mask_message(message, message) if message else None
        if alone is None:
            return parsed, mask_text(message), [], 1
        masked, spans = alone
        if parsed.pieces:
            placed = _placed(spans, parsed.pieces)
            return parsed, masked, placed if placed is not None else [], 1
        if head.count(message) == 1:
            at = head.find(message)
            return parsed, masked, [(kind, s + at, e + at) for kind, s, e in spans], 1
        return parsed, masked, [], 1

    def _miss(self, record: str, shape: str) -> ShapeInfo:
        rec = record.replace(PARTIAL, "") if PARTIAL in record else record
        parsed, masked, spans, message_lines = self._masked_message(rec)
        finder = self._time_finder(parsed.time_text, rec)
        tokens = message_tokens(masked)
        cluster = self.miner.add_tokens(list(tokens))
        key = (cluster.index, masked)
        if self.chunk_mode:
            self.mined.append((shape_digest(shape), cluster.index, masked))
        variant = self._variants.get(key)
        if variant is None:
            if len(self._variants) >= MAX_VARIANTS:
                variant = self._overflow_variants.get(cluster.index)
                if variant is None:
                    variant = Variant(cluster, tuple(cluster.tokens))
                    self._overflow_variants[cluster.index] = variant
            else:
                variant = Variant(cluster, tuple(tokens))
                variant.digit_tokens = _digit_tokens(variant.tokens)
                self._variants[key] = variant
        exc_stats = None
        # A structured record's trace is a field of it (python-json-logger's "exc_info", ECS's "error.stack_trace"):
        # read as a trace written line by line is.
        trace = structured_trace(rec) if parsed.fmt in (FORMAT_JSON, FORMAT_LOGFMT) else None
        if trace is not None or JOIN in rec or ": " in parsed.message:
            info = exception_of(trace, "") if trace is not None else exception_of(rec, parsed.message)
            if info is not None:
                ekey = (id(variant), info.type, info.root_type, info.frames)
                exc_stats = self.exceptions.get(ekey)
                if exc_stats is None and len(self.exceptions) < MAX_EXCEPTION_GROUPS:
                    example = (trace if trace is not None else rec).replace(JOIN, "\n")[:4000]
                    exc_stats = ExceptionStats(variant, info, example=example)
                    self.exceptions[ekey] = exc_stats
        explained = parsed.fmt != FORMAT_PLAIN or (self.guess is not None and self.guess.name == FORMAT_PLAIN)
        level = parsed.level
        if level is None and JOIN in rec:
            # A two-line header (java.util.logging: time and logger, then "INFO: message") has its level on
            # the second line.
            level = level_prefix(rec.split(JOIN, 2)[1])
        info_ = ShapeInfo(variant, level, finder, explained, exc_stats)
        # (A first line that announces the lines under it, "Some fatal errors occurred:": its examples show the next
        # line too, what it announced: kubeadm's "[ERROR Port-10250]: Port 10250 is in use".)
        # So does one with an exception named on the line under it, its cause (Kafka's "Error processing append
        # operation on partition payments-0" above "org.apache.kafka.common.errors.NotEnoughReplicasException: ...",
        # logged without its frames).
        announces = JOIN in rec and (
            rec.split(JOIN, 1)[0].rstrip().endswith(ANNOUNCING_ENDS)
            or EXCEPTION_HEAD_LINE.fullmatch(rec.split(JOIN, 2)[1]) is not None
        )
        info_.example_lines = max(message_lines, 2 if announces else 1)
        info_.digit_level = parsed.digit_level
        assert self.parser is not None  # set before the first record is read (``_start``)
        info_.level_of = self.parser.level_reader(parsed) if parsed.digit_level else None
        at = rec.find(parsed.time_text) if finder is not None and parsed.time_text else -1
        if at >= 0 and at + len(parsed.time_text or "") > TIME_WINDOW:
            info_.time_window = at + len(parsed.time_text or "") + TIME_WINDOW_SLACK
        info_.scanned = finder is not None and not finder.at_start and parsed.time_text is None
        if finder is not None and not finder.at_start:
            # Where the format read the time, not a stamp before it: a structured record's time field may follow a
            # nested object's (CloudTrail's session "creationDate" before the event's "eventTime").
            first = (finder.rx.search(rec, at, info_.time_window) if at > 0 else None) or finder.rx.search(
                rec, 0, info_.time_window
            )
            info_.time_at = first.start() if first is not None else -1
        if spans or variant.digit_tokens:
            cv = self.values.get(variant)
            if cv is None:
                cv = self.values[variant] = ClusterValues(width=len(spans))
            elif self.chunk_mode and len(spans) != cv.width:
                # The file's first shape of the variant may be another chunk's: each width is read apart, and
                # the merge keeps the one of the variant's first shape in the file (as one pass reads).
                cv = self.other_widths.setdefault((variant, len(spans)), ClusterValues(width=len(spans)))
            info_.values = cv
            if spans and len(spans) == cv.width:
                info_.reader = ValueReader(rec.split(JOIN, 1)[0] if JOIN in rec else rec, spans)
        self._shape_chars += len(shape)
        if len(self._shapes) >= MAX_SHAPES or self._shape_chars > MAX_CACHE_CHARS:
            self._shapes.clear()
            self._shape_chars = len(shape)
        self._shapes[shape] = info_
        return info_

    def _process(self, text: str, first_line: int, split: tuple[list[str], list[str]] | None = None) -> None:
        """One block, in a few C-level passes over its records and then one pass over what is distinct.

        Records are looked up by their *digit key* (every digit written 0, one C-level translate per
        block): records with the same digit key have the same shape, so only a record whose key is new
        pays for the shape regex (``_resolve``). Times are sliced where the digit key holds them and looked
        up in C (``_times``); counts, first and last lines, levels and histogram buckets are taken per distinct
        (shape, bucket) pair with ``Counter`` and ``dict`` over zipped lists, and applied once per pair.
        """
        if len(self._by_key) >= MAX_DIGIT_KEYS or self._key_chars > MAX_CACHE_CHARS:
            # Between blocks, so a block's records all find what its new keys were given (one block's keys over).
            # Their rows are counted with the batch (``_hold_values``), not here: where a cache fills depends on
            # where the input's blocks were cut.
            self._stale_values += self._value_order
            self._value_order = []
            for cache in (self._by_key, self._value_keys, self._time_keys, self._time_getters, self._time_spans):
                cache.clear()
            self._key_chars = 0
        if split is not None:  # the records and digit keys of this text, already split (``_glue_untimed``)
            records, keys = split
        else:
            records = text.split("\n")
            keys = digit_key(text).split("\n")
        infos: list[ShapeInfo | None] = list(map(self._by_key.get, keys))
        if None in infos:
            self._resolve(records, keys, infos)
        lines: Sequence[int]
        if JOIN in text or PARTIAL in text:
            lines = self._line_numbers(records, first_line)
        else:
            lines = range(first_line, first_line + len(records))
        if self.record_variants is not None:
            self.record_variants.extend(map(getattr, infos, repeat("variant"), repeat(None)))  # C-level
        if None in infos:  # empty lines: counted, then left out
            keep = [i for i, x in enumerate(infos) if x is not None]
            self.empty_lines += len(records) - len(keep)
            records = [records[i] for i in keep]
            keys = [keys[i] for i in keep]
            lines = [lines[i] for i in keep]
            infos = [infos[i] for i in keep]
        if not records:
            return
        shapes = cast("list[ShapeInfo]", infos)
        if any(map(_DIGIT_LEVEL, shapes)):
            self._levels_per_record(records, shapes)
        times = self._times(records, keys)
        timed_at = self._timed_at
        buckets = self._buckets(times)
        pairs = list(zip(shapes, buckets, strict=True))
        counts = Counter(pairs)
        last_of = dict(zip(pairs, range(len(pairs)), strict=True))
        first_of = dict(zip(reversed(pairs), range(len(pairs) - 1, -1, -1), strict=True))

        # Per shape: [count, first index, last index, first timed index or -1].
        per_shape: dict[ShapeInfo, list[int]] = {}
        file_buckets = self.buckets
        for pair, c in counts.items():
            info, b = pair
            fi, li = first_of[pair], last_of[pair]
            agg = per_shape.get(info)
            if agg is None:
                per_shape[info] = [c, fi, li, fi if b is not None else -1]
            else:
                agg[0] += c
                agg[1] = min(agg[1], fi)
                agg[2] = max(agg[2], li)
                if b is not None and (agg[3] < 0 or fi < agg[3]):
                    agg[3] = fi
            if b is None:
                if self.chunk_mode:
                    self._lead(info, c, lines[fi], lines[li], records[fi], records[li])
                continue
            vb = info.variant.bins.get(b)
            if vb is None:
                info.variant.bins[b] = [c, lines[fi], times[fi]]
            else:
                vb[0] += c
                if lines[fi] < vb[1]:
                    vb[1], vb[2] = lines[fi], times[fi]
            tb = file_buckets.get(b)
            if tb is None:
                tb = file_buckets[b] = TimeBucket(
                    0,
                    0,
                    lines[fi],
                    lines[li],
                    0,
                    cast("float", times[fi]),
                    cast("float", times[li]),
                    records[fi][:EXAMPLE_CHARS],
                    records[li][:EXAMPLE_CHARS],
                    last_timed_line=lines[li] if timed_at is None else 0,
                )
            tb.records += c
            if lines[fi] < tb.first_line:
                tb.first_line = lines[fi]
                tb.first_time = cast("float", times[fi])
                tb.first_text = records[fi][:EXAMPLE_CHARS]
            if lines[li] > tb.last_line:
                tb.last_line = lines[li]
                tb.last_time = cast("float", times[li])
                tb.last_text = records[li][:EXAMPLE_CHARS]
                if timed_at is None:
                    tb.last_timed_line = lines[li]
            if info.level == "ERROR" or info.level == "FATAL":
                tb.errors += c
                if not tb.first_error_line or lines[fi] < tb.first_error_line:
                    tb.first_error_line = lines[fi]
                    tb.first_error_time = cast("float", times[fi])
        if timed_at is not None:  # records without a time of their own: each bucket's last that has one
            last_timed = zip(map(buckets.__getitem__, timed_at), map(lines.__getitem__, timed_at), strict=True)
            for b, ln in dict(last_timed).items():
                tb = file_buckets[cast("int", b)]
                if ln > tb.last_timed_line:
                    tb.last_timed_line = ln

        # Per variant and per exception group: the shapes' figures added up.
        per_variant: dict[Variant, list[int]] = {}
        per_exception: dict[int, tuple[ExceptionStats, list[int]]] = {}
        with_level = explained = 0
        unexplained: list[tuple[ShapeInfo, list[int]]] = []
        for info, agg in per_shape.items():
            target = per_variant.get(info.variant)
            if target is None:
                per_variant[info.variant] = list(agg)
            else:
                _merge(target, agg)
            lv = info.level
            if lv is not None:
                v = info.variant
                v.levels[lv] = v.levels.get(lv, 0) + agg[0]
                with_level += agg[0]
                seen = v.level_first.get(lv)
                if seen is None or lines[agg[1]] < seen[0]:
                    v.level_first[lv] = (lines[agg[1]], times[agg[1]], records[agg[1]][:EXAMPLE_CHARS])
                last = v.level_last.get(lv)
                if last is None or lines[agg[2]] > last[0]:
                    v.level_last[lv] = (lines[agg[2]], times[agg[2]])
            if info.explained:
                explained += agg[0]
            else:
                unexplained.append((info, agg))
            exc = info.exception
            if exc is not None:
                got = per_exception.get(id(exc))
                if got is None:
                    per_exception[id(exc)] = (exc, list(agg))
                else:
                    _merge(got[1], agg)
        members: dict[Variant, list[tuple[ShapeInfo, list[int]]]] = {}
        for info, agg in per_shape.items():
            if len(info.variant.examples) < MAX_EXAMPLES:
                members.setdefault(info.variant, []).append((info, agg))
        for v, (c, fi, li, ti) in per_variant.items():
            if v.count == 0:
                v.first_line = lines[fi]
            v.count += c
            v.last_line = lines[li]
            if ti >= 0:
                if v.first_time is None:
                    v.first_time = times[ti]
                v.last_time = times[li]
            if v in members:
                for i in _first_indices(shapes, members[v], MAX_EXAMPLES - len(v.examples)):
                    head = "\n".join(records[i].split(JOIN, shapes[i].example_lines)[: shapes[i].example_lines])
                    v.examples.append((lines[i], _example(head.replace(PARTIAL, ""))))
        for exc, (c, fi, li, _ti) in per_exception.values():
            if exc.count == 0:
                exc.first_line = lines[fi]
                exc.first_time = times[fi]
            exc.count += c
            exc.last_line = lines[li]
            exc.last_time = times[li]
        room = MAX_UNEXPLAINED_SAMPLES - len(self.unexplained_samples)
        if unexplained and room > 0:
            for i in _first_indices(shapes, unexplained, room):
                self.unexplained_samples.append((lines[i], records[i][:EXAMPLE_CHARS]))
        self._read_values(records, keys, shapes, per_shape)
        self.with_level += with_level
        self.explained += explained
        self.records += len(records)

    def _levels_per_record(self, records: list[str], shapes: list[ShapeInfo]) -> None:
        """Records of shapes whose level hangs on digits (HTTP status, PRI) are each parsed for their level
        and counted under the copy of their shape that carries it: "200" and "404" share a shape, not a level."""
        assert self.parser is not None
        parse = self.parser.parse
        for i in compress(range(len(shapes)), map(_DIGIT_LEVEL, shapes)):
            info = shapes[i]
            rec = records[i]
            read = info.level_of
            level = read(rec) if read is not None else parse(rec.replace(PARTIAL, "") if PARTIAL in rec else rec).level
            if level == info.level:
                continue
            if info.by_level is None:
                info.by_level = {}
            copy = info.by_level.get(level)
            if copy is None:
                copy = info.by_level[level] = replace(info, level=level, digit_level=False, by_level=None)
            shapes[i] = copy

    def _lead(self, info: ShapeInfo, count: int, first: int, last: int, first_text: str, last_text: str) -> None:
        """Records of a chunk before its first timed one: counted per variant and in one bucket whose time the
        merge gives them (the last time of the chunks before)."""
        got = self.lead.get(info.variant)
        if got is None:
            self.lead[info.variant] = [count, first]
        else:
            got[0] += count
            got[1] = min(got[1], first)
        errors = count if info.level == "ERROR" or info.level == "FATAL" else 0
        tb = TimeBucket(
            count,
            errors,
            first,
            last,
            first if errors else 0,
            0.0,
            0.0,
            first_text[:EXAMPLE_CHARS],
            last_text[:EXAMPLE_CHARS],
        )
        if self.lead_bucket is None:
            self.lead_bucket = tb
        else:
            self.lead_bucket.merge(tb)

    def _resolve(self, records: list[str], keys: list[str], infos: list[ShapeInfo | None]) -> None:
        """Fill in the shapes of records whose digit key was not cached, in record order (mining order).

        Each new key is resolved at its first record, in record order; the other records of the key then take its
        shape in one C-level pass (a block that opens a file has thousands of records and a few hundred new keys)."""
        by_key = self._by_key
        missing = list(compress(range(len(infos)), map(is_, infos, repeat(None))))
        # The first record of each missing key (reversed: an earlier record's index overwrites a later one's).
        first_of = dict(zip(map(keys.__getitem__, reversed(missing)), reversed(missing), strict=True))
        for i in sorted(first_of.values()):
            rec = records[i]
            if not rec or rec.isspace():  # a line of blanks is an empty line (no record, no template "")
                continue
            dkey = keys[i]
            shape = SHAPE_RE.sub("\x00", rec)
            info = self._shapes.get(shape)
            if info is None:
                info = self._miss(rec, shape)
            self._key_chars += len(dkey)
            by_key[dkey] = info
            tk = self._time_key(rec, info)
            if tk is not None:
                self._time_keys[dkey] = tk
                self._time_getters[dkey] = tk.get
                if info.scanned:
                    self._scanned_keys.add(dkey)
        # Blank records' keys were given nothing: they stay None. No key given a shape before this block is missing.
        infos[:] = map(by_key.get, keys)

    def _line_numbers(self, records: list[str], first_line: int) -> list[int]:
        """Physical line number of each record when some records span several lines (joined)."""
        out = []
        line = first_line
        multiline = 0
        for rec in records:
            out.append(line)
            if JOIN in rec or PARTIAL in rec:
                line += 1 + rec.count(JOIN) + rec.count(PARTIAL)
                multiline += 1
            else:
                line += 1
        self.multiline_records += multiline
        return out

    def _times(self, records: list[str], keys: list[str]) -> list[float | None]:
        """The time of each record: its own, else the last one seen before it (None before the first).

        C-level passes: each record's stamp text is sliced where its digit key has it (``TimeKey``) and looked
        up in the time cache; only a stamp not cached yet (a new second) costs Python (``_time_miss``)."""
        getters = map(self._time_getters.get, keys, repeat(_NO_TIME))
        tkeys = list(map(call, getters, records))
        times: list[Any] = list(map(self._time_cache.get, tkeys, repeat(_MISS)))
        if _MISS in times:
            self._time_misses(records, keys, tkeys, times)
        if self._scanned_keys and not self._scanned_keys.isdisjoint(keys):
            self._drop_text_dates(keys, times)
        none = times.count(None)
        own: list[float] = times if not none else list(filter(_NOT_NONE, times))
        self.with_time += len(own)
        if own:
            high = self.max_time if self.max_time is not None else own[0]
            highs = list(accumulate(own, max, initial=high))
            self.out_of_order += sum(map(lt, own, highs))
            self.max_time = highs[-1]
            if self.chunk_mode and not self.rising_full:
                self._rise(own, highs)
        # The records that have a time of their own, where some have none (None: all of them).
        self._timed_at = list(compress(range(len(times)), map(is_not, times, repeat(None)))) if none else None
        if none:  # a record without a time of its own takes the one before it
            _carry_forward(times, none, self._last_time)
        if times:
            self._last_time = times[-1] if times[-1] is not None else self._last_time
        return times

    def _drop_text_dates(self, keys: list[str], times: list[Any]) -> None:
        """A time found inside a record's text (``ShapeInfo.scanned``) that goes back ``TEXT_DATE_BACK`` or more from
        the times before it is a date the line states: the record has no time of its own."""
        # C-level passes: each time against the highest one before it; only the records that far back are looked at.
        timed = list(compress(range(len(times)), map(is_not, times, repeat(None))))
        if not timed:
            return
        values = list(map(times.__getitem__, timed))
        highs = accumulate(values, max, initial=self.max_time if self.max_time is not None else values[0])
        limits = map(sub, highs, repeat(TEXT_DATE_BACK))
        for i in compress(timed, map(lt, values, limits)):
            if keys[i] in self._scanned_keys:
                times[i] = None

    def _time_misses(self, records: list[str], keys: list[str], tkeys: list[Hashable], times: list[Any]) -> None:
        """The times of records whose stamp text the time cache did not have. Each distinct stamp text is matched
        where its digit key has it and converted once, in record order (a year-less stamp takes its year from
        the dated ones before it); a date-less time, which hangs on the stamps before it, is converted per
        record, in the same order, and never cached. Then every record takes its stamp's time (C-level)."""
        n = len(times)
        # A block none of whose stamps was cached (stamps that rarely repeat) needs no index lists: it is every record.
        every = times.count(_MISS) == n  # C-level: the marker is found by identity
        miss: Sequence[int] = range(n) if every else list(compress(range(n), map(is_, times, repeat(_MISS))))
        mkeys = tkeys if every else list(map(tkeys.__getitem__, miss))
        # Each distinct stamp text -> its first record (None: every miss a distinct text, already in order).
        firsts = None if len(set(mkeys)) == len(mkeys) else dict(zip(reversed(mkeys), reversed(miss), strict=True))
        stateful: list[int] = []
        if self._stateful_keys:  # date-less stamps are converted per record
            stateful = list(
                compress(miss, map(_STATEFUL, map(self._time_keys.__getitem__, map(keys.__getitem__, miss))))
            )
        todo: Sequence[int]
        if stateful:
            todo = sorted(set(miss if firsts is None else firsts.values()).union(stateful))
        else:
            todo = miss if firsts is None else sorted(firsts.values())
        fresh: dict[Hashable, float | None] = {}
        own: dict[int, float | None] = {}
        # Each stamp matched where its key has it in one C-level pass; only the stamps that match (and the
        # date-less ones) take a Python step. A text that is no valid stamp has no time (``fresh.get``: None)
        # and is not cached: it would rarely come again.
        whole = every and todo is miss  # every record, in order
        tks = list(map(self._time_keys.__getitem__, keys if whole else map(keys.__getitem__, todo)))
        found: list[re.Match[str] | None] = []
        texts = records if whole else list(map(records.__getitem__, todo))
        start = 0
        for tk, run in groupby(tks):  # records of one stamp place come in runs
            k = len(list(run))
            found += map(tk.finder.rx.match, texts[start : start + k] if k < len(texts) else texts, repeat(tk.at))
            start += k
        since_back: list[int] = []  # the date-less times since the clock last went back (or its day rolled on)
        last_t, last_day = -math.inf, self.times.clock_day
        times_ = self.times
        key_dates = self._key_dates  # (looked up in place: the loop's per-record step)
        for k in range(len(todo)) if stateful else compress(range(len(todo)), found):
            i, tk, m = todo[k], tks[k], found[k]
            if not tk.stateful:
                t = self._time_of(m, tk.finder) if m is not None else None
                if m is not None:
                    fresh[tkeys[i]] = t
                    self._cache_time(tkeys[i], t)
                continue
            moved = None
            if (
                m is not None
                and self._dating
                and ((d := key_dates.get(keys[i])) or (d is None and self._may_state_date(keys[i], m.end())))
            ):
                # A date a record states at its clock, looked for until one is found, and again once the clock goes
                # back or its day rolls on (where a stated date may say another day): not on every line of a file
                # whose every line states it.
                moved = times_.date_the_clock(texts[k], tk.finder.fmt, m)
                self._dating = moved is None
            t = self._time_of(m, tk.finder) if m is not None else None
            own[i] = t
            if t is None:
                continue
            day = times_.clock_day
            if moved:
                # A date stated at a clock: the records since the clock went back are on that day too (a tool's
                # next run, its date stated a line or two in; a day rolled on at a clock reset that was none).
                for j in since_back:
                    own[j] = cast("float", own[j]) + moved
            elif t < last_t or day != last_day:
                since_back = []
                self._dating = True
            since_back.append(i)
            last_t, last_day = t, day
        if every:
            times[:] = map(fresh.get, tkeys)
        else:
            deque(map(times.__setitem__, miss, map(fresh.get, mkeys)), maxlen=0)
        if own:
            deque(map(times.__setitem__, own.keys(), own.values()), maxlen=0)

    def _may_state_date(self, key: str, clock_end: int) -> bool:
        """Whether records of a digit key write a number of four digits after their clock (a year a stated date would
        hold), where ``date_the_clock`` may find one; remembered per digit key (a clock-only file's lines mostly do
        not, and cost a dictionary lookup)."""
        got = self._key_dates.get(key)
        if got is None:  # (the loop looks a known key up itself)
            got = _FOUR_DIGITS.search(key, clock_end, clock_end + STATED_DATE_SEARCH) is not None
            if len(self._key_dates) >= MAX_DIGIT_KEYS:
                self._key_dates.clear()
            self._key_dates[key] = got
        return got

    def _rise(self, own: list[float], highs: list[float]) -> None:
        """Keep the chunk's times that are not below any time before them in the chunk, run-length coded, until
        RISING_KEPT distinct ones: those a time of an earlier chunk can make out of order (``chunks``)."""
        rising = self.rising
        for t, h in zip(own, highs, strict=False):
            if t < h:
                continue
            if rising and rising[-1][0] == t:
                rising[-1][1] += 1
            elif len(rising) >= RISING_KEPT:
                self.rising_full = True
                return
            else:
                rising.append([t, 1])

    def _buckets(self, times: list[float | None]) -> list[int | None]:
        """Histogram bucket of each record (None before the file's first time); widens buckets as needed."""
        if times[-1] is None:  # times are None only before the first one (then carried forward)
            return [None] * len(times)
        k = 0 if times[0] is not None else next(i for i, t in enumerate(times) if t is not None)
        timed = cast("list[float]", times[k:])
        lo, hi = min(timed), max(timed)
        if self.origin is None:
            self.origin = timed[0] - timed[0] % FIRST_BIN_SECONDS
        self.min_time = lo if self.min_time is None else min(self.min_time, lo)
        origin = self.origin
        while int((hi - origin) // self.bin_seconds) >= MAX_BINS:
            self._coarsen()
        width = self.bin_seconds
        of = {t: int((t - origin) // width) if t >= origin else 0 for t in set(timed)}
        head: list[int | None] = [None] * k
        return head + list(map(of.__getitem__, timed))

    def _read_values(
        self, records: list[str], keys: list[str], infos: list[ShapeInfo], per_shape: dict[ShapeInfo, list[int]]
    ) -> None:
        """Placeholder values, kept per message variant (``ClusterValues``) and merged per template by the report:
        every record of the file's first VALUE_READ_ALL, then a deterministic sample (every record of a cluster
        until it has VALUE_SAMPLE_FIRST, and the records at every VALUE_SAMPLE_EVERY-th position of the file, so
        each cluster in proportion to its count); the sample also checks the variants' digit-holding words.
        A record read joins its digit key's rows in one C-level pass (``KeyValues``: its values are sliced where
        the key holds them, no search); the rows are counted in batches of many blocks (``_count_values``)."""
        by_cluster: dict[int, list[tuple[ShapeInfo, list[int]]]] = {}
        for info, agg in per_shape.items():
            if info.values is not None:
                by_cluster.setdefault(info.variant.cluster.index, []).append((info, agg))
        if not by_cluster:
            return
        picked: set[int] = set()
        seen = self._sampled_of_cluster
        # A block whose records are all read needs the sample only to check digit-holding words.
        every = self.records + len(records) <= VALUE_READ_ALL
        for cluster, members in by_cluster.items():
            want = VALUE_SAMPLE_FIRST - seen.get(cluster, 0)
            seen[cluster] = seen.get(cluster, 0) + sum(agg[0] for _info, agg in members)
            if want > 0 and (not every or any(info.variant.digit_tokens for info, _agg in members)):
                picked.update(_first_indices(infos, members, want))
        start = (-self.records) % VALUE_SAMPLE_EVERY
        picked.update(i for i in range(start, len(records), VALUE_SAMPLE_EVERY) if infos[i].values is not None)
        for i in picked:
            if infos[i].variant.digit_tokens:
                self._check_digit_tokens(records[i], infos[i].variant)
        read_all = min(len(records), max(0, VALUE_READ_ALL - self.records))
        if read_all < len(records):
            chosen = sorted(picked.union(range(read_all)))
            records = list(map(records.__getitem__, chosen))
            keys = list(map(keys.__getitem__, chosen))
            infos = list(map(infos.__getitem__, chosen))
        self._hold_values(records, keys, infos)

    def _hold_values(self, records: list[str], keys: list[str], infos: list[ShapeInfo]) -> None:
        """Records read for their values wait in their digit keys' rows until a batch of VALUE_BATCH_ROWS of them
        (or VALUE_BATCH_CHARS characters) is held, then their values are counted (``_count_values``). A batch ends
        at that record, not at the end of a block, so the values settle into their summaries at the same
        records however the input was cut into blocks (the same file gives the same report, in one process or in
        the engine's sandbox child, which reads other chunks)."""
        while True:
            cut = min(len(records), VALUE_BATCH_ROWS - self._value_rows)
            ends = list(accumulate(map(len, islice(records, cut))))
            room = VALUE_BATCH_CHARS - self._value_chars
            if ends and ends[-1] >= room:
                cut = bisect_left(ends, room) + 1
            if cut == len(records):
                self._hold_rows(records, keys, infos)
            else:
                self._hold_rows(records[:cut], keys[:cut], infos[:cut])
            self._value_rows += cut
            self._value_chars += ends[cut - 1] if cut else 0
            if self._value_rows < VALUE_BATCH_ROWS and self._value_chars < VALUE_BATCH_CHARS:
                return
            self._count_values()
            if cut == len(records):
                return
            records, keys, infos = records[cut:], keys[cut:], infos[cut:]

    def _hold_rows(self, records: list[str], keys: list[str], infos: list[ShapeInfo]) -> None:
        """Each record to its digit key's rows (C-level), where it waits to be counted (``_count_values``); a digit
        key's first record says where its records hold their values (``KeyValues.of``), or that they hold none
        to read (``_no_values``: no placeholder, or its placeholders and digit runs do not line up)."""
        value_keys = self._value_keys
        kvs: list[KeyValues | None] = list(map(value_keys.get, keys))
        if None in kvs:
            # Each new key at its first record, in record order; then every record of the block takes its key's
            # (C-level: a block that opens a file holds most of its keys' records, a Python step each otherwise).
            missing = list(compress(range(len(kvs)), map(is_, kvs, repeat(None))))
            first_of = dict(zip(map(keys.__getitem__, reversed(missing)), reversed(missing), strict=True))
            for i in sorted(first_of.values()):
                info = infos[i]
                got = None
                if info.reader is not None and info.values is not None and PARTIAL not in records[i]:
                    got = KeyValues.of(info.values, info.reader, records[i])
                if got is not None:
                    self._value_order.append(got)
                value_keys[keys[i]] = got if got is not None else self._no_values
            kvs = list(map(value_keys.__getitem__, keys))
        deque(map(list.append, map(_ROWS, kvs), records), maxlen=0)
        self._no_values.rows.clear()

    def _count_values(self) -> None:
        """Count the values of the records held in their digit keys' rows (``_hold_values``), a batch of many blocks
        at once: a placeholder's column of the batch, over all its digit keys, goes to its statistics in one call
        (``PlaceholderStats.add_column``: sliced and counted in C, no list of values made). When a batch is held
        and when the file ends."""
        if not self._value_rows:
            return
        columns: dict[PlaceholderStats, list[Iterator[str]]] = {}
        for kv in chain(self._stale_values, self._value_order):  # in the order digit keys were first read
            if not kv.rows:
                continue
            rows = kv.take()
            for st, get in kv.columns:
                got = columns.get(st)
                if got is None:
                    columns[st] = [map(get, rows)]
                else:
                    got.append(map(get, rows))
        self._value_rows = self._value_chars = 0
        self._stale_values = []
        for st, maps in columns.items():
            st.add_column(maps[0] if len(maps) == 1 else chain.from_iterable(maps))

    def _coarsen(self) -> None:
        """Double the bucket width everywhere (keeps histograms at most MAX_BINS wide)."""
        self.bin_seconds *= 2
        for v in self._all_variants():
            nb: dict[int, list[Any]] = {}
            for b, (c, fl, ft) in sorted(v.bins.items()):
                x = nb.get(b // 2)
                if x is None:
                    nb[b // 2] = [c, fl, ft]
                else:
                    x[0] += c
                    if fl < x[1]:  # (lines out of time order)
                        x[1], x[2] = fl, ft
            v.bins = nb
        merged: dict[int, TimeBucket] = {}
        for b, tb in sorted(self.buckets.items()):
            into = merged.get(b // 2)
            if into is None:
                merged[b // 2] = tb
            else:
                into.merge(tb)
        self.buckets = merged

    def time_finders(self) -> list[TimeFinder]:
        """The timestamp finders this file's records used (the report blanks timestamps out of headers)."""
        return list(self._finders.values())

    def _all_variants(self) -> list[Variant]:
        return list(self._variants.values()) + list(self._overflow_variants.values())

    def variants(self) -> list[Variant]:
        return [v for v in self._all_variants() if v.count]

    def _check_digit_tokens(self, record: str, v: Variant) -> None:
        """A sampled record whose unmasked digit-holding tokens differ from its variant's ("u3" where the
        first record of the shape said "u0") makes the words that differ placeholders, in the variant and its
        cluster, so the template does not claim one record's value for all ("--lb-ipv4-cidr" and
        "--lb-ipv6-cidr": "--lb-<*>-cidr", the other words stay). A token found verbatim in the record is
        taken as unchanged (no parse)."""
        if all(all(part in record for part in text.split(WILDCARD)) for _pos, text in v.digit_tokens):
            return
        rec = record.replace(PARTIAL, "") if PARTIAL in record else record
        vary_digit_tokens(v, message_tokens(self._masked_message(rec)[1]))


def vary_digit_tokens(v: Variant, tokens: Sequence[str], *, cluster: bool = True) -> None:
    """The variant's digit-holding tokens that a record of it (its masked ``tokens``) writes otherwise become
    placeholders for the words that differ, in the variant and (with ``cluster``) its cluster
    (``Analyzer._check_digit_tokens``; the merge of chunks, for a shape two chunks read first with other digits,
    changes the clusters after mining)."""
    if len(tokens) != len(v.tokens):
        return
    changed = {pos: _varied_words(text, tokens[pos]) for pos, text in v.digit_tokens if tokens[pos] != text}
    if not changed:
        return
    same_cluster = cluster and len(v.cluster.tokens) == len(v.tokens)
    for pos, varied in changed.items():
        if same_cluster:
            v.cluster.tokens[pos] = varied_in_cluster(v.cluster.tokens[pos], v.tokens[pos], varied)
    with_varied_words(v, changed)


def with_varied_words(v: Variant, changed: dict[int, str]) -> None:
    """The variant's tokens with the words at ``changed``'s positions replaced (digit-holding words found to vary),
    no longer checked; the tokens before the first such change kept as those its values are read by."""
    if v.read_tokens is None:
        v.read_tokens = v.tokens
    v.tokens = tuple(changed.get(i, t) for i, t in enumerate(v.tokens))
    v.digit_tokens = tuple((pos, text) for pos, text in v.digit_tokens if pos not in changed)


def varied_in_cluster(current: str, was: str, varied: str) -> str:
    """A cluster's token where a variant of it found its digit-holding word ``was`` to vary (``varied``): the varied
    word where the cluster still writes the variant's, else the two generalised as mining does (the cluster took
    another variant's word there: "'<*>'" from two quoted paths stays quoted when one of them varies later). One
    pass and the merge of chunks meet these in either order and come to the same token."""
    return varied if current == was else generalize(current, varied)


# A JVM trace's frame on a line after the first of a record the reader joined (its header, then its frames).
_JOINED_FRAME = re.compile(re.escape(JOIN) + r"[ \t]+" + _TRACE_FRAME)
_WARN_RANK = severity_rank("WARN")
# A Python warning as ``warnings.formatwarning`` writes it, after a record's header ("... WARNING/MainProcess]
# /srv/app/kombu/pidbox.py:72: UserWarning: A node named ...").
_PY_WARNING_IN = re.compile(r"(?<!\S)\S+:\d+: [A-Z]\w*Warning:(?: |$)")


# A frame of a stack trace anywhere in a record's lines (a line the reader joined may hold it): a JVM's, .NET's or a
# JavaScript runtime's, Python's, Ruby's, or the BEAM's ("    (ecto_sql 3.11.1) lib/ecto/adapters/sql.ex:1054: ...").
_FRAME_IN = re.compile(rf"(?:^|{JOIN})[ \t]*(?:{_TRACE_FRAME}|{_PY_FRAME}|{_RB_FRAME}|\(\w+ [\w.-]+\) \S+:\d+: )")


def _code_excerpt(record: str) -> bool:
    """Whether a record of no time is a runtime's excerpt of the code that threw: its file and line alone on the first
    line, the code, a caret under the column (joined by the reader, indented: Node's "node:internal/process/
    promises:288", "    triggerUncaughtException(err, true);", "    ^"). It opens the runtime's report of the
    exception after it (``CARET_LINE``'s blank line bridged), not a line of the record before it."""
    first, joined, rest = record.partition(JOIN)
    return (
        bool(joined)
        and CODE_PLACE.fullmatch(first) is not None
        and CARET_LINE.fullmatch(rest.rpartition(JOIN)[2]) is not None
    )


def _whole_json(record: str) -> bool:
    """Whether a record is one JSON object, whole on its line: a structured log's record holds its own trace in a field,
    so the lines of no time after it are another writer's (Node's report of the uncaught error that ended the
    process, "/app/node_modules/ioredis/built/redis/event_handler.js:182", its code, its caret, a blank line, its
    exception and frames, after a worker's JSON lines), as the reader reads them (``records._split_json_lines``)."""
    return record[:1] == "{" and JOIN not in record and record.rstrip().endswith("}")


def _traced_ahead(records: list[str], flags: Sequence[int | None], i: int) -> bool:
    """Whether the blank line at ``i`` stands inside a report that a stack trace ends: the lines after it, up to the
    next line with a time, have none (blank lines among them) and one of them is a frame (``_FRAME_IN``). An error a
    runtime reports over paragraphs (Elixir's "GenServer ... terminating", "** (DBConnection.ConnectionError) ...", a
    blank line, its numbered advice, a blank line, "See DBConnection.start_link/2 ...", a blank line, its frames, "Last
    message:", "State:": 15 records of no time or level, the error's record one line) goes on over them; only after a
    warning or an error (``_reports_error``)."""
    for j in range(i + 1, min(len(flags), i + MAX_GLUED_LINES)):
        f = flags[j]
        if f in (0, 2):
            if _FRAME_IN.search(records[j]) is not None:
                return True
        elif f != -1:
            return False
    return False


def _bridges(records: list[str], flags: Sequence[int | None], i: int) -> bool:
    """Whether the blank line at ``i`` stands between a record and a JVM exception's trace that belongs to it: the
    next line has no time and opens a trace the reader joined (a header, then frames). Only after a warning or an
    error that nothing continued yet (``_glue_untimed``): a framework logs the error, a blank line, then its root
    cause's trace; a record that other lines already continue (a runtime's crash report after it) is no such
    error."""
    return (
        flags[i] == -1
        and i + 1 < len(flags)
        and flags[i + 1] in (0, 2)
        and _JOINED_FRAME.search(records[i + 1]) is not None
    )


# A line of a Python traceback after a blank line inside it (loguru's "diagnose" layout sets each frame apart with
# one): a frame ("  File ...", the catching frame marked "> File ..."), an indented line under one, or the exception's
# line, flush left ("decimal.DivisionByZero: [...]", "KeyError: 'qty'", "SystemExit").
_PY_TRACE_AFTER_BLANK = re.compile(r"[ \t]+\S|>? ?File \"|([A-Za-z_][\w.]*)(?::(?: |$)|$)")


def _py_message_goes_on(run: list[str], records: list[str], flags: Sequence[int | None], i: int) -> bool:
    """Whether the blank line at ``i`` is inside the message of the Python exception that ends the record being
    continued (``run``): its traceback's last line, flush left, is the record's last line but for lines of no header
    after it, and the next line has no time and opens no traceback of its own. str() of an exception may hold blank
    lines: SQLAlchemy's "[SQL: ...]", "[parameters: ...]" and "(Background on this error at: ...)" come after a
    driver's message that ends with a newline (24 of them were ERROR records of their own, "(Background on this error
    at: <*>)" a summary line)."""
    if i + 1 >= len(flags) or flags[i + 1] not in (0, 2) or not any(TRACEBACK_BANNER in part for part in run):
        return False
    text = JOIN.join(run)
    trace = text[text.rfind(TRACEBACK_BANNER) :].split(JOIN)[1:]
    # (The exception's line, flush left, is reached; its message may go on indented: psycopg2's "\tIs the server
    # running on that host ...?")
    ended = any(line[:1] not in (" ", "\t", "") for line in trace)
    below = records[i + 2] if i + 2 < len(records) else ""
    return ended and not logged_traceback(records[i + 1], below) and not records[i + 1].startswith(TRACEBACK_BANNER)


# A process's tag in brackets opening a line, a colon after it (torchrun's "[rank2]: " before each line a worker wrote
# to the launcher's stream).
_BRACKETED_WRITER = re.compile(r"\[[\w.:/-]{1,40}\]:? (?=\S| +\S)")


def _tagged_traces(records: list[str], flags: Sequence[int | None]) -> dict[int, int]:
    """Runs of untimed lines (flag 0) that open with one tag in brackets (``_BRACKETED_WRITER``), a Python traceback's
    banner after the tag in one of them: the lines a process wrote to a stream another one leads, each tagged ("[rank2]:
    Traceback (most recent call last):", "[rank2]:   File ...", "[rank2]: torch.OutOfMemoryError: CUDA out of memory"
    under a launcher's timed INFO record, which took them). The first line of each run (0: a record of its own, not a
    line of the record above it) and the width of the tag the others join without (the trace reads as written)."""
    out: dict[int, int] = {}
    i = 0
    while i < len(flags):
        m = _BRACKETED_WRITER.match(records[i]) if flags[i] == 0 else None
        if m is None:
            i += 1
            continue
        tag = records[i][: m.end()].rstrip()
        j = i + 1
        while j < len(flags) and flags[j] == 0 and records[j].startswith(tag):
            j += 1
        if j - i > 1 and any(records[k][len(tag) :].lstrip(" ").startswith(TRACEBACK_BANNER) for k in range(i, j)):
            out[i] = 0
            out.update((k, len(tag) + 1) for k in range(i + 1, j))
        i = j
    return out


def logged_traceback(rec: str, below: str) -> bool:
    """Whether an untimed record is a message a logger wrote without a header, the Python traceback under it (on its
    next line, joined to it or the record ``below`` it: Django's "Internal Server Error: /books/" among a development
    server's timed request lines): a record of its own, not a line of the timed record before it, which logged no
    exception."""
    first, _, rest = rec.partition(JOIN)
    return first[:1] not in (" ", "\t", "") and (rest or below).startswith(TRACEBACK_BANNER)


def _headed_last(rec: str) -> str:
    """A record's last physical line that is no indented line under another: the line a label's line or a trace's
    next line repeats the header of (PostgreSQL's "HINT:" after the tab-indented lines of a deadlock's "DETAIL:")."""
    if JOIN not in rec:
        return rec
    last = rec.rpartition(JOIN)[2]
    if last[:1] not in (" ", "\t"):
        return last
    return next((line for line in reversed(rec.split(JOIN)) if line[:1] not in (" ", "\t", "")), last)


def _stamped_blanks(flags: list[int | None]) -> None:
    """Each time alone (flag 6) read as what it is, in place: before a timed line (or another blank), a blank line a
    transport stamped (-1: svlogd, s6-log and a container runtime stamp every line a program writes, the blank lines of
    its traceback too); before a line of no time, a record's time on a line of its own, its message under it (1:
    Django's runserver writes "March 14, 2024 - 09:12:04" over its banner, Oracle's alert log every record so)."""
    after: int | None = 1
    for i in range(len(flags) - 1, -1, -1):
        if flags[i] == 6:
            flags[i] = -1 if after in (1, 4, -1) and i + 1 < len(flags) else 1
        after = flags[i]


def _banner_under(prev: str, line: str, at: int) -> bool:
    """Whether a timed line whose message (at ``at``) is a Python traceback's banner was logged with the line before
    it: the two headers are the same up to the level (the same time to the second, the same process), each has a
    level there, and the word after it is the same (the logger), though the level and the fields after the logger
    differ. A logger may write an exception's lines under a prefix of their own (OpenStack's oslo.log: "ERROR
    <logger> [instance: <uuid>]" before each line of the traceback, whatever the level of the record that logged it
    with its request's context): the banner opens the trace of the record just before it, not a record."""
    if not line.startswith(TRACEBACK_BANNER, at + len(line[at:]) - len(line[at:].lstrip(" \t"))):
        return False
    words = list(_HEADER_WORD.finditer(line, 0, at))
    k = next((k for k, w in enumerate(words[:-1]) if level_from_word(w.group().strip("[]():")) is not None), -1)
    if k < 0 or not _same_header(prev, line, words[k].start()):
        return False
    level, logger = words[k], words[k + 1]
    theirs = _HEADER_WORD.match(prev, level.start())
    if theirs is None or level_from_word(theirs.group().strip("[]():")) is None:
        return False
    after = _HEADER_WORD.search(prev, theirs.end())
    return after is not None and after.group() == logger.group()


def _py_chained(run: list[str], records: list[str], i: int) -> bool:
    """Whether the blank line at ``i`` stands between two chained Python tracebacks of the record being continued
    (``run`` holds a traceback): before the banner that chains them ("During handling of the above exception, another
    exception occurred:"), or between that banner and the next traceback. Where a transport stamps every line (svlogd,
    s6-log, a container runtime's timestamps) the banner has a header of its own, and the blank lines are a time
    alone."""
    if i + 1 >= len(records) or not any(TRACEBACK_BANNER in part for part in run):
        return False
    after = records[i + 1].split(JOIN, 1)[0]
    if any(banner in after for banner in _PY_CHAINING):
        return True
    return TRACEBACK_BANNER in after and any(banner in run[-1] for banner in _PY_CHAINING)


def _in_py_trace(records: list[str], flags: Sequence[int | None], i: int) -> bool:
    """Whether the blank line at ``i`` stands inside a Python traceback the run holds (its banner and not yet its
    last line): the next line has no time and is one of the traceback's (``_PY_TRACE_AFTER_BLANK``)."""
    if flags[i] != -1 or i + 1 >= len(flags) or (m := _PY_TRACE_AFTER_BLANK.match(records[i + 1])) is None:
        return False
    # (The exception's line may state a level by its words, "httpx.HTTPStatusError: Server error '503 ...'": its
    # type, named as one, still makes it the traceback's line; a level word is no type.)
    return flags[i + 1] == 0 or (flags[i + 1] == 2 and m.group(1) is not None and named_as_type(m.group(1)))


def _announces(records: list[str], flags: Sequence[int | None], i: int) -> bool:
    """Whether the blank line at ``i`` stands between a timed record that announces what follows it (its last line
    ends with a colon: ClickHouse's "..., Stack trace (when copying this message, always include the lines below):")
    and lines without a time or a level of their own: what it announced (the numbered frames), the blank line
    only set it apart. Any level: "Loaded configuration:", a blank line, the settings dumped."""
    return (
        flags[i] == -1
        and 0 < i < len(flags) - 1
        and flags[i - 1] in (1, 4)
        and flags[i + 1] == 0
        and records[i - 1].rpartition(JOIN)[2].rstrip().endswith(":")
    )


def _warns(records: list[str], flags: Sequence[int | None], i: int, first: str) -> bool:
    """Whether the blank line at ``i`` stands inside a Python warning that a timed record opened: the record's first
    line holds the warning ("<file>:<line>: <category>: <message>", ``_PY_WARNING_IN``) and, after the blank line, lines
    without a time or a level of their own and blank lines lead to the warning's last line, the source line that
    ``warnings.formatwarning`` writes under the message indented by two blanks. A warning's message may run over
    paragraphs (Celery's "A node named ... is already using this process mailbox!", a blank line, its advice, a
    blank line, the source line): one record."""
    if flags[i] != -1 or "Warning:" not in first:
        return False
    head = first.split(JOIN, 1)[0]
    if _PY_WARNING_IN.search(head) is None:
        return False
    for j in range(i + 1, min(len(flags), i + MAX_GLUED_LINES)):
        if flags[j] == 0:
            line = records[j]
            if line.startswith("  ") and line[2:3] not in (" ", "\t", ""):
                return True
        elif flags[j] != -1:
            return False
    return False


def _parting(a: str, b: str) -> int:
    """Where two texts first differ (the shorter one's length where one starts the other): a binary search of
    C-level prefix comparisons."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _same_header(prev: str, line: str, at: int) -> bool:
    """Whether two lines have the same header up to ``at``: the same source (process, thread, level, tag) in the same
    second, whatever the fraction each was stamped at (a long trace's lines run over a millisecond's edge)."""
    t = leading_time_end(line)
    if 0 < t < at and leading_time_end(prev) == t:
        return prev[t:at] == line[t:at] and _FRACTION.sub("", prev[:t]) == _FRACTION.sub("", line[:t])
    return prev[:at] == line[:at]


def _blanks_at(text: str, at: int) -> int:
    """How many blanks and tabs stand in ``text`` from ``at`` on."""
    return len(text) - at - len(text[at:].lstrip(" \t"))


def py_last_line(prev: str, line: str, at: int) -> bool:
    """Whether a line whose message starts at ``at`` (as the line before's does) is a Python traceback's last line
    after that line (a frame, its code line or the markers under it): the exception's type and message, standing out
    less far than the line before (at the banner's indent: flush left, or past the blanks that close a header the file
    pads with two: s6-log's "2024-03-16 09:30:31.532003410  RuntimeError: ..." under "...217      self.run()")."""
    own = _blanks_at(line, at)
    return own < _blanks_at(prev, at) and PY_TAIL_LINE.match(line, at + own) is not None


def _fills_a_column(prev: str, line: str, at: int) -> bool:
    """Whether a line's message, past its blanks, starts where the message of the line before goes on after its first
    word and two blanks or more: a column (a component's, padded) the line left empty, not an indent under the line
    before (Windows' setupact.log writes "..., Info    SP     Setup sub-phase change: ..." and, with no component,
    "..., Info           Setup Host: Initializing": the lines were one record). Not a line aligned under a later
    field (lm-sensors' "Composite:    +27.9°C  (low  = ..." over its "(crit = +84.8°C)": the reading's)."""
    col = len(line) - len(line[at:].lstrip(" "))
    return col < len(prev) and prev[col] not in " \t" and prev[col - 2 : col] == "  " and len(prev[at:col].split()) == 1


def _by_digit_key(memo: dict[str, int], head: str, find: Callable[[str], int], key: str | None = None) -> int:
    """``find(head)``, remembered in ``memo`` by the line's digit key (lines that differ in their digits only give
    the same answer); the memo is emptied when it holds MAX_DIGIT_KEYS."""
    if key is None:
        key = digit_key(head)
    got = memo.get(key)
    if got is None:
        if len(memo) >= MAX_DIGIT_KEYS:
            memo.clear()
        got = memo[key] = find(head)
    return got


def _placed(
    spans: list[tuple[str, int, int]], pieces: tuple[tuple[int, int, int, str], ...]
) -> list[tuple[str, int, int]] | None:
    """A put-together message's variables (``spans``, in the message) where they stand in the record: each must lie in
    one of the parts the message was made of (``ParsedRecord.pieces``), and takes the part's kind where it is the
    whole part (an HTTP status); None where one does not lie in a part."""
    out = []
    for kind, s, e in spans:
        piece = next(((ms, rs, n, k) for ms, rs, n, k in pieces if ms <= s and e <= ms + n), None)
        if piece is None:
            return None
        ms, rs, n, own = piece
        out.append((own if own and (s, e) == (ms, ms + n) else kind, rs + s - ms, rs + e - ms))
    return out


def _continued_in_short_runs(flags: Sequence[int | None]) -> bool:
    """Whether the lines without a time (flag 0, ``_line_flag``) that follow a timed line come in short runs: more
    of them sit in runs of at most CONTINUATION_RUN_LINES lines than in longer ones. Then each timed record is
    followed by a note (Celery's "Trying again in 2.00 seconds... (1/100)" under each connection error, while a
    banner and blank lines keep the timed lines a minority); a program's output with a time on some of its lines
    comes in longer runs. A run ends at a blank line or a line that leads a record; lines after a blank one
    are not counted (they are records of their own either way). A line that states a level right under a timed line
    is the second line of a two-line header, the timed line's: the lines after it go on with the run
    (java.util.logging's "WARNING: Mail delivery failed" under its time and logger, then the exception it logged)."""
    short = long = run = 0
    after_time = False
    for before, flag in pairwise(chain((-1,), flags, (-1,))):
        if flag == 0 or (flag == 2 and before == 1):
            run += flag == 0 and after_time
            continue
        if run <= CONTINUATION_RUN_LINES:
            short += run
        else:
            long += run
        run = 0
        after_time = flag == 1
    return short > long


def _in_timed_paragraphs(flags: Sequence[int | None]) -> bool:
    """Whether the lines come in paragraphs (runs between blank lines) that each open with the one timed line they
    hold, lines without a time under it, and such paragraphs of several lines hold most of the lines: reports
    written as a timed heading and their body (Erlang/OTP's "=ERROR REPORT==== 30-Nov-2026::08:00:07 ===" and the
    "** ..." lines under it). A paragraph's untimed lines are its record's."""
    paragraphs = lines = 0
    for blank, run in groupby(flags, (-1).__eq__):
        if blank:
            continue
        block = list(run)
        lines += len(block)
        if block[0] in (1, 4) and len(block) > 1 and not any(f in (1, 4) for f in islice(block, 1, None)):
            paragraphs += len(block)
    return paragraphs * 2 > lines and paragraphs > 0


_DIGIT_LEVEL = attrgetter("digit_level")
_ROWS = attrgetter("rows")


def _lines_up_to(text: str, n: int) -> int:
    """The lines of ``text``, counted no further than it takes to tell that it has ``n`` (a block of a whole file
    need not be counted to the end for the sample's first lines)."""
    head = text.count("\n", 0, n * 256)
    return head + 1 if head >= n else text.count("\n") + 1


def _sources_of(text: str, first_line: int, n: int, sources: SourceRuns) -> list[str | None]:
    """The sources of the first ``n`` non-empty records of a block whose first line is ``first_line`` (each record
    is as many lines as it joined)."""
    out: list[str | None] = []
    line = first_line
    for rec in text.split("\n"):
        if len(out) >= n:
            break
        if rec:
            out.append(sources.at(line))
        line += 1 + rec.count(JOIN)
    return out


def _last_timed(flags: Sequence[int | None], i: int, after: int) -> int:
    """The index of the last timed line (flags 1, 4, 5) before ``i`` and after ``after`` (``after``: none)."""
    for j in range(i - 1, after, -1):
        if flags[j] in (1, 4, 5):
            return j
    return after


def _first_lines(text: str, n: int) -> list[str]:
    """The lines of ``text`` up to its ``n``-th non-empty one at least (all of them where it has fewer), split no
    further than that where its first ``n`` lines are not empty (else the whole text: a block of blank lines, a
    gzip bomb of newlines, has no ``n``-th line soon)."""
    parts = text.split("\n", n)
    if len(parts) <= n:
        return parts
    if "" in parts[:n]:
        return text.split("\n")
    return parts[:n]


def _carry_forward(times: list[Any], none: int, last: float | None) -> None:
    """Each None in ``times`` (``none`` of them) takes the time before it (``last`` before the first), in Python steps
    only over the fewer of the two kinds: each record without a time where they are few (found by C-level searches),
    else each run of them filled at once up to the next timed record."""
    if 2 * none < len(times):
        for j in _positions(times, None):
            times[j] = times[j - 1] if j else last
        return
    start = 0
    for i in compress(range(len(times)), map(is_not, times, repeat(None))):
        if i > start:
            times[start:i] = repeat(last, i - start)
        last, start = times[i], i + 1
    if start < len(times):
        times[start:] = repeat(last, len(times) - start)


def _positions(items: Sequence[object], value: object) -> Iterator[int]:
    """The indices of ``value`` in ``items``, in order, found by C-level searches (``list.index``); the caller may
    change an item once its index was given."""
    i = -1
    while True:
        try:
            i = items.index(value, i + 1)
        except ValueError:
            return
        yield i


def _merge(into: list[int], agg: list[int]) -> None:
    """Add one shape's [count, first index, last index, first timed index or -1] to a group's."""
    into[0] += agg[0]
    into[1] = min(into[1], agg[1])
    into[2] = max(into[2], agg[2])
    if agg[3] >= 0 and (into[3] < 0 or agg[3] < into[3]):
        into[3] = agg[3]


FEW_SHAPES = 4  # a group of at most this many shapes finds its first records shape by shape (``_first_indices``)


def _example(text: str) -> str:
    """A record as an example holds it: its first EXAMPLE_CHARS characters, or up to the end of the field a JSON record
    states its cause in where that stands past them (an audit trail's "errorMessage" after 900 characters of who
    called what: the summary quotes it), within EXAMPLE_CAUSE_CHARS."""
    if len(text) <= EXAMPLE_CHARS or not text.startswith("{"):
        return text[:EXAMPLE_CHARS]
    end = cause_end(text)
    return text[: end if end is not None and EXAMPLE_CHARS < end <= EXAMPLE_CAUSE_CHARS else EXAMPLE_CHARS]


def _first_indices(infos: list[ShapeInfo], members: list[tuple[ShapeInfo, list[int]]], want: int) -> list[int]:
    """The first ``want`` record indices (in record order) of a group of shapes. Each shape's first and last
    index are known (``members``' aggregates); where a shape has records between them, one lazy C-level pass
    finds them, from the group's first record up to the ``want``-th of the known ones at most (a shape's own next
    record may lie far off, after the other shapes' first ones: no search per shape)."""
    if want <= 0:
        return []
    known = sorted({x for _info, agg in members for x in (agg[1], agg[2])})
    if all(agg[0] <= 2 for _info, agg in members):
        return known[:want]
    if len(members) <= FEW_SHAPES:
        # A few shapes: each one's first ``want`` records, by ``list.index`` (an identity test per record in C, a
        # quarter of the cost of the set test below); the group's first ``want`` are among them.
        found = []
        for info, (count, i, last, _t) in members:
            found.append(i)
            for _ in range(min(want, count) - 1):
                i = infos.index(info, i + 1, last + 1)
                found.append(i)
        return sorted(found)[:want]
    group = {info for info, _agg in members}
    hits = compress(
        range(known[0], len(infos)),
        map(group.__contains__, islice(infos, known[0], known[min(want, len(known)) - 1] + 1)),
    )
    return list(islice(hits, want))
