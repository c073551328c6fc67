"""Format detection and per-record parsing: which part of a record is time, level and message.

Known formats are recognised by their grammar (JSON lines, logfmt, syslog RFC 3164/5424, Apache/nginx
common and combined, Kubernetes CRI, Docker json-file). Anything else is a "header then message" layout
*discovered from the file itself*: the records of a sample are cut into tokens, each token gets a class
(time, level, number, bracketed, separator, ``name:``, word) and the header is the longest prefix of
classes that nearly all records share and that ends on a structural token. No per-system settings.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import islice, pairwise
from operator import itemgetter, ne
from typing import cast

from .exceptions import exception_of, is_frame_line, named_as_type
from .levels import (
    EVERYDAY_LEVEL_WORDS,
    LEVEL_WORDS,
    OUTCOME_WORDS,
    http_status,
    level_from_http_status,
    level_from_letter,
    level_from_number,
    level_from_otel_number,
    level_from_selector,
    level_from_syslog_pri,
    level_from_word,
    severity_rank,
)
from .masking import HTTP_METHODS
from .records import CARET_LINE, CODE_PLACE, JOIN, RUNTIME_CRASH, TRACEBACK_BANNER, digit_key
from .timestamps import leading_time_end, looks_like_time_token

FORMAT_JSON = "json"
FORMAT_LOGFMT = "logfmt"
FORMAT_SYSLOG_5424 = "syslog-rfc5424"
FORMAT_SYSLOG_3164 = "syslog-rfc3164"
FORMAT_ACCESS_COMBINED = "access-combined"
FORMAT_ACCESS_COMMON = "access-common"
FORMAT_CRI = "kubernetes-cri"
FORMAT_DOCKER = "docker-json"
FORMAT_KLOG = "klog"
FORMAT_LOGCAT = "android-logcat"
FORMAT_HEADER = "header-message"
FORMAT_W3C = "w3c-extended"
FORMAT_CSV = "csv"
FORMAT_PLAIN = "plain"

# When the known formats (the detected one, or another known grammar) explain less than half of a file's records,
# the detected format is not the file's: the file is a mix (a docker-compose run of two dozen services, each
# writing its own way), and the report says so rather than name the closest.
MIXED_BELOW = 0.5
# The prefix a collector put before every line (``records.Envelope``), as the report's format line tells it.
ENVELOPE_WORDS = {
    "compose-service": "each line prefixed by a docker-compose service name",
    "bracketed-source": 'each line prefixed by its source in brackets and a colon ("[rank0]: ")',
    "tagged-source": 'its services\' lines prefixed by their name in brackets ("[api] ")',
    "kubectl-prefix": "each line prefixed by its pod and container (kubectl logs --prefix)",
    "kubernetes-cri": "each line in a container runtime's (CRI) time, stream and tag",
    "timestamp-prefix": "each line prefixed by a collector's timestamp",
    "docker-json": "each line in Docker's JSON log wrapper",
    "stream-labels": "each line prefixed by its time and its stream's labels (a log store's query output)",
    "line-prefix": 'each line prefixed by the same ruled token (Valgrind\'s "==pid==")',
    "json-document": "each record one object of a JSON document, written over several lines",
    "field-blocks": 'each record a block of "name: value" lines',
    "margin": "each line indented by the same margin",
}


def format_word(name: str, explained_share: float) -> str:
    """The format in a word: its name, or "mixed" when known formats explain less than half of the records."""
    return "mixed" if name != FORMAT_PLAIN and explained_share < MIXED_BELOW else name


def describe_format(
    name: str, confidence: float, explained_share: float, envelope: str, wrapped: str = "", requests: bool = False
) -> str:
    """The report's format line (``FormatDetection.description``): what the file is written in, as a person reads
    it, the collector's prefix when one was removed, the format of the application lines a container runtime's
    records hold (``FormatGuess.wrapped``), and whether its records are an access log's requests read from their
    fields (``FormatGuess.requests``)."""
    word = format_word(name, explained_share)
    if name == FORMAT_PLAIN:
        text = "plain text: no log format found"
    elif word == "mixed":
        text = f"mixed: known formats explain {explained_share:.1%} of the records (the closest, {name})"
    else:
        text = f"{name} (confidence {confidence:.2f})"
    if envelope:
        text += f", {ENVELOPE_WORDS.get(envelope, envelope + ' prefix on each line')}"
    if wrapped:
        text += f", the application's lines in {wrapped}"
    if requests and word != "mixed":
        text += ", each record an HTTP request read from its fields (request line and status)"
    return text


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """One record cut into its parts. ``time_text`` is the raw timestamp text (parsed later, cached); None where the
    format does not say where the time is (the analyzer looks at the start of the record), "" where it says the
    record has none (a plain line whose header is a level with no time after it)."""

    fmt: str
    time_text: str | None
    level: str | None
    message: str
    component: str | None = None
    # The level depends on digits of the record (an HTTP status, a syslog PRI, a numeric level): records of
    # one shape (digits masked) may differ in level, so it is read per record (``level_of_record``).
    digit_level: bool = False
    # A runtime's or a collector's record whose application line a known grammar read (``_application_line``):
    # that grammar's name. Such a line needs no discovered header cut from it.
    wrapped: str | None = None
    # A message put together from parts of the record (an access line's method, path, protocol and status):
    # (offset in the message, offset in the record, length, the kind of a value that is the whole part or "") of
    # each part, so its values are read where they stand (an HTTP status is of kind "status").
    pieces: tuple[tuple[int, int, int, str], ...] = ()
    # The level is only a word of the message's prose ("The error may exist in ...", "a memory error detector"): not
    # written as a level is (in capitals, in brackets, opening the line), so a line of no header that states it is no
    # record of its own by it (``_level_in_prose``).
    prose_level: bool = False


# --------------------------------------------------------------------------- known grammars
# Field names are matched without regard to case ("Time", "Level", "@Timestamp").
# (An event's name where no message is written: an audit trail's "eventName", "GetSecretValue".)
_MSG_KEYS = (
    "message",
    "msg",
    "log",
    "event",
    "text",
    "@message",
    "body",
    "output",
    "error",
    "err",
    "description",
    "eventname",
    "displaymessage",  # (the message an audit trail shows a person: Okta's System Log, beside its "eventType")
)
# What a field holds where it holds nothing: no error, though its key names one, and no message (go-kit's request
# logging writes "err=null" on every request that did not fail: 283 records were one template "<*>").
_NO_VALUES = frozenset({"", "-", "null", "none", "None", "NULL", "nil", "<nil>"})


def _holds_nothing(value: object) -> bool:
    """Whether a field's value is none of a message's or an error's (``_NO_VALUES``, or JSON's null)."""
    return value is None or (isinstance(value, str) and value in _NO_VALUES)


_WORD_VALUE = re.compile(r"[a-z][a-z_-]{0,23}|[A-Z][A-Z_-]{0,23}")
# (The first whose value reads as a level is the record's: PowerDNS writes its verbosity as "level" beside its
# severity as "prio".)
_LEVEL_KEYS = ("level", "severity", "lvl", "loglevel", "log.level", "levelname", "levelno", "@level", "prio", "status")
_TIME_KEYS = (
    "timestamp",
    "@timestamp",
    "time",
    "ts",
    "datetime",
    "date",
    "t",
    "eventtime",
    "asctime",
    "time_local",
    "start_time",
    "startutc",
    "created",
)
# A time of day alone, no date: a field a record may write beside its date's (FortiGate's "date=2026-11-30
# time=08:00:18 ... eventtime=1796025618537511168").
_CLOCK_ONLY = re.compile(r"\d\d?:\d\d(?::\d\d(?:[.,]\d+)?)?")


def _record_time(fields: dict[str, object], named: dict[str, object] | None = None) -> str | None:
    """The text of a structured record's time: its first time field (``_TIME_KEYS``' order), unless that holds a
    time of day alone and another time field holds a whole time (a date, or an epoch), which says which day.
    ``named``: the fields with their names as written (``fields``' are folded to lower case), whose words tell a
    time's name apart from another ("reqTimeSec", not "runtime")."""
    texts = [str(v) for k in _TIME_KEYS if (v := fields.get(k)) not in (None, "")]
    if not texts:
        # No field of the usual names: the first whose name says it is a time ("reqTimeSec", "eventTime",
        # "start_date", MongoDB's "t": {"$date": ...}) and whose value is a whole time (Akamai's DataStream writes epoch
        # seconds as a string: "reqTimeSec":"1796429025.735"); a duration or a count under such a name is no time.
        # The record's own field before a nested object's: a time inside an object the record carries tells when that
        # thing was (MongoDB's "attr.recoveryTimestamp.$timestamp.t", CloudTrail's session "creationDate").
        items = (fields if named is None else named).items()
        timed = (
            (k.count("."), text)
            for k, v in items
            if isinstance(v, (str, int, float))
            and not isinstance(v, bool)
            and _TIME_NAME.search(k) is not None
            and _WHOLE_TIME.search(text := str(v)) is not None
        )
        return min(timed, key=itemgetter(0), default=(0, None))[1] or next(
            # Else a field of the record's own (not a nested object's) whose whole value is an ISO 8601 date and time,
            # whatever its name (Okta's System Log writes its events' time as "published": every record untimed).
            (v for k, v in items if "." not in k and isinstance(v, str) and _ISO_VALUE.fullmatch(v) is not None),
            None,
        )
    if _CLOCK_ONLY.fullmatch(texts[0]) is not None:
        return next((t for t in texts[1:] if _CLOCK_ONLY.fullmatch(t) is None and _WHOLE_TIME.search(t)), texts[0])
    return texts[0]


# A key whose name says it holds a time: "time", "date" or "timestamp" as a word of it (camelCase, snake_case, dotted,
# extended JSON's "$date").
_TIME_NAME = re.compile(r"(?:(?:^|(?<=[._$-]))(?i:time(?:stamp)?|date)|(?<=[a-z0-9])(?:Time(?:stamp)?|Date))(?![a-z])")
# A value that is an ISO 8601 date and time and nothing else.
_ISO_VALUE = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?")
# A whole time's text: a date with its year, or an epoch (ten digits or more).
_WHOLE_TIME = re.compile(r"\d{4}[-/.]\d\d?[-/.]\d\d?[T ]\d|\d\d?[-/.]\d\d?[-/.]\d{4}[T ]\d|^\d{10,19}(?:\.\d+)?$")


# A key starts where a word starts and is taken whole (possessive): linear on long lines without "=".
# A quoted value runs to its closing quote, or to the end of a record cut short (an example cut inside a value). An
# arrow is no pair's "=" (a Ruby hash's inspection: "{:url=>\"http://es01/\", :exception=>Pool::HostUnreachableError}").
_LOGFMT_PAIR = re.compile(r'(?<![\w.@-])([\w.@-]++)=(?!>)("(?:[^"\\]|\\.)*+(?:"|\Z)|\'[^\'\n]*\'(?!\S)|\S*)')
_CRI = re.compile(r"(\d{4}-\d{2}-\d{2}T\S+) (stdout|stderr) ([PF]) ?(.*)", re.DOTALL)
_RFC5424 = re.compile(r"<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\]|\\.)*\])+) ?(.*)", re.DOTALL)
_RFC3164 = re.compile(
    # (Junos writes two blanks after the time: "Nov 30 08:00:01  mx1 rpd[1500]: RPD_OSPF_NBRDOWN: ...".)
    # The time as RFC 3164 writes it, or as RFC 3339 does with its offset (rsyslog's RSYSLOG_FileFormat, journalctl's
    # "-o short-iso" and "short-iso-precise": "2026-03-04T10:00:02.123456+00:00 host containerd[812]: ...").
    # A year after the clock is the time's (network devices' "Mar 12 00:04:27 2024 aruba-mc1 stm[3456]: ...").
    r"(?:<(\d{1,3})>)?((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2}"
    r"(?: (?:19|20)\d\d(?= \S+ [^:\s]))?"
    r"|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})) {1,2}"
    # The tag: a program's name and pid, and the instance it speaks for in brackets after a blank (launchd's
    # "com.apple.xpc.launchd[1] (com.apple.suggestd[40890]): Service exited ...").
    r"(\S+) ([^:\s][^:]{0,47}?(?: \([^():\s]{1,160}\))?): (.*)",
    re.DOTALL,
)
# RFC 3164's TAG is optional: after its priority, time and host, a message of no program's name (a security device's
# CEF event: "<14>Mar 14 20:00:01 pa-fw01 CEF:0|Palo Alto Networks|PAN-OS|..."). Only where the priority opens the line
# (no other layout writes one), the time as RFC 3164 writes it.
_RFC3164_UNTAGGED = re.compile(
    r"<(\d{1,3})>((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2}) {1,2}"
    r"([A-Za-z0-9][\w.-]*) (\S.*)",
    re.DOTALL,
)
_ACCESS = re.compile(
    r'(\S+) (\S+) (\S+) \[([^\]]+)\] "([A-Z]+) ?(\S*) ?([^"]*)" (\d{3}) (\d+|-)(?: "([^"]*)" "([^"]*)")?(.*)',
    re.DOTALL,
)


@lru_cache(maxsize=4096)
def _names_status(key: str) -> bool:
    """A field whose name says it holds a status: the last part of a dotted key, case and punctuation aside,
    ends in "status", "status code" or "response code" ("status", "DownstreamStatus", "elb_status_code",
    "http.response.status_code", "sc-status", "response_code"), or it is the "code" of a status object
    ("responseStatus.code"). Its value is an HTTP status only when it is one (``http_status``)."""
    last = _last_name(key)
    if last == "code" and "." in key:  # a status object's code: "responseStatus": {"code": 404} (Kubernetes' audit)
        return _last_name(key.rpartition(".")[0]).endswith("status")
    return last.endswith(("status", "statuscode", "responsecode"))


def _flatten(obj: dict[str, object], prefix: str = "", out: dict[str, object] | None = None) -> dict[str, object]:
    out = {} if out is None else out
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and len(out) < 64:
            _flatten(v, key + ".", out)
        else:
            out[key] = v
    return out


def _parse_json(record: str) -> ParsedRecord | None:
    read = _read_json(record.split("\x1e", 1)[0])
    return read[0] if read is not None else None


def _json_object(head: str) -> dict[str, object] | None:
    """A line that is one JSON object, parsed (None for any other line)."""
    if not head.startswith("{"):
        return None
    try:
        obj = json.loads(head)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the decoder goes
        return None
    return obj if isinstance(obj, dict) else None


def _json_prefix(head: str) -> dict[str, object] | None:
    """The fields of a JSON object cut short: its text up to the last member it holds whole (all of it where it ends
    with a whole member, else up to its last comma outside a string, at any depth), closed by the brackets still open
    there. None where that is no JSON object either (a text
    that is no JSON, not only cut)."""
    stack: list[str] = []
    cut: tuple[int, str] | None = None  # (where the last whole member ends, the brackets open there)
    in_string = escaped = False
    for i, c in enumerate(head):
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "{[":
            stack.append("}" if c == "{" else "]")
        elif c in "}]":
            if not stack or stack.pop() != c:
                return None
            if not stack:
                return None  # a whole object, which ``_json_object`` did not read: no JSON
        elif c == ",":
            cut = (i, "".join(reversed(stack)))
    # Cut right after a whole member (a value's closing quote), or else at the last comma.
    tries = [(len(head), "".join(reversed(stack)))] if not in_string else []
    for end, closing in [*tries, *([cut] if cut is not None else [])]:
        try:
            obj = json.loads(head[:end] + closing)
        except (ValueError, RecursionError):
            continue
        return obj if isinstance(obj, dict) else None
    return None


def _read_json(head: str, *, whole: bool = True) -> tuple[ParsedRecord, str | None, bool, list[int]] | None:
    """A JSON record parsed, with what decides its level: the level it gives itself, whether that is a number,
    and the HTTP statuses it carries. Without ``whole``, for its level alone (read per record where statuses decide
    it): its message is not followed by its request (``_with_request``), which never moves the level."""
    obj = _json_object(head)
    if obj is None:
        return None
    unfolded = _flatten(obj)
    flat = {k.lower(): v for k, v in unfolded.items()}
    if set(obj) >= {"log", "stream"} and isinstance(obj.get("log"), str):
        inner = str(obj["log"]).rstrip("\n")
        time_text = str(obj["time"]) if obj.get("time") else None
        app = _application_line(inner)
        if app is not None:
            docker = _wrapping(FORMAT_DOCKER, time_text, app)
            return docker, docker.level, docker.digit_level, []
        parsed = parse_plain_message(inner, cut_header=False)
        docker = ParsedRecord(FORMAT_DOCKER, time_text, parsed.level, parsed.message, None)
        return docker, parsed.level, False, []
    message = next((str(flat[k]) for k in _MSG_KEYS if k in flat and not _holds_nothing(flat[k])), None)
    level = None
    numeric = False
    for k in _LEVEL_KEYS:
        v = flat.get(k)
        if isinstance(v, str):
            level = level_from_word(v, strict=False)
        elif isinstance(v, int) and not isinstance(v, bool):
            level = level_from_number(v, python=k == "levelno") if k != "status" else None
            numeric = level is not None
        if level:
            break
    if level is None and isinstance(tags := obj.get("tags"), list):
        # A record that states its severity as one of its tags (Kibana's and OpenSearch Dashboards' JSON log:
        # "tags": ["warning", "plugins", "securityDashboards"]): the first tag that is a severity's name.
        level = next((lv for tag in tags if isinstance(tag, str) and (lv := _column_severity(tag))), None)
    time_text = _record_time(flat, unfolded)
    component = next((str(flat[k]) for k in ("logger", "service", "component", "name") if k in flat), None)
    if message is None or level is None or time_text is None:
        conv = _json_conventions(obj, flat)
        # (The journal's MESSAGE may be an application's own line, read by ``_json_conventions``.)
        message = message if message is not None and "__realtime_timestamp" not in flat else conv.message
        if level is None and conv.level is not None:
            level, numeric = conv.level, conv.numeric
        time_text = time_text if time_text is not None else conv.time_text
        component = component if component is not None else conv.component
    if level is None and _carries_error(obj) and not isinstance(obj.get("v"), int):
        # A record that names no level but carries an error (a structured logger's "err" beside "msg"; an audit
        # event's "errorCode"): an error. Not one that states its verbosity (logr's and klog's JSON write "v" on
        # every info record, and an error's "err" without it: "re-queuing item ..." at v 0 with the "error" it retries
        # after is information).
        level = "ERROR"
    if (
        message is not None
        and (level is None or message[:1] in "{[<0123456789IWEF")
        and (own := _own_line(message)) is not None
    ):
        # A message that is an application's own line with its level in it (a collector's record of the line: a
        # CloudWatch export of a Lambda function's "[ERROR]\t<time>\t<request id>\tItem failed") gives the level and
        # the message after that line's header; over the collector's own level too, which says where the line came
        # out, not what it says (Cloud Logging's "severity": "ERROR" on every line a container wrote to stderr:
        # gunicorn's "[2024-03-12 14:00:03 +0000] [7] [INFO] Booting worker with pid: 7" was an error).
        level, message, numeric = own[0], own[1], (numeric and level is None) or own[2]
    statuses = [c for k, v in flat.items() if _names_status(k) and (c := http_status(v)) is not None]
    pieces: tuple[tuple[int, int, int, str], ...] = ()
    if message is not None and statuses and _LONE_PATH.fullmatch(message) is not None:
        # A message that is a request's target alone, its method and status in fields of their own (authentik's
        # '"event": "/api/v3/core/users/me/", "method": "GET", "status": 200'): the record is that request, read as
        # an access line's ("GET /api/v3/core/users/me/ 200"), not a path alone (every request one template "<*>").
        with_target = {**flat, "path": message}
        if _request_line(flat, []) is None and _request_line(with_target, statuses) is not None:
            flat, message = with_target, None
    own_message = message
    if message is None:
        message = _request_line(flat, statuses)
        pieces = _request_pieces(message, _json_field_at(head, obj)) if message is not None else ()
    if message is None:
        message = _fields_template(flat)
    if level is None and message:
        level = _message_level(message)
    if (
        whole
        and own_message is not None
        and statuses
        and (request := _request_line(flat, statuses)) is not None
        and not _tells_request(own_message, request)
    ):
        # A message that tells a request was answered, the request and its status in fields of their own (Caddy's
        # "handled request", a service's "request completed" with method, path and status): the request is what the
        # record is about; both are the message, so the template shows the route and the status (a request without
        # a target, only a method and a status, is not followed: its status gives the level; nor a record without a
        # status, whose request is only the context it was logged in: Nextcloud's every message).
        message, pieces = _with_request(head, obj, message.lstrip().split("\n", 1)[0], request)
    # Records of one shape differ in their digits: a numeric level or a status is read per record.
    digit_level = numeric or bool(statuses)
    parsed = ParsedRecord(
        FORMAT_JSON,
        time_text,
        _with_status(level, max(statuses, default=0)),
        message.lstrip().split("\n", 1)[0],  # its first line with words ("\n\n***aborting after fassert() failure")
        component,
        digit_level,
        pieces=pieces,
    )
    return parsed, level, numeric, statuses


# A record's fields that carry an error: present and not empty, the record reports a failure.
_ERROR_FIELD_NAMES = frozenset(
    {"err", "error", "errorcode", "errormessage", "error_code", "error_message", "exception"}
)


def _carries_error(obj: dict[str, object]) -> bool:
    return any(
        k.lower() in _ERROR_FIELD_NAMES
        and not isinstance(v, bool | int | float)
        and not _holds_nothing(v)
        and not (isinstance(v, dict | list) and not v)
        for k, v in obj.items()
    )


def _fields_template(flat: dict[str, object]) -> str:
    """The message of a JSON record without a message field or a request: its fields, in an order that does not hang
    on the record's (JSON writers differ). A value that is one short word (an action, a method, a name: "pass",
    "GET", "websecure") is kept and comes first; any other value is a variable. The miner makes a kept word a
    placeholder where it varies across many records."""
    words = {k: v for k, v in flat.items() if isinstance(v, str) and _WORD_VALUE.fullmatch(v)}
    return " ".join([f"{k}={words[k]}" for k in sorted(words)] + [f"{k}=<v>" for k in sorted(flat) if k not in words])


@dataclass(frozen=True, slots=True)
class _Conventions:
    """What a JSON record says of itself under names other than the usual ones (``_json_conventions``)."""

    message: str | None = None
    level: str | None = None
    numeric: bool = False  # the level is read from a number (per record, as a numeric "level" is)
    time_text: str | None = None
    component: str | None = None


# Field names as the conventions below match them: the last part of a dotted name, letters and digits only, lower
# case (``_last_name``: "log.level" -> "level", "@l" -> "l", "severityText" -> "severitytext").
_LEVEL_NAMES = ("level", "severity", "severitytext", "lvl", "loglevel", "levelname", "sev", "l", "s")
_MESSAGE_NAMES = ("message", "msg", "m", "body", "text", "textpayload")
_TIME_NAMES = (
    "timestamp",
    "time",
    "ts",
    "datetime",
    "date",
    "t",
    "timeunixnano",
    "observedtimeunixnano",
    "timemillis",  # log4j2's JsonLayout, before its "instant" object
)
_COMPONENT_NAMES = ("logger", "loggername", "sourcecontext", "component", "service")
# What makes a JSON object a record rather than a document that holds records (``jsondoc``): a key naming its time,
# its level or its message. Not "status", "error", "err", "event" or "output": an API's answer has them beside its
# records.
_RECORD_FIELD_NAMES = frozenset(_TIME_KEYS + _TIME_NAMES + _LEVEL_KEYS + _LEVEL_NAMES + _MSG_KEYS + _MESSAGE_NAMES) - {
    "status",
    "error",
    "err",
    "event",
    "output",
}


def names_record_field(name: str) -> bool:
    """Whether a JSON object's key names a record's time, level or message (``_RECORD_FIELD_NAMES``)."""
    return name.lower() in _RECORD_FIELD_NAMES


# A CLEF message template's hole: "{Name}", "{@Name}", "{$Name}", "{Name,-10}", "{Elapsed:0.000}" ("{{" is a brace).
_CLEF_HOLE = re.compile(r"\{\{|\}\}|\{[@$]?(\w+)(?:,-?\d+)?(?::[^{}]*)?\}")


def _json_conventions(obj: dict[str, object], flat: dict[str, object]) -> _Conventions:
    """A JSON record whose message, level or time is not under the usual names, read by documented conventions:

    - the systemd journal's export (``journalctl -o json``, marked by "__REALTIME_TIMESTAMP"): "MESSAGE", the
      syslog severity in "PRIORITY", microseconds since the epoch, "SYSLOG_IDENTIFIER" (or the unit) as component;
    - Serilog's compact format (CLEF, marked by "@t" with "@m" or "@mt"): the rendered message, or the message
      template with its properties put in its holes; "@l", and Information where it is absent (the format's rule);
    - GELF (Graylog's, marked by "version" with "short_message"): "short_message", the syslog severity in "level";
    - otherwise a field by the last part of its name, shallowest first, where a logger prefixes or abbreviates
      the usual names (MongoDB's "s":"I"; OpenTelemetry's "severityText" or "severityNumber", "body" or its
      JSON encoding's {"body": {"stringValue": ...}}, "timeUnixNano"; Google Cloud Logging's "textPayload").
    A level-named field counts only when its value is a level (a word, a one-letter severity, a known number); without
    one, a top-level field whose whole value is a level word (not a letter) gives the level."""
    if "__realtime_timestamp" in flat:
        pri = str(flat.get("priority", ""))
        unit = flat.get("syslog_identifier") or flat.get("_systemd_unit") or flat.get("_comm")
        message = _text(flat.get("message"))
        # A unit's output is stored at its stream's one priority (info, unless the unit says otherwise): the level the
        # application wrote in its own line, where a grammar reads one, is the record's (``_own_line``).
        own = _own_line(message) if message is not None else None
        if own is not None:
            message = own[1]
        return _Conventions(
            message=message,
            level=own[0]
            if own is not None
            else level_from_syslog_pri(int(pri))
            if pri.isdigit() and int(pri) < 8
            else None,
            numeric=pri.isdigit(),
            time_text=_text(flat.get("__realtime_timestamp")),
            component=_text(unit),
        )
    if "@t" in obj and ("@m" in obj or "@mt" in obj):
        message = _text(obj.get("@m"))
        if message is None:
            message = _CLEF_HOLE.sub(lambda m: _clef_value(obj, m), str(obj["@mt"]))
        level = level_from_word(str(obj["@l"]), strict=False) if "@l" in obj else "INFO"
        return _Conventions(message, level, False, _text(obj["@t"]), _text(flat.get("sourcecontext")))
    if "short_message" in obj and "version" in obj:
        # GELF (Graylog's): "short_message", "level" a syslog severity (0 emergency .. 7 debug), "timestamp" in
        # seconds, added fields named with a leading "_"; a trace in "full_message" (``_TRACE_NAMES``).
        sev = obj.get("level")
        sev = sev if isinstance(sev, int) and not isinstance(sev, bool) and 0 <= sev <= 7 else None
        return _Conventions(
            message=_text(obj.get("short_message")),
            level=level_from_syslog_pri(sev) if sev is not None else None,
            numeric=sev is not None,
            time_text=_text(flat.get("timestamp")),
            component=_text(flat.get("_logger_name") or flat.get("_logger") or flat.get("facility")),
        )
    named: dict[str, object] = {}
    for k in sorted(flat, key=lambda k: k.count(".")):  # shallowest first, then in the record's order
        named.setdefault(_last_name(k), flat[k])
    level, numeric = None, False
    for name in _LEVEL_NAMES:
        v = named.get(name)
        if isinstance(v, str) and (level := level_from_word(v, strict=False)):
            break
    else:
        v = named.get("severitynumber")
        if isinstance(v, int) and not isinstance(v, bool):
            level, numeric = level_from_otel_number(v), True
    if level is None:
        # No field named for it: a top-level field whose whole value is a level word states the record's severity
        # (a Kubernetes event's "type": "Warning", whose other value "Normal" states none), unless that word names
        # other things too (Suricata's "event_type": "alert").
        level = next(
            (
                lv
                for v in obj.values()
                if isinstance(v, str)
                and v.lower() not in EVERYDAY_LEVEL_WORDS
                and (lv := level_from_word(v)) is not None
            ),
            None,
        )
    return _Conventions(
        message=next((t for n in _MESSAGE_NAMES if (t := _text(named.get(n))) is not None), None)
        or _text(flat.get("body.stringvalue")),
        level=level,
        numeric=numeric and level is not None,
        time_text=next((t for n in _TIME_NAMES if (t := _text(named.get(n))) is not None), None)
        # A time under a longer name: "requestReceivedTimestamp" (Kubernetes' audit events), "eventTimestamp".
        or next((t for n, v in named.items() if n.endswith("timestamp") and (t := _text(v)) is not None), None)
        or _epoch_object(flat),
        component=next((t for n in _COMPONENT_NAMES if (t := _text(named.get(n))) is not None), None),
    )


def _epoch_object(flat: dict[str, object]) -> str | None:
    """A time written as an object of whole seconds since the epoch and their fraction in nanoseconds, as epoch text
    ("1709542801.123000000"): log4j2's JsonLayout "instant": {"epochSecond", "nanoOfSecond"}, protobuf's Timestamp
    in its object form {"seconds", "nanos"} under a time's name (a Google Cloud Logging entry's "timestamp").
    ``flat``: the record's fields, flattened, names in lower case."""
    for key, value in flat.items():
        parent, _, last = key.rpartition(".")
        if not isinstance(value, int) or isinstance(value, bool) or not parent:
            continue
        if last == "epochsecond":
            nanos = flat.get(f"{parent}.nanoofsecond")
        elif last == "seconds" and _last_name(parent) in _TIME_NAMES:
            nanos = flat.get(f"{parent}.nanos")
        else:
            continue
        if isinstance(nanos, int) and not isinstance(nanos, bool) and 0 <= nanos < 1_000_000_000:
            return f"{value}.{nanos:09d}"
        return str(value)
    return None


def _text(value: object) -> str | None:
    """A field's value as text, None for a missing, null, empty or nested one."""
    if value is None or value == "" or isinstance(value, dict | list):
        return None
    return str(value)


def _clef_value(obj: dict[str, object], hole: re.Match[str]) -> str:
    """The text a CLEF template's hole stands for: its property's value (strings bare), else the hole itself."""
    if hole.group(1) is None:
        return hole.group(0)[0]
    v = obj.get(hole.group(1))
    if v is None:
        return hole.group(0)
    return v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))


def _last_name(key: str) -> str:
    """The last part of a dotted field name, letters and digits only, lower case ("RequestPath" -> "requestpath")."""
    return "".join(c for c in key.rsplit(".", 1)[-1] if c.isalnum()).lower()


def _request_line(flat: dict[str, object], statuses: list[int]) -> str | None:
    """A record without a message that describes an HTTP request (an access log in JSON: traefik, ALB, an ingress;
    a Kubernetes API server's audit event) reads as its request, the way an access log's line does: "GET
    /api/items 502", "list /api/v1/nodes 200". Its method is a field named "...method" holding an HTTP method, or
    one named "verb" holding a word; its target a field named "...path", "...uri" or "...url" holding a path
    ("/..."); its status the worst of its status fields. None unless the record has a method and a target or a
    status (the record's fields are its template then)."""
    method = next(
        (
            v
            for k, v in flat.items()
            if isinstance(v, str)
            and (
                (v in HTTP_METHODS and _last_name(k).endswith("method"))
                or (k.endswith("verb") and _last_name(k) == "verb" and _WORD_VALUE.fullmatch(v))
            )
        ),
        None,
    )
    if method is None:
        return None
    target = next(
        (
            path
            for k, v in flat.items()
            if isinstance(v, str)
            and _last_name(k).endswith(("path", "uri", "url"))
            and (path := v if v.startswith("/") else _url_path(v)) is not None
        ),
        None,
    )
    if target is None and not statuses:
        return None
    return " ".join([method, *([target] if target is not None else []), *([str(max(statuses))] if statuses else [])])


# A path alone: a request's target ("/api/v3/core/users/me/", "/static/app.js?v=3").
_LONE_PATH = re.compile(r"/[^\s\"]*")
# An absolute URL: its scheme, its host (and port), then its path.
_ABSOLUTE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,15}://[^/\s?#]+(/\S*)")


def _url_path(value: str) -> str | None:
    """The path of a request's target written as an absolute URL (Azure Front Door's "requestUri":
    "https://www.contoso-shop.eu:443/api/v1/products"): the route is the path, as an access line writes it (the whole
    URL was one value: every request one template, "GET <*>"). None for any other value."""
    m = _ABSOLUTE_URL.fullmatch(value)
    return m.group(1) if m is not None else None


def _request_pieces(message: str, locate: Callable[[str, bool], int | None]) -> tuple[tuple[int, int, int, str], ...]:
    """Where the words of a record's request line (``_request_line``: method, target, status) stand in the record, as
    ``ParsedRecord.pieces``, each found by ``locate(word, is_status)`` (its offset in the record, None where not
    found), the status of kind "status". Nothing unless every word is found: the request's placeholders then have
    no statistics."""
    out: list[tuple[int, int, int, str]] = []
    at = 0
    words = message.split(" ")
    for i, word in enumerate(words):
        status = i == len(words) - 1 and word.isdigit() and len(words) > 1
        offset = locate(word, status)
        if offset is None:
            return ()
        out.append((at, offset, len(word), "status" if status else ""))
        at += len(word) + 1
    return tuple(out)


def _tells_request(message: str, request: str) -> bool:
    """Whether a message already tells the request a record's fields hold, as far as it matters: it names its target
    (Serilog's "HTTP GET /api/orders/17 responded 500 in 12 ms"), or the request has none."""
    words = request.split(" ")
    return len(words) < 2 or not words[1].startswith("/") or words[1] in message


def _with_request(
    head: str, obj: dict[str, object], message: str, request: str
) -> tuple[str, tuple[tuple[int, int, int, str], ...]]:
    """A JSON record's message followed by its request line, and where their words stand in the record (the message
    where its text is written once as it is, the request's words as ``_request_pieces`` finds them; none where either
    is not found)."""
    combined = f"{message} {request}"
    text = json.dumps(message)
    if text[1:-1] != message or head.count(text) != 1:
        return combined, ()  # (an escaped character: its offsets in the record are not the message's)
    parts = _request_pieces(request, _json_field_at(head, obj))
    if not parts:
        return combined, ()
    shift = len(message) + 1
    own = (0, head.find(text) + 1, len(message), "")
    return combined, (own, *((ms + shift, rs, n, kind) for ms, rs, n, kind in parts))


def _json_field_at(head: str, obj: dict[str, object]) -> Callable[[str, bool], int | None]:
    """A JSON record's word locator for ``_request_pieces``: a field's value written as its JSON text after its name
    ('"RequestPath":"/"', '"DownstreamStatus":404'; a nested field's last name: '"code":403' of
    "responseStatus.code"), where that text stands once in the record; a value with an escaped character is not
    found."""

    def locate(word: str, status: bool) -> int | None:
        for key, value in _flatten(obj).items():
            if isinstance(value, bool | dict | list):
                continue
            # (A target read as the path of a URL, ``_url_path``: the path where the URL's text ends.)
            in_url = not status and isinstance(value, str) and value != word and _url_path(value) == word
            if str(value) != word and not in_url:
                continue
            if status and not _names_status(key.lower()):
                continue
            text = json.dumps(value)
            found = list(
                re.finditer(re.escape(json.dumps(key.rsplit(".", 1)[-1])) + r"\s*:\s*" + re.escape(text), head)
            )
            if len(found) == 1:
                start = found[0].end() - len(text) + (1 if isinstance(value, str) else 0)
                return start + len(str(value)) - len(word) if in_url else start
        return None

    return locate


def _logfmt_value_at(pairs: list[re.Match[str]]) -> Callable[[str, bool], int | None]:
    """A logfmt record's word locator for ``_request_pieces``: the value of a pair, inside its quotes."""

    def locate(word: str, status: bool) -> int | None:
        for m in pairs:
            if m.group(2).strip('"') == word and not (status and not _names_status(m.group(1).lower())):
                return m.start(2) + (m.group(2)[:1] == '"')
        return None

    return locate


def _with_status(level: str | None, status: int) -> str | None:
    """A request's record (an access log in JSON: traefik, nginx, ALB; or a service logging a response) carries an
    HTTP status: its class is the record's level, per record (5xx ERROR, 4xx WARN, else INFO). A level the record
    gives itself stays unless the status says worse than INFO: traefik writes "level":"info" on every request,
    its 502s included. Several status fields (downstream, origin): the worst one (``status``; 0 for none)."""
    if not status:
        return level
    by_status = level_from_http_status(status)
    if level is None or severity_rank(by_status) > max(severity_rank(level), severity_rank("INFO")):
        return by_status
    return level


# Field names under which structured loggers write why a record failed (zap's and logrus' "error", slog's "err",
# "exception", "reason", "cause"), matched on the last part of a field's name ("error.message", "errorMessage").
_CAUSE_NAMES = ("error", "err", "errormessage", "errmsg", "exception", "reason", "cause")


# Field names under which structured loggers write a record's stack trace, whole, as one text of several lines:
# python-json-logger's "exc_info", Elastic Common Schema's "error.stack_trace", logstash-logback-encoder's
# "stack_trace", bunyan's and pino's "err.stack", Serilog's compact "@x", "exception", "traceback".
_TRACE_NAMES = ("excinfo", "exctext", "exception", "stacktrace", "stack", "traceback", "x", "fullmessage")
_TRACE_MESSAGE_NAMES = frozenset(_MSG_KEYS + _MESSAGE_NAMES)


def _structured_fields(head: str) -> dict[str, object] | None:
    """The fields of a JSON object or logfmt line (nested JSON objects flattened to dotted names), None otherwise. A
    JSON object cut short (a report's example is a record's first ``EXAMPLE_CHARS``) gives the fields before the
    cut (``_json_prefix``)."""
    if head.startswith("{"):
        obj = _json_object(head)
        if obj is None:
            obj = _json_prefix(head)
        return None if obj is None else _flatten(obj)
    pairs = _LOGFMT_PAIR.findall(head)
    if len(pairs) < 3:
        return None
    return {k: _logfmt_text(v) for k, v in pairs}


def _logfmt_text(value: str) -> str:
    """A logfmt value's text: a quoted one unquoted and unescaped, "…" where the record was cut inside it."""
    if value[:1] != '"':
        return value
    if len(value) > 1 and value.endswith('"') and not value.endswith('\\"'):
        inner, cut = value[1:-1], ""
    else:
        inner, cut = value[1:], "…"
    return inner.replace('\\"', '"').replace("\\n", "\n") + cut


def structured_trace(record: str) -> str | None:
    """The stack trace a JSON or logfmt record carries in a field (``_TRACE_NAMES``, else its message), its lines
    joined as a joined record's are (``JOIN``), so ``exceptions.exception_of`` reads it as it reads a trace written
    line by line; None where no such field holds a text of several lines."""
    head = record.split("\x1e", 1)[0].strip()
    if '"thrown"' in head:
        obj = _json_object(head)
        thrown = obj.get("thrown") if obj is not None else None
        if isinstance(thrown, dict) and (trace := _thrown_trace(thrown)) is not None:
            return trace
    if "\\n" not in head:  # a text of several lines is written with escaped newlines in either format
        return None
    fields = _structured_fields(head)
    texts = [(_last_name(k), v.strip()) for k, v in (fields or {}).items() if isinstance(v, str) and "\n" in v.strip()]
    for name, value in texts:
        if name in _TRACE_NAMES:
            return "\x1e".join(value.splitlines())
    # A message of several lines is a trace where it is one (a collector that keeps a trace in the record's message:
    # Cloud Logging's "textPayload" holds the whole Python traceback): ``exception_of`` tells.
    for name, value in texts:
        if name in _TRACE_MESSAGE_NAMES:
            return "\x1e".join(value.splitlines())
    return None


MAX_THROWN_CAUSES = 16  # causes of a JSON exception object followed (a cycle or a deep chain is cut there)


def _thrown_trace(thrown: dict[str, object], depth: int = 0) -> str | None:
    """log4j2's JsonLayout writes a record's exception as an object: "name" (its class), "message", its frames in
    "extendedStackTrace" (or "stackTrace"), each {"class", "method", "file", "line"}, and its cause the same way under
    "cause". Written here as Java prints the trace (lines joined by ``JOIN``), so it is read as one; None where the
    object names no exception."""
    name = thrown.get("name")
    if not isinstance(name, str) or not name:
        return None
    message = thrown.get("message")
    lines = [f"{name}: {message}" if isinstance(message, str) and message else name]
    frames = thrown.get("extendedStackTrace", thrown.get("stackTrace"))
    for f in frames if isinstance(frames, list) else ():
        if isinstance(f, dict) and isinstance(f.get("class"), str) and isinstance(f.get("method"), str):
            where = f"{f.get('file')}:{f.get('line')}" if isinstance(f.get("file"), str) else "Unknown Source"
            lines.append(f"\tat {f['class']}.{f['method']}({where})")
    cause = thrown.get("cause")
    if isinstance(cause, dict) and depth < MAX_THROWN_CAUSES and (inner := _thrown_trace(cause, depth + 1)):
        lines.append("Caused by: " + inner)
    return "\x1e".join(lines)


_A_LETTER = re.compile(r"[^\W\d_]")


def structured_cause(record: str) -> tuple[str, str] | None:
    """The field a JSON or logfmt record states its cause in, and its text: ``("error", "OCI runtime create failed:
    ...")`` for ``level=error msg="failed to start container" error="OCI runtime create failed: ..."``. None for other
    records, for a record whose message is that field (no other message), and for an empty or non-text value."""
    head = record.split("\x1e", 1)[0].strip()
    fields = _structured_fields(head)
    trailing = fields is None
    if fields is None:
        # A message, then its fields as one JSON object (zap's console encoder, Kubernetes operators'
        # controller-runtime: '<time>\tERROR\tReconciler error\t{"controller": ..., "error": "..."}').
        obj = _trailing_object(head)
        if obj is None:
            return None
        fields = _flatten(obj)
    lower = {k.lower(): v for k, v in fields.items()}
    if not trailing and not any(lower.get(k) not in (None, "") for k in _MSG_KEYS if k not in _CAUSE_NAMES):
        return None  # the cause is the message: told already
    for key, value in fields.items():
        if not isinstance(value, str) or not value.strip() or "\n" in value.strip() or not _A_LETTER.search(value):
            continue  # empty, a code of digits alone (OpenLDAP's "err=80"), or a trace (its exception group tells it)
        # "error": "...", or an error object's message (Elastic Common Schema's "error.message"), or a message beside
        # an error's code (MongoDB's "attr": {"error": 28, "message": "No space left on device"}).
        parent, _, last = key.rpartition(".")
        if _last_name(key) in _CAUSE_NAMES or (
            last.lower() in ("message", "msg")
            and parent
            and (
                _last_name(parent) in _CAUSE_NAMES
                or any(f"{parent.lower()}.{name}" in lower for name in _CAUSE_NAMES if name not in ("reason", "cause"))
            )
        ):
            return key, value.strip()
    return None


_DECODER = json.JSONDecoder()


def cause_end(record: str) -> int | None:
    """Where the field a JSON record states its cause in (``structured_cause``) ends in its text: just past the closing
    quote of its value. None for a record without one, or not a JSON object."""
    if not record.startswith("{"):
        return None
    got = structured_cause(record)
    if got is None:
        return None
    name = json.dumps(got[0].rsplit(".", 1)[-1])
    at = record.find(name)
    while at >= 0:
        colon = at + len(name)
        while colon < len(record) and record[colon] in " \t":
            colon += 1
        opens = colon + 1
        while opens < len(record) and record[opens] in " \t":
            opens += 1
        if record[colon : colon + 1] == ":" and record[opens : opens + 1] == '"':
            try:
                value, end = _DECODER.raw_decode(record, opens)
            except ValueError:
                return None
            if isinstance(value, str) and value.strip() == got[1]:
                return end
        at = record.find(name, at + 1)
    return None


# Where a record's trailing JSON object may open: a brace and a quoted name after a blank or a tab.
_OBJECT_OPENS = re.compile(r"[\t ]\{\"")
MAX_OBJECT_TRIES = 4  # openings tried, leftmost first, for the object a line ends with


def _trailing_object(head: str) -> dict[str, object] | None:
    """The JSON object a record's line ends with, after its message (the leftmost opening whose rest is one object,
    so a nested object is not taken for it); None where the line ends with none."""
    if not head.endswith("}"):
        return None
    for k, m in enumerate(_OBJECT_OPENS.finditer(head)):
        if k >= MAX_OBJECT_TRIES:
            break
        obj = _json_object(head[m.start() + 1 :])
        if obj is not None:
            return obj
    return None


def _unquoted(value: str) -> str:
    """A logfmt value without the quotes around it (double, or single as auditd writes a message)."""
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    return value.strip('"')


# A value that is a time in epoch seconds with its fraction and a serial or id, in a word's brackets: no message.
_STAMPED_ID = re.compile(r"[a-z]*\((?:1\d{9}\.\d{3,9})[:.]\d+\):?")


def _after_pairs(tail: str) -> tuple[str | None, str | None]:
    """The level and message of the words after a record's last key=value pair where they open with a level word
    (``"INFO: done"``), else (None, None): other words there are a value's, cut at a blank."""
    word, _, rest = tail.strip().partition(" ")
    level = level_from_word(word) if word else None
    rest = rest.strip()
    return (level, rest) if level is not None and rest else (None, None)


def _parse_logfmt(record: str) -> ParsedRecord | None:
    head = record.split("\x1e", 1)[0]
    if "=" not in head[:40]:
        return None
    found = list(_LOGFMT_PAIR.finditer(head))
    if len(found) < 2 or head[: found[0].start()].strip():
        return None
    covered = sum(m.end() - m.start() + 1 for m in found)
    if len(found) < 3 or covered < 0.8 * len(head):
        # Pairs that open the record, then its level and its message in words (Sidekiq's "pid=7 tid=342 ERROR: Error
        # fetching job: ...", two pairs where the job's records write five): the words after the pairs are the
        # record's. Else at least three pairs, and pairs are the record.
        tail_level, _ = _after_pairs(head[found[-1].end() :])
        if tail_level is None:
            return None
    pairs = [(m.group(1).lower(), _unquoted(m.group(2))) for m in found]
    fields = dict(pairs)
    time_text = _record_time(fields)
    if time_text is None:
        # A message field that is the record's time and serial, no words (auditd's "msg=audit(1709294400.123:
        # 1000):"): the record's time; its message is another message field ("msg='op=login acct=...'"), or its
        # fields.
        stamp = next((v for k, v in pairs if k in _MSG_KEYS and _STAMPED_ID.fullmatch(v) is not None), None)
        if stamp is not None:
            time_text = stamp
            fields = {k: v for k, v in pairs if v is not stamp}
    message = next((fields[k] for k in _MSG_KEYS if not _holds_nothing(fields.get(k))), None)
    level = next((lv for k in _LEVEL_KEYS if k in fields and (lv := level_from_word(fields[k], strict=False))), None)
    if message is None and level is None:
        # Pairs that open the record, then its level and message in words (Sidekiq's "pid=4711 tid=x class=HardJob
        # jid=... elapsed=4.1 INFO: fail"): the words after the last pair are the record's.
        level, message = _after_pairs(head[found[-1].end() :])
    if level is None and message:
        level = _message_level(message)
    digit_level = False
    if level is None:
        # A request's record with no level of its own: its HTTP status class is its level, read per record (a
        # record of the same digit key may hold another status, or a value that is none: "099").
        statuses = _logfmt_statuses(head)
        level = _status_level(statuses)
        digit_level = bool(statuses)
    pieces: tuple[tuple[int, int, int, str], ...] = ()
    if message is None:
        # A request's record reads as its request, as a JSON one does ("GET /api/items/7 503": Heroku's router).
        codes = [c for k, v in fields.items() if _names_status(k) and (c := http_status(v)) is not None]
        message = _request_line(dict(fields), codes)
        pieces = _request_pieces(message, _logfmt_value_at(found)) if message is not None else ()
    if message is None:
        # Its fields, after the words it writes between them, which state what happened (the kernel's audit record
        # of a denial: 'type=AVC msg=audit(...): avc:  denied  { read } for  pid=812 comm="httpd" ...').
        # A value that is one short word (a record's type, an outcome: auditd's "type=SYSCALL", "success=yes") is
        # kept, as in a JSON record's fields (``_fields_template``); the miner makes it a placeholder where it varies
        # across many records.
        # Each key as the file spells it ("traceID", not the lower-case form it is looked up by); not the record's
        # time, nor the level it states (the record's level, not what it says: "level=info caller=... query=...").
        words = " ".join(w for a, b in pairwise(found) for w in head[a.end() : b.start()].split())
        spelt = {m.group(1).lower(): m.group(1) for m in found}
        kept = [
            f"{spelt.get(k, k)}={v if _WORD_VALUE.fullmatch(v) else '<v>'}"
            for k, v in fields.items()
            if k not in _TIME_KEYS and not (k in _LEVEL_KEYS and k != "status" and level_from_word(v) is not None)
        ]
        message = " ".join([words] * bool(words) + kept)
    component = fields.get("logger") or fields.get("component")
    return ParsedRecord(FORMAT_LOGFMT, time_text, level, message, component, digit_level, pieces=pieces)


# A logfmt pair whose key may name a status ("status=502", "http.status_code=\"404\"") and whose value is three
# digits; ``_names_status`` decides on the key, ``http_status`` on the value. Any three digits are found (not only
# 100..599), so records with one digit key have their candidates at the same offsets (``StatusLevels``).
# (The regex starts on the key's last word, found by its first letter; the key starts after the blank before it.)
_LOGFMT_STATUS = re.compile(r'[sScC](?:(?i:tatus)|(?i:ode))="?(\d{3})(?![\w.])')


def _logfmt_status_values(head: str) -> list[re.Match[str]]:
    """The three-digit values of a logfmt record's status fields (HTTP statuses or not)."""
    found = []
    for m in _LOGFMT_STATUS.finditer(head):
        at = m.start()
        start = max(head.rfind(" ", 0, at), head.rfind("\t", 0, at)) + 1
        if _names_status(head[start : head.index("=", at)].lower()):
            found.append(m)
    return found


def _logfmt_statuses(head: str) -> list[str]:
    return [m.group(1) for m in _logfmt_status_values(head)]


def _status_level(values: list[str]) -> str | None:
    """The level by the worst HTTP status among ``values`` (5xx ERROR, 4xx WARN, else INFO), None for none."""
    worst = max((s for v in values if (s := http_status(v)) is not None), default=0)
    return level_from_http_status(worst) if worst else None


# "status" (or "status code") and its value ending a sentence: "... completed with status: 502"; an answer's class
# (2xx to 5xx), and no process's exit status ("Process exited with status 139": a crash, no answer).
_STATUS_SAID = re.compile(r"\b(?:[Ss]tatus|STATUS)(?: code)?:? ([2-5]\d\d)\.?$")
_EXIT = re.compile(r"\bexit", re.IGNORECASE)


def _logfmt_status_level(head: str) -> str | None:
    """The level of a logfmt record by its HTTP statuses. The parse and the per-record reader both read it here,
    so they agree on every record."""
    return _status_level(_logfmt_statuses(head))


def _parse_cri(record: str) -> ParsedRecord | None:
    m = _CRI.match(record)
    if m is None:
        return None
    line = m.group(4).split("\x1e", 1)[0]
    app = _application_line(line)
    if app is not None:
        return _wrapping(FORMAT_CRI, m.group(1), app, m.start(4))
    inner = parse_plain_message(line, cut_header=False)
    return ParsedRecord(FORMAT_CRI, m.group(1), inner.level, inner.message, None)


def _application_line(line: str) -> ParsedRecord | None:
    """The application's own line inside a container runtime's record, where a known grammar reads it: one JSON
    object (zap, pino, bunyan, structlog), a klog line (the Kubernetes components), an access-log line (an ingress,
    nginx), logfmt (logrus, go-kit, slog). A line of none of them is left to the file's discovered header
    (``detect_format``), as any application's own layout is."""
    first = line[:1]
    if first == "{":
        return _parse_json(line)
    if first in "IWEF" and (klog := _parse_klog(line)) is not None:
        return klog
    if (access := _parse_access(line)) is not None:
        return access
    # logfmt only where the line opens with a pair: "INFO user=bob action=login" is a level and a message of
    # pairs, which the file's header reads.
    return _parse_logfmt(line) if _LOGFMT_PAIR.match(line) is not None else None


def _wrapping(fmt: str, time_text: str | None, app: ParsedRecord, at: int = -1) -> ParsedRecord:
    """A runtime's record (``fmt``, its time) holding an application line a known grammar read: that line's level,
    message and component. A level that hangs on the line's digits (a klog letter glued to its date, a numeric
    level, an HTTP status) is read per record (``RecordParser.level_reader``). ``at``: where the application's
    line starts in the record (-1: not in it as written, a JSON string's escapes between)."""
    pieces = tuple((ms, rs + at, n, kind) for ms, rs, n, kind in app.pieces) if at >= 0 else ()
    return ParsedRecord(fmt, time_text, app.level, app.message, app.component, app.digit_level, app.fmt, pieces)


# A collector's RFC 3339 time before the application's line ("kubectl logs --timestamps", a CI runner, Docker's
# json-file records as the reader unwraps them: ``records._docker_line``).
# The time may be followed by the source's tag ("app[web.1]: ", Heroku's and a log drain's "source[instance]:").
_PREFIXED = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) "
    r"(?:([A-Za-z][\w.\-/]*+(?:\[[^\]\s]*\])?): )?(.*)",
    re.DOTALL,
)


def _parse_prefixed(record: str) -> ParsedRecord | None:
    """A collector's time, then an application line a known grammar reads (``_application_line``): that line's
    format, level, message and component, at the collector's time (a full date with its offset, where a klog line
    has no year). None where no known grammar reads the line: the file's discovered header does."""
    m = _PREFIXED.match(record)
    if m is None:
        return None
    app = _application_line(m.group(3).split("\x1e", 1)[0])
    if app is None:
        return None
    wrapped = _wrapping(app.fmt, m.group(1), app, m.start(3))
    if m.group(2) is not None and (tag_level := level_from_word(m.group(2))) is not None:
        # A level where a source's tag stands (Erlang/OTP logger's "2024-03-12T14:30:18.382+00:00 warning: pid=<0.956.0>
        # module=ledger_db msg=\"slow query\" ..."): the record's level where its line states none, never its source.
        return wrapped if wrapped.level is not None else replace(wrapped, level=tag_level, digit_level=False)
    return wrapped if m.group(2) is None or app.component else replace(wrapped, component=m.group(2))


def _parse_5424(record: str) -> ParsedRecord | None:
    m = _RFC5424.match(record)
    if m is None:
        return None
    msg = m.group(8).split("\x1e", 1)[0]
    msg = msg.removeprefix("\ufeff")
    return ParsedRecord(
        FORMAT_SYSLOG_5424, m.group(2), level_from_syslog_pri(int(m.group(1))), msg, m.group(4), digit_level=True
    )


# A tag ends at its pid's bracket (or the instance in parentheses after it): words after a closed bracket are no
# tag's but a message's, whose first colon came later (corosync's "Dec 05 10:00:02 [1234] node1 corosync notice
# [QUORUM] Sync members[1]: 1" is no program "node1 ... members[1]" saying "1").
_PAST_BRACKET = re.compile(r"\] (?!\()")


_ISO_SYSLOG_HOST = re.compile(r"[A-Za-z0-9][\w.-]*")
_ISO_SYSLOG_TAG = re.compile(r"[A-Za-z_][\w./@-]*(?:\[\d+\])?")


# The kernel's own clock before its message (printk's seconds since boot, to the microsecond: "kernel: [1848218.278455]
# Call Trace:"): the header's, as the syslog time before it. In the message, it opened every kernel template ("[<*>]
# ..."), and the lines of a call trace, each under the repeated header, were records of their own.
_PRINTK_CLOCK = re.compile(r"\[ *\d+\.\d{6}\] ")


def _parse_3164(record: str) -> ParsedRecord | None:
    m = _RFC3164.match(record)
    if m is None:
        if record[:1] == "<" and (u := _RFC3164_UNTAGGED.match(record)) is not None:
            by_pri = level_from_syslog_pri(int(u.group(1)))
            return ParsedRecord(FORMAT_SYSLOG_3164, u.group(2), by_pri, u.group(4).split("\x1e", 1)[0], None, True)
        return None
    pri = m.group(1)
    msg = m.group(5).split("\x1e", 1)[0]
    if msg[:1] == "[" and (clock := _PRINTK_CLOCK.match(msg)) is not None:
        msg = msg[clock.end() :]
    tag = m.group(4)
    if _PAST_BRACKET.search(tag) is not None:
        return None
    if m.group(2)[:1].isdigit() and (
        _ISO_SYSLOG_HOST.fullmatch(m.group(3)) is None
        or _ISO_SYSLOG_TAG.fullmatch(tag) is None
        or level_from_word(m.group(3)) is not None
        or (not tag.endswith("]") and not any(ch in m.group(3) for ch in "0123456789.-_"))
    ):
        # After an RFC 3339 time, only a host's name and a program's make a syslog header: its pid in brackets, or
        # a host named as machines are (a digit, a dot, a dash: "ip-10-0-12-34 kernel:"). A time, a level and a
        # logger ("2026-03-04T10:00:02Z INFO main: ..."), a label of two words ("...Z Build Date: 2025-06-20"), a
        # script's path ("... /tmp/x.sh: line 3: mvnw: command not found") or a log drain's source ("... app[web.1]:
        # {...}") are the application's own.
        return None
    first, blank, program = tag.partition(" ")
    if blank and program and (lv := _column_severity(first)) is not None:
        # The severity a relay writes before the program, as a column of its own ("bigip1 warning tmm[18872]:",
        # "host daemon.err dnsmasq[2214]:"): the level, and the program after it the tag.
        if pri:
            lv = level_from_syslog_pri(int(pri))
        return ParsedRecord(FORMAT_SYSLOG_3164, m.group(2), lv, msg, program, digit_level=bool(pri))
    if not pri and " " not in tag and tag[:1].isupper() and (lv := level_from_word(tag)) is not None:
        # No program is named by a severity word: a line of no host, its program first and its level where a tag
        # would stand (Dovecot's own log: "Mar 12 07:02:06 imap(alice@example.com)<31266><9ioBhX>: Panic: ...",
        # "imap-login: Info: ...").
        return ParsedRecord(FORMAT_SYSLOG_3164, m.group(2), lv, msg, m.group(3).rstrip(":"))
    if not pri and tag[-1:] == ")" and (lv := _tag_level(tag)) is not None:
        # The level in parentheses after the program's name and pid (MIT Kerberos' "krb5kdc[1187](info):").
        return ParsedRecord(FORMAT_SYSLOG_3164, m.group(2), lv, msg, tag[: tag.rindex("(")])
    if not pri and (own := _own_line(msg)) is not None:
        return ParsedRecord(FORMAT_SYSLOG_3164, m.group(2), own[0], own[1], tag, digit_level=own[2])
    level = level_from_syslog_pri(int(pri)) if pri else _message_level(msg)
    return ParsedRecord(FORMAT_SYSLOG_3164, m.group(2), level, msg, tag, digit_level=bool(pri))


def _column_severity(word: str) -> str | None:
    """The level a syslog header's column names: a severity name of syslog's in lower case ("warning", "err") or a
    selector ("daemon.err", ``level_from_selector``); None for a program's name or any other word."""
    if word in LEVEL_WORDS and word.islower() and word not in EVERYDAY_LEVEL_WORDS - {"alert", "notice"}:
        return level_from_word(word)
    return level_from_selector(word)


def _tag_level(tag: str) -> str | None:
    """The level a syslog tag ends with in parentheses ("krb5kdc[1187](info)"), None where it ends otherwise (an
    instance in parentheses: launchd's "com.apple.xpc.launchd[1] (com.apple.suggestd[40890])")."""
    at = tag.rfind("(")
    return level_from_word(tag[at + 1 : -1]) if at > 0 and tag[at - 1] != " " else None


# A line's first word, in brackets (square or angle: NetworkManager's "<warn>  [1701331207.1234] ...") or not, and
# the blanks after it.
_LEADING_WORD = re.compile(r"[\[<]?[A-Za-z]{1,16}[\]>]?[ \t]+")


def _own_line(msg: str) -> tuple[str, str, bool] | None:
    """The level and message of an application's own line that a collector carries as its message (syslog without a
    priority, the systemd journal's MESSAGE of a unit's output), where a known grammar reads a level in it, and
    whether that level hangs on the line's digits (None: the line states no level a grammar reads):

    - a structured line with a level of its own (a daemon's logfmt or JSON: gitlab-runner's 'time="..."
      level=warning msg="..."'), read as a container runtime's line is; key=value pairs without a level (the
      kernel's audit records) stay the message they are;
    - a klog line (journald's kubelet: "E0301 12:00:00.123456 1234 pod_workers.go:1301] message"): its severity
      letter and its message. Records' shapes mask "E0301" and "F0301" alike (hex-ish runs), so an E or F record's
      level is read per record;
    - a line opening with its time and its level ("2024-03-01 12:00:00,123 WARN  [main] c.e.Shop - Slow query"), or
      its level and its time (an AWS Lambda Python function's "[ERROR]\t2024-03-01T12:00:00.123Z\t<request id>\t...",
      NetworkManager's "<warn>  [1701331207.1234] device ..."): the level, and the message after them."""
    inner = _parse_logfmt(msg) or (_parse_json(msg) if msg[:1] == "{" else None)
    if inner is not None and inner.level is not None:
        return inner.level, inner.message, inner.digit_level
    klog = _parse_klog(msg) if msg[:1] in "IWEF" else None
    if klog is not None and klog.level is not None:
        return klog.level, klog.message, msg[:1] in "EF"
    if msg[:1].isdigit() or msg[:1] == "[":
        message, level = _after_leading_time(msg)
        if level is not None:
            return level, message, False
    lead = _LEADING_WORD.match(msg)
    if lead is not None and (level := level_from_word(lead.group())) is not None:
        rest = msg[lead.end() :]
        end = leading_time_end(rest)
        within = leading_time_end(rest[1:]) if not end and rest[:1] == "[" else 0
        if within and rest[within + 1 : within + 2] == "]":
            end = within + 2  # the time in brackets (NetworkManager's "<info>  [1701331207.1234] ...")
        message = rest[end:].lstrip(" \t")
        if end and message:
            return level, message, False
    return None


def _parse_access(record: str) -> ParsedRecord | None:
    m = _ACCESS.match(record)
    if m is None:
        return None
    status = int(m.group(8))
    fmt = FORMAT_ACCESS_COMBINED if m.group(10) is not None else FORMAT_ACCESS_COMMON
    path = m.group(6).split("?", 1)[0]
    parts = [(m.group(5), m.start(5), ""), (path, m.start(6), ""), (m.group(7), m.start(7), "")]
    parts.append((m.group(8), m.start(8), "status"))
    pieces: list[tuple[int, int, int, str]] = []
    at = 0
    for text, start, kind in parts:
        if text:
            pieces.append((at, start, len(text), kind))
            at += len(text) + 1
    msg = " ".join(text for text, _start, _kind in parts if text)
    return ParsedRecord(
        fmt, m.group(4), level_from_http_status(status), msg, None, digit_level=True, pieces=tuple(pieces)
    )


# klog / glog: "E0120 11:42:15.123456    1234 file.go:42] message" (the thread may be a name). The date may carry
# its year (glog 0.6+ "I20240120", CockroachDB's "I240120"). A source that ends at a blank rather than a bracket
# (CockroachDB: "server/node.go:464 ⋮ [n1] 7  started") is left to the discovered header, which cuts its tags too
# (``HeaderParser.cut`` reads the glued level letter).
_KLOG = re.compile(r"([IWEF])((?:\d\d){2,4} \d{2}:\d{2}:\d{2}(?:\.\d+)?) +(\S+) +([^\s\]]+:\d+)\] ?(.*)", re.DOTALL)


def _parse_klog(record: str) -> ParsedRecord | None:
    m = _KLOG.match(record)
    if m is None:
        return None
    msg = m.group(5).split("\x1e", 1)[0]
    # The letter is glued to the date: shapes mask "E0120" and "F0120" alike (hex-ish runs), so it is read
    # per record.
    level = level_from_letter(m.group(1))
    return ParsedRecord(FORMAT_KLOG, record[: m.end(2)], level, msg, m.group(4), digit_level=True)


# Android logcat, "threadtime" ("03-17 16:13:38.811  1702  2395 D Tag: msg") and "time" / "brief"
# ("03-17 16:13:38.811 D/Tag( 1702): msg", "D/Tag( 1702): msg").
_LOGCAT = re.compile(
    r"(\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}) +\d+ +\d+ ([VDIWEFA]) (.*?) ?: (.*)"
    r"|((?:\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} )?)([VDIWEFA])/([^(\n]*)\( *\d+\): (.*)",
    re.DOTALL,
)


def _parse_logcat(record: str) -> ParsedRecord | None:
    m = _LOGCAT.match(record)
    if m is None:
        return None
    if m.group(1) is not None:
        time_text, letter, tag, msg = m.group(1), m.group(2), m.group(3), m.group(4)
    else:
        time_text, letter, tag, msg = m.group(5).strip() or None, m.group(6), m.group(7), m.group(8)
    msg = msg.split("\x1e", 1)[0]
    return ParsedRecord(FORMAT_LOGCAT, time_text, level_from_letter(letter), msg, tag.strip() or None)


_LEVELS_IN_TEXT: tuple[str, ...] = ("TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERROR", "SEVERE", "FATAL")
_LEVELS_IN_TEXT += ("CRITICAL", "CRIT", "ERR")
# The short forms of level words (Serilog's and zerolog's "INF", "WRN", log15's "EROR", java.util.logging's "FINE"),
# and "VERBOSE" (an everyday word in lower case: "verbose output enabled"): levels in capitals only, where the full
# names above are levels in any case.
_LEVEL_SHORT_FORMS = sorted(({w.upper() for w in LEVEL_WORDS if len(w) <= 4} | {"VERBOSE"}) - set(_LEVELS_IN_TEXT))
# (Not a directory's name in a path, between slashes: Unity's "(Filename: ./Runtime/Export/Debug/Debug.bindings.h
# Line: 35)" after every message was a DEBUG record, 40% of a game server's; a thread's name and a slash before it are
# log4j's "[Server thread/INFO]".)
# (Nor the first word of a braced term: Erlang's "{error,{exit,{noproc,...}}}" under Couchbase's "Ignoring failure to
# grab stats:" is data, the tuple's tag, not a level: the line was a record of its own, an ERROR.)
_LEVEL_IN_TEXT = re.compile(
    rf"(?<![\w.{{-])(?!(?<=/)[A-Za-z]+/)\[?({'|'.join(_LEVELS_IN_TEXT)}|(?-i:{'|'.join(_LEVEL_SHORT_FORMS)}))\]?(?![\w.=-])",
    re.IGNORECASE,
)


# A word that denies what follows it, or a count of none, before a level word: "LeapIndicator: 0 - no warning"
# (w32time's NTP packet dumps were WARN records), "completed without errors", Unreal's "Success - 0 error(s)".
_NEGATED = re.compile(r"(?<![\w.,-])(?i:no|not|without|never|0)[ \t]+$")
# A count before a level word not in capitals: the word names what is counted, a tally of records written elsewhere
# ("1 warning", "2 errors", "1 error generated.", pytest's "=== 2 failed, 140 passed, 1 warning in 41.27s ==="), not
# the line's severity ("1 warning" was WARN beside "4 warnings" of no level). A level in capitals after a number is
# written as levels are ("4711 ERROR ...": a process id's column, then the level).
_COUNTED = re.compile(r"(?<![\w.,:/-])(?:\d{1,3}(?:,\d{3})+|\d+)[ \t]+$")


# Where a compiler's or a linter's diagnostic says it is, before its severity: "<path>:<line>[:<column>]: " (gcc,
# clang, javac, go vet; the path as long as the build's directories make it).
_DIAGNOSTIC_LOCATION = re.compile(r"[^\s:]+:\d+(?::\d+)?: ")


def _level_in_text(text: str, start: int = 0) -> str | None:
    """The first level word near the start of a line of free text (after a diagnostic's location, however long its
    path; a line's time, which ends at ``start``, does not count in how near). "trace" is also a noun of logs ("Stack
    trace:", "see the trace"): it is a level only as levels are written, in capitals or in brackets ("TRACE",
    "[trace]"). A level word that names a count is no level ("PASS=4 WARN=0 ERROR=1", a run's totals)."""
    m = _level_in_text_match(text, start)
    return level_from_word(m.group(1)) if m is not None else None


def _level_in_prose(text: str, start: int = 0) -> bool:
    """Whether the level ``_level_in_text`` reads is a word of the text's prose: inside it (not opening it), neither
    in capitals nor in brackets, nor after a source's tag in capitals ("PHP Fatal error:", "SSL error:"): "### The
    error may exist in ...", "Memcheck, a memory error detector", git's output quoted in a message ("Stderr: fatal:
    unable to access ...")."""
    m = _level_in_text_match(text, start)
    if m is None:
        return False
    at = located.end() if (located := _DIAGNOSTIC_LOCATION.match(text)) is not None else 0
    before = text[at : m.start()].split()
    return (
        bool(before)
        and not before[-1].isupper()
        and not m.group(1).isupper()
        and m.group()[:1] != "["
        and text[m.start() - 1] != "="  # (a key's value: "level=info")
    )


def _level_in_text_match(text: str, start: int = 0) -> re.Match[str] | None:
    """The match of ``_level_in_text``'s level word (``_LEVEL_IN_TEXT``), or None: in the text's first 80 characters,
    or as far on its first line past ``start`` (where its time ends)."""
    at = located.end() if (located := _DIAGNOSTIC_LOCATION.match(text)) is not None else 0
    end = at + 80
    if start:
        first = text.find("\x1e")
        end = max(end, min(start + 80, first if first >= 0 else len(text)))
    for m in _LEVEL_IN_TEXT.finditer(text, at, end):
        word = m.group(1)
        if word.lower() == "trace" and not word.isupper() and not m.group().startswith("["):
            continue
        if word.islower() and text[m.end() : m.end() + 1] == ":" and text[m.end() + 1 : m.end() + 2].strip():
            continue  # a field and its value, glued: "error:<nil>" (client-go's trace: no error), "warn:false"
        if text[m.end() : m.end() + 1] == ":" and _COUNT_ALONE.fullmatch(text, m.end() + 1):
            continue  # a tally by severity, "CRITICAL: 23" (not make's "*** [all] Error 2": its exit status)
        if _NONE_COUNTED.match(text, m.end()) is not None:
            continue  # a count of none: "Fatal 0." among a run's totals ("Pass 7. Fail 1. Fatal 0. Skip 0.")
        if _NEGATED.search(text, max(0, m.start() - 8), m.start()) is not None:
            continue  # a level word the text says there is none of: "no warning", "without errors"
        if not word.isupper() and _COUNTED.search(text, max(0, m.start() - 16), m.start()) is not None:
            continue  # a tally: "1 warning", "3 error(s)"
        if m.start() and text[m.start() - 1] in "'\"" and text[m.start() - 2 : m.start() - 1] != "=":
            # A quoted text's first word: what a command prints (a shell's trace of a script, "+ echo 'WARN: /backups
            # at 88%'", then the line the echo wrote: the warning counted twice), a name quoted as data; not a key's
            # quoted value (an XML event's 'Severity="Warning"').
            continue
        return m if level_from_word(word) is not None else None
    return None


# A message that opens with its severity: "error: Bind to port 22 failed", "WARNING: ...", "[ERROR] ...",
# "panic: runtime error", "fatal: not a git repository", a CI annotation "##[error]Process completed", PostgreSQL's
# "LOG:  checkpoint starting" (a level in capitals only: ``level_from_word`` reads "log:" as none). Bracketed fields
# glued before the level are header fields the file's layout did not take (a second format in one file: Envoy's
# "[<time>][24017][warning][config] ..." among its access lines), and so is a source's tag in capitals before it
# ("PHP Warning:", "SSL error:"); "Fatal error:" is the fatal level written with its noun, and after such a tag
# one capitalised word may name the kind of error before the level word ("PHP Parse error:"). Up to three marks may
# lead it: a prompt's, a bullet's or an arrow a tool writes after its header ("-> ERROR: Update failed."), or an arrow
# of equals signs (makepkg's and mkinitcpio's "==> WARNING: Possibly missing firmware").
# java.util.logging's levels below INFO in capitals ("FINE: Session renewed", "CONFIG: Rate limit reloaded", the second
# line of its two-line records); "Config:" and "fine:" are words of messages.
# (A deprecation notice written where a severity stands, levels' ``_CAPITAL_WORDS``: PHP's "PHP Deprecated:  ...",
# a runtime's "DEPRECATION: ...", in those capitals only.)
_LEVEL_PREFIX = re.compile(
    r"(?:\[[^\]\[\s]{1,64}(?: \[[^\]\[\s]{1,32}\])?\] (?=\*))?"
    r"(?:={1,3}>? |[-#*!>%: ]{0,3})(?:\[[^\]\[\s]{1,64}\])*(?:(?-i:[A-Z][A-Z0-9]{1,7} )(?-i:[A-Z][a-z]{2,15} )??)?"
    r"\[?(TRACE|DEBUG[1-9]?|INFO|LOG|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|FATAL|CRITICAL|CRIT|ALERT|EMERG|PANIC"
    r"|(?-i:FINEST|FINER|FINE|CONFIG|Deprecated|DEPRECATED|DEPRECATION))"
    # (A debug level with its verbosity: OpenSSH's "debug1:" .. "debug3:", PostgreSQL's "DEBUG2:".)
    # (Closed by a tab too: a level column of a tab-delimited line the file's layout does not hold, Istio's pilot
    # agent's "info\tFLAG: ..." among its proxy's access lines; or by a bracketed time glued to it, logrus' text
    # format: "WARN[0075] Error uploading layer to cache ...", seconds since the start.)
    # (Between asterisks too, as SPDK marks it: "*ERROR*: sock connection error ...", and the kernel's DRM after the
    # function and its module in brackets: "[drm:amdgpu_job_timedout [amdgpu]] *ERROR* ring gfx timeout".)
    # (Or by a blank and a colon, a field of its own as NFS-Ganesha writes it: ":DBUS :CRIT :dbus_bus_get failed".)
    r"(?: error)?[\]*]?(?::| :|\]| -|\t|\[[^\]\[\s]{1,40}\] |(?<=[A-Za-z]\*) )",
    re.IGNORECASE,
)


# A level word in capitals opening a message, then its text after a blank: Redis's "# WARNING Memory overcommit must be
# enabled!", a script's "ERROR cannot open /data". Capitals only: "Error handling request" is prose. Padded to a
# width too, as a logger's "%-5level" writes it (an application's "INFO  OrderService - listed 2 orders" that WebSphere
# relays as a line its program printed).
_CAPITAL_LEVEL_PREFIX = re.compile(
    r"(?:={1,3}>? |[-#*!> ]{0,3})(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|FATAL|CRITICAL|CRIT) +(?=\S)"
)


# The same in lower case, the word alone before the text, as command-line tools tag their lines (yarn's and
# Gatsby's "warn Plugin x is not compatible ...", "error Command failed with exit code 1."): a sentence does not open
# with these words in lower case. ("trace" and "notice" open sentences: "trace id=...", "notice that ...".)
_LOWER_LEVEL_PREFIX = re.compile(r"(debug|info|warn|warning|error) (?=\S)")


# A level's letter, a slash and the module that speaks, as Android's logcat writes a line ("W/nsHttp ...", Firefox's
# MOZ_LOG: "[Parent 48211: Main Thread]: W/nsHttp nsHttpChannel::ProcessResponse ..."; "E/flutter (14211): ..."): the
# letter is the level (a status the line names after it is what it reports, not its severity).
_LETTER_SLASH_LEVEL = re.compile(r"([VDIWEF])/[A-Za-z][\w.$:-]{1,63}(?: ?\( *\d+\))?:? (?=\S)")


def _level_prefix(message: str) -> str | None:
    m = _LEVEL_PREFIX.match(message) or _CAPITAL_LEVEL_PREFIX.match(message) or _LOWER_LEVEL_PREFIX.match(message)
    if m is not None and m.start(1) > 1 and (lead := _CAPITAL_LEVEL_PREFIX.match(message)) is not None:
        # A level word in capitals before the one the prefix found is the record's level, the other the message's
        # first word (dnf's "WARNING Error: Failed to download metadata ...": a warning, not an error).
        m = lead
    if m is None and (letter := _LETTER_SLASH_LEVEL.match(message)) is not None:
        return level_from_letter(letter.group(1))
    if m is None:
        return None
    word = m.group(1)
    if word.isupper() and word.lower() in EVERYDAY_LEVEL_WORDS and message[: m.start(1)].rstrip()[-1:].isalpha():
        # An everyday word in capitals after a word in capitals names an event ("SERVICE ALERT:", "HOST ALERT:" of a
        # monitor whose records are state changes, OK ones as well), not a tool's level ("PHP Notice:").
        return None
    return level_from_word(word, strict=False)


# An outcome written in capitals, as build tools, test runners and init systems state one: "FAILED tests/test_a.py::
# test_b - AssertionError", "--- FAIL: TestParse", "> Task :test FAILED", "BUILD FAILED in 12s", "[FAILED] Failed to
# start nginx.service", "status=1/FAILURE". A whole word in capitals (in brackets or not), never "failed" in prose
# ("Failed to sync, retrying" says no more than a level beside it) and never part of a name ("FAIL_TASK_CLEANUP").
# A cross mark that opens a line states a failure as FAIL does (test runners' "✘  9 [chromium] > cart.spec.ts:78 >
# ...", linters' "✖ 17 problems", Next.js's " \u2a2f TypeError: ...", a cross product sign).
_OUTCOME_FAILED = re.compile(r"(?<![\w.-])\[?(?:FAIL|FAILED|FAILURE)\]?(?![\w.-])|^\s*[✘✗✖❌\u2a2f] ")
# A warning sign that opens a line states a warning, as the word would (Next.js's " ⚠ Fetch failed ...", the
# log-symbols of Node's command-line tools).
_WARNING_SIGN = re.compile(r"\s*⚠\ufe0f? ")
# A check mark that opens a line states a success: the words after it name what passed ("✓  13 [chromium] > ... >
# shows error (812ms)": a test of the error message, passed), no level.
OUTCOME_PASSED = re.compile(r"\s*[✓✔✅] ")


# A POSIX shell's own report of a command it could not run, as bash, dash, sh and zsh word it (a CI step's
# "/home/runner/work/_temp/x.sh: line 3: mvnw: command not found", "sh: 1: ./deploy: Permission denied"): the shell
# (or the script it runs) names itself, then the line, then the command and why.
_SHELL_ERROR = re.compile(
    r"(?:\S*/)?(?:(?:ba|da|z|k)?sh|[\w.-]+\.sh): (?:line \d+: |\d+: )?\S.{0,200}?: "
    r"(?:command not found|not found|Permission denied|No such file or directory|syntax error[^\n]*)$"
)


def _shell_error(message: str) -> bool:
    """The message is a shell's report of a command it could not run (``_SHELL_ERROR``): an error."""
    return ": " in message and _SHELL_ERROR.match(message) is not None


# An exception's line, flush left (its type named as one: "...Error", "...Exception"), and a frame of its trace on the
# next line of the record: "TypeError: Cannot read
# properties of null (reading 'qty')" over "    at releaseReservation (/app/src/inventory.js:88:28)", Node's "Error
# [ERR_HTTP_HEADERS_SENT]: ...", a JVM's "java.io.IOException: ..." over "\tat ...".
_TRACED_EXCEPTION = re.compile(
    r"(?:[a-z_][\w$]*\.)*(?:[A-Z][\w$]*)?(?:Error|Exception|Throwable)(?: \[[\w.-]+\])?: [^\x1e\n]*"
    r"[\x1e\n][ \t]+at \S[^\x1e\n]*(?:\(|:\d+)"
)


def _uncaught(message: str) -> bool:
    """The message opens with the report a language runtime writes itself of an exception nothing caught (a crash
    report, ``RUNTIME_CRASH``, or Python's traceback banner): an error, where no logged record carries it."""
    return message.startswith(TRACEBACK_BANNER) or RUNTIME_CRASH.match(message) is not None


# A runtime's warning, named by its class: Python's warnings module writes "<file>:<line>: <category>: <message>"
# (``warnings.formatwarning``), the category a class named for what it warns of ("DeprecationWarning", "UserWarning",
# SQLAlchemy's "SAWarning"), and the interpreter's own follow-up names the category alone ("RuntimeWarning: Enable
# tracemalloc to get ..."); Node.js writes "(node:<pid>) [<code>] <name>: <message>" ("(node:4211) [DEP0005]
# DeprecationWarning: Buffer() is deprecated ...", "(node:4211) MaxListenersExceededWarning: ..."). Any of these
# opening a message states a warning, however long the file's path; so does the code alone before it where a header
# was read off the line ("(node:41)" taken for a process's field: "[DEP0005] DeprecationWarning: ...").
_RUNTIME_WARNING = re.compile(r"(?:\S+:\d+: |\(\w+:\d+\) )?(?:\[\w+\] )?[A-Z]\w*Warning: ")
# A message tag that carries its syslog severity (0 emergency .. 7 debug) between facility and mnemonic, as network
# devices write their system messages ("%LINK-3-UPDOWN: Interface Gi0/1, changed state to down", "%ASA-4-106023:",
# "%ETHPORT-5-IF_DOWN_LINK_FAILURE:"), after the device's own sequence number and clock where it writes them.
_SEVERITY_TAG = re.compile(
    r"(?<![\w%])%[A-Z][A-Z0-9_]*(?:-[A-Z][A-Z0-9_]*)*-([0-7])-[A-Z0-9_]+ ?:"
    # (IOS XR writes a blank before the colon: "%PKT_INFRA-LINK-3-UPDOWN : Interface ..."; H3C's and HPE Comware's
    # information center the severity between slashes: "IFNET/3/PHY_UPDOWN:", "%%10SHELL/5/SHELL_LOGIN(l):".)
    # (Huawei's VRP the same, a mnemonic in mixed case and a sequence number before the colon:
    # "%%01DEVM/1/hwPowerFail_active(l)[35]:The power module experienced a partial failure.")
    r"|(?<![\w/])(?:%%\d\d)?[A-Z][A-Z0-9_]*/([0-7])/[A-Za-z0-9_]+(?:\([a-z]+\))?(?:\[\d+\])?:"
)
SEVERITY_TAG_CHARS = 64  # how far into a message its severity tag may stand


# A level word in brackets that a separator closes off from the message after it, a few words into the message: a
# level column the words of a channel or a subsystem stand before (Ceph's "log_channel(cluster) log [WRN] : Health
# check failed: ..."). Only where a separator follows: a bracketed word inside prose is the prose's.
_BRACKETED_LEVEL = re.compile(r"(?<!\S)\[([A-Za-z]{3,13})\] ?[:|-] ")
# glog's short header, a level letter and the source file's line, in brackets a few fields into the message
# (PyTorch's c10 under torchrun's rank prefix: "[rank11]:[E ProcessGroupNCCL.cpp:523] [Rank 11] Watchdog caught
# collective operation timeout ...", "[W socket.cpp:464] [c10d] The server socket has failed to bind ..."): the letter
# is the record's level, as klog's is where it opens the line.
_LETTER_AND_SOURCE = re.compile(r"(?<![^\s:\]])\[([IWEF]) [\w./-]+\.\w{1,5}:\d+\](?= )")
# A level word in angle brackets, a field of its own a few fields into the message (Vertica's "<thread> [EE] <ERROR>
# Join inner did not fit in memory", ArubaOS' "<501100> <3456> <ERRS> <host ip>  |stm|  ..."): angle brackets around
# a level word are a field's, not prose's.
# (Or the component after it, a colon between: Extreme EXOS's "<Erro:cli.logRemoteCmd> Slot-1: Command failed".)
_ANGLED_LEVEL = re.compile(r"(?<!\S)<([A-Za-z]{3,13})(?::[\w.-]{1,64})?> ")
# A level word that opens a bracketed field of parts split by bars (XenServer's and XCP-ng's xapi: "[error||6701
# /var/lib/xcp/xapi|VM.start R:f144560abf3f|xenops] Caught ...", "[ info||...]").
_PIPED_LEVEL = re.compile(r"\[ ?([A-Za-z]{3,9})\|")
# A syslog selector that closes a bracketed field, the message's id before it (Solaris' "[ID 748625 daemon.error]
# ...", "[ID 702911 kern.warning] WARNING: /pci@0,0/...": its syslog writes the facility and the severity there).
_BRACKETED_SELECTOR = re.compile(r"\[[^\[\]\s]{1,16}(?: [^\[\]\s]{1,16})? ([a-z][a-z0-9]{1,8}\.[a-z]{3,7})\] ")


def _named_level(message: str) -> str | None:
    """The level a message states by naming its kind: a runtime's warning class (``_RUNTIME_WARNING``: WARN), a
    syslog severity in its tag (``_SEVERITY_TAG``), or a level word in brackets a separator follows in its first
    SEVERITY_TAG_CHARS characters (``_BRACKETED_LEVEL``); None for any other message."""
    if _RUNTIME_WARNING.match(message) is not None:
        return "WARN"
    if "[" in message[:SEVERITY_TAG_CHARS]:
        b = _BRACKETED_LEVEL.search(message, 0, SEVERITY_TAG_CHARS + 16)
        if b is not None and b.start() < SEVERITY_TAG_CHARS and (lv := level_from_word(b.group(1))) is not None:
            return lv
        g = _LETTER_AND_SOURCE.search(message, 0, SEVERITY_TAG_CHARS + 64)
        if g is not None and g.start() < SEVERITY_TAG_CHARS:
            return level_from_letter(g.group(1))
    if (
        message[:1] == "["
        and (sel := _BRACKETED_SELECTOR.match(message)) is not None
        and (lv := level_from_selector(sel.group(1))) is not None
    ):
        return lv
    if (
        message[:1] == "["
        and (piped := _PIPED_LEVEL.match(message)) is not None
        and (lv := level_from_word(piped.group(1))) is not None
    ):
        return lv
    if "<" in message[:SEVERITY_TAG_CHARS]:
        a = _ANGLED_LEVEL.search(message, 0, SEVERITY_TAG_CHARS + 16)
        if a is not None and a.start() < SEVERITY_TAG_CHARS and (lv := level_from_word(a.group(1))) is not None:
            return lv
    if "%" not in message[:SEVERITY_TAG_CHARS] and "/" not in message[:SEVERITY_TAG_CHARS]:
        return None
    m = _SEVERITY_TAG.search(message, 0, SEVERITY_TAG_CHARS + 32)
    if m is None or m.start() >= SEVERITY_TAG_CHARS:
        return None
    return level_from_syslog_pri(int(m.group(1) or m.group(2)))


_PY_WARNING_ALONE = re.compile(r"(?:\S+:\d+: )?([A-Z]\w*Warning):")  # the message on the lines below


_SUBSYSTEM = re.compile(r"[^\s:]{1,80}: (?=\S)")
# Two or three labels one after the other, a name and perhaps one more word each, each closed by a colon.
_RELAY_LABELS = re.compile(r"(?:[A-Za-z][\w.-]{0,40}(?: [A-Za-z][\w.-]{0,40})?: ?(?=\S)){2,3}")
# Where in the program a message was written, before its severity: a source file and line ("raid/raid_status.c:88
# [ERROR] Volume [1] degraded", as C and C++ daemons' loggers write them) or a thread's or job's id in brackets
# ("(24781) [err] transfer.cpp:1187 http error"; unbound's process and thread "[30871:0] error: SERVFAIL ..." behind
# syslog's header), one or two of them; the file, its line (padded or not) and its function, as C's __FILE__,
# __LINE__ and __func__ are written ("nvme_qpair.c: 804:spdk_nvme_qpair_process_completions: *ERROR*: ...", SPDK's
# and DPDK's).
_SOURCE_MARKS = re.compile(
    r"(?:(?:\([\w.-]{1,32}\)|\[\d{1,10}:\d{1,6}\]"
    r"|[\w./-]{1,120}\.[A-Za-z]\w{0,5}:(?:\d{1,6}| {1,5}\d{1,5}:\w{1,80}:|\d{1,6}:\w{1,80}:)) ){1,2}(?=\S)"
)


# Who wrote the message and its process's id, closed by a colon (Pgpool-II's "%a pid %p: ": "orders-api pid 4001:
# ERROR:  unable to read data from frontend", "[unknown] pid 4002: LOG:  ...").
_PROCESS_LABEL = re.compile(r"([^\s:]{1,40})(?: [^\s:]{1,40})? \d{1,10}: ?(?=\S)")


# A daemon's name in brackets, then a blank (Dell OS10's "[bgpd] %WARN: BGP: ... prefixes received exceeds ..."), or
# the id of what the message is about (slurmd's job step: "[884185.batch] error: *** JOB 884185 ON cn017 CANCELLED
# ...", no level read); a word in it, not a number alone (gunicorn's pid, "[1] [CRITICAL] ...", is a column of its own).
_BRACKETED_TAG = re.compile(r"\[(?=[\w.-]*[A-Za-z])\w[\w.-]{0,31}\] (?=\S)")


# What may stand before a message's severity, each looked past in turn: the name of the part of the program that
# speaks (Dovecot's "imap(carol@example.org)<14524><OxRIpaVTcKP5zLqX>: Error: write(...) failed"), the labels of the
# streams that relayed it (lighttpd's "FastCGI-stderr:PHP message: PHP Fatal error:  Uncaught PDOException ..."),
# where in the program it was written ("raid/raid_status.c:88 [ERROR] Volume [1] ...").
_BEFORE_SEVERITY = (_SUBSYSTEM, _RELAY_LABELS, _SOURCE_MARKS, _PROCESS_LABEL, _BRACKETED_TAG)


def _message_level(message: str) -> str | None:
    """The level a message with no level field states: the severity it opens with or names (``_named_level``: a
    runtime's warning class, a severity in its tag), else an outcome in capitals or a runtime's report of an
    uncaught exception or a shell's of a command it could not run (ERROR)."""
    level = _level_prefix(message) or _tool_level(message) or _named_level(message)
    for before in _BEFORE_SEVERITY:
        if level is None and (m := before.match(message)) is not None:
            level = _level_prefix(message[m.end() :])
    if level is None and (_OUTCOME_FAILED.search(message) is not None or _uncaught(message) or _shell_error(message)):
        level = "ERROR"
    if level is None and _WARNING_SIGN.match(message) is not None:
        level = "WARN"
    return level


level_prefix = _level_prefix  # "WARNING: ...": the severity a line opens with (a two-line header's second line)


def after_level_prefix(line: str) -> tuple[str, str] | None:
    """The level a line opens with and the text after it ("SEVERE: Exception starting filter" -> ("ERROR",
    "Exception starting filter")); None if the line does not open with a level."""
    m = _LEVEL_PREFIX.match(line)
    level = level_from_word(m.group(1), strict=False) if m else None
    return None if m is None or level is None else (level, line[m.end() :].strip())


KNOWN_PARSERS = (
    (FORMAT_JSON, _parse_json),
    (FORMAT_KLOG, _parse_klog),
    (FORMAT_LOGCAT, _parse_logcat),
    (FORMAT_CRI, _parse_cri),
    (FORMAT_SYSLOG_5424, _parse_5424),
    (FORMAT_ACCESS_COMBINED, _parse_access),
    (FORMAT_SYSLOG_3164, _parse_3164),
    (FORMAT_LOGFMT, _parse_logfmt),
    ("", _parse_prefixed),  # no format of its own: the application line's
)

# The parsers above whose grammar is one regex matched at the line's start, in KNOWN_PARSERS' order (all but JSON's,
# first there, and logfmt's, last; keep this in step with KNOWN_PARSERS). Each explains a line exactly where its regex
# matches, so the first of them that explains a line is the first branch of their alternation that matches it: format
# detection tries a line with one match, not a call per grammar (most lines of a file with a header of its own match
# none, and a syslog line needs no klog, logcat, CRI, RFC 5424 and access-log attempts before it).
_REGEX_GRAMMARS: tuple[tuple[re.Pattern[str], Callable[[str], ParsedRecord | None]], ...] = (
    (_KLOG, _parse_klog),
    (_LOGCAT, _parse_logcat),
    (_CRI, _parse_cri),
    (_RFC5424, _parse_5424),
    (_ACCESS, _parse_access),
    (_RFC3164, _parse_3164),
    (_RFC3164_UNTAGGED, _parse_3164),
    (_PREFIXED, _parse_prefixed),  # may read nothing where its regex matches: the last branch
)
_KNOWN_GRAMMARS = re.compile(
    "|".join(f"(?P<g{i}>{rx.pattern})" for i, (rx, _p) in enumerate(_REGEX_GRAMMARS)), re.DOTALL
)


def _known_grammar(line: str) -> ParsedRecord | None:
    """The line as the first parser of KNOWN_PARSERS that explains it reads it (None: none does)."""
    if line[:1] == "{":
        return next((r for _name, p in KNOWN_PARSERS if (r := p(line)) is not None), None)
    m = _KNOWN_GRAMMARS.match(line)
    if m is not None:
        at = int(cast(str, m.lastgroup)[1:])
        if (r := _REGEX_GRAMMARS[at][1](line)) is not None:
            return r
        # (A grammar whose regex matched may still not explain the line: the later ones are tried in turn.)
        for rx, parse in _REGEX_GRAMMARS[at + 1 :]:
            if rx.match(line) is not None and (r := parse(line)) is not None:
                return r
    return _parse_logfmt(line) if "=" in line[:40] else None


# --------------------------------------------------------------------------- discovered header layouts
# Tokens: a bracketed group (one level of nesting, spaces allowed) or a run of non-space characters; a brace that
# opens inside a run takes the run on to the brace that closes it (a span's fields: Rust tracing's
# "outbound:proxy{addr=10.0.0.1:80}:service{ns=default name=db}:", blanks between its fields).
# A clock glued by a colon to the fields after it, each opened by a colon (Jetty's "08:00:21.174:WARN:oejs.HttpChannel:
# qtp1355531311-15: /api/orders/850", "...174:INFO :oejs.Server:main: Started"): the clock ends where its digits do,
# and each field is a token of its own (the last one with its closing colon). Only where the glued fields end with a
# colon before a blank: Python's "08:00:07,123:DEBUG:acme.client:Sending GET ..." glues its message's first word on.
# A word in capitals glued to the bracket after it is a column of its own: a level padded to the width of the widest
# ("INFO [12-05|10:00:00.118] ..." beside "ERROR[12-05|10:22:43.357] ...", log15's terminal format); the brackets glued
# after it are one column whatever their number (Asterisk's "NOTICE[1234] ..." beside "VERBOSE[2345][C-00000001] ...").
# So is a level's letter (Tendermint's and CometBFT's "I[2024-03-12|11:00:00.012] ...", "E[...]").
_HEADER_TOKEN = re.compile(
    r"\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?=:[A-Za-z]\S*?(?::(?:\s|$)|\s+:))|:[^\s:|]++:?(?=\s|$)|:[^\s:|]++(?=:)"
    r"|(?<![^\s|])(?:[A-Z]|[A-Z]{3,9})(?=\[)|(?<=[A-Z])(?:\[(?:[^\[\]]|\[[^\[\]]*\])*\])++|\[(?:[^\[\]]|\[[^\[\]]*\])*\]|\((?:[^()]|\([^()]*\))*\)(?=\s|$)"
    r"|[^\s|<]*+<(?=[^\s<>]|<)(?:[^<>\n]|<[^<>\n]*>)*>(?=\s|$)"
    r"|[^\s|{]++(?:\{[^{}\n]*\}[^\s|{]*+)*+(?:\{[^\s|]*+)?|[^\s|]+|\|"
)
# A number; or a process's and a thread's numbers joined by "#" (nginx's and NGINX Unit's "41#41" before the message).
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?|\d+#\d+")
_PROSE_AFTER_LETTER = re.compile(r"[a-z]+")  # a plain lower-case word: the letter before it is prose ("A total")
# A letter in brackets or in parentheses (qBittorrent's "(N) 2024-03-14T18:20:02 - ...", "(W)", "(C)"), or marked by
# the character after it.
_MARKED_LETTER = re.compile(r"\[[A-Z]\]|\([A-Z]\)|[A-Z][!,:]")
_LETTER_MARKS = "[]()!,:"  # what a marked letter is read without


def _letter_level(token: str) -> str | None:
    """The level a one-letter severity states, read without its marks (``_MARKED_LETTER``); in lower case too, the
    initials of debug, info, warning, error and fatal (SAP HANA's trace: "... 00:00:13.913702 w Authentication ...",
    "e" for its errors), where a layout puts one."""
    letter = token.strip(_LETTER_MARKS)
    return level_from_letter(letter) or (level_from_letter(letter.upper()) if letter in _LOWER_LETTERS else None)


_LOWER_LETTERS = frozenset("diwef")


_HEX_ID = re.compile(r"(?=[a-fA-F]*\d)[\da-fA-F]{6,}")
_SEPARATORS = frozenset({"-", "|", ":", "--", "::", ">", "-->", "*"})
MAX_MARK_CHARS = 3  # a separator drawn with punctuation marks ("->", "=>", "==>") is at most this long
_NOT_SEPARATORS = frozenset("[](){}<>\"'`")


def _lone_mark(char: str) -> bool:
    """Whether a character standing alone as a token separates columns: a punctuation mark or a mathematical sign,
    not a bracket or a quote (``_NOT_SEPARATORS``)."""
    category = unicodedata.category(char)
    return (category[0] == "P" or category == "Sm") and char not in _NOT_SEPARATORS


def _drawn_mark(char: str) -> bool:
    """Whether a character may stand in a separator drawn with a few marks: a lone mark, or an arrow's head ("->",
    "<-", "=>": an angle bracket there closes nothing)."""
    return char in "<>" or _lone_mark(char)


STRUCTURAL = frozenset("TLNBSC")
_FORK_COLUMNS = STRUCTURAL - {"L", "C"}  # columns two sources' headers may part at (``discover_header``)
MAX_HEADER_TOKENS = 12
MAX_FIELD_WORDS = 6  # words a bracketed header field holds at most (a thread, a client, a level and a time)
MAX_EXTRA_LAYOUTS = 2  # layouts discovered besides the main one (sources interleaved in one file)
MIN_LAYOUT_LINES = 20
MIN_LAYOUT_COVER = 0.3  # share of the sample a layout must fit when other sources are interleaved
MAX_SOURCE_LAYOUTS = 8  # layouts of sources a collector names on each line, besides those (``_source_layouts``)
# Share of the lines that begin like a header's columns so far that must go on with its next column where the
# header is extended by those lines only (sources interleaved), or by a word and a ``name:``: a column is one every
# record of its source writes.
SOURCE_COLUMN_SHARE = 0.95
W3C_MIN_SHARE = 0.8  # share of the sampled lines a W3C "#Fields:" layout (or a directive) must explain
CSV_MIN_FIELDS = 6  # comma-separated values: a record of this many fields at least ...
CSV_NAMED_MIN_FIELDS = 2  # ... or this many under a first line that names them (a log tool's export: a time, a message)
CSV_MIN_SHARE = 0.9  # ... in this share of the sampled lines, all of one field count, makes a CSV log ...
CSV_COLUMN_SHARE = 0.9  # ... whose time and level columns hold a time and a level word in this share of them
CSV_MAX_RECORD_LINES = 64  # a quoted value's line breaks a record of comma-separated values goes on over, at most
MIN_NAME_LINES = 3  # a ``name:`` after the level is told an event's word only by a name on this many lines
PADDED_COLUMN_SHARE = 0.9  # a column padded to a fixed width: its next token starts as far on in this share of lines
MIN_TAB_COLUMN_SHARE = 0.8  # a token closed by a tab in this share of a tab-delimited header's records is a column
HEADER_CHARS = 400  # how far into a line its header is looked for
HEADER_MEMO = 2048  # lines whose header tokens are memoised: the sample (read twice) fits; each holds its matches


# Digits 2..9 written 0: a token's class depends on where its digits stand, not on their values, but for a "1"
# (an epoch in seconds is "1" and nine digits). Tokens that differ only so (numbers, ids, times) share one class.
_CLASS_DIGITS = str.maketrans("23456789", "00000000")


# The longest level token: the longest level word in brackets ("<Information>", ClickHouse's; "[informational]").
MAX_LEVEL_TOKEN_CHARS = 2 + max(map(len, LEVEL_WORDS))


# 16,384 tokens: on a file of distinct lines nearly every token is new, and 65,536 held 7 MiB more at the peak.
@lru_cache(maxsize=1 << 14)
def token_class(token: str) -> str:
    """One letter: T time, L level, N number, B bracketed, S separator, C ``name:``, W word (memoised, and
    worked out once per digit form of the token)."""
    return _digit_form_class(token.translate(_CLASS_DIGITS))


@lru_cache(maxsize=1 << 14)
def _digit_form_class(token: str) -> str:
    if token in _SEPARATORS or (len(token) <= MAX_MARK_CHARS and all(map(_drawn_mark, token))):
        # Or any one punctuation mark or mathematical sign but a bracket or a quote, standing alone: CockroachDB's "⋮"
        # between a header's source and its tags, Redis's "#" and "." before its messages, a pretty-printer's "»" or
        # "•"; or an arrow drawn with a few of them (ClamAV's "Sat Dec  5 13:08:48 2026 -> message", "=>"). Not a
        # symbol that says something (a check mark, a cross: a test's outcome).
        return "S"
    if level_from_word(token) is not None and (len(token) <= MAX_LEVEL_TOKEN_CHARS or level_from_selector(token)):
        return "L"
    if (len(token) == 1 or _MARKED_LETTER.fullmatch(token)) and _letter_level(token) is not None:
        # A one-letter severity (logcat's "D"; in brackets, Gitea's "[E]"; marked, Telegraf's "E!", Ruby's "E,")
        # counts only where a layout puts it.
        return "L"
    if len(token) == 1 and "A" <= token <= "Z":
        # Any capital letter alone is of the same column: a one-letter severity column holds letters no severity
        # convention names beside those it does (WebSphere's and Liberty's "O" and "R", a line their program wrote
        # to stdout or stderr, beside "I", "W", "E"). It gives no level; the column stays the layout's (after the
        # line's first column only: ``_classified``).
        return "L"
    if (
        looks_like_time_token(token)
        or (
            # A time after a number and a colon, a process's id glued to it (Zabbix's "1234:20240301:080007.123").
            token[:1].isdigit()
            and ":" in token
            and token.partition(":")[0].isdigit()
            and looks_like_time_token(token.partition(":")[2])
        )
        or (
            # A time in brackets, its words inside ("[10.30 16:49:06]"), perhaps after a record mark
            # ("####<Nov 30, 2026 8:00:07 AM UTC>", WebLogic's), or after a one-letter level (Tornado's and Jupyter's
            # "[I 240301 08:00:07 web:2243]": ``_bracket_letter``).
            token[-1] in "]>"
            and (looks_like_time_token(token.lstrip("#*[<").split(" ", 1)[0]) or _bracket_letter(token) is not None)
        )
    ):
        return "T"
    if _NUMBER.fullmatch(token.rstrip(",")) or _HEX_ID.fullmatch(token):
        return "N"  # a number, or an id in hex digits ("0000003f", a thread's: the same column as "00000051")
    if token.startswith('["') and token.endswith('"]'):
        # A quoted string in brackets is a sentence, the message (TiDB's, TiKV's and PD's unified log format: "[time]
        # [INFO] [conn.go:1069] ["new connection"] [conn=2097177]"): a header column is a name, a level, a place or a
        # time, never quoted. (As a column, the messages went into the header and the templates were their fields.)
        return "W"
    if token[0] in "[(<" and token[-1] in "])>" and len(token.split(None, MAX_FIELD_WORDS)) <= MAX_FIELD_WORDS:
        # (More words in one bracket are a sentence, the message's: a JVM's "[GC (Allocation Failure) [PSYoungGen:
        # 484160K->42344K(571904K)] 684160K->242344K(2071904K), 0.0123457 secs]".)
        return "B"
    if len(token) > 1 and token.endswith(":") and not token.endswith("::") and (token[0].isalnum() or token[0] == "_"):
        return "C"  # a name ("sshd[812]:", "ADS:"), not a key of the record's JSON fields ('{"id":')
    if _PATH_TAG.fullmatch(token):
        return "C"  # a program named by its path, its pid after it ("/usr/sbin/cron[812]:"): a syslog tag, a name
    if token[0] == ":" and token[1:2].isalpha():
        return "C"  # a field glued to the clock by a colon (Jetty's ":oejs.HttpChannel"): a name (``_HEADER_TOKEN``)
    if token[0] == "(" and token.endswith("):") and len(token) > 3 and " " not in token:
        return "C"  # a code in parentheses closed by a colon (SSSD's debug level "(0x0400):"): a name
    return "W"


_PATH_TAG = re.compile(r"/[\w.+@-]+(?:/[\w.+@-]+)+\[\d+\]:")

# A one-letter level opening a bracketed time: "[I 240301 08:00:07 web:2243]", "[W 2024-03-01 08:00:07.123 ServerApp]".
_BRACKET_LETTER = re.compile(r"\[([A-Z]) (\S+)(?: ([^\s\]]+))?")
# Or after it, before the process's and thread's ids (spdlog's "[%Y-%m-%d %H:%M:%S,%e %L %P %t]", Ray's "[2024-03-14
# 11:20:04,118 E 31877 31877]").
_BRACKET_TIME_LETTER = re.compile(r"\[(\S+)(?: (\S+))? ([A-Z])(?: \d+){1,2}\]")


def _bracket_letter(token: str) -> str | None:
    """The level of a one-letter severity that opens a bracketed field, its date or time right after it (in one word
    or two: ``_BRACKET_LETTER``)."""
    m = _BRACKET_LETTER.match(token)
    if m is None or not (
        looks_like_time_token(m.group(2)) or (m.group(3) is not None and looks_like_time_token(m.group(3)))
    ):
        m = _BRACKET_TIME_LETTER.fullmatch(token)
        if m is None or not looks_like_time_token(m.group(2) or m.group(1)):
            return None
        return level_from_letter(m.group(3))
    return level_from_letter(m.group(1))


def header_tokens(line: str) -> list[re.Match[str]]:
    """The first MAX_HEADER_TOKENS + 1 tokens of a line (bounded work: only the start of the line is looked at).
    ``islice`` stops the C-level iterator: no Python step per token."""
    return list(islice(_HEADER_TOKEN.finditer(line, 0, HEADER_CHARS), MAX_HEADER_TOKENS + 1))


def classified_tokens(line: str) -> tuple[tuple[re.Match[str], ...], str]:
    """The first tokens of a line and their classes (one letter each). Memoised on the line's first
    HEADER_CHARS (all that is read, so the memo holds no long line): format detection classifies every
    sampled line to discover a layout, then cuts the same lines with it."""
    return _classified(line[:HEADER_CHARS])


_TEXT_OF = re.Match.group  # a match's text (unbound, for ``map``)


@lru_cache(maxsize=HEADER_MEMO)
def _classified(head: str) -> tuple[tuple[re.Match[str], ...], str]:
    toks = tuple(header_tokens(head))
    classes = "".join(map(token_class, map(_TEXT_OF, toks)))  # C-level maps: no Python step per token
    if classes[:1] == "L" and len(first := toks[0].group()) == 1 and _letter_level(first) is None:
        # A letter that names no severity opening a line is a writer's tag, not a level column's (SAP's work
        # process trace: "M", "B", "N", "X" before each line, the part of the kernel that wrote it).
        classes = "W" + classes[1:]
    return toks, classes


# Header classes by the header's digit key (every ASCII digit written 0: ``records.digit_key``). Headers
# that differ only in their digits have the same classes: tokens end at blanks, "|" and brackets, never at a digit,
# and a token's class hangs on where its digits stand, not on their values, but for a "1" that opens a token of ten
# digits or more (an epoch in seconds): the key keeps a "1" followed by nine digits where a token may start (after a
# blank, a "|", a bracket, a parenthesis or a comma, or at the header's start). (The regex opens with the "1", so the
# regex engine looks for that character, not at every position.)
_EPOCH_AT_TOKEN_START = re.compile(r"1(?<![^\s|\[\](),]1)\d{9}")
_CLASSES_BY_KEY: dict[str, str] = {}  # a header's digit key -> its classes (cleared when HEADER_MEMO hold)


def header_classes(line: str) -> str:
    """The classes of a line's first tokens, as ``classified_tokens`` gives them, without cutting the tokens of a
    line whose header differs from one classified before only in its digits (format detection classifies every
    sampled line: most lines of a layout are such). Memoised on the line's first HEADER_CHARS."""
    return _head_key_classes(line[:HEADER_CHARS])[1]


def header_key(line: str) -> str:
    """The key ``header_classes`` shares a line's classes by: lines of one key have their first tokens at the same
    places, of the same classes, with the same text where it holds no digit (memoised with the classes)."""
    return _head_key_classes(line[:HEADER_CHARS])[0]


@lru_cache(maxsize=HEADER_MEMO)
def _head_key_classes(head: str) -> tuple[str, str]:
    key = digit_key(head)
    for m in _EPOCH_AT_TOKEN_START.finditer(head):
        key = f"{key[: m.start()]}1{key[m.start() + 1 :]}"
    classes = _CLASSES_BY_KEY.get(key)
    if classes is None:
        classes = _classified(head)[1]
        if len(_CLASSES_BY_KEY) >= HEADER_MEMO:
            _CLASSES_BY_KEY.clear()
        _CLASSES_BY_KEY[key] = classes
    return key, classes


def _one_per_key(lines: Iterable[str]) -> list[tuple[str, int]]:
    """One line of each header key (``header_key``) and how many of ``lines`` have that key, in first-seen order:
    what depends only on where the first tokens stand and of which class is read once per key."""
    firsts: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for line in lines:
        key = header_key(line)
        counts[key] += 1
        if key not in firsts:
            firsts[key] = line
    return [(line, counts[key]) for key, line in firsts.items()]


@dataclass(frozen=True, slots=True)
class HeaderLayout:
    """A discovered header: the token classes before the message, and how much of the sample it fits."""

    classes: str
    share: float
    # Per column: the layout's records end it with a tab (zap's console, tab-separated headers). A record that
    # ends such a column with a space has not got the column: that token opens its message.
    tab_ended: tuple[bool, ...] = ()
    # Fields the layout's records carry after its columns, each closed by ``delimiter`` (a separator token): a
    # header of fields delimited by " - ", some of several words or empty ("- no tags - - message").
    message_fields: int = 0
    delimiter: str = ""

    @property
    def width(self) -> int:
        return len(self.classes)

    def describe(self) -> str:
        names = {"T": "time", "L": "level", "N": "number", "B": "[bracketed]", "S": "separator"}
        names |= {"C": "name:", "W": "word"}
        return " ".join(names[c] for c in self.classes)


def _last_strong(classes: str) -> int:
    """Index of the last time, level, ``name:`` or bracketed field of a header (-1 if none)."""
    return max(classes.rfind(c) for c in "TLCB")


# A bracketed column's kind of field: a bracketed word, or a level (which is often written in brackets).
_FIELD_KIND = {"B": "BL"}


def _one_text(lines: Sequence[str], seqs: Sequence[str], prefix: str) -> bool:
    """Whether every line whose classes begin with ``prefix`` has the same text in its last column."""
    k = len(prefix) - 1
    texts = {
        classified_tokens(line)[0][k].group() for line, seq in zip(lines, seqs, strict=True) if seq.startswith(prefix)
    }
    return len(texts) == 1


LOGGER_COLUMN_SHARE = 0.9  # share of the lines a layout fits whose word before its separator is a logger's name
# A logger's name: a class's or a module's dotted path ("org.sonatype.nexus.repository.view.handlers.ExceptionHandler").
_LOGGER_NAME = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+")


def _logger_closed(lines: Sequence[str], seqs: Sequence[str], prefix: str) -> bool:
    """Whether the layout's last two words are columns: a field, then a logger's dotted name (``_LOGGER_NAME``) that
    the separator after it closes, on nearly every line the layout fits. Logback's "%d %p [%t] %X{userId} %logger -
    %m", Nexus's user before the logger: "... [qtp1834726381-196] *UNKNOWN org.sonatype...ExceptionHandler - Failed
    to handle request ..." (the user was the message's first word: one message, a template per user)."""
    if not prefix.endswith("WWS") or prefix.endswith("WWWS"):
        return False
    k = len(prefix) - 2
    named = [
        _LOGGER_NAME.fullmatch(classified_tokens(line)[0][k].group()) is not None
        for line, seq in zip(lines, seqs, strict=True)
        if seq.startswith(prefix)
    ]
    return bool(named) and sum(named) >= LOGGER_COLUMN_SHARE * len(named)


def discover_header(lines: Sequence[str], *, min_share: float = 0.8, strict: bool = False) -> HeaderLayout:
    """The longest token-class prefix shared by ``min_share`` of the lines that ends on a structural token.

    A header is structure the records *share*; the message is where they start to differ. Requiring the
    prefix to end on a structural token (time, level, number, bracket, separator, ``name:``) keeps the
    first words of a message out of the header even when many messages begin alike. ``strict`` (for
    the few lines a first layout left over) tolerates no odd column.
    """
    # Each line's classes but its last token's (one class per token).
    seqs = [classes[:-1] for classes in map(header_classes, lines)]
    n = len(seqs)
    if n == 0:
        return HeaderLayout("", 0.0)
    # The prefixes of each distinct class sequence, weighted by its lines: the same counts as over every line, in
    # the same first-seen order (``most_common`` breaks ties by it), for a fraction of the steps.
    distinct = Counter(seqs)
    best = HeaderLayout("", 1.0)
    voters = n  # the lines that vote on the columns (``k == 1`` below)
    narrow = False  # extending by the lines that begin like the prefix, not by the whole sample
    taken = ""  # the columns taken so far (the prefix of the step before)
    for k in range(1, MAX_HEADER_TOKENS + 1):
        counts: Counter[str] = Counter()
        for s, lines_of in distinct.items():
            if len(s) >= k:
                counts[s[:k]] += lines_of
        if not counts:
            break
        prefix, c = counts.most_common(1)[0]
        if k == 1 and prefix not in STRUCTURAL:
            # Lines of words (continuations, banners, a script's output) do not vote against the header the
            # records that have one share: the most common structural first column, where it leads enough lines.
            lead = max(((v, p) for p, v in counts.items() if p in STRUCTURAL), default=None)
            if lead is not None and lead[0] >= MIN_LAYOUT_COVER * n:
                c, prefix = lead
        if k == 1 and prefix == "T":
            # Nor, where the header opens with a time, at the columns after it: a column is shared by the lines that
            # have the time (MySQL's "time thread [Level] [MY-code] [Subsystem]" beside the untimed lines of a crash
            # report: 30 lines of 140 made the level column too rare for the header).
            voters = c
        # Tolerate one odd column (a label that is usually "-" but sometimes a word).
        loose = sum(v for p, v in counts.items() if sum(a != b for a, b in zip(p, prefix, strict=False)) <= 1)
        share = c / n
        # Sources interleaved in one file: a layout shared by nearly all the lines that begin like it
        # (and by a good part of the file) is still a header; the other sources get layouts of their own.
        # Only a short step is taken that way: at most one word, then a structural token other than a
        # number (so the first words and numbers of messages stay out of the header).
        # Lines whose last token stands where this column would (their k-th token is all their message: "ok: [web14]"
        # beside "ok: [web14] => (item=x)") begin like it too: a header never takes a line's whole message.
        base = sum(v for p, v in counts.items() if p[:-1] == prefix[:-1]) + distinct.get(prefix[:-1], 0) if k > 1 else n
        # It goes on from the columns taken so far: not from a column the step before let pass as odd (Flink's "[] -
        # Source: orders (1/4) (attempt #0) switched ..." beside "[] - Completed checkpoint ...": no column after
        # the separator).
        # Two sources whose headers open alike part at this column (an app's "<date> <time> LEVEL name:" beside its
        # server's "[<time>] [pid] [LEVEL]": both open with a time): the branch most lines take goes on as this
        # header where the other lines beginning like it take one other structural column (a layout of their own,
        # discovered from the lines this one leaves; vsftpd's "[pid 812] [bob] OK LOGIN: ..." beside "[pid 812]
        # CONNECT: ...", the user's column on the records of a session). Not where the branch most lines take is a
        # level or a label: one source's records part there by what they are (PostgreSQL's "LOG:" beside the
        # "DETAIL:" of the error before it).
        second = max(
            (v for p, v in counts.items() if p[:-1] == prefix[:-1] and p != prefix and p[-1] in STRUCTURAL),
            default=0,
        )
        forks = (
            k > 1
            and prefix[-1] in _FORK_COLUMNS
            and second >= MIN_LAYOUT_LINES
            and c + second >= max(min_share, SOURCE_COLUMN_SHARE) * base
        )
        own = (
            share >= MIN_LAYOUT_COVER
            and (c / base >= max(min_share, SOURCE_COLUMN_SHARE) or forks)
            and not strict
            and prefix[:-1] == taken
        )
        # An odd column is one whose usual class most of the lines that begin like it have: Apache's error log after
        # "[module:level] [pid:tid]" goes on with "AH00489:", "[client ...]" or "(111)Connection" (39%, 30%, 31%),
        # three messages, no column. A bracket that some of them lack is a column where it holds a field, one value
        # or another (a thread: "[main]", "[pool-2-thread-5]"), or where nearly all write a bracketed field there; a
        # bracket that opens part of the messages with one text (the kernel's "[UFW BLOCK] IN=eth0 ..." beside
        # "docker0: port 1 entered ...") is the messages' own.
        odd = loose / voters >= min_share + 0.1 and (k == 1 or 2 * c > base) and not strict
        kind = _FIELD_KIND.get(prefix[-1])
        if odd and k > 1 and kind:
            fields = sum(v for p, v in counts.items() if p[:-1] == prefix[:-1] and p[-1] in kind)
            odd = fields >= min_share * base or not _one_text(lines, seqs, prefix)
        shared = c / voters >= min_share or odd
        if not shared and not own:
            break
        taken = prefix
        if not shared:
            narrow = True
        if narrow and (len(prefix) - len(prefix.rstrip("W")) > 1):
            break
        if prefix.endswith("WC") and c < SOURCE_COLUMN_SHARE * base:
            # "LOG:  connection received: host=..." beside "ERROR:  duplicate key value ...": a word and a name
            # that not every record beginning like these columns writes open messages; a host and a program
            # ("host1 sshd[812]:") are columns every record of the source has.
            break
        last = prefix[-1]
        if last in STRUCTURAL and not (last == "N" and (("T" not in prefix and "L" not in prefix) or narrow)):
            if last == "N" and "W" in prefix[_last_strong(prefix) + 1 :]:
                # "time level request 17 served": a number after a bare word that follows the last strong
                # header field is the message's ("request 17"), not a pid or a thread.
                continue
            if "WWW" in prefix[max(prefix.rfind(c) for c in "TLC") + 1 :]:
                # Three bare words in a row are prose unless a time, a level or a name: follows them ("host app
                # worker-3 INFO"): "GC(0) Pause Young (Normal)" opens a message, the bracket is the message's.
                continue
            if any(c in prefix and "WW" in prefix[prefix.find(c) + 1 :] for c in "LC") and not _logger_closed(
                lines, seqs, prefix
            ):
                # After the level or a name closed by a colon, a column is one token (a logger, a thread, a padded
                # source): two bare words there open the message ("INFO release lock=7919 [Screen Dim Timeout], ...",
                # cloud-init's "- subp.py[DEBUG]: Running command ['systemctl', ...]": the bracket is the message's,
                # even where every record has one). Unless the second is a logger's dotted name that the separator
                # closes (``_logger_closed``).
                continue
            if "T" in prefix and "WW" in prefix[prefix.rfind("T") + 1 :] and not any(c in prefix for c in "LC"):
                # After a time, with no level or name: column, two bare words open the message: Tornado's "[I 240301
                # 08:00:07 web:2243] 200 GET /api/items/5 (10.0.0.2) 1.23ms" tells a request in every record, not a
                # header that ends at the client's address.
                continue
            best = HeaderLayout(prefix, max(share, loose / n))
    # A header says when, how bad or where from: one with neither time, level nor bracket is more likely the start
    # of the messages. Words, numbers and "name:" tokens alone are what messages open with ("START RequestId: ...
    # Version:", "Handling signal:", an untimed request line "GET /api/items/5 200 12.345 ms -").
    if best.classes and not any(c in best.classes for c in "TLB"):
        return HeaderLayout("", 1.0)
    if "L" in best.classes and _names_events(best, lines, seqs):
        # Nagios's "[1709280007] SERVICE ALERT: web1;HTTP;OK;HARD;1;HTTP OK ..." beside "SERVICE NOTIFICATION: ...":
        # the column says which event the record tells, not how bad it is (every state change was FATAL).
        best = HeaderLayout(best.classes[: best.classes.find("L")].rstrip("W"), best.share)
    if best.classes and not any(c in best.classes for c in "LBC"):
        # Only a time says this header is one: it ends after the time and the numbers or separators right after it
        # (a pid, a duration). The columns after those are the record's own fields, its message: a proxy's "10.0.0.1
        # TCP_MISS/200 1234 GET http://... - HIER_DIRECT/10.1.1.1 text/html" tells the request, which the
        # records share the token classes of, not a header (its template would be "HIER_DIRECT/<*> <*>").
        end = best.classes.rfind("T") + 1
        while end < best.width and best.classes[end] in "NS":
            end += 1
        end = _delimited_columns(best, end, lines, seqs)
        best = HeaderLayout(best.classes[:end], best.share)
    if best.classes.endswith(("LC", "WC")) and _opens_events(best, lines, seqs):
        # A word before the event's name is the statement's too (vsftpd's "[pid 812] [ftp] OK LOGIN: Client ..."
        # beside "FAIL LOGIN:" and "OK DOWNLOAD:").
        best = HeaderLayout(best.classes[:-1].rstrip("W"), best.share)
    best = _before_quoted_message(best, lines, seqs)
    layout = _with_padded_column(_with_message_fields(_with_tab_ends(best, lines, seqs), lines, seqs), lines, seqs)
    return _without_event_names(_with_source_column(layout, lines, seqs), lines, seqs)


def _before_quoted_message(layout: HeaderLayout, lines: Sequence[str], seqs: Sequence[str]) -> HeaderLayout:
    """The layout cut before a word column whose tokens are quoted strings in brackets on most lines it fits: the
    message (TiDB's and Milvus's unified format, '[time] [INFO] [file.go:12] ["start do search"] [nq=1] [topK=10]').
    Fields the records write after it ("[traceID=...]", each record's own) took the message into the header where
    most lines carry them: 230 records' template was "[nq=<*>] [topK=<*>]", 87 WARN records' empty."""
    j = layout.classes.find("W")
    while j >= 0:
        fits = _fitted(HeaderLayout(layout.classes[: j + 1], layout.share), lines, seqs)
        quoted = sum(classified_tokens(line)[0][j].group().startswith('["') for line in fits)
        if fits and 2 * quoted > len(fits):
            return HeaderLayout(layout.classes[:j], layout.share)
        j = layout.classes.find("W", j + 1)
    return layout


# An event's name: a word in lower case, or words joined by "_" or "-" ("request_finished", "db-pool-ready"); not a
# logger's, a file's or a host's name (dots, colons, capitals, digits first).
_EVENT_NAME = re.compile(r"[a-z]+(?:[_-][a-z0-9]+)*")
_FIRST_NAME = re.compile(r"[A-Za-z_][\w.-]*")


def _without_event_names(layout: HeaderLayout, lines: Sequence[str], seqs: Sequence[str]) -> HeaderLayout:
    """The layout without the word column right after its level and the columns after it, where that word is the
    event the record tells: an event's name (``_EVENT_NAME``) on every line the layout fits, several names, each on
    two lines at least on average, and each always followed by the same first word of the rest (the same key of a
    "key=value", the same word): the name says what the record goes on with, as a message's first word does
    (structlog's console: "2026-12-05 06:30:13 [info     ] request_finished     [app.api] duration_ms=12 ...",
    padded to a width; its template was the keys alone, "duration_ms=<*> method=<*> ..."). A logger's or a thread's
    name heads records of many kinds."""
    j = layout.classes.find("LW") + 1
    if not j or layout.message_fields:
        return layout
    fits = _fitted(layout, lines, seqs, layout.width + 1)
    if len(fits) < MIN_LAYOUT_LINES:
        return layout
    follows: dict[str, set[str]] = {}
    for line in fits:
        toks = classified_tokens(line)[0]
        name = toks[j].group()
        if _EVENT_NAME.fullmatch(name) is None:
            return layout
        first = _FIRST_NAME.match(toks[layout.width].group())
        got = follows.setdefault(name, set())
        got.add(first.group() if first is not None else "")
        if len(got) > 1:
            return layout
    if len(follows) < MIN_NAME_LINES or 2 * len(follows) > len(fits):
        return layout
    return HeaderLayout(layout.classes[:j], layout.share, layout.tab_ended[:j])


_PLAIN_WORD_NAME = re.compile(r"[a-z]+:|[A-Z]+:")


def _names_events(layout: HeaderLayout, lines: Sequence[str], seqs: Sequence[str]) -> bool:
    """Whether the layout's level column is an event's name: its level words are everyday words that name things too
    (``EVERYDAY_LEVEL_WORDS``: an "ALERT:", a "NOTICE:") and, on MIN_NAME_LINES of the lines that begin like the
    columns before it, the same place holds a name of the same form that is no level ("NOTIFICATION:", "STATE:"). A
    level column holds a level on every record of its source ("PHP Warning:" beside "PHP Deprecated:": "Warning" is
    no everyday word)."""
    j = layout.classes.find("L")
    before = layout.classes[:j]
    names = 0
    for line, seq in zip(lines, seqs, strict=True):
        if len(seq) > j and seq.startswith(before) and seq[j] in "LC":
            token = classified_tokens(line)[0][j].group()
            if seq[j] == "L":
                if token.strip("[]():").lower() not in EVERYDAY_LEVEL_WORDS:
                    return False
            elif _PLAIN_WORD_NAME.fullmatch(token) is not None and level_from_word(token) is None:
                names += 1
    return names >= MIN_NAME_LINES


def _opens_events(layout: HeaderLayout, lines: Sequence[str], seqs: Sequence[str]) -> bool:
    """Whether the ``name:`` after the level (or a word) is the event the message tells, not where it comes from:
    every name a plain word in lower case or in capitals (a logger, a module, a program or a file has structure: a
    dot, a digit, a bracket, a capital then lower case), several of them, each opening messages of one length in
    words (one statement; give or take the one word it writes or not: "exited: web (exit status 0; expected)" beside
    "(exit status 1; not expected)"), one on
    MIN_NAME_LINES lines at least (supervisord's "INFO spawned: 'web' with pid 812", "WARN exited: web (exit status
    1; not expected)"; vsftpd's "OK LOGIN: Client ..." and "OK DOWNLOAD: Client ..."). Read as a column, the
    template lost its verb ("'web' with pid <*>")."""
    k = layout.width
    lengths: dict[str, set[int]] = {}
    seen: Counter[str] = Counter()
    for line, seq in zip(lines, seqs, strict=True):
        if seq.startswith(layout.classes):
            column = classified_tokens(line)[0][k - 1]
            name = column.group()
            if _PLAIN_WORD_NAME.fullmatch(name) is None:
                return False
            got = lengths.setdefault(name, set())
            got.add(len(line[column.end() : HEADER_CHARS].split()))
            if max(got) - min(got) > 1:
                return False
            seen[name] += 1
    # One name is a constant column, a source's ("INFO app: request served in 12ms"); events are several.
    return len(seen) > 1 and seen.most_common(1)[0][1] >= MIN_NAME_LINES


def _fitted(layout: HeaderLayout, lines: Sequence[str], seqs: Sequence[str], min_tokens: int = 0) -> list[str]:
    """The lines that begin like the layout's columns, with at least ``min_tokens`` header tokens."""
    return [
        line for line, seq in zip(lines, seqs, strict=True) if len(seq) >= min_tokens and seq.startswith(layout.classes)
    ]


SOURCE_NAMES_PER_LINE = 4  # a column of two-part dotted names repeats them: at most one distinct name per 4 lines
# A qualified name: identifiers joined by dots, three parts at least ("org.apache.catalina.core.StandardService",
# "nova.compute.manager"); not a number, a version or an address (each part opens with a letter).
_QUALIFIED_NAME = re.compile(r"[A-Za-z_$][\w$-]*(?:\.[A-Za-z_$][\w$-]*){2,}")


def _with_source_column(layout: HeaderLayout, lines: Sequence[str], seqs: Sequence[str]) -> HeaderLayout:
    """The layout with the word after its last column where that word is the record's source: a qualified name
    (``_QUALIFIED_NAME``: a logger, a class and its method) in PADDED_COLUMN_SHARE of the lines the layout fits,
    with a message after it (Tomcat's "05-Dec-2026 08:15:04.101 SEVERE [main]
    org.apache.catalina.core.StandardContext.startInternal Context [/shop] startup failed"; Java's loggers write
    their name where others write "name:"). A message does not open with such a name record after record."""
    k = layout.width
    if not k or k >= MAX_HEADER_TOKENS or layout.message_fields or not any(c in layout.classes for c in "TL"):
        return layout
    if layout.classes[-1] in "WNC":
        return layout
    fits = _fitted(layout, lines, seqs, k + 2)
    if len(fits) < MIN_LAYOUT_LINES:
        return layout
    named = dotted = 0
    for line, n in _one_per_key(fits):
        name = classified_tokens(line)[0][k].group()
        named += n * (_QUALIFIED_NAME.fullmatch(name) is not None)
        dotted += n * (_LOGGER_NAME.fullmatch(name) is not None)
    if named < PADDED_COLUMN_SHARE * len(fits):
        # Or a name of two parts ("neutron.wsgi", "django.request": Python's loggers are their modules' names) where
        # the column repeats few names, as a program's modules are few (a message's first word is no dotted name line
        # after line, and where it is one, a file or a host, it is a different one on most lines). The names are
        # counted over every line (a digit key holds names that differ in their digits) only where they are dotted.
        if dotted < PADDED_COLUMN_SHARE * len(fits):
            return layout
        names = {classified_tokens(line)[0][k].group() for line in fits}
        if len(names) * SOURCE_NAMES_PER_LINE > len(fits):
            return layout
    return HeaderLayout(layout.classes + "W", layout.share, layout.tab_ended)


def _with_padded_column(layout: HeaderLayout, lines: Sequence[str], seqs: Sequence[str]) -> HeaderLayout:
    """The layout with the column its records pad to a fixed width after its columns, if they have one: a word (or
    number) after which the next token starts the same number of characters on in nearly all the lines the layout
    fits, blanks filling the column (SQL Server's errorlog "<time> spid52      Login ..." beside "<time> Logon
    Error: ...", CBS's "<time>, Info                  CSI    0000..."). A message's first word is followed by one
    blank, whatever its length."""
    k = layout.width
    if not k or k >= MAX_HEADER_TOKENS or layout.message_fields or any(layout.tab_ended):
        return layout
    fits = _fitted(layout, lines, seqs, k + 1)
    if len(fits) < MIN_LAYOUT_LINES:
        return layout
    widths: Counter[int] = Counter()
    padded = 0
    kinds: Counter[str] = Counter()
    closed = 0  # lines whose column a separator closes ("web.1  | Started GET /"): the separator is the header's
    for line, n in _one_per_key(fits):  # the same places, classes and separators for every line of a key
        toks = classified_tokens(line)[0]
        word, after = toks[k], toks[k + 1]
        widths[after.start() - word.start()] += n
        padded += n * (after.start() - word.end() > 1)
        kinds[token_class(word.group())] += n
        closed += n * (after.group() in _SEPARATORS and len(toks) > k + 2)
    kind = kinds.most_common(1)[0][0]
    if widths.most_common(1)[0][1] < PADDED_COLUMN_SHARE * len(fits) or 2 * padded < len(fits) or kind not in "WN":
        return layout
    return HeaderLayout(
        layout.classes + kind + ("S" if closed >= PADDED_COLUMN_SHARE * len(fits) else ""), layout.share
    )


def _delimited_columns(layout: HeaderLayout, end: int, lines: Sequence[str], seqs: Sequence[str]) -> int:
    """Where a time-led header ends when a delimiter closes its time: the columns after it that the same "|"
    closes are columns too ("20171223-22:15:29:606|Step_LSC|30002312|message": a component and a pid, not the
    message's words). Only "|": prose holds dashes and colons, seldom a pipe."""
    t = layout.classes.rfind("T") + 1
    if t >= layout.width or layout.classes[t] != "S":
        return end
    toks = next(
        (classified_tokens(line)[0] for line, seq in zip(lines, seqs, strict=True) if seq.startswith(layout.classes)),
        (),
    )
    if len(toks) < layout.width or toks[t].group() != "|":
        return end
    k = t + 1
    while k + 1 < layout.width and layout.classes[k + 1] == "S" and toks[k + 1].group() == "|":
        k += 2
    return max(end, k)


def _gap_after(text: str, toks: Sequence[re.Match[str]], i: int) -> str:
    """The blank between token ``i`` and the next ("" where the line ends after it)."""
    return text[toks[i].end() : toks[i + 1].start()] if i + 1 < len(toks) else ""


def _with_tab_ends(layout: HeaderLayout, lines: Sequence[str], seqs: Sequence[str]) -> HeaderLayout:
    """The layout with the columns that most of the lines it fits exactly end with a tab."""
    k = layout.width
    fits = _fitted(layout, lines, seqs)
    if not k or not fits:
        return layout
    tabs = [0] * k
    for line in fits:
        if "\t" not in line:
            continue  # no column of it ends with a tab
        toks = classified_tokens(line)[0]
        for i in range(k):
            tabs[i] += "\t" in _gap_after(line, toks, i)
    ended = [2 * t > len(fits) for t in tabs]
    classes = layout.classes
    # A header whose columns are all closed by tabs (zap's console) goes on while the next token is closed by a tab
    # too: a scope or a caller ("ads", "server/handler.go:17") is a column, whatever its class; the message is the
    # first field of words (or a field the records do not end with a tab).
    while all(ended) and len(classes) < MAX_HEADER_TOKENS:
        nxt = [(toks[k], line) for line in fits if len(toks := classified_tokens(line)[0]) > k + 1]
        if len(nxt) < MIN_TAB_COLUMN_SHARE * len(fits):
            break
        closed = [m for m, line in nxt if line[m.end() : m.end() + 1] == "\t"]
        if len(closed) < MIN_TAB_COLUMN_SHARE * len(fits):
            break
        classes += Counter(token_class(m.group()) for m in closed).most_common(1)[0][0]
        ended.append(True)
        k += 1
    return HeaderLayout(classes, layout.share, tuple(ended))


_TOKEN = re.compile(r"\S+")


def _delimited_fields(text: str, delimiter: str) -> list[int]:
    """Where each ``delimiter`` token of ``text`` ends."""
    return [m.end() for m in _TOKEN.finditer(text) if m.group() == delimiter]


def layout_separators(layout: HeaderLayout, lines: Sequence[str], seqs: Sequence[str]) -> set[str]:
    """The separator tokens that close the layout's columns, in the first line it fits exactly."""
    for line, seq in zip(lines, seqs, strict=True):
        if seq.startswith(layout.classes):
            toks = classified_tokens(line)[0]
            return {toks[i].group() for i, c in enumerate(layout.classes) if c == "S"}
    return set()


def _with_message_fields(layout: HeaderLayout, lines: Sequence[str], seqs: Sequence[str]) -> HeaderLayout:
    """The layout with the delimited fields its records carry after its columns.

    Columns are tokens; a field of a delimited header may be several words or none ("host - app - time - level -
    no tags - - message"), which token classes do not show. Where nearly all the records the layout fits go on with
    the separator token that closes a column, the fields go on: as many as *every* one of those records has (a
    message that holds the separator itself has more; the count is the fewest).
    """
    k = layout.width
    if not k:
        return layout
    fitting = _fitted(layout, lines, seqs)
    if len(fitting) < 2:
        return layout
    # The delimiter is a separator token after the columns in 80 % of those lines: a separator's class is "S", so
    # where fewer have one there, no token is (their classes tell, without cutting their tokens).
    if sum(header_classes(line)[k : k + 1] == "S" for line in fitting) < 0.8 * len(fitting):
        return layout
    # The token after the columns, in the lines the layout fits exactly.
    fits = [(line, classified_tokens(line)[0]) for line in fitting]
    delimiter, c = Counter(toks[k].group() if len(toks) > k else "" for _, toks in fits).most_common(1)[0]
    if delimiter not in _SEPARATORS or c < 0.8 * len(fits) or delimiter not in layout_separators(layout, lines, seqs):
        return layout
    counts = [
        len(_delimited_fields(line.split("\x1e", 1)[0][toks[k].start() :], delimiter))
        for line, toks in fits
        if len(toks) > k and toks[k].group() == delimiter
    ]
    # The last delimited field is the message: one delimiter at least stays after the fields for every record.
    n = min(counts)
    if n < 1:
        return layout
    return HeaderLayout(layout.classes, layout.share, layout.tab_ended, n, delimiter)


# A message's source, before it: a module path ("app::handlers::items:", Rust's: its modules are named in snake case),
# after the spans it ran in, each a name with its fields in braces, joined by ":" ("request{method=GET uri=/x}:
# get_item{id=7}: "). A path of capitalised names is a class's, the type of an error the message opens with (Ruby's
# "Net::ReadTimeout: execution expired"), not a source.
_SOURCE_PATH = re.compile(
    r"(?:[A-Za-z_]\w*\{[^{}\n]*\}(?::[A-Za-z_]\w*\{[^{}\n]*\})*: )?([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)+): (?=\S)"
)
# A source named before the level a message opens with, one token without blanks, then the level in capitals and its
# colon: PostgreSQL's "app@shop ERROR:  duplicate key ..." beside "LOG:  checkpoint starting" where no session wrote
# the record (its prefix's user@database is empty there). Capitals only: "Connection error: reset" is prose.
_SOURCE_THEN_LEVEL = re.compile(
    r"([^\s:]*\w[^\s:]*) +(?=(TRACE|DEBUG|INFO|LOG|NOTICE|WARN|WARNING|ERROR|SEVERE|FATAL|CRITICAL|PANIC):\s)"
)
# The context a logger writes as key=value pairs before the level in brackets (Elixir's Logger metadata:
# "request_id=F7ybeBlw0_e72IxdRSFI [info] GET /" beside "[info] Running AcmeWeb.Endpoint ..."): the pairs are the
# record's context, and the message opens with its level as the records without context do.
_PAIRS_THEN_LEVEL = re.compile(
    r"(?:[A-Za-z_][\w.-]*=\S+ +)+(?=\[(trace|debug|info|notice|warn|warning|error|critical|alert|emergency)\] )",
    re.IGNORECASE,
)


# A source in parentheses closed by a colon and a blank, at a message's start ("(orders/4101 on web-1): ").
_PAREN_SOURCE = re.compile(r"\(([^()\s][^()]{0,80})\): ")


# glog's level letter glued to its date, with or without the year ("E0120", "I240120", "W20240120").
_GLUED_LEVEL = re.compile(r"([IWEF])(?:\d\d){2,4}")


# The source file and line that close a glog header ("pod_workers.go:1298] ").
_KLOG_SOURCE = re.compile(r"([^\s\]]+:\d+)\] ")


def _glued_level(toks: Sequence[re.Match[str]], got: str, end: int) -> str | None:
    """The level of a glog letter glued to its date in a header column that a time follows (``_GLUED_LEVEL``)."""
    for i in range(end - 1):
        if got[i + 1] == "T" and (letter := _GLUED_LEVEL.fullmatch(toks[i].group())) is not None:
            return level_from_letter(letter.group(1))
    return None


# Values alone, between blanks: quoted strings, numbers, URLs and paths (a line of a document a source prints,
# '"Key": "name",' or "}", is not).
_VALUE = r"""(?:"[^"]*"|'[^']*'|[-+]?\d[\w.:/-]*|[a-z][\w+.-]*://\S+|/\S+)"""
_ONLY_VALUES = re.compile(rf"\s*{_VALUE}(?:\s+{_VALUE})*\s*")


def _unwrapped(message: str, record: str) -> str:
    """A message written as one more field of a header of fields in angle brackets ("<Info> <Health> ... <45% of the
    total memory is free.>", WebLogic's) without its brackets, as the header's fields are read: the bracket that
    opens it closes at its end, or, where it goes on over lines, at the end of the record's last line."""
    if not message.startswith("<") or not record.endswith(">"):
        return message
    depth = 0
    for i, ch in enumerate(message):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
            if depth == 0:
                return message[1:-1].strip() if i == len(message) - 1 else message
    return message[1:].strip() if "\x1e" in record else message


class HeaderParser:
    """Cuts records with a discovered layout; tolerant of one odd column and of a ``name:`` that moved."""

    def __init__(self, layout: HeaderLayout) -> None:
        self.layout = layout
        self._tab_columns = [i for i, ended in enumerate(layout.tab_ended) if ended]

    def parse(self, record: str) -> ParsedRecord | None:
        r = self.cut(record)
        return r[0] if r is not None else None

    def fits(self, record: str) -> bool:
        """Whether ``cut`` explains the record, told by its columns' classes alone (format detection counts the
        records a layout explains: it need not cut them); their tokens only where the layout ends a column with a
        tab."""
        head = record.split("\x1e", 1)[0]
        if self._tab_columns:
            toks, got = classified_tokens(head)
            return self._columns(got, self._tab_end(head, toks), fewer_columns=False) is not None
        if self._columns(header_classes(head), self.layout.width, fewer_columns=False) is not None:
            return True
        return self._empty_column(head, *classified_tokens(head)) is not None

    def cut(self, record: str, *, fewer_columns: bool = False) -> tuple[ParsedRecord, int] | None:
        """The parsed record and how many header columns did not fit the layout (0 or 1). With
        ``fewer_columns``, the record is cut after the layout's leading columns it has (the count is of the
        columns it lacks)."""
        head = record.split("\x1e", 1)[0]
        toks, got = classified_tokens(head)
        columns = self._columns(got, 0 if fewer_columns else self._tab_end(head, toks), fewer_columns=fewer_columns)
        if columns is None and not fewer_columns and not self._tab_columns:
            columns = self._empty_column(head, toks, got)
        if columns is None:
            return None
        end, mismatches = columns
        classes = self.layout.classes
        if end > 1 and got[end - 1] == "C":
            # A "name:" that is the type of the exception the record's trace reports opens the message
            # ("[Store:181] java.io.FileNotFoundException: /x" + frames), as does one named only as a type is (a
            # logged error's "ERROR java.io.IOException: Connection reset", "WARN Net::ReadTimeout: ..."): it is not
            # the logger.
            name = toks[end - 1].group()[:-1]
            info = exception_of(record) if "\x1e" in record else None
            if (
                named_as_type(name)
                or (info is not None and info.type == name)
                or _ONLY_VALUES.fullmatch(head, toks[end - 1].end()) is not None
            ):
                # Or nothing but values follow it (Xorg's 'LoadModule: "glx"'): the name says what happened.
                end -= 1
        if (
            end > 1
            and got[end - 1] == "L"
            and len(toks[end - 1].group()) == 1
            and _letter_level(toks[end - 1].group()) is not None
            and end < len(toks)
            and _PROSE_AFTER_LETTER.fullmatch(toks[end].group())
        ):
            # A capital letter that is a word of a sentence where a level column stands ("A total of 1 test files
            # matched", "I am done"): a one-letter severity is followed by a tag, a name or a bracket (logcat's "I
            # chromium: ..."), never by a plain lower-case word. It opens the message: no level (it read FATAL). (A
            # letter that names no severity is the column's all the same: WebSphere's "O" before what a program
            # printed.)
            end -= 1
        level = None
        component = None
        relayed = False  # a time after the level: a level after it is the relayed record's own
        for i in range(end):
            tok = toks[i].group()
            cls = got[i]
            if cls == "L" and len(tok) == 1 and i < len(classes) and classes[i] == "N":
                # A letter alone where the layout's records write a number: a hex digit of an id (``ipmitool sel
                # elist``'s record ids, "e" and "f" between "d" and "10"), no severity (it read FATAL).
                continue
            if cls == "L" and (level is None or relayed):
                # A wrapper's level and time, then the line it relays with its own time and level (the Java Service
                # Wrapper's "INFO   | jvm 1    | 2026/12/05 00:30:03 | 2026-12-05 00:30:03,829 ERROR [...]": every
                # relayed line is its INFO): the innermost level is the record's.
                level = level_from_word(tok) or _letter_level(tok) or level
                relayed = False
            elif cls == "T" and level is not None:
                relayed = True
            elif cls == "C" and (component is None or "{" in component):
                # (A span with its fields in braces says where the record was written, within what; the name after
                # it, who wrote it: "outbound:proxy{addr=10.0.0.1:80}: linkerd_reconnect:".)
                component = tok[1:].rstrip(":") if tok[0] == ":" else tok[:-1]
                if level is None and "." in component:
                    # Monolog's "channel.LEVEL:" (Laravel, Symfony: "production.ERROR:"): the name's last part is
                    # the level, the rest the channel.
                    channel, _, last = component.rpartition(".")
                    if (named := level_from_word(last)) is not None:
                        level, component = named, channel
                if level is None and "/" in component:
                    # Icinga's "severity/facility:" ("information/ApiListener:", "critical/CheckerComponent:"):
                    # the name's first part is the level, the rest the component.
                    first, _, facility = component.partition("/")
                    if facility and (named := level_from_word(first)) is not None:
                        level, component = named, facility
        header_end = toks[end - 1].end()
        if (
            end < len(toks)
            and got[end - 1] == "T"
            and ":" in toks[end - 1].group()
            and _YEAR.fullmatch(toks[end].group()) is not None
        ):
            # The year ctime writes after the clock is the time's, not the message's first word (Firebird's
            # "fbsrv01<TAB>Wed Mar  6 00:21:11 2024" over its message's lines: every record's message was "2024").
            header_end = toks[end].end()
        if (
            '"' in head[:header_end]
            and head.count('"', 0, header_end) % 2
            and (close := head.find('"', header_end)) > 0
        ):
            # A quoted value is never cut between the header and the message: a time in quotes with its zone after a
            # blank (SonicWall's 'time="2024-03-11 23:18:06 UTC" fw=...': every template opened with 'UTC" fw=<*>').
            header_end = (
                close + 1 + len(head[close + 1 :].split(None, 1)[0] if head[close + 1 : close + 2].strip() else "")
            )
        if self.layout.message_fields and mismatches == 0 and end == len(classes):
            ends = _delimited_fields(head[header_end:], self.layout.delimiter)
            if len(ends) >= self.layout.message_fields and head[header_end:].split(None, 1)[0] == self.layout.delimiter:
                header_end += ends[self.layout.message_fields - 1]
        if header_end < len(head) and not head[header_end].isspace():
            # A separator glued to the header's last column closes the header ("[GroupCoordinator 1]: Member
            # ..."): it is not the message's first word.
            glued = head[header_end:].split(None, 1)[0]
            if glued in _SEPARATORS:
                header_end += len(glued)
        message = "" if header_end >= len(head) else _unwrapped(head[header_end:].strip(), record)
        inner_digits = False
        if level is not None and message and (inner := _inner_level(message)) is not None:
            # The header's level column is a platform's, the message an application's own line with its own level
            # (Fly.io's "... app[id] ord [info] ERROR:django.request:Internal Server Error: ...", gunicorn's "[time]
            # [312] [ERROR] Worker ... was sent SIGKILL!" under it): the stream's label says where the line came out,
            # the application's level what it says. Its level may hang on its digits (pino's JSON under Fly.io's
            # "[info]": '{"level":50,...,"msg":"query failed: ..."}' was INFO): read per record.
            level, message, inner_digits = inner
        two_words = message[:6].lower() == "error:" and head[header_end - 1] != ":"
        if level is not None and got[end - 1] == "L" and two_words:
            # A severity of two words, the second "error" closed by a colon (PHP's "PHP Fatal error:  Uncaught ...",
            # "PHP Parse error:"): the header's, not the message's first word.
            message = message[6:].lstrip()
        if level is not None and (paren := _PAREN_SOURCE.match(message)) is not None:
            # Where the record comes from, in parentheses closed by a colon after the level (pino-pretty's "INFO
            # (orders/4101 on web-1): order created"): a source, as a logger's name; the message is what follows.
            component, message = component or paren.group(1), message[paren.end() :]
        source = _SOURCE_PATH.match(message)
        if source is not None:
            # The module path the record comes from, after the spans it ran in (Rust's tracing: "request{method=GET
            # uri=/x}: app::handlers::items: database error"): where it comes from, as a logger's name; the message
            # is what follows.
            component = component or source.group(1)
            message = message[source.end() :]
        digit_level = inner_digits
        if level is None and end > 1 and (glued_level := _glued_level(toks, got, end)) is not None:
            # glog's level letter glued to its date, the time next ("I240304 09:00:01.123456 ..." under a header
            # the klog grammar does not read; or after a collector's columns: "<epoch> node1 kubelet[812]: E1130
            # 08:00:07.123456 ..."): E and F are hex digits to shapes, so the level is read per record.
            level, digit_level = glued_level, True
            if (where := _KLOG_SOURCE.match(message)) is not None:
                component, message = component or where.group(1), message[where.end() :]  # its "file.go:1298]"
        if level is None and (timed := _TIMED_LEVEL_AND_NAME.match(message)) is not None:
            # Python logging's "%(asctime)s:%(levelname)s:%(name)s:%(message)s" (certbot's "2024-03-01
            # 08:00:07,123:DEBUG:acme.client:Sending GET request"): the clock, the level and the logger glued by colons
            # after the date are the header.
            level = level_from_word(timed.group(2))
            if level is not None:
                time_text = head[: head.index(message[:1], header_end) + timed.end(1)]
                component, message = timed.group(3), message[timed.end() :].lstrip()
                return ParsedRecord(FORMAT_HEADER, time_text, level, message, component), mismatches
        if level is None and header_end and (tag := _SEVERITY_TAG.search(head, 0, header_end + 2)) is not None:
            # A device's message tag among the header's columns, its severity in it (IOS XR's "... pfilter_ea[284]:
            # %PKT_INFRA-FM-3-FAULT_MAJOR : ...", HPE Comware's "... Core1 IFNET/3/PHY_UPDOWN: ...").
            level = level_from_syslog_pri(int(tag.group(1) or tag.group(2)))
        if level is None and "<" in head[:header_end] and (angled := _ANGLED_LEVEL.search(head, 0, header_end + 1)):
            level = level_from_word(angled.group(1))  # a column of its own: Extreme EXOS's "<Erro:cli.logRemoteCmd>"
        if level is None and header_end:
            level = _level_in_text(head[:header_end])  # inside a bracketed field: "[... WARNING/MainProcess]"
            if level is None and "T" in got[:end]:
                level = _bracket_letter(toks[got.index("T")].group())
        if level is None and message and (sourced := _SOURCE_THEN_LEVEL.match(message)) is not None:
            # The source is where the record comes from; the message keeps its level word, as one that opens with it
            # does (the same statement reads the same with or without a source).
            component = component or sourced.group(1)
            level = level_from_word(sourced.group(2))
            message = message[sourced.end() :]
        if (
            level is None
            and message
            and (tagged := _LEVEL_WITH_TIME.match(message)) is not None
            and (tag_level := level_from_word(tagged.group(1))) is not None
        ):
            # logrus' level and time after a header of another writer (a CI step's prefix and time): the record's
            # header too, not the first word of every message (Docker instructions of two words, "WORKDIR /app" and
            # "EXPOSE 8080", were one template "INFO[<*>] <*> <*>").
            level, message = tag_level, message[tagged.end() :]
        if level is None and message and (paired := _PAIRS_THEN_LEVEL.match(message)) is not None:
            level = level_from_word(paired.group(1))
            message = message[paired.end() :]
        if (
            level is None
            and message
            and (label := _PROCESS_LABEL.match(message)) is not None
            and (level := _level_prefix(message[label.end() :])) is not None
        ):
            # The writer and its process id before the severity (Pgpool-II's "orders-api pid 4001: ERROR:  ..."):
            # the record's source, as a logger's name; the message opens with its level, whoever wrote it (one
            # template per client application was each message's).
            component, message = component or label.group(1), message[label.end() :]
        if (
            level is None
            and message
            and (lead := _LEVEL_AND_NAME.match(message)) is not None
            and (level := level_from_word(lead.group(1))) is not None
        ):
            # Python logging's "%(levelname)s:%(name)s:" after the header's time (Huey's consumer): the level and the
            # logger are the header, as on a line of their own (``parse_plain_message``).
            component, message = component or lead.group(2), message[lead.end() :].lstrip() or message
        if level is None and "=" in message[:KEYED_MESSAGE_CHARS] and (keyed := _keyed_message(message)) is not None:
            # A message of key=value pairs with a level of its own, after a relay's header and the host it names
            # (FortiGate's "fgt01 date=... time=... devname=... level="warning" ... msg="..."" behind a syslog
            # server's clock): a structured record, its level and message read as a logfmt line's are (as under a
            # syslog header).
            level, message, component = keyed.level, keyed.message, component or keyed.component
        if level is None and message:
            level = _message_level(message)
        # The time is looked for in the whole header (a date and a time may be two tokens, or glued to
        # other characters: "[10.30 16:49:06]", "20171223-22:15:29:606|"), and only there: a date in the message
        # is data ("[INFO] Finished at: 2024-03-14T09:21:07Z", a build's end), not the record's time. It starts at the
        # header's first time column: a time of day alone counts only where the time text starts, and a column
        # before it (strace's process id: "4130  08:00:07.004249 openat(...)") is not the time's.
        first_time = got.find("T", 0, end)
        time_text = head[toks[first_time].start() if first_time > 0 else 0 : header_end]
        return ParsedRecord(FORMAT_HEADER, time_text, level, message, component, digit_level), mismatches

    def _columns(self, got: str, tab_end: int, *, fewer_columns: bool) -> tuple[int, int] | None:
        """How many of the record's tokens its header takes and how many of the layout's columns do not fit (see
        ``cut``); None where the layout does not explain the record. ``got``: the classes of the record's tokens (one
        per token); ``tab_end``: ``_tab_end`` of the record (unused with ``fewer_columns``)."""
        classes = self.layout.classes
        if not classes:
            return None
        k = len(classes)
        if fewer_columns:
            # A record with fewer columns than the layout (zap's console writes no logger name for some lines):
            # the leading columns it has, when they hold the time and one more (one column alone is no evidence of
            # the layout: a stamp of several tokens would be cut after its first).
            end = _fitting_prefix(got, classes)
            # A bare word that ends the columns the record has may be its message's first word (Heroku's router
            # writes "time heroku[web.1]: Process exited with status 137" beside an app's "time app[web.1]: I, [...]
            # INFO -- : ..."): the cut stops before it.
            while end and got[end - 1] == "W":
                end -= 1
            if end < 2 or "T" not in classes[:end] or end >= len(got):
                return None
            mismatches = k - end
        elif tab_end < k:
            # The layout ends this column with a tab and the record with a space (or the line ends): the token
            # opens the message ("<time>\tinfo\tmesh networks updated" has no logger column), and the record has
            # the columns before it, which must all fit.
            if tab_end == 0 or got[:tab_end] != classes[:tab_end]:
                return None
            end, mismatches = tab_end, k - tab_end
        else:
            if len(got) < k:
                return None
            mismatches = sum(map(ne, got[:k], classes))  # C-level: the columns of another class than the layout's
            if mismatches and "S" in classes and "L" in got[:k]:
                # A level where the layout has a lone mark is the same column filled (TeamCity's status column: " :"
                # on most lines, "W:" or "E:" on warnings and errors), not an odd one.
                mismatches -= sum(a == "L" and b == "S" for a, b in zip(got, classes, strict=False))
            end = k
            if got[k - 1] != classes[-1]:
                # One odd column is tolerated where the columns around it fit. The last column closes the header
                # and nothing after it shows that the record's header reaches so far: a token of another class
                # there ("Refreshed" where the layout has a "name:") opens the message; the record lacks the column.
                end = k - 1
                if classes[-1] == "S" and classes[-2] == "W" and got[k - 2] == "W" and "S" not in got[k : k + 1]:
                    # A missing separator is a missing column it closes: the bare word before it is the message's
                    # first (Redpanda's "[shard 1:main] seastar - Exceptional future ignored: ..." beside "...
                    # storage - segment.cc:655 - Creating new segment": not "future ignored:"). Not where the separator
                    # comes a token later (a thread's name that holds one bracket too many: the columns shifted).
                    end = k - 2
            if mismatches > 1 or (mismatches == 1 and k < 4):
                return None
        return end, mismatches

    def _empty_column(self, head: str, toks: Sequence[re.Match[str]], got: str) -> tuple[int, int] | None:
        """``_columns`` of a record that leaves one of the layout's inner columns empty, a name or a word (a thread's,
        a context's): the blanks around it meet, two or more where one parts the others, and the columns before and
        after it fit (Cromwell's "%d %X{sourceThread} %-5level - %m" writes "2024-03-14 08:00:03,512  INFO  - Running
        ..." where the thread is unset: its level was read as the message's first word)."""
        classes = self.layout.classes
        k = len(classes)
        if k < 3 or len(got) < k:
            return None
        for i in range(1, k - 1):
            if (
                classes[i] in "WBCN"
                and got[: k - 1] == classes[:i] + classes[i + 1 :]
                and "  " in _gap_after(head, toks, i - 1)
            ):
                return k - 1, 1
        return None

    def _tab_end(self, head: str, toks: Sequence[re.Match[str]]) -> int:
        """The first column the layout ends with a tab that the record does not (the layout's width if none)."""
        for i in self._tab_columns:
            if i >= len(toks):
                break
            if "\t" not in _gap_after(head, toks, i):
                return i
        return self.layout.width


_YEAR = re.compile(r"(?:19|20)\d\d")
KEYED_MESSAGE_CHARS = 40  # a message of key=value pairs has its first "=" this near its start


def _keyed_message(message: str) -> ParsedRecord | None:
    """A message of key=value pairs (after one word at most: the host a relay names) that states its level, read as
    a logfmt line; None for any other message."""
    word, _, rest = message.partition(" ")
    for text in (message, rest) if "=" not in word else (message,):
        keyed = _parse_logfmt(text)
        if keyed is not None and keyed.level is not None and not keyed.digit_level:
            if _logfmt_statuses(text):
                # A request answered with a status (Sophos UTM's web proxy: 'severity="info" ... statuscode="502"
                # ... error="Host not found"'): the message stays its pairs, its level the status's (as before).
                return None
            if not any(m.group(1).lower() in _MSG_KEYS for m in _LOGFMT_PAIR.finditer(text)):
                # No message field: the pairs are the message, as written (Asterisk's security events,
                # 'SecurityEvent="InvalidAccountID",...,Severity="Error",...': the event's name stays its text).
                return replace(keyed, message=message)
            return replace(keyed, component=keyed.component or (word if text is rest else None))
    return None


def _fitting_prefix(got: Sequence[str], classes: str) -> int:
    """How many leading columns of a record are of the layout's classes, in order."""
    n = 0
    for a, b in zip(got, classes, strict=False):
        if a != b:
            break
        n += 1
    return n


class HeaderParsers:
    """Several discovered layouts (sources interleaved in one file): an exact fit wins, the widest of them (a
    source's own layout beside the file's shorter one: "<time> INFO 1 --- [main] Logger : msg" beside "<time>
    msg"), then the first."""

    def __init__(self, layouts: Sequence[HeaderLayout]) -> None:
        self.parsers = [HeaderParser(lay) for lay in layouts if lay.classes]

    def parse(self, record: str) -> ParsedRecord | None:
        loose: ParsedRecord | None = None
        exact: ParsedRecord | None = None
        width = 0
        for hp in self.parsers:
            r = hp.cut(record)
            if r is not None:
                if r[1] == 0:
                    if len(hp.layout.classes) > width:
                        exact, width = r[0], len(hp.layout.classes)
                elif loose is None:
                    loose = r[0]
        return exact if exact is not None else loose

    def parse_fewer_columns(self, record: str) -> ParsedRecord | None:
        """A record that fits no layout cut after the leading columns (with the time) it has of the first layout
        that allows it (the last resort before plain text)."""
        for hp in self.parsers:
            r = hp.cut(record, fewer_columns=True)
            if r is not None:
                return r[0]
        return None


# Per-record level readers for formats whose level hangs on digits: the record's shape was parsed once, so
# only the digits that decide the level are read again (a full parse per record cost 40 us on access logs).
_STATUS_AFTER_REQUEST = re.compile(r'\] "[^"]*" (\d{3}) ')
_PRI = re.compile(r"<(\d{1,3})>")


def _access_level(record: str) -> str | None:
    m = _STATUS_AFTER_REQUEST.search(record)
    return level_from_http_status(int(m.group(1))) if m is not None else None


def _pri_level(record: str) -> str | None:
    m = _PRI.match(record)
    return level_from_syslog_pri(int(m.group(1))) if m is not None else None


def _syslog_level(record: str) -> str | None:
    """An RFC 3164 record's level where its digits decide it: its PRI, else the letter of a klog line it carries."""
    m = _PRI.match(record)
    if m is not None:
        return level_from_syslog_pri(int(m.group(1)))
    parsed = _parse_3164(record)
    return parsed.level if parsed is not None else None


def _klog_level(record: str) -> str | None:
    return level_from_letter(record[:1])


# Records with the same digit key (every digit written 0) differ only in their digits, so their statuses stand at
# the same offsets: a JSON or logfmt record's level is read there, per record, from a plan made once per digit key
# (a full parse per record cost ~13 us on JSON access logs, a status scan ~2.5 us on logfmt ones). A status's class
# is its first digit, and the level hangs on the class only. No plan (a numeric level, statuses the scan does not
# find exactly as the parse does): a full read.
_JSON_STATUS_VALUE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*"?(\d{3})(?![\d.])')
_STATUS_CLASSES = "12345"
LEVEL_PLANS = 4096  # digit keys whose plan is kept, and their bytes (cleared when either is full)
LEVEL_PLAN_BYTES = 16 << 20
LEVEL_PLAN_TRIAL = 1024  # lookups before the plans must show they pay (1 hit in 16), else a full read per record
_LevelPlan = tuple[tuple[int, ...], dict[str, str | None]]


def _json_level_plan(head: str) -> _LevelPlan | None:
    """Where the record's statuses stand and its level by the worst status class ("" for none); None where only
    a full parse reads the level."""
    read = _read_json(head, whole=False)
    if read is None or read[0].fmt != FORMAT_JSON or read[2]:
        return None
    _, own, _, statuses = read
    found = [
        m for m in _JSON_STATUS_VALUE.finditer(head) if _names_status(m.group(1).lower()) and http_status(m.group(2))
    ]
    if sorted(int(m.group(2)) for m in found) != sorted(statuses):
        return None
    by_class = {c: _with_status(own, int(c) * 100) for c in _STATUS_CLASSES}
    return tuple(m.start(2) for m in found), by_class | {"": own}


def _json_level(head: str) -> str | None:
    read = _read_json(head, whole=False)
    return read[0].level if read is not None else None


def _logfmt_level_plan(head: str) -> _LevelPlan | None:
    """Where a logfmt record's statuses stand (the records read here have no level of their own)."""
    starts = tuple(m.start(1) for m in _logfmt_status_values(head))
    by_class = {c: level_from_http_status(int(c) * 100) for c in _STATUS_CLASSES}
    return starts, by_class | {"": None}


def _app_at(head: str) -> int | None:
    """Where a wrapper's application line starts in a record (after a collector's time and tag, a CRI record's
    fields); None where it is not there as written (Docker's JSON string)."""
    m = _PREFIXED.match(head)
    if m is not None:
        return m.start(3)
    m = _CRI.match(head)
    return m.start(4) if m is not None else None


def _wrapped_plan(plan_of: Callable[[str], _LevelPlan | None]) -> Callable[[str], _LevelPlan | None]:
    """A level plan for records that wrap an application line: the application's grammar's plan, moved to where
    its line starts in the record."""

    def plan(head: str) -> _LevelPlan | None:
        at = _app_at(head)
        if at is None:
            return None
        got = plan_of(head[at:])
        if got is None:
            return None
        starts, by_class = got
        return tuple(a + at for a in starts), by_class

    return plan


_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")  # a status plan's key: the UTF-8 bytes, digits as 0


class StatusLevels:
    """Per-record levels of records whose HTTP statuses decide them, read where a plan made once per digit key says
    (one file's plans). A file whose records rarely share a digit key (an id in every record) gains nothing from
    plans: once they missed 15 of 16 of their first LEVEL_PLAN_TRIAL lookups, each record is read in full instead."""

    def __init__(self, plan: Callable[[str], _LevelPlan | None], full: Callable[[str], str | None]) -> None:
        self._plan = plan
        self._full = full
        self._plans: dict[bytes, _LevelPlan | None] = {}
        self._bytes = 0
        self._lookups = self._hits = 0

    def read(self, record: str) -> str | None:
        head = record.split("\x1e", 1)[0] if "\x1e" in record else record
        if self._lookups >= LEVEL_PLAN_TRIAL and self._hits * 16 < LEVEL_PLAN_TRIAL:
            return self._full(head)
        self._lookups += 1
        key = head.encode("utf-8", "surrogatepass").translate(_DIGITS_TO_ZERO)
        if key in self._plans:
            self._hits += 1
            plan = self._plans[key]
        else:
            plan = self._plan(head)
            if len(self._plans) >= LEVEL_PLANS or self._bytes + len(key) > LEVEL_PLAN_BYTES:
                self._plans.clear()
                self._bytes = 0
            self._plans[key] = plan
            self._bytes += len(key)
        if plan is None:
            return self._full(head)
        starts, by_class = plan
        worst = ""
        for a in starts:
            c = head[a]
            if c > worst and c in _STATUS_CLASSES:
                worst = c
        return by_class[worst]


class JsonLevels(StatusLevels):
    """Per-record levels of JSON records (a status, a numeric level)."""

    def __init__(self) -> None:
        super().__init__(_json_level_plan, _json_level)


class LogfmtLevels(StatusLevels):
    """Per-record levels of logfmt records by their HTTP status."""

    def __init__(self) -> None:
        super().__init__(_logfmt_level_plan, _logfmt_status_level)


_LEVEL_READERS = {
    FORMAT_ACCESS_COMBINED: _access_level,
    FORMAT_ACCESS_COMMON: _access_level,
    FORMAT_SYSLOG_5424: _pri_level,
    FORMAT_SYSLOG_3164: _syslog_level,
    FORMAT_KLOG: _klog_level,
}


_TIME_KEY = re.compile(r"(?<![\w.-])(?:time|ts|timestamp|@timestamp|datetime)=\"?", re.IGNORECASE)
PLAIN_TIME_CHARS = 48  # a record no layout explains: a timestamp this near its start is its time
PLAIN_LEVEL_TOKENS = 3  # ... and a level word this many tokens after its leading time is in its header


def labelled_time(head: str) -> str | None:
    """The text after a label that names the time: "received at time=1659371665", "ts=..." (else None)."""
    key = _TIME_KEY.search(head, 0, 400)
    return head[key.end() : key.end() + PLAIN_TIME_CHARS] if key is not None else None


_COUNT_ALONE = re.compile(r"\s*[\d,.]+%?\s*")
_NONE_COUNTED = re.compile(r"(?::? |=)0(?!\w|[.,]\d)")  # a level word's count of none ("Fatal 0", "errors: 0")


def parse_plain_message(text: str, *, cut_header: bool = True) -> ParsedRecord:
    """A record no grammar explains: the line is the message; a level word near the start counts, and so does a
    timestamp near the start. A line that opens with its time tokens has them as its header, and the level within
    the next PLAIN_LEVEL_TOKENS tokens with them (``_after_leading_time``): the message is what follows."""
    head = text.split("\x1e", 1)[0].strip()
    # A line that opens with its level ("[INFO] Building shop-core 1.4.0", "ERROR: no space left on device"): the
    # level is its header, and what follows is read as a line of its own (its time, if one follows the level).
    lead_level = None
    if (
        cut_header
        and (lead := _LEADING_LEVEL.match(head)) is not None
        and lead.end() < len(head)
        and (lead.group(1) or lead.group(2)).lower() not in OUTCOME_WORDS
        and not (head[: lead.end()].rstrip().endswith(":") and _COUNT_ALONE.fullmatch(head, lead.end()))
    ):
        # (Not one whose text is only a number: a tally by severity, "   CRITICAL: 23" under Falco's "Rule counts by
        # severity:" at its stop, was a FATAL record.)
        lead_level = level_from_word(lead.group(1) or lead.group(2))
        if lead_level is not None:
            head = head[lead.end() :]
    lead_tool = None
    if cut_header and lead_level is None and (tool := _TOOL_AND_LEVEL.match(head)) is not None:
        # A tool's name, then its level in capitals ("npm ERR! code ERESOLVE", "gyp WARN ..."): both the header, the
        # name the record's component; a line that is only the two ("npm ERR!", a blank line of the tool's) says
        # nothing more.
        lead_level = _tool_level(head)
        if lead_level is not None:
            head, lead_tool = head[tool.end() :], tool.group(1)
    # Only a line that opens with a time (a digit, a bracket, a month or weekday name) has one: a date inside
    # a message ("Not After : Jul 14 17:47:06 2031 GMT", "[INFO] Finished at: 2024-03-14T09:21:07Z") is data, not
    # the record's time.
    # A bracket opens a time only where one stands inside it ("[10.30 16:49:06]", "[Thu Mar 14 ..."): not a thread's or
    # an empty context ("INFO  [] -   Total Process Memory: 1.563gb (1677721600 bytes)": no time, not that number).
    first = head.split(None, 1)[0] if head else ""
    inside = first[1:] if first[:1] in "[(<" else ""
    opens_with_time = (
        first[:1].isdigit() or looks_like_time_token(first) or inside[:1].isdigit() or looks_like_time_token(inside)
    )
    time_text = head[:PLAIN_TIME_CHARS] if opens_with_time else None
    if lead_level is not None and time_text is None:
        time_text = ""  # the header is the level, and no time follows it: the line has none (``ParsedRecord``)
    elif time_text is None and "=" in head:
        time_text = labelled_time(head)
    # (A container runtime's record keeps its application's line whole: the file's layout is discovered on it.)
    message, level = _after_leading_time(head) if opens_with_time and cut_header else (head, None)
    level = lead_level or level
    component = lead_tool
    if cut_header and level is None and (named := _LEVEL_AND_NAME.match(message)) is not None:
        # Python logging's default "%(levelname)s:%(name)s:%(message)s": the level and the logger, each closed by a
        # colon, are the header ("WARNING:app.db:Retrying connection to db2").
        level = level_from_word(named.group(1))
        if level is not None:
            message, component = message[named.end() :].lstrip() or message, named.group(2)
    if level is None:
        level = _named_level(message)
    prose = False
    if level is None and OUTCOME_PASSED.match(head) is None:
        # (Near the message's start: a line's time is no part of it. Jira's "<time> http-nio-8080-exec-13 url:
        # /rest/api/2/search; user: okarlsson WARN okarlsson ...": its level stands past the fields the request put
        # before it, further than the first 80 characters of the line.)
        start = text.find(head) + len(head) - len(message) if opens_with_time and head.endswith(message) else 0
        level = _level_in_text(text, start)
        prose = level is not None and _level_in_prose(text, start)
    if level is None and (status := _request_status(message)) is not None:
        # A request line with no level of its own ("GET /api/items/5 404 12.3 ms"): its status class is its level,
        # read per record (``_plain_level``), as an access log's.
        return ParsedRecord(
            FORMAT_PLAIN,
            time_text,
            level_from_http_status(status),
            message,
            component,
            True,
            pieces=_status_piece(text, message),
        )
    if level is None and (
        _OUTCOME_FAILED.search(head) is not None
        or _uncaught(message)
        or _shell_error(message)
        or (JOIN in text and _TRACED_EXCEPTION.match(text) is not None)
    ):
        # (A record of no header that is an exception's line over its trace: the runtime printed it, nothing caught
        # it, as Node.js does before it exits; a logger writes its header before the exception it logs.)
        level = "ERROR"
    if level is None and _WARNING_SIGN.match(head) is not None:
        level = "WARN"
    return ParsedRecord(FORMAT_PLAIN, time_text, level, message, component, prose_level=prose)


# A level word that opens a line: in brackets ("[INFO] ", "[error]"), or in capitals closed by a colon or a blank
# ("ERROR: ", "WARNING "); whether the word is a level is ``level_from_word``'s to say.
_LEADING_LEVEL = re.compile(r"\[([A-Za-z]{3,9})\][ \t]*|([A-Z]{3,9}):?[ \t]+")


# A tool's name in lower case, then a level word in capitals, perhaps with "!" or ":" ("npm ERR! ", "gyp WARN ").
_TOOL_AND_LEVEL = re.compile(r"([a-z][\w.-]{0,30})[ \t]+([A-Z]{3,9})[!:]?(?:[ \t]+|$)")


def _tool_level(text: str) -> str | None:
    """The level a tool's name and a level word in capitals open ``text`` with (``_TOOL_AND_LEVEL``), or None: after
    a header too (a CI runner's time before "npm WARN deprecated ...")."""
    tool = _TOOL_AND_LEVEL.match(text)
    if tool is None or tool.group(2).lower() in OUTCOME_WORDS:
        return None
    return level_from_word(tool.group(2))


def _inner_level(message: str) -> tuple[str, str, bool] | None:
    """The level and message of an application's own line carried as a record's message under a header that states
    a level of its own: a line a known grammar reads a level in (``_own_line``: its time and level, logfmt, JSON,
    klog), or Python logging's "LEVEL:logger:" (``_LEVEL_AND_NAME``); and whether that level hangs on the line's
    digits (a JSON line's numeric level; klog's E and F letters: hex digits to shapes); None where the message opens
    with neither."""
    own = _own_line(message) if message[:1] in "{[<" or message[:1].isalnum() else None
    if own is not None:
        return own
    lead = _LEVEL_AND_NAME.match(message)
    if lead is not None and (level := level_from_word(lead.group(1))) is not None and lead.end() < len(message):
        return level, message[lead.end() :].lstrip() or message, False
    return None


# A level word and a logger's name, each closed by a colon with no blank before it: "INFO:app.api:".
# (Then the process's id and its thread's name where the format writes them so: Huey's "%(levelname)s:%(name)s:
# %(process)d:%(threadName)s:%(message)s", "INFO:huey.consumer:18422:MainThread:Scheduler runs every 1 second(s).")
_LEVEL_AND_NAME = re.compile(r"([A-Za-z]{3,9}):([A-Za-z_][\w.$-]*):(?:\d{1,10}:(?:[\w.$-]{1,40}:)?)?")
# The same after a clock glued to them by a colon (the date before it a header's column): "08:00:07,123:INFO:app.api:".
_TIMED_LEVEL_AND_NAME = re.compile(r"(\d\d?:\d\d:\d\d(?:[.,]\d+)?):" + _LEVEL_AND_NAME.pattern)


# A message that is an HTTP request and its status: a method, a target (a path or a URL), an optional protocol,
# the status (Node's morgan, many frameworks' untimed request lines).
_REQUEST_STATUS = re.compile(
    r'"?(?:GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH) (?:/|https?://)\S* '
    r'(?:HTTP/[\d.]+"? )?([1-5]\d\d)(?![\w.])'
)


# A request line quoted as the Common Log Format writes it, and its status, anywhere in a message's first
# REQUEST_SEARCH_CHARS: after a client address ('10.0.0.6:51235 - "POST /api/orders HTTP/1.1" 500 Internal Server
# Error', uvicorn's and werkzeug's access records, logged at INFO).
_QUOTED_REQUEST_STATUS = re.compile(
    r'"(?:GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH) \S+ HTTP/[\d.]+" ([1-5]\d\d)(?![\w.])'
)
REQUEST_SEARCH_CHARS = 200


def _request_status(message: str) -> int | None:
    m = _request_status_match(message)
    return int(m.group(1)) if m is not None else None


def _request_status_match(message: str) -> re.Match[str] | None:
    return _REQUEST_STATUS.match(message) or _QUOTED_REQUEST_STATUS.search(message, 0, REQUEST_SEARCH_CHARS)


def _status_piece(record: str, message: str) -> tuple[tuple[int, int, int, str], ...]:
    """Where the HTTP status of a request line inside ``message`` stands (``ParsedRecord.pieces``: the message's
    other words are where the message stands in the record), of kind "status", so that its values are counted as
    statuses; nothing where the message is not the end of the record's first line (the lines joined under it
    aside)."""
    m = _request_status_match(message)
    record = record.split("\x1e", 1)[0]
    if m is None or not record.endswith(message):
        return ()
    at = len(record) - len(message)
    return ((m.start(1), at + m.start(1), len(m.group(1)), "status"),)


def _plain_level(record: str) -> str | None:
    """The level of a plain record whose level hangs on its digits (a request line's status)."""
    return parse_plain_message(record).level


_LEVEL_READERS[FORMAT_PLAIN] = _plain_level


# What a line that opens with a time opens with: a digit or a bracket (a month's or a weekday's name is a word a
# message opens with too).
_TIME_OPENERS = frozenset("0123456789[")


# A level in capitals with its time in brackets glued to it, logrus' text format ("INFO[0001] Retrieving image
# manifest ...", the seconds since the start; or a full time), then the message.
_LEVEL_WITH_TIME = re.compile(r"([A-Z]{3,9})\[[^\]\[\s]{1,40}\][ \t]+(?=\S)")


def _inner_header(message: str) -> tuple[str, str | None]:
    """A message's own header, where it opens with one: its time and the level after it (``_after_leading_time``), or
    columns in brackets and a level in the PLAIN_LEVEL_TOKENS tokens that open it ("[8] [ERROR] ..."), the level in
    brackets or in capitals; the message after it and that level, or the message whole and None."""
    if leading_time_end(message) or (message[:1] == "[" and leading_time_end(message[1:])):
        return _after_leading_time(message)
    toks, classes = classified_tokens(message)
    at = classes.find("L", 0, PLAIN_LEVEL_TOKENS)
    if at < 0 or classes[:at].strip("B") or at + 1 >= len(toks):
        return message, None
    word = toks[at].group()
    if word[:1] != "[" and not word.isupper():
        return message, None  # a word of the message's sentence ("[!] Error uploading ipa file"), not a column
    return message[toks[at].end() :].lstrip(" \t"), level_from_word(word)


def _after_leading_time(head: str) -> tuple[str, str | None]:
    """The message of a line that opens with a time, and the level the header gives: after the time, and after a
    level word among the PLAIN_LEVEL_TOKENS tokens that follow it ("2024-03-01T12:00:01.123Z<TAB>3f2c...<TAB>INFO
    <TAB>Processing order 5" -> "Processing order 5", INFO); the line whole when it does not open with a time or
    nothing follows its level; no message where nothing follows its time."""
    end = leading_time_end(head)
    if end == 0 and head[:1] == "[":  # a time in brackets: "[01/Mar/2024 12:00:05] "GET /api HTTP/1.1" 200 512"
        inner = leading_time_end(head[1:])
        end = inner + 2 if inner and head[1 + inner : 2 + inner] == "]" else 0
    if end == 0:
        return head, None
    toks, classes = classified_tokens(head[end:])
    at = classes.find("L", 0, PLAIN_LEVEL_TOKENS)
    if at > 0 and not toks[at].group().isupper() and toks[at - 1].group().istitle() and classes[at - 1] == "W":
        at = -1  # a noun before it makes the word prose, not a column: dbt's "Database Error in model ..."
    if at >= 0:
        end += toks[at].end()
    message = head[end:].lstrip(" \t")
    if message[:2] in ("- ", ": ", "| "):
        message = message[2:].lstrip(" \t")
    if not message and at < 0:
        return "", None  # a time alone (a blank line a tool wrote with its time: dbt's "08:00:03 "): no message
    if not message:
        return head, None
    return message, level_from_word(toks[at].group()) if at >= 0 else None


_WORD = re.compile(r"[^\W\d_]{2}")  # two letters: a word (not a rule of marks, not a banner's art)


def _has_word(line: str) -> bool:
    """Whether a line holds a word (not blank, not a rule of marks, not letters drawn in marks)."""
    return _WORD.search(line) is not None


# A rule: a character repeated to set a heading off ("=ERROR REPORT==== ... ===", "---- start ----").
_RULE = re.compile(r"([=*#~-])\1\1")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
HEADING_WORDS = 2  # a heading over a report's lines holds its time, a rule and at most this many words


def _timed_heading(line: str) -> bool:
    """Whether ``line`` only heads the lines under it: a time, a rule and a word or two (Erlang/OTP's "=ERROR
    REPORT==== 30-Nov-2026::08:00:13 ===" over the report's "** ..." lines)."""
    at = next((i for i, c in enumerate(line) if c.isdigit()), -1)
    end = leading_time_end(line[at:]) if at >= 0 else 0
    if not end:
        return False
    rest = line[:at] + line[at + end :]
    return _RULE.search(rest) is not None and len(_LETTER_RUN.findall(rest)) <= HEADING_WORDS


def _only_time(text: str) -> bool:
    """Whether ``text`` is a time and nothing else (in brackets or not)."""
    if text[:1] == "[" and text[-1:] == "]":
        text = text[1:-1]
    return bool(text) and leading_time_end(text) == len(text)


# A blank-separated column of a W3C record, a quoted string one column whatever its blanks (Blue Coat ProxySG's ELFF
# quotes its user agents: "Mozilla/5.0 (Windows NT 10.0; ...)"; IIS writes "+" for a blank instead).
_CELL = re.compile(r'"[^"]*"(?!\S)|\S+')


class W3cFields:
    """The W3C Extended Log File Format (IIS, and others that write it): a "#Fields:" directive names the columns
    of the blank-separated records after it. A request is read as an access log's is: its method, path and status
    make the message, the status's class the level; "#" directives are records of their own."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = tuple(c.lower() for c in columns)
        at = {c: i for i, c in enumerate(self.columns)}
        self._date, self._time = at.get("date"), at.get("time")
        self._status = at.get("sc-status")
        # The request's method and target (its path: "cs-uri-stem", or ELFF's "cs-uri-path"), its status, and a
        # proxy's verdict on it where the log has one (ProxySG's "s-action": TCP_DENIED, TCP_ERR_MISS).
        path = next((c for c in ("cs-uri-stem", "cs-uri-path") if c in at), None)
        request = [at[c] for c in ("cs-method", path) if c in at]
        action = [at["s-action"]] if "s-action" in at else []
        self._message = [*request, self._status, *action] if request and self._status is not None else None
        self._rest = [i for i in range(len(self.columns)) if i not in (self._date, self._time)]

    @staticmethod
    def columns_of(line: str) -> list[str] | None:
        """The columns a "#Fields:" directive names, or None for any other line."""
        if not line.startswith("#Fields:"):
            return None
        return line.split()[1:] or None

    def parse(self, record: str) -> ParsedRecord | None:
        head = record.split("\x1e", 1)[0]
        if head.startswith("#"):
            return ParsedRecord(FORMAT_W3C, None, None, head, None)
        cells = [(m.start(), m.group()) for m in _CELL.finditer(head)]
        if len(cells) != len(self.columns):
            return None
        values = [v for _at, v in cells]
        time_text = None
        if self._time is not None:
            time_text = values[self._time]
            if self._date is not None and self._time == self._date + 1:
                time_text = f"{values[self._date]} {time_text}"
        level = self.level(head) if self._status is not None else None
        keep = self._message if self._message is not None else self._rest
        # Where each part of the message stands in the record, so its values are read there (the status's of kind
        # "status", as an access line's).
        pieces: list[tuple[int, int, int, str]] = []
        at = 0
        for i in keep:
            pieces.append((at, cells[i][0], len(values[i]), "status" if i == self._status else ""))
            at += len(values[i]) + 1
        return ParsedRecord(
            FORMAT_W3C,
            time_text,
            level,
            " ".join(values[i] for i in keep),
            None,
            level is not None,
            pieces=tuple(pieces),
        )

    def level(self, record: str) -> str | None:
        """The level of a record by its status's class (None where the status is no HTTP status)."""
        if self._status is None:
            return None
        values = _CELL.findall(record.split("\x1e", 1)[0])
        status = http_status(values[self._status]) if len(values) > self._status else None
        return None if status is None else level_from_http_status(status)


# A record's fields where a quoted string is one field (an access log's "GET /x HTTP/1.1", its user agent).
_FIELD = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')
_QUOTED_REQUEST = re.compile(r'"([A-Z]+) (\S+) (HTTP/[\d.]+)"')
REQUEST_FIELDS = 40  # fields of a record looked at for its quoted request and its status
REQUEST_COLUMN_SHARE = 0.9  # share of the layout's lines whose request (and status) stand in the same field
MAX_STATUS_VALUES = 12  # a status column holds few distinct values (byte counts and durations many)


_SYSLOG_FORMATS = frozenset({FORMAT_SYSLOG_3164, FORMAT_SYSLOG_5424})


def _as_request(r: ParsedRecord, req: tuple[str, int, tuple[tuple[int, int, int, str], ...]]) -> ParsedRecord:
    """A record read as the request its fields hold (``RequestColumns.read``): the request line is its message, the
    status's class its level where worse than the record's own, read per record."""
    message, code, pieces = req
    return replace(r, level=_with_status(r.level, code), message=message, digit_level=True, pieces=pieces)


def _csv_row(line: str) -> list[str]:
    """A line's comma-separated values (quoted values may hold commas and doubled quotes), as ``csv`` reads them."""
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return []


def _csv_records(lines: Sequence[str]) -> list[str]:
    """The records of lines of comma-separated values: a quoted value may hold a line break (RFC 4180; a log tool's
    export of messages that end with one: CloudWatch Logs Insights' "@message"), and its record goes on over the
    lines up to its closing quote (its lines joined by a newline). A line is a record of its own where its quotes
    close on it."""
    out: list[str] = []
    open_record: list[str] = []
    quotes = 0
    for line in lines:
        open_record.append(line)
        quotes += line.count('"')
        # A record's quotes are closed where it holds an even number of them (a doubled quote is two).
        if quotes % 2 == 0 or len(open_record) > CSV_MAX_RECORD_LINES:
            out.append("\n".join(open_record))
            open_record, quotes = [], 0
    if open_record:
        out.append("\n".join(open_record))
    return out


@dataclass(frozen=True, slots=True)
class CsvColumns:
    """A log written as comma-separated values (PostgreSQL's csvlog, an event viewer's export, a log tool's export):
    every record has the same fields; the time is the first field that holds a timestamp, the level the field that
    holds a level word ("LOG", "ERROR", "Information"), both in nearly every line; the message the field of the
    longest texts of the others. A first line of names (a header row) is a record of its own. Under such a row, fewer
    fields make a CSV log (``CSV_NAMED_MIN_FIELDS``: "Date,Host,Service,Status,Message"), and the level may be in the
    message rather than a field of its own (an export's raw line, "_time,host,source,_raw": the message is read as a
    line of its own, its level and text after its own time and level)."""

    width: int
    time: int
    level: int  # -1: no level field (the message's own header has it)
    message: int
    inner: HeaderLayout | None = None  # without a level field: the header the messages share, as discovered

    @staticmethod
    def of(lines: Sequence[str]) -> CsvColumns | None:
        if not lines or not all("," in line and line[:1] not in "{[" for line in lines[:2]):
            return None  # JSON has commas too
        lines = _csv_records(lines) if any('"' in line for line in lines) else lines
        if not all("," in line and line[:1] not in "{[" for line in lines[:5]):
            return None
        rows = [_csv_row(line) for line in lines]
        named = len(rows) > 1 and len(rows[0]) >= CSV_NAMED_MIN_FIELDS and all(map(_CSV_NAME.fullmatch, rows[0]))
        if named:
            # Under the names, the last field may have none (Windows Event Viewer's export: "Level,Date and
            # Time,Source,Event ID,Task Category" above rows of six fields, the event's description last).
            names = len(rows[0])
            rows = [r for r in rows[1:] if names <= len(r) <= names + 1] if len(rows) > 1 else []
            if len(rows) < CSV_MIN_SHARE * (len(lines) - 1) or not rows:
                return None
        widths = Counter(len(r) for r in rows)
        width, n = widths.most_common(1)[0]
        if width < (CSV_NAMED_MIN_FIELDS if named else CSV_MIN_FIELDS) or n < CSV_MIN_SHARE * len(rows):
            return None
        rows = [r for r in rows if len(r) == width]
        need = CSV_COLUMN_SHARE * len(rows)
        time = next((j for j in range(width) if sum(looks_like_time_token(r[j]) for r in rows) >= need), None)
        if time is None:
            return None
        level = next(
            (j for j in range(width) if j != time and sum(level_from_word(r[j]) is not None for r in rows) >= need),
            None,
        )
        if level is None and not named:
            return None  # a time and commas are not enough: a line's message may hold as many commas every time
        others = [j for j in range(width) if j not in (time, level)]
        message = max(others, key=lambda j: (sum(len(r[j]) for r in rows if any(c.isalpha() for c in r[j])), -j))
        if level is not None:
            return CsvColumns(width, time, level, message)
        inner = discover_header([r[message] for r in rows])
        return CsvColumns(
            width, time, -1, message, inner if inner.classes and inner.share >= CSV_COLUMN_SHARE else None
        )

    def parse(self, record: str) -> ParsedRecord | None:
        head = record.split("\x1e", 1)[0]
        row = _csv_row(head)
        if len(row) != self.width and "\x1e" in record and head.count('"') % 2:
            # A quoted value that goes on over the record's next lines (``_csv_records``): its first line.
            row = _csv_row(record.replace("\x1e", "\n"))
            row = [value.split("\n", 1)[0] for value in row]
        if len(row) != self.width:
            return None
        if self.level < 0:
            text = row[self.message]
            cut = _header_parser(self.inner).parse(text) if self.inner is not None else None
            own = cut if cut is not None else parse_plain_message(text)
            return ParsedRecord(FORMAT_CSV, row[self.time] or None, own.level, own.message, own.component)
        level = level_from_word(row[self.level], strict=False)
        return ParsedRecord(FORMAT_CSV, row[self.time] or None, level, row[self.message], None)


@lru_cache(maxsize=16)
def _header_parser(layout: HeaderLayout) -> HeaderParser:
    return HeaderParser(layout)


# A column's name in a header row: a word, perhaps with blanks, dots, dashes or an "@" / "_" prefix ("_raw",
# "@timestamp", "Last Seen", "log.level"), and a unit or zone in brackets after it (Azure Log Analytics'
# "TimeGenerated [UTC]", "Duration (ms)"); no digit first, nothing a value would hold (":", "/", quotes).
_CSV_NAME = re.compile(r"[A-Za-z_@][\w .@()\[\]-]{0,63}")


@dataclass(frozen=True, slots=True)
class RequestColumns:
    """Where the records of an access log in a layout of its own hold their request and status (an AWS load
    balancer's, HAProxy's, Envoy's, a custom nginx format, a Go framework's "| 200 | 1.2ms | 10.0.0.1 | GET
    "/api/x""): the n-th field (a quoted string is one field) is the quoted request line "GET /x HTTP/1.1", or the
    request's method alone with its target in the next field but a "|" (``target``), and the m-th its HTTP status,
    in nearly every line of the file. The record then reads as its request ("GET /x 502") with the status's class as
    its level, as a Combined Log Format line does."""

    request: int
    status: int
    target: int = -1  # the field of the target where the method is a field of its own (-1: a quoted request line)

    @staticmethod
    def of(lines: Sequence[str]) -> RequestColumns | None:
        """The request and status columns most of ``lines`` agree on: the field holding a quoted request line with
        an HTTP method, or an HTTP method followed by a target (a path or a URL), in REQUEST_COLUMN_SHARE of them,
        and the first other field holding an HTTP status (100..599) in as many, of at most MAX_STATUS_VALUES
        distinct values (a byte count in the same range has many)."""
        if not lines:
            return None
        rows = [[m.group() for m in islice(_FIELD.finditer(line), REQUEST_FIELDS)] for line in lines]
        at: Counter[tuple[int, int]] = Counter()
        for fields in rows:
            for j, f in enumerate(fields):
                m = _QUOTED_REQUEST.fullmatch(f)
                if m is not None and m.group(1) in HTTP_METHODS:
                    at[j, -1] += 1
                    break
                if f in HTTP_METHODS and (t := _target_field(fields, j)) >= 0:
                    at[j, t] += 1
                    break
        if not at:
            return None
        (request, target), n = at.most_common(1)[0]
        need = REQUEST_COLUMN_SHARE * len(rows)
        if n < need:
            return None
        for j in range(min(REQUEST_FIELDS, max(map(len, rows)))):
            if j in (request, target):
                continue
            values = [fields[j] for fields in rows if len(fields) > j]
            statuses = [v for v in values if len(v) == 3 and http_status(v) is not None]
            if len(statuses) >= need and len(set(statuses)) <= MAX_STATUS_VALUES:
                return RequestColumns(request, j, target)
        return None

    def read(self, record: str) -> tuple[str, int, tuple[tuple[int, int, int, str], ...]] | None:
        """The record's request line ("GET /x 502"), its status and where the words stand (``ParsedRecord.pieces``),
        or None where its fields do not hold them."""
        fields = list(islice(_FIELD.finditer(record), max(self.request, self.status, self.target) + 1))
        if len(fields) <= max(self.request, self.status, self.target):
            return None
        req, st = fields[self.request], fields[self.status]
        status = http_status(st.group()) if len(st.group()) == 3 else None
        if status is None:
            return None
        if self.target < 0:
            m = _QUOTED_REQUEST.fullmatch(req.group())
            if m is None:
                return None
            method, target = m.group(1), m.group(2)
            method_at, target_at = req.start() + m.start(1), req.start() + m.start(2)
        else:
            tf = fields[self.target]
            t = _TARGET.fullmatch(tf.group())
            if req.group() not in HTTP_METHODS or t is None:
                return None
            method, target = req.group(), t.group(1)
            method_at, target_at = req.start(), tf.start() + t.start(1)
        message = f"{method} {target} {st.group()}"
        pieces = (
            (0, method_at, len(method), ""),
            (len(method) + 1, target_at, len(target), ""),
            (len(method) + len(target) + 2, st.start(), 3, "status"),
        )
        return message, status, pieces


# A request's target as a field of its own: a path or a URL, perhaps quoted.
_TARGET = re.compile(r'"?((?:/|https?://)[^"\s]*)"?')


def _target_field(fields: Sequence[str], j: int) -> int:
    """The field of the target after the method in field ``j`` (a "|" between them aside), or -1 where the next
    field is none."""
    k = j + 1
    if k < len(fields) and fields[k] == "|":
        k += 1
    return k if k < len(fields) and _TARGET.fullmatch(fields[k]) is not None else -1


@dataclass(frozen=True, slots=True)
class FormatGuess:
    """The detected format of a file: its name, the share of sampled records it explains, a confidence."""

    name: str
    share: float
    confidence: float
    layout: HeaderLayout | None
    more_layouts: tuple[HeaderLayout, ...] = ()
    w3c_columns: tuple[str, ...] = ()  # the columns a W3C "#Fields:" directive named
    wrapped: str = ""  # the format most of a container runtime's records hold their application's lines in
    requests: RequestColumns | None = None  # an access log's request and status fields, in a layout of its own
    csv: CsvColumns | None = None  # a log of comma-separated values: its time, level and message fields
    # The layout was found on the lines that open with a time only: most lines continue a record (a stack trace
    # under each error, a dumped context), so a line without a time continues the record before it.
    continued: bool = False


# A message that is only a source's name: a dotted name with an optional event number ("Shop.Orders[42]"), or one
# name with its event number ("Polly[3]").
_SOURCE_NAME = re.compile(r"[A-Za-z_][\w$]*(?:(?:[.:][A-Za-z_][\w$]*)+(?:\[\d+\])?|\[\d+\])")
# A message that is only where in the code it was written: a source file, its line, perhaps the function (Samba's
# "../../source3/smbd/service.c:1127(make_connection_snum)", the message indented on the next line).
_SOURCE_LOCATION = re.compile(r"[\w./\\-]*\.\w+:\d+(?:\(\w+\))?:?")


# A message that is only the record's fields, "name=value" each closed by a ";" or a "|" (GlassFish's and Payara's
# uniform format: "[#|<time>|INFO|Payara 4.1|logger|_ThreadID=1;_ThreadName=main;_TimeMillis=...;|", the message
# indented on the next line).
_FIELDS_ONLY = re.compile(r"(?:[A-Za-z_][\w.-]*=[^;|\s]*(?:[ \t]+[^;|\s=]+)*[;|][ \t]*)+\|?")


_BRACKETED_NAME = re.compile(r"\[[A-Za-z_$][\w.$-]*\]")
_MIRROR = str.maketrans("[]{}()<>", "][}{)(><")


def _without_closer(first: str, text: str) -> str:
    """``text`` without the mark that closes the record its first line opens with a mark of two characters or more
    (GlassFish's "[#|" ... "|#]"): the record's frame, not its message's words."""
    k = 0
    while k < len(first) and not first[k].isalnum() and not first[k].isspace():
        k += 1
    closer = first[:k][::-1].translate(_MIRROR)
    return text[: -len(closer)].rstrip() if k >= 2 and text.endswith(closer) and len(text) > k else text


MAX_WRAPPED_LINES = 8  # lines a wrapped message goes on over under its first (``wrapped_message``) ...
MIN_WRAP_COLUMN = 16  # ... from a message column at least this far in (a header's columns before it)


class RecordParser:
    """Parses records of one file: the detected format first, then the other grammars, then plain text."""

    def __init__(self, guess: FormatGuess) -> None:
        self.guess = guess
        layouts = [guess.layout, *guess.more_layouts] if guess.layout is not None else []
        self._header = HeaderParsers(layouts) if layouts else None
        # The file's layout has a level column: a record it leaves without one may show its level further in.
        self._levelled_layout = any("L" in layout.classes for layout in layouts)
        primary = [
            p
            for name, p in KNOWN_PARSERS
            if name == guess.name or (guess.name == FORMAT_ACCESS_COMMON and name == FORMAT_ACCESS_COMBINED)
        ]
        self._chain = primary + [p for _, p in KNOWN_PARSERS if p not in primary]
        self._json_levels = JsonLevels()
        self._logfmt_levels = LogfmtLevels()
        self._request_levels = StatusLevels(self._request_plan, self._header_level)
        # An application line's status inside a wrapper (Heroku's router under its drain's time and tag).
        self._wrapped_levels = {
            FORMAT_JSON: StatusLevels(_wrapped_plan(_json_level_plan), self._header_level),
            FORMAT_LOGFMT: StatusLevels(_wrapped_plan(_logfmt_level_plan), self._header_level),
        }
        self._w3c = W3cFields(guess.w3c_columns) if guess.w3c_columns else None

    def level_reader(self, parsed: ParsedRecord) -> Callable[[str], str | None] | None:
        """The cheap per-record level reader of a format whose level hangs on digits (None: parse the record). A
        record that wraps an application's line (``ParsedRecord.wrapped``) is parsed whole."""
        if parsed.wrapped is not None:
            wrapped = self._wrapped_levels.get(parsed.wrapped)
            return wrapped.read if wrapped is not None else self._header_level  # else the application's line read whole
        if self.guess.requests is not None and parsed.pieces and parsed.fmt in (FORMAT_HEADER, *_SYSLOG_FORMATS):
            return self._request_levels.read  # a request's status, where its digit key's plan says
        if parsed.pieces and parsed.fmt in _SYSLOG_FORMATS:
            return self._header_level  # a request's status in a syslog message (``parse``)
        fmt = parsed.fmt
        if fmt == FORMAT_W3C and self._w3c is not None:
            return self._w3c.level
        if fmt == FORMAT_JSON:
            return self._json_levels.read
        if fmt == FORMAT_LOGFMT:
            return self._logfmt_levels.read
        if fmt == FORMAT_HEADER:
            return self._header_level
        return _LEVEL_READERS.get(fmt)

    def _request_plan(self, head: str) -> _LevelPlan | None:
        """Where a request's status stands in records of this digit key (``FormatGuess.requests``), and the level by
        its class over the level the record's header or priority gives; None where a full parse reads the level (a
        syslog priority: its digits are the level)."""
        if head.startswith("<") or self.guess.requests is None:
            return None
        if self.guess.name == FORMAT_HEADER and self._header is not None:
            bare = self._header.parse(head)
            req = self.guess.requests.read(head) if bare is not None else None
            r = _as_request(bare, req) if bare is not None and req is not None else None
        else:
            bare = _parse_3164(head) or _parse_5424(head)
            r = self._syslog_request(head, bare) if bare is not None else None
        if bare is None or r is None or not r.pieces or r.pieces[-1][3] != "status":
            return None
        by_class = {c: _with_status(bare.level, int(c) * 100) for c in _STATUS_CLASSES}
        return (r.pieces[-1][1],), by_class | {"": bare.level}

    def _syslog_request(self, record: str, r: ParsedRecord) -> ParsedRecord:
        """A syslog record whose message is an access log's line (``FormatGuess.requests``): its request and status,
        the status's class where it is worse than the record's priority says."""
        assert self.guess.requests is not None
        req = self.guess.requests.read(r.message)
        if req is None:
            return r
        at = record.find(r.message)
        message, code, pieces = req
        return _as_request(r, (message, code, tuple((ms, rs + at, n, k) for ms, rs, n, k in pieces) if at >= 0 else ()))

    def _header_level(self, record: str) -> str | None:
        """The level of a record whose level hangs on its digits, by a full parse (a request line's status after a
        discovered header, an application line's inside a runtime's record)."""
        return self.parse(record).level

    def second_line_message(self, record: str) -> str | None:
        """The message of a record with a two-line header, None for any other record (lines are joined by
        ``records.JOIN``):

        - java.util.logging's (time, logger and method, then "INFO: message"): the second line's text after the
          level it opens with, where the first line has no level of its own;
        - a first line whose message is only a name (.NET's console logger: "fail: Shop.Orders[42]" and the
          message indented under it), or, at any level, only a place in the code (``_SOURCE_LOCATION``: Samba's
          "[time,  2] ../../source3/smbd/service.c:1127(make_connection_snum)"): the indented second line, unless
          it is a stack frame or an exception's first line (a record that logs a bare exception name over its trace
          keeps its first line);
        - a Python warning whose message starts on the next line (``warnings.formatwarning`` after a message that
          opens with a line break: Celery's "consumer.py:392: CPendingDeprecationWarning:"): the category, then the
          second line;
        - a first line that is only the record's time (Oracle's alert log writes the time on a line of its own and
          the message under it), or a heading made of its time, a word or two and a rule (``_timed_heading``): the
          second line, unless it is a stack frame."""
        lines = record.split("\x1e", 2)
        if len(lines) < 2:
            return None
        if (
            (_only_time(lines[0].strip()) or _timed_heading(lines[0]))
            and (alone := lines[1].strip())
            and not is_frame_line(lines[1])
        ):
            return alone
        first = self.parse(lines[0])
        if (
            (alone := lines[1].strip())
            and (warned := _PY_WARNING_ALONE.fullmatch(first.message.strip())) is not None
            and not is_frame_line(lines[1])
        ):
            return f"{warned.group(1)}: {alone}"
        second = after_level_prefix(lines[1])
        if second is not None and second[1] and first.level is None:
            return second[1]
        if (not first.message.strip() or _BRACKETED_NAME.fullmatch(first.message.strip())) and first.message != lines[
            0
        ]:
            # (Or its header and a logger's name in brackets: Ignite's "[<time>][INFO ][grid-timeout-worker-#23]
            # [IgniteKernal] " over its metrics, its start banner, its stop's box.)
            # A first line that is its header only (Rails' "FATAL -- : [request-id]   " over the exception it logs,
            # every line of it tagged again): the message is the next line, without the tags the header ends with;
            # the first line of text after blank ones (Play's error handler: "[ERROR] [...] - ", a blank line, "!
            # @8k2m78445 - Internal server error, for (POST) [/orders/7/confirm] ->"), past a rule of marks that
            # frames it (Mule's error box: a line of "*", then "Message : HTTP POST on resource ... failed").
            head = lines[0].rstrip().rsplit(None, 1)[-1]
            after = next((x for x in record.split("\x1e")[1:] if _has_word(x)), "")
            below = after[len(head) :] if after.startswith(head) else after
            if below.strip() and not is_frame_line(below):
                return below.strip()
        text = lines[1].strip()
        if not lines[1][:1].isspace() or not text:
            return None
        if len(lines) > 2 and CODE_PLACE.fullmatch(lines[0]) is not None:
            # A file and line alone, the code under it and a caret under the column, then what the runtime reports
            # there (Node's uncaught error: "/app/src/lib/redis.js:58", the code, "^", a blank line, "Error: redis
            # unavailable ..."): the excerpt says where, the report's first line what.
            rest = lines[2].split("\x1e")
            below = next((x for x in rest[1:] if x.strip()), "")
            if (
                CARET_LINE.fullmatch(rest[0]) is not None
                and below[:1] not in (" ", "\t", "")
                and not is_frame_line(below)
            ):
                return below.strip()
        said = first.message.strip()
        located = _SOURCE_LOCATION.fullmatch(said) is not None
        if (
            (first.level is None and not located)
            or (not located and _SOURCE_NAME.fullmatch(said) is None and _FIELDS_ONLY.fullmatch(said) is None)
            or is_frame_line(lines[1])
            or exception_of(lines[1].lstrip()) is not None
        ):
            return None
        return _without_closer(lines[0], text)

    def wrapped_message(self, record: str, message: str) -> str | None:
        """The whole message of a record whose lines under the first go on its last column (a table's last column
        wrapped at the view's width: ONTAP's "event log show" writes "monitor.volume.nearlyFull: Volume" and the
        rest of the sentence under it, 51 blanks in, where the column opens), None for any other record. Each line
        under it is indented exactly to a column the first line opens a field at, at or before its message, at
        least MIN_WRAP_COLUMN in; it is text (no frame of a trace), and there are at most MAX_WRAPPED_LINES of
        them."""
        lines = record.split("\x1e")
        if len(lines) < 2 or len(lines) > MAX_WRAPPED_LINES + 1 or not message.strip():
            return None
        head = lines[0]
        starts = head.rfind(message.strip())
        at = len(lines[1]) - len(lines[1].lstrip(" "))
        if not MIN_WRAP_COLUMN <= at <= starts or head[at - 1] != " " or head[at] == " ":
            return None
        for line in lines[1:]:
            if len(line) - len(line.lstrip(" ")) != at or not line.strip() or is_frame_line(line):
                return None
            if level_from_word(line.split(None, 1)[0]) is not None:
                return None  # a record of its own under a blank time column (RichHandler's), not the message's
        return " ".join([message.strip(), *(line.strip() for line in lines[1:])])

    def parse(self, record: str) -> ParsedRecord:
        if self._w3c is not None and (w3c := self._w3c.parse(record)) is not None:
            return w3c
        if self.guess.csv is not None and (row := self.guess.csv.parse(record)) is not None:
            return row
        if self.guess.name == FORMAT_HEADER and self._header is not None:
            r = _with_inner_header(self._header.parse(record))
            if (
                r is not None
                and r.level is None
                and "=" in r.message
                and (by_status := _logfmt_status_level(r.message)) is not None
            ):
                # A request told in key=value fields under a header that gives no level (Heroku's router after its
                # drain's time and tag: "at=error code=H12 desc=\"Request timeout\" ... status=503"): its status's
                # class, read per record (a full parse: ``_header_level``).
                r = replace(r, level=by_status, digit_level=True)
            if (
                r is not None
                and r.level is None
                and "status" in r.message
                and (said := _STATUS_SAID.search(r.message)) is not None
                and _EXIT.search(r.message) is None
                and (code := http_status(said.group(1))) is not None
            ):
                # A sentence that ends on the status a request was answered with ("Method completed with status: 502",
                # API Gateway's execution log): its class, per record (200s and 502s are one template).
                r = replace(r, level=level_from_http_status(code), digit_level=True)
            if r is not None and r.level is None and self._levelled_layout:
                # A record the layout's level column missed, fields it does not hold standing before the level
                # (Jira's "<time> http-nio-8080-exec-13 url: /rest/api/2/search; user: okarlsson WARN okarlsson ...",
                # its other lines "<time> Caesium-1-4 INFO ServiceRunner ..."): the level a line of no layout shows.
                shown = parse_plain_message(record)
                if shown.level is not None and not shown.prose_level:
                    r = replace(r, level=shown.level)
            if r is not None:
                if (
                    self.guess.requests is not None
                    and (req := self.guess.requests.read(record)) is not None
                    and (
                        self.guess.requests.target < 0
                        or not r.message
                        or not 0 <= record.find(r.message) <= req[2][0][1]
                    )
                ):
                    # (A method in a column of its own is read so where the header took it: a message that holds the
                    # request keeps its words, its duration and sizes after the status: "200 GET /x (10.0.0.2) 1.2ms".)
                    return _as_request(r, req)
                if r.level in (None, "INFO") and (status := _request_status(r.message)) is not None:
                    # A request line after a header with no level ("2024/03/01 12:00:01 GET /api/items 404 1.2ms"):
                    # its status class, per record, as a plain request line's. Where the header says INFO (a
                    # server logs every request so), a status worse than that wins: a 500 is an error.
                    level = _with_status(r.level, status)
                    return replace(r, level=level, digit_level=True, pieces=_status_piece(record, r.message))
                return r
        first = record[:1]
        for p in self._chain:
            if p is _parse_json and first != "{":
                continue
            r = p(record)
            if r is not None:
                if self.guess.requests is not None and r.fmt in _SYSLOG_FORMATS:
                    r = self._syslog_request(record, r)
                elif (
                    r.fmt in _SYSLOG_FORMATS
                    and r.level in (None, "INFO")
                    and (status := _request_status(r.message)) is not None
                ):
                    # A request line a server sent to syslog among other programs' messages (no access log's layout
                    # for the file): its status class, as after any other header.
                    level = _with_status(r.level, status)
                    return replace(r, level=level, digit_level=True, pieces=_status_piece(record, r.message))
                if self._header is not None and r.fmt in (FORMAT_CRI, FORMAT_DOCKER) and r.wrapped is None:
                    # A container runtime wraps the application's own line: cut its header too.
                    inner = self._header.parse(r.message)
                    if inner is not None:
                        return ParsedRecord(r.fmt, r.time_text, inner.level or r.level, inner.message, inner.component)
                return r
        if self._header is not None:
            r = self._header.parse(record) if self.guess.name != FORMAT_HEADER else None
            if r is None:
                r = self._header.parse_fewer_columns(record)
            if r is not None:
                # (A layout of the file's other lines, its time alone, before gunicorn's "[1] [CRITICAL] WORKER
                # TIMEOUT (pid:9)" among a Flask app's and an access log's lines: the level was lost.)
                r = _with_inner_header(r) or r
                plain = parse_plain_message(record) if r.level is None else None
                if plain is not None and plain.level is not None and not plain.prose_level:
                    # (A level such a layout's columns do not hold, read as on a line of no layout: Node's "(node:41)
                    # [DEP0005] DeprecationWarning: ..." cut as two bracketed fields and a name among access lines.)
                    r = replace(r, level=plain.level)
                return r
        return parse_plain_message(record)


def _with_inner_header(r: ParsedRecord | None) -> ParsedRecord | None:
    """A header that gives no level (a collector's or a platform's time) before a line with a header of its own, its
    time then its level ("<collector time> [2026-03-14 07:20:58 +0000] [1] [CRITICAL] WORKER TIMEOUT"), or its
    bracketed columns then its level (the time a column of the file's header: "[8] [ERROR] Worker (pid:8) was sent
    SIGKILL!"): the inner header is the record's too, its level the record's."""
    if r is not None and r.level is None and r.message[:1] in _TIME_OPENERS:
        own, level = _inner_header(r.message)
        if level is not None:
            return replace(r, level=level, message=own)
    return r


def _w3c_guess(lines: Sequence[str]) -> FormatGuess | None:
    """A W3C extended log: a "#Fields:" directive whose columns most of the other lines fill."""
    columns = next((c for line in lines if (c := W3cFields.columns_of(line)) is not None), None)
    if columns is None:
        return None
    fields = W3cFields(columns)
    fit = sum(fields.parse(line) is not None for line in lines)
    share = fit / len(lines)
    if share < W3C_MIN_SHARE:
        return None
    return FormatGuess(FORMAT_W3C, round(share, 4), round(share, 4), None, (), tuple(columns))


def _source_layouts(
    lines: Sequence[str], source_of: dict[str, str | None], known: Sequence[HeaderLayout]
) -> list[HeaderLayout]:
    """Layouts of the sources a collector named on each line (a compose service's column, kubectl's
    "[pod/name/container]"): each source is a log of its own, its layout discovered from its lines alone. A Spring
    Boot container's lines beside a sidecar's took the file's layout, the time alone ("INFO 1 --- [main] c.s.Orders
    : ..." stayed in every template of it), or none where they were a third of the file or less. The sources of
    most lines first; only layouts not found yet."""
    by_source: dict[str, list[str]] = {}
    for line in lines:
        name = source_of.get(line)
        if name:
            by_source.setdefault(name, []).append(line)
    out: list[HeaderLayout] = []
    for _name, own in sorted(by_source.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(out) >= MAX_SOURCE_LAYOUTS or len(own) < MIN_LAYOUT_LINES:
            break
        layout = discover_header(own, strict=True)
        if not layout.classes or layout in known or layout in out:
            continue
        hp = HeaderParser(layout)
        if sum(map(hp.fits, own)) >= MIN_LAYOUT_LINES:
            out.append(layout)
    return out


def _opens_timed(line: str) -> bool:
    """Whether a line opens with its time, or with its level and then its time (a record's first line)."""
    classes = header_classes(line)
    return classes[:1] == "T" or classes[:2] == "LT"


def detect_format(
    sample: Sequence[str], records: Sequence[str] | None = None, sources: Sequence[str | None] | None = None
) -> FormatGuess:
    """Which format explains most of the sampled records (``sample``: their first lines; ``records``: the records
    whole, their lines joined by ``JOIN``, where the reader joined any; ``sources``: each sampled line's source,
    where a collector named it on the line), and how confidently."""
    lines = [s for s in sample if s.strip()]
    if not lines:
        return FormatGuess(FORMAT_PLAIN, 0.0, 0.0, None)
    w3c = _w3c_guess(lines)
    if w3c is not None:
        return w3c
    # Comma-separated values are told from the physical lines: a quoted value may go on over lines the reader joined
    # to its record (indented ones), its quotes closed only there.
    whole = [r for r in records if r.strip()] if records is not None else lines
    physical = [line for r in whole for line in r.split(JOIN)] if records is not None else lines
    columns = CsvColumns.of(physical)
    if columns is not None:
        fit = sum(columns.parse(r) is not None for r in whole) / len(whole)
        return FormatGuess(FORMAT_CSV, round(fit, 4), round(fit, 4), None, csv=columns)
    counts: Counter[str] = Counter()
    unexplained: list[str] = []
    wrapped: list[str] = []  # the application lines inside container runtime records
    inner: Counter[str] = Counter()  # the formats of those lines a known grammar read
    syslog_messages: list[str] = []  # what a syslog daemon's records say (an access log sent to syslog: HAProxy's)
    for line in lines:
        r = _known_grammar(line)
        if r is None:
            unexplained.append(line)
            continue
        counts[r.fmt] += 1
        if r.fmt in _SYSLOG_FORMATS:
            syslog_messages.append(r.message)
        if r.fmt in (FORMAT_CRI, FORMAT_DOCKER) and r.wrapped is not None:
            inner[r.wrapped] += 1
        elif r.fmt in (FORMAT_CRI, FORMAT_DOCKER) and r.message:
            wrapped.append(r.message)
    n = len(lines)
    # A header is structure lines share: the one line a known grammar leaves over in a file it reads (journalctl's
    # "-- Logs begin at Mon 2024-03-11 06:12:40 UTC, end at ... --" over syslog lines) has none to share; its
    # whole line as a layout read a time out of its sentence (a false 18-hour silence before the first record).
    alone = len(unexplained) + len(wrapped) == 1 and bool(counts)
    if not alone and counts and 1 < len(unexplained) + len(wrapped) < MIN_LAYOUT_LINES:
        # Nor do a few lines that are one line written again (Go's standard log's "2024/05/14 12:00:00 maxprocs:
        # Leaving GOMAXPROCS=2: CPU quota undefined" at each start of a zap JSON service): every word of it is
        # shared, and the layout took the message's first words for columns ("CPU quota undefined" was its text).
        alone = len({digit_key(x) for x in unexplained + wrapped}) == 1
    layout = discover_header(unexplained + wrapped) if (unexplained or wrapped) and not alone else None
    if layout is not None and not layout.classes:
        layout = None
    continued = False
    if layout is None and unexplained and not wrapped:
        # Records of many lines (Monolog's "[stacktrace]" and its frames under each error, a dumped state): the
        # layout is the one of the lines that open records, those that open with a time; only they are records.
        # Bodies come under some records (errors), not under most: lines without a time after most timed lines
        # are another source's, interleaved (a function runtime's "END RequestId" and "REPORT" after each one).
        # (A record opens with its time, or with its level and then its time: log4j's "%-5p %d [%t] ...", Mule's.)
        opening = [line for line in unexplained if _opens_timed(line)]
        timed = [_opens_timed(line) for line in lines]
        with_body = sum(a and not b for a, b in pairwise(timed))
        found = discover_header(opening) if len(opening) >= MIN_LAYOUT_LINES and with_body * 2 < len(opening) else None
        if found is not None and found.classes:
            layout, continued = found, True
            n = len(opening) + sum(counts.values())
            unexplained = opening
    best_name, best_count = counts.most_common(1)[0] if counts else (FORMAT_PLAIN, 0)
    header_count = 0
    more: list[HeaderLayout] = []
    fitted_lines: list[str] = []
    if layout is not None:
        hp = HeaderParser(layout)
        fits = [hp.fits(line) for line in unexplained]  # each line's columns read once
        header_count = sum(fits)
        fitted_lines = [line for line, fit in zip(unexplained, fits, strict=True) if fit]
        # Sources interleaved in one file: the lines no layout fits yet may share a layout of their own.
        rest = [line for line, fit in zip(unexplained, fits, strict=True) if not fit]
        while len(rest) >= MIN_LAYOUT_LINES and len(more) < MAX_EXTRA_LAYOUTS:
            extra = discover_header(rest, strict=True)
            if not extra.classes or extra in more or extra == layout:
                break
            ep = HeaderParser(extra)
            fits = [ep.fits(line) for line in rest]
            fitted = sum(fits)
            if fitted < MIN_LAYOUT_LINES:
                break
            more.append(extra)
            header_count += fitted
            rest = [line for line, fit in zip(rest, fits, strict=True) if not fit]
        if sources is not None:
            source_of = dict(zip(sample, sources, strict=False))
            for extra in _source_layouts(unexplained, source_of, [layout, *more]):
                more.append(extra)
                ep = HeaderParser(extra)
                fits = [ep.fits(line) for line in rest]
                header_count += sum(fits)
                rest = [line for line, fit in zip(rest, fits, strict=True) if not fit]
    if header_count > best_count:
        best_name, best_count = FORMAT_HEADER, header_count
    if best_count == 0:
        return FormatGuess(FORMAT_PLAIN, 0.0, 0.0, layout)
    share = best_count / n
    runner_up = max([c for k, c in counts.items() if k != best_name] + [0])
    if best_name != FORMAT_HEADER:
        runner_up = max(runner_up, header_count)
    margin = (best_count - runner_up) / n
    confidence = round(
        min(1.0, 0.5 * share + 0.5 * margin)
        if best_name != FORMAT_HEADER
        else min(1.0, 0.4 * share + 0.4 * margin + 0.2 * (layout.share if layout else 0)),
        4,
    )
    app, held = inner.most_common(1)[0] if inner else ("", 0)
    held_in = app if best_name in (FORMAT_CRI, FORMAT_DOCKER) and held * 2 >= counts[best_name] else ""
    requests = None
    if best_name == FORMAT_HEADER:
        # The lines the layout fits: a server's own lines (its start, a panic and its trace) under another layout
        # or none are not requests.
        requests = RequestColumns.of(fitted_lines)
    elif best_name in _SYSLOG_FORMATS:
        requests = RequestColumns.of(syslog_messages)
    return FormatGuess(
        best_name,
        round(share, 4),
        confidence,
        layout,
        tuple(more),
        wrapped=held_in,
        requests=requests,
        continued=continued and best_name == FORMAT_HEADER,
    )
