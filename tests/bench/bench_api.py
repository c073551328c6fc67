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
interleaved pairs; one thread per client blocking on each call took as much as grpc.aio, and uvloop under grpc.aio
changed nothing.

Under each step: the CPU per call of each process (load generator, gateway, ingest, analysis, PostgreSQL with its
back ends; for the raw limit its server and proxy; from /proc) and the machine's load average. On a shared machine
that is the steadier figure, and it says where the time went. Beside it all, the raw limit: the same calls through
a bare grpc.aio proxy to a bare grpc.aio server (``grpc_floor.py``), and GetLogFile's share of it. Prints per
method and client count calls/s, p50 and p99, and last, exactly ``api_calls_per_s=<GetLogFile, 20 clients>
api_p50_ms=<GetLogFile p50, 1 client>``.
"""

from __future__ import annotations

import argparse
import functools
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
    cpu_s: dict[str, float]  # CPU seconds of each measured process (all its threads) during the step
    load: tuple[float, float]  # the machine's 1-minute load average before and after the step

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

    def cpu_line(self) -> str:
        """CPU per call of each process: steadier than calls/s on a shared machine (it does not count the CPU
        other work took), and it says where the time went."""
        per_call = {"load generator": self.client_cpu_s, **self.cpu_s}
        parts = ", ".join(f"{name} {seconds * 1e6 / max(1, self.calls):.0f}" for name, seconds in per_call.items())
        return f"{'':>29}CPU per call, us: {parts}; load average {self.load[0]:.1f} -> {self.load[1]:.1f}"


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _process_cpu_s(pid: int) -> float:
    """A process's CPU seconds so far, all its threads (utime + stime of /proc/PID/stat); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _children(parent: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                pids.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return pids


class CpuMeter:
    """CPU seconds of named processes; a group (PostgreSQL: the postmaster and its back ends) is summed."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self._groups = groups

    def read(self) -> dict[str, float]:
        return {name: sum(_process_cpu_s(pid) for pid in pids()) for name, pids in self._groups.items()}


def _stack_meter(stack: Stack) -> CpuMeter:
    def postgres() -> list[int]:
        pid_file = stack.postgres.root / "data" / "postmaster.pid"
        try:
            postmaster = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        return [postmaster, *_children(postmaster)]

    groups: dict[str, Callable[[], list[int]]] = {
        name: functools.partial(lambda pid: [pid], process.pid) for name, process in stack.processes.items()
    }
    return CpuMeter({**groups, "postgres": postgres})


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run_step(method: str, start: Callable[[], grpc.Future], clients: int, seconds: float, meter: CpuMeter) -> Step:
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
    load0 = os.getloadavg()[0]
    processes0 = meter.read()
    measuring = True
    cpu0, t0 = _cpu_s(), time.perf_counter()
    done.wait()
    elapsed, cpu = time.perf_counter() - t0, _cpu_s() - cpu0
    processes = {name: seconds - processes0[name] for name, seconds in meter.read().items()}
    if failures:
        raise failures[0]
    return Step(method, clients, len(latencies), elapsed, latencies, cpu, processes, (load0, os.getloadavg()[0]))


def _load(
    gateway: str,
    token: str,
    log_file: str,
    run: str,
    clients: list[int],
    seconds: float,
    only: list[str],
    meter: CpuMeter,
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
                step = _run_step(method, start, n, seconds, meter)
                print(step.line(), flush=True)
                print(step.cpu_line(), flush=True)
                steps.append(step)
        return steps


def _floor(proxy: str, request: bytes, token: str, clients: list[int], seconds: float, meter: CpuMeter) -> list[Step]:
    """The same calls (request bytes, token header, answer size) through the bare proxy and server."""
    metadata = (("authorization", f"Bearer {token}"),)
    with grpc.insecure_channel(proxy) as channel:
        call = channel.unary_unary(grpc_floor.METHOD)
        call(request, metadata=metadata, timeout=10, wait_for_ready=True)
        steps = []
        for n in clients:
            step = _run_step("floor", lambda: call.future(request, metadata=metadata, timeout=10), n, seconds, meter)
            print(step.line(), flush=True)
            print(step.cpu_line(), flush=True)
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
        steps = _load(gateway, token, log_file.name, run.name, clients, args.seconds, only, _stack_meter(stack))
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
                meter = CpuMeter(
                    {"bare server": lambda: [floor_processes[0].pid], "bare proxy": lambda: [floor_processes[1].pid]}
                )
                floor = {s.clients: s for s in _floor(address, request, token, clients, args.seconds, meter)}
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
