"""A generator of realistic, varied logs for tests and benchmarks (no real data shipped).

Kinds: ``app`` (logback-style lines with Java stack traces), ``python`` (Python logging with
tracebacks), ``json`` (microservice JSON lines), ``access`` (nginx/Apache combined), ``syslog`` (RFC 3164
sshd/cron/kernel), ``logfmt``, ``cri`` (Kubernetes container log lines, some split into partials) and
``mixed`` (all of them interleaved as when several sources are collected into one stream: short runs
of 1 to ``MAX_RUN`` records of one source, sources drawn with fixed weights). Every kind has high-cardinality
ids (UUIDs, request ids, IPs, durations), a steady baseline and one burst of errors, and is the same for
the same seed.

Planted changes (``plants``, for judging a comparison of two files; all of ``PLANTS`` by default with
``--plant all``), each a known difference from a file made without them:

- ``new-error``: a new ERROR message (app) "Payment provider rejected charge <id>: card declined";
- ``gone``: the JSON warning "rate limit close" is no longer written;
- ``x5``: the kernel's "eth0: link up" (syslog) is written five times as often;
- ``div5``: the Python warning "Retrying connection to ..." one fifth as often;
- ``new-status``: 5 % of the app's "Completed ... status=" lines carry status 503, never seen before;
- ``new-exception``: a quarter of the app's exceptions are a new one (NullPointerException, its own frames);
- ``generalised``: the app's slow-query message names a table shard ("from orders_17") where it always said
  "from orders": its template's constant becomes a placeholder.

A dropped record still advances the clock and takes its place in the mix of sources, and an added one
shares its neighbour's time and place, so other messages keep their rate per hour and their share.

    from loglens_loggen import write_log
    write_log("big.log", 256 << 20, seed=1)          # streams to disk, constant memory
    python -m loglens_loggen --size 256MiB --out big.log
"""

from __future__ import annotations

import gzip
import io
import random
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import IO

PLANTS = ("new-error", "gone", "x5", "div5", "new-status", "new-exception", "generalised")
KINDS = ("app", "python", "json", "access", "syslog", "logfmt", "cri", "mixed")
MAX_RUN = 40
MIX_WEIGHTS = {"app": 30, "json": 20, "access": 20, "syslog": 10, "python": 8, "logfmt": 6, "cri": 6}
BASE_TIME = datetime(2024, 5, 1, 0, 0, 0, tzinfo=UTC)

_USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
_SERVICES = ["orders", "payments", "inventory", "shipping", "users", "search"]
_PATHS = [
    "/api/v1/orders/{id}",
    "/api/v1/users/{id}/profile",
    "/static/js/app.{hex}.js",
    "/healthz",
    "/api/v1/search?q=item{id}",
    "/api/v1/cart/{id}/items",
    "/login",
    "/api/v1/payments/{id}",
]
_METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE"]
_AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0",
    "curl/8.5.0",
    "kube-probe/1.29",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Safari/605.1.15",
    "okhttp/4.12.0",
]
_THREADS = ["main", "http-nio-8080-exec-{n}", "scheduler-{n}", "kafka-consumer-{n}", "pool-2-thread-{n}"]
_CLASSES = [
    "c.e.orders.OrderService",
    "c.e.payments.PaymentClient",
    "c.e.inventory.StockRepository",
    "c.e.web.RequestLogger",
    "c.e.cache.RedisCache",
    "o.h.engine.jdbc.spi.SqlExceptionHelper",
]
_JAVA_EXC = [
    (
        "java.lang.IllegalStateException",
        "Order {id} is already closed",
        ["c.e.orders.OrderService.close", "c.e.orders.OrderController.closeOrder"],
    ),
    (
        "java.net.SocketTimeoutException",
        "Read timed out after {ms} ms",
        ["java.net.SocketInputStream.read", "c.e.payments.PaymentClient.charge", "c.e.orders.Checkout.run"],
    ),
    (
        "org.postgresql.util.PSQLException",
        "ERROR: deadlock detected",
        ["org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse", "c.e.inventory.StockRepository.reserve"],
    ),
]
_NEW_EXC = (
    "java.lang.NullPointerException",
    'Cannot invoke "Order.getTotal()" because "order" is null',
    ["c.e.orders.PriceCalculator.total", "c.e.orders.Checkout.price", "c.e.orders.Checkout.run"],
)
Plants = frozenset[str]


class _Clock:
    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.t = BASE_TIME
        self.count = 0

    def tick(self) -> datetime:
        self.count += 1
        self.t += timedelta(microseconds=self.rnd.randrange(0, 40_000))
        return self.t


def _ip(r: random.Random) -> str:
    return f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"


def _fill(r: random.Random, s: str) -> str:
    return (
        s.replace("{id}", str(r.randrange(1, 10**6)))
        .replace("{hex}", f"{r.getrandbits(32):08x}")
        .replace("{n}", str(r.randrange(1, 40)))
        .replace("{ms}", str(r.randrange(100, 30_000)))
    )


def _in_burst(clock: _Clock, period: int) -> bool:
    # One burst of errors per 100k lines: lines 60,000..61,500 of every 100,000.
    return 60_000 <= clock.count % period < 61_500


def _app(r: random.Random, clock: _Clock, plants: Plants = frozenset()) -> Iterator[str]:
    while True:
        t = clock.tick()
        ts = t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}"
        thread = _fill(r, r.choice(_THREADS))
        cls = r.choice(_CLASSES)
        burst = _in_burst(clock, 100_000)
        x = r.random()
        extra = ""
        if "new-error" in plants and r.random() < 0.004:
            # Written with the record drawn next, as one item of the stream (it keeps the mix of sources).
            extra = (
                f"{ts} ERROR [{thread}] {cls} - Payment provider rejected charge {r.randrange(10**7)}: card declined\n"
            )
        if (burst and x < 0.5) or x < 0.01:
            exc, msg, frames = r.choice(_JAVA_EXC)
            if "new-exception" in plants and r.random() < 0.25:
                exc, msg, frames = _NEW_EXC
            lines = [
                f"{ts} ERROR [{thread}] {cls} - Request {uuid.UUID(int=r.getrandbits(128))} failed",
                f"{exc}: {_fill(r, msg)}",
            ]
            lines += [f"\tat {f}({f.rsplit('.', 2)[-2]}.java:{r.randrange(20, 900)})" for f in frames]
            if r.random() < 0.3:
                lines.append("Caused by: java.io.IOException: Connection reset by peer")
                lines.append("\tat sun.nio.ch.SocketDispatcher.read0(Native Method)")
                lines.append(f"\t... {r.randrange(5, 40)} more")
            yield extra + "\n".join(lines)
        elif x < 0.05:
            table = f"orders_{r.randrange(64):02d}" if "generalised" in plants else "orders"
            yield extra + (
                f"{ts} WARN  [{thread}] {cls} - Slow query took {r.randrange(500, 9000)} ms: "
                f"select * from {table} where id = {r.randrange(10**6)}"
            )
        elif x < 0.35:
            yield extra + (
                f"{ts} INFO  [{thread}] {cls} - Created order {r.randrange(10**7)} for customer "
                f"{r.choice(_USERS)} in {r.randrange(1, 300)} ms"
            )
        elif x < 0.6:
            yield extra + (
                f"{ts} DEBUG [{thread}] {cls} - Cache hit for key user:{r.randrange(10**5)} "
                f"(ttl={r.randrange(1, 3600)}s)"
            )
        elif x < 0.8:
            method, path = r.choice(_METHODS), _fill(r, r.choice(_PATHS))
            status = r.choice([200, 200, 201, 204, 404])
            if "new-status" in plants and r.random() < 0.05:
                status = 503
            yield (
                extra
                + f"{ts} INFO  [{thread}] {cls} - Completed {method} {path} status={status} in {r.randrange(1, 900)}ms"
            )
        elif x < 0.9995:
            yield extra + (
                f"{ts} INFO  [{thread}] {cls} - Published event OrderCreated id="
                f"{uuid.UUID(int=r.getrandbits(128))} partition={r.randrange(12)} offset={r.randrange(10**9)}"
            )
        else:
            yield (
                extra
                + f"{ts} INFO  [main] c.e.Application - Started Application in {r.randrange(3, 40)}.{r.randrange(10)} seconds"  # noqa: E501
            )


def _python(r: random.Random, clock: _Clock, plants: Plants = frozenset()) -> Iterator[str]:
    while True:
        t = clock.tick()
        ts = t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}"
        mod = r.choice(["worker.tasks", "worker.db", "api.views", "api.auth"])
        x = r.random()
        if x < 0.01 or (_in_burst(clock, 100_000) and x < 0.4):
            yield "\n".join(
                [
                    f"{ts} ERROR {mod}: Task {uuid.UUID(int=r.getrandbits(128))} failed",
                    "Traceback (most recent call last):",
                    '  File "/app/worker/tasks.py", line 88, in run',
                    "    result = handler(payload)",
                    '  File "/app/worker/handlers.py", line 41, in handle',
                    "    raise ValueError(f\"bad payload {payload['id']}\")",
                    f"ValueError: bad payload {r.randrange(10**6)}",
                ]
            )
        elif x < 0.5:
            yield f"{ts} INFO {mod}: Processed batch {r.randrange(10**6)} with {r.randrange(1, 500)} items"
        elif "div5" in plants and r.random() < 0.8:
            yield ""  # dropped: the clock moved, the source kept its turn
        else:
            yield f"{ts} WARNING {mod}: Retrying connection to {_ip(r)}:{r.choice([5432, 6379])} (attempt {r.randrange(1, 6)})"  # noqa: E501


def _json(r: random.Random, clock: _Clock, plants: Plants = frozenset()) -> Iterator[str]:
    while True:
        t = clock.tick()
        ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
        svc = r.choice(_SERVICES)
        rid = uuid.UUID(int=r.getrandbits(128))
        x = r.random()
        if x < 0.02 or (_in_burst(clock, 100_000) and x < 0.5):
            yield (
                f'{{"ts":"{ts}","level":"error","service":"{svc}","msg":"upstream call failed",'
                f'"request_id":"{rid}","upstream":"{_ip(r)}:8443","error":"context deadline exceeded",'
                f'"duration_ms":{r.randrange(1000, 30000)}}}'
            )
        elif x < 0.5:
            yield (
                f'{{"ts":"{ts}","level":"info","service":"{svc}","msg":"request completed",'
                f'"request_id":"{rid}","method":"{r.choice(_METHODS)}","status":{r.choice([200, 201, 204])},'
                f'"duration_ms":{r.randrange(1, 800)},"user":"{r.choice(_USERS)}"}}'
            )
        elif x < 0.8:
            yield (
                f'{{"ts":"{ts}","level":"debug","service":"{svc}","msg":"cache lookup",'
                f'"key":"sess:{r.getrandbits(40):x}","hit":{r.choice(["true", "false"])}}}'
            )
        elif "gone" in plants:
            yield ""  # dropped: the clock moved, the source kept its turn
        else:
            yield (
                f'{{"ts":"{ts}","level":"warn","service":"{svc}","msg":"rate limit close",'
                f'"client_ip":"{_ip(r)}","remaining":{r.randrange(0, 20)}}}'
            )


def _access(r: random.Random, clock: _Clock, plants: Plants = frozenset()) -> Iterator[str]:
    while True:
        t = clock.tick()
        ts = t.strftime("%d/%b/%Y:%H:%M:%S +0000")
        status = r.choice([200] * 20 + [201, 204, 301, 304, 404, 404, 500])
        if _in_burst(clock, 100_000) and r.random() < 0.5:
            status = 503
        yield (
            f'{_ip(r)} - {r.choice(["-", *_USERS])} [{ts}] "{r.choice(_METHODS)} {_fill(r, r.choice(_PATHS))} '
            f'HTTP/1.1" {status} {r.randrange(0, 50000)} "-" "{r.choice(_AGENTS)}"'
        )


def _syslog(r: random.Random, clock: _Clock, plants: Plants = frozenset()) -> Iterator[str]:
    while True:
        t = clock.tick()
        ts = t.strftime("%b %e %H:%M:%S")
        pid = r.randrange(1000, 40000)
        x = r.random()
        if x < 0.4 or (_in_burst(clock, 100_000) and x < 0.8):
            yield f"{ts} web01 sshd[{pid}]: Failed password for invalid user {r.choice(_USERS)}{r.randrange(100)} from {_ip(r)} port {r.randrange(1024, 65535)} ssh2"  # noqa: E501
        elif x < 0.6:
            yield f"{ts} web01 sshd[{pid}]: Accepted publickey for {r.choice(_USERS)} from {_ip(r)} port {r.randrange(1024, 65535)} ssh2"  # noqa: E501
        elif x < 0.8:
            yield f"{ts} web01 CRON[{pid}]: (root) CMD (/usr/local/bin/backup.sh --id {r.randrange(10**5)})"
        else:
            yield "\n".join(
                f"{ts} web01 kernel: [{r.randrange(10**6)}.{r.randrange(10**6):06d}] eth0: link up, {r.choice([100, 1000])} Mbps"  # noqa: E501
                for _ in range(5 if "x5" in plants else 1)
            )


def _logfmt(r: random.Random, clock: _Clock, plants: Plants = frozenset()) -> Iterator[str]:
    while True:
        t = clock.tick()
        ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}Z"
        x = r.random()
        lvl, msg = (
            ("error", "job failed")
            if x < 0.03 or (_in_burst(clock, 100_000) and x < 0.5)
            else (("info", "job done") if x < 0.7 else ("debug", "poll"))
        )
        yield (
            f'time={ts} level={lvl} msg="{msg}" job_id={r.getrandbits(48):x} queue={r.choice(_SERVICES)} '
            f"took={r.randrange(1, 5000)}ms"
        )


def _cri(r: random.Random, clock: _Clock, plants: Plants = frozenset()) -> Iterator[str]:
    inner = _app(r, clock)  # plants go to the app's own lines only, so each planted change has one template
    while True:
        t = clock.t
        ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}000Z"
        text = next(inner).split("\n", 1)[0]
        if len(text) > 120 and r.random() < 0.1:
            yield f"{ts} stdout P {text[:60]}\n{ts} stdout F {text[60:]}"
        else:
            yield f"{ts} {r.choice(['stdout', 'stdout', 'stderr'])} F {text}"


_MAKERS: dict[str, Callable[[random.Random, _Clock, Plants], Iterator[str]]] = {
    "app": _app,
    "python": _python,
    "json": _json,
    "access": _access,
    "syslog": _syslog,
    "logfmt": _logfmt,
    "cri": _cri,
}


def _items(item: str) -> Iterator[str]:
    """A source's turn as stream items: none when a planted change dropped its record, else the item (several
    records joined by newlines when a planted change added some, written out together)."""
    if item:
        yield item


def records(seed: int, kind: str = "mixed", plants: Iterable[str] = ()) -> Iterator[str]:
    """An endless stream of records (a record may span several lines) of one kind, with the planted changes
    named in ``plants`` (see ``PLANTS``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    planted = frozenset(plants)
    unknown = planted - set(PLANTS)
    if unknown:
        raise ValueError(f"unknown planted change(s) {', '.join(sorted(unknown))}; choose from {', '.join(PLANTS)}")
    r = random.Random(seed)
    clock = _Clock(r)
    # A maker yields "" for a record a planted change dropped (it still took its turn), and several records
    # joined by newlines for records a planted change added.
    if kind != "mixed":
        for item in _MAKERS[kind](r, clock, planted):
            yield from _items(item)
        return
    order = list(MIX_WEIGHTS)
    weights = [MIX_WEIGHTS[k] for k in order]
    gens = {k: _MAKERS[k](r, clock, planted) for k in order}
    # A separate generator for the interleaving, so each source's own stream stays the same.
    mix = random.Random(seed * 7919 + 1)
    while True:
        g = gens[mix.choices(order, weights)[0]]
        for _ in range(1 + int(mix.expovariate(1 / 8)) % MAX_RUN):
            yield from _items(next(g))


def write_log(
    path: str, size_bytes: int, seed: int, kind: str = "mixed", *, compress: bool = False, plants: Iterable[str] = ()
) -> int:
    """Write about ``size_bytes`` of log (whole records) to ``path``, streaming; returns lines written."""
    raw: IO[bytes] = (
        gzip.open(path, "wb", compresslevel=1)  # type: ignore[assignment]  # noqa: SIM115
        if compress
        else open(path, "wb")  # noqa: SIM115
    )
    lines = 0
    written = 0
    with raw as f:
        buf = io.StringIO()
        pending = 0
        for rec in records(seed, kind, plants):
            buf.write(rec)
            buf.write("\n")
            n = len(rec) + 1
            pending += n
            written += n
            lines += rec.count("\n") + 1
            if pending >= 1 << 20 or written >= size_bytes:
                f.write(buf.getvalue().encode("utf-8"))
                buf = io.StringIO()
                pending = 0
            if written >= size_bytes:
                break
    return lines


def generate_lines(n: int, seed: int, kind: str = "mixed") -> list[str]:
    """The first ``n`` physical lines of a generated log (for in-memory tests and benchmarks)."""
    out: list[str] = []
    for rec in records(seed, kind):
        out.extend(rec.split("\n"))
        if len(out) >= n:
            return out[:n]
    return out


def parse_size(text: str) -> int:
    """``256MiB``, ``1GiB``, ``10MB``, ``4096`` -> bytes."""
    units = {"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "kb": 10**3, "mb": 10**6, "gb": 10**9, "b": 1}
    t = text.strip().lower()
    for u, mult in units.items():
        if t.endswith(u):
            return int(float(t[: -len(u)]) * mult)
    return int(t)
