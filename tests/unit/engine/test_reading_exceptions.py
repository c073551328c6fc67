"""Which one-line messages carry an exception type. Synthetic lines written for these tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.exceptions import exception_of
from loglens_analysis.engine.records import JOIN

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "message",
    [
        "Error: the daemon must be run on a desktop session. Stopping...",  # a severity word, not a type
        "Warning: loader could not open a file",
        "Fatal: no config",
        "Audit.Events: user EVENT: LOGIN, entering state idle",  # a capitalised logger or tag
        "Queue.Worker: job 7 done",
        "Interrupt: exiting cleanly.",  # a conventional ending alone is a word (Tor's clean stop)
        "Timeout: 30s",
        # A class in a lower-case package alone on its line is a logger's name (Dropwizard's "%c: %m").
        "com.example.orders.resources.OrdersResource: Order 18269 status=SHIPPED",
        "org.eclipse.jetty.server.Server: Started @4211ms",
    ],
)
def test_a_severity_word_or_a_logger_name_is_no_exception_type(message: str) -> None:
    assert exception_of("x", message) is None


@pytest.mark.parametrize(
    ("message", "type_"),
    [
        ("TimeoutError: timed out", "TimeoutError"),
        ("Exception: boom", "Exception"),
        ("java.lang.OutOfMemoryError: Java heap space", "java.lang.OutOfMemoryError"),
        ("android.util.Log$TerribleFailure: no wakelocks", "android.util.Log$TerribleFailure"),
        ("System.IO.IOException: disk full", "System.IO.IOException"),
        ("AirflowTaskTimeout: task took too long", "AirflowTaskTimeout"),
        ("KeyboardInterrupt: ", "KeyboardInterrupt"),
    ],
)
def test_one_line_exception_types(message: str, type_: str) -> None:
    info = exception_of("x", message)
    assert info is not None and info.type == type_


@pytest.mark.parametrize("frame_indent", ["\t", "    "])
def test_an_exception_whose_message_goes_on_over_lines_before_its_frames_is_still_the_exception(
    frame_indent: str,
) -> None:
    # A JDBC driver's exception: its message's "Detail:" and "Hint:" lines come between it and its frames. The
    # exception is the typed line above them, not "Hint" (the line right above the frames), and not none.
    record = JOIN.join(
        [
            "2024-03-01 12:00:09,789 ERROR [pool-2] Db - Query failed",
            "org.postgresql.util.PSQLException: ERROR: deadlock detected",
            "  Detail: Process 4242 waits for ShareLock on transaction 1234; blocked by process 4343.",
            "  Hint: See server log for query details.",
            f"{frame_indent}at org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(Executor.java:26)",
            f"{frame_indent}at com.example.Db.run(Db.java:88)",
        ]
    )
    got = exception_of(record)
    assert got is not None
    assert (got.type, got.message, got.root_type) == (
        "org.postgresql.util.PSQLException",
        "ERROR: deadlock detected",
        "org.postgresql.util.PSQLException",
    )
    assert got.frames == ("org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse", "com.example.Db.run")


@pytest.mark.parametrize(
    "frame",
    [
        "    at Timeout._onTimeout (/app/src/server.js:42:11)",
        "    at /app/src/server.js:42:11",
        # V8 names a method called under another name by both: "[as oncomplete]".
        "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)",
    ],
)
def test_a_first_line_with_frames_under_it_is_the_exception_even_when_named_error(frame: str) -> None:
    """JavaScript's base class is ``Error``: a severity word on a line of its own, but a type where frames follow."""
    record = JOIN.join(
        ["Error: connect ECONNREFUSED 10.0.0.5:5432", frame, "    at listOnTimeout (node:internal/timers:569:17)"]
    )
    info = exception_of(record)
    assert info is not None
    assert (info.type, info.message) == ("Error", "connect ECONNREFUSED 10.0.0.5:5432")
    assert info.frames[0] in ("Timeout._onTimeout", "/app/src/server.js", "TCPConnectWrap.afterConnect")


def test_frames_with_their_methods_return_type_are_frames() -> None:
    """Android's runtime writes a frame with the method's return type and argument types ("at java.lang.Class
    java.lang.Class.forName(java.lang.String) (Class.java:453)"): the frame is the method, and the chain is read."""
    record = JOIN.join(
        [
            "Rejecting re-init on previously-failed class: java.lang.NoClassDefFoundError: Failed resolution of: LX;",
            "  at java.lang.Class java.lang.Class.forName(java.lang.String, boolean) (Class.java:453)",
            "  at void android.os.Looper.loop() (Looper.java:164)",
            'Caused by: java.lang.ClassNotFoundException: Didn\'t find class "X" on path: DexPathList[]',
            "  at java.lang.Class dalvik.system.BaseDexClassLoader.findClass(java.lang.String) (Loader.java:125)",
        ]
    )
    info = exception_of(record)
    assert info is not None
    assert (info.type, info.root_type) == ("java.lang.NoClassDefFoundError", "java.lang.ClassNotFoundException")
    assert info.frames[0] == "dalvik.system.BaseDexClassLoader.findClass"


def test_a_severity_word_without_frames_under_it_stays_a_level() -> None:
    record = JOIN.join(["Error: the daemon must be run on a desktop session.", "Stopping now."])
    assert exception_of(record) is None


_RUST = [
    "thread 'tokio-runtime-worker' panicked at src/worker.rs:42:17:",
    "called `Option::unwrap()` on a `None` value",
    "stack backtrace:",
    "   0: rust_begin_unwind",
    "             at /rustc/90b35a6/library/std/src/panicking.rs:645:5",
    "   1: core::panicking::panic_fmt",
    "   2: app::worker::run",
    "             at ./src/worker.rs:42:17",
    "   3: app::main",
]
_PHP = [
    "PHP Fatal error:  Uncaught RuntimeException: payment gateway timeout in /var/www/src/Pay.php:88",
    "Stack trace:",
    "#0 /var/www/src/Order.php(41): Pay->charge()",
    "#1 /var/www/index.php(12): Order->place(Object(Cart))",
    "#2 {main}",
    "  thrown in /var/www/src/Pay.php on line 88",
]
_ELIXIR = [
    "** (RuntimeError) cache not warmed",
    "    (my_app 0.1.0) lib/my_app/cache.ex:10: MyApp.Cache.get/1",
    "    (my_app 0.1.0) lib/my_app/worker.ex:22: MyApp.Worker.run/0",
    "    (elixir 1.16.0) lib/task/supervised.ex:101: Task.Supervised.invoke_mfa/2",
]


@pytest.mark.parametrize(
    ("lines", "type_", "message", "frames"),
    [
        (_RUST, "panic", "called `Option::unwrap()` on a `None` value", ("app::worker::run", "app::main")),
        (  # no backtrace: where it panicked is its frame
            ["thread 'main' panicked at 'index out of bounds', src/main.rs:7:5"],
            "panic",
            "index out of bounds",
            ("src/main.rs:7",),
        ),
        (_PHP, "RuntimeException", "payment gateway timeout", ("Pay->charge", "Order->place")),
        (
            _ELIXIR,
            "RuntimeError",
            "cache not warmed",
            ("MyApp.Cache.get/1", "MyApp.Worker.run/0", "Task.Supervised.invoke_mfa/2"),
        ),
    ],
)
def test_rust_php_and_elixir_traces_give_their_exception(
    lines: list[str], type_: str, message: str, frames: tuple[str, ...]
) -> None:
    """Each runtime's own way of printing what failed and where: a Rust panic (its message on the next line since Rust
    1.73, quoted in the line before; the standard library's panic frames left out), a PHP uncaught exception and its
    "#0 ..." calls, an Elixir raise and its stacktrace. They were records with no exception group."""
    info = exception_of(JOIN.join(["2024-03-05T10:00:00Z ERROR job failed", *lines]) if len(lines) > 1 else lines[0])
    assert info is not None
    assert (info.type, info.message, info.frames) == (type_, message, frames)


def test_a_ruby_error_a_job_runner_logs_line_by_line_is_one_exception_with_its_frames() -> None:
    """Sidekiq logs a rescued error as "Type: message", then each line of its backtrace, its header before each:
    the backtrace's lines join the error's record (as a JVM's frames written so do), and the record is a Ruby
    exception, its type the class's constant path, its frames the backtrace's."""
    from loglens_analysis.engine import analyze

    lines = []
    for i in range(40):
        stamp = f"2024-01-15T10:{i // 60:02d}:{i % 60:02d}.{i:03d}Z pid=4711 tid=t{i:x}"
        lines.append(f"{stamp} class=HardJob jid={i * 7919:012x} INFO: start")
        if i % 4 == 3:
            lines.append(f"{stamp} WARN: Net::ReadTimeout: Net::ReadTimeout with #<TCPSocket:(closed)>")
            lines.append(f"{stamp} WARN: /app/app/jobs/hard_job.rb:12:in `perform'")
            lines.append(
                f"{stamp} WARN: /usr/local/bundle/gems/sidekiq-7.2.0/lib/sidekiq/processor.rb:202:in `execute_job'"
            )
        else:
            lines.append(f"{stamp} class=HardJob jid={i * 7919:012x} elapsed=0.{i} INFO: done")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 80
    (group,) = rep.exception_groups
    assert (group.exception_type, group.count) == ("Net::ReadTimeout", 10)
    assert group.message == "Net::ReadTimeout with #<TCPSocket:(closed)>"
    assert list(group.top_frames)[:2] == ["hard_job.rb:perform", "processor.rb:execute_job"]
    assert not [t.text for t in rep.templates if ":in `" in t.text]
    info = exception_of(f"WARN: ActiveRecord::RecordNotFound: Couldn't find Order{JOIN}app/models/order.rb:3:in `find'")
    assert info is not None and info.type == "ActiveRecord::RecordNotFound"


def test_a_ruby_error_the_standard_logger_writes_is_one_exception_its_class_after_its_message() -> None:
    """Ruby's Logger given the exception itself writes "message (Class)", then the backtrace flush left: the class
    in parentheses is the exception's type (59 Net::ReadTimeout and 15 NoMethodError traces made no group)."""
    from loglens_analysis.engine import analyze

    lines = []
    for i in range(40):
        stamp = f"[2024-12-05T06:{i // 60:02d}:{i % 60:02d}.{i:06d} #41873]"
        lines.append(f"I, {stamp}  INFO -- mailer: Delivered campaign={i * 31} ({400 + i}ms)")
        if i % 4 == 3:
            lines.append(f"E, {stamp} ERROR -- mailer: Net::ReadTimeout with #<TCPSocket:(closed)> (Net::ReadTimeout)")
            lines.append("/usr/local/lib/ruby/3.3.0/net/protocol.rb:229:in `rbuf_fill'")
            lines.append("/app/lib/mailer/deliverer.rb:44:in `deliver'")
        if i % 8 == 5:
            lines.append(f"E, {stamp} ERROR -- api: undefined method `fetch' for nil (NoMethodError)")
            lines.append("/app/lib/api/orders.rb:12:in `show'")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    groups = {g.exception_type: g for g in rep.exception_groups}
    assert sorted(groups) == ["Net::ReadTimeout", "NoMethodError"], sorted(groups)
    assert groups["Net::ReadTimeout"].count == 10 and groups["NoMethodError"].count == 5
    assert groups["Net::ReadTimeout"].message == "Net::ReadTimeout with #<TCPSocket:(closed)>"
    assert list(groups["Net::ReadTimeout"].top_frames)[:2] == ["protocol.rb:rbuf_fill", "deliverer.rb:deliver"]
    assert groups["NoMethodError"].message == "undefined method `fetch' for nil"
    # A message that ends with a word in parentheses not named as a class is no exception.
    assert exception_of(f"ERROR -- : retry later (Temporary){JOIN}/app/x.rb:3:in `run'") is None


def test_an_error_type_after_the_level_opens_the_message_not_a_source_column() -> None:
    """A logged error's "ERROR java.io.IOException: Connection reset" where other records' "name:" after the level is
    their logger: a name only an exception's type has (a conventional ending) opens the message, which carries the
    exception; a Ruby class's path ("Net::ReadTimeout:") is no module path (Rust's are snake case) either."""
    from loglens_analysis.engine import analyze

    rows = [
        "INFO cache: hit ratio {}",
        "ERROR java.io.IOException: Connection reset by peer",
        "WARN Net::ReadTimeout: Net::ReadTimeout with socket {}",
        "INFO cache: evicted {} entries",
    ]
    text = "".join(f"2024-01-15 10:00:{i % 60:02d} " + rows[i % 4].format(i) + "\n" for i in range(80))
    rep = analyze([text.encode()])
    texts = {t.text: t.count for t in rep.templates}
    assert texts["java.io.IOException: Connection reset by peer"] == 20
    assert texts["Net::ReadTimeout: Net::ReadTimeout with socket <*>"] == 20
    assert texts["hit ratio <*>"] == 20
    assert [(g.exception_type, g.count) for g in rep.exception_groups] == [("java.io.IOException", 20)]


def test_a_channel_and_its_level_in_capitals_is_no_exception_type() -> None:
    """Monolog's "channel.LEVEL:" ("production.INFO: User 5 logged in") reads like a qualified name before ": ", but a
    name that ends in a level in capitals is where a record comes from and its level, not a type: each line was
    an exception group ("production.INFO" x30)."""
    lines = []
    for i in range(30):
        lines.append(f'production.INFO: User {i} logged in {{"ip":"10.0.0.{i}"}} []')
        if i % 6 == 2:
            lines.append(f"production.ERROR: Payment {i} declined [] []")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 35
    assert list(rep.exception_groups) == []


@pytest.mark.parametrize("indent", ["", "    "])
def test_a_chain_of_causes_without_frames_gives_its_exception_and_root_cause(indent: str) -> None:
    # An application server's failure description quotes the exception and its "Caused by:" chain, without frames,
    # inside a structure it closes after the last cause: the exception and its root cause, without the closing marks.
    record = JOIN.join(
        [
            '11:00:03,000 ERROR [mgmt] (Boot) Operation ("deploy") failed - failure description: {"Failed services" =>'
            ' {"deployment.app" => "java.lang.RuntimeException: java.lang.ClassNotFoundException: com.example.Missing',
            f"{indent}Caused by: java.lang.RuntimeException: java.lang.ClassNotFoundException: com.example.Missing",
            f'{indent}Caused by: java.lang.ClassNotFoundException: com.example.Missing"}}}}',
        ]
    )
    got = exception_of(record)
    assert got is not None
    assert (got.type, got.root_type, got.root_message) == (
        "java.lang.RuntimeException",
        "java.lang.ClassNotFoundException",
        "com.example.Missing",
    )
    assert got.frames == ()


def test_a_caused_by_line_without_a_type_opens_no_chain() -> None:
    # A message that goes on with "Caused by: the disk filling up" names no exception: none is read from it.
    record = JOIN.join(["backup failed for volume 7", "    Caused by: the disk filling up"])
    assert exception_of(record) is None


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        ('Permission denied: "/data/x"', 'Permission denied: "/data/x"'),
        ("can't open 'config.yml'", "can't open 'config.yml'"),
        ("bad value (expected [0, 1])", "bad value (expected [0, 1])"),
        ('no such key: db.url"}]', "no such key: db.url"),
    ],
)
def test_an_exceptions_message_keeps_its_own_quotes_and_brackets(message: str, kept: str) -> None:
    got = exception_of("x", f"java.io.IOException: {message}")
    assert got is not None and got.message == kept


def test_a_loggers_name_on_the_first_line_is_not_the_exception_where_one_stands_under_it() -> None:
    # Serilog's "<logger>: <message>", then the exception's own line and its frames: the exception is the one thrown,
    # not the logger that wrote the record.
    record = JOIN.join(
        [
            'Emby.Server.Implementations.Library.LibraryManager: Error creating image for "/media/tv/a.mkv"',
            "System.IO.IOException: No space left on device",
            "   at System.IO.RandomAccess.WriteAtOffset(SafeFileHandle handle, Int64 fileOffset)",
            "   at MediaBrowser.Controller.Drawing.ImageProcessor.ProcessImage(ImageProcessingOptions options)",
        ]
    )
    info = exception_of(record)
    assert info is not None
    assert (info.type, info.message, info.root_type) == (
        "System.IO.IOException",
        "No space left on device",
        "System.IO.IOException",
    ), info


def test_a_type_the_logged_message_quotes_is_not_the_exception_where_the_traces_own_line_stands_under_it() -> None:
    # Jitsi Videobridge logs "Failed to connect/login: ... exception: java.net.ConnectException: Connection refused",
    # then the exception thrown, "...SmackException$EndpointConnectionException: ...", and its frames (no "Caused
    # by:"). It was read the other way round: ConnectException, its root cause EndpointConnectionException.
    record = JOIN.join(
        [
            "2024-03-14 08:06:30.358 SEVERE: [30] MucClient#640: Failed to connect/login: The following addresses "
            "failed: 'localhost:5222' failed because: localhost/127.0.0.1 exception: java.net.ConnectException: "
            "Connection refused",
            "org.jivesoftware.smack.SmackException$EndpointConnectionException: The following addresses failed: "
            "'localhost:5222' failed because: localhost/127.0.0.1 exception: java.net.ConnectException: Connection "
            "refused",
            "\tat org.jivesoftware.smack.SmackException$EndpointConnectionException.from(SmackException.java:334)",
            "\tat org.jivesoftware.smack.tcp.XMPPTCPConnection.connectUsingConfiguration(XMPPTCPConnection.java:664)",
        ]
    )
    info = exception_of(record)
    assert info is not None
    smack = "org.jivesoftware.smack.SmackException$EndpointConnectionException"
    assert (info.type, info.root_type) == (smack, smack), info
    # The same type on the message's line and the trace's is one exception; a chain's cause stays its root cause.
    chained = JOIN.join(
        [
            "2024-03-14 08:06:30.358 ERROR [main] c.a.Jobs - job failed: java.io.IOException: disk full",
            "java.io.IOException: disk full",
            "\tat com.acme.Jobs.run(Jobs.java:10)",
            "Caused by: java.nio.file.FileSystemException: /data: No space left on device",
            "\tat sun.nio.fs.UnixException.translateToIOException(UnixException.java:100)",
        ]
    )
    info = exception_of(chained)
    assert info is not None
    assert (info.type, info.root_type) == ("java.io.IOException", "java.nio.file.FileSystemException"), info


def test_sinatras_report_of_a_rescued_error_is_its_exception() -> None:
    # Sinatra's dump_errors!: "<time> - <class> - <message>:" over the backtrace's tab-indented lines: 13
    # NoMethodError reports under Puma were no exception and had no level.
    record = JOIN.join(
        [
            "2024-06-12 09:27:04 - NoMethodError - undefined method `fetch' for nil:NilClass:",
            "\t/app/app.rb:77:in `block in <class:ShopApp>'",
            "\t/usr/local/bundle/gems/sinatra-3.2.0/lib/sinatra/base.rb:1804:in `call'",
        ]
    )
    info = exception_of(record)
    assert info is not None
    assert (info.type, info.message) == ("NoMethodError", "undefined method `fetch' for nil:NilClass"), info
    # A word between dashes that is no type's name is none.
    plain = JOIN.join(["2024-06-12 09:27:04 - Worker - job 7 done:", "\t/app/jobs.rb:12:in `run'"])
    assert exception_of(plain) is None


def test_a_trace_marked_line_by_line_and_written_root_cause_first_is_read_as_thrown() -> None:
    # Dropwizard's default: a "! " before each line of the trace, and logback's root-cause-first order, each exception
    # the one before it caused ("! Causing: ..."): no exception was found; then the root cause was read as thrown.
    record = JOIN.join(
        [
            "ERROR [2024-06-12 08:47:53,441] io.dropwizard.jersey.errors.LoggingExceptionMapper: Error handling a "
            "request: fd2ec4283bc454cc",
            "! java.net.ConnectException: Connection refused",
            "! at java.base/sun.nio.ch.Net.pollConnect(Native Method)",
            "! ... 31 common frames omitted",
            "! Causing: org.postgresql.util.PSQLException: Connection to pg-primary:5432 refused.",
            "! at org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:346)",
            "! at com.example.orders.db.OrderDao.findById(OrderDao.java:41)",
        ]
    )
    info = exception_of(record)
    assert info is not None
    assert (info.type, info.root_type) == ("org.postgresql.util.PSQLException", "java.net.ConnectException"), info
    assert info.frames[0].startswith("java.base/sun.nio.ch.Net.pollConnect"), info.frames


def test_a_rust_panics_message_on_the_line_after_it_is_its_message_and_each_site_its_own_failure() -> None:
    # Rust since 1.73 ends a panic's first line with its location and a colon, the message on the next line; a test
    # run without RUST_BACKTRACE prints no frames, so where it panicked tells two panics apart.
    from tests.unit.engine.test_chunks import CARGO_TEST

    rep = analyze([CARGO_TEST])
    groups = sorted((g.message, g.count, g.first_line) for g in rep.exception_groups)
    assert groups == [
        ("assertion `left == right` failed", 1, 9),
        ("attempt to subtract with overflow", 1, 16),
    ], groups
    assert any("attempt to subtract with overflow" in c.text for c in rep.summary.claims), [
        c.text for c in rep.summary.claims
    ]


def test_an_exception_whose_message_quotes_a_time_or_ends_in_a_blank_line_is_one_record() -> None:
    """A JDBC batch error under a WARN record (Kafka Connect's sink task): its message quotes the row it could not
    write, a time among its values ("'2026-05-18 02:10:41.203+00'"), and its chain ends with a blank line before the
    frames. The quoted time opened a record of no time and no level, the blank line another; the frames after it were
    a template of their own."""
    warn = "[2026-05-18 02:11:{s:02d},938] WARN [sink|task-0] Write of 500 records failed, remainingRetries={r}"
    trace = [
        "java.sql.BatchUpdateException: Batch entry 17 INSERT INTO \"orders\" VALUES (981273,'c-20411',"
        "'2026-05-18 02:10:41.203+00') was aborted: ERROR: duplicate key value",
        "  Detail: Key (order_id)=(981273) already exists.",
        "",
        "\tat io.confluent.connect.jdbc.sink.JdbcSinkTask.put(JdbcSinkTask.java:122)",
        "\tat org.apache.kafka.connect.runtime.WorkerSinkTask.deliverMessages(WorkerSinkTask.java:601)",
    ]
    lines: list[str] = []
    for r in range(3):
        lines.append(f"[2026-05-18 02:11:{r * 10:02d},100] INFO [sink|task-0] Retrying with backoff of 3000 ms")
        lines.append(warn.format(s=r * 10 + 5, r=3 - r))
        lines += trace
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 6
    assert rep.parse_quality.timestamp_share == 1.0
    assert {t.text.split(" ", 1)[0] for t in rep.templates} == {"Retrying", "Write"}


def _loguru_file(info: str, error: str, trace: list[str]) -> bytes:
    """Twenty records in loguru's default layout (``info`` formatted with its number), every fifth followed by an
    ERROR record (``error``) and ``trace`` under it."""
    lines: list[str] = []
    for i in range(20):
        stamp = f"2026-05-11 08:01:{i * 2:02d}.428 |"
        lines.append(f"{stamp} INFO     | app.worker:run:64 - {info.format(i=i)}")
        if i % 5 == 4:
            lines.append(f"{stamp} ERROR    | app.worker:run:72 - {error.format(i=i)}")
            lines += trace
    return ("\n".join(lines) + "\n").encode()


def test_a_traceback_whose_frames_blank_lines_set_apart_is_one_record_with_its_exception() -> None:
    """loguru's "backtrace"/"diagnose" layout: a blank line after the banner and after each frame's variables, the
    frame that caught the exception marked "> File". The blank lines cut the traceback into records of no time and
    no level (its exception a record of its own, unexplained); the marked frame ended the traceback unread."""
    trace = [
        "Traceback (most recent call last):",
        "",
        '> File "/app/ingest/worker.py", line 70, in process_file',
        "    totals = compute_totals(rows)",
        "             └ <function compute_totals at 0x7f3a2c1e6a70>",
        "",
        '  File "/app/ingest/totals.py", line 22, in compute_totals',
        '    unit = Decimal(row["amount"]) / int(row["qty"])',
        "           └ <class 'decimal.Decimal'>",
        "",
        "decimal.DivisionByZero: [<class 'decimal.DivisionByZero'>]",
    ]
    rep = analyze([_loguru_file("Processing batch_{i}.csv", "Failed to process batch_{i}.csv", trace)])
    assert rep.record_count == 24
    assert rep.parse_quality.timestamp_share == 1.0
    failed = next(t for t in rep.templates if t.text.startswith("Failed to process"))
    assert failed.count == 4
    claims = [c.text for c in rep.summary.claims]
    assert any(c.startswith("4 x decimal.DivisionByZero: ") for c in claims), claims


def test_a_traceback_whose_exception_line_states_a_level_by_its_words_keeps_it() -> None:
    """The same layout where the exception's message holds a level's word ("httpx.HTTPStatusError: Server error '503
    Service Unavailable' ..."): the line, after its blank line, was taken for one stating a level of its own and cut
    from the traceback: the logged error had no exception, its exception was an error record of its own."""
    trace = [
        "Traceback (most recent call last):",
        "",
        '  File "/usr/local/lib/python3.12/asyncio/runners.py", line 194, in run',
        "    return runner.run(main)",
        "           │      │   └ <coroutine object main at 0x7f3b1c2b1e40>",
        "           │      └ <function Runner.run at 0x7f3b1d9e2160>",
        "           └ <asyncio.runners.Runner object at 0x7f3b1c2c6a50>",
        "",
        '> File "/app/feeds/fetcher.py", line 47, in fetch_feed',
        "    resp.raise_for_status()",
        "    │    └ <function Response.raise_for_status at 0x7f3b1b7fd9e0>",
        "    └ <Response [503 Service Unavailable]>",
        "",
        '  File "/app/.venv/lib/python3.12/site-packages/httpx/_models.py", line 761, in raise_for_status',
        "    raise HTTPStatusError(message, request=request, response=self)",
        "          │               │                └ <Response [503 Service Unavailable]>",
        "          └ <class 'httpx.HTTPStatusError'>",
        "",
        "httpx.HTTPStatusError: Server error '503 Service Unavailable' for url 'https://feeds.example.org/rss'",
    ]
    rep = analyze([_loguru_file("Fetched feed_{i}: {i} new items", "Failed to fetch feed_{i}", trace)])
    assert rep.record_count == 24, [t.text for t in rep.templates]
    claims = [c.text for c in rep.summary.claims]
    assert any(c.startswith("4 x httpx.HTTPStatusError: ") and "logged as" in c for c in claims), claims


def test_a_dotnet_exception_with_its_error_code_and_an_inner_exception_on_its_own_line() -> None:
    """.NET writes an exception's HRESULT or error code between its type and its message, and its console logger
    indents the trace under the record's header, the inner exception on a line of its own after " ---> ": the
    outer exception is the record's, the inner one its root cause."""
    rec = JOIN.join(
        [
            "fail: Microsoft.EntityFrameworkCore.Query[10100]",
            "      An exception occurred while iterating over the results of a query for context type 'Billing'.",
            "      Npgsql.NpgsqlException (0x80004005): Failed to connect to 10.20.0.14:5432",
            "       ---> System.Net.Sockets.SocketException (111): Connection refused",
            "         at Npgsql.Internal.NpgsqlConnector.Connect(NpgsqlTimeout timeout)",
            "         at Npgsql.Internal.NpgsqlConnector.RawOpen(SslMode sslMode, NpgsqlTimeout timeout)",
        ]
    )
    info = exception_of(rec)
    assert info is not None
    assert (info.type, info.message) == ("Npgsql.NpgsqlException", "Failed to connect to 10.20.0.14:5432")
    assert (info.root_type, info.root_message) == ("System.Net.Sockets.SocketException", "Connection refused")
    assert info.frames[0] == "Npgsql.Internal.NpgsqlConnector.Connect"


def _py_block(exc: str, frame: str) -> list[str]:
    frame_line = f'  File "/srv/app/{frame}.py", line 12, in {frame}'
    return ["Traceback (most recent call last):", frame_line, "    call()", exc]


_HANDLING = ["", "During handling of the above exception, another exception occurred:", ""]
_FROM = ["", "The above exception was the direct cause of the following exception:", ""]


@pytest.mark.parametrize(
    ("links", "root"),
    [
        ((_HANDLING, _HANDLING), "psycopg2.OperationalError"),  # the cache miss is only what was being handled
        ((_FROM, _FROM), "KeyError"),  # causes all the way
        ((_FROM, _HANDLING), "KeyError"),  # raised while handling the error the KeyError caused
        ((_HANDLING, _FROM), "psycopg2.OperationalError"),  # caused by the error raised while the KeyError was handled
        (([], []), "KeyError"),  # no link written between the tracebacks: a chain as printed, cause first
    ],
)
def test_a_python_chain_roots_at_its_causes_and_the_exception_being_handled_when_the_last_was_raised(
    links: tuple[list[str], list[str]], root: str
) -> None:
    """A cache miss (KeyError), during its handling the database refused (OperationalError), during that the
    catalogue gave up (CatalogUnavailable): "root cause KeyError" sent the reader to the cache, and the database's
    failure appeared nowhere. "During handling" is a cause for the exception the last was raised while handling (an
    except clause that translates a failure), not for an earlier one (what the code was doing when it failed)."""
    lines = [
        "2026-12-05 07:01:02,003 ERROR [app.views] Unhandled error rendering product SKU-33161",
        *_py_block("KeyError: 'SKU-33161'", "cache"),
        *links[0],
        *_py_block('psycopg2.OperationalError: connection to server at "10.0.3.12", port 5432 failed', "db"),
        *links[1],
        *_py_block("catalog.errors.CatalogUnavailable: catalog database unreachable", "catalog"),
    ]
    info = exception_of(JOIN.join(lines))
    assert info is not None
    assert (info.type, info.root_type) == ("catalog.errors.CatalogUnavailable", root)


def test_a_loggers_dotted_name_before_the_message_is_not_the_type_the_message_names() -> None:
    """Hive's metastore: "ERROR [pool-7-thread-13] metastore.RetryingHMSHandler: Retrying HMSHandler after 2000 ms
    (attempt 5 of 10) with error: javax.jdo.JDODataStoreException: HikariPool-1 - Connection is not available", then
    the frames: the exception group was "metastore.RetryingHMSHandler", the logger's name."""
    lines = []
    for i in range(12):
        lines += [
            f"2024-03-12T07:{i:02d}:32,068 ERROR [pool-7-thread-13] metastore.RetryingHMSHandler: Retrying HMSHandler"
            f" after 2000 ms (attempt {i} of 10) with error: javax.jdo.JDODataStoreException: HikariPool-1 - Connection"
            " is not available, request timed out after 30000ms.",
            "\tat org.datanucleus.api.jdo.NucleusJDOHelper.getJDOException(NucleusJDOHelper.java:543)",
            "\tat org.datanucleus.api.jdo.JDOQuery.execute(JDOQuery.java:216)",
        ]
        lines.append(f"2024-03-12T07:{i:02d}:40,001 INFO  [pool-7-thread-2] metastore.HiveMetaStore: 2: get_table {i}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert [(g.exception_type, g.count) for g in rep.exception_groups] == [("javax.jdo.JDODataStoreException", 12)]


def test_a_thrown_error_named_before_the_message_under_a_header_is_grouped_by_its_frames() -> None:
    """An editor's extension host logs "<time> [error] Error: spawn ... EACCES" and the frames under it: JavaScript's
    base class "Error" stands right before the message, where reading the level took it as one (the message is
    "spawn ... EACCES"). The frames prove it a throwable: an exception group of type Error, as where the same error
    stands on a line of its own under the record."""
    lines = [f"2024-03-12 11:{i:02d}:45.226 [info] Schema fetched in {i * 7} ms" for i in range(30)]
    lines += [
        "2024-03-12 11:31:59.296 [error] Error: spawn /opt/ext/dist/native/libonnxruntime.so.1.16.3 EACCES",
        "    at ChildProcess._handle.onexit (node:internal/child_process:286:19)",
        "    at onErrorNT (node:internal/child_process:484:16)",
        "2024-03-12 11:32:13.716 [info] Schema fetched in 12 ms",
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert [(g.exception_type, g.message, g.count, g.first_line) for g in rep.exception_groups] == [
        ("Error", "spawn /opt/ext/dist/native/libonnxruntime.so.1.16.3 EACCES", 1, 31)
    ]


def test_a_native_backtrace_written_under_its_header_line_by_line_is_one_record() -> None:
    """A server's assertion handler prints backtrace(3) one frame a line, each under the repeated header (BIND's
    "general: critical: #0 0x55f0d1c2a3b1 in ??"): every frame was a FATAL record of its own, and "8 records at
    FATAL: '#<*> <*> in ??'" led the summary above the assertion. The frames are the assertion's record."""
    lines = [f"14-Mar-2024 07:{i // 60:02d}:{i % 60:02d}.257 queries: info: client query {i} IN A" for i in range(60)]
    head = "14-Mar-2024 07:58:36.257 general: critical:"
    lines.append(f"{head} ../../../lib/dns/resolver.c:5378: INSIST(fctx->fetches == 0) failed, back trace")
    lines += [f"{head} #{k} 0x55f0d1c2{k:04x} in ??" for k in range(8)]
    lines.append(f"{head} exiting (due to assertion failure)")
    lines += [f"14-Mar-2024 07:59:{i:02d}.100 queries: info: client query {i} IN A" for i in range(20)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 60 + 1 + 1 + 20
    fatal = sorted(
        (t.text, t.count) for t in rep.templates if any(lc.level == report_pb2.LEVEL_FATAL for lc in t.levels)
    )
    assert [c for _t, c in fatal] == [1, 1], fatal
    assert not any("in ??" in t.text and "INSIST" not in t.text for t in rep.templates), fatal


def test_an_exception_a_service_writes_line_by_line_through_syslog_is_its_error_record() -> None:
    """A Java service's stderr through syslog or the journal: each line under the transport's header, the logger's
    own header on the error's line only, then the exception's line and its frames. The frames joined the exception's
    line, but that line was a record of its own, of no level, apart from the ERROR that logged it (no "logged as").
    It is the error's record, as the same lines with a collector's time before each are; a second trace after a
    frame is another record, and a line of the same second that is no exception stays a record."""
    head = "Mar 14 10:00:{:02d} web01 java[2211]: "
    lines = [head.format(0) + f"2024-03-14 10:00:00.{i:03d} INFO  [main] c.e.Ctl - GET /health 200" for i in range(20)]
    for s in (5, 9):
        lines += [
            head.format(s) + f"2024-03-14 10:00:{s:02d}.456 ERROR [exec-1] c.e.Ctl - Request failed",
            head.format(s) + "java.lang.IllegalStateException: pool exhausted",
            head.format(s) + "        at com.example.Pool.take(Pool.java:88)",
            head.format(s) + "        at java.base/java.lang.Thread.run(Thread.java:833)",
        ]
    lines += [
        head.format(11) + "java.io.IOException: Broken pipe",
        head.format(11) + "        at com.example.Sock.write(Sock.java:12)",
        head.format(11) + "java.io.IOException: Connection reset",
        head.format(11) + "        at com.example.Sock.read(Sock.java:40)",
        head.format(12) + "2024-03-14 10:00:12.001 WARN  [exec-2] c.e.Ctl - slow request",
        head.format(12) + "java.lang.RuntimeException: not followed by a frame",
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 20 + 2 + 2 + 2, [t.text for t in rep.templates]
    text_of = {t.id: t.text for t in rep.templates}
    groups = [(g.exception_type, g.count, g.first_line, text_of[g.template_id]) for g in rep.exception_groups]
    assert ("java.lang.IllegalStateException", 2, 21, "[exec-<*>] c.e.Ctl - Request failed") in groups, groups
    assert sorted(g.message for g in rep.exception_groups if g.exception_type == "java.io.IOException") == [
        "Broken pipe",
        "Connection reset",
    ]


def _oslo_lines() -> list[str]:
    """An OpenStack service's log (oslo.log): a chained traceback under its error, its message going on past the
    exception's line, and a record at INFO whose traceback oslo writes under "ERROR <logger> [instance: ...]"."""
    lines = [
        f"2026-12-06 08:0{i // 60}:{i % 60:02d}.{i:03d} 2841 INFO nova.compute.manager [req-{i:04d} - - - - -] "
        f"Running periodic task {i}"
        for i in range(40)
    ]
    lines.append(
        "2026-12-06 08:03:11.383 2841 ERROR nova.servicegroup.drivers.db [-] Unexpected error while reporting status"
    )
    head = "2026-12-06 08:03:11.383 2841 ERROR nova.servicegroup.drivers.db "
    lines += [
        head + line
        for line in [
            "Traceback (most recent call last):",
            '  File "/usr/lib/python3/dist-packages/oslo_messaging/_drivers/amqpdriver.py", line 441, in get',
            "    return self._queues[msg_id].get(block=True, timeout=timeout)",
            "_queue.Empty",
            "",
            "During handling of the above exception, another exception occurred:",
            "",
            "Traceback (most recent call last):",
            '  File "/usr/lib/python3/dist-packages/oslo_db/sqlalchemy/exc_filters.py", line 486, in handler',
            "    raise translated_exc from ctx.original_exception",
            "oslo_db.exception.DBConnectionError: (pymysql.err.OperationalError) (2013, 'Lost connection')",
            "[SQL: SELECT agents.id AS agents_id FROM agents WHERE agents.host = %(host_1)s]",
            "[parameters: {'host_1': 'compute07'}]",
            "(Background on this error at: https://sqlalche.me/e/14/e3q8)",
        ]
    ]
    lines.append(
        '2026-12-06 08:04:00.500 2841 INFO heat.engine.resource [req-9 - - - - -] CREATE: Server "server" failed'
    )
    head = "2026-12-06 08:04:00.500 2841 ERROR heat.engine.resource [instance: 0b1c2d3e] "
    lines += [
        head + line
        for line in [
            "Traceback (most recent call last):",
            '  File "/usr/lib/python3/dist-packages/heat/engine/resource.py", line 922, in _action_recorder',
            "    yield",
            "heat.common.exception.ResourceInError: Went to status ERROR due to no valid host",
        ]
    ]
    lines += [
        f"2026-12-06 08:05:{i:02d}.{i:03d} 2841 INFO nova.compute.manager [req-{i:04d} - - - - -] Running periodic task"
        for i in range(10)
    ]
    return lines


def test_a_traceback_oslo_log_writes_under_its_own_prefix_is_the_record_that_logged_it() -> None:
    """oslo.log writes each line of a logged exception under a prefix of its own: its blank lines as the header alone
    (each was a record, "nova.servicegroup.drivers.db" its message, the chain cut in two: two exception groups, the
    inner cause first), the lines its message goes on with after the exception's line under the same stamp ("[SQL:
    ...]", "[parameters: ...]": ERROR records of their own), and "ERROR <logger> [instance: ...]" before the lines of a
    record logged at INFO with its request's context (the banner was an ERROR record, "Traceback (most recent call
    last):", apart from what logged it). Each logged error is one record, its chain one exception."""
    lines = _oslo_lines()
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 40 + 1 + 1 + 10, [t.text for t in rep.templates]
    groups = [(g.exception_type, g.root_cause_type, g.first_line) for g in rep.exception_groups]
    assert groups == [
        ("oslo_db.exception.DBConnectionError", "_queue.Empty", 41),
        ("heat.common.exception.ResourceInError", "heat.common.exception.ResourceInError", 56),
    ], groups


def test_a_crash_logcat_writes_line_by_line_under_one_stamp_is_one_record() -> None:
    """Android's runtime writes an app's crash as one event, each line under the same header to the millisecond:
    "FATAL EXCEPTION: main", "Process: <package>, PID: <pid>", then the exception and its frames. The first two lines
    were records of their own ("2 records at ERROR written together"), the exception "logged as" the process line.
    One record: the crash, logged as "FATAL EXCEPTION: main". A line of the same second and another millisecond stays
    a record."""
    lines = [
        f"03-12 09:14:{i:02d}.{i * 7:03d}  1523  1575 I ActivityManager: Start proc {4000 + i}:com.acme.shop/u0a287"
        for i in range(40)
    ]
    head = "03-12 09:15:02.912 14872 14872 E AndroidRuntime: "
    lines += [
        "03-12 09:15:02.910 14872 14872 D AndroidRuntime: Shutting down VM",
        head + "FATAL EXCEPTION: main",
        head + "Process: com.acme.shop, PID: 14872",
        head + "java.lang.IllegalStateException: Cart total must be positive, was -4.99",
        head + "\tat com.acme.shop.cart.Cart.total(Cart.kt:88)",
        head + "\tat android.os.Looper.loop(Looper.java:294)",
        "03-12 09:15:02.950 14872 14872 I Process: Sending signal. PID: 14872 SIG: 9",
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 40 + 1 + 1 + 1, [t.text for t in rep.templates]
    text_of = {t.id: t.text for t in rep.templates}
    assert [(g.exception_type, g.first_line, text_of[g.template_id]) for g in rep.exception_groups] == [
        ("java.lang.IllegalStateException", 42, "FATAL EXCEPTION: main")
    ]


def test_a_level_word_opening_the_line_of_a_named_exception_is_its_level_not_its_type() -> None:
    """tinylog writes the level, the message and the exception on one line under its header ("ERROR: Failed to forward
    batch: org.apache.kafka...TimeoutException: Expiring ..."): the exception group was "ERROR"."""
    record = JOIN.join(
        [
            "2024-02-28 23:52:27 [worker-1] org.example.mqbridge.Forwarder.forward()",
            "ERROR: Failed to forward batch: org.apache.kafka.common.errors.TimeoutException: Expiring 37 record(s)",
            "\tat org.apache.kafka.clients.producer.internals.FutureRecordMetadata.valueOrError(Future.java:98)",
            "\tat org.example.mqbridge.Forwarder.forward(Forwarder.java:88)",
        ]
    )
    info = exception_of(record)
    assert info is not None
    assert (info.type, info.message) == ("org.apache.kafka.common.errors.TimeoutException", "Expiring 37 record(s)")


@pytest.mark.parametrize(
    "stamp",
    [
        # (A line every 17 ms: the traceback's lines within one second, as a program writes them.)
        lambda i: f"2024-03-12 14:05:07.{i * 17_000_123:09d} ",  # s6-log's ISO stamp, its fraction to the ns
        lambda i: f"@{2**62 + 10 + 1710230407:016x}{i * 17_000_123:08x} ",  # svlogd's TAI64N label
    ],
)
def test_a_chained_traceback_a_transport_stamped_line_by_line_is_one_record(stamp: Callable[[int], str]) -> None:
    """svlogd and s6-log stamp every line a program writes: Python 3.11's markers under a code line ("^^^^") and the
    blank lines around "During handling of the above exception" (a stamp alone) cut one logged error into three
    records, and the markers into a record of their own."""
    trace = [
        "ERROR:relay.worker:delivery of evt_1 failed (attempt 1/5)",
        "Traceback (most recent call last):",
        '  File "/opt/relay/urllib3/connectionpool.py", line 793, in urlopen',
        "    response = self._make_request(",
        "               ^^^^^^^^^^^^^^^^^^^",
        '  File "/opt/relay/relay/worker.py", line 118, in deliver',
        "    resp = self.session.post(url, data=body)",
        "urllib3.exceptions.ProtocolError: ('Connection aborted.', ConnectionResetError(104, 'reset by peer'))",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        "Traceback (most recent call last):",
        '  File "/opt/relay/relay/worker.py", line 121, in deliver',
        "    raise DeliveryError(url, exc) from exc",
        "relay.errors.DeliveryError: POST https://hooks.example.com/in: ('Connection aborted.')",
    ]
    body = [f"INFO:relay.worker:delivered evt_{k} status=200" for k in range(20)] + trace
    body += [f"INFO:relay.worker:delivered evt_{k} status=200" for k in range(20, 40)]
    lines = [stamp(i) + text for i, text in enumerate(body)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 20 + 1 + 20, [t.text for t in rep.templates]
    assert [(g.exception_type, g.root_cause_type, g.first_line) for g in rep.exception_groups] == [
        ("relay.errors.DeliveryError", "urllib3.exceptions.ProtocolError", 21)
    ]


def _test_runner_report(blocks: list[str]) -> report_pb2.AnalysisReport:
    return analyze([("\n".join(blocks) + "\n").encode()])


def test_a_trace_of_source_locations_alone_after_a_blank_line_is_the_exceptions_frames() -> None:
    """PHPUnit prints an error's exception, a blank line, then its frames a file and line each ("/app/vendor/.../
    Connection.php:829"): each frame was a record of its own, "<*>:<*>" the file's most frequent message and the
    exception had no frames. They are the exception's trace: one record, its frames the files, innermost first."""
    blocks = [
        "PHPUnit 10.5.11 by Sebastian Bergmann and contributors.",
        "",
        "Runtime:       PHP 8.3.3",
        "Configuration: /app/phpunit.xml",
        "",
        "..........E.........E.......E......                               35 / 35 (100%)",
        "",
        "Time: 00:03.512, Memory: 46.00 MB",
        "",
        "There were 3 errors:",
        "",
    ]
    for k in range(3):
        blocks += [
            f"{k + 1}) Tests\\Feature\\OrderApiTest::test_case_{k}",
            f"PDOException: SQLSTATE[23000]: Integrity constraint violation: 19 NOT NULL constraint failed ({k})",
            "",
            "/app/vendor/laravel/framework/src/Illuminate/Database/Connection.php:829",
            "/app/vendor/laravel/framework/src/Illuminate/Database/Connection.php:783",
            "/app/app/Http/Controllers/OrderController.php:37",
            f"/app/tests/Feature/OrderApiTest.php:{45 + k}",
            "",
        ]
    rep = _test_runner_report(blocks)
    assert not [t.text for t in rep.templates if t.text.startswith(("/app/", "<*>:<*>"))]
    groups = [(g.exception_type, g.count, list(g.top_frames)) for g in rep.exception_groups]
    assert groups == [("PDOException", 3, ["Connection.php", "Connection.php", "OrderController.php"])]
    assert rep.record_count == 6 + 3 * 2  # the run's lines, each case's title and exception


def test_ruby_frames_at_the_depth_of_the_exception_they_are_under_are_its_trace() -> None:
    """RSpec prints a failure's exception and its backtrace at one depth ("     Grover::JavaScript::TimeoutError:",
    then "     # ./app/services/invoice_pdf.rb:22:in `render'"): a list of lines indented alike is a list of items,
    but a Ruby frame goes on with its trace (each frame was a record, 6 templates of frames)."""
    blocks = ["Failures:", ""]
    for k in range(3):
        blocks += [
            f"  {k + 1}) InvoicesController returns the invoice as PDF ({k})",
            "     Failure/Error: pdf = Grover.new(html).to_pdf",
            "",
            "     Grover::JavaScript::TimeoutError:",
            "       Navigation timeout of 30000 ms exceeded",
            "     # /usr/local/bundle/gems/grover-1.1.5/lib/grover/processor.rb:54:in `call'",
            "     # ./app/services/invoice_pdf.rb:22:in `render'",
            f"     # ./spec/requests/invoices_spec.rb:{47 + k}:in `block (3 levels) in <top (required)>'",
            "",
        ]
    rep = _test_runner_report(blocks)
    assert not [t.text for t in rep.templates if "#" in t.text]
    assert rep.record_count == 1 + 3 * 2


def test_rails_reports_a_requests_error_over_its_ruby_frames_flush_left() -> None:
    """Rails' production.log: "Redis::CannotConnectError (Error connecting to Redis on localhost:6379 (Errno::
    ECONNREFUSED)):" then its backtrace's frames flush left ("redis-4.8.1/lib/redis/client.rb:398:in `rescue in
    establish_connection'", "unicorn-6.1.0/bin/unicorn:128:in `<top (required)>'"): each frame was a record of its own,
    their templates the file's, and the error no exception. The frames are the error's trace (after a line of blanks
    too, as the development log writes them), the type before its message in brackets."""
    blocks: list[str] = []
    for k in range(4):
        blocks += [
            f'Started GET "/t/{140 + k}.json" for 203.0.113.{k + 7} at 2024-03-14 09:1{k}:00 +0000',
            "Processing by TopicsController#show as JSON",
            f"Completed 200 OK in {300 + k}ms (Views: 17.8ms | ActiveRecord: 109.3ms)",
        ]
        if k % 2:
            blocks += [
                f'Started GET "/admin/{k}" for 198.51.100.23 at 2024-03-14 09:1{k}:30 +0000',
                f"Completed 500 Internal Server Error in {5000 + k}ms (ActiveRecord: 1.4ms)",
                "Redis::CannotConnectError (Error connecting to Redis on localhost:6379 (Errno::ECONNREFUSED)):",
                *(["  "] if k == 3 else []),  # (the development log's line of blanks before the frames)
                "redis-4.8.1/lib/redis/client.rb:398:in `rescue in establish_connection'",
                "redis-4.8.1/lib/redis/client.rb:379:in `establish_connection'",
                "unicorn-6.1.0/bin/unicorn:128:in `<top (required)>'",
            ]
    rep = _test_runner_report(blocks)
    assert not [t.text for t in rep.templates if ":in `" in t.text]
    groups = [(g.exception_type, g.count, list(g.top_frames)) for g in rep.exception_groups]
    assert groups == [
        ("Redis::CannotConnectError", 2, ["client.rb:rescue in establish_connection", "client.rb:establish_connection"])
    ]


def test_python_frames_under_exceptions_printed_without_the_banner_name_the_exception_and_its_root_cause() -> None:
    """Dagster prints an error's chain without Python's "Traceback (most recent call last):" banner, the outer
    exception first: "dagster._core.errors.SensorExecutionError: ...", "Stack Trace:", its frames, "The above
    exception was caused by the following exception:", "botocore.exceptions.ClientError: ...", its frames."""
    record = JOIN.join(
        [
            "2024-03-12 10:00:13 -0400 - dagster.daemon.SensorDaemon - ERROR - Sensor daemon caught an error",
            "dagster._core.errors.SensorExecutionError: Error occurred during the execution of evaluation_fn",
            "",
            "Stack Trace:",
            '  File "/usr/local/lib/python3.11/site-packages/dagster/_core/errors.py", line 297, in boundary',
            "    raise new_error from e",
            "",
            "The above exception was caused by the following exception:",
            "botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling ListObjectsV2",
            "",
            "Stack Trace:",
            '  File "/opt/dagster/app/pipelines/sensors.py", line 41, in s3_new_files_sensor',
            "    resp = s3.list_objects_v2(Bucket='raw-landing')",
            '  File "/usr/local/lib/python3.11/site-packages/botocore/client.py", line 983, in _make_api_call',
            "    raise error_class(parsed_response, operation_name)",
        ]
    )
    info = exception_of(record, "Sensor daemon caught an error")
    assert info is not None
    assert (info.type, info.root_type) == (
        "dagster._core.errors.SensorExecutionError",
        "botocore.exceptions.ClientError",
    )
    assert info.frames == ("client.py:_make_api_call", "sensors.py:s3_new_files_sensor")


def test_an_empty_line_after_a_tracebacks_banner_is_the_tracebacks() -> None:
    """Anaconda logs "CRT exception: Traceback (most recent call last):", an empty line, then the frames and the
    exception: the empty line ended the record, the frames were records of no time, and the exception's last line an
    ERROR record of its own (the failure counted twice, its group without frames)."""
    lines = [f"00:09:{i:02d},100 INF anaconda.modules.payloads.task: Installing package {i}" for i in range(30)]
    lines += [
        "00:10:55,926 CRT exception: Traceback (most recent call last):",
        "",
        '  File "/usr/lib64/python3.9/site-packages/pyanaconda/modules/common/task/task.py", line 96, in _thread_run',
        "    self._task_run_callback()",
        '  File "/usr/lib64/python3.9/site-packages/pyanaconda/modules/payloads/installation.py", line 280, in run',
        "    self._dnf_manager.install_packages(self.report_progress)",
        "pyanaconda.modules.common.errors.installation.PayloadInstallationError: An error occurred in the transaction",
        "00:10:56,329 INF anaconda.core.threads: Thread Done: AnaInstallThread (140289970583104)",
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.multiline_records == 1
    (group,) = rep.exception_groups
    assert group.exception_type.endswith("PayloadInstallationError") and group.count == 1
    assert list(group.top_frames) == ["installation.py:run", "task.py:_thread_run"], group


def test_gradles_debug_output_reads_its_lifecycle_level_and_the_exception_its_reporter_writes_line_by_line() -> None:
    """Gradle's --debug output writes "<time> [LEVEL] [logger] message" with its own levels ("[LIFECYCLE]" for the
    console's progress): those lines fitted no layout, the logger stayed in every message, and the failure report's
    exception, written line by line under the reporter's header, was ERROR records one by one, no exception group."""

    def line(ms: int, level: str, logger: str, message: str) -> str:
        return f"2024-03-12T14:03:{ms // 1000:02d}.{ms % 1000:03d}+0100 [{level}] [{logger}] {message}"

    lines = []
    for i in range(40):
        lines.append(line(i * 700, "DEBUG", "org.gradle.cache.internal.DefaultFileLockManager", f"Lock {i} acquired"))
        if i % 4 == 0:
            lines.append(line(i * 700 + 5, "LIFECYCLE", "org.gradle.internal.logging.Console", f"> Task :web:step{i}"))
    rep_ = "org.gradle.internal.buildevents.BuildExceptionReporter"
    report = [
        "* Exception is:",
        "org.gradle.api.tasks.TaskExecutionException: Execution failed for task ':web:compileKotlin'.",
        "\tat org.gradle.api.internal.tasks.execution.ExecuteActionsTaskExecuter.executeIfValid(Executer.java:148)",
        "\tat org.gradle.internal.Try$Failure.ifSuccessfulOrElse(Try.java:282)",
        "Caused by: org.jetbrains.kotlin.gradle.tasks.CompilationErrorException: Compilation error.",
        "\tat org.jetbrains.kotlin.gradle.tasks.TasksUtilsKt.throwExceptionIfCompilationFailed(tasksUtils.kt:22)",
        "\t... 32 more",
    ]
    lines += [line(29_612, "ERROR", rep_, x) for x in report]
    lines.append(line(29_700, "LIFECYCLE", "org.gradle.internal.buildevents.BuildResultLogger", "BUILD FAILED in 29s"))
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.format.name == "header-message" and rep.parse_quality.level_share == 1.0
    (group,) = rep.exception_groups
    assert group.exception_type == "org.gradle.api.tasks.TaskExecutionException"
    assert group.root_cause_type == "org.jetbrains.kotlin.gradle.tasks.CompilationErrorException"
    assert not any(t.text.startswith("[org.gradle") for t in rep.templates), [t.text for t in rep.templates]


def test_a_traceback_with_no_last_line_is_of_the_exception_named_before_its_banner() -> None:
    """AWS Lambda's Python runtime reports an unhandled exception as "[ERROR] KeyError: 'shipping_address'", then the
    traceback's banner and frames, and no "Type: message" line under them: the exception is the one named before the
    banner, its frames the traceback's (the record had no exception group). A banner and frames under a line that
    names no type stay no exception."""
    record = JOIN.join(
        [
            "2024-03-12T09:15:24.442Z [ERROR] KeyError: 'shipping_address'",
            "Traceback (most recent call last):",
            '  File "/var/task/orders_sync/handler.py", line 31, in lambda_handler',
            '    results = [process_record(rec) for rec in event["Records"]]',
            '  File "/var/task/orders_sync/payload.py", line 22, in build_payload',
            '    "address": body["shipping_address"]["line1"],',
        ]
    )
    info = exception_of(record)
    assert info is not None
    assert (info.type, info.message, info.frames) == (
        "KeyError",
        "'shipping_address'",
        ("payload.py:build_payload", "handler.py:lambda_handler"),
    )
    assert exception_of(record.replace("KeyError: 'shipping_address'", "request failed for order 7")) is None


def test_an_exception_line_after_a_tag_in_brackets_is_the_exception_thrown() -> None:
    """Sonarr's NLog layout writes its version before the exception's line ("[v4.0.2.1183] System.Net.Http.
    HttpRequestException: ..."), the inner exception and the frames under it: the exception thrown is the tagged
    line's, its root cause the inner one (the group was of the inner exception alone)."""
    record = JOIN.join(
        [
            "2024-03-16 10:03:51.7|Error|DownloadMonitoringService|Unable to retrieve queue and history items",
            "",
            "[v4.0.2.1183] System.Net.Http.HttpRequestException: Connection refused (sabnzbd:8080)",
            " ---> System.Net.Sockets.SocketException (111): Connection refused",
            "   at System.Net.Sockets.Socket.AwaitableSocketAsyncEventArgs.ThrowException(SocketError error)",
            "   at System.Net.Http.HttpConnectionPool.ConnectToTcpHostAsync(String host, Int32 port)",
        ]
    )
    info = exception_of(record)
    assert info is not None
    assert (info.type, info.message, info.root_type) == (
        "System.Net.Http.HttpRequestException",
        "Connection refused (sabnzbd:8080)",
        "System.Net.Sockets.SocketException",
    )


def test_a_javascript_error_after_its_sources_tag_is_the_records_exception() -> None:
    """Zigbee2MQTT writes its namespace after the level ("error: \\tz2m: Error: Error while opening serialport ..."),
    then the error's frames: the thrown type is JavaScript's base class after the tag (no exception group was made)."""
    lines = [
        f"[2024-03-16 07:{i // 60:02d}:{i % 60:02d}] info: \tz2m: MQTT publish: topic 'zigbee2mqtt/{i}'"
        for i in range(30)
    ]
    lines += [
        "[2024-03-16 07:10:03] error: \tz2m: Error: Error while opening serialport 'Error: cannot open /dev/ttyACM0'",
        "    at SerialPort.<anonymous> (/app/node_modules/zigbee-herdsman/src/adapter/z-stack/znp/znp.ts:146:28)",
        "    at SerialPort._error (/app/node_modules/@serialport/stream/dist/index.js:198:14)",
        "[2024-03-16 07:10:04] info: \tz2m: Exiting...",
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    (group,) = rep.exception_groups
    assert (group.exception_type, group.first_line) == ("Error", 31)
    assert group.message.startswith("Error while opening serialport")
    assert list(group.top_frames) == ["SerialPort.<anonymous>", "SerialPort._error"]
