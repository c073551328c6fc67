"""Exceptions carried by joined records: type, message, root cause and top frames, for every language whose
traces the reader joins (Java and other JVM languages, Python, Go, Node.js, .NET, Ruby, Rust, PHP, Elixir and
Erlang).

A record's physical lines are separated by ``JOIN``. The *outermost* exception is the one the program
reported; the *root cause* is where the failure began: the last ``Caused by:`` (JVM), the last ``--->``
inner exception (.NET), the first traceback of a chain (Python prints the original exception first), the
signal of a Go panic. Groups are keyed on the root cause's type and its top frames, so the same failure
reached from two code paths is two groups and the same failure twice is one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from .levels import level_from_word
from .records import JOIN, SOURCE_FILE_LINE, TRACEBACK_BANNER

MAX_FRAMES = 3
MESSAGE_CHARS = 300
MESSAGE_LINES = 10  # lines an exception's message may go on over before its frames

# A class-like name: dotted identifiers ("java.io.IOException", "AirflowTaskTimeout", "System.IO.IOException").
# Only "." separates the parts, so a run of "$" or letters can be matched one way only (no backtracking).
_NAME = r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*"
# "Type: message" or "Type" alone at the start of a line (after an optional "Caused by: " / "Suppressed: ").
# .NET writes an exception's HRESULT or error code between its type and its message ("Npgsql.NpgsqlException
# (0x80004005): Failed to connect", " ---> System.Net.Sockets.SocketException (111): Connection refused").
_ERROR_CODE = r"(?: \((?:0x[0-9A-Fa-f]+|-?\d+)\))?"
_EXC_LINE = re.compile(rf"(?:Caused by: |Suppressed: |Causing: )?({_NAME}){_ERROR_CODE}(?::\s?(.*)|\s*$)", re.DOTALL)
# Inside a log message: the last qualified or conventionally named type followed by ": " or the end.
_EXC_IN_TEXT = re.compile(
    r"(?<![\w.$])((?:[A-Za-z_$][\w$]*\.)+[A-Z][\w$]*|[A-Z][\w$]*(?:Exception|Error|Throwable|Fault|Timeout"
    r"|Interrupt|Exit|Failure))" + _ERROR_CODE + r"(?::\s(.*)|$)"
)
# The names in a log message each followed by ": " or the end, where they start (``_named_in_text``).
_NAME_IN_TEXT = re.compile(
    r"(?<![\w.$])(?:(?:[A-Za-z_$][\w$]*\.)+[A-Z][\w$]*|[A-Z][\w$]*(?:Exception|Error|Throwable|Fault|Timeout|Interrupt"
    r"|Exit|Failure))(?=" + _ERROR_CODE + r"(?::\s|$))"
)


def _named_in_text(line: str) -> re.Match[str] | None:
    """The type a logged message names (``_EXC_IN_TEXT``): the first name that is named as a type (``named_as_type``)
    where the message holds one, else its first name. A logger's dotted name before its message is no type (Hive's
    "metastore.RetryingHMSHandler: Retrying HMSHandler ... with error: javax.jdo.JDODataStoreException: ...": 16
    records were an exception group of the logger's name)."""
    first = None
    for m in _NAME_IN_TEXT.finditer(line):
        if first is None:
            first = m
        if named_as_type(m.group()):
            return _EXC_IN_TEXT.match(line, m.start())
    return _EXC_IN_TEXT.match(line, first.start()) if first is not None else None


# Java, .NET, Node "at fn (", Android's runtime with the method's return type first ("at void a.B.run() (B.java:9)").
# (V8 writes a method called under another name with the name it was called by: "at Socket.emit [as onread] (...)".)
_JVM_FRAME = re.compile(
    r"[ \t]+at (?:async )?(?:[\w$.<>\[\]]+ (?=[\w$.<>]+\())?([\w$.<>/`\[\]]+?)(?: \[as [\w$.<>]+\])?(?: \(|\()"
)
_NODE_BARE_FRAME = re.compile(r"[ \t]+at (\S+)$")  # Node "at /app/x.js:1:2" (line and column cut in Python)
_LOCATION_FRAME = re.compile(SOURCE_FILE_LINE)  # a frame that is its file and line alone
_PY_FRAME = re.compile(r'[ \t]+File "([^"]+)", line \d+, in (\S+)')
_RUBY_FRAME = re.compile(r"[ \t]*(?:from )?([^\s:]+\.rb):\d+:in [`'](?:[\w:]+[#.])?([^'`]+)'")
_RUBY_HEAD = re.compile(r"(?<![^\s:])([^\s:]+\.rb):\d+:in [`'][^'`]+': (.*) \((" + _NAME + r")\)$")
_GO_FUNC = re.compile(r"([\w./*()\[\]-]+?)\((?:[^()]*)\)$")
_GO_SIGNAL = re.compile(r"\[signal ([A-Z]+)")
# Rust: "thread 'main' panicked at src/main.rs:10:5:" and the message on the next line (Rust 1.73 on), or
# "thread 'main' panicked at 'message', src/main.rs:10:5" (before); backtrace frames "   3: app::worker::run".
_RUST_PANIC = re.compile(r"thread '([^']*)' panicked at (?:'(.*)', )?(\S+?:\d+):\d+:?$")
_RUST_FRAME = re.compile(r" *\d+: (\S+)$")
_RUST_RUNTIME = ("std::", "core::", "alloc::", "rust_begin_unwind", "__rust", "<")
# PHP: "PHP Fatal error:  Uncaught RuntimeException: message in /x.php:88", frames "#0 /x.php(41): Pay->charge()".
# A PHP class name is qualified by its namespaces with backslashes ("Illuminate\Database\QueryException"), each
# doubled where the name stands in a JSON string.
_PHP_NAME = r"(?:\\{1,2})?[A-Za-z_]\w*(?:\\{1,2}[A-Za-z_]\w*)*"
_PHP_UNCAUGHT = re.compile(rf"Uncaught ({_PHP_NAME})(?:: (.*?))? in (\S+?):\d+(?:$| Stack trace)")
# An exception in a record's context as PHP's common logging library (Monolog) writes it, whatever the framework:
# "[object] (Illuminate\Database\QueryException(code: 2002): message at /x.php:760)", then "[stacktrace]" and the
# "#0 ..." frames.
_PHP_LOGGED = re.compile(rf"\[object\] \(({_PHP_NAME})\(code: -?\w+\): (.*?) at (\S+?):\d+\)")
_PHP_FRAME = re.compile(r"#\d+ (?:\S+\(\d+\)|\[internal function\]): (.+?)(?:\(.*\))?$")
# Elixir and Erlang: "** (RuntimeError) message", frames "    (my_app 0.1.0) lib/x.ex:10: MyApp.Cache.get/1".
_BEAM_RAISE = re.compile(rf"\*\* \(({_NAME})\) ?(.*)")
_BEAM_FRAME = re.compile(r"\s+\([\w]+(?: [\w.\-]+)?\) \S+: (\S+)")
_PY_CHAIN = ("During handling of the above exception", "The above exception was the direct cause")


@dataclass(frozen=True, slots=True)
class ExceptionInfo:
    """The outermost exception, its root cause, and the root cause's top frames (innermost first)."""

    type: str
    message: str
    root_type: str
    root_message: str
    frames: tuple[str, ...]


def _cut_line_column(location: str) -> str:
    """``/app/x.js:1:2`` -> ``/app/x.js``: trailing ``:digits`` parts cut in one backward scan (a regex anchored at
    the end is retried from every start: quadratic on a long run of them)."""
    end = len(location)
    while True:
        colon = location.rfind(":", 0, end)
        if colon < 0 or colon + 1 == end or not location[colon + 1 : end].isdigit():
            return location[:end]
        end = colon


def _base_name(path: str) -> str:
    """The file name of a frame's path, POSIX or Windows: frames compare across machines and checkouts."""
    return path.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]


# (Not "'": an apostrophe in a word ("can't") would leave a closing single quote unbalanced.) A structure closes with a
# few marks: at most MAX_CLOSING_MARKS are taken off.
MAX_CLOSING_MARKS = 8
_CLOSERS = {'"': '"', "}": "{", "]": "[", ")": "("}


def _clip(text: str) -> str:
    """A message, stripped and cut to MESSAGE_CHARS; the quotes and brackets it ends on that close nothing it
    opened taken off: the end of the structure a logger quoted the exception in (WildFly's failure description,
    '... => "java.lang.ClassNotFoundException: com.example.Missing"}}'), not the exception's words."""
    text = text.strip()
    if not text or text[-1] not in _CLOSERS:
        return text[:MESSAGE_CHARS]
    counts = {c: text.count(c) for c in '"{}[]()'}  # counted once: a record's message may be long
    end = len(text)
    for _ in range(MAX_CLOSING_MARKS):
        opener = _CLOSERS.get(text[end - 1]) if end else None
        if opener is None:
            break
        closer = text[end - 1]
        unbalanced = counts[closer] % 2 == 1 if opener == closer else counts[closer] > counts[opener]
        if not unbalanced:
            break
        counts[closer] -= 1
        end = len(text[: end - 1].rstrip())
    return text[: min(end, MESSAGE_CHARS)]


def _python(lines: list[str]) -> ExceptionInfo | None:
    """Tracebacks: each ``Traceback`` block ends on its exception line; a chain prints the cause first.

    The root cause is reached through the chain's links from the last exception: "The above exception was the direct
    cause" (``raise ... from``) is a cause, and so is "During handling of the above exception" for the exception that
    was being handled where the last one was raised (a handler that translates one failure into another). An
    exception handled before that one is its context, not a cause: in "KeyError (a cache miss), during its handling
    OperationalError (the database refused), during that CatalogUnavailable", the database's failure is the root, the
    cache miss only what the code was doing when it came."""
    blocks: list[tuple[str, str, tuple[str, ...]]] = []
    handled: list[bool] = []  # per block after the first: whether it came "during handling" of the one before
    frames: list[str] = []
    inside = False
    for line in lines:
        if line.startswith(TRACEBACK_BANNER):
            inside, frames = True, []
            if len(handled) < len(blocks):
                handled.append(False)
            continue
        if not inside:
            if blocks and len(handled) < len(blocks) and line.startswith(_PY_CHAIN[0]):
                handled.append(True)
            continue
        if line.startswith("> File "):
            line = line[1:]  # the frame that caught it, marked (loguru's "backtrace" layout): a frame as any other
        m = _PY_FRAME.match(line)
        if m is not None:
            frames.append(f"{_base_name(m.group(1))}:{m.group(2)}")
            continue
        if line[:1] in (" ", "\t") or not line.strip():
            continue
        e = _EXC_LINE.match(line)
        if e is None:
            continue  # a line of the trace that names no exception (Twisted's "--- <exception caught here> ---")
        blocks.append((e.group(1), _clip(e.group(2) or ""), tuple(reversed(frames[-MAX_FRAMES:]))))
        inside = False
    if not blocks and inside and frames:
        # Frames and no exception line under them: the exception was named before the banner (AWS Lambda's Python
        # runtime writes "[ERROR] KeyError: 'shipping_address'", then the traceback, and no last line).
        banner = next(i for i, line in enumerate(lines) if line.startswith(TRACEBACK_BANNER))
        named = next((m for line in lines[:banner] if (m := _named_in_text(line)) is not None), None)
        if named is not None and named_as_type(named.group(1)):
            msg = _clip(named.group(2) or "")
            return ExceptionInfo(named.group(1), msg, named.group(1), msg, tuple(reversed(frames[-MAX_FRAMES:])))
    if not blocks:
        return None
    handled += [False] * (len(blocks) - 1 - len(handled))
    k = len(blocks) - 1
    if k and handled[k - 1]:
        k -= 1  # the exception being handled where the last one was raised
    while k and not handled[k - 1]:
        k -= 1
    outer, root = blocks[-1], blocks[k]
    return ExceptionInfo(outer[0], outer[1], root[0], root[1], root[2])


def _bannerless_python(lines: list[str]) -> ExceptionInfo | None:
    """Python frames under exceptions a framework prints without the traceback's banner, each exception flush left
    before its frames, the outer one first (Dagster's "dagster._core.errors.SensorExecutionError: ...", "Stack
    Trace:", its frames, "The above exception was caused by the following exception:", "botocore.exceptions.
    ClientError: ...", its frames): the first is the exception, the last the root cause, its frames its top ones."""
    typed: list[tuple[str, str, int]] = []
    for i, line in enumerate(lines):
        if line[:1] in (" ", "\t", ""):
            continue
        e = _EXC_LINE.match(line)
        if e is not None and e.group(2) is not None and "." in e.group(1) and named_as_type(e.group(1)):
            typed.append((e.group(1), _clip(e.group(2)), i))
    if not typed:
        return None
    frames = [
        f"{_base_name(m.group(1))}:{m.group(2)}" for line in lines[typed[-1][2] + 1 :] if (m := _PY_FRAME.match(line))
    ]
    outer, root = typed[0], typed[-1]
    return ExceptionInfo(outer[0], outer[1], root[0], root[1], tuple(reversed(frames[-MAX_FRAMES:])))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


# A type's name and its colon right before a record's message (the end of the text searched): "... [error] Error: ".
_NAME_BEFORE = re.compile(rf"(?<![\w$.])({_NAME}): ?$")
MAX_NAME_BEFORE = 256  # how far before the message such a name is looked for
_JS_BASE_CLASS = "Error"  # JavaScript's base class: a type under frames although its name is a severity word
# A message's first words, a source's tag closed by a colon at most before them, that name JavaScript's base class or a
# type and a colon after it ("z2m: Error: Error while opening serialport ..."): the exception its frames are of.
_NAME_OPENING = re.compile(rf"^(?:[\w.:/@-]+: )?((?:{_JS_BASE_CLASS}|[A-Z][\w$]*(?:Error|Exception))(?=: ))")


def _jvm(lines: list[str], head: str, message: str = "") -> ExceptionInfo | None:
    """JVM (``at`` frames, ``Caused by:``), .NET (``--->`` inner exceptions) and Node.js traces. A trace's
    exception is the line its frames are indented under (at the margin, or indented itself where the logger
    indents the whole record: .NET's console logger)."""
    chain: list[tuple[str, str, int]] = []  # (type, message, index of its line)
    above, continued = _exceptions_above_frames(lines)
    for i, line in enumerate(lines):
        text = line.lstrip(" \t")  # a chain's lines may be indented (WildFly's failure description)
        if i in continued and not text.startswith("---> "):
            # A line of an exception's message, not an exception of its own; .NET's inner exception on a line of its
            # own (" ---> System.Net.Sockets.SocketException (111): Connection refused") is the chain's next.
            continue
        if (
            i == 0
            or i in above
            or text.startswith(("Caused by: ", "Suppressed: ", "Causing: "))
            or (i + 1 < len(lines) and _JVM_FRAME.match(lines[i + 1]) and _indent(line) < _indent(lines[i + 1]))
        ):
            if text.startswith("Suppressed: "):
                continue
            e = _EXC_LINE.match(_past_tag(line.lstrip())) if i else None
            if e is not None and e.group(2) and level_from_word(e.group(1)) is not None:
                # A level word that opens the line is the level of what follows, not a type, where what follows
                # names one (tinylog's "ERROR: Failed to forward batch: org.apache.kafka...TimeoutException: ...").
                t = _named_in_text(e.group(2))
                if t is not None and named_as_type(t.group(1)):
                    e = None
            if e is not None and (i > 0 and ("." in e.group(1) or e.group(2) is not None)):
                chain.append((e.group(1), _clip(e.group(2) or ""), i))
            else:
                t = _named_in_text(line)
                if t is not None:
                    chain.append((t.group(1), _clip(t.group(2) or ""), i))
                elif i == 0 and len(lines) > 1 and _frame_follows(lines, 0):
                    # The frames prove the record's first line is a throwable: "Error: connect ECONNREFUSED" is
                    # JavaScript's base class, a type although its name is a severity word. Under a header, the name
                    # stands just before the message, where reading the level took it as one ("... [error] Error:
                    # spawn /usr/bin/x EACCES", the message "spawn /usr/bin/x EACCES").
                    e = _EXC_LINE.match(line)
                    if e is None and message and (at := line.rfind(message)) > 0:
                        # (Named as a type, or JavaScript's base class: a tag before the message is none, logcat's
                        # "E AndroidRuntime: \tat ...".)
                        e = _NAME_BEFORE.search(line, max(0, at - MAX_NAME_BEFORE), at)
                        if e is not None and (named_as_type(e.group(1)) or e.group(1) == _JS_BASE_CLASS):
                            e = _EXC_LINE.match(line, e.start(1))
                        else:
                            # (Or the message, past the source's tag, opens with one: Zigbee2MQTT's "error: \tz2m:
                            # Error: Error while opening serialport ...".)
                            e = _NAME_OPENING.search(message)
                            e = _EXC_LINE.match(message, e.start(1)) if e is not None else None
                    if e is not None and e.group(2) is not None:
                        chain.append((e.group(1), _clip(e.group(2)), 0))
    if (
        len(chain) > 1
        and chain[0][2] == 0
        and (
            not named_as_type(chain[0][0])
            or (
                chain[0][0] in lines[chain[1][2]]
                and not lines[chain[1][2]].lstrip(" \t").startswith(("Caused by: ", "---> ", "Suppressed: "))
            )
        )
    ):
        # A record's first line names its logger, not an exception, where an exception's own line stands below it
        # ("Emby.Server.Implementations.Library.LibraryManager: Error creating image ...", then
        # "System.IO.IOException: No space left on device" and its frames). A type the logged message names that the
        # trace's own first line below it names too is what the message quotes of it (Jitsi's "Failed to connect/
        # login: ... exception: java.net.ConnectException: Connection refused" over "...SmackException$Endpoint
        # ConnectionException: ... exception: java.net.ConnectException: Connection refused" and its frames: the
        # exception thrown is the trace's). Spring's "threw exception [...: X: ...] with root cause" over another
        # type's trace stays: X was thrown, the trace is its root cause's.
        chain = chain[1:]
    if not chain:
        return None
    if any(lines[i].lstrip(" \t").startswith("Causing: ") for _t, _m, i in chain):
        # The root cause first, each exception it caused after it ("Causing: ..."): logback's root-cause-first
        # throwable converter, Dropwizard's default. The last one is the exception thrown.
        chain.reverse()
    outer = chain[0]
    # A repeated first line (the log message, then the trace's own first line) is one exception.
    root = chain[-1]
    inner = root[1].rsplit(" ---> ", 1)
    root_type, root_msg = root[0], root[1]
    if len(inner) == 2:
        t = _EXC_LINE.match(inner[1])
        if t is not None:
            root_type, root_msg = t.group(1), _clip(t.group(2) or "")
    frames: list[str] = []
    for line in lines[root[2] + 1 :]:
        if line.lstrip(" \t").startswith(("Caused by: ", "Causing: ")):
            break
        m = _JVM_FRAME.match(line)
        if m is not None:
            frames.append(m.group(1))
        elif (bare := _NODE_BARE_FRAME.match(line)) is not None:
            frames.append(_cut_line_column(bare.group(1).rstrip(")")))
        if len(frames) == MAX_FRAMES:
            break
    if not frames:  # "... N more": the cause's frames are the enclosing trace's
        for line in lines:
            m = _JVM_FRAME.match(line)
            if m is not None:
                frames.append(m.group(1))
                if len(frames) == MAX_FRAMES:
                    break
    return ExceptionInfo(outer[0], outer[1], root_type, root_msg, tuple(frames))


def _frame_follows(lines: list[str], i: int) -> bool:
    """Whether the line after ``lines[i]`` is a frame (``at fn (file:1:2)`` or Node's bare ``at /app/x.js:1:2``)."""
    nxt = lines[i + 1]
    return _JVM_FRAME.match(nxt) is not None or _NODE_BARE_FRAME.match(nxt) is not None


# A tag in brackets before an exception's line (Sonarr's NLog layout writes its version: "[v4.0.2.1183] System.Net.
# Http.HttpRequestException: Connection refused"): the exception's line goes on after it.
_TAG_BEFORE = re.compile(r"\[[^\]\s]{1,40}\] (?=[A-Za-z_$])")


def _past_tag(text: str) -> str:
    """``text`` past a tag in brackets that opens it (``_TAG_BEFORE``)."""
    m = _TAG_BEFORE.match(text) if text[:1] == "[" else None
    return text[m.end() :] if m is not None else text


def _exceptions_above_frames(lines: list[str]) -> tuple[set[int], set[int]]:
    """Lines that open a trace although its frames do not follow them at once: an exception whose message goes on
    over more lines ("org.postgresql.util.PSQLException: ERROR: deadlock detected", then "  Detail: Process 4242
    waits for ShareLock ...", then the frames). Above a run of frames whose line before is no exception of a
    named type, the nearest line within MESSAGE_LINES that opens with one ("Type: message", the type qualified or
    named like one) is the exception; the lines between are its message's (the second set)."""
    out: set[int] = set()
    continued: set[int] = set()
    for f in range(2, len(lines)):
        if _JVM_FRAME.match(lines[f]) is None or _JVM_FRAME.match(lines[f - 1]) is not None:
            continue
        for j in range(f - 1, max(0, f - 1 - MESSAGE_LINES), -1):
            line = lines[j]
            if _JVM_FRAME.match(line) is not None or line.startswith(("Caused by: ", "Suppressed: ")):
                break
            e = _EXC_LINE.match(_past_tag(line.lstrip()))
            if e is not None and e.group(2) is not None and _typed(e.group(1)):
                if j < f - 1:
                    out.add(j)
                    continued.update(range(j + 1, f))
                break
    return out, continued


def _go(lines: list[str], head: str, logged: str = "") -> ExceptionInfo | None:
    """A Go panic: ``panic: message``, an optional ``[signal SIGSEGV ...]`` and goroutine stacks. A panic
    recovered and logged by a library has no ``panic: `` line: its message is the record's logged message
    (``logged``, the message of the record's first line)."""
    message = ""
    for line in lines:
        at = line.find("panic: ")
        if at >= 0:
            message = _clip(line[at + len("panic: ") :])
            break
    if not message and "panic" in head:
        message = _clip(logged.split(JOIN, 1)[0])
    signal = next((m.group(1) for m in map(_GO_SIGNAL.match, lines) if m is not None), None)
    frames: list[str] = []
    in_first = False
    for line in lines:
        if line.startswith("goroutine "):
            if in_first:
                break
            in_first = True
            continue
        if not in_first or line.startswith("\t"):
            continue
        m = _GO_FUNC.match(line)
        if m is not None:
            fn = m.group(1)
            if fn == "panic" or fn.startswith("runtime."):
                continue
            frames.append(fn)
            if len(frames) == MAX_FRAMES:
                break
    if not message and "panic" not in head:
        return None
    return ExceptionInfo("panic", message, signal or "panic", message, tuple(frames))


def _first_frames(lines: list[str], frame: re.Pattern[str], keep: Callable[[str], bool]) -> tuple[str, ...]:
    """The first MAX_FRAMES frames (``frame``'s first group) of ``lines`` that ``keep`` keeps."""
    frames: list[str] = []
    for line in lines:
        f = frame.match(line)
        if f is not None and keep(f.group(1)):
            frames.append(f.group(1))
            if len(frames) == MAX_FRAMES:
                break
    return tuple(frames)


def _rust(lines: list[str], i: int, m: re.Match[str]) -> ExceptionInfo:
    """A Rust panic (``_RUST_PANIC`` at line ``i``): its message (in the line, or the line after it), and the first
    frames of its backtrace that are the program's (the standard library's panic machinery left out); without a
    backtrace (the default), where it panicked ("src/ledger.rs:214"): two panics of one file are two failures."""
    message = m.group(2) if m.group(2) is not None else (lines[i + 1] if i + 1 < len(lines) else "")
    frames = _first_frames(lines[i + 1 :], _RUST_FRAME, lambda name: not name.startswith(_RUST_RUNTIME))
    return ExceptionInfo("panic", _clip(message), "panic", _clip(message), frames or (m.group(3),))


def _php(lines: list[str], i: int, m: re.Match[str]) -> ExceptionInfo:
    """A PHP exception (``_PHP_UNCAUGHT`` or ``_PHP_LOGGED`` in line ``i``) and the calls of its "#0 ..." stack
    trace."""
    frames = _first_frames(lines[i + 1 :], _PHP_FRAME, lambda name: name != "{main}")
    message = _clip(m.group(2) or "")
    name = m.group(1).replace("\\\\", "\\")  # the name as PHP writes it, not as JSON escapes it
    return ExceptionInfo(name, message, name, message, frames)


def _beam(lines: list[str], i: int, m: re.Match[str]) -> ExceptionInfo:
    """An Elixir or Erlang exception (``** (RuntimeError) message``) and the functions of its stacktrace."""
    frames = _first_frames(lines[i + 1 :], _BEAM_FRAME, lambda name: True)
    message = _clip(m.group(2))
    return ExceptionInfo(m.group(1), message, m.group(1), message, frames)


def _other_runtimes(lines: list[str]) -> ExceptionInfo | None:
    """A Rust panic, a PHP uncaught exception or an Elixir/Erlang raise in a record's lines (the first found)."""
    for i, line in enumerate(lines):
        if "panicked at " in line and (m := _RUST_PANIC.search(line)) is not None:
            return _rust(lines, i, m)
        if "Uncaught " in line and (m := _PHP_UNCAUGHT.search(line)) is not None:
            return _php(lines, i, m)
        if "[object] (" in line and (m := _PHP_LOGGED.search(line)) is not None:
            return _php(lines, i, m)
        if line.startswith("** (") and (m := _BEAM_RAISE.match(line)) is not None:
            return _beam(lines, i, m)
        if "terminate called after" in line and (m := _CXX_TERMINATE.search(line)) is not None:
            after = lines[i + 1].strip() if i + 1 < len(lines) else ""
            msg = _clip(after.removeprefix("what():")) if after.startswith("what():") else ""
            return ExceptionInfo(m.group(1), msg, m.group(1), msg, ())
    return None


# C++'s runtime (libstdc++'s verbose terminate handler) on an exception nothing caught: "terminate called after
# throwing an instance of 'std::out_of_range'", then "  what():  vector::_M_range_check: ..." (the exception's
# what()), and the process aborts.
_CXX_TERMINATE = re.compile(r"terminate called after throwing an instance of '([^'\s]{1,200})'")


def _ruby(lines: list[str], message: str = "") -> ExceptionInfo | None:
    """Ruby: ``file.rb:1:in 'm': message (Type)`` then ``from file.rb:2:in 'n'`` lines; or, as a logger writes a
    rescued error, ``Type: message`` (a class's constant path: "Net::ReadTimeout: Net::ReadTimeout with ...") or
    ``message (Type)`` (the standard library's Logger given the exception itself: "Net::ReadTimeout with
    #<TCPSocket:(closed)> (Net::ReadTimeout)") then its backtrace's ``file.rb:2:in 'n'`` lines."""
    for i, line in enumerate(lines):
        m = _RUBY_HEAD.search(line)
        if m is not None:
            frames = [_base_name(m.group(1)), *_ruby_frames(lines[i + 1 :], MAX_FRAMES - 1)]
            return ExceptionInfo(m.group(3), _clip(m.group(2)), m.group(3), _clip(m.group(2)), tuple(frames))
    for t in _RUBY_TYPED.finditer(lines[0]):
        if "::" in t.group(1) or _typed(t.group(1)):
            msg = _clip(lines[0][t.end() + 1 :])
            return ExceptionInfo(t.group(1), msg, t.group(1), msg, tuple(_ruby_frames(lines[1:], MAX_FRAMES)))
    for t in _RUBY_DASHED.finditer(lines[0]):
        # Sinatra's (and Rack's) report of an error it rescued: "<time> - NoMethodError - undefined method `fetch'
        # for nil:NilClass:" over its backtrace's tab-indented lines.
        if named_as_type(t.group(1)):
            msg = _clip(lines[0][t.end() :].rstrip().removesuffix(":"))
            return ExceptionInfo(t.group(1), msg, t.group(1), msg, tuple(_ruby_frames(lines[1:], MAX_FRAMES)))
    first = (message or lines[0]).split(JOIN, 1)[0].rstrip()
    rails = _RAILS_HEAD.fullmatch(first)
    if rails is not None and ("::" in rails.group(1) or _typed(rails.group(1))):
        # Rails' report of the error a request raised: "Redis::CannotConnectError (Error connecting to Redis on
        # localhost:6379 (Errno::ECONNREFUSED)):" over its backtrace.
        msg = _clip(rails.group(2))
        return ExceptionInfo(rails.group(1), msg, rails.group(1), msg, tuple(_ruby_frames(lines[1:], MAX_FRAMES)))
    cut = first.rfind(" (") if first.endswith(")") else -1
    name = first[cut + 2 : -1]
    if cut > 0 and _RUBY_CLASS.fullmatch(name) is not None and ("::" in name or _typed(name)):
        msg = _clip(first[:cut].strip())
        return ExceptionInfo(name, msg, name, msg, tuple(_ruby_frames(lines[1:], MAX_FRAMES)))
    return None


# The type, then the message in brackets (a colon after them, or none), as Rails reports a request's error.
_RAILS_HEAD = re.compile(r"((?:[A-Z]\w*::)*[A-Z]\w*) \((.*)\):?")
# A Ruby class's constant path with a message after it, where a logged error opens ("Net::ReadTimeout: ...").
_RUBY_TYPED = re.compile(r"(?<!\S)((?:[A-Z]\w*::)*[A-Z]\w*):(?= \S)")
# The same between dashes ("<time> - NoMethodError - undefined method ...:").
_RUBY_DASHED = re.compile(r"(?<!\S)((?:[A-Z]\w*::)*[A-Z]\w*) - (?=\S)")
# A class's constant path (Logger's "message (Type)" puts one in parentheses after the message).
_RUBY_CLASS = re.compile(r"(?:[A-Z]\w*::)*[A-Z]\w*")


def _ruby_frames(lines: list[str], most: int) -> list[str]:
    """The "file:method" of each Ruby frame among ``lines``, ``most`` at most."""
    frames: list[str] = []
    for rest in lines:
        f = _RUBY_FRAME.match(rest)
        if f is not None:
            frames.append(f"{_base_name(f.group(1))}:{f.group(2)}")
            if len(frames) == most:
                break
    return frames


_CONVENTIONAL = re.compile(r"(?:Exception|Error|Throwable|Fault|Timeout|Interrupt|Failure)$")
# A conventional ending that is a type's whole name: the root classes ("Exception: boom", Python's base class). The
# other endings alone are words ("Interrupt: exiting cleanly.", "Timeout: 30s"), a type only after a word of its own
# ("KeyboardInterrupt", "ReadTimeout").
_ROOT_TYPES = frozenset({"Exception", "Throwable"})


def _conventional(last: str) -> bool:
    m = _CONVENTIONAL.search(last)
    return m is not None and (m.start() > 0 or last in _ROOT_TYPES)


def named_as_type(name: str) -> bool:
    """A name that only an exception's type has: its last part capitalised and with a conventional ending
    ("java.io.IOException", "Net::ReadTimeout", "TimeoutError"); a logger's or a module's name has none."""
    last = name.rsplit(".", 1)[-1].rsplit("::", 1)[-1]
    return last[:1].isupper() and _conventional(last)


def _typed(name: str) -> bool:
    """A name in the exception position that is a type: named like one ("TimeoutError", "System.IO.IOException"), or
    a class in a lower-case package ("android.util.Log$TerribleFailure"). A severity word is the message's level,
    not a type ("Error: must be run on an X11 session"), nor a name that ends in one in capitals (Monolog's channel
    and level: "production.INFO: User 5 logged in"); a capitalised dotted name without such an ending is a logger or
    a tag ("Logging.Events: Non-call EVENT")."""
    last = name.rsplit(".", 1)[-1]
    if not last[:1].isupper() or (("." not in name or last.isupper()) and level_from_word(last) is not None):
        return False
    return _conventional(last) or ("." in name and name[:1].islower())


def exception_of(record: str, message: str = "") -> ExceptionInfo | None:
    """The exception a record carries, if any. A one-line record qualifies when its message is a Go panic or
    opens with a type ("java.lang.OutOfMemoryError: Java heap space", "TimeoutError: ...")."""
    lines = record.split(JOIN)
    head = lines[0]
    if len(lines) > 1 and all(line.startswith(_TRACE_MARK) for line in lines[1:]):
        # A mark before each line of the trace (Dropwizard's "! java.lang.NullPointerException: ...", "! at ..."):
        # the trace as the runtime printed it.
        lines = [head, *(_unmarked(line) for line in lines[1:])]
    if len(lines) > 1:
        if any(line.startswith(TRACEBACK_BANNER) for line in lines):
            return _python(lines)
        if head.endswith(TRACEBACK_BANNER):  # the banner under a header a logger wrote before each line (the journal's)
            return _python([TRACEBACK_BANNER, *lines[1:]])
        if (indented := _indented_traceback(lines)) is not None:
            return _python(indented)
        if any(line.startswith("goroutine ") for line in lines) or head.startswith("panic: "):
            return _go(lines, head, message)
        if any(_RUBY_FRAME.match(line) and ".rb:" in line for line in lines[1:3]):
            got = _ruby(lines, message)
            if got is not None:
                return got
        if any(_JVM_FRAME.match(line) or _caused_by(line) for line in lines[1:]):
            return _jvm(lines, head, message)
        if any(_PY_FRAME.match(line) for line in lines[1:]) and (got := _bannerless_python(lines)) is not None:
            return got
        if _LOCATION_FRAME.match(lines[-1]) and all(not line or _LOCATION_FRAME.fullmatch(line) for line in lines[1:]):
            # A trace of source locations alone under the exception's line (PHPUnit's, a blank line between):
            # the exception, its frames the files (innermost first, as printed).
            one = exception_of(head, message)
            if one is not None:
                frames = [_base_name(_cut_line_column(line)) for line in lines[1:] if line]
                return ExceptionInfo(one.type, one.message, one.root_type, one.root_message, tuple(frames[:MAX_FRAMES]))
        return _other_runtimes(lines)
    text = message or head
    if ("panicked at " in text or "Uncaught " in text) and (other := _other_runtimes([text])) is not None:
        return other
    if text.startswith("panic: "):
        return _go(lines, head)
    m = _EXC_LINE.match(text)
    # Alone on its line, no frame under it, a name is a type only where it is named as one: a class in a lower-case
    # package is as often a logger's name (Dropwizard's "%c: %m": "com.example.orders.resources.OrdersResource:
    # Order 18269 status=SHIPPED" was an exception group of 41).
    if m is None or m.group(2) is None or not _typed(m.group(1)) or not named_as_type(m.group(1)):
        return None
    msg = _clip(m.group(2))
    return ExceptionInfo(m.group(1), msg, m.group(1), msg, ())


_TRACE_MARK = "! "


def _unmarked(line: str) -> str:
    """A trace's line past its mark (``_TRACE_MARK``): a frame indented as the runtime indents it."""
    rest = line[len(_TRACE_MARK) :]
    return "\t" + rest if rest.startswith("at ") else rest


def _caused_by(line: str) -> bool:
    """A JVM chain's "Caused by: <type>: message" line, at the margin or indented, naming a type: the cause of an
    exception whose frames were left out (WildFly's failure description quotes the chain without them)."""
    text = line.lstrip(" \t")
    if not text.startswith("Caused by: "):
        return False
    e = _EXC_LINE.match(text)
    return e is not None and e.group(2) is not None and _typed(e.group(1))


def _indented_traceback(lines: list[str]) -> list[str] | None:
    """A Python traceback its logger indented as a whole under the record's first line (Twisted's "Unhandled Error"
    and a tab before each line of the trace): its lines from the banner on, the banner's indentation taken off each,
    where every one of them but the blank lines of a chain has it; None for any other record."""
    at = next((i for i, line in enumerate(lines) if line.lstrip().startswith(TRACEBACK_BANNER)), -1)
    if at < 1:
        return None
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    if not indent or not all(line.startswith(indent) or not line.strip() for line in lines[at:]):
        return None
    return [line[len(indent) :] for line in lines[at:]]


_FRAMES = (_JVM_FRAME, _NODE_BARE_FRAME, _PY_FRAME, _RUBY_FRAME)


def is_frame_line(line: str) -> bool:
    """Whether a line (with its indentation) is one frame of a stack trace: "    at Shop.Orders.Get()", '  File
    "x.py", line 3, in f'."""
    return any(rx.match(line) for rx in _FRAMES)


def is_frame_template(text: str) -> bool:
    """Whether a template is one frame of a stack trace ("at com.example.<*>(<*>:<*>)", "at <*>", 'File "<*>", line
    <*>, in <*>'): a log that writes each line of a trace as a record of its own (logcat) makes a template of its
    frames. A frame is part of the exception its trace reports, not a message of its own. Placeholders read as
    "1" (a name, a file, a line number all may be one)."""
    line = " " + text.replace("<*>", "1")
    return any(rx.match(line) for rx in _FRAMES)


def fingerprint(info: ExceptionInfo, template_id: str) -> str:
    """A stable id for an exception group: the root cause's type and top frames (the template only when
    there are no frames to tell code paths apart)."""
    parts = (info.root_type, *info.frames) if info.frames else (info.root_type, template_id)
    return "x" + hashlib.blake2b("\n".join(parts).encode("utf-8"), digest_size=6).hexdigest()
