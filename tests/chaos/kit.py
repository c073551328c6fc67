"""Shared pieces of the chaos suite: scale, figures, worker processes, RSS sampling, store checks."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import grpc
import psutil
import psycopg
from grpc_health.v1 import health_pb2, health_pb2_grpc
from minio import Minio

from loglens.v1 import log_file_pb2, log_file_pb2_grpc
from loglens_devstack.servers import free_port
from loglens_devstack.stack import Stack

MIB = 1024 * 1024
BUCKET = "loglens"
PREFIX = "logfiles/"
FULL = os.environ.get("LOGLENS_CHAOS_SCALE", "small").lower() == "full"
T = TypeVar("T")

# Figures collected by the tests and printed in the terminal summary (see conftest.py).
FIGURES: list[str] = []


def scale(small: T, full: T) -> T:
    """Small counts for `make test`, full counts for `make test-chaos` (LOGLENS_CHAOS_SCALE=full)."""
    return full if FULL else small


def figure(line: str) -> None:
    FIGURES.append(line)
    print(line)


def wait_until(predicate: Callable[[], T], timeout: float, what: str, every: float = 0.1) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def db(stack: Stack) -> psycopg.Connection:
    return psycopg.connect(stack.postgres.url, autocommit=True, connect_timeout=5)


def health(addr: str, timeout: float = 2) -> str:
    """SERVING, NOT_SERVING, ... or the gRPC code name when the check itself fails."""
    with grpc.insecure_channel(addr) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=timeout)
        except grpc.RpcError as exc:
            return str(exc.code().name)  # type: ignore[attr-defined]
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


# Printable ASCII and newlines: random bytes mapped onto it give random text of any size quickly.
_TEXT = bytes((32 + b % 95) if b % 23 else 10 for b in range(256))


def random_text(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size).translate(_TEXT)


def upload_requests(
    meta: log_file_pb2.UploadLogFileMetadata, data: bytes, chunk: int = MIB
) -> Iterator[log_file_pb2.UploadLogFileRequest]:
    yield log_file_pb2.UploadLogFileRequest(metadata=meta)
    for start in range(0, len(data), chunk):
        yield log_file_pb2.UploadLogFileRequest(chunk=data[start : start + chunk])


def upload(channel: grpc.Channel, token: str, data: bytes, timeout: float = 60, **meta: object) -> log_file_pb2.LogFile:
    meta.setdefault("filename", "chaos.log")
    stub = log_file_pb2_grpc.LogFileServiceStub(channel)
    reply = stub.UploadLogFile(
        upload_requests(log_file_pb2.UploadLogFileMetadata(**meta), data),  # type: ignore[arg-type]
        metadata=(("authorization", f"Bearer {token}"),),
        timeout=timeout,
    )
    return reply.log_file


# The store -------------------------------------------------------------------------------------------
def s3_client(stack: Stack) -> Minio:
    return Minio(stack.s3.endpoint, access_key=stack.s3.access_key, secret_key=stack.s3.secret_key, secure=False)


def rows(stack: Stack, owner: str | None = None) -> list[tuple[str, str, str | None, str]]:
    """(id, object_key, request_id, sha256) of the owner's log files, or of every one."""
    with db(stack) as conn:
        sql = "SELECT id, object_key, request_id, sha256 FROM ingest.log_files"
        if owner is None:
            return list(conn.execute(sql))
        return list(conn.execute(sql + " WHERE owner = %s", (owner,)))


def objects(s3: Minio) -> set[str]:
    return {o.object_name or "" for o in s3.list_objects(BUCKET, prefix=PREFIX, recursive=True)}


def open_uploads(s3: Minio) -> list[str]:
    return [u.object_name for u in s3._list_multipart_uploads(BUCKET).uploads]


def store_state(stack: Stack, s3: Minio) -> tuple[set[str], set[str], list[str]]:
    """(orphan objects, rows without an object, open multipart uploads): all empty when consistent."""
    keys = {key for _, key, _, _ in rows(stack)}
    stored = objects(s3)
    return stored - keys, keys - stored, open_uploads(s3)


def sweep_once(stack: Stack, s3: Minio) -> tuple[set[str], set[str], list[str]]:
    """Start an ingest that sweeps once at start-up (stale age 1 s) and return the store state after it."""
    addr = f"127.0.0.1:{free_port()}"
    stack.start_service(
        "ingest",
        name="ingest-sweeper",
        LOGLENS_LISTEN_ADDR=addr,
        LOGLENS_METRICS_PORT="0",
        LOGLENS_STALE_UPLOAD_AGE_S="1",
        LOGLENS_SWEEP_INTERVAL_S="3600",
    )
    try:
        stack.wait_serving("ingest-sweeper", addr=addr)
        deadline = time.monotonic() + 30
        while (state := store_state(stack, s3)) != (set(), set(), []) and time.monotonic() < deadline:
            time.sleep(0.2)
        return state
    finally:
        stack.stop_service("ingest-sweeper")


# Processes -------------------------------------------------------------------------------------------
@dataclass
class RssSampler:
    """Samples the resident set size of some processes in a thread (MiB, with timestamps).

    With ``tree``, a sample is the memory of the process and all its descendants (an analysis service and the
    processes its engine runs in): the sum of their proportional set sizes, which splits the pages they share
    (the engine's code, forked from one forkserver) between them instead of counting them once per process.
    """

    pids: dict[str, int]
    every_s: float = 0.05
    tree: bool = False
    samples: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.started = time.monotonic()

    def _measure(self, proc: psutil.Process) -> float:
        if not self.tree:
            return proc.memory_info().rss / MIB
        total = proc.memory_full_info().pss
        for child in proc.children(recursive=True):
            try:
                total += child.memory_full_info().pss
            except psutil.Error:  # ended between the listing and the reading
                continue
        return total / MIB

    def _run(self) -> None:
        procs = {name: psutil.Process(pid) for name, pid in self.pids.items()}
        while not self._stop.is_set():
            now = time.monotonic() - self.started
            for name, proc in procs.items():
                try:
                    rss = self._measure(proc)
                except psutil.Error:
                    continue
                self.samples.setdefault(name, []).append((now, rss))
            self._stop.wait(self.every_s)

    def __enter__(self) -> RssSampler:
        self.started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def peak(self, name: str) -> float:
        return max((rss for _, rss in self.samples.get(name, [])), default=0.0)

    def window_mean(self, name: str, start: float, end: float) -> float:
        values = [rss for t, rss in self.samples.get(name, []) if start <= t < end]
        return sum(values) / len(values) if values else 0.0


def chunks_claimed_again(stack: Stack, run_ids: Iterable[str]) -> set[str]:
    """The runs (of ``run_ids``) that had a chunk claimed again (its worker killed mid-chunk), from the workers' logs:
    a run analysed in chunks keeps its one attempt, its chunks count the interruptions."""
    wanted, found = set(run_ids), set()
    for path in (stack.root / "logs").glob("*worker*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if '"chunk claimed again"' in line:
                run = json.loads(line).get("run")
                if run in wanted:
                    found.add(run)
    return found


class Workers:
    """Analysis worker processes (the analysis service with LOGLENS_WORKERS=n and its own port)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.count = 0
        self.addrs: dict[str, str] = {}

    def start(self, wait: bool = True, **env: str) -> str:
        self.count += 1
        name = f"chaos-worker-{self.count}"
        addr = f"127.0.0.1:{free_port()}"
        env.setdefault("LOGLENS_WORKERS", "1")
        self.stack.start_service("analysis", name=name, LOGLENS_LISTEN_ADDR=addr, LOGLENS_METRICS_PORT="0", **env)
        self.addrs[name] = addr
        if wait:
            self.stack.wait_serving(name, addr=addr)
        return name

    def pid(self, name: str) -> int:
        return self.stack.processes[name].pid

    def names(self) -> list[str]:
        return [n for n in self.stack.processes if n.startswith("chaos-worker-")]

    def kill(self, name: str) -> None:
        process = self.stack.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for name in self.names():
            self.stack.stop_service(name)


def latency_summary(values: list[float]) -> str:
    if not values:
        return "no calls"
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return f"n={len(ordered)} p50={pct(0.5):.1f}ms p99={pct(0.99):.1f}ms max={ordered[-1] * 1000:.1f}ms"
