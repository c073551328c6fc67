"""The summary: at most ``MAX_CLAIMS`` sentences for a person on call, each citing templates and lines.

Sections, in the order a person on call reads them: what the file is; how a run ends, where it ends stating a
failure with no level (a build's verdict: ``_outcome``); exceptions and ERROR/FATAL
templates (with their text, counts and lines); error bursts; outages (silences); restarts and stops; lulls
in the record rate; WARN templates (a warning is less than an error, and less than a process stopping or
going silent); rare messages; bursts; the file's most frequent messages. Each section has a cap
(``SECTION_CAPS``); the first claim of every section is kept before the second claim of any, so errors cannot
crowd out an outage or a restart; warnings past their first claim come after every error the room holds; rare
messages, bursts and the most frequent messages only fill the room left, and room still left then goes to more
warnings. An error the file ends on (in its last histogram bucket) is always among the errors told. Every claim
quotes the template text
(shortened), never an id alone.

A file of fewer than ``SHORT_FILE_RECORDS`` records is told message by message instead: its few
records are the news (a three-line file's one error must not vanish behind statistics).

When the analysis service has marked the report against its service's pattern registry (``Template.new_to_service``,
``muted``, ``important``; the engine itself never reads the registry), messages new to the service lead the
summary, messages marked important follow, and muted messages are left out of every claim (their records still
count in the overview's totals, and the text ends with how many were left out).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from operator import itemgetter

from loglens.v1 import report_pb2

from .exceptions import is_frame_line, is_frame_template
from .formats import FORMAT_JSON, FORMAT_LOGFMT, format_word, structured_cause
from .levels import level_from_http_status
from .masking import WILDCARD
from .miner import glob_match
from .records import ANNOUNCING_ENDS, EXCEPTION_HEAD_LINE, TRACEBACK_BANNER
from .report import (
    NEAR_LINES,
    NEWEST_FIRST,
    RARE_MAX_COUNT,
    RATE_CHANGE_FACTOR,
    SILENCE_MIN_BUCKETS,
    TEMPLATE_TEXT_CHARS,
    TIMED_RANGE_SHARE,
    duration,
    iso,
    quotes,
    says_nothing,
    shorten,
    states_failure,
    timed_enough,
    told_with,
)

MAX_CLAIMS = 10
SHORT_FILE_RECORDS = 20
SHORT_FILE_TEXT_CHARS = 120  # a short file's records are quoted whole (first line), up to this length
SHOWN_CHARS = 80  # a record shown for a template without words (``_shown``)
_LETTERS = re.compile(r"[^\W\d_]")  # a letter, in any script
QUOTED_VALUE_CHARS = 40  # a message seen once is quoted with its values, each up to this length
PAUSE_MIN_SIDE = 2  # an error's pause is told where at least 2 of its records come before it and 2 after
MAX_STATUSES_TOLD = 3  # HTTP statuses named in a request template's claim at a level
OUTCOME_RECORDS = 5  # a run's verdict stands among its last records (a line or two of clean-up may follow it) ...
OUTCOME_LINES = 20  # ... and its last lines (a record of a few lines, a listing of what failed, may follow it) ...
OUTCOME_QUOTED = 2  # ... and its statements of failure there are quoted: the first (its reason) and the last
# A JVM frame without its "at" (Tomcat's "Stack trace of thread:" under a leak warning): "java.base/java.lang.Object.
# wait(Native Method)", "org.x.Pool.take(Pool.java:42)".
_FRAME_BODY = re.compile(r"[\w$./]+\.[\w$<>]+\((?:[^()\s]*:\d+|Native Method|Unknown Source)\)")
CAUSE_SEEN_CHARS = 24  # a cause whose first characters a claim's quote holds already is not told again
ROUTES_TOLD = 3  # requests answered at one level on several routes are one claim, naming its most frequent routes
BLOCK_LINES_QUOTED = 2  # lines of one message written line by line, each its own record, quoted in its one claim
MAX_CONTENTS_TOLD = 3  # the most frequent messages named in the claim of what a file mostly holds ...
MIN_CONTENTS_SHARE = 0.1  # ... each holding at least this share of the file's records

_ERROR_LEVELS = (report_pb2.LEVEL_ERROR, report_pb2.LEVEL_FATAL)
# Levels that do not say a thing went wrong: a record at one of them whose words state a failure is told by its words
# (Flink's "Job ... switched from RUNNING to FAILED" and Cassandra's peers "now DOWN", written at INFO).
_UNTOLD_LEVELS = (report_pb2.LEVEL_UNSPECIFIED, report_pb2.LEVEL_INFO, report_pb2.LEVEL_NOTICE)
# Section name -> most claims it may take; the order is the order of the summary.
SECTION_CAPS: dict[str, int] = {
    "new": 3,
    "important": 2,
    "overview": 1,
    "outcome": 1,
    "exceptions": 2,
    "errors": 3,
    "error_bursts": 1,
    "silences": 2,
    "restarts": 2,
    "stops": 2,
    "rate_changes": 1,
    "warnings": 3,
    "rare": 2,
    "bursts": 1,
    "contents": 1,
}
# Rare messages, bursts and what the file mostly holds only take the room the sections before them left.
_SECONDARY = ("rare", "bursts", "contents")
_PRIMARY = tuple(name for name in SECTION_CAPS if name not in _SECONDARY)
# Sections whose findings are told one by one up to the cap less one, and then counted in one claim
# ("5 more restarts, at lines ...") that cites up to MAX_LISTED_LINES of their lines.
_COUNTED = {"restarts": "restarts", "stops": "stops", "silences": "silences"}
# A stop finding that tells a crash ("crash at line 10 ...", "3 crashes: ..."; report.py's ``_crash``).
_CRASH_CLAIM = re.compile(r"(?:\d+ )?crash(?:es)?\b")
MAX_LISTED_LINES = 10
_SECTION_OF_KIND = {
    report_pb2.ANOMALY_KIND_ERROR_BURST: "error_bursts",
    report_pb2.ANOMALY_KIND_SILENCE: "silences",
    report_pb2.ANOMALY_KIND_RESTART: "restarts",
    report_pb2.ANOMALY_KIND_SHUTDOWN: "stops",
    report_pb2.ANOMALY_KIND_RATE_CHANGE: "rate_changes",
    report_pb2.ANOMALY_KIND_RARE_TEMPLATE: "rare",
    report_pb2.ANOMALY_KIND_BURST: "bursts",
}


def _level(level: report_pb2.Level.ValueType) -> str:
    return report_pb2.Level.Name(level).removeprefix("LEVEL_")


def _records(n: int) -> str:
    return "1 record" if n == 1 else f"{n} records"


def _claim(text: str, template_ids: list[str], lines: list[int]) -> report_pb2.SummaryClaim:
    return report_pb2.SummaryClaim(text=text, template_ids=template_ids, line_numbers=lines)


def _overview(rep: report_pb2.AnalysisReport) -> report_pb2.SummaryClaim | None:
    shown = [t for t in rep.templates if not t.muted]
    if not shown:
        return None
    first_t = min(shown, key=lambda t: t.first_line)
    last_t = max(shown, key=lambda t: t.last_line)
    first, last = first_t.first_line, last_t.last_line
    counts = {lc.level: lc.count for lc in rep.levels}
    errors = sum(counts.get(lv, 0) for lv in _ERROR_LEVELS)
    warnings = counts.get(report_pb2.LEVEL_WARN, 0)
    text = f"{_records(rep.record_count)} ({format_word(rep.format.name, rep.format.explained_share)}"
    tr = rep.time_range
    if tr.HasField("start_time") and tr.HasField("end_time"):
        span = tr.end_time.ToSeconds() - tr.start_time.ToSeconds()
        share = rep.parse_quality.timestamp_share
        if share < TIMED_RANGE_SHARE:
            # The range is that of the few records that have a time, not the file's: a device's console whose one
            # timed line is its boot ROM's banner ("ets Jul 29 2019 12:21:46") did not span "0 s".
            text += f", times on {share:.1%} of them" if share >= 0.001 else ", times on under 0.1% of them"
        text += f", {tr.start_time.ToJsonString()} to {tr.end_time.ToJsonString()}, {duration(span)}"
        if NEWEST_FIRST in rep.parse_quality.time_assumptions:
            text += ", newest first"
    templates = "1 template" if rep.template_count == 1 else f"{rep.template_count} templates"
    text += f") in {templates}, lines {first} to {last}: {errors} ERROR/FATAL, {warnings} WARN."
    return _claim(text, sorted({first_t.id, last_t.id}), sorted({first, last}))


def _tier(level: report_pb2.Level.ValueType) -> int:
    """2 for an error (ERROR, FATAL), 1 for a warning, 0 otherwise."""
    return 2 if level in _ERROR_LEVELS else 1 if level == report_pb2.LEVEL_WARN else 0


def _short_file(rep: report_pb2.AnalysisReport) -> list[report_pb2.SummaryClaim]:
    """A short file's exception groups first (their type and message: what a crash log is read for), then each
    other distinct message: the errors, then the warnings, then the messages of no level whose words state a
    failure (a kernel's "nvme0: I/O 512 QID 3 timeout, aborting", written with no level), then the rest (those a
    restart or a stop finding is about always among them), each in
    line order (a task log's one failure is not told after its seven start lines); where the rest do not fit, its
    first and its last ones (``_first_and_last``). A message whose records are at several levels is quoted and
    cited at its first record of its most severe one (a request line's 500, not its first 200)."""
    by_id = {t.id: t for t in rep.templates}
    muted = {t.id for t in rep.templates if t.muted}
    exceptions = [c for c in _exceptions(rep, by_id) if not muted.intersection(c.template_ids)]
    exceptions = exceptions[: SECTION_CAPS["exceptions"]]
    told = {tid for c in exceptions for tid in c.template_ids}
    room = MAX_CLAIMS - 1 - len(exceptions)
    # A frame of a stack trace written as a record of its own (logcat's "E/AndroidRuntime( 4242): \tat ...") is part
    # of the exception its trace reports, not a message of its own: left out, as the ranking of errors leaves it.
    untold = [t for t in rep.templates if not t.muted and t.id not in told and not is_frame_template(t.text)]
    ranked = sorted(untold, key=lambda t: (-t.important, -t.new_to_service, -t.max_level, t.first_line))
    failing = {t.id for t in ranked if not t.max_level and states_failure(t.text)}
    # A message a restart or a stop finding is about is news too, never cut for the file's first and last messages
    # (a database's backend killed, "server process (PID 330) was terminated by signal 9: Killed", among its
    # handful of routine records); told in line order among them.
    lifecycle = (report_pb2.ANOMALY_KIND_RESTART, report_pb2.ANOMALY_KIND_SHUTDOWN)
    lives = {a.template_id for a in rep.anomalies if a.kind in lifecycle}
    news = [t for t in ranked if t.important or t.new_to_service or _tier(t.max_level)]
    news = (news + [t for t in ranked if (t.id in failing or t.id in lives) and t not in news])[:room]
    chosen = news + _first_and_last([t for t in ranked if t not in news], room - len(news))
    out = list(exceptions)
    structured = rep.format.name in (FORMAT_JSON, FORMAT_LOGFMT)
    for t in sorted(chosen, key=lambda t: (-_tier(t.max_level), t.id not in failing, t.first_line)):
        at = t.first_line
        at_level = t.count
        if t.max_level and len(t.levels) > 1:
            lc = next(lc for lc in t.levels if lc.level == t.max_level)
            at, at_level = lc.first_line or t.first_line, lc.count
        example = next((e.text for e in t.examples if e.line_number == at), None)
        # A record is quoted as written from its message on (its line's header, a time and a level told already, would
        # push the message out of the shortened quote), but for a file of JSON or logfmt records: its message (with
        # the values it took where it was seen once), not a line of fields.
        written = as_written(t) if t.count == 1 else t.text
        quote = _from_message(example, t.text) if example is not None and not structured else None
        if quote is None:
            # A message that opens with a value ("0 downstream tasks scheduled"): its line's header cannot be told
            # from it, so the message as written, unless a value was too long to fill in.
            quote = written if example is None or structured or WILDCARD not in written else example
        lv = _level(t.max_level) if t.max_level else "no level"
        quoted = shorten(quote, SHORT_FILE_TEXT_CHARS)
        text = f'Line {at} ({lv}): "{quoted}"' + (_cause(t, at, quoted, at_level == 1) if t.max_level else "")
        if t.new_to_service:
            text += " (new to this service)"
        if at_level < t.count:
            text += f", {at_level} of its {t.count} records at {lv}, which run from line {t.first_line}"
            text += f" to line {t.last_line}"
        elif t.count > 1:
            text += f", {t.count} times in all, last at line {t.last_line}"
        out.append(_claim(text + ".", [t.id], sorted({at, t.first_line, t.last_line})))
    return out


def _first_and_last(rest: list[report_pb2.Template], room: int) -> list[report_pb2.Template]:
    """A short file's other messages where they do not all fit: its first ones and, with half of the room, its last
    ones. A job's or a task's log opens with routine steps and ends with its outcome ("Marking task as
    UP_FOR_RETRY", "Task exited with return code 1"): its first lines alone would leave out how it ended."""
    if len(rest) <= room:
        return rest
    last = sorted(rest, key=lambda t: (t.last_line, t.first_line))[len(rest) - room // 2 :] if room // 2 else []
    first = sorted((t for t in rest if t not in last), key=lambda t: t.first_line)[: room - len(last)]
    return first + last


def _exceptions(rep: report_pb2.AnalysisReport, by_id: dict[str, report_pb2.Template]) -> list[report_pb2.SummaryClaim]:
    """One claim per exception group: its type and message, its root cause, the message it was logged with
    where that is another text (a record that is the exception line itself is quoted once, its message at
    the length a template's text gets), its lines. The groups logged at a warning or above (or at no level: a
    runtime's report) first, then those logged as information; none for a group whose records were all logged to
    debug (Gradle's "Kotlin compile daemon connection failed, falling back to non-daemon execution" with its
    ConnectException, at DEBUG, led the summary of a build whose compilation failed)."""
    out: list[tuple[bool, report_pb2.SummaryClaim]] = []
    vias = _distinguishing_frames(list(rep.exception_groups))
    for eg, via in zip(rep.exception_groups, vias, strict=True):
        t = by_id.get(eg.template_id)
        if t is not None and report_pb2.LEVEL_UNSPECIFIED < t.max_level <= report_pb2.LEVEL_DEBUG:
            continue
        # Logged as another text: not the exception line itself, nor a record whose message is the exception's
        # (a Go panic's "key not found" is the template and the panic's message alike), nor a traceback's banner.
        logged = (
            t is not None
            and eg.exception_type not in t.text
            and not glob_match(t.text, eg.message)
            and not t.text.startswith(TRACEBACK_BANNER)
        )
        text = f"{eg.count} x {eg.exception_type}"
        if eg.message:
            text += f": {shorten(eg.message, TEMPLATE_TEXT_CHARS // 2 if logged else TEMPLATE_TEXT_CHARS)}"
        if eg.root_cause_type and (eg.root_cause_type, eg.root_cause_message) != (eg.exception_type, eg.message):
            text += f" (root cause {eg.root_cause_type}"
            text += f": {shorten(eg.root_cause_message, TEMPLATE_TEXT_CHARS // 2)})" if eg.root_cause_message else ")"
        if via:
            text += f" (via {via})"
        if t is not None and logged:
            text += f', logged as "{shorten(t.text)}"'
        if eg.first_line == eg.last_line:
            text += f", at line {eg.first_line}."
        else:
            text += f", first at line {eg.first_line}, last at line {eg.last_line}."
        informs = t is not None and report_pb2.LEVEL_INFO <= t.max_level < report_pb2.LEVEL_WARN
        out.append((informs, _claim(text, [eg.template_id], sorted({eg.first_line, eg.last_line}))))
    return [c for _informs, c in sorted(out, key=itemgetter(0))]


def _distinguishing_frames(groups: list[report_pb2.ExceptionGroup]) -> list[str]:
    """For each exception group, the frame that tells it from the groups whose claims would read the same (the same
    type, message and root cause, thrown along other call paths: their stacks differ): the top frame where its
    stack, read from the innermost frame, has become its own (no other of them has the same frames up to it), as
    "Class.method"; "" where no other group reads the same or the frames do not tell them apart."""
    alike: dict[tuple[str, str, str, str], list[int]] = {}
    for i, eg in enumerate(groups):
        alike.setdefault((eg.exception_type, eg.message, eg.root_cause_type, eg.root_cause_message), []).append(i)
    out = [""] * len(groups)
    for members in alike.values():
        if len(members) < 2:
            continue
        stacks = [list(groups[i].top_frames) for i in members]
        for i, frames in zip(members, stacks, strict=True):
            k = next((k for k in range(len(frames)) if sum(o[: k + 1] == frames[: k + 1] for o in stacks) == 1), None)
            if k is not None:
                out[i] = ".".join(frames[k].rsplit(".", 2)[-2:])
    return out


def _unlevelled_records(rep: report_pb2.AnalysisReport) -> dict[int, report_pb2.Template]:
    """Line -> template, for the records the report holds (its templates' examples) that carry no level and are
    rare (seen at most ``RARE_MAX_COUNT`` times: a message of their own, not the file's routine)."""
    return {
        e.line_number: t
        for t in rep.templates
        if t.max_level == report_pb2.LEVEL_UNSPECIFIED and t.text.strip() and t.count <= RARE_MAX_COUNT
        for e in t.examples
    }


def _after(
    line: int, unlevelled: dict[int, report_pb2.Template], level: report_pb2.Level.ValueType
) -> tuple[str, list[int]]:
    """The record just before an error's first record, where it is a rare one without a level: the output of
    the command or step the error reports on. A runner's error says that something failed ("exit code 1"); the
    line before it, written by what failed, says why ("Command not found: pytest"). Quoted beside the error
    (ERROR or FATAL, not a warning), cited at its line; nothing where that record is not held, has a level of
    its own (another message) or is a routine one (a frequent message that happens to come before)."""
    t = unlevelled.get(line - 1) if level in _ERROR_LEVELS else None
    if t is None:
        return "", []
    return f' (after "{shorten(as_written(t), TEMPLATE_TEXT_CHARS // 2)}", line {line - 1})', [line - 1]


def _errors(
    rep: report_pb2.AnalysisReport, by_id: dict[str, report_pb2.Template], told: set[str], quoted: dict[str, str]
) -> list[tuple[report_pb2.Level.ValueType, report_pb2.SummaryClaim]]:
    """One claim per ranked error or warning template not told already, with the level it is ranked at, and
    the unlevelled record just before its first record at that level (``_after``). A template ranked at ERROR
    or FATAL whose records include warnings (an access log's request template: its 502s are errors, its 404s
    warnings) also gets a claim at WARN: its warnings are news of their own, ranked among the other warnings by
    their count. Warnings come most numerous first (the ranking's order for templates of warnings only)."""
    unlevelled = _unlevelled_records(rep)
    timed = timed_enough(rep.record_count, round(rep.parse_quality.timestamp_share * rep.record_count))
    span = (
        rep.time_range.end_time.ToSeconds() - rep.time_range.start_time.ToSeconds()
        if rep.time_range.HasField("start_time") and rep.time_range.HasField("end_time")
        else 0
    )
    # (level, template) in rank order; the requests a server answered at a level on several routes come together.
    ranked: list[tuple[report_pb2.Level.ValueType, report_pb2.Template]] = []
    for rt in rep.error_templates:
        if rt.template_id in told:
            continue
        t = by_id[rt.template_id]
        ranked.append((rt.level, t))
        if rt.level in _ERROR_LEVELS and any(lc.level == report_pb2.LEVEL_WARN and lc.count for lc in t.levels):
            ranked.append((report_pb2.LEVEL_WARN, t))
    routes: dict[report_pb2.Level.ValueType, list[report_pb2.Template]] = {}
    for level, t in ranked:
        if _status_placeholder(t) is not None:
            routes.setdefault(level, []).append(t)
    blocks = _written_together(ranked, rep)
    sequences = _written_in_sequence(ranked, rep, set(blocks) | {(lv, t.id) for lv, ts in routes.items() for t in ts})
    errors: list[tuple[report_pb2.Level.ValueType, report_pb2.SummaryClaim]] = []
    warnings: list[tuple[bool, int, report_pb2.SummaryClaim]] = []
    for level, t in ranked:
        answered = routes.get(level, [])
        block = blocks.get((level, t.id))
        if t in answered and len(answered) > 1:
            if t is not answered[0]:
                continue  # told in the claim of the first
            claim = _answered_on_routes(answered, level, quoted)
            count = sum(_at_level(r, level) for r in answered)
        elif block is not None:
            if t is not block[0]:
                continue  # told in the claim of the block's first line
            claim, count = _block_claim(block, level, quoted), len(block)
        elif (sequence := sequences.get((level, t.id))) is not None:
            if t is not sequence[0]:
                continue  # told in the claim of the sequence's first message
            claim, count = _sequence_claim(sequence, level, quoted), len(sequence) * _at_level(t, level)
        else:
            claim, count = _claim_at(t, level, unlevelled, quoted[t.id], timed, span), _at_level(t, level)
        if level in _ERROR_LEVELS:
            errors.append((level, claim))
        else:
            warnings.append((t in answered, count, claim))
    # A warning the software wrote of itself comes before the statuses a server answered its clients with (a 4xx is
    # the request's fault: news, but the client's); within each, most numerous first (stable: ties keep the ranking).
    warnings.sort(key=lambda x: (x[0], -x[1]))
    return errors + [(report_pb2.LEVEL_WARN, c) for _a, _n, c in warnings] + _failures_unlevelled(rep, told, quoted)


def _written_together(
    ranked: list[tuple[report_pb2.Level.ValueType, report_pb2.Template]], rep: report_pb2.AnalysisReport
) -> dict[tuple[report_pb2.Level.ValueType, str], list[report_pb2.Template]]:
    """Messages written line by line at one level, each line a record of its own seen once, on consecutive lines:
    one block, told in one claim. In a file whose records carry times, lines written at one time (lines without a
    time of their own take the one before): the JVM's five "WARNING:" lines of one illegal reflective access before
    the first timed record, a tool's "ERROR:" lines written to stderr between two records. In a file without times,
    nothing but the lines says so: where blank records at that level part them (``_BlankLines``: npm's "npm ERR! "
    between the paragraphs of one report, Maven's "[ERROR] " between "Failed to execute goal ..." and "Please refer
    to ..."); nobody logs a blank error of its own. A test runner's "FAILED ..." lines, one failure each, have none.
    (level, template id) -> its block, for each template in a block of two or more."""
    timed = rep.time_range.HasField("start_time")
    blanks = None if timed else _BlankLines(rep)
    singles: dict[report_pb2.Level.ValueType, list[report_pb2.Template]] = {}
    for level, t in ranked:
        if t.count == 1 and _at_level(t, level) == 1 and _status_placeholder(t) is None:
            singles.setdefault(level, []).append(t)
    out: dict[tuple[report_pb2.Level.ValueType, str], list[report_pb2.Template]] = {}
    for level, ts in singles.items():
        runs: list[tuple[list[report_pb2.Template], bool]] = []  # (run, whether a blank line parts its records)
        for t in sorted(ts, key=lambda t: t.first_line):
            last = runs[-1][0][-1] if runs else None
            gap = range(last.first_line + 1, t.first_line) if last is not None else range(0)
            if last is not None and timed and t.first_line == last.first_line + 1 and t.first_time == last.first_time:
                runs[-1][0].append(t)
            elif last is not None and blanks is not None and t.first_line > last.first_line and blanks.fill(level, gap):
                runs[-1] = (runs[-1][0] + [t], runs[-1][1] or len(gap) > 0)
            else:
                runs.append(([t], False))
        out.update(((level, t.id), run) for run, parted in runs if len(run) > 1 and (timed or parted) for t in run)
    return out


def _written_in_sequence(
    ranked: list[tuple[report_pb2.Level.ValueType, report_pb2.Template]],
    rep: report_pb2.AnalysisReport,
    taken: set[tuple[report_pb2.Level.ValueType, str]],
) -> dict[tuple[report_pb2.Level.ValueType, str], list[report_pb2.Template]]:
    """Messages written one after the other, the same sequence every time: templates at one level seen as often
    (all their records at it), each one's first and last record on the line after the one before's (at the same
    time, where records carry times). One failure several components report in a row (a kubelet's "ListPodSandbox
    ... failed", "Failed to list pod sandboxes", "GenericPLEG: Unable to retrieve pods", each time the runtime is
    down) is one claim, not one per message. (level, template id) -> its sequence, for each of two or more."""
    timed = rep.time_range.HasField("start_time")
    by_level: dict[report_pb2.Level.ValueType, list[report_pb2.Template]] = {}
    for level, t in ranked:
        n = _at_level(t, level)
        if n > 1 and n == t.count and (level, t.id) not in taken:
            by_level.setdefault(level, []).append(t)
    out: dict[tuple[report_pb2.Level.ValueType, str], list[report_pb2.Template]] = {}
    for level, ts in by_level.items():
        runs: list[list[report_pb2.Template]] = []
        for t in sorted(ts, key=lambda t: t.first_line):
            last = runs[-1][-1] if runs else None
            if (
                last is not None
                and t.count == last.count
                and t.first_line == last.first_line + 1
                and t.last_line == last.last_line + 1
                and (not timed or t.first_time == last.first_time)
            ):
                runs[-1].append(t)
            else:
                runs.append([t])
        out.update(((level, t.id), run) for run in runs if len(run) > 1 for t in run)
    return out


def _sequence_claim(
    sequence: list[report_pb2.Template], level: report_pb2.Level.ValueType, quoted: dict[str, str]
) -> report_pb2.SummaryClaim:
    """One claim for messages written in sequence (``_written_in_sequence``): how many, how often, their lines."""
    first, last = sequence[0].first_line, sequence[-1].last_line
    text = (
        f"{len(sequence)} messages at {_level(level)} written one after the other {sequence[0].count} times, "
        f"lines {first} to {last}: {_first_ones_quoted(sequence, quoted)}."
    )
    return _claim(text, sorted(t.id for t in sequence), [first, last])


class _BlankLines:
    """The blank records of a file without times, per level (templates that say nothing: ``says_nothing``): the
    lines their reports name (examples, first and last), and how many of their records are on lines not named (a
    blank template's fourth record is not among its examples)."""

    def __init__(self, rep: report_pb2.AnalysisReport) -> None:
        self.named: set[int] = set()  # every line a template's report names
        self.known: dict[report_pb2.Level.ValueType, set[int]] = {}
        self.spans: dict[report_pb2.Level.ValueType, list[tuple[int, int]]] = {}
        self.unnamed: dict[report_pb2.Level.ValueType, int] = {}
        for t in rep.templates:
            own = {t.first_line, t.last_line, *(e.line_number for e in t.examples)}
            self.named |= own
            if not t.max_level or not says_nothing(t.text):
                continue
            for lc in t.levels:
                if lc.count:
                    self.known.setdefault(lc.level, set()).update(own)
                    self.spans.setdefault(lc.level, []).append((t.first_line, t.last_line))
                    self.unnamed[lc.level] = self.unnamed.get(lc.level, 0) + max(0, t.count - len(own))

    def fill(self, level: report_pb2.Level.ValueType, gap: range) -> bool:
        """Whether blank records at ``level`` fill the lines of ``gap``: each a named line of one, or a line no
        report names between a blank template's first and last, no more such lines than its records not named."""
        known = self.known.get(level, set())
        budget = self.unnamed.get(level, 0)
        if len(gap) > len(known) + budget:
            return False
        spans = self.spans.get(level, [])
        unknown = 0
        for x in gap:
            if x in known:
                continue
            if x in self.named or not any(a <= x <= b for a, b in spans):
                return False
            unknown += 1
        return unknown <= budget


def _block_claim(
    block: list[report_pb2.Template], level: report_pb2.Level.ValueType, quoted: dict[str, str]
) -> report_pb2.SummaryClaim:
    """One claim for a message written line by line (``_written_together``): its lines, its first ones quoted."""
    first, last = block[0].first_line, block[-1].first_line
    text = (
        f"{len(block)} records at {_level(level)} written together, lines {first} to {last}: "
        f"{_first_ones_quoted(block, quoted)}."
    )
    return _claim(text, sorted(t.id for t in block), [first, last])


def _first_ones_quoted(templates: list[report_pb2.Template], quoted: dict[str, str]) -> str:
    """The first BLOCK_LINES_QUOTED templates quoted, and how many more: '"a", "b" and 3 more'."""
    listed = ", ".join(f'"{quoted[t.id]}"' for t in templates[:BLOCK_LINES_QUOTED])
    more = len(templates) - BLOCK_LINES_QUOTED
    return listed + (f" and {more} more" if more > 0 else "")


def _at_level(t: report_pb2.Template, level: report_pb2.Level.ValueType) -> int:
    return sum(lc.count for lc in t.levels if lc.level == level)


def _answered_on_routes(
    routes: list[report_pb2.Template], level: report_pb2.Level.ValueType, quoted: dict[str, str]
) -> report_pb2.SummaryClaim:
    """One claim for the requests a server answered at one level on several routes (request templates, each route
    its own): a proxy's 502s on every route are one failure, not one claim per route, and the routes a scanner
    probed for are one warning. Their count; their statuses summed over the routes, the most frequent first (up to
    MAX_STATUSES_TOLD; "~" where a route's counts are not exact); the routes with the most such answers first, up to
    ROUTES_TOLD, each with its count; the first record at the level, and each named route's first one, cited."""
    lv = _level(level)
    by_count = sorted(routes, key=lambda t: -_at_level(t, level))  # stable: ties keep the ranking
    total = sum(_at_level(t, level) for t in routes)
    statuses: Counter[str] = Counter()
    exact = True
    for t in routes:
        p = _status_placeholder(t)
        if p is None:
            continue
        exact = exact and p.counts_exact
        for v in p.top_values:
            if v.value.isdigit() and level_from_http_status(int(v.value)) == lv:
                statuses[v.value] += v.count
    if sum(statuses.values()) > total:
        # Records of those statuses at another level too (a CDN's 403 that carries an error code is an error): the
        # statuses' counts would not add up to the claim's, and which of them are at this level is not known.
        statuses.clear()
    approx = "" if exact else "~"
    told = ", ".join(f"{value} x{approx}{n}" for value, n in statuses.most_common(MAX_STATUSES_TOLD))
    firsts = {t.id: next((lc.first_line for lc in t.levels if lc.level == level and lc.first_line), 0) for t in routes}
    first = min((ln for ln in firsts.values() if ln), default=0)
    named = by_count[:ROUTES_TOLD]
    listed = ", ".join(f'"{quoted[t.id]}" x{_at_level(t, level)}{_targets(t, level)}' for t in named)
    more = f" and {len(routes) - len(named)} more" if len(routes) > len(named) else ""
    # Templates that write their routes are routes; those whose target is a placeholder, kinds of request.
    kinds = (
        f"in {len(routes)} request templates" if any(_targets(t, level) for t in routes) else f"on {len(routes)} routes"
    )
    text = (
        f"{_records(total)} answered at {lv}" + (f" (status {told})" if told else "") + f" {kinds}: "
        f"{listed}{more}" + (f"; the first at line {first}" if first else "") + "."
    )
    lines = sorted({first, *(firsts[t.id] for t in named)} - {0})
    return _claim(text, sorted(t.id for t in routes), lines)


def _failing_unlevelled(rep: report_pb2.AnalysisReport, told: set[str]) -> list[report_pb2.Template]:
    """The templates of no level, or of a level that says nothing went wrong (``_UNTOLD_LEVELS``), whose words state a
    failure (``report.states_failure``), that no claim of the errors, no restart and no stop tells; not one that says
    nothing (``says_nothing``)."""
    lifecycle = (report_pb2.ANOMALY_KIND_RESTART, report_pb2.ANOMALY_KIND_SHUTDOWN)
    told = told | {a.template_id for a in rep.anomalies if a.kind in lifecycle}
    # (A message a crash's finding cites as one more of its messages, at its first and last line, is told too: Xorg's
    # "Caught signal 11 (Segmentation fault). Server aborting" under "Segmentation fault at address 0x0". Not one a
    # stop's finding cites: a VM's "qmp command 'guest-shutdown' failed" is a failure of its own.)
    cited = {
        ln
        for a in rep.anomalies
        if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN and _CRASH_CLAIM.match(a.description)
        for ln in a.line_numbers
    }
    return [
        t
        for t in rep.templates
        if t.max_level in _UNTOLD_LEVELS
        and t.id not in told
        and not (t.first_line in cited and t.last_line in cited)
        and not t.muted
        and states_failure(t.text)
        and not says_nothing(t.text)
    ]


def _outcome(
    rep: report_pb2.AnalysisReport, told: set[str], quoted: dict[str, str]
) -> tuple[list[report_pb2.SummaryClaim], set[str]]:
    """How a run ends, where it ends stating a failure with no level (a build's "Failed during stage 'building site':
    Build script returned non-zero exit code: 2" ... "Failing build: Failed to build site", a CI job's "Finished:
    FAILURE"): its verdict, told after the overview, whatever the warnings before it (a build's forty deprecation
    warnings took the room). The statements of failure made only among the file's last OUTCOME_RECORDS records (a
    template's first record among the last records of all templates) and in its last OUTCOME_LINES lines: a message
    the file writes all along (a proxy's denied requests, a server's failed logins) is no verdict where a service's
    log was cut. The first and the last quoted, every line cited. A verdict is said once: a message written at a level
    that says nothing went wrong, again and again near the end, is the run's routine however its words read (MySQL's
    "[Note] Aborted connection 84 ... (Got an error reading communication packets)" five times after a recovery was
    told as the failure the file ended on). The claim and the templates it tells."""
    ends = sorted({t.last_line for t in rep.templates}, reverse=True)[:OUTCOME_RECORDS]
    if not ends:
        return [], set()
    final = [
        t
        for t in _failing_unlevelled(rep, told)
        if t.first_line >= ends[-1]
        and rep.line_count - t.first_line < OUTCOME_LINES
        and (t.max_level == report_pb2.LEVEL_UNSPECIFIED or t.count == 1)
    ]
    if not final:
        return [], set()
    final.sort(key=lambda t: t.last_line)
    shown = [final[0], final[-1]][: min(OUTCOME_QUOTED, len(final))]
    said = "; ".join(f'line {t.last_line}: "{quoted[t.id]}"' for t in shown)
    more = f" (and {len(final) - len(shown)} more)" if len(final) > len(shown) else ""
    # Where records of other words follow the last of them (a clean-up's lines, a server's next requests), the file
    # states the failure near its end; it ends on it only where its last record states it.
    if final[-1].last_line == ends[0]:
        text = f"The file ends stating a failure, at {said}{more}."
    else:
        text = f"Near its end (its last record at line {ends[0]}), the file states a failure, at {said}{more}."
    return [_claim(text, [t.id for t in final], [t.last_line for t in final])], {t.id for t in final}


def _failures_unlevelled(
    rep: report_pb2.AnalysisReport, told: set[str], quoted: dict[str, str]
) -> list[tuple[report_pb2.Level.ValueType, report_pb2.SummaryClaim]]:
    """Each message of no level whose words state a failure (``report.states_failure``: "Can't save in background:
    fork: Cannot allocate memory"), told after the warnings, in line order: in a file whose records mostly carry no
    level (a database's or a kernel's, written with marks or nothing; a debug verbosity) the level cannot tell what
    went wrong, and in a file whose records carry one, a record of none is another writer's, whose words alone tell
    (AWS Lambda's platform line "Task timed out after 15.02 seconds" among the function's levelled lines). So is a
    message at a level that says nothing went wrong (``_UNTOLD_LEVELS``: Flink's "switched from RUNNING to FAILED",
    Rails' "Completed 500 Internal Server Error", at INFO), with that level, after the warnings. A
    message that says nothing (``says_nothing``) is not one, nor one a restart or a stop tells (a kernel's "Out of
    memory: Killed process", told as a crash)."""
    failing = _failing_unlevelled(rep, told)
    out: list[tuple[report_pb2.Level.ValueType, report_pb2.SummaryClaim]] = []
    for t in sorted(failing, key=lambda t: t.first_line):
        where = (
            f"at line {t.first_line}" if t.count == 1 else f"first at line {t.first_line}, last at line {t.last_line}"
        )
        at = f"at {_level(t.max_level)}" if t.max_level else "of no level"
        # (What a message that announces what follows it says below it: Oracle's "Errors in file <*>:" above the
        # "ORA-00600: internal error code, ..." it logged.)
        cause = _cause(t, t.first_line, quoted[t.id], of_one=t.count == 1)
        text = f'{_records(t.count)} {at} that state a failure: "{quoted[t.id]}"{cause}, {where}.'
        out.append((t.max_level, _claim(text, [t.id], sorted({t.first_line, t.last_line}))))
    return out


def _claim_at(
    t: report_pb2.Template,
    level: report_pb2.Level.ValueType,
    unlevelled: dict[int, report_pb2.Template],
    quote: str,
    timed: bool,
    span: int = 0,
) -> report_pb2.SummaryClaim:
    """A template's claim at one level: all its records, or those at the level among its records; ``quote`` is its
    text as quoted (``report.quotes``); its pause, and the stretch of the file's ``span`` (seconds) its records keep
    to (``_episode``), told only where the file's records are ``timed`` (enough of them carry a time of their
    own: ``report.timed_enough``)."""
    lv = _level(level)
    pause = _pause(t) + _episode(t, span) if timed else ""
    at_level = sum(lc.count for lc in t.levels if lc.level == level)
    if at_level == t.count:
        after, before = _after(t.first_line, unlevelled, level)
        where = (
            f"at line {t.first_line}{after}"
            if t.count == 1
            else f"first at line {t.first_line}{after}, last at line {t.last_line}"
        )
        cause = _cause(t, t.first_line, quote, of_one=t.count == 1)  # (not where the quote holds it already)
        statuses = _statuses(t, level) if t.count > 1 else ""  # a record seen once is quoted with its status
        lv_told = f"{lv} ({statuses})" if statuses else lv
        targets = _targets(t, level) if t.count > 1 else ""  # (its one record quoted names its target)
        targets += _named_values(t) if t.count > 1 else ""
        text = f'{_records(t.count)} at {lv_told}: "{quote}"{targets}{cause}, {where}{pause}.'
        lines = sorted({t.first_line, t.last_line, *before})
    else:
        first_at = next((lc.first_line for lc in t.levels if lc.level == level and lc.first_line), 0)
        after, before = _after(first_at, unlevelled, level) if first_at else ("", [])
        cause = _cause(t, first_at, quote, of_one=at_level == 1)
        statuses = _statuses(t, level)
        first = f"the first at line {first_at}{after}" if first_at else ""
        told = "; ".join(x for x in (statuses, first) if x)
        text = (
            f'"{quote}"{cause}: {at_level} {lv} among its {t.count} records'
            + (f" ({told})" if told else "")
            + f", which run from line {t.first_line} to line {t.last_line}{pause}."
        )
        lines = sorted({t.first_line, t.last_line, *([first_at] if first_at else []), *before})
    return _claim(text, [t.id], lines)


# A message made only of named values ("Error: <*>, Severity: <*>, State: <*>.", SQL Server's line above each error's
# text): up to three words of a name, a colon or "=", a value, a separator.
_VALUE_NAME = r"([A-Za-z][\w-]*(?: [A-Za-z][\w-]*){0,2})[:=] ?<\*>[,;.]?\s*"
_NAMED_VALUES = re.compile(rf"(?:{_VALUE_NAME})+")
_FIRST_NAME = re.compile(_VALUE_NAME)
NAMED_VALUES_TOLD = 3  # values told of a message made only of named values


def _named_values(t: report_pb2.Template) -> str:
    """' (Error 18456 x35, 9002 x6, 823 x2)': the most frequent values of the first value of a message made only of
    named values (``_NAMED_VALUES``), which says nothing but its values: SQL Server's "Error: <*>, Severity: <*>,
    State: <*>." held 44 errors of five numbers, and its claim told none of them. Up to NAMED_VALUES_TOLD, "~"
    before counts that are not exact; "" for any other message."""
    text = t.text.strip()
    name = _FIRST_NAME.match(text)  # (it matches where the whole text does)
    p = next((p for p in t.placeholders if p.index == 0), None)
    if name is None or _NAMED_VALUES.fullmatch(text) is None or p is None or not p.top_values:
        return ""
    approx = "" if p.counts_exact else "~"
    told = ", ".join(f"{v.value} x{approx}{v.count}" for v in p.top_values[:NAMED_VALUES_TOLD])
    return f" ({name.group(1)} {told})"


def _targets(t: report_pb2.Template, level: report_pb2.Level.ValueType) -> str:
    """The targets a request template's records name where its target is a placeholder (an application's request
    statement, one template whatever the route): ' (/items/<*> x5, /health x2)', the most frequent first, up to
    ROUTES_TOLD; "" where the template writes its route, or where some of its records are at another level than
    ``level`` (the values are the template's, not the level's)."""
    if _at_level(t, level) != t.count or _status_placeholder(t) is None:
        return ""
    p = next((p for p in t.placeholders if p.top_values and all(v.value[:1] == "/" for v in p.top_values)), None)
    if p is None:
        return ""
    approx = "" if p.counts_exact else "~"
    return " (" + ", ".join(f"{v.value} x{approx}{v.count}" for v in p.top_values[:ROUTES_TOLD]) + ")"


def _status_placeholder(t: report_pb2.Template) -> report_pb2.Placeholder | None:
    """A request template's HTTP status placeholder (its records' levels are their status classes), or None."""
    return next((p for p in t.placeholders if p.kind == "status"), None)


def _statuses(t: report_pb2.Template, level: report_pb2.Level.ValueType) -> str:
    """The HTTP statuses that gave a request template's records the level (an access line's level is its status
    class): 'status 502 x99, 503 x75' from the status placeholder's counts, the most frequent first, up to
    MAX_STATUSES_TOLD; '~' before counts that are not exact (a Misra-Gries summary's); "" without such a
    placeholder."""
    p = _status_placeholder(t)
    if p is None:
        return ""
    told = [v for v in p.top_values if v.value.isdigit() and level_from_http_status(int(v.value)) == _level(level)][
        :MAX_STATUSES_TOLD
    ]
    if not told or sum(v.count for v in told) > _at_level(t, level):
        return ""  # (some of those statuses' records are at another level: their counts would not add up)
    approx = "" if p.counts_exact else "~"
    return "status " + ", ".join(f"{v.value} x{approx}{v.count}" for v in told)


def _cause(t: report_pb2.Template, line: int, quoted: str = "", of_one: bool = True) -> str:
    """Why a structured record failed, where its message does not say: the error field of the template's record at
    ``line`` (its example), ' (error: "OCI runtime create failed: ...")', or ' (error at line 90: "...")' where the
    claim is of several records (each may hold another); nothing where that record is not held, has no such field,
    or the quote already holds the field's text."""
    example = next((e.text for e in t.examples if e.line_number == line), None)
    got = structured_cause(example) if example is not None else None
    if got is None and example is not None and t.text.rstrip().endswith(ANNOUNCING_ENDS) and "\n" in example:
        # A message that announces what follows it ("[preflight] Some fatal errors occurred:", klog's value of several
        # lines, "err=<"): the first line under it says what (kubeadm's "[ERROR Port-10250]: Port 10250 is in use").
        # Under the line that announces it: a record whose message is on its second line shows no line below that.
        rows = example.split("\n")
        at = next((i for i, x in enumerate(rows) if x.rstrip().endswith(ANNOUNCING_ENDS)), len(rows))
        below = next((x for x in rows[at + 1 :] if x.strip()), "")
        # (Not a stack frame: where the code was, not what went wrong.)
        told = below.strip()
        got = (
            ("below it", told)
            if told
            and not is_frame_line(below)
            and _FRAME_BODY.fullmatch(told) is None
            and told[:CAUSE_SEEN_CHARS] not in quoted.replace("\n", " ")
            else None
        )
    elif got is None and example is not None and "\n" in example:
        # An exception named on the line under the message is its cause (Kafka's "Error processing append operation
        # on partition payments-0" over "org.apache.kafka.common.errors.NotEnoughReplicasException: The size of the
        # current ISR Set(1) is insufficient ...", logged without its frames).
        below = example.split("\n", 2)[1].strip()
        got = ("below it", below) if EXCEPTION_HEAD_LINE.fullmatch(below) is not None else None
    # (Nor where the quote is the cause with its values masked: a record whose message is its error field's.)
    said = quoted.split(WILDCARD, 1)[0]
    if got is None or shorten(got[1]) in quoted or (WILDCARD in quoted and len(said) >= 8 and got[1].startswith(said)):
        return ""
    return f' ({got[0]}{"" if of_one else f" at line {line}"}: "{shorten(got[1])}")'


EPISODE_MIN_RECORDS = 3  # an error written this many times ...
EPISODE_MAX_SHARE = 0.25  # ... all within this share of the file's span is an episode of its own


def _episode(t: report_pb2.Template, span: int) -> str:
    """The stretch an error's records keep to, where it is short beside the file's ``span`` (at most
    ``EPISODE_MAX_SHARE`` of it; at least ``EPISODE_MIN_RECORDS`` records, a minute or more apart): a dependency
    that failed for a while (a warehouse unreachable for 25 minutes of a 4-hour file, ten errors that no burst
    finding tells at that rate). Its bounds are its first and last records' times."""
    if t.count < EPISODE_MIN_RECORDS or not span or not (t.HasField("first_time") and t.HasField("last_time")):
        return ""
    t0, t1 = t.first_time.ToSeconds(), t.last_time.ToSeconds()
    if t1 - t0 < 60 or t1 - t0 > EPISODE_MAX_SHARE * span:
        return ""
    return f"; all within {duration(t1 - t0)} ({iso(t0)} to {iso(t1)}) of the file's {duration(span)}"


def _pause(t: report_pb2.Template) -> str:
    """Where an error or warning stopped for a while and came back (a broker refused connections, was reached,
    then refused again): its histogram's longest run of empty buckets between its first and last record, told
    where that run is at least ``SILENCE_MIN_BUCKETS`` buckets, ``RATE_CHANGE_FACTOR`` times its next longest
    run (a pause unusual for this message, not its usual spacing), with at least ``PAUSE_MIN_SIDE`` records on
    each side. Its bounds are bucket edges, so no record of the template falls inside them."""
    counts = list(t.histogram.counts)
    w = t.histogram.bucket_seconds
    runs: list[tuple[int, int]] = []  # (length, first empty bucket)
    i = 0
    while i < len(counts):
        j = i
        while j < len(counts) and counts[j] == 0:
            j += 1
        if j > i:
            runs.append((j - i, i))
        i = j + 1
    if not runs or not w:
        return ""
    runs.sort(key=lambda r: (-r[0], r[1]))
    length, start = runs[0]
    next_longest = runs[1][0] if len(runs) > 1 else 0
    before, after = sum(counts[:start]), sum(counts[start + length :])
    if (
        length < SILENCE_MIN_BUCKETS
        or length < RATE_CHANGE_FACTOR * next_longest
        or min(before, after) < PAUSE_MIN_SIDE
    ):
        return ""
    origin = t.histogram.start_time.ToSeconds()
    t0, t1 = origin + start * w, origin + (start + length) * w
    return f"; it pauses for {duration(t1 - t0)}, from {iso(t0)} to {iso(t1)}"


_SLOT = re.compile(r"<\*>:<\*>:<\*>|<\*>")  # a placeholder of a template's text (a date-time is one)


def _from_message(line: str, template: str) -> str | None:
    """A record's first line from where its message starts: the template's text before its first placeholder,
    found in the line (None where the template opens with a placeholder; the whole line where its text is not
    there)."""
    lead = template.split("<*>", 1)[0]
    if not lead.strip():
        return None
    at = line.find(lead)
    return line[at:] if at > 0 else line


def as_written(t: report_pb2.Template) -> str:
    """A template of one record as that record wrote it: each placeholder filled with the one value it took (a
    message seen once is a fact, "exit code 1", not a pattern, "exit code <*>"), unless the value is longer than
    QUOTED_VALUE_CHARS (a long path would push the message's words out of the shortened quote): a longer path is
    quoted by its last name, the file's own ("…/InvoiceController.java:57: error: cannot find symbol": a compiler's
    diagnostic names the file by its whole path, and the file is what a reader looks for). The template's
    text where its placeholders and the statistics read for them do not line up one to one."""
    if t.count != 1:
        return t.text
    values = {p.index: p.top_values[0].value for p in t.placeholders if len(p.top_values) == 1}
    paths = {p.index for p in t.placeholders if p.kind == "path"}
    pieces = _SLOT.split(t.text)
    if len(pieces) - 1 != len(values) or set(values) != set(range(len(values))):
        return t.text
    slots = _SLOT.findall(t.text)
    out = [pieces[0]]
    for i, piece in enumerate(pieces[1:]):
        value = values[i]
        if len(value) > QUOTED_VALUE_CHARS:
            value = _path_end(value) if i in paths else ""
        out += (value or slots[i], piece)
    return "".join(out)


def _path_end(path: str) -> str:
    """A path's last name after an ellipsis and its separator ("…/InvoiceController.java"); "" where that does not fit
    QUOTED_VALUE_CHARS (the directories say where it is, the name what it is; the message's words after it still
    fit)."""
    cut = max(path.rfind("/"), path.rfind("\\"))
    end = "\u2026" + path[cut:]
    return end if cut > 0 and len(end) <= QUOTED_VALUE_CHARS else ""


def _where(t: report_pb2.Template) -> str:
    return f"at line {t.first_line}" if t.count == 1 else f"lines {t.first_line} to {t.last_line}"


def _new_to_service(rep: report_pb2.AnalysisReport) -> list[report_pb2.SummaryClaim]:
    """Messages the service never logged before, most severe first, then the most frequent."""
    new = sorted(
        (t for t in rep.templates if t.new_to_service and not t.muted),
        key=lambda t: (-t.max_level, -t.count, t.first_line),
    )
    cap = SECTION_CAPS["new"]
    out = []
    for t in new[: cap if len(new) <= cap else cap - 1]:
        lv = f" at {_level(t.max_level)}" if t.max_level else ""
        text = f'New to this service: "{shorten(t.text)}", {_records(t.count)}{lv}, {_where(t)}.'
        out.append(_claim(text, [t.id], sorted({t.first_line, t.last_line})))
    rest = new[len(out) :]
    if rest:
        lines = sorted(t.first_line for t in rest)[:MAX_LISTED_LINES]
        text = f"{len(rest)} more messages new to this service, first at lines " + ", ".join(str(x) for x in lines)
        text += " and later." if len(rest) > len(lines) else "."
        out.append(_claim(text, sorted(t.id for t in rest[:MAX_LISTED_LINES]), lines))
    return out


def _important(rep: report_pb2.AnalysisReport) -> list[report_pb2.SummaryClaim]:
    """Messages the service's owner marked important, whenever the file has them (new ones are told already)."""
    marked = sorted(
        (t for t in rep.templates if t.important and not t.new_to_service), key=lambda t: (-t.count, t.first_line)
    )
    return [
        _claim(
            f'Marked important: "{shorten(t.text)}", {_records(t.count)}, {_where(t)}.',
            [t.id],
            sorted({t.first_line, t.last_line}),
        )
        for t in marked
    ]


def _sections(rep: report_pb2.AnalysisReport) -> dict[str, list[report_pb2.SummaryClaim]]:
    by_id = {t.id: t for t in rep.templates}
    muted = {t.id for t in rep.templates if t.muted}
    sections: dict[str, list[report_pb2.SummaryClaim]] = {name: [] for name in SECTION_CAPS}
    sections["new"] = _new_to_service(rep)
    sections["important"] = _important(rep)
    overview = _overview(rep)
    if overview is not None:
        sections["overview"].append(overview)
    sections["exceptions"] = [c for c in _exceptions(rep, by_id) if not muted.intersection(c.template_ids)]
    told = {eg.template_id for eg in list(rep.exception_groups)[: SECTION_CAPS["exceptions"]]}
    # Each template's text as quoted, apart from the others' where their shortened texts would be the same.
    quoted = dict(zip(by_id, quotes([as_written(t) for t in by_id.values()]), strict=True))
    cascades = _stop_cascades(rep)
    cascaded = {t.id for ts in cascades.values() for t in ts}
    sections["outcome"], verdict = _outcome(rep, told | muted | cascaded, quoted)
    errors = _errors(rep, by_id, told | muted | verdict | cascaded, quoted)
    sections["errors"] = _latest_error_kept([c for lv, c in errors if lv in _ERROR_LEVELS], rep, by_id)
    sections["warnings"] = [c for lv, c in errors if lv not in _ERROR_LEVELS]
    # A stop whose record is an error told above, at the same lines, is not told twice (its claim makes room).
    told_lines: dict[str, set[int]] = {}
    for name in ("exceptions", "errors", "warnings"):
        for c in sections[name][: SECTION_CAPS[name]]:
            for tid in c.template_ids:
                told_lines.setdefault(tid, set()).update(c.line_numbers)
    more: dict[str, list[report_pb2.Anomaly]] = {}
    restarted = [ln for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_RESTART for ln in a.line_numbers]
    # The stops and restarts the claims of silences tell (an outage), and the stops the claims of restarts tell
    # (``told_with``): of the findings told one by one, as their section's cap has them (all up to the cap, else all
    # but the last place, which counts the rest).
    in_outage: list[report_pb2.Anomaly] = []
    for kind in (report_pb2.ANOMALY_KIND_SILENCE, report_pb2.ANOMALY_KIND_RESTART):
        found = [
            a
            for a in rep.anomalies
            if a.kind == kind and not a.routine and a.template_id not in muted and a not in in_outage
        ]
        cap = SECTION_CAPS[_SECTION_OF_KIND[kind]]
        in_outage += [
            x
            for a in (found if len(found) <= cap else found[: cap - 1])
            for x in told_with(a, rep.anomalies)
            if x.template_id not in muted
        ]
    for a in rep.anomalies:  # already ranked (silences before restarts and stops)
        if a.template_id in muted or a in in_outage:
            continue
        if a.routine and a.kind in (report_pb2.ANOMALY_KIND_RARE_TEMPLATE, report_pb2.ANOMALY_KIND_SILENCE):
            continue  # a message or a pause of a process's start sequence: not news for the summary
        if (
            a.routine
            and a.kind == report_pb2.ANOMALY_KIND_BURST
            and a.line_numbers
            and any(0 <= a.line_numbers[0] - ln <= NEAR_LINES for ln in restarted)
        ):
            # The flood of a start sequence right after a restart the summary tells (Zabbix's "server #12 started
            # [poller #3]" x29, Icinga's "Instantiated ..." of each component): the restart tells it. (A burst in the
            # file's head stays: it is routine there only by its place, a scan of "/manager/html" from the first line.)
            continue
        if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN and set(a.line_numbers) <= told_lines.get(a.template_id, set()):
            continue
        section = _SECTION_OF_KIND[a.kind]
        if section in _COUNTED and len(sections[section]) >= SECTION_CAPS[section] - 1:
            more.setdefault(section, []).append(a)
        else:
            sections[section].append(_anomaly_claim(a, rep.anomalies, cascades, quoted))
    # A rare message that is one of the errors, starts or stops told above is not news twice: its claim makes
    # room for another. (Rare messages only take room the primary sections left, so the claims shown are their
    # first ``cap``; restarts and stops hold only the ones told one by one here.)
    told_claims = [
        c
        for name in ("exceptions", "errors", "warnings", "restarts", "stops")
        for c in sections[name][: SECTION_CAPS[name]]
    ]
    # (A claim of the answers at a level on several routes tells that level's records, not what the routes hold:
    # neither its unnamed routes as rare messages nor its routes as what the file mostly holds are told by it.)
    requests = {t.id for t in rep.templates if _status_placeholder(t) is not None}
    told_claims = [c for c in told_claims if len(c.template_ids) < 2 or not requests.issuperset(c.template_ids)]
    told_ids = {tid for c in told_claims for tid in c.template_ids}
    # A line a claim cites starts one record: a rare message whose every line is cited already (a stop's second
    # message, "shut down completed", told with the stop) is that record told.
    cited = {ln for c in told_claims for ln in c.line_numbers}
    sections["rare"] = [
        c for c in sections["rare"] if not told_ids.issuperset(c.template_ids) and not cited.issuperset(c.line_numbers)
    ]
    # The bulk of the file, of messages no claim above names (a burst's template is told as a burst).
    named = {tid for name in ("rare", "bursts") for c in sections[name][: SECTION_CAPS[name]] for tid in c.template_ids}
    sections["contents"] = _contents(rep, told_ids | named | muted)
    for section, rest in more.items():
        if len(rest) == 1:
            sections[section].append(_anomaly_claim(rest[0], rep.anomalies, cascades, quoted))
            continue
        lines = sorted(a.line_numbers[0] for a in rest if a.line_numbers)
        shown = lines[:MAX_LISTED_LINES]
        # (Stops that are each a crash are told as crashes: "4 more stops" hid that a process died each time.)
        noun = "crashes" if all(_CRASH_CLAIM.match(a.description) for a in rest) else _COUNTED[section]
        text = f"{len(rest)} more {noun}, at lines " + ", ".join(str(x) for x in shown)
        text += " and later." if len(lines) > len(shown) else "."
        ids = sorted({a.template_id for a in rest if a.template_id})
        sections[section].append(_claim(text, ids, shown))
    return sections


def _contents(rep: report_pb2.AnalysisReport, told: set[str]) -> list[report_pb2.SummaryClaim]:
    """What the file mostly holds: its most frequent messages not told above, each holding at least
    MIN_CONTENTS_SHARE of the records, until they hold half (at most MAX_CONTENTS_TOLD). A file with nothing to
    report is not left at its overview ("49991 records in 17 templates": a console of 49,975 lines of one query's
    output rows); a file of many small messages has no such claim."""
    ranked = sorted(
        (t for t in rep.templates if t.id not in told and not says_nothing(t.text)),
        key=lambda t: (-t.count, t.first_line),
    )
    picked: list[report_pb2.Template] = []
    for t in ranked:
        if sum(p.count for p in picked) * 2 >= rep.record_count or len(picked) == MAX_CONTENTS_TOLD:
            break
        if t.count < MIN_CONTENTS_SHARE * rep.record_count:
            break
        picked.append(t)
    if not picked or rep.record_count == 0:
        return []
    # (Messages that read alike up to the cut are each quoted from where they part: ``quotes``.)
    parts = [
        f'"{q}" ({t.count}, {t.count / rep.record_count:.0%}, {_where(t)}{_shown(t)})'
        for t, q in zip(picked, quotes([t.text for t in picked]), strict=True)
    ]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    text = f"Most frequent: {listed}."
    return [_claim(text, [t.id for t in picked], sorted({t.first_line for t in picked}))]


def _shown(t: report_pb2.Template) -> str:
    """A template without a word of its own ("<*> <*> <*> <*>": the rows of a table a job printed, tab-separated)
    says nothing by its text: its first record is shown, as written (at its first line, which the claim cites)."""
    if _LETTERS.search(t.text.replace(WILDCARD, " ")) is not None or not t.examples:
        return ""
    first = min(t.examples, key=lambda e: e.line_number)
    return f'; line {first.line_number} reads "{shorten(first.text, SHOWN_CHARS)}"'


def _latest_error_kept(
    claims: list[report_pb2.SummaryClaim], rep: report_pb2.AnalysisReport, by_id: dict[str, report_pb2.Template]
) -> list[report_pb2.SummaryClaim]:
    """The error claims in rank order, except that an error the file ends on takes the section's last place when it
    was ranked below the cap: a CI job's "Process completed with exit code 1" after three errors of the steps
    before it, each as frequent; a service's last error before it died. The file ends on the error that cites its
    latest error record when that record is in the file's last histogram bucket (within one bucket's width of
    the file's last time), or, in a file without times, in its last 64th of lines (the histogram's narrowest)."""
    cap = SECTION_CAPS["errors"]
    if len(claims) <= cap:
        return claims
    latest = max(range(len(claims)), key=lambda i: (max(claims[i].line_numbers, default=0), -i))
    if latest < cap:
        return claims
    t = next((by_id[tid] for tid in claims[latest].template_ids if tid in by_id), None)
    if t is None:
        return claims
    end = rep.time_range.end_time
    if t.HasField("last_time") and rep.time_range.HasField("end_time") and t.histogram.bucket_seconds:
        ends_file = end.ToSeconds() - t.last_time.ToSeconds() < t.histogram.bucket_seconds
    else:
        ends_file = (rep.line_count - max(claims[latest].line_numbers)) * 64 < rep.line_count
    if ends_file:
        claims.insert(cap - 1, claims.pop(latest))
    return claims


def _stop_key(a: report_pb2.Anomaly) -> tuple[str, tuple[int, ...]]:
    return a.template_id, tuple(a.line_numbers)


def _stop_cascades(rep: report_pb2.AnalysisReport) -> dict[tuple[str, tuple[int, ...]], list[report_pb2.Template]]:
    """The errors a stop wrote as it stopped: templates at ERROR or FATAL whose every record stands between the
    first and the last message of one stop (a stop told by two messages or more), keyed by the stop (``_stop_key``).
    PostgreSQL ends every session with "FATAL: terminating connection due to administrator command" between its
    "received fast shutdown request" and "database system is shut down": eight FATAL records ranked above the
    deadlock of the morning, each a consequence of the stop that was asked for. They are told with their stop, not
    as failures of their own. A stop's doing is one error for each thing it ends (each session, each worker):
    written CASCADE_MIN_RECORDS times or more. An error written once there may be why it stopped (Frigate's "No EdgeTPU
    was detected" as its detector restarted), and an exception is news of its own (Spark's driver's "Job aborted"
    thrown as it shut down). (Nor a crash's: what a crash takes down with it is news; nor the stop's own
    message.)"""
    thrown = {eg.template_id for eg in rep.exception_groups}
    out: dict[tuple[str, tuple[int, ...]], list[report_pb2.Template]] = {}
    for a in rep.anomalies:
        if (
            a.kind != report_pb2.ANOMALY_KIND_SHUTDOWN
            or _CRASH_CLAIM.match(a.description)
            or len(set(a.line_numbers)) < 2
        ):
            continue
        lo, hi = min(a.line_numbers), max(a.line_numbers)
        if hi - lo > NEAR_LINES:
            continue  # stop messages far apart (a desktop's session ending service by service) are no one stop's act
        inside = [
            t
            for t in rep.templates
            if t.max_level in _ERROR_LEVELS
            and t.count >= CASCADE_MIN_RECORDS
            and t.id not in thrown
            and t.id != a.template_id
            and lo < t.first_line
            and t.last_line < hi
        ]
        if inside:
            out[_stop_key(a)] = sorted(inside, key=lambda t: t.first_line)
    return out


CASCADE_QUOTED = 2  # messages quoted of the errors a stop wrote as it stopped
CASCADE_MIN_RECORDS = 2  # an error a stop wrote this many times is its doing (one for each thing it ended)


def _cascade_clause(ts: list[report_pb2.Template], quoted: dict[str, str]) -> str:
    """'; as it stopped, 8 records at FATAL (lines 147 to 154): "FATAL: terminating connection ..."': the errors a
    stop wrote (``_stop_cascades``), their count and levels, their first and last lines, their first messages."""
    n = sum(t.count for t in ts)
    levels = "/".join(_level(lv) for lv in sorted({t.max_level for t in ts}, reverse=True))
    lo, hi = min(t.first_line for t in ts), max(t.last_line for t in ts)
    where = f"line {lo}" if lo == hi else f"lines {lo} to {hi}"
    said = ", ".join(f'"{quoted[t.id]}"' for t in ts[:CASCADE_QUOTED])
    more = f" and {len(ts) - CASCADE_QUOTED} more" if len(ts) > CASCADE_QUOTED else ""
    return f"; as it stopped, {_records(n)} at {levels} ({where}): {said}{more}"


def _anomaly_claim(
    a: report_pb2.Anomaly,
    anomalies: Sequence[report_pb2.Anomaly],
    cascades: dict[tuple[str, tuple[int, ...]], list[report_pb2.Template]],
    quoted: dict[str, str],
) -> report_pb2.SummaryClaim:
    """A finding's claim; a silence's cites the templates of the stop and the restart it tells, a restart's the
    template of the stop it tells (``told_with``); a stop told, on its own or so, tells the errors it wrote as it
    stopped (``_stop_cascades``), citing their first and last lines."""
    text = a.description[:1].upper() + a.description[1:]
    ids = [a.template_id] if a.template_id else []
    lines = list(a.line_numbers)
    stops = [a]
    if a.kind in (report_pb2.ANOMALY_KIND_SILENCE, report_pb2.ANOMALY_KIND_RESTART):
        told = told_with(a, anomalies)
        ids += sorted({x.template_id for x in told if x.template_id})
        stops += told
    for stop in stops:
        ts = cascades.get(_stop_key(stop)) if stop.kind == report_pb2.ANOMALY_KIND_SHUTDOWN else None
        if ts:
            text += _cascade_clause(ts, quoted)
            ids += [t.id for t in ts]
            lines += sorted({min(t.first_line for t in ts), max(t.last_line for t in ts)} - set(lines))
    return _claim(text + ".", ids, lines)


def _room(sections: dict[str, list[report_pb2.SummaryClaim]]) -> dict[str, int]:
    """How many claims of each section the summary tells, in MAX_CLAIMS lines: every primary section's first claim,
    then each but the warnings up to its cap, then the exceptions and errors past their caps, then the warnings up
    to theirs, then the secondary sections the same way (first claims, then caps), then more warnings: ten lines
    are not left half empty, and no error goes untold for a warning."""
    taken = dict.fromkeys(SECTION_CAPS, 0)
    total = 0

    def fill(names: tuple[str, ...], most: int | None = None) -> None:
        nonlocal total
        for name in names:
            cap = len(sections[name]) if most is None else min(most, SECTION_CAPS[name], len(sections[name]))
            while taken[name] < cap and total < MAX_CLAIMS:
                taken[name] += 1
                total += 1

    fill(_PRIMARY, 1)  # every primary section's first claim
    # A warning is less than an error: warnings past their first claim come after every error and exception the
    # room holds, so a build's fourth compiler error is not left out for its second warning.
    fill(tuple(name for name in _PRIMARY if name != "warnings"), max(SECTION_CAPS.values()))
    fill(("exceptions", "errors"))
    fill(("warnings",), max(SECTION_CAPS.values()))
    for most in (1, max(SECTION_CAPS.values())):
        fill(_SECONDARY, most)
    fill(("warnings",))
    return taken


def write_summary(rep: report_pb2.AnalysisReport) -> None:
    """Fill ``rep.summary`` from the rest of the report (which must be complete)."""
    if 0 < rep.record_count < SHORT_FILE_RECORDS:
        overview = _overview(rep)
        claims = ([overview] if overview is not None else []) + _short_file(rep)
    else:
        sections = _sections(rep)
        while True:
            taken = _room(sections)
            # An exception told in room left (past its section's cap) whose message an error or warning claim tells
            # too: that claim goes and its room is handed out again (ZooKeeper's "Exception when following the
            # leader", a WARN over an EOFException, was told twice at line 174).
            told = {tid for c in sections["exceptions"][: taken["exceptions"]] for tid in c.template_ids}
            errors = [c for c in sections["errors"] if not told.issuperset(c.template_ids)]
            warnings = [c for c in sections["warnings"] if not told.issuperset(c.template_ids)]
            # A rare message that an error or warning told in room left tells too is not news twice.
            shown = {
                tid
                for name in ("exceptions", "errors", "warnings", "restarts", "stops")
                for c in sections[name][: taken[name]]
                for tid in c.template_ids
            }
            rare = [c for c in sections["rare"] if not shown.issuperset(c.template_ids)]
            if [len(errors), len(warnings), len(rare)] == [len(sections[n]) for n in ("errors", "warnings", "rare")]:
                break
            sections["errors"], sections["warnings"], sections["rare"] = errors, warnings, rare
        claims = [c for name in SECTION_CAPS for c in sections[name][: taken[name]]]
    rep.summary.claims.extend(claims)
    text = " ".join(c.text for c in claims)
    muted = [t for t in rep.templates if t.muted]
    if muted:
        records = sum(t.count for t in muted)
        text += f" Muted for this service and left out: {len(muted)} messages, {_records(records)}."
    q = rep.parse_quality
    if q.truncated_records or q.invalid_utf8_sequences:
        text += (
            f" Input quality: {q.truncated_records} records truncated, "
            f"{q.invalid_utf8_sequences} invalid UTF-8 sequences replaced."
        )
    rep.summary.text = text
