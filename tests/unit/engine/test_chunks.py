"""A file analysed in chunks (``engine.chunks``) and merged gives the one-pass report: templates, exception groups,
histograms, parse quality, anomalies and summary; placeholder statistics as the module docstring says. Lines
written here or generated (``loglens_loggen``), no file copied."""

from __future__ import annotations

import copy
import itertools
import json
import zlib

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import ENGINE_VERSION, CorruptInput, analyze, records
from loglens_analysis.engine.analyzer import MAX_EXAMPLES, MAX_EXCEPTION_GROUPS, MAX_VARIANTS
from loglens_analysis.engine.chunks import (
    HEAD_BYTES,
    PARTIAL_MAGIC,
    PARTIAL_VERSION,
    ChunkPlan,
    _check_order,
    _load,
    _Merge,
    analyze_chunk,
    can_chunk,
    merge_partials,
    plan_chunks,
)
from loglens_loggen import generate_lines
from tests.unit.engine.reading_support import compose_starts

pytestmark = pytest.mark.unit

HINTS = {"year": 2024}


def _partials(data: bytes, chunk_bytes: int) -> list[bytes]:
    head = data[:HEAD_BYTES]
    assert can_chunk(head, **HINTS) is None
    return [analyze_chunk(head, [data[p.read_from :]], p, **HINTS) for p in plan_chunks(len(data), chunk_bytes)]


def _chunked(data: bytes, chunk_bytes: int) -> report_pb2.AnalysisReport:
    return merge_partials(_partials(data, chunk_bytes))


def _without_placeholders(rep: report_pb2.AnalysisReport) -> bytes:
    out = report_pb2.AnalysisReport()
    out.CopyFrom(rep)
    for t in out.templates:
        del t.placeholders[:]
    return out.SerializeToString(deterministic=True)


def _generated(kind: str, n: int = 3000, seed: int = 5) -> bytes:
    return ("\n".join(generate_lines(n, seed, kind)) + "\n").encode()


JAVA = b"""2024-03-01 10:00:00,001 INFO  [main] c.e.App - starting service on port 8080
2024-03-01 10:00:01,002 INFO  [main] c.e.App - connected to db-1 in 12 ms
2024-03-01 10:00:02,003 ERROR [pool-1] c.e.Worker - job 17 failed
java.lang.IllegalStateException: queue closed
\tat com.example.Worker.run(Worker.java:42)
\tat java.base/java.lang.Thread.run(Thread.java:833)
Caused by: java.io.IOException: broken pipe
\tat com.example.Queue.put(Queue.java:7)
\t... 2 more
2024-03-01 10:00:03,004 WARN  [main] c.e.App - retrying job 17 in 5 s
Retry budget: 3 of 5 left
2024-03-01 10:00:09,005 INFO  [main] c.e.App - connected to db-2 in 30 ms
2024-03-01 10:00:10,006 ERROR [pool-2] c.e.Worker - job 18 failed
java.lang.IllegalStateException: queue closed
\tat com.example.Worker.run(Worker.java:42)
\tat java.base/java.lang.Thread.run(Thread.java:833)
2024-03-01 10:01:10,007 INFO  [main] c.e.App - stopping service
"""

PYTHON = b"""2024-03-01 10:00:00,001 INFO app: worker 1 ready
2024-03-01 10:00:01,001 ERROR app: task 7 crashed
Traceback (most recent call last):
  File "/app/tasks.py", line 10, in run
    do(x)
  File "/app/tasks.py", line 20, in do
    raise ValueError("bad x")
ValueError: bad x
2024-03-01 10:00:05,001 INFO app: worker 2 ready
2024-03-01 10:00:09,001 ERROR app: task 8 crashed
Traceback (most recent call last):
  File "/app/tasks.py", line 10, in run
    do(x)
KeyError: 'y'
2024-03-01 10:00:30,001 INFO app: worker 1 done after 30 s
"""

SYSLOG = b"".join(
    f"2024-03-01T10:{i // 60:02d}:{i % 60:02d}Z host{i % 3} sshd[{100 + i}]: {m}\n".encode()
    for i, m in enumerate(
        ["Accepted password for alice from 10.0.0.1 port 22", "Connection closed by 10.0.0.2 port 51000"] * 40
        + ["error: maximum authentication attempts exceeded for root"] * 3
    )
)

JSONL = b"".join(
    (
        f'{{"time":"2024-03-01T10:00:{i % 60:02d}Z","level":"{"error" if i % 9 == 0 else "info"}",'
        f'"msg":"request {"failed" if i % 9 == 0 else "served"}","path":"/api/{i % 4}","ms":{i % 17}}}\n'
    ).encode()
    for i in range(120)
)

COMPOSE = b"".join(
    f"{svc:<6}| 2024-03-01 10:00:{i % 60:02d} INFO {svc} handled request {i}\n".encode()
    for i, svc in zip(range(90), itertools.cycle(["web", "db", "cache"]), strict=False)
)

INLINE = {"java": JAVA, "python": PYTHON, "syslog": SYSLOG, "jsonl": JSONL, "compose": COMPOSE}
INLINE["compose-starts"] = compose_starts()  # restarts told by each line's service


@pytest.mark.parametrize("name", sorted(INLINE))
@pytest.mark.parametrize("chunk_bytes", [50, 300, 10_000])
def test_small_files_of_several_formats_give_the_one_pass_report_whole(name: str, chunk_bytes: int) -> None:
    """Fewer records than every sampling bound: even the placeholder statistics are the one-pass ones."""
    data = INLINE[name]
    one = analyze([data], **HINTS)
    rep = _chunked(data, chunk_bytes)
    assert rep.SerializeToString(deterministic=True) == one.SerializeToString(deterministic=True)


@pytest.mark.parametrize("kind", ["app", "python", "json", "access", "logfmt", "cri", "mixed"])
def test_generated_files_give_the_one_pass_report_but_for_placeholder_statistics(kind: str) -> None:
    data = _generated(kind, 1500)
    one = analyze([data], **HINTS)
    for chunk_bytes in (len(data) // 3, len(data) // 10, 4096):
        rep = _chunked(data, chunk_bytes)
        assert _without_placeholders(rep) == _without_placeholders(one), (kind, chunk_bytes)
        # The same placeholders, of the same kinds (their statistics: see the chunks docstring).
        for a, b in zip(one.templates, rep.templates, strict=True):
            assert [(p.index, p.kind) for p in a.placeholders] == [(p.index, p.kind) for p in b.placeholders]


POSTGRES = b"""2024-03-01 10:00:00.001 CET [4001] LOG:  database system is ready to accept connections
2024-03-01 10:00:01.002 CET [4002] app@shop ERROR:  relation "ordrs" does not exist at character 15
2024-03-01 10:00:01.002 CET [4002] app@shop STATEMENT:  SELECT * FROM ordrs
2024-03-01 10:00:02.003 CET [4003] app@shop ERROR:  duplicate key value violates unique constraint "orders_pkey"
2024-03-01 10:00:02.003 CET [4003] app@shop DETAIL:  Key (id)=(7) already exists.
2024-03-01 10:00:02.003 CET [4003] app@shop STATEMENT:  INSERT INTO orders (id) VALUES (7)
2024-03-01 10:00:02.004 CET [4004] app@shop DETAIL:  a label line of another process
2024-03-01 10:00:03.004 CET [4001] LOG:  checkpoint starting: time
2024-03-01 10:00:09.005 CET [4001] LOG:  automatic vacuum of table "shop.public.orders": index scans: 1
	pages: 0 removed, 12 remain, 12 scanned (100.00% of total)
2024-03-01 10:01:10.007 CET [4001] LOG:  checkpoint complete: wrote 3 buffers (0.0%)
"""


RUST = b"""[2024-03-01T10:00:00Z INFO  app::http] GET /api/orders 200 2ms
[2024-03-01T10:00:01Z INFO  app::http] POST /api/orders/7/refund accepted
thread 'tokio-runtime-worker' panicked at src/handlers.rs:42:17:
called `Option::unwrap()` on a `None` value
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
[2024-03-01T10:00:01Z ERROR app::http] request task failed: task 2281 panicked
[2024-03-01T10:00:05Z INFO  app::http] GET /api/orders 200 3ms
"""


LOGCAT = b"""09-26 15:19:05.100  1234  1250 I ActivityManager: Start proc 5678:com.example/u0a12 for activity
09-26 15:19:07.300  5678  5678 E AndroidRuntime: java.lang.RuntimeException: Unable to start activity
09-26 15:19:07.300  5678  5678 E AndroidRuntime: \tat android.app.ActivityThread.performLaunch(ActivityThread.java:2416)
09-26 15:19:07.300  5678  5678 E AndroidRuntime: Caused by: java.lang.NullPointerException: null object reference
09-26 15:19:07.300  5678  5678 E AndroidRuntime: \tat com.example.Main.onCreate(Main.java:42)
09-26 15:19:07.300  5678  5678 E AndroidRuntime: \t... 10 more
09-26 15:19:07.301  5679  5679 E AndroidRuntime: \tat com.example.Other.run(Other.java:7)
09-26 15:19:08.000  1234  1300 I ActivityManager: Process com.example (pid 5678) has died
"""


JOURNAL_PYTHON = b"""May 01 10:05:00 host app[123]: processed batch 4 in 12 ms
May 01 10:05:01 host app[123]: Traceback (most recent call last):
May 01 10:05:01 host app[123]:   File "/app/x.py", line 3, in <module>
May 01 10:05:01 host app[123]:     main()
May 01 10:05:01 host app[123]:   File "/app/x.py", line 9, in main
May 01 10:05:01 host app[123]:     raise ValueError("bad")
May 01 10:05:01 host app[123]: ValueError: bad
May 01 10:05:01 host app[123]: Retrying in 5 s
May 01 10:05:06 host app[123]: processed batch 5 in 11 ms
"""


JOURNAL_JAVA = b"""May 01 10:05:00 host java[123]: 2024-05-01 10:05:00.120 INFO  [main] c.e.App - Started in 4 s
May 01 10:05:01 host java[123]: 2024-05-01 10:05:01.456 ERROR [exec-1] c.e.Ctl - Request failed
May 01 10:05:01 host java[123]: java.lang.IllegalStateException: pool exhausted
May 01 10:05:01 host java[123]:         at com.example.Pool.take(Pool.java:88)
May 01 10:05:01 host java[123]:         at java.base/java.lang.Thread.run(Thread.java:833)
May 01 10:05:02 host java[123]: 2024-05-01 10:05:02.001 INFO  [exec-2] c.e.Ctl - GET /health 200
"""


_OSLO_HEAD = "2024-05-01 10:05:01.456 41 ERROR nova.manager [instance: 0b1c] "
OSLO = (
    "\n".join(
        [
            "2024-05-01 10:05:00.120 41 INFO nova.manager [req-1 - -] Claim successful",
            "2024-05-01 10:05:01.456 41 INFO nova.manager [req-2 - -] Build failed",
            *(
                _OSLO_HEAD + line
                for line in [
                    "Traceback (most recent call last):",
                    '  File "/nova/manager.py", line 9, in spawn',
                    "queue.Empty",
                    "",
                    "During handling of the above exception, another exception occurred:",
                    "",
                    "Traceback (most recent call last):",
                    '  File "/nova/db.py", line 4, in save',
                    "DBError: lost connection",
                    "[SQL: SELECT 1]",
                ]
            ),
            "2024-05-01 10:05:02.001 41 INFO nova.manager [req-3 - -] Claim successful",
        ]
    )
    + "\n"
).encode()


ERLANG = b"""2024-03-14 13:11:42.973928+00:00 [info] <0.1005.0> accepting AMQP connection <0.1005.0>
2024-03-14 13:11:50.686796+00:00 [error] <0.4235.0>   crasher:
2024-03-14 13:11:50.686796+00:00 [error] <0.4235.0>     initial call: rabbit_channel:init/1
2024-03-14 13:11:50.686796+00:00 [error] <0.4235.0>     pid: <0.4235.0>
2024-03-14 13:11:50.687151+00:00 [error] <0.4235.0>     ancestors: [<0.4232.0>,rabbit_sup]
2024-03-14 13:11:50.687151+00:00 [error] <0.4235.0>   neighbours:
2024-03-14 13:11:50.687151+00:00 [error] <0.4235.0>     supervisor: {<0.4231.0>,rabbit_channel_sup}
2024-03-14 13:11:50.690002+00:00 [error] <0.999.0>     stray: another process
2024-03-14 13:11:51.000000+00:00 [info] <0.1005.0> closing AMQP connection <0.1005.0>
"""


RUSTC = b"""warning: unused variable: `x`
 --> src/main.rs:2:9
  |
2 |     let x = 5;
  |         ^ help: if this is intentional, prefix it with an underscore: `_x`
  |
error[E0308]: mismatched types
 --> src/db.rs:4:18
  |
4 |     let n: u32 = "five";
  |            ---   ^^^^^^ expected `u32`, found `&str`
error: could not compile `shop` (bin "shop") due to 1 previous error; 1 warning emitted
"""


CARGO_TEST = b"""running 3 tests
test ledger::tests::keeps_balance ... ok
test ledger::tests::moves_funds ... FAILED
test ledger::tests::rejects_overdraft ... FAILED

failures:

---- ledger::tests::moves_funds stdout ----
thread 'ledger::tests::moves_funds' panicked at src/ledger.rs:214:9:
assertion `left == right` failed
  left: 700
 right: 750
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

---- ledger::tests::rejects_overdraft stdout ----
thread 'ledger::tests::rejects_overdraft' panicked at src/ledger.rs:98:38:
attempt to subtract with overflow

test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
"""


SIDEKIQ = b"""2024-01-15T10:00:06.892Z pid=4711 tid=13b02c class=HardJob jid=8fd09bd96c34 INFO: start
2024-01-15T10:00:06.892Z pid=4711 tid=13b02c WARN: Net::ReadTimeout: Net::ReadTimeout with #<TCPSocket:(closed)>
2024-01-15T10:00:06.892Z pid=4711 tid=13b02c WARN: /app/app/jobs/hard_job.rb:12:in `perform'
2024-01-15T10:00:06.893Z pid=4711 tid=13b02c WARN: /app/lib/processor.rb:202:in `execute_job'
2024-01-15T10:00:07.001Z pid=4711 tid=13c1aa class=HardJob jid=3545f33ddb90 elapsed=0.2 INFO: done
"""


MAVEN = b"""[INFO] Compiling 42 source files to /app/target/classes
[ERROR] /app/src/main/java/com/acme/OrderService.java:[57,21] cannot find symbol
[ERROR]   symbol:   method getTotal()
[ERROR]   location: variable order of type com.acme.Order
[ERROR] /app/src/main/java/com/acme/Cart.java:[12,5] incompatible types: String cannot be converted to int
[INFO] BUILD FAILURE
"""


# Lone carriage returns (a wiped section marker, a progress bar, a Lambda traceback's lines in one event) end no line.
CARRIAGE = (
    b"2024-03-01 10:00:00,001 INFO  [main] c.e.App - section_start:1709287200:step\r\x1b[0KExecuting step\n"
    b"2024-03-01 10:00:01,002 INFO  [main] c.e.App - (Reading database ... \r(Reading database ... 5%\r\n"
    b"2024-03-01 10:00:02,003 ERROR [main] c.e.App - KeyError: 'id'\rTraceback (most recent call last):\r"
    b'  File "/var/task/app.py", line 5, in handler\n'
    b"java.lang.IllegalStateException: boom\r\n"
    b"\tat c.e.App.run(App.java:12)\n"
    b"2024-03-01 10:00:03,004 INFO  [main] c.e.App - done\r\r\n"
)

# Oracle's alert log: each time on a line of its own, above the lines it times (one record).
ORACLE = (
    b"2024-09-10T01:58:44.118269+02:00\n"
    b"Starting ORACLE instance (normal) (OS id: 31442)\n"
    b"2024-09-10T01:58:45.031269+02:00\n"
    b"LICENSE_MAX_SESSION = 0\n"
    b"Initial number of CPU is 8\n"
    b"2024-09-10T09:44:40.001269+02:00\n"
    b"Errors in file /u01/trace/ORCL_j001_48211.trc:\n"
    b"ORA-12012: error on auto execute of job 42\n"
    b"2024-09-10T09:44:41.001269+02:00\n"
    b"Thread 1 advanced to log sequence 48202 (LGWR switch)\n"
    b"  Current log# 2 seq# 48202 mem# 0: +REDO/group_2.259\n"
)

# klog's value of several lines: "err=<", its lines indented by a tab (one empty), " >" and the other fields.
KLOG = (
    b'I0603 14:07:10.035369       1 sync.go:140] "starting controller" controller="a"\n'
    b'E0603 14:07:15.035369       1 sync.go:140] "error presenting challenge" err=<\n'
    b"\tfailed to determine Route 53 hosted zone ID: AccessDenied\n"
    b"\t\n"
    b' > logger="cert-manager.challenges" type="DNS-01"\n'
    b'I0603 14:07:20.035369       1 sync.go:140] "starting controller" controller="b"\n'
)


@pytest.mark.parametrize(
    "data",
    [
        KLOG,
        ORACLE,
        JAVA,
        POSTGRES,
        RUST,
        LOGCAT,
        JOURNAL_PYTHON,
        JOURNAL_JAVA,
        OSLO,
        ERLANG,
        RUSTC,
        SIDEKIQ,
        MAVEN,
        CARGO_TEST,
        CARRIAGE,
    ],
    ids=[
        "klog-value",
        "oracle",
        "java",
        "postgres",
        "rust",
        "logcat",
        "journal-python",
        "journal-java",
        "oslo",
        "erlang-indented",
        "rustc",
        "sidekiq",
        "maven",
        "cargo-test",
        "carriage",
    ],
)
def test_every_cut_of_a_multi_line_record_file_gives_the_one_pass_report(data: bytes) -> None:
    one = analyze([data], **HINTS).SerializeToString(deterministic=True)
    head = data[:HEAD_BYTES]
    for cut in range(1, len(data)):
        plans = plan_chunks(len(data), cut)[:2]
        # Two chunks: [0, cut) and [cut, end).
        from loglens_analysis.engine.chunks import ChunkPlan

        two = [ChunkPlan(0, 0, cut), ChunkPlan(1, cut, len(data))]
        assert plans[0] == two[0]
        parts = [analyze_chunk(head, [data[p.read_from :]], p, **HINTS) for p in two]
        assert merge_partials(parts).SerializeToString(deterministic=True) == one, cut


def _wrapped(data: bytes, how: str) -> bytes:
    """Each line of ``data`` as a container runtime (CRI) or Docker's json-file driver writes it."""
    out = []
    for i, line in enumerate(data.decode().splitlines()):
        stamp = f"2024-03-01T10:00:{i:02d}.{i * 7919:09d}Z"
        if how == "cri":
            out.append(f"{stamp} stderr F {line}")
        else:
            out.append(json.dumps({"log": line + "\n", "stream": "stderr", "time": stamp}, separators=(",", ":")))
    return ("\n".join(out) + "\n").encode()


def _wrapped_reads_as_plain(plain_data: bytes, how: str, step: int) -> report_pb2.AnalysisReport:
    """``plain_data`` wrapped as ``how`` writes it: the plain file's record count and exception groups in one pass,
    and the one-pass report whatever the cut of two chunks (every ``step``-th byte). The one-pass report."""
    data = _wrapped(plain_data, how)
    plain = analyze([plain_data], **HINTS)
    one = analyze([data], **HINTS)
    assert one.record_count == plain.record_count
    assert [(g.exception_type, g.count) for g in one.exception_groups] == [
        (g.exception_type, g.count) for g in plain.exception_groups
    ]
    want = one.SerializeToString(deterministic=True)
    head = data[:HEAD_BYTES]
    for cut in range(1, len(data), step):
        two = [ChunkPlan(0, 0, cut), ChunkPlan(1, cut, len(data))]
        parts = [analyze_chunk(head, [data[p.read_from :]], p, **HINTS) for p in two]
        assert merge_partials(parts).SerializeToString(deterministic=True) == want, cut
    return one


@pytest.mark.parametrize("how", ["cri", "docker"])
def test_a_python_traceback_in_a_container_s_lines_is_one_record_at_every_cut(how: str) -> None:
    """A traceback's last line ("ValueError: bad x") carries the runtime's prefix too: it still closes the
    traceback's record, in one pass and whatever the chunk cut."""
    one = _wrapped_reads_as_plain(PYTHON, how, 7)
    assert one.exception_groups[0].exception_type == "ValueError"


GO_PANIC = b"""2024-03-01 10:00:00 INFO serving on :8080
2024-03-01 10:00:01 INFO request handled path=/a
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6b2d1a]

goroutine 42 [running]:
main.(*Server).handle(0x0, {0x7f1a2c, 0xc000012345})
\t/app/srv/server.go:88 +0x3a
created by net/http.(*Server).Serve in goroutine 1
\t/usr/local/go/src/net/http/server.go:3086 +0x5cb
2024-03-01 10:00:05 INFO serving on :8080
"""

PY_CHAINED = b"""2024-03-01 10:00:00,001 INFO app: worker 1 ready
2024-03-01 10:00:01,001 ERROR app: task 7 crashed
Traceback (most recent call last):
  File "/app/tasks.py", line 10, in run
    do(x)
KeyError: 'x'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/app/tasks.py", line 12, in run
    raise ValueError("bad x")
ValueError: bad x
2024-03-01 10:00:05,001 INFO app: worker 2 ready
"""


@pytest.mark.parametrize("how", ["cri", "docker"])
@pytest.mark.parametrize("name", ["go", "py"])
def test_blank_lines_inside_a_trace_in_a_container_s_lines_keep_it_one_record(name: str, how: str) -> None:
    """A Go panic's goroutine dump and a chained Python traceback hold blank lines; under a runtime's prefix a blank
    line still carries it ("...Z stderr F "). The trace stays one record, in one pass and at every chunk cut."""
    one = _wrapped_reads_as_plain(GO_PANIC if name == "go" else PY_CHAINED, how, 5)
    assert one.exception_groups


def test_the_order_chunks_finish_in_does_not_matter() -> None:
    data = _generated("app", 1500)
    head = data[:HEAD_BYTES]
    plans = plan_chunks(len(data), len(data) // 5)
    expected = None
    for order in (list(range(len(plans))), list(reversed(range(len(plans)))), [2, 0, 4, 1, 3, 5][: len(plans)]):
        done: dict[int, bytes] = {}
        for i in order:
            done[i] = analyze_chunk(head, [data[plans[i].read_from :]], plans[i], **HINTS)
        got = merge_partials([done[i] for i in range(len(plans))]).SerializeToString(deterministic=True)
        expected = expected or got
        assert got == expected


def test_a_partial_is_bounded_by_the_caps_not_by_the_chunk_s_bytes() -> None:
    """A partial that held the chunk's bytes grew with them (four times the bytes, four times the partial); the
    aggregates grow only until the caps fill (sketches, top values), far below the bytes."""
    data = _generated("json", 12000, seed=3)
    head = data[:HEAD_BYTES]
    small = plan_chunks(len(data), len(data) // 4)[0]
    big = plan_chunks(len(data), len(data))[0]
    a = analyze_chunk(head, [data], small, **HINTS)
    b = analyze_chunk(head, [data], big, **HINTS)
    assert len(b) < 2.5 * len(a)
    assert len(b) < len(data) // 50


def test_corrupt_truncated_foreign_or_misordered_partials_are_refused() -> None:
    parts = _partials(JAVA, 200)
    assert len(parts) >= 3
    with pytest.raises(CorruptInput, match="out of order"):
        merge_partials([parts[1], parts[0], *parts[2:]])
    with pytest.raises(CorruptInput, match="damaged or truncated"):
        merge_partials([parts[0][:-20], *parts[1:]])
    with pytest.raises(CorruptInput, match="not a partial"):
        merge_partials([b"\x80\x04pickle", *parts[1:]])
    with pytest.raises(CorruptInput, match="chunks missing"):
        merge_partials(parts[:-1])
    with pytest.raises(CorruptInput):
        merge_partials([])
    doc = b'{"v":%d,"engine":"%s"}' % (PARTIAL_VERSION, ENGINE_VERSION.encode())
    with pytest.raises(CorruptInput, match="malformed"):
        merge_partials([PARTIAL_MAGIC + zlib.compress(doc), *parts[1:]])
    with pytest.raises(CorruptInput, match="another engine version"):
        merge_partials([b"LLCP1\n" + parts[0][len(PARTIAL_MAGIC) :], *parts[1:]])


def test_merging_many_partials_keeps_the_merged_state_within_the_caps() -> None:
    data = _generated("mixed", 1000, seed=11)
    parts = _partials(data, max(1, len(data) // 100))
    assert len(parts) >= 100
    docs = [_load(p, i) for i, p in enumerate(parts)]
    _check_order(docs)
    m = _Merge(docs)
    m.mine()
    for k, d in enumerate(docs):
        m.chunk(k, d)
    an = m.an
    assert len(an._variants) <= MAX_VARIANTS
    assert len(an.exceptions) <= MAX_EXCEPTION_GROUPS
    assert len(an.buckets) <= 128
    assert all(len(v.examples) <= MAX_EXAMPLES and len(v.bins) <= 128 for v in an._all_variants())
    assert len(an.miner.clusters) == len({c.index for c in an.miner.clusters})
    assert _without_placeholders(m.finish()) == _without_placeholders(analyze([data], **HINTS))


def test_files_read_in_order_only_are_not_chunked() -> None:
    assert "gzip" in (can_chunk(b"\x1f\x8b\x08\x00rest") or "")
    no_date = b"".join(f"10:00:{i % 60:02d} INFO tick {i}\n".encode() for i in range(50))
    assert "without a date" in (can_chunk(no_date) or "")
    no_year = b"".join(f"Mar  1 10:00:{i % 60:02d} host app: tick {i}\n".encode() for i in range(50))
    assert "without a year" in (can_chunk(no_year) or "")
    assert can_chunk(no_year, year=2024) is None


def test_a_placeholder_a_chunk_first_reads_as_another_kind_is_counted_as_one_pass_counts_it() -> None:
    # An asset's hash is hex ("app.3f9a01bc.js"); every other one happens to be all digits ("app.04670963.js"), a number
    # to a chunk whose first record of the message holds one. One pass counts every record under the kind of the
    # file's first (a hash: no numeric statistics); so does the merge, whatever the cuts.
    lines = []
    for i in range(4000):
        asset = f"f{i % 10}{(i * 2654435761) % 16**6:06x}" if i % 2 == 0 else f"{(i * 40503) % 10**8:08d}"
        lines.append(f"2024-03-01 10:{i // 60 % 60:02d}:{i % 60:02d} INFO GET /static/js/app.{asset}.js in {i % 90} ms")
    data = ("\n".join(lines) + "\n").encode()
    one = analyze([data], **HINTS)
    for chunk_bytes in (len(data) // 7, len(data) // 13):
        rep = _chunked(data, chunk_bytes)
        assert (
            [t.text for t in rep.templates]
            == [t.text for t in one.templates]
            == ["GET /static/js/app.<*>.js in <*> ms"]
        )
        (a, b), (c, d) = (x.placeholders for x in (one.templates[0], rep.templates[0]))
        assert (a.kind, a.HasField("numeric")) == (c.kind, c.HasField("numeric")) == ("hex", False)
        assert b.numeric.count == d.numeric.count == 4000 and (b.numeric.min, b.numeric.max) == (
            d.numeric.min,
            d.numeric.max,
        )


@pytest.mark.parametrize("cap", [3, 5, 8, 100])
@pytest.mark.parametrize("cut", [4, 7, 10, 15])
def test_the_sources_of_lines_merged_from_chunks_are_one_readers(
    monkeypatch: pytest.MonkeyPatch, cap: int, cut: int
) -> None:
    """Each line's compose service, as one reader remembers it (its first runs, up to the cap), whatever the chunks:
    a chunk numbers its lines from 1 and starts a run at its first line, which may go on from the chunk before."""
    monkeypatch.setattr(records, "MAX_SOURCE_RUNS", cap)
    names = ["db", "db", "web", "web", "db", "cache", "cache", "web", "db", "db", "", "web", "cache", "db", "db", "web"]
    one = records.SourceRuns()
    for line, name in enumerate(names, 1):
        one.add(line, name)
    merged = records.SourceRuns()
    for lo, hi in ((0, cut), (cut, len(names))):
        part = records.SourceRuns()
        for line, name in enumerate(names[lo:hi], 1):
            part.add(line, name)
        merged.extend(part, lo)
    assert (merged.starts, merged.names, merged.end) == (one.starts, one.names, one.end)
    assert [merged.at(x) for x in range(1, 20)] == [one.at(x) for x in range(1, 20)]
    if cap == 100:
        assert [one.at(x) for x in range(1, len(names) + 1)] == [n or None for n in names]
        assert one.lines_before("db", 10) == 4 and one.lines_before("web", 10) == 3


def test_a_shape_a_later_chunk_reads_first_with_other_digits_gives_the_one_pass_report() -> None:
    """One pass counts the records of a shape (a digit key) under the text of its first record in the file and checks
    the first records of a cluster against it: "device (virbr0)" after "device (virbr1)" made the word a placeholder,
    so "(enp0s31f6)" joined them in one template. A chunk whose first record of the shape said "virbr0" made a variant
    of its own, never compared with the first chunk's: 3 templates instead of 1 (the pop-os journal, 1,889 templates
    against 1,887). The same holds for a cluster past its first records (no check: the word stays)."""
    lines = []
    for i in range(240):
        t = f"2024-03-01 10:{i // 60:02d}:{i % 60:02d}"
        if i in (20, 150, 200):
            dev = {20: "virbr1", 150: "virbr0", 200: "enp0s31f6"}[i]
            lines.append(f"{t} INFO device ({dev}): Activation: successful, device activated.")
        elif i % 3 == 0:
            lines.append(f"{t} WARN Failed password for invalid user {('judy', 'alice')[i % 2]}{i % 97} port {i}")
        else:
            lines.append(f"{t} INFO served request {i} in {i % 17} ms")
    data = ("\n".join(lines) + "\n").encode()
    one = analyze([data], **HINTS)
    assert "device (<*>): Activation: successful, device activated." in {t.text for t in one.templates}
    for chunk_bytes in (len(data) // 2 + 1, len(data) // 3 + 1, len(data) // 5 + 1, 2048):
        assert _chunked(data, chunk_bytes).SerializeToString(deterministic=True) == one.SerializeToString(
            deterministic=True
        ), chunk_bytes


def test_a_quoted_path_whose_digits_vary_keeps_its_quotes_in_one_pass_and_in_chunks() -> None:
    """A quoted path's word found to vary ("Level2" then "Level3": "'.../<*>.umap'") after the cluster took another
    variant's path ("'<*>'", from a record that continued onto an untimed line): the merge of chunks made the token a
    bare "<*>" (the cluster's token no longer the variant's), and merged a chunk's varied word with another chunk's
    unvaried one into "'../../../<*>'"; one pass said "'<*>'" and "'.../Maps/<*>.umap'". Both ways agree now."""
    path = "'../../../Game/Content/Maps/Level{}.umap'"
    cases = (
        ["2026-11-30T08:03:0{}.431Z [18{}]LogStreaming: Warning: Failed to read file {} error.\n", (2, 3, 4)],
        ["2026-11-30T08:03:1{}.431Z [19{}]LogStreaming: Warning: Failed to read file {} error.\n", (2, 4, 0)],
    )
    for line, levels in cases:
        text = "".join(line.format(i, i, path.format(n)) for i, n in enumerate(levels))
        if levels[-1] == 4:
            text += "LogExit: Exiting.\n"
        data = text.encode()
        one = analyze([data], **HINTS)
        assert {t.text for t in one.templates} <= {
            "Failed to read file '<*>' error.",
            "Failed to read file '../../../Game/Content/Maps/<*>.umap' error.",
        }, [t.text for t in one.templates]
        for chunk_bytes in range(40, len(data) + 1, 37):
            assert _chunked(data, chunk_bytes).SerializeToString(deterministic=True) == one.SerializeToString(
                deterministic=True
            ), chunk_bytes


def test_a_word_with_placeholders_meets_the_same_word_unvaried_without_losing_its_constant_parts() -> None:
    from loglens_analysis.engine.analyzer import _varied_words

    varied = "'../Maps/<*>.umap'"
    assert _varied_words("'../Maps/Level2.umap'", varied) == varied
    assert _varied_words("'../Maps/Level2.umap'", "'../Maps/Level3.umap'") == varied
    # A word the placeholders cannot stand for stays a difference of its own.
    assert _varied_words("'../Roads/Level2.umap'", varied) != varied


def test_a_word_whose_digits_vary_keeps_the_other_placeholders_in_chunks_as_in_one_pass() -> None:
    """A user's word with digits varies ("user17", "user5") after the values of its message began to be read: one
    pass and every cut read the other placeholders (the client's address, the duration) as placeholders of the
    same kinds; the report is otherwise the one-pass one."""
    lines = []
    for i in range(900):
        user = f"user{i * 7 % 300}"
        lines.append(f"2024-03-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z INFO User {user} logged in from 10.0.0.{i % 40}")
        lines.append(f"2024-03-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z INFO User {user} logged out after {i % 50}s")
    data = ("\n".join(lines) + "\n").encode()
    one = analyze([data], **HINTS)
    kinds = [[(p.index, p.kind) for p in t.placeholders] for t in one.templates]
    assert kinds == [[(1, "ip")], [(1, "duration")]], kinds
    for chunk_bytes in (len(data) // 2, len(data) // 5, 4096):
        rep = _chunked(data, chunk_bytes)
        assert _without_placeholders(rep) == _without_placeholders(one), chunk_bytes
        assert [[(p.index, p.kind) for p in t.placeholders] for t in rep.templates] == kinds, chunk_bytes


def test_two_variants_of_a_chunk_that_are_one_variant_of_the_file_keep_its_first_and_last_lines() -> None:
    """A chunk's clusters can generalise otherwise than the file's, so two of its variants can be one variant of the
    merged file, listed in either order of their lines. The merge took the second one's last line as the variant's
    (a CoreDNS query log's last record, at line 925, was cited as 922 at three chunks) and the first one's first.
    The merged variant spans both: its first line the earlier, its last the later, with their times."""
    data = _generated("app", 2000)
    parts = _partials(data, len(data) // 2 + 1)
    whole = merge_partials(parts)
    doc = json.loads(zlib.decompress(parts[1][len(PARTIAL_MAGIC) :]))
    # A variant of the second chunk told as two: its records from its second line on first, then one record at its
    # first line (fields: cluster, masked, tokens, count, levels, level_first, level_last, first and last line,
    # first and last time, ...).
    i = max(range(len(doc["variants"])), key=lambda k: doc["variants"][k][3])
    v = doc["variants"][i]
    fl, ll, ft, lt = v[7], v[8], v[9], v[10]
    assert fl < ll and ft is not None and lt is not None
    early = copy.deepcopy(v)
    early[3], early[8], early[10] = 1, fl, ft
    later = copy.deepcopy(v)
    later[7] = fl + 1
    doc["variants"][i] = later
    doc["variants"].append(early)
    parts[1] = PARTIAL_MAGIC + zlib.compress(json.dumps(doc).encode())
    merged = merge_partials(parts)
    spans = {t.id: (t.first_line, t.last_line, t.last_time.ToSeconds()) for t in whole.templates}
    assert {t.id: (t.first_line, t.last_line, t.last_time.ToSeconds()) for t in merged.templates} == spans
