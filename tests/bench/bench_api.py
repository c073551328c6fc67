"""Point reads through the gateway: GetLogFile, ListLogFiles and GetAnalysisRun with 1 and 20 clients.

    make bench-api [ARGS="--seconds 10 --clients 1,20"]      (or LOGLENS_BENCH_API_SECONDS=15 make bench-api)

On one local stack started as ``make run`` starts it (real PostgreSQL, NATS JetStream and S3; gateway, ingest and
analysis as their own processes): a user is registered and logs in (so each call's token is checked as a real
user's, session cut-off included), a small file is uploaded and analysed, then each method is called through the
gateway with the generated stubs for a fixed time, first by 1 client, then by 20 concurrent ones, after a short
warm-up that is not counted. A client sends its next call as soon as its last one returned.

The load generator runs on the same 2 cores as the system it measures, so it is the cheapest Python client measured
here: one process, one channel, each client a chain of calls on grpc's sync channel, the next call sent from the
callback of the last one (``future()``; no thread and no task per client). On the raw limit at 20 clients it took
147 to 177 us of CPU per call against 185 to 231 us for one grpc.aio task per client (its form before), in seven
interleaved pairs; one thread per client blocking on each call took as much as grpc.aio, and uvloop under
grpc.aio changed nothing. Its own CPU use is printed beside each step, so what the services had left is visible.
Beside it, the raw limit: the same calls through a bare grpc.aio proxy to a bare grpc.aio server
(``grpc_floor.py``), and GetLogFile's share of it. Prints per method and client count
calls/s, p50 and p99, and last, exactly ``api_calls_per_s=<GetLogFile, 20 clients> api_p50_ms=<GetLogFile p50,
1 client>``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc

from loglens.v1 import analysis_pb2, analysis_pb2_grpc, auth_pb2, auth_pb2_grpc, log_file_pb2, log_file_pb2_grpc
from loglens_devstack.client import GatewayClient
from loglens_devstack.servers import free_port, spawn, stop_processes
from loglens_devstack.stack import Ports, Stack

sys.path.insert(0, str(Path(__file__).parent))
import grpc_floor

SAMPLE = Path(__file__).resolve().parents[2] / "tools" / "loglens_devstack" / "sample.log"
USERNAME = "bench-api"
PASSWORD = "correct-horse-battery-staple-42"  # a throwaway account on a throwaway stack
WARMUP_S = 1.0


@dataclass
class Step:
    method: str
    clients: int
    calls: int
    seconds: float
    latencies_ms: list[float]
    client_cpu_s: float

    @property
    def rate(self) -> float:
        return self.calls / self.seconds

    def quantile(self, q: float) -> float:
        s = sorted(self.latencies_ms)
        return s[min(len(s) - 1, int(q * len(s)))]

    def line(self) -> str:
        return (
            f"{self.method:<15} {self.clients:>2} client{'s' if self.clients > 1 else ' '}: "
            f"{self.rate:7.0f} calls/s, p50 {self.quantile(0.50):6.2f} ms, p99 {self.quantile(0.99):6.2f} ms "
            f"({self.calls} calls; load generator used {100 * self.client_cpu_s / self.seconds:.0f}% of a core)"
        )


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run_step(method: str, start: Callable[[], grpc.Future], clients: int, seconds: float) -> Step:
    """``clients`` chains of calls, each sending its next call from the callback of its last one."""
    latencies: list[float] = []
    measuring = False
    stop_at = time.perf_counter() + WARMUP_S + seconds
    live = clients
    lock = threading.Lock()
    done = threading.Event()
    failures: list[BaseException] = []

    def issue() -> None:
        sent = time.perf_counter()
        start().add_done_callback(lambda future: answered(future, sent))

    def answered(future: grpc.Future, sent: float) -> None:
        nonlocal live
        now = time.perf_counter()
        error = future.exception()
        if error is None and now < stop_at:
            if measuring:
                latencies.append((now - sent) * 1000)
            issue()
            return
        with lock:
            if error is not None:
                failures.append(error)
            live -= 1
            if live == 0:
                done.set()

    for _ in range(clients):
        issue()
    time.sleep(WARMUP_S)
    measuring = True
    cpu0, t0 = _cpu_s(), time.perf_counter()
    done.wait()
    elapsed, cpu = time.perf_counter() - t0, _cpu_s() - cpu0
    if failures:
        raise failures[0]
    return Step(method, clients, len(latencies), elapsed, latencies, cpu)


def _load(
    gateway: str, token: str, log_file: str, run: str, clients: list[int], seconds: float, only: list[str]
) -> list[Step]:
    metadata = (("authorization", f"Bearer {token}"),)
    with grpc.insecure_channel(gateway) as channel:
        log_files = log_file_pb2_grpc.LogFileServiceStub(channel)
        runs = analysis_pb2_grpc.AnalysisServiceStub(channel)
        get_file = log_file_pb2.GetLogFileRequest(name=log_file)
        list_files = log_file_pb2.ListLogFilesRequest(page_size=10)
        get_run = analysis_pb2.GetAnalysisRunRequest(name=run)
        methods: dict[str, Callable[[], grpc.Future]] = {
            "GetLogFile": lambda: log_files.GetLogFile.future(get_file, metadata=metadata, timeout=10),
            "ListLogFiles": lambda: log_files.ListLogFiles.future(list_files, metadata=metadata, timeout=10),
            "GetAnalysisRun": lambda: runs.GetAnalysisRun.future(get_run, metadata=metadata, timeout=10),
        }
        steps = []
        for method, start in methods.items():
            if only and method not in only:
                continue
            for n in clients:
                step = _run_step(method, start, n, seconds)
                print(step.line(), flush=True)
                steps.append(step)
        return steps


def _floor(proxy: str, request: bytes, token: str, clients: list[int], seconds: float) -> list[Step]:
    """The same calls (request bytes, token header, answer size) through the bare proxy and server."""
    metadata = (("authorization", f"Bearer {token}"),)
    with grpc.insecure_channel(proxy) as channel:
        call = channel.unary_unary(grpc_floor.METHOD)
        call(request, metadata=metadata, timeout=10, wait_for_ready=True)
        steps = []
        for n in clients:
            step = _run_step("floor", lambda: call.future(request, metadata=metadata, timeout=10), n, seconds)
            print(step.line(), flush=True)
            steps.append(step)
        return steps


def _start_floor(root: Path, answer_bytes: int) -> tuple[str, list[subprocess.Popen[bytes]]]:
    echo, proxy = free_port(), free_port()
    script = str(Path(grpc_floor.__file__))
    processes = [
        spawn([sys.executable, script, "echo", str(echo), str(answer_bytes)], root / "floor-echo.log"),
        spawn([sys.executable, script, "proxy", str(proxy), str(echo)], root / "floor-proxy.log"),
    ]
    return f"127.0.0.1:{proxy}", processes


def prepare(gateway: str) -> tuple[str, log_file_pb2.LogFile, analysis_pb2.AnalysisRun]:
    """A registered user's access token, and a small file of theirs analysed to the end."""
    with grpc.insecure_channel(gateway) as channel:
        auth = auth_pb2_grpc.AuthServiceStub(channel)
        auth.Register(
            auth_pb2.RegisterRequest(username=USERNAME, email=f"{USERNAME}@example.com", password=PASSWORD),
            timeout=30,
        )
        token = auth.Login(auth_pb2.LoginRequest(username=USERNAME, password=PASSWORD), timeout=30).access_token
        client = GatewayClient(channel, token)
        log_file = client.upload(SAMPLE, service="bench-api")
        run = client.wait_for_run(log_file.name, timeout=300)
        assert run.state == analysis_pb2.AnalysisRun.STATE_SUCCEEDED, run.failure_reason
    return token, log_file, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("LOGLENS_BENCH_API_SECONDS", "10")))
    parser.add_argument("--clients", default="1,20", help="client counts, comma-separated (1 and 20 are reported)")
    parser.add_argument("--no-floor", action="store_true", help="skip the bare grpc.aio proxy and server beside it")
    parser.add_argument("--methods", default="", help="only these methods, comma-separated (GetLogFile is required)")
    args = parser.parse_args()
    only = [m for m in args.methods.split(",") if m]
    clients = [int(c) for c in args.clients.split(",")]

    root = Path(tempfile.mkdtemp(prefix="loglens-bench-api-"))
    stack = Stack(root / "stack", Ports.free(), workers=1)
    try:
        stack.start()
        gateway = stack.ports.addr("gateway")
        token, log_file, run = prepare(gateway)
        print(
            f"through the gateway at {gateway}, {args.seconds:g} s per step after {WARMUP_S:g} s of warm-up; "
            f"load generator: one process on this machine ({os.cpu_count()} cores shared with the stack), one "
            "channel, each client a chain of grpc futures (the next call sent from the last one's callback)",
            flush=True,
        )
        steps = _load(gateway, token, log_file.name, run.name, clients, args.seconds, only)
        by = {(s.method, s.clients): s for s in steps}
        busy, single = by.get(("GetLogFile", max(clients))), by.get(("GetLogFile", min(clients)))
        assert busy is not None and single is not None
        if not args.no_floor:
            answer = log_file_pb2.GetLogFileResponse(log_file=log_file).ByteSize()
            request = log_file_pb2.GetLogFileRequest(name=log_file.name).SerializeToString()
            print(
                f"the raw limit, side by side: the same calls ({len(request)} bytes in, {answer} out, the same token "
                "header) through a bare grpc.aio proxy to a bare grpc.aio server (tests/bench/grpc_floor.py: two "
                "processes on the services' event loop; no interceptor, token check, database, log line or metric)",
                flush=True,
            )
            address, floor_processes = _start_floor(root, answer)
            try:
                floor = {s.clients: s for s in _floor(address, request, token, clients, args.seconds)}
            finally:
                stop_processes(floor_processes, grace_s=2)
            print(
                f"GetLogFile against the raw limit: {busy.rate / floor[busy.clients].rate:.2f} of its calls/s at "
                f"{busy.clients} clients; p50 at {single.clients} client {single.quantile(0.5):.2f} ms against "
                f"{floor[single.clients].quantile(0.5):.2f} ms"
            )
        print(f"api_calls_per_s={busy.rate:.0f} api_p50_ms={single.quantile(0.5):.2f}")
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
