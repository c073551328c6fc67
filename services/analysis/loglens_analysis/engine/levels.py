"""Severity levels normalised to TRACE..FATAL, from words, syslog priorities and HTTP status codes."""

from __future__ import annotations

import re

LEVELS: tuple[str, ...] = ("TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL")

_WORDS: dict[str, str] = {
    "trace": "TRACE",
    "finest": "TRACE",
    "finer": "TRACE",
    "verbose": "TRACE",
    "vrb": "TRACE",
    "trce": "TRACE",
    "debug": "DEBUG",
    "dbg": "DEBUG",
    "dbug": "DEBUG",
    "debg": "DEBUG",  # supervisord's four-letter level ("DEBG 'app' stdout output:"), beside its "CRIT"
    "fine": "DEBUG",
    "d": "DEBUG",
    "v": "TRACE",  # a one-letter severity where a level is expected (MongoDB's "s", logcat's): V D I W E F
    "info": "INFO",
    "information": "INFO",
    "informational": "INFO",
    "inf": "INFO",
    "i": "INFO",
    "notice": "NOTICE",
    "note": "INFO",  # MySQL's error log "[Note]", a compiler's "note:": information
    "warn": "WARN",
    "warning": "WARN",
    "wrn": "WARN",
    "w": "WARN",
    "error": "ERROR",
    "err": "ERROR",
    "eror": "ERROR",  # log15 / go-kit's four-letter level ("lvl=eror"), beside "dbug" and "crit"
    "severe": "ERROR",
    "e": "ERROR",
    "fatal": "FATAL",
    "f": "FATAL",
    "ftl": "FATAL",
    "critical": "FATAL",
    "crit": "FATAL",
    "alert": "FATAL",
    "emerg": "FATAL",
    "emergency": "FATAL",
    "panic": "FATAL",
    "failure": "ERROR",
    "fail": "ERROR",
    # npm's levels (winston's default): "http" below "info" (a request's line), "silly" below "debug".
    "http": "DEBUG",
    "silly": "TRACE",
}
# Words that name a level only where a level is expected (a record's level field), never in free text.
_FIELD_ONLY_WORDS = frozenset({"failure", "http", "silly"})
# Words that are a level only in capitals: PostgreSQL's "LOG:" (information for administrators), where "Log file
# created at" (glog's first line) and "log rotated" are ordinary words; loguru's "SUCCESS" (between INFO and WARNING
# in its order), where "success" is a word of messages; java.util.logging's "CONFIG" (between INFO and FINE, below
# what it writes by default), where "config" is one; an outcome in capitals, "FAILED" (systemd's console "[FAILED]
# Failed to start ...", pytest's "FAILED tests/..."), where "failed" is a word of messages.
# A deprecation notice, written as a severity where one stands (PHP's "PHP Deprecated:  Creation of dynamic property",
# E_DEPRECATED; "DEPRECATION:" / "DEPRECATED:" of a runtime or a tool): a warning; "deprecated" in lower case is a word
# of messages ("X is deprecated"). An alarm's "MAJOR" or "MINOR" ("a minor version" is a word of messages).
_CAPITAL_WORDS = {
    "LOG": "INFO",
    "SUCCESS": "INFO",
    "CONFIG": "DEBUG",
    # Gradle's levels between INFO and WARN (its console's progress, shown by default: "[LIFECYCLE]") and above them
    # (what a build prints always: "[QUIET]"), in its --debug and --info output's level column: information; their
    # lines' header was no layout of the file's (the logger's column stayed in every message, and an exception's lines
    # under it were ERROR records one by one).
    "LIFECYCLE": "INFO",
    "QUIET": "INFO",
    "FAILED": "ERROR",
    "Deprecated": "WARN",
    "DEPRECATED": "WARN",
    "DEPRECATION": "WARN",
    # An alarm's severity as ITU-T X.733 names them (critical, major, minor, warning), network equipment's event logs
    # (Nokia SR OS's "MAJOR: BGP #2002 ...", "MINOR: SECURITY #2019 ..."): major is an error, minor a warning.
    "MAJOR": "ERROR",
    "MINOR": "WARN",
    # A level word cut to a column's width: Python's "%(levelname)-5.5s" (Pyramid's and Pylons' default: "WARNI",
    # "CRITI"), logrus' four letters ("ERRO[0000] ...", "FATA", "PANI", "DEBU", "TRAC").
    "WARNI": "WARN",
    "CRITI": "FATAL",
    "ERRO": "ERROR",
    "FATA": "FATAL",
    "PANI": "FATAL",
    "DEBU": "DEBUG",
    "TRAC": "TRACE",
    # Four letters of syslog's severity names, as network devices write them in a column ("<NOTI>", "<ERRS>",
    # "SYS ALER": ArubaOS, Barracuda): notice, errors, alert, emergency.
    "NOTI": "NOTICE",
    # Three letters of each, btclog's (btcd's, lnd's "[TRC]" .. "[CRT]", beside "[INF]", "[WRN]", "[ERR]").
    "TRC": "TRACE",
    "CRT": "FATAL",
    "ERRS": "ERROR",
    "ALER": "FATAL",
    "EMER": "FATAL",
}
# Words that give a level but state an outcome (a test runner's "FAIL src/api/orders.test.ts", loguru's "SUCCESS"):
# the record's content as well as its level, never a header to cut off.
OUTCOME_WORDS = frozenset({"fail", "failure", "failed", "success"})
# Single letters are only accepted where a level is expected (a JSON field), never in free text.
_LOOSE_WORDS = {k: v for k, v in _WORDS.items() if len(k) > 1 and k not in _FIELD_ONLY_WORDS}

# The words (not letters) that name a level wherever they stand: a layout's header column, free text's "WARNING:".
LEVEL_WORDS: frozenset[str] = frozenset(_LOOSE_WORDS) | frozenset(w.lower() for w in _CAPITAL_WORDS)

# Level words that are everyday words as well, naming things other than a severity: an IDS's "alert" event, a
# "notice" sent, a "note", a result that is "fine", a "failure" counted, a "panic" button. Where no field is named for
# the level, a value that is one of these says nothing of the record's severity.
EVERYDAY_LEVEL_WORDS = frozenset({"alert", "notice", "note", "fine", "finer", "finest", "failure", "fail", "panic"})

_VERBOSITY_WORDS = {"debug": "DEBUG", "trace": "TRACE", "verbose": "TRACE"}
_VERBOSITY_LETTERS = {"D": "DEBUG", "d": "DEBUG"}

_SYSLOG_SEVERITY = ("FATAL", "FATAL", "FATAL", "ERROR", "WARN", "NOTICE", "INFO", "DEBUG")


# The facilities of syslog (RFC 5424 section 6.2.1 and the names syslogd's configuration gives them): the first part
# of a selector, "daemon.err", "kern.warning", "local7.info", that a relay writes as a record's column (OpenWrt's
# logread, BusyBox syslogd -S, a template of "%syslogfacility-text%.%syslogseverity-text%").
_FACILITIES = frozenset(
    [
        "kern",
        "user",
        "mail",
        "daemon",
        "auth",
        "syslog",
        "lpr",
        "news",
        "uucp",
        "cron",
        "authpriv",
        "ftp",
        "ntp",
        "security",
        "console",
    ]
) | frozenset(f"local{i}" for i in range(8))
# The severity names of syslog (and the long forms of its tools), the words a selector or a list of topics names a
# record's severity with; never a letter.
_SEVERITY_NAMES = frozenset(
    [
        "emerg",
        "emergency",
        "alert",
        "crit",
        "critical",
        "err",
        "error",
        "warning",
        "warn",
        "notice",
        "info",
        "informational",
        "debug",
    ]
)


def level_from_selector(word: str) -> str | None:
    """The level a syslog selector states ("daemon.err": a facility, a dot, a severity name) or a list of topics
    that names a severity among them (RouterOS's "system,error,critical", "pppoe,ppp,info": lower-case words joined
    by commas, its first severity name), or a level joined by a hyphen to the dotted name of what logged it, the
    event's name after it (Duplicati's "Warning-Duplicati.Library.Main.Operation.Backup.FileEnumerationProcess-
    FileAccessError", "Error-...-FatalError"); None for any other word."""
    level, dash, logger = word.strip("[]").partition("-")
    if dash and "." in logger and " " not in logger and level[:1].isupper() and level.isalpha():
        return _WORDS.get(level.lower()) if len(level) > 3 and level.lower() not in _FIELD_ONLY_WORDS else None
    if "." in word:
        facility, _, severity = word.partition(".")
        return _WORDS[severity] if facility in _FACILITIES and severity in _SEVERITY_NAMES else None
    if "," not in word:
        return None
    topics = word.split(",")
    if not 2 <= len(topics) <= 4 or not all(t.isalpha() and t.islower() for t in topics):
        return None
    return next((_WORDS[t] for t in topics if t in _SEVERITY_NAMES), None)


def level_from_word(word: str, *, strict: bool = True) -> str | None:
    """The normalised level of a word such as ``WARN``, ``[error]``, ``Info:``, or a syslog selector
    (``level_from_selector``: "daemon.err"); None if it is not one."""
    w = word.strip("[]()<>:,|- \t")
    table = _LOOSE_WORDS if strict else _WORDS
    level = table.get(w.lower()) or _CAPITAL_WORDS.get(w)
    if level is None and len(w) in (4, 5) and w.istitle():
        # A level cut to four or five letters, capitalised (Extreme EXOS's "<Erro:...>", "<Noti:...>").
        level = _CAPITAL_WORDS.get(w.upper())
    if level is None and ("." in w or "," in w):
        return level_from_selector(w)
    if level is None and len(w) > 1 and w[-1].isdigit() and not w[-2].isdigit():
        # A debug level with its verbosity (PostgreSQL's "DEBUG1".."DEBUG5", OpenSSH's "debug1:".."debug3:"; where a
        # level is expected, its letter too: MongoDB's "D1".."D5").
        level = _VERBOSITY_WORDS.get(w[:-1].lower()) or (None if strict else _VERBOSITY_LETTERS.get(w[:-1]))
    if level is None and (offset := _LEVEL_OFFSET.fullmatch(w)) is not None:
        level = _CAPITAL_WORDS.get(offset.group(1)) or table.get(offset.group(1).lower())
    return level


# A level in capitals and a number of steps above or below it: Go's log/slog names a level between its four that way
# ("DEBUG-4", "INFO+2", "ERROR+4"): the named level's.
_LEVEL_OFFSET = re.compile(r"([A-Z]{3,8})[+-]\d{1,2}")


def level_from_syslog_pri(pri: int) -> str:
    """Level from a syslog PRI value (facility * 8 + severity)."""
    return _SYSLOG_SEVERITY[pri % 8]


def http_status(value: object) -> int | None:
    """The HTTP status a field value holds: a three-digit number 100..599, written as a number or as digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and len(value) == 3 and value.isdigit():
        value = int(value)
    return value if isinstance(value, int) and 100 <= value <= 599 else None


def level_from_http_status(status: int) -> str:
    """Level from an HTTP status class: 5xx ERROR, 4xx WARN, else INFO."""
    if status >= 500:
        return "ERROR"
    if status >= 400:
        return "WARN"
    return "INFO"


_BUNYAN = {10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL"}
_PYTHON_LEVELNO = {5: "TRACE", 10: "DEBUG", 20: "INFO", 25: "NOTICE", 30: "WARN", 40: "ERROR", 50: "FATAL"}
# Single letters, where a layout puts a level (klog IWEF, logcat VDIWEF, Ruby Logger DIWEFA). "A" is an audit or
# advisory record where it is common (IBM's WebSphere and Liberty: "A CWWKF0011I: The server defaultServer is ready",
# QuestDB's): a notice. (Ruby's "A" is its ANY, a message logged whatever the level; logcat writes its assert as "F".)
_LETTERS = {"V": "TRACE", "T": "TRACE", "D": "DEBUG", "I": "INFO", "N": "NOTICE", "A": "NOTICE", "W": "WARN"}
_LETTERS |= {"E": "ERROR", "F": "FATAL", "C": "FATAL"}


def level_from_number(value: int, *, python: bool = False) -> str | None:
    """Level from a numeric level field: bunyan/pino 10..60, or Python's ``levelno`` 10..50."""
    return (_PYTHON_LEVELNO if python else _BUNYAN).get(value)


def level_from_otel_number(value: int) -> str | None:
    """Level from OpenTelemetry's SeverityNumber: 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR,
    21-24 FATAL (the log data model); None outside 1..24."""
    if not 1 <= value <= 24:
        return None
    return ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")[(value - 1) // 4]


def level_from_letter(letter: str) -> str | None:
    """Level from a one-letter severity (klog, logcat, Ruby Logger); only where a layout puts one."""
    return _LETTERS.get(letter)


def severity_rank(level: str | None) -> int:
    """Position in ``LEVELS`` (-1 for no level): the one place the level order is defined."""
    return LEVELS.index(level) if level in LEVELS else -1
