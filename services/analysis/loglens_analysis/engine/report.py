"""From aggregates to the ``AnalysisReport`` proto: templates, errors, exceptions, anomalies, summary."""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from loglens.v1 import report_pb2

from .analyzer import (
    FIRST_BIN_SECONDS,
    MAX_BINS,
    MAX_EXAMPLES,
    MAX_EXCEPTION_GROUPS,
    Analyzer,
    TimeBucket,
    Variant,
)
from .exceptions import fingerprint, is_frame_template
from .formats import FORMAT_HEADER, FORMAT_SYSLOG_3164, OUTCOME_PASSED, describe_format
from .levels import LEVELS, OUTCOME_WORDS, level_from_word, severity_rank
from .masking import HTTP_METHODS, TIME_WILDCARD, WIDE_KINDS, WILDCARD, message_tokens
from .miner import PAIRS, is_access_log, resolve_templates, template_id
from .records import JOIN, MAX_RECORD_CHARS, SHELL_SIGNAL_REPORT, ReadCounters
from .values import HEAVY_HITTERS_CAPACITY, PlaceholderStats

MAX_TEMPLATES = 1000
MAX_TOP_VALUES = 5
MAX_ANOMALIES = 50
MAX_ERROR_TEMPLATES = 20
MAX_TIMELINE = 50
TIMELINE_FIRST_ERRORS = 10  # first occurrences of the top-ranked error templates on the timeline
# Below this share of records with a time of their own, the file's times are only those records' (the overview says
# so) ...
TIMED_RANGE_SHARE = 0.5
# ... and below this one, no message's rate over time is found or told (its bursts, its pauses): fewer than one
# record in four carries a time, the others take the last one's over runs of many records (a test run's output).
# Untimed records between timed ones (uvicorn's access lines among its app's stamped JSON, 38 %) take a time near
# their own, and their bursts are real.
TIMED_RATE_SHARE = 0.25
LEVEL_ENUM = {
    "TRACE": report_pb2.LEVEL_TRACE,
    "DEBUG": report_pb2.LEVEL_DEBUG,
    "INFO": report_pb2.LEVEL_INFO,
    "NOTICE": report_pb2.LEVEL_NOTICE,
    "WARN": report_pb2.LEVEL_WARN,
    "ERROR": report_pb2.LEVEL_ERROR,
    "FATAL": report_pb2.LEVEL_FATAL,
}
SEVERITY_WEIGHT = {"WARN": 1.0, "ERROR": 3.0, "FATAL": 5.0}  # error ranking: weight x log2(1 + count) ...
# ... within a tier: a warning template never outranks an error template, however many records it has (a
# person on call reads the 4 errors before the 1,210 repeats of one warning), nor an error one a fatal one (a
# panic seen once and the child it killed before 3 failed connections to a database: Dovecot's).
SEVERITY_TIER = {"WARN": 0, "ERROR": 1, "FATAL": 2}
TEMPLATE_TEXT_CHARS = 80  # template text quoted in findings and the summary
RESTART_HEAD_SHARE = 0.05  # a banner in the first 5 % of the lines (or the first bucket) is the initial start
HEAD_OUT_OF_ORDER = 0.05  # ... by time only where at most this share of timed records go back in time
NEWEST_FIRST_SHARE = 0.9  # a file whose timed records go back in time this often (its first the latest, its last ...
# ... the earliest) is newest first, of this many timed records at least (``_newest_first``)
NEWEST_FIRST_MIN_RECORDS = 20
# Said in the parse quality's time assumptions (and the summary's overview) of such a file.
NEWEST_FIRST = (
    "records run newest first (nearly every timed record is earlier than the ones before it, as a log tool's export "
    "writes them): line numbers count from the newest record, so a message's first line is its latest record"
)
ANOMALY_BURST = report_pb2.ANOMALY_KIND_BURST
ANOMALY_ERROR_BURST = report_pb2.ANOMALY_KIND_ERROR_BURST
ANOMALY_SILENCE = report_pb2.ANOMALY_KIND_SILENCE
ANOMALY_RATE_CHANGE = report_pb2.ANOMALY_KIND_RATE_CHANGE
ANOMALY_RESTART = report_pb2.ANOMALY_KIND_RESTART
ANOMALY_SHUTDOWN = report_pb2.ANOMALY_KIND_SHUTDOWN
ANOMALY_RARE = report_pb2.ANOMALY_KIND_RARE_TEMPLATE
# Thresholds of the anomaly rules (listed in the package docstring). None is fitted to a data set: each
# is a plain statement ("5 times the bucket's mean", "at least 4 buckets long") chosen before measuring.
MIN_INTERIOR_BUCKETS = 32  # bucket rules need this many whole buckets (the first and last are partial)
BURST_MIN_TEMPLATE_COUNT = 20  # a template with fewer records has no meaningful per-bucket baseline
BURST_MIN_RECORDS = 10  # a burst holds at least this many records ...
BURST_FACTOR = 5.0  # ... and at least 5 x mean + 3 sigma (Poisson) + 5 records of its own baseline
BURST_SIGMAS = 3.0
BURST_MARGIN = 5.0
BURST_EXTEND_MARGIN = 1.0  # a bucket next to a burst joins its episode at mean + 3 sigma + 1 record of the baseline
# A failure too slow to fill one bucket past the bar (a dependency down for 20 minutes, an error or two a minute) is
# judged over 2, 4 and 8 adjacent whole buckets (up to an eighth of the file's span), by the same bar at that scale.
SLOW_BURST_SCALES = (2, 4, 8)
# A silence is a gap where the file's usual rate expects so many records that none coming is itself unlikely: none of
# x expected comes with chance e^-x (Poisson), and a file has about one gap per bucket, so x >= ln(buckets / 0.001)
# (11-12 records for 60-200 buckets; a fixed 30 missed a 26-minute outage in a log that writes once a minute) ...
SILENCE_MIN_BUCKETS = 4.0  # ... it lasts at least four bucket widths (3-6 % of the span) ...
SILENCE_MAX_CHANCE = 0.001  # ... and as many empty buckets in a row would come by chance < 1/1000 times
SILENCE_MIN_BASE_BUCKETS = 4  # ... the usual rate being the median of at least 4 whole buckets outside the gap
SILENCE_MIN_SHARE = 0.02  # (a gap of 2 % of the span at least is a candidate outage: its buckets leave the usual rate)
SILENCE_PAUSE_FACTOR = 4.0  # ... and 4 times the file's usual long pause (90th percentile of bucket-edge gaps)
RATE_CHANGE_FACTOR = 4.0  # a lull's rate is at most 1/4 of the rates before it and after it ...
RATE_CHANGE_MIN_SHARE = 0.125  # ... it and the stretches around it are at least 1/8 of the whole buckets ...
RATE_CHANGE_MIN_LLR = 25.0  # ... and the Poisson log-likelihood ratio of the lull is at least 25 ...
RATE_CHANGE_MIN_MISSING = 30.0  # ... where at least 30 records are missing against the lower of the two rates
RATE_CHANGE_MAX_LULLS = 2  # the strongest lulls that do not overlap
BANNER_MAX_COUNT = 10  # a start banner or stop message occurs once per start or stop: a few times ...
BANNER_MIN_SPACING = 50  # ... and at most once per 50 records of the file
STOP_THEN_START_LINES = 2  # a start right after a stop: the next line, or the one after a blank line
RARE_MIN_RECORDS = 1000  # rare templates are only reported in files of at least 1,000 records ...
RARE_MAX_COUNT = 2  # ... and are seen at most twice
MAX_OCCURRENCE_LINES = 10  # lines cited per restart or stop finding
INTERLEAVE_RECORDS = 2000  # held records with a process id read to tell whether processes write at once
EPISODE_BUCKETS = 4  # start (or stop) messages this many buckets apart or less belong to one start (stop)
NEAR_LINES = 100  # a stop and the start (or silence) next to it are at most this many lines apart
STOP_SEQUENCE_LINES = 20  # a start-worded message with a stop message this few lines after it is a step of a stop
ENVELOPE_MIN_TEMPLATES = 4  # a version most of (at least 4) templates' examples write is every record's, no banner's

# Generic English lifecycle words and POSIX signal names; no product names. A server's word that it is ready, "listening
# on" its address or "ready to accept connections" (sshd's "Server listening on 0.0.0.0 port 22.", MySQL's "ready for
# connections. Version: ..."), is a start's as much as "started". A start verb makes a banner
# only together with a version number (or when the template is the file's first record's, see below).
# A start word in square brackets is a state a record names (a shard's "s[STARTED]", a job's "[STARTED]"), not a
# process saying it started; nor one whose object is one of many things, an indefinite article before it (Tomcat's
# "The web application [ROOT] appears to have started a thread named [Timer-0] but has failed to stop it", written
# at every stop, was a process start). "Restarting" is said before the stop it announces, by what goes down (the
# kernel's last line, "reboot: Restarting system", was a restart's start, minutes before the boot's first line).
_START_VERB = re.compile(
    r"(?<!\[)\b(?:start(?:ing|ed)|start-?up|re-?started|boot(?:ing|ed)|launch(?:ing|ed)|initiali[sz](?:ing|ed))"
    r"\b(?!\])(?! an? )"
    r"|\b(?:listening (?:on|at)|ready (?:to accept|for) connections)\b",
    re.IGNORECASE,
)
# A date written with dots, its month and day in two digits ("logstash-2026.02.03", a daily index's name), is no
# version (a calendar version writes its numbers without zeros: "2023.3.0", "2024.12.1").
_DOTTED_DATE = r"(?:19|20)\d\d\.(?:0[1-9]|1[0-2])\.(?:0[1-9]|[12]\d|3[01])(?![.\d])"
# (Not three numbers in angle brackets: an Erlang process's id, "<0.2266.0>", in Couchbase's and RabbitMQ's headers.)
_VERSION = re.compile(
    rf"(?<![\w.<])(?!{_DOTTED_DATE})v?\d+\.\d+\.\d+(?![.\d>])|(?<![\w.])v\d+\.\d+(?![.\d])"
    r"|\bversion\b[\s:=\"']*v?\d",
    re.IGNORECASE,
)
# "<name> version 18.0": a version announcement, a banner by itself. A release's number has its parts: a whole number
# after the word is a count of changes (a Kubernetes object's '"version": "3571172"', a schema's "version 42"), which
# any record about that object writes.
_VERSION_ANNOUNCEMENT = re.compile(r"\bversion\b[\s:=\"']*v?\d+\.\d", re.IGNORECASE)
# Stop words in two strengths: a signal name, "shutting down", "exiting" say a process stops; the weaker
# ones ("shutdown", "stopped", ...) are often nouns or about a component, and only count where the file
# agrees (its tail, or a restart or a silence right after).
# A POSIX termination signal by name: a process that names one is being ended by it. Not SIGHUP: a daemon takes it
# as the order to reload its configuration or reopen its files (nginx's "signal 1 (SIGHUP) received from 512,
# reconfiguring"); one that ends on it says so ("exiting"), and systemd's status of a process it ended names it.
# systemd names the signal that ended a unit's process by its number and its short name ("code=killed,
# status=9/KILL", "code=dumped, status=11/SEGV"); a template masks the number.
_SIGNAL_STATUS = r"(?:\d+|<\*>)/"
# A termination signal received, named by its description as strsignal(3) and Go's os.Signal write it ("Got signal
# Terminated", "received signal: interrupt", quoted: dockerd's "Processing signal 'terminated'"), or by its short name
# (gunicorn's "Handling signal: term"), or the signal's description first (Prometheus' and Grafana Alloy's "interrupt
# received"). Not "killed": no process receives SIGKILL, and "signal: killed" is how a child's end is reported ("failed
# to retrieve runc version: signal: killed").
_SIGNAL_DESCRIBED = (
    r"\b(?i:(?:got|received|caught|handling|processing)\s+signal:?\s+['\"]?(?:terminated|interrupt|quit|term|int)"
    r"|(?:interrupt|termination)\s+(?:signal\s+)?received)\b"
)
# A signal the writer sends is another process's end, not its own: "sending SIGKILL job=1234 pid=5678" (an agent
# killing a job's process, a supervisor a child that would not stop) is no stop of the process that logs it.
_SENT = r"(?<!\b[Ss]end )(?<!\b[Ss]ending )(?<!\b[Ss]ent )"
_SIGNAL_NAME = re.compile(
    rf"{_SENT}\bSIG(?:TERM|INT|QUIT|KILL)\b|{_SIGNAL_STATUS}(?:TERM|INT|QUIT|KILL|HUP)\b|{_SIGNAL_DESCRIBED}"
)
# A stop of the run before this one, told as this one starts (Apache's "AH00098: pid file ... overwritten -- Unclean
# shutdown of previous Apache run?" at its first line was a stop there; "recovering from the last crash").
_OF_AN_EARLIER_RUN = re.compile(
    r"\b(?:shut ?down|stop|exit|crash|termination)\w*\s+(?:of|from|in)\s+(?:the\s+|its\s+)?(?:previous|last|prior)\b",
    re.IGNORECASE,
)
# An order to reload a process's configuration received (SIGHUP: "signal 1 (SIGHUP) received from 48211,
# reconfiguring", "Received SIGHUP, reloading"): what the process writes next is no start of it.
_RELOAD_ORDER = re.compile(
    r"\bSIGHUP\b[^.;\n]{0,20}\b(?:received|caught)\b|\b(?:got|received|caught|handling)\b[^.;\n]{0,20}\bSIGHUP\b",
    re.IGNORECASE,
)
_STOP_STRONG = re.compile(
    rf"{_SENT}\bSIG(?:TERM|INT|QUIT|KILL)\b|\b(?:shutting down|exiting)\b"
    rf"|{_SIGNAL_STATUS}(?-i:TERM|INT|QUIT|KILL|HUP)\b|{_SIGNAL_DESCRIBED}",
    re.IGNORECASE,
)
# A termination signal received, by its number (the numbers every POSIX system shares: SIGINT 2, SIGQUIT 3, SIGTERM 15;
# "received signal 15, stopping"): a template masks the number, its records hold it.
_SIGNAL_RECEIVED_NUMBER = re.compile(r"\b(?:got|received|caught)\s+signal:?\s+(?:2|3|15)(?![\w.])", re.IGNORECASE)


def _strong_stop(r: Rolled) -> bool:
    """Whether a template says a process stops in strong words (``_STOP_STRONG``), a shell's report that one died of a
    signal, or a termination signal received by number in one of its records."""
    return (
        _STOP_STRONG.search(r.text) is not None
        or SHELL_SIGNAL_REPORT.fullmatch(r.text.strip()) is not None
        or any(_SIGNAL_RECEIVED_NUMBER.search(text) for _ln, text in r.examples)
    )


# A start verb whose object is a stop ("Starting shutdown...", "Initiating graceful shutdown", "begin stopping",
# PostgreSQL's "checkpoint starting: shutdown immediate", a supervisor's "Starting clean up."): what starts is the
# stop. So is a message that opens with a stop's verb, whatever it names after it (Spring's "Closing
# ...XBeanBrokerFactory$1@5e9f23b4: startup date [...]": the context's startup date, told as it closes).
_STARTS_A_STOP = re.compile(
    r"\b(?:start(?:ing|ed|s)?|initiat(?:ing|ed|es?)|begin(?:ning|s)?):?\s+(?:[a-z]+\s+)?"
    r"(?:shut ?down|stop(?:ping)?|termination|exit(?:ing)?|clean-? ?up|tear-? ?down)\b"
    r"|^(?:closing|stopping|shutting down|terminating|exiting)\b",
    re.IGNORECASE,
)


# A stop word after "to" is a purpose or an instruction ("Press Ctrl+C to shut down", "failed to shutdown"), no stop;
# after a negation it says none came (Jest's "asynchronous operations that weren't stopped in your tests").
# Nor is a stop told in the passive with the time it came ("database system was shut down at 2024-03-13 22:01:44
# UTC", written by the start after it): a report of how the last run ended, not this one ending.
_STOP_WEAK = re.compile(
    r"(?<!\bto )(?<!\bnot )(?<!n't )(?<!\bnever )"
    r"\b(?:shut down|shutdown|terminating|terminated|exited|stopping|stopped)\b"
    r"(?<!\bwas shut down)(?<!\bwas stopped)(?<!\bwas terminated)(?<!\bwere stopped)"
    r"|\b(?:was|were) (?:shut down|stopped|terminated)\b(?! (?:at|on) (?:<\*>|\d))",
    re.IGNORECASE,
)
# A condition a clause states before its stop word: what would happen, no stop that came (Keycloak's "..., otherwise
# data may be lost if the application is terminated abruptly", written at every start: two stops and a "start after
# the stop").
_CONDITION = re.compile(r"\b(?:if|unless|whether|in case|until)\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[.;,:!?()]")


def _weak_stop(text: str) -> re.Match[str] | None:
    """The first stop word (``_STOP_WEAK``) a text states outside a condition (``_CONDITION`` earlier in its
    clause)."""
    for m in _STOP_WEAK.finditer(text):
        clause = _CLAUSE_END.split(text[: m.start()])[-1]
        if _CONDITION.search(clause) is None:
            return m
    return None


# The POSIX signals a process dies of by its own fault (the kernel or abort() sends them; no handler resumes
# it): a record naming one tells a crash, however often it comes (a crash loop writes it at every crash).
_CRASH_SIGNAL = re.compile(rf"\bSIG(?:SEGV|ABRT|BUS|ILL|FPE)\b|{_SIGNAL_STATUS}(?:SEGV|ABRT|BUS|ILL|FPE)\b")
# The same signals by number where a record writes it after the word (the numbers every POSIX system shares: SIGILL 4,
# SIGABRT 6, SIGFPE 8, SIGSEGV 11; "mysqld got signal 6 ;"): a template masks the number, its records hold it.
# A process's exit status of 128 + N tells that signal N ended it (the shells' convention, kept by container runtimes
# and supervisors: "app-1 exited with code 139", "Process exited with status 134", "returned non-zero exit status 139"):
# 132, 134, 135, 136, 139 are SIGILL, SIGABRT, SIGBUS, SIGFPE, SIGSEGV; a field of a process's end says it as well
# (a process manager's "'Bgp' (PID=2841, status=134) has terminated.", systemd's "code=exited, status=139").
# (A sentence's period may close the number: MaxScale's "received fatal signal 11. Commit ID: ...".)
_CRASH_SIGNAL_NUMBER = re.compile(
    r"\bsignal:? (?:4|6|8|11)(?!\w|\.\d)|\bexit(?:ed)?(?: with)? (?:status|code):? (?:132|134|135|136|139)(?!\w|\.\d)"
    r"|\bstatus=(?:132|134|135|136|139)(?!\w|\.\d)",
    re.IGNORECASE,
)
# The same signals as strsignal() and the shells describe them ("terminated by signal 11: Segmentation fault",
# the kernel's "segfault at 0 ip ...", "Aborted (core dumped)"): written when the signal came, not when a
# handler for it is set up, so they tell a crash at any level (a database's supervisor logs them at LOG). A process
# the system killed for want of memory dies as surely: the kernel's "Out of memory: Killed process 4242 (java)", a
# container's "OOMKilled". A bus error is SIGBUS's only where no word qualifies it: "general bus error", "PCI bus
# error" are a machine's hardware reporting (a memory controller's EDAC lines), not a process dying. Nor does a
# machine whose kernel panics go on: Linux's "Kernel panic - not syncing: Fatal exception" ends what it ran.
_CRASH_DESCRIBED = re.compile(
    r"\b(?:segmentation fault|segfault|(?<![A-Za-z] )bus error|illegal instruction|floating point exception"
    r"|core dumped|dumped core|kernel panic"
    r"|out of memory: kill(?:ed)? process|OOM ?killed)\b",
    re.IGNORECASE,
)
# A runtime's report of a crash its process ends with, opening the message: .NET's unhandled exception (whatever
# thread threw it), Rust's panic of the main thread ("thread 'main' panicked at ..."), Go's panic nothing recovered
# (in any goroutine; the runtime writes the goroutines' stacks after a blank line and exits with status 2: "panic:
# ...", maybe "[signal ...]", "", "goroutine 1 [running]:"). Not the JVM's 'Exception in thread "main"' (the JVM
# lives on while a thread main started runs), nor Ruby's report (written for a thread's death too), nor a "panic:
# ..." without the stacks (a program's message about one).
_ENDS_PROCESS = re.compile(r"Unhandled [Ee]xception[.:] \S|thread 'main' panicked at \S|panic: \S")
_GO_UNRECOVERED = re.compile(r"\n\ngoroutine \d+ \[")
# A C++ library's CHECK that failed, at its fatal level (glog's, Abseil's, Chromium's "Check failed: <condition>"):
# the library aborts the process after writing it (SIGABRT, "*** Check failure stack trace: ***"), as Go's runtime
# exits after an unrecovered "panic: ". (Kudu's "F0101 ... Check failed: _s.ok() Bad status: IO error: ... No space
# left on device" was a FATAL record, no crash: the server's end untold.)
_CHECK_FAILED = re.compile(r"Check failed: \S")


def _ends_process(message: str, example: str) -> bool:
    """The record (its template's ``message``, the text of one of its records ``example``) is a runtime's report of
    the crash its process ended with (``_ENDS_PROCESS``, ``_GO_UNRECOVERED``)."""
    m = _ENDS_PROCESS.match(message)
    return m is not None and (not m.group().startswith("panic: ") or _GO_UNRECOVERED.search(example) is not None)


# A line of pretty-printed data, not a message: brackets that open or close a block, or one member of a JSON object
# (a quoted key, a colon, a value or a block it opens, a comma). A program that prints a JSON document one line per
# record (a test's output in ``go test -json``, a client's dump of a response) makes each of its lines a template
# seen once or twice; none of them is a rare message.
# Generic English words a message states a failure with (a rare message that says one comes before one that does not).
# A word of a name in lower-case words joined by underscores is a function's or a variable's name ("handle_mm_fault",
# a frame of a kernel's call trace; "error_count"), not what the message states; a constant in capitals says an
# outcome ("ERR_CONNECTION_REFUSED"). Nor is a word with digits glued to it: a program's name ("fail2ban", as "ssh2");
# nor the name of a command line's option (``_OPTION``).
_FAILURE_WORDS = re.compile(
    # (A word joined to others by hyphens in lower case is part of a name: Quarkus' feature "smallrye-fault-tolerance",
    # an "error-handler" bean, a "non-fatal" flag; in capitals, a constant that says an outcome: "INFO-EVENTS-LOST".)
    r"(?<![A-Za-z])(?<!(?-i:[a-z0-9])_)(?<!(?-i:[a-z])-)"
    r"(?:error|errors|fail|failed|failure|fault|cannot|can't|unable|corrupt(?:ed|ion)?|mismatch|denied|"
    r"refused|rejected|abort(?:ed)?|panic|fatal|crash(?:ed)?|killed|timed out|timeout|lost|invalid|incorrect|"
    r"exceeded|unreachable|unresponsive|not responding|giving up|gave up)"
    r"(?![A-Za-z0-9])(?!_(?-i:[a-z0-9]))(?!\.\w)(?!-(?-i:[a-z]))"  # (a name's part before a dot is a name:
    # "Error.captureStackTrace")
    # A timeout a number follows is a setting's value, what a wait may take, not one that ran out (ZooKeeper's
    # "Established session 0x... with negotiated timeout 30000 for client ...", at every connect).
    r"(?<!timeout(?=[ \t]+(?:<\*>|\d)))"
    # So is a limit's count of times passed, a number after it (unbound's stats: "requestlist max 41 avg 2.13 exceeded
    # 0 jostled 0"); a limit passed is told before it or without one ("database space exceeded").
    r"(?<!exceeded(?=[ \t]+(?:<\*>|\d)))"
    # A word that names a field whose value is a number or varies ("failed=0" in a run's recap, "errors=<*>", a
    # setting's "negotiated timeout = 18000"), or one of a list of counts ("Failed:     0, Passed:   139, Skipped: 2",
    # a test run's) is a counter's or a field's name:
    # what the record says hangs on the value, not on the word (an error's code is no count: "error: 40 (UNC )").
    # So is one glued to its value by a colon that a blank or the end follows (slurmd's "error:0 status:0"), and a
    # plural's whose number ends the message or a clause of it (a count of them: BeeGFS's "Resync ... finished. Files
    # synced: 184221; ... errors: 0"; a singular's is a code: "Socket send error: 10053").
    r"(?![ \t]*=[ \t]*[\"']?(?:<\*>|\d)|:[ \t]*(?:<\*>|\d+),|:(?:<\*>|\d+)(?: |$)"
    r"|(?<=[sS]):[ \t]*(?:<\*>|\d+)[ \t]*(?:[;.]|$))"
    # An adverb after it that says the thing went as meant takes it back (Istio's agent's "Envoy aborted normally" as
    # its proxy exits on a pod's stop; "killed gracefully").
    r"(?![ \t]+(?:normally|cleanly|gracefully|as expected)(?![A-Za-z]))",
    re.IGNORECASE,
)


# A name in parentheses, each word capitalised: a category the message files itself under (a JVM's "[GC (Allocation
# Failure) ...", the cause of a routine collection), not a statement.
_TITLED_NAME = re.compile(r"\((?:[A-Z][a-z]+ )*[A-Z][a-z]+\)")


# A word that denies the failure word after it ("completed without error", "with no errors", "no failures"), an
# adverb or an article between them at most, and one word that says of what ("without any error", "No MCE errors.",
# rasdaemon's report of none; mcelog's "This is not a software error.").
# So does a check that looks for it ("Checking for fsck errors", "scanning for bad blocks": what is looked for, not
# what was found), and a count of none before it ("0 rejected by ip ratelimiting", unbound's stats), and "not" right
# before it ("quota not exceeded", "has not failed"; with a word between, the failure may be the word's: "File not
# found error").
_DENIED = re.compile(
    r"(?<![A-Za-z])(?:(?:without|no|zero|never)(?: (?:any|further|other|more))?|not (?:a|an|any)"
    r"|(?:check|checking|checks|scan|scanning|scans|look|looking|looks|search|searching|searches|test|testing|tests)"
    r" for(?: (?:any|possible|potential))?)"
    r"(?: [A-Za-z][\w-]*)? $|(?<![\w.])0 $|(?<![A-Za-z])not $",
    re.IGNORECASE,
)
_DENIAL_CHARS = 24  # how far before a failure word its denial is looked for


# A command line's option: a word after a dash or two that opens its token ("helm upgrade ... --timeout 10m", "curl
# --show-error", "dockerize -timeout 1m"), placeholders in it ("--<*>-client-connection-timeout='<*>'", a flag dump's),
# and its value after "=" or a blank ("vzdump ... --mailnotification failure": when mail is sent, no failure); a
# word's own dash is no option's ("INFO-EVENTS-LOST").
_OPTION = re.compile(r"(?<!\S)--?(?:[A-Za-z]|<\*>)(?:[\w-]|<\*>)*(?:=\S*| (?![-<])[^\s,;]+)?")


# The last count of a list of them ("Log - Default: 76, Info: 0, Debug: 0, Error: 7, Fault: 1", macOS log's totals):
# a name of a count, as the ones before it are (``_FAILURE_WORDS``).
_LAST_COUNT = re.compile(r":[ \t]*(?:<\*>|\d+)[ \t]*$")


def states_failure(text: str) -> bool:
    """Whether a message's words state a failure ("I/O 512 QID 3 timeout", "Killed process 4321"), at any level; not
    after a check mark that opens it (what passed: "✓ shows error", ``formats.OUTCOME_PASSED``), nor in a name in
    parentheses (``_TITLED_NAME``) or a command line's option (``_OPTION``: an echoed command's "--timeout 10m"), nor
    where a word denies it (``_DENIED``: a disk's "previous self-test completed without error" every half hour was 41
    failures), nor as the last part of a nested field's name whose value a JSON record's fields do not show (Suricata's
    stats document, "stats.capture.errors=<v> stats.decoder.invalid=<v>": counters, every minute a failure)."""
    if "(" in text:
        text = _TITLED_NAME.sub("", text)
    if "-" in text:
        text = _OPTION.sub("", text)
    return OUTCOME_PASSED.match(text) is None and any(
        _DENIED.search(text, max(0, m.start() - _DENIAL_CHARS), m.start()) is None
        and not (text[m.start() - 1 : m.start()] == "." and text.startswith("=<v>", m.end()))
        and not (text[m.start() - 2 : m.start()] == ", " and _LAST_COUNT.match(text, m.end()) is not None)
        for m in _FAILURE_WORDS.finditer(text)
    )


_DATA_LINE = re.compile(
    r'[\]\})]*,?[ \t]*(?:"[^"]*"[ \t]*:[ \t]*(?:"[^"]*"|[^\s"\[\]{}(),]+)?[ \t]*)?[\[{(]?[ \t]*[\]})]*,?'
)
_WORD = re.compile(r"[^\W\d_]+")  # a run of letters, in any script


HEADING_WORDS = 3  # a label closed by a colon, of at most this many words, heads the records after it


def says_nothing(text: str) -> bool:
    """Whether a template has no value and no word but a level's, or only a label closed by a colon: a tool's blank
    line or rule written at a level ("[ERROR]" between the lines of Maven's failure report, "[INFO] ------"; an
    outcome is a word: go test's last line "FAIL"), or
    the heading of the records that follow it ("[ERROR] Failures: "), the same text every time and no message of
    its own (not ranked among errors, not a rare message, not what a file mostly holds)."""
    if WILDCARD in text:
        return False
    words = [w for w in _WORD.findall(text) if level_from_word(w) is None or w.lower() in OUTCOME_WORDS]
    return not words or (text.rstrip().endswith(":") and len(words) <= HEADING_WORDS)


def heads_nothing(r: Rolled) -> bool:
    """Whether a template says nothing (``says_nothing``) in every record it holds: a label closed by a colon whose
    records go on over lines of no header says what follows it (dbt's "[error] [MainThread]: Encountered an error:"
    over "Database Error" and "250001 (08001): Failed to connect to DB ...": the run's failure, left out of the
    errors and the summary as a heading); one over lines that each open as it does is a list's heading (Maven's
    "[ERROR] Failures: " over "[ERROR]   OrderServiceTest.should...:87 expected ...", items told of their own)."""
    return says_nothing(r.text) and not any(_goes_on_unheaded(text) for _ln, text in r.examples)


def _goes_on_unheaded(text: str) -> bool:
    """Whether a record's text has lines after its first that do not open with its first line's first word."""
    lines = text.replace(JOIN, "\n").split("\n")
    opening = lines[0].split(None, 1)[0] if lines[0].strip() else ""
    return any(not (opening and line.startswith(opening)) for line in lines[1:] if line.strip())


# The order in which anomalies are ranked (for a person on call), then by score; caps cut this order.
KIND_RANK = {
    report_pb2.ANOMALY_KIND_ERROR_BURST: 0,
    report_pb2.ANOMALY_KIND_SILENCE: 1,
    report_pb2.ANOMALY_KIND_RESTART: 2,
    report_pb2.ANOMALY_KIND_SHUTDOWN: 3,
    report_pb2.ANOMALY_KIND_RATE_CHANGE: 4,
    report_pb2.ANOMALY_KIND_BURST: 5,
    report_pb2.ANOMALY_KIND_RARE_TEMPLATE: 6,
}


def _ts(epoch: float | None) -> Timestamp | None:
    if epoch is None:
        return None
    t = Timestamp()
    seconds = math.floor(epoch)
    t.seconds = int(seconds)
    t.nanos = round((epoch - seconds) * 1e9) % 1_000_000_000
    return t


def _put(dst: Timestamp, epoch: float | None) -> None:
    t = _ts(epoch)
    if t is not None:
        dst.CopyFrom(t)


def iso(epoch: float | None) -> str:
    """A time as the report writes it: RFC 3339 in UTC ("2025-08-21T07:34:09Z"), "?" where there is none."""
    t = _ts(epoch)
    return t.ToJsonString() if t is not None else "?"


@dataclass(eq=False, slots=True)
class Rolled:
    """A final template: the variants it rolled up."""

    text: str
    id: str
    variants: list[Variant] = field(default_factory=list)
    count: int = 0
    first_line: int = 0
    last_line: int = 0
    first_time: float | None = None
    last_time: float | None = None
    levels: dict[str, int] = field(default_factory=dict)
    # level -> its first record (line, time, text)
    level_first: dict[str, tuple[int, float | None, str]] = field(default_factory=dict)
    level_last: dict[str, tuple[int, float | None]] = field(default_factory=dict)  # level -> its last record
    bins: dict[int, list[Any]] = field(default_factory=dict)  # bucket -> [records, first line, its time]
    examples: list[tuple[int, str]] = field(default_factory=list)
    cluster_index: int = -1
    quote: str = ""  # the text as findings quote it (``quotes``: shortened, and apart from the other templates')

    def all_at_least(self, level: str) -> bool:
        """Whether every record of the template is at ``level`` or worse (records of no level are at none)."""
        rank = severity_rank(level)
        return sum(c for lv, c in self.levels.items() if severity_rank(lv) >= rank) == self.count

    def max_level(self) -> str | None:
        present = [lv for lv, c in self.levels.items() if c]
        return max(present, key=severity_rank) if present else None


def roll_up(an: Analyzer) -> tuple[list[Rolled], dict[int, Rolled]]:
    """Final templates (most frequent first, ties by first line) and a map variant id -> template."""
    clusters = an.miner.finish()
    variants = an.variants()
    by_cluster: dict[int, dict[tuple[str, ...], int]] = {}
    level_of: dict[int, dict[tuple[str, ...], str | None]] = {}  # each variant's one level (None: none or several)
    for v in variants:
        root = v.cluster.root()
        d = by_cluster.setdefault(root.index, {})
        d[v.tokens] = d.get(v.tokens, 0) + v.count
        one = next(iter(v.levels)) if len(v.levels) == 1 and sum(v.levels.values()) == v.count else None
        lv = level_of.setdefault(root.index, {})
        lv[v.tokens] = one if lv.get(v.tokens, one) == one else None
    firsts: dict[str, int] = {}
    for v in variants:
        if v.tokens:
            firsts[v.tokens[0]] = firsts.get(v.tokens[0], 0) + v.count
    final = resolve_templates(clusters, by_cluster, level_of, requests=is_access_log(firsts))
    rolled: dict[str, Rolled] = {}
    of_variant: dict[int, Rolled] = {}
    for v in sorted(variants, key=lambda x: x.first_line):
        root = v.cluster.root()
        text = final[(root.index, v.tokens)]
        r = rolled.get(text)
        if r is None:
            r = rolled[text] = Rolled(text, template_id(text), cluster_index=root.index)
            r.first_line = v.first_line
            r.first_time = v.first_time
        r.variants.append(v)
        r.count += v.count
        r.last_line = max(r.last_line, v.last_line)
        if v.first_time is not None and (r.first_time is None or v.first_time < r.first_time):
            r.first_time = v.first_time
        if v.last_time is not None and (r.last_time is None or v.last_time > r.last_time):
            r.last_time = v.last_time
        for k, c in v.levels.items():
            r.levels[k] = r.levels.get(k, 0) + c
        for k, first in v.level_first.items():
            if k not in r.level_first or first[0] < r.level_first[k][0]:
                r.level_first[k] = first
        for k, last in v.level_last.items():
            if k not in r.level_last or last[0] > r.level_last[k][0]:
                r.level_last[k] = last
        for b, (c, fl, ft) in v.bins.items():
            x = r.bins.get(b)
            if x is None:
                r.bins[b] = [c, fl, ft]
            else:
                x[0] += c
                if fl < x[1]:
                    x[1], x[2] = fl, ft
        r.examples = sorted(r.examples + v.examples)[:MAX_EXAMPLES]
        of_variant[id(v)] = r
    for r in rolled.values():
        _show_most_severe(r)
    ordered = sorted(rolled.values(), key=lambda r: (-r.count, r.first_line))
    for r, quoted in zip(ordered, quotes([r.text for r in ordered]), strict=True):
        r.quote = quoted
    return ordered, of_variant


def _show_most_severe(r: Rolled) -> None:
    """A template whose records are not all at its most severe level shows its first record at that level among
    its examples (in place of its last example): a template ranked an error is read through its examples, and its
    first records may be at another level or at none (a message of one word, "/system/bin/sgdisk" at VERBOSE,
    shares "<*>" with a crash's single words at FATAL)."""
    lv = r.max_level()
    if lv is None or r.levels[lv] == r.count:
        return
    line, _when, text = r.level_first[lv]
    if all(ln != line for ln, _text in r.examples):
        r.examples = sorted([*r.examples[: MAX_EXAMPLES - 1], (line, text)])


def shorten(text: str, limit: int = TEMPLATE_TEXT_CHARS) -> str:
    """A template or message on one line, cut to ``limit`` characters (an ellipsis marks the cut); a chain of wrapped
    errors keeps its last links (``_chain_cut``)."""
    t = " ".join(text.split())
    if len(t) <= limit:
        return t
    return _chain_cut(t, limit) or t[: limit - 1] + "\u2026"


_CLOSING = {c: o for o, c in PAIRS.items() if o in "([{"}  # a closing bracket -> its opening one


def _chain_cut(text: str, limit: int) -> str | None:
    """A chain of wrapped errors, each adding its context before a colon ("starting kubernetes: preparing server: failed
    to start etcd: etcdserver: mvcc: database space exceeded", as Go's "%w" and many others write them), cut in its
    middle: its first link, an ellipsis, then as many of its last links as fit, where the innermost cause is. Links
    are split at ": " outside brackets and quotes (a quoted URL's or an address's colons stay); None where the text is
    not such a chain (fewer than three links, or links that are no phrases of context) or not even its last link
    fits."""
    links: list[str] = []
    depth: list[str] = []
    quote = ""
    start = 0
    for i, c in enumerate(text):
        if quote:
            quote = "" if c == quote else quote
        elif c in "\"'" and (i == 0 or not text[i - 1].isalnum()):
            quote = c
        elif c in "([{":
            depth.append(c)
        elif c in _CLOSING:
            if not depth or depth.pop() != _CLOSING[c]:
                return None
        elif c == ":" and not depth and text.startswith(": ", i):
            links.append(text[start:i])
            start = i + 2
    links.append(text[start:])
    # A wrapped error's context is a phrase in lower case ("preparing server", "failed to start etcd", "mvcc"): links
    # that open otherwise are a record's fields or a sentence's parts ("Tests run: 8, Failures: 1", "G1 Eden Space:
    # 301989888 -> 0; G1 Old Gen: ...", "sd 2:0:0:0: [sdb] tag#3 FAILED Result: ..."), no chain.
    if len(links) < 3 or quote or depth or not all(link[:1].islower() and ", " not in link for link in links[1:-1]):
        return None
    head = links[0] + ": \u2026 "
    for k in range(2, len(links)):
        tail = ": ".join(links[k:])
        if len(head) + len(tail) <= limit:
            return head + tail
    return None


def quotes(texts: list[str], limit: int = TEMPLATE_TEXT_CHARS) -> list[str]:
    """Each text as a finding quotes it: shortened (``shorten``), but where two texts would be cut to the same words
    (a long message whose wordings differ only past the cut: "... for instance with vm_state building and ..." /
    "... vm_state active ..."), each keeps its head and then the words from where it parts from the others, so two
    lines of a summary never quote the same text for different templates."""
    out = [shorten(t, limit) for t in texts]
    cut: dict[str, list[int]] = {}
    for i, q in enumerate(out):
        if len(q) < len(" ".join(texts[i].split())):  # (cut at its end, or in its middle: ``_chain_cut``)
            cut.setdefault(q, []).append(i)
    for same in cut.values():
        if len(same) < 2:
            continue
        flat = [" ".join(texts[i].split()) for i in same]
        for k, i in enumerate(same):
            parts = min(_shared(flat[k], o) for j, o in enumerate(flat) if j != k)
            out[i] = _apart(flat[k], parts, limit)
    return out


def _shared(a: str, b: str) -> int:
    """How many characters two texts start with alike."""
    k = 0
    while k < len(a) and k < len(b) and a[k] == b[k]:
        k += 1
    return k


def _apart(text: str, parts: int, limit: int) -> str:
    """``text`` cut to ``limit`` characters around where it parts from the others (at ``parts``, the first character
    where one of them differs): its head, an ellipsis, then its words from a little before that point (an ellipsis
    where more follows)."""
    head = limit // 3
    room = limit - head - 4
    start = max(head, text.rfind(" ", head, max(head, parts - room // 4)) + 1)
    rest = text[start : start + room]
    words = text.rfind(" ", limit // 6, head)  # the head ends with a whole word where it can
    return text[: words if words > 0 else head] + " \u2026 " + rest + ("\u2026" if start + room < len(text) else "")


def duration(seconds: float) -> str:
    """A length of time for a person: "45 s", "78 min", "3 h 5 min", "2 d 4 h"."""
    s = round(seconds)
    if s < 120:
        return f"{s} s"
    m = s // 60
    if m < 120:
        return f"{m} min"
    h, m = divmod(m, 60)
    if h < 48:
        return f"{h} h {m} min"
    d, h = divmod(h, 24)
    return f"{d} d {h} h"


@dataclass(slots=True)
class Finding:
    """An anomaly before it becomes a proto (kept for the timeline and the summary)."""

    kind: report_pb2.AnomalyKind.ValueType
    template: Rolled | None
    start: float | None
    end: float | None
    count: int
    baseline: float
    score: float
    lines: list[int]
    description: str
    # A finding a process's start explains (``_mark_start_sequences``, and a rare message first seen in the
    # file's first bucket): ranked after the others of its kind.
    routine: bool = False
    # What a finding tells where another tells it (``_outages``): a restart without a template (a process id changed),
    # the records a silence's gap holds ("no records between line 79 (...) and line 80 (...)").
    event: str = ""
    # A stop that is a process's death (``_crash``): ranked before the stops of its kind that were asked for (a
    # machine's reboot by its operator, told by five messages, had put two OOM kills in "3 more stops").
    crash: bool = False

    def rank(self) -> tuple[int, bool, bool, float, int]:
        """Sort key: kind (``KIND_RANK``), then routine last, then crashes first, then score (higher first), then
        line."""
        return (KIND_RANK[self.kind], self.routine, not self.crash, -self.score, self.lines[0] if self.lines else 0)


@dataclass(frozen=True, slots=True)
class Buckets:
    """The file's time buckets (``Analyzer.buckets``). The first and the last are partial (the file
    starts and ends inside them): only the *whole* ones in between feed burst and rate rules."""

    origin: float
    width: int
    count: int
    bins: dict[int, TimeBucket]

    @classmethod
    def of(cls, an: Analyzer) -> Buckets | None:
        if not an.buckets or an.origin is None:
            return None
        return cls(an.origin, an.bin_seconds, max(an.buckets) + 1, an.buckets)

    @property
    def whole(self) -> range:
        return range(1, self.count - 1)

    def start(self, b: int) -> float:
        return self.origin + b * self.width


def _burst_limit(mean: float) -> float:
    return max(BURST_MIN_RECORDS, BURST_FACTOR * mean + BURST_SIGMAS * math.sqrt(mean) + BURST_MARGIN)


def _surprise(observed: float, expected: float) -> float:
    """The Poisson log-likelihood ratio of ``observed`` records where ``expected`` were due: how surely and
    by how much a count departs from its baseline (it grows with the excess, and with the ratio only as its
    logarithm)."""
    return _xlogx(observed, expected) - (observed - expected)


def _runs(hits: list[tuple[int, int, int]]) -> list[list[tuple[int, int, int]]]:
    """(bucket, count, first line) in bucket order, grouped into runs of adjacent buckets."""
    runs: list[list[tuple[int, int, int]]] = []
    for h in hits:
        if runs and runs[-1][-1][0] + 1 == h[0]:
            runs[-1].append(h)
        else:
            runs.append([h])
    return runs


def _burst_buckets(series: list[tuple[int, int, int]], n: int) -> list[tuple[int, int, int]]:
    """A series' burst buckets (``_burst_limit``). ``series`` holds (bucket, count, first line) of the whole buckets
    with records, of ``n`` whole buckets. A first pass against the mean of all, then the bursts against the mean
    without that pass's bursts (a storm must not raise the bar it is measured against: 539 errors in 3 s of a 51 s
    file made a mean of 11.5 per second, and the storm's first second, 37 errors, stayed below it)."""
    total = sum(c for _b, c, _l in series)
    limit = _burst_limit(total / n)
    first = [h for h in series if h[1] >= limit]
    if not first:
        return []
    limit = _burst_limit((total - sum(c for _b, c, _l in first)) / max(1, n - len(first)))
    hits = [h for h in series if h[1] >= limit]
    if not hits:
        return []
    # A burst's episode reaches over the buckets next to it that are still clearly above the baseline (a second,
    # lower bar: hysteresis): a storm of 33 records over five buckets (5, 7, 4, 14, 3 where 0.15 was usual) is one
    # episode from its first record, not the one bucket over the bar with its neighbours counted as the rest.
    mean = (total - sum(c for _b, c, _l in hits)) / max(1, n - len(hits))
    low = mean + BURST_SIGMAS * math.sqrt(mean) + BURST_EXTEND_MARGIN
    by_bucket = {h[0]: h for h in series}
    found = {h[0] for h in hits}
    for b in sorted(found):
        for step in (-1, 1):
            x = b + step
            while x not in found and (h := by_bucket.get(x)) is not None and h[1] >= low:
                found.add(x)
                x += step
    return [by_bucket[b] for b in sorted(found)]


def _slow_episodes(series: list[tuple[int, int, int]], n: int, taken: set[int]) -> list[list[tuple[int, int, int]]]:
    """Episodes no single bucket shows (``_burst_buckets``): windows of s adjacent whole buckets (``SLOW_BURST_SCALES``)
    holding at least ``_burst_limit`` of what the rest of the file's whole buckets write over s buckets, each cut to
    its busy buckets. The most surprising first (``_surprise``); none overlapping another or a bucket already told
    (``taken``); windows that touch are one episode (one outage longer than a window). ``series`` holds (bucket,
    count, first line) of the busy whole buckets, of ``n`` whole buckets numbered from 1."""
    total = sum(c for _b, c, _l in series)
    if total < BURST_MIN_RECORDS:
        return []
    by_bucket = {h[0]: h for h in series}
    pre = [0, *itertools.accumulate(by_bucket[b][1] if b in by_bucket else 0 for b in range(1, n + 1))]
    found: list[tuple[float, int, int]] = []
    for s in SLOW_BURST_SCALES:
        if 2 * s > n:
            break
        for i in range(n - s + 1):
            inside = pre[i + s] - pre[i]
            if inside < BURST_MIN_RECORDS:
                continue
            expected = (total - inside) / (n - s) * s
            if inside >= _burst_limit(expected):
                found.append((-_surprise(inside, max(expected, s / n)), i + 1, i + 1 + s))
    windows: list[tuple[int, int]] = []
    for _neg, lo, hi in sorted(found):
        if any(b in taken for b in range(lo, hi)) or any(lo < b and a < hi for a, b in windows):
            continue
        windows.append((lo, hi))
    episodes: list[list[tuple[int, int, int]]] = []
    last_hi = None
    for lo, hi in sorted(windows):
        busy = [by_bucket[b] for b in range(lo, hi) if b in by_bucket]
        if episodes and last_hi == lo:
            episodes[-1] += busy
        else:
            episodes.append(busy)
        last_hi = hi
    return episodes


def _burst_findings(
    bk: Buckets,
    series: list[tuple[int, int, int]],
    episodes: list[list[tuple[int, int, int]]],
    what: str,
    kind: report_pb2.AnomalyKind.ValueType,
    r: Rolled | None,
    first_times: dict[int, float],  # bucket -> the time of the series' first line in it (the line cited)
    errors_of: Sequence[Rolled] = (),  # an error burst's candidates for the message most of it wrote
) -> list[Finding]:
    """One finding per run of adjacent burst buckets: one episode, told once (a storm over three buckets
    is one storm, not three), with its total, its whole span and its first line. Scored by how far the
    episode's total departs from what its baseline expects over its buckets (``_surprise``), not by the
    ratio of its peak to its baseline: 1,156 records where 58 were expected outrank 11 where 0.2 were. The baseline is
    the series' mean over the whole buckets outside the episode: what "the rest of the file" says it is (a series
    of several episodes has its other episodes in it; without them a bursty template's rest read 0.0 per bucket where
    it wrote 107 records)."""
    out = []
    w = bk.width
    n = len(bk.whole)
    series_total = sum(c for _b, c, _l in series)
    for run in episodes:
        first, last = run[0][0], run[-1][0]
        width = last - first + 1  # (a slow episode may have quiet buckets inside it)
        total = sum(c for _b, c, _l in run)
        mean = (series_total - total) / max(1, n - width)
        line = run[0][2]
        t = first_times.get(run[0][0])
        at = f"line {line}" + ("" if t is None else f" ({iso(t)})")
        span = f"the {duration(w)}" if first == last else f"the {duration(w * width)} ({width} buckets)"
        if mean >= 0.1:
            rest = f"{mean:.1f} per {duration(w)} in the rest of the file"
        else:  # a rate that rounds to 0.0 reads as none: the count says what it is
            others = series_total - total
            said = "none" if not others else f"{others} {'record' if others == 1 else 'records'}"
            # (Over the whole buckets, as the rate is: records in the file's first and last, partial, buckets are
            # not in the count.)
            rest = f"{said} in the rest of the file's whole buckets ({n - len(run)})"
        most = ""
        if errors_of:
            # The message most of an error burst's records wrote, where one did ("IJ000604: Throwable while attempting
            # to get a new connection: ...": what failed, not only that something did).
            n_of, top = max((sum(x[0] for b, x in e.bins.items() if first <= b <= last), e.quote) for e in errors_of)
            if total >= n_of and 2 * n_of > total:
                most = f', most of them "{top}" ({n_of})'
        desc = (
            f"{what}: {total} {'ERROR/FATAL records' if kind == ANOMALY_ERROR_BURST else 'records'}{most} in {span} "
            f"from {iso(bk.start(first))}, first at {at}, against {rest}"
        )
        # A series seen only in its bursts has a baseline below one record over the whole buckets.
        score = round(_surprise(total, max(mean, 1 / len(bk.whole)) * width), 2)
        lines = [line, *(fl for _b, _c, fl in run[1:MAX_OCCURRENCE_LINES])]
        out.append(Finding(kind, r, bk.start(first), bk.start(last + 1), total, round(mean, 3), score, lines, desc))
    return out


def _bursts(bk: Buckets, templates: list[Rolled]) -> list[Finding]:
    """Buckets far above their own baseline (``_burst_limit``): the file's ERROR/FATAL records (cited at
    the first error record of the bucket), and a template's records (an error template's burst in a
    bucket that already has an error burst is told by that one). Whole buckets only; adjacent burst buckets
    of one series are one finding (``_burst_findings``)."""
    out: list[Finding] = []
    whole = bk.whole
    n = len(whole)
    if n < MIN_INTERIOR_BUCKETS:
        return out
    inner_err = [(b, x.errors, x.first_error_line) for b in whole if (x := bk.bins.get(b)) is not None and x.errors]
    hits = _burst_buckets(inner_err, n)
    error_buckets = {b for b, _c, _l in hits}
    episodes = _runs(hits) + _slow_episodes(inner_err, n, error_buckets)
    error_buckets.update(b for run in episodes for b in range(run[0][0], run[-1][0] + 1))
    # (Statements every record of which is an error: a template's buckets count all its records, and a route's
    # requests that failed now and then are mostly answered well.)
    errors_of = [r for r in templates if r.all_at_least("ERROR")]
    first_errors = {b: x.first_error_time for b, x in bk.bins.items() if x.errors}
    out += _burst_findings(bk, inner_err, episodes, "error burst", ANOMALY_ERROR_BURST, None, first_errors, errors_of)
    for r in templates:
        if r.count < BURST_MIN_TEMPLATE_COUNT or says_nothing(r.text):
            continue  # (nor a flood of lines that say nothing: a serial monitor's empty lines, "14:07:22.100 -> ")
        is_error = severity_rank(r.max_level()) >= severity_rank("ERROR")
        inner = [(b, c, fl) for b, (c, fl, _t) in sorted(r.bins.items()) if b in whole]
        hits = [h for h in _burst_buckets(inner, n) if not (is_error and h[0] in error_buckets)]
        episodes = _runs(hits)
        if states_failure(r.text) or r.all_at_least("WARN"):
            # (Slow episodes of failures only: a statement every record of which is one, by its level or by its words
            # at any level, MongoDB's "Heartbeat failed after max retries" at I, BIND's "query failed (timed out)" at
            # info. Routine messages that gather slowly are a rate, not an incident, and so are requests that failed
            # now and then.)
            told = {b for b, _c, _l in hits} | (error_buckets if is_error else set())
            episodes += _slow_episodes(inner, n, told)
        out += _burst_findings(
            bk, inner, episodes, f'burst of "{r.quote}"', ANOMALY_BURST, r, {b: x[2] for b, x in r.bins.items()}
        )
    return out


# A gap between busy buckets: the buckets before and after it, the lines it lies between and their times.
_Gap = tuple[int, int, int, int, float, float]


def _silences(bk: Buckets) -> list[Finding]:
    """Gaps between two consecutive records (the last of one bucket, the first of the next busy one) where the
    file's usual rate would have written so many records that none coming is itself a chance below
    ``SILENCE_MAX_CHANCE`` among the file's buckets (e^-expected x buckets), and that no usual pause of the
    file explains: an outage. The usual rate is the median count of the whole buckets outside all candidate gaps
    (at least ``SILENCE_MIN_BASE_BUCKETS`` of them), so long outages do not hide themselves by emptying most
    buckets. A gap is unusual in either of two ways:

    - it is at least ``SILENCE_MIN_BUCKETS`` buckets long, and its run of empty buckets is one that the file's
      share of empty buckets would give by chance less than ``SILENCE_MAX_CHANCE`` times;
    - or it is ``SILENCE_PAUSE_FACTOR`` times the file's usual long pause: the 90th percentile of the gaps that
      cross a bucket edge (one per pair of busy buckets next to each other in time; a file that keeps pausing for
      that long has long usual pauses). Short outages in long files (a 35-minute stop in a day's log is two or
      three bucket widths; a 26-minute one in a day's log written every 70 s, 22 records missing, is 2 % of its
      span: no share of the span is asked, the records missing say how unlikely it is) are seen this way.

    A file that often pauses reports no pause. Gaps shorter than a bucket are not seen (they fall inside one);
    longer ones are measured exactly, between the times of the cited lines. The usual rate leaves out the
    buckets inside the gaps of at least ``SILENCE_MIN_BUCKETS`` widths or ``SILENCE_MIN_SHARE`` of the span
    (candidates for a long outage), not those inside every gap a bucket long (a sparse file's empty buckets are
    its usual rate)."""
    whole = bk.whole
    if len(whole) < MIN_INTERIOR_BUCKETS:
        return []
    busy = sorted(bk.bins)
    span = bk.bins[busy[-1]].last_time - bk.bins[busy[0]].first_time
    shortest = min(SILENCE_MIN_BUCKETS * bk.width, SILENCE_MIN_SHARE * span)
    crossing: list[float] = []
    gaps = []
    for a, b in itertools.pairwise(busy):
        last_line, next_line = bk.bins[a].last_line, bk.bins[b].first_line
        t0, t1 = bk.bins[a].last_time, bk.bins[b].first_time
        if next_line <= last_line:
            continue
        crossing.append(t1 - t0)
        if t1 - t0 >= bk.width:
            gaps.append((a, b, last_line, next_line, t0, t1))
    inside = {x for a, b, _l, _n, t0, t1 in gaps if t1 - t0 >= shortest for x in range(a + 1, b)}
    outside = sorted(bk.bins[x].records if x in bk.bins else 0 for x in whole if x not in inside)
    if len(outside) < SILENCE_MIN_BASE_BUCKETS:
        return _lone_silence(bk, [g for g in gaps if g[5] - g[4] >= shortest], crossing)
    median = outside[len(outside) // 2]
    crossing.sort()
    # No bucket edge crossed in line order (records out of time order): no usual pause to tell one from.
    usual_pause = crossing[int(0.9 * (len(crossing) - 1))] if crossing else math.inf
    # Chance that a whole bucket is empty (Laplace-smoothed): k empty buckets in a row somewhere among the
    # file's n happen about n * p_empty**k times by chance (a file that often pauses has no outages).
    empty = sum(1 for x in whole if x not in bk.bins)
    p_empty = (empty + 1) / (len(whole) + 2)
    found: list[_Gap] = []
    evidence = math.log(len(whole) / SILENCE_MAX_CHANCE)
    for a, b, last_line, next_line, t0, t1 in gaps:
        gap = t1 - t0
        expected = gap * median / bk.width
        if expected < evidence:
            continue
        by_chance = len(whole) * p_empty ** sum(1 for x in range(a + 1, b) if x in whole)
        long_and_unlikely = gap >= SILENCE_MIN_BUCKETS * bk.width and by_chance <= SILENCE_MAX_CHANCE
        if not long_and_unlikely and gap < SILENCE_PAUSE_FACTOR * usual_pause:
            continue
        found.append((a, b, last_line, next_line, t0, t1))
    return [_silence(bk, chain, median) for chain in _broken_silences(bk, found, median)]


def _lone_silence(bk: Buckets, long: list[_Gap], crossing: list[float]) -> list[Finding]:
    """The silence of a file busy for too short a time to have a usual rate, few whole buckets outside its one long
    gap: a CI job's log that writes its tests' output in 40 seconds, then nothing for 17 minutes until the runner's
    timeout cancels the job (the hang the job died of was told nowhere). The gap is a silence where it is the only
    one of ``_silences``'s candidate length, ``SILENCE_PAUSE_FACTOR`` times as long as every other pause between busy
    buckets, the records before it are enough to be a rate (as many as ``_silences`` asks a gap to miss; their count
    per busy bucket is the rate told) and those after it a ``SILENCE_PAUSE_FACTOR``-th of them at most: the file's
    end, not a second run of a job that runs now and then (a backup's log of two nights, its pause between them). Not
    where records that wrote no time come before the gap (a training's output under its launcher's last timed line:
    they were written during it)."""
    if len(long) != 1:
        return []
    a, _b, last_line, _next, t0, t1 = long[0]
    if 0 < bk.bins[a].last_timed_line < last_line:
        return []  # lines that wrote no time stand before the gap: written anywhere in it, no silence told
    others = sorted(crossing)
    others.remove(t1 - t0)
    if others and t1 - t0 < SILENCE_PAUSE_FACTOR * others[-1]:
        return []
    before = [bk.bins[x].records for x in sorted(bk.bins) if x <= a]
    after = sum(bk.bins[x].records for x in bk.bins if x > a)
    evidence = math.log(len(bk.whole) / SILENCE_MAX_CHANCE)
    rate = sum(before) // len(before)
    if sum(before) < evidence or (t1 - t0) * rate / bk.width < evidence or after * SILENCE_PAUSE_FACTOR > sum(before):
        return []
    return [_silence(bk, [long[0]], rate)]


def _broken_silences(bk: Buckets, found: list[_Gap], median: int) -> list[list[_Gap]]:
    """Silences (in time order) broken only by a bucket that holds fewer records than the file's usual rate are one
    (a controller that writes nothing for 20 minutes but its heartbeat's "node041 not responding" every 5: one
    stretch of 20 minutes, not four silences of 5)."""
    chains: list[list[_Gap]] = []
    for gap in found:
        if chains and chains[-1][-1][1] == gap[0] and bk.bins[gap[0]].records < median:
            chains[-1].append(gap)
        else:
            chains.append([gap])
    return chains


def _silence(bk: Buckets, chain: list[_Gap], median: int) -> Finding:
    """The finding of a silence (``chain``: one gap, or gaps broken only by a few records, ``_broken_silences``)."""
    last_line, t0 = chain[0][2], chain[0][4]
    next_line, t1 = chain[-1][3], chain[-1][5]
    gap = t1 - t0
    expected = gap * median / bk.width
    between = [bk.bins[g[0]] for g in chain[1:]]
    rate = f"the file's usual rate ({median} per {duration(bk.width)}) would have written about {expected:.0f}"
    # Records that wrote no time of their own at the end of the bucket before the gap took the time before them: they
    # lie anywhere in it (a server's untimed start banner after its stop), so the gap is told between records that
    # wrote their times.
    timed = bk.bins[chain[0][0]].last_timed_line
    if not between and 0 < timed < last_line:
        untimed = f"line {last_line}" if timed + 1 == last_line else f"lines {timed + 1} to {last_line}"
        desc = (
            f"silence of {duration(gap)}: no records between line {timed} ({iso(t0)}) and line {next_line} "
            f"({iso(t1)}) but {untimed}, which wrote no time, where {rate}"
        )
        lines = [timed, next_line]
        event = f"no records between line {timed} ({iso(t0)}) and line {next_line} ({iso(t1)}) but {untimed}"
        event += ", which wrote no time"
    elif not between:
        desc = (
            f"silence of {duration(gap)}: no records between line {last_line} ({iso(t0)}) and line {next_line} "
            f"({iso(t1)}), where {rate}"
        )
        lines = [last_line, next_line]
        event = f"no records between line {last_line} ({iso(t0)}) and line {next_line} ({iso(t1)})"
    else:
        few = sum(tb.records for tb in between)
        at = sorted({ln for tb in between for ln in (tb.first_line, tb.last_line)})
        desc = (
            f"silence of {duration(gap)} but for {few} record{'s' if few > 1 else ''} "
            f"(line{'s' if len(at) > 1 else ''} {', '.join(map(str, at))}): between line {last_line} ({iso(t0)}) "
            f"and line {next_line} ({iso(t1)}), {rate}"
        )
        lines = [last_line, *at, next_line]
        event = (
            f"only {few} record{'s' if few > 1 else ''} (line{'s' if len(at) > 1 else ''} {', '.join(map(str, at))}) "
            f"between line {last_line} ({iso(t0)}) and line {next_line} ({iso(t1)})"
        )
    return Finding(ANOMALY_SILENCE, None, t0, t1, 0, float(median), round(expected, 1), lines, desc, event=event)


def _xlogx(s: float, n: float) -> float:
    return s * math.log(s / n) if s > 0 else 0.0


def _lulls(counts: list[int], min_len: int) -> list[tuple[int, int, float]]:
    """Stretches ``[i, j)`` of at least ``min_len`` buckets, with at least ``min_len`` on each side, whose
    rate is ``RATE_CHANGE_FACTOR`` times lower than the rate of the whole file before them and of the
    whole file after them, where those two agree within the factor (the rate recovers), and where at
    least ``RATE_CHANGE_MIN_MISSING`` records are missing against the lower of them. Ranked by the Poisson
    log-likelihood ratio of "one rate inside, one outside" against "one rate" (at least
    ``RATE_CHANGE_MIN_LLR``); overlapping ones give way to the stronger. An exhaustive search over at
    most 126 x 126 stretches (prefix sums): a lull is found even where no single change point separates
    rates by the factor (high, low, high)."""
    n = len(counts)
    pre = [0, *itertools.accumulate(counts)]
    total = pre[n]
    found: list[tuple[float, int, int]] = []
    for i in range(min_len, n - 2 * min_len + 1):
        for j in range(i + min_len, n - min_len + 1):
            inside, left, right = pre[j] - pre[i], pre[i], total - pre[j]
            low, high = sorted((left / i, right / (n - j)))
            r_in = inside / (j - i)
            if inside == 0 or r_in * RATE_CHANGE_FACTOR > low or high > RATE_CHANGE_FACTOR * low:
                continue
            if (low - r_in) * (j - i) < RATE_CHANGE_MIN_MISSING:  # too few records missing to tell
                continue
            llr = _xlogx(inside, j - i) + _xlogx(left + right, n - (j - i)) - _xlogx(total, n)
            if llr >= RATE_CHANGE_MIN_LLR:
                found.append((-llr, i, j))
    out: list[tuple[int, int, float]] = []
    for neg, i, j in sorted(found):
        if len(out) < RATE_CHANGE_MAX_LULLS and all(j <= a or i >= b for a, b, _llr in out):
            out.append((i, j, -neg))
    return out


def _rate_changes(bk: Buckets, silences: list[Finding]) -> list[Finding]:
    """Lulls (``_lulls``): the file's record rate drops by ``RATE_CHANGE_FACTOR`` or more for a stretch
    of at least ``RATE_CHANGE_MIN_SHARE`` of its whole buckets, then recovers. A drop that never recovers
    is most often the quiet after a start-up, and is not reported; a drop to nothing is a silence
    (``_silences``), and a lull that holds a silence is left to it."""
    whole = list(bk.whole)
    if len(whole) < MIN_INTERIOR_BUCKETS:
        return []
    counts = [bk.bins[b].records if b in bk.bins else 0 for b in whole]
    min_len = max(1, math.ceil(RATE_CHANGE_MIN_SHARE * len(whole)))
    out: list[Finding] = []
    w = bk.width
    for lo, hi, _llr in sorted(_lulls(counts, min_len)):
        low = sum(counts[lo:hi]) / (hi - lo)
        before_rate, after_rate = sum(counts[:lo]) / lo, sum(counts[hi:]) / (len(counts) - hi)
        t0, t1 = bk.start(whole[lo]), bk.start(whole[hi - 1] + 1)
        if any(s.start is not None and s.end is not None and s.start < t1 and s.end > t0 for s in silences):
            continue
        before = next(whole[j] for j in range(lo - 1, -1, -1) if counts[j])
        first_in = next(whole[j] for j in range(lo, hi) if counts[j])
        last_in = next(whole[j] for j in range(hi - 1, lo - 1, -1) if counts[j])
        after = next(whole[j] for j in range(hi, len(whole)) if counts[j])
        lines = [
            bk.bins[before].last_line,
            bk.bins[first_in].first_line,
            bk.bins[last_in].last_line,
            bk.bins[after].first_line,
        ]
        if lines != sorted(set(lines)):  # records out of order: the lines would not bound the stretch
            continue
        desc = (
            f"record rate drops from {before_rate:.1f} to {low:.1f} per {duration(w)} for {duration(t1 - t0)} "
            f"(lines {lines[1]} to {lines[2]}, from about {iso(t0)}), then recovers to {after_rate:.1f}"
        )
        score = round(min(before_rate, after_rate) / low, 2)
        baseline = round(before_rate, 3)
        out.append(Finding(ANOMALY_RATE_CHANGE, None, t0, t1, sum(counts[lo:hi]), baseline, score, lines, desc))
    return out


def _occurrences(r: Rolled) -> list[tuple[int | None, int]]:
    """(bucket, line) of the template's known lines (``_known_lines``: its first line in each bucket, its
    first examples, its last line) in line order; without times, bucket None. A banner written twice within
    one bucket is two occurrences (two starts a few lines apart), not one."""
    if not r.bins:
        return [(None, ln) for ln in sorted(_known_lines(r))]
    firsts = sorted((x[1], b) for b, x in r.bins.items())
    out: list[tuple[int | None, int]] = []
    for ln in sorted(_known_lines(r)):
        at = bisect.bisect_right(firsts, (ln, math.inf)) - 1  # the bucket whose first record of it is before
        out.append((firsts[max(at, 0)][1], ln))
    return out


Occurrence = tuple[int | None, int, "Rolled"]  # (bucket or None without times, line, template)


def _one_episode(a: Occurrence, b: Occurrence) -> bool:
    """Whether two occurrences, ``a`` first, are of one episode: at most ``EPISODE_BUCKETS`` buckets apart (without
    times, at most ``STOP_SEQUENCE_LINES`` lines)."""
    if a[0] is None or b[0] is None:
        return b[1] - a[1] <= STOP_SEQUENCE_LINES
    return b[0] - a[0] <= EPISODE_BUCKETS


# journalctl's line between two boots of the machine ("-- Boot 3f2a9c1e7b5d4e8f9a0b1c2d3e4f5a6b --"; "-- Reboot --" in
# systemd before 241): the machine started, whatever its first record says after it.
_BOOT_SEPARATOR = re.compile(r"-- (?:Boot (?:<\*>|[0-9a-f]{32})|Reboot) --")


def _boots(r: Rolled) -> bool:
    """Whether a template is a machine's boot (``_BOOT_SEPARATOR``)."""
    return _BOOT_SEPARATOR.fullmatch(r.text.strip()) is not None


def _episodes(found: list[Occurrence]) -> list[list[Occurrence]]:
    """Occurrences grouped into episodes: those at most ``EPISODE_BUCKETS`` buckets after the previous one
    are one start (or stop); without times (a .NET console's records have none), those at most ``NEAR_LINES``
    lines after it."""
    groups: list[list[Occurrence]] = []
    for occ in sorted(found, key=lambda o: (o[1], o[2].first_line)):
        prev = groups[-1][-1] if groups else None
        if (
            prev is not None
            # A machine's boot (journalctl's "-- Boot <id> --") opens a start of its own, whatever started just before
            # it: a node rebooted after hung tasks, 18 minutes after a service's restart, was "one more start message".
            and not _boots(occ[2])
            # A sequence opens with its first message once per start: where that comes again, another start begins
            # (a message inside it may repeat: RabbitMQ stops two message stores, each "Stopping message store");
            # not on the line right after it (one start's message for each of several things: Telegraf's "Loading
            # config: <*>" for its main file, then for a drop-in, was two restarts a line apart).
            and (
                groups[-1][0][2] is not occ[2]
                or (prev[2] is occ[2] and occ[1] == prev[1] + 1)
                or (_steps_of_one_start(occ[2]) and occ[1] - groups[-1][0][1] <= STOP_SEQUENCE_LINES)
            )
            and (
                prev[1] == occ[1]
                or (occ[0] is not None and prev[0] is not None and occ[0] - prev[0] <= EPISODE_BUCKETS)
                or ((occ[0] is None or prev[0] is None) and occ[1] - prev[1] <= NEAR_LINES)
            )
        ):
            groups[-1].append(occ)
        else:
            groups.append([occ])
    return groups


def _steps_of_one_start(r: Rolled) -> bool:
    """Whether the file's first start wrote the message several times, a step for each thing it set up: two of its
    first records within STOP_SEQUENCE_LINES lines (Gatekeeper's "setting up manager", "setting up certificates",
    "setting up audit"). A later start writes it as many times: one start, not one per line (two restarts four
    lines apart)."""
    lines = sorted(ln for ln, _text in r.examples)
    return len(lines) >= 2 and lines[1] - lines[0] <= STOP_SEQUENCE_LINES


def _one_start_per_stop(
    groups: list[list[Occurrence]], stop_lines: list[int], same_process: Callable[[int, int], bool]
) -> list[list[Occurrence]]:
    """Start episodes (``_episodes``) with the same stop last before them (within ``NEAR_LINES``, of the same
    process) are one start: a stopped process starts once, however slowly its start messages come (a search node's
    "initialized", then "started" a minute later). Merged in line order, but where the later one opens with the
    earlier one's opening message (another start, as ``_episodes`` tells), or with a machine's boot."""
    out: list[list[Occurrence]] = []
    by_stop: dict[int, list[Occurrence]] = {}
    for g in groups:
        ln = g[0][1]
        stopped = [x for x in stop_lines if ln - NEAR_LINES <= x < ln and same_process(x, ln)]
        stop = max(stopped) if stopped else None
        earlier = by_stop.get(stop) if stop is not None else None
        boot = _boots(g[0][2])  # a machine's boot: a start of its own
        if earlier is not None and earlier[0][2] is not g[0][2] and not boot:
            earlier.extend(g)
            continue
        out.append(list(g))
        if stop is not None:
            by_stop[stop] = out[-1]
    return out


def _known_lines(r: Rolled) -> set[int]:
    """The lines of a template the aggregates hold: its first and last, its examples, its first in each bucket."""
    return {r.first_line, r.last_line, *(ln for ln, _t in r.examples), *(x[1] for x in r.bins.values())}


def _head_line(templates: list[Rolled]) -> int:
    """The last line of the file's head: its first ``RESTART_HEAD_SHARE`` of the lines from its first record to its
    last (at least the first record's line). Lines before the first record (blank lines, a banner of stars that no
    record holds) are no part of it: the first record opens the file wherever it stands; nor are records of no words
    before the first that has some (a name drawn in characters: Qdrant's, over "Version: 1.8.1, build: ..." and its
    start's lines, pushed the version out of the head, and its start again after a panic was no restart)."""
    worded = [r.first_line for r in templates if _WORD.search(r.text.replace(WILDCARD, " ")) is not None]
    first = min(worded or [r.first_line for r in templates])
    last = max(r.last_line for r in templates)
    return first - 1 + max(1, math.floor(RESTART_HEAD_SHARE * (last - first + 1)))


def _replays(line: int, opening: list[Rolled]) -> bool:
    """Whether one of the file's opening messages comes again in the ``NEAR_LINES`` lines after ``line``."""
    return any(line < x <= line + NEAR_LINES for r in opening for x in _known_lines(r))


def _second_start(o: Occurrence, opening: list[Rolled]) -> bool:
    """Whether a banner's occurrence in the file's head is a second start: a banner is written once per
    start, so a later record of it is one where it comes after the first in time (a template whose last
    record is earlier than its first is written by processes interleaved out of order: which start is the
    first cannot be told) and at least half of the file's opening messages written
    before it (``opening``, other templates) are written again in the ``NEAR_LINES`` lines after it, or before it
    where the first start wrote them before its banner too: the start sequence replayed, not one message of it
    repeated (a device's boot lines, its banner fifth, after a reset of its clock to midnight)."""
    b, line, r = o
    if line == r.first_line:
        return False
    first_b = next((k for k, x in r.bins.items() if x[1] == r.first_line), None)
    if b is not None and first_b is not None and b < first_b:
        return False
    if r.first_time is not None and r.last_time is not None and r.last_time < r.first_time:
        return False
    before = [x for x in opening if x is not r and x.first_line < line]
    first = r.first_line
    again = [
        x
        for x in before
        if any(
            line < y <= line + NEAR_LINES or (x.first_line < first and first < y < line and line - y <= NEAR_LINES)
            for y in _known_lines(x)
        )
    ]
    return bool(before) and 2 * len(again) >= len(before)


def _variant_of_frequent(r: Rolled, templates: list[Rolled]) -> bool:
    """Whether a more frequent template has as many words as ``r`` and differs from it in one word only."""
    words = r.text.split()
    for x in templates:
        if x.count > r.count and x is not r:
            other = x.text.split()
            if len(other) == len(words) and sum(a != b for a, b in zip(words, other, strict=True)) <= 1:
                return True
    return False


# A request line's method and target: what a client asked for ("GET /websocket?version=18.0-7"), not what the
# process says of itself.
_REQUEST_TARGET = re.compile(r"(?<![A-Za-z])(?:" + "|".join(sorted(HTTP_METHODS)) + r") \S+")


def _said(r: Rolled, envelope: frozenset[str] = frozenset()) -> list[str]:
    """A template's examples without the requests they quote (a path's "/v1.2.3/" is no version of the process) and
    without the versions every record writes (``envelope``, ``_envelope_versions``)."""
    said = [_REQUEST_TARGET.sub(" ", t) for _ln, t in r.examples]
    if envelope:
        said = [_VERSION.sub(lambda m: " " if m.group() in envelope else m.group(), t) for t in said]
    return said


def _envelope_versions(templates: list[Rolled]) -> frozenset[str]:
    """The versions (``_VERSION``'s matches) that the examples of most of the file's templates write: a field every
    record carries beside its message (an ECS document's "ecs":{"version":"8.11.0"}, Nextcloud's
    "version":"28.0.3.2"), the logging schema's or the running release's; no one message announces it (Kibana's
    "Starting saved objects migrations" 18 s into its start was a process start)."""
    sampled = [r for r in templates if r.examples]
    if len(sampled) < ENVELOPE_MIN_TEMPLATES:
        return frozenset()
    seen = Counter(v for r in sampled for v in {m.group() for _ln, t in r.examples for m in _VERSION.finditer(t)})
    return frozenset(v for v, n in seen.items() if 2 * n > len(sampled))


# A product named with its release, "name/1.2.3" (HTTP's product token, RFC 9110 10.2.3: a Server or User-Agent field's
# form): a server that writes its own announces its version ("Apache/2.4.58 (Ubuntu) OpenSSL/3.0.13 configured --
# resuming normal operations", nginx's "nginx/1.25.3"). One in quotes is data a message passes on (a request's user
# agent), and one inside a path names a directory.
_PRODUCT_VERSION = re.compile(r"(?<![\w./-])[A-Za-z][\w.-]*/v?\d+\.\d+\.\d+(?![.\w/])")
_QUOTED = re.compile(r"\"[^\"]*\"")


def _announces_version(r: Rolled, envelope: frozenset[str] = frozenset()) -> bool:
    return any(
        _VERSION_ANNOUNCEMENT.search(t) is not None or _PRODUCT_VERSION.search(_QUOTED.sub(" ", t)) is not None
        for t in _said(r, envelope)
    )


def _is_banner(r: Rolled, first: Rolled | None, head_line: int, envelope: frozenset[str]) -> bool:
    if _boots(r):
        return True
    if r is first:
        # The file's first message, unless it tells a stop (a console command's "Command "cache:clear" exited with
        # code "0"" opening a Symfony log was a process start and a stop at line 1).
        return _weak_stop(r.text) is None and not _strong_stop(r)
    if r.first_line <= head_line and _announces_version(r, envelope):
        return True
    return _START_VERB.search(r.text) is not None and any(map(_VERSION.search, _said(r, envelope)))


# A number standing alone in a record's header ("39000", "#7116", "[412]"), not part of a word or a path.
_HEADER_NUMBER = re.compile(r"(?<![\w.,:/+-])#?(\d+)(?![\w.,:/-])")


@dataclass(frozen=True, slots=True)
class PidChange:
    """A header field that holds one value for a stretch of the file and another after it: a process id, or a clock
    since start that went back (``_clock_resets``); ``change`` says which, as the report tells it."""

    old: str
    new: str
    old_line: int
    new_line: int
    bucket: int
    change: str = "the process id changes"


# A clock in a record's header that counts the seconds since its process or its machine started, to a fraction of a
# second (the kernel's "[86998.957777]" before its message in a node's kern.log): a number with a fraction standing
# alone in the header.
_HEADER_CLOCK = re.compile(r"(?<![\w.,:/+-])(\d+\.\d{3,9})(?![\w.,:/-])")
CLOCK_SEARCH_CHARS = 160  # a header's clock stands this near the start of its record


def _clock_resets(an: Analyzer, held: HeldRecords) -> list[PidChange]:
    """Where a clock since start in the records' headers (``_HEADER_CLOCK``) goes back: the process, or the machine,
    started again (the kernel's clock from 86998.96 to 0.00 at its "Linux version" banner after a power loss; no stop
    was written, and a kernel's bursts hide the gap from the rate). Read from the held records (bucket edges, each
    message variant's examples) in line order: the clock's values part into runs that never fall, each run beginning
    below every value of the run before it (a reset, not lines written out of order); between 2 and
    ``BANNER_MAX_COUNT + 1`` runs (machines writing at once interleave many). Cited at the last held record of the old
    run and the first of the new."""
    samples: list[tuple[int, int | None, float]] = []
    for ln in sorted(held.texts):
        text, b = held.texts[ln]
        clock = held.clock_of(text)
        if clock is not None:
            samples.append((ln, b, clock))
    runs: list[list[tuple[int, int | None, float]]] = []
    for sample in samples:
        if runs and sample[2] < runs[-1][-1][2]:
            if sample[2] >= runs[-1][0][2]:
                return []  # it falls within what the run wrote: lines out of order, or clocks interleaved
            runs.append([sample])
        elif runs:
            runs[-1].append(sample)
        else:
            runs.append([sample])
        if len(runs) > BANNER_MAX_COUNT + 1:
            return []
    if len(runs) < 2:
        return []
    return [
        PidChange(str(p[-1][2]), str(q[0][2]), p[-1][0], q[0][0], q[0][1] or 0, "the clock since start goes back")
        for p, q in itertools.pairwise(runs)
    ]


def _header_text(an: Analyzer, text: str) -> str | None:
    """A record's header: its first line before its message (None where it has none the parser tells)."""
    if an.parser is None:
        return None
    head = text.split(JOIN, 1)[0]
    parsed = an.parser.parse(head)
    at = head.find(parsed.message) if parsed.message else -1
    if at < 0 and parsed.pieces:
        # A message put together from the record's fields (an access line read as its request): the header is what
        # comes before the first of them.
        at = min(p[1] for p in parsed.pieces)
    if at <= 0:
        return None
    header = head[:at]
    for finder in an.time_finders():  # the file's timestamps (a day of the month is no process id)
        header = finder.rx.sub(" ", header)
    return header


# A number the header names as its process's id ("[pid 1200:tid 140245318764416]", "pid=812", "PID: 4242").
_NAMED_PID = re.compile(r"\bpid\b[\s=:#]*(\d+)(?![\w.])", re.IGNORECASE)


def _header_numbers(header: str | None) -> list[str] | None:
    """The stand-alone numbers of a record's header (``_header_text``: before its message, its timestamp left out); a
    number the header names as the process id first, wherever it stands (Apache's "[pid 1200:tid 1402...]": the
    thread's id after it is a number of its own)."""
    if header is None:
        return None
    found = [(m.start(1), m.group(1)) for m in _HEADER_NUMBER.finditer(header)]
    named = _NAMED_PID.search(header)
    if named is None:
        return [n for _at, n in found]
    return [named.group(1), *(n for at, n in found if at != named.start(1))]


def _header_clock(header: str | None) -> float | None:
    """A record's clock since start (``_HEADER_CLOCK``), where its header holds exactly one."""
    found = _HEADER_CLOCK.findall(header) if header is not None and "." in header else []
    return float(found[0]) if len(found) == 1 else None


def _pid_changes(an: Analyzer, held: HeldRecords) -> list[PidChange]:
    """Process-id changes, read from the first and last record of every time bucket.

    A header number is a process id when, over those records in line order, it takes between 2 and
    ``BANNER_MAX_COUNT + 1`` values, each in one unbroken run (a value never comes back once another took
    over): a thread id or a counter takes many values, a multi-process log interleaves them; the first such number
    of the header is the process id, one after it a thread's that changed as seldom. Each change
    is cited at the last record with the old value and the first with the new one, from those records and
    every message variant's first records (its examples, ``_narrowed``): the change lies between them, and
    where a record was kept on each side of it, the lines cited are the ones next to it. Where the records name
    their program beside its id ("systemd[1]:", "scylla[4127]:"), a change is one program's: systemd starting a
    service is no process of the service changing its id."""
    samples: list[tuple[int, int, list[str]]] = []  # (line, bucket, numbers)
    program: dict[int, str] = {}  # line -> the program its record names beside an id
    for b in sorted(an.buckets):
        tb = an.buckets[b]
        for line, text in ((tb.first_line, tb.first_text), (tb.last_line, tb.last_text)):
            nums = held.numbers_of(text)
            if nums is not None:
                samples.append((line, b, nums))
                if (named := _PROGRAM_WITH_PID.search(text)) is not None:
                    program[line] = named.group(1)
    samples = sorted({(ln, b): (ln, b, n) for ln, b, n in samples}.values())
    if len(samples) < MIN_INTERIOR_BUCKETS:
        return []
    width = min(len(n) for _ln, _b, n in samples)
    out: list[PidChange] = []
    for k in range(width):
        runs: list[tuple[str, int, int, int]] = []  # value, first line, last line, bucket of first
        for ln, b, nums in samples:
            v = nums[k]
            if runs and runs[-1][0] == v:
                runs[-1] = (v, runs[-1][1], ln, runs[-1][3])
            else:
                runs.append((v, ln, ln, b))
        values = [r[0] for r in runs]
        if not 2 <= len(runs) <= BANNER_MAX_COUNT + 1 or len(set(values)) != len(values):
            continue
        out += [
            _narrowed(an, held, k, PidChange(p[0], q[0], p[2], q[1], q[3]))
            for p, q in itertools.pairwise(runs)
            if not (p[2] in program and q[1] in program and program[p[2]] != program[q[1]])
        ]
        # The first such number is the process's id; one after it is its thread's (spdlog's "[... I 31877 31880]":
        # a thread of the same process, or the new process's main thread, whose id changes with the process's).
        break
    return out


_PROGRAM_WITH_PID = re.compile(r"([^\s\[\]]+)\[\d+\]")
_PROGRAM_TAG = re.compile(r"[A-Za-z][\w./-]*")  # a syslog tag that names a program without its id


class HeldRecords:
    """The records the aggregates hold, by line: every message variant's examples (in the bucket of the variant's
    last first-record at or before it) and every bucket's first and last record. Each record's header (a parse) and
    its numbers are read at most once per report, and whether the file's processes write at once (``interleaved``)
    is worked out once: the restart rules ask both for many banners and stops."""

    def __init__(self, an: Analyzer) -> None:
        self.an = an
        self.texts: dict[int, tuple[str, int | None]] = {}
        for v in an.variants():
            firsts = sorted((x[1], b) for b, x in v.bins.items())
            for ln, text in v.examples:
                at = bisect.bisect_right(firsts, (ln, math.inf)) - 1
                self.texts[ln] = (text, firsts[at][1] if at >= 0 else None)
        for b, tb in an.buckets.items():
            self.texts[tb.first_line] = (tb.first_text, b)
            self.texts[tb.last_line] = (tb.last_text, b)
        self._headers: dict[str, str | None] = {}  # a record's text -> its header (``_header_text``: a parse)
        self._numbers: dict[str, list[str] | None] = {}  # a record's text -> its header numbers
        self._programs: dict[str, str | None] = {}  # a record's text -> the program its header names
        self._interleaved: bool | None = None

    def header_of(self, text: str) -> str | None:
        """The header of a record the aggregates hold, by its text (``_header_text``, parsed once: the process-id
        rules read bucket edges and examples that ``numbers`` reads too, and the clock rule reads them all)."""
        if text not in self._headers:
            self._headers[text] = _header_text(self.an, text)
        return self._headers[text]

    def numbers_of(self, text: str) -> list[str] | None:
        """The header numbers of a record the aggregates hold, by its text (``_header_numbers``, read once)."""
        if text not in self._numbers:
            self._numbers[text] = _header_numbers(self.header_of(text))
        return self._numbers[text]

    def clock_of(self, text: str) -> float | None:
        """The clock since start in a held record's header (``_header_clock``); its header is parsed only where its
        first characters hold such a number (most records hold none: no parse)."""
        if _HEADER_CLOCK.search(text, 0, CLOCK_SEARCH_CHARS) is None:
            return None
        return _header_clock(self.header_of(text))

    def numbers(self, line: int) -> list[str] | None:
        """The header numbers of the record held at ``line`` (None where none is held or its header has none)."""
        got = self.texts.get(line)
        return self.numbers_of(got[0]) if got is not None else None

    def pid(self, line: int) -> str | None:
        """The first header number (the process id, where the header has one) of the record held at ``line``."""
        nums = self.numbers(line)
        return nums[0] if nums else None

    def program(self, line: int) -> str | None:
        """The name of the program a held record's header names with its process id (a syslog tag, "containerd[812]":
        the name), or a syslog tag without one (RFC 3164's TAG is the program's name: "iscsid: ..."), or None: a
        logger's name beside the id is no program's (one program's processes share it)."""
        got = self.texts.get(line)
        if got is None or self.an.parser is None:
            return None
        if got[0] not in self._programs:
            parsed = self.an.parser.parse(got[0].split(JOIN, 1)[0])
            component = parsed.component or ""
            m = _PROGRAM_WITH_PID.fullmatch(component)
            name = m.group(1) if m is not None else None
            if name is None and parsed.fmt == FORMAT_SYSLOG_3164 and _PROGRAM_TAG.fullmatch(component):
                name = component
            self._programs[got[0]] = name
        return self._programs[got[0]]

    def earlier_process(self, line: int) -> tuple[str, int] | None:
        """Where the program of the record held at ``line`` wrote before under another process id: that id and the
        last held line it wrote (None where it did not, or the record names no program and id)."""
        name, pid = self.program(line), self.pid(line)
        if name is None or pid is None:
            return None
        earlier = [x for x in self.texts if x < line and self.program(x) == name and self.pid(x) not in (None, pid)]
        if not earlier:
            return None
        last = max(earlier)
        return self.pid(last) or "", last

    def interleaved(self) -> bool:
        """Whether the held records' first header numbers (process ids) interleave: one comes back after another
        took over (processes writing at once: a device's logcat, a journal), not one run per process (a server
        restarted under a new id, or the same one). Read over the first ``INTERLEAVE_RECORDS`` held records with
        a process id, in line order."""
        if self._interleaved is None:
            self._interleaved = False
            done: set[str] = set()
            current = None
            seen = 0
            for ln in sorted(self.texts):
                pid = self.pid(ln)
                if pid is None or pid == current:
                    continue
                if pid in done:
                    self._interleaved = True
                    break
                if current is not None:
                    done.add(current)
                current = pid
                seen += 1
                if seen >= INTERLEAVE_RECORDS:
                    break
        return self._interleaved


def _written_by_a_running_process(o: Occurrence, held: HeldRecords, alone_too: bool = False) -> bool:
    """Whether a banner's record comes from a process that was writing long before it: its header's first
    stand-alone number (the process id: logcat, journal, syslog, klog, Ruby Logger put it first) is the first
    number of a held record (``HeldRecords``) more than ``EPISODE_BUCKETS`` buckets earlier (without times,
    ``NEAR_LINES`` lines): further back than one start sequence reaches. A start banner written so is a
    component of a running process starting ("Initialized EGL, version 1.4" from a system server that has
    logged for half an hour), not a process start. Only where the file's processes write at once
    (``HeldRecords.interleaved``), or ``alone_too``: a process that writes alone may come back under the same id
    (a container's process is always 1), and its id then says nothing but of a banner the file shows for the first
    time with nothing of a restart before it (the caller's to tell). Unknown (False) where the record is not held
    or its header has no number. Only held records whose text holds the number are parsed."""
    b, line, _r = o
    pid = held.pid(line)
    if pid is None:
        return False
    for ln in sorted(x for x, (text, _b) in held.texts.items() if x < line and pid in text):
        first_b = held.texts[ln][1]
        if b is not None and first_b is not None:
            if first_b >= b - EPISODE_BUCKETS:
                return False
        elif ln >= line - NEAR_LINES:
            return False
        if held.pid(ln) == pid:
            return alone_too or held.interleaved()
    return False


def _told_in_many_process_log(
    group: list[Occurrence],
    pids: list[PidChange],
    stop_lines: list[int],
    same_process: Callable[[int, int], bool],
    not_started: set[int],
    held: HeldRecords,
) -> bool:
    """Whether a start in a file where many processes write at once (a journal, logcat, a compose file's
    services) is more than one of them starting for the first time, which is routine there. It is when its
    banner was seen before at a start (a restart; ``not_started``: templates whose first record was no start),
    when a process-id change or a stop of the same process comes at most ``NEAR_LINES`` lines before it, when its
    program wrote before under another process id (``HeldRecords.earlier_process``: containerd[812], then a banner from
    containerd[48811]), or when it writes several start messages of its own (a machine or a stack booting: "klogd
    started", "SELinux: Initializing", ...)."""
    if len({id(r) for _b, _ln, r in group}) > 1:
        return True
    return any(
        (ln != r.first_line and id(r) not in not_started)
        or held.earlier_process(ln) is not None
        or any(ln - NEAR_LINES <= p.new_line <= ln for p in pids)
        or any(ln - NEAR_LINES <= x < ln and same_process(x, ln) for x in stop_lines)
        for _b, ln, r in group
    )


def _narrowed(an: Analyzer, held: HeldRecords, field: int, change: PidChange) -> PidChange:
    """A process-id change found between two bucket-edge records, cited at the records nearest to it that the
    aggregates hold: the examples of every message variant between those two lines (a start writes messages
    of its own, so the new process's first records are most often some variant's first ones). The last record
    with the old value before the first with the new one; a record whose header reads otherwise stays out."""
    seen: list[tuple[int, str]] = []
    for v in an.variants():
        for line, text in v.examples:
            if change.old_line < line < change.new_line:
                nums = held.numbers_of(text)
                if nums is not None and len(nums) > field and nums[field] in (change.old, change.new):
                    seen.append((line, nums[field]))
    new_line = min((ln for ln, x in seen if x == change.new), default=change.new_line)
    old_line = max((ln for ln, x in seen if x == change.old and ln < new_line), default=change.old_line)
    return PidChange(change.old, change.new, old_line, new_line, change.bucket)


def _lifecycle(
    an: Analyzer, templates: list[Rolled], silences: list[Finding]
) -> tuple[list[Finding], Callable[[int, int], bool]]:
    """Restarts and stops, from the file's own evidence (no product names, no per-system word lists); with them,
    whether a start may be the next run of the process a stop ended (``one_writer``: a restart is told with a stop of
    its own process).

    A *start banner* is a template seen at most ``BANNER_MAX_COUNT`` times and at most once per
    ``BANNER_MIN_SPACING`` records, or twice in a file of any length (a process prints it once per start) that
      - announces a start: a start verb (starting, started, booting, launched, initialized, ...) in its
        text and a version number (1.2.3, v1.2, "version 7") in one of its records, or
      - announces a version ("Odoo version 18.0", "version: 7") and is first seen in the file's head, or
      - is the template of the file's first record (a file that starts with a process start shows that
        start again at every restart, whatever its words), if its mined cluster is as rare (not a rare
        variant of a frequent message).
    The file's *head* is its first bucket and its first ``RESTART_HEAD_SHARE`` of lines. A banner in the
    head is the initial start, unless a stop (of the same process, where both headers name a process id) or a
    process-id change comes at most ``NEAR_LINES`` lines
    before it; every later banner is a restart (a banner never seen before: a process start), cited at
    its line, unless its record's process id was writing long before it (``_written_by_a_running_process``) and
    did not stop just before it (a container's main process is 1 in every run).
    Banners at most ``EPISODE_BUCKETS`` buckets apart are one start (each template once). A
    component that "started stream writer" has no version and is not the first record: not a banner.

    Where many processes write at once (``HeldRecords.interleaved``, or a compose file's services), processes
    come and go all the time: a start there is told only when it writes several start messages of its own (a
    machine or a stack booting), its banner was seen before at a start, or a process-id change or a stop of the
    same process comes just before it (``_told_in_many_process_log``); a strong stop word only in the file's
    tail or before a start of the same process.

    A *process-id change* (``_pid_changes``) is a restart too, cited at the lines on both sides; next to
    a banner it is told with that restart.

    A *stop* is a template as rare as a banner whose text names a POSIX termination signal, "shutting
    down" or "exiting", or is a shell's report that a process died of one ("Killed": ``SHELL_SIGNAL_REPORT``);
    or a weaker stop word (shutdown, stopped, exited, terminating, ...) where the file agrees: in its tail
    (last ``RESTART_HEAD_SHARE`` of lines, or last bucket), or with a banner, a silence or a process-id change
    at most ``NEAR_LINES`` lines after it and no strong stop of a later episode between them (the start follows
    that one), but not one written within ``STOP_SEQUENCE_LINES`` after every banner (a start's report of how the
    last run ended: "database system was shut down at <time>"). A template
    naming a crash signal
    (``_CRASH_SIGNAL``, at ERROR, FATAL or no level) or describing one (``_CRASH_DESCRIBED``, at any level) is a
    stop whatever its count, told once for all its records (``_crash``). A start message too frequent for a banner
    that takes turns with a message ending each run is a restart loop, told once (``_restart_loops``).
    """
    rare = min(BANNER_MAX_COUNT, max(2, an.records // BANNER_MIN_SPACING))
    if not templates:
        return [], _any_process
    last_line = max(r.last_line for r in templates)
    last_bucket = max(an.buckets, default=-1)
    first = min(templates, key=lambda r: r.first_line)
    first_timed = min((tb.first_line for tb in an.buckets.values()), default=None)
    if _WORD.search(first.text.replace(WILDCARD, " ")) is None and first_timed is not None:
        # A timed rule of dashes that opens the file (Dask's scheduler writes one over its start lines) states nothing:
        # the file's first record of words after it is its first message, the one a start writes again. (Not where
        # the file opens with lines of no time, a banner drawn in characters as Spring Boot's: a start written again
        # there has no time of its own to be cited at, and its timed lines tell it.)
        of_words = (r for r in templates if _WORD.search(r.text.replace(WILDCARD, " ")))
        first = min(of_words, key=lambda r: r.first_line, default=first) if first.first_line >= first_timed else first
    envelope = _envelope_versions(templates)
    head_line = _head_line(templates)
    tail_line = last_line - (head_line - first.first_line + 1)
    banners: list[Occurrence] = []
    unproven: set[int] = set()  # lines of banners whose only evidence is the file's first record (see below)
    worded: list[Occurrence] = []  # rare start-worded messages without a version: a start only right after a stop
    strong: list[Occurrence] = []
    weak: list[Occurrence] = []
    # The once-per-start messages that follow the file's first record in its head: a start writes them again.
    opening_end = min(head_line, first.first_line + NEAR_LINES)
    opening = [
        r for r in templates if r is not first and r.count <= rare and first.first_line < r.first_line <= opening_end
    ]
    # The file's first record opens a start only as a message of its own: a rare variant of a frequent message
    # (an access log's first request, a word apart from the others of its mined cluster, or from a more frequent
    # template of as many words where the miner kept them apart: "HEAD <*> <*>" beside "GET <*> <*>") is that
    # message.
    cluster_count: Counter[int] = Counter()
    for r in templates:
        cluster_count[r.cluster_index] += r.count
    frequent_variant = _variant_of_frequent(first, templates)
    # Nor does a first record of no words ("==> /var/log/web.log <==", the file's name where `tail` of several
    # files heads each part): it states no start.
    worded_first = _WORD.search(first.text.replace(WILDCARD, " ")) is not None
    # (A variant that holds half its cluster's records or more is a message of its own: IntelliJ's "--- IDE STARTED ---"
    # x2 beside "--- IDE SHUTDOWN ---" x1 in one cluster of three, more than a small file's rare count.)
    own = cluster_count[first.cluster_index] <= max(rare, 2 * first.count)
    opener = first if own and not frequent_variant and worded_first else None
    crashes: list[Rolled] = []
    # A runtime's report that its process died of a crash signal (Go's "panic: runtime error: ..." over "[signal
    # SIGSEGV: segmentation violation ...]" and its goroutines): its exception's type or root cause names the signal;
    # or of an uncaught crash it ended the process for (``_ends_process``: etcd's "panic: unexpected create snapshot
    # error ...: no space left on device" over its goroutines).
    of_variant = {id(v): r for r in templates for v in r.variants}
    signalled = {
        id(of_variant[id(es.variant)])
        for es in an.exceptions.values()
        if id(es.variant) in of_variant
        and es.count
        and (
            _CRASH_SIGNAL.fullmatch(es.info.root_type)
            or _CRASH_SIGNAL.fullmatch(es.info.type)
            or _ends_process(of_variant[id(es.variant)].text, es.example)
        )
    }
    for r in templates:
        if (
            id(r) in signalled
            or _CRASH_DESCRIBED.search(r.text) is not None
            or (severity_rank(r.max_level()) >= severity_rank("FATAL") and _CHECK_FAILED.match(r.text) is not None)
            or (
                severity_rank(r.max_level()) in (-1, *_ERROR_RANKS)
                and (
                    _CRASH_SIGNAL.search(r.text) is not None
                    or any(_CRASH_SIGNAL_NUMBER.search(text) for _ln, text in r.examples)
                )
            )
        ):
            crashes.append(r)  # told once, with its count (``_crash``), not once per record
            continue
        if r.count > rare:
            continue
        # A start is announced, not reported as an error: "Error on AMQP connection <0.1192.0> (state: starting)"
        # names a state, and an Erlang process id that reads as a version. But the file's first record opens a start
        # at any level, where the messages after it follow it again (supervisord writes its start's notices at CRIT,
        # "Supervisor is running as root. Privileges were not dropped ...": its restart after a stop was not seen).
        announced = severity_rank(r.max_level()) not in _ERROR_RANKS or r is opener
        # Nor is a start whose object is a stop ("Starting shutdown...", "initiating graceful shutdown"): a stop's step.
        announced = announced and _STARTS_A_STOP.search(r.text) is None
        if announced and _is_banner(r, opener, head_line, envelope):
            found = [(b, ln, r) for b, ln in _occurrences(r)]
            if r is first and not _is_banner(r, None, head_line, envelope):
                # Its only evidence is having opened the file: seen again, it is a start only where the
                # messages that followed it then follow it again (a reconnect repeats one message, not a start);
                # where no rare message followed it, only where its words say it starts or the file shows a process
                # change or a silence just before it (``unproven``: a database's first slow statement, logged again
                # an hour later, is no start).
                if opening:
                    found = [o for o in found if o[1] == r.first_line or _replays(o[1], opening)]
                elif _START_VERB.search(r.text) is None:
                    unproven.update(o[1] for o in found if o[1] != r.first_line)
            banners += found
        elif (
            announced
            and r is not first
            and (_START_VERB.search(r.text) is not None or _announces_version(r, envelope))
            and _weak_stop(r.text) is None
            and not _strong_stop(r)
        ):
            # A version announced past the head ("ceph version 18.2.1 ..., pid 4242") is a start only right after
            # a stop, as a start-worded message is. Not a message that says it stopped, whatever version its record
            # names (Filebeat's "filebeat stopped." beside "ecs.version":"1.6.0"): a step of the stop.
            worded += [(b, ln, r) for b, ln in _occurrences(r)]
        if _OF_AN_EARLIER_RUN.search(r.text) is not None:
            continue  # how the run before this one ended, told as this one starts: no stop here
        if _strong_stop(r):
            strong += [(b, ln, r) for b, ln in _occurrences(r)]
        elif _weak_stop(r.text) is not None:
            weak += [(b, ln, r) for b, ln in _occurrences(r)]

    # What a process writes while it starts is no stop, whatever its words ("database system was shut down at
    # <time>": how the last run ended): a weak stop word written at every start, within STOP_SEQUENCE_LINES lines
    # after each of its banners, the file's first record one of them, is a step of starting.
    if any(ln == first.first_line and r is first for _b, ln, r in banners):
        begun = sorted(ln for _b, ln, _r in banners)

        def after_start(x: int) -> bool:
            k = bisect.bisect_left(begun, x) - 1
            return k >= 0 and x - begun[k] <= STOP_SEQUENCE_LINES

        steps = {
            id(r) for _b, _ln, r in weak if len(seen := _occurrences(r)) > 1 and all(after_start(x) for _b2, x in seen)
        }
        weak = [o for o in weak if id(o[2]) not in steps]

    def near_after(ln: int, lines: list[int]) -> bool:
        return any(ln < x <= ln + NEAR_LINES for x in lines)

    held = HeldRecords(an)

    sources = an.line_sources

    def same_process(a: int, b: int) -> bool:
        """Whether two lines may be one process's: not when two sources wrote them (compose services), nor when
        both headers name a process id, they differ and the file's processes write at once
        (``HeldRecords.interleaved``: a journal's systemd stopping a unit, then another daemon starting, are two
        processes). Where processes write one at a time, the old one's stop and the new one's start are one restart
        under two ids."""
        sa, sb = sources.at(a), sources.at(b)
        if sa is not None and sb is not None and sa != sb:
            return False
        pa, pb = held.pid(a), held.pid(b)
        if pa is None or pb is None or pa == pb or not held.interleaved():
            return True
        # Where both headers name the program beside its id, one program's stop and start are one restart under two
        # ids ("dockerd[1021]: Processing signal 'terminated'", then "dockerd[30567]: Starting up" in a journal).
        name = held.program(a)
        return name is not None and name == held.program(b)

    def one_writer(stop: int, start: int) -> bool:
        """Whether a start may follow a stop as its process's next run: not where two sources wrote them (compose
        services), nor where the file's processes write at once and the two headers name two programs (a journal's
        daemons); a new process id is what a restart brings (a thread's id in a header too: Jellyfin's "[1]")."""
        sa, sb = sources.at(stop), sources.at(start)
        if sa is not None and sb is not None and sa != sb:
            return False
        ps, pt = held.program(stop), held.program(start)
        return ps is None or pt is None or ps == pt or not held.interleaved()

    # A banner is written by the process that plays one part (a server's master, not its workers): where the process
    # that wrote it before stops and a new id writes it after, the new process took the stopped one's part, however
    # many processes write at once (Apache's master 1200 "caught SIGTERM, shutting down", then "[pid 2301] ...
    # configured -- resuming normal operations", which 1200 had written at its own start, among its workers' lines).
    banner_at = {ln: r for _b, ln, r in banners}

    def took_over(stop: int, start: int) -> bool:
        r = banner_at.get(start)
        old, new = held.pid(stop), held.pid(start)
        if r is None or old is None or new is None or old == new or not one_writer(stop, start):
            return False
        return any(x < stop and held.pid(x) == old for _b, x in _occurrences(r))

    def stopped_before(stop: int, start: int) -> bool:
        """Whether a stop may be the one a start follows: the same process's (``same_process``), or, where no header
        names a program, a stop of the same source right before it (``STOP_THEN_START_LINES``: nothing written
        between them but a blank line): the program stopped, then started again under a new id (PostgreSQL's
        "database system is shut down" from the postmaster, then "starting PostgreSQL 15.6" from the next, its header
        numbering backends; MariaDB's numbering threads). Not where other processes write between them (logcat's
        "Shutting down VM" of a tool, an app's "Initialized EGL" lines later)."""
        if same_process(stop, start) or took_over(stop, start):
            return True
        return (
            0 < start - stop <= STOP_THEN_START_LINES
            and held.program(stop) is None
            and held.program(start) is None
            and sources.at(stop) == sources.at(start)
        )

    pids = _pid_changes(an, held) + _clock_resets(an, held)
    silence_ends = [sl.lines[-1] for sl in silences]
    if unproven:
        before = [p.new_line for p in pids] + silence_ends + [ln for _b, ln, _r in strong + weak]
        banners = [o for o in banners if o[1] not in unproven or any(o[1] - NEAR_LINES <= x <= o[1] for x in before)]
    firsts = _first_times(an)
    # A weak stop word is confirmed by a start after it from any process (a supervisor reports the stop, the
    # restarted daemon its start); a start is confirmed or told beside a stop only from the same process.
    confirm = [ln for _b, ln, _r in banners] + silence_ends + [p.new_line for p in pids]
    # A start-worded message right after a weak stop of the same process that names the same thing ("Stopping
    # Device-Mapper Multipath Device Controller...", then "Starting Device-Mapper Multipath Device Controller...": a
    # service manager restarting one unit): the stop is confirmed by it, and it is a start (``_same_object``).
    paired = {
        (o[1], id(o[2])): (s, o)
        for o in worded
        for s in weak
        if 0 < o[1] - s[1] <= STOP_SEQUENCE_LINES
        and same_process(s[1], o[1])
        and _same_object(s[2].text, o[2].text)
        and not (o[0] == 0 or o[1] <= head_line)  # (not the file's own start: a boot's units started and stopped)
    }
    confirm += [o[1] for _s, o in paired.values()]

    def confirmed(o: Occurrence) -> bool:
        # A start confirms the stop it follows: no stronger stop of another episode between them (a database's
        # "Background saving terminated with success", then an hour later "Received SIGTERM", then its start again:
        # the start follows the SIGTERM). A strong stop word in the weak one's own episode is a step of the same stop
        # ("received fast shutdown request", then a helper process's "shutting down") where it follows within
        # STOP_SEQUENCE_LINES lines; one that comes after other records (a child's "FFmpeg exited with code 228",
        # then a user's playback, then "Received a SIGTERM signal, shutting down") is the stop the start follows.
        # So is a weak one of another message after other records: keepalived's "VRRP_Script(chk_haproxy) failed
        # (exited with status 1)", its process writing on, was a stop confirmed by the start 33 lines later that
        # followed the operator's "Stopping Keepalive Daemon" (line 79). (The same message again is the same process
        # stopping again, after a start that may have failed: Quarkus' "payment-gateway stopped in 0.061s", then a
        # failed start's own "stopped in 0.012s", then its start.)
        if o[1] >= tail_line or o[0] == last_bucket:
            return True
        later = min(
            (
                s[1]
                for s in (*strong, *(w for w in weak if w[2] is not o[2]))
                if s[1] > o[1] and not (_one_episode(o, s) and s[1] - o[1] <= STOP_SEQUENCE_LINES)
            ),
            default=None,
        )
        return any(o[1] < x <= o[1] + NEAR_LINES and not (later is not None and later < x) for x in confirm)

    # The file's first record written again with the messages that followed it then (``_second_start``: its start
    # sequence replayed) is the program started again, whatever number its header writes there: a thread's, where
    # the file writes one (Serilog's "[1]" is the main thread in every run, pool threads' ids in between), reads as
    # processes writing at once, but no component of a running process replays the file's opening.
    replayed = [o for o in banners if o[2] is first and o[1] != first.first_line and _second_start(o, opening)]

    def restarted(o: Occurrence) -> bool:
        # (A start-worded message after it from the program its header names, under another id, tells it too: the
        # stop makes that message a start below. Only where both headers name it: a busy journal writes start words
        # all the time.)
        name = held.program(o[1])
        return (
            o[1] >= tail_line
            or o[0] == last_bucket
            or any(0 < x - o[1] <= NEAR_LINES and (same_process(o[1], x) or took_over(o[1], x)) for x in confirm)
            or any(0 < x - o[1] <= NEAR_LINES for _b, x, _r in replayed)
            or (
                name is not None and any(0 < x - o[1] <= NEAR_LINES and held.program(x) == name for _b, x, _r in worded)
            )
        )

    # Where many processes write at once, one of them shutting down is routine (logcat's short-lived tools each
    # "Shutting down VM"): a strong stop word is told there in the file's tail or before a start of the same
    # process.
    many = an.sources_interleaved or held.interleaved()
    stops = [o for o in strong if not many or restarted(o)] + [o for o in weak if confirmed(o)]
    stop_lines = [ln for _b, ln, _r in stops]
    starts = [
        o
        for o in banners
        if not (o[0] == 0 or o[1] <= head_line)
        or _second_start(o, opening)
        or any(o[1] - NEAR_LINES <= p.new_line <= o[1] for p in pids)
        or any(o[1] - NEAR_LINES <= x <= o[1] and same_process(x, o[1]) for x in stop_lines)
    ]
    # A start-worded message without a version ("MongoDB starting", "***** SERVER RESTARTED *****") is a start where
    # the same process's stop (a strong stop word: a signal, "shutting down", "exiting") comes just before it.
    # Each such message once per stop (a worker starting three consumers is one start).
    # One that more stop messages of its process follow is a step of the stop ("Gracefully shutting down agent...",
    # "server starting leave", "Graceful exit completed", "shutdown complete"): the start is what comes after them.
    strong_stops = sorted(ln for _b, ln, r in stops if _strong_stop(r))
    stop_words = sorted(ln for _b, ln, _r in strong + weak)

    def stopping(o: Occurrence) -> bool:
        k = bisect.bisect_right(stop_words, o[1])
        return k < len(stop_words) and stop_words[k] - o[1] <= STOP_SEQUENCE_LINES and same_process(o[1], stop_words[k])

    after_stop: dict[tuple[int, int], Occurrence] = {}
    for o in sorted(worded, key=lambda o: o[1]):
        k = bisect.bisect_left(strong_stops, o[1]) - 1
        near = k >= 0 and o[1] - strong_stops[k] <= NEAR_LINES and same_process(strong_stops[k], o[1])
        if o[1] > head_line and near and not stopping(o):
            after_stop.setdefault((strong_stops[k], id(o[2])), o)
    starts += after_stop.values()
    # (Only where no other start follows the stop: the process's own banner, or its new id, tells it better.)
    starts += [o for s, o in paired.values() if not any(0 < x[1] - s[1] <= NEAR_LINES for x in starts)]
    # A banner its process writes again right after it was told to reload (SIGHUP, ``_RELOAD_ORDER``), with no stop
    # or crash between, is the running process reading its configuration again, no start (nginx's "signal 1 (SIGHUP)
    # received from 48211, reconfiguring", then "using the "epoll" event method" again, master 1233 before and
    # after: told as a restart).
    orders = sorted(ln for r in templates if _RELOAD_ORDER.search(r.text) for _b, ln in _occurrences(r))
    if orders:
        ends = sorted([*stop_lines, *(ln for r in crashes for _b, ln in _occurrences(r))])

        def reloaded(o: Occurrence) -> bool:
            k = bisect.bisect_left(orders, o[1]) - 1
            if k < 0 or o[1] - orders[k] > STOP_SEQUENCE_LINES or not same_process(orders[k], o[1]):
                return False
            j = bisect.bisect_right(ends, orders[k])
            return j == len(ends) or ends[j] >= o[1]

        starts = [o for o in starts if not reloaded(o)]

    # A banner a process that writes alone shows for the first time, under the id it wrote long before, with no
    # crash, stop or silence before it, is a component of that process starting (a kubelet's "Container runtime
    # initialized ... version=1.7.2" when containerd is back), not the process.
    def silent_before(ln: int) -> bool:
        return any(ln - NEAR_LINES <= x <= ln for x in silence_ends)

    # A banner just after a crash is the crashed process started again, whatever number its header repeats (a
    # thread's, not a process's, where the file writes one: a database's main thread is 0 in every run).
    crash_lines = [ln for r in crashes for _b, ln in _occurrences(r)]
    # So is a banner just after its own process's stop: the process ended, and a new one took its id again (a
    # container's main process is 1 in every run).
    running = [
        o
        for o in starts
        if not any(o[1] - NEAR_LINES <= x < o[1] for x in crash_lines)
        and not any(o[1] - NEAR_LINES <= x < o[1] and stopped_before(x, o[1]) for x in stop_lines)
        and o not in replayed
        and _written_by_a_running_process(o, held, alone_too=o[1] == o[2].first_line and not silent_before(o[1]))
    ]

    # A start among the first lines its source wrote (a compose service's start sequence) is that source's first
    # start, routine where sources are interleaved (a stack's services start when they are ready, not at once); not
    # a banner the same source wrote before (KrakenD's "Starting KrakenD v2.7.2" again after its stop, among the
    # [GIN] access lines of its router: few lines of its own, but a second start).
    def first_of_source(o: Occurrence) -> bool:
        name = sources.at(o[1])
        return (
            name is not None
            and sources.lines_before(name, o[1]) <= NEAR_LINES
            and not (o[2].first_line < o[1] and sources.at(o[2].first_line) == name)
        )

    starts = [o for o in starts if o not in running and not first_of_source(o)]
    # A banner whose first record was a running process's is no start there: a later one is told as a start,
    # not as the first "again".
    not_started = {id(r) for _b, ln, r in running if ln == r.first_line}
    out: list[Finding] = []
    for kind, found in ((ANOMALY_RESTART, starts), (ANOMALY_SHUTDOWN, stops)):
        episodes = _episodes(found)
        if kind == ANOMALY_RESTART:
            episodes = _one_start_per_stop(episodes, stop_lines, stopped_before)
        for group in episodes:
            if (
                kind == ANOMALY_RESTART
                and many
                and not _told_in_many_process_log(group, pids, stop_lines, stopped_before, not_started, held)
            ):
                continue
            # A stop is told by its strongest message (a signal, "shutting down"), the others listed with it.
            lead = group[0]
            if kind == ANOMALY_SHUTDOWN:
                lead = next((o for o in group if _strong_stop(o[2])), lead)
            b, ln, r = lead
            lines = [ln, *sorted({o[1] for o in group} - {ln})][:MAX_OCCURRENCE_LINES]
            cited: list[int] = []  # other lines the text names (a stop before the start)
            t = _time_of_line(an, r, b, ln)
            at = f"line {ln}" + ("" if t is None else f" ({iso(t)})")
            # A start that wrote no time, after the last record of its bucket that did, belongs with the records that
            # follow it (a server's untimed banner after its stop and an outage): dated by the next one that did.
            after = _next_timed(an, b, ln) if kind == ANOMALY_RESTART else None
            if after is not None:
                t = after[1]
                at = f"line {ln} (no time written; the next timed line, {after[0]}, is at {iso(t)})"
            # The process-id change this start belongs to: around its line, or before it in the same start
            # sequence (a new process that writes its flags first and its banner 180 lines later).
            pid = next(
                (
                    p
                    for p in pids
                    if kind == ANOMALY_RESTART
                    and (
                        p.old_line - NEAR_LINES <= ln <= p.new_line + NEAR_LINES
                        or (b is not None and p.new_line <= ln and p.bucket <= b <= p.bucket + EPISODE_BUCKETS)
                    )
                ),
                None,
            )
            if kind == ANOMALY_SHUTDOWN:
                what = f'stop at {at}: "{r.quote}"'
            elif ln != r.first_line and id(r) not in not_started:
                what = f'restart at {at}: "{r.quote}" again (first at line {r.first_line})'
            elif pid is not None:
                what = f'restart at {at}: "{r.quote}"'
            elif many and (earlier := held.earlier_process(ln)) is not None:
                # Its program wrote before under another process id: the program started again.
                what = (
                    f'restart at {at}: "{r.quote}"; {held.program(ln)} wrote as process {earlier[0]} before '
                    f"(last at line {earlier[1]}), as process {held.pid(ln)} from here"
                )
                cited.append(earlier[1])
            elif stopped := [x for x in stop_lines if ln - NEAR_LINES <= x < ln and stopped_before(x, ln)]:
                # A stop just before a message first seen: in a log of many processes (a journal) the stop
                # may be another's, so the start is told beside it, not called a restart of the same process.
                what = f'process start at {at}, after the stop at line {max(stopped)}: "{r.quote}"'
                cited.append(max(stopped))
            else:
                what = f'process start at {at}, not at the beginning of the file: "{r.quote}"'
            if len(group) > 1:
                others = ", ".join(str(x) for x in lines[1:])
                # The group's other messages are other templates (each says it once per start or stop).
                noun = "start" if kind == ANOMALY_RESTART else "stop"
                what += (
                    f", with {len(group) - 1} more {noun} message{'s' if len(group) > 2 else ''} at line(s) {others}"
                )
            lines += [x for x in cited if x not in lines]
            if pid is not None:
                pids.remove(pid)
                if pid.new_line == pid.old_line + 1:
                    what += f"; {pid.change} from {pid.old} (line {pid.old_line}) to {pid.new} (line {pid.new_line})"
                else:  # no record between them was kept: the change lies somewhere in that stretch
                    what += (
                        f"; {pid.change} from {pid.old} to {pid.new} between line {pid.old_line} "
                        f"and line {pid.new_line}"
                    )
                lines += [x for x in (pid.old_line, pid.new_line) if x not in lines]  # the start's own line first
            when = t if t is not None else _time_by(an, firsts, b, ln)
            out.append(Finding(kind, r, when, when, len(group), 0.0, float(len(group)), lines, what))
    if crashes:
        of_line = {ln: x for x in templates for v in x.variants for ln, _text in v.examples}
        for told, *more in _crash_messages(crashes):
            f = _crash(told, of_line.get(told.first_line - 1))
            if more:
                said = sorted(ln for r in more for ln in _known_lines(r))
                noun = "message" if len(said) == 1 else "messages"
                f.description += f", with {len(said)} more crash {noun} at line(s) {', '.join(map(str, said))}"
                f.lines += [ln for ln in said if ln not in f.lines][: max(0, MAX_OCCURRENCE_LINES - len(f.lines))]
            out.append(f)
    # (A stop at a signal or a crash however often the file writes it: a loop writes it at every end.)
    hard_ends = sorted({ln for r in templates if r in crashes or _strong_stop(r) for _b, ln in _occurrences(r)})
    opener_of_loop = None if frequent_variant else first
    out += _restart_loops(
        an, templates, rare, crashes, firsts, opener_of_loop, (stop_words, hard_ends), silence_ends, envelope
    )
    for p in pids:
        t = _time_of_line(an, None, p.bucket, p.new_line)
        if p.new_line == p.old_line + 1:
            at = f"at line {p.new_line}" + ("" if t is None else f" ({iso(t)})")
        else:  # only sampled records are read: the change lies somewhere between them
            at = f"between line {p.old_line} and line {p.new_line}"
        what = f"restart {at}: {p.change} from {p.old} (line {p.old_line}) to {p.new} (line {p.new_line})"
        when = t if t is not None else _time_by(an, firsts, p.bucket, p.new_line)
        out.append(Finding(ANOMALY_RESTART, None, when, when, 1, 0.0, 1.0, [p.new_line, p.old_line], what))
        out[-1].event = f"{p.change} from {p.old} to {p.new}"
    return out, one_writer


def _any_process(_a: int, _b: int) -> bool:
    return True


_ERROR_RANKS = (severity_rank("ERROR"), severity_rank("FATAL"))


def _crash_messages(crashes: list[Rolled]) -> list[list[Rolled]]:
    """The crash templates in groups that each tell one crash: a template all of whose records (all known to the
    aggregates) come at most ``STOP_SEQUENCE_LINES`` after a record of an earlier group's is that crash told in another
    message (fly.io's "Out of memory: Killed process", then "Process appears to have been OOM killed!", then "Reaped
    child process ... signal: SIGKILL": three crash findings a line apart; Samba's "Signal 11: Segmentation fault",
    then its "PANIC (pid ...)"), told once, by the group's first template."""
    groups: list[list[Rolled]] = []
    for r in sorted(crashes, key=lambda r: r.first_line):
        lines = _known_lines(r)
        told = None
        if len(lines) == r.count:
            told = next(
                (
                    g
                    for g in groups
                    if all(any(0 < x - y <= STOP_SEQUENCE_LINES for y in _known_lines(g[0])) for x in lines)
                ),
                None,
            )
        if told is None:
            groups.append([r])
        else:
            told.append(r)
    return groups


def _crash(r: Rolled, before: Rolled | None) -> Finding:
    """A stop finding for a template that names a crash signal (``_CRASH_SIGNAL``), at ERROR, FATAL or no level
    (a handler installed for SIGSEGV, logged at INFO, is no crash): one finding for all its records, scored by
    their count, so a crash loop (a daemon that segfaults every two minutes) is told as one stop that outranks
    a single clean one, with its first and last line and the lines between that the aggregates hold.

    ``before`` is the template of the record just before the first crash, where the aggregates hold it: when it
    is an ERROR or FATAL message of its own, it is what the process said as it died (glog's FATAL line before
    its abort, a crash dump's process name), quoted and cited."""
    notes = [] if r.first_time is None else [iso(r.first_time)]
    if before is not None and before is not r and severity_rank(before.max_level()) in _ERROR_RANKS:
        notes.append(f'after "{shorten(before.text, TEMPLATE_TEXT_CHARS // 2)}" at line {r.first_line - 1}')
    else:
        before = None
    when = f" ({', '.join(notes)})" if notes else ""
    if r.count == 1:
        what = f'crash at line {r.first_line}{when}: "{r.quote}"'
    else:
        what = f'{r.count} crashes: "{r.quote}", first at line {r.first_line}{when}, last at line {r.last_line}'

    known = sorted(_known_lines(r) - {r.first_line, r.last_line})[: MAX_OCCURRENCE_LINES - 3]
    lines = [r.first_line, *known, *([r.last_line] if r.last_line != r.first_line else [])]
    lines += [r.first_line - 1] if before is not None else []
    return Finding(
        ANOMALY_SHUTDOWN, r, r.first_time, r.last_time, r.count, 0.0, float(r.count), lines, what, crash=True
    )


def _bucket_start(an: Analyzer, b: int | None) -> float | None:
    return None if b is None or an.origin is None else an.origin + b * an.bin_seconds


def _first_times(an: Analyzer) -> list[tuple[int, float]]:
    """Every message variant's first record, (line, time), in line order (``_time_by``)."""
    return sorted((v.first_line, v.first_time) for v in an.variants() if v.first_time is not None)


def _time_by(an: Analyzer, firsts: list[tuple[int, float]], b: int | None, line: int) -> float | None:
    """The time of a line of bucket ``b`` whose own time the aggregates do not hold, as the latest time they hold of
    a record of that bucket at or before it: its bucket's first record's and every message variant's first record's
    (``firsts``; a restart is not told before the stop it follows when both fall in one bucket); the bucket's start
    where none is held."""
    tb = an.buckets.get(b) if b is not None else None
    if tb is None or tb.first_line > line:
        return _bucket_start(an, b)
    lo = bisect.bisect_left(firsts, (tb.first_line, -math.inf))
    hi = bisect.bisect_right(firsts, (line, math.inf))
    return max([tb.first_time, *(t for _ln, t in firsts[lo:hi] if t <= tb.last_time)])


def _ends_a_run(r: Rolled, crashes: list[Rolled]) -> bool:
    """Whether a template's records say the process that wrote them ends: a crash (``_crash``), a POSIX
    termination signal or a shell's report of one, a FATAL record, or an error that says the process stops
    ("Cannot start without broker, exiting with status 1")."""
    rank = severity_rank(r.max_level())
    return (
        any(r is c for c in crashes)
        or rank == severity_rank("FATAL")
        or _SIGNAL_NAME.search(r.text) is not None
        or SHELL_SIGNAL_REPORT.fullmatch(r.text.strip()) is not None
        or (rank in _ERROR_RANKS and (_STOP_STRONG.search(r.text) or _weak_stop(r.text)) is not None)
    )


def _after_ends(start: Rolled, occ: list[tuple[int | None, int]], ends: list[int]) -> bool:
    """Whether every start again (each known occurrence of the start message but its first, all of them known) comes
    after an end of the run before it (``ends``: lines where a run ended, the first record after a silence among them)
    and no further than ``NEAR_LINES`` before it: the process ended, then started again."""
    lines = [ln for _b, ln in occ]
    if len(lines) != start.count:
        return False
    for prev, ln in itertools.pairwise(lines):
        k = bisect.bisect_right(ends, ln) - 1  # the last end at or before the start again
        if k < 0 or not max(prev, ln - NEAR_LINES) < ends[k]:
            return False
    return True


def _starts_one_thing(text: str) -> bool:
    """Whether a message says it starts (``_START_VERB``) and names what starts the same way each time: no placeholder
    up to the word after the verb ("supervisord started with pid <*>"). What varies there is another instance at each
    start, a job's or a helper's (systemd's "Started systemd-coredump@0-4242-0.service - Process Core Dump" after each
    crash it dumps: "Started <*> - Process Core Dump")."""
    m = _START_VERB.search(text)
    if m is None:
        return False
    after = text[m.end() :].split(None, 1)
    return WILDCARD not in text[: m.end()] and not (after and WILDCARD in after[0])


def _same_object(stop: str, start: str) -> bool:
    """Whether a stop message and a start message name the same thing after their verbs ("Stopping X...", "Starting
    X..."; "Stopped X.", "Started X."): words, not only placeholders."""
    m, n = _weak_stop(stop), _START_VERB.search(start)
    if m is None or n is None:
        return False
    what = stop[m.end() :].strip().rstrip(".…").strip()
    return (
        what == start[n.end() :].strip().rstrip(".…").strip() and _WORD.search(what.replace(WILDCARD, " ")) is not None
    )


def _same_starts(told: list[int], again: list[int]) -> bool:
    """Whether each start again of a start message follows one told already (the last before it), at most
    ``NEAR_LINES`` after it: one process's start sequence, told by its first message. A message the process writes at
    some of its starts only is of the same loop (supervisord's "supervisord started with pid 1" at each start, not at
    its reload on SIGHUP, where its "RPC interface 'supervisor' initialized" is written again too)."""
    if len(again) > len(told):
        return False
    for b in again:
        k = bisect.bisect_left(told, b) - 1
        if k < 0 or b - told[k] > NEAR_LINES:
            return False
    return True


def _alternate(start: Rolled, end: Rolled) -> bool:
    """Whether a start message and an end message take turns, start first (a run of the process between them):
    their first records (the templates' examples) alternate, and at every bucket's end (exact counts per bucket)
    the starts so far are as many as the ends or one more (a run in progress). The records of one bucket are not
    ordered among themselves: the turns are checked where the aggregates can tell."""
    starts = sorted(ln for ln, _t in start.examples)
    ends = sorted(ln for ln, _t in end.examples)
    if not starts or not ends:
        return False
    for i, e in enumerate(ends[: len(starts)]):
        if not starts[i] < e or (i + 1 < len(starts) and not e < starts[i + 1]):
            return False
    if not start.bins or not end.bins:
        return True
    started = ended = 0
    for b in sorted(start.bins.keys() | end.bins.keys()):
        started += start.bins.get(b, (0, 0))[0]
        ended += end.bins.get(b, (0, 0))[0]
        if not ended <= started <= ended + 1:
            return False
    return True


def _restart_loops(
    an: Analyzer,
    templates: list[Rolled],
    rare: int,
    crashes: list[Rolled],
    firsts: list[tuple[int, float]],
    opener_of_loop: Rolled | None,
    stops: tuple[list[int], list[int]],
    silence_ends: list[int],
    envelope: frozenset[str],
) -> list[Finding]:
    """A process that keeps dying and starting again (a crash loop, a container's restarts under its restart
    policy, ``docker logs`` of all its runs): its start message comes more often than a banner's rarity allows
    (``BANNER_MAX_COUNT``, ``BANNER_MIN_SPACING``), so the rules of ``_lifecycle`` leave it out, and so do they the
    message that ends each run. Such a start message is a banner by its words (a start verb and a version, or a
    version announced) or the file's first record's message (``opener_of_loop``: not a rare variant of a frequent
    one); it is a loop where it comes at least three times and takes turns with one message that ends a run
    (``_ends_a_run``: the message before each start again), as many of them or one fewer (the last run goes on)
    (``_alternate``); the last such message before the start again is quoted. Runs may also end in different ways
    (a stop at a signal, a FATAL record, a crash, a silence: ``_after_ends``): each start again after the end of the
    run before it is a restart all the same (a small file's three starts are more than its banners' rarity allows).
    Told once, with its count: a loop of 50 restarts outranks a single restart. Start messages of one loop (a
    supervisor's "Started Orders API." and the service's own "Starting orders-api 2.4.1" after it, as often; MySQL's
    "starting as process <*>" and its "ready for connections") are one loop, told by its first start message
    (``_same_starts``)."""
    stop_words, hard_ends = stops  # lines of every stop word, and of the strong ones and the crashes
    out: list[Finding] = []
    told: set[tuple[int, int]] = set()  # (the ending message, the restarts) of each loop told
    told_starts: list[list[int]] = []  # the lines of each loop's starts again
    enders = [r for r in templates if _ends_a_run(r, crashes)]
    # Where each run ended: a message that ends one (``_ends_a_run``) or says the process stops (``stop_words``), and
    # the first record after a silence.
    ends = sorted({ln for r in enders for _b, ln in _occurrences(r)} | set(stop_words) | set(silence_ends))
    for s in sorted(templates, key=lambda r: r.first_line):
        if s.count <= max(rare, 2) or severity_rank(s.max_level()) in _ERROR_RANKS:
            continue
        said = _said(s, envelope)
        worded = _START_VERB.search(s.text) is not None and any(map(_VERSION.search, said))
        # (A message whose words only say it starts, no version, naming what starts the same way each time
        # (``_starts_one_thing``): a restart only where each start again follows a stop at a signal, a strong stop
        # word or a crash of the run before it: supervisord's "supervisord started with pid 1" after each "received
        # SIGTERM indicating exit request", three starts in 90 records; not a job's or a child's start after its
        # silence or its "exited": Barman's "Starting receive-wal for server pg-main", nginx-rtmp's "exec: starting
        # managed child 'ffmpeg ...'".)
        announces = worded or s is opener_of_loop or any(map(_VERSION_ANNOUNCEMENT.search, said))
        if not announces and not _starts_one_thing(s.text):
            continue
        # Of the messages that end each run, the last one written before the start again (the process's own stop,
        # "Shutting down: Master", after its worker's "exited with code 3").
        ending = [
            e for e in enders if announces and e is not s and s.count - 1 <= e.count <= s.count and _alternate(s, e)
        ]
        occ = _occurrences(s)
        again_lines = [ln for _b, ln in occ[1:]]
        if any(_same_starts(t, again_lines) for t in told_starts):
            continue
        if not ending:
            # Runs that end in different ways (a stop at a signal, then a FATAL record, then a silence): each start
            # again is still a restart where the run before it is seen to end (``_after_ends``), if its words say it
            # starts: not a message that only opened the file (nginx's "using the "epoll" event method" is written
            # again at a reload), nor one that only names a version (Windows' "Faulting application name: spoolsv.exe,
            # version: ..." after the service's stop), nor one that ends a run itself (a crash written at every crash).
            if (
                _START_VERB.search(s.text) is None
                or s in enders
                or _strong_stop(s)
                or _weak_stop(s.text)
                or not _after_ends(s, occ, ends if announces else hard_ends)
            ):
                continue
            end = None
        else:
            end = max(ending, key=lambda e: e.first_line)
            if (id(end), s.count) in told:
                continue
            told.add((id(end), s.count))
        told_starts.append(again_lines)
        again = [(b, ln) for b, ln in occ if ln != s.first_line]
        if not again:
            continue
        b2, second = again[0]
        lines = [second, *(ln for _b, ln in again[1:])][: MAX_OCCURRENCE_LINES - (1 if end else 0)]
        what = (
            f'restart loop: {s.count - 1} restarts, "{s.quote}" again at line {second}'
            if end
            else f'{s.count - 1} restarts: "{s.quote}" again at line {second}'
        ) + (
            f" and {s.count - 2} more time{'s' if s.count > 3 else ''} up to line {s.last_line}" if s.count > 2 else ""
        )
        if end:
            lv = end.max_level()
            lines.append(end.first_line)
            what += f', each after "{end.quote}" ({lv + ", " if lv else ""}first at line {end.first_line})'
        else:
            what += ", each after the run before it ended (a stop, a crash, a FATAL record or a silence)"
        t = _time_of_line(an, s, b2, second)
        when = t if t is not None else _time_by(an, firsts, b2, second)
        out.append(Finding(ANOMALY_RESTART, s, when, s.last_time, s.count - 1, 0.0, float(s.count - 1), lines, what))
    return out


def _next_timed(an: Analyzer, b: int | None, line: int) -> tuple[int, float] | None:
    """Where ``line`` of bucket ``b`` comes after the last record of its bucket that wrote a time of its own (its
    time is only carried), the first record after it that wrote one: its line and time (None otherwise, or where
    none follows)."""
    if b is None or (tb := an.buckets.get(b)) is None or not 0 < tb.last_timed_line < line:
        return None
    later = [x for x in an.buckets if x > b]
    if not later:
        return None
    nb = an.buckets[min(later)]
    return nb.first_line, nb.first_time


def _time_of_line(an: Analyzer, r: Rolled | None, b: int | None, line: int) -> float | None:
    """The exact time of a line where the aggregates hold it (a template's first line, its first line in a
    bucket, or the first line of a bucket), else None."""
    if r is not None and line == r.first_line:
        return r.first_time
    if r is not None and b is not None and (x := r.bins.get(b)) is not None and x[1] == line:
        return float(x[2])
    if b is not None and b in an.buckets and an.buckets[b].first_line == line:
        return an.buckets[b].first_time
    return None


def _rare(an: Analyzer, templates: list[Rolled]) -> list[Finding]:
    """Templates seen at most ``RARE_MAX_COUNT`` times in a file of at least ``RARE_MIN_RECORDS``, but for lines of
    pretty-printed data (``_DATA_LINE``: '"Scope": {', '},').

    One first seen in the file's head (its first ``RESTART_HEAD_SHARE`` of lines or of its time span, or its
    first bucket) is *routine*: a process's start sequence writes most of its messages once, so they are rare
    by construction; ranked after the rare messages of the rest of the file (equal scores were ordered by line,
    which put a file's first lines ahead of every later rare message). A message that states a failure
    (``_FAILURE_WORDS``) scores one more: as rare as others, it is the likelier news."""
    if an.records < RARE_MIN_RECORDS or not templates:
        return []
    head_line = _head_line(templates)
    head_time = _head_time(an)
    first_bucket = min(an.buckets, default=None) if head_time is not None else None
    out = []
    for r in templates:
        if r.count <= RARE_MAX_COUNT and not _DATA_LINE.fullmatch(r.text.strip()) and not heads_nothing(r):
            lines = sorted({r.first_line, r.last_line})
            seen = f"once, at line {r.first_line}" if r.count == 1 else f"{r.count} times, first at line {r.first_line}"
            desc = f'rare message "{r.quote}" seen {seen}'
            # As rare as another, a message that states a failure comes first ("disk0s2: I/O error." logged at no
            # level of note, beside the one-off steps of a routine job).
            score = round(math.log10(an.records / r.count) + (1.0 if states_failure(r.text) else 0.0), 2)
            head = (
                r.first_line <= head_line
                or (first_bucket is not None and min(r.bins, default=None) == first_bucket)
                or (head_time is not None and r.first_time is not None and r.first_time <= head_time)
            )
            f = Finding(ANOMALY_RARE, r, r.first_time, r.last_time, r.count, 0.0, score, lines, desc, routine=head)
            out.append(f)
    return out


def timed_enough(records: int, with_time: int) -> bool:
    """Whether enough of a file's records carry a time of their own (``TIMED_RATE_SHARE``) for a message's rate over
    time to mean anything: a build's or a test run's output stamped on a few lines (xcodebuild's 2.9 %, sbt's 17.7 %)
    gives every other record the time of the last stamp, so a whole test suite "bursts" within a second and a
    warning "pauses" for 24 minutes."""
    return with_time >= TIMED_RATE_SHARE * records


def find_anomalies(an: Analyzer, templates: list[Rolled]) -> list[Finding]:
    """All findings, ranked (``Finding.rank``: kind, then score), then cut to ``MAX_ANOMALIES``: a cap never
    drops a higher-ranked finding for a lower one. A message's bursts only where enough records carry their time
    (``timed_enough``); the errors' bursts stand (errors close together in lines are close in time as well: a
    failing stretch of a cron job's traced script), and so does a silence (a gap between two records' own
    times)."""
    out: list[Finding] = []
    bk = Buckets.of(an)
    if bk is not None:
        timed = timed_enough(an.records, an.with_time)
        out += [f for f in _bursts(bk, templates) if timed or f.kind != ANOMALY_BURST]
        silences = _silences(bk)
        out += silences
        out += _rate_changes(bk, silences)
        lifecycle, one_writer = _lifecycle(an, templates, silences)
    else:
        lifecycle, one_writer = _lifecycle(an, templates, [])
    out += lifecycle
    out += _rare(an, templates)
    _mark_start_sequences(out, templates, _head_time(an))
    told = _outages(out, bk.width) if bk is not None else set()
    _starts_after_stops(out, told, one_writer)
    out.sort(key=Finding.rank)
    return out[:MAX_ANOMALIES]


# A stop finding of one stop or one crash (``_lifecycle``, ``_crash``): "stop at line 72 (...)", "crash at line 78".
ONE_STOP = re.compile(r"(stop|crash) at line ")


def _outages(found: list[Finding], width: float) -> set[int]:
    """A silence that a stop opens or a restart ends is told as one outage with them: the service stopped (or
    crashed), wrote nothing, and started again (a directory server's shutdown for a full disk at 11:00, its start
    at 12:37: three findings, told in the order silence, restart, stop, and the silence "would have written about
    23" records for a server that was down). The stop is one stop or one crash cited at most ``NEAR_LINES`` lines
    and one bucket width before the gap; the restart the first one cited at most as far after it (or at a line in
    it that wrote no time: a server's untimed banner), dated in the bucket after the gap (a host's boot written
    with the clock it had before it was set, hours back, ends no gap), where no stop comes between them (a file
    that goes on after the gap and then stops again: the restart follows that stop). The silence's description
    tells both, and its lines start at the stop's first line and end at the restart's (``outage_parts``: the
    summary tells them by the silence's claim); the stop and the restart stay findings of their own. Not for a
    silence of a start sequence (routine). Returns the ids of the stops and restarts told so."""
    told: set[int] = set()
    ends = [f for f in found if f.kind == ANOMALY_SHUTDOWN and f.lines]
    stops = [f for f in ends if ONE_STOP.match(f.description)]
    starts = [f for f in found if f.kind == ANOMALY_RESTART and f.lines]
    for s in found:
        if s.kind != ANOMALY_SILENCE or s.routine or s.start is None or s.end is None or not s.lines:
            continue
        first, last = s.lines[0], s.lines[-1]
        # (A gap of two lines holds no timed record: a line between them wrote no time, and may be the start.)
        earliest = first + 1 if len(s.lines) == 2 else last
        stop = max(
            (
                f
                for f in stops
                if first - NEAR_LINES <= f.lines[0] <= first and (f.start is None or s.start - f.start <= width)
            ),
            key=lambda f: f.lines[0],
            default=None,
        )
        start = min(
            (
                f
                for f in starts
                if earliest <= f.lines[0] <= last + NEAR_LINES and (f.start is None or 0 <= f.start - s.end <= width)
            ),
            key=lambda f: f.lines[0],
            default=None,
        )
        if start is not None and any(earliest <= f.lines[0] < start.lines[0] for f in ends):
            start = None  # the file goes on after the gap and stops again: that stop's start (Flink's SIGTERM)
        if stop is None and start is None:
            continue
        restart = ""
        if start is not None:
            at = "" if start.start is None else f" ({iso(start.start)})"
            quote = f": {start.event}" if start.event else ""
            quote = f': "{start.template.quote}"' if start.template is not None else quote
            restart = f"restart at line {start.lines[0]}{at}{quote}"
        if stop is not None:
            at = "" if stop.start is None else f" ({iso(stop.start)})"
            quote = "" if stop.template is None else f': "{stop.template.quote}"'
            stopped = f"{stop.description.split(' ', 1)[0]} at line {stop.lines[0]}{at}{quote}"
            if start is not None:
                s.description = f"down for {duration(s.end - s.start)}: {stopped}, {s.event}, {restart}"
            else:
                s.description = f"quiet for {duration(s.end - s.start)} after the {stopped}: {s.event}"
        else:
            s.description += f", and then a {restart}"
        # The stop's line first, the restart's last (``outage_parts`` reads them there).
        cited = [*([stop.lines[0]] if stop else []), *s.lines, *([start.lines[0]] if start else [])]
        s.lines = list(dict.fromkeys(cited))
        told.update(id(f) for f in (stop, start) if f is not None)
    return told


# A restart's description that tells the stop before it (``_starts_after_stops``; a process start's, ``_lifecycle``).
_AFTER_STOP = "after the {} at line {}"


def _starts_after_stops(found: list[Finding], told: set[int], one_writer: Callable[[int, int], bool]) -> None:
    """A restart told with the stop just before it: "restart at line 150 (...): "Jellyfin version: <*>" again (first
    at line 1), after the stop at line 144 (...): "Received a SIGTERM signal, shutting down"" (two claims, the
    restart first, were one event). The stop is the last one stop or one crash at most ``NEAR_LINES`` lines before
    the restart's line, with no other restart between them, of the same process (``one_writer``: not another
    compose service's), neither told by an outage (``_outages``, ``told``).
    The restart's lines end with the stop's first line (``told_with``); the stop stays a finding of its own."""
    stops = sorted(
        (
            f
            for f in found
            if f.kind == ANOMALY_SHUTDOWN and f.lines and id(f) not in told and ONE_STOP.match(f.description)
        ),
        key=lambda f: f.lines[0],
    )
    starts = sorted((f for f in found if f.kind == ANOMALY_RESTART and f.lines), key=lambda f: f.lines[0])
    taken: set[int] = set()
    for r in starts:
        at = r.lines[0]
        if id(r) in told or not r.description.startswith(("restart at line ", "process start at line ")):
            continue
        stop = next((f for f in reversed(stops) if at - NEAR_LINES <= f.lines[0] < at), None)
        if stop is None or id(stop) in taken or not one_writer(stop.lines[0], at):
            continue
        if any(stop.lines[0] < x.lines[0] < at for x in starts):
            continue  # another start came between them: the stop is that one's
        taken.add(id(stop))
        noun = stop.description.split(" ", 1)[0]
        said = _AFTER_STOP.format(noun, stop.lines[0])
        if said not in r.description and _AFTER_STOP.format("stop", "") in r.description:
            continue  # (a process start after another stop message, which it names already)
        if said not in r.description:
            when = "" if stop.start is None else f" ({iso(stop.start)})"
            quote = "" if stop.template is None else f': "{stop.template.quote}"'
            r.description += f", {said}{when}{quote}"
        r.lines = [x for x in r.lines if x != stop.lines[0]] + [stop.lines[0]]


def told_with(finding: report_pb2.Anomaly, anomalies: Sequence[report_pb2.Anomaly]) -> list[report_pb2.Anomaly]:
    """The stops and restarts a finding tells with it: a silence's outage (``_outages``: the one stop or crash cited
    at its first line, the restart cited at its last), a restart's stop before it (``_starts_after_stops``: the one
    stop or crash cited at its last line, named in its description)."""
    lines = finding.line_numbers
    if not lines or finding.kind not in (ANOMALY_SILENCE, ANOMALY_RESTART):
        return []
    out = []
    for a in anomalies:
        if not a.line_numbers or a is finding:
            continue
        if a.kind == ANOMALY_SHUTDOWN and (m := ONE_STOP.match(a.description)) is not None:
            if (finding.kind == ANOMALY_SILENCE and a.line_numbers[0] == lines[0]) or (
                finding.kind == ANOMALY_RESTART
                and a.line_numbers[0] == lines[-1]
                and _AFTER_STOP.format(m.group(1), lines[-1]) in finding.description
            ):
                out.append(a)
        elif a.kind == ANOMALY_RESTART and finding.kind == ANOMALY_SILENCE and a.line_numbers[0] == lines[-1]:
            out.append(a)
    return out


def _head_time(an: Analyzer) -> float | None:
    """The end of the file's head in time: its first ``RESTART_HEAD_SHARE`` of its time span. A start sequence
    lasts a while, not a number of lines: a server that logs its start in detail fills more than the head's
    share of lines with it (kube-apiserver: 11 % of the lines in the first 5 % of the time)."""
    if an.min_time is None or an.max_time is None or not _in_time_order(an):
        return None
    return an.min_time + RESTART_HEAD_SHARE * (an.max_time - an.min_time)


def _newest_first(an: Analyzer) -> bool:
    """Whether the file runs newest first (a log tool's export): nearly every timed record goes back in time
    (``NEWEST_FIRST_SHARE``, of ``NEWEST_FIRST_MIN_RECORDS`` at least), its first timed record is its latest (in the
    first histogram second of it) and its last one its earliest. A file in time order but for a late first line
    (every record is then before a time already seen) ends on a later time than its earliest."""
    if an.with_time < NEWEST_FIRST_MIN_RECORDS or an.out_of_order < NEWEST_FIRST_SHARE * an.with_time:
        return False
    if an.origin is None or an.max_time is None or an.last_time is None:
        return False
    return an.max_time - an.origin < FIRST_BIN_SECONDS and an.last_time == an.min_time


def _in_time_order(an: Analyzer) -> bool:
    """Whether the file's time runs with its lines (at most ``HEAD_OUT_OF_ORDER`` of its timed records before a
    time already seen): only then is its start in time its start in lines. Services' logs concatenated one after
    another start again at every service: their first bucket holds every service's start, and the end of the
    file as well (times before the histogram's origin fall in its first bucket)."""
    return an.out_of_order <= HEAD_OUT_OF_ORDER * an.with_time


def _mark_start_sequences(found: list[Finding], templates: list[Rolled], head_time: float | None) -> None:
    """Bursts and rare messages that begin a process's run are routine (``Finding.routine``): those starting
    in the file's head (first ``RESTART_HEAD_SHARE`` of lines or of its time span, ``_head_time``) or at most
    ``NEAR_LINES`` lines after a line a restart cites (its start messages), and rare messages that state no failure
    as far after a line a stop cites (a stop's one-off messages: a pool closed, a cache flushed, "Bye"; most of
    Flink's and Livy's findings; a failure there may be why it stopped). A start floods its initialisation messages
    (a burst of flags, of caches filled) and writes most of them once (rare), so they rank after the bursts and rare
    messages of the run itself. Error bursts stay as they are: errors at a start are news (a start that fails). A
    start pauses as well (kube-apiserver's 12 s building its OpenAPI spec, 120 records missing at its rate): a silence
    that ends in the file's head in time is routine too."""
    if not templates:
        return
    head_line = _head_line(templates)
    starts = [ln for f in found if f.kind == ANOMALY_RESTART for ln in f.lines]  # a start's messages and pid lines
    stops = [ln for f in found if f.kind == ANOMALY_SHUTDOWN for ln in f.lines]
    for f in found:
        if f.kind == ANOMALY_SILENCE and head_time is not None and f.end is not None and f.end <= head_time:
            f.routine = True
        if f.kind in (ANOMALY_BURST, ANOMALY_RARE) and f.lines:
            at = f.lines[0]
            early = head_time is not None and f.start is not None and f.start <= head_time
            ended = (
                f.kind == ANOMALY_RARE
                and f.template is not None
                and not states_failure(f.template.text)
                and any(s <= at <= s + NEAR_LINES for s in stops)
            )
            if at <= head_line or early or ended or any(s <= at <= s + NEAR_LINES for s in starts):
                f.routine = True

    # A burst of a message that tells a start, one the file's first start wrote too, at most NEAR_LINES lines before
    # a start a restart cites, is that start sequence written again before its banner, which the restart tells
    # (CouchDB's "Application couch_log started on node ..." x24 after an outage, its "Apache CouchDB has started"
    # banner after them): no finding. (Requests or any other message in a burst there are the run's own.)
    found[:] = [
        f
        for f in found
        if not (
            f.kind == ANOMALY_BURST
            and f.template is not None
            and f.template.first_line <= head_line
            and _START_VERB.search(f.template.text) is not None
            and f.lines
            and any(s - NEAR_LINES <= f.lines[0] < s for s in starts)
        )
    ]


def listed_templates(templates: list[Rolled], with_exceptions: frozenset[int] = frozenset()) -> list[Rolled]:
    """The templates the report lists (``MAX_TEMPLATES``), in ``templates``' order (most frequent first). Which
    ones is chosen by rank, not by count: every ERROR/FATAL template and every one whose records carry an exception
    (``with_exceptions``: ids of templates; an exception group is reported with its template), then every WARN one,
    then the most frequent of the rest (a cap never drops an error seen once for an INFO message seen twice: a file
    of thousands of one-off messages would otherwise lose its one-off errors and exceptions from the error ranking,
    the exception groups and the summary, while its overview still counts them)."""
    if len(templates) <= MAX_TEMPLATES:
        return templates

    def tier(r: Rolled) -> int:
        return SEVERITY_TIER["ERROR"] if id(r) in with_exceptions else SEVERITY_TIER.get(r.max_level() or "", -1)

    ranked = sorted(templates, key=lambda r: (-tier(r), -r.count, r.first_line))
    keep = {id(r) for r in ranked[:MAX_TEMPLATES]}
    return [r for r in templates if id(r) in keep]


def build_report(an: Analyzer, counters: ReadCounters, engine_version: str) -> report_pb2.AnalysisReport:
    templates, of_variant = roll_up(an)
    rep = report_pb2.AnalysisReport(
        engine_version=engine_version,
        byte_count=counters.decompressed_bytes,
        line_count=counters.lines,
        record_count=an.records,
        input_byte_count=counters.input_bytes,
        gzip=counters.gzip,
        template_count=len(templates),
    )
    g = an.guess
    if g is not None:
        rep.format.name = g.name
        rep.format.confidence = g.confidence
        rep.format.share = g.share
        # The discovered header names a header-message file's layout; under another format (klog, logcat) a layout
        # was only found for the lines that format does not explain, and would read as the file's own.
        rep.format.header_layout = g.layout.describe() if g.layout is not None and g.name == FORMAT_HEADER else ""
    rep.format.explained_share = round(an.explained / an.records, 4) if an.records else 0.0
    if an.min_time is not None and an.max_time is not None:
        _put(rep.time_range.start_time, an.min_time)
        _put(rep.time_range.end_time, an.max_time)
    totals: dict[str, int] = {}
    for r in templates:
        for k, c in r.levels.items():
            totals[k] = totals.get(k, 0) + c
    for k in LEVELS:
        if totals.get(k):
            rep.levels.add(level=LEVEL_ENUM[k], count=totals[k])
    carrying = frozenset(
        id(of_variant[id(es.variant)]) for es in an.exceptions.values() if id(es.variant) in of_variant
    )
    listed = listed_templates(templates, carrying)
    for r in listed:
        _template(rep, an, r)
    # Errors and warnings ranked: errors (ERROR, FATAL) before warnings, then severity weight times log of the count.
    # A template that is one frame of a stack trace is part of the exception its trace reports (the exception
    # groups tell it), not an error message of its own: not ranked.
    ranked = []
    for r in listed:
        lv = r.max_level()
        if lv in SEVERITY_WEIGHT and not is_frame_template(r.text) and not heads_nothing(r):
            n_bad = sum(c for k, c in r.levels.items() if k in SEVERITY_WEIGHT)
            ranked.append((round(SEVERITY_WEIGHT[lv] * math.log2(1 + n_bad), 4), r, lv))
    ranked.sort(key=lambda x: (-SEVERITY_TIER[x[2]], -x[0], x[1].first_line))
    for score, r, lv in ranked[:MAX_ERROR_TEMPLATES]:
        rep.error_templates.add(template_id=r.id, score=score, level=LEVEL_ENUM[lv], count=r.count)
    listed_ids = {r.id for r in listed}
    # Exception groups.
    groups: dict[str, report_pb2.ExceptionGroup] = {}
    for es in sorted(an.exceptions.values(), key=lambda e: e.first_line):
        if es.count == 0:
            continue
        owner = of_variant.get(id(es.variant))
        if owner is None or owner.id not in listed_ids:
            continue
        r = owner
        fp = fingerprint(es.info, r.id)
        eg = groups.get(fp)
        if eg is None:
            eg = groups[fp] = report_pb2.ExceptionGroup(
                fingerprint=fp,
                exception_type=es.info.type,
                message=es.info.message,
                root_cause_type=es.info.root_type,
                root_cause_message=es.info.root_message,
                template_id=r.id,
                top_frames=list(es.info.frames),
                first_line=es.first_line,
            )
            if es.first_time is not None:
                _put(eg.first_time, es.first_time)
            eg.example.line_number = es.first_line
            eg.example.text = es.example
        eg.count += es.count
        eg.last_line = max(eg.last_line, es.last_line)
        if es.last_time is not None and (not eg.HasField("last_time") or es.last_time > eg.last_time.ToSeconds()):
            _put(eg.last_time, es.last_time)
    for eg in sorted(groups.values(), key=lambda e: (-e.count, e.first_line))[:MAX_EXCEPTION_GROUPS]:
        rep.exception_groups.append(eg)
    # Anomalies and the timeline.
    findings = find_anomalies(an, listed)
    for f in findings:
        a = rep.anomalies.add(
            kind=f.kind,
            template_id=f.template.id if f.template else "",
            count=f.count,
            baseline=f.baseline,
            score=f.score,
            line_numbers=f.lines,
            description=f.description,
            routine=f.routine,
        )
        if f.start is not None:
            _put(a.start_time, f.start)
        if f.end is not None:
            _put(a.end_time, f.end)
    # The timeline: first errors (top TIMELINE_FIRST_ERRORS ranked error templates), then findings in their
    # rank order but the routine messages and pauses of a start; cut to MAX_TIMELINE in that order, then sorted by
    # time.
    events: list[tuple[float, int, report_pb2.TimelineEntry]] = []
    newest_first = _newest_first(an)
    for _score, r, lv in ranked[:TIMELINE_FIRST_ERRORS]:
        # The first record at the template's level, not the template's first record (an access log's GET
        # template opens with a 200; its first 404 is what the timeline is about). First in time: in a file
        # that runs newest first, its last record at the level.
        line, when, _text = r.level_first.get(lv, (r.first_line, r.first_time, ""))
        if newest_first and lv in r.level_last:
            line, when = r.level_last[lv]
        at_level = r.levels.get(lv, 0)
        in_all = f"{at_level} in all" if at_level == r.count else f"{at_level} of its {r.count} records"
        e = report_pb2.TimelineEntry(
            description=f'first {lv} "{r.quote}" at line {line} ({in_all})',
            template_ids=[r.id],
            line_numbers=[line],
        )
        if when is not None:
            _put(e.time, when)
        events.append((when if when is not None else math.inf, line, e))
    for f in findings:
        if f.routine and f.kind in (ANOMALY_RARE, ANOMALY_SILENCE):
            # A message or a pause of a process's start sequence (as the summary leaves them out): the restart
            # tells the start; its one-off messages would fill the timeline's first minute.
            continue
        e = report_pb2.TimelineEntry(
            description=f.description,
            kind=f.kind,
            template_ids=[f.template.id] if f.template else [],
            line_numbers=f.lines,
        )
        if f.start is not None:
            _put(e.time, f.start)
        events.append((f.start if f.start is not None else math.inf, f.lines[0] if f.lines else 0, e))
    for _t, _l, e in sorted(events[:MAX_TIMELINE], key=lambda x: (x[0], x[1])):
        rep.timeline.append(e)
    # Parse quality.
    q = rep.parse_quality
    n = an.records or 1
    q.timestamp_share = round(an.with_time / n, 4)
    q.level_share = round(an.with_level / n, 4)
    q.multiline_records = an.multiline_records
    q.joined_lines = counters.joined_lines
    q.truncated_records = counters.truncated_records
    q.invalid_utf8_sequences = counters.invalid_utf8
    q.nul_bytes = counters.nul_bytes
    q.out_of_order_records = an.out_of_order
    q.envelope = counters.envelope
    if rep.format.name:
        rep.format.description = describe_format(
            rep.format.name,
            rep.format.confidence,
            rep.format.explained_share,
            counters.envelope,
            g.wrapped if g is not None else "",
            g is not None and g.requests is not None,
        )
    q.ansi_sequences = counters.ansi_sequences
    q.time_assumptions.extend(sorted(an.assumptions))
    if _newest_first(an):
        q.time_assumptions.append(NEWEST_FIRST)
    q.unexplained_records = an.records - an.explained
    for ln, text in an.unexplained_samples:
        q.unexplained_samples.add(line_number=ln, text=text)
    q.cri_partial_lines = counters.cri_partials
    q.empty_lines = an.empty_lines
    caps = rep.caps
    caps.max_templates = MAX_TEMPLATES
    caps.max_examples = MAX_EXAMPLES
    caps.max_top_values = MAX_TOP_VALUES
    caps.max_values_tracked = HEAVY_HITTERS_CAPACITY
    caps.max_histogram_buckets = MAX_BINS
    caps.max_record_chars = MAX_RECORD_CHARS
    caps.max_exception_groups = MAX_EXCEPTION_GROUPS
    caps.max_anomalies = MAX_ANOMALIES
    from .summary import write_summary

    write_summary(rep)
    return rep


def _variable_places(
    masked: tuple[str, ...], text: str, kinds: dict[int, str]
) -> dict[int, tuple[int, str, str]] | None:
    """Variable i of a masked message (its i-th masked span) -> its placeholder's index in the template
    ``text`` and the brackets around the variable that the placeholder holds too (``_bracketed_in``; else empty);
    None when the two do not line up token for token. A token the miner kept as the message has it
    maps its spans one to one (a date-time span reads ``<*>:<*>:<*>``, three placeholders, the first cited); a
    token the miner generalised ("admin" -> ``<*>``) adds template placeholders no masked span fills, and
    spans inside it have no single placeholder (left out), but for one variable in brackets that it generalised
    with them."""
    words = message_tokens(text)
    if len(words) != len(masked):
        return None
    out: dict[int, tuple[int, str, str]] = {}
    k = 0  # masked span
    p = 0  # template placeholder
    for a, b in zip(masked, words, strict=True):
        q = 0  # wildcard within the token
        n = a.count(WILDCARD)
        at = 0
        around = _bracketed_in(a, b) if n == 1 and a != b else None
        while q < n:
            at = a.index(WILDCARD, at)
            wide = kinds.get(k) in WIDE_KINDS and a.startswith(TIME_WILDCARD, at)
            if a == b:
                out[k] = (p + q, "", "")
            elif around is not None:
                out[k] = (p, *around)
            step = TIME_WILDCARD.count(WILDCARD) if wide else 1
            q += step
            at += len(TIME_WILDCARD) if wide else len(WILDCARD)
            k += 1
        p += b.count(WILDCARD)
    return out


def _bracketed_in(masked: str, word: str) -> tuple[str, str] | None:
    """The brackets or quotes around a masked token's one variable, where the template's token generalised them with it
    to its one placeholder (Postfix's "from=<<*>>," under "from=<*>,", which the null sender's "from=<>," made a
    placeholder): the placeholder's values are the variable's, in those brackets. None where it did not."""
    if word.count(WILDCARD) != 1:
        return None
    before, _w, after = word.partition(WILDCARD)
    if len(masked) <= len(before) + len(after) or not masked.startswith(before) or not masked.endswith(after):
        return None
    opened, _v, closed = masked[len(before) : len(masked) - len(after)].partition(WILDCARD)
    if len(opened) != len(closed):
        return None
    if opened and all(PAIRS.get(o) == c for o, c in zip(opened, closed[::-1], strict=True)):
        return opened, closed
    return None


def template_values(an: Analyzer, r: Rolled) -> dict[int, tuple[int, PlaceholderStats]]:
    """Template ``r``'s placeholder statistics: placeholder index -> (records read, statistics), its variants'
    own merged where their variables stand at the same placeholder of its text (the miner may have made a word
    a placeholder, "user admin" -> "user <*>", which shifts the indices; a variable inside a generalised word
    has no placeholder of its own and is left out). Read per variant, so no other template's records are in
    them. Where its variants read different kinds of value there (a queue id of digits only in one variant's first
    record, of hex in another's), the values are counted as the kind most of its records read (``counted_as``: every
    value kept, the numbers of that kind made from them). A variant whose digit-holding
    word varied after its values began to be read ("user17", then "user5": "<*>") is placed by the tokens its
    values are read by (``Variant.read_tokens``): they still stand where its first record's variables do; the
    varied word has no values of its own."""
    found: dict[int, list[tuple[int, PlaceholderStats]]] = {}
    for v in r.variants:
        cv = an.values.get(v)
        if cv is None or not cv.records:
            continue
        kinds = {i: st.kind for i, st in cv.positions.items()}
        tokens = v.tokens
        if _spans(tokens, kinds) != cv.width and v.read_tokens is not None:
            tokens = v.read_tokens
        if _spans(tokens, kinds) != cv.width:
            continue  # its records were not read (their variables do not line up with its placeholders)
        where = _variable_places(tokens, r.text, kinds)
        if where is None:
            continue
        for i, st in cv.positions.items():
            got = where.get(i)
            if got is not None:
                p, opened, closed = got
                found.setdefault(p, []).append((cv.records, st.enclosed(opened, closed) if opened else st))
    out: dict[int, tuple[int, PlaceholderStats]] = {}
    for p, parts in found.items():
        read: Counter[str] = Counter()
        for n, st in parts:
            read[st.kind] += n
        kind = max(read, key=read.__getitem__)  # (the first variant's on a tie)
        merged = PlaceholderStats(kind)
        for _n, st in parts:
            merged.merge(st if st.kind == kind else st.counted_as(kind))
        out[p] = (sum(n for n, _st in parts), merged)
    _generalised_words(r, out)
    return out


def _generalised_words(r: Rolled, out: dict[int, tuple[int, PlaceholderStats]]) -> None:
    """A placeholder the miner made of a word each variant writes as it is ("GET /blog/feed HTTP/1.1" and "GET
    /about HTTP/1.1": "GET <*> HTTP/<*>"; "/docs/alpha" and "/docs/beta": "/docs/<*>") takes those words as its
    values, each counted once per record of its variant (kind "word"; exact: a variant's records all write its
    word). A variant whose word there holds a variable of its own gives its masked text ("/api/users/<*>"), unless
    that text is only variables and punctuation ("<*>-<*>": it is none of its records' values, which differ). Only
    a placeholder alone in its token of the template, and not where a variant's variable stands at it (its values
    are read: ``template_values``)."""
    words = message_tokens(r.text)
    slots: dict[int, tuple[int, str, str]] = {}  # token position -> its placeholder's index, the text around it
    p = 0
    for j, b in enumerate(words):
        if b.count(WILDCARD) == 1:
            before, _w, after = b.partition(WILDCARD)
            slots[j] = (p, before, after)
        p += b.count(WILDCARD)
    worded: dict[int, Counter[str]] = {}
    for v in r.variants:
        if not v.count or len(v.tokens) != len(words):
            continue
        for j, (p, before, after) in slots.items():
            a = v.tokens[j]
            if a == words[j] or p in out:
                continue
            if len(a) > len(before) + len(after) and a.startswith(before) and a.endswith(after):
                word = a[len(before) : len(a) - len(after)]
                if WILDCARD in word and _WORD.search(word.replace(WILDCARD, " ")) is None:
                    continue  # variables and punctuation only ("<*>-<*>" of "usb 1-8:"): no value of its records
                worded.setdefault(p, Counter())[word] += v.count
    for p, counts in worded.items():
        st = PlaceholderStats("word")
        st.values.add_counts(counts)
        out[p] = (sum(counts.values()), st)


def _spans(masked: tuple[str, ...], kinds: dict[int, str]) -> int:
    """How many masked spans a masked message holds (a date-time span reads as three wildcards)."""
    k = 0
    for a in masked:
        at = a.find(WILDCARD)
        while at >= 0:
            wide = kinds.get(k) in WIDE_KINDS and a.startswith(TIME_WILDCARD, at)
            at = a.find(WILDCARD, at + (len(TIME_WILDCARD) if wide else len(WILDCARD)))
            k += 1
    return k


def _template(rep: report_pb2.AnalysisReport, an: Analyzer, r: Rolled) -> None:
    t = rep.templates.add(
        id=r.id,
        text=r.text,
        count=r.count,
        share=round(r.count / an.records, 6) if an.records else 0.0,
        first_line=r.first_line,
        last_line=r.last_line,
    )
    for k in LEVELS:
        if r.levels.get(k):
            t.levels.add(level=LEVEL_ENUM[k], count=r.levels[k], first_line=r.level_first.get(k, (0, None))[0])
    lv = r.max_level()
    t.max_level = LEVEL_ENUM[lv] if lv else report_pb2.LEVEL_UNSPECIFIED
    if r.first_time is not None:
        _put(t.first_time, r.first_time)
    if r.last_time is not None:
        _put(t.last_time, r.last_time)
    for ln, text in r.examples:
        t.examples.add(line_number=ln, text=text)  # (as the analyzer holds it: ``analyzer._example``)
    for index, (records, st) in sorted(template_values(an, r).items()):
        hh = st.values
        p = t.placeholders.add(
            index=index,
            kind=st.kind,
            records=records,
            sampled=records,
            distinct_values=len(hh.counts),
            counts_exact=hh.exact,
            count_error=hh.error,
        )
        # An HTTP status is one of a few dozen codes, and the summary adds a level's statuses up over its routes:
        # each status is listed.
        for value, count in hh.top(len(hh.counts) if st.kind == "status" else MAX_TOP_VALUES):
            p.top_values.add(value=value, count=count)
        q = st.numbers
        if q is not None and q.count:
            p.numeric.min = q.min
            p.numeric.max = q.max
            p.numeric.median, p.numeric.p95, p.numeric.p99 = q.quantiles([0.5, 0.95, 0.99])
            p.numeric.count = q.count
            p.numeric.rank_error = round(q.rank_error, 6)
    if r.bins and an.origin is not None:
        lo, hi = min(r.bins), max(r.bins)
        _put(t.histogram.start_time, an.origin + lo * an.bin_seconds)
        t.histogram.bucket_seconds = an.bin_seconds
        counts = [0] * (hi - lo + 1)  # a step per bucket with records, not per bucket of the span
        for b, (c, _first, _t) in r.bins.items():
            counts[b - lo] = c
        t.histogram.counts.extend(counts)
